//! The sled store: snapshots, cached reference data, bans and venue status (the only sled user).
//!
//! Layout: tree `quotes` holds the perp time series (keys from [`keys`], ordered venue / market /
//! symbol / time, big-endian), `funding` the settlements polls saw, `funding_archive` backfilled
//! settlements in 5-day chunks, `closes` one close per market and UTC day (polls and daily
//! candles), `prices_1h` hourly candles (high, low, close), `latest` each venue's latest snapshot
//! in small pieces, `funding_summaries` each perp's funding summary (a cache, see [`summary`]),
//! and tree `meta` the cached reference data, the ban state, backfill markers and the last poll
//! status of each venue. A lock file taken before sled opens keeps a second process out. All
//! calls block: async code runs them on the blocking pool through [`blocking`].
//!
//! One file per concern, each an `impl Store` block: `open` (lock, crash recovery, `db check`),
//! `compact`, `snapshots` (a poll's batch, the latest view), `series` (funding, candles, daily
//! closes and ranges), `meta` (bans, references, markers, venue status), `pieces` (large values
//! in small pieces), `prune` (retention, `db stats`), `notify_state` (dedup records, disabled
//! sinks); beside them [`summary`], [`seal`], [`export`], [`walk`] and the pure [`keys`] codec.

mod accounts;
pub mod export;
pub mod keys;
pub mod seal;
pub mod summary;
pub mod walk;

mod compact;
mod meta;
mod notify_state;
mod open;
mod pieces;
mod prune;
mod series;
mod snapshots;
#[cfg(test)]
mod tests;

use compact::*;

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::model::{Market, Reference, Snapshot, Venue};

/// Why the store cannot be used. Each message names the directory and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the lock.
    #[error("data dir {} is in use by another basis process (lock {}); wait for it to finish, or use another --data-dir", dir.display(), dir.join(LOCK_FILE).display())]
    Locked {
        /// Data dir.
        dir: PathBuf,
    },
    /// The store's files changed while basis was not running; refused before sled read them.
    #[error("store in {} is corrupt ({reason}); its files were left untouched: move the directory aside (or delete it) and run again to rebuild it from the venues", dir.display())]
    Damaged {
        /// Data dir.
        dir: PathBuf,
        /// The file and what changed.
        reason: String,
    },
    /// Reading the store failed its checks (sled's checksums, a record that does not decode).
    #[error("store in {} is corrupt ({reason}): run `basis db check` for the extent, or move the directory aside (or delete it) and run again to rebuild it from the venues", dir.display())]
    Corrupt {
        /// Data dir.
        dir: PathBuf,
        /// What sled or the decoder said.
        reason: String,
    },
    /// sled did not open a cleanly closed store in time; the files are left for the next run to
    /// recover as after a crash.
    #[error("store in {} did not open within {secs} s (sled did not answer: a stalled disk or a starved machine?); nothing is lost: run again, and the next run recovers it as after a crash, copying the files first (only a recovery that stalls too refuses the store)", dir.display())]
    Stalled {
        /// Data dir.
        dir: PathBuf,
        /// The watchdog's budget, seconds.
        secs: u64,
    },
    /// sled could not open or read the store: it failed, panicked or did not answer in time.
    #[error("store in {} cannot be opened ({reason}); {}move the directory aside (or delete it) and run again to rebuild it from the venues (`basis backfill` fetches history again)", dir.display(), copy.as_ref().map(|c| format!("the files as they were before this recovery was tried are in {}; ", c.display())).unwrap_or_default())]
    Unrecoverable {
        /// Data dir.
        dir: PathBuf,
        /// What happened.
        reason: String,
        /// The copy made before sled recovered a crashed store.
        copy: Option<PathBuf>,
    },
    /// Live and demo data would mix: a live run on a store `--demo` filled, or `--demo` on a
    /// store holding live data.
    #[error("{}", mixed_message(dir, *demo_store))]
    Mixed {
        /// Data dir.
        dir: PathBuf,
        /// Whether the store holds demo data (else live data).
        demo_store: bool,
    },
    /// Reading or writing failed.
    #[error("store I/O error in {}: {reason} (check permissions and free space)", dir.display())]
    Io {
        /// Data dir.
        dir: PathBuf,
        /// The error.
        reason: String,
    },
}

/// Granularity of the perp time series, ms.
pub const HISTORY_BUCKET_MS: i64 = 3_600_000;

/// Daily closes are refreshed at most this often per venue (and always on a new UTC day), so a
/// cron job running every minute does not rewrite thousands of keys each time; a close is at most
/// this old when the day ends.
pub const OBSERVATION_REFRESH_MS: i64 = 15 * 60 * 1000;

