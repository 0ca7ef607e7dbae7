//! BingX adapter: USDT/USDC perpetual swaps (v2) and spot (v1) on one host, endpoints and plans.
//!
//! Request plan (bulk calls, except the bounded per-symbol funding-history batch):
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `quote/contracts`, `common/symbols` | [`CONTRACTS`], [`SPOT_SYMBOLS`] |
//! | | `quote/premiumIndex` (optional: intervals and a server clock) | [`PREMIUM_INDEX`] |
//! | details (≤ [`DETAIL_BATCH`] per refresh) | `quote/fundingRate?symbol=…&limit=3` | [`FUNDING_HISTORY`] |
//! | scan (`full = false`, 3 requests) | `quote/premiumIndex`, `quote/ticker`, spot `ticker/24hr` | [`TICKER`], [`SPOT_TICKER`] |
//! | poll (`full = true`) | the same three | |
//! | backfill: settled funding | `quote/fundingRate?symbol=…&startTime=…&endTime=…&limit=1000` | [`FUNDING_HISTORY`] |
//! | backfill: candles | swap `v3/quote/klines`, spot `v2/market/kline` (`timeZone=0`) | [`KLINES`], [`SPOT_KLINE`] |
//!
//! The three scan requests carry everything BingX has in bulk (funding, interval, mark, index,
//! bid/ask, high/low, quote volume), so `full` adds nothing: open interest exists only per symbol
//! (`quote/openInterest` rejects a missing symbol) and is left `None`.
//!
//! Funding interval: `premiumIndex` rows carry `fundingIntervalHours` in live answers although the
//! field table omits it; the snapshot uses the row's own value every poll. For a symbol whose row
//! lacks it, the cached reference supplies one derived from the two newest settlements of
//! `quote/fundingRate` (fetched through [`VenueAdapter::detail_requests`]); a perp with neither is
//! left out of the snapshot (BingX documents no default, so 8 h is never assumed).
//!
//! Limits: BingX documents 1 request/s per IP for every market endpoint (no weights), answers code
//! 100410 without `Retry-After` when it is exceeded and escalates repeated excess to a temporary
//! ban. The bucket is that limit written over 2 s (2 per 2 s), kept per endpoint
//! ([`HostSpec::per_endpoint`]), so the 50 % budget is one request every 2 s on each endpoint.
//! Every call carries the `timestamp` parameter the docs list, stamped when it is sent
//! ([`Request::with_timestamp`]), so a request waiting for the limiter is never stale.
//!
//! History (`backfill`). BingX documents neither the order of history rows nor which `limit`
//! rows come back when a window holds more, so the plans never depend on either:
//! - Settled funding: one request for the whole window (`limit` 1000); a page with fewer than
//!   1000 rows is the whole window. A full page means more: the window is then fetched again in
//!   chunks of [`FUNDING_CHUNK_HOURS`] (999) hours, newest first, each of which can hold at most
//!   999 settlements (BingX settles at most hourly), until a chunk is empty or reaches the
//!   start. 999, not 1000: a chunk's page can then never repeat the full page before it, which
//!   the caller would take for a venue ignoring the paging parameters.
//! - Candles: chunks of [`KLINE_LIMIT`] bars on the bar grid, newest first, each asked with
//!   `limit` = its bar count; a 45-day daily or a 7-day hourly window is one request. Paging
//!   stops at the window's start, on an empty page, or on a page whose oldest bar is younger
//!   than its chunk's first (the market's history starts inside it). Spot is asked with
//!   `timeZone=0`: BingX's spot bars follow UTC+8 by default (per ccxt; not in the official
//!   reference). Swap daily bars are UTC (no time-zone parameter exists). BingX flags no
//!   unfinished bar.

mod parse;
mod wire;

use std::time::Duration;

