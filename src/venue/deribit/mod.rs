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

use chrono::{DateTime, Utc};

use super::{
    Bar, Body, BodySignal, Candle, CandleWindow, Endpoint, HistoryPoint, HostSpec, ParseError,
    Request, VenueAdapter,
};
use crate::model::{Market, Reference, Snapshot, Venue};

/// Host key of Deribit's only host.
pub const HOST: &str = "main";

/// Credits one public (non-matching-engine) request costs.
/// Docs: <https://docs.deribit.com/articles/rate-limits>
pub const CREDITS_PER_REQUEST: u32 = 500;

/// The one Deribit host: `BASIS_DERIBIT_URL`, default `https://www.deribit.com`; 10 000 credits
/// refilled per second per IP (20 requests / s at [`CREDITS_PER_REQUEST`]).
/// Docs: <https://docs.deribit.com/articles/rate-limits>
pub const HOSTS: [HostSpec; 1] = [HostSpec {
    key: HOST,
    env: "BASIS_DERIBIT_URL",
    default_url: "https://www.deribit.com",
    limit_weight: 10_000,
    limit_period: Duration::from_secs(1),
    budget_pct: 50,
    per_endpoint: false,
}];

/// The future instrument list (USDC-settled; 500 credits).
pub const INSTRUMENTS_FUTURE: Endpoint = Endpoint {
    name: "get_instruments-future",
    host: HOST,
    path: "/api/v2/public/get_instruments",
    weight: CREDITS_PER_REQUEST,
    docs: "https://docs.deribit.com/api-reference/market-data/public-get_instruments",
};

/// The spot instrument list.
pub const INSTRUMENTS_SPOT: Endpoint = Endpoint {
    name: "get_instruments-spot",
    ..INSTRUMENTS_FUTURE
};

/// The future book summaries (USDC-settled; 500 credits).
pub const SUMMARY_FUTURE: Endpoint = Endpoint {
    name: "get_book_summary_by_currency-future",
    host: HOST,
    path: "/api/v2/public/get_book_summary_by_currency",
    weight: CREDITS_PER_REQUEST,
    docs: "https://docs.deribit.com/api-reference/market-data/public-get_book_summary_by_currency",
};

/// The spot book summaries.
pub const SUMMARY_SPOT: Endpoint = Endpoint {
    name: "get_book_summary_by_currency-spot",
    ..SUMMARY_FUTURE
};

/// `currency` of the future requests: the settlement currency of linear perpetuals.
pub const FUTURE_CURRENCY: &str = "USDC";
/// `currency` of the spot requests (spot pairs have no settlement currency).
pub const SPOT_CURRENCY: &str = "any";

/// The settled funding history of one perpetual (500 credits): `instrument_name`,
/// `start_timestamp` and `end_timestamp` (ms, both required, inclusive); hourly rows, oldest
/// first, at most [`FUNDING_HISTORY_LIMIT`] per call (the newest ones when the window holds more).
pub const FUNDING_HISTORY: Endpoint = Endpoint {
    name: "get_funding_rate_history",
    host: HOST,
    path: "/api/v2/public/get_funding_rate_history",
    weight: CREDITS_PER_REQUEST,
    docs: "https://docs.deribit.com/api-reference/market-data/public-get_funding_rate_history",
};

/// Rows per `get_funding_rate_history` call (31 days of hours).
pub const FUNDING_HISTORY_LIMIT: usize = 744;

/// The candles of one instrument (500 credits): `instrument_name` (`BTC_USDC-PERPETUAL`, spot
/// `BTC_USDC`), `start_timestamp`, `end_timestamp` (ms, both required), `resolution` (`60` =
/// 1 h, `1D` = one UTC day); columnar JSON numbers, oldest first, the running bar last.
pub const CANDLES: Endpoint = Endpoint {
    name: "get_tradingview_chart_data",
    host: HOST,
    path: "/api/v2/public/get_tradingview_chart_data",
    weight: CREDITS_PER_REQUEST,
    docs: "https://docs.deribit.com/api-reference/market-data/public-get_tradingview_chart_data",
};
/// Bars per `get_tradingview_chart_data` call (ccxt's page; not documented by Deribit).
pub const CANDLE_LIMIT: usize = 5000;

