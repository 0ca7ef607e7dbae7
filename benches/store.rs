//! Store benchmark: the size on disk of one data dir under a cron loop of polls, and compaction.
//!
//! `cargo bench --bench store` serves the twelve venues on loopback (300 perps + 260 spot markets
//! each), runs `basis poll` 300 times into one data dir and prints, every 50 polls, the size on
//! disk, the number of files and the wall time of the last poll; then it runs `basis db stats`
//! and `basis db compact` and prints the size and the record counts before and after. Options:
//! `--polls N`, `--every N`, `--perps N`, `--spots N`, `--keep DIR` (use and keep that data dir).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use basis::demo::Universe;
use basis::demo::server::{Server, mounted};
use basis::venue::implemented;

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Bytes and files under `dir`.
fn disk_usage(dir: &Path) -> (u64, usize) {
    let mut bytes = 0;
    let mut files = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(m) = entry.metadata() {
                bytes += m.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

fn basis(server: &Server, data: &Path, args: &[&str]) -> (Duration, std::process::Output) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_basis"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(data)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "error");
    for (k, v) in server.env_vars(&implemented()) {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let out = cmd.output().expect("basis runs");
    (started.elapsed(), out)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let polls = arg(&args, "--polls", 300).max(1);
    let every = arg(&args, "--every", 50).max(1);
    let perps = arg(&args, "--perps", 300);
    let spots = arg(&args, "--spots", 260);
    let keep: Option<PathBuf> = args
        .iter()
        .position(|a| a == "--keep")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from);
    let venues = implemented();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let now = chrono::Utc::now().timestamp_millis();
    let universes: Vec<Universe> = venues
        .iter()
        .map(|&v| Universe::generate(v, perps, spots, now))
        .collect();
    let server = rt
        .block_on(Server::start(mounted(&universes), vec![], Duration::ZERO))
        .expect("server");
    let temp = tempfile::tempdir().expect("tempdir");
    let data = keep.unwrap_or_else(|| temp.path().join("data"));
    println!(
        "basis store benchmark: {polls} polls of {} venues x ({perps} perps + {spots} spot markets) into {}",
        venues.len(),
        data.display()
    );
    println!(
        "{:>6} {:>12} {:>7} {:>10}",
        "poll", "size MB", "files", "poll ms"
    );
    rt.block_on(async {
        tokio::task::block_in_place(|| {
            let mut sizes = Vec::with_capacity(polls);
            for i in 1..=polls {
                let (took, out) = basis(&server, &data, &["poll"]);
                if !out.status.success() {
                    eprintln!(
                        "poll {i} exited {:?}: {}",
                        out.status.code(),
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                let (bytes, files) = disk_usage(&data);
                sizes.push(bytes);
                if i == 1 || i % every == 0 || i == polls {
                    println!(
                        "{i:>6} {:>12.1} {files:>7} {:>10}",
                        bytes as f64 / 1e6,
                        took.as_millis()
                    );
                }
            }
            // Automatic compaction makes the size a saw-tooth: compare the peaks of the first
            // and last windows of `every` polls, the bound a user provisions disk for.
            let peak = |w: &[u64]| w.iter().copied().max().unwrap_or(0) as f64 / 1e6;
            let first = &sizes[..every.min(sizes.len())];
            let last = &sizes[sizes.len().saturating_sub(every)..];
            println!(
                "peak size: {:.1} MB over polls 1-{}, {:.1} MB over polls {}-{polls} ({:+.0} %)",
                peak(first),
                first.len(),
                peak(last),
                polls - last.len() + 1,
                (peak(last) / peak(first) - 1.0) * 100.0
            );
            let (_, stats) = basis(&server, &data, &["db", "stats"]);
            println!("db stats:\n{}", String::from_utf8_lossy(&stats.stdout));
            let (took, compact) = basis(&server, &data, &["db", "compact"]);
            println!(
                "db compact ({} ms, exit {:?}):\n{}{}",
                took.as_millis(),
                compact.status.code(),
                String::from_utf8_lossy(&compact.stdout),
                String::from_utf8_lossy(&compact.stderr)
            );
            let (bytes, files) = disk_usage(&data);
            println!(
                "after compact: {:.1} MB in {files} files",
                bytes as f64 / 1e6
            );
        });
    });
}
