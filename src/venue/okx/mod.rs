//! OKX v5 adapter: endpoints, weights, the `main` host and the request plans of SWAP + SPOT.
//!
//! Request plan (every endpoint is a bulk call; nothing is per symbol):
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `instruments?instType=SWAP`, `instruments?instType=SPOT` | [`INSTRUMENTS_DOCS`] |
//! | scan (`full = false`, 4 requests) | `funding-rate?instId=ANY` | [`FUNDING_RATE_DOCS`] |
//! | | `tickers?instType=SWAP`, `tickers?instType=SPOT` | [`TICKERS_DOCS`] |
//! | | `open-interest?instType=SWAP` | [`OPEN_INTEREST_DOCS`] |
//! | poll (`full = true`, +3) | `mark-price?instType=SWAP` | [`MARK_PRICE_DOCS`] |
//! | | `index-tickers?quoteCcy=USDT`, `index-tickers?quoteCcy=USDC` | [`INDEX_TICKERS_DOCS`] |
//! | funding history (per swap) | `funding-rate-history?instId=…&limit=100&after=…` | [`FUNDING_RATE_HISTORY_DOCS`] |
//!
//! The analyzer needs funding, bid/ask, high/low, quote volume and open interest, which the four
//! scan requests carry; mark and index prices are only stored by `basis poll`.
//!
//! OKX limits each public endpoint separately (20 requests / 2 s per IP on most of them, 10 / 2 s
//! on `mark-price`). The host limiter is one bucket of 20 per 2 s, and an endpoint's weight is
//! 20 divided by its own limit, so `mark-price` and `funding-rate-history` (10 / 2 s per IP and
//! instId) weigh 2 and the others 1.

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Body, BodySignal, HistoryPoint, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

/// Host key of OKX's only host.
pub const HOST: &str = "main";

/// The one OKX host: `BASIS_OKX_URL`, default `https://www.okx.com`, 20 requests / 2 s per IP.
/// Docs: <https://www.okx.com/docs-v5/en/#overview-rate-limits>
pub const HOSTS: [HostSpec; 1] = [HostSpec {
    key: HOST,
    env: "BASIS_OKX_URL",
    default_url: "https://www.okx.com",
    limit_weight: 20,
    limit_period: Duration::from_secs(2),
    budget_pct: 50,
    per_endpoint: false,
}];

/// Endpoint name of the SWAP instrument list.
pub const INSTRUMENTS_SWAP: &str = "instruments-swap";
/// Endpoint name of the SPOT instrument list.
pub const INSTRUMENTS_SPOT: &str = "instruments-spot";
/// Path of the instrument lists (20 / 2 s per IP and instType: weight 1).
pub const INSTRUMENTS_PATH: &str = "/api/v5/public/instruments";
/// Docs of [`INSTRUMENTS_PATH`].
pub const INSTRUMENTS_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments";

/// Endpoint name of the bulk funding rates.
pub const FUNDING_RATE: &str = "funding-rate";
/// Path of the funding rates; `instId=ANY` returns every SWAP (20 / 2 s: weight 1).
pub const FUNDING_RATE_PATH: &str = "/api/v5/public/funding-rate";
/// Docs of [`FUNDING_RATE_PATH`].
pub const FUNDING_RATE_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-funding-rate";

/// Endpoint name of the SWAP tickers.
pub const TICKERS_SWAP: &str = "tickers-swap";
/// Endpoint name of the SPOT tickers.
pub const TICKERS_SPOT: &str = "tickers-spot";
/// Path of the tickers (20 / 2 s per IP: weight 1).
pub const TICKERS_PATH: &str = "/api/v5/market/tickers";
/// Docs of [`TICKERS_PATH`].
pub const TICKERS_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-tickers";

/// Endpoint name of the SWAP open interest.
pub const OPEN_INTEREST: &str = "open-interest";
/// Path of the open interest (20 / 2 s: weight 1).
pub const OPEN_INTEREST_PATH: &str = "/api/v5/public/open-interest";
/// Docs of [`OPEN_INTEREST_PATH`].
pub const OPEN_INTEREST_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-open-interest";

/// Endpoint name of the SWAP mark prices.
pub const MARK_PRICE: &str = "mark-price";
/// Path of the mark prices (10 / 2 s: weight 2).
pub const MARK_PRICE_PATH: &str = "/api/v5/public/mark-price";
/// Docs of [`MARK_PRICE_PATH`].
pub const MARK_PRICE_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-mark-price";

/// Endpoint name of the index tickers (one request per quote currency).
pub const INDEX_TICKERS: &str = "index-tickers";
/// Path of the index tickers (20 / 2 s: weight 1).
pub const INDEX_TICKERS_PATH: &str = "/api/v5/market/index-tickers";
/// Docs of [`INDEX_TICKERS_PATH`].
pub const INDEX_TICKERS_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-index-tickers";

