//! Bybit v5 payloads to domain types: instruments to a [`Reference`], tickers to a [`Snapshot`].
//!
//! Pure: no I/O, no clock (the received time is a parameter). Funding history rows without a
//! time or a rate are skipped, not an error; so are kline rows without a start time, high, low
//! or close (a row that is not an array fails the page). The running bar (the first row) is
//! kept: Bybit does not flag it, the caller drops bars that end after the request time.
//!
//! Collateral haircuts (`spot-margin-trade/collateral`): per `currency` (upper-cased), the
//! `collateralRatio` of the tier with the smallest `minQty` (the first of equals; tiers without a
//! `minQty` are not candidates), kept only in (0, 1] — a coin whose first tier is `0` is not
//! margin. A coin listed twice keeps its first usable row. A body that is not a `retCode` 0
//! envelope with a `result.list` of rows (malformed, an error, a wrong type anywhere in it)
//! gives an empty table and never fails the reference: the table is optional.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    BybitCollateral, BybitEnvelope, BybitFundingHistory, BybitHead, BybitInstrument, BybitKline,
    BybitList, BybitPage, BybitTicker,
};
use crate::model::{Instrument, Market, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_multiplier};
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows;
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

/// `retCode`s that mean "rate limited": 10006 (API rate limit, "Too many visits!") and 10018
/// (IP rate limit).
pub const RATE_LIMIT_CODES: [i64; 2] = [10006, 10018];

/// What a body's envelope says. Bodies that are not a JSON envelope (an HTML 403 page, an empty
/// body) say nothing: the HTTP status decides, and the parser reports malformed payloads.
#[must_use]
pub fn envelope_signal(body: &[u8]) -> BodySignal {
    let Ok(head) = serde_json::from_slice::<BybitHead<'_>>(body) else {
        return BodySignal::Ok;
    };
    match head.ret_code.get() {
        None | Some(0) => BodySignal::Ok,
        Some(code) if RATE_LIMIT_CODES.contains(&code) => BodySignal::RateLimited,
        Some(code) => BodySignal::Api {
            code: code.to_string(),
            msg: head.ret_msg.as_str().to_owned(),
        },
    }
}

/// A decoded list response: its rows and server time.
struct Page<T> {
    rows: Vec<T>,
    time: Option<DateTime<Utc>>,
}

/// Decodes one list response of `category`, checking the envelope (`retCode` 0, a `result` with a
/// `list`, the category asked for).
fn decode<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    category: &str,
    body: &'a [u8],
) -> Result<Page<T>, ParseError> {
    let env: BybitEnvelope<'a, BybitList<'a, T>> = match serde_json::from_slice(body) {
        Ok(env) => env,
        Err(err) => {
            // An error envelope whose `result` has an unexpected shape: report the API error.
            if let BodySignal::Api { code, msg } = envelope_signal(body) {
                return Err(ParseError::new(
                    endpoint,
                    format!("API error {code}: {msg}"),
                ));
            }
            return Err(ParseError::json(endpoint, &err));
        }
    };
    match env.ret_code.get() {
        Some(0) => {}
        Some(code) => {
            let msg = env.ret_msg.as_str();
            return Err(ParseError::new(
                endpoint,
                format!("API error {code}: {msg}"),
            ));
        }
        None => {
            return Err(ParseError::new(
                endpoint,
                "not a Bybit v5 envelope (no retCode)",
            ));
        }
    }
    let result = env
        .result
        .ok_or_else(|| ParseError::new(endpoint, "envelope has no `result`"))?;
    if let Some(got) = result.category.get()
        && got != category
    {
        return Err(ParseError::new(
            endpoint,
            format!("expected category `{category}`, got `{got}`"),
        ));
    }
    let rows = result
        .list
        .ok_or_else(|| ParseError::new(endpoint, "`result.list` missing"))?;
    Ok(Page {
        rows,
        time: env.time.get().and_then(ms_time),
    })
}

