//! `basis positions` and `positions ack`: declared accounts valued at the latest prices, their alerts, wired from settings to poll, store, analyzer, report and sinks.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::accounts::{account_venues, notify_error, value_accounts};
use super::demo::demo_if;
use super::{AppError, exit};
use crate::analyze::positions::collateral_price;
use crate::cli::{ListFormat, PositionsArgs, PositionsCommand};
use crate::model::account::Account;
use crate::model::{Snapshot, Venue, is_stablecoin};
use crate::poll::{VenueOutcome, load_latest, poll_venues};
use crate::settings::{self, ProcessEnv, Settings, SettingsError};
use chrono::Utc;

/// The accounts to value: `--positions FILE`, else the config's `[[account]]` tables; none is
/// a configuration error (78) saying where to declare them.
fn declared(settings: &Settings, file: Option<&std::path::Path>) -> Result<Vec<Account>, AppError> {
    let accounts = match file {
        Some(path) => settings::accounts::load(path)?,
        None => settings.accounts.clone(),
    };
    if accounts.is_empty() {
        let origin = match (file, settings.config_path.as_ref()) {
            (Some(p), _) => format!("positions file {}", p.display()),
            (None, Some(p)) => format!("config file {}", p.display()),
            (None, None) => "configuration (no config file)".to_owned(),
        };
        return Err(AppError::Settings(SettingsError::Invalid {
            origin,
            key: "[[account]]".into(),
            value: String::new(),
            reason: "no account is declared; add an [[account]] table (see the README, \"Positions\") or pass --positions FILE".into(),
        }));
    }
    Ok(accounts)
}

/// `basis positions [ack ACCOUNT]`. Returns the exit code: 1 when a venue failed, an account
/// could not be priced or a sink failed; 69 when no account could be priced.
///
/// # Errors
/// Settings (78 for a bad account), store and internal failures.
pub async fn run(globals: &settings::Globals, args: &PositionsArgs) -> Result<u8, AppError> {
    let mut settings = settings::build(globals, &args.poll, None, &ProcessEnv)?;
    let accounts = declared(&settings, args.positions.as_deref())?;
    if let Some(PositionsCommand::Ack { account }) = &args.command {
        return ack(&settings, &accounts, account).await;
    }
    settings.override_hold(args.hold.as_deref())?;
    let demo = demo_if(args.poll.demo, &mut settings).await?;
    let store = super::shared::open_store(&settings.data_dir).await?;
    let venues: Vec<Venue> = account_venues(&accounts);
    let outcomes = if args.offline {
        load_latest(&store, &venues).await?
    } else {
        let mut ctx = super::shared::poll_context(&settings, store.clone(), false)?;
        ctx.held = super::shared::held_symbols(&accounts);
        poll_venues(Arc::new(ctx), &venues).await?
    };
    super::shared::report_venue_problems(&outcomes);
    let mut code = if outcomes.iter().any(VenueOutcome::failed) {
        exit::PARTIAL
    } else {
        exit::OK
    };
    let views = value_accounts(&settings, &store, &accounts, outcomes).await?;
    for v in &views {
        for m in &v.missing {
            tracing::error!(account = %v.account.name, "{m}");
        }
    }
    let priced = views.iter().filter(|v| v.figures.is_some()).count();
    if priced < views.len() {
        code = code.max(exit::PARTIAL);
    }
    if args.notify {
        let mut disabled = HashSet::new();
        if crate::notify::accounts::run(
            &store,
            &settings.sinks,
            &settings.notify,
            &views,
            demo.is_some(),
            &mut disabled,
        )
        .await
        .map_err(notify_error)?
        .failed
        {
            code = code.max(exit::PARTIAL);
        }
    }
    let hold = settings.params.hold_days;
    let bytes = match args.format {
        ListFormat::Table => crate::report::positions::table(&views, hold),
        ListFormat::Json => crate::report::positions::json(&views, hold, Utc::now())
            .map_err(|e| AppError::Internal(e.to_string()))?,
    };
    super::shared::write_stdout(&bytes)?;
    super::shared::close_store(store).await?;
    drop(demo);
    if priced == 0 {
        tracing::error!(
            "no account could be priced: check the venues' status above, the symbols and coins of the accounts, or run without --offline"
        );
        return Ok(exit::UNAVAILABLE);
    }
    Ok(code)
}

/// `basis positions ack ACCOUNT`: the account's collateral reference prices become the latest
/// stored prices (no polling).
async fn ack(settings: &Settings, accounts: &[Account], name: &str) -> Result<u8, AppError> {
    let Some(account) = accounts.iter().find(|a| a.name == name) else {
        let known: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
        return Err(AppError::Settings(SettingsError::Invalid {
            origin: settings::COMMAND_LINE.into(),
            key: "positions ack ACCOUNT".into(),
            value: name.to_owned(),
            reason: format!("no such account; declared: {}", known.join(", ")),
        }));
    };
    let store = super::shared::open_store(&settings.data_dir).await?;
    let snapshots: Vec<Snapshot> = load_latest(&store, &Venue::ALL)
        .await?
        .into_iter()
        .filter_map(|o| o.snapshot)
        .collect();
    let mut refs = BTreeMap::new();
    let mut lines = String::new();
    for c in account
        .collateral
        .iter()
        .filter(|c| !is_stablecoin(&c.coin))
    {
        match collateral_price(&snapshots, account.venue, &c.coin) {
            Some(p) => {
                lines.push_str(&format!(
                    "{}: {} reference price is now {}\n",
                    account.name,
                    c.coin,
                    p.normalize()
                ));
                refs.insert(c.coin.clone(), p);
            }
            None => tracing::warn!(
                account = %account.name,
                "{}: no stored price; its reference is set the next time `basis positions` prices it",
                c.coin
            ),
        }
    }
    let (s, n) = (store.clone(), account.name.clone());
    super::shared::blocking_store(move || s.put_account_references(&n, &refs)).await?;
    super::shared::write_stdout(lines.as_bytes())?;
    super::shared::close_store(store).await?;
    Ok(exit::OK)
}
