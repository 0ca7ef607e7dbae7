//! OKX payloads to domain types (pure): envelope check, instrument filters, snapshot assembly.
//!
//! Rules (see `exchange-apis/README.md`, OKX section):
//! - Perps: `instType` SWAP, `ctType` linear, `state` live, `ruleType` normal or absent. Asset and
//!   quote come from `uly`, else `instFamily`, else the `instId` (`BTC-USDT-SWAP`), else
//!   `settleCcy` for the quote. OKX quotes prices per coin, so the multiplier is 1;
//!   `contract_size` is `ctVal × ctMult` (1 when OKX omits `ctVal`).
//! - Spot: `instType` SPOT, `state` live, `ruleType` normal or absent; `baseCcy`/`quoteCcy`, else
//!   the `instId`.
//! - Funding interval: `nextFundingTime - fundingTime`, recomputed every poll; a perp without a
//!   rate or a positive interval is left out of the snapshot (OKX documents no default).
//! - Volume: SWAP `volCcy24h` is in coins (× `last` for the quote volume); SPOT `volCcy24h` is
//!   already quote. Open interest: `oiCcy` (coins), else `oi` contracts × `contract_size`.
//! - Duplicates: the first row of a symbol wins, in instrument lists and snapshot payloads.
//! - Funding history: the rate is `realizedRate` (what was charged), else `fundingRate`; rows
//!   without a time or either rate are skipped.
//! - Candles: rows with `confirm` `"0"` (the running bar) are dropped; a row without `confirm`
//!   (an older six-field format) is kept (the caller drops bars that end after the request
//!   time); rows without a time, high, low or close are skipped; a row that is not an array
//!   fails the page. Errors name `candles` for both candle endpoints (the parser is not told
//!   which one answered).
//! - Collateral haircuts (`discount-rate-interest-free-quota`): per `ccy` (upper-cased), the
//!   `discountRate` of the tier with the smallest `minAmt` (the one from 0; the first of equals;
//!   tiers without a `minAmt` are not candidates), kept only in (0, 1]. A coin listed twice keeps
//!   its first usable row. A body that is not a `code` "0" envelope with a `data` array of rows
//!   (malformed, an error, a wrong type in it) gives an empty table and never fails the
//!   reference: the table is optional.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    OkxCandle, OkxDiscountRate, OkxEnvelope, OkxFundingHistory, OkxFundingRate, OkxIndexTicker,
    OkxInstrument, OkxMarkPrice, OkxOpenInterest, OkxStatus, OkxText, OkxTicker,
};
use super::{
    CANDLES, DISCOUNT_RATE, FUNDING_RATE, FUNDING_RATE_HISTORY, INDEX_TICKERS, INSTRUMENTS_SPOT,
    INSTRUMENTS_SWAP, MARK_PRICE, OPEN_INTEREST, RATE_LIMIT_CODE, TICKERS_SPOT, TICKERS_SWAP,
};
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, Venue};
use crate::parse::ms_time;
use crate::venue::kit::{self, Book, Funding};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

const MS_PER_HOUR: i64 = 3_600_000;

/// What the envelope of a response says. HTTP 429, or code `50011` with any status, is a rate
/// limit; another non-`"0"` code is an API error; a body that is not an OKX envelope (or has no
/// `code`) says nothing, leaving the HTTP status and the parser to decide.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    if status == 429 {
        return BodySignal::RateLimited;
    }
    let Ok(env) = serde_json::from_slice::<OkxStatus<'_>>(body) else {
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

/// The `data` rows of one response, after checking the envelope.
fn rows<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<Vec<T>, ParseError> {
    let env: OkxEnvelope<'a, T> = kit::decode(endpoint, bytes)?;
    match env.code.as_str() {
        "0" => {}
        "" => return Err(ParseError::new(endpoint, "not an OKX envelope: no `code`")),
        code => {
            return Err(ParseError::new(
                endpoint,
                format!("API error {code}: {}", env.msg.as_str()),
            ));
        }
    }
    env.data
        .ok_or_else(|| ParseError::new(endpoint, "OKX envelope without a `data` array"))
}

/// The rows of every body of `endpoint`, in request order. `required`: at least one body must
/// have been fetched.
fn all_rows<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    required: bool,
) -> Result<Vec<T>, ParseError> {
    kit::rows_of(bodies, endpoint, required, |b| rows(endpoint, b))
}

fn is_normal_rule(rule: &OkxText<'_>) -> bool {
    matches!(rule.as_str(), "" | "normal")
}

/// A trading linear perpetual, or `None` for anything else.
fn perp_instrument(row: &OkxInstrument<'_>) -> Option<Instrument> {
    let symbol = row.inst_id.get()?;
    let pair = symbol.strip_suffix("-SWAP")?;
    let tradable = row.inst_type.as_str() == "SWAP"
        && row.ct_type.as_str() == "linear"
        && row.state.as_str() == "live"
        && is_normal_rule(&row.rule_type);
    if !tradable {
        return None;
    }
    let (asset, quote) = [row.uly.as_str(), row.inst_family.as_str(), pair]
        .into_iter()
        .find_map(|p| kit::split_pair(p, '-'))
        .or_else(|| Some((pair.split('-').next()?, row.settle_ccy.get()?)))
        .filter(|(asset, _)| !asset.is_empty())?;
    let contract_size = kit::positive(row.ct_val.get())
        .and_then(|v| v.checked_mul(kit::positive(row.ct_mult.get()).unwrap_or(Decimal::ONE)))
        .map_or(Decimal::ONE, |v| v.normalize());
    Some(Instrument {
        venue: Venue::Okx,
        market: Market::Perp,
        symbol: symbol.to_owned(),
        asset: asset.to_owned(),
        quote: quote.to_owned(),
        multiplier: Decimal::ONE,
        contract_size,
        funding_interval_hours: None,
    })
}

