//! Round trips through the simulator: every venue's adapter reads what the simulator renders (tests; the only place both sides meet).
//!
//! The adapters under `crate::venue` never import the simulator; the tests that need both sides
//! live here, on the helpers of this module:
//! - [`serve_plan`] serves a request plan from a venue's route table as the demo server would;
//! - [`candle_pages`] and [`funding_pages`] run the caller's paging loop (as `crate::backfill`
//!   does) against a venue's responder; [`synth_candles`] is what the simulator serves for a
//!   window;
//! - `paging` pages windows of every venue (one table row each), `conformance` round-trips every
//!   venue's plans, `history` runs the funding-history checks that start from the same market;
//!   the per-venue files keep what only that venue does.

mod binance;
mod conformance;
mod deribit;
pub(super) mod history;
mod http;
mod hyperliquid;
mod okx;
mod paging;
mod universe;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{Ask, Respond, Route, SynthMarket, Universe};
use crate::model::{Reference, Snapshot, Venue};
use crate::parse::ms_time;
use crate::venue::kit::Stamped;
use crate::venue::{
    Body, Candle, CandleWindow, HistoryPoint, Method, ParseError, Request, VenueAdapter,
};

/// A decimal from its text.
pub(super) fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A time from ms.
pub(super) fn t(ms: i64) -> Option<DateTime<Utc>> {
    ms_time(ms)
}

/// The body a route table serves for `request`: same host and path, the route's query pairs ⊆
/// the request's, and the text a POST route asks for (Hyperliquid's `"type"`) in the body.
pub(super) fn served<'r>(routes: &'r [Route], request: &Request) -> &'r str {
    let hits: Vec<&Route> = routes
        .iter()
        .filter(|rt| {
            rt.host == request.host
                && rt.path == request.path
                && rt
                    .query
                    .iter()
                    .all(|(k, v)| request.query.iter().any(|(qk, qv)| qk == k && qv == v))
                && rt.request_contains.as_ref().is_none_or(|text| {
                    matches!(&request.method, Method::Post(body) if body.contains(text.as_str()))
                })
        })
        .collect();
    assert_eq!(hits.len(), 1, "{request:?}");
    &hits[0].body
}

/// The bodies a route table serves for `requests`, paired with them.
pub(super) fn serve_plan<'a>(routes: &'a [Route], requests: &'a [Request]) -> Vec<Body<'a>> {
    requests
        .iter()
        .map(|request| Body {
            request,
            bytes: served(routes, request).as_bytes(),
        })
        .collect()
}

/// Most requests a test's paging loop makes before it calls the paging endless.
const MAX_REQUESTS: usize = 100;

/// What a paging loop fetched: each request and its page as parsed (funding pages sorted by
/// time, as the caller sorts them; candle pages as received).
#[derive(Debug)]
pub(super) struct Paged<T> {
    /// The requests, in order.
    pub(super) requests: Vec<Request>,
    /// One page per request.
    pub(super) pages: Vec<Vec<T>>,
}

/// A settlement time is its own stamp (the funding paging tests compare bare times).
impl Stamped for i64 {
    fn stamp(&self) -> i64 {
        *self
    }
}

/// `rows` sorted by time.
pub(super) fn by_time<T: Stamped>(mut rows: Vec<T>) -> Vec<T> {
    rows.sort_by_key(Stamped::stamp);
    rows
}

impl<T: Stamped + Copy> Paged<T> {
    /// How many requests were made.
    pub(super) fn count(&self) -> usize {
        self.requests.len()
    }

    /// Every row received, page after page (duplicates and rows outside the window kept).
    pub(super) fn all(&self) -> Vec<T> {
        self.pages.concat()
    }

    /// The rows within `[start_ms, end_ms]`, as the caller stores them (no de-duplication).
    pub(super) fn within(&self, start_ms: i64, end_ms: i64) -> Vec<T> {
        self.clipped(start_ms, end_ms).concat()
    }

    /// Each page cut to the rows within `[start_ms, end_ms]`.
    pub(super) fn clipped(&self, start_ms: i64, end_ms: i64) -> Vec<Vec<T>> {
        self.pages
            .iter()
            .map(|page| {
                page.iter()
                    .copied()
                    .filter(|r| (start_ms..=end_ms).contains(&r.stamp()))
                    .collect()
            })
            .collect()
    }

    /// The endpoint of each request.
    pub(super) fn endpoints(&self) -> Vec<&'static str> {
        self.requests.iter().map(|r| r.endpoint).collect()
    }
}

