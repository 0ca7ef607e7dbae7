//! dYdX round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::dydx::*;
use crate::model::{PerpQuote, Venue};
use crate::venue::VenueAdapter;
use crate::venue::dydx::*;

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let Trip {
        u,
        routes,
        reference,
        snapshot: s,
        received_at,
    } = trip(Venue::Dydx, 300, 250, now_ms);

    assert_eq!(reference.instruments.len(), 300);
    assert_eq!((s.perps.len(), s.spots.len()), (300, 0));
    let perps: HashMap<&str, &PerpQuote> = s.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
    for m in u.perps() {
        let symbol = ticker(m);
        let p = perps
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        assert_eq!(
            (p.asset.as_str(), p.quote.as_str(), p.multiplier),
            (m.asset.as_str(), "USD", Decimal::ONE)
        );
        assert_eq!(p.funding_rate, hourly_rate(m), "{symbol}");
        assert_eq!(
            p.funding_rate * Decimal::from(m.interval_hours),
            m.funding_rate,
            "{symbol}: the same APR as the universe's rate"
        );
        assert_eq!(p.funding_interval_hours, Decimal::ONE);
        assert_eq!(p.next_funding_time, t(1_760_000_400_000));
        // Per coin (no multiplier on dYdX): the oracle ∓ max(5 bp, half a tick).
        let half = (m.index * d("0.0005")).max(tick_size(m) / Decimal::TWO);
        assert_eq!(
            (p.bid, p.ask),
            (Some(m.index - half), Some(m.index + half)),
            "{symbol}"
        );
        assert_eq!(
            (p.mark_price, p.index_price),
            (Some(m.index), Some(m.index))
        );
        assert_eq!((p.high_24h, p.low_24h), (None, None));
        assert_eq!(p.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
        assert_eq!(p.open_interest, Some(m.open_interest), "{symbol}");
        assert_eq!((p.exchange_time, p.received_at), (None, received_at));
    }
    assert!(u.perps().any(|m| m.multiplier == 1000), "cheap coins exist");
    assert!(perps.contains_key("PEPE-USD"));
    for (symbol, status) in FILTERED_MARKETS {
        assert!(served(&routes, &Dydx.snapshot_requests(true)[0]).contains(symbol));
        assert!(
            reference.instruments.iter().all(|i| i.symbol != symbol),
            "{symbol} ({status}) must be filtered out"
        );
    }
}
