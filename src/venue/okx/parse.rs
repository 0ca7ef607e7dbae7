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

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::wire::{
    OkxCandle, OkxDiscountRate, OkxFundingHistory, OkxFundingRate, OkxIndexTicker, OkxInstrument,
    OkxMarkPrice, OkxOpenInterest, OkxTicker,
};
use super::{
    DISCOUNT_RATES, FUNDING_RATES, QUOTE_INDEX_TICKERS, RATE_LIMIT_CODE, RECENT_CANDLES,
    SPOT_INSTRUMENTS, SPOT_TICKERS, SWAP_FUNDING_HISTORY, SWAP_INSTRUMENTS, SWAP_MARK_PRICES,
    SWAP_OPEN_INTEREST, SWAP_TICKERS,
};
use crate::model::{Instrument, Reference, Snapshot, Venue};
use crate::parse::{WireText, ms_time};
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows::{self, Coded};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

const MS_PER_HOUR: i64 = 3_600_000;

/// OKX's `{code, msg, data}` envelope: `code` `"0"` on success.
pub(super) const OKX: Coded = Coded {
    venue: "OKX",
    article: "an",
    ok: "0",
};

/// What the envelope of a response says. HTTP 429, or code `50011` with any status, is a rate
/// limit; another non-`"0"` code is an API error; a body that is not an OKX envelope (or has no
/// `code`) says nothing, leaving the HTTP status and the parser to decide.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    OKX.signal(status, body, |code| code == RATE_LIMIT_CODE)
}

fn is_normal_rule(rule: &WireText<'_>) -> bool {
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
        contract_size,
        ..rows::perp(Venue::Okx, symbol, (asset.to_owned(), Decimal::ONE), quote)
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
    let named = (row.base_ccy.get(), row.quote_ccy.get());
    rows::spot_named(Venue::Okx, symbol, named, |s| kit::split_pair(s, '-'))
}

/// The collateral value ratio (haircut `k`) of every coin of a discount-rate body: its first
/// tier's `discountRate`, keyed by upper-case coin, only when in (0, 1]. A body that is not a
/// `code` "0" envelope with a `data` array gives an empty map (see the module docs).
pub(super) fn discount_haircuts(body: &[u8]) -> BTreeMap<String, Decimal> {
    let coins = OKX.rows::<OkxDiscountRate<'_>>(DISCOUNT_RATES.name, body);
    rows::haircut_table(
        coins.iter().flatten(),
        rows::FirstRow::Usable,
        |row| row.ccy.get(),
        |row| {
            let tiers = row.details.iter().flatten();
            rows::first_tier(tiers, |t| t.min_amt.get(), |t| t.discount_rate.get())
        },
    )
}

/// Parses the SWAP and SPOT instrument lists into trading linear perpetuals and spot pairs, and
/// the discount-rate tiers, when fetched, into the haircuts ([`discount_haircuts`]; absent:
/// empty). The discount-rate body never fails the reference.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let swaps: Vec<OkxInstrument<'_>> = OKX.all_rows(bodies, SWAP_INSTRUMENTS.name, true)?;
    let spots: Vec<OkxInstrument<'_>> = OKX.all_rows(bodies, SPOT_INSTRUMENTS.name, true)?;
    let candidates = swaps
        .iter()
        .filter_map(perp_instrument)
        .chain(spots.iter().filter_map(spot_instrument));
    Ok(Reference {
        instruments: kit::unique_listings("okx", candidates),
        haircuts: Body::of(bodies, DISCOUNT_RATES.name)
            .next()
            .map(discount_haircuts)
            .unwrap_or_default(),
        ..Reference::default()
    })
}

/// Funding interval in hours from two settlement times, when positive.
fn interval_hours(funding_time: Option<i64>, next_funding_time: Option<i64>) -> Option<Decimal> {
    let ms = next_funding_time?.checked_sub(funding_time?)?;
    rows::hours(Some(Decimal::from(ms)), MS_PER_HOUR)
}

