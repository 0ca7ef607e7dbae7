//! Failure modes: 5xx, hangs, malformed JSON, 429 + Retry-After, 418 bans, everything down.

use std::time::Instant;

use basis::demo::server::{Fault, FaultRule};
use basis::model::Venue;
use basis::venue::implemented;

use super::common::*;

fn always(prefix: &str, fault: Fault) -> FaultRule {
    FaultRule {
        prefix: prefix.to_owned(),
        fault,
        times: None,
    }
}

fn status(code: u16, body: &str) -> Fault {
    Fault::Status {
        status: code,
        retry_after: None,
        body: body.to_owned(),
    }
}

/// One venue failing in `fault`'s way: the others are still reported, exit 1, the error is named.
async fn one_venue_fails(fault: Fault, extra: &[&str], expect_in_error: &str) {
    let (server, _) = server(&implemented(), vec![always("/okx/", fault)]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), extra)).await;
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    let report = json(&out);
    let okx = venue(&report, "okx");
    assert_eq!(okx["status"], "error", "{okx}");
    let err = okx["error"].as_str().expect("error text");
    assert!(
        err.contains("okx") && err.contains(expect_in_error),
        "{err}"
    );
    for id in ["binance", "bybit"] {
        assert_eq!(venue(&report, id)["status"], "ok");
    }
    let opps = report["opportunities"].as_array().expect("array");
    assert!(!opps.is_empty());
    assert!(opps.iter().all(|o| o["short"]["venue"] != "okx"));
    assert!(
        stderr(&out).contains("okx"),
        "stderr names the venue: {}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn venue_returning_500_is_reported_and_others_count() {
    one_venue_fails(
        status(
            500,
            "{\"code\":\"50001\",\"msg\":\"Service temporarily unavailable\"}",
        ),
        &[],
        "HTTP 500",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn venue_hanging_past_the_timeout_is_reported() {
    let started = Instant::now();
    one_venue_fails(Fault::Hang, &["--timeout", "1s"], "no response within").await;
    // Bounded: 1 s per attempt, two retries with sub-second backoff, not the hour the server waits.
    assert!(started.elapsed().as_secs() < 30);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_reported() {
    one_venue_fails(Fault::Malformed, &[], "malformed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_with_retry_after_is_honoured() {
    let path = "/bybit/main/v5/market/tickers";
    let fault = FaultRule {
        prefix: path.to_owned(),
        fault: Fault::Status {
            status: 429,
            retry_after: Some("1".into()),
            body: "{\"retCode\":10006,\"retMsg\":\"Too many visits!\",\"result\":{},\"time\":1}"
                .into(),
        },
        times: Some(1),
    };
    let (server, _) = server(&[Venue::Bybit], vec![fault]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let out = run(scan_json(&server, dir.path(), &["--venues", "bybit"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(
        started.elapsed().as_millis() >= 1000,
        "Retry-After: 1 was not waited for"
    );
    let linear = server.requests_to("/bybit/main/v5/market/tickers?category=linear");
    let spot = server.requests_to("/bybit/main/v5/market/tickers?category=spot");
    // The one 429 hit whichever tickers call came first: three requests for two endpoints.
    assert_eq!(linear + spot, 3, "linear {linear}, spot {spot}");
    assert_eq!(venue(&json(&out), "bybit")["status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_code_in_a_200_body_counts_as_429() {
    let fault = FaultRule {
        prefix: "/okx/main/api/v5/market/tickers".to_owned(),
        fault: Fault::Status {
            status: 200,
            retry_after: None,
            body: "{\"msg\":\"Too Many Requests\",\"code\":\"50011\"}".into(),
        },
        times: Some(1),
    };
    let (server, _) = server(&[Venue::Okx], vec![fault]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &["--venues", "okx"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(server.requests_to("/okx/main/api/v5/market/tickers"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ban_418_is_saved_and_the_next_run_sends_nothing() {
    let fault = always(
        "/binance/",
        Fault::Status {
            status: 418,
            retry_after: Some("600".into()),
            body: "{\"code\":-1003,\"msg\":\"Way too many requests; IP banned.\"}".into(),
        },
    );
    let (server, _) = server(&implemented(), vec![fault]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &[])).await;
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    let report = json(&out);
    let b = venue(&report, "binance");
    assert_eq!(b["status"], "banned", "{b}");
    let first = server.requests(Venue::Binance);
    assert!(first >= 1);

    server.set_faults(vec![]);
    let out = run(scan_json(&server, dir.path(), &[])).await;
    assert_eq!(code(&out), 1, "stderr: {}", stderr(&out));
    assert_eq!(
        server.requests(Venue::Binance),
        first,
        "a banned venue was called again"
    );
    let report = json(&out);
    assert_eq!(venue(&report, "binance")["status"], "banned");
    assert_eq!(venue(&report, "binance")["requests"], 0);
    assert_eq!(venue(&report, "okx")["status"], "ok");

    // Only the banned venue selected: temporary failure.
    let out = run(scan_json(&server, dir.path(), &["--venues", "binance"])).await;
    assert_eq!(code(&out), 75, "stderr: {}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_venues_down_exits_69_and_points_at_demo() {
    let (server, _) = server(
        &implemented(),
        vec![always("/", status(503, "maintenance"))],
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &[])).await;
    assert_eq!(code(&out), 69, "stderr: {}", stderr(&out));
    let report = json(&out);
    for v in implemented() {
        assert_eq!(venue(&report, v.id())["status"], "error");
    }
    assert!(stderr(&out).contains("--demo"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optional_endpoint_failing_does_not_fail_the_venue() {
    let fault = always("/okx/main/api/v5/public/open-interest", status(500, "{}"));
    let (server, _) = server(&[Venue::Okx], vec![fault]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(scan_json(&server, dir.path(), &["--venues", "okx"])).await;
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(venue(&json(&out), "okx")["status"], "ok");
    assert!(
        stderr(&out).contains("open-interest"),
        "the failure is logged: {}",
        stderr(&out)
    );
}
