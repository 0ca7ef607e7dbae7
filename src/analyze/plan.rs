//! `basis plan` scenarios (pure): the seed's carry, hedge and long trades valued as values before they are opened.
//!
//! Each plan is a one-position, one-coin account valued by [`super::positions::evaluate`] at
//! today's prices (entry = mark), plus the trade's economics:
//!
//! - funding over the horizon `H` received by the position, `F = −z M x 24 H`, where `x` is the
//!   per-hour rate the scan ranks with: the current `r / h` blended toward the perp's trailing
//!   mean by [`super::stats::expected_from_trend`] when its stored funding has a trend;
//! - carry: the round trip `cost = 2 (f_spot + s_spot + f_perp + s_perp)` of the notional
//!   ([`super::carry::Economics`]), `net = F − cost`, `net APR = net / N · 365 / H`, break-even
//!   days `cost / (F / H)` (none unless `F > 0`), and the risk-adjusted APR with the plan's own
//!   `liq_prob`;
//! - hedge: per venue, taker fee and half-spread in and out, `2 (f_perp + s_perp) N`, against `F`;
//! - long: funding paid over the horizon, the venue with the least paid first.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use super::carry::{self, Book, Economics};
use super::positions::{
    AccountView, CollateralFigures, PositionFigures, collateral_price, evaluate,
};
use super::{HistoryInputs, Params};
use crate::model::account::{Account, AlertThresholds, CollateralHolding, Position};
use crate::model::{Kind, PerpQuote, Snapshot, SpotQuote, Venue};

/// Why a plan cannot be made from the data.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    /// No market to plan on.
    #[error("{0}")]
    NoMarket(String),
    /// A price the valuation needs is missing.
    #[error("cannot value the trade: {0}")]
    Unpriced(String),
}

/// The funding a position receives over the horizon (negative: it pays).
#[derive(Clone, Debug, PartialEq)]
pub struct Funding {
    /// Current rate per interval.
    pub rate: Decimal,
    /// Interval, hours.
    pub interval_hours: Decimal,
    /// Per-hour rate used, `x`.
    pub expected_per_hour: Decimal,
    /// Whether `x` is the estimator's blend (else the current `r / h`).
    pub blended: bool,
    /// `F = −z M x 24 H`, USD.
    pub usd: Decimal,
}

/// What the margin maths says about the position: its figures, its one collateral coin's, and
/// `liq_prob` over the horizon.
#[derive(Clone, Debug, PartialEq)]
pub struct Risk {
    /// The position valued at today's mark.
    pub position: PositionFigures,
    /// The collateral coin.
    pub collateral: CollateralFigures,
    /// `liq_prob` over the horizon (`None`: no volatility source).
    pub liq_prob: Option<f64>,
}

/// The spot leg of a carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpotLeg {
    /// Venue the spot is bought on.
    pub venue: Venue,
    /// Its spot symbol.
    pub symbol: String,
    /// Coins bought (the perp short's size).
    pub coins: Decimal,
    /// Ask paid per coin.
    pub price: Decimal,
    /// `coins · price`.
    pub usd: Decimal,
}

/// `plan carry`: long spot, short perp margined by a collateral coin (the seed's allocation
/// table).
#[derive(Clone, Debug, PartialEq)]
pub struct CarryPlan {
    /// Asset.
    pub asset: String,
    /// Horizon, days.
    pub hold_days: Decimal,
    /// Notional of the perp short, USD.
    pub notional_usd: Decimal,
    /// Leverage of the short: notional over the collateral's market value.
    pub leverage: Decimal,
    /// The spot leg.
    pub spot: SpotLeg,
    /// Venue of the perp.
    pub perp_venue: Venue,
    /// Bid the short sells at.
    pub perp_price: Decimal,
    /// Margin and liquidation.
    pub risk: Risk,
    /// Funding over the horizon.
    pub funding: Funding,
    /// Round trip, USD.
    pub round_trip_usd: Decimal,
    /// `F − cost`, USD.
    pub net_usd: Decimal,
    /// Net APR, percent.
    pub net_apr_pct: Decimal,
    /// Net APR less the expected liquidation loss, percent (`None` without `liq_prob`).
    pub risk_adj_apr_pct: Option<Decimal>,
    /// Days of expected funding that pay the round trip (`None`: funding never pays it).
    pub break_even_days: Option<Decimal>,
}

