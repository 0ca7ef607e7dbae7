//! Read access for `basis export`: the series of each exported tree and their records by time range, and the spans exported to each target.

use std::collections::BTreeMap;

use super::series::{ArchiveChunk, SeriesRecord};
use super::{
    ARCHIVE_CHUNK_MS, FundingEvent, LEGACY_CHUNK_MS, Store, StoreError, corrupt, io, keys,
};
use crate::model::{Market, Venue};

/// A tree `basis export` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportTree {
    /// Settled funding: the backfilled archive and the settlements polls saw.
    Funding,
    /// Daily closes.
    Closes,
    /// Hourly candles.
    Bars,
    /// The hourly perp time series.
    Quotes,
}

/// One series of a tree (a market's records) and the span of its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    /// Venue.
    pub venue: Venue,
    /// Spot or perp.
    pub market: Market,
    /// The venue's symbol.
    pub symbol: String,
    /// Time of its first key, ms (a funding-archive key is its chunk's start: at or before the
    /// first settlement).
    pub first_ms: i64,
    /// Time of its last record, ms (for the funding archive: the end of the last chunk).
    pub last_ms: i64,
}

/// Where a settlement was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A venue's history endpoint (`basis backfill`): the settled rate.
    Backfill,
    /// A poll's last look at the period before it settled.
    Poll,
}

impl Source {
    /// `backfill` or `poll`.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Source::Backfill => "backfill",
            Source::Poll => "poll",
        }
    }
}

/// Half-open time ranges `[from, to)`, ms.
pub type Ranges = [(i64, i64)];

impl Store {
    fn export_trees(&self, tree: ExportTree) -> Vec<(&sled::Tree, bool)> {
        match tree {
            ExportTree::Funding => vec![
                (&self.inner.trees.archive, true),
                (&self.inner.trees.funding, false),
            ],
            ExportTree::Closes => vec![(&self.inner.trees.closes, false)],
            ExportTree::Bars => vec![(&self.inner.trees.hourly, false)],
            ExportTree::Quotes => vec![(&self.inner.trees.quotes, false)],
        }
    }

    /// The series of `tree` on `venue`, in key order (market, then symbol): one range read per
    /// series for its first and last key, never a read of its records.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable key.
    pub fn export_series(&self, tree: ExportTree, venue: Venue) -> Result<Vec<Series>, StoreError> {
        let dir = &self.inner.dir;
        let mut found: BTreeMap<(Market, String), (i64, i64)> = BTreeMap::new();
        for (t, chunked) in self.export_trees(tree) {
            for market in [Market::Spot, Market::Perp] {
                let prefix = keys::market_prefix(venue, market);
                let mut lower = prefix.clone();
                loop {
                    let Some(item) = t.range(lower.clone()..).next() else {
                        break;
                    };
                    let (k, _) = item.map_err(|e| io(dir, e))?;
                    if !k.starts_with(&prefix) {
                        break;
                    }
                    let key = keys::decode_quote_key(&k)
                        .ok_or_else(|| corrupt(dir, "export: undecodable key"))?;
                    let last_key = keys::quote_key(venue, market, &key.symbol, i64::MAX);
                    let last = match t.range(..=last_key.clone()).next_back() {
                        Some(item) => {
                            let (k, _) = item.map_err(|e| io(dir, e))?;
                            keys::decode_quote_key(&k).map_or(key.time_ms, |q| q.time_ms)
                        }
                        None => key.time_ms,
                    };
                    let width = if chunked {
                        LEGACY_CHUNK_MS.max(ARCHIVE_CHUNK_MS)
                    } else {
                        0
                    };
                    let span = found
                        .entry((market, key.symbol.clone()))
                        .or_insert((key.time_ms, last));
                    span.0 = span.0.min(key.time_ms);
                    span.1 = span.1.max(last.saturating_add(width));
                    // The next series: the first key after every key of this one.
                    lower = last_key;
                    lower.push(0);
                }
            }
        }
        Ok(found
            .into_iter()
            .map(|((market, symbol), (first_ms, last_ms))| Series {
                venue,
                market,
                symbol,
                first_ms,
                last_ms,
            })
            .collect())
    }

