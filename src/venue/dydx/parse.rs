//! dYdX v4 indexer payloads to domain types (pure): error list check, status filter, snapshot.
//!
//! Rules (see `exchange-apis/README.md`, dYdX section):
//! - Reference: markets with `status` `ACTIVE` only (not `PAUSED`, `CANCEL_ONLY`, `POST_ONLY`,
//!   `INITIALIZING` or `FINAL_SETTLEMENT`), `CROSS` and `ISOLATED` alike (both are linear
//!   perpetuals). The symbol is `ticker` (else the object key); `BTC-USD` → asset BTC (through
//!   `split_multiplier`), quote USD; a ticker without a `-` is dropped. Contract size 1 (sizes
//!   are in coins); the list states no interval.
//! - Snapshot: the same endpoint; a market no longer `ACTIVE` is dropped even if the cached
//!   reference lists it. `nextFundingRate` is per 1 h: interval 1, next funding at the top of the
//!   hour after `received_at`. Mark = index = `oraclePrice`; bid/ask `oraclePrice ∓ max(oracle ×`
//!   [`ASSUMED_HALF_SPREAD`]`, tickSize / 2)`. Volume: `volume24H` (USD notional). Open interest:
//!   `openInterest` (base) × multiplier. No 24 h high/low, no exchange time: `None`.
//! - Duplicates: the first market of a symbol wins.
//! - History: `historicalFunding` rows are hourly 1 h rates at the hour of `effectiveAt`;
//!   candles are last-trade prices per coin at `startedAt`. Both come newest first.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::wire::{
    DydxCandles, DydxError, DydxErrors, DydxHistoricalFunding, DydxMarkets, DydxPerpetualMarket,
    DydxPerpetualMarkets,
};
use super::{
    ACTIVE, ASSUMED_HALF_SPREAD, CANDLES, FUNDING_INTERVAL_HOURS, HISTORICAL_FUNDING,
    PERPETUAL_MARKETS,
};
use crate::model::{Instrument, Reference, Snapshot, Venue};
use crate::parse::split_multiplier;
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows;
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

const MS_PER_HOUR: i64 = 3_600_000;

/// Message of the indexer's rate-limit error (HTTP 429).
pub const RATE_LIMIT_MSG: &str = "Too many requests";

/// What a response's error list says. HTTP 429, or an error whose `msg` is "Too many requests",
/// is a rate limit; another `{"errors": [...]}` body is an API error (code: the entry's `code`,
/// else the HTTP status); anything else says nothing.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    kit::signal_of(status, body, |doc: DydxErrors<'_>| {
        let errors = doc.errors.unwrap_or_default();
        let Some(first) = errors.first() else {
            return BodySignal::Ok;
        };
        let rate_limited = errors.iter().any(|e| {
            e.msg
                .get()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case(RATE_LIMIT_MSG))
        });
        if rate_limited {
            return BodySignal::RateLimited;
        }
        BodySignal::Api {
            code: first
                .code
                .get()
                .map_or_else(|| status.to_string(), str::to_owned),
            msg: first.msg.get().unwrap_or_default().to_owned(),
        }
    })
}

/// The markets of every `perpetualMarkets` body, in request order; at least one body.
fn all_markets<'a>(bodies: &'a [Body<'a>]) -> Result<Vec<DydxMarkets<'a>>, ParseError> {
    let name = PERPETUAL_MARKETS.name;
    kit::each_body(bodies, name, true, |bytes| {
        let doc: DydxPerpetualMarkets<'a> = kit::decode(name, bytes)?;
        answer(
            name,
            doc.markets,
            doc.errors,
            "no `markets` object in the answer",
        )
    })
}

/// The market's symbol: its `ticker`, else the key it is listed under.
pub(super) fn symbol<'m>(key: &'m str, market: &'m DydxPerpetualMarket<'_>) -> Option<&'m str> {
    market.ticker.get().or((!key.is_empty()).then_some(key))
}

