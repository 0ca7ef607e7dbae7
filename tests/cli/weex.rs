//! WEEX, the twelfth venue, end to end: a twelve-venue scan on loopback ranks it in every kind of trade, and its rate-limit and error bodies are reported naming it and the endpoint while the other venues still count.

use basis::demo::server::{Fault, FaultRule};
use basis::demo::weex::{perp_symbol, spot_symbol};
use basis::model::Venue;
use serde_json::Value;

use super::common::*;

/// Whether `o` has a leg on WEEX.
fn on_weex(o: &Value) -> bool {
    o["long"]["venue"] == "weex" || o["short"]["venue"] == "weex"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_twelve_venue_scan_ranks_weex_in_every_kind_of_trade() {
    assert_eq!(Venue::ALL.len(), 12);
    let (server, universes) = server(&Venue::ALL, vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &[])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let report = json(&out);
    let venues = report["venues"].as_array().expect("venues");
    assert_eq!(venues.len(), 12);
    assert!(venues.iter().all(|v| v["status"] == "ok"), "{venues:?}");

    // WEEX lists the universe's USDT perps (its USDC ones are not USDT-margined) and every
    // spot pair, from its reference (2 requests) and one scan (3 requests).
    let u = universes
        .iter()
        .find(|u| u.venue == Venue::Weex)
        .expect("weex");
    let usdt_perps = u.perps().filter(|m| m.quote == "USDT").count();
    let weex = venue(&report, "weex");
    assert_eq!(weex["perps"], usdt_perps, "{weex}");
    assert_eq!(weex["spots"], SPOTS, "{weex}");
    assert_eq!(server.requests(Venue::Weex), 5);

    let opps = report["opportunities"].as_array().expect("opportunities");
    for kind in ["carry", "cross_carry", "perp_spread"] {
        let rows = opps.iter().filter(|o| o["kind"] == kind && on_weex(o));
        assert!(rows.count() > 0, "no {kind} with a WEEX leg");
    }
    // A WEEX carry: long its spot pair, short its perp, at the simulator's funding.
    let carry = opps
        .iter()
        .find(|o| o["kind"] == "carry" && o["short"]["venue"] == "weex")
        .expect("a WEEX carry");
    let m = u
        .markets
        .iter()
        .find(|m| m.asset == carry["asset"] && m.quote == carry["quote"])
        .expect("its market");
    assert_eq!(carry["long"]["venue"], "weex");
    assert_eq!(carry["long"]["symbol"], spot_symbol(m));
    assert_eq!(carry["short"]["symbol"], perp_symbol(m));
    assert_eq!(
        carry["funding_rate"].to_string(),
        m.funding_rate.to_string()
    );
    assert_eq!(carry["funding_interval_hours"], m.interval_hours);
    let next = carry["next_funding_time"].as_str().expect("a time");
    let next = chrono::DateTime::parse_from_rfc3339(next).expect("RFC 3339");
    assert_eq!(next.timestamp_millis(), m.next_funding_ms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weex_rate_limit_and_error_bodies_name_it_and_the_endpoint_while_the_others_count() {
    let rate_limit = include_str!("../../fixtures/weex/error-rate-limit.json");
    let system = include_str!("../../fixtures/weex/error-system.json");
    let cases = [
        (
            "/weex/contract/capi/v2/market/tickers",
            429,
            rate_limit,
            "weex tickers: rate limited",
        ),
        (
            "/weex/contract/capi/v2/market/currentFundRate",
            200,
            rate_limit,
            "weex currentFundRate: rate limited",
        ),
        (
            "/weex/spot/api/v3/market/ticker/24hr",
            200,
            system,
            "weex ticker-24hr: API error 40015: System error",
        ),
    ];
    let others = [Venue::Binance, Venue::Okx, Venue::Mexc];
    let venues: Vec<Venue> = others.into_iter().chain([Venue::Weex]).collect();
    for (path, status, body, expected) in cases {
        let fault = FaultRule {
            prefix: path.to_owned(),
            fault: Fault::Status {
                status,
                retry_after: None,
                body: body.to_owned(),
            },
            times: None,
        };
        let (server, _) = server(&venues, vec![fault]).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let ids = "binance,okx,mexc,weex";
        let out = run(scan_json(&server, dir.path(), &["--venues", ids])).await;
        assert_eq!(code(&out), 1, "{path}: partial failure; {}", stderr(&out));
        let report = json(&out);
        let weex = venue(&report, "weex");
        assert_eq!(weex["status"], "error", "{weex}");
        let error = weex["error"].as_str().expect("error text");
        assert!(error.contains(expected), "{path}: {error}");
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        for v in others {
            assert_eq!(venue(&report, v.id())["status"], "ok", "{v}");
        }
        let opps = report["opportunities"].as_array().expect("array");
        assert!(!opps.is_empty() && !opps.iter().any(on_weex), "{path}");
    }
}
