//! Tree `meta`: bans, cached reference data, backfill and price markers, venue status.

use super::*;

impl Store {
    /// Whether `--demo` filled this store (marked by [`Store::claim`]).
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn is_demo(&self) -> Result<bool, StoreError> {
        let dir = &self.inner.dir;
        self.inner
            .trees
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
                let holds = !self.inner.trees.latest.is_empty()
                    || !self.inner.trees.quotes.is_empty()
                    || !self.inner.trees.archive.is_empty();
                if holds {
                    return Err(mixed(false));
                }
                self.inner
                    .trees
                    .meta
                    .insert(DEMO_KEY, b"1".as_slice())
                    .map_err(|e| io(dir, e))?;
                Ok(true)
            }
        }
    }

    pub(super) fn get_json<T: DeserializeOwned>(
        &self,
        key: &[u8],
    ) -> Result<Option<T>, StoreError> {
        let dir = &self.inner.dir;
        match self.inner.trees.meta.get(key).map_err(|e| io(dir, e))? {
            None => Ok(None),
            Some(v) => serde_json::from_slice(&v)
                .map(Some)
                .map_err(|e| corrupt(dir, format!("record {}: {e}", String::from_utf8_lossy(key)))),
        }
    }

    pub(super) fn put_json<T: Serialize>(&self, key: &[u8], value: &T) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let bytes = serde_json::to_vec(value).map_err(|e| io(dir, e))?;
        self.inner
            .trees
            .meta
            .insert(key, bytes)
            .map_err(|e| io(dir, e))?;
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
    /// more than [`crate::model::ban::LONGEST_BAN`] from now is cut to that and rewritten, so that it
    /// ends.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn ban(&self, venue: Venue) -> Result<Option<crate::model::ban::Ban>, StoreError> {
        use crate::model::ban::StoredBan;
        let Some(stored) = self.get_json::<StoredBan>(&keys::meta_key("ban", venue))? else {
            return Ok(None);
        };
        let legacy = matches!(stored, StoredBan::Legacy(_));
        let ban = stored.into_ban();
        if !legacy {
            return Ok(Some(ban));
        }
        let bounded = ban
            .clone()
            .bounded(Utc::now(), crate::model::ban::LONGEST_BAN);
        if bounded != ban {
            self.set_ban(venue, &bounded)?;
        }
        Ok(Some(bounded))
    }

    /// Records a ban (or rate-limit back-off) on `venue`.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn set_ban(&self, venue: Venue, ban: &crate::model::ban::Ban) -> Result<(), StoreError> {
        self.put_json(&keys::meta_key("ban", venue), ban)
    }

    /// Lifts the ban (or rate-limit back-off) on `venue`; returns what was recorded.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn clear_ban(&self, venue: Venue) -> Result<Option<crate::model::ban::Ban>, StoreError> {
        let ban = self.ban(venue)?;
        self.inner
            .trees
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

    /// The span of `bar` candles a backfill stored for one market, `(from, to)` open times ms.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn price_marker(
        &self,
        venue: Venue,
        market: Market,
        symbol: &str,
        bar: crate::model::series::Bar,
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
        bar: crate::model::series::Bar,
        span: (i64, i64),
    ) -> Result<(), StoreError> {
        self.put_json(
            price_marker_key(venue, market, symbol, bar).as_bytes(),
            &span,
        )
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
}
