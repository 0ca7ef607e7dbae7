//! Gate margin tiers (pure): the USDT contract list's risk-limit fields into [`MarginTier`]s.
//!
//! `GET /api/v4/futures/usdt/contracts` (fetched for the reference anyway) gives per contract
//! `maintenance_rate` (first tier), `leverage_max`, `risk_limit_step` and `risk_limit_max`
//! (USDT notional; strings). Each step of `risk_limit_step` up to `risk_limit_max` adds one
//! `maintenance_rate` to the maintenance rate and one `1 / leverage_max` to the initial rate
//! (Gate's stepped risk limits, as ccxt emulates them); Gate states no deduction with these
//! fields, so a tier's rate applies to the whole position. The per-contract
//! `/futures/usdt/risk_limit_tiers` (with deductions) is not asked: one request per contract.

use rust_decimal::Decimal;

use super::wire::GateContract;
use crate::venue::margin::{self, Tiers};
use crate::venue::{Body, ParseError};
use crate::venue::{kit, rows};

/// Most tiers basis builds for one contract (Gate's tables have a few dozen at most).
const MAX_TIERS: usize = 100;

fn steps(c: &GateContract<'_>) -> Option<Vec<crate::model::account::MarginTier>> {
    let m = kit::positive(c.maintenance_rate.get())?;
    let im = kit::positive(c.leverage_max.get()).and_then(|l| Decimal::ONE.checked_div(l));
    let (Some(step), Some(max)) = (
        kit::positive(c.risk_limit_step.get()),
        kit::positive(c.risk_limit_max.get()),
    ) else {
        return Some(vec![margin::tier(Decimal::ZERO, m, im)]);
    };
    let mut out = Vec::new();
    let mut floor = Decimal::ZERO;
    while floor < max && out.len() < MAX_TIERS {
        let k = Decimal::from(out.len() + 1);
        out.push(margin::tier(floor, m * k, im.map(|im| im * k)));
        floor += step;
    }
    Some(out)
}

/// Every contract's stepped tiers.
///
/// # Errors
/// A [`ParseError`] naming `contracts` when a page is not its JSON.
pub fn parse(bodies: &[Body<'_>]) -> Result<Tiers, ParseError> {
    let pages: Vec<Vec<GateContract<'_>>> = rows::tier_pages(bodies, super::CONTRACTS.name)?;
    Ok(pages
        .iter()
        .flatten()
        .filter_map(|c| Some((c.name.get()?.to_owned(), steps(c)?)))
        .collect())
}