/// A trading spot pair, or `None`.
fn spot_instrument(row: &OkxInstrument<'_>) -> Option<Instrument> {
    let symbol = row.inst_id.get()?;
    let tradable = row.inst_type.as_str() == "SPOT"
        && row.state.as_str() == "live"
        && is_normal_rule(&row.rule_type);
    if !tradable {
        return None;
    }
    let (asset, quote) = match (row.base_ccy.get(), row.quote_ccy.get()) {
        (Some(b), Some(q)) => (b, q),
        _ => kit::split_pair(symbol, '-')?,
    };
    Some(Instrument {
        venue: Venue::Okx,
        market: Market::Spot,
        symbol: symbol.to_owned(),
        asset: asset.to_owned(),
        quote: quote.to_owned(),
        multiplier: Decimal::ONE,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
}

/// The collateral value ratio (haircut `k`) of every coin of a discount-rate body: its first
/// tier's `discountRate`, keyed by upper-case coin, only when in (0, 1]. A body that is not a
/// `code` "0" envelope with a `data` array gives an empty map (see the module docs).
pub(super) fn discount_haircuts(body: &[u8]) -> BTreeMap<String, Decimal> {
    let mut out = BTreeMap::new();
    let Ok(rows) = rows::<OkxDiscountRate<'_>>(DISCOUNT_RATE, body) else {
        return out;
    };
    for row in &rows {
        let Some(coin) = row.ccy.get() else {
            continue;
        };
        let first = row
            .details
            .iter()
            .flatten()
            .filter_map(|tier| Some((tier.min_amt.get()?, tier)))
            .min_by_key(|(min_amt, _)| *min_amt);
        let k = first
            .and_then(|(_, tier)| tier.discount_rate.get())
            .filter(|k| *k > Decimal::ZERO && *k <= Decimal::ONE);
        if let Some(k) = k {
            out.entry(coin.to_ascii_uppercase())
                .or_insert_with(|| k.normalize());
        }
    }
    out
}

/// Parses the SWAP and SPOT instrument lists into trading linear perpetuals and spot pairs, and
/// the discount-rate tiers, when fetched, into the haircuts ([`discount_haircuts`]; absent:
/// empty). The discount-rate body never fails the reference.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let swaps: Vec<OkxInstrument<'_>> = all_rows(bodies, INSTRUMENTS_SWAP, true)?;
    let spots: Vec<OkxInstrument<'_>> = all_rows(bodies, INSTRUMENTS_SPOT, true)?;
    let mut instruments = Vec::with_capacity(swaps.len() + spots.len());
    let mut seen: HashSet<(Market, String)> = HashSet::new();
    let candidates = swaps
        .iter()
        .filter_map(perp_instrument)
        .chain(spots.iter().filter_map(spot_instrument));
    for inst in candidates {
        if seen.insert((inst.market, inst.symbol.clone())) {
            instruments.push(inst);
        } else {
            tracing::debug!(venue = "okx", symbol = %inst.symbol, "duplicate instrument row ignored");
        }
    }
    Ok(Reference {
        instruments,
        haircuts: Body::of(bodies, DISCOUNT_RATE)
            .next()
            .map(discount_haircuts)
            .unwrap_or_default(),
        ..Reference::default()
    })
}

/// Funding interval in hours from two settlement times, when positive.
fn interval_hours(funding_time: Option<i64>, next_funding_time: Option<i64>) -> Option<Decimal> {
    let ms = next_funding_time?.checked_sub(funding_time?)?;
    if ms <= 0 {
        return None;
    }
    Decimal::from(ms)
        .checked_div(Decimal::from(MS_PER_HOUR))
        .map(|h| h.normalize())
}

