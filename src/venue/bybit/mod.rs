//! Bybit v5 adapter: endpoints, limits and docs links; the request plan; envelope checks.
//!
//! Reference (cached, refreshed hourly by the caller): the linear and spot instrument lists,
//! linear paged with `nextPageCursor`, and, optional, the public tiered collateral ratios (the
//! haircut `k` of each margin coin: its first tier). Snapshot: two bulk calls, `tickers?category=linear` (rate,
//! interval, next funding, mark, index, bid/ask, 24 h high/low, turnover, open interest) and
//! `tickers?category=spot`. Funding history: `funding/history`, paged backwards from the
//! window's end (Bybit returns the newest 200 of a window first). Candles: `kline` of category
//! `linear` or `spot` (last-trade bars, `60`/`D`, up to 1000 a call), also paged backwards.

mod parse;
pub(crate) mod tiers;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{
    Bar, Body, BodySignal, Candle, CandleWindow, Endpoint, HistoryPoint, HostSpec, ParseError,
    Request, VenueAdapter,
};
use crate::model::{Market, Reference, Snapshot, Venue};

/// The one Bybit host: 600 requests per 5 s per IP for all of `api.bybit.com`; exceeding it gives
/// HTTP 403 "access too frequent" and an IP ban of at least 10 minutes.
/// Docs: <https://bybit-exchange.github.io/docs/v5/rate-limit>
pub const MAIN: HostSpec = HostSpec {
    key: "main",
    env: "BASIS_BYBIT_URL",
    default_url: "https://api.bybit.com",
    limit_weight: 600,
    limit_period: Duration::from_secs(5),
    budget_pct: 50,
    per_endpoint: false,
};

static HOSTS: [HostSpec; 1] = [MAIN];

/// Docs of the instrument lists.
const INSTRUMENTS_DOCS: &str = "https://bybit-exchange.github.io/docs/v5/market/instrument";
/// Docs of the tickers.
const TICKERS_DOCS: &str = "https://bybit-exchange.github.io/docs/v5/market/tickers";
/// Docs of the candles.
const KLINE_DOCS: &str = "https://bybit-exchange.github.io/docs/v5/market/kline";

/// Linear instrument list (`category=linear`, `limit` ≤ 1000, paged with `cursor`).
pub const INSTRUMENTS_LINEAR: Endpoint = Endpoint {
    name: "instruments-info-linear",
    host: MAIN.key,
    path: "/v5/market/instruments-info",
    weight: WEIGHT,
    docs: INSTRUMENTS_DOCS,
};

/// Spot instrument list (`category=spot`, `limit` ≤ 1000; "Spot does not support pagination").
pub const INSTRUMENTS_SPOT: Endpoint = Endpoint {
    name: "instruments-info-spot",
    ..INSTRUMENTS_LINEAR
};

/// Bulk tickers of the linear category (USDT and USDC perps + dated futures).
pub const TICKERS_LINEAR: Endpoint = Endpoint {
    name: "tickers-linear",
    host: MAIN.key,
    path: "/v5/market/tickers",
    weight: WEIGHT,
    docs: TICKERS_DOCS,
};

/// Bulk tickers of the spot category.
pub const TICKERS_SPOT: Endpoint = Endpoint {
    name: "tickers-spot",
    ..TICKERS_LINEAR
};

/// Settled funding of one symbol: `category=linear`, `symbol` (required), `startTime`, `endTime`
/// (ms, inclusive), `limit` 1–200. Newest first: the latest `limit` records of the window.
/// `startTime` alone is rejected (both, or `endTime` only). IP limit only: weight [`WEIGHT`].
pub const FUNDING_HISTORY: Endpoint = Endpoint {
    name: "funding-history",
    host: MAIN.key,
    path: "/v5/market/funding/history",
    weight: WEIGHT,
    docs: "https://bybit-exchange.github.io/docs/v5/market/history-fund-rate",
};

/// Page size basis asks the funding history for (the documented maximum).
pub const FUNDING_HISTORY_LIMIT: usize = 200;

