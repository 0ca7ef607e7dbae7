//! Candidates, filters and the deterministic order of opportunities.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use super::Context;
use super::carry::{self, Book, Economics};
use super::risk::{PerpLeg, Position, Side};
use crate::model::{Kind, Leg, Market, Opportunity, PerpQuote, Snapshot, SpotQuote, Venue};

/// An opportunity before ranking, with what its safe leverage needs.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The row; `rank` and `safe_leverage` are filled in by [`finish`].
    pub opportunity: Opportunity,
    /// Its leveraged legs.
    pub position: Position,
}

/// The `--assets` filter: upper-case coins, empty = everything.
fn asset_filter(assets: &[String]) -> HashSet<String> {
    assets
        .iter()
        .map(|a| a.trim().to_ascii_uppercase())
        .filter(|a| !a.is_empty())
        .collect()
}

/// `liq_prob` as a `Decimal` for the `Decimal` APR maths (values below 1e-28 count as 0).
fn prob_decimal(p: f64) -> Decimal {
    if p < 1e-28 {
        Decimal::ZERO
    } else {
        Decimal::from_f64(p).unwrap_or(Decimal::ONE)
    }
}

/// The smaller of two legs' 24 h quote volumes; `None` if either is unknown.
fn min_volume(a: Option<Decimal>, b: Option<Decimal>) -> Option<Decimal> {
    Some(a?.min(b?))
}

/// Whether a row passes `--min-volume` (0 disables; unknown volume fails a positive minimum).
fn volume_ok(volume: Option<Decimal>, min: Decimal) -> bool {
    min <= Decimal::ZERO || volume.is_some_and(|v| v >= min)
}

/// Every `carry` candidate: a perp with `r > 0` and `h > 0` against each spot market of the same
/// venue, asset and quote, both books positive and uncrossed, filtered by `--assets` and
/// `--min-volume`. Candidates without a `σ_A`, or with a volatile collateral that has no spot
/// market anywhere, are skipped silently.
pub(crate) fn carry_candidates(snapshots: &[Snapshot], ctx: &Context<'_>) -> Vec<Candidate> {
    let assets = asset_filter(&ctx.params.assets);
    let wanted = |asset: &str| assets.is_empty() || assets.contains(&asset.to_ascii_uppercase());

    let mut spots: HashMap<(Venue, &str, &str), Vec<(&SpotQuote, Book)>> = HashMap::new();
    for spot in snapshots.iter().flat_map(|s| &s.spots) {
        if !wanted(&spot.asset) {
            continue;
        }
        if let Some(book) = Book::new(spot.bid, spot.ask, Decimal::ONE) {
            spots
                .entry((spot.venue, spot.asset.as_str(), spot.quote.as_str()))
                .or_default()
                .push((spot, book));
        }
    }

    let mut out = Vec::new();
    for perp in snapshots.iter().flat_map(|s| &s.perps) {
        if perp.funding_rate <= Decimal::ZERO
            || perp.funding_interval_hours <= Decimal::ZERO
            || !wanted(&perp.asset)
        {
            continue;
        }
        let Some(matches) = spots.get(&(perp.venue, perp.asset.as_str(), perp.quote.as_str()))
        else {
            continue;
        };
        let Some(perp_book) = Book::of_perp(perp) else {
            continue;
        };
        for (spot, spot_book) in matches {
            let volume = min_volume(spot.volume_24h_quote, perp.volume_24h_quote);
            if !volume_ok(volume, ctx.params.min_volume_usd) {
                continue;
            }
            if let Some(c) = carry(perp, perp_book, spot, *spot_book, volume, ctx) {
                out.push(c);
            }
        }
    }
    out
}

