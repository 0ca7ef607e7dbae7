//! dYdX margin tiers (pure): each market's `initialMarginFraction` and `maintenanceMarginFraction` as one [`MarginTier`].
//!
//! `GET /v4/perpetualMarkets` (fetched for the reference anyway) gives per market the base
//! initial and maintenance fractions (strings). dYdX v4 has no position-size tiers (its initial
//! fraction grows with the market's open interest instead), so every market is one tier.

use rust_decimal::Decimal;

use super::parse::symbol;
use super::wire::DydxPerpetualMarkets;
use crate::venue::margin::{self, Tiers};
use crate::venue::rows;
use crate::venue::{Body, ParseError};

/// Every market's one tier.
///
/// # Errors
/// A [`ParseError`] naming `perpetualMarkets` when the body is not its JSON.
pub fn parse(bodies: &[Body<'_>]) -> Result<Tiers, ParseError> {
    let name = super::PERPETUAL_MARKETS.name;
    let pages: Vec<DydxPerpetualMarkets<'_>> = rows::tier_pages(bodies, name)?;
    Ok(margin::grouped(
        pages
            .iter()
            .filter_map(|p| p.markets.as_ref())
            .flat_map(|m| &m.0)
            .filter_map(|(key, m)| {
                let tier = margin::tier(
                    Decimal::ZERO,
                    m.maintenance_margin_fraction.get()?,
                    m.initial_margin_fraction.get(),
                );
                Some((symbol(key.as_str(), m)?.to_owned(), tier))
            }),
    ))
}
