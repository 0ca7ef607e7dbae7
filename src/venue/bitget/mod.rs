//! Bitget v2 adapter: endpoints, weights, the `main` host and the request plans of mix + spot.
//!
//! Request plan (every endpoint is a bulk call; nothing is per symbol). Futures endpoints take a
//! `productType`: `USDT-FUTURES` (`BTCUSDT`) and `USDC-FUTURES` (`BTCPERP`) are listed and
//! polled separately; coin-margined (inverse) `COIN-FUTURES` is never requested.
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `mix/market/contracts` × 2 product types, `spot/public/symbols` | [`CONTRACTS_DOCS`], [`SPOT_SYMBOLS_DOCS`] |
//! | scan (`full = false`, 4 requests) | `mix/market/tickers` × 2 product types | [`TICKERS_DOCS`] |
//! | | `mix/market/current-fund-rate?productType=USDT-FUTURES` | [`FUND_RATE_DOCS`] |
//! | | `spot/market/tickers` | [`SPOT_TICKERS_DOCS`] |
//! | poll (`full = true`, +1) | `mix/market/current-fund-rate?productType=USDC-FUTURES` | [`FUND_RATE_DOCS`] |
//!
//! The mix tickers carry bid/ask, mark, index, the funding rate, 24 h high/low and volumes and
//! open interest; `current-fund-rate` adds each symbol's *current* interval and next settlement.
//! A scan fetches the latter for USDT perps only (to stay at four requests): USDC perps take
//! their rate from the ticker and their interval from the cached contract list (`fundInterval`),
//! without a next funding time. `basis poll` fetches both product types' funding rows.
//!
//! Every Bitget market endpoint allows 20 requests / s per IP; the host limiter is one bucket of
//! 20 per second (half of it used), each call weighing 1.

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Body, BodySignal, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

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

/// Path of the futures contract lists (`productType` required).
pub const CONTRACTS_PATH: &str = "/api/v2/mix/market/contracts";
/// Docs of [`CONTRACTS_PATH`].
pub const CONTRACTS_DOCS: &str =
    "https://www.bitget.com/api-doc/contract/market/Get-All-Symbols-Contracts";

/// Path of the bulk futures tickers (`productType` required).
pub const TICKERS_PATH: &str = "/api/v2/mix/market/tickers";
/// Docs of [`TICKERS_PATH`].
pub const TICKERS_DOCS: &str =
    "https://www.bitget.com/api-doc/contract/market/Get-All-Symbol-Ticker";

/// Path of the current funding rates; without `symbol` it lists every contract of the product type.
pub const FUND_RATE_PATH: &str = "/api/v2/mix/market/current-fund-rate";
/// Docs of [`FUND_RATE_PATH`].
pub const FUND_RATE_DOCS: &str =
    "https://www.bitget.com/api-doc/contract/market/Get-Current-Funding-Rate";

/// Path of the spot symbol list (status, base and quote coins).
pub const SPOT_SYMBOLS_PATH: &str = "/api/v2/spot/public/symbols";
/// Docs of [`SPOT_SYMBOLS_PATH`].
pub const SPOT_SYMBOLS_DOCS: &str = "https://www.bitget.com/api-doc/spot/market/Get-Symbols";

/// Path of the bulk spot tickers (no `symbol`: every pair).
pub const SPOT_TICKERS_PATH: &str = "/api/v2/spot/market/tickers";
/// Docs of [`SPOT_TICKERS_PATH`].
pub const SPOT_TICKERS_DOCS: &str = "https://www.bitget.com/api-doc/spot/market/Get-Tickers";

/// Endpoint name of the USDT-FUTURES contract list.
pub const CONTRACTS_USDT: &str = "contracts-usdt";
/// Endpoint name of the USDC-FUTURES contract list.
pub const CONTRACTS_USDC: &str = "contracts-usdc";
/// Endpoint name of the USDT-FUTURES tickers.
pub const TICKERS_USDT: &str = "tickers-usdt";
/// Endpoint name of the USDC-FUTURES tickers.
pub const TICKERS_USDC: &str = "tickers-usdc";
/// Endpoint name of the USDT-FUTURES funding rates.
pub const FUND_RATE_USDT: &str = "current-fund-rate-usdt";
/// Endpoint name of the USDC-FUTURES funding rates.
pub const FUND_RATE_USDC: &str = "current-fund-rate-usdc";
/// Endpoint name of the spot symbol list.
pub const SPOT_SYMBOLS: &str = "spot-symbols";
/// Endpoint name of the spot tickers.
pub const SPOT_TICKERS: &str = "spot-tickers";

