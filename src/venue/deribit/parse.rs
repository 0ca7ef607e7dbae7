//! Deribit payloads to domain types (pure): JSON-RPC envelope check, instrument filters, snapshot assembly.
//!
//! Rules (see `exchange-apis/README.md`, Deribit section):
//! - Perps: `kind` future, `is_active` true, `state` open or absent, `settlement_period`
//!   perpetual, name `BASE_QUOTE-PERPETUAL`, `instrument_type` linear (else `future_type`; with
//!   neither, the `_` of the linear naming). The inverse `BTC-PERPETUAL` (`reversed`), dated
//!   futures and combos are dropped.
//! - Spot: `kind` spot, `is_active` true, `state` open or absent.
//! - Asset and quote come from the name (`SOL_USDC-PERPETUAL`, `BTC_USDC`), else from
//!   `base_currency`/`quote_currency`; a multiplied perp base (`1000SHIB`) is split by
//!   [`split_multiplier`] (spot bases are kept as listed). Linear sizes are counted in base
//!   coins, so `contract_size` is 1.
//! - Funding accrues continuously: the rate is `funding_8h` with an 8 h interval (DESIGN.md); a
//!   perp without `funding_8h` is left out. There is no settlement instant to report, so
//!   `next_funding_time` is `None`. The index price is the perpetual's `estimated_delivery_price`.
//! - Volume: `volume_usd` for stablecoin quotes (USDC ≈ USD), else `volume` (base) × `last`
//!   (else `mark_price`). Open interest: `open_interest` (base units for linear contracts) ×
//!   multiplier.
//! - Exchange time: the row's `creation_timestamp`, else the envelope's `usOut`.
//! - Duplicates: the first row of a name wins, in instrument lists and book summaries.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    DeribitBookSummary, DeribitChart, DeribitEnvelope, DeribitError, DeribitFundingRow,
    DeribitInstrument, DeribitStatus,
};
use super::{
    CANDLES, FUNDING_HISTORY, FUNDING_INTERVAL_HOURS, INSTRUMENTS_FUTURE, INSTRUMENTS_SPOT,
    RATE_LIMIT_CODE, SUMMARY_FUTURE, SUMMARY_SPOT,
};
use crate::model::{Instrument, Reference, Snapshot, Venue, is_stablecoin};
use crate::parse::{ms_time, split_multiplier};
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows;
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

/// Message Deribit sends with [`RATE_LIMIT_CODE`].
const RATE_LIMIT_MESSAGE: &str = "too_many_requests";

/// Suffix of perpetual instrument names.
const PERPETUAL_SUFFIX: &str = "-PERPETUAL";

/// What the envelope of a response says. HTTP 429, or error `10028 too_many_requests` with any
/// status, is a rate limit; another `error` object is an API error; a body without one (or that
/// is not JSON) says nothing, leaving the HTTP status and the parser to decide.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    kit::signal_of(status, body, |st: DeribitStatus<'_>| {
        let Some(err) = st.error else {
            return BodySignal::Ok;
        };
        let code = err.code.get();
        if code == Some(RATE_LIMIT_CODE) || err.message.as_str() == RATE_LIMIT_MESSAGE {
            return BodySignal::RateLimited;
        }
        BodySignal::Api {
            code: code.map_or_else(|| "?".to_owned(), |c| c.to_string()),
            msg: err.message.as_str().to_owned(),
        }
    })
}

/// The envelope's error object as a [`ParseError`] of `endpoint`.
fn api_error(endpoint: &'static str, err: &DeribitError<'_>) -> ParseError {
    let code = err
        .code
        .get()
        .map_or_else(|| "?".to_owned(), |c| c.to_string());
    ParseError::new(
        endpoint,
        format!("API error {code}: {}", err.message.as_str()),
    )
}

/// The `result` of one response after checking the envelope (`what` it must be, for the
/// message when it is missing), with the server's send time (ms).
fn result<'a, R: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
    what: &str,
) -> Result<(R, Option<i64>), ParseError> {
    let env: DeribitEnvelope<'a, R> = kit::decode(endpoint, bytes)?;
    if let Some(err) = env.error {
        return Err(api_error(endpoint, &err));
    }
    let result = env.result.ok_or_else(|| {
        ParseError::new(
            endpoint,
            format!("not a Deribit JSON-RPC envelope: no `result` {what}"),
        )
    })?;
    Ok((result, env.us_out.get().map(|us| us / 1000)))
}

