//! Commands: `scan`, `poll`, `venues`, wired from settings to store, pollers, analyzer, reporters.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::{Format, PollArgs, ScanArgs, VenueArgs, VenuesArgs};
use crate::demo::Universe;
use crate::demo::server::{Server, mounted};
use crate::model::{Snapshot, Venue};
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
    /// Anything else.
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// The exit code for this error.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            AppError::Settings(_) => exit::CONFIG,
            AppError::Store(StoreError::Locked { .. }) => exit::TEMPFAIL,
            AppError::Store(_) => exit::IOERR,
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

async fn close_store(store: Store) -> Result<(), AppError> {
    tokio::task::spawn_blocking(move || store.close())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::from)
}

async fn open_store(dir: &Path) -> Result<Store, AppError> {
    let dir = dir.to_owned();
    tokio::task::spawn_blocking(move || Store::open(&dir))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::from)
}

/// The demo environment: a loopback server with synthetic markets and a temporary store.
struct Demo {
    _server: Server,
    _dir: tempfile::TempDir,
}

/// Markets per venue in the demo.
const DEMO_PERPS: usize = 320;
const DEMO_SPOTS: usize = 260;

async fn start_demo(settings: &mut Settings) -> Result<Demo, AppError> {
    let now_ms = Utc::now().timestamp_millis();
    let universes: Vec<Universe> = settings
        .venues
        .iter()
        .map(|&v| Universe::generate(v, DEMO_PERPS, DEMO_SPOTS, now_ms))
        .collect();
    let server = Server::start(mounted(&universes), Vec::new(), Duration::ZERO)
        .await
        .map_err(|e| {
            AppError::Internal(format!("cannot start the demo server on 127.0.0.1: {e}"))
        })?;
    for &venue in &settings.venues {
        if let Some(vs) = settings.venue_settings.get_mut(&venue) {
            for host in adapter(venue).hosts() {
                vs.urls.insert(host.key, server.base_url(venue, host.key));
            }
        }
    }
    let dir = tempfile::Builder::new()
        .prefix("basis-demo-")
        .tempdir()
        .map_err(|e| {
            AppError::Internal(format!("cannot create a temporary store for --demo: {e}"))
        })?;
    settings.data_dir = dir.path().to_owned();
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
        retention: settings.retention,
        full,
    })
}

fn venue_line(o: &VenueOutcome) -> VenueLine {
    let (status, error, banned_until) = match &o.status {
        VenueStatus::Ok => ("ok", None, None),
        VenueStatus::Error(e) => ("error", Some(e.clone()), None),
        VenueStatus::Banned(until) => (
            "banned",
            Some(format!(
                "banned until {}",
                until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )),
            Some(*until),
        ),
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
        Err(e) => Err(AppError::Internal(format!("cannot write to stdout: {e}"))),
    }
}

fn report_venue_problems(outcomes: &[VenueOutcome]) {
    for o in outcomes {
        match &o.status {
            VenueStatus::Error(e) => tracing::error!(venue = %o.venue, "{e}"),
            VenueStatus::Banned(until) => {
                tracing::warn!(venue = %o.venue, %until, "banned: skipped without a request")
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

/// `basis scan`: poll, analyze, render. Returns the exit code.
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
    let store = open_store(&settings.data_dir).await?;
    let mut outcomes = poll_or_load(&settings, &store, args.offline, false).await?;
    // Venue lines and the exit code first: then the snapshots move out (no second copy).
    let venue_lines: Vec<VenueLine> = outcomes.iter().map(venue_line).collect();
    let (code, hint) = outcome_code(&outcomes, !args.offline && demo.is_none());
    if args.format != Format::Table {
        report_venue_problems(&outcomes);
    }
    let snapshots: Vec<Snapshot> = outcomes
        .iter_mut()
        .filter_map(|o| o.snapshot.take())
        .collect();
    let mut opportunities = crate::analyze::analyze(&snapshots, &settings.params);
    drop(snapshots);
    let top = settings.top.or(match args.format {
        Format::Table => Some(30),
        Format::Json | Format::Csv => None,
    });
    if let Some(n) = top {
        opportunities.truncate(n);
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
            demo: demo.is_some(),
        },
        venues: venue_lines,
        opportunities,
    };
    match args.format {
        Format::Table => write_stdout(&crate::report::table::render(&report))?,
        Format::Csv => write_stdout(&crate::report::csv::render(&report))?,
        Format::Json => {
            // Streamed: with every candidate the document can be tens of MB.
            let stdout = std::io::stdout().lock();
            let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout);
            let written = crate::report::json::write(&report, &mut out)
                .and_then(|()| std::io::Write::flush(&mut out));
            match written {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(AppError::Internal(format!("cannot write to stdout: {e}"))),
            }
        }
    }
    drop(report);
    close_store(store).await?;
    if let Some(h) = hint {
        tracing::error!("{h}");
    }
    drop(demo);
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
    let store = open_store(&settings.data_dir).await?;
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
    let store = open_store(&settings.data_dir).await?;
    let now = Utc::now();
    let mut infos = Vec::new();
    for venue in Venue::ALL {
        let s = store.clone();
        let (record, ban) = tokio::task::spawn_blocking(move || {
            Ok::<_, StoreError>((s.venue_record(venue)?, s.banned_until(venue)?))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
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
            banned_until: ban.filter(|u| *u > now),
            last_requests: record.last_requests,
        });
    }
    let bytes = if args.format == Format::Json {
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
            if let Some(b) = i.banned_until {
                let _ = writeln!(
                    out,
                    "  banned until {}",
                    b.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                );
            }
            let _ = writeln!(out, "  requests in last poll: {}", i.last_requests);
        }
        out.into_bytes()
    };
    write_stdout(&bytes)?;
    close_store(store).await?;
    Ok(exit::OK)
}
