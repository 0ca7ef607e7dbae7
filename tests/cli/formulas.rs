//! Independent check of DESIGN.md's carry formulas (plain f64 here) against the binary's JSON.

use std::collections::HashMap;

use basis::demo::{SynthMarket, Universe};
use basis::model::Venue;
use basis::venue::implemented;
use rust_decimal::prelude::ToPrimitive;

use super::common::*;

/// Published retail taker fees (spot, perp), as in the exchanges' fee schedules (README).
fn fees(v: Venue) -> (f64, f64) {
    match v {
        Venue::Binance => (0.001, 0.0005),
        Venue::Bybit => (0.001, 0.00055),
        Venue::Okx => (0.001, 0.0005),
        Venue::Bitget => (0.001, 0.0006),
        Venue::Gate => (0.001, 0.0005),
        Venue::Hyperliquid => (0.0007, 0.00045),
        Venue::Bingx => (0.001, 0.0005),
        Venue::Mexc => (0.0005, 0.0002),
        Venue::Weex => (0.001, 0.0006),
        Venue::Deribit | Venue::Dydx | Venue::Kraken => (0.0005, 0.0005),
    }
}

/// Venues whose payloads carry the book and 24 h high/low that the universe holds, so costs and
/// liquidation risk can be recomputed from the universe alone. Hyperliquid and dYdX publish no
/// bulk high/low (σ comes from another venue) and dYdX no book at all.
fn exact_book(v: Venue) -> bool {
    !matches!(v, Venue::Hyperliquid | Venue::Dydx)
}

/// Maintenance rate `m`: the one the venue publishes with its contracts where it does (the
/// demo's Gate contracts say `maintenance_rate` 0.005, MEXC's `maintenanceMarginRate` 0.004),
/// else the built-in 0.004.
fn maintenance(v: Venue) -> f64 {
    if v == Venue::Gate { 0.005 } else { 0.004 }
}
const LIQ_FEE: f64 = 0.01;

struct Expected {
    funding_apr_pct: f64,
    cost_pct: Option<f64>,
    net_apr_pct: Option<f64>,
    liq_prob: Option<f64>,
    risk_adj_apr_pct: Option<f64>,
}

fn f(d: rust_decimal::Decimal) -> f64 {
    d.to_f64().expect("finite")
}

fn half(bid: rust_decimal::Decimal, ask: rust_decimal::Decimal) -> f64 {
    (f(ask) - f(bid)) / (f(ask) + f(bid))
}

/// Per-hour funding rate of a universe perp (every venue's wire form encodes this one number).
fn hourly(m: &SynthMarket) -> f64 {
    f(m.funding_rate) / f64::from(m.interval_hours)
}

fn sigma(m: &SynthMarket) -> f64 {
    (f(m.high) / f(m.low)).ln() / (4.0 * 2f64.ln()).sqrt() * 365f64.sqrt()
}

/// First-passage probability of DESIGN.md for buffer `d` and annual volatility `s` over `t` years.
fn first_passage(d: f64, s: f64, t: f64) -> f64 {
    if d <= 0.0 {
        return 1.0;
    }
    (2.0 * phi(-d / (s * s * t).sqrt())).min(1.0)
}

/// Short perp leg with stablecoin collateral: D = ln((1+q)/(1+m)), v = σ².
fn short_leg(s: f64, m: f64, leverage: f64, t: f64) -> f64 {
    let q = 1.0 / leverage;
    first_passage(((1.0 + q) / (1.0 + m)).ln(), s, t)
}

/// Long perp leg with stablecoin collateral: D = ln((1−m)/(1−q)), v = σ²; 0 when q >= 1.
fn long_leg(s: f64, m: f64, leverage: f64, t: f64) -> f64 {
    let q = 1.0 / leverage;
    if q >= 1.0 {
        return 0.0;
    }
    first_passage(((1.0 - m) / (1.0 - q)).ln(), s, t)
}

fn finish(per_hour: f64, cost: Option<f64>, liq: Option<f64>, hold_days: f64) -> Expected {
    let e = per_hour * 24.0 * hold_days;
    let net = cost.map(|c| (e - c) * 365.0 / hold_days);
    let risk = match (net, liq, cost) {
        (Some(n), Some(p), Some(c)) => Some(n - p * (LIQ_FEE + c) * 365.0 / hold_days),
        _ => None,
    };
    Expected {
        funding_apr_pct: per_hour * 24.0 * 365.0 * 100.0,
        cost_pct: cost.map(|c| c * 100.0),
        net_apr_pct: net.map(|n| n * 100.0),
        liq_prob: liq,
        risk_adj_apr_pct: risk.map(|r| r * 100.0),
    }
}

type Leg<'a> = (Venue, &'a SynthMarket);

/// carry (same venue) and cross_carry (spot on `long`, perp on `short`).
fn expected_carry(long: Leg<'_>, short: Leg<'_>, hold_days: f64, leverage: f64) -> Expected {
    let (fs, _) = fees(long.0);
    let (_, fp) = fees(short.0);
    let exact = exact_book(long.0) && exact_book(short.0);
    let cost = exact.then(|| {
        2.0 * (fs
            + half(long.1.spot_bid, long.1.spot_ask)
            + fp
            + half(short.1.perp_bid, short.1.perp_ask))
    });
    let liq = exact.then(|| {
        short_leg(
            sigma(short.1),
            maintenance(short.0),
            leverage,
            hold_days / 365.0,
        )
    });
    finish(hourly(short.1), cost, liq, hold_days)
}

