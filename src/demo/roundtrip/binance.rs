//! Binance round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use rust_decimal::Decimal;

use super::*;
use crate::demo::binance::*;
use crate::demo::{DAY_MS, HOUR_MS};
use crate::model::{Market, Reference, Venue};
use crate::venue::binance::*;
use crate::venue::testkit::*;
use crate::venue::{Bar, VenueAdapter};

fn at(ms: i64) -> DateTime<Utc> {
    ms_time(ms).expect("test time")
}

fn symbols(r: &Reference, market: Market) -> Vec<&str> {
    r.instruments
        .iter()
        .filter(|i| i.market == market)
        .map(|i| i.symbol.as_str())
        .collect()
}

#[test]
fn history_round_trip_through_the_demo_returns_every_settlement_once() {
    const DAY: i64 = 86_400_000;
    let now = 1_760_000_000_000;
    let u = crate::demo::Universe::generate(Venue::Binance, 40, 0, now);
    for hours in [1_i64, 8] {
        let m = u
            .perps()
            .find(|m| i64::from(m.interval_hours) == hours)
            .expect("a perp with that interval");
        let symbol = format!("{}{}", m.perp_base(), m.quote);
        let step = hours * 3_600_000;
        let aligned = (now - 31 * DAY) / step * step + step;
        // (now - 30 d, now] off the grid, and [settlement, settlement + 30 d) on it.
        for (start, end) in [(now - 30 * DAY + 1, now), (aligned, aligned + 30 * DAY - 1)] {
            let mut got =
                funding_pages(&Binance, respond, &u, &symbol, start, end).times_within(start, end);
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
        }
    }
    // 120 days of a 1 h symbol take three pages of 1000; older than 120 days there is nothing.
    let m = u.perps().find(|m| m.interval_hours == 1).expect("1 h perp");
    let symbol = format!("{}{}", m.perp_base(), m.quote);
    let paged = funding_pages(&Binance, respond, &u, &symbol, now - 200 * DAY, now);
    assert_eq!(
        (
            paged.times_within(now - 200 * DAY, now).len(),
            paged.count()
        ),
        (120 * 24, 3)
    );
    let rates: Vec<_> = crate::demo::binance::history(
        &u,
        "/fapi/v1/fundingRate",
        &[
            ("symbol".to_owned(), symbol),
            ("limit".to_owned(), "50".to_owned()),
        ],
    )
    .map(|b| Binance.parse_funding_history(b.as_bytes()).expect("parses"))
    .expect("history path");
    assert_eq!(rates.len(), 50);
    assert!(rates.windows(2).all(|w| w[0].time_ms < w[1].time_ms));
    assert_eq!(
        rates.last().map(|p| p.time_ms),
        Some(now / 3_600_000 * 3_600_000)
    );
}

#[test]
fn candle_round_trip_through_the_demo_returns_every_bar_once() {
    let now = 1_760_000_000_000 + 17 * 60_000;
    let u = Universe::generate(Venue::Binance, 40, 40, now);
    let hour = now / HOUR_MS * HOUR_MS;
    let day = now / DAY_MS * DAY_MS;
    let btc = &u.markets[0];
    assert!(btc.has_perp && btc.has_spot && btc.multiplier == 1);
    let pepe = u
        .perps()
        .find(|m| m.multiplier == 1000)
        .expect("a 1000x perp");
    let perp = |m: &SynthMarket| format!("{}{}", m.perp_base(), m.quote);
    let (btc_perp, btc_spot, pepe_perp) =
        (perp(btc), format!("{}{}", btc.asset, btc.quote), perp(pepe));
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
        // All 120 days of hourly bars kept: 2881 rows = 1500 + 1381 (perp), 3 × 1000 (spot).
        (Market::Perp, &btc_perp, btc, Bar::Hour, hours120, 2881, 2),
        (Market::Spot, &btc_spot, btc, Bar::Hour, hours120, 2881, 3),
    ];
    for (market, symbol, m, bar, start, n, pages) in cases {
        let w = window(market, symbol, bar, start, now);
        let paged = candle_pages(&Binance, respond, &u, &w);
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
    let got = candle_pages(&Binance, respond, &u, &w).within(w.start_ms, w.end_ms);
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
    let paged = candle_pages(&Binance, respond, &u, &w);
    assert_eq!(
        (paged.within(w.start_ms, w.end_ms), paged.count()),
        (Vec::new(), 1)
    );
}

