//! Gate round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::gate::*;
use crate::model::{Market, PerpQuote, Venue};
use crate::venue::VenueAdapter;
use crate::venue::gate::*;

fn bodies<'a>(fetched: &'a [(Request, &'a str)]) -> Vec<Body<'a>> {
    fetched
        .iter()
        .map(|(request, body)| Body {
            request,
            bytes: body.as_bytes(),
        })
        .collect()
}

/// Fetches a plan from the routes the way the poller does, following pages.
fn fetch(routes: &[Route], plan: Vec<Request>) -> Vec<(Request, &str)> {
    let mut out = Vec::new();
    for request in plan {
        let mut next = Some(request);
        while let Some(req) = next.take() {
            let body = served(routes, &req);
            next = Gate.next_page(&req, body.as_bytes()).expect("pages parse");
            out.push((req, body));
        }
    }
    out
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
    } = trip(Venue::Gate, 300, 250, now_ms);
    assert_collateral(&reference, &u);

    // Gate lists no USDC-settled perpetuals: the universe's USDC perps are not rendered.
    let listed: Vec<_> = u.perps().filter(|m| m.quote == "USDT").collect();
    assert!(listed.len() < 300 && listed.iter().any(|m| m.multiplier == 1000));
    assert_eq!(s.perps.len(), listed.len());
    assert_eq!(s.spots.len(), 250);
    let perps: HashMap<&str, &PerpQuote> = s.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
    let insts = reference.index(Market::Perp);
    for m in listed {
        let symbol = format!("{}_USDT", m.asset);
        let p = perps
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        assert_eq!(
            (p.asset.as_str(), p.quote.as_str()),
            (m.asset.as_str(), "USDT")
        );
        // Gate quotes per coin: multiplied markets keep multiplier 1 and a large quanto.
        let quanto = quanto_multiplier(m.price);
        assert_eq!(
            (p.multiplier, insts[symbol.as_str()].contract_size),
            (Decimal::ONE, quanto)
        );
        assert_eq!(p.funding_rate, m.funding_rate, "{symbol}");
        assert_eq!(
            p.funding_interval_hours,
            Decimal::from(m.interval_hours),
            "{symbol}"
        );
        assert_eq!(p.next_funding_time, t(m.next_funding_ms), "{symbol}");
        assert_eq!(
            (p.bid, p.ask),
            (Some(m.perp_bid), Some(m.perp_ask)),
            "{symbol}"
        );
        assert_eq!((p.high_24h, p.low_24h), (Some(m.high), Some(m.low)));
        assert_eq!((p.mark_price, p.index_price), (Some(m.mark), Some(m.index)));
        assert_eq!(p.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
        let oi = contracts_for(m.open_interest, quanto) * quanto;
        assert_eq!(p.open_interest, Some(oi), "{symbol}");
        assert!(
            (oi - m.open_interest).abs() <= quanto,
            "{symbol}: whole contracts"
        );
        assert_eq!(p.received_at, received_at);
    }
    assert_spots(&s, &u, |m| format!("{}_{}", m.asset, m.quote), None);
    let ref_bodies: String = fetch(&routes, Gate.reference_requests())
        .into_iter()
        .map(|(_, b)| b)
        .collect();
    for (symbol, why) in FILTERED_CONTRACTS.iter().chain(FILTERED_PAIRS.iter()) {
        assert!(
            ref_bodies.contains(&format!("\"{symbol}\"")),
            "{symbol} not rendered"
        );
        assert!(
            reference.instruments.iter().all(|i| i.symbol != *symbol),
            "{symbol} ({why}) must be filtered out"
        );
    }
}

#[test]
fn a_large_demo_universe_is_paged() {
    let u = Universe::generate(Venue::Gate, 2400, 10, 1_760_000_000_000);
    let usdt = u.perps().filter(|m| m.quote == "USDT").count();
    let rows = usdt + FILTERED_CONTRACTS.len();
    assert!(rows > 2 * PAGE_LIMIT, "{rows} rows: three pages");
    let routes = crate::demo::gate::routes(&u);
    let fetched = fetch(&routes, Gate.reference_requests());
    let pages: Vec<&str> = fetched
        .iter()
        .filter(|(r, _)| r.endpoint == CONTRACTS)
        .map(|(r, _)| {
            r.query
                .iter()
                .find(|(k, _)| *k == "offset")
                .map_or("", |(_, v)| v.as_str())
        })
        .collect();
    assert_eq!(pages, ["0", "1000", "2000"]);
    let reference = Gate.parse_reference(&bodies(&fetched)).expect("parses");
    assert_eq!(reference.index(Market::Perp).len(), usdt);
}
