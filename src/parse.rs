//! Pure parsing helpers shared by every venue: decimals from raw JSON tokens, times, symbols.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

/// A decimal field as a venue sends it: a string (`"0.0001"`, `""`, `"1e-5"`), a JSON number
/// (exponent form included, read from the raw token, never through `f64`) or `null`.
/// `""`, `null` and unparsable text are all "absent" ([`WireDec::get`] returns `None`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WireDec(pub Option<Decimal>);

impl WireDec {
    /// The value, when present and parsable.
    #[must_use]
    pub fn get(self) -> Option<Decimal> {
        self.0
    }
}

/// Parse a decimal from text: plain (`"12.5"`) or exponent form (`"-3.9e-09"`). Empty → `None`.
#[must_use]
pub fn decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    Decimal::from_str(t)
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

/// Strings and numbers are read, arrays and objects fail the document.
impl<'de> Lenient<'de> for WireDec {
    const EXPECTING: &'static str = "a decimal as a string or number, or null";

    fn text(v: &str) -> Self {
        WireDec(decimal(v))
    }

    fn number(raw: &str) -> Self {
        WireDec(decimal(raw))
    }

    fn array<A: SeqAccess<'de>>(_: A) -> Result<Self, A::Error> {
        Err(de::Error::invalid_type(
            de::Unexpected::Seq,
            &Self::EXPECTING,
        ))
    }

    fn object<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        raw_number(map)
    }
}

impl<'de> Deserialize<'de> for WireDec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

/// A wire value that reads every JSON type leniently, through the one visitor of [`lenient`]:
/// what is not one of the types it reads is absent (the value's `Default`), as are `null` and a
/// missing field with `#[serde(default)]`.
pub(crate) trait Lenient<'de>: Default {
    /// What a value is, in the error a value that fails the document makes.
    const EXPECTING: &'static str;

    /// A string's value.
    fn text(_: &str) -> Self {
        Self::default()
    }

    /// A string borrowed from the input.
    fn borrowed(v: &'de str) -> Self {
        Self::text(v)
    }

    /// A number's value, from its raw token.
    fn number(_: &str) -> Self {
        Self::default()
    }

    /// A boolean's value.
    fn boolean(_: bool) -> Self {
        Self::default()
    }

    /// An array's value.
    ///
    /// # Errors
    /// When the value fails the document (an element that does).
    fn array<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }

    /// An object's value (serde_json's `arbitrary_precision` hands numbers over as objects,
    /// see [`raw_number`]).
    ///
    /// # Errors
    /// When the value fails the document.
    fn object<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Self::default())
    }
}

/// serde_json's `arbitrary_precision` hands numbers over as a one-entry map holding the raw
/// token, which `serde_json::Number` knows how to read back: the [`Lenient::number`] of it. A
/// real object fails the document.
fn raw_number<'de, T: Lenient<'de>, A: MapAccess<'de>>(map: A) -> Result<T, A::Error> {
    let n = serde_json::Number::deserialize(de::value::MapAccessDeserializer::new(map))?;
    Ok(T::number(n.as_str()))
}

/// The visitor of every [`Lenient`] value.
struct LenientVisitor<T>(PhantomData<T>);

