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

use crate::model::{Market, Reference};
use crate::parse::{WireDec, WireText};
use crate::venue::kit::{self, Endpoint};
use crate::venue::margin::{self, Tiers};
use crate::venue::{Body, ParseError, Request};

/// The public position tiers.
pub const POSITION_TIERS: Endpoint = Endpoint {
    name: "position-tiers",
    host: "main",
    path: "/api/v5/public/position-tiers",
    weight: 2,
    docs: "https://www.okx.com/docs-v5/en/#public-data-rest-api-get-position-tiers",
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
    #[serde(rename = "instFamily", default, borrow)]
    inst_family: WireText<'a>,
    #[serde(rename = "maxSz", default)]
    max_sz: WireDec,
    #[serde(default)]
    mmr: WireDec,
    #[serde(default)]
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
        let env: Envelope<'_> = kit::decode(POSITION_TIERS.name, b)?;
        if env.code.get().is_some_and(|c| c != "0") {
            return Err(ParseError::new(
                POSITION_TIERS.name,
                format!(
                    "OKX answered code {} ({})",
                    env.code.as_str(),
                    env.msg.as_str()
                ),
            ));
        }
        Ok(env.data)
    })?;
    let mut caps: BTreeMap<String, Vec<(Decimal, Decimal, Option<Decimal>)>> = BTreeMap::new();
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
            .push((cap * size, m, row.imr.get()));
    }
    Ok(margin::grouped(caps.into_iter().flat_map(
        |(symbol, mut rows)| {
            rows.sort_by_key(|r| r.0);
            let mut floor = Decimal::ZERO;
            rows.into_iter()
                .map(|(cap, m, im)| {
                    let t = margin::tier(floor, m, im);
                    floor = cap;
                    (symbol.clone(), t)
                })
                .collect::<Vec<_>>()
        },
    )))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::model::Venue;
    use crate::venue::testkit::dec as d;

    const FIXTURE: &str = include_str!("../../../fixtures/okx/position-tiers-swap.json");

    fn reference() -> Reference {
        let body = include_str!("../../../fixtures/okx/instruments-swap.json");
        let request = crate::venue::Request::get(super::super::INSTRUMENTS_SWAP, "main", "/", 1);
        let spot = include_str!("../../../fixtures/okx/instruments-spot.json");
        let request_spot =
            crate::venue::Request::get(super::super::INSTRUMENTS_SPOT, "main", "/", 1);
        super::super::parse::reference(&[
            Body {
                request: &request,
                bytes: body.as_bytes(),
            },
            Body {
                request: &request_spot,
                bytes: spot.as_bytes(),
            },
        ])
        .unwrap()
    }

    #[test]
    fn position_tiers_give_floors_in_coins_and_the_tier_rates() {
        let r = reference();
        let request = &requests(&r, &["btc-usdt-swap".to_owned()].into())[0];
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
        let tiers = margin::parse_one(Venue::Okx, request, FIXTURE, &r).unwrap();
        let btc = &tiers["BTC-USDT-SWAP"];
        let row = |t: &crate::model::account::MarginTier| {
            (t.floor, t.maintenance_rate, t.cum, t.initial_rate)
        };
        // ctVal 0.01 BTC: 2,000 contracts are 20 BTC.
        assert_eq!(
            btc.iter().map(row).collect::<Vec<_>>(),
            [
                (d("0"), d("0.004"), d("0"), Some(d("0.01"))),
                (d("20"), d("0.006"), d("0"), Some(d("0.013333"))),
                (d("40"), d("0.01"), d("0"), Some(d("0.02"))),
            ]
        );
        assert!(
            requests(&r, &BTreeSet::new()).is_empty(),
            "nothing held, nothing asked"
        );
    }

    #[test]
    fn error_codes_and_malformed_bodies_name_the_endpoint() {
        let r = reference();
        let request = POSITION_TIERS.request();
        for body in [
            "<html>",
            r#"{"code":"51001","msg":"Instrument ID does not exist","data":[]}"#,
            r#"{"code":"0","data":{"x":1}}"#,
        ] {
            let err = margin::parse_one(Venue::Okx, &request, body, &r).unwrap_err();
            assert!(err.to_string().contains("position-tiers"), "{err}");
        }
    }
}
