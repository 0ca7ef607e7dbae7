//! Kraken round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::kraken::*;
use crate::model::{PerpQuote, Venue};
use crate::venue::VenueAdapter;
use crate::venue::kraken::*;

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let Trip {
        u,
        routes,
        reference,
        snapshot: s,
        received_at,
    } = trip(Venue::Kraken, 300, 250, now_ms);
    let ref_requests = Kraken.reference_requests();

    // Every perp plus the suspended one (tradeable in the list, dropped from snapshots).
    assert_eq!(reference.instruments.len(), 300 + 1);
    assert_eq!((s.perps.len(), s.spots.len()), (300, 0));
    let next_hour = crate::parse::ms_time((now_ms / 3_600_000 + 1) * 3_600_000);
    let perps: HashMap<&str, &PerpQuote> = s.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
    for m in u.perps() {
        let base = m.perp_base();
        let symbol = format!("PF_{}USD", if base == "BTC" { "XBT" } else { &base });
        let p = perps
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        let mult = Decimal::from(m.multiplier);
        assert_eq!(
            (p.asset.as_str(), p.quote.as_str(), p.multiplier),
            (m.asset.as_str(), QUOTE, mult)
        );
        // The absolute rate divided back by the mark: the synthetic rate per hour.
        assert_eq!(p.funding_rate, hourly_rate(m), "{symbol}");
        assert_eq!(
            p.funding_rate * Decimal::from(m.interval_hours),
            m.funding_rate,
            "{symbol}"
        );
        assert_eq!(p.funding_interval_hours, d("1"));
        assert_eq!(p.next_funding_time, next_hour);
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
        assert_eq!(p.exchange_time, crate::parse::ms_time(now_ms));
        assert_eq!(p.received_at, received_at);
    }
    assert!(u.perps().any(|m| m.multiplier == 1000));
    assert!(perps.contains_key("PF_XBTUSD"));
    assert!(reference.instruments.iter().any(|i| i.symbol == SUSPENDED));
    assert!(!perps.contains_key(SUSPENDED), "suspended ticker");
    for (symbol, why) in FILTERED {
        assert!(served(&routes, &ref_requests[0]).contains(symbol));
        assert!(
            reference.instruments.iter().all(|i| i.symbol != symbol),
            "{symbol} ({why}) must be filtered out"
        );
    }
}
