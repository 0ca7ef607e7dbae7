//! Store recovery after a crash: a store left open by a killed run, damaged or not, through every
//! command that opens it (exit 74 within 10 s, the pre-recovery copy byte-identical).

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use basis::demo::server::Server;
use basis::model::Venue;
use basis::venue::implemented;

use super::common::*;

/// The bound on any command against a damaged store (a bound on a hang: the runs take
/// tens of milliseconds).
const BOUND: Duration = Duration::from_secs(10);

/// Asserts two file sets are byte-identical, naming the files that differ (not their bytes).
fn assert_same(got: &BTreeMap<PathBuf, Vec<u8>>, want: &BTreeMap<PathBuf, Vec<u8>>, what: &str) {
    let mut diff = Vec::new();
    for (p, w) in want {
        match got.get(p) {
            None => diff.push(format!("{} missing", p.display())),
            Some(g) if g != w => diff.push(format!(
                "{} differs ({} bytes, {} expected)",
                p.display(),
                g.len(),
                w.len()
            )),
            Some(_) => {}
        }
    }
    for p in got.keys().filter(|p| !want.contains_key(*p)) {
        diff.push(format!("{} added", p.display()));
    }
    assert!(diff.is_empty(), "{what}: {diff:?}");
}

/// XORs one byte of `path` at `offset` (one flipped bit).
fn flip(path: &Path, offset: usize) {
    let mut bytes = std::fs::read(path).expect("read");
    bytes[offset] ^= 0x10;
    std::fs::write(path, bytes).expect("damage");
}

async fn clean_scan(server: &Server, dir: &Path, venues: &str) -> serde_json::Value {
    let out = run(scan_json(server, dir, &["--venues", venues])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    json(&out)
}

/// `last_ok` of okx in `basis venues --format json`.
async fn okx_last_ok(server: &Server, dir: &Path) -> chrono::DateTime<chrono::Utc> {
    let mut cmd = basis(server, dir);
    cmd.args(["venues", "--format", "json"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let v = json(&out);
    let okx = v
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["venue"] == "okx")
        .expect("okx");
    okx["last_ok"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no last_ok in {okx}"))
}

/// `last_ok` of okx in the store in `dir`, read from a copy so that the store itself is not
/// opened (each open has sled take a snapshot, which would change what a crash leaves).
async fn okx_last_ok_of_copy(server: &Server, dir: &Path) -> chrono::DateTime<chrono::Utc> {
    let copy = tempfile::tempdir().expect("tempdir");
    for (p, bytes) in files(&dir.join("data")) {
        let to = copy.path().join("data").join(p);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::write(to, bytes).expect("copy");
    }
    okx_last_ok(server, copy.path()).await
}

/// Starts `basis watch --every 1s` on okx with info logs, waits until its first scan finished
/// (the poll has flushed its snapshot to the store by then) and kills it with SIGKILL: the run
/// wrote to the store and the seal stays open, as after a crash.
async fn crash_a_watch(server: &Server, dir: &Path) {
    let mut cmd = basis(server, dir);
    cmd.args([
        "-v",
        "watch",
        "--every",
        "1s",
        "--venues",
        "okx",
        "--min-apr",
        "-1000",
        "--format",
        "json",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("watch starts");
    let log = child.stderr.take().expect("stderr");
    let finished = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        for line in BufReader::new(log).lines() {
            let line = line.expect("stderr line");
            let done = line.contains("scan finished");
            seen.push(line);
            if done {
                return Ok(());
            }
        }
        Err(seen)
    });
    let finished = tokio::time::timeout(Duration::from_secs(120), finished).await;
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).expect("SIGKILL");
    let status = tokio::task::spawn_blocking(move || child.wait().expect("wait"))
        .await
        .expect("join");
    let finished = finished.expect("the watch finished a scan within 120 s");
    if let Err(log) = finished.expect("join") {
        panic!("the watch ended before a scan finished: {log:?}");
    }
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "{status:?}"
    );
    let seal = std::fs::read_to_string(dir.join("data/seal.json")).expect("seal");
    assert!(
        seal.contains("\"clean\":false"),
        "seal not left open: {seal}"
    );
}

/// Runs `cmd` (output to files, so no pipe can stall it) and waits at most `limit`; a run still
/// going then is killed, and `None` says so.
async fn run_within(mut cmd: Command, limit: Duration) -> Option<Output> {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out_path = out_dir.path().join("stdout");
    let err_path = out_dir.path().join("stderr");
    cmd.stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"));
    let status = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().expect("binary runs");
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return Some(status);
            }
            if started.elapsed() >= limit {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    })
    .await
    .expect("join")?;
    Some(Output {
        status,
        stdout: std::fs::read(&out_path).expect("stdout"),
        stderr: std::fs::read(&err_path).expect("stderr"),
    })
}

