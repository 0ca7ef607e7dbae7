//! `basis plan` output (pure): a carry, hedge or long plan as a table a trader reads at a glance, or one JSON object.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::analyze::plan::{CarryPlan, Funding, HedgePlan, LongPlan, Risk};

/// A decimal written as a JSON number with 12 significant figures (like the positions JSON).
struct N(Decimal);

impl Serialize for N {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0.round_sf(12).unwrap_or(self.0).normalize();
        rust_decimal::serde::arbitrary_precision::serialize(&d, s)
    }
}

fn n(d: Decimal) -> N {
    N(d)
}

fn on(d: Option<Decimal>) -> Option<N> {
    d.map(N)
}

fn r2(d: Decimal) -> Decimal {
    d.round_dp(2)
}

fn sf(d: Decimal) -> Decimal {
    d.round_sf(6).unwrap_or(d).normalize()
}

fn risk_json(r: &Risk) -> Value {
    let (p, c) = (&r.position, &r.collateral);
    json!({
        "symbol": p.symbol,
        "size": n(p.size),
        "mark": n(p.mark),
        "notional_usd": n(p.notional_usd),
        "initial_usd": n(p.initial_usd),
        "maintenance_rate": n(p.maintenance_rate),
        "maintenance_usd": n(p.maintenance_usd),
        "liquidation_price": on(p.liquidation_price),
        "distance_to_liq_pct": on(p.distance_to_liq_pct),
        "collateral": {
            "coin": c.coin,
            "amount": n(c.amount),
            "price": n(c.price),
            "haircut": n(c.haircut),
            "value_usd": n(c.value_usd),
            "drop_to_liq_pct": on(c.drop_to_liq_pct),
        },
        "liq_prob": r.liq_prob.map(super::json::liq_prob),
    })
}

fn funding_json(f: &Funding) -> Value {
    json!({
        "rate": n(f.rate),
        "interval_hours": n(f.interval_hours),
        "expected_per_hour": n(f.expected_per_hour),
        "estimator": if f.blended { "blended" } else { "current" },
        "usd": n(f.usd),
    })
}

fn bytes(v: &Value) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = serde_json::to_vec_pretty(v)?;
    out.push(b'\n');
    Ok(out)
}

/// `plan carry --format json` (fields in docs/json.md).
///
/// # Errors
/// Only if serialization fails.
pub fn carry_json(p: &CarryPlan) -> Result<Vec<u8>, serde_json::Error> {
    bytes(&json!({
        "plan": "carry",
        "asset": p.asset,
        "hold_days": n(p.hold_days),
        "notional_usd": n(p.notional_usd),
        "leverage": n(p.leverage),
        "spot": {
            "venue": p.spot.venue,
            "symbol": p.spot.symbol,
            "coins": n(p.spot.coins),
            "price": n(p.spot.price),
            "usd": n(p.spot.usd),
        },
        "perp": { "venue": p.perp_venue, "price": n(p.perp_price), "risk": risk_json(&p.risk) },
        "funding": funding_json(&p.funding),
        "round_trip_usd": n(p.round_trip_usd),
        "net_usd": n(p.net_usd),
        "net_apr_pct": n(p.net_apr_pct),
        "risk_adj_apr_pct": on(p.risk_adj_apr_pct),
        "break_even_days": on(p.break_even_days),
    }))
}

/// `plan hedge --format json`.
///
/// # Errors
/// Only if serialization fails.
pub fn hedge_json(p: &HedgePlan) -> Result<Vec<u8>, serde_json::Error> {
    let rows: Vec<Value> = p
        .rows
        .iter()
        .map(|r| {
            json!({
                "venue": r.venue,
                "cost_usd": n(r.cost_usd),
                "fees_usd": n(r.fees_usd),
                "funding": funding_json(&r.funding),
                "risk": risk_json(&r.risk),
            })
        })
        .collect();
    bytes(&json!({
        "plan": "hedge",
        "asset": p.asset,
        "amount": n(p.amount),
        "days": n(p.days),
        "leverage": n(p.leverage),
        "venues": rows,
    }))
}

/// `plan long --format json`.
///
/// # Errors
/// Only if serialization fails.
pub fn long_json(p: &LongPlan) -> Result<Vec<u8>, serde_json::Error> {
    bytes(&json!({
        "plan": "long",
        "asset": p.asset,
        "hold_days": n(p.hold_days),
        "notional_usd": n(p.notional_usd),
        "leverage": n(p.leverage),
        "venue": p.venue,
        "risk": risk_json(&p.risk),
        "funding": funding_json(&p.funding),
    }))
}

