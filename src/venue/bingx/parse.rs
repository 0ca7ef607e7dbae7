//! BingX payloads to domain types (pure): envelope check, listing filters, funding-history
//! intervals, snapshot assembly.
//!
//! Rules (see `exchange-apis/README.md`, BingX section):
//! - Perps: `status` 1, symbol `BASE-QUOTE`, settlement `currency` equal to the quote when given
//!   (BingX lists no inverse or dated contracts here; anything else is dropped), launched and not
//!   delisted by the server clock. `1000PEPE-USDT` is asset PEPE × 1000; BingX sizes orders in
//!   coins, so `contract_size` is 1. Tradfi contracts (`NCSKTSLA2USD-USDT`) are linear perps too
//!   and are kept under their own code.
//! - Spot: `status` 1, symbol `BASE-QUOTE`, `timeOnline`/`offTime` checked like the perps.
//! - Server clock: the latest envelope `timestamp` or premium-index `time` among the reference
//!   bodies; without one the launch/delisting checks are skipped (the status still applies).
//! - Funding interval: the premium-index row's `fundingIntervalHours` when positive (every poll),
//!   else the cached reference's (from the reference premium index or the funding history);
//!   a perp with neither is left out of the snapshot.
//! - Funding history: the interval is the gap between the two newest distinct settlement times,
//!   kept when it is a whole number of hours from 1 to 24. For `backfill`, every row with a time
//!   and a rate is a settlement ([`funding_history`]).
//! - Candles ([`candles`]): swap rows as objects or arrays, spot rows as arrays, in any order;
//!   code 0 with `data` `null` is an empty page.
//! - Volume: `quoteVolume` (quote currency), else `volume` × `lastPrice`. Open interest: `None`
//!   (BingX has no bulk source). Exchange time: premium-index `time`, else the ticker's
//!   `closeTime`.
//! - Duplicates: the first row of a symbol wins, in listings and snapshot payloads.
//! - Interval refresh (the plan of [`crate::venue::intervals`]): first the perps with no
//!   interval at all, then about 1/24 of the carried-over (history-derived) ones, oldest first.
//!   The age order is kept in the cached reference itself: [`apply_details`] puts carried perps first, oldest
//!   first, and everything refreshed this time after them.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    BingxContract, BingxEnvelope, BingxFundingRate, BingxKline, BingxPremiumIndex, BingxSpotSymbol,
    BingxSpotSymbols, BingxStatus, BingxTicker,
};
use super::{
    CONTRACTS, FUNDING_HISTORY, PREMIUM_INDEX, RATE_LIMIT_CODE, SPOT_SYMBOLS, SPOT_TICKER, TICKER,
};
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, SpotQuote, Venue};
use crate::parse::{ms_time, split_multiplier};
pub(super) use crate::venue::intervals::detail_symbols;
use crate::venue::intervals::{carried_intervals, positive};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

const MS_PER_HOUR: i64 = 3_600_000;

/// What the envelope of a response says. HTTP 429, or code `100410` with any status, is a rate
/// limit; another non-zero code is an API error; a body that is not a BingX envelope (or has no
/// `code`) says nothing, leaving the HTTP status and the parser to decide.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    if status == 429 {
        return BodySignal::RateLimited;
    }
    let Ok(env) = serde_json::from_slice::<BingxStatus<'_>>(body) else {
        return BodySignal::Ok;
    };
    match env.code.as_str() {
        "" | "0" => BodySignal::Ok,
        RATE_LIMIT_CODE => BodySignal::RateLimited,
        code => BodySignal::Api {
            code: code.to_owned(),
            msg: env.msg.as_str().to_owned(),
        },
    }
}

/// The `data` of one response and its envelope `timestamp`, after checking the envelope.
fn payload<'a, D: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<(D, Option<i64>), ParseError> {
    let (data, timestamp) = checked(endpoint, bytes)?;
    let data = data.ok_or_else(|| ParseError::new(endpoint, "BingX envelope without `data`"))?;
    Ok((data, timestamp))
}

/// The `data` (if any) of one response and its envelope `timestamp`, after checking that the
/// envelope is a BingX one with code 0.
fn checked<'a, D: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<(Option<D>, Option<i64>), ParseError> {
    let env: BingxEnvelope<'a, D> = match serde_json::from_slice(bytes) {
        Ok(env) => env,
        Err(err) => {
            // An error envelope whose `data` has another shape (`{}`): report the API error.
            if let Ok(status) = serde_json::from_slice::<BingxStatus<'_>>(bytes)
                && !matches!(status.code.as_str(), "" | "0")
            {
                return Err(ParseError::new(
                    endpoint,
                    format!(
                        "API error {}: {}",
                        status.code.as_str(),
                        status.msg.as_str()
                    ),
                ));
            }
            return Err(ParseError::json(endpoint, &err));
        }
    };
    match env.code.as_str() {
        "0" => {}
        "" => return Err(ParseError::new(endpoint, "not a BingX envelope: no `code`")),
        code => {
            return Err(ParseError::new(
                endpoint,
                format!("API error {code}: {}", env.msg.as_str()),
            ));
        }
    }
    Ok((env.data, env.timestamp.get()))
}