use super::kit::{self, BarPage, Endpoint, Paging, Span};
use super::{Bar, Candle, CandleWindow, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::Market;

/// Host key of BingX's only host.
pub const HOST: &str = "main";

/// The one BingX host: `BASIS_BINGX_URL`, default `https://open-api.bingx.com`; 1 request/s per
/// IP per market endpoint, written as 2 per 2 s.
/// Docs: <https://github.com/BingX-API/api-ai-skills/blob/main/skills/references/rate-limits.md>
pub const HOSTS: [HostSpec; 1] =
    [
        HostSpec::new(HOST, "BASIS_BINGX_URL", "https://open-api.bingx.com")
            .limit(2, Duration::from_secs(2))
            .per_endpoint(),
    ];

/// Perpetual contract list (1/s per IP: weight 1).
pub const CONTRACTS: Endpoint = Endpoint::at(HOST, "/openApi/swap/v2/quote/contracts", 1)
    .docs("https://bingx-api.github.io/docs/#/swapV2/market-api.html#Contract%20Information");

/// Spot pair list (1/s per IP: weight 1).
pub const SPOT_SYMBOLS: Endpoint =
    Endpoint::new("spot-symbols", HOST, "/openApi/spot/v1/common/symbols", 1)
        .docs("https://bingx-api.github.io/docs/#/spot/market-api.html#Query%20Symbols");

/// Bulk mark price / funding rows, every contract when `symbol` is omitted (1/s per IP:
/// weight 1).
pub const PREMIUM_INDEX: Endpoint = Endpoint::at(HOST, "/openApi/swap/v2/quote/premiumIndex", 1)
    .docs("https://bingx-api.github.io/docs/#/swapV2/market-api.html#Current%20Funding%20Rate");

/// Bulk perpetual 24 h tickers, every contract when `symbol` is omitted (1/s: weight 1).
pub const TICKER: Endpoint =
    Endpoint::at(HOST, "/openApi/swap/v2/quote/ticker", 1)
        .docs("https://github.com/BingX-API/api-ai-skills/blob/main/skills/swap-market/api-reference.md#8-24h-ticker-price-change-statistics");

/// Bulk spot 24 h tickers, every pair when `symbol` is omitted (1/s per IP: weight 1).
pub const SPOT_TICKER: Endpoint =
    Endpoint::new("spot-ticker-24hr", HOST, "/openApi/spot/v1/ticker/24hr", 1)
        .docs("https://bingx-api.github.io/docs/#/spot/market-api.html#24-hour%20price%20changes");

/// Per-symbol funding history, the interval fallback and `backfill` (`symbol`, `startTime`,
/// `endTime` in ms, `limit` default 100, max 1000; 1/s per IP: weight 1).
pub const FUNDING_HISTORY: Endpoint =
    Endpoint::at(HOST, "/openApi/swap/v2/quote/fundingRate", 1)
        .docs("https://bingx-api.github.io/docs/#/en-us/swapV2/market-api.html#Get%20Funding%20Rate%20History");

/// Path of the funding history.
pub const FUNDING_HISTORY_PATH: &str = FUNDING_HISTORY.path;

/// Path of the premium index.
pub const PREMIUM_INDEX_PATH: &str = PREMIUM_INDEX.path;

/// Settlements asked per history request: the two newest give the interval, a third survives a
/// duplicated row.
pub const HISTORY_LIMIT: u32 = 3;

/// Page size of `backfill`'s funding-history requests (the documented maximum).
pub const FUNDING_PAGE: usize = 1000;

/// Length of the chunks a window with more than [`FUNDING_PAGE`] settlements is fetched in:
/// 999 hours hold at most 999 settlements of an hourly (or slower) contract, fewer than a full
/// page, so no chunk's page equals the full page before it.
pub const FUNDING_CHUNK_HOURS: i64 = 999;

/// Swap candles (`symbol`, `interval` `1h`/`1d`, `startTime`, `endTime` in ms, `limit` default
/// 500, max [`KLINE_LIMIT`]; last-trade prices; 1/s per IP: weight 1).
pub const KLINES: Endpoint = Endpoint::at(HOST, "/openApi/swap/v3/quote/klines", 1).docs(
    "https://github.com/BingX-API/api-ai-skills/blob/main/skills/swap-market/api-reference.md",
);

/// Spot candles (the swap parameters plus `timeZone`; 1/s per IP: weight 1).
pub const SPOT_KLINE: Endpoint =
    Endpoint::new("spot-kline", HOST, "/openApi/spot/v2/market/kline", 1).docs(
        "https://github.com/BingX-API/api-ai-skills/blob/main/skills/spot-market/api-reference.md",
    );

/// Most candles per request (swap and spot): 1440.
pub const KLINE_LIMIT: i64 = 1440;

/// Most funding-history requests per reference refresh. At one request per 2 s a cold start
/// (3 reference + 3 snapshot requests) plus this batch stays inside the 20 s scan deadline.
pub const DETAIL_BATCH: usize = 3;

/// Body code BingX uses for "Request rate limit exceeded" (no `Retry-After`).
pub const RATE_LIMIT_CODE: &str = "100410";

/// Ban assumed when a 418/403 carries no `Retry-After`: BingX bans repeated offenders for
/// "minutes to tens of minutes" and sends no header, so basis stays away for 30 minutes.
pub const DEFAULT_BAN: Duration = Duration::from_secs(30 * 60);

/// The BingX adapter (perpetual swap v2 + spot v1).
#[derive(Debug, Clone, Copy)]
pub struct Bingx;

impl VenueAdapter for Bingx {
    kit::adapter_basics! {
        history: Paging::once_then_chunks(FUNDING_PAGE, FUNDING_CHUNK_HOURS * 3_600_000),
        details: DETAIL_BATCH => funding_history_request,
        candles: candles,
        parse: reference, snapshot, body_signal, funding_history,
    }

    /// Contracts and spot pairs, plus the premium index (optional) for the funding intervals it
    /// carries and a server clock for launch/delisting times.
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            stamped(CONTRACTS),
            stamped(SPOT_SYMBOLS),
            stamped(PREMIUM_INDEX).optional(),
        ]
    }

    /// The premium index, perpetual tickers and spot tickers, for scans and polls alike
    /// (BingX has nothing else in bulk).
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            stamped(PREMIUM_INDEX),
            stamped(TICKER),
            stamped(SPOT_TICKER),
        ]
    }

    /// The window's page as [`Paging::once_then_chunks`] spans it: the whole window first,
    /// then the chunks of [`FUNDING_CHUNK_HOURS`] hours, each asked with `limit` 1000.
    fn history_page(&self, symbol: &str, span: Span) -> Option<Request> {
        Some(
            stamped(FUNDING_HISTORY)
                .query("symbol", symbol)
                .time_window(span.from, span.to, span.full),
        )
    }

    /// Chunks of [`KLINE_LIMIT`] bars from the window's last bar backwards (`page` 0 is the
    /// newest); see the module docs for when paging stops.
    fn candle_paging(&self, _window: &CandleWindow<'_>) -> Option<Paging> {
        Some(Paging::numbered(usize::try_from(KLINE_LIMIT).ok()?))
    }

    fn candle_page(&self, window: &CandleWindow<'_>, page: BarPage) -> Option<Request> {
        let request = stamped(kline_of(window.market))
            .query("symbol", window.symbol)
            .query("interval", interval(window.bar))
            .time_window(page.from, page.to, page.bars);
        Some(match window.market {
            Market::Perp => request,
            Market::Spot => request.query("timeZone", "0"),
        })
    }

    fn default_ban(&self) -> Duration {
        DEFAULT_BAN
    }
}

/// BingX's name of a bar length (`1h`, `1d`; the same on swap and spot).
fn interval(bar: Bar) -> &'static str {
    kit::per_bar(bar, "1h", "1d")
}

/// The candle endpoint of a market.
const fn kline_of(market: Market) -> Endpoint {
    match market {
        Market::Perp => KLINES,
        Market::Spot => SPOT_KLINE,
    }
}

/// A request of `endpoint` stamped with BingX's `timestamp` parameter.
fn stamped(endpoint: Endpoint) -> Request {
    endpoint.request().with_timestamp("timestamp")
}

/// The funding-history request of one contract (`symbol=BTC-USDT&limit=3`).
#[must_use]
pub fn funding_history_request(symbol: &str) -> Request {
    stamped(FUNDING_HISTORY)
        .query("symbol", symbol)
        .query("limit", HISTORY_LIMIT.to_string())
}

/// The candles of one page of `market` (see [`VenueAdapter::parse_candles`]).
fn candles(market: Market, body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    parse::candles(kline_of(market).name, body)
}
