//! Kraken Futures payloads to domain types (pure): envelope check, instrument filter, snapshot assembly.
//!
//! Rules (see `exchange-apis/README.md`, Kraken Futures section):
//! - Perps: `type` `flexible_futures` with a `PF_` symbol (multi-collateral linear perpetual),
//!   `tradeable` true, not `postOnly`, no `lastTradingTime`. Inverse `PI_`/`FI_`, fixed-maturity
//!   `FF_` contracts and index entries are dropped. In the tickers, a `suspended` or `postOnly`
//!   market, or a `tag` other than `perpetual`, is left out of the snapshot.
//! - Asset and quote come from `base`/`quote`, else `pair` (`ETH:USD`), else the symbol
//!   (`PF_XBTUSD`); `XBT` is BTC and `XDG` is DOGE; a multiplied base (`1000PEPE`) is split by
//!   [`split_multiplier`]. `contract_size` is `contractSize` (1 when absent).
//! - Funding is hourly and `fundingRate` is absolute (quote currency per contract): the relative
//!   rate is `fundingRate / markPrice` with a 1 h interval (DESIGN.md); a perp without both, or
//!   with a zero mark, is left out. Next funding is the top of the hour after `serverTime`
//!   (the received time when the envelope has none).
//! - Volume: `volumeQuote`, else `vol24h` contracts × `contractSize` × `last` (else
//!   `markPrice`). Open interest: `openInterest` contracts × `contractSize` × multiplier.
//! - Exchange time: the envelope's `serverTime` (`lastTime` is the last trade, not the data).
//! - Duplicates: the first row of a symbol wins, in the instrument list and the tickers.
//! - Kraken Futures lists no spot markets: snapshots hold perps only.
//! - History: `historicalfundingrates` gives `relativeFundingRate` per hour (the snapshot's
//!   fraction per hour); charts candles are last-trade prices per contract, times in ms.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;

use super::wire::{
    KrakenCandles, KrakenFundingRates, KrakenInstrument, KrakenInstruments, KrakenStatus,
    KrakenText, KrakenTicker, KrakenTickers,
};
use super::{
    CANDLES, FUNDING_INTERVAL_HOURS, HISTORICAL_FUNDING_RATES, INSTRUMENTS, RATE_LIMIT_ERROR,
    TICKERS,
};
use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, Venue};
use crate::parse::split_multiplier;
use crate::venue::kit::{self, Book, Funding};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

/// Prefix of multi-collateral linear perpetuals.
const PERPETUAL_PREFIX: &str = "PF_";

/// Quote suffixes recognised in a symbol without `base`/`quote`/`pair`, longest first.
const SYMBOL_QUOTES: [&str; 5] = ["USDT", "USDC", "USD", "EUR", "GBP"];

const SECS_PER_HOUR: i64 = 3_600;

/// What the envelope of a response says. HTTP 429, or `"error": "apiLimitExceeded"` with any
/// status, is a rate limit; another `result: error` is an API error (its error string as code,
/// the text before a `:` when it has one); anything else says nothing.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    if status == 429 {
        return BodySignal::RateLimited;
    }
    let Ok(env) = serde_json::from_slice::<KrakenStatus<'_>>(body) else {
        return BodySignal::Ok;
    };
    let error = env.error.as_str();
    if error == RATE_LIMIT_ERROR {
        return BodySignal::RateLimited;
    }
    if error.is_empty() && env.result.as_str() != "error" {
        return BodySignal::Ok;
    }
    let code = error.split(':').next().unwrap_or(error).trim();
    BodySignal::Api {
        code: if code.is_empty() { "error" } else { code }.to_owned(),
        msg: error.to_owned(),
    }
}

/// The `ParseError` of an envelope reporting `result: error` (or an `error` string).
fn envelope_error(
    endpoint: &'static str,
    result: &KrakenText<'_>,
    error: &KrakenText<'_>,
) -> Option<ParseError> {
    (result.as_str() == "error" || error.get().is_some()).then(|| {
        ParseError::new(
            endpoint,
            format!("API error: {}", error.get().unwrap_or("result: error")),
        )
    })
}