/// Endpoint name of one swap's settled funding history.
pub const FUNDING_RATE_HISTORY: &str = "funding-rate-history";
/// Path of the funding history: `instId`, `after` (records older than that `fundingTime`),
/// `before` (newer), `limit` ≤ 100; newest first; the last 3 months only (10 / 2 s per IP and
/// instId: weight 2).
pub const FUNDING_RATE_HISTORY_PATH: &str = "/api/v5/public/funding-rate-history";
/// Docs of [`FUNDING_RATE_HISTORY_PATH`].
pub const FUNDING_RATE_HISTORY_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-funding-rate-history";
/// Page size basis asks the funding history for (the documented maximum).
pub const FUNDING_HISTORY_LIMIT: usize = 100;
/// Days of funding history OKX keeps ("last 3 months").
pub const FUNDING_HISTORY_DAYS: u32 = 90;

/// Quote currencies whose index tickers `basis poll` fetches (the quotes of OKX linear swaps).
pub const INDEX_QUOTES: [&str; 2] = ["USDT", "USDC"];

/// Body code OKX uses for "Too Many Requests" (with HTTP 429, sometimes 200).
pub const RATE_LIMIT_CODE: &str = "50011";

/// The OKX adapter (v5 SWAP + SPOT).
#[derive(Debug, Clone, Copy)]
pub struct Okx;

