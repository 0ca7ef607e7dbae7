//! OKX payloads to domain types (pure): envelope check, instrument filters, snapshot assembly.
//!
//! Rules (see `exchange-apis/README.md`, OKX section):
//! - Perps: `instType` SWAP, `ctType` linear, `state` live, `ruleType` normal or absent. Asset and
//!   quote come from `uly`, else `instFamily`, else the `instId` (`BTC-USDT-SWAP`), else
//!   `settleCcy` for the quote. OKX quotes prices per coin, so the multiplier is 1;
//!   `contract_size` is `ctVal × ctMult` (1 when OKX omits `ctVal`).
//! - Spot: `instType` SPOT, `state` live, `ruleType` normal or absent; `baseCcy`/`quoteCcy`, else
//!   the `instId`.
//! - Funding interval: `nextFundingTime - fundingTime`, recomputed every poll; a perp without a
//!   rate or a positive interval is left out of the snapshot (OKX documents no default).
//! - Volume: SWAP `volCcy24h` is in coins (× `last` for the quote volume); SPOT `volCcy24h` is
//!   already quote. Open interest: `oiCcy` (coins), else `oi` contracts × `contract_size`.
//! - Duplicates: the first row of a symbol wins, in instrument lists and snapshot payloads.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    OkxEnvelope, OkxFundingRate, OkxIndexTicker, OkxInstrument, OkxMarkPrice, OkxOpenInterest,
    OkxStatus, OkxText, OkxTicker,
};
use super::{
    FUNDING_RATE, INDEX_TICKERS, INSTRUMENTS_SPOT, INSTRUMENTS_SWAP, MARK_PRICE, OPEN_INTEREST,
    RATE_LIMIT_CODE, TICKERS_SPOT, TICKERS_SWAP,
};
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, SpotQuote, Venue};
use crate::parse::ms_time;
use crate::venue::{Body, BodySignal, ParseError};

const MS_PER_HOUR: i64 = 3_600_000;

/// What the envelope of a response says. HTTP 429, or code `50011` with any status, is a rate
/// limit; another non-`"0"` code is an API error; a body that is not an OKX envelope (or has no
/// `code`) says nothing, leaving the HTTP status and the parser to decide.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    if status == 429 {
        return BodySignal::RateLimited;
    }
    let Ok(env) = serde_json::from_slice::<OkxStatus<'_>>(body) else {
        return BodySignal::Ok;
    };
    match env.code.as_str() {
        "" | "0" => BodySignal::Ok,
        RATE_LIMIT_CODE => BodySignal::RateLimited,
        code => BodySignal::Api {
            code: code.to_owned(),
            msg: env.msg.as_str().to_owned(),
        },
    }
}

/// The `data` rows of one response, after checking the envelope.
fn rows<'a, T: Deserialize<'a>>(endpoint: &'static str, bytes: &'a [u8]) -> Result<Vec<T>, ParseError> {
    let env: OkxEnvelope<'a, T> =
        serde_json::from_slice(bytes).map_err(|e| ParseError::json(endpoint, &e))?;
    match env.code.as_str() {
        "0" => {}
        "" => return Err(ParseError::new(endpoint, "not an OKX envelope: no `code`")),
        code => {
            return Err(ParseError::new(
                endpoint,
                format!("API error {code}: {}", env.msg.as_str()),
            ));
        }
    }
    env.data
        .ok_or_else(|| ParseError::new(endpoint, "OKX envelope without a `data` array"))
}

/// The rows of every body of `endpoint`, in request order. `required`: at least one body must
/// have been fetched.
fn all_rows<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    required: bool,
) -> Result<Vec<T>, ParseError> {
    let mut out = Vec::new();
    let mut seen = false;
    for bytes in Body::of(bodies, endpoint) {
        seen = true;
        out.extend(rows::<T>(endpoint, bytes)?);
    }
    if required && !seen {
        return Err(ParseError::new(endpoint, "response missing"));
    }
    Ok(out)
}

/// Rows by `instId`, first occurrence wins; rows without an id are skipped.
fn by_id<'r, T>(rows: &'r [T], id: impl Fn(&'r T) -> &'r str) -> HashMap<&'r str, &'r T> {
    let mut map = HashMap::with_capacity(rows.len());
    for row in rows {
        let key = id(row);
        if !key.is_empty() {
            map.entry(key).or_insert(row);
        }
    }
    map
}

