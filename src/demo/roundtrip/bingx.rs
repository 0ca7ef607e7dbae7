//! BingX round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::*;
use crate::demo::bingx::*;
use crate::model::{Market, PerpQuote, SpotQuote, Venue};
use crate::venue::bingx::*;
use crate::venue::testkit::*;
use crate::venue::{Bar, VenueAdapter};

/// Runs `f` on bodies built from (request, payload) pairs.
fn with_requests<R>(parts: &[(Request, &[u8])], f: impl FnOnce(&[Body<'_>]) -> R) -> R {
    let bodies: Vec<Body<'_>> = parts
        .iter()
        .map(|(request, bytes)| Body { request, bytes })
        .collect();
    f(&bodies)
}

const HOUR: i64 = 3_600_000;

const DAY: i64 = 86_400_000;

#[test]
fn demo_round_trip_returns_every_bar_and_settlement_once() {
    use crate::demo::bingx::{perp_symbol, respond, spot_symbol};
    let now = 1_760_000_000_000 / DAY * DAY + 5 * HOUR + 17;
    let u = crate::demo::Universe::generate(Venue::Bingx, 40, 40, now);
    let day0 = now / DAY * DAY;
    let hour0 = now / HOUR * HOUR;
    let m = u.markets.iter().find(|m| m.asset == "ETH").expect("ETH");
    let pepe = u
        .markets
        .iter()
        .find(|m| m.multiplier == 1000 && m.has_perp)
        .expect("a 1000x perp");
    let (perp, spot, kperp) = (perp_symbol(m), spot_symbol(m), perp_symbol(pepe));
    assert!(kperp.starts_with("1000"), "{kperp}");
    let cases = [
        // (a) 45 daily bars + today's running one; (b) 7 days of hourly bars + the running one.
        (
            window(Market::Perp, &perp, Bar::Day, day0 - 45 * DAY, now),
            m,
            46,
            1,
        ),
        (
            window(Market::Spot, &spot, Bar::Day, day0 - 45 * DAY, now),
            m,
            46,
            1,
        ),
        (
            window(Market::Perp, &perp, Bar::Hour, hour0 - 168 * HOUR, now),
            m,
            169,
            1,
        ),
        (
            window(Market::Spot, &spot, Bar::Hour, hour0 - 168 * HOUR, now),
            m,
            169,
            1,
        ),
        // Per contract unit (1000 coins): the caller divides.
        (
            window(Market::Perp, &kperp, Bar::Hour, hour0 - 168 * HOUR, now),
            pepe,
            169,
            1,
        ),
        // 100 days of hourly bars: two chunks of at most 1440.
        (
            window(Market::Spot, &spot, Bar::Hour, hour0 - 2400 * HOUR, now),
            m,
            2401,
            2,
        ),
    ];
    for (w, market, bars, requests) in cases {
        let paged = candle_pages(&Bingx, respond, &u, &w);
        let (got, count) = (paged.within(w.start_ms, w.end_ms), paged.count());
        let mut times: Vec<i64> = got.iter().map(|c| c.open_ms).collect();
        times.sort_unstable();
        times.dedup();
        assert_eq!(times.len(), got.len(), "a bar twice: {w:?}");
        assert_eq!((got.len(), count), (bars, requests), "{w:?}");
        let got = by_time(got);
        assert_eq!(got, expected_candles(market, &w, now), "{w:?}");
        assert!(got.iter().all(
            |c| c.open_ms % w.bar.millis() == 0 && (w.start_ms..=now).contains(&c.open_ms)
        ));
    }
    let per_coin = pepe.candles(Bar::Hour, hour0, now, now)[0].close;
    let one = window(Market::Perp, &kperp, Bar::Hour, hour0, now);
    let pages = candle_pages(&Bingx, respond, &u, &one).clipped(one.start_ms, one.end_ms);
    assert_eq!(
        pages[0][0].close,
        per_coin * rust_decimal::Decimal::from(1000)
    );

    // (c) 30 days of funding: one request, every settlement once.
    for hours in [1_u32, 8] {
        let m = u
            .perps()
            .find(|m| m.interval_hours == hours)
            .expect("a perp with that interval");
        let symbol = perp_symbol(m);
        let (start, end) = (now - 30 * DAY + 1, now);
        let paged = funding_pages(&Bingx, respond, &u, &symbol, start, end);
        let (pages, count) = (paged.clipped(start, end), paged.count());
        assert_eq!(count, 1, "{symbol}");
        let got = pages.concat();
        let want = m.settlements(now, crate::demo::HISTORY_DAYS, start, end);
        assert_eq!(want.len(), usize::try_from(30 * 24 / hours).expect("small"));
        assert_eq!(got.iter().map(|p| p.time_ms).collect::<Vec<_>>(), want);
        assert!(got.iter().all(|p| p.rate == m.historic_rate(p.time_ms)));
    }
    // 200 days of an hourly contract (the demo keeps 120): the whole-window page is full,
    // then 999-hour chunks until one comes back empty; the chunks hold each settlement once.
    let m = u.perps().find(|m| m.interval_hours == 1).expect("1 h perp");
    let symbol = perp_symbol(m);
    let (start, end) = (now - 200 * DAY, now);
    let paged = funding_pages(&Bingx, respond, &u, &symbol, start, end);
    let (pages, count) = (paged.clipped(start, end), paged.count());
    assert_eq!(count, 1 + 4);
    assert_eq!(pages[0].len(), 1000);
    assert!(pages[4].is_empty());
    let chunks: Vec<i64> = pages[1..].concat().iter().map(|p| p.time_ms).collect();
    let mut sorted = chunks.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), chunks.len(), "a settlement in two chunks");
    assert_eq!(
        sorted,
        m.settlements(now, crate::demo::HISTORY_DAYS, start, end)
    );
    // An 8-hourly contract over the same window fits one page.
    let m8 = u.perps().find(|m| m.interval_hours == 8).expect("8 h perp");
    let count = funding_pages(&Bingx, respond, &u, &perp_symbol(m8), start, end).count();
    assert_eq!(count, 1);
}

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let u = Universe::generate(Venue::Bingx, 300, 250, now_ms);
    let routes = crate::demo::bingx::routes(&u);
    let ref_requests = Bingx.reference_requests();
    let snap_requests = Bingx.snapshot_requests(true);
    let bodies_of = |requests: &'_ [Request]| -> Vec<(Request, String)> {
        requests
            .iter()
            .map(|r| (r.clone(), served(&routes, r).to_owned()))
            .collect()
    };
    let parse_ref = |parts: &[(Request, String)]| {
        let parts: Vec<(Request, &[u8])> = parts
            .iter()
            .map(|(r, b)| (r.clone(), b.as_bytes()))
            .collect();
        with_requests(&parts, |b| Bingx.parse_reference(b))
    };
    let reference = parse_ref(&bodies_of(&ref_requests)).expect("demo reference parses");
    assert_eq!(reference.instruments.len(), 300 + 250);
    assert!(
        Bingx.detail_requests(&reference, None).is_empty(),
        "the premium index carries every interval"
    );
    let received_at = t(now_ms + 250).expect("time");
    let snap_parts: Vec<(Request, String)> = bodies_of(&snap_requests);
    let snap_parts: Vec<(Request, &[u8])> = snap_parts
        .iter()
        .map(|(r, b)| (r.clone(), b.as_bytes()))
        .collect();
    let s = with_requests(&snap_parts, |b| {
        Bingx.parse_snapshot(b, &reference, received_at)
    })
    .expect("demo snapshot parses");
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
    let spots: HashMap<&str, &SpotQuote> = s.spots.iter().map(|q| (q.symbol.as_str(), q)).collect();
    for m in u.spots() {
        let symbol = spot_symbol(m);
        let q = spots
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        assert_eq!((q.bid, q.ask), (Some(m.spot_bid), Some(m.spot_ask)));
        assert_eq!((q.high_24h, q.low_24h), (Some(m.high), Some(m.low)));
        assert_eq!(q.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
        assert_eq!(q.exchange_time, t(now_ms));
    }
    for (symbol, why) in FILTERED_CONTRACTS.iter().chain(FILTERED_SPOTS.iter()) {
        assert!(routes[0].body.contains(symbol) || routes[1].body.contains(symbol));
        assert!(
            reference.instruments.iter().all(|i| i.symbol != *symbol),
            "{symbol} ({why}) must be filtered out"
        );
    }

    // Without the optional premium index the intervals come from the funding history:
    // a bounded batch, served by the demo and merged into the reference.
    let mut bare = parse_ref(&bodies_of(&ref_requests[..2])).expect("parses");
    assert!(
        bare.instruments
            .iter()
            .all(|i| i.funding_interval_hours.is_none())
    );
    let details = Bingx.detail_requests(&bare, None);
    assert_eq!(details.len(), crate::venue::bingx::DETAIL_BATCH);
    let detail_parts: Vec<(Request, String)> = bodies_of(&details);
    let detail_parts: Vec<(Request, &[u8])> = detail_parts
        .iter()
        .map(|(r, b)| (r.clone(), b.as_bytes()))
        .collect();
    with_requests(&detail_parts, |b| Bingx.apply_details(&mut bare, None, b))
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
