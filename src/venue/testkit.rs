//! Test helpers shared by the venue adapters' tests (payload mutation, request and row builders).
//!
//! - Payload mutation for the parsers' no-panic proptests: [`mutation`] draws a [`Mutation`],
//!   [`mutate`] applies it to a fixture (the conformance suite runs it over every venue).
//! - Small builders for request and paging tests: [`window`], [`bars`], [`points`], [`query`].

use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::model::Market;
use crate::venue::{Bar, Candle, CandleWindow, HistoryPoint, Request};

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

/// A decimal from its text.
pub(crate) fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
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
