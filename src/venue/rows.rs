//! The parse side of the venue kit (pure): listings, the snapshot skeleton, `{code, msg, data}` envelopes, positional candle rows, Binance-shaped ticker and funding rows, haircut tables, tier pages and floors, clock grids.
//!
//! What the adapters' `parse.rs`, `wire.rs` and `tiers.rs` do the same way lives here once (the
//! rest of the shared kit is in [`super::kit`]): an adapter keeps its filters, its units and its
//! venue's wording of errors, and hands the skeleton to these helpers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};

use super::{Body, BodySignal, ParseError, kit};
use crate::model::{Instrument, Market, Reference, Snapshot, Venue};
use crate::parse::{NumbersAsText, TextPolicy, WireDec, WireInt, WireText, ms_time};

const MS_PER_HOUR: i64 = 3_600_000;

// ---- listings ----

/// A linear perpetual of `venue` listed as `symbol`, of the venue base `base` already split into
/// the spot coin and its multiplier; contract size 1 and no interval until the caller sets them
/// (struct update syntax).
#[must_use]
pub fn perp(venue: Venue, symbol: &str, base: (String, Decimal), quote: &str) -> Instrument {
    let (asset, multiplier) = base;
    Instrument {
        venue,
        market: Market::Perp,
        symbol: symbol.to_owned(),
        asset,
        quote: quote.to_owned(),
        multiplier,
        contract_size: Decimal::ONE,
        funding_interval_hours: None,
    }
}

/// A spot pair of `venue`: `asset`/`quote`, no multiplier, contract size 1.
#[must_use]
pub fn spot(venue: Venue, symbol: &str, asset: &str, quote: &str) -> Instrument {
    Instrument {
        market: Market::Spot,
        ..perp(venue, symbol, (asset.to_owned(), Decimal::ONE), quote)
    }
}

/// A spot pair of `venue` whose asset and quote are the row's `named` base and quote when it
/// gives both, else what `split` makes of the symbol.
pub fn spot_named<'a>(
    venue: Venue,
    symbol: &'a str,
    named: (Option<&'a str>, Option<&'a str>),
    split: impl FnOnce(&'a str) -> Option<(&'a str, &'a str)>,
) -> Option<Instrument> {
    let (asset, quote) = named.0.zip(named.1).or_else(|| split(symbol))?;
    Some(spot(venue, symbol, asset, quote))
}

// ---- snapshots ----

/// The snapshot of `venue` at `received_at`: for every instrument of `reference`, in its order,
/// its quote ([`kit::perp_quote`], [`kit::spot_quote`]) from what the payloads say of it: of a
/// perp its funding, book and marks (`perp`), of a spot pair its book (`spot`); `None`: left
/// out.
pub fn snapshot(
    venue: Venue,
    reference: &Reference,
    received_at: DateTime<Utc>,
    mut perp: impl FnMut(&Instrument) -> Option<(kit::Funding, kit::Book, kit::Marks)>,
    mut spot: impl FnMut(&Instrument) -> Option<kit::Book>,
) -> Snapshot {
    let mut perps = Vec::new();
    let mut spots = Vec::new();
    for inst in &reference.instruments {
        match inst.market {
            Market::Perp => perps.extend(perp(inst).map(|(funding, book, marks)| {
                kit::perp_quote(inst, funding, book, marks, received_at)
            })),
            Market::Spot => {
                spots.extend(spot(inst).map(|book| kit::spot_quote(inst, book, received_at)));
            }
        }
    }
    Snapshot {
        venue,
        received_at,
        perps,
        spots,
    }
}