/// Every command that opens the store, by name.
fn every_command(server: &Server, dir: &Path) -> Vec<(&'static str, Command)> {
    let with = |args: &[&str]| {
        let mut cmd = basis(server, dir);
        cmd.args(args);
        cmd
    };
    vec![
        (
            "scan --offline",
            with(&["scan", "--offline", "--venues", "okx", "--format", "json"]),
        ),
        (
            "scan",
            with(&["scan", "--venues", "okx", "--format", "json"]),
        ),
        ("poll", with(&["poll", "--venues", "okx"])),
        ("venues", with(&["venues"])),
        ("db stats", with(&["db", "stats"])),
        ("db prune", with(&["db", "prune", "--older-than", "30d"])),
        ("history", with(&["history", "BTC", "--venues", "okx"])),
        (
            "backfill",
            with(&["backfill", "--days", "1", "--venues", "okx"]),
        ),
        (
            "watch",
            with(&["watch", "--every", "1s", "--venues", "okx"]),
        ),
    ]
}

/// Every command refuses the store with `reason` and copies it to `recovery/db` first; neither
/// the store nor the copy differs from the files before.
async fn refused_and_copied_untouched(server: &Server, dir: &Path, reason: &str) {
    let data = dir.join("data");
    let before = files(&data.join("db"));
    let copy = data.join("recovery/db");
    let after = refused_by_every_command(server, dir, reason, Some(&copy)).await;
    assert_same(&files(&copy), &before, "recovery/db");
    assert_same(&after, &before, "the store");
}

/// Runs every command against the store in `dir`: each exits 74 within [`BOUND`], its message
/// names `reason` and `copy` (when given), no venue is polled, and the store's files after the
/// first run are not modified by the later ones. Returns the files after the first run.
async fn refused_by_every_command(
    server: &Server,
    dir: &Path,
    reason: &str,
    copy: Option<&Path>,
) -> BTreeMap<PathBuf, Vec<u8>> {
    let db = dir.join("data/db");
    let requests = server.requests(Venue::Okx);
    let mut after_first = None;
    for (name, cmd) in every_command(server, dir) {
        let out = run_within(cmd, BOUND)
            .await
            .unwrap_or_else(|| panic!("`basis {name}` did not exit within {BOUND:?}"));
        let err = stderr(&out);
        assert_eq!(code(&out), 74, "`basis {name}`: {err}");
        assert!(
            err.contains(reason),
            "`basis {name}` does not say {reason:?}: {err}"
        );
        if let Some(copy) = copy {
            assert!(
                err.contains(&copy.display().to_string()),
                "`basis {name}` does not name the copy {}: {err}",
                copy.display()
            );
        }
        let now = files(&db);
        match &after_first {
            None => after_first = Some(now),
            Some(first) => assert_same(&now, first, &format!("`basis {name}` modified the store")),
        }
    }
    assert_eq!(
        server.requests(Venue::Okx),
        requests,
        "a command polled a venue on a refused store"
    );
    after_first.expect("commands ran")
}

/// Where the killed run started writing to sled's log: the first byte that differs from the log
/// as the clean runs left it (sled appends, and rewrites segments only once they are free).
fn first_change(before: &[u8], after: &[u8]) -> usize {
    before
        .iter()
        .zip(after)
        .position(|(a, b)| a != b)
        .unwrap_or(before.len().min(after.len()))
}

/// sled's segment size, from its `conf` file.
fn segment_size(db: &Path) -> usize {
    let conf = std::fs::read(db.join("conf")).expect("conf");
    let text = String::from_utf8_lossy(&conf);
    text.lines()
        .find_map(|l| l.strip_prefix("segment_size: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no segment_size in {text:?}"))
}