    /// Settlements of one perp with time in any of `ranges`, oldest first: the backfilled
    /// archive's, and those only a poll saw (a backfilled settlement wins at the same time).
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn export_funding(
        &self,
        venue: Venue,
        symbol: &str,
        ranges: &Ranges,
    ) -> Result<Vec<(i64, FundingEvent, Source)>, StoreError> {
        let mut merged: BTreeMap<i64, (FundingEvent, Source)> = BTreeMap::new();
        for &(from, to) in ranges.iter().filter(|(f, t)| f < t) {
            for (t, e) in self.records::<FundingEvent>(venue, Market::Perp, symbol, from..to)? {
                merged.insert(t, (e, Source::Poll));
            }
            // Chunks are keyed by their start: begin one (30-day, older stores) chunk earlier.
            let width = if self.inner.legacy_chunks {
                LEGACY_CHUNK_MS
            } else {
                ARCHIVE_CHUNK_MS
            };
            let chunk_from = from.div_euclid(width).saturating_mul(width);
            for (_, ArchiveChunk(records)) in
                self.records(venue, Market::Perp, symbol, chunk_from..to)?
            {
                merged.extend(
                    records
                        .into_iter()
                        .filter(|(t, _)| *t >= from && *t < to)
                        .map(|(t, e)| (t, (e, Source::Backfill))),
                );
            }
        }
        Ok(merged.into_iter().map(|(t, (e, s))| (t, e, s)).collect())
    }

    /// The records of one market in the tree of `T` (daily closes, hourly candles, the hourly
    /// perp observations) whose time is in any of `ranges`, oldest first.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub(crate) fn export_records<T: SeriesRecord>(
        &self,
        venue: Venue,
        market: Market,
        symbol: &str,
        ranges: &Ranges,
    ) -> Result<Vec<(i64, T)>, StoreError> {
        let mut out = Vec::new();
        for &(from, to) in ranges.iter().filter(|(f, t)| f < t) {
            for (t, v) in self.range_of(T::tree(self), venue, market, symbol, from..to)? {
                let record = T::decode_stored(&v).map_err(|_| {
                    corrupt(
                        &self.inner.dir,
                        format!("export: undecodable record of {venue} {symbol}"),
                    )
                })?;
                out.push((t, record));
            }
        }
        out.sort_by_key(|(t, _)| *t);
        Ok(out)
    }

    /// The spans each series was exported over to `target` (see [`Store::put_export_spans`]).
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn export_spans(&self, target: &str) -> Result<BTreeMap<String, (i64, i64)>, StoreError> {
        Ok(self
            .get_pieces(&self.inner.trees.meta, &export_key(target))?
            .unwrap_or_default())
    }

    /// Records the span each series has been exported over to `target` (a table, format and
    /// output path), keyed by `venue/market/symbol`; stored in pieces (it grows with markets).
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn put_export_spans(
        &self,
        target: &str,
        spans: &BTreeMap<String, (i64, i64)>,
    ) -> Result<(), StoreError> {
        self.put_pieces(&self.inner.trees.meta, &export_key(target), spans)?;
        self.flush()
    }
}

fn export_key(target: &str) -> Vec<u8> {
    format!("export/{target}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn event(r: i64) -> FundingEvent {
        FundingEvent {
            r: Decimal::new(r, 6),
            h: Decimal::from(8),
            seen: 0,
        }
    }

    #[test]
    fn series_are_listed_per_venue_and_records_read_by_range() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("open");
        let h8 = 8 * 3_600_000;
        let events: Vec<(i64, FundingEvent)> = (0..100).map(|i| (i * h8, event(i))).collect();
        store
            .put_funding_events(Venue::Okx, "BTC-USDT-SWAP", &events)
            .expect("write");
        store
            .put_funding_events(Venue::Okx, "ETH-USDT-SWAP", &events[..10])
            .expect("write");
        store
            .put_funding_events(Venue::Bybit, "BTCUSDT", &events[..3])
            .expect("write");
        let series = store
            .export_series(ExportTree::Funding, Venue::Okx)
            .expect("series");
        assert_eq!(
            series.iter().map(|s| s.symbol.as_str()).collect::<Vec<_>>(),
            vec!["BTC-USDT-SWAP", "ETH-USDT-SWAP"]
        );
        assert!(series[0].first_ms <= 0 && series[0].last_ms >= 99 * h8);
        let all = store
            .export_funding(Venue::Okx, "BTC-USDT-SWAP", &[(i64::MIN, i64::MAX)])
            .expect("read");
        assert_eq!(all.len(), 100);
        assert!(all.iter().all(|(_, _, s)| *s == Source::Backfill));
        // Two ranges: the first ten and the last ten settlements.
        let some = store
            .export_funding(
                Venue::Okx,
                "BTC-USDT-SWAP",
                &[(0, 10 * h8), (90 * h8, i64::MAX)],
            )
            .expect("read");
        assert_eq!(
            some.iter().map(|(t, _, _)| t / h8).collect::<Vec<_>>(),
            (0..10).chain(90..100).collect::<Vec<_>>()
        );
        let mut spans = BTreeMap::new();
        spans.insert("okx/perp/BTC-USDT-SWAP".to_owned(), (0, 99 * h8));
        store
            .put_export_spans("funding/parquet/x", &spans)
            .expect("put");
        assert_eq!(store.export_spans("funding/parquet/x").expect("get"), spans);
        assert!(store.export_spans("funding/csv/x").expect("get").is_empty());
    }
}
