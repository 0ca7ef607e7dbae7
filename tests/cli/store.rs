//! Store contracts: lock held by another process, corrupt store, bad config values.

use std::time::Instant;

use basis::model::Venue;
use basis::venue::implemented;

use super::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_process_on_a_locked_store_exits_75_naming_the_dir() {
    let (server, _) = server(&implemented(), vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    // This test process holds the lock, exactly as a running scan would.
    let _held = basis::store::Store::open(&data).expect("open");
    let started = Instant::now();
    let out = run(scan_json(&server, dir.path(), &[])).await;
    assert!(
        started.elapsed().as_secs_f64() < 2.0,
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(code(&out), 75, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains(&data.display().to_string()),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        implemented()
            .iter()
            .map(|&v| server.requests(v))
            .sum::<u32>(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_store_exits_74_and_is_left_untouched() {
    let (server, _) = server(&[Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &["--venues", "okx"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let db = dir.path().join("data/db");
    // Bit rot in the middle of sled's log, after a clean close.
    let mut bytes = std::fs::read(db.join("db")).expect("read");
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 64] {
        *b ^= 0xa5;
    }
    std::fs::write(db.join("db"), &bytes).expect("damage");
    let before = files(&db);
    let out = run(scan_json(&server, dir.path(), &["--venues", "okx"])).await;
    assert_eq!(code(&out), 74, "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("corrupt") && err.contains("data"), "{err}");
    assert_eq!(before, files(&db), "files were modified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_config_value_exits_78_naming_key_and_file() {
    let (server, _) = server(&[Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("basis.toml");
    std::fs::write(
        &config,
        "[scan]\nmin_apr = 10\n\n[venues.okx]\nperp_taker_fee = 5\n",
    )
    .expect("write");
    let mut cmd = basis(&server, dir.path());
    cmd.arg("--config")
        .arg(&config)
        .args(["scan", "--format", "json"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 78, "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("venues.okx.perp_taker_fee") && err.contains("basis.toml"),
        "{err}"
    );
    assert_eq!(server.requests(Venue::Okx), 0);

    std::fs::write(&config, "[scan]\nleverage = \"high\"\n").expect("write");
    let mut cmd = basis(&server, dir.path());
    cmd.arg("--config").arg(&config).arg("scan");
    let out = run(cmd).await;
    assert_eq!(code(&out), 78, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("leverage") && stderr(&out).contains("basis.toml"),
        "{}",
        stderr(&out)
    );

    let mut cmd = basis(&server, dir.path());
    cmd.env("BASIS_HOLD", "forever").arg("scan");
    let out = run(cmd).await;
    assert_eq!(code(&out), 78, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("BASIS_HOLD"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn venues_command_shows_hosts_last_poll_and_bans() {
    let (server, _) = server(&[Venue::Okx, Venue::Bybit], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &["--venues", "okx,bybit"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let mut cmd = basis(&server, dir.path());
    cmd.args(["venues", "--format", "json"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let okx = v
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["venue"] == "okx")
        .expect("okx");
    assert!(okx["last_ok"].is_string());
    assert!(
        okx["hosts"][0]["url"]
            .as_str()
            .expect("url")
            .starts_with("http://127.0.0.1")
    );
    assert!(okx["last_requests"].as_u64().expect("n") >= 1);
    let binance = v
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["venue"] == "binance")
        .expect("binance");
    assert!(binance["last_ok"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_stats_and_prune() {
    let (server, _) = server(&[Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &["--venues", "okx"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let mut cmd = basis(&server, dir.path());
    cmd.args(["db", "stats"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("quotes:") && text.contains("funding:") && text.contains("okx"),
        "{text}"
    );
    assert!(text.contains("size on disk"), "{text}");
    let mut cmd = basis(&server, dir.path());
    cmd.args(["db", "prune", "--older-than", "1s"]);
    // Everything written is at most seconds old; wait so it is older than 1 s.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("removed "));
    // The store is consistent: an offline scan still finds the latest snapshot.
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--venues", "okx", "--offline"],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let mut cmd = basis(&server, dir.path());
    cmd.args(["db", "prune", "--older-than", "soon"]);
    // A bad flag value is a usage error (64), refused before the store is opened.
    assert_eq!(code(&run(cmd).await), 64);
}
