//! Bitget payloads to domain types (pure): envelope check, instrument filters, snapshot assembly.
//!
//! Rules (see `exchange-apis/README.md`, Bitget section):
//! - Perps: `symbolType` perpetual, `symbolStatus` normal (not `listed` = pre-launch, `maintain`,
//!   `limit_open`, `restrictedAPI`, `off`), `quoteCoin` equal to the product type's coin (USDT or
//!   USDC; anything else, e.g. a coin-margined `USD` row, is dropped). Asset and multiplier come
//!   from `baseCoin` (`1000PEPE` → PEPE × 1000); sizes are in base coins, so `contract_size` is 1.
//!   `fundInterval` becomes the instrument's funding interval.
//! - Spot: `status` online (not `gray`, `halt`, `offline`); `baseCoin`/`quoteCoin`, else the
//!   symbol split at a known quote.
//! - Funding: the `current-fund-rate` row's rate, interval and `nextUpdate`; without a row (USDC
//!   perps in a scan) or with empty fields, the ticker's `fundingRate` and the contract list's
//!   `fundInterval`. Bitget documents no default interval: a perp with neither is left out.
//! - Volume: `quoteVolume` (quote coin), else `baseVolume × lastPr`. Open interest:
//!   `holdingAmount` (base coins) × multiplier.
//! - Duplicates: the first row of a symbol wins, in instrument lists and snapshot payloads.
//! - History: settled funding rows are `fundingTime` (ms string) and `fundingRate`; candle rows
//!   are string arrays `[ts, open, high, low, close, …]` with prices as the contract quotes them
//!   (per 1000 PEPE for `1000PEPEUSDT`). Rows missing a time or a price are skipped; Bitget does
//!   not flag the running bar.
//! - Haircuts (optional `discount-rate` body): each coin's first tier, the one with the smallest
//!   `tierStartValue` (a tier without one ranks last; ties go to the earlier tier), gives `k` =
//!   its `discountRate`, kept only in (0, 1]; coins are upper-cased, the first row of a coin
//!   decides, stablecoins are kept as published. A missing body, or one that is not a
//!   successful envelope with a `data` array, leaves the table empty and the instruments intact.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    BitgetCandle, BitgetContract, BitgetDiscountRate, BitgetEnvelope, BitgetFundRate,
    BitgetFundingHistory, BitgetMixTicker, BitgetSpotSymbol, BitgetSpotTicker, BitgetStatus,
};
use super::{
    CANDLES, DISCOUNT_RATE, HISTORY_FUND_RATE, PRODUCTS, Product, RATE_LIMIT_CODES, SPOT_CANDLES,
    SPOT_SYMBOLS, SPOT_TICKERS,
};
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, Venue};
use crate::parse::{WireDec, ms_time, split_concat, split_multiplier};
use crate::venue::kit::{self, Book, Funding};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

/// The success code of the envelope.
const OK_CODE: &str = "00000";

/// What the envelope of a response says. HTTP 429, or a code of [`RATE_LIMIT_CODES`] with any
/// status, is a rate limit; another code than `"00000"` is an API error; a body that is not a
/// Bitget envelope (or has no `code`) says nothing, leaving the HTTP status and the parser to
/// decide.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    if status == 429 {
        return BodySignal::RateLimited;
    }
    let Ok(env) = serde_json::from_slice::<BitgetStatus<'_>>(body) else {
        return BodySignal::Ok;
    };
    match env.code.as_str() {
        "" | OK_CODE => BodySignal::Ok,
        code if RATE_LIMIT_CODES.contains(&code) => BodySignal::RateLimited,
        code => BodySignal::Api {
            code: code.to_owned(),
            msg: env.msg.as_str().to_owned(),
        },
    }
}

/// The rows of one response and its `requestTime`, after checking the envelope.
struct Page<T> {
    rows: Vec<T>,
    time: Option<i64>,
}

fn page<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<Page<T>, ParseError> {
    let env: BitgetEnvelope<'a, T> = match serde_json::from_slice(bytes) {
        Ok(env) => env,
        Err(err) => {
            // An error envelope whose `data` has an unexpected shape: report the API error.
            if let BodySignal::Api { code, msg } = body_signal(200, bytes) {
                return Err(ParseError::new(
                    endpoint,
                    format!("API error {code}: {msg}"),
                ));
            }
            return Err(ParseError::json(endpoint, &err));
        }
    };
    match env.code.as_str() {
        OK_CODE => {}
        "" => {
            return Err(ParseError::new(
                endpoint,
                "not a Bitget envelope: no `code`",
            ));
        }
        code => {
            return Err(ParseError::new(
                endpoint,
                format!("API error {code}: {}", env.msg.as_str()),
            ));
        }
    }
    let rows = env
        .data
        .ok_or_else(|| ParseError::new(endpoint, "Bitget envelope without a `data` array"))?;
    Ok(Page {
        rows,
        time: env.request_time.get(),
    })
}

/// The rows of every body of `endpoint`, in request order, and the first `requestTime`.
/// `required`: at least one body must have been fetched.
fn all_rows<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    required: bool,
) -> Result<Page<T>, ParseError> {
    let mut out = Page {
        rows: Vec::new(),
        time: None,
    };
    let mut seen = false;
    for bytes in Body::of(bodies, endpoint) {
        seen = true;
        let p = page::<T>(endpoint, bytes)?;
        out.rows.extend(p.rows);
        out.time = out.time.or(p.time);
    }
    if required && !seen {
        return Err(ParseError::new(endpoint, "response missing"));
    }
    Ok(out)
}