/// A store written by two clean scans (so sled keeps a snapshot file beside its log), then by a
/// watch killed after its first scan. Returns the log as the clean runs left it.
async fn crashed_store(server: &Server, dir: &Path) -> Vec<u8> {
    clean_scan(server, dir, "okx").await;
    clean_scan(server, dir, "okx").await;
    let log = dir.join("data/db/db");
    let clean = std::fs::read(&log).expect("log");
    crash_a_watch(server, dir).await;
    let crashed = std::fs::read(&log).expect("log");
    assert!(
        first_change(&clean, &crashed) < crashed.len(),
        "the killed run wrote nothing to the log"
    );
    clean
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_without_damage_recovers_with_the_last_completed_poll() {
    let (server, _) = server(&[Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let clean = clean_scan(&server, dir.path(), "okx").await;
    clean_scan(&server, dir.path(), "okx").await;
    // A store opened more than once holds a sled snapshot file, which sled replaces at the
    // next open (the crash check once took the replaced one for a missing file).
    assert!(
        files(&data.join("db"))
            .keys()
            .any(|p| p.to_string_lossy().starts_with("snap.")),
        "no sled snapshot file"
    );
    let clean_ok = okx_last_ok_of_copy(&server, dir.path()).await;
    crash_a_watch(&server, dir.path()).await;
    let before = files(&data.join("db"));
    let seal_before = std::fs::read(data.join("seal.json")).expect("seal");

    let out = run(scan_json(
        &server,
        dir.path(),
        &["--venues", "okx", "--offline"],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let copy = data.join("recovery/db");
    assert!(
        stderr(&out).contains(&copy.display().to_string()),
        "the recovery is not reported with its copy: {}",
        stderr(&out)
    );
    let report = json(&out);
    assert_eq!(venue(&report, "okx")["status"], "ok", "{report}");
    assert_eq!(
        venue(&report, "okx")["perps"],
        venue(&clean, "okx")["perps"],
        "{report}"
    );
    assert!(
        !report["opportunities"]
            .as_array()
            .expect("opportunities")
            .is_empty()
    );
    // The copy holds the files as the crash left them.
    assert_same(&files(&copy), &before, "recovery/db");
    assert_eq!(
        std::fs::read(data.join("recovery/seal.json")).expect("seal copy"),
        seal_before
    );
    // The killed run's completed poll survived: okx was last polled by it, not by the clean run.
    assert!(okx_last_ok(&server, dir.path()).await > clean_ok);
    // Closed cleanly again: the next run opens it without a recovery.
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--venues", "okx", "--offline"],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(!stderr(&out).contains("did not close"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_store_with_a_truncated_log_is_refused_untouched_by_every_command() {
    let (server, _) = server(&[Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let clean = crashed_store(&server, dir.path()).await;
    // Shorter than when the killed run opened it (sled alone panics on such a log, or quietly
    // drops what is missing).
    let log = data.join("db/db");
    let bytes = std::fs::read(&log).expect("read");
    std::fs::write(&log, &bytes[..clean.len() / 2]).expect("truncate");
    // Refused before sled opened it: not a byte changed.
    refused_and_copied_untouched(&server, dir.path(), "is truncated").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_store_with_a_flipped_bit_in_a_blob_is_refused_untouched_by_every_command() {
    let (server, _) = server(&[Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    clean_scan(&server, dir.path(), "okx").await;
    // This version keeps no value near sled's blob threshold (about 128 KiB), so a blob comes
    // from the library: a 200 KiB record, closed cleanly.
    let store = basis::store::Store::open(&data).expect("open");
    store
        .set_disabled_sink(
            "big",
            Some(&basis::store::DisabledSink {
                fingerprint: "f".into(),
                since_ms: 1,
                reason: "x".repeat(200 * 1024),
            }),
        )
        .expect("write");
    store.close().expect("close");
    let blobs: Vec<PathBuf> = files(&data.join("db"))
        .into_keys()
        .filter(|p| p.starts_with("blobs"))
        .collect();
    assert_eq!(blobs.len(), 1, "{blobs:?}");
    crash_a_watch(&server, dir.path()).await;
    let blob = data.join("db").join(&blobs[0]);
    let len = std::fs::metadata(&blob)
        .unwrap_or_else(|e| panic!("the killed run released {}: {e}", blob.display()))
        .len() as usize;
    flip(&blob, len / 2);
    refused_and_copied_untouched(&server, dir.path(), "sled never rewrites a blob").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_store_with_a_flipped_bit_in_its_log_is_refused_by_every_command() {
    let (server, _) = server(&[Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let clean = crashed_store(&server, dir.path()).await;
    let log = data.join("db/db");
    let start = first_change(&clean, &std::fs::read(&log).expect("log"));
    // In the last messages the clean runs wrote, which the killed run left as they were, in the
    // segment where the killed run started: sled's recovery reads that segment from its start,
    // stops at the bad message short of the snapshot the killed run took when it opened the
    // store, and fails. (A bit flipped in an older segment is found by the full read when it
    // is in a live record, and is harmless, and not reported, when it is in a dead one.)
    let offset = start - 2000;
    assert_eq!(
        offset / segment_size(&data.join("db")),
        start / segment_size(&data.join("db")),
        "the killed run started {start} bytes in, too close to a segment start"
    );
    flip(&log, offset);
    let before = files(&data.join("db"));
    let copy = data.join("recovery/db");
    refused_by_every_command(&server, dir.path(), "corrupt", Some(&copy)).await;
    // sled's failed recovery rewrote the log (it zeroes what follows the bad message); the copy
    // is the files as they were before it.
    assert_same(&files(&copy), &before, "recovery/db");
}

/// A flipped bit in what the crashed run itself wrote cannot be told from a write the crash tore:
/// sled's recovery ends the log at the bad message, so the killed run's writes from there on
/// (here its whole completed poll) are dropped without an error. What this pins is what the
/// user is left with: the files as the crash left them, in `recovery/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flipped_bit_in_what_the_crashed_run_wrote_ends_the_log_there_and_the_copy_keeps_it() {
    let (server, _) = server(&[Venue::Okx], vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    clean_scan(&server, dir.path(), "okx").await;
    clean_scan(&server, dir.path(), "okx").await;
    let clean_ok = okx_last_ok_of_copy(&server, dir.path()).await;
    let log = data.join("db/db");
    let clean = std::fs::read(&log).expect("log");
    crash_a_watch(&server, dir.path()).await;
    // In the first message the killed run wrote: its poll.
    flip(
        &log,
        first_change(&clean, &std::fs::read(&log).expect("log")) + 1000,
    );
    let before = files(&data.join("db"));
    let out = run(scan_json(
        &server,
        dir.path(),
        &["--venues", "okx", "--offline"],
    ))
    .await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_same(&files(&data.join("recovery/db")), &before, "recovery/db");
    // The killed run's poll is gone: okx was last polled by the second clean run.
    assert_eq!(okx_last_ok(&server, dir.path()).await, clean_ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cleanly_closed_store_damaged_at_either_end_is_refused_untouched_by_every_command() {
    let (server, _) = server(&implemented(), vec![]).await;
    let all: Vec<&str> = implemented().iter().map(|v| v.id()).collect();
    for end in ["start", "end"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        clean_scan(&server, dir.path(), &all.join(",")).await;
        let log = data.join("db/db");
        let len = std::fs::metadata(&log).expect("log").len();
        // Large enough that the seal sums its two ends only.
        assert!(
            len > basis::store::seal::WHOLE_FILE_BYTES,
            "the log is {len} bytes"
        );
        let offset = if end == "start" { 100 } else { len - 100 };
        flip(&log, usize::try_from(offset).expect("offset"));
        let before = files(&data.join("db"));
        let seal = std::fs::read(data.join("seal.json")).expect("seal");
        let after = refused_by_every_command(
            &server,
            dir.path(),
            "db changed since basis last closed the store",
            None,
        )
        .await;
        assert_same(&after, &before, &format!("the store damaged at its {end}"));
        assert_eq!(std::fs::read(data.join("seal.json")).expect("seal"), seal);
        assert!(
            !data.join("recovery").exists(),
            "a clean store was copied as if it had crashed"
        );
    }
}
