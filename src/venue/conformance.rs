//! The adapters' conformance suite: one table row per `Venue::ALL` member, the same checks for each (tests).
//!
//! What every adapter must do, run over every venue through its [`VenueAdapter`]:
//! - its documented and quirky fixtures parse to the values pinned in its row
//!   ([`lists_give_their_instruments`], [`quotes_give_their_values`],
//!   [`history_and_candles_give_their_points_and_bars`]);
//! - envelope errors, damaged and missing bodies fail naming the endpoint, and a damaged
//!   optional body never fails the plan ([`every_endpoint_names_itself_when_it_fails`],
//!   [`broken_bodies_fail_with_their_detail`]);
//! - rate-limit, ban and error bodies map to their signal ([`bodies_map_to_their_signal`]);
//! - mutated and truncated payloads never panic ([`mutated_payloads_never_panic`]).
//!
//! A row pins values as digest lines ([`instrument_line`], [`perp_line`], [`spot_line`]):
//! every field, decimals normalised, `-` for absent. [`case`] is an exhaustive `match`, so a
//! venue added to the enum without its row does not compile. What only one venue does stays in
//! that venue's `parse.rs`; the simulator round trips live in `crate::demo::roundtrip`.

/// The venue's entry of a per-venue table: `&BINANCE` for Binance and so on, the constants of
/// the table's module (both tables name their rows after the venues).
macro_rules! by_venue {
    ($venue:expr) => {
        match $venue {
            Venue::Binance => &BINANCE,
            Venue::Bybit => &BYBIT,
            Venue::Okx => &OKX,
            Venue::Bitget => &BITGET,
            Venue::Gate => &GATE,
            Venue::Hyperliquid => &HYPERLIQUID,
            Venue::Bingx => &BINGX,
            Venue::Mexc => &MEXC,
            Venue::Deribit => &DERIBIT,
            Venue::Dydx => &DYDX,
            Venue::Kraken => &KRAKEN,
            Venue::Weex => &WEEX,
        }
    };
}

mod requests;
mod rows;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::model::{Instrument, Market, PerpQuote, Reference, Snapshot, SpotQuote, Venue};
use crate::parse::ms_time;
use crate::venue::intervals::detail_symbols;
use crate::venue::testkit::{mutate, mutation};
use crate::venue::{
    Bar, Body, BodySignal, Candle, CandleWindow, HistoryPoint, ParseError, Request, VenueAdapter,
    adapter,
};

pub(crate) use rows::case;

/// Bodies by endpoint name, in plan order (an endpoint may repeat: pages).
pub(crate) type Parts = &'static [(&'static str, &'static str)];
/// Digest lines.
pub(crate) type Lines = &'static [&'static str];

/// Instrument lists and what they give.
#[derive(Debug)]
pub(crate) struct Lists {
    /// The reference bodies.
    pub(crate) parts: Parts,
    /// The reference as [`reference_lines`].
    pub(crate) lines: Lines,
}

/// The reference a snapshot is parsed against.
#[derive(Debug)]
pub(crate) enum Setup {
    /// Instruments written as [`instrument_line`]s.
    Lines(Lines),
    /// What these reference bodies parse to.
    Parts(Parts),
}

/// Snapshot bodies and the quotes they give.
#[derive(Debug)]
pub(crate) struct Quotes {
    /// The reference.
    pub(crate) reference: Setup,
    /// The snapshot bodies.
    pub(crate) parts: Parts,
    /// When they were received, ms.
    pub(crate) received_ms: i64,
    /// The quotes as [`perp_line`]s then [`spot_line`]s.
    pub(crate) lines: Lines,
}

/// What `check_body` must say.
#[derive(Debug)]
pub(crate) enum Signal {
    /// Nothing wrong.
    Ok,
    /// A rate limit.
    Limited,
    /// An API error with this code and message.
    Api(&'static str, &'static str),
    /// An API error with this code and a message starting so.
    ApiStarting(&'static str, &'static str),
}

