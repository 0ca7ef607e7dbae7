//! Hyperliquid round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use super::*;
use crate::demo::hyperliquid::*;
use crate::model::{Market, Venue};
use crate::venue::hyperliquid::*;
use crate::venue::{Bar, CandleWindow};

const HOUR: i64 = 3_600_000;

const DAY: i64 = 86_400_000;

const NOW: i64 = 1_760_000_000_000;

fn body(r: &Request) -> serde_json::Value {
    let Method::Post(body) = &r.method else {
        panic!("{r:?} is not a POST");
    };
    serde_json::from_str(body).expect("JSON body")
}

/// Every page is pinned by the paging suite; here, the POST `/info` body of each request.
#[test]
fn history_requests_post_their_info_type() {
    let u = Universe::generate(Venue::Hyperliquid, 60, 0, NOW);
    let m = u.perps().find(|m| m.multiplier == 1000).expect("kPEPE");
    let (coin, _) = perp_name(m);
    let funding = funding_pages(&Hyperliquid, respond, &u, &coin, NOW - 30 * DAY, NOW);
    assert!(
        funding
            .requests
            .iter()
            .all(|r| body(r)["type"] == "fundingHistory")
    );
    let start = NOW / HOUR * HOUR - 168 * HOUR;
    let w = CandleWindow {
        market: Market::Perp,
        symbol: &coin,
        bar: Bar::Hour,
        start_ms: start,
        end_ms: NOW,
    };
    let candles = candle_pages(&Hyperliquid, respond, &u, &w);
    assert!(
        candles
            .requests
            .iter()
            .all(|r| body(r)["type"] == "candleSnapshot")
    );
    assert_eq!(body(&candles.requests[0])["req"]["coin"], "kPEPE");
}
