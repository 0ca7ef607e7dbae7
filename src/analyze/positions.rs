//! Account figures (pure, DESIGN.md "Accounts and positions"): equity, margins, liquidation prices, collateral drops, liq_prob, alert conditions.
//!
//! All money is `Decimal`; only [`liq_prob`] crosses into `f64`, through [`PerpLeg::buffer_held`]
//! (the analyzer's leg formulas with `e = E / M`).
//!
//! - `V = Σ_c k_c n_c P_c`, `U = Σ_i z_i (M_i − E_i)`, `Q = V + U`.
//! - `N_i = |z_i| M_i`, `MM_i = N_i m_i − a_i` at the tier of `N_i`, `IM_i = N_i im_i` (`im_i`
//!   = `1 / leverage` when declared, else the tier's initial rate, else `1 / default leverage`).
//! - `margin_ratio = MM / Q` (`None` when `Q <= 0`: liquidated), `free_margin = Q − IM`.
//! - `M_liq = (MM_rest − a_i − X + z_i E_i) / (z_i − m_i |z_i|)` at the tier of `|z_i| M_liq`
//!   ([`liquidation_price`] walks the tiers).
//! - `P_c* = P_c − (Q − MM) / (k_c n_c)`, `drop_to_liq_pct = (1 − P_c* / P_c) · 100`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::risk::{Collateral, PerpLeg, Side, first_passage};
use super::{HistoryInputs, Params};
use crate::model::account::{
    Account, AccountAlert, AlertKind, AlertThresholds, MarginTable, MarginTier, PositionSide,
};
use crate::model::{PerpQuote, Snapshot, Venue, is_stablecoin};

/// One position with the prices it is valued at.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionInput {
    /// The venue's perp symbol.
    pub symbol: String,
    /// Upper-case asset.
    pub asset: String,
    /// Signed size `z` in coins (`+` long).
    pub size: Decimal,
    /// Entry price `E`.
    pub entry: Decimal,
    /// Mark price `M` per coin.
    pub mark: Decimal,
    /// Margin tiers of the contract.
    pub table: MarginTable,
    /// Initial rate `im` when the position's leverage is declared (`1 / L`): wins over the
    /// tier's.
    pub initial_rate: Option<Decimal>,
    /// Initial rate when neither the leverage nor the tier gives one.
    pub default_initial_rate: Decimal,
    /// Current funding rate per interval (positive: longs pay shorts).
    pub funding_rate: Decimal,
    /// Funding interval, hours.
    pub funding_interval_hours: Decimal,
    /// Funding actually paid over 7 days, APR percent, once history exists.
    pub apr_7d_pct: Option<Decimal>,
}

/// One collateral coin with its price and haircut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollateralInput {
    /// Upper-case coin.
    pub coin: String,
    /// Amount `n_c`.
    pub amount: Decimal,
    /// Price `P_c` in USD (1 for stablecoins).
    pub price: Decimal,
    /// Haircut `k_c`.
    pub haircut: Decimal,
}

/// What one position comes to.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionFigures {
    /// Symbol.
    pub symbol: String,
    /// Asset.
    pub asset: String,
    /// Long or short.
    pub side: PositionSide,
    /// Signed size.
    pub size: Decimal,
    /// Entry price.
    pub entry: Decimal,
    /// Mark price.
    pub mark: Decimal,
    /// `N = |z| M`.
    pub notional_usd: Decimal,
    /// `z (M − E)`.
    pub unrealised_pnl_usd: Decimal,
    /// `m` of the tier of `N`.
    pub maintenance_rate: Decimal,
    /// `MM = N m − a`.
    pub maintenance_usd: Decimal,
    /// `IM = N im`.
    pub initial_usd: Decimal,
    /// `M_liq`, when a positive price liquidates the account.
    pub liquidation_price: Option<Decimal>,
    /// `|M_liq − M| / M · 100`.
    pub distance_to_liq_pct: Option<Decimal>,
    /// Current funding rate per interval.
    pub funding_rate: Decimal,
    /// Funding interval, hours.
    pub funding_interval_hours: Decimal,
    /// Funding earned per day at the current rate, USD (negative: paid): `−z M r · 24 / h`.
    pub funding_per_day_usd: Decimal,
}

/// What one collateral coin comes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollateralFigures {
    /// Coin.
    pub coin: String,
    /// Amount.
    pub amount: Decimal,
    /// Price.
    pub price: Decimal,
    /// Haircut.
    pub haircut: Decimal,
    /// `k n P`.
    pub value_usd: Decimal,
    /// The fall of this coin alone that liquidates, percent; `None` for stablecoins and when
    /// it cannot.
    pub drop_to_liq_pct: Option<Decimal>,
}

