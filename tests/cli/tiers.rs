//! Margin tiers from the venues: `basis positions` takes a loopback venue's published tier for a notional in its second tier, the config's rate wins over it, and a broken tier endpoint falls back to the flat rate.

use basis::demo::server::{Fault, FaultRule, Server, mounted};
use basis::demo::{SynthMarket, Universe};
use basis::model::Venue;
use rust_decimal::prelude::ToPrimitive;

use super::common::*;

fn btc(u: &[Universe]) -> &SynthMarket {
    u[0].markets
        .iter()
        .find(|m| m.asset == "BTC" && m.has_perp)
        .expect("BTC perp in the universe")
}

/// A BTCUSDT short of about 2 M USDT notional (the simulator's second Bybit risk-limit tier,
/// 1 M to 5 M at 1 % less 6,000) on 200,000 USDT, and its size.
fn config(dir: &std::path::Path, u: &[Universe], extra: &str) -> (std::path::PathBuf, f64) {
    let mark = btc(u).mark.to_f64().expect("mark");
    let size = -(2_000_000.0 / mark * 1000.0).round() / 1000.0;
    let body = format!(
        r#"{extra}
[[account]]
name = "big-short"
venue = "bybit"
collateral = {{ USDT = 200000 }}
[[account.position]]
symbol = "BTCUSDT"
size = {size}
entry = {mark}
"#
    );
    let path = dir.join("basis.toml");
    std::fs::write(&path, body).expect("config");
    (path, size)
}

async fn positions_json(server: &Server, u: &[Universe], extra: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cfg, _) = config(dir.path(), u, extra);
    let mut cmd = basis(server, dir.path());
    cmd.arg("--config")
        .arg(&cfg)
        .args(["positions", "--format", "json"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)
}

async fn start(u: &[Universe], faults: Vec<FaultRule>) -> Server {
    Server::start(mounted(u), faults, std::time::Duration::ZERO)
        .await
        .expect("server")
}

fn num(v: &serde_json::Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn close(what: &str, got: &serde_json::Value, want: f64) {
    let g = num(got);
    assert!(
        (g - want).abs() <= 1e-6 * want.abs(),
        "{what}: got {g}, want {want}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notional_in_the_second_published_tier_takes_its_rate_and_deduction() {
    let u = universes(&[Venue::Bybit]);
    let server = start(&u, vec![]).await;
    let doc = positions_json(&server, &u, "").await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, size) = config(dir.path(), &u, "");
    let a = &doc["accounts"][0];
    let p = &a["positions"][0];
    let mark = num(&p["mark"]);
    let n = size.abs() * mark;
    assert!((1_000_000.0..5_000_000.0).contains(&n), "notional {n}");
    close("tier rate", &p["maintenance_rate"], 0.01);
    close(
        "tier maintenance",
        &p["maintenance_usd"],
        n * 0.01 - 6_000.0,
    );
    close(
        "account maintenance",
        &a["maintenance_usd"],
        n * 0.01 - 6_000.0,
    );
    // The short's liquidation price with the same tier (its notional stays in it):
    // 200,000 + z (M − E) = |z| M 0.01 − 6,000.
    let (z, e) = (size, mark);
    let liq = (-6_000.0 - 200_000.0 + z * e) / (z - 0.01 * z.abs());
    assert!((1_000_000.0..5_000_000.0).contains(&(liq * z.abs())));
    close("liquidation", &p["liquidation_price"], liq);
    assert!(
        server.requests_to("/bybit/main/v5/market/risk-limit?category=linear") >= 1,
        "the tiers were asked for"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configured_maintenance_margin_wins_over_the_published_tiers() {
    let u = universes(&[Venue::Bybit]);
    let server = start(&u, vec![]).await;
    let doc = positions_json(&server, &u, "[venues.bybit]\nmaintenance_margin = 0.02\n").await;
    let p = &doc["accounts"][0]["positions"][0];
    let n = num(&p["notional_usd"]);
    close("configured rate", &p["maintenance_rate"], 0.02);
    close("no deduction", &p["maintenance_usd"], n * 0.02);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_tier_endpoint_keeps_the_flat_rate_and_the_venue() {
    let u = universes(&[Venue::Bybit]);
    let fault = FaultRule {
        prefix: "/bybit/main/v5/market/risk-limit".to_owned(),
        fault: Fault::Status {
            status: 200,
            retry_after: None,
            body: "<html>maintenance</html>".into(),
        },
        times: None,
    };
    let server = start(&u, vec![fault]).await;
    let doc = positions_json(&server, &u, "").await;
    let p = &doc["accounts"][0]["positions"][0];
    let n = num(&p["notional_usd"]);
    close("flat default", &p["maintenance_rate"], 0.004);
    close("flat maintenance", &p["maintenance_usd"], n * 0.004);
}
