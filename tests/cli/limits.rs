//! Bounds against any server: capped response bodies (endless, huge), bounded bans, `--clear-ban`,
//! 403s that are not bans, and rate-limit back-offs remembered across runs.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use basis::demo::server::{Fault, FaultRule};
use basis::model::Venue;
use basis::venue::implemented;
use chrono::{DateTime, Utc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::common::*;

/// What the hostile server answers to every request.
#[derive(Clone, Copy, Debug)]
enum Hostile {
    /// 200, `Transfer-Encoding: chunked`, chunks forever.
    Endless,
    /// 200 with `Content-Length: 512 MiB`, and those bytes.
    Huge,
}

/// A raw HTTP/1.1 server on 127.0.0.1 that answers every request the `Hostile` way, writing
/// until the client hangs up (at most 1 GiB per answer). Returns its address and the request
/// lines it received.
async fn hostile(kind: Hostile) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                log.lock().expect("log").push(line);
                let (header, chunked) = match kind {
                    Hostile::Endless => (
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_owned(),
                        true,
                    ),
                    Hostile::Huge => (
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                            512u64 << 20
                        ),
                        false,
                    ),
                };
                if sock.write_all(header.as_bytes()).await.is_err() {
                    return;
                }
                let piece =
                    b"{\"instId\":\"BTC-USDT-SWAP\",\"x\":\"0000000000000000\"},".repeat(1300);
                let mut framed = format!("{:x}\r\n", piece.len()).into_bytes();
                framed.extend_from_slice(&piece);
                framed.extend_from_slice(b"\r\n");
                let out: &[u8] = if chunked { &framed } else { &piece };
                let mut sent = 0usize;
                while sent < (1 << 30) {
                    if sock.write_all(out).await.is_err() {
                        return;
                    }
                    sent += out.len();
                }
            });
        }
    });
    (addr, seen)
}

/// Environment variable carrying the command [`rss_helper`] runs (JSON), and where it puts the
/// command's stdout, stderr and peak RSS.
const RSS_SPEC: &str = "LIMITS_RSS_SPEC";

/// Runs `cmd` from a fresh process of this test binary that runs nothing else, so that its
/// `RUSAGE_CHILDREN` peak is `cmd`'s own (in this process it would be the largest of every
/// test's children so far under `cargo test`). Returns the output and the peak RSS in bytes.
async fn run_measured(cmd: std::process::Command) -> (std::process::Output, u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = serde_json::json!({
        "program": cmd.get_program().to_string_lossy(),
        "args": cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect::<Vec<_>>(),
        "envs": cmd
            .get_envs()
            .map(|(k, v)| (k.to_string_lossy().into_owned(), v.map(|v| v.to_string_lossy().into_owned())))
            .collect::<Vec<_>>(),
        "out": dir.path(),
    });
    let mut helper = std::process::Command::new(std::env::current_exe().expect("test binary"));
    helper
        .args([
            "--exact",
            "cli::limits::rss_helper",
            "--ignored",
            "--nocapture",
        ])
        .env(RSS_SPEC, spec.to_string());
    let ran = run(helper).await;
    assert!(ran.status.success(), "helper: {}", stderr(&ran));
    let read = |name: &str| std::fs::read(dir.path().join(name)).expect("helper output");
    let rss: u64 = String::from_utf8(read("rss"))
        .expect("utf8")
        .parse()
        .expect("number");
    let code: i32 = String::from_utf8(read("code"))
        .expect("utf8")
        .parse()
        .expect("number");
    let out = std::process::Output {
        status: std::os::unix::process::ExitStatusExt::from_raw(code << 8),
        stdout: read("stdout"),
        stderr: read("stderr"),
    };
    (out, rss)
}