fn is_active(market: &DydxPerpetualMarket<'_>) -> bool {
    market.status.get() == Some(ACTIVE)
}

/// An `ACTIVE` market as an instrument, or `None`.
fn instrument(symbol: &str, market: &DydxPerpetualMarket<'_>) -> Option<Instrument> {
    if !is_active(market) {
        return None;
    }
    let (base, quote) = kit::split_pair(symbol, '-')?;
    Some(rows::perp(
        Venue::Dydx,
        symbol,
        split_multiplier(base),
        quote,
    ))
}

/// Parses `perpetualMarkets` into the `ACTIVE` markets, with each one's
/// `maintenanceMarginFraction`.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let docs = all_markets(bodies)?;
    let mut instruments = Vec::new();
    let mut maintenance_rates = std::collections::BTreeMap::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (key, market) in docs.iter().flat_map(|d| d.0.iter()) {
        let Some(symbol) = symbol(key.get().unwrap_or_default(), market) else {
            continue;
        };
        if !seen.insert(symbol) {
            tracing::debug!(venue = "dydx", symbol, "duplicate market ignored");
            continue;
        }
        if let Some(inst) = instrument(symbol, market) {
            if let Some(m) = market.maintenance_margin_fraction.get() {
                maintenance_rates.insert(inst.symbol.clone(), m.normalize());
            }
            instruments.push(inst);
        }
    }
    Ok(Reference {
        instruments,
        maintenance_rates,
        ..Reference::default()
    })
}

/// `oracle ∓ max(oracle × ASSUMED_HALF_SPREAD, tick / 2)`, when that leaves a positive bid.
fn around_oracle(
    oracle: Option<Decimal>,
    tick: Option<Decimal>,
) -> (Option<Decimal>, Option<Decimal>) {
    let Some(px) = oracle.filter(|p| *p > Decimal::ZERO) else {
        return (None, None);
    };
    let Some(pct) = px.checked_mul(ASSUMED_HALF_SPREAD) else {
        return (None, None);
    };
    let half_tick = tick
        .filter(|t| *t > Decimal::ZERO)
        .and_then(|t| t.checked_div(Decimal::TWO))
        .unwrap_or(Decimal::ZERO);
    let half = pct.max(half_tick);
    match (px.checked_sub(half), px.checked_add(half)) {
        (Some(bid), Some(ask)) if bid > Decimal::ZERO => {
            (Some(bid.normalize()), Some(ask.normalize()))
        }
        _ => (None, None),
    }
}

/// Parses one poll's `perpetualMarkets` body. Markets need a funding rate and `ACTIVE`.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let docs = all_markets(bodies)?;
    let mut by_symbol: HashMap<&str, &DydxPerpetualMarket<'_>> = HashMap::new();
    for (key, market) in docs.iter().flat_map(|d| d.0.iter()) {
        if let Some(symbol) = symbol(key.get().unwrap_or_default(), market) {
            by_symbol.entry(symbol).or_insert(market);
        }
    }
    let top_of_hour = rows::next_hour(received_at);
    let perp = |inst: &Instrument| {
        let m = by_symbol.get(inst.symbol.as_str())?;
        let rate = m.next_funding_rate.get()?;
        if !is_active(m) {
            return None;
        }
        let oracle = m.oracle_price.get();
        let (bid, ask) = around_oracle(oracle, m.tick_size.get());
        let funding = Funding {
            rate,
            interval_hours: Decimal::from(FUNDING_INTERVAL_HOURS),
            next: top_of_hour,
        };
        let book = Book {
            bid,
            ask,
            volume_24h_quote: m.volume_24h.get(),
            ..Book::default()
        };
        let marks = Marks {
            mark: oracle,
            index: oracle,
            open_interest: rows::in_coins(m.open_interest.get(), inst),
        };
        Some((funding, book, marks))
    };
    Ok(rows::snapshot(
        Venue::Dydx,
        reference,
        received_at,
        perp,
        |_| None,
    ))
}

