//! dYdX margin tiers (pure): each market's `initialMarginFraction` and `maintenanceMarginFraction` as one [`MarginTier`].
//!
//! `GET /v4/perpetualMarkets` (fetched for the reference anyway) gives per market the base
//! initial and maintenance fractions (strings). dYdX v4 has no position-size tiers (its initial
//! fraction grows with the market's open interest instead), so every market is one tier.

use serde::Deserialize;

use crate::parse::{WireDec, WireText};
use crate::venue::kit;
use crate::venue::margin::{self, Tiers};
use crate::venue::{Body, ParseError};

#[derive(Deserialize)]
struct Markets<'a> {
    #[serde(default, borrow)]
    markets: std::collections::BTreeMap<String, Market<'a>>,
}

#[derive(Deserialize)]
struct Market<'a> {
    #[serde(default, borrow)]
    ticker: WireText<'a>,
    #[serde(rename = "initialMarginFraction", default)]
    initial: WireDec,
    #[serde(rename = "maintenanceMarginFraction", default)]
    maintenance: WireDec,
}

/// Every market's one tier.
///
/// # Errors
/// A [`ParseError`] naming `perpetualMarkets` when the body is not its JSON.
pub fn parse(bodies: &[Body<'_>]) -> Result<Tiers, ParseError> {
    let pages = kit::each_body(bodies, super::PERPETUAL_MARKETS.name, false, |b| {
        kit::decode::<Markets<'_>>(super::PERPETUAL_MARKETS.name, b)
    })?;
    Ok(margin::grouped(
        pages
            .iter()
            .flat_map(|p| &p.markets)
            .filter_map(|(key, m)| {
                let tier = margin::tier(
                    rust_decimal::Decimal::ZERO,
                    m.maintenance.get()?,
                    m.initial.get(),
                );
                Some((m.ticker.get().unwrap_or(key).to_owned(), tier))
            }),
    ))
}
