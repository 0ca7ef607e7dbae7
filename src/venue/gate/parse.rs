//! Gate payloads to domain types (pure): error-body check, paging count, instrument filters, snapshot assembly.
//!
//! Rules (see `exchange-apis/README.md`, Gate section):
//! - Perps: `type` direct (not inverse), `in_delisting` not true, `status` trading or absent
//!   (not prelaunch, delisting, delisted), a `BASE_QUOTE` name. Asset and multiplier come from
//!   the base (`1000PEPE` → PEPE × 1000, via the shared prefix table); `contract_size` is
//!   `quanto_multiplier` (base units per contract; 1 when absent). `funding_interval` seconds
//!   become hours. The live contract list is checked again on every poll: a contract that left
//!   trading since the reference was cached is dropped.
//! - Spot: `trade_status` tradable (not buyable/sellable-only, not untradable), `type` not
//!   premarket; `base`/`quote`, else the id split at `_`.
//! - Funding: the live contract row's `funding_rate` (else the ticker's), `funding_interval`
//!   (else the cached one) and `funding_next_apply` (seconds, int, float or string). Gate
//!   documents no default interval: a perp without one is left out.
//! - Volume: `volume_24h_quote`, else `volume_24h_settle` (USDT for USDT-settled contracts), else
//!   `volume_24h_base × last`. Open interest: `total_size` (else the contract's
//!   `position_size`) contracts × `quanto_multiplier` × multiplier.
//! - Gate's payloads carry no server time: `exchange_time` is `None`.
//! - Duplicates: the first row of a symbol wins, in instrument lists and snapshot payloads.
//! - History: settled funding rows are `{t (seconds), r}`; futures candles are objects
//!   `{t (seconds), o, h, l, c}`, spot candles string arrays `[t, quote volume, close, high,
//!   low, open, base volume, window closed]` whose unfinished bar (`"false"`) is dropped. Times
//!   become ms; rows missing a time or a price are skipped.
//! - Haircuts (optional `currency_discount_tiers` body): each currency's first tier, the one
//!   with the lowest `lower_limit` (then the lowest `tier`; a tier without one ranks after those
//!   with one; ties go to the earlier tier), gives `k` = its `discount`, kept only in (0, 1];
//!   currencies are upper-cased, the first row of a currency decides, stablecoins are kept as
//!   published. A missing body, or one that is not an array of currency objects (an error
//!   object, malformed JSON), leaves the table empty and the instruments intact.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::wire::{
    GateContract, GateCurrencyPair, GateDiscount, GateError, GateFundingRecord, GateFuturesCandle,
    GateSpotCandle, GateSpotTicker, GateTicker,
};
use super::{
    CANDLESTICKS, CONTRACTS, CONTRACTS_LIVE, CURRENCY_PAIRS, DISCOUNT_TIERS, FUNDING_RATE,
    RATE_LIMIT_LABEL, SPOT_CANDLESTICKS, SPOT_TICKERS, TICKERS,
};
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_multiplier};
use crate::venue::kit::{self, Book, Funding};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

const SECONDS_PER_HOUR: i64 = 3600;

/// The error object of a body, when it is one (`{"label": …}`).
fn error_of(body: &[u8]) -> Option<GateError<'_>> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    serde_json::from_slice::<GateError<'_>>(body)
        .ok()
        .filter(|e| e.label.get().is_some())
}

/// What a response body says. HTTP 429, or the label `TOO_MANY_REQUESTS` with any status, is a
/// rate limit; another `label` is an API error; anything else (bare arrays, HTML) says nothing.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    if status == 429 {
        return BodySignal::RateLimited;
    }
    match error_of(body) {
        None => BodySignal::Ok,
        Some(e) if e.label.as_str() == RATE_LIMIT_LABEL => BodySignal::RateLimited,
        Some(e) => BodySignal::Api {
            code: e.label.as_str().to_owned(),
            msg: e.message.as_str().to_owned(),
        },
    }
}

fn api_error(endpoint: &'static str, e: &GateError<'_>) -> ParseError {
    ParseError::new(
        endpoint,
        format!("API error {}: {}", e.label.as_str(), e.message.as_str()),
    )
}

/// The rows of one bare-array response; an error object is reported as the API error.
fn rows<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<Vec<T>, ParseError> {
    serde_json::from_slice(bytes).map_err(|err| match error_of(bytes) {
        Some(e) => api_error(endpoint, &e),
        None => ParseError::json(endpoint, &err),
    })
}

/// The number of rows of one page (for paging), without decoding them.
///
/// # Errors
/// When the body is not a JSON array.
pub(super) fn row_count(endpoint: &'static str, body: &[u8]) -> Result<usize, ParseError> {
    rows::<IgnoredAny>(endpoint, body).map(|r| r.len())
}

