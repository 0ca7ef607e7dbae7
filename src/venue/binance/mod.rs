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

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{
    Bar, Body, BodySignal, Candle, CandleWindow, Endpoint, HistoryPoint, HostSpec, ParseError,
    Request, VenueAdapter,
};
use crate::model::{Market, Reference, Snapshot, Venue};

/// The spot host: 6000 request weight per minute per IP (`REQUEST_WEIGHT` in exchangeInfo).
/// Docs: <https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits>
pub const SPOT: HostSpec = HostSpec {
    key: "spot",
    env: "BASIS_BINANCE_SPOT_URL",
    default_url: "https://api.binance.com",
    limit_weight: 6000,
    limit_period: Duration::from_secs(60),
    budget_pct: 50,
    per_endpoint: false,
};

/// The USDⓈ-M futures host: 2400 request weight per minute per IP.
/// Docs: <https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info>
pub const FUTURES: HostSpec = HostSpec {
    key: "futures",
    env: "BASIS_BINANCE_FUTURES_URL",
    default_url: "https://fapi.binance.com",
    limit_weight: 2400,
    limit_period: Duration::from_secs(60),
    budget_pct: 50,
    per_endpoint: false,
};

static HOSTS: [HostSpec; 2] = [SPOT, FUTURES];

/// USDⓈ-M instruments (every contract type and status), weight 1.
/// Docs: <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information>
pub const FAPI_EXCHANGE_INFO: Endpoint = Endpoint {
    name: "fapi/v1/exchangeInfo",
    host: FUTURES.key,
    path: "/fapi/v1/exchangeInfo",
    weight: 1,
    docs: "https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Exchange-Information",
};

/// Funding intervals and caps of the adjusted symbols only (every other symbol is 8 h).
/// Documented weight 0, but it shares a 500 requests / 5 min / IP bucket with `fundingRate`: it is
/// reference data, fetched once an hour. (The HTTP layer charges every call at least 1.)
/// Docs: <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-Info>
pub const FAPI_FUNDING_INFO: Endpoint = Endpoint {
    name: "fapi/v1/fundingInfo",
    host: FUTURES.key,
    path: "/fapi/v1/fundingInfo",
    weight: 0,
    docs: "https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-Info",
};

/// Spot instruments, weight 20; basis asks for `permissions=SPOT`, `symbolStatus=TRADING` and
/// `showPermissionSets=false`, which shrink the payload (all three are documented parameters).
/// Docs: <https://developers.binance.com/docs/binance-spot-api-docs/rest-api/general-endpoints#exchange-information>
pub const SPOT_EXCHANGE_INFO: Endpoint = Endpoint {
    name: "api/v3/exchangeInfo",
    host: SPOT.key,
    path: "/api/v3/exchangeInfo",
    weight: 20,
    docs: "https://developers.binance.com/docs/binance-spot-api-docs/rest-api/general-endpoints#exchange-information",
};

/// Multi-Assets mode asset index of every collateral coin, weight 10 without `symbol`: one entry
/// per `<COIN>USD` with the coin's USD index and its `bidBuffer`, the haircut Binance applies to
/// the coin as margin (`bidRate = index × (1 − bidBuffer)`), so its collateral value ratio is
/// `k = 1 − bidBuffer`. Binance publishes one ratio per coin (no tiers). Optional reference data.
/// Docs: <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Multi-Assets-Mode-Asset-Index>
pub const FAPI_ASSET_INDEX: Endpoint = Endpoint {
    name: "fapi/v1/assetIndex",
    host: FUTURES.key,
    path: "/fapi/v1/assetIndex",
    weight: 10,
    docs: "https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Multi-Assets-Mode-Asset-Index",
};

/// Mark price, index price, current (predicted) funding rate and next funding time of every
/// symbol, weight 10 without `symbol`.
/// Docs: <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Mark-Price>
pub const FAPI_PREMIUM_INDEX: Endpoint = Endpoint {
    name: "fapi/v1/premiumIndex",
    host: FUTURES.key,
    path: "/fapi/v1/premiumIndex",
    weight: 10,
    docs: "https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Mark-Price",
};