/// The rows of every body of `endpoint`, in request order, and the latest envelope timestamp.
/// `required`: at least one body must have been fetched.
fn all_rows<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    required: bool,
) -> Result<(Vec<T>, Option<i64>), ParseError> {
    let mut out = Vec::new();
    let mut clock = None;
    let mut seen = false;
    for bytes in Body::of(bodies, endpoint) {
        seen = true;
        let (rows, time) = payload::<Vec<T>>(endpoint, bytes)?;
        out.extend(rows);
        clock = clock.max(time);
    }
    if required && !seen {
        return Err(ParseError::new(endpoint, "response missing"));
    }
    Ok((out, clock))
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

/// `BTC-USDT` → (`BTC`, `USDT`); anything but two non-empty parts is `None`.
fn split_pair(pair: &str) -> Option<(&str, &str)> {
    let (base, quote) = pair.split_once('-')?;
    (!base.is_empty() && !quote.is_empty() && !quote.contains('-')).then_some((base, quote))
}

/// Listed by `clock`: launched (no launch time, or one not after it) and not delisted (no
/// delisting time, 0, or one after it). Without a clock nothing can be said: listed.
fn listed(launch: Option<i64>, off: Option<i64>, clock: Option<i64>) -> bool {
    let Some(now) = clock else {
        return true;
    };
    launch.is_none_or(|t| t <= now) && off.is_none_or(|t| t <= 0 || t > now)
}

/// A trading linear perpetual, or `None` for anything else.
fn perp_instrument(
    row: &BingxContract<'_>,
    clock: Option<i64>,
    intervals: &HashMap<&str, Decimal>,
) -> Option<Instrument> {
    if row.status.get() != Some(1) {
        return None;
    }
    let symbol = row.symbol.get()?;
    let (base, quote) = split_pair(symbol)?;
    if row.currency.get().is_some_and(|settle| settle != quote) {
        return None;
    }
    if !listed(row.launch_time.get(), row.off_time.get(), clock) {
        return None;
    }
    let (asset, multiplier) = split_multiplier(base);
    Some(Instrument {
        venue: Venue::Bingx,
        market: Market::Perp,
        symbol: symbol.to_owned(),
        asset,
        quote: quote.to_owned(),
        multiplier,
        contract_size: Decimal::ONE,
        funding_interval_hours: intervals.get(symbol).copied(),
    })
}

/// A trading spot pair, or `None`.
fn spot_instrument(row: &BingxSpotSymbol<'_>, clock: Option<i64>) -> Option<Instrument> {
    if row.status.get() != Some(1) {
        return None;
    }
    let symbol = row.symbol.get()?;
    let (base, quote) = split_pair(symbol)?;
    if !listed(row.time_online.get(), row.off_time.get(), clock) {
        return None;
    }
    Some(Instrument {
        venue: Venue::Bingx,
        market: Market::Spot,
        symbol: symbol.to_owned(),
        asset: base.to_owned(),
        quote: quote.to_owned(),
        multiplier: Decimal::ONE,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
}

/// Parses the contract and spot lists (and the optional premium index) into trading linear
/// perpetuals and spot pairs.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let (contracts, contracts_time) = all_rows::<BingxContract<'_>>(bodies, CONTRACTS, true)?;
    let mut spots: Vec<BingxSpotSymbol<'_>> = Vec::new();
    let mut clock = contracts_time;
    let mut seen = false;
    for bytes in Body::of(bodies, SPOT_SYMBOLS) {
        seen = true;
        let (data, time) = payload::<BingxSpotSymbols<'_>>(SPOT_SYMBOLS, bytes)?;
        spots.extend(data.symbols);
        clock = clock.max(time);
    }
    if !seen {
        return Err(ParseError::new(SPOT_SYMBOLS, "response missing"));
    }
    let (premium, premium_time) = all_rows::<BingxPremiumIndex<'_>>(bodies, PREMIUM_INDEX, false)?;
    clock = clock
        .max(premium_time)
        .max(premium.iter().filter_map(|p| p.time.get()).max());
    let mut intervals: HashMap<&str, Decimal> = HashMap::new();
    for p in &premium {
        if let (Some(symbol), Some(hours)) =
            (p.symbol.get(), positive(p.funding_interval_hours.get()))
        {
            intervals.entry(symbol).or_insert(hours);
        }
    }

    let mut instruments = Vec::with_capacity(contracts.len() + spots.len());
    let mut seen: HashSet<(Market, String)> = HashSet::new();
    let candidates = contracts
        .iter()
        .filter_map(|row| perp_instrument(row, clock, &intervals))
        .chain(spots.iter().filter_map(|row| spot_instrument(row, clock)));
    for inst in candidates {
        if seen.insert((inst.market, inst.symbol.clone())) {
            instruments.push(inst);
        } else {
            tracing::debug!(
                venue = "bingx",
                symbol = %inst.symbol,
                "duplicate listing row ignored"
            );
        }
    }
    Ok(Reference {
        instruments,
        ..Reference::default()
    })
}

/// The funding interval of `symbol` from one funding-history body: the gap between the two
/// newest distinct settlement times, when it is a whole number of hours from 1 to 24. Rows of
/// another symbol are ignored. `Ok(None)` when the history is too short or irregular.
///
/// # Errors
/// When the body is not a successful BingX envelope with a list of rows.
pub(super) fn history_interval(symbol: &str, bytes: &[u8]) -> Result<Option<Decimal>, ParseError> {
    let (rows, _) = payload::<Vec<BingxFundingRate<'_>>>(FUNDING_HISTORY, bytes)?;
    let mut times: Vec<i64> = rows
        .iter()
        .filter(|r| r.symbol.get().is_none_or(|s| s == symbol))
        .filter_map(|r| r.funding_time.get())
        .filter(|t| *t > 0)
        .collect();
    times.sort_unstable_by(|a, b| b.cmp(a));
    times.dedup();
    let [newest, before, ..] = times[..] else {
        return Ok(None);
    };
    let gap = newest.saturating_sub(before);
    if gap % MS_PER_HOUR != 0 || !(1..=24).contains(&(gap / MS_PER_HOUR)) {
        return Ok(None);
    }
    Ok(Some(Decimal::from(gap / MS_PER_HOUR)))
}

/// The settled funding of one `quote/fundingRate` page, in the order sent (BingX's order is not
/// documented; callers sort). Rows without a time or a rate are skipped; `data` `null` with
/// code 0 is an empty page.
///
/// # Errors
/// A [`ParseError`] naming `fundingRate` when the body is not a BingX envelope holding a list of
/// rows, or carries a non-zero `code`.
pub(super) fn funding_history(bytes: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let (rows, _) = checked::<Vec<BingxFundingRate<'_>>>(FUNDING_HISTORY, bytes)?;
    Ok(rows
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            Some(HistoryPoint {
                time_ms: r.funding_time.get().filter(|t| *t > 0)?,
                rate: r.funding_rate.get()?,
            })
        })
        .collect())
}