fn positive(d: Option<Decimal>) -> Option<Decimal> {
    d.filter(|v| *v > Decimal::ZERO).map(|v| v.normalize())
}

/// A trading linear perpetual of `product`, or `None` for anything else.
fn perp_instrument(row: &BitgetContract<'_>, product: &Product) -> Option<Instrument> {
    let tradable = row.symbol_type.as_str() == "perpetual"
        && row.symbol_status.as_str() == "normal"
        && row.quote_coin.as_str() == product.quote;
    if !tradable {
        return None;
    }
    let symbol = row.symbol.get()?;
    let (asset, multiplier) = split_multiplier(row.base_coin.get()?);
    Some(Instrument {
        venue: Venue::Bitget,
        market: Market::Perp,
        symbol: symbol.to_owned(),
        asset,
        quote: product.quote.to_owned(),
        multiplier,
        contract_size: Decimal::ONE,
        funding_interval_hours: positive(row.fund_interval.get()),
    })
}

/// A trading spot pair, or `None`.
fn spot_instrument(row: &BitgetSpotSymbol<'_>) -> Option<Instrument> {
    if row.status.as_str() != "online" {
        return None;
    }
    let symbol = row.symbol.get()?;
    let (asset, quote) = match (row.base_coin.get(), row.quote_coin.get()) {
        (Some(b), Some(q)) => (b, q),
        _ => split_concat(symbol)?,
    };
    Some(Instrument {
        venue: Venue::Bitget,
        market: Market::Spot,
        symbol: symbol.to_owned(),
        asset: asset.to_owned(),
        quote: quote.to_owned(),
        multiplier: Decimal::ONE,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
}

/// The haircut table of the optional `discount-rate` body (see the module rules): empty when
/// the body is missing or malformed, since the reference does without it.
fn haircuts(bodies: &[Body<'_>]) -> BTreeMap<String, Decimal> {
    let mut table = BTreeMap::new();
    let Some(bytes) = Body::of(bodies, DISCOUNT_RATE.name).next() else {
        return table;
    };
    let Ok(coins) = page::<BitgetDiscountRate<'_>>(DISCOUNT_RATE.name, bytes) else {
        return table;
    };
    let mut seen = HashSet::new();
    for row in &coins.rows {
        let Some(coin) = row.coin.get().map(str::trim).filter(|c| !c.is_empty()) else {
            continue;
        };
        let coin = coin.to_ascii_uppercase();
        if !seen.insert(coin.clone()) {
            continue;
        }
        let first = row.list.iter().flatten().min_by_key(|tier| {
            let start = tier.tier_start_value.get();
            (start.is_none(), start)
        });
        let k = first.and_then(|tier| tier.discount_rate.get());
        if let Some(k) = k.filter(|k| *k > Decimal::ZERO && *k <= Decimal::ONE) {
            table.insert(coin, k.normalize());
        }
    }
    table
}

/// Parses both product types' contract lists and the spot symbol list into trading linear
/// perpetuals (USDT then USDC) and spot pairs, and the optional discount tiers into the haircut
/// table.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let mut instruments = Vec::new();
    let mut seen: HashSet<(Market, String)> = HashSet::new();
    let mut keep = |inst: Instrument| {
        if seen.insert((inst.market, inst.symbol.clone())) {
            instruments.push(inst);
        } else {
            tracing::debug!(venue = "bitget", symbol = %inst.symbol, "duplicate instrument row ignored");
        }
    };
    for product in &PRODUCTS {
        let contracts: Page<BitgetContract<'_>> = all_rows(bodies, product.contracts.name, true)?;
        contracts
            .rows
            .iter()
            .filter_map(|row| perp_instrument(row, product))
            .for_each(&mut keep);
    }
    let spots: Page<BitgetSpotSymbol<'_>> = all_rows(bodies, SPOT_SYMBOLS.name, true)?;
    spots.rows.iter().filter_map(spot_instrument).for_each(keep);
    Ok(Reference {
        instruments,
        haircuts: haircuts(bodies),
        ..Reference::default()
    })
}

/// Parses one poll's bodies. Perps need a rate and an interval (see the module rules); spots
/// need a ticker. Instruments absent from `reference` are dropped.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let mut ticker_pages = Vec::with_capacity(PRODUCTS.len());
    let mut rate_pages = Vec::with_capacity(PRODUCTS.len());
    for product in &PRODUCTS {
        let tickers: Page<BitgetMixTicker<'_>> = all_rows(bodies, product.tickers.name, true)?;
        // Funding rows are required where every plan fetches them (USDT); USDC's are optional.
        let rates: Page<BitgetFundRate<'_>> =
            all_rows(bodies, product.fund_rate.name, product.scan_funding)?;
        ticker_pages.push(tickers);
        rate_pages.push(rates);
    }
    let spot_tickers: Page<BitgetSpotTicker<'_>> = all_rows(bodies, SPOT_TICKERS.name, true)?;

    let mut tickers = HashMap::new();
    for p in &ticker_pages {
        kit::index_into(&mut tickers, &p.rows, |r| r.symbol.get());
    }
    let mut rates = HashMap::new();
    let mut rate_time = HashMap::new();
    for p in &rate_pages {
        kit::index_into(&mut rates, &p.rows, |r| r.symbol.get());
        for row in &p.rows {
            if let (Some(symbol), Some(t)) = (row.symbol.get(), p.time) {
                rate_time.entry(symbol).or_insert(t);
            }
        }
    }
    let mut spot_rows = HashMap::new();
    kit::index_into(&mut spot_rows, &spot_tickers.rows, |r| r.symbol.get());

    let mut perps = Vec::new();
    let mut spots = Vec::new();
    for inst in &reference.instruments {
        let symbol = inst.symbol.as_str();
        match inst.market {
            Market::Perp => {
                let ticker = tickers.get(symbol).copied();
                let rate = rates.get(symbol).copied();
                let funding_rate = rate
                    .and_then(|r| r.funding_rate.get())
                    .or_else(|| ticker.and_then(|t| t.funding_rate.get()));
                let interval = rate
                    .and_then(|r| positive(r.funding_rate_interval.get()))
                    .or(inst.funding_interval_hours);
                let (Some(funding_rate), Some(funding_interval_hours)) = (funding_rate, interval)
                else {
                    continue;
                };
                let exchange_ms = ticker
                    .and_then(|t| t.ts.get())
                    .or_else(|| rate_time.get(symbol).copied());
                let funding = Funding {
                    rate: funding_rate,
                    interval_hours: funding_interval_hours,
                    next: rate.and_then(|r| r.next_update.get()).and_then(ms_time),
                };
                let book = Book {
                    bid: ticker.and_then(|t| t.bid_pr.get()),
                    ask: ticker.and_then(|t| t.ask_pr.get()),
                    high_24h: ticker.and_then(|t| t.high_24h.get()),
                    low_24h: ticker.and_then(|t| t.low_24h.get()),
                    volume_24h_quote: ticker.and_then(|t| {
                        quote_volume(t.quote_volume.get(), t.base_volume.get(), t.last_pr.get())
                    }),
                    exchange_time: exchange_ms.and_then(ms_time),
                };
                perps.push(PerpQuote {
                    mark_price: ticker.and_then(|t| t.mark_price.get()),
                    index_price: ticker.and_then(|t| t.index_price.get()),
                    open_interest: ticker.and_then(|t| open_interest_coins(t, inst)),
                    ..kit::perp_quote(inst, funding, book, received_at)
                });
            }
            Market::Spot => {
                let Some(t) = spot_rows.get(symbol) else {
                    continue;
                };
                let book = Book {
                    bid: t.bid_pr.get(),
                    ask: t.ask_pr.get(),
                    high_24h: t.high_24h.get(),
                    low_24h: t.low_24h.get(),
                    volume_24h_quote: quote_volume(
                        t.quote_volume.get(),
                        t.base_volume.get(),
                        t.last_pr.get(),
                    ),
                    exchange_time: t.ts.get().or(spot_tickers.time).and_then(ms_time),
                };
                spots.push(kit::spot_quote(inst, book, received_at));
            }
        }
    }
    Ok(Snapshot {
        venue: Venue::Bitget,
        received_at,
        perps,
        spots,
    })
}

