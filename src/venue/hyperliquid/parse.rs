//! Hyperliquid payloads to domain types (pure): body check, universe filters, context alignment.
//!
//! Rules (see `exchange-apis/README.md`, Hyperliquid section):
//! - Perps (`meta.universe`): every coin not `isDelisted`; names with `:` (builder-deployed
//!   HIP-3 dexes, which need a `dex` parameter) are skipped. `kPEPE` is PEPE × 1000 (prices per
//!   1000 coins, sizes in `kPEPE` units); other names go through `split_multiplier`. Quote USDC,
//!   contract size 1 (sizes are in coins of the perp), interval not stated in the list.
//! - Spot (`spotMeta.universe`): the symbol is the pair name (`PURR/USDC`, `@107`); asset and
//!   quote are the names of `tokens[baseIdx]` / `tokens[quoteIdx]` (looked up by the tokens'
//!   `index`), with Unit's wrapped `UBTC`, `UETH`, `USOL` mapped to BTC, ETH, SOL. Pairs whose
//!   tokens do not resolve are dropped.
//! - Snapshot: perp contexts are aligned by position with the universe of the *same* answer (a
//!   length mismatch is logged and the common prefix used); a coin flagged `isDelisted` there is
//!   dropped even if the cached reference still lists it. Spot contexts are keyed by their `coin`
//!   when present, else aligned by position. `funding` is per 1 h, so the interval is 1; the next
//!   funding time is `predictedFundings`' `HlPerp` time when fetched, else the top of the hour
//!   after `received_at`. Bid/ask: `impactPxs`, else `midPx ∓` [`ASSUMED_HALF_SPREAD`]. Volume:
//!   `dayNtlVlm` (USDC). Open interest: `openInterest × multiplier` (coins of the asset). No 24 h
//!   high/low and no exchange time in these payloads: `None`.
//! - Duplicates: the first entry of a name wins, in lists and contexts.
//! - History: `fundingHistory` rows are `{coin, fundingRate, premium, time}` (ms), candles
//!   `{t, T, s, i, o, h, l, c, v, n}` (ms, prices per `kPEPE` unit); rows missing a time or a
//!   value are skipped. A `null` answer (an unknown coin) and a text answer (HTTP 422) are
//!   errors naming the endpoint.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    HlAssetCtx, HlCandle, HlFundingHistory, HlMeta, HlMetaAndAssetCtxs, HlPredictedCoin, HlSpotCtx,
    HlSpotMeta, HlSpotMetaAndAssetCtxs, HlSpotPair,
};
use super::{
    ASSUMED_HALF_SPREAD, CANDLE_SNAPSHOT, FUNDING_HISTORY, FUNDING_INTERVAL_HOURS, META,
    META_AND_ASSET_CTXS, PERP_QUOTE, PREDICTED_FUNDINGS, SPOT_META, SPOT_META_AND_ASSET_CTXS,
    WRAPPED_TOKENS,
};
use crate::model::{Instrument, Market, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_multiplier};
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows;
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

/// Longest excerpt of a text error body kept in a [`BodySignal::Api`] message.
const MAX_MSG_CHARS: usize = 200;

/// What a response says beyond its bytes. Hyperliquid has no envelope: HTTP 429 is the rate
/// limit; another 4xx with a (text) body, such as 422 "Failed to deserialize the JSON body…",
/// is an API error carrying that text; everything else is left to the status and the parser.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    match status {
        429 => BodySignal::RateLimited,
        400..=499 => {
            let text = String::from_utf8_lossy(body);
            let msg: String = text.trim().chars().take(MAX_MSG_CHARS).collect();
            if msg.is_empty() {
                BodySignal::Ok
            } else {
                BodySignal::Api {
                    code: status.to_string(),
                    msg,
                }
            }
        }
        _ => BodySignal::Ok,
    }
}

/// Every body of `endpoint` decoded as `T`, in request order; `required`: at least one.
fn docs<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    required: bool,
) -> Result<Vec<T>, ParseError> {
    kit::each_body(bodies, endpoint, required, |bytes| {
        kit::decode(endpoint, bytes)
    })
}