/// The rows of `rows` (in payload order) whose key names an instrument of `index`, each with
/// that instrument; the first row of a key wins, rows without one are skipped.
pub fn joined<'r, 'i, T>(
    rows: impl IntoIterator<Item = &'r T>,
    index: &HashMap<&str, &'i Instrument>,
    key: impl Fn(&'r T) -> Option<&'r str>,
) -> Vec<(&'i Instrument, &'r T)>
where
    T: 'r,
{
    let mut seen = HashSet::new();
    rows.into_iter()
        .filter_map(|row| {
            let symbol = key(row)?;
            let inst = index.get(symbol)?;
            seen.insert(symbol).then_some((*inst, row))
        })
        .collect()
}

/// The maintenance margin rates `pick` finds in `rows`, by symbol, normalised; the first rate
/// of a symbol wins.
pub fn maintenance_rates<'r, R: 'r>(
    rows: impl IntoIterator<Item = &'r R>,
    pick: impl Fn(&'r R) -> Option<(&'r str, Decimal)>,
) -> BTreeMap<String, Decimal> {
    let mut rates = BTreeMap::new();
    for (symbol, m) in rows.into_iter().filter_map(pick) {
        rates
            .entry(symbol.to_owned())
            .or_insert_with(|| m.normalize());
    }
    rates
}

/// `contracts` in coins of the asset of `inst`: × contract size × multiplier.
#[must_use]
pub fn in_coins(contracts: Option<Decimal>, inst: &Instrument) -> Option<Decimal> {
    contracts?
        .checked_mul(inst.contract_size)?
        .checked_mul(inst.multiplier)
        .map(|v| v.normalize())
}

/// `amount` units in hours, at `per_hour` units an hour, when positive.
#[must_use]
pub fn hours(amount: Option<Decimal>, per_hour: i64) -> Option<Decimal> {
    kit::positive(amount)?
        .checked_div(Decimal::from(per_hour))
        .map(|h| h.normalize())
}

/// The length in ms of an interval of `hours`, when it is a positive whole number of ms.
#[must_use]
pub fn step_ms(hours: Decimal) -> Option<i64> {
    let ms = hours.checked_mul(Decimal::from(MS_PER_HOUR))?;
    (ms > Decimal::ZERO && ms.fract().is_zero())
        .then(|| ms.to_i64())
        .flatten()
}

/// The first multiple of `hours` on the UTC epoch grid strictly after `at_ms`.
#[must_use]
pub fn next_on_grid(at_ms: i64, hours: Decimal) -> Option<i64> {
    let step = step_ms(hours)?;
    at_ms.div_euclid(step).checked_add(1)?.checked_mul(step)
}

/// The top of the hour strictly after `t` (venues that settle funding every full hour).
#[must_use]
pub fn next_hour(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    next_on_grid(t.timestamp_millis(), Decimal::ONE).and_then(ms_time)
}

/// Candles from columns of one length (the times named `time_name` in messages): bar `i` opens
/// at `time_ms` of `times[i]` with `high[i]`, `low[i]` and `close[i]`; bars missing one are
/// skipped.
///
/// # Errors
/// Columns of different lengths, naming `endpoint`.
pub fn column_candles(
    endpoint: &'static str,
    time_name: &str,
    times: &[WireInt],
    [high, low, close]: [&[WireDec]; 3],
    time_ms: impl Fn(i64) -> Option<i64>,
) -> Result<Vec<super::Candle>, ParseError> {
    let n = times.len();
    if [high.len(), low.len(), close.len()] != [n; 3] {
        return Err(ParseError::new(
            endpoint,
            format!(
                "columns of different lengths: {time_name} {n}, high {}, low {}, close {}",
                high.len(),
                low.len(),
                close.len()
            ),
        ));
    }
    Ok(times
        .iter()
        .zip(high.iter().zip(low.iter().zip(close)))
        .filter_map(|(t, (h, (l, c)))| {
            kit::candle(t.get().and_then(&time_ms), h.get(), l.get(), c.get())
        })
        .collect())
}

// ---- `{code, msg, data}` envelopes (OKX, Bitget, BingX) ----

/// The envelope `{"code": …, "msg": …, "data": …}` of the venues that answer so; `D` is the
/// shape of `data`. `code` is text (a JSON number is read as its text).
///
/// ```json
/// {"code": "0", "msg": "", "data": [{"instId": "BTC-USDT-SWAP"}]}
/// {"code": "00000", "msg": "success", "requestTime": 1743054548546, "data": []}
/// {"code": 0, "msg": "", "timestamp": 1693231678753, "data": [{"symbol": "BTC-USDT"}]}
/// ```
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CodedEnvelope<'a, D> {
    /// The success code of the venue, a rate-limit code or an API error code.
    #[serde(default, borrow)]
    pub code: WireText<'a>,
    /// Error message (`""` or `success` on success).
    #[serde(default, borrow)]
    pub msg: WireText<'a>,
    /// Server time of the response, ms (Bitget).
    #[serde(default)]
    pub request_time: WireInt,
    /// Server time of the response, ms (BingX spot answers).
    #[serde(default)]
    pub timestamp: WireInt,
    /// The payload; `null` or absent on most errors.
    #[serde(default = "Option::default")]
    pub data: Option<D>,
}

