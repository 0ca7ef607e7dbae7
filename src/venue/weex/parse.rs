//! WEEX payloads to domain types (pure): error envelopes, listing filters, funding intervals, snapshot assembly and history rows.
//!
//! Rules:
//! - Perps: USDT-margined linear contracts (`forwardContractFlag` not false, `quote_currency`
//!   USDT, margin `coin` USDT when given); the contract list has no status, so every listed one
//!   trades. Asset and multiplier from `underlying_index` (`1000PEPE` → PEPE × 1000); sizes are
//!   in base coins, so `contract_size` is 1. The instrument's interval comes from `delivery`:
//!   `n` settlement times of day evenly spread make 24 / `n` hours; anything else, none.
//! - Spot: `enableTrade` true; `baseCoin`/`quoteCoin`, else the v2 symbol without `_SPBL` split
//!   at a known quote. The instrument keeps the v2 symbol (`BTCUSDT_SPBL`); its v3 ticker row is
//!   the one named without the suffix.
//! - Funding: a perp needs a `currentFundRate` row with a rate; the interval is its
//!   `collectCycle` minutes / 60, else the instrument's; without either the perp is left out.
//!   The next funding time is the next multiple of the interval on the UTC epoch grid after the
//!   data time (the ticker's `timestamp`, else the funding row's, else the received time).
//! - Book, 24 h range, mark and index from the contract ticker (when there is a row); volume
//!   `volume_24h` (quote coin), else `base_volume` × `last`; spot `quoteVolume`, else `volume` ×
//!   `lastPrice`. No open interest.
//! - Errors: a body that is not the endpoint's rows but `{"code", "msg"}` with a code other than
//!   `"00000"` is that API error; `"429"` (and HTTP 429) is a rate limit. Spot v2 bodies must be a
//!   `"00000"` envelope with a `data` array.
//! - Duplicates: the first row of a symbol wins, in listings and snapshot payloads.
//! - History: settled funding rows are `fundingTime` (ms) and `fundingRate`; candle rows
//!   `[open ms, open, high, low, close, …]` as the contract quotes them (per 1000 PEPE for
//!   `cmt_1000pepeusdt`). Rows missing a time or a price are skipped.

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    WeexContract, WeexFundRate, WeexFundingHistory, WeexSpotSymbol, WeexSpotTicker, WeexTicker,
};
use super::{
    CANDLES, CONTRACTS, CURRENT_FUND_RATE, HISTORY_FUND_RATE, RATE_LIMIT_CODE, SPOT_CANDLES,
    SPOT_EXCHANGE_INFO, SPOT_SUFFIX, SPOT_TICKER, TICKERS,
};

use crate::model::{Instrument, Market, Reference, Snapshot, Venue};
use crate::parse::{WireText, ms_time, split_concat, split_multiplier};
use crate::venue::intervals::positive;
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows::{self, ArrayCandle, Coded};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

/// WEEX's `{code, msg, requestTime, data}` envelope (spot v2 answers, and every error):
/// `code` `"00000"` on success.
const WEEX: Coded = Coded {
    venue: "WEEX",
    article: "a",
    ok: "00000",
};
/// The quote (and margin coin) of the perpetuals basis lists.
const QUOTE: &str = "USDT";
const SECONDS_PER_DAY: u32 = 86_400;

/// What a body says: HTTP 429 or code `"429"` is a rate limit, another code an API error;
/// rows, HTML and anything without a `code` say nothing.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    WEEX.signal(status, body, |code| code == RATE_LIMIT_CODE)
}

/// The rows of every bare-array body (contract v2, spot v3) of `endpoint`, which is required.
fn all_rows<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
) -> Result<Vec<T>, ParseError> {
    kit::rows_of(bodies, endpoint, true, |b| WEEX.decode(endpoint, b))
}

/// The funding interval that `n` evenly spread settlement times of day (`HH:MM:SS`) give:
/// 24 / `n` hours; `None` for no times, a time that does not parse, or uneven spacing.
fn delivery_hours(times: &[WireText<'_>]) -> Option<Decimal> {
    let mut secs = times
        .iter()
        .map(|t| {
            let time = NaiveTime::parse_from_str(t.get()?, "%H:%M:%S").ok()?;
            Some(time.num_seconds_from_midnight())
        })
        .collect::<Option<Vec<u32>>>()?;
    secs.sort_unstable();
    secs.dedup();
    let n = u32::try_from(secs.len()).ok().filter(|n| *n > 0)?;
    let step = SECONDS_PER_DAY / n;
    let even = SECONDS_PER_DAY.is_multiple_of(n)
        && secs
            .iter()
            .zip(secs.iter().skip(1))
            .all(|(a, b)| b - a == step);
    even.then(|| (Decimal::from(step) / Decimal::from(3600)).normalize())
}

/// A USDT-margined linear perpetual, or `None` for anything else.
fn perp_instrument(row: &WeexContract<'_>) -> Option<Instrument> {
    let linear = row.forward_contract_flag.get() != Some(false)
        && row.quote_currency.is(QUOTE)
        && row.coin.get().is_none_or(|coin| coin == QUOTE);
    if !linear {
        return None;
    }
    let base = split_multiplier(row.underlying_index.get()?);
    Some(Instrument {
        funding_interval_hours: row.delivery.as_deref().and_then(delivery_hours),
        ..rows::perp(Venue::Weex, row.symbol.get()?, base, QUOTE)
    })
}

/// The v3 name of a spot pair: its v2 name without `_SPBL`.
fn v3_symbol(v2: &str) -> &str {
    v2.strip_suffix(SPOT_SUFFIX).unwrap_or(v2)
}

/// A trading spot pair, or `None`.
fn spot_instrument(row: &WeexSpotSymbol<'_>) -> Option<Instrument> {
    if !row.enable_trade.is_true() {
        return None;
    }
    rows::spot_named(
        Venue::Weex,
        row.symbol.get()?,
        (row.base_coin.get(), row.quote_coin.get()),
        |symbol| split_concat(v3_symbol(symbol)),
    )
}

/// Parses the contract list and the spot pairs into USDT perpetuals and trading spot pairs.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let contracts: Vec<WeexContract<'_>> = all_rows(bodies, CONTRACTS.name)?;
    let name = SPOT_EXCHANGE_INFO.name;
    let pairs: Vec<WeexSpotSymbol<'_>> = WEEX.all_rows(bodies, name, true)?;
    let perps = contracts.iter().filter_map(perp_instrument);
    let spots = pairs.iter().filter_map(spot_instrument);
    Ok(Reference {
        instruments: kit::unique_listings("weex", perps.chain(spots)),
        ..Reference::default()
    })
}