/// One venue of `plan hedge`.
#[derive(Clone, Debug, PartialEq)]
pub struct HedgeRow {
    /// Venue.
    pub venue: Venue,
    /// Funding received over the horizon.
    pub funding: Funding,
    /// Taker fees and half-spreads in and out, USD.
    pub fees_usd: Decimal,
    /// `fees − F`, USD (negative: the hedge earns).
    pub cost_usd: Decimal,
    /// Margin and liquidation (USDT margin at the leverage).
    pub risk: Risk,
}

/// `plan hedge`: a short perp against a holding, per venue, cheapest first.
#[derive(Clone, Debug, PartialEq)]
pub struct HedgePlan {
    /// Asset.
    pub asset: String,
    /// Coins hedged.
    pub amount: Decimal,
    /// Horizon, days.
    pub days: Decimal,
    /// Leverage of the short.
    pub leverage: Decimal,
    /// Venues, cheapest first.
    pub rows: Vec<HedgeRow>,
}

/// `plan long`: a long perp margined by another coin.
#[derive(Clone, Debug, PartialEq)]
pub struct LongPlan {
    /// Asset.
    pub asset: String,
    /// Horizon, days.
    pub hold_days: Decimal,
    /// Notional, USD.
    pub notional_usd: Decimal,
    /// Notional over the collateral's market value.
    pub leverage: Decimal,
    /// Venue.
    pub venue: Venue,
    /// Margin and liquidation.
    pub risk: Risk,
    /// Funding received over the horizon (negative: paid).
    pub funding: Funding,
}

/// What `plan carry` asks for.
#[derive(Clone, Debug)]
pub struct CarryRequest {
    /// Asset.
    pub asset: String,
    /// Notional of the short, USD.
    pub notional: Decimal,
    /// Venue of the perp (else the scan's best carry row's).
    pub venue: Option<Venue>,
    /// Venue of the spot leg (else the perp's when it lists the pair, else the narrowest book).
    pub spot_venue: Option<Venue>,
    /// Collateral coin.
    pub coin: String,
    /// Collateral amount (else `notional / leverage` worth).
    pub amount: Option<Decimal>,
    /// Leverage when no amount is given.
    pub leverage: Decimal,
}

/// The linear perp of `asset` on `venue`: USDT first, then USDC, then USD.
#[must_use]
pub fn perp_on<'a>(snapshots: &'a [Snapshot], venue: Venue, asset: &str) -> Option<&'a PerpQuote> {
    snapshots
        .iter()
        .filter(|s| s.venue == venue)
        .flat_map(|s| &s.perps)
        .filter(|p| p.asset.eq_ignore_ascii_case(asset))
        .filter_map(|p| Some((usd_rank(&p.quote)?, p)))
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, p)| p)
}

fn usd_rank(quote: &str) -> Option<u8> {
    ["USDT", "USDC", "USD"]
        .iter()
        .position(|q| *q == quote)
        .and_then(|i| u8::try_from(i).ok())
}

/// The spot pair of `asset` on `venue` with a two-sided book: the perp's quote first, then
/// USDT, USDC, USD.
fn spot_on<'a>(
    snapshots: &'a [Snapshot],
    venue: Venue,
    asset: &str,
    quote: &str,
) -> Option<(&'a SpotQuote, Book)> {
    snapshots
        .iter()
        .filter(|s| s.venue == venue)
        .flat_map(|s| &s.spots)
        .filter(|s| s.asset.eq_ignore_ascii_case(asset))
        .filter_map(|s| {
            let rank = if s.quote == quote {
                0
            } else {
                usd_rank(&s.quote)? + 1
            };
            Some((rank, s, Book::new(s.bid, s.ask, Decimal::ONE)?))
        })
        .min_by_key(|(rank, _, _)| *rank)
        .map(|(_, s, b)| (s, b))
}

