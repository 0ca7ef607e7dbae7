//! Bitget v2 adapter: endpoints, weights, the `main` host and the request plans of mix + spot.
//!
//! Request plan (every endpoint is a bulk call; nothing is per symbol). Futures endpoints take a
//! `productType`: `USDT-FUTURES` (`BTCUSDT`) and `USDC-FUTURES` (`BTCPERP`) are listed and
//! polled separately; coin-margined (inverse) `COIN-FUTURES` is never requested.
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `mix/market/contracts` × 2 product types, `spot/public/symbols` | [`CONTRACTS_DOCS`], [`SPOT_SYMBOLS_DOCS`] |
//! | | v3 `market/discount-rate` (optional: collateral haircuts) | [`DISCOUNT_RATE_DOCS`] |
//! | scan (`full = false`, 4 requests) | `mix/market/tickers` × 2 product types | [`TICKERS_DOCS`] |
//! | | `mix/market/current-fund-rate?productType=USDT-FUTURES` | [`FUND_RATE_DOCS`] |
//! | | `spot/market/tickers` | [`SPOT_TICKERS_DOCS`] |
//! | poll (`full = true`, +1) | `mix/market/current-fund-rate?productType=USDC-FUTURES` | [`FUND_RATE_DOCS`] |
//! | funding history (per perp) | `mix/market/history-fund-rate?pageSize=100&pageNo=…` | [`HISTORY_FUND_RATE_DOCS`] |
//! | candles (per market) | `mix/market/candles`, `spot/market/candles` (`1Dutc` / `1H`, `1h`) | [`CANDLES_DOCS`], [`SPOT_CANDLES_DOCS`] |
//!
//! The mix tickers carry bid/ask, mark, index, the funding rate, 24 h high/low and volumes and
//! open interest; `current-fund-rate` adds each symbol's *current* interval and next settlement.
//! A scan fetches the latter for USDT perps only (to stay at four requests): USDC perps take
//! their rate from the ticker and their interval from the cached contract list (`fundInterval`),
//! without a next funding time. `basis poll` fetches both product types' funding rows.
//!
//! The reference also carries the unified trading account's collateral discount tiers (a v3
//! endpoint on the same host): each coin's first-tier `discountRate` is its haircut `k`. The
//! request is optional: if it fails, the reference goes on with an empty table.
//!
//! Every Bitget market endpoint allows 20 requests / s per IP; the host limiter is one bucket of
//! 20 per second (half of it used), each call weighing 1.

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

/// Host key of Bitget's only host.
pub const HOST: &str = "main";

/// The one Bitget host: `BASIS_BITGET_URL`, default `https://api.bitget.com`, 20 requests / s per
/// IP on each market endpoint ("Frequency limit: 20 times/1s (IP)" on every page below).
pub const HOSTS: [HostSpec; 1] = [HostSpec {
    key: HOST,
    env: "BASIS_BITGET_URL",
    default_url: "https://api.bitget.com",
    limit_weight: 20,
    limit_period: Duration::from_secs(1),
    budget_pct: 50,
    per_endpoint: false,
}];

/// Weight of every call: Bitget counts requests, not weights (20 / s per IP and endpoint).
pub const WEIGHT: u32 = 1;

/// The USDT-FUTURES contract list (`productType` required).
pub const CONTRACTS_USDT: Endpoint = Endpoint {
    name: "contracts-usdt",
    host: HOST,
    path: "/api/v2/mix/market/contracts",
    weight: WEIGHT,
    docs: "https://www.bitget.com/api-doc/contract/market/Get-All-Symbols-Contracts",
};

/// The USDC-FUTURES contract list.
pub const CONTRACTS_USDC: Endpoint = Endpoint {
    name: "contracts-usdc",
    ..CONTRACTS_USDT
};

/// The bulk USDT-FUTURES tickers (`productType` required).
pub const TICKERS_USDT: Endpoint = Endpoint {
    name: "tickers-usdt",
    host: HOST,
    path: "/api/v2/mix/market/tickers",
    weight: WEIGHT,
    docs: "https://www.bitget.com/api-doc/contract/market/Get-All-Symbol-Ticker",
};