/// The rows of every body of `endpoint` (all pages), in request order; at least one body must
/// have been fetched.
fn all_rows<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
) -> Result<Vec<T>, ParseError> {
    kit::rows_of(bodies, endpoint, true, |b| rows(endpoint, b))
}

fn positive(d: Option<Decimal>) -> Option<Decimal> {
    kit::positive(d).map(|v| v.normalize())
}

/// Hours from Gate's `funding_interval` seconds; `None` unless positive.
fn interval_hours(seconds: Option<Decimal>) -> Option<Decimal> {
    positive(seconds)?
        .checked_div(Decimal::from(SECONDS_PER_HOUR))
        .map(|h| h.normalize())
}

/// A time in seconds (int, float or string) → UTC, to the millisecond.
fn seconds_time(seconds: Option<Decimal>) -> Option<DateTime<Utc>> {
    let ms = seconds?.checked_mul(Decimal::ONE_THOUSAND)?.trunc();
    i64::try_from(ms).ok().and_then(ms_time)
}

/// Whether a contract row is a trading linear perpetual.
fn is_trading(row: &GateContract<'_>) -> bool {
    row.kind.as_str() == "direct"
        && row.in_delisting.0 != Some(true)
        && matches!(row.status.as_str(), "" | "trading")
}

/// A trading linear perpetual, or `None` for anything else.
fn perp_instrument(row: &GateContract<'_>) -> Option<Instrument> {
    if !is_trading(row) {
        return None;
    }
    let symbol = row.name.get()?;
    let (base, quote) = kit::split_pair(symbol, '_')?;
    let (asset, multiplier) = split_multiplier(base);
    Some(Instrument {
        venue: Venue::Gate,
        market: Market::Perp,
        symbol: symbol.to_owned(),
        asset,
        quote: quote.to_owned(),
        multiplier,
        contract_size: positive(row.quanto_multiplier.get()).unwrap_or(Decimal::ONE),
        funding_interval_hours: interval_hours(row.funding_interval.get()),
    })
}

/// A tradable spot pair, or `None`.
fn spot_instrument(row: &GateCurrencyPair<'_>) -> Option<Instrument> {
    if row.trade_status.as_str() != "tradable" || row.kind.as_str() == "premarket" {
        return None;
    }
    let symbol = row.id.get()?;
    let (asset, quote) = match (row.base.get(), row.quote.get()) {
        (Some(b), Some(q)) => (b, q),
        _ => kit::split_pair(symbol, '_')?,
    };
    Some(Instrument {
        venue: Venue::Gate,
        market: Market::Spot,
        symbol: symbol.to_owned(),
        asset: asset.to_owned(),
        quote: quote.to_owned(),
        multiplier: Decimal::ONE,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    })
}

/// The haircut table of the optional `currency_discount_tiers` body (see the module rules):
/// empty when the body is missing or malformed, since the reference does without it.
fn haircuts(bodies: &[Body<'_>]) -> BTreeMap<String, Decimal> {
    let mut table = BTreeMap::new();
    let Some(bytes) = Body::of(bodies, DISCOUNT_TIERS.name).next() else {
        return table;
    };
    let Ok(currencies) = rows::<GateDiscount<'_>>(DISCOUNT_TIERS.name, bytes) else {
        return table;
    };
    let mut seen = HashSet::new();
    for row in &currencies {
        let Some(coin) = row.currency.get().map(str::trim).filter(|c| !c.is_empty()) else {
            continue;
        };
        let coin = coin.to_ascii_uppercase();
        if !seen.insert(coin.clone()) {
            continue;
        }
        let first = row.discount_tiers.iter().flatten().min_by_key(|tier| {
            let (lower, number) = (tier.lower_limit.get(), tier.tier.get());
            (lower.is_none(), lower, number.is_none(), number)
        });
        let k = first.and_then(|tier| tier.discount.get());
        if let Some(k) = k.filter(|k| *k > Decimal::ZERO && *k <= Decimal::ONE) {
            table.insert(coin, k.normalize());
        }
    }
    table
}

/// Parses the contract list (all pages) and the spot pair list into trading linear perpetuals
/// and tradable spot pairs (with each perp's `maintenance_rate`), and the optional discount
/// tiers into the haircut table.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let contracts: Vec<GateContract<'_>> = all_rows(bodies, CONTRACTS.name)?;
    let pairs: Vec<GateCurrencyPair<'_>> = all_rows(bodies, CURRENCY_PAIRS.name)?;
    let mut instruments = Vec::with_capacity(contracts.len() + pairs.len());
    let mut seen: HashSet<(Market, String)> = HashSet::new();
    let candidates = contracts
        .iter()
        .filter_map(perp_instrument)
        .chain(pairs.iter().filter_map(spot_instrument));
    for inst in candidates {
        if seen.insert((inst.market, inst.symbol.clone())) {
            instruments.push(inst);
        } else {
            tracing::debug!(venue = "gate", symbol = %inst.symbol, "duplicate instrument row ignored");
        }
    }
    let mut maintenance_rates = BTreeMap::new();
    for row in contracts.iter().filter(|row| is_trading(row)) {
        if let (Some(symbol), Some(m)) = (row.name.get(), row.maintenance_rate.get()) {
            maintenance_rates
                .entry(symbol.to_owned())
                .or_insert(m.normalize());
        }
    }
    Ok(Reference {
        instruments,
        haircuts: haircuts(bodies),
        maintenance_rates,
    })
}