/// 24 h quote volume: `quoteVolume`, else base volume × last price (both per base unit, so the
/// product is in the quote coin whatever the multiplier).
fn quote_volume(
    quote: Option<Decimal>,
    base: Option<Decimal>,
    last: Option<Decimal>,
) -> Option<Decimal> {
    quote.or_else(|| base?.checked_mul(last?).map(|v| v.normalize()))
}

/// Open interest in coins of the asset: `holdingAmount` (base coins) × contract size ×
/// multiplier.
fn open_interest_coins(t: &BitgetMixTicker<'_>, inst: &Instrument) -> Option<Decimal> {
    t.holding_amount
        .get()?
        .checked_mul(inst.contract_size)?
        .checked_mul(inst.multiplier)
        .map(|v| v.normalize())
}

/// Parses one page of `history-fund-rate` (any order); rows without a time or a rate are
/// skipped.
pub(super) fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let p: Page<BitgetFundingHistory<'_>> = page(HISTORY_FUND_RATE.name, body)?;
    Ok(p.rows
        .iter()
        .filter_map(|r| kit::point(r.funding_time.get(), r.funding_rate.get()))
        .collect())
}

/// Parses one page of mix (`market` perp) or spot candles; rows without an integral open time
/// or a high, low or close are skipped.
pub(super) fn candles(market: Market, body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let endpoint = match market {
        Market::Perp => CANDLES,
        Market::Spot => SPOT_CANDLES,
    };
    let p: Page<BitgetCandle> = page(endpoint.name, body)?;
    Ok(p.rows.iter().filter_map(|row| candle(row)).collect())
}

