//! MEXC adapter: USDT/USDC perpetual contracts and spot v3 on two hosts, endpoints and plans.
//!
//! Request plan:
//!
//! | plan | host | endpoint | docs |
//! |---|---|---|---|
//! | reference (hourly) | futures | `contract/detail` (1 call / 5 s) | [`CONTRACT_DETAIL`] |
//! | | spot | `exchangeInfo` | [`EXCHANGE_INFO`] |
//! | | futures | `contract/funding_rate` without a symbol (optional, undocumented) | [`FUNDING_RATE`] |
//! | details (≤ [`DETAIL_BATCH`] per refresh) | futures | `contract/funding_rate/{symbol}` | [`FUNDING_RATE`] |
//! | scan (`full = false`, 2 requests) | futures | `contract/ticker` (every contract) | [`TICKER`] |
//! | | spot | `ticker/24hr` (every pair) | [`SPOT_TICKER`] |
//! | poll (`full = true`) | | the same two | |
//! | backfill: settled funding | futures | `funding_rate/history` (`page_num`, `page_size=1000`) | [`FUNDING_HISTORY`] |
//! | backfill: candles | futures | `kline/{symbol}` (`Day1`/`Min60`, seconds) | [`CONTRACT_KLINE`] |
//! | | spot | `klines` (`1d`/`60m`) | [`SPOT_KLINES`] |
//!
//! The contract ticker carries funding, mark (`fairPrice`), index, bid/ask, high/low, quote
//! volume and open interest, so `full` adds nothing.
//!
//! Funding interval (`collectCycle`, hours): documented only per symbol, at
//! `contract/funding_rate/{symbol}`. The same path without a symbol answers every contract in
//! live use (several public clients rely on it), so the reference asks it once per refresh as
//! an optional request; contracts it does not cover get the per-symbol call through
//! [`VenueAdapter::detail_requests`] (unknown ones first, then the oldest cached ones, about one
//! in 24 per refresh), and cached values are carried over. A perp whose interval is still unknown
//! is left out of the snapshot rather than assumed to be 8 h.
//!
//! Next funding time: the ticker has none, and the reference caches only the interval, so it is
//! the next multiple of the interval on the UTC epoch grid after the ticker's `timestamp` (MEXC
//! settles 8 h contracts at 00:00, 08:00 and 16:00 UTC, and shorter cycles on the same grid; a
//! cached `nextSettleTime` off that grid is logged).
//!
//! Limits: spot allows 500 weight per 10 s per IP and endpoint (`ticker/24hr` without a symbol
//! weighs 40, `exchangeInfo` 10); contract market endpoints 20 calls / 2 s, except
//! `contract/detail`, 1 call / 5 s, which weighs the futures host's whole 50 % burst (10), so
//! nothing else is sent on that host for the next 2 s (and it runs once an hour). HTTP 429 and
//! 418 carry `Retry-After`; the contract body code 510 means the same as 429.
//!
//! History (`backfill`):
//! - Settled funding: `funding_rate/history` has no time parameters; it pages by number from
//!   the newest settlement (`page_num` 1-based, `page_size` ≤ 1000). Paging stops on an empty
//!   or short page, or one whose oldest settlement reaches the window's start. A settlement
//!   landing between two requests shifts the pages by one row: a duplicate, never a gap.
//! - Contract candles: `start`/`end` in seconds, at most [`CONTRACT_KLINE_LIMIT`] rows and no
//!   `limit` parameter; which rows a longer window returns is not documented, so the window
//!   is asked in chunks of 2000 bars, newest first (one request for 45 daily or 7 days of
//!   hourly bars), stopping at the start, on an empty page or on a page whose oldest bar is
//!   younger than its chunk's first. Daily bars (`Day1`) are taken as UTC (undocumented).
//! - Spot candles: Binance-like, paged forward from the window's start (`startTime`,
//!   `endTime` exclusive, `limit` ≤ 1000), stopping on an empty or short page or at the end.
//!   The interval is `60m` (MEXC has no `1h`) or `1d`; the `1d` bar's time zone is not
//!   documented: the caller rejects daily bars that do not open at 00:00 UTC.
//! - Neither flags the unfinished bar (the caller drops it).

