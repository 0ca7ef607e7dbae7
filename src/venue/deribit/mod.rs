//! Deribit API v2 adapter: endpoints, credits, the `main` host and the plans of USDC linear perps + spot.
//!
//! Request plan (every endpoint is a bulk call; nothing is per instrument):
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `get_instruments?currency=USDC&kind=future&expired=false` | [`INSTRUMENTS_DOCS`] |
//! | | `get_instruments?currency=any&kind=spot&expired=false` | |
//! | scan (`full = false`, 2 requests) | `get_book_summary_by_currency?currency=USDC&kind=future` | [`BOOK_SUMMARY_DOCS`] |
//! | | `get_book_summary_by_currency?currency=any&kind=spot` | |
//! | poll (`full = true`) | the same two requests | |
//!
//! The future book summary already carries everything basis stores for a perpetual (funding,
//! bid/ask, mark, index as `estimated_delivery_price`, 24 h high/low, volume, open interest), so
//! `basis poll` adds nothing: the only richer source, `public/ticker`, is per instrument.
//!
//! History (`basis backfill`), one instrument per request, paged backwards from the window's
//! end so a market younger than the window ends the paging with a short page:
//!
//! | data | endpoint | page | docs |
//! |---|---|---|---|
//! | settled funding | `get_funding_rate_history?instrument_name=…&start_timestamp=…&end_timestamp=…` | 744 hourly rows | [`FUNDING_HISTORY_DOCS`] |
//! | candles (perps and spot) | `get_tradingview_chart_data?instrument_name=…&start_timestamp=…&end_timestamp=…&resolution=1D\|60` | 5000 bars | [`CANDLES_DOCS`] |
//!
//! Each page asks for a window that holds at most one page of rows (744 hours, 5000 bars), so
//! whichever end the venue would keep when a window holds more, nothing is skipped. Funding
//! history is hourly (`interest_1h`, the rate paid over the hour), while the snapshot reports
//! `funding_8h` over 8 h: both are the same rate per hour (see `parse::funding_history`).
//!
//! Linear perpetuals are settled in USDC, so `currency=USDC` lists them (and leaves out the
//! inverse BTC/ETH-settled `BTC-PERPETUAL`). Spot pairs have no settlement currency, so the spot
//! requests ask for `currency=any` and keep every trading pair, whatever its quote.
//!
//! Limits: Deribit's credit system gives each IP (unauthenticated) a pool of 50 000 credits
//! refilled at 10 000 per second; every non-matching-engine request costs 500 credits, i.e. 20
//! requests per second sustained. Exhaustion answers error `10028 too_many_requests`.

mod parse;
mod wire;

use std::time::Duration;

use super::kit::{self, BarPage, Paging, Span};
use super::{Bar, CandleWindow, Endpoint, HostSpec, Request, VenueAdapter};

/// Host key of Deribit's only host.
pub const HOST: &str = "main";

/// Credits one public (non-matching-engine) request costs.
/// Docs: <https://docs.deribit.com/articles/rate-limits>
pub const CREDITS_PER_REQUEST: u32 = 500;

/// The one Deribit host: `BASIS_DERIBIT_URL`, default `https://www.deribit.com`; 10 000 credits
/// refilled per second per IP (20 requests / s at [`CREDITS_PER_REQUEST`]).
/// Docs: <https://docs.deribit.com/articles/rate-limits>
pub const HOSTS: [HostSpec; 1] =
    [
        HostSpec::new(HOST, "BASIS_DERIBIT_URL", "https://www.deribit.com")
            .limit(10_000, Duration::from_secs(1)),
    ];

/// The future instrument list (USDC-settled; 500 credits).
pub const INSTRUMENTS_FUTURE: Endpoint = Endpoint::new(
    "get_instruments-future",
    HOST,
    "/api/v2/public/get_instruments",
    CREDITS_PER_REQUEST,
)
.docs("https://docs.deribit.com/api-reference/market-data/public-get_instruments");

/// The spot instrument list.
pub const INSTRUMENTS_SPOT: Endpoint = INSTRUMENTS_FUTURE.named("get_instruments-spot");

/// The future book summaries (USDC-settled; 500 credits).
pub const SUMMARY_FUTURE: Endpoint = Endpoint::new(
    "get_book_summary_by_currency-future",
    HOST,
    "/api/v2/public/get_book_summary_by_currency",
    CREDITS_PER_REQUEST,
)
.docs("https://docs.deribit.com/api-reference/market-data/public-get_book_summary_by_currency");

/// The spot book summaries.
pub const SUMMARY_SPOT: Endpoint = SUMMARY_FUTURE.named("get_book_summary_by_currency-spot");

/// `currency` of the future requests: the settlement currency of linear perpetuals.
pub const FUTURE_CURRENCY: &str = "USDC";
/// `currency` of the spot requests (spot pairs have no settlement currency).
pub const SPOT_CURRENCY: &str = "any";