/// perp_spread: long the lower per-hour rate, short the higher.
fn expected_spread(long: Leg<'_>, short: Leg<'_>, hold_days: f64, leverage: f64) -> Expected {
    let (_, fl) = fees(long.0);
    let (_, fsh) = fees(short.0);
    let exact = exact_book(long.0) && exact_book(short.0);
    let cost = exact.then(|| {
        2.0 * (fl
            + half(long.1.perp_bid, long.1.perp_ask)
            + fsh
            + half(short.1.perp_bid, short.1.perp_ask))
    });
    let t = hold_days / 365.0;
    let liq = exact.then(|| {
        let ps = short_leg(sigma(short.1), maintenance(short.0), leverage, t);
        let pl = long_leg(sigma(long.1), maintenance(long.0), leverage, t);
        1.0 - (1.0 - ps) * (1.0 - pl)
    });
    finish(hourly(short.1) - hourly(long.1), cost, liq, hold_days)
}

fn check(
    report: &serde_json::Value,
    universes: &[Universe],
    hold_days: f64,
    leverage: f64,
) -> HashMap<String, usize> {
    let by_key: HashMap<(String, String), (Venue, &SynthMarket)> = universes
        .iter()
        .flat_map(|u| {
            u.markets
                .iter()
                .map(move |m| ((u.venue.id().to_owned(), m.asset.clone()), (u.venue, m)))
        })
        .collect();
    let leg = |o: &serde_json::Value, side: &str| -> (Venue, &SynthMarket) {
        let key = (
            o[side]["venue"].as_str().expect("venue").to_owned(),
            o["asset"].as_str().expect("asset").to_owned(),
        );
        by_key[&key]
    };
    let mut checked: HashMap<String, usize> = HashMap::new();
    for o in report["opportunities"].as_array().expect("array") {
        let kind = o["kind"].as_str().expect("kind");
        let (long, short) = (leg(o, "long"), leg(o, "short"));
        let want = match kind {
            "carry" => {
                assert_eq!(long.0, short.0, "{o}");
                expected_carry(long, short, hold_days, leverage)
            }
            "cross_carry" => {
                assert_ne!(long.0, short.0, "{o}");
                expected_carry(long, short, hold_days, leverage)
            }
            "perp_spread" => expected_spread(long, short, hold_days, leverage),
            other => panic!("unknown kind {other}"),
        };
        let got = |k: &str| {
            o[k].as_f64()
                .unwrap_or_else(|| panic!("{k} not a number in {o}"))
        };
        let close = |k: &str, w: f64| {
            assert!(
                (got(k) - w).abs() < 0.01,
                "{kind} {k}: got {} want {w} in {o}",
                got(k)
            )
        };
        close("funding_apr_pct", want.funding_apr_pct);
        let mut exact = false;
        for (k, w) in [
            ("cost_pct", want.cost_pct),
            ("net_apr_pct", want.net_apr_pct),
            ("risk_adj_apr_pct", want.risk_adj_apr_pct),
        ] {
            if let Some(w) = w {
                close(k, w);
                exact = true;
            }
        }
        if let Some(p) = want.liq_prob {
            assert!(
                (got("liq_prob") - p).abs() < 1e-4,
                "{kind} liq_prob: got {} want {p} in {o}",
                got("liq_prob")
            );
        }
        if exact && kind != "perp_spread" {
            // The short leg's price is the perp bid per one coin (multiplier divided out), the
            // long leg's the spot ask.
            let bid = f(short.1.perp_bid);
            assert!(
                (o["short"]["price"].as_f64().expect("n") - bid).abs() <= bid * 1e-9,
                "{o}"
            );
            let ask = f(long.1.spot_ask);
            assert!(
                (o["long"]["price"].as_f64().expect("n") - ask).abs() <= ask * 1e-9,
                "{o}"
            );
        }
        if exact {
            *checked.entry(kind.to_owned()).or_default() += 1;
        }
    }
    checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carry_maths_matches_an_independent_implementation() {
    let venues = implemented();
    let (server, universes) = server(&venues, vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &["--kinds", "carry"])).await;
    assert!(code(&out) <= 1, "stderr: {}", stderr(&out));
    let n = check(&json(&out), &universes, 7.0, 2.0);
    assert!(n.get("carry").copied().unwrap_or(0) > 100, "{n:?}");
    // Multiplied contracts are among them.
    assert!(universes.iter().any(|u| {
        u.markets
            .iter()
            .any(|m| m.multiplier > 1 && m.has_spot && m.has_perp)
    }));

    // Other horizon and leverage.
    let out = run(scan_json(
        &server,
        dir.path(),
        &[
            "--offline",
            "--kinds",
            "carry",
            "--hold",
            "3d",
            "--leverage",
            "5",
        ],
    ))
    .await;
    assert!(code(&out) <= 1, "stderr: {}", stderr(&out));
    assert!(
        check(&json(&out), &universes, 3.0, 5.0)
            .get("carry")
            .copied()
            .unwrap_or(0)
            > 100
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_venue_maths_matches_an_independent_implementation() {
    let venues = implemented();
    let (server, universes) = server(&venues, vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--kinds", "cross_carry,perp_spread"],
    ))
    .await;
    assert!(code(&out) <= 1, "stderr: {}", stderr(&out));
    let n = check(&json(&out), &universes, 7.0, 2.0);
    assert!(n.get("cross_carry").copied().unwrap_or(0) > 100, "{n:?}");
    assert!(n.get("perp_spread").copied().unwrap_or(0) > 100, "{n:?}");
}
