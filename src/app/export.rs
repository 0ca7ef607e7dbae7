//! `basis export TABLE`: hands over to [`crate::export`].

use super::AppError;
use crate::settings::Globals;

/// `basis export TABLE`: see [`crate::export`].
///
/// # Errors
/// Settings and store failures.
pub async fn export(globals: &Globals, args: &crate::cli::ExportArgs) -> Result<u8, AppError> {
    crate::export::run(globals, args).await
}
