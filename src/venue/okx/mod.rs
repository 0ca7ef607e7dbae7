//! OKX v5 adapter: endpoints, weights, the `main` host and the request plans of SWAP + SPOT.
//!
//! Request plan (every endpoint is a bulk call; nothing is per symbol):
//!
//! | plan | endpoint | declared (with its docs) |
//! |---|---|---|
//! | reference (hourly) | `instruments?instType=SWAP`, `instruments?instType=SPOT` | [`SWAP_INSTRUMENTS`] |
//! | | `discount-rate-interest-free-quota` (every currency; optional: collateral haircuts) | [`DISCOUNT_RATES`] |
//! | scan (`full = false`, 4 requests) | `funding-rate?instId=ANY` | [`FUNDING_RATES`] |
//! | | `tickers?instType=SWAP`, `tickers?instType=SPOT` | [`SWAP_TICKERS`] |
//! | | `open-interest?instType=SWAP` | [`SWAP_OPEN_INTEREST`] |
//! | poll (`full = true`, +3) | `mark-price?instType=SWAP` | [`SWAP_MARK_PRICES`] |
//! | | `index-tickers?quoteCcy=USDT`, `index-tickers?quoteCcy=USDC` | [`QUOTE_INDEX_TICKERS`] |
//! | funding history (per swap) | `funding-rate-history?instId=…&limit=100&after=…` | [`SWAP_FUNDING_HISTORY`] |
//! | candles (per market) | `candles?instId=…&bar=1H\|1Dutc&after=…&limit=…` (latest 1,440 bars), `history-candles` (older) | [`RECENT_CANDLES`], [`OLDER_CANDLES`] |
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
use super::{Bar, Candle, CandleWindow, Endpoint, HostSpec, Request, VenueAdapter};

/// Host key of OKX's only host.
pub const HOST: &str = "main";

/// The one OKX host: `BASIS_OKX_URL`, default `https://www.okx.com`, 20 requests / 2 s per IP.
/// Docs: <https://www.okx.com/docs-v5/en/#overview-rate-limits>
pub const HOSTS: [HostSpec; 1] = [
    HostSpec::new(HOST, "BASIS_OKX_URL", "https://www.okx.com").limit(20, Duration::from_secs(2))
];

/// The SWAP instrument list (`instType=SWAP`; 20 / 2 s per IP and instType: weight 1).
pub const SWAP_INSTRUMENTS: Endpoint =
    Endpoint::new("instruments-swap", HOST, "/api/v5/public/instruments", 1)
        .docs("https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments");
/// The SPOT instrument list (`instType=SPOT`).
pub const SPOT_INSTRUMENTS: Endpoint = SWAP_INSTRUMENTS.named("instruments-spot");

/// The collateral discount-rate tiers; without `ccy`, every currency: `data[] {ccy, details[]
/// {minAmt, maxAmt ("" = ∞), discountRate, …}}`, tiers by coin amount. 2 / 2 s per IP: the host
/// bucket (20 / 2 s) over its own limit, weight 10.
pub const DISCOUNT_RATES: Endpoint = Endpoint::new(
    "discount-rate",
    HOST,
    "/api/v5/public/discount-rate-interest-free-quota",
    10,
)
.docs("https://www.okx.com/docs-v5/en/#public-data-rest-api-get-discount-rate-and-interest-free-quota");

/// The funding rates; `instId=ANY` returns every SWAP (20 / 2 s: weight 1).
pub const FUNDING_RATES: Endpoint = Endpoint::at(HOST, "/api/v5/public/funding-rate", 1)
    .docs("https://www.okx.com/docs-v5/en/#public-data-rest-api-get-funding-rate");

/// The SWAP tickers (`instType=SWAP`; 20 / 2 s per IP: weight 1).
pub const SWAP_TICKERS: Endpoint = Endpoint::new("tickers-swap", HOST, "/api/v5/market/tickers", 1)
    .docs("https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-tickers");
/// The SPOT tickers (`instType=SPOT`).
pub const SPOT_TICKERS: Endpoint = SWAP_TICKERS.named("tickers-spot");

/// The SWAP open interest (`instType=SWAP`; 20 / 2 s: weight 1).
pub const SWAP_OPEN_INTEREST: Endpoint = Endpoint::at(HOST, "/api/v5/public/open-interest", 1)
    .docs("https://www.okx.com/docs-v5/en/#public-data-rest-api-get-open-interest");

/// The SWAP mark prices (`instType=SWAP`; 10 / 2 s: weight 2).
pub const SWAP_MARK_PRICES: Endpoint = Endpoint::at(HOST, "/api/v5/public/mark-price", 2)
    .docs("https://www.okx.com/docs-v5/en/#public-data-rest-api-get-mark-price");

/// The index tickers of one quote currency (`quoteCcy`; one request per quote; 20 / 2 s:
/// weight 1).
pub const QUOTE_INDEX_TICKERS: Endpoint = Endpoint::at(HOST, "/api/v5/market/index-tickers", 1)
    .docs("https://www.okx.com/docs-v5/en/#public-data-rest-api-get-index-tickers");