/// 24 h statistics of every futures symbol (high/low, `quoteVolume`; no bid/ask), weight 40
/// without `symbol`.
/// Docs: <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/24hr-Ticker-Price-Change-Statistics>
pub const FAPI_TICKER_24HR: Endpoint = Endpoint {
    name: "fapi/v1/ticker/24hr",
    host: FUTURES.key,
    path: "/fapi/v1/ticker/24hr",
    weight: 40,
    docs: "https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/24hr-Ticker-Price-Change-Statistics",
};

/// Best bid/ask of every futures symbol, weight 5 without `symbol`.
/// Docs: <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Symbol-Order-Book-Ticker>
pub const FAPI_BOOK_TICKER: Endpoint = Endpoint {
    name: "fapi/v1/ticker/bookTicker",
    host: FUTURES.key,
    path: "/fapi/v1/ticker/bookTicker",
    weight: 5,
    docs: "https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Symbol-Order-Book-Ticker",
};

/// 24 h statistics of every spot symbol, `FULL` type (bid/ask, high/low, `quoteVolume`), weight 80
/// without `symbol`; `symbolStatus=TRADING` leaves out halted and delisted pairs.
/// Docs: <https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#24hr-ticker-price-change-statistics>
pub const SPOT_TICKER_24HR: Endpoint = Endpoint {
    name: "api/v3/ticker/24hr",
    host: SPOT.key,
    path: "/api/v3/ticker/24hr",
    weight: 80,
    docs: "https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#24hr-ticker-price-change-statistics",
};

/// Settled funding of one symbol: `symbol`, `startTime`, `endTime` (ms, both inclusive), `limit`
/// (default 100, max 1000); ascending by time, the first `limit` records from `startTime`.
/// Binance documents no request weight for it, but it shares a 500 requests / 5 min / IP bucket
/// with `fundingInfo`, which the futures limiter does not model. Weight 24 makes the futures
/// limiter (50 % of 2400 per minute = 1200 per minute) pass at most 50 of them a minute, 250 per
/// 5 minutes: half of that bucket, the same 50 % margin as every other host budget.
/// Docs: <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-History>
pub const FAPI_FUNDING_RATE: Endpoint = Endpoint {
    name: "fapi/v1/fundingRate",
    host: FUTURES.key,
    path: "/fapi/v1/fundingRate",
    weight: 24,
    docs: "https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-History",
};

/// Page size basis asks `fundingRate` for (the documented maximum).
pub const FUNDING_HISTORY_LIMIT: usize = 1000;

/// Spot klines (candles) of one symbol: `symbol`, `interval` (`1h`, `1d`; case-sensitive),
/// `startTime`, `endTime` (ms, inclusive), `limit` (default 500, max 1000), `timeZone` (default
/// 0 = UTC, which basis keeps by not sending it). Oldest first; with `startTime` the first `limit`
/// bars from it. Weight 2.
/// Docs: <https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#klinecandlestick-data>
pub const SPOT_KLINES: Endpoint = Endpoint {
    name: "api/v3/klines",
    host: SPOT.key,
    path: "/api/v3/klines",
    weight: 2,
    docs: "https://developers.binance.com/docs/binance-spot-api-docs/rest-api/market-data-endpoints#klinecandlestick-data",
};

/// Page size basis asks spot klines for at most (the documented maximum).
pub const SPOT_KLINES_LIMIT: usize = 1000;

/// USDⓈ-M last-trade klines of one symbol: same parameters as [`SPOT_KLINES`] (no `timeZone`),
/// `limit` default 500, max 1500. The weight depends on `limit` ([`fapi_klines_weight`]); the
/// constant holds the largest, each request carries the weight of its own `limit`.
/// Docs: <https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Kline-Candlestick-Data>
pub const FAPI_KLINES: Endpoint = Endpoint {
    name: "fapi/v1/klines",
    host: FUTURES.key,
    path: "/fapi/v1/klines",
    weight: 10,
    docs: "https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Kline-Candlestick-Data",
};

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
    match bar {
        Bar::Hour => "1h",
        Bar::Day => "1d",
    }
}

