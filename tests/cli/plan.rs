//! `basis plan`: the JSON of a carry against an independent computation, `--spot-venue`, and bad plan flags (exit 64 naming the flag).

use std::time::Duration;

use basis::demo::server::{Server, mounted};
use basis::demo::{SynthMarket, Universe};
use basis::model::Venue;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::common::*;

fn f(d: Decimal) -> f64 {
    d.to_f64().expect("finite")
}

fn btc(u: &Universe) -> &SynthMarket {
    u.markets
        .iter()
        .find(|m| m.asset == "BTC")
        .expect("BTC in the universe")
}

/// Bybit and OKX, BTC paying 0.01 % per 8 h on both.
fn world() -> Vec<Universe> {
    let mut u = universes(&[Venue::Bybit, Venue::Okx]);
    for m in u.iter_mut().flat_map(|u| &mut u.markets) {
        if m.asset == "BTC" {
            m.funding_rate = Decimal::new(1, 4);
            m.interval_hours = 8;
        }
    }
    u
}

async fn plan_json(server: &Server, dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let mut cmd = basis(server, dir);
    cmd.args(["plan", "--venues", "bybit,okx", "--format", "json"])
        .args(args);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

fn num(v: &serde_json::Value, path: &str) -> f64 {
    v.pointer(path)
        .and_then(serde_json::Value::as_f64)
        .unwrap_or_else(|| panic!("{path}: not a number in {v}"))
}

fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-6 * want.abs().max(1.0),
        "{what}: {got} vs {want}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carry_json_reproduces_an_independent_computation_and_follows_spot_venue() {
    let u = world();
    let server = Server::start(mounted(&u), vec![], Duration::ZERO)
        .await
        .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let base = [
        "carry",
        "BTC",
        "--notional",
        "100000",
        "--venue",
        "bybit",
        "--leverage",
        "2",
    ];
    let v = plan_json(&server, dir.path(), &base).await;
    assert_eq!(v["plan"], "carry");
    assert_eq!(v["spot"]["venue"], "bybit");
    assert_eq!(v["perp"]["venue"], "bybit");
    let b = btc(&u[0]);
    let (mark, n, hold) = (f(b.mark), 100_000.0, 7.0);
    let coins = n / mark;
    close("spot.coins", num(&v, "/spot/coins"), coins);
    close("spot.price", num(&v, "/spot/price"), f(b.spot_ask));
    // Funding F = r / h · 24 · H · N; cost = 2 (f_spot + s_spot + f_perp + s_perp) · N with
    // Bybit's taker fees (0.1 % spot, 0.055 % linear) and half-spreads (ask − bid) / (ask + bid).
    let funding = 0.0001 / 8.0 * 24.0 * hold * n;
    let half = |bid: Decimal, ask: Decimal| f(ask - bid) / f(ask + bid);
    let cost =
        2.0 * (0.001 + half(b.spot_bid, b.spot_ask) + 0.00055 + half(b.perp_bid, b.perp_ask)) * n;
    close("funding.usd", num(&v, "/funding/usd"), funding);
    assert_eq!(v["funding"]["estimator"], "current");
    close("round_trip_usd", num(&v, "/round_trip_usd"), cost);
    close("net_usd", num(&v, "/net_usd"), funding - cost);
    close(
        "net_apr_pct",
        num(&v, "/net_apr_pct"),
        (funding - cost) / n * 365.0 / hold * 100.0,
    );
    close(
        "break_even_days",
        num(&v, "/break_even_days"),
        cost / (funding / hold),
    );
    // USDT collateral N / L; IM = N / L; MM = 0.4 % N; M_liq = (−X + z E) / (z − m |z|).
    close("initial_usd", num(&v, "/perp/risk/initial_usd"), n / 2.0);
    close(
        "maintenance_usd",
        num(&v, "/perp/risk/maintenance_usd"),
        0.004 * n,
    );
    let z = -coins;
    let liq = (-(n / 2.0) + z * mark) / (z - 0.004 * coins);
    close(
        "liquidation_price",
        num(&v, "/perp/risk/liquidation_price"),
        liq,
    );
    // The spot leg bought on OKX instead: its book and OKX's spot fee (0.1 %).
    let mut args = base.to_vec();
    args.extend(["--spot-venue", "okx"]);
    let v = plan_json(&server, dir.path(), &args).await;
    assert_eq!(v["spot"]["venue"], "okx");
    assert_eq!(v["perp"]["venue"], "bybit");
    let o = btc(&u[1]);
    close("okx spot.price", num(&v, "/spot/price"), f(o.spot_ask));
    let cost =
        2.0 * (0.001 + half(o.spot_bid, o.spot_ask) + 0.00055 + half(b.perp_bid, b.perp_ask)) * n;
    close("okx round_trip_usd", num(&v, "/round_trip_usd"), cost);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_plan_flags_exit_64_naming_the_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (args, flag) in [
        (vec!["carry", "BTC", "--notional", "0"], "--notional"),
        (vec!["hedge", "BTC", "--amount", "-5"], "--amount"),
        (
            vec![
                "carry",
                "BTC",
                "--notional",
                "1000",
                "--spot-venue",
                "nowhere",
            ],
            "--spot-venue",
        ),
        (
            vec![
                "long",
                "SOL",
                "--notional",
                "1000",
                "--collateral",
                "ETH",
                "--collateral-amount",
                "0",
            ],
            "--collateral-amount",
        ),
        (
            vec!["hedge", "BTC", "--amount", "1", "--format", "csv"],
            "--format",
        ),
    ] {
        let mut cmd = basis_demo(dir.path());
        cmd.arg("plan").args(&args);
        let out = run(cmd).await;
        assert_eq!(code(&out), 64, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(flag), "{args:?}: {}", stderr(&out));
    }
}
