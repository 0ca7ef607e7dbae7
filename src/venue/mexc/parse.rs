//! MEXC payloads to domain types (pure): envelope checks, listing filters, funding intervals,
//! snapshot assembly.
//!
//! Rules (see `exchange-apis/README.md`, MEXC section):
//! - Perps: `state` 0 (enabled; 1 delivery, 2 completed, 3 offline, 4 pause are dropped), not
//!   `isHidden`, symbol exactly `BASE_QUOTE`, `settleCoin` equal to the quote when given (linear;
//!   `BTC_USD` settled in BTC is inverse). `apiAllowed` only says whether API orders are open and
//!   is ignored. The asset and multiplier come from the symbol's base (`1000PEPE_USDT` is PEPE ×
//!   1000); `contract_size` is `contractSize` (base units per contract), 1 when absent.
//! - Spot: `exchangeInfo` `status` `"1"` (or `"ENABLED"`), not close-only (`tradeSideType` 4);
//!   `isSpotTradingAllowed` is an API permission and is ignored. Base/quote from
//!   `baseAsset`/`quoteAsset`, else split from the symbol.
//! - Funding interval: `collectCycle` hours (positive), from the reference's bulk funding rates,
//!   the per-symbol detail, or the previous reference, in that order; a perp without one is left
//!   out of the snapshot. Next funding time: the next multiple of the interval (UTC epoch grid)
//!   after the ticker `timestamp`, else after the received time.
//! - Volume: contract `amount24` (quote), else `volume24` contracts × `contractSize` ×
//!   `lastPrice`; spot `quoteVolume`, else `volume` × `lastPrice`. Open interest: `holdVol`
//!   contracts × `contractSize` × multiplier, in coins.
//! - Duplicates: the first row of a symbol wins, in listings and snapshot payloads.
//! - Interval refresh (the plan of [`crate::venue::intervals`]): first the perps with no
//!   interval at all, then about 1/24 of the carried-over ones, oldest first; [`apply_details`]
//!   keeps that age order in the cached reference (carried perps first, oldest first).
//! - History (`backfill`): settled funding from `funding_rate/history` pages
//!   ([`funding_history`]); contract candles from the columnar `kline/{symbol}` (times in
//!   seconds; [`contract_candles`]) and spot candles from `klines` arrays ([`spot_candles`]),
//!   in any order. A successful contract envelope without `data` is an empty page.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    MexcContractDetail, MexcEnvelope, MexcExchangeInfo, MexcFundingHistoryPage, MexcFundingRate,
    MexcKlineColumns, MexcRows, MexcSpotKline, MexcSpotSymbol, MexcSpotTicker, MexcStatus,
    MexcTicker,
};
use super::{
    CONTRACT_DETAIL, CONTRACT_KLINE, EXCHANGE_INFO, FUNDING_HISTORY, FUNDING_RATE, FUNDING_RATES,
    RATE_LIMIT_CODE, SPOT_KLINES, SPOT_TICKER, TICKER,
};
use crate::model::{Instrument, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_concat, split_multiplier};
pub(super) use crate::venue::intervals::detail_symbols;
use crate::venue::intervals::positive;
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows::{self, next_on_grid, step_ms};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

/// The error a status says the body carries: `success` false, or a `code` other than 0/200.
fn status_error(status: &MexcStatus<'_>) -> Option<(String, String)> {
    let code = status.code.as_str();
    let failed = status.success.get() == Some(false) || !matches!(code, "" | "0" | "200");
    failed.then(|| {
        let msg = status.message.get().or(status.msg.get()).unwrap_or("");
        (code.to_owned(), msg.to_owned())
    })
}

/// What a body says. HTTP 429, or contract code 510, is a rate limit; `success` false or another
/// code is an API error; anything else (a spot array, an HTML page) says nothing.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    kit::signal_of(status, body, |st: MexcStatus<'_>| {
        if st.code.as_str() == RATE_LIMIT_CODE {
            return BodySignal::RateLimited;
        }
        match status_error(&st) {
            Some((code, msg)) => BodySignal::Api { code, msg },
            None => BodySignal::Ok,
        }
    })
}

