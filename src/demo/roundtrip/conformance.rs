//! The conformance suite: what holds for every member of `Venue::ALL`, run over them all (tests).
//!
//! A venue added to the enum without an adapter plan the simulator serves, or without a
//! renderer, fails here: its reference and scan plans (with their follow-up pages) must be served
//! route by route, parse, and give back the simulator's markets and quotes.

use std::collections::BTreeSet;

use super::{d, paged, serve_plan, t};
use crate::demo::{Universe, routes};
use crate::model::{Market, Venue};
use crate::venue::{VenueAdapter, adapter};

#[test]
fn every_venue_round_trips_its_plans_through_the_simulator() {
    let now_ms = 1_760_000_000_000;
    for venue in Venue::ALL {
        let a: &dyn VenueAdapter = adapter(venue);
        assert_eq!(a.venue(), venue);
        assert!(!a.hosts().is_empty(), "{venue}: no hosts");
        let u = Universe::generate(venue, 30, 20, now_ms);
        let routes = routes(&u);
        assert!(!routes.is_empty(), "{venue}: the simulator renders nothing");
        let plan = paged(a, &routes, a.reference_requests());
        let mut reference = a
            .parse_reference(&serve_plan(&routes, &plan))
            .unwrap_or_else(|e| panic!("{venue}: {e}"));
        let details = a.detail_requests(&reference, None);
        if !details.is_empty() {
            let served: Vec<_> = details
                .iter()
                .filter(|r| routes.iter().any(|rt| rt.path == r.path))
                .cloned()
                .collect();
            let bodies = serve_plan(&routes, &served);
            a.apply_details(&mut reference, None, &bodies)
                .unwrap_or_else(|e| panic!("{venue}: {e}"));
        }
        let assets = |market: Market| -> BTreeSet<&str> {
            reference
                .instruments
                .iter()
                .filter(|i| i.market == market)
                .map(|i| i.asset.as_str())
                .collect()
        };
        let perps: BTreeSet<&str> = u.perps().map(|m| m.asset.as_str()).collect();
        let spots: BTreeSet<&str> = u.spots().map(|m| m.asset.as_str()).collect();
        // The simulator's markets are listed (a venue may list fewer, Gate has no USDC perps and
        // Kraken and dYdX no spot, and some renderers add a quirky market of their own).
        let (listed_perps, listed_spots) = (assets(Market::Perp), assets(Market::Spot));
        assert!(
            listed_perps.intersection(&perps).count() * 2 > perps.len(),
            "{venue}: perps"
        );
        assert!(
            spots.is_empty()
                || listed_spots.is_empty()
                || listed_spots.intersection(&spots).count() * 2 > spots.len(),
            "{venue}: spots"
        );
        let known: BTreeSet<&str> = reference
            .instruments
            .iter()
            .map(|i| i.symbol.as_str())
            .collect();
        let plan = paged(a, &routes, a.snapshot_requests(false));
        let s = a
            .parse_snapshot(
                &serve_plan(&routes, &plan),
                &reference,
                t(now_ms).expect("time"),
            )
            .unwrap_or_else(|e| panic!("{venue}: {e}"));
        assert_eq!(s.venue, venue);
        assert!(!s.perps.is_empty(), "{venue}: no perp quotes");
        for p in &s.perps {
            assert!(known.contains(p.symbol.as_str()), "{venue}: {}", p.symbol);
            assert!(p.funding_interval_hours > d("0"), "{venue}: {}", p.symbol);
            if let (Some(bid), Some(ask)) = (p.bid, p.ask) {
                assert!(bid <= ask, "{venue}: {} crossed", p.symbol);
            }
        }
        for q in &s.spots {
            assert!(known.contains(q.symbol.as_str()), "{venue}: {}", q.symbol);
        }
    }
}
