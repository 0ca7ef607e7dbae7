//! Gate v4 adapter: endpoints, limits, the `main` host and the request plans of USDT futures + spot.
//!
//! Request plan (bulk calls only; nothing is per symbol):
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `futures/usdt/contracts?limit=1000&offset=N` (paged) | [`CONTRACTS_DOCS`] |
//! | | `spot/currency_pairs` | [`CURRENCY_PAIRS_DOCS`] |
//! | | `unified/currency_discount_tiers` (optional: collateral haircuts) | [`DISCOUNT_TIERS_DOCS`] |
//! | scan and poll (3 requests, +1 per extra contracts page) | `futures/usdt/contracts` again (paged) | [`CONTRACTS_DOCS`] |
//! | | `futures/usdt/tickers` | [`TICKERS_DOCS`] |
//! | | `spot/tickers` | [`SPOT_TICKERS_DOCS`] |
//! | funding history (per perp) | `futures/usdt/funding_rate?contract=…&limit=…&to=…` | [`FUNDING_RATE_DOCS`] |
//! | candles (per market) | `futures/usdt/candlesticks`, `spot/candlesticks` (`1d` / `1h`, `from`/`to` seconds) | [`CANDLESTICKS_DOCS`], [`SPOT_CANDLESTICKS_DOCS`] |
//!
//! Gate's funding interval (`funding_interval`, seconds) and next settlement
//! (`funding_next_apply`, seconds) are only in the contract list, and both change (the
//! interval is shortened at runtime when rates hit their cap; the next time moves every
//! settlement). So the contract list is fetched twice: hourly as reference data (which
//! contracts are trading linear perpetuals, their `quanto_multiplier`) and on every poll as the
//! funding source (rate, interval, next time, mark, index). The tickers add bid/ask, 24 h
//! high/low, volumes and open interest. A full poll needs nothing more, so `full` changes
//! nothing. With `limit=1000` today's ~600 USDT contracts fit one page: three requests a scan.
//!
//! The reference also carries the unified account's collateral discount tiers: each currency's
//! first-tier `discount` is its haircut `k`. The request is optional: if it fails, the
//! reference goes on with an empty table.
//!
//! Gate limits public endpoints to 200 requests / 10 s per endpoint and IP; the host limiter is
//! one bucket of 200 per 10 s (half of it used), each call weighing 1.

mod parse;
pub(crate) mod tiers;
mod wire;

use std::time::Duration;