/// The time-series key time of an observation made at `ms`: the start of its hour.
#[must_use]
pub fn history_bucket(ms: i64) -> i64 {
    ms.div_euclid(HISTORY_BUCKET_MS) * HISTORY_BUCKET_MS
}

/// Name of the lock file inside the data dir.
pub const LOCK_FILE: &str = "basis.lock";
const DB_DIR: &str = "db";

/// What the last poll of a venue did, shown by `basis venues`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueRecord {
    /// Last successful poll.
    pub last_ok: Option<DateTime<Utc>>,
    /// Last failure and its message.
    pub last_error: Option<(DateTime<Utc>, String)>,
    /// Requests sent by the last poll.
    pub last_requests: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct CachedReference {
    fetched_at: DateTime<Utc>,
    reference: Reference,
}

/// A perp observation kept in the time series (compact: what history statistics need).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerpObservation {
    /// Funding rate per interval.
    pub r: rust_decimal::Decimal,
    /// Interval hours.
    pub h: rust_decimal::Decimal,
    /// Next funding time, ms.
    pub next: Option<i64>,
    /// Best bid.
    pub bid: Option<rust_decimal::Decimal>,
    /// Best ask.
    pub ask: Option<rust_decimal::Decimal>,
    /// Mark price.
    pub mark: Option<rust_decimal::Decimal>,
}

/// A funding period's rate as last seen before it settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingEvent {
    /// Rate per interval.
    pub r: rust_decimal::Decimal,
    /// Interval hours.
    pub h: rust_decimal::Decimal,
    /// When it was last seen, ms.
    pub seen: i64,
}

/// Width of one funding-archive chunk: a backfilled perp's settlements are kept 5 days to a
/// value (a few keys per perp and month instead of one per settlement). An hourly perp's chunk
/// is at most 120 records (5.8 KB), so the 17 values of a sled leaf stay under its blob
/// threshold (about 128 KiB) and a chunk rewritten by each night's backfill leaves no blob.
pub const ARCHIVE_CHUNK_MS: i64 = 5 * 86_400_000;

/// Width of the chunks of stores written before 5-day chunks: 30 days. Every 30-day boundary
/// is a 5-day boundary, so an old chunk sits at the key a 5-day chunk would have; reads look
/// there too, and `basis db compact` rewrites old chunks at the new width.
const LEGACY_CHUNK_MS: i64 = 30 * 86_400_000;

const CHUNK_RECORD: usize = 48;

/// Largest piece of a value stored in pieces (see [`Store::put_pieces_json`]): sled splits a
/// leaf past 16 entries, so 17 such values stay far below its blob threshold.
pub const PIECE_BYTES: usize = 4096;

fn encode_chunk(records: &std::collections::BTreeMap<i64, FundingEvent>) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.len() * CHUNK_RECORD);
    for (t, e) in records {
        out.extend_from_slice(&t.to_be_bytes());
        out.extend_from_slice(&e.encode());
    }
    out
}

fn decode_chunk(bytes: &[u8]) -> Option<Vec<(i64, FundingEvent)>> {
    if !bytes.len().is_multiple_of(CHUNK_RECORD) {
        return None;
    }
    bytes
        .chunks_exact(CHUNK_RECORD)
        .map(|r| {
            let t = i64::from_be_bytes(r[..8].try_into().ok()?);
            Some((t, FundingEvent::decode(&r[8..])?))
        })
        .collect()
}

/// A market's close (per coin) of one UTC day: the last mid a poll saw that day, or the close of
/// the venue's daily candle (which replaces it once the day has ended and is backfilled).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyCloseRecord {
    /// Price per one coin.
    pub close: rust_decimal::Decimal,
    /// When it was seen, ms (a candle's: its close time, the next 00:00 UTC).
    pub seen: i64,
}

/// The range of a perp's last finished daily candle, cached for `σ_A` of last resort.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeRecord {
    /// High, as quoted.
    pub high: rust_decimal::Decimal,
    /// Low, as quoted.
    pub low: rust_decimal::Decimal,
    /// Open time of the candle, ms.
    pub open_ms: i64,
    /// When it was fetched, ms.
    pub fetched_ms: i64,
}

/// A notification sink that answered 404/410 (its webhook is gone), remembered across runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisabledSink {
    /// the sink's destination fingerprint (`notify::Sink::destination_fingerprint`) when it was disabled.
    pub fingerprint: String,
    /// When, ms.
    pub since_ms: i64,
    /// The error, secrets redacted.
    pub reason: String,
}

