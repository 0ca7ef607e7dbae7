//! Bitget round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::bitget::*;
use crate::model::{PerpQuote, Venue};
use crate::venue::VenueAdapter;
use crate::venue::bitget::*;

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let Trip {
        u,
        routes,
        reference,
        snapshot: s,
        received_at,
    } = trip(Venue::Bitget, 300, 250, now_ms);
    let ref_requests = Bitget.reference_requests();
    assert_collateral(&reference, &u);

    assert_eq!(reference.instruments.len(), 300 + 250);
    assert_eq!((s.perps.len(), s.spots.len()), (300, 250));
    let perps: HashMap<&str, &PerpQuote> = s.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
    for m in u.perps() {
        let suffix = if m.quote == "USDC" { "PERP" } else { "USDT" };
        let symbol = format!("{}{suffix}", m.perp_base());
        let p = perps
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        let mult = Decimal::from(m.multiplier);
        assert_eq!(
            (p.asset.as_str(), p.quote.as_str(), p.multiplier),
            (m.asset.as_str(), m.quote.as_str(), mult)
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
        assert_eq!(p.open_interest, Some(m.open_interest), "{symbol}");
        assert_eq!(p.exchange_time, t(now_ms));
        assert_eq!(p.received_at, received_at);
    }
    assert!(u.perps().any(|m| m.multiplier == 1000) && u.perps().any(|m| m.quote == "USDC"));
    assert_spots(&s, &u, |m| format!("{}{}", m.asset, m.quote), None);
    let listed: String = ref_requests.iter().map(|r| served(&routes, r)).collect();
    for (symbol, why) in FILTERED_CONTRACTS.iter().chain(FILTERED_SPOTS.iter()) {
        assert!(
            listed.contains(&format!("\"{symbol}\"")),
            "{symbol} not rendered"
        );
        assert!(
            reference.instruments.iter().all(|i| i.symbol != *symbol),
            "{symbol} ({why}) must be filtered out"
        );
    }
    // The scan plan (no USDC funding rows) still quotes every perp.
    let scan_requests = Bitget.snapshot_requests(false);
    let bodies = serve_plan(&routes, &scan_requests);
    let scan = Bitget
        .parse_snapshot(&bodies, &reference, received_at)
        .expect("scan parses");
    assert_eq!(scan.perps.len(), 300);
    assert!(
        scan.perps
            .iter()
            .all(|p| (p.quote == "USDC") == p.next_funding_time.is_none())
    );
}