fn candle(row: &[WireDec]) -> Option<Candle> {
    let field = |i: usize| row.get(i).and_then(|d| d.get());
    let ts = field(0)?;
    if !ts.fract().is_zero() {
        return None;
    }
    kit::candle(i64::try_from(ts).ok(), field(2), field(3), field(4))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;
    use crate::model::SpotQuote;
    use crate::venue::bitget::{
        Bitget, CONTRACTS_USDC, CONTRACTS_USDT, FUND_RATE_USDC, FUND_RATE_USDT, TICKERS_USDC,
        TICKERS_USDT,
    };
    use crate::venue::testkit::{candle as bar, mutate, mutation};
    use crate::venue::{Request, VenueAdapter};

    const CONTRACTS: &str = include_str!("../../../fixtures/bitget/mix-contracts.json");
    const CONTRACTS_Q: &str = include_str!("../../../fixtures/bitget/mix-contracts-quirks.json");
    const CONTRACTS_C: &str = include_str!("../../../fixtures/bitget/mix-contracts-usdc.json");
    const RATES: &str = include_str!("../../../fixtures/bitget/mix-current-fund-rate.json");
    const RATES_Q: &str =
        include_str!("../../../fixtures/bitget/mix-current-fund-rate-quirks.json");
    const RATES_C: &str = include_str!("../../../fixtures/bitget/mix-current-fund-rate-usdc.json");
    const TICKERS: &str = include_str!("../../../fixtures/bitget/mix-tickers.json");
    const TICKERS_Q: &str = include_str!("../../../fixtures/bitget/mix-tickers-quirks.json");
    const TICKERS_C: &str = include_str!("../../../fixtures/bitget/mix-tickers-usdc.json");
    const SYMBOLS: &str = include_str!("../../../fixtures/bitget/spot-symbols.json");
    const SYMBOLS_Q: &str = include_str!("../../../fixtures/bitget/spot-symbols-quirks.json");
    const SPOT: &str = include_str!("../../../fixtures/bitget/spot-tickers.json");
    const SPOT_Q: &str = include_str!("../../../fixtures/bitget/spot-tickers-quirks.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/bitget/error-rate-limit.json");
    const PARAMS: &str = include_str!("../../../fixtures/bitget/error-params.json");
    const HISTORY: &str = include_str!("../../../fixtures/bitget/mix-history-fund-rate.json");
    const MIX_CANDLES: &str = include_str!("../../../fixtures/bitget/mix-candles.json");
    const SPOT_CANDLES_BODY: &str = include_str!("../../../fixtures/bitget/spot-candles.json");
    const DISCOUNT: &str = include_str!("../../../fixtures/bitget/uta-discount-rate.json");
    const DISCOUNT_Q: &str = include_str!("../../../fixtures/bitget/uta-discount-rate-quirks.json");

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn t(ms: i64) -> Option<DateTime<Utc>> {
        ms_time(ms)
    }

    fn request(endpoint: &'static str) -> Request {
        Bitget
            .reference_requests()
            .into_iter()
            .chain(Bitget.snapshot_requests(true))
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
        t(1_743_054_549_000).expect("time")
    }

    fn perp(symbol: &str, asset: &str, quote: &str, mult: &str, hours: Option<&str>) -> Instrument {
        Instrument {
            venue: Venue::Bitget,
            market: Market::Perp,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: quote.into(),
            multiplier: d(mult),
            contract_size: Decimal::ONE,
            funding_interval_hours: hours.map(d),
        }
    }

    fn spot(symbol: &str, asset: &str, quote: &str) -> Instrument {
        Instrument {
            market: Market::Spot,
            funding_interval_hours: None,
            ..perp(symbol, asset, quote, "1", None)
        }
    }

    fn quirky_reference() -> Reference {
        reference_of(&[
            (CONTRACTS_USDT.name, CONTRACTS_Q),
            (CONTRACTS_USDC.name, CONTRACTS_C),
            (SPOT_SYMBOLS.name, SYMBOLS_Q),
        ])
        .expect("reference fixtures parse")
    }

    #[test]
    fn documented_lists_keep_the_normal_perpetual_and_the_online_pair() {
        let r = reference_of(&[
            (CONTRACTS_USDT.name, CONTRACTS),
            (
                CONTRACTS_USDC.name,
                r#"{"code":"00000","msg":"success","data":[]}"#,
            ),
            (SPOT_SYMBOLS.name, SYMBOLS),
        ])
        .expect("parses");
        assert_eq!(
            r.instruments,
            vec![
                perp("BTCUSDT", "BTC", "USDT", "1", Some("8")),
                spot("BTCUSDT", "BTC", "USDT"),
            ]
        );
    }

    #[test]
    fn quirky_lists_filter_statuses_types_and_quotes() {
        let r = quirky_reference();
        assert_eq!(
            r.instruments,
            vec![
                perp("BTCUSDT", "BTC", "USDT", "1", Some("8")),
                // 1000PEPE base: the asset is PEPE, prices are per 1000 coins.
                perp("1000PEPEUSDT", "PEPE", "USDT", "1000", Some("4")),
                // fundInterval "": no interval from the list (the funding rows must give it).
                perp("ETHUSDT", "ETH", "USDT", "1", None),
                // fundInterval as a JSON number.
                perp("XRPUSDT", "XRP", "USDT", "1", Some("2")),
                perp("DOGEUSDT", "DOGE", "USDT", "1", Some("8")),
                // Dropped: maintain, listed (pre-launch), limit_open, off, delivery, a USD-quoted
                // row, and the duplicate BTCUSDT (1 h): the first row wins.
                perp("BTCPERP", "BTC", "USDC", "1", Some("8")),
                // ETHPERP is restrictedAPI: dropped.
                spot("BTCUSDT", "BTC", "USDT"),
                spot("BTCUSDC", "BTC", "USDC"),
                spot("PEPEUSDT", "PEPE", "USDT"),
                spot("ETHBTC", "ETH", "BTC"),
                // baseCoin/quoteCoin empty: split from the symbol.
                spot("XYZUSDT", "XYZ", "USDT"),
                // offline, gray and halt pairs are gone; the duplicate BTCUSDC keeps USDC.
            ]
        );
    }

    /// The documented lists with `tiers` as the discount-rate body (none when `None`).
    fn reference_with_tiers(tiers: Option<&str>) -> Result<Reference, ParseError> {
        let mut parts = vec![
            (CONTRACTS_USDT.name, CONTRACTS),
            (CONTRACTS_USDC.name, CONTRACTS_C),
            (SPOT_SYMBOLS.name, SYMBOLS),
        ];
        if let Some(body) = tiers {
            parts.push((DISCOUNT_RATE.name, body));
        }
        reference_of(&parts)
    }

    fn table(rows: &[(&str, &str)]) -> BTreeMap<String, Decimal> {
        rows.iter().map(|(c, k)| ((*c).to_owned(), d(k))).collect()
    }

    #[test]
    fn discount_tiers_give_each_coin_its_first_tier_ratio() {
        let plain = reference_with_tiers(None).expect("parses");
        let r = reference_with_tiers(Some(DISCOUNT)).expect("parses");
        assert_eq!(r.instruments, plain.instruments);
        // The documented ETH row: tiers from 0 USD (0.99) and from 40 000 USD (0.98).
        assert_eq!(r.haircuts, table(&[("ETH", "0.99")]));
        let q = reference_with_tiers(Some(DISCOUNT_Q)).expect("parses");
        assert_eq!(q.instruments, plain.instruments);
        assert_eq!(
            q.haircuts,
            table(&[
                // First tier = smallest tierStartValue, whatever the order; a tier without a
                // start ranks last.
                ("ADA", "0.6"),
                ("BTC", "0.95"),
                // The first ETH row wins over the duplicate's 0.5.
                ("ETH", "0.99"),
                // Exponent form.
                ("PEPE", "0.5"),
                // Lower-case coin upper-cased; JSON numbers read.
                ("SOL", "0.85"),
                // Stablecoins kept as published.
                ("USDT", "1"),
                // Dropped: DOGE 0, XRP 1.05, TRX -0.5 (outside (0, 1]); LINK's first tier has
                // no ratio (the second tier's is not used); AVAX and DOT have no tiers; a row
                // without a coin.
            ])
        );
    }

    #[test]
    fn absent_or_malformed_discount_tiers_leave_the_instruments_and_an_empty_table() {
        let plain = reference_with_tiers(None).expect("parses");
        assert!(plain.haircuts.is_empty(), "no body: no table");
        let cases = [
            PARAMS,
            RATE_LIMIT,
            r#"{"code":"00000","msg":"success","requestTime":1,"data":[{"coin":"BTC","list":[{"#,
            r#"{"code":"00000","msg":"success","requestTime":1,"data":null}"#,
            r#"{"code":"00000","msg":"success","requestTime":1,"data":{"coin":"BTC"}}"#,
            r#"{"code":"00000","msg":"success","data":[{"coin":"BTC","list":"0.95"}]}"#,
            r#"{"msg":"success","data":[{"coin":"BTC","list":[{"tierStartValue":"0","discountRate":"0.95"}]}]}"#,
            r#"[{"coin":"BTC"}]"#,
            "<html>bad gateway</html>",
            "",
        ];
        for body in cases {
            let r = reference_with_tiers(Some(body)).expect(body);
            assert_eq!(r.instruments, plain.instruments, "{body}");
            assert!(r.haircuts.is_empty(), "{body}");
        }
        let empty = r#"{"code":"00000","msg":"success","requestTime":1,"data":[]}"#;
        assert_eq!(reference_with_tiers(Some(empty)), Ok(plain));
    }

    #[test]
    fn documented_examples_parse_to_exact_values() {
        let r = reference_of(&[
            (CONTRACTS_USDT.name, CONTRACTS),
            (CONTRACTS_USDC.name, CONTRACTS_C),
            (SPOT_SYMBOLS.name, SYMBOLS),
        ])
        .expect("parses");
        let s = snapshot_of(
            &[
                (TICKERS_USDT.name, TICKERS),
                (
                    TICKERS_USDC.name,
                    r#"{"code":"00000","msg":"success","data":[]}"#,
                ),
                (FUND_RATE_USDT.name, RATES),
                (SPOT_TICKERS.name, SPOT),
            ],
            &r,
        )
        .expect("parses");
        assert_eq!((s.venue, s.received_at), (Venue::Bitget, received()));
        // The ticker example is a coin-margined delivery contract (not in the reference); the
        // funding row alone still makes a quote. BTCPERP has neither ticker nor rate: left out.
        assert_eq!(
            s.perps,
            vec![PerpQuote {
                venue: Venue::Bitget,
                symbol: "BTCUSDT".into(),
                asset: "BTC".into(),
                quote: "USDT".into(),
                multiplier: Decimal::ONE,
                funding_rate: d("0.000068"),
                funding_interval_hours: d("8"),
                next_funding_time: t(1_743_062_400_000),
                mark_price: None,
                index_price: None,
                bid: None,
                ask: None,
                high_24h: None,
                low_24h: None,
                volume_24h_quote: None,
                open_interest: None,
                exchange_time: t(1_743_054_548_546),
                received_at: received(),
            }]
        );
        assert_eq!(
            s.spots,
            vec![SpotQuote {
                venue: Venue::Bitget,
                symbol: "BTCUSDT".into(),
                asset: "BTC".into(),
                quote: "USDT".into(),
                // The documented example quotes "0": kept as data, the analyzer skips it.
                bid: Some(Decimal::ZERO),
                ask: Some(Decimal::ZERO),
                high_24h: Some(d("37775.65")),
                low_24h: Some(d("34413.1")),
                volume_24h_quote: Some(Decimal::ZERO),
                exchange_time: t(1_625_125_755_277),
                received_at: received(),
            }]
        );
    }

    fn quirky_snapshot(with_usdc_rates: bool) -> Snapshot {
        let mut parts = vec![
            (TICKERS_USDT.name, TICKERS_Q),
            (TICKERS_USDC.name, TICKERS_C),
            (FUND_RATE_USDT.name, RATES_Q),
            (SPOT_TICKERS.name, SPOT_Q),
        ];
        if with_usdc_rates {
            parts.push((FUND_RATE_USDC.name, RATES_C));
        }
        snapshot_of(&parts, &quirky_reference()).expect("parses")
    }

    #[test]
    fn quirky_snapshot_intervals_units_duplicates_and_empty_fields() {
        let s = quirky_snapshot(true);
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
                // First funding row wins over the duplicate's 0.9 / 4 h.
                ("BTCUSDT", d("0.000068"), d("8"), t(1_743_062_400_000)),
                // The live row's 1 h beats the contract list's cached 4 h.
                ("1000PEPEUSDT", d("-0.000125"), d("1"), t(1_743_058_800_000)),
                // Exponent form in a string, nextUpdate as a JSON number, interval only here.
                ("ETHUSDT", d("0.000015"), d("2"), t(1_743_062_400_000)),
                // fundingRateInterval "": the contract list's 2 h.
                ("XRPUSDT", d("0.0003"), d("2"), t(1_743_062_400_000)),
                // fundingRate "": the ticker's rate.
                ("DOGEUSDT", d("0.0002"), d("8"), t(1_743_062_400_000)),
                ("BTCPERP", d("0.0000125"), d("8"), t(1_743_062_400_000)),
            ]
        );

        let btc = &s.perps[0];
        assert_eq!(
            (btc.bid, btc.ask),
            (Some(d("84000.5")), Some(d("84000.6"))),
            "first row"
        );
        assert_eq!(
            (btc.mark_price, btc.index_price),
            (Some(d("84005.1")), Some(d("84010.2")))
        );
        assert_eq!(
            (btc.high_24h, btc.low_24h),
            (Some(d("85000")), Some(d("82000")))
        );
        assert_eq!(btc.volume_24h_quote, Some(d("1037000000.5")));
        assert_eq!(btc.open_interest, Some(d("45678.9")));
        assert_eq!(btc.exchange_time, t(1_743_054_548_000));

        let pepe = &s.perps[1];
        assert_eq!((pepe.asset.as_str(), pepe.multiplier), ("PEPE", d("1000")));
        // Quoted per 1000 PEPE, not divided here.
        assert_eq!(
            (pepe.bid, pepe.ask),
            (Some(d("0.007099")), Some(d("0.0071")))
        );
        assert_eq!(pepe.volume_24h_quote, Some(d("35500000")));
        // holdingAmount 3e9 contracts of 1000 PEPE.
        assert_eq!(pepe.open_interest, Some(d("3000000000000")));

        let eth = &s.perps[2];
        assert_eq!((eth.bid, eth.ask), (None, Some(d("1900.1"))));
        assert_eq!((eth.high_24h, eth.low_24h), (Some(d("1950")), None));
        assert_eq!(eth.index_price, None);
        // quoteVolume "": 1000 ETH × 1900.
        assert_eq!(eth.volume_24h_quote, Some(d("1900000")));
        assert_eq!(eth.open_interest, None);

        let xrp = &s.perps[3];
        assert_eq!(
            (xrp.bid, xrp.volume_24h_quote, xrp.open_interest),
            (None, None, None)
        );
        assert_eq!(
            xrp.exchange_time,
            t(1_743_054_548_546),
            "no ticker: the funding response time"
        );

        let usdc = &s.perps[5];
        assert_eq!((usdc.asset.as_str(), usdc.quote.as_str()), ("BTC", "USDC"));
        assert_eq!(
            (usdc.bid, usdc.ask),
            (Some(d("84009.9")), Some(d("84010.1")))
        );
        assert_eq!(usdc.open_interest, Some(d("250.25")));

        let spots: Vec<(&str, Option<Decimal>)> = s
            .spots
            .iter()
            .map(|q| (q.symbol.as_str(), q.volume_24h_quote))
            .collect();
        assert_eq!(
            spots,
            [
                ("BTCUSDT", Some(d("512345678.9"))),
                // quoteVolume "": 100 BTC × 84010.
                ("BTCUSDC", Some(d("8401000"))),
                ("PEPEUSDT", Some(d("35450000"))),
                ("XYZUSDT", None),
            ],
            "ETHBTC has no ticker; OLD and UNLISTED are not in the reference"
        );
        let pepe_spot = &s.spots[2];
        assert_eq!(
            (pepe_spot.bid, pepe_spot.ask),
            (Some(d("0.00000709")), Some(d("0.0000071"))),
            "first row wins"
        );
        let xyz = &s.spots[3];
        assert_eq!((xyz.high_24h, xyz.low_24h), (None, None));
        assert_eq!(
            xyz.exchange_time,
            t(1_743_054_548_400),
            "ts \"\": the response time"
        );
    }

    #[test]
    fn scan_plan_without_usdc_funding_rows_falls_back_to_ticker_and_contract_list() {
        let s = quirky_snapshot(false);
        let usdc = s
            .perps
            .iter()
            .find(|p| p.symbol == "BTCPERP")
            .expect("USDC perp still quoted");
        assert_eq!(
            (
                usdc.funding_rate,
                usdc.funding_interval_hours,
                usdc.next_funding_time
            ),
            (d("0.0000125"), d("8"), None)
        );
        assert_eq!(s.perps.len(), 6);
    }

    #[test]
    fn envelope_errors_and_missing_bodies_name_the_endpoint() {
        let r = quirky_reference();
        let ok = [
            (TICKERS_USDT.name, TICKERS_Q),
            (TICKERS_USDC.name, TICKERS_C),
            (FUND_RATE_USDT.name, RATES_Q),
            (SPOT_TICKERS.name, SPOT_Q),
        ];
        let cases: [(&'static str, &str, &str); 6] = [
            (
                TICKERS_USDT.name,
                r#"{"code":"00000","data":[{"symbol":"#,
                "malformed JSON",
            ),
            (
                FUND_RATE_USDT.name,
                PARAMS,
                "API error 40034: Parameter productType does not exist",
            ),
            (
                TICKERS_USDC.name,
                r#"{"msg":"success","data":[]}"#,
                "no `code`",
            ),
            (
                SPOT_TICKERS.name,
                r#"{"code":"00000","data":null}"#,
                "without a `data` array",
            ),
            (
                TICKERS_USDT.name,
                r#"[{"symbol":"BTCUSDT"}]"#,
                "malformed JSON",
            ),
            (
                SPOT_TICKERS.name,
                r#"{"code":"40034","msg":"bad","data":{"x":1}}"#,
                "API error 40034: bad",
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
        let err = snapshot_of(&ok[1..], &r).expect_err("USDT tickers missing");
        assert_eq!(err, ParseError::new(TICKERS_USDT.name, "response missing"));
        let without_rates: Vec<(&'static str, &str)> = ok
            .iter()
            .copied()
            .filter(|(e, _)| *e != FUND_RATE_USDT.name)
            .collect();
        let err = snapshot_of(&without_rates, &r).expect_err("USDT funding missing");
        assert_eq!(
            err,
            ParseError::new(FUND_RATE_USDT.name, "response missing")
        );
        let err = reference_of(&[
            (CONTRACTS_USDT.name, CONTRACTS),
            (SPOT_SYMBOLS.name, SYMBOLS),
        ])
        .expect_err("USDC list missing");
        assert_eq!(err.endpoint, CONTRACTS_USDC.name);
        let err = reference_of(&[
            (CONTRACTS_USDT.name, RATE_LIMIT),
            (CONTRACTS_USDC.name, CONTRACTS_C),
            (SPOT_SYMBOLS.name, SYMBOLS),
        ])
        .expect_err("rate-limit body");
        assert_eq!(err.endpoint, CONTRACTS_USDT.name);
        assert!(err.detail.contains("429"), "{err}");
    }

    #[test]
    fn check_body_maps_rate_limits_and_api_errors() {
        let rl = RATE_LIMIT.as_bytes();
        assert_eq!(Bitget.check_body(429, rl), BodySignal::RateLimited);
        assert_eq!(
            Bitget.check_body(200, rl),
            BodySignal::RateLimited,
            "code 429 in the body"
        );
        assert_eq!(
            Bitget.check_body(429, b"Too Many Requests"),
            BodySignal::RateLimited
        );
        assert_eq!(
            Bitget.check_body(200, br#"{"code":1001,"msg":"too frequent"}"#),
            BodySignal::RateLimited,
            "a numeric code is read too"
        );
        assert_eq!(
            Bitget.check_body(400, PARAMS.as_bytes()),
            BodySignal::Api {
                code: "40034".into(),
                msg: "Parameter productType does not exist".into()
            }
        );
        assert_eq!(Bitget.check_body(200, TICKERS.as_bytes()), BodySignal::Ok);
        assert_eq!(
            Bitget.check_body(502, b"<html>bad gateway</html>"),
            BodySignal::Ok
        );
        assert_eq!(Bitget.check_body(200, b"{}"), BodySignal::Ok);
    }

    const MUTABLE: [(&str, &str); 9] = [
        (CONTRACTS_USDT.name, CONTRACTS_Q),
        (CONTRACTS_USDC.name, CONTRACTS_C),
        (SPOT_SYMBOLS.name, SYMBOLS_Q),
        (TICKERS_USDT.name, TICKERS_Q),
        (TICKERS_USDC.name, TICKERS_C),
        (FUND_RATE_USDT.name, RATES_Q),
        (FUND_RATE_USDC.name, RATES_C),
        (SPOT_TICKERS.name, SPOT_Q),
        (DISCOUNT_RATE.name, DISCOUNT_Q),
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
            let _ = Bitget.check_body(200, &mutated);
            let good_ref = quirky_reference();
            let parts: Vec<(&'static str, &[u8])> = MUTABLE
                .iter()
                .map(|(e, b)| (*e, if *e == endpoint { &mutated[..] } else { b.as_bytes() }))
                .collect();
            let (ref_result, snap_result) = with_bodies(&parts, |bodies| {
                (reference(bodies), snapshot(bodies, &good_ref, received()))
            });
            if let Ok(r) = &ref_result {
                let valid = r.haircuts.iter().all(|(coin, k)| {
                    !coin.is_empty()
                        && *coin == coin.to_ascii_uppercase()
                        && *k > Decimal::ZERO
                        && *k <= Decimal::ONE
                });
                prop_assert!(valid, "haircuts upper-case and in (0, 1]: {:?}", r.haircuts);
            }
            if endpoint == DISCOUNT_RATE.name {
                // The haircut table is optional: a damaged one never fails the reference.
                let r = ref_result.as_ref().map_err(|e| e.to_string());
                prop_assert!(r.is_ok(), "{:?}", r);
                if let Ok(r) = r {
                    prop_assert_eq!(&r.instruments, &good_ref.instruments);
                    if m.truncates() {
                        prop_assert!(r.haircuts.is_empty());
                    }
                }
            }
            let is_reference = [CONTRACTS_USDT.name, CONTRACTS_USDC.name, SPOT_SYMBOLS.name].contains(&endpoint);
            let result_for_endpoint = if is_reference {
                ref_result.map(|_| ())
            } else {
                snap_result.as_ref().map(|_| ()).map_err(Clone::clone)
            };
            if m.truncates() && endpoint != DISCOUNT_RATE.name {
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
    fn documented_funding_history_parses_to_exact_points() {
        assert_eq!(
            funding_history(HISTORY.as_bytes()).expect("parses"),
            vec![
                HistoryPoint {
                    time_ms: 1_695_776_400_000,
                    rate: d("0.0005"),
                },
                HistoryPoint {
                    time_ms: 1_695_715_200_000,
                    rate: d("0.000013"),
                },
            ]
        );
        let quirks = br#"{"code":"00000","msg":"success","requestTime":1,"data":[
            {"symbol":"BTCUSDT","fundingRate":-2.5e-5,"fundingTime":1695744000000},
            {"symbol":"BTCUSDT","fundingRate":"","fundingTime":"1695715200000"},
            {"symbol":"BTCUSDT","fundingRate":"0.0001"}]}"#;
        assert_eq!(
            funding_history(quirks).expect("parses"),
            vec![HistoryPoint {
                time_ms: 1_695_744_000_000,
                rate: d("-0.000025"),
            }],
            "numbers read, rows without a rate or time skipped"
        );
        let err = funding_history(PARAMS.as_bytes()).expect_err("error envelope");
        assert_eq!(err.endpoint, "history-fund-rate");
        assert!(err.detail.contains("40034"), "{err}");
        let err = funding_history(b"{\"code\":\"00000\",\"data\":[{").expect_err("truncated");
        assert_eq!(err.endpoint, "history-fund-rate");
    }

    #[test]
    fn documented_candles_parse_to_exact_bars() {
        assert_eq!(
            candles(Market::Perp, MIX_CANDLES.as_bytes()).expect("mix parses"),
            vec![
                bar(1_695_835_800_000, "26210.5", "26194.5", "26194.5"),
                bar(1_695_836_100_000, "26194.5", "26171", "26171"),
            ]
        );
        let spot = bar(1_656_604_800_000, "37849.5", "37773.5", "37773.5");
        assert_eq!(
            candles(Market::Spot, SPOT_CANDLES_BODY.as_bytes()).expect("spot parses"),
            vec![spot, spot],
            "the docs repeat one row; the caller de-duplicates"
        );
        let quirks = br#"{"code":"00000","msg":"success","requestTime":1,"data":[
            [1695835800000, 0.0123, "1.2e-2", "0.0119", "0.012", "5", "6"],
            ["1695836100000", "1", "", "1", "1", "5", "6"],
            ["1695836400000.5", "1", "1", "1", "1", "5", "6"],
            ["1695836700000", "1", "1"],
            []]}"#;
        assert_eq!(
            candles(Market::Perp, quirks).expect("parses"),
            vec![bar(1_695_835_800_000, "0.012", "0.0119", "0.012")],
            "numbers and exponents read; rows missing a field or with a fractional time skipped"
        );
        for market in [Market::Perp, Market::Spot] {
            let err = candles(market, PARAMS.as_bytes()).expect_err("error envelope");
            assert_eq!(
                err.endpoint,
                if market == Market::Perp {
                    "candles"
                } else {
                    "spot-candles"
                }
            );
            assert!(err.detail.contains("API error 40034"), "{err}");
            assert!(candles(market, b"[[\"1\"]]").is_err(), "not an envelope");
            assert_eq!(
                candles(market, br#"{"code":"00000","msg":"success","data":[]}"#),
                Ok(Vec::new())
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn mutated_history_payloads_never_panic(
            which in 0..3usize,
            m in mutation(),
        ) {
            let text = [HISTORY, MIX_CANDLES, SPOT_CANDLES_BODY][which];
            let mutated = mutate(text, &m);
            let result = match which {
                0 => funding_history(&mutated).map(|p| p.len()),
                1 => candles(Market::Perp, &mutated).map(|c| c.len()),
                _ => candles(Market::Spot, &mutated).map(|c| c.len()),
            };
            if m.truncates() {
                prop_assert!(result.is_err(), "a truncated payload must fail");
            }
            if let Ok(n) = result {
                prop_assert!(n <= 2);
            }
        }
    }
}