/// The body `respond` serves for `request`, handed over as the demo server would: the path,
/// the query pairs and the POST body (Hyperliquid) as sent.
fn serve(respond: Respond, u: &Universe, request: &Request) -> String {
    let body = match &request.method {
        Method::Post(body) => body.as_str(),
        Method::Get => "",
    };
    let query = pairs(request);
    let ask = Ask {
        path: &request.path,
        query: &query,
        body,
    };
    respond(u, &ask).unwrap_or_else(|| panic!("the demo serves no {} ({body})", request.path))
}

/// A request's query as the demo server hands it to `respond`.
fn pairs(request: &Request) -> Vec<(String, String)> {
    request
        .query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// The caller's loop: request the next page given the previous one and the page count, parse
/// it, stop on an empty page or the same page again (as `crate::backfill` does), and on `None`.
fn page_through<T: Stamped + Copy + PartialEq>(
    respond: Respond,
    u: &Universe,
    mut next: impl FnMut(Option<&[T]>, u32) -> Option<Request>,
    parse: impl Fn(&[u8]) -> Result<Vec<T>, ParseError>,
) -> Paged<T> {
    let mut paged = Paged {
        requests: Vec::new(),
        pages: Vec::new(),
    };
    loop {
        let previous = paged.pages.last().map(Vec::as_slice);
        let page_no = u32::try_from(paged.requests.len()).expect("few pages");
        let Some(request) = next(previous, page_no) else {
            break;
        };
        assert!(
            paged.requests.len() < MAX_REQUESTS,
            "paging does not terminate: {request:?}"
        );
        let body = serve(respond, u, &request);
        let page = parse(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"));
        let done = page.is_empty() || previous == Some(page.as_slice());
        paged.requests.push(request);
        paged.pages.push(page);
        if done {
            break;
        }
    }
    paged
}

/// Pages the candles of `w` through the demo with `adapter`'s `candle_request` and
/// `parse_candles`.
pub(super) fn candle_pages(
    adapter: &dyn VenueAdapter,
    respond: Respond,
    u: &Universe,
    w: &CandleWindow<'_>,
) -> Paged<Candle> {
    page_through(
        respond,
        u,
        |previous, page| adapter.candle_request(w, previous, page),
        |body| adapter.parse_candles(w.market, w.bar, body),
    )
}

/// Pages the settled funding of perp `symbol` within `[start_ms, end_ms]` through the demo
/// with `adapter`'s `funding_history_request` and `parse_funding_history`.
pub(super) fn funding_pages(
    adapter: &dyn VenueAdapter,
    respond: Respond,
    u: &Universe,
    symbol: &str,
    start_ms: i64,
    end_ms: i64,
) -> Paged<HistoryPoint> {
    page_through(
        respond,
        u,
        |previous, page| adapter.funding_history_request(symbol, start_ms, end_ms, previous, page),
        |body| {
            let mut page = adapter.parse_funding_history(body)?;
            page.sort_by_key(|p| p.time_ms);
            Ok(page)
        },
    )
}

/// The synthetic candles of `m` in `w`, per coin, ascending (the running bar included).
pub(super) fn synth_candles(m: &SynthMarket, w: &CandleWindow<'_>, now_ms: i64) -> Vec<Candle> {
    m.candles(w.bar, w.start_ms, w.end_ms, now_ms)
        .iter()
        .map(|c| Candle {
            open_ms: c.open_ms,
            high: c.high,
            low: c.low,
            close: c.close,
        })
        .collect()
}

/// The rows of an answer that is a bare array (panics, showing the answer, when it is not).
pub(super) fn array(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v.as_array()
        .cloned()
        .unwrap_or_else(|| panic!("not rows: {v}"))
}

/// The row of `rows` whose `key` is `value` (panics naming `value` when there is none).
pub(super) fn row_where<'r>(
    rows: &'r [serde_json::Value],
    key: &str,
    value: &str,
) -> &'r serde_json::Value {
    rows.iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row with {key} {value}"))
}

