//! `basis notify test`: a labelled test message to every sink (or one); a scan's notifications
//! are [`crate::notify::flow`].

use chrono::Utc;

use super::shared::{blocking_store, close_store, open_store, write_stdout};
use super::{AppError, exit};
use crate::cli::{NotifyArgs, NotifyCommand, VenueArgs};
use crate::notify::Sink;
use crate::notify::deliver::Sender;
use crate::notify::message::{self, Digest};
use crate::settings::{self, Globals, ProcessEnv, SettingsError};
use crate::store::StoreError;

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
