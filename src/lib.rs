//! basis: a funding-rate basis-arbitrage scanner for crypto perpetual futures.
//!
//! # Layout
//! - [`model`]: pure domain types (venues, instruments, quotes, opportunities).
//! - [`parse`]: pure parsing helpers (decimals from raw JSON tokens, times, symbols).
//! - [`venue`]: one folder per venue (`mod.rs` endpoints, `wire.rs` serde structs, `parse.rs`),
//!   plus [`venue::http`], the only HTTP client (limits, retries, bans).
//! - [`demo`]: synthetic exchange-format markets and the loopback server behind `--demo`.

pub mod demo;
pub mod model;
pub mod parse;
pub mod venue;