/// One swap's settled funding history: `instId`, `after` (records older than that
/// `fundingTime`), `before` (newer), `limit` ≤ 100; newest first; the last 3 months only
/// (10 / 2 s per IP and instId: weight 2).
pub const SWAP_FUNDING_HISTORY: Endpoint =
    Endpoint::at(HOST, "/api/v5/public/funding-rate-history", 2)
        .docs("https://www.okx.com/docs-v5/en/#public-data-rest-api-get-funding-rate-history");
/// Page size basis asks the funding history for (the documented maximum).
pub const FUNDING_HISTORY_LIMIT: usize = 100;
/// Days of funding history OKX keeps ("last 3 months").
pub const FUNDING_HISTORY_DAYS: u32 = 90;

/// The recent candles (its name is the one candle parse errors carry): `instId`
/// (`BTC-USDT-SWAP` last-trade bars, `BTC-USDT`), `bar` (`1H`; `1D` is Hong Kong time, `1Dutc`
/// UTC), `after` (bars older than that `ts`), `before` (newer), `limit` ≤ 300 (default 100);
/// newest first, the running bar first with `confirm` "0"; only the latest 1,440 bars
/// (40 / 2 s per IP: weight 1, see the module docs).
pub const RECENT_CANDLES: Endpoint = Endpoint::at(HOST, "/api/v5/market/candles", 1)
    .docs("https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks");
/// Page size basis asks `candles` for at most (the documented maximum).
pub const CANDLES_LIMIT: usize = 300;
/// How many of the latest bars `candles` serves.
pub const CANDLES_REACH: i64 = 1440;

/// The older candles: the parameters of [`RECENT_CANDLES`], `limit` ≤ 100, years back
/// (20 / 2 s per IP: weight 1).
pub const OLDER_CANDLES: Endpoint = Endpoint::at(HOST, "/api/v5/market/history-candles", 1).docs(
    "https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-candlesticks-history",
);
/// Page size basis asks `history-candles` for at most (the documented maximum).
pub const HISTORY_CANDLES_LIMIT: usize = 100;

/// OKX's `bar` of a bar length: `1H`, or `1Dutc` (00:00 UTC days; plain `1D` is UTC+8).
#[must_use]
pub const fn bar_name(bar: Bar) -> &'static str {
    kit::per_bar(bar, "1H", "1Dutc")
}

/// The endpoint and `limit` of the candle page whose newest wanted bar opens at
/// `newest`, in the window of `grid`. `candles` while the page's bars lie within its reach (the
/// latest [`CANDLES_REACH`] bars, less one for a bar that may open between basis's clock and
/// OKX's), then `history-candles`.
fn candle_endpoint(grid: BarGrid, newest: i64) -> Option<(Endpoint, usize)> {
    if newest < grid.first {
        return None;
    }
    let left = grid.count(grid.first, newest);
    let edge = grid.last - (CANDLES_REACH - 2) * grid.bar;
    Some(if newest >= edge {
        let reach = grid.count(edge, newest);
        (RECENT_CANDLES, left.min(reach).min(CANDLES_LIMIT))
    } else {
        (OLDER_CANDLES, left.min(HISTORY_CANDLES_LIMIT))
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
        history: Paging::backward(FUNDING_HISTORY_LIMIT),
        parse: reference, snapshot, body_signal, funding_history, candles,
    }

    /// The SWAP and SPOT instrument lists and the optional discount-rate tiers (collateral
    /// haircuts; weight 10).
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            SWAP_INSTRUMENTS.request().query("instType", "SWAP"),
            SPOT_INSTRUMENTS.request().query("instType", "SPOT"),
            DISCOUNT_RATES.request().optional(),
        ]
    }

    /// The four scan requests (funding, SWAP and SPOT tickers, open interest); `full` adds mark
    /// prices and the USDT and USDC index tickers, which the analyzer does not use.
    fn snapshot_requests(&self, full: bool) -> Vec<Request> {
        let mut plan = vec![
            FUNDING_RATES.request().query("instId", "ANY"),
            SWAP_TICKERS.request().query("instType", "SWAP"),
            SPOT_TICKERS.request().query("instType", "SPOT"),
            SWAP_OPEN_INTEREST
                .request()
                .query("instType", "SWAP")
                .optional(),
        ];
        if full {
            plan.push(
                SWAP_MARK_PRICES
                    .request()
                    .query("instType", "SWAP")
                    .optional(),
            );
            for quote in INDEX_QUOTES {
                plan.push(
                    QUOTE_INDEX_TICKERS
                        .request()
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
            SWAP_FUNDING_HISTORY
                .request()
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
    /// `history-candles`, see `candle_endpoint`). Stops after an empty page, a short one or one
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
                candle_endpoint(grid, newest)?.1.saturating_sub(1)
            }
        };
        let to = Pages::of(full).backward(previous, window.end_ms, grid.first)?;
        let (endpoint, limit) = candle_endpoint(grid, grid.floor(to))?;
        Some(
            endpoint
                .request()
                .query("instId", window.symbol)
                .query("bar", bar_name(window.bar))
                .query("after", to.saturating_add(1).to_string())
                .query("limit", limit.to_string()),
        )
    }
}