/// One venue's row.
#[derive(Debug)]
pub(crate) struct Case {
    /// Instrument lists: documented, then quirky.
    pub(crate) lists: &'static [Lists],
    /// Snapshots: documented, then quirky.
    pub(crate) quotes: &'static [Quotes],
    /// An API error envelope of the venue (every endpoint must fail on it, naming itself).
    pub(crate) error: &'static str,
    /// `(status, body, signal)` for `check_body`.
    pub(crate) signals: &'static [(u16, &'static str, Signal)],
    /// `(endpoint, body, detail)`: the body fed as that endpoint's fails naming it, its detail
    /// containing `detail` (reference and snapshot endpoints get the first scenario's other
    /// bodies; history and candle endpoints are parsed alone).
    pub(crate) broken: &'static [(&'static str, &'static str, &'static str)],
    /// Funding history bodies and their points as `time_ms rate`.
    pub(crate) history: &'static [(&'static str, Lines)],
    /// Candle bodies of a market and bar and their bars as `open_ms high low close`.
    pub(crate) candles: &'static [(Market, Bar, &'static str, Lines)],
    /// Optional endpoints whose damaged body never fails the reference nor changes its
    /// instruments, and leaves no collateral table (the other optional bodies may fail, naming
    /// their endpoint).
    pub(crate) tolerant: &'static [&'static str],
    /// Every quoted book is both sides or neither, positive and uncrossed, whatever the payload
    /// (venues that derive the book, dYdX and Hyperliquid).
    pub(crate) sane_books: bool,
}

// ---- digests ----

fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

fn opt(d: Option<Decimal>) -> String {
    d.map_or_else(|| "-".to_owned(), num)
}

fn at(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "-".to_owned(), |t| t.timestamp_millis().to_string())
}

/// `perp 1000PEPEUSDT PEPE/USDT x1000 cs1 4h` (`-h` without an interval).
pub(crate) fn instrument_line(i: &Instrument) -> String {
    format!(
        "{} {} {}/{} x{} cs{} {}h",
        i.market.id(),
        i.symbol,
        i.asset,
        i.quote,
        num(i.multiplier),
        num(i.contract_size),
        opt(i.funding_interval_hours)
    )
}

/// The instruments, then `haircut COIN k` and `mmr SYMBOL m` lines.
pub(crate) fn reference_lines(r: &Reference) -> Vec<String> {
    let mut lines: Vec<String> = r.instruments.iter().map(instrument_line).collect();
    lines.extend(
        r.haircuts
            .iter()
            .map(|(c, k)| format!("haircut {c} {}", num(*k))),
    );
    lines.extend(
        r.maintenance_rates
            .iter()
            .map(|(s, m)| format!("mmr {s} {}", num(*m))),
    );
    lines
}

/// `BTCUSDT BTC/USDT x1 0.0001/8h next 1 mark 2 index 3 book 4/5 range 6/7 vol 8 oi - at 9`.
pub(crate) fn perp_line(p: &PerpQuote) -> String {
    format!(
        "{} {}/{} x{} {}/{}h next {} mark {} index {} book {}/{} range {}/{} vol {} oi {} at {}",
        p.symbol,
        p.asset,
        p.quote,
        num(p.multiplier),
        num(p.funding_rate),
        num(p.funding_interval_hours),
        at(p.next_funding_time),
        opt(p.mark_price),
        opt(p.index_price),
        opt(p.bid),
        opt(p.ask),
        opt(p.high_24h),
        opt(p.low_24h),
        opt(p.volume_24h_quote),
        opt(p.open_interest),
        at(p.exchange_time)
    )
}

/// `spot BTCUSDT BTC/USDT book 4/5 range 6/7 vol 8 at 9`.
pub(crate) fn spot_line(q: &SpotQuote) -> String {
    format!(
        "spot {} {}/{} book {}/{} range {}/{} vol {} at {}",
        q.symbol,
        q.asset,
        q.quote,
        opt(q.bid),
        opt(q.ask),
        opt(q.high_24h),
        opt(q.low_24h),
        opt(q.volume_24h_quote),
        at(q.exchange_time)
    )
}

/// The quotes as [`perp_line`]s then [`spot_line`]s.
pub(crate) fn snapshot_lines(s: &Snapshot) -> Vec<String> {
    let perps = s.perps.iter().map(perp_line);
    perps.chain(s.spots.iter().map(spot_line)).collect()
}

fn point_line(p: &HistoryPoint) -> String {
    format!("{} {}", p.time_ms, num(p.rate))
}