/// Parses one poll's bodies (see the module rules). Instruments absent from `reference` are
/// dropped.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let contracts: Vec<GateContract<'_>> = all_rows(bodies, CONTRACTS_LIVE.name)?;
    let tickers: Vec<GateTicker<'_>> = all_rows(bodies, TICKERS.name)?;
    let spot_tickers: Vec<GateSpotTicker<'_>> = all_rows(bodies, SPOT_TICKERS.name)?;
    let contracts = kit::by_symbol(&contracts, |r| r.name.get());
    let tickers = kit::by_symbol(&tickers, |r| r.contract.get());
    let spot_tickers = kit::by_symbol(&spot_tickers, |r| r.currency_pair.get());

    let mut perps = Vec::new();
    let mut spots = Vec::new();
    for inst in &reference.instruments {
        let symbol = inst.symbol.as_str();
        match inst.market {
            Market::Perp => {
                let contract = contracts.get(symbol).copied();
                if contract.is_some_and(|c| !is_trading(c)) {
                    continue;
                }
                let ticker = tickers.get(symbol).copied();
                let funding_rate = contract
                    .and_then(|c| c.funding_rate.get())
                    .or_else(|| ticker.and_then(|t| t.funding_rate.get()));
                let interval = contract
                    .and_then(|c| interval_hours(c.funding_interval.get()))
                    .or(inst.funding_interval_hours);
                let (Some(funding_rate), Some(funding_interval_hours)) = (funding_rate, interval)
                else {
                    continue;
                };
                let open_interest = ticker
                    .and_then(|t| t.total_size.get())
                    .or_else(|| contract.and_then(|c| c.position_size.get()))
                    .and_then(|contracts| coins(contracts, inst));
                let funding = Funding {
                    rate: funding_rate,
                    interval_hours: funding_interval_hours,
                    next: contract.and_then(|c| seconds_time(c.funding_next_apply.get())),
                };
                let book = Book {
                    bid: ticker.and_then(|t| t.highest_bid.get()),
                    ask: ticker.and_then(|t| t.lowest_ask.get()),
                    high_24h: ticker.and_then(|t| t.high_24h.get()),
                    low_24h: ticker.and_then(|t| t.low_24h.get()),
                    volume_24h_quote: ticker.and_then(perp_quote_volume),
                    exchange_time: None,
                };
                perps.push(PerpQuote {
                    mark_price: contract
                        .and_then(|c| c.mark_price.get())
                        .or_else(|| ticker.and_then(|t| t.mark_price.get())),
                    index_price: contract
                        .and_then(|c| c.index_price.get())
                        .or_else(|| ticker.and_then(|t| t.index_price.get())),
                    open_interest,
                    ..kit::perp_quote(inst, funding, book, received_at)
                });
            }
            Market::Spot => {
                let Some(t) = spot_tickers.get(symbol) else {
                    continue;
                };
                let book = Book {
                    bid: t.highest_bid.get(),
                    ask: t.lowest_ask.get(),
                    high_24h: t.high_24h.get(),
                    low_24h: t.low_24h.get(),
                    volume_24h_quote: t.quote_volume.get().or_else(|| {
                        t.base_volume
                            .get()?
                            .checked_mul(t.last.get()?)
                            .map(|v| v.normalize())
                    }),
                    exchange_time: None,
                };
                spots.push(kit::spot_quote(inst, book, received_at));
            }
        }
    }
    Ok(Snapshot {
        venue: Venue::Gate,
        received_at,
        perps,
        spots,
    })
}

/// 24 h quote volume of a USDT-settled contract (see the module rules).
fn perp_quote_volume(t: &GateTicker<'_>) -> Option<Decimal> {
    t.volume_24h_quote
        .get()
        .or_else(|| t.volume_24h_settle.get())
        .or_else(|| {
            t.volume_24h_base
                .get()?
                .checked_mul(t.last.get()?)
                .map(|v| v.normalize())
        })
}

/// Contracts → coins of the asset: × `quanto_multiplier` × multiplier.
fn coins(contracts: Decimal, inst: &Instrument) -> Option<Decimal> {
    contracts
        .checked_mul(inst.contract_size)?
        .checked_mul(inst.multiplier)
        .map(|v| v.normalize())
}

