//! basis: a funding-rate basis-arbitrage scanner for crypto perpetual futures.
//!
//! # Layout
//! - [`model`]: pure domain types (venues, instruments, quotes, opportunities, accounts, series,
//!   bans, sent-notification records) and the plausibility rules that refuse values no venue can
//!   mean ([`model::sanity`]). The funding observation the statistics read is
//!   [`model::FundingSample`] (time, rate, interval); a venue's paged history row
//!   ([`model::series::HistoryPoint`]) has no interval of its own until the backfill stores it.
//! - [`parse`]: pure parsing helpers (decimals from raw JSON tokens, times, symbols).
//! - [`venue`]: one folder per venue (`mod.rs` endpoints, `wire.rs` serde structs, `parse.rs`),
//!   the kit they share ([`venue::kit`]: endpoints, rows by symbol, quote construction, paging), and
//!   [`venue::http`], the only HTTP client (limits, retries, bans). No adapter imports `demo`.
//! - [`report`]: table, JSON and CSV renderings (pure, return bytes).
//! - [`cli`], [`settings`]: flags, and settings layered defaults < config file < env < flags.
//! - [`app`]: the command layer, one file per command (`app/scan.rs`, `app/poll.rs`, ...), wiring
//!   settings to store, pollers, analyzer, reporters and sinks; [`app::exit`] holds the exit codes.
//! - [`poll`]: one task per venue, reference cache, bans, snapshot batches into the store.
//! - [`learn`]: funding intervals learned per perp within each run's budget (MEXC, BingX).
//! - [`backfill`]: settled funding and price candles per market into the store, incremental.
//! - [`export`]: the stored record and rankings as Parquet, CSV or NDJSON files.
//! - [`store`]: the sled store (the only sled user) and its pure key codec; it imports only
//!   [`model`] (and [`analyze::stats`] for funding summaries), never `venue` or `notify`.
//! - [`inputs`]: store → analyzer: reads the one ready input a ranking needs (snapshots,
//!   parameters, funding summaries, daily closes, the daily candle ranges of last resort).
//! - [`analyze`]: pure maths: carry economics, liquidation risk and safe leverage, ranking.
//! - [`notify`]: webhook sinks (Slack, Discord, Telegram, signed generic), dedup state, pacing.
//! - `demo` (cargo feature `demo`, on by default): the simulator — synthetic exchange-format
//!   markets, the loopback server behind `--demo`, and the round-trip tests that need both the
//!   simulator and the adapters.

// The simulator writes venue listings (up to fifty fields a row) with `serde_json::json!`.
#![recursion_limit = "256"]

pub mod analyze;
pub mod app;
pub mod backfill;
pub mod cli;
#[cfg(feature = "demo")]
pub mod demo;
pub mod export;
pub mod inputs;
pub mod learn;
pub mod model;
pub mod notify;
pub mod parse;
pub mod poll;
pub mod report;
pub mod settings;
pub mod store;
pub mod venue;