/// Perp coin name → (asset, multiplier): `kPEPE` → (`PEPE`, 1000); `None` for HIP-3 names.
fn perp_asset(name: &str) -> Option<(String, Decimal)> {
    if name.is_empty() || name.contains(':') || name.starts_with('@') {
        return None;
    }
    if let Some(rest) = name.strip_prefix('k')
        && rest.len() >= 2
        && rest.chars().next().is_some_and(|c| c.is_ascii_uppercase())
    {
        return Some((rest.to_owned(), Decimal::ONE_THOUSAND));
    }
    Some(split_multiplier(name))
}

/// Spot token name → coin (`UBTC` → `BTC`).
fn token_coin(name: &str) -> &str {
    WRAPPED_TOKENS
        .iter()
        .find(|(wrapped, _)| *wrapped == name)
        .map_or(name, |(_, coin)| coin)
}

fn perp_instrument(name: &str) -> Option<Instrument> {
    Some(rows::perp(
        Venue::Hyperliquid,
        name,
        perp_asset(name)?,
        PERP_QUOTE,
    ))
}

/// Token names by token index (the `index` field, else the position); first entry wins.
fn token_names<'m>(meta: &'m HlSpotMeta<'_>) -> HashMap<i64, &'m str> {
    let mut names = HashMap::with_capacity(meta.tokens.len());
    for (pos, token) in meta.tokens.iter().enumerate() {
        let index = token
            .index
            .get()
            .or_else(|| i64::try_from(pos).ok())
            .unwrap_or(-1);
        if let Some(name) = token.name.get() {
            names.entry(index).or_insert(name);
        }
    }
    names
}

fn spot_instrument(pair: &HlSpotPair<'_>, tokens: &HashMap<i64, &str>) -> Option<Instrument> {
    let symbol = pair.name.get()?;
    let (base, quote) = match pair.tokens.as_deref() {
        Some([base, quote]) => (*tokens.get(&base.get()?)?, *tokens.get(&quote.get()?)?),
        Some(_) => return None,
        None => symbol.split_once('/')?,
    };
    let (asset, quote) = (token_coin(base), token_coin(quote));
    if asset.is_empty() || quote.is_empty() || asset == quote {
        return None;
    }
    Some(rows::spot(Venue::Hyperliquid, symbol, asset, quote))
}

/// Parses `meta` and `spotMeta` into the listed (not delisted) perps and resolvable spot pairs.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let metas: Vec<HlMeta<'_>> = docs(bodies, META.name, true)?;
    let spot_metas: Vec<HlSpotMeta<'_>> = docs(bodies, SPOT_META.name, true)?;
    let mut instruments = Vec::new();
    let mut seen: HashSet<(Market, String)> = HashSet::new();
    let mut push = |inst: Instrument, listed: bool| {
        if !seen.insert((inst.market, inst.symbol.clone())) {
            tracing::debug!(venue = "hyperliquid", symbol = %inst.symbol, "duplicate universe entry ignored");
        } else if listed {
            instruments.push(inst);
        }
    };
    for meta in &metas {
        for asset in &meta.universe {
            // A delisted coin still claims its name, so a later duplicate cannot resurrect it.
            if let Some(inst) = asset.name.get().and_then(perp_instrument) {
                push(inst, !asset.is_delisted.is_true());
            }
        }
    }
    for meta in &spot_metas {
        let tokens = token_names(meta);
        for pair in &meta.universe {
            if let Some(inst) = spot_instrument(pair, &tokens) {
                push(inst, true);
            }
        }
    }
    Ok(Reference {
        instruments,
        ..Reference::default()
    })
}

/// `mid ∓ mid × ASSUMED_HALF_SPREAD`, when `mid` is positive.
fn around_mid(mid: Option<Decimal>) -> (Option<Decimal>, Option<Decimal>) {
    let Some(mid) = mid.filter(|m| *m > Decimal::ZERO) else {
        return (None, None);
    };
    let Some(half) = mid.checked_mul(ASSUMED_HALF_SPREAD) else {
        return (None, None);
    };
    match (mid.checked_sub(half), mid.checked_add(half)) {
        (Some(bid), Some(ask)) => (Some(bid.normalize()), Some(ask.normalize())),
        _ => (None, None),
    }
}