/// The status of a [`CodedEnvelope`] only (`data` skipped unread), for `check_body`.
///
/// ```json
/// {"msg": "Too Many Requests", "code": "50011"}
/// ```
pub type CodeStatus<'a> = CodedEnvelope<'a, IgnoredAny>;

/// How a venue speaks through a [`CodedEnvelope`]: its name in messages and its success code.
#[derive(Clone, Copy, Debug)]
pub struct Coded {
    /// The venue as messages name it (`OKX`, `Bitget`).
    pub venue: &'static str,
    /// Its article in messages (`an OKX envelope`, `a Bitget envelope`).
    pub article: &'static str,
    /// The code of a successful answer (`0`, `00000`).
    pub ok: &'static str,
}

impl Coded {
    /// The API error a status reports (a code that is neither absent nor `ok`), as
    /// `(code, msg)`.
    fn error_in(self, status: &CodeStatus<'_>) -> Option<(String, String)> {
        let code = status.code.as_str();
        (!code.is_empty() && code != self.ok).then(|| (code.to_owned(), status.msg.as_str().into()))
    }

    /// The API error a body's status reports, as [`Coded::error_in`] says.
    fn error_of(self, body: &[u8]) -> Option<(String, String)> {
        self.error_in(&serde_json::from_slice::<CodeStatus<'_>>(body).ok()?)
    }

    /// What a body says: HTTP 429, or a code `rate_limited` accepts (with any status), is a
    /// rate limit; another code than `ok` an API error; a body that is not such an envelope (or
    /// has no `code`) says nothing, leaving the HTTP status and the parser to decide.
    pub fn signal(
        self,
        status: u16,
        body: &[u8],
        rate_limited: impl Fn(&str) -> bool,
    ) -> BodySignal {
        kit::signal_of(status, body, |st: CodeStatus<'_>| {
            match self.error_in(&st) {
                None => BodySignal::Ok,
                Some((code, _)) if rate_limited(&code) => BodySignal::RateLimited,
                Some((code, msg)) => BodySignal::Api { code, msg },
            }
        })
    }

    /// A body of `endpoint` decoded as `T` (an envelope, or the bare rows some endpoints answer
    /// with, as WEEX's contract API); when it is not that JSON, the API error its envelope
    /// reports, else the JSON error.
    ///
    /// # Errors
    /// As said, naming `endpoint`.
    pub fn decode<'a, T: Deserialize<'a>>(
        self,
        endpoint: &'static str,
        bytes: &'a [u8],
    ) -> Result<T, ParseError> {
        kit::decode_or_envelope(endpoint, bytes, |b| {
            let (code, msg) = self.error_of(b)?;
            Some(ParseError::api(endpoint, code, &msg))
        })
    }