/// Ban length when a 418/403 carries no `Retry-After`: Binance's automatic bans start at 2 minutes.
/// Docs: <https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits>
pub const DEFAULT_BAN: Duration = Duration::from_secs(120);

/// The Binance adapter.
#[derive(Debug, Clone, Copy)]
pub struct Binance;

impl VenueAdapter for Binance {
    fn venue(&self) -> Venue {
        Venue::Binance
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
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

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(
            Body::one(bodies, FAPI_EXCHANGE_INFO.name)?,
            Body::one(bodies, FAPI_FUNDING_INFO.name)?,
            Body::one(bodies, SPOT_EXCHANGE_INFO.name)?,
            Body::of(bodies, FAPI_ASSET_INDEX.name).next(),
        )
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

    fn parse_snapshot(
        &self,
        bodies: &[Body<'_>],
        reference: &Reference,
        received_at: DateTime<Utc>,
    ) -> Result<Snapshot, ParseError> {
        parse::snapshot(
            parse::SnapshotBodies {
                premium_index: Body::one(bodies, FAPI_PREMIUM_INDEX.name)?,
                futures_ticker: Body::one(bodies, FAPI_TICKER_24HR.name)?,
                book_ticker: Body::one(bodies, FAPI_BOOK_TICKER.name)?,
                spot_ticker: Body::one(bodies, SPOT_TICKER_24HR.name)?,
            },
            reference,
            received_at,
        )
    }

    /// `{"code": <negative>, "msg": …}` is an API error; codes -1003 (too much request weight,
    /// also sent with the 418 ban) and -1015 (too many orders) mean rate limited. Anything else
    /// (arrays, objects without a negative code, the WAF's HTML) says nothing.
    /// Docs: <https://developers.binance.com/docs/binance-spot-api-docs/errors>
    fn check_body(&self, _status: u16, body: &[u8]) -> BodySignal {
        parse::envelope_signal(body)
    }

    /// Pages forward: the first request asks from `start_ms`; each next one from the newest
    /// returned time + 1. Stops after an empty or short page (fewer than
    /// [`FUNDING_HISTORY_LIMIT`]) or one reaching `end_ms`.
    fn funding_history_request(
        &self,
        symbol: &str,
        start_ms: i64,
        end_ms: i64,
        previous: Option<&[HistoryPoint]>,
        _page: u32,
    ) -> Option<Request> {
        let from = match previous {
            None => start_ms,
            Some(page) => {
                if page.len() < FUNDING_HISTORY_LIMIT {
                    return None;
                }
                let newest = page.iter().map(|p| p.time_ms).max()?;
                if newest >= end_ms {
                    return None;
                }
                newest.saturating_add(1).max(start_ms)
            }
        };
        if from > end_ms {
            return None;
        }
        Some(
            FAPI_FUNDING_RATE
                .request()
                .query("symbol", symbol)
                .query("startTime", from.to_string())
                .query("endTime", end_ms.to_string())
                .query("limit", FUNDING_HISTORY_LIMIT.to_string()),
        )
    }

    fn parse_funding_history(&self, body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        parse::funding_history(body)
    }

    /// Pages forward: the first request asks from `start_ms`, each next one from the newest
    /// returned open + one bar, always up to `end_ms`, for as many bars as the rest of the window
    /// holds (at most [`SPOT_KLINES_LIMIT`] / [`FAPI_KLINES_LIMIT`]; the perp weight follows the
    /// `limit`). Stops after an empty page, a page shorter than the maximum (it held the rest of
    /// the window, or the history ran out) or one reaching the bar open at `end_ms`.
    fn candle_request(
        &self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        _page: u32,
    ) -> Option<Request> {
        let step = window.bar.millis();
        let (endpoint, max) = match window.market {
            Market::Spot => (SPOT_KLINES, SPOT_KLINES_LIMIT),
            Market::Perp => (FAPI_KLINES, FAPI_KLINES_LIMIT),
        };
        let last_open = window.end_ms.div_euclid(step) * step;
        let from = match previous {
            None => window.start_ms,
            Some(page) => {
                if page.len() < max {
                    return None;
                }
                let newest = page.iter().map(|c| c.open_ms).max()?;
                if newest >= last_open {
                    return None;
                }
                newest.saturating_add(step).max(window.start_ms)
            }
        };
        let first_open =
            from.div_euclid(step) * step + if from.rem_euclid(step) == 0 { 0 } else { step };
        if first_open > last_open {
            return None;
        }
        let bars = usize::try_from((last_open - first_open) / step + 1).unwrap_or(max);
        let limit = bars.min(max);
        let weight = match window.market {
            Market::Spot => SPOT_KLINES.weight,
            Market::Perp => fapi_klines_weight(limit),
        };
        Some(
            endpoint
                .weighing(weight)
                .query("symbol", window.symbol)
                .query("interval", interval(window.bar))
                .query("startTime", from.to_string())
                .query("endTime", window.end_ms.to_string())
                .query("limit", limit.to_string()),
        )
    }

    fn parse_candles(
        &self,
        market: Market,
        _bar: Bar,
        body: &[u8],
    ) -> Result<Vec<Candle>, ParseError> {
        parse::candles(market, body)
    }

    fn default_ban(&self) -> Duration {
        DEFAULT_BAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::testkit::{points, query};

    #[test]
    fn plan_fits_the_budget_and_paths_follow_the_origin() {
        let b = Binance;
        assert_eq!(b.snapshot_requests(false).len(), 4);
        assert_eq!(b.snapshot_requests(true), b.snapshot_requests(false));
        let weight = |host: &str| -> u32 {
            b.snapshot_requests(false)
                .iter()
                .filter(|r| r.host == host)
                .map(|r| r.weight)
                .sum()
        };
        assert_eq!(weight("futures"), 55);
        assert_eq!(weight("spot"), 80);
        for r in b
            .reference_requests()
            .iter()
            .chain(&b.snapshot_requests(true))
        {
            assert!(
                r.path.starts_with("/fapi/v1/") || r.path.starts_with("/api/v3/"),
                "{r:?}"
            );
            assert_eq!(r.endpoint, &r.path[1..]);
            let expected = if r.path.starts_with("/fapi") {
                "futures"
            } else {
                "spot"
            };
            assert_eq!(r.host, expected, "{r:?}");
        }
        let spot_info = &b.reference_requests()[2];
        assert_eq!(
            spot_info.query,
            vec![
                ("permissions", "SPOT".to_owned()),
                ("symbolStatus", "TRADING".to_owned()),
                ("showPermissionSets", "false".to_owned()),
            ]
        );
    }

    #[test]
    fn reference_plan_asks_for_the_asset_index_optionally() {
        let refs = Binance.reference_requests();
        assert_eq!(refs.len(), 4);
        // The instrument lists are required; only the collateral table may fail.
        assert_eq!(
            refs.iter().map(|r| r.optional).collect::<Vec<_>>(),
            [false, false, false, true]
        );
        let index = &refs[3];
        assert_eq!(
            (
                index.endpoint,
                index.host,
                index.path.as_str(),
                index.weight
            ),
            ("fapi/v1/assetIndex", "futures", "/fapi/v1/assetIndex", 10)
        );
        assert!(index.query.is_empty(), "no symbol: every coin");
        assert_eq!(index.method, crate::venue::Method::Get);
        let futures_weight: u32 = refs
            .iter()
            .filter(|r| r.host == "futures")
            .map(|r| r.weight)
            .sum();
        assert_eq!(futures_weight, 11);
    }

    #[test]
    fn hosts_match_the_design_table() {
        let b = Binance;
        assert_eq!(b.hosts(), &[SPOT, FUTURES]);
        assert_eq!(
            (SPOT.env, SPOT.default_url),
            ("BASIS_BINANCE_SPOT_URL", "https://api.binance.com")
        );
        assert_eq!(
            (FUTURES.env, FUTURES.default_url),
            ("BASIS_BINANCE_FUTURES_URL", "https://fapi.binance.com")
        );
        assert_eq!((SPOT.limit_weight, FUTURES.limit_weight), (6000, 2400));
        assert!(
            b.hosts()
                .iter()
                .all(|h| h.budget_pct == 50 && h.limit_period == Duration::from_secs(60))
        );
        assert_eq!(b.default_ban(), Duration::from_secs(120));
        assert_eq!(b.venue(), Venue::Binance);
    }

    #[test]
    fn history_requests_page_forward_and_stop() {
        let b = Binance;
        let (start, end) = (1_000_000, 9_000_000_000);
        let first = b
            .funding_history_request("BTCUSDT", start, end, None, 0)
            .expect("first page");
        assert_eq!(
            (
                first.endpoint,
                first.host,
                first.path.as_str(),
                first.weight
            ),
            ("fapi/v1/fundingRate", "futures", "/fapi/v1/fundingRate", 24)
        );
        assert_eq!(
            query(&first),
            [
                ("symbol", "BTCUSDT"),
                ("startTime", "1000000"),
                ("endTime", "9000000000"),
                ("limit", "1000"),
            ]
        );
        // A full page, in any order: the next one starts after its newest point.
        let mut full = points((0..1000).map(|i| start + i * 3_600_000));
        full.reverse();
        let next = b
            .funding_history_request("BTCUSDT", start, end, Some(&full), 0)
            .expect("next page");
        let newest = start + 999 * 3_600_000;
        assert_eq!(
            query(&next),
            [
                ("symbol", "BTCUSDT"),
                ("startTime", (newest + 1).to_string().as_str()),
                ("endTime", "9000000000"),
                ("limit", "1000"),
            ]
        );
        // Short page, empty page, a full page reaching the end: done.
        let short = points((0..999).map(|i| start + i * 3_600_000));
        assert_eq!(
            b.funding_history_request("BTCUSDT", start, end, Some(&short), 0),
            None
        );
        assert_eq!(
            b.funding_history_request("BTCUSDT", start, end, Some(&[]), 0),
            None
        );
        let reaching = points((0..1000).map(|i| end - 999 * 3_600_000 + i * 3_600_000));
        assert_eq!(
            b.funding_history_request("BTCUSDT", start, end, Some(&reaching), 0),
            None
        );
        assert_eq!(b.history_days_limit(), None);
    }
}

#[cfg(test)]
mod candle_tests {

    use super::*;
    use crate::venue::testkit::{DAY_MS, HOUR_MS, bars, query, window};

    #[test]
    fn candle_requests_name_the_interval_and_ask_for_the_whole_window_at_once() {
        let now = 1_760_000_000_000 + 17 * 60_000;
        let hour = now / HOUR_MS * HOUR_MS;
        let day = now / DAY_MS * DAY_MS;
        // 7 days of hourly perp bars: 169 rows in one call, weight 2 (limit in [100, 500)).
        let w = window(
            Market::Perp,
            "1000PEPEUSDT",
            Bar::Hour,
            hour - 168 * HOUR_MS,
            now,
        );
        let r = Binance.candle_request(&w, None, 0).expect("first page");
        assert_eq!(
            (r.endpoint, r.host, r.path.as_str(), r.weight),
            ("fapi/v1/klines", "futures", "/fapi/v1/klines", 2)
        );
        let start = (hour - 168 * HOUR_MS).to_string();
        let end = now.to_string();
        assert_eq!(
            query(&r),
            [
                ("symbol", "1000PEPEUSDT"),
                ("interval", "1h"),
                ("startTime", start.as_str()),
                ("endTime", end.as_str()),
                ("limit", "169"),
            ]
        );
        // 45 days of daily spot bars: 46 rows, `1d` (UTC), spot weight 2.
        let w = window(Market::Spot, "BTCUSDT", Bar::Day, day - 45 * DAY_MS, now);
        let r = Binance.candle_request(&w, None, 0).expect("first page");
        assert_eq!(
            (r.endpoint, r.host, r.path.as_str(), r.weight),
            ("api/v3/klines", "spot", "/api/v3/klines", 2)
        );
        assert_eq!(query(&r)[1], ("interval", "1d"));
        assert_eq!(query(&r)[4], ("limit", "46"));
        // The perp weight follows the limit.
        for (rows, weight) in [
            (1, 1),
            (99, 1),
            (100, 2),
            (499, 2),
            (500, 5),
            (1000, 5),
            (1001, 10),
            (1500, 10),
        ] {
            assert_eq!(fapi_klines_weight(rows), weight, "{rows}");
            let w = window(
                Market::Perp,
                "BTCUSDT",
                Bar::Hour,
                hour - (rows as i64 - 1) * HOUR_MS,
                now,
            );
            let r = Binance.candle_request(&w, None, 0).expect("first page");
            assert_eq!(
                (query(&r)[4].1, r.weight),
                (rows.to_string().as_str(), weight)
            );
        }
        // An empty or inverted window asks nothing.
        assert_eq!(
            Binance.candle_request(
                &window(Market::Spot, "BTCUSDT", Bar::Hour, now, now - 1),
                None,
                0
            ),
            None
        );
        assert_eq!(
            Binance.candle_request(
                &window(Market::Spot, "BTCUSDT", Bar::Hour, hour + 1, now),
                None,
                0
            ),
            None
        );
    }

    #[test]
    fn candle_requests_page_forward_and_stop() {
        let now = 1_760_000_000_000 + 17 * 60_000;
        let hour = now / HOUR_MS * HOUR_MS;
        let start = hour - 2000 * HOUR_MS;
        let w = window(Market::Perp, "BTCUSDT", Bar::Hour, start, now);
        let first = Binance.candle_request(&w, None, 0).expect("first page");
        assert_eq!((query(&first)[4], first.weight), (("limit", "1500"), 10));
        // A full page, in any order: the next starts one bar after its newest, for the rest.
        let mut full = bars((0..1500).map(|i| start + i * HOUR_MS));
        full.reverse();
        let next = Binance
            .candle_request(&w, Some(&full), 1)
            .expect("next page");
        let from = (start + 1500 * HOUR_MS).to_string();
        let end = now.to_string();
        assert_eq!(
            query(&next),
            [
                ("symbol", "BTCUSDT"),
                ("interval", "1h"),
                ("startTime", from.as_str()),
                ("endTime", end.as_str()),
                ("limit", "501"),
            ]
        );
        assert_eq!(next.weight, 5);
        // Short page, empty page, a full page reaching the last bar: done.
        let short = bars((0..1499).map(|i| start + i * HOUR_MS));
        assert_eq!(Binance.candle_request(&w, Some(&short), 1), None);
        let reaching = bars((0..1500).map(|i| hour - i * HOUR_MS));
        assert_eq!(Binance.candle_request(&w, Some(&reaching), 1), None);
        // Spot pages hold 1000: a full spot page goes on where a perp one of 1000 is short.
        let spot = window(Market::Spot, "BTCUSDT", Bar::Hour, start, now);
        let thousand = bars((0..1000).map(|i| start + i * HOUR_MS));
        let next = Binance
            .candle_request(&spot, Some(&thousand), 1)
            .expect("spot next page");
        assert_eq!(
            (query(&next)[2].1, query(&next)[4].1),
            ((start + 1000 * HOUR_MS).to_string().as_str(), "1000")
        );
        assert_eq!(next.weight, 2);
        assert_eq!(Binance.candle_request(&w, Some(&thousand), 1), None);
    }
}
