//! dYdX v4 indexer adapter: the `perpetualMarkets` request plan, its weight, the `main` host.
//!
//! One bulk endpoint carries everything ([`PERPETUAL_MARKETS_DOCS`]): status, oracle price,
//! predicted hourly funding, 24 h USD volume and open interest of every market.
//!
//! | plan | request |
//! |---|---|
//! | reference (hourly) | `GET /v4/perpetualMarkets` (statuses, tickers) |
//! | scan and poll (`full` adds nothing) | `GET /v4/perpetualMarkets` |
//!
//! No `limit` is sent: without it the indexer returns every market (with it, at most 1000).
//! dYdX has no spot markets, no dated or inverse contracts; every market is `<COIN>-USD`, quoted
//! in USD per one coin and margined in USDC. Mark = index = `oraclePrice`.
//!
//! **Bid/ask substitute.** The order book is one request per market, which a scan must not
//! loop over, so bid/ask are `oraclePrice ∓ h` with `h = max(oraclePrice ×`
//! [`ASSUMED_HALF_SPREAD`]`, tickSize / 2)`: 5 bp, never less than half a tick. This is an
//! assumption, not a quote: the analyzer's round-trip cost for a dYdX leg becomes
//! `2 × (taker fee + h / oraclePrice)`, i.e. +0.1 % for most markets, whatever the real book;
//! and since the perp mid is the oracle, `basis_pct` against spot on other venues measures the
//! oracle's distance from that spot, not the perp's own premium.
//!
//! History (`basis backfill`, perps only; dYdX has no spot), paged backwards from the window's
//! end, [`HISTORY_LIMIT`] rows a page, newest first:
//!
//! | data | request | docs |
//! |---|---|---|
//! | settled funding (hourly) | `GET /v4/historicalFunding/{market}?effectiveBeforeOrAt=…&limit=1000` | [`HISTORICAL_FUNDING_DOCS`] |
//! | candles | `GET /v4/candles/perpetualMarkets/{market}?resolution=1DAY\|1HOUR&fromISO=…&toISO=…&limit=1000` | [`CANDLES_DOCS`] |
//!
//! Times go out as ISO-8601 with milliseconds and `Z`. `effectiveBeforeOrAt` is inclusive; the
//! indexer's candle query keeps `fromISO <= startedAt < toISO` (v4-chain `candle-table.ts`).
//!
//! Rate limit: 100 requests per 10 s per IP on the indexer (each call weighs 1;
//! [`RATE_LIMITS_DOCS`]). Over the limit: HTTP 429 `{"errors":[{"msg":"Too many requests"}]}`
//! with a `Retry-After` in **milliseconds**.

mod parse;
pub(crate) mod tiers;
mod wire;

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rust_decimal::Decimal;

use super::kit::{self, BarPage, Paging, Span};
use super::{Bar, CandleWindow, Endpoint, HostSpec, Request, VenueAdapter};
use crate::model::Market;

/// Host key of the indexer.
pub const HOST: &str = "main";

/// The indexer host: `BASIS_DYDX_URL`, default `https://indexer.dydx.trade`, 100 requests per
/// 10 s per IP. Docs: [`RATE_LIMITS_DOCS`].
pub const HOSTS: [HostSpec; 1] =
    [
        HostSpec::new(HOST, "BASIS_DYDX_URL", "https://indexer.dydx.trade")
            .limit(100, Duration::from_secs(10)),
    ];

/// Docs of the indexer's rate limits.
pub const RATE_LIMITS_DOCS: &str = "https://docs.dydx.xyz/concepts/trading/limits/rate-limits";

/// The market list (weight 1).
pub const PERPETUAL_MARKETS: Endpoint = Endpoint::at(HOST, "/v4/perpetualMarkets", 1)
    .docs("https://docs.dydx.xyz/indexer-client/http#get-perpetual-markets");

/// The settled funding of one market, the path going on with the market (weight 1):
/// `effectiveBeforeOrAt` (ISO, inclusive), `limit` (at most [`HISTORY_LIMIT`]); newest first.
pub const HISTORICAL_FUNDING: Endpoint =
    Endpoint::new("historicalFunding", HOST, "/v4/historicalFunding/", 1)
        .docs("https://docs.dydx.xyz/indexer-client/http#get-historical-funding");

