//! Hyperliquid adapter: `POST /info` request plans (perps + spot), weights, the `main` host.
//!
//! Every call is `POST /info` with a JSON body `{"type": …}`; the endpoint names below are those
//! types. Request plan (bulk calls only; nothing is per coin):
//!
//! | plan | `type` | docs |
//! |---|---|---|
//! | reference (hourly) | `meta`, `spotMeta` | [`META_DOCS`], [`SPOT_META_DOCS`] |
//! | scan (`full = false`, 2 requests) | `metaAndAssetCtxs` | [`META_AND_ASSET_CTXS_DOCS`] |
//! | | `spotMetaAndAssetCtxs` | [`SPOT_META_AND_ASSET_CTXS_DOCS`] |
//! | poll (`full = true`, +1) | `predictedFundings` (optional) | [`PREDICTED_FUNDINGS_DOCS`] |
//!
//! The reference comes from `meta`/`spotMeta` (the instrument lists without market data); the
//! snapshot realigns each context with the universe of its own answer, so a coin listed after
//! the reference was cached is simply not reported until the next refresh. The two scan
//! requests carry everything the analyzer reads (funding, mark, oracle, mid, impact prices,
//! 24 h notional volume, open interest). `predictedFundings` only adds the venue's own next
//! funding time (otherwise the top of the next hour, which is what Hyperliquid documents).
//!
//! **Bid/ask substitute.** Hyperliquid has no bulk best bid/ask (`l2Book` is one call per
//! coin). Perps use `impactPxs` = `[bidImpact, askImpact]`, the average fill prices of a market
//! order of the venue's impact notional (thousands of USDC), so the half-spread the analyzer
//! derives is the cost of a realistic taker fill rather than of the touch: it *overstates* the
//! cost of small orders and is honest for sizes near the impact notional. Where `impactPxs` is
//! missing or crossed, and for every spot pair (spot contexts have only `midPx`), bid/ask are
//! `midPx ∓ midPx ×` [`ASSUMED_HALF_SPREAD`] (5 bp), an assumption, not a quote: the analyzer's
//! cost for such a leg is `2 × (fee + 0.0005)`. No mid, no bid/ask (the leg is skipped).
//!
//! Rate limit: 1200 weight per minute per IP on all REST requests; `meta`, `spotMeta`,
//! `metaAndAssetCtxs`, `spotMetaAndAssetCtxs` and `predictedFundings` weigh 20 each
//! ([`RATE_LIMITS_DOCS`]). Over the limit: HTTP 429; a malformed body: HTTP 422 with a text body.

mod parse;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{Body, BodySignal, HostSpec, Method, ParseError, Request, VenueAdapter};
use crate::model::{Reference, Snapshot, Venue};

/// Host key of Hyperliquid's only host.
pub const HOST: &str = "main";

/// The one Hyperliquid host: `BASIS_HYPERLIQUID_URL`, default `https://api.hyperliquid.xyz`,
/// 1200 weight per minute per IP. Docs: [`RATE_LIMITS_DOCS`].
pub const HOSTS: [HostSpec; 1] = [HostSpec {
    key: HOST,
    env: "BASIS_HYPERLIQUID_URL",
    default_url: "https://api.hyperliquid.xyz",
    limit_weight: 1200,
    limit_period: Duration::from_secs(60),
    budget_pct: 50,
    per_endpoint: false,
}];

/// Docs of the rate limits (weights of info requests).
pub const RATE_LIMITS_DOCS: &str = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits";

/// Path of every info request.
pub const INFO_PATH: &str = "/info";

/// Weight of every info request basis makes ("all other documented info requests": 20).
pub const INFO_WEIGHT: u32 = 20;

/// `{"type":"meta"}`: the perpetuals universe.
pub const META: &str = "meta";
/// Docs of [`META`].
pub const META_DOCS: &str = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals#retrieve-perpetuals-metadata-universe-and-margin-tables";

/// `{"type":"spotMeta"}`: spot tokens and pairs.
pub const SPOT_META: &str = "spotMeta";
/// Docs of [`SPOT_META`].
pub const SPOT_META_DOCS: &str = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/spot#retrieve-spot-metadata";

/// `{"type":"metaAndAssetCtxs"}`: universe + funding, mark, oracle, mid, impact prices, OI, volume.
pub const META_AND_ASSET_CTXS: &str = "metaAndAssetCtxs";
/// Docs of [`META_AND_ASSET_CTXS`].
pub const META_AND_ASSET_CTXS_DOCS: &str = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals#retrieve-perpetuals-asset-contexts-includes-mark-price-current-funding-open-interest-etc";

