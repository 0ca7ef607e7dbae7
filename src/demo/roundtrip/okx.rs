//! OKX round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::okx::*;
use crate::demo::{DAY_MS, HOUR_MS};
use crate::model::{Market, PerpQuote, Venue};
use crate::venue::okx::*;
use crate::venue::testkit::*;
use crate::venue::{Bar, Candle, CandleWindow, VenueAdapter};

/// The caller's loop through the demo: the bars in the window as returned (no
/// de-duplication) and the requests, by endpoint.
fn backfill(u: &Universe, w: &CandleWindow<'_>) -> (Vec<Candle>, Vec<&'static str>) {
    let paged = candle_pages(&Okx, respond, u, w);
    (paged.within(w.start_ms, w.end_ms), paged.endpoints())
}

/// Every bar once is pinned by the paging suite; here, which endpoint serves which page.
#[test]
fn recent_candles_come_from_candles_and_older_ones_from_history_candles() {
    let now = 1_760_000_000_000 + 17 * 60_000;
    let u = Universe::generate(Venue::Okx, 40, 40, now);
    let hour = now / HOUR_MS * HOUR_MS;
    let btc = &u.markets[0];
    // 2880 finished hourly bars: 299 + 3 × 300 + 239 from `candles` (the running bar dropped
    // from the first page), then 1442 from `history-candles` (14 × 100 + 42).
    let mut long = vec!["candles"; 5];
    long.extend(vec!["history-candles"; 15]);
    for (market, symbol) in [(Market::Perp, swap_id(btc)), (Market::Spot, spot_id(btc))] {
        for (start, endpoints) in [
            (hour - 168 * HOUR_MS, vec!["candles"]),
            (hour - 2880 * HOUR_MS, long.clone()),
        ] {
            let w = window(market, &symbol, Bar::Hour, start, now);
            let (got, asked) = backfill(&u, &w);
            assert_eq!(asked, endpoints, "{symbol}");
            assert_eq!(
                got.len(),
                usize::try_from((hour - start) / HOUR_MS).expect("n")
            );
        }
    }
    // A cheap coin: OKX quotes per coin (no multiplier): under a thousandth of a USDT.
    let pepe = u
        .perps()
        .find(|m| m.multiplier == 1000)
        .expect("a cheap coin");
    let day = now / DAY_MS * DAY_MS;
    let pepe_swap = swap_id(pepe);
    let w = window(Market::Perp, &pepe_swap, Bar::Day, day - 2 * DAY_MS, now);
    let (got, _) = backfill(&u, &w);
    assert!(!got.is_empty() && got.iter().all(|c| c.close < Decimal::new(1, 3)));
}

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let Trip {
        u,
        routes,
        reference,
        snapshot: s,
        received_at,
    } = trip(Venue::Okx, 300, 250, now_ms);
    let ref_requests = Okx.reference_requests();
    assert_collateral(&reference, &u);

    assert_eq!(reference.instruments.len(), 300 + 250);
    assert_eq!(s.perps.len(), 300);
    assert_eq!(s.spots.len(), 250);
    let perps: HashMap<&str, &PerpQuote> = s.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
    let insts = reference.index(Market::Perp);
    for m in u.perps() {
        let symbol = format!("{}-{}-SWAP", m.asset, m.quote);
        let p = perps
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        assert_eq!(
            (p.asset.as_str(), p.quote.as_str()),
            (m.asset.as_str(), m.quote.as_str())
        );
        // OKX quotes per coin: multiplied markets keep multiplier 1 and a large ctVal.
        assert_eq!(p.multiplier, Decimal::ONE);
        assert_eq!(
            insts[symbol.as_str()].contract_size,
            contract_value(m.price)
        );
        assert_eq!(p.funding_rate, m.funding_rate, "{symbol}");
        assert_eq!(
            p.funding_interval_hours,
            Decimal::from(m.interval_hours),
            "{symbol}"
        );
        assert_eq!(p.next_funding_time, t(m.next_funding_ms));
        assert_eq!(
            (p.bid, p.ask),
            (Some(m.perp_bid), Some(m.perp_ask)),
            "{symbol}"
        );
        assert_eq!((p.high_24h, p.low_24h), (Some(m.high), Some(m.low)));
        assert_eq!(
            p.volume_24h_quote,
            Some((m.volume_base * m.mark).normalize()),
            "{symbol}"
        );
        assert_eq!(p.open_interest, Some(m.open_interest));
        assert_eq!((p.mark_price, p.index_price), (Some(m.mark), Some(m.index)));
        assert_eq!(p.exchange_time, t(now_ms));
        assert_eq!(p.received_at, received_at);
    }
    assert!(u.perps().any(|m| m.multiplier == 1000) && u.perps().any(|m| m.quote == "USDC"));
    assert_spots(&s, &u, |m| format!("{}-{}", m.asset, m.quote), None);
    for (symbol, why) in FILTERED_SWAPS.iter().chain(FILTERED_SPOTS.iter()) {
        assert!(
            served(&routes, &ref_requests[0]).contains(symbol)
                || served(&routes, &ref_requests[1]).contains(symbol)
        );
        assert!(
            reference.instruments.iter().all(|i| i.symbol != *symbol),
            "{symbol} ({why}) must be filtered out"
        );
    }
}
