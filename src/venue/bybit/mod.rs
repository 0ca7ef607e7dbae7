//! Bybit v5 adapter: endpoints, limits and docs links; the request plan; envelope checks.
//!
//! Reference (cached, refreshed hourly by the caller): the linear and spot instrument lists,
//! linear paged with `nextPageCursor`, and, optional, the public tiered collateral ratios (the
//! haircut `k` of each margin coin: its first tier). Snapshot: two bulk calls, `tickers?category=linear` (rate,
//! interval, next funding, mark, index, bid/ask, 24 h high/low, turnover, open interest) and
//! `tickers?category=spot`. Funding history: `funding/history`, paged backwards from the
//! window's end (Bybit returns the newest 200 of a window first). Candles: `kline` of category
//! `linear` or `spot` (last-trade bars, `60`/`D`, up to 1000 a call), also paged backwards.
//!
//! Errors: `retCode` 10006/10018 → rate limited; any other non-zero `retCode` → API error (Bybit
//! reports errors with HTTP 200). Non-JSON bodies (the 403 ban page) say nothing.
//! Docs: <https://bybit-exchange.github.io/docs/v5/error>

mod parse;
pub(crate) mod tiers;
mod wire;

use std::time::Duration;

use super::kit::{self, BarPage, Paging, Span};
use super::{
    Bar, Candle, CandleWindow, Endpoint, HistoryPoint, HostSpec, ParseError, Request, VenueAdapter,
};
use crate::model::Market;

/// The one Bybit host: 600 requests per 5 s per IP for all of `api.bybit.com`; exceeding it gives
/// HTTP 403 "access too frequent" and an IP ban of at least 10 minutes.
/// Docs: <https://bybit-exchange.github.io/docs/v5/rate-limit>
pub const MAIN: HostSpec = HostSpec::new("main", "BASIS_BYBIT_URL", "https://api.bybit.com")
    .limit(600, Duration::from_secs(5));

static HOSTS: [HostSpec; 1] = [MAIN];

/// Docs of the instrument lists.
const INSTRUMENTS_DOCS: &str = "https://bybit-exchange.github.io/docs/v5/market/instrument";
/// Docs of the tickers.
const TICKERS_DOCS: &str = "https://bybit-exchange.github.io/docs/v5/market/tickers";
/// Docs of the candles.
const KLINE_DOCS: &str = "https://bybit-exchange.github.io/docs/v5/market/kline";

/// Linear instrument list (`category=linear`, `limit` ≤ 1000, paged with `cursor`).
pub const INSTRUMENTS_LINEAR: Endpoint = Endpoint::new(
    "instruments-info-linear",
    MAIN.key,
    "/v5/market/instruments-info",
    WEIGHT,
)
.docs(INSTRUMENTS_DOCS);

/// Spot instrument list (`category=spot`, `limit` ≤ 1000; "Spot does not support pagination").
pub const INSTRUMENTS_SPOT: Endpoint = INSTRUMENTS_LINEAR.named("instruments-info-spot");

/// Bulk tickers of the linear category (USDT and USDC perps + dated futures).
pub const TICKERS_LINEAR: Endpoint =
    Endpoint::new("tickers-linear", MAIN.key, "/v5/market/tickers", WEIGHT).docs(TICKERS_DOCS);

/// Bulk tickers of the spot category.
pub const TICKERS_SPOT: Endpoint = TICKERS_LINEAR.named("tickers-spot");

/// Settled funding of one symbol: `category=linear`, `symbol` (required), `startTime`, `endTime`
/// (ms, inclusive), `limit` 1–200. Newest first: the latest `limit` records of the window.
/// `startTime` alone is rejected (both, or `endTime` only). IP limit only: weight [`WEIGHT`].
pub const FUNDING_HISTORY: Endpoint = Endpoint::new(
    "funding-history",
    MAIN.key,
    "/v5/market/funding/history",
    WEIGHT,
)
.docs("https://bybit-exchange.github.io/docs/v5/market/history-fund-rate");

/// Page size basis asks the funding history for (the documented maximum).
pub const FUNDING_HISTORY_LIMIT: usize = 200;

