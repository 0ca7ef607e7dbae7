//! The venue kit (pure): what every adapter's `parse.rs` does the same way — bodies of an endpoint, rows indexed by symbol, pair splitting, history and candle rows, body signals, quote construction.
//!
//! An adapter keeps only what is particular to its venue (its envelope, its filters, its units)
//! and hands the rest to these helpers, so that a rule shared by every venue (the first row of a
//! symbol wins, a missing required body names its endpoint, a history row needs a time and a
//! rate) is written once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::intervals::carried_intervals;
use super::{Bar, Body, BodySignal, Candle, HistoryPoint, Method, ParseError, Request};
use crate::model::{Instrument, Market, PerpQuote, Reference, SpotQuote};

pub mod paging;

pub use paging::{BarGrid, BarPage, Direction, Pages, Paging, Span, Stamped};

/// A venue's name of a bar length: `hour` or `day`.
#[must_use]
pub const fn per_bar(bar: Bar, hour: &'static str, day: &'static str) -> &'static str {
    match bar {
        Bar::Hour => hour,
        Bar::Day => day,
    }
}

/// One endpoint of a venue: its stable name (used in messages and to route bodies to parsers),
/// host key, path after the origin, documented weight of the call as basis makes it, and the
/// link to the venue's documentation of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Stable name (`fapi/v1/premiumIndex`, `tickers-swap`).
    pub name: &'static str,
    /// [`super::HostSpec::key`] of the host.
    pub host: &'static str,
    /// Path after the origin, starting with `/`.
    pub path: &'static str,
    /// Documented weight of the call as basis makes it.
    pub weight: u32,
    /// The venue's documentation of the endpoint.
    pub docs: &'static str,
}

impl Endpoint {
    /// Endpoint `name` of host `host` at `path`, weighing `weight`; its documentation follows
    /// ([`Endpoint::docs`]).
    #[must_use]
    pub const fn new(
        name: &'static str,
        host: &'static str,
        path: &'static str,
        weight: u32,
    ) -> Self {
        Endpoint {
            name,
            host,
            path,
            weight,
            docs: "",
        }
    }

    /// Endpoint of host `host` at `path`, weighing `weight`, named after the last segment of its
    /// path (`/api/v4/futures/usdt/tickers` is `tickers`); its documentation follows.
    #[must_use]
    pub const fn at(host: &'static str, path: &'static str, weight: u32) -> Self {
        let bytes = path.as_bytes();
        let mut cut = bytes.len();
        while cut > 0 && bytes[cut - 1] != b'/' {
            cut -= 1;
        }
        Endpoint::new(path.split_at(cut).1, host, path, weight)
    }

    /// The same endpoint with the link to the venue's documentation of it.
    #[must_use]
    pub const fn docs(self, docs: &'static str) -> Self {
        Endpoint { docs, ..self }
    }

    /// Another endpoint at the same path, host, weight and docs under its own `name` (the same
    /// path asked with other parameters: a category, a product type).
    #[must_use]
    pub const fn named(self, name: &'static str) -> Self {
        Endpoint { name, ..self }
    }

    /// A GET request of this endpoint, at its weight.
    #[must_use]
    pub fn request(&self) -> Request {
        self.weighing(self.weight)
    }

    /// A GET request of this endpoint whose path goes on with `rest` (`…/{symbol}/{resolution}`).
    #[must_use]
    pub fn below(&self, rest: &str) -> Request {
        Request::get(
            self.name,
            self.host,
            &format!("{}{rest}", self.path),
            self.weight,
        )
    }

    /// A POST request of this endpoint with the JSON `body`, at `weight`.
    #[must_use]
    pub fn post(&self, body: String, weight: u32) -> Request {
        Request {
            method: Method::Post(body),
            ..self.weighing(weight)
        }
    }

    /// A GET request of this endpoint at `weight` (endpoints whose weight depends on the call).
    #[must_use]
    pub fn weighing(&self, weight: u32) -> Request {
        Request::get(self.name, self.host, self.path, weight)
    }
}

/// An endpoint reads as its name (in messages, and where the name is the request's type).
impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A request's or an error's endpoint name is that of the endpoint.
impl PartialEq<Endpoint> for &str {
    fn eq(&self, other: &Endpoint) -> bool {
        *self == other.name
    }
}

