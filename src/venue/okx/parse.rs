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
//! - Funding history: the rate is `realizedRate` (what was charged), else `fundingRate`; rows
//!   without a time or either rate are skipped.
//! - Candles: rows with `confirm` `"0"` (the running bar) are dropped; a row without `confirm`
//!   (an older six-field format) is kept (the caller drops bars that end after the request
//!   time); rows without a time, high, low or close are skipped; a row that is not an array
//!   fails the page. Errors name `candles` for both candle endpoints (the parser is not told
//!   which one answered).
//! - Collateral haircuts (`discount-rate-interest-free-quota`): per `ccy` (upper-cased), the
//!   `discountRate` of the tier with the smallest `minAmt` (the one from 0; the first of equals;
//!   tiers without a `minAmt` are not candidates), kept only in (0, 1]. A coin listed twice keeps
//!   its first usable row. A body that is not a `code` "0" envelope with a `data` array of rows
//!   (malformed, an error, a wrong type in it) gives an empty table and never fails the
//!   reference: the table is optional.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    OkxCandle, OkxDiscountRate, OkxEnvelope, OkxFundingHistory, OkxFundingRate, OkxIndexTicker,
    OkxInstrument, OkxMarkPrice, OkxOpenInterest, OkxStatus, OkxText, OkxTicker,
};
use super::{
    CANDLES, DISCOUNT_RATE, FUNDING_RATE, FUNDING_RATE_HISTORY, INDEX_TICKERS, INSTRUMENTS_SPOT,
    INSTRUMENTS_SWAP, MARK_PRICE, OPEN_INTEREST, RATE_LIMIT_CODE, TICKERS_SPOT, TICKERS_SWAP,
};
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, Venue};
use crate::parse::ms_time;
use crate::venue::kit::{self, Book, Funding};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

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
fn rows<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<Vec<T>, ParseError> {
    let env: OkxEnvelope<'a, T> = kit::decode(endpoint, bytes)?;
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
    kit::rows_of(bodies, endpoint, required, |b| rows(endpoint, b))
}

fn is_normal_rule(rule: &OkxText<'_>) -> bool {
    matches!(rule.as_str(), "" | "normal")
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
        .find_map(|p| kit::split_pair(p, '-'))
        .or_else(|| Some((pair.split('-').next()?, row.settle_ccy.get()?)))
        .filter(|(asset, _)| !asset.is_empty())?;
    let contract_size = kit::positive(row.ct_val.get())
        .and_then(|v| v.checked_mul(kit::positive(row.ct_mult.get()).unwrap_or(Decimal::ONE)))
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
    let tradable = row.inst_type.as_str() == "SPOT"
        && row.state.as_str() == "live"
        && is_normal_rule(&row.rule_type);
    if !tradable {
        return None;
    }
    let (asset, quote) = match (row.base_ccy.get(), row.quote_ccy.get()) {
        (Some(b), Some(q)) => (b, q),
        _ => kit::split_pair(symbol, '-')?,
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

/// The collateral value ratio (haircut `k`) of every coin of a discount-rate body: its first
/// tier's `discountRate`, keyed by upper-case coin, only when in (0, 1]. A body that is not a
/// `code` "0" envelope with a `data` array gives an empty map (see the module docs).
pub(super) fn discount_haircuts(body: &[u8]) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    let Ok(rows) = rows::<OkxDiscountRate<'_>>(DISCOUNT_RATE, body) else {
        return out;
    };
    for row in &rows {
        let Some(coin) = row.ccy.get() else {
            continue;
        };
        let first = row
            .details
            .iter()
            .flatten()
            .filter_map(|tier| Some((tier.min_amt.get()?, tier)))
            .min_by_key(|(min_amt, _)| *min_amt);
        let k = first
            .and_then(|(_, tier)| tier.discount_rate.get())
            .filter(|k| *k > Decimal::ZERO && *k <= Decimal::ONE);
        if let Some(k) = k {
            out.entry(coin.to_ascii_uppercase())
                .or_insert_with(|| k.normalize());
        }
    }
    out
}

