//! OKX round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::okx::*;
use crate::demo::{DAY_MS, HOUR_MS};
use crate::model::{Market, PerpQuote, SpotQuote, Venue};
use crate::venue::okx::*;
use crate::venue::testkit::*;
use crate::venue::{Bar, Candle, CandleWindow, VenueAdapter};

#[test]
fn history_round_trip_through_the_demo_returns_every_settlement_once() {
    const DAY: i64 = 86_400_000;
    let now = 1_760_000_000_000;
    let u = crate::demo::Universe::generate(Venue::Okx, 40, 0, now);
    for hours in [1_i64, 8] {
        let m = u
            .perps()
            .find(|m| i64::from(m.interval_hours) == hours)
            .expect("a perp with that interval");
        let symbol = crate::demo::okx::swap_id(m);
        let step = hours * 3_600_000;
        let aligned = (now - 31 * DAY) / step * step + step;
        for (start, end) in [(now - 30 * DAY + 1, now), (aligned, aligned + 30 * DAY - 1)] {
            let paged = funding_pages(&Okx, respond, &u, &symbol, start, end);
            let (mut got, requests) = (paged.times_within(start, end), paged.count());
            let n = got.len();
            got.sort_unstable();
            got.dedup();
            assert_eq!(got.len(), n, "duplicates for {symbol}");
            assert_eq!(
                n,
                usize::try_from(30 * 24 / hours).expect("small"),
                "{symbol}"
            );
            assert!(
                got.iter()
                    .all(|t| t % step == 0 && (start..=end).contains(t))
            );
            assert_eq!(got.first().copied(), Some((start + step - 1) / step * step));
            assert_eq!(got.last().copied(), Some(end / step * step));
            // 720 hourly points: 7 full pages and a short one; 90 eight-hourly: one short page.
            assert_eq!(requests, if hours == 1 { 8 } else { 1 });
        }
    }
    // OKX keeps 90 days: a 120-day window yields 90 days.
    let m = u.perps().find(|m| m.interval_hours == 8).expect("8 h perp");
    let (start, end) = (now - 120 * DAY, now);
    let paged = funding_pages(&Okx, respond, &u, &crate::demo::okx::swap_id(m), start, end);
    assert_eq!(paged.times_within(start, end).len(), 90 * 3);
}

/// The caller's loop through the demo: the bars in the window as returned (no
/// de-duplication) and the requests, by endpoint.
fn backfill(u: &Universe, w: &CandleWindow<'_>) -> (Vec<Candle>, Vec<&'static str>) {
    let paged = candle_pages(&Okx, respond, u, w);
    (paged.within(w.start_ms, w.end_ms), paged.endpoints())
}

/// Asserts that `got` holds every finished bar of the synthetic market in the window exactly
/// once, per coin as OKX quotes it.
fn assert_every_finished_bar_once(m: &SynthMarket, w: &CandleWindow<'_>, now: i64, got: &[Candle]) {
    let step = w.bar.millis();
    let mut expected = synth_candles(m, w, now);
    expected.retain(|c| c.open_ms + step <= now);
    assert!(!expected.is_empty());
    assert_eq!(by_time(got.to_vec()), expected, "{}", w.symbol);
}

