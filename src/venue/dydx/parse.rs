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
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_multiplier};
use crate::venue::kit::{self, Book, Funding};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

const MS_PER_HOUR: i64 = 3_600_000;

/// Message of the indexer's rate-limit error (HTTP 429).
pub const RATE_LIMIT_MSG: &str = "Too many requests";

/// What a response's error list says. HTTP 429, or an error whose `msg` is "Too many requests",
/// is a rate limit; another `{"errors": [...]}` body is an API error (code: the entry's `code`,
/// else the HTTP status); anything else says nothing.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    if status == 429 {
        return BodySignal::RateLimited;
    }
    let Ok(doc) = serde_json::from_slice::<DydxErrors<'_>>(body) else {
        return BodySignal::Ok;
    };
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
fn symbol<'m>(key: &'m str, market: &'m DydxPerpetualMarket<'_>) -> Option<&'m str> {
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
    let (base, quote) = symbol.split_once('-')?;
    if base.is_empty() || quote.is_empty() || quote.contains('-') {
        return None;
    }
    let (asset, multiplier) = split_multiplier(base);
    Some(Instrument {
        venue: Venue::Dydx,
        market: Market::Perp,
        symbol: symbol.to_owned(),
        asset,
        quote: quote.to_owned(),
        multiplier,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
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

/// The top of the hour after `t` (dYdX settles funding every full hour).
fn next_hour(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    t.timestamp_millis()
        .div_euclid(MS_PER_HOUR)
        .checked_add(1)?
        .checked_mul(MS_PER_HOUR)
        .and_then(ms_time)
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
    let top_of_hour = next_hour(received_at);
    let mut perps = Vec::new();
    for inst in reference
        .instruments
        .iter()
        .filter(|i| i.market == Market::Perp)
    {
        let Some(m) = by_symbol.get(inst.symbol.as_str()) else {
            continue;
        };
        let Some(rate) = m.next_funding_rate.get() else {
            continue;
        };
        if !is_active(m) {
            continue;
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
        perps.push(PerpQuote {
            mark_price: oracle,
            index_price: oracle,
            open_interest: m
                .open_interest
                .get()
                .and_then(|oi| oi.checked_mul(inst.multiplier))
                .map(|oi| oi.normalize()),
            ..kit::perp_quote(inst, funding, book, received_at)
        });
    }
    Ok(Snapshot {
        venue: Venue::Dydx,
        received_at,
        perps,
        spots: Vec::new(),
    })
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
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;
    use crate::venue::dydx::{Dydx, perpetual_markets};
    use crate::venue::testkit::{candle, mutate, mutation, point};
    use crate::venue::{Bar, VenueAdapter};

    const MARKETS: &str = include_str!("../../../fixtures/dydx/perpetualMarkets.json");
    const MARKETS_Q: &str = include_str!("../../../fixtures/dydx/perpetualMarkets-quirks.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/dydx/error-rate-limit.json");
    const NOT_FOUND: &str = include_str!("../../../fixtures/dydx/error-not-found.json");
    const GEOBLOCKED: &str = include_str!("../../../fixtures/dydx/error-geoblocked.json");
    const BAD_TICKER: &str = include_str!("../../../fixtures/dydx/error-invalid-ticker.json");
    const FUNDING: &str = include_str!("../../../fixtures/dydx/historicalFunding.json");
    const FUNDING_Q: &str = include_str!("../../../fixtures/dydx/historicalFunding-quirks.json");
    const CANDLES_J: &str = include_str!("../../../fixtures/dydx/candles.json");
    const CANDLES_Q: &str = include_str!("../../../fixtures/dydx/candles-quirks.json");

    /// An optional price, volume or open interest.
    type Px = Option<Decimal>;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn t(ms: i64) -> Option<DateTime<Utc>> {
        ms_time(ms)
    }

    /// 2025-07-25 11:20 UTC, the day of the fixtures; the next funding is at 12:00.
    fn received() -> DateTime<Utc> {
        t(1_753_442_400_000).expect("time")
    }

    fn with_bodies<R>(payloads: &[&[u8]], f: impl FnOnce(&[Body<'_>]) -> R) -> R {
        let request = perpetual_markets();
        let bodies: Vec<Body<'_>> = payloads
            .iter()
            .map(|bytes| Body {
                request: &request,
                bytes,
            })
            .collect();
        f(&bodies)
    }

    fn reference_of(payloads: &[&str]) -> Result<Reference, ParseError> {
        let raw: Vec<&[u8]> = payloads.iter().map(|p| p.as_bytes()).collect();
        with_bodies(&raw, reference)
    }

    fn snapshot_of(payloads: &[&str], r: &Reference) -> Result<Snapshot, ParseError> {
        let raw: Vec<&[u8]> = payloads.iter().map(|p| p.as_bytes()).collect();
        with_bodies(&raw, |b| snapshot(b, r, received()))
    }

    fn perp(symbol: &str, asset: &str) -> Instrument {
        Instrument {
            venue: Venue::Dydx,
            market: Market::Perp,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: "USD".into(),
            multiplier: Decimal::ONE,
            contract_size: Decimal::ONE,
            funding_interval_hours: None,
        }
    }

    #[test]
    fn documented_markets_parse_to_exact_values() {
        let r = reference_of(&[MARKETS]).expect("parses");
        assert_eq!(r.instruments, vec![perp("BTC-USD", "BTC")]);
        let s = snapshot_of(&[MARKETS], &r).expect("parses");
        assert_eq!((s.venue, s.received_at), (Venue::Dydx, received()));
        assert!(s.spots.is_empty(), "dYdX has no spot markets");
        assert_eq!(
            s.perps,
            vec![PerpQuote {
                venue: Venue::Dydx,
                symbol: "BTC-USD".into(),
                asset: "BTC".into(),
                quote: "USD".into(),
                multiplier: Decimal::ONE,
                funding_rate: Decimal::ZERO,
                // nextFundingRate is hourly; settles at the top of the next hour.
                funding_interval_hours: d("1"),
                next_funding_time: t(1_753_444_800_000),
                mark_price: Some(d("118976.5376")),
                index_price: Some(d("118976.5376")),
                // oracle ∓ 5 bp (more than half the 1 USD tick).
                bid: Some(d("118917.0493312")),
                ask: Some(d("119036.0258688")),
                high_24h: None,
                low_24h: None,
                // volume24H is USD notional; openInterest is in BTC.
                volume_24h_quote: Some(d("1292729.3605")),
                open_interest: Some(d("52.0691")),
                exchange_time: None,
                received_at: received(),
            }]
        );
    }

    #[test]
    fn quirky_markets_filter_statuses_and_keep_the_first_duplicate() {
        let r = reference_of(&[MARKETS_Q]).expect("parses");
        assert_eq!(
            r.instruments,
            vec![
                perp("ETH-USD", "ETH"),
                perp("PEPE-USD", "PEPE"),
                perp("SOL-USD", "SOL"),
                perp("DOGE-USD", "DOGE"),
                // LUNA (FINAL_SETTLEMENT), NEWC (INITIALIZING), HALT (PAUSED), CXL (CANCEL_ONLY)
                // and PO (POST_ONLY) are gone; ISOLATED markets are perps like the others.
                perp("ISO-USD", "ISO"),
                // ticker "": the object key.
                perp("XYZ-USD", "XYZ"),
                // BADTICKER has no quote; the second ETH-USD is a duplicate.
            ]
        );
        let s = snapshot_of(&[MARKETS_Q], &r).expect("parses");
        type Row<'a> = (&'a str, Decimal, Px, Px, Px, Px, Px);
        let rows: Vec<Row<'_>> = s
            .perps
            .iter()
            .map(|p| {
                (
                    p.symbol.as_str(),
                    p.funding_rate,
                    p.mark_price,
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
                // The first ETH-USD, not the duplicate's 0.9 / 9999.
                (
                    "ETH-USD",
                    d("0.0000125"),
                    Some(d("3400.12")),
                    Some(d("3398.41994")),
                    Some(d("3401.82006")),
                    Some(d("52000000.5")),
                    Some(d("15000.25")),
                ),
                // PEPE is quoted per coin on dYdX (no 1000× market).
                (
                    "PEPE-USD",
                    d("-0.00000625"),
                    Some(d("0.0000112")),
                    Some(d("0.0000111944")),
                    Some(d("0.0000112056")),
                    Some(d("2500000")),
                    Some(d("1234567890")),
                ),
                // SOL-USD has nextFundingRate "": dropped. DOGE: JSON numbers, exponent form,
                // volume24H null, openInterest "".
                (
                    "DOGE-USD",
                    d("0.000015"),
                    Some(d("0.3751")),
                    Some(d("0.37491245")),
                    Some(d("0.37528755")),
                    None,
                    None,
                ),
                // Half a 0.01 tick (0.005) is wider than 5 bp of 0.8123.
                (
                    "ISO-USD",
                    d("0.0001"),
                    Some(d("0.8123")),
                    Some(d("0.8073")),
                    Some(d("0.8173")),
                    Some(d("150000.75")),
                    Some(d("250000")),
                ),
                // tickSize "": 5 bp.
                (
                    "XYZ-USD",
                    d("0.00002"),
                    Some(d("10")),
                    Some(d("9.995")),
                    Some(d("10.005")),
                    Some(d("5000")),
                    Some(d("700")),
                ),
            ]
        );
        assert!(s.perps.iter().all(|p| {
            p.funding_interval_hours == Decimal::ONE
                && p.next_funding_time == t(1_753_444_800_000)
                && p.index_price == p.mark_price
                && (p.high_24h, p.low_24h) == (None, None)
        }));
    }

    #[test]
    fn markets_that_stopped_trading_since_the_reference_are_dropped() {
        let r = reference_of(&[MARKETS_Q]).expect("parses");
        let later = r#"{"markets": {
            "ETH-USD": {"ticker": "ETH-USD", "status": "PAUSED", "oraclePrice": "1",
                        "nextFundingRate": "0.1"},
            "PEPE-USD": {"ticker": "PEPE-USD", "status": "ACTIVE", "oraclePrice": "0.00001",
                         "nextFundingRate": "0.0001"},
            "NEWC-USD": {"ticker": "NEWC-USD", "status": "ACTIVE", "oraclePrice": "1",
                         "nextFundingRate": "0.0001"}}}"#;
        let s = snapshot_of(&[later], &r).expect("parses");
        let symbols: Vec<&str> = s.perps.iter().map(|p| p.symbol.as_str()).collect();
        assert_eq!(symbols, ["PEPE-USD"], "NEWC-USD is not in the reference");
    }

    #[test]
    fn malformed_and_error_bodies_name_the_endpoint() {
        let r = reference_of(&[MARKETS]).expect("parses");
        let cases = [
            (r#"{"markets": {"BTC-USD": {"ticker": "#, "malformed JSON"),
            ("[]", "no `markets` object"),
            (r#"{"markets": []}"#, "malformed JSON"),
            (r#"{"markets": null}"#, "no `markets` object"),
            (RATE_LIMIT, "API error: Too many requests"),
            (
                NOT_FOUND,
                "API error: BTC-USDX not found in markets of type PERPETUAL",
            ),
        ];
        for (body, detail) in cases {
            let err = snapshot_of(&[body], &r).expect_err(body);
            assert_eq!(err.endpoint, PERPETUAL_MARKETS);
            assert!(err.detail.contains(detail), "{err}");
            let err = reference_of(&[body]).expect_err(body);
            assert!(err.detail.contains(detail), "{err}");
        }
        assert_eq!(
            snapshot_of(&[], &r).expect_err("no body"),
            ParseError::new(PERPETUAL_MARKETS.name, "response missing")
        );
        let empty = snapshot_of(&[r#"{"markets": {}}"#], &r).expect("an empty list is data");
        assert!(empty.perps.is_empty());
    }

    #[test]
    fn check_body_maps_rate_limits_and_indexer_errors() {
        let rl = RATE_LIMIT.as_bytes();
        assert_eq!(Dydx.check_body(429, rl), BodySignal::RateLimited);
        assert_eq!(Dydx.check_body(429, b""), BodySignal::RateLimited);
        assert_eq!(
            Dydx.check_body(200, rl),
            BodySignal::RateLimited,
            "the message alone is enough"
        );
        assert_eq!(
            Dydx.check_body(404, NOT_FOUND.as_bytes()),
            BodySignal::Api {
                code: "404".into(),
                msg: "BTC-USDX not found in markets of type PERPETUAL".into(),
            }
        );
        let BodySignal::Api { code, msg } = Dydx.check_body(403, GEOBLOCKED.as_bytes()) else {
            panic!("geoblocking is an API error");
        };
        assert_eq!(code, "GEOBLOCKED");
        assert!(msg.starts_with("Because you appear to be a resident"));
        assert_eq!(Dydx.check_body(200, MARKETS.as_bytes()), BodySignal::Ok);
        assert_eq!(Dydx.check_body(200, br#"{"errors": []}"#), BodySignal::Ok);
        assert_eq!(
            Dydx.check_body(502, b"<html>bad gateway</html>"),
            BodySignal::Ok
        );
    }

    #[test]
    fn historical_funding_is_hourly_at_the_settled_hour() {
        // effectiveAt 11:00:00.013 (block time) is the 11:00 settlement.
        assert_eq!(
            Dydx.parse_funding_history(FUNDING.as_bytes()),
            Ok(vec![point(1_753_441_200_000, "0")])
        );
        assert_eq!(
            Dydx.parse_funding_history(FUNDING_Q.as_bytes()),
            Ok(vec![
                point(1_753_444_800_000, "0.0000125"),
                point(1_753_441_200_000, "-0.000003"),
                // Numbers (1.5e-5) and a time without milliseconds.
                point(1_753_437_600_000, "0.000015"),
                // rate "" and effectiveAt "yesterday": skipped; +02:00 is 07:00 UTC.
                point(1_753_426_800_000, "0.00001"),
            ])
        );
        assert_eq!(
            Dydx.parse_funding_history(br#"{"historicalFunding":[]}"#),
            Ok(vec![])
        );
        for (body, detail) in [
            (
                NOT_FOUND,
                "API error: BTC-USDX not found in markets of type PERPETUAL",
            ),
            (RATE_LIMIT, "API error: Too many requests"),
            (r#"{"historicalFunding":[{"rate":"#, "malformed JSON"),
            (r#"{"historicalFunding":{"rate":"1"}}"#, "malformed JSON"),
            (r#"{"candles":[]}"#, "no `historicalFunding` array"),
        ] {
            let err = Dydx.parse_funding_history(body.as_bytes()).expect_err(body);
            assert_eq!(err.endpoint, HISTORICAL_FUNDING);
            assert!(err.detail.contains(detail), "{err}");
        }
    }

    #[test]
    fn candles_parse_iso_open_times_and_string_prices() {
        let parse = |body: &str| Dydx.parse_candles(Market::Perp, Bar::Day, body.as_bytes());
        assert_eq!(
            parse(CANDLES_J),
            Ok(vec![candle(
                1_753_436_820_000,
                "116099",
                "116099",
                "116099"
            )])
        );
        // Newest first; per coin (PEPE-USD is not multiplied); a number (1.28e-5) is read; the
        // row with high null and the date-only startedAt are skipped.
        assert_eq!(
            parse(CANDLES_Q),
            Ok(vec![
                candle(1_753_401_600_000, "0.00001388", "0.00001301", "0.00001377"),
                candle(1_753_315_200_000, "0.0000136", "0.0000128", "0.00001342"),
            ])
        );
        assert_eq!(parse(r#"{"candles":[]}"#), Ok(vec![]));
        for (body, detail) in [
            (
                BAD_TICKER,
                "API error: ticker must be a valid ticker (BTC-USD, etc)",
            ),
            (GEOBLOCKED, "API error"),
            (r#"{"candles":[{"high":"1""#, "malformed JSON"),
            (r#"{"candles":"none"}"#, "malformed JSON"),
            (r#"{}"#, "no `candles` array"),
        ] {
            let err = parse(body).expect_err(body);
            assert_eq!(err.endpoint, CANDLES);
            assert!(err.detail.contains(detail), "{err}");
        }
    }

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
            quirky in any::<bool>(),
            m in mutation(),
        ) {
            let text = if quirky { MARKETS_Q } else { MARKETS };
            let mutated = mutate(text, &m);
            let _ = Dydx.check_body(200, &mutated);
            let _ = Dydx.check_body(400, &mutated);
            let good_ref = reference_of(&[MARKETS_Q, MARKETS]).expect("fixtures parse");
            let (ref_result, snap_result) = with_bodies(&[&mutated[..]], |bodies| {
                (reference(bodies), snapshot(bodies, &good_ref, received()))
            });
            if m.truncates() {
                // A strict prefix of a JSON document is never a document.
                let err = ref_result.expect_err("truncated payload must fail");
                prop_assert_eq!(err.endpoint, PERPETUAL_MARKETS);
                prop_assert!(snap_result.is_err());
            } else if let Ok(r) = ref_result {
                prop_assert!(r.instruments.iter().all(|i| i.symbol.contains('-')));
            }
            if let Ok(s) = snap_result {
                let known: HashSet<&str> =
                    good_ref.instruments.iter().map(|i| i.symbol.as_str()).collect();
                prop_assert!(s.perps.iter().all(|p| known.contains(p.symbol.as_str())));
                prop_assert!(s.perps.iter().all(|p| sane(p.bid, p.ask)));
            }
        }

        #[test]
        fn mutated_history_payloads_never_panic(
            which in 0..4usize,
            m in mutation(),
        ) {
            let text = [FUNDING, FUNDING_Q, CANDLES_J, CANDLES_Q][which];
            let mutated = mutate(text, &m);
            let funding = Dydx.parse_funding_history(&mutated);
            let candles = Dydx.parse_candles(Market::Perp, Bar::Hour, &mutated);
            let (endpoint, result) = if which < 2 {
                (HISTORICAL_FUNDING, funding.map(|p| p.len()))
            } else {
                (CANDLES, candles.map(|c| c.len()))
            };
            if m.truncates() {
                let err = result.expect_err("truncated payload must fail");
                prop_assert_eq!(err.endpoint, endpoint);
            } else if let Ok(n) = result {
                prop_assert!(n <= 6);
            }
        }
    }
}