/// Perp bid/ask: the impact prices when both are positive and not crossed, else around `midPx`.
fn perp_bid_ask(ctx: &HlAssetCtx) -> (Option<Decimal>, Option<Decimal>) {
    match ctx.impact_pxs.pair() {
        Some((bid, ask)) if bid > Decimal::ZERO && ask >= bid => (Some(bid), Some(ask)),
        _ => around_mid(ctx.mid_px.get()),
    }
}

/// Perp contexts by coin name, aligned by position with their own answer's universe; `None` for
/// coins delisted in that answer. First entry of a name wins.
fn perp_contexts<'d>(
    docs: &'d [HlMetaAndAssetCtxs<'_>],
) -> HashMap<&'d str, Option<&'d HlAssetCtx>> {
    let mut map = HashMap::new();
    for HlMetaAndAssetCtxs(meta, ctxs) in docs {
        if meta.universe.len() != ctxs.len() {
            tracing::warn!(
                venue = "hyperliquid",
                universe = meta.universe.len(),
                contexts = ctxs.len(),
                "metaAndAssetCtxs: universe and contexts differ in length; using the common prefix"
            );
        }
        for (asset, ctx) in meta.universe.iter().zip(ctxs) {
            if let Some(name) = asset.name.get() {
                map.entry(name)
                    .or_insert((!asset.is_delisted.is_true()).then_some(ctx));
            }
        }
    }
    map
}

/// Spot contexts by pair name (`coin`, else the universe entry at the same position).
fn spot_contexts<'d>(
    docs: &'d [HlSpotMetaAndAssetCtxs<'_>],
) -> HashMap<&'d str, &'d HlSpotCtx<'d>> {
    let mut map = HashMap::new();
    for HlSpotMetaAndAssetCtxs(meta, ctxs) in docs {
        for (pos, ctx) in ctxs.iter().enumerate() {
            let name = ctx
                .coin
                .get()
                .or_else(|| meta.universe.get(pos).and_then(|p| p.name.get()));
            if let Some(name) = name {
                map.entry(name).or_insert(ctx);
            }
        }
    }
    map
}

/// `HlPerp` next funding times by coin from `predictedFundings`; first entry wins.
fn predicted_times<'d>(docs: &'d [Vec<HlPredictedCoin<'_>>]) -> HashMap<&'d str, DateTime<Utc>> {
    let mut map = HashMap::new();
    for HlPredictedCoin(coin, venues) in docs.iter().flatten() {
        let Some(coin) = coin.get() else {
            continue;
        };
        let time = venues
            .iter()
            .filter(|v| v.0.get() == Some("HlPerp"))
            .find_map(|v| v.1.as_ref()?.next_funding_time.get().and_then(ms_time));
        if let Some(time) = time {
            map.entry(coin).or_insert(time);
        }
    }
    map
}

/// Parses one poll's bodies: perp and spot contexts (required) and predicted fundings (optional).
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let perp_docs: Vec<HlMetaAndAssetCtxs<'_>> = docs(bodies, META_AND_ASSET_CTXS.name, true)?;
    let spot_docs: Vec<HlSpotMetaAndAssetCtxs<'_>> =
        docs(bodies, SPOT_META_AND_ASSET_CTXS.name, true)?;
    let predicted: Vec<Vec<HlPredictedCoin<'_>>> = docs(bodies, PREDICTED_FUNDINGS.name, false)?;
    let perp_ctx = perp_contexts(&perp_docs);
    let spot_ctx = spot_contexts(&spot_docs);
    let next_times = predicted_times(&predicted);
    let top_of_hour = rows::next_hour(received_at);
    let perp = |inst: &Instrument| {
        let symbol = inst.symbol.as_str();
        let Some(Some(ctx)) = perp_ctx.get(symbol) else {
            return None;
        };
        let (bid, ask) = perp_bid_ask(ctx);
        let funding = Funding {
            rate: ctx.funding.get()?,
            interval_hours: Decimal::from(FUNDING_INTERVAL_HOURS),
            next: next_times.get(symbol).copied().or(top_of_hour),
        };
        let book = Book {
            bid,
            ask,
            volume_24h_quote: ctx.day_ntl_vlm.get(),
            ..Book::default()
        };
        let marks = Marks {
            mark: ctx.mark_px.get(),
            index: ctx.oracle_px.get(),
            open_interest: rows::in_coins(ctx.open_interest.get(), inst),
        };
        Some((funding, book, marks))
    };
    let spot = |inst: &Instrument| {
        let ctx = spot_ctx.get(inst.symbol.as_str())?;
        let (bid, ask) = around_mid(ctx.mid_px.get());
        Some(Book {
            bid,
            ask,
            volume_24h_quote: ctx.day_ntl_vlm.get(),
            ..Book::default()
        })
    };
    Ok(rows::snapshot(
        Venue::Hyperliquid,
        reference,
        received_at,
        perp,
        spot,
    ))
}

