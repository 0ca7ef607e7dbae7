//! BingX adapter: USDT/USDC perpetual swaps (v2) and spot (v1) on one host, endpoints and plans.
//!
//! Request plan (bulk calls, except the bounded per-symbol funding-history batch):
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `quote/contracts`, `common/symbols` | [`CONTRACTS`], [`SPOT_SYMBOLS`] |
//! | | `quote/premiumIndex` (optional: intervals and a server clock) | [`PREMIUM_INDEX`] |
//! | details (≤ [`DETAIL_BATCH`] per refresh) | `quote/fundingRate?symbol=…&limit=3` | [`FUNDING_HISTORY`] |
//! | scan (`full = false`, 3 requests) | `quote/premiumIndex`, `quote/ticker`, spot `ticker/24hr` | [`TICKER`], [`SPOT_TICKER`] |
//! | poll (`full = true`) | the same three | |
//! | backfill: settled funding | `quote/fundingRate?symbol=…&startTime=…&endTime=…&limit=1000` | [`FUNDING_HISTORY`] |
//! | backfill: candles | swap `v3/quote/klines`, spot `v2/market/kline` (`timeZone=0`) | [`KLINES`], [`SPOT_KLINE`] |
//!
//! The three scan requests carry everything BingX has in bulk (funding, interval, mark, index,
//! bid/ask, high/low, quote volume), so `full` adds nothing: open interest exists only per symbol
//! (`quote/openInterest` rejects a missing symbol) and is left `None`.
//!
//! Funding interval: `premiumIndex` rows carry `fundingIntervalHours` in live answers although the
//! field table omits it; the snapshot uses the row's own value every poll. For a symbol whose row
//! lacks it, the cached reference supplies one derived from the two newest settlements of
//! `quote/fundingRate` (fetched through [`VenueAdapter::detail_requests`]); a perp with neither is
//! left out of the snapshot (BingX documents no default, so 8 h is never assumed).
//!
//! Limits: BingX documents 1 request/s per IP for every market endpoint (no weights), answers code
//! 100410 without `Retry-After` when it is exceeded and escalates repeated excess to a temporary
//! ban. The bucket is that limit written over 2 s (2 per 2 s), kept per endpoint
//! ([`HostSpec::per_endpoint`]), so the 50 % budget is one request every 2 s on each endpoint.
//! Every call carries the `timestamp` parameter the docs list, stamped when it is sent
//! ([`Request::with_timestamp`]), so a request waiting for the limiter is never stale.
//!
//! History (`backfill`). BingX documents neither the order of history rows nor which `limit`
//! rows come back when a window holds more, so the plans never depend on either:
//! - Settled funding: one request for the whole window (`limit` 1000); a page with fewer than
//!   1000 rows is the whole window. A full page means more: the window is then fetched again in
//!   chunks of [`FUNDING_CHUNK_HOURS`] (999) hours, newest first, each of which can hold at most
//!   999 settlements (BingX settles at most hourly), until a chunk is empty or reaches the
//!   start. 999, not 1000: a chunk's page can then never repeat the full page before it, which
//!   the caller would take for a venue ignoring the paging parameters.
//! - Candles: chunks of [`KLINE_LIMIT`] bars on the bar grid, newest first, each asked with
//!   `limit` = its bar count; a 45-day daily or a 7-day hourly window is one request. Paging
//!   stops at the window's start, on an empty page, or on a page whose oldest bar is younger
//!   than its chunk's first (the market's history starts inside it). Spot is asked with
//!   `timeZone=0`: BingX's spot bars follow UTC+8 by default (per ccxt; not in the official
//!   reference). Swap daily bars are UTC (no time-zone parameter exists). BingX flags no
//!   unfinished bar.

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::kit::{self, Endpoint};
use super::{
    Bar, Body, BodySignal, Candle, CandleWindow, HistoryPoint, HostSpec, ParseError, Request,
    VenueAdapter,
};
use crate::model::{Market, Reference, Snapshot, Venue};

