//! Large values in `meta` and `latest`, stored in small pieces (sled keeps large values as
//! blob files, rewritten whole).

use super::*;

impl Store {
    /// Reads a value stored by [`Store::put_pieces_json`] (or, from stores written before pieces
    /// existed, whole under `base`).
    pub(super) fn get_pieces_json<T: DeserializeOwned>(
        &self,
        base: &[u8],
    ) -> Result<Option<T>, StoreError> {
        match self.get_pieces(&self.inner.trees.meta, base)? {
            Some(value) => Ok(Some(value)),
            None => self.get_json(base),
        }
    }

    /// Reads and decodes the pieces of a value stored under `base` in `tree`.
    pub(super) fn get_pieces<T: DeserializeOwned>(
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
    pub(super) fn put_pieces_json<T: Serialize>(
        &self,
        base: &[u8],
        value: &T,
    ) -> Result<(), StoreError> {
        self.put_pieces(&self.inner.trees.meta, base, value)
    }

    /// Stores `value` in pieces under `base` in `tree` (see [`Store::put_pieces_json`]).
    pub(super) fn put_pieces<T: Serialize>(
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
}
