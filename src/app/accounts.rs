//! Declared accounts valued from polled or stored prices (shared by `positions`, `plan`, `scan --notify` and `watch`): the market, the history, the collateral reference prices, the alerts sent.

use std::collections::{BTreeMap, HashSet};

use rust_decimal::Decimal;

use super::AppError;
use crate::analyze::positions::{AccountView, collateral_price, evaluate};
use crate::model::account::Account;
use crate::model::{Snapshot, Venue, is_stablecoin};
use crate::poll::{VenueOutcome, load_latest};
use crate::settings::Settings;
use crate::store::Store;

pub(crate) fn notify_error(e: crate::notify::flow::FlowError) -> AppError {
    match e {
        crate::notify::flow::FlowError::Store(e) => AppError::from(e),
        other => AppError::Internal(other.to_string()),
    }
}

/// `scan --notify` and `watch`: the declared accounts' alerts from the prices the scan just
/// stored (no second poll), sent before the opportunity digest. Returns whether a sink failed
/// and the lines of what the sinks accepted (the quiet summary's first lines).
///
/// # Errors
/// Store failures and an HTTP client that cannot be built.
pub(crate) async fn notify_accounts(
    settings: &Settings,
    store: &Store,
    demo: bool,
    disabled: &mut HashSet<String>,
) -> Result<crate::notify::flow::Outcome, AppError> {
    if settings.accounts.is_empty() || settings.sinks.is_empty() {
        return Ok(crate::notify::flow::Outcome::default());
    }
    let outcomes = load_latest(store, &account_venues(&settings.accounts)).await?;
    let views = value_accounts(settings, store, &settings.accounts, outcomes).await?;
    for v in &views {
        for m in &v.missing {
            tracing::warn!(account = %v.account.name, "not priced: {m}");
        }
    }
    crate::notify::accounts::run(
        store,
        &settings.sinks,
        &settings.notify,
        &views,
        demo,
        disabled,
    )
    .await
    .map_err(notify_error)
}

/// The accounts' venues, in venue-table order, once each.
pub(crate) fn account_venues(accounts: &[Account]) -> Vec<Venue> {
    let mut venues: Vec<Venue> = accounts.iter().map(|a| a.venue).collect();
    venues.sort();
    venues.dedup();
    venues
}

/// Values `accounts` at the prices of `outcomes` (polled or loaded): the venues' haircut and
/// maintenance tables as a scan uses them, stored snapshots of the other venues when a
/// collateral coin has no price on its account's venue, each account's funding history, and its
/// collateral reference prices (recorded the first time a coin is seen).
///
/// # Errors
/// Store failures.
pub(crate) async fn value_accounts(
    settings: &Settings,
    store: &Store,
    accounts: &[Account],
    outcomes: Vec<VenueOutcome>,
) -> Result<Vec<AccountView>, AppError> {
    let (params, snapshots) = market(settings, store, outcomes, accounts).await?;
    let mut views = Vec::with_capacity(accounts.len());
    for account in accounts {
        let references = references(store, account, &snapshots).await?;
        let own: Vec<Snapshot> = snapshots
            .iter()
            .filter(|s| s.venue == account.venue)
            .map(|s| Snapshot {
                perps: s
                    .perps
                    .iter()
                    .filter(|p| {
                        account
                            .positions
                            .iter()
                            .any(|q| q.symbol.eq_ignore_ascii_case(&p.symbol))
                    })
                    .cloned()
                    .collect(),
                spots: s.spots.clone(),
                ..s.clone()
            })
            .collect();
        let coin = match account.collateral.as_slice() {
            [one] => one.coin.clone(),
            _ => settings.params.collateral.clone(),
        };
        let history = crate::inputs::load_history(store, &own, &coin).await?;
        views.push(evaluate(
            account,
            &snapshots,
            &params,
            &history,
            &references,
        ));
    }
    Ok(views)
}

/// The market a valuation reads: the scan's parameters with the venues' haircut and maintenance
/// tables, and the snapshots of `outcomes` plus, when a collateral coin of `accounts` has no
/// price there, the stored snapshots of the other venues.
///
/// # Errors
/// Store failures.
pub(crate) async fn market(
    settings: &Settings,
    store: &Store,
    mut outcomes: Vec<VenueOutcome>,
    accounts: &[Account],
) -> Result<(crate::analyze::Params, Vec<Snapshot>), AppError> {
    let params = crate::inputs::venue_params(settings, &mut outcomes);
    let mut snapshots: Vec<Snapshot> = outcomes.into_iter().filter_map(|o| o.snapshot).collect();
    let unpriced = accounts.iter().any(|a| {
        a.collateral
            .iter()
            .any(|c| collateral_price(&snapshots, a.venue, &c.coin).is_none())
    });
    if unpriced {
        let have: Vec<Venue> = snapshots.iter().map(|s| s.venue).collect();
        let others: Vec<Venue> = Venue::ALL
            .into_iter()
            .filter(|v| !have.contains(v))
            .collect();
        snapshots.extend(
            load_latest(store, &others)
                .await?
                .into_iter()
                .filter_map(|o| o.snapshot),
        );
    }
    Ok((params, snapshots))
}

/// The reference price of each volatile collateral coin of `account`; a coin seen for the first
/// time (with a price) is recorded at its current price.
async fn references(
    store: &Store,
    account: &Account,
    snapshots: &[Snapshot],
) -> Result<BTreeMap<String, Decimal>, AppError> {
    let (s, name) = (store.clone(), account.name.clone());
    let mut refs = super::shared::blocking_store(move || s.account_references(&name)).await?;
    let mut changed = false;
    for c in account
        .collateral
        .iter()
        .filter(|c| !is_stablecoin(&c.coin))
    {
        if refs.contains_key(&c.coin) {
            continue;
        }
        if let Some(p) = collateral_price(snapshots, account.venue, &c.coin) {
            refs.insert(c.coin.clone(), p);
            changed = true;
        }
    }
    if changed {
        let (s, name, r) = (store.clone(), account.name.clone(), refs.clone());
        super::shared::blocking_store(move || s.put_account_references(&name, &r)).await?;
    }
    Ok(refs)
}
