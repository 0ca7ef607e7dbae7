//! Commands: `scan`, `poll`, `venues`, wired from settings to store, pollers, analyzer, reporters.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::{
    BackfillArgs, ConfigArgs, ConfigCommand, DbArgs, DbCommand, Format, HistoryArgs, NotifyArgs,
    NotifyCommand, PollArgs, ScanArgs, VenueArgs, VenuesArgs, WatchArgs,
};
#[cfg(feature = "demo")]
use crate::demo::Universe;
#[cfg(feature = "demo")]
use crate::demo::server::{Server, mounted};
use crate::model::{Opportunity, Snapshot, Venue};
use crate::notify::Sink;
use crate::notify::deliver::Sender;
use crate::notify::message::{self, Digest};
use crate::poll::{PollContext, PollError, VenueOutcome, VenueStatus, load_latest, poll_venues};
use crate::report::{ParamsEcho, Report, VenueLine};
use crate::settings::{self, Globals, ProcessEnv, Settings, SettingsError};
use crate::store::{Store, StoreError};
use crate::venue::adapter;
use crate::venue::http::build_client;

/// Process exit codes (DESIGN.md).
pub mod exit {
    /// Everything worked.
    pub const OK: u8 = 0;
    /// Some venue failed; the rest counted.
    pub const PARTIAL: u8 = 1;
    /// Bad usage.
    pub const USAGE: u8 = 64;
    /// Every venue failed.
    pub const UNAVAILABLE: u8 = 69;
    /// Internal error.
    pub const SOFTWARE: u8 = 70;
    /// Store I/O error or corruption.
    pub const IOERR: u8 = 74;
    /// Temporary: store locked by another run, every venue banned.
    pub const TEMPFAIL: u8 = 75;
    /// Bad configuration.
    pub const CONFIG: u8 = 78;
}

/// A failure that ends the run, with its exit code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad setting.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// Store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An output (stdout, a file) that cannot be written.
    #[error("{0} (check the disk, or where the output is redirected)")]
    Output(String),
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// The exit code for this error.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Settings(e) if e.is_usage() => exit::USAGE,
            AppError::Settings(_) => exit::CONFIG,
            AppError::Store(StoreError::Locked { .. }) => exit::TEMPFAIL,
            AppError::Store(StoreError::Mixed { .. }) => exit::USAGE,
            AppError::Store(_) | AppError::Output(_) => exit::IOERR,
            AppError::Internal(_) => exit::SOFTWARE,
        }
    }
}

impl From<PollError> for AppError {
    fn from(e: PollError) -> Self {
        match e {
            PollError::Store(s) => AppError::Store(s),
            PollError::Join(j) => AppError::Internal(j),
        }
    }
}

/// Closes the store, rewriting it first when its dead space passed the threshold
/// ([`Store::compaction_due`]); the run's output is already out by then.
async fn close_store(store: Store) -> Result<(), AppError> {
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

async fn open_store(dir: &Path) -> Result<Store, AppError> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || crate::store::guarded(move || Store::open(&dir)))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::from)
}

/// Opens the store for a run that writes `demo` or live market data (`writes`), or only reads
/// it; returns it and whether it holds demo data. Demo and live data never share a store
/// ([`Store::claim`]).
async fn open_for(dir: &Path, demo: bool, writes: bool) -> Result<(Store, bool), AppError> {
    let store = open_store(dir).await?;
    let s = store.clone();
    let demo_store =
        blocking_store(move || if writes { s.claim(demo) } else { s.is_demo() }).await?;
    Ok((store, demo_store))
}

/// The demo environment: a loopback server with synthetic markets, and a temporary store
/// unless `--data-dir` named one to keep.
#[cfg(feature = "demo")]
struct Demo {
    _server: Server,
    _dir: Option<tempfile::TempDir>,
}

/// Markets per venue in the demo.
#[cfg(feature = "demo")]
const DEMO_PERPS: usize = 320;
#[cfg(feature = "demo")]
const DEMO_SPOTS: usize = 260;

/// A build without the simulator (no `demo` feature) has no demo environment: none can exist.
#[cfg(not(feature = "demo"))]
struct Demo(std::convert::Infallible);

#[cfg(not(feature = "demo"))]
impl Drop for Demo {
    fn drop(&mut self) {
        match self.0 {}
    }
}

#[cfg(not(feature = "demo"))]
#[allow(clippy::unused_async)]
async fn start_demo(_settings: &mut Settings) -> Result<Demo, AppError> {
    Err(AppError::Internal(
        "--demo: this build of basis has no simulator (it was built without the `demo` cargo feature); rebuild with default features to use it".to_owned(),
    ))
}

