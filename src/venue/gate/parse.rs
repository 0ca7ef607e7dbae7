//! Gate payloads to domain types (pure): error-body check, paging count, instrument filters, snapshot assembly.
//!
//! Rules (see `exchange-apis/README.md`, Gate section):
//! - Perps: `type` direct (not inverse), `in_delisting` not true, `status` trading or absent
//!   (not prelaunch, delisting, delisted), a `BASE_QUOTE` name. Asset and multiplier come from
//!   the base (`1000PEPE` → PEPE × 1000, via the shared prefix table); `contract_size` is
//!   `quanto_multiplier` (base units per contract; 1 when absent). `funding_interval` seconds
//!   become hours. The live contract list is checked again on every poll: a contract that left
//!   trading since the reference was cached is dropped.
//! - Spot: `trade_status` tradable (not buyable/sellable-only, not untradable), `type` not
//!   premarket; `base`/`quote`, else the id split at `_`.
//! - Funding: the live contract row's `funding_rate` (else the ticker's), `funding_interval`
//!   (else the cached one) and `funding_next_apply` (seconds, int, float or string). Gate
//!   documents no default interval: a perp without one is left out.
//! - Volume: `volume_24h_quote`, else `volume_24h_settle` (USDT for USDT-settled contracts), else
//!   `volume_24h_base × last`. Open interest: `total_size` (else the contract's
//!   `position_size`) contracts × `quanto_multiplier` × multiplier.
//! - Gate's payloads carry no server time: `exchange_time` is `None`.
//! - Duplicates: the first row of a symbol wins, in instrument lists and snapshot payloads.
//! - History: settled funding rows are `{t (seconds), r}`; futures candles are objects
//!   `{t (seconds), o, h, l, c}`, spot candles string arrays `[t, quote volume, close, high,
//!   low, open, base volume, window closed]` whose unfinished bar (`"false"`) is dropped. Times
//!   become ms; rows missing a time or a price are skipped.
//! - Haircuts (optional `currency_discount_tiers` body): each currency's first tier, the one
//!   with the lowest `lower_limit` (then the lowest `tier`; a tier without one ranks after those
//!   with one; ties go to the earlier tier), gives `k` = its `discount`, kept only in (0, 1];
//!   currencies are upper-cased, the first row of a currency decides, stablecoins are kept as
//!   published. A missing body, or one that is not an array of currency objects (an error
//!   object, malformed JSON), leaves the table empty and the instruments intact.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::wire::{
    GateContract, GateCurrencyPair, GateDiscount, GateDiscountTier, GateError, GateFundingRecord,
    GateFuturesCandle, GateSpotCandle, GateSpotTicker, GateTicker,
};
use super::{
    CANDLESTICKS, CONTRACTS, CONTRACTS_LIVE, CURRENCY_PAIRS, DISCOUNT_TIERS, FUNDING_RATE,
    RATE_LIMIT_LABEL, SPOT_CANDLESTICKS, SPOT_TICKERS, TICKERS,
};
use crate::model::{Instrument, Market, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_multiplier};
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows;
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

const SECONDS_PER_HOUR: i64 = 3600;

/// The error object of a body, when it is one (`{"label": …}`).
fn error_of(body: &[u8]) -> Option<GateError<'_>> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    serde_json::from_slice::<GateError<'_>>(body)
        .ok()
        .filter(|e| e.label.get().is_some())
}

/// What a response body says. HTTP 429, or the label `TOO_MANY_REQUESTS` with any status, is a
/// rate limit; another `label` is an API error; anything else (bare arrays, HTML) says nothing.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    if status == 429 {
        return BodySignal::RateLimited;
    }
    match error_of(body) {
        None => BodySignal::Ok,
        Some(e) if e.label.as_str() == RATE_LIMIT_LABEL => BodySignal::RateLimited,
        Some(e) => BodySignal::Api {
            code: e.label.as_str().to_owned(),
            msg: e.message.as_str().to_owned(),
        },
    }
}

fn api_error(endpoint: &'static str, e: &GateError<'_>) -> ParseError {
    ParseError::new(
        endpoint,
        format!("API error {}: {}", e.label.as_str(), e.message.as_str()),
    )
}

/// The rows of one bare-array response; an error object is reported as the API error.
fn rows<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<Vec<T>, ParseError> {
    serde_json::from_slice(bytes).map_err(|err| match error_of(bytes) {
        Some(e) => api_error(endpoint, &e),
        None => ParseError::json(endpoint, &err),
    })
}

/// The number of rows of one page (for paging), without decoding them.
///
/// # Errors
/// When the body is not a JSON array.
pub(super) fn row_count(endpoint: &'static str, body: &[u8]) -> Result<usize, ParseError> {
    rows::<IgnoredAny>(endpoint, body).map(|r| r.len())
}

