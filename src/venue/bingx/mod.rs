//! BingX adapter: USDT/USDC perpetual swaps (v2) and spot (v1) on one host, endpoints and plans.
//!
//! Request plan (bulk calls, except the bounded per-symbol funding-history batch):
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `quote/contracts`, `common/symbols` | [`CONTRACTS_DOCS`], [`SPOT_SYMBOLS_DOCS`] |
//! | | `quote/premiumIndex` (optional: intervals and a server clock) | [`PREMIUM_INDEX_DOCS`] |
//! | details (≤ [`DETAIL_BATCH`] per refresh) | `quote/fundingRate?symbol=…&limit=3` | [`FUNDING_HISTORY_DOCS`] |
//! | scan (`full = false`, 3 requests) | `quote/premiumIndex`, `quote/ticker`, spot `ticker/24hr` | [`TICKER_DOCS`], [`SPOT_TICKER_DOCS`] |
//! | poll (`full = true`) | the same three | |
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
//! ban. The host bucket is that limit written over 2 s (2 per 2 s), so the 50 % budget is one
//! request every 2 s, for any mix of endpoints. Public calls are sent without the `timestamp`
//! parameter the docs list: the market endpoints answer without it, and a plan's requests are
//! built before they wait for the limiter, so a stamped time would go stale.

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Body, BodySignal, HostSpec, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

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

/// Endpoint name of the perpetual contract list.
pub const CONTRACTS: &str = "contracts";
/// Path of the contract list (1/s per IP: weight 1).
pub const CONTRACTS_PATH: &str = "/openApi/swap/v2/quote/contracts";
/// Docs of [`CONTRACTS_PATH`].
pub const CONTRACTS_DOCS: &str =
    "https://bingx-api.github.io/docs/#/swapV2/market-api.html#Contract%20Information";

/// Endpoint name of the spot pair list.
pub const SPOT_SYMBOLS: &str = "spot-symbols";
/// Path of the spot pair list (1/s per IP: weight 1).
pub const SPOT_SYMBOLS_PATH: &str = "/openApi/spot/v1/common/symbols";
/// Docs of [`SPOT_SYMBOLS_PATH`].
pub const SPOT_SYMBOLS_DOCS: &str =
    "https://bingx-api.github.io/docs/#/spot/market-api.html#Query%20Symbols";

/// Endpoint name of the bulk mark price / funding rows.
pub const PREMIUM_INDEX: &str = "premiumIndex";
/// Path of the premium index, every contract when `symbol` is omitted (1/s per IP: weight 1).
pub const PREMIUM_INDEX_PATH: &str = "/openApi/swap/v2/quote/premiumIndex";
/// Docs of [`PREMIUM_INDEX_PATH`].
pub const PREMIUM_INDEX_DOCS: &str =
    "https://bingx-api.github.io/docs/#/swapV2/market-api.html#Current%20Funding%20Rate";

/// Endpoint name of the bulk perpetual 24 h tickers.
pub const TICKER: &str = "ticker";
/// Path of the perpetual tickers, every contract when `symbol` is omitted (1/s: weight 1).
pub const TICKER_PATH: &str = "/openApi/swap/v2/quote/ticker";
/// Docs of [`TICKER_PATH`].
pub const TICKER_DOCS: &str = "https://github.com/BingX-API/api-ai-skills/blob/main/skills/swap-market/api-reference.md#8-24h-ticker-price-change-statistics";

/// Endpoint name of the bulk spot 24 h tickers.
pub const SPOT_TICKER: &str = "spot-ticker-24hr";
/// Path of the spot tickers, every pair when `symbol` is omitted (1/s per IP: weight 1).
pub const SPOT_TICKER_PATH: &str = "/openApi/spot/v1/ticker/24hr";
/// Docs of [`SPOT_TICKER_PATH`].
pub const SPOT_TICKER_DOCS: &str =
    "https://bingx-api.github.io/docs/#/spot/market-api.html#24-hour%20price%20changes";

/// Endpoint name of the per-symbol funding history (the interval fallback).
pub const FUNDING_HISTORY: &str = "fundingRate";
/// Path of the funding history (`symbol`, `limit`; 1/s per IP: weight 1).
pub const FUNDING_HISTORY_PATH: &str = "/openApi/swap/v2/quote/fundingRate";
/// Docs of [`FUNDING_HISTORY_PATH`].
pub const FUNDING_HISTORY_DOCS: &str = "https://bingx-api.github.io/docs/#/en-us/swapV2/market-api.html#Get%20Funding%20Rate%20History";

/// Settlements asked per history request: the two newest give the interval, a third survives a
/// duplicated row.
pub const HISTORY_LIMIT: u32 = 3;

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
            Request::get(CONTRACTS, HOST, CONTRACTS_PATH, 1).with_timestamp("timestamp"),
            Request::get(SPOT_SYMBOLS, HOST, SPOT_SYMBOLS_PATH, 1).with_timestamp("timestamp"),
            Request::get(PREMIUM_INDEX, HOST, PREMIUM_INDEX_PATH, 1)
                .with_timestamp("timestamp")
                .optional(),
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
            Request::get(PREMIUM_INDEX, HOST, PREMIUM_INDEX_PATH, 1).with_timestamp("timestamp"),
            Request::get(TICKER, HOST, TICKER_PATH, 1).with_timestamp("timestamp"),
            Request::get(SPOT_TICKER, HOST, SPOT_TICKER_PATH, 1).with_timestamp("timestamp"),
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

    fn default_ban(&self) -> Duration {
        DEFAULT_BAN
    }
}

/// The funding-history request of one contract (`symbol=BTC-USDT&limit=3`).
#[must_use]
pub fn funding_history_request(symbol: &str) -> Request {
    Request::get(FUNDING_HISTORY, HOST, FUNDING_HISTORY_PATH, 1)
        .with_timestamp("timestamp")
        .query("symbol", symbol)
        .query("limit", HISTORY_LIMIT.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_are_bulk_and_within_the_budget() {
        let scan = Bingx.snapshot_requests(false);
        assert_eq!(
            scan.iter().map(|r| r.endpoint).collect::<Vec<_>>(),
            [PREMIUM_INDEX, TICKER, SPOT_TICKER]
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
}
