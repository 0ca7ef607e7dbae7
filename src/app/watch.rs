//! `basis watch`: a scan every `--every` until SIGINT or SIGTERM.

use std::collections::HashSet;
use std::time::Duration;

use super::demo::demo_if;
use super::scan::{ScanMode, scan_once};
use super::shared::{blocking_store, close_store, open_for, open_store, shutdown_signal};
use super::{AppError, exit};
use crate::cli::WatchArgs;
use crate::settings::{self, Globals, ProcessEnv};

/// How long an in-flight scan may go on after SIGINT/SIGTERM before it is abandoned.
pub(super) const GRACE: Duration = Duration::from_secs(4);

/// `basis watch`: scan (and notify, when sinks are configured) every `--every` until SIGINT or
/// SIGTERM; then finish or abandon the in-flight scan within a few seconds, flush, exit 0.
///
/// # Errors
/// Settings, store and internal failures.
pub async fn watch(globals: &Globals, args: &WatchArgs) -> Result<u8, AppError> {
    let every = args.every;
    let mut settings = settings::build(globals, &args.scan.poll, Some(&args.scan), &ProcessEnv)?;
    let demo = demo_if(args.scan.poll.demo, &mut settings).await?;
    let writes = !args.scan.offline;
    let (mut store, demo_store) = open_for(&settings.data_dir, demo.is_some(), writes).await?;
    let mode = ScanMode {
        demo: demo_store,
        notify: args.scan.notify || !settings.sinks.is_empty(),
    };
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let mut disabled = HashSet::new();
    let mut stop = false;
    while !stop {
        let started = tokio::time::Instant::now();
        {
            let scan = scan_once(globals, &settings, &store, &args.scan, mode, &mut disabled);
            tokio::pin!(scan);
            tokio::select! {
                result = &mut scan => {
                    let code = result?;
                    tracing::info!(code, "scan finished");
                }
                () = &mut shutdown => {
                    tracing::info!("stopping: letting the current scan finish for up to {GRACE:?}");
                    if tokio::time::timeout(GRACE, &mut scan).await.is_err() {
                        tracing::warn!("scan abandoned at shutdown");
                    }
                    stop = true;
                }
            }
        }
        if !stop {
            // A store open for days gives back its dead space between two scans, as a cron
            // job's does when it closes.
            let s = store.clone();
            if blocking_store(move || s.compaction_due()).await? {
                close_store(store).await?;
                store = open_store(&settings.data_dir).await?;
            }
            tokio::select! {
                () = tokio::time::sleep_until(started + every) => {}
                () = &mut shutdown => stop = true,
            }
        }
    }
    close_store(store).await?;
    drop(demo);
    Ok(exit::OK)
}