/// Deribit's `resolution` for a bar length: `60` (minutes) or `1D` (00:00 UTC days).
#[must_use]
pub const fn resolution(bar: Bar) -> &'static str {
    match bar {
        Bar::Hour => "60",
        Bar::Day => "1D",
    }
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
    fn venue(&self) -> Venue {
        Venue::Deribit
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![
            instruments(INSTRUMENTS_FUTURE, FUTURE_CURRENCY, "future"),
            instruments(INSTRUMENTS_SPOT, SPOT_CURRENCY, "spot"),
        ]
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// The future and spot book summaries, for scans and polls alike (see the module docs).
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            summary(SUMMARY_FUTURE, FUTURE_CURRENCY, "future"),
            summary(SUMMARY_SPOT, SPOT_CURRENCY, "spot"),
        ]
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

    /// Pages backwards: each request covers the [`FUNDING_HISTORY_LIMIT`] hours up to its end
    /// (`end_ms` first, then the oldest returned time − 1), clipped to `start_ms`. Stops after a
    /// short page (the market's history or the window began within it) or one reaching
    /// `start_ms`.
    fn funding_history_request(
        &self,
        symbol: &str,
        start_ms: i64,
        end_ms: i64,
        previous: Option<&[HistoryPoint]>,
        _page: u32,
    ) -> Option<Request> {
        let oldest = previous.map(|page| {
            (page.len() >= FUNDING_HISTORY_LIMIT)
                .then(|| page.iter().map(|p| p.time_ms).min())
                .flatten()
        });
        let to = backward_end(start_ms, end_ms, oldest)?;
        let span = i64::try_from(FUNDING_HISTORY_LIMIT).ok()? * HOUR_MS;
        let from = start_ms.max(to.saturating_sub(span) + 1);
        Some(
            FUNDING_HISTORY
                .request()
                .query("instrument_name", symbol)
                .query("start_timestamp", from.to_string())
                .query("end_timestamp", to.to_string()),
        )
    }

    fn parse_funding_history(&self, body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        parse::funding_history(body)
    }

    /// Perps and spot pairs alike. Pages backwards like the funding history: each request
    /// covers the [`CANDLE_LIMIT`] bars opening up to its end, clipped to the window's start.
    fn candle_request(
        &self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        _page: u32,
    ) -> Option<Request> {
        let step = window.bar.millis();
        let oldest = previous.map(|page| {
            (page.len() >= CANDLE_LIMIT)
                .then(|| page.iter().map(|c| c.open_ms).min())
                .flatten()
        });
        let to = backward_end(window.start_ms, window.end_ms, oldest)?;
        let last_open = to.div_euclid(step) * step;
        let bars_before = (i64::try_from(CANDLE_LIMIT).ok()? - 1) * step;
        let from = window.start_ms.max(last_open.saturating_sub(bars_before));
        Some(
            CANDLES
                .request()
                .query("instrument_name", window.symbol)
                .query("start_timestamp", from.to_string())
                .query("end_timestamp", to.to_string())
                .query("resolution", resolution(window.bar)),
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

/// Milliseconds per hour.
const HOUR_MS: i64 = 3_600_000;

/// The end of the next page when paging backwards through `[start_ms, end_ms]`: `end_ms` for
/// the first page (`previous` `None`), else one ms before the previous page's oldest time.
/// `Some(None)` is a previous page that was empty or short: done, like a page reaching
/// `start_ms` or an inverted window.
fn backward_end(start_ms: i64, end_ms: i64, previous: Option<Option<i64>>) -> Option<i64> {
    let to = match previous {
        None => end_ms,
        Some(oldest) => oldest?.saturating_sub(1).min(end_ms),
    };
    (to >= start_ms).then_some(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::testkit::{bars, points, query, window};

    #[test]
    fn plans_are_bulk_and_weighted_in_credits() {
        let scan = Deribit.snapshot_requests(false);
        assert_eq!(scan, Deribit.snapshot_requests(true));
        assert_eq!(scan.len(), 2);
        let reference = Deribit.reference_requests();
        let queries: Vec<Vec<(&str, &str)>> = scan
            .iter()
            .chain(reference.iter())
            .map(|r| r.query.iter().map(|(k, v)| (*k, v.as_str())).collect())
            .collect();
        assert_eq!(
            queries,
            vec![
                vec![("currency", "USDC"), ("kind", "future")],
                vec![("currency", "any"), ("kind", "spot")],
                vec![
                    ("currency", "USDC"),
                    ("kind", "future"),
                    ("expired", "false")
                ],
                vec![("currency", "any"), ("kind", "spot"), ("expired", "false")],
            ]
        );
        assert!(scan.iter().all(|r| r.weight == 500
            && r.host == HOST
            && r.path == SUMMARY_FUTURE.path
            && !r.optional));
        let host = Deribit.hosts()[0];
        assert_eq!(
            (host.env, host.default_url, host.budget_pct),
            ("BASIS_DERIBIT_URL", "https://www.deribit.com", 50)
        );
        // 50 % of 10 000 credits per second is 10 requests per second.
        assert_eq!(
            host.limit_weight * host.budget_pct / 100 / CREDITS_PER_REQUEST,
            10
        );
    }

    const H: i64 = 3_600_000;
    const DAY: i64 = 86_400_000;

    #[test]
    fn funding_history_pages_backwards_in_744_hour_windows() {
        let d = Deribit;
        let symbol = "BTC_USDC-PERPETUAL";
        let (start, end) = (1_700_000_000_000, 1_700_000_000_000 + 90 * DAY + 1234);
        let first = d
            .funding_history_request(symbol, start, end, None, 0)
            .expect("first page");
        assert_eq!(
            (
                first.endpoint,
                first.host,
                first.path.as_str(),
                first.weight
            ),
            (
                "get_funding_rate_history",
                "main",
                "/api/v2/public/get_funding_rate_history",
                500
            )
        );
        // The 744 hours up to the end: exactly 744 hourly stamps fit [from, to].
        let from = end - 744 * H + 1;
        assert_eq!(
            query(&first),
            [
                ("instrument_name", symbol),
                ("start_timestamp", from.to_string().as_str()),
                ("end_timestamp", end.to_string().as_str()),
            ]
        );
        // A full page, in any order: the next window ends just before its oldest row.
        let oldest = (end / H) * H - 743 * H;
        let mut full = points((0..744).map(|i| oldest + i * H));
        full.reverse();
        let next = d
            .funding_history_request(symbol, start, end, Some(&full), 1)
            .expect("next page");
        assert_eq!(
            query(&next)[1..],
            [
                ("start_timestamp", (oldest - 744 * H).to_string().as_str()),
                ("end_timestamp", (oldest - 1).to_string().as_str()),
            ]
        );
        // A short window asks from its start.
        let month = d
            .funding_history_request(symbol, end - 30 * DAY, end, None, 0)
            .expect("one page");
        assert_eq!(query(&month)[1].1, (end - 30 * DAY).to_string());
        // Short page, empty page, a full page reaching the start, an inverted window: done.
        let short = points((0..743).map(|i| oldest + i * H));
        assert_eq!(
            d.funding_history_request(symbol, start, end, Some(&short), 1),
            None
        );
        assert_eq!(
            d.funding_history_request(symbol, start, end, Some(&[]), 1),
            None
        );
        let reaching = points((0..744).map(|i| start + i * H));
        assert_eq!(
            d.funding_history_request(symbol, start, end, Some(&reaching), 1),
            None
        );
        assert_eq!(d.history_days_limit(), None);
    }

    #[test]
    fn candle_requests_name_utc_days_and_hours_and_page_backwards() {
        let d = Deribit;
        let now = 1_760_000_000_000;
        let daily = window(
            Market::Perp,
            "BTC_USDC-PERPETUAL",
            Bar::Day,
            now / DAY * DAY - 45 * DAY,
            now,
        );
        let r = d.candle_request(&daily, None, 0).expect("daily");
        assert_eq!(
            (r.endpoint, r.host, r.path.as_str(), r.weight),
            (
                "get_tradingview_chart_data",
                "main",
                "/api/v2/public/get_tradingview_chart_data",
                500
            )
        );
        assert_eq!(
            query(&r),
            [
                ("instrument_name", "BTC_USDC-PERPETUAL"),
                ("start_timestamp", daily.start_ms.to_string().as_str()),
                ("end_timestamp", now.to_string().as_str()),
                ("resolution", "1D"),
            ]
        );
        // 46 bars is a short page: done.
        let page = bars((0..46).map(|i| daily.start_ms + i * DAY));
        assert_eq!(d.candle_request(&daily, Some(&page), 1), None);
        // Spot pairs too, hourly = resolution 60.
        let hourly = window(
            Market::Spot,
            "BTC_USDC",
            Bar::Hour,
            now / H * H - 168 * H,
            now,
        );
        let r = d.candle_request(&hourly, None, 0).expect("hourly");
        assert_eq!(
            query(&r),
            [
                ("instrument_name", "BTC_USDC"),
                ("start_timestamp", hourly.start_ms.to_string().as_str()),
                ("end_timestamp", now.to_string().as_str()),
                ("resolution", "60"),
            ]
        );
        // A window longer than a page: the 5000 bars opening up to the end, then further back.
        let long = CandleWindow {
            start_ms: now / H * H - 7000 * H,
            ..hourly
        };
        let first = d.candle_request(&long, None, 0).expect("first");
        let from = now / H * H - 4999 * H;
        assert_eq!(query(&first)[1].1, from.to_string());
        let full = bars((0..5000).rev().map(|i| from + i * H));
        let second = d.candle_request(&long, Some(&full), 1).expect("second");
        assert_eq!(
            query(&second)[1..3],
            [
                ("start_timestamp", long.start_ms.to_string().as_str()),
                ("end_timestamp", (from - 1).to_string().as_str()),
            ]
        );
        let reaching = bars((0..5000).map(|i| long.start_ms + i * H));
        assert_eq!(d.candle_request(&long, Some(&reaching), 2), None);
        assert_eq!(d.candle_request(&long, Some(&[]), 2), None);
        let inverted = CandleWindow {
            start_ms: now + H,
            ..hourly
        };
        assert_eq!(d.candle_request(&inverted, None, 0), None);
    }
}
