//! BingX round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::bingx::*;
use crate::model::{Market, PerpQuote, Venue};
use crate::venue::VenueAdapter;
use crate::venue::bingx::*;

/// Runs `f` on bodies built from (request, payload) pairs.

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let Trip {
        u,
        routes,
        reference,
        snapshot: s,
        received_at,
    } = trip(Venue::Bingx, 300, 250, now_ms);
    assert_eq!(reference.instruments.len(), 300 + 250);
    assert!(
        Bingx.detail_requests(&reference, None).is_empty(),
        "the premium index carries every interval"
    );
    assert_eq!(s.perps.len(), 300);
    assert_eq!(s.spots.len(), 250);

    let perps: HashMap<&str, &PerpQuote> = s.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
    for m in u.perps() {
        let symbol = perp_symbol(m);
        let p = perps
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        assert_eq!(
            (p.asset.as_str(), p.quote.as_str(), p.multiplier),
            (
                m.asset.as_str(),
                m.quote.as_str(),
                Decimal::from(m.multiplier)
            )
        );
        assert_eq!(p.funding_rate, m.funding_rate, "{symbol}");
        assert_eq!(p.funding_interval_hours, Decimal::from(m.interval_hours));
        assert_eq!(p.next_funding_time, t(m.next_funding_ms));
        assert_eq!(
            (p.bid, p.ask),
            (
                Some(m.contract_price(m.perp_bid)),
                Some(m.contract_price(m.perp_ask))
            ),
            "{symbol}: quoted per {} coins",
            m.multiplier
        );
        assert_eq!(
            (p.high_24h, p.low_24h),
            (
                Some(m.contract_price(m.high)),
                Some(m.contract_price(m.low))
            )
        );
        assert_eq!(
            (p.mark_price, p.index_price),
            (
                Some(m.contract_price(m.mark)),
                Some(m.contract_price(m.index))
            )
        );
        assert_eq!(p.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
        assert_eq!(p.exchange_time, t(now_ms));
        assert_eq!(p.received_at, received_at);
    }
    assert!(u.perps().any(|m| m.multiplier == 1000) && u.perps().any(|m| m.quote == "USDC"));
    assert_spots(&s, &u, spot_symbol, None);
    assert!(s.spots.iter().all(|q| q.exchange_time == t(now_ms)));
    for (symbol, why) in FILTERED_CONTRACTS.iter().chain(FILTERED_SPOTS.iter()) {
        assert!(routes[0].body.contains(symbol) || routes[1].body.contains(symbol));
        assert!(
            reference.instruments.iter().all(|i| i.symbol != *symbol),
            "{symbol} ({why}) must be filtered out"
        );
    }

    // Without the optional premium index the intervals come from the funding history:
    // a bounded batch, served by the demo and merged into the reference.
    let plan = Bingx.reference_requests();
    let bare_bodies = serve_plan(&routes, &plan[..2]);
    let mut bare = Bingx.parse_reference(&bare_bodies).expect("parses");
    assert!(
        bare.instruments
            .iter()
            .all(|i| i.funding_interval_hours.is_none())
    );
    let details = Bingx.detail_requests(&bare, None);
    assert_eq!(details.len(), crate::venue::bingx::DETAIL_BATCH);
    let bodies = serve_plan(&routes, &details);
    Bingx
        .apply_details(&mut bare, None, &bodies)
        .expect("details apply");
    for m in u.perps().take(details.len()) {
        let symbol = perp_symbol(m);
        let inst = bare
            .instruments
            .iter()
            .find(|i| i.symbol == symbol && i.market == Market::Perp)
            .expect("listed");
        assert_eq!(
            inst.funding_interval_hours,
            Some(Decimal::from(m.interval_hours)),
            "{symbol}"
        );
    }
}
