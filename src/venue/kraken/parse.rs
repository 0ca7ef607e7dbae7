//! Kraken Futures payloads to domain types (pure): envelope check, instrument filter, snapshot assembly.
//!
//! Rules (see `exchange-apis/README.md`, Kraken Futures section):
//! - Perps: `type` `flexible_futures` with a `PF_` symbol (multi-collateral linear perpetual),
//!   `tradeable` true, not `postOnly`, no `lastTradingTime`. Inverse `PI_`/`FI_`, fixed-maturity
//!   `FF_` contracts and index entries are dropped. In the tickers, a `suspended` or `postOnly`
//!   market, or a `tag` other than `perpetual`, is left out of the snapshot.
//! - Asset and quote come from `base`/`quote`, else `pair` (`ETH:USD`), else the symbol
//!   (`PF_XBTUSD`); `XBT` is BTC and `XDG` is DOGE; a multiplied base (`1000PEPE`) is split by
//!   [`split_multiplier`]. `contract_size` is `contractSize` (1 when absent).
//! - Funding is hourly and `fundingRate` is absolute (quote currency per contract): the relative
//!   rate is `fundingRate / markPrice` with a 1 h interval (DESIGN.md); a perp without both, or
//!   with a zero mark, is left out. Next funding is the top of the hour after `serverTime`
//!   (the received time when the envelope has none).
//! - Volume: `volumeQuote`, else `vol24h` contracts × `contractSize` × `last` (else
//!   `markPrice`). Open interest: `openInterest` contracts × `contractSize` × multiplier.
//! - Exchange time: the envelope's `serverTime` (`lastTime` is the last trade, not the data).
//! - Duplicates: the first row of a symbol wins, in the instrument list and the tickers.
//! - Kraken Futures lists no spot markets: snapshots hold perps only.
//! - History: `historicalfundingrates` gives `relativeFundingRate` per hour (the snapshot's
//!   fraction per hour); charts candles are last-trade prices per contract, times in ms.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    KrakenCandles, KrakenFundingRates, KrakenInstrument, KrakenInstruments, KrakenStatus,
    KrakenTicker, KrakenTickers,
};
use super::{
    CANDLES, FUNDING_INTERVAL_HOURS, HISTORICAL_FUNDING_RATES, INSTRUMENTS, RATE_LIMIT_ERROR,
    TICKERS,
};
use crate::model::{Instrument, Reference, Snapshot, Venue};
use crate::parse::split_multiplier;
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows::{self, next_hour};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

/// Prefix of multi-collateral linear perpetuals.
const PERPETUAL_PREFIX: &str = "PF_";

/// Quote suffixes recognised in a symbol without `base`/`quote`/`pair`, longest first.
const SYMBOL_QUOTES: [&str; 5] = ["USDT", "USDC", "USD", "EUR", "GBP"];

/// What the envelope of a response says. HTTP 429, or `"error": "apiLimitExceeded"` with any
/// status, is a rate limit; another `result: error` is an API error (its error string as code,
/// the text before a `:` when it has one); anything else says nothing.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    kit::signal_of(status, body, |env: KrakenStatus<'_>| {
        let error = env.error.as_str();
        if error == RATE_LIMIT_ERROR {
            return BodySignal::RateLimited;
        }
        if error.is_empty() && env.result.as_str() != "error" {
            return BodySignal::Ok;
        }
        let code = error.split(':').next().unwrap_or(error).trim();
        BodySignal::Api {
            code: if code.is_empty() { "error" } else { code }.to_owned(),
            msg: error.to_owned(),
        }
    })
}

/// The `ParseError` of an envelope reporting `result: error` (or an `error` string).
fn envelope_error(endpoint: &'static str, status: &KrakenStatus<'_>) -> Option<ParseError> {
    let error = status.error.get();
    (status.result.as_str() == "error" || error.is_some()).then(|| {
        ParseError::new(
            endpoint,
            format!("API error: {}", error.unwrap_or("result: error")),
        )
    })
}

