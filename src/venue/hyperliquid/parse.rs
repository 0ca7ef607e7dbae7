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
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_multiplier};
use crate::venue::kit::{self, Book, Funding};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

const MS_PER_HOUR: i64 = 3_600_000;

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
    let (asset, multiplier) = perp_asset(name)?;
    Some(Instrument {
        venue: Venue::Hyperliquid,
        market: Market::Perp,
        symbol: name.to_owned(),
        asset,
        quote: PERP_QUOTE.to_owned(),
        multiplier,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
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
    Some(Instrument {
        venue: Venue::Hyperliquid,
        market: Market::Spot,
        symbol: symbol.to_owned(),
        asset: asset.to_owned(),
        quote: quote.to_owned(),
        multiplier: Decimal::ONE,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
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

/// The top of the hour after `t` (Hyperliquid settles funding every full hour).
fn next_hour(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    t.timestamp_millis()
        .div_euclid(MS_PER_HOUR)
        .checked_add(1)?
        .checked_mul(MS_PER_HOUR)
        .and_then(ms_time)
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
    let top_of_hour = next_hour(received_at);

    let mut perps = Vec::new();
    let mut spots = Vec::new();
    for inst in &reference.instruments {
        let symbol = inst.symbol.as_str();
        match inst.market {
            Market::Perp => {
                let Some(Some(ctx)) = perp_ctx.get(symbol) else {
                    continue;
                };
                let Some(rate) = ctx.funding.get() else {
                    continue;
                };
                let (bid, ask) = perp_bid_ask(ctx);
                let funding = Funding {
                    rate,
                    interval_hours: Decimal::from(FUNDING_INTERVAL_HOURS),
                    next: next_times.get(symbol).copied().or(top_of_hour),
                };
                let book = Book {
                    bid,
                    ask,
                    volume_24h_quote: ctx.day_ntl_vlm.get(),
                    ..Book::default()
                };
                perps.push(PerpQuote {
                    mark_price: ctx.mark_px.get(),
                    index_price: ctx.oracle_px.get(),
                    open_interest: ctx
                        .open_interest
                        .get()
                        .and_then(|oi| oi.checked_mul(inst.multiplier))
                        .map(|oi| oi.normalize()),
                    ..kit::perp_quote(inst, funding, book, received_at)
                });
            }
            Market::Spot => {
                let Some(ctx) = spot_ctx.get(symbol) else {
                    continue;
                };
                let (bid, ask) = around_mid(ctx.mid_px.get());
                let book = Book {
                    bid,
                    ask,
                    volume_24h_quote: ctx.day_ntl_vlm.get(),
                    ..Book::default()
                };
                spots.push(kit::spot_quote(inst, book, received_at));
            }
        }
    }
    Ok(Snapshot {
        venue: Venue::Hyperliquid,
        received_at,
        perps,
        spots,
    })
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
    let rows: Vec<HlFundingHistory<'_>> = history_rows(FUNDING_HISTORY.name, body)?;
    Ok(rows
        .iter()
        .filter_map(|r| kit::point(r.time.get(), r.funding_rate.get()))
        .collect())
}

/// Parses one `candleSnapshot` answer (perp or spot: the same shape); rows without an open
/// time, high, low or close are skipped.
pub(super) fn candles(body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let rows: Vec<HlCandle<'_>> = history_rows(CANDLE_SNAPSHOT.name, body)?;
    Ok(rows
        .iter()
        .filter_map(|r| kit::candle(r.t.get(), r.h.get(), r.l.get(), r.c.get()))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;
    use crate::model::SpotQuote;
    use crate::venue::hyperliquid::Hyperliquid;
    use crate::venue::testkit::{candle as bar, mutate, mutation, point};
    use crate::venue::{Request, VenueAdapter};

    const META_J: &str = include_str!("../../../fixtures/hyperliquid/meta.json");
    const META_Q: &str = include_str!("../../../fixtures/hyperliquid/meta-quirks.json");
    const SPOT_META_J: &str = include_str!("../../../fixtures/hyperliquid/spotMeta.json");
    const SPOT_META_Q: &str = include_str!("../../../fixtures/hyperliquid/spotMeta-quirks.json");
    const CTXS: &str = include_str!("../../../fixtures/hyperliquid/metaAndAssetCtxs.json");
    const CTXS_Q: &str = include_str!("../../../fixtures/hyperliquid/metaAndAssetCtxs-quirks.json");
    const SPOT_CTXS: &str = include_str!("../../../fixtures/hyperliquid/spotMetaAndAssetCtxs.json");
    const SPOT_CTXS_Q: &str =
        include_str!("../../../fixtures/hyperliquid/spotMetaAndAssetCtxs-quirks.json");
    const PREDICTED: &str = include_str!("../../../fixtures/hyperliquid/predictedFundings.json");
    const HISTORY: &str = include_str!("../../../fixtures/hyperliquid/fundingHistory.json");
    const CANDLES: &str = include_str!("../../../fixtures/hyperliquid/candleSnapshot.json");
    const PREDICTED_Q: &str =
        include_str!("../../../fixtures/hyperliquid/predictedFundings-quirks.json");
    const UNPROCESSABLE: &str =
        include_str!("../../../fixtures/hyperliquid/error-unprocessable.txt");

    /// An optional price, volume or open interest.
    type Px = Option<Decimal>;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn t(ms: i64) -> Option<DateTime<Utc>> {
        ms_time(ms)
    }

    /// 2025-08-06 08:30 UTC: half an hour before the fixtures' next funding (09:00).
    fn received() -> DateTime<Utc> {
        t(1_754_469_000_000).expect("time")
    }

    fn request(endpoint: &'static str) -> Request {
        Hyperliquid
            .reference_requests()
            .into_iter()
            .chain(Hyperliquid.snapshot_requests(true))
            .find(|r| r.endpoint == endpoint)
            .expect("known endpoint")
    }

    /// Runs `f` on bodies built from (endpoint, payload) pairs.
    fn with_bodies<R>(parts: &[(&'static str, &[u8])], f: impl FnOnce(&[Body<'_>]) -> R) -> R {
        let requests: Vec<Request> = parts.iter().map(|(e, _)| request(e)).collect();
        let bodies: Vec<Body<'_>> = requests
            .iter()
            .zip(parts)
            .map(|(request, (_, bytes))| Body { request, bytes })
            .collect();
        f(&bodies)
    }

    fn bytes<'a>(parts: &[(&'static str, &'a str)]) -> Vec<(&'static str, &'a [u8])> {
        parts.iter().map(|(e, b)| (*e, b.as_bytes())).collect()
    }

    fn reference_of(parts: &[(&'static str, &str)]) -> Result<Reference, ParseError> {
        with_bodies(&bytes(parts), reference)
    }

    fn snapshot_of(
        parts: &[(&'static str, &str)],
        reference: &Reference,
    ) -> Result<Snapshot, ParseError> {
        with_bodies(&bytes(parts), |b| snapshot(b, reference, received()))
    }

    fn perp(symbol: &str, asset: &str, multiplier: &str) -> Instrument {
        Instrument {
            venue: Venue::Hyperliquid,
            market: Market::Perp,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: "USDC".into(),
            multiplier: d(multiplier),
            contract_size: Decimal::ONE,
            funding_interval_hours: None,
        }
    }

    fn spot(symbol: &str, asset: &str, quote: &str) -> Instrument {
        Instrument {
            market: Market::Spot,
            quote: quote.into(),
            ..perp(symbol, asset, "1")
        }
    }

    fn quirky_reference() -> Reference {
        reference_of(&[(META.name, META_Q), (SPOT_META.name, SPOT_META_Q)])
            .expect("quirky lists parse")
    }

    #[test]
    fn documented_meta_and_spot_meta_give_usdc_perps_and_the_purr_pair() {
        let r =
            reference_of(&[(META.name, META_J), (SPOT_META.name, SPOT_META_J)]).expect("parses");
        assert_eq!(
            r.instruments,
            vec![
                perp("BTC", "BTC", "1"),
                perp("ETH", "ETH", "1"),
                // onlyIsolated perps still trade.
                perp("HPOS", "HPOS", "1"),
                spot("PURR/USDC", "PURR", "USDC"),
            ]
        );
    }

    #[test]
    fn quirky_lists_drop_delisted_and_hip3_coins_and_resolve_spot_tokens() {
        assert_eq!(
            quirky_reference().instruments,
            vec![
                perp("BTC", "BTC", "1"),
                perp("kPEPE", "PEPE", "1000"),
                perp("ETH", "ETH", "1"),
                // OLDCOIN (isDelisted) is gone; the duplicate BTC, the nameless entry and the
                // HIP-3 `xyz:TSLA` too.
                perp("HPOS", "HPOS", "1"),
                perp("SOL", "SOL", "1"),
                perp("DOGE", "DOGE", "1"),
                // `isDelisted: false` lists normally.
                perp("AVAX", "AVAX", "1"),
                spot("PURR/USDC", "PURR", "USDC"),
                // Token 150 found by its `index`, not its position.
                spot("@107", "HYPE", "USDC"),
                // Unit's wrapped tokens map to the coin.
                spot("@142", "BTC", "USDC"),
                spot("@151", "ETH", "USDC"),
                spot("@156", "SOL", "USDC"),
                spot("@166", "USDT0", "USDC"),
                // @999 (unknown token), the duplicate @107 and the one-token @160 are dropped.
            ]
        );
    }

    #[test]
    fn documented_contexts_parse_to_exact_values() {
        let r =
            reference_of(&[(META.name, META_J), (SPOT_META.name, SPOT_META_J)]).expect("parses");
        let s = snapshot_of(
            &[
                (META_AND_ASSET_CTXS.name, CTXS),
                (SPOT_META_AND_ASSET_CTXS.name, SPOT_CTXS),
                (PREDICTED_FUNDINGS.name, PREDICTED),
            ],
            &r,
        )
        .expect("parses");
        assert_eq!((s.venue, s.received_at), (Venue::Hyperliquid, received()));
        assert_eq!(
            s.perps[0],
            PerpQuote {
                venue: Venue::Hyperliquid,
                symbol: "BTC".into(),
                asset: "BTC".into(),
                quote: "USDC".into(),
                multiplier: Decimal::ONE,
                funding_rate: d("0.0000125"),
                funding_interval_hours: d("1"),
                next_funding_time: t(1_754_470_800_000),
                mark_price: Some(d("14.3161")),
                index_price: Some(d("14.32")),
                // impactPxs [bid, ask].
                bid: Some(d("14.3047")),
                ask: Some(d("14.3444")),
                high_24h: None,
                low_24h: None,
                // dayNtlVlm is already USDC notional; openInterest is in coins.
                volume_24h_quote: Some(d("1169046.29406")),
                open_interest: Some(d("688.11")),
                exchange_time: None,
                received_at: received(),
            }
        );
        let rest: Vec<(&str, Px, Px, Px)> = s.perps[1..]
            .iter()
            .map(|p| (p.symbol.as_str(), p.bid, p.ask, p.open_interest))
            .collect();
        assert_eq!(
            rest,
            [
                (
                    "ETH",
                    Some(d("6.0386")),
                    Some(d("6.0562")),
                    Some(d("1882.55"))
                ),
                (
                    "HPOS",
                    Some(d("8.4505")),
                    Some(d("8.4722")),
                    Some(d("2912.05"))
                ),
            ]
        );
        assert!(
            s.perps
                .iter()
                .all(|p| p.funding_interval_hours == Decimal::ONE)
        );
        // HPOS has no predictedFundings entry: the top of the next hour.
        assert_eq!(s.perps[2].next_funding_time, t(1_754_470_800_000));
        assert_eq!(
            s.spots,
            vec![SpotQuote {
                venue: Venue::Hyperliquid,
                symbol: "PURR/USDC".into(),
                asset: "PURR".into(),
                quote: "USDC".into(),
                // midPx 0.209265 ∓ 5 bp (spot contexts have no bid/ask).
                bid: Some(d("0.2091603675")),
                ask: Some(d("0.2093696325")),
                high_24h: None,
                low_24h: None,
                volume_24h_quote: Some(d("8906.0")),
                exchange_time: None,
                received_at: received(),
            }]
        );
    }

    #[test]
    fn quirky_contexts_align_by_index_and_convert_units() {
        let r = quirky_reference();
        let s = snapshot_of(
            &[
                (META_AND_ASSET_CTXS.name, CTXS_Q),
                (SPOT_META_AND_ASSET_CTXS.name, SPOT_CTXS_Q),
                (PREDICTED_FUNDINGS.name, PREDICTED_Q),
            ],
            &r,
        )
        .expect("parses");
        // Reference order. Dropped: SOL (funding ""), AVAX (delisted since the reference was
        // cached), OLDCOIN (delisted), NEWCOIN (not in the reference).
        let symbols: Vec<&str> = s.perps.iter().map(|p| p.symbol.as_str()).collect();
        assert_eq!(symbols, ["BTC", "kPEPE", "ETH", "HPOS", "DOGE"]);
        type Row = (Decimal, Option<DateTime<Utc>>, Px, Px, Px, Px);
        let rows: Vec<Row> = s
            .perps
            .iter()
            .map(|p| {
                (
                    p.funding_rate,
                    p.next_funding_time,
                    p.bid,
                    p.ask,
                    p.volume_24h_quote,
                    p.open_interest,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                // First predictedFundings entry wins over the duplicate's 12:00.
                (
                    d("0.0000125"),
                    t(1_754_470_800_000),
                    Some(d("97000")),
                    Some(d("97010")),
                    Some(d("1169046.29406")),
                    Some(d("688.11")),
                ),
                // kPEPE: prices per 1000 PEPE as quoted; OI 2.5e9 kPEPE = 2.5e12 PEPE;
                // HlPerp null: the top of the next hour.
                (
                    d("-0.00002"),
                    t(1_754_470_800_000),
                    Some(d("0.011204")),
                    Some(d("0.011212")),
                    Some(d("3500000.5")),
                    Some(d("2500000000000")),
                ),
                // funding as a JSON number in exponent form; impactPxs null: midPx ∓ 5 bp;
                // openInterest "".
                (
                    d("0.0000125"),
                    t(1_754_470_800_000),
                    Some(d("3398.79975")),
                    Some(d("3402.20025")),
                    Some(d("250000000.1")),
                    None,
                ),
                // No impactPxs and no midPx: no bid/ask; dayNtlVlm "".
                (
                    d("0.0000125"),
                    t(1_754_470_800_000),
                    None,
                    None,
                    None,
                    Some(d("2912.05")),
                ),
                // Crossed impactPxs: midPx ∓ 5 bp; next time from a string (10:00).
                (
                    d("-0.0000031"),
                    t(1_754_474_400_000),
                    Some(d("0.37491245")),
                    Some(d("0.37528755")),
                    Some(d("4500000.25")),
                    Some(d("90000000")),
                ),
            ]
        );
        let pepe = &s.perps[1];
        assert_eq!(
            (pepe.asset.as_str(), pepe.multiplier, pepe.quote.as_str()),
            ("PEPE", d("1000"), "USDC")
        );
        assert_eq!(
            (pepe.mark_price, pepe.index_price),
            (Some(d("0.011208")), Some(d("0.011215")))
        );
        assert_eq!(s.perps[2].mark_price, Some(d("3400.4")), "number markPx");

        let spots: Vec<(&str, &str, Px, Px, Px)> = s
            .spots
            .iter()
            .map(|q| {
                (
                    q.symbol.as_str(),
                    q.asset.as_str(),
                    q.bid,
                    q.ask,
                    q.volume_24h_quote,
                )
            })
            .collect();
        assert_eq!(
            spots,
            [
                (
                    "PURR/USDC",
                    "PURR",
                    Some(d("0.2091603675")),
                    Some(d("0.2093696325")),
                    Some(d("8906.0"))
                ),
                // midPx null, dayNtlVlm "".
                ("@107", "HYPE", None, None, None),
                // Contexts keyed by `coin` (not in universe order); the duplicate @142 ignored.
                (
                    "@142",
                    "BTC",
                    Some(d("96953.499")),
                    Some(d("97050.501")),
                    Some(d("5000000.5"))
                ),
                // Numbers instead of strings.
                (
                    "@151",
                    "ETH",
                    Some(d("3399.2995")),
                    Some(d("3402.7005")),
                    Some(d("1234.5"))
                ),
                ("@156", "SOL", None, None, Some(d("50000.0"))),
                (
                    "@166",
                    "USDT0",
                    Some(d("0.999350075")),
                    Some(d("1.000349925")),
                    Some(d("700000.0"))
                ),
            ]
        );
    }

    #[test]
    fn scan_without_predicted_fundings_uses_the_next_full_hour() {
        let r = quirky_reference();
        let s = snapshot_of(
            &[
                (META_AND_ASSET_CTXS.name, CTXS_Q),
                (SPOT_META_AND_ASSET_CTXS.name, SPOT_CTXS_Q),
            ],
            &r,
        )
        .expect("parses");
        assert!(
            s.perps
                .iter()
                .all(|p| p.next_funding_time == t(1_754_470_800_000))
        );
        // Exactly on the hour: the next one.
        assert_eq!(
            next_hour(t(1_754_470_800_000).expect("t")),
            t(1_754_474_400_000)
        );
    }

    #[test]
    fn malformed_documents_and_missing_bodies_name_the_endpoint() {
        let r = quirky_reference();
        let ok = [
            (META_AND_ASSET_CTXS.name, CTXS_Q),
            (SPOT_META_AND_ASSET_CTXS.name, SPOT_CTXS_Q),
            (PREDICTED_FUNDINGS.name, PREDICTED_Q),
        ];
        let cases: [(&'static str, &str, &str); 6] = [
            (
                META_AND_ASSET_CTXS.name,
                r#"[{"universe":[{"name":"BTC"}]},[{"#,
                "malformed JSON",
            ),
            (META_AND_ASSET_CTXS.name, "null", "malformed JSON"),
            (
                META_AND_ASSET_CTXS.name,
                r#"{"universe":[]}"#,
                "malformed JSON",
            ),
            (
                SPOT_META_AND_ASSET_CTXS.name,
                r#"[{"tokens":[]},[]]"#,
                "universe",
            ),
            (PREDICTED_FUNDINGS.name, r#"[["BTC"]]"#, "malformed JSON"),
            (META_AND_ASSET_CTXS.name, UNPROCESSABLE, "malformed JSON"),
        ];
        for (endpoint, body, detail) in cases {
            let parts: Vec<(&'static str, &str)> = ok
                .iter()
                .map(|(e, b)| (*e, if *e == endpoint { body } else { *b }))
                .collect();
            let err = snapshot_of(&parts, &r).expect_err(body);
            assert_eq!(err.endpoint, endpoint);
            assert!(err.detail.contains(detail), "{err}");
        }
        let err = snapshot_of(&ok[..1], &r).expect_err("spot missing");
        assert_eq!(
            err,
            ParseError::new(SPOT_META_AND_ASSET_CTXS.name, "response missing")
        );
        let err = reference_of(&[(META.name, META_J)]).expect_err("spotMeta missing");
        assert_eq!(err.endpoint, SPOT_META.name);
    }

    #[test]
    fn check_body_maps_429_and_text_errors() {
        assert_eq!(Hyperliquid.check_body(429, b""), BodySignal::RateLimited);
        assert_eq!(
            Hyperliquid.check_body(429, b"Too many requests"),
            BodySignal::RateLimited
        );
        assert_eq!(
            Hyperliquid.check_body(422, UNPROCESSABLE.as_bytes()),
            BodySignal::Api {
                code: "422".into(),
                msg: "Failed to deserialize the JSON body into the target type: missing field `type` at line 1 column 2".into(),
            }
        );
        assert_eq!(Hyperliquid.check_body(200, CTXS.as_bytes()), BodySignal::Ok);
        assert_eq!(Hyperliquid.check_body(404, b"  "), BodySignal::Ok);
        assert_eq!(
            Hyperliquid.check_body(502, b"<html>bad gateway</html>"),
            BodySignal::Ok
        );
        let long = "x".repeat(1000);
        let BodySignal::Api { msg, .. } = Hyperliquid.check_body(400, long.as_bytes()) else {
            panic!("400 with a body is an API error");
        };
        assert_eq!(msg.len(), 200);
    }

    const MUTABLE: [(&str, &str); 5] = [
        (META.name, META_Q),
        (SPOT_META.name, SPOT_META_Q),
        (META_AND_ASSET_CTXS.name, CTXS_Q),
        (SPOT_META_AND_ASSET_CTXS.name, SPOT_CTXS_Q),
        (PREDICTED_FUNDINGS.name, PREDICTED_Q),
    ];

    /// Both sides or neither, positive and not crossed.
    fn sane(bid: Option<Decimal>, ask: Option<Decimal>) -> bool {
        match (bid, ask) {
            (Some(b), Some(a)) => b > Decimal::ZERO && b <= a,
            (None, None) => true,
            _ => false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn mutated_payloads_never_panic(
            which in 0..MUTABLE.len(),
            m in mutation(),
        ) {
            let (endpoint, text) = MUTABLE[which];
            let mutated = mutate(text, &m);
            let _ = Hyperliquid.check_body(200, &mutated);
            let _ = Hyperliquid.check_body(422, &mutated);
            let good_ref = quirky_reference();
            let parts: Vec<(&'static str, &[u8])> = MUTABLE
                .iter()
                .map(|(e, b)| (*e, if *e == endpoint { &mutated[..] } else { b.as_bytes() }))
                .collect();
            let (ref_result, snap_result) = with_bodies(&parts, |bodies| {
                (reference(bodies), snapshot(bodies, &good_ref, received()))
            });
            let result_for_endpoint = if endpoint == META.name || endpoint == SPOT_META.name {
                ref_result.map(|_| ())
            } else {
                snap_result.as_ref().map(|_| ()).map_err(Clone::clone)
            };
            if m.truncates() {
                // A strict prefix of a JSON document is never a document.
                let err = result_for_endpoint.expect_err("truncated payload must fail");
                prop_assert_eq!(err.endpoint, endpoint);
            }
            if let Ok(s) = snap_result {
                let known: HashSet<&str> =
                    good_ref.instruments.iter().map(|i| i.symbol.as_str()).collect();
                prop_assert!(s.perps.iter().all(|p| known.contains(p.symbol.as_str())));
                prop_assert!(s.spots.iter().all(|q| known.contains(q.symbol.as_str())));
                prop_assert!(s.perps.iter().all(|p| p.funding_interval_hours == Decimal::ONE));
                prop_assert!(s.perps.iter().all(|p| sane(p.bid, p.ask)));
                prop_assert!(s.spots.iter().all(|q| sane(q.bid, q.ask)));
            }
        }
    }

    #[test]
    fn funding_history_parses_to_exact_points() {
        assert_eq!(
            funding_history(HISTORY.as_bytes()).expect("parses"),
            vec![
                point(1_769_908_800_000, "0.0000125"),
                point(1_769_912_400_000, "-0.0000081"),
                point(1_769_916_000_000, "0.0000033"),
            ],
            "the third row has no premium"
        );
        let quirks = br#"[{"coin":"kPEPE","fundingRate":-1.25e-5,"time":"1769920000000"},
            {"coin":"kPEPE","fundingRate":"","time":1769923600000},{"coin":"kPEPE","fundingRate":"0.1"}]"#;
        assert_eq!(
            funding_history(quirks).expect("parses"),
            vec![point(1_769_920_000_000, "-0.0000125")]
        );
        assert_eq!(funding_history(b"[]"), Ok(Vec::new()));
        let err = funding_history(b"null").expect_err("unknown coin");
        assert_eq!(err.endpoint, "fundingHistory");
        assert!(err.detail.contains("unknown coin"), "{err}");
        let err = funding_history(UNPROCESSABLE.as_bytes()).expect_err("422 text");
        assert_eq!(err.endpoint, "fundingHistory");
        assert!(
            err.detail.starts_with("API error: Failed to deserialize"),
            "{err}"
        );
        let err = funding_history(b"[{\"time\":").expect_err("truncated");
        assert!(err.detail.contains("malformed JSON"), "{err}");
        assert!(
            funding_history(br#"{"coin":"BTC"}"#).is_err(),
            "an object is not a page"
        );
    }

    #[test]
    fn candle_snapshot_parses_to_exact_bars() {
        assert_eq!(
            candles(CANDLES.as_bytes()).expect("parses"),
            vec![
                bar(1_681_923_600_000, "29309.0", "29250.0", "29258.0"),
                bar(1_704_286_800_000, "2247.9", "2224.6", "2226.4"),
            ]
        );
        let quirks = br#"[{"t":1700000000000,"T":1700003599999,"s":"kPEPE","i":"1h","o":"0.0123",
              "h":0.0125,"l":"1.2e-2","c":"0.0124","v":"100","n":3},
            {"t":1700003600000,"h":"1","l":"1","c":""},{"h":"1","l":"1","c":"1"}]"#;
        assert_eq!(
            candles(quirks).expect("parses"),
            vec![bar(1_700_000_000_000, "0.0125", "0.012", "0.0124")],
            "numbers and exponents read, per kPEPE unit; incomplete rows skipped"
        );
        let err = candles(b"null").expect_err("unknown coin");
        assert_eq!(err.endpoint, "candleSnapshot");
        let err = candles(UNPROCESSABLE.as_bytes()).expect_err("422 text");
        assert!(err.detail.contains("missing field"), "{err}");
        assert_eq!(candles(b" [] "), Ok(Vec::new()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn mutated_history_payloads_never_panic(
            which in 0..2usize,
            m in mutation(),
        ) {
            let text = [HISTORY, CANDLES][which];
            let mutated = mutate(text, &m);
            let result = match which {
                0 => funding_history(&mutated).map(|p| p.len()),
                _ => candles(&mutated).map(|c| c.len()),
            };
            if m.truncates() {
                prop_assert!(result.is_err(), "a truncated payload must fail");
            }
            if let Ok(n) = result {
                prop_assert!(n <= 3);
            }
        }
    }
}
