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

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    DeribitBookSummary, DeribitChart, DeribitEnvelope, DeribitError, DeribitFundingRow,
    DeribitInstrument, DeribitObjectEnvelope, DeribitStatus,
};
use super::{
    CANDLES, FUNDING_HISTORY, FUNDING_INTERVAL_HOURS, INSTRUMENTS_FUTURE, INSTRUMENTS_SPOT,
    RATE_LIMIT_CODE, SUMMARY_FUTURE, SUMMARY_SPOT,
};
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, Venue, is_stablecoin};
use crate::parse::{ms_time, split_multiplier};
use crate::venue::kit::{self, Book, Funding};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

/// Message Deribit sends with [`RATE_LIMIT_CODE`].
const RATE_LIMIT_MESSAGE: &str = "too_many_requests";

/// Suffix of perpetual instrument names.
const PERPETUAL_SUFFIX: &str = "-PERPETUAL";

/// What the envelope of a response says. HTTP 429, or error `10028 too_many_requests` with any
/// status, is a rate limit; another `error` object is an API error; a body without one (or that
/// is not JSON) says nothing, leaving the HTTP status and the parser to decide.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    if status == 429 {
        return BodySignal::RateLimited;
    }
    let Ok(DeribitStatus { error: Some(err) }) = serde_json::from_slice::<DeribitStatus<'_>>(body)
    else {
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

/// The rows of one response after checking the envelope, with the server's send time (ms).
fn rows<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<(Vec<T>, Option<i64>), ParseError> {
    let env: DeribitEnvelope<'a, T> = kit::decode(endpoint, bytes)?;
    if let Some(err) = env.error {
        return Err(api_error(endpoint, &err));
    }
    let rows = env.result.ok_or_else(|| {
        ParseError::new(
            endpoint,
            "not a Deribit JSON-RPC envelope: no `result` array",
        )
    })?;
    Ok((rows, env.us_out.get().map(|us| us / 1000)))
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
    let (asset, multiplier) = split_multiplier(base);
    Some(Instrument {
        venue: Venue::Deribit,
        market: Market::Perp,
        symbol: symbol.to_owned(),
        asset,
        quote: quote.to_owned(),
        multiplier,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
}

/// A trading spot pair, or `None`.
fn spot_instrument(row: &DeribitInstrument<'_>) -> Option<Instrument> {
    let symbol = row.instrument_name.get()?;
    if row.kind.as_str() != "spot" || !is_trading(row) {
        return None;
    }
    let (asset, quote) = base_quote(row, symbol)?;
    Some(Instrument {
        venue: Venue::Deribit,
        market: Market::Spot,
        symbol: symbol.to_owned(),
        asset: asset.to_owned(),
        quote: quote.to_owned(),
        multiplier: Decimal::ONE,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
}

/// Parses the future and spot instrument lists into trading linear perpetuals and spot pairs.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let futures: Vec<(DeribitInstrument<'_>, _)> = all_rows(bodies, INSTRUMENTS_FUTURE.name)?;
    let spots: Vec<(DeribitInstrument<'_>, _)> = all_rows(bodies, INSTRUMENTS_SPOT.name)?;
    let mut instruments = Vec::with_capacity(futures.len() + spots.len());
    let mut seen: HashSet<(Market, String)> = HashSet::new();
    let candidates = futures
        .iter()
        .filter_map(|(row, _)| perp_instrument(row))
        .chain(spots.iter().filter_map(|(row, _)| spot_instrument(row)));
    for inst in candidates {
        if seen.insert((inst.market, inst.symbol.clone())) {
            instruments.push(inst);
        } else {
            tracing::debug!(venue = "deribit", symbol = %inst.symbol, "duplicate instrument row ignored");
        }
    }
    Ok(Reference {
        instruments,
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

    let mut perps = Vec::new();
    let mut spots = Vec::new();
    for inst in &reference.instruments {
        let rows = match inst.market {
            Market::Perp => &futures,
            Market::Spot => &spot_rows,
        };
        let Some((row, server_ms)) = rows.get(inst.symbol.as_str()) else {
            continue;
        };
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
        match inst.market {
            Market::Perp => {
                let Some(rate) = row.funding_8h.get() else {
                    continue;
                };
                let funding = Funding {
                    rate,
                    interval_hours: interval,
                    next: None,
                };
                perps.push(PerpQuote {
                    mark_price: row.mark_price.get(),
                    index_price: row.estimated_delivery_price.get(),
                    open_interest: row
                        .open_interest
                        .get()
                        .and_then(|oi| oi.checked_mul(inst.multiplier))
                        .map(|v| v.normalize()),
                    ..kit::perp_quote(inst, funding, book, received_at)
                });
            }
            Market::Spot => spots.push(kit::spot_quote(inst, book, received_at)),
        }
    }
    Ok(Snapshot {
        venue: Venue::Deribit,
        received_at,
        perps,
        spots,
    })
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
    let env: DeribitObjectEnvelope<'_, DeribitChart<'_>> = kit::decode(CANDLES.name, body)?;
    if let Some(err) = env.error {
        return Err(api_error(CANDLES.name, &err));
    }
    let chart = env.result.ok_or_else(|| {
        ParseError::new(
            CANDLES.name,
            "not a Deribit JSON-RPC envelope: no `result` object",
        )
    })?;
    if chart.status.as_str() == "no_data" {
        return Ok(Vec::new());
    }
    let ticks = chart.ticks.unwrap_or_default();
    let high = chart.high.unwrap_or_default();
    let low = chart.low.unwrap_or_default();
    let close = chart.close.unwrap_or_default();
    if [high.len(), low.len(), close.len()] != [ticks.len(); 3] {
        return Err(ParseError::new(
            CANDLES.name,
            format!(
                "columns of different lengths: ticks {}, high {}, low {}, close {}",
                ticks.len(),
                high.len(),
                low.len(),
                close.len()
            ),
        ));
    }
    Ok(ticks
        .iter()
        .zip(high.iter().zip(low.iter().zip(close.iter())))
        .filter_map(|(t, (h, (l, c)))| kit::candle(t.get(), h.get(), l.get(), c.get()))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;
    use crate::venue::deribit::Deribit;
    use crate::venue::testkit::{candle, mutate, mutation, point};
    use crate::venue::{Bar, Request, VenueAdapter};

    const FUTURES: &str = include_str!("../../../fixtures/deribit/get_instruments-future.json");
    const FUTURES_Q: &str =
        include_str!("../../../fixtures/deribit/get_instruments-future-quirks.json");
    const SPOTS: &str = include_str!("../../../fixtures/deribit/get_instruments-spot.json");
    const SUMMARY_F: &str =
        include_str!("../../../fixtures/deribit/get_book_summary_by_currency-future.json");
    const SUMMARY_FQ: &str =
        include_str!("../../../fixtures/deribit/get_book_summary_by_currency-future-quirks.json");
    const SUMMARY_S: &str =
        include_str!("../../../fixtures/deribit/get_book_summary_by_currency-spot.json");
    const TOO_MANY: &str = include_str!("../../../fixtures/deribit/error-too-many-requests.json");
    const BAD_PARAMS: &str = include_str!("../../../fixtures/deribit/error-invalid-params.json");
    const NOT_FOUND: &str = include_str!("../../../fixtures/deribit/error-not-found.json");
    const FUNDING: &str = include_str!("../../../fixtures/deribit/get_funding_rate_history.json");
    const FUNDING_Q: &str =
        include_str!("../../../fixtures/deribit/get_funding_rate_history-quirks.json");
    const CHART: &str = include_str!("../../../fixtures/deribit/get_tradingview_chart_data.json");
    const CHART_Q: &str =
        include_str!("../../../fixtures/deribit/get_tradingview_chart_data-quirks.json");
    const CHART_EMPTY: &str =
        include_str!("../../../fixtures/deribit/get_tradingview_chart_data-no-data.json");

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn t(ms: i64) -> Option<DateTime<Utc>> {
        ms_time(ms)
    }

    fn received() -> DateTime<Utc> {
        t(1_763_340_878_000).expect("time")
    }

    fn request(endpoint: &'static str) -> Request {
        Deribit
            .reference_requests()
            .into_iter()
            .chain(Deribit.snapshot_requests(true))
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

    fn reference_of(parts: &[(&'static str, &str)]) -> Result<Reference, ParseError> {
        let parts: Vec<(&'static str, &[u8])> =
            parts.iter().map(|(e, b)| (*e, b.as_bytes())).collect();
        with_bodies(&parts, reference)
    }

    fn snapshot_of(
        parts: &[(&'static str, &str)],
        reference: &Reference,
    ) -> Result<Snapshot, ParseError> {
        let parts: Vec<(&'static str, &[u8])> =
            parts.iter().map(|(e, b)| (*e, b.as_bytes())).collect();
        with_bodies(&parts, |b| snapshot(b, reference, received()))
    }

    fn perp(symbol: &str, asset: &str, quote: &str, multiplier: &str) -> Instrument {
        Instrument {
            venue: Venue::Deribit,
            market: Market::Perp,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: quote.into(),
            multiplier: d(multiplier),
            contract_size: Decimal::ONE,
            funding_interval_hours: None,
        }
    }

    fn spot(symbol: &str, asset: &str, quote: &str) -> Instrument {
        Instrument {
            market: Market::Spot,
            ..perp(symbol, asset, quote, "1")
        }
    }

    fn all_references() -> Reference {
        reference_of(&[
            (INSTRUMENTS_FUTURE.name, FUTURES),
            (INSTRUMENTS_FUTURE.name, FUTURES_Q),
            (INSTRUMENTS_SPOT.name, SPOTS),
        ])
        .expect("reference fixtures parse")
    }

    #[test]
    fn instrument_lists_keep_active_linear_perpetuals_and_spot_pairs() {
        let r = reference_of(&[
            (INSTRUMENTS_FUTURE.name, FUTURES),
            (INSTRUMENTS_SPOT.name, SPOTS),
        ])
        .expect("parses");
        assert_eq!(
            r.instruments,
            vec![
                // BTC_USDC-27MAR26 (settlement_period month) and XRP (is_active false) dropped;
                // contract_size 0.0001 is an order step, sizes are in coins already.
                perp("SOL_USDC-PERPETUAL", "SOL", "USDC", "1"),
                perp("BTC_USDC-PERPETUAL", "BTC", "USDC", "1"),
                perp("ETH_USDC-PERPETUAL", "ETH", "USDC", "1"),
                // MATIC (inactive), the duplicate ETH_USDC and a perp in the spot list dropped.
                spot("BTC_USDC", "BTC", "USDC"),
                spot("ETH_USDC", "ETH", "USDC"),
                spot("BTC_USDT", "BTC", "USDT"),
                spot("STETH_ETH", "STETH", "ETH"),
                // base_currency/quote_currency "": split from the name.
                spot("PAXG_USDC", "PAXG", "USDC"),
            ]
        );
    }

    #[test]
    fn quirky_instrument_list_filters_inverse_closed_and_combos_and_maps_symbols() {
        let r = reference_of(&[
            (INSTRUMENTS_FUTURE.name, FUTURES_Q),
            (INSTRUMENTS_SPOT.name, SPOTS),
        ])
        .expect("parses");
        let perps: Vec<&Instrument> = r
            .instruments
            .iter()
            .filter(|i| i.market == Market::Perp)
            .collect();
        assert_eq!(
            perps,
            [
                // BTC-PERPETUAL (reversed) is gone.
                &perp("1000SHIB_USDC-PERPETUAL", "SHIB", "USDC", "1000"),
                // instrument_type absent: future_type says linear.
                &perp("PAXG_USDC-PERPETUAL", "PAXG", "USDC", "1"),
                // neither type field: the `_` of the linear naming.
                &perp("DOGE_USDC-PERPETUAL", "DOGE", "USDC", "1"),
                // AVAX (state closed) is gone; ADA's null/"" currencies come from the name.
                &perp("ADA_USDC-PERPETUAL", "ADA", "USDC", "1"),
                // A USDT-settled linear perp keeps its own quote.
                &perp("ETH_USDT-PERPETUAL", "ETH", "USDT", "1"),
                // The name wins over base_currency "WBTC"; the combo and NEAR (is_active null)
                // are gone.
                &perp("BTC_USDC-PERPETUAL", "BTC", "USDC", "1"),
            ]
        );
        let all = all_references();
        let btc: Vec<&Instrument> = all
            .instruments
            .iter()
            .filter(|i| i.symbol == "BTC_USDC-PERPETUAL")
            .collect();
        assert_eq!(btc.len(), 1, "the duplicate across lists is ignored");
    }

    #[test]
    fn book_summaries_parse_to_exact_values() {
        let r = all_references();
        let s = snapshot_of(
            &[
                (SUMMARY_FUTURE.name, SUMMARY_F),
                (SUMMARY_SPOT.name, SUMMARY_S),
            ],
            &r,
        )
        .expect("parses");
        assert_eq!((s.venue, s.received_at), (Venue::Deribit, received()));
        // The inverse BTC-PERPETUAL, the dated future, inactive XRP and unlisted NEW are dropped.
        let symbols: Vec<&str> = s.perps.iter().map(|p| p.symbol.as_str()).collect();
        assert_eq!(
            symbols,
            [
                "SOL_USDC-PERPETUAL",
                "BTC_USDC-PERPETUAL",
                "ETH_USDC-PERPETUAL"
            ]
        );
        assert_eq!(
            s.perps[0],
            PerpQuote {
                venue: Venue::Deribit,
                symbol: "SOL_USDC-PERPETUAL".into(),
                asset: "SOL".into(),
                quote: "USDC".into(),
                multiplier: Decimal::ONE,
                // funding_8h sent in exponent form (2.11e-05), reported over 8 h.
                funding_rate: d("0.0000211"),
                funding_interval_hours: d("8"),
                next_funding_time: None,
                mark_price: Some(d("149.8812")),
                index_price: Some(d("149.8443")),
                bid: Some(d("149.87")),
                ask: Some(d("149.9")),
                high_24h: Some(d("153.4")),
                low_24h: Some(d("146.2")),
                volume_24h_quote: Some(d("1859236.52")),
                open_interest: Some(d("48291.3")),
                exchange_time: t(1_763_340_877_520),
                received_at: received(),
            }
        );
        let btc = &s.perps[1];
        assert_eq!(btc.funding_rate, d("-0.00001234"));
        assert_eq!((btc.bid, btc.ask), (Some(d("91410")), Some(d("91415"))));
        assert_eq!(
            (btc.volume_24h_quote, btc.open_interest),
            (Some(d("13928641.2")), Some(d("312.5891"))),
            "volume_usd; open interest in BTC"
        );
        let eth = &s.perps[2];
        assert_eq!(
            (eth.bid, eth.ask),
            (None, Some(d("3051.2"))),
            "one-sided book"
        );
        assert_eq!((eth.high_24h, eth.low_24h), (None, None));
        assert_eq!(
            (eth.volume_24h_quote, eth.open_interest),
            (Some(Decimal::ZERO), Some(Decimal::ZERO))
        );

        let spots: Vec<(&str, &str, Option<Decimal>)> = s
            .spots
            .iter()
            .map(|q| (q.symbol.as_str(), q.quote.as_str(), q.volume_24h_quote))
            .collect();
        assert_eq!(
            spots,
            [
                ("BTC_USDC", "USDC", Some(d("4117000.15"))),
                // No volume_usd: 1000 ETH × last 3050.5.
                ("ETH_USDC", "USDC", Some(d("3050500"))),
                ("BTC_USDT", "USDT", Some(d("250000.5"))),
                // ETH quote: volume_usd is not in the quote currency; 5.5 × 0.9991 ETH.
                ("STETH_ETH", "ETH", Some(d("5.49505"))),
                ("PAXG_USDC", "USDC", Some(Decimal::ZERO)),
            ]
        );
        let btc = &s.spots[0];
        assert_eq!(
            (btc.bid, btc.ask, btc.high_24h, btc.low_24h),
            (
                Some(d("91400")),
                Some(d("91420")),
                Some(d("92000")),
                Some(d("89700"))
            ),
            "the first BTC_USDC row wins over the later duplicate"
        );
        assert_eq!(btc.exchange_time, t(1_763_340_877_530));
        assert_eq!((s.spots[4].bid, s.spots[4].ask), (None, None));
    }

    #[test]
    fn quirky_book_summaries_multipliers_strings_and_missing_fields() {
        let r = all_references();
        let s = snapshot_of(
            &[
                (SUMMARY_FUTURE.name, SUMMARY_F),
                (SUMMARY_FUTURE.name, SUMMARY_FQ),
                (SUMMARY_SPOT.name, SUMMARY_S),
            ],
            &r,
        )
        .expect("parses");
        let rows: Vec<(&str, Decimal)> = s
            .perps
            .iter()
            .map(|p| (p.symbol.as_str(), p.funding_rate))
            .collect();
        assert_eq!(
            rows,
            [
                // The first body's SOL row wins over the quirks' 0.5.
                ("SOL_USDC-PERPETUAL", d("0.0000211")),
                ("BTC_USDC-PERPETUAL", d("-0.00001234")),
                ("ETH_USDC-PERPETUAL", d("0.0001")),
                // 4.5e-7; the duplicate row's 0.9 is ignored.
                ("1000SHIB_USDC-PERPETUAL", d("0.00000045")),
                ("PAXG_USDC-PERPETUAL", d("-0.00002")),
                // DOGE has current_funding but no funding_8h: left out.
                ("ADA_USDC-PERPETUAL", Decimal::ZERO),
                ("ETH_USDT-PERPETUAL", d("0.00005")),
            ]
        );
        assert!(s.perps.iter().all(|p| p.funding_interval_hours == d("8")));

        let shib = &s.perps[3];
        assert_eq!((shib.asset.as_str(), shib.multiplier), ("SHIB", d("1000")));
        // Prices stay per 1000 SHIB; open interest 15 M units of 1000SHIB = 15 G SHIB.
        assert_eq!(
            (shib.bid, shib.ask),
            (Some(d("0.0121")), Some(d("0.01211")))
        );
        assert_eq!(shib.open_interest, Some(d("15000000000")));
        assert_eq!(shib.volume_24h_quote, Some(d("992500.5")));
        assert_eq!(shib.unit_price(d("0.0121")), d("0.0000121"));

        let paxg = &s.perps[4];
        assert_eq!(
            (paxg.bid, paxg.ask, paxg.mark_price, paxg.index_price),
            (
                Some(d("4071.3")),
                Some(d("4071.9")),
                Some(d("4071.1")),
                Some(d("4070.55"))
            ),
            "numbers sent as strings"
        );
        assert_eq!((paxg.high_24h, paxg.low_24h), (None, None));
        // No volume_usd: 12.5 PAXG × last 4070.9.
        assert_eq!(paxg.volume_24h_quote, Some(d("50886.25")));
        assert_eq!(paxg.open_interest, Some(d("3.25")));
        assert_eq!(paxg.exchange_time, t(1_763_340_877_602), "string timestamp");

        let ada = &s.perps[5];
        assert_eq!(
            (ada.volume_24h_quote, ada.open_interest, ada.high_24h),
            (None, None, None)
        );
        assert_eq!(
            ada.exchange_time,
            t(1_763_340_877_609),
            "no creation_timestamp: the envelope's usOut"
        );

        let usdt = &s.perps[6];
        assert_eq!(
            (usdt.quote.as_str(), usdt.volume_24h_quote),
            ("USDT", Some(d("2000000")))
        );
    }

    #[test]
    fn envelope_errors_and_missing_bodies_name_the_endpoint() {
        let r = all_references();
        let ok = [
            (SUMMARY_FUTURE.name, SUMMARY_F),
            (SUMMARY_SPOT.name, SUMMARY_S),
        ];
        let cases: [(&'static str, &str, &str); 5] = [
            (
                SUMMARY_FUTURE.name,
                r#"{"jsonrpc":"2.0","result":[{"instrument_name":"#,
                "malformed JSON",
            ),
            (
                SUMMARY_FUTURE.name,
                TOO_MANY,
                "API error 10028: too_many_requests",
            ),
            (
                SUMMARY_SPOT.name,
                BAD_PARAMS,
                "API error -32602: Invalid params",
            ),
            (
                SUMMARY_SPOT.name,
                r#"{"jsonrpc":"2.0","id":1,"usOut":1}"#,
                "no `result` array",
            ),
            (
                SUMMARY_FUTURE.name,
                r#"{"jsonrpc":"2.0","result":{"instrument_name":"BTC_USDC"}}"#,
                "malformed JSON",
            ),
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
        assert_eq!(err, ParseError::new(SUMMARY_SPOT.name, "response missing"));
        let err =
            reference_of(&[(INSTRUMENTS_FUTURE.name, FUTURES)]).expect_err("spot list missing");
        assert_eq!(err.endpoint, INSTRUMENTS_SPOT.name);
        let err = reference_of(&[
            (INSTRUMENTS_FUTURE.name, TOO_MANY),
            (INSTRUMENTS_SPOT.name, SPOTS),
        ])
        .expect_err("rate-limit body");
        assert_eq!(err.endpoint, INSTRUMENTS_FUTURE.name);
        assert!(err.detail.contains("10028"), "{err}");
    }

    #[test]
    fn check_body_maps_rate_limits_and_api_errors() {
        let rl = TOO_MANY.as_bytes();
        assert_eq!(Deribit.check_body(400, rl), BodySignal::RateLimited);
        assert_eq!(Deribit.check_body(200, rl), BodySignal::RateLimited);
        assert_eq!(
            Deribit.check_body(429, b"<html>slow down</html>"),
            BodySignal::RateLimited
        );
        assert_eq!(
            Deribit.check_body(
                400,
                br#"{"error":{"code":"10028","message":"rate limited"}}"#
            ),
            BodySignal::RateLimited,
            "a code sent as a string is read too"
        );
        assert_eq!(
            Deribit.check_body(
                400,
                br#"{"error":{"code":10040,"message":"too_many_requests"}}"#
            ),
            BodySignal::RateLimited,
            "the message alone is enough"
        );
        assert_eq!(
            Deribit.check_body(400, BAD_PARAMS.as_bytes()),
            BodySignal::Api {
                code: "-32602".into(),
                msg: "Invalid params".into()
            }
        );
        assert_eq!(
            Deribit.check_body(200, SUMMARY_F.as_bytes()),
            BodySignal::Ok
        );
        assert_eq!(
            Deribit.check_body(502, b"<html>bad gateway</html>"),
            BodySignal::Ok
        );
        assert_eq!(
            Deribit.check_body(200, br#"{"result":[],"error":null}"#),
            BodySignal::Ok
        );
    }

    #[test]
    fn funding_history_reads_interest_1h_at_each_hour() {
        // The official row: interest_1h in exponent form; interest_8h (-0.0000923) is ignored.
        assert_eq!(
            funding_history(FUNDING.as_bytes()),
            Ok(vec![point(1_569_891_600_000, "-0.0000004739622041017375")])
        );
        assert_eq!(
            funding_history(FUNDING_Q.as_bytes()),
            Ok(vec![
                point(1_763_337_600_000, "0.0000116375"),
                // Strings and exponent form in strings.
                point(1_763_341_200_000, "-0.000003"),
                // interest_1h null and timestamp null: skipped; a string timestamp is read.
                point(1_763_348_400_000, "0"),
            ])
        );
        assert_eq!(
            Deribit.parse_funding_history(br#"{"jsonrpc":"2.0","result":[]}"#),
            Ok(vec![])
        );
        for (body, detail) in [
            (NOT_FOUND, "API error 13020: not_found"),
            (TOO_MANY, "API error 10028: too_many_requests"),
            (BAD_PARAMS, "API error -32602: Invalid params"),
            (
                r#"{"jsonrpc":"2.0","result":[{"timestamp":1"#,
                "malformed JSON",
            ),
            (
                r#"{"jsonrpc":"2.0","result":{"ticks":[]}}"#,
                "malformed JSON",
            ),
            (r#"{"jsonrpc":"2.0","usOut":1}"#, "no `result` array"),
        ] {
            let err = Deribit
                .parse_funding_history(body.as_bytes())
                .expect_err(body);
            assert_eq!(err.endpoint, FUNDING_HISTORY.name);
            assert!(err.detail.contains(detail), "{err}");
        }
    }

    #[test]
    fn chart_data_columns_become_candles() {
        let parse = |body: &str| Deribit.parse_candles(Market::Perp, Bar::Hour, body.as_bytes());
        // The official (minute) example: JSON numbers, oldest first.
        assert_eq!(
            parse(CHART),
            Ok(vec![
                candle(1_583_916_960_000, "7839.5", "7834", "7839.5"),
                candle(1_583_917_020_000, "7839", "7833.5", "7833.5"),
                candle(1_583_917_080_000, "7833.5", "7832.5", "7833"),
                candle(1_583_917_140_000, "7833", "7833", "7833"),
            ])
        );
        // Daily bars of a 1000SHIB perp, per 1000 SHIB (not divided), in any order; a string
        // price and an exponent-form close are read; the bar with a null high is skipped.
        assert_eq!(
            Deribit.parse_candles(Market::Perp, Bar::Day, CHART_Q.as_bytes()),
            Ok(vec![
                candle(1_763_251_200_000, "0.01231", "0.01195", "0.01225"),
                candle(1_763_164_800_000, "0.01215", "0.0119", "0.0121"),
                candle(1_763_337_600_000, "0.01229", "0.0122", "0.012255"),
            ])
        );
        assert_eq!(
            Deribit.parse_candles(Market::Spot, Bar::Day, CHART_EMPTY.as_bytes()),
            Ok(vec![])
        );
        assert_eq!(
            parse(r#"{"result":{"status":"no_data","ticks":null,"close":null}}"#),
            Ok(vec![]),
            "no_data wins whatever the columns hold"
        );
        for (body, detail) in [
            (NOT_FOUND, "API error 13020: not_found"),
            (TOO_MANY, "API error 10028: too_many_requests"),
            (
                r#"{"result":{"status":"ok","ticks":[1,2],"high":[1,2],"low":[1,2],"close":[1]}}"#,
                "columns of different lengths: ticks 2, high 2, low 2, close 1",
            ),
            (
                r#"{"result":{"status":"ok","ticks":[1],"high":[1],"low":[1]}}"#,
                "columns of different lengths",
            ),
            (r#"{"result":[1,2]}"#, "malformed JSON"),
            (r#"{"result":{"ticks":"#, "malformed JSON"),
            (r#"{"jsonrpc":"2.0"}"#, "no `result` object"),
        ] {
            let err = parse(body).expect_err(body);
            assert_eq!(err.endpoint, CANDLES.name);
            assert!(err.detail.contains(detail), "{err}");
        }
    }

    const MUTABLE: [(&str, &str); 6] = [
        (INSTRUMENTS_FUTURE.name, FUTURES),
        (INSTRUMENTS_FUTURE.name, FUTURES_Q),
        (INSTRUMENTS_SPOT.name, SPOTS),
        (SUMMARY_FUTURE.name, SUMMARY_F),
        (SUMMARY_FUTURE.name, SUMMARY_FQ),
        (SUMMARY_SPOT.name, SUMMARY_S),
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn mutated_payloads_never_panic(
            which in 0..MUTABLE.len(),
            m in mutation(),
        ) {
            let (endpoint, text) = MUTABLE[which];
            let mutated = mutate(text, &m);
            let _ = Deribit.check_body(200, &mutated);
            let good_ref = all_references();
            let parts: Vec<(&'static str, &[u8])> = [
                (INSTRUMENTS_FUTURE.name, FUTURES),
                (INSTRUMENTS_SPOT.name, SPOTS),
                (SUMMARY_FUTURE.name, SUMMARY_F),
                (SUMMARY_SPOT.name, SUMMARY_S),
            ]
            .iter()
            .map(|(e, b)| (*e, if *e == endpoint { &mutated[..] } else { b.as_bytes() }))
            .collect();
            let (ref_result, snap_result) = with_bodies(&parts, |bodies| {
                (reference(bodies), snapshot(bodies, &good_ref, received()))
            });
            let result_for_endpoint = if endpoint == INSTRUMENTS_FUTURE.name || endpoint == INSTRUMENTS_SPOT.name {
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
                let known: HashSet<&str> = good_ref.instruments.iter().map(|i| i.symbol.as_str()).collect();
                prop_assert!(s.perps.iter().all(|p| known.contains(p.symbol.as_str())));
                prop_assert!(s.spots.iter().all(|q| known.contains(q.symbol.as_str())));
                prop_assert!(s.perps.iter().all(|p| p.funding_interval_hours == Decimal::from(8)));
            }
        }

        #[test]
        fn mutated_history_payloads_never_panic(
            which in 0..4usize,
            m in mutation(),
        ) {
            let text = [FUNDING, FUNDING_Q, CHART, CHART_Q][which];
            let mutated = mutate(text, &m);
            let funding = Deribit.parse_funding_history(&mutated);
            let chart = Deribit.parse_candles(Market::Perp, Bar::Day, &mutated);
            let (endpoint, result) = if which < 2 {
                (FUNDING_HISTORY.name, funding.map(|p| p.len()))
            } else {
                (CANDLES.name, chart.map(|c| c.len()))
            };
            if m.truncates() {
                let err = result.expect_err("truncated payload must fail");
                prop_assert_eq!(err.endpoint, endpoint);
            } else if let Ok(n) = result {
                prop_assert!(n <= 5);
            }
        }
    }
}