/// Host key of BingX's only host.
pub const HOST: &str = "main";

/// The one BingX host: `BASIS_BINGX_URL`, default `https://open-api.bingx.com`; 1 request/s per
/// IP per market endpoint, written as 2 per 2 s.
/// Docs: <https://github.com/BingX-API/api-ai-skills/blob/main/skills/references/rate-limits.md>
pub const HOSTS: [HostSpec; 1] = [HostSpec {
    key: HOST,
    env: "BASIS_BINGX_URL",
    default_url: "https://open-api.bingx.com",
    limit_weight: 2,
    limit_period: Duration::from_secs(2),
    budget_pct: 50,
    per_endpoint: true,
}];

/// Perpetual contract list (1/s per IP: weight 1).
pub const CONTRACTS: Endpoint = Endpoint {
    name: "contracts",
    host: HOST,
    path: "/openApi/swap/v2/quote/contracts",
    weight: 1,
    docs: "https://bingx-api.github.io/docs/#/swapV2/market-api.html#Contract%20Information",
};

/// Spot pair list (1/s per IP: weight 1).
pub const SPOT_SYMBOLS: Endpoint = Endpoint {
    name: "spot-symbols",
    host: HOST,
    path: "/openApi/spot/v1/common/symbols",
    weight: 1,
    docs: "https://bingx-api.github.io/docs/#/spot/market-api.html#Query%20Symbols",
};

/// Bulk mark price / funding rows, every contract when `symbol` is omitted (1/s per IP:
/// weight 1).
pub const PREMIUM_INDEX: Endpoint = Endpoint {
    name: "premiumIndex",
    host: HOST,
    path: "/openApi/swap/v2/quote/premiumIndex",
    weight: 1,
    docs: "https://bingx-api.github.io/docs/#/swapV2/market-api.html#Current%20Funding%20Rate",
};

/// Bulk perpetual 24 h tickers, every contract when `symbol` is omitted (1/s: weight 1).
pub const TICKER: Endpoint = Endpoint {
    name: "ticker",
    host: HOST,
    path: "/openApi/swap/v2/quote/ticker",
    weight: 1,
    docs: "https://github.com/BingX-API/api-ai-skills/blob/main/skills/swap-market/api-reference.md#8-24h-ticker-price-change-statistics",
};

/// Bulk spot 24 h tickers, every pair when `symbol` is omitted (1/s per IP: weight 1).
pub const SPOT_TICKER: Endpoint = Endpoint {
    name: "spot-ticker-24hr",
    host: HOST,
    path: "/openApi/spot/v1/ticker/24hr",
    weight: 1,
    docs: "https://bingx-api.github.io/docs/#/spot/market-api.html#24-hour%20price%20changes",
};

/// Per-symbol funding history, the interval fallback and `backfill` (`symbol`, `startTime`,
/// `endTime` in ms, `limit` default 100, max 1000; 1/s per IP: weight 1).
pub const FUNDING_HISTORY: Endpoint = Endpoint {
    name: "fundingRate",
    host: HOST,
    path: "/openApi/swap/v2/quote/fundingRate",
    weight: 1,
    docs: "https://bingx-api.github.io/docs/#/en-us/swapV2/market-api.html#Get%20Funding%20Rate%20History",
};

/// Path of the funding history.
pub const FUNDING_HISTORY_PATH: &str = FUNDING_HISTORY.path;

/// Path of the premium index.
pub const PREMIUM_INDEX_PATH: &str = PREMIUM_INDEX.path;

/// Settlements asked per history request: the two newest give the interval, a third survives a
/// duplicated row.
pub const HISTORY_LIMIT: u32 = 3;

/// Page size of `backfill`'s funding-history requests (the documented maximum).
pub const FUNDING_PAGE: usize = 1000;

/// Length of the chunks a window with more than [`FUNDING_PAGE`] settlements is fetched in:
/// 999 hours hold at most 999 settlements of an hourly (or slower) contract, fewer than a full
/// page, so no chunk's page equals the full page before it.
pub const FUNDING_CHUNK_HOURS: i64 = 999;

