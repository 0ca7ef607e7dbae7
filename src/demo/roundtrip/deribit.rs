//! Deribit round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use crate::model::Venue;
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
    let query = [
        ("instrument_name".to_owned(), symbol.clone()),
        ("start_timestamp".to_owned(), (now - 24 * H).to_string()),
        ("end_timestamp".to_owned(), now.to_string()),
    ];
    let body =
        crate::demo::deribit::respond(&u, &crate::demo::Ask::get(path, &query)).expect("served");
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