    /// The envelope of one body of `endpoint`, after checking its code: an API error (also when
    /// `data` has another shape than `D`), a missing code and malformed JSON fail naming
    /// `endpoint`.
    ///
    /// # Errors
    /// As said.
    pub fn envelope<'a, D: Deserialize<'a>>(
        self,
        endpoint: &'static str,
        bytes: &'a [u8],
    ) -> Result<CodedEnvelope<'a, D>, ParseError> {
        let env: CodedEnvelope<'a, D> = self.decode(endpoint, bytes)?;
        match env.code.as_str() {
            "" => Err(ParseError::new(
                endpoint,
                format!("not {} {} envelope: no `code`", self.article, self.venue),
            )),
            code if code == self.ok => Ok(env),
            code => Err(ParseError::api(endpoint, code, env.msg.as_str())),
        }
    }

    /// The `data` rows of one body of `endpoint` ([`Coded::envelope`]), required.
    ///
    /// # Errors
    /// As [`Coded::envelope`], and "envelope without a `data` array" naming `endpoint`.
    pub fn rows<'a, T: Deserialize<'a>>(
        self,
        endpoint: &'static str,
        bytes: &'a [u8],
    ) -> Result<Vec<T>, ParseError> {
        self.envelope(endpoint, bytes)?
            .data
            .ok_or_else(|| self.without_rows(endpoint))
    }

    /// The error of a successful envelope of `endpoint` without its `data` rows.
    #[must_use]
    pub fn without_rows(self, endpoint: &'static str) -> ParseError {
        let missing = format!("{} envelope without a `data` array", self.venue);
        ParseError::new(endpoint, missing)
    }

    /// The `data` rows of every body of `endpoint` ([`Coded::rows`]), in request order.
    /// `required`: at least one body must have been fetched.
    ///
    /// # Errors
    /// As [`Coded::rows`] and [`kit::rows_of`].
    pub fn all_rows<'a, T: Deserialize<'a>>(
        self,
        bodies: &'a [Body<'a>],
        endpoint: &'static str,
        required: bool,
    ) -> Result<Vec<T>, ParseError> {
        kit::rows_of(bodies, endpoint, required, |b| self.rows(endpoint, b))
    }

    /// The `data` rows of one margin-tier body of `endpoint` (none: none). A body without a
    /// code is taken as it comes; another code than `ok` fails, saying what the venue answered.
    ///
    /// # Errors
    /// Malformed JSON or an error code, naming `endpoint`.
    pub fn tier_rows<'a, T: Deserialize<'a>>(
        self,
        endpoint: &'static str,
        bytes: &'a [u8],
    ) -> Result<Vec<T>, ParseError> {
        let env: CodedEnvelope<'a, Vec<T>> = kit::decode(endpoint, bytes)?;
        match env.code.get() {
            Some(code) if code != self.ok => Err(ParseError::new(
                endpoint,
                format!("{} answered code {code} ({})", self.venue, env.msg.as_str()),
            )),
            _ => Ok(env.data.unwrap_or_default()),
        }
    }
}

// ---- positional candle rows ----

/// A candle row sent as a positional array `[open time (ms), open, high, low, close, …]`
/// (Binance, Bybit, MEXC spot, BingX, OKX): numbers or strings, missing positions absent, the
/// positions after the close skipped. A row that is not an array fails the page.
///
/// ```json
/// [1499040000000, "0.01634790", "0.80000000", "0.01575800", "0.01577100", "148976.11427815"]
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArrayCandle {
    /// Open time, ms (position 0).
    pub time: WireInt,
    /// Open price (position 1).
    pub open: WireDec,
    /// High (position 2).
    pub high: WireDec,
    /// Low (position 3).
    pub low: WireDec,
    /// Close; of the running bar, the latest price (position 4).
    pub close: WireDec,
}

impl ArrayCandle {
    /// Reads positions 0–4 of `seq`, leaving the rest to the caller.
    ///
    /// # Errors
    /// When a position holds an array or an object.
    pub fn read_head<'de, A: SeqAccess<'de>>(seq: &mut A) -> Result<Self, A::Error> {
        let mut row = ArrayCandle {
            time: seq.next_element()?.unwrap_or_default(),
            ..ArrayCandle::default()
        };
        for slot in [&mut row.open, &mut row.high, &mut row.low, &mut row.close] {
            *slot = seq.next_element()?.unwrap_or_default();
        }
        Ok(row)
    }

    /// The candle of the row, when it has a time, a high, a low and a close.
    #[must_use]
    pub fn candle(&self) -> Option<super::Candle> {
        kit::candle(
            self.time.get(),
            self.high.get(),
            self.low.get(),
            self.close.get(),
        )
    }
}

impl<'de> Positional<'de> for ArrayCandle {
    const EXPECTING: &'static str = "a kline array";

    /// Reads a whole row: positions 0–4, the rest skipped.
    fn from_seq<A: SeqAccess<'de>>(seq: &mut A) -> Result<Self, A::Error> {
        let row = ArrayCandle::read_head(seq)?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(row)
    }
}

impl<'de> Deserialize<'de> for ArrayCandle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        positional(d)
    }
}

/// A row sent as a positional JSON array (candles of Binance-like venues, Gate's spot candles,
/// OKX's candles), read element by element; a row that is not an array fails the page.
pub trait Positional<'de>: Sized {
    /// What the row is, for the error a non-array makes (`a kline array`).
    const EXPECTING: &'static str;

    /// Reads the row from its elements, the whole array.
    ///
    /// # Errors
    /// When an element has a type the row does not accept, or the array is cut.
    fn from_seq<A: SeqAccess<'de>>(seq: &mut A) -> Result<Self, A::Error>;
}

