//! The `opportunities` table: the store keeps no ranked rows, so an export ranks the stored latest snapshots offline, as `basis scan --offline` would, and writes each row with the ranking's time and parameters.

use chrono::{DateTime, Utc};

use super::rows::{self, Value};
use super::{ExportError, Options, Outputs, Summary};
use crate::app::AppError;
use crate::model::Opportunity;
use crate::report::ParamsEcho;
use crate::settings::Settings;
use crate::store::Store;

/// A ranking of the stored latest snapshots.
#[derive(Debug)]
pub struct Ranked {
    /// When it was made.
    pub generated_at: DateTime<Utc>,
    /// Its parameters as JSON (the `params` object of `scan --format json`).
    pub params: String,
    /// Every ranked row (no `--top`).
    pub opportunities: Vec<Opportunity>,
}

/// Ranks the latest snapshots the store holds with the scan's parameters (config file and
/// defaults; `--venues` and `--assets` of the export), reading nothing from the network.
///
/// # Errors
/// Store and internal failures.
pub async fn rank(
    settings: &Settings,
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Ranked, AppError> {
    let mut outcomes = crate::poll::load_latest(store, &settings.venues).await?;
    let input = crate::inputs::prepare(settings, store, &mut outcomes, false).await?;
    let opportunities = input.rank(settings.history_filters);
    let echo = ParamsEcho {
        offline: true,
        ..ParamsEcho::new(&settings.params, settings.venues.clone())
    };
    let params = serde_json::to_string(&echo)
        .map_err(|e| AppError::Internal(format!("cannot encode the ranking's parameters: {e}")))?;
    Ok(Ranked {
        generated_at: now,
        params,
        opportunities,
    })
}

/// Writes a ranking: one file, or one per short-leg venue under `venue=…/month=…`.
///
/// # Errors
/// Output and value failures; nothing is left in place then.
pub fn write(opts: &Options, ranked: &Ranked) -> Result<Summary, ExportError> {
    let generated_at = ranked.generated_at.timestamp_millis();
    let (month, _, _) = rows::month_of(generated_at);
    let mut outputs = Outputs::new(opts);
    let mut per_venue = std::collections::BTreeMap::new();
    let mut order: Vec<&Opportunity> = ranked.opportunities.iter().collect();
    if opts.partition {
        // Grouped by the venue of the partition, rank order kept within it.
        order.sort_by_key(|o| (o.short.venue, o.rank));
    }
    let result = (|| {
        let mut current = None;
        for o in order {
            let venue = o.short.venue;
            if opts.partition && current.is_some_and(|v| v != venue) {
                outputs.close()?;
            }
            current = Some(venue);
            let row: Vec<Value<'_>> = rows::opportunity_row(o, generated_at, &ranked.params);
            outputs.file(venue.id(), &month)?.write(&row)?;
            *per_venue.entry(venue).or_insert(0) += 1;
        }
        if !opts.partition {
            outputs.file("", "")?;
        }
        Ok(())
    })();
    let (rows, files, bytes) = outputs.commit(result)?;
    Ok(Summary {
        rows,
        per_venue,
        files,
        bytes,
    })
}
