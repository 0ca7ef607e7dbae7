//! History benchmark: ingest funding records into the store, then compute every perp's
//! statistics.
//!
//! `cargo bench --bench history` ingests 11 venues × 273 perps × 1,000 settlements (about 3
//! million records) into a fresh store, one batch per perp as `basis backfill` writes them, then
//! reads every perp back and computes its 1/7/30-day statistics. It prints records/s ingested,
//! the seconds of the statistics pass, the peak RSS and the store size on disk. Options:
//! `--perps N` (per venue), `--settlements N` (per perp).
//!
//! `--export FORMAT` (parquet, csv or ndjson) then runs the release binary's
//! `basis export funding --format FORMAT --partition` on that store and prints its rows/s, the
//! size of the files on disk and the child's peak RSS; `--export-out DIR` keeps the files there
//! (for a DuckDB query; default: a temporary directory). `--store DIR` writes the store there
//! instead of a temporary directory and keeps it.

use std::time::Instant;

use basis::analyze::stats::windows;
use basis::model::FundingSample;
use basis::model::Venue;
use basis::store::{FundingEvent, Store};
use chrono::{DateTime, Utc};
use nix::sys::resource::{UsageWho, getrusage};
use rust_decimal::Decimal;

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn max_rss_mb() -> f64 {
    getrusage(UsageWho::RUSAGE_SELF).map_or(0.0, |u| u.max_rss() as f64 / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let perps = arg(&args, "--perps", 273);
    let settlements = arg(&args, "--settlements", 1_000);
    let dir = tempfile::tempdir().expect("tempdir");
    // `--store DIR` keeps the store there (a fresh directory), for runs of the binary on it.
    let data = text_arg(&args, "--store").map_or_else(|| dir.path().to_owned(), Into::into);
    let store = Store::open(&data).expect("open");
    let now_ms = Utc::now().timestamp_millis() / 3_600_000 * 3_600_000;
    let venues = Venue::ALL;
    println!(
        "basis history benchmark: {} venues x {perps} perps x {settlements} settlements = {} records",
        venues.len(),
        venues.len() * perps * settlements
    );

    // Ingest: one batch per perp, intervals of 1 h, 4 h or 8 h, deterministic rates.
    let started = Instant::now();
    let mut records = 0usize;
    for (vi, &venue) in venues.iter().enumerate() {
        for p in 0..perps {
            let symbol = format!("SYN{p:04}USDT");
            let h: i64 = [8, 8, 4, 1][(p + vi) % 4];
            let events: Vec<(i64, FundingEvent)> = (0..settlements)
                .map(|i| {
                    let t = now_ms - (settlements - i) as i64 * h * 3_600_000;
                    let wiggle = ((i * 7919 + p * 104_729) % 200) as i64 - 60;
                    (
                        t,
                        FundingEvent {
                            r: Decimal::new(100 + wiggle, 6),
                            h: Decimal::from(h),
                            seen: t,
                        },
                    )
                })
                .collect();
            records += events.len();
            store
                .put_funding_events(venue, &symbol, &events)
                .expect("write");
        }
    }
    store.flush().expect("flush");
    let ingest = started.elapsed();

    // Statistics pass: read every perp back and compute its windows.
    let now = DateTime::<Utc>::from_timestamp_millis(now_ms).expect("now");
    let started = Instant::now();
    let mut with_stats = 0usize;
    for &venue in &venues {
        for p in 0..perps {
            let symbol = format!("SYN{p:04}USDT");
            let history: Vec<FundingSample> = store
                .funding_events(venue, &symbol)
                .expect("read")
                .into_iter()
                .filter_map(|(t, e)| e.sample(t))
                .collect();
            if windows(&history, now).d30.apr_pct.is_some() {
                with_stats += 1;
            }
        }
    }
    let stats = started.elapsed();
    let size = store.stats().expect("stats").size_on_disk;
    println!(
        "ingest: {records} records in {:.2} s = {:.0} records/s",
        ingest.as_secs_f64(),
        records as f64 / ingest.as_secs_f64()
    );
    println!(
        "statistics pass: {} perps ({with_stats} with 30 d statistics) in {:.3} s",
        venues.len() * perps,
        stats.as_secs_f64()
    );
    println!(
        "peak RSS {:.1} MB, store on disk {:.1} MB",
        max_rss_mb(),
        size as f64 / 1_048_576.0
    );
    store.close().expect("close");
    if let Some(format) = text_arg(&args, "--export") {
        let out = text_arg(&args, "--export-out")
            .map_or_else(|| dir.path().join("lake"), std::path::PathBuf::from);
        export(&data, &format, &out);
    }
}

fn text_arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// Bytes of every file under `dir`.
fn tree_bytes(dir: &std::path::Path) -> (u64, usize) {
    let mut total = (0, 0);
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => total = (total.0 + m.len(), total.1 + 1),
                Err(_) => {}
            }
        }
    }
    total
}

/// Runs `basis export funding --partition` on the store in `data` (the release binary, as a
/// child, so that its peak RSS is its own).
fn export(data: &std::path::Path, format: &str, out: &std::path::Path) {
    let started = Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_basis"))
        .env("BASIS_DATA_DIR", data)
        .args([
            "export",
            "funding",
            "--partition",
            "--format",
            format,
            "--out",
        ])
        .arg(out)
        .output()
        .expect("basis export runs");
    let elapsed = started.elapsed();
    let summary = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "export failed: {summary}");
    let rows: f64 = summary
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    let child_rss =
        getrusage(UsageWho::RUSAGE_CHILDREN).map_or(0.0, |u| u.max_rss() as f64 / 1024.0);
    let (bytes, files) = tree_bytes(out);
    println!("{}", summary.trim());
    println!(
        "export ({format}, partitioned): {rows:.0} rows in {:.2} s = {:.0} rows/s; {files} files, {:.1} MB on disk ({:.1} bytes/row); peak RSS of the export {child_rss:.1} MB",
        elapsed.as_secs_f64(),
        rows / elapsed.as_secs_f64(),
        bytes as f64 / 1_048_576.0,
        bytes as f64 / rows.max(1.0)
    );
}
