//! Kraken Futures margin tiers (pure): the multi-collateral perps' `marginLevels` into [`MarginTier`]s.
//!
//! `GET /derivatives/api/v3/instruments` (fetched for the reference anyway) gives per
//! instrument `marginLevels[] {numNonContractUnits | contracts, initialMargin,
//! maintenanceMargin}` (JSON numbers). Flexible futures (`PF_…`) state the floor as
//! `numNonContractUnits`, a USD notional; inverse ones (`contracts`) are not perps basis trades
//! and are left out. Kraken applies each level to the part of the position above its floor, so
//! the deduction keeps the maintenance continuous ([`margin::continuous`]).

use super::wire::KrakenInstruments;
use crate::venue::margin::{self, Tiers};
use crate::venue::rows;
use crate::venue::{Body, ParseError};

/// Every flexible future's tiers.
///
/// # Errors
/// A [`ParseError`] naming `instruments` when the body is not its JSON.
pub fn parse(bodies: &[Body<'_>]) -> Result<Tiers, ParseError> {
    let pages: Vec<KrakenInstruments<'_>> = rows::tier_pages(bodies, super::INSTRUMENTS.name)?;
    Ok(pages
        .iter()
        .filter_map(|p| p.instruments.as_ref())
        .flatten()
        .filter_map(|inst| {
            let rows: Vec<_> = inst
                .margin_levels
                .iter()
                .flatten()
                .map(|l| {
                    let floor = l.num_non_contract_units.get()?;
                    Some((floor, l.maintenance_margin.get()?, l.initial_margin.get()))
                })
                .collect::<Option<_>>()?;
            let symbol = inst.symbol.get().filter(|_| !rows.is_empty())?;
            Some((symbol.to_owned(), margin::continuous(rows)))
        })
        .collect())
}