/// The bulk USDC-FUTURES tickers.
pub const TICKERS_USDC: Endpoint = Endpoint {
    name: "tickers-usdc",
    ..TICKERS_USDT
};

/// The current USDT-FUTURES funding rates; without `symbol` every contract of the product type.
pub const FUND_RATE_USDT: Endpoint = Endpoint {
    name: "current-fund-rate-usdt",
    host: HOST,
    path: "/api/v2/mix/market/current-fund-rate",
    weight: WEIGHT,
    docs: "https://www.bitget.com/api-doc/contract/market/Get-Current-Funding-Rate",
};

/// The current USDC-FUTURES funding rates.
pub const FUND_RATE_USDC: Endpoint = Endpoint {
    name: "current-fund-rate-usdc",
    ..FUND_RATE_USDT
};

/// The spot symbol list (status, base and quote coins).
pub const SPOT_SYMBOLS: Endpoint = Endpoint {
    name: "spot-symbols",
    host: HOST,
    path: "/api/v2/spot/public/symbols",
    weight: WEIGHT,
    docs: "https://www.bitget.com/api-doc/spot/market/Get-Symbols",
};

/// The bulk spot tickers (no `symbol`: every pair).
pub const SPOT_TICKERS: Endpoint = Endpoint {
    name: "spot-tickers",
    host: HOST,
    path: "/api/v2/spot/market/tickers",
    weight: WEIGHT,
    docs: "https://www.bitget.com/api-doc/spot/market/Get-Tickers",
};

/// The unified trading account's collateral discount tiers (public, no parameters: every coin;
/// `list[]` of `tierStartValue` USD → `discountRate`). A v3 path on the v2 host; "Frequency limit:
/// 20 times/1s (IP)", weight [`WEIGHT`].
pub const DISCOUNT_RATE: Endpoint = Endpoint {
    name: "discount-rate",
    host: HOST,
    path: "/api/v3/market/discount-rate",
    weight: WEIGHT,
    docs: "https://www.bitget.com/api-doc/uta/public/Get-Discount-Rate",
};

/// One perp's settled funding history: `symbol`, `productType`, `pageSize` (default 20, at most
/// 100), `pageNo` (from 1); newest first.
pub const HISTORY_FUND_RATE: Endpoint = Endpoint {
    name: "history-fund-rate",
    host: HOST,
    path: "/api/v2/mix/market/history-fund-rate",
    weight: WEIGHT,
    docs: "https://www.bitget.com/api-doc/contract/market/Get-History-Funding-Rate",
};

/// Page size basis asks the funding history for (the documented maximum).
pub const FUNDING_HISTORY_PAGE_SIZE: usize = 100;

/// One perp's (last-trade) mix candles: `symbol`, `productType`, `granularity`,
/// `startTime`/`endTime` (ms, at most 90 days apart), `kLineType` (`MARKET` by default), `limit`
/// (default 100, at most 1000); the page is the `limit` bars up to `endTime`, oldest first, the
/// running bar last.
pub const CANDLES: Endpoint = Endpoint {
    name: "candles",
    host: HOST,
    path: "/api/v2/mix/market/candles",
    weight: WEIGHT,
    docs: "https://www.bitget.com/api-doc/contract/market/Get-Candle-Data",
};

/// One spot pair's candles: `symbol`, `granularity`, `startTime`, `endTime` (ms), `limit`
/// (default 100, at most 1000); rows as the mix ones plus a USDT volume.
pub const SPOT_CANDLES: Endpoint = Endpoint {
    name: "spot-candles",
    host: HOST,
    path: "/api/v2/spot/market/candles",
    weight: WEIGHT,
    docs: "https://www.bitget.com/api-doc/spot/market/Get-Candle-Data",
};
/// Most candles per request (both markets).
pub const CANDLE_LIMIT: i64 = 1000;
/// Longest `startTime`..`endTime` span the mix candles accept (90 days); basis keeps spot
/// requests within it too.
pub const CANDLE_RANGE_MS: i64 = 90 * 86_400_000;

