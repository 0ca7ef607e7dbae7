//! `basis plan carry|hedge|long`: one trade before it is opened, valued as a declared account would be at today's prices.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::{AppError, exit};
use crate::analyze::positions::{AccountView, collateral_price, evaluate};
use crate::analyze::{HistoryInputs, Params};
use crate::cli::{PlanArgs, PlanCommand};
use crate::model::account::{Account, AlertThresholds, CollateralHolding, Position};
use crate::model::{Kind, PerpQuote, Snapshot, Venue};
use crate::poll::{load_latest, poll_venues};
use crate::settings::{self, ProcessEnv, SettingsError};

/// `basis plan …`. Exit 0, or 69 when the market asked for is not in the data.
///
/// # Errors
/// Settings, store and internal failures.
pub async fn run(globals: &settings::Globals, args: &PlanArgs) -> Result<u8, AppError> {
    let mut settings = settings::build(globals, &args.poll, None, &ProcessEnv)?;
    if let Some(h) = &args.hold {
        settings.params.hold_days =
            settings::value::hold_days(h).map_err(|reason| SettingsError::Invalid {
                origin: settings::COMMAND_LINE.into(),
                key: "--hold".into(),
                value: h.clone(),
                reason,
            })?;
    }
    let demo = if args.poll.demo {
        Some(super::demo::start_demo(&mut settings).await?)
    } else {
        None
    };
    let store = super::shared::open_store(&settings.data_dir).await?;
    let outcomes = if args.offline {
        load_latest(&store, &settings.venues).await?
    } else {
        let ctx = Arc::new(super::shared::poll_context(
            &settings,
            store.clone(),
            false,
        )?);
        poll_venues(ctx, &settings.venues).await?
    };
    super::shared::report_venue_problems(&outcomes);
    let (params, snapshots) = super::positions::market(&settings, &store, outcomes, &[]).await?;
    let text = match &args.command {
        PlanCommand::Carry {
            asset,
            notional,
            venue,
            collateral,
            collateral_amount,
            leverage,
        } => carry(
            &snapshots,
            &params,
            asset,
            *notional,
            *venue,
            collateral.as_deref().unwrap_or("USDT"),
            *collateral_amount,
            leverage.unwrap_or(params.leverage),
        ),
        PlanCommand::Hedge {
            asset,
            amount,
            days,
            leverage,
        } => hedge(
            &snapshots,
            &params,
            asset,
            *amount,
            *days,
            leverage.unwrap_or(params.leverage),
        ),
        PlanCommand::Long {
            asset,
            notional,
            collateral,
            collateral_amount,
            venue,
        } => long(
            &snapshots,
            &params,
            asset,
            *notional,
            collateral,
            *collateral_amount,
            *venue,
        ),
    };
    super::shared::close_store(store).await?;
    drop(demo);
    match text {
        Ok(t) => {
            super::shared::write_stdout(t.as_bytes())?;
            Ok(exit::OK)
        }
        Err(why) => {
            tracing::error!("{why}");
            Ok(exit::UNAVAILABLE)
        }
    }
}

/// The linear perp of `asset` on `venue`: USDT first, then USDC, then USD.
fn perp_on<'a>(snapshots: &'a [Snapshot], venue: Venue, asset: &str) -> Option<&'a PerpQuote> {
    let rank = |q: &str| match q {
        "USDT" => 0,
        "USDC" => 1,
        _ => 2,
    };
    snapshots
        .iter()
        .filter(|s| s.venue == venue)
        .flat_map(|s| &s.perps)
        .filter(|p| p.asset.eq_ignore_ascii_case(asset))
        .filter(|p| matches!(p.quote.as_str(), "USDT" | "USDC" | "USD"))
        .min_by_key(|p| rank(&p.quote))
}

/// Mark per coin (book mid when no mark).
fn mark(p: &PerpQuote) -> Option<Decimal> {
    p.mark_price.or_else(|| p.mid()).map(|m| p.unit_price(m))
}

