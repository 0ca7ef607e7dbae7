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

use super::kit::{self, BarPage, Paging, Span};
use super::{Bar, CandleWindow, Endpoint, HostSpec, Request, VenueAdapter};
use crate::model::Market;

/// Host key of Bitget's only host.
pub const HOST: &str = "main";

/// The one Bitget host: `BASIS_BITGET_URL`, default `https://api.bitget.com`, 20 requests / s per
/// IP on each market endpoint ("Frequency limit: 20 times/1s (IP)" on every page below).
pub const HOSTS: [HostSpec; 1] =
    [
        HostSpec::new(HOST, "BASIS_BITGET_URL", "https://api.bitget.com")
            .limit(20, Duration::from_secs(1)),
    ];

/// Weight of every call: Bitget counts requests, not weights (20 / s per IP and endpoint).
pub const WEIGHT: u32 = 1;

/// The USDT-FUTURES contract list (`productType` required).
pub const CONTRACTS_USDT: Endpoint = Endpoint::new(
    "contracts-usdt",
    HOST,
    "/api/v2/mix/market/contracts",
    WEIGHT,
)
.docs("https://www.bitget.com/api-doc/contract/market/Get-All-Symbols-Contracts");

/// The USDC-FUTURES contract list.
pub const CONTRACTS_USDC: Endpoint = CONTRACTS_USDT.named("contracts-usdc");

/// The bulk USDT-FUTURES tickers (`productType` required).
pub const TICKERS_USDT: Endpoint =
    Endpoint::new("tickers-usdt", HOST, "/api/v2/mix/market/tickers", WEIGHT)
        .docs("https://www.bitget.com/api-doc/contract/market/Get-All-Symbol-Ticker");

/// The bulk USDC-FUTURES tickers.
pub const TICKERS_USDC: Endpoint = TICKERS_USDT.named("tickers-usdc");

/// The current USDT-FUTURES funding rates; without `symbol` every contract of the product type.
pub const FUND_RATE_USDT: Endpoint = Endpoint::new(
    "current-fund-rate-usdt",
    HOST,
    "/api/v2/mix/market/current-fund-rate",
    WEIGHT,
)
.docs("https://www.bitget.com/api-doc/contract/market/Get-Current-Funding-Rate");

/// The current USDC-FUTURES funding rates.
pub const FUND_RATE_USDC: Endpoint = FUND_RATE_USDT.named("current-fund-rate-usdc");

/// The spot symbol list (status, base and quote coins).
pub const SPOT_SYMBOLS: Endpoint =
    Endpoint::new("spot-symbols", HOST, "/api/v2/spot/public/symbols", WEIGHT)
        .docs("https://www.bitget.com/api-doc/spot/market/Get-Symbols");

/// The bulk spot tickers (no `symbol`: every pair).
pub const SPOT_TICKERS: Endpoint =
    Endpoint::new("spot-tickers", HOST, "/api/v2/spot/market/tickers", WEIGHT)
        .docs("https://www.bitget.com/api-doc/spot/market/Get-Tickers");

/// The unified trading account's collateral discount tiers (public, no parameters: every coin;
/// `list[]` of `tierStartValue` USD → `discountRate`). A v3 path on the v2 host; "Frequency limit:
/// 20 times/1s (IP)", weight [`WEIGHT`].
pub const DISCOUNT_RATE: Endpoint = Endpoint::at(HOST, "/api/v3/market/discount-rate", WEIGHT)
    .docs("https://www.bitget.com/api-doc/uta/public/Get-Discount-Rate");

/// One perp's settled funding history: `symbol`, `productType`, `pageSize` (default 20, at most
/// 100), `pageNo` (from 1); newest first.
pub const HISTORY_FUND_RATE: Endpoint =
    Endpoint::at(HOST, "/api/v2/mix/market/history-fund-rate", WEIGHT)
        .docs("https://www.bitget.com/api-doc/contract/market/Get-History-Funding-Rate");

/// Page size basis asks the funding history for (the documented maximum).
pub const FUNDING_HISTORY_PAGE_SIZE: usize = 100;

/// One perp's (last-trade) mix candles: `symbol`, `productType`, `granularity`,
/// `startTime`/`endTime` (ms, at most 90 days apart), `kLineType` (`MARKET` by default), `limit`
/// (default 100, at most 1000); the page is the `limit` bars up to `endTime`, oldest first, the
/// running bar last.
pub const CANDLES: Endpoint = Endpoint::at(HOST, "/api/v2/mix/market/candles", WEIGHT)
    .docs("https://www.bitget.com/api-doc/contract/market/Get-Candle-Data");

/// One spot pair's candles: `symbol`, `granularity`, `startTime`, `endTime` (ms), `limit`
/// (default 100, at most 1000); rows as the mix ones plus a USDT volume.
pub const SPOT_CANDLES: Endpoint =
    Endpoint::new("spot-candles", HOST, "/api/v2/spot/market/candles", WEIGHT)
        .docs("https://www.bitget.com/api-doc/spot/market/Get-Candle-Data");
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
    kit::adapter_basics! {
        history: Paging::numbered(FUNDING_HISTORY_PAGE_SIZE),
        candles: parse::candles,
        parse: reference, snapshot, body_signal, funding_history,
    }

    /// The USDT- and USDC-FUTURES contract lists, the spot symbol list and (optional) the
    /// collateral discount tiers.
    fn reference_requests(&self) -> Vec<Request> {
        let mut plan: Vec<Request> = PRODUCTS.iter().map(|p| mix(p.contracts, *p)).collect();
        plan.push(SPOT_SYMBOLS.request());
        plan.push(DISCOUNT_RATE.request().optional());
        plan
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

    /// Pages by number (`pageNo` = `page` + 1, newest first, [`FUNDING_HISTORY_PAGE_SIZE`] a
    /// page) until a page is empty or short or reaches `start_ms`.
    fn history_page(&self, symbol: &str, span: Span) -> Option<Request> {
        Some(
            HISTORY_FUND_RATE
                .request()
                .query("symbol", symbol)
                .query("productType", product_of(symbol).product_type)
                .query("pageSize", span.full.to_string())
                .query("pageNo", (u64::from(span.page) + 1).to_string()),
        )
    }

    /// Pages backwards: each page is anchored at its `endTime` (the live API returns the
    /// `limit` bars up to it whatever `startTime` says) and asks for exactly the bars it needs,
    /// at most [`CANDLE_LIMIT`] and 90 days of them; the next page ends just before the oldest
    /// bar received. Stops after an empty page, a page with fewer bars than a full one, or one
    /// reaching `start_ms`.
    fn candle_paging(&self, window: &CandleWindow<'_>) -> Option<Paging> {
        let per_page = CANDLE_LIMIT.min(CANDLE_RANGE_MS / window.bar.millis());
        Some(Paging::backward(usize::try_from(per_page).ok()?))
    }

    fn candle_page(&self, window: &CandleWindow<'_>, page: BarPage) -> Option<Request> {
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
        Some(request.time_window(page.first, page.to, page.bars))
    }
}