fn candle_line(c: &Candle) -> String {
    format!(
        "{} {} {} {}",
        c.open_ms,
        num(c.high),
        num(c.low),
        num(c.close)
    )
}

/// The instrument an [`instrument_line`] describes.
fn instrument(venue: Venue, line: &str) -> Instrument {
    let f: Vec<&str> = line.split_whitespace().collect();
    let dec = |s: &str| -> Decimal { s.parse().unwrap_or_else(|e| panic!("{line}: {e}")) };
    let [market, symbol, pair, mult, cs, hours] = f[..] else {
        panic!("{line}: not an instrument line");
    };
    let (asset, quote) = pair.split_once('/').expect("asset/quote");
    let hours = hours.trim_end_matches('h');
    Instrument {
        venue,
        market: if market == "perp" {
            Market::Perp
        } else {
            Market::Spot
        },
        symbol: symbol.into(),
        asset: asset.into(),
        quote: quote.into(),
        multiplier: dec(mult.trim_start_matches('x')),
        contract_size: dec(cs.trim_start_matches("cs")),
        funding_interval_hours: (hours != "-").then(|| dec(hours)),
    }
}

/// Panics unless `got` is `expected`, printing `got` as the row's lines to compare.
fn same(venue: Venue, what: &str, got: &[String], expected: Lines) {
    if got != expected {
        let rows: String = got.iter().map(|l| format!("\n    {l:?},")).collect();
        panic!("{venue} {what}: got{rows}\nexpected {expected:#?}");
    }
}

// ---- plumbing ----

/// The request of `endpoint` the adapter plans: in its reference plan, or its full snapshot's.
fn request(a: &dyn VenueAdapter, reference: bool, endpoint: &str) -> Request {
    let plan = if reference {
        a.reference_requests()
    } else {
        a.snapshot_requests(true)
    };
    plan.into_iter()
        .find(|r| r.endpoint == endpoint)
        .unwrap_or_else(|| panic!("{}: no planned request `{endpoint}`", a.venue()))
}

