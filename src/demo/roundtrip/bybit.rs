//! Bybit round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use std::collections::HashMap;

use chrono::TimeZone;
use rust_decimal::Decimal;

use super::*;
use crate::demo::bybit::*;
use crate::demo::{DAY_MS, HOUR_MS};
use crate::model::{Market, PerpQuote, SpotQuote, Venue};
use crate::venue::bybit::*;
use crate::venue::testkit::*;
use crate::venue::{Bar, BodySignal, VenueAdapter};

fn ms(t: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(t).single().expect("test time")
}

/// The route serving `req`: same host and path, every route query pair present, the most
/// specific route winning.
fn route_for<'r>(routes: &'r [Route], req: &Request) -> &'r Route {
    routes
        .iter()
        .filter(|r| r.host == req.host && r.path == req.path)
        .filter(|r| {
            r.query
                .iter()
                .all(|(k, v)| req.query.iter().any(|(qk, qv)| qk == k && qv == v))
        })
        .max_by_key(|r| r.query.len())
        .unwrap_or_else(|| panic!("no route for {req:?}"))
}

#[test]
fn history_round_trip_through_the_demo_returns_every_settlement_once() {
    const DAY: i64 = 86_400_000;
    let now = 1_760_000_000_000;
    let u = crate::demo::Universe::generate(Venue::Bybit, 40, 0, now);
    for hours in [1_i64, 8] {
        let m = u
            .perps()
            .find(|m| i64::from(m.interval_hours) == hours)
            .expect("a perp with that interval");
        let symbol = crate::demo::bybit::perp_symbol(m);
        let step = hours * 3_600_000;
        let aligned = (now - 31 * DAY) / step * step + step;
        for (start, end) in [(now - 30 * DAY + 1, now), (aligned, aligned + 30 * DAY - 1)] {
            let paged = funding_pages(&Bybit, respond, &u, &symbol, start, end);
            let (mut got, requests) = (paged.times_within(start, end), paged.count());
            let n = got.len();
            got.sort_unstable();
            got.dedup();
            assert_eq!(got.len(), n, "duplicates for {symbol}");
            assert_eq!(
                n,
                usize::try_from(30 * 24 / hours).expect("small"),
                "{symbol}"
            );
            assert!(
                got.iter()
                    .all(|t| t % step == 0 && (start..=end).contains(t))
            );
            assert_eq!(got.first().copied(), Some((start + step - 1) / step * step));
            assert_eq!(got.last().copied(), Some(end / step * step));
            // 720 hourly points: 200 + 200 + 200 + 120; 90 eight-hourly: one short page.
            assert_eq!(requests, if hours == 1 { 4 } else { 1 });
        }
    }
}

