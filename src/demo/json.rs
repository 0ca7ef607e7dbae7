//! The simulator's one JSON writer: every renderer builds its payloads as `serde_json` values with [`json!`] and the helpers here, and serialises them with [`body`].
//!
//! A venue's encoding is stated field by field: [`text`] for a value the venue sends as a string
//! (decimals, ids, times), [`raw`] for a token it sends bare (a number exactly as written, a
//! boolean, a literal array). `serde_json`'s `arbitrary_precision` keeps a number's text as
//! given, so decimals reach the adapters digit for digit (no float on the way) and a venue's own
//! spelling of small numbers (Deribit's and Kraken's `2.5e-7`) survives. Keys come out sorted;
//! no adapter depends on their order.

use std::fmt::Display;

use rust_decimal::Decimal;
pub use serde_json::{Map, Value, json};

/// `value`'s text as a JSON string (a decimal as it prints: normalise it first where the venue
/// does).
pub fn text(value: impl Display) -> Value {
    Value::String(value.to_string())
}

/// A decimal, normalised (`1.50` → `1.5`), as a JSON string.
#[must_use]
pub fn dec_text(d: Decimal) -> Value {
    text(d.normalize())
}

/// `token` as a bare JSON token: a number exactly as written (`97000.5`, `2.5e-7`, `-1100`), a
/// boolean, `null` or a literal array; `null` when `token` is not JSON.
pub fn raw(token: impl Display) -> Value {
    serde_json::from_str(&token.to_string()).unwrap_or(Value::Null)
}

/// A decimal, normalised, as a JSON number.
#[must_use]
pub fn dec_num(d: Decimal) -> Value {
    raw(d.normalize())
}

/// A decimal as the venues that switch to exponent form print it: plain, or when
/// `0 < |x| < below` the first digit, the others after a point and the power of ten with its
/// digits zero-padded to `width` (Deribit's `4.5e-7`: 1, Kraken's `2.5e-07`: 2).
#[must_use]
pub fn exponent_text(x: Decimal, below: Decimal, width: usize) -> String {
    let n = x.normalize();
    if n.is_zero() || n.abs() >= below {
        return n.to_string();
    }
    let digits = n.mantissa().unsigned_abs().to_string();
    let scale = i64::from(n.scale());
    let exponent = i64::try_from(digits.len()).unwrap_or(0) - 1 - scale;
    let (lead, rest) = digits.split_at(1);
    let sign = if n.is_sign_negative() { "-" } else { "" };
    let dot = if rest.is_empty() { "" } else { "." };
    let exponent_sign = if exponent < 0 { "-" } else { "" };
    let power = exponent.unsigned_abs();
    format!("{sign}{lead}{dot}{rest}e{exponent_sign}{power:0width$}")
}

/// Object `row` with the fields of object `extra` added (a row's own fields after the ones
/// every row of its list has).
#[must_use]
pub fn merge(mut row: Value, extra: Value) -> Value {
    if let (Some(fields), Value::Object(extra)) = (row.as_object_mut(), extra) {
        fields.extend(extra);
    }
    row
}

/// One unit of a price's last decimal (the tick size a venue lists for it).
#[must_use]
pub fn tick(price: Decimal) -> Decimal {
    Decimal::new(1, price.normalize().scale())
}

/// The payload text of `value`.
#[must_use]
pub fn body(value: &Value) -> String {
    value.to_string()
}

/// The payload text of a JSON array of `rows`.
#[must_use]
pub fn array(rows: Vec<Value>) -> String {
    body(&Value::Array(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::roundtrip::d;
    use crate::demo::{deribit, kraken};

    /// The numbers of the venues that switch to exponent form, one row each: the exponent form
    /// below their threshold (with their exponent width), plain text elsewhere.
    #[test]
    fn tiny_numbers_use_each_venues_exponent_form() {
        type Row = (
            &'static str,
            fn(Decimal) -> String,
            &'static [(&'static str, &'static str)],
        );
        let rows: [Row; 2] = [
            (
                "deribit",
                deribit::number,
                &[
                    ("0.00000045", "4.5e-7"),
                    ("-0.0000001", "-1e-7"),
                    ("0.0000125", "0.0000125"),
                    ("97000.50", "97000.5"),
                    ("0", "0"),
                ],
            ),
            (
                "kraken",
                kraken::number,
                &[
                    ("-0.000000003995839963", "-3.995839963e-09"),
                    ("0.00001", "1e-05"),
                    ("0.0001", "0.0001"),
                    ("91415.50", "91415.5"),
                ],
            ),
        ];
        for (venue, number, cases) in rows {
            for (text, printed) in cases {
                assert_eq!(number(d(text)), *printed, "{venue}: {text}");
            }
        }
    }

    #[test]
    fn numbers_keep_their_text_and_strings_their_value() {
        let row = json!({
            "a": dec_num(Decimal::new(150, 2)),
            "b": raw("2.5e-7"),
            "c": raw(-1100),
            "d": dec_text(Decimal::new(1_000_001, 6)),
            "e": raw(r#"["X","Y"]"#),
            "f": raw("not json"),
            "g": text(17),
            "h": raw("0.00000000123456789012345678"),
        });
        assert_eq!(
            body(&row),
            r#"{"a":1.5,"b":2.5e-7,"c":-1100,"d":"1.000001","e":["X","Y"],"f":null,"g":"17","h":0.00000000123456789012345678}"#
        );
        assert_eq!(
            array(vec![row.clone(), Value::Null]).len(),
            body(&row).len() + 7
        );
        assert_eq!(tick(Decimal::new(9_700_050, 2)), Decimal::new(1, 1));
    }
}