/// Not a test: the process [`run_measured`] starts. Without its variable it does nothing.
#[test]
#[ignore = "helper process of run_measured, does nothing when run by hand"]
fn rss_helper() {
    let Ok(spec) = std::env::var(RSS_SPEC) else {
        return;
    };
    let spec: serde_json::Value = serde_json::from_str(&spec).expect("spec");
    let text = |v: &serde_json::Value| v.as_str().expect("string").to_owned();
    let mut cmd = std::process::Command::new(text(&spec["program"]));
    cmd.env_remove(RSS_SPEC);
    for a in spec["args"].as_array().expect("args") {
        cmd.arg(text(a));
    }
    for kv in spec["envs"].as_array().expect("envs") {
        match kv[1].as_str() {
            Some(v) => cmd.env(text(&kv[0]), v),
            None => cmd.env_remove(text(&kv[0])),
        };
    }
    let out = cmd.output().expect("binary runs");
    // Linux reports KiB.
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    let rss = u64::try_from(usage.max_rss()).expect("non-negative") * 1024;
    let dir = std::path::PathBuf::from(text(&spec["out"]));
    std::fs::write(dir.join("stdout"), &out.stdout).expect("write");
    std::fs::write(dir.join("stderr"), &out.stderr).expect("write");
    std::fs::write(
        dir.join("code"),
        out.status.code().unwrap_or(-1).to_string(),
    )
    .expect("write");
    std::fs::write(dir.join("rss"), rss.to_string()).expect("write");
}

