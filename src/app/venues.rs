//! `basis venues`: hosts, last success and error, and bans of each venue (`--clear-ban`).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::shared::{close_store, open_store, poll_context, write_stdout};
use super::{AppError, exit};
use crate::cli::{VenueArgs, VenuesArgs};
use crate::model::Venue;
use crate::settings::{self, Globals, ProcessEnv};
use crate::store::StoreError;
use crate::venue::adapter;

#[derive(Serialize)]
pub(super) struct VenueInfo {
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
pub(super) struct HostInfo {
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
