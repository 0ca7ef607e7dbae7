//! Notification state: per-sink dedup records and disabled sinks.

use super::*;

impl Store {
    /// Key prefix of one sink's notification records: `notify-sent/<sink>/`, with `%` and `/`
    /// in the name escaped so that no sink's prefix is another's.
    pub(super) fn notify_prefix(sink: &str) -> Vec<u8> {
        let mut key = keys::named_key("notify-sent/", sink);
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
    ) -> Result<std::collections::BTreeMap<String, crate::model::sent::Record>, StoreError> {
        let dir = &self.inner.dir;
        let prefix = Self::notify_prefix(sink);
        let mut out = std::collections::BTreeMap::new();
        for item in self.inner.trees.meta.scan_prefix(&prefix) {
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
        keep: impl Fn(&crate::model::sent::Record) -> bool,
    ) -> Result<usize, StoreError> {
        use crate::model::sent::{LegacyRecord, Record};
        let dir = &self.inner.dir;
        let meta = &self.inner.trees.meta;
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
                    .trees
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
        changes: &crate::model::sent::Changes,
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
        self.apply(&self.inner.trees.meta, batch)
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
        for item in self.inner.trees.meta.scan_prefix(b"notify-sent/") {
            let (k, v) = item.map_err(|e| io(&self.inner.dir, e))?;
            out.0 += 1;
            out.1 += k.len() + v.len();
        }
        Ok(out)
    }
}
