//! A venue's ban or remembered rate-limit back-off, as the HTTP client records it and the store keeps it.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest a ban or remembered rate-limit back-off lasts when the venue documents no maximum,
/// whatever `Retry-After` says. Binance and MEXC document their automatic 418 bans as "2 minutes
/// up to 3 days"; no venue documents a longer one.
pub const LONGEST_BAN: Duration = Duration::from_secs(3 * 86_400);

/// Why a venue is not called for a while.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BanKind {
    /// An IP ban: HTTP 418, or a 403 carrying the venue's own ban or rate-limit message.
    Ban,
    /// A rate limit whose `Retry-After` was longer than a run waits: remembered so that the next
    /// runs (a cron job) do not call the venue again before it ends.
    RateLimit,
}

/// A ban or remembered rate-limit back-off of one venue: what the venue answered, when, and
/// until when basis leaves it alone (bounded by the venue's documented maximum).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ban {
    /// Ban or rate limit.
    pub kind: BanKind,
    /// When the venue answered so (`None` for records of earlier versions, which kept only the
    /// end).
    pub since: Option<DateTime<Utc>>,
    /// When basis calls the venue again.
    pub until: DateTime<Utc>,
    /// The HTTP status of that answer (`None` for old records).
    pub status: Option<u16>,
    /// The endpoint and an excerpt of the venue's message.
    pub reason: String,
}

impl Ban {
    /// A ban or back-off that started at `now` and lasts `wanted` (the venue's `Retry-After` or
    /// the default), at most `longest`.
    #[must_use]
    pub fn new(
        kind: BanKind,
        status: u16,
        reason: String,
        now: DateTime<Utc>,
        wanted: Duration,
        longest: Duration,
    ) -> Self {
        let length = chrono::Duration::from_std(wanted.min(longest)).unwrap_or_default();
        Ban {
            kind,
            since: Some(now),
            until: now + length,
            status: Some(status),
            reason,
        }
    }

    /// The record as stored by earlier versions: only the end.
    #[must_use]
    pub fn legacy(until: DateTime<Utc>) -> Self {
        Ban {
            kind: BanKind::Ban,
            since: None,
            until,
            status: None,
            reason: "recorded by an earlier version of basis".to_owned(),
        }
    }

    /// A ban that ends later than `longest` after `now` (only old records can: they were not
    /// bounded), cut to end then.
    #[must_use]
    pub fn bounded(mut self, now: DateTime<Utc>, longest: Duration) -> Self {
        let last = now + chrono::Duration::from_std(longest).unwrap_or_default();
        if self.until > last {
            self.until = last;
            self.reason.push_str(&format!(
                "; cut to end {} after it was read",
                humantime::format_duration(longest)
            ));
        }
        self
    }
}

impl fmt::Display for Ban {
    /// `banned until 2026-01-02T00:00:00Z (HTTP 418 since 2026-01-01T23:58:00Z: fapi/v1/premiumIndex: {"code":-1003,…})`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let what = match self.kind {
            BanKind::Ban => "banned",
            BanKind::RateLimit => "rate limited",
        };
        let mut why = Vec::new();
        if let Some(status) = self.status {
            why.push(format!("HTTP {status}"));
        }
        if let Some(since) = self.since {
            why.push(format!("since {}", time(since)));
        }
        let mut why = why.join(" ");
        if !self.reason.is_empty() {
            if !why.is_empty() {
                why.push_str(": ");
            }
            why.push_str(&self.reason);
        }
        write!(f, "{what} until {}", time(self.until))?;
        if !why.is_empty() {
            write!(f, " ({why})")?;
        }
        Ok(())
    }
}

/// A ban record as stored: the current record, or the bare end time earlier versions wrote.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum StoredBan {
    /// The current record.
    Record(Ban),
    /// Only the end (earlier versions).
    Legacy(DateTime<Utc>),
}

impl StoredBan {
    /// The ban it describes.
    #[must_use]
    pub fn into_ban(self) -> Ban {
        match self {
            StoredBan::Record(b) => b,
            StoredBan::Legacy(until) => Ban::legacy(until),
        }
    }
}
