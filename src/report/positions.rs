//! `basis positions` output (pure): the accounts' DESIGN figures as a table or one JSON object.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::analyze::positions::AccountView;
use crate::model::Venue;
use crate::report::safe::display;

/// A decimal as written: 12 significant figures, trailing zeros dropped (a JSON number).
fn num(d: Decimal) -> Decimal {
    d.round_sf(12).unwrap_or(d).normalize()
}

fn opt(d: Option<Decimal>) -> Option<Decimal> {
    d.map(num)
}

#[derive(Serialize)]
struct Doc<'a> {
    generated_at: String,
    hold_days: Decimal,
    accounts: Vec<AccountOut<'a>>,
}

#[derive(Serialize)]
struct AccountOut<'a> {
    name: &'a str,
    venue: Venue,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    equity_usd: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    collateral_usd: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    unrealised_pnl_usd: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    maintenance_usd: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    initial_usd: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
    margin_ratio: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    free_margin_usd: Decimal,
    liq_prob: Option<f64>,
    collateral: Vec<CollateralOut<'a>>,
    positions: Vec<PositionOut<'a>>,
    alerts: Vec<AlertOut<'a>>,
}

#[derive(Serialize)]
struct CollateralOut<'a> {
    coin: &'a str,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    amount: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    price: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    haircut: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    value_usd: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
    drop_to_liq_pct: Option<Decimal>,
}

#[derive(Serialize)]
struct PositionOut<'a> {
    symbol: &'a str,
    asset: &'a str,
    side: &'static str,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    size: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    entry: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    mark: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    notional_usd: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    unrealised_pnl_usd: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    maintenance_rate: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    maintenance_usd: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
    liquidation_price: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
    distance_to_liq_pct: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    funding_rate: Decimal,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    funding_interval_hours: Decimal,
}

#[derive(Serialize)]
struct AlertOut<'a> {
    kind: &'static str,
    message: &'a str,
}