/// The `nextPageCursor` of a list response, `None` on the last page (absent or `""`).
///
/// # Errors
/// When the body is not a JSON envelope.
pub fn next_cursor(endpoint: &'static str, body: &[u8]) -> Result<Option<String>, ParseError> {
    let env: BybitEnvelope<'_, BybitPage<'_>> =
        serde_json::from_slice(body).map_err(|e| ParseError::json(endpoint, &e))?;
    Ok(env
        .result
        .and_then(|r| r.next_page_cursor.get().map(str::to_owned)))
}

/// Powers of ten Bybit writes as a suffix of the base coin (`SHIB1000`), largest first.
const SUFFIX_MULTIPLIERS: [(&str, u64); 3] =
    [("1000000", 1_000_000), ("10000", 10_000), ("1000", 1_000)];

/// Splits a Bybit contract base coin into the spot coin and its multiplier: `1000PEPE` → (PEPE,
/// 1000) via [`split_multiplier`], plus Bybit's suffix form `SHIB1000` → (SHIB, 1000) and
/// power-of-ten prefixes longer than the shared table knows (`10000000AIDOGE`).
#[must_use]
pub fn split_base(base: &str) -> (String, Decimal) {
    let (asset, mult) = split_multiplier(base);
    if mult != Decimal::ONE {
        return (asset, mult);
    }
    let digits = base.bytes().take_while(u8::is_ascii_digit).count();
    let (prefix, rest) = base.split_at(digits);
    if digits >= 4
        && prefix.starts_with('1')
        && prefix[1..].bytes().all(|b| b == b'0')
        && rest.len() >= 2
        && rest.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && let Ok(m) = prefix.parse::<u64>()
    {
        return (rest.to_owned(), Decimal::from(m));
    }
    for (suffix, m) in SUFFIX_MULTIPLIERS {
        if let Some(coin) = base.strip_suffix(suffix)
            && coin.len() >= 2
            && coin.bytes().all(|b| b.is_ascii_uppercase())
        {
            return (coin.to_owned(), Decimal::from(m));
        }
    }
    (base.to_owned(), Decimal::ONE)
}

/// Hours from Bybit's `fundingInterval` minutes; `None` unless positive.
fn minutes_to_hours(minutes: Option<i64>) -> Option<Decimal> {
    minutes
        .filter(|m| *m > 0)
        .map(|m| (Decimal::from(m) / Decimal::from(60)).normalize())
}

/// Turns one linear instruments row into a perp, or `None` when it must be left out: not a
/// `LinearPerpetual`, not `Trading`, a pre-market contract, or missing symbol/coins.
fn linear_instrument(row: &BybitInstrument<'_>) -> Option<Instrument> {
    if !row.contract_type.is("LinearPerpetual")
        || !row.status.is("Trading")
        || row.is_pre_listing.0 == Some(true)
    {
        return None;
    }
    let symbol = row.symbol.get()?;
    let base = split_base(row.base_coin.get()?);
    Some(Instrument {
        funding_interval_hours: minutes_to_hours(row.funding_interval.get()),
        ..rows::perp(Venue::Bybit, symbol, base, row.quote_coin.get()?)
    })
}

/// Turns one spot instruments row into a spot market, or `None` unless `Trading` with coins.
fn spot_instrument(row: &BybitInstrument<'_>) -> Option<Instrument> {
    if !row.status.is("Trading") {
        return None;
    }
    Some(rows::spot(
        Venue::Bybit,
        row.symbol.get()?,
        row.base_coin.get()?,
        row.quote_coin.get()?,
    ))
}