/// Mark per coin (book mid when no mark).
fn mark(p: &PerpQuote) -> Option<Decimal> {
    p.mark_price.or_else(|| p.mid()).map(|m| p.unit_price(m))
}

/// The per-hour rate the scan ranks `perp` with over `hold_days`: the estimator's blend of the
/// current `r / h` toward the stored trailing mean, else `r / h`; with whether it is blended.
#[must_use]
pub fn expected_per_hour(
    perp: &PerpQuote,
    history: &HistoryInputs,
    hold_days: Decimal,
) -> Option<(Decimal, bool)> {
    if perp.funding_interval_hours <= Decimal::ZERO {
        return None;
    }
    let current = perp.funding_rate.checked_div(perp.funding_interval_hours)?;
    let blended = history
        .settlements
        .get(&(perp.venue, perp.symbol.clone()))
        .and_then(|s| s.trend)
        .and_then(|t| super::stats::expected_from_trend(current, &t, hold_days))
        .map(|(x, _)| x);
    Some(blended.map_or((current, false), |x| (x, true)))
}

/// The funding a position of `size` coins at `mark` receives over `hold_days`.
fn funding(
    perp: &PerpQuote,
    history: &HistoryInputs,
    size: Decimal,
    mark: Decimal,
    hold_days: Decimal,
) -> Option<Funding> {
    let (x, blended) = expected_per_hour(perp, history, hold_days)?;
    let per_notional = carry::expected_funding_per_hour(x, hold_days)?;
    Some(Funding {
        rate: perp.funding_rate,
        interval_hours: perp.funding_interval_hours,
        expected_per_hour: x,
        blended,
        usd: -(size * mark) * per_notional,
    })
}

/// A one-position, one-coin account on `venue` valued at today's prices (entry = mark).
#[allow(clippy::too_many_arguments)]
fn risk(
    snapshots: &[Snapshot],
    params: &Params,
    history: &HistoryInputs,
    perp: &PerpQuote,
    size: Decimal,
    mark: Decimal,
    (coin, amount): (&str, Decimal),
    leverage: Option<Decimal>,
) -> Result<Risk, PlanError> {
    let account = Account {
        name: "plan".into(),
        venue: perp.venue,
        collateral: vec![CollateralHolding {
            coin: coin.to_ascii_uppercase(),
            amount,
        }],
        positions: vec![Position {
            symbol: perp.symbol.clone(),
            size,
            entry: mark,
            leverage,
            tiers: None,
        }],
        leverage: None,
        thresholds: AlertThresholds::default(),
    };
    let AccountView {
        figures,
        liq_prob,
        missing,
        ..
    } = evaluate(&account, snapshots, params, history, &BTreeMap::new());
    let f = figures.ok_or_else(|| PlanError::Unpriced(missing.join("; ")))?;
    let (Some(position), Some(collateral)) = (
        f.positions.into_iter().next(),
        f.collateral.into_iter().next(),
    ) else {
        return Err(PlanError::Unpriced("the position was not valued".into()));
    };
    Ok(Risk {
        position,
        collateral,
        liq_prob,
    })
}

fn no_perp(asset: &str, venue: Venue) -> PlanError {
    PlanError::NoMarket(format!(
        "no linear {asset} perp (USDT, USDC or USD) with a mark price on {venue} in the data; try another --venue, or `basis scan --assets {asset}`"
    ))
}

