//! The command layer: one file per command, each wiring settings to store, pollers, analyzer
//! and reporters; [`exit`] codes and [`AppError`] here, the plumbing they share in `shared`.

mod accounts;
mod backfill;
mod config;
mod db;
mod demo;
mod export;
mod history;
mod notify;
pub mod plan;
mod plot;
mod poll;
pub mod positions;
mod scan;
mod shared;
mod venues;
mod watch;

use crate::inputs::InputsError;
use crate::notify::flow::FlowError;
use crate::poll::PollError;
use crate::settings::SettingsError;
use crate::store::StoreError;

pub use backfill::backfill;
pub use config::config;
pub use db::db;
pub use export::export;
pub use history::history;
pub use notify::notify;
pub use poll::poll;
pub use scan::scan;
pub use shared::series_progress;
pub use venues::venues;
pub use watch::watch;

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

impl From<FlowError> for AppError {
    fn from(e: FlowError) -> Self {
        match e {
            FlowError::Store(e) => AppError::from(e),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<InputsError> for AppError {
    fn from(e: InputsError) -> Self {
        match e {
            InputsError::Store(e) => AppError::from(e),
            other => AppError::Internal(other.to_string()),
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
