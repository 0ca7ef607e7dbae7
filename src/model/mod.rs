//! Pure domain types shared by every layer: venues, instruments, quotes, opportunities, plausibility rules.

pub mod account;
pub mod ban;
mod opportunity;
mod quote;
pub mod safe;
pub mod sanity;
pub mod sent;
pub mod series;
#[cfg(test)]
pub(crate) mod testkit;
mod venue;

pub use opportunity::{Kind, Leg, Opportunity};
pub use quote::{FundingSample, Instrument, Market, PerpQuote, Reference, Snapshot, SpotQuote};
pub use venue::{UnknownVenue, Venue};
pub(crate) use venue::{by_id, venue_table};

/// Coins treated as stable: `σ = 0` and haircut 1 unless configured (DESIGN.md, edge rules).
pub const STABLECOINS: [&str; 10] = [
    "USDT", "USDC", "USD", "FDUSD", "BUSD", "TUSD", "DAI", "USDE", "USDP", "PYUSD",
];

/// Whether `coin` is one of [`STABLECOINS`] (case-insensitive).
#[must_use]
pub fn is_stablecoin(coin: &str) -> bool {
    STABLECOINS.iter().any(|s| s.eq_ignore_ascii_case(coin))
}
