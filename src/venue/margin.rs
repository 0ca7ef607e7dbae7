//! Margin tiers from the venues (pure): per venue, the extra requests of its public tier table, their paging, and the parse of the reference and tier bodies into tiers per perp.
//!
//! Where each venue's tiers come from (each venue's `tiers.rs` names the documentation):
//!
//! | venue | source | requests |
//! |---|---|---|
//! | Bybit | `/v5/market/risk-limit?category=linear` | paged by cursor (15 symbols a page), hourly with the reference |
//! | OKX | `/api/v5/public/position-tiers?instType=SWAP&tdMode=cross&instFamily=…` | per instrument family, only for the perps a declared account holds |
//! | Bitget | `/api/v2/mix/market/query-position-lever?symbol=…&productType=…` | per symbol, only for the perps a declared account holds |
//! | Gate | contract list (`maintenance_rate`, `risk_limit_base`, `risk_limit_step`, `risk_limit_max`, `leverage_max`) | none: the reference's own bodies |
//! | MEXC | contract detail (`maintenanceMarginRate`, `riskBaseVol`, `riskIncrVol`, `riskIncrMmr`, …) | none: the reference's own bodies |
//! | Hyperliquid | `meta` (`marginTables`, each perp's `marginTableId`) | none: the reference's own body |
//! | dYdX | `perpetualMarkets` (`initialMarginFraction`, `maintenanceMarginFraction`) | none: one tier per market |
//! | Kraken | `instruments` (`marginLevels`) | none: the reference's own body |
//! | Binance, BingX, Deribit | no public table (Binance's brackets need a key) | none: config, else the flat default |
//!
//! A failing tier request or body never fails the reference: the caller warns and keeps the
//! venue's flat rate (or the tiers cached before).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::{Body, ParseError, Request};
use crate::model::account::{MarginTable, MarginTier};
use crate::model::{Reference, Venue};

/// Tiers by venue symbol.
pub type Tiers = BTreeMap<String, Vec<MarginTier>>;

/// Requests beyond the reference's own of `venue`'s tier table: bulk where the venue has a
/// bulk endpoint, else one per perp of `held` (the symbols the declared accounts hold there)
/// that `reference` lists.
#[must_use]
pub fn requests(venue: Venue, reference: &Reference, held: &BTreeSet<String>) -> Vec<Request> {
    match venue {
        Venue::Bybit => super::bybit::tiers::requests(),
        Venue::Okx => super::okx::tiers::requests(reference, held),
        Venue::Bitget => super::bitget::tiers::requests(reference, held),
        _ => Vec::new(),
    }
}

/// The next page of a tier request, if any.
///
/// # Errors
/// A [`ParseError`] naming the endpoint when the body is not its JSON.
pub fn next_page(
    venue: Venue,
    request: &Request,
    body: &[u8],
) -> Result<Option<Request>, ParseError> {
    match venue {
        Venue::Bybit => super::bybit::tiers::next_page(request, body),
        _ => Ok(None),
    }
}