/// The instrument rows of every instruments body (at least one).
fn instrument_rows<'a>(bodies: &'a [Body<'a>]) -> Result<Vec<KrakenInstrument<'a>>, ParseError> {
    let name = INSTRUMENTS.name;
    kit::rows_of(bodies, name, true, |bytes| {
        let env: KrakenInstruments<'_> = kit::decode(name, bytes)?;
        if let Some(err) = envelope_error(name, &env.result, &env.error) {
            return Err(err);
        }
        env.instruments.ok_or_else(|| {
            ParseError::new(
                name,
                "not a Kraken Futures envelope: no `instruments` array",
            )
        })
    })
}

/// A ticker with the `serverTime` of the body it came from.
type TimedTicker<'a> = (KrakenTicker<'a>, Option<DateTime<Utc>>);

/// The ticker rows of every tickers body (at least one), each with its body's `serverTime`.
fn ticker_rows<'a>(bodies: &'a [Body<'a>]) -> Result<Vec<TimedTicker<'a>>, ParseError> {
    let name = TICKERS.name;
    kit::rows_of(bodies, name, true, |bytes| {
        let env: KrakenTickers<'_> = kit::decode(name, bytes)?;
        if let Some(err) = envelope_error(name, &env.result, &env.error) {
            return Err(err);
        }
        let server_time = env.server_time.get().and_then(iso_time);
        let tickers = env.tickers.ok_or_else(|| {
            ParseError::new(name, "not a Kraken Futures envelope: no `tickers` array")
        })?;
        Ok(tickers.into_iter().map(|t| (t, server_time)).collect())
    })
}

/// An ISO-8601 / RFC 3339 time (`2025-11-17T00:34:37.524Z`) in UTC.
fn iso_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The top of the hour strictly after `t` (hourly funding settles on the hour).
fn next_hour(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let next = t
        .timestamp()
        .div_euclid(SECS_PER_HOUR)
        .checked_add(1)?
        .checked_mul(SECS_PER_HOUR)?;
    Utc.timestamp_opt(next, 0).single()
}

/// Kraken's own coin codes → the spot coin (`XBT` → `BTC`, `XDG` → `DOGE`).
fn coin(code: &str) -> &str {
    match code {
        "XBT" => "BTC",
        "XDG" => "DOGE",
        other => other,
    }
}

/// (base, quote) from `base`/`quote`, else `pair` (`ETH:USD`), else the symbol (`PF_XBTUSD`).
fn base_quote<'r>(row: &'r KrakenInstrument<'_>, symbol: &'r str) -> Option<(&'r str, &'r str)> {
    let pair = row
        .pair
        .get()
        .and_then(|p| p.split_once(':'))
        .filter(|(b, q)| !b.is_empty() && !q.is_empty());
    let from_symbol = || {
        let stem = symbol.strip_prefix(PERPETUAL_PREFIX)?;
        SYMBOL_QUOTES.iter().find_map(|q| {
            stem.strip_suffix(q)
                .filter(|b| !b.is_empty())
                .map(|b| (b, *q))
        })
    };
    let base = row
        .base
        .get()
        .or(pair.map(|(b, _)| b))
        .or_else(|| from_symbol().map(|(b, _)| b))?;
    let quote = row
        .quote
        .get()
        .or(pair.map(|(_, q)| q))
        .or_else(|| from_symbol().map(|(_, q)| q))?;
    Some((base, quote))
}

/// A trading `PF_` linear perpetual, or `None` for anything else.
fn perp_instrument(row: &KrakenInstrument<'_>) -> Option<Instrument> {
    let symbol = row.symbol.get()?;
    let tradable = symbol.starts_with(PERPETUAL_PREFIX)
        && row.kind.as_str() == "flexible_futures"
        && row.tradeable.is_true()
        && !row.post_only.is_true()
        && row.last_trading_time.get().is_none();
    if !tradable {
        return None;
    }
    let (base, quote) = base_quote(row, symbol)?;
    let (asset, multiplier) = split_multiplier(base);
    let contract_size = row
        .contract_size
        .get()
        .filter(|c| *c > Decimal::ZERO)
        .map_or(Decimal::ONE, |c| c.normalize());
    Some(Instrument {
        venue: Venue::Kraken,
        market: Market::Perp,
        symbol: symbol.to_owned(),
        asset: coin(&asset).to_owned(),
        quote: coin(quote).to_owned(),
        multiplier,
        contract_size,
        funding_interval_hours: None,
    })
}

