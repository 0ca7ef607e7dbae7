//! Snapshots: a poll's batch into the time series, daily closes and the latest view.

use super::*;

impl Store {
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
        self.apply(&self.inner.trees.quotes, batch)?;
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
        self.apply(&self.inner.trees.funding, events)?;
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
        let perp_mids = snapshot.perps.iter().map(|p| {
            let mid = p.mid().or(p.mark_price).map(|m| p.unit_price(m));
            (Market::Perp, &p.symbol, mid)
        });
        let spot_mids = snapshot
            .spots
            .iter()
            .map(|s| (Market::Spot, &s.symbol, s.mid()));
        for (market, symbol, mid) in perp_mids.chain(spot_mids).filter(|_| due) {
            let Some(close) = mid else {
                continue;
            };
            let record = DailyCloseRecord {
                close,
                seen: now_ms,
            };
            let value = serde_json::to_vec(&record).map_err(|e| io(dir, e))?;
            closes.insert(keys::quote_key(snapshot.venue, market, symbol, day), value);
        }
        self.apply(&self.inner.trees.closes, closes)?;
        if due {
            self.put_json(&refresh_key, &now_ms)?;
        }
        self.put_latest(snapshot)
    }

    /// Replaces the latest view of a venue: the snapshot in pieces of at most [`PIECE_BYTES`]
    /// in tree `latest` (one atomic batch). Never one large value, which sled would keep as a
    /// blob it never reclaims; and not one record per market either, which measured 7× the
    /// sled operations for the same bytes (a third of a cached scan's CPU).
    pub(super) fn put_latest(&self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        self.put_pieces(
            &self.inner.trees.latest,
            &keys::latest_header_key(snapshot.venue),
            snapshot,
        )?;
        // The whole-snapshot value of stores written before tree `latest` existed.
        self.inner
            .trees
            .meta
            .remove(keys::meta_key("latest", snapshot.venue))
            .map_err(|e| io(dir, e))?;
        Ok(())
    }

    /// The latest snapshot written for `venue`.
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn latest_snapshot(&self, venue: Venue) -> Result<Option<Snapshot>, StoreError> {
        match self.get_pieces(&self.inner.trees.latest, &keys::latest_header_key(venue))? {
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
        for item in
            self.inner
                .trees
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
}
