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

use super::{
    Bar, Body, BodySignal, Candle, CandleWindow, Endpoint, HistoryPoint, HostSpec, ParseError,
    Request, VenueAdapter,
};
use crate::model::{Market, Reference, Snapshot, Venue};

/// Host key of the indexer.
pub const HOST: &str = "main";

/// The indexer host: `BASIS_DYDX_URL`, default `https://indexer.dydx.trade`, 100 requests per
/// 10 s per IP. Docs: [`RATE_LIMITS_DOCS`].
pub const HOSTS: [HostSpec; 1] = [HostSpec {
    key: HOST,
    env: "BASIS_DYDX_URL",
    default_url: "https://indexer.dydx.trade",
    limit_weight: 100,
    limit_period: Duration::from_secs(10),
    budget_pct: 50,
    per_endpoint: false,
}];

/// Docs of the indexer's rate limits.
pub const RATE_LIMITS_DOCS: &str = "https://docs.dydx.xyz/concepts/trading/limits/rate-limits";

/// The market list (weight 1).
pub const PERPETUAL_MARKETS: Endpoint = Endpoint {
    name: "perpetualMarkets",
    host: HOST,
    path: "/v4/perpetualMarkets",
    weight: 1,
    docs: "https://docs.dydx.xyz/indexer-client/http#get-perpetual-markets",
};

/// The settled funding of one market, the path going on with the market (weight 1):
/// `effectiveBeforeOrAt` (ISO, inclusive), `limit` (at most [`HISTORY_LIMIT`]); newest first.
pub const HISTORICAL_FUNDING: Endpoint = Endpoint {
    name: "historicalFunding",
    host: HOST,
    path: "/v4/historicalFunding/",
    weight: 1,
    docs: "https://docs.dydx.xyz/indexer-client/http#get-historical-funding",
};

/// The candles of one market, the path going on with the market (weight 1): `resolution`
/// (required), `fromISO` (inclusive), `toISO` (exclusive), `limit` (at most [`HISTORY_LIMIT`]);
/// newest first.
pub const CANDLES: Endpoint = Endpoint {
    name: "candles",
    host: HOST,
    path: "/v4/candles/perpetualMarkets/",
    weight: 1,
    docs: "https://docs.dydx.xyz/indexer-client/http#get-candles",
};
/// Rows per history page: the indexer's `API_LIMIT_V4` (a larger `limit` is a 400 error).
pub const HISTORY_LIMIT: usize = 1000;