use super::kit::{self, BarPage, Paging, Span};
use super::{Bar, CandleWindow, Endpoint, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::Market;

/// Host key of Gate's only host.
pub const HOST: &str = "main";

/// The one Gate host: `BASIS_GATE_URL`, default `https://api.gateio.ws` (paths start with
/// `/api/v4`), 200 requests / 10 s per endpoint and IP on public endpoints (since 2024-01-22).
/// Docs: <https://www.gate.io/docs/developers/apiv4/en/#frequency-limit-rule>
pub const HOSTS: [HostSpec; 1] = [
    HostSpec::new(HOST, "BASIS_GATE_URL", "https://api.gateio.ws")
        .limit(200, Duration::from_secs(10)),
];

/// Weight of every call: Gate counts requests per endpoint.
pub const WEIGHT: u32 = 1;

/// The USDT-settled contract list fetched as reference data (`limit` default 100, max 1000;
/// `offset`).
pub const CONTRACTS: Endpoint = Endpoint::at(HOST, "/api/v4/futures/usdt/contracts", WEIGHT)
    .docs("https://www.gate.io/docs/developers/apiv4/en/#list-all-futures-contracts");

/// The contract list fetched on every poll (funding source).
pub const CONTRACTS_LIVE: Endpoint = CONTRACTS.named("contracts-live");

/// The USDT-settled futures tickers (no `contract`: every contract).
pub const TICKERS: Endpoint = Endpoint::at(HOST, "/api/v4/futures/usdt/tickers", WEIGHT)
    .docs("https://www.gate.io/docs/developers/apiv4/en/#list-futures-tickers");

/// The spot pair list.
pub const CURRENCY_PAIRS: Endpoint = Endpoint::new(
    "currency-pairs",
    HOST,
    "/api/v4/spot/currency_pairs",
    WEIGHT,
)
.docs("https://www.gate.io/docs/developers/apiv4/en/#list-all-currency-pairs-supported");

/// The spot tickers (no `currency_pair`: every pair).
pub const SPOT_TICKERS: Endpoint =
    Endpoint::new("spot-tickers", HOST, "/api/v4/spot/tickers", WEIGHT)
        .docs("https://www.gate.io/docs/developers/apiv4/en/#retrieve-ticker-information");

/// The unified account's collateral discount tiers (public, no parameters: every currency;
/// tiers of `discount` between `lower_limit` and `upper_limit`; 200 requests / 10 s, weight
/// [`WEIGHT`]).
pub const DISCOUNT_TIERS: Endpoint = Endpoint::new(
    "currency-discount-tiers",
    HOST,
    "/api/v4/unified/currency_discount_tiers",
    WEIGHT,
)
.docs("https://www.gate.io/docs/developers/apiv4/en/#list-currency-discount-tiers");

/// One contract's settled funding history: `contract`, `limit` (default 100, at most 1000),
/// `from`/`to` (seconds); with `to` and no `from`, the `limit` settlements up to `to`. Gate
/// documents no order (the demo answers newest first).
pub const FUNDING_RATE: Endpoint = Endpoint::new(
    "funding-rate",
    HOST,
    "/api/v4/futures/usdt/funding_rate",
    WEIGHT,
)
.docs("https://www.gate.io/docs/developers/apiv4/en/#funding-rate-history");

/// Most settlements per funding-history request.
pub const FUNDING_HISTORY_LIMIT: usize = 1000;
/// Gate's shortest funding interval (`funding_interval` 3600 s): a window of `h` whole hours
/// holds at most `h + 1` settlements.
const MIN_FUNDING_INTERVAL_MS: i64 = 3_600_000;

/// One contract's (last-trade) candlesticks: `contract` (`mark_…`/`index_…` for mark and index),
/// `interval`, `from`/`to` (seconds; `limit` conflicts with them), at most
/// [`FUTURES_CANDLE_POINTS`] points; object rows, oldest first, the running bar last.
pub const CANDLESTICKS: Endpoint = Endpoint::at(HOST, "/api/v4/futures/usdt/candlesticks", WEIGHT)
    .docs("https://www.gate.io/docs/developers/apiv4/en/#get-futures-candlesticks");

/// One spot pair's candlesticks: `currency_pair`, `interval`, `from`/`to` (seconds), at most
/// [`SPOT_CANDLE_POINTS`] points; string-array rows, oldest first, the running one flagged
/// `"false"`.
pub const SPOT_CANDLESTICKS: Endpoint = Endpoint::new(
    "spot-candlesticks",
    HOST,
    "/api/v4/spot/candlesticks",
    WEIGHT,
)
.docs("https://www.gate.io/docs/developers/apiv4/en/#market-candlesticks");
/// Most points per futures candlestick request.
pub const FUTURES_CANDLE_POINTS: usize = 2000;
/// Most points per spot candlestick request.
pub const SPOT_CANDLE_POINTS: usize = 1000;

/// The `interval` of `bar` (both markets; daily bars are UTC, futures' `timezone` defaults to
/// `utc0`).
#[must_use]
pub const fn interval(bar: Bar) -> &'static str {
    kit::per_bar(bar, "1h", "1d")
}

/// Page size of the contract list: the documented maximum.
pub const PAGE_LIMIT: usize = 1000;

/// Error label of a rate-limited request (sent with HTTP 429).
pub const RATE_LIMIT_LABEL: &str = "TOO_MANY_REQUESTS";

/// The Gate adapter (v4 USDT-settled perpetuals + spot).
#[derive(Debug, Clone, Copy)]
pub struct Gate;

fn contracts(endpoint: Endpoint) -> Request {
    endpoint
        .request()
        .query("limit", PAGE_LIMIT.to_string())
        .query("offset", "0")
}

impl VenueAdapter for Gate {
    kit::adapter_basics! {
        candles: parse::candles,
        parse: reference, snapshot, body_signal, funding_history,
    }

