//! Binance adapter (spot + USDⓈ-M futures): hosts, limits, endpoints with weights and docs links.
//!
//! Reference (cached, refreshed hourly by the caller): `fapi/v1/exchangeInfo` (perpetual +
//! trading filter, base/quote/margin), `fapi/v1/fundingInfo` (the symbols whose funding interval
//! differs from the 8 h default), `api/v3/exchangeInfo` (trading spot pairs) and, optional,
//! `fapi/v1/assetIndex` (the Multi-Assets mode collateral haircuts: `k = 1 − bidBuffer`).
//! Snapshot: four bulk calls, never a per-symbol loop — `premiumIndex` (rate, next funding, mark,
//! index), futures `ticker/24hr` (high/low, quote volume), futures `ticker/bookTicker` (bid/ask)
//! and spot `ticker/24hr` (bid/ask, high/low, quote volume). Binance has no bulk open interest, so
//! it stays `None`.
//!
//! Funding history: `fapi/v1/fundingRate`, paged forward from the window's start, 1000 per page.
//! Candles: `api/v3/klines` (spot, 1000 per page) and `fapi/v1/klines` (perps, last-trade bars,
//! 1500 per page), `1h`/`1d` (UTC), paged forward from the window's start.
//!
//! Limits: futures 2400 request weight per minute per IP, spot 6000; over it HTTP 429, then an
//! automatic IP ban with HTTP 418 (2 minutes up to 3 days), both with `Retry-After`; 403 is the WAF.
//! Docs: <https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info>,
//! <https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits>
//!
//! Errors: `{"code": <negative>, "msg": …}` is an API error; codes -1003 (too much request weight,
//! also sent with the 418 ban) and -1015 (too many orders) mean rate limited. Anything else
//! (arrays, objects without a negative code, the WAF's HTML) says nothing.
//! Docs: <https://developers.binance.com/docs/binance-spot-api-docs/errors>

mod parse;
mod wire;

use std::time::Duration;

use super::kit::{self, BarPage, Paging, Span};
use super::{Bar, CandleWindow, Endpoint, HostSpec, Request, VenueAdapter};
use crate::model::Market;

/// The spot host: 6000 request weight per minute per IP (`REQUEST_WEIGHT` in exchangeInfo).
/// Docs: <https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits>
pub const SPOT: HostSpec =
    HostSpec::new("spot", "BASIS_BINANCE_SPOT_URL", "https://api.binance.com")
        .limit(6000, Duration::from_secs(60));

/// The USDⓈ-M futures host: 2400 request weight per minute per IP.
/// Docs: <https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info>
pub const FUTURES: HostSpec = HostSpec::new(
    "futures",
    "BASIS_BINANCE_FUTURES_URL",
    "https://fapi.binance.com",
)
.limit(2400, Duration::from_secs(60));

static HOSTS: [HostSpec; 2] = [SPOT, FUTURES];

/// USDⓈ-M instruments (every contract type and status), weight 1.
pub const FAPI_EXCHANGE_INFO: Endpoint =
    FUTURES.endpoint("/fapi/v1/exchangeInfo", 1)
        .docs("https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information");

/// Funding intervals and caps of the adjusted symbols only (every other symbol is 8 h).
/// Documented weight 0, but it shares a 500 requests / 5 min / IP bucket with `fundingRate`: it is
/// reference data, fetched once an hour. (The HTTP layer charges every call at least 1.)
pub const FAPI_FUNDING_INFO: Endpoint =
    FUTURES.endpoint("/fapi/v1/fundingInfo", 0)
        .docs("https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-Info");

/// Spot instruments, weight 20; basis asks for `permissions=SPOT`, `symbolStatus=TRADING` and
/// `showPermissionSets=false`, which shrink the payload (all three are documented parameters).
pub const SPOT_EXCHANGE_INFO: Endpoint =
    SPOT.endpoint("/api/v3/exchangeInfo", 20)
        .docs("https://developers.binance.com/docs/binance-spot-api-docs/rest-api/general-endpoints#exchange-information");