/// What `split` takes from one body of `endpoint` decoded as `E`: its status, checked first,
/// and its array, required (`missing` says so).
///
/// # Errors
/// Malformed JSON, an error envelope or a missing array, naming `endpoint`.
fn checked<'a, E: Deserialize<'a>, T>(
    endpoint: &'static str,
    bytes: &'a [u8],
    missing: &str,
    split: impl FnOnce(E) -> (KrakenStatus<'a>, Option<T>),
) -> Result<T, ParseError> {
    let (status, rows) = split(kit::decode(endpoint, bytes)?);
    if let Some(err) = envelope_error(endpoint, &status) {
        return Err(err);
    }
    rows.ok_or_else(|| ParseError::new(endpoint, missing))
}

/// The instrument rows of every instruments body (at least one).
fn instrument_rows<'a>(bodies: &'a [Body<'a>]) -> Result<Vec<KrakenInstrument<'a>>, ParseError> {
    let name = INSTRUMENTS.name;
    let missing = "not a Kraken Futures envelope: no `instruments` array";
    kit::rows_of(bodies, name, true, |bytes| {
        checked(name, bytes, missing, |e: KrakenInstruments<'a>| {
            (e.status, e.instruments)
        })
    })
}

/// A ticker with the `serverTime` of the body it came from.
type TimedTicker<'a> = (KrakenTicker<'a>, Option<DateTime<Utc>>);

/// The ticker rows of every tickers body (at least one), each with its body's `serverTime`.
fn ticker_rows<'a>(bodies: &'a [Body<'a>]) -> Result<Vec<TimedTicker<'a>>, ParseError> {
    let name = TICKERS.name;
    let missing = "not a Kraken Futures envelope: no `tickers` array";
    kit::rows_of(bodies, name, true, |bytes| {
        checked(name, bytes, missing, |e: KrakenTickers<'a>| {
            let server_time = e.server_time.get().and_then(iso_time);
            let rows = e
                .tickers
                .map(|rows| rows.into_iter().map(|t| (t, server_time)).collect());
            (e.status, rows)
        })
    })
}

/// An ISO-8601 / RFC 3339 time (`2025-11-17T00:34:37.524Z`) in UTC.
fn iso_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Kraken's own coin codes → the spot coin (`XBT` → `BTC`, `XDG` → `DOGE`).
fn coin(code: &str) -> &str {
    match code {
        "XBT" => "BTC",
        "XDG" => "DOGE",
        other => other,
    }
}

/// (base, quote) from `base`/`quote`, else `pair` (`ETH:USD`), else the symbol (`PF_XBTUSD`).
fn base_quote<'r>(row: &'r KrakenInstrument<'_>, symbol: &'r str) -> Option<(&'r str, &'r str)> {
    let pair = row
        .pair
        .get()
        .and_then(|p| p.split_once(':'))
        .filter(|(b, q)| !b.is_empty() && !q.is_empty());
    let from_symbol = || {
        let stem = symbol.strip_prefix(PERPETUAL_PREFIX)?;
        SYMBOL_QUOTES.iter().find_map(|q| {
            stem.strip_suffix(q)
                .filter(|b| !b.is_empty())
                .map(|b| (b, *q))
        })
    };
    let base = row
        .base
        .get()
        .or(pair.map(|(b, _)| b))
        .or_else(|| from_symbol().map(|(b, _)| b))?;
    let quote = row
        .quote
        .get()
        .or(pair.map(|(_, q)| q))
        .or_else(|| from_symbol().map(|(_, q)| q))?;
    Some((base, quote))
}

/// A trading `PF_` linear perpetual, or `None` for anything else.
fn perp_instrument(row: &KrakenInstrument<'_>) -> Option<Instrument> {
    let symbol = row.symbol.get()?;
    let tradable = symbol.starts_with(PERPETUAL_PREFIX)
        && row.kind.as_str() == "flexible_futures"
        && row.tradeable.is_true()
        && !row.post_only.is_true()
        && row.last_trading_time.get().is_none();
    if !tradable {
        return None;
    }
    let (base, quote) = base_quote(row, symbol)?;
    let (asset, multiplier) = split_multiplier(base);
    let contract_size =
        kit::positive(row.contract_size.get()).map_or(Decimal::ONE, |c| c.normalize());
    let base = (coin(&asset).to_owned(), multiplier);
    Some(Instrument {
        contract_size,
        ..rows::perp(Venue::Kraken, symbol, base, coin(quote))
    })
}

/// Parses the instrument list into trading `PF_` linear perpetuals.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let listed = instrument_rows(bodies)?;
    let candidates = listed.iter().filter_map(perp_instrument);
    Ok(Reference {
        instruments: kit::unique_listings("kraken", candidates),
        ..Reference::default()
    })
}

/// 24 h quote volume: `volumeQuote`, else contracts × contract size × last (else mark).
fn quote_volume(t: &KrakenTicker<'_>, inst: &Instrument) -> Option<Decimal> {
    if let Some(v) = t.volume_quote.get() {
        return Some(v);
    }
    let price = t.last.get().or(t.mark_price.get())?;
    t.vol_24h
        .get()?
        .checked_mul(inst.contract_size)?
        .checked_mul(price)
        .map(|v| v.normalize())
}

