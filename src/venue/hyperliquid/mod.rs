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
//! | funding history (per perp) | `fundingHistory` (`coin`, `startTime`, `endTime`) | [`FUNDING_HISTORY_DOCS`] |
//! | candles (per market) | `candleSnapshot` (`req`: `coin`, `interval` `1d`/`1h`, `startTime`, `endTime`) | [`CANDLE_SNAPSHOT_DOCS`] |
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
//! `metaAndAssetCtxs`, `spotMetaAndAssetCtxs` and `predictedFundings` weigh 20 each; the
//! history calls 20 plus 1 per 20 settlements (`fundingHistory`) or per 60 candles
//! (`candleSnapshot`) returned, charged here for the most the request can return
//! ([`RATE_LIMITS_DOCS`]). Over the limit: HTTP 429; a malformed body: HTTP 422 with a text body.

mod parse;
pub(crate) mod tiers;
mod wire;

use std::time::Duration;

use rust_decimal::Decimal;

use super::kit::{self, BarPage, Paging, Span};
use super::{Bar, CandleWindow, Endpoint, HostSpec, Request, VenueAdapter};

/// Host key of Hyperliquid's only host.
pub const HOST: &str = "main";

/// The one Hyperliquid host: `BASIS_HYPERLIQUID_URL`, default `https://api.hyperliquid.xyz`,
/// 1200 weight per minute per IP. Docs: [`RATE_LIMITS_DOCS`].
pub const HOSTS: [HostSpec; 1] =
    [
        HostSpec::new(HOST, "BASIS_HYPERLIQUID_URL", "https://api.hyperliquid.xyz")
            .limit(1200, Duration::from_secs(60)),
    ];

/// Weight of every info request basis makes ("all other documented info requests": 20).
pub const INFO_WEIGHT: u32 = 20;

/// Docs of the rate limits (weights of info requests).
pub const RATE_LIMITS_DOCS: &str = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits";

/// The info request `{"type":kind}` (POSTed to `/info` at [`INFO_WEIGHT`]), its docs at `page`
/// of the info endpoint's documentation.
macro_rules! info {
    ($kind:literal, $page:literal) => {
        Endpoint::new($kind, HOST, "/info", INFO_WEIGHT).docs(concat!(
            "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint",
            $page
        ))
    };
}

/// `{"type":"meta"}`: the perpetuals universe.
pub const META: Endpoint = info!(
    "meta",
    "/perpetuals#retrieve-perpetuals-metadata-universe-and-margin-tables"
);

/// `{"type":"spotMeta"}`: spot tokens and pairs.
pub const SPOT_META: Endpoint = info!("spotMeta", "/spot#retrieve-spot-metadata");

/// `{"type":"metaAndAssetCtxs"}`: universe + funding, mark, oracle, mid, impact prices, OI, volume.
pub const META_AND_ASSET_CTXS: Endpoint = info!(
    "metaAndAssetCtxs",
    "/perpetuals#retrieve-perpetuals-asset-contexts-includes-mark-price-current-funding-open-interest-etc"
);

/// `{"type":"spotMetaAndAssetCtxs"}`: spot tokens and pairs + mark, mid, volume.
pub const SPOT_META_AND_ASSET_CTXS: Endpoint =
    info!("spotMetaAndAssetCtxs", "/spot#retrieve-spot-asset-contexts");

/// `{"type":"predictedFundings"}`: next funding time and rate per coin and venue.
pub const PREDICTED_FUNDINGS: Endpoint = info!(
    "predictedFundings",
    "/perpetuals#retrieve-predicted-funding-rates-for-different-venues"
);

/// `{"type":"fundingHistory","coin":…,"startTime":…,"endTime":…}`: settled hourly funding of one
/// perp, oldest first, at most [`FUNDING_HISTORY_PAGE`] a page.
pub const FUNDING_HISTORY: Endpoint = info!(
    "fundingHistory",
    "/perpetuals#retrieve-historical-funding-rates"
);

/// Most settlements a `fundingHistory` answer holds.
pub const FUNDING_HISTORY_PAGE: usize = 500;

