//! WEEX adapter: contract v2 USDT perpetuals and spot pairs on two hosts, endpoints, limits and plans.
//!
//! Request plan (every call of a scan is a bulk call; nothing is per symbol):
//!
//! | plan | host | endpoint | docs |
//! |---|---|---|---|
//! | reference (hourly) | contract | `capi/v2/market/contracts` | [`CONTRACTS`] |
//! | | spot | v2 `public/exchangeInfo` | [`SPOT_EXCHANGE_INFO`] |
//! | scan and poll (3 requests) | contract | `capi/v2/market/tickers` (every contract) | [`TICKERS`] |
//! | | contract | `capi/v2/market/currentFundRate` without a symbol (every contract) | [`CURRENT_FUND_RATE`] |
//! | | spot | v3 `market/ticker/24hr` without a symbol (every pair) | [`SPOT_TICKER`] |
//! | backfill: settled funding | contract | `capi/v2/market/getHistoryFundRate` (`limit=100`) | [`HISTORY_FUND_RATE`] |
//! | backfill: candles | contract | `capi/v2/market/candles` (`1h`/`1d`) | [`CANDLES`] |
//! | | spot | v2 `market/candles` (`1h`/`1d`) | [`SPOT_CANDLES`] |
//!
//! Contract symbols are `cmt_btcusdt`; spot v2 names pairs `BTCUSDT_SPBL` (the instrument's
//! symbol) and spot v3 `BTCUSDT` (the v2 name without [`SPOT_SUFFIX`]). The spot v2 ticker has no
//! best bid and ask, so the snapshot reads the v3 one, which has.
//!
//! What WEEX does not publish, and how basis derives it:
//! - The funding interval: `currentFundRate`'s `collectCycle` (minutes) where the scan has a
//!   row; else the contract list's `delivery` settlement times of day, when evenly spread (three
//!   times a day: 8 h). A perp with neither is left out, never assumed 8 h.
//! - The next funding time: only per symbol (`funding_time`), so, as for MEXC, the next multiple
//!   of the interval on the UTC epoch grid after the ticker's `timestamp` (the `delivery` times
//!   are on that grid).
//! - Open interest: only per symbol (`open_interest`): not fetched.
//! - Settled funding: v2 `getHistoryFundRate` takes no time parameters and answers the newest
//!   [`HISTORY_LIMIT`] settlements at most (about 33 days of an 8 h contract): one request a
//!   perp, and older settlements are out of reach.
//! - Margin tiers: the contract list has only `maxLeverage`: none.
//!
//! Limits: endpoints limited by IP share 500 weight per 10 s ("Endpoints with IP limits have an
//! independent limit of 500 requests per 10 seconds"), each host its own; basis uses half. The
//! documented weights: contracts 10, single ticker, `currentFundRate` and candles 1,
//! `getHistoryFundRate` 5, spot `exchangeInfo` 10, v3 `ticker/24hr` 2; the bulk contract tickers
//! (no weight published) count as the contract list's 10. HTTP 429, or a body `code` `"429"`
//! ("Requesting too frequently"), is a rate limit.
//!
//! Candles: both markets take `startTime`/`endTime` (ms) and `limit` (contract at most
//! [`CANDLE_LIMIT`]; spot documents no maximum, basis asks [`SPOT_CANDLE_LIMIT`]), so a window is
//! asked in chunks of exactly the bars it needs, newest first ([`kit::BarGrid`]). The daily
//! bar's time zone is not documented: the caller rejects daily bars not opening at 00:00 UTC.
//! Neither flags the running bar (the caller drops it).

mod parse;
mod wire;

use std::time::Duration;

use super::kit::{self, BarPage, Endpoint, Paging, Span};
use super::{CandleWindow, HostSpec, Request, VenueAdapter};
use crate::model::Market;

/// Host key of the spot API.
pub const SPOT: &str = "spot";
/// Host key of the contract API.
pub const CONTRACT: &str = "contract";

/// WEEX's hosts: spot `BASIS_WEEX_SPOT_URL` (default `https://api-spot.weex.com`) and contract
/// `BASIS_WEEX_CONTRACT_URL` (default `https://api-contract.weex.com`), 500 weight / 10 s per IP
/// each (<https://www.weex.com/api-doc/contract/intro>).
pub const HOSTS: [HostSpec; 2] = [
    HostSpec::new(SPOT, "BASIS_WEEX_SPOT_URL", "https://api-spot.weex.com")
        .limit(500, Duration::from_secs(10)),
    HostSpec::new(
        CONTRACT,
        "BASIS_WEEX_CONTRACT_URL",
        "https://api-contract.weex.com",
    )
    .limit(500, Duration::from_secs(10)),
];

/// The contract list (no `symbol`: every contract; weight 10).
pub const CONTRACTS: Endpoint = Endpoint::at(CONTRACT, "/capi/v2/market/contracts", 10)
    .docs("https://www.weex.com/api-doc/contract/Market_API/GetContractInfo");