/// Parses one poll's tickers. A perp needs a tradable ticker with a funding rate and a positive
/// mark price. Instruments absent from `reference` are dropped.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let entries = ticker_rows(bodies)?;
    let mut tickers: HashMap<String, &TimedTicker<'_>> = HashMap::with_capacity(entries.len());
    for entry in &entries {
        if let Some(symbol) = entry.0.symbol.get() {
            tickers.entry(symbol.to_ascii_uppercase()).or_insert(entry);
        }
    }
    let interval = Decimal::from(FUNDING_INTERVAL_HOURS);

    let perp = |inst: &Instrument| {
        let (t, server_time) = tickers.get(&inst.symbol.to_ascii_uppercase())?;
        let tradable = !t.suspended.is_true()
            && !t.post_only.is_true()
            && matches!(t.tag.as_str(), "" | "perpetual");
        if !tradable {
            return None;
        }
        let mark = t.mark_price.get().filter(|m| *m > Decimal::ZERO);
        let rate = t
            .funding_rate
            .get()
            .zip(mark)
            .and_then(|(absolute, mark)| absolute.checked_div(mark))?;
        let funding = Funding {
            rate: rate.normalize(),
            interval_hours: interval,
            next: next_hour(server_time.unwrap_or(received_at)),
        };
        let book = Book {
            bid: t.bid.get(),
            ask: t.ask.get(),
            high_24h: t.high_24h.get(),
            low_24h: t.low_24h.get(),
            volume_24h_quote: quote_volume(t, inst),
            exchange_time: *server_time,
        };
        let marks = Marks {
            mark,
            index: t.index_price.get(),
            open_interest: rows::in_coins(t.open_interest.get(), inst),
        };
        Some((funding, book, marks))
    };
    Ok(rows::snapshot(
        Venue::Kraken,
        reference,
        received_at,
        perp,
        |_| None,
    ))
}

/// Settled funding from `historicalfundingrates` (the whole history, any order): one point per
/// hourly `timestamp` with `relativeFundingRate`, the fraction of the price paid for the hour.
/// The snapshot's rate is the ticker's absolute `fundingRate / markPrice` over 1 h, the same
/// fraction per hour; the history's absolute `fundingRate` is not used (it would need the price
/// at each settlement). Rows without a time or a relative rate are skipped.
///
/// # Errors
/// A malformed body or an error envelope.
pub(super) fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let missing = "not a Kraken Futures envelope: no `rates` array";
    let rates = checked(
        HISTORICAL_FUNDING_RATES.name,
        body,
        missing,
        |e: KrakenFundingRates| (e.status, e.rates),
    )?;
    Ok(rates
        .iter()
        .filter_map(|r| {
            let time = r.timestamp.get().and_then(iso_time);
            kit::point(
                time.map(|t| t.timestamp_millis()),
                r.relative_funding_rate.get(),
            )
        })
        .collect())
}

/// Candles from the charts API (`trade` ticks: last-trade prices), in the contract's quoting
/// (per `1000PEPE` for a multiplied perp). Rows without a time or a price are skipped; the
/// running candle is not flagged.
///
/// # Errors
/// A malformed body or an error envelope.
pub(super) fn candles(body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let missing = "no `candles` array in the answer";
    let rows = checked(CANDLES.name, body, missing, |e: KrakenCandles| {
        (e.status, e.candles)
    })?;
    Ok(rows
        .iter()
        .filter_map(|c| kit::candle(c.time.get(), c.high.get(), c.low.get(), c.close.get()))
        .collect())
}

#[cfg(test)]
mod tests {
    //! Kraken's own quirk (the next funding is the top of the next hour); what every venue does
    //! is pinned by `crate::venue::conformance`.

    use super::*;
    use crate::venue::rows::quirky_snapshot_with;

    fn at(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    #[test]
    fn next_funding_is_the_top_of_the_next_hour() {
        let cases = [
            ("2025-11-17T00:34:37.524Z", "2025-11-17T01:00:00Z"),
            ("2025-11-17T00:00:00Z", "2025-11-17T01:00:00Z"),
            ("2025-12-31T23:59:59.999Z", "2026-01-01T00:00:00Z"),
        ];
        for (now, next) in cases {
            assert_eq!(at(now).and_then(next_hour), at(next), "{now}");
        }
        // Without serverTime, the received time is the reference.
        let no_time = ["\"serverTime\": \"2025-11-17T00:34:37.524Z\",", ""];
        let s = quirky_snapshot_with(Venue::Kraken, 2, no_time);
        assert_eq!(s.perps[0].exchange_time, None);
        assert_eq!(s.perps[0].next_funding_time, at("2025-11-17T01:00:00Z"));
    }
}