impl<'de, T: Lenient<'de>> Visitor<'de> for LenientVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<T, E> {
        Ok(T::borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(T::text(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        Ok(T::number(&v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Ok(T::number(&v.to_string()))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Ok(T::boolean(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::array(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::object(map)
    }
}

/// Reads a [`Lenient`] value: the body of its `Deserialize` impl.
///
/// # Errors
/// When the value fails the document.
pub(crate) fn lenient<'de, D: Deserializer<'de>, T: Lenient<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(LenientVisitor(PhantomData))
}

/// An integer field sent as a number or a string (`1597392000000` or `"1597392000000"`);
/// `""`/`null`/garbage are absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WireInt(pub Option<i64>);

impl WireInt {
    /// The value, when present.
    #[must_use]
    pub fn get(self) -> Option<i64> {
        self.0
    }
}

impl<'de> Deserialize<'de> for WireInt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = WireDec::deserialize(d)?;
        Ok(WireInt(v.0.and_then(|d| {
            if d.fract().is_zero() {
                i64::try_from(d).ok()
            } else {
                None
            }
        })))
    }
}

/// A string that may arrive borrowed or (when escaped) owned.
pub type WireStr<'a> = Cow<'a, str>;

/// A boolean flag sent as `true`/`false` or `"true"`/`"false"`; anything else (`null`, `""`,
/// numbers, arrays, objects, a missing field with `#[serde(default)]`) is absent rather than an
/// error, since no decision hangs on its exact type. Numbers arrive as maps under serde_json's
/// `arbitrary_precision` (never as floats) and are skipped like objects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WireFlag(pub Option<bool>);

impl WireFlag {
    /// The value, when known.
    #[must_use]
    pub fn get(self) -> Option<bool> {
        self.0
    }

    /// Whether the flag is present and `true`.
    #[must_use]
    pub fn is_true(self) -> bool {
        self.0 == Some(true)
    }
}

/// `true`/`false` as booleans or strings are read; everything else is absent.
impl<'de> Lenient<'de> for WireFlag {
    const EXPECTING: &'static str = "a boolean";

    fn text(v: &str) -> Self {
        WireFlag(match v {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        })
    }

    fn boolean(v: bool) -> Self {
        WireFlag(Some(v))
    }
}

impl<'de> Deserialize<'de> for WireFlag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

/// How a [`WireText`] reads a JSON value that is not a string. Strings are always text; `""`,
/// `null`, a missing field (with `#[serde(default)]`), booleans and arrays are always absent.
pub trait TextPolicy: Clone + Copy + fmt::Debug + Default + PartialEq + Eq {
    /// A JSON number keeps its raw token as text (codes documented as strings sometimes arrive
    /// as numbers); otherwise it is absent.
    const NUMBERS: bool;
    /// A JSON object is absent; otherwise it fails the document (it is malformed).
    const OBJECTS_ABSENT: bool;
}

/// Numbers keep their raw text; an object fails the document (OKX, Bitget, Gate, MEXC, BingX).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NumbersAsText;

impl TextPolicy for NumbersAsText {
    const NUMBERS: bool = true;
    const OBJECTS_ABSENT: bool = false;
}

/// Numbers keep their raw text; an object is absent (dYdX, Hyperliquid).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NumbersAsTextLenient;

impl TextPolicy for NumbersAsTextLenient {
    const NUMBERS: bool = true;
    const OBJECTS_ABSENT: bool = true;
}

/// Only strings are text: numbers and objects are absent (Binance, Deribit, Kraken).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StringsOnly;

impl TextPolicy for StringsOnly {
    const NUMBERS: bool = false;
    const OBJECTS_ABSENT: bool = true;
}

/// A text field as a venue sends it, borrowed from the payload when it holds no escapes. What
/// is not a string reads by the venue's [`TextPolicy`] `P` (default [`NumbersAsText`]).
///
/// A wire struct of such fields says once that it borrows from the body, with the container
/// attribute `#[serde(bound(deserialize = "'de: 'a"))]`, rather than `borrow` on every field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WireText<'a, P = NumbersAsText>(pub Cow<'a, str>, PhantomData<P>);

impl<'a, P> WireText<'a, P> {
    /// A text of `text`.
    #[must_use]
    pub fn new(text: impl Into<Cow<'a, str>>) -> Self {
        WireText(text.into(), PhantomData)
    }

    /// The text (`""` when absent).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, or `None` when absent.
    #[must_use]
    pub fn get(&self) -> Option<&str> {
        let t = self.0.as_ref();
        (!t.is_empty()).then_some(t)
    }

    /// Whether the text is present and equals `wanted` exactly.
    #[must_use]
    pub fn is(&self, wanted: &str) -> bool {
        self.get() == Some(wanted)
    }
}

/// serde_json's (`arbitrary_precision`) key for a number handed over as a one-entry map.
const RAW_NUMBER_KEY: &str = "$serde_json::private::Number";

/// Strings are text, numbers and objects read by the policy `P`; booleans and arrays are absent.
impl<'de, P: TextPolicy> Lenient<'de> for WireText<'de, P> {
    const EXPECTING: &'static str = if P::NUMBERS {
        "a string, a number or null"
    } else {
        "a string or null"
    };

    fn text(v: &str) -> Self {
        WireText::new(v.to_owned())
    }

    fn borrowed(v: &'de str) -> Self {
        WireText::new(v)
    }

    /// A number's text when the policy keeps numbers, else absent.
    fn number(raw: &str) -> Self {
        if P::NUMBERS {
            WireText::new(raw.to_owned())
        } else {
            WireText::default()
        }
    }

    /// By the policy: a real object fails the document ([`raw_number`]), or is absent while a
    /// raw number in it is read as a number.
    fn object<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        if !P::OBJECTS_ABSENT {
            return raw_number(map);
        }
        let mut raw = WireText::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if P::NUMBERS && key == RAW_NUMBER_KEY {
                raw = map.next_value::<WireText<'de, P>>()?;
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        Ok(raw)
    }
}

impl<'de: 'a, 'a, P: TextPolicy> Deserialize<'de> for WireText<'a, P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient::<D, WireText<'de, P>>(d)
    }
}