/// The rows of one history answer (a bare array). `null` (what an unknown coin gets) and a
/// text body (HTTP 422 "Failed to deserialize…") are errors naming `endpoint`.
fn history_rows<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    body: &'a [u8],
) -> Result<Vec<T>, ParseError> {
    match serde_json::from_slice::<Option<Vec<T>>>(body) {
        Ok(Some(rows)) => Ok(rows),
        Ok(None) => Err(ParseError::new(endpoint, "answer is null (unknown coin?)")),
        Err(err) => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.starts_with(['[', '{']) || text.is_empty() {
                Err(ParseError::json(endpoint, &err))
            } else {
                let msg: String = text.chars().take(MAX_MSG_CHARS).collect();
                Err(ParseError::new(endpoint, format!("API error: {msg}")))
            }
        }
    }
}

/// Parses one page of `fundingHistory` (any order); rows without a time or a rate are skipped.
pub(super) fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let rows: Vec<HlFundingHistory> = history_rows(FUNDING_HISTORY.name, body)?;
    Ok(rows
        .iter()
        .filter_map(|r| kit::point(r.time.get(), r.funding_rate.get()))
        .collect())
}

/// Parses one `candleSnapshot` answer (perp or spot: the same shape); rows without an open
/// time, high, low or close are skipped.
pub(super) fn candles(body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let rows: Vec<HlCandle> = history_rows(CANDLE_SNAPSHOT.name, body)?;
    Ok(rows
        .iter()
        .filter_map(|r| kit::candle(r.t.get(), r.h.get(), r.l.get(), r.c.get()))
        .collect())
}

#[cfg(test)]
mod tests {
    //! Hyperliquid's own quirks (the next funding without predicted fundings, long error
    //! texts); what every venue does is pinned by `crate::venue::conformance`.

    use super::*;
    use crate::venue::VenueAdapter;
    use crate::venue::conformance::snapshot_from;
    use crate::venue::hyperliquid::Hyperliquid;
    use crate::venue::rows::quirky;

    #[test]
    fn scan_without_predicted_fundings_uses_the_next_full_hour() {
        let (q, r) = quirky(Venue::Hyperliquid, 1);
        let s = snapshot_from(Venue::Hyperliquid, &q.parts[..2], &r, q.received_ms);
        let next = ms_time(1_754_470_800_000);
        assert!(s.perps.iter().all(|p| p.next_funding_time == next));
        // Exactly on the hour: the next one.
        let on_the_hour = next.expect("a time");
        assert_eq!(rows::next_hour(on_the_hour), ms_time(1_754_474_400_000));
    }

    #[test]
    fn a_long_error_text_is_cut_to_200_bytes() {
        let long = "x".repeat(1000);
        let BodySignal::Api { msg, .. } = Hyperliquid.check_body(400, long.as_bytes()) else {
            panic!("400 with a body is an API error");
        };
        assert_eq!(msg.len(), 200);
    }
}