/// A ticker's book and range, at its `ts`, with `volume_24h_quote`.
fn book(t: &OkxTicker<'_>, volume_24h_quote: Option<Decimal>) -> Book {
    Book {
        bid: t.bid_px.get(),
        ask: t.ask_px.get(),
        high_24h: t.high_24h.get(),
        low_24h: t.low_24h.get(),
        volume_24h_quote,
        exchange_time: t.ts.get().and_then(ms_time),
    }
}

/// Parses one poll's bodies. Perps need a funding row with a rate and an interval; spots need a
/// ticker. Instruments absent from `reference` are dropped; mark and index are `None` unless the
/// `full` plan fetched them.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let funding: Vec<OkxFundingRate<'_>> = OKX.all_rows(bodies, FUNDING_RATES.name, true)?;
    let swap_tickers: Vec<OkxTicker<'_>> = OKX.all_rows(bodies, SWAP_TICKERS.name, true)?;
    let spot_tickers: Vec<OkxTicker<'_>> = OKX.all_rows(bodies, SPOT_TICKERS.name, true)?;
    let open_interest: Vec<OkxOpenInterest<'_>> =
        OKX.all_rows(bodies, SWAP_OPEN_INTEREST.name, false)?;
    let marks: Vec<OkxMarkPrice<'_>> = OKX.all_rows(bodies, SWAP_MARK_PRICES.name, false)?;
    let indexes: Vec<OkxIndexTicker<'_>> = OKX.all_rows(bodies, QUOTE_INDEX_TICKERS.name, false)?;

    let funding = kit::by_symbol(&funding, |r| r.inst_id.get());
    let swap_tickers = kit::by_symbol(&swap_tickers, |r| r.inst_id.get());
    let spot_tickers = kit::by_symbol(&spot_tickers, |r| r.inst_id.get());
    let open_interest = kit::by_symbol(&open_interest, |r| r.inst_id.get());
    let marks = kit::by_symbol(&marks, |r| r.inst_id.get());
    let indexes = kit::by_symbol(&indexes, |r| r.inst_id.get());

    let perp = |inst: &Instrument| {
        let symbol = inst.symbol.as_str();
        let f = funding.get(symbol)?;
        let funding = Funding {
            rate: f.funding_rate.get()?,
            interval_hours: interval_hours(f.funding_time.get(), f.next_funding_time.get())?,
            next: f.funding_time.get().and_then(ms_time),
        };
        let ticker = swap_tickers.get(symbol);
        let exchange_ms = ticker.and_then(|t| t.ts.get()).or(f.ts.get());
        let book = Book {
            exchange_time: exchange_ms.and_then(ms_time),
            ..ticker.map_or_else(Book::default, |t| book(t, swap_quote_volume(t, inst)))
        };
        let index_id = symbol.strip_suffix("-SWAP").unwrap_or(symbol);
        let marks = Marks {
            mark: marks.get(symbol).and_then(|m| m.mark_px.get()),
            index: indexes.get(index_id).and_then(|i| i.idx_px.get()),
            open_interest: open_interest
                .get(symbol)
                .and_then(|o| open_interest_coins(o, inst)),
        };
        Some((funding, book, marks))
    };
    let spot = |inst: &Instrument| {
        let t = spot_tickers.get(inst.symbol.as_str())?;
        Some(book(t, t.vol_ccy_24h.get()))
    };
    Ok(rows::snapshot(
        Venue::Okx,
        reference,
        received_at,
        perp,
        spot,
    ))
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
    let rows: Vec<OkxFundingHistory> = OKX.rows(SWAP_FUNDING_HISTORY.name, body)?;
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
    let rows: Vec<OkxCandle<'_>> = OKX.rows(RECENT_CANDLES.name, body)?;
    Ok(rows
        .iter()
        .filter(|r| r.confirm.as_str() != "0")
        .filter_map(|r| r.head.candle())
        .collect())
}
