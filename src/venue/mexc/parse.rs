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

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;

use super::wire::{
    MexcContractDetail, MexcEnvelope, MexcExchangeInfo, MexcFundingHistoryPage, MexcFundingRate,
    MexcKlineColumns, MexcRows, MexcSpotKline, MexcSpotSymbol, MexcSpotTicker, MexcStatus,
    MexcTicker,
};
use super::{
    CONTRACT_DETAIL, CONTRACT_KLINE, EXCHANGE_INFO, FUNDING_HISTORY, FUNDING_RATE,
    FUNDING_RATE_PATH, FUNDING_RATES, RATE_LIMIT_CODE, SPOT_KLINES, SPOT_TICKER, TICKER,
};
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, SpotQuote, Venue};
use crate::parse::{ms_time, split_concat, split_multiplier};
pub(super) use crate::venue::intervals::detail_symbols;
use crate::venue::intervals::{carried_intervals, positive};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

const MS_PER_HOUR: i64 = 3_600_000;

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
    if status == 429 {
        return BodySignal::RateLimited;
    }
    let Ok(st) = serde_json::from_slice::<MexcStatus<'_>>(body) else {
        return BodySignal::Ok;
    };
    if st.code.as_str() == RATE_LIMIT_CODE {
        return BodySignal::RateLimited;
    }
    match status_error(&st) {
        Some((code, msg)) => BodySignal::Api { code, msg },
        None => BodySignal::Ok,
    }
}

/// The API error a body reports, as a parse error of `endpoint`.
fn api_error(endpoint: &'static str, bytes: &[u8]) -> Option<ParseError> {
    let st = serde_json::from_slice::<MexcStatus<'_>>(bytes).ok()?;
    let (code, msg) = status_error(&st)?;
    Some(ParseError::new(
        endpoint,
        format!("API error {code}: {msg}"),
    ))
}

/// Decodes `bytes` as `T`; on failure, an API error in the body wins over the JSON error.
fn decode<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<T, ParseError> {
    serde_json::from_slice(bytes)
        .map_err(|e| api_error(endpoint, bytes).unwrap_or_else(|| ParseError::json(endpoint, &e)))
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
        return Err(ParseError::new(
            endpoint,
            format!("API error {code}: {}", env.message.as_str()),
        ));
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
    let page = contract_data::<MexcFundingHistoryPage<'_>>(FUNDING_HISTORY, bytes)?;
    Ok(page
        .map(|p| p.result_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            Some(HistoryPoint {
                time_ms: r.settle_time.get().filter(|t| *t > 0)?,
                rate: r.funding_rate.get()?,
            })
        })
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
    let Some(cols) = contract_data::<MexcKlineColumns>(CONTRACT_KLINE, bytes)? else {
        return Ok(Vec::new());
    };
    let n = cols.time.len();
    if [cols.high.len(), cols.low.len(), cols.close.len()]
        .iter()
        .any(|len| *len != n)
    {
        return Err(ParseError::new(
            CONTRACT_KLINE,
            format!(
                "columns of different lengths (time {n}, high {}, low {}, close {})",
                cols.high.len(),
                cols.low.len(),
                cols.close.len()
            ),
        ));
    }
    Ok((0..n)
        .filter_map(|i| {
            Some(Candle {
                open_ms: cols.time[i].get().filter(|t| *t > 0)?.checked_mul(1000)?,
                high: cols.high[i].get()?,
                low: cols.low[i].get()?,
                close: cols.close[i].get()?,
            })
        })
        .collect())
}

/// The candles of one spot `klines` page (a bare array of rows, oldest first), in the order
/// sent; rows without an open time, high, low or close are skipped.
///
/// # Errors
/// A [`ParseError`] naming `spot-klines` when the body is an error object (`{"code", "msg"}`)
/// or not an array of rows.
pub(super) fn spot_candles(bytes: &[u8]) -> Result<Vec<Candle>, ParseError> {
    if let Some(err) = api_error(SPOT_KLINES, bytes) {
        return Err(err);
    }
    let rows: Vec<MexcSpotKline> = decode(SPOT_KLINES, bytes)?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(Candle {
                open_ms: r.open_time.get().filter(|t| *t > 0)?,
                high: r.high.get()?,
                low: r.low.get()?,
                close: r.close.get()?,
            })
        })
        .collect())
}

/// The rows of every contract body of `endpoint`; `required`: one must have been fetched.
fn all_contract_rows<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    required: bool,
) -> Result<Vec<T>, ParseError> {
    let mut out = Vec::new();
    let mut seen = false;
    for bytes in Body::of(bodies, endpoint) {
        seen = true;
        out.extend(contract_rows::<T>(endpoint, bytes)?);
    }
    if required && !seen {
        return Err(ParseError::new(endpoint, "response missing"));
    }
    Ok(out)
}

/// Rows by symbol, first occurrence wins; rows without a symbol are skipped.
fn by_symbol<'r, T>(rows: &'r [T], symbol: impl Fn(&'r T) -> &'r str) -> HashMap<&'r str, &'r T> {
    let mut map = HashMap::with_capacity(rows.len());
    for row in rows {
        let key = symbol(row);
        if !key.is_empty() {
            map.entry(key).or_insert(row);
        }
    }
    map
}

/// The interval in ms of `hours`, when it is a positive whole number of ms.
fn step_ms(hours: Decimal) -> Option<i64> {
    let ms = hours.checked_mul(Decimal::from(MS_PER_HOUR))?;
    (ms > Decimal::ZERO && ms.fract().is_zero())
        .then(|| ms.to_i64())
        .flatten()
}