/// `BTC-USDT` → (`BTC`, `USDT`); anything but two non-empty parts is `None`.
fn split_pair(pair: &str) -> Option<(&str, &str)> {
    let (base, quote) = pair.split_once('-')?;
    (!base.is_empty() && !quote.is_empty() && !quote.contains('-')).then_some((base, quote))
}

fn is_normal_rule(rule: &OkxText<'_>) -> bool {
    matches!(rule.as_str(), "" | "normal")
}

fn positive(d: Option<Decimal>) -> Option<Decimal> {
    d.filter(|v| *v > Decimal::ZERO)
}

/// A trading linear perpetual, or `None` for anything else.
fn perp_instrument(row: &OkxInstrument<'_>) -> Option<Instrument> {
    let symbol = row.inst_id.get()?;
    let pair = symbol.strip_suffix("-SWAP")?;
    let tradable = row.inst_type.as_str() == "SWAP"
        && row.ct_type.as_str() == "linear"
        && row.state.as_str() == "live"
        && is_normal_rule(&row.rule_type);
    if !tradable {
        return None;
    }
    let (asset, quote) = [row.uly.as_str(), row.inst_family.as_str(), pair]
        .into_iter()
        .find_map(split_pair)
        .or_else(|| Some((pair.split('-').next()?, row.settle_ccy.get()?)))
        .filter(|(asset, _)| !asset.is_empty())?;
    let contract_size = positive(row.ct_val.get())
        .and_then(|v| v.checked_mul(positive(row.ct_mult.get()).unwrap_or(Decimal::ONE)))
        .map_or(Decimal::ONE, |v| v.normalize());
    Some(Instrument {
        venue: Venue::Okx,
        market: Market::Perp,
        symbol: symbol.to_owned(),
        asset: asset.to_owned(),
        quote: quote.to_owned(),
        multiplier: Decimal::ONE,
        contract_size,
        funding_interval_hours: None,
    })
}