/// The [`super::VenueAdapter`] methods every adapter writes the same way, for its `impl`:
/// `venue` from the venue table (the adapter's `VENUE`, see `venue::adapter`), `hosts` from the
/// adapter module's `HOSTS`, after `history:` the [`Paging`] of every funding-history window
/// ([`super::VenueAdapter::history_paging`]), after `details:` the batch
/// size and the request of one symbol of the per-symbol detail requests (the symbols from
/// `parse::detail_symbols`, the bodies merged by `parse::apply_details`), after `candles:` the
/// function that parses the candles of a market (`candles(market, body)`), and for each entry point
/// listed after `parse:` the method that hands its bodies unchanged to the function of that name
/// in the adapter's `parse` module — `reference(bodies)`, `snapshot(bodies, reference, received_at)`,
/// `body_signal(status, body)` (or `envelope_signal(body)` where the status adds nothing),
/// `funding_history(body)` or `candles(body)`.
macro_rules! adapter_basics {
    (
        $(history: $paging:expr,)?
        $(details: $batch:expr => $detail:path,)?
        $(candles: $candles:path,)?
        $(parse: $($entry:ident),+ $(,)?)?
    ) => {
        fn venue(&self) -> $crate::model::Venue {
            Self::VENUE
        }

        fn hosts(&self) -> &'static [$crate::venue::HostSpec] {
            &HOSTS
        }

        $($($crate::venue::kit::adapter_basics!(@parse $entry);)+)?

        $($crate::venue::kit::adapter_basics!(@candles $candles);)?

        $(
            fn detail_requests(
                &self,
                fresh: &$crate::model::Reference,
                previous: Option<&$crate::model::Reference>,
            ) -> Vec<$crate::venue::Request> {
                parse::detail_symbols(fresh, previous, $batch)
                    .into_iter()
                    .map(|symbol| $detail(&symbol))
                    .collect()
            }

            fn apply_details(
                &self,
                fresh: &mut $crate::model::Reference,
                previous: Option<&$crate::model::Reference>,
                bodies: &[$crate::venue::Body<'_>],
            ) -> Result<(), $crate::venue::ParseError> {
                parse::apply_details(fresh, previous, bodies);
                Ok(())
            }
        )?

        $(
            fn history_paging(
                &self,
                _start_ms: i64,
                _end_ms: i64,
            ) -> Option<$crate::venue::kit::Paging> {
                Some($paging)
            }
        )?
    };
    (@parse reference) => {
        fn parse_reference(
            &self,
            bodies: &[$crate::venue::Body<'_>],
        ) -> Result<$crate::model::Reference, $crate::venue::ParseError> {
            parse::reference(bodies)
        }
    };
    (@parse snapshot) => {
        fn parse_snapshot(
            &self,
            bodies: &[$crate::venue::Body<'_>],
            reference: &$crate::model::Reference,
            received_at: chrono::DateTime<chrono::Utc>,
        ) -> Result<$crate::model::Snapshot, $crate::venue::ParseError> {
            parse::snapshot(bodies, reference, received_at)
        }
    };
    (@parse envelope_signal) => {
        fn check_body(&self, _status: u16, body: &[u8]) -> $crate::venue::BodySignal {
            parse::envelope_signal(body)
        }
    };
    (@parse body_signal) => {
        fn check_body(&self, status: u16, body: &[u8]) -> $crate::venue::BodySignal {
            parse::body_signal(status, body)
        }
    };
    (@parse funding_history) => {
        fn parse_funding_history(
            &self,
            body: &[u8],
        ) -> Result<Vec<$crate::venue::HistoryPoint>, $crate::venue::ParseError> {
            parse::funding_history(body)
        }
    };
    (@parse candles) => {
        $crate::venue::kit::adapter_basics!(@candles |_, body| parse::candles(body));
    };
    (@candles $candles:expr) => {
        fn parse_candles(
            &self,
            market: $crate::model::Market,
            _bar: $crate::venue::Bar,
            body: &[u8],
        ) -> Result<Vec<$crate::venue::Candle>, $crate::venue::ParseError> {
            ($candles)(market, body)
        }
    };
}
pub(crate) use adapter_basics;

/// What a body says, for a venue whose errors come as a JSON document `T`: HTTP 429 is a rate
/// limit whatever the body; otherwise what `read` makes of the body as a `T`; a body that is
/// not a `T` (an HTML page, another shape) says nothing, leaving the HTTP status and the parser
/// to decide.
pub fn signal_of<'a, T: Deserialize<'a>>(
    status: u16,
    body: &'a [u8],
    read: impl FnOnce(T) -> BodySignal,
) -> BodySignal {
    if status == 429 {
        return BodySignal::RateLimited;
    }
    serde_json::from_slice(body).map_or(BodySignal::Ok, read)
}

/// A JSON body of `endpoint` decoded into `T` (borrowed from the bytes).
///
/// # Errors
/// A [`ParseError`] naming `endpoint` when the body is not that JSON.
pub fn decode<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<T, ParseError> {
    serde_json::from_slice(bytes).map_err(|e| ParseError::json(endpoint, &e))
}

/// A JSON body of `endpoint` decoded into `T`; when it is not that JSON, the error `envelope`
/// finds in it (the venue's error envelope, see [`ParseError::api`]), else the JSON error.
///
/// # Errors
/// A [`ParseError`] naming `endpoint` when the body is not that JSON.
pub fn decode_or_envelope<'a, T: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
    envelope: impl FnOnce(&'a [u8]) -> Option<ParseError>,
) -> Result<T, ParseError> {
    serde_json::from_slice(bytes)
        .map_err(|e| envelope(bytes).unwrap_or_else(|| ParseError::json(endpoint, &e)))
}

/// `read` applied to every body of `endpoint`, in request order (several for paged or
/// per-quote endpoints). `required`: at least one body must have been fetched.
///
/// # Errors
/// The first error of `read`, or "response missing" naming `endpoint` when a required body is
/// absent.
pub fn each_body<'a, R>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    required: bool,
    mut read: impl FnMut(&'a [u8]) -> Result<R, ParseError>,
) -> Result<Vec<R>, ParseError> {
    let out = Body::of(bodies, endpoint)
        .map(&mut read)
        .collect::<Result<Vec<R>, ParseError>>()?;
    if required && out.is_empty() {
        return Err(ParseError::new(endpoint, "response missing"));
    }
    Ok(out)
}

/// The rows `read` finds in every body of `endpoint`, concatenated in request order (see
/// [`each_body`]).
///
/// # Errors
/// As [`each_body`].
pub fn rows_of<'a, T>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    required: bool,
    read: impl FnMut(&'a [u8]) -> Result<Vec<T>, ParseError>,
) -> Result<Vec<T>, ParseError> {
    Ok(each_body(bodies, endpoint, required, read)?
        .into_iter()
        .flatten()
        .collect())
}

/// Adds `rows` to `map` by the key `key` gives; the first row of a key wins (also against rows
/// already in `map`), rows without a key (`None` or `""`) are skipped.
pub fn index_into<'r, T>(
    map: &mut HashMap<&'r str, &'r T>,
    rows: &'r [T],
    key: impl Fn(&'r T) -> Option<&'r str>,
) {
    map.reserve(rows.len());
    for row in rows {
        if let Some(k) = key(row).filter(|k| !k.is_empty()) {
            map.entry(k).or_insert(row);
        }
    }
}

/// `rows` by the key `key` gives (a symbol, an instrument id); the first row of a key wins, rows
/// without a key (`None` or `""`) are skipped.
#[must_use]
pub fn by_symbol<'r, T>(
    rows: &'r [T],
    key: impl Fn(&'r T) -> Option<&'r str>,
) -> HashMap<&'r str, &'r T> {
    let mut map = HashMap::new();
    index_into(&mut map, rows, key);
    map
}

/// `BTC-USDT` split at `sep` into (`BTC`, `USDT`); anything but two non-empty parts is `None`.
#[must_use]
pub fn split_pair(pair: &str, sep: char) -> Option<(&str, &str)> {
    let (base, quote) = pair.split_once(sep)?;
    (!base.is_empty() && !quote.is_empty() && !quote.contains(sep)).then_some((base, quote))
}

/// The value when positive.
#[must_use]
pub fn positive(d: Option<Decimal>) -> Option<Decimal> {
    d.filter(|v| *v > Decimal::ZERO)
}

/// A settled funding row, when it has both a time and a rate.
#[must_use]
pub fn point(time_ms: Option<i64>, rate: Option<Decimal>) -> Option<HistoryPoint> {
    Some(HistoryPoint {
        time_ms: time_ms?,
        rate: rate?,
    })
}

/// A candle row, when it has an open time, a high, a low and a close.
#[must_use]
pub fn candle(
    open_ms: Option<i64>,
    high: Option<Decimal>,
    low: Option<Decimal>,
    close: Option<Decimal>,
) -> Option<Candle> {
    Some(Candle {
        open_ms: open_ms?,
        high: high?,
        low: low?,
        close: close?,
    })
}

/// What a venue's ticker says of a market, perp or spot: book, 24 h range and quote volume, and
/// the venue's time of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Book {
    /// Best bid.
    pub bid: Option<Decimal>,
    /// Best ask.
    pub ask: Option<Decimal>,
    /// 24 h high.
    pub high_24h: Option<Decimal>,
    /// 24 h low.
    pub low_24h: Option<Decimal>,
    /// 24 h volume in the quote currency.
    pub volume_24h_quote: Option<Decimal>,
    /// The venue's time of the data.
    pub exchange_time: Option<DateTime<Utc>>,
}

impl Book {
    /// The book of a ticker: best `[bid, ask]`, 24 h `[high, low]`, and 24 h volume from
    /// `[quote, base, last]` (the venue's quote-volume figure, else base volume × last price, see
    /// [`quote_volume`]); no exchange time until [`Book::at`] sets one.
    #[must_use]
    pub fn of_ticker(
        [bid, ask]: [Option<Decimal>; 2],
        [high_24h, low_24h]: [Option<Decimal>; 2],
        [quote, base, last]: [Option<Decimal>; 3],
    ) -> Book {
        Book {
            bid,
            ask,
            high_24h,
            low_24h,
            volume_24h_quote: quote_volume(quote, base, last),
            exchange_time: None,
        }
    }

    /// The same book at the venue's time `exchange_time`.
    #[must_use]
    pub fn at(self, exchange_time: Option<DateTime<Utc>>) -> Book {
        Book {
            exchange_time,
            ..self
        }
    }
}

/// What a venue says of a perp's funding: the rate of the current interval, the interval's
/// length and when it settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Funding {
    /// Rate per interval, fraction.
    pub rate: Decimal,
    /// Interval length, hours.
    pub interval_hours: Decimal,
    /// Next settlement.
    pub next: Option<DateTime<Utc>>,
}