/// Milliseconds since the Unix epoch → UTC time; `None` for 0, negatives and out-of-range values.
#[must_use]
pub fn ms_time(ms: i64) -> Option<DateTime<Utc>> {
    if ms <= 0 {
        return None;
    }
    Utc.timestamp_millis_opt(ms).single()
}

/// Known multiplier prefixes of multiplied contracts (`1000PEPE`, `1MBABYDOGE`).
const MULTIPLIER_PREFIXES: [(&str, u64); 7] = [
    ("1000000", 1_000_000),
    ("100000", 100_000),
    ("10000", 10_000),
    ("1000", 1_000),
    ("100", 100),
    ("1M", 1_000_000),
    ("1K", 1_000),
];

/// Split a venue base like `1000PEPE` into the spot coin and its multiplier (`PEPE`, 1000).
/// Bases that merely start with a digit (`1INCH`) are left alone: the prefix must be one of the
/// known multipliers *and* be followed by an upper-case letter.
#[must_use]
pub fn split_multiplier(base: &str) -> (String, Decimal) {
    for (prefix, mult) in MULTIPLIER_PREFIXES {
        if let Some(rest) = base.strip_prefix(prefix) {
            let starts_with_letter = rest.chars().next().is_some_and(|c| c.is_ascii_uppercase());
            if starts_with_letter && rest.len() >= 2 {
                return (rest.to_owned(), Decimal::from(mult));
            }
        }
    }
    (base.to_owned(), Decimal::ONE)
}

/// Quote currencies recognised when a venue concatenates base and quote (`BTCUSDT`), longest first.
pub const CONCAT_QUOTES: [&str; 10] = [
    "FDUSD", "USDT", "USDC", "TUSD", "BUSD", "USDE", "EUR", "TRY", "BTC", "ETH",
];

