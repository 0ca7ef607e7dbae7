//! OKX v5 adapter: endpoints, weights, the `main` host and the request plans of SWAP + SPOT.
//!
//! Request plan (every endpoint is a bulk call; nothing is per symbol):
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `instruments?instType=SWAP`, `instruments?instType=SPOT` | [`INSTRUMENTS_DOCS`] |
//! | scan (`full = false`, 4 requests) | `funding-rate?instId=ANY` | [`FUNDING_RATE_DOCS`] |
//! | | `tickers?instType=SWAP`, `tickers?instType=SPOT` | [`TICKERS_DOCS`] |
//! | | `open-interest?instType=SWAP` | [`OPEN_INTEREST_DOCS`] |
//! | poll (`full = true`, +3) | `mark-price?instType=SWAP` | [`MARK_PRICE_DOCS`] |
//! | | `index-tickers?quoteCcy=USDT`, `index-tickers?quoteCcy=USDC` | [`INDEX_TICKERS_DOCS`] |
//!
//! The analyzer needs funding, bid/ask, high/low, quote volume and open interest, which the four
//! scan requests carry; mark and index prices are only stored by `basis poll`.
//!
//! OKX limits each public endpoint separately (20 requests / 2 s per IP on most of them, 10 / 2 s
//! on `mark-price`). The host limiter is one bucket of 20 per 2 s, and an endpoint's weight is
//! 20 divided by its own limit, so `mark-price` weighs 2 and the others 1.

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Body, BodySignal, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

/// Host key of OKX's only host.
pub const HOST: &str = "main";

/// The one OKX host: `BASIS_OKX_URL`, default `https://www.okx.com`, 20 requests / 2 s per IP.
/// Docs: <https://www.okx.com/docs-v5/en/#overview-rate-limits>
pub const HOSTS: [HostSpec; 1] = [HostSpec {
    key: HOST,
    env: "BASIS_OKX_URL",
    default_url: "https://www.okx.com",
    limit_weight: 20,
    limit_period: Duration::from_secs(2),
    budget_pct: 50,
    per_endpoint: false,
}];

/// Endpoint name of the SWAP instrument list.
pub const INSTRUMENTS_SWAP: &str = "instruments-swap";
/// Endpoint name of the SPOT instrument list.
pub const INSTRUMENTS_SPOT: &str = "instruments-spot";
/// Path of the instrument lists (20 / 2 s per IP and instType: weight 1).
pub const INSTRUMENTS_PATH: &str = "/api/v5/public/instruments";
/// Docs of [`INSTRUMENTS_PATH`].
pub const INSTRUMENTS_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments";

/// Endpoint name of the bulk funding rates.
pub const FUNDING_RATE: &str = "funding-rate";
/// Path of the funding rates; `instId=ANY` returns every SWAP (20 / 2 s: weight 1).
pub const FUNDING_RATE_PATH: &str = "/api/v5/public/funding-rate";
/// Docs of [`FUNDING_RATE_PATH`].
pub const FUNDING_RATE_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-funding-rate";

/// Endpoint name of the SWAP tickers.
pub const TICKERS_SWAP: &str = "tickers-swap";
/// Endpoint name of the SPOT tickers.
pub const TICKERS_SPOT: &str = "tickers-spot";
/// Path of the tickers (20 / 2 s per IP: weight 1).
pub const TICKERS_PATH: &str = "/api/v5/market/tickers";
/// Docs of [`TICKERS_PATH`].
pub const TICKERS_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#order-book-trading-market-data-get-tickers";

/// Endpoint name of the SWAP open interest.
pub const OPEN_INTEREST: &str = "open-interest";
/// Path of the open interest (20 / 2 s: weight 1).
pub const OPEN_INTEREST_PATH: &str = "/api/v5/public/open-interest";
/// Docs of [`OPEN_INTEREST_PATH`].
pub const OPEN_INTEREST_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-open-interest";