/// dYdX's candle `resolution` for a bar length (`1DAY` bars open at 00:00 UTC).
#[must_use]
pub const fn resolution(bar: Bar) -> &'static str {
    match bar {
        Bar::Hour => "1HOUR",
        Bar::Day => "1DAY",
    }
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
    /// The indexer's rate limiter sends `Retry-After` in milliseconds (v4-chain `rate-limit.ts`).
    fn retry_after_in_millis(&self) -> bool {
        true
    }

    fn venue(&self) -> Venue {
        Venue::Dydx
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![perpetual_markets()]
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// One request whatever `full`: `perpetualMarkets` already holds mark/index (the oracle),
    /// and nothing else is bulk.
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![perpetual_markets()]
    }

    fn parse_snapshot(
        &self,
        bodies: &[Body<'_>],
        reference: &Reference,
        received_at: DateTime<Utc>,
    ) -> Result<Snapshot, ParseError> {
        parse::snapshot(bodies, reference, received_at)
    }

    fn check_body(&self, status: u16, body: &[u8]) -> BodySignal {
        parse::body_signal(status, body)
    }

    /// Pages backwards: `effectiveBeforeOrAt` = `end_ms` first, then the oldest returned hour
    /// − 1 ms, [`HISTORY_LIMIT`] rows a page. Stops after a short page or one reaching
    /// `start_ms`.
    fn funding_history_request(
        &self,
        symbol: &str,
        start_ms: i64,
        end_ms: i64,
        previous: Option<&[HistoryPoint]>,
        _page: u32,
    ) -> Option<Request> {
        if end_ms < start_ms {
            return None;
        }
        let before_or_at = match previous {
            None => end_ms,
            Some(page) => {
                let oldest = full_page_oldest(page.iter().map(|p| p.time_ms))?;
                if oldest <= start_ms {
                    return None;
                }
                (oldest - 1).min(end_ms)
            }
        };

        Some(
            HISTORICAL_FUNDING
                .below(symbol)
                .query("effectiveBeforeOrAt", iso(before_or_at)?)
                .query("limit", HISTORY_LIMIT.to_string()),
        )
    }

    fn parse_funding_history(&self, body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        parse::funding_history(body)
    }

    /// Perps only. Pages backwards: `fromISO` = the window's start; `toISO` (exclusive) =
    /// `end_ms` + 1 ms first, then the oldest returned open − 1 ms; [`HISTORY_LIMIT`] bars a
    /// page. Stops after a short page or one reaching the start.
    fn candle_request(
        &self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        _page: u32,
    ) -> Option<Request> {
        if window.market != Market::Perp || window.end_ms < window.start_ms {
            return None;
        }
        let to = match previous {
            None => window.end_ms.saturating_add(1),
            Some(page) => {
                let oldest = full_page_oldest(page.iter().map(|c| c.open_ms))?;
                if oldest <= window.start_ms {
                    return None;
                }
                oldest - 1
            }
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

    fn parse_candles(
        &self,
        _market: Market,
        _bar: Bar,
        body: &[u8],
    ) -> Result<Vec<Candle>, ParseError> {
        parse::candles(body)
    }
}

/// The oldest time of a full page ([`HISTORY_LIMIT`] rows), or `None` for a short or empty
/// page (the last one).
fn full_page_oldest(times: impl ExactSizeIterator<Item = i64>) -> Option<i64> {
    if times.len() < HISTORY_LIMIT {
        return None;
    }
    times.min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::Method;
    use crate::venue::testkit::{bars, points, query, window};

    #[test]
    fn every_plan_is_one_unlimited_perpetual_markets_get() {
        for plan in [
            Dydx.reference_requests(),
            Dydx.snapshot_requests(false),
            Dydx.snapshot_requests(true),
        ] {
            assert_eq!(plan.len(), 1);
            let r = &plan[0];
            assert_eq!(
                (r.endpoint, r.host, r.path.as_str(), r.weight),
                (PERPETUAL_MARKETS.name, HOST, "/v4/perpetualMarkets", 1)
            );
            assert_eq!(r.method, Method::Get);
            assert!(r.query.is_empty(), "a `limit` would cap the market list");
            assert!(!r.optional);
        }
        assert_eq!(HOSTS[0].env, "BASIS_DYDX_URL");
        assert_eq!(HOSTS[0].default_url, "https://indexer.dydx.trade");
        assert_eq!(
            (HOSTS[0].limit_weight, HOSTS[0].limit_period),
            (100, Duration::from_secs(10))
        );
        assert_eq!(ASSUMED_HALF_SPREAD.to_string(), "0.0005");
    }

    const H: i64 = 3_600_000;
    const DAY: i64 = 86_400_000;
    /// 2025-07-25T11:20:00.000Z.
    const T: i64 = 1_753_442_400_000;

    #[test]
    fn times_go_out_as_iso_with_milliseconds() {
        assert_eq!(iso(T).as_deref(), Some("2025-07-25T11:20:00.000Z"));
        assert_eq!(iso(T - 1).as_deref(), Some("2025-07-25T11:19:59.999Z"));
        assert_eq!(iso(0).as_deref(), Some("1970-01-01T00:00:00.000Z"));
        assert_eq!(iso(i64::MAX), None);
    }

    #[test]
    fn funding_history_pages_back_from_the_window_end() {
        let d = Dydx;
        let (start, end) = (T - 90 * DAY, T);
        let first = d
            .funding_history_request("BTC-USD", start, end, None, 0)
            .expect("first page");
        assert_eq!(
            (
                first.endpoint,
                first.host,
                first.path.as_str(),
                first.weight
            ),
            (
                "historicalFunding",
                "main",
                "/v4/historicalFunding/BTC-USD",
                1
            )
        );
        assert_eq!(
            query(&first),
            [
                ("effectiveBeforeOrAt", "2025-07-25T11:20:00.000Z"),
                ("limit", "1000"),
            ]
        );
        // A full page in any order: the next one ends 1 ms before its oldest hour.
        let oldest = T / H * H - 999 * H;
        let mut full = points((0..1000).map(|i| oldest + i * H));
        full.swap(0, 500);
        let next = d
            .funding_history_request("BTC-USD", start, end, Some(&full), 1)
            .expect("next page");
        assert_eq!(
            query(&next)[0],
            (
                "effectiveBeforeOrAt",
                iso(oldest - 1).expect("iso").as_str()
            )
        );
        assert_eq!(next.path, first.path);
        // Short, empty, reaching the start, inverted: done.
        let short = points((0..999).map(|i| oldest + i * H));
        assert_eq!(
            d.funding_history_request("BTC-USD", start, end, Some(&short), 1),
            None
        );
        assert_eq!(
            d.funding_history_request("BTC-USD", start, end, Some(&[]), 1),
            None
        );
        let reaching = points((0..1000).map(|i| start + i * H));
        assert_eq!(
            d.funding_history_request("BTC-USD", start, end, Some(&reaching), 1),
            None
        );
        assert_eq!(d.history_days_limit(), None);
    }

    #[test]
    fn candle_requests_are_perp_only_utc_and_page_back() {
        let d = Dydx;
        let daily = window(
            Market::Perp,
            "ETH-USD",
            Bar::Day,
            T / DAY * DAY - 45 * DAY,
            T,
        );
        let r = d.candle_request(&daily, None, 0).expect("daily");
        assert_eq!(
            (r.endpoint, r.host, r.path.as_str(), r.weight),
            ("candles", "main", "/v4/candles/perpetualMarkets/ETH-USD", 1)
        );
        assert_eq!(
            query(&r),
            [
                ("resolution", "1DAY"),
                ("fromISO", "2025-06-10T00:00:00.000Z"),
                ("toISO", "2025-07-25T11:20:00.001Z"),
                ("limit", "1000"),
            ]
        );
        let hourly = CandleWindow {
            bar: Bar::Hour,
            start_ms: T / H * H - 168 * H,
            ..daily
        };
        let r = d.candle_request(&hourly, None, 0).expect("hourly");
        assert_eq!(
            query(&r)[..2],
            [
                ("resolution", "1HOUR"),
                ("fromISO", "2025-07-18T11:00:00.000Z")
            ]
        );
        // 169 bars: a short page.
        let page = bars((0..169).map(|i| hourly.start_ms + i * H));
        assert_eq!(d.candle_request(&hourly, Some(&page), 1), None);
        // A full page (newest first): toISO = its oldest open − 1 ms.
        let long = CandleWindow {
            start_ms: T / H * H - 2000 * H,
            ..hourly
        };
        let oldest = T / H * H - 999 * H;
        let full = bars((0..1000).rev().map(|i| oldest + i * H));
        let next = d.candle_request(&long, Some(&full), 1).expect("next");
        assert_eq!(
            query(&next)[2],
            ("toISO", iso(oldest - 1).expect("iso").as_str())
        );
        let reaching = bars((0..1000).map(|i| long.start_ms + i * H));
        assert_eq!(d.candle_request(&long, Some(&reaching), 1), None);
        // No spot on dYdX; an inverted window asks nothing.
        let spot = CandleWindow {
            market: Market::Spot,
            ..daily
        };
        assert_eq!(d.candle_request(&spot, None, 0), None);
        let inverted = CandleWindow {
            start_ms: T + DAY,
            ..daily
        };
        assert_eq!(d.candle_request(&inverted, None, 0), None);
    }
}
