//! The sled store: snapshots, cached reference data, bans and venue status (the only sled user).
//!
//! Layout: tree `quotes` holds the perp time series (keys from [`keys`], ordered venue / market /
//! symbol / time, big-endian), `funding` the settlements polls saw, `funding_archive` backfilled
//! settlements in 5-day chunks, `closes` one close per market and UTC day (polls and daily
//! candles), `prices_1h` hourly candles (high, low, close), `latest` each venue's latest snapshot
//! in small pieces, `funding_summaries` each perp's funding summary (a cache, see [`summary`]),
//! and tree `meta` the cached reference data, the ban state, backfill markers and the last poll
//! status of each venue. A lock file taken before sled opens keeps a second process out. All
//! calls block: async code runs them in `spawn_blocking`.

pub mod export;
pub mod keys;
pub mod seal;
pub mod summary;

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
    /// [`crate::notify::Sink::destination_fingerprint`] when it was disabled.
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

impl PriceBar {
    /// Fixed-size binary form: the three prices in `Decimal`'s 16-byte form.
    #[must_use]
    pub fn encode(&self) -> [u8; 48] {
        let mut out = [0u8; 48];
        out[..16].copy_from_slice(&self.high.serialize());
        out[16..32].copy_from_slice(&self.low.serialize());
        out[32..].copy_from_slice(&self.close.serialize());
        out
    }

    /// Inverse of [`PriceBar::encode`]; `None` for a value of another size.
    #[must_use]
    pub fn decode(bytes: &[u8]) -> Option<PriceBar> {
        let bytes: &[u8; 48] = bytes.try_into().ok()?;
        let part = |i: usize| {
            let mut b = [0u8; 16];
            b.copy_from_slice(&bytes[i * 16..(i + 1) * 16]);
            rust_decimal::Decimal::deserialize(b)
        };
        Some(PriceBar {
            high: part(0),
            low: part(1),
            close: part(2),
        })
    }
}

impl FundingEvent {
    /// Fixed-size binary form (rate and interval as `Decimal`'s 16-byte form, time as big-endian
    /// i64): millions of these are read by the statistics pass, so no text parsing.
    #[must_use]
    pub fn encode(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        out[..16].copy_from_slice(&self.r.serialize());
        out[16..32].copy_from_slice(&self.h.serialize());
        out[32..].copy_from_slice(&self.seen.to_be_bytes());
        out
    }

    /// Inverse of [`FundingEvent::encode`]; `None` for a value of another size.
    #[must_use]
    pub fn decode(bytes: &[u8]) -> Option<FundingEvent> {
        let bytes: &[u8; 40] = bytes.try_into().ok()?;
        let mut r = [0u8; 16];
        let mut h = [0u8; 16];
        let mut seen = [0u8; 8];
        r.copy_from_slice(&bytes[..16]);
        h.copy_from_slice(&bytes[16..32]);
        seen.copy_from_slice(&bytes[32..]);
        Some(FundingEvent {
            r: rust_decimal::Decimal::deserialize(r),
            h: rust_decimal::Decimal::deserialize(h),
            seen: i64::from_be_bytes(seen),
        })
    }
}

/// Meta key of a price backfill marker.
fn price_marker_key(venue: Venue, market: Market, symbol: &str, bar: crate::venue::Bar) -> String {
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
    db: sled::Db,
    quotes: sled::Tree,
    funding: sled::Tree,
    archive: sled::Tree,
    closes: sled::Tree,
    hourly: sled::Tree,
    latest: sled::Tree,
    meta: sled::Tree,
    /// Funding summaries per perp (a cache, see [`summary`]).
    summaries: sled::Tree,
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
            dir,
            db,
            quotes,
            funding,
            archive,
            closes,
            hourly,
            latest,
            meta,
            summaries,
            _lock,
            ..
        } = self;
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

/// Opens sled and its trees and reads from each: the first record, or after a crash every
/// record (sled checks each message's CRC32 as it reads), so that damage shows here, under the
/// watchdog, rather than in the middle of a command.
fn open_trees(db_dir: &Path, read_all: bool) -> Result<Trees, String> {
    let db = sled::Config::new()
        .path(db_dir)
        .cache_capacity(8 * 1024 * 1024)
        .open()
        .map_err(|e| format!("sled: {e}"))?;
    let mut trees = Vec::with_capacity(TREE_NAMES.len());
    for name in TREE_NAMES {
        let tree = db
            .open_tree(name)
            .map_err(|e| format!("sled, tree {name}: {e}"))?;
        if read_all {
            for item in tree.iter() {
                item.map_err(|e| format!("sled, tree {name}: {e}"))?;
            }
        } else {
            tree.first()
                .map_err(|e| format!("sled, tree {name}: {e}"))?;
        }
        trees.push(tree);
    }
    let mut t = trees.into_iter();
    let mut next = || t.next().ok_or_else(|| "tree missing".to_owned());
    Ok(Trees {
        quotes: next()?,
        funding: next()?,
        closes: next()?,
        archive: next()?,
        hourly: next()?,
        latest: next()?,
        meta: next()?,
        summaries: next()?,
        db,
    })
}

/// Copies the funding archive into `target` in chunks of [`ARCHIVE_CHUNK_MS`] (older stores
/// have 30-day chunks), one perp at a time. Returns the distinct settlements read and the
/// settlements the copy holds, counted from what was written.
fn rechunk_archive(
    dir: &Path,
    source: &sled::Tree,
    target: &sled::Tree,
) -> Result<(usize, usize), StoreError> {
    type Series = (
        keys::QuoteKey,
        std::collections::BTreeMap<i64, FundingEvent>,
    );
    let mut before = 0;
    let mut flush = |series: Option<Series>| -> Result<(), StoreError> {
        let Some((key, records)) = series else {
            return Ok(());
        };
        before += records.len();
        let mut chunks: std::collections::BTreeMap<
            i64,
            std::collections::BTreeMap<i64, FundingEvent>,
        > = std::collections::BTreeMap::new();
        for (t, e) in records {
            chunks
                .entry(t.div_euclid(ARCHIVE_CHUNK_MS) * ARCHIVE_CHUNK_MS)
                .or_default()
                .insert(t, e);
        }
        let mut batch = sled::Batch::default();
        for (start, chunk) in chunks {
            batch.insert(
                keys::quote_key(key.venue, key.market, &key.symbol, start),
                encode_chunk(&chunk),
            );
        }
        target.apply_batch(batch).map_err(|e| io(dir, e))
    };
    let mut current: Option<Series> = None;
    for item in source.iter() {
        let (k, v) = item.map_err(|e| corrupt(dir, format!("tree funding_archive: {e}")))?;
        let key = keys::decode_quote_key(&k)
            .ok_or_else(|| corrupt(dir, "funding archive: undecodable key"))?;
        let records = decode_chunk(&v)
            .ok_or_else(|| corrupt(dir, "funding archive chunk of the wrong size"))?;
        let same = current.as_ref().is_some_and(|(c, _)| {
            c.venue == key.venue && c.market == key.market && c.symbol == key.symbol
        });
        if !same {
            flush(current.take())?;
            current = Some((key, std::collections::BTreeMap::new()));
        }
        if let Some((_, series)) = current.as_mut() {
            series.extend(records);
        }
    }
    flush(current)?;
    let mut after = 0;
    for item in target.iter() {
        let (_, v) = item.map_err(|e| io(dir, e))?;
        after += decode_chunk(&v).map_or(0, |r| r.len());
    }
    Ok((before, after))
}

/// Bytes of every file under `dir` (sled's log, snapshots and blob files).
fn dir_size(dir: &Path) -> u64 {
    let mut bytes = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.metadata() {
                Ok(m) if m.is_dir() => stack.push(entry.path()),
                Ok(m) => bytes += m.len(),
                Err(_) => {}
            }
        }
    }
    bytes
}

/// Meta key saying the funding archive holds 5-day chunks only (`5`); absent in stores from
/// before them until a compaction rewrites their 30-day chunks.
const CHUNK_WIDTH_KEY: &[u8] = b"archive/chunk-days";

/// Meta key of the size on disk the last compaction left (bytes).
const COMPACT_BASE_KEY: &[u8] = b"compact/base";

/// Least growth over the compacted size before the store is rewritten automatically.
const COMPACT_SLACK: u64 = 16 * 1024 * 1024;

/// Name of the directory a compaction writes before it is swapped in.
const COMPACT_DIR: &str = "db.compact";
/// Name the old database takes during the swap.
const OLD_DIR: &str = "db.old";
/// Written once the compacted copy is complete and verified: the swap may finish.
const COMPACT_DONE: &str = "compact.done";

/// Finishes or undoes a compaction that a crash interrupted, before anything else opens the
/// store: a complete, verified copy is swapped in; an incomplete one is deleted.
fn finish_compaction(dir: &Path) -> std::io::Result<()> {
    let db = dir.join(DB_DIR);
    let fresh = dir.join(COMPACT_DIR);
    let old = dir.join(OLD_DIR);
    let done = dir.join(COMPACT_DONE);
    if done.exists() && fresh.exists() {
        if db.exists() && !old.exists() {
            std::fs::rename(&db, &old)?;
        }
        std::fs::rename(&fresh, &db)?;
    }
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh)?;
    }
    if old.exists() && db.exists() {
        std::fs::remove_dir_all(&old)?;
    } else if old.exists() {
        std::fs::rename(&old, &db)?;
    }
    if done.exists() {
        std::fs::remove_file(&done)?;
    }
    Ok(())
}

/// How long opening may take: a few seconds, plus time to read the files once.
fn watchdog_budget(db_dir: &Path) -> std::time::Duration {
    let bytes: u64 = std::fs::read_dir(db_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    std::time::Duration::from_secs(5) + std::time::Duration::from_millis(bytes / 25_000)
}

/// Runs `f` on a thread of its own and waits at most `budget`; a panic inside becomes an error
/// like any other. A thread that does not answer is left behind (the process exits soon after
/// with the error: sled has been seen to spin forever on a damaged blob).
fn watchdog<T: Send + 'static>(
    budget: std::time::Duration,
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("store-open".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                .unwrap_or_else(|panic| Err(format!("sled panicked: {}", panic_message(&*panic))));
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Err(format!("cannot start a thread: {e}"));
    }
    match rx.recv_timeout(budget) {
        Ok(result) => result,
        Err(_) => Err(format!("sled did not answer within {} s", budget.as_secs())),
    }
}

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