mod parse;
pub(crate) mod tiers;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::kit::{self, Endpoint};
use super::{
    Bar, Body, BodySignal, Candle, CandleWindow, HistoryPoint, HostSpec, ParseError, Request,
    VenueAdapter,
};
use crate::model::{Market, Reference, Snapshot, Venue};

/// Host key of the spot v3 API.
pub const SPOT: &str = "spot";
/// Host key of the contract (futures) API.
pub const FUTURES: &str = "futures";

/// MEXC's hosts. Spot: `BASIS_MEXC_SPOT_URL`, default `https://api.mexc.com`, 500 weight / 10 s
/// per IP and endpoint (<https://mexcdevelop.github.io/apidocs/spot_v3_en/#limits>). Contract:
/// `BASIS_MEXC_FUTURES_URL`, default `https://contract.mexc.com`, 20 calls / 2 s per endpoint
/// (<https://mexcdevelop.github.io/apidocs/contract_v1_en/#market-endpoints>).
pub const HOSTS: [HostSpec; 2] = [
    HostSpec {
        key: SPOT,
        env: "BASIS_MEXC_SPOT_URL",
        default_url: "https://api.mexc.com",
        limit_weight: 500,
        limit_period: Duration::from_secs(10),
        budget_pct: 50,
        per_endpoint: false,
    },
    HostSpec {
        key: FUTURES,
        env: "BASIS_MEXC_FUTURES_URL",
        default_url: "https://contract.mexc.com",
        limit_weight: 20,
        limit_period: Duration::from_secs(2),
        budget_pct: 50,
        per_endpoint: false,
    },
];

/// Contract list (1 call / 5 s: weight 10, the futures host's whole 50 % burst).
pub const CONTRACT_DETAIL: Endpoint = Endpoint {
    name: "contract-detail",
    host: FUTURES,
    path: "/api/v1/contract/detail",
    weight: 10,
    docs: "https://mexcdevelop.github.io/apidocs/contract_v1_en/#get-the-contract-information",
};

/// Spot pair list (weight 10).
pub const EXCHANGE_INFO: Endpoint = Endpoint {
    name: "exchangeInfo",
    host: SPOT,
    path: "/api/v3/exchangeInfo",
    weight: 10,
    docs: "https://mexcdevelop.github.io/apidocs/spot_v3_en/#exchange-information",
};

/// Funding rates of every contract (no symbol; undocumented; 20 / 2 s: weight 1).
pub const FUNDING_RATES: Endpoint = Endpoint {
    name: "funding-rates",
    host: FUTURES,
    path: "/api/v1/contract/funding_rate",
    weight: 1,
    docs: "https://mexcdevelop.github.io/apidocs/contract_v1_en/#get-contract-funding-rate",
};

/// One contract's funding rate: [`FUNDING_RATES`]' path followed by `/{symbol}`.
pub const FUNDING_RATE: Endpoint = Endpoint {
    name: "funding-rate",
    ..FUNDING_RATES
};

/// Path of the funding rates (`/{symbol}` follows for one contract).
pub const FUNDING_RATE_PATH: &str = FUNDING_RATES.path;

/// Contract tickers, every contract when `symbol` is omitted (20 / 2 s: weight 1).
pub const TICKER: Endpoint = Endpoint {
    name: "contract-ticker",
    host: FUTURES,
    path: "/api/v1/contract/ticker",
    weight: 1,
    docs: "https://mexcdevelop.github.io/apidocs/contract_v1_en/#get-contract-trend-data",
};

/// Spot 24 h tickers (every pair without `symbol`: weight 40).
pub const SPOT_TICKER: Endpoint = Endpoint {
    name: "spot-ticker-24hr",
    host: SPOT,
    path: "/api/v3/ticker/24hr",
    weight: 40,
    docs: "https://mexcdevelop.github.io/apidocs/spot_v3_en/#24hr-ticker-price-change-statistics",
};

/// Settled funding history (`symbol`, `page_num`, `page_size` ≤ 1000; newest first; 20 / 2 s:
/// weight 1).
pub const FUNDING_HISTORY: Endpoint = Endpoint {
    name: "funding-history",
    host: FUTURES,
    path: "/api/v1/contract/funding_rate/history",
    weight: 1,
    docs: "https://mexcdevelop.github.io/apidocs/contract_v1_en/#get-contract-funding-rate-history",
};
/// Page size of the funding-history requests (the documented maximum).
pub const FUNDING_HISTORY_PAGE: usize = 1000;