/// The rows of one response after checking the envelope, with the server's send time (ms).
fn rows<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<(Vec<T>, Option<i64>), ParseError> {
    result(endpoint, bytes, "array")
}

/// The rows of every body of `endpoint`, in request order, each with its body's server time.
/// At least one body must have been fetched.
fn all_rows<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
) -> Result<Vec<(T, Option<i64>)>, ParseError> {
    kit::rows_of(bodies, endpoint, true, |bytes| {
        let (rows, server_ms) = rows::<T>(endpoint, bytes)?;
        Ok(rows.into_iter().map(|r| (r, server_ms)).collect())
    })
}

/// `SOL_USDC` → (`SOL`, `USDC`); anything but two non-empty parts is `None`.
fn split_pair(pair: &str) -> Option<(&str, &str)> {
    let (base, quote) = pair.split_once('_')?;
    (!base.is_empty() && !quote.is_empty() && !quote.contains(['_', '-'])).then_some((base, quote))
}

/// Whether a row is listed as tradable: `is_active` true and the book `open` (when stated).
fn is_trading(row: &DeribitInstrument<'_>) -> bool {
    row.is_active.is_true() && matches!(row.state.as_str(), "" | "open")
}

/// Base and quote from the name's pair, else from the row's currencies.
fn base_quote<'r>(row: &'r DeribitInstrument<'_>, pair: &'r str) -> Option<(&'r str, &'r str)> {
    split_pair(pair).or_else(|| Some((row.base_currency.get()?, row.quote_currency.get()?)))
}

/// A trading linear perpetual, or `None` for anything else.
fn perp_instrument(row: &DeribitInstrument<'_>) -> Option<Instrument> {
    let symbol = row.instrument_name.get()?;
    let pair = symbol.strip_suffix(PERPETUAL_SUFFIX)?;
    let perpetual = matches!(row.settlement_period.as_str(), "" | "perpetual");
    let linear = match (row.instrument_type.get(), row.future_type.get()) {
        (Some(kind), _) | (None, Some(kind)) => kind == "linear",
        (None, None) => pair.contains('_'),
    };
    if row.kind.as_str() != "future" || !perpetual || !linear || !is_trading(row) {
        return None;
    }
    let (base, quote) = base_quote(row, pair)?;
    Some(rows::perp(
        Venue::Deribit,
        symbol,
        split_multiplier(base),
        quote,
    ))
}

/// A trading spot pair, or `None`.
fn spot_instrument(row: &DeribitInstrument<'_>) -> Option<Instrument> {
    let symbol = row.instrument_name.get()?;
    if row.kind.as_str() != "spot" || !is_trading(row) {
        return None;
    }
    let (asset, quote) = base_quote(row, symbol)?;
    Some(rows::spot(Venue::Deribit, symbol, asset, quote))
}

/// Parses the future and spot instrument lists into trading linear perpetuals and spot pairs.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let futures: Vec<(DeribitInstrument<'_>, _)> = all_rows(bodies, INSTRUMENTS_FUTURE.name)?;
    let spots: Vec<(DeribitInstrument<'_>, _)> = all_rows(bodies, INSTRUMENTS_SPOT.name)?;
    let candidates = futures
        .iter()
        .filter_map(|(row, _)| perp_instrument(row))
        .chain(spots.iter().filter_map(|(row, _)| spot_instrument(row)));
    Ok(Reference {
        instruments: kit::unique_listings("deribit", candidates),
        ..Reference::default()
    })
}

/// 24 h volume in the quote currency: `volume_usd` for stablecoin quotes, else base `volume` ×
/// `last` (else `mark_price`), both per the instrument's own base unit.
fn quote_volume(row: &DeribitBookSummary<'_>, quote: &str) -> Option<Decimal> {
    if is_stablecoin(quote)
        && let Some(usd) = row.volume_usd.get()
    {
        return Some(usd);
    }
    let price = row.last.get().or(row.mark_price.get())?;
    row.volume.get()?.checked_mul(price).map(|v| v.normalize())
}