/// Parses the SWAP and SPOT instrument lists into trading linear perpetuals and spot pairs, and
/// the discount-rate tiers, when fetched, into the haircuts ([`discount_haircuts`]; absent:
/// empty). The discount-rate body never fails the reference.
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
    Ok(Reference {
        instruments,
        haircuts: Body::of(bodies, DISCOUNT_RATE)
            .next()
            .map(discount_haircuts)
            .unwrap_or_default(),
        ..Reference::default()
    })
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
    let open_interest: Vec<OkxOpenInterest<'_>> = all_rows(bodies, OPEN_INTEREST, false)?;
    let marks: Vec<OkxMarkPrice<'_>> = all_rows(bodies, MARK_PRICE, false)?;
    let indexes: Vec<OkxIndexTicker<'_>> = all_rows(bodies, INDEX_TICKERS, false)?;

    let funding = kit::by_symbol(&funding, |r| r.inst_id.get());
    let swap_tickers = kit::by_symbol(&swap_tickers, |r| r.inst_id.get());
    let spot_tickers = kit::by_symbol(&spot_tickers, |r| r.inst_id.get());
    let open_interest = kit::by_symbol(&open_interest, |r| r.inst_id.get());
    let marks = kit::by_symbol(&marks, |r| r.inst_id.get());
    let indexes = kit::by_symbol(&indexes, |r| r.inst_id.get());

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
                let funding = Funding {
                    rate,
                    interval_hours: hours,
                    next: f.funding_time.get().and_then(ms_time),
                };
                let book = Book {
                    bid: ticker.and_then(|t| t.bid_px.get()),
                    ask: ticker.and_then(|t| t.ask_px.get()),
                    high_24h: ticker.and_then(|t| t.high_24h.get()),
                    low_24h: ticker.and_then(|t| t.low_24h.get()),
                    volume_24h_quote: ticker.and_then(|t| swap_quote_volume(t, inst)),
                    exchange_time: exchange_ms.and_then(ms_time),
                };
                perps.push(PerpQuote {
                    mark_price: marks
                        .get(inst.symbol.as_str())
                        .and_then(|m| m.mark_px.get()),
                    index_price: indexes.get(index_id).and_then(|i| i.idx_px.get()),
                    open_interest: oi.and_then(|o| open_interest_coins(o, inst)),
                    ..kit::perp_quote(inst, funding, book, received_at)
                });
            }
            Market::Spot => {
                let Some(t) = spot_tickers.get(inst.symbol.as_str()) else {
                    continue;
                };
                let book = Book {
                    bid: t.bid_px.get(),
                    ask: t.ask_px.get(),
                    high_24h: t.high_24h.get(),
                    low_24h: t.low_24h.get(),
                    volume_24h_quote: t.vol_ccy_24h.get(),
                    exchange_time: t.ts.get().and_then(ms_time),
                };
                spots.push(kit::spot_quote(inst, book, received_at));
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

/// The settled funding points of one `funding-rate-history` page (OKX sends them newest first;
/// callers must not rely on it).
///
/// # Errors
/// A [`ParseError`] naming `funding-rate-history` when the body is not an OKX envelope with a
/// `data` array, or its `code` is not `"0"` (`51001`: unknown instrument).
pub fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let rows: Vec<OkxFundingHistory> = rows(FUNDING_RATE_HISTORY, body)?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            kit::point(
                r.funding_time.get(),
                r.realized_rate.get().or(r.funding_rate.get()),
            )
        })
        .collect())
}

/// The finished candles of one `candles` or `history-candles` page, in the order sent (OKX sends
/// them newest first), prices per coin as OKX quotes them; the running bar (`confirm` `"0"`)
/// and rows without a time, high, low or close are dropped.
///
/// # Errors
/// A [`ParseError`] naming `candles` when the body is not an OKX envelope with a `data` array of
/// arrays, or its `code` is not `"0"` (`51001`: unknown instrument).
pub fn candles(body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let rows: Vec<OkxCandle<'_>> = rows(CANDLES, body)?;
    Ok(rows
        .iter()
        .filter(|r| r.confirm.as_str() != "0")
        .filter_map(|r| kit::candle(r.ts.get(), r.high.get(), r.low.get(), r.close.get()))
        .collect())
}