/// Parses one poll's bodies. Perps need a funding row with a rate and an interval; spots need a
/// ticker. Instruments absent from `reference` are dropped; mark and index are `None` unless the
/// `full` plan fetched them.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let funding: Vec<OkxFundingRate<'_>> = all_rows(bodies, FUNDING_RATE, true)?;
    let swap_tickers: Vec<OkxTicker<'_>> = all_rows(bodies, TICKERS_SWAP, true)?;
    let spot_tickers: Vec<OkxTicker<'_>> = all_rows(bodies, TICKERS_SPOT, true)?;
    let open_interest: Vec<OkxOpenInterest<'_>> = all_rows(bodies, OPEN_INTEREST, false)?;
    let marks: Vec<OkxMarkPrice<'_>> = all_rows(bodies, MARK_PRICE, false)?;
    let indexes: Vec<OkxIndexTicker<'_>> = all_rows(bodies, INDEX_TICKERS, false)?;

    let funding = kit::by_symbol(&funding, |r| r.inst_id.get());
    let swap_tickers = kit::by_symbol(&swap_tickers, |r| r.inst_id.get());
    let spot_tickers = kit::by_symbol(&spot_tickers, |r| r.inst_id.get());
    let open_interest = kit::by_symbol(&open_interest, |r| r.inst_id.get());
    let marks = kit::by_symbol(&marks, |r| r.inst_id.get());
    let indexes = kit::by_symbol(&indexes, |r| r.inst_id.get());

    let mut perps = Vec::new();
    let mut spots = Vec::new();
    for inst in &reference.instruments {
        match inst.market {
            Market::Perp => {
                let Some(f) = funding.get(inst.symbol.as_str()) else {
                    continue;
                };
                let (Some(rate), Some(hours)) = (
                    f.funding_rate.get(),
                    interval_hours(f.funding_time.get(), f.next_funding_time.get()),
                ) else {
                    continue;
                };
                let ticker = swap_tickers.get(inst.symbol.as_str());
                let oi = open_interest.get(inst.symbol.as_str());
                let index_id = inst.symbol.strip_suffix("-SWAP").unwrap_or(&inst.symbol);
                let exchange_ms = ticker.and_then(|t| t.ts.get()).or(f.ts.get());
                let funding = Funding {
                    rate,
                    interval_hours: hours,
                    next: f.funding_time.get().and_then(ms_time),
                };
                let book = Book {
                    bid: ticker.and_then(|t| t.bid_px.get()),
                    ask: ticker.and_then(|t| t.ask_px.get()),
                    high_24h: ticker.and_then(|t| t.high_24h.get()),
                    low_24h: ticker.and_then(|t| t.low_24h.get()),
                    volume_24h_quote: ticker.and_then(|t| swap_quote_volume(t, inst)),
                    exchange_time: exchange_ms.and_then(ms_time),
                };
                perps.push(PerpQuote {
                    mark_price: marks
                        .get(inst.symbol.as_str())
                        .and_then(|m| m.mark_px.get()),
                    index_price: indexes.get(index_id).and_then(|i| i.idx_px.get()),
                    open_interest: oi.and_then(|o| open_interest_coins(o, inst)),
                    ..kit::perp_quote(inst, funding, book, received_at)
                });
            }
            Market::Spot => {
                let Some(t) = spot_tickers.get(inst.symbol.as_str()) else {
                    continue;
                };
                let book = Book {
                    bid: t.bid_px.get(),
                    ask: t.ask_px.get(),
                    high_24h: t.high_24h.get(),
                    low_24h: t.low_24h.get(),
                    volume_24h_quote: t.vol_ccy_24h.get(),
                    exchange_time: t.ts.get().and_then(ms_time),
                };
                spots.push(kit::spot_quote(inst, book, received_at));
            }
        }
    }
    Ok(Snapshot {
        venue: Venue::Okx,
        received_at,
        perps,
        spots,
    })
}

/// SWAP quote volume: `volCcy24h` (coins) × `last` (per `multiplier` coins).
fn swap_quote_volume(t: &OkxTicker<'_>, inst: &Instrument) -> Option<Decimal> {
    let coins = t.vol_ccy_24h.get()?;
    let last = t.last.get()?;
    coins
        .checked_mul(last)?
        .checked_div(inst.multiplier)
        .map(|v| v.normalize())
}

/// Open interest in coins of the asset: `oiCcy`, else `oi` contracts × contract size.
fn open_interest_coins(o: &OkxOpenInterest<'_>, inst: &Instrument) -> Option<Decimal> {
    let base = match o.oi_ccy.get() {
        Some(coins) => coins,
        None => o.oi.get()?.checked_mul(inst.contract_size)?,
    };
    base.checked_mul(inst.multiplier).map(|v| v.normalize())
}

/// The settled funding points of one `funding-rate-history` page (OKX sends them newest first;
/// callers must not rely on it).
///
/// # Errors
/// A [`ParseError`] naming `funding-rate-history` when the body is not an OKX envelope with a
/// `data` array, or its `code` is not `"0"` (`51001`: unknown instrument).
pub fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let rows: Vec<OkxFundingHistory> = rows(FUNDING_RATE_HISTORY, body)?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            kit::point(
                r.funding_time.get(),
                r.realized_rate.get().or(r.funding_rate.get()),
            )
        })
        .collect())
}

/// The finished candles of one `candles` or `history-candles` page, in the order sent (OKX sends
/// them newest first), prices per coin as OKX quotes them; the running bar (`confirm` `"0"`)
/// and rows without a time, high, low or close are dropped.
///
/// # Errors
/// A [`ParseError`] naming `candles` when the body is not an OKX envelope with a `data` array of
/// arrays, or its `code` is not `"0"` (`51001`: unknown instrument).
pub fn candles(body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let rows: Vec<OkxCandle<'_>> = rows(CANDLES, body)?;
    Ok(rows
        .iter()
        .filter(|r| r.confirm.as_str() != "0")
        .filter_map(|r| kit::candle(r.ts.get(), r.high.get(), r.low.get(), r.close.get()))
        .collect())
}

#[cfg(test)]
mod tests {

    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;

    use crate::venue::okx::Okx;
    use crate::venue::testkit::{mutate, mutation};
    use crate::venue::{Request, VenueAdapter};