/// The `granularity` of `bar` on `market`: the UTC daily bar `1Dutc` (plain `1D`/`1day` follow
/// UTC+8), hourly `1H` on mix and `1h` on spot.
#[must_use]
pub const fn granularity(market: Market, bar: Bar) -> &'static str {
    match (market, bar) {
        (_, Bar::Day) => "1Dutc",
        (Market::Perp, Bar::Hour) => "1H",
        (Market::Spot, Bar::Hour) => "1h",
    }
}

/// The product type of a perp symbol as the snapshot names it: `BTCPERP` is USDC-FUTURES,
/// everything else USDT-FUTURES.
#[must_use]
pub fn product_of(symbol: &str) -> Product {
    if symbol.ends_with("PERP") {
        USDC_FUTURES
    } else {
        USDT_FUTURES
    }
}

/// Body codes meaning "rate limited": `429` ("Too Many Requests") and `1001` ("The request is too
/// frequent and has been throttled"), as listed in Bitget's error codes.
pub const RATE_LIMIT_CODES: [&str; 2] = ["429", "1001"];

/// A linear futures product type and the endpoints of its requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Product {
    /// `productType` query value.
    pub product_type: &'static str,
    /// The quote (and margin) coin every perpetual of this product type has.
    pub quote: &'static str,
    /// Its contract list.
    pub contracts: Endpoint,
    /// Its tickers.
    pub tickers: Endpoint,
    /// Its funding rates.
    pub fund_rate: Endpoint,
    /// Whether a scan (`full = false`) fetches its funding rates; otherwise only `basis poll`
    /// does, as an optional request.
    pub scan_funding: bool,
}

/// USDT-margined perpetuals (`BTCUSDT`).
pub const USDT_FUTURES: Product = Product {
    product_type: "USDT-FUTURES",
    quote: "USDT",
    contracts: CONTRACTS_USDT,
    tickers: TICKERS_USDT,
    fund_rate: FUND_RATE_USDT,
    scan_funding: true,
};

/// USDC-margined perpetuals (`BTCPERP`).
pub const USDC_FUTURES: Product = Product {
    product_type: "USDC-FUTURES",
    quote: "USDC",
    contracts: CONTRACTS_USDC,
    tickers: TICKERS_USDC,
    fund_rate: FUND_RATE_USDC,
    scan_funding: false,
};

/// The product types basis lists, USDT first.
pub const PRODUCTS: [Product; 2] = [USDT_FUTURES, USDC_FUTURES];

/// The Bitget adapter (v2 mix USDT/USDC perpetuals + spot).
#[derive(Debug, Clone, Copy)]
pub struct Bitget;

fn mix(endpoint: Endpoint, product: Product) -> Request {
    endpoint
        .request()
        .query("productType", product.product_type)
}