fn route_body<'r>(routes: &'r [crate::demo::Route], req: &Request) -> &'r [u8] {
    routes
        .iter()
        .find(|r| {
            r.host == req.host
                && r.path == req.path
                && r.query
                    .iter()
                    .all(|(k, v)| req.query.iter().any(|(rk, rv)| rk == k && rv == v))
        })
        .unwrap_or_else(|| panic!("no demo route for {req:?}"))
        .body
        .as_bytes()
}

#[test]
fn demo_universe_round_trips_through_the_adapter() {
    let now_ms = 1_760_000_000_000;
    let u = Universe::generate(Venue::Binance, 300, 250, now_ms);
    let routes = crate::demo::binance::routes(&u);
    let b = Binance;

    let ref_reqs = b.reference_requests();
    let bodies: Vec<Body<'_>> = ref_reqs
        .iter()
        .map(|r| Body {
            request: r,
            bytes: route_body(&routes, r),
        })
        .collect();
    let reference = b.parse_reference(&bodies).expect("reference");
    let perps = symbols(&reference, Market::Perp);
    assert_eq!(perps.len(), 300);
    // The collateral table: every coin of the universe, USDT, USDC and one unlisted coin.
    let demo = crate::demo::collateral_haircut;
    let unlisted = crate::demo::UNLISTED_COLLATERAL;
    assert_eq!(reference.haircuts.len(), 300 + 3);
    for m in &u.markets {
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
    assert_eq!(symbols(&reference, Market::Spot).len(), 250);
    for gone in ["BTCUSDT_260626", "NEWUSDT", "OLDUSDT"] {
        assert!(!perps.contains(&gone), "{gone} must be filtered out");
    }

    let snap_reqs = b.snapshot_requests(true);
    let bodies: Vec<Body<'_>> = snap_reqs
        .iter()
        .map(|r| Body {
            request: r,
            bytes: route_body(&routes, r),
        })
        .collect();
    let received_at = at(now_ms + 150);
    let s = b
        .parse_snapshot(&bodies, &reference, received_at)
        .expect("snapshot");
    assert_eq!(s.perps.len(), 300);
    assert_eq!(s.spots.len(), 250);
    assert!(u.perps().any(|m| m.multiplier == 1000) && u.perps().any(|m| m.quote == "USDC"));
    assert!(u.perps().any(|m| m.interval_hours != 8));

    for m in u.perps() {
        let symbol = format!("{}{}", m.perp_base(), m.quote);
        let q = s
            .perps
            .iter()
            .find(|q| q.symbol == symbol)
            .unwrap_or_else(|| panic!("{symbol} missing"));
        assert_eq!(
            (q.asset.as_str(), q.quote.as_str()),
            (m.asset.as_str(), m.quote.as_str())
        );
        assert_eq!(q.multiplier, Decimal::from(m.multiplier), "{symbol}");
        assert_eq!(q.funding_rate, m.funding_rate, "{symbol}");
        assert_eq!(
            q.funding_interval_hours,
            Decimal::from(m.interval_hours),
            "{symbol}"
        );
        assert_eq!(q.next_funding_time, ms_time(m.next_funding_ms), "{symbol}");
        assert_eq!(q.bid, Some(m.contract_price(m.perp_bid)), "{symbol}");
        assert_eq!(q.ask, Some(m.contract_price(m.perp_ask)), "{symbol}");
        assert_eq!(q.bid.map(|b| q.unit_price(b)), Some(m.perp_bid), "{symbol}");
        assert_eq!(q.mark_price, Some(m.contract_price(m.mark)), "{symbol}");
        assert_eq!(q.index_price, Some(m.contract_price(m.index)), "{symbol}");
        assert_eq!(q.high_24h, Some(m.contract_price(m.high)), "{symbol}");
        assert_eq!(q.low_24h, Some(m.contract_price(m.low)), "{symbol}");
        assert_eq!(q.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
        assert_eq!(q.exchange_time, ms_time(now_ms), "{symbol}");
        assert_eq!(q.received_at, received_at);
    }
    for m in u.spots() {
        let symbol = format!("{}{}", m.asset, m.quote);
        let q = s
            .spots
            .iter()
            .find(|q| q.symbol == symbol)
            .unwrap_or_else(|| panic!("{symbol} missing"));
        assert_eq!(q.asset, m.asset);
        assert_eq!(
            (q.bid, q.ask),
            (Some(m.spot_bid), Some(m.spot_ask)),
            "{symbol}"
        );
        assert_eq!(
            (q.high_24h, q.low_24h),
            (Some(m.high), Some(m.low)),
            "{symbol}"
        );
        assert_eq!(q.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
    }
}