/// The API error a body reports, as a parse error of `endpoint`.
fn api_error(endpoint: &'static str, bytes: &[u8]) -> Option<ParseError> {
    let st = serde_json::from_slice::<MexcStatus<'_>>(bytes).ok()?;
    let (code, msg) = status_error(&st)?;
    Some(ParseError::api(endpoint, code, &msg))
}

/// Decodes `bytes` as `T`; on failure, an API error in the body wins over the JSON error.
fn decode<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<T, ParseError> {
    kit::decode_or_envelope(endpoint, bytes, |b| api_error(endpoint, b))
}

/// The `data` rows of one contract response, after checking the envelope.
fn contract_rows<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<Vec<T>, ParseError> {
    contract_data::<MexcRows<T>>(endpoint, bytes)?
        .map(|rows| rows.0)
        .ok_or_else(|| ParseError::new(endpoint, "MEXC envelope without `data`"))
}

/// The `data` (if any) of one contract response, after checking the envelope.
fn contract_data<'a, D: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<Option<D>, ParseError> {
    let env: MexcEnvelope<'a, D> = decode(endpoint, bytes)?;
    let code = env.code.as_str();
    if env.success.get() == Some(false) || !matches!(code, "" | "0") {
        return Err(ParseError::api(endpoint, code, env.message.as_str()));
    }
    if env.success.get().is_none() && code.is_empty() {
        return Err(ParseError::new(
            endpoint,
            "not a MEXC contract envelope: no `success` nor `code`",
        ));
    }
    Ok(env.data)
}

/// The settled funding of one `funding_rate/history` page, in the order sent (newest first on
/// MEXC; callers sort). Rows without a time or a rate are skipped; a successful envelope
/// without `data` is an empty page.
///
/// # Errors
/// A [`ParseError`] naming `funding-history` when the body is not a contract envelope holding a
/// page, or reports an error.
pub(super) fn funding_history(bytes: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let page = contract_data::<MexcFundingHistoryPage>(FUNDING_HISTORY.name, bytes)?;
    Ok(page
        .map(|p| p.result_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| kit::point(r.settle_time.get().filter(|t| *t > 0), r.funding_rate.get()))
        .collect())
}

/// The candles of one contract `kline/{symbol}` page: the columns zipped, open times from
/// seconds to ms; bars without a time, high, low or close are skipped; a successful envelope
/// without `data` is an empty page. MEXC flags no unfinished bar.
///
/// # Errors
/// A [`ParseError`] naming `contract-kline` when the body is not a contract envelope holding
/// the columns, reports an error, or has columns of different lengths.
pub(super) fn contract_candles(bytes: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let Some(cols) = contract_data::<MexcKlineColumns>(CONTRACT_KLINE.name, bytes)? else {
        return Ok(Vec::new());
    };
    rows::column_candles(
        CONTRACT_KLINE.name,
        "time",
        &cols.time,
        [&cols.high, &cols.low, &cols.close],
        |s| (s > 0).then(|| s.checked_mul(1000)).flatten(),
    )
}

/// The candles of one spot `klines` page (a bare array of rows, oldest first), in the order
/// sent; rows without an open time, high, low or close are skipped.
///
/// # Errors
/// A [`ParseError`] naming `spot-klines` when the body is an error object (`{"code", "msg"}`)
/// or not an array of rows.
pub(super) fn spot_candles(bytes: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let rows: Vec<MexcSpotKline> = spot_array(SPOT_KLINES.name, bytes)?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let open = r.time.get().filter(|t| *t > 0);
            kit::candle(open, r.high.get(), r.low.get(), r.close.get())
        })
        .collect())
}

/// A spot v3 body that is a bare array of rows (an error object is an API error).
fn spot_array<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<Vec<T>, ParseError> {
    match api_error(endpoint, bytes) {
        Some(err) => Err(err),
        None => decode(endpoint, bytes),
    }
}

/// The rows of every contract body of `endpoint`; `required`: one must have been fetched.
fn all_contract_rows<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    required: bool,
) -> Result<Vec<T>, ParseError> {
    kit::rows_of(bodies, endpoint, required, |b| contract_rows(endpoint, b))
}