/// The settled funding history of one perpetual (500 credits): `instrument_name`,
/// `start_timestamp` and `end_timestamp` (ms, both required, inclusive); hourly rows, oldest
/// first, at most [`FUNDING_HISTORY_LIMIT`] per call (the newest ones when the window holds more).
pub const FUNDING_HISTORY: Endpoint = Endpoint::at(
    HOST,
    "/api/v2/public/get_funding_rate_history",
    CREDITS_PER_REQUEST,
)
.docs("https://docs.deribit.com/api-reference/market-data/public-get_funding_rate_history");

/// Rows per `get_funding_rate_history` call (31 days of hours).
pub const FUNDING_HISTORY_LIMIT: usize = 744;

/// The candles of one instrument (500 credits): `instrument_name` (`BTC_USDC-PERPETUAL`, spot
/// `BTC_USDC`), `start_timestamp`, `end_timestamp` (ms, both required), `resolution` (`60` =
/// 1 h, `1D` = one UTC day); columnar JSON numbers, oldest first, the running bar last.
pub const CANDLES: Endpoint = Endpoint::at(
    HOST,
    "/api/v2/public/get_tradingview_chart_data",
    CREDITS_PER_REQUEST,
)
.docs("https://docs.deribit.com/api-reference/market-data/public-get_tradingview_chart_data");
/// Bars per `get_tradingview_chart_data` call (ccxt's page; not documented by Deribit).
pub const CANDLE_LIMIT: usize = 5000;

/// Deribit's `resolution` for a bar length: `60` (minutes) or `1D` (00:00 UTC days).
#[must_use]
pub const fn resolution(bar: Bar) -> &'static str {
    kit::per_bar(bar, "60", "1D")
}

/// Error code Deribit uses for an exhausted credit pool (`too_many_requests`).
pub const RATE_LIMIT_CODE: i64 = 10_028;

/// Funding interval basis reports: Deribit funding accrues continuously and is reported as its
/// 8 h figure (`funding_8h`), DESIGN.md.
pub const FUNDING_INTERVAL_HOURS: i64 = 8;

/// The Deribit adapter (USDC linear perpetuals + spot).
#[derive(Debug, Clone, Copy)]
pub struct Deribit;

fn instruments(endpoint: Endpoint, currency: &str, kind: &str) -> Request {
    endpoint
        .request()
        .query("currency", currency)
        .query("kind", kind)
        .query("expired", "false")
}

fn summary(endpoint: Endpoint, currency: &str, kind: &str) -> Request {
    endpoint
        .request()
        .query("currency", currency)
        .query("kind", kind)
}

impl VenueAdapter for Deribit {
    kit::adapter_basics! {
        history: Paging::backward(FUNDING_HISTORY_LIMIT),
        parse: reference, snapshot, body_signal, funding_history, candles,
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![
            instruments(INSTRUMENTS_FUTURE, FUTURE_CURRENCY, "future"),
            instruments(INSTRUMENTS_SPOT, SPOT_CURRENCY, "spot"),
        ]
    }

    /// The future and spot book summaries, for scans and polls alike (see the module docs).
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            summary(SUMMARY_FUTURE, FUTURE_CURRENCY, "future"),
            summary(SUMMARY_SPOT, SPOT_CURRENCY, "spot"),
        ]
    }

    /// Pages backwards: each request covers the [`FUNDING_HISTORY_LIMIT`] hours up to its end
    /// (`end_ms` first, then the oldest returned time − 1), clipped to `start_ms`. Stops after a
    /// short page (the market's history or the window began within it) or one reaching
    /// `start_ms`.
    fn history_page(&self, symbol: &str, span: Span) -> Option<Request> {
        let hours = i64::try_from(span.full).ok()? * HOUR_MS;
        let from = span.from.max(span.to.saturating_sub(hours) + 1);
        Some(
            FUNDING_HISTORY
                .request()
                .query("instrument_name", symbol)
                .query("start_timestamp", from.to_string())
                .query("end_timestamp", span.to.to_string()),
        )
    }

    /// Perps and spot pairs alike. Pages backwards like the funding history: each request
    /// covers the [`CANDLE_LIMIT`] bars opening up to its end, clipped to the window's start.
    fn candle_paging(&self, _window: &CandleWindow<'_>) -> Option<Paging> {
        Some(Paging::backward(CANDLE_LIMIT))
    }

    fn candle_page(&self, window: &CandleWindow<'_>, page: BarPage) -> Option<Request> {
        Some(
            CANDLES
                .request()
                .query("instrument_name", window.symbol)
                .query("start_timestamp", page.first.to_string())
                .query("end_timestamp", page.to.to_string())
                .query("resolution", resolution(window.bar)),
        )
    }
}

/// Milliseconds per hour.
const HOUR_MS: i64 = 3_600_000;