/// The candles of one market, the path going on with the market (weight 1): `resolution`
/// (required), `fromISO` (inclusive), `toISO` (exclusive), `limit` (at most [`HISTORY_LIMIT`]);
/// newest first.
pub const CANDLES: Endpoint = Endpoint::new("candles", HOST, "/v4/candles/perpetualMarkets/", 1)
    .docs("https://docs.dydx.xyz/indexer-client/http#get-candles");
/// Rows per history page: the indexer's `API_LIMIT_V4` (a larger `limit` is a 400 error).
pub const HISTORY_LIMIT: usize = 1000;

/// dYdX's candle `resolution` for a bar length (`1DAY` bars open at 00:00 UTC).
#[must_use]
pub const fn resolution(bar: Bar) -> &'static str {
    kit::per_bar(bar, "1HOUR", "1DAY")
}

/// A time in ms as the indexer takes it: ISO-8601, milliseconds, `Z`
/// (`2025-07-25T11:00:00.000Z`); `None` outside chrono's range.
#[must_use]
pub fn iso(ms: i64) -> Option<String> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// Quote currency of every dYdX market.
pub const QUOTE: &str = "USD";

/// The only status that trades with taker orders.
pub const ACTIVE: &str = "ACTIVE";

/// Funding interval of every market, hours (`nextFundingRate` is a 1 h rate, paid hourly).
pub const FUNDING_INTERVAL_HOURS: i64 = 1;

/// Half-spread assumed around the oracle price, as a fraction: 0.0005 = 5 bp (see the module
/// docs).
pub const ASSUMED_HALF_SPREAD: Decimal = Decimal::from_parts(5, 0, 0, false, 4);

/// The `perpetualMarkets` request (all markets).
#[must_use]
pub fn perpetual_markets() -> Request {
    PERPETUAL_MARKETS.request()
}

/// The dYdX v4 adapter (indexer, perpetuals only).
#[derive(Debug, Clone, Copy)]
pub struct Dydx;

impl VenueAdapter for Dydx {
    kit::adapter_basics! {
        history: Paging::backward(HISTORY_LIMIT),
        parse: reference, snapshot, body_signal, funding_history, candles,
    }

    /// The indexer's rate limiter sends `Retry-After` in milliseconds (v4-chain `rate-limit.ts`).
    fn retry_after_in_millis(&self) -> bool {
        true
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![perpetual_markets()]
    }

    /// One request whatever `full`: `perpetualMarkets` already holds mark/index (the oracle),
    /// and nothing else is bulk.
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![perpetual_markets()]
    }

    /// Pages backwards: `effectiveBeforeOrAt` = `end_ms` first, then the oldest returned hour
    /// − 1 ms, [`HISTORY_LIMIT`] rows a page. Stops after a short page or one reaching
    /// `start_ms`.
    fn history_page(&self, symbol: &str, span: Span) -> Option<Request> {
        Some(
            HISTORICAL_FUNDING
                .below(symbol)
                .query("effectiveBeforeOrAt", iso(span.to)?)
                .query("limit", span.full.to_string()),
        )
    }

    /// Perps only. Pages backwards: `fromISO` = the window's start; `toISO` (exclusive) =
    /// `end_ms` + 1 ms first, then the oldest returned open − 1 ms; [`HISTORY_LIMIT`] bars a
    /// page. Stops after a short page or one reaching the start.
    fn candle_paging(&self, window: &CandleWindow<'_>) -> Option<Paging> {
        (window.market == Market::Perp).then_some(Paging::backward(HISTORY_LIMIT))
    }

    fn candle_page(&self, window: &CandleWindow<'_>, page: BarPage) -> Option<Request> {
        let to = if page.opening {
            window.end_ms.saturating_add(1)
        } else {
            page.to
        };
        Some(
            CANDLES
                .below(window.symbol)
                .query("resolution", resolution(window.bar))
                .query("fromISO", iso(window.start_ms)?)
                .query("toISO", iso(to)?)
                .query("limit", HISTORY_LIMIT.to_string()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2025-07-25T11:20:00.000Z.
    const T: i64 = 1_753_442_400_000;

    #[test]
    fn times_go_out_as_iso_with_milliseconds() {
        assert_eq!(iso(T).as_deref(), Some("2025-07-25T11:20:00.000Z"));
        assert_eq!(iso(T - 1).as_deref(), Some("2025-07-25T11:19:59.999Z"));
        assert_eq!(iso(0).as_deref(), Some("1970-01-01T00:00:00.000Z"));
        assert_eq!(iso(i64::MAX), None);
    }
}
