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

use chrono::{DateTime, Utc};

use super::{
    Bar, Body, BodySignal, Candle, CandleWindow, Endpoint, HistoryPoint, HostSpec, ParseError,
    Request, VenueAdapter,
};
use crate::model::{Market, Reference, Snapshot, Venue};

/// Host key of Kraken Futures' only host.
pub const HOST: &str = "main";

/// The one Kraken Futures host: `BASIS_KRAKEN_URL`, default `https://futures.kraken.com`; the
/// `/derivatives` budget of 500 cost units per 10 s.
/// Docs: <https://docs.kraken.com/exchange/guides/futures/ratelimits>
pub const HOSTS: [HostSpec; 1] = [HostSpec {
    key: HOST,
    env: "BASIS_KRAKEN_URL",
    default_url: "https://futures.kraken.com",
    limit_weight: 500,
    limit_period: Duration::from_secs(10),
    budget_pct: 50,
    per_endpoint: false,
}];

/// Cost basis charges a public call (documented cost: none; see the module docs).
pub const PUBLIC_WEIGHT: u32 = 1;

/// The instrument list (public).
pub const INSTRUMENTS: Endpoint = Endpoint {
    name: "instruments",
    host: HOST,
    path: "/derivatives/api/v3/instruments",
    weight: PUBLIC_WEIGHT,
    docs: "https://docs.kraken.com/api/docs/futures-api/trading/get-instruments",
};

/// The tickers of every contract and index (public).
pub const TICKERS: Endpoint = Endpoint {
    name: "tickers",
    host: HOST,
    path: "/derivatives/api/v3/tickers",
    weight: PUBLIC_WEIGHT,
    docs: "https://docs.kraken.com/api/docs/futures-api/trading/get-tickers",
};

/// The settled funding of one contract (public): `symbol`; every hourly settlement since the
/// contract's listing, in one answer.
pub const HISTORICAL_FUNDING_RATES: Endpoint = Endpoint {
    name: "historicalfundingrates",
    host: HOST,
    path: "/derivatives/api/v4/historicalfundingrates",
    weight: PUBLIC_WEIGHT,
    docs: "https://docs.kraken.com/api/docs/futures-api/trading/historical-funding-rates",
};

/// The last-trade candles of one contract (public), the path going on with
/// `{symbol}/{resolution}`: `from`, `to` in seconds; oldest first.
pub const CANDLES: Endpoint = Endpoint {
    name: "candles",
    host: HOST,
    path: "/api/charts/v1/trade/",
    weight: PUBLIC_WEIGHT,
    docs: "https://docs.kraken.com/api/docs/futures-api/charts/candles",
};
/// Candles per charts page (ccxt's page size; not documented by Kraken).
pub const CANDLE_LIMIT: usize = 2000;

/// The charts API's resolution for a bar length (`1d` bars open at 00:00 UTC).
#[must_use]
pub const fn resolution(bar: Bar) -> &'static str {
    match bar {
        Bar::Hour => "1h",
        Bar::Day => "1d",
    }
}

/// Error string of an exceeded rate limit.
pub const RATE_LIMIT_ERROR: &str = "apiLimitExceeded";

/// Funding interval of every Kraken Futures perpetual, hours (funding is paid hourly).
pub const FUNDING_INTERVAL_HOURS: i64 = 1;

/// The Kraken Futures adapter (`PF_` linear perpetuals).
#[derive(Debug, Clone, Copy)]
pub struct Kraken;