impl VenueAdapter for Bitget {
    fn venue(&self) -> Venue {
        Venue::Bitget
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    /// The USDT- and USDC-FUTURES contract lists, the spot symbol list and (optional) the
    /// collateral discount tiers.
    fn reference_requests(&self) -> Vec<Request> {
        let mut plan: Vec<Request> = PRODUCTS.iter().map(|p| mix(p.contracts, *p)).collect();
        plan.push(SPOT_SYMBOLS.request());
        plan.push(DISCOUNT_RATE.request().optional());
        plan
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// Four scan requests (both product types' tickers, the USDT funding rows, spot tickers);
    /// `full` adds the USDC funding rows (optional: USDC perps fall back to the ticker's rate and
    /// the contract list's interval).
    fn snapshot_requests(&self, full: bool) -> Vec<Request> {
        let mut plan: Vec<Request> = PRODUCTS.iter().map(|p| mix(p.tickers, *p)).collect();
        for p in PRODUCTS.iter().filter(|p| p.scan_funding) {
            plan.push(mix(p.fund_rate, *p));
        }
        plan.push(SPOT_TICKERS.request());
        if full {
            for p in PRODUCTS.iter().filter(|p| !p.scan_funding) {
                plan.push(mix(p.fund_rate, *p).optional());
            }
        }
        plan
    }

    fn parse_snapshot(
        &self,
        bodies: &[Body<'_>],
        reference: &Reference,
        received_at: DateTime<Utc>,
    ) -> Result<Snapshot, ParseError> {
        parse::snapshot(bodies, reference, received_at)
    }

    /// HTTP 429, or a body `code` of [`RATE_LIMIT_CODES`], is a rate limit; another code than
    /// `"00000"` is an API error. Bodies that are not a Bitget envelope say nothing.
    fn check_body(&self, status: u16, body: &[u8]) -> BodySignal {
        parse::body_signal(status, body)
    }

    /// Pages by number (`pageNo` = `page` + 1, newest first, [`FUNDING_HISTORY_PAGE_SIZE`] a
    /// page) until a page is empty or short or reaches `start_ms`.
    fn funding_history_request(
        &self,
        symbol: &str,
        start_ms: i64,
        end_ms: i64,
        previous: Option<&[HistoryPoint]>,
        page: u32,
    ) -> Option<Request> {
        if end_ms < start_ms {
            return None;
        }
        if let Some(rows) = previous {
            if rows.len() < FUNDING_HISTORY_PAGE_SIZE {
                return None;
            }
            let oldest = rows.iter().map(|p| p.time_ms).min()?;
            if oldest <= start_ms {
                return None;
            }
        }
        Some(
            HISTORY_FUND_RATE
                .request()
                .query("symbol", symbol)
                .query("productType", product_of(symbol).product_type)
                .query("pageSize", FUNDING_HISTORY_PAGE_SIZE.to_string())
                .query("pageNo", (u64::from(page) + 1).to_string()),
        )
    }

    fn parse_funding_history(&self, body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        parse::funding_history(body)
    }

    /// Pages backwards: each page is anchored at its `endTime` (the live API returns the
    /// `limit` bars up to it whatever `startTime` says) and asks for exactly the bars it needs,
    /// at most [`CANDLE_LIMIT`] and 90 days of them; the next page ends just before the oldest
    /// bar received. Stops after an empty page, a page with fewer bars than a full one, or one
    /// reaching `start_ms`.
    fn candle_request(
        &self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        _page: u32,
    ) -> Option<Request> {
        let bar = window.bar.millis();
        let per_page = CANDLE_LIMIT.min(CANDLE_RANGE_MS / bar);
        let first_open = window.start_ms.div_euclid(bar) * bar
            + if window.start_ms.rem_euclid(bar) == 0 {
                0
            } else {
                bar
            };
        let (last_open, end_time) = match previous {
            None => (window.end_ms.div_euclid(bar) * bar, window.end_ms),
            Some(rows) => {
                let oldest = rows.iter().map(|c| c.open_ms).min()?;
                let full = i64::try_from(rows.len()).ok()? >= per_page;
                if !full || oldest <= first_open {
                    return None;
                }
                (oldest - bar, oldest - 1)
            }
        };
        if window.end_ms < window.start_ms || last_open < first_open {
            return None;
        }
        let start_time = first_open.max(last_open - (per_page - 1) * bar);
        let limit = (last_open - start_time) / bar + 1;
        let gran = granularity(window.market, window.bar);
        let request = match window.market {
            Market::Perp => CANDLES
                .request()
                .query("symbol", window.symbol)
                .query("productType", product_of(window.symbol).product_type)
                .query("granularity", gran)
                .query("kLineType", "MARKET"),
            Market::Spot => SPOT_CANDLES
                .request()
                .query("symbol", window.symbol)
                .query("granularity", gran),
        };
        Some(
            request
                .query("startTime", start_time.to_string())
                .query("endTime", end_time.to_string())
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::testkit::{bars, days_back, points, query};

    #[test]
    fn plans_fit_the_budget_and_name_the_product_type() {
        let scan = Bitget.snapshot_requests(false);
        assert_eq!(scan.len(), 4);
        assert!(scan.iter().all(|r| !r.optional && r.weight == 1));
        let full = Bitget.snapshot_requests(true);
        assert_eq!(full.len(), 5);
        let usdc_rates = full.last().expect("5 requests");
        assert_eq!(usdc_rates.endpoint, FUND_RATE_USDC.name);
        assert_eq!(usdc_rates.path, FUND_RATE_USDC.path);
        assert_eq!(query(usdc_rates), [("productType", "USDC-FUTURES")]);
        assert!(usdc_rates.optional);
        let refs = Bitget.reference_requests();
        let names: Vec<&str> = refs.iter().map(|r| r.endpoint).collect();
        assert_eq!(
            names,
            [
                CONTRACTS_USDT.name,
                CONTRACTS_USDC.name,
                SPOT_SYMBOLS.name,
                DISCOUNT_RATE.name
            ]
        );
        assert_eq!(query(&refs[0]), [("productType", "USDT-FUTURES")]);
        assert!(query(&refs[2]).is_empty());
        assert!(refs[..3].iter().all(|r| !r.optional && r.weight == 1));
        // The haircut table: v3 on the same host, every coin, optional.
        let tiers = &refs[3];
        assert_eq!(
            (
                tiers.host,
                tiers.path.as_str(),
                tiers.weight,
                tiers.optional
            ),
            (HOST, "/api/v3/market/discount-rate", 1, true)
        );
        assert!(query(tiers).is_empty(), "no coin: every coin");
        for r in refs[..3].iter().chain(&full) {
            assert_eq!(r.host, HOST);
            assert!(r.path.starts_with("/api/v2/"), "{r:?}");
        }
        let spot = scan
            .iter()
            .find(|r| r.endpoint == SPOT_TICKERS.name)
            .expect("spot");
        assert!(spot.query.is_empty(), "no symbol: every pair");
        assert_eq!(Bitget.hosts()[0].env, "BASIS_BITGET_URL");
        assert_eq!(Bitget.hosts()[0].default_url, "https://api.bitget.com");
        assert_eq!(Bitget.hosts()[0].budget_pct, 50);
    }

    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 86_400_000;
    const NOW: i64 = 1_760_000_000_000;

    #[test]
    fn history_requests_page_by_number_and_stop() {
        let (start, end) = (NOW - 30 * DAY, NOW);
        let first = Bitget
            .funding_history_request("BTCUSDT", start, end, None, 0)
            .expect("first page");
        assert_eq!(
            (
                first.endpoint,
                first.host,
                first.path.as_str(),
                first.weight
            ),
            (
                "history-fund-rate",
                "main",
                "/api/v2/mix/market/history-fund-rate",
                1
            )
        );
        assert_eq!(
            query(&first),
            [
                ("symbol", "BTCUSDT"),
                ("productType", "USDT-FUTURES"),
                ("pageSize", "100"),
                ("pageNo", "1"),
            ]
        );
        let mut full = points((0..100).map(|i| end - i * HOUR));
        full.rotate_left(41);
        let next = Bitget
            .funding_history_request("BTCPERP", start, end, Some(&full), 1)
            .expect("next page");
        assert_eq!(
            query(&next),
            [
                ("symbol", "BTCPERP"),
                ("productType", "USDC-FUTURES"),
                ("pageSize", "100"),
                ("pageNo", "2"),
            ]
        );
        let short = points((0..99).map(|i| end - i * HOUR));
        let reaching = points((0..100).map(|i| start + i * HOUR));
        for previous in [&short[..], &[], &reaching[..]] {
            assert_eq!(
                Bitget.funding_history_request("BTCUSDT", start, end, Some(previous), 1),
                None
            );
        }
        assert_eq!(Bitget.history_days_limit(), None);
    }

    fn window(market: Market, symbol: &str, bar: Bar, days: i64) -> CandleWindow<'_> {
        days_back(market, symbol, bar, days, NOW)
    }

    #[test]
    fn candle_requests_ask_for_the_utc_bar_and_exactly_the_bars_needed() {
        let daily = window(Market::Perp, "1000PEPEUSDT", Bar::Day, 45);
        let first = Bitget.candle_request(&daily, None, 0).expect("first page");
        assert_eq!(
            (first.endpoint, first.path.as_str(), first.weight),
            ("candles", "/api/v2/mix/market/candles", 1)
        );
        assert_eq!(
            query(&first),
            [
                ("symbol", "1000PEPEUSDT"),
                ("productType", "USDT-FUTURES"),
                ("granularity", "1Dutc"),
                ("kLineType", "MARKET"),
                ("startTime", daily.start_ms.to_string().as_str()),
                ("endTime", NOW.to_string().as_str()),
                ("limit", "46"),
            ]
        );
        let hourly = window(Market::Spot, "BTCUSDC", Bar::Hour, 7);
        let spot = Bitget.candle_request(&hourly, None, 0).expect("spot page");
        assert_eq!(
            (spot.endpoint, spot.path.as_str()),
            ("spot-candles", "/api/v2/spot/market/candles")
        );
        assert_eq!(
            query(&spot),
            [
                ("symbol", "BTCUSDC"),
                ("granularity", "1h"),
                ("startTime", hourly.start_ms.to_string().as_str()),
                ("endTime", NOW.to_string().as_str()),
                ("limit", "169"),
            ]
        );
        let usdc = window(Market::Perp, "ETHPERP", Bar::Hour, 7);
        let perp = Bitget.candle_request(&usdc, None, 0).expect("perp page");
        assert_eq!(
            query(&perp)[1..3],
            [("productType", "USDC-FUTURES"), ("granularity", "1H")]
        );
        // Long windows: 1000 hourly bars a page; 90 daily bars (the 90-day range) a page.
        let long = window(Market::Perp, "BTCUSDT", Bar::Hour, 60);
        let last = NOW / HOUR * HOUR;
        let p1 = Bitget.candle_request(&long, None, 0).expect("page 1");
        let oldest = last - 999 * HOUR;
        assert_eq!(
            query(&p1)[4..],
            [
                ("startTime", oldest.to_string().as_str()),
                ("endTime", NOW.to_string().as_str()),
                ("limit", "1000"),
            ]
        );
        let mut got = bars((0..1000).map(|k| oldest + k * HOUR));
        got.reverse();
        let p2 = Bitget.candle_request(&long, Some(&got), 1).expect("page 2");
        let rest = (oldest - long.start_ms) / HOUR;
        assert_eq!(
            query(&p2)[4..],
            [
                ("startTime", long.start_ms.to_string().as_str()),
                ("endTime", (oldest - 1).to_string().as_str()),
                ("limit", rest.to_string().as_str()),
            ]
        );
        let days = window(Market::Spot, "BTCUSDT", Bar::Day, 119);
        let d1 = Bitget.candle_request(&days, None, 0).expect("daily page");
        let span: Vec<i64> = ["startTime", "endTime"]
            .iter()
            .map(|k| {
                d1.query
                    .iter()
                    .find(|(q, _)| q == k)
                    .and_then(|(_, v)| v.parse().ok())
                    .expect("time")
            })
            .collect();
        assert!(span[1] - span[0] < 90 * DAY, "{span:?}");
        assert_eq!(query(&d1)[4], ("limit", "90"));
        // Stops: short page, empty page, a page reaching the start, inverted window.
        let short = bars((1..1000).map(|k| oldest + k * HOUR));
        let reaching = bars((0..1000).map(|k| long.start_ms + k * HOUR));
        for previous in [&short[..], &[], &reaching[..]] {
            assert_eq!(Bitget.candle_request(&long, Some(previous), 1), None);
        }
        let inverted = CandleWindow {
            start_ms: NOW + DAY,
            ..long
        };
        assert_eq!(Bitget.candle_request(&inverted, None, 0), None);
    }
}
