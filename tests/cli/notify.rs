//! Notifications end to end: digests across runs, secrets never leaked, `watch` under SIGTERM.

use std::time::{Duration, Instant};

use basis::demo::Universe;
use basis::demo::server::{Server, mounted};
use basis::model::Venue;
use rust_decimal::Decimal;

use super::common::*;

/// OKX universe whose BTC perp pays `rate` every 8 h.
fn okx_with_btc_rate(rate: &str) -> Vec<Universe> {
    let mut u = universes(&[Venue::Okx]);
    let btc = u[0]
        .markets
        .iter_mut()
        .find(|m| m.asset == "BTC")
        .expect("BTC");
    btc.funding_rate = rate.parse::<Decimal>().expect("rate");
    btc.interval_hours = 8;
    u
}

/// A loopback OKX whose BTC perp pays `rate` every 8 h.
async fn okx_server(rate: &str) -> Server {
    Server::start(mounted(&okx_with_btc_rate(rate)), vec![], Duration::ZERO)
        .await
        .expect("server")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_digest_for_unchanged_data_then_one_resolution() {
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        &format!(
            "[[notify]]\nname = \"desk\"\nkind = \"slack\"\nurl = \"{}\"\nmin_apr = -1000\nkinds = [\"carry\"]\nassets = [\"BTC\"]\nvenues = [\"okx\"]\n",
            receiver.url("/services/T000/B000/desk")
        ),
    );
    let server = okx_server("0.0003").await;
    for run_no in 1..=3 {
        let out = run(notify_scan(&server, dir.path(), &config)).await;
        assert_eq!(code(&out), 0, "run {run_no}: {}", stderr(&out));
        assert_eq!(receiver.received().len(), 1, "after run {run_no}");
    }
    let first = &receiver.received()[0];
    assert!(first.path.starts_with("/services/T000/B000/desk"));
    assert!(first.body.contains("BTC"), "{}", first.body);

    // The opportunity disappears (BTC now pays the other way): one "no longer qualifies".
    let server = okx_server("-0.0002").await;
    for run_no in 4..=5 {
        let out = run(notify_scan(&server, dir.path(), &config)).await;
        assert_eq!(code(&out), 0, "run {run_no}: {}", stderr(&out));
    }
    let got = receiver.received();
    assert_eq!(got.len(), 2, "{got:#?}");
    assert!(
        got[1].body.to_lowercase().contains("no longer qualifies"),
        "{}",
        got[1].body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_cron_run_with_nothing_new_prints_nothing() {
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        &format!(
            "[[notify]]\nname = \"ops\"\nkind = \"discord\"\nurl = \"{}\"\nmin_apr = -1000\nassets = [\"BTC\"]\nkinds = [\"carry\"]\n",
            receiver.url("/api/webhooks/1/abc")
        ),
    );
    let server = okx_server("0.0003").await;
    let mut cmd = notify_scan(&server, dir.path(), &config);
    cmd.arg("-q");
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("BTC"),
        "the new one is listed"
    );
    let mut cmd = notify_scan(&server, dir.path(), &config);
    cmd.arg("-q");
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    assert_eq!(receiver.received().len(), 1);
}

