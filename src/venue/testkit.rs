//! Test helpers shared by the venue adapters' tests (payload mutation, paging through the demo).
//!
//! - Payload mutation for the parsers' no-panic proptests: [`mutation`] draws a [`Mutation`],
//!   [`mutate`] applies it to a fixture. Each venue keeps its own assertions on the result.
//! - Paging through the demo: [`candle_pages`] and [`funding_pages`] run the caller's loop
//!   (as `crate::backfill` does) against a venue's demo responder; [`expected_candles`] is what
//!   the demo serves for a window.
//! - Small builders for request-plan tests: [`window`], [`bars`], [`points`], [`query`], and
//!   exact values for parser tests: [`dec`], [`candle`], [`point`].

use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::demo::{SynthMarket, Universe};
use crate::model::Market;
use crate::venue::{Bar, Candle, CandleWindow, HistoryPoint, Method, Request, VenueAdapter};

// ---- payload mutation ----

/// Tokens a [`Mutation`] puts in place of a value: wrong types, empty and absurd numbers
/// (overflowing `Decimal`, below its precision, exponent form), and enum words a venue uses.
pub(crate) const REPLACEMENTS: [&str; 22] = [
    "null",
    r#""""#,
    "0",
    "-1",
    "true",
    "[]",
    "{}",
    r#""abc""#,
    r#""-0.5""#,
    "1e400",
    r#""1e-400""#,
    "-4.5e-7",
    "-3.995839963e-09",
    "-0.0000000000000000000000000001",
    "123456789012345678901234567890",
    "99999999999999999999999",
    "79228162514264337593543950335",
    r#""79228162514264337593543950335""#,
    r#""99999999999999999999""#,
    r#""99999999999999999999999999999""#,
    r#""linear""#,
    r#""Trading""#,
];

