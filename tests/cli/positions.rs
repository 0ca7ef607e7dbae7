//! `basis positions`: DESIGN's account figures against an independent computation, collateral alerts across runs, bad account config.

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

fn market<'a>(u: &'a [Universe], asset: &str) -> &'a SynthMarket {
    u[0].markets
        .iter()
        .find(|m| m.asset == asset)
        .expect("asset in the universe")
}

/// A Bybit world whose BTC perp pays 0.01 % per 8 h and whose ETH prices are scaled by `eth`.
fn bybit_world(eth: &str) -> Vec<Universe> {
    let mut u = universes(&[Venue::Bybit]);
    let factor: Decimal = eth.parse().expect("factor");
    for m in &mut u[0].markets {
        if m.asset == "BTC" {
            m.funding_rate = Decimal::new(1, 4);
            m.interval_hours = 8;
        }
        if m.asset == "ETH" {
            for p in [
                &mut m.price,
                &mut m.perp_bid,
                &mut m.perp_ask,
                &mut m.spot_bid,
                &mut m.spot_ask,
                &mut m.mark,
                &mut m.index,
                &mut m.high,
                &mut m.low,
            ] {
                *p *= factor;
            }
        }
    }
    u
}

async fn start(u: &[Universe]) -> Server {
    Server::start(mounted(u), vec![], Duration::ZERO)
        .await
        .expect("server")
}

fn positions(
    server: &Server,
    dir: &std::path::Path,
    config: &std::path::Path,
) -> std::process::Command {
    let mut cmd = basis(server, dir);
    cmd.arg("--config").arg(config).arg("positions");
    cmd
}

/// Asserts `got` within `rel` of `want`, relatively.
fn close(what: &str, got: &serde_json::Value, want: f64, rel: f64) {
    let g = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: not a number: {got}"));
    assert!(
        (g - want).abs() <= rel * want.abs().max(1e-12),
        "{what}: got {g}, want {want}"
    );
}

fn parkinson(m: &SynthMarket) -> f64 {
    (f(m.high) / f(m.low)).ln() / (4.0 * 2f64.ln()).sqrt() * 365f64.sqrt()
}

const ACCOUNTS: &str = r#"
[[account]]
name = "eth-short"
venue = "bybit"
collateral = { ETH = 20 }
leverage = 5
[[account.position]]
symbol = "BTCUSDT"
size = -1.5
entry = 95000

