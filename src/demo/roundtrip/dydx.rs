//! dYdX round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::dydx::*;
use crate::model::{Market, PerpQuote, Venue};
use crate::venue::dydx::*;
use crate::venue::testkit::*;
use crate::venue::{Bar, VenueAdapter};

const H: i64 = 3_600_000;

const DAY: i64 = 86_400_000;

/// 2025-07-25T11:20:00.000Z.
const T: i64 = 1_753_442_400_000;

#[test]
fn candles_round_trip_through_the_demo_once_each() {
    use crate::demo::dydx::ticker;
    let now = T + 17 * 60_000 + 5;
    let u = crate::demo::Universe::generate(Venue::Dydx, 40, 0, now);
    let m = &u.markets[0];
    let symbol = ticker(m);
    for (bar, n, pages) in [(Bar::Day, 45, 1), (Bar::Hour, 168, 1), (Bar::Hour, 2880, 3)] {
        let step = bar.millis();
        let start = now / step * step - n * step;
        let w = window(Market::Perp, &symbol, bar, start, now);
        let paged = candle_pages(&Dydx, respond, &u, &w);
        let (got, requests) = (paged.all(), paged.count());
        let expected: Vec<i64> = (0..=n).map(|i| start + i * step).collect();
        assert_eq!(
            by_time(got.iter().map(|c| c.open_ms).collect()),
            expected,
            "{bar:?} × {n}: every bar once, nothing outside the window"
        );
        assert_eq!(requests, pages, "{bar:?} × {n}: pages of 1000");
        let last = got.iter().max_by_key(|c| c.open_ms).expect("bars");
        assert_eq!(last.close, m.price, "the running bar closes at the price");
    }
}

#[test]
fn multiplied_universe_coins_are_quoted_per_coin() {
    use crate::demo::dydx::ticker;
    let u = crate::demo::Universe::generate(Venue::Dydx, 40, 0, T);
    let m = u
        .perps()
        .find(|m| m.multiplier == 1000)
        .expect("a coin other venues list as 1000x");
    let symbol = ticker(m);
    assert!(!symbol.starts_with("1000"), "{symbol}");
    let w = window(Market::Perp, &symbol, Bar::Hour, T / H * H - 168 * H, T);
    let got = candle_pages(&Dydx, respond, &u, &w).all();
    let synth = m.candles(Bar::Hour, w.start_ms, T, T);
    assert_eq!(got.len(), 169);
    let mut got = got;
    got.sort_by_key(|c| c.open_ms);
    for (c, s) in got.iter().zip(&synth) {
        assert_eq!(
            (c.open_ms, c.high, c.low, c.close),
            (s.open_ms, s.high, s.low, s.close),
            "per coin, as the snapshot's oracle price"
        );
    }
}

#[test]
fn funding_round_trips_through_the_demo_hourly_once_each() {
    use crate::demo::dydx::ticker;
    // Five minutes past the hour: the hour's settlement is applied already.
    let now = T + 5 * 60_000;
    let u = crate::demo::Universe::generate(Venue::Dydx, 40, 0, now);
    let m = u
        .perps()
        .find(|m| m.interval_hours == 8)
        .expect("8 h market");
    let symbol = ticker(m);
    let (start, end) = (now - 30 * DAY + 1, now);
    let paged = funding_pages(&Dydx, respond, &u, &symbol, start, end);
    let (got, requests) = (paged.times_within(start, end), paged.count());
    let first = (start + H - 1) / H * H;
    let expected: Vec<i64> = (0..720).map(|i| first + i * H).collect();
    assert_eq!(by_time(got), expected);
    assert_eq!(requests, 1);
    // 120 days kept: 2880 hours, three pages of 1000.
    let paged = funding_pages(&Dydx, respond, &u, &symbol, now - 200 * DAY, now);
    let (got, requests) = (paged.times_within(now - 200 * DAY, now), paged.count());
    let first = now / H * H - (120 * 24 - 1) * H;
    let expected: Vec<i64> = (0..120 * 24).map(|i| first + i * H).collect();
    assert_eq!(by_time(got), expected);
    assert_eq!(requests, 3);
}

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let u = Universe::generate(Venue::Dydx, 300, 250, now_ms);
    let routes = crate::demo::dydx::routes(&u);
    let ref_requests = Dydx.reference_requests();
    let snap_requests = Dydx.snapshot_requests(true);
    let body_of = |requests: &[Request]| -> Vec<String> {
        requests
            .iter()
            .map(|r| served(&routes, r).to_owned())
            .collect()
    };
    let (ref_bodies, snap_bodies) = (body_of(&ref_requests), body_of(&snap_requests));
    let bodies: Vec<Body<'_>> = ref_requests
        .iter()
        .zip(&ref_bodies)
        .map(|(request, b)| Body {
            request,
            bytes: b.as_bytes(),
        })
        .collect();
    let reference = Dydx
        .parse_reference(&bodies)
        .expect("demo reference parses");
    let bodies: Vec<Body<'_>> = snap_requests
        .iter()
        .zip(&snap_bodies)
        .map(|(request, b)| Body {
            request,
            bytes: b.as_bytes(),
        })
        .collect();
    let received_at = t(now_ms + 250).expect("time");
    let s = Dydx
        .parse_snapshot(&bodies, &reference, received_at)
        .expect("demo snapshot parses");

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
        assert!(snap_bodies[0].contains(symbol));
        assert!(
            reference.instruments.iter().all(|i| i.symbol != symbol),
            "{symbol} ({status}) must be filtered out"
        );
    }
}