/// The DESIGN figures of one account.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountFigures {
    /// `V`.
    pub collateral_usd: Decimal,
    /// `U`.
    pub unrealised_pnl_usd: Decimal,
    /// `Q = V + U`.
    pub equity_usd: Decimal,
    /// `MM`.
    pub maintenance_usd: Decimal,
    /// `IM`.
    pub initial_usd: Decimal,
    /// `MM / Q`; `None` when `Q <= 0` (liquidated).
    pub margin_ratio: Option<Decimal>,
    /// `Q − IM`.
    pub free_margin_usd: Decimal,
    /// Per position, in input order.
    pub positions: Vec<PositionFigures>,
    /// Per collateral coin, in input order.
    pub collateral: Vec<CollateralFigures>,
}

/// `MM_i = N m − a` at `tier`, never below 0.
fn maintenance_at(notional: Decimal, tier: MarginTier) -> Decimal {
    (notional * tier.maintenance_rate - tier.cum).max(Decimal::ZERO)
}

/// The liquidation price of a position of signed size `z` entered at `entry`, everything else
/// fixed: `x` is `X = V + Σ_{j≠i} z_j (M_j − E_j)` and `mm_rest` the other positions' `MM`.
/// Starts at the tier of the current notional `|z| mark` and walks the tiers until the tier
/// used is the tier of the result's notional; if the walk comes back to a tier already tried,
/// takes among the tiers whose result lies in them the one closest to `mark`. `None` when no
/// positive price liquidates.
#[must_use]
pub fn liquidation_price(
    table: &MarginTable,
    z: Decimal,
    entry: Decimal,
    mark: Decimal,
    x: Decimal,
    mm_rest: Decimal,
) -> Option<Decimal> {
    if z.is_zero() {
        return None;
    }
    let solve = |tier: MarginTier| -> Option<Decimal> {
        let den = z - tier.maintenance_rate * z.abs();
        (mm_rest - tier.cum - x + z * entry).checked_div(den)
    };
    let n = table.tiers().len();
    let mut tried = vec![false; n];
    let mut i = table.index_for(z.abs() * mark);
    loop {
        tried[i] = true;
        let Some(price) = solve(table.tier(i)) else {
            break;
        };
        let j = table.index_for(z.abs() * price);
        if j == i {
            return (price > Decimal::ZERO).then_some(price);
        }
        if tried[j] {
            break;
        }
        i = j;
    }
    (0..n)
        .filter_map(|i| solve(table.tier(i)).filter(|p| table.index_for(z.abs() * *p) == i))
        .filter(|p| *p > Decimal::ZERO)
        .min_by_key(|p| (*p - mark).abs())
}

/// Computes every DESIGN figure of one account except `liq_prob` (see [`liq_prob`]).
#[must_use]
pub fn figures(positions: &[PositionInput], collateral: &[CollateralInput]) -> AccountFigures {
    let values: Vec<Decimal> = collateral
        .iter()
        .map(|c| c.haircut * c.amount * c.price)
        .collect();
    let v: Decimal = values.iter().copied().sum();
    let upnl: Vec<Decimal> = positions
        .iter()
        .map(|p| p.size * (p.mark - p.entry))
        .collect();
    let u: Decimal = upnl.iter().copied().sum();
    let q = v + u;
    let mut per = Vec::with_capacity(positions.len());
    let mut mm_each = Vec::with_capacity(positions.len());
    for p in positions {
        let notional = p.size.abs() * p.mark;
        let tier = p.table.tier_for(notional);
        let mm = maintenance_at(notional, tier);
        let im_rate = p
            .initial_rate
            .or(tier.initial_rate)
            .unwrap_or(p.default_initial_rate);
        mm_each.push(mm);
        per.push((notional, tier, mm, notional * im_rate));
    }
    let mm_total: Decimal = mm_each.iter().copied().sum();
    let im_total: Decimal = per.iter().map(|x| x.3).sum();
    let mut out_positions = Vec::with_capacity(positions.len());
    for (i, p) in positions.iter().enumerate() {
        let (notional, tier, mm, im) = per[i];
        let x = v + u - upnl[i];
        let mm_rest = mm_total - mm;
        let liq = liquidation_price(&p.table, p.size, p.entry, p.mark, x, mm_rest);
        let distance =
            liq.and_then(|l| ((l - p.mark).abs() * Decimal::ONE_HUNDRED).checked_div(p.mark));
        let per_day = (-p.size * p.mark * p.funding_rate * Decimal::from(24))
            .checked_div(p.funding_interval_hours)
            .unwrap_or(Decimal::ZERO);
        out_positions.push(PositionFigures {
            symbol: p.symbol.clone(),
            asset: p.asset.clone(),
            side: PositionSide::of(p.size),
            size: p.size,
            entry: p.entry,
            mark: p.mark,
            notional_usd: notional,
            unrealised_pnl_usd: upnl[i],
            maintenance_rate: tier.maintenance_rate,
            maintenance_usd: mm,
            initial_usd: im,
            liquidation_price: liq,
            distance_to_liq_pct: distance,
            funding_rate: p.funding_rate,
            funding_interval_hours: p.funding_interval_hours,
            funding_per_day_usd: per_day,
        });
    }
    let out_collateral = collateral
        .iter()
        .zip(&values)
        .map(|(c, value)| CollateralFigures {
            coin: c.coin.clone(),
            amount: c.amount,
            price: c.price,
            haircut: c.haircut,
            value_usd: *value,
            drop_to_liq_pct: drop_to_liq_pct(c, q - mm_total),
        })
        .collect();
    AccountFigures {
        collateral_usd: v,
        unrealised_pnl_usd: u,
        equity_usd: q,
        maintenance_usd: mm_total,
        initial_usd: im_total,
        margin_ratio: (q > Decimal::ZERO)
            .then(|| mm_total.checked_div(q))
            .flatten(),
        free_margin_usd: q - im_total,
        positions: out_positions,
        collateral: out_collateral,
    }
}

