//! Plausibility checks and empty markets: impossible numbers are refused per symbol with one counted warning, an empty list is a venue error.

use std::time::Duration;

use basis::demo::Route;
use basis::demo::server::{Server, history_responders, mounted};
use basis::model::Venue;
use serde_json::Value;

use super::common::*;

/// Rewrites the JSON body of the route of `venue` at `path` whose query includes `query`.
fn edit(
    routes: &mut [(String, Route)],
    venue: Venue,
    path: &str,
    query: (&str, &str),
    f: impl FnOnce(&mut Value),
) {
    let (_, route) = routes
        .iter_mut()
        .find(|(prefix, r)| {
            prefix.starts_with(&format!("/{}/", venue.id()))
                && r.path == path
                && r.query
                    .iter()
                    .any(|(k, v)| (k.as_str(), v.as_str()) == query)
        })
        .unwrap_or_else(|| panic!("no {venue} route {path}"));
    let mut body: Value = serde_json::from_str(&route.body).expect("JSON body");
    f(&mut body);
    route.body = body.to_string();
}

/// The perps' symbols of a Bybit list body.
fn list(body: &mut Value) -> &mut Vec<Value> {
    body["result"]["list"].as_array_mut().expect("list")
}

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn impossible_numbers_are_refused_per_symbol_with_one_counted_warning() {
    let venues = [Venue::Bybit];
    let u = universes(&venues);
    let mut routes = mounted(&u);
    let listed = u[0].perps().count();
    let tickers = "/v5/market/tickers";
    let instruments = "/v5/market/instruments-info";
    let mut symbols = Vec::new();
    edit(
        &mut routes,
        Venue::Bybit,
        tickers,
        ("category", "linear"),
        |b| {
            let rows = list(b);
            for row in rows.iter().take(4) {
                symbols.push(row["symbol"].as_str().expect("symbol").to_owned());
            }
            // Hours that no venue means (the 38.6 % → 8.5 % APR row), a zero price and a
            // rate the parser cannot read (the perp is dropped there: counted all the same).
            rows[0]["fundingIntervalHour"] = Value::String("100000".into());
            rows[1]["markPrice"] = Value::String("0".into());
            rows[2]["fundingRate"] = Value::String("n/a".into());
        },
    );
    // The instrument list states an impossible interval for a fourth (its ticker says 8 h).
    let fourth = symbols[3].clone();
    edit(
        &mut routes,
        Venue::Bybit,
        instruments,
        ("category", "linear"),
        |b| {
            let row = list(b)
                .iter_mut()
                .find(|r| r["symbol"] == fourth.as_str())
                .expect("fourth perp listed");
            row["fundingInterval"] = Value::from(6_000_000u64);
        },
    );
    let server = Server::start_dynamic(routes, history_responders(&u), vec![], Duration::ZERO)
        .await
        .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &["--venues", "bybit"])).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);

    // One warning line for the venue, counting every refusal by reason.
    let warnings = lines_with(&err, "perps skipped");
    assert_eq!(warnings.len(), 1, "{err}");
    let w = warnings[0];
    assert!(
        w.contains("WARN") && w.contains("bybit: 4 perps skipped: "),
        "{w}"
    );
    for part in [
        format!("funding interval 100000 h ({fourth}) and 1 more"),
        format!("mark price 0 ({})", symbols[1]),
        format!("unreadable) ({})", symbols[2]),
    ] {
        assert!(w.contains(&part), "{part} missing: {w}");
    }

    // Left out of the snapshot, the report and the ranking; the other perps still rank.
    let report = json(&out);
    let bybit = venue(&report, "bybit");
    assert_eq!(bybit["status"], "ok", "{bybit}");
    assert_eq!(bybit["perps"], listed - 4, "{bybit}");
    let rows = report["opportunities"].as_array().expect("rows");
    let bybit_perps: Vec<&str> = rows
        .iter()
        .flat_map(|r| [&r["long"], &r["short"]])
        .filter(|leg| leg["venue"] == "bybit" && leg["market"] == "perp")
        .filter_map(|leg| leg["symbol"].as_str())
        .collect();
    assert!(
        bybit_perps.len() >= 10,
        "{} bybit perps rank",
        bybit_perps.len()
    );
    for s in &symbols {
        assert!(!bybit_perps.contains(&s.as_str()), "{s} ranked");
    }
    let store = basis::store::Store::open(&dir.path().join("data")).expect("open");
    let snap = store
        .latest_snapshot(Venue::Bybit)
        .expect("read")
        .expect("snapshot");
    store.close().expect("close");
    assert_eq!(snap.perps.len(), listed - 4);
    assert!(snap.perps.iter().all(|p| !symbols.contains(&p.symbol)));
    assert!(
        snap.perps
            .iter()
            .all(|p| basis::model::sanity::perp_flaw(p).is_none())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_venue_answering_no_markets_is_an_error_for_scan_and_backfill() {
    let venues = [Venue::Bybit, Venue::Okx];
    let u = universes(&venues);
    let instruments = "/v5/market/instruments-info";
    let tickers = "/v5/market/tickers";
    for (path, endpoint, what) in [
        (
            instruments,
            "instruments-info-linear",
            "its instrument list holds no trading linear perpetual",
        ),
        (
            tickers,
            "tickers-linear",
            "of its instrument list has a usable quote",
        ),
    ] {
        let mut routes = mounted(&u);
        edit(
            &mut routes,
            Venue::Bybit,
            path,
            ("category", "linear"),
            |b| list(b).clear(),
        );
        let server = Server::start_dynamic(routes, history_responders(&u), vec![], Duration::ZERO)
            .await
            .expect("server");

        let dir = tempfile::tempdir().expect("tempdir");
        let out = run(scan_json(&server, dir.path(), &["--venues", "bybit,okx"])).await;
        assert_eq!(code(&out), 1, "{path}: {}", stderr(&out));
        let report = json(&out);
        let bybit = venue(&report, "bybit");
        assert_eq!(bybit["status"], "error", "{bybit}");
        let error = bybit["error"].as_str().expect("error text");
        for part in [
            "bybit ",
            endpoint,
            "answered with no markets",
            what,
            "BASIS_BYBIT_URL",
        ] {
            assert!(error.contains(part), "{part} missing: {error}");
        }
        assert_eq!(venue(&report, "okx")["status"], "ok");

        // Backfill on a fresh store: the poll listing Bybit's markets fails the same way.
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cmd = basis(&server, dir.path());
        cmd.args([
            "backfill",
            "--days",
            "3",
            "--venues",
            "bybit,okx",
            "--assets",
            "BTC",
        ]);
        let out = run(cmd).await;
        assert_eq!(code(&out), 1, "{path}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("answered with no markets"), "{err}");
        assert!(
            err.contains("stored on 1 of 2 venues") && err.contains("1 venue failed (bybit)"),
            "{err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfilled_settlements_with_absurd_rates_are_not_stored() {
    let venues = [Venue::Bybit];
    let u = universes(&venues);
    // Bybit's funding history, with the newest row of every page at 50 % per interval.
    let history = history_responders(&u);
    let absurd: basis::demo::server::Dynamic = std::sync::Arc::new(move |path, query, body| {
        let text = history.iter().find_map(|d| d(path, query, body))?;
        if !path.ends_with("/v5/market/funding/history") {
            return Some(text);
        }
        let mut page: Value = serde_json::from_str(&text).ok()?;
        if let Some(row) = list(&mut page).first_mut() {
            row["fundingRate"] = Value::String("0.5".into());
        }
        Some(page.to_string())
    });
    let server = Server::start_dynamic(mounted(&u), vec![absurd], vec![], Duration::ZERO)
        .await
        .expect("server");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = basis(&server, dir.path());
    cmd.args([
        "backfill",
        "--no-prices",
        "--days",
        "10",
        "--venues",
        "bybit",
        "--assets",
        "BTC,ETH",
    ]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    let warnings = lines_with(&err, "skipped");
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains("WARN bybit: ")
            && warnings[0].contains(" skipped: funding rate 50 % per interval ("),
        "{err}"
    );
    let store = basis::store::Store::open(&dir.path().join("data")).expect("open");
    let snap = store
        .latest_snapshot(Venue::Bybit)
        .expect("read")
        .expect("snapshot");
    let mut stored = 0;
    for p in snap
        .perps
        .iter()
        .filter(|p| ["BTC", "ETH"].contains(&p.asset.as_str()))
    {
        let events = store
            .funding_events(Venue::Bybit, &p.symbol)
            .expect("events");
        assert!(
            events.len() >= 20,
            "{}: {} settlements",
            p.symbol,
            events.len()
        );
        assert!(
            events
                .iter()
                .all(|(_, e)| e.r.abs() <= rust_decimal::Decimal::new(1, 1)),
            "{}: an absurd rate was stored",
            p.symbol
        );
        stored += 1;
    }
    store.close().expect("close");
    assert!(stored >= 2);
}