/// Candles of one linear symbol: `category`, `symbol`, `interval` (`60`, `D`, …), `start`, `end`
/// (ms), `limit` 1–1000 (default 200). `result.list` holds string arrays, newest first; the
/// first row is the running bar (its close is the last traded price). Weight [`WEIGHT`].
pub const KLINE_LINEAR: Endpoint = Endpoint {
    name: "kline-linear",
    host: MAIN.key,
    path: "/v5/market/kline",
    weight: WEIGHT,
    docs: KLINE_DOCS,
};

/// Candles of one spot symbol (as [`KLINE_LINEAR`], `category=spot`).
pub const KLINE_SPOT: Endpoint = Endpoint {
    name: "kline-spot",
    ..KLINE_LINEAR
};

/// Page size basis asks `kline` for at most (the documented maximum).
pub const KLINE_LIMIT: usize = 1000;

/// Bybit's `interval` of a bar length: `60` (minutes) or `D` (UTC days).
#[must_use]
pub const fn interval(bar: Bar) -> &'static str {
    match bar {
        Bar::Hour => "60",
        Bar::Day => "D",
    }
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
pub const COLLATERAL: Endpoint = Endpoint {
    name: "collateral",
    host: MAIN.key,
    path: "/v5/spot-margin-trade/collateral",
    weight: WEIGHT,
    docs: "https://bybit-exchange.github.io/docs/v5/spot-margin-uta/tier-collateral-ratio",
};

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
    fn venue(&self) -> Venue {
        Venue::Bybit
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
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

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(
            Body::of(bodies, INSTRUMENTS_LINEAR.name),
            Body::of(bodies, INSTRUMENTS_SPOT.name),
            Body::of(bodies, COLLATERAL.name).next(),
        )
    }

    /// Two requests whether `full` or not: the linear tickers already carry mark, index and open
    /// interest, so the poller needs nothing more than a scan.
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            tickers(TICKERS_LINEAR, "linear"),
            tickers(TICKERS_SPOT, "spot"),
        ]
    }

    fn parse_snapshot(
        &self,
        bodies: &[Body<'_>],
        reference: &Reference,
        received_at: DateTime<Utc>,
    ) -> Result<Snapshot, ParseError> {
        parse::snapshot(
            Body::one(bodies, TICKERS_LINEAR.name)?,
            Body::one(bodies, TICKERS_SPOT.name)?,
            reference,
            received_at,
        )
    }

    /// `retCode` 10006/10018 → rate limited; any other non-zero `retCode` → API error (Bybit
    /// reports errors with HTTP 200). Non-JSON bodies (the 403 ban page) say nothing.
    /// Docs: <https://bybit-exchange.github.io/docs/v5/error>
    fn check_body(&self, _status: u16, body: &[u8]) -> BodySignal {
        parse::envelope_signal(body)
    }

    /// Pages backwards: every request carries the window's `startTime` and an `endTime` that
    /// starts at `end_ms` and moves to the oldest returned time − 1. Stops after an empty or
    /// short page (fewer than [`FUNDING_HISTORY_LIMIT`]) or one reaching `start_ms`.
    fn funding_history_request(
        &self,
        symbol: &str,
        start_ms: i64,
        end_ms: i64,
        previous: Option<&[HistoryPoint]>,
        _page: u32,
    ) -> Option<Request> {
        let to = match previous {
            None => end_ms,
            Some(page) => {
                if page.len() < FUNDING_HISTORY_LIMIT {
                    return None;
                }
                let oldest = page.iter().map(|p| p.time_ms).min()?;
                if oldest <= start_ms {
                    return None;
                }
                (oldest - 1).min(end_ms)
            }
        };
        if to < start_ms {
            return None;
        }
        Some(
            FUNDING_HISTORY
                .request()
                .query("category", "linear")
                .query("symbol", symbol)
                .query("startTime", start_ms.to_string())
                .query("endTime", to.to_string())
                .query("limit", FUNDING_HISTORY_LIMIT.to_string()),
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
    fn candle_request(
        &self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        _page: u32,
    ) -> Option<Request> {
        let step = window.bar.millis();
        let first_open = window.start_ms.div_euclid(step) * step
            + if window.start_ms.rem_euclid(step) == 0 {
                0
            } else {
                step
            };
        let to = match previous {
            None => window.end_ms,
            Some(page) => {
                if page.len() < KLINE_LIMIT {
                    return None;
                }
                let oldest = page.iter().map(|c| c.open_ms).min()?;
                if oldest <= first_open {
                    return None;
                }
                (oldest - 1).min(window.end_ms)
            }
        };
        let last_open = to.div_euclid(step) * step;
        if last_open < first_open {
            return None;
        }
        let bars = usize::try_from((last_open - first_open) / step + 1).unwrap_or(KLINE_LIMIT);
        let (endpoint, category) = kline_of(window.market);
        Some(
            endpoint
                .request()
                .query("category", category)
                .query("symbol", window.symbol)
                .query("interval", interval(window.bar))
                .query("start", first_open.to_string())
                .query("end", to.to_string())
                .query("limit", bars.min(KLINE_LIMIT).to_string()),
        )
    }

    fn parse_candles(
        &self,
        market: Market,
        _bar: Bar,
        body: &[u8],
    ) -> Result<Vec<Candle>, ParseError> {
        let (endpoint, category) = kline_of(market);
        parse::candles(endpoint.name, category, body)
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
        let b = Bybit;
        assert_eq!(b.snapshot_requests(false).len(), 2);
        assert!(b.snapshot_requests(true).len() <= 4);
        for r in b
            .reference_requests()
            .iter()
            .chain(&b.snapshot_requests(true))
            .filter(|r| r.endpoint != COLLATERAL)
        {
            assert!(r.path.starts_with("/v5/market/"), "{r:?}");
            assert_eq!(r.host, "main");
            assert!(r.query.iter().any(|(k, _)| *k == "category"));
            assert!(!r.optional, "{r:?}");
        }
        let refs = b.reference_requests();
        assert_eq!(refs.len(), 3);
        // The collateral tiers: every coin (no `currency`), optional, one IP request.
        let tiers = &refs[2];
        assert_eq!(
            (
                tiers.endpoint,
                tiers.host,
                tiers.path.as_str(),
                tiers.weight
            ),
            ("collateral", "main", "/v5/spot-margin-trade/collateral", 1)
        );
        assert!(tiers.query.is_empty());
        assert!(tiers.optional);
        assert_eq!(tiers.method, crate::venue::Method::Get);
        assert_eq!(b.next_page(tiers, b"{}").expect("not paged"), None);
        assert_eq!(
            refs[0].query,
            vec![
                ("category", "linear".to_owned()),
                ("limit", "1000".to_owned())
            ]
        );
        assert_eq!(
            refs[1].query,
            vec![
                ("category", "spot".to_owned()),
                ("limit", "1000".to_owned())
            ]
        );
        assert_eq!(b.hosts(), &[MAIN]);
        assert_eq!(MAIN.env, "BASIS_BYBIT_URL");
        assert_eq!(MAIN.default_url, "https://api.bybit.com");
        assert_eq!(b.default_ban(), Duration::from_secs(600));
    }

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
        // Tickers are never paged, and a broken body is an error naming the endpoint.
        let t = b.snapshot_requests(false).remove(0);
        assert_eq!(b.next_page(&t, body).expect("ok"), None);
        let err = b
            .next_page(&first, b"{\"retCode\":0,")
            .expect_err("malformed");
        assert_eq!(err.endpoint, INSTRUMENTS_LINEAR);
    }

    #[test]
    fn history_requests_page_backwards_and_stop() {
        let b = Bybit;
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
            ("funding-history", "main", "/v5/market/funding/history", 1)
        );
        assert_eq!(
            query(&first),
            [
                ("category", "linear"),
                ("symbol", "BTCUSDT"),
                ("startTime", "1000000"),
                ("endTime", "9000000000"),
                ("limit", "200"),
            ]
        );
        // A full page, in any order: the next one ends just before its oldest point.
        let oldest = end - 199 * 3_600_000;
        let mut full = points((0..200).map(|i| oldest + i * 3_600_000));
        full.swap(0, 150);
        let next = b
            .funding_history_request("BTCUSDT", start, end, Some(&full), 0)
            .expect("next page");
        assert_eq!(
            query(&next),
            [
                ("category", "linear"),
                ("symbol", "BTCUSDT"),
                ("startTime", "1000000"),
                ("endTime", (oldest - 1).to_string().as_str()),
                ("limit", "200"),
            ]
        );
        // Short page, empty page, a full page reaching the start: done.
        let short = points((0..199).map(|i| oldest + i * 3_600_000));
        assert_eq!(
            b.funding_history_request("BTCUSDT", start, end, Some(&short), 0),
            None
        );
        assert_eq!(
            b.funding_history_request("BTCUSDT", start, end, Some(&[]), 0),
            None
        );
        let reaching = points((0..200).map(|i| start + i * 3_600_000));
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
    fn candle_requests_name_category_and_interval_and_ask_for_the_window_at_once() {
        let now = 1_760_000_000_000 + 17 * 60_000;
        let hour = now / HOUR_MS * HOUR_MS;
        let day = now / DAY_MS * DAY_MS;
        let w = window(
            Market::Perp,
            "1000PEPEUSDT",
            Bar::Hour,
            hour - 168 * HOUR_MS,
            now,
        );
        let r = Bybit.candle_request(&w, None, 0).expect("first page");
        assert_eq!(
            (r.endpoint, r.host, r.path.as_str(), r.weight),
            ("kline-linear", "main", "/v5/market/kline", 1)
        );
        let (start, end) = ((hour - 168 * HOUR_MS).to_string(), now.to_string());
        assert_eq!(
            query(&r),
            [
                ("category", "linear"),
                ("symbol", "1000PEPEUSDT"),
                ("interval", "60"),
                ("start", start.as_str()),
                ("end", end.as_str()),
                ("limit", "169"),
            ]
        );
        let w = window(Market::Spot, "BTCUSDT", Bar::Day, day - 45 * DAY_MS, now);
        let r = Bybit.candle_request(&w, None, 0).expect("first page");
        assert_eq!(r.endpoint, "kline-spot");
        let start = (day - 45 * DAY_MS).to_string();
        assert_eq!(
            query(&r),
            [
                ("category", "spot"),
                ("symbol", "BTCUSDT"),
                ("interval", "D"),
                ("start", start.as_str()),
                ("end", end.as_str()),
                ("limit", "46"),
            ]
        );
        // An empty or inverted window asks nothing.
        for (s, e) in [(now, now - 1), (hour + 1, now)] {
            let w = window(Market::Spot, "BTCUSDT", Bar::Hour, s, e);
            assert_eq!(Bybit.candle_request(&w, None, 0), None);
        }
    }

    #[test]
    fn candle_requests_page_backwards_and_stop() {
        let now = 1_760_000_000_000 + 17 * 60_000;
        let hour = now / HOUR_MS * HOUR_MS;
        let start = hour - 2500 * HOUR_MS;
        let w = window(Market::Perp, "BTCUSDT", Bar::Hour, start, now);
        let first = Bybit.candle_request(&w, None, 0).expect("first page");
        assert_eq!(query(&first)[5], ("limit", "1000"));
        // A full page, in any order: the next ends just before its oldest bar.
        let oldest = hour - 999 * HOUR_MS;
        let mut full = bars((0..1000).map(|i| oldest + i * HOUR_MS));
        full.rotate_left(333);
        let next = Bybit.candle_request(&w, Some(&full), 1).expect("next page");
        let (s, e) = (start.to_string(), (oldest - 1).to_string());
        assert_eq!(
            query(&next),
            [
                ("category", "linear"),
                ("symbol", "BTCUSDT"),
                ("interval", "60"),
                ("start", s.as_str()),
                ("end", e.as_str()),
                ("limit", "1000"),
            ]
        );
        // The last page asks for what is left: 2501 − 2000 bars.
        let older = bars((0..1000).map(|i| oldest - 1000 * HOUR_MS + i * HOUR_MS));
        let last = Bybit
            .candle_request(&w, Some(&older), 2)
            .expect("last page");
        assert_eq!(query(&last)[5], ("limit", "501"));
        // Short page, empty page, a full page reaching the start: done.
        let short = bars((0..999).map(|i| oldest + i * HOUR_MS));
        assert_eq!(Bybit.candle_request(&w, Some(&short), 1), None);
        let reaching = bars((0..1000).map(|i| start + i * HOUR_MS));
        assert_eq!(Bybit.candle_request(&w, Some(&reaching), 1), None);
    }
}
