//! `basis backfill`: settled funding and candles per market, from the venues into the store.

use std::sync::Arc;

use chrono::Utc;

use super::demo::demo_if;
use super::shared::{
    blocking_store, close_store, open_for, poll_context, report_venue_problems, shutdown_signal,
};
use super::{AppError, exit};
use crate::cli::BackfillArgs;
use crate::poll::{VenueStatus, poll_venues};
use crate::settings::{self, Globals, ProcessEnv};
use crate::venue::http::build_client;

/// `basis backfill`: settled funding history per perp and daily + hourly candles per market,
/// incremental and resumable (see [`crate::backfill`]).
///
/// # Errors
/// Settings, store and internal failures.
pub async fn backfill(globals: &Globals, args: &BackfillArgs) -> Result<u8, AppError> {
    let mut settings = settings::build(globals, &args.poll, None, &ProcessEnv)?;
    let demo = demo_if(args.poll.demo, &mut settings).await?;
    let (store, _) = open_for(&settings.data_dir, demo.is_some(), true).await?;
    // The markets to fill come from the latest snapshot; poll first where there is none.
    let mut missing = Vec::new();
    for &v in &settings.venues {
        let s = store.clone();
        if blocking_store(move || s.latest_snapshot(v))
            .await?
            .is_none()
        {
            missing.push(v);
        }
    }
    let mut report = crate::backfill::Report::default();
    if !missing.is_empty() {
        let ctx = Arc::new(poll_context(&settings, store.clone(), false)?);
        let outcomes = poll_venues(ctx, &missing).await?;
        report_venue_problems(&outcomes);
        report.poll_requests = outcomes.iter().map(|o| o.requests).sum();
        report.unlisted = outcomes
            .iter()
            .filter(|o| o.snapshot.is_none())
            .map(|o| (o.venue, matches!(o.status, VenueStatus::Banned(_))))
            .collect();
    }
    let scope = crate::backfill::Scope {
        assets: settings::value::coins(&args.assets),
        collateral: settings.params.collateral.to_ascii_uppercase(),
        days: args.days,
        funding: !args.no_funding,
        prices: !args.no_prices,
    };
    let now_ms = Utc::now().timestamp_millis();
    let client = build_client(&settings.http).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut plans = Vec::new();
    for &venue in &settings.venues {
        let s = store.clone();
        if let Some(snapshot) = blocking_store(move || s.latest_snapshot(venue)).await? {
            plans.push(crate::backfill::plan(&snapshot, &scope, now_ms));
        }
    }
    let total: usize = plans.iter().map(crate::backfill::Plan::units).sum();
    let progress = super::shared::series_progress(total as u64, globals.quiet);
    let mut set = tokio::task::JoinSet::new();
    for plan in plans {
        let venue = plan.venue;
        let vc = Arc::new(settings.venue_client(&client, venue));
        let run = crate::backfill::run_venue(vc, store.clone(), plan, now_ms, progress.clone());
        set.spawn(async move { (venue, run.await) });
    }
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let mut interrupted = false;
    loop {
        tokio::select! {
            joined = set.join_next() => {
                let Some(joined) = joined else { break };
                let (venue, t) = joined.map_err(|e| AppError::Internal(e.to_string()))?;
                report.ran.push((venue, t?));
            }
            () = &mut shutdown => {
                set.abort_all();
                interrupted = true;
                break;
            }
        }
    }
    progress.finish_and_clear();
    report.ran.sort_by_key(|(v, _)| *v);
    let errors: Vec<&String> = report.ran.iter().flat_map(|(_, t)| &t.errors).collect();
    for e in errors.iter().take(20) {
        tracing::error!("{e}");
    }
    if errors.len() > 20 {
        tracing::error!("… and {} more errors", errors.len() - 20);
    }
    let verdict = report.verdict();
    let hint = match verdict {
        crate::backfill::Verdict::Unreachable => Some(
            "no venue could be backfilled: check the network and the BASIS_*_URL settings, then run backfill again (what was stored is kept)",
        ),
        crate::backfill::Verdict::Banned => Some(
            "every selected venue has banned this IP for now; run backfill again after the times shown",
        ),
        _ => None,
    };
    if let (Some(hint), false) = (hint, interrupted) {
        tracing::error!("{hint}");
    }
    let failed = verdict != crate::backfill::Verdict::Complete;
    if !globals.quiet || failed {
        eprintln!("{}", report.line(interrupted));
    }
    close_store(store).await?;
    drop(demo);
    Ok(match verdict {
        _ if interrupted => exit::TEMPFAIL,
        crate::backfill::Verdict::Complete => exit::OK,
        crate::backfill::Verdict::Partial => exit::PARTIAL,
        crate::backfill::Verdict::Unreachable => exit::UNAVAILABLE,
        crate::backfill::Verdict::Banned => exit::TEMPFAIL,
    })
}