/// What a venue says of a perp besides its funding and book: mark and index price and open
/// interest (in coins), each absent where the venue does not say it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    /// Mark price.
    pub mark: Option<Decimal>,
    /// Index price.
    pub index: Option<Decimal>,
    /// Open interest, coins.
    pub open_interest: Option<Decimal>,
}

/// The quote of perp `inst` (venue, symbol, asset, quote and multiplier from the instrument)
/// from what the venue says of its funding, book and marks.
#[must_use]
pub fn perp_quote(
    inst: &Instrument,
    funding: Funding,
    book: Book,
    marks: Marks,
    received_at: DateTime<Utc>,
) -> PerpQuote {
    PerpQuote {
        venue: inst.venue,
        symbol: inst.symbol.clone(),
        asset: inst.asset.clone(),
        quote: inst.quote.clone(),
        multiplier: inst.multiplier,
        funding_rate: funding.rate,
        funding_interval_hours: funding.interval_hours,
        next_funding_time: funding.next,
        mark_price: marks.mark,
        index_price: marks.index,
        bid: book.bid,
        ask: book.ask,
        high_24h: book.high_24h,
        low_24h: book.low_24h,
        volume_24h_quote: book.volume_24h_quote,
        open_interest: marks.open_interest,
        exchange_time: book.exchange_time,
        received_at,
    }
}

