//! Test-only helpers that test modules across the crate share: decimal literals and the epoch.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// A decimal literal.
pub(crate) fn d(s: &str) -> Decimal {
    s.parse().expect("a decimal literal")
}

/// 1970-01-01 00:00 UTC, the instant of tests that need any fixed one.
pub(crate) fn epoch() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH
}
