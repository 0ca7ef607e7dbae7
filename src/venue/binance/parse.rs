//! Binance payloads to domain types (pure): reference filters, snapshot joins, the error envelope.
//!
//! Decisions where the documentation is silent:
//! - Duplicate symbols (in any list): the first entry wins, later ones are ignored.
//! - An entry without a symbol, base or quote, or with a mistyped text field, is skipped.
//! - A perp whose `premiumIndex` entry is missing or has no `lastFundingRate` is left out of the
//!   snapshot (it cannot be priced); missing bid/ask/high/low/volume are `None`.
//! - Spot bases are kept as listed: `1000SATS` on Binance spot is its own token quoted per 1000
//!   SATS, and a spot quote carries no multiplier, so it is not split like a perp base.
//! - A `fundingRate` (history) row without a time or a rate is skipped, not an error.
//! - A klines row without an open time, high, low or close (too short, `null`, `""`) is skipped,
//!   not an error; a row that is not an array fails the page. The running bar is kept (Binance
//!   does not flag it; the caller drops bars that end after the request time).
//! - Collateral haircuts (`assetIndex`): `k = 1 − bidBuffer` of each `<COIN>USD` entry, keyed by
//!   the upper-case coin (`USDCUSD` → `USDC`). Entries of any other form (`BTCUSDT`, a bare `USD`,
//!   no symbol) are skipped: only a coin's USD index is its collateral value. So is an entry
//!   without a `bidBuffer` or whose `k` is outside (0, 1]; a coin listed twice keeps its first
//!   usable entry. A body that is not an array of entries (malformed, an error envelope) gives an
//!   empty table and never fails the reference: the table is optional.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    BinanceAssetIndex, BinanceBookTicker, BinanceError, BinanceExchangeInfo, BinanceFundingInfo,
    BinanceFundingRate, BinanceKline, BinancePremiumIndex, BinanceTicker24h,
};
use super::{
    FAPI_ASSET_INDEX, FAPI_BOOK_TICKER, FAPI_EXCHANGE_INFO, FAPI_FUNDING_INFO, FAPI_FUNDING_RATE,
    FAPI_KLINES, FAPI_PREMIUM_INDEX, FAPI_TICKER_24HR, SPOT_EXCHANGE_INFO, SPOT_KLINES,
    SPOT_TICKER_24HR,
};
use crate::model::{Instrument, Market, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_multiplier};
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows;
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

/// The funding interval of every perpetual absent from `fundingInfo` (documented default).
pub const DEFAULT_INTERVAL_HOURS: u32 = 8;

/// Error codes that mean "rate limited": -1003 `TOO_MANY_REQUESTS` (also the body of the 418
/// ban) and -1015 `TOO_MANY_ORDERS`.
const RATE_LIMIT_CODES: [i64; 2] = [-1003, -1015];

/// Decodes `bytes` as `T`; when that fails, says whether the body was Binance's error envelope.
fn decode<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<T, ParseError> {
    kit::decode_or_envelope(endpoint, bytes, |b| {
        api_error(b).map(|(code, msg)| ParseError::api(endpoint, code, &msg))
    })
}

/// The code and message of an error envelope (`{"code": <negative>, "msg": …}`).
fn api_error(bytes: &[u8]) -> Option<(i64, String)> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let err: BinanceError<'_> = serde_json::from_slice(bytes).ok()?;
    let code = err.code.get().filter(|c| *c < 0)?;
    Some((code, err.msg.get().unwrap_or_default().to_owned()))
}

/// What a response body's envelope says ([`crate::venue::VenueAdapter::check_body`]).
#[must_use]
pub fn envelope_signal(body: &[u8]) -> BodySignal {
    match api_error(body) {
        None => BodySignal::Ok,
        Some((code, _)) if RATE_LIMIT_CODES.contains(&code) => BodySignal::RateLimited,
        Some((code, msg)) => BodySignal::Api {
            code: code.to_string(),
            msg,
        },
    }
}

/// The funding interval of a `fundingInfo` entry, when it is a positive number of hours.
fn interval_hours(entry: &BinanceFundingInfo<'_>) -> Option<Decimal> {
    entry
        .funding_interval_hours
        .get()
        .filter(|h| *h > 0)
        .map(Decimal::from)
}

/// Quote of the `assetIndex` symbols that price a collateral coin (`BTCUSD`).
const ASSET_INDEX_QUOTE: &str = "USD";