    const SWAPS: &str = include_str!("../../../fixtures/okx/instruments-swap.json");
    const SPOTS: &str = include_str!("../../../fixtures/okx/instruments-spot.json");
    const SWAPS_Q: &str = include_str!("../../../fixtures/okx/instruments-swap-quirks.json");
    const SPOTS_Q: &str = include_str!("../../../fixtures/okx/instruments-spot-quirks.json");
    const FUNDING: &str = include_str!("../../../fixtures/okx/funding-rate.json");
    const FUNDING_Q: &str = include_str!("../../../fixtures/okx/funding-rate-quirks.json");
    const TICKERS: &str = include_str!("../../../fixtures/okx/tickers-swap.json");
    const TICKERS_Q: &str = include_str!("../../../fixtures/okx/tickers-swap-quirks.json");
    const TICKERS_SPOT_J: &str = include_str!("../../../fixtures/okx/tickers-spot.json");
    const OI: &str = include_str!("../../../fixtures/okx/open-interest.json");
    const OI_Q: &str = include_str!("../../../fixtures/okx/open-interest-quirks.json");
    const MARK: &str = include_str!("../../../fixtures/okx/mark-price.json");
    const INDEX: &str = include_str!("../../../fixtures/okx/index-tickers.json");
    const INDEX_USDC: &str = include_str!("../../../fixtures/okx/index-tickers-usdc.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/okx/error-rate-limit.json");
    const NOT_FOUND: &str = include_str!("../../../fixtures/okx/error-instrument-not-found.json");
    const DISCOUNT: &str =
        include_str!("../../../fixtures/okx/discount-rate-interest-free-quota.json");
    const DISCOUNT_Q: &str = include_str!("../../../fixtures/okx/discount-rate-quirks.json");

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn t(ms: i64) -> Option<DateTime<Utc>> {
        ms_time(ms)
    }

