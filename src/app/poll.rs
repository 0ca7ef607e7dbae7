//! `basis poll`: poll every selected venue (full snapshot) and record it.

use super::AppError;
use super::demo::demo_if;
use super::shared::{
    close_store, open_for, outcome_code, poll_or_load, report_venue_problems, venue_line,
};
use crate::cli::PollArgs;
use crate::settings::{self, Globals, ProcessEnv};

/// `basis poll`: poll every selected venue (full snapshot) and record it.
///
/// # Errors
/// Settings, store and internal failures.
pub async fn poll(globals: &Globals, args: &PollArgs) -> Result<u8, AppError> {
    let mut settings = settings::build(globals, &args.poll, None, &ProcessEnv)?;
    let demo = demo_if(args.poll.demo, &mut settings).await?;
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