/// Parses the instrument list into trading `PF_` linear perpetuals.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let rows = instrument_rows(bodies)?;
    let mut instruments = Vec::with_capacity(rows.len());
    let mut seen: HashSet<String> = HashSet::new();
    for inst in rows.iter().filter_map(perp_instrument) {
        if seen.insert(inst.symbol.clone()) {
            instruments.push(inst);
        } else {
            tracing::debug!(venue = "kraken", symbol = %inst.symbol, "duplicate instrument row ignored");
        }
    }
    Ok(Reference {
        instruments,
        ..Reference::default()
    })
}

/// 24 h quote volume: `volumeQuote`, else contracts × contract size × last (else mark).
fn quote_volume(t: &KrakenTicker<'_>, inst: &Instrument) -> Option<Decimal> {
    if let Some(v) = t.volume_quote.get() {
        return Some(v);
    }
    let price = t.last.get().or(t.mark_price.get())?;
    t.vol_24h
        .get()?
        .checked_mul(inst.contract_size)?
        .checked_mul(price)
        .map(|v| v.normalize())
}

/// Open interest in coins of the asset: contracts × contract size × multiplier.
fn open_interest_coins(t: &KrakenTicker<'_>, inst: &Instrument) -> Option<Decimal> {
    t.open_interest
        .get()?
        .checked_mul(inst.contract_size)?
        .checked_mul(inst.multiplier)
        .map(|v| v.normalize())
}

/// Parses one poll's tickers. A perp needs a tradable ticker with a funding rate and a positive
/// mark price. Instruments absent from `reference` are dropped.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let rows = ticker_rows(bodies)?;
    let mut tickers: HashMap<String, &TimedTicker<'_>> = HashMap::with_capacity(rows.len());
    for entry in &rows {
        if let Some(symbol) = entry.0.symbol.get() {
            tickers.entry(symbol.to_ascii_uppercase()).or_insert(entry);
        }
    }
    let interval = Decimal::from(FUNDING_INTERVAL_HOURS);

    let mut perps = Vec::new();
    for inst in &reference.instruments {
        if inst.market != Market::Perp {
            continue;
        }
        let Some((t, server_time)) = tickers.get(&inst.symbol.to_ascii_uppercase()) else {
            continue;
        };
        let tradable = !t.suspended.is_true()
            && !t.post_only.is_true()
            && matches!(t.tag.as_str(), "" | "perpetual");
        if !tradable {
            continue;
        }
        let mark = t.mark_price.get().filter(|m| *m > Decimal::ZERO);
        let Some(rate) = t
            .funding_rate
            .get()
            .zip(mark)
            .and_then(|(absolute, mark)| absolute.checked_div(mark))
        else {
            continue;
        };
        let funding = Funding {
            rate: rate.normalize(),
            interval_hours: interval,
            next: next_hour(server_time.unwrap_or(received_at)),
        };
        let book = Book {
            bid: t.bid.get(),
            ask: t.ask.get(),
            high_24h: t.high_24h.get(),
            low_24h: t.low_24h.get(),
            volume_24h_quote: quote_volume(t, inst),
            exchange_time: *server_time,
        };
        perps.push(PerpQuote {
            mark_price: mark,
            index_price: t.index_price.get(),
            open_interest: open_interest_coins(t, inst),
            ..kit::perp_quote(inst, funding, book, received_at)
        });
    }
    Ok(Snapshot {
        venue: Venue::Kraken,
        received_at,
        perps,
        spots: Vec::new(),
    })
}