/// A funding row's interval (`collectCycle` hours, positive). A `nextSettleTime` off the UTC
/// grid of that interval is logged: basis derives next funding times from the grid.
fn cycle_hours(row: &MexcFundingRate<'_>) -> Option<Decimal> {
    let hours = positive(row.collect_cycle.get())?;
    if let (Some(next), Some(step)) = (row.next_settle_time.get(), step_ms(hours))
        && next.rem_euclid(step) != 0
    {
        tracing::warn!(
            venue = "mexc",
            symbol = row.symbol.as_str(),
            next,
            %hours,
            "nextSettleTime off the UTC grid of its interval; next funding times may be off"
        );
    }
    Some(hours)
}

/// A trading linear perpetual, or `None` for anything else.
fn perp_instrument(
    row: &MexcContractDetail<'_>,
    intervals: &HashMap<&str, Decimal>,
) -> Option<Instrument> {
    if row.state.get() != Some(0) || row.is_hidden.get() == Some(true) {
        return None;
    }
    let symbol = row.symbol.get()?;
    let (base, quote) = match row.quote_coin.get() {
        Some(quote) => (symbol.strip_suffix(quote)?.strip_suffix('_')?, quote),
        None => kit::split_pair(symbol, '_')?,
    };
    if base.is_empty() || base.contains('_') || quote.is_empty() || quote.contains('_') {
        return None;
    }
    if row.settle_coin.get().is_some_and(|settle| settle != quote) {
        return None;
    }
    Some(Instrument {
        contract_size: positive(row.contract_size.get()).unwrap_or(Decimal::ONE),
        funding_interval_hours: intervals.get(symbol).copied(),
        ..rows::perp(Venue::Mexc, symbol, split_multiplier(base), quote)
    })
}

/// A trading spot pair, or `None`.
fn spot_instrument(row: &MexcSpotSymbol<'_>) -> Option<Instrument> {
    let online = matches!(row.status.as_str(), "1" | "ENABLED");
    if !online || row.trade_side_type.as_str() == "4" {
        return None;
    }
    let symbol = row.symbol.get()?;
    let named = (row.base_asset.get(), row.quote_asset.get());
    rows::spot_named(Venue::Mexc, symbol, named, split_concat)
}

/// The spot pairs of every `exchangeInfo` body.
fn exchange_info<'a>(bodies: &'a [Body<'a>]) -> Result<Vec<MexcSpotSymbol<'a>>, ParseError> {
    let name = EXCHANGE_INFO.name;
    kit::rows_of(bodies, name, true, |bytes| {
        let info: MexcExchangeInfo<'_> = decode(name, bytes)?;
        if !matches!(info.code.as_str(), "" | "0" | "200") {
            return Err(ParseError::api(name, info.code.as_str(), info.msg.as_str()));
        }
        info.symbols
            .ok_or_else(|| ParseError::new(name, "exchangeInfo without `symbols`"))
    })
}

/// Parses the contract list, the spot pairs and (when fetched) every contract's funding
/// interval into trading linear perpetuals and spot pairs, with each contract's
/// `maintenanceMarginRate`.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let contracts: Vec<MexcContractDetail<'_>> =
        all_contract_rows(bodies, CONTRACT_DETAIL.name, true)?;
    let spots = exchange_info(bodies)?;
    let funding: Vec<MexcFundingRate<'_>> = all_contract_rows(bodies, FUNDING_RATES.name, false)?;
    let mut intervals: HashMap<&str, Decimal> = HashMap::new();
    for row in &funding {
        if let (Some(symbol), Some(hours)) = (row.symbol.get(), cycle_hours(row)) {
            intervals.entry(symbol).or_insert(hours);
        }
    }
    let candidates = contracts
        .iter()
        .filter_map(|row| perp_instrument(row, &intervals))
        .chain(spots.iter().filter_map(spot_instrument));
    let instruments = kit::unique_listings("mexc", candidates);
    let maintenance_rates = rows::maintenance_rates(&contracts, |r| {
        Some((r.symbol.get()?, r.maintenance_margin_rate.get()?))
    });
    Ok(Reference {
        instruments,
        maintenance_rates,
        ..Reference::default()
    })
}

/// The funding interval of `symbol` from one `funding_rate/{symbol}` body (`collectCycle`).
/// `Ok(None)` when the body has no row of that symbol or no positive cycle.
///
/// # Errors
/// When the body is not a successful contract envelope with a funding row.
pub(super) fn funding_interval(symbol: &str, bytes: &[u8]) -> Result<Option<Decimal>, ParseError> {
    let rows: Vec<MexcFundingRate<'_>> = contract_rows(FUNDING_RATE.name, bytes)?;
    Ok(rows
        .iter()
        .filter(|r| r.symbol.get().is_none_or(|s| s == symbol))
        .find_map(cycle_hours))
}