/// One finished candle of a market, prices per one coin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceBar {
    /// Highest price.
    pub high: rust_decimal::Decimal,
    /// Lowest price.
    pub low: rust_decimal::Decimal,
    /// Close.
    pub close: rust_decimal::Decimal,
}

/// The `Decimal` whose 16-byte form starts at `at` of a fixed-size record (the caller has checked
/// the record's size).
fn decimal_at(record: &[u8], at: usize) -> rust_decimal::Decimal {
    let mut b = [0u8; 16];
    b.copy_from_slice(&record[at..at + 16]);
    rust_decimal::Decimal::deserialize(b)
}

/// Writes `values` in `Decimal`'s 16-byte form one after the other from the start of `record`
/// (the inverse of [`decimal_at`]; the caller sized `record`).
fn put_decimals(record: &mut [u8], values: &[rust_decimal::Decimal]) {
    for (slot, v) in record.chunks_exact_mut(16).zip(values) {
        slot.copy_from_slice(&v.serialize());
    }
}

impl PriceBar {
    /// Fixed-size binary form: the three prices in `Decimal`'s 16-byte form.
    #[must_use]
    pub fn encode(&self) -> [u8; 48] {
        let mut out = [0u8; 48];
        put_decimals(&mut out, &[self.high, self.low, self.close]);
        out
    }

    /// Inverse of [`PriceBar::encode`]; `None` for a value of another size.
    #[must_use]
    pub fn decode(bytes: &[u8]) -> Option<PriceBar> {
        let bytes: &[u8; 48] = bytes.try_into().ok()?;
        Some(PriceBar {
            high: decimal_at(bytes, 0),
            low: decimal_at(bytes, 16),
            close: decimal_at(bytes, 32),
        })
    }
}

impl FundingEvent {
    /// The funding sample this record of a settlement at `time_ms` stands for; `None` for a time
    /// chrono cannot represent.
    #[must_use]
    pub fn sample(&self, time_ms: i64) -> Option<crate::model::FundingSample> {
        Some(crate::model::FundingSample {
            time: DateTime::<Utc>::from_timestamp_millis(time_ms)?,
            rate: self.r,
            interval_hours: self.h,
        })
    }

    /// Fixed-size binary form (rate and interval as `Decimal`'s 16-byte form, time as big-endian
    /// i64): millions of these are read by the statistics pass, so no text parsing.
    #[must_use]
    pub fn encode(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        put_decimals(&mut out, &[self.r, self.h]);
        out[32..].copy_from_slice(&self.seen.to_be_bytes());
        out
    }

    /// Inverse of [`FundingEvent::encode`]; `None` for a value of another size.
    #[must_use]
    pub fn decode(bytes: &[u8]) -> Option<FundingEvent> {
        let bytes: &[u8; 40] = bytes.try_into().ok()?;
        let mut seen = [0u8; 8];
        seen.copy_from_slice(&bytes[32..]);
        Some(FundingEvent {
            r: decimal_at(bytes, 0),
            h: decimal_at(bytes, 16),
            seen: i64::from_be_bytes(seen),
        })
    }
}

/// Meta key of a price backfill marker.
fn price_marker_key(
    venue: Venue,
    market: Market,
    symbol: &str,
    bar: crate::model::series::Bar,
) -> String {
    format!(
        "prices/{}/{}/{}/{symbol}",
        venue.id(),
        market.id(),
        bar.name()
    )
}

/// Counts of one tree for one venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TreeStats {
    /// Entries.
    pub records: u64,
    /// Oldest key time, ms.
    pub oldest_ms: i64,
    /// Newest key time, ms.
    pub newest_ms: i64,
}

/// How long each kind of record is kept (`[store]` in the config); polls prune what is older.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retention {
    /// The hourly perp time series (`store.retention`).
    pub quotes: std::time::Duration,
    /// Settled funding and daily closes (`store.history_retention`).
    pub history: std::time::Duration,
    /// Hourly candles (`store.bars_retention`).
    pub bars: std::time::Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            quotes: std::time::Duration::from_secs(2 * 86_400),
            history: std::time::Duration::from_secs(730 * 86_400),
            bars: std::time::Duration::from_secs(90 * 86_400),
        }
    }
}

/// What `basis db compact` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compaction {
    /// Records per tree before and after (equal, or the compaction is undone).
    pub records: Vec<(&'static str, usize, usize)>,
    /// Bytes on disk before and after.
    pub size_before: u64,
    /// Bytes on disk after.
    pub size_after: u64,
}

