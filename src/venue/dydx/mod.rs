//! dYdX v4 indexer adapter: the `perpetualMarkets` request plan, its weight, the `main` host.
//!
//! One bulk endpoint carries everything ([`PERPETUAL_MARKETS_DOCS`]): status, oracle price,
//! predicted hourly funding, 24 h USD volume and open interest of every market.
//!
//! | plan | request |
//! |---|---|
//! | reference (hourly) | `GET /v4/perpetualMarkets` (statuses, tickers) |
//! | scan and poll (`full` adds nothing) | `GET /v4/perpetualMarkets` |
//!
//! No `limit` is sent: without it the indexer returns every market (with it, at most 1000).
//! dYdX has no spot markets, no dated or inverse contracts; every market is `<COIN>-USD`, quoted
//! in USD per one coin and margined in USDC. Mark = index = `oraclePrice`.
//!
//! **Bid/ask substitute.** The order book is one request per market, which a scan must not
//! loop over, so bid/ask are `oraclePrice ∓ h` with `h = max(oraclePrice ×`
//! [`ASSUMED_HALF_SPREAD`]`, tickSize / 2)`: 5 bp, never less than half a tick. This is an
//! assumption, not a quote: the analyzer's round-trip cost for a dYdX leg becomes
//! `2 × (taker fee + h / oraclePrice)`, i.e. +0.1 % for most markets, whatever the real book;
//! and since the perp mid is the oracle, `basis_pct` against spot on other venues measures the
//! oracle's distance from that spot, not the perp's own premium.
//!
//! Rate limit: 100 requests per 10 s per IP on the indexer (each call weighs 1;
//! [`RATE_LIMITS_DOCS`]). Over the limit: HTTP 429 `{"errors":[{"msg":"Too many requests"}]}`
//! with a `Retry-After` in **milliseconds**.

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{Body, BodySignal, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

/// Host key of the indexer.
pub const HOST: &str = "main";

/// The indexer host: `BASIS_DYDX_URL`, default `https://indexer.dydx.trade`, 100 requests per
/// 10 s per IP. Docs: [`RATE_LIMITS_DOCS`].
pub const HOSTS: [HostSpec; 1] = [HostSpec {
    key: HOST,
    env: "BASIS_DYDX_URL",
    default_url: "https://indexer.dydx.trade",
    limit_weight: 100,
    limit_period: Duration::from_secs(10),
    budget_pct: 50,
    per_endpoint: false,
}];

/// Docs of the indexer's rate limits.
pub const RATE_LIMITS_DOCS: &str = "https://docs.dydx.xyz/concepts/trading/limits/rate-limits";

/// Endpoint name of the market list.
pub const PERPETUAL_MARKETS: &str = "perpetualMarkets";
/// Path of the market list (weight 1).
pub const PERPETUAL_MARKETS_PATH: &str = "/v4/perpetualMarkets";
/// Docs of [`PERPETUAL_MARKETS_PATH`].
pub const PERPETUAL_MARKETS_DOCS: &str =
    "https://docs.dydx.xyz/indexer-client/http#get-perpetual-markets";

/// Quote currency of every dYdX market.
pub const QUOTE: &str = "USD";

/// The only status that trades with taker orders.
pub const ACTIVE: &str = "ACTIVE";

/// Funding interval of every market, hours (`nextFundingRate` is a 1 h rate, paid hourly).
pub const FUNDING_INTERVAL_HOURS: i64 = 1;

/// Half-spread assumed around the oracle price, as a fraction: 0.0005 = 5 bp (see the module
/// docs).
pub const ASSUMED_HALF_SPREAD: Decimal = Decimal::from_parts(5, 0, 0, false, 4);

/// The `perpetualMarkets` request (all markets).
#[must_use]
pub fn perpetual_markets() -> Request {
    Request::get(PERPETUAL_MARKETS, HOST, PERPETUAL_MARKETS_PATH, 1)
}

/// The dYdX v4 adapter (indexer, perpetuals only).
#[derive(Debug, Clone, Copy)]
pub struct Dydx;

impl VenueAdapter for Dydx {
    /// The indexer's rate limiter sends `Retry-After` in milliseconds (v4-chain `rate-limit.ts`).
    fn retry_after_in_millis(&self) -> bool {
        true
    }

    fn venue(&self) -> Venue {
        Venue::Dydx
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![perpetual_markets()]
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// One request whatever `full`: `perpetualMarkets` already holds mark/index (the oracle),
    /// and nothing else is bulk.
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![perpetual_markets()]
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
    use crate::venue::Method;

    #[test]
    fn every_plan_is_one_unlimited_perpetual_markets_get() {
        for plan in [
            Dydx.reference_requests(),
            Dydx.snapshot_requests(false),
            Dydx.snapshot_requests(true),
        ] {
            assert_eq!(plan.len(), 1);
            let r = &plan[0];
            assert_eq!(
                (r.endpoint, r.host, r.path.as_str(), r.weight),
                (PERPETUAL_MARKETS, HOST, "/v4/perpetualMarkets", 1)
            );
            assert_eq!(r.method, Method::Get);
            assert!(r.query.is_empty(), "a `limit` would cap the market list");
            assert!(!r.optional);
        }
        assert_eq!(HOSTS[0].env, "BASIS_DYDX_URL");
        assert_eq!(HOSTS[0].default_url, "https://indexer.dydx.trade");
        assert_eq!(
            (HOSTS[0].limit_weight, HOSTS[0].limit_period),
            (100, Duration::from_secs(10))
        );
        assert_eq!(ASSUMED_HALF_SPREAD.to_string(), "0.0005");
    }
}
