//! The HTTP client against the simulator's server with faults: bans, 403s and remembered rate limits (tests).

use std::time::Duration;

use chrono::Utc;

use crate::demo::Universe;
use crate::demo::server::{Fault, FaultRule, Server, history_responders, mounted};
use crate::model::Venue;
use crate::venue::http::{BaseUrls, HttpConfig, VenueClient, build_client};
use crate::venue::{BanKind, VenueError};

/// A client for `venue` against a demo server whose every answer on `prefix` is `fault`.
async fn faulty(venue: Venue, prefix: &str, fault: Fault) -> (Server, VenueClient) {
    let u = vec![Universe::generate(
        venue,
        5,
        5,
        Utc::now().timestamp_millis(),
    )];
    let server = Server::start_dynamic(
        mounted(&u),
        history_responders(&u),
        vec![FaultRule {
            prefix: prefix.into(),
            fault,
            times: None,
        }],
        Duration::ZERO,
    )
    .await
    .expect("server");
    let adapter = crate::venue::adapter(venue);
    let bases: BaseUrls = adapter
        .hosts()
        .iter()
        .map(|h| (h.key, server.base_url(venue, h.key)))
        .collect();
    let client = VenueClient::new(
        build_client(&HttpConfig::default()).expect("client"),
        adapter,
        HttpConfig::default(),
        bases,
    );
    (server, client)
}

fn status(status: u16, retry_after: Option<&str>, body: &str) -> Fault {
    Fault::Status {
        status,
        retry_after: retry_after.map(str::to_owned),
        body: body.into(),
    }
}

#[tokio::test]
async fn a_418_bans_for_at_most_the_longest_ban_whatever_retry_after_says() {
    let (_server, client) = faulty(
        Venue::Binance,
        "/binance/",
        status(
            418,
            Some("999999999"),
            r#"{"code":-1003,"msg":"IP banned"}"#,
        ),
    )
    .await;
    let req = crate::venue::adapter(Venue::Binance).reference_requests()[0].clone();
    let err = client.fetch(&req).await.expect_err("banned");
    let ban = err.ban().expect("a ban").clone();
    assert_eq!((ban.kind, ban.status), (BanKind::Ban, Some(418)));
    assert!(ban.until <= Utc::now() + chrono::Duration::days(3));
    assert!(ban.until > Utc::now() + chrono::Duration::days(3) - chrono::Duration::hours(1));
    assert!(ban.reason.contains("IP banned"), "{}", ban.reason);
    assert!(err.to_string().contains("--clear-ban binance"), "{err}");
}

#[tokio::test]
async fn a_403_is_a_ban_only_with_the_venues_own_message() {
    let req = crate::venue::adapter(Venue::Bybit).snapshot_requests(false)[0].clone();
    // Bybit answering every request with a 403 and `body`.
    let refusing = |body: &str| faulty(Venue::Bybit, "/bybit/", status(403, None, body));
    let (server, client) = refusing("<html><body>Request blocked</body></html>").await;
    let err = client.fetch(&req).await.expect_err("refused");
    assert!(err.ban().is_none(), "{err}");
    assert!(matches!(err, VenueError::Http { status: 403, .. }), "{err}");
    assert_eq!(server.requests(Venue::Bybit), 1, "not retried");

    let (_server, client) = refusing("403, access too frequent").await;
    let err = client.fetch(&req).await.expect_err("banned");
    let ban = err.ban().expect("a ban");
    assert_eq!(ban.status, Some(403));
    // Bybit's documented "at least 10 minutes" when no Retry-After says otherwise.
    assert!(ban.until > Utc::now() + chrono::Duration::minutes(9));
}

#[tokio::test]
async fn a_rate_limit_longer_than_a_run_waits_becomes_a_remembered_back_off() {
    let (server, client) = faulty(
        Venue::Okx,
        "/okx/",
        status(
            429,
            Some("3600"),
            r#"{"msg":"Too Many Requests","code":"50011"}"#,
        ),
    )
    .await;
    let reqs = crate::venue::adapter(Venue::Okx).snapshot_requests(false);
    let err = client.fetch(&reqs[0]).await.expect_err("limited");
    let ban = err.ban().expect("remembered").clone();
    assert_eq!((ban.kind, ban.status), (BanKind::RateLimit, Some(429)));
    assert!(ban.until > Utc::now() + chrono::Duration::minutes(59));
    assert!(err.to_string().contains("rate limited until"), "{err}");
    // Not waited for, not retried, and the venue's next request is not sent.
    let again = client.fetch(&reqs[1]).await.expect_err("still limited");
    assert_eq!(again.ban(), Some(&ban));
    assert_eq!(server.requests(Venue::Okx), 1);
}

#[tokio::test]
async fn after_a_ban_nothing_more_is_sent() {
    let venue = Venue::Binance;
    let (server, client) = faulty(
        venue,
        "/binance/futures/fapi/v1/fundingRate",
        Fault::Status {
            status: 418,
            retry_after: Some("120".into()),
            body: r#"{"code":-1003,"msg":"IP banned"}"#.into(),
        },
    )
    .await;
    let adapter = crate::venue::adapter(venue);
    let funding = adapter
        .funding_history_request("BTCUSDT", 0, 1, None, 0)
        .expect("a funding request");
    let err = client.fetch(&funding).await.expect_err("banned");
    let until = err.banned_until().expect("a ban");
    assert!(until > Utc::now() + chrono::Duration::seconds(100));
    assert_eq!(server.requests(venue), 1);
    // Another endpoint of the venue: refused at once, with the same ban, unsent.
    let spot = crate::venue::Request::get("api/v3/klines", "spot", "/api/v3/klines", 2)
        .query("symbol", "BTCUSDT")
        .query("interval", "1d");
    let again = client.fetch(&spot).await.expect_err("still banned");
    assert_eq!(again.banned_until(), Some(until));
    assert_eq!(server.requests(venue), 1, "a banned venue was called again");
    assert_eq!(client.requests(), 1);
}
