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

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    BitgetCandle, BitgetDiscountRate, BitgetDiscountTier, BitgetFundRate, BitgetFundingHistory,
    BitgetSymbol, BitgetTicker,
};
use super::{
    CANDLES, DISCOUNT_RATE, HISTORY_FUND_RATE, PRODUCTS, Product, RATE_LIMIT_CODES, SPOT_CANDLES,
    SPOT_SYMBOLS, SPOT_TICKERS,
};
use crate::model::{Instrument, Market, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_concat, split_multiplier};
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows::{self, Coded};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

/// Bitget's `{code, msg, requestTime, data}` envelope: `code` `"00000"` on success.
pub(super) const BITGET: Coded = Coded {
    venue: "Bitget",
    article: "a",
    ok: "00000",
};

/// What the envelope of a response says. HTTP 429, or a code of [`RATE_LIMIT_CODES`] with any
/// status, is a rate limit; another code than `"00000"` is an API error; a body that is not a
/// Bitget envelope (or has no `code`) says nothing, leaving the HTTP status and the parser to
/// decide.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    BITGET.signal(status, body, |code| RATE_LIMIT_CODES.contains(&code))
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
    let env = BITGET.envelope(endpoint, bytes)?;
    let rows = env.data.ok_or_else(|| BITGET.without_rows(endpoint))?;
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
    let pages = kit::each_body(bodies, endpoint, required, |b| page::<T>(endpoint, b))?;
    let time = pages.iter().find_map(|p| p.time);
    Ok(Page {
        rows: pages.into_iter().flat_map(|p| p.rows).collect(),
        time,
    })
}

fn positive(d: Option<Decimal>) -> Option<Decimal> {
    d.filter(|v| *v > Decimal::ZERO).map(|v| v.normalize())
}

/// A trading linear perpetual of `product`, or `None` for anything else.
fn perp_instrument(row: &BitgetSymbol<'_>, product: &Product) -> Option<Instrument> {
    let tradable = row.symbol_type.as_str() == "perpetual"
        && row.symbol_status.as_str() == "normal"
        && row.quote_coin.as_str() == product.quote;
    if !tradable {
        return None;
    }
    let symbol = row.symbol.get()?;
    let base = split_multiplier(row.base_coin.get()?);
    Some(Instrument {
        funding_interval_hours: positive(row.fund_interval.get()),
        ..rows::perp(Venue::Bitget, symbol, base, product.quote)
    })
}

/// A trading spot pair, or `None`.
fn spot_instrument(row: &BitgetSymbol<'_>) -> Option<Instrument> {
    if row.status.as_str() != "online" {
        return None;
    }
    let symbol = row.symbol.get()?;
    let named = (row.base_coin.get(), row.quote_coin.get());
    rows::spot_named(Venue::Bitget, symbol, named, split_concat)
}