/// The collateral value ratio (haircut `k`) of every coin of an `assetIndex` body: `1 −
/// bidBuffer` of its `<COIN>USD` entry, keyed by upper-case coin, only when in (0, 1]. A body
/// that is not a JSON array of entries gives an empty map (see the module docs).
#[must_use]
pub fn parse_haircuts(body: &[u8]) -> BTreeMap<String, Decimal> {
    let Ok(rows) = serde_json::from_slice::<Vec<BinanceAssetIndex<'_>>>(body) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    for row in &rows {
        let Some(symbol) = row.symbol.get().map(str::to_ascii_uppercase) else {
            continue;
        };
        let Some(coin) = symbol
            .strip_suffix(ASSET_INDEX_QUOTE)
            .filter(|c| !c.is_empty())
        else {
            continue;
        };
        let k = row
            .bid_buffer
            .get()
            .and_then(|buffer| Decimal::ONE.checked_sub(buffer))
            .filter(|k| *k > Decimal::ZERO && *k <= Decimal::ONE);
        if let Some(k) = k {
            out.entry(coin.to_owned()).or_insert_with(|| k.normalize());
        }
    }
    out
}

/// Trading linear perpetuals (with their funding interval), trading spot pairs and, when the
/// `assetIndex` body was fetched, the collateral haircuts ([`parse_haircuts`]; absent: empty).
///
/// # Errors
/// A [`ParseError`] naming the endpoint when an instrument body is missing or not the expected
/// JSON (or is an error envelope). The `assetIndex` body never fails the reference.
pub fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let futures_info = Body::one(bodies, FAPI_EXCHANGE_INFO.name)?;
    let funding_info = Body::one(bodies, FAPI_FUNDING_INFO.name)?;
    let spot_info = Body::one(bodies, SPOT_EXCHANGE_INFO.name)?;
    let asset_index = Body::of(bodies, FAPI_ASSET_INDEX.name).next();
    let futures: BinanceExchangeInfo<'_> = decode(FAPI_EXCHANGE_INFO.name, futures_info)?;
    let funding: Vec<BinanceFundingInfo<'_>> = decode(FAPI_FUNDING_INFO.name, funding_info)?;
    let spot: BinanceExchangeInfo<'_> = decode(SPOT_EXCHANGE_INFO.name, spot_info)?;

    let mut intervals: HashMap<&str, Option<Decimal>> = HashMap::with_capacity(funding.len());
    for entry in &funding {
        if let Some(symbol) = entry.symbol.get() {
            intervals
                .entry(symbol)
                .or_insert_with(|| interval_hours(entry));
        }
    }
    let default_interval = Decimal::from(DEFAULT_INTERVAL_HOURS);

    let perps = futures.symbols.iter().filter_map(|s| {
        let (symbol, base, quote) = (s.symbol.get()?, s.base_asset.get()?, s.quote_asset.get()?);
        let linear = s.margin_asset.get().is_none_or(|m| m == quote);
        if !s.contract_type.is("PERPETUAL") || !s.status.is("TRADING") || !linear {
            return None;
        }
        let hours = intervals.get(symbol).copied().flatten();
        Some(Instrument {
            funding_interval_hours: Some(hours.unwrap_or(default_interval)),
            ..rows::perp(Venue::Binance, symbol, split_multiplier(base), quote)
        })
    });
    let spots = spot.symbols.iter().filter_map(|s| {
        let (symbol, base, quote) = (s.symbol.get()?, s.base_asset.get()?, s.quote_asset.get()?);
        s.status
            .is("TRADING")
            .then(|| rows::spot(Venue::Binance, symbol, base, quote))
    });
    let instruments = kit::unique_listings("binance", perps.chain(spots));
    Ok(Reference {
        instruments,
        haircuts: asset_index.map(parse_haircuts).unwrap_or_default(),
        ..Reference::default()
    })
}