/// The perp venue of a carry: `--venue`, else the short leg of the scan's best `carry` or
/// `cross_carry` row for the asset (its spot leg on `--spot-venue` when given).
fn carry_venue(
    snapshots: &[Snapshot],
    params: &Params,
    history: &HistoryInputs,
    req: &CarryRequest,
) -> Result<Venue, PlanError> {
    if let Some(v) = req.venue {
        return Ok(v);
    }
    let ranking = super::analyze_with(
        snapshots,
        &Params {
            kinds: vec![Kind::Carry, Kind::CrossCarry],
            assets: vec![req.asset.clone()],
            collateral: req.coin.clone(),
            leverage: req.leverage,
            min_apr_pct: None,
            min_volume_usd: Decimal::ZERO,
            ..params.clone()
        },
        history,
    );
    ranking
        .iter()
        .find(|o| req.spot_venue.is_none_or(|w| o.long.venue == w))
        .map(|o| o.short.venue)
        .ok_or_else(|| {
            PlanError::NoMarket(format!(
                "no {} carry (spot long + perp short, funding > 0) in the data; pass --venue to plan one anyway, or see `basis scan --assets {}`",
                req.asset, req.asset
            ))
        })
}

/// The spot leg's venue and book: `--spot-venue`, else the perp's venue when it lists the pair,
/// else the venue with the narrowest spot book (venue-table order on ties).
fn carry_spot<'a>(
    snapshots: &'a [Snapshot],
    perp: &PerpQuote,
    spot_venue: Option<Venue>,
) -> Result<(&'a SpotQuote, Book), PlanError> {
    let on = |v: Venue| spot_on(snapshots, v, &perp.asset, &perp.quote);
    let found = match spot_venue {
        Some(w) => on(w),
        None => on(perp.venue).or_else(|| {
            Venue::ALL
                .into_iter()
                .filter_map(on)
                .min_by_key(|(_, b)| b.half_spread)
        }),
    };
    found.ok_or_else(|| {
        PlanError::NoMarket(format!(
            "no {} spot pair (USDT, USDC or USD) with a two-sided book on {} in the data; try another --spot-venue",
            perp.asset,
            spot_venue.map_or_else(|| "any venue".to_owned(), |w| w.to_string())
        ))
    })
}

/// `plan carry` at today's prices.
///
/// # Errors
/// [`PlanError`] when a market or a price is missing.
pub fn carry(
    snapshots: &[Snapshot],
    params: &Params,
    history: &HistoryInputs,
    req: &CarryRequest,
) -> Result<CarryPlan, PlanError> {
    let venue = carry_venue(snapshots, params, history, req)?;
    let asset = &req.asset;
    let perp = perp_on(snapshots, venue, asset).ok_or_else(|| no_perp(asset, venue))?;
    let m = mark(perp).ok_or_else(|| no_perp(asset, venue))?;
    let perp_book = Book::of_perp(perp).ok_or_else(|| no_perp(asset, venue))?;
    let (spot, spot_book) = carry_spot(snapshots, perp, req.spot_venue)?;
    let p_c = collateral_price(snapshots, venue, &req.coin).ok_or_else(|| {
        PlanError::Unpriced(format!(
            "{}: no spot price against USDT, USDC or USD on any venue polled",
            req.coin
        ))
    })?;
    let (amount, leverage) = match req.amount {
        Some(n) => (n, req.notional / (n * p_c)),
        None => (req.notional / req.leverage / p_c, req.leverage),
    };
    let coins = req.notional / m;
    let hold = params.hold_days;
    let risk = risk(
        snapshots,
        params,
        history,
        perp,
        -coins,
        m,
        (&req.coin, amount),
        Some(leverage),
    )?;
    let bad = || PlanError::Unpriced(format!("{} funding or fees overflow", perp.symbol));
    let funding = funding(perp, history, -coins, m, hold).ok_or_else(bad)?;
    let econ = Economics::new(
        perp.funding_rate,
        perp.funding_interval_hours,
        hold,
        (spot_book, params.costs_for(spot.venue).spot_taker_fee),
        (perp_book, params.costs_for(venue).perp_taker_fee),
    )
    .and_then(|e| e.with_expected_per_hour(funding.expected_per_hour, hold))
    .ok_or_else(bad)?;
    let round_trip_usd = econ.cost * req.notional;
    let net_usd = funding.usd - round_trip_usd;
    let risk_adj_apr_pct = risk.liq_prob.and_then(|p| {
        carry::risk_adjusted_apr(
            econ.net_apr,
            Decimal::from_f64(p)?,
            params.costs_for(venue).liquidation_fee,
            econ.cost,
            hold,
        )
        .map(|r| r * Decimal::ONE_HUNDRED)
    });
    let per_day = funding.usd / hold;
    Ok(CarryPlan {
        asset: perp.asset.to_ascii_uppercase(),
        hold_days: hold,
        notional_usd: req.notional,
        leverage,
        spot: SpotLeg {
            venue: spot.venue,
            symbol: spot.symbol.clone(),
            coins,
            price: spot_book.ask,
            usd: coins * spot_book.ask,
        },
        perp_venue: venue,
        perp_price: perp_book.bid,
        risk,
        break_even_days: (per_day > Decimal::ZERO).then(|| round_trip_usd / per_day),
        funding,
        round_trip_usd,
        net_usd,
        net_apr_pct: econ.net_apr * Decimal::ONE_HUNDRED,
        risk_adj_apr_pct,
    })
}

