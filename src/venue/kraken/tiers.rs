//! Kraken Futures margin tiers (pure): the multi-collateral perps' `marginLevels` into [`MarginTier`]s.
//!
//! `GET /derivatives/api/v3/instruments` (fetched for the reference anyway) gives per
//! instrument `marginLevels[] {numNonContractUnits | contracts, initialMargin,
//! maintenanceMargin}` (JSON numbers). Flexible futures (`PF_…`) state the floor as
//! `numNonContractUnits`, a USD notional; inverse ones (`contracts`) are not perps basis trades
//! and are left out. Kraken applies each level to the part of the position above its floor, so
//! the deduction keeps the maintenance continuous ([`margin::continuous`]).

use serde::Deserialize;

use crate::parse::{WireDec, WireText};
use crate::venue::kit;
use crate::venue::margin::{self, Tiers};
use crate::venue::{Body, ParseError};

#[derive(Deserialize)]
struct Instruments<'a> {
    #[serde(default, borrow)]
    instruments: Vec<Instrument<'a>>,
}

#[derive(Deserialize)]
struct Instrument<'a> {
    #[serde(default, borrow)]
    symbol: WireText<'a>,
    #[serde(rename = "marginLevels", default)]
    margin_levels: Vec<Level>,
}

#[derive(Deserialize)]
struct Level {
    #[serde(rename = "numNonContractUnits", default)]
    floor: WireDec,
    #[serde(rename = "initialMargin", default)]
    initial: WireDec,
    #[serde(rename = "maintenanceMargin", default)]
    maintenance: WireDec,
}

/// Every flexible future's tiers.
///
/// # Errors
/// A [`ParseError`] naming `instruments` when the body is not its JSON.
pub fn parse(bodies: &[Body<'_>]) -> Result<Tiers, ParseError> {
    let pages = kit::each_body(bodies, super::INSTRUMENTS.name, false, |b| {
        kit::decode::<Instruments<'_>>(super::INSTRUMENTS.name, b)
    })?;
    let mut out = Tiers::new();
    for inst in pages.iter().flat_map(|p| &p.instruments) {
        let rows: Option<Vec<_>> = inst
            .margin_levels
            .iter()
            .map(|l| Some((l.floor.get()?, l.maintenance.get()?, l.initial.get())))
            .collect();
        if let (Some(symbol), Some(rows)) = (inst.symbol.get(), rows.filter(|r| !r.is_empty())) {
            out.insert(symbol.to_owned(), margin::continuous(rows));
        }
    }
    Ok(out)
}