    fn request(endpoint: &'static str) -> Request {
        Okx.reference_requests()
            .into_iter()
            .chain(Okx.snapshot_requests(true))
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

    fn received() -> DateTime<Utc> {
        t(1_743_588_687_000).expect("time")
    }

    fn perp(symbol: &str, asset: &str, quote: &str, contract_size: &str) -> Instrument {
        Instrument {
            venue: Venue::Okx,
            market: Market::Perp,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: quote.into(),
            multiplier: Decimal::ONE,
            contract_size: d(contract_size),
            funding_interval_hours: None,
        }
    }

    fn spot(symbol: &str, asset: &str, quote: &str) -> Instrument {
        Instrument {
            market: Market::Spot,
            contract_size: Decimal::ONE,
            ..perp(symbol, asset, quote, "1")
        }
    }

    fn all_references() -> Reference {
        reference_of(&[
            (INSTRUMENTS_SWAP, SWAPS),
            (INSTRUMENTS_SWAP, SWAPS_Q),
            (INSTRUMENTS_SPOT, SPOTS),
            (INSTRUMENTS_SPOT, SPOTS_Q),
        ])
        .expect("reference fixtures parse")
    }

    fn haircuts(pairs: &[(&str, &str)]) -> BTreeMap<String, Decimal> {
        pairs
            .iter()
            .map(|(coin, k)| ((*coin).to_owned(), d(k)))
            .collect()
    }

    fn quirky_instruments() -> Reference {
        reference_of(&[(INSTRUMENTS_SWAP, SWAPS_Q), (INSTRUMENTS_SPOT, SPOTS_Q)])
            .expect("quirky lists parse")
    }

    #[test]
    fn documented_discount_rate_tiers_give_the_tier_from_zero() {
        assert_eq!(
            discount_haircuts(DISCOUNT.as_bytes()),
            haircuts(&[("BTC", "0.98")])
        );
        let r = reference_of(&[
            (INSTRUMENTS_SWAP, SWAPS),
            (INSTRUMENTS_SPOT, SPOTS),
            (DISCOUNT_RATE, DISCOUNT),
        ])
        .expect("parses");
        let without =
            reference_of(&[(INSTRUMENTS_SWAP, SWAPS), (INSTRUMENTS_SPOT, SPOTS)]).expect("parses");
        assert_eq!(r.instruments, without.instruments);
        assert_eq!(r.haircuts, haircuts(&[("BTC", "0.98")]));
        assert!(without.haircuts.is_empty());
    }

    #[test]
    fn quirky_discount_rate_tiers_take_the_smallest_min_amt_in_range_upper_cased() {
        // BTC: the tier from 0, though listed second (the later 0.5 row is a duplicate); ETH
        // from `eth`; USDT at 1 as published; SOL from JSON numbers; AVAX: its first tier has no
        // `minAmt`, so the next one counts. Dropped: LUNC (first tier 0), XAUT (1.05), DOGE and
        // PEPE (no tiers), the row without a currency.
        assert_eq!(
            discount_haircuts(DISCOUNT_Q.as_bytes()),
            haircuts(&[
                ("BTC", "0.98"),
                ("ETH", "0.95"),
                ("USDT", "1"),
                ("SOL", "0.9"),
                ("AVAX", "0.7"),
            ])
        );
    }

    #[test]
    fn absent_or_malformed_discount_rate_tiers_leave_the_instruments_and_an_empty_table() {
        let baseline = quirky_instruments();
        assert!(baseline.haircuts.is_empty(), "no body: no table");
        let truncated = &DISCOUNT[..DISCOUNT.len() / 2];
        for body in [
            RATE_LIMIT,
            NOT_FOUND,
            truncated,
            "",
            "[]",
            "null",
            "<html>502 Bad Gateway</html>",
            r#"{"msg":"","data":[]}"#,
            r#"{"code":"0","msg":""}"#,
            r#"{"code":"0","msg":"","data":{}}"#,
            r#"{"code":"0","msg":"","data":[{"ccy":"BTC","details":"x"}]}"#,
        ] {
            let r = reference_of(&[
                (INSTRUMENTS_SWAP, SWAPS_Q),
                (INSTRUMENTS_SPOT, SPOTS_Q),
                (DISCOUNT_RATE, body),
            ])
            .unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(r.instruments, baseline.instruments, "{body}");
            assert!(r.haircuts.is_empty(), "{body}");
        }
        assert!(discount_haircuts(br#"{"code":"0","msg":"","data":[]}"#).is_empty());
    }

    #[test]
    fn documented_instrument_lists_keep_linear_swaps_and_live_spots() {
        let r =
            reference_of(&[(INSTRUMENTS_SWAP, SWAPS), (INSTRUMENTS_SPOT, SPOTS)]).expect("parses");
        assert_eq!(
            r.instruments,
            vec![
                perp("ETH-USDT-SWAP", "ETH", "USDT", "0.1"),
                perp("BTC-USDT-SWAP", "BTC", "USDT", "0.01"),
                spot("BTC-USDT", "BTC", "USDT"),
            ],
            "the inverse BTC-USD-SWAP must be dropped"
        );
    }

    #[test]
    fn quirky_instrument_lists_filter_statuses_and_map_symbols() {
        let r = reference_of(&[(INSTRUMENTS_SWAP, SWAPS_Q), (INSTRUMENTS_SPOT, SPOTS_Q)])
            .expect("parses");
        assert_eq!(
            r.instruments,
            vec![
                // ctVal 10 000 000 PEPE; OKX prices per coin, so no multiplier. The duplicate
                // PEPE row (ctVal 1) is ignored: the first row wins.
                perp("PEPE-USDT-SWAP", "PEPE", "USDT", "10000000"),
                perp("BTC-USDC-SWAP", "BTC", "USDC", "0.0001"),
                // uly and instFamily empty: split from instId.
                perp("SOL-USDT-SWAP", "SOL", "USDT", "1"),
                // ruleType absent counts as normal.
                perp("DOGE-USDT-SWAP", "DOGE", "USDT", "1000"),
                // ctVal "": contract size falls back to 1.
                perp("XRP-USDT-SWAP", "XRP", "USDT", "1"),
                // preopen, suspend, pre_market, xperp and the FUTURES row are gone.
                spot("BTC-USDC", "BTC", "USDC"),
                spot("PEPE-USDT", "PEPE", "USDT"),
                spot("ETH-BTC", "ETH", "BTC"),
                // baseCcy/quoteCcy empty: split from instId.
                spot("XYZ-USDT", "XYZ", "USDT"),
            ]
        );
    }

    #[test]
    fn documented_snapshot_examples_parse_to_exact_values() {
        let r = all_references();
        let s = snapshot_of(
            &[
                (FUNDING_RATE, FUNDING),
                (TICKERS_SWAP, TICKERS),
                (TICKERS_SPOT, TICKERS_SPOT_J),
                (OPEN_INTEREST, OI),
                (MARK_PRICE, MARK),
                (INDEX_TICKERS, INDEX),
            ],
            &r,
        )
        .expect("parses");
        assert_eq!(s.venue, Venue::Okx);
        assert_eq!(s.received_at, received());
        // Only BTC-USDT-SWAP has a funding row; the ticker rows are inverse swaps (dropped).
        assert_eq!(
            s.perps,
            vec![PerpQuote {
                venue: Venue::Okx,
                symbol: "BTC-USDT-SWAP".into(),
                asset: "BTC".into(),
                quote: "USDT".into(),
                multiplier: Decimal::ONE,
                funding_rate: d("0.0000182221218054"),
                funding_interval_hours: d("8"),
                next_funding_time: t(1_743_609_600_000),
                mark_price: Some(d("200")),
                index_price: Some(d("43350")),
                bid: None,
                ask: None,
                high_24h: None,
                low_24h: None,
                volume_24h_quote: None,
                open_interest: Some(d("555.55")),
                exchange_time: t(1_743_588_686_291),
                received_at: received(),
            }]
        );
        let symbols: Vec<&str> = s.spots.iter().map(|q| q.symbol.as_str()).collect();
        assert_eq!(symbols, ["BTC-USDT", "BTC-USDC", "PEPE-USDT", "XYZ-USDT"]);
        let btc = &s.spots[0];
        assert_eq!((btc.bid, btc.ask), (Some(d("115450")), Some(d("115450.1"))));
        assert_eq!(
            (btc.high_24h, btc.low_24h),
            (Some(d("116400")), Some(d("112900")))
        );
        // SPOT volCcy24h is already in the quote currency.
        assert_eq!(btc.volume_24h_quote, Some(d("887468830.390342")));
        assert_eq!(btc.exchange_time, t(1_743_588_686_100));
        assert_eq!(s.spots[2].volume_24h_quote, Some(d("35450000")));
        let xyz = &s.spots[3];
        assert_eq!(
            (xyz.bid, xyz.high_24h, xyz.volume_24h_quote),
            (Some(d("1.233")), None, None)
        );
    }

    #[test]
    fn quirky_snapshot_intervals_units_duplicates_and_empty_fields() {
        let r = all_references();
        let s = snapshot_of(
            &[
                (FUNDING_RATE, FUNDING_Q),
                (TICKERS_SWAP, TICKERS_Q),
                (TICKERS_SPOT, TICKERS_SPOT_J),
                (OPEN_INTEREST, OI_Q),
                (INDEX_TICKERS, INDEX),
                (INDEX_TICKERS, INDEX_USDC),
            ],
            &r,
        )
        .expect("parses");
        // Reference order. Dropped: BTC-USDT-SWAP (no funding row), ETH (fundingRate ""),
        // SOL (nextFundingTime ""), BTC-USD-SWAP and NEWC (not in the reference).
        let symbols: Vec<&str> = s.perps.iter().map(|p| p.symbol.as_str()).collect();
        assert_eq!(
            symbols,
            [
                "PEPE-USDT-SWAP",
                "BTC-USDC-SWAP",
                "DOGE-USDT-SWAP",
                "XRP-USDT-SWAP"
            ]
        );
        let rows: Vec<(Decimal, Decimal, Option<DateTime<Utc>>)> = s
            .perps
            .iter()
            .map(|p| {
                (
                    p.funding_rate,
                    p.funding_interval_hours,
                    p.next_funding_time,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (d("-0.000125"), d("4"), t(1_743_609_600_000)),
                // First row wins over the duplicate's 0.9 and 8 h.
                (d("0.0000125"), d("1"), t(1_743_591_600_000)),
                // Rate and times sent as JSON numbers.
                (d("0.0003"), d("2"), t(1_743_602_400_000)),
                // Exponent form in a string; OKX's 6 h interval.
                (d("0.000015"), d("6"), t(1_743_609_600_000)),
            ]
        );

        let pepe = &s.perps[0];
        assert_eq!(
            (pepe.bid, pepe.ask),
            (Some(d("0.000007099")), Some(d("0.0000071")))
        );
        assert_eq!(
            (pepe.high_24h, pepe.low_24h),
            (Some(d("0.0000075")), Some(d("0.0000068")))
        );
        // SWAP volCcy24h is in coins: 5e12 PEPE × 0.0000071 = 35.5 M USDT.
        assert_eq!(pepe.volume_24h_quote, Some(d("35500000")));
        // oiCcy "": 300 000 contracts × 10 000 000 PEPE.
        assert_eq!(pepe.open_interest, Some(d("3000000000000")));
        assert_eq!((pepe.mark_price, pepe.index_price), (None, None));
        assert_eq!(pepe.exchange_time, t(1_743_588_686_000));

        let usdc = &s.perps[1];
        assert_eq!((usdc.bid, usdc.ask), (None, Some(d("84010.1"))));
        assert_eq!((usdc.high_24h, usdc.low_24h), (Some(d("85000")), None));
        assert_eq!(
            (usdc.volume_24h_quote, usdc.open_interest),
            (None, None),
            "last and oi are empty"
        );
        assert_eq!(
            usdc.index_price,
            Some(d("84005.2")),
            "USDC index from its own request"
        );
        assert_eq!(usdc.quote, "USDC");

        let doge = &s.perps[2];
        assert_eq!(doge.volume_24h_quote, Some(d("20987654.215")));
        assert_eq!(doge.open_interest, Some(d("5000000")));

        let xrp = &s.perps[3];
        assert_eq!(
            (xrp.bid, xrp.volume_24h_quote, xrp.open_interest),
            (None, None, None)
        );
        assert_eq!(
            xrp.exchange_time,
            t(1_743_588_686_291),
            "no ticker: the funding row's ts"
        );

        let spots: Vec<&str> = s.spots.iter().map(|q| q.symbol.as_str()).collect();
        assert!(!spots.contains(&"OLD-USDT") && !spots.contains(&"UNLISTED-USDT"));
        assert!(!spots.contains(&"ETH-BTC"), "no ticker, no quote");
    }

    #[test]
    fn envelope_errors_and_missing_bodies_name_the_endpoint() {
        let r = all_references();
        let ok = [
            (FUNDING_RATE, FUNDING),
            (TICKERS_SWAP, TICKERS),
            (TICKERS_SPOT, TICKERS_SPOT_J),
            (OPEN_INTEREST, OI),
        ];
        let cases: [(&'static str, &str, &str); 5] = [
            (
                TICKERS_SWAP,
                r#"{"code":"0","msg":"","data":[{"instId":"#,
                "malformed JSON",
            ),
            (
                FUNDING_RATE,
                NOT_FOUND,
                "API error 51001: Instrument ID does not exist",
            ),
            (OPEN_INTEREST, r#"{"msg":"","data":[]}"#, "no `code`"),
            (
                TICKERS_SPOT,
                r#"{"code":"0","msg":""}"#,
                "without a `data` array",
            ),
            (
                FUNDING_RATE,
                r#"[{"instId":"BTC-USDT-SWAP"}]"#,
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
        let err = snapshot_of(&ok[1..], &r).expect_err("funding missing");
        assert_eq!(err, ParseError::new(FUNDING_RATE, "response missing"));
        let err = reference_of(&[(INSTRUMENTS_SWAP, SWAPS)]).expect_err("spot list missing");
        assert_eq!(err.endpoint, INSTRUMENTS_SPOT);
        let err = reference_of(&[(INSTRUMENTS_SWAP, RATE_LIMIT), (INSTRUMENTS_SPOT, SPOTS)])
            .expect_err("rate-limit body");
        assert!(err.detail.contains("50011"), "{err}");
    }

    #[test]
    fn check_body_maps_rate_limits_and_api_errors() {
        let rl = RATE_LIMIT.as_bytes();
        assert_eq!(Okx.check_body(429, rl), BodySignal::RateLimited);
        assert_eq!(
            Okx.check_body(200, rl),
            BodySignal::RateLimited,
            "50011 with HTTP 200"
        );
        assert_eq!(
            Okx.check_body(429, b"<html>busy</html>"),
            BodySignal::RateLimited
        );
        assert_eq!(
            Okx.check_body(200, br#"{"code":50011,"msg":"Too Many Requests"}"#),
            BodySignal::RateLimited,
            "a numeric code is read too"
        );
        assert_eq!(
            Okx.check_body(200, NOT_FOUND.as_bytes()),
            BodySignal::Api {
                code: "51001".into(),
                msg: "Instrument ID does not exist".into()
            }
        );
        assert_eq!(Okx.check_body(200, FUNDING.as_bytes()), BodySignal::Ok);
        assert_eq!(
            Okx.check_body(502, b"<html>bad gateway</html>"),
            BodySignal::Ok
        );
        assert_eq!(Okx.check_body(200, b"{}"), BodySignal::Ok);
    }

    const MUTABLE: [(&str, &str); 9] = [
        (INSTRUMENTS_SWAP, SWAPS_Q),
        (INSTRUMENTS_SPOT, SPOTS_Q),
        (FUNDING_RATE, FUNDING_Q),
        (TICKERS_SWAP, TICKERS_Q),
        (TICKERS_SPOT, TICKERS_SPOT_J),
        (OPEN_INTEREST, OI_Q),
        (MARK_PRICE, MARK),
        (INDEX_TICKERS, INDEX_USDC),
        (DISCOUNT_RATE, DISCOUNT_Q),
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
            let _ = Okx.check_body(200, &mutated);
            let good_ref = all_references();
            let parts: Vec<(&'static str, &[u8])> = MUTABLE
                .iter()
                .map(|(e, b)| (*e, if *e == endpoint { &mutated[..] } else { b.as_bytes() }))
                .collect();
            let (ref_result, snap_result) = with_bodies(&parts, |bodies| {
                (reference(bodies), snapshot(bodies, &good_ref, received()))
            });
            if let Ok(r) = &ref_result {
                for (coin, k) in &r.haircuts {
                    prop_assert!(!coin.is_empty() && *coin == coin.to_ascii_uppercase(), "{}", coin);
                    prop_assert!(*k > Decimal::ZERO && *k <= Decimal::ONE, "{} {}", coin, k);
                }
            }
            let result_for_endpoint = if endpoint == DISCOUNT_RATE {
                // A damaged collateral table never fails the reference nor changes its
                // instruments.
                let r = ref_result.expect("the discount-rate tiers are optional");
                prop_assert_eq!(r.instruments, quirky_instruments().instruments);
                Ok(())
            } else if endpoint == INSTRUMENTS_SWAP || endpoint == INSTRUMENTS_SPOT {
                ref_result.map(|_| ())
            } else {
                snap_result.as_ref().map(|_| ()).map_err(Clone::clone)
            };
            if m.truncates() && endpoint != DISCOUNT_RATE {
                // A strict prefix of a JSON document is never a document.
                let err = result_for_endpoint.expect_err("truncated payload must fail");
                prop_assert_eq!(err.endpoint, endpoint);
            }
            if let Ok(s) = snap_result {
                let known: HashSet<&str> = good_ref.instruments.iter().map(|i| i.symbol.as_str()).collect();
                prop_assert!(s.perps.iter().all(|p| known.contains(p.symbol.as_str())));
                prop_assert!(s.spots.iter().all(|q| known.contains(q.symbol.as_str())));
                prop_assert!(s.perps.iter().all(|p| p.funding_interval_hours > Decimal::ZERO));
            }
        }
    }
}

#[cfg(test)]
mod history_tests {
    use super::*;
    use crate::venue::testkit::dec;

    const HISTORY: &str = include_str!("../../../fixtures/okx/funding-rate-history.json");
    const NOT_FOUND: &str = include_str!("../../../fixtures/okx/error-instrument-not-found.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/okx/error-rate-limit.json");

    #[test]
    fn parses_the_documented_funding_history_with_the_realized_rate() {
        let points = funding_history(HISTORY.as_bytes()).expect("parses");
        assert_eq!(
            points,
            vec![
                HistoryPoint {
                    time_ms: 1_703_059_200_000,
                    rate: dec("0.0000746572360545"),
                },
                HistoryPoint {
                    time_ms: 1_703_030_400_000,
                    rate: dec("0.0002279755647389"),
                },
            ]
        );
    }

    #[test]
    fn history_falls_back_to_the_funding_rate_and_skips_broken_rows() {
        let body = br#"{"code":"0","msg":"","data":[
            {"fundingRate":"0.0001","realizedRate":"","fundingTime":"1700000000000"},
            {"fundingRate":"0.0002","realizedRate":"0.00021","fundingTime":1699971200000},
            {"fundingRate":"","realizedRate":"","fundingTime":"1699942400000"},
            {"fundingRate":"0.0003","realizedRate":"0.0003","fundingTime":""},
            {"fundingRate":"1e-5","fundingTime":"1699913600000"}
        ]}"#;
        let got: Vec<(i64, Decimal)> = funding_history(body)
            .expect("parses")
            .iter()
            .map(|p| (p.time_ms, p.rate))
            .collect();
        assert_eq!(
            got,
            [
                (1_700_000_000_000, dec("0.0001")),
                (1_699_971_200_000, dec("0.00021")),
                (1_699_913_600_000, dec("0.00001")),
            ]
        );
        assert_eq!(
            funding_history(br#"{"code":"0","msg":"","data":[]}"#),
            Ok(Vec::new())
        );
    }

    #[test]
    fn history_errors_name_the_endpoint() {
        for body in [NOT_FOUND, RATE_LIMIT, "{\"code\":\"0\",", "[]", "{}"] {
            let err = funding_history(body.as_bytes()).expect_err("not a page");
            assert_eq!(err.endpoint, "funding-rate-history", "{body}");
        }
        let err = funding_history(NOT_FOUND.as_bytes()).expect_err("51001");
        assert!(err.detail.contains("51001"), "{err}");
    }
}

#[cfg(test)]
mod candle_tests {
    use proptest::prelude::*;

    use super::*;
    use crate::venue::okx::Okx;
    use crate::venue::testkit::{candle, mutate, mutation};
    use crate::venue::{Bar, VenueAdapter};

    const RECENT: &str = include_str!("../../../fixtures/okx/candles.json");
    const HISTORY: &str = include_str!("../../../fixtures/okx/history-candles.json");
    const QUIRKS: &str = include_str!("../../../fixtures/okx/candles-quirks.json");
    const FUNDING_HISTORY: &str = include_str!("../../../fixtures/okx/funding-rate-history.json");
    const NOT_FOUND: &str = include_str!("../../../fixtures/okx/error-instrument-not-found.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/okx/error-rate-limit.json");

    #[test]
    fn documented_pages_keep_confirmed_rows_only() {
        assert_eq!(
            candles(RECENT.as_bytes()),
            Ok(vec![candle(1_597_026_383_085, "3.799", "3.494", "3.72")])
        );
        assert_eq!(
            Okx.parse_candles(Market::Spot, Bar::Hour, HISTORY.as_bytes()),
            Ok(vec![
                candle(1_597_026_383_085, "3.743", "3.677", "3.708"),
                candle(1_597_026_383_085, "3.799", "3.494", "3.72"),
            ])
        );
    }

    #[test]
    fn quirky_page_drops_the_running_bar_and_broken_rows() {
        assert_eq!(
            Okx.parse_candles(Market::Perp, Bar::Hour, QUIRKS.as_bytes()),
            Ok(vec![
                candle(1_759_996_800_000, "0.00001912", "0.00001890", "0.00001911"),
                candle(1_759_993_200_000, "0.00001908", "0.00001871", "0.00001903"),
                candle(1_759_989_600_000, "0.000019", "0.0000186", "0.0000188"),
                candle(1_759_978_800_000, "0.00001845", "0.00001825", "0.00001840"),
            ])
        );
        // `confirm` as a number counts the same.
        let body = br#"{"code":"0","msg":"","data":[["1","2","3","1","2","0","0","0",0]]}"#;
        assert_eq!(candles(body), Ok(Vec::new()));
    }

    #[test]
    fn candle_errors_name_the_endpoint() {
        let err = candles(NOT_FOUND.as_bytes()).expect_err("unknown instrument");
        assert_eq!(err.endpoint, "candles");
        assert!(err.detail.starts_with("API error 51001"), "{}", err.detail);
        let err = candles(RATE_LIMIT.as_bytes()).expect_err("rate limited");
        assert!(err.detail.starts_with("API error 50011"), "{}", err.detail);
        for broken in [
            &RECENT.as_bytes()[..RECENT.len() / 2],
            br#"{"code":"0","msg":"","data":[{"ts":"1"}]}"#,
            br#"{"code":"0","msg":""}"#,
            b"[]",
        ] {
            let err = candles(broken).expect_err("malformed");
            assert_eq!(err.endpoint, "candles");
        }
    }

    proptest! {
        #[test]
        fn mutated_history_payloads_never_panic(
            which in 0usize..4,
            m in mutation(),
        ) {
            let text = [RECENT, HISTORY, QUIRKS, FUNDING_HISTORY][which];
            let mutated = mutate(text, &m);
            let parsed = candles(&mutated);
            if m.truncates() {
                prop_assert!(parsed.is_err(), "a strict prefix is never a document");
            }
            if let Ok(rows) = parsed {
                prop_assert!(rows.len() <= mutated.len());
            }
            let _ = funding_history(&mutated);
        }
    }
}
