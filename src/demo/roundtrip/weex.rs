//! WEEX round trips: the adapter reads what the simulator renders (reference and snapshot; intervals from the funding rows or the settlement times).

use rust_decimal::Decimal;

use super::*;
use crate::demo::weex::*;
use crate::model::{Market, PerpQuote, Venue};
use crate::venue::VenueAdapter;
use crate::venue::weex::*;

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let weex = trip(Venue::Weex, 300, 250, now_ms);
    let (u, routes, reference) = (&weex.u, &weex.routes, &weex.reference);
    let (s, received_at) = (&weex.snapshot, weex.received_at);
    // WEEX lists USDT-margined perps: the universe's USDC ones are served and dropped.
    let usdt: Vec<&SynthMarket> = u.perps().filter(|m| m.quote == "USDT").collect();
    assert!(usdt.len() < 300 && usdt.iter().any(|m| m.multiplier == 1000));
    assert_eq!(reference.instruments.len(), usdt.len() + 250);
    assert_eq!((s.perps.len(), s.spots.len()), (usdt.len(), 250));
    for (m, p) in usdt.iter().zip(&s.perps) {
        let coin = |per_coin: Decimal| Some(m.contract_price(per_coin));
        let expected = PerpQuote {
            venue: Venue::Weex,
            symbol: perp_symbol(m),
            asset: m.asset.clone(),
            quote: m.quote.clone(),
            multiplier: Decimal::from(m.multiplier),
            funding_rate: m.funding_rate,
            funding_interval_hours: Decimal::from(m.interval_hours),
            next_funding_time: t(m.next_funding_ms),
            mark_price: coin(m.mark),
            index_price: coin(m.index),
            bid: coin(m.perp_bid),
            ask: coin(m.perp_ask),
            high_24h: coin(m.high),
            low_24h: coin(m.low),
            volume_24h_quote: Some(m.volume_quote()),
            open_interest: None,
            exchange_time: t(now_ms),
            received_at,
        };
        assert_eq!(p, &expected);
    }
    assert_spots(s, u, spot_symbol, None);
    let listed = |symbol: &str| reference.instruments.iter().any(|i| i.symbol == symbol);
    for (dropped, why) in FILTERED_CONTRACTS.iter().chain(&FILTERED_SPOTS) {
        assert!(routes.iter().any(|r| r.body.contains(dropped)), "{dropped}");
        assert!(!listed(dropped), "{dropped} ({why}) must be filtered out");
    }
    for m in u.perps().filter(|m| m.quote == "USDC") {
        assert!(routes[0].body.contains(&perp_symbol(m)));
        assert!(
            !listed(&perp_symbol(m)),
            "{} is not USDT-margined",
            perp_symbol(m)
        );
    }

    // The contract list's settlement times alone give every interval (a scan without a
    // funding row's `collectCycle` still has one).
    for m in &usdt {
        let inst = &reference.index(Market::Perp)[perp_symbol(m).as_str()];
        let hours = Some(Decimal::from(m.interval_hours));
        assert_eq!(inst.funding_interval_hours, hours, "{}", inst.symbol);
    }
    let cycle_less = routes[2].body.replace("\"collectCycle\":", "\"cycle\":");
    let mut plan_routes = routes.clone();
    plan_routes[2].body = cycle_less;
    let plan = Weex.snapshot_requests(false);
    let again = Weex
        .parse_snapshot(&serve_plan(&plan_routes, &plan), reference, received_at)
        .expect("parses");
    assert_eq!(&again, s);
}
