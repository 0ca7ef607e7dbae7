//! MEXC adapter: USDT/USDC perpetual contracts and spot v3 on two hosts, endpoints and plans.
//!
//! Request plan:
//!
//! | plan | host | endpoint | docs |
//! |---|---|---|---|
//! | reference (hourly) | futures | `contract/detail` (1 call / 5 s) | [`CONTRACT_DETAIL`] |
//! | | spot | `exchangeInfo` | [`EXCHANGE_INFO`] |
//! | | futures | `contract/funding_rate` without a symbol (optional, undocumented) | [`FUNDING_RATE`] |
//! | details (≤ [`DETAIL_BATCH`] per refresh) | futures | `contract/funding_rate/{symbol}` | [`FUNDING_RATE`] |
//! | scan (`full = false`, 2 requests) | futures | `contract/ticker` (every contract) | [`TICKER`] |
//! | | spot | `ticker/24hr` (every pair) | [`SPOT_TICKER`] |
//! | poll (`full = true`) | | the same two | |
//! | backfill: settled funding | futures | `funding_rate/history` (`page_num`, `page_size=1000`) | [`FUNDING_HISTORY`] |
//! | backfill: candles | futures | `kline/{symbol}` (`Day1`/`Min60`, seconds) | [`CONTRACT_KLINE`] |
//! | | spot | `klines` (`1d`/`60m`) | [`SPOT_KLINES`] |
//!
//! The contract ticker carries funding, mark (`fairPrice`), index, bid/ask, high/low, quote
//! volume and open interest, so `full` adds nothing.
//!
//! Funding interval (`collectCycle`, hours): documented only per symbol, at
//! `contract/funding_rate/{symbol}`. The same path without a symbol answers every contract in
//! live use (several public clients rely on it), so the reference asks it once per refresh as
//! an optional request; contracts it does not cover get the per-symbol call through
//! [`VenueAdapter::detail_requests`] (unknown ones first, then the oldest cached ones, about one
//! in 24 per refresh), and cached values are carried over. A perp whose interval is still unknown
//! is left out of the snapshot rather than assumed to be 8 h.
//!
//! Next funding time: the ticker has none, and the reference caches only the interval, so it is
//! the next multiple of the interval on the UTC epoch grid after the ticker's `timestamp` (MEXC
//! settles 8 h contracts at 00:00, 08:00 and 16:00 UTC, and shorter cycles on the same grid; a
//! cached `nextSettleTime` off that grid is logged).
//!
//! Limits: spot allows 500 weight per 10 s per IP and endpoint (`ticker/24hr` without a symbol
//! weighs 40, `exchangeInfo` 10); contract market endpoints 20 calls / 2 s, except
//! `contract/detail`, 1 call / 5 s, which weighs the futures host's whole 50 % burst (10), so
//! nothing else is sent on that host for the next 2 s (and it runs once an hour). HTTP 429 and
//! 418 carry `Retry-After`; the contract body code 510 means the same as 429.
//!
//! History (`backfill`):
//! - Settled funding: `funding_rate/history` has no time parameters; it pages by number from
//!   the newest settlement (`page_num` 1-based, `page_size` ≤ 1000). Paging stops on an empty
//!   or short page, or one whose oldest settlement reaches the window's start. A settlement
//!   landing between two requests shifts the pages by one row: a duplicate, never a gap.
//! - Contract candles: `start`/`end` in seconds, at most [`CONTRACT_KLINE_LIMIT`] rows and no
//!   `limit` parameter; which rows a longer window returns is not documented, so the window
//!   is asked in chunks of 2000 bars, newest first (one request for 45 daily or 7 days of
//!   hourly bars), stopping at the start, on an empty page or on a page whose oldest bar is
//!   younger than its chunk's first. Daily bars (`Day1`) are taken as UTC (undocumented).
//! - Spot candles: Binance-like, paged forward from the window's start (`startTime`,
//!   `endTime` exclusive, `limit` ≤ 1000), stopping on an empty or short page or at the end.
//!   The interval is `60m` (MEXC has no `1h`) or `1d`; the `1d` bar's time zone is not
//!   documented: the caller rejects daily bars that do not open at 00:00 UTC.
//! - Neither flags the unfinished bar (the caller drops it).

