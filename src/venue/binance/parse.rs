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

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    BinanceAssetIndex, BinanceBookTicker, BinanceError, BinanceFundingInfo, BinanceFundingRate,
    BinanceFuturesExchangeInfo, BinanceFuturesTicker, BinanceKline, BinancePremiumIndex,
    BinanceSpotExchangeInfo, BinanceSpotTicker,
};
use super::{
    FAPI_BOOK_TICKER, FAPI_EXCHANGE_INFO, FAPI_FUNDING_INFO, FAPI_FUNDING_RATE, FAPI_KLINES,
    FAPI_PREMIUM_INDEX, FAPI_TICKER_24HR, SPOT_EXCHANGE_INFO, SPOT_KLINES, SPOT_TICKER_24HR,
};
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_multiplier};
use crate::venue::kit::{self, Book, Funding};
use crate::venue::{BodySignal, Candle, HistoryPoint, ParseError};

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
/// A [`ParseError`] naming the endpoint when an instrument body is not the expected JSON (or is
/// an error envelope). The `assetIndex` body never fails the reference.
pub fn reference(
    futures_info: &[u8],
    funding_info: &[u8],
    spot_info: &[u8],
    asset_index: Option<&[u8]>,
) -> Result<Reference, ParseError> {
    let futures: BinanceFuturesExchangeInfo<'_> = decode(FAPI_EXCHANGE_INFO.name, futures_info)?;
    let funding: Vec<BinanceFundingInfo<'_>> = decode(FAPI_FUNDING_INFO.name, funding_info)?;
    let spot: BinanceSpotExchangeInfo<'_> = decode(SPOT_EXCHANGE_INFO.name, spot_info)?;

    let mut intervals: HashMap<&str, Option<Decimal>> = HashMap::with_capacity(funding.len());
    for entry in &funding {
        if let Some(symbol) = entry.symbol.get() {
            intervals
                .entry(symbol)
                .or_insert_with(|| interval_hours(entry));
        }
    }
    let default_interval = Decimal::from(DEFAULT_INTERVAL_HOURS);

    let mut instruments = Vec::with_capacity(futures.symbols.len() + spot.symbols.len());
    let mut seen = HashSet::new();
    for s in &futures.symbols {
        let (Some(symbol), Some(base), Some(quote)) =
            (s.symbol.get(), s.base_asset.get(), s.quote_asset.get())
        else {
            continue;
        };
        let linear = s.margin_asset.get().is_none_or(|m| m == quote);
        if !s.contract_type.is("PERPETUAL") || !s.status.is("TRADING") || !linear {
            continue;
        }
        if !seen.insert(symbol) {
            continue;
        }
        let (asset, multiplier) = split_multiplier(base);
        let hours = intervals.get(symbol).copied().flatten();
        instruments.push(Instrument {
            venue: Venue::Binance,
            market: Market::Perp,
            symbol: symbol.to_owned(),
            asset,
            quote: quote.to_owned(),
            multiplier,
            contract_size: Decimal::ONE,
            funding_interval_hours: Some(hours.unwrap_or(default_interval)),
        });
    }

    let mut seen = HashSet::new();
    for s in &spot.symbols {
        let (Some(symbol), Some(base), Some(quote)) =
            (s.symbol.get(), s.base_asset.get(), s.quote_asset.get())
        else {
            continue;
        };
        if !s.status.is("TRADING") || !seen.insert(symbol) {
            continue;
        }
        instruments.push(Instrument {
            venue: Venue::Binance,
            market: Market::Spot,
            symbol: symbol.to_owned(),
            asset: base.to_owned(),
            quote: quote.to_owned(),
            multiplier: Decimal::ONE,
            contract_size: Decimal::ONE,
            funding_interval_hours: None,
        });
    }
    Ok(Reference {
        instruments,
        haircuts: asset_index.map(parse_haircuts).unwrap_or_default(),
        ..Reference::default()
    })
}

/// The four snapshot bodies, by endpoint.
#[derive(Clone, Copy, Debug)]
pub struct SnapshotBodies<'a> {
    /// `fapi/v1/premiumIndex`.
    pub premium_index: &'a [u8],
    /// `fapi/v1/ticker/24hr`.
    pub futures_ticker: &'a [u8],
    /// `fapi/v1/ticker/bookTicker`.
    pub book_ticker: &'a [u8],
    /// `api/v3/ticker/24hr`.
    pub spot_ticker: &'a [u8],
}