/// The quote of spot pair `inst` (venue, symbol, asset and quote from the instrument).
#[must_use]
pub fn spot_quote(inst: &Instrument, book: Book, received_at: DateTime<Utc>) -> SpotQuote {
    SpotQuote {
        venue: inst.venue,
        symbol: inst.symbol.clone(),
        asset: inst.asset.clone(),
        quote: inst.quote.clone(),
        bid: book.bid,
        ask: book.ask,
        high_24h: book.high_24h,
        low_24h: book.low_24h,
        volume_24h_quote: book.volume_24h_quote,
        exchange_time: book.exchange_time,
        received_at,
    }
}

/// 24 h quote volume: the venue's own figure, else base `volume` × `last` price.
#[must_use]
pub fn quote_volume(
    quote: Option<Decimal>,
    volume: Option<Decimal>,
    last: Option<Decimal>,
) -> Option<Decimal> {
    quote.or_else(|| volume?.checked_mul(last?).map(|v| v.normalize()))
}

/// `candidates` without repeats: the first listing of a (market, symbol) wins, later ones are
/// logged for `venue` and dropped.
pub fn unique_listings(
    venue: &str,
    candidates: impl Iterator<Item = Instrument>,
) -> Vec<Instrument> {
    let mut seen: HashSet<(Market, String)> = HashSet::new();
    let mut instruments = Vec::with_capacity(candidates.size_hint().0);
    for inst in candidates {
        if seen.insert((inst.market, inst.symbol.clone())) {
            instruments.push(inst);
        } else {
            tracing::debug!(venue, symbol = %inst.symbol, "duplicate listing row ignored");
        }
    }
    instruments
}

