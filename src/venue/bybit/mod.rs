//! Bybit v5 adapter: endpoints, limits and docs links; the request plan; envelope checks.
//!
//! Reference (cached, refreshed hourly by the caller): the linear and spot instrument lists,
//! linear paged with `nextPageCursor`. Snapshot: two bulk calls, `tickers?category=linear` (rate,
//! interval, next funding, mark, index, bid/ask, 24 h high/low, turnover, open interest) and
//! `tickers?category=spot`. Funding history: `funding/history`, paged backwards from the
//! window's end (Bybit returns the newest 200 of a window first).

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Body, BodySignal, HistoryPoint, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

/// The one Bybit host: 600 requests per 5 s per IP for all of `api.bybit.com`; exceeding it gives
/// HTTP 403 "access too frequent" and an IP ban of at least 10 minutes.
/// Docs: <https://bybit-exchange.github.io/docs/v5/rate-limit>
pub const MAIN: HostSpec = HostSpec {
    key: "main",
    env: "BASIS_BYBIT_URL",
    default_url: "https://api.bybit.com",
    limit_weight: 600,
    limit_period: Duration::from_secs(5),
    budget_pct: 50,
    per_endpoint: false,
};

static HOSTS: [HostSpec; 1] = [MAIN];

/// Instrument lists, `category` `linear`/`spot`, `limit` ≤ 1000, `cursor` (linear only: "Spot does
/// not support pagination").
/// Docs: <https://bybit-exchange.github.io/docs/v5/market/instrument>
pub const INSTRUMENTS_PATH: &str = "/v5/market/instruments-info";

/// Bulk tickers of one category (`linear` = USDT and USDC perps + dated futures; `spot`).
/// Docs: <https://bybit-exchange.github.io/docs/v5/market/tickers>
pub const TICKERS_PATH: &str = "/v5/market/tickers";

/// Settled funding of one symbol: `category=linear`, `symbol` (required), `startTime`, `endTime`
/// (ms, inclusive), `limit` 1–200. Newest first: the latest `limit` records of the window.
/// `startTime` alone is rejected (both, or `endTime` only). IP limit only: weight [`WEIGHT`].
/// Docs: <https://bybit-exchange.github.io/docs/v5/market/history-fund-rate>
pub const FUNDING_HISTORY_PATH: &str = "/v5/market/funding/history";

/// Endpoint name of the funding history.
pub const FUNDING_HISTORY: &str = "funding-history";

/// Page size basis asks the funding history for (the documented maximum).
pub const FUNDING_HISTORY_LIMIT: usize = 200;

/// Endpoint name of the linear instruments list.
pub const INSTRUMENTS_LINEAR: &str = "instruments-info-linear";
/// Endpoint name of the spot instruments list.
pub const INSTRUMENTS_SPOT: &str = "instruments-info-spot";
/// Endpoint name of the linear tickers.
pub const TICKERS_LINEAR: &str = "tickers-linear";
/// Endpoint name of the spot tickers.
pub const TICKERS_SPOT: &str = "tickers-spot";

/// Weight of every public market endpoint: Bybit documents no per-endpoint weights for them, each
/// call counts once against the per-IP limit of [`MAIN`].
pub const WEIGHT: u32 = 1;

/// Page size of the instrument lists (the documented maximum; the default 500 is below the
/// number of linear symbols).
pub const PAGE_LIMIT: &str = "1000";

/// How long an IP ban lasts when the 403 carries no `Retry-After`: "wait for at least 10 minutes".
/// Docs: <https://bybit-exchange.github.io/docs/v5/rate-limit>
pub const DEFAULT_BAN: Duration = Duration::from_secs(600);

/// The Bybit adapter.
#[derive(Debug, Clone, Copy)]
pub struct Bybit;

fn instruments(endpoint: &'static str, category: &str) -> Request {
    Request::get(endpoint, MAIN.key, INSTRUMENTS_PATH, WEIGHT)
        .query("category", category)
        .query("limit", PAGE_LIMIT)
}