/// What `basis db check` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Check {
    /// Records read per tree.
    pub records: Vec<(&'static str, usize)>,
    /// Records that did not decode: tree, key, what is wrong (at most 20 listed).
    pub problems: Vec<String>,
    /// How many records did not decode.
    pub bad: usize,
}

/// What `basis db stats` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreStats {
    /// Per tree, per venue.
    pub trees: Vec<(&'static str, std::collections::BTreeMap<Venue, TreeStats>)>,
    /// Records in the metadata tree (latest snapshots, caches, bans, notification state).
    pub meta_records: usize,
    /// Bytes on disk.
    pub size_on_disk: u64,
    /// Bytes of live keys and values (what a compaction would keep, before sled's overhead).
    pub live_bytes: u64,
}

struct Inner {
    dir: PathBuf,
    trees: Trees,
    /// The funding archive may hold 30-day chunks (a store from before 5-day chunks that was
    /// not compacted since): reads look up one more key per perp.
    legacy_chunks: bool,
    // Held for the life of the store; the OS releases the lock when the process exits.
    _lock: File,
}

fn mixed_message(dir: &Path, demo_store: bool) -> String {
    if demo_store {
        format!(
            "--data-dir {} holds demo data (from `basis --data-dir {} scan --demo`); live data never goes into it: give a live run another --data-dir (or delete this one); `scan --offline`, `history` and `db` work on it",
            dir.display(),
            dir.display()
        )
    } else {
        format!(
            "--data-dir {} holds live data; --demo never writes into it: give --demo an empty or demo-only --data-dir (or leave --data-dir out for a throw-away store)",
            dir.display()
        )
    }
}

/// Meta key marking a store filled by `--demo`.
const DEMO_KEY: &[u8] = b"store/demo";

impl Inner {
    /// Closes sled (its trees first, then the database, which flushes and releases its files)
    /// and hands back the data dir and the lock, still held.
    fn shut(self) -> (PathBuf, File) {
        let Inner {
            dir, trees, _lock, ..
        } = self;
        let Trees {
            db,
            quotes,
            funding,
            closes,
            archive,
            hourly,
            latest,
            meta,
            summaries,
        } = trees;
        drop((
            quotes, funding, archive, closes, hourly, latest, meta, summaries,
        ));
        drop(db);
        (dir, _lock)
    }
}

/// An open store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.inner.dir)
            .finish()
    }
}

fn corrupt(dir: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        dir: dir.to_owned(),
        reason: e.to_string(),
    }
}

fn damaged(dir: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Damaged {
        dir: dir.to_owned(),
        reason: e.to_string(),
    }
}

/// The trees of an open database.
struct Trees {
    db: sled::Db,
    quotes: sled::Tree,
    funding: sled::Tree,
    closes: sled::Tree,
    archive: sled::Tree,
    hourly: sled::Tree,
    latest: sled::Tree,
    meta: sled::Tree,
    /// Funding summaries per perp (a cache, see [`summary`]).
    summaries: sled::Tree,
}

/// Names of every tree, in the order of [`Trees`].
const TREE_NAMES: [&str; 8] = [
    "quotes",
    "funding",
    "closes",
    "funding_archive",
    "prices_1h",
    "latest",
    "meta",
    summary::TREE,
];

/// The data dir of the store this process opened last (for messages about panics, which carry
/// no store).
static OPENED: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

/// The text of a panic payload.
#[must_use]
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned())
}

/// Runs a store operation, turning a panic inside sled into [`StoreError::Unrecoverable`]
/// (exit 74, never 70): the blocking wrappers of the command layer call store code through it.
///
/// # Errors
/// `f`'s error, or the panic.
pub fn guarded<T>(f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let dir = OPENED
            .lock()
            .ok()
            .and_then(|d| d.clone())
            .unwrap_or_else(|| PathBuf::from("the data dir"));
        Err(StoreError::Unrecoverable {
            dir,
            reason: format!("sled panicked while reading it: {}", panic_message(&*panic)),
            copy: None,
        })
    })
}

/// Runs a store call on tokio's blocking pool (sled blocks the thread) through [`guarded`]; a task
/// that panicked or was cancelled becomes `join`'s error.
///
/// # Errors
/// `f`'s error, sled's panic, or the failed task.
pub async fn blocking<T: Send + 'static, E: From<StoreError>>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
    join: impl FnOnce(String) -> E,
) -> Result<T, E> {
    tokio::task::spawn_blocking(move || guarded(f))
        .await
        .map_err(|e| join(e.to_string()))?
        .map_err(E::from)
}

fn io(dir: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io {
        dir: dir.to_owned(),
        reason: e.to_string(),
    }
}