/// The scan the issue describes: every implemented venue answers normally, except OKX, which is
/// pointed at a hostile server. OKX fails with the cap named, every other venue is ok, exit 1,
/// no OKX request is retried, and the process never held more than 128 MB.
async fn one_venue_sends_too_much(kind: Hostile, expect: &str) {
    let (server, _) = server(&implemented(), vec![]).await;
    let (addr, seen) = hostile(kind).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = scan_json(&server, dir.path(), &[]);
    cmd.env("BASIS_OKX_URL", format!("http://{addr}/okx"));
    let (out, peak) = run_measured(cmd).await;
    println!("{kind:?}: peak RSS of the scan {:.1} MB", peak as f64 / 1e6);

    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    let report = json(&out);
    let okx = venue(&report, "okx");
    assert_eq!(okx["status"], "error", "{okx}");
    let err = okx["error"].as_str().expect("error text");
    for needle in ["okx", "16 MiB cap", "max_body_mb", expect] {
        assert!(err.contains(needle), "`{needle}` missing in: {err}");
    }
    for v in implemented().into_iter().filter(|v| *v != Venue::Okx) {
        assert_eq!(venue(&report, v.id())["status"], "ok", "{v}");
    }
    let lines = seen.lock().expect("log").clone();
    assert!(!lines.is_empty(), "the hostile server was not called");
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for l in &lines {
        *counts.entry(l.as_str()).or_default() += 1;
    }
    assert!(
        counts.values().all(|n| *n == 1),
        "a body over the cap was retried: {lines:?}"
    );
    assert!(
        peak < 128_000_000,
        "peak RSS {} MB (limit 128 MB)",
        peak / 1_000_000
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_chunked_body_fails_that_venue_and_memory_stays_under_128_mb() {
    one_venue_sends_too_much(Hostile::Endless, "no Content-Length").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_content_length_is_refused_before_reading_and_memory_stays_under_128_mb() {
    one_venue_sends_too_much(Hostile::Huge, "Content-Length: 536870912").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_smaller_max_body_mb_fails_real_sized_bodies_naming_the_key() {
    let (server, _) = server(&[Venue::Okx, Venue::Bybit], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("config/basis")).expect("mkdir");
    std::fs::write(
        dir.path().join("config/basis/config.toml"),
        "[http]\nmax_body_mb = 0\n",
    )
    .expect("config");
    let out = run(scan_json(&server, dir.path(), &["--venues", "okx"])).await;
    assert_eq!(code(&out), 78, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("max_body_mb"), "{}", stderr(&out));

    // 1 MiB: the synthetic OKX instrument lists fit; the endless server's bodies do not.
    std::fs::write(
        dir.path().join("config/basis/config.toml"),
        "[http]\nmax_body_mb = 1\n",
    )
    .expect("config");
    let (addr, _) = hostile(Hostile::Endless).await;
    let mut cmd = scan_json(&server, dir.path(), &["--venues", "okx,bybit"]);
    cmd.env("BASIS_OKX_URL", format!("http://{addr}/okx"));
    let out = run(cmd).await;
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    let report = json(&out);
    let err = venue(&report, "okx")["error"].as_str().expect("error");
    assert!(err.contains("1 MiB cap"), "{err}");
}

async fn venues_json(
    server: &basis::demo::server::Server,
    dir: &std::path::Path,
) -> serde_json::Value {
    let mut cmd = basis(server, dir);
    cmd.args(["venues", "--format", "json"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn venue_info<'a>(list: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    list.as_array()
        .expect("array")
        .iter()
        .find(|e| e["venue"] == id)
        .unwrap_or_else(|| panic!("{id} missing in {list}"))
}

fn time(v: &serde_json::Value) -> DateTime<Utc> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .unwrap_or_else(|| panic!("not a time: {v}"))
        .with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_retry_after_bans_for_at_most_three_days_and_clear_ban_lifts_it() {
    let fault = FaultRule {
        prefix: "/binance/".into(),
        fault: Fault::Status {
            status: 418,
            retry_after: Some("999999999".into()),
            body: "{\"code\":-1003,\"msg\":\"Way too many requests; IP banned.\"}".into(),
        },
        times: None,
    };
    let (server, _) = server(&[Venue::Binance, Venue::Okx], vec![fault]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let before = Utc::now();
    let out = run(scan_json(&server, dir.path(), &["--venues", "binance,okx"])).await;
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    assert_eq!(venue(&json(&out), "binance")["status"], "banned");

    let list = venues_json(&server, dir.path()).await;
    let b = venue_info(&list, "binance");
    let until = time(&b["ban"]["until"]);
    let since = time(&b["ban"]["since"]);
    assert!(
        until <= Utc::now() + chrono::Duration::days(3),
        "ban until {until}: past the 3-day maximum"
    );
    assert!(until >= before + chrono::Duration::days(3) - chrono::Duration::minutes(5));
    assert!(since >= before && since <= Utc::now(), "since {since}");
    assert_eq!(b["banned_until"], b["ban"]["until"]);
    assert_eq!(b["ban"]["status"], 418);
    assert_eq!(b["ban"]["kind"], "ban");
    assert!(
        b["ban"]["reason"]
            .as_str()
            .expect("reason")
            .contains("IP banned"),
        "{b}"
    );
    // The text listing says why and since when, and how to lift it.
    let mut cmd = basis(&server, dir.path());
    cmd.arg("venues");
    let text = String::from_utf8_lossy(&run(cmd).await.stdout).into_owned();
    assert!(text.contains("HTTP 418 since"), "{text}");
    assert!(text.contains("--clear-ban binance"), "{text}");

    server.set_faults(vec![]);
    let banned_requests = server.requests(Venue::Binance);
    let mut cmd = basis(&server, dir.path());
    cmd.args(["venues", "--clear-ban", "Binance", "--format", "json"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("lifted"), "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(venue_info(&list, "binance")["ban"].is_null());
    assert!(venue_info(&list, "binance")["banned_until"].is_null());

    let out = run(scan_json(&server, dir.path(), &["--venues", "binance,okx"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(venue(&json(&out), "binance")["status"], "ok");
    assert!(server.requests(Venue::Binance) > banned_requests);

    let mut cmd = basis(&server, dir.path());
    cmd.args(["venues", "--clear-ban", "nowhere"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 64, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("--clear-ban"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_that_is_not_the_venues_own_ban_message_fails_this_run_only() {
    let waf = FaultRule {
        prefix: "/bybit/".into(),
        fault: Fault::Status {
            status: 403,
            retry_after: Some("600".into()),
            body: "<html><head><title>403 Forbidden</title></head><body>Request blocked.</body></html>"
                .into(),
        },
        times: None,
    };
    let (server, _) = server(&[Venue::Bybit, Venue::Okx], vec![waf]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &["--venues", "bybit,okx"])).await;
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    let bybit = venue(&json(&out), "bybit").clone();
    assert_eq!(bybit["status"], "error", "{bybit}");
    assert!(
        bybit["error"].as_str().expect("error").contains("HTTP 403"),
        "{bybit}"
    );
    assert!(venue_info(&venues_json(&server, dir.path()).await, "bybit")["ban"].is_null());

    // The next run calls Bybit again; now it answers with its own ban message: a ban.
    let first = server.requests(Venue::Bybit);
    server.set_faults(vec![FaultRule {
        prefix: "/bybit/".into(),
        fault: Fault::Status {
            status: 403,
            retry_after: None,
            body: "403, access too frequent".into(),
        },
        times: None,
    }]);
    let out = run(scan_json(&server, dir.path(), &["--venues", "bybit,okx"])).await;
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    assert!(
        server.requests(Venue::Bybit) > first,
        "bybit was not asked again"
    );
    assert_eq!(venue(&json(&out), "bybit")["status"], "banned");
    let list = venues_json(&server, dir.path()).await;
    let ban = &venue_info(&list, "bybit")["ban"];
    assert_eq!(ban["status"], 403);
    assert!(
        ban["reason"]
            .as_str()
            .expect("reason")
            .contains("access too frequent"),
        "{ban}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_longer_than_a_run_waits_is_remembered_until_it_ends() {
    let limited = FaultRule {
        prefix: "/okx/".into(),
        fault: Fault::Status {
            status: 429,
            retry_after: Some("15".into()),
            body: "{\"msg\":\"Too Many Requests\",\"code\":\"50011\"}".into(),
        },
        times: None,
    };
    let (server, _) = server(&[Venue::Okx, Venue::Bybit], vec![limited]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &["--venues", "okx,bybit"])).await;
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    let okx = venue(&json(&out), "okx").clone();
    assert_eq!(okx["status"], "banned", "{okx}");
    assert!(
        okx["error"]
            .as_str()
            .expect("error")
            .starts_with("rate limited until"),
        "{okx}"
    );
    server.set_faults(vec![]);
    let after_first = server.requests(Venue::Okx);

    // The next run (a cron job a minute later) leaves OKX alone; it counts as a failed venue.
    let out = run(scan_json(&server, dir.path(), &["--venues", "okx,bybit"])).await;
    let list = venues_json(&server, dir.path()).await;
    let ban = venue_info(&list, "okx")["ban"].clone();
    let until = time(&ban["until"]);
    if Utc::now() < until {
        assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
        let report = json(&out);
        assert_eq!(venue(&report, "okx")["status"], "banned");
        assert_eq!(venue(&report, "okx")["requests"], 0);
        assert_eq!(venue(&report, "bybit")["status"], "ok");
        assert_eq!(server.requests(Venue::Okx), after_first, "OKX was called");
    }
    assert_eq!(ban["kind"], "rate_limit");
    assert_eq!(ban["status"], 429);
    // Only OKX selected and limited: temporary failure, as with a ban.
    if Utc::now() + chrono::Duration::seconds(3) < until {
        let out = run(scan_json(&server, dir.path(), &["--venues", "okx"])).await;
        assert_eq!(code(&out), 75, "stderr: {}", stderr(&out));
    }

    // Once it has ended, OKX is called again.
    let wait = (until - Utc::now() + chrono::Duration::seconds(1))
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(wait).await;
    let out = run(scan_json(&server, dir.path(), &["--venues", "okx,bybit"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(venue(&json(&out), "okx")["status"], "ok");
    assert!(server.requests(Venue::Okx) > after_first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unbounded_ban_recorded_by_an_earlier_version_is_cut_to_three_days() {
    let (server, _) = server(&[Venue::Bybit, Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let until_2058 = DateTime::parse_from_rfc3339("2058-01-01T00:00:00Z")
        .expect("t")
        .with_timezone(&Utc);
    {
        let store = basis::store::Store::open(&dir.path().join("data")).expect("open");
        store
            .set_banned_until(Venue::Bybit, until_2058)
            .expect("old-format ban");
        store.close().expect("close");
    }
    let list = venues_json(&server, dir.path()).await;
    let ban = &venue_info(&list, "bybit")["ban"];
    let until = time(&ban["until"]);
    assert!(until <= Utc::now() + chrono::Duration::days(3), "{ban}");
    assert!(ban["since"].is_null() && ban["status"].is_null(), "{ban}");

    let out = run(scan_json(&server, dir.path(), &["--venues", "bybit,okx"])).await;
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    assert_eq!(venue(&json(&out), "bybit")["status"], "banned");
    assert_eq!(server.requests(Venue::Bybit), 0);
    // Read again: the same (rewritten) end, not three days from each read.
    let again = time(&venue_info(&venues_json(&server, dir.path()).await, "bybit")["ban"]["until"]);
    assert_eq!(again, until);
}