/// Joins the snapshot bodies (premium index, futures 24 h tickers, book tickers, spot 24 h
/// tickers: one each) on symbol, for the perps and spot pairs of `reference`.
///
/// # Errors
/// A [`ParseError`] naming the endpoint when a body is missing, or is not the expected JSON
/// array (or is an error envelope).
pub fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let premium = Body::one(bodies, FAPI_PREMIUM_INDEX.name)?;
    let futures_tickers = Body::one(bodies, FAPI_TICKER_24HR.name)?;
    let book_list = Body::one(bodies, FAPI_BOOK_TICKER.name)?;
    let spot_tickers = Body::one(bodies, SPOT_TICKER_24HR.name)?;
    let premium: Vec<BinancePremiumIndex<'_>> = decode(FAPI_PREMIUM_INDEX.name, premium)?;
    let futures_tickers: Vec<BinanceTicker24h<'_>> =
        decode(FAPI_TICKER_24HR.name, futures_tickers)?;
    let book_list: Vec<BinanceBookTicker<'_>> = decode(FAPI_BOOK_TICKER.name, book_list)?;
    let spot_tickers: Vec<BinanceTicker24h<'_>> = decode(SPOT_TICKER_24HR.name, spot_tickers)?;

    let perp_ref = reference.index(Market::Perp);
    let spot_ref = reference.index(Market::Spot);
    let tickers = kit::by_symbol(&futures_tickers, |t| t.symbol.get());
    let books = kit::by_symbol(&book_list, |b| b.symbol.get());
    let default_interval = Decimal::from(DEFAULT_INTERVAL_HOURS);

    let priced = premium
        .iter()
        .filter(|p| p.last_funding_rate.get().is_some());
    let perp = |(inst, p): (&Instrument, &BinancePremiumIndex<'_>)| {
        let symbol = inst.symbol.as_str();
        let ticker = tickers.get(symbol);
        let book = books.get(symbol);
        let exchange_time = p
            .time
            .get()
            .or_else(|| book.and_then(|b| b.time.get()))
            .or_else(|| ticker.and_then(|t| t.close_time.get()))
            .and_then(ms_time);
        let funding = Funding {
            rate: p.last_funding_rate.get()?,
            interval_hours: inst.funding_interval_hours.unwrap_or(default_interval),
            next: p.next_funding_time.get().and_then(ms_time),
        };
        let book = Book {
            bid: book.and_then(|b| b.bid_price.get()),
            ask: book.and_then(|b| b.ask_price.get()),
            high_24h: ticker.and_then(|t| t.high_price.get()),
            low_24h: ticker.and_then(|t| t.low_price.get()),
            volume_24h_quote: ticker.and_then(|t| t.quote_volume.get()),
            exchange_time,
        };
        let marks = Marks {
            mark: p.mark_price.get(),
            index: p.index_price.get(),
            ..Marks::default()
        };
        Some(kit::perp_quote(inst, funding, book, marks, received_at))
    };
    let joined = rows::joined(priced, &perp_ref, |p| p.symbol.get());
    let perps = joined.into_iter().filter_map(perp).collect();
    let spots = rows::joined(&spot_tickers, &spot_ref, |t| t.symbol.get())
        .into_iter()
        .map(|(inst, t)| {
            // Binance's own quote volume only (no `volume` × `lastPrice` fallback).
            let book = Book {
                volume_24h_quote: t.quote_volume.get(),
                ..t.book()
            };
            kit::spot_quote(inst, book, received_at)
        })
        .collect();
    Ok(Snapshot {
        venue: Venue::Binance,
        received_at,
        perps,
        spots,
    })
}

/// The settled funding points of one `fundingRate` page, in the order sent (Binance sends them
/// ascending; callers must not rely on it). Rows without a `fundingTime` or a `fundingRate` are
/// skipped.
///
/// # Errors
/// A [`ParseError`] naming `fapi/v1/fundingRate` when the body is not a JSON array of entries (an
/// error envelope such as `-1121 Invalid symbol.` is reported as such).
pub fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let rows: Vec<BinanceFundingRate<'_>> = decode(FAPI_FUNDING_RATE.name, body)?;
    Ok(rows.iter().filter_map(BinanceFundingRate::point).collect())
}

/// The candles of one klines page (`api/v3/klines` for spot, `fapi/v1/klines` for perps), in
/// the order sent (Binance sends them oldest first), prices as quoted (per contract unit of a
/// `1000PEPEUSDT`). Rows without an open time, high, low or close are skipped.
///
/// # Errors
/// A [`ParseError`] naming the endpoint when the body is not a JSON array of arrays (an error
/// envelope such as `-1121 Invalid symbol.` is reported as such).
pub fn candles(market: Market, body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let endpoint = match market {
        Market::Spot => SPOT_KLINES.name,
        Market::Perp => FAPI_KLINES.name,
    };
    let rows: Vec<BinanceKline> = decode(endpoint, body)?;
    Ok(rows.iter().filter_map(BinanceKline::candle).collect())
}
