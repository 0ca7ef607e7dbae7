//! OKX v5 adapter: endpoints, weights, the `main` host and the request plans of SWAP + SPOT.
//!
//! Request plan (every endpoint is a bulk call; nothing is per symbol):
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `instruments?instType=SWAP`, `instruments?instType=SPOT` | [`INSTRUMENTS_DOCS`] |
//! | | `discount-rate-interest-free-quota` (every currency; optional: collateral haircuts) | [`DISCOUNT_RATE_DOCS`] |
//! | scan (`full = false`, 4 requests) | `funding-rate?instId=ANY` | [`FUNDING_RATE_DOCS`] |
//! | | `tickers?instType=SWAP`, `tickers?instType=SPOT` | [`TICKERS_DOCS`] |
//! | | `open-interest?instType=SWAP` | [`OPEN_INTEREST_DOCS`] |
//! | poll (`full = true`, +3) | `mark-price?instType=SWAP` | [`MARK_PRICE_DOCS`] |
//! | | `index-tickers?quoteCcy=USDT`, `index-tickers?quoteCcy=USDC` | [`INDEX_TICKERS_DOCS`] |
//! | funding history (per swap) | `funding-rate-history?instId=…&limit=100&after=…` | [`FUNDING_RATE_HISTORY_DOCS`] |
//! | candles (per market) | `candles?instId=…&bar=1H\|1Dutc&after=…&limit=…` (latest 1,440 bars), `history-candles` (older) | [`CANDLES_DOCS`], [`HISTORY_CANDLES_DOCS`] |
//!
//! The analyzer needs funding, bid/ask, high/low, quote volume and open interest, which the four
//! scan requests carry; mark and index prices are only stored by `basis poll`.
//!
//! OKX limits each public endpoint separately (20 requests / 2 s per IP on most of them, 10 / 2 s
//! on `mark-price`). The host limiter is one bucket of 20 per 2 s, and an endpoint's weight is
//! 20 divided by its own limit, so `mark-price` and `funding-rate-history` (10 / 2 s per IP and
//! instId) weigh 2 and the others 1. `candles` (40 / 2 s) would weigh ½; weights are whole, so it
//! weighs 1 like `history-candles` (20 / 2 s): the host bucket, stricter than either, keeps both
//! within their own limits. `discount-rate-interest-free-quota` (2 / 2 s) weighs 10: it takes the
//! whole of basis's half of the bucket, so the hourly reference waits about 2 s for it.

mod parse;
pub(crate) mod tiers;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{
    Bar, Body, BodySignal, Candle, CandleWindow, HistoryPoint, HostSpec, ParseError, Request,
    VenueAdapter,
};
use crate::model::{Market, Reference, Snapshot, Venue};

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

/// Endpoint name of the collateral discount-rate tiers.
pub const DISCOUNT_RATE: &str = "discount-rate";
/// Path of the collateral discount-rate tiers; without `ccy`, every currency: `data[] {ccy,
/// details[] {minAmt, maxAmt ("" = ∞), discountRate, …}}`, tiers by coin amount. 2 / 2 s per IP:
/// weight [`DISCOUNT_RATE_WEIGHT`].
pub const DISCOUNT_RATE_PATH: &str = "/api/v5/public/discount-rate-interest-free-quota";
/// Docs of [`DISCOUNT_RATE_PATH`].
pub const DISCOUNT_RATE_DOCS: &str = "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-discount-rate-and-interest-free-quota";
/// Weight of [`DISCOUNT_RATE_PATH`]: the host bucket (20 / 2 s) over its own limit (2 / 2 s).
pub const DISCOUNT_RATE_WEIGHT: u32 = 10;

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

/// Endpoint name of the recent candles (and the name candle parse errors carry).
pub const CANDLES: &str = "candles";
/// Path of the recent candles: `instId` (`BTC-USDT-SWAP` last-trade bars, `BTC-USDT`), `bar`
/// (`1H`; `1D` is Hong Kong time, `1Dutc` UTC), `after` (bars older than that `ts`), `before`
/// (newer), `limit` ≤ 300 (default 100); newest first, the running bar first with `confirm` "0";
/// only the latest 1,440 bars (40 / 2 s per IP: weight 1, see the module docs).
pub const CANDLES_PATH: &str = "/api/v5/market/candles";
/// Docs of [`CANDLES_PATH`].
pub const CANDLES_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks";
/// Page size basis asks `candles` for at most (the documented maximum).
pub const CANDLES_LIMIT: usize = 300;
/// How many of the latest bars `candles` serves.
pub const CANDLES_REACH: i64 = 1440;

/// Endpoint name of the older candles.
pub const HISTORY_CANDLES: &str = "history-candles";
/// Path of the candle history: the parameters of [`CANDLES_PATH`], `limit` ≤ 100, years back
/// (20 / 2 s per IP: weight 1).
pub const HISTORY_CANDLES_PATH: &str = "/api/v5/market/history-candles";
/// Docs of [`HISTORY_CANDLES_PATH`].
pub const HISTORY_CANDLES_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks-history";
/// Page size basis asks `history-candles` for at most (the documented maximum).
pub const HISTORY_CANDLES_LIMIT: usize = 100;

