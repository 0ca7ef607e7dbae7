//! Bitget margin tiers (pure): the position-lever tiers of a perp, by USDT notional, into [`MarginTier`]s.
//!
//! `GET /api/v2/mix/market/query-position-lever?symbol=BTCUSDT&productType=USDT-FUTURES` (no
//! key; 20 requests / s) answers `data[]` of `{symbol, level, startUnit, endUnit, leverage,
//! keepMarginRate}` (strings; units are notional in the quote coin). The initial rate is
//! `1 / leverage`; Bitget charges `keepMarginRate` on the whole position (no deduction).
//! `symbol` is required, so basis asks only for the perps the declared accounts hold.

use std::collections::BTreeSet;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::model::{Market, Reference};
use crate::parse::{WireDec, WireText};
use crate::venue::kit::{self, Endpoint};
use crate::venue::margin::{self, Tiers};
use crate::venue::{Body, ParseError, Request};

/// The position-lever tiers of one symbol.
pub const POSITION_LEVER: Endpoint = Endpoint {
    name: "query-position-lever",
    host: super::HOST,
    path: "/api/v2/mix/market/query-position-lever",
    weight: super::WEIGHT,
    docs: "https://www.bitget.com/api-doc/contract/position/Get-Query-Position-Lever",
};

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
struct Row<'a> {
    symbol: WireText<'a>,
    start_unit: WireDec,
    leverage: WireDec,
    keep_margin_rate: WireDec,
}

/// One request per perp of `held` that `reference` lists, with its product type (by quote).
#[must_use]
pub fn requests(reference: &Reference, held: &BTreeSet<String>) -> Vec<Request> {
    reference
        .instruments
        .iter()
        .filter(|i| i.market == Market::Perp)
        .filter(|i| held.iter().any(|h| h.eq_ignore_ascii_case(&i.symbol)))
        .filter_map(|i| {
            let product = super::PRODUCTS.iter().find(|p| p.quote == i.quote)?;
            Some(
                POSITION_LEVER
                    .request()
                    .query("symbol", i.symbol.clone())
                    .query("productType", product.product_type),
            )
        })
        .collect()
}

/// The tiers in the position-lever bodies: floor `startUnit`, rate `keepMarginRate`.
///
/// # Errors
/// A [`ParseError`] naming the endpoint when a body is not its JSON or carries an error code.
pub fn parse(bodies: &[Body<'_>]) -> Result<Tiers, ParseError> {
    let pages = kit::each_body(bodies, POSITION_LEVER.name, false, |b| {
        super::parse::BITGET.tier_rows::<Row<'_>>(POSITION_LEVER.name, b)
    })?;
    Ok(margin::grouped(pages.iter().flatten().filter_map(|row| {
        let im = kit::positive(row.leverage.get()).and_then(|l| Decimal::ONE.checked_div(l));
        let tier = margin::tier(row.start_unit.get()?, row.keep_margin_rate.get()?, im);
        Some((row.symbol.get()?.to_owned(), tier))
    })))
}