mod parse;
pub(crate) mod tiers;
mod wire;

use std::time::Duration;

use super::kit::{self, BarPage, Endpoint, Paging, Span};
use super::{Candle, CandleWindow, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::Market;

/// Host key of the spot v3 API.
pub const SPOT: &str = "spot";
/// Host key of the contract (futures) API.
pub const FUTURES: &str = "futures";

/// MEXC's hosts. Spot: `BASIS_MEXC_SPOT_URL`, default `https://api.mexc.com`, 500 weight / 10 s
/// per IP and endpoint (<https://mexcdevelop.github.io/apidocs/spot_v3_en/#limits>). Contract:
/// `BASIS_MEXC_FUTURES_URL`, default `https://contract.mexc.com`, 20 calls / 2 s per endpoint
/// (<https://mexcdevelop.github.io/apidocs/contract_v1_en/#market-endpoints>).
pub const HOSTS: [HostSpec; 2] = [
    HostSpec::new(SPOT, "BASIS_MEXC_SPOT_URL", "https://api.mexc.com")
        .limit(500, Duration::from_secs(10)),
    HostSpec::new(
        FUTURES,
        "BASIS_MEXC_FUTURES_URL",
        "https://contract.mexc.com",
    )
    .limit(20, Duration::from_secs(2)),
];

/// Contract list (1 call / 5 s: weight 10, the futures host's whole 50 % burst).
pub const CONTRACT_DETAIL: Endpoint =
    Endpoint::new("contract-detail", FUTURES, "/api/v1/contract/detail", 10)
        .docs("https://mexcdevelop.github.io/apidocs/contract_v1_en/#get-the-contract-information");

/// Spot pair list (weight 10).
pub const EXCHANGE_INFO: Endpoint = Endpoint::at(SPOT, "/api/v3/exchangeInfo", 10)
    .docs("https://mexcdevelop.github.io/apidocs/spot_v3_en/#exchange-information");

/// Funding rates of every contract (no symbol; undocumented; 20 / 2 s: weight 1).
pub const FUNDING_RATES: Endpoint =
    Endpoint::new("funding-rates", FUTURES, "/api/v1/contract/funding_rate", 1)
        .docs("https://mexcdevelop.github.io/apidocs/contract_v1_en/#get-contract-funding-rate");

/// One contract's funding rate: [`FUNDING_RATES`]' path followed by `/{symbol}`.
pub const FUNDING_RATE: Endpoint = FUNDING_RATES.named("funding-rate");

/// Path of the funding rates (`/{symbol}` follows for one contract).
pub const FUNDING_RATE_PATH: &str = FUNDING_RATES.path;

/// Contract tickers, every contract when `symbol` is omitted (20 / 2 s: weight 1).
pub const TICKER: Endpoint =
    Endpoint::new("contract-ticker", FUTURES, "/api/v1/contract/ticker", 1)
        .docs("https://mexcdevelop.github.io/apidocs/contract_v1_en/#get-contract-trend-data");

/// Spot 24 h tickers (every pair without `symbol`: weight 40).
pub const SPOT_TICKER: Endpoint =
    Endpoint::new("spot-ticker-24hr", SPOT, "/api/v3/ticker/24hr", 40).docs(
        "https://mexcdevelop.github.io/apidocs/spot_v3_en/#24hr-ticker-price-change-statistics",
    );

/// Settled funding history (`symbol`, `page_num`, `page_size` ≤ 1000; newest first; 20 / 2 s:
/// weight 1).
pub const FUNDING_HISTORY: Endpoint = Endpoint::new(
    "funding-history",
    FUTURES,
    "/api/v1/contract/funding_rate/history",
    1,
)
.docs("https://mexcdevelop.github.io/apidocs/contract_v1_en/#get-contract-funding-rate-history");
/// Page size of the funding-history requests (the documented maximum).
pub const FUNDING_HISTORY_PAGE: usize = 1000;

/// Contract candles; `/{symbol}` follows (`interval` `Min60`/`Day1`, `start`/`end` in seconds;
/// last-trade prices per contract unit; 20 / 2 s: weight 1).
pub const CONTRACT_KLINE: Endpoint =
    Endpoint::new("contract-kline", FUTURES, "/api/v1/contract/kline", 1)
        .docs("https://mexcdevelop.github.io/apidocs/contract_v1_en/#k-line-data");
/// Most rows a contract candle request returns.
pub const CONTRACT_KLINE_LIMIT: usize = 2000;

/// Spot candles (`symbol`, `interval` `60m`/`1d`, `startTime`, `endTime` exclusive, ms; `limit`
/// default 500, max [`SPOT_KLINES_LIMIT`]; weight 1).
pub const SPOT_KLINES: Endpoint = Endpoint::new("spot-klines", SPOT, "/api/v3/klines", 1)
    .docs("https://mexcdevelop.github.io/apidocs/spot_v3_en/#kline-candlestick-data");
/// Most rows a spot candle request returns.
pub const SPOT_KLINES_LIMIT: usize = 1000;

/// Most per-symbol funding-rate requests per reference refresh: 40 calls at the futures host's
/// 5 calls/s budget take 8 s, inside the 20 s scan deadline with the rest of a cold start.
pub const DETAIL_BATCH: usize = 40;

/// Contract body code for "Excessive frequency of requests".
pub const RATE_LIMIT_CODE: &str = "510";

/// The MEXC adapter (contract v1 + spot v3).
#[derive(Debug, Clone, Copy)]
pub struct Mexc;

impl VenueAdapter for Mexc {
    kit::adapter_basics! {
        history: Paging::numbered(FUNDING_HISTORY_PAGE),
        details: DETAIL_BATCH => funding_rate_request,
        candles: candles,
        parse: reference, snapshot, body_signal, funding_history,
    }

    /// Contracts, spot pairs, and (optional) every contract's funding interval in one call.
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            CONTRACT_DETAIL.request(),
            EXCHANGE_INFO.request(),
            FUNDING_RATES.request().optional(),
        ]
    }

    /// The contract and spot tickers, for scans and polls alike (nothing else is in bulk).
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![TICKER.request(), SPOT_TICKER.request()]
    }

    /// Page `page + 1` of 1000 settlements, newest first; stops after an empty or short page
    /// or one reaching `start_ms`.
    fn history_page(&self, symbol: &str, span: Span) -> Option<Request> {
        Some(
            FUNDING_HISTORY
                .request()
                .query("symbol", symbol)
                .query("page_num", (span.page + 1).to_string())
                .query("page_size", span.full.to_string()),
        )
    }

    /// Contract: chunks of 2000 bars from the window's last bar backwards (`page` 0 is the
    /// newest). Spot: forward from the window's start, 1000 bars a page.
    fn candle_paging(&self, window: &CandleWindow<'_>) -> Option<Paging> {
        Some(match window.market {
            Market::Perp => Paging::numbered(CONTRACT_KLINE_LIMIT),
            Market::Spot => Paging::forward(SPOT_KLINES_LIMIT),
        })
    }

    /// Contract pages in seconds; spot's `endTime` is exclusive, so it asks 1 ms past the end.
    fn candle_page(&self, window: &CandleWindow<'_>, page: BarPage) -> Option<Request> {
        Some(match window.market {
            Market::Perp => CONTRACT_KLINE
                .below(&format!("/{}", window.symbol))
                .query("interval", kit::per_bar(window.bar, "Min60", "Day1"))
                .query("start", page.first.div_euclid(1000).to_string())
                .query("end", page.to.div_euclid(1000).to_string()),
            Market::Spot => SPOT_KLINES
                .request()
                .query("symbol", window.symbol)
                .query("interval", kit::per_bar(window.bar, "60m", "1d"))
                .time_window(page.from, page.to.checked_add(1)?, page.bars),
        })
    }
}

/// The funding-rate request of one contract (`/api/v1/contract/funding_rate/BTC_USDT`).
#[must_use]
pub fn funding_rate_request(symbol: &str) -> Request {
    FUNDING_RATE.below(&format!("/{symbol}"))
}

/// The candles of one page of `market` (see [`VenueAdapter::parse_candles`]).
fn candles(market: Market, body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    match market {
        Market::Perp => parse::contract_candles(body),
        Market::Spot => parse::spot_candles(body),
    }
}