fn io(dir: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Io {
        dir: dir.to_owned(),
        reason: e.to_string(),
    }
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, taking its lock first.
    ///
    /// # Errors
    /// [`StoreError::Locked`] when another process holds it, [`StoreError::Corrupt`] when sled
    /// cannot read its files (they are not modified), [`StoreError::Io`] otherwise.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(|e| io(dir, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    dir: dir.to_owned(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(dir, e)),
        }
        finish_compaction(dir).map_err(|e| {
            io(
                dir,
                format!("finishing an interrupted `basis db compact` failed: {e}"),
            )
        })?;
        let db_dir = dir.join(DB_DIR);
        let created = !db_dir.exists();
        let mut crashed = None;
        let mut baseline = seal::Baseline::default();
        if db_dir.exists() {
            check_intact(&db_dir).map_err(|reason| damaged(dir, reason))?;
            match seal::check(dir, &db_dir).map_err(|reason| damaged(dir, reason))? {
                seal::State::Failed(reason) => {
                    return Err(StoreError::Unrecoverable {
                        dir: dir.to_owned(),
                        reason: format!("an earlier run could not open it: {reason}"),
                        copy: Some(dir.join(seal::RECOVERY_DIR).join(DB_DIR))
                            .filter(|c| c.exists()),
                    });
                }
                seal::State::Crashed {
                    baseline,
                    recovering,
                } => crashed = Some((baseline, recovering)),
                seal::State::Clean(base) => baseline = base,
                seal::State::Unknown => {
                    baseline = seal::baseline(&db_dir).map_err(|e| io(dir, e))?;
                }
            }
        }
        // After a crash sled recovers by rewriting the log's tail: keep the files as they are
        // first, so that a failed recovery loses nothing.
        let copy = if let Some((base, recovering)) = &crashed {
            let kept = dir.join(seal::RECOVERY_DIR).join(DB_DIR);
            let copy = if *recovering && kept.exists() {
                // Killed while recovering: the copy holds the files from before any recovery.
                kept
            } else {
                seal::preserve(dir, &db_dir).map_err(|e| {
                    io(
                        dir,
                        format!(
                            "the last run did not close the store, and copying it to {} before recovery failed: {e}",
                            dir.join(seal::RECOVERY_DIR).display()
                        ),
                    )
                })?
            };
            tracing::warn!(
                copy = %copy.display(),
                "the last run did not close the store (crash or kill); recovering it, with a copy of the files as they were"
            );
            if let Err(reason) = seal::check_crashed(&db_dir, base) {
                let _ = seal::fail(dir, &reason);
                return Err(StoreError::Unrecoverable {
                    dir: dir.to_owned(),
                    reason,
                    copy: Some(copy),
                });
            }
            Some(copy)
        } else {
            None
        };
        // From here until `close`, the files may legitimately change: a crash in between leaves
        // the seal open and lets sled recover on the next open.
        match &crashed {
            Some((base, _)) => seal::open_recovering(dir, base.clone()),
            None => seal::open(dir, baseline),
        }
        .map_err(|e| io(dir, e))?;
        let budget = watchdog_budget(&db_dir);
        let read_all = crashed.is_some();
        let trees = match watchdog(budget, {
            let db_dir = db_dir.clone();
            move || open_trees(&db_dir, read_all)
        }) {
            Ok(trees) => trees,
            Err(reason) => {
                // Whatever sled did to the files, later runs must not retry on them blindly.
                let _ = seal::fail(dir, &reason);
                return Err(StoreError::Unrecoverable {
                    dir: dir.to_owned(),
                    reason,
                    copy,
                });
            }
        };
        // The next crash is checked against the files as sled left them once open: recovery
        // rewrites the log's tail, and even a clean open may shrink the log by its unused last
        // segment, which a crash check against the files at the last close would call a
        // truncation and refuse the store for ever.
        let base = seal::baseline(&db_dir).map_err(|e| io(dir, e))?;
        seal::open(dir, base).map_err(|e| io(dir, e))?;
        if let Ok(mut opened) = OPENED.lock() {
            *opened = Some(dir.to_owned());
        }
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
        // A store created now, or compacted by this version, holds 5-day chunks only.
        if created {
            meta.insert(CHUNK_WIDTH_KEY, b"5").map_err(|e| io(dir, e))?;
        }
        let legacy_chunks = meta
            .get(CHUNK_WIDTH_KEY)
            .map_err(|e| io(dir, e))?
            .is_none_or(|w| w.as_ref() != b"5");
        Ok(Store {
            inner: Arc::new(Inner {
                dir: dir.to_owned(),
                db,
                quotes,
                funding,
                archive,
                closes,
                hourly,
                latest,
                meta,
                summaries,
                legacy_chunks,
                _lock: lock,
            }),
        })
    }

    /// Flushes, closes sled and seals the files (size + CRC32 of each) so that a later open can
    /// tell corruption from a crash. Other clones of this store must be gone; if they are not,
    /// the store is only flushed and stays unsealed, which is always safe.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn close(self) -> Result<(), StoreError> {
        self.flush()?;
        match Arc::try_unwrap(self.inner) {
            Ok(inner) => {
                let (dir, lock) = inner.shut();
                seal::close(&dir, &dir.join(DB_DIR)).map_err(|e| io(&dir, e))?;
                drop(lock);
                Ok(())
            }
            Err(_) => Ok(()),
        }
    }

    /// The data dir.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Every tree, in the order of [`TREE_NAMES`].
    fn trees(&self) -> [&sled::Tree; 8] {
        let i = &self.inner;
        [
            &i.quotes,
            &i.funding,
            &i.closes,
            &i.archive,
            &i.hourly,
            &i.latest,
            &i.meta,
            &i.summaries,
        ]
    }

    /// Reads every record of every tree (sled checks each message's CRC32 as it reads) and
    /// decodes each value with the decoder its tree uses.
    ///
    /// # Errors
    /// When sled cannot read a record (damage it detected).
    pub fn check(&self) -> Result<Check, StoreError> {
        let dir = &self.inner.dir;
        let mut check = Check::default();
        for (name, tree) in TREE_NAMES.iter().zip(self.trees()) {
            let mut n = 0;
            for item in tree.iter() {
                let (k, v) = item.map_err(|e| corrupt(dir, format!("tree {name}: {e}")))?;
                n += 1;
                let time_series = || {
                    keys::decode_quote_key(&k)
                        .map(|_| ())
                        .ok_or("undecodable key")
                };
                let ok: Result<(), &str> = match *name {
                    "quotes" => time_series().and_then(|()| {
                        serde_json::from_slice::<PerpObservation>(&v)
                            .map(|_| ())
                            .map_err(|_| "undecodable observation")
                    }),
                    "funding" => time_series().and_then(|()| {
                        FundingEvent::decode(&v)
                            .map(|_| ())
                            .ok_or("funding record of the wrong size")
                    }),
                    "closes" => time_series().and_then(|()| {
                        serde_json::from_slice::<DailyCloseRecord>(&v)
                            .map(|_| ())
                            .map_err(|_| "undecodable daily close")
                    }),
                    "funding_archive" => time_series().and_then(|()| {
                        decode_chunk(&v)
                            .map(|_| ())
                            .ok_or("archive chunk of the wrong size")
                    }),
                    "prices_1h" => time_series().and_then(|()| {
                        PriceBar::decode(&v)
                            .map(|_| ())
                            .ok_or("price bar of the wrong size")
                    }),
                    summary::TREE => summary::Kept::decode(&v)
                        .map(|_| ())
                        .ok_or("undecodable funding summary"),
                    // Pieces of a snapshot, decoded whole below.
                    _ => Ok(()),
                };
                if let Err(what) = ok {
                    check.bad += 1;
                    if check.problems.len() < 20 {
                        check.problems.push(format!(
                            "{name} {}: {what}",
                            String::from_utf8_lossy(&k).escape_debug()
                        ));
                    }
                }
            }
            check.records.push((name, n));
        }
        for venue in Venue::ALL {
            if let Err(e) = self.latest_snapshot(venue) {
                check.bad += 1;
                check
                    .problems
                    .push(format!("latest snapshot of {venue}: {e}"));
            }
        }
        Ok(check)
    }

    /// Bytes of every key and value (a full read).
    fn live_bytes(&self) -> Result<u64, StoreError> {
        let dir = &self.inner.dir;
        let mut live = 0u64;
        for tree in self.trees() {
            for item in tree.iter() {
                let (k, v) = item.map_err(|e| io(dir, e))?;
                live += (k.len() + v.len()) as u64;
            }
        }
        Ok(live)
    }

    /// Whether the store should be rewritten: its size on disk is over twice what the last
    /// compaction left (and at least [`COMPACT_SLACK`] over it), and over twice three times its
    /// live bytes (what a compaction leaves, measured). sled 0.34 reclaims the space of
    /// rewritten values only in part, so a store whose every poll rewrites the latest prices
    /// keeps growing slowly; rewriting it past this bound keeps its size set by what it holds.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn compaction_due(&self) -> Result<bool, StoreError> {
        let on_disk = dir_size(&self.inner.dir.join(DB_DIR));
        if on_disk <= COMPACT_SLACK {
            return Ok(false);
        }
        let over = |base: u64| on_disk > base + base.max(COMPACT_SLACK);
        if let Some(base) = self.get_json::<u64>(COMPACT_BASE_KEY)?
            && !over(base)
        {
            return Ok(false);
        }
        // Twice the base, or no base yet: measure what the store holds (one full read) before
        // deciding, since a backfill grows a store legitimately. A compacted store takes about
        // three times its live bytes (measured); that becomes the base when no rewrite is due,
        // so the read happens again only once the store has doubled once more.
        let estimate = self.live_bytes()? * 3;
        if over(estimate) {
            return Ok(true);
        }
        self.put_json(COMPACT_BASE_KEY, &estimate)?;
        Ok(false)
    }

    /// Closes the store, rewriting it first when [`Store::compaction_due`] says so.
    ///
    /// # Errors
    /// As [`Store::close`] and [`Store::compact`].
    pub fn close_compacting(self) -> Result<Option<Compaction>, StoreError> {
        if Arc::strong_count(&self.inner) == 1 && self.compaction_due()? {
            return self.compact().map(Some);
        }
        self.close().map(|()| None)
    }

    /// Rewrites the store into a fresh directory and swaps it in: sled keeps the space of
    /// replaced and deleted values until its segments are reused, so a store that has been
    /// pruned, or written by a version that kept large values, holds dead space that only a
    /// rewrite gives back. Every record is copied and counted in both copies before the swap;
    /// a crash at any point leaves either the old store or the new one whole (finished at the
    /// next open). Consumes the store and closes it (sealed).
    ///
    /// # Errors
    /// When other clones of the store are alive, on I/O errors, or when the counts differ
    /// (the old store is kept then).
    pub fn compact(self) -> Result<Compaction, StoreError> {
        let dir = self.inner.dir.clone();
        self.flush()?;
        let fresh_dir = dir.join(COMPACT_DIR);
        if fresh_dir.exists() {
            std::fs::remove_dir_all(&fresh_dir).map_err(|e| io(&dir, e))?;
        }
        let size_before = dir_size(&dir.join(DB_DIR));
        let fresh = sled::Config::new()
            .path(&fresh_dir)
            .cache_capacity(8 * 1024 * 1024)
            .open()
            .map_err(|e| io(&dir, format!("cannot create {}: {e}", fresh_dir.display())))?;
        let mut records = Vec::new();
        for (name, tree) in TREE_NAMES.iter().zip(self.trees()) {
            let target = fresh.open_tree(name).map_err(|e| io(&dir, e))?;
            if *name == "funding_archive" {
                let (before, after) = rechunk_archive(&dir, tree, &target)?;
                if before != after {
                    drop(fresh);
                    let _ = std::fs::remove_dir_all(&fresh_dir);
                    return Err(io(
                        &dir,
                        format!(
                            "compaction copied {before} settlements of tree {name} but the copy holds {after}; the store was left as it was"
                        ),
                    ));
                }
                records.push((*name, before, after));
                continue;
            }
            let mut batch = sled::Batch::default();
            let mut pending = 0;
            let mut copied = 0;
            for item in tree.iter() {
                let (k, v) = item.map_err(|e| corrupt(&dir, format!("tree {name}: {e}")))?;
                batch.insert(k, v);
                pending += 1;
                copied += 1;
                if pending == 10_000 {
                    target
                        .apply_batch(std::mem::take(&mut batch))
                        .map_err(|e| io(&dir, e))?;
                    pending = 0;
                }
            }
            target.apply_batch(batch).map_err(|e| io(&dir, e))?;
            let written = target.len();
            if written != copied {
                drop(fresh);
                let _ = std::fs::remove_dir_all(&fresh_dir);
                return Err(io(
                    &dir,
                    format!(
                        "compaction copied {copied} records of tree {name} but the copy holds {written}; the store was left as it was"
                    ),
                ));
            }
            records.push((*name, copied, written));
        }
        fresh.flush().map_err(|e| io(&dir, e))?;
        // The size a compaction leaves is the base of the automatic rewrite's threshold.
        let base = dir_size(&fresh_dir);
        fresh
            .open_tree("meta")
            .and_then(|m| {
                // The archive is in 5-day chunks only now.
                m.insert(CHUNK_WIDTH_KEY, b"5")?;
                m.insert(
                    COMPACT_BASE_KEY,
                    serde_json::to_vec(&base).unwrap_or_default(),
                )
            })
            .map_err(|e| io(&dir, e))?;
        fresh.flush().map_err(|e| io(&dir, e))?;
        drop(fresh);
        // The copy is complete: from here a crash finishes the swap at the next open.
        std::fs::write(dir.join(COMPACT_DONE), b"").map_err(|e| io(&dir, e))?;
        let Ok(inner) = Arc::try_unwrap(self.inner) else {
            let _ = std::fs::remove_file(dir.join(COMPACT_DONE));
            let _ = std::fs::remove_dir_all(&fresh_dir);
            return Err(io(&dir, "the store is still in use; compaction abandoned"));
        };
        let (_, lock) = inner.shut();
        finish_compaction(&dir).map_err(|e| io(&dir, e))?;
        seal::close(&dir, &dir.join(DB_DIR)).map_err(|e| io(&dir, e))?;
        drop(lock);
        Ok(Compaction {
            records,
            size_before,
            size_after: dir_size(&dir.join(DB_DIR)),
        })
    }

    fn get_json<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>, StoreError> {
        let dir = &self.inner.dir;
        match self.inner.meta.get(key).map_err(|e| io(dir, e))? {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v)
                .map(Some)
                .map_err(|e| corrupt(dir, format!("record {}: {e}", String::from_utf8_lossy(key)))),
        }
    }

    fn put_json<T: Serialize>(&self, key: &[u8], value: &T) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let bytes = serde_json::to_vec(value).map_err(|e| io(dir, e))?;
        self.inner.meta.insert(key, bytes).map_err(|e| io(dir, e))?;
        Ok(())
    }

    /// When a ban (or remembered rate-limit back-off) on `venue` ends, if one was recorded.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn banned_until(&self, venue: Venue) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.ban(venue)?.map(|b| b.until))
    }

    /// The ban (or remembered rate-limit back-off) recorded on `venue`, ended or not. Records of
    /// earlier versions (only an end, never bounded) read as bans of unknown cause; one ending
    /// more than [`crate::venue::LONGEST_BAN`] from now is cut to that and rewritten, so that it
    /// ends.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn ban(&self, venue: Venue) -> Result<Option<crate::venue::Ban>, StoreError> {
        use crate::venue::StoredBan;
        let Some(stored) = self.get_json::<StoredBan>(&keys::meta_key("ban", venue))? else {
            return Ok(None);
        };
        let legacy = matches!(stored, StoredBan::Legacy(_));
        let ban = stored.into_ban();
        if !legacy {
            return Ok(Some(ban));
        }
        let bounded = ban.clone().bounded(Utc::now(), crate::venue::LONGEST_BAN);
        if bounded != ban {
            self.set_ban(venue, &bounded)?;
        }
        Ok(Some(bounded))
    }

    /// Records a ban (or rate-limit back-off) on `venue`.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn set_ban(&self, venue: Venue, ban: &crate::venue::Ban) -> Result<(), StoreError> {
        self.put_json(&keys::meta_key("ban", venue), ban)
    }

    /// Lifts the ban (or rate-limit back-off) on `venue`; returns what was recorded.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn clear_ban(&self, venue: Venue) -> Result<Option<crate::venue::Ban>, StoreError> {
        let ban = self.ban(venue)?;
        self.inner
            .meta
            .remove(keys::meta_key("ban", venue))
            .map_err(|e| io(&self.inner.dir, e))?;
        Ok(ban)
    }

    /// Records a bare ban end, as earlier versions did (read back by [`Store::ban`] as a ban of
    /// unknown cause).
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn set_banned_until(&self, venue: Venue, until: DateTime<Utc>) -> Result<(), StoreError> {
        self.put_json(&keys::meta_key("ban", venue), &until)
    }

    /// The cached reference data of `venue` and when it was fetched.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn reference(
        &self,
        venue: Venue,
    ) -> Result<Option<(DateTime<Utc>, Reference)>, StoreError> {
        Ok(self
            .get_pieces_json::<CachedReference>(&keys::meta_key("reference", venue))?
            .map(|c| (c.fetched_at, c.reference)))
    }

    /// Caches the reference data of `venue`.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn put_reference(
        &self,
        venue: Venue,
        fetched_at: DateTime<Utc>,
        reference: &Reference,
    ) -> Result<(), StoreError> {
        #[derive(Serialize)]
        struct Borrowed<'a> {
            fetched_at: DateTime<Utc>,
            reference: &'a Reference,
        }
        self.put_pieces_json(
            &keys::meta_key("reference", venue),
            &Borrowed {
                fetched_at,
                reference,
            },
        )
    }

    /// Reads a value stored by [`Store::put_pieces_json`] (or, from stores written before pieces
    /// existed, whole under `base`).
    fn get_pieces_json<T: DeserializeOwned>(&self, base: &[u8]) -> Result<Option<T>, StoreError> {
        match self.get_pieces(&self.inner.meta, base)? {
            Some(value) => Ok(Some(value)),
            None => self.get_json(base),
        }
    }

    /// Reads and decodes the pieces of a value stored under `base` in `tree`.
    fn get_pieces<T: DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        base: &[u8],
    ) -> Result<Option<T>, StoreError> {
        let dir = &self.inner.dir;
        let mut bytes = Vec::new();
        let mut pieces = 0u32;
        for item in tree.scan_prefix(keys::piece_prefix(base)) {
            let (k, v) = item.map_err(|e| io(dir, e))?;
            if k.as_ref() != keys::piece_key(base, pieces).as_slice() {
                return Err(corrupt(
                    dir,
                    format!(
                        "record {}: a piece is missing",
                        String::from_utf8_lossy(base)
                    ),
                ));
            }
            bytes.extend_from_slice(&v);
            pieces += 1;
        }
        if pieces == 0 {
            return Ok(None);
        }
        serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            corrupt(
                dir,
                format!("record {}: {e}", String::from_utf8_lossy(base)),
            )
        })
    }

    /// Stores a value that can be large (a venue's instrument list) as pieces of at most
    /// [`PIECE_BYTES`] in one atomic batch. sled 0.34 writes any page over about 128 KiB to a blob
    /// file of its own and does not reclaim replaced blobs, so a large value rewritten on a
    /// schedule would grow the store forever; small pieces stay in its log, which it compacts.
    fn put_pieces_json<T: Serialize>(&self, base: &[u8], value: &T) -> Result<(), StoreError> {
        self.put_pieces(&self.inner.meta, base, value)
    }

    /// Stores `value` in pieces under `base` in `tree` (see [`Store::put_pieces_json`]).
    fn put_pieces<T: Serialize>(
        &self,
        tree: &sled::Tree,
        base: &[u8],
        value: &T,
    ) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let bytes = serde_json::to_vec(value).map_err(|e| io(dir, e))?;
        let mut batch = sled::Batch::default();
        // A whole value from before pieces existed, and pieces beyond the new count.
        batch.remove(base);
        let mut count = 0u32;
        for (n, piece) in bytes.chunks(PIECE_BYTES).enumerate() {
            let n = u32::try_from(n).map_err(|e| io(dir, e))?;
            batch.insert(keys::piece_key(base, n), piece);
            count = n + 1;
        }
        for item in tree.range(keys::piece_key(base, count)..=keys::piece_key(base, u32::MAX)) {
            let (k, _) = item.map_err(|e| io(dir, e))?;
            batch.remove(k);
        }
        tree.apply_batch(batch).map_err(|e| io(dir, e))
    }

    /// Writes one snapshot: its perp observations as one batch in the time series and the snapshot
    /// itself as the venue's latest view. The time series keeps one observation per perp per
    /// hour (keyed by the start of the hour, the latest poll of the hour wins), so re-writing is
    /// idempotent and the store grows with hours, not with how often cron runs.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn write_snapshot(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let t = history_bucket(snapshot.received_at.timestamp_millis());
        let mut batch = sled::Batch::default();
        for p in &snapshot.perps {
            let obs = PerpObservation {
                r: p.funding_rate,
                h: p.funding_interval_hours,
                next: p.next_funding_time.map(|t| t.timestamp_millis()),
                bid: p.bid,
                ask: p.ask,
                mark: p.mark_price,
            };
            let value = serde_json::to_vec(&obs).map_err(|e| io(dir, e))?;
            batch.insert(
                keys::quote_key(snapshot.venue, Market::Perp, &p.symbol, t),
                value,
            );
        }
        self.inner
            .quotes
            .apply_batch(batch)
            .map_err(|e| io(dir, e))?;
        // Funding events: the current period's rate keyed by its settlement time. Each poll
        // overwrites it until the period settles, so the record left is the last rate seen
        // before settlement (the settled rate on venues whose prediction converges to it).
        let mut events = sled::Batch::default();
        let mut written: Vec<(&str, i64)> = Vec::with_capacity(snapshot.perps.len());
        for p in &snapshot.perps {
            if let Some(settles) = p.next_funding_time {
                written.push((&p.symbol, settles.timestamp_millis()));
                let event = FundingEvent {
                    r: p.funding_rate,
                    h: p.funding_interval_hours,
                    seen: snapshot.received_at.timestamp_millis(),
                };
                let value = event.encode().to_vec();
                events.insert(
                    keys::quote_key(
                        snapshot.venue,
                        Market::Perp,
                        &p.symbol,
                        settles.timestamp_millis(),
                    ),
                    value,
                );
            }
        }
        self.inner
            .funding
            .apply_batch(events)
            .map_err(|e| io(dir, e))?;
        self.drop_stale_summaries(snapshot.venue, &written)?;
        // Daily closes: each perp's and spot pair's mid per coin under the start of its UTC day,
        // overwritten through the day, so the value left is the last one seen before 00:00 UTC.
        let day = snapshot
            .received_at
            .timestamp_millis()
            .div_euclid(86_400_000)
            * 86_400_000;
        let now_ms = snapshot.received_at.timestamp_millis();
        let refresh_key = keys::meta_key("closes-at", snapshot.venue);
        let last: Option<i64> = self.get_json(&refresh_key)?;
        let due = last.is_none_or(|l| {
            now_ms - l >= OBSERVATION_REFRESH_MS || l.div_euclid(86_400_000) != day / 86_400_000
        });
        let mut closes = sled::Batch::default();
        for p in snapshot.perps.iter().filter(|_| due) {
            let Some(mid) = p.mid().or(p.mark_price) else {
                continue;
            };
            let close = DailyCloseRecord {
                close: p.unit_price(mid),
                seen: snapshot.received_at.timestamp_millis(),
            };
            let value = serde_json::to_vec(&close).map_err(|e| io(dir, e))?;
            closes.insert(
                keys::quote_key(snapshot.venue, Market::Perp, &p.symbol, day),
                value,
            );
        }
        for sp in snapshot.spots.iter().filter(|_| due) {
            let Some(mid) = sp.mid() else {
                continue;
            };
            let close = DailyCloseRecord {
                close: mid,
                seen: snapshot.received_at.timestamp_millis(),
            };
            let value = serde_json::to_vec(&close).map_err(|e| io(dir, e))?;
            closes.insert(
                keys::quote_key(snapshot.venue, Market::Spot, &sp.symbol, day),
                value,
            );
        }
        self.inner
            .closes
            .apply_batch(closes)
            .map_err(|e| io(dir, e))?;
        if due {
            self.put_json(&refresh_key, &now_ms)?;
        }
        self.put_latest(snapshot)
    }

    /// Replaces the latest view of a venue: the snapshot in pieces of at most [`PIECE_BYTES`]
    /// in tree `latest` (one atomic batch). Never one large value, which sled would keep as a
    /// blob it never reclaims; and not one record per market either, which measured 7× the
    /// sled operations for the same bytes (a third of a cached scan's CPU).
    fn put_latest(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        self.put_pieces(
            &self.inner.latest,
            &keys::latest_header_key(snapshot.venue),
            snapshot,
        )?;
        // The whole-snapshot value of stores written before tree `latest` existed.
        self.inner
            .meta
            .remove(keys::meta_key("latest", snapshot.venue))
            .map_err(|e| io(dir, e))?;
        Ok(())
    }

    /// Funding events of one perp (settlement time ms, event), oldest first.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn funding_events(
        &self,
        venue: Venue,
        symbol: &str,
    ) -> Result<Vec<(i64, FundingEvent)>, StoreError> {
        self.funding_events_since(venue, symbol, i64::MIN)
    }

    /// Funding events of one perp with settlement time `>= since_ms`, oldest first (a range
    /// read: older history is not touched).
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn funding_events_since(
        &self,
        venue: Venue,
        symbol: &str,
        since_ms: i64,
    ) -> Result<Vec<(i64, FundingEvent)>, StoreError> {
        let dir = &self.inner.dir;
        // Rates seen by polls, then settled history from backfills, which wins for the same
        // settlement time.
        let mut merged: std::collections::BTreeMap<i64, FundingEvent> =
            std::collections::BTreeMap::new();
        let start = keys::quote_key(venue, Market::Perp, symbol, since_ms);
        let end = keys::quote_key(venue, Market::Perp, symbol, i64::MAX);
        for item in self.inner.funding.range(start.clone()..=end.clone()) {
            let (k, v) = item.map_err(|e| io(dir, e))?;
            let key = keys::decode_quote_key(&k).ok_or_else(|| corrupt(dir, "undecodable key"))?;
            let event = FundingEvent::decode(&v)
                .ok_or_else(|| corrupt(dir, "funding record of the wrong size"))?;
            merged.insert(key.time_ms, event);
        }
        let floor = |width: i64| since_ms.div_euclid(width).saturating_mul(width);
        let chunk_from = keys::quote_key(venue, Market::Perp, symbol, floor(ARCHIVE_CHUNK_MS));
        // A 30-day chunk of an older store that starts before `since` and covers it.
        let legacy = keys::quote_key(venue, Market::Perp, symbol, floor(LEGACY_CHUNK_MS));
        let legacy = if self.inner.legacy_chunks && legacy < chunk_from {
            self.inner.archive.get(&legacy).map_err(|e| io(dir, e))?
        } else {
            None
        };
        let chunks = legacy.into_iter().map(Ok).chain(
            self.inner
                .archive
                .range(chunk_from..=end)
                .map(|item| item.map(|(_, v)| v)),
        );
        for item in chunks {
            let v = item.map_err(|e| io(dir, e))?;
            let records = decode_chunk(&v)
                .ok_or_else(|| corrupt(dir, "funding archive chunk of the wrong size"))?;
            merged.extend(records.into_iter().filter(|(t, _)| *t >= since_ms));
        }
        Ok(merged.into_iter().collect())
    }

    /// Stores settled funding from a venue's history endpoint (idempotent: keyed by settlement
    /// time, a later write of the same settlement replaces it).
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn put_funding_events(
        &self,
        venue: Venue,
        symbol: &str,
        events: &[(i64, FundingEvent)],
    ) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let mut chunks: std::collections::BTreeMap<i64, Vec<(i64, FundingEvent)>> =
            std::collections::BTreeMap::new();
        for (t, e) in events {
            chunks
                .entry(t.div_euclid(ARCHIVE_CHUNK_MS) * ARCHIVE_CHUNK_MS)
                .or_default()
                .push((*t, e.clone()));
        }
        let mut batch = sled::Batch::default();
        for (start, new) in chunks {
            let key = keys::quote_key(venue, Market::Perp, symbol, start);
            let mut merged: std::collections::BTreeMap<i64, FundingEvent> =
                match self.inner.archive.get(&key).map_err(|e| io(dir, e))? {
                    Some(v) => decode_chunk(&v)
                        .ok_or_else(|| corrupt(dir, "funding archive chunk of the wrong size"))?
                        .into_iter()
                        .collect(),
                    None => std::collections::BTreeMap::new(),
                };
            merged.extend(new);
            batch.insert(key, encode_chunk(&merged));
        }
        self.inner
            .archive
            .apply_batch(batch)
            .map_err(|e| io(dir, e))?;
        self.drop_summaries(venue, &[symbol])
    }

    /// The span of funding history a completed backfill covered for one perp, `(from, to)` ms.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn backfill_marker(
        &self,
        venue: Venue,
        symbol: &str,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        self.get_json(format!("backfill/{}/{symbol}", venue.id()).as_bytes())
    }

    /// Records that funding history of one perp is complete over `(from, to)` ms.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn set_backfill_marker(
        &self,
        venue: Venue,
        symbol: &str,
        span: (i64, i64),
    ) -> Result<(), StoreError> {
        self.put_json(
            format!("backfill/{}/{symbol}", venue.id()).as_bytes(),
            &span,
        )
    }

    /// Stores finished candles of one market (open time ms, prices per coin): daily ones as the
    /// day's close (replacing what polls saw that day), hourly ones whole. Idempotent.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn put_price_bars(
        &self,
        venue: Venue,
        market: Market,
        symbol: &str,
        bar: crate::venue::Bar,
        bars: &[(i64, PriceBar)],
    ) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let mut batch = sled::Batch::default();
        for (open_ms, b) in bars {
            let key = keys::quote_key(venue, market, symbol, *open_ms);
            match bar {
                crate::venue::Bar::Day => {
                    let record = DailyCloseRecord {
                        close: b.close,
                        seen: open_ms + bar.millis(),
                    };
                    batch.insert(key, serde_json::to_vec(&record).map_err(|e| io(dir, e))?);
                }
                crate::venue::Bar::Hour => batch.insert(key, b.encode().to_vec()),
            }
        }
        let tree = match bar {
            crate::venue::Bar::Day => &self.inner.closes,
            crate::venue::Bar::Hour => &self.inner.hourly,
        };
        tree.apply_batch(batch).map_err(|e| io(dir, e))
    }

    /// Hourly candles of one market with open time `>= since_ms`, oldest first.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn hourly_bars(
        &self,
        venue: Venue,
        market: Market,
        symbol: &str,
        since_ms: i64,
    ) -> Result<Vec<(i64, PriceBar)>, StoreError> {
        let dir = &self.inner.dir;
        let mut out = Vec::new();
        let start = keys::quote_key(venue, market, symbol, since_ms);
        let prefix = keys::symbol_prefix(venue, market, symbol);
        for item in self.inner.hourly.range(start..) {
            let (k, v) = item.map_err(|e| io(dir, e))?;
            if !k.starts_with(&prefix) {
                break;
            }
            let key = keys::decode_quote_key(&k).ok_or_else(|| corrupt(dir, "undecodable key"))?;
            let bar =
                PriceBar::decode(&v).ok_or_else(|| corrupt(dir, "price bar of the wrong size"))?;
            out.push((key.time_ms, bar));
        }
        Ok(out)
    }

    /// The span of `bar` candles a backfill stored for one market, `(from, to)` open times ms.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn price_marker(
        &self,
        venue: Venue,
        market: Market,
        symbol: &str,
        bar: crate::venue::Bar,
    ) -> Result<Option<(i64, i64)>, StoreError> {
        self.get_json(price_marker_key(venue, market, symbol, bar).as_bytes())
    }

    /// Records the span of `bar` candles stored for one market.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn set_price_marker(
        &self,
        venue: Venue,
        market: Market,
        symbol: &str,
        bar: crate::venue::Bar,
        span: (i64, i64),
    ) -> Result<(), StoreError> {
        self.put_json(
            price_marker_key(venue, market, symbol, bar).as_bytes(),
            &span,
        )
    }

    /// The cached daily candle range of a perp.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn daily_range(
        &self,
        venue: Venue,
        symbol: &str,
    ) -> Result<Option<RangeRecord>, StoreError> {
        self.get_json(format!("range/{}/{symbol}", venue.id()).as_bytes())
    }

    /// Caches the daily candle range of a perp.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn put_daily_range(
        &self,
        venue: Venue,
        symbol: &str,
        record: &RangeRecord,
    ) -> Result<(), StoreError> {
        self.put_json(format!("range/{}/{symbol}", venue.id()).as_bytes(), record)
    }

    /// Daily closes of one market (day start ms, close per coin), oldest first.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn daily_closes(
        &self,
        venue: Venue,
        market: Market,
        symbol: &str,
    ) -> Result<Vec<(i64, DailyCloseRecord)>, StoreError> {
        self.daily_closes_since(venue, market, symbol, i64::MIN)
    }

    /// Daily closes of one market whose day starts at or after `since_ms`, oldest first (a range
    /// read: a scan that needs a month does not read two years of closes).
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn daily_closes_since(
        &self,
        venue: Venue,
        market: Market,
        symbol: &str,
        since_ms: i64,
    ) -> Result<Vec<(i64, DailyCloseRecord)>, StoreError> {
        let dir = &self.inner.dir;
        let mut out = Vec::new();
        let start = keys::quote_key(venue, market, symbol, since_ms);
        let end = keys::quote_key(venue, market, symbol, i64::MAX);
        for item in self.inner.closes.range(start..=end) {
            let (k, v) = item.map_err(|e| io(dir, e))?;
            let key = keys::decode_quote_key(&k).ok_or_else(|| corrupt(dir, "undecodable key"))?;
            out.push((
                key.time_ms,
                serde_json::from_slice(&v).map_err(|e| corrupt(dir, e))?,
            ));
        }
        Ok(out)
    }

    /// Whether `--demo` filled this store (marked by [`Store::claim`]).
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn is_demo(&self) -> Result<bool, StoreError> {
        let dir = &self.inner.dir;
        self.inner
            .meta
            .contains_key(DEMO_KEY)
            .map_err(|e| io(dir, e))
    }

    /// Claims the store for a run that writes demo (`demo`) or live market data: a store holds
    /// one or the other, never both. An empty store taken by `--demo` is marked as demo data.
    /// Returns whether the store holds demo data.
    ///
    /// # Errors
    /// [`StoreError::Mixed`] when the store holds the other kind; store I/O errors.
    pub fn claim(&self, demo: bool) -> Result<bool, StoreError> {
        let dir = &self.inner.dir;
        let marked = self.is_demo()?;
        let mixed = |demo_store| StoreError::Mixed {
            dir: dir.clone(),
            demo_store,
        };
        match (demo, marked) {
            (true, true) => Ok(true),
            (false, false) => Ok(false),
            (false, true) => Err(mixed(true)),
            (true, false) => {
                let holds = !self.inner.latest.is_empty()
                    || !self.inner.quotes.is_empty()
                    || !self.inner.archive.is_empty();
                if holds {
                    return Err(mixed(false));
                }
                self.inner
                    .meta
                    .insert(DEMO_KEY, b"1".as_slice())
                    .map_err(|e| io(dir, e))?;
                Ok(true)
            }
        }
    }

    /// Records, oldest and newest entry of each time-series tree per venue, and the size on disk.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let dir = &self.inner.dir;
        let mut trees = Vec::new();
        for (name, tree) in [
            ("quotes", &self.inner.quotes),
            ("funding", &self.inner.funding),
            ("closes", &self.inner.closes),
            ("prices_1h", &self.inner.hourly),
        ] {
            let mut per_venue: std::collections::BTreeMap<Venue, TreeStats> =
                std::collections::BTreeMap::new();
            for item in tree.iter() {
                let (k, _) = item.map_err(|e| io(dir, e))?;
                if let Some(key) = keys::decode_quote_key(&k) {
                    let e = per_venue.entry(key.venue).or_insert(TreeStats {
                        records: 0,
                        oldest_ms: key.time_ms,
                        newest_ms: key.time_ms,
                    });
                    e.records += 1;
                    e.oldest_ms = e.oldest_ms.min(key.time_ms);
                    e.newest_ms = e.newest_ms.max(key.time_ms);
                }
            }
            trees.push((name, per_venue));
        }
        // The archive holds many settlements per value: count what is inside.
        let mut per_venue: std::collections::BTreeMap<Venue, TreeStats> =
            std::collections::BTreeMap::new();
        for item in self.inner.archive.iter() {
            let (k, v) = item.map_err(|e| io(dir, e))?;
            let (Some(key), Some(records)) = (keys::decode_quote_key(&k), decode_chunk(&v)) else {
                continue;
            };
            let (Some(first), Some(last)) = (records.first(), records.last()) else {
                continue;
            };
            let e = per_venue.entry(key.venue).or_insert(TreeStats {
                records: 0,
                oldest_ms: first.0,
                newest_ms: last.0,
            });
            e.records += records.len() as u64;
            e.oldest_ms = e.oldest_ms.min(first.0);
            e.newest_ms = e.newest_ms.max(last.0);
        }
        trees.push(("funding_archive", per_venue));
        let size_on_disk = dir_size(&self.inner.dir.join(DB_DIR));
        let mut live_bytes = 0u64;
        for tree in self.trees() {
            for item in tree.iter() {
                let (k, v) = item.map_err(|e| io(dir, e))?;
                live_bytes += (k.len() + v.len()) as u64;
            }
        }
        Ok(StoreStats {
            trees,
            meta_records: self.inner.meta.len(),
            size_on_disk,
            live_bytes,
        })
    }

    /// Deletes time-series and funding entries older than `before` in one consistent pass
    /// (each tree in one atomic batch; the latest snapshots, bans and caches are kept).
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn prune_all(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        self.prune_with(before, before, before)
    }

    /// [`Store::prune_all`] with a cutoff per kind of record: the perp time series, the funding
    /// record and daily closes, and hourly bars.
    fn prune_with(
        &self,
        quotes: DateTime<Utc>,
        history: DateTime<Utc>,
        bars: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let dir = &self.inner.dir;
        let cutoff = history.timestamp_millis();
        let bars_cutoff = bars.timestamp_millis();
        let mut removed = self.prune(quotes)?;
        let mut rewrite = sled::Batch::default();
        for item in self.inner.archive.iter() {
            let (k, v) = item.map_err(|e| io(dir, e))?;
            let Some(key) = keys::decode_quote_key(&k) else {
                continue;
            };
            if key.time_ms >= cutoff {
                continue;
            }
            let records = decode_chunk(&v)
                .ok_or_else(|| corrupt(dir, "funding archive chunk of the wrong size"))?;
            let kept: std::collections::BTreeMap<i64, FundingEvent> = records
                .iter()
                .filter(|(t, _)| *t >= cutoff)
                .cloned()
                .collect();
            removed += records.len() - kept.len();
            if kept.is_empty() {
                rewrite.remove(k);
            } else if kept.len() < records.len() {
                rewrite.insert(k, encode_chunk(&kept));
            }
        }
        self.inner
            .archive
            .apply_batch(rewrite)
            .map_err(|e| io(dir, e))?;
        for (tree, cutoff) in [
            (&self.inner.funding, cutoff),
            (&self.inner.closes, cutoff),
            (&self.inner.hourly, bars_cutoff),
        ] {
            let mut batch = sled::Batch::default();
            for item in tree.iter() {
                let (k, _) = item.map_err(|e| io(dir, e))?;
                if keys::decode_quote_key(&k).is_some_and(|q| q.time_ms < cutoff) {
                    batch.remove(k);
                    removed += 1;
                }
            }
            tree.apply_batch(batch).map_err(|e| io(dir, e))?;
        }
        // Backfill markers must not claim what was just removed: a span reaching before the
        // cutoff now starts at it, so a later backfill of a longer window fetches it again.
        let mut markers = sled::Batch::default();
        for prefix in [&b"backfill/"[..], &b"prices/"[..]] {
            for item in self.inner.meta.scan_prefix(prefix) {
                let (k, v) = item.map_err(|e| io(dir, e))?;
                let (from, to): (i64, i64) = serde_json::from_slice(&v).map_err(|e| {
                    corrupt(dir, format!("record {}: {e}", String::from_utf8_lossy(&k)))
                })?;
                // Hourly-bar markers (`prices/<venue>/<market>/1h/<symbol>`) follow the bars'.
                let cutoff = if k.starts_with(b"prices/")
                    && k.split(|b| *b == b'/').nth(3) == Some(&b"1h"[..])
                {
                    bars_cutoff.max(cutoff)
                } else {
                    cutoff
                };
                if from < cutoff {
                    let span =
                        serde_json::to_vec(&(cutoff, to.max(cutoff))).map_err(|e| io(dir, e))?;
                    markers.insert(k, span);
                }
            }
        }
        self.inner
            .meta
            .apply_batch(markers)
            .map_err(|e| io(dir, e))?;
        self.clear_summaries()?;
        self.flush()?;
        Ok(removed)
    }

    /// The latest snapshot written for `venue`.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn latest_snapshot(&self, venue: Venue) -> Result<Option<Snapshot>, StoreError> {
        match self.get_pieces(&self.inner.latest, &keys::latest_header_key(venue))? {
            Some(snapshot) => Ok(Some(snapshot)),
            // A store written before tree `latest` existed keeps it whole in `meta`.
            None => self.get_json(&keys::meta_key("latest", venue)),
        }
    }

    /// The time series of one perp, oldest first.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn perp_history(
        &self,
        venue: Venue,
        symbol: &str,
    ) -> Result<Vec<(i64, PerpObservation)>, StoreError> {
        let dir = &self.inner.dir;
        let mut out = Vec::new();
        for item in self
            .inner
            .quotes
            .scan_prefix(keys::symbol_prefix(venue, Market::Perp, symbol))
        {
            let (k, v) = item.map_err(|e| io(dir, e))?;
            let key = keys::decode_quote_key(&k).ok_or_else(|| corrupt(dir, "undecodable key"))?;
            let obs = serde_json::from_slice(&v).map_err(|e| corrupt(dir, e))?;
            out.push((key.time_ms, obs));
        }
        Ok(out)
    }

    /// Deletes time-series entries older than `before`. Returns how many were removed.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn prune(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let dir = &self.inner.dir;
        let cutoff = before.timestamp_millis();
        let mut batch = sled::Batch::default();
        let mut n = 0;
        for item in self.inner.quotes.iter() {
            let (k, _) = item.map_err(|e| io(dir, e))?;
            if keys::decode_quote_key(&k).is_some_and(|q| q.time_ms < cutoff) {
                batch.remove(k);
                n += 1;
            }
        }
        self.inner
            .quotes
            .apply_batch(batch)
            .map_err(|e| io(dir, e))?;
        Ok(n)
    }

    /// Prunes the time series when the last prune is older than `every` (it scans the whole
    /// series, so a cron job running every few minutes should not pay for it each time).
    /// Returns how many entries were removed.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn prune_if_due(
        &self,
        now: DateTime<Utc>,
        retention: &Retention,
        every: std::time::Duration,
    ) -> Result<usize, StoreError> {
        let due = |key: &[u8], every: std::time::Duration| -> Result<bool, StoreError> {
            let last: Option<DateTime<Utc>> = self.get_json(key)?;
            Ok(!last.is_some_and(|t| (now - t).to_std().is_ok_and(|age| age < every)))
        };
        let ago = |d: std::time::Duration| now - chrono::Duration::from_std(d).unwrap_or_default();
        // The funding record, closes and bars are pruned once a day (it reads those trees
        // whole); the perp time series every `every`.
        if due(
            b"prune/history-last",
            std::time::Duration::from_secs(86_400),
        )? {
            let n = self.prune_with(
                ago(retention.quotes),
                ago(retention.history),
                ago(retention.bars),
            )?;
            self.put_json(b"prune/history-last", &now)?;
            self.put_json(b"prune/last", &now)?;
            return Ok(n);
        }
        if !due(b"prune/last", every)? {
            return Ok(0);
        }
        let n = self.prune(ago(retention.quotes))?;
        self.put_json(b"prune/last", &now)?;
        Ok(n)
    }

    /// Key prefix of one sink's notification records: `notify-sent/<sink>/`, with `%` and `/`
    /// in the name escaped so that no sink's prefix is another's.
    fn notify_prefix(sink: &str) -> Vec<u8> {
        let mut key = String::from("notify-sent/");
        for c in sink.chars() {
            match c {
                '%' => key.push_str("%25"),
                '/' => key.push_str("%2F"),
                c => key.push(c),
            }
        }
        key.push('/');
        key.into_bytes()
    }

    /// The notification state of one sink: fingerprint → record (first sent, last sent, last
    /// value), one small key each under `notify-sent/<sink>/` (see [`Store::put_notify_state`]).
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn notify_state(
        &self,
        sink: &str,
    ) -> Result<std::collections::BTreeMap<String, crate::notify::dedup::Record>, StoreError> {
        let dir = &self.inner.dir;
        let prefix = Self::notify_prefix(sink);
        let mut out = std::collections::BTreeMap::new();
        for item in self.inner.meta.scan_prefix(&prefix) {
            let (k, v) = item.map_err(|e| io(dir, e))?;
            let record = serde_json::from_slice(&v).map_err(|e| {
                corrupt(dir, format!("record {}: {e}", String::from_utf8_lossy(&k)))
            })?;
            out.insert(
                String::from_utf8_lossy(&k[prefix.len()..]).into_owned(),
                record,
            );
        }
        Ok(out)
    }

    /// Notification-state housekeeping, once per notifying run, for every sink (configured or
    /// not): moves each legacy `notify/<sink>` map (one value rewritten per run by earlier
    /// versions) to one key per record, keeping only records that were sent and still active,
    /// then removes every record `keep` refuses (past the retention). Returns how many records
    /// were removed.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn expire_notify_state(
        &self,
        keep: impl Fn(&crate::notify::dedup::Record) -> bool,
    ) -> Result<usize, StoreError> {
        use crate::notify::dedup::{LegacyRecord, Record};
        let dir = &self.inner.dir;
        let meta = &self.inner.meta;
        let mut batch = sled::Batch::default();
        let mut removed = 0;
        for item in meta.scan_prefix(b"notify/") {
            let (k, v) = item.map_err(|e| io(dir, e))?;
            let sink = String::from_utf8_lossy(&k[b"notify/".len()..]).into_owned();
            // Derived data: an undecodable legacy map is dropped (at worst one capped digest
            // repeats what it held).
            let old: std::collections::BTreeMap<String, LegacyRecord> =
                serde_json::from_slice(&v).unwrap_or_default();
            let prefix = Self::notify_prefix(&sink);
            for (fp, r) in old {
                match r.upgrade().filter(|r| keep(r)) {
                    Some(r) => {
                        let mut key = prefix.clone();
                        key.extend_from_slice(fp.as_bytes());
                        batch.insert(key, serde_json::to_vec(&r).map_err(|e| io(dir, e))?);
                    }
                    None => removed += 1,
                }
            }
            batch.remove(k);
        }
        for item in meta.scan_prefix(b"notify-sent/") {
            let (k, v) = item.map_err(|e| io(dir, e))?;
            let r: Record = serde_json::from_slice(&v).map_err(|e| {
                corrupt(dir, format!("record {}: {e}", String::from_utf8_lossy(&k)))
            })?;
            if !keep(&r) {
                batch.remove(k);
                removed += 1;
            }
        }
        meta.apply_batch(batch).map_err(|e| io(dir, e))?;
        Ok(removed)
    }

    /// The record of a sink disabled for answering 404/410, if any.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn disabled_sink(&self, sink: &str) -> Result<Option<DisabledSink>, StoreError> {
        self.get_json(format!("notify-disabled/{sink}").as_bytes())
    }

    /// Records that a sink is disabled (`Some`) or enabled again (`None`).
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn set_disabled_sink(
        &self,
        sink: &str,
        record: Option<&DisabledSink>,
    ) -> Result<(), StoreError> {
        let key = format!("notify-disabled/{sink}");
        match record {
            Some(r) => self.put_json(key.as_bytes(), r),
            None => {
                self.inner
                    .meta
                    .remove(key.as_bytes())
                    .map_err(|e| io(&self.inner.dir, e))?;
                Ok(())
            }
        }
    }

    /// Writes what a delivery changed in one sink's notification state, atomically: one small
    /// key per record (`notify-sent/<sink>/<fingerprint>`, a few hundred bytes), so a run writes
    /// only what changed, never the whole state. Flush after.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn put_notify_state(
        &self,
        sink: &str,
        changes: &crate::notify::dedup::Changes,
    ) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let prefix = Self::notify_prefix(sink);
        let key = |fp: &str| {
            let mut k = prefix.clone();
            k.extend_from_slice(fp.as_bytes());
            k
        };
        let mut batch = sled::Batch::default();
        for fp in &changes.remove {
            batch.remove(key(fp));
        }
        for (fp, r) in &changes.put {
            batch.insert(key(fp), serde_json::to_vec(r).map_err(|e| io(dir, e))?);
        }
        self.inner.meta.apply_batch(batch).map_err(|e| io(dir, e))
    }

    /// Writes a sink's notification state the way versions before one key per record did (one
    /// JSON map under `notify/<sink>`), for the tests of the upgrade.
    ///
    /// # Errors
    /// On store I/O errors.
    #[cfg(test)]
    pub(crate) fn put_legacy_notify_state(
        &self,
        sink: &str,
        map: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.put_json(format!("notify/{sink}").as_bytes(), map)
    }

    /// How many notification records the store holds and their total size in bytes (keys and
    /// values), over every sink.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn notify_state_size(&self) -> Result<(usize, usize), StoreError> {
        let mut out = (0, 0);
        for item in self.inner.meta.scan_prefix(b"notify-sent/") {
            let (k, v) = item.map_err(|e| io(&self.inner.dir, e))?;
            out.0 += 1;
            out.1 += k.len() + v.len();
        }
        Ok(out)
    }

    /// The last poll record of `venue`.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn venue_record(&self, venue: Venue) -> Result<VenueRecord, StoreError> {
        Ok(self
            .get_json(&keys::meta_key("status", venue))?
            .unwrap_or_default())
    }

    /// Saves the last poll record of `venue`.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn put_venue_record(&self, venue: Venue, record: &VenueRecord) -> Result<(), StoreError> {
        self.put_json(&keys::meta_key("status", venue), record)
    }

    /// Flushes everything written so far to disk.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.inner
            .db
            .flush()
            .map(|_| ())
            .map_err(|e| io(&self.inner.dir, e))
    }
}