/// Swap candles (`symbol`, `interval` `1h`/`1d`, `startTime`, `endTime` in ms, `limit` default
/// 500, max [`KLINE_LIMIT`]; last-trade prices; 1/s per IP: weight 1).
pub const KLINES: Endpoint = Endpoint {
    name: "klines",
    host: HOST,
    path: "/openApi/swap/v3/quote/klines",
    weight: 1,
    docs: "https://github.com/BingX-API/api-ai-skills/blob/main/skills/swap-market/api-reference.md",
};

/// Spot candles (the swap parameters plus `timeZone`; 1/s per IP: weight 1).
pub const SPOT_KLINE: Endpoint = Endpoint {
    name: "spot-kline",
    host: HOST,
    path: "/openApi/spot/v2/market/kline",
    weight: 1,
    docs: "https://github.com/BingX-API/api-ai-skills/blob/main/skills/spot-market/api-reference.md",
};

/// Most candles per request (swap and spot): 1440.
pub const KLINE_LIMIT: i64 = 1440;

/// Most funding-history requests per reference refresh. At one request per 2 s a cold start
/// (3 reference + 3 snapshot requests) plus this batch stays inside the 20 s scan deadline.
pub const DETAIL_BATCH: usize = 3;

/// Body code BingX uses for "Request rate limit exceeded" (no `Retry-After`).
pub const RATE_LIMIT_CODE: &str = "100410";

/// Ban assumed when a 418/403 carries no `Retry-After`: BingX bans repeated offenders for
/// "minutes to tens of minutes" and sends no header, so basis stays away for 30 minutes.
pub const DEFAULT_BAN: Duration = Duration::from_secs(30 * 60);

/// The BingX adapter (perpetual swap v2 + spot v1).
#[derive(Debug, Clone, Copy)]
pub struct Bingx;

impl VenueAdapter for Bingx {
    fn venue(&self) -> Venue {
        Venue::Bingx
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    /// Contracts and spot pairs, plus the premium index (optional) for the funding intervals it
    /// carries and a server clock for launch/delisting times.
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            stamped(CONTRACTS),
            stamped(SPOT_SYMBOLS),
            stamped(PREMIUM_INDEX).optional(),
        ]
    }

    fn detail_requests(&self, fresh: &Reference, previous: Option<&Reference>) -> Vec<Request> {
        parse::detail_symbols(fresh, previous, DETAIL_BATCH)
            .into_iter()
            .map(|symbol| funding_history_request(&symbol))
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

    /// The premium index, perpetual tickers and spot tickers, for scans and polls alike
    /// (BingX has nothing else in bulk).
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            stamped(PREMIUM_INDEX),
            stamped(TICKER),
            stamped(SPOT_TICKER),
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

    /// The whole window first (`limit` 1000); after a full page, chunks of
    /// [`FUNDING_CHUNK_HOURS`] hours from the window's end backwards (`page` 1 is the newest
    /// chunk), until a chunk comes back empty or reaches `start_ms`.
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
        let (from, to) = match previous {
            None => (start_ms, end_ms),
            Some(prev) => {
                let page = page.max(1);
                if (page == 1 && prev.len() < FUNDING_PAGE) || prev.is_empty() {
                    return None;
                }
                let chunk = FUNDING_CHUNK_HOURS * 3_600_000;
                let to = end_ms.checked_sub(i64::from(page - 1).checked_mul(chunk)?)?;
                if to < start_ms {
                    return None;
                }
                (start_ms.max(to.saturating_sub(chunk - 1)), to)
            }
        };
        Some(
            stamped(FUNDING_HISTORY)
                .query("symbol", symbol)
                .query("startTime", from.to_string())
                .query("endTime", to.to_string())
                .query("limit", FUNDING_PAGE.to_string()),
        )
    }

    fn parse_funding_history(&self, body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        parse::funding_history(body)
    }

    /// Chunks of [`KLINE_LIMIT`] bars from the window's last bar backwards (`page` 0 is the
    /// newest); see the module docs for when paging stops.
    fn candle_request(
        &self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        page: u32,
    ) -> Option<Request> {
        let grid = kit::BarGrid::new(window)?;
        let chunk = grid.newest_first(KLINE_LIMIT, window.end_ms, previous, page)?;
        let request = stamped(kline_of(window.market))
            .query("symbol", window.symbol)
            .query("interval", interval(window.bar))
            .query("startTime", chunk.first.to_string())
            .query("endTime", chunk.end_ms.to_string())
            .query(
                "limit",
                ((chunk.last - chunk.first) / grid.bar + 1).to_string(),
            );
        Some(match window.market {
            Market::Perp => request,
            Market::Spot => request.query("timeZone", "0"),
        })
    }

    fn parse_candles(
        &self,
        market: Market,
        _bar: Bar,
        body: &[u8],
    ) -> Result<Vec<Candle>, ParseError> {
        parse::candles(kline_of(market).name, body)
    }

    fn default_ban(&self) -> Duration {
        DEFAULT_BAN
    }
}