/// `plan hedge`: `amount` coins shorted for `days` on every venue listing a linear perp of
/// `asset`, margined by USDT at `leverage`, cheapest first (then venue-table order).
///
/// # Errors
/// [`PlanError::NoMarket`] when no venue lists the perp.
pub fn hedge(
    snapshots: &[Snapshot],
    params: &Params,
    history: &HistoryInputs,
    (asset, amount): (&str, Decimal),
    days: Decimal,
    leverage: Decimal,
) -> Result<HedgePlan, PlanError> {
    let params = Params {
        hold_days: days,
        ..params.clone()
    };
    let mut rows = Vec::new();
    for venue in Venue::ALL {
        let Some(perp) = perp_on(snapshots, venue, asset) else {
            continue;
        };
        let (Some(m), Some(book)) = (mark(perp), Book::of_perp(perp)) else {
            continue;
        };
        let Some(funding) = funding(perp, history, -amount, m, days) else {
            continue;
        };
        let n = amount * m;
        let fees_usd =
            Decimal::TWO * (params.costs_for(venue).perp_taker_fee + book.half_spread) * n;
        let Ok(risk) = risk(
            snapshots,
            &params,
            history,
            perp,
            -amount,
            m,
            ("USDT", n / leverage),
            Some(leverage),
        ) else {
            continue;
        };
        rows.push(HedgeRow {
            venue,
            cost_usd: fees_usd - funding.usd,
            funding,
            fees_usd,
            risk,
        });
    }
    if rows.is_empty() {
        return Err(PlanError::NoMarket(format!(
            "no linear {asset} perp with a two-sided book and a mark price in the data; check `basis venues` and --venues"
        )));
    }
    rows.sort_by(|a, b| a.cost_usd.cmp(&b.cost_usd).then(a.venue.cmp(&b.venue)));
    Ok(HedgePlan {
        asset: asset.to_ascii_uppercase(),
        amount,
        days,
        leverage,
        rows,
    })
}