/// What an indexer answer of `endpoint` holds: its payload, else the first message of its error
/// list, else `missing`.
fn answer<T>(
    endpoint: &'static str,
    payload: Option<T>,
    errors: Option<Vec<DydxError<'_>>>,
    missing: &str,
) -> Result<T, ParseError> {
    match (payload, errors) {
        (Some(payload), _) => Ok(payload),
        (None, Some(errors)) => {
            let msg = errors
                .first()
                .and_then(|e| e.msg.get())
                .unwrap_or("no message");
            Err(ParseError::new(endpoint, format!("API error: {msg}")))
        }
        (None, None) => Err(ParseError::new(endpoint, missing)),
    }
}

/// Milliseconds of an ISO-8601 time with an offset (`2025-07-25T11:00:00.013Z`).
fn iso_ms(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Settled funding from `historicalFunding`: one point per hour with `rate`, the 1 h rate (the
/// snapshot's interval too). `effectiveAt` is the time of the block that applied the funding, a
/// few ms to a second after the hour; the point's time is that hour (floored), so the gaps the
/// caller derives the interval from are exactly 1 h. Rows without a parsable time or rate are
/// skipped.
///
/// # Errors
/// A malformed body or an error list.
pub(super) fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let name = HISTORICAL_FUNDING.name;
    let doc: DydxHistoricalFunding<'_> = kit::decode(name, body)?;
    let rows = answer(
        name,
        doc.historical_funding,
        doc.errors,
        "no `historicalFunding` array in the answer",
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let at = r.effective_at.get().and_then(iso_ms);
            kit::point(
                at.map(|at| at.div_euclid(MS_PER_HOUR) * MS_PER_HOUR),
                r.rate.get(),
            )
        })
        .collect())
}

/// Candles from `candles/perpetualMarkets`, in USD per one coin, open times from `startedAt`.
/// Rows without a parsable time or price are skipped; the running candle is kept (not flagged).
///
/// # Errors
/// A malformed body or an error list.
pub(super) fn candles(body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let doc: DydxCandles<'_> = kit::decode(CANDLES.name, body)?;
    let rows = answer(
        CANDLES.name,
        doc.candles,
        doc.errors,
        "no `candles` array in the answer",
    )?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let open_ms = r.started_at.get().and_then(iso_ms);
            kit::candle(open_ms, r.high.get(), r.low.get(), r.close.get())
        })
        .collect())
}

#[cfg(test)]
mod tests {
    //! dYdX's own quirk (markets that stop trading after the reference); what every venue does
    //! is pinned by `crate::venue::conformance`.

    use crate::model::Venue;
    use crate::venue::conformance::snapshot_from;
    use crate::venue::rows::quirky;

    #[test]
    fn markets_that_stopped_trading_since_the_reference_are_dropped() {
        let (q, r) = quirky(Venue::Dydx, 1);
        let later = r#"{"markets": {
            "ETH-USD": {"ticker": "ETH-USD", "status": "PAUSED", "oraclePrice": "1",
                        "nextFundingRate": "0.1"},
            "PEPE-USD": {"ticker": "PEPE-USD", "status": "ACTIVE", "oraclePrice": "0.00001",
                         "nextFundingRate": "0.0001"},
            "NEWC-USD": {"ticker": "NEWC-USD", "status": "ACTIVE", "oraclePrice": "1",
                         "nextFundingRate": "0.0001"}}}"#;
        let parts = [("perpetualMarkets", later)];
        let s = snapshot_from(Venue::Dydx, &parts, &r, q.received_ms);
        let symbols: Vec<&str> = s.perps.iter().map(|p| p.symbol.as_str()).collect();
        assert_eq!(symbols, ["PEPE-USD"], "NEWC-USD is not in the reference");
    }
}
