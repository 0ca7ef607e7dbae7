//! Deribit round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::deribit::*;
use crate::model::{Market, PerpQuote, SpotQuote, Venue};
use crate::venue::deribit::*;
use crate::venue::testkit::*;
use crate::venue::{Bar, VenueAdapter};

const H: i64 = 3_600_000;

const DAY: i64 = 86_400_000;

fn assert_exactly(got: &[i64], expected: &[i64], what: &str) {
    let mut sorted = got.to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, expected, "{what}");
}

#[test]
fn candles_round_trip_through_the_demo_once_each() {
    use crate::demo::deribit::{perp_name, spot_name};
    let now = 1_760_000_000_000 + 17 * 60_000 + 5;
    let u = crate::demo::Universe::generate(Venue::Deribit, 40, 40, now);
    let m = &u.markets[0];
    let (perp, spot) = (perp_name(m), spot_name(m));
    for (bar, n) in [(Bar::Day, 45), (Bar::Hour, 168)] {
        let step = bar.millis();
        let start = now / step * step - n * step;
        let expected: Vec<i64> = (0..=n).map(|i| start + i * step).collect();
        for (market, symbol) in [(Market::Perp, perp.as_str()), (Market::Spot, spot.as_str())] {
            let w = window(market, symbol, bar, start, now);
            let paged = candle_pages(&Deribit, respond, &u, &w);
            let (got, requests) = (paged.all(), paged.count());
            let times: Vec<i64> = got.iter().map(|c| c.open_ms).collect();
            assert_exactly(&times, &expected, symbol);
            assert_eq!(requests, 1, "{symbol} {bar:?}: one page of 5000");
            // The running bar closes at the current price.
            let last = got.iter().max_by_key(|c| c.open_ms).expect("bars");
            let price = if market == Market::Perp {
                m.contract_price(m.price)
            } else {
                m.price
            };
            assert_eq!(last.close, price);
        }
    }
    // Older than the 120 days kept there is nothing; a 200-day hourly window is one page.
    let w = window(
        Market::Perp,
        &perp,
        Bar::Hour,
        now / H * H - 200 * 24 * H,
        now,
    );
    let paged = candle_pages(&Deribit, respond, &u, &w);
    let (got, requests) = (paged.all(), paged.count());
    assert_eq!((got.len(), requests), (120 * 24 + 1, 1));
}

#[test]
fn multiplied_perp_candles_stay_per_contract_unit() {
    use crate::demo::deribit::{perp_name, spot_name};
    let now = 1_760_000_000_000;
    let u = crate::demo::Universe::generate(Venue::Deribit, 40, 40, now);
    let m = u
        .markets
        .iter()
        .find(|m| m.multiplier == 1000)
        .expect("a 1000x perp");
    let perp = perp_name(m);
    assert!(perp.starts_with("1000"), "{perp}");
    let w = |market, symbol| window(market, symbol, Bar::Hour, now / H * H - 168 * H, now);
    let p = candle_pages(&Deribit, respond, &u, &w(Market::Perp, &perp)).all();
    let spot = spot_name(m);
    let s = candle_pages(&Deribit, respond, &u, &w(Market::Spot, &spot)).all();
    assert_eq!(p.len(), 169);
    assert_eq!(p.len(), s.len());
    let k = rust_decimal::Decimal::ONE_THOUSAND;
    for (perp_bar, spot_bar) in p.iter().zip(&s) {
        assert_eq!(perp_bar.open_ms, spot_bar.open_ms);
        assert_eq!(
            (perp_bar.high, perp_bar.low, perp_bar.close),
            (spot_bar.high * k, spot_bar.low * k, spot_bar.close * k)
        );
    }
    assert_eq!(p.last().map(|c| c.close), Some(m.contract_price(m.price)));
}