/// `(1 − P*/P) · 100` with `P* = P − (Q − MM) / (k n)`; `None` for stablecoins, for a coin
/// worth nothing at the haircut, and when `P* <= 0`.
fn drop_to_liq_pct(c: &CollateralInput, headroom: Decimal) -> Option<Decimal> {
    if is_stablecoin(&c.coin) || c.price <= Decimal::ZERO {
        return None;
    }
    let target = c.price - headroom.checked_div(c.haircut * c.amount)?;
    if target <= Decimal::ZERO {
        return None;
    }
    Some((Decimal::ONE - target.checked_div(c.price)?) * Decimal::ONE_HUNDRED)
}

/// Volatility of what `liq_prob` depends on (the scan's sources, resolved by the caller).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Volatilities {
    /// `σ_A` of the position's perp.
    pub sigma_a: f64,
    /// How the collateral moves relative to the asset.
    pub collateral: Collateral,
}

/// `liq_prob` over `years` of an account of exactly one position and one collateral coin
/// (DESIGN): the analyzer's leg with `q = k V_c / N`, `e = E / M`, and `m = MM / N` (the
/// tier's rate less its amount, which is the rate itself for a flat table). `None` for other
/// accounts and when a figure does not convert.
#[must_use]
pub fn liq_prob(
    position: &PositionInput,
    figures: &AccountFigures,
    vol: Volatilities,
    years: f64,
) -> Option<f64> {
    let ([p], [c]) = (figures.positions.as_slice(), figures.collateral.as_slice()) else {
        return None;
    };
    if p.notional_usd <= Decimal::ZERO {
        return None;
    }
    let raw_value = c.amount * c.price;
    let q = (c.haircut * raw_value)
        .checked_div(p.notional_usd)?
        .to_f64()?;
    let e = position.entry.checked_div(position.mark)?.to_f64()?;
    let m = p.maintenance_usd.checked_div(p.notional_usd)?.to_f64()?;
    let leg = PerpLeg {
        side: match p.side {
            PositionSide::Long => Side::Long,
            PositionSide::Short => Side::Short,
        },
        sigma_a: vol.sigma_a,
        collateral: vol.collateral,
        haircut: c.haircut.to_f64()?,
        maintenance_margin: m,
    };
    Some(first_passage(leg.buffer_held(q, e), years))
}

