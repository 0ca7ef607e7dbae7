//! `basis plan carry|hedge|long`: wires settings, poll (or store), stored funding history, the pure plan ([`crate::analyze::plan`]) and its report.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::{AppError, exit};
use crate::analyze::plan::{self, CarryRequest, PlanError};
use crate::cli::{ListFormat, PlanArgs, PlanCommand};
use crate::poll::{load_latest, poll_venues};
use crate::report::plan as out;
use crate::settings::{self, ProcessEnv, SettingsError};

/// `basis plan …`. Exit 0, or 69 when the market asked for is not in the data.
///
/// # Errors
/// Settings, store and internal failures.
pub async fn run(globals: &settings::Globals, args: &PlanArgs) -> Result<u8, AppError> {
    let mut settings = settings::build(globals, &args.poll, None, &ProcessEnv)?;
    if let Some(h) = &args.hold {
        settings.params.hold_days =
            settings::value::hold_days(h).map_err(|reason| SettingsError::Invalid {
                origin: settings::COMMAND_LINE.into(),
                key: "--hold".into(),
                value: h.clone(),
                reason,
            })?;
    }
    let demo = if args.poll.demo {
        Some(super::demo::start_demo(&mut settings).await?)
    } else {
        None
    };
    let store = super::shared::open_store(&settings.data_dir).await?;
    let outcomes = if args.offline {
        load_latest(&store, &settings.venues).await?
    } else {
        let ctx = Arc::new(super::shared::poll_context(
            &settings,
            store.clone(),
            false,
        )?);
        poll_venues(ctx, &settings.venues).await?
    };
    super::shared::report_venue_problems(&outcomes);
    let (params, snapshots) = super::accounts::market(&settings, &store, outcomes, &[]).await?;
    // The collateral whose spot closes give σ_C and ρ (USDT for the hedge).
    let coin = match &args.command {
        PlanCommand::Carry { collateral, .. } => collateral.as_deref().unwrap_or("USDT"),
        PlanCommand::Hedge { .. } => "USDT",
        PlanCommand::Long { collateral, .. } => collateral.as_str(),
    };
    let history = crate::inputs::load_history(&store, &snapshots, coin).await?;
    let json = args.format == ListFormat::Json;
    let made: Result<Result<Vec<u8>, serde_json::Error>, PlanError> = match &args.command {
        PlanCommand::Carry {
            asset,
            notional,
            venue,
            spot_venue,
            collateral: _,
            collateral_amount,
            leverage,
        } => {
            let req = CarryRequest {
                asset: asset.clone(),
                notional: *notional,
                venue: *venue,
                spot_venue: *spot_venue,
                coin: coin.to_owned(),
                amount: *collateral_amount,
                leverage: leverage.unwrap_or(params.leverage),
            };
            plan::carry(&snapshots, &params, &history, &req).map(|p| {
                if json {
                    out::carry_json(&p)
                } else {
                    Ok(out::carry_table(&p))
                }
            })
        }
        PlanCommand::Hedge {
            asset,
            amount,
            days,
            leverage,
        } => plan::hedge(
            &snapshots,
            &params,
            &history,
            (asset, *amount),
            Decimal::from(*days),
            leverage.unwrap_or(params.leverage),
        )
        .map(|p| {
            if json {
                out::hedge_json(&p)
            } else {
                Ok(out::hedge_table(&p))
            }
        }),
        PlanCommand::Long {
            asset,
            notional,
            collateral_amount,
            venue,
            ..
        } => plan::long(
            &snapshots,
            &params,
            &history,
            (asset, *notional),
            (coin, *collateral_amount),
            *venue,
        )
        .map(|p| {
            if json {
                out::long_json(&p)
            } else {
                Ok(out::long_table(&p))
            }
        }),
    };
    super::shared::close_store(store).await?;
    drop(demo);
    match made {
        Ok(bytes) => {
            let bytes = bytes.map_err(|e| AppError::Internal(e.to_string()))?;
            super::shared::write_stdout(&bytes)?;
            Ok(exit::OK)
        }
        Err(why) => {
            tracing::error!("{why}");
            Ok(exit::UNAVAILABLE)
        }
    }
}