/// Candles of one linear symbol: `category`, `symbol`, `interval` (`60`, `D`, …), `start`, `end`
/// (ms), `limit` 1–1000 (default 200). `result.list` holds string arrays, newest first; the
/// first row is the running bar (its close is the last traded price). Weight [`WEIGHT`].
pub const KLINE_LINEAR: Endpoint =
    Endpoint::new("kline-linear", MAIN.key, "/v5/market/kline", WEIGHT).docs(KLINE_DOCS);

/// Candles of one spot symbol (as [`KLINE_LINEAR`], `category=spot`).
pub const KLINE_SPOT: Endpoint = KLINE_LINEAR.named("kline-spot");

/// Page size basis asks `kline` for at most (the documented maximum).
pub const KLINE_LIMIT: usize = 1000;

/// Bybit's `interval` of a bar length: `60` (minutes) or `D` (UTC days).
#[must_use]
pub const fn interval(bar: Bar) -> &'static str {
    kit::per_bar(bar, "60", "D")
}

/// The kline endpoint and `category` of a market.
const fn kline_of(market: Market) -> (Endpoint, &'static str) {
    match market {
        Market::Perp => (KLINE_LINEAR, "linear"),
        Market::Spot => (KLINE_SPOT, "spot"),
    }
}

/// Tiered collateral ratios of every coin (public; no `currency`: all of them): `result.list[]`
/// of `currency` and `collateralRatioList[] {minQty, maxQty ("" = ∞), collateralRatio}`, tiers
/// by coin quantity. Not paged. IP limit only: weight [`WEIGHT`]. Optional reference data.
pub const COLLATERAL: Endpoint = Endpoint::at(MAIN.key, "/v5/spot-margin-trade/collateral", WEIGHT)
    .docs("https://bybit-exchange.github.io/docs/v5/spot-margin-uta/tier-collateral-ratio");

/// Weight of every public market endpoint: Bybit documents no per-endpoint weights for them, each
/// call counts once against the per-IP limit of [`MAIN`].
pub const WEIGHT: u32 = 1;

/// Page size of the instrument lists (the documented maximum; the default 500 is below the
/// number of linear symbols).
pub const PAGE_LIMIT: &str = "1000";

/// How long an IP ban lasts when the 403 carries no `Retry-After`: "wait for at least 10 minutes".
/// Docs: <https://bybit-exchange.github.io/docs/v5/rate-limit>
pub const DEFAULT_BAN: Duration = Duration::from_secs(600);

/// The Bybit adapter.
#[derive(Debug, Clone, Copy)]
pub struct Bybit;

fn instruments(endpoint: Endpoint, category: &str) -> Request {
    endpoint
        .request()
        .query("category", category)
        .query("limit", PAGE_LIMIT)
}

fn tickers(endpoint: Endpoint, category: &str) -> Request {
    endpoint.request().query("category", category)
}

impl VenueAdapter for Bybit {
    kit::adapter_basics! {
        history: Paging::backward(FUNDING_HISTORY_LIMIT),
        candles: candles,
        parse: reference, snapshot, envelope_signal,
    }