/// OKX's `bar` of a bar length: `1H`, or `1Dutc` (00:00 UTC days; plain `1D` is UTC+8).
#[must_use]
pub const fn bar_name(bar: Bar) -> &'static str {
    match bar {
        Bar::Hour => "1H",
        Bar::Day => "1Dutc",
    }
}

/// The endpoint (name, path) and `limit` of the candle page whose newest wanted bar opens at
/// `newest`, in a window of bars `[first_open, …]` whose latest bar opens at `last_open`.
/// `candles` while the page's bars lie within its reach (the latest [`CANDLES_REACH`] bars, less
/// one for a bar that may open between basis's clock and OKX's), then `history-candles`.
fn candle_page(
    step: i64,
    first_open: i64,
    last_open: i64,
    newest: i64,
) -> Option<(&'static str, &'static str, usize)> {
    if newest < first_open {
        return None;
    }
    let count = |from: i64, to: i64| usize::try_from((to - from) / step + 1).unwrap_or(usize::MAX);
    let left = count(first_open, newest);
    let edge = last_open - (CANDLES_REACH - 2) * step;
    Some(if newest >= edge {
        let reach = count(edge, newest);
        (CANDLES, CANDLES_PATH, left.min(reach).min(CANDLES_LIMIT))
    } else {
        (
            HISTORY_CANDLES,
            HISTORY_CANDLES_PATH,
            left.min(HISTORY_CANDLES_LIMIT),
        )
    })
}

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

    /// The SWAP and SPOT instrument lists and the optional discount-rate tiers (collateral
    /// haircuts; weight [`DISCOUNT_RATE_WEIGHT`]).
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            Request::get(INSTRUMENTS_SWAP, HOST, INSTRUMENTS_PATH, 1).query("instType", "SWAP"),
            Request::get(INSTRUMENTS_SPOT, HOST, INSTRUMENTS_PATH, 1).query("instType", "SPOT"),
            Request::get(
                DISCOUNT_RATE,
                HOST,
                DISCOUNT_RATE_PATH,
                DISCOUNT_RATE_WEIGHT,
            )
            .optional(),
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

    /// Pages backwards with `after`: the first request asks for bars older than `end_ms + 1`,
    /// each next one for bars older than the oldest returned, with a `limit` of the bars left in
    /// the window (at most [`CANDLES_LIMIT`] on `candles`, [`HISTORY_CANDLES_LIMIT`] on
    /// `history-candles`, see `candle_page`). Stops after an empty page, a short one or one
    /// reaching the bar open at `start_ms`. A page one row short of its `limit` still counts as
    /// full: the parser drops the running bar (`confirm` "0") the first page carries.
    fn candle_request(
        &self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        _page: u32,
    ) -> Option<Request> {
        let step = window.bar.millis();
        let first_open = window.start_ms.div_euclid(step) * step
            + if window.start_ms.rem_euclid(step) == 0 {
                0
            } else {
                step
            };
        let last_open = window.end_ms.div_euclid(step) * step;
        let after = match previous {
            None => window.end_ms.saturating_add(1),
            Some(page) => {
                let oldest = page.iter().map(|c| c.open_ms).min()?;
                let newest = page.iter().map(|c| c.open_ms).max()?;
                if oldest <= first_open {
                    return None;
                }
                let (_, _, asked) = candle_page(step, first_open, last_open, newest)?;
                if page.len() + 1 < asked {
                    return None;
                }
                oldest.min(window.end_ms.saturating_add(1))
            }
        };
        let newest = (after - 1).div_euclid(step) * step;
        let (endpoint, path, limit) = candle_page(step, first_open, last_open, newest)?;
        Some(
            Request::get(endpoint, HOST, path, 1)
                .query("instId", window.symbol)
                .query("bar", bar_name(window.bar))
                .query("after", after.to_string())
                .query("limit", limit.to_string()),
        )
    }

    fn parse_candles(
        &self,
        _market: Market,
        _bar: Bar,
        body: &[u8],
    ) -> Result<Vec<Candle>, ParseError> {
        parse::candles(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::testkit::{points, query};

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

    #[test]
    fn reference_plan_adds_the_optional_discount_rate_tiers() {
        let refs = Okx.reference_requests();
        assert_eq!(refs.len(), 3);
        assert_eq!(
            refs.iter().map(|r| r.optional).collect::<Vec<_>>(),
            [false, false, true]
        );
        let tiers = &refs[2];
        assert_eq!(
            (
                tiers.endpoint,
                tiers.host,
                tiers.path.as_str(),
                tiers.weight
            ),
            (
                "discount-rate",
                "main",
                "/api/v5/public/discount-rate-interest-free-quota",
                10
            )
        );
        assert!(tiers.query.is_empty(), "no ccy: every currency");
        assert_eq!(tiers.method, crate::venue::Method::Get);
        // Weight 10 is the whole of basis's share of the host bucket (50 % of 20 per 2 s): at
        // most one call per 2 s, half the endpoint's own 2 / 2 s.
        let host = &Okx.hosts()[0];
        assert_eq!(
            host.limit_weight * host.budget_pct / 100,
            DISCOUNT_RATE_WEIGHT
        );
        assert_eq!(host.limit_period, Duration::from_secs(2));
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
        assert_eq!(Okx.history_days_limit(), Some(90));
    }
}

#[cfg(test)]
mod candle_tests {

    use super::*;
    use crate::venue::testkit::{DAY_MS, HOUR_MS, bars, query, window};

    #[test]
    fn candle_requests_use_the_utc_day_and_ask_for_the_window_at_once() {
        let now = 1_760_000_000_000 + 17 * 60_000;
        let hour = now / HOUR_MS * HOUR_MS;
        let day = now / DAY_MS * DAY_MS;
        let after = (now + 1).to_string();
        let w = window(
            Market::Perp,
            "BTC-USDT-SWAP",
            Bar::Hour,
            hour - 168 * HOUR_MS,
            now,
        );
        let r = Okx.candle_request(&w, None, 0).expect("first page");
        assert_eq!(
            (r.endpoint, r.host, r.path.as_str(), r.weight),
            ("candles", "main", "/api/v5/market/candles", 1)
        );
        assert_eq!(
            query(&r),
            [
                ("instId", "BTC-USDT-SWAP"),
                ("bar", "1H"),
                ("after", after.as_str()),
                ("limit", "169"),
            ]
        );
        let w = window(Market::Spot, "BTC-USDT", Bar::Day, day - 45 * DAY_MS, now);
        let r = Okx.candle_request(&w, None, 0).expect("first page");
        assert_eq!(
            query(&r),
            [
                ("instId", "BTC-USDT"),
                ("bar", "1Dutc"),
                ("after", after.as_str()),
                ("limit", "46"),
            ]
        );
        // An empty or inverted window asks nothing.
        for (s, e) in [(now, now - 1), (hour + 1, now)] {
            let w = window(Market::Spot, "BTC-USDT", Bar::Hour, s, e);
            assert_eq!(Okx.candle_request(&w, None, 0), None);
        }
    }

    #[test]
    fn candle_requests_page_back_through_candles_then_history_candles_and_stop() {
        let now = 1_760_000_000_000 + 17 * 60_000;
        let hour = now / HOUR_MS * HOUR_MS;
        let start = hour - 2000 * HOUR_MS;
        let w = window(Market::Perp, "BTC-USDT-SWAP", Bar::Hour, start, now);
        let first = Okx.candle_request(&w, None, 0).expect("first page");
        assert_eq!(
            (first.endpoint, query(&first)[3]),
            ("candles", ("limit", "300"))
        );
        // The first page as parsed: 299 finished bars (the running one dropped), in any order.
        let mut page = bars((1..300).map(|i| hour - i * HOUR_MS));
        page.rotate_left(100);
        let next = Okx.candle_request(&w, Some(&page), 1).expect("second page");
        let oldest = (hour - 299 * HOUR_MS).to_string();
        assert_eq!(
            query(&next),
            [
                ("instId", "BTC-USDT-SWAP"),
                ("bar", "1H"),
                ("after", oldest.as_str()),
                ("limit", "300"),
            ]
        );
        // Bars 1200..=1438 back are the last `candles` reaches (one bar of margin), then
        // history-candles takes over.
        let fourth = bars((900..1200).map(|i| hour - i * HOUR_MS));
        let fifth = Okx
            .candle_request(&w, Some(&fourth), 4)
            .expect("fifth page");
        assert_eq!(
            (fifth.endpoint, query(&fifth)[3]),
            ("candles", ("limit", "239"))
        );
        let reach = bars((1200..1439).map(|i| hour - i * HOUR_MS));
        let sixth = Okx.candle_request(&w, Some(&reach), 5).expect("sixth page");
        assert_eq!(
            (sixth.endpoint, query(&sixth)[3]),
            ("history-candles", ("limit", "100"))
        );
        let before_last = bars((1801..1901).map(|i| hour - i * HOUR_MS));
        let last = Okx
            .candle_request(&w, Some(&before_last), 10)
            .expect("last page");
        assert_eq!(query(&last)[3], ("limit", "100"));
        let end = bars((1901..2001).map(|i| hour - i * HOUR_MS));
        assert_eq!(
            Okx.candle_request(&w, Some(&end), 11),
            None,
            "reached the start"
        );
        // Short pages stop (one row short still counts as full), so does an empty page.
        let two_short = bars((301..599).map(|i| hour - i * HOUR_MS));
        assert_eq!(Okx.candle_request(&w, Some(&two_short), 2), None);
        let one_short = bars((301..600).map(|i| hour - i * HOUR_MS));
        assert!(Okx.candle_request(&w, Some(&one_short), 2).is_some());
    }
}
