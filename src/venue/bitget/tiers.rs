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

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default, borrow)]
    code: WireText<'a>,
    #[serde(default, borrow)]
    msg: WireText<'a>,
    #[serde(default, borrow)]
    data: Vec<Row<'a>>,
}

#[derive(Deserialize)]
struct Row<'a> {
    #[serde(default, borrow)]
    symbol: WireText<'a>,
    #[serde(rename = "startUnit", default)]
    start_unit: WireDec,
    #[serde(default)]
    leverage: WireDec,
    #[serde(rename = "keepMarginRate", default)]
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
        let env: Envelope<'_> = kit::decode(POSITION_LEVER.name, b)?;
        if env.code.get().is_some_and(|c| c != "00000") {
            return Err(ParseError::new(
                POSITION_LEVER.name,
                format!(
                    "Bitget answered code {} ({})",
                    env.code.as_str(),
                    env.msg.as_str()
                ),
            ));
        }
        Ok(env.data)
    })?;
    Ok(margin::grouped(pages.iter().flatten().filter_map(|row| {
        let im = kit::positive(row.leverage.get()).and_then(|l| Decimal::ONE.checked_div(l));
        let tier = margin::tier(row.start_unit.get()?, row.keep_margin_rate.get()?, im);
        Some((row.symbol.get()?.to_owned(), tier))
    })))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::model::Venue;
    use crate::venue::testkit::dec as d;

    const FIXTURE: &str = include_str!("../../../fixtures/bitget/query-position-lever.json");

    #[test]
    fn position_lever_tiers_to_the_decimal() {
        let request = POSITION_LEVER.request();
        let tiers =
            margin::parse_one(Venue::Bitget, &request, FIXTURE, &Reference::default()).unwrap();
        let row = |t: &crate::model::account::MarginTier| {
            (t.floor, t.maintenance_rate, t.cum, t.initial_rate)
        };
        assert_eq!(
            tiers["BTCUSDT"].iter().map(row).collect::<Vec<_>>(),
            [
                (d("0"), d("0.004"), d("0"), Some(d("0.008"))),
                (d("150000"), d("0.005"), d("0"), Some(d("0.01"))),
                (d("750000"), d("0.01"), d("0"), Some(d("0.02"))),
            ]
        );
    }

    #[test]
    fn error_codes_and_malformed_bodies_name_the_endpoint() {
        let request = POSITION_LEVER.request();
        for body in [
            "<html>",
            r#"{"code":"40034","msg":"Parameter does not exist","data":[]}"#,
            r#"{"code":"00000","data":"x"}"#,
        ] {
            let err = margin::parse_one(Venue::Bitget, &request, body, &Reference::default())
                .unwrap_err();
            assert!(err.to_string().contains("query-position-lever"), "{err}");
        }
    }
}