/// The first multiple of `hours` on the UTC epoch grid strictly after `at_ms`.
fn next_on_grid(at_ms: i64, hours: Decimal) -> Option<i64> {
    let step = step_ms(hours)?;
    at_ms.div_euclid(step).checked_add(1)?.checked_mul(step)
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
        None => symbol.split_once('_')?,
    };
    if base.is_empty() || base.contains('_') || quote.is_empty() || quote.contains('_') {
        return None;
    }
    if row.settle_coin.get().is_some_and(|settle| settle != quote) {
        return None;
    }
    let (asset, multiplier) = split_multiplier(base);
    Some(Instrument {
        venue: Venue::Mexc,
        market: Market::Perp,
        symbol: symbol.to_owned(),
        asset,
        quote: quote.to_owned(),
        multiplier,
        contract_size: positive(row.contract_size.get()).unwrap_or(Decimal::ONE),
        funding_interval_hours: intervals.get(symbol).copied(),
    })
}

/// A trading spot pair, or `None`.
fn spot_instrument(row: &MexcSpotSymbol<'_>) -> Option<Instrument> {
    let online = matches!(row.status.as_str(), "1" | "ENABLED");
    if !online || row.trade_side_type.as_str() == "4" {
        return None;
    }
    let symbol = row.symbol.get()?;
    let (asset, quote) = match (row.base_asset.get(), row.quote_asset.get()) {
        (Some(b), Some(q)) => (b, q),
        _ => split_concat(symbol)?,
    };
    Some(Instrument {
        venue: Venue::Mexc,
        market: Market::Spot,
        symbol: symbol.to_owned(),
        asset: asset.to_owned(),
        quote: quote.to_owned(),
        multiplier: Decimal::ONE,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
}

/// The spot pairs of every `exchangeInfo` body.
fn exchange_info<'a>(bodies: &'a [Body<'a>]) -> Result<Vec<MexcSpotSymbol<'a>>, ParseError> {
    let mut out = Vec::new();
    let mut seen = false;
    for bytes in Body::of(bodies, EXCHANGE_INFO) {
        seen = true;
        let info: MexcExchangeInfo<'_> = decode(EXCHANGE_INFO, bytes)?;
        if !matches!(info.code.as_str(), "" | "0" | "200") {
            return Err(ParseError::new(
                EXCHANGE_INFO,
                format!("API error {}: {}", info.code.as_str(), info.msg.as_str()),
            ));
        }
        let symbols = info
            .symbols
            .ok_or_else(|| ParseError::new(EXCHANGE_INFO, "exchangeInfo without `symbols`"))?;
        out.extend(symbols);
    }
    if !seen {
        return Err(ParseError::new(EXCHANGE_INFO, "response missing"));
    }
    Ok(out)
}

/// Parses the contract list, the spot pairs and (when fetched) every contract's funding
/// interval into trading linear perpetuals and spot pairs, with each contract's
/// `maintenanceMarginRate`.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let contracts: Vec<MexcContractDetail<'_>> = all_contract_rows(bodies, CONTRACT_DETAIL, true)?;
    let spots = exchange_info(bodies)?;
    let funding: Vec<MexcFundingRate<'_>> = all_contract_rows(bodies, FUNDING_RATES, false)?;
    let mut intervals: HashMap<&str, Decimal> = HashMap::new();
    for row in &funding {
        if let (Some(symbol), Some(hours)) = (row.symbol.get(), cycle_hours(row)) {
            intervals.entry(symbol).or_insert(hours);
        }
    }
    let mut instruments = Vec::with_capacity(contracts.len() + spots.len());
    let mut seen: HashSet<(Market, String)> = HashSet::new();
    let candidates = contracts
        .iter()
        .filter_map(|row| perp_instrument(row, &intervals))
        .chain(spots.iter().filter_map(spot_instrument));
    for inst in candidates {
        if seen.insert((inst.market, inst.symbol.clone())) {
            instruments.push(inst);
        } else {
            tracing::debug!(venue = "mexc", symbol = %inst.symbol, "duplicate listing row ignored");
        }
    }
    let mut maintenance_rates = std::collections::BTreeMap::new();
    for row in &contracts {
        if let (Some(symbol), Some(m)) = (row.symbol.get(), row.maintenance_margin_rate.get()) {
            maintenance_rates
                .entry(symbol.to_owned())
                .or_insert(m.normalize());
        }
    }
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
    let rows: Vec<MexcFundingRate<'_>> = contract_rows(FUNDING_RATE, bytes)?;
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
    let prefix = format!("{FUNDING_RATE_PATH}/");
    let mut fetched: HashMap<&str, Decimal> = HashMap::new();
    for body in bodies.iter().filter(|b| b.request.endpoint == FUNDING_RATE) {
        let Some(symbol) = body
            .request
            .path
            .strip_prefix(prefix.as_str())
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        match funding_interval(symbol, body.bytes) {
            Ok(Some(hours)) => {
                fetched.entry(symbol).or_insert(hours);
            }
            Ok(None) => {
                tracing::debug!(venue = "mexc", symbol, "funding rate without an interval");
            }
            Err(e) => {
                tracing::warn!(
                    venue = "mexc",
                    symbol,
                    error = %e,
                    "funding rate unreadable; interval unchanged"
                );
            }
        }
    }
    let carried = carried_intervals(previous);
    let mut old: Vec<(usize, Instrument)> = Vec::new();
    let mut young = Vec::new();
    let mut spots = Vec::new();
    for mut inst in std::mem::take(&mut fresh.instruments) {
        if inst.market == Market::Spot {
            spots.push(inst);
        } else if positive(inst.funding_interval_hours).is_some() {
            young.push(inst);
        } else if let Some(hours) = fetched.get(inst.symbol.as_str()) {
            inst.funding_interval_hours = Some(*hours);
            young.push(inst);
        } else if let Some((rank, hours)) = carried.get(inst.symbol.as_str()) {
            inst.funding_interval_hours = Some(*hours);
            old.push((*rank, inst));
        } else {
            young.push(inst);
        }
    }
    old.sort_by_key(|(rank, _)| *rank);
    fresh.instruments = old
        .into_iter()
        .map(|(_, i)| i)
        .chain(young)
        .chain(spots)
        .collect();
}

/// Contract quote volume: `amount24`, else `volume24` × contract size × `lastPrice`.
fn contract_quote_volume(t: &MexcTicker<'_>, inst: &Instrument) -> Option<Decimal> {
    t.amount24.get().or_else(|| {
        t.volume24
            .get()?
            .checked_mul(inst.contract_size)?
            .checked_mul(t.last_price.get()?)
            .map(|v| v.normalize())
    })
}

/// Open interest in coins: `holdVol` contracts × contract size × multiplier.
fn open_interest_coins(t: &MexcTicker<'_>, inst: &Instrument) -> Option<Decimal> {
    t.hold_vol
        .get()?
        .checked_mul(inst.contract_size)?
        .checked_mul(inst.multiplier)
        .map(|v| v.normalize())
}

/// Spot quote volume: `quoteVolume`, else `volume` × `lastPrice`.
fn spot_quote_volume(t: &MexcSpotTicker<'_>) -> Option<Decimal> {
    t.quote_volume.get().or_else(|| {
        t.volume
            .get()?
            .checked_mul(t.last_price.get()?)
            .map(|v| v.normalize())
    })
}

/// The spot tickers of every body (a bare array; an error object is an API error).
fn spot_tickers<'a>(bodies: &'a [Body<'a>]) -> Result<Vec<MexcSpotTicker<'a>>, ParseError> {
    let mut out = Vec::new();
    let mut seen = false;
    for bytes in Body::of(bodies, SPOT_TICKER) {
        seen = true;
        if let Some(err) = api_error(SPOT_TICKER, bytes) {
            return Err(err);
        }
        out.extend(decode::<Vec<MexcSpotTicker<'_>>>(SPOT_TICKER, bytes)?);
    }
    if !seen {
        return Err(ParseError::new(SPOT_TICKER, "response missing"));
    }
    Ok(out)
}

/// Parses one poll's bodies. Perps need a ticker with a funding rate and a cached interval;
/// spots need a ticker. Instruments absent from `reference` are dropped.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let tickers: Vec<MexcTicker<'_>> = all_contract_rows(bodies, TICKER, true)?;
    let spot_rows = spot_tickers(bodies)?;
    let tickers = by_symbol(&tickers, |r| r.symbol.as_str());
    let spot_rows = by_symbol(&spot_rows, |r| r.symbol.as_str());

    let mut perps = Vec::new();
    let mut spots = Vec::new();
    for inst in &reference.instruments {
        match inst.market {
            Market::Perp => {
                let Some(t) = tickers.get(inst.symbol.as_str()) else {
                    continue;
                };
                let (Some(rate), Some(hours)) =
                    (t.funding_rate.get(), positive(inst.funding_interval_hours))
                else {
                    continue;
                };
                let at_ms = t
                    .timestamp
                    .get()
                    .unwrap_or_else(|| received_at.timestamp_millis());
                perps.push(PerpQuote {
                    venue: Venue::Mexc,
                    symbol: inst.symbol.clone(),
                    asset: inst.asset.clone(),
                    quote: inst.quote.clone(),
                    multiplier: inst.multiplier,
                    funding_rate: rate,
                    funding_interval_hours: hours,
                    next_funding_time: next_on_grid(at_ms, hours).and_then(ms_time),
                    mark_price: t.fair_price.get(),
                    index_price: t.index_price.get(),
                    bid: t.bid1.get(),
                    ask: t.ask1.get(),
                    high_24h: t.high24_price.get(),
                    low_24h: t.lower24_price.get(),
                    volume_24h_quote: contract_quote_volume(t, inst),
                    open_interest: open_interest_coins(t, inst),
                    exchange_time: t.timestamp.get().and_then(ms_time),
                    received_at,
                });
            }
            Market::Spot => {
                let Some(t) = spot_rows.get(inst.symbol.as_str()) else {
                    continue;
                };
                spots.push(SpotQuote {
                    venue: Venue::Mexc,
                    symbol: inst.symbol.clone(),
                    asset: inst.asset.clone(),
                    quote: inst.quote.clone(),
                    bid: t.bid_price.get(),
                    ask: t.ask_price.get(),
                    high_24h: t.high_price.get(),
                    low_24h: t.low_price.get(),
                    volume_24h_quote: spot_quote_volume(t),
                    exchange_time: t.close_time.get().and_then(ms_time),
                    received_at,
                });
            }
        }
    }
    Ok(Snapshot {
        venue: Venue::Mexc,
        received_at,
        perps,
        spots,
    })
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;
    use crate::venue::mexc::{DETAIL_BATCH, Mexc, funding_rate_request};
    use crate::venue::testkit::{candle, mutate, mutation, point};
    use crate::venue::{Request, VenueAdapter};

    const DETAIL: &str = include_str!("../../../fixtures/mexc/contract-detail.json");
    const DETAIL_Q: &str = include_str!("../../../fixtures/mexc/contract-detail-quirks.json");
    const INFO: &str = include_str!("../../../fixtures/mexc/spot-exchangeInfo.json");
    const INFO_Q: &str = include_str!("../../../fixtures/mexc/spot-exchangeInfo-quirks.json");
    const RATES_Q: &str = include_str!("../../../fixtures/mexc/contract-funding-rates.json");
    const RATE_BTC: &str = include_str!("../../../fixtures/mexc/contract-funding-rate.json");
    const RATE_DOGE: &str =
        include_str!("../../../fixtures/mexc/contract-funding-rate-DOGE_USDT.json");
    const TICKER_J: &str = include_str!("../../../fixtures/mexc/contract-ticker.json");
    const TICKER_Q: &str = include_str!("../../../fixtures/mexc/contract-ticker-quirks.json");
    const SPOT_J: &str = include_str!("../../../fixtures/mexc/spot-ticker-24hr.json");
    const SPOT_Q: &str = include_str!("../../../fixtures/mexc/spot-ticker-24hr-quirks.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/mexc/error-rate-limit.json");
    const NO_CONTRACT: &str = include_str!("../../../fixtures/mexc/error-contract-not-exist.json");
    const BAD_SYMBOL: &str = include_str!("../../../fixtures/mexc/error-spot-bad-symbol.json");
    const HISTORY_J: &str = include_str!("../../../fixtures/mexc/funding-rate-history.json");
    const HISTORY_Q: &str = include_str!("../../../fixtures/mexc/funding-rate-history-quirks.json");
    const KLINE_J: &str = include_str!("../../../fixtures/mexc/contract-kline.json");
    const KLINE_Q: &str = include_str!("../../../fixtures/mexc/contract-kline-quirks.json");
    const SPOT_KLINES_J: &str = include_str!("../../../fixtures/mexc/spot-klines.json");
    const SPOT_KLINES_Q: &str = include_str!("../../../fixtures/mexc/spot-klines-quirks.json");

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn t(ms: i64) -> Option<DateTime<Utc>> {
        ms_time(ms)
    }

    fn received() -> DateTime<Utc> {
        t(1_743_588_687_000).expect("time")
    }

    /// A request of `endpoint` from the adapter's plans (DOGE_USDT's for the per-symbol rate).
    fn request(endpoint: &'static str) -> Request {
        if endpoint == FUNDING_RATE {
            return funding_rate_request("DOGE_USDT");
        }
        Mexc.reference_requests()
            .into_iter()
            .chain(Mexc.snapshot_requests(true))
            .find(|r| r.endpoint == endpoint)
            .expect("known endpoint")
    }

    fn with_requests<R>(parts: &[(Request, &[u8])], f: impl FnOnce(&[Body<'_>]) -> R) -> R {
        let bodies: Vec<Body<'_>> = parts
            .iter()
            .map(|(request, bytes)| Body { request, bytes })
            .collect();
        f(&bodies)
    }

    fn with_bodies<R>(parts: &[(&'static str, &[u8])], f: impl FnOnce(&[Body<'_>]) -> R) -> R {
        let parts: Vec<(Request, &[u8])> = parts.iter().map(|(e, b)| (request(e), *b)).collect();
        with_requests(&parts, f)
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

    /// Applies per-symbol funding-rate bodies, one per (symbol, payload), to `fresh`.
    fn apply(fresh: &mut Reference, previous: Option<&Reference>, parts: &[(&str, &str)]) {
        let parts: Vec<(Request, &[u8])> = parts
            .iter()
            .map(|(s, b)| (funding_rate_request(s), b.as_bytes()))
            .collect();
        with_requests(&parts, |bodies| apply_details(fresh, previous, bodies));
    }

    fn perp(
        symbol: &str,
        asset: &str,
        quote: &str,
        mult: u32,
        size: &str,
        hours: Option<&str>,
    ) -> Instrument {
        Instrument {
            venue: Venue::Mexc,
            market: Market::Perp,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: quote.into(),
            multiplier: Decimal::from(mult),
            contract_size: d(size),
            funding_interval_hours: hours.map(d),
        }
    }

    fn spot(symbol: &str, asset: &str, quote: &str) -> Instrument {
        Instrument {
            market: Market::Spot,
            ..perp(symbol, asset, quote, 1, "1", None)
        }
    }

    fn quirky_reference() -> Reference {
        reference_of(&[
            (CONTRACT_DETAIL, DETAIL_Q),
            (EXCHANGE_INFO, INFO_Q),
            (FUNDING_RATES, RATES_Q),
        ])
        .expect("quirky lists parse")
    }

    fn interval(r: &Reference, symbol: &str) -> Option<Decimal> {
        r.instruments
            .iter()
            .find(|i| i.symbol == symbol && i.market == Market::Perp)
            .and_then(|i| i.funding_interval_hours)
    }

    #[test]
    fn documented_lists_keep_the_enabled_contract_and_the_enabled_pair() {
        let r = reference_of(&[(CONTRACT_DETAIL, DETAIL), (EXCHANGE_INFO, INFO)]).expect("parses");
        assert_eq!(
            r.instruments,
            vec![
                // The interval is only per symbol: unknown until the details come.
                perp("BTC_USDT", "BTC", "USDT", 1, "0.0001", None),
                // isSpotTradingAllowed false is an API permission, not the market's status.
                spot("TOMO3LUSDT", "TOMO3L", "USDT"),
            ]
        );
    }

    #[test]
    fn quirky_lists_filter_states_and_map_symbols_and_sizes() {
        let r = quirky_reference();
        assert_eq!(
            r.instruments,
            vec![
                perp("BTC_USDT", "BTC", "USDT", 1, "0.0001", None),
                // Contracts of 10 × 1000PEPE; 4 h from the bulk funding rates.
                perp("1000PEPE_USDT", "PEPE", "USDT", 1000, "10", Some("4")),
                perp("BTC_USDC", "BTC", "USDC", 1, "0.0001", Some("1")),
                // contractSize as a string; collectCycle "8" wins over the duplicate's 1.
                perp("ETH_USDT", "ETH", "USDT", 1, "0.01", Some("8")),
                // contractSize "": 1.
                perp("SOL_USDT", "SOL", "USDT", 1, "1", Some("8")),
                // state "0" as a string; collectCycle null.
                perp("DOGE_USDT", "DOGE", "USDT", 1, "100", None),
                perp("1INCH_USDT", "1INCH", "USDT", 1, "1", None),
                spot("BTCUSDT", "BTC", "USDT"),
                spot("ETHUSDT", "ETH", "USDT"),
                spot("PEPEUSDT", "PEPE", "USDT"),
                spot("BTCUSDC", "BTC", "USDC"),
                spot("TOMO3LUSDT", "TOMO3L", "USDT"),
                // baseAsset/quoteAsset "": split from the symbol; status as a number.
                spot("XYZUSDT", "XYZ", "USDT"),
            ],
            "dropped: inverse BTC_USD, states 1-4, hidden, dated BTC_USDT_250328, the duplicate \
             BTC_USDT (contractSize 1); spot status 2/3, close-only, duplicate, empty symbol"
        );
        // Without the optional bulk funding rates every interval is unknown.
        let r = reference_of(&[(CONTRACT_DETAIL, DETAIL_Q), (EXCHANGE_INFO, INFO_Q)]).expect("ok");
        assert!(
            r.instruments
                .iter()
                .all(|i| i.funding_interval_hours.is_none())
        );
    }

    #[test]
    fn per_symbol_funding_rates_give_the_interval() {
        assert_eq!(
            funding_interval("BTC_USDT", RATE_BTC.as_bytes()),
            Ok(Some(d("8")))
        );
        assert_eq!(
            funding_interval("DOGE_USDT", RATE_DOGE.as_bytes()),
            Ok(Some(d("2")))
        );
        assert_eq!(
            funding_interval("ETH_USDT", RATE_BTC.as_bytes()),
            Ok(None),
            "another symbol's row"
        );
        let zero = r#"{"success":true,"code":0,"data":{"symbol":"X_USDT","collectCycle":0}}"#;
        assert_eq!(funding_interval("X_USDT", zero.as_bytes()), Ok(None));
        let err = funding_interval("1INCH_USDT", NO_CONTRACT.as_bytes()).expect_err("error body");
        assert_eq!(
            err,
            ParseError::new(FUNDING_RATE, "API error 1001: Contract does not exist")
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
        let fresh = quirky_reference();
        assert_eq!(
            detail_symbols(&fresh, None, DETAIL_BATCH),
            ["BTC_USDT", "DOGE_USDT", "1INCH_USDT"]
        );
        assert_eq!(detail_symbols(&fresh, None, 2), ["BTC_USDT", "DOGE_USDT"]);
        let requests = Mexc.detail_requests(&fresh, None);
        assert_eq!(requests[1].path, "/api/v1/contract/funding_rate/DOGE_USDT");

        let mut first = fresh.clone();
        apply(
            &mut first,
            None,
            &[
                ("BTC_USDT", RATE_BTC),
                ("DOGE_USDT", RATE_DOGE),
                ("1INCH_USDT", NO_CONTRACT),
            ],
        );
        assert_eq!(interval(&first, "BTC_USDT"), Some(d("8")));
        assert_eq!(interval(&first, "DOGE_USDT"), Some(d("2")));
        assert_eq!(
            interval(&first, "1INCH_USDT"),
            None,
            "error body: still unknown"
        );
        assert_eq!(first.instruments.len(), fresh.instruments.len());

        // Next refresh without the bulk call: 1INCH is unknown and comes first; one of the
        // six cached intervals (1/24, rounded up) is refreshed, the oldest.
        let bare =
            reference_of(&[(CONTRACT_DETAIL, DETAIL_Q), (EXCHANGE_INFO, INFO_Q)]).expect("parses");
        assert_eq!(
            detail_symbols(&bare, Some(&first), DETAIL_BATCH),
            ["1INCH_USDT", "BTC_USDT"]
        );
        let mut second = bare.clone();
        apply(&mut second, Some(&first), &[("BTC_USDT", RATE_BTC)]);
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

    #[test]
    fn documented_snapshot_examples_parse_to_exact_values() {
        let r = Reference {
            instruments: vec![
                perp("BTC_USDT", "BTC", "USDT", 1, "0.0001", Some("8")),
                spot("BTCUSDT", "BTC", "USDT"),
                spot("ETHUSDT", "ETH", "USDT"),
            ],
            ..Reference::default()
        };
        // The documented ticker is the single-symbol form (`data` an object).
        let s = snapshot_of(&[(TICKER, TICKER_J), (SPOT_TICKER, SPOT_J)], &r).expect("parses");
        assert_eq!(
            s.perps,
            vec![PerpQuote {
                venue: Venue::Mexc,
                symbol: "BTC_USDT".into(),
                asset: "BTC".into(),
                quote: "USDT".into(),
                multiplier: Decimal::ONE,
                funding_rate: d("0.001"),
                funding_interval_hours: d("8"),
                // The next 8 h mark after the ticker's timestamp (2021-01-05 08:00 UTC), as in
                // the documented funding-rate example's nextSettleTime.
                next_funding_time: t(1_609_833_600_000),
                mark_price: Some(d("31199.5")),
                index_price: Some(d("31016.3")),
                bid: Some(d("31198.5")),
                ask: Some(d("31199")),
                high_24h: Some(d("33152.5")),
                low_24h: Some(d("27795")),
                volume_24h_quote: Some(d("124905007.4428")),
                // 55 102 960 contracts × 0.0001 BTC.
                open_interest: Some(d("5510.296")),
                exchange_time: t(1_609_831_334_016),
                received_at: received(),
            }]
        );
        let btc = SpotQuote {
            venue: Venue::Mexc,
            symbol: "BTCUSDT".into(),
            asset: "BTC".into(),
            quote: "USDT".into(),
            bid: Some(d("46260.38")),
            ask: Some(d("46260.41")),
            high_24h: Some(d("47550.01")),
            low_24h: Some(d("45555.5")),
            // quoteVolume null: volume 1732.461487 × last 46263.71.
            volume_24h_quote: Some(d("80150095.82073677")),
            exchange_time: t(1_641_349_582_808),
            received_at: received(),
        };
        let eth = SpotQuote {
            symbol: "ETHUSDT".into(),
            asset: "ETH".into(),
            ..btc.clone()
        };
        assert_eq!(s.spots, vec![btc, eth]);
        // Without a cached interval the perp is left out.
        let mut r = r;
        r.instruments[0].funding_interval_hours = None;
        let s = snapshot_of(&[(TICKER, TICKER_J), (SPOT_TICKER, SPOT_J)], &r).expect("parses");
        assert!(s.perps.is_empty() && s.spots.len() == 2);
    }

    #[test]
    fn quirky_snapshot_intervals_units_duplicates_and_empty_fields() {
        let mut r = quirky_reference();
        apply(
            &mut r,
            None,
            &[("BTC_USDT", RATE_BTC), ("DOGE_USDT", RATE_DOGE)],
        );
        let s = snapshot_of(&[(TICKER, TICKER_Q), (SPOT_TICKER, SPOT_Q)], &r).expect("parses");
        let rows: Vec<(&str, Decimal, Decimal, Option<DateTime<Utc>>)> = s
            .perps
            .iter()
            .map(|p| {
                (
                    p.symbol.as_str(),
                    p.funding_rate,
                    p.funding_interval_hours,
                    p.next_funding_time,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                // The first PEPE row wins over the duplicate's 0.9.
                (
                    "1000PEPE_USDT",
                    d("-0.000125"),
                    d("4"),
                    t(1_743_595_200_000)
                ),
                // Exponent form.
                ("BTC_USDC", d("0.0000125"), d("1"), t(1_743_591_600_000)),
                // A rate sent as a string.
                ("ETH_USDT", d("0.0001"), d("8"), t(1_743_609_600_000)),
                // 2 h from the per-symbol funding rate.
                ("DOGE_USDT", d("0.0003"), d("2"), t(1_743_595_200_000)),
            ],
            "BTC_USDT and 1INCH have no ticker, SOL's rate is null, BTC_USD is not listed"
        );
        let pepe = &s.perps[0];
        assert_eq!((pepe.asset.as_str(), pepe.multiplier), ("PEPE", d("1000")));
        assert_eq!(
            (pepe.bid, pepe.ask),
            (Some(d("0.007099")), Some(d("0.0071")))
        );
        assert_eq!(
            (
                pepe.high_24h,
                pepe.low_24h,
                pepe.mark_price,
                pepe.index_price
            ),
            (
                Some(d("0.0075")),
                Some(d("0.0068")),
                Some(d("0.0071005")),
                Some(d("0.0071"))
            )
        );
        assert_eq!(pepe.volume_24h_quote, Some(d("35500000")), "amount24");
        // 30 000 000 contracts × 10 × 1000 PEPE.
        assert_eq!(pepe.open_interest, Some(d("300000000000")));
        assert_eq!(pepe.exchange_time, t(1_743_588_686_291));

        let usdc = &s.perps[1];
        assert_eq!(usdc.quote, "USDC");
        assert_eq!((usdc.bid, usdc.ask), (None, Some(d("84010.1"))));
        // No amount24: 2 105 000 contracts × 0.0001 BTC × 84010.
        assert_eq!(usdc.volume_24h_quote, Some(d("17684105")));
        assert_eq!(usdc.open_interest, Some(d("150")));
        let doge = &s.perps[3];
        assert_eq!(
            doge.open_interest,
            Some(d("250000000")),
            "× contractSize 100"
        );

        let spots: Vec<SpotRow<'_>> = s
            .spots
            .iter()
            .map(|q| (q.symbol.as_str(), q.bid, q.ask, q.volume_24h_quote))
            .collect();
        assert_eq!(
            spots,
            vec![
                (
                    "BTCUSDT",
                    Some(d("84001.96")),
                    Some(d("84001.98")),
                    Some(d("136259711.43"))
                ),
                // Exponent form with a capital E.
                (
                    "PEPEUSDT",
                    Some(d("0.00000709")),
                    Some(d("0.0000071")),
                    Some(d("43310000.12"))
                ),
                // bid "", quoteVolume null: 12.5 × 84005.
                ("BTCUSDC", None, Some(d("84006.1")), Some(d("1050062.5"))),
            ],
            "ETHUSDT, TOMO3LUSDT and XYZUSDT have no ticker; HALTUSDT is not listed"
        );
        assert_eq!((s.spots[2].high_24h, s.spots[2].low_24h), (None, None));
        assert_eq!(
            s.spots[2].exchange_time,
            t(1_743_588_686_753),
            "a string time"
        );
    }

    #[test]
    fn envelope_errors_and_missing_bodies_name_the_endpoint() {
        let r = quirky_reference();
        let ok = [(TICKER, TICKER_Q), (SPOT_TICKER, SPOT_Q)];
        let cases: [(&'static str, &str, &str); 7] = [
            (
                TICKER,
                r#"{"success":true,"code":0,"data":[{"symbol":"#,
                "malformed JSON",
            ),
            (
                TICKER,
                RATE_LIMIT,
                "API error 510: Excessive frequency of requests",
            ),
            (TICKER, r#"{"data":[]}"#, "no `success` nor `code`"),
            (TICKER, r#"{"success":true,"code":0}"#, "without `data`"),
            (SPOT_TICKER, BAD_SYMBOL, "API error 10007: bad symbol"),
            (SPOT_TICKER, r#"{"symbol":"BTCUSDT"}"#, "malformed JSON"),
            (
                SPOT_TICKER,
                r#"[{"symbol":"BTCUSDT","bidPrice":{}}]"#,
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
        let err = snapshot_of(&ok[1..], &r).expect_err("contract tickers missing");
        assert_eq!(err, ParseError::new(TICKER, "response missing"));
        let err = snapshot_of(&ok[..1], &r).expect_err("spot tickers missing");
        assert_eq!(err, ParseError::new(SPOT_TICKER, "response missing"));
        let err = reference_of(&[(CONTRACT_DETAIL, DETAIL)]).expect_err("spot list missing");
        assert_eq!(err, ParseError::new(EXCHANGE_INFO, "response missing"));
        let err = reference_of(&[(CONTRACT_DETAIL, DETAIL), (EXCHANGE_INFO, BAD_SYMBOL)])
            .expect_err("error body");
        assert_eq!(
            err,
            ParseError::new(EXCHANGE_INFO, "API error 10007: bad symbol")
        );
        let err = reference_of(&[
            (CONTRACT_DETAIL, DETAIL),
            (EXCHANGE_INFO, r#"{"timezone":"CST"}"#),
        ])
        .expect_err("no symbols");
        assert!(err.detail.contains("without `symbols`"), "{err}");
        let err = reference_of(&[
            (CONTRACT_DETAIL, DETAIL),
            (EXCHANGE_INFO, INFO),
            (FUNDING_RATES, "[1,"),
        ])
        .expect_err("malformed optional body");
        assert_eq!(err.endpoint, FUNDING_RATES);
    }

    #[test]
    fn check_body_maps_rate_limits_and_api_errors() {
        assert_eq!(
            Mexc.check_body(200, RATE_LIMIT.as_bytes()),
            BodySignal::RateLimited,
            "code 510 with HTTP 200"
        );
        assert_eq!(Mexc.check_body(429, b""), BodySignal::RateLimited);
        assert_eq!(
            Mexc.check_body(200, NO_CONTRACT.as_bytes()),
            BodySignal::Api {
                code: "1001".into(),
                msg: "Contract does not exist".into()
            }
        );
        assert_eq!(
            Mexc.check_body(400, BAD_SYMBOL.as_bytes()),
            BodySignal::Api {
                code: "10007".into(),
                msg: "bad symbol".into()
            },
            "spot errors use `msg`"
        );
        assert_eq!(
            Mexc.check_body(200, br#"{"success":false,"message":"oops"}"#),
            BodySignal::Api {
                code: String::new(),
                msg: "oops".into()
            }
        );
        for ok in [TICKER_J, DETAIL, RATE_BTC, SPOT_J, INFO] {
            assert_eq!(Mexc.check_body(200, ok.as_bytes()), BodySignal::Ok, "{ok}");
        }
        assert_eq!(Mexc.check_body(403, b"<html>WAF</html>"), BodySignal::Ok);
    }

    /// (symbol, bid, ask, 24 h quote volume) of a spot quote.
    type SpotRow<'a> = (&'a str, Option<Decimal>, Option<Decimal>, Option<Decimal>);

    const MUTABLE: [(&str, &str); 6] = [
        (CONTRACT_DETAIL, DETAIL_Q),
        (EXCHANGE_INFO, INFO_Q),
        (FUNDING_RATES, RATES_Q),
        (TICKER, TICKER_Q),
        (SPOT_TICKER, SPOT_Q),
        (FUNDING_RATE, RATE_DOGE),
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
            let _ = Mexc.check_body(200, &mutated);
            let good_ref = quirky_reference();
            let parts: Vec<(&'static str, &[u8])> = MUTABLE
                .iter()
                .map(|(e, b)| (*e, if *e == endpoint { &mutated[..] } else { b.as_bytes() }))
                .collect();
            let (ref_result, snap_result, detail) = with_bodies(&parts, |bodies| {
                let mut applied = good_ref.clone();
                apply_details(&mut applied, Some(&good_ref), bodies);
                prop_assert_eq!(applied.instruments.len(), good_ref.instruments.len());
                Ok((
                    reference(bodies),
                    snapshot(bodies, &good_ref, received()),
                    funding_interval("DOGE_USDT", Body::one(bodies, FUNDING_RATE)?),
                ))
            })?;
            let result_for_endpoint = match endpoint {
                CONTRACT_DETAIL | EXCHANGE_INFO | FUNDING_RATES => ref_result.map(|_| ()),
                FUNDING_RATE => detail.map(|_| ()),
                _ => snap_result.as_ref().map(|_| ()).map_err(Clone::clone),
            };
            if m.truncates() {
                // A strict prefix of a JSON document is never a document.
                let err = result_for_endpoint.expect_err("truncated payload must fail");
                prop_assert_eq!(err.endpoint, endpoint);
            }
            if let Ok(s) = snap_result {
                let known: HashSet<&str> =
                    good_ref.instruments.iter().map(|i| i.symbol.as_str()).collect();
                prop_assert!(s.perps.iter().all(|p| known.contains(p.symbol.as_str())));
                prop_assert!(s.spots.iter().all(|q| known.contains(q.symbol.as_str())));
                prop_assert!(s.perps.iter().all(|p| p.funding_interval_hours > Decimal::ZERO));
            }
        }
    }

    #[test]
    fn documented_funding_history_parses_to_exact_values() {
        assert_eq!(
            funding_history(HISTORY_J.as_bytes()),
            Ok(vec![
                point(1_609_804_800_000, "0.000266"),
                point(1_609_776_000_000, "0.00029"),
            ])
        );
        // Any order, a string rate and time, exponent form; rows without a rate or a time
        // are skipped.
        assert_eq!(
            funding_history(HISTORY_Q.as_bytes()),
            Ok(vec![
                point(1_743_580_800_000, "-0.000125"),
                point(1_743_566_400_000, "0.0001"),
                point(1_743_595_200_000, "0.00005"),
            ])
        );
        assert_eq!(
            funding_history(br#"{"success":true,"code":0}"#),
            Ok(Vec::new()),
            "a successful envelope without data is an empty page"
        );
        assert_eq!(
            funding_history(
                br#"{"success":true,"code":0,"data":{"pageSize":1000,"totalCount":0,
                    "totalPage":0,"currentPage":3,"resultList":[]}}"#
            ),
            Ok(Vec::new())
        );
    }

    #[test]
    fn documented_klines_parse_to_exact_values() {
        // Contract: columnar numbers, times in seconds.
        assert_eq!(
            contract_candles(KLINE_J.as_bytes()),
            Ok(vec![candle(
                1_609_740_600_000,
                "33094.0",
                "32995.0",
                "33040.5"
            )])
        );
        // Hourly 1000PEPE bars per contract unit, exponent form, extra `real*` columns.
        assert_eq!(
            contract_candles(KLINE_Q.as_bytes()),
            Ok(vec![
                candle(1_743_580_800_000, "0.0071", "0.00705", "0.00709"),
                candle(1_743_584_400_000, "0.00713", "0.00705", "0.00712"),
                candle(1_743_588_000_000, "0.00715", "0.0071", "0.00714"),
            ])
        );
        // Spot: arrays with string decimals, times in ms.
        assert_eq!(
            spot_candles(SPOT_KLINES_J.as_bytes()),
            Ok(vec![candle(
                1_640_804_880_000,
                "47482.36",
                "47416.57",
                "47436.1"
            )])
        );
        // Any order, numbers and strings, exponent form; a two-element row is skipped.
        assert_eq!(
            spot_candles(SPOT_KLINES_Q.as_bytes()),
            Ok(vec![
                candle(1_743_465_600_000, "84300.7", "82100", "84100.5"),
                candle(1_743_552_000_000, "85200", "83900.1", "84950.25"),
                candle(1_743_379_200_000, "83000", "81800.4", "82500"),
            ])
        );
        assert_eq!(spot_candles(b"[]"), Ok(Vec::new()));
        assert_eq!(
            contract_candles(br#"{"success":true,"code":0,"data":{}}"#),
            Ok(Vec::new())
        );
        // A bar without a close is skipped, the others kept.
        assert_eq!(
            contract_candles(
                br#"{"success":true,"code":0,"data":{"time":[60,120],"high":[2,3],
                    "low":[1,1],"close":[null,2]}}"#
            ),
            Ok(vec![candle(120_000, "3", "1", "2")])
        );
    }

    #[test]
    fn history_errors_name_the_endpoint() {
        let contract: [(&str, &str); 4] = [
            (RATE_LIMIT, "API error 510"),
            (NO_CONTRACT, "API error 1001: Contract does not exist"),
            (
                r#"{"success":true,"code":0,"data":{"time":[1"#,
                "malformed JSON",
            ),
            (r#"{"data":{}}"#, "no `success` nor `code`"),
        ];
        for (body, detail) in contract {
            let err = funding_history(body.as_bytes()).expect_err(body);
            assert_eq!(err.endpoint, FUNDING_HISTORY);
            assert!(err.detail.contains(detail), "{err}");
            let err = contract_candles(body.as_bytes()).expect_err(body);
            assert_eq!(err.endpoint, CONTRACT_KLINE);
            assert!(err.detail.contains(detail), "{err}");
        }
        let ragged = br#"{"success":true,"code":0,"data":{"time":[60,120],"high":[2],
            "low":[1,1],"close":[1,2]}}"#;
        let err = contract_candles(ragged).expect_err("ragged columns");
        assert!(err.detail.contains("different lengths"), "{err}");
        for (body, detail) in [
            (BAD_SYMBOL, "API error 10007: bad symbol"),
            (r#"[[1640804880000,"1","#, "malformed JSON"),
            (r#"{"symbol":"BTCUSDT"}"#, "malformed JSON"),
            (r#"[{"t":1}]"#, "malformed JSON"),
        ] {
            let err = spot_candles(body.as_bytes()).expect_err(body);
            assert_eq!(err.endpoint, SPOT_KLINES);
            assert!(err.detail.contains(detail), "{err}");
        }
        // Through the adapter: the market picks the parser.
        let bar = crate::venue::Bar::Day;
        assert_eq!(
            Mexc.parse_candles(Market::Perp, bar, KLINE_J.as_bytes())
                .map(|c| c.len()),
            Ok(1)
        );
        assert!(
            Mexc.parse_candles(Market::Spot, bar, KLINE_J.as_bytes())
                .is_err()
        );
        assert_eq!(
            Mexc.parse_candles(Market::Spot, bar, SPOT_KLINES_J.as_bytes())
                .map(|c| c.len()),
            Ok(1)
        );
        assert_eq!(
            Mexc.parse_funding_history(HISTORY_J.as_bytes())
                .map(|p| p.len()),
            Ok(2)
        );
    }

    const HISTORY_MUTABLE: [(&str, &str); 6] = [
        (FUNDING_HISTORY, HISTORY_J),
        (FUNDING_HISTORY, HISTORY_Q),
        (CONTRACT_KLINE, KLINE_J),
        (CONTRACT_KLINE, KLINE_Q),
        (SPOT_KLINES, SPOT_KLINES_J),
        (SPOT_KLINES, SPOT_KLINES_Q),
    ];

    /// Parses `body` as a page of `endpoint`: whether every time is positive.
    fn parse_history(endpoint: &str, body: &[u8]) -> Result<bool, ParseError> {
        match endpoint {
            FUNDING_HISTORY => funding_history(body).map(|p| p.iter().all(|p| p.time_ms > 0)),
            CONTRACT_KLINE => contract_candles(body).map(|c| c.iter().all(|c| c.open_ms > 0)),
            _ => spot_candles(body).map(|c| c.iter().all(|c| c.open_ms > 0)),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn mutated_history_payloads_never_panic(
            which in 0..HISTORY_MUTABLE.len(),
            m in mutation(),
        ) {
            let (endpoint, text) = HISTORY_MUTABLE[which];
            let mutated = mutate(text, &m);
            match parse_history(endpoint, &mutated) {
                Ok(positive) => prop_assert!(positive),
                Err(err) => prop_assert_eq!(err.endpoint, endpoint),
            }
            if m.truncates() {
                prop_assert!(parse_history(endpoint, &mutated).is_err(), "truncated must fail");
            }
        }
    }
}
