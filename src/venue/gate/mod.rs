//! Gate v4 adapter: endpoints, limits, the `main` host and the request plans of USDT futures + spot.
//!
//! Request plan (bulk calls only; nothing is per symbol):
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `futures/usdt/contracts?limit=1000&offset=N` (paged) | [`CONTRACTS_DOCS`] |
//! | | `spot/currency_pairs` | [`CURRENCY_PAIRS_DOCS`] |
//! | scan and poll (3 requests, +1 per extra contracts page) | `futures/usdt/contracts` again (paged) | [`CONTRACTS_DOCS`] |
//! | | `futures/usdt/tickers` | [`TICKERS_DOCS`] |
//! | | `spot/tickers` | [`SPOT_TICKERS_DOCS`] |
//!
//! Gate's funding interval (`funding_interval`, seconds) and next settlement
//! (`funding_next_apply`, seconds) are only in the contract list, and both change (the
//! interval is shortened at runtime when rates hit their cap; the next time moves every
//! settlement). So the contract list is fetched twice: hourly as reference data (which
//! contracts are trading linear perpetuals, their `quanto_multiplier`) and on every poll as the
//! funding source (rate, interval, next time, mark, index). The tickers add bid/ask, 24 h
//! high/low, volumes and open interest. A full poll needs nothing more, so `full` changes
//! nothing. With `limit=1000` today's ~600 USDT contracts fit one page: three requests a scan.
//!
//! Gate limits public endpoints to 200 requests / 10 s per endpoint and IP; the host limiter is
//! one bucket of 200 per 10 s (half of it used), each call weighing 1.

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Body, BodySignal, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

/// Host key of Gate's only host.
pub const HOST: &str = "main";

/// The one Gate host: `BASIS_GATE_URL`, default `https://api.gateio.ws` (paths start with
/// `/api/v4`), 200 requests / 10 s per endpoint and IP on public endpoints (since 2024-01-22).
/// Docs: <https://www.gate.io/docs/developers/apiv4/en/#frequency-limit-rule>
pub const HOSTS: [HostSpec; 1] = [HostSpec {
    key: HOST,
    env: "BASIS_GATE_URL",
    default_url: "https://api.gateio.ws",
    limit_weight: 200,
    limit_period: Duration::from_secs(10),
    budget_pct: 50,
    per_endpoint: false,
}];

/// Weight of every call: Gate counts requests per endpoint.
pub const WEIGHT: u32 = 1;

/// Path of the USDT-settled contract list (`limit` default 100, max 1000; `offset`).
pub const CONTRACTS_PATH: &str = "/api/v4/futures/usdt/contracts";
/// Docs of [`CONTRACTS_PATH`].
pub const CONTRACTS_DOCS: &str =
    "https://www.gate.io/docs/developers/apiv4/en/#list-all-futures-contracts";

/// Path of the USDT-settled futures tickers (no `contract`: every contract).
pub const TICKERS_PATH: &str = "/api/v4/futures/usdt/tickers";
/// Docs of [`TICKERS_PATH`].
pub const TICKERS_DOCS: &str = "https://www.gate.io/docs/developers/apiv4/en/#list-futures-tickers";

/// Path of the spot pair list.
pub const CURRENCY_PAIRS_PATH: &str = "/api/v4/spot/currency_pairs";
/// Docs of [`CURRENCY_PAIRS_PATH`].
pub const CURRENCY_PAIRS_DOCS: &str =
    "https://www.gate.io/docs/developers/apiv4/en/#list-all-currency-pairs-supported";

/// Path of the spot tickers (no `currency_pair`: every pair).
pub const SPOT_TICKERS_PATH: &str = "/api/v4/spot/tickers";
/// Docs of [`SPOT_TICKERS_PATH`].
pub const SPOT_TICKERS_DOCS: &str =
    "https://www.gate.io/docs/developers/apiv4/en/#retrieve-ticker-information";

/// Endpoint name of the contract list fetched as reference data.
pub const CONTRACTS: &str = "contracts";
/// Endpoint name of the contract list fetched on every poll (funding source).
pub const CONTRACTS_LIVE: &str = "contracts-live";
/// Endpoint name of the futures tickers.
pub const TICKERS: &str = "tickers";
/// Endpoint name of the spot pair list.
pub const CURRENCY_PAIRS: &str = "currency-pairs";
/// Endpoint name of the spot tickers.
pub const SPOT_TICKERS: &str = "spot-tickers";

/// Page size of the contract list: the documented maximum.
pub const PAGE_LIMIT: usize = 1000;

/// Error label of a rate-limited request (sent with HTTP 429).
pub const RATE_LIMIT_LABEL: &str = "TOO_MANY_REQUESTS";

/// The Gate adapter (v4 USDT-settled perpetuals + spot).
#[derive(Debug, Clone, Copy)]
pub struct Gate;

fn contracts(endpoint: &'static str) -> Request {
    Request::get(endpoint, HOST, CONTRACTS_PATH, WEIGHT)
        .query("limit", PAGE_LIMIT.to_string())
        .query("offset", "0")
}