/// `{"type":"candleSnapshot","req":{"coin":…,"interval":…,"startTime":…,"endTime":…}}`: candles
/// of a perp (`BTC`, `kPEPE`) or spot pair (`PURR/USDC`, `@107`), oldest first, the running one
/// last; only the latest [`CANDLE_HISTORY`] of a coin and interval exist.
pub const CANDLE_SNAPSHOT: Endpoint = info!("candleSnapshot", "#candle-snapshot");
/// Candles Hyperliquid keeps per coin and interval (and so the most one answer holds).
pub const CANDLE_HISTORY: i64 = 5000;

/// Weight of a history call that may return `items` rows: 20, plus 1 per `per` rows (rounded
/// up, to stay on the safe side of the limiter).
#[must_use]
pub fn history_weight(items: i64, per: i64) -> u32 {
    let extra = (items.max(0) + per - 1) / per.max(1);
    INFO_WEIGHT.saturating_add(u32::try_from(extra).unwrap_or(u32::MAX))
}

/// The candle `interval` of `bar` (UTC-aligned on Hyperliquid).
#[must_use]
pub const fn interval(bar: Bar) -> &'static str {
    kit::per_bar(bar, "1h", "1d")
}

/// `text` as a JSON string literal.
fn json_str(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

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

/// `POST /info` with body `{"type":"<name>"}` (the endpoint's name is the request's type).
#[must_use]
pub fn info_request(endpoint: Endpoint) -> Request {
    endpoint.post(
        format!(r#"{{"type":"{}"}}"#, endpoint.name),
        endpoint.weight,
    )
}

/// The Hyperliquid adapter (default perp dex + spot).
#[derive(Debug, Clone, Copy)]
pub struct Hyperliquid;

impl VenueAdapter for Hyperliquid {
    kit::adapter_basics! {
        history: Paging::forward(FUNDING_HISTORY_PAGE),
        parse: reference, snapshot, body_signal, funding_history, candles,
    }

    fn reference_requests(&self) -> Vec<Request> {
        vec![info_request(META), info_request(SPOT_META)]
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

    /// Pages forwards: the first page starts at `start_ms`, each next one a millisecond after
    /// the newest settlement received, all ending at `end_ms`. Stops after an empty or short
    /// page (fewer than [`FUNDING_HISTORY_PAGE`]) or one reaching `end_ms`. Weight: 20 plus 1
    /// per 20 of the settlements the rest of the window can hold (hourly), at most a page.
    fn history_page(&self, symbol: &str, span: Span) -> Option<Request> {
        let Span { from, to, .. } = span;
        let hour = FUNDING_INTERVAL_HOURS * 3_600_000;
        let items = ((to - from) / hour + 1).min(i64::try_from(span.full).ok()?);
        let body = format!(
            r#"{{"type":"{FUNDING_HISTORY}","coin":{},"startTime":{from},"endTime":{to}}}"#,
            json_str(symbol)
        );
        Some(FUNDING_HISTORY.post(body, history_weight(items, 20)))
    }

    /// One `candleSnapshot` for the whole window (perps by coin, spot by the pair name or
    /// `@index` of the snapshot); should an answer ever hold [`CANDLE_HISTORY`] rows without
    /// reaching the window's end, the next starts a bar after its newest candle. Weight: 20
    /// plus 1 per 60 candles the request can return.
    fn candle_paging(&self, _window: &CandleWindow<'_>) -> Option<Paging> {
        Some(Paging::forward(usize::try_from(CANDLE_HISTORY).ok()?))
    }

    fn candle_page(&self, window: &CandleWindow<'_>, page: BarPage) -> Option<Request> {
        let body = format!(
            r#"{{"type":"{CANDLE_SNAPSHOT}","req":{{"coin":{},"interval":"{}","startTime":{},"endTime":{}}}}}"#,
            json_str(window.symbol),
            interval(window.bar),
            page.from,
            page.to
        );
        let items = i64::try_from(page.bars).ok()?;
        Some(CANDLE_SNAPSHOT.post(body, history_weight(items, 60)))
    }
}
