//! `basis config show`: the settings in effect, secrets masked.

use super::shared::write_stdout;
use super::{AppError, exit};
use crate::cli::{ConfigArgs, ConfigCommand, VenueArgs};
use crate::settings::{self, Globals, ProcessEnv};

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