/// The margin band of a ratio: how many `bands` it is at or above; a liquidated account
/// (`None`) is in the top band.
#[must_use]
pub fn margin_band(ratio: Option<Decimal>, bands: &[Decimal]) -> u32 {
    let n = match ratio {
        None => bands.len(),
        Some(r) => bands.iter().filter(|b| r >= **b).count(),
    };
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A percentage for messages: 1 decimal place.
fn pct(x: Decimal) -> Decimal {
    x.round_dp(1)
}

/// A price for messages: 6 significant figures, trailing zeros dropped.
fn price(x: Decimal) -> Decimal {
    x.round_sf(6).unwrap_or(x).normalize()
}

/// Whether funding is against a position: a short's rate `< 0` or its `apr_7d < 0` once
/// history exists; the mirror for a long.
#[must_use]
pub fn funding_against(side: PositionSide, rate: Decimal, apr_7d_pct: Option<Decimal>) -> bool {
    let against = |x: Decimal| match side {
        PositionSide::Short => x < Decimal::ZERO,
        PositionSide::Long => x > Decimal::ZERO,
    };
    against(rate) || apr_7d_pct.is_some_and(against)
}

/// The conditions in force on an account (DESIGN's four), in a stable order: collateral drops
/// (by coin, as declared), the margin band, distances to liquidation and funding against (by
/// position, as declared). `references` holds each volatile coin's reference price.
#[must_use]
pub fn alerts(
    account: &str,
    thresholds: &AlertThresholds,
    positions: &[PositionInput],
    figures: &AccountFigures,
    references: &BTreeMap<String, Decimal>,
) -> Vec<AccountAlert> {
    let mut out = Vec::new();
    let drop_at = Decimal::ONE - thresholds.collateral_drop_pct / Decimal::ONE_HUNDRED;
    for c in &figures.collateral {
        let Some(reference) = references.get(&c.coin).filter(|r| **r > Decimal::ZERO) else {
            continue;
        };
        if is_stablecoin(&c.coin) || c.price > *reference * drop_at {
            continue;
        }
        let fell = (Decimal::ONE - c.price / *reference) * Decimal::ONE_HUNDRED;
        out.push(AccountAlert {
            kind: AlertKind::CollateralDrop,
            subject: c.coin.clone(),
            level: 1,
            message: format!(
                "{account}: collateral {} at {} is {} % below its reference {} (alert at {} %); review the futures positions it margins",
                c.coin,
                price(c.price),
                pct(fell),
                price(*reference),
                thresholds.collateral_drop_pct.normalize()
            ),
        });
    }
    let band = margin_band(figures.margin_ratio, &thresholds.margin_bands);
    if band > 0 {
        let crossed = thresholds
            .margin_bands
            .get(band as usize - 1)
            .copied()
            .unwrap_or(Decimal::ONE);
        let ratio = figures.margin_ratio.map_or_else(
            || "n/a (equity <= 0: liquidated)".to_owned(),
            |r| r.round_dp(3).to_string(),
        );
        out.push(AccountAlert {
            kind: AlertKind::MarginRatio,
            subject: String::new(),
            level: band,
            message: format!(
                "{account}: margin ratio {ratio} is at or above {} (liquidation at 1); add collateral or reduce the positions",
                crossed.normalize()
            ),
        });
    }
    for (p, f) in positions.iter().zip(&figures.positions) {
        if let (Some(distance), Some(liq)) = (f.distance_to_liq_pct, f.liquidation_price)
            && distance < thresholds.liq_distance_pct
        {
            out.push(AccountAlert {
                kind: AlertKind::LiqDistance,
                subject: p.symbol.clone(),
                level: 1,
                message: format!(
                    "{account}: {} {} mark {} is {} % from its liquidation price {} (alert under {} %)",
                    p.symbol,
                    f.side.id(),
                    price(f.mark),
                    pct(distance),
                    price(liq),
                    thresholds.liq_distance_pct.normalize()
                ),
            });
        }
    }
    for (p, f) in positions.iter().zip(&figures.positions) {
        if funding_against(f.side, p.funding_rate, p.apr_7d_pct) {
            let seven = p
                .apr_7d_pct
                .map_or_else(String::new, |a| format!(", {} % APR over 7 days", pct(a)));
            out.push(AccountAlert {
                kind: AlertKind::FundingAgainst,
                subject: p.symbol.clone(),
                level: 1,
                message: format!(
                    "{account}: funding is against the {} {}: rate {} % per {} h{seven}",
                    p.symbol,
                    f.side.id(),
                    (p.funding_rate * Decimal::ONE_HUNDRED).round_dp(4),
                    p.funding_interval_hours.normalize()
                ),
            });
        }
    }
    out
}

/// One declared account valued at the latest prices: what `basis positions` reports.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountView {
    /// The account as declared.
    pub account: Account,
    /// The inputs its figures came from (prices, tiers), in declaration order; empty when a
    /// price is missing.
    pub positions: Vec<PositionInput>,
    /// Collateral inputs.
    pub collateral: Vec<CollateralInput>,
    /// The figures; `None` when a price is missing (see `missing`).
    pub figures: Option<AccountFigures>,
    /// `liq_prob` over the horizon (one position and one coin only).
    pub liq_prob: Option<f64>,
    /// Conditions in force.
    pub alerts: Vec<AccountAlert>,
    /// What could not be priced: `symbol` or `coin` with the reason.
    pub missing: Vec<String>,
}

/// Quote preference for a collateral coin's spot price: USDT, USDC, USD.
fn usd_rank(quote: &str) -> Option<u8> {
    match quote {
        "USDT" => Some(0),
        "USDC" => Some(1),
        "USD" => Some(2),
        _ => None,
    }
}

/// `P_c`: 1 for stablecoins; else the coin's spot mid on `venue` against USDT, else USDC, else
/// USD; else the same on the first venue of [`Venue::ALL`] that lists one.
#[must_use]
pub fn collateral_price(snapshots: &[Snapshot], venue: Venue, coin: &str) -> Option<Decimal> {
    if is_stablecoin(coin) {
        return Some(Decimal::ONE);
    }
    let on = |v: Venue| {
        snapshots
            .iter()
            .filter(|s| s.venue == v)
            .flat_map(|s| &s.spots)
            .filter(|sp| sp.asset.eq_ignore_ascii_case(coin))
            .filter_map(|sp| Some((usd_rank(&sp.quote)?, sp.mid()?)))
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, mid)| mid)
    };
    on(venue).or_else(|| Venue::ALL.into_iter().filter(|v| *v != venue).find_map(on))
}

