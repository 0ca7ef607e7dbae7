//! Hyperliquid margin tiers (pure): `meta`'s margin tables and each perp's `marginTableId` into [`MarginTier`]s.
//!
//! `{"type":"meta"}` (fetched for the reference anyway) carries `marginTables`: `[[id,
//! {description, marginTiers: [{lowerBound, maxLeverage}]}]]` (bounds USDC notional, strings;
//! leverages numbers); each `universe` entry names its table by `marginTableId` (ids without a
//! table are one tier at the entry's own `maxLeverage`). Hyperliquid's rules: the initial rate is
//! `1 / maxLeverage`, the maintenance rate half of it, and the maintenance deduction is
//! `Σ lowerBound × (mmr_tier − mmr_previous)` over the tiers below ([`margin::continuous`]).

use std::collections::BTreeMap;

use super::wire::{HlMarginTable, HlMeta};
use crate::venue::margin::{self, Tiers};
use crate::venue::{Body, ParseError};
use crate::venue::{kit, rows};
use rust_decimal::Decimal;

/// `(floor, m, im)` of a tier of maximum leverage `lev`.
fn row(floor: Decimal, lev: Decimal) -> Option<(Decimal, Decimal, Option<Decimal>)> {
    let im = Decimal::ONE.checked_div(kit::positive(Some(lev))?)?;
    Some((floor, im / Decimal::TWO, Some(im)))
}

/// Every perp's tiers in the `meta` body.
///
/// # Errors
/// A [`ParseError`] naming `meta` when the body is not its JSON.
pub fn parse(bodies: &[Body<'_>]) -> Result<Tiers, ParseError> {
    let metas: Vec<HlMeta<'_>> = rows::tier_pages(bodies, super::META.name)?;
    let mut out = Tiers::new();
    for meta in &metas {
        let tables: BTreeMap<i64, &HlMarginTable> = meta
            .margin_tables
            .iter()
            .filter_map(|(id, t)| Some((id.get()?, t)))
            .collect();
        for asset in &meta.universe {
            let Some(name) = asset.name.get() else {
                continue;
            };
            let rows: Option<Vec<_>> =
                match asset.margin_table_id.get().and_then(|id| tables.get(&id)) {
                    Some(table) => table
                        .margin_tiers
                        .iter()
                        .map(|b| row(b.lower_bound.get()?, b.max_leverage.get()?))
                        .collect(),
                    None => asset
                        .max_leverage
                        .get()
                        .and_then(|lev| row(Decimal::ZERO, lev))
                        .map(|r| vec![r]),
                };
            if let Some(rows) = rows.filter(|r| !r.is_empty()) {
                out.insert(name.to_owned(), margin::continuous(rows));
            }
        }
    }
    Ok(out)
}
