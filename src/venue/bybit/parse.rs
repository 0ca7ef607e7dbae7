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

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    BybitCollateral, BybitEnvelope, BybitFundingHistory, BybitHead, BybitInstrument, BybitKline,
    BybitList, BybitPage, BybitSpotTicker, BybitTicker,
};
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_multiplier};
use crate::venue::kit::{self, Book, Funding};
use crate::venue::{BodySignal, Candle, HistoryPoint, ParseError};

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
            msg: head.ret_msg.map(|m| m.into_owned()).unwrap_or_default(),
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
            let msg = env.ret_msg.as_deref().unwrap_or("");
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
    if let Some(got) = result.category.as_deref()
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
        .and_then(|r| r.next_page_cursor)
        .map(std::borrow::Cow::into_owned))
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
    if row.contract_type.as_deref() != Some("LinearPerpetual")
        || row.status.as_deref() != Some("Trading")
        || row.is_pre_listing.0 == Some(true)
    {
        return None;
    }
    let symbol = row.symbol.as_deref()?;
    let (asset, multiplier) = split_base(row.base_coin.as_deref()?);
    Some(Instrument {
        venue: Venue::Bybit,
        market: Market::Perp,
        symbol: symbol.to_owned(),
        asset,
        quote: row.quote_coin.as_deref()?.to_owned(),
        multiplier,
        contract_size: Decimal::ONE,
        funding_interval_hours: minutes_to_hours(row.funding_interval.get()),
    })
}

/// Turns one spot instruments row into a spot market, or `None` unless `Trading` with coins.
fn spot_instrument(row: &BybitInstrument<'_>) -> Option<Instrument> {
    if row.status.as_deref() != Some("Trading") {
        return None;
    }
    Some(Instrument {
        venue: Venue::Bybit,
        market: Market::Spot,
        symbol: row.symbol.as_deref()?.to_owned(),
        asset: row.base_coin.as_deref()?.to_owned(),
        quote: row.quote_coin.as_deref()?.to_owned(),
        multiplier: Decimal::ONE,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
}

/// The collateral value ratio (haircut `k`) of every coin of a `spot-margin-trade/collateral`
/// body: its first tier's `collateralRatio`, keyed by upper-case coin, only when in (0, 1]. A
/// body that is not a `retCode` 0 list envelope gives an empty map (see the module docs).
#[must_use]
pub fn parse_haircuts(body: &[u8]) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    let Ok(env) =
        serde_json::from_slice::<BybitEnvelope<'_, BybitList<'_, BybitCollateral<'_>>>>(body)
    else {
        return out;
    };
    if env.ret_code.get() != Some(0) {
        return out;
    }
    let rows = env.result.and_then(|r| r.list).unwrap_or_default();
    for row in &rows {
        let Some(coin) = row.currency.as_deref() else {
            continue;
        };
        let first = row
            .collateral_ratio_list
            .iter()
            .flatten()
            .filter_map(|tier| Some((tier.min_qty.get()?, tier)))
            .min_by_key(|(min_qty, _)| *min_qty);
        let k = first
            .and_then(|(_, tier)| tier.collateral_ratio.get())
            .filter(|k| *k > Decimal::ZERO && *k <= Decimal::ONE);
        if let Some(k) = k {
            out.entry(coin.to_ascii_uppercase())
                .or_insert_with(|| k.normalize());
        }
    }
    out
}

/// Parses the instruments pages of both categories into a [`Reference`]: trading linear
/// perpetuals then trading spot pairs, in payload order. A symbol listed twice (pages that
/// overlap while the list changes) keeps its first entry. With the collateral tiers body, the
/// haircuts too ([`parse_haircuts`]; absent: empty).
///
/// # Errors
/// When a category has no page at all, or a page is malformed or an error envelope. The
/// collateral body never fails the reference.
pub fn reference<'a>(
    linear: impl IntoIterator<Item = &'a [u8]>,
    spot: impl IntoIterator<Item = &'a [u8]>,
    collateral: Option<&[u8]>,
) -> Result<Reference, ParseError> {
    let mut instruments = Vec::new();
    let mut seen = HashSet::new();
    let linear: Vec<&[u8]> = linear.into_iter().collect();
    let spot: Vec<&[u8]> = spot.into_iter().collect();
    collect(
        super::INSTRUMENTS_LINEAR.name,
        "linear",
        &linear,
        linear_instrument,
        &mut instruments,
        &mut seen,
    )?;
    collect(
        super::INSTRUMENTS_SPOT.name,
        "spot",
        &spot,
        spot_instrument,
        &mut instruments,
        &mut seen,
    )?;
    Ok(Reference {
        instruments,
        haircuts: collateral.map(parse_haircuts).unwrap_or_default(),
        ..Reference::default()
    })
}