/// Every contract's ticker (no weight published: counted as [`CONTRACTS`]').
pub const TICKERS: Endpoint = Endpoint::at(CONTRACT, "/capi/v2/market/tickers", 10)
    .docs("https://www.weex.com/api-doc/contract/Market_API/GetAllTickerInfo");

/// Current funding rates; without `symbol` every contract (weight 1).
pub const CURRENT_FUND_RATE: Endpoint =
    Endpoint::at(CONTRACT, "/capi/v2/market/currentFundRate", 1)
        .docs("https://www.weex.com/api-doc/contract/Market_API/GetCurrentFundRate");

/// One contract's settled funding: `symbol`, `limit` (at most [`HISTORY_LIMIT`]); newest first
/// (weight 5).
pub const HISTORY_FUND_RATE: Endpoint =
    Endpoint::at(CONTRACT, "/capi/v2/market/getHistoryFundRate", 5)
        .docs("https://www.weex.com/api-doc/contract/Market_API/GetContractFundingHistory");
/// Most settlements `getHistoryFundRate` answers.
pub const HISTORY_LIMIT: usize = 100;

/// One contract's (last-price) candles: `symbol`, `granularity`, `startTime`, `endTime` (ms),
/// `limit` (default 100, at most [`CANDLE_LIMIT`]; weight 1).
pub const CANDLES: Endpoint = Endpoint::at(CONTRACT, "/capi/v2/market/candles", 1)
    .docs("https://www.weex.com/api-doc/contract/Market_API/GetKLineData");
/// Most contract candles a request answers.
pub const CANDLE_LIMIT: i64 = 1000;

/// The spot pair list (v2; no `symbol`: every pair; weight 10).
pub const SPOT_EXCHANGE_INFO: Endpoint = Endpoint::at(SPOT, "/api/v2/public/exchangeInfo", 10)
    .docs("https://www.weex.com/api-doc/spot/ConfigAPI/GetProductInfo");

/// Every spot pair's 24 h ticker with its best bid and ask (v3; no `symbol`; weight 2).
pub const SPOT_TICKER: Endpoint =
    Endpoint::new("ticker-24hr", SPOT, "/api/v3/market/ticker/24hr", 2)
        .docs("https://www.weex.com/api-doc/spot/MarketDataAPI/GetAllTickerInfo");

/// One spot pair's candles (v2 name): `symbol`, `period`, `startTime`, `endTime` (ms), `limit`
/// (weight 1).
pub const SPOT_CANDLES: Endpoint = Endpoint::new("spot-candles", SPOT, "/api/v2/market/candles", 1)
    .docs("https://www.weex.com/api-doc/spot/MarketDataAPI/GetKLineData");
/// Spot candles basis asks a request for (WEEX documents no maximum).
pub const SPOT_CANDLE_LIMIT: i64 = 500;

/// What ends a spot v2 pair name (`BTCUSDT_SPBL`); the v3 name is the rest.
pub const SPOT_SUFFIX: &str = "_SPBL";

/// Body code for "Requesting too frequently".
pub const RATE_LIMIT_CODE: &str = "429";

/// The WEEX adapter (contract v2 + spot).
#[derive(Debug, Clone, Copy)]
pub struct Weex;

impl VenueAdapter for Weex {
    kit::adapter_basics! {
        history: Paging::once(),
        candles: parse::candles,
        parse: reference, snapshot, body_signal, funding_history,
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![CONTRACTS.request(), SPOT_EXCHANGE_INFO.request()]
    }

    /// The contract tickers and funding rates and the spot tickers, for scans and polls alike.
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            TICKERS.request(),
            CURRENT_FUND_RATE.request(),
            SPOT_TICKER.request(),
        ]
    }

    /// The newest [`HISTORY_LIMIT`] settlements (the endpoint has no time parameters nor
    /// pages): one request a window.
    fn history_page(&self, symbol: &str, _span: Span) -> Option<Request> {
        Some(
            HISTORY_FUND_RATE
                .request()
                .query("symbol", symbol)
                .query("limit", HISTORY_LIMIT.to_string()),
        )
    }

    /// Chunks of at most [`CANDLE_LIMIT`] (contract) or [`SPOT_CANDLE_LIMIT`] (spot) bars, newest
    /// first, each asking exactly its bars.
    fn candle_paging(&self, window: &CandleWindow<'_>) -> Option<Paging> {
        let limit = match window.market {
            Market::Perp => CANDLE_LIMIT,
            Market::Spot => SPOT_CANDLE_LIMIT,
        };
        Some(Paging::numbered(usize::try_from(limit).ok()?))
    }

    fn candle_page(&self, window: &CandleWindow<'_>, page: BarPage) -> Option<Request> {
        let (endpoint, bar_key) = match window.market {
            Market::Perp => (CANDLES, "granularity"),
            Market::Spot => (SPOT_CANDLES, "period"),
        };
        Some(
            endpoint
                .request()
                .query("symbol", window.symbol)
                .query(bar_key, kit::per_bar(window.bar, "1h", "1d"))
                .time_window(page.from, page.to, page.bars),
        )
    }
}