/// The tiers of `venue` in `bodies` (the reference's bodies and those of [`requests`]); tables
/// a venue publishes that cannot be used (see [`MarginTable::new`]) are left out, symbol by
/// symbol.
///
/// # Errors
/// A [`ParseError`] naming the endpoint when a tier body is not its JSON.
pub fn parse(
    venue: Venue,
    bodies: &[Body<'_>],
    reference: &Reference,
) -> Result<Tiers, ParseError> {
    let tiers = match venue {
        Venue::Bybit => super::bybit::tiers::parse(bodies)?,
        Venue::Okx => super::okx::tiers::parse(bodies, reference)?,
        Venue::Bitget => super::bitget::tiers::parse(bodies)?,
        Venue::Gate => super::gate::tiers::parse(bodies)?,
        Venue::Mexc => super::mexc::tiers::parse(bodies)?,
        Venue::Hyperliquid => super::hyperliquid::tiers::parse(bodies)?,
        Venue::Dydx => super::dydx::tiers::parse(bodies)?,
        Venue::Kraken => super::kraken::tiers::parse(bodies)?,
        _ => Tiers::new(),
    };
    Ok(usable(tiers))
}

/// Whether `venue`'s tier floors are position sizes in coins of the asset rather than USD
/// notionals (OKX's and MEXC's tiers are by contracts; basis stores them as contracts × the
/// contract size): the user multiplies them by the mark price.
#[must_use]
pub fn floors_in_coins(venue: Venue) -> bool {
    matches!(venue, Venue::Okx | Venue::Mexc)
}

/// The tables of `tiers` sorted by floor, those [`MarginTable::new`] accepts.
fn usable(tiers: Tiers) -> Tiers {
    tiers
        .into_iter()
        .filter_map(|(symbol, mut rows)| {
            rows.sort_by_key(|t| t.floor);
            MarginTable::new(rows.clone()).ok().map(|_| (symbol, rows))
        })
        .collect()
}

/// Tiers from rows of `(floor, maintenance rate, initial rate)` whose maintenance applies in
/// slices (the venue deducts nothing explicitly but the margin is continuous across a floor):
/// each tier's `cum` is the previous tier's plus `floor × (m − m_previous)`, so that `N m − cum`
/// meets the previous tier's value at the floor. Rows are sorted by floor first.
#[must_use]
pub fn continuous(mut rows: Vec<(Decimal, Decimal, Option<Decimal>)>) -> Vec<MarginTier> {
    rows.sort_by_key(|r| r.0);
    let mut out: Vec<MarginTier> = Vec::with_capacity(rows.len());
    for (floor, maintenance_rate, initial_rate) in rows {
        let cum = out.last().map_or(Decimal::ZERO, |prev| {
            prev.cum + floor * (maintenance_rate - prev.maintenance_rate)
        });
        out.push(MarginTier {
            floor,
            maintenance_rate,
            cum,
            initial_rate,
        });
    }
    out
}

/// Tiers grouped by symbol, in row order (sorted by [`parse`]).
pub fn grouped(rows: impl IntoIterator<Item = (String, MarginTier)>) -> Tiers {
    let mut tiers = Tiers::new();
    for (symbol, tier) in rows {
        tiers.entry(symbol).or_default().push(tier);
    }
    tiers
}

/// A tier from 0 of rate `m` and initial rate `im`, no deduction (its floor set later).
#[must_use]
pub fn tier(
    floor: Decimal,
    maintenance_rate: Decimal,
    initial_rate: Option<Decimal>,
) -> MarginTier {
    MarginTier {
        floor,
        maintenance_rate,
        cum: Decimal::ZERO,
        initial_rate,
    }
}

/// What [`parse`] keeps of one `body` of `request` on `venue`, for the parsers' tests.
#[cfg(test)]
pub(crate) fn parse_one(
    venue: Venue,
    request: &Request,
    body: &str,
    reference: &Reference,
) -> Result<Tiers, ParseError> {
    parse(
        venue,
        &[Body {
            request,
            bytes: body.as_bytes(),
        }],
        reference,
    )
}

/// The first tier's maintenance rate of every table (what a scan uses for `m`).
#[must_use]
pub fn first_rates(tiers: &Tiers) -> BTreeMap<String, Decimal> {
    tiers
        .iter()
        .filter_map(|(s, t)| Some((s.clone(), t.first()?.maintenance_rate)))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    use crate::venue::testkit::dec as d;

    #[test]
    fn continuous_tiers_meet_at_each_floor() {
        let tiers = continuous(vec![
            (d("500000"), d("0.01"), None),
            (d("0"), d("0.005"), Some(d("0.01"))),
            (d("2000000"), d("0.02"), None),
        ]);
        assert_eq!(tiers[0].cum, d("0"));
        assert_eq!(tiers[1].cum, d("2500"), "500,000 × (0.01 − 0.005)");
        assert_eq!(tiers[2].cum, d("22500"), "2,500 + 2,000,000 × 0.01");
        // At each floor both tiers give the same maintenance.
        for pair in tiers.windows(2) {
            let n = pair[1].floor;
            assert_eq!(
                n * pair[0].maintenance_rate - pair[0].cum,
                n * pair[1].maintenance_rate - pair[1].cum
            );
        }
    }

    #[test]
    fn the_scan_takes_the_first_tier_and_accounts_the_table_below_the_config() {
        use crate::analyze::{Params, VenueTiers};
        let table = continuous(vec![
            (d("0"), d("0.005"), Some(d("0.01"))),
            (d("20"), d("0.01"), None),
        ]);
        let mut params = Params {
            venue_maintenance: [(
                Venue::Okx,
                [("BTC-USDT-SWAP".to_owned(), d("0.003"))].into(),
            )]
            .into(),
            venue_tiers: [(
                Venue::Okx,
                VenueTiers {
                    floors_in_coins: floors_in_coins(Venue::Okx),
                    tiers: [("BTC-USDT-SWAP".to_owned(), table)].into(),
                },
            )]
            .into(),
            ..Params::default()
        };
        // Tiers beat the flat published rate; floors in coins scale by the mark.
        assert_eq!(
            params.maintenance_on(Venue::Okx, "BTC-USDT-SWAP"),
            d("0.005")
        );
        let t = params.margin_table_on(Venue::Okx, "BTC-USDT-SWAP", d("100000"));
        assert_eq!(t.tiers()[1].floor, d("2000000"));
        assert_eq!(t.tier_for(d("2500000")).maintenance_rate, d("0.01"));
        // Another symbol: the default.
        assert_eq!(
            params.maintenance_on(Venue::Okx, "ETH-USDT-SWAP"),
            d("0.004")
        );
        // The configured rate beats both.
        params.maintenance_configured.insert(Venue::Okx);
        params.costs.insert(
            Venue::Okx,
            crate::analyze::VenueCosts {
                maintenance_margin: d("0.02"),
                ..crate::analyze::VenueCosts::default_for(Venue::Okx)
            },
        );
        assert_eq!(
            params.maintenance_on(Venue::Okx, "BTC-USDT-SWAP"),
            d("0.02")
        );
        let t = params.margin_table_on(Venue::Okx, "BTC-USDT-SWAP", d("100000"));
        assert_eq!(t.tiers().len(), 1);
        assert_eq!(t.tier(0).maintenance_rate, d("0.02"));
    }

    #[test]
    fn unusable_tables_are_left_out_symbol_by_symbol() {
        let good = continuous(vec![(d("0"), d("0.005"), None)]);
        let bad = continuous(vec![(d("10"), d("0.005"), None)]);
        let out = usable([("A".to_owned(), good.clone()), ("B".to_owned(), bad)].into());
        assert_eq!(out, Tiers::from([("A".to_owned(), good)]));
        assert_eq!(first_rates(&out)["A"], d("0.005"));
    }
}