impl VenueAdapter for Kraken {
    fn venue(&self) -> Venue {
        Venue::Kraken
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![INSTRUMENTS.request()]
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// The tickers, for scans and polls alike (see the module docs).
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![TICKERS.request()]
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

    /// One request: the endpoint answers the whole history (the caller keeps the window).
    fn funding_history_request(
        &self,
        symbol: &str,
        start_ms: i64,
        end_ms: i64,
        previous: Option<&[HistoryPoint]>,
        _page: u32,
    ) -> Option<Request> {
        if previous.is_some() || end_ms < start_ms {
            return None;
        }
        Some(HISTORICAL_FUNDING_RATES.request().query("symbol", symbol))
    }

    fn parse_funding_history(&self, body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        parse::funding_history(body)
    }

    /// Perps only. Pages forward in seconds: `from` = the window's start, then one second
    /// after the newest returned open; `to` = the window's end. Stops after a short page
    /// (fewer than [`CANDLE_LIMIT`]) or one whose newest bar is the last that opens in the
    /// window.
    fn candle_request(
        &self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        _page: u32,
    ) -> Option<Request> {
        if window.market != Market::Perp || window.end_ms < window.start_ms {
            return None;
        }
        let from_ms = match previous {
            None => window.start_ms,
            Some(page) => {
                if page.len() < CANDLE_LIMIT {
                    return None;
                }
                let newest = page.iter().map(|c| c.open_ms).max()?;
                if newest.saturating_add(window.bar.millis()) > window.end_ms {
                    return None;
                }
                newest.saturating_add(1000).max(window.start_ms)
            }
        };
        let from = from_ms.div_euclid(1000) + i64::from(from_ms.rem_euclid(1000) != 0);
        let to = window.end_ms.div_euclid(1000);
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

    fn parse_candles(
        &self,
        _market: Market,
        _bar: Bar,
        body: &[u8],
    ) -> Result<Vec<Candle>, ParseError> {
        parse::candles(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::testkit::{bars, query, window};

    #[test]
    fn plans_are_one_bulk_request_each() {
        let scan = Kraken.snapshot_requests(false);
        assert_eq!(scan, Kraken.snapshot_requests(true));
        let reference = Kraken.reference_requests();
        let plan: Vec<(&str, &str)> = reference
            .iter()
            .chain(scan.iter())
            .map(|r| (r.endpoint, r.path.as_str()))
            .collect();
        assert_eq!(
            plan,
            [
                (INSTRUMENTS.name, "/derivatives/api/v3/instruments"),
                (TICKERS.name, "/derivatives/api/v3/tickers")
            ]
        );
        assert!(
            reference
                .iter()
                .chain(scan.iter())
                .all(|r| r.query.is_empty() && r.host == HOST && !r.optional)
        );
        let host = Kraken.hosts()[0];
        assert_eq!(
            (host.env, host.default_url, host.budget_pct),
            ("BASIS_KRAKEN_URL", "https://futures.kraken.com", 50)
        );
    }

    const H: i64 = 3_600_000;
    const DAY: i64 = 86_400_000;
    const NOW: i64 = 1_763_340_877_524;

    #[test]
    fn funding_history_is_one_request_for_the_whole_history() {
        let k = Kraken;
        let r = k
            .funding_history_request("PF_XBTUSD", NOW - 30 * DAY, NOW, None, 0)
            .expect("one request");
        assert_eq!(
            (r.endpoint, r.host, r.path.as_str(), r.weight),
            (
                "historicalfundingrates",
                "main",
                "/derivatives/api/v4/historicalfundingrates",
                1
            )
        );
        assert_eq!(query(&r), [("symbol", "PF_XBTUSD")]);
        let page = [HistoryPoint {
            time_ms: NOW / H * H,
            rate: rust_decimal::Decimal::ONE,
        }];
        assert_eq!(
            k.funding_history_request("PF_XBTUSD", NOW - 30 * DAY, NOW, Some(&page), 1),
            None,
            "one answer holds everything"
        );
        assert_eq!(
            k.funding_history_request("PF_XBTUSD", NOW - 30 * DAY, NOW, Some(&[]), 1),
            None
        );
        assert_eq!(
            k.funding_history_request("PF_XBTUSD", NOW, NOW - 1, None, 0),
            None
        );
        assert_eq!(k.history_days_limit(), None);
    }

    #[test]
    fn candle_requests_use_seconds_on_the_derivatives_host_and_page_forward() {
        let k = Kraken;
        let daily = window(
            Market::Perp,
            "PF_XBTUSD",
            Bar::Day,
            NOW / DAY * DAY - 45 * DAY,
            NOW,
        );
        let r = k.candle_request(&daily, None, 0).expect("daily");
        assert_eq!(
            (r.endpoint, r.host, r.path.as_str(), r.weight),
            ("candles", "main", "/api/charts/v1/trade/PF_XBTUSD/1d", 1)
        );
        // The live URL: the host's origin + this path.
        assert_eq!(
            format!("{}{}", HOSTS[0].default_url, r.path),
            "https://futures.kraken.com/api/charts/v1/trade/PF_XBTUSD/1d"
        );
        let start_s = (daily.start_ms / 1000).to_string();
        assert_eq!(
            query(&r),
            [("from", start_s.as_str()), ("to", "1763340877")]
        );
        let hourly = CandleWindow {
            bar: Bar::Hour,
            start_ms: NOW / H * H - 168 * H,
            ..daily
        };
        let r = k.candle_request(&hourly, None, 0).expect("hourly");
        assert_eq!(r.path, "/api/charts/v1/trade/PF_XBTUSD/1h");
        // 169 bars: short page, done.
        let page = bars((0..169).map(|i| hourly.start_ms + i * H));
        assert_eq!(k.candle_request(&hourly, Some(&page), 1), None);
        // A full page of 2000 (any order): the next starts one second after its newest bar.
        let long = CandleWindow {
            start_ms: NOW / H * H - 3000 * H,
            ..hourly
        };
        let full = bars((0..2000).rev().map(|i| long.start_ms + i * H));
        let next = k.candle_request(&long, Some(&full), 1).expect("next page");
        let newest_s = (long.start_ms + 1999 * H) / 1000;
        assert_eq!(
            query(&next),
            [
                ("from", (newest_s + 1).to_string().as_str()),
                ("to", "1763340877")
            ]
        );
        // A full page ending with the bar that contains the window's end: done.
        let reaching = bars((0..2000).map(|i| NOW / H * H - i * H));
        assert_eq!(k.candle_request(&long, Some(&reaching), 1), None);
        // No spot on Kraken Futures; an inverted window asks nothing.
        let spot = CandleWindow {
            market: Market::Spot,
            ..daily
        };
        assert_eq!(k.candle_request(&spot, None, 0), None);
        let inverted = CandleWindow {
            start_ms: NOW + DAY,
            ..daily
        };
        assert_eq!(k.candle_request(&inverted, None, 0), None);
    }
}
