//! Candidates, filters and the deterministic order of opportunities.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

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
pub(super) fn asset_filter(assets: &[String]) -> HashSet<String> {
    assets
        .iter()
        .map(|a| a.trim().to_ascii_uppercase())
        .filter(|a| !a.is_empty())
        .collect()
}

/// `liq_prob` as a `Decimal` for the `Decimal` APR maths, to 15 decimal places (far below the
/// 6 places reported; a fixed-point conversion is several times cheaper than `from_f64`).
fn prob_decimal(p: f64) -> Decimal {
    if p.is_nan() || p >= 1.0 {
        return Decimal::ONE;
    }
    if p <= 0.0 {
        return Decimal::ZERO;
    }
    // 0 < p < 1, so the scaled value fits an i64 exactly.
    #[allow(clippy::cast_possible_truncation)]
    let scaled = (p * 1e15).round() as i64;
    Decimal::new(scaled, 15)
}

/// The smaller of two legs' 24 h quote volumes; `None` if either is unknown.
pub(super) fn min_volume(a: Option<Decimal>, b: Option<Decimal>) -> Option<Decimal> {
    Some(a?.min(b?))
}

/// Whether a row passes `--min-volume` (0 disables; unknown volume fails a positive minimum).
pub(super) fn volume_ok(volume: Option<Decimal>, min: Decimal) -> bool {
    min <= Decimal::ZERO || volume.is_some_and(|v| v >= min)
}

/// The short perp leg of `perp` as margined by the scan's collateral, with its `m`
/// ([`super::Params::maintenance_on`]):
/// `None` without a `σ_A` (own 24 h high/low or another venue's perp) or when a volatile
/// collateral has no spot market anywhere.
pub(super) fn short_leg(perp: &PerpQuote, ctx: &Context<'_>) -> Option<PerpLeg> {
    Some(PerpLeg {
        side: Side::Short,
        sigma_a: ctx.sigma_a(perp)?,
        collateral: ctx.collateral_for(perp)?,
        haircut: ctx.haircut_on(perp.venue),
        maintenance_margin: ctx
            .params
            .maintenance_on(perp.venue, &perp.symbol)
            .to_f64()?,
    })
}

/// Spot markets by venue, asset and quote.
type SpotKey<'a> = (Venue, &'a str, &'a str);

/// Every `carry` candidate: a perp with `r > 0` and `h > 0` against each spot market of the same
/// venue, asset and quote, both books positive and uncrossed, filtered by `--assets` and
/// `--min-volume`. Candidates without a `σ_A`, or with a volatile collateral that has no spot
/// market anywhere, are skipped silently.
pub(crate) fn carry_candidates(snapshots: &[Snapshot], ctx: &Context<'_>) -> Vec<Candidate> {
    let assets = asset_filter(&ctx.params.assets);
    let wanted = |asset: &str| assets.is_empty() || assets.contains(&asset.to_ascii_uppercase());

    let mut spots: HashMap<SpotKey<'_>, Vec<(&SpotQuote, Book)>> = HashMap::new();
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
        let Some(leg) = short_leg(perp, ctx) else {
            continue;
        };
        for (spot, spot_book) in matches {
            let volume = min_volume(spot.volume_24h_quote, perp.volume_24h_quote);
            if !volume_ok(volume, ctx.params.min_volume_usd) {
                continue;
            }
            let trade = spot_perp(Kind::Carry, (spot, *spot_book), (perp, perp_book), leg, ctx);
            if let Some(c) = candidate(&trade, volume, ctx) {
                out.push(c);
            }
        }
    }
    out
}

/// One leg of a [`Trade`]: what the row reports and what its cost needs.
#[derive(Clone, Copy, Debug)]
pub(super) struct TradeLeg<'a> {
    /// Venue.
    pub(super) venue: Venue,
    /// Spot or perp.
    pub(super) market: Market,
    /// Venue symbol.
    pub(super) symbol: &'a str,
    /// Book per one unit of the asset.
    pub(super) book: Book,
    /// Taker fee of this market on this venue.
    pub(super) fee: Decimal,
}

impl<'a> TradeLeg<'a> {
    /// A spot leg, charged its venue's spot taker fee.
    pub(super) fn spot(spot: &'a SpotQuote, book: Book, ctx: &Context<'_>) -> TradeLeg<'a> {
        TradeLeg {
            venue: spot.venue,
            market: Market::Spot,
            symbol: &spot.symbol,
            book,
            fee: ctx.params.costs_for(spot.venue).spot_taker_fee,
        }
    }

    /// A perp leg, charged its venue's perp taker fee.
    pub(super) fn perp(perp: &'a PerpQuote, book: Book, ctx: &Context<'_>) -> TradeLeg<'a> {
        TradeLeg {
            venue: perp.venue,
            market: Market::Perp,
            symbol: &perp.symbol,
            book,
            fee: ctx.params.costs_for(perp.venue).perp_taker_fee,
        }
    }
}

/// Everything one row is computed from, whatever its kind.
#[derive(Clone, Copy, Debug)]
pub(super) struct Trade<'a> {
    /// Kind.
    pub(super) kind: Kind,
    /// Spot coin.
    pub(super) asset: &'a str,
    /// Reported quote.
    pub(super) quote: &'a str,
    /// The leg bought (crossed at its ask).
    pub(super) long: TradeLeg<'a>,
    /// The leg sold (crossed at its bid).
    pub(super) short: TradeLeg<'a>,
    /// Funding paid to us per `interval_hours` (for `perp_spread`, `d * h_s`): the current print.
    pub(super) rate: Decimal,
    /// The interval `rate` covers.
    pub(super) interval_hours: Decimal,
    /// The per-hour rate `E` uses when the history blends it (for `perp_spread`, the short
    /// leg's minus the long leg's); `None`: `E` from `rate / interval_hours`.
    pub(super) expected_per_hour: Option<Decimal>,
    /// When the reported rate settles.
    pub(super) next_funding_time: Option<DateTime<Utc>>,
    /// The leveraged legs.
    pub(super) position: Position,
    /// Liquidation fee charged in `risk_adj_apr`.
    pub(super) liquidation_fee: Decimal,
}