/// Multi-Assets mode asset index of every collateral coin, weight 10 without `symbol`: one entry
/// per `<COIN>USD` with the coin's USD index and its `bidBuffer`, the haircut Binance applies to
/// the coin as margin (`bidRate = index × (1 − bidBuffer)`), so its collateral value ratio is
/// `k = 1 − bidBuffer`. Binance publishes one ratio per coin (no tiers). Optional reference data.
pub const FAPI_ASSET_INDEX: Endpoint =
    FUTURES.endpoint("/fapi/v1/assetIndex", 10)
        .docs("https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Multi-Assets-Mode-Asset-Index");

/// Mark price, index price, current (predicted) funding rate and next funding time of every
/// symbol, weight 10 without `symbol`.
pub const FAPI_PREMIUM_INDEX: Endpoint =
    FUTURES.endpoint("/fapi/v1/premiumIndex", 10)
        .docs("https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Mark-Price");

/// 24 h statistics of every futures symbol (high/low, `quoteVolume`; no bid/ask), weight 40
/// without `symbol`.
pub const FAPI_TICKER_24HR: Endpoint =
    FUTURES.endpoint("/fapi/v1/ticker/24hr", 40)
        .docs("https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/24hr-Ticker-Price-Change-Statistics");

/// Best bid/ask of every futures symbol, weight 5 without `symbol`.
pub const FAPI_BOOK_TICKER: Endpoint =
    FUTURES.endpoint("/fapi/v1/ticker/bookTicker", 5)
        .docs("https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Symbol-Order-Book-Ticker");

/// 24 h statistics of every spot symbol, `FULL` type (bid/ask, high/low, `quoteVolume`), weight 80
/// without `symbol`; `symbolStatus=TRADING` leaves out halted and delisted pairs.
pub const SPOT_TICKER_24HR: Endpoint =
    SPOT.endpoint("/api/v3/ticker/24hr", 80)
        .docs("https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#24hr-ticker-price-change-statistics");

/// Settled funding of one symbol: `symbol`, `startTime`, `endTime` (ms, both inclusive), `limit`
/// (default 100, max 1000); ascending by time, the first `limit` records from `startTime`.
/// Binance documents no request weight for it, but it shares a 500 requests / 5 min / IP bucket
/// with `fundingInfo`, which the futures limiter does not model. Weight 24 makes the futures
/// limiter (50 % of 2400 per minute = 1200 per minute) pass at most 50 of them a minute, 250 per
/// 5 minutes: half of that bucket, the same 50 % margin as every other host budget.
pub const FAPI_FUNDING_RATE: Endpoint =
    FUTURES.endpoint("/fapi/v1/fundingRate", 24)
        .docs("https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-History");

/// Page size basis asks `fundingRate` for (the documented maximum).
pub const FUNDING_HISTORY_LIMIT: usize = 1000;

/// Spot klines (candles) of one symbol: `symbol`, `interval` (`1h`, `1d`; case-sensitive),
/// `startTime`, `endTime` (ms, inclusive), `limit` (default 500, max 1000), `timeZone` (default
/// 0 = UTC, which basis keeps by not sending it). Oldest first; with `startTime` the first `limit`
/// bars from it. Weight 2.
pub const SPOT_KLINES: Endpoint =
    SPOT.endpoint("/api/v3/klines", 2)
        .docs("https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#klinecandlestick-data");

/// Page size basis asks spot klines for at most (the documented maximum).
pub const SPOT_KLINES_LIMIT: usize = 1000;

/// USDⓈ-M last-trade klines of one symbol: same parameters as [`SPOT_KLINES`] (no `timeZone`),
/// `limit` default 500, max 1500. The weight depends on `limit` ([`fapi_klines_weight`]); the
/// constant holds the largest, each request carries the weight of its own `limit`.
pub const FAPI_KLINES: Endpoint =
    FUTURES.endpoint("/fapi/v1/klines", 10)
        .docs("https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Kline-Candlestick-Data");

/// Page size basis asks futures klines for at most (the documented maximum).
pub const FAPI_KLINES_LIMIT: usize = 1500;