#[test]
fn funding_round_trips_through_the_demo_hourly_once_each() {
    use crate::demo::deribit::{funding_8h, perp_name};
    let now = 1_760_000_000_000 + 1234;
    let u = crate::demo::Universe::generate(Venue::Deribit, 40, 0, now);
    let m = u
        .perps()
        .find(|m| m.interval_hours == 8 && m.funding_rate >= rust_decimal::Decimal::new(1, 4))
        .expect("an 8 h market paying 0.01 % or more");
    let symbol = perp_name(m);
    // (now - 30 d, now]: 720 hours, one request.
    let (start, end) = (now - 30 * DAY + 1, now);
    let paged = funding_pages(&Deribit, respond, &u, &symbol, start, end);
    let (got, requests) = (paged.times(), paged.count());
    let first = (start + H - 1) / H * H;
    let expected: Vec<i64> = (0..720).map(|i| first + i * H).collect();
    assert_exactly(&got, &expected, &symbol);
    assert_eq!(requests, 1);
    // The whole 120 days kept: 2880 hours in pages of 744 (744 × 3 + 648, short).
    let paged = funding_pages(&Deribit, respond, &u, &symbol, now - 200 * DAY, now);
    let (got, requests) = (paged.times(), paged.count());
    let first = now / H * H - (120 * 24 - 1) * H;
    let expected: Vec<i64> = (0..120 * 24).map(|i| first + i * H).collect();
    assert_exactly(&got, &expected, &symbol);
    assert_eq!(requests, 4);
    // Hourly interest_1h × 8 is the snapshot's funding_8h: the same rate per hour (the
    // demo's wobble aside, which averages out).
    let path = FUNDING_HISTORY.path;
    let body = crate::demo::deribit::respond(
        &u,
        path,
        &[
            ("instrument_name".to_owned(), symbol.clone()),
            ("start_timestamp".to_owned(), (now - 24 * H).to_string()),
            ("end_timestamp".to_owned(), now.to_string()),
        ],
        "",
    )
    .expect("served");
    let day = Deribit
        .parse_funding_history(body.as_bytes())
        .expect("parses");
    assert_eq!(day.len(), 24);
    let mean =
        day.iter().map(|p| p.rate).sum::<rust_decimal::Decimal>() / rust_decimal::Decimal::from(24);
    let per_hour = funding_8h(m) / rust_decimal::Decimal::from(8);
    assert!(
        (mean - per_hour).abs() <= rust_decimal::Decimal::new(25, 7),
        "{mean} vs {per_hour}"
    );
}

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let u = Universe::generate(Venue::Deribit, 300, 250, now_ms);
    let routes = crate::demo::deribit::routes(&u);
    let ref_requests = Deribit.reference_requests();
    let snap_requests = Deribit.snapshot_requests(true);
    assert_eq!(routes.len(), ref_requests.len() + snap_requests.len());

    let bodies = serve_plan(&routes, &ref_requests);
    let reference = Deribit
        .parse_reference(&bodies)
        .expect("demo reference parses");
    let bodies = serve_plan(&routes, &snap_requests);
    let received_at = t(now_ms + 250).expect("time");
    let s = Deribit
        .parse_snapshot(&bodies, &reference, received_at)
        .expect("demo snapshot parses");

    assert_eq!(reference.instruments.len(), 300 + 250);
    assert_eq!((s.perps.len(), s.spots.len()), (300, 250));
    let perps: HashMap<&str, &PerpQuote> = s.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
    for m in u.perps() {
        let symbol = format!("{}_USDC-PERPETUAL", m.perp_base());
        let p = perps
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        let mult = Decimal::from(m.multiplier);
        assert_eq!(
            (p.asset.as_str(), p.quote.as_str(), p.multiplier),
            (m.asset.as_str(), QUOTE, mult)
        );
        // The 8 h figure of the synthetic rate, over 8 h: the same rate per hour.
        assert_eq!(p.funding_rate, funding_8h(m), "{symbol}");
        assert_eq!(p.funding_interval_hours, d("8"));
        assert_eq!(
            p.funding_rate / p.funding_interval_hours,
            m.funding_rate / Decimal::from(m.interval_hours),
            "{symbol}"
        );
        assert_eq!(p.next_funding_time, None);
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
        assert_eq!(p.exchange_time, t(now_ms));
        assert_eq!(p.received_at, received_at);
    }
    assert!(u.perps().any(|m| m.multiplier == 1000));
    assert!(u.perps().any(|m| m.interval_hours != 8));
    let spots: HashMap<&str, &SpotQuote> = s.spots.iter().map(|q| (q.symbol.as_str(), q)).collect();
    for m in u.spots() {
        let symbol = format!("{}_USDC", m.asset);
        let q = spots
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        assert_eq!(
            (q.asset.as_str(), q.quote.as_str()),
            (m.asset.as_str(), QUOTE)
        );
        assert_eq!((q.bid, q.ask), (Some(m.spot_bid), Some(m.spot_ask)));
        assert_eq!((q.high_24h, q.low_24h), (Some(m.high), Some(m.low)));
        assert_eq!(q.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
    }
    for (symbol, why) in FILTERED_FUTURES.iter().chain(FILTERED_SPOTS.iter()) {
        assert!(
            served(&routes, &ref_requests[0]).contains(symbol)
                || served(&routes, &ref_requests[1]).contains(symbol)
        );
        assert!(
            reference.instruments.iter().all(|i| i.symbol != *symbol),
            "{symbol} ({why}) must be filtered out"
        );
    }
}