/// Appends the instruments `convert` keeps from every page of one category, first entry winning.
fn collect(
    endpoint: &'static str,
    category: &str,
    pages: &[&[u8]],
    convert: fn(&BybitInstrument<'_>) -> Option<Instrument>,
    out: &mut Vec<Instrument>,
    seen: &mut HashSet<(Market, String)>,
) -> Result<(), ParseError> {
    if pages.is_empty() {
        return Err(ParseError::new(endpoint, "response missing"));
    }
    for body in pages {
        let page: Page<BybitInstrument<'_>> = decode(endpoint, category, body)?;
        for inst in page.rows.iter().filter_map(convert) {
            if seen.insert((inst.market, inst.symbol.clone())) {
                out.push(inst);
            }
        }
    }
    Ok(())
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
    linear: &[u8],
    spot: &[u8],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let perp_ref = reference.index(Market::Perp);
    let spot_ref = reference.index(Market::Spot);

    let page: Page<BybitTicker<'_>> = decode(super::TICKERS_LINEAR.name, "linear", linear)?;
    let mut seen = HashSet::new();
    let mut perps = Vec::with_capacity(page.rows.len().min(perp_ref.len()));
    for row in &page.rows {
        let Some(symbol) = row.symbol.as_deref() else {
            continue;
        };
        let Some(inst) = perp_ref.get(symbol) else {
            continue;
        };
        if !seen.insert(symbol) {
            continue;
        }
        let Some(funding_rate) = row.funding_rate.get() else {
            continue;
        };
        let interval = row
            .funding_interval_hour
            .get()
            .filter(|h| *h > Decimal::ZERO)
            .map(|h| h.normalize())
            .or(inst.funding_interval_hours);
        let Some(funding_interval_hours) = interval else {
            continue;
        };
        let open_interest = inst
            .multiplier
            .checked_mul(inst.contract_size)
            .and_then(|units| mul(row.open_interest.get(), units));
        let funding = Funding {
            rate: funding_rate,
            interval_hours: funding_interval_hours,
            next: row.next_funding_time.get().and_then(ms_time),
        };
        let book = Book {
            bid: row.bid1_price.get(),
            ask: row.ask1_price.get(),
            high_24h: row.high_price_24h.get(),
            low_24h: row.low_price_24h.get(),
            volume_24h_quote: row.turnover_24h.get(),
            exchange_time: page.time,
        };
        perps.push(PerpQuote {
            mark_price: row.mark_price.get(),
            index_price: row.index_price.get(),
            open_interest,
            ..kit::perp_quote(inst, funding, book, received_at)
        });
    }

    let page: Page<BybitSpotTicker<'_>> = decode(super::TICKERS_SPOT.name, "spot", spot)?;
    let mut seen = HashSet::new();
    let mut spots = Vec::with_capacity(page.rows.len().min(spot_ref.len()));
    for row in &page.rows {
        let Some(symbol) = row.symbol.as_deref() else {
            continue;
        };
        let Some(inst) = spot_ref.get(symbol) else {
            continue;
        };
        if !seen.insert(symbol) {
            continue;
        }
        let book = Book {
            bid: row.bid1_price.get(),
            ask: row.ask1_price.get(),
            high_24h: row.high_price_24h.get(),
            low_24h: row.low_price_24h.get(),
            volume_24h_quote: row.turnover_24h.get(),
            exchange_time: page.time,
        };
        spots.push(kit::spot_quote(inst, book, received_at));
    }

    Ok(Snapshot {
        venue: Venue::Bybit,
        received_at,
        perps,
        spots,
    })
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
    Ok(page
        .rows
        .iter()
        .filter_map(|r| kit::candle(r.start_time.get(), r.high.get(), r.low.get(), r.close.get()))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;
    use crate::model::SpotQuote;
    use crate::venue::bybit::Bybit;
    use crate::venue::testkit::{mutate, mutation};
    use crate::venue::{Body, VenueAdapter};

    const INSTRUMENTS_LINEAR_JSON: &str =
        include_str!("../../../fixtures/bybit/instruments-info-linear.json");
    const INSTRUMENTS_SPOT_JSON: &str =
        include_str!("../../../fixtures/bybit/instruments-info-spot.json");
    const TICKERS_LINEAR_JSON: &str = include_str!("../../../fixtures/bybit/tickers-linear.json");
    const TICKERS_INVERSE_JSON: &str = include_str!("../../../fixtures/bybit/tickers-inverse.json");
    const TICKERS_SPOT_JSON: &str = include_str!("../../../fixtures/bybit/tickers-spot.json");
    const PAGE1_JSON: &str =
        include_str!("../../../fixtures/bybit/instruments-info-linear-page1.json");
    const PAGE2_JSON: &str =
        include_str!("../../../fixtures/bybit/instruments-info-linear-page2.json");
    const SPOT_MIXED_JSON: &str =
        include_str!("../../../fixtures/bybit/instruments-info-spot-mixed.json");
    const TICKERS_LINEAR_MIXED_JSON: &str =
        include_str!("../../../fixtures/bybit/tickers-linear-mixed.json");
    const TICKERS_SPOT_MIXED_JSON: &str =
        include_str!("../../../fixtures/bybit/tickers-spot-mixed.json");
    const ERROR_PARAMS_JSON: &str = include_str!("../../../fixtures/bybit/error-params.json");
    const ERROR_RATE_LIMIT_JSON: &str =
        include_str!("../../../fixtures/bybit/error-rate-limit.json");
    const COLLATERAL_JSON: &str = include_str!("../../../fixtures/bybit/collateral.json");
    const COLLATERAL_QUIRKS_JSON: &str =
        include_str!("../../../fixtures/bybit/collateral-quirks.json");

    fn dec(s: &str) -> Decimal {
        crate::parse::decimal(s).expect("test decimal")
    }

    fn ms(t: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(t).single().expect("test time")
    }

    fn received() -> DateTime<Utc> {
        ms(1_760_352_370_000)
    }

    fn mixed_reference() -> Reference {
        reference(
            [PAGE1_JSON.as_bytes(), PAGE2_JSON.as_bytes()],
            [SPOT_MIXED_JSON.as_bytes()],
            None,
        )
        .expect("mixed reference parses")
    }

    fn mixed_snapshot() -> Snapshot {
        snapshot(
            TICKERS_LINEAR_MIXED_JSON.as_bytes(),
            TICKERS_SPOT_MIXED_JSON.as_bytes(),
            &mixed_reference(),
            received(),
        )
        .expect("mixed snapshot parses")
    }

    fn instrument<'a>(r: &'a Reference, market: Market, symbol: &str) -> Option<&'a Instrument> {
        r.instruments
            .iter()
            .find(|i| i.market == market && i.symbol == symbol)
    }

    #[test]
    fn official_instruments_give_an_8h_usdt_perp_and_a_spot_pair() {
        let r = reference(
            [INSTRUMENTS_LINEAR_JSON.as_bytes()],
            [INSTRUMENTS_SPOT_JSON.as_bytes()],
            None,
        )
        .expect("parses");
        assert_eq!(
            r.instruments,
            vec![
                Instrument {
                    venue: Venue::Bybit,
                    market: Market::Perp,
                    symbol: "BTCUSDT".into(),
                    asset: "BTC".into(),
                    quote: "USDT".into(),
                    multiplier: Decimal::ONE,
                    contract_size: Decimal::ONE,
                    funding_interval_hours: Some(dec("8")),
                },
                Instrument {
                    venue: Venue::Bybit,
                    market: Market::Spot,
                    symbol: "BTCUSDT".into(),
                    asset: "BTC".into(),
                    quote: "USDT".into(),
                    multiplier: Decimal::ONE,
                    contract_size: Decimal::ONE,
                    funding_interval_hours: None,
                },
            ]
        );
    }

    fn haircuts(pairs: &[(&str, &str)]) -> BTreeMap<String, Decimal> {
        pairs
            .iter()
            .map(|(coin, k)| ((*coin).to_owned(), dec(k)))
            .collect()
    }

    #[test]
    fn official_collateral_tiers_give_the_first_tier_ratio() {
        assert_eq!(
            parse_haircuts(COLLATERAL_JSON.as_bytes()),
            haircuts(&[("BTC", "0.85")])
        );
        let r = reference(
            [INSTRUMENTS_LINEAR_JSON.as_bytes()],
            [INSTRUMENTS_SPOT_JSON.as_bytes()],
            Some(COLLATERAL_JSON.as_bytes()),
        )
        .expect("parses");
        assert_eq!(r.haircuts, haircuts(&[("BTC", "0.85")]));
        assert_eq!(r.instruments.len(), 2);
    }

    #[test]
    fn quirky_collateral_tiers_take_the_smallest_min_qty_in_range_upper_cased() {
        // BTC: the tier from 0, though listed second (the later 0.5 row is a duplicate); ETH
        // from `eth`; USDT at 1 as published; SOL from JSON numbers; AVAX: its first tier has no
        // `minQty`, so the next one counts. Dropped: LUNC (first tier 0), XAUT (1.05), DOGE and
        // PEPE (no tiers), the row without a currency.
        assert_eq!(
            parse_haircuts(COLLATERAL_QUIRKS_JSON.as_bytes()),
            haircuts(&[
                ("BTC", "0.95"),
                ("ETH", "0.95"),
                ("USDT", "1"),
                ("SOL", "0.8"),
                ("AVAX", "0.7"),
            ])
        );
    }

    #[test]
    fn absent_or_malformed_collateral_tiers_leave_the_instruments_and_an_empty_table() {
        let baseline = mixed_reference();
        assert!(baseline.haircuts.is_empty(), "no body: no table");
        let truncated = &COLLATERAL_JSON[..COLLATERAL_JSON.len() / 2];
        for body in [
            ERROR_PARAMS_JSON,
            ERROR_RATE_LIMIT_JSON,
            truncated,
            "",
            "[]",
            "null",
            "<html>403 Forbidden</html>",
            r#"{"retMsg":"OK","result":{"list":[]},"time":1}"#,
            r#"{"retCode":0,"retMsg":"OK","result":{},"time":1}"#,
            r#"{"retCode":0,"retMsg":"OK","result":{"list":{}},"time":1}"#,
            r#"{"retCode":0,"retMsg":"OK","result":{"list":[{"currency":7}]},"time":1}"#,
        ] {
            let r = reference(
                [PAGE1_JSON.as_bytes(), PAGE2_JSON.as_bytes()],
                [SPOT_MIXED_JSON.as_bytes()],
                Some(body.as_bytes()),
            )
            .unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(r.instruments, baseline.instruments, "{body}");
            assert!(r.haircuts.is_empty(), "{body}");
        }
        // Through the adapter: the instrument pages without the optional collateral body.
        let reqs = Bybit.reference_requests();
        let bodies = [
            Body {
                request: &reqs[0],
                bytes: PAGE1_JSON.as_bytes(),
            },
            Body {
                request: &reqs[0],
                bytes: PAGE2_JSON.as_bytes(),
            },
            Body {
                request: &reqs[1],
                bytes: SPOT_MIXED_JSON.as_bytes(),
            },
        ];
        assert_eq!(Bybit.parse_reference(&bodies), Ok(baseline));
    }

    #[test]
    fn paged_instruments_keep_trading_linear_perpetuals_only() {
        let r = mixed_reference();
        // (symbol, asset, quote, multiplier, interval hours from fundingInterval minutes)
        let perps: [(&str, &str, &str, &str, Option<&str>); 8] = [
            ("BTCUSDT", "BTC", "USDT", "1", Some("8")),
            ("1000PEPEUSDT", "PEPE", "USDT", "1000", Some("4")),
            ("BTCPERP", "BTC", "USDC", "1", Some("8")),
            ("ETHUSDT", "ETH", "USDT", "1", Some("1")),
            ("SHIB1000USDT", "SHIB", "USDT", "1000", Some("8")),
            ("SOLUSDT", "SOL", "USDT", "1", None),
            ("ARBUSDT", "ARB", "USDT", "1", None),
            (
                "10000000AIDOGEUSDT",
                "AIDOGE",
                "USDT",
                "10000000",
                Some("4"),
            ),
        ];
        let got: Vec<_> = r
            .instruments
            .iter()
            .filter(|i| i.market == Market::Perp)
            .map(|i| i.symbol.as_str())
            .collect();
        assert_eq!(
            got,
            perps.map(|p| p.0).to_vec(),
            "order kept, filtered, deduplicated"
        );
        for (symbol, asset, quote, mult, hours) in perps {
            let i = instrument(&r, Market::Perp, symbol).expect("listed");
            assert_eq!(i.asset, asset, "{symbol}");
            assert_eq!(i.quote, quote, "{symbol}");
            assert_eq!(i.multiplier, dec(mult), "{symbol}");
            assert_eq!(i.contract_size, Decimal::ONE, "{symbol}");
            assert_eq!(i.funding_interval_hours, hours.map(dec), "{symbol}");
        }
        for dropped in ["BTCUSDT-26JUN26", "NEWUSDT", "OLDUSDT", "GONEUSDT"] {
            assert!(instrument(&r, Market::Perp, dropped).is_none(), "{dropped}");
        }
        let spots: Vec<_> = r
            .instruments
            .iter()
            .filter(|i| i.market == Market::Spot)
            .map(|i| (i.symbol.as_str(), i.asset.as_str(), i.quote.as_str()))
            .collect();
        assert_eq!(
            spots,
            vec![
                ("BTCUSDT", "BTC", "USDT"),
                ("ETHUSDC", "ETH", "USDC"),
                ("PEPEUSDT", "PEPE", "USDT")
            ]
        );
    }

    #[test]
    fn official_linear_ticker_variant_parses_to_exact_values() {
        let r = reference(
            [INSTRUMENTS_LINEAR_JSON.as_bytes()],
            [INSTRUMENTS_SPOT_JSON.as_bytes()],
            None,
        )
        .expect("reference");
        let snap = snapshot(
            TICKERS_LINEAR_JSON.as_bytes(),
            TICKERS_SPOT_JSON.as_bytes(),
            &r,
            received(),
        )
        .expect("snapshot");
        assert_eq!(snap.venue, Venue::Bybit);
        assert_eq!(snap.received_at, received());
        assert_eq!(
            snap.perps,
            vec![PerpQuote {
                venue: Venue::Bybit,
                symbol: "BTCUSDT".into(),
                asset: "BTC".into(),
                quote: "USDT".into(),
                multiplier: Decimal::ONE,
                funding_rate: dec("0.0001"),
                funding_interval_hours: dec("8"),
                next_funding_time: Some(ms(1_760_371_200_000)),
                mark_price: Some(dec("114898.43")),
                index_price: Some(dec("114890.92")),
                bid: Some(dec("103401.00")),
                ask: Some(dec("109152.80")),
                high_24h: Some(dec("131309.30")),
                low_24h: Some(dec("102007.60")),
                volume_24h_quote: Some(dec("1585012458.2730")),
                open_interest: Some(dec("52871.904")),
                exchange_time: Some(ms(1_760_352_369_814)),
                received_at: received(),
            }]
        );
        assert_eq!(
            snap.spots,
            vec![SpotQuote {
                venue: Venue::Bybit,
                symbol: "BTCUSDT".into(),
                asset: "BTC".into(),
                quote: "USDT".into(),
                bid: Some(dec("20517.96")),
                ask: Some(dec("20527.77")),
                high_24h: Some(dec("21128.12")),
                low_24h: Some(dec("20318.89")),
                volume_24h_quote: Some(dec("243765620.65899866")),
                exchange_time: Some(ms(1_673_859_087_947)),
                received_at: received(),
            }]
        );
    }

    #[test]
    fn the_official_inverse_ticker_is_not_a_linear_payload() {
        let r = mixed_reference();
        let err = snapshot(
            TICKERS_INVERSE_JSON.as_bytes(),
            TICKERS_SPOT_JSON.as_bytes(),
            &r,
            received(),
        )
        .expect_err("category inverse");
        assert_eq!(err.endpoint, super::super::TICKERS_LINEAR);
        assert!(err.detail.contains("inverse"), "{err}");
    }

    #[test]
    fn mixed_tickers_apply_intervals_units_and_filters() {
        let snap = mixed_snapshot();
        let symbols: Vec<_> = snap.perps.iter().map(|p| p.symbol.as_str()).collect();
        // ARBUSDT has no interval anywhere; dated, pre-market, delivering and unlisted rows are
        // not in the reference; the second BTCUSDT row is a duplicate.
        assert_eq!(
            symbols,
            vec![
                "BTCUSDT",
                "1000PEPEUSDT",
                "BTCPERP",
                "ETHUSDT",
                "SOLUSDT",
                "SHIB1000USDT",
                "10000000AIDOGEUSDT"
            ]
        );
        let by: HashMap<&str, &PerpQuote> =
            snap.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();

        let btc = by["BTCUSDT"];
        assert_eq!(
            btc.funding_rate,
            dec("0.0001"),
            "first of the duplicate rows"
        );
        assert_eq!(btc.bid, Some(dec("103401.00")));

        let pepe = by["1000PEPEUSDT"];
        assert_eq!(
            (pepe.asset.as_str(), pepe.multiplier),
            ("PEPE", dec("1000"))
        );
        assert_eq!(pepe.funding_rate, dec("-0.00012345"));
        assert_eq!(pepe.funding_interval_hours, dec("4"));
        assert_eq!(pepe.next_funding_time, Some(ms(1_760_356_800_000)));
        assert_eq!(pepe.bid, Some(dec("0.0104998")), "as quoted, per 1000 PEPE");
        assert_eq!(pepe.ask, Some(dec("0.0105031")));
        assert_eq!(pepe.unit_price(dec("0.0104998")), dec("0.0000104998"));
        assert_eq!(pepe.mark_price, Some(dec("0.0105012")));
        assert_eq!(pepe.index_price, Some(dec("0.0104991")));
        assert_eq!(pepe.high_24h, Some(dec("0.0107750")));
        assert_eq!(pepe.low_24h, Some(dec("0.0099870")));
        assert_eq!(
            pepe.volume_24h_quote,
            Some(dec("98765432.1234")),
            "turnover24h"
        );
        assert_eq!(
            pepe.open_interest,
            Some(dec("8123456789000")),
            "lots of 1000PEPE → PEPE"
        );

        let usdc = by["BTCPERP"];
        assert_eq!((usdc.asset.as_str(), usdc.quote.as_str()), ("BTC", "USDC"));
        assert_eq!(usdc.funding_rate, dec("0.00005"));
        assert_eq!(usdc.open_interest, Some(dec("1234.567")));

        let eth = by["ETHUSDT"];
        assert_eq!(eth.funding_rate, dec("0.000125"), "a JSON number");
        assert_eq!(
            eth.funding_interval_hours,
            dec("1"),
            "fundingIntervalHour \"\" → 60 min"
        );

        let sol = by["SOLUSDT"];
        assert_eq!(sol.funding_interval_hours, dec("2"), "ticker only");
        assert_eq!(sol.open_interest, Some(dec("4012345.7")));

        let shib = by["SHIB1000USDT"];
        assert_eq!(
            (shib.asset.as_str(), shib.multiplier),
            ("SHIB", dec("1000"))
        );
        assert_eq!((shib.bid, shib.ask), (None, None), "\"\" is absent");
        assert_eq!(shib.open_interest, Some(dec("2500000000000")));

        let aidoge = by["10000000AIDOGEUSDT"];
        assert_eq!(aidoge.multiplier, dec("10000000"));
        assert_eq!(aidoge.open_interest, Some(dec("15000000000000000")));

        for p in &snap.perps {
            assert_eq!(p.exchange_time, Some(ms(1_760_352_369_814)));
            assert_eq!(p.received_at, received());
        }

        let spots: Vec<_> = snap
            .spots
            .iter()
            .map(|s| (s.symbol.as_str(), s.quote.as_str(), s.bid, s.ask))
            .collect();
        assert_eq!(
            spots,
            vec![
                (
                    "BTCUSDT",
                    "USDT",
                    Some(dec("20517.96")),
                    Some(dec("20527.77"))
                ),
                ("ETHUSDC", "USDC", None, Some(dec("1540.12"))),
                (
                    "PEPEUSDT",
                    "USDT",
                    Some(dec("0.00001049")),
                    Some(dec("0.00001051"))
                ),
            ]
        );
        assert_eq!(snap.spots[1].volume_24h_quote, Some(dec("12345678.90123")));
        assert_eq!(snap.spots[2].high_24h, Some(dec("0.00001078")));
    }

    #[test]
    fn overflowing_open_interest_is_absent_not_a_panic() {
        let body = TICKERS_LINEAR_MIXED_JSON
            .replace("\"8123456789\"", "\"79228162514264337593543950335\"");
        let snap = snapshot(
            body.as_bytes(),
            TICKERS_SPOT_MIXED_JSON.as_bytes(),
            &mixed_reference(),
            received(),
        )
        .expect("parses");
        let pepe = snap
            .perps
            .iter()
            .find(|p| p.symbol == "1000PEPEUSDT")
            .expect("listed");
        assert_eq!(pepe.open_interest, None);
    }

    #[test]
    fn check_body_reads_the_envelope() {
        let b = Bybit;
        assert_eq!(
            b.check_body(200, ERROR_RATE_LIMIT_JSON.as_bytes()),
            BodySignal::RateLimited
        );
        assert_eq!(
            b.check_body(200, ERROR_PARAMS_JSON.as_bytes()),
            BodySignal::Api {
                code: "10001".into(),
                msg: "params error: Illegal category".into()
            }
        );
        let ip = br#"{"retCode":10018,"retMsg":"Exceeded the IP Rate Limit","result":{},"time":1}"#;
        assert_eq!(b.check_body(200, ip), BodySignal::RateLimited);
        assert_eq!(
            b.check_body(200, TICKERS_LINEAR_JSON.as_bytes()),
            BodySignal::Ok
        );
        assert_eq!(
            b.check_body(403, b"403, access too frequent"),
            BodySignal::Ok
        );
        assert_eq!(b.check_body(200, b""), BodySignal::Ok);
    }

    #[test]
    fn errors_and_wrong_envelopes_name_the_endpoint() {
        let r = mixed_reference();
        let snap =
            |linear: &str, spot: &str| snapshot(linear.as_bytes(), spot.as_bytes(), &r, received());
        let cases: [(&str, &str, &str, &str); 7] = [
            (
                ERROR_PARAMS_JSON,
                TICKERS_SPOT_JSON,
                "tickers-linear",
                "API error 10001",
            ),
            (
                TICKERS_LINEAR_JSON,
                ERROR_RATE_LIMIT_JSON,
                "tickers-spot",
                "API error 10006",
            ),
            (
                &TICKERS_LINEAR_JSON[..200],
                TICKERS_SPOT_JSON,
                "tickers-linear",
                "malformed JSON",
            ),
            (
                r#"{"foo":1}"#,
                TICKERS_SPOT_JSON,
                "tickers-linear",
                "no retCode",
            ),
            (
                r#"{"retCode":0,"retMsg":"OK","time":1}"#,
                TICKERS_SPOT_JSON,
                "tickers-linear",
                "no `result`",
            ),
            (
                r#"{"retCode":0,"result":{"category":"linear"}}"#,
                TICKERS_SPOT_JSON,
                "tickers-linear",
                "list",
            ),
            (
                TICKERS_LINEAR_JSON,
                TICKERS_LINEAR_JSON,
                "tickers-spot",
                "expected category `spot`",
            ),
        ];
        for (linear, spot, endpoint, detail) in cases {
            let err = snap(linear, spot).expect_err(detail);
            assert_eq!(err.endpoint, endpoint, "{err}");
            assert!(err.detail.contains(detail), "{err}");
        }
        // An error envelope whose `result` has an odd shape is still reported as the API error.
        let odd = r#"{"retCode":10001,"retMsg":"bad","result":{"list":"x"}}"#;
        let err = snap(odd, TICKERS_SPOT_JSON).expect_err("api error");
        assert!(err.detail.contains("API error 10001: bad"), "{err}");
        // A category without any page.
        let err = reference(
            [PAGE1_JSON.as_bytes()],
            [],
            Some(COLLATERAL_JSON.as_bytes()),
        )
        .expect_err("spot missing");
        assert_eq!(err.endpoint, "instruments-info-spot");
        // An empty list is fine.
        let empty =
            r#"{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[]},"time":1}"#;
        assert!(
            snap(TICKERS_LINEAR_JSON, empty)
                .expect("ok")
                .spots
                .is_empty()
        );
    }

    #[test]
    fn bybit_bases_map_to_spot_coins() {
        let cases = [
            ("BTC", "BTC", "1"),
            ("1000PEPE", "PEPE", "1000"),
            ("1000000MOG", "MOG", "1000000"),
            ("10000000AIDOGE", "AIDOGE", "10000000"),
            ("SHIB1000", "SHIB", "1000"),
            ("1INCH", "1INCH", "1"),
            ("A8", "A8", "1"),
            ("X1000", "X1000", "1"),
            ("1000", "1000", "1"),
            (
                "100000000000000000000000X",
                "100000000000000000000000X",
                "1",
            ),
        ];
        for (base, coin, mult) in cases {
            assert_eq!(split_base(base), (coin.to_owned(), dec(mult)), "{base}");
        }
    }

    // ---- never panic on mutated payloads ----

    const ALL_FIXTURES: [&str; 18] = [
        INSTRUMENTS_LINEAR_JSON,
        INSTRUMENTS_SPOT_JSON,
        TICKERS_LINEAR_JSON,
        TICKERS_INVERSE_JSON,
        TICKERS_SPOT_JSON,
        PAGE1_JSON,
        PAGE2_JSON,
        SPOT_MIXED_JSON,
        TICKERS_LINEAR_MIXED_JSON,
        TICKERS_SPOT_MIXED_JSON,
        ERROR_PARAMS_JSON,
        ERROR_RATE_LIMIT_JSON,
        include_str!("../../../fixtures/bybit/kline-linear.json"),
        include_str!("../../../fixtures/bybit/kline-inverse.json"),
        include_str!("../../../fixtures/bybit/kline-spot-quirks.json"),
        include_str!("../../../fixtures/bybit/funding-history.json"),
        COLLATERAL_JSON,
        COLLATERAL_QUIRKS_JSON,
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn mutated_payloads_never_panic(m in mutation()) {
            let b = Bybit;
            let reference = mixed_reference();
            let listed: HashSet<&str> =
                reference.instruments.iter().map(|i| i.symbol.as_str()).collect();
            for fixture in ALL_FIXTURES {
                let body = mutate(fixture, &m);
                let _ = b.check_body(200, &body);
                for req in b.reference_requests() {
                    let _ = b.next_page(&req, &body);
                }
                let _ = super::reference([body.as_slice()], [SPOT_MIXED_JSON.as_bytes()], None);
                // A damaged collateral body never fails the reference nor changes its
                // instruments; what it yields is upper-case coins with k in (0, 1].
                let r = super::reference(
                    [PAGE1_JSON.as_bytes(), PAGE2_JSON.as_bytes()],
                    [SPOT_MIXED_JSON.as_bytes()],
                    Some(&body),
                )
                .expect("the collateral tiers are optional");
                prop_assert_eq!(&r.instruments, &reference.instruments);
                for (coin, k) in &r.haircuts {
                    prop_assert!(!coin.is_empty() && *coin == coin.to_ascii_uppercase(), "{}", coin);
                    prop_assert!(*k > Decimal::ZERO && *k <= Decimal::ONE, "{} {}", coin, k);
                }
                for (endpoint, category) in [("kline-linear", "linear"), ("kline-spot", "spot")] {
                    if let Ok(candles) = candles(endpoint, category, &body) {
                        prop_assert!(candles.len() <= body.len());
                    }
                }
                let _ = funding_history("funding-history", &body);
                let _ = super::reference(
                    [PAGE1_JSON.as_bytes(), body.as_slice()],
                    [body.as_slice()],
                    Some(&body),
                );
                for (linear, spot) in [
                    (body.as_slice(), TICKERS_SPOT_MIXED_JSON.as_bytes()),
                    (TICKERS_LINEAR_MIXED_JSON.as_bytes(), body.as_slice()),
                ] {
                    if let Ok(snap) = snapshot(linear, spot, &reference, received()) {
                        for p in &snap.perps {
                            prop_assert!(listed.contains(p.symbol.as_str()), "{} not listed", p.symbol);
                            prop_assert!(p.funding_interval_hours > Decimal::ZERO);
                        }
                        for s in &snap.spots {
                            prop_assert!(listed.contains(s.symbol.as_str()), "{} not listed", s.symbol);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod history_tests {
    use rust_decimal::Decimal;

    use super::*;
    use crate::venue::testkit::dec;

    const HISTORY: &str = include_str!("../../../fixtures/bybit/funding-history.json");
    const ERROR: &str = include_str!("../../../fixtures/bybit/error-params.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/bybit/error-rate-limit.json");

    #[test]
    fn parses_the_documented_funding_history() {
        let points = funding_history("funding-history", HISTORY.as_bytes()).expect("parses");
        assert_eq!(
            points,
            vec![HistoryPoint {
                time_ms: 1_672_041_600_000,
                rate: dec("0.0001"),
            }]
        );
    }

    #[test]
    fn history_accepts_any_order_numbers_and_skips_broken_rows() {
        let body = br#"{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[
            {"symbol":"BTCUSDT","fundingRate":"-0.00005","fundingRateTimestamp":"1700000000000"},
            {"symbol":"BTCUSDT","fundingRate":1.5e-4,"fundingRateTimestamp":1699971200000},
            {"symbol":"BTCUSDT","fundingRate":"","fundingRateTimestamp":"1699942400000"},
            {"symbol":"BTCUSDT","fundingRate":"0.0001","fundingRateTimestamp":""},
            {"symbol":"BTCUSDT","fundingRate":"0.0002","fundingRateTimestamp":"1699913600000"}
        ]},"retExtInfo":{},"time":1700000000001}"#;
        let points = funding_history("funding-history", body).expect("parses");
        let got: Vec<(i64, Decimal)> = points.iter().map(|p| (p.time_ms, p.rate)).collect();
        assert_eq!(
            got,
            [
                (1_700_000_000_000, dec("-0.00005")),
                (1_699_971_200_000, dec("0.00015")),
                (1_699_913_600_000, dec("0.0002")),
            ]
        );
    }

    #[test]
    fn history_errors_name_the_endpoint() {
        for body in [ERROR, RATE_LIMIT, "{\"retCode\":0,", "[]"] {
            let err = funding_history("funding-history", body.as_bytes()).expect_err("not a page");
            assert_eq!(err.endpoint, "funding-history", "{body}");
        }
        let err = funding_history("funding-history", ERROR.as_bytes()).expect_err("error");
        assert!(err.detail.contains("10001"), "{err}");
        let spot =
            br#"{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[]},"time":1}"#;
        assert!(funding_history("funding-history", spot).is_err());
    }
}

#[cfg(test)]
mod candle_tests {
    use super::*;
    use crate::venue::bybit::Bybit;
    use crate::venue::testkit::candle;
    use crate::venue::{Bar, VenueAdapter};

    const LINEAR: &str = include_str!("../../../fixtures/bybit/kline-linear.json");
    const INVERSE: &str = include_str!("../../../fixtures/bybit/kline-inverse.json");
    const SPOT_QUIRKS: &str = include_str!("../../../fixtures/bybit/kline-spot-quirks.json");
    const ERROR: &str = include_str!("../../../fixtures/bybit/error-params.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/bybit/error-rate-limit.json");

    #[test]
    fn linear_klines_parse_to_exact_values_newest_first() {
        let expected = vec![
            candle(1_670_608_800_000, "17073", "17027", "17055.5"),
            candle(1_670_605_200_000, "17071.5", "17061", "17071"),
            candle(1_670_601_600_000, "17088", "16978", "17071.5"),
        ];
        assert_eq!(
            candles("kline-linear", "linear", LINEAR.as_bytes()),
            Ok(expected.clone())
        );
        assert_eq!(
            Bybit.parse_candles(Market::Perp, Bar::Hour, LINEAR.as_bytes()),
            Ok(expected)
        );
    }

    #[test]
    fn spot_klines_accept_numbers_and_exponents_and_skip_broken_rows() {
        assert_eq!(
            Bybit.parse_candles(Market::Spot, Bar::Day, SPOT_QUIRKS.as_bytes()),
            Ok(vec![
                candle(1_760_054_400_000, "0.00001921", "0.00001890", "0.00001911"),
                candle(1_759_968_000_000, "0.00001912", "0.00001871", "0.00001903"),
                candle(1_759_881_600_000, "0.000019", "0.0000186", "0.0000188"),
            ])
        );
    }

    #[test]
    fn wrong_category_errors_and_malformed_pages_name_the_endpoint() {
        // The official example is an inverse payload: neither a linear nor a spot page.
        let err = Bybit
            .parse_candles(Market::Perp, Bar::Hour, INVERSE.as_bytes())
            .expect_err("inverse");
        assert_eq!(err.endpoint, "kline-linear");
        assert_eq!(err.detail, "expected category `linear`, got `inverse`");
        let err = Bybit
            .parse_candles(Market::Spot, Bar::Hour, LINEAR.as_bytes())
            .expect_err("linear is not spot");
        assert_eq!(err.endpoint, "kline-spot");
        for (market, endpoint) in [(Market::Perp, "kline-linear"), (Market::Spot, "kline-spot")] {
            let err = Bybit
                .parse_candles(market, Bar::Day, ERROR.as_bytes())
                .expect_err("error envelope");
            assert_eq!(err.endpoint, endpoint);
            assert!(err.detail.starts_with("API error 10001"), "{}", err.detail);
            let err = Bybit
                .parse_candles(market, Bar::Day, RATE_LIMIT.as_bytes())
                .expect_err("rate limited");
            assert!(err.detail.starts_with("API error 10006"), "{}", err.detail);
            for broken in [
                &LINEAR.as_bytes()[..LINEAR.len() / 2],
                br#"{"retCode":0,"retMsg":"OK","result":{"list":[{"t":1}]},"time":1}"#,
                br#"{"retCode":0,"retMsg":"OK","result":{},"time":1}"#,
                b"[]",
            ] {
                let err = Bybit
                    .parse_candles(market, Bar::Day, broken)
                    .expect_err("malformed");
                assert_eq!(err.endpoint, endpoint);
            }
        }
    }
}