fn dump(dir: &std::path::Path) -> Vec<u8> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.extend(std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canary_secrets_never_leak() {
    const URL_CANARY: &str = "CANARYURL7f3a9";
    const TOKEN_CANARY: &str = "CANARYTOKEN5b2c1";
    // base64 of "CANARYHMACKEY-0123456789abcdef": the key itself is the canary.
    const HMAC_KEY: &str = "CANARYHMACKEY-0123456789abcdef";
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let secret_file = dir.path().join("hook-secret");
    use base64::Engine as _;
    let whsec = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(HMAC_KEY)
    );
    std::fs::write(&secret_file, format!("{whsec}\n")).expect("secret file");
    let config = write_config(
        dir.path(),
        &format!(
            "[[notify]]\nname = \"s\"\nkind = \"slack\"\nurl = \"{}\"\nmin_apr = -1000\n\n\
             [[notify]]\nname = \"t\"\nkind = \"telegram\"\ntoken = \"123456:{TOKEN_CANARY}\"\nchat = \"-100123\"\nmin_apr = -1000\n\n\
             [[notify]]\nname = \"g\"\nkind = \"generic\"\nurl = \"{}\"\nsecret_file = \"{}\"\nmin_apr = -1000\n\n\
             [[notify]]\nname = \"gone\"\nkind = \"discord\"\nurl = \"http://127.0.0.1:9/{URL_CANARY}\"\nmin_apr = -1000\n",
            receiver.url(&format!("/slack/{URL_CANARY}")),
            receiver.url(&format!("/generic/{URL_CANARY}")),
            secret_file.display()
        ),
    );
    let server = okx_server("0.0003").await;
    let mut cmd = notify_scan(&server, dir.path(), &config);
    cmd.env("BASIS_TELEGRAM_URL", receiver.url("/tg"))
        .arg("-vv");
    let out = run(cmd).await;
    // The discord sink points at a closed port: that sink fails, the others deliver.
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let got = receiver.received();
    assert!(
        got.iter().any(|r| r.path.starts_with("/tg/bot123456:")),
        "{got:#?}"
    );
    let generic = got
        .iter()
        .find(|r| r.path.starts_with("/generic/"))
        .expect("generic delivered");
    assert!(
        generic
            .headers
            .iter()
            .any(|(k, v)| k == "webhook-signature" && v.starts_with("v1,"))
    );

    let mut cmd = basis(&server, dir.path());
    cmd.arg("--config").arg(&config).args(["config", "show"]);
    let shown = run(cmd).await;
    assert_eq!(code(&shown), 0, "{}", stderr(&shown));

    for secret in [URL_CANARY, TOKEN_CANARY, HMAC_KEY, whsec.as_str()] {
        for (what, text) in [
            ("stdout", String::from_utf8_lossy(&out.stdout).into_owned()),
            ("stderr -vv", stderr(&out)),
            (
                "config show",
                String::from_utf8_lossy(&shown.stdout).into_owned(),
            ),
            (
                "store",
                String::from_utf8_lossy(&dump(&dir.path().join("data"))).into_owned(),
            ),
        ] {
            assert!(!text.contains(secret), "{secret} leaked in {what}:\n{text}");
        }
    }
    assert!(String::from_utf8_lossy(&shown.stdout).contains("***"));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_stops_on_sigterm_and_the_store_reopens() {
    let (server, _) = server(&[Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = basis(&server, dir.path());
    cmd.args([
        "watch",
        "--every",
        "1s",
        "--venues",
        "okx",
        "--min-apr",
        "-1000",
        "-q",
    ])
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("watch starts");
    // Let it run a few scans.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(server.requests(Venue::Okx) >= 2, "watch did not scan");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM");
    let started = Instant::now();
    let status = tokio::task::spawn_blocking(move || child.wait().expect("wait"))
        .await
        .expect("join");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(status.code(), Some(0));
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--venues", "okx", "--offline"],
    ))
    .await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_webhook_stays_disabled_across_runs_until_fixed() {
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = |path: &str| {
        write_config(
            dir.path(),
            &format!(
                "[[notify]]\nname = \"desk\"\nkind = \"slack\"\nurl = \"{}\"\nmin_apr = -1000\nkinds = [\"carry\"]\nassets = [\"BTC\"]\nvenues = [\"okx\"]\n",
                receiver.url(path)
            ),
        )
    };
    let server = okx_server("0.0003").await;
    // The webhook answers 404: the sink is disabled and the run says so.
    let config = sink("/gone/desk");
    let out = run(notify_scan(&server, dir.path(), &config)).await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(receiver.received().len(), 1);
    // Next cron run: not called again, and the error says what to do.
    let out = run(notify_scan(&server, dir.path(), &config)).await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(receiver.received().len(), 1, "a disabled sink was called");
    let err = stderr(&out);
    assert!(
        err.contains("disabled since") && err.contains("notify test --sink desk"),
        "{err}"
    );
    // The webhook works again: a test that gets through enables it, and the digest follows.
    receiver.set_gone(false);
    let mut test = basis(&server, dir.path());
    test.arg("--config")
        .arg(&config)
        .args(["notify", "test", "--sink", "desk"]);
    let out = run(test).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(receiver.received().len(), 2);
    let out = run(notify_scan(&server, dir.path(), &config)).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(receiver.received().len(), 3, "the digest was not sent");
    assert!(receiver.received()[2].body.contains("BTC"));
    // Disabled again, then fixed by a new URL in the config: tried at once.
    receiver.set_gone(true);
    let config = sink("/gone/other");
    let out = run(notify_scan(&server, dir.path(), &config)).await;
    assert_eq!(code(&out), 0, "nothing new to send: {}", stderr(&out));
    let mut test = basis(&server, dir.path());
    test.arg("--config")
        .arg(&config)
        .args(["notify", "test", "--sink", "desk"]);
    assert_eq!(code(&run(test).await), 1);
    let out = run(notify_scan(&server, dir.path(), &config)).await;
    assert!(stderr(&out).contains("disabled since"), "{}", stderr(&out));
    let config = sink("/services/T000/B000/desk");
    let out = run(notify_scan(&server, dir.path(), &config)).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("disabled"), "{}", stderr(&out));
}