/// Margin and liquidation lines.
fn risk_lines(out: &mut String, r: &Risk, hold: Decimal) {
    let (p, c) = (&r.position, &r.collateral);
    let _ = writeln!(
        out,
        "  margin      IM {} USD  MM {} USD (rate {} at notional {})",
        r2(p.initial_usd),
        r2(p.maintenance_usd),
        p.maintenance_rate.normalize(),
        r2(p.notional_usd)
    );
    let _ = writeln!(
        out,
        "  liquidation price {} ({} % away) at today's {} price",
        p.liquidation_price
            .map_or_else(|| "none".into(), |l| sf(l).to_string()),
        p.distance_to_liq_pct
            .map_or_else(|| "-".into(), |d| d.round_dp(1).to_string()),
        c.coin
    );
    let _ = writeln!(
        out,
        "  collateral drop that liquidates at today's {} price: {}",
        p.asset,
        c.drop_to_liq_pct.map_or_else(
            || "none (stablecoin, or it cannot)".into(),
            |d| format!("{} %", d.round_dp(1))
        )
    );
    let _ = writeln!(
        out,
        "  liq_prob over {}d: {}",
        hold.normalize(),
        r.liq_prob
            .map_or_else(|| "n/a".into(), crate::report::table::liq)
    );
}

fn estimator(f: &Funding) -> &'static str {
    if f.blended {
        "expected (estimator)"
    } else {
        "at the current rate"
    }
}

/// The seed's capital-allocation table of a carry.
#[must_use]
pub fn carry_table(p: &CarryPlan) -> Vec<u8> {
    let (asset, pos, c) = (&p.asset, &p.risk.position, &p.risk.collateral);
    let mut out = format!(
        "carry {asset} on {}, {} USD a leg, hold {}d\n",
        p.perp_venue,
        r2(p.notional_usd),
        p.hold_days.normalize()
    );
    let _ = writeln!(
        out,
        "  spot leg    buy  {} {asset} on {} {} at {} = {} USD",
        sf(p.spot.coins),
        p.spot.venue,
        p.spot.symbol,
        sf(p.spot.price),
        r2(p.spot.usd)
    );
    let _ = writeln!(
        out,
        "  collateral  {} {} = {} USD at {}",
        sf(c.amount),
        c.coin,
        r2(c.amount * c.price),
        sf(c.price)
    );
    let _ = writeln!(
        out,
        "  perp short  sell {} {asset} on {} {} at {} (leverage {})",
        sf(-pos.size),
        p.perp_venue,
        pos.symbol,
        sf(p.perp_price),
        p.leverage.round_dp(2).normalize()
    );
    risk_lines(&mut out, &p.risk, p.hold_days);
    let _ = writeln!(
        out,
        "  funding {} {} USD  round trip {} USD  net {} USD  net APR {} %  risk-adj APR {}",
        estimator(&p.funding),
        r2(p.funding.usd),
        r2(p.round_trip_usd),
        r2(p.net_usd),
        p.net_apr_pct.round_dp(2),
        p.risk_adj_apr_pct
            .map_or_else(|| "n/a".into(), |a| format!("{} %", a.round_dp(2)))
    );
    let _ = writeln!(
        out,
        "  break-even  {}",
        p.break_even_days.map_or_else(
            || "never at the expected funding".into(),
            |d| format!("{} days", d.round_dp(1))
        )
    );
    out.into_bytes()
}

/// Strategy 1, one line per venue, cheapest first.
#[must_use]
pub fn hedge_table(p: &HedgePlan) -> Vec<u8> {
    let mut out = format!(
        "hedge {} {} with a short perp for {} days at leverage {} (USDT margin), cheapest first; cost = fees and spread in and out minus expected funding received\n",
        p.amount.normalize(),
        p.asset,
        p.days.normalize(),
        p.leverage.normalize()
    );
    for r in &p.rows {
        let pos = &r.risk.position;
        let _ = writeln!(
            out,
            "  {:<11} {:<16} cost {:>12} USD  (funding {:>12}, fees+spread {:>10})  margin {:>12} USD  liq {}",
            r.venue.id(),
            pos.symbol,
            r2(r.cost_usd),
            r2(r.funding.usd),
            r2(r.fees_usd),
            r2(pos.initial_usd),
            pos.liquidation_price
                .map_or_else(|| "none".into(), |l| sf(l).to_string())
        );
    }
    out.into_bytes()
}

/// Strategy 2.
#[must_use]
pub fn long_table(p: &LongPlan) -> Vec<u8> {
    let (pos, c) = (&p.risk.position, &p.risk.collateral);
    let mut out = format!(
        "long {} {} ({} USD) on {} {} at {}, margined by {} {} ({} USD, k {}): {}× the collateral\n",
        sf(pos.size),
        p.asset,
        r2(p.notional_usd),
        p.venue,
        pos.symbol,
        sf(pos.mark),
        c.amount.normalize(),
        c.coin,
        r2(c.amount * c.price),
        c.haircut.normalize(),
        p.leverage.round_dp(2)
    );
    risk_lines(&mut out, &p.risk, p.hold_days);
    let _ = writeln!(
        out,
        "  funding over {}d {}: {} USD {}",
        p.hold_days.normalize(),
        estimator(&p.funding),
        r2(p.funding.usd.abs()),
        if p.funding.usd > Decimal::ZERO {
            "received"
        } else {
            "paid"
        }
    );
    out.into_bytes()
}
