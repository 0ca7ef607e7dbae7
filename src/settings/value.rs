//! One rule per kind of value, shared by the command line (clap value parsers, so a bad flag
//! exits 64 before any work) and by the config file and environment (exit 78 naming the key or
//! variable): each parses a value or says what is accepted.

use std::str::FromStr as _;
use std::time::Duration;

use rust_decimal::Decimal;

use crate::model::{Kind, Venue};

/// A duration longer than zero: `7d`, `36h`, `1500ms`.
///
/// # Errors
/// What is accepted.
pub fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err("a duration cannot be negative; use e.g. 7d, 36h, 10s".into());
    }
    let d = humantime::parse_duration(t).map_err(|e| format!("{e}; use e.g. 7d, 36h, 10s"))?;
    if d.is_zero() {
        return Err("must be longer than zero; use e.g. 7d, 36h, 10s".into());
    }
    Ok(d)
}

/// The holding horizon in days: a duration of at least 15 minutes.
///
/// # Errors
/// What is accepted.
pub fn hold_days(text: &str) -> Result<Decimal, String> {
    let d = duration(text)?;
    let secs = Decimal::from(d.as_secs()) + Decimal::from(d.subsec_millis()) / Decimal::from(1000);
    let days = secs / Decimal::from(86_400);
    if days < Decimal::new(1, 2) {
        return Err("a holding horizon of at least 15m, e.g. 7d or 36h".into());
    }
    Ok(days)
}

/// Any number (percent figures may be negative).
///
/// # Errors
/// What is accepted.
pub fn number(text: &str) -> Result<Decimal, String> {
    crate::parse::decimal(text.trim()).ok_or_else(|| "not a number; use e.g. 15 or -2.5".into())
}

/// A leverage from 1 to 100.
///
/// # Errors
/// What is accepted.
pub fn leverage(text: &str) -> Result<Decimal, String> {
    match crate::parse::decimal(text.trim()) {
        Some(l) if l >= Decimal::ONE && l <= Decimal::ONE_HUNDRED => Ok(l),
        _ => Err("a leverage from 1 to 100, e.g. 2 or 3.5".into()),
    }
}

/// A minimum volume in USD, zero or more.
///
/// # Errors
/// What is accepted.
pub fn min_volume(text: &str) -> Result<Decimal, String> {
    match crate::parse::decimal(text.trim()) {
        Some(m) if m >= Decimal::ZERO => Ok(m),
        _ => Err("USD, zero or more (0 disables the filter), e.g. 5000000".into()),
    }
}

/// A probability strictly between 0 and 1.
///
/// # Errors
/// What is accepted.
pub fn probability(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err("a probability strictly between 0 and 1, e.g. 0.01".into()),
    }
}

/// A correlation from -1 to 1.
///
/// # Errors
/// What is accepted.
pub fn correlation(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(r) if (-1.0..=1.0).contains(&r) => Ok(r),
        _ => Err("a number from -1 to 1, e.g. 0.8".into()),
    }
}

/// A share from 0 to 1.
///
/// # Errors
/// What is accepted.
pub fn share(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if (0.0..=1.0).contains(&s) => Ok(s),
        _ => Err("a share from 0 to 1, e.g. 0.8".into()),
    }
}

/// A coin symbol, upper-cased.
///
/// # Errors
/// What is accepted.
pub fn coin(text: &str) -> Result<String, String> {
    let c = text.trim().to_ascii_uppercase();
    if c.is_empty() || !c.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        return Err("a coin symbol such as USDT, BTC, ETH".into());
    }
    Ok(c)
}

/// A venue id.
///
/// # Errors
/// The known ids.
pub fn venue(text: &str) -> Result<Venue, String> {
    Venue::from_str(text).map_err(|e| e.to_string())
}

/// A kind of trade.
///
/// # Errors
/// The known kinds.
pub fn kind(text: &str) -> Result<Kind, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "carry" => Ok(Kind::Carry),
        "cross_carry" | "cross-carry" => Ok(Kind::CrossCarry),
        "perp_spread" | "perp-spread" => Ok(Kind::PerpSpread),
        _ => Err("one of carry, cross_carry, perp_spread".into()),
    }
}

/// A pair of quotes treated as one, `USDT=USDC`, upper-cased.
///
/// # Errors
/// What is accepted.
pub fn quote_pair(text: &str) -> Result<(String, String), String> {
    let wrong = || "pairs of quotes such as USDT=USDC".to_owned();
    let (a, b) = text.split_once('=').ok_or_else(wrong)?;
    Ok((coin(a).map_err(|_| wrong())?, coin(b).map_err(|_| wrong())?))
}

/// A row count of at least 1.
///
/// # Errors
/// What is accepted.
pub fn top(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("a whole number of rows, at least 1, e.g. 20".into()),
    }
}

/// `[http] max_body_mb`: whole MiB, 1 to 4096; the cap in bytes.
///
/// # Errors
/// What is accepted.
pub fn max_body(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(mb @ 1..=4096) => Ok(mb * crate::venue::http::MIB),
        _ => Err("a whole number of MiB from 1 to 4096, e.g. 16".into()),
    }
}
/// Coin names as given (`--assets`, a sink's `assets`): trimmed, upper-cased, empty ones dropped.
pub fn coins<'a>(names: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    names
        .into_iter()
        .map(|a| a.trim().to_ascii_uppercase())
        .filter(|a| !a.is_empty())
        .collect()
}