/// What the funding row and (if any) the ticker of perp `inst` say of its funding, book and
/// marks; `None` without a rate or an interval.
fn perp_terms(
    inst: &Instrument,
    rate: &WeexFundRate<'_>,
    ticker: Option<&WeexTicker<'_>>,
    received_at: DateTime<Utc>,
) -> Option<(Funding, Book, Marks)> {
    let cycle_hours = rate.collect_cycle.get().map(|m| m / Decimal::from(60));
    let hours = positive(cycle_hours).or(inst.funding_interval_hours)?;
    let data_ms = ticker
        .and_then(|t| t.timestamp.get())
        .or(rate.timestamp.get());
    let funding = Funding {
        rate: rate.funding_rate.get()?,
        interval_hours: hours,
        next: rows::next_on_grid(
            data_ms.unwrap_or_else(|| received_at.timestamp_millis()),
            hours,
        )
        .and_then(ms_time),
    };
    let book = Book {
        exchange_time: data_ms.and_then(ms_time),
        ..ticker.map(ticker_book).unwrap_or_default()
    };
    let marks = Marks {
        mark: ticker.and_then(|t| t.mark_price.get()),
        index: ticker.and_then(|t| t.index_price.get()),
        ..Marks::default()
    };
    Some((funding, book, marks))
}

/// What a contract ticker row says of its perp (its time aside).
fn ticker_book(t: &WeexTicker<'_>) -> Book {
    Book::of_ticker(
        [t.best_bid.get(), t.best_ask.get()],
        [t.high_24h.get(), t.low_24h.get()],
        [t.volume_24h.get(), t.base_volume.get(), t.last.get()],
    )
}

/// Parses one scan's bodies (see the module rules). Instruments absent from `reference` are
/// dropped.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let tickers: Vec<WeexTicker<'_>> = all_rows(bodies, TICKERS.name)?;
    let rates: Vec<WeexFundRate<'_>> = all_rows(bodies, CURRENT_FUND_RATE.name)?;
    let spot_rows: Vec<WeexSpotTicker<'_>> = all_rows(bodies, SPOT_TICKER.name)?;
    let tickers = kit::by_symbol(&tickers, |r| r.symbol.get());
    let rates = kit::by_symbol(&rates, |r| r.symbol.get());
    let spot_rows = kit::by_symbol(&spot_rows, |r| r.symbol.get());
    Ok(rows::snapshot(
        Venue::Weex,
        reference,
        received_at,
        |inst| {
            let symbol = inst.symbol.as_str();
            let ticker = tickers.get(symbol).copied();
            perp_terms(inst, rates.get(symbol)?, ticker, received_at)
        },
        |inst| Some(spot_rows.get(v3_symbol(&inst.symbol))?.book()),
    ))
}

/// Parses one `getHistoryFundRate` answer (newest first); rows without a time or a rate are
/// skipped.
pub(super) fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let rows: Vec<WeexFundingHistory<'_>> = WEEX.decode(HISTORY_FUND_RATE.name, body)?;
    Ok(rows.iter().filter_map(WeexFundingHistory::point).collect())
}

/// Parses one page of contract (bare array) or spot (v2 envelope) candles, in any order; rows
/// without a whole positive open time or a high, low or close are skipped.
pub(super) fn candles(market: Market, body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let rows: Vec<ArrayCandle> = match market {
        Market::Perp => WEEX.decode(CANDLES.name, body)?,
        Market::Spot => WEEX.rows(SPOT_CANDLES.name, body)?,
    };
    Ok(rows
        .iter()
        .filter_map(ArrayCandle::candle)
        .filter(|c| c.open_ms > 0)
        .collect())
}

#[cfg(test)]
mod tests {
    //! WEEX's own rules; what every venue does is pinned by `crate::venue::conformance`.

    use super::*;

    #[test]
    fn delivery_times_give_an_interval_only_when_evenly_spread() {
        let hours = |times: &[&str]| {
            let texts: Vec<WireText<'_>> = times.iter().map(|t| WireText::new(*t)).collect();
            delivery_hours(&texts)
        };
        let cases: [(&[&str], Option<i64>); 7] = [
            (&["00:00:00", "08:00:00", "16:00:00"], Some(8)),
            (&["16:00:00", "00:00:00", "08:00:00"], Some(8)),
            (
                &[
                    "00:00:00", "04:00:00", "08:00:00", "12:00:00", "16:00:00", "20:00:00",
                ],
                Some(4),
            ),
            (&["00:00:00"], Some(24)),
            (&["00:00:00", "08:00:00"], None),
            (&["00:00:00", "8h"], None),
            (&[], None),
        ];
        for (times, want) in cases {
            assert_eq!(hours(times), want.map(Decimal::from), "{times:?}");
        }
    }
}