/// How a payload is damaged. Positions and counts are taken modulo what the text holds.
#[derive(Clone, Debug)]
pub(crate) enum Mutation {
    /// Cut to a strict prefix of the text without its trailing white space: never a document.
    Truncate(usize),
    /// Bytes XOR-ed with non-zero masks (position, mask).
    Flip(Vec<(usize, u8)>),
    /// The value of the n-th member (after the n-th `":`) replaced, nested values whole.
    Value(usize, &'static str),
    /// Every value of the n-th distinct key replaced.
    Field(usize, &'static str),
    /// The n-th string token replaced (keys and array elements included).
    Str(usize, &'static str),
    /// The n-th array element or member (the value after the n-th `[` or `,`) replaced: array
    /// rows have no keys for [`Mutation::Value`].
    Element(usize, &'static str),
}

impl Mutation {
    /// Whether the mutation cuts the payload (a strict prefix of a JSON document is never a
    /// document, so every parser must fail on it).
    pub(crate) fn truncates(&self) -> bool {
        matches!(self, Mutation::Truncate(_))
    }
}

/// Any [`Mutation`]; truncations, flips and value replacements are drawn most often.
pub(crate) fn mutation() -> impl Strategy<Value = Mutation> {
    let token = || proptest::sample::select(REPLACEMENTS.as_slice());
    prop_oneof![
        2 => any::<usize>().prop_map(Mutation::Truncate),
        2 => (any::<usize>(), 1u8..=255).prop_map(|f| Mutation::Flip(vec![f])),
        1 => prop::collection::vec((any::<usize>(), 1u8..=255), 2..8).prop_map(Mutation::Flip),
        2 => (any::<usize>(), token()).prop_map(|(n, t)| Mutation::Value(n, t)),
        1 => (any::<usize>(), token()).prop_map(|(n, t)| Mutation::Field(n, t)),
        1 => (any::<usize>(), token()).prop_map(|(n, t)| Mutation::Str(n, t)),
        1 => (any::<usize>(), token()).prop_map(|(n, t)| Mutation::Element(n, t)),
    ]
}

/// `text` damaged by `m` (the text is left whole where it has nothing `m` could change).
pub(crate) fn mutate(text: &str, m: &Mutation) -> Vec<u8> {
    let bytes = text.as_bytes();
    let nth = |starts: Vec<usize>, n: usize| -> Vec<usize> {
        starts
            .get(n % starts.len().max(1))
            .map_or_else(Vec::new, |&s| vec![s])
    };
    match m {
        Mutation::Truncate(at) => bytes[..at % text.trim_end().len().max(1)].to_vec(),
        Mutation::Flip(flips) => {
            let mut out = bytes.to_vec();
            if !out.is_empty() {
                let len = out.len();
                for (at, mask) in flips {
                    out[at % len] ^= mask;
                }
            }
            out
        }
        Mutation::Value(n, token) => {
            let starts = text.match_indices("\":").map(|(i, _)| i + 2).collect();
            replace_values(bytes, &nth(starts, *n), token)
        }
        Mutation::Field(n, token) => {
            let mut keys: Vec<&str> = Vec::new();
            for (i, _) in text.match_indices("\":") {
                if let Some(open) = text[..i].rfind('"') {
                    let key = &text[open..=i];
                    if !keys.contains(&key) {
                        keys.push(key);
                    }
                }
            }
            let Some(key) = keys.get(n % keys.len().max(1)) else {
                return bytes.to_vec();
            };
            let member = format!("{key}:");
            let starts: Vec<usize> = text
                .match_indices(&member)
                .map(|(i, _)| i + member.len())
                .collect();
            replace_values(bytes, &starts, token)
        }
        Mutation::Str(n, token) => {
            let quotes: Vec<usize> = text.match_indices('"').map(|(i, _)| i).collect();
            let starts = quotes.chunks_exact(2).map(|pair| pair[0]).collect();
            replace_values(bytes, &nth(starts, *n), token)
        }
        Mutation::Element(n, token) => {
            let starts = text.match_indices([',', '[']).map(|(i, _)| i + 1).collect();
            replace_values(bytes, &nth(starts, *n), token)
        }
    }
}

/// `bytes` with the value at each of `starts` (ascending; leading white space skipped)
/// replaced by `token`.
fn replace_values(bytes: &[u8], starts: &[usize], token: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + token.len());
    let mut from = 0;
    for &start in starts {
        let start = start
            + bytes[start.min(bytes.len())..]
                .iter()
                .take_while(|c| c.is_ascii_whitespace())
                .count();
        if start < from || start >= bytes.len() {
            continue;
        }
        out.extend_from_slice(&bytes[from..start]);
        out.extend_from_slice(token.as_bytes());
        from = value_end(bytes, start);
    }
    out.extend_from_slice(&bytes[from.min(bytes.len())..]);
    out
}

/// End of the JSON value starting at `start`: a string to its closing quote, an object or
/// array to its closing bracket, a scalar to the next separator (naive about escapes: the
/// fixtures have none that matter).
fn value_end(text: &[u8], start: usize) -> usize {
    match text.get(start) {
        Some(b'"') => text[start + 1..]
            .iter()
            .position(|&c| c == b'"')
            .map_or(text.len(), |p| start + p + 2),
        Some(b'{' | b'[') => {
            let (mut depth, mut in_str) = (0i32, false);
            for (i, &c) in text.iter().enumerate().skip(start) {
                match c {
                    b'"' => in_str = !in_str,
                    b'{' | b'[' if !in_str => depth += 1,
                    b'}' | b']' if !in_str => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
            }
            text.len()
        }
        _ => text[start..]
            .iter()
            .position(|&c| matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace())
            .map_or(text.len(), |p| start + p),
    }
}

// ---- paging through the demo ----

/// A demo venue's responder, `crate::demo::<venue>::respond`: path below the host prefix,
/// percent-decoded query pairs, POST body.
pub(crate) type Respond = fn(&Universe, &str, &[(String, String)], &str) -> Option<String>;

/// Most requests a test's paging loop makes before it calls the paging endless.
const MAX_REQUESTS: usize = 100;

/// What a paging loop fetched: each request and its page as parsed (funding pages sorted by
/// time, as the caller sorts them; candle pages as received).
#[derive(Debug)]
pub(crate) struct Paged<T> {
    /// The requests, in order.
    pub(crate) requests: Vec<Request>,
    /// One page per request.
    pub(crate) pages: Vec<Vec<T>>,
}

/// A row with a time: a candle's open, a settlement's time.
pub(crate) trait Timed: Copy {
    /// The row's time, ms.
    fn time_ms(&self) -> i64;
}

impl Timed for Candle {
    fn time_ms(&self) -> i64 {
        self.open_ms
    }
}

impl Timed for HistoryPoint {
    fn time_ms(&self) -> i64 {
        self.time_ms
    }
}

impl Timed for i64 {
    fn time_ms(&self) -> i64 {
        *self
    }
}

/// `rows` sorted by time.
pub(crate) fn by_time<T: Timed>(mut rows: Vec<T>) -> Vec<T> {
    rows.sort_by_key(Timed::time_ms);
    rows
}

impl<T: Timed> Paged<T> {
    /// How many requests were made.
    pub(crate) fn count(&self) -> usize {
        self.requests.len()
    }

    /// Every row received, page after page (duplicates and rows outside the window kept).
    pub(crate) fn all(&self) -> Vec<T> {
        self.pages.concat()
    }

    /// The rows within `[start_ms, end_ms]`, as the caller stores them (no de-duplication).
    pub(crate) fn within(&self, start_ms: i64, end_ms: i64) -> Vec<T> {
        self.clipped(start_ms, end_ms).concat()
    }

    /// The times of every row received.
    pub(crate) fn times(&self) -> Vec<i64> {
        self.pages.iter().flatten().map(Timed::time_ms).collect()
    }

    /// The times of [`Paged::within`].
    pub(crate) fn times_within(&self, start_ms: i64, end_ms: i64) -> Vec<i64> {
        self.within(start_ms, end_ms)
            .iter()
            .map(Timed::time_ms)
            .collect()
    }

    /// Each page cut to the rows within `[start_ms, end_ms]`.
    pub(crate) fn clipped(&self, start_ms: i64, end_ms: i64) -> Vec<Vec<T>> {
        self.pages
            .iter()
            .map(|page| {
                page.iter()
                    .copied()
                    .filter(|r| (start_ms..=end_ms).contains(&r.time_ms()))
                    .collect()
            })
            .collect()
    }

    /// The endpoint of each request.
    pub(crate) fn endpoints(&self) -> Vec<&'static str> {
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
    respond(u, &request.path, &pairs(request), body)
        .unwrap_or_else(|| panic!("the demo serves no {} ({body})", request.path))
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
fn page_through<T: Timed + PartialEq>(
    respond: Respond,
    u: &Universe,
    mut next: impl FnMut(Option<&[T]>, u32) -> Option<Request>,
    parse: impl Fn(&[u8]) -> Result<Vec<T>, crate::venue::ParseError>,
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
pub(crate) fn candle_pages(
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
pub(crate) fn funding_pages(
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
pub(crate) fn synth_candles(m: &SynthMarket, w: &CandleWindow<'_>, now_ms: i64) -> Vec<Candle> {
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

/// The candles the demo serves for `w` as a venue quoting perps per contract unit does: a
/// multiplied perp's prices × its multiplier, spot per coin.
pub(crate) fn expected_candles(m: &SynthMarket, w: &CandleWindow<'_>, now_ms: i64) -> Vec<Candle> {
    let mut candles = synth_candles(m, w, now_ms);
    if w.market == Market::Perp {
        for c in &mut candles {
            c.high = m.contract_price(c.high);
            c.low = m.contract_price(c.low);
            c.close = m.contract_price(c.close);
        }
    }
    candles
}

// ---- builders ----

/// A candle window.
pub(crate) fn window(
    market: Market,
    symbol: &str,
    bar: Bar,
    start_ms: i64,
    end_ms: i64,
) -> CandleWindow<'_> {
    CandleWindow {
        market,
        symbol,
        bar,
        start_ms,
        end_ms,
    }
}

/// The window of the `bar`s opening in the last `days` days up to `now_ms` (the start on the
/// bar grid).
pub(crate) fn days_back(
    market: Market,
    symbol: &str,
    bar: Bar,
    days: i64,
    now_ms: i64,
) -> CandleWindow<'_> {
    let step = bar.millis();
    let start_ms = (now_ms - days * crate::demo::DAY_MS) / step * step;
    window(market, symbol, bar, start_ms, now_ms)
}

/// Candles opening at `opens` (prices irrelevant to paging).
pub(crate) fn bars(opens: impl IntoIterator<Item = i64>) -> Vec<Candle> {
    opens
        .into_iter()
        .map(|open_ms| Candle {
            open_ms,
            high: Decimal::TWO,
            low: Decimal::ONE,
            close: Decimal::ONE,
        })
        .collect()
}

/// Settlements at `times` (rate irrelevant to paging).
pub(crate) fn points(times: impl IntoIterator<Item = i64>) -> Vec<HistoryPoint> {
    times
        .into_iter()
        .map(|time_ms| HistoryPoint {
            time_ms,
            rate: Decimal::new(1, 4),
        })
        .collect()
}

/// A request's query as `(key, value)` slices.
pub(crate) fn query(r: &Request) -> Vec<(&str, &str)> {
    r.query.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Query pairs as the demo server hands them to `respond`.
pub(crate) fn demo_query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A decimal from its text.
pub(crate) fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A candle from its text values.
pub(crate) fn candle(open_ms: i64, high: &str, low: &str, close: &str) -> Candle {
    Candle {
        open_ms,
        high: dec(high),
        low: dec(low),
        close: dec(close),
    }
}

/// A settlement from its text rate.
pub(crate) fn point(time_ms: i64, rate: &str) -> HistoryPoint {
    HistoryPoint {
        time_ms,
        rate: dec(rate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"code": "0", "data": [{"a": "1", "b": [1, 2]}, {"a": "2", "b": {}}]}"#;

    fn text(m: &Mutation) -> String {
        String::from_utf8(mutate(DOC, m)).expect("UTF-8")
    }

    #[test]
    fn replacements_swap_whole_values() {
        assert_eq!(
            text(&Mutation::Value(3, "null")),
            r#"{"code": "0", "data": [{"a": "1", "b": null}, {"a": "2", "b": {}}]}"#
        );
        assert_eq!(
            text(&Mutation::Value(1, "7")),
            r#"{"code": "0", "data": 7}"#,
            "nested values go whole"
        );
        assert_eq!(
            text(&Mutation::Field(3, "true")),
            r#"{"code": "0", "data": [{"a": "1", "b": true}, {"a": "2", "b": true}]}"#,
            "every value of the fourth key"
        );
        assert_eq!(
            text(&Mutation::Str(1, "0")),
            r#"{"code": 0, "data": [{"a": "1", "b": [1, 2]}, {"a": "2", "b": {}}]}"#
        );
        assert_eq!(
            text(&Mutation::Element(3, "\"x\"")),
            r#"{"code": "0", "data": [{"a": "1", "b": ["x", 2]}, {"a": "2", "b": {}}]}"#
        );
        assert_eq!(mutate("[]", &Mutation::Value(0, "1")), b"[]");
    }

    #[test]
    fn truncations_are_strict_prefixes_and_flips_change_bytes() {
        for at in 0..DOC.len() * 2 {
            let cut = mutate(&format!("{DOC}\n"), &Mutation::Truncate(at));
            assert!(cut.len() < DOC.len());
            assert!(serde_json::from_slice::<serde_json::Value>(&cut).is_err());
        }
        let flipped = mutate(DOC, &Mutation::Flip(vec![(DOC.len() + 1, 1)]));
        assert_eq!(flipped.len(), DOC.len());
        assert_eq!(flipped[1], b'"' ^ 1);
        assert_eq!(mutate("", &Mutation::Flip(vec![(3, 1)])), b"");
    }
}
