//! OKX margin tiers (pure): public position tiers of a swap's instrument family (cross margin), by contracts, into [`MarginTier`]s with floors in coins.
//!
//! `GET /api/v5/public/position-tiers?instType=SWAP&tdMode=cross&instFamily=BTC-USDT` (no key;
//! 10 requests / 2 s, so weight 2 on the host bucket) answers `data[]` of `{instFamily, tier,
//! minSz, maxSz, mmr, imr, maxLever, …}` (strings; `instId` is `""` for swaps). Sizes are in
//! contracts: a tier's floor is the previous tier's `maxSz` × the swap's `ctVal` (coins; see
//! [`crate::venue::margin::floors_in_coins`]). OKX charges the tier's `mmr` on the whole
//! position (no deduction). `instFamily` is required, so basis asks only for the families the
//! declared accounts hold, with the instrument lists.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::model::account::MarginTier;
use crate::model::{Market, Reference};
use crate::parse::{WireDec, WireText};
use crate::venue::kit::{self, Endpoint};
use crate::venue::margin::{self, Tiers};
use crate::venue::rows;
use crate::venue::{Body, ParseError, Request};

/// The public position tiers.
pub const POSITION_TIERS: Endpoint = Endpoint {
    name: "position-tiers",
    host: "main",
    path: "/api/v5/public/position-tiers",
    weight: 2,
    docs: "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-position-tiers",
};

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
struct Row<'a> {
    inst_family: WireText<'a>,
    max_sz: WireDec,
    mmr: WireDec,
    imr: WireDec,
}

/// One request per instrument family of the swaps of `held` that `reference` lists.
#[must_use]
pub fn requests(reference: &Reference, held: &BTreeSet<String>) -> Vec<Request> {
    let families: BTreeSet<&str> = reference
        .instruments
        .iter()
        .filter(|i| {
            i.market == Market::Perp && held.iter().any(|h| h.eq_ignore_ascii_case(&i.symbol))
        })
        .filter_map(|i| i.symbol.strip_suffix("-SWAP"))
        .collect();
    families
        .into_iter()
        .map(|f| {
            POSITION_TIERS
                .request()
                .query("instType", "SWAP")
                .query("tdMode", "cross")
                .query("instFamily", f)
        })
        .collect()
}

/// The tiers of every swap in the position-tier bodies, floors in coins (`maxSz` of the tier
/// below × `ctVal` from `reference`); families whose swap `reference` does not list are left out.
///
/// # Errors
/// A [`ParseError`] naming the endpoint when a body is not its JSON or carries an error code.
pub fn parse(bodies: &[Body<'_>], reference: &Reference) -> Result<Tiers, ParseError> {
    let ct_val: BTreeMap<&str, Decimal> = reference
        .instruments
        .iter()
        .filter(|i| i.market == Market::Perp)
        .map(|i| (i.symbol.as_str(), i.contract_size))
        .collect();
    let pages = kit::each_body(bodies, POSITION_TIERS.name, false, |b| {
        super::parse::OKX.tier_rows::<Row<'_>>(POSITION_TIERS.name, b)
    })?;
    let mut caps: BTreeMap<String, Vec<(Decimal, MarginTier)>> = BTreeMap::new();
    for row in pages.iter().flatten() {
        let (Some(family), Some(cap), Some(m)) =
            (row.inst_family.get(), row.max_sz.get(), row.mmr.get())
        else {
            continue;
        };
        let symbol = format!("{family}-SWAP");
        let Some(size) = ct_val.get(symbol.as_str()) else {
            continue;
        };
        caps.entry(symbol)
            .or_default()
            .push((cap * size, margin::tier(Decimal::ZERO, m, row.imr.get())));
    }
    Ok(margin::grouped(caps.into_iter().flat_map(
        |(symbol, rows)| {
            rows::floors_from_caps(rows)
                .into_iter()
                .map(move |(floor, tier)| (symbol.clone(), MarginTier { floor, ..tier }))
        },
    )))
}

#[cfg(test)]
mod tests {
    //! OKX's own requests (by instrument family, for what is held); what its tiers parse to is
    //! pinned by `crate::venue::rows`'s tier suite.

    use super::*;
    use crate::model::Venue;
    use crate::venue::conformance::reference_from;

    #[test]
    fn position_tiers_are_asked_by_the_family_of_what_is_held() {
        let parts = [
            (
                super::super::SWAP_INSTRUMENTS.name,
                include_str!("../../../fixtures/okx/instruments-swap.json"),
            ),
            (
                super::super::SPOT_INSTRUMENTS.name,
                include_str!("../../../fixtures/okx/instruments-spot.json"),
            ),
        ];
        let r = reference_from(Venue::Okx, &parts);
        let asked = requests(&r, &["btc-usdt-swap".to_owned()].into());
        let [request] = asked.as_slice() else {
            panic!("one family held: {asked:?}");
        };
        assert_eq!(
            request.query,
            [
                ("instType", "SWAP".to_owned()),
                ("tdMode", "cross".to_owned()),
                ("instFamily", "BTC-USDT".to_owned())
            ]
        );
        assert_eq!(
            (request.path.as_str(), request.weight),
            ("/api/v5/public/position-tiers", 2)
        );
        assert!(
            requests(&r, &BTreeSet::new()).is_empty(),
            "nothing held, nothing asked"
        );
    }
}
