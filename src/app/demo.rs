//! `--demo`: the simulator's loopback server with synthetic markets and a temporary store.

#[cfg(feature = "demo")]
use std::time::Duration;

#[cfg(feature = "demo")]
use chrono::Utc;

use super::AppError;
#[cfg(feature = "demo")]
use crate::demo::Universe;
#[cfg(feature = "demo")]
use crate::demo::server::{Server, mounted};
use crate::settings::Settings;
#[cfg(feature = "demo")]
use crate::venue::adapter;

/// The demo environment: a loopback server with synthetic markets, and a temporary store
/// unless `--data-dir` named one to keep.
#[cfg(feature = "demo")]
pub(super) struct Demo {
    _server: Server,
    _dir: Option<tempfile::TempDir>,
}

/// Markets per venue in the demo.
#[cfg(feature = "demo")]
pub(super) const DEMO_PERPS: usize = 320;
#[cfg(feature = "demo")]
pub(super) const DEMO_SPOTS: usize = 260;

/// A build without the simulator (no `demo` feature) has no demo environment: none can exist.
#[cfg(not(feature = "demo"))]
pub(super) struct Demo(std::convert::Infallible);

#[cfg(not(feature = "demo"))]
impl Drop for Demo {
    fn drop(&mut self) {
        match self.0 {}
    }
}

/// With `--demo` (`on`): starts the simulator and points `settings` at it ([`start_demo`]).
///
/// # Errors
/// As [`start_demo`].
pub(super) async fn demo_if(on: bool, settings: &mut Settings) -> Result<Option<Demo>, AppError> {
    if on {
        start_demo(settings).await.map(Some)
    } else {
        Ok(None)
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
        Some(crate::settings::Source::Flag(_))
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