    /// The contract list (paged), the spot pair list and (optional) the collateral discount
    /// tiers.
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            contracts(CONTRACTS),
            CURRENCY_PAIRS.request(),
            DISCOUNT_TIERS.request().optional(),
        ]
    }

    /// Follows the contract list with `offset += limit` while a page comes back full (Gate
    /// documents no cursor or total). Other endpoints are not paged.
    fn next_page(&self, request: &Request, body: &[u8]) -> Result<Option<Request>, ParseError> {
        if request.endpoint != CONTRACTS && request.endpoint != CONTRACTS_LIVE {
            return Ok(None);
        }
        let rows = parse::row_count(request.endpoint, body)?;
        let param = |key: &str| {
            request
                .query
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let limit = param("limit").unwrap_or(PAGE_LIMIT);
        if limit == 0 || rows < limit {
            return Ok(None);
        }
        let offset = param("offset").unwrap_or(0).saturating_add(limit);
        let mut next = request.clone();
        next.query.retain(|(k, _)| *k != "offset");
        next.query.push(("offset", offset.to_string()));
        Ok(Some(next))
    }

    /// The live contract list (paged), the futures tickers and the spot tickers, whether `full`
    /// or not: the tickers already carry mark, index and open interest.
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            contracts(CONTRACTS_LIVE),
            TICKERS.request(),
            SPOT_TICKERS.request(),
        ]
    }

    /// Pages backwards with `to` (seconds) and no `from`, the documented "`limit` records up to
    /// `to`": the first page ends at `end_ms`, each next one a second before the oldest
    /// settlement received. `limit` is one more than the window can hold at Gate's shortest
    /// interval (1 h), at most [`FUNDING_HISTORY_LIMIT`], so a page covering the window is short
    /// or reaches past its start. Stops after an empty or short page or one reaching `start_ms`.
    fn history_paging(&self, start_ms: i64, end_ms: i64) -> Option<Paging> {
        let limit = usize::try_from((end_ms - start_ms) / MIN_FUNDING_INTERVAL_MS + 2)
            .unwrap_or(FUNDING_HISTORY_LIMIT)
            .min(FUNDING_HISTORY_LIMIT);
        Some(Paging::backward(limit))
    }

    fn history_page(&self, symbol: &str, span: Span) -> Option<Request> {
        Some(
            FUNDING_RATE
                .request()
                .query("contract", symbol)
                .query("limit", span.full.to_string())
                .query("to", span.to.div_euclid(1000).to_string()),
        )
    }

    /// Slices the window into ranges of at most [`FUTURES_CANDLE_POINTS`] (futures) or
    /// [`SPOT_CANDLE_POINTS`] (spot) bars, newest first: page `page` covers the bars from
    /// `page × points` to `(page + 1) × points − 1` bars before the latest one (a range, since
    /// `limit` conflicts with `from`/`to`). Stops after an empty page, one whose oldest bar is
    /// later than its range's start (the market's history begins there), or when the window's
    /// start is reached.
    fn candle_paging(&self, window: &CandleWindow<'_>) -> Option<Paging> {
        Some(Paging::numbered(match window.market {
            Market::Perp => FUTURES_CANDLE_POINTS,
            Market::Spot => SPOT_CANDLE_POINTS,
        }))
    }

    fn candle_page(&self, window: &CandleWindow<'_>, page: BarPage) -> Option<Request> {
        // The newest chunk ends at the window's end (the running bar), the others at their last
        // bar's open.
        let to = if page.last == page.grid.last {
            window.end_ms
        } else {
            page.last
        };
        let request = match window.market {
            Market::Perp => CANDLESTICKS.request().query("contract", window.symbol),
            Market::Spot => SPOT_CANDLESTICKS
                .request()
                .query("currency_pair", window.symbol),
        };
        Some(
            request
                .query("interval", interval(window.bar))
                .query("from", page.first.div_euclid(1000).to_string())
                .query("to", to.div_euclid(1000).to_string()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::testkit::query;

    fn page(n: usize) -> Vec<u8> {
        let rows: Vec<String> = (0..n)
            .map(|i| format!("{{\"name\":\"C{i}_USDT\"}}"))
            .collect();
        format!("[{}]", rows.join(",")).into_bytes()
    }

    #[test]
    fn next_page_advances_the_offset_while_pages_are_full() {
        let first = Gate.snapshot_requests(false).remove(0);
        let second = Gate
            .next_page(&first, &page(PAGE_LIMIT))
            .expect("ok")
            .expect("a full page has a successor");
        assert_eq!(query(&second), [("limit", "1000"), ("offset", "1000")]);
        let third = Gate
            .next_page(&second, &page(PAGE_LIMIT))
            .expect("ok")
            .expect("next");
        assert_eq!(query(&third), [("limit", "1000"), ("offset", "2000")]);
        assert_eq!(third.endpoint, CONTRACTS_LIVE.name);
        assert_eq!(Gate.next_page(&third, &page(999)).expect("ok"), None);
        assert_eq!(Gate.next_page(&first, b"[]").expect("ok"), None);
        // The reference list pages the same way; other endpoints never page.
        let reference = Gate.reference_requests().remove(0);
        assert!(
            Gate.next_page(&reference, &page(PAGE_LIMIT))
                .expect("ok")
                .is_some()
        );
        let tickers = Gate.snapshot_requests(false).remove(1);
        assert_eq!(
            Gate.next_page(&tickers, &page(PAGE_LIMIT)).expect("ok"),
            None
        );
        let tiers = Gate.reference_requests().remove(2);
        assert_eq!(Gate.next_page(&tiers, &page(PAGE_LIMIT)), Ok(None));
        // A body that is not an array is an error naming the endpoint.
        let err = Gate
            .next_page(&first, br#"{"label":"X","message":"y"}"#)
            .expect_err("not a page");
        assert_eq!(err.endpoint, CONTRACTS_LIVE.name);
        let err = Gate
            .next_page(&first, b"[{\"name\":")
            .expect_err("truncated");
        assert!(err.detail.contains("malformed JSON"), "{err}");
    }
}
