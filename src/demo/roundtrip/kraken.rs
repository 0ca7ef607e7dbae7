//! Kraken round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::kraken::*;
use crate::model::{Market, PerpQuote, Venue};
use crate::venue::kraken::*;
use crate::venue::testkit::*;
use crate::venue::{Bar, VenueAdapter};

const H: i64 = 3_600_000;

const DAY: i64 = 86_400_000;

const NOW: i64 = 1_763_340_877_524;

#[test]
fn candles_round_trip_through_the_demo_once_each() {
    use crate::demo::kraken::symbol;
    let now = NOW;
    let u = crate::demo::Universe::generate(Venue::Kraken, 40, 0, now);
    let m = &u.markets[0];
    let sym = symbol(m);
    assert_eq!(sym, "PF_XBTUSD");
    for (bar, n, pages) in [(Bar::Day, 45, 1), (Bar::Hour, 168, 1), (Bar::Hour, 2880, 2)] {
        let step = bar.millis();
        let start = now / step * step - n * step;
        let w = window(Market::Perp, &sym, bar, start, now);
        let paged = candle_pages(&Kraken, respond, &u, &w);
        let (got, requests) = (paged.all(), paged.count());
        let expected: Vec<i64> = (0..=n).map(|i| start + i * step).collect();
        assert_eq!(
            by_time(got.iter().map(|c| c.open_ms).collect()),
            expected,
            "{bar:?} × {n}: every bar once, nothing outside the window"
        );
        assert_eq!(requests, pages, "{bar:?} × {n}: pages of 2000");
        let last = got.iter().max_by_key(|c| c.open_ms).expect("bars");
        assert_eq!(last.close, m.price);
    }
}

#[test]
fn multiplied_perp_candles_stay_per_contract_unit() {
    use crate::demo::kraken::symbol;
    let u = crate::demo::Universe::generate(Venue::Kraken, 40, 0, NOW);
    let m = u
        .perps()
        .find(|m| m.multiplier == 1000)
        .expect("a 1000x perp");
    let sym = symbol(m);
    assert!(sym.starts_with("PF_1000"), "{sym}");
    let w = window(Market::Perp, &sym, Bar::Hour, NOW / H * H - 168 * H, NOW);
    let mut got = candle_pages(&Kraken, respond, &u, &w).all();
    got.sort_by_key(|c| c.open_ms);
    let synth = m.candles(Bar::Hour, w.start_ms, NOW, NOW);
    assert_eq!(got.len(), 169);
    let k = rust_decimal::Decimal::ONE_THOUSAND;
    for (c, s) in got.iter().zip(&synth) {
        assert_eq!(
            (c.open_ms, c.high, c.low, c.close),
            (s.open_ms, s.high * k, s.low * k, s.close * k)
        );
    }
    assert_eq!(got.last().map(|c| c.close), Some(m.contract_price(m.price)));
}

#[test]
fn funding_round_trips_through_the_demo_in_one_request() {
    use crate::demo::kraken::{hourly_rate, symbol};
    let u = crate::demo::Universe::generate(Venue::Kraken, 40, 0, NOW);
    let m = u
        .perps()
        .find(|m| m.interval_hours == 8 && m.funding_rate >= rust_decimal::Decimal::new(1, 4))
        .expect("an 8 h market paying 0.01 % or more");
    let sym = symbol(m);
    let (start, end) = (NOW - 30 * DAY + 1, NOW);
    let paged = funding_pages(&Kraken, respond, &u, &sym, start, end);
    let (stored, requests) = (paged.within(start, end), paged.count());
    assert_eq!(requests, 1);
    let first = (start + H - 1) / H * H;
    let expected: Vec<i64> = (0..720).map(|i| first + i * H).collect();
    assert_eq!(
        by_time(stored.iter().map(|p| p.time_ms).collect()),
        expected
    );
    // The relative rate per hour: the snapshot's fundingRate / markPrice (wobble aside).
    let mean = stored.iter().map(|p| p.rate).sum::<rust_decimal::Decimal>()
        / rust_decimal::Decimal::from(720);
    assert!(
        (mean - hourly_rate(m)).abs() <= rust_decimal::Decimal::new(25, 7),
        "{mean} vs {}",
        hourly_rate(m)
    );
}

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let u = Universe::generate(Venue::Kraken, 300, 250, now_ms);
    let routes = crate::demo::kraken::routes(&u);
    let ref_requests = Kraken.reference_requests();
    let snap_requests = Kraken.snapshot_requests(true);
    assert_eq!(routes.len(), ref_requests.len() + snap_requests.len());

    let bodies = serve_plan(&routes, &ref_requests);
    let reference = Kraken
        .parse_reference(&bodies)
        .expect("demo reference parses");
    let bodies = serve_plan(&routes, &snap_requests);
    let received_at = crate::parse::ms_time(now_ms + 250).expect("time");
    let s = Kraken
        .parse_snapshot(&bodies, &reference, received_at)
        .expect("demo snapshot parses");

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