/// Query pairs as the demo server hands them to `respond`.
pub(super) fn demo_query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The JSON `respond` answers to a GET of `path` with query `pairs` (panics when the venue
/// serves no such path or answers no JSON).
pub(super) fn get_json(
    respond: Respond,
    u: &Universe,
    path: &str,
    pairs: &[(&str, &str)],
) -> serde_json::Value {
    let query = demo_query(pairs);
    let body = respond(u, &Ask::get(path, &query))
        .unwrap_or_else(|| panic!("{}: the demo serves no {path}", u.venue));
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{}: {path}: not JSON: {e}", u.venue))
}

/// A venue's synthetic universe read through its adapter as the poller reads it: the reference
/// plan (pages followed) and the full snapshot plan, served from the simulator's routes and
/// parsed (details not applied), received 250 ms after the universe's time.
#[derive(Debug)]
pub(super) struct Trip {
    /// The universe.
    pub(super) u: Universe,
    /// What the simulator serves for it.
    pub(super) routes: Vec<Route>,
    /// The reference the adapter reads.
    pub(super) reference: Reference,
    /// The full snapshot the adapter reads.
    pub(super) snapshot: Snapshot,
    /// When the snapshot was received.
    pub(super) received_at: DateTime<Utc>,
}

/// `plan` with the follow-up pages the adapter asks for after each served page.
pub(super) fn paged(a: &dyn VenueAdapter, routes: &[Route], plan: Vec<Request>) -> Vec<Request> {
    let mut out = Vec::new();
    for first in plan {
        let mut next = Some(first);
        while let Some(request) = next {
            next = a
                .next_page(&request, served(routes, &request).as_bytes())
                .unwrap_or_else(|e| panic!("{}: {e}", a.venue()));
            out.push(request);
        }
    }
    out
}

/// The [`Trip`] of a universe of `perps` perps and `spots` spot pairs on `venue` at `now_ms`.
pub(super) fn trip(venue: Venue, perps: usize, spots: usize, now_ms: i64) -> Trip {
    let a = crate::venue::adapter(venue);
    let u = Universe::generate(venue, perps, spots, now_ms);
    let routes = super::routes(&u);
    let plan = paged(a, &routes, a.reference_requests());
    let reference = a
        .parse_reference(&serve_plan(&routes, &plan))
        .unwrap_or_else(|e| panic!("{venue}: {e}"));
    let plan = paged(a, &routes, a.snapshot_requests(true));
    let received_at = t(now_ms + 250).expect("a time");
    let snapshot = a
        .parse_snapshot(&serve_plan(&routes, &plan), &reference, received_at)
        .unwrap_or_else(|e| panic!("{venue}: {e}"));
    Trip {
        u,
        routes,
        reference,
        snapshot,
        received_at,
    }
}

/// The collateral table read is the simulator's: every coin of the universe (assets and
/// quotes) and one it does not trade, each at its first tier's ratio.
pub(super) fn assert_collateral(r: &Reference, u: &Universe) {
    let unlisted = super::UNLISTED_COLLATERAL;
    let coins = super::collateral_coins(u);
    assert!(coins.iter().any(|(c, _)| c == unlisted));
    let expected: std::collections::BTreeMap<String, Decimal> = coins
        .iter()
        .map(|(c, _)| (c.clone(), super::collateral_haircut(c)))
        .collect();
    assert_eq!(r.haircuts, expected, "{}", u.venue);
    assert_eq!(r.haircuts["BTC"], d("0.95"));
    assert_eq!(r.haircuts["ETH"], d("0.95"));
    assert_eq!(r.haircuts["USDT"], Decimal::ONE);
    assert_eq!(r.haircuts["USDC"], Decimal::ONE);
    assert!(r.instruments.iter().all(|i| i.asset != unlisted));
}

/// Every synthetic spot pair is quoted as the simulator made it: its coin and quote (`quote`, or
/// the pair's own), book, 24 h range and quote volume.
pub(super) fn assert_spots(
    s: &Snapshot,
    u: &Universe,
    symbol: impl Fn(&SynthMarket) -> String,
    quote: Option<&str>,
) {
    for m in u.spots() {
        let symbol = symbol(m);
        let q = s.spots.iter().find(|q| q.symbol == symbol);
        let q = q.unwrap_or_else(|| panic!("{symbol} missing"));
        let pair = (q.asset.as_str(), q.quote.as_str());
        assert_eq!(
            pair,
            (m.asset.as_str(), quote.unwrap_or(&m.quote)),
            "{symbol}"
        );
        assert_eq!(
            (q.bid, q.ask),
            (Some(m.spot_bid), Some(m.spot_ask)),
            "{symbol}"
        );
        assert_eq!(
            (q.high_24h, q.low_24h),
            (Some(m.high), Some(m.low)),
            "{symbol}"
        );
        assert_eq!(q.volume_24h_quote, Some(m.volume_quote()), "{symbol}");
    }
}
