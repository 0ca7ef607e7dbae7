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
//! Limits: Kraken documents that public endpoints "do not have a cost and therefore do not count
//! against any rate limiting budget"; the `/derivatives` budget is 500 cost units per 10 s. basis
//! counts each public call as 1 unit of that budget anyway, so a misbehaving loop stays polite;
//! over-limit answers are HTTP 429 and/or `{"result": "error", "error": "apiLimitExceeded"}`.

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Body, BodySignal, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

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

/// Endpoint name of the instrument list.
pub const INSTRUMENTS: &str = "instruments";
/// Path of the instrument list (public).
pub const INSTRUMENTS_PATH: &str = "/derivatives/api/v3/instruments";
/// Docs of [`INSTRUMENTS_PATH`].
pub const INSTRUMENTS_DOCS: &str =
    "https://docs.kraken.com/api/docs/futures-api/trading/get-instruments";

/// Endpoint name of the tickers.
pub const TICKERS: &str = "tickers";
/// Path of the tickers of every contract and index (public).
pub const TICKERS_PATH: &str = "/derivatives/api/v3/tickers";
/// Docs of [`TICKERS_PATH`].
pub const TICKERS_DOCS: &str = "https://docs.kraken.com/api/docs/futures-api/trading/get-tickers";

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
        vec![Request::get(
            INSTRUMENTS,
            HOST,
            INSTRUMENTS_PATH,
            PUBLIC_WEIGHT,
        )]
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// The tickers, for scans and polls alike (see the module docs).
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![Request::get(TICKERS, HOST, TICKERS_PATH, PUBLIC_WEIGHT)]
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
                (INSTRUMENTS, "/derivatives/api/v3/instruments"),
                (TICKERS, "/derivatives/api/v3/tickers")
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
}
