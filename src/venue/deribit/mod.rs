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

use super::{Body, BodySignal, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

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

/// Endpoint name of the future instrument list (USDC-settled).
pub const INSTRUMENTS_FUTURE: &str = "get_instruments-future";
/// Endpoint name of the spot instrument list.
pub const INSTRUMENTS_SPOT: &str = "get_instruments-spot";
/// Path of the instrument lists (500 credits).
pub const INSTRUMENTS_PATH: &str = "/api/v2/public/get_instruments";
/// Docs of [`INSTRUMENTS_PATH`].
pub const INSTRUMENTS_DOCS: &str =
    "https://docs.deribit.com/api-reference/market-data/public-get_instruments";

/// Endpoint name of the future book summaries (USDC-settled).
pub const SUMMARY_FUTURE: &str = "get_book_summary_by_currency-future";
/// Endpoint name of the spot book summaries.
pub const SUMMARY_SPOT: &str = "get_book_summary_by_currency-spot";
/// Path of the book summaries (500 credits).
pub const BOOK_SUMMARY_PATH: &str = "/api/v2/public/get_book_summary_by_currency";
/// Docs of [`BOOK_SUMMARY_PATH`].
pub const BOOK_SUMMARY_DOCS: &str =
    "https://docs.deribit.com/api-reference/market-data/public-get_book_summary_by_currency";

/// `currency` of the future requests: the settlement currency of linear perpetuals.
pub const FUTURE_CURRENCY: &str = "USDC";
/// `currency` of the spot requests (spot pairs have no settlement currency).
pub const SPOT_CURRENCY: &str = "any";

/// Error code Deribit uses for an exhausted credit pool (`too_many_requests`).
pub const RATE_LIMIT_CODE: i64 = 10_028;

/// Funding interval basis reports: Deribit funding accrues continuously and is reported as its
/// 8 h figure (`funding_8h`), DESIGN.md.
pub const FUNDING_INTERVAL_HOURS: i64 = 8;

/// The Deribit adapter (USDC linear perpetuals + spot).
#[derive(Debug, Clone, Copy)]
pub struct Deribit;

fn instruments(endpoint: &'static str, currency: &str, kind: &str) -> Request {
    Request::get(endpoint, HOST, INSTRUMENTS_PATH, CREDITS_PER_REQUEST)
        .query("currency", currency)
        .query("kind", kind)
        .query("expired", "false")
}

fn summary(endpoint: &'static str, currency: &str, kind: &str) -> Request {
    Request::get(endpoint, HOST, BOOK_SUMMARY_PATH, CREDITS_PER_REQUEST)
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
            && r.path == BOOK_SUMMARY_PATH
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
}