/// The candles of one page of `endpoint` (swap `klines` or `spot-kline`), in the order sent.
/// Rows of either shape ([`BingxKline`]) are read; rows without an open time, high, low or
/// close are skipped (BingX flags no unfinished bar: the caller drops the running one); `data`
/// `null` with code 0 is an empty page.
///
/// # Errors
/// A [`ParseError`] naming `endpoint` when the body is not a BingX envelope holding a list of
/// rows, or carries a non-zero `code`.
pub(super) fn candles(endpoint: &'static str, bytes: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let (rows, _) = checked::<Vec<BingxKline>>(endpoint, bytes)?;
    Ok(rows
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            Some(Candle {
                open_ms: r.time.get().filter(|t| *t > 0)?,
                high: r.high.get()?,
                low: r.low.get()?,
                close: r.close.get()?,
            })
        })
        .collect())
}

/// Merges funding-history bodies and the previous reference into `fresh`: an interval fresh
/// from the listing wins, then one just fetched, then the previous reference's. Perps keep an
/// age order for [`crate::venue::intervals::detail_symbols`]: carried-over ones first (oldest first), then the others.
/// A body that cannot be read is logged and skipped (its perp keeps its previous value).
pub(super) fn apply_details(
    fresh: &mut Reference,
    previous: Option<&Reference>,
    bodies: &[Body<'_>],
) {
    let mut fetched: HashMap<&str, Decimal> = HashMap::new();
    for body in bodies
        .iter()
        .filter(|b| b.request.endpoint == FUNDING_HISTORY)
    {
        let Some(symbol) = body
            .request
            .query
            .iter()
            .find(|(k, _)| *k == "symbol")
            .map(|(_, v)| v.as_str())
        else {
            continue;
        };
        match history_interval(symbol, body.bytes) {
            Ok(Some(hours)) => {
                fetched.entry(symbol).or_insert(hours);
            }
            Ok(None) => {
                tracing::debug!(
                    venue = "bingx",
                    symbol,
                    "funding history too short for an interval"
                );
            }
            Err(e) => {
                tracing::warn!(
                    venue = "bingx",
                    symbol,
                    error = %e,
                    "funding history unreadable; interval unchanged"
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

/// 24 h quote volume: `quoteVolume`, else `volume` × `lastPrice`.
fn quote_volume(t: &BingxTicker<'_>) -> Option<Decimal> {
    t.quote_volume.get().or_else(|| {
        t.volume
            .get()?
            .checked_mul(t.last_price.get()?)
            .map(|v| v.normalize())
    })
}

/// Parses one poll's bodies. Perps need a premium-index row with a rate and an interval (its own
/// or the reference's); spots need a ticker. Instruments absent from `reference` are dropped.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let (premium, _) = all_rows::<BingxPremiumIndex<'_>>(bodies, PREMIUM_INDEX, true)?;
    let (tickers, _) = all_rows::<BingxTicker<'_>>(bodies, TICKER, true)?;
    let (spot_tickers, _) = all_rows::<BingxTicker<'_>>(bodies, SPOT_TICKER, true)?;
    let premium = by_symbol(&premium, |r| r.symbol.as_str());
    let tickers = by_symbol(&tickers, |r| r.symbol.as_str());
    let spot_tickers = by_symbol(&spot_tickers, |r| r.symbol.as_str());

    let mut perps = Vec::new();
    let mut spots = Vec::new();
    for inst in &reference.instruments {
        match inst.market {
            Market::Perp => {
                let Some(p) = premium.get(inst.symbol.as_str()) else {
                    continue;
                };
                let hours = positive(p.funding_interval_hours.get())
                    .or_else(|| positive(inst.funding_interval_hours));
                let (Some(rate), Some(hours)) = (p.last_funding_rate.get(), hours) else {
                    continue;
                };
                let t = tickers.get(inst.symbol.as_str());
                let exchange_ms = p.time.get().or_else(|| t.and_then(|t| t.close_time.get()));
                perps.push(PerpQuote {
                    venue: Venue::Bingx,
                    symbol: inst.symbol.clone(),
                    asset: inst.asset.clone(),
                    quote: inst.quote.clone(),
                    multiplier: inst.multiplier,
                    funding_rate: rate,
                    funding_interval_hours: hours,
                    next_funding_time: p.next_funding_time.get().and_then(ms_time),
                    mark_price: p.mark_price.get(),
                    index_price: p.index_price.get(),
                    bid: t.and_then(|t| t.bid_price.get()),
                    ask: t.and_then(|t| t.ask_price.get()),
                    high_24h: t.and_then(|t| t.high_price.get()),
                    low_24h: t.and_then(|t| t.low_price.get()),
                    volume_24h_quote: t.and_then(|t| quote_volume(t)),
                    open_interest: None,
                    exchange_time: exchange_ms.and_then(ms_time),
                    received_at,
                });
            }
            Market::Spot => {
                let Some(t) = spot_tickers.get(inst.symbol.as_str()) else {
                    continue;
                };
                spots.push(SpotQuote {
                    venue: Venue::Bingx,
                    symbol: inst.symbol.clone(),
                    asset: inst.asset.clone(),
                    quote: inst.quote.clone(),
                    bid: t.bid_price.get(),
                    ask: t.ask_price.get(),
                    high_24h: t.high_price.get(),
                    low_24h: t.low_price.get(),
                    volume_24h_quote: quote_volume(t),
                    exchange_time: t.close_time.get().and_then(ms_time),
                    received_at,
                });
            }
        }
    }
    Ok(Snapshot {
        venue: Venue::Bingx,
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
    use crate::venue::bingx::{Bingx, KLINES, SPOT_KLINE, funding_history_request};
    use crate::venue::testkit::{candle, mutate, mutation};
    use crate::venue::{Request, VenueAdapter};

    const CONTRACTS_J: &str = include_str!("../../../fixtures/bingx/contracts.json");
    const CONTRACTS_Q: &str = include_str!("../../../fixtures/bingx/contracts-quirks.json");
    const SPOTS_J: &str = include_str!("../../../fixtures/bingx/spot-symbols.json");
    const SPOTS_Q: &str = include_str!("../../../fixtures/bingx/spot-symbols-quirks.json");
    const PREMIUM: &str = include_str!("../../../fixtures/bingx/premiumIndex.json");
    const PREMIUM_Q: &str = include_str!("../../../fixtures/bingx/premiumIndex-quirks.json");
    const TICKER_J: &str = include_str!("../../../fixtures/bingx/ticker.json");
    const TICKER_Q: &str = include_str!("../../../fixtures/bingx/ticker-quirks.json");
    const SPOT_TICKER_J: &str = include_str!("../../../fixtures/bingx/spot-ticker-24hr.json");
    const SPOT_TICKER_Q: &str =
        include_str!("../../../fixtures/bingx/spot-ticker-24hr-quirks.json");
    const HISTORY: &str = include_str!("../../../fixtures/bingx/fundingRate.json");
    const HISTORY_ETH: &str = include_str!("../../../fixtures/bingx/fundingRate-ETH-USDT.json");
    const HISTORY_1INCH: &str = include_str!("../../../fixtures/bingx/fundingRate-1INCH-USDT.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/bingx/error-rate-limit.json");
    const BAD_PARAMS: &str = include_str!("../../../fixtures/bingx/error-invalid-params.json");
    const KLINES_J: &str = include_str!("../../../fixtures/bingx/klines.json");
    const KLINES_ARRAYS: &str = include_str!("../../../fixtures/bingx/klines-arrays.json");
    const SPOT_KLINE_J: &str = include_str!("../../../fixtures/bingx/spot-kline.json");
    const SPOT_KLINE_Q: &str = include_str!("../../../fixtures/bingx/spot-kline-quirks.json");

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn t(ms: i64) -> Option<DateTime<Utc>> {
        ms_time(ms)
    }

    fn received() -> DateTime<Utc> {
        t(1_743_588_687_000).expect("time")
    }

    /// A request of `endpoint` from the adapter's plans (the ETH-USDT history for details).
    fn request(endpoint: &'static str) -> Request {
        if endpoint == FUNDING_HISTORY {
            return funding_history_request("ETH-USDT");
        }
        Bingx
            .reference_requests()
            .into_iter()
            .chain(Bingx.snapshot_requests(true))
            .find(|r| r.endpoint == endpoint)
            .expect("known endpoint")
    }

    /// Runs `f` on bodies built from (request, payload) pairs.
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

    /// Applies funding-history bodies, one per (symbol, payload), to `fresh`.
    fn apply(fresh: &mut Reference, previous: Option<&Reference>, parts: &[(&str, &str)]) {
        let parts: Vec<(Request, &[u8])> = parts
            .iter()
            .map(|(s, b)| (funding_history_request(s), b.as_bytes()))
            .collect();
        with_requests(&parts, |bodies| apply_details(fresh, previous, bodies));
    }

    fn perp(symbol: &str, asset: &str, quote: &str, mult: u32, hours: Option<&str>) -> Instrument {
        Instrument {
            venue: Venue::Bingx,
            market: Market::Perp,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: quote.into(),
            multiplier: Decimal::from(mult),
            contract_size: Decimal::ONE,
            funding_interval_hours: hours.map(d),
        }
    }

    fn spot(symbol: &str, asset: &str, quote: &str) -> Instrument {
        Instrument {
            market: Market::Spot,
            ..perp(symbol, asset, quote, 1, None)
        }
    }

    fn quirky_reference() -> Reference {
        reference_of(&[
            (CONTRACTS, CONTRACTS_Q),
            (SPOT_SYMBOLS, SPOTS_Q),
            (PREMIUM_INDEX, PREMIUM_Q),
        ])
        .expect("quirky lists parse")
    }

    fn symbols(r: &Reference, market: Market) -> Vec<&str> {
        r.instruments
            .iter()
            .filter(|i| i.market == market)
            .map(|i| i.symbol.as_str())
            .collect()
    }

    #[test]
    fn documented_lists_keep_the_active_contract_and_the_online_pair() {
        let r = reference_of(&[(CONTRACTS, CONTRACTS_J), (SPOT_SYMBOLS, SPOTS_J)]).expect("parses");
        assert_eq!(
            r.instruments,
            vec![
                // `size` 0.0001 is the order step: BingX sizes in coins, so contract size 1.
                perp("BTC-USDT", "BTC", "USDT", 1, None),
                spot("GEAR-USDT", "GEAR", "USDT"),
            ]
        );
    }

    #[test]
    fn quirky_lists_filter_statuses_and_times_and_map_symbols() {
        let r = quirky_reference();
        assert_eq!(
            r.instruments,
            vec![
                // Interval from the reference premium index (4 h).
                perp("1000PEPE-USDT", "PEPE", "USDT", 1000, Some("4")),
                perp("BTC-USDC", "BTC", "USDC", 1, Some("1")),
                // apiStateOpen "false" pauses API orders only: kept; no interval in its row.
                perp("ETH-USDT", "ETH", "USDT", 1, None),
                // Delisting scheduled after the server clock: still trading.
                perp("SOON-USDT", "SOON", "USDT", 1, Some("2")),
                // status "1" as a string; its first row wins over the duplicate.
                perp("SOL-USDT", "SOL", "USDT", 1, Some("8")),
                perp("NCSKTSLA2USD-USDT", "NCSKTSLA2USD", "USDT", 1, Some("8")),
                // fundingIntervalHours 0 is no interval; 1INCH is not a multiplier.
                perp("1INCH-USDT", "1INCH", "USDT", 1, None),
                spot("BTC-USDT", "BTC", "USDT"),
                spot("BTC-USDC", "BTC", "USDC"),
                spot("PEPE-USDT", "PEPE", "USDT"),
                spot("ETH-BTC", "ETH", "BTC"),
            ],
            "dropped: status 25/0/5, pre-launch NEW, delisted GONE, not-yet-online LATE, \
             BTC settled BTC-USD, ETH-USDT settled in USDC, empty and dash-less symbols"
        );
        // Without the optional premium index and with no envelope timestamp there is no server
        // clock: launch and delisting times cannot be judged, statuses still apply.
        let r = reference_of(&[(CONTRACTS, CONTRACTS_Q), (SPOT_SYMBOLS, SPOTS_J)]).expect("ok");
        let perps = symbols(&r, Market::Perp);
        assert!(perps.contains(&"NEW-USDT") && perps.contains(&"GONE-USDT"));
        assert!(!perps.contains(&"HALT-USDT") && !perps.contains(&"OFF-USDT"));
        assert!(
            r.instruments
                .iter()
                .all(|i| i.funding_interval_hours.is_none())
        );
    }

    #[test]
    fn documented_snapshot_examples_parse_to_exact_values() {
        let mut r = Reference {
            instruments: vec![
                perp("BTC-USDT", "BTC", "USDT", 1, Some("8")),
                spot("BTC-USDT", "BTC", "USDT"),
            ],
            ..Reference::default()
        };
        let parts = [
            (PREMIUM_INDEX, PREMIUM),
            (TICKER, TICKER_J),
            (SPOT_TICKER, SPOT_TICKER_J),
        ];
        let s = snapshot_of(&parts, &r).expect("parses");
        assert_eq!(
            s.perps,
            vec![PerpQuote {
                venue: Venue::Bingx,
                symbol: "BTC-USDT".into(),
                asset: "BTC".into(),
                quote: "USDT".into(),
                multiplier: Decimal::ONE,
                funding_rate: d("0.0001"),
                // The documented row has no fundingIntervalHours: the cached interval.
                funding_interval_hours: d("8"),
                next_funding_time: t(1_672_041_600_000),
                mark_price: Some(d("16884.5")),
                index_price: Some(d("16886.9")),
                // JSON numbers, read from the raw token.
                bid: Some(d("16726.0")),
                ask: Some(d("16726.0")),
                high_24h: Some(d("16897.5")),
                low_24h: Some(d("16726.0")),
                volume_24h_quote: Some(d("4151395117.73")),
                open_interest: None,
                exchange_time: t(1_672_026_648_425),
                received_at: received(),
            }]
        );
        assert_eq!(
            s.spots,
            vec![SpotQuote {
                venue: Venue::Bingx,
                symbol: "BTC-USDT".into(),
                asset: "BTC".into(),
                quote: "USDT".into(),
                bid: Some(d("16726.0")),
                ask: Some(d("16726.0")),
                high_24h: Some(d("26178.86")),
                low_24h: Some(d("25968.18")),
                volume_24h_quote: Some(d("30288466.44")),
                // closeTime sent as a string.
                exchange_time: t(1_693_167_420_762),
                received_at: received(),
            }]
        );
        // No interval in the row nor in the cache: left out, never assumed to be 8 h.
        r.instruments[0].funding_interval_hours = None;
        let s = snapshot_of(&parts, &r).expect("parses");
        assert!(s.perps.is_empty() && s.spots.len() == 1);
    }

    #[test]
    fn funding_history_gives_the_interval_from_the_two_newest_settlements() {
        // Oldest first with a duplicated row: 00:00 and 08:00.
        assert_eq!(
            history_interval("ETH-USDT", HISTORY_ETH.as_bytes()),
            Ok(Some(d("8")))
        );
        // Newest first, a time as a string, an older 3 h gap ignored.
        assert_eq!(
            history_interval("1INCH-USDT", HISTORY_1INCH.as_bytes()),
            Ok(Some(d("1")))
        );
        // One settlement only; rows of another symbol do not count.
        assert_eq!(history_interval("BTC-USDT", HISTORY.as_bytes()), Ok(None));
        assert_eq!(
            history_interval("ETH-USDT", HISTORY_1INCH.as_bytes()),
            Ok(None)
        );
        let irregular = r#"{"code":0,"msg":"","data":[
            {"symbol":"X-USDT","fundingRate":"0","fundingTime":1743588000000},
            {"symbol":"X-USDT","fundingRate":"0","fundingTime":1743586200000}]}"#;
        assert_eq!(
            history_interval("X-USDT", irregular.as_bytes()),
            Ok(None),
            "30 min"
        );
        let err = history_interval("ETH-USDT", RATE_LIMIT.as_bytes()).expect_err("error body");
        assert_eq!(err.endpoint, FUNDING_HISTORY);
        assert!(err.detail.contains("100410"), "{err}");
    }

    #[test]
    fn details_fill_unknown_intervals_then_rotate_the_oldest() {
        let fresh = quirky_reference();
        assert_eq!(
            detail_symbols(&fresh, None, 3),
            ["ETH-USDT", "1INCH-USDT"],
            "only perps without an interval"
        );
        assert_eq!(detail_symbols(&fresh, None, 1), ["ETH-USDT"], "bounded");
        let requests = Bingx.detail_requests(&fresh, None);
        assert_eq!(requests[1], funding_history_request("1INCH-USDT"));

        let mut first = fresh.clone();
        apply(
            &mut first,
            None,
            &[("ETH-USDT", HISTORY_ETH), ("1INCH-USDT", HISTORY_1INCH)],
        );
        let interval = |r: &Reference, s: &str| {
            r.instruments
                .iter()
                .find(|i| i.symbol == s && i.market == Market::Perp)
                .and_then(|i| i.funding_interval_hours)
        };
        assert_eq!(interval(&first, "ETH-USDT"), Some(d("8")));
        assert_eq!(interval(&first, "1INCH-USDT"), Some(d("1")));
        assert_eq!(first.instruments.len(), fresh.instruments.len());

        // Next refresh: both are known only from the cache. One of the two (1/24, rounded up)
        // is fetched again, the one refreshed longest ago first; the other is carried over.
        assert_eq!(detail_symbols(&fresh, Some(&first), 3), ["ETH-USDT"]);
        let mut second = fresh.clone();
        apply(&mut second, Some(&first), &[("ETH-USDT", HISTORY_ETH)]);
        assert_eq!(
            interval(&second, "1INCH-USDT"),
            Some(d("1")),
            "carried over"
        );
        assert_eq!(second.instruments[0].symbol, "1INCH-USDT", "oldest first");
        assert_eq!(detail_symbols(&fresh, Some(&second), 3), ["1INCH-USDT"]);

        // An unreadable body changes nothing: the previous interval is kept.
        let mut third = fresh.clone();
        apply(
            &mut third,
            Some(&second),
            &[("1INCH-USDT", RATE_LIMIT), ("ETH-USDT", "{")],
        );
        assert_eq!(interval(&third, "1INCH-USDT"), Some(d("1")));
        assert_eq!(interval(&third, "ETH-USDT"), Some(d("8")));
        // A fresh listing interval always wins over the cache.
        let mut cached = second.clone();
        for i in &mut cached.instruments {
            i.funding_interval_hours = Some(d("8"));
        }
        let mut fourth = fresh.clone();
        apply(&mut fourth, Some(&cached), &[]);
        assert_eq!(interval(&fourth, "1000PEPE-USDT"), Some(d("4")));
    }

    #[test]
    fn quirky_snapshot_intervals_units_duplicates_and_empty_fields() {
        let mut r = quirky_reference();
        apply(
            &mut r,
            None,
            &[("ETH-USDT", HISTORY_ETH), ("1INCH-USDT", HISTORY_1INCH)],
        );
        let s = snapshot_of(
            &[
                (PREMIUM_INDEX, PREMIUM_Q),
                (TICKER, TICKER_Q),
                (SPOT_TICKER, SPOT_TICKER_Q),
            ],
            &r,
        )
        .expect("parses");
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
                (
                    "1000PEPE-USDT",
                    d("-0.000125"),
                    d("4"),
                    t(1_743_602_400_000)
                ),
                // The first BTC-USDC row wins over the duplicate's 0.9 and 8 h.
                ("BTC-USDC", d("0.0000125"), d("1"), t(1_743_591_600_000)),
                // No fundingIntervalHours: the 8 h from the funding history.
                ("ETH-USDT", d("0.0001"), d("8"), t(1_743_609_600_000)),
                // Rate as a number, interval and time as strings.
                ("SOON-USDT", d("0.0003"), d("2"), t(1_743_595_200_000)),
                // Exponent form.
                (
                    "NCSKTSLA2USD-USDT",
                    d("0.000015"),
                    d("8"),
                    t(1_743_609_600_000)
                ),
                // fundingIntervalHours 0: the history's 1 h.
                ("1INCH-USDT", d("-0.0002"), d("1"), t(1_743_591_600_000)),
            ],
            "SOL (lastFundingRate \"\"), NEW and HALT (not listed) are dropped"
        );
        let pepe = &s.perps[0];
        assert_eq!((pepe.asset.as_str(), pepe.multiplier), ("PEPE", d("1000")));
        // Prices per 1000 PEPE, as quoted; the first ticker row wins over the duplicate.
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
        assert_eq!(pepe.volume_24h_quote, Some(d("35500000")), "quoteVolume");
        assert_eq!(pepe.open_interest, None, "no bulk open interest on BingX");
        assert_eq!(pepe.exchange_time, t(1_743_588_686_291));

        let usdc = &s.perps[1];
        assert_eq!(usdc.quote, "USDC");
        assert_eq!((usdc.bid, usdc.ask), (None, Some(d("84010.1"))));
        assert_eq!((usdc.high_24h, usdc.low_24h), (Some(d("85000")), None));
        // No quoteVolume: 210.5 BTC × last 84010.0.
        assert_eq!(usdc.volume_24h_quote, Some(d("17684105")));

        let soon = &s.perps[3];
        assert_eq!((soon.mark_price, soon.index_price), (None, None));
        assert_eq!((soon.bid, soon.volume_24h_quote), (None, None), "no ticker");
        assert_eq!(soon.exchange_time, t(1_743_588_686_290));

        let spots: Vec<SpotRow<'_>> = s
            .spots
            .iter()
            .map(|q| (q.symbol.as_str(), q.bid, q.ask, q.volume_24h_quote))
            .collect();
        assert_eq!(
            spots,
            vec![
                // Everything as numbers; the duplicate row is ignored.
                (
                    "BTC-USDT",
                    Some(d("84001.96")),
                    Some(d("84001.98")),
                    Some(d("136259711.43"))
                ),
                // bid null, quoteVolume "": 12.5 × 84005.00.
                ("BTC-USDC", None, Some(d("84006.1")), Some(d("1050062.5"))),
                // Exponent-form numbers.
                (
                    "PEPE-USDT",
                    Some(d("0.00000709")),
                    Some(d("0.0000071")),
                    Some(d("43310000.12"))
                ),
            ],
            "ETH-BTC has no ticker; HALT-USDT is not listed"
        );
        assert_eq!(
            (s.spots[0].high_24h, s.spots[0].low_24h),
            (Some(d("84890")), Some(d("82977.35")))
        );
        assert_eq!((s.spots[1].high_24h, s.spots[1].low_24h), (None, None));
        assert_eq!(s.spots[1].exchange_time, t(1_743_588_686_753));
    }

    #[test]
    fn envelope_errors_and_missing_bodies_name_the_endpoint() {
        let r = quirky_reference();
        let ok = [
            (PREMIUM_INDEX, PREMIUM_Q),
            (TICKER, TICKER_Q),
            (SPOT_TICKER, SPOT_TICKER_Q),
        ];
        let cases: [(&'static str, &str, &str); 6] = [
            (
                TICKER,
                r#"{"code":0,"msg":"","data":[{"symbol":"#,
                "malformed JSON",
            ),
            (
                PREMIUM_INDEX,
                BAD_PARAMS,
                "API error 80014: Invalid parameters",
            ),
            (PREMIUM_INDEX, RATE_LIMIT, "API error 100410"),
            (SPOT_TICKER, r#"{"msg":"","data":[]}"#, "no `code`"),
            (PREMIUM_INDEX, r#"{"code":0,"msg":""}"#, "without `data`"),
            (
                TICKER,
                r#"{"code":0,"data":{"symbol":"BTC-USDT"}}"#,
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
        let err = snapshot_of(&ok[1..], &r).expect_err("premium index missing");
        assert_eq!(err, ParseError::new(PREMIUM_INDEX, "response missing"));
        let err = reference_of(&[(CONTRACTS, CONTRACTS_J)]).expect_err("spot list missing");
        assert_eq!(err, ParseError::new(SPOT_SYMBOLS, "response missing"));
        let err = reference_of(&[(CONTRACTS, RATE_LIMIT), (SPOT_SYMBOLS, SPOTS_J)])
            .expect_err("rate-limit body");
        assert_eq!(err.endpoint, CONTRACTS);
        assert!(err.detail.contains("100410"), "{err}");
        let err = reference_of(&[(CONTRACTS, CONTRACTS_J), (SPOT_SYMBOLS, TICKER_J)])
            .expect_err("a list where the symbols object belongs");
        assert_eq!(err.endpoint, SPOT_SYMBOLS);
    }

    #[test]
    fn check_body_maps_rate_limits_and_api_errors() {
        assert_eq!(
            Bingx.check_body(200, RATE_LIMIT.as_bytes()),
            BodySignal::RateLimited,
            "100410 with HTTP 200"
        );
        assert_eq!(
            Bingx.check_body(429, b"<html>slow down</html>"),
            BodySignal::RateLimited
        );
        assert_eq!(
            Bingx.check_body(200, br#"{"code":"100410","msg":"busy"}"#),
            BodySignal::RateLimited,
            "a string code is read too"
        );
        assert_eq!(
            Bingx.check_body(200, BAD_PARAMS.as_bytes()),
            BodySignal::Api {
                code: "80014".into(),
                msg: "Invalid parameters, err:Key: 'GetTickerRequest.Symbol' Error:Field \
                      validation for \"Symbol\" failed on the \"len=0|endswith=-USDT\" tag"
                    .into()
            }
        );
        assert_eq!(
            Bingx.check_body(
                200,
                br#"{"code":100421,"msg":"timestamp mismatch","data":null}"#
            ),
            BodySignal::Api {
                code: "100421".into(),
                msg: "timestamp mismatch".into()
            }
        );
        assert_eq!(Bingx.check_body(200, PREMIUM.as_bytes()), BodySignal::Ok);
        assert_eq!(
            Bingx.check_body(502, b"<html>bad gateway</html>"),
            BodySignal::Ok
        );
        assert_eq!(Bingx.check_body(200, b"{}"), BodySignal::Ok);
    }

    /// (symbol, bid, ask, 24 h quote volume) of a spot quote.
    type SpotRow<'a> = (&'a str, Option<Decimal>, Option<Decimal>, Option<Decimal>);

    const MUTABLE: [(&str, &str); 6] = [
        (CONTRACTS, CONTRACTS_Q),
        (SPOT_SYMBOLS, SPOTS_Q),
        (PREMIUM_INDEX, PREMIUM_Q),
        (TICKER, TICKER_Q),
        (SPOT_TICKER, SPOT_TICKER_Q),
        (FUNDING_HISTORY, HISTORY_ETH),
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
            let _ = Bingx.check_body(200, &mutated);
            let good_ref = quirky_reference();
            let parts: Vec<(&'static str, &[u8])> = MUTABLE
                .iter()
                .map(|(e, b)| (*e, if *e == endpoint { &mutated[..] } else { b.as_bytes() }))
                .collect();
            let (ref_result, snap_result, history) = with_bodies(&parts, |bodies| {
                let mut applied = good_ref.clone();
                apply_details(&mut applied, Some(&good_ref), bodies);
                prop_assert_eq!(applied.instruments.len(), good_ref.instruments.len());
                Ok((
                    reference(bodies),
                    snapshot(bodies, &good_ref, received()),
                    history_interval("ETH-USDT", Body::one(bodies, FUNDING_HISTORY)?),
                ))
            })?;
            let result_for_endpoint = match endpoint {
                CONTRACTS | SPOT_SYMBOLS => ref_result.map(|_| ()),
                FUNDING_HISTORY => history.map(|_| ()),
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
    fn documented_klines_parse_to_exact_values() {
        assert_eq!(
            candles(KLINES, KLINES_J.as_bytes()),
            Ok(vec![
                candle(1_666_583_700_000, "19397.5", "19385.7", "19394.4"),
                candle(1_666_584_000_000, "19394.4", "19368.3", "19379.0"),
            ]),
            "swap rows as objects with string decimals"
        );
        assert_eq!(
            candles(SPOT_KLINE, SPOT_KLINE_J.as_bytes()),
            Ok(vec![candle(
                1_691_402_580_000,
                "29093.93",
                "29087.73",
                "29093.24"
            )]),
            "spot rows as arrays of numbers"
        );
    }

    #[test]
    fn kline_arrays_parse_in_any_order_and_skip_broken_rows() {
        // Binance-style swap arrays, newest first, strings and numbers (exponent form too); a
        // two-element row and one with an empty close are skipped. Prices per 1000 PEPE.
        assert_eq!(
            candles(KLINES, KLINES_ARRAYS.as_bytes()),
            Ok(vec![
                candle(1_743_588_000_000, "0.00715", "0.0071", "0.00714"),
                candle(1_743_584_400_000, "0.00713", "0.00705", "0.00712"),
                candle(1_743_580_800_000, "0.0071", "0.00705", "0.00709"),
            ])
        );
        assert_eq!(
            candles(SPOT_KLINE, SPOT_KLINE_Q.as_bytes()),
            Ok(vec![
                candle(1_743_552_000_000, "85200", "83900.1", "84950.25"),
                candle(1_743_465_600_000, "84300.7", "82100", "84100.5"),
                candle(1_743_379_200_000, "83000", "81800.4", "82500"),
            ])
        );
        // `openTime` stands for `time` in the object form (mark-price rows); unknown fields and
        // a row without a time are ignored; `data` null with code 0 is an empty page.
        let body = br#"{"code":0,"msg":"","data":[
            {"open":"1","close":"2","high":"3","low":"0.5","volume":"9","openTime":1706508840000,
             "closeTime":1706508899999,"extra":{"a":[1]}},
            {"open":"1","close":"2","high":"3","low":"0.5"}
        ]}"#;
        assert_eq!(
            candles(KLINES, body),
            Ok(vec![candle(1_706_508_840_000, "3", "0.5", "2")])
        );
        assert_eq!(
            candles(KLINES, br#"{"code":0,"msg":"","data":null}"#),
            Ok(Vec::new())
        );
        assert_eq!(
            candles(SPOT_KLINE, br#"{"code":0,"msg":"","data":[]}"#),
            Ok(Vec::new())
        );
    }

    #[test]
    fn funding_history_pages_keep_every_settlement_in_any_order() {
        assert_eq!(
            funding_history(HISTORY.as_bytes()),
            Ok(vec![HistoryPoint {
                time_ms: 1_585_684_800_000,
                rate: d("0.0001")
            }])
        );
        // Newest first, the newest time as a string.
        let points = funding_history(HISTORY_1INCH.as_bytes()).expect("parses");
        assert_eq!(
            points
                .iter()
                .map(|p| (p.time_ms, p.rate))
                .collect::<Vec<_>>(),
            [
                (1_743_588_000_000, d("-0.0002")),
                (1_743_584_400_000, d("-0.00018")),
                (1_743_573_600_000, d("-0.0003")),
            ]
        );
        // Oldest first with a duplicated row: kept as sent (the caller de-duplicates).
        assert_eq!(
            funding_history(HISTORY_ETH.as_bytes()).map(|p| p.len()),
            Ok(3)
        );
        let body = br#"{"code":0,"msg":"","data":[
            {"symbol":"BTC-USDT","fundingRate":"","fundingTime":1585684800000},
            {"symbol":"BTC-USDT","fundingRate":"0.0001","fundingTime":0},
            {"symbol":"BTC-USDT","fundingRate":-1.5e-5,"fundingTime":1585713600000}
        ]}"#;
        assert_eq!(
            funding_history(body),
            Ok(vec![HistoryPoint {
                time_ms: 1_585_713_600_000,
                rate: d("-0.000015")
            }])
        );
        assert_eq!(
            funding_history(br#"{"code":0,"msg":"","data":null}"#),
            Ok(Vec::new())
        );
    }

    #[test]
    fn history_errors_name_the_endpoint() {
        let cases: [(&'static str, &str, &str); 5] = [
            (FUNDING_HISTORY, RATE_LIMIT, "API error 100410"),
            (KLINES, BAD_PARAMS, "API error 80014"),
            (
                SPOT_KLINE,
                r#"{"code":0,"msg":"","data":[[1,"#,
                "malformed JSON",
            ),
            (
                KLINES,
                r#"{"code":0,"msg":"","data":{"open":"1"}}"#,
                "malformed JSON",
            ),
            (SPOT_KLINE, r#"[[1691402580000,1,2,0.5,1.5]]"#, "no `code`"),
        ];
        for (endpoint, body, detail) in cases {
            let err = if endpoint == FUNDING_HISTORY {
                funding_history(body.as_bytes()).expect_err(body)
            } else {
                candles(endpoint, body.as_bytes()).expect_err(body)
            };
            assert_eq!(err.endpoint, endpoint, "{body}");
            assert!(err.detail.contains(detail), "{err}");
        }
        let err = funding_history(br#"{"msg":"","data":[]}"#).expect_err("no code");
        assert!(err.detail.contains("no `code`"), "{err}");
        // Through the adapter: the market picks the endpoint named in the error.
        let err = Bingx
            .parse_candles(Market::Spot, crate::venue::Bar::Day, BAD_PARAMS.as_bytes())
            .expect_err("error envelope");
        assert_eq!(err.endpoint, SPOT_KLINE);
        let err = Bingx
            .parse_candles(Market::Perp, crate::venue::Bar::Hour, RATE_LIMIT.as_bytes())
            .expect_err("rate limit");
        assert_eq!(err.endpoint, KLINES);
        assert!(Bingx.parse_funding_history(RATE_LIMIT.as_bytes()).is_err());
    }

    const HISTORY_MUTABLE: [(&str, &str); 6] = [
        (KLINES, KLINES_J),
        (KLINES, KLINES_ARRAYS),
        (SPOT_KLINE, SPOT_KLINE_J),
        (SPOT_KLINE, SPOT_KLINE_Q),
        (FUNDING_HISTORY, HISTORY_1INCH),
        (FUNDING_HISTORY, HISTORY_ETH),
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn mutated_history_payloads_never_panic(
            which in 0..HISTORY_MUTABLE.len(),
            m in mutation(),
        ) {
            let (endpoint, text) = HISTORY_MUTABLE[which];
            let mutated = mutate(text, &m);
            let result = if endpoint == FUNDING_HISTORY {
                funding_history(&mutated).map(|p| {
                    p.iter().all(|p| p.time_ms > 0)
                })
            } else {
                candles(endpoint, &mutated).map(|c| c.iter().all(|c| c.open_ms > 0))
            };
            match result {
                Ok(times_positive) => prop_assert!(times_positive),
                Err(err) => prop_assert_eq!(err.endpoint, endpoint),
            }
            if m.truncates() {
                prop_assert!(
                    if endpoint == FUNDING_HISTORY {
                        funding_history(&mutated).is_err()
                    } else {
                        candles(endpoint, &mutated).is_err()
                    },
                    "a truncated payload must fail"
                );
            }
        }
    }
}