/// Split a concatenated symbol (`BTCUSDT`) into (base, quote) using [`CONCAT_QUOTES`].
#[must_use]
pub fn split_concat(symbol: &str) -> Option<(&str, &str)> {
    CONCAT_QUOTES.iter().find_map(|q| {
        symbol
            .strip_suffix(q)
            .filter(|b| !b.is_empty())
            .map(|b| (b, *q))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::dec;

    mod rust_decimal_macros_free {
        pub fn dec(s: &str) -> rust_decimal::Decimal {
            super::super::decimal(s).expect("test decimal")
        }
    }

    #[derive(Deserialize)]
    struct Row {
        a: WireDec,
        #[serde(default)]
        b: WireDec,
        t: WireInt,
    }

    fn row(json: &str) -> Row {
        serde_json::from_str(json).expect("row parses")
    }

    #[test]
    fn flags_read_booleans_and_treat_everything_else_as_absent() {
        let flag = |json: &str| -> Option<bool> {
            serde_json::from_str::<WireFlag>(json)
                .expect("never an error")
                .get()
        };
        assert_eq!(flag("true"), Some(true));
        assert_eq!(flag("\"false\""), Some(false));
        for absent in [
            "null", "\"\"", "\"yes\"", "1", "1.5", "-2e-3", "{}", "[true]",
        ] {
            assert_eq!(flag(absent), None, "{absent}");
        }
        assert!(
            serde_json::from_str::<WireFlag>("true")
                .expect("flag")
                .is_true()
        );
        assert!(!WireFlag::default().is_true());
    }

    #[test]
    fn decimals_from_strings_numbers_and_exponents() {
        assert_eq!(
            row(r#"{"a":"0.00038246","t":1}"#).a.get(),
            Some(dec("0.00038246"))
        );
        assert_eq!(row(r#"{"a":0.1,"t":1}"#).a.get(), Some(dec("0.1")));
        assert_eq!(
            row(r#"{"a":-3.995839963e-09,"t":1}"#).a.get(),
            Some(dec("-0.000000003995839963"))
        );
        assert_eq!(row(r#"{"a":"1e-5","t":1}"#).a.get(), Some(dec("0.00001")));
        assert_eq!(row(r#"{"a":"","t":1}"#).a.get(), None);
        assert_eq!(row(r#"{"a":null,"t":1}"#).a.get(), None);
        assert_eq!(row(r#"{"a":"abc","t":1}"#).a.get(), None);
        assert_eq!(row(r#"{"a":"1","t":1}"#).b.get(), None);
        let err = serde_json::from_str::<WireDec>("[1]").expect_err("an array is malformed");
        assert!(
            err.to_string()
                .contains("expected a decimal as a string or number, or null"),
            "{err}"
        );
        assert!(
            serde_json::from_str::<WireDec>(r#"{"a":"1"}"#).is_err(),
            "so is an object"
        );
        // 0.1 as f64 is 0.1000000000000000055…; the raw token keeps it exact.
        assert_eq!(
            row(r#"{"a":0.30000000000000004,"t":1}"#).a.get(),
            Some(dec("0.30000000000000004"))
        );
    }

    #[test]
    fn integers_from_strings_and_numbers() {
        assert_eq!(
            row(r#"{"a":1,"t":"1760371200000"}"#).t.get(),
            Some(1_760_371_200_000)
        );
        assert_eq!(
            row(r#"{"a":1,"t":1597392000000}"#).t.get(),
            Some(1_597_392_000_000)
        );
        assert_eq!(row(r#"{"a":1,"t":""}"#).t.get(), None);
        assert_eq!(row(r#"{"a":1,"t":1.5}"#).t.get(), None);
    }

    #[test]
    fn text_fields_are_lenient() {
        #[derive(Deserialize)]
        struct T<'a> {
            #[serde(borrow, default)]
            a: WireText<'a>,
        }
        let t = |json: &'static str| serde_json::from_str::<T<'static>>(json).expect("parses").a;
        assert_eq!(t(r#"{"a":"BTC-USDT"}"#).get(), Some("BTC-USDT"));
        assert!(matches!(t(r#"{"a":"BTC"}"#).0, Cow::Borrowed(_)));
        assert_eq!(t(r#"{"a":50011}"#).get(), Some("50011"));
        assert_eq!(t(r#"{"a":1e-5}"#).get(), Some("1e-5"));
        for absent in [
            r#"{"a":""}"#,
            r#"{"a":null}"#,
            r#"{"a":true}"#,
            r#"{"a":[1]}"#,
            "{}",
        ] {
            assert_eq!(t(absent).get(), None, "{absent}");
        }
    }

    #[test]
    fn text_policies_decide_numbers_and_objects() {
        fn t<P: TextPolicy>(json: &'static str) -> Result<Option<String>, serde_json::Error> {
            #[derive(Deserialize)]
            #[serde(bound(deserialize = "'de: 'a, P: TextPolicy"))]
            struct T<'a, P> {
                #[serde(borrow, default)]
                a: WireText<'a, P>,
            }
            serde_json::from_str::<T<'static, P>>(json).map(|t| t.a.get().map(str::to_owned))
        }
        let (number, object) = (r#"{"a":50011}"#, r#"{"a":{"b":"c"}}"#);
        assert_eq!(t::<NumbersAsText>(number).ok(), Some(Some("50011".into())));
        assert!(
            t::<NumbersAsText>(object).is_err(),
            "an object is malformed"
        );
        assert_eq!(
            t::<NumbersAsTextLenient>(number).ok(),
            Some(Some("50011".into()))
        );
        assert_eq!(t::<NumbersAsTextLenient>(object).ok(), Some(None));
        assert_eq!(t::<StringsOnly>(number).ok(), Some(None));
        assert_eq!(t::<StringsOnly>(object).ok(), Some(None));
        for absent in [r#"{"a":""}"#, r#"{"a":null}"#, r#"{"a":[1]}"#, "{}"] {
            assert_eq!(t::<StringsOnly>(absent).ok(), Some(None), "{absent}");
            assert_eq!(
                t::<NumbersAsTextLenient>(absent).ok(),
                Some(None),
                "{absent}"
            );
        }
        assert!(WireText::<StringsOnly>::new("BTCUSDT").is("BTCUSDT"));
        assert!(!WireText::<StringsOnly>::new("").is(""));
    }

    #[test]
    fn multipliers_and_concat_symbols() {
        assert_eq!(
            split_multiplier("1000PEPE"),
            ("PEPE".into(), Decimal::from(1000))
        );
        assert_eq!(
            split_multiplier("1000000MOG"),
            ("MOG".into(), Decimal::from(1_000_000))
        );
        assert_eq!(
            split_multiplier("1MBABYDOGE"),
            ("BABYDOGE".into(), Decimal::from(1_000_000))
        );
        assert_eq!(split_multiplier("1INCH"), ("1INCH".into(), Decimal::ONE));
        assert_eq!(split_multiplier("BTC"), ("BTC".into(), Decimal::ONE));
        assert_eq!(split_concat("BTCUSDT"), Some(("BTC", "USDT")));
        assert_eq!(split_concat("ETHUSDC"), Some(("ETH", "USDC")));
        assert_eq!(split_concat("BTCFDUSD"), Some(("BTC", "FDUSD")));
        assert_eq!(split_concat("USDT"), None);
        assert_eq!(ms_time(0), None);
    }
}
