//! The first hour: funding intervals learned per perp (MEXC, BingX), assumed ones flagged, safe leverage marked, venue text sanitised in logs.

use std::time::Duration;

use basis::demo::Universe;
use basis::demo::server::{Fault, FaultRule, Server, mounted, prefix};
use basis::model::Venue;
use basis::venue::{bingx, mexc};

use super::common::*;

/// Perps per venue in the interval worlds: more than a run can learn under MEXC's 5 calls/s
/// and BingX's one call every 2 s.
const MANY: usize = 160;

/// A MEXC and BingX world that states no funding interval in bulk: MEXC's optional
/// every-contract `funding_rate` answers 404 and BingX's premium index rows carry no
/// `fundingIntervalHours`; only the per-perp requests tell it.
async fn intervalless_world(perps: usize) -> (Server, Vec<Universe>) {
    let now = now_ms();
    let universes: Vec<Universe> = [Venue::Mexc, Venue::Bingx]
        .into_iter()
        .map(|v| Universe::generate(v, perps, SPOTS, now))
        .collect();
    let routes = mounted(&universes)
        .into_iter()
        .filter(|(pre, r)| {
            !(pre == &prefix(Venue::Mexc, mexc::FUTURES) && r.path == mexc::FUNDING_RATE_PATH)
        })
        .map(|(pre, mut r)| {
            if pre == prefix(Venue::Bingx, bingx::HOST) && r.path == bingx::PREMIUM_INDEX_PATH {
                r.body = strip_interval(&r.body);
            }
            (pre, r)
        })
        .collect();
    let server = Server::start(routes, vec![], Duration::ZERO)
        .await
        .expect("server starts");
    (server, universes)
}

/// `body` without any `"fundingIntervalHours":N` member.
fn strip_interval(body: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(body).expect("premium index JSON");
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.remove("fundingIntervalHours");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    let text = v.to_string();
    assert!(!text.contains("fundingIntervalHours"));
    text
}

fn scan_carry(server: &Server, dir: &std::path::Path) -> std::process::Command {
    scan_json(server, dir, &["--venues", "mexc,bingx"])
}