/// One `carry` row: long `spot` at its ask, short `perp` at its bid (per unit), on one venue.
fn carry(
    perp: &PerpQuote,
    perp_book: Book,
    spot: &SpotQuote,
    spot_book: Book,
    volume: Option<Decimal>,
    ctx: &Context<'_>,
) -> Option<Candidate> {
    let costs = ctx.params.costs_for(perp.venue);
    let hold = ctx.params.hold_days;
    let econ = Economics::new(
        perp.funding_rate,
        perp.funding_interval_hours,
        hold,
        (spot_book, costs.spot_taker_fee),
        (perp_book, costs.perp_taker_fee),
    )?;
    let leg = PerpLeg {
        side: Side::Short,
        sigma_a: ctx.sigma_a(perp)?,
        collateral: ctx.collateral_for(&perp.asset, perp.venue, &perp.quote)?,
        haircut: ctx.haircut,
        maintenance_margin: rust_decimal::prelude::ToPrimitive::to_f64(&costs.maintenance_margin)?,
    };
    let position = Position::short_only(leg);
    let liq_prob = position.liq_prob(ctx.leverage, ctx.years);
    let risk_adj = carry::risk_adjusted_apr(
        econ.net_apr,
        prob_decimal(liq_prob),
        costs.liquidation_fee,
        econ.cost,
        hold,
    )?;
    let opportunity = Opportunity {
        rank: 0,
        kind: Kind::Carry,
        asset: perp.asset.clone(),
        quote: perp.quote.clone(),
        long: Leg {
            venue: spot.venue,
            market: Market::Spot,
            symbol: spot.symbol.clone(),
            price: spot_book.ask.normalize(),
        },
        short: Leg {
            venue: perp.venue,
            market: Market::Perp,
            symbol: perp.symbol.clone(),
            price: perp_book.bid.normalize(),
        },
        funding_rate: perp.funding_rate,
        funding_interval_hours: perp.funding_interval_hours,
        next_funding_time: perp.next_funding_time,
        funding_apr_pct: carry::to_pct(econ.funding_apr)?,
        basis_pct: carry::round6(econ.basis_pct),
        cost_pct: carry::to_pct(econ.cost)?,
        net_apr_pct: carry::to_pct(econ.net_apr)?,
        liq_prob,
        risk_adj_apr_pct: carry::to_pct(risk_adj)?,
        safe_leverage: Decimal::ZERO,
        volume_24h_usd: volume,
    };
    Some(Candidate {
        opportunity,
        position,
    })
}

/// The ranking order: `risk_adj_apr_pct` descending, `net_apr_pct` descending, then the short
/// leg's venue id and symbol, the kind id, the long leg's venue id and symbol ascending (ids
/// compared as text), and finally every other field, so equal keys still order
/// deterministically. Compares the reported (rounded) values, the same ones `--min-apr` sees.
#[must_use]
pub fn compare(a: &Opportunity, b: &Opportunity) -> Ordering {
    b.risk_adj_apr_pct
        .cmp(&a.risk_adj_apr_pct)
        .then_with(|| b.net_apr_pct.cmp(&a.net_apr_pct))
        .then_with(|| a.short.venue.id().cmp(b.short.venue.id()))
        .then_with(|| a.short.symbol.cmp(&b.short.symbol))
        .then_with(|| a.kind.id().cmp(b.kind.id()))
        .then_with(|| a.long.venue.id().cmp(b.long.venue.id()))
        .then_with(|| a.long.symbol.cmp(&b.long.symbol))
        .then_with(|| tie_break(a, b))
}

/// The rest of the fields, for rows whose ranking keys are all equal (duplicated input).
fn tie_break(a: &Opportunity, b: &Opportunity) -> Ordering {
    a.asset
        .cmp(&b.asset)
        .then_with(|| a.quote.cmp(&b.quote))
        .then_with(|| a.short.market.cmp(&b.short.market))
        .then_with(|| a.long.market.cmp(&b.long.market))
        .then_with(|| a.short.price.cmp(&b.short.price))
        .then_with(|| a.long.price.cmp(&b.long.price))
        .then_with(|| a.funding_rate.cmp(&b.funding_rate))
        .then_with(|| a.funding_interval_hours.cmp(&b.funding_interval_hours))
        .then_with(|| a.next_funding_time.cmp(&b.next_funding_time))
        .then_with(|| a.funding_apr_pct.cmp(&b.funding_apr_pct))
        .then_with(|| a.basis_pct.cmp(&b.basis_pct))
        .then_with(|| a.cost_pct.cmp(&b.cost_pct))
        .then_with(|| a.liq_prob.total_cmp(&b.liq_prob))
        .then_with(|| a.safe_leverage.cmp(&b.safe_leverage))
        .then_with(|| a.volume_24h_usd.cmp(&b.volume_24h_usd))
}

/// Applies `--min-apr`, computes `safe_leverage` for the rows that survive, sorts with
/// [`compare`] and numbers the rows from 1.
pub(crate) fn finish(candidates: Vec<Candidate>, ctx: &Context<'_>) -> Vec<Opportunity> {
    let min_apr = ctx.params.min_apr_pct;
    let mut out: Vec<Opportunity> = candidates
        .into_iter()
        .filter(|c| min_apr.is_none_or(|m| c.opportunity.risk_adj_apr_pct >= m))
        .map(|c| {
            let grid = c.position.safe_leverage(ctx.years, ctx.params.max_liq_prob);
            let mut o = c.opportunity;
            o.safe_leverage = Decimal::new(i64::from(grid), 2).normalize();
            o
        })
        .collect();
    out.sort_unstable_by(compare);
    for (i, o) in out.iter_mut().enumerate() {
        o.rank = i + 1;
    }
    out
}
