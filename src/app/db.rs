//! `basis db stats|compact|check|prune`: the store's maintenance commands.

use chrono::{DateTime, Utc};

use super::shared::{blocking_store, close_store, open_store, write_stdout};
use super::{AppError, exit};
use crate::cli::{DbArgs, DbCommand, VenueArgs};
use crate::settings::{self, Globals, ProcessEnv};
use crate::store::StoreError;

/// `basis db stats` and `basis db prune --older-than D`.
///
/// # Errors
/// Settings and store failures.
pub async fn db(globals: &Globals, args: &DbArgs) -> Result<u8, AppError> {
    let settings = settings::build(globals, &VenueArgs::default(), None, &ProcessEnv)?;
    let store = open_store(&settings.data_dir).await?;
    let text = match &args.command {
        DbCommand::Stats => {
            let s = store.clone();
            let (stats, demo) = blocking_store(move || Ok((s.stats()?, s.is_demo()?))).await?;
            let when = |ms: i64| {
                DateTime::<Utc>::from_timestamp_millis(ms).map_or_else(
                    || "-".to_owned(),
                    |t| t.format("%Y-%m-%d %H:%M").to_string(),
                )
            };
            let mut out = format!("store {}\n", store.dir().display());
            if demo {
                out.push_str("holds DEMO DATA (synthetic markets from --demo; live runs refuse this store)\n");
            }
            for (tree, venues) in &stats.trees {
                let total: u64 = venues.values().map(|t| t.records).sum();
                out.push_str(&format!("{tree}: {total} records\n"));
                for (venue, t) in venues {
                    out.push_str(&format!(
                        "  {:<11} {:>9}  {} .. {}\n",
                        venue.id(),
                        t.records,
                        when(t.oldest_ms),
                        when(t.newest_ms)
                    ));
                }
            }
            out.push_str(&format!(
                "meta: {} records (instrument and collateral caches, bans, backfill markers, daily ranges, notification state)\nlive data: {:.1} MB; size on disk: {:.1} MB\n",
                stats.meta_records,
                stats.live_bytes as f64 / 1_048_576.0,
                stats.size_on_disk as f64 / 1_048_576.0
            ));
            // sled needs some room beyond the live data (its log segments, cache snapshots):
            // suggest a rewrite only when the dead space is large by both measures.
            if stats.size_on_disk > 3 * stats.live_bytes + 16 * 1_048_576 {
                out.push_str(
                    "most of the size on disk is dead space: `basis db compact` gives it back\n",
                );
            }
            out
        }
        DbCommand::Compact => {
            let compaction =
                tokio::task::spawn_blocking(move || crate::store::guarded(move || store.compact()))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))??;
            let mut out = String::new();
            for (tree, before, after) in &compaction.records {
                out.push_str(&format!("{tree}: {before} records before, {after} after\n"));
            }
            out.push_str(&format!(
                "size on disk: {:.1} MB before, {:.1} MB after\n",
                compaction.size_before as f64 / 1_048_576.0,
                compaction.size_after as f64 / 1_048_576.0
            ));
            if !globals.quiet {
                write_stdout(out.as_bytes())?;
            }
            return Ok(exit::OK);
        }
        DbCommand::Check => {
            let s = store.clone();
            let check = blocking_store(move || s.check()).await?;
            let mut out = String::new();
            for (tree, n) in &check.records {
                out.push_str(&format!("{tree}: {n} records read\n"));
            }
            for p in &check.problems {
                out.push_str(&format!("undecodable: {p}\n"));
            }
            if check.bad > 0 {
                close_store(store).await?;
                write_stdout(out.as_bytes())?;
                return Err(AppError::Store(StoreError::Corrupt {
                    dir: settings.data_dir.clone(),
                    reason: format!("{} records do not decode", check.bad),
                }));
            }
            out.push_str("every record reads and decodes\n");
            out
        }
        DbCommand::Prune { older_than } => {
            let cutoff = Utc::now() - chrono::Duration::from_std(*older_than).unwrap_or_default();
            let s = store.clone();
            let removed = blocking_store(move || s.prune_all(cutoff)).await?;
            format!(
                "removed {removed} records older than {}\n",
                cutoff.format("%Y-%m-%d %H:%M UTC")
            )
        }
    };
    if !globals.quiet {
        write_stdout(text.as_bytes())?;
    }
    close_store(store).await?;
    Ok(exit::OK)
}