/// Deserializes a [`Positional`] row: the body of its `Deserialize` impl.
///
/// # Errors
/// When the value is not an array, or as [`Positional::from_seq`].
pub fn positional<'de, D: Deserializer<'de>, T: Positional<'de>>(d: D) -> Result<T, D::Error> {
    struct RowVisitor<T>(PhantomData<T>);

    impl<'de, T: Positional<'de>> Visitor<'de> for RowVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(T::EXPECTING)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
            T::from_seq(&mut seq)
        }
    }

    d.deserialize_seq(RowVisitor(PhantomData))
}

// ---- collateral haircuts ----

/// Which row of a coin listed twice in a haircut table decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstRow {
    /// The first row of the coin, usable or not (Gate, Bitget; coins trimmed).
    OfTheCoin,
    /// The first row of the coin with a usable haircut (OKX, Bybit).
    Usable,
}

/// A haircut `k` when in (0, 1], normalised.
#[must_use]
pub fn usable_haircut(k: Option<Decimal>) -> Option<Decimal> {
    k.filter(|k| *k > Decimal::ZERO && *k <= Decimal::ONE)
        .map(|k| k.normalize())
}

/// The haircut of a coin's first tier: the tier `rank` ranks lowest (`None`: not a candidate;
/// the earlier of equals), its `k` when usable.
pub fn first_tier<T, K: Ord>(
    tiers: impl IntoIterator<Item = T>,
    rank: impl Fn(&T) -> Option<K>,
    k: impl Fn(&T) -> Option<Decimal>,
) -> Option<Decimal> {
    let first = tiers
        .into_iter()
        .filter_map(|t| Some((rank(&t)?, t)))
        .min_by(|a, b| a.0.cmp(&b.0))?;
    usable_haircut(k(&first.1))
}

/// The haircut table of `rows` (none: empty): per coin (upper-cased) the haircut `haircut`
/// gives, the row deciding as `first` says.
pub fn haircut_table<'r, R: 'r>(
    rows: impl IntoIterator<Item = &'r R>,
    first: FirstRow,
    coin: impl Fn(&'r R) -> Option<&'r str>,
    haircut: impl Fn(&'r R) -> Option<Decimal>,
) -> BTreeMap<String, Decimal> {
    let mut table = BTreeMap::new();
    let mut seen = HashSet::new();
    for row in rows {
        let coin = match first {
            FirstRow::OfTheCoin => coin(row).map(str::trim).filter(|c| !c.is_empty()),
            FirstRow::Usable => coin(row),
        };
        let Some(coin) = coin.map(str::to_ascii_uppercase) else {
            continue;
        };
        if first == FirstRow::OfTheCoin && !seen.insert(coin.clone()) {
            continue;
        }
        if let Some(k) = haircut(row) {
            table.entry(coin).or_insert(k);
        }
    }
    table
}

// ---- margin tiers ----

/// Every fetched body of `endpoint` decoded as `T`, in request order (none fetched: none): the
/// pages the margin tiers read from a listing fetched for the reference anyway.
///
/// # Errors
/// The first body that is not `T`'s JSON, naming `endpoint`.
pub fn tier_pages<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
) -> Result<Vec<T>, ParseError> {
    kit::each_body(bodies, endpoint, false, |b| kit::decode(endpoint, b))
}

/// Rows of `(cap, tier)` of one table as `(floor, tier)`, sorted by cap: a tier's floor is the
/// previous tier's cap (0 for the first).
pub fn floors_from_caps<T>(mut rows: Vec<(Decimal, T)>) -> Vec<(Decimal, T)> {
    rows.sort_by_key(|(cap, _)| *cap);
    let mut floor = Decimal::ZERO;
    rows.into_iter()
        .map(|(cap, tier)| (std::mem::replace(&mut floor, cap), tier))
        .collect()
}

// ---- Binance-shaped rows ----

/// One row of the Binance-shaped 24 h ticker that MEXC (`/api/v3/ticker/24hr`), WEEX
/// (`/api/v3/market/ticker/24hr`) and BingX (`/openApi/swap/v2/quote/ticker`,
/// `/openApi/spot/v1/ticker/24hr`) serve: best bid/ask, 24 h range, `volume` in base coins,
/// `quoteVolume` in the quote coin (may be `null`), `closeTime` the end of the window, ms. So
/// does Binance itself (`/api/v3/ticker/24hr`, and `/fapi/v1/ticker/24hr` without bid/ask), its
/// text read by its own policy `P`.
#[derive(Debug, Default, Deserialize)]
#[serde(
    rename_all = "camelCase",
    default,
    bound(deserialize = "'de: 'a, P: TextPolicy")
)]
pub struct SpotTicker24h<'a, P = NumbersAsText> {
    /// `BTCUSDT`.
    pub symbol: WireText<'a, P>,
    /// Last trade price.
    pub last_price: WireDec,
    /// Best bid.
    pub bid_price: WireDec,
    /// Best ask.
    pub ask_price: WireDec,
    /// 24 h high.
    pub high_price: WireDec,
    /// 24 h low.
    pub low_price: WireDec,
    /// 24 h volume, base coins.
    pub volume: WireDec,
    /// 24 h volume, quote coin.
    pub quote_volume: WireDec,
    /// End of the 24 h window, ms.
    pub close_time: WireInt,
}