/// `plan long`: a long of `notional` USD margined by `amount` of `coin`, on `venue`, else on
/// the venue paying the least funding over the horizon (then venue-table order).
///
/// # Errors
/// [`PlanError`] when no venue lists the perp or a price is missing.
pub fn long(
    snapshots: &[Snapshot],
    params: &Params,
    history: &HistoryInputs,
    (asset, notional): (&str, Decimal),
    (coin, amount): (&str, Decimal),
    venue: Option<Venue>,
) -> Result<LongPlan, PlanError> {
    let hold = params.hold_days;
    let candidates = Venue::ALL
        .into_iter()
        .filter(|v| venue.is_none_or(|w| w == *v))
        .filter_map(|v| {
            let perp = perp_on(snapshots, v, asset)?;
            let m = mark(perp)?;
            let f = funding(perp, history, notional / m, m, hold)?;
            Some((perp, m, f))
        });
    // The most received (least paid); the first venue on ties.
    let (perp, m, funding) = candidates
        .fold(
            None,
            |best: Option<(&PerpQuote, Decimal, Funding)>, c| match best {
                Some(b) if b.2.usd >= c.2.usd => Some(b),
                _ => Some(c),
            },
        )
        .ok_or_else(|| no_perp(asset, venue.unwrap_or(Venue::ALL[0])))?;
    let p_c = collateral_price(snapshots, perp.venue, coin).ok_or_else(|| {
        PlanError::Unpriced(format!(
            "{coin}: no spot price against USDT, USDC or USD on any venue polled"
        ))
    })?;
    let leverage = notional
        .checked_div(amount * p_c)
        .filter(|l| *l > Decimal::ZERO)
        .ok_or_else(|| PlanError::Unpriced(format!("{coin}: the collateral is worth nothing")))?;
    let risk = risk(
        snapshots,
        params,
        history,
        perp,
        notional / m,
        m,
        (coin, amount),
        Some(leverage),
    )?;
    Ok(LongPlan {
        asset: perp.asset.to_ascii_uppercase(),
        hold_days: hold,
        notional_usd: notional,
        leverage,
        venue: perp.venue,
        risk,
        funding,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::analyze::stats::{Trend, summarise};
    use crate::analyze::testkit::d;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600, 0).unwrap()
    }

    /// A USDT perp quoted `mid ± spread`, marked at `mid`, paying `rate` per 8 h.
    fn perp(venue: Venue, asset: &str, mid: &str, spread: &str, rate: &str) -> PerpQuote {
        let (m, s) = (d(mid), d(spread));
        PerpQuote {
            funding_rate: d(rate),
            next_funding_time: None,
            mark_price: Some(m),
            bid: Some(m - s),
            ask: Some(m + s),
            high_24h: Some(m * d("1.03")),
            low_24h: Some(m * d("0.97")),
            ..PerpQuote::sample(venue, &format!("{asset}USDT"), (asset, "USDT"), t0())
        }
    }

    fn spot(venue: Venue, asset: &str, mid: &str, spread: &str) -> SpotQuote {
        let (m, s) = (d(mid), d(spread));
        SpotQuote {
            bid: Some(m - s),
            ask: Some(m + s),
            high_24h: Some(m * d("1.03")),
            low_24h: Some(m * d("0.97")),
            volume_24h_quote: Some(d("5000000")),
            ..SpotQuote::sample(venue, &format!("{asset}USDT"), (asset, "USDT"), t0())
        }
    }

    /// Bybit: BTC perp 100000 ± 10 and spot 100000 ± 50, SOL perp 150 ± 0.01, all paying
    /// 0.01 % per 8 h; ETH spot 3000 ± 1. OKX: a BTC perp paying half as much, a SOL perp
    /// paying longs 0.005 % per 8 h, a BTC spot 100000 ± 100.
    fn world() -> Vec<Snapshot> {
        let (b, o) = (Venue::Bybit, Venue::Okx);
        let snap = |venue, perps, spots| Snapshot {
            venue,
            received_at: t0(),
            perps,
            spots,
        };
        vec![
            snap(
                b,
                vec![
                    perp(b, "BTC", "100000", "10", "0.0001"),
                    perp(b, "SOL", "150", "0.01", "0.0001"),
                ],
                vec![spot(b, "BTC", "100000", "50"), spot(b, "ETH", "3000", "1")],
            ),
            snap(
                o,
                vec![
                    perp(o, "BTC", "100000", "10", "0.00005"),
                    perp(o, "SOL", "150", "0.01", "-0.00005"),
                ],
                vec![spot(o, "BTC", "100000", "100")],
            ),
        ]
    }

    fn none() -> HistoryInputs {
        HistoryInputs::default()
    }

    #[test]
    fn the_seeds_hedge_5_btc_for_30_days_cheapest_first() {
        let p = hedge(
            &world(),
            &Params::default(),
            &none(),
            ("BTC", d("5")),
            d("30"),
            d("2"),
        )
        .unwrap();
        let venues: Vec<Venue> = p.rows.iter().map(|r| r.venue).collect();
        assert_eq!(venues, [Venue::Bybit, Venue::Okx]);
        let r = &p.rows[0];
        // N = 5 · 100000; F = 0.0001 / 8 · 24 · 30 · N = 4500; fees = 2 (0.00055 + 10/100000) N.
        assert_eq!(r.funding.usd, d("4500"));
        assert!(!r.funding.blended);
        assert_eq!(r.fees_usd, d("650"));
        assert_eq!(r.cost_usd, d("-3850"));
        let pos = &r.risk.position;
        assert_eq!(pos.initial_usd, d("250000"));
        assert_eq!(pos.maintenance_usd, d("2000"));
        // M_liq = (−X + z E) / (z − m |z|) with X = 250000 USDT, z = −5, E = 100000.
        let liq = (d("-250000") - d("500000")) / (d("-5") - d("0.004") * d("5"));
        assert_eq!(
            pos.liquidation_price.unwrap().round_dp(12),
            liq.round_dp(12)
        );
        // OKX: F = 2250, fees = 2 (0.0005 + 0.0001) N = 600.
        assert_eq!(p.rows[1].cost_usd, d("-1650"));
    }

    /// 180000 USD of SOL long on 20 ETH (3000 USD each): 3× the collateral.
    fn sol_long(venue: Option<Venue>) -> LongPlan {
        long(
            &world(),
            &Params::default(),
            &none(),
            ("SOL", d("180000")),
            ("ETH", d("20")),
            venue,
        )
        .unwrap()
    }

    #[test]
    fn the_seeds_3x_sol_long_on_20_of_100_eth() {
        let p = sol_long(Some(Venue::Bybit));
        assert_eq!(p.leverage, d("3"));
        let (pos, c) = (&p.risk.position, &p.risk.collateral);
        assert_eq!(pos.size, d("1200"));
        assert_eq!(pos.initial_usd.round_dp(12), d("60000"));
        assert_eq!(c.value_usd, d("57000"));
        // M_liq = (−k n P + z E) / (z − m z) = (−57000 + 180000) / (1200 · 0.996).
        let liq = d("123000") / d("1195.2");
        assert_eq!(
            pos.liquidation_price.unwrap().round_dp(12),
            liq.round_dp(12)
        );
        // Paid: 0.0001 / 8 · 24 · 7 · 180000 = 378.
        assert_eq!(p.funding.usd, d("-378"));
        let p_liq = p.risk.liq_prob.unwrap();
        assert!(p_liq > 0.0 && p_liq < 1.0, "{p_liq}");
    }

    #[test]
    fn a_long_without_venue_goes_where_it_pays_the_least_funding() {
        let p = sol_long(None);
        assert_eq!(p.venue, Venue::Okx);
        // Received: 0.00005 / 8 · 24 · 7 · 180000 = 189; ETH priced on Bybit (OKX lists none).
        assert_eq!(p.funding.usd, d("189"));
        assert_eq!(p.risk.collateral.price, d("3000"));
    }

    fn btc_carry(spot_venue: Option<Venue>) -> CarryRequest {
        CarryRequest {
            asset: "BTC".into(),
            notional: d("100000"),
            venue: Some(Venue::Bybit),
            spot_venue,
            coin: "ETH".into(),
            amount: None,
            leverage: d("2"),
        }
    }

    #[test]
    fn the_seeds_btc_carry_with_eth_collateral() {
        let p = carry(&world(), &Params::default(), &none(), &btc_carry(None)).unwrap();
        assert_eq!((p.spot.venue, p.perp_venue), (Venue::Bybit, Venue::Bybit));
        assert_eq!(p.spot.coins, d("1"));
        assert_eq!(p.spot.usd, d("100050"));
        assert_eq!(p.perp_price, d("99990"));
        assert_eq!(p.leverage, d("2"));
        let (pos, c) = (&p.risk.position, &p.risk.collateral);
        assert_eq!((c.amount * c.price).round_dp(12), d("50000"));
        assert_eq!(pos.initial_usd, d("50000"));
        assert_eq!(pos.maintenance_usd, d("400"));
        // M_liq = (−0.95 · 50000 − 100000) / (−1 − 0.004).
        let liq = d("147500") / d("1.004");
        assert_eq!(pos.liquidation_price.unwrap().round_dp(6), liq.round_dp(6));
        // F = 0.0001 / 8 · 24 · 7 · 100000 = 210; cost = 2 (0.001 + 50/100000 + 0.00055 +
        // 10/100000) · 100000 = 430; net −220; APR = −220 / 100000 · 365 / 7.
        assert_eq!(p.funding.usd, d("210"));
        assert_eq!(p.round_trip_usd, d("430"));
        assert_eq!(p.net_usd, d("-220"));
        assert_eq!(
            p.net_apr_pct.round_dp(12),
            (d("-0.0022") * d("365") / d("7") * d("100")).round_dp(12)
        );
        assert_eq!(
            p.break_even_days.unwrap().round_dp(12),
            (d("430") / d("30")).round_dp(12)
        );
    }

    #[test]
    fn the_spot_leg_goes_where_asked_else_the_perps_venue_else_the_narrowest_book() {
        let mut w = world();
        let p = carry(
            &w,
            &Params::default(),
            &none(),
            &btc_carry(Some(Venue::Okx)),
        )
        .unwrap();
        assert_eq!(p.spot.venue, Venue::Okx);
        // OKX's spot: 2 (0.001 + 100/100000 + 0.00055 + 10/100000) · 100000 = 530.
        assert_eq!(p.round_trip_usd, d("530"));
        // Bybit without spot: OKX's book (± 100) against Binance's (± 20).
        w[0].spots.retain(|s| s.asset != "BTC");
        w.push(Snapshot {
            venue: Venue::Binance,
            received_at: t0(),
            perps: vec![],
            spots: vec![spot(Venue::Binance, "BTC", "100000", "20")],
        });
        let p = carry(&w, &Params::default(), &none(), &btc_carry(None)).unwrap();
        assert_eq!(p.spot.venue, Venue::Binance);
        let err = carry(
            &w,
            &Params::default(),
            &none(),
            &btc_carry(Some(Venue::Bybit)),
        );
        assert!(matches!(err, Err(PlanError::NoMarket(m)) if m.contains("--spot-venue")));
    }

    #[test]
    fn the_hedge_uses_the_scans_estimator_when_history_has_a_trend() {
        let mut history = none();
        let mut summary = summarise(&[], t0());
        let trend = Trend {
            mean_per_hour: d("0.000002"),
            step_hours: d("8"),
            phi: 0.5,
        };
        summary.trend = Some(trend);
        history
            .settlements
            .insert((Venue::Bybit, "BTCUSDT".into()), summary);
        let p = hedge(
            &world(),
            &Params::default(),
            &history,
            ("BTC", d("5")),
            d("30"),
            d("2"),
        )
        .unwrap();
        let r = p.rows.iter().find(|r| r.venue == Venue::Bybit).unwrap();
        let (x, _) =
            crate::analyze::stats::expected_from_trend(d("0.0000125"), &trend, d("30")).unwrap();
        assert!(r.funding.blended);
        assert_eq!(r.funding.expected_per_hour, x);
        assert_eq!(r.funding.usd, x * d("24") * d("30") * d("500000"));
        assert!(r.funding.usd < d("4500"), "{}", r.funding.usd);
    }
}
