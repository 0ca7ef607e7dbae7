//! MEXC round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::mexc::*;
use crate::model::{Market, PerpQuote, Reference, Venue};
use crate::venue::VenueAdapter;
use crate::venue::mexc::*;

fn interval(r: &Reference, symbol: &str) -> Option<Decimal> {
    r.instruments
        .iter()
        .find(|i| i.symbol == symbol && i.market == Market::Perp)
        .and_then(|i| i.funding_interval_hours)
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
    } = trip(Venue::Mexc, 300, 250, now_ms);
    assert_eq!(reference.instruments.len(), 300 + 250);
    assert!(
        Mexc.detail_requests(&reference, None).is_empty(),
        "the bulk funding rates carry every interval"
    );
    assert_eq!(s.perps.len(), 300);
    assert_eq!(s.spots.len(), 250);

    let perps: HashMap<&str, &PerpQuote> = s.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
    let insts = reference.index(Market::Perp);
    for m in u.perps() {
        let symbol = perp_symbol(m);
        let p = perps
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        let mult = Decimal::from(m.multiplier);
        assert_eq!(
            (p.asset.as_str(), p.quote.as_str(), p.multiplier),
            (m.asset.as_str(), m.quote.as_str(), mult)
        );
        assert_eq!(insts[symbol.as_str()].contract_size, contract_size(m));
        assert_eq!(p.funding_rate, m.funding_rate, "{symbol}");
        assert_eq!(p.funding_interval_hours, Decimal::from(m.interval_hours));
        assert_eq!(p.next_funding_time, t(m.next_funding_ms), "{symbol}");
        assert_eq!(
            (p.bid, p.ask),
            (
                Some(m.contract_price(m.perp_bid)),
                Some(m.contract_price(m.perp_ask))
            ),
            "{symbol}"
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
        assert_eq!(
            p.open_interest,
            Some((hold_vol(m) * contract_size(m) * mult).normalize()),
            "{symbol}: contracts × size × multiplier"
        );
        assert_eq!(p.exchange_time, t(now_ms));
        assert_eq!(p.received_at, received_at);
    }
    assert!(u.perps().any(|m| m.multiplier == 1000) && u.perps().any(|m| m.quote == "USDC"));
    assert_spots(&s, &u, spot_symbol, None);
    for (symbol, why) in FILTERED_CONTRACTS.iter().chain(FILTERED_SPOTS.iter()) {
        assert!(routes[0].body.contains(symbol) || routes[1].body.contains(symbol));
        assert!(
            reference.instruments.iter().all(|i| i.symbol != *symbol),
            "{symbol} ({why}) must be filtered out"
        );
    }

    // Without the optional bulk call the per-symbol funding rates fill the intervals, a
    // bounded batch at a time, served by the demo.
    let plan = Mexc.reference_requests();
    let bare_bodies = serve_plan(&routes, &plan[..2]);
    let mut bare = Mexc.parse_reference(&bare_bodies).expect("parses");
    let details = Mexc.detail_requests(&bare, None);
    assert_eq!(details.len(), DETAIL_BATCH);
    let bodies = serve_plan(&routes, &details);
    Mexc.apply_details(&mut bare, None, &bodies)
        .expect("details apply");
    for (i, m) in u.perps().enumerate() {
        let expected = (i < DETAIL_BATCH).then(|| Decimal::from(m.interval_hours));
        assert_eq!(
            interval(&bare, &perp_symbol(m)),
            expected,
            "{}",
            perp_symbol(m)
        );
    }
}
