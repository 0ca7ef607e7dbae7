//! Happy paths: each venue end to end, request budgets with cached instruments, formats, demo.

use basis::model::Venue;
use basis::venue::implemented;

use super::common::*;

async fn happy_path(venue: Venue) {
    let (server, universes) = server(&[venue], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &["--venues", venue.id()])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let report = json(&out);
    let v = venue_entry(&report, venue);
    assert_eq!(v["status"], "ok");
    let u = &universes[0];
    assert_eq!(v["perps"].as_u64(), Some(u.perps().count() as u64), "{v}");
    assert_eq!(v["spots"].as_u64(), Some(u.spots().count() as u64), "{v}");
    let opps = report["opportunities"].as_array().expect("opportunities");
    // Every asset with a spot pair and a positively funded perp of the same quote is a candidate.
    let expected = u
        .markets
        .iter()
        .filter(|m| m.has_perp && m.has_spot && m.funding_rate > rust_decimal::Decimal::ZERO)
        .count();
    assert_eq!(opps.len(), expected, "carry candidates");
    for o in opps {
        assert_eq!(o["kind"], "carry");
        assert_eq!(o["short"]["venue"], venue.id());
        assert_eq!(o["long"]["market"], "spot");
    }
    let first_requests = server.requests(venue);
    assert_eq!(v["requests"].as_u64(), Some(u64::from(first_requests)));

    // Second run: instruments come from the store, only the hot snapshot is fetched.
    let out = run(scan_json(&server, dir.path(), &["--venues", venue.id()])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let second = server.requests(venue) - first_requests;
    assert!(
        second <= 4,
        "{venue}: {second} requests with cached instruments"
    );
    assert!(
        second < first_requests,
        "{venue}: instruments were re-fetched"
    );
}

fn venue_entry(report: &serde_json::Value, venue: Venue) -> &serde_json::Value {
    super::common::venue(report, venue.id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binance_end_to_end() {
    happy_path(Venue::Binance).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bybit_end_to_end() {
    happy_path(Venue::Bybit).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okx_end_to_end() {
    happy_path(Venue::Okx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_has_every_contract_field_and_is_ranked() {
    let (server, _) = server(&implemented(), vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &[])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let report = json(&out);
    assert!(
        chrono::DateTime::parse_from_rfc3339(report["generated_at"].as_str().expect("str")).is_ok()
    );
    assert!(report["params"].is_object());
    for v in report["venues"].as_array().expect("venues") {
        for key in [
            "venue",
            "status",
            "error",
            "perps",
            "spots",
            "requests",
            "elapsed_ms",
        ] {
            assert!(v.get(key).is_some(), "venue field {key} missing: {v}");
        }
    }
    let opps = report["opportunities"].as_array().expect("array");
    assert!(opps.len() > 50);
    let fields = [
        "rank",
        "kind",
        "asset",
        "quote",
        "long",
        "short",
        "funding_rate",
        "funding_interval_hours",
        "next_funding_time",
        "funding_apr_pct",
        "basis_pct",
        "cost_pct",
        "net_apr_pct",
        "liq_prob",
        "risk_adj_apr_pct",
        "safe_leverage",
        "volume_24h_usd",
    ];
    let mut last = f64::INFINITY;
    for (i, o) in opps.iter().enumerate() {
        for f in fields {
            assert!(o.get(f).is_some(), "field {f} missing: {o}");
        }
        for leg in ["long", "short"] {
            for f in ["venue", "market", "symbol", "price"] {
                assert!(o[leg].get(f).is_some(), "{leg}.{f} missing: {o}");
            }
            assert!(o[leg]["price"].is_number());
        }
        assert!(o["funding_apr_pct"].is_number() && o["liq_prob"].is_number());
        assert_eq!(o["rank"].as_u64(), Some(i as u64 + 1));
        let r = o["risk_adj_apr_pct"].as_f64().expect("number");
        assert!(r <= last, "not sorted at rank {}", i + 1);
        last = r;
    }
    // The filter keeps only rows at or above --min-apr.
    let out = run({
        let mut c = basis(&server, dir.path());
        c.args(["scan", "--format", "json", "--min-apr", "25"]);
        c
    })
    .await;
    let report = json(&out);
    for o in report["opportunities"].as_array().expect("array") {
        assert!(o["risk_adj_apr_pct"].as_f64().expect("n") >= 25.0, "{o}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_and_csv_formats() {
    let (server, _) = server(&implemented(), vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = basis(&server, dir.path());
    cmd.args(["scan", "--min-apr", "-1000", "--top", "12"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("RISK APR") && text.contains("venues:"),
        "{text}"
    );
    for v in implemented() {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(v.id()) && l.contains(" ok ")),
            "{v} status line missing:\n{text}"
        );
    }
    for line in text.lines() {
        assert!(
            line.chars().count() <= 120,
            "line wider than 120 columns: {line}"
        );
    }
    let rows = text
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .count();
    assert_eq!(rows, 12);

    let mut cmd = basis(&server, dir.path());
    cmd.args(["scan", "--min-apr", "-1000", "--format", "csv", "--offline"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let csv = String::from_utf8_lossy(&out.stdout);
    let mut lines = csv.lines();
    let header = lines.next().expect("header");
    assert!(header.starts_with("rank,kind,asset,quote,long_venue"));
    let n = header.split(',').count();
    let body: Vec<_> = lines.collect();
    assert!(body.len() > 50);
    assert!(body.iter().all(|l| l.split(',').count() == n));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_scan_reads_the_store_without_requests() {
    let (server, _) = server(&implemented(), vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let live = json(&run(scan_json(&server, dir.path(), &[])).await);
    let before: u32 = implemented().iter().map(|&v| server.requests(v)).sum();
    let out = run(scan_json(&server, dir.path(), &["--offline"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let after: u32 = implemented().iter().map(|&v| server.requests(v)).sum();
    assert_eq!(before, after, "offline scan sent requests");
    let offline = json(&out);
    assert_eq!(live["opportunities"], offline["opportunities"]);
}

#[test]
fn demo_prints_a_ranked_table_with_venue_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_basis"))
        .env("HOME", dir.path())
        .env("NO_COLOR", "1")
        .env_remove("BASIS_DATA_DIR")
        .args(["scan", "--demo"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DEMO DATA"), "{text}");
    assert!(text.contains(" 1 "), "no ranked row:\n{text}");
    for v in implemented() {
        assert!(text.contains(&format!("{:<11} ok", v.id())), "{v}:\n{text}");
    }
    // The demo never touches the user's data dir.
    assert!(!dir.path().join(".local/share/basis").exists());
}

#[test]
fn usage_errors_exit_64() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_basis"))
        .args(["scan", "--no-such-flag"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(64));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_venue_scans_concurrently_with_all_three_kinds() {
    let venues = implemented();
    let (server, _) = server(&venues, vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--kinds", "carry,cross_carry,perp_spread"],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let report = json(&out);
    for v in &venues {
        let entry = venue(&report, v.id());
        assert_eq!(entry["status"], "ok", "{entry}");
        assert!(entry["perps"].as_u64().expect("n") > 100, "{entry}");
        assert!(server.requests(*v) >= 1);
    }
    let opps = report["opportunities"].as_array().expect("array");
    for kind in ["carry", "cross_carry", "perp_spread"] {
        assert!(opps.iter().any(|o| o["kind"] == kind), "no {kind}");
    }
    // Every venue takes part in some trade.
    for v in &venues {
        assert!(
            opps.iter()
                .any(|o| o["short"]["venue"] == v.id() || o["long"]["venue"] == v.id()),
            "{v} in no opportunity"
        );
    }
    // The table groups the kinds under headings and stays within 120 columns; one table per
    // kind when each is asked for alone.
    for (kind, heading) in [
        ("cross_carry", "cross_carry:"),
        ("perp_spread", "perp_spread:"),
    ] {
        let mut cmd = basis(&server, dir.path());
        cmd.args([
            "scan",
            "--offline",
            "--min-apr",
            "-1000",
            "--top",
            "20",
            "--kinds",
            kind,
        ]);
        let out = run(cmd).await;
        assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.lines().any(|l| l.starts_with(heading)),
            "{heading} missing:\n{text}"
        );
        assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
    }
    let mut cmd = basis(&server, dir.path());
    cmd.args(["scan", "--offline", "--min-apr", "-1000", "--top", "200"]);
    let out = run(cmd).await;
    let text = String::from_utf8_lossy(&out.stdout);
    let shown: Vec<&str> = ["carry:", "cross_carry:", "perp_spread:"]
        .into_iter()
        .filter(|h| text.lines().any(|l| l.starts_with(h)))
        .collect();
    assert!(
        shown.len() >= 2,
        "mixed kinds are grouped under headings:\n{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_venue_is_reported_at_the_deadline_and_does_not_hold_the_others() {
    use basis::demo::server::{Fault, FaultRule};
    let hang = FaultRule {
        prefix: "/okx/".into(),
        fault: Fault::Hang,
        times: None,
    };
    let (server, _) = server(&implemented(), vec![hang]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let started = std::time::Instant::now();
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--deadline", "2s", "--timeout", "30s"],
    ))
    .await;
    assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    let report = json(&out);
    let okx = venue(&report, "okx");
    assert_eq!(okx["status"], "error");
    assert!(
        okx["error"].as_str().expect("text").contains("timed out"),
        "{okx}"
    );
    assert_eq!(venue(&report, "binance")["status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_funding_history_fills_the_record_columns_and_filters() {
    use rust_decimal::Decimal;
    let (server, _) = server(&[Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    // Thirty days of settlements of OKX's BTC perp at 0.02 % per 8 h, as earlier polls would
    // have recorded them.
    {
        let store = basis::store::Store::open(&dir.path().join("data")).expect("open");
        let now = chrono::Utc::now();
        for i in (1..=90).rev() {
            let settles = now - chrono::Duration::hours(8 * i) + chrono::Duration::minutes(1);
            write_okx_btc(&store, settles, |p| {
                p.funding_rate = Decimal::new(2, 4);
                p.next_funding_time = Some(settles);
            });
        }
        store.close().expect("close");
    }
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--venues", "okx", "--kinds", "carry"],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let report = json(&out);
    let opps = report["opportunities"].as_array().expect("array");
    let btc = opps
        .iter()
        .find(|o| o["asset"] == "BTC")
        .expect("BTC carry");
    // 0.0002 three times a day for a year: 21.9 %.
    assert!(
        (btc["apr_7d"].as_f64().expect("apr_7d") - 21.9).abs() < 1e-9,
        "{btc}"
    );
    assert!(
        (btc["apr_30d"].as_f64().expect("apr_30d") - 21.9).abs() < 1e-9,
        "{btc}"
    );
    assert_eq!(btc["pos_30d"].as_f64(), Some(1.0));
    let other = opps
        .iter()
        .find(|o| o["asset"] != "BTC")
        .expect("another row");
    assert!(
        other["apr_7d"].is_null() && other["pos_30d"].is_null(),
        "{other}"
    );

    // The filters keep only rows with enough record.
    let out = run(scan_json(
        &server,
        dir.path(),
        &[
            "--venues",
            "okx",
            "--kinds",
            "carry",
            "--offline",
            "--min-apr-7d",
            "20",
            "--min-pos-share",
            "0.9",
        ],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let report = json(&out);
    let opps = report["opportunities"].as_array().expect("array");
    assert_eq!(opps.len(), 1, "{opps:?}");
    assert_eq!(opps[0]["asset"], "BTC");
    assert_eq!(opps[0]["rank"], 1);

    // The table shows the record columns.
    let mut cmd = basis(&server, dir.path());
    cmd.args([
        "scan",
        "--offline",
        "--venues",
        "okx",
        "--kinds",
        "carry",
        "--min-apr",
        "-1000",
        "--assets",
        "BTC",
    ]);
    let out = run(cmd).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("7D/30D") && text.contains("21.9/21.9%"),
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_command_shows_the_recorded_funding_per_venue() {
    let (server, _) = server(&[Venue::Okx, Venue::Bybit], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = basis(&server, dir.path());
    cmd.args(["history", "BTC"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No recorded settlements"));
    // Record settlements as scans would have: one poll whose periods all settled in the past.
    let past = chrono::Utc::now().timestamp_millis() - 3 * 86_400_000;
    let u: Vec<basis::demo::Universe> = [Venue::Okx, Venue::Bybit]
        .iter()
        .map(|&v| basis::demo::Universe::generate(v, PERPS, SPOTS, past))
        .collect();
    let old = basis::demo::server::Server::start(
        basis::demo::server::mounted(&u),
        vec![],
        std::time::Duration::ZERO,
    )
    .await
    .expect("server");
    let out = run(scan_json(&old, dir.path(), &["--venues", "okx,bybit"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let mut cmd = basis(&server, dir.path());
    cmd.args(["history", "btc", "--days", "7"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("okx") && text.contains("BTC-USDT-SWAP"),
        "{text}"
    );
    assert!(text.contains("bybit") && text.contains("BTCUSDT"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_enough_daily_closes_liq_prob_uses_realised_volatility() {
    use rust_decimal::Decimal;
    let (server, _) = server(&[Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    // Without a record: Parkinson from the 24 h high/low.
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--venues", "okx", "--kinds", "carry", "--assets", "BTC"],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let parkinson = json(&out)["opportunities"][0]["liq_prob"]
        .as_f64()
        .expect("liq_prob");
    // Twenty days of BTC closes alternating 100 and 110, as daily polls would have stored them.
    let closes: Vec<f64> = (0..20)
        .map(|i| if i % 2 == 0 { 100.0 } else { 110.0 })
        .collect();
    {
        let store = basis::store::Store::open(&dir.path().join("data")).expect("open");
        let today = chrono::Utc::now().date_naive();
        for (i, close) in closes.iter().enumerate() {
            let day = today - chrono::Days::new(20 - i as u64);
            let at = day.and_hms_opt(12, 0, 0).expect("noon").and_utc();
            let px = Decimal::try_from(*close).expect("price");
            write_okx_btc(&store, at, |p| {
                p.bid = Some(px);
                p.ask = Some(px);
            });
        }
        store.close().expect("close");
    }
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--venues", "okx", "--kinds", "carry", "--assets", "BTC"],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let got = json(&out)["opportunities"][0]["liq_prob"]
        .as_f64()
        .expect("liq_prob");
    // Independent: sample std (n − 1) of the 19 daily log returns × √365, then DESIGN's short leg
    // with stablecoin collateral at 2x over 7 days.
    let r: Vec<f64> = closes.windows(2).map(|w| (w[1] / w[0]).ln()).collect();
    let mean = r.iter().sum::<f64>() / r.len() as f64;
    let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r.len() as f64 - 1.0);
    let sigma = var.sqrt() * 365f64.sqrt();
    let d = ((1.0_f64 + 0.5) / (1.0 + 0.004)).ln();
    let t = 7.0 / 365.0;
    let z = -d / (sigma * sigma * t).sqrt();
    let want = (2.0 * phi(z)).min(1.0);
    assert!(
        (got - want).abs() < 1e-4,
        "liq_prob {got}, realised-vol expectation {want}"
    );
    assert!(
        (got - parkinson).abs() > 1e-3,
        "still the Parkinson value {parkinson}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_any_24h_range_sigma_a_comes_from_the_perps_own_daily_candle() {
    use basis::demo::server::{Server, history_responders, mounted};
    use basis::venue::Bar;
    use rust_decimal::prelude::ToPrimitive;
    const DAY: i64 = 86_400_000;
    // Hyperliquid alone: no bulk 24 h high/low for its perps, and no other venue to borrow from.
    let u = universes(&[Venue::Hyperliquid]);
    let now = u[0].now_ms;
    let server = Server::start_dynamic(
        mounted(&u),
        history_responders(&u),
        vec![],
        std::time::Duration::ZERO,
    )
    .await
    .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let args = [
        "--venues",
        "hyperliquid",
        "--kinds",
        "carry",
        "--assets",
        "BTC,ETH",
        "--leverage",
        "10",
    ];
    let out = run(scan_json(&server, dir.path(), &args)).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rows = json(&out)["opportunities"]
        .as_array()
        .expect("rows")
        .clone();
    assert!(!rows.is_empty(), "no carry: {}", stderr(&out));
    let mut expected = std::collections::BTreeMap::new();
    for row in &rows {
        let asset = row["asset"].as_str().expect("asset");
        let m = u[0]
            .markets
            .iter()
            .find(|m| m.asset == asset)
            .expect("synthetic market");
        // Its last finished daily candle, as the venue serves it: Parkinson σ_A.
        let day0 = now.div_euclid(DAY) * DAY;
        let last = m
            .candles(Bar::Day, day0 - DAY, now, now)
            .into_iter()
            .find(|c| c.open_ms == day0 - DAY)
            .expect("yesterday's bar");
        let ratio = (last.high / last.low).to_f64().expect("ratio");
        let sigma = ratio.ln() / (4.0 * 2f64.ln()).sqrt() * 365f64.sqrt();
        // USDT collateral at 10x: q = 0.1, m = half of 1 / the perp's margin-table leverage
        // (Hyperliquid's first tier), 7 days.
        let lev = basis::demo::hyperliquid::max_leverage(&u[0], asset).expect("listed");
        let mm = 0.5 / f64::from(lev);
        let d = (1.1f64 / (1.0 + mm)).ln();
        let want = (2.0 * phi(-d / (sigma * sigma * 7.0 / 365.0).sqrt())).min(1.0);
        let got = row["liq_prob"].as_f64().expect("liq_prob");
        assert!(
            (got - want).abs() < 1e-6 + want * 1e-4,
            "{asset}: liq_prob {got}, daily-candle expectation {want}"
        );
        expected.insert(asset.to_owned(), got);
    }
    // Cached for an hour: an offline scan sends nothing and finds the same ranges.
    let before = server.requests(Venue::Hyperliquid);
    let mut offline = args.to_vec();
    offline.push("--offline");
    let out = run(scan_json(&server, dir.path(), &offline)).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(server.requests(Venue::Hyperliquid), before);
    let again: std::collections::BTreeMap<String, f64> = json(&out)["opportunities"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["asset"].as_str().expect("asset").to_owned(),
                r["liq_prob"].as_f64().expect("liq_prob"),
            )
        })
        .collect();
    assert_eq!(again, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_venues_collateral_table_sets_k_unless_the_config_does() {
    let (server, u) = server(&[Venue::Bybit], vec![]).await;
    let bybit = &u[0];
    // A volatile collateral with a spot pair whose published ratio is not the default 0.9.
    let coin = bybit
        .markets
        .iter()
        .find(|m| {
            m.has_spot
                && m.quote == "USDT"
                && !["BTC", "ETH"].contains(&m.asset.as_str())
                && basis::demo::collateral_haircut(&m.asset) < rust_decimal::Decimal::new(85, 2)
        })
        .expect("a coin with a low published ratio");
    let k = basis::demo::collateral_haircut(&coin.asset);
    let btc = bybit
        .markets
        .iter()
        .find(|m| m.asset == "BTC")
        .expect("BTC");
    let liq = |dir: &std::path::Path, config: Option<&str>| {
        let mut cmd = scan_json(
            &server,
            dir,
            &[
                "--venues",
                "bybit",
                "--kinds",
                "carry",
                "--assets",
                "BTC",
                "--collateral",
                &coin.asset,
                "--leverage",
                "10",
            ],
        );
        if let Some(body) = config {
            let path = dir.join("basis.toml");
            std::fs::write(&path, body).expect("config");
            cmd.arg("--config").arg(path);
        }
        cmd
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let value = |out: &std::process::Output| {
        assert_eq!(code(out), 0, "{}", stderr(out));
        json(out)["opportunities"][0]["liq_prob"]
            .as_f64()
            .expect("liq_prob")
    };
    let from_table = value(&run(liq(dir.path(), None)).await);
    // Independent: Parkinson σ_A (BTC perp) and σ_C (the coin's spot) from their 24 h ranges,
    // ρ = 0.8, q = k / 10, m = 0.004, 7 days.
    use rust_decimal::prelude::ToPrimitive;
    let parkinson = |m: &basis::demo::SynthMarket| {
        (m.high / m.low).to_f64().expect("ratio").ln() / (4.0 * 2f64.ln()).sqrt() * 365f64.sqrt()
    };
    let (sa, sc) = (parkinson(btc), parkinson(coin));
    let expect = |k: f64| {
        let q = k / 10.0;
        let d = ((1.0 + q) / 1.004_f64).ln();
        let w = q / (1.0 + q);
        let v = sa * sa + w * w * sc * sc - 2.0 * w * 0.8 * sa * sc;
        (2.0 * phi(-d / (v * 7.0 / 365.0).sqrt())).min(1.0)
    };
    let want = expect(k.to_f64().expect("k"));
    assert!(
        (from_table - want).abs() < 1e-5 + want * 1e-3,
        "{}: k {k} from Bybit's table: liq_prob {from_table}, expected {want}",
        coin.asset
    );
    assert!(
        (expect(0.9) - want).abs() > 1e-4,
        "k too close to the default to tell"
    );
    // The config wins over the table.
    let dir = tempfile::tempdir().expect("tempdir");
    let configured = value(
        &run(liq(
            dir.path(),
            Some(&format!("[collateral.{}]\nhaircut = 0.9\n", coin.asset)),
        ))
        .await,
    );
    assert!(
        (configured - expect(0.9)).abs() < 1e-5 + configured * 1e-3,
        "configured k 0.9: liq_prob {configured}, expected {}",
        expect(0.9)
    );
}