/// A one-position, one-coin account valued at today's prices (entry = mark).
#[allow(clippy::too_many_arguments)]
fn value(
    snapshots: &[Snapshot],
    params: &Params,
    venue: Venue,
    perp: &PerpQuote,
    size: Decimal,
    entry: Decimal,
    coin: &str,
    amount: Decimal,
    leverage: Option<Decimal>,
) -> AccountView {
    let account = Account {
        name: "plan".into(),
        venue,
        collateral: vec![CollateralHolding {
            coin: coin.to_ascii_uppercase(),
            amount,
        }],
        positions: vec![Position {
            symbol: perp.symbol.clone(),
            size,
            entry,
            leverage,
            tiers: None,
        }],
        leverage: None,
        thresholds: AlertThresholds::default(),
    };
    evaluate(
        &account,
        snapshots,
        params,
        &HistoryInputs::default(),
        &BTreeMap::new(),
    )
}

fn r2(d: Decimal) -> Decimal {
    d.round_dp(2)
}

fn sf(d: Decimal) -> Decimal {
    d.round_sf(6).unwrap_or(d).normalize()
}

/// Margin and liquidation lines of a valued plan.
fn risk_lines(out: &mut String, v: &AccountView, hold: Decimal) {
    let Some(f) = &v.figures else { return };
    let p = &f.positions[0];
    let c = &f.collateral[0];
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
        v.liq_prob
            .map_or_else(|| "n/a".into(), crate::report::table::liq)
    );
}

#[allow(clippy::too_many_arguments)]
fn carry(
    snapshots: &[Snapshot],
    params: &Params,
    asset: &str,
    notional: Decimal,
    venue: Option<Venue>,
    coin: &str,
    amount: Option<Decimal>,
    leverage: Decimal,
) -> Result<String, String> {
    let ranking = crate::analyze::analyze(
        snapshots,
        &Params {
            kinds: vec![Kind::Carry],
            assets: vec![asset.to_owned()],
            collateral: coin.to_owned(),
            leverage,
            min_apr_pct: None,
            min_volume_usd: Decimal::ZERO,
            ..params.clone()
        },
    );
    let o = ranking
        .iter()
        .find(|o| venue.is_none_or(|v| o.short.venue == v))
        .ok_or_else(|| format!("no {asset} carry (spot + short perp, funding > 0) on {} in the data; try another --venue or `basis scan --assets {asset}`", venue.map_or("any venue".into(), |v| v.to_string())))?;
    let v = o.short.venue;
    let perp = perp_on(snapshots, v, asset)
        .filter(|p| p.symbol == o.short.symbol)
        .ok_or("the ranked perp is not in the data")?;
    let m = mark(perp).ok_or("no mark price")?;
    let p_c = collateral_price(snapshots, v, coin).ok_or_else(|| format!("no {coin} price"))?;
    let amount = amount.unwrap_or_else(|| notional / leverage / p_c);
    let size = -(notional / m);
    let view = value(
        snapshots,
        params,
        v,
        perp,
        size,
        m,
        coin,
        amount,
        Some(leverage),
    );
    let hold = params.hold_days;
    let years = hold / Decimal::from(365);
    let net = o.net_apr_pct / Decimal::ONE_HUNDRED * years * notional;
    let cost = o.cost_pct / Decimal::ONE_HUNDRED * notional;
    let funding = net + cost;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "carry {asset} on {v}, {} USD a leg, hold {}d",
        r2(notional),
        hold.normalize()
    );
    let _ = writeln!(
        out,
        "  spot leg    buy  {} {asset} on {} {} at {}",
        sf(notional / o.long.price),
        o.long.venue,
        o.long.symbol,
        sf(o.long.price)
    );
    let _ = writeln!(
        out,
        "  collateral  {} {coin} = {} USD at {}",
        sf(amount),
        r2(amount * p_c),
        sf(p_c)
    );
    let _ = writeln!(
        out,
        "  perp short  sell {} {asset} on {v} {} at {} (leverage {})",
        sf(-size),
        perp.symbol,
        sf(o.short.price),
        leverage.normalize()
    );
    risk_lines(&mut out, &view, hold);
    let _ = writeln!(
        out,
        "  expected funding {} USD  round trip {} USD  net {} USD  net APR {} %  risk-adj APR {} %",
        r2(funding),
        r2(cost),
        r2(net),
        o.net_apr_pct.round_dp(2),
        o.risk_adj_apr_pct.round_dp(2)
    );
    let per_day = funding / hold;
    let _ = writeln!(
        out,
        "  break-even  {}",
        if per_day > Decimal::ZERO {
            format!("{} days", (cost / per_day).round_dp(1))
        } else {
            "never at the expected funding".into()
        }
    );
    Ok(out)
}