[[account]]
name = "multi"
venue = "bybit"
collateral = { ETH = 10, USDT = 2000 }
[[account.position]]
symbol = "BTCUSDT"
size = -2
entry = 90000
[[account.position]]
symbol = "SOLUSDT"
size = 100
entry = 170
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_json_reproduces_an_independent_computation_of_designs_formulas() {
    let u = bybit_world("1");
    let server = start(&u).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write_config(dir.path(), ACCOUNTS);
    let mut cmd = positions(&server, dir.path(), &cfg);
    cmd.args(["--format", "json"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc = json(&out);
    let accounts = doc["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 2, "{doc}");
    let (btc, eth, sol) = (market(&u, "BTC"), market(&u, "ETH"), market(&u, "SOL"));
    let (m_btc, m_sol) = (f(btc.mark), f(sol.mark));
    let p_eth = (f(eth.spot_bid) + f(eth.spot_ask)) / 2.0;
    let (k, mm_rate, rel) = (0.95, 0.004, 1e-6);

    // One short margined by ETH.
    let a = &accounts[0];
    assert_eq!(a["name"], "eth-short");
    let (z, e) = (-1.5f64, 95_000.0);
    let v = k * 20.0 * p_eth;
    let u_pnl = z * (m_btc - e);
    let q = v + u_pnl;
    let n = z.abs() * m_btc;
    let mm = n * mm_rate;
    close("equity", &a["equity_usd"], q, rel);
    close("collateral", &a["collateral_usd"], v, rel);
    close("upnl", &a["unrealised_pnl_usd"], u_pnl, rel);
    close("mm", &a["maintenance_usd"], mm, rel);
    close("im", &a["initial_usd"], n / 5.0, rel);
    close("margin ratio", &a["margin_ratio"], mm / q, rel);
    close("free margin", &a["free_margin_usd"], q - n / 5.0, rel);
    let liq = (-v + z * e) / (z - mm_rate * z.abs());
    let pos = &a["positions"][0];
    assert_eq!(pos["side"], "short");
    close("mark", &pos["mark"], m_btc, rel);
    close("notional", &pos["notional_usd"], n, rel);
    close("liq price", &pos["liquidation_price"], liq, rel);
    close(
        "distance",
        &pos["distance_to_liq_pct"],
        (liq - m_btc).abs() / m_btc * 100.0,
        rel,
    );
    close("funding", &pos["funding_rate"], 0.0001, rel);
    close("interval", &pos["funding_interval_hours"], 8.0, rel);
    let target = p_eth - (q - mm) / (k * 20.0);
    let c = &a["collateral"][0];
    assert_eq!(c["coin"], "ETH");
    close("eth price", &c["price"], p_eth, rel);
    close("haircut", &c["haircut"], k, rel);
    close(
        "drop",
        &c["drop_to_liq_pct"],
        (1.0 - target / p_eth) * 100.0,
        rel,
    );
    // liq_prob: the short leg with e = E / M, q = k V_c / N, volatile collateral (ρ 0.8).
    let (sa, sc, rho, t) = (parkinson(btc), parkinson(eth), 0.8, 7.0 / 365.0);
    let (qq, ee) = (k * 20.0 * p_eth / n, e / m_btc);
    let d = ((ee + qq) / (1.0 + mm_rate)).ln();
    let w = qq / (ee + qq);
    let var = sa * sa + w * w * sc * sc - 2.0 * w * rho * sa * sc;
    let want = (2.0 * phi(-d / (var * t).sqrt())).min(1.0);
    let got = a["liq_prob"].as_f64().expect("liq_prob");
    assert!((got - want).abs() < 1e-4, "liq_prob {got} vs {want}");

    // Two positions, two collateral coins.
    let b = &accounts[1];
    let v = k * 10.0 * p_eth + 2_000.0;
    let (u_btc, u_sol) = (-2.0 * (m_btc - 90_000.0), 100.0 * (m_sol - 170.0));
    let q = v + u_btc + u_sol;
    let (mm_btc, mm_sol) = (2.0 * m_btc * mm_rate, 100.0 * m_sol * mm_rate);
    close("equity 2", &b["equity_usd"], q, rel);
    close("mm 2", &b["maintenance_usd"], mm_btc + mm_sol, rel);
    close("ratio 2", &b["margin_ratio"], (mm_btc + mm_sol) / q, rel);
    let liq_btc = (mm_sol - (v + u_sol) - 2.0 * 90_000.0) / (-2.0 - 2.0 * mm_rate);
    close(
        "liq btc 2",
        &b["positions"][0]["liquidation_price"],
        liq_btc,
        rel,
    );
    let liq_sol = (mm_btc - (v + u_btc) + 100.0 * 170.0) / (100.0 - mm_rate * 100.0);
    if liq_sol > 0.0 {
        close(
            "liq sol 2",
            &b["positions"][1]["liquidation_price"],
            liq_sol,
            rel,
        );
    } else {
        assert!(b["positions"][1]["liquidation_price"].is_null(), "{b}");
    }
    let target = p_eth - (q - mm_btc - mm_sol) / (k * 10.0);
    assert!(
        target > 0.0,
        "the world lets ETH alone liquidate this account"
    );
    close(
        "drop 2",
        &b["collateral"][0]["drop_to_liq_pct"],
        (1.0 - target / p_eth) * 100.0,
        rel,
    );
    assert!(b["collateral"][1]["drop_to_liq_pct"].is_null(), "USDT: {b}");
    assert!(b["liq_prob"].is_null(), "two positions: {b}");

    // The table says the same at a glance.
    let out = run(positions(&server, dir.path(), &cfg)).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("eth-short (bybit)") && text.contains("margin ratio"),
        "{text}"
    );
    assert!(
        text.contains("BTCUSDT") && text.contains("drop to liq"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_16_pct_collateral_fall_alerts_once_per_sink_then_resolves_once() {
    let chat = Receiver::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write_config(
        dir.path(),
        &format!(
            "[[notify]]\nname = \"desk\"\nkind = \"slack\"\nurl = \"{0}/slack\"\n\n\
             [[notify]]\nname = \"ops\"\nkind = \"discord\"\nurl = \"{0}/discord\"\n\n\
             [[account]]\nname = \"hedge\"\nvenue = \"bybit\"\ncollateral = {{ ETH = 20 }}\n\
             [[account.position]]\nsymbol = \"BTCUSDT\"\nsize = -0.2\nentry = 95000\n",
            chat.url("")
        ),
    );
    let poll = |eth: &'static str| {
        let cfg = cfg.clone();
        let dir = dir.path().to_owned();
        async move {
            let server = start(&bybit_world(eth)).await;
            let mut cmd = positions(&server, &dir, &cfg);
            cmd.args(["--notify", "--format", "json"]);
            let out = run(cmd).await;
            assert_eq!(code(&out), 0, "ETH × {eth}: {}", stderr(&out));
            json(&out)
        }
    };
    let alerts = |doc: &serde_json::Value| -> Vec<String> {
        doc["accounts"][0]["alerts"]
            .as_array()
            .expect("alerts")
            .iter()
            .map(|a| a["kind"].as_str().expect("kind").to_owned())
            .collect()
    };
    // Run 1 records the reference price; nothing is wrong.
    let doc = poll("1").await;
    assert!(alerts(&doc).is_empty(), "{doc}");
    assert!(chat.bodies_at("/slack").is_empty() && chat.bodies_at("/discord").is_empty());
    // ETH falls 16 %: one collateral alert per sink.
    let doc = poll("0.84").await;
    assert_eq!(alerts(&doc), ["collateral_drop"], "{doc}");
    for path in ["/slack", "/discord"] {
        let got = chat.bodies_at(path);
        assert_eq!(got.len(), 1, "{path}: {got:#?}");
        assert!(
            got[0].contains("ETH") && got[0].contains("16.0 %"),
            "{}",
            got[0]
        );
    }
    // Unchanged: nothing more.
    let doc = poll("0.84").await;
    assert_eq!(alerts(&doc), ["collateral_drop"]);
    assert_eq!(chat.bodies_at("/slack").len(), 1);
    assert_eq!(chat.bodies_at("/discord").len(), 1);
    // Recovered: one "resolved" per sink, then quiet.
    for _ in 0..2 {
        let doc = poll("1").await;
        assert!(alerts(&doc).is_empty(), "{doc}");
    }
    for path in ["/slack", "/discord"] {
        let got = chat.bodies_at(path);
        assert_eq!(got.len(), 2, "{path}: {got:#?}");
        assert!(got[1].contains("resolved"), "{}", got[1]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_account_is_a_config_error_naming_the_file_and_key() {
    let (server, _u) = server(&[Venue::Bybit], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write_config(
        dir.path(),
        "[[account]]\nname = \"a\"\nvenue = \"bybit\"\ncollateral = { ETH = 1 }\n[[account.position]]\nsymbol = \"BTCUSDT\"\nsize = 1\n",
    );
    let out = run(positions(&server, dir.path(), &cfg)).await;
    assert_eq!(code(&out), 78, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("basis.toml") && err.contains("account \"a\".position[0].entry"),
        "{err}"
    );
    // No account at all: 78 too, saying where to declare one.
    let empty = write_config(dir.path(), "");
    let out = run(positions(&server, dir.path(), &empty)).await;
    assert_eq!(code(&out), 78, "{}", stderr(&out));
    assert!(stderr(&out).contains("[[account]]"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_notify_sends_the_account_alert_before_the_digest_whatever_its_top() {
    let chat = Receiver::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = write_config(
        dir.path(),
        &format!(
            "[[notify]]\nname = \"desk\"\nkind = \"discord\"\nurl = \"{}/d\"\nmin_apr = -1000\ntop = 1\n\n\
             [[account]]\nname = \"hedge\"\nvenue = \"bybit\"\ncollateral = {{ ETH = 20 }}\n\
             [[account.position]]\nsymbol = \"BTCUSDT\"\nsize = -0.2\nentry = 95000\n",
            chat.url("")
        ),
    );
    for eth in ["1", "0.84"] {
        let server = start(&bybit_world(eth)).await;
        let mut cmd = basis(&server, dir.path());
        cmd.arg("--config")
            .arg(&cfg)
            .args(["scan", "--notify", "--venues", "bybit", "--format", "json"]);
        let out = run(cmd).await;
        assert_eq!(code(&out), 0, "ETH × {eth}: {}", stderr(&out));
    }
    let got = chat.bodies_at("/d");
    let alert = got
        .iter()
        .position(|b| b.contains("account alert"))
        .unwrap_or_else(|| panic!("no account alert in {got:#?}"));
    assert_eq!(
        got.iter().filter(|b| b.contains("account alert")).count(),
        1,
        "{got:#?}"
    );
    assert!(got[alert].contains("ETH"), "{}", got[alert]);
    // The first run's digest came before it; nothing of the second run came before it.
    assert!(alert >= 1, "{got:#?}");
    assert!(
        got[alert + 1..]
            .iter()
            .all(|b| !b.contains("account alert")),
        "{got:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_prints_the_seeds_three_scenarios() {
    let u = bybit_world("1");
    let server = start(&u).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = |args: &[&str]| {
        let mut cmd = basis(&server, dir.path());
        cmd.args(["plan", "--venues", "bybit"]).args(args);
        run(cmd)
    };
    // Strategy 1: 5 BTC hedged for 30 days.
    let out = plan(&["hedge", "BTC", "--amount", "5", "--days", "30"]).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("bybit") && text.contains("BTCUSDT") && text.contains("liq"),
        "{text}"
    );
    // Strategy 2: 20 % of 100 ETH margining a 3× SOL long; its liquidation price is DESIGN's.
    let (eth, sol) = (market(&u, "ETH"), market(&u, "SOL"));
    let p_eth = (f(eth.spot_bid) + f(eth.spot_ask)) / 2.0;
    let notional = 3.0 * 20.0 * p_eth;
    let arg = format!("{notional:.2}");
    let out = plan(&[
        "long",
        "SOL",
        "--notional",
        &arg,
        "--collateral",
        "ETH",
        "--collateral-amount",
        "20",
    ])
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("3× the collateral") || text.contains("3.00× the collateral"),
        "{text}"
    );
    let m = f(sol.mark);
    let z: f64 = arg.parse::<f64>().expect("notional") / m;
    let liq = (-(0.95 * 20.0 * p_eth) + z * m) / (z - 0.004 * z);
    let shown: f64 = text
        .split("liquidation price ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    assert!((shown - liq).abs() / liq < 1e-5, "{shown} vs {liq}");
    // Strategy 3: a BTC carry with ETH collateral (BTC pays 0.01 % per 8 h in this world).
    let out = plan(&[
        "carry",
        "BTC",
        "--notional",
        "100000",
        "--collateral",
        "ETH",
        "--leverage",
        "2",
    ])
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    for part in [
        "spot leg",
        "collateral",
        "perp short",
        "liquidation price",
        "break-even",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
}
