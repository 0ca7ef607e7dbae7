//! The sled store: snapshots, cached reference data, bans and venue status (the only sled user).
//!
//! Layout: tree `quotes` holds the perp time series (keys from [`keys`], ordered venue / market /
//! symbol / time, big-endian), `funding` the settlements polls saw, `funding_archive` backfilled
//! settlements in 30-day chunks, `closes` one close per market and UTC day (polls and daily
//! candles), `prices_1h` hourly candles (high, low, close), and tree `meta` the latest snapshot,
//! the cached reference data, the ban state, backfill markers and the last poll status of each
//! venue. A lock file taken before sled opens keeps a second
//! process out. All calls block: async code runs them in `spawn_blocking`.

pub mod keys;

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
    /// The store's files are damaged.
    #[error("store in {} is corrupt ({reason}); its files were left untouched: move the directory aside (or delete it) and run again to rebuild it from the venues", dir.display())]
    Corrupt {
        /// Data dir.
        dir: PathBuf,
        /// What sled or the decoder said.
        reason: String,
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

/// Width of one funding-archive chunk: a backfilled perp's settlements are kept 30 days to a
/// value (a few keys per perp instead of one per settlement).
pub const ARCHIVE_CHUNK_MS: i64 = 30 * 86_400_000;

const CHUNK_RECORD: usize = 48;

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

/// What `basis db stats` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreStats {
    /// Per tree, per venue.
    pub trees: Vec<(&'static str, std::collections::BTreeMap<Venue, TreeStats>)>,
    /// Records in the metadata tree (latest snapshots, caches, bans, notification state).
    pub meta_records: usize,
    /// Bytes on disk.
    pub size_on_disk: u64,
}

struct Inner {
    dir: PathBuf,
    db: sled::Db,
    quotes: sled::Tree,
    funding: sled::Tree,
    archive: sled::Tree,
    closes: sled::Tree,
    hourly: sled::Tree,
    meta: sled::Tree,
    // Held for the life of the store; the OS releases the lock when the process exits.
    _lock: File,
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
        let db_dir = dir.join(DB_DIR);
        if db_dir.exists() {
            check_intact(&db_dir).map_err(|reason| corrupt(dir, reason))?;
            seal::verify(dir, &db_dir).map_err(|reason| corrupt(dir, reason))?;
        }
        // From here until `close`, the files may legitimately change: a crash in between leaves
        // the seal open and lets sled recover on the next open.
        seal::open(dir).map_err(|e| io(dir, e))?;
        let db = sled::Config::new()
            .path(&db_dir)
            .cache_capacity(8 * 1024 * 1024)
            .open()
            .map_err(|e| match e {
                sled::Error::Corruption { .. } | sled::Error::Unsupported(_) => corrupt(dir, e),
                sled::Error::Io(ref err) if err.kind() == std::io::ErrorKind::InvalidData => {
                    corrupt(dir, e)
                }
                other => io(dir, other),
            })?;
        let quotes = db.open_tree("quotes").map_err(|e| io(dir, e))?;
        let funding = db.open_tree("funding").map_err(|e| io(dir, e))?;
        let closes = db.open_tree("closes").map_err(|e| io(dir, e))?;
        let archive = db.open_tree("funding_archive").map_err(|e| io(dir, e))?;
        let hourly = db.open_tree("prices_1h").map_err(|e| io(dir, e))?;
        let meta = db.open_tree("meta").map_err(|e| io(dir, e))?;
        Ok(Store {
            inner: Arc::new(Inner {
                dir: dir.to_owned(),
                db,
                quotes,
                funding,
                archive,
                closes,
                hourly,
                meta,
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
                let Inner {
                    dir,
                    db,
                    quotes,
                    funding,
                    archive,
                    closes,
                    hourly,
                    meta,
                    _lock,
                } = inner;
                drop((quotes, funding, archive, closes, hourly, meta));
                drop(db);
                seal::close(&dir, &dir.join(DB_DIR)).map_err(|e| io(&dir, e))?;
                drop(_lock);
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
            .get_json::<CachedReference>(&keys::meta_key("reference", venue))?
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
        self.put_json(
            &keys::meta_key("reference", venue),
            &Borrowed {
                fetched_at,
                reference,
            },
        )
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
        for p in &snapshot.perps {
            if let Some(settles) = p.next_funding_time {
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
        self.put_json(&keys::meta_key("latest", snapshot.venue), snapshot)
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
        let chunk_from = keys::quote_key(
            venue,
            Market::Perp,
            symbol,
            since_ms
                .div_euclid(ARCHIVE_CHUNK_MS)
                .saturating_mul(ARCHIVE_CHUNK_MS),
        );
        for item in self.inner.archive.range(chunk_from..=end) {
            let (_, v) = item.map_err(|e| io(dir, e))?;
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
            .map_err(|e| io(dir, e))
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
        let dir = &self.inner.dir;
        let mut out = Vec::new();
        for item in self
            .inner
            .closes
            .scan_prefix(keys::symbol_prefix(venue, market, symbol))
        {
            let (k, v) = item.map_err(|e| io(dir, e))?;
            let key = keys::decode_quote_key(&k).ok_or_else(|| corrupt(dir, "undecodable key"))?;
            out.push((
                key.time_ms,
                serde_json::from_slice(&v).map_err(|e| corrupt(dir, e))?,
            ));
        }
        Ok(out)
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
        let size_on_disk = self.inner.db.size_on_disk().map_err(|e| io(dir, e))?;
        Ok(StoreStats {
            trees,
            meta_records: self.inner.meta.len(),
            size_on_disk,
        })
    }

    /// Deletes time-series and funding entries older than `before` in one consistent pass
    /// (each tree in one atomic batch; the latest snapshots, bans and caches are kept).
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn prune_all(&self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let dir = &self.inner.dir;
        let cutoff = before.timestamp_millis();
        let mut removed = self.prune(before)?;
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
        for tree in [&self.inner.funding, &self.inner.closes, &self.inner.hourly] {
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
        self.flush()?;
        Ok(removed)
    }

    /// The latest snapshot written for `venue`.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn latest_snapshot(&self, venue: Venue) -> Result<Option<Snapshot>, StoreError> {
        self.get_json(&keys::meta_key("latest", venue))
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
        retention: std::time::Duration,
        every: std::time::Duration,
    ) -> Result<usize, StoreError> {
        let key = b"prune/last";
        let last: Option<DateTime<Utc>> = self.get_json(key)?;
        if last.is_some_and(|t| (now - t).to_std().is_ok_and(|age| age < every)) {
            return Ok(0);
        }
        let cutoff = now - chrono::Duration::from_std(retention).unwrap_or_default();
        let n = self.prune(cutoff)?;
        self.put_json(key, &now)?;
        Ok(n)
    }

    /// The notification state of one sink: fingerprint → record (first seen, last sent, last value).
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn notify_state(
        &self,
        sink: &str,
    ) -> Result<std::collections::BTreeMap<String, crate::notify::dedup::Record>, StoreError> {
        Ok(self
            .get_json(format!("notify/{sink}").as_bytes())?
            .unwrap_or_default())
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

    /// Saves the notification state of one sink (call after the sink accepted, then flush).
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn put_notify_state(
        &self,
        sink: &str,
        state: &std::collections::BTreeMap<String, crate::notify::dedup::Record>,
    ) -> Result<(), StoreError> {
        self.put_json(format!("notify/{sink}").as_bytes(), state)
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

/// The seal: what the store's files looked like when basis last closed it cleanly.
mod seal {
    use std::path::Path;

    use serde::{Deserialize, Serialize};

    const SEAL_FILE: &str = "seal.json";

    #[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
    struct FileSum {
        name: String,
        len: u64,
        crc32: u32,
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Seal {
        clean: bool,
        files: Vec<FileSum>,
    }

    fn sums(db_dir: &Path) -> std::io::Result<Vec<FileSum>> {
        let mut out = Vec::new();
        let mut stack = vec![db_dir.to_owned()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d)? {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let (len, crc32) = crc_of(&path)?;
                let name = path
                    .strip_prefix(db_dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned();
                out.push(FileSum { name, len, crc32 });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Length and CRC32 of a file, streamed (the store can be large; never read it whole).
    fn crc_of(path: &Path) -> std::io::Result<(u64, u32)> {
        use std::io::Read as _;
        let mut file = std::fs::File::open(path)?;
        let mut hasher = crc32fast::Hasher::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut len = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            len += n as u64;
        }
        Ok((len, hasher.finalize()))
    }

    fn write(dir: &Path, seal: &Seal) -> std::io::Result<()> {
        let tmp = dir.join("seal.json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec(seal).map_err(std::io::Error::other)?,
        )?;
        std::fs::rename(tmp, dir.join(SEAL_FILE))
    }

    /// Fails when the store was closed cleanly and its files changed since.
    pub(super) fn verify(dir: &Path, db_dir: &Path) -> Result<(), String> {
        let Ok(bytes) = std::fs::read(dir.join(SEAL_FILE)) else {
            return Ok(());
        };
        let seal: Seal = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} is unreadable: {e}", dir.join(SEAL_FILE).display()))?;
        if !seal.clean {
            return Ok(());
        }
        let now = sums(db_dir).map_err(|e| format!("cannot read {}: {e}", db_dir.display()))?;
        for want in &seal.files {
            match now.iter().find(|f| f.name == want.name) {
                None => return Err(format!("{} is missing", db_dir.join(&want.name).display())),
                Some(got) if got != want => {
                    return Err(format!(
                        "{} changed since basis last closed the store (checksum mismatch)",
                        db_dir.join(&want.name).display()
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    pub(super) fn open(dir: &Path) -> std::io::Result<()> {
        write(
            dir,
            &Seal {
                clean: false,
                files: Vec::new(),
            },
        )
    }

    pub(super) fn close(dir: &Path, db_dir: &Path) -> std::io::Result<()> {
        let files = sums(db_dir)?;
        write(dir, &Seal { clean: true, files })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{PerpQuote, Venue};
    use rust_decimal::Decimal;

    fn snapshot(t: i64) -> Snapshot {
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
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
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
        let store = Store::open(dir.path()).expect("reopen after crash");
        assert_eq!(
            store.latest_snapshot(Venue::Okx).expect("read"),
            Some(snapshot(1_000))
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