/// Settled funding from `historicalfundingrates` (the whole history, any order): one point per
/// hourly `timestamp` with `relativeFundingRate`, the fraction of the price paid for the hour.
/// The snapshot's rate is the ticker's absolute `fundingRate / markPrice` over 1 h, the same
/// fraction per hour; the history's absolute `fundingRate` is not used (it would need the price
/// at each settlement). Rows without a time or a relative rate are skipped.
///
/// # Errors
/// A malformed body or an error envelope.
pub(super) fn funding_history(body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let env: KrakenFundingRates<'_> = kit::decode(HISTORICAL_FUNDING_RATES.name, body)?;
    if let Some(err) = envelope_error(HISTORICAL_FUNDING_RATES.name, &env.result, &env.error) {
        return Err(err);
    }
    let rates = env.rates.ok_or_else(|| {
        ParseError::new(
            HISTORICAL_FUNDING_RATES.name,
            "not a Kraken Futures envelope: no `rates` array",
        )
    })?;
    Ok(rates
        .iter()
        .filter_map(|r| {
            let time = r.timestamp.get().and_then(iso_time);
            kit::point(
                time.map(|t| t.timestamp_millis()),
                r.relative_funding_rate.get(),
            )
        })
        .collect())
}

/// Candles from the charts API (`trade` ticks: last-trade prices), in the contract's quoting
/// (per `1000PEPE` for a multiplied perp). Rows without a time or a price are skipped; the
/// running candle is not flagged.
///
/// # Errors
/// A malformed body or an error envelope.
pub(super) fn candles(body: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let doc: KrakenCandles<'_> = kit::decode(CANDLES.name, body)?;
    if let Some(err) = envelope_error(CANDLES.name, &doc.result, &doc.error) {
        return Err(err);
    }
    let rows = doc
        .candles
        .ok_or_else(|| ParseError::new(CANDLES.name, "no `candles` array in the answer"))?;
    Ok(rows
        .iter()
        .filter_map(|c| kit::candle(c.time.get(), c.high.get(), c.low.get(), c.close.get()))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use proptest::prelude::*;

    use super::*;
    use crate::venue::kraken::Kraken;
    use crate::venue::testkit::{candle, mutate, mutation, point};
    use crate::venue::{Bar, Request, VenueAdapter};

    const INSTRUMENTS_J: &str = include_str!("../../../fixtures/kraken/instruments.json");
    const INSTRUMENTS_Q: &str = include_str!("../../../fixtures/kraken/instruments-quirks.json");
    const TICKERS_J: &str = include_str!("../../../fixtures/kraken/tickers.json");
    const TICKERS_Q: &str = include_str!("../../../fixtures/kraken/tickers-quirks.json");
    const API_LIMIT: &str = include_str!("../../../fixtures/kraken/error-api-limit.json");
    const UNAVAILABLE: &str =
        include_str!("../../../fixtures/kraken/error-market-unavailable.json");
    const FUNDING: &str = include_str!("../../../fixtures/kraken/historicalfundingrates.json");
    const FUNDING_Q: &str =
        include_str!("../../../fixtures/kraken/historicalfundingrates-quirks.json");
    const CHART: &str = include_str!("../../../fixtures/kraken/charts-candles.json");
    const CHART_Q: &str = include_str!("../../../fixtures/kraken/charts-candles-quirks.json");

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    fn at(text: &str) -> Option<DateTime<Utc>> {
        iso_time(text)
    }

    fn received() -> DateTime<Utc> {
        at("2025-11-17T00:34:38.100Z").expect("time")
    }

    fn request(endpoint: &'static str) -> Request {
        Kraken
            .reference_requests()
            .into_iter()
            .chain(Kraken.snapshot_requests(true))
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

    fn reference_of(texts: &[&str]) -> Result<Reference, ParseError> {
        let parts: Vec<(&'static str, &[u8])> = texts
            .iter()
            .map(|b| (INSTRUMENTS.name, b.as_bytes()))
            .collect();
        with_bodies(&parts, reference)
    }

    fn snapshot_of(texts: &[&str], reference: &Reference) -> Result<Snapshot, ParseError> {
        let parts: Vec<(&'static str, &[u8])> =
            texts.iter().map(|b| (TICKERS.name, b.as_bytes())).collect();
        with_bodies(&parts, |b| snapshot(b, reference, received()))
    }

    fn perp(symbol: &str, asset: &str, multiplier: &str, contract_size: &str) -> Instrument {
        Instrument {
            venue: Venue::Kraken,
            market: Market::Perp,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: "USD".into(),
            multiplier: d(multiplier),
            contract_size: d(contract_size),
            funding_interval_hours: None,
        }
    }

    fn all_references() -> Reference {
        reference_of(&[INSTRUMENTS_J, INSTRUMENTS_Q]).expect("reference fixtures parse")
    }

    #[test]
    fn documented_instruments_keep_the_linear_perpetual_only() {
        let r = reference_of(&[INSTRUMENTS_J]).expect("parses");
        assert_eq!(
            r.instruments,
            vec![perp("PF_ETHUSD", "ETH", "1", "1")],
            "the inverse PI_XBTUSD (futures_inverse) must be dropped"
        );
    }

    #[test]
    fn quirky_instruments_filter_states_and_map_symbols() {
        let r = all_references();
        assert_eq!(
            r.instruments,
            vec![
                perp("PF_ETHUSD", "ETH", "1", "1"),
                perp("PF_XBTUSD", "BTC", "1", "1"),
                // Hypothetical multiplied contract: prices per 1000 PEPE.
                perp("PF_1000PEPEUSD", "PEPE", "1000", "1"),
                // No base/quote/pair: split from the symbol.
                perp("PF_SOLUSD", "SOL", "1", "1"),
                // base/pair "": from the symbol, XDG is DOGE.
                perp("PF_XDGUSD", "DOGE", "1", "1"),
                perp("PF_LINKUSD", "LINK", "1", "10"),
                // contractSize "": 1.
                perp("PF_ADAUSD", "ADA", "1", "1"),
                // The duplicate PF_ETHUSD (contractSize 10), PF_DOTUSD (not tradeable),
                // PF_WIFUSD (post-only), FF_XBTUSD_260327 (dated) and PI_XBTUSD are gone.
            ]
        );
    }

    #[test]
    fn documented_tickers_parse_to_exact_values() {
        let mut r = all_references();
        r.instruments.push(perp("PF_ENJUSD", "ENJ", "1", "1"));
        let s = snapshot_of(&[TICKERS_J], &r).expect("parses");
        assert_eq!((s.venue, s.received_at), (Venue::Kraken, received()));
        assert!(s.spots.is_empty());
        // PI_XBTUSD is not in the reference (inverse).
        assert_eq!(
            s.perps,
            vec![PerpQuote {
                venue: Venue::Kraken,
                symbol: "PF_ENJUSD".into(),
                asset: "ENJ".into(),
                quote: "USD".into(),
                multiplier: Decimal::ONE,
                // Absolute -0.000000756414717067 USD per contract / mark 0.0434, per hour.
                funding_rate: d("-0.0000174289105314976958525346"),
                funding_interval_hours: d("1"),
                next_funding_time: at("2025-11-17T01:00:00Z"),
                mark_price: Some(d("0.0434")),
                index_price: Some(d("0.043391")),
                bid: Some(d("0.0433")),
                ask: Some(d("0.0435")),
                high_24h: Some(d("0.0435")),
                low_24h: Some(d("0.0433")),
                // volumeQuote is USD (1696 contracts × ~0.0434); OI 72513 contracts × 1 ENJ.
                volume_24h_quote: Some(d("73.5216")),
                open_interest: Some(d("72513")),
                exchange_time: at("2025-11-17T00:34:37.524Z"),
                received_at: received(),
            }]
        );
    }

    #[test]
    fn quirky_tickers_units_statuses_duplicates_and_strings() {
        let r = all_references();
        let s = snapshot_of(&[TICKERS_Q], &r).expect("parses");
        let rows: Vec<(&str, Decimal)> = s
            .perps
            .iter()
            .map(|p| (p.symbol.as_str(), p.funding_rate))
            .collect();
        assert_eq!(
            rows,
            [
                // PF_ETHUSD has markPrice 0: no relative rate, left out.
                // 0.5 USD / 50 000: the later duplicate (0.9 / 1) is ignored.
                ("PF_XBTUSD", d("0.00001")),
                // 1.25e-07 USD per 1000 PEPE / 0.0125.
                ("PF_1000PEPEUSD", d("0.00001")),
                // Strings: -0.0015 / 150.5.
                ("PF_SOLUSD", d("-0.0000099667774086378737541528")),
                // PF_XDGUSD suspended and PF_ADAUSD post-only are left out.
                ("PF_LINKUSD", d("0.00001")),
            ]
        );
        assert!(s.perps.iter().all(|p| p.funding_interval_hours == d("1")
            && p.next_funding_time == at("2025-11-17T01:00:00Z")
            && p.exchange_time == at("2025-11-17T00:34:37.524Z")));

        let btc = &s.perps[0];
        assert_eq!((btc.asset.as_str(), btc.quote.as_str()), ("BTC", "USD"));
        assert_eq!((btc.bid, btc.ask), (Some(d("50005")), Some(d("50015.5"))));
        assert_eq!(
            (btc.mark_price, btc.index_price),
            (Some(d("50000")), Some(d("49995.2")))
        );
        assert_eq!(
            (btc.volume_24h_quote, btc.open_interest),
            (Some(d("76000000.5")), Some(d("812.3456")))
        );

        let pepe = &s.perps[1];
        assert_eq!((pepe.asset.as_str(), pepe.multiplier), ("PEPE", d("1000")));
        assert_eq!((pepe.bid, pepe.ask), (Some(d("0.0124")), Some(d("0.0126"))));
        // No volumeQuote: 500 000 contracts × 1 × last 0.0124.
        assert_eq!(pepe.volume_24h_quote, Some(d("6200")));
        // 2 M contracts of 1000 PEPE.
        assert_eq!(pepe.open_interest, Some(d("2000000000")));

        let sol = &s.perps[2];
        assert_eq!((sol.bid, sol.ask), (None, Some(d("150.6"))));
        assert_eq!((sol.high_24h, sol.low_24h), (None, None), "\"\" is absent");
        assert_eq!(
            (sol.volume_24h_quote, sol.open_interest),
            (Some(d("150450.25")), Some(d("4321.5")))
        );

        let link = &s.perps[3];
        // 300 contracts of 10 LINK.
        assert_eq!(link.open_interest, Some(d("3000")));
        assert_eq!(link.volume_24h_quote, Some(d("110250")));
    }

    #[test]
    fn next_funding_is_the_top_of_the_next_hour() {
        let cases = [
            ("2025-11-17T00:34:37.524Z", "2025-11-17T01:00:00Z"),
            ("2025-11-17T00:00:00Z", "2025-11-17T01:00:00Z"),
            ("2025-12-31T23:59:59.999Z", "2026-01-01T00:00:00Z"),
        ];
        for (now, next) in cases {
            assert_eq!(at(now).and_then(next_hour), at(next), "{now}");
        }
        // Without serverTime, the received time is the reference.
        let no_time = TICKERS_Q.replace("\"serverTime\": \"2025-11-17T00:34:37.524Z\",", "");
        assert_ne!(no_time, TICKERS_Q);
        let s = snapshot_of(&[&no_time], &all_references()).expect("parses");
        assert_eq!(s.perps[0].exchange_time, None);
        assert_eq!(s.perps[0].next_funding_time, at("2025-11-17T01:00:00Z"));
    }

    #[test]
    fn envelope_errors_and_missing_bodies_name_the_endpoint() {
        let r = all_references();
        let cases: [(&str, &str); 4] = [
            (
                r#"{"result":"success","tickers":[{"symbol":"#,
                "malformed JSON",
            ),
            (API_LIMIT, "API error: apiLimitExceeded"),
            (
                r#"{"result":"success","serverTime":"2025-11-17T00:34:37.524Z"}"#,
                "no `tickers` array",
            ),
            (
                r#"{"result":"success","tickers":{"symbol":"PF_XBTUSD"}}"#,
                "malformed JSON",
            ),
        ];
        for (body, detail) in cases {
            let err = snapshot_of(&[body], &r).expect_err(body);
            assert_eq!(err.endpoint, TICKERS.name);
            assert!(err.detail.contains(detail), "{err}");
        }
        let err = with_bodies(&[], |b| snapshot(b, &r, received())).expect_err("missing");
        assert_eq!(err, ParseError::new(TICKERS.name, "response missing"));
        let err = reference_of(&[UNAVAILABLE]).expect_err("error body");
        assert_eq!(
            err,
            ParseError::new(INSTRUMENTS.name, "API error: marketUnavailable")
        );
        let err = reference_of(&[r#"{"result":"error"}"#]).expect_err("bare error");
        assert_eq!(
            err,
            ParseError::new(INSTRUMENTS.name, "API error: result: error")
        );
    }

    #[test]
    fn check_body_maps_rate_limits_and_api_errors() {
        let rl = API_LIMIT.as_bytes();
        assert_eq!(Kraken.check_body(200, rl), BodySignal::RateLimited);
        assert_eq!(Kraken.check_body(400, rl), BodySignal::RateLimited);
        assert_eq!(
            Kraken.check_body(429, b"Too Many Requests"),
            BodySignal::RateLimited
        );
        assert_eq!(
            Kraken.check_body(200, UNAVAILABLE.as_bytes()),
            BodySignal::Api {
                code: "marketUnavailable".into(),
                msg: "marketUnavailable".into()
            }
        );
        assert_eq!(
            Kraken.check_body(
                400,
                br#"{"result":"error","error":"invalidArgument: symbol"}"#
            ),
            BodySignal::Api {
                code: "invalidArgument".into(),
                msg: "invalidArgument: symbol".into()
            }
        );
        assert_eq!(Kraken.check_body(200, TICKERS_J.as_bytes()), BodySignal::Ok);
        assert_eq!(
            Kraken.check_body(502, b"<html>bad gateway</html>"),
            BodySignal::Ok
        );
    }

    #[test]
    fn funding_history_reads_the_relative_rate_per_hour() {
        // relativeFundingRate, not the absolute fundingRate (half of it in this fixture).
        assert_eq!(
            Kraken.parse_funding_history(FUNDING.as_bytes()),
            Ok(vec![
                point(1_752_220_800_000, "0.0001"),
                point(1_752_192_000_000, "-0.00005"),
                point(1_752_163_200_000, "0.00015"),
            ])
        );
        assert_eq!(
            Kraken.parse_funding_history(FUNDING_Q.as_bytes()),
            Ok(vec![
                point(1_763_330_400_000, "0.000005"),
                point(1_763_334_000_000, "-0.000002"),
                // Strings, and a time without milliseconds.
                point(1_763_337_600_000, "0.00001"),
                // No relativeFundingRate, null timestamp: skipped.
                point(1_763_344_800_000, "0"),
            ])
        );
        for (body, detail) in [
            (API_LIMIT, "API error: apiLimitExceeded"),
            (UNAVAILABLE, "API error: marketUnavailable"),
            (
                r#"{"result":"success","rates":[{"timestamp":"#,
                "malformed JSON",
            ),
            (r#"{"result":"success","rates":{}}"#, "malformed JSON"),
            (r#"{"result":"success"}"#, "no `rates` array"),
        ] {
            let err = Kraken
                .parse_funding_history(body.as_bytes())
                .expect_err(body);
            assert_eq!(err.endpoint, HISTORICAL_FUNDING_RATES.name);
            assert!(err.detail.contains(detail), "{err}");
        }
    }

    #[test]
    fn chart_candles_parse_ms_times_and_padded_string_prices() {
        let parse = |body: &str| Kraken.parse_candles(Market::Perp, Bar::Hour, body.as_bytes());
        assert_eq!(
            parse(CHART),
            Ok(vec![candle(1_645_198_500_000, "309.15", "308.7", "308.85")])
        );
        // Per 1000 PEPE (not divided), any order; a number and an exponent-form string are read;
        // the bar with high "" is skipped; a string time is read.
        assert_eq!(
            parse(CHART_Q),
            Ok(vec![
                candle(1_763_251_200_000, "0.01231", "0.01195", "0.01225"),
                candle(1_763_337_600_000, "0.01229", "0.0122", "0.012255"),
                candle(1_763_164_800_000, "0.01215", "0.0119", "0.0121"),
            ])
        );
        assert_eq!(parse(r#"{"candles":[],"more_candles":false}"#), Ok(vec![]));
        for (body, detail) in [
            (API_LIMIT, "API error: apiLimitExceeded"),
            (r#"{"error":"invalid from"}"#, "API error: invalid from"),
            (r#"{"candles":[{"time":1,"#, "malformed JSON"),
            (r#"{"candles":{"time":1}}"#, "malformed JSON"),
            (r#"{"more_candles":false}"#, "no `candles` array"),
        ] {
            let err = parse(body).expect_err(body);
            assert_eq!(err.endpoint, CANDLES.name);
            assert!(err.detail.contains(detail), "{err}");
        }
    }

    const MUTABLE: [(&str, &str); 4] = [
        (INSTRUMENTS.name, INSTRUMENTS_J),
        (INSTRUMENTS.name, INSTRUMENTS_Q),
        (TICKERS.name, TICKERS_J),
        (TICKERS.name, TICKERS_Q),
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
            let _ = Kraken.check_body(200, &mutated);
            let good_ref = all_references();
            let parts: Vec<(&'static str, &[u8])> = [(INSTRUMENTS.name, INSTRUMENTS_Q), (TICKERS.name, TICKERS_Q)]
                .iter()
                .map(|(e, b)| (*e, if *e == endpoint { &mutated[..] } else { b.as_bytes() }))
                .collect();
            let (ref_result, snap_result) = with_bodies(&parts, |bodies| {
                (reference(bodies), snapshot(bodies, &good_ref, received()))
            });
            let result_for_endpoint = if endpoint == INSTRUMENTS.name {
                ref_result.map(|_| ())
            } else {
                snap_result.as_ref().map(|_| ()).map_err(Clone::clone)
            };
            if m.truncates() {
                // A strict prefix of a JSON document is never a document.
                let err = result_for_endpoint.expect_err("truncated payload must fail");
                prop_assert_eq!(err.endpoint, endpoint);
            }
            if let Ok(s) = snap_result {
                let known: HashSet<&str> = good_ref.instruments.iter().map(|i| i.symbol.as_str()).collect();
                prop_assert!(s.perps.iter().all(|p| known.contains(p.symbol.as_str())));
                prop_assert!(s.spots.is_empty());
                prop_assert!(s.perps.iter().all(|p| p.funding_interval_hours == Decimal::ONE));
                prop_assert!(s.perps.iter().all(|p| p.mark_price.is_some_and(|m| m > Decimal::ZERO)));
            }
        }

        #[test]
        fn mutated_history_payloads_never_panic(
            which in 0..4usize,
            m in mutation(),
        ) {
            let text = [FUNDING, FUNDING_Q, CHART, CHART_Q][which];
            let mutated = mutate(text, &m);
            let funding = Kraken.parse_funding_history(&mutated);
            let candles = Kraken.parse_candles(Market::Perp, Bar::Day, &mutated);
            let (endpoint, result) = if which < 2 {
                (HISTORICAL_FUNDING_RATES.name, funding.map(|p| p.len()))
            } else {
                (CANDLES.name, candles.map(|c| c.len()))
            };
            if m.truncates() {
                let err = result.expect_err("truncated payload must fail");
                prop_assert_eq!(err.endpoint, endpoint);
            } else if let Ok(n) = result {
                prop_assert!(n <= 6);
            }
        }
    }
}
