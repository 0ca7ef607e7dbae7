//! Deribit round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::deribit::*;
use crate::model::{PerpQuote, Venue};
use crate::venue::VenueAdapter;
use crate::venue::deribit::*;

const H: i64 = 3_600_000;

#[test]
fn hourly_interest_averages_the_snapshots_8h_rate() {
    use crate::demo::deribit::{funding_8h, perp_name};
    let now = 1_760_000_000_000 + 1234;
    let u = crate::demo::Universe::generate(Venue::Deribit, 40, 0, now);
    let m = u
        .perps()
        .find(|m| m.interval_hours == 8 && m.funding_rate >= rust_decimal::Decimal::new(1, 4))
        .expect("an 8 h market paying 0.01 % or more");
    let symbol = perp_name(m);
    // Hourly interest_1h × 8 is the snapshot's funding_8h: the same rate per hour (the
    // demo's wobble aside, which averages out).
    let path = FUNDING_HISTORY.path;
    let body = crate::demo::deribit::respond(
        &u,
        path,
        &[
            ("instrument_name".to_owned(), symbol.clone()),
            ("start_timestamp".to_owned(), (now - 24 * H).to_string()),
            ("end_timestamp".to_owned(), now.to_string()),
        ],
        "",
    )
    .expect("served");
    let day = Deribit
        .parse_funding_history(body.as_bytes())
        .expect("parses");
    assert_eq!(day.len(), 24);
    let mean =
        day.iter().map(|p| p.rate).sum::<rust_decimal::Decimal>() / rust_decimal::Decimal::from(24);
    let per_hour = funding_8h(m) / rust_decimal::Decimal::from(8);
    assert!(
        (mean - per_hour).abs() <= rust_decimal::Decimal::new(25, 7),
        "{mean} vs {per_hour}"
    );
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
    } = trip(Venue::Deribit, 300, 250, now_ms);
    let ref_requests = Deribit.reference_requests();

    assert_eq!(reference.instruments.len(), 300 + 250);
    assert_eq!((s.perps.len(), s.spots.len()), (300, 250));
    let perps: HashMap<&str, &PerpQuote> = s.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
    for m in u.perps() {
        let symbol = format!("{}_USDC-PERPETUAL", m.perp_base());
        let p = perps
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        let mult = Decimal::from(m.multiplier);
        assert_eq!(
            (p.asset.as_str(), p.quote.as_str(), p.multiplier),
            (m.asset.as_str(), QUOTE, mult)
        );
        // The 8 h figure of the synthetic rate, over 8 h: the same rate per hour.
        assert_eq!(p.funding_rate, funding_8h(m), "{symbol}");
        assert_eq!(p.funding_interval_hours, d("8"));
        assert_eq!(
            p.funding_rate / p.funding_interval_hours,
            m.funding_rate / Decimal::from(m.interval_hours),
            "{symbol}"
        );
        assert_eq!(p.next_funding_time, None);
        assert_eq!(
            (p.bid, p.ask),
            (Some(m.perp_bid * mult), Some(m.perp_ask * mult)),
            "{symbol}"
        );
        assert_eq!(
            (p.high_24h, p.low_24h),
            (Some(m.high * mult), Some(m.low * mult))
        );
        assert_eq!(
            (p.mark_price, p.index_price),
            (Some(m.mark * mult), Some(m.index * mult))
        );
        assert_eq!(p.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
        assert_eq!(
            p.open_interest,
            Some(m.open_interest.normalize()),
            "{symbol}"
        );
        assert_eq!(p.exchange_time, t(now_ms));
        assert_eq!(p.received_at, received_at);
    }
    assert!(u.perps().any(|m| m.multiplier == 1000));
    assert!(u.perps().any(|m| m.interval_hours != 8));
    assert_spots(&s, &u, |m| format!("{}_USDC", m.asset), Some(QUOTE));
    for (symbol, why) in FILTERED_FUTURES.iter().chain(FILTERED_SPOTS.iter()) {
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