/// The rows of every body of `endpoint` (all pages), in request order; at least one body must
/// have been fetched.
fn all_rows<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
) -> Result<Vec<T>, ParseError> {
    kit::rows_of(bodies, endpoint, true, |b| rows(endpoint, b))
}

fn positive(d: Option<Decimal>) -> Option<Decimal> {
    kit::positive(d).map(|v| v.normalize())
}

/// Hours from Gate's `funding_interval` seconds; `None` unless positive.
fn interval_hours(seconds: Option<Decimal>) -> Option<Decimal> {
    rows::hours(seconds, SECONDS_PER_HOUR)
}

/// A time in seconds (int, float or string) → UTC, to the millisecond.
fn seconds_time(seconds: Option<Decimal>) -> Option<DateTime<Utc>> {
    let ms = seconds?.checked_mul(Decimal::ONE_THOUSAND)?.trunc();
    i64::try_from(ms).ok().and_then(ms_time)
}

/// Whether a contract row is a trading linear perpetual.
fn is_trading(row: &GateContract<'_>) -> bool {
    row.kind.as_str() == "direct"
        && row.in_delisting.0 != Some(true)
        && matches!(row.status.as_str(), "" | "trading")
}

/// A trading linear perpetual, or `None` for anything else.
fn perp_instrument(row: &GateContract<'_>) -> Option<Instrument> {
    if !is_trading(row) {
        return None;
    }
    let symbol = row.name.get()?;
    let (base, quote) = kit::split_pair(symbol, '_')?;
    Some(Instrument {
        contract_size: positive(row.quanto_multiplier.get()).unwrap_or(Decimal::ONE),
        funding_interval_hours: interval_hours(row.funding_interval.get()),
        ..rows::perp(Venue::Gate, symbol, split_multiplier(base), quote)
    })
}

/// A tradable spot pair, or `None`.
fn spot_instrument(row: &GateCurrencyPair<'_>) -> Option<Instrument> {
    if row.trade_status.as_str() != "tradable" || row.kind.as_str() == "premarket" {
        return None;
    }
    let symbol = row.id.get()?;
    let named = (row.base.get(), row.quote.get());
    rows::spot_named(Venue::Gate, symbol, named, |s| kit::split_pair(s, '_'))
}

/// The haircut table of the optional `currency_discount_tiers` body (see the module rules):
/// empty when the body is missing or malformed, since the reference does without it.
fn haircuts(bodies: &[Body<'_>]) -> BTreeMap<String, Decimal> {
    let currencies = Body::of(bodies, DISCOUNT_TIERS.name)
        .next()
        .map(|bytes| rows::<GateDiscount<'_>>(DISCOUNT_TIERS.name, bytes));
    rows::haircut_table(
        currencies.iter().flatten().flatten(),
        rows::FirstRow::OfTheCoin,
        |row| row.currency.get(),
        |row| {
            let rank = |tier: &&GateDiscountTier| {
                let (lower, number) = (tier.lower_limit.get(), tier.tier.get());
                Some((lower.is_none(), lower, number.is_none(), number))
            };
            rows::first_tier(row.discount_tiers.iter().flatten(), rank, |t| {
                t.discount.get()
            })
        },
    )
}

/// Parses the contract list (all pages) and the spot pair list into trading linear perpetuals
/// and tradable spot pairs (with each perp's `maintenance_rate`), and the optional discount
/// tiers into the haircut table.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let contracts: Vec<GateContract<'_>> = all_rows(bodies, CONTRACTS.name)?;
    let pairs: Vec<GateCurrencyPair<'_>> = all_rows(bodies, CURRENCY_PAIRS.name)?;
    let candidates = contracts
        .iter()
        .filter_map(perp_instrument)
        .chain(pairs.iter().filter_map(spot_instrument));
    let instruments = kit::unique_listings("gate", candidates);
    let trading = contracts.iter().filter(|row| is_trading(row));
    let maintenance_rates = rows::maintenance_rates(trading, |r| {
        Some((r.name.get()?, r.maintenance_rate.get()?))
    });
    Ok(Reference {
        instruments,
        haircuts: haircuts(bodies),
        maintenance_rates,
        ..Reference::default()
    })
}

/// Parses one poll's bodies (see the module rules). Instruments absent from `reference` are
/// dropped.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let contracts: Vec<GateContract<'_>> = all_rows(bodies, CONTRACTS_LIVE.name)?;
    let tickers: Vec<GateTicker<'_>> = all_rows(bodies, TICKERS.name)?;
    let spot_tickers: Vec<GateSpotTicker<'_>> = all_rows(bodies, SPOT_TICKERS.name)?;
    let contracts = kit::by_symbol(&contracts, |r| r.name.get());
    let tickers = kit::by_symbol(&tickers, |r| r.contract.get());
    let spot_tickers = kit::by_symbol(&spot_tickers, |r| r.currency_pair.get());

    let perp = |inst: &Instrument| {
        let symbol = inst.symbol.as_str();
        let contract = contracts.get(symbol).copied();
        if contract.is_some_and(|c| !is_trading(c)) {
            return None;
        }
        let ticker = tickers.get(symbol).copied();
        let funding = Funding {
            rate: contract
                .and_then(|c| c.funding_rate.get())
                .or_else(|| ticker.and_then(|t| t.funding_rate.get()))?,
            interval_hours: contract
                .and_then(|c| interval_hours(c.funding_interval.get()))
                .or(inst.funding_interval_hours)?,
            next: contract.and_then(|c| seconds_time(c.funding_next_apply.get())),
        };
        let open_interest = ticker
            .and_then(|t| t.total_size.get())
            .or_else(|| contract.and_then(|c| c.position_size.get()));
        let book = ticker.map_or_else(Book::default, |t| Book {
            bid: t.highest_bid.get(),
            ask: t.lowest_ask.get(),
            high_24h: t.high_24h.get(),
            low_24h: t.low_24h.get(),
            volume_24h_quote: perp_quote_volume(t),
            exchange_time: None,
        });
        let marks = Marks {
            mark: contract
                .and_then(|c| c.mark_price.get())
                .or_else(|| ticker.and_then(|t| t.mark_price.get())),
            index: contract
                .and_then(|c| c.index_price.get())
                .or_else(|| ticker.and_then(|t| t.index_price.get())),
            open_interest: rows::in_coins(open_interest, inst),
        };
        Some((funding, book, marks))
    };
    let spot = |inst: &Instrument| {
        let t = spot_tickers.get(inst.symbol.as_str())?;
        Some(Book::of_ticker(
            [t.highest_bid.get(), t.lowest_ask.get()],
            [t.high_24h.get(), t.low_24h.get()],
            [t.quote_volume.get(), t.base_volume.get(), t.last.get()],
        ))
    };
    Ok(rows::snapshot(
        Venue::Gate,
        reference,
        received_at,
        perp,
        spot,
    ))
}