/// The haircut table of the optional `discount-rate` body (see the module rules): empty when
/// the body is missing or malformed, since the reference does without it.
fn haircuts(bodies: &[Body<'_>]) -> BTreeMap<String, Decimal> {
    let coins = Body::of(bodies, DISCOUNT_RATE.name)
        .next()
        .map(|bytes| page::<BitgetDiscountRate<'_>>(DISCOUNT_RATE.name, bytes));
    rows::haircut_table(
        coins.iter().flatten().flat_map(|p| &p.rows),
        rows::FirstRow::OfTheCoin,
        |row| row.coin.get(),
        |row| {
            let tiers = row.list.iter().flatten();
            let rank = |tier: &&BitgetDiscountTier| {
                let start = tier.tier_start_value.get();
                Some((start.is_none(), start))
            };
            rows::first_tier(tiers, rank, |t| t.discount_rate.get())
        },
    )
}

/// Parses both product types' contract lists and the spot symbol list into trading linear
/// perpetuals (USDT then USDC) and spot pairs, and the optional discount tiers into the haircut
/// table.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let mut contracts = Vec::with_capacity(PRODUCTS.len());
    for product in &PRODUCTS {
        let page: Page<BitgetSymbol<'_>> = all_rows(bodies, product.contracts.name, true)?;
        contracts.push((product, page.rows));
    }
    let spots: Page<BitgetSymbol<'_>> = all_rows(bodies, SPOT_SYMBOLS.name, true)?;
    let perps = contracts.iter().flat_map(|(product, rows)| {
        rows.iter()
            .filter_map(move |row| perp_instrument(row, product))
    });
    let candidates = perps.chain(spots.rows.iter().filter_map(spot_instrument));
    Ok(Reference {
        instruments: kit::unique_listings("bitget", candidates),
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
        let tickers: Page<BitgetTicker<'_>> = all_rows(bodies, product.tickers.name, true)?;
        // Funding rows are required where every plan fetches them (USDT); USDC's are optional.
        let rates: Page<BitgetFundRate<'_>> =
            all_rows(bodies, product.fund_rate.name, product.scan_funding)?;
        ticker_pages.push(tickers);
        rate_pages.push(rates);
    }
    let spot_tickers: Page<BitgetTicker<'_>> = all_rows(bodies, SPOT_TICKERS.name, true)?;

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
    let spot_rows = kit::by_symbol(&spot_tickers.rows, |r| r.symbol.get());

    let perp = |inst: &Instrument| {
        let symbol = inst.symbol.as_str();
        let ticker = tickers.get(symbol).copied();
        let rate = rates.get(symbol).copied();
        let funding = Funding {
            rate: rate
                .and_then(|r| r.funding_rate.get())
                .or_else(|| ticker.and_then(|t| t.funding_rate.get()))?,
            interval_hours: rate
                .and_then(|r| positive(r.funding_rate_interval.get()))
                .or(inst.funding_interval_hours)?,
            next: rate.and_then(|r| r.next_update.get()).and_then(ms_time),
        };
        let exchange_ms = ticker
            .and_then(|t| t.ts.get())
            .or_else(|| rate_time.get(symbol).copied());
        let book = Book {
            exchange_time: exchange_ms.and_then(ms_time),
            ..ticker.map_or_else(Book::default, |t| book(t, None))
        };
        let marks = Marks {
            mark: ticker.and_then(|t| t.mark_price.get()),
            index: ticker.and_then(|t| t.index_price.get()),
            open_interest: ticker.and_then(|t| rows::in_coins(t.holding_amount.get(), inst)),
        };
        Some((funding, book, marks))
    };
    let spot = |inst: &Instrument| {
        let t = spot_rows.get(inst.symbol.as_str())?;
        Some(book(t, spot_tickers.time))
    };
    Ok(rows::snapshot(
        Venue::Bitget,
        reference,
        received_at,
        perp,
        spot,
    ))
}

/// A ticker's book and range at its `ts`, else at `page_time` (its body's `requestTime`). 24 h
/// quote volume: `quoteVolume`, else base volume × last price (both per base unit, so the
/// product is in the quote coin whatever the multiplier).
fn book(t: &BitgetTicker<'_>, page_time: Option<i64>) -> Book {
    Book::of_ticker(
        [t.bid_pr.get(), t.ask_pr.get()],
        [t.high_24h.get(), t.low_24h.get()],
        [t.quote_volume.get(), t.base_volume.get(), t.last_pr.get()],
    )
    .at(t.ts.get().or(page_time).and_then(ms_time))
}

/// Parses one page of `history-fund-rate` (any order); rows without a time or a rate are
/// skipped.
pub(super) fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let p: Page<BitgetFundingHistory<'_>> = page(HISTORY_FUND_RATE.name, body)?;
    Ok(p.rows
        .iter()
        .filter_map(BitgetFundingHistory::point)
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
    Ok(p.rows.iter().filter_map(BitgetCandle::candle).collect())
}

#[cfg(test)]
mod tests {
    //! Bitget's own quirk (a scan without the USDC funding rows); what every venue does is
    //! pinned by `crate::venue::conformance`.

    use crate::model::Venue;
    use crate::venue::conformance::snapshot_from;
    use crate::venue::rows::quirky;

    #[test]
    fn scan_plan_without_usdc_funding_rows_falls_back_to_ticker_and_contract_list() {
        let (q, r) = quirky(Venue::Bitget, 1);
        let scan: Vec<_> = q
            .parts
            .iter()
            .copied()
            .filter(|(e, _)| *e != "current-fund-rate-usdc")
            .collect();
        assert_eq!(scan.len() + 1, q.parts.len());
        let s = snapshot_from(Venue::Bitget, &scan, &r, q.received_ms);
        let usdc = s.perps.iter().find(|p| p.symbol == "BTCPERP");
        let usdc = usdc.expect("USDC perp still quoted");
        let rate = (usdc.funding_rate, usdc.funding_interval_hours);
        assert_eq!(rate, ("0.0000125".parse().expect("d"), 8.into()));
        assert_eq!(usdc.next_funding_time, None);
        assert_eq!(s.perps.len(), 6);
    }
}
