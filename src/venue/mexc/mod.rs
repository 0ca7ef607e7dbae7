//! MEXC adapter: USDT/USDC perpetual contracts and spot v3 on two hosts, endpoints and plans.
//!
//! Request plan:
//!
//! | plan | host | endpoint | docs |
//! |---|---|---|---|
//! | reference (hourly) | futures | `contract/detail` (1 call / 5 s) | [`CONTRACT_DETAIL_DOCS`] |
//! | | spot | `exchangeInfo` | [`EXCHANGE_INFO_DOCS`] |
//! | | futures | `contract/funding_rate` without a symbol (optional, undocumented) | [`FUNDING_RATE_DOCS`] |
//! | details (≤ [`DETAIL_BATCH`] per refresh) | futures | `contract/funding_rate/{symbol}` | [`FUNDING_RATE_DOCS`] |
//! | scan (`full = false`, 2 requests) | futures | `contract/ticker` (every contract) | [`TICKER_DOCS`] |
//! | | spot | `ticker/24hr` (every pair) | [`SPOT_TICKER_DOCS`] |
//! | poll (`full = true`) | | the same two | |
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

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Body, BodySignal, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

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

/// Endpoint name of the contract list.
pub const CONTRACT_DETAIL: &str = "contract-detail";
/// Path of the contract list (1 call / 5 s: weight 10, the futures host's whole 50 % burst).
pub const CONTRACT_DETAIL_PATH: &str = "/api/v1/contract/detail";
/// Weight of [`CONTRACT_DETAIL_PATH`].
pub const CONTRACT_DETAIL_WEIGHT: u32 = 10;
/// Docs of [`CONTRACT_DETAIL_PATH`].
pub const CONTRACT_DETAIL_DOCS: &str =
    "https://mexcdevelop.github.io/apidocs/contract_v1_en/#get-the-contract-information";

/// Endpoint name of the spot pair list.
pub const EXCHANGE_INFO: &str = "exchangeInfo";
/// Path of the spot pair list (weight 10).
pub const EXCHANGE_INFO_PATH: &str = "/api/v3/exchangeInfo";
/// Docs of [`EXCHANGE_INFO_PATH`].
pub const EXCHANGE_INFO_DOCS: &str =
    "https://mexcdevelop.github.io/apidocs/spot_v3_en/#exchange-information";

/// Endpoint name of the funding rates of every contract (no symbol; undocumented).
pub const FUNDING_RATES: &str = "funding-rates";
/// Endpoint name of one contract's funding rate (`…/funding_rate/{symbol}`).
pub const FUNDING_RATE: &str = "funding-rate";
/// Path of the funding rates; append `/{symbol}` for one contract (20 / 2 s: weight 1).
pub const FUNDING_RATE_PATH: &str = "/api/v1/contract/funding_rate";
/// Docs of [`FUNDING_RATE_PATH`].
pub const FUNDING_RATE_DOCS: &str =
    "https://mexcdevelop.github.io/apidocs/contract_v1_en/#get-contract-funding-rate";

/// Endpoint name of the contract tickers.
pub const TICKER: &str = "contract-ticker";
/// Path of the contract tickers, every contract when `symbol` is omitted (20 / 2 s: weight 1).
pub const TICKER_PATH: &str = "/api/v1/contract/ticker";
/// Docs of [`TICKER_PATH`].
pub const TICKER_DOCS: &str =
    "https://mexcdevelop.github.io/apidocs/contract_v1_en/#get-contract-trend-data";

/// Endpoint name of the spot 24 h tickers.
pub const SPOT_TICKER: &str = "spot-ticker-24hr";
/// Path of the spot tickers (every pair without `symbol`: weight 40).
pub const SPOT_TICKER_PATH: &str = "/api/v3/ticker/24hr";
/// Docs of [`SPOT_TICKER_PATH`].
pub const SPOT_TICKER_DOCS: &str =
    "https://mexcdevelop.github.io/apidocs/spot_v3_en/#24hr-ticker-price-change-statistics";

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
            Request::get(
                CONTRACT_DETAIL,
                FUTURES,
                CONTRACT_DETAIL_PATH,
                CONTRACT_DETAIL_WEIGHT,
            ),
            Request::get(EXCHANGE_INFO, SPOT, EXCHANGE_INFO_PATH, 10),
            Request::get(FUNDING_RATES, FUTURES, FUNDING_RATE_PATH, 1).optional(),
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
        vec![
            Request::get(TICKER, FUTURES, TICKER_PATH, 1),
            Request::get(SPOT_TICKER, SPOT, SPOT_TICKER_PATH, 40),
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
}

/// The funding-rate request of one contract (`/api/v1/contract/funding_rate/BTC_USDT`).
#[must_use]
pub fn funding_rate_request(symbol: &str) -> Request {
    Request::get(
        FUNDING_RATE,
        FUTURES,
        &format!("{FUNDING_RATE_PATH}/{symbol}"),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_bulk_and_within_the_budget() {
        let scan = Mexc.snapshot_requests(false);
        assert_eq!(
            scan.iter()
                .map(|r| (r.endpoint, r.host, r.weight))
                .collect::<Vec<_>>(),
            [(TICKER, FUTURES, 1), (SPOT_TICKER, SPOT, 40)]
        );
        assert_eq!(scan, Mexc.snapshot_requests(true));
        let reference = Mexc.reference_requests();
        assert_eq!(
            reference
                .iter()
                .map(|r| (r.endpoint, r.optional))
                .collect::<Vec<_>>(),
            [
                (CONTRACT_DETAIL, false),
                (EXCHANGE_INFO, false),
                (FUNDING_RATES, true)
            ]
        );
        // The detail call takes the futures host's whole burst: nothing follows it for 2 s.
        let futures = crate::venue::http::host_quota(&HOSTS[1]);
        assert_eq!(futures.burst_size().get(), CONTRACT_DETAIL_WEIGHT);
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
}