/// Endpoint name of the SWAP mark prices.
pub const MARK_PRICE: &str = "mark-price";
/// Path of the mark prices (10 / 2 s: weight 2).
pub const MARK_PRICE_PATH: &str = "/api/v5/public/mark-price";
/// Docs of [`MARK_PRICE_PATH`].
pub const MARK_PRICE_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-mark-price";

/// Endpoint name of the index tickers (one request per quote currency).
pub const INDEX_TICKERS: &str = "index-tickers";
/// Path of the index tickers (20 / 2 s: weight 1).
pub const INDEX_TICKERS_PATH: &str = "/api/v5/market/index-tickers";
/// Docs of [`INDEX_TICKERS_PATH`].
pub const INDEX_TICKERS_DOCS: &str =
    "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-index-tickers";

/// Quote currencies whose index tickers `basis poll` fetches (the quotes of OKX linear swaps).
pub const INDEX_QUOTES: [&str; 2] = ["USDT", "USDC"];

/// Body code OKX uses for "Too Many Requests" (with HTTP 429, sometimes 200).
pub const RATE_LIMIT_CODE: &str = "50011";

/// The OKX adapter (v5 SWAP + SPOT).
#[derive(Debug, Clone, Copy)]
pub struct Okx;

impl VenueAdapter for Okx {
    fn venue(&self) -> Venue {
        Venue::Okx
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![
            Request::get(INSTRUMENTS_SWAP, HOST, INSTRUMENTS_PATH, 1).query("instType", "SWAP"),
            Request::get(INSTRUMENTS_SPOT, HOST, INSTRUMENTS_PATH, 1).query("instType", "SPOT"),
        ]
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// The four scan requests (funding, SWAP and SPOT tickers, open interest); `full` adds mark
    /// prices and the USDT and USDC index tickers, which the analyzer does not use.
    fn snapshot_requests(&self, full: bool) -> Vec<Request> {
        let mut plan = vec![
            Request::get(FUNDING_RATE, HOST, FUNDING_RATE_PATH, 1).query("instId", "ANY"),
            Request::get(TICKERS_SWAP, HOST, TICKERS_PATH, 1).query("instType", "SWAP"),
            Request::get(TICKERS_SPOT, HOST, TICKERS_PATH, 1).query("instType", "SPOT"),
            Request::get(OPEN_INTEREST, HOST, OPEN_INTEREST_PATH, 1)
                .query("instType", "SWAP")
                .optional(),
        ];
        if full {
            plan.push(
                Request::get(MARK_PRICE, HOST, MARK_PRICE_PATH, 2)
                    .query("instType", "SWAP")
                    .optional(),
            );
            for quote in INDEX_QUOTES {
                plan.push(
                    Request::get(INDEX_TICKERS, HOST, INDEX_TICKERS_PATH, 1)
                        .query("quoteCcy", quote)
                        .optional(),
                );
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

    fn check_body(&self, status: u16, body: &[u8]) -> BodySignal {
        parse::body_signal(status, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_plan_fits_the_budget_and_poll_adds_mark_and_index() {
        let scan = Okx.snapshot_requests(false);
        assert_eq!(scan.len(), 4);
        assert!(
            scan.iter()
                .all(|r| r.host == HOST && r.path.starts_with("/api/v5/"))
        );
        let full = Okx.snapshot_requests(true);
        assert_eq!(full.len(), 7);
        let mark = full
            .iter()
            .find(|r| r.endpoint == MARK_PRICE)
            .map(|r| r.weight);
        assert_eq!(mark, Some(2));
        let quotes: Vec<&str> = full
            .iter()
            .filter(|r| r.endpoint == INDEX_TICKERS)
            .flat_map(|r| r.query.iter().map(|(_, v)| v.as_str()))
            .collect();
        assert_eq!(quotes, ["USDT", "USDC"]);
        assert_eq!(Okx.hosts()[0].env, "BASIS_OKX_URL");
        assert_eq!(Okx.hosts()[0].default_url, "https://www.okx.com");
    }
}
