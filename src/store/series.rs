//! Stored series: settled funding (polls and the archive), price candles, daily closes and the
//! cached daily ranges; every per-market series tree read through one typed range reader.

use super::*;

impl Store {
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
        // Rates seen by polls, then settled history from backfills, which wins for the same
        // settlement time.
        let mut merged: std::collections::BTreeMap<i64, FundingEvent> = self
            .records(venue, Market::Perp, symbol, since_ms..)?
            .into_iter()
            .collect();
        let floor = |width: i64| since_ms.div_euclid(width).saturating_mul(width);
        let chunk_from = floor(ARCHIVE_CHUNK_MS);
        // A 30-day chunk of an older store that starts before `since` and covers it.
        let legacy = floor(LEGACY_CHUNK_MS);
        let mut chunks: Vec<(i64, ArchiveChunk)> = Vec::new();
        if self.inner.legacy_chunks && legacy < chunk_from {
            chunks = self.records(venue, Market::Perp, symbol, legacy..=legacy)?;
        }
        chunks.extend(self.records(venue, Market::Perp, symbol, chunk_from..)?);
        for (_, ArchiveChunk(records)) in chunks {
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
                match self.inner.trees.archive.get(&key).map_err(|e| io(dir, e))? {
                    Some(v) => decode_chunk(&v)
                        .ok_or_else(|| corrupt(dir, "funding archive chunk of the wrong size"))?
                        .into_iter()
                        .collect(),
                    None => std::collections::BTreeMap::new(),
                };
            merged.extend(new);
            batch.insert(key, encode_chunk(&merged));
        }
        self.apply(&self.inner.trees.archive, batch)?;
        self.drop_summaries(venue, &[symbol])
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
        bar: crate::model::series::Bar,
        bars: &[(i64, PriceBar)],
    ) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let mut batch = sled::Batch::default();
        for (open_ms, b) in bars {
            let key = keys::quote_key(venue, market, symbol, *open_ms);
            match bar {
                crate::model::series::Bar::Day => {
                    let record = DailyCloseRecord {
                        close: b.close,
                        seen: open_ms + bar.millis(),
                    };
                    batch.insert(key, serde_json::to_vec(&record).map_err(|e| io(dir, e))?);
                }
                crate::model::series::Bar::Hour => batch.insert(key, b.encode().to_vec()),
            }
        }
        let tree = match bar {
            crate::model::series::Bar::Day => &self.inner.trees.closes,
            crate::model::series::Bar::Hour => &self.inner.trees.hourly,
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
        self.records(venue, market, symbol, since_ms..)
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
        self.records(venue, market, symbol, ..)
    }

    /// The records of one market in the tree of `T` whose time lies in `times`, oldest first (a
    /// range read: a scan that needs a month of daily closes does not read two years of them).
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub(crate) fn records<T: SeriesRecord>(
        &self,
        venue: Venue,
        market: Market,
        symbol: &str,
        times: impl std::ops::RangeBounds<i64>,
    ) -> Result<Vec<(i64, T)>, StoreError> {
        let dir = &self.inner.dir;
        self.range_of(T::tree(self), venue, market, symbol, times)?
            .into_iter()
            .map(|(t, v)| Ok((t, T::decode_stored(&v).map_err(|e| corrupt(dir, e))?)))
            .collect()
    }

    /// Applies `batch` to `tree` (atomically, as sled does).
    pub(super) fn apply(&self, tree: &sled::Tree, batch: sled::Batch) -> Result<(), StoreError> {
        tree.apply_batch(batch).map_err(|e| io(&self.inner.dir, e))
    }

    /// Records of one series whose time lies in `times`, oldest first: (time, value).
    pub(super) fn range_of(
        &self,
        tree: &sled::Tree,
        venue: Venue,
        market: Market,
        symbol: &str,
        times: impl std::ops::RangeBounds<i64>,
    ) -> Result<Vec<(i64, sled::IVec)>, StoreError> {
        use std::ops::Bound;
        let dir = &self.inner.dir;
        let key = |time: Bound<&i64>, open: i64| match time {
            Bound::Included(t) => Bound::Included(keys::quote_key(venue, market, symbol, *t)),
            Bound::Excluded(t) => Bound::Excluded(keys::quote_key(venue, market, symbol, *t)),
            Bound::Unbounded => Bound::Included(keys::quote_key(venue, market, symbol, open)),
        };
        let bounds = (
            key(times.start_bound(), i64::MIN),
            key(times.end_bound(), i64::MAX),
        );
        tree.range::<Vec<u8>, _>(bounds)
            .map(|item| {
                let (k, v) = item.map_err(|e| io(dir, e))?;
                let key =
                    keys::decode_quote_key(&k).ok_or_else(|| corrupt(dir, "undecodable key"))?;
                Ok((key.time_ms, v))
            })
            .collect()
    }
}

/// A record of a per-market series tree (keys from [`keys::quote_key`]): the tree that holds it
/// and how its stored value decodes, so that one reader ([`Store::records`],
/// [`Store::export_records`]) serves every such tree.
pub(crate) trait SeriesRecord: Sized {
    /// The tree of `store` holding these records.
    fn tree(store: &Store) -> &sled::Tree;

    /// The record a stored value holds, or why it holds none.
    ///
    /// # Errors
    /// What is wrong with the value.
    fn decode_stored(value: &[u8]) -> Result<Self, String>;
}

/// One chunk of backfilled settlements (time, event), keyed by the chunk's start.
pub(super) struct ArchiveChunk(pub(super) Vec<(i64, FundingEvent)>);

/// A [`SeriesRecord`] impl per row: the record type, the field of its tree in the store's trees,
/// and the function from a stored value to the record or why it is none.
macro_rules! series_records {
    ($($record:ty => $tree:ident, $decode:expr;)*) => {$(
        impl SeriesRecord for $record {
            fn tree(store: &Store) -> &sled::Tree {
                &store.inner.trees.$tree
            }

            fn decode_stored(value: &[u8]) -> Result<Self, String> {
                $decode(value)
            }
        }
    )*};
}

/// A JSON record.
fn json<T: DeserializeOwned>(value: &[u8]) -> Result<T, String> {
    serde_json::from_slice(value).map_err(|e| e.to_string())
}

/// The record a fixed-size decoder read, or that the value (a `what`) is of the wrong size.
fn sized<T>(decoded: Option<T>, what: &str) -> Result<T, String> {
    decoded.ok_or_else(|| format!("{what} of the wrong size"))
}

series_records! {
    // Daily closes (tree `closes`) and the hourly perp series (`quotes`): JSON.
    DailyCloseRecord => closes, json;
    PerpObservation => quotes, json;
    // Hourly candles (`prices_1h`) and the settlements polls saw (`funding`): fixed-size forms.
    PriceBar => hourly, |v| sized(PriceBar::decode(v), "price bar");
    FundingEvent => funding, |v| sized(FundingEvent::decode(v), "funding record");
    // Backfilled settlements (`funding_archive`): chunks of `ARCHIVE_CHUNK_MS` (30 days in
    // older stores).
    ArchiveChunk => archive, |v| sized(decode_chunk(v).map(ArchiveChunk), "funding archive chunk");
}