fn assumed_rows(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["opportunities"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|o| o["funding_interval_assumed"] == true)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_scan_ranks_every_mexc_and_bingx_perp_and_flags_the_assumed_intervals() {
    let (server, universes) = intervalless_world(MANY).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_carry(&server, dir.path())).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let first = json(&out);
    let mut assumed_first = Vec::new();
    for u in &universes {
        let v = venue(&first, u.venue.id());
        assert_eq!(v["status"], "ok", "{v}");
        // Every perp is in, known or not.
        assert_eq!(v["perps"].as_u64(), Some(u.perps().count() as u64), "{v}");
        // More perps than a run's budget can learn under the venue's limit: some are assumed.
        let assumed = v["interval_assumed"].as_u64().expect("count");
        assert!(assumed > 0 && assumed < MANY as u64, "{v}");
        assumed_first.push(assumed);
    }
    let rows = assumed_rows(&first);
    assert!(!rows.is_empty());
    for o in &rows {
        assert_eq!(o["funding_interval_hours"], 8, "{o}");
        assert_ne!(o["kind"], "perp_spread", "{o}");
    }
    // Every carry candidate of both venues is ranked (a spot pair and a positive rate).
    let carry = |venue: &str| {
        first["opportunities"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|o| o["kind"] == "carry" && o["short"]["venue"] == venue)
            .count()
    };
    for u in &universes {
        let expected = u
            .markets
            .iter()
            .filter(|m| m.has_perp && m.has_spot && m.funding_rate > rust_decimal::Decimal::ZERO)
            .count();
        assert_eq!(carry(u.venue.id()), expected, "{}", u.venue);
    }

    // The second run starts from what the first learned (kept in the cached reference).
    let out = run(scan_carry(&server, dir.path())).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let second = json(&out);
    for (u, before) in universes.iter().zip(&assumed_first) {
        let v = venue(&second, u.venue.id());
        assert_eq!(v["perps"].as_u64(), Some(u.perps().count() as u64), "{v}");
        let now = v["interval_assumed"].as_u64().expect("count");
        assert!(now < *before, "{}: {now} assumed after {before}", u.venue);
    }

    // The table says so on the venue line and under the rows.
    let mut cmd = basis(&server, dir.path());
    cmd.args([
        "scan",
        "--venues",
        "bingx",
        "--min-apr",
        "-1000",
        "--kinds",
        "carry",
    ]);
    let out = run(cmd).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("perps ranked with an assumed 8h funding interval")
            && text.contains("basis venues --refresh bingx"),
        "{text}"
    );
    assert!(text.contains("h?"), "{text}");
    assert!(
        text.contains("? funding interval not learned yet: 8h assumed"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn venues_refresh_learns_every_interval_now_and_later_scans_assume_none() {
    // Few enough perps for the limits to allow all in a test (MEXC 5/s, BingX one per 2 s).
    let (server, universes) = intervalless_world(12).await;
    let dir = tempfile::tempdir().expect("tempdir");
    for venue in ["mexc", "bingx"] {
        let mut cmd = basis(&server, dir.path());
        cmd.args(["venues", "--refresh", venue]);
        let out = run(cmd).await;
        assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("reference refreshed: 12 perps;") && err.contains("0 still unknown"),
            "{err}"
        );
    }
    let detail_paths = [
        format!(
            "{}{}/",
            prefix(Venue::Mexc, mexc::FUTURES),
            mexc::FUNDING_RATE_PATH
        ),
        format!(
            "{}{}",
            prefix(Venue::Bingx, bingx::HOST),
            bingx::FUNDING_HISTORY_PATH
        ),
    ];
    let asked = || -> usize { detail_paths.iter().map(|p| server.requests_to(p)).sum() };
    let before = asked();
    assert!(before >= 24, "the refresh asked every perp: {before}");
    let out = run(scan_carry(&server, dir.path())).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let report = json(&out);
    for u in &universes {
        let v = venue(&report, u.venue.id());
        assert_eq!(v["interval_assumed"], 0, "{v}");
        assert_eq!(v["perps"].as_u64(), Some(u.perps().count() as u64), "{v}");
    }
    assert!(assumed_rows(&report).is_empty());
    // The scan asked no interval again.
    assert_eq!(asked(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_above_their_safe_leverage_are_marked_and_safe_only_drops_them() {
    let (server, _u) = server(&[Venue::Binance], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--venues", "binance", "--leverage", "20"],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let report = json(&out);
    let rows = report["opportunities"].as_array().expect("rows");
    let over = |o: &serde_json::Value| {
        let safe: f64 = o["safe_leverage"].as_f64().expect("safe");
        safe < 20.0
    };
    let unsafe_rows = rows.iter().filter(|o| over(o)).count();
    assert!(
        unsafe_rows > 0 && unsafe_rows < rows.len(),
        "a mix is needed"
    );
    for o in rows {
        assert_eq!(o["leverage_ok"], !over(o), "{o}");
    }

    let out = run(scan_json(
        &server,
        dir.path(),
        &["--venues", "binance", "--leverage", "20", "--safe-only"],
    ))
    .await;
    let safe = json(&out);
    let kept = safe["opportunities"].as_array().expect("rows");
    assert_eq!(kept.len(), rows.len() - unsafe_rows);
    assert!(kept.iter().all(|o| o["leverage_ok"] == true));
    let ranks: Vec<u64> = kept
        .iter()
        .map(|o| o["rank"].as_u64().expect("rank"))
        .collect();
    assert_eq!(ranks, (1..=kept.len() as u64).collect::<Vec<_>>());

    // CSV carries the column; the table marks the rows and says what the mark means.
    let mut cmd = basis(&server, dir.path());
    cmd.args(["scan", "--venues", "binance", "--format", "csv"])
        .args(["--min-apr", "-1000", "--leverage", "20"]);
    let csv = String::from_utf8(run(cmd).await.stdout).expect("utf8");
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "leverage_ok")
        .expect("column");
    let falses = csv
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(col) == Some("false"))
        .count();
    assert_eq!(falses, unsafe_rows);
    let mut cmd = basis(&server, dir.path());
    cmd.args(["scan", "--venues", "binance", "--min-apr", "-1000"])
        .args(["--leverage", "20", "--top", "500"]);
    let table = String::from_utf8(run(cmd).await.stdout).expect("utf8");
    let marked = table.lines().filter(|l| l.contains("x!")).count();
    assert_eq!(marked, unsafe_rows, "{table}");
    assert!(table.contains("! --leverage is above this row's SAFE leverage"));
}

#[tokio::test(flavor = "multi_thread")]
async fn venue_text_in_stderr_lines_is_sanitised() {
    let hostile = "bad\u{1b}[2J\u{1b}]0;owned\u{7}\r\nWARN fake line \u{202e}desrever";
    let faults = vec![FaultRule {
        prefix: "/okx/".into(),
        fault: Fault::Status {
            status: 400,
            retry_after: None,
            body: hostile.into(),
        },
        times: None,
    }];
    let (server, _u) = server(&[Venue::Okx, Venue::Binance], faults).await;
    let dir = tempfile::tempdir().expect("tempdir");
    // JSON: the venue's error line on stderr; table at -v: the poll's detail line too.
    for args in [["--format", "json"], ["--format", "table"]] {
        let mut cmd = basis(&server, dir.path());
        cmd.args(["scan", "--venues", "okx,binance"]).args(args);
        if args[1] == "table" {
            cmd.arg("-v");
        }
        let out = run(cmd).await;
        assert_eq!(code(&out), 1, "partial: {}", stderr(&out));
        let err = stderr(&out) + &String::from_utf8_lossy(&out.stdout);
        assert!(err.contains("okx"), "{err}");
        assert!(err.contains("\\u{1b}[2J"), "shown escaped: {err}");
        assert!(!err.contains('\u{1b}'), "{err:?}");
        assert!(!err.contains('\u{202e}'), "{err:?}");
        assert!(!err.contains('\r'), "{err:?}");
        assert!(
            !err.lines().any(|l| l.starts_with("WARN fake line")),
            "a venue cannot forge a log line: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_no_venue_answers_gives_one_line_per_venue_and_blames_no_filter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (server, _u) = server(&[], vec![]).await;
    let venues = [Venue::Okx, Venue::Binance, Venue::Bybit];
    for format in ["json", "table"] {
        let mut cmd = basis(&server, dir.path());
        point_at(&mut cmd, &venues, &closed_url());
        cmd.args(["scan", "--venues", "okx,binance,bybit", "--format", format]);
        let out = run(cmd).await;
        assert_eq!(code(&out), 69, "stderr: {}", stderr(&out));
        let err = stderr(&out);
        assert!(!err.contains("retrying"), "retries only at -v: {err}");
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!stdout.contains("No opportunity"), "{stdout}");
        if format == "json" {
            // One error line per venue, then the hint.
            assert_eq!(lines.len(), venues.len() + 1, "{err}");
            for v in venues {
                assert!(lines.iter().any(|l| l.contains(v.id())), "{v}: {err}");
            }
        } else {
            // The venue lines are in the table; stderr has the hint alone.
            assert_eq!(lines.len(), 1, "{err}");
            assert!(lines[0].contains("no venue could be reached"), "{err}");
            assert!(
                stdout.contains("No market data: no venue answered"),
                "{stdout}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_assets_and_collateral_are_errors_naming_the_listed_coins() {
    let (server, _u) = server(&[Venue::Binance], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    for (args, flag) in [
        (
            ["--assets", "NOPE"],
            "--assets NOPE: no venue of this scan lists it; listed coins: ",
        ),
        (
            ["--collateral", "FOO"],
            "--collateral FOO: not a stablecoin",
        ),
    ] {
        let mut cmd = basis(&server, dir.path());
        cmd.args(["scan", "--venues", "binance"]).args(args);
        let out = run(cmd).await;
        assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(flag), "{err}");
        assert!(err.contains("BTC"), "names listed coins: {err}");
    }
    // A listed asset is no error.
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--venues", "binance", "--assets", "BTC"],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filter_that_leaves_nothing_says_which_dropped_how_many_rows() {
    let (server, _u) = server(&[Venue::Binance], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let all = json(&run(scan_json(&server, dir.path(), &["--venues", "binance"])).await);
    let n = all["opportunities"].as_array().expect("rows").len();
    assert!(n > 0);
    let table = |extra: &'static [&'static str]| {
        let mut cmd = basis(&server, dir.path());
        cmd.args(["scan", "--offline", "--venues", "binance"])
            .args(extra);
        cmd
    };
    let out = run(table(&["--min-apr", "100000"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("No opportunity passes the filters."),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("--min-apr 100000"))
        .unwrap_or_else(|| panic!("no --min-apr line:\n{text}"));
    assert!(line.ends_with(&format!(" {n} rows")), "{line} (of {n})");
    // The offline header says how old the stored data is.
    assert!(text.contains("(offline, 0m old)"), "{text}");

    // A history filter without history points at backfill.
    let out = run(table(&["--min-apr", "-1000", "--min-apr-7d", "20"])).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("--min-apr-7d 20"))
        .unwrap_or_else(|| panic!("no --min-apr-7d line:\n{text}"));
    assert!(
        line.contains(&format!(" {n} rows")) && line.contains("`basis backfill`"),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_with_a_data_dir_keeps_its_store_for_history_db_venues_and_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("demo-store");
    let store_arg = store.to_str().expect("utf8 path");
    let cmd = |args: &[&str]| {
        let mut c = basis_demo(dir.path());
        c.args(["--data-dir", store_arg]).args(args);
        c
    };
    let out = run(cmd(&["scan", "--demo", "--format", "json"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(store.is_dir(), "the demo store is kept");

    // The demo server serves history too: backfill fills the kept store.
    let out = run(cmd(&[
        "backfill", "--demo", "--days", "7", "--assets", "BTC",
    ]))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let out = run(cmd(&["history", "BTC"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("binance"));

    let out = run(cmd(&["db", "stats"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("holds DEMO DATA"));

    let out = run(cmd(&["venues"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));

    let out = run(cmd(&[
        "scan",
        "--offline",
        "--format",
        "json",
        "--min-apr",
        "-1000",
    ]))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let report = json(&out);
    assert_eq!(
        report["params"]["demo"], true,
        "offline on demo data says so"
    );
    assert!(!report["opportunities"].as_array().expect("rows").is_empty());

    // A live run never writes into the demo store (refused before any request).
    let out = run(cmd(&["scan"])).await;
    assert_eq!(code(&out), 64, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("holds demo data"), "{}", stderr(&out));

    // And --demo never writes into a live store.
    let (server, _u) = server(&[Venue::Binance], vec![]).await;
    let live = dir.path().join("live");
    let mut c = basis(&server, dir.path());
    c.args([
        "--data-dir",
        live.to_str().expect("utf8"),
        "scan",
        "--venues",
        "binance",
    ]);
    assert_eq!(code(&run(c).await), 0);
    let mut c = basis_demo(dir.path());
    c.args(["--data-dir", live.to_str().expect("utf8"), "scan", "--demo"]);
    let out = run(c).await;
    assert_eq!(code(&out), 64, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("holds live data"), "{}", stderr(&out));
}