fn hedge(
    snapshots: &[Snapshot],
    params: &Params,
    asset: &str,
    amount: Decimal,
    days: u32,
    leverage: Decimal,
) -> Result<String, String> {
    let mut rows = Vec::new();
    for venue in Venue::ALL {
        let Some(perp) = perp_on(snapshots, venue, asset) else {
            continue;
        };
        let (Some(m), Some(bid), Some(ask)) = (mark(perp), perp.bid, perp.ask) else {
            continue;
        };
        if perp.funding_interval_hours <= Decimal::ZERO || bid + ask <= Decimal::ZERO {
            continue;
        }
        let n = amount * m;
        let funding =
            perp.funding_rate / perp.funding_interval_hours * Decimal::from(24 * days) * n;
        let half = (ask - bid) / (ask + bid);
        let fees = Decimal::TWO * (params.costs_for(venue).perp_taker_fee + half) * n;
        let view = value(
            snapshots,
            params,
            venue,
            perp,
            -amount,
            m,
            "USDT",
            n / leverage,
            Some(leverage),
        );
        rows.push((
            fees - funding,
            venue,
            perp.symbol.clone(),
            funding,
            fees,
            view,
        ));
    }
    if rows.is_empty() {
        return Err(format!("no linear {asset} perp in the data"));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut out = format!(
        "hedge {} {asset} with a short perp for {days} days at leverage {} (USDT margin), cheapest first; cost = fees and spread in and out minus funding received\n",
        amount.normalize(),
        leverage.normalize()
    );
    for (net, venue, symbol, funding, fees, view) in rows {
        let f = view.figures.as_ref();
        let liq = f
            .and_then(|f| f.positions[0].liquidation_price)
            .map_or_else(|| "none".into(), |l| sf(l).to_string());
        let im = f.map_or(Decimal::ZERO, |f| f.initial_usd);
        let _ = writeln!(
            out,
            "  {:<11} {symbol:<16} cost {:>12} USD  (funding {:>12}, fees+spread {:>10})  margin {:>12} USD  liq {liq}",
            venue.id(),
            r2(net),
            r2(funding),
            r2(fees),
            r2(im)
        );
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn long(
    snapshots: &[Snapshot],
    params: &Params,
    asset: &str,
    notional: Decimal,
    coin: &str,
    amount: Decimal,
    venue: Option<Venue>,
) -> Result<String, String> {
    let (v, perp) = Venue::ALL
        .into_iter()
        .filter(|v| venue.is_none_or(|w| w == *v))
        .find_map(|v| perp_on(snapshots, v, asset).map(|p| (v, p)))
        .ok_or_else(|| format!("no linear {asset} perp in the data"))?;
    let m = mark(perp).ok_or("no mark price")?;
    let size = notional / m;
    // IM at the leverage the trade uses: notional over the collateral's market value.
    let leverage = collateral_price(snapshots, v, coin)
        .and_then(|p| notional.checked_div(amount * p))
        .filter(|l| *l > Decimal::ZERO);
    let view = value(snapshots, params, v, perp, size, m, coin, amount, leverage);
    let hold = params.hold_days;
    let mut out = String::new();
    let Some(f) = &view.figures else {
        return Err(view.missing.join("; "));
    };
    let c = &f.collateral[0];
    let _ = writeln!(
        out,
        "long {} {asset} ({} USD) on {v} {} at {}, margined by {} {coin} ({} USD, k {}): {}× the collateral",
        sf(size),
        r2(notional),
        perp.symbol,
        sf(m),
        amount.normalize(),
        r2(c.amount * c.price),
        c.haircut.normalize(),
        (notional / (c.amount * c.price)).round_dp(2)
    );
    risk_lines(&mut out, &view, hold);
    let paid = -f.positions[0].funding_per_day_usd * hold;
    let _ = writeln!(
        out,
        "  funding over {}d at the current rate: {} USD {}",
        hold.normalize(),
        r2(paid.abs()),
        if paid >= Decimal::ZERO {
            "paid"
        } else {
            "received"
        }
    );
    Ok(out)
}
