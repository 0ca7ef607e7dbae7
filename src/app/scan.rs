//! `basis scan`: poll (or load), analyze, render, and notify with `--notify`.

use std::collections::HashSet;

use chrono::Utc;

use super::demo::demo_if;
use super::shared::{
    close_store, open_for, outcome_code, poll_or_load, report_venue_problems, venue_line,
    write_stdout,
};
use super::{AppError, exit};
use crate::cli::{Format, ScanArgs};
use crate::report::{ParamsEcho, Report, VenueLine};
use crate::settings::{self, Globals, ProcessEnv, Settings};
use crate::store::Store;

/// `basis scan`: poll, analyze, render (and notify). Returns the exit code.
///
/// # Errors
/// Settings, store and internal failures (venue failures are reported and counted instead).
pub async fn scan(globals: &Globals, args: &ScanArgs) -> Result<u8, AppError> {
    let mut settings = settings::build(globals, &args.poll, Some(args), &ProcessEnv)?;
    let demo = demo_if(args.poll.demo, &mut settings).await?;
    let (store, demo_store) = open_for(&settings.data_dir, demo.is_some(), !args.offline).await?;
    let mut disabled = HashSet::new();
    let code = scan_once(
        globals,
        &settings,
        &store,
        args,
        ScanMode {
            demo: demo_store,
            notify: args.notify,
        },
        &mut disabled,
    )
    .await?;
    close_store(store).await?;
    drop(demo);
    Ok(code)
}

/// Rows per kind in the table when `--top` is not given.
pub(super) const TABLE_ROWS_PER_KIND: usize = 30;

/// How a scan runs.
#[derive(Debug, Clone, Copy)]
pub(super) struct ScanMode {
    /// Synthetic demo data.
    pub(super) demo: bool,
    /// Send notifications.
    pub(super) notify: bool,
}

/// One scan on an open store: poll (or load), analyze, print, notify. `disabled` holds the sinks
/// that answered 404/410 in this process (a `watch` stops calling them).
pub(super) async fn scan_once(
    globals: &Globals,
    settings: &Settings,
    store: &Store,
    args: &ScanArgs,
    mode: ScanMode,
    disabled: &mut HashSet<String>,
) -> Result<u8, AppError> {
    let ScanMode { demo, notify } = mode;
    let mut outcomes = poll_or_load(settings, store, args.offline, false).await?;
    // Venue lines and the exit code first: then the snapshots move out (no second copy).
    let venue_lines: Vec<VenueLine> = outcomes.iter().map(venue_line).collect();
    let (mut code, hint) = outcome_code(&outcomes, !args.offline && !demo);
    if args.format != Format::Table {
        report_venue_problems(&outcomes);
    }
    let assumed = crate::learn::assumed_of(&outcomes);
    let input = crate::inputs::prepare(settings, store, &mut outcomes, !args.offline).await?;
    // Ranked, screened, and with the reasons a user needs when nothing is left.
    let crate::inputs::Ranked {
        mut opportunities,
        unknown,
        dropped,
        data_as_of,
    } = input.rank_explained(settings.history_filters, &assumed, args.safe_only);
    let notified = if notify {
        let ctx = crate::notify::flow::Context {
            sinks: &settings.sinks,
            opts: &settings.notify,
            scan_top: settings.top,
            scan_min_apr: settings.params.min_apr_pct,
            demo,
            config_path: settings.config_path.as_deref(),
        };
        // Account alerts first: never capped by the digest's `top`.
        let accounts = super::accounts::notify_accounts(settings, store, demo, disabled).await?;
        let mut n = crate::notify::flow::run(store, &ctx, &opportunities, disabled).await?;
        n.failed |= accounts.failed;
        n.summary = match (accounts.summary, n.summary) {
            (Some(a), Some(o)) => Some(a + &o),
            (a, o) => a.or(o),
        };
        Some(n)
    } else {
        None
    };
    match (settings.top, args.format) {
        (Some(n), _) => opportunities.truncate(n),
        // The table's default: the best 30 of each kind (it groups rows by kind), so a kind
        // whose rows rank lower is still shown; ranks stay global.
        (None, Format::Table) => {
            let mut shown: std::collections::HashMap<crate::model::Kind, usize> =
                std::collections::HashMap::new();
            opportunities.retain(|o| {
                let n = shown.entry(o.kind).or_default();
                *n += 1;
                *n <= TABLE_ROWS_PER_KIND
            });
        }
        (None, Format::Json | Format::Csv) => {}
    }
    let report = Report {
        generated_at: Utc::now(),
        params: ParamsEcho {
            top: settings.top,
            offline: args.offline,
            demo,
            ..ParamsEcho::new(&settings.params, settings.venues.clone())
        },
        venues: venue_lines,
        opportunities,
        dropped,
        data_as_of,
    };
    if let Some(w) = crate::report::stale_warning(&report).filter(|_| args.format != Format::Table)
    {
        tracing::warn!("{w}");
    }
    // Quiet cron runs with --notify print only what was new (nothing when nothing was).
    let quiet_notify = globals.quiet && notify;
    match (args.format, quiet_notify) {
        (_, true) => {
            if let Some(summary) = notified.as_ref().and_then(|n| n.summary.as_deref()) {
                write_stdout(summary.as_bytes())?;
            }
        }
        (Format::Table, false) => write_stdout(&crate::report::table::render(&report))?,
        (Format::Csv, false) => write_stdout(&crate::report::csv::render(&report))?,
        (Format::Json, false) => {
            // Streamed: with every candidate the document can be tens of MB.
            let stdout = std::io::stdout().lock();
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout);
            let written = crate::report::json::write(&report, &mut out)
                .and_then(|()| std::io::Write::flush(&mut out));
            match written {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => {
                    return Err(AppError::Output(format!("cannot write to stdout: {e}")));
                }
            }
        }
    }
    drop(report);
    if notified.as_ref().is_some_and(|n| n.failed) && code == exit::OK {
        code = exit::PARTIAL;
    }
    if let Some(h) = hint {
        tracing::error!("{h}");
    }
    for m in &unknown {
        tracing::error!("{m}");
    }
    if !unknown.is_empty() && code == exit::OK {
        code = exit::PARTIAL;
    }
    Ok(code)
}