/// Parses one poll's bodies. Perps need a book summary with `funding_8h`; spots need a book
/// summary. Instruments absent from `reference` are dropped.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let futures: Vec<(DeribitBookSummary<'_>, _)> = all_rows(bodies, SUMMARY_FUTURE.name)?;
    let spot_rows: Vec<(DeribitBookSummary<'_>, _)> = all_rows(bodies, SUMMARY_SPOT.name)?;
    let futures = kit::by_symbol(&futures, |r| r.0.instrument_name.get());
    let spot_rows = kit::by_symbol(&spot_rows, |r| r.0.instrument_name.get());
    let interval = Decimal::from(FUNDING_INTERVAL_HOURS);

    let perp = |inst: &Instrument| {
        let (row, book) = summary(&futures, inst)?;
        let funding = Funding {
            rate: row.funding_8h.get()?,
            interval_hours: interval,
            next: None,
        };
        let marks = Marks {
            mark: row.mark_price.get(),
            index: row.estimated_delivery_price.get(),
            open_interest: rows::in_coins(row.open_interest.get(), inst),
        };
        Some((funding, book, marks))
    };
    let spot = |inst: &Instrument| summary(&spot_rows, inst).map(|(_, book)| book);
    Ok(rows::snapshot(
        Venue::Deribit,
        reference,
        received_at,
        perp,
        spot,
    ))
}

/// The book summary of `inst` among `summaries` (with its body's server time) and the book it
/// gives.
fn summary<'r>(
    summaries: &HashMap<&str, &'r (DeribitBookSummary<'r>, Option<i64>)>,
    inst: &Instrument,
) -> Option<(&'r DeribitBookSummary<'r>, Book)> {
    let (row, server_ms) = summaries.get(inst.symbol.as_str())?;
    let exchange_time = row
        .creation_timestamp
        .get()
        .or(*server_ms)
        .and_then(ms_time);
    let book = Book {
        bid: row.bid_price.get(),
        ask: row.ask_price.get(),
        high_24h: row.high.get(),
        low_24h: row.low.get(),
        volume_24h_quote: quote_volume(row, &inst.quote),
        exchange_time,
    };
    Some((row, book))
}

/// Settled funding from `get_funding_rate_history`: one point per hour, at the row's
/// `timestamp`, with `interest_1h`, the rate paid over that hour. The caller derives a 1 h
/// interval from the hourly gaps, so the rate per hour is the same quantity as the snapshot's
/// `funding_8h` / 8 and the sum over a window is what was paid (`interest_8h` is an 8 h figure
/// at each hour: summing it would count every hour eight times). Rows without a time or an
/// `interest_1h` are skipped.
///
/// # Errors
/// A malformed body or an error envelope.
pub(super) fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let (rows, _) = rows::<DeribitFundingRow>(FUNDING_HISTORY.name, body)?;
    Ok(rows
        .iter()
        .filter_map(|r| kit::point(r.timestamp.get(), r.interest_1h.get()))
        .collect())
}

/// Candles from `get_tradingview_chart_data`'s columns (`ticks`, `high`, `low`, `close`), in
/// the instrument's quoted units (per `1000SHIB` for a multiplied perp). `status` `no_data` is an
/// empty page; a bar with a missing price is skipped; columns of different lengths are an error.
/// Deribit does not flag the running bar.
///
/// # Errors
/// A malformed body, an error envelope, or columns that do not line up.
pub(super) fn candles(body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let (chart, _): (DeribitChart<'_>, _) = result(CANDLES.name, body, "object")?;
    if chart.status.as_str() == "no_data" {
        return Ok(Vec::new());
    }
    let (ticks, high, low, close) = (
        chart.ticks.unwrap_or_default(),
        chart.high.unwrap_or_default(),
        chart.low.unwrap_or_default(),
        chart.close.unwrap_or_default(),
    );
    rows::column_candles(CANDLES.name, "ticks", &ticks, [&high, &low, &close], Some)
}
