//! `basis plan carry|hedge|long`: wires settings, poll (or store), stored funding history, the pure plan ([`crate::analyze::plan`]) and its report.

use std::sync::Arc;

use rust_decimal::Decimal;

use super::demo::demo_if;
use super::{AppError, exit};
use crate::analyze::plan::{self, CarryRequest, PlanError};
use crate::cli::{ListFormat, PlanArgs, PlanCommand};
use crate::poll::{load_latest, poll_venues};
use crate::report::plan as out;
use crate::settings::{self, ProcessEnv};

/// `basis plan …`. Exit 0, or 69 when the market asked for is not in the data.
///
/// # Errors
/// Settings, store and internal failures.
pub async fn run(globals: &settings::Globals, args: &PlanArgs) -> Result<u8, AppError> {
    let mut settings = settings::build(globals, &args.poll, None, &ProcessEnv)?;
    settings.override_hold(args.hold.as_deref())?;
    let demo = demo_if(args.poll.demo, &mut settings).await?;
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
            plan::carry(&snapshots, &params, &history, &req)
                .map(|p| render(&p, json, out::carry_json, out::carry_table))
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
        .map(|p| render(&p, json, out::hedge_json, out::hedge_table)),
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
        .map(|p| render(&p, json, out::long_json, out::long_table)),
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

/// A plan as JSON (`--format json`) or as its table.
fn render<P>(
    plan: &P,
    json: bool,
    as_json: fn(&P) -> Result<Vec<u8>, serde_json::Error>,
    as_table: fn(&P) -> Vec<u8>,
) -> Result<Vec<u8>, serde_json::Error> {
    if json {
        as_json(plan)
    } else {
        Ok(as_table(plan))
    }
}
