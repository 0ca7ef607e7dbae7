//! Backfill of funding history against loopback servers that page like the real APIs.

use std::time::Duration;

use basis::demo::server::{Server, history_responders, mounted};
use basis::model::Venue;

use super::common::*;

const ASSETS: &str = "BTC,ETH,SOL,XRP,DOGE";

async fn history_server(venues: &[Venue], latency: Duration) -> Server {
    let u = universes(venues);
    Server::start_dynamic(mounted(&u), history_responders(&u), vec![], latency)
        .await
        .expect("server")
}

fn backfill(server: &Server, dir: &std::path::Path, venues: &str) -> std::process::Command {
    let mut cmd = basis(server, dir);
    cmd.args([
        "backfill", "--days", "30", "--venues", venues, "--assets", ASSETS,
    ]);
    cmd
}

/// Every perp's stored settlements: strictly increasing, evenly spaced by its interval, covering
/// the window (no gap, no duplicate). Returns how many perps were checked.
fn check_complete(dir: &std::path::Path, venues: &[Venue]) -> usize {
    let store = basis::store::Store::open(&dir.join("data")).expect("open");
    let now = chrono::Utc::now().timestamp_millis();
    let mut checked = 0;
    for &v in venues {
        let snap = store.latest_snapshot(v).expect("read").expect("snapshot");
        for p in snap
            .perps
            .iter()
            .filter(|p| ASSETS.split(',').any(|a| a == p.asset))
        {
            let events = store.funding_events(v, &p.symbol).expect("events");
            let settled: Vec<i64> = events
                .iter()
                .map(|(t, _)| *t)
                .filter(|t| *t <= now)
                .collect();
            assert!(
                settled.len() >= 20,
                "{v} {}: only {} settlements",
                p.symbol,
                settled.len()
            );
            let step = settled[1] - settled[0];
            assert!(step > 0);
            for w in settled.windows(2) {
                assert_eq!(
                    w[1] - w[0],
                    step,
                    "{v} {}: gap or duplicate at {}",
                    p.symbol,
                    w[0]
                );
            }
            // Covers 30 days back to within one interval (OKX keeps the same 30 days).
            assert!(
                settled[0] <= now - 30 * 86_400_000 + step,
                "{v} {}: starts late",
                p.symbol
            );
            checked += 1;
        }
    }
    store.close().expect("close");
    checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_twice_sends_at_most_one_request_per_perp() {
    let venues = [Venue::Binance, Venue::Bybit, Venue::Okx];
    let server = history_server(&venues, Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(backfill(&server, dir.path(), "binance,bybit,okx")).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let perps = check_complete(dir.path(), &venues);
    assert!(perps >= 12, "{perps} perps");
    let before: u32 = venues.iter().map(|&v| server.requests(v)).sum();
    let out = run(backfill(&server, dir.path(), "binance,bybit,okx")).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let second: u32 = venues.iter().map(|&v| server.requests(v)).sum::<u32>() - before;
    assert!(
        second as usize <= perps,
        "second run: {second} requests for {perps} perps"
    );
    assert_eq!(check_complete(dir.path(), &venues), perps);
    assert!(
        stderr(&out).contains("backfill:"),
        "one summary line: {}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_backfill_resumes_without_gaps_or_duplicates() {
    let venues = [Venue::Bybit, Venue::Okx];
    // A slow server for the run that gets killed, a fast one (same markets) for the resume.
    let slow = history_server(&venues, Duration::from_millis(400)).await;
    let fast = history_server(&venues, Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = backfill(&slow, dir.path(), "bybit,okx")
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    tokio::time::sleep(Duration::from_millis(1600)).await;
    // Killed midway: still running after it started fetching history.
    assert!(
        child.try_wait().expect("poll").is_none(),
        "backfill finished before the kill"
    );
    assert!(
        slow.requests_to("/bybit/main/v5/market/funding/history")
            + slow.requests_to("/okx/main/api/v5/public/funding-rate-history")
            >= 1,
        "no history fetched before the kill"
    );
    child.kill().expect("kill");
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    let out = run(backfill(&fast, dir.path(), "bybit,okx")).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(check_complete(dir.path(), &venues) >= 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_plot_draws_one_line_per_venue_and_the_price() {
    let venues = [Venue::Binance, Venue::Bybit, Venue::Okx];
    let server = history_server(&venues, Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = basis(&server, dir.path());
    cmd.args([
        "backfill",
        "--days",
        "30",
        "--assets",
        "BTC",
        "--venues",
        "binance,bybit,okx",
    ]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for (file, magic) in [("btc.svg", &b"<svg"[..]), ("btc.png", &b"\x89PNG"[..])] {
        let path = dir.path().join(file);
        let mut cmd = basis(&server, dir.path());
        cmd.args(["history", "BTC", "--venues", "binance,bybit,okx", "--plot"])
            .arg(&path);
        let out = run(cmd).await;
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("chart with 3 funding series"), "{text}");
        let bytes = std::fs::read(&path).expect("chart written");
        if file.ends_with(".png") {
            std::fs::copy(&path, std::env::temp_dir().join("basis-test-btc.png")).ok();
        }
        assert!(
            bytes.len() > 10_000 && bytes.windows(magic.len()).any(|w| w == magic),
            "{file}"
        );
        if file.ends_with(".svg") {
            let svg = String::from_utf8_lossy(&bytes);
            // Three funding lines and the price line; title, axis names and legend as text.
            // Data lines are drawn 2 px wide (mesh 1 px, legend marks 3 px): 3 venues + price.
            let data_lines = svg
                .split("<polyline")
                .skip(1)
                .filter(|p| {
                    p.split("/>")
                        .next()
                        .is_some_and(|attrs| attrs.contains("stroke-width=\"2\""))
                })
                .count();
            assert_eq!(data_lines, 4, "one line per venue and the price");
            std::fs::copy(&path, std::env::temp_dir().join("basis-test-btc.svg")).ok();
            for label in [
                "funding APR by venue",
                "funding APR (%)",
                "time (UTC)",
                "binance BTCUSDT",
                "okx BTC-USDT-SWAP",
                "price",
            ] {
                assert!(svg.contains(label), "{label} missing");
            }
        }
    }
}
