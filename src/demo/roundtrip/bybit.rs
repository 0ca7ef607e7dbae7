//! Bybit round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::bybit::*;
use crate::model::{Market, PerpQuote, SpotQuote, Venue};
use crate::venue::bybit::*;
use crate::venue::{BodySignal, VenueAdapter};

/// The route serving `req`: same host and path, every route query pair present, the most
/// specific route winning.

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now = 1_760_000_000_000;
    let Trip {
        u: universe,
        routes,
        reference,
        snapshot: snap,
        received_at: at,
    } = trip(Venue::Bybit, 300, 250, now);
    for request in Bybit.reference_requests() {
        let body = served(&routes, &request).as_bytes();
        assert_eq!(Bybit.next_page(&request, body).expect("cursor"), None);
        assert_eq!(Bybit.check_body(200, body), BodySignal::Ok);
    }
    assert_collateral(&reference, &universe);
    let n_perps = reference
        .instruments
        .iter()
        .filter(|i| i.market == Market::Perp)
        .count();
    assert_eq!(n_perps, 300);
    assert_eq!(reference.instruments.len(), 300 + 250);
    assert_eq!(snap.perps.len(), 300);
    assert_eq!(snap.spots.len(), 250);

    let perps: HashMap<&str, &PerpQuote> =
        snap.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
    let mut multiplied = 0;
    let mut usdc = 0;
    for m in universe.perps() {
        let symbol = perp_symbol(m);
        let p = perps
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        let mult = Decimal::from(m.multiplier);
        assert_eq!(p.asset, m.asset, "{symbol}");
        assert_eq!(p.quote, m.quote, "{symbol}");
        assert_eq!(p.multiplier, mult, "{symbol}");
        assert_eq!(p.funding_rate, m.funding_rate, "{symbol}");
        assert_eq!(
            p.funding_interval_hours,
            Decimal::from(m.interval_hours),
            "{symbol}"
        );
        assert_eq!(p.next_funding_time, ms_time(m.next_funding_ms), "{symbol}");
        assert_eq!(p.bid, Some(m.contract_price(m.perp_bid)), "{symbol}");
        assert_eq!(p.ask, Some(m.contract_price(m.perp_ask)), "{symbol}");
        assert_eq!(
            p.unit_price(p.bid.unwrap_or_default()),
            m.perp_bid,
            "{symbol}"
        );
        assert_eq!(p.mark_price, Some(m.contract_price(m.mark)), "{symbol}");
        assert_eq!(p.index_price, Some(m.contract_price(m.index)), "{symbol}");
        assert_eq!(p.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
        assert_eq!(p.open_interest, Some(m.open_interest), "{symbol}");
        assert_eq!(p.exchange_time, ms_time(now), "{symbol}");
        assert_eq!(p.received_at, at);
        multiplied += usize::from(m.multiplier != 1);
        usdc += usize::from(m.quote == "USDC");
    }
    assert!(
        multiplied > 0 && usdc > 0,
        "the universe exercises 1000× and USDC perps"
    );

    let spots: HashMap<&str, &SpotQuote> =
        snap.spots.iter().map(|s| (s.symbol.as_str(), s)).collect();
    assert_spots(&snap, &universe, spot_symbol, None);

    // The payloads did carry the entries the adapter had to drop.
    let extras = [
        "BTCUSDT-26JUN26",
        "BTC-26JUN26",
        "DEMONEWUSDT",
        "DEMOOLDUSDT",
        "DEMOXYZUSDT",
    ];
    for extra in extras {
        assert!(
            routes.iter().any(|r| r.body.contains(extra)),
            "{extra} rendered"
        );
        assert!(
            !perps.contains_key(extra) && !spots.contains_key(extra),
            "{extra} kept"
        );
        assert!(
            reference.instruments.iter().all(|i| i.symbol != extra),
            "{extra} listed"
        );
    }
}
