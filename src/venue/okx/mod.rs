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

use super::kit::{self, BarGrid, Pages, Paging, Span};
use super::{Bar, Candle, CandleWindow, HostSpec, Request, VenueAdapter};
use crate::model::Venue;

/// Host key of OKX's only host.
pub const HOST: &str = "main";

/// The one OKX host: `BASIS_OKX_URL`, default `https://www.okx.com`, 20 requests / 2 s per IP.
/// Docs: <https://www.okx.com/docs-v5/en/#overview-rate-limits>
pub const HOSTS: [HostSpec; 1] = [
    HostSpec::new(HOST, "BASIS_OKX_URL", "https://www.okx.com").limit(20, Duration::from_secs(2))
];

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
    kit::per_bar(bar, "1H", "1Dutc")
}

/// The endpoint (name, path) and `limit` of the candle page whose newest wanted bar opens at
/// `newest`, in the window of `grid`. `candles` while the page's bars lie within its reach (the
/// latest [`CANDLES_REACH`] bars, less one for a bar that may open between basis's clock and
/// OKX's), then `history-candles`.
fn candle_page(grid: BarGrid, newest: i64) -> Option<(&'static str, &'static str, usize)> {
    if newest < grid.first {
        return None;
    }
    let left = grid.count(grid.first, newest);
    let edge = grid.last - (CANDLES_REACH - 2) * grid.bar;
    Some(if newest >= edge {
        let reach = grid.count(edge, newest);
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
    kit::adapter_basics! {
        venue: Venue::Okx,
        hosts: HOSTS,
        history: Paging::backward(FUNDING_HISTORY_LIMIT),
        parse: reference, snapshot, body_signal, funding_history, candles,
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

    /// Pages backwards with `after`: the first request asks for records older than `end_ms + 1`,
    /// each next one for records older than the oldest returned. Stops after an empty or short
    /// page (fewer than [`FUNDING_HISTORY_LIMIT`]) or one reaching `start_ms`.
    fn history_page(&self, symbol: &str, span: Span) -> Option<Request> {
        Some(
            Request::get(FUNDING_RATE_HISTORY, HOST, FUNDING_RATE_HISTORY_PATH, 2)
                .query("instId", symbol)
                .query("limit", span.full.to_string())
                .query("after", span.to.saturating_add(1).to_string()),
        )
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
        let grid = BarGrid::new(window)?;
        // A page as full as the parser leaves the one asked before (less the running bar).
        let full = match previous {
            None => 0,
            Some(page) => {
                let newest = page.iter().map(|c| c.open_ms).max()?;
                candle_page(grid, newest)?.2.saturating_sub(1)
            }
        };
        let to = Pages::of(full).backward(previous, window.end_ms, grid.first)?;
        let (endpoint, path, limit) = candle_page(grid, grid.floor(to))?;
        Some(
            Request::get(endpoint, HOST, path, 1)
                .query("instId", window.symbol)
                .query("bar", bar_name(window.bar))
                .query("after", to.saturating_add(1).to_string())
                .query("limit", limit.to_string()),
        )
    }
}