/// The collateral value ratio (haircut `k`) of every coin of a `spot-margin-trade/collateral`
/// body: its first tier's `collateralRatio`, keyed by upper-case coin, only when in (0, 1]. A
/// body that is not a `retCode` 0 list envelope gives an empty map (see the module docs).
#[must_use]
pub fn parse_haircuts(body: &[u8]) -> BTreeMap<String, Decimal> {
    let env = serde_json::from_slice::<BybitEnvelope<'_, BybitList<'_, BybitCollateral<'_>>>>(body)
        .ok()
        .filter(|env| env.ret_code.get() == Some(0));
    let coins = env.and_then(|env| env.result?.list).unwrap_or_default();
    rows::haircut_table(
        &coins,
        rows::FirstRow::Usable,
        |row| row.currency.get(),
        |row| {
            let tiers = row.collateral_ratio_list.iter().flatten();
            rows::first_tier(tiers, |t| t.min_qty.get(), |t| t.collateral_ratio.get())
        },
    )
}

/// Parses the instruments pages of both categories into a [`Reference`]: trading linear
/// perpetuals then trading spot pairs, in payload order. A symbol listed twice (pages that
/// overlap while the list changes) keeps its first entry. With the collateral tiers body, the
/// haircuts too ([`parse_haircuts`]; absent: empty).
///
/// # Errors
/// When a category has no page at all, or a page is malformed or an error envelope. The
/// collateral body never fails the reference.
pub fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let linear = instrument_pages(bodies, super::INSTRUMENTS_LINEAR.name, "linear")?;
    let spot = instrument_pages(bodies, super::INSTRUMENTS_SPOT.name, "spot")?;
    let collateral = Body::of(bodies, super::COLLATERAL.name).next();
    let candidates = (linear
        .iter()
        .flat_map(|p| &p.rows)
        .filter_map(linear_instrument))
    .chain(
        spot.iter()
            .flat_map(|p| &p.rows)
            .filter_map(spot_instrument),
    );
    Ok(Reference {
        instruments: kit::unique_listings("bybit", candidates),
        haircuts: collateral.map(parse_haircuts).unwrap_or_default(),
        ..Reference::default()
    })
}

/// Every instruments page of one category, decoded; at least one.
fn instrument_pages<'a>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    category: &str,
) -> Result<Vec<Page<BybitInstrument<'a>>>, ParseError> {
    kit::each_body(bodies, endpoint, true, |body| {
        decode(endpoint, category, body)
    })
}

/// `a × b`, `None` on overflow or when either is absent.
fn mul(a: Option<Decimal>, b: Decimal) -> Option<Decimal> {
    a.and_then(|a| a.checked_mul(b))
}

/// Parses the linear and spot tickers into a [`Snapshot`]. Only symbols of `reference` are kept
/// (dated futures, pre-market and inverse contracts are not in it); a symbol listed twice keeps
/// its first row. A perp without a funding rate, or without an interval in both the ticker
/// (`fundingIntervalHour`) and the instrument list (`fundingInterval`), is skipped: it cannot be
/// annualised.
///
/// # Errors
/// When a body is malformed, an error envelope, or of another category.
pub fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let linear = Body::one(bodies, super::TICKERS_LINEAR.name)?;
    let spot = Body::one(bodies, super::TICKERS_SPOT.name)?;
    let perp_ref = reference.index(Market::Perp);
    let spot_ref = reference.index(Market::Spot);

    let page: Page<BybitTicker<'_>> = decode(super::TICKERS_LINEAR.name, "linear", linear)?;
    let perp = |(inst, row): (&Instrument, &BybitTicker<'_>)| {
        let interval = row
            .funding_interval_hour
            .get()
            .filter(|h| *h > Decimal::ZERO)
            .map(|h| h.normalize())
            .or(inst.funding_interval_hours);
        let funding = Funding {
            rate: row.funding_rate.get()?,
            interval_hours: interval?,
            next: row.next_funding_time.get().and_then(ms_time),
        };
        let open_interest = inst
            .multiplier
            .checked_mul(inst.contract_size)
            .and_then(|units| mul(row.open_interest.get(), units));
        let marks = Marks {
            mark: row.mark_price.get(),
            index: row.index_price.get(),
            open_interest,
        };
        Some(kit::perp_quote(
            inst,
            funding,
            book(row, page.time),
            marks,
            received_at,
        ))
    };
    let joined = rows::joined(&page.rows, &perp_ref, |r| r.symbol.get());
    let perps = joined.into_iter().filter_map(perp).collect();

    let page: Page<BybitTicker<'_>> = decode(super::TICKERS_SPOT.name, "spot", spot)?;
    let spots = rows::joined(&page.rows, &spot_ref, |r| r.symbol.get())
        .into_iter()
        .map(|(inst, row)| kit::spot_quote(inst, book(row, page.time), received_at))
        .collect();
    Ok(Snapshot {
        venue: Venue::Bybit,
        received_at,
        perps,
        spots,
    })
}

