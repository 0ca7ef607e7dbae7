//! What the commands share: opening and closing the store, the poll context, venue outcomes
//! and the exit code they deserve, stdout, blocking store calls, the series progress bar, the
//! shutdown signal.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use super::{AppError, exit};
use crate::poll::{PollContext, VenueOutcome, VenueStatus, load_latest, poll_venues};
use crate::report::VenueLine;
use crate::settings::Settings;
use crate::store::{Store, StoreError};
use crate::venue::http::build_client;

/// Closes the store, rewriting it first when its dead space passed the threshold
/// ([`Store::compaction_due`]); the run's output is already out by then.
pub(super) async fn close_store(store: Store) -> Result<(), AppError> {
    let compaction = tokio::task::spawn_blocking(move || {
        crate::store::guarded(move || store.close_compacting())
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(AppError::from)?;
    if let Some(c) = compaction {
        tracing::info!(
            before_mb = c.size_before / 1_048_576,
            after_mb = c.size_after / 1_048_576,
            "rewrote the store to give back dead space"
        );
    }
    Ok(())
}

pub(super) async fn open_store(dir: &Path) -> Result<Store, AppError> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || crate::store::guarded(move || Store::open(&dir)))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::from)
}

/// Opens the store for a run that writes `demo` or live market data (`writes`), or only reads
/// it; returns it and whether it holds demo data. Demo and live data never share a store
/// ([`Store::claim`]).
pub(super) async fn open_for(
    dir: &Path,
    demo: bool,
    writes: bool,
) -> Result<(Store, bool), AppError> {
    let store = open_store(dir).await?;
    let s = store.clone();
    let demo_store =
        blocking_store(move || if writes { s.claim(demo) } else { s.is_demo() }).await?;
    Ok((store, demo_store))
}

pub(super) fn poll_context(
    settings: &Settings,
    store: Store,
    full: bool,
) -> Result<PollContext, AppError> {
    let client = build_client(&settings.http)
        .map_err(|e| AppError::Internal(format!("cannot build the HTTP client: {e}")))?;
    Ok(PollContext {
        store,
        client,
        http: settings.http.clone(),
        urls: settings
            .venue_settings
            .iter()
            .map(|(v, s)| (*v, s.urls.clone()))
            .collect(),
        deadline: settings.deadline,
        reference_ttl: settings.reference_ttl,
        retention: settings.retention.clone(),
        full,
        held: held_symbols(&settings.accounts),
    })
}

/// The perp symbols `accounts` hold, per venue (the per-symbol margin tier requests).
pub(super) fn held_symbols(
    accounts: &[crate::model::account::Account],
) -> std::collections::BTreeMap<crate::model::Venue, std::collections::BTreeSet<String>> {
    let mut held = std::collections::BTreeMap::<_, std::collections::BTreeSet<String>>::new();
    for a in accounts {
        let symbols = a.positions.iter().map(|p| p.symbol.clone());
        held.entry(a.venue).or_default().extend(symbols);
    }
    held
}

pub(super) fn venue_line(o: &VenueOutcome) -> VenueLine {
    let (status, error, banned_until) = match &o.status {
        VenueStatus::Ok => ("ok", None, None),
        VenueStatus::Error(e) => ("error", Some(e.clone()), None),
        VenueStatus::Banned(ban) => ("banned", Some(ban.to_string()), Some(ban.until)),
        VenueStatus::Skipped(why) => ("skipped", Some(why.clone()), None),
    };
    VenueLine {
        venue: o.venue,
        status,
        error,
        banned_until,
        perps: o.snapshot.as_ref().map_or(0, |s| s.perps.len()),
        spots: o.snapshot.as_ref().map_or(0, |s| s.spots.len()),
        requests: o.requests,
        elapsed_ms: u64::try_from(o.elapsed.as_millis()).unwrap_or(u64::MAX),
        interval_assumed: o.assumed_intervals.len(),
    }
}

/// The exit code a set of venue outcomes deserves, and a hint when nothing could be reached.
pub(super) fn outcome_code(outcomes: &[VenueOutcome], live: bool) -> (u8, Option<String>) {
    let failed = outcomes.iter().filter(|o| o.failed()).count();
    let counted = outcomes.iter().filter(|o| o.snapshot.is_some()).count();
    if outcomes.is_empty() {
        return (
            exit::CONFIG,
            Some(
                "no venue selected: check --venues, BASIS_VENUES or `enabled` in the config".into(),
            ),
        );
    }
    if counted == 0 {
        let all_banned = outcomes
            .iter()
            .all(|o| matches!(o.status, VenueStatus::Banned(_)));
        if all_banned {
            return (exit::TEMPFAIL, Some("every selected venue has banned this IP for now; try again after the times shown".into()));
        }
        if failed == 0 {
            return (exit::UNAVAILABLE, Some("no stored data for the selected venues; run `basis poll` (or a scan without --offline) first".into()));
        }
        let hint = if live {
            "no venue could be reached: check the network and the BASIS_*_URL settings, or try `basis scan --demo` to see basis work offline"
        } else {
            "every venue failed"
        };
        return (exit::UNAVAILABLE, Some(hint.into()));
    }
    if failed > 0 {
        (exit::PARTIAL, None)
    } else {
        (exit::OK, None)
    }
}

pub(super) fn write_stdout(bytes: &[u8]) -> Result<(), AppError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`basis scan | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(AppError::Output(format!("cannot write to stdout: {e}"))),
    }
}

pub(super) fn report_venue_problems(outcomes: &[VenueOutcome]) {
    for o in outcomes {
        match &o.status {
            VenueStatus::Error(e) => tracing::error!(venue = %o.venue, "{e}"),
            VenueStatus::Banned(ban) => {
                tracing::warn!(venue = %o.venue, "{ban}; no request to it until then")
            }
            VenueStatus::Skipped(why) => tracing::warn!(venue = %o.venue, "skipped: {why}"),
            VenueStatus::Ok => {}
        }
    }
}

pub(super) async fn poll_or_load(
    settings: &Settings,
    store: &Store,
    offline: bool,
    full: bool,
) -> Result<Vec<VenueOutcome>, AppError> {
    if offline {
        Ok(load_latest(store, &settings.venues).await?)
    } else {
        let ctx = Arc::new(poll_context(settings, store.clone(), full)?);
        Ok(poll_venues(ctx, &settings.venues).await?)
    }
}

pub(super) async fn blocking_store<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, AppError> {
    crate::store::blocking(f, AppError::Internal).await
}

/// A progress bar of `len` series on stderr (`{bar} {pos}/{len} series  {msg}`), hidden when
/// stderr is not a terminal or under `--quiet`.
#[must_use]
pub fn series_progress(len: u64, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal as _;
    if !std::io::stderr().is_terminal() || quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} series  {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Resolves on SIGINT or SIGTERM.
pub(super) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