/// A `carry` or `cross_carry` trade: long `spot` (its venue's spot fee), short `perp` (its
/// venue's perp fee, liquidation fee and the given short `leg`), paid the perp's own rate
/// (its expected rate from the history, when there is one, for `E`).
pub(super) fn spot_perp<'a>(
    kind: Kind,
    (spot, spot_book): (&'a SpotQuote, Book),
    (perp, perp_book): (&'a PerpQuote, Book),
    leg: PerpLeg,
    ctx: &Context<'_>,
) -> Trade<'a> {
    Trade {
        kind,
        asset: &perp.asset,
        quote: &perp.quote,
        long: TradeLeg::spot(spot, spot_book, ctx),
        short: TradeLeg::perp(perp, perp_book, ctx),
        rate: perp.funding_rate,
        interval_hours: perp.funding_interval_hours,
        expected_per_hour: ctx.expected_per_hour(perp),
        next_funding_time: perp.next_funding_time,
        position: Position::short_only(leg),
        liquidation_fee: ctx.params.costs_for(perp.venue).liquidation_fee,
    }
}

/// The row of a trade with the given 24 h volume: economics, liquidation probability at `L`
/// and the risk-adjusted APR. `None` on bad data (see [`Economics::new`]) and, with
/// `--min-apr`, when the row would be filtered out anyway: `risk_adj_apr <= net_apr` whenever
/// `liquidation_fee + cost >= 0`, so a row whose rounded `net_apr_pct` is below the minimum is
/// dropped before its liquidation probability is computed or its strings are copied.
pub(super) fn candidate(
    trade: &Trade<'_>,
    volume: Option<Decimal>,
    ctx: &Context<'_>,
) -> Option<Candidate> {
    let hold = ctx.params.hold_days;
    let min_apr = ctx.params.min_apr_pct;
    let econ = Economics::new(
        trade.rate,
        trade.interval_hours,
        hold,
        (trade.long.book, trade.long.fee),
        (trade.short.book, trade.short.fee),
    )?;
    let econ = match trade.expected_per_hour {
        Some(per_hour) => econ.with_expected_per_hour(per_hour, hold)?,
        None => econ,
    };
    let net_apr_pct = carry::to_pct(econ.net_apr)?;
    let loss_non_negative = trade.liquidation_fee.checked_add(econ.cost)? >= Decimal::ZERO;
    if loss_non_negative && min_apr.is_some_and(|m| net_apr_pct < m) {
        return None;
    }
    let liq_prob = trade.position.liq_prob(ctx.leverage, ctx.years);
    let risk_adj = carry::risk_adjusted_apr(
        econ.net_apr,
        prob_decimal(liq_prob),
        trade.liquidation_fee,
        econ.cost,
        hold,
    )?;
    let risk_adj_apr_pct = carry::to_pct(risk_adj)?;
    if min_apr.is_some_and(|m| risk_adj_apr_pct < m) {
        return None;
    }
    let leg = |l: &TradeLeg<'_>, price: Decimal| Leg {
        venue: l.venue,
        market: l.market,
        symbol: l.symbol.to_owned(),
        price: price.normalize(),
    };
    let opportunity = Opportunity {
        rank: 0,
        kind: trade.kind,
        asset: trade.asset.to_owned(),
        quote: trade.quote.to_owned(),
        long: leg(&trade.long, trade.long.book.ask),
        short: leg(&trade.short, trade.short.book.bid),
        funding_rate: trade.rate,
        funding_interval_hours: trade.interval_hours,
        next_funding_time: trade.next_funding_time,
        funding_apr_pct: carry::to_pct(econ.funding_apr)?,
        basis_pct: carry::round6(econ.basis_pct),
        cost_pct: carry::to_pct(econ.cost)?,
        net_apr_pct,
        liq_prob,
        risk_adj_apr_pct,
        safe_leverage: Decimal::ZERO,
        volume_24h_usd: volume,
        apr_1d: None,
        apr_7d: None,
        apr_30d: None,
        pos_30d: None,
        leverage_ok: true,
        funding_interval_assumed: false,
    };
    Some(Candidate {
        opportunity,
        position: trade.position,
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
/// [`compare`] and numbers the rows from 1. Sorts indices, not the rows: a row is a few hundred
/// bytes, and moving tens of thousands of them through a sort costs more than comparing them.
pub(crate) fn finish(candidates: Vec<Candidate>, ctx: &Context<'_>) -> Vec<Opportunity> {
    let min_apr = ctx.params.min_apr_pct;
    let mut rows: Vec<Opportunity> = candidates
        .into_iter()
        .filter(|c| min_apr.is_none_or(|m| c.opportunity.risk_adj_apr_pct >= m))
        .map(|c| {
            let grid = c.position.safe_leverage(ctx.years, ctx.params.max_liq_prob);
            let mut o = c.opportunity;
            o.safe_leverage = Decimal::new(i64::from(grid), 2).normalize();
            o.leverage_ok = ctx.params.leverage <= o.safe_leverage;
            o
        })
        .collect();
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_unstable_by(|&a, &b| compare(&rows[a], &rows[b]));
    // Row `order[k]` goes to position `k`: apply the permutation in place, one swap per row.
    let mut target = vec![0; rows.len()];
    for (k, &i) in order.iter().enumerate() {
        target[i] = k;
    }
    for i in 0..rows.len() {
        while target[i] != i {
            let j = target[i];
            rows.swap(i, j);
            target.swap(i, j);
        }
    }
    for (i, o) in rows.iter_mut().enumerate() {
        o.rank = i + 1;
    }
    rows
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::analyze::testkit::{
        assert_btc_row, assert_pct, btc_perp, btc_spot, d, f, parkinson, phi, quoted_perp,
        quoted_spot, snap,
    };
    use crate::analyze::{Params, analyze};

    /// Only the `carry` kind (the cross-venue kinds are tested in `cross.rs`).
    fn carry_only() -> Params {
        Params {
            kinds: vec![Kind::Carry],
            ..Params::default()
        }
    }

    /// A perp quoting `bid`/`ask`, its 24 h range 10 % around them, with 5 M volume.
    #[allow(clippy::too_many_arguments)]
    fn perp(
        venue: Venue,
        symbol: &str,
        asset: &str,
        quote: &str,
        mult: &str,
        bid: &str,
        ask: &str,
        rate: &str,
        hours: &str,
    ) -> PerpQuote {
        let range = (d(ask) * d("1.1"), d(bid) * d("0.9"));
        let (names, book) = ((asset, quote, mult), (bid, ask));
        quoted_perp(venue, symbol, names, book, (rate, hours), range)
    }

    fn spot(
        venue: Venue,
        symbol: &str,
        asset: &str,
        quote: &str,
        bid: &str,
        ask: &str,
    ) -> SpotQuote {
        quoted_spot(venue, symbol, (asset, quote), bid, ask)
    }

    /// `asset`/USDT on `venue` as a perp quoting `perp_book` and paying `rate` per 8 h, and as a
    /// spot quoting `spot_book`.
    fn usdt_market(
        venue: Venue,
        asset: &str,
        (bid, ask): (&str, &str),
        rate: &str,
        (spot_bid, spot_ask): (&str, &str),
    ) -> (PerpQuote, SpotQuote) {
        let symbol = format!("{asset}USDT");
        (
            perp(venue, &symbol, asset, "USDT", "1", bid, ask, rate, "8"),
            spot(venue, &symbol, asset, "USDT", spot_bid, spot_ask),
        )
    }

    /// One snapshot of `venue` listing each market's perp and spot.
    fn markets(
        venue: Venue,
        markets: impl IntoIterator<Item = (PerpQuote, SpotQuote)>,
    ) -> Snapshot {
        let (perps, spots) = markets.into_iter().unzip();
        snap(venue, perps, spots)
    }

    /// A venue's snapshot of the tests' BTC/USDT perp paying `rate` per `hours` and its spot.
    fn btc(venue: Venue, rate: &str, hours: &str) -> Snapshot {
        snap(
            venue,
            vec![btc_perp(venue, "BTCUSDT", "USDT", rate, hours)],
            vec![btc_spot(venue, "BTCUSDT", "USDT")],
        )
    }

    #[test]
    fn carry_hand_computed_end_to_end() {
        let out = analyze(&[btc(Venue::Binance, "0.0005", "8")], &Params::default());
        assert_eq!(out.len(), 1);
        let o = &out[0];
        assert_eq!(
            (o.rank, o.kind, o.asset.as_str(), o.quote.as_str()),
            (1, Kind::Carry, "BTC", "USDT")
        );
        assert_eq!(
            (o.long.venue, o.short.venue),
            (Venue::Binance, Venue::Binance)
        );
        assert_btc_row(o);
        // cost: 2 × (0.001 + 10/120010 + 0.0005 + 10/120070)
        let cost = 2.0 * (0.001 + 10.0 / 120_010.0 + 0.0005 + 10.0 / 120_070.0);
        assert_pct(o.cost_pct, cost);
        let e = 0.0005 / 8.0 * 24.0 * 7.0;
        let net = (e - cost) * 365.0 / 7.0;
        assert_pct(o.net_apr_pct, net);
        // Short leg, USDT collateral: q = 0.5, D = ln(1.5 / 1.004), σ_A Parkinson(66000, 54000)
        let t = 7.0 / 365.0;
        let sigma = parkinson(66_000.0, 54_000.0);
        let dist = (1.5f64 / 1.004).ln();
        let p = 2.0 * phi(-dist / (sigma * sigma * t).sqrt());
        assert!((o.liq_prob - p).abs() < 1e-6, "{} vs {p}", o.liq_prob);
        assert!(o.liq_prob > 0.1 && o.liq_prob < 0.3);
        let risk_adj = net - o.liq_prob * (0.01 + cost) * 365.0 / 7.0;
        assert_pct(o.risk_adj_apr_pct, risk_adj);
        // Safe leverage: ln((1 + 1/L) / 1.004) >= z σ √T with z = Φ⁻¹(0.995) = 2.5758293
        let l_star = 1.0 / (1.004 * (2.575_829_3 * sigma * t.sqrt()).exp() - 1.0);
        assert_eq!(f(o.safe_leverage), (l_star * 100.0).floor() / 100.0);
    }

    #[test]
    fn hourly_funding_pays_eight_times_the_eight_hourly() {
        let one = analyze(&[btc(Venue::Bybit, "0.0001", "1")], &Params::default());
        let eight = analyze(&[btc(Venue::Bybit, "0.0001", "8")], &Params::default());
        assert_eq!(one[0].funding_apr_pct, d("87.6"));
        assert_eq!(eight[0].funding_apr_pct, d("10.95"));
        assert_eq!(one[0].funding_interval_hours, d("1"));
        // Same cost: the net APRs differ by exactly the funding APRs' difference.
        let diff = one[0].net_apr_pct - eight[0].net_apr_pct;
        assert!((diff - d("76.65")).abs() <= d("0.000002"), "{diff}");
        // Bybit's perp fee: cost uses 0.00055.
        let cost = 2.0 * (0.001 + 10.0 / 120_010.0 + 0.00055 + 10.0 / 120_070.0);
        assert_pct(one[0].cost_pct, cost);
    }

    #[test]
    fn thousand_x_contract_is_priced_per_coin() {
        let v = Venue::Binance;
        let s = snap(
            v,
            vec![perp(
                v,
                "1000PEPEUSDT",
                "PEPE",
                "USDT",
                "1000",
                "0.0101",
                "0.0102",
                "0.0003",
                "4",
            )],
            vec![spot(v, "PEPEUSDT", "PEPE", "USDT", "0.00001", "0.00001002")],
        );
        let out = analyze(&[s], &Params::default());
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].short.price, d("0.0000101"));
        assert_eq!(out[0].long.price, d("0.00001002"));
        // (0.00001015 − 0.00001001) / 0.00001001 × 100
        assert_eq!(out[0].basis_pct, d("1.398601"));
        // Spreads are ratios: 0.0001/0.0203 and 0.00000002/0.00002002.
        let cost = 2.0 * (0.001 + 0.000_000_02 / 0.000_020_02 + 0.0005 + 0.0001 / 0.0203);
        assert_pct(out[0].cost_pct, cost);
    }

    #[test]
    fn quotes_and_venues_never_mix_in_carry() {
        let (b, y) = (Venue::Binance, Venue::Bybit);
        let snaps = [
            snap(
                b,
                vec![perp(
                    b, "ETHUSDC", "ETH", "USDC", "1", "3000", "3001", "0.0003", "8",
                )],
                vec![spot(b, "ETHUSDT", "ETH", "USDT", "2999", "3000")],
            ),
            snap(
                y,
                vec![],
                vec![spot(y, "ETHUSDC", "ETH", "USDC", "2999", "3000")],
            ),
        ];
        assert!(analyze(&snaps, &carry_only()).is_empty());
        // Across venues the USDC perp meets the USDC spot: a cross_carry, never a carry.
        let out = analyze(&snaps, &Params::default());
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].kind, out[0].long.venue, out[0].short.venue),
            (Kind::CrossCarry, y, b)
        );
    }

    /// OKX's SOL-USDT-SWAP quoting 150/150.1 and paying 0.0002 per 8 h, and its SOL-USDT spot.
    fn okx_sol() -> (PerpQuote, SpotQuote) {
        let v = Venue::Okx;
        (
            perp(
                v,
                "SOL-USDT-SWAP",
                "SOL",
                "USDT",
                "1",
                "150",
                "150.1",
                "0.0002",
                "8",
            ),
            spot(v, "SOL-USDT", "SOL", "USDT", "149.9", "150"),
        )
    }

    #[test]
    fn edge_rules_skip_silently() {
        let v = Venue::Okx;
        let good = || okx_sol().0;
        let sp = || okx_sol().1;
        let run = |p: PerpQuote, s: SpotQuote| {
            analyze(&[snap(v, vec![p], vec![s])], &Params::default()).len()
        };
        assert_eq!(run(good(), sp()), 1);
        assert_eq!(
            run(
                PerpQuote {
                    funding_rate: d("0"),
                    ..good()
                },
                sp()
            ),
            0,
            "r = 0"
        );
        assert_eq!(
            run(
                PerpQuote {
                    funding_rate: d("-0.0002"),
                    ..good()
                },
                sp()
            ),
            0,
            "r < 0"
        );
        assert_eq!(
            run(
                PerpQuote {
                    funding_interval_hours: d("0"),
                    ..good()
                },
                sp()
            ),
            0,
            "h = 0"
        );
        assert_eq!(
            run(
                PerpQuote {
                    bid: Some(d("0")),
                    ..good()
                },
                sp()
            ),
            0,
            "bid 0"
        );
        assert_eq!(
            run(
                PerpQuote {
                    ask: None,
                    ..good()
                },
                sp()
            ),
            0,
            "no ask"
        );
        assert_eq!(
            run(
                good(),
                SpotQuote {
                    ask: Some(d("0")),
                    ..sp()
                }
            ),
            0,
            "spot ask 0"
        );
        assert_eq!(
            run(good(), SpotQuote { bid: None, ..sp() }),
            0,
            "spot no bid"
        );
        // No σ_A anywhere: skipped.
        assert_eq!(
            run(
                PerpQuote {
                    high_24h: None,
                    ..good()
                },
                sp()
            ),
            0,
            "no high/low"
        );
    }

    #[test]
    fn sigma_a_falls_back_to_another_venues_perp() {
        let (b, o) = (Venue::Binance, Venue::Okx);
        let (mut own, own_spot) = okx_sol();
        own.high_24h = None;
        own.low_24h = None;
        let mut other = perp(
            b, "SOLUSDT", "SOL", "USDT", "1", "150", "150.1", "-0.0001", "8",
        );
        other.high_24h = Some(d("160"));
        other.low_24h = Some(d("140"));
        let snaps = [
            snap(o, vec![own], vec![own_spot]),
            snap(b, vec![other], vec![]),
        ];
        let out = analyze(&snaps, &carry_only());
        assert_eq!(out.len(), 1);
        let sigma = parkinson(160.0, 140.0);
        let dist = (1.5f64 / 1.004).ln();
        let p = 2.0 * phi(-dist / (sigma * sigma * 7.0 / 365.0).sqrt());
        assert!((out[0].liq_prob - p).abs() < 1e-6);
    }

    fn eth_market(v: Venue) -> Snapshot {
        let mut p = perp(
            v, "ETHUSDT", "ETH", "USDT", "1", "3000", "3001", "0.0003", "8",
        );
        p.high_24h = Some(d("3300"));
        p.low_24h = Some(d("2700"));
        let mut btc_spot = spot(v, "BTCUSDT", "BTC", "USDT", "60000", "60010");
        btc_spot.high_24h = Some(d("63000"));
        btc_spot.low_24h = Some(d("58000"));
        snap(
            v,
            vec![p],
            vec![spot(v, "ETHUSDT", "ETH", "USDT", "2999", "3000"), btc_spot],
        )
    }

    #[test]
    fn stable_volatile_and_same_coin_collateral() {
        let snaps = [eth_market(Venue::Bybit)];
        let t = 7.0 / 365.0;
        let sa = parkinson(3300.0, 2700.0);
        let p_of = |dist: f64, v: f64| 2.0 * phi(-dist / (v * t).sqrt());

        // USDC (stable, not the quote): q = 0.5, v = σ_A².
        let usdc = Params {
            collateral: "usdc".into(),
            ..Params::default()
        };
        let stable = analyze(&snaps, &usdc);
        assert!((stable[0].liq_prob - p_of((1.5f64 / 1.004).ln(), sa * sa)).abs() < 1e-6);

        // BTC (volatile): k = 0.95, q = 0.475, w = q / (1 + q), σ_C from the BTC spot, ρ = 0.8.
        let btc = Params {
            collateral: "BTC".into(),
            ..Params::default()
        };
        let vol = analyze(&snaps, &btc);
        let sc = parkinson(63_000.0, 58_000.0);
        let (q, rho) = (0.475f64, 0.8);
        let w = q / (1.0 + q);
        let v = sa * sa + w * w * sc * sc - 2.0 * w * rho * sa * sc;
        assert!((vol[0].liq_prob - p_of(((1.0 + q) / 1.004).ln(), v)).abs() < 1e-6);

        // ETH (same coin): k = 0.95, D = −ln(1 + m − q), v = σ_A².
        let eth = Params {
            collateral: "ETH".into(),
            ..Params::default()
        };
        let same = analyze(&snaps, &eth);
        assert!((same[0].liq_prob - p_of(-(1.004f64 - 0.475).ln(), sa * sa)).abs() < 1e-6);
        // ... and never liquidated below L = k / (1 + m): safe leverage is then well above it.
        assert!(same[0].safe_leverage > d("0.94"));

        // Configured haircut is used as is.
        let mut cfg = btc.clone();
        cfg.haircuts = BTreeMap::from([("btc".to_owned(), d("0.5"))]);
        let q = 0.25f64;
        let w = q / (1.0 + q);
        let v = sa * sa + w * w * sc * sc - 2.0 * w * rho * sa * sc;
        let out = analyze(&snaps, &cfg);
        assert!((out[0].liq_prob - p_of(((1.0 + q) / 1.004).ln(), v)).abs() < 1e-6);

        // The venue's own table, where the config says nothing: k = 0.6 on Bybit.
        let mut table = btc.clone();
        table.venue_haircuts =
            BTreeMap::from([(Venue::Bybit, BTreeMap::from([("BTC".to_owned(), d("0.6"))]))]);
        let q = 0.3f64;
        let w = q / (1.0 + q);
        let v = sa * sa + w * w * sc * sc - 2.0 * w * rho * sa * sc;
        let out = analyze(&snaps, &table);
        assert!((out[0].liq_prob - p_of(((1.0 + q) / 1.004).ln(), v)).abs() < 1e-6);
        // Another venue's table does not apply here.
        table.venue_haircuts =
            BTreeMap::from([(Venue::Okx, BTreeMap::from([("BTC".to_owned(), d("0.6"))]))]);
        assert_eq!(analyze(&snaps, &table), analyze(&snaps, &btc));

        // A volatile collateral with no spot anywhere: skipped.
        let sol = Params {
            collateral: "SOL".into(),
            ..Params::default()
        };
        assert!(analyze(&snaps, &sol).is_empty());
    }

    #[test]
    fn buffer_at_or_below_zero_means_certain_liquidation() {
        // L = 300, k = 1, m = 0.004: q = 0.00333 < m, D < 0 → liq_prob = 1.
        let params = Params {
            leverage: d("300"),
            ..Params::default()
        };
        let out = analyze(&[btc(Venue::Okx, "0.0005", "8")], &params);
        let o = &out[0];
        assert_eq!(o.liq_prob, 1.0);
        let cost = 2.0 * (0.001 + 10.0 / 120_010.0 + 0.0005 + 10.0 / 120_070.0);
        let net = (0.0005 / 8.0 * 24.0 * 7.0 - cost) * 365.0 / 7.0;
        let expected = (net - (0.01 + cost) * 365.0 / 7.0) * 100.0;
        assert!((f(o.risk_adj_apr_pct) - expected).abs() < 1e-6);
        assert!(o.risk_adj_apr_pct < o.net_apr_pct);
        assert_eq!(
            o.safe_leverage,
            d("0.77"),
            "same market as the hand-computed case"
        );
    }

    #[test]
    fn zero_volatility_means_no_liquidation() {
        let mut s = btc(Venue::Binance, "0.0005", "8");
        s.perps[0].high_24h = Some(d("60000"));
        s.perps[0].low_24h = Some(d("60000"));
        let out = analyze(&[s], &Params::default());
        assert_eq!(out[0].liq_prob, 0.0);
        assert_eq!(out[0].risk_adj_apr_pct, out[0].net_apr_pct);
        assert_eq!(out[0].safe_leverage, d("100"));
    }

    fn three_assets() -> Vec<Snapshot> {
        let v = Venue::Binance;
        let [mut btc, eth, mut sol] = [
            ("BTC", ("60030", "60040"), "0.0005", ("60000", "60010")),
            ("ETH", ("3000", "3001"), "0.0003", ("2999", "3000")),
            ("SOL", ("150", "150.1"), "0.0001", ("149.9", "150")),
        ]
        .map(|(asset, perp_book, rate, spot_book)| {
            usdt_market(v, asset, perp_book, rate, spot_book)
        });
        btc.0.volume_24h_quote = None;
        sol.1.volume_24h_quote = Some(d("50000"));
        vec![markets(v, [btc, eth, sol])]
    }

    #[test]
    fn filters_min_apr_min_volume_assets() {
        let snaps = three_assets();
        let all = analyze(&snaps, &Params::default());
        let names: Vec<_> = all.iter().map(|o| o.asset.as_str()).collect();
        assert_eq!(names, ["BTC", "ETH", "SOL"]);
        assert_eq!(all.iter().map(|o| o.rank).collect::<Vec<_>>(), [1, 2, 3]);

        assert_eq!(all[0].volume_24h_usd, None);

        // Each filter: the assets it keeps, ranked again from 1.
        let min = all[1].risk_adj_apr_pct;
        let min_apr = |min| Params {
            min_apr_pct: Some(min),
            ..Params::default()
        };
        let min_volume = |usd: &str| Params {
            min_volume_usd: d(usd),
            ..Params::default()
        };
        let cases = [
            // --min-apr keeps risk_adj_apr_pct >= min, boundary included.
            (min_apr(min), vec!["BTC", "ETH"]),
            (min_apr(min + d("0.000001")), vec!["BTC"]),
            // --min-volume: BTC's volume is unknown (filtered), SOL's 50 000 is below 100 000;
            // the boundary is included.
            (min_volume("100000"), vec!["ETH"]),
            (min_volume("50000"), vec!["ETH", "SOL"]),
            // --assets, case-insensitive.
            (
                Params {
                    assets: vec!["sol".into(), "BTC".into()],
                    ..Params::default()
                },
                vec!["BTC", "SOL"],
            ),
        ];
        for (params, kept) in cases {
            let out = analyze(&snaps, &params);
            let names: Vec<_> = out.iter().map(|o| o.asset.as_str()).collect();
            assert_eq!(names, kept, "{params:?}");
            let ranks: Vec<_> = out.iter().map(|o| o.rank).collect();
            assert_eq!(ranks, (1..=out.len()).collect::<Vec<_>>(), "{params:?}");
            let floor = params.min_apr_pct.unwrap_or(Decimal::MIN);
            assert!(out.iter().all(|o| o.risk_adj_apr_pct >= floor));
            if kept == ["ETH"] {
                assert_eq!(out[0].volume_24h_usd, Some(d("1000000")));
            }
        }
    }

    #[test]
    fn equal_returns_order_by_venue_then_symbol() {
        // Identical markets on three venues and two symbols: ties broken by venue id, symbol.
        let mk = |v: Venue| {
            let book = |asset| usdt_market(v, asset, ("10", "10.01"), "0.0004", ("9.99", "10"));
            markets(v, [book("ZZZ"), book("AAA")])
        };
        let snaps = [mk(Venue::Okx), mk(Venue::Bybit), mk(Venue::Binance)];
        let params = Params {
            costs: Venue::ALL
                .into_iter()
                .map(|v| (v, crate::analyze::VenueCosts::default_for(Venue::Binance)))
                .collect(),
            ..carry_only()
        };
        let out = analyze(&snaps, &params);
        let keys: Vec<_> = out
            .iter()
            .map(|o| (o.short.venue.id(), o.short.symbol.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                ("binance", "AAAUSDT"),
                ("binance", "ZZZUSDT"),
                ("bybit", "AAAUSDT"),
                ("bybit", "ZZZUSDT"),
                ("okx", "AAAUSDT"),
                ("okx", "ZZZUSDT"),
            ]
        );
        // Without the cost override Bybit's higher perp fee ranks it last.
        let out = analyze(&snaps, &carry_only());
        assert_eq!(out[5].short.venue, Venue::Bybit);

        // Every kind: each perp is also shorted against the two other venues' spots, at equal
        // returns; then the kind id, then the long leg's venue id decide.
        let out = analyze(
            &snaps,
            &Params {
                kinds: crate::analyze::ALL_KINDS.to_vec(),
                ..params
            },
        );
        let keys: Vec<_> = out
            .iter()
            .take(3)
            .map(|o| {
                (
                    o.short.venue.id(),
                    o.short.symbol.as_str(),
                    o.kind.id(),
                    o.long.venue.id(),
                )
            })
            .collect();
        assert_eq!(
            keys,
            [
                ("binance", "AAAUSDT", "carry", "binance"),
                ("binance", "AAAUSDT", "cross_carry", "bybit"),
                ("binance", "AAAUSDT", "cross_carry", "okx"),
            ]
        );
        assert_eq!(
            out.len(),
            18,
            "6 carry + 12 cross_carry, no spread at equal rates"
        );
    }

    #[test]
    fn invalid_params_give_nothing() {
        let snaps = [btc(Venue::Binance, "0.0005", "8")];
        let invalid = [
            Params {
                hold_days: d("0"),
                ..Params::default()
            },
            Params {
                leverage: d("-1"),
                ..Params::default()
            },
        ];
        for params in invalid {
            assert!(analyze(&snaps, &params).is_empty(), "{params:?}");
        }
    }

    // ---- properties ----------------------------------------------------------------------

    const ASSETS: [&str; 4] = ["BTC", "ETH", "SOL", "PEPE"];
    const QUOTES: [&str; 2] = ["USDT", "USDC"];

    #[derive(Clone, Debug)]
    struct Spec {
        venue: usize,
        asset: usize,
        quote: usize,
        /// 0: perp only, 1: spot only, else both.
        which: u8,
        price_cents: i64,
        spread_bp: i64,
        basis_bp: i64,
        rate_e6: i64,
        hours: u32,
        range_pct: i64,
        volume: Option<i64>,
        mult: bool,
    }

    fn spec() -> impl Strategy<Value = Spec> {
        (
            (0usize..3, 0usize..4, 0usize..2, 0u8..8),
            (1i64..10_000_000, 0i64..50, -50i64..50),
            (-200i64..3000, prop::sample::select(vec![1u32, 4, 8])),
            (0i64..40, prop::option::of(0i64..10_000_000), any::<bool>()),
        )
            .prop_map(
                |(
                    (venue, asset, quote, which),
                    (price_cents, spread_bp, basis_bp),
                    (rate_e6, hours),
                    (range_pct, volume, mult),
                )| Spec {
                    venue,
                    asset,
                    quote,
                    which,
                    price_cents,
                    spread_bp,
                    basis_bp,
                    rate_e6,
                    hours,
                    range_pct,
                    volume,
                    mult,
                },
            )
    }

    fn build(specs: &[Spec]) -> Vec<Snapshot> {
        let by_key: BTreeMap<_, _> = specs
            .iter()
            .map(|s| ((s.venue, s.asset, s.quote), s.clone()))
            .collect();
        Venue::ALL
            .iter()
            .enumerate()
            .map(|(vi, &venue)| {
                let mut out = snap(venue, vec![], vec![]);
                for ((v, a, q), s) in &by_key {
                    if *v != vi {
                        continue;
                    }
                    let (asset, quote) = (ASSETS[*a], QUOTES[*q]);
                    let symbol = format!("{asset}{quote}");
                    let bid = Decimal::new(s.price_cents, 2);
                    let ask = bid * (Decimal::ONE + Decimal::new(s.spread_bp, 4));
                    let high = ask * (Decimal::ONE + Decimal::new(s.range_pct, 2));
                    let vol = s.volume.map(Decimal::from);
                    if s.which != 1 {
                        let m = if s.mult {
                            Decimal::from(1000)
                        } else {
                            Decimal::ONE
                        };
                        let shift = (Decimal::ONE + Decimal::new(s.basis_bp, 4)) * m;
                        let mut p = perp(venue, &symbol, asset, quote, "1", "1", "1", "1", "8");
                        p.multiplier = m;
                        p.bid = Some(bid * shift);
                        p.ask = Some(ask * shift);
                        p.high_24h = Some(high * shift);
                        p.low_24h = Some(bid * shift);
                        p.funding_rate = Decimal::new(s.rate_e6, 6);
                        p.funding_interval_hours = Decimal::from(s.hours);
                        p.volume_24h_quote = vol;
                        out.perps.push(p);
                    }
                    if s.which != 0 {
                        let mut sp = spot(venue, &symbol, asset, quote, "1", "1");
                        sp.bid = Some(bid);
                        sp.ask = Some(ask);
                        sp.high_24h = Some(high);
                        sp.low_24h = Some(bid);
                        sp.volume_24h_quote = vol.map(|v| v * Decimal::TWO);
                        out.spots.push(sp);
                    }
                }
                out
            })
            .collect()
    }

    fn params() -> impl Strategy<Value = Params> {
        (
            (
                prop::option::of(-100i64..60),
                prop::sample::select(vec!["USDT", "USDC", "BTC", "ETH", "SOL"]),
                1i64..1000,
                prop::sample::select(vec![1i64, 7, 30]),
                prop_oneof![Just(0i64), 0i64..2_000_000],
            ),
            (
                prop::sample::subsequence(crate::analyze::ALL_KINDS.to_vec(), 0..=3),
                any::<bool>(),
            ),
        )
            .prop_map(
                |((min_apr, collateral, lev_cents, hold, min_vol), (kinds, equivalent))| Params {
                    min_apr_pct: min_apr.map(Decimal::from),
                    collateral: collateral.to_owned(),
                    leverage: Decimal::new(lev_cents, 2),
                    hold_days: Decimal::from(hold),
                    min_volume_usd: Decimal::from(min_vol),
                    kinds,
                    quote_equivalence: if equivalent {
                        vec![("USDT".to_owned(), "USDC".to_owned())]
                    } else {
                        Vec::new()
                    },
                    ..Params::default()
                },
            )
    }

    /// The row's legs as (venue, symbol); symbols in [`build`] are `{asset}{quote}`.
    fn legs(o: &Opportunity) -> ((Venue, &str), (Venue, &str)) {
        (
            (o.long.venue, o.long.symbol.as_str()),
            (o.short.venue, o.short.symbol.as_str()),
        )
    }

    /// What each kind's legs must satisfy, and no `perp_spread` pair twice.
    fn check_kinds(out: &[Opportunity], params: &Params) -> Result<(), TestCaseError> {
        let equivalent = !params.quote_equivalence.is_empty();
        let mut pairs = HashSet::new();
        for o in out {
            prop_assert!(params.wants(o.kind));
            let ((lv, ls), (sv, ss)) = legs(o);
            prop_assert!(ls.starts_with(o.asset.as_str()) && ss.starts_with(o.asset.as_str()));
            prop_assert!(ss.ends_with(o.quote.as_str()), "quote is the short leg's");
            let short_market = (o.short.market == Market::Perp, o.long.market);
            match o.kind {
                Kind::Carry => {
                    prop_assert_eq!(short_market, (true, Market::Spot));
                    prop_assert!(lv == sv && ls == ss, "one venue, one quote");
                }
                Kind::CrossCarry => {
                    prop_assert_eq!(short_market, (true, Market::Spot));
                    prop_assert!(lv != sv);
                    prop_assert!(equivalent || ls == ss, "USDT and USDC apart");
                }
                Kind::PerpSpread => {
                    prop_assert_eq!(short_market, (true, Market::Perp));
                    prop_assert!((lv, ls) != (sv, ss));
                    prop_assert!(equivalent || (ls == ss && lv != sv));
                    let pair = if (lv, ls) < (sv, ss) {
                        ((lv, ls), (sv, ss))
                    } else {
                        ((sv, ss), (lv, ls))
                    };
                    prop_assert!(pairs.insert(pair), "a spread pair appears once");
                }
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn output_is_sorted_filtered_and_order_independent(
            specs in prop::collection::vec(spec(), 0..40),
            params in params(),
            seed in any::<u64>(),
        ) {
            let snaps = build(&specs);
            let out = analyze(&snaps, &params);
            for (i, o) in out.iter().enumerate() {
                prop_assert_eq!(o.rank, i + 1);
                if let Some(min) = params.min_apr_pct {
                    prop_assert!(o.risk_adj_apr_pct >= min);
                }
                prop_assert!(o.funding_rate > Decimal::ZERO);
                prop_assert!((0.0..=1.0).contains(&o.liq_prob));
                prop_assert!(o.safe_leverage >= d("0.01") && o.safe_leverage <= d("100"));
            }
            check_kinds(&out, &params)?;
            for w in out.windows(2) {
                let (a, b) = (&w[0], &w[1]);
                prop_assert!(a.risk_adj_apr_pct >= b.risk_adj_apr_pct);
                if a.risk_adj_apr_pct == b.risk_adj_apr_pct {
                    prop_assert!(a.net_apr_pct >= b.net_apr_pct);
                    if a.net_apr_pct == b.net_apr_pct {
                        let key = |o: &Opportunity| {
                            (
                                o.short.venue.id(),
                                o.short.symbol.clone(),
                                o.kind.id(),
                                o.long.venue.id(),
                                o.long.symbol.clone(),
                            )
                        };
                        prop_assert!(key(a) <= key(b));
                    }
                }
            }
            // --min-apr keeps exactly the rows of the unfiltered run at or above it.
            if let Some(min) = params.min_apr_pct {
                let mut all = analyze(&snaps, &Params { min_apr_pct: None, ..params.clone() });
                all.retain(|o| o.risk_adj_apr_pct >= min);
                for (i, o) in all.iter_mut().enumerate() {
                    o.rank = i + 1;
                }
                prop_assert_eq!(&all, &out);
            }
            // Shuffle snapshots and the quotes within them (a cheap deterministic permutation).
            let mut shuffled = snaps.clone();
            let rot = |n: usize| if n == 0 { 0 } else { (seed as usize) % n };
            let n = shuffled.len();
            shuffled.rotate_left(rot(n));
            shuffled.reverse();
            for s in &mut shuffled {
                s.perps.reverse();
                let n = s.perps.len();
                s.perps.rotate_left(rot(n));
                let n = s.spots.len();
                s.spots.rotate_left(rot(n));
                s.spots.reverse();
            }
            prop_assert_eq!(analyze(&shuffled, &params), out);
        }
    }

    #[test]
    fn thousands_of_candidates_with_stable_and_volatile_collateral() {
        // Scale check of the whole path (timing lives in benches/, not here).
        let venues = [Venue::Binance, Venue::Bybit, Venue::Okx];
        let snaps: Vec<Snapshot> = venues
            .iter()
            .map(|&v| {
                let mut s = snap(v, vec![], vec![]);
                for i in 0..1000 {
                    let name = format!("C{i}");
                    let px = format!("{}", 1 + i);
                    let ask = format!("{}.01", 1 + i);
                    s.perps.push(perp(
                        v,
                        &format!("{name}USDT"),
                        &name,
                        "USDT",
                        "1",
                        &px,
                        &ask,
                        "0.0002",
                        "8",
                    ));
                    s.spots
                        .push(spot(v, &format!("{name}USDT"), &name, "USDT", &px, &ask));
                }
                s
            })
            .collect();
        assert_eq!(analyze(&snaps, &carry_only()).len(), 3000);
        let mut volatile = Params {
            collateral: "C5".into(),
            ..carry_only()
        };
        volatile.min_apr_pct = None;
        assert_eq!(analyze(&snaps, &volatile).len(), 3000);
        // Every kind: each perp also against the two other venues' spots; equal rates, no
        // spreads.
        assert_eq!(analyze(&snaps, &Params::default()).len(), 9000);
    }
}