/// A ticker's book, range and turnover, at the page's time.
fn book(row: &BybitTicker<'_>, time: Option<DateTime<Utc>>) -> Book {
    Book {
        bid: row.bid1_price.get(),
        ask: row.ask1_price.get(),
        high_24h: row.high_price_24h.get(),
        low_24h: row.low_price_24h.get(),
        volume_24h_quote: row.turnover_24h.get(),
        exchange_time: time,
    }
}

/// The settled funding points of one `funding/history` page (Bybit sends them newest first;
/// callers must not rely on it). Rows without a time or a rate are skipped.
///
/// # Errors
/// A [`ParseError`] naming `endpoint` when the body is not a `linear` list envelope or carries a
/// non-zero `retCode`.
pub fn funding_history(
    endpoint: &'static str,
    body: &[u8],
) -> Result<Vec<HistoryPoint>, ParseError> {
    let page: Page<BybitFundingHistory> = decode(endpoint, "linear", body)?;
    Ok(page
        .rows
        .iter()
        .filter_map(|r| kit::point(r.funding_rate_timestamp.get(), r.funding_rate.get()))
        .collect())
}

/// The candles of one `kline` page of `category` (`linear` or `spot`), in the order sent (Bybit
/// sends them newest first), prices as quoted (per contract unit of a `1000PEPEUSDT`). Rows
/// without a start time, high, low or close are skipped.
///
/// # Errors
/// A [`ParseError`] naming `endpoint` when the body is not a list envelope of `category` with
/// array rows, or carries a non-zero `retCode`.
pub fn candles(
    endpoint: &'static str,
    category: &str,
    body: &[u8],
) -> Result<Vec<Candle>, ParseError> {
    let page: Page<BybitKline> = decode(endpoint, category, body)?;
    Ok(page.rows.iter().filter_map(BybitKline::candle).collect())
}

#[cfg(test)]
mod tests {
    //! Bybit's own quirks; what every venue does is pinned by `crate::venue::conformance`.

    use rust_decimal::Decimal;

    use super::split_base;
    use crate::model::Venue;
    use crate::venue::rows::quirky_snapshot_with;

    #[test]
    fn overflowing_open_interest_is_absent_not_a_panic() {
        let overflowing = ["\"8123456789\"", "\"79228162514264337593543950335\""];
        let s = quirky_snapshot_with(Venue::Bybit, 1, overflowing);
        let pepe = s.perps.iter().find(|p| p.symbol == "1000PEPEUSDT");
        assert_eq!(pepe.expect("listed").open_interest, None);
    }

    #[test]
    fn bybit_bases_map_to_spot_coins() {
        let cases = [
            ("BTC", "BTC", 1),
            ("1000PEPE", "PEPE", 1000),
            ("1000000MOG", "MOG", 1_000_000),
            ("10000000AIDOGE", "AIDOGE", 10_000_000),
            ("SHIB1000", "SHIB", 1000),
            ("1INCH", "1INCH", 1),
            ("A8", "A8", 1),
            ("X1000", "X1000", 1),
            ("1000", "1000", 1),
            ("100000000000000000000000X", "100000000000000000000000X", 1),
        ];
        for (base, coin, mult) in cases {
            assert_eq!(
                split_base(base),
                (coin.to_owned(), Decimal::from(mult)),
                "{base}"
            );
        }
    }
}