/// The perp `symbol` on `venue` (exact symbol, else case-insensitive).
fn find_perp<'a>(snapshots: &'a [Snapshot], venue: Venue, symbol: &str) -> Option<&'a PerpQuote> {
    let perps = || {
        snapshots
            .iter()
            .filter(move |s| s.venue == venue)
            .flat_map(|s| &s.perps)
    };
    perps()
        .find(|p| p.symbol == symbol)
        .or_else(|| perps().find(|p| p.symbol.eq_ignore_ascii_case(symbol)))
}

/// Values `account` at the prices of `snapshots` (DESIGN's precedence for every input: the
/// position's declared `tiers` > the venue's configured `maintenance_margin` > the tiers the
/// venue publishes > its flat rate > the default ([`Params::margin_table_on`]); haircut by [`Params::haircut_on`]; `im`
/// = 1 / the position's (else the account's) leverage, else the tier's, else 1 / `--leverage`),
/// computes its figures, `liq_prob` over `params.hold_days` with the scan's `σ` and `ρ` sources,
/// and the alert conditions against the reference prices.
#[must_use]
pub fn evaluate(
    account: &Account,
    snapshots: &[Snapshot],
    params: &Params,
    history: &HistoryInputs,
    references: &BTreeMap<String, Decimal>,
) -> AccountView {
    let venue = account.venue;
    let mut missing = Vec::new();
    let default_im = Decimal::ONE
        .checked_div(params.leverage)
        .unwrap_or(Decimal::ONE);
    let mut positions = Vec::with_capacity(account.positions.len());
    let mut perps = Vec::with_capacity(account.positions.len());
    for p in &account.positions {
        let Some(perp) = find_perp(snapshots, venue, &p.symbol) else {
            missing.push(format!(
                "{}: no such perp on {venue} in the latest data (use the venue's symbol, as `basis scan` shows it)",
                p.symbol
            ));
            continue;
        };
        let Some(mark) = perp
            .mark_price
            .or_else(|| perp.mid())
            .map(|m| perp.unit_price(m))
        else {
            missing.push(format!("{}: {venue} gave no mark price", p.symbol));
            continue;
        };
        let table = p
            .tiers
            .clone()
            .unwrap_or_else(|| params.margin_table_on(venue, &perp.symbol, mark));
        let apr_7d_pct = history
            .settlements
            .get(&(venue, perp.symbol.clone()))
            .and_then(|s| s.window.apr_7d);
        positions.push(PositionInput {
            symbol: perp.symbol.clone(),
            asset: perp.asset.to_ascii_uppercase(),
            size: p.size,
            entry: p.entry,
            mark,
            table,
            initial_rate: p
                .leverage
                .or(account.leverage)
                .and_then(|l| Decimal::ONE.checked_div(l)),
            default_initial_rate: default_im,
            funding_rate: perp.funding_rate,
            funding_interval_hours: perp.funding_interval_hours,
            apr_7d_pct,
        });
        perps.push(perp);
    }
    let mut collateral = Vec::with_capacity(account.collateral.len());
    for c in &account.collateral {
        match collateral_price(snapshots, venue, &c.coin) {
            Some(price) => collateral.push(CollateralInput {
                coin: c.coin.clone(),
                amount: c.amount,
                price,
                haircut: params.haircut_on(&c.coin, venue),
            }),
            None => missing.push(format!(
                "{}: no spot price against USDT, USDC or USD on any venue polled",
                c.coin
            )),
        }
    }
    if !missing.is_empty() {
        return AccountView {
            account: account.clone(),
            positions,
            collateral,
            figures: None,
            liq_prob: None,
            alerts: Vec::new(),
            missing,
        };
    }
    let figures = figures(&positions, &collateral);
    let liq_prob = match (
        positions.as_slice(),
        collateral.as_slice(),
        perps.as_slice(),
    ) {
        ([position], [coin], [perp]) => {
            let coin_params = Params {
                collateral: coin.coin.clone(),
                ..params.clone()
            };
            let years = params.hold_days.to_f64().map(|h| h / 365.0);
            super::Context::new(snapshots, &coin_params, history).and_then(|ctx| {
                let vol = Volatilities {
                    sigma_a: ctx.sigma_a(perp)?,
                    collateral: ctx.collateral_for(perp)?,
                };
                liq_prob(position, &figures, vol, years?)
            })
        }
        _ => None,
    };
    let alerts = alerts(
        &account.name,
        &account.thresholds,
        &positions,
        &figures,
        references,
    );
    AccountView {
        account: account.clone(),
        positions,
        collateral,
        figures: Some(figures),
        liq_prob,
        alerts,
        missing,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::analyze::testkit::d;

    fn pos(symbol: &str, size: &str, entry: &str, mark: &str, m: &str) -> PositionInput {
        PositionInput {
            symbol: symbol.to_owned(),
            asset: symbol.trim_end_matches("USDT").to_owned(),
            size: d(size),
            entry: d(entry),
            mark: d(mark),
            table: MarginTable::flat(d(m), None),
            initial_rate: Some(d("0.1")),
            default_initial_rate: d("0.5"),
            funding_rate: d("0.0001"),
            funding_interval_hours: d("8"),
            apr_7d_pct: None,
        }
    }

    fn coin(c: &str, amount: &str, price: &str, k: &str) -> CollateralInput {
        CollateralInput {
            coin: c.to_owned(),
            amount: d(amount),
            price: d(price),
            haircut: d(k),
        }
    }

    /// The seed's position: short 3 BTC entered at 60,000, marked at 64,000, m = 0.4 %.
    fn seed_btc_short() -> PositionInput {
        pos("BTCUSDT", "-3", "60000", "64000", "0.004")
    }

    /// The seed's collateral: 20 ETH at 3,000, haircut 0.95.
    fn seed_eth() -> CollateralInput {
        coin("ETH", "20", "3000", "0.95")
    }

    /// `[V, U, Q, MM, IM, Q − IM]` of an account, its `MM / Q` checked against them.
    fn totals(f: &AccountFigures) -> [Decimal; 6] {
        assert_eq!(
            f.margin_ratio,
            Some(f.maintenance_usd / f.equity_usd),
            "MM / Q"
        );
        [
            f.collateral_usd,
            f.unrealised_pnl_usd,
            f.equity_usd,
            f.maintenance_usd,
            f.initial_usd,
            f.free_margin_usd,
        ]
    }

    /// Asserts that `p` liquidates at exactly `num / den`, a price that rounds to `shown` at the
    /// decimals `shown` is written with.
    #[track_caller]
    fn assert_liq(p: &PositionFigures, (num, den): (&str, &str), shown: &str) {
        let liq = d(num) / d(den);
        assert_eq!(p.liquidation_price, Some(liq));
        assert_eq!(liq.round_dp(d(shown).scale()), d(shown));
    }

    #[test]
    fn a_usdt_margined_short() {
        // 10,000 USDT; short 1 BTC entered at 60,000, marked at 61,000; m = 0.4 %, 10×.
        let p = [pos("BTCUSDT", "-1", "60000", "61000", "0.004")];
        let f = figures(&p, &[coin("USDT", "10000", "1", "1")]);
        // MM / Q = 244 / 9,000 (checked by `totals`).
        let want = ["10000", "-1000", "9000", "244", "6100", "2900"];
        assert_eq!(totals(&f), want.map(d));
        let b = &f.positions[0];
        assert_eq!(b.side, PositionSide::Short);
        assert_eq!(b.notional_usd, d("61000"));
        // Q(M) = 70,000 − M = 0.004 M  ⇒  M = 70,000 / 1.004
        assert_liq(b, ("70000", "1.004"), "69721.115538");
        assert_eq!(b.distance_to_liq_pct.unwrap().round_dp(6), d("14.296911"));
        // A short earns 1 × 61,000 × 0.01 % × 3 a day.
        assert_eq!(b.funding_per_day_usd, d("18.3"));
        assert_eq!(f.collateral[0].drop_to_liq_pct, None, "a stablecoin");
    }

    #[test]
    fn the_seeds_btc_short_margined_by_eth() {
        // 20 ETH at 3,000 (k 0.95) margin a 3 BTC short entered at 60,000, marked at 64,000.
        let (p, c) = ([seed_btc_short()], [seed_eth()]);
        let f = figures(&p, &c);
        // MM / Q = 768 / 45,000 (checked by `totals`).
        let want = ["57000", "-12000", "45000", "768", "19200", "25800"];
        assert_eq!(totals(&f), want.map(d));
        // (−57,000 − 3 × 60,000) / (−3 − 0.004 × 3)
        assert_liq(&f.positions[0], ("-237000", "-3.012"), "78685.2590");
        // P* = 3,000 − (45,000 − 768) / 19 = 672: a 77.6 % fall of ETH liquidates.
        assert_eq!(f.collateral[0].drop_to_liq_pct, Some(d("77.6")));
        // liq_prob, short with volatile collateral: q = 57,000 / 192,000, e = 60,000 / 64,000.
        let (sa, sc, rho, t) = (0.6f64, 0.8f64, 0.8f64, 7.0 / 365.0);
        let vol = Volatilities {
            sigma_a: sa,
            collateral: Collateral::Volatile { sigma: sc, rho },
        };
        let got = liq_prob(&p[0], &f, vol, t).unwrap();
        let (q, e, m) = (0.296_875f64, 0.9375f64, 0.004f64);
        let dd = ((e + q) / (1.0 + m)).ln();
        let w = q / (e + q);
        let v = sa * sa + w * w * sc * sc - 2.0 * w * rho * sa * sc;
        let want = libm::erfc(dd / (v * t).sqrt() / std::f64::consts::SQRT_2);
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        assert!(got > 0.0 && got < 1.0);
    }

    #[test]
    fn the_seeds_3x_sol_long_on_20_pct_of_100_eth() {
        // 20 of 100 ETH (at 3,000, k 0.95: 57,000) margin 3 × 60,000 of SOL at 150: 1,200 SOL.
        let p = [pos("SOLUSDT", "1200", "150", "150", "0.004")];
        let c = [seed_eth()];
        let f = figures(&p, &c);
        assert_eq!(f.equity_usd, d("57000"));
        assert_eq!(f.positions[0].notional_usd, d("180000"));
        assert_eq!(f.maintenance_usd, d("720"));
        assert_eq!(f.margin_ratio, Some(d("720") / d("57000")));
        // Q(M) = 57,000 + 1,200 (M − 150) = 4.8 M  ⇒  M = 123,000 / 1,195.2
        assert_liq(&f.positions[0], ("123000", "1195.2"), "102.911647");
        assert_eq!(
            f.positions[0].distance_to_liq_pct.unwrap().round_dp(6),
            d("31.392236")
        );
        // P* = 3,000 − 56,280 / 19
        let target = d("3000") - d("56280") / d("19");
        let drop = (Decimal::ONE - target / d("3000")) * Decimal::ONE_HUNDRED;
        assert_eq!(f.collateral[0].drop_to_liq_pct, Some(drop));
        assert_eq!(drop.round_dp(6), d("98.736842"));
        // Entered at the mark (e = 1) with q = 0.95 / 3: exactly the scan's 3× long leg.
        let vol = Volatilities {
            sigma_a: 0.9,
            collateral: Collateral::Volatile {
                sigma: 0.7,
                rho: 0.8,
            },
        };
        let t = 30.0 / 365.0;
        let got = liq_prob(&p[0], &f, vol, t).unwrap();
        let scan = PerpLeg {
            side: Side::Long,
            sigma_a: 0.9,
            collateral: vol.collateral,
            haircut: 0.95,
            maintenance_margin: 0.004,
        }
        .liq_prob(3.0, t);
        assert!((got - scan).abs() < 1e-15, "{got} vs {scan}");
        assert!(got > 0.01, "{got}");
    }

    #[test]
    fn an_account_of_two_positions_and_two_collateral_coins() {
        let mut sol = pos("SOLUSDT", "200", "140", "150", "0.005");
        sol.funding_rate = d("0.0002");
        let p = [seed_btc_short(), sol];
        let c = [seed_eth(), coin("USDT", "5000", "1", "1")];
        let f = figures(&p, &c);
        // MM / Q = 918 / 52,000 (checked by `totals`).
        let want = ["62000", "-10000", "52000", "918", "22200", "29800"];
        assert_eq!(totals(&f), want.map(d));
        // BTC: X = 62,000 + 2,000, MM_rest = 150.
        assert_liq(&f.positions[0], ("-243850", "-3.012"), "80959.4954");
        // SOL: X = 62,000 − 12,000, MM_rest = 768: (768 − 50,000 + 28,000) / 199 < 0.
        assert_eq!(f.positions[1].liquidation_price, None);
        assert_eq!(f.positions[1].distance_to_liq_pct, None);
        // A long pays: −200 × 150 × 0.02 % × 3.
        assert_eq!(f.positions[1].funding_per_day_usd, d("-18"));
        let target = d("3000") - d("51082") / d("19");
        assert_eq!(
            f.collateral[0].drop_to_liq_pct,
            Some((Decimal::ONE - target / d("3000")) * Decimal::ONE_HUNDRED)
        );
        assert_eq!(
            f.collateral[0].drop_to_liq_pct.unwrap().round_dp(6),
            d("89.617544")
        );
        assert_eq!(f.collateral[1].drop_to_liq_pct, None);
        let vol = Volatilities {
            sigma_a: 0.5,
            collateral: Collateral::Stable,
        };
        assert_eq!(liq_prob(&p[0], &f, vol, 0.02), None, "two positions");
    }

    fn tiers() -> MarginTable {
        let t = |floor: &str, m: &str, a: &str| MarginTier {
            floor: d(floor),
            maintenance_rate: d(m),
            cum: d(a),
            initial_rate: None,
        };
        MarginTable::new(vec![
            t("0", "0.004", "0"),
            t("50000", "0.005", "50"),
            t("250000", "0.01", "1300"),
        ])
        .unwrap()
    }

    #[test]
    fn a_multi_tier_notional_walks_to_the_tier_of_its_liquidation_price() {
        let mut p = pos("BTCUSDT", "-2", "20000", "20000", "0.004");
        p.table = tiers();
        // N = 40,000: the first tier, MM = 160.
        let f = figures(&[p.clone()], &[coin("USDT", "30000", "1", "1")]);
        assert_eq!(f.maintenance_usd, d("160"));
        assert_eq!(f.positions[0].maintenance_rate, d("0.004"));
        // Tier 1 gives 70,000 / 2.008 = 34,860.56 (notional 69,721: tier 2), so tier 2:
        // 70,000 − 2M = 0.01 M − 50 ⇒ M = 70,050 / 2.01 (notional 69,701: tier 2).
        let liq = d("70050") / d("2.01");
        assert_eq!(f.positions[0].liquidation_price, Some(liq));
        // Two tiers up: 300,000 USDT, tier 1 gives a notional of 338,645 (tier 3), where
        // 340,000 − 2M = 0.02 M − 1,300 ⇒ M = 341,300 / 2.02.
        let f = figures(&[p.clone()], &[coin("USDT", "300000", "1", "1")]);
        assert_eq!(
            f.positions[0].liquidation_price,
            Some(d("341300") / d("2.02"))
        );
        // The same account with a flat first tier would be wrong by the tier's step.
        p.table = MarginTable::flat(d("0.004"), None);
        let flat = figures(&[p], &[coin("USDT", "30000", "1", "1")]);
        assert_eq!(
            flat.positions[0].liquidation_price,
            Some(d("70000") / d("2.008"))
        );
        // At a notional in the second tier, MM uses its rate and amount.
        let mut big = pos("BTCUSDT", "-5", "20000", "20000", "0.004");
        big.table = tiers();
        let f = figures(&[big], &[coin("USDT", "30000", "1", "1")]);
        assert_eq!(f.maintenance_usd, d("450"), "100,000 × 0.005 − 50");
    }

    #[test]
    fn tables_are_checked() {
        let t = |floor: &str, m: &str| MarginTier {
            floor: d(floor),
            maintenance_rate: d(m),
            cum: Decimal::ZERO,
            initial_rate: None,
        };
        assert_eq!(
            MarginTable::new(vec![]),
            Err(crate::model::account::TierError::Empty)
        );
        assert!(MarginTable::new(vec![t("10", "0.004")]).is_err());
        assert!(MarginTable::new(vec![t("0", "0.004"), t("0", "0.005")]).is_err());
        assert!(MarginTable::new(vec![t("0", "1.5")]).is_err());
        assert_eq!(tiers().index_for(d("49999.99")), 0);
        assert_eq!(tiers().index_for(d("50000")), 1);
        assert_eq!(tiers().index_for(d("1e9")), 2);
    }

    #[test]
    fn a_liquidated_account_has_no_ratio_and_is_in_the_top_band() {
        let p = [pos("BTCUSDT", "-1", "60000", "71000", "0.004")];
        let f = figures(&p, &[coin("USDT", "10000", "1", "1")]);
        assert_eq!(f.equity_usd, d("-1000"));
        assert_eq!(f.margin_ratio, None);
        let bands = AlertThresholds::default().margin_bands;
        assert_eq!(margin_band(f.margin_ratio, &bands), 2);
        assert_eq!(margin_band(Some(d("0.49")), &bands), 0);
        assert_eq!(margin_band(Some(d("0.5")), &bands), 1);
        assert_eq!(margin_band(Some(d("0.8")), &bands), 2);
    }

    #[test]
    fn the_four_alert_conditions() {
        let th = AlertThresholds::default();
        let mut short = seed_btc_short();
        short.funding_rate = d("-0.0001");
        let p = [short];
        let c = [coin("ETH", "20", "2520", "0.95")];
        let f = figures(&p, &c);
        // Reference 3,000: ETH is 16 % down.
        let refs = BTreeMap::from([("ETH".to_owned(), d("3000"))]);
        let a = alerts("desk", &th, &p, &f, &refs);
        let kinds: Vec<AlertKind> = a.iter().map(|x| x.kind).collect();
        assert_eq!(
            kinds,
            [AlertKind::CollateralDrop, AlertKind::FundingAgainst],
            "{a:#?}"
        );
        assert!(a[0].message.contains("16.0 %"), "{}", a[0].message);
        assert_eq!(a[0].subject, "ETH");
        // 15 % exactly alerts; 14.9 % does not.
        let at = |price: &str| {
            let f = figures(&p, &[coin("ETH", "20", price, "0.95")]);
            alerts("desk", &th, &p, &f, &refs)
                .iter()
                .any(|x| x.kind == AlertKind::CollateralDrop)
        };
        assert!(at("2550"));
        assert!(!at("2553"));
        // Close to liquidation and in the top margin band.
        let near = [pos("BTCUSDT", "-1", "60000", "69700", "0.004")];
        let f = figures(&near, &[coin("USDT", "10000", "1", "1")]);
        let a = alerts("desk", &th, &near, &f, &BTreeMap::new());
        let kinds: Vec<AlertKind> = a.iter().map(|x| x.kind).collect();
        assert_eq!(kinds, [AlertKind::MarginRatio, AlertKind::LiqDistance]);
        assert_eq!(a[0].level, 2, "278.8 / 300");
        // The 7-day APR turns a long's funding against it even on a negative print.
        assert!(funding_against(
            PositionSide::Long,
            d("-0.0001"),
            Some(d("3"))
        ));
        assert!(!funding_against(
            PositionSide::Long,
            d("-0.0001"),
            Some(d("-3"))
        ));
        assert!(funding_against(
            PositionSide::Short,
            d("0.0001"),
            Some(d("-1"))
        ));
        assert!(!funding_against(PositionSide::Short, d("0.0001"), None));
    }
}
