//! Binance round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use rust_decimal::Decimal;

use super::*;
use crate::model::{Market, Reference, Venue};
use crate::venue::VenueAdapter;
use crate::venue::binance::*;

fn symbols(r: &Reference, market: Market) -> Vec<&str> {
    r.instruments
        .iter()
        .filter(|i| i.market == market)
        .map(|i| i.symbol.as_str())
        .collect()
}

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

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let Trip {
        u,
        reference,
        snapshot: s,
        received_at,
        ..
    } = trip(Venue::Binance, 300, 250, now_ms);
    let perps = symbols(&reference, Market::Perp);
    assert_eq!(perps.len(), 300);
    assert_collateral(&reference, &u);
    assert_eq!(symbols(&reference, Market::Spot).len(), 250);
    for gone in ["BTCUSDT_260626", "NEWUSDT", "OLDUSDT"] {
        assert!(!perps.contains(&gone), "{gone} must be filtered out");
    }
    assert_eq!(s.perps.len(), 300);
    assert_eq!(s.spots.len(), 250);
    assert!(u.perps().any(|m| m.multiplier == 1000) && u.perps().any(|m| m.quote == "USDC"));
    assert!(u.perps().any(|m| m.interval_hours != 8));

    for m in u.perps() {
        let symbol = format!("{}{}", m.perp_base(), m.quote);
        let q = s
            .perps
            .iter()
            .find(|q| q.symbol == symbol)
            .unwrap_or_else(|| panic!("{symbol} missing"));
        assert_eq!(
            (q.asset.as_str(), q.quote.as_str()),
            (m.asset.as_str(), m.quote.as_str())
        );
        assert_eq!(q.multiplier, Decimal::from(m.multiplier), "{symbol}");
        assert_eq!(q.funding_rate, m.funding_rate, "{symbol}");
        assert_eq!(
            q.funding_interval_hours,
            Decimal::from(m.interval_hours),
            "{symbol}"
        );
        assert_eq!(q.next_funding_time, ms_time(m.next_funding_ms), "{symbol}");
        assert_eq!(q.bid, Some(m.contract_price(m.perp_bid)), "{symbol}");
        assert_eq!(q.ask, Some(m.contract_price(m.perp_ask)), "{symbol}");
        assert_eq!(q.bid.map(|b| q.unit_price(b)), Some(m.perp_bid), "{symbol}");
        assert_eq!(q.mark_price, Some(m.contract_price(m.mark)), "{symbol}");
        assert_eq!(q.index_price, Some(m.contract_price(m.index)), "{symbol}");
        assert_eq!(q.high_24h, Some(m.contract_price(m.high)), "{symbol}");
        assert_eq!(q.low_24h, Some(m.contract_price(m.low)), "{symbol}");
        assert_eq!(q.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
        assert_eq!(q.exchange_time, ms_time(now_ms), "{symbol}");
        assert_eq!(q.received_at, received_at);
    }
    assert_spots(&s, &u, |m| format!("{}{}", m.asset, m.quote), None);
}