/// Merges per-symbol funding-rate bodies and the previous reference into `fresh`: an interval
/// from the reference's bulk call wins, then one just fetched, then the previous reference's.
/// Perps keep an age order for [`crate::venue::intervals::detail_symbols`]: carried-over ones first (oldest first), then
/// the others. A body that cannot be read is logged and skipped.
pub(super) fn apply_details(
    fresh: &mut Reference,
    previous: Option<&Reference>,
    bodies: &[Body<'_>],
) {
    let prefix = format!("{}/", FUNDING_RATE.path);
    let fetched = kit::detail_intervals(
        "mexc",
        "funding rate",
        bodies,
        FUNDING_RATE.name,
        |r| r.path.strip_prefix(prefix.as_str()),
        funding_interval,
    );
    kit::merge_intervals(fresh, previous, &fetched);
}

/// Contract quote volume: `amount24`, else `volume24` × contract size × `lastPrice`.
fn contract_quote_volume(t: &MexcTicker<'_>, inst: &Instrument) -> Option<Decimal> {
    let base = t
        .volume24
        .get()
        .and_then(|v| v.checked_mul(inst.contract_size));
    kit::quote_volume(t.amount24.get(), base, t.last_price.get())
}

/// The spot tickers of every body (a bare array; an error object is an API error).
fn spot_tickers<'a>(bodies: &'a [Body<'a>]) -> Result<Vec<MexcSpotTicker<'a>>, ParseError> {
    kit::rows_of(bodies, SPOT_TICKER.name, true, |b| {
        spot_array(SPOT_TICKER.name, b)
    })
}

/// Parses one poll's bodies. Perps need a ticker with a funding rate and a cached interval;
/// spots need a ticker. Instruments absent from `reference` are dropped.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let tickers: Vec<MexcTicker<'_>> = all_contract_rows(bodies, TICKER.name, true)?;
    let spot_rows = spot_tickers(bodies)?;
    let tickers = kit::by_symbol(&tickers, |r| r.symbol.get());
    let spot_rows = kit::by_symbol(&spot_rows, |r| r.symbol.get());

    let perp = |inst: &Instrument| {
        let t = tickers.get(inst.symbol.as_str())?;
        let hours = positive(inst.funding_interval_hours)?;
        let at_ms = t
            .timestamp
            .get()
            .unwrap_or_else(|| received_at.timestamp_millis());
        let funding = Funding {
            rate: t.funding_rate.get()?,
            interval_hours: hours,
            next: next_on_grid(at_ms, hours).and_then(ms_time),
        };
        let book = Book {
            bid: t.bid1.get(),
            ask: t.ask1.get(),
            high_24h: t.high24_price.get(),
            low_24h: t.lower24_price.get(),
            volume_24h_quote: contract_quote_volume(t, inst),
            exchange_time: t.timestamp.get().and_then(ms_time),
        };
        let marks = Marks {
            mark: t.fair_price.get(),
            index: t.index_price.get(),
            open_interest: rows::in_coins(t.hold_vol.get(), inst),
        };
        Some((funding, book, marks))
    };
    let spot = |inst: &Instrument| Some(spot_rows.get(inst.symbol.as_str())?.book());
    Ok(rows::snapshot(
        Venue::Mexc,
        reference,
        received_at,
        perp,
        spot,
    ))
}

#[cfg(test)]
mod tests {
    //! MEXC's own quirks (funding intervals per symbol, fetched as details); what every venue
    //! does is pinned by `crate::venue::conformance`.

    use super::*;
    use crate::model::Market;
    use crate::venue::conformance::{Details, case, interval, reads_intervals, reference_from};
    use crate::venue::mexc::{DETAIL_BATCH, funding_rate_request};
    use crate::venue::testkit::dec as d;

    const RATE_BTC: &str = include_str!("../../../fixtures/mexc/contract-funding-rate.json");
    const RATE_DOGE: &str =
        include_str!("../../../fixtures/mexc/contract-funding-rate-DOGE_USDT.json");
    const NO_CONTRACT: &str = include_str!("../../../fixtures/mexc/error-contract-not-exist.json");

    #[test]
    fn per_symbol_funding_rates_give_the_interval() {
        let zero = r#"{"success":true,"code":0,"data":{"symbol":"X_USDT","collectCycle":0}}"#;
        let cases = [
            ("BTC_USDT", RATE_BTC, Some("8")),
            ("DOGE_USDT", RATE_DOGE, Some("2")),
            // Another symbol's row.
            ("ETH_USDT", RATE_BTC, None),
            ("X_USDT", zero, None),
        ];
        reads_intervals(Venue::Mexc, funding_interval, &cases);
        let err = funding_interval("1INCH_USDT", NO_CONTRACT.as_bytes()).expect_err("error body");
        assert_eq!(
            err,
            ParseError::new(FUNDING_RATE.name, "API error 1001: Contract does not exist")
        );
        // Next settlement on the UTC grid: the documented example's nextSettleTime.
        assert_eq!(
            next_on_grid(1_609_829_807_577, d("8")),
            Some(1_609_833_600_000)
        );
        assert_eq!(
            next_on_grid(1_609_833_600_000, d("8")),
            Some(1_609_862_400_000)
        );
        assert_eq!(
            next_on_grid(1_743_588_686_100, d("2")),
            Some(1_743_595_200_000)
        );
        assert_eq!(next_on_grid(1, d("0.0000000001")), None, "not whole ms");
    }

    #[test]
    fn details_fill_unknown_intervals_then_rotate_the_oldest() {
        // An error body leaves its perp unknown; the snapshot quotes DOGE at its per-symbol 2 h.
        let details = Details {
            venue: Venue::Mexc,
            request_of: funding_rate_request,
            batch: (DETAIL_BATCH, &["BTC_USDT", "DOGE_USDT", "1INCH_USDT"]),
            bounded: 2,
            bodies: &[
                ("BTC_USDT", RATE_BTC),
                ("DOGE_USDT", RATE_DOGE),
                ("1INCH_USDT", NO_CONTRACT),
            ],
            learnt: &[
                ("BTC_USDT", Some("8")),
                ("DOGE_USDT", Some("2")),
                ("1INCH_USDT", None),
            ],
            quoted: &[("DOGE_USDT", "0.0003", "2")],
        };
        let (_, first, s) = details.run();
        assert_eq!(
            funding_rate_request("DOGE_USDT").path,
            "/api/v1/contract/funding_rate/DOGE_USDT"
        );
        let doge = s.perps.iter().find(|p| p.symbol == "DOGE_USDT");
        let next = doge.and_then(|p| p.next_funding_time);
        assert_eq!(next, ms_time(1_743_595_200_000));

        // Next refresh without the bulk call: 1INCH is unknown and comes first; one of the
        // six cached intervals (1/24, rounded up) is refreshed, the oldest.
        let bare = reference_from(Venue::Mexc, &case(Venue::Mexc).lists[1].parts[..2]);
        assert_eq!(
            detail_symbols(&bare, Some(&first), DETAIL_BATCH),
            ["1INCH_USDT", "BTC_USDT"]
        );
        let mut second = bare.clone();
        details.apply(&mut second, Some(&first), &[("BTC_USDT", RATE_BTC)]);
        assert_eq!(
            interval(&second, "1000PEPE_USDT"),
            Some(d("4")),
            "carried over"
        );
        assert_eq!(interval(&second, "DOGE_USDT"), Some(d("2")), "carried over");
        let perps: Vec<&str> = second
            .instruments
            .iter()
            .filter(|i| i.market == Market::Perp)
            .map(|i| i.symbol.as_str())
            .collect();
        assert_eq!(
            perps,
            [
                "1000PEPE_USDT",
                "BTC_USDC",
                "ETH_USDT",
                "SOL_USDT",
                "DOGE_USDT",
                "BTC_USDT",
                "1INCH_USDT"
            ],
            "carried first (oldest first), then refreshed and unknown"
        );
        assert_eq!(
            detail_symbols(&bare, Some(&second), DETAIL_BATCH),
            ["1INCH_USDT", "1000PEPE_USDT"]
        );
        // Spots are kept, after the perps.
        assert_eq!(second.instruments.len(), bare.instruments.len());
        assert!(
            second.instruments[7..]
                .iter()
                .all(|i| i.market == Market::Spot)
        );
    }
}