#[test]
fn candle_round_trip_through_the_demo_returns_every_bar_once() {
    let now = 1_760_000_000_000 + 17 * 60_000;
    let u = Universe::generate(Venue::Bybit, 40, 40, now);
    let hour = now / HOUR_MS * HOUR_MS;
    let day = now / DAY_MS * DAY_MS;
    let btc = &u.markets[0];
    assert!(btc.has_perp && btc.has_spot && btc.multiplier == 1);
    let pepe = u
        .perps()
        .find(|m| m.multiplier == 1000)
        .expect("a 1000x perp");
    let (btc_perp, btc_spot, pepe_perp) = (perp_symbol(btc), spot_symbol(btc), perp_symbol(pepe));
    let (days45, hours7, hours120) = (
        day - 45 * DAY_MS,
        hour - 168 * HOUR_MS,
        hour - 2880 * HOUR_MS,
    );
    let cases = [
        // (market, symbol, synthetic market, bar, start, bars, requests)
        (Market::Perp, &btc_perp, btc, Bar::Day, days45, 46, 1),
        (Market::Spot, &btc_spot, btc, Bar::Day, days45, 46, 1),
        (Market::Perp, &btc_perp, btc, Bar::Hour, hours7, 169, 1),
        (Market::Spot, &btc_spot, btc, Bar::Hour, hours7, 169, 1),
        (Market::Perp, &pepe_perp, pepe, Bar::Hour, hours7, 169, 1),
        (Market::Perp, &pepe_perp, pepe, Bar::Day, days45, 46, 1),
        // All 120 days of hourly bars kept: 2881 rows = 1000 + 1000 + 881.
        (Market::Perp, &btc_perp, btc, Bar::Hour, hours120, 2881, 3),
        (Market::Spot, &btc_spot, btc, Bar::Hour, hours120, 2881, 3),
    ];
    for (market, symbol, m, bar, start, n, pages) in cases {
        let w = window(market, symbol, bar, start, now);
        let paged = candle_pages(&Bybit, respond, &u, &w);
        let got = paged.within(w.start_ms, w.end_ms);
        assert_eq!((got.len(), paged.count()), (n, pages), "{symbol} {bar:?}");
        // Every bar once, at the venue's quoting (× 1000 for 1000PEPEUSDT).
        assert_eq!(
            by_time(got),
            expected_candles(m, &w, now),
            "{symbol} {bar:?}"
        );
    }
    // 1000PEPEUSDT: per contract unit; divided by the multiplier, the coin's price.
    let w = window(Market::Perp, &pepe_perp, Bar::Hour, hour - 2 * HOUR_MS, now);
    let got = candle_pages(&Bybit, respond, &u, &w).within(w.start_ms, w.end_ms);
    let last = got.iter().max_by_key(|c| c.open_ms).expect("bars");
    assert_eq!(last.close, pepe.contract_price(pepe.price));
    assert_eq!(last.close / Decimal::ONE_THOUSAND, pepe.price);
    // Older than the 120 days kept: nothing, in one request.
    let w = window(
        Market::Spot,
        &btc_spot,
        Bar::Day,
        day - 400 * DAY_MS,
        day - 200 * DAY_MS,
    );
    let paged = candle_pages(&Bybit, respond, &u, &w);
    assert_eq!(
        (paged.within(w.start_ms, w.end_ms), paged.count()),
        (Vec::new(), 1)
    );
}

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now = 1_760_000_000_000;
    let universe = Universe::generate(Venue::Bybit, 300, 250, now);
    let routes = crate::demo::bybit::routes(&universe);
    let b = Bybit;

    let ref_reqs = b.reference_requests();
    let ref_bodies: Vec<Body<'_>> = ref_reqs
        .iter()
        .map(|req| Body {
            request: req,
            bytes: route_for(&routes, req).body.as_bytes(),
        })
        .collect();
    for body in &ref_bodies {
        assert_eq!(b.next_page(body.request, body.bytes).expect("cursor"), None);
        assert_eq!(b.check_body(200, body.bytes), BodySignal::Ok);
    }
    let reference = b.parse_reference(&ref_bodies).expect("reference");
    // The collateral table: every coin of the universe, USDT, USDC and one unlisted coin,
    // each at its first tier.
    let demo = crate::demo::collateral_haircut;
    let unlisted = crate::demo::UNLISTED_COLLATERAL;
    assert_eq!(reference.haircuts.len(), universe.markets.len() + 3);
    for m in &universe.markets {
        assert_eq!(
            reference.haircuts.get(&m.asset),
            Some(&demo(&m.asset)),
            "{}",
            m.asset
        );
    }
    assert_eq!(reference.haircuts["BTC"], dec("0.95"));
    assert_eq!(reference.haircuts["ETH"], dec("0.95"));
    assert_eq!(reference.haircuts["USDT"], Decimal::ONE);
    assert_eq!(reference.haircuts["USDC"], Decimal::ONE);
    assert_eq!(reference.haircuts.get(unlisted), Some(&demo(unlisted)));
    assert!(reference.instruments.iter().all(|i| i.asset != unlisted));
    let n_perps = reference
        .instruments
        .iter()
        .filter(|i| i.market == Market::Perp)
        .count();
    assert_eq!(n_perps, 300);
    assert_eq!(reference.instruments.len(), 300 + 250);

    let snap_reqs = b.snapshot_requests(true);
    let snap_bodies: Vec<Body<'_>> = snap_reqs
        .iter()
        .map(|req| Body {
            request: req,
            bytes: route_for(&routes, req).body.as_bytes(),
        })
        .collect();
    let at = ms(now + 150);
    let snap = b
        .parse_snapshot(&snap_bodies, &reference, at)
        .expect("snapshot");
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
    for m in universe.spots() {
        let symbol = spot_symbol(m);
        let s = spots
            .get(symbol.as_str())
            .unwrap_or_else(|| panic!("{symbol} missing"));
        assert_eq!(
            (s.asset.as_str(), s.quote.as_str()),
            (m.asset.as_str(), m.quote.as_str())
        );
        assert_eq!(s.bid, Some(m.spot_bid), "{symbol}");
        assert_eq!(s.ask, Some(m.spot_ask), "{symbol}");
        assert_eq!(s.high_24h, Some(m.high), "{symbol}");
        assert_eq!(s.low_24h, Some(m.low), "{symbol}");
        assert_eq!(s.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
    }

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
