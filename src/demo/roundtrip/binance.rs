//! Binance round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use super::*;
use crate::model::Venue;
use crate::venue::VenueAdapter;
use crate::venue::binance::*;

/// Every settlement once is pinned by the paging suite; here, `limit` and the order.
#[test]
fn the_simulators_funding_history_honours_limit_oldest_first() {
    let now = 1_760_000_000_000;
    let u = Universe::generate(Venue::Binance, 40, 0, now);
    let m = u.perps().find(|m| m.interval_hours == 1).expect("1 h perp");
    let symbol = format!("{}{}", m.perp_base(), m.quote);
    let query = [
        ("symbol".to_owned(), symbol),
        ("limit".to_owned(), "50".to_owned()),
    ];
    let body = crate::demo::binance::history(&u, "/fapi/v1/fundingRate", &query);
    let rates = Binance
        .parse_funding_history(body.expect("history path").as_bytes())
        .expect("parses");
    assert_eq!(rates.len(), 50);
    assert!(rates.windows(2).all(|w| w[0].time_ms < w[1].time_ms));
    assert_eq!(
        rates.last().map(|p| p.time_ms),
        Some(now / 3_600_000 * 3_600_000)
    );
}