/// A trading spot pair, or `None`.
fn spot_instrument(row: &OkxInstrument<'_>) -> Option<Instrument> {
    let symbol = row.inst_id.get()?;
    let tradable =
        row.inst_type.as_str() == "SPOT" && row.state.as_str() == "live" && is_normal_rule(&row.rule_type);
    if !tradable {
        return None;
    }
    let (asset, quote) = match (row.base_ccy.get(), row.quote_ccy.get()) {
        (Some(b), Some(q)) => (b, q),
        _ => split_pair(symbol)?,
    };
    Some(Instrument {
        venue: Venue::Okx,
        market: Market::Spot,
        symbol: symbol.to_owned(),
        asset: asset.to_owned(),
        quote: quote.to_owned(),
        multiplier: Decimal::ONE,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
}

/// Parses the SWAP and SPOT instrument lists into trading linear perpetuals and spot pairs.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let swaps: Vec<OkxInstrument<'_>> = all_rows(bodies, INSTRUMENTS_SWAP, true)?;
    let spots: Vec<OkxInstrument<'_>> = all_rows(bodies, INSTRUMENTS_SPOT, true)?;
    let mut instruments = Vec::with_capacity(swaps.len() + spots.len());
    let mut seen: HashSet<(Market, String)> = HashSet::new();
    let candidates = swaps
        .iter()
        .filter_map(perp_instrument)
        .chain(spots.iter().filter_map(spot_instrument));
    for inst in candidates {
        if seen.insert((inst.market, inst.symbol.clone())) {
            instruments.push(inst);
        } else {
            tracing::debug!(venue = "okx", symbol = %inst.symbol, "duplicate instrument row ignored");
        }
    }
    Ok(Reference { instruments })
}

/// Funding interval in hours from two settlement times, when positive.
fn interval_hours(funding_time: Option<i64>, next_funding_time: Option<i64>) -> Option<Decimal> {
    let ms = next_funding_time?.checked_sub(funding_time?)?;
    if ms <= 0 {
        return None;
    }
    Decimal::from(ms)
        .checked_div(Decimal::from(MS_PER_HOUR))
        .map(|h| h.normalize())
}

/// Parses one poll's bodies. Perps need a funding row with a rate and an interval; spots need a
/// ticker. Instruments absent from `reference` are dropped; mark and index are `None` unless the
/// `full` plan fetched them.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let funding: Vec<OkxFundingRate<'_>> = all_rows(bodies, FUNDING_RATE, true)?;
    let swap_tickers: Vec<OkxTicker<'_>> = all_rows(bodies, TICKERS_SWAP, true)?;
    let spot_tickers: Vec<OkxTicker<'_>> = all_rows(bodies, TICKERS_SPOT, true)?;
    let open_interest: Vec<OkxOpenInterest<'_>> = all_rows(bodies, OPEN_INTEREST, true)?;
    let marks: Vec<OkxMarkPrice<'_>> = all_rows(bodies, MARK_PRICE, false)?;
    let indexes: Vec<OkxIndexTicker<'_>> = all_rows(bodies, INDEX_TICKERS, false)?;

    let funding = by_id(&funding, |r| r.inst_id.as_str());
    let swap_tickers = by_id(&swap_tickers, |r| r.inst_id.as_str());
    let spot_tickers = by_id(&spot_tickers, |r| r.inst_id.as_str());
    let open_interest = by_id(&open_interest, |r| r.inst_id.as_str());
    let marks = by_id(&marks, |r| r.inst_id.as_str());
    let indexes = by_id(&indexes, |r| r.inst_id.as_str());

    let mut perps = Vec::new();
    let mut spots = Vec::new();
    for inst in &reference.instruments {
        match inst.market {
            Market::Perp => {
                let Some(f) = funding.get(inst.symbol.as_str()) else {
                    continue;
                };
                let (Some(rate), Some(hours)) = (
                    f.funding_rate.get(),
                    interval_hours(f.funding_time.get(), f.next_funding_time.get()),
                ) else {
                    continue;
                };
                let ticker = swap_tickers.get(inst.symbol.as_str());
                let oi = open_interest.get(inst.symbol.as_str());
                let index_id = inst.symbol.strip_suffix("-SWAP").unwrap_or(&inst.symbol);
                let exchange_ms = ticker.and_then(|t| t.ts.get()).or(f.ts.get());
                perps.push(PerpQuote {
                    venue: Venue::Okx,
                    symbol: inst.symbol.clone(),
                    asset: inst.asset.clone(),
                    quote: inst.quote.clone(),
                    multiplier: inst.multiplier,
                    funding_rate: rate,
                    funding_interval_hours: hours,
                    next_funding_time: f.funding_time.get().and_then(ms_time),
                    mark_price: marks.get(inst.symbol.as_str()).and_then(|m| m.mark_px.get()),
                    index_price: indexes.get(index_id).and_then(|i| i.idx_px.get()),
                    bid: ticker.and_then(|t| t.bid_px.get()),
                    ask: ticker.and_then(|t| t.ask_px.get()),
                    high_24h: ticker.and_then(|t| t.high_24h.get()),
                    low_24h: ticker.and_then(|t| t.low_24h.get()),
                    volume_24h_quote: ticker.and_then(|t| swap_quote_volume(t, inst)),
                    open_interest: oi.and_then(|o| open_interest_coins(o, inst)),
                    exchange_time: exchange_ms.and_then(ms_time),
                    received_at,
                });
            }
            Market::Spot => {
                let Some(t) = spot_tickers.get(inst.symbol.as_str()) else {
                    continue;
                };
                spots.push(SpotQuote {
                    venue: Venue::Okx,
                    symbol: inst.symbol.clone(),
                    asset: inst.asset.clone(),
                    quote: inst.quote.clone(),
                    bid: t.bid_px.get(),
                    ask: t.ask_px.get(),
                    high_24h: t.high_24h.get(),
                    low_24h: t.low_24h.get(),
                    volume_24h_quote: t.vol_ccy_24h.get(),
                    exchange_time: t.ts.get().and_then(ms_time),
                    received_at,
                });
            }
        }
    }
    Ok(Snapshot {
        venue: Venue::Okx,
        received_at,
        perps,
        spots,
    })
}

/// SWAP quote volume: `volCcy24h` (coins) × `last` (per `multiplier` coins).
fn swap_quote_volume(t: &OkxTicker<'_>, inst: &Instrument) -> Option<Decimal> {
    let coins = t.vol_ccy_24h.get()?;
    let last = t.last.get()?;
    coins
        .checked_mul(last)?
        .checked_div(inst.multiplier)
        .map(|v| v.normalize())
}

/// Open interest in coins of the asset: `oiCcy`, else `oi` contracts × contract size.
fn open_interest_coins(o: &OkxOpenInterest<'_>, inst: &Instrument) -> Option<Decimal> {
    let base = match o.oi_ccy.get() {
        Some(coins) => coins,
        None => o.oi.get()?.checked_mul(inst.contract_size)?,
    };
    base.checked_mul(inst.multiplier).map(|v| v.normalize())
}
