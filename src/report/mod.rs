//! Reporters: table, JSON and CSV renderings of one scan (pure: each returns bytes).

pub mod chart;
pub mod csv;
pub mod history;
pub mod json;
pub mod plan;
pub mod positions;
/// The sanitiser lives in the pure model (venue log lines use it too); re-exported for reporters.
pub use crate::model::safe;
pub mod table;

#[cfg(test)]
pub(crate) mod sample;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{Opportunity, Venue};

/// One venue's line in every report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VenueLine {
    /// Venue id.
    pub venue: Venue,
    /// `ok`, `error`, `banned` or `skipped`.
    pub status: &'static str,
    /// Why it failed, was skipped or is banned (until when).
    pub error: Option<String>,
    /// Ban end when banned.
    pub banned_until: Option<DateTime<Utc>>,
    /// Perpetuals in its snapshot.
    pub perps: usize,
    /// Spot markets in its snapshot.
    pub spots: usize,
    /// HTTP requests sent (retries included).
    pub requests: u32,
    /// Wall time of its poll, ms.
    pub elapsed_ms: u64,
    /// Perps of its snapshot ranked with an assumed funding interval (not learned yet).
    pub interval_assumed: usize,
}

/// The scan parameters echoed in the output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamsEcho {
    /// `--min-apr`, percent.
    #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
    pub min_apr_pct: Option<rust_decimal::Decimal>,
    /// `--hold`, days.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub hold_days: rust_decimal::Decimal,
    /// `--leverage`.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub leverage: rust_decimal::Decimal,
    /// `--collateral`.
    pub collateral: String,
    /// `--max-liq-prob`.
    pub max_liq_prob: f64,
    /// `--min-volume`, USD.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub min_volume_usd: rust_decimal::Decimal,
    /// `--assets` (empty = all).
    pub assets: Vec<String>,
    /// `--kinds`.
    pub kinds: Vec<crate::model::Kind>,
    /// `--quote-equivalence` pairs.
    pub quote_equivalence: Vec<(String, String)>,
    /// Venues selected.
    pub venues: Vec<Venue>,
    /// `--top`, when given.
    pub top: Option<usize>,
    /// Analyzed stored data instead of polling.
    pub offline: bool,
    /// Synthetic demo data.
    pub demo: bool,
}

impl ParamsEcho {
    /// The echo of `params` over `venues`, for a ranking of live data without `--top` (the
    /// caller sets `top`, `offline` and `demo` where they differ).
    #[must_use]
    pub fn new(params: &crate::analyze::Params, venues: Vec<Venue>) -> Self {
        ParamsEcho {
            min_apr_pct: params.min_apr_pct,
            hold_days: params.hold_days.normalize(),
            leverage: params.leverage.normalize(),
            collateral: params.collateral.clone(),
            max_liq_prob: params.max_liq_prob,
            min_volume_usd: params.min_volume_usd.normalize(),
            assets: params.assets.clone(),
            kinds: params.kinds.clone(),
            quote_equivalence: params.quote_equivalence.clone(),
            venues,
            top: None,
            offline: false,
            demo: false,
        }
    }
}

/// One scan's result, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// When the scan ran.
    pub generated_at: DateTime<Utc>,
    /// Parameters.
    pub params: ParamsEcho,
    /// Venue status lines.
    pub venues: Vec<VenueLine>,
    /// Ranked opportunities (already limited by `--top`).
    pub opportunities: Vec<Opportunity>,
    /// When no row is left although there were candidates: the rows each filter dropped
    /// ([`crate::analyze::explain::why_empty`]).
    pub dropped: Vec<crate::analyze::explain::Dropped>,
    /// Time of the oldest snapshot analysed: its age shows in the table header when the data
    /// is stored (`--offline`) or at least a minute old.
    pub data_as_of: Option<DateTime<Utc>>,
}

/// Stored data older than this is called stale: a warning on stderr and in the table header
/// (a `*/5` cron keeps it under 15 minutes with two runs to spare).
pub const STALE_AFTER_MINUTES: i64 = 15;

/// The warning for `report`'s data when it is older than [`STALE_AFTER_MINUTES`].
#[must_use]
pub fn stale_warning(report: &Report) -> Option<String> {
    let at = report.data_as_of?;
    let age = report.generated_at - at;
    (age.num_minutes() >= STALE_AFTER_MINUTES).then(|| {
        format!(
            "the data analysed is {} old (from {}; stale after {STALE_AFTER_MINUTES} min): run `basis poll`, or scan without --offline",
            table::age(age),
            at.format("%Y-%m-%d %H:%M UTC")
        )
    })
}