/// BingX's name of a bar length (`1h`, `1d`; the same on swap and spot).
fn interval(bar: Bar) -> &'static str {
    match bar {
        Bar::Hour => "1h",
        Bar::Day => "1d",
    }
}

/// The candle endpoint of a market.
const fn kline_of(market: Market) -> Endpoint {
    match market {
        Market::Perp => KLINES,
        Market::Spot => SPOT_KLINE,
    }
}

/// A request of `endpoint` stamped with BingX's `timestamp` parameter.
fn stamped(endpoint: Endpoint) -> Request {
    endpoint.request().with_timestamp("timestamp")
}

/// The funding-history request of one contract (`symbol=BTC-USDT&limit=3`).
#[must_use]
pub fn funding_history_request(symbol: &str) -> Request {
    stamped(FUNDING_HISTORY)
        .query("symbol", symbol)
        .query("limit", HISTORY_LIMIT.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::testkit::{bars, points, window};

    #[test]
    fn plans_are_bulk_and_within_the_budget() {
        let scan = Bingx.snapshot_requests(false);
        assert_eq!(
            scan.iter().map(|r| r.endpoint).collect::<Vec<_>>(),
            [PREMIUM_INDEX.name, TICKER.name, SPOT_TICKER.name]
        );
        assert_eq!(scan, Bingx.snapshot_requests(true));
        assert!(scan.iter().all(|r| r.query.is_empty() && !r.optional));
        let reference = Bingx.reference_requests();
        assert_eq!(reference.len(), 3);
        assert!(
            reference
                .iter()
                .all(|r| r.host == HOST && r.path.starts_with("/openApi/"))
        );
        assert!(
            reference
                .iter()
                .find(|r| r.endpoint == PREMIUM_INDEX)
                .is_some_and(|r| r.optional),
            "the reference premium index is an optimisation"
        );
        let h = funding_history_request("BTC-USDT");
        assert_eq!(h.path, "/openApi/swap/v2/quote/fundingRate");
        assert_eq!(
            h.query,
            vec![("symbol", "BTC-USDT".to_owned()), ("limit", "3".to_owned())]
        );
        assert_eq!(Bingx.hosts()[0].env, "BASIS_BINGX_URL");
        assert_eq!(Bingx.hosts()[0].default_url, "https://open-api.bingx.com");
        assert_eq!(Bingx.default_ban(), Duration::from_secs(1800));
        // One request every 2 s at the 50 % budget.
        let q = crate::venue::http::host_quota(&HOSTS[0]);
        assert_eq!(q.replenish_interval(), Duration::from_secs(2));
    }

    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 86_400_000;

    fn query(r: &Request) -> Vec<(&str, String)> {
        r.query.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    #[test]
    fn funding_history_asks_the_whole_window_then_chunks_after_a_full_page() {
        let b = Bingx;
        let (start, end) = (1_700_000_000_000, 1_700_000_000_000 + 200 * DAY);
        let first = b
            .funding_history_request("BTC-USDT", start, end, None, 0)
            .expect("first page");
        assert_eq!(
            (
                first.endpoint,
                first.host,
                first.path.as_str(),
                first.weight
            ),
            ("fundingRate", HOST, "/openApi/swap/v2/quote/fundingRate", 1)
        );
        assert_eq!(first.timestamp_param, Some("timestamp"));
        assert!(!first.optional);
        let q = |from: i64, to: i64| {
            vec![
                ("symbol", "BTC-USDT".to_owned()),
                ("startTime", from.to_string()),
                ("endTime", to.to_string()),
                ("limit", "1000".to_owned()),
            ]
        };
        assert_eq!(query(&first), q(start, end));
        // A short or empty first page is the whole window, whatever BingX's order.
        let short = points((0..999).map(|i| end - i * HOUR));
        assert_eq!(
            b.funding_history_request("BTC-USDT", start, end, Some(&short), 1),
            None
        );
        assert_eq!(
            b.funding_history_request("BTC-USDT", start, end, Some(&[]), 1),
            None
        );
        // A full page (oldest or newest 1000, unknown): 999-hour chunks from the end.
        let full = points((0..1000).map(|i| start + i * HOUR));
        let chunk = 999 * HOUR;
        let c0 = b
            .funding_history_request("BTC-USDT", start, end, Some(&full), 1)
            .expect("chunk 0");
        assert_eq!(query(&c0), q(end - chunk + 1, end));
        let some = points([end - 5 * HOUR]);
        let c1 = b
            .funding_history_request("BTC-USDT", start, end, Some(&some), 2)
            .expect("chunk 1");
        assert_eq!(query(&c1), q(end - 2 * chunk + 1, end - chunk));
        // A short chunk is normal (8 h settlements): paging goes on until the start.
        let c4 = b
            .funding_history_request("BTC-USDT", start, end, Some(&some), 5)
            .expect("chunk 4 reaches the start");
        assert_eq!(query(&c4), q(start, end - 4 * chunk));
        assert_eq!(
            b.funding_history_request("BTC-USDT", start, end, Some(&some), 6),
            None,
            "chunk 4 reached the start"
        );
        // An empty chunk: nothing older (the contract was listed later).
        assert_eq!(
            b.funding_history_request("BTC-USDT", start, end, Some(&[]), 3),
            None
        );
        // A caller that does not count pages still terminates (as page 1).
        assert_eq!(
            b.funding_history_request("BTC-USDT", start, end, Some(&short), 0),
            None
        );
        // Empty and inverted windows ask nothing; a one-ms window asks.
        assert!(b.funding_history_request("X", 0, 1, None, 0).is_some());
        assert_eq!(b.history_days_limit(), None);
    }

    #[test]
    fn candle_requests_name_intervals_limits_and_the_spot_time_zone() {
        let b = Bingx;
        let now = 1_760_000_000_000 / DAY * DAY + 5 * HOUR + 17;
        let day0 = now / DAY * DAY;
        let daily = window(Market::Perp, "BTC-USDT", Bar::Day, day0 - 45 * DAY, now);
        let r = b.candle_request(&daily, None, 0).expect("perp daily");
        assert_eq!(
            (
                r.endpoint,
                r.host,
                r.path.as_str(),
                r.weight,
                r.timestamp_param
            ),
            (
                "klines",
                HOST,
                "/openApi/swap/v3/quote/klines",
                1,
                Some("timestamp")
            )
        );
        assert_eq!(
            query(&r),
            [
                ("symbol", "BTC-USDT".to_owned()),
                ("interval", "1d".to_owned()),
                ("startTime", (day0 - 45 * DAY).to_string()),
                ("endTime", now.to_string()),
                ("limit", "46".to_owned()),
            ]
        );
        let hour0 = now / HOUR * HOUR;
        let hourly = window(Market::Spot, "BTC-USDT", Bar::Hour, hour0 - 168 * HOUR, now);
        let r = b.candle_request(&hourly, None, 0).expect("spot hourly");
        assert_eq!(
            (r.endpoint, r.path.as_str(), r.weight),
            ("spot-kline", "/openApi/spot/v2/market/kline", 1)
        );
        assert_eq!(
            query(&r),
            [
                ("symbol", "BTC-USDT".to_owned()),
                ("interval", "1h".to_owned()),
                ("startTime", (hour0 - 168 * HOUR).to_string()),
                ("endTime", now.to_string()),
                ("limit", "169".to_owned()),
                ("timeZone", "0".to_owned()),
            ]
        );
        let spot_daily = window(Market::Spot, "BTC-USDT", Bar::Day, day0 - 45 * DAY, now);
        let r = b.candle_request(&spot_daily, None, 0).expect("spot daily");
        assert!(r.query.contains(&("interval", "1d".to_owned())));
        assert!(
            r.query.contains(&("timeZone", "0".to_owned())),
            "UTC daily bars"
        );
        // Empty and inverted windows ask nothing.
        let inverted = window(Market::Perp, "BTC-USDT", Bar::Day, day0 + DAY, now);
        assert_eq!(b.candle_request(&inverted, None, 0), None);
        let backwards = window(Market::Perp, "BTC-USDT", Bar::Hour, now, now - 2 * HOUR);
        assert_eq!(b.candle_request(&backwards, None, 0), None);
        let one = window(Market::Perp, "BTC-USDT", Bar::Hour, hour0, now);
        let r = b.candle_request(&one, None, 0).expect("the running bar");
        assert!(r.query.contains(&("limit", "1".to_owned())));
    }

    #[test]
    fn candle_requests_page_in_chunks_of_1440_bars_newest_first() {
        let b = Bingx;
        let now = 1_760_000_000_000 / HOUR * HOUR + 42;
        let last = now / HOUR * HOUR;
        let start = last - 3000 * HOUR;
        let w = window(Market::Perp, "1000PEPE-USDT", Bar::Hour, start, now);
        let range = |r: &Request| {
            let get = |k: &str| {
                r.query
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| v.parse::<i64>().expect("number"))
                    .expect("present")
            };
            (get("startTime"), get("endTime"), get("limit"))
        };
        let c0 = b.candle_request(&w, None, 0).expect("chunk 0");
        let lo0 = last - 1439 * HOUR;
        assert_eq!(range(&c0), (lo0, now, 1440));
        // A page reaching its chunk's first bar, in any order: the next chunk ends before it.
        let mut full = bars((0..1440).map(|i| lo0 + i * HOUR));
        full.reverse();
        let c1 = b.candle_request(&w, Some(&full), 1).expect("chunk 1");
        let lo1 = lo0 - 1440 * HOUR;
        assert_eq!(range(&c1), (lo1, lo0 - 1, 1440));
        let c2 = b
            .candle_request(&w, Some(&bars([lo1, lo1 + HOUR])), 2)
            .expect("chunk 2");
        assert_eq!(range(&c2), (start, lo1 - 1, 121), "clipped to the window");
        assert_eq!(
            b.candle_request(&w, Some(&bars([start])), 3),
            None,
            "chunk 2 reached the start"
        );
        // The market's history starts inside a chunk, or nothing came back: done.
        assert_eq!(b.candle_request(&w, Some(&bars([lo0 + HOUR])), 1), None);
        // A running bar missing from chunk 0 changes nothing.
        let without_running = bars((0..1439).map(|i| lo0 + i * HOUR));
        assert!(b.candle_request(&w, Some(&without_running), 1).is_some());
        // A window of one chunk is done after it.
        let small = window(
            Market::Spot,
            "BTC-USDT",
            Bar::Day,
            last / DAY * DAY - 45 * DAY,
            now,
        );
        let page = bars((0..46).map(|i| last / DAY * DAY - i * DAY));
        assert_eq!(b.candle_request(&small, Some(&page), 1), None);
    }
}