#[cfg(feature = "demo")]
async fn start_demo(settings: &mut Settings) -> Result<Demo, AppError> {
    let now_ms = Utc::now().timestamp_millis();
    let universes: Vec<Universe> = settings
        .venues
        .iter()
        .map(|&v| Universe::generate(v, DEMO_PERPS, DEMO_SPOTS, now_ms))
        .collect();
    let server = Server::start_dynamic(
        mounted(&universes),
        crate::demo::server::history_responders(&universes),
        Vec::new(),
        Duration::ZERO,
    )
    .await
    .map_err(|e| AppError::Internal(format!("cannot start the demo server on 127.0.0.1: {e}")))?;
    for &venue in &settings.venues {
        if let Some(vs) = settings.venue_settings.get_mut(&venue) {
            for host in adapter(venue).hosts() {
                vs.urls.insert(host.key, server.base_url(venue, host.key));
            }
        }
    }
    // With --data-dir the demo store is kept there (for history, db, --offline afterwards).
    let keep = matches!(
        settings.sources.get("data_dir"),
        Some(settings::Source::Flag(_))
    );
    let dir = if keep {
        None
    } else {
        let dir = tempfile::Builder::new()
            .prefix("basis-demo-")
            .tempdir()
            .map_err(|e| {
                AppError::Internal(format!("cannot create a temporary store for --demo: {e}"))
            })?;
        settings.data_dir = dir.path().to_owned();
        Some(dir)
    };
    Ok(Demo {
        _server: server,
        _dir: dir,
    })
}

fn poll_context(settings: &Settings, store: Store, full: bool) -> Result<PollContext, AppError> {
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
    })
}