/// Contract candles; `/{symbol}` follows (`interval` `Min60`/`Day1`, `start`/`end` in seconds;
/// last-trade prices per contract unit; 20 / 2 s: weight 1).
pub const CONTRACT_KLINE: Endpoint = Endpoint {
    name: "contract-kline",
    host: FUTURES,
    path: "/api/v1/contract/kline",
    weight: 1,
    docs: "https://mexcdevelop.github.io/apidocs/contract_v1_en/#k-line-data",
};
/// Most rows a contract candle request returns.
pub const CONTRACT_KLINE_LIMIT: i64 = 2000;

/// Spot candles (`symbol`, `interval` `60m`/`1d`, `startTime`, `endTime` exclusive, ms; `limit`
/// default 500, max [`SPOT_KLINES_LIMIT`]; weight 1).
pub const SPOT_KLINES: Endpoint = Endpoint {
    name: "spot-klines",
    host: SPOT,
    path: "/api/v3/klines",
    weight: 1,
    docs: "https://mexcdevelop.github.io/apidocs/spot_v3_en/#kline-candlestick-data",
};
/// Most rows a spot candle request returns.
pub const SPOT_KLINES_LIMIT: i64 = 1000;

/// Most per-symbol funding-rate requests per reference refresh: 40 calls at the futures host's
/// 5 calls/s budget take 8 s, inside the 20 s scan deadline with the rest of a cold start.
pub const DETAIL_BATCH: usize = 40;

/// Contract body code for "Excessive frequency of requests".
pub const RATE_LIMIT_CODE: &str = "510";

/// The MEXC adapter (contract v1 + spot v3).
#[derive(Debug, Clone, Copy)]
pub struct Mexc;