    /// `instruments-info?category=linear&limit=1000` (paged), `category=spot&limit=1000` and the
    /// optional collateral tiers.
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            instruments(INSTRUMENTS_LINEAR, "linear"),
            instruments(INSTRUMENTS_SPOT, "spot"),
            COLLATERAL.request().optional(),
        ]
    }

    /// Follows `result.nextPageCursor` of the instrument lists with `cursor=`. Stops when the
    /// cursor is absent/`""`, or repeats the one just requested (a server ignoring `cursor`).
    fn next_page(&self, request: &Request, body: &[u8]) -> Result<Option<Request>, ParseError> {
        if request.endpoint != INSTRUMENTS_LINEAR.name && request.endpoint != INSTRUMENTS_SPOT.name
        {
            return Ok(None);
        }
        let Some(cursor) = parse::next_cursor(request.endpoint, body)? else {
            return Ok(None);
        };
        let current = request
            .query
            .iter()
            .find(|(k, _)| *k == "cursor")
            .map(|(_, v)| v.as_str());
        if current == Some(cursor.as_str()) {
            return Ok(None);
        }
        let mut next = request.clone();
        next.query.retain(|(k, _)| *k != "cursor");
        next.query.push(("cursor", cursor));
        Ok(Some(next))
    }

    /// Two requests whether `full` or not: the linear tickers already carry mark, index and open
    /// interest, so the poller needs nothing more than a scan.
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            tickers(TICKERS_LINEAR, "linear"),
            tickers(TICKERS_SPOT, "spot"),
        ]
    }

    /// Pages backwards: every request carries the window's `startTime` and an `endTime` that
    /// starts at `end_ms` and moves to the oldest returned time − 1. Stops after an empty or
    /// short page (fewer than [`FUNDING_HISTORY_LIMIT`]) or one reaching `start_ms`.
    fn history_page(&self, symbol: &str, span: Span) -> Option<Request> {
        Some(
            FUNDING_HISTORY
                .request()
                .query("category", "linear")
                .query("symbol", symbol)
                .time_window(span.from, span.to, span.full),
        )
    }

    fn parse_funding_history(&self, body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        parse::funding_history(FUNDING_HISTORY.name, body)
    }

    /// Pages backwards: every request carries the window's `start` and an `end` that starts at
    /// `end_ms` and moves to the oldest returned open − 1, with a `limit` of the bars left
    /// between them (at most [`KLINE_LIMIT`]). Stops after an empty page, a page shorter than
    /// [`KLINE_LIMIT`] (it held the rest of the window, or the history ran out) or one reaching
    /// the bar open at `start_ms`.
    fn candle_paging(&self, _window: &CandleWindow<'_>) -> Option<Paging> {
        Some(Paging::backward(KLINE_LIMIT))
    }

    fn candle_page(&self, window: &CandleWindow<'_>, page: BarPage) -> Option<Request> {
        let (endpoint, category) = kline_of(window.market);
        Some(
            endpoint
                .request()
                .query("category", category)
                .query("symbol", window.symbol)
                .query("interval", interval(window.bar))
                .query("start", page.grid.first.to_string())
                .query("end", page.to.to_string())
                .query("limit", page.bars.to_string()),
        )
    }

    fn default_ban(&self) -> Duration {
        DEFAULT_BAN
    }
}

/// The candles of one page of `market` (see [`VenueAdapter::parse_candles`]).
fn candles(market: Market, body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let (endpoint, category) = kline_of(market);
    parse::candles(endpoint.name, category, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_adds_then_replaces_the_cursor_and_stops() {
        let b = Bybit;
        let first = b.reference_requests().remove(0);
        let body = br#"{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[],"nextPageCursor":"c1"},"time":1}"#;
        let second = b.next_page(&first, body).expect("ok").expect("a next page");
        assert_eq!(second.query.last(), Some(&("cursor", "c1".to_owned())));
        let body2 = br#"{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[],"nextPageCursor":"c2"},"time":1}"#;
        let third = b
            .next_page(&second, body2)
            .expect("ok")
            .expect("a next page");
        assert_eq!(
            third.query.iter().filter(|(k, _)| *k == "cursor").count(),
            1
        );
        assert_eq!(third.query.last(), Some(&("cursor", "c2".to_owned())));
        // The same cursor again: stop instead of looping.
        assert_eq!(b.next_page(&third, body2).expect("ok"), None);
        let last = br#"{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[],"nextPageCursor":""},"time":1}"#;
        assert_eq!(b.next_page(&first, last).expect("ok"), None);
        // Tickers and collateral tiers are never paged, and a broken body is an error naming
        // the endpoint.
        let t = b.snapshot_requests(false).remove(0);
        assert_eq!(b.next_page(&t, body).expect("ok"), None);
        let tiers = b.reference_requests().remove(2);
        assert_eq!(b.next_page(&tiers, b"{}").expect("not paged"), None);
        let err = b
            .next_page(&first, b"{\"retCode\":0,")
            .expect_err("malformed");
        assert_eq!(err.endpoint, INSTRUMENTS_LINEAR);
    }
}