impl VenueAdapter for Gate {
    fn venue(&self) -> Venue {
        Venue::Gate
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    /// The contract list (paged) and the spot pair list.
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            contracts(CONTRACTS),
            Request::get(CURRENCY_PAIRS, HOST, CURRENCY_PAIRS_PATH, WEIGHT),
        ]
    }

    /// Follows the contract list with `offset += limit` while a page comes back full (Gate
    /// documents no cursor or total). Other endpoints are not paged.
    fn next_page(&self, request: &Request, body: &[u8]) -> Result<Option<Request>, ParseError> {
        if request.endpoint != CONTRACTS && request.endpoint != CONTRACTS_LIVE {
            return Ok(None);
        }
        let rows = parse::row_count(request.endpoint, body)?;
        let param = |key: &str| {
            request
                .query
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let limit = param("limit").unwrap_or(PAGE_LIMIT);
        if limit == 0 || rows < limit {
            return Ok(None);
        }
        let offset = param("offset").unwrap_or(0).saturating_add(limit);
        let mut next = request.clone();
        next.query.retain(|(k, _)| *k != "offset");
        next.query.push(("offset", offset.to_string()));
        Ok(Some(next))
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// The live contract list (paged), the futures tickers and the spot tickers, whether `full`
    /// or not: the tickers already carry mark, index and open interest.
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            contracts(CONTRACTS_LIVE),
            Request::get(TICKERS, HOST, TICKERS_PATH, WEIGHT),
            Request::get(SPOT_TICKERS, HOST, SPOT_TICKERS_PATH, WEIGHT),
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

    /// HTTP 429, or the label `TOO_MANY_REQUESTS`, is a rate limit; another `label` is an API
    /// error. Success bodies (bare arrays) and non-JSON bodies say nothing.
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
    fn plans_fit_the_budget_and_paths_follow_the_origin() {
        let scan = Gate.snapshot_requests(false);
        assert_eq!(scan, Gate.snapshot_requests(true));
        let names: Vec<&str> = scan.iter().map(|r| r.endpoint).collect();
        assert_eq!(names, [CONTRACTS_LIVE, TICKERS, SPOT_TICKERS]);
        assert_eq!(query(&scan[0]), [("limit", "1000"), ("offset", "0")]);
        assert!(scan[1].query.is_empty() && scan[2].query.is_empty());
        let refs = Gate.reference_requests();
        let names: Vec<&str> = refs.iter().map(|r| r.endpoint).collect();
        assert_eq!(names, [CONTRACTS, CURRENCY_PAIRS]);
        for r in refs.iter().chain(&scan) {
            assert!(r.path.starts_with("/api/v4/"), "{r:?}");
            assert_eq!((r.host, r.weight, r.optional), (HOST, 1, false));
        }
        assert_eq!(Gate.hosts()[0].env, "BASIS_GATE_URL");
        assert_eq!(Gate.hosts()[0].default_url, "https://api.gateio.ws");
    }

    fn page(n: usize) -> Vec<u8> {
        let rows: Vec<String> = (0..n)
            .map(|i| format!("{{\"name\":\"C{i}_USDT\"}}"))
            .collect();
        format!("[{}]", rows.join(",")).into_bytes()
    }

    #[test]
    fn next_page_advances_the_offset_while_pages_are_full() {
        let first = Gate.snapshot_requests(false).remove(0);
        let second = Gate
            .next_page(&first, &page(PAGE_LIMIT))
            .expect("ok")
            .expect("a full page has a successor");
        assert_eq!(query(&second), [("limit", "1000"), ("offset", "1000")]);
        let third = Gate
            .next_page(&second, &page(PAGE_LIMIT))
            .expect("ok")
            .expect("next");
        assert_eq!(query(&third), [("limit", "1000"), ("offset", "2000")]);
        assert_eq!(third.endpoint, CONTRACTS_LIVE);
        assert_eq!(Gate.next_page(&third, &page(999)).expect("ok"), None);
        assert_eq!(Gate.next_page(&first, b"[]").expect("ok"), None);
        // The reference list pages the same way; other endpoints never page.
        let reference = Gate.reference_requests().remove(0);
        assert!(
            Gate.next_page(&reference, &page(PAGE_LIMIT))
                .expect("ok")
                .is_some()
        );
        let tickers = Gate.snapshot_requests(false).remove(1);
        assert_eq!(
            Gate.next_page(&tickers, &page(PAGE_LIMIT)).expect("ok"),
            None
        );
        // A body that is not an array is an error naming the endpoint.
        let err = Gate
            .next_page(&first, br#"{"label":"X","message":"y"}"#)
            .expect_err("not a page");
        assert_eq!(err.endpoint, CONTRACTS_LIVE);
        let err = Gate
            .next_page(&first, b"[{\"name\":")
            .expect_err("truncated");
        assert!(err.detail.contains("malformed JSON"), "{err}");
    }
}