/// Seconds (int, float or string) → ms, truncated.
fn seconds_ms(seconds: Option<Decimal>) -> Option<i64> {
    i64::try_from(seconds?.checked_mul(Decimal::ONE_THOUSAND)?.trunc()).ok()
}

/// Parses one page of `futures/usdt/funding_rate` (any order); rows without a time or a rate
/// are skipped.
pub(super) fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let records: Vec<GateFundingRecord> = rows(FUNDING_RATE.name, body)?;
    Ok(records
        .iter()
        .filter_map(|r| kit::point(seconds_ms(r.t.get()), r.r.get()))
        .collect())
}

/// Parses one page of futures (`market` perp) or spot candlesticks; spot bars flagged
/// unfinished are dropped, and rows missing a time or a price skipped.
pub(super) fn candles(market: Market, body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let bar = |t: Option<Decimal>, high, low, close| kit::candle(seconds_ms(t), high, low, close);
    Ok(match market {
        Market::Perp => rows::<GateFuturesCandle>(CANDLESTICKS.name, body)?
            .iter()
            .filter_map(|r| bar(r.t.get(), r.h.get(), r.l.get(), r.c.get()))
            .collect(),
        Market::Spot => rows::<GateSpotCandle>(SPOT_CANDLESTICKS.name, body)?
            .iter()
            .filter(|r| r.closed.0 != Some(false))
            .filter_map(|r| bar(r.t.get(), r.high.get(), r.low.get(), r.close.get()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {

    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;

    use crate::venue::gate::Gate;
    use crate::venue::testkit::{candle as bar, mutate, mutation, point};
    use crate::venue::{Request, VenueAdapter};

    const CONTRACTS_J: &str = include_str!("../../../fixtures/gate/futures-usdt-contracts.json");
    const CONTRACTS_Q: &str =
        include_str!("../../../fixtures/gate/futures-usdt-contracts-quirks.json");
    const TICKERS_J: &str = include_str!("../../../fixtures/gate/futures-usdt-tickers.json");
    const TICKERS_Q: &str = include_str!("../../../fixtures/gate/futures-usdt-tickers-quirks.json");
    const PAIRS: &str = include_str!("../../../fixtures/gate/spot-currency_pairs.json");
    const PAIRS_Q: &str = include_str!("../../../fixtures/gate/spot-currency_pairs-quirks.json");
    const SPOT: &str = include_str!("../../../fixtures/gate/spot-tickers.json");
    const SPOT_Q: &str = include_str!("../../../fixtures/gate/spot-tickers-quirks.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/gate/error-rate-limit.json");
    const INVALID: &str = include_str!("../../../fixtures/gate/error-invalid-param.json");
    const FUNDING_J: &str = include_str!("../../../fixtures/gate/futures-usdt-funding_rate.json");
    const FUT_CANDLES: &str = include_str!("../../../fixtures/gate/futures-usdt-candlesticks.json");
    const SPOT_CANDLES: &str = include_str!("../../../fixtures/gate/spot-candlesticks.json");
    const TIERS: &str = include_str!("../../../fixtures/gate/unified-currency_discount_tiers.json");
    const TIERS_Q: &str =
        include_str!("../../../fixtures/gate/unified-currency_discount_tiers-quirks.json");

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn t(ms: i64) -> Option<DateTime<Utc>> {
        ms_time(ms)
    }

    fn request(endpoint: &'static str) -> Request {
        Gate.reference_requests()
            .into_iter()
            .chain(Gate.snapshot_requests(true))
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
        t(1_755_090_000_500).expect("time")
    }

    fn perp(symbol: &str, asset: &str, mult: &str, size: &str, hours: Option<&str>) -> Instrument {
        Instrument {
            venue: Venue::Gate,
            market: Market::Perp,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: "USDT".into(),
            multiplier: d(mult),
            contract_size: d(size),
            funding_interval_hours: hours.map(d),
        }
    }

    fn spot(symbol: &str, asset: &str, quote: &str) -> Instrument {
        Instrument {
            market: Market::Spot,
            quote: quote.into(),
            ..perp(symbol, asset, "1", "1", None)
        }
    }

    fn quirky_reference() -> Reference {
        reference_of(&[
            (CONTRACTS.name, CONTRACTS_Q),
            (CURRENCY_PAIRS.name, PAIRS_Q),
        ])
        .expect("reference fixtures parse")
    }

    /// The documented lists with `tiers` as the discount-tiers body (none when `None`).
    fn reference_with_tiers(tiers: Option<&str>) -> Result<Reference, ParseError> {
        let mut parts = vec![(CONTRACTS.name, CONTRACTS_J), (CURRENCY_PAIRS.name, PAIRS)];
        if let Some(body) = tiers {
            parts.push((DISCOUNT_TIERS.name, body));
        }
        reference_of(&parts)
    }

    fn table(rows: &[(&str, &str)]) -> BTreeMap<String, Decimal> {
        rows.iter().map(|(c, k)| ((*c).to_owned(), d(k))).collect()
    }

    #[test]
    fn discount_tiers_give_each_currency_its_first_tier_discount() {
        let plain = reference_with_tiers(None).expect("parses");
        let r = reference_with_tiers(Some(TIERS)).expect("parses");
        assert_eq!(r.instruments, plain.instruments);
        assert_eq!(
            r.haircuts,
            table(&[("BTC", "0.95"), ("ETH", "0.93"), ("USDT", "1")])
        );
        let q = reference_with_tiers(Some(TIERS_Q)).expect("parses");
        assert_eq!(q.instruments, plain.instruments);
        assert_eq!(
            q.haircuts,
            table(&[
                // The first BTC row wins over the duplicate's 0.5.
                ("BTC", "0.95"),
                // Without lower limits, tier 1 (listed second).
                ("DOGE", "0.7"),
                // Lowest lower_limit, whatever the order.
                ("ETH", "0.93"),
                // Lower-case currency upper-cased; JSON numbers read.
                ("SOL", "0.8"),
                // Exponent form.
                ("TON", "0.95"),
                // Stablecoins kept as published (a full-width "＋" upper limit is not read).
                ("USDT", "1"),
                // Dropped: PEPE 0 and XRP 1.2 (outside (0, 1]); LINK's first tier has no
                // discount (the second tier's is not used); ADA, AVAX and TRX have no tiers; a
                // row without a currency.
            ])
        );
    }

    #[test]
    fn absent_or_malformed_discount_tiers_leave_the_instruments_and_an_empty_table() {
        let plain = reference_with_tiers(None).expect("parses");
        assert!(plain.haircuts.is_empty(), "no body: no table");
        let cases = [
            INVALID,
            RATE_LIMIT,
            r#"[{"currency":"BTC","discount_tiers":[{"tier":"1","#,
            r#"{"currency":"BTC","discount_tiers":[]}"#,
            r#"[{"currency":"BTC","discount_tiers":"0.95"}]"#,
            r#"[["BTC","0.95"]]"#,
            "null",
            "<html>bad gateway</html>",
            "",
        ];
        for body in cases {
            let r = reference_with_tiers(Some(body)).expect(body);
            assert_eq!(r.instruments, plain.instruments, "{body}");
            assert!(r.haircuts.is_empty(), "{body}");
        }
        assert_eq!(reference_with_tiers(Some("[]")), Ok(plain));
    }

    #[test]
    fn documented_lists_keep_the_direct_contract_and_the_tradable_pair() {
        let r = reference_of(&[(CONTRACTS.name, CONTRACTS_J), (CURRENCY_PAIRS.name, PAIRS)])
            .expect("parses");
        assert_eq!(
            r.instruments,
            vec![
                // quanto_multiplier 0.0001 BTC per contract; 28800 s = 8 h.
                perp("BTC_USDT", "BTC", "1", "0.0001", Some("8")),
                spot("ETH_USDT", "ETH", "USDT"),
            ]
        );
    }

    #[test]
    fn quirky_lists_filter_statuses_and_map_symbols() {
        let r = quirky_reference();
        assert_eq!(
            r.instruments,
            vec![
                perp("BTC_USDT", "BTC", "1", "0.0001", Some("8")),
                // 10 000 000 PEPE per contract, prices per coin; 14400 s = 4 h.
                perp("PEPE_USDT", "PEPE", "1", "10000000", Some("4")),
                perp("ETH_USDT", "ETH", "1", "0.01", Some("1")),
                // No `status` field (older responses): in_delisting false is enough.
                perp("DOGE_USDT", "DOGE", "1", "10", Some("2")),
                // A coin starting with a digit keeps its name.
                perp("1INCH_USDT", "1INCH", "1", "1", Some("8")),
                perp("1000PEPE_USDT", "PEPE", "1000", "10000", Some("8")),
                // funding_interval 0: no interval from the list.
                perp("XRP_USDT", "XRP", "1", "1", None),
                // Dropped: delisting, prelaunch, delisted, inverse and the duplicate BTC_USDT.
                spot("BTC_USDT", "BTC", "USDT"),
                spot("BTC_USDC", "BTC", "USDC"),
                spot("PEPE_USDT", "PEPE", "USDT"),
                spot("ETH_BTC", "ETH", "BTC"),
                // base/quote empty: split from the id.
                spot("XYZ_USDT", "XYZ", "USDT"),
                // untradable, buyable-only and premarket pairs are gone.
            ]
        );
    }

    #[test]
    fn documented_examples_parse_to_exact_values() {
        let r = reference_of(&[(CONTRACTS.name, CONTRACTS_J), (CURRENCY_PAIRS.name, PAIRS)])
            .expect("parses");
        let s = snapshot_of(
            &[
                (CONTRACTS_LIVE.name, CONTRACTS_J),
                (TICKERS.name, TICKERS_J),
                (SPOT_TICKERS.name, SPOT),
            ],
            &r,
        )
        .expect("parses");
        assert_eq!((s.venue, s.received_at), (Venue::Gate, received()));
        assert_eq!(
            s.perps,
            vec![PerpQuote {
                venue: Venue::Gate,
                symbol: "BTC_USDT".into(),
                asset: "BTC".into(),
                quote: "USDT".into(),
                multiplier: Decimal::ONE,
                // The contract's funding_rate (not the ticker's 0.0001, nor the deprecated
                // funding_rate_indicative 0.000219).
                funding_rate: d("0.002053"),
                funding_interval_hours: d("8"),
                // funding_next_apply is in seconds.
                next_funding_time: t(1_610_035_200_000),
                mark_price: Some(d("37985.6")),
                index_price: Some(d("37954.92")),
                // The documented ticker predates highest_bid/lowest_ask.
                bid: None,
                ask: None,
                high_24h: Some(d("6790")),
                low_24h: Some(d("6278")),
                volume_24h_quote: Some(d("184040233284")),
                // total_size 32323904 contracts × 0.0001 BTC.
                open_interest: Some(d("3232.3904")),
                exchange_time: None,
                received_at: received(),
            }]
        );
        // The documented spot ticker (KFC_USDT) is not in the reference.
        assert!(s.spots.is_empty());
    }

    #[test]
    fn quirky_snapshot_intervals_units_duplicates_and_empty_fields() {
        let r = quirky_reference();
        let s = snapshot_of(
            &[
                (CONTRACTS_LIVE.name, CONTRACTS_Q),
                (TICKERS.name, TICKERS_Q),
                (SPOT_TICKERS.name, SPOT_Q),
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
                // The first row wins over the duplicate's 0.9 / 1 h.
                ("BTC_USDT", d("0.0001"), d("8"), t(1_755_100_800_000)),
                // funding_next_apply as a float.
                ("PEPE_USDT", d("-0.000125"), d("4"), t(1_755_086_400_000)),
                // Exponent form; 3600 s; funding_next_apply as a string.
                ("ETH_USDT", d("0.000015"), d("1"), t(1_755_090_000_000)),
                // funding_rate "": the ticker's rate; 7200 s.
                ("DOGE_USDT", d("0.0002"), d("2"), t(1_755_093_600_000)),
                ("1INCH_USDT", d("0.0001"), d("8"), t(1_755_100_800_000)),
                ("1000PEPE_USDT", d("0.0002"), d("8"), t(1_755_100_800_000)),
                // XRP: funding_interval 0 in both lists, no documented default: left out.
            ]
        );

        let btc = &s.perps[0];
        assert_eq!(
            (btc.bid, btc.ask),
            (Some(d("120359.7")), Some(d("120359.8"))),
            "first row"
        );
        assert_eq!(
            (btc.high_24h, btc.low_24h),
            (Some(d("121000.5")), Some(d("118000")))
        );
        assert_eq!(btc.volume_24h_quote, Some(d("5413000000")));
        // 256491312 contracts × 0.0001 BTC.
        assert_eq!(btc.open_interest, Some(d("25649.1312")));
        assert_eq!(
            (btc.mark_price, btc.index_price),
            (Some(d("120359.8")), Some(d("120384.2")))
        );

        let pepe = &s.perps[1];
        assert_eq!(
            (pepe.multiplier, pepe.bid),
            (Decimal::ONE, Some(d("0.000007099")))
        );
        // volume_24h_quote "": the settle (USDT) volume.
        assert_eq!(pepe.volume_24h_quote, Some(d("35500000")));
        // 300 000 contracts × 10 000 000 PEPE.
        assert_eq!(pepe.open_interest, Some(d("3000000000000")));

        let eth = &s.perps[2];
        assert_eq!((eth.bid, eth.ask), (None, Some(d("1900.1"))));
        assert_eq!((eth.high_24h, eth.low_24h), (Some(d("1950")), None));
        // Quote and settle volume "": 1000 ETH × 1900.
        assert_eq!(eth.volume_24h_quote, Some(d("1900000")));
        // total_size "": the contract's position_size 123456 × 0.01 ETH.
        assert_eq!(eth.open_interest, Some(d("1234.56")));
        // The contract's mark and index when the ticker's are empty.
        assert_eq!(
            (eth.mark_price, eth.index_price),
            (Some(d("1900.2")), Some(d("1900.1")))
        );

        let doge = &s.perps[3];
        assert_eq!(doge.open_interest, Some(d("5000000")));

        let onek = &s.perps[5];
        assert_eq!((onek.asset.as_str(), onek.multiplier), ("PEPE", d("1000")));
        // No ticker: position_size 2000 contracts × 10 000 units of 1000 PEPE.
        assert_eq!(onek.open_interest, Some(d("20000000000")));
        assert_eq!((onek.bid, onek.volume_24h_quote), (None, None));

        let spots: Vec<(&str, Option<Decimal>)> = s
            .spots
            .iter()
            .map(|q| (q.symbol.as_str(), q.volume_24h_quote))
            .collect();
        assert_eq!(
            spots,
            [
                ("BTC_USDT", Some(d("504060000"))),
                // quote_volume "": 10 BTC × 120010.
                ("BTC_USDC", Some(d("1200100"))),
                ("PEPE_USDT", Some(d("35450000"))),
                ("XYZ_USDT", None),
            ],
            "ETH_BTC has no ticker; OLD and UNLISTED are not in the reference"
        );
        assert_eq!(
            (s.spots[2].bid, s.spots[2].ask),
            (Some(d("0.00000709")), Some(d("0.0000071"))),
            "first row wins"
        );
        assert_eq!((s.spots[3].high_24h, s.spots[3].low_24h), (None, None));
    }

    #[test]
    fn a_contract_that_left_trading_since_the_reference_is_dropped() {
        let r = quirky_reference();
        let live = CONTRACTS_Q.replacen("\"status\": \"trading\"", "\"status\": \"delisting\"", 1);
        let s = snapshot_of(
            &[
                (CONTRACTS_LIVE.name, &live),
                (TICKERS.name, TICKERS_Q),
                (SPOT_TICKERS.name, SPOT_Q),
            ],
            &r,
        )
        .expect("parses");
        assert!(s.perps.iter().all(|p| p.symbol != "BTC_USDT"));
        assert_eq!(s.perps.len(), 5);
    }

    #[test]
    fn error_bodies_and_missing_responses_name_the_endpoint() {
        let r = quirky_reference();
        let ok = [
            (CONTRACTS_LIVE.name, CONTRACTS_Q),
            (TICKERS.name, TICKERS_Q),
            (SPOT_TICKERS.name, SPOT_Q),
        ];
        let cases: [(&'static str, &str, &str); 5] = [
            (TICKERS.name, r#"[{"contract":"#, "malformed JSON"),
            (
                CONTRACTS_LIVE.name,
                INVALID,
                "API error INVALID_PARAM_VALUE: Invalid parameter value: limit",
            ),
            (SPOT_TICKERS.name, RATE_LIMIT, "API error TOO_MANY_REQUESTS"),
            (TICKERS.name, "{}", "malformed JSON"),
            (SPOT_TICKERS.name, r#"{"data":[]}"#, "malformed JSON"),
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
        let err = snapshot_of(&ok[1..], &r).expect_err("contracts missing");
        assert_eq!(
            err,
            ParseError::new(CONTRACTS_LIVE.name, "response missing")
        );
        let err = reference_of(&[(CONTRACTS.name, CONTRACTS_J)]).expect_err("pairs missing");
        assert_eq!(
            err,
            ParseError::new(CURRENCY_PAIRS.name, "response missing")
        );
    }

    #[test]
    fn check_body_maps_rate_limits_and_api_errors() {
        let rl = RATE_LIMIT.as_bytes();
        assert_eq!(Gate.check_body(429, rl), BodySignal::RateLimited);
        assert_eq!(
            Gate.check_body(200, rl),
            BodySignal::RateLimited,
            "label alone"
        );
        assert_eq!(Gate.check_body(429, b""), BodySignal::RateLimited);
        assert_eq!(
            Gate.check_body(400, INVALID.as_bytes()),
            BodySignal::Api {
                code: "INVALID_PARAM_VALUE".into(),
                msg: "Invalid parameter value: limit".into()
            }
        );
        assert_eq!(Gate.check_body(200, TICKERS_J.as_bytes()), BodySignal::Ok);
        assert_eq!(Gate.check_body(200, CONTRACTS_Q.as_bytes()), BodySignal::Ok);
        assert_eq!(
            Gate.check_body(502, b"<html>bad gateway</html>"),
            BodySignal::Ok
        );
        assert_eq!(Gate.check_body(200, b"{}"), BodySignal::Ok, "no label");
    }

    const MUTABLE: [(&str, &str); 6] = [
        (CONTRACTS.name, CONTRACTS_Q),
        (CURRENCY_PAIRS.name, PAIRS_Q),
        (CONTRACTS_LIVE.name, CONTRACTS_Q),
        (TICKERS.name, TICKERS_Q),
        (SPOT_TICKERS.name, SPOT_Q),
        (DISCOUNT_TIERS.name, TIERS_Q),
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
            let _ = Gate.check_body(200, &mutated);
            let _ = Gate.next_page(&request(endpoint), &mutated);
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
            if endpoint == DISCOUNT_TIERS.name {
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
            let result_for_endpoint = if endpoint == CONTRACTS.name || endpoint == CURRENCY_PAIRS.name {
                ref_result.map(|_| ())
            } else {
                snap_result.as_ref().map(|_| ()).map_err(Clone::clone)
            };
            if m.truncates() && endpoint != DISCOUNT_TIERS.name {
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
    fn funding_history_parses_seconds_to_ms_in_any_order() {
        assert_eq!(
            funding_history(FUNDING_J.as_bytes()).expect("parses"),
            vec![
                point(1_755_100_800_000, "0.0001"),
                point(1_755_072_000_000, "-0.000042"),
                point(1_755_043_200_000, "0.00003125"),
            ]
        );
        let quirks = br#"[{"t":"1755014400","r":2.5e-5},{"t":1755000000.5,"r":"0.0001"},
            {"t":1754985600,"r":""},{"r":"0.0001"},{"t":1754971200}]"#;
        assert_eq!(
            funding_history(quirks).expect("parses"),
            vec![
                point(1_755_014_400_000, "0.000025"),
                point(1_755_000_000_500, "0.0001"),
            ],
            "string and float seconds read; rows without a time or rate skipped"
        );
        assert_eq!(funding_history(b"[]"), Ok(Vec::new()));
        let err = funding_history(INVALID.as_bytes()).expect_err("error body");
        assert_eq!(err.endpoint, "funding-rate");
        assert!(err.detail.contains("INVALID_PARAM_VALUE"), "{err}");
        let err = funding_history(b"[{\"t\":").expect_err("truncated");
        assert!(err.detail.contains("malformed JSON"), "{err}");
    }

    #[test]
    fn candles_parse_both_layouts_and_drop_the_unfinished_spot_bar() {
        assert_eq!(
            candles(Market::Perp, FUT_CANDLES.as_bytes()).expect("futures"),
            vec![bar(1_539_852_480_000, "1.032", "1.032", "1.032")]
        );
        // Spot: close 3rd, high 4th, low 5th; the 8-field row flagged "false" is dropped and
        // the 7-field row (no flag) kept.
        assert_eq!(
            candles(Market::Spot, SPOT_CANDLES.as_bytes()).expect("spot"),
            vec![bar(
                1_539_852_480_000,
                "0.0021922",
                "0.0021724",
                "0.0021724"
            )]
        );
        let spot = br#"[["1539852600","1","0.5","0.7","0.4","0.6","2","true"],
            [1539852660,"1",0.5,"7e-1","0.4","0.6","2",true,"extra"],
            ["1539852720","1","","0.7","0.4","0.6","2","true"],
            ["1539852780"],[]]"#;
        assert_eq!(
            candles(Market::Spot, spot).expect("spot quirks"),
            vec![
                bar(1_539_852_600_000, "0.7", "0.4", "0.5"),
                bar(1_539_852_660_000, "0.7", "0.4", "0.5"),
            ]
        );
        let fut = br#"[{"t":"1539852480","c":0.25,"h":"0.3","l":"2e-1","o":"0.22"},
            {"t":1539852540,"c":"","h":"1","l":"1","o":"1"},{"c":"1","h":"1","l":"1"},
            {"t":1539852600,"o":"1","h":"1","l":"1","c":"1","sum":"3"}]"#;
        assert_eq!(
            candles(Market::Perp, fut).expect("futures quirks"),
            vec![
                bar(1_539_852_480_000, "0.3", "0.2", "0.25"),
                bar(1_539_852_600_000, "1", "1", "1"),
            ]
        );
        for (market, endpoint) in [
            (Market::Perp, "candlesticks"),
            (Market::Spot, "spot-candlesticks"),
        ] {
            let err = candles(market, INVALID.as_bytes()).expect_err("error body");
            assert_eq!(err.endpoint, endpoint);
            assert!(
                err.detail.contains("API error INVALID_PARAM_VALUE"),
                "{err}"
            );
            assert_eq!(candles(market, b"[]"), Ok(Vec::new()));
        }
        assert!(
            candles(Market::Spot, FUT_CANDLES.as_bytes()).is_err(),
            "objects are not rows"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn mutated_history_payloads_never_panic(
            which in 0..3usize,
            m in mutation(),
        ) {
            let text = [FUNDING_J, FUT_CANDLES, SPOT_CANDLES][which];
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
                prop_assert!(n <= 3);
            }
        }
    }
}