impl<P> SpotTicker24h<'_, P> {
    /// The spot book: bid/ask, 24 h range, quote volume (`quoteVolume`, else `volume` ×
    /// `lastPrice`) and the window's end as the exchange time.
    #[must_use]
    pub fn book(&self) -> kit::Book {
        kit::Book::of_ticker(
            [self.bid_price.get(), self.ask_price.get()],
            [self.high_price.get(), self.low_price.get()],
            [
                self.quote_volume.get(),
                self.volume.get(),
                self.last_price.get(),
            ],
        )
        .at(self.close_time.get().and_then(ms_time))
    }
}

/// One symbol of the Binance-shaped `exchangeInfo` that Binance (`/fapi/v1/exchangeInfo`,
/// `/api/v3/exchangeInfo`) and MEXC (`/api/v3/exchangeInfo`) serve, its text read by the venue's
/// policy `P` (only the fields basis reads; each venue's own are absent on the other).
///
/// ```json
/// {"symbol": "BLZUSDT", "contractType": "PERPETUAL", "status": "TRADING", "baseAsset": "BLZ",
///  "quoteAsset": "USDT", "marginAsset": "USDT"}
/// {"symbol": "TOMO3LUSDT", "status": "1", "baseAsset": "TOMO3L", "quoteAsset": "USDT",
///  "tradeSideType": "1"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(
    rename_all = "camelCase",
    default,
    bound(deserialize = "'de: 'a, P: TextPolicy")
)]
pub struct ExchangeSymbol<'a, P = NumbersAsText> {
    /// `BTCUSDT`, `1000PEPEUSDT`, `BTCUSDT_260327` (dated).
    pub symbol: WireText<'a, P>,
    /// `PERPETUAL`, `CURRENT_QUARTER`, `NEXT_QUARTER`, … (Binance futures).
    pub contract_type: WireText<'a, P>,
    /// Listing status (`TRADING`, `HALT`, … on Binance; `1` online, `ENABLED` on MEXC).
    pub status: WireText<'a, P>,
    /// Venue base, multiplier included (`1000PEPE`).
    pub base_asset: WireText<'a, P>,
    /// Quote (`USDT`, `USDC`).
    pub quote_asset: WireText<'a, P>,
    /// Margin asset (Binance futures; the quote for linear contracts).
    pub margin_asset: WireText<'a, P>,
    /// 1 all, 2 buy only, 3 sell only, 4 close (MEXC).
    pub trade_side_type: WireText<'a, P>,
}

/// One settled funding of the Binance-shaped history endpoints that Binance
/// (`/fapi/v1/fundingRate`), Bitget (`history-fund-rate`), BingX (`quote/fundingRate`) and WEEX
/// (`getHistoryFundRate`) serve: `fundingRate` settled at `fundingTime` (ms, a number or a
/// string); `symbol` is read where a check needs it (BingX's interval fallback).
///
/// ```json
/// {"symbol": "BTCUSDT", "fundingRate": "0.0005", "fundingTime": "1695776400000"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct SettledFunding<'a> {
    /// `BTCUSDT`, `BTC-USDT`, `cmt_btcusdt`.
    pub symbol: WireText<'a>,
    /// Rate settled, fraction.
    pub funding_rate: WireDec,
    /// Settlement time, ms.
    pub funding_time: WireInt,
}

