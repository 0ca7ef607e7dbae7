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
    // Killed midway: once it has started fetching history, while it is still running.
    let history = || {
        slow.requests_to("/bybit/main/v5/market/funding/history")
            + slow.requests_to("/okx/main/api/v5/public/funding-rate-history")
    };
    let waited = std::time::Instant::now();
    while history() == 0 && waited.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(history() >= 1, "no history fetched before the kill");
    assert!(
        child.try_wait().expect("poll").is_none(),
        "backfill finished before the kill"
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
            // Data lines are drawn 2 px wide (mesh and zero line 1 px, legend marks 3 px): one
            // solid line in its colour per venue, the price dashed in black.
            let data = |colour: &str| {
                svg.split("<polyline")
                    .skip(1)
                    .filter(|p| {
                        p.split("/>").next().is_some_and(|attrs| {
                            attrs.contains("stroke-width=\"2\"") && attrs.contains(colour)
                        })
                    })
                    .count()
            };
            for v in venues {
                let c = basis::report::chart::venue_colour(v);
                let hex = format!("stroke=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
                assert_eq!(data(&hex), 1, "one line for {v}");
            }
            assert!(data("stroke=\"#000000\"") > 10, "the price line is dashed");
            std::fs::copy(&path, std::env::temp_dir().join("basis-test-btc.svg")).ok();
            for label in [
                "funding APR by venue",
                "funding APR (%)",
                "time (UTC)",
                "binance BTCUSDT",
                "okx BTC-USDT-SWAP",
                "BTC price in USDT",
                "binance BTCUSDT spot",
                "BTC price (USDT)",
            ] {
                assert!(svg.contains(label), "{label} missing");
            }
        }
    }
}

/// `backfill` of candles only, of BTC and PEPE on Binance, Bybit and OKX, ETH as collateral.
fn candles_only(server: &Server, dir: &std::path::Path) -> std::process::Command {
    let mut cmd = basis(server, dir);
    cmd.env("BASIS_COLLATERAL", "ETH").args([
        "backfill",
        "--no-funding",
        "--venues",
        "binance,bybit,okx",
        "--assets",
        "BTC,PEPE",
    ]);
    cmd
}