/// Joins the snapshot bodies on symbol, for the perps and spot pairs of `reference`.
///
/// # Errors
/// A [`ParseError`] naming the endpoint when a body is not the expected JSON array (or is an
/// error envelope).
pub fn snapshot(
    bodies: SnapshotBodies<'_>,
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let premium: Vec<BinancePremiumIndex<'_>> =
        decode(FAPI_PREMIUM_INDEX.name, bodies.premium_index)?;
    let futures_tickers: Vec<BinanceFuturesTicker<'_>> =
        decode(FAPI_TICKER_24HR.name, bodies.futures_ticker)?;
    let book_list: Vec<BinanceBookTicker<'_>> = decode(FAPI_BOOK_TICKER.name, bodies.book_ticker)?;
    let spot_tickers: Vec<BinanceSpotTicker<'_>> =
        decode(SPOT_TICKER_24HR.name, bodies.spot_ticker)?;

    let perp_ref = reference.index(Market::Perp);
    let spot_ref = reference.index(Market::Spot);
    let tickers = kit::by_symbol(&futures_tickers, |t| t.symbol.get());
    let books = kit::by_symbol(&book_list, |b| b.symbol.get());
    let default_interval = Decimal::from(DEFAULT_INTERVAL_HOURS);

    let mut perps = Vec::with_capacity(perp_ref.len());
    let mut seen = HashSet::new();
    for p in &premium {
        let Some(symbol) = p.symbol.get() else {
            continue;
        };
        let Some(inst) = perp_ref.get(symbol) else {
            continue;
        };
        let Some(funding_rate) = p.last_funding_rate.get() else {
            continue;
        };
        if !seen.insert(symbol) {
            continue;
        }
        let ticker = tickers.get(symbol);
        let book = books.get(symbol);
        let exchange_time = p
            .time
            .get()
            .or_else(|| book.and_then(|b| b.time.get()))
            .or_else(|| ticker.and_then(|t| t.close_time.get()))
            .and_then(ms_time);
        let funding = Funding {
            rate: funding_rate,
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
        perps.push(PerpQuote {
            mark_price: p.mark_price.get(),
            index_price: p.index_price.get(),
            ..kit::perp_quote(inst, funding, book, received_at)
        });
    }

    let mut spots = Vec::with_capacity(spot_ref.len());
    let mut seen = HashSet::new();
    for t in &spot_tickers {
        let Some(symbol) = t.symbol.get() else {
            continue;
        };
        let Some(inst) = spot_ref.get(symbol) else {
            continue;
        };
        if !seen.insert(symbol) {
            continue;
        }
        let book = Book {
            bid: t.bid_price.get(),
            ask: t.ask_price.get(),
            high_24h: t.high_price.get(),
            low_24h: t.low_price.get(),
            volume_24h_quote: t.quote_volume.get(),
            exchange_time: t.close_time.get().and_then(ms_time),
        };
        spots.push(kit::spot_quote(inst, book, received_at));
    }

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
    let rows: Vec<BinanceFundingRate> = decode(FAPI_FUNDING_RATE.name, body)?;
    Ok(rows
        .iter()
        .filter_map(|r| kit::point(r.funding_time.get(), r.funding_rate.get()))
        .collect())
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
    Ok(rows
        .iter()
        .filter_map(|r| kit::candle(r.open_time.get(), r.high.get(), r.low.get(), r.close.get()))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::{DateTime, Utc};
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    use super::*;
    use crate::model::SpotQuote;
    use crate::venue::binance::Binance;
    use crate::venue::testkit::{mutate, mutation};
    use crate::venue::{Body, VenueAdapter};

    const FUT_INFO: &str = include_str!("../../../fixtures/binance/fapi-v1-exchangeInfo.json");
    const FUNDING: &str = include_str!("../../../fixtures/binance/fapi-v1-fundingInfo.json");
    const SPOT_INFO: &str = include_str!("../../../fixtures/binance/api-v3-exchangeInfo.json");
    const PREMIUM: &str = include_str!("../../../fixtures/binance/fapi-v1-premiumIndex.json");
    const FUT_TICKER: &str = include_str!("../../../fixtures/binance/fapi-v1-ticker-24hr.json");
    const BOOK: &str = include_str!("../../../fixtures/binance/fapi-v1-ticker-bookTicker.json");
    const SPOT_TICKER: &str = include_str!("../../../fixtures/binance/api-v3-ticker-24hr.json");
    const Q_FUT_INFO: &str =
        include_str!("../../../fixtures/binance/fapi-v1-exchangeInfo.quirks.json");
    const Q_FUNDING: &str =
        include_str!("../../../fixtures/binance/fapi-v1-fundingInfo.quirks.json");
    const Q_SPOT_INFO: &str =
        include_str!("../../../fixtures/binance/api-v3-exchangeInfo.quirks.json");
    const Q_PREMIUM: &str =
        include_str!("../../../fixtures/binance/fapi-v1-premiumIndex.quirks.json");
    const Q_FUT_TICKER: &str =
        include_str!("../../../fixtures/binance/fapi-v1-ticker-24hr.quirks.json");
    const Q_BOOK: &str =
        include_str!("../../../fixtures/binance/fapi-v1-ticker-bookTicker.quirks.json");
    const Q_SPOT_TICKER: &str =
        include_str!("../../../fixtures/binance/api-v3-ticker-24hr.quirks.json");
    const ASSET_INDEX: &str = include_str!("../../../fixtures/binance/fapi-v1-assetIndex.json");
    const Q_ASSET_INDEX: &str =
        include_str!("../../../fixtures/binance/fapi-v1-assetIndex.quirks.json");
    const ERROR: &str = include_str!("../../../fixtures/binance/error.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/binance/error-rate-limit.json");
    const BANNED: &str = include_str!("../../../fixtures/binance/error-ip-banned.json");

    fn dec(s: &str) -> Decimal {
        crate::parse::decimal(s).expect("test decimal")
    }

    fn at(ms: i64) -> DateTime<Utc> {
        ms_time(ms).expect("test time")
    }

    fn received() -> DateTime<Utc> {
        at(1_760_000_001_000)
    }

    fn quirks_reference() -> Reference {
        reference(
            Q_FUT_INFO.as_bytes(),
            Q_FUNDING.as_bytes(),
            Q_SPOT_INFO.as_bytes(),
            None,
        )
        .expect("quirks reference parses")
    }

    fn snapshot(reference: &Reference, p: &str, t: &str, b: &str, s: &str) -> Snapshot {
        let bodies = SnapshotBodies {
            premium_index: p.as_bytes(),
            futures_ticker: t.as_bytes(),
            book_ticker: b.as_bytes(),
            spot_ticker: s.as_bytes(),
        };
        super::snapshot(bodies, reference, received()).expect("snapshot parses")
    }

    fn instrument(r: &Reference, market: Market, symbol: &str) -> Instrument {
        r.instruments
            .iter()
            .find(|i| i.market == market && i.symbol == symbol)
            .cloned()
            .unwrap_or_else(|| panic!("{symbol} missing from the reference"))
    }

    fn symbols(r: &Reference, market: Market) -> Vec<&str> {
        r.instruments
            .iter()
            .filter(|i| i.market == market)
            .map(|i| i.symbol.as_str())
            .collect()
    }

    #[test]
    fn real_reference_fixtures_keep_the_perpetual_with_its_funding_info_interval() {
        let r = reference(
            FUT_INFO.as_bytes(),
            FUNDING.as_bytes(),
            SPOT_INFO.as_bytes(),
            None,
        )
        .expect("parses");
        assert_eq!(
            r.instruments,
            vec![
                Instrument {
                    venue: Venue::Binance,
                    market: Market::Perp,
                    symbol: "BLZUSDT".into(),
                    asset: "BLZ".into(),
                    quote: "USDT".into(),
                    multiplier: Decimal::ONE,
                    contract_size: Decimal::ONE,
                    funding_interval_hours: Some(Decimal::from(4)),
                },
                Instrument {
                    venue: Venue::Binance,
                    market: Market::Spot,
                    symbol: "ETHBTC".into(),
                    asset: "ETH".into(),
                    quote: "BTC".into(),
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
    fn documented_asset_index_gives_one_minus_the_bid_buffer() {
        assert_eq!(
            parse_haircuts(ASSET_INDEX.as_bytes()),
            haircuts(&[("ADA", "0.9")])
        );
        let without = reference(
            FUT_INFO.as_bytes(),
            FUNDING.as_bytes(),
            SPOT_INFO.as_bytes(),
            None,
        )
        .expect("parses");
        let with = reference(
            FUT_INFO.as_bytes(),
            FUNDING.as_bytes(),
            SPOT_INFO.as_bytes(),
            Some(ASSET_INDEX.as_bytes()),
        )
        .expect("parses");
        assert_eq!(with.instruments, without.instruments);
        assert_eq!(with.haircuts, haircuts(&[("ADA", "0.9")]));
        assert!(without.haircuts.is_empty());
    }

    #[test]
    fn quirky_asset_index_keeps_coin_usd_entries_in_range_upper_cased() {
        // BTC: the first entry (the later 0.5 is a duplicate); ETH from `ethusd`; USDC at 1 as
        // published; BNB from JSON numbers; LINK from exponent form. Dropped: SOL (k = 0), DOGE
        // (k = 1.05), XRP (no buffer), BTCUSDT and USD (not `<COIN>USD`), the entry without a
        // symbol.
        assert_eq!(
            parse_haircuts(Q_ASSET_INDEX.as_bytes()),
            haircuts(&[
                ("BTC", "0.95"),
                ("ETH", "0.95"),
                ("USDC", "1"),
                ("BNB", "0.9"),
                ("LINK", "0.85"),
            ])
        );
    }

    #[test]
    fn absent_or_malformed_asset_index_leaves_the_instruments_and_an_empty_table() {
        let baseline = quirks_reference();
        assert!(baseline.haircuts.is_empty(), "no body: no table");
        for body in [
            ERROR,
            RATE_LIMIT,
            "[{\"symbol\":\"BTCUSD\",\"bidBuffer\":\"0.05",
            "{}",
            "",
            "null",
            "[1, 2]",
            "[{\"symbol\":\"BTCUSD\",\"bidBuffer\":[]}]",
            "<html>502 Bad Gateway</html>",
        ] {
            let r = reference(
                Q_FUT_INFO.as_bytes(),
                Q_FUNDING.as_bytes(),
                Q_SPOT_INFO.as_bytes(),
                Some(body.as_bytes()),
            )
            .unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(r.instruments, baseline.instruments, "{body}");
            assert!(r.haircuts.is_empty(), "{body}");
        }
        // An empty list is a valid, empty table.
        assert!(parse_haircuts(b"[]").is_empty());

        // Through the adapter: the reference bodies without the optional assetIndex.
        let reqs = Binance.reference_requests();
        let texts = [Q_FUT_INFO, Q_FUNDING, Q_SPOT_INFO];
        let bodies: Vec<Body<'_>> = reqs
            .iter()
            .zip(texts)
            .map(|(request, text)| Body {
                request,
                bytes: text.as_bytes(),
            })
            .collect();
        assert_eq!(bodies.len(), 3);
        assert_eq!(Binance.parse_reference(&bodies), Ok(baseline));
    }

    #[test]
    fn real_snapshot_fixtures_parse_to_exact_values() {
        let reference = Reference {
            instruments: vec![
                Instrument {
                    venue: Venue::Binance,
                    market: Market::Perp,
                    symbol: "BTCUSDT".into(),
                    asset: "BTC".into(),
                    quote: "USDT".into(),
                    multiplier: Decimal::ONE,
                    contract_size: Decimal::ONE,
                    funding_interval_hours: Some(Decimal::from(8)),
                },
                Instrument {
                    venue: Venue::Binance,
                    market: Market::Spot,
                    symbol: "BNBBTC".into(),
                    asset: "BNB".into(),
                    quote: "BTC".into(),
                    multiplier: Decimal::ONE,
                    contract_size: Decimal::ONE,
                    funding_interval_hours: None,
                },
            ],
            ..Reference::default()
        };
        let s = snapshot(&reference, PREMIUM, FUT_TICKER, BOOK, SPOT_TICKER);
        assert_eq!(s.venue, Venue::Binance);
        assert_eq!(s.received_at, received());
        assert_eq!(
            s.perps,
            vec![PerpQuote {
                venue: Venue::Binance,
                symbol: "BTCUSDT".into(),
                asset: "BTC".into(),
                quote: "USDT".into(),
                multiplier: Decimal::ONE,
                funding_rate: dec("0.00038246"),
                funding_interval_hours: Decimal::from(8),
                next_funding_time: Some(at(1_597_392_000_000)),
                mark_price: Some(dec("11793.63104562")),
                index_price: Some(dec("11781.80495970")),
                bid: Some(dec("4.00000000")),
                ask: Some(dec("4.00000200")),
                high_24h: Some(dec("100")),
                low_24h: Some(dec("0.1")),
                // `quoteVolume`, not the base `volume` 8913.3.
                volume_24h_quote: Some(dec("15.3")),
                open_interest: None,
                exchange_time: Some(at(1_597_370_495_002)),
                received_at: received(),
            }]
        );
        assert_eq!(
            s.spots,
            vec![SpotQuote {
                venue: Venue::Binance,
                symbol: "BNBBTC".into(),
                asset: "BNB".into(),
                quote: "BTC".into(),
                bid: Some(dec("4")),
                ask: Some(dec("4.000002")),
                high_24h: Some(dec("100")),
                low_24h: Some(dec("0.1")),
                volume_24h_quote: Some(dec("15.3")),
                exchange_time: Some(at(1_499_869_899_040)),
                received_at: received(),
            }]
        );
    }

    #[test]
    fn reference_keeps_trading_linear_perpetuals_and_trading_spot_only() {
        let r = quirks_reference();
        assert_eq!(
            symbols(&r, Market::Perp),
            [
                "BTCUSDT",
                "BTCUSDC",
                "1000PEPEUSDT",
                "1000000MOGUSDT",
                "1INCHUSDT",
                "AXSUSDT"
            ]
        );
        assert_eq!(
            symbols(&r, Market::Spot),
            ["BTCUSDT", "BTCUSDC", "PEPEUSDT", "1000SATSUSDT", "ETHBTC"]
        );
    }

    #[test]
    fn reference_maps_multipliers_quotes_and_the_eight_hour_default() {
        let r = quirks_reference();
        // (symbol, asset, quote, multiplier, interval hours)
        let cases = [
            ("BTCUSDT", "BTC", "USDT", 1, 8), // absent from fundingInfo: 8 h; duplicate (XBT) ignored
            ("BTCUSDC", "BTC", "USDC", 1, 8), // listed with 8
            ("1000PEPEUSDT", "PEPE", "USDT", 1000, 4), // first entry wins over the later 2 h
            ("1000000MOGUSDT", "MOG", "USDT", 1_000_000, 1), // interval sent as "1"
            ("1INCHUSDT", "1INCH", "USDT", 1, 8), // null interval
            ("AXSUSDT", "AXS", "USDT", 1, 8), // invalid 0
        ];
        for (symbol, asset, quote, multiplier, hours) in cases {
            let i = instrument(&r, Market::Perp, symbol);
            assert_eq!(i.asset, asset, "{symbol}");
            assert_eq!(i.quote, quote, "{symbol}");
            assert_eq!(i.multiplier, Decimal::from(multiplier), "{symbol}");
            assert_eq!(i.contract_size, Decimal::ONE, "{symbol}");
            assert_eq!(
                i.funding_interval_hours,
                Some(Decimal::from(hours)),
                "{symbol}"
            );
        }
        let sats = instrument(&r, Market::Spot, "1000SATSUSDT");
        assert_eq!(
            (sats.asset.as_str(), sats.multiplier),
            ("1000SATS", Decimal::ONE)
        );
        let usdc = instrument(&r, Market::Spot, "BTCUSDC");
        assert_eq!((usdc.asset.as_str(), usdc.quote.as_str()), ("BTC", "USDC"));
    }

    #[test]
    fn snapshot_joins_the_four_lists_with_quirks() {
        let r = quirks_reference();
        let s = snapshot(&r, Q_PREMIUM, Q_FUT_TICKER, Q_BOOK, Q_SPOT_TICKER);
        let perp_symbols: Vec<&str> = s.perps.iter().map(|p| p.symbol.as_str()).collect();
        // 1INCHUSDT has no rate; dated, settling and unknown symbols are not in the reference.
        assert_eq!(
            perp_symbols,
            [
                "BTCUSDT",
                "BTCUSDC",
                "1000PEPEUSDT",
                "1000000MOGUSDT",
                "AXSUSDT"
            ]
        );
        let perp = |sym: &str| {
            s.perps
                .iter()
                .find(|p| p.symbol == sym)
                .unwrap_or_else(|| panic!("{sym}"))
        };

        let btc = perp("BTCUSDT");
        assert_eq!(btc.funding_rate, dec("0.0001")); // not the duplicate's 0.0999
        assert_eq!(btc.funding_interval_hours, Decimal::from(8));
        assert_eq!(btc.next_funding_time, Some(at(1_760_025_600_000)));
        assert_eq!(btc.mark_price, Some(dec("97012.34")));
        assert_eq!(btc.index_price, Some(dec("97050.12345652")));
        assert_eq!(
            (btc.bid, btc.ask),
            (Some(dec("97012.3")), Some(dec("97012.4")))
        );
        assert_eq!(
            (btc.high_24h, btc.low_24h),
            (Some(dec("97500")), Some(dec("95100.1")))
        );
        assert_eq!(btc.volume_24h_quote, Some(dec("14551234567.89")));
        assert_eq!(btc.open_interest, None);
        assert_eq!(btc.exchange_time, Some(at(1_760_000_000_123)));

        let usdc = perp("BTCUSDC");
        assert_eq!(usdc.quote, "USDC");
        assert_eq!(usdc.funding_rate, dec("-0.0000231"));
        assert_eq!(usdc.mark_price, Some(dec("97001.5"))); // a JSON number
        assert_eq!(usdc.index_price, Some(dec("97049.91234")));
        assert_eq!(usdc.next_funding_time, Some(at(1_760_025_600_000))); // a string
        assert_eq!((usdc.bid, usdc.ask), (None, Some(dec("97010"))));
        assert_eq!(usdc.volume_24h_quote, None);

        let pepe = perp("1000PEPEUSDT");
        assert_eq!(
            (pepe.asset.as_str(), pepe.multiplier),
            ("PEPE", Decimal::from(1000))
        );
        assert_eq!(pepe.funding_rate, dec("0.0005"));
        assert_eq!(pepe.funding_interval_hours, Decimal::from(4));
        // As quoted, per 1000 PEPE: not divided here.
        assert_eq!(
            (pepe.bid, pepe.ask),
            (Some(dec("0.019009")), Some(dec("0.01901")))
        );
        assert_eq!(pepe.unit_price(dec("0.019009")), dec("0.000019009"));
        assert_eq!(pepe.volume_24h_quote, Some(dec("981234567.1234")));

        let mog = perp("1000000MOGUSDT");
        assert_eq!(mog.funding_rate, dec("-0.000052")); // exponent form
        assert_eq!(mog.funding_interval_hours, Decimal::ONE);
        assert_eq!(mog.multiplier, Decimal::from(1_000_000));

        let axs = perp("AXSUSDT");
        assert_eq!((axs.mark_price, axs.index_price), (None, None));
        assert_eq!(axs.next_funding_time, None); // 0
        assert_eq!((axs.bid, axs.ask, axs.high_24h), (None, None, None));
        assert_eq!(axs.low_24h, Some(dec("5.1")));
        assert_eq!(axs.volume_24h_quote, Some(dec("5200000")));
        // No `time` in premiumIndex and no book entry: the ticker's closeTime.
        assert_eq!(axs.exchange_time, Some(at(1_760_000_040_127)));
    }

    #[test]
    fn snapshot_spots_take_the_first_entry_and_keep_empty_fields_absent() {
        let r = quirks_reference();
        let s = snapshot(&r, Q_PREMIUM, Q_FUT_TICKER, Q_BOOK, Q_SPOT_TICKER);
        let spot_symbols: Vec<&str> = s.spots.iter().map(|q| q.symbol.as_str()).collect();
        assert_eq!(
            spot_symbols,
            ["BTCUSDT", "BTCUSDC", "PEPEUSDT", "1000SATSUSDT", "ETHBTC"]
        );
        let spot = |sym: &str| {
            s.spots
                .iter()
                .find(|q| q.symbol == sym)
                .unwrap_or_else(|| panic!("{sym}"))
        };
        let btc = spot("BTCUSDT");
        assert_eq!(
            (btc.bid, btc.ask),
            (Some(dec("97029.99")), Some(dec("97030")))
        );
        assert_eq!(btc.volume_24h_quote, Some(dec("1942345678.12345678")));
        assert_eq!(btc.exchange_time, Some(at(1_760_000_040_300)));
        let usdc = spot("BTCUSDC");
        assert_eq!(
            (usdc.quote.as_str(), usdc.bid),
            ("USDC", Some(Decimal::ZERO))
        );
        assert_eq!(usdc.mid(), None);
        let pepe = spot("PEPEUSDT");
        assert_eq!(
            (pepe.asset.as_str(), pepe.bid),
            ("PEPE", Some(dec("0.00001899")))
        );
        assert_eq!(spot("1000SATSUSDT").asset, "1000SATS");
        let ethbtc = spot("ETHBTC");
        assert_eq!(
            (ethbtc.high_24h, ethbtc.low_24h, ethbtc.volume_24h_quote),
            (None, None, None)
        );
        assert_eq!(ethbtc.bid, Some(dec("0.03499")));
    }

    #[test]
    fn check_body_maps_error_envelopes_and_rate_limits() {
        let b = Binance;
        assert_eq!(
            b.check_body(400, ERROR.as_bytes()),
            BodySignal::Api {
                code: "-1121".into(),
                msg: "Invalid symbol.".into()
            }
        );
        assert_eq!(
            b.check_body(429, RATE_LIMIT.as_bytes()),
            BodySignal::RateLimited
        );
        assert_eq!(
            b.check_body(200, RATE_LIMIT.as_bytes()),
            BodySignal::RateLimited
        );
        assert_eq!(
            b.check_body(418, BANNED.as_bytes()),
            BodySignal::RateLimited
        );
        assert_eq!(
            b.check_body(200, br#"{"code":-1015,"msg":"Too many new orders."}"#),
            BodySignal::RateLimited
        );
        for ok in [
            PREMIUM.as_bytes(),
            FUT_INFO.as_bytes(),
            br#"{"code":200,"msg":"success"}"#,
            b"<html><body>403 Forbidden</body></html>",
            b"",
            b"{\"code\":-11",
        ] {
            assert_eq!(b.check_body(200, ok), BodySignal::Ok);
        }
    }

    #[test]
    fn malformed_or_error_bodies_are_parse_errors_naming_the_endpoint() {
        let r = quirks_reference();
        let bodies = |p: &'static str| SnapshotBodies {
            premium_index: p.as_bytes(),
            futures_ticker: Q_FUT_TICKER.as_bytes(),
            book_ticker: Q_BOOK.as_bytes(),
            spot_ticker: Q_SPOT_TICKER.as_bytes(),
        };
        let err = super::snapshot(bodies(ERROR), &r, received()).expect_err("an error envelope");
        assert_eq!(err.endpoint, "fapi/v1/premiumIndex");
        assert_eq!(err.detail, "API error -1121: Invalid symbol.");
        let err = super::snapshot(bodies("[{\"symbol\":\"BTC"), &r, received()).expect_err("cut");
        assert_eq!(err.endpoint, "fapi/v1/premiumIndex");
        assert!(err.detail.starts_with("malformed JSON"), "{}", err.detail);

        let err = reference(
            b"{\"timezone\":\"UTC\"}",
            FUNDING.as_bytes(),
            SPOT_INFO.as_bytes(),
            Some(ASSET_INDEX.as_bytes()),
        )
        .expect_err("no symbols");
        assert_eq!(err.endpoint, "fapi/v1/exchangeInfo");
        let err = reference(FUT_INFO.as_bytes(), b"{}", SPOT_INFO.as_bytes(), None)
            .expect_err("fundingInfo is an array");
        assert_eq!(err.endpoint, "fapi/v1/fundingInfo");
        let err = reference(
            FUT_INFO.as_bytes(),
            FUNDING.as_bytes(),
            RATE_LIMIT.as_bytes(),
            None,
        )
        .expect_err("rate limited");
        assert_eq!(err.endpoint, "api/v3/exchangeInfo");
        assert!(err.detail.contains("-1003"), "{}", err.detail);

        // Through the adapter: a missing body names its endpoint too.
        let reqs = Binance.snapshot_requests(false);
        let only_first = [Body {
            request: &reqs[0],
            bytes: Q_PREMIUM.as_bytes(),
        }];
        let err = Binance
            .parse_snapshot(&only_first, &r, received())
            .expect_err("missing bodies");
        assert_eq!(err.endpoint, "fapi/v1/ticker/24hr");
    }

    proptest! {
        #[test]
        fn mutated_payloads_never_panic(slot in 0usize..8, quirks in any::<bool>(), m in mutation()) {
            let pick = |real: &'static str, quirk: &'static str| if quirks { quirk } else { real };
            let mut texts: Vec<Vec<u8>> = [
                pick(FUT_INFO, Q_FUT_INFO),
                pick(FUNDING, Q_FUNDING),
                pick(SPOT_INFO, Q_SPOT_INFO),
                pick(PREMIUM, Q_PREMIUM),
                pick(FUT_TICKER, Q_FUT_TICKER),
                pick(BOOK, Q_BOOK),
                pick(SPOT_TICKER, Q_SPOT_TICKER),
                pick(ASSET_INDEX, Q_ASSET_INDEX),
            ]
            .iter()
            .map(|t| t.as_bytes().to_vec())
            .collect();
            let original = String::from_utf8(texts[slot].clone()).expect("fixtures are UTF-8");
            texts[slot] = mutate(&original, &m);
            let _ = envelope_signal(&texts[slot]);

            let result = reference(&texts[0], &texts[1], &texts[2], Some(&texts[7]));
            if slot == 7 {
                // A damaged collateral table never fails the reference nor changes its
                // instruments.
                let r = result.as_ref().expect("the asset index is optional");
                let clean = reference(&texts[0], &texts[1], &texts[2], None)
                    .expect("untouched instrument fixtures");
                prop_assert_eq!(&r.instruments, &clean.instruments);
            }
            if let Ok(r) = &result {
                for (coin, k) in &r.haircuts {
                    prop_assert!(!coin.is_empty() && *coin == coin.to_ascii_uppercase(), "{}", coin);
                    prop_assert!(*k > Decimal::ZERO && *k <= Decimal::ONE, "{} {}", coin, k);
                }
            }
            if let Ok(r) = result {
                let mut seen = HashSet::new();
                for i in &r.instruments {
                    prop_assert!(seen.insert((i.market, i.symbol.clone())), "duplicate {}", i.symbol);
                    prop_assert!(!i.symbol.is_empty() && !i.asset.is_empty() && !i.quote.is_empty());
                    if i.market == Market::Perp {
                        prop_assert!(i.funding_interval_hours.is_some_and(|h| h > Decimal::ZERO));
                    }
                }
            }
            let reference = quirks_reference();
            let bodies = SnapshotBodies {
                premium_index: &texts[3],
                futures_ticker: &texts[4],
                book_ticker: &texts[5],
                spot_ticker: &texts[6],
            };
            if let Ok(s) = super::snapshot(bodies, &reference, received()) {
                let perps = reference.index(Market::Perp);
                let mut seen = HashSet::new();
                for p in &s.perps {
                    prop_assert!(perps.contains_key(p.symbol.as_str()), "{} not in the reference", p.symbol);
                    prop_assert!(seen.insert(p.symbol.clone()), "duplicate {}", p.symbol);
                }
                let spots = reference.index(Market::Spot);
                for q in &s.spots {
                    prop_assert!(spots.contains_key(q.symbol.as_str()), "{} not in the reference", q.symbol);
                }
            }
        }
    }
}

#[cfg(test)]
mod history_tests {
    use super::*;
    use crate::venue::testkit::dec;

    const HISTORY: &str = include_str!("../../../fixtures/binance/fapi-v1-fundingRate.json");
    const ERROR: &str = include_str!("../../../fixtures/binance/error.json");

    #[test]
    fn parses_the_documented_funding_history() {
        let points = funding_history(HISTORY.as_bytes()).expect("parses");
        assert_eq!(
            points,
            vec![
                HistoryPoint {
                    time_ms: 1_570_608_000_000,
                    rate: dec("-0.03750000"),
                },
                HistoryPoint {
                    time_ms: 1_570_636_800_000,
                    rate: dec("0.00010000"),
                },
            ]
        );
    }

    #[test]
    fn history_accepts_any_order_numbers_and_skips_broken_rows() {
        let body = br#"[
            {"symbol":"X","fundingRate":1e-4,"fundingTime":"1700000000000"},
            {"symbol":"X","fundingRate":"","fundingTime":1699971200000},
            {"symbol":"X","fundingRate":"-0.0002","fundingTime":1699942400000,"markPrice":"1"},
            {"symbol":"X","fundingRate":"0.0003"}
        ]"#;
        let points = funding_history(body).expect("parses");
        assert_eq!(
            points,
            vec![
                HistoryPoint {
                    time_ms: 1_700_000_000_000,
                    rate: dec("0.0001"),
                },
                HistoryPoint {
                    time_ms: 1_699_942_400_000,
                    rate: dec("-0.0002"),
                },
            ]
        );
        assert_eq!(funding_history(b"[]"), Ok(Vec::new()));
    }

    #[test]
    fn history_errors_name_the_endpoint() {
        let err = funding_history(ERROR.as_bytes()).expect_err("error envelope");
        assert_eq!(err.endpoint, "fapi/v1/fundingRate");
        assert!(err.detail.contains("-1121"), "{err}");
        let err = funding_history(b"[{").expect_err("truncated");
        assert_eq!(err.endpoint, "fapi/v1/fundingRate");
    }
}

#[cfg(test)]
mod candle_tests {
    use proptest::prelude::*;

    use super::*;
    use crate::venue::binance::Binance;
    use crate::venue::testkit::{candle, mutate, mutation};
    use crate::venue::{Bar, VenueAdapter};

    const SPOT: &str = include_str!("../../../fixtures/binance/api-v3-klines.json");
    const FAPI: &str = include_str!("../../../fixtures/binance/fapi-v1-klines.json");
    const Q_FAPI: &str = include_str!("../../../fixtures/binance/fapi-v1-klines.quirks.json");
    const HISTORY: &str = include_str!("../../../fixtures/binance/fapi-v1-fundingRate.json");
    const ERROR: &str = include_str!("../../../fixtures/binance/error.json");

    #[test]
    fn documented_klines_parse_for_both_markets() {
        let expected = vec![candle(
            1_499_040_000_000,
            "0.80000000",
            "0.01575800",
            "0.01577100",
        )];
        assert_eq!(candles(Market::Spot, SPOT.as_bytes()), Ok(expected.clone()));
        assert_eq!(candles(Market::Perp, FAPI.as_bytes()), Ok(expected.clone()));
        assert_eq!(
            Binance.parse_candles(Market::Perp, Bar::Day, FAPI.as_bytes()),
            Ok(expected)
        );
    }

    #[test]
    fn klines_accept_numbers_exponents_string_times_and_skip_broken_rows() {
        let got = candles(Market::Perp, Q_FAPI.as_bytes()).expect("parses");
        assert_eq!(
            got,
            vec![
                candle(1_759_993_200_000, "0.0190100", "0.0189000", "0.019"),
                candle(1_759_996_800_000, "0.0191230", "0.0189100", "0.0190870"),
                candle(1_759_986_000_000, "0.0188800", "0.0187200", "0.0188100"),
                candle(1_759_989_600_000, "0.019", "0.0188", "0.01895"),
            ]
        );
        assert_eq!(candles(Market::Spot, b"[]"), Ok(Vec::new()));
    }

    #[test]
    fn kline_errors_name_the_endpoint_of_the_market() {
        for (market, endpoint) in [
            (Market::Spot, "api/v3/klines"),
            (Market::Perp, "fapi/v1/klines"),
        ] {
            let err = candles(market, ERROR.as_bytes()).expect_err("error envelope");
            assert_eq!(err.endpoint, endpoint);
            assert_eq!(err.detail, "API error -1121: Invalid symbol.");
            for broken in [
                &b"[[1499040000000,\"1\""[..],
                b"[{\"t\":1}]",
                b"{}",
                b"[[[1]]]",
            ] {
                let err = candles(market, broken).expect_err("malformed");
                assert_eq!(err.endpoint, endpoint);
                assert!(err.detail.starts_with("malformed JSON"), "{}", err.detail);
            }
        }
    }

    proptest! {
        #[test]
        fn mutated_history_payloads_never_panic(slot in 0usize..4, m in mutation()) {
            let text = [SPOT, FAPI, Q_FAPI, HISTORY][slot];
            let bytes = mutate(text, &m);
            for market in [Market::Spot, Market::Perp] {
                if let Ok(candles) = candles(market, &bytes) {
                    prop_assert!(candles.len() <= bytes.len());
                }
            }
            let _ = funding_history(&bytes);
        }
    }
}