fn venue_line(o: &VenueOutcome) -> VenueLine {
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
fn outcome_code(outcomes: &[VenueOutcome], live: bool) -> (u8, Option<String>) {
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

fn write_stdout(bytes: &[u8]) -> Result<(), AppError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`basis scan | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(AppError::Output(format!("cannot write to stdout: {e}"))),
    }
}

fn report_venue_problems(outcomes: &[VenueOutcome]) {
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

async fn poll_or_load(
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

/// `basis scan`: poll, analyze, render (and notify). Returns the exit code.
///
/// # Errors
/// Settings, store and internal failures (venue failures are reported and counted instead).
pub async fn scan(globals: &Globals, args: &ScanArgs) -> Result<u8, AppError> {
    let mut settings = settings::build(globals, &args.poll, Some(args), &ProcessEnv)?;
    let demo = if args.poll.demo {
        Some(start_demo(&mut settings).await?)
    } else {
        None
    };
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
const TABLE_ROWS_PER_KIND: usize = 30;

/// How a scan runs.
#[derive(Debug, Clone, Copy)]
struct ScanMode {
    /// Synthetic demo data.
    demo: bool,
    /// Send notifications.
    notify: bool,
}

/// One scan on an open store: poll (or load), analyze, print, notify. `disabled` holds the sinks
/// that answered 404/410 in this process (a `watch` stops calling them).
async fn scan_once(
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
    // The venues' collateral tables, used for `k` where the config says nothing.
    let mut params = settings.params.clone();
    params.venue_haircuts = outcomes
        .iter()
        .filter(|o| !o.haircuts.is_empty())
        .map(|o| (o.venue, o.haircuts.clone()))
        .collect();
    // And the maintenance rates they publish with their contracts, where the config sets none.
    params.venue_maintenance = outcomes
        .iter_mut()
        .filter(|o| !o.maintenance_rates.is_empty())
        .map(|o| (o.venue, std::mem::take(&mut o.maintenance_rates)))
        .collect();
    let assumed = crate::learn::assumed_of(&outcomes);
    let snapshots: Vec<Snapshot> = outcomes
        .iter_mut()
        .filter_map(|o| o.snapshot.take())
        .collect();
    // The record: settled funding and daily closes of every scanned perp, and the collateral's.
    let mut history = load_history(store, &snapshots, &settings.params.collateral).await?;
    let live: Vec<Venue> = if args.offline {
        Vec::new()
    } else {
        outcomes
            .iter()
            .filter(|o| o.status == crate::poll::VenueStatus::Ok)
            .map(|o| o.venue)
            .collect()
    };
    history.daily_ranges = daily_ranges(settings, store, &snapshots, &history, &live).await?;
    let mut opportunities = crate::analyze::analyze_with(&snapshots, &params, &history);
    crate::analyze::history::enrich(
        &mut opportunities,
        &history.settlements,
        settings.history_filters,
    );
    crate::analyze::screen::screen(&mut opportunities, &assumed, args.safe_only);
    // Say why: coins no venue lists, and which filter left nothing.
    let unknown = crate::analyze::explain::unknown_coins(&snapshots, &params);
    let dropped = if opportunities.is_empty() && unknown.is_empty() {
        let filters = settings.history_filters;
        crate::analyze::explain::why_empty(&snapshots, &params, &history, filters, args.safe_only)
    } else {
        Vec::new()
    };
    let data_as_of = snapshots.iter().map(|s| s.received_at).min();
    drop(snapshots);
    drop(history);
    let notified = if notify {
        Some(notify_run(settings, store, &opportunities, demo, disabled).await?)
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
    let p = &settings.params;
    let report = Report {
        generated_at: Utc::now(),
        params: ParamsEcho {
            min_apr_pct: p.min_apr_pct,
            hold_days: p.hold_days.normalize(),
            leverage: p.leverage.normalize(),
            collateral: p.collateral.clone(),
            max_liq_prob: p.max_liq_prob,
            min_volume_usd: p.min_volume_usd.normalize(),
            assets: p.assets.clone(),
            kinds: p.kinds.clone(),
            quote_equivalence: p.quote_equivalence.clone(),
            venues: settings.venues.clone(),
            top: settings.top,
            offline: args.offline,
            demo,
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

/// `basis poll`: poll every selected venue (full snapshot) and record it.
///
/// # Errors
/// Settings, store and internal failures.
pub async fn poll(globals: &Globals, args: &PollArgs) -> Result<u8, AppError> {
    let mut settings = settings::build(globals, &args.poll, None, &ProcessEnv)?;
    let demo = if args.poll.demo {
        Some(start_demo(&mut settings).await?)
    } else {
        None
    };
    let (store, _) = open_for(&settings.data_dir, demo.is_some(), true).await?;
    let outcomes = poll_or_load(&settings, &store, false, true).await?;
    report_venue_problems(&outcomes);
    let mut text = String::new();
    text.push_str(&crate::report::table::venue_lines(
        &outcomes.iter().map(venue_line).collect::<Vec<_>>(),
    ));
    // Quiet success for cron: the summary goes to stderr, stdout stays empty.
    tracing::info!("poll finished\n{text}");
    close_store(store).await?;
    let (code, hint) = outcome_code(&outcomes, demo.is_none());
    if let Some(h) = hint {
        tracing::error!("{h}");
    }
    Ok(code)
}

#[derive(Serialize)]
struct VenueInfo {
    venue: Venue,
    enabled: bool,
    hosts: Vec<HostInfo>,
    last_ok: Option<DateTime<Utc>>,
    last_error: Option<String>,
    last_error_at: Option<DateTime<Utc>>,
    banned_until: Option<DateTime<Utc>>,
    /// The ban or remembered rate-limit back-off in force: kind, since, until, status, reason.
    ban: Option<crate::venue::Ban>,
    last_requests: u32,
}

#[derive(Serialize)]
struct HostInfo {
    key: &'static str,
    env: &'static str,
    url: String,
}

/// `basis venues`: what basis knows about each venue.
///
/// # Errors
/// Settings and store failures.
pub async fn venues(globals: &Globals, args: &VenuesArgs) -> Result<u8, AppError> {
    let settings = settings::build(globals, &VenueArgs::default(), None, &ProcessEnv)?;
    let clear = args.clear_ban;
    let store = open_store(&settings.data_dir).await?;
    let now = Utc::now();
    if let Some(venue) = clear {
        let s = store.clone();
        let lifted = tokio::task::spawn_blocking(move || s.clear_ban(venue))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        match lifted.filter(|b| b.until > now) {
            Some(ban) => {
                tracing::warn!(venue = %venue, "lifted: {ban}; the next run calls {venue} again")
            }
            None => tracing::warn!(venue = %venue, "{venue} was not banned; nothing to lift"),
        }
    }
    let mut code = exit::OK;
    if let Some(venue) = args.refresh {
        let ctx = poll_context(&settings, store.clone(), false)?;
        match crate::poll::refresh_reference(&ctx, venue).await? {
            Ok(done) => tracing::warn!(venue = %venue, "{done}"),
            Err(e) => {
                tracing::error!(venue = %venue, "refresh failed: {e}");
                code = exit::UNAVAILABLE;
            }
        }
    }
    let mut infos = Vec::new();
    for venue in Venue::ALL {
        let s = store.clone();
        let (record, ban) = tokio::task::spawn_blocking(move || {
            Ok::<_, StoreError>((s.venue_record(venue)?, s.ban(venue)?))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        let ban = ban.filter(|b| b.until > now);
        let vs = settings.venue_settings.get(&venue);
        infos.push(VenueInfo {
            venue,
            enabled: vs.is_some_and(|v| v.enabled),
            hosts: adapter(venue)
                .hosts()
                .iter()
                .map(|h| HostInfo {
                    key: h.key,
                    env: h.env,
                    url: vs
                        .and_then(|v| v.urls.get(h.key).cloned())
                        .unwrap_or_default(),
                })
                .collect(),
            last_ok: record.last_ok,
            last_error_at: record.last_error.as_ref().map(|e| e.0),
            last_error: record.last_error.map(|e| e.1),
            banned_until: ban.as_ref().map(|b| b.until),
            ban,
            last_requests: record.last_requests,
        });
    }
    let bytes = if args.format == crate::cli::ListFormat::Json {
        let mut b =
            serde_json::to_vec_pretty(&infos).map_err(|e| AppError::Internal(e.to_string()))?;
        b.push(b'\n');
        b
    } else {
        let mut out = String::new();
        for i in &infos {
            use std::fmt::Write as _;
            let when = |t: Option<DateTime<Utc>>| {
                t.map_or_else(
                    || "never".to_owned(),
                    |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                )
            };
            let _ = writeln!(
                out,
                "{}{}",
                i.venue,
                if i.enabled { "" } else { " (disabled)" }
            );
            for h in &i.hosts {
                let _ = writeln!(out, "  host {:<8} {}  [{}]", h.key, h.url, h.env);
            }
            let _ = writeln!(out, "  last ok    {}", when(i.last_ok));
            if let Some(e) = &i.last_error {
                let _ = writeln!(out, "  last error {}: {e}", when(i.last_error_at));
            }
            if let Some(b) = &i.ban {
                let _ = writeln!(
                    out,
                    "  {b}\n    lift it early: basis venues --clear-ban {}",
                    i.venue
                );
            }
            let _ = writeln!(out, "  requests in last poll: {}", i.last_requests);
        }
        out.into_bytes()
    };
    write_stdout(&bytes)?;
    close_store(store).await?;
    Ok(code)
}

/// Sends each sink its capped digest of what is new since the last run (see
/// [`crate::notify::flow`]).
async fn notify_run(
    settings: &Settings,
    store: &Store,
    opportunities: &[Opportunity],
    demo: bool,
    disabled: &mut HashSet<String>,
) -> Result<crate::notify::flow::Outcome, AppError> {
    use crate::notify::flow::{self, FlowError};
    if settings.sinks.is_empty() {
        tracing::warn!(
            "--notify: no [[notify]] sinks in the config ({}); nothing sent",
            settings
                .config_path
                .as_ref()
                .map_or_else(|| "no config file".to_owned(), |p| p.display().to_string())
        );
        return Ok(flow::Outcome::default());
    }
    let ctx = flow::Context {
        sinks: &settings.sinks,
        opts: &settings.notify,
        scan_top: settings.top,
        scan_min_apr: settings.params.min_apr_pct,
        demo,
    };
    flow::run(store, &ctx, opportunities, disabled)
        .await
        .map_err(|e| match e {
            FlowError::Store(e) => AppError::from(e),
            other => AppError::Internal(other.to_string()),
        })
}

/// How much stored history a scan reads: the 30-day statistics window plus a day.
const HISTORY_WINDOW_MS: i64 = 31 * 86_400_000;

/// Quote preference for a venue's spot closes of the collateral coin (one pair per venue).
fn quote_rank(quote: &str) -> u8 {
    match quote {
        "USDT" => 0,
        "USDC" => 1,
        "USD" => 2,
        _ => 3,
    }
}

/// The stored record the analyzer uses: the funding summary and daily closes of every scanned
/// perp (each keyed by its own (venue, symbol); see [`Store::funding_summaries`]), and per venue the daily
/// closes of the collateral coin's spot pair (USDT, then USDC, then USD).
pub(crate) async fn load_history(
    store: &Store,
    snapshots: &[Snapshot],
    collateral: &str,
) -> Result<crate::analyze::HistoryInputs, AppError> {
    use crate::model::Market;
    let perps: Vec<(Venue, String)> = snapshots
        .iter()
        .flat_map(|snap| snap.perps.iter().map(|p| (snap.venue, p.symbol.clone())))
        .collect();
    // The collateral's spot pair per venue: (quote rank, symbol), the smallest wins.
    let mut spot_pairs: std::collections::HashMap<Venue, (u8, String)> =
        std::collections::HashMap::new();
    for sp in snapshots
        .iter()
        .flat_map(|snap| &snap.spots)
        .filter(|sp| quote_rank(&sp.quote) < 3 && sp.asset.eq_ignore_ascii_case(collateral))
    {
        let offer = (quote_rank(&sp.quote), sp.symbol.clone());
        let slot = spot_pairs.entry(sp.venue).or_insert_with(|| offer.clone());
        if offer < *slot {
            *slot = offer;
        }
    }
    let collateral = collateral.to_ascii_uppercase();
    let s = store.clone();
    blocking_store(move || {
        let now = Utc::now();
        let now_ms = now.timestamp_millis();
        let mut inputs = crate::analyze::HistoryInputs {
            now,
            ..crate::analyze::HistoryInputs::default()
        };
        inputs.settlements = s.funding_summaries(&perps, now)?;
        let closes_of = |venue: Venue, market: Market, symbol: &str| {
            let closes: Vec<crate::analyze::stats::DailyClose> = s
                .daily_closes_since(
                    venue,
                    market,
                    symbol,
                    now_ms - HISTORY_WINDOW_MS - 86_400_000,
                )?
                .into_iter()
                .filter_map(|(day, c)| {
                    Some(crate::analyze::stats::DailyClose {
                        day: DateTime::<Utc>::from_timestamp_millis(day)?.date_naive(),
                        close: c.close,
                    })
                })
                .collect();
            Ok::<_, StoreError>((closes.len() > 1).then_some(closes))
        };
        for (venue, symbol) in perps {
            if let Some(closes) = closes_of(venue, Market::Perp, &symbol)? {
                inputs.perp_closes.insert((venue, symbol), closes);
            }
        }
        for (venue, (_, symbol)) in spot_pairs {
            if let Some(closes) = closes_of(venue, Market::Spot, &symbol)? {
                inputs
                    .spot_closes
                    .insert((venue, collateral.clone()), closes);
            }
        }
        Ok(inputs)
    })
    .await
}

/// DESIGN's `σ_A` of last resort: the last daily candle of each perp whose asset no venue of
/// the scan gives a 24 h high/low for, and that has no realised volatility either (see
/// [`crate::poll::daily_ranges`]; cached an hour, fetched only from venues polled this run).
pub(crate) async fn daily_ranges(
    settings: &Settings,
    store: &Store,
    snapshots: &[Snapshot],
    history: &crate::analyze::HistoryInputs,
    live: &[Venue],
) -> Result<
    std::collections::HashMap<(Venue, String), (rust_decimal::Decimal, rust_decimal::Decimal)>,
    AppError,
> {
    let lacks_range = |p: &crate::model::PerpQuote| p.high_24h.is_none() || p.low_24h.is_none();
    if !snapshots.iter().flat_map(|s| &s.perps).any(lacks_range) {
        // The common case (every perp has its 24 h range): no index to build.
        return Ok(std::collections::HashMap::new());
    }
    let volatility = crate::analyze::risk::Volatility::new(snapshots);
    let assets: Vec<String> = settings
        .params
        .assets
        .iter()
        .map(|a| a.trim().to_ascii_uppercase())
        .filter(|a| !a.is_empty())
        .collect();
    let wanted: Vec<(Venue, String)> = snapshots
        .iter()
        .flat_map(|s| &s.perps)
        .filter(|p| assets.is_empty() || assets.contains(&p.asset.to_ascii_uppercase()))
        .filter(|p| lacks_range(p))
        .filter(|p| volatility.perp_sigma(&p.asset, &p.quote).is_none())
        .filter(|p| {
            history
                .perp_closes
                .get(&(p.venue, p.symbol.clone()))
                .and_then(|c| crate::analyze::stats::realised_vol(c, history.now))
                .is_none()
        })
        .map(|p| (p.venue, p.symbol.clone()))
        .collect();
    if wanted.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let ctx = poll_context(settings, store.clone(), false)?;
    let ranges = crate::poll::daily_ranges(&ctx, &wanted, live, RANGE_DEADLINE)
        .await
        .map_err(|e| match e {
            crate::poll::PollError::Store(e) => AppError::from(e),
            crate::poll::PollError::Join(e) => AppError::Internal(e),
        })?;
    Ok(ranges.into_iter().collect())
}

/// How long a scan waits for daily candles of last resort.
const RANGE_DEADLINE: Duration = Duration::from_secs(5);

async fn blocking_store<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(move || crate::store::guarded(f))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::from)
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
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

/// How long an in-flight scan may go on after SIGINT/SIGTERM before it is abandoned.
const GRACE: Duration = Duration::from_secs(4);

/// `basis watch`: scan (and notify, when sinks are configured) every `--every` until SIGINT or
/// SIGTERM; then finish or abandon the in-flight scan within a few seconds, flush, exit 0.
///
/// # Errors
/// Settings, store and internal failures.
pub async fn watch(globals: &Globals, args: &WatchArgs) -> Result<u8, AppError> {
    let every = args.every;
    let mut settings = settings::build(globals, &args.scan.poll, Some(&args.scan), &ProcessEnv)?;
    let demo = if args.scan.poll.demo {
        Some(start_demo(&mut settings).await?)
    } else {
        None
    };
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

/// `basis notify test`: a clearly labelled test message to every sink (or one).
///
/// # Errors
/// Settings and internal failures; a sink that fails makes the exit code 1.
pub async fn notify(globals: &Globals, args: &NotifyArgs) -> Result<u8, AppError> {
    let settings = settings::build(globals, &VenueArgs::default(), None, &ProcessEnv)?;
    let NotifyCommand::Test { sink: only } = &args.command;
    let sinks: Vec<&Sink> = settings
        .sinks
        .iter()
        .filter(|s| only.as_ref().is_none_or(|n| &s.name == n))
        .collect();
    if sinks.is_empty() {
        let known: Vec<&str> = settings.sinks.iter().map(|s| s.name.as_str()).collect();
        // No sink at all is the config's fault (78); a name that is not configured, the
        // command line's (64).
        return Err(AppError::Settings(if known.is_empty() {
            SettingsError::Invalid {
                origin: settings.config_path.as_ref().map_or_else(
                    || "configuration".to_owned(),
                    |p| format!("config file {}", p.display()),
                ),
                key: "[[notify]]".into(),
                value: String::new(),
                reason: "no sink is configured; add a [[notify]] table (see the README)".into(),
            }
        } else {
            SettingsError::Invalid {
                origin: settings::COMMAND_LINE.into(),
                key: "--sink".into(),
                value: only.clone().unwrap_or_default(),
                reason: format!("no such sink; configured: {}", known.join(", ")),
            }
        }));
    }
    let sender = Sender::new(&settings.notify).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = Utc::now();
    let digest = Digest::empty(now, true, false);
    // A sink a scan disabled (404/410) is enabled again by a test that gets through; the store
    // is optional here (a running cron job may hold it), but a damaged one is refused as every
    // command refuses it (exit 74).
    let store = match open_store(&settings.data_dir).await {
        Ok(store) => Some(store),
        Err(AppError::Store(StoreError::Locked { .. })) => None,
        Err(e) => return Err(e),
    };
    let mut code = exit::OK;
    for sink in sinks {
        match sender
            .send(sink, &message::render(sink.kind, &digest), now)
            .await
        {
            Ok(()) => {
                if !globals.quiet {
                    write_stdout(format!("{}: test message sent\n", sink.name).as_bytes())?;
                }
                if let Some(s) = &store {
                    let (s, name) = (s.clone(), sink.name.clone());
                    blocking_store(move || s.set_disabled_sink(&name, None)).await?;
                }
            }
            Err(e) => {
                tracing::error!(sink = %sink.name, "{e}");
                code = exit::PARTIAL;
                if let (true, Some(s)) = (e.disables_sink(), &store) {
                    let record = crate::store::DisabledSink {
                        fingerprint: sink.destination_fingerprint(),
                        since_ms: now.timestamp_millis(),
                        reason: e.to_string(),
                    };
                    let (s, name) = (s.clone(), sink.name.clone());
                    blocking_store(move || s.set_disabled_sink(&name, Some(&record))).await?;
                }
            }
        }
    }
    if let Some(s) = store {
        close_store(s).await?;
    }
    Ok(code)
}

/// `basis config show`: the settings in effect, secrets masked.
///
/// # Errors
/// Settings failures.
pub async fn config(globals: &Globals, args: &ConfigArgs) -> Result<u8, AppError> {
    let ConfigCommand::Show = args.command;
    let settings = settings::build(globals, &VenueArgs::default(), None, &ProcessEnv)?;
    let text = settings::show(&settings);
    write_stdout(text.as_bytes())?;
    Ok(exit::OK)
}

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

/// `basis history ASSET`: the funding basis has recorded for one coin, per venue, and with
/// `--plot` its chart. The chart's file is opened (as a temporary file beside it) before any
/// work, and renamed into place only once drawn: a failure leaves no file.
///
/// # Errors
/// Settings and store failures. A chart that cannot be written (74) or has nothing to show (1)
/// is reported on stderr and reflected in the exit code, after the table.
pub async fn history(globals: &Globals, args: &HistoryArgs) -> Result<u8, AppError> {
    let poll = VenueArgs {
        venues: args.venues.clone(),
        ..VenueArgs::default()
    };
    let settings = settings::build(globals, &poll, None, &ProcessEnv)?;
    let chart_file = match args.plot.as_ref().map(PendingChart::create).transpose() {
        Ok(c) => c,
        Err(e) => return Ok(e.report()),
    };
    let store = open_store(&settings.data_dir).await?;
    let asset = args.asset.trim().to_ascii_uppercase();
    let now = Utc::now();
    let since = now - chrono::Duration::days(i64::from(args.days.max(1)));
    let venues = settings.venues.clone();
    let s = store.clone();
    let wanted = asset.clone();
    let series = blocking_store(move || {
        let mut out = Vec::new();
        for venue in venues {
            let Some(snapshot) = s.latest_snapshot(venue)? else {
                continue;
            };
            for perp in snapshot.perps.iter().filter(|p| p.asset == wanted) {
                let points = s
                    .funding_events(venue, &perp.symbol)?
                    .into_iter()
                    .filter_map(|(t, e)| {
                        let t = DateTime::<Utc>::from_timestamp_millis(t)?;
                        (t > since && t <= now).then_some((t, e.r, e.h))
                    })
                    .collect();
                out.push(crate::report::history::Series {
                    venue,
                    symbol: perp.symbol.clone(),
                    quote: perp.quote.clone(),
                    points,
                });
            }
        }
        Ok(out)
    })
    .await?;
    write_stdout(&crate::report::history::render(
        &asset, args.days, &series, now,
    ))?;
    let mut code = exit::OK;
    if let Some(file) = chart_file {
        let lines = crate::report::chart::lines(&series, args.raw);
        let drawn = if lines.is_empty() {
            Err(PlotError::Nothing {
                asset: asset.clone(),
                days: args.days,
            })
        } else {
            let price = price_line(&store, &settings.venues, &asset, since, now).await?;
            file.finish(&crate::report::chart::Chart {
                asset: &asset,
                days: args.days,
                lines: &lines,
                price: &price,
                raw: args.raw,
            })
        };
        code = match drawn {
            Ok((n, path)) => {
                if !globals.quiet {
                    let text = format!(
                        "chart with {n} funding series written to {}\n",
                        path.display()
                    );
                    write_stdout(text.as_bytes())?;
                }
                exit::OK
            }
            Err(e) => e.report(),
        };
    }
    close_store(store).await?;
    Ok(code)
}

/// Why `history --plot` wrote no chart.
#[derive(Debug, thiserror::Error)]
enum PlotError {
    /// The chart file cannot be created or renamed into place.
    #[error(
        "cannot write the chart {}: {source} (check that the directory exists and is writable; no file was written)",
        path.display()
    )]
    Io {
        /// The `--plot` file.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// No funding recorded for the asset on the venues and days asked.
    #[error(
        "nothing to plot: no funding of {asset} recorded over the last {days} days on the venues asked; run `basis backfill --assets {asset}` to fetch the venues' funding history, or `basis poll` regularly to record it (no chart written)"
    )]
    Nothing {
        /// The coin.
        asset: String,
        /// `--days`.
        days: u32,
    },
    /// Drawing failed.
    #[error("cannot draw the chart {}: {reason} (no file was written)", path.display())]
    Draw {
        /// The `--plot` file.
        path: std::path::PathBuf,
        /// The drawing backend's error.
        reason: String,
        /// Writing the image failed (74), or the drawing itself (70: a bug).
        io: bool,
    },
}

impl PlotError {
    /// Prints the error as `main` prints the others and returns its exit code: 74 for the
    /// file, 1 for nothing to plot, 70 for a drawing bug.
    fn report(&self) -> u8 {
        eprintln!("basis: {self}");
        match self {
            PlotError::Io { .. } | PlotError::Draw { io: true, .. } => exit::IOERR,
            PlotError::Nothing { .. } => exit::PARTIAL,
            PlotError::Draw { io: false, .. } => exit::SOFTWARE,
        }
    }
}

/// A chart being written: a temporary file beside the `--plot` file (removed when dropped),
/// renamed over it once drawn.
struct PendingChart {
    file: crate::report::chart::ChartFile,
    tmp: tempfile::NamedTempFile,
}

impl PendingChart {
    /// Creates the temporary file in the chart's directory, so that a directory that is missing
    /// or not writable is reported before any work.
    fn create(file: &crate::report::chart::ChartFile) -> Result<Self, PlotError> {
        let io = |source| PlotError::Io {
            path: file.path.clone(),
            source,
        };
        // The directory first, for the OS's own words; tempfile's errors name the temporary
        // file, which means nothing to the user, so only their kind is kept.
        std::fs::metadata(file.dir()).map_err(io)?;
        let tmp = tempfile::Builder::new()
            .prefix(".basis-chart-")
            .suffix(&format!(".{}", file.format.extension()))
            .tempfile_in(file.dir())
            .map_err(|e| io(std::io::Error::from(e.kind())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(io)?;
        }
        Ok(PendingChart {
            file: file.clone(),
            tmp,
        })
    }

    /// Draws `chart` (SVG or PNG by the file's extension) into the temporary file and renames
    /// it into place. Returns how many funding lines were drawn and the chart's path.
    fn finish(
        self,
        chart: &crate::report::chart::Chart<'_>,
    ) -> Result<(usize, std::path::PathBuf), PlotError> {
        use crate::report::chart::{Format, SIZE, draw, register_font};
        use plotters::prelude::{BitMapBackend, IntoDrawingArea as _, SVGBackend};
        let path = self.file.path.clone();
        let fail = |reason: String, io: bool| PlotError::Draw {
            path: path.clone(),
            reason,
            io,
        };
        register_font().map_err(|e| fail(e, false))?;
        let drawn = match self.file.format {
            Format::Svg => draw(
                &SVGBackend::new(self.tmp.path(), SIZE).into_drawing_area(),
                chart,
            ),
            Format::Png => draw(
                &BitMapBackend::new(self.tmp.path(), SIZE).into_drawing_area(),
                chart,
            ),
        }
        .map_err(|e| fail(e, true))?;
        self.tmp.persist(&path).map_err(|e| PlotError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        Ok((drawn, path))
    }
}

/// The price line of a history chart: the coin's spot pair (USDT, then USDC, then USD) on the
/// first venue, in `venues` order, with stored closes in `(since, now]` (daily closes, hourly
/// ones where backfilled), else its perp's daily closes the same way; each point at its close
/// time.
async fn price_line(
    store: &Store,
    venues: &[Venue],
    asset: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<crate::report::chart::PriceLine, AppError> {
    use crate::model::Market;
    let s = store.clone();
    let venues = venues.to_vec();
    let asset = asset.to_owned();
    blocking_store(move || {
        let (since_ms, now_ms) = (since.timestamp_millis(), now.timestamp_millis());
        for market in [Market::Spot, Market::Perp] {
            for &venue in &venues {
                let Some(snapshot) = s.latest_snapshot(venue)? else {
                    continue;
                };
                let mut symbols: Vec<(u8, &str, &str)> = match market {
                    Market::Spot => snapshot
                        .spots
                        .iter()
                        .filter(|x| x.asset == asset)
                        .map(|x| (quote_rank(&x.quote), x.symbol.as_str(), x.quote.as_str()))
                        .collect(),
                    Market::Perp => snapshot
                        .perps
                        .iter()
                        .filter(|x| x.asset == asset)
                        .map(|x| (quote_rank(&x.quote), x.symbol.as_str(), x.quote.as_str()))
                        .collect(),
                };
                symbols.sort_unstable();
                let Some(&(rank, symbol, quote)) = symbols.first() else {
                    continue;
                };
                if rank > 2 {
                    continue;
                }
                let hourly = s.hourly_bars(venue, market, symbol, since_ms)?;
                let first_hour = hourly.first().map_or(i64::MAX, |(t, _)| *t);
                let mut points: Vec<(i64, rust_decimal::Decimal)> = s
                    .daily_closes(venue, market, symbol)?
                    .into_iter()
                    .map(|(day, c)| (day + 86_400_000, c.close))
                    .filter(|(t, _)| *t <= first_hour)
                    .collect();
                points.extend(hourly.into_iter().map(|(t, b)| (t + 3_600_000, b.close)));
                let points: Vec<(DateTime<Utc>, f64)> = points
                    .into_iter()
                    .filter(|(t, _)| *t > since_ms && *t <= now_ms)
                    .filter_map(|(t, close)| {
                        Some((
                            DateTime::<Utc>::from_timestamp_millis(t)?,
                            rust_decimal::prelude::ToPrimitive::to_f64(&close)?,
                        ))
                    })
                    .collect();
                if points.len() > 1 {
                    return Ok(crate::report::chart::PriceLine {
                        source: format!("{} {symbol} {}", venue.id(), market.id()),
                        currency: quote.to_owned(),
                        points,
                    });
                }
            }
        }
        Ok(crate::report::chart::PriceLine::default())
    })
    .await
}

/// `basis backfill`: settled funding history per perp and daily + hourly candles per market,
/// incremental and resumable (see [`crate::backfill`]).
///
/// # Errors
/// Settings, store and internal failures.
pub async fn backfill(globals: &Globals, args: &BackfillArgs) -> Result<u8, AppError> {
    use std::io::IsTerminal as _;
    let mut settings = settings::build(globals, &args.poll, None, &ProcessEnv)?;
    let demo = if args.poll.demo {
        Some(start_demo(&mut settings).await?)
    } else {
        None
    };
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
        assets: args
            .assets
            .iter()
            .map(|a| a.trim().to_ascii_uppercase())
            .filter(|a| !a.is_empty())
            .collect(),
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
    let progress = if std::io::stderr().is_terminal() && !globals.quiet {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} series  {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut set = tokio::task::JoinSet::new();
    for plan in plans {
        let venue = plan.venue;
        let vc = Arc::new(crate::venue::http::VenueClient::new(
            client.clone(),
            crate::venue::adapter(venue),
            settings.http.clone(),
            settings
                .venue_settings
                .get(&venue)
                .map(|s| s.urls.clone())
                .unwrap_or_default(),
        ));
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

/// `basis export TABLE`: see [`crate::export`].
///
/// # Errors
/// Settings and store failures.
pub async fn export(globals: &Globals, args: &crate::cli::ExportArgs) -> Result<u8, AppError> {
    crate::export::run(globals, args).await
}