/// Finished bars of a synthetic market with open times in `[from, now − bar]`, per coin.
fn finished(
    m: &basis::demo::SynthMarket,
    bar: basis::venue::Bar,
    from: i64,
    now: i64,
) -> Vec<(i64, rust_decimal::Decimal)> {
    m.candles(bar, from, now, now)
        .into_iter()
        .filter(|c| c.open_ms + bar.millis() <= now)
        .map(|c| (c.open_ms, c.close))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfilled_candles_are_the_venues_finished_bars_and_feed_realised_risk() {
    use basis::model::Market;
    use basis::venue::Bar;
    use rust_decimal::prelude::ToPrimitive;
    const DAY: i64 = 86_400_000;
    const HOUR: i64 = 3_600_000;
    let venues = [Venue::Binance, Venue::Bybit, Venue::Okx];
    let u = universes(&venues);
    let now = u[0].now_ms;
    let server = Server::start_dynamic(mounted(&u), history_responders(&u), vec![], Duration::ZERO)
        .await
        .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(candles_only(&server, dir.path())).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // Every finished bar of the window, exactly the venue's (per coin), nothing unfinished.
    let store = basis::store::Store::open(&dir.path().join("data")).expect("open");
    let day0 = (now - 45 * DAY).div_euclid(DAY) * DAY;
    let hour0 = (now - 7 * DAY).div_euclid(HOUR) * HOUR;
    let mut series = 0;
    for (v, universe) in venues.iter().zip(&u) {
        let snap = store.latest_snapshot(*v).expect("read").expect("snapshot");
        let mut check = |market: Market, symbol: &str, m: &basis::demo::SynthMarket| {
            let daily: Vec<(i64, rust_decimal::Decimal)> = store
                .daily_closes(*v, market, symbol)
                .expect("closes")
                .into_iter()
                .filter(|(t, _)| *t >= day0)
                .map(|(t, c)| (t, c.close))
                .filter(|(t, _)| *t + DAY <= now)
                .collect();
            assert_eq!(
                daily,
                finished(m, Bar::Day, day0, now),
                "{v} {symbol} daily"
            );
            assert!(daily.len() >= 45, "{v} {symbol}: {} days", daily.len());
            let hourly: Vec<(i64, rust_decimal::Decimal)> = store
                .hourly_bars(*v, market, symbol, 0)
                .expect("bars")
                .into_iter()
                .map(|(t, b)| (t, b.close))
                .collect();
            assert_eq!(
                hourly,
                finished(m, Bar::Hour, hour0, now),
                "{v} {symbol} hourly"
            );
            assert!(hourly.len() >= 167, "{v} {symbol}: {} hours", hourly.len());
            series += 1;
        };
        for coin in ["BTC", "PEPE"] {
            let m = universe
                .markets
                .iter()
                .find(|m| m.asset == coin)
                .expect("synthetic coin");
            let perp = snap.perps.iter().find(|p| p.asset == coin).expect("perp");
            check(Market::Perp, &perp.symbol, m);
            let spot = snap.spots.iter().find(|p| p.asset == coin).expect("spot");
            check(Market::Spot, &spot.symbol, m);
        }
        // The collateral coin's spot pair too, though ETH was not among --assets.
        let eth = universe
            .markets
            .iter()
            .find(|m| m.asset == "ETH")
            .expect("ETH");
        let spot = snap
            .spots
            .iter()
            .find(|p| p.asset == "ETH")
            .expect("ETH spot");
        check(Market::Spot, &spot.symbol, eth);
        // ETH's perp was not asked for: only the close today's poll saw, no finished day.
        assert!(
            snap.perps.iter().filter(|p| p.asset == "ETH").all(|p| store
                .daily_closes(*v, Market::Perp, &p.symbol)
                .expect("closes")
                .iter()
                .all(|(t, _)| *t + DAY > now)),
            "{v}: ETH perp not asked for"
        );
    }
    assert_eq!(series, 15);
    store.close().expect("close");

    // A second run asks for nothing: no bar has finished since (unless an hour just turned).
    let before: u32 = venues.iter().map(|&v| server.requests(v)).sum();
    let out = run(candles_only(&server, dir.path())).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let second: u32 = venues.iter().map(|&v| server.requests(v)).sum::<u32>() - before;
    let turned = chrono::Utc::now().timestamp_millis().div_euclid(HOUR) != now.div_euclid(HOUR);
    assert!(
        second == 0 || (turned && second <= 15),
        "second run sent {second} requests"
    );

    // The scan now takes σ_A, σ_C and ρ from the backfilled daily closes: BTC's perp and ETH's
    // spot pair on Binance over the last 30 days, computed here independently.
    let mut cmd = basis(&server, dir.path());
    cmd.args([
        "scan",
        "--format",
        "json",
        "--venues",
        "binance",
        "--kinds",
        "carry",
        "--assets",
        "BTC",
        "--collateral",
        "ETH",
        "--leverage",
        "10",
        "--min-apr",
        "-1000",
    ]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let row = report["opportunities"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["asset"] == "BTC")
        .unwrap_or_else(|| panic!("no BTC carry: {report}"))
        .clone();
    let got = row["liq_prob"].as_f64().expect("liq_prob");
    let returns = |m: &basis::demo::SynthMarket| -> std::collections::BTreeMap<i64, f64> {
        let closes = finished(m, Bar::Day, day0, now);
        closes
            .windows(2)
            .filter(|w| w[1].0 - w[0].0 == DAY)
            .filter(|w| w[1].0 + DAY > now - 30 * DAY)
            .map(|w| (w[1].0, (w[1].1 / w[0].1).to_f64().expect("ratio").ln()))
            .collect()
    };
    let binance = &u[0];
    let btc = returns(
        binance
            .markets
            .iter()
            .find(|m| m.asset == "BTC")
            .expect("BTC"),
    );
    let eth = returns(
        binance
            .markets
            .iter()
            .find(|m| m.asset == "ETH")
            .expect("ETH"),
    );
    let std = |r: &[f64]| {
        let mean = r.iter().sum::<f64>() / r.len() as f64;
        (r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (r.len() as f64 - 1.0)).sqrt()
    };
    let a: Vec<f64> = btc.values().copied().collect();
    let c: Vec<f64> = eth.values().copied().collect();
    assert!(a.len() >= 29, "{} returns", a.len());
    let (sa, sc) = (std(&a) * 365f64.sqrt(), std(&c) * 365f64.sqrt());
    let (ma, mc) = (
        a.iter().sum::<f64>() / a.len() as f64,
        c.iter().sum::<f64>() / c.len() as f64,
    );
    let cov = a
        .iter()
        .zip(&c)
        .map(|(x, y)| (x - ma) * (y - mc))
        .sum::<f64>()
        / (a.len() as f64 - 1.0);
    let rho = cov / (std(&a) * std(&c));
    // DESIGN's short leg: ETH haircut 0.95 at 10x (q = 0.095), m = 0.004, 7 days.
    let q = 0.95 / 10.0;
    let d = ((1.0 + q) / (1.0 + 0.004_f64)).ln();
    let w = q / (1.0 + q);
    let var = sa * sa + w * w * sc * sc - 2.0 * w * rho * sa * sc;
    let z = -d / (var * 7.0 / 365.0).sqrt();
    let want = (2.0 * phi(z)).min(1.0);
    assert!(
        (got - want).abs() < 1e-5 + want * 1e-3,
        "liq_prob {got}, realised σ_A {sa:.4} σ_C {sc:.4} ρ {rho:.4} → {want}"
    );
    // Not what the configured ρ = 0.8 would give.
    let var08 = sa * sa + w * w * sc * sc - 2.0 * w * 0.8 * sa * sc;
    let p08 = (2.0 * phi(-d / (var08 * 7.0 / 365.0).sqrt())).min(1.0);
    assert!(want > 1e-3, "liq_prob {want} too small to tell anything");
    assert!(
        (p08 - want).abs() > 1e-3,
        "ρ {rho} too close to 0.8 to tell"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ban_during_backfill_stops_that_venue_only_and_is_remembered() {
    use basis::demo::server::{Fault, FaultRule};
    let venues = [Venue::Binance, Venue::Okx];
    let u = universes(&venues);
    let server = Server::start_dynamic(mounted(&u), history_responders(&u), vec![], Duration::ZERO)
        .await
        .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    // Snapshots first (the backfill would poll them), then Binance bans the history endpoint.
    let out = run(scan_json(&server, dir.path(), &["--venues", "binance,okx"])).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    server.set_faults(vec![FaultRule {
        prefix: "/binance/futures/fapi/v1/fundingRate".into(),
        fault: Fault::Status {
            status: 418,
            retry_after: Some("600".into()),
            body: "{\"code\":-1003,\"msg\":\"Way too many requests; IP banned.\"}".into(),
        },
        times: None,
    }]);
    let out = run(backfill(&server, dir.path(), "binance,okx")).await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("banned"), "{err}");
    // One request met the ban and the venue stopped: no other perp's funding; on the banned
    // host at most the one candle request in flight at that moment; the spot lane (another
    // host, running meanwhile) stopped before its ten series were done.
    assert_eq!(
        server.requests_to("/binance/futures/fapi/v1/fundingRate"),
        1,
        "{err}"
    );
    // The perp-candle lane shares the banned host: it stopped long before its series were
    // done (only requests already sent before the 418 arrived went out; how many depends on
    // scheduling, so the bound is the lane's whole plan: a daily and an hourly series a perp).
    let perps = {
        let store = basis::store::Store::open(&dir.path().join("data")).expect("open");
        let snap = store
            .latest_snapshot(Venue::Binance)
            .expect("read")
            .expect("snapshot");
        let n = snap
            .perps
            .iter()
            .filter(|p| ASSETS.split(',').any(|a| a == p.asset))
            .count();
        store.close().expect("close");
        n
    };
    assert!(perps >= 5, "{perps}");
    let klines = server.requests_to("/binance/futures/fapi/v1/klines");
    assert!(
        klines < perps,
        "{klines} perp candle requests of {} series",
        2 * perps
    );
    assert!(server.requests_to("/binance/spot/api/v3/klines") < 10);
    // OKX was filled all the same.
    assert!(check_complete(dir.path(), &[Venue::Okx]) >= 4);
    // The ban is remembered: the next backfill sends Binance nothing.
    server.set_faults(vec![]);
    let before = server.requests(Venue::Binance);
    let out = run(backfill(&server, dir.path(), "binance,okx")).await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("banned until"), "{}", stderr(&out));
    assert_eq!(server.requests(Venue::Binance), before);
}

/// The summary line of a backfill run (the last stderr line starting with `backfill:`).
fn summary(out: &std::process::Output) -> String {
    stderr(out)
        .lines()
        .rfind(|l| l.starts_with("backfill:"))
        .unwrap_or_else(|| panic!("no summary line: {}", stderr(out)))
        .to_owned()
}

/// `(failed, planned)` of a summary line's "F of P series failed".
fn series_failed(line: &str) -> (usize, usize) {
    let head = line
        .split(" series failed")
        .next()
        .unwrap_or_else(|| panic!("{line}"));
    let words: Vec<&str> = head.rsplit(' ').take(3).collect();
    let number = |w: &str| w.parse::<usize>().unwrap_or_else(|_| panic!("{line}"));
    assert_eq!(words[1], "of", "{line}");
    (number(words[2]), number(words[0]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_with_every_venue_down_exits_69() {
    let venues = [Venue::Binance, Venue::Bybit, Venue::Okx];
    let server = history_server(&venues, Duration::ZERO).await;
    let down = closed_url();
    // Nothing stored yet: the polls that would list the markets all fail.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = basis(&server, dir.path());
    point_at(&mut cmd, &basis::venue::implemented(), &down);
    cmd.args(["backfill", "--assets", "BTC", "--days", "3"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 69, "{}", stderr(&out));
    let line = summary(&out);
    let n = basis::venue::implemented().len();
    assert!(
        line.contains(&format!("stored on 0 of {n} venues"))
            && line.contains(&format!("{n} venues failed (binance, bybit, okx")),
        "{line}"
    );
    assert!(
        stderr(&out).contains("no venue could be backfilled"),
        "{}",
        stderr(&out)
    );

    // Markets listed by an earlier run, then every venue down when there is history to fetch:
    // every series fails, which is no venue reached either.
    let mut cmd = basis(&server, dir.path());
    cmd.args([
        "backfill",
        "--no-prices",
        "--days",
        "3",
        "--venues",
        "binance,bybit,okx",
        "--assets",
        "BTC",
    ]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut cmd = basis(&server, dir.path());
    point_at(&mut cmd, &venues, &down);
    cmd.args([
        "backfill",
        "--no-prices",
        "--days",
        "30",
        "--venues",
        "binance,bybit,okx",
        "--assets",
        "BTC",
    ]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 69, "{}", stderr(&out));
    let line = summary(&out);
    assert!(
        line.contains("stored on 0 of 3 venues")
            && line.contains("3 venues failed (binance, bybit, okx)"),
        "{line}"
    );
    let (failed, planned) = series_failed(&line);
    assert!(planned >= 3 && failed == planned, "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_with_one_venue_down_exits_1_and_a_complete_rerun_exits_0() {
    let venues = [Venue::Binance, Venue::Bybit, Venue::Okx];
    let server = history_server(&venues, Duration::ZERO).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = backfill(&server, dir.path(), "binance,bybit,okx");
    point_at(&mut cmd, &[Venue::Okx], &closed_url());
    let out = run(cmd).await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let line = summary(&out);
    assert!(
        line.contains("stored on 2 of 3 venues") && line.contains("1 venue failed (okx)"),
        "{line}"
    );
    let (failed, planned) = series_failed(&line);
    assert!(failed == 0 && planned >= 8, "{line}");
    assert!(check_complete(dir.path(), &[Venue::Binance, Venue::Bybit]) >= 8);

    // OKX back: the run fills it, and the one after finds everything complete.
    let out = run(backfill(&server, dir.path(), "binance,bybit,okx")).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(check_complete(dir.path(), &venues) >= 12);
    let out = run(backfill(&server, dir.path(), "binance,bybit,okx")).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let line = summary(&out);
    assert!(
        line.contains("stored on 3 of 3 venues") && line.contains("0 venues failed"),
        "{line}"
    );
}
