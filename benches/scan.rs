//! Scan benchmark: a synthetic 3-venue market on loopback, figures for one `basis scan`.
//!
//! Run with `cargo bench --bench scan` (add `-- --perps 1500 --spots 1200 --runs 5` to change
//! the size). For each run it reports HTTP requests per venue, wall time, CPU time (user + sys)
//! and peak RSS of the `basis` process, first with an empty store (instrument lists fetched)
//! and then with instruments cached, which is the steady state of a cron job.

use std::process::Command;
use std::time::{Duration, Instant};

use basis::demo::Universe;
use basis::demo::server::{Server, mounted};
use basis::model::Venue;
use basis::venue::implemented;
use nix::sys::resource::{UsageWho, getrusage};

struct Figures {
    wall: Duration,
    cpu: Duration,
    max_rss_kib: i64,
    requests: Vec<u32>,
    code: i32,
}

/// Runs the binary once, as the only child of a fresh copy of this bench process, so that
/// `RUSAGE_CHILDREN` describes exactly that one run.
fn child_mode(args: &[String]) -> ! {
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_basis"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("basis runs");
    let wall = started.elapsed();
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    let tv =
        |t: nix::sys::time::TimeVal| Duration::new(t.tv_sec() as u64, t.tv_usec() as u32 * 1000);
    let cpu = tv(usage.user_time()) + tv(usage.system_time());
    println!(
        "{} {} {} {}",
        wall.as_micros(),
        cpu.as_micros(),
        usage.max_rss(),
        status.code().unwrap_or(-1)
    );
    std::process::exit(0);
}

fn measure(server: &Server, data: &std::path::Path) -> Figures {
    let before: Vec<u32> = implemented().iter().map(|&v| server.requests(v)).collect();
    let mut cmd = Command::new(std::env::current_exe().expect("self"));
    cmd.arg("--child")
        .args([
            "scan",
            "--format",
            "json",
            "--min-apr",
            "-1000",
            "--data-dir",
        ])
        .arg(data)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "error");
    for (k, v) in server.env_vars(&implemented()) {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let nums: Vec<i64> = text
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!(
        nums.len(),
        4,
        "child output: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = Venue::ALL
        .iter()
        .zip(before)
        .map(|(&v, b)| server.requests(v) - b)
        .collect();
    Figures {
        wall: Duration::from_micros(nums[0] as u64),
        cpu: Duration::from_micros(nums[1] as u64),
        max_rss_kib: nums[2],
        requests,
        code: nums[3] as i32,
    }
}

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn print(label: &str, f: &Figures) {
    let reqs: Vec<String> = Venue::ALL
        .iter()
        .zip(&f.requests)
        .map(|(v, n)| format!("{}={n}", v.id()))
        .collect();
    println!(
        "{label:<18} exit {}  requests {:<28} wall {:>7.1} ms  cpu {:>7.1} ms  peak rss {:>6.1} MB",
        f.code,
        reqs.join(" "),
        f.wall.as_secs_f64() * 1e3,
        f.cpu.as_secs_f64() * 1e3,
        f.max_rss_kib as f64 / 1024.0
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        child_mode(&args[1..]);
    }
    let perps = arg(&args, "--perps", 1_200);
    let spots = arg(&args, "--spots", 1_100);
    let runs = arg(&args, "--runs", 5);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let now = chrono::Utc::now().timestamp_millis();
    let universes: Vec<Universe> = Venue::ALL
        .iter()
        .map(|&v| Universe::generate(v, perps, spots, now))
        .collect();
    let server = rt
        .block_on(Server::start(mounted(&universes), vec![], Duration::ZERO))
        .expect("server");
    let data = tempfile::tempdir().expect("tempdir");
    println!(
        "basis scan benchmark: 3 venues x ({perps} perps + {spots} spot markets) on 127.0.0.1, {runs} cached runs"
    );
    let cold = rt.block_on(async { tokio::task::block_in_place(|| measure(&server, data.path())) });
    print("cold (no cache)", &cold);
    let mut cached: Vec<Figures> = (0..runs)
        .map(|_| {
            rt.block_on(async { tokio::task::block_in_place(|| measure(&server, data.path())) })
        })
        .collect();
    for (i, f) in cached.iter().enumerate() {
        print(&format!("cached run {}", i + 1), f);
    }
    cached.sort_by_key(|f| f.cpu);
    let median = &cached[cached.len() / 2];
    print("cached (median)", median);
}
