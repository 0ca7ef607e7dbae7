//! Independent check of DESIGN.md's carry formulas (plain f64 here) against the binary's JSON.

use std::collections::HashMap;

use basis::demo::{SynthMarket, Universe};
use basis::model::Venue;
use basis::venue::implemented;
use rust_decimal::prelude::ToPrimitive;

use super::common::*;

/// Φ via the complementary error function (W. J. Cody's rational approximations are overkill for
/// a 0.01 pp tolerance: Abramowitz & Stegun 7.1.26 is accurate to 1.5e-7).
fn phi(x: f64) -> f64 {
    let z = -x / std::f64::consts::SQRT_2;
    let erfc = |z: f64| -> f64 {
        let t = 1.0 / (1.0 + 0.327_591_1 * z.abs());
        let y = t
            * (0.254_829_592
                + t * (-0.284_496_736
                    + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))))
            * (-z * z).exp();
        if z >= 0.0 { y } else { 2.0 - y }
    };
    0.5 * erfc(z)
}

/// Published retail taker fees (spot, perp) and the documented defaults for margin and fees.
fn fees(v: Venue) -> (f64, f64) {
    match v {
        Venue::Binance => (0.001, 0.0005),
        Venue::Bybit => (0.001, 0.00055),
        Venue::Okx => (0.001, 0.0005),
        other => panic!("no published fee for {other} in this test"),
    }
}

const MAINTENANCE: f64 = 0.004;
const LIQ_FEE: f64 = 0.01;

struct Expected {
    funding_apr_pct: f64,
    cost_pct: f64,
    net_apr_pct: f64,
    liq_prob: f64,
    risk_adj_apr_pct: f64,
}

fn f(d: rust_decimal::Decimal) -> f64 {
    d.to_f64().expect("finite")
}

fn expected(v: Venue, m: &SynthMarket, hold_days: f64, leverage: f64) -> Expected {
    let r = f(m.funding_rate);
    let h = f64::from(m.interval_hours);
    let (fs, fp) = fees(v);
    let half = |bid: f64, ask: f64| (ask - bid) / (ask + bid);
    let cost =
        2.0 * (fs + half(f(m.spot_bid), f(m.spot_ask)) + fp + half(f(m.perp_bid), f(m.perp_ask)));
    let e = r / h * 24.0 * hold_days;
    let net = (e - cost) * 365.0 / hold_days;
    let sigma = (f(m.high) / f(m.low)).ln() / (4.0 * 2f64.ln()).sqrt() * 365f64.sqrt();
    let q = 1.0 / leverage;
    let d = ((1.0 + q) / (1.0 + MAINTENANCE)).ln();
    let t = hold_days / 365.0;
    let liq = (2.0 * phi(-d / (sigma * sigma * t).sqrt())).min(1.0);
    Expected {
        funding_apr_pct: r * 24.0 / h * 365.0 * 100.0,
        cost_pct: cost * 100.0,
        net_apr_pct: net * 100.0,
        liq_prob: liq,
        risk_adj_apr_pct: (net - liq * (LIQ_FEE + cost) * 365.0 / hold_days) * 100.0,
    }
}

fn check(
    report: &serde_json::Value,
    universes: &[Universe],
    hold_days: f64,
    leverage: f64,
) -> usize {
    let by_key: HashMap<(String, String), (&Universe, &SynthMarket)> = universes
        .iter()
        .flat_map(|u| {
            u.markets
                .iter()
                .map(move |m| ((u.venue.id().to_owned(), m.asset.clone()), (u, m)))
        })
        .collect();
    let mut checked = 0;
    for o in report["opportunities"].as_array().expect("array") {
        let key = (
            o["short"]["venue"].as_str().expect("venue").to_owned(),
            o["asset"].as_str().expect("asset").to_owned(),
        );
        let (u, m) = by_key[&key];
        assert_eq!(o["quote"], m.quote.as_str());
        let want = expected(u.venue, m, hold_days, leverage);
        let got = |k: &str| {
            o[k].as_f64()
                .unwrap_or_else(|| panic!("{k} not a number in {o}"))
        };
        for (k, w) in [
            ("funding_apr_pct", want.funding_apr_pct),
            ("cost_pct", want.cost_pct),
            ("net_apr_pct", want.net_apr_pct),
            ("risk_adj_apr_pct", want.risk_adj_apr_pct),
        ] {
            assert!(
                (got(k) - w).abs() < 0.01,
                "{key:?} {k}: got {} want {w}",
                got(k)
            );
        }
        assert!(
            (got("liq_prob") - want.liq_prob).abs() < 1e-4,
            "{key:?} liq_prob: got {} want {}",
            got("liq_prob"),
            want.liq_prob
        );
        // The short leg's price is the perp bid per one coin (multiplier divided out).
        assert!(
            (o["short"]["price"].as_f64().expect("n") - f(m.perp_bid)).abs()
                <= f(m.perp_bid) * 1e-9
        );
        assert!(
            (o["long"]["price"].as_f64().expect("n") - f(m.spot_ask)).abs() <= f(m.spot_ask) * 1e-9
        );
        checked += 1;
    }
    checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carry_maths_matches_an_independent_implementation() {
    let (server, universes) = server(&implemented(), vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &[])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let n = check(&json(&out), &universes, 7.0, 2.0);
    assert!(n > 100, "only {n} rows checked");
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
        &["--offline", "--hold", "3d", "--leverage", "5"],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(check(&json(&out), &universes, 3.0, 5.0) > 100);
}