impl VenueAdapter for Okx {
    fn venue(&self) -> Venue {
        Venue::Okx
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![
            Request::get(INSTRUMENTS_SWAP, HOST, INSTRUMENTS_PATH, 1).query("instType", "SWAP"),
            Request::get(INSTRUMENTS_SPOT, HOST, INSTRUMENTS_PATH, 1).query("instType", "SPOT"),
        ]
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// The four scan requests (funding, SWAP and SPOT tickers, open interest); `full` adds mark
    /// prices and the USDT and USDC index tickers, which the analyzer does not use.
    fn snapshot_requests(&self, full: bool) -> Vec<Request> {
        let mut plan = vec![
            Request::get(FUNDING_RATE, HOST, FUNDING_RATE_PATH, 1).query("instId", "ANY"),
            Request::get(TICKERS_SWAP, HOST, TICKERS_PATH, 1).query("instType", "SWAP"),
            Request::get(TICKERS_SPOT, HOST, TICKERS_PATH, 1).query("instType", "SPOT"),
            Request::get(OPEN_INTEREST, HOST, OPEN_INTEREST_PATH, 1)
                .query("instType", "SWAP")
                .optional(),
        ];
        if full {
            plan.push(
                Request::get(MARK_PRICE, HOST, MARK_PRICE_PATH, 2)
                    .query("instType", "SWAP")
                    .optional(),
            );
            for quote in INDEX_QUOTES {
                plan.push(
                    Request::get(INDEX_TICKERS, HOST, INDEX_TICKERS_PATH, 1)
                        .query("quoteCcy", quote)
                        .optional(),
                );
            }
        }
        plan
    }

    fn parse_snapshot(
        &self,
        bodies: &[Body<'_>],
        reference: &Reference,
        received_at: DateTime<Utc>,
    ) -> Result<Snapshot, ParseError> {
        parse::snapshot(bodies, reference, received_at)
    }

    fn check_body(&self, status: u16, body: &[u8]) -> BodySignal {
        parse::body_signal(status, body)
    }
    /// Pages backwards with `after`: the first request asks for records older than `end_ms + 1`,
    /// each next one for records older than the oldest returned. Stops after an empty or short
    /// page (fewer than [`FUNDING_HISTORY_LIMIT`]) or one reaching `start_ms`.
    fn funding_history_request(
        &self,
        symbol: &str,
        start_ms: i64,
        end_ms: i64,
        previous: Option<&[HistoryPoint]>,
        _page: u32,
    ) -> Option<Request> {
        if end_ms < start_ms {
            return None;
        }
        let after = match previous {
            None => end_ms.saturating_add(1),
            Some(page) => {
                if page.len() < FUNDING_HISTORY_LIMIT {
                    return None;
                }
                let oldest = page.iter().map(|p| p.time_ms).min()?;
                if oldest <= start_ms {
                    return None;
                }
                oldest.min(end_ms.saturating_add(1))
            }
        };
        Some(
            Request::get(FUNDING_RATE_HISTORY, HOST, FUNDING_RATE_HISTORY_PATH, 2)
                .query("instId", symbol)
                .query("limit", FUNDING_HISTORY_LIMIT.to_string())
                .query("after", after.to_string()),
        )
    }

    fn parse_funding_history(&self, body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        parse::funding_history(body)
    }

    fn history_days_limit(&self) -> Option<u32> {
        Some(FUNDING_HISTORY_DAYS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_plan_fits_the_budget_and_poll_adds_mark_and_index() {
        let scan = Okx.snapshot_requests(false);
        assert_eq!(scan.len(), 4);
        assert!(
            scan.iter()
                .all(|r| r.host == HOST && r.path.starts_with("/api/v5/"))
        );
        let full = Okx.snapshot_requests(true);
        assert_eq!(full.len(), 7);
        let mark = full
            .iter()
            .find(|r| r.endpoint == MARK_PRICE)
            .map(|r| r.weight);
        assert_eq!(mark, Some(2));
        let quotes: Vec<&str> = full
            .iter()
            .filter(|r| r.endpoint == INDEX_TICKERS)
            .flat_map(|r| r.query.iter().map(|(_, v)| v.as_str()))
            .collect();
        assert_eq!(quotes, ["USDT", "USDC"]);
        assert_eq!(Okx.hosts()[0].env, "BASIS_OKX_URL");
        assert_eq!(Okx.hosts()[0].default_url, "https://www.okx.com");
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
    fn history_requests_page_backwards_with_after_and_stop() {
        let (start, end) = (1_000_000, 9_000_000_000);
        let first = Okx
            .funding_history_request("BTC-USDT-SWAP", start, end, None, 0)
            .expect("first page");
        assert_eq!(
            (
                first.endpoint,
                first.host,
                first.path.as_str(),
                first.weight
            ),
            (
                "funding-rate-history",
                "main",
                "/api/v5/public/funding-rate-history",
                2
            )
        );
        assert_eq!(
            query(&first),
            [
                ("instId", "BTC-USDT-SWAP"),
                ("limit", "100"),
                ("after", "9000000001"),
            ]
        );
        // A full page, in any order: the next one asks for records older than its oldest.
        let oldest = end - 99 * 3_600_000;
        let mut full = points((0..100).map(|i| oldest + i * 3_600_000));
        full.rotate_left(37);
        let next = Okx
            .funding_history_request("BTC-USDT-SWAP", start, end, Some(&full), 0)
            .expect("next page");
        assert_eq!(
            query(&next),
            [
                ("instId", "BTC-USDT-SWAP"),
                ("limit", "100"),
                ("after", oldest.to_string().as_str()),
            ]
        );
        // Short page, empty page, a full page reaching the start: done.
        let short = points((0..99).map(|i| oldest + i * 3_600_000));
        assert_eq!(
            Okx.funding_history_request("BTC-USDT-SWAP", start, end, Some(&short), 0),
            None
        );
        assert_eq!(
            Okx.funding_history_request("BTC-USDT-SWAP", start, end, Some(&[]), 0),
            None
        );
        let reaching = points((0..100).map(|i| start + i * 3_600_000));
        assert_eq!(
            Okx.funding_history_request("BTC-USDT-SWAP", start, end, Some(&reaching), 0),
            None
        );
        assert_eq!(
            Okx.funding_history_request("BTC-USDT-SWAP", end, start, None, 0),
            None
        );
        assert_eq!(Okx.history_days_limit(), Some(90));
    }

    /// Drives the caller's paging loop against the demo endpoint; returns the stored times and
    /// the number of requests.
    fn backfill(
        u: &crate::demo::Universe,
        symbol: &str,
        start: i64,
        end: i64,
    ) -> (Vec<i64>, usize) {
        let mut stored = Vec::new();
        let mut previous: Option<Vec<HistoryPoint>> = None;
        let mut requests = 0;
        while let Some(req) =
            Okx.funding_history_request(symbol, start, end, previous.as_deref(), 0)
        {
            requests += 1;
            assert!(requests < 100, "paging does not terminate");
            let pairs: Vec<(String, String)> = req
                .query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            let body = crate::demo::okx::history(u, &req.path, &pairs).expect("history path");
            let page = Okx.parse_funding_history(body.as_bytes()).expect("parses");
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
        let u = crate::demo::Universe::generate(Venue::Okx, 40, 0, now);
        for hours in [1_i64, 8] {
            let m = u
                .perps()
                .find(|m| i64::from(m.interval_hours) == hours)
                .expect("a perp with that interval");
            let symbol = crate::demo::okx::swap_id(m);
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
                // 720 hourly points: 7 full pages and a short one; 90 eight-hourly: one short page.
                assert_eq!(requests, if hours == 1 { 8 } else { 1 });
            }
        }
        // OKX keeps 90 days: a 120-day window yields 90 days.
        let m = u.perps().find(|m| m.interval_hours == 8).expect("8 h perp");
        let (got, _) = backfill(&u, &crate::demo::okx::swap_id(m), now - 120 * DAY, now);
        assert_eq!(got.len(), 90 * 3);
    }
}
