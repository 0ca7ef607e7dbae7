//! What a sink accepted, as the store keeps it per fingerprint: dedup records and their changes.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What the store keeps per fingerprint and sink: the sink accepted a message about it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Record {
    /// When it was first sent in the current episode (qualifying without a resolution).
    pub first_seen: DateTime<Utc>,
    /// When the sink last accepted a message about it.
    pub last_sent: DateTime<Utc>,
    /// Risk-adjusted APR (percent) in the last message sent.
    pub last_value_pct: Decimal,
    /// Human line for the "no longer qualifies" message (no secrets, no numbers).
    pub label: String,
}

/// A record as versions before one key per fingerprint kept it (one map per sink). Only the
/// records that were sent and still active carry over (see [`LegacyRecord::upgrade`]).
#[derive(Deserialize, Clone, Debug, PartialEq)]
pub struct LegacyRecord {
    /// Start of the episode.
    pub first_seen: DateTime<Utc>,
    /// Last accepted send, if any.
    pub last_sent: Option<DateTime<Utc>>,
    /// Value last sent (or seen).
    pub last_value_pct: Decimal,
    /// "No longer qualifies" label.
    pub label: String,
    /// Qualified as of the last run.
    pub active: bool,
}

impl LegacyRecord {
    /// The current record, for one that was sent and still active; `None` for the rest (never
    /// sent, or already resolved), which the current state does not keep.
    #[must_use]
    pub fn upgrade(self) -> Option<Record> {
        let last_sent = self.last_sent.filter(|_| self.active)?;
        Some(Record {
            first_seen: self.first_seen,
            last_sent,
            last_value_pct: self.last_value_pct,
            label: self.label,
        })
    }
}

/// What to write to a sink's state after a delivery.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// Records to insert or overwrite.
    pub put: Vec<(String, Record)>,
    /// Fingerprints whose record goes.
    pub remove: Vec<String>,
}

impl Changes {
    /// Nothing to write.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.remove.is_empty()
    }
}