/// The funding intervals that per-symbol detail bodies of `endpoint` give (the symbol of a body
/// from `symbol_of` its request, the interval from `read`); the first body of a symbol wins.
/// A body without an interval is logged at debug, one that cannot be read (`what`, as
/// "funding rate") as a warning, and both are skipped.
pub fn detail_intervals<'a>(
    venue: &str,
    what: &str,
    bodies: &'a [Body<'a>],
    endpoint: &str,
    symbol_of: impl Fn(&'a Request) -> Option<&'a str>,
    read: impl Fn(&str, &'a [u8]) -> Result<Option<Decimal>, ParseError>,
) -> HashMap<&'a str, Decimal> {
    let mut fetched = HashMap::new();
    for body in bodies.iter().filter(|b| b.request.endpoint == endpoint) {
        let Some(symbol) = symbol_of(body.request).filter(|s| !s.is_empty()) else {
            continue;
        };
        match read(symbol, body.bytes) {
            Ok(Some(hours)) => {
                fetched.entry(symbol).or_insert(hours);
            }
            Ok(None) => tracing::debug!(venue, symbol, "{what} without an interval"),
            Err(e) => tracing::warn!(
                venue,
                symbol,
                error = %e,
                "{what} unreadable; interval unchanged"
            ),
        }
    }
    fetched
}