/// The documented weight of a `fapi/v1/klines` call with `limit`: [1, 100) → 1, [100, 500) → 2,
/// [500, 1000] → 5, above 1000 → 10.
#[must_use]
pub const fn fapi_klines_weight(limit: usize) -> u32 {
    match limit {
        0..100 => 1,
        100..500 => 2,
        500..=1000 => 5,
        _ => 10,
    }
}

/// Binance's name of a bar length (`interval`): `1h`, `1d` (UTC days).
#[must_use]
pub const fn interval(bar: Bar) -> &'static str {
    kit::per_bar(bar, "1h", "1d")
}

/// Ban length when a 418/403 carries no `Retry-After`: Binance's automatic bans start at 2 minutes.
/// Docs: <https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits>
pub const DEFAULT_BAN: Duration = Duration::from_secs(120);

/// The Binance adapter.
#[derive(Debug, Clone, Copy)]
pub struct Binance;

impl VenueAdapter for Binance {
    kit::adapter_basics! {
        history: Paging::forward(FUNDING_HISTORY_LIMIT),
        candles: parse::candles,
        parse: reference, snapshot, envelope_signal, funding_history,
    }

    /// Futures exchangeInfo, fundingInfo, the filtered spot exchangeInfo and the optional
    /// assetIndex (futures weight 1 + 0 + 10, spot 20).
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            FAPI_EXCHANGE_INFO.request(),
            FAPI_FUNDING_INFO.request(),
            SPOT_EXCHANGE_INFO
                .request()
                .query("permissions", "SPOT")
                .query("symbolStatus", "TRADING")
                .query("showPermissionSets", "false"),
            FAPI_ASSET_INDEX.request().optional(),
        ]
    }

    /// The same four requests whether `full` or not (futures weight 55, spot 80): every field the
    /// poller stores (mark, index) is already in `premiumIndex`, and the only thing left, open
    /// interest, has no bulk endpoint on Binance (one call per symbol would blow the budget).
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            FAPI_PREMIUM_INDEX.request(),
            FAPI_TICKER_24HR.request(),
            FAPI_BOOK_TICKER.request(),
            SPOT_TICKER_24HR.request().query("symbolStatus", "TRADING"),
        ]
    }

    /// Pages forward: the first request asks from `start_ms`; each next one from the newest
    /// returned time + 1. Stops after an empty or short page (fewer than
    /// [`FUNDING_HISTORY_LIMIT`]) or one reaching `end_ms`.
    fn history_page(&self, symbol: &str, span: Span) -> Option<Request> {
        Some(
            FAPI_FUNDING_RATE
                .request()
                .query("symbol", symbol)
                .time_window(span.from, span.to, span.full),
        )
    }

    /// Pages forward: the first request asks from `start_ms`, each next one from the newest
    /// returned open + one bar, always up to `end_ms`, for as many bars as the rest of the window
    /// holds (at most [`SPOT_KLINES_LIMIT`] / [`FAPI_KLINES_LIMIT`]; the perp weight follows the
    /// `limit`). Stops after an empty page, a page shorter than the maximum (it held the rest of
    /// the window, or the history ran out) or one reaching the bar open at `end_ms`.
    fn candle_paging(&self, window: &CandleWindow<'_>) -> Option<Paging> {
        Some(Paging::forward(match window.market {
            Market::Spot => SPOT_KLINES_LIMIT,
            Market::Perp => FAPI_KLINES_LIMIT,
        }))
    }

    fn candle_page(&self, window: &CandleWindow<'_>, page: BarPage) -> Option<Request> {
        let request = match window.market {
            Market::Spot => SPOT_KLINES.request(),
            Market::Perp => FAPI_KLINES.weighing(fapi_klines_weight(page.bars)),
        };
        Some(
            request
                .query("symbol", window.symbol)
                .query("interval", interval(window.bar))
                .time_window(page.from, page.to, page.bars),
        )
    }

    fn default_ban(&self) -> Duration {
        DEFAULT_BAN
    }
}
