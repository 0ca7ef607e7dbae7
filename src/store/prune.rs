//! Retention and statistics: pruning each kind of record at its age, `db stats`.

use super::*;

impl Store {
    /// Records, oldest and newest entry of each time-series tree per venue, and the size on disk.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn stats(&self) -> Result<StoreStats, StoreError> {
        let dir = &self.inner.dir;
        let mut trees = Vec::new();
        for (name, tree) in [
            ("quotes", &self.inner.trees.quotes),
            ("funding", &self.inner.trees.funding),
            ("closes", &self.inner.trees.closes),
            ("prices_1h", &self.inner.trees.hourly),
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
        for item in self.inner.trees.archive.iter() {
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
            meta_records: self.inner.trees.meta.len(),
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
    pub(super) fn prune_with(
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
        for item in self.inner.trees.archive.iter() {
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
        self.apply(&self.inner.trees.archive, rewrite)?;
        for (tree, cutoff) in [
            (&self.inner.trees.funding, cutoff),
            (&self.inner.trees.closes, cutoff),
            (&self.inner.trees.hourly, bars_cutoff),
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
            for item in self.inner.trees.meta.scan_prefix(prefix) {
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
        self.apply(&self.inner.trees.meta, markers)?;
        self.clear_summaries()?;
        self.flush()?;
        Ok(removed)
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
        for item in self.inner.trees.quotes.iter() {
            let (k, _) = item.map_err(|e| io(dir, e))?;
            if keys::decode_quote_key(&k).is_some_and(|q| q.time_ms < cutoff) {
                batch.remove(k);
                n += 1;
            }
        }
        self.apply(&self.inner.trees.quotes, batch)?;
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
}
