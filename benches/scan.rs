//! Scan benchmark: a synthetic market on loopback, figures for one `basis scan`.
//!
//! `cargo bench --bench scan` measures the three core venues (1,200 perps + 1,100 spot markets
//! each); `cargo bench --bench scan -- --all --perps 600 --spots 500 --latency-ms 50` all twelve
//! with 50 ms added to every response. For each run it reports HTTP requests per venue, wall
//! time, CPU time (user + sys) and peak RSS of the `basis` process, first with an empty store
//! (instrument lists fetched) and then with instruments cached, the steady state of a cron job.
//! `--history N` stores N settled funding records per perp (as a backfill would) before the
//! cached runs: `--history 833` puts 3 million into the core venues' store; with `--delisted`
//! they go under symbols the scan does not list, so only the store's size differs. `--closes D`
//! adds D daily closes of every perp and spot pair (a nightly `backfill`'s other half).

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
    // `BASIS_BENCH_BIN` runs another build (or a profiler wrapping one) in its place.
    let bin = std::env::var_os("BASIS_BENCH_BIN")
        .unwrap_or_else(|| std::ffi::OsString::from(env!("CARGO_BIN_EXE_basis")));
    let status = Command::new(bin)
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

fn measure(server: &Server, venues: &[Venue], extra: &[String], data: &std::path::Path) -> Figures {
    let before: Vec<u32> = venues.iter().map(|&v| server.requests(v)).collect();
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
        .arg("--venues")
        .arg(venues.iter().map(|v| v.id()).collect::<Vec<_>>().join(","))
        .args(extra)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "error");
    for (k, v) in server.env_vars(&implemented()) {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.stderr.is_empty() {
        eprintln!("basis stderr:\n{}", String::from_utf8_lossy(&out.stderr));
    }
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

fn print(label: &str, venues: &[Venue], f: &Figures) {
    let reqs: Vec<String> = venues
        .iter()
        .zip(&f.requests)
        .map(|(v, n)| format!("{}={n}", v.id()))
        .collect();
    println!(
        "{label:<18} exit {}  requests {}\n{:<18} wall {:>7.1} ms  cpu {:>7.1} ms  peak rss {:>6.1} MB",
        f.code,
        reqs.join(" "),
        "",
        f.wall.as_secs_f64() * 1e3,
        f.cpu.as_secs_f64() * 1e3,
        f.max_rss_kib as f64 / 1024.0
    );
}

/// Stores `per_perp` settled funding records for every perp the cold run saw, as backfills
/// write them (one batch per perp), so that the cached runs scan a store with a deep record.
fn ingest_history(
    data: &std::path::Path,
    venues: &[Venue],
    per_perp: usize,
    closes_days: usize,
    delisted: bool,
) {
    use basis::store::{FundingEvent, Store};
    use rust_decimal::Decimal;
    let started = Instant::now();
    let store = Store::open(data).expect("open the store");
    let now_ms = chrono::Utc::now().timestamp_millis() / 3_600_000 * 3_600_000;
    let mut records = 0usize;
    let mut closes = 0usize;
    for &venue in venues {
        let Some(snapshot) = store.latest_snapshot(venue).expect("read") else {
            continue;
        };
        for (p, perp) in snapshot.perps.iter().enumerate() {
            let h = perp.funding_interval_hours;
            let step = rust_decimal::prelude::ToPrimitive::to_i64(&h)
                .unwrap_or(8)
                .max(1)
                * 3_600_000;
            let events: Vec<(i64, FundingEvent)> = (0..per_perp)
                .map(|i| {
                    let wiggle = ((i * 7919 + p * 104_729) % 200) as i64 - 60;
                    (
                        now_ms - (per_perp - i) as i64 * step,
                        FundingEvent {
                            r: Decimal::new(100 + wiggle, 6),
                            h,
                            seen: now_ms,
                        },
                    )
                })
                .collect();
            records += events.len();
            // `--delisted`: the same record under symbols the scan does not list (markets that
            // were delisted), so the run reads none of it: what the store's size alone costs.
            let symbol = if delisted {
                format!("{}-DELISTED", perp.symbol)
            } else {
                perp.symbol.clone()
            };
            store
                .put_funding_events(venue, &symbol, &events)
                .expect("ingest");
            if closes_days > 0 {
                store
                    .put_price_bars(
                        venue,
                        basis::model::Market::Perp,
                        &symbol,
                        basis::venue::Bar::Day,
                        &daily_bars(closes_days, p, now_ms),
                    )
                    .expect("ingest closes");
            }
        }
        // `--closes D`: D daily closes of every spot pair too (as `backfill` stores them).
        for (p, spot) in snapshot
            .spots
            .iter()
            .enumerate()
            .filter(|_| closes_days > 0)
        {
            store
                .put_price_bars(
                    venue,
                    basis::model::Market::Spot,
                    &spot.symbol,
                    basis::venue::Bar::Day,
                    &daily_bars(closes_days, p, now_ms),
                )
                .expect("ingest closes");
            closes += closes_days;
        }
        closes += closes_days * snapshot.perps.len();
    }
    store.close().expect("close");
    let size: u64 = walk(&data.join("db"));
    println!(
        "history: {records} settled funding records and {closes} daily closes stored in {:.1} s; store {:.1} MB on disk",
        started.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );
}

/// `days` daily bars ending yesterday, a wiggling price per market.
fn daily_bars(days: usize, market: usize, now_ms: i64) -> Vec<(i64, basis::store::PriceBar)> {
    use rust_decimal::Decimal;
    let today = now_ms.div_euclid(86_400_000) * 86_400_000;
    (1..=days)
        .rev()
        .map(|ago| {
            let close = Decimal::new(10_000 + ((ago * 37 + market * 11) % 97) as i64, 2);
            (
                today - ago as i64 * 86_400_000,
                basis::store::PriceBar {
                    high: close,
                    low: close,
                    close,
                },
            )
        })
        .collect()
}

fn walk(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        walk(&p)
                    } else {
                        e.metadata().map_or(0, |m| m.len())
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        child_mode(&args[1..]);
    }
    let all = args.iter().any(|a| a == "--all");
    let venues: Vec<Venue> = if all {
        implemented()
    } else {
        vec![Venue::Binance, Venue::Bybit, Venue::Okx]
    };
    let perps = arg(&args, "--perps", 1_200);
    let spots = arg(&args, "--spots", 1_100);
    let runs = arg(&args, "--runs", 5).max(1);
    let latency = Duration::from_millis(arg(&args, "--latency-ms", 0) as u64);
    // `--kinds carry` measures the core scan; the default ranks all three kinds.
    let extra: Vec<String> = args
        .iter()
        .position(|a| a == "--kinds")
        .and_then(|i| args.get(i + 1))
        .map(|k| vec!["--kinds".to_owned(), k.clone()])
        .unwrap_or_default();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let now = chrono::Utc::now().timestamp_millis();
    let universes: Vec<Universe> = venues
        .iter()
        .map(|&v| Universe::generate(v, perps, spots, now))
        .collect();
    let server = rt
        .block_on(Server::start(mounted(&universes), vec![], latency))
        .expect("server");
    let data = tempfile::tempdir().expect("tempdir");
    println!(
        "basis scan benchmark: {} venues x ({perps} perps + {spots} spot markets) on 127.0.0.1, {} ms added latency, {runs} cached runs, {}",
        venues.len(),
        latency.as_millis(),
        if extra.is_empty() {
            "all kinds".to_owned()
        } else {
            extra.join(" ")
        }
    );
    let cold = rt.block_on(async {
        tokio::task::block_in_place(|| measure(&server, &venues, &extra, data.path()))
    });
    print("cold (no cache)", &venues, &cold);
    let history = arg(&args, "--history", 0);
    if history > 0 {
        let delisted = args.iter().any(|a| a == "--delisted");
        ingest_history(
            data.path(),
            &venues,
            history,
            arg(&args, "--closes", 0),
            delisted,
        );
    }
    let mut cached: Vec<Figures> = (0..runs)
        .map(|_| {
            rt.block_on(async {
                tokio::task::block_in_place(|| measure(&server, &venues, &extra, data.path()))
            })
        })
        .collect();
    for (i, f) in cached.iter().enumerate() {
        print(&format!("cached run {}", i + 1), &venues, f);
    }
    cached.sort_by_key(|f| f.cpu);
    let median = &cached[cached.len() / 2];
    print("cached (median)", &venues, median);
    let worst_rss = cached.iter().map(|f| f.max_rss_kib).max().unwrap_or(0);
    let worst_cpu = cached.iter().map(|f| f.cpu).max().unwrap_or_default();
    let most = median.requests.iter().copied().max().unwrap_or(0);
    println!(
        "cached worst: cpu {:.1} ms, peak rss {:.1} MB; most requests to one venue: {most} (one after another: {} ms of latency)",
        worst_cpu.as_secs_f64() * 1e3,
        worst_rss as f64 / 1024.0,
        u128::from(most) * latency.as_millis()
    );
}