/// The JSON document: `generated_at`, `hold_days` and `accounts[]` with DESIGN's fields (only
/// the accounts that could be priced; the others are reported on stderr).
///
/// # Errors
/// Only if serialization fails (it does not for these types).
pub fn json(
    views: &[AccountView],
    hold_days: Decimal,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, serde_json::Error> {
    let accounts = views
        .iter()
        .filter_map(|v| {
            let f = v.figures.as_ref()?;
            Some(AccountOut {
                name: &v.account.name,
                venue: v.account.venue,
                equity_usd: num(f.equity_usd),
                collateral_usd: num(f.collateral_usd),
                unrealised_pnl_usd: num(f.unrealised_pnl_usd),
                maintenance_usd: num(f.maintenance_usd),
                initial_usd: num(f.initial_usd),
                margin_ratio: opt(f.margin_ratio),
                free_margin_usd: num(f.free_margin_usd),
                liq_prob: v.liq_prob.map(super::json::liq_prob),
                collateral: f
                    .collateral
                    .iter()
                    .map(|c| CollateralOut {
                        coin: &c.coin,
                        amount: num(c.amount),
                        price: num(c.price),
                        haircut: num(c.haircut),
                        value_usd: num(c.value_usd),
                        drop_to_liq_pct: opt(c.drop_to_liq_pct),
                    })
                    .collect(),
                positions: f
                    .positions
                    .iter()
                    .map(|p| PositionOut {
                        symbol: &p.symbol,
                        asset: &p.asset,
                        side: p.side.id(),
                        size: num(p.size),
                        entry: num(p.entry),
                        mark: num(p.mark),
                        notional_usd: num(p.notional_usd),
                        unrealised_pnl_usd: num(p.unrealised_pnl_usd),
                        maintenance_rate: num(p.maintenance_rate),
                        maintenance_usd: num(p.maintenance_usd),
                        liquidation_price: opt(p.liquidation_price),
                        distance_to_liq_pct: opt(p.distance_to_liq_pct),
                        funding_rate: num(p.funding_rate),
                        funding_interval_hours: num(p.funding_interval_hours),
                    })
                    .collect(),
                alerts: v
                    .alerts
                    .iter()
                    .map(|a| AlertOut {
                        kind: a.kind.id(),
                        message: &a.message,
                    })
                    .collect(),
            })
        })
        .collect();
    let doc = Doc {
        generated_at: now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        hold_days: hold_days.normalize(),
        accounts,
    };
    let mut out = serde_json::to_vec_pretty(&doc)?;
    out.push(b'\n');
    Ok(out)
}

/// Money with two decimals and thousands separators: `-12,000.00`.
fn usd(d: Decimal) -> String {
    let s = format!("{:.2}", d.round_dp(2).abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if d.round_dp(2) < Decimal::ZERO {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{frac}")
}

/// A price: 6 significant figures.
fn px(d: Decimal) -> String {
    d.round_sf(6).unwrap_or(d).normalize().to_string()
}

/// `[####------]`: the margin ratio out of 1 (liquidation), ten cells.
fn bar(ratio: Option<Decimal>) -> String {
    let filled = ratio.map_or(10, |r| {
        let cells = (r * Decimal::TEN).round().to_i64().unwrap_or(10);
        usize::try_from(cells.clamp(0, 10)).unwrap_or(10)
    });
    format!("[{}{}]", "#".repeat(filled), "-".repeat(10 - filled))
}

/// The table a trader reads at a glance: per account its equity, margin ratio with a bar, free
/// margin and `liq_prob`; per collateral coin its value and the drop that liquidates; per
/// position its liquidation price and distance, and funding per day at the current rate; then
/// the alerts in force.
#[must_use]
pub fn table(views: &[AccountView], hold_days: Decimal) -> Vec<u8> {
    let mut out = String::new();
    for v in views {
        let name = display(&v.account.name, 64);
        let Some(f) = v.figures.as_ref() else {
            let _ = writeln!(out, "{name} ({}): not priced", v.account.venue);
            for m in &v.missing {
                let _ = writeln!(out, "  {}", display(m, 200));
            }
            out.push('\n');
            continue;
        };
        let ratio = f.margin_ratio.map_or_else(
            || "LIQUIDATED".to_owned(),
            |r| format!("{:.3}", r.round_dp(3)),
        );
        let liq = v.liq_prob.map_or_else(
            || "n/a (one position, one coin only)".to_owned(),
            super::table::liq,
        );
        let _ = writeln!(
            out,
            "{name} ({})  equity {} USD  margin ratio {ratio} {}  free margin {} USD  liq_prob {liq} over {}d",
            v.account.venue,
            usd(f.equity_usd),
            bar(f.margin_ratio),
            usd(f.free_margin_usd),
            hold_days.normalize()
        );
        let _ = writeln!(
            out,
            "  collateral {} USD  unrealised PnL {} USD  maintenance {} USD  initial {} USD",
            usd(f.collateral_usd),
            usd(f.unrealised_pnl_usd),
            usd(f.maintenance_usd),
            usd(f.initial_usd)
        );
        for c in &f.collateral {
            let drop = c
                .drop_to_liq_pct
                .map_or_else(|| "-".to_owned(), |d| format!("{:.1} %", d.round_dp(1)));
            let _ = writeln!(
                out,
                "  {:<8} {:>14} @ {:<12} k {:<5} = {:>16} USD   drop to liq {drop}",
                display(&c.coin, 16),
                c.amount.normalize(),
                px(c.price),
                c.haircut.normalize(),
                usd(c.value_usd)
            );
        }
        for p in &f.positions {
            let liq = match (p.liquidation_price, p.distance_to_liq_pct) {
                (Some(l), Some(d)) => format!("{} ({:.1} % away)", px(l), d.round_dp(1)),
                _ => "none".to_owned(),
            };
            let _ = writeln!(
                out,
                "  {:<14} {:<5} {:>12} @ {:<10} mark {:<10} uPnL {:>14}  MM {:>12}  liq {liq}  funding {} USD/day",
                display(&p.symbol, 32),
                p.side.id(),
                p.size.abs().normalize(),
                px(p.entry),
                px(p.mark),
                usd(p.unrealised_pnl_usd),
                usd(p.maintenance_usd),
                usd(p.funding_per_day_usd)
            );
        }
        for a in &v.alerts {
            let _ = writeln!(out, "  ALERT {}: {}", a.kind.id(), display(&a.message, 300));
        }
        out.push('\n');
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_bars() {
        assert_eq!(usd(Decimal::new(-1_200_000, 2)), "-12,000.00");
        assert_eq!(usd(Decimal::new(123_456_789, 1)), "12,345,678.90");
        assert_eq!(usd(Decimal::new(-1, 3)), "0.00");
        assert_eq!(bar(Some(Decimal::new(17, 3))), "[----------]");
        assert_eq!(bar(Some(Decimal::new(56, 2))), "[######----]");
        assert_eq!(bar(Some(Decimal::new(25, 1))), "[##########]");
        assert_eq!(bar(None), "[##########]");
    }
}