/// Refuses to hand sled a store whose files look damaged: sled may rewrite a damaged tail on
/// open, and the promise is to leave a corrupt store untouched. Checks what can be checked
/// without sled: the `conf` file is sled's small header.
fn check_intact(db_dir: &Path) -> Result<(), String> {
    let conf = db_dir.join("conf");
    if conf.exists() {
        let bytes =
            std::fs::read(&conf).map_err(|e| format!("cannot read {}: {e}", conf.display()))?;
        // sled's `conf` is `key: value` lines followed by a CRC32.
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        if !has(b"segment_size: ") || !has(b"version: ") {
            return Err(format!("{} is not sled's config file", conf.display()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PerpQuote, Venue};
    use rust_decimal::Decimal;

    pub(super) fn snapshot(t: i64) -> Snapshot {
        let received_at = DateTime::from_timestamp_millis(t).expect("time");
        Snapshot {
            venue: Venue::Okx,
            received_at,
            perps: vec![PerpQuote {
                venue: Venue::Okx,
                symbol: "BTC-USDT-SWAP".into(),
                asset: "BTC".into(),
                quote: "USDT".into(),
                multiplier: Decimal::ONE,
                funding_rate: Decimal::new(1, 4),
                funding_interval_hours: Decimal::from(8),
                next_funding_time: None,
                mark_price: None,
                index_price: None,
                bid: Some(Decimal::from(100)),
                ask: Some(Decimal::from(101)),
                high_24h: None,
                low_24h: None,
                volume_24h_quote: None,
                open_interest: None,
                exchange_time: None,
                received_at,
            }],
            spots: vec![],
        }
    }

    #[test]
    fn snapshots_round_trip_and_rewrites_are_idempotent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        store.write_snapshot(&snapshot(1_000)).expect("write");
        store.write_snapshot(&snapshot(1_000)).expect("rewrite");
        store
            .write_snapshot(&snapshot(1_800_000))
            .expect("same hour");
        store
            .write_snapshot(&snapshot(3_601_000))
            .expect("next hour");
        assert_eq!(
            store.latest_snapshot(Venue::Okx).expect("read"),
            Some(snapshot(3_601_000))
        );
        let hist = store
            .perp_history(Venue::Okx, "BTC-USDT-SWAP")
            .expect("history");
        // One observation per hour, keyed by the hour's start.
        assert_eq!(
            hist.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            vec![0, 3_600_000]
        );
        assert_eq!(
            store
                .prune(DateTime::from_timestamp_millis(1_000_000).expect("t"))
                .expect("prune"),
            1
        );
        assert_eq!(
            store
                .perp_history(Venue::Okx, "BTC-USDT-SWAP")
                .expect("h")
                .len(),
            1
        );
        assert_eq!(store.latest_snapshot(Venue::Bybit).expect("read"), None);
    }

    #[test]
    fn second_open_is_refused_while_locked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let _first = Store::open(dir.path()).expect("open");
        let err = Store::open(dir.path()).expect_err("locked");
        assert!(matches!(err, StoreError::Locked { .. }), "{err}");
        assert!(err.to_string().contains(&dir.path().display().to_string()));
    }

    #[test]
    fn bans_and_references_persist_across_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let until = DateTime::from_timestamp_millis(5_000_000).expect("t");
        {
            let store = Store::open(dir.path()).expect("open");
            store.set_banned_until(Venue::Binance, until).expect("ban");
            store
                .put_reference(Venue::Bybit, until, &Reference::default())
                .expect("ref");
            store.flush().expect("flush");
        }
        let store = Store::open(dir.path()).expect("reopen");
        assert_eq!(
            store.banned_until(Venue::Binance).expect("get"),
            Some(until)
        );
        assert_eq!(
            store.reference(Venue::Bybit).expect("get").map(|r| r.0),
            Some(until)
        );
    }

    #[test]
    fn damaged_files_of_a_cleanly_closed_store_are_refused_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        for i in 0..50 {
            let t = DateTime::from_timestamp_millis(1_000 + i).expect("t");
            store.set_banned_until(Venue::Okx, t).expect("write");
        }
        store.close().expect("close");
        // A clean reopen works and keeps the data.
        let store = Store::open(dir.path()).expect("reopen");
        assert!(store.banned_until(Venue::Okx).expect("read").is_some());
        store.close().expect("close");

        let db = dir.path().join("db/db");
        let mut bytes = std::fs::read(&db).expect("read");
        for b in bytes.iter_mut().skip(100).take(200) {
            *b ^= 0x5a;
        }
        std::fs::write(&db, &bytes).expect("damage");
        let err = Store::open(dir.path()).expect_err("corrupt");
        assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
        assert!(err.to_string().contains("checksum"), "{err}");
        assert_eq!(
            std::fs::read(&db).expect("read"),
            bytes,
            "files were modified"
        );
    }

    #[test]
    fn a_crash_before_close_lets_sled_recover() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(dir.path()).expect("open");
            store.write_snapshot(&snapshot(1_000)).expect("write");
            store.flush().expect("flush");
            // Dropped without close(): the seal stays open, as after a kill.
        }
        let before = std::fs::read(dir.path().join("db/db")).expect("read");
        let store = Store::open(dir.path()).expect("reopen after crash");
        assert_eq!(
            store.latest_snapshot(Venue::Okx).expect("read"),
            Some(snapshot(1_000))
        );
        // The files as the crash left them were copied aside before sled recovered them.
        assert_eq!(
            std::fs::read(dir.path().join("recovery/db/db")).expect("copy"),
            before
        );
    }

    /// A store closed cleanly once (returns the log's length then), then written by a run
    /// that crashed: dropped without close(), so the seal stays open.
    fn crashed_store() -> (tempfile::TempDir, usize) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        store.write_snapshot(&snapshot(1_000)).expect("write");
        store.close().expect("close");
        let clean_len = std::fs::metadata(dir.path().join("db/db"))
            .expect("len")
            .len() as usize;
        {
            let store = Store::open(dir.path()).expect("open");
            store.write_snapshot(&snapshot(2_000)).expect("write");
            store.flush().expect("flush");
        }
        (dir, clean_len)
    }

    #[test]
    fn a_run_killed_while_recovering_keeps_the_first_copy() {
        let (dir, _) = crashed_store();
        let crashed = std::fs::read(dir.path().join("db/db")).expect("read");
        let seal::State::Crashed { baseline, .. } =
            seal::check(dir.path(), &dir.path().join(DB_DIR)).expect("seal")
        else {
            panic!("not crashed");
        };
        // A recovering run copied the files, then was killed while sled rewrote them.
        seal::preserve(dir.path(), &dir.path().join(DB_DIR)).expect("copy");
        seal::open_recovering(dir.path(), baseline).expect("seal");
        let mut half = crashed.clone();
        half.extend_from_slice(&[0u8; 64]);
        std::fs::write(dir.path().join("db/db"), &half).expect("write");
        // The next run recovers, and the copy is still the files from before any recovery.
        let _ = Store::open(dir.path());
        assert_eq!(
            std::fs::read(dir.path().join("recovery/db/db")).expect("copy"),
            crashed
        );
    }

    #[test]
    fn a_crashed_store_that_sled_cannot_open_is_refused_from_then_on() {
        let (dir, clean_len) = crashed_store();
        // Truncated below what the crashed run found (sled alone would quietly drop the tail).
        let db = dir.path().join("db/db");
        let bytes = std::fs::read(&db).expect("read");
        std::fs::write(&db, &bytes[..clean_len / 2]).expect("truncate");
        let truncated = std::fs::read(&db).expect("read");
        let err = Store::open(dir.path()).expect_err("unrecoverable");
        assert!(
            matches!(&err, StoreError::Unrecoverable { copy: Some(_), .. }),
            "{err}"
        );
        assert!(err.to_string().contains("recovery"), "{err}");
        assert_eq!(
            std::fs::read(dir.path().join("recovery/db/db")).expect("copy"),
            truncated
        );
        // The next open refuses at once and leaves the copy alone.
        let err = Store::open(dir.path()).expect_err("still refused");
        assert!(err.to_string().contains("earlier run"), "{err}");
        assert_eq!(
            std::fs::read(dir.path().join("recovery/db/db")).expect("copy"),
            truncated
        );
    }

    #[test]
    fn the_latest_view_is_small_pieces_and_follows_the_listing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let mut a = snapshot(1_000);
        let mut eth = a.perps[0].clone();
        eth.symbol = "ETH-USDT-SWAP".into();
        eth.asset = "ETH".into();
        a.perps.push(eth);
        store.write_snapshot(&a).expect("write");
        assert_eq!(store.latest_snapshot(Venue::Okx).expect("read"), Some(a));
        // ETH delisted: the next snapshot has BTC only, and so does the latest view.
        let b = snapshot(2_000);
        store.write_snapshot(&b).expect("write");
        assert_eq!(
            store.latest_snapshot(Venue::Okx).expect("read"),
            Some(b.clone())
        );
        for item in store.inner.latest.iter() {
            let (_, v) = item.expect("record");
            assert!(v.len() <= PIECE_BYTES, "{} bytes", v.len());
        }
        assert_eq!(store.latest_snapshot(Venue::Bybit).expect("read"), None);
        // A store written before tree `latest` existed: the whole value in `meta` is read, and
        // removed by the next write.
        let mut legacy = snapshot(3_000);
        legacy.venue = Venue::Bybit;
        legacy.perps.clear();
        store
            .put_json(&keys::meta_key("latest", Venue::Bybit), &legacy)
            .expect("legacy");
        assert_eq!(
            store.latest_snapshot(Venue::Bybit).expect("read"),
            Some(legacy.clone())
        );
        store.write_snapshot(&legacy).expect("write");
        assert!(
            store
                .inner
                .meta
                .get(keys::meta_key("latest", Venue::Bybit))
                .expect("get")
                .is_none()
        );
        assert_eq!(
            store.latest_snapshot(Venue::Bybit).expect("read"),
            Some(legacy)
        );
    }

    #[test]
    fn compaction_keeps_every_record_and_gives_back_dead_space() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        // Many rewrites of the same records: dead space in sled's log.
        for i in 0..300 {
            let mut snap = snapshot(1_000 + i);
            for n in 0..40 {
                let mut p = snap.perps[0].clone();
                p.symbol = format!("SYN{n}-USDT-SWAP");
                p.funding_rate = Decimal::new(i, 6);
                snap.perps.push(p);
            }
            store.write_snapshot(&snap).expect("write");
        }
        store
            .put_funding_events(
                Venue::Okx,
                "BTC-USDT-SWAP",
                &[(
                    28_800_000,
                    FundingEvent {
                        r: Decimal::new(1, 4),
                        h: Decimal::from(8),
                        seen: 1,
                    },
                )],
            )
            .expect("archive");
        store.flush().expect("flush");
        let before = store.stats().expect("stats");
        let latest = store.latest_snapshot(Venue::Okx).expect("read");
        let check = store.check().expect("check");
        assert_eq!(check.bad, 0, "{:?}", check.problems);
        let compaction = store.compact().expect("compact");
        for (tree, b, a) in &compaction.records {
            assert_eq!(b, a, "{tree}");
        }
        assert!(
            compaction.size_after < compaction.size_before,
            "{compaction:?}"
        );
        assert!(!dir.path().join(COMPACT_DIR).exists());
        assert!(!dir.path().join(OLD_DIR).exists());
        // Sealed: it opens cleanly, and holds the same records.
        let store = Store::open(dir.path()).expect("reopen");
        let after = store.stats().expect("stats");
        assert_eq!(before.trees, after.trees);
        // The same records, plus the key recording the compacted size.
        assert!(
            after.live_bytes - before.live_bytes < 40,
            "{before:?} {after:?}"
        );
        assert_eq!(store.latest_snapshot(Venue::Okx).expect("read"), latest);
        assert!(!store.compaction_due().expect("due"));
        store.close().expect("close");
    }

    #[test]
    fn thirty_day_chunks_of_older_stores_are_read_and_rechunked_by_compaction() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A store from before 5-day chunks: no width key.
        let store = Store::open(dir.path()).expect("open");
        store.inner.meta.remove(CHUNK_WIDTH_KEY).expect("remove");
        store.close().expect("close");
        let store = Store::open(dir.path()).expect("open");
        assert!(store.inner.legacy_chunks);
        let day = 86_400_000;
        let event = |i: i64| FundingEvent {
            r: Decimal::new(i, 6),
            h: Decimal::ONE,
            seen: 1,
        };
        // One 30-day chunk of hourly settlements, as older versions wrote it.
        let start = 30 * day * 700;
        let old: std::collections::BTreeMap<i64, FundingEvent> = (0..720)
            .map(|i| (start + i * 3_600_000, event(i)))
            .collect();
        store
            .inner
            .archive
            .insert(
                keys::quote_key(Venue::Okx, Market::Perp, "BTC-USDT-SWAP", start),
                encode_chunk(&old),
            )
            .expect("legacy chunk");
        // A newer backfill of the same days (5-day chunks) repeats some settlements.
        let newer: Vec<(i64, FundingEvent)> = (700..760)
            .map(|i| (start + i * 3_600_000, event(i)))
            .collect();
        store
            .put_funding_events(Venue::Okx, "BTC-USDT-SWAP", &newer)
            .expect("put");
        // A read from the middle of the old chunk sees it.
        let since = start + 20 * day;
        let read = store
            .funding_events_since(Venue::Okx, "BTC-USDT-SWAP", since)
            .expect("read");
        assert_eq!(read.len(), 760 - 480);
        assert_eq!(read.first().map(|(t, _)| *t), Some(since));
        let compaction = store.compact().expect("compact");
        let archive = compaction
            .records
            .iter()
            .find(|(t, _, _)| *t == "funding_archive")
            .expect("archive");
        assert_eq!((archive.1, archive.2), (760, 760));
        let store = Store::open(dir.path()).expect("reopen");
        assert!(
            !store.inner.legacy_chunks,
            "compaction rewrote every old chunk"
        );
        for item in store.inner.archive.iter() {
            let (_, v) = item.expect("chunk");
            assert!(v.len() <= 120 * CHUNK_RECORD, "{} bytes", v.len());
        }
        assert_eq!(
            store
                .funding_events_since(Venue::Okx, "BTC-USDT-SWAP", since)
                .expect("read"),
            read
        );
    }

    #[test]
    fn an_interrupted_compaction_is_finished_or_undone_at_the_next_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        store.write_snapshot(&snapshot(1_000)).expect("write");
        store.close().expect("close");
        // A copy that never completed is deleted; the store is untouched.
        std::fs::create_dir_all(dir.path().join(COMPACT_DIR)).expect("mkdir");
        std::fs::write(dir.path().join(COMPACT_DIR).join("db"), b"partial").expect("write");
        let store = Store::open(dir.path()).expect("open");
        assert!(!dir.path().join(COMPACT_DIR).exists());
        assert_eq!(
            store.latest_snapshot(Venue::Okx).expect("read"),
            Some(snapshot(1_000))
        );
        store.close().expect("close");
        // Killed mid-swap: the old store renamed away, the complete copy not yet in place.
        let copy = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        store.write_snapshot(&snapshot(2_000)).expect("write");
        store.close().expect("close");
        let files = |from: &Path, to: &Path| {
            std::fs::create_dir_all(to).expect("mkdir");
            for e in std::fs::read_dir(from).expect("read") {
                let e = e.expect("entry");
                if e.path().is_file() {
                    std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
                }
            }
        };
        files(&dir.path().join(DB_DIR), &copy.path().join("db"));
        std::fs::rename(dir.path().join(DB_DIR), dir.path().join(OLD_DIR)).expect("rename");
        files(&copy.path().join("db"), &dir.path().join(COMPACT_DIR));
        std::fs::write(dir.path().join(COMPACT_DONE), b"").expect("done");
        let store = Store::open(dir.path()).expect("open");
        assert_eq!(
            store.latest_snapshot(Venue::Okx).expect("read"),
            Some(snapshot(2_000))
        );
        assert!(!dir.path().join(OLD_DIR).exists());
        assert!(!dir.path().join(COMPACT_DONE).exists());
    }

    #[test]
    fn retention_prunes_each_kind_of_record_at_its_own_age_once_a_day() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let day = 86_400_000;
        let now = DateTime::from_timestamp_millis(400 * day).expect("now");
        let bar = PriceBar {
            high: Decimal::ONE,
            low: Decimal::ONE,
            close: Decimal::ONE,
        };
        let event = FundingEvent {
            r: Decimal::new(1, 4),
            h: Decimal::from(8),
            seen: 1,
        };
        for age in [1, 5, 100, 300] {
            let t = 400 * day - age * day;
            store
                .put_price_bars(
                    Venue::Okx,
                    Market::Perp,
                    "BTC-USDT-SWAP",
                    crate::venue::Bar::Hour,
                    &[(t, bar)],
                )
                .expect("bars");
            store
                .put_funding_events(Venue::Okx, "BTC-USDT-SWAP", &[(t, event.clone())])
                .expect("funding");
        }
        let retention = Retention {
            quotes: std::time::Duration::from_secs(2 * 86_400),
            history: std::time::Duration::from_secs(200 * 86_400),
            bars: std::time::Duration::from_secs(30 * 86_400),
        };
        let hour = std::time::Duration::from_secs(3600);
        let removed = store.prune_if_due(now, &retention, hour).expect("prune");
        assert_eq!(removed, 3, "two bars and one settlement");
        let bars = store
            .hourly_bars(Venue::Okx, Market::Perp, "BTC-USDT-SWAP", 0)
            .expect("bars");
        assert_eq!(bars.len(), 2);
        let events = store
            .funding_events(Venue::Okx, "BTC-USDT-SWAP")
            .expect("events");
        assert_eq!(events.len(), 3);
        // Not due again the same day.
        store
            .put_funding_events(Venue::Okx, "BTC-USDT-SWAP", &[(day, event.clone())])
            .expect("funding");
        let later = now + chrono::Duration::hours(2);
        assert_eq!(
            store.prune_if_due(later, &retention, hour).expect("prune"),
            0
        );
        let next_day = now + chrono::Duration::days(1);
        assert_eq!(
            store
                .prune_if_due(next_day, &retention, hour)
                .expect("prune"),
            1
        );
    }

    #[test]
    fn large_values_are_stored_in_small_pieces() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let big: Vec<String> = (0..5_000).map(|i| format!("instrument-{i}")).collect();
        store.put_pieces_json(b"reference/okx", &big).expect("put");
        assert_eq!(
            store
                .get_pieces_json::<Vec<String>>(b"reference/okx")
                .expect("get"),
            Some(big)
        );
        let pieces = |store: &Store| store.inner.meta.scan_prefix(b"reference/okx#").count();
        assert!(pieces(&store) > 10);
        // A smaller value leaves no stale piece behind.
        let small = vec!["one".to_owned()];
        store
            .put_pieces_json(b"reference/okx", &small)
            .expect("put");
        assert_eq!(pieces(&store), 1);
        assert_eq!(
            store
                .get_pieces_json::<Vec<String>>(b"reference/okx")
                .expect("get"),
            Some(small)
        );
        // A whole value from an older store is still read, and replaced by pieces.
        store
            .put_json(b"reference/bybit", &vec![1, 2, 3])
            .expect("put");
        assert_eq!(
            store
                .get_pieces_json::<Vec<i32>>(b"reference/bybit")
                .expect("get"),
            Some(vec![1, 2, 3])
        );
        store
            .put_pieces_json(b"reference/bybit", &vec![4])
            .expect("put");
        assert!(
            store
                .inner
                .meta
                .get(b"reference/bybit")
                .expect("get")
                .is_none()
        );
    }

    #[test]
    fn funding_events_keep_the_last_rate_per_settlement_and_prune_consistently() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let settle = |ms: i64| DateTime::from_timestamp_millis(ms).expect("t");
        let mut a = snapshot(1_000);
        a.perps[0].next_funding_time = Some(settle(28_800_000));
        store.write_snapshot(&a).expect("write");
        // A later poll of the same period overwrites its rate.
        let mut b = snapshot(2_000);
        b.perps[0].next_funding_time = Some(settle(28_800_000));
        b.perps[0].funding_rate = Decimal::new(3, 4);
        store.write_snapshot(&b).expect("write");
        // The next period.
        let mut c = snapshot(28_801_000);
        c.perps[0].next_funding_time = Some(settle(57_600_000));
        store.write_snapshot(&c).expect("write");
        let events = store
            .funding_events(Venue::Okx, "BTC-USDT-SWAP")
            .expect("events");
        assert_eq!(
            events.iter().map(|(t, e)| (*t, e.r)).collect::<Vec<_>>(),
            vec![
                (28_800_000, Decimal::new(3, 4)),
                (57_600_000, Decimal::new(1, 4))
            ]
        );
        let stats = store.stats().expect("stats");
        let funding = &stats
            .trees
            .iter()
            .find(|(n, _)| *n == "funding")
            .expect("tree")
            .1;
        assert_eq!(funding[&Venue::Okx].records, 2);
        assert_eq!(funding[&Venue::Okx].oldest_ms, 28_800_000);
        // Pruning before the second settlement removes one event and the older quotes.
        let removed = store.prune_all(settle(30_000_000)).expect("prune");
        assert!(removed >= 2, "{removed}");
        assert_eq!(
            store
                .funding_events(Venue::Okx, "BTC-USDT-SWAP")
                .expect("events")
                .len(),
            1
        );
        assert!(store.latest_snapshot(Venue::Okx).expect("latest").is_some());
    }

    #[test]
    fn daily_closes_keep_the_last_mid_of_each_utc_day() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let day = 86_400_000;
        for (t, bid) in [(1_000, 100), (day - 1_000, 110), (day + 5_000, 120)] {
            let mut s = snapshot(t);
            s.perps[0].bid = Some(Decimal::from(bid));
            s.perps[0].ask = Some(Decimal::from(bid + 2));
            store.write_snapshot(&s).expect("write");
        }
        let closes = store
            .daily_closes(Venue::Okx, Market::Perp, "BTC-USDT-SWAP")
            .expect("closes");
        assert_eq!(
            closes
                .iter()
                .map(|(t, c)| (*t, c.close))
                .collect::<Vec<_>>(),
            vec![(0, Decimal::from(111)), (day, Decimal::from(121))]
        );
    }

    #[test]
    fn polls_record_the_daily_close_of_spot_pairs_too() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let mut s = snapshot(5_000);
        s.spots.push(crate::model::SpotQuote {
            venue: Venue::Okx,
            symbol: "ETH-USDT".into(),
            asset: "ETH".into(),
            quote: "USDT".into(),
            bid: Some(Decimal::from(3000)),
            ask: Some(Decimal::from(3002)),
            high_24h: None,
            low_24h: None,
            volume_24h_quote: None,
            exchange_time: None,
            received_at: s.received_at,
        });
        store.write_snapshot(&s).expect("write");
        let closes = store
            .daily_closes(Venue::Okx, Market::Spot, "ETH-USDT")
            .expect("closes");
        assert_eq!(
            closes
                .iter()
                .map(|(t, c)| (*t, c.close))
                .collect::<Vec<_>>(),
            vec![(0, Decimal::from(3001))]
        );
    }

    #[test]
    fn candles_store_daily_closes_over_poll_values_and_hourly_bars_whole() {
        use crate::venue::Bar;
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let day = 86_400_000;
        let hour = 3_600_000;
        // A poll saw 111 during day 0; the daily candle of day 0 closed at 115.
        let mut s = snapshot(day - 1_000);
        s.perps[0].bid = Some(Decimal::from(110));
        s.perps[0].ask = Some(Decimal::from(112));
        store.write_snapshot(&s).expect("write");
        let bar = |c: i64| PriceBar {
            high: Decimal::from(c + 1),
            low: Decimal::from(c - 1),
            close: Decimal::from(c),
        };
        let sym = "BTC-USDT-SWAP";
        store
            .put_price_bars(Venue::Okx, Market::Perp, sym, Bar::Day, &[(0, bar(115))])
            .expect("daily");
        store
            .put_price_bars(
                Venue::Okx,
                Market::Spot,
                "BTC-USDT",
                Bar::Day,
                &[(0, bar(114))],
            )
            .expect("daily spot");
        let hours: Vec<(i64, PriceBar)> = (0..5).map(|k| (k * hour, bar(100 + k))).collect();
        store
            .put_price_bars(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Hour, &hours)
            .expect("hourly");
        // Idempotent: the same page again changes nothing.
        store
            .put_price_bars(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Hour, &hours)
            .expect("hourly again");
        let perp = store
            .daily_closes(Venue::Okx, Market::Perp, sym)
            .expect("closes");
        assert_eq!(perp.len(), 1);
        assert_eq!(
            (perp[0].0, perp[0].1.close, perp[0].1.seen),
            (0, Decimal::from(115), day)
        );
        let spot = store
            .daily_closes(Venue::Okx, Market::Spot, "BTC-USDT")
            .expect("spot closes");
        assert_eq!(spot[0].1.close, Decimal::from(114));
        assert_eq!(
            store
                .hourly_bars(Venue::Okx, Market::Spot, "BTC-USDT", 2 * hour)
                .expect("bars"),
            hours[2..].to_vec()
        );
        assert!(
            store
                .hourly_bars(Venue::Okx, Market::Perp, "BTC-USDT", 0)
                .expect("bars")
                .is_empty()
        );
        // Markers per market and bar.
        assert_eq!(
            store
                .price_marker(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Hour)
                .expect("marker"),
            None
        );
        store
            .set_price_marker(
                Venue::Okx,
                Market::Spot,
                "BTC-USDT",
                Bar::Hour,
                (0, 4 * hour),
            )
            .expect("set");
        assert_eq!(
            store
                .price_marker(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Hour)
                .expect("marker"),
            Some((0, 4 * hour))
        );
        assert_eq!(
            store
                .price_marker(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Day)
                .expect("marker"),
            None
        );
        // Stats count both price trees; pruning removes old bars consistently.
        let stats = store.stats().expect("stats");
        let count = |tree: &str| {
            stats
                .trees
                .iter()
                .find(|(n, _)| *n == tree)
                .and_then(|(_, v)| v.get(&Venue::Okx))
                .map_or(0, |t| t.records)
        };
        assert_eq!((count("closes"), count("prices_1h")), (2, 5));
        store
            .set_backfill_marker(Venue::Okx, sym, (0, 10 * hour))
            .expect("set");
        let cutoff = DateTime::<Utc>::from_timestamp_millis(3 * hour).expect("time");
        store.prune_all(cutoff).expect("prune");
        // The markers no longer claim the pruned part.
        assert_eq!(
            store
                .price_marker(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Hour)
                .expect("marker"),
            Some((3 * hour, 4 * hour))
        );
        assert_eq!(
            store.backfill_marker(Venue::Okx, sym).expect("marker"),
            Some((3 * hour, 10 * hour))
        );
        assert_eq!(
            store
                .hourly_bars(Venue::Okx, Market::Spot, "BTC-USDT", 0)
                .expect("bars"),
            hours[3..].to_vec()
        );
    }

    #[test]
    fn price_bars_encode_round_trip() {
        let b = PriceBar {
            high: Decimal::new(123_456_789, 4),
            low: Decimal::new(-1, 28),
            close: Decimal::MAX,
        };
        assert_eq!(PriceBar::decode(&b.encode()), Some(b));
        assert_eq!(PriceBar::decode(&[0u8; 47]), None);
    }

    #[test]
    fn funding_events_encode_round_trip() {
        let e = FundingEvent {
            r: Decimal::new(-123_456, 9),
            h: Decimal::new(15, 1),
            seen: -5,
        };
        assert_eq!(FundingEvent::decode(&e.encode()), Some(e));
        assert_eq!(FundingEvent::decode(&[0u8; 39]), None);
    }

    #[test]
    fn backfilled_history_is_chunked_idempotent_and_wins_over_predictions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let h8 = 8 * 3_600_000;
        let ev = |r: i64| FundingEvent {
            r: Decimal::new(r, 6),
            h: Decimal::from(8),
            seen: 0,
        };
        // 200 settlements (about 67 days: three chunks), written twice.
        let events: Vec<(i64, FundingEvent)> = (0..200).map(|i| (i * h8, ev(100 + i))).collect();
        store
            .put_funding_events(Venue::Bybit, "BTCUSDT", &events)
            .expect("write");
        store
            .put_funding_events(Venue::Bybit, "BTCUSDT", &events[50..120])
            .expect("rewrite");
        // A poll's prediction for a time the backfill also has, and one beyond it.
        let mut s = snapshot(1);
        s.venue = Venue::Bybit;
        s.perps[0].venue = Venue::Bybit;
        s.perps[0].symbol = "BTCUSDT".into();
        s.perps[0].next_funding_time = DateTime::from_timestamp_millis(10 * h8);
        store.write_snapshot(&s).expect("poll");
        let all = store.funding_events(Venue::Bybit, "BTCUSDT").expect("read");
        assert_eq!(all.len(), 200, "no duplicates");
        assert!(
            all.windows(2).all(|w| w[1].0 - w[0].0 == h8),
            "no gaps, sorted"
        );
        assert_eq!(all[10].1.r, Decimal::new(110, 6), "settled history wins");
        let since = store
            .funding_events_since(Venue::Bybit, "BTCUSDT", 150 * h8)
            .expect("range");
        assert_eq!(since.len(), 50);
        assert_eq!(since[0].0, 150 * h8);
        let stats = store.stats().expect("stats");
        let archive = &stats
            .trees
            .iter()
            .find(|(n, _)| *n == "funding_archive")
            .expect("tree")
            .1;
        assert_eq!(archive[&Venue::Bybit].records, 200);
        // Pruning cuts inside a chunk and keeps the rest.
        store
            .prune_all(DateTime::from_timestamp_millis(100 * h8).expect("t"))
            .expect("prune");
        let left = store.funding_events(Venue::Bybit, "BTCUSDT").expect("read");
        assert_eq!(left.len(), 100);
        assert_eq!(left[0].0, 100 * h8);
    }
}