impl VenueAdapter for Mexc {
    fn venue(&self) -> Venue {
        Venue::Mexc
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    /// Contracts, spot pairs, and (optional) every contract's funding interval in one call.
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            CONTRACT_DETAIL.request(),
            EXCHANGE_INFO.request(),
            FUNDING_RATES.request().optional(),
        ]
    }

    fn detail_requests(&self, fresh: &Reference, previous: Option<&Reference>) -> Vec<Request> {
        parse::detail_symbols(fresh, previous, DETAIL_BATCH)
            .into_iter()
            .map(|symbol| funding_rate_request(&symbol))
            .collect()
    }

    fn apply_details(
        &self,
        fresh: &mut Reference,
        previous: Option<&Reference>,
        bodies: &[Body<'_>],
    ) -> Result<(), ParseError> {
        parse::apply_details(fresh, previous, bodies);
        Ok(())
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// The contract and spot tickers, for scans and polls alike (nothing else is in bulk).
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![TICKER.request(), SPOT_TICKER.request()]
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

    /// Page `page + 1` of 1000 settlements, newest first; stops after an empty or short page
    /// or one reaching `start_ms`.
    fn funding_history_request(
        &self,
        symbol: &str,
        start_ms: i64,
        end_ms: i64,
        previous: Option<&[HistoryPoint]>,
        page: u32,
    ) -> Option<Request> {
        if start_ms > end_ms {
            return None;
        }
        let page = match previous {
            None => 0,
            Some(prev) => {
                let oldest = prev.iter().map(|p| p.time_ms).min()?;
                if prev.len() < FUNDING_HISTORY_PAGE || oldest <= start_ms {
                    return None;
                }
                page.max(1)
            }
        };
        Some(
            FUNDING_HISTORY
                .request()
                .query("symbol", symbol)
                .query("page_num", (page + 1).to_string())
                .query("page_size", FUNDING_HISTORY_PAGE.to_string()),
        )
    }

    fn parse_funding_history(&self, body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        parse::funding_history(body)
    }

    /// Contract: chunks of 2000 bars from the window's last bar backwards (`page` 0 is the
    /// newest). Spot: forward from the window's start, 1000 bars a page.
    fn candle_request(
        &self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        page: u32,
    ) -> Option<Request> {
        let grid = kit::BarGrid::new(window)?;
        match window.market {
            Market::Perp => contract_candle_request(window, grid, previous, page),
            Market::Spot => spot_candle_request(window, grid, previous),
        }
    }

    fn parse_candles(
        &self,
        market: Market,
        _bar: Bar,
        body: &[u8],
    ) -> Result<Vec<Candle>, ParseError> {
        match market {
            Market::Perp => parse::contract_candles(body),
            Market::Spot => parse::spot_candles(body),
        }
    }
}

/// The contract candle request of page `page` (see [`Mexc::candle_request`]), in seconds.
fn contract_candle_request(
    window: &CandleWindow<'_>,
    grid: kit::BarGrid,
    previous: Option<&[Candle]>,
    page: u32,
) -> Option<Request> {
    let chunk = grid.newest_first(CONTRACT_KLINE_LIMIT, window.end_ms, previous, page)?;
    let interval = match window.bar {
        Bar::Hour => "Min60",
        Bar::Day => "Day1",
    };
    Some(
        CONTRACT_KLINE
            .below(&format!("/{}", window.symbol))
            .query("interval", interval)
            .query("start", chunk.first.div_euclid(1000).to_string())
            .query("end", chunk.end_ms.div_euclid(1000).to_string()),
    )
}

/// The spot candle request after `previous` (see [`Mexc::candle_request`]).
fn spot_candle_request(
    window: &CandleWindow<'_>,
    grid: kit::BarGrid,
    previous: Option<&[Candle]>,
) -> Option<Request> {
    let kit::BarGrid { bar, first, last } = grid;
    let from = match previous {
        None => first,
        Some(prev) => {
            let newest = prev.iter().map(|c| c.open_ms).max()?;
            if prev.len() < usize::try_from(SPOT_KLINES_LIMIT).ok()? || newest >= last {
                return None;
            }
            newest.checked_add(bar)?.max(first)
        }
    };
    if from > last {
        return None;
    }
    let limit = ((last - from) / bar + 1).min(SPOT_KLINES_LIMIT);
    let interval = match window.bar {
        Bar::Hour => "60m",
        Bar::Day => "1d",
    };
    Some(
        SPOT_KLINES
            .request()
            .query("symbol", window.symbol)
            .query("interval", interval)
            .query("startTime", from.to_string())
            .query("endTime", window.end_ms.checked_add(1)?.to_string())
            .query("limit", limit.to_string()),
    )
}

/// The funding-rate request of one contract (`/api/v1/contract/funding_rate/BTC_USDT`).
#[must_use]
pub fn funding_rate_request(symbol: &str) -> Request {
    FUNDING_RATE.below(&format!("/{symbol}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::testkit::{bars, points, window};

    #[test]
    fn plans_are_bulk_and_within_the_budget() {
        let scan = Mexc.snapshot_requests(false);
        assert_eq!(
            scan.iter()
                .map(|r| (r.endpoint, r.host, r.weight))
                .collect::<Vec<_>>(),
            [(TICKER.name, FUTURES, 1), (SPOT_TICKER.name, SPOT, 40)]
        );
        assert_eq!(scan, Mexc.snapshot_requests(true));
        let reference = Mexc.reference_requests();
        assert_eq!(
            reference
                .iter()
                .map(|r| (r.endpoint, r.optional))
                .collect::<Vec<_>>(),
            [
                (CONTRACT_DETAIL.name, false),
                (EXCHANGE_INFO.name, false),
                (FUNDING_RATES.name, true)
            ]
        );
        // The detail call takes the futures host's whole burst: nothing follows it for 2 s.
        let futures = crate::venue::http::host_quota(&HOSTS[1]);
        assert_eq!(futures.burst_size().get(), CONTRACT_DETAIL.weight);
        let spot = crate::venue::http::host_quota(&HOSTS[0]);
        assert!(spot.burst_size().get() >= 40 + 10);
        let one = funding_rate_request("1000PEPE_USDT");
        assert_eq!(one.path, "/api/v1/contract/funding_rate/1000PEPE_USDT");
        assert!(one.query.is_empty() && one.host == FUTURES);
        let envs: Vec<(&str, &str)> = HOSTS.iter().map(|h| (h.env, h.default_url)).collect();
        assert_eq!(
            envs,
            [
                ("BASIS_MEXC_SPOT_URL", "https://api.mexc.com"),
                ("BASIS_MEXC_FUTURES_URL", "https://contract.mexc.com")
            ]
        );
    }

    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 86_400_000;

    fn query(r: &Request) -> Vec<(&str, String)> {
        r.query.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    #[test]
    fn funding_history_pages_by_number_until_short_or_past_the_start() {
        let m = Mexc;
        let (start, end) = (1_700_000_000_000, 1_700_000_000_000 + 200 * DAY);
        let first = m
            .funding_history_request("BTC_USDT", start, end, None, 0)
            .expect("first page");
        assert_eq!(
            (
                first.endpoint,
                first.host,
                first.path.as_str(),
                first.weight
            ),
            (
                "funding-history",
                FUTURES,
                "/api/v1/contract/funding_rate/history",
                1
            )
        );
        let q = |page: &str| {
            vec![
                ("symbol", "BTC_USDT".to_owned()),
                ("page_num", page.to_owned()),
                ("page_size", "1000".to_owned()),
            ]
        };
        assert_eq!(query(&first), q("1"));
        // A full page, newest first, still newer than the start: the next number.
        let full = points((0..1000).map(|i| end - i * HOUR));
        let second = m
            .funding_history_request("BTC_USDT", start, end, Some(&full), 1)
            .expect("page 2");
        assert_eq!(query(&second), q("2"));
        let third = m
            .funding_history_request("BTC_USDT", start, end, Some(&full), 2)
            .expect("page 3");
        assert_eq!(query(&third), q("3"));
        // Short, empty, or reaching the start: done.
        let short = points((0..999).map(|i| end - i * HOUR));
        assert_eq!(
            m.funding_history_request("BTC_USDT", start, end, Some(&short), 1),
            None
        );
        assert_eq!(
            m.funding_history_request("BTC_USDT", start, end, Some(&[]), 1),
            None
        );
        let reaching = points((0..1000).map(|i| start + 10 * HOUR - i * HOUR));
        assert_eq!(
            m.funding_history_request("BTC_USDT", start, end, Some(&reaching), 1),
            None
        );
        // A caller that does not count pages still moves on (page 2).
        let again = m
            .funding_history_request("BTC_USDT", start, end, Some(&full), 0)
            .expect("page 2");
        assert_eq!(query(&again), q("2"));
        assert!(m.funding_history_request("X", 0, 1, None, 0).is_some());
        assert_eq!(m.history_days_limit(), None);
    }

    #[test]
    fn candle_requests_name_intervals_and_time_units() {
        let m = Mexc;
        let now = 1_760_000_000_000 / DAY * DAY + 5 * HOUR + 17;
        let day0 = now / DAY * DAY;
        let hour0 = now / HOUR * HOUR;
        let r = m
            .candle_request(
                &window(Market::Perp, "BTC_USDT", Bar::Day, day0 - 45 * DAY, now),
                None,
                0,
            )
            .expect("contract daily");
        assert_eq!(
            (r.endpoint, r.host, r.path.as_str(), r.weight),
            (
                "contract-kline",
                FUTURES,
                "/api/v1/contract/kline/BTC_USDT",
                1
            )
        );
        assert_eq!(
            query(&r),
            [
                ("interval", "Day1".to_owned()),
                ("start", ((day0 - 45 * DAY) / 1000).to_string()),
                ("end", (now / 1000).to_string()),
            ],
            "seconds"
        );
        let r = m
            .candle_request(
                &window(
                    Market::Perp,
                    "1000PEPE_USDT",
                    Bar::Hour,
                    hour0 - 168 * HOUR,
                    now,
                ),
                None,
                0,
            )
            .expect("contract hourly");
        assert_eq!(r.path, "/api/v1/contract/kline/1000PEPE_USDT");
        assert_eq!(r.query[0], ("interval", "Min60".to_owned()));
        let r = m
            .candle_request(
                &window(Market::Spot, "BTCUSDT", Bar::Hour, hour0 - 168 * HOUR, now),
                None,
                0,
            )
            .expect("spot hourly");
        assert_eq!(
            (r.endpoint, r.host, r.path.as_str(), r.weight),
            ("spot-klines", SPOT, "/api/v3/klines", 1)
        );
        assert_eq!(
            query(&r),
            [
                ("symbol", "BTCUSDT".to_owned()),
                ("interval", "60m".to_owned()),
                ("startTime", (hour0 - 168 * HOUR).to_string()),
                ("endTime", (now + 1).to_string()),
                ("limit", "169".to_owned()),
            ],
            "60m, not 1h; endTime exclusive"
        );
        let r = m
            .candle_request(
                &window(Market::Spot, "BTCUSDT", Bar::Day, day0 - 45 * DAY, now),
                None,
                0,
            )
            .expect("spot daily");
        assert!(r.query.contains(&("interval", "1d".to_owned())));
        assert!(r.query.contains(&("limit", "46".to_owned())));
        for market in [Market::Perp, Market::Spot] {
            let inverted = window(market, "BTCUSDT", Bar::Day, day0 + DAY, now);
            assert_eq!(m.candle_request(&inverted, None, 0), None);
            let backwards = window(market, "BTCUSDT", Bar::Hour, now, now - 3 * HOUR);
            assert_eq!(m.candle_request(&backwards, None, 0), None);
        }
    }

    #[test]
    fn contract_candles_page_in_chunks_of_2000_bars_newest_first() {
        let m = Mexc;
        let now = 1_760_000_000_000 / HOUR * HOUR + 42;
        let last = now / HOUR * HOUR;
        let start = last - 4500 * HOUR;
        let w = window(Market::Perp, "BTC_USDT", Bar::Hour, start, now);
        let range = |r: &Request| {
            let get = |k: &str| {
                r.query
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| v.parse::<i64>().expect("number") * 1000)
                    .expect("present")
            };
            (get("start"), get("end"))
        };
        let c0 = m.candle_request(&w, None, 0).expect("chunk 0");
        let lo0 = last - 1999 * HOUR;
        assert_eq!(range(&c0), (lo0, now / 1000 * 1000));
        let mut full = bars((0..2000).map(|i| lo0 + i * HOUR));
        full.reverse();
        let c1 = m.candle_request(&w, Some(&full), 1).expect("chunk 1");
        let lo1 = lo0 - 2000 * HOUR;
        assert_eq!(
            range(&c1),
            (lo1, lo0 - 1000),
            "ends before chunk 0's first bar"
        );
        let c2 = m
            .candle_request(&w, Some(&bars([lo1])), 2)
            .expect("chunk 2");
        assert_eq!(range(&c2), (start, lo1 - 1000), "clipped to the window");
        assert_eq!(m.candle_request(&w, Some(&bars([start])), 3), None);
        assert_eq!(m.candle_request(&w, Some(&bars([lo0 + HOUR])), 1), None);
    }

    #[test]
    fn spot_candles_page_forward_until_short_or_the_end() {
        let m = Mexc;
        let now = 1_760_000_000_000 / HOUR * HOUR + 42;
        let last = now / HOUR * HOUR;
        let start = last - 2500 * HOUR;
        let w = window(Market::Spot, "BTCUSDT", Bar::Hour, start, now);
        let first = m.candle_request(&w, None, 0).expect("page 1");
        assert!(first.query.contains(&("startTime", start.to_string())));
        assert!(first.query.contains(&("limit", "1000".to_owned())));
        let mut full = bars((0..1000).map(|i| start + i * HOUR));
        full.reverse();
        let next = m.candle_request(&w, Some(&full), 1).expect("page 2");
        assert!(
            next.query
                .contains(&("startTime", (start + 1000 * HOUR).to_string()))
        );
        let tail = bars((0..1000).map(|i| start + 1000 * HOUR + i * HOUR));
        let third = m.candle_request(&w, Some(&tail), 2).expect("page 3");
        assert!(third.query.contains(&("limit", "501".to_owned())));
        let short = bars((0..999).map(|i| start + i * HOUR));
        assert_eq!(m.candle_request(&w, Some(&short), 1), None);
        let reaching = bars((0..1000).map(|i| last - i * HOUR));
        assert_eq!(m.candle_request(&w, Some(&reaching), 1), None);
    }
}
