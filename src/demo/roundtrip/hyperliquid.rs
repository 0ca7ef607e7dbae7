//! Hyperliquid round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::hyperliquid::*;
use crate::model::{Market, PerpQuote, SpotQuote, Venue};
use crate::venue::hyperliquid::*;
use crate::venue::{Bar, CandleWindow, VenueAdapter};

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

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let Trip {
        u,
        routes,
        reference,
        snapshot: s,
        received_at,
    } = trip(Venue::Hyperliquid, 300, 250, now_ms);
    let ref_requests = Hyperliquid.reference_requests();

    // 300 perps, 250 spot pairs + the illiquid pair; the delisted coins are gone.
    assert_eq!(reference.instruments.len(), 300 + 250 + 1);
    assert_eq!((s.perps.len(), s.spots.len()), (300, 251));
    let perps: HashMap<&str, &PerpQuote> = s.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
    let next_hour = t(1_760_000_400_000);
    for m in u.perps() {
        let (name, mult) = perp_name(m);
        let p = perps
            .get(name.as_str())
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(
            (p.asset.as_str(), p.quote.as_str(), p.multiplier),
            (m.asset.as_str(), "USDC", mult)
        );
        assert_eq!(p.funding_rate, hourly_rate(m), "{name}");
        assert_eq!(
            p.funding_rate * Decimal::from(m.interval_hours),
            m.funding_rate,
            "{name}: the same APR as the universe's rate"
        );
        assert_eq!(p.funding_interval_hours, Decimal::ONE);
        assert_eq!(p.next_funding_time, next_hour);
        assert_eq!(
            (p.bid, p.ask),
            (Some(m.perp_bid * mult), Some(m.perp_ask * mult)),
            "{name}"
        );
        assert_eq!(
            (p.mark_price, p.index_price),
            (Some(m.mark * mult), Some(m.index * mult))
        );
        assert_eq!((p.high_24h, p.low_24h), (None, None));
        assert_eq!(p.volume_24h_quote, Some(perp_notional_volume(m)), "{name}");
        assert_eq!(p.open_interest, Some(m.open_interest), "{name}");
        assert_eq!((p.exchange_time, p.received_at), (None, received_at));
    }
    assert!(u.perps().any(|m| m.multiplier == 1000));
    assert!(perps.contains_key("kPEPE"));
    for (name, why) in FILTERED_PERPS {
        assert!(served(&routes, &Hyperliquid.reference_requests()[0]).contains(name));
        assert!(
            reference.instruments.iter().all(|i| i.symbol != name),
            "{name} ({why}) must be filtered out"
        );
    }

    let spots: HashMap<&str, &SpotQuote> = s.spots.iter().map(|q| (q.asset.as_str(), q)).collect();
    for m in u.spots() {
        let q = spots
            .get(m.asset.as_str())
            .unwrap_or_else(|| panic!("{} spot missing", m.asset));
        assert_eq!(q.quote, "USDC");
        let mid = spot_mid(m);
        let half = mid * d("0.0005");
        assert_eq!(
            (q.bid, q.ask),
            (Some(mid - half), Some(mid + half)),
            "{}",
            m.asset
        );
        assert!(q.bid < q.ask);
        assert_eq!(q.volume_24h_quote, Some(m.volume_quote()), "{}", m.asset);
    }
    assert_eq!(spot_token("BTC"), "UBTC");
    assert!(served(&routes, &ref_requests[1]).contains("\"UBTC\""));
    assert!(spots["BTC"].symbol.starts_with("UBTC/") || spots["BTC"].symbol.starts_with('@'));
    let illiquid = spots[ILLIQUID_SPOT_TOKEN];
    assert_eq!((illiquid.bid, illiquid.ask), (None, None));
}