/// Body codes meaning "rate limited": `429` ("Too Many Requests") and `1001` ("The request is too
/// frequent and has been throttled"), as listed in Bitget's error codes.
pub const RATE_LIMIT_CODES: [&str; 2] = ["429", "1001"];

/// A linear futures product type and the endpoint names of its requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Product {
    /// `productType` query value.
    pub product_type: &'static str,
    /// The quote (and margin) coin every perpetual of this product type has.
    pub quote: &'static str,
    /// Endpoint name of its contract list.
    pub contracts: &'static str,
    /// Endpoint name of its tickers.
    pub tickers: &'static str,
    /// Endpoint name of its funding rates.
    pub fund_rate: &'static str,
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

fn mix(endpoint: &'static str, path: &str, product: Product) -> Request {
    Request::get(endpoint, HOST, path, WEIGHT).query("productType", product.product_type)
}

impl VenueAdapter for Bitget {
    fn venue(&self) -> Venue {
        Venue::Bitget
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    /// The USDT- and USDC-FUTURES contract lists and the spot symbol list.
    fn reference_requests(&self) -> Vec<Request> {
        let mut plan: Vec<Request> = PRODUCTS
            .iter()
            .map(|p| mix(p.contracts, CONTRACTS_PATH, *p))
            .collect();
        plan.push(Request::get(SPOT_SYMBOLS, HOST, SPOT_SYMBOLS_PATH, WEIGHT));
        plan
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// Four scan requests (both product types' tickers, the USDT funding rows, spot tickers);
    /// `full` adds the USDC funding rows (optional: USDC perps fall back to the ticker's rate and
    /// the contract list's interval).
    fn snapshot_requests(&self, full: bool) -> Vec<Request> {
        let mut plan: Vec<Request> = PRODUCTS
            .iter()
            .map(|p| mix(p.tickers, TICKERS_PATH, *p))
            .collect();
        for p in PRODUCTS.iter().filter(|p| p.scan_funding) {
            plan.push(mix(p.fund_rate, FUND_RATE_PATH, *p));
        }
        plan.push(Request::get(SPOT_TICKERS, HOST, SPOT_TICKERS_PATH, WEIGHT));
        if full {
            for p in PRODUCTS.iter().filter(|p| !p.scan_funding) {
                plan.push(mix(p.fund_rate, FUND_RATE_PATH, *p).optional());
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(r: &Request) -> Vec<(&str, &str)> {
        r.query.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    #[test]
    fn plans_fit_the_budget_and_name_the_product_type() {
        let scan = Bitget.snapshot_requests(false);
        assert_eq!(scan.len(), 4);
        assert!(scan.iter().all(|r| !r.optional && r.weight == 1));
        let full = Bitget.snapshot_requests(true);
        assert_eq!(full.len(), 5);
        let usdc_rates = full.last().expect("5 requests");
        assert_eq!(usdc_rates.endpoint, FUND_RATE_USDC);
        assert_eq!(usdc_rates.path, FUND_RATE_PATH);
        assert_eq!(query(usdc_rates), [("productType", "USDC-FUTURES")]);
        assert!(usdc_rates.optional);
        let refs = Bitget.reference_requests();
        let names: Vec<&str> = refs.iter().map(|r| r.endpoint).collect();
        assert_eq!(names, [CONTRACTS_USDT, CONTRACTS_USDC, SPOT_SYMBOLS]);
        assert_eq!(query(&refs[0]), [("productType", "USDT-FUTURES")]);
        assert!(query(&refs[2]).is_empty());
        for r in refs.iter().chain(&full) {
            assert_eq!(r.host, HOST);
            assert!(r.path.starts_with("/api/v2/"), "{r:?}");
        }
        let spot = scan
            .iter()
            .find(|r| r.endpoint == SPOT_TICKERS)
            .expect("spot");
        assert!(spot.query.is_empty(), "no symbol: every pair");
        assert_eq!(Bitget.hosts()[0].env, "BASIS_BITGET_URL");
        assert_eq!(Bitget.hosts()[0].default_url, "https://api.bitget.com");
        assert_eq!(Bitget.hosts()[0].budget_pct, 50);
    }
}