/// Runs `f` on the bodies `parts` (each paired with its endpoint's planned request).
fn with_bodies<R>(
    a: &dyn VenueAdapter,
    reference: bool,
    parts: &[(&'static str, &[u8])],
    f: impl FnOnce(&[Body<'_>]) -> R,
) -> R {
    let requests: Vec<Request> = parts
        .iter()
        .map(|(e, _)| request(a, reference, e))
        .collect();
    let bodies: Vec<Body<'_>> = requests
        .iter()
        .zip(parts)
        .map(|(request, (_, bytes))| Body { request, bytes })
        .collect();
    f(&bodies)
}

fn bytes(parts: Parts) -> Vec<(&'static str, &'static [u8])> {
    parts.iter().map(|(e, t)| (*e, t.as_bytes())).collect()
}

fn reference_of(
    a: &dyn VenueAdapter,
    parts: &[(&'static str, &[u8])],
) -> Result<Reference, ParseError> {
    with_bodies(a, true, parts, |b| a.parse_reference(b))
}

fn setup(venue: Venue, s: &Setup) -> Reference {
    match s {
        Setup::Lines(lines) => Reference {
            instruments: lines.iter().map(|l| instrument(venue, l)).collect(),
            ..Reference::default()
        },
        Setup::Parts(parts) => reference_of(adapter(venue), &bytes(parts))
            .unwrap_or_else(|e| panic!("{venue}: the reference of a snapshot: {e}")),
    }
}

fn received(q: &Quotes) -> DateTime<Utc> {
    ms_time(q.received_ms).expect("a time")
}

fn snapshot_of(
    a: &dyn VenueAdapter,
    parts: &[(&'static str, &[u8])],
    r: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    with_bodies(a, false, parts, |b| a.parse_snapshot(b, r, received_at))
}

/// The endpoint the adapter names its funding history requests with, if any.
fn history_endpoint(a: &dyn VenueAdapter) -> Option<&'static str> {
    a.funding_history_request("BTC", 0, Bar::Day.millis(), None, 0)
        .map(|r| r.endpoint)
}

/// The endpoint the adapter names its candle requests of `market` with, if any.
fn candle_endpoint(a: &dyn VenueAdapter, market: Market) -> Option<&'static str> {
    let window = CandleWindow {
        market,
        symbol: "BTC",
        bar: Bar::Day,
        start_ms: 0,
        end_ms: Bar::Day.millis(),
    };
    a.candle_request(&window, None, 0).map(|r| r.endpoint)
}

/// `parts` with every body of `endpoint` replaced by `body` (`None`: left out).
fn replaced<'a>(
    parts: &[(&'static str, &'a [u8])],
    endpoint: &str,
    body: Option<&'a [u8]>,
) -> Vec<(&'static str, &'a [u8])> {
    parts
        .iter()
        .filter_map(|&(e, b)| {
            if e == endpoint {
                body.map(|body| (e, body))
            } else {
                Some((e, b))
            }
        })
        .collect()
}

/// Where a body of `endpoint` goes, parsed with the first scenario's other bodies.
fn parse_as(venue: Venue, endpoint: &'static str, body: &[u8]) -> Result<(), ParseError> {
    let (a, c) = (adapter(venue), case(venue));
    if let Some(l) = c
        .lists
        .iter()
        .find(|l| l.parts.iter().any(|p| p.0 == endpoint))
    {
        return reference_of(a, &replaced(&bytes(l.parts), endpoint, Some(body))).map(|_| ());
    }
    if let Some(q) = c
        .quotes
        .iter()
        .find(|q| q.parts.iter().any(|p| p.0 == endpoint))
    {
        let r = setup(venue, &q.reference);
        let parts = replaced(&bytes(q.parts), endpoint, Some(body));
        return snapshot_of(a, &parts, &r, received(q)).map(|_| ());
    }
    if history_endpoint(a) == Some(endpoint) {
        return a.parse_funding_history(body).map(|_| ());
    }
    for market in [Market::Perp, Market::Spot] {
        if candle_endpoint(a, market) == Some(endpoint) {
            return a.parse_candles(market, Bar::Day, body).map(|_| ());
        }
    }
    panic!("{venue}: `{endpoint}` is in no scenario of the row");
}

/// `venue`'s reference from `parts` (for the venues' own tests).
pub(crate) fn reference_from(venue: Venue, parts: &[(&'static str, &str)]) -> Reference {
    let parts: Vec<_> = parts.iter().map(|(e, t)| (*e, t.as_bytes())).collect();
    reference_of(adapter(venue), &parts).unwrap_or_else(|e| panic!("{venue}: {e}"))
}

/// `venue`'s snapshot of `parts` against `r`, received at `received_ms` (for the venues' own
/// tests).
pub(crate) fn snapshot_from(
    venue: Venue,
    parts: &[(&'static str, &str)],
    r: &Reference,
    received_ms: i64,
) -> Snapshot {
    let parts: Vec<_> = parts.iter().map(|(e, t)| (*e, t.as_bytes())).collect();
    let received_at = ms_time(received_ms).expect("a time");
    snapshot_of(adapter(venue), &parts, r, received_at).unwrap_or_else(|e| panic!("{venue}: {e}"))
}

/// Applies detail bodies, `(request, body)` pairs, to `fresh` through `venue`'s adapter (for
/// the venues' own tests).
pub(crate) fn apply_details(
    venue: Venue,
    fresh: &mut Reference,
    previous: Option<&Reference>,
    parts: &[(Request, &str)],
) {
    let bodies: Vec<Body<'_>> = parts
        .iter()
        .map(|(request, b)| Body {
            request,
            bytes: b.as_bytes(),
        })
        .collect();
    adapter(venue)
        .apply_details(fresh, previous, &bodies)
        .unwrap_or_else(|e| panic!("{venue}: {e}"));
}

/// A venue that learns unknown funding intervals from per-symbol detail requests (BingX, MEXC)
/// and the script of its first refresh, for the venues' own tests.
pub(crate) struct Details {
    /// The venue.
    pub venue: Venue,
    /// The detail request of one symbol.
    pub request_of: fn(&str) -> Request,
    /// The batch the adapter asks at most and the perps without an interval it asks, in order.
    pub batch: (usize, &'static [&'static str]),
    /// A smaller batch: the first that many of them.
    pub bounded: usize,
    /// Detail bodies, `(symbol, body)`.
    pub bodies: &'static [(&'static str, &'static str)],
    /// The intervals they give, `None` where the perp stays unknown.
    pub learnt: &'static [(&'static str, Option<&'static str>)],
    /// Perps the quirky quotes then give `(symbol, rate, interval hours)`.
    pub quoted: &'static [(&'static str, &'static str, &'static str)],
}

impl Details {
    /// Applies detail bodies, one per `(symbol, body)`, to `fresh`.
    pub(crate) fn apply(
        &self,
        fresh: &mut Reference,
        previous: Option<&Reference>,
        bodies: &[(&str, &str)],
    ) {
        let request_of = self.request_of;
        super::rows::apply_detail_bodies(self.venue, request_of, fresh, previous, bodies);
    }

    /// Runs the first refresh on the reference of the venue's quirky list 1: the perps without
    /// an interval are asked (the adapter's second request is that of the second of them), the
    /// bodies fill them in, nothing else changes, and the quirky quotes use them. Returns the
    /// list's reference, the filled one and the snapshot.
    pub(crate) fn run(&self) -> (Reference, Reference, Snapshot) {
        let d = |s: &str| s.parse::<Decimal>().expect("test decimal");
        let venue = self.venue;
        let (q, fresh) = super::rows::quirky(venue, 1);
        let (batch, unknown) = self.batch;
        assert_eq!(detail_symbols(&fresh, None, batch), unknown, "{venue}");
        let first_few = &unknown[..self.bounded];
        assert_eq!(
            detail_symbols(&fresh, None, self.bounded),
            first_few,
            "{venue}: bounded"
        );
        let requests = adapter(venue).detail_requests(&fresh, None);
        assert_eq!(requests[1], (self.request_of)(unknown[1]), "{venue}");

        let mut first = fresh.clone();
        self.apply(&mut first, None, self.bodies);
        for (symbol, hours) in self.learnt {
            assert_eq!(interval(&first, symbol), hours.map(d), "{venue}: {symbol}");
        }
        assert_eq!(first.instruments.len(), fresh.instruments.len(), "{venue}");

        let s = snapshot_from(venue, q.parts, &first, q.received_ms);
        for (symbol, rate, hours) in self.quoted {
            let p = s
                .perps
                .iter()
                .find(|p| p.symbol == *symbol)
                .expect("quoted");
            let got = (p.funding_rate, p.funding_interval_hours);
            assert_eq!(got, (d(rate), d(hours)), "{venue}: {symbol}");
        }
        (fresh, first, s)
    }
}

/// Checks what a venue's per-symbol interval reader (`read(symbol, body)`) makes of
/// `(symbol, body, hours)` cases, `None` where the body gives that symbol no interval.
pub(crate) fn reads_intervals(
    venue: Venue,
    read: impl Fn(&str, &[u8]) -> Result<Option<Decimal>, ParseError>,
    cases: &[(&str, &str, Option<&str>)],
) {
    for (symbol, body, hours) in cases {
        let want = hours.map(|h| h.parse::<Decimal>().expect("test decimal"));
        assert_eq!(read(symbol, body.as_bytes()), Ok(want), "{venue}: {symbol}");
    }
}

/// The funding interval of perp `symbol` in `r`.
pub(crate) fn interval(r: &Reference, symbol: &str) -> Option<Decimal> {
    let perp = r
        .instruments
        .iter()
        .find(|i| i.symbol == symbol && i.market == Market::Perp);
    perp.and_then(|i| i.funding_interval_hours)
}

// ---- the suite ----

#[test]
fn every_venue_has_a_row_that_exercises_it() {
    for venue in Venue::ALL {
        let (a, c) = (adapter(venue), case(venue));
        assert_eq!(a.venue(), venue);
        assert!(!c.lists.is_empty() && !c.quotes.is_empty(), "{venue}");
        assert!(!c.signals.is_empty() && !c.broken.is_empty(), "{venue}");
        assert_eq!(
            history_endpoint(a).is_some(),
            !c.history.is_empty(),
            "{venue}: a history endpoint and its fixtures go together"
        );
        for market in [Market::Perp, Market::Spot] {
            assert_eq!(
                candle_endpoint(a, market).is_some(),
                c.candles.iter().any(|(m, ..)| *m == market),
                "{venue}: {market:?} candles and their fixtures go together"
            );
        }
    }
}

#[test]
fn lists_give_their_instruments() {
    for venue in Venue::ALL {
        let a = adapter(venue);
        for (n, l) in case(venue).lists.iter().enumerate() {
            let r = reference_of(a, &bytes(l.parts)).unwrap_or_else(|e| panic!("{venue}: {e}"));
            same(venue, &format!("lists #{n}"), &reference_lines(&r), l.lines);
            assert!(r.instruments.iter().all(|i| i.venue == venue));
        }
    }
}

#[test]
fn quotes_give_their_values() {
    for venue in Venue::ALL {
        let a = adapter(venue);
        for (n, q) in case(venue).quotes.iter().enumerate() {
            let r = setup(venue, &q.reference);
            let s = snapshot_of(a, &bytes(q.parts), &r, received(q))
                .unwrap_or_else(|e| panic!("{venue}: {e}"));
            same(venue, &format!("quotes #{n}"), &snapshot_lines(&s), q.lines);
            assert_eq!((s.venue, s.received_at), (venue, received(q)));
            assert!(
                s.perps
                    .iter()
                    .all(|p| p.venue == venue && p.received_at == s.received_at)
            );
            assert!(
                s.spots
                    .iter()
                    .all(|q| q.venue == venue && q.received_at == s.received_at)
            );
        }
    }
}

#[test]
fn history_and_candles_give_their_points_and_bars() {
    for venue in Venue::ALL {
        let (a, c) = (adapter(venue), case(venue));
        for (n, (body, lines)) in c.history.iter().enumerate() {
            let points = a
                .parse_funding_history(body.as_bytes())
                .unwrap_or_else(|e| panic!("{venue} history #{n}: {e}"));
            let got: Vec<String> = points.iter().map(point_line).collect();
            same(venue, &format!("history #{n}"), &got, lines);
        }
        for (n, (market, bar, body, lines)) in c.candles.iter().enumerate() {
            let candles = a
                .parse_candles(*market, *bar, body.as_bytes())
                .unwrap_or_else(|e| panic!("{venue} candles #{n}: {e}"));
            let got: Vec<String> = candles.iter().map(candle_line).collect();
            same(venue, &format!("candles #{n}"), &got, lines);
        }
    }
}

/// Bodies no endpoint parses to data.
const JUNK: [&str; 7] = [
    "{}",
    "",
    "null",
    "[1, 2]",
    "[{\"symbol\":\"BTCUSD\",\"bidBuffer\":[]}]",
    "{\"data\":[{\"ccy\":\"BTC\"",
    "<html>502 Bad Gateway</html>",
];

/// Every endpoint of every scenario: the venue's error envelope, a cut body and a missing
/// body fail naming it, unless the request is optional, when the plan still parses (and a
/// reference keeps its instruments).
#[test]
fn every_endpoint_names_itself_when_it_fails() {
    for venue in Venue::ALL {
        let (a, c) = (adapter(venue), case(venue));
        let error = c.error.as_bytes();
        let check =
            |reference, endpoint, result: Result<Vec<String>, ParseError>, clean| match result {
                Err(err) => assert_eq!(err.endpoint, endpoint, "{venue}: {err}"),
                Ok(_) if !request(a, reference, endpoint).optional => {
                    panic!("{venue}: {endpoint} damaged or missing, yet parsed")
                }
                Ok(got) => assert!(
                    got == clean || !c.tolerant.contains(&endpoint),
                    "{venue}: damaged optional {endpoint} changed {got:?}"
                ),
            };
        for l in c.lists {
            let parts = bytes(l.parts);
            // The instruments, without a collateral table.
            let instruments = |r: Reference| {
                let lines = reference_lines(&Reference {
                    maintenance_rates: Default::default(),
                    ..r
                });
                lines
                    .into_iter()
                    .filter(|l| !l.starts_with("haircut"))
                    .collect::<Vec<_>>()
            };
            let clean: Vec<String> = instruments(reference_of(a, &parts).expect("clean"));
            for &(endpoint, text) in l.parts {
                let cut = &text.as_bytes()[..text.trim_end().len() / 2];
                let mut bodies = vec![Some(error), Some(cut), None];
                if c.tolerant.contains(&endpoint) {
                    bodies.extend(JUNK.iter().map(|j| Some(j.as_bytes())));
                }
                for body in bodies {
                    let r = reference_of(a, &replaced(&parts, endpoint, body)).map(|r| {
                        let tolerated = c.tolerant.contains(&endpoint);
                        assert!(!tolerated || r.haircuts.is_empty(), "{venue}: {endpoint}");
                        instruments(r)
                    });
                    check(true, endpoint, r, clean.clone());
                }
            }
        }
        for q in c.quotes {
            let (r, parts) = (setup(venue, &q.reference), bytes(q.parts));
            for &(endpoint, text) in q.parts {
                let cut = &text.as_bytes()[..text.trim_end().len() / 2];
                for body in [Some(error), Some(cut), None] {
                    let s = snapshot_of(a, &replaced(&parts, endpoint, body), &r, received(q));
                    check(false, endpoint, s.map(|_| Vec::new()), Vec::new());
                }
            }
        }
        for endpoint in [history_endpoint(a), candle_endpoint(a, Market::Perp)]
            .into_iter()
            .flatten()
        {
            let err = parse_as(venue, endpoint, error).expect_err(endpoint);
            assert_eq!(err.endpoint, endpoint, "{venue}: {err}");
        }
    }
}

/// Paging stops on an empty page and an empty window asks nothing, for history and candles.
#[test]
fn an_empty_page_or_window_asks_nothing_more() {
    let (start, end) = (
        1_760_000_000_000 - 30 * Bar::Day.millis(),
        1_760_000_000_000,
    );
    for venue in Venue::ALL {
        let a = adapter(venue);
        if history_endpoint(a).is_some() {
            let after_empty = a.funding_history_request("BTC", start, end, Some(&[]), 1);
            assert_eq!(after_empty, None, "{venue}");
            let reversed = a.funding_history_request("BTC", end, start, None, 0);
            assert_eq!(reversed, None, "{venue}: an empty window");
        }
        for market in [Market::Perp, Market::Spot] {
            for bar in [Bar::Hour, Bar::Day] {
                let w = CandleWindow {
                    market,
                    symbol: "BTC",
                    bar,
                    start_ms: start,
                    end_ms: end,
                };
                assert_eq!(
                    a.candle_request(&w, Some(&[]), 1),
                    None,
                    "{venue} {market:?}"
                );
            }
        }
    }
}

#[test]
fn broken_bodies_fail_with_their_detail() {
    for venue in Venue::ALL {
        for &(endpoint, body, detail) in case(venue).broken {
            let err = parse_as(venue, endpoint, body.as_bytes())
                .expect_err(&format!("{venue} {endpoint}: {body}"));
            assert_eq!(err.endpoint, endpoint, "{venue}: {err}");
            assert!(err.detail.contains(detail), "{venue}: {err} ({detail})");
        }
    }
}

#[test]
fn bodies_map_to_their_signal() {
    for venue in Venue::ALL {
        let a = adapter(venue);
        let plan = &case(venue).quotes[0].parts;
        assert_eq!(
            a.check_body(200, plan[0].1.as_bytes()),
            BodySignal::Ok,
            "{venue}"
        );
        assert_eq!(
            a.check_body(502, b"<html>bad gateway</html>"),
            BodySignal::Ok
        );
        for (status, body, signal) in case(venue).signals {
            let got = a.check_body(*status, body.as_bytes());
            let ok = match (signal, &got) {
                (Signal::Ok, BodySignal::Ok) | (Signal::Limited, BodySignal::RateLimited) => true,
                (Signal::Api(c, m), BodySignal::Api { code, msg }) => code == c && msg == m,
                (Signal::ApiStarting(c, m), BodySignal::Api { code, msg }) => {
                    code == c && msg.starts_with(m)
                }
                _ => false,
            };
            assert!(ok, "{venue} {status} {body}: {got:?}, not {signal:?}");
        }
    }
}

/// Both sides or neither, positive and not crossed.
fn sane(bid: Option<Decimal>, ask: Option<Decimal>) -> bool {
    match (bid, ask) {
        (Some(b), Some(a)) => b > Decimal::ZERO && b <= a,
        (None, None) => true,
        _ => false,
    }
}

/// One body of the row (any scenario, history or candles) damaged by `m`; whatever it parses
/// to holds together.
fn damaged(venue: Venue, pick: usize, m: &crate::venue::testkit::Mutation) {
    let (a, c) = (adapter(venue), case(venue));
    let lists = c.lists.iter().map(|l| l.parts);
    let scenarios: Vec<Parts> = lists.chain(c.quotes.iter().map(|q| q.parts)).collect();
    let mut texts: Vec<(usize, usize, &str)> = Vec::new();
    for (s, parts) in scenarios.iter().enumerate() {
        texts.extend(parts.iter().enumerate().map(|(p, (_, t))| (s, p, *t)));
    }
    let pick = pick % (texts.len() + c.history.len() + c.candles.len());
    if let Some(h) = pick.checked_sub(texts.len()) {
        let (text, candles) = match c.history.get(h) {
            Some(h) => (h.0, None),
            None => {
                let k = &c.candles[h - c.history.len()];
                (k.2, Some((k.0, k.1)))
            }
        };
        let body = mutate(text, m);
        let _ = a.check_body(200, &body);
        let points = a.parse_funding_history(&body).map(|p| p.len());
        let bars = [Market::Perp, Market::Spot]
            .map(|market| a.parse_candles(market, Bar::Hour, &body).map(|c| c.len()));
        for n in bars.iter().chain([&points]).flatten() {
            assert!(
                *n <= body.len(),
                "{venue}: {n} rows from {} bytes",
                body.len()
            );
        }
        if m.truncates() {
            let result = match candles {
                None => points,
                Some((market, bar)) => a.parse_candles(market, bar, &body).map(|c| c.len()),
            };
            assert!(result.is_err(), "{venue}: a truncated payload must fail");
        }
        return;
    }
    let (s, p, text) = texts[pick];
    let body = mutate(text, m);
    let _ = a.check_body(200, &body);
    let _ = a.check_body(429, &body);
    let (endpoint, _) = scenarios[s][p];
    let mut parts = bytes(scenarios[s]);
    parts[p].1 = &body;
    let optional = request(a, s < c.lists.len(), endpoint).optional;
    let result = if s < c.lists.len() {
        reference_of(a, &parts).map(|r| {
            let mut seen = HashSet::new();
            for i in &r.instruments {
                assert!(
                    seen.insert((i.market, i.symbol.clone())),
                    "{venue}: {i:?} twice"
                );
                assert!(!i.symbol.is_empty() && !i.asset.is_empty() && !i.quote.is_empty());
                assert!(i.multiplier > Decimal::ZERO && i.contract_size > Decimal::ZERO);
                assert!(i.funding_interval_hours.is_none_or(|h| h > Decimal::ZERO));
            }
            for (coin, k) in &r.haircuts {
                assert!(
                    !coin.is_empty() && *coin == coin.to_ascii_uppercase(),
                    "{coin}"
                );
                assert!(
                    *k > Decimal::ZERO && *k <= Decimal::ONE,
                    "{venue}: {coin} {k}"
                );
            }
        })
    } else {
        let q = &c.quotes[s - c.lists.len()];
        let r = setup(venue, &q.reference);
        snapshot_of(a, &parts, &r, received(q)).map(|snap| {
            let (perps, spots) = (r.index(Market::Perp), r.index(Market::Spot));
            let mut seen = HashSet::new();
            for p in &snap.perps {
                assert!(
                    perps.contains_key(p.symbol.as_str()),
                    "{venue}: {}",
                    p.symbol
                );
                assert!(seen.insert(p.symbol.clone()), "{venue}: {} twice", p.symbol);
                assert!(
                    p.funding_interval_hours > Decimal::ZERO,
                    "{venue}: {}",
                    p.symbol
                );
                assert!(!c.sane_books || sane(p.bid, p.ask), "{venue}: {p:?}");
            }
            for q in &snap.spots {
                assert!(
                    spots.contains_key(q.symbol.as_str()),
                    "{venue}: {}",
                    q.symbol
                );
                assert!(!c.sane_books || sane(q.bid, q.ask), "{venue}: {q:?}");
            }
        })
    };
    if m.truncates() && !optional {
        // A strict prefix of a JSON document is never a document.
        let err = result.expect_err("a truncated payload must fail");
        assert_eq!(err.endpoint, endpoint, "{venue}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn mutated_payloads_never_panic(
        venue in proptest::sample::select(Venue::ALL.as_slice()),
        pick in any::<usize>(),
        m in mutation(),
    ) {
        damaged(venue, pick, &m);
    }
}