/// `{"type":"spotMetaAndAssetCtxs"}`: spot tokens and pairs + mark, mid, volume.
pub const SPOT_META_AND_ASSET_CTXS: &str = "spotMetaAndAssetCtxs";
/// Docs of [`SPOT_META_AND_ASSET_CTXS`].
pub const SPOT_META_AND_ASSET_CTXS_DOCS: &str = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/spot#retrieve-spot-asset-contexts";

/// `{"type":"predictedFundings"}`: next funding time and rate per coin and venue.
pub const PREDICTED_FUNDINGS: &str = "predictedFundings";
/// Docs of [`PREDICTED_FUNDINGS`].
pub const PREDICTED_FUNDINGS_DOCS: &str = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals#retrieve-predicted-funding-rates-for-different-venues";

/// Quote (and margin) currency of every Hyperliquid perp.
pub const PERP_QUOTE: &str = "USDC";

/// Funding interval of every Hyperliquid perp, hours (`funding` is a 1 h rate, paid hourly).
pub const FUNDING_INTERVAL_HOURS: i64 = 1;

/// Unit's wrapped spot tokens and the coin each stands for (exchange-apis README: "many spot
/// tokens are wrapped names (`UBTC`, `UETH`, `USOL`)").
pub const WRAPPED_TOKENS: [(&str, &str); 3] = [("UBTC", "BTC"), ("UETH", "ETH"), ("USOL", "SOL")];

/// Half-spread assumed where no impact prices exist (spot pairs; perps without `impactPxs`), as
/// a fraction of `midPx`: 0.0005 = 5 bp.
pub const ASSUMED_HALF_SPREAD: Decimal = Decimal::from_parts(5, 0, 0, false, 4);

/// `POST /info` with body `{"type":"<kind>"}`; `kind` doubles as the endpoint name.
#[must_use]
pub fn info_request(kind: &'static str) -> Request {
    Request {
        endpoint: kind,
        host: HOST,
        path: INFO_PATH.to_owned(),
        query: Vec::new(),
        method: Method::Post(format!(r#"{{"type":"{kind}"}}"#)),
        weight: INFO_WEIGHT,
        timestamp_param: None,
        optional: false,
    }
}

/// The Hyperliquid adapter (default perp dex + spot).
#[derive(Debug, Clone, Copy)]
pub struct Hyperliquid;

impl VenueAdapter for Hyperliquid {
    fn venue(&self) -> Venue {
        Venue::Hyperliquid
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![info_request(META), info_request(SPOT_META)]
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// The two scan requests (perp and spot contexts, weight 40); `full` adds
    /// `predictedFundings` (weight 20, optional) for the venue's own next funding times.
    fn snapshot_requests(&self, full: bool) -> Vec<Request> {
        let mut plan = vec![
            info_request(META_AND_ASSET_CTXS),
            info_request(SPOT_META_AND_ASSET_CTXS),
        ];
        if full {
            plan.push(info_request(PREDICTED_FUNDINGS).optional());
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
    fn plans_are_post_info_with_their_type_and_weight() {
        let scan = Hyperliquid.snapshot_requests(false);
        let kinds: Vec<&str> = scan.iter().map(|r| r.endpoint).collect();
        assert_eq!(kinds, [META_AND_ASSET_CTXS, SPOT_META_AND_ASSET_CTXS]);
        let full = Hyperliquid.snapshot_requests(true);
        assert_eq!(full.len(), 3);
        assert!(full[2].optional && !full[0].optional && !full[1].optional);
        for r in Hyperliquid.reference_requests().iter().chain(&full) {
            assert_eq!((r.host, r.path.as_str(), r.weight), (HOST, "/info", 20));
            assert!(r.query.is_empty());
            let Method::Post(body) = &r.method else {
                panic!("{r:?} is not a POST");
            };
            let v: serde_json::Value = serde_json::from_str(body).expect("JSON body");
            assert_eq!(v["type"], r.endpoint);
        }
        assert_eq!(HOSTS[0].env, "BASIS_HYPERLIQUID_URL");
        assert_eq!(HOSTS[0].default_url, "https://api.hyperliquid.xyz");
        assert_eq!(ASSUMED_HALF_SPREAD.to_string(), "0.0005");
    }
}