impl SettledFunding<'_> {
    /// The history point of the row, when it has a positive time and a rate.
    #[must_use]
    pub fn point(&self) -> Option<super::HistoryPoint> {
        kit::point(
            self.funding_time.get().filter(|t| *t > 0),
            self.funding_rate.get(),
        )
    }
}

#[cfg(test)]
mod tier_suite;

/// The quirky snapshot of `venue`'s conformance row and the reference of its instrument list
/// `list`, for the venue's own tests.
#[cfg(test)]
pub(crate) fn quirky(
    venue: Venue,
    list: usize,
) -> (&'static super::conformance::Quotes, Reference) {
    let row = super::conformance::case(venue);
    let reference = super::conformance::reference_from(venue, row.lists[list].parts);
    (&row.quotes[1], reference)
}

/// The snapshot of `venue`'s quirky conformance quotes against the reference of its instrument
/// list `list`, with the first `from` in the quotes' first part replaced by `to` (it must be
/// there), for the venue's own tests.
#[cfg(test)]
pub(crate) fn quirky_snapshot_with(venue: Venue, list: usize, [from, to]: [&str; 2]) -> Snapshot {
    let (q, reference) = quirky(venue, list);
    let (endpoint, first) = q.parts[0];
    assert!(
        first.contains(from),
        "{venue}: `{from}` is not in {endpoint}"
    );
    let changed = first.replacen(from, to, 1);
    let mut parts = vec![(endpoint, changed.as_str())];
    parts.extend(q.parts[1..].iter().copied());
    super::conformance::snapshot_from(venue, &parts, &reference, q.received_ms)
}

/// Applies detail bodies, one per `(symbol, body)`, each answering `request_of` its symbol, to
/// `fresh` (tests).
#[cfg(test)]
pub(crate) fn apply_detail_bodies(
    venue: Venue,
    request_of: fn(&str) -> super::Request,
    fresh: &mut Reference,
    previous: Option<&Reference>,
    parts: &[(&str, &str)],
) {
    let parts: Vec<_> = parts.iter().map(|(s, b)| (request_of(s), *b)).collect();
    super::conformance::apply_details(venue, fresh, previous, &parts);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().expect("test decimal")
    }

    #[test]
    fn hours_and_the_next_hour() {
        // The grid of other intervals is pinned by MEXC's tests (its documented examples).
        let at = |ms| ms_time(ms).expect("a time");
        assert_eq!(next_hour(at(1_754_470_800_000)), ms_time(1_754_474_400_000));
        assert_eq!(next_hour(at(1_754_470_799_999)), ms_time(1_754_470_800_000));
        assert_eq!(hours(Some(d("28800")), 3600), Some(d("8")));
        assert_eq!(hours(Some(d("0")), 3600), None);
    }

    #[test]
    fn floors_are_the_caps_below() {
        let rows = vec![(d("20"), 'b'), (d("10"), 'a'), (d("30"), 'c')];
        assert_eq!(
            floors_from_caps(rows),
            [(d("0"), 'a'), (d("10"), 'b'), (d("20"), 'c')]
        );
    }

    #[test]
    fn haircuts_take_the_first_tier_and_the_deciding_row() {
        let tiers = [
            (Some(2), "0.5"),
            (None, "0.9"),
            (Some(1), "0.8"),
            (Some(1), "0.7"),
        ];
        let k = |rank_none_last: bool| {
            first_tier(
                tiers,
                |t| {
                    if rank_none_last {
                        Some((t.0.is_none(), t.0))
                    } else {
                        t.0.map(|r| (false, Some(r)))
                    }
                },
                |t| Some(d(t.1)),
            )
        };
        assert_eq!(k(true), Some(d("0.8")));
        assert_eq!(k(false), Some(d("0.8")));
        assert_eq!(usable_haircut(Some(d("1.5"))), None);
        let rows = [(" btc ", "0"), ("BTC", "0.9"), ("eth", "0.95")];
        let table = |first| {
            haircut_table(
                &rows,
                first,
                |r| Some(r.0),
                |r| usable_haircut(Some(d(r.1))),
            )
        };
        assert_eq!(
            table(FirstRow::OfTheCoin).len(),
            1,
            "the first BTC row decides"
        );
        assert_eq!(table(FirstRow::Usable)["BTC"], d("0.9"));
        assert!(
            !table(FirstRow::Usable).contains_key(" BTC "),
            "no usable haircut"
        );
    }
}
