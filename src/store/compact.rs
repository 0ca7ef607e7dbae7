//! Compaction: rewriting the database to give back dead space (`db compact`, and automatically
//! at close once it grew enough), and finishing one a crash interrupted.

use super::*;

/// Copies the funding archive into `target` in chunks of [`ARCHIVE_CHUNK_MS`] (older stores
/// have 30-day chunks), one perp at a time. Returns the distinct settlements read and the
/// settlements the copy holds, counted from what was written.
pub(super) fn rechunk_archive(
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

/// Copies every record of `source` to `target` in batches; returns how many were copied and how
/// many `target` then holds.
fn copy_tree(
    dir: &Path,
    name: &str,
    source: &sled::Tree,
    target: &sled::Tree,
) -> Result<(usize, usize), StoreError> {
    let mut batch = sled::Batch::default();
    let mut pending = 0;
    let mut copied = 0;
    for item in source.iter() {
        let (k, v) = item.map_err(|e| corrupt(dir, format!("tree {name}: {e}")))?;
        batch.insert(k, v);
        pending += 1;
        copied += 1;
        if pending == 10_000 {
            target
                .apply_batch(std::mem::take(&mut batch))
                .map_err(|e| io(dir, e))?;
            pending = 0;
        }
    }
    target.apply_batch(batch).map_err(|e| io(dir, e))?;
    Ok((copied, target.len()))
}

/// Bytes of every file under `dir` (sled's log, snapshots and blob files).
pub(super) fn dir_size(dir: &Path) -> u64 {
    let mut bytes = 0;
    super::walk::for_each_file(dir, true, |entry| {
        if let Ok(m) = entry.metadata() {
            bytes += m.len();
        }
    });
    bytes
}

/// Meta key saying the funding archive holds 5-day chunks only (`5`); absent in stores from
/// before them until a compaction rewrites their 30-day chunks.
pub(super) const CHUNK_WIDTH_KEY: &[u8] = b"archive/chunk-days";

/// Meta key of the size on disk the last compaction left (bytes).
pub(super) const COMPACT_BASE_KEY: &[u8] = b"compact/base";

/// Least growth over the compacted size before the store is rewritten automatically.
pub(super) const COMPACT_SLACK: u64 = 16 * 1024 * 1024;

/// Name of the directory a compaction writes before it is swapped in.
pub(super) const COMPACT_DIR: &str = "db.compact";

/// Name the old database takes during the swap.
pub(super) const OLD_DIR: &str = "db.old";

/// Written once the compacted copy is complete and verified: the swap may finish.
pub(super) const COMPACT_DONE: &str = "compact.done";

/// Finishes or undoes a compaction that a crash interrupted, before anything else opens the
/// store: a complete, verified copy is swapped in; an incomplete one is deleted.
pub(super) fn finish_compaction(dir: &Path) -> std::io::Result<()> {
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

impl Store {
    /// Bytes of every key and value (a full read).
    pub(super) fn live_bytes(&self) -> Result<u64, StoreError> {
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
            // The archive is rechunked, so its settlements are counted; every other tree's records.
            let (unit, before, after) = if *name == "funding_archive" {
                let (before, after) = rechunk_archive(&dir, tree, &target)?;
                ("settlements", before, after)
            } else {
                let (copied, written) = copy_tree(&dir, name, tree, &target)?;
                ("records", copied, written)
            };
            if before != after {
                drop(fresh);
                let _ = std::fs::remove_dir_all(&fresh_dir);
                return Err(io(
                    &dir,
                    format!(
                        "compaction copied {before} {unit} of tree {name} but the copy holds {after}; the store was left as it was"
                    ),
                ));
            }
            records.push((*name, before, after));
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
}
