//! Kraken Futures v3 adapter: endpoints, the `main` host and the plans of `PF_` linear perpetuals.
//!
//! Request plan (both endpoints are bulk calls; nothing is per symbol):
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `instruments` | [`INSTRUMENTS_DOCS`] |
//! | scan (`full = false`, 1 request) | `tickers` | [`TICKERS_DOCS`] |
//! | poll (`full = true`) | the same request | |
//!
//! The tickers carry every field basis stores for a perpetual (funding, mark, index, bid/ask,
//! 24 h high/low, volume, open interest), so `basis poll` adds nothing. Kraken Futures has no spot
//! markets: snapshots hold perps only.
//!
//! History (`basis backfill`, perps only; Kraken Futures has no spot):
//!
//! | data | request | docs |
//! |---|---|---|
//! | settled funding (hourly, the whole history in one answer) | `GET /derivatives/api/v4/historicalfundingrates?symbol=PF_XBTUSD` | [`HISTORICAL_FUNDING_RATES_DOCS`] |
//! | candles (last trades) | `GET /api/charts/v1/trade/{symbol}/{1h\|1d}?from=…&to=…` (seconds) | [`CANDLES_DOCS`] |
//!
//! The charts API lives on the same host as the derivatives API
//! (`https://futures.kraken.com/api/charts/v1/…`), so both use [`HOST`] and its URL override
//! with their full path. Candles come oldest first, [`CANDLE_LIMIT`] a page; `more_candles`
//! says more follow, and the next page starts one second after the newest returned.
//!
//! Limits: Kraken documents that public endpoints "do not have a cost and therefore do not count
//! against any rate limiting budget"; the `/derivatives` budget is 500 cost units per 10 s. basis
//! counts each public call as 1 unit of that budget anyway, so a misbehaving loop stays polite;
//! over-limit answers are HTTP 429 and/or `{"result": "error", "error": "apiLimitExceeded"}`.

mod parse;
pub(crate) mod tiers;
mod wire;

use std::time::Duration;

use super::kit::{self, BarPage, Paging, Span};
use super::{Bar, CandleWindow, Endpoint, HostSpec, Request, VenueAdapter};
use crate::model::Market;

/// Host key of Kraken Futures' only host.
pub const HOST: &str = "main";

/// The one Kraken Futures host: `BASIS_KRAKEN_URL`, default `https://futures.kraken.com`; the
/// `/derivatives` budget of 500 cost units per 10 s.
/// Docs: <https://docs.kraken.com/exchange/guides/futures/ratelimits>
pub const HOSTS: [HostSpec; 1] =
    [
        HostSpec::new(HOST, "BASIS_KRAKEN_URL", "https://futures.kraken.com")
            .limit(500, Duration::from_secs(10)),
    ];

/// Cost basis charges a public call (documented cost: none; see the module docs).
pub const PUBLIC_WEIGHT: u32 = 1;

/// The instrument list (public).
pub const INSTRUMENTS: Endpoint =
    Endpoint::at(HOST, "/derivatives/api/v3/instruments", PUBLIC_WEIGHT)
        .docs("https://docs.kraken.com/api/docs/futures-api/trading/get-instruments");

/// The tickers of every contract and index (public).
pub const TICKERS: Endpoint = Endpoint::at(HOST, "/derivatives/api/v3/tickers", PUBLIC_WEIGHT)
    .docs("https://docs.kraken.com/api/docs/futures-api/trading/get-tickers");

/// The settled funding of one contract (public): `symbol`; every hourly settlement since the
/// contract's listing, in one answer.
pub const HISTORICAL_FUNDING_RATES: Endpoint = Endpoint::at(
    HOST,
    "/derivatives/api/v4/historicalfundingrates",
    PUBLIC_WEIGHT,
)
.docs("https://docs.kraken.com/api/docs/futures-api/trading/historical-funding-rates");

/// The last-trade candles of one contract (public), the path going on with
/// `{symbol}/{resolution}`: `from`, `to` in seconds; oldest first.
pub const CANDLES: Endpoint =
    Endpoint::new("candles", HOST, "/api/charts/v1/trade/", PUBLIC_WEIGHT)
        .docs("https://docs.kraken.com/api/docs/futures-api/charts/candles");
/// Candles per charts page (ccxt's page size; not documented by Kraken).
pub const CANDLE_LIMIT: usize = 2000;

/// The charts API's resolution for a bar length (`1d` bars open at 00:00 UTC).
#[must_use]
pub const fn resolution(bar: Bar) -> &'static str {
    kit::per_bar(bar, "1h", "1d")
}

/// Error string of an exceeded rate limit.
pub const RATE_LIMIT_ERROR: &str = "apiLimitExceeded";

/// Funding interval of every Kraken Futures perpetual, hours (funding is paid hourly).
pub const FUNDING_INTERVAL_HOURS: i64 = 1;

/// The Kraken Futures adapter (`PF_` linear perpetuals).
#[derive(Debug, Clone, Copy)]
pub struct Kraken;

impl VenueAdapter for Kraken {
    kit::adapter_basics! {
        history: Paging::once(),
        parse: reference, snapshot, body_signal, funding_history, candles,
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![INSTRUMENTS.request()]
    }

    /// The tickers, for scans and polls alike (see the module docs).
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![TICKERS.request()]
    }

    /// One request: the endpoint answers the whole history (the caller keeps the window).
    fn history_page(&self, symbol: &str, _span: Span) -> Option<Request> {
        Some(HISTORICAL_FUNDING_RATES.request().query("symbol", symbol))
    }

    /// Perps only. Pages forward in seconds: `from` = the window's start, then one second
    /// after the newest returned open; `to` = the window's end. Stops after a short page
    /// (fewer than [`CANDLE_LIMIT`]) or one whose newest bar is the last that opens in the
    /// window.
    fn candle_paging(&self, window: &CandleWindow<'_>) -> Option<Paging> {
        (window.market == Market::Perp).then_some(Paging::forward(CANDLE_LIMIT).step(1000))
    }

    fn candle_page(&self, window: &CandleWindow<'_>, page: BarPage) -> Option<Request> {
        let from = page.from.div_euclid(1000) + i64::from(page.from.rem_euclid(1000) != 0);
        let to = page.to.div_euclid(1000);
        if from > to {
            return None;
        }
        let rest = format!("{}/{}", window.symbol, resolution(window.bar));
        Some(
            CANDLES
                .below(&rest)
                .query("from", from.to_string())
                .query("to", to.to_string()),
        )
    }
}