fn tickers(endpoint: &'static str, category: &str) -> Request {
    Request::get(endpoint, MAIN.key, TICKERS_PATH, WEIGHT).query("category", category)
}

impl VenueAdapter for Bybit {
    fn venue(&self) -> Venue {
        Venue::Bybit
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    /// `instruments-info?category=linear&limit=1000` (paged) and `category=spot&limit=1000`.
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            instruments(INSTRUMENTS_LINEAR, "linear"),
            instruments(INSTRUMENTS_SPOT, "spot"),
        ]
    }

    /// Follows `result.nextPageCursor` of the instrument lists with `cursor=`. Stops when the
    /// cursor is absent/`""`, or repeats the one just requested (a server ignoring `cursor`).
    fn next_page(&self, request: &Request, body: &[u8]) -> Result<Option<Request>, ParseError> {
        if request.endpoint != INSTRUMENTS_LINEAR && request.endpoint != INSTRUMENTS_SPOT {
            return Ok(None);
        }
        let Some(cursor) = parse::next_cursor(request.endpoint, body)? else {
            return Ok(None);
        };
        let current = request
            .query
            .iter()
            .find(|(k, _)| *k == "cursor")
            .map(|(_, v)| v.as_str());
        if current == Some(cursor.as_str()) {
            return Ok(None);
        }
        let mut next = request.clone();
        next.query.retain(|(k, _)| *k != "cursor");
        next.query.push(("cursor", cursor));
        Ok(Some(next))
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::parse_reference(
            Body::of(bodies, INSTRUMENTS_LINEAR),
            Body::of(bodies, INSTRUMENTS_SPOT),
        )
    }

    /// Two requests whether `full` or not: the linear tickers already carry mark, index and open
    /// interest, so the poller needs nothing more than a scan.
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            tickers(TICKERS_LINEAR, "linear"),
            tickers(TICKERS_SPOT, "spot"),
        ]
    }

    fn parse_snapshot(
        &self,
        bodies: &[Body<'_>],
        reference: &Reference,
        received_at: DateTime<Utc>,
    ) -> Result<Snapshot, ParseError> {
        parse::parse_snapshot(
            Body::one(bodies, TICKERS_LINEAR)?,
            Body::one(bodies, TICKERS_SPOT)?,
            reference,
            received_at,
        )
    }

    /// `retCode` 10006/10018 → rate limited; any other non-zero `retCode` → API error (Bybit
    /// reports errors with HTTP 200). Non-JSON bodies (the 403 ban page) say nothing.
    /// Docs: <https://bybit-exchange.github.io/docs/v5/error>
    fn check_body(&self, _status: u16, body: &[u8]) -> BodySignal {
        parse::envelope_signal(body)
    }

    /// Pages backwards: every request carries the window's `startTime` and an `endTime` that
    /// starts at `end_ms` and moves to the oldest returned time − 1. Stops after an empty or
    /// short page (fewer than [`FUNDING_HISTORY_LIMIT`]) or one reaching `start_ms`.
    fn funding_history_request(
        &self,
        symbol: &str,
        start_ms: i64,
        end_ms: i64,
        previous: Option<&[HistoryPoint]>,
        _page: u32,
    ) -> Option<Request> {
        let to = match previous {
            None => end_ms,
            Some(page) => {
                if page.len() < FUNDING_HISTORY_LIMIT {
                    return None;
                }
                let oldest = page.iter().map(|p| p.time_ms).min()?;
                if oldest <= start_ms {
                    return None;
                }
                (oldest - 1).min(end_ms)
            }
        };
        if to < start_ms {
            return None;
        }
        Some(
            Request::get(FUNDING_HISTORY, MAIN.key, FUNDING_HISTORY_PATH, WEIGHT)
                .query("category", "linear")
                .query("symbol", symbol)
                .query("startTime", start_ms.to_string())
                .query("endTime", to.to_string())
                .query("limit", FUNDING_HISTORY_LIMIT.to_string()),
        )
    }

    fn parse_funding_history(&self, body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        parse::parse_funding_history(FUNDING_HISTORY, body)
    }

    fn default_ban(&self) -> Duration {
        DEFAULT_BAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_fits_the_budget_and_paths_follow_the_origin() {
        let b = Bybit;
        assert_eq!(b.snapshot_requests(false).len(), 2);
        assert!(b.snapshot_requests(true).len() <= 4);
        for r in b
            .reference_requests()
            .iter()
            .chain(&b.snapshot_requests(true))
        {
            assert!(r.path.starts_with("/v5/market/"), "{r:?}");
            assert_eq!(r.host, "main");
            assert!(r.query.iter().any(|(k, _)| *k == "category"));
        }
        let refs = b.reference_requests();
        assert_eq!(
            refs[0].query,
            vec![
                ("category", "linear".to_owned()),
                ("limit", "1000".to_owned())
            ]
        );
        assert_eq!(
            refs[1].query,
            vec![
                ("category", "spot".to_owned()),
                ("limit", "1000".to_owned())
            ]
        );
        assert_eq!(b.hosts(), &[MAIN]);
        assert_eq!(MAIN.env, "BASIS_BYBIT_URL");
        assert_eq!(MAIN.default_url, "https://api.bybit.com");
        assert_eq!(b.default_ban(), Duration::from_secs(600));
    }

    #[test]
    fn next_page_adds_then_replaces_the_cursor_and_stops() {
        let b = Bybit;
        let first = b.reference_requests().remove(0);
        let body = br#"{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[],"nextPageCursor":"c1"},"time":1}"#;
        let second = b.next_page(&first, body).expect("ok").expect("a next page");
        assert_eq!(second.query.last(), Some(&("cursor", "c1".to_owned())));
        let body2 = br#"{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[],"nextPageCursor":"c2"},"time":1}"#;
        let third = b
            .next_page(&second, body2)
            .expect("ok")
            .expect("a next page");
        assert_eq!(
            third.query.iter().filter(|(k, _)| *k == "cursor").count(),
            1
        );
        assert_eq!(third.query.last(), Some(&("cursor", "c2".to_owned())));
        // The same cursor again: stop instead of looping.
        assert_eq!(b.next_page(&third, body2).expect("ok"), None);
        let last = br#"{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[],"nextPageCursor":""},"time":1}"#;
        assert_eq!(b.next_page(&first, last).expect("ok"), None);
        // Tickers are never paged, and a broken body is an error naming the endpoint.
        let t = b.snapshot_requests(false).remove(0);
        assert_eq!(b.next_page(&t, body).expect("ok"), None);
        let err = b
            .next_page(&first, b"{\"retCode\":0,")
            .expect_err("malformed");
        assert_eq!(err.endpoint, INSTRUMENTS_LINEAR);
    }

    fn points(times: impl IntoIterator<Item = i64>) -> Vec<HistoryPoint> {
        times
            .into_iter()
            .map(|time_ms| HistoryPoint {
                time_ms,
                rate: rust_decimal::Decimal::new(1, 4),
            })
            .collect()
    }

    fn query(r: &Request) -> Vec<(&str, &str)> {
        r.query.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    #[test]
    fn history_requests_page_backwards_and_stop() {
        let b = Bybit;
        let (start, end) = (1_000_000, 9_000_000_000);
        let first = b
            .funding_history_request("BTCUSDT", start, end, None, 0)
            .expect("first page");
        assert_eq!(
            (
                first.endpoint,
                first.host,
                first.path.as_str(),
                first.weight
            ),
            ("funding-history", "main", "/v5/market/funding/history", 1)
        );
        assert_eq!(
            query(&first),
            [
                ("category", "linear"),
                ("symbol", "BTCUSDT"),
                ("startTime", "1000000"),
                ("endTime", "9000000000"),
                ("limit", "200"),
            ]
        );
        // A full page, in any order: the next one ends just before its oldest point.
        let oldest = end - 199 * 3_600_000;
        let mut full = points((0..200).map(|i| oldest + i * 3_600_000));
        full.swap(0, 150);
        let next = b
            .funding_history_request("BTCUSDT", start, end, Some(&full), 0)
            .expect("next page");
        assert_eq!(
            query(&next),
            [
                ("category", "linear"),
                ("symbol", "BTCUSDT"),
                ("startTime", "1000000"),
                ("endTime", (oldest - 1).to_string().as_str()),
                ("limit", "200"),
            ]
        );
        // Short page, empty page, a full page reaching the start: done.
        let short = points((0..199).map(|i| oldest + i * 3_600_000));
        assert_eq!(
            b.funding_history_request("BTCUSDT", start, end, Some(&short), 0),
            None
        );
        assert_eq!(
            b.funding_history_request("BTCUSDT", start, end, Some(&[]), 0),
            None
        );
        let reaching = points((0..200).map(|i| start + i * 3_600_000));
        assert_eq!(
            b.funding_history_request("BTCUSDT", start, end, Some(&reaching), 0),
            None
        );
        assert_eq!(
            b.funding_history_request("BTCUSDT", end, start, None, 0),
            None
        );
        assert_eq!(b.history_days_limit(), None);
    }

    /// Drives the caller's paging loop against the demo endpoint; returns the stored times and
    /// the number of requests.
    fn backfill(
        u: &crate::demo::Universe,
        symbol: &str,
        start: i64,
        end: i64,
    ) -> (Vec<i64>, usize) {
        let b = Bybit;
        let mut stored = Vec::new();
        let mut previous: Option<Vec<HistoryPoint>> = None;
        let mut requests = 0;
        while let Some(req) = b.funding_history_request(symbol, start, end, previous.as_deref(), 0)
        {
            requests += 1;
            assert!(requests < 50, "paging does not terminate");
            let pairs: Vec<(String, String)> = req
                .query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            let body = crate::demo::bybit::history(u, &req.path, &pairs).expect("history path");
            let page = b.parse_funding_history(body.as_bytes()).expect("parses");
            stored.extend(
                page.iter()
                    .filter(|p| (start..=end).contains(&p.time_ms))
                    .map(|p| p.time_ms),
            );
            previous = Some(page);
        }
        (stored, requests)
    }

    #[test]
    fn history_round_trip_through_the_demo_returns_every_settlement_once() {
        const DAY: i64 = 86_400_000;
        let now = 1_760_000_000_000;
        let u = crate::demo::Universe::generate(Venue::Bybit, 40, 0, now);
        for hours in [1_i64, 8] {
            let m = u
                .perps()
                .find(|m| i64::from(m.interval_hours) == hours)
                .expect("a perp with that interval");
            let symbol = crate::demo::bybit::perp_symbol(m);
            let step = hours * 3_600_000;
            let aligned = (now - 31 * DAY) / step * step + step;
            for (start, end) in [(now - 30 * DAY + 1, now), (aligned, aligned + 30 * DAY - 1)] {
                let (mut got, requests) = backfill(&u, &symbol, start, end);
                let n = got.len();
                got.sort_unstable();
                got.dedup();
                assert_eq!(got.len(), n, "duplicates for {symbol}");
                assert_eq!(
                    n,
                    usize::try_from(30 * 24 / hours).expect("small"),
                    "{symbol}"
                );
                assert!(
                    got.iter()
                        .all(|t| t % step == 0 && (start..=end).contains(t))
                );
                assert_eq!(got.first().copied(), Some((start + step - 1) / step * step));
                assert_eq!(got.last().copied(), Some(end / step * step));
                // 720 hourly points: 200 + 200 + 200 + 120; 90 eight-hourly: one short page.
                assert_eq!(requests, if hours == 1 { 4 } else { 1 });
            }
        }
    }
}