/// Fills the perps of `fresh` without an interval from `fetched`, then from `previous`, and
/// keeps the age order [`super::intervals::detail_symbols`] reads: perps carried over from
/// `previous` first (oldest first), then the other perps, then the spot pairs.
pub fn merge_intervals(
    fresh: &mut Reference,
    previous: Option<&Reference>,
    fetched: &HashMap<&str, Decimal>,
) {
    let carried = carried_intervals(previous);
    let mut old: Vec<(usize, Instrument)> = Vec::new();
    let mut young = Vec::new();
    let mut spots = Vec::new();
    for mut inst in std::mem::take(&mut fresh.instruments) {
        if inst.market == Market::Spot {
            spots.push(inst);
        } else if positive(inst.funding_interval_hours).is_some() {
            young.push(inst);
        } else if let Some(hours) = fetched.get(inst.symbol.as_str()) {
            inst.funding_interval_hours = Some(*hours);
            young.push(inst);
        } else if let Some((rank, hours)) = carried.get(inst.symbol.as_str()) {
            inst.funding_interval_hours = Some(*hours);
            old.push((*rank, inst));
        } else {
            young.push(inst);
        }
    }
    old.sort_by_key(|(rank, _)| *rank);
    fresh.instruments = old
        .into_iter()
        .map(|(_, i)| i)
        .chain(young)
        .chain(spots)
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Market, Venue};
    use crate::venue::Request;

    #[test]
    fn the_first_row_of_a_symbol_wins_and_keyless_rows_are_skipped() {
        let rows = [("BTC", 1), ("", 2), ("BTC", 3), ("ETH", 4)];
        let map = by_symbol(&rows, |r| Some(r.0));
        assert_eq!(map.len(), 2);
        assert_eq!(map["BTC"].1, 1);
        let mut map = map;
        index_into(&mut map, &[("ETH", 5), ("SOL", 6)], |r| Some(r.0));
        assert_eq!((map["ETH"].1, map["SOL"].1), (4, 6));
    }

    #[test]
    fn bodies_of_an_endpoint_are_read_in_order_and_a_required_one_must_be_there() {
        let a = Request::get("a", "main", "/a", 1);
        let b = Request::get("b", "main", "/b", 1);
        let bodies = [
            Body {
                request: &a,
                bytes: b"[1,2]",
            },
            Body {
                request: &b,
                bytes: b"[9]",
            },
            Body {
                request: &a,
                bytes: b"[3]",
            },
        ];
        let rows: Vec<i64> = rows_of(&bodies, "a", true, |b| decode("a", b)).expect("rows");
        assert_eq!(rows, [1, 2, 3]);
        let err = rows_of::<i64>(&bodies, "c", true, |b| decode("c", b)).expect_err("missing");
        assert_eq!(err, ParseError::new("c", "response missing"));
        assert!(
            rows_of::<i64>(&bodies, "c", false, |b| decode("c", b))
                .expect("optional")
                .is_empty()
        );
        let err = each_body(&bodies, "b", true, |b| decode::<Vec<String>>("b", b))
            .expect_err("numbers are not strings");
        assert!(err.detail.starts_with("malformed JSON"), "{err}");
    }

    #[test]
    fn pairs_points_and_candles_need_every_part() {
        assert_eq!(split_pair("BTC-USDT", '-'), Some(("BTC", "USDT")));
        assert_eq!(split_pair("BTC_USDT", '_'), Some(("BTC", "USDT")));
        for bad in ["BTC", "-USDT", "BTC-", "BTC-USDT-SWAP"] {
            assert_eq!(split_pair(bad, '-'), None, "{bad}");
        }
        let one = Some(Decimal::ONE);
        assert_eq!(positive(Some(Decimal::ZERO)), None);
        assert_eq!(positive(one), one);
        assert!(point(Some(1), None).is_none() && point(None, one).is_none());
        assert_eq!(
            point(Some(1), one),
            Some(HistoryPoint {
                time_ms: 1,
                rate: Decimal::ONE
            })
        );
        assert!(candle(Some(1), one, one, None).is_none());
        assert!(candle(Some(1), one, one, one).is_some());
    }

    #[test]
    fn quotes_take_their_names_from_the_instrument() {
        let inst = Instrument {
            venue: Venue::Okx,
            market: Market::Perp,
            symbol: "1000PEPE-USDT-SWAP".into(),
            asset: "PEPE".into(),
            quote: "USDT".into(),
            multiplier: Decimal::ONE_THOUSAND,
            contract_size: Decimal::ONE,
            funding_interval_hours: None,
        };
        let now = Utc::now();
        let book = Book {
            bid: Some(Decimal::ONE),
            ..Book::default()
        };
        let funding = Funding {
            rate: Decimal::new(1, 4),
            interval_hours: Decimal::from(8),
            next: None,
        };
        let marks = Marks {
            index: Some(Decimal::TWO),
            ..Marks::default()
        };
        let p = perp_quote(&inst, funding, book, marks, now);
        assert_eq!(
            (p.venue, p.symbol.as_str(), p.asset.as_str(), p.multiplier),
            (
                Venue::Okx,
                "1000PEPE-USDT-SWAP",
                "PEPE",
                Decimal::ONE_THOUSAND
            )
        );
        assert_eq!(
            (p.funding_rate, p.bid, p.ask),
            (funding.rate, book.bid, None)
        );
        assert_eq!(
            (p.mark_price, p.index_price, p.open_interest),
            (None, marks.index, None)
        );
        let s = spot_quote(&inst, book, now);
        assert_eq!(
            (s.quote.as_str(), s.bid, s.received_at),
            ("USDT", book.bid, now)
        );
    }
}