/// 24 h quote volume of a USDT-settled contract (see the module rules).
fn perp_quote_volume(t: &GateTicker<'_>) -> Option<Decimal> {
    let quote = t
        .volume_24h_quote
        .get()
        .or_else(|| t.volume_24h_settle.get());
    kit::quote_volume(quote, t.volume_24h_base.get(), t.last.get())
}

/// Seconds (int, float or string) → ms, truncated.
fn seconds_ms(seconds: Option<Decimal>) -> Option<i64> {
    i64::try_from(seconds?.checked_mul(Decimal::ONE_THOUSAND)?.trunc()).ok()
}

/// Parses one page of `futures/usdt/funding_rate` (any order); rows without a time or a rate
/// are skipped.
pub(super) fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let records: Vec<GateFundingRecord> = rows(FUNDING_RATE.name, body)?;
    Ok(records
        .iter()
        .filter_map(|r| kit::point(seconds_ms(r.t.get()), r.r.get()))
        .collect())
}

/// Parses one page of futures (`market` perp) or spot candlesticks; spot bars flagged
/// unfinished are dropped, and rows missing a time or a price skipped.
pub(super) fn candles(market: Market, body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let bar = |t: Option<Decimal>, high, low, close| kit::candle(seconds_ms(t), high, low, close);
    Ok(match market {
        Market::Perp => rows::<GateFuturesCandle>(CANDLESTICKS.name, body)?
            .iter()
            .filter_map(|r| bar(r.t.get(), r.h.get(), r.l.get(), r.c.get()))
            .collect(),
        Market::Spot => rows::<GateSpotCandle>(SPOT_CANDLESTICKS.name, body)?
            .iter()
            .filter(|r| r.closed.0 != Some(false))
            .filter_map(|r| bar(r.t.get(), r.high.get(), r.low.get(), r.close.get()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    //! Gate's own quirk (a contract that leaves trading after the reference); what every venue
    //! does is pinned by `crate::venue::conformance`.

    use crate::model::Venue;
    use crate::venue::rows::quirky_snapshot_with;

    #[test]
    fn a_contract_that_left_trading_since_the_reference_is_dropped() {
        let delisting = ["\"status\": \"trading\"", "\"status\": \"delisting\""];
        let s = quirky_snapshot_with(Venue::Gate, 1, delisting);
        assert!(s.perps.iter().all(|p| p.symbol != "BTC_USDT"));
        assert_eq!(s.perps.len(), 5);
    }
}