#[test]
fn candle_round_trip_through_the_demo_returns_every_finished_bar_once() {
    let now = 1_760_000_000_000 + 17 * 60_000;
    let u = Universe::generate(Venue::Okx, 40, 40, now);
    let hour = now / HOUR_MS * HOUR_MS;
    let day = now / DAY_MS * DAY_MS;
    let btc = &u.markets[0];
    assert!(btc.has_perp && btc.has_spot);
    let pepe = u
        .perps()
        .find(|m| m.multiplier == 1000)
        .expect("a cheap coin");
    let (btc_swap, btc_spot, pepe_swap) = (swap_id(btc), spot_id(btc), swap_id(pepe));
    let (days45, hours7, hours120) = (
        day - 45 * DAY_MS,
        hour - 168 * HOUR_MS,
        hour - 2880 * HOUR_MS,
    );
    let candles_only = |n: usize| vec!["candles"; n];
    // 2880 finished hourly bars: 299 + 3 × 300 + 239 from `candles` (the running bar
    // dropped from the first page), then 1442 from `history-candles` (14 × 100 + 42).
    let mut long = candles_only(5);
    long.extend(vec!["history-candles"; 15]);
    let cases = [
        // (market, symbol, synthetic market, bar, start, finished bars, endpoints)
        (
            Market::Perp,
            &btc_swap,
            btc,
            Bar::Day,
            days45,
            45,
            candles_only(1),
        ),
        (
            Market::Spot,
            &btc_spot,
            btc,
            Bar::Day,
            days45,
            45,
            candles_only(1),
        ),
        (
            Market::Perp,
            &btc_swap,
            btc,
            Bar::Hour,
            hours7,
            168,
            candles_only(1),
        ),
        (
            Market::Spot,
            &btc_spot,
            btc,
            Bar::Hour,
            hours7,
            168,
            candles_only(1),
        ),
        (
            Market::Perp,
            &pepe_swap,
            pepe,
            Bar::Hour,
            hours7,
            168,
            candles_only(1),
        ),
        (
            Market::Perp,
            &pepe_swap,
            pepe,
            Bar::Day,
            days45,
            45,
            candles_only(1),
        ),
        (
            Market::Perp,
            &btc_swap,
            btc,
            Bar::Hour,
            hours120,
            2880,
            long.clone(),
        ),
        (
            Market::Spot,
            &btc_spot,
            btc,
            Bar::Hour,
            hours120,
            2880,
            long,
        ),
    ];
    for (market, symbol, m, bar, start, n, endpoints) in cases {
        let w = window(market, symbol, bar, start, now);
        let (got, asked) = backfill(&u, &w);
        assert_eq!((got.len(), &asked), (n, &endpoints), "{symbol} {bar:?}");
        assert_every_finished_bar_once(m, &w, now, &got);
    }
    // A cheap coin: OKX quotes per coin (no multiplier), the daily closes are the path's.
    let w = window(Market::Perp, &pepe_swap, Bar::Day, day - 2 * DAY_MS, now);
    let (got, _) = backfill(&u, &w);
    let closes: Vec<Decimal> = got.iter().map(|c| c.close).collect();
    let path: Vec<Decimal> = pepe
        .candles(Bar::Day, day - 2 * DAY_MS, day - DAY_MS, now)
        .iter()
        .rev()
        .map(|c| c.close)
        .collect();
    assert_eq!(closes, path);
    assert!(
        closes.iter().all(|c| *c < Decimal::new(1, 3)),
        "per coin, not per 1000"
    );
    // A window reaching past the 120 days kept: the short last page ends it.
    let w = window(
        Market::Spot,
        &btc_spot,
        Bar::Hour,
        hour - 200 * 24 * HOUR_MS,
        now,
    );
    let (got, asked) = backfill(&u, &w);
    assert_eq!((got.len(), asked.len()), (2880, 20));
    assert_every_finished_bar_once(btc, &w, now, &got);
}

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let u = Universe::generate(Venue::Okx, 300, 250, now_ms);
    let routes = crate::demo::okx::routes(&u);
    let ref_requests = Okx.reference_requests();
    let snap_requests = Okx.snapshot_requests(true);
    assert_eq!(
        routes.len(),
        ref_requests.len() + snap_requests.len(),
        "one route per request"
    );

    let bodies = serve_plan(&routes, &ref_requests);
    let reference = Okx.parse_reference(&bodies).expect("demo reference parses");
    // The collateral table: every coin of the universe, USDT, USDC and one unlisted coin,
    // each at its first tier.
    let demo = crate::demo::collateral_haircut;
    let unlisted = crate::demo::UNLISTED_COLLATERAL;
    assert_eq!(reference.haircuts.len(), u.markets.len() + 3);
    for m in &u.markets {
        assert_eq!(
            reference.haircuts.get(&m.asset),
            Some(&demo(&m.asset)),
            "{}",
            m.asset
        );
    }
    assert_eq!(reference.haircuts["BTC"], d("0.95"));
    assert_eq!(reference.haircuts["ETH"], d("0.95"));
    assert_eq!(reference.haircuts["USDT"], Decimal::ONE);
    assert_eq!(reference.haircuts["USDC"], Decimal::ONE);
    assert_eq!(reference.haircuts.get(unlisted), Some(&demo(unlisted)));
    assert!(reference.instruments.iter().all(|i| i.asset != unlisted));
    let bodies = serve_plan(&routes, &snap_requests);
    let received_at = t(now_ms + 250).expect("time");
    let s = Okx
        .parse_snapshot(&bodies, &reference, received_at)
        .expect("demo snapshot parses");

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
    let spots: HashMap<&str, &SpotQuote> = s.spots.iter().map(|q| (q.symbol.as_str(), q)).collect();
    for m in u.spots() {
        let symbol = format!("{}-{}", m.asset, m.quote);
        let q = spots
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        assert_eq!(
            (q.bid, q.ask),
            (Some(m.spot_bid), Some(m.spot_ask)),
            "{symbol}"
        );
        assert_eq!((q.high_24h, q.low_24h), (Some(m.high), Some(m.low)));
        assert_eq!(q.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
    }
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
