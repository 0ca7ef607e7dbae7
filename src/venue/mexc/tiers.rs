//! MEXC margin tiers (pure): the contract detail's risk-limit steps into [`MarginTier`]s with floors in coins.
//!
//! `GET /api/v1/contract/detail` (fetched for the reference anyway; JSON numbers) gives per
//! contract `maintenanceMarginRate` and `initialMarginRate` (first level), `riskBaseVol` (the
//! first level's size, contracts), `riskIncrVol` (each further level's size), `riskIncrMmr` and
//! `riskIncrImr` (what each level adds to the rates) and `riskLevelLimit` (how many levels).
//! Level `k` starts at `riskBaseVol + (k − 1) riskIncrVol` contracts, × `contractSize` in coins
//! (see [`crate::venue::margin::floors_in_coins`]); MEXC states no deduction, so the level's
//! rate applies to the whole position.

use super::wire::{MexcContractDetail, MexcEnvelope, MexcRows};
use crate::venue::margin::{self, Tiers};
use crate::venue::rows;
use crate::venue::{Body, ParseError};
use rust_decimal::Decimal;

/// One `contract/detail` body: every contract, or one.
type Page<'a> = MexcEnvelope<'a, MexcRows<MexcContractDetail<'a>>>;

/// The levels of one contract, when it states its first rates (one level without the steps).
fn levels(c: &MexcContractDetail<'_>) -> Option<Vec<crate::model::account::MarginTier>> {
    let (m0, im0) = (
        c.maintenance_margin_rate.get()?,
        c.initial_margin_rate.get(),
    );
    let size = c.contract_size.get().unwrap_or(Decimal::ONE);
    let steps = (
        c.risk_base_vol.get(),
        c.risk_incr_vol.get(),
        c.risk_incr_mmr.get().unwrap_or_default(),
        c.risk_incr_imr.get().unwrap_or_default(),
    );
    let count = c.risk_level_limit.get().unwrap_or(1).clamp(1, 100);
    let (Some(base), Some(incr), dm, dim) = steps else {
        return Some(vec![margin::tier(Decimal::ZERO, m0, im0)]);
    };
    Some(
        (0..count)
            .map(|k| {
                let k = Decimal::from(k);
                let floor = if k.is_zero() {
                    Decimal::ZERO
                } else {
                    (base + (k - Decimal::ONE) * incr) * size
                };
                margin::tier(floor, m0 + k * dm, im0.map(|im| im + k * dim))
            })
            .collect(),
    )
}

/// Every contract's levels.
///
/// # Errors
/// A [`ParseError`] naming `contract-detail` when the body is not its JSON.
pub fn parse(bodies: &[Body<'_>]) -> Result<Tiers, ParseError> {
    let pages: Vec<Page<'_>> = rows::tier_pages(bodies, super::CONTRACT_DETAIL.name)?;
    Ok(pages
        .iter()
        .filter_map(|p| p.data.as_ref())
        .flat_map(|rows| &rows.0)
        .filter_map(|c| Some((c.symbol.get()?.to_owned(), levels(c)?)))
        .collect())
}
