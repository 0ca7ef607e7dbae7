//! The cross-venue kinds, `cross_carry` and `perp_spread`, generated per (asset, quote) group.
//!
//! - `cross_carry`: long spot on venue A, short perp on venue B ≠ A, same asset and quote (or
//!   equivalent quotes), for `r_B > 0`. Spot fee and half-spread are A's, perp fee, `m`,
//!   liquidation fee and `σ_C` look-up are B's.
//! - `perp_spread`: two different perps of one asset and quote (different venues, or the
//!   equivalent-quote perps of one venue); long the lower per-hour rate `r / h`, short the
//!   higher, when `d = r_s / h_s − r_l / h_l > 0`. Reported as `funding_rate = d * h_s` per
//!   `h_s` hours, so the shared economics give `funding_apr = d * 24 * 365` and
//!   `E = d * 24 * H` (with history, `E = (x_s − x_l) * 24 * H` from the legs' expected
//!   per-hour rates); each leg has its own venue's `σ_A`, `m` and `σ_C`, the position's
//!   `liq_prob` is `1 − (1 − p_short)(1 − p_long)` and the larger liquidation fee is charged.
//!
//! Markets are grouped once by (asset, quote class), so pairs are only formed inside a group:
//! `O(Σ group²)`, not `O(perps²)`. With `--min-apr`, an `f64` estimate of `net_apr` (an upper
//! bound of `risk_adj_apr`) discards pairs that are surely below the minimum before any
//! `Decimal` maths; the margin is far wider than the estimate's rounding error, so the
//! survivors are exactly the rows the exact maths would keep.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::carry::Book;
use super::rank::{self, Candidate, Trade, TradeLeg};
use super::risk::{PerpLeg, Position, Side};
use super::{Context, VenueCosts};
use crate::model::{Kind, PerpQuote, Snapshot, SpotQuote};

/// `--quote-equivalence` as classes: pairs are merged symmetrically and transitively
/// (`USDT=USDC` and `USDC=USD` make one class of three), matched case-insensitively. A quote
/// named by no pair is its own class.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuoteClasses {
    /// Upper-case member → index of its class.
    members: Vec<(String, usize)>,
}

impl QuoteClasses {
    /// Classes from `(a, b)` pairs; blank names are ignored.
    #[must_use]
    pub fn new(pairs: &[(String, String)]) -> QuoteClasses {
        let mut classes: Vec<BTreeSet<String>> = Vec::new();
        for (a, b) in pairs {
            let (a, b) = (a.trim().to_ascii_uppercase(), b.trim().to_ascii_uppercase());
            if a.is_empty() || b.is_empty() {
                continue;
            }
            let mut merged = BTreeSet::from([a, b]);
            classes.retain(|c| {
                if merged.iter().any(|m| c.contains(m)) {
                    merged.extend(c.iter().cloned());
                    false
                } else {
                    true
                }
            });
            classes.push(merged);
        }
        classes.sort();
        let members = classes
            .into_iter()
            .enumerate()
            .flat_map(|(i, c)| c.into_iter().map(move |m| (m, i)))
            .collect();
        QuoteClasses { members }
    }

    /// The class of `quote`, when an equivalence names it.
    #[must_use]
    pub fn class(&self, quote: &str) -> Option<usize> {
        self.members
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(quote))
            .map(|(_, i)| *i)
    }

    /// Whether two quotes may be paired by the cross-venue kinds: equal, or in one class.
    #[must_use]
    pub fn equivalent(&self, a: &str, b: &str) -> bool {
        a == b || self.class(a).is_some_and(|c| self.class(b) == Some(c))
    }
}

/// A quote as a grouping key: its equivalence class, or the quote itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum QuoteKey<'a> {
    Class(usize),
    Own(&'a str),
}

/// A perp that can be a leg of a cross-venue trade, with what every pairing needs computed once.
#[derive(Clone, Copy, Debug)]
struct PerpEntry<'a> {
    perp: &'a PerpQuote,
    book: Book,
    /// As a short leg (flipped to [`Side::Long`] for the long leg of a spread).
    leg: PerpLeg,
    costs: VenueCosts,
    /// The per-hour rate `E` uses when the history blends it (`None`: the current `r / h`).
    expected: Option<Decimal>,
    /// The per-hour rate `E` uses (`expected`, else `r / h`), for the quick bound.
    per_hour: f64,
    /// Perp taker fee + half-spread, for the quick bound.
    leg_cost: f64,
}

/// A spot market of a group.
#[derive(Clone, Copy, Debug)]
struct SpotEntry<'a> {
    spot: &'a SpotQuote,
    book: Book,
    /// Spot taker fee + half-spread, for the quick bound.
    leg_cost: f64,
}

/// The markets of one asset and quote class.
#[derive(Clone, Debug, Default)]
struct Group<'a> {
    perps: Vec<PerpEntry<'a>>,
    spots: Vec<SpotEntry<'a>>,
}

/// Perps and spots that can be legs, grouped by (asset, quote class), filtered by `--assets`.
/// A perp is kept when `h > 0`, its book is positive and uncrossed and it has a `σ_A` and a
/// usable collateral (what its liquidation risk needs); a spot when its book is.
#[derive(Debug)]
pub(crate) struct Groups<'a> {
    groups: HashMap<(&'a str, QuoteKey<'a>), Group<'a>>,
    /// `--min-apr` as `f64`, when the quick bound may be used (every cost non-negative).
    prune_below: Option<f64>,
    /// `365 / H`.
    per_year: f64,
}

impl<'a> Groups<'a> {
    /// Indexes the snapshots' markets.
    pub(crate) fn new(snapshots: &'a [Snapshot], ctx: &Context<'_>) -> Groups<'a> {
        let assets = rank::asset_filter(&ctx.params.assets);
        let wanted =
            |asset: &str| assets.is_empty() || assets.contains(&asset.to_ascii_uppercase());
        let key = |asset: &'a str, quote: &'a str| {
            let q = ctx
                .quotes
                .class(quote)
                .map_or(QuoteKey::Own(quote), QuoteKey::Class);
            (asset, q)
        };
        let f = |x: Decimal| x.to_f64().unwrap_or(f64::NAN);
        let mut groups: HashMap<_, Group<'a>> = HashMap::new();
        for perp in snapshots.iter().flat_map(|s| &s.perps) {
            if perp.funding_interval_hours <= Decimal::ZERO || !wanted(&perp.asset) {
                continue;
            }
            let Some(book) = Book::of_perp(perp) else {
                continue;
            };
            let Some(leg) = rank::short_leg(perp, ctx) else {
                continue;
            };
            let costs = ctx.params.costs_for(perp.venue);
            let expected = ctx.expected_per_hour(perp);
            let per_hour =
                expected.map_or_else(|| f(perp.funding_rate) / f(perp.funding_interval_hours), f);
            groups
                .entry(key(&perp.asset, &perp.quote))
                .or_default()
                .perps
                .push(PerpEntry {
                    perp,
                    book,
                    leg,
                    costs,
                    expected,
                    per_hour,
                    leg_cost: f(costs.perp_taker_fee) + f(book.half_spread),
                });
        }
        for spot in snapshots.iter().flat_map(|s| &s.spots) {
            if !wanted(&spot.asset) {
                continue;
            }
            let Some(book) = Book::new(spot.bid, spot.ask, Decimal::ONE) else {
                continue;
            };
            let fee = ctx.params.costs_for(spot.venue).spot_taker_fee;
            groups
                .entry(key(&spot.asset, &spot.quote))
                .or_default()
                .spots
                .push(SpotEntry {
                    spot,
                    book,
                    leg_cost: f(fee) + f(book.half_spread),
                });
        }
        let costs_non_negative = groups.values().all(|g| {
            g.perps.iter().all(|p| {
                p.costs.perp_taker_fee >= Decimal::ZERO && p.costs.liquidation_fee >= Decimal::ZERO
            }) && g
                .spots
                .iter()
                .all(|s| ctx.params.costs_for(s.spot.venue).spot_taker_fee >= Decimal::ZERO)
        });
        Groups {
            groups,
            prune_below: ctx
                .params
                .min_apr_pct
                .filter(|_| costs_non_negative)
                .and_then(|m| m.to_f64()),
            per_year: 365.0 / ctx.params.hold_days.to_f64().unwrap_or(f64::NAN),
        }
    }

    /// Whether a trade paid `per_hour` with legs costing `legs_cost` (fees + half-spreads, one
    /// way) surely has `net_apr_pct` below `--min-apr`. The estimate's error is ~1e-15 of the
    /// terms; the margin (1e-6 percent, the reporting precision, plus 1e-9 of the terms)
    /// leaves every doubtful row to the exact maths.
    fn surely_below(&self, per_hour: f64, legs_cost: f64) -> bool {
        let Some(min) = self.prune_below else {
            return false;
        };
        let funding = per_hour * 24.0 * 365.0 * 100.0;
        let cost = 2.0 * legs_cost * self.per_year * 100.0;
        let net = funding - cost;
        let margin = 1e-6 + 1e-9 * (funding.abs() + cost.abs() + min.abs());
        net.is_finite() && margin.is_finite() && net < min - margin
    }

    /// Appends every `cross_carry` candidate: each perp with `r > 0` against each spot market
    /// of its group on another venue, filtered by `--min-volume`.
    pub(crate) fn cross_carry(&self, ctx: &Context<'_>, out: &mut Vec<Candidate>) {
        for group in self.groups.values() {
            if group.spots.is_empty() {
                continue;
            }
            for p in &group.perps {
                if p.perp.funding_rate <= Decimal::ZERO {
                    continue;
                }
                for s in &group.spots {
                    if s.spot.venue == p.perp.venue
                        || self.surely_below(p.per_hour, p.leg_cost + s.leg_cost)
                    {
                        continue;
                    }
                    let volume = rank::min_volume(s.spot.volume_24h_quote, p.perp.volume_24h_quote);
                    if !rank::volume_ok(volume, ctx.params.min_volume_usd) {
                        continue;
                    }
                    let trade = rank::spot_perp(
                        Kind::CrossCarry,
                        (s.spot, s.book),
                        (p.perp, p.book),
                        p.leg,
                        ctx,
                    );
                    out.extend(rank::candidate(&trade, volume, ctx));
                }
            }
        }
    }

    /// Appends every `perp_spread` candidate: each unordered pair of different perps of a group
    /// (not the same venue and quote), long the lower per-hour rate, short the higher; equal
    /// per-hour rates give no row. Filtered by `--min-volume`.
    pub(crate) fn perp_spread(&self, ctx: &Context<'_>, out: &mut Vec<Candidate>) {
        for group in self.groups.values() {
            let perps = &group.perps;
            for (i, a) in perps.iter().enumerate() {
                for b in &perps[i + 1..] {
                    if a.perp.venue == b.perp.venue && a.perp.quote == b.perp.quote {
                        continue;
                    }
                    let Some((long, short)) = order_by_rate(a, b) else {
                        continue;
                    };
                    if self.surely_below(short.per_hour - long.per_hour, a.leg_cost + b.leg_cost) {
                        continue;
                    }
                    let volume =
                        rank::min_volume(long.perp.volume_24h_quote, short.perp.volume_24h_quote);
                    if !rank::volume_ok(volume, ctx.params.min_volume_usd) {
                        continue;
                    }
                    if let Some(trade) = spread(long, short, ctx) {
                        out.extend(rank::candidate(&trade, volume, ctx));
                    }
                }
            }
        }
    }
}

/// `(long, short)`: the lower per-hour rate first, compared exactly as `r_a * h_b` vs
/// `r_b * h_a` (both `h > 0`); `None` when equal (or on overflow).
fn order_by_rate<'e, 'a>(
    a: &'e PerpEntry<'a>,
    b: &'e PerpEntry<'a>,
) -> Option<(&'e PerpEntry<'a>, &'e PerpEntry<'a>)> {
    let (pa, pb) = (a.perp, b.perp);
    let x = pa.funding_rate.checked_mul(pb.funding_interval_hours)?;
    let y = pb.funding_rate.checked_mul(pa.funding_interval_hours)?;
    match x.cmp(&y) {
        Ordering::Less => Some((a, b)),
        Ordering::Greater => Some((b, a)),
        Ordering::Equal => None,
    }
}

/// The `perp_spread` trade of an ordered pair: paid `d * h_s = r_s − r_l * h_s / h_l` per
/// `h_s`; `None` when that is not positive (rounding) or overflows. When the history blends
/// either leg's rate, `E` uses `x_s − x_l` per hour, each leg's expected rate or its current
/// `r / h`.
fn spread<'a>(long: &PerpEntry<'a>, short: &PerpEntry<'a>, ctx: &Context<'_>) -> Option<Trade<'a>> {
    let (l, s) = (long.perp, short.perp);
    let rate = s.funding_rate.checked_sub(
        l.funding_rate
            .checked_mul(s.funding_interval_hours)?
            .checked_div(l.funding_interval_hours)?,
    )?;
    if rate <= Decimal::ZERO {
        return None;
    }
    let expected_per_hour = if long.expected.is_some() || short.expected.is_some() {
        let per_hour = |e: &PerpEntry<'_>| {
            e.expected.or_else(|| {
                e.perp
                    .funding_rate
                    .checked_div(e.perp.funding_interval_hours)
            })
        };
        Some(per_hour(short)?.checked_sub(per_hour(long)?)?)
    } else {
        None
    };
    Some(Trade {
        kind: Kind::PerpSpread,
        asset: &s.asset,
        quote: &s.quote,
        long: TradeLeg::perp(l, long.book, ctx),
        short: TradeLeg::perp(s, short.book, ctx),
        rate,
        interval_hours: s.funding_interval_hours,
        expected_per_hour,
        next_funding_time: s.next_funding_time,
        position: Position {
            short: Some(short.leg),
            long: Some(PerpLeg {
                side: Side::Long,
                ..long.leg
            }),
        },
        liquidation_fee: long.costs.liquidation_fee.max(short.costs.liquidation_fee),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use chrono::Duration;

    use super::*;
    use crate::analyze::testkit::quoted_spot as spot;
    use crate::analyze::testkit::{
        T7, assert_btc_row, assert_pct, btc_perp, btc_spot, d, f, parkinson, passage, quoted_perp,
        snap, t0,
    };
    use crate::analyze::{Params, analyze};
    use crate::model::{Market, Opportunity, Venue};

    /// A perp quoting `bid`/`ask` with the given 24 h range and 5 M volume.
    fn perp(
        venue: Venue,
        symbol: &str,
        names: (&str, &str, &str),
        book: (&str, &str),
        funding: (&str, &str),
        (high, low): (&str, &str),
    ) -> PerpQuote {
        quoted_perp(venue, symbol, names, book, funding, (d(high), d(low)))
    }

    /// A snapshot of `venue` holding one BTC/USDT perp and no spot.
    fn usdt_perp_only(venue: Venue, symbol: &str, rate: &str, hours: &str) -> Snapshot {
        snap(
            venue,
            vec![btc_perp(venue, symbol, "USDT", rate, hours)],
            vec![],
        )
    }

    fn costs(spot: &str, perp: &str, m: &str, liq: &str) -> VenueCosts {
        VenueCosts {
            spot_taker_fee: d(spot),
            perp_taker_fee: d(perp),
            maintenance_margin: d(m),
            liquidation_fee: d(liq),
        }
    }

    /// (venue, market, price) of the long leg, then of the short leg.
    fn legs(o: &Opportunity) -> [(Venue, Market, Decimal); 2] {
        [&o.long, &o.short].map(|l| (l.venue, l.market, l.price))
    }

    /// The funding rate and its interval of a row.
    fn funding(x: &Opportunity) -> (Decimal, Decimal) {
        (x.funding_rate, x.funding_interval_hours)
    }

    /// The first row `pick` selects; the test fails when there is none.
    fn row(out: &[Opportunity], pick: impl Fn(&Opportunity) -> bool) -> &Opportunity {
        out.iter().find(|o| pick(o)).unwrap()
    }

    fn of_kind(out: &[Opportunity], kind: Kind) -> Vec<&Opportunity> {
        out.iter().filter(|o| o.kind == kind).collect()
    }

    /// (kind, long venue, long symbol, short venue, short symbol) of every row.
    fn keys(out: &[Opportunity]) -> BTreeSet<(Kind, Venue, String, Venue, String)> {
        out.iter()
            .map(|o| {
                (
                    o.kind,
                    o.long.venue,
                    o.long.symbol.clone(),
                    o.short.venue,
                    o.short.symbol.clone(),
                )
            })
            .collect()
    }

    fn key(
        kind: Kind,
        long: (Venue, &str),
        short: (Venue, &str),
    ) -> (Kind, Venue, String, Venue, String) {
        (kind, long.0, long.1.into(), short.0, short.1.into())
    }

    #[test]
    fn quote_classes_are_symmetric_transitive_and_case_insensitive() {
        let none = QuoteClasses::new(&[]);
        assert!(none.equivalent("USDT", "USDT"));
        assert!(!none.equivalent("USDT", "USDC"));
        assert_eq!(none.class("USDT"), None);

        let one = QuoteClasses::new(&[("usdc".into(), " USDT ".into())]);
        assert!(one.equivalent("USDT", "USDC") && one.equivalent("USDC", "USDT"));
        assert!(!one.equivalent("USDT", "USD"), "USD stays apart");
        assert_eq!(one.class("usdt"), one.class("USDC"));

        let chain = QuoteClasses::new(&[
            ("USDT".into(), "USDC".into()),
            ("FDUSD".into(), "DAI".into()),
            ("USD".into(), "USDC".into()),
        ]);
        assert!(chain.equivalent("USDT", "USD"), "transitive");
        assert!(chain.equivalent("FDUSD", "DAI"));
        assert!(!chain.equivalent("USDT", "DAI"), "two separate classes");
        assert!(QuoteClasses::new(&[("".into(), "USDC".into())]) == none);
    }

    #[test]
    fn cross_carry_between_two_venues_with_different_fees() {
        let (b, o, y) = (Venue::Binance, Venue::Okx, Venue::Bybit);
        let params = Params {
            costs: BTreeMap::from([
                // Only Binance's spot fee may count: its perp figures are a trap.
                (b, costs("0.002", "0.0009", "0.02", "0.05")),
                (o, costs("0.0008", "0.0003", "0.006", "0.015")),
                (y, costs("0.0015", "0.0009", "0.02", "0.05")),
            ]),
            ..Params::default()
        };
        let snaps = [
            snap(b, vec![], vec![btc_spot(b, "BTCUSDT", "USDT")]),
            usdt_perp_only(o, "BTC-USDT-SWAP", "0.0005", "8"),
        ];
        let out = analyze(&snaps, &params);
        assert_eq!(out.len(), 1, "no carry, no spread: {out:?}");
        let x = &out[0];
        assert_eq!(
            (x.kind, x.asset.as_str(), x.quote.as_str()),
            (Kind::CrossCarry, "BTC", "USDT")
        );
        assert_eq!(
            legs(x),
            [(b, Market::Spot, d("60010")), (o, Market::Perp, d("60030"))]
        );
        assert_btc_row(x);
        // Binance spot 0.002 + its half-spread, OKX perp 0.0003 + its half-spread.
        let cost = 2.0 * (0.002 + 10.0 / 120_010.0 + 0.0003 + 10.0 / 120_070.0);
        assert_pct(x.cost_pct, cost);
        let net = (0.0105 - cost) * 365.0 / 7.0;
        assert_pct(x.net_apr_pct, net);
        // OKX's m = 0.006: D = ln(1.5 / 1.006).
        let p = passage((1.5f64 / 1.006).ln(), parkinson(66_000.0, 54_000.0), T7);
        assert!((x.liq_prob - p).abs() < 1e-6, "{} vs {p}", x.liq_prob);
        // OKX's liquidation fee 0.015.
        let risk_adj = net - x.liq_prob * (0.015 + cost) * 365.0 / 7.0;
        assert_pct(x.risk_adj_apr_pct, risk_adj);

        // A second spot venue with a lower spot fee: its row costs 2 × 0.0005 less.
        let mut more = snaps.to_vec();
        more.push(snap(y, vec![], vec![btc_spot(y, "BTCUSDT", "USDT")]));
        let out = analyze(&more, &params);
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].long.venue, out[1].long.venue),
            (y, b),
            "cheaper first"
        );
        let diff = out[1].cost_pct - out[0].cost_pct;
        assert!((diff - d("0.1")).abs() <= d("0.000002"), "{diff}");
    }

    #[test]
    fn perp_spread_normalises_rates_per_hour() {
        let (b, y) = (Venue::Binance, Venue::Bybit);
        let mk = |b_rate: &str, b_hours: &str, y_rate: &str, y_hours: &str| {
            let mut bp = btc_perp(b, "BTCUSDT", "USDT", b_rate, b_hours);
            bp.next_funding_time = Some(t0() + Duration::hours(1));
            let mut yp = perp(
                y,
                "BTCUSDT",
                ("BTC", "USDT", "1"),
                ("60000", "60010"),
                (y_rate, y_hours),
                ("63000", "57000"),
            );
            yp.next_funding_time = Some(t0() + Duration::hours(2));
            yp.volume_24h_quote = Some(d("750000"));
            [snap(b, vec![bp], vec![]), snap(y, vec![yp], vec![])]
        };
        let cost = 2.0 * (0.00055 + 10.0 / 120_010.0 + 0.0005 + 10.0 / 120_070.0);

        // Binance 0.0004 per 8 h = 0.00005 / h; Bybit 0.00002 per 1 h: short Binance, long Bybit.
        let out = analyze(&mk("0.0004", "8", "0.00002", "1"), &Params::default());
        assert_eq!(out.len(), 1);
        let x = &out[0];
        assert_eq!(x.kind, Kind::PerpSpread);
        assert_eq!(
            legs(x),
            [(y, Market::Perp, d("60010")), (b, Market::Perp, d("60030"))]
        );
        // d = 0.00005 − 0.00002 = 0.00003 / h; funding_rate = d × 8 = 0.00024 per 8 h.
        assert_eq!(funding(x), (d("0.00024"), d("8")));
        // funding_apr = 0.00003 × 24 × 365 = 26.28 %
        assert_eq!(x.funding_apr_pct, d("26.28"));
        assert_eq!(
            x.next_funding_time,
            Some(t0() + Duration::hours(1)),
            "short leg's"
        );
        assert_eq!(x.quote, "USDT");
        assert_eq!(x.volume_24h_usd, Some(d("750000")));
        // (60035 − 60005) / 60005 × 100
        assert_eq!(x.basis_pct, d("0.049996"));
        assert_pct(x.cost_pct, cost);
        // E = 0.00003 × 24 × 7 = 0.00504
        let net = (0.00504 - cost) * 365.0 / 7.0;
        assert_pct(x.net_apr_pct, net);

        // Binance 0.0001 per 8 h = 0.0000125 / h is the larger raw rate but the smaller hourly
        // one against Bybit's 0.00005 per 1 h: short Bybit, d = 0.0000375, h_s = 1.
        let out = analyze(&mk("0.0001", "8", "0.00005", "1"), &Params::default());
        assert_eq!(out.len(), 1);
        let x = &out[0];
        assert_eq!((x.long.venue, x.short.venue), (b, y));
        assert_eq!((x.long.price, x.short.price), (d("60040"), d("60000")));
        assert_eq!(funding(x), (d("0.0000375"), d("1")));
        // 0.0000375 × 8760 = 32.85 %
        assert_eq!(x.funding_apr_pct, d("32.85"));
        assert_eq!(x.next_funding_time, Some(t0() + Duration::hours(2)));
        // (60005 − 60035) / 60035 × 100 = −0.049971 %
        assert_eq!(x.basis_pct, d("-0.049971"));
        let net = (0.0000375 * 24.0 * 7.0 - cost) * 365.0 / 7.0;
        assert_pct(x.net_apr_pct, net);
    }

    #[test]
    fn thousand_x_contract_against_spot_on_another_venue() {
        let (b, y, o) = (Venue::Binance, Venue::Bybit, Venue::Okx);
        let snaps = [
            snap(
                b,
                vec![perp(
                    b,
                    "1000PEPEUSDT",
                    ("PEPE", "USDT", "1000"),
                    ("0.0101", "0.0102"),
                    ("0.0003", "4"),
                    ("0.011", "0.0095"),
                )],
                vec![],
            ),
            snap(
                y,
                vec![],
                vec![spot(
                    y,
                    "PEPEUSDT",
                    ("PEPE", "USDT"),
                    "0.00001",
                    "0.00001002",
                )],
            ),
            snap(
                o,
                vec![perp(
                    o,
                    "PEPE-USDT-SWAP",
                    ("PEPE", "USDT", "1"),
                    ("0.00001", "0.0000101"),
                    ("0.0001", "8"),
                    ("0.000011", "0.0000095"),
                )],
                vec![],
            ),
        ];
        let out = analyze(&snaps, &Params::default());
        assert_eq!(
            keys(&out),
            BTreeSet::from([
                key(Kind::CrossCarry, (y, "PEPEUSDT"), (b, "1000PEPEUSDT")),
                key(Kind::CrossCarry, (y, "PEPEUSDT"), (o, "PEPE-USDT-SWAP")),
                key(Kind::PerpSpread, (o, "PEPE-USDT-SWAP"), (b, "1000PEPEUSDT")),
            ])
        );
        let cross = row(&out, |x| x.kind == Kind::CrossCarry && x.short.venue == b);
        // Per coin: short 0.0101 / 1000, long at the spot ask.
        assert_eq!(
            (cross.short.price, cross.long.price),
            (d("0.0000101"), d("0.00001002"))
        );
        // (0.00001015 − 0.00001001) / 0.00001001 × 100 = 1.398601 %
        assert_eq!(cross.basis_pct, d("1.398601"));
        // Bybit spot 0.001, Binance perp 0.0005; spreads are ratios.
        let cost = 2.0 * (0.001 + 0.000_000_02 / 0.000_020_02 + 0.0005 + 0.0001 / 0.0203);
        assert_pct(cross.cost_pct, cost);
        // 0.0003 per 4 h: 0.0003 × 6 × 365 = 65.7 %
        assert_eq!(cross.funding_apr_pct, d("65.7"));

        let spread = of_kind(&out, Kind::PerpSpread)[0];
        // Binance 0.0003 / 4 h = 0.000075 / h against OKX 0.0001 / 8 h = 0.0000125 / h.
        assert_eq!(
            (spread.long.price, spread.short.price),
            (d("0.0000101"), d("0.0000101"))
        );
        // d = 0.0000625 / h, per 4 h: 0.00025; APR 0.0000625 × 8760 = 54.75 %
        assert_eq!(funding(spread), (d("0.00025"), d("4")));
        assert_eq!(spread.funding_apr_pct, d("54.75"));
        // (0.00001015 − 0.00001005) / 0.00001005 × 100 = 0.995025 %
        assert_eq!(spread.basis_pct, d("0.995025"));
    }

    /// Binance: USDT and USDC perps and a USDT spot; Bybit: a USDC spot; Kraken: a USD perp.
    fn mixed_quotes() -> Vec<Snapshot> {
        let (b, y, k) = (Venue::Binance, Venue::Bybit, Venue::Kraken);
        vec![
            snap(
                b,
                vec![
                    btc_perp(b, "BTCUSDT", "USDT", "0.0003", "8"),
                    btc_perp(b, "BTCUSDC", "USDC", "0.0001", "8"),
                ],
                vec![btc_spot(b, "BTCUSDT", "USDT")],
            ),
            snap(y, vec![], vec![btc_spot(y, "BTCUSDC", "USDC")]),
            snap(
                k,
                vec![btc_perp(k, "PF_XBTUSD", "USD", "0.00002", "1")],
                vec![],
            ),
        ]
    }

    #[test]
    fn usdt_and_usdc_pair_only_under_equivalence() {
        let (b, y, k) = (Venue::Binance, Venue::Bybit, Venue::Kraken);
        let snaps = mixed_quotes();
        let carry = key(Kind::Carry, (b, "BTCUSDT"), (b, "BTCUSDT"));
        let cross_usdc = key(Kind::CrossCarry, (y, "BTCUSDC"), (b, "BTCUSDC"));

        // Apart: one carry, one USDC cross_carry; Kraken's USD perp pairs with nothing.
        let apart = analyze(&snaps, &Params::default());
        assert_eq!(
            keys(&apart),
            BTreeSet::from([carry.clone(), cross_usdc.clone()])
        );

        // USDT = USDC (either spelling): carry still needs one quote (no Binance USDC perp
        // against the USDT spot), cross_carry pairs the Bybit USDC spot with the USDT perp
        // too, and the two Binance perps make a same-venue spread (long the lower rate).
        let expected = BTreeSet::from([
            carry.clone(),
            cross_usdc.clone(),
            key(Kind::CrossCarry, (y, "BTCUSDC"), (b, "BTCUSDT")),
            key(Kind::PerpSpread, (b, "BTCUSDC"), (b, "BTCUSDT")),
        ]);
        for pair in [("USDT", "USDC"), ("usdc", " usdt ")] {
            let params = Params {
                quote_equivalence: vec![(pair.0.into(), pair.1.into())],
                ..Params::default()
            };
            let out = analyze(&snaps, &params);
            assert_eq!(keys(&out), expected, "{pair:?}");
            let spread = of_kind(&out, Kind::PerpSpread)[0];
            assert_eq!(spread.quote, "USDT", "the short leg's quote");
            // 0.0003 − 0.0001 per 8 h.
            assert_eq!(spread.funding_rate, d("0.0002"));
            let cross = row(&out, |o| {
                o.kind == Kind::CrossCarry && o.short.symbol == "BTCUSDT"
            });
            assert_eq!(cross.quote, "USDT", "the perp's quote");
        }

        // USD joins only when named (USDC = USD, transitively with USDT).
        let params = Params {
            quote_equivalence: vec![
                ("USDT".into(), "USDC".into()),
                ("USDC".into(), "USD".into()),
            ],
            ..Params::default()
        };
        let all = analyze(&snaps, &params);
        let mut expected = expected;
        expected.extend([
            key(Kind::CrossCarry, (y, "BTCUSDC"), (k, "PF_XBTUSD")),
            key(Kind::CrossCarry, (b, "BTCUSDT"), (k, "PF_XBTUSD")),
            // Kraken 0.00002 / h sits between Binance USDC 0.0000125 and USDT 0.0000375.
            key(Kind::PerpSpread, (k, "PF_XBTUSD"), (b, "BTCUSDT")),
            key(Kind::PerpSpread, (b, "BTCUSDC"), (k, "PF_XBTUSD")),
        ]);
        assert_eq!(keys(&all), expected);
    }

    /// Binance and Bybit BTC perps with narrow ranges, so the safe leverage lies above 1 where
    /// the long leg can be liquidated too.
    fn two_perps() -> Vec<Snapshot> {
        // (venue, book, funding, 24 h range): the short leg on Binance, the long one on Bybit.
        [
            (
                Venue::Binance,
                ("60030", "60040"),
                ("0.0004", "8"),
                ("60600", "59400"),
            ),
            (
                Venue::Bybit,
                ("60000", "60010"),
                ("0.00002", "1"),
                ("60900", "59100"),
            ),
        ]
        .map(|(v, book, funding, range)| {
            let btc = perp(v, "BTCUSDT", ("BTC", "USDT", "1"), book, funding, range);
            snap(v, vec![btc], vec![])
        })
        .to_vec()
    }

    #[test]
    fn two_leg_liq_prob_and_larger_liquidation_fee() {
        let (b, y) = (Venue::Binance, Venue::Bybit);
        let snaps = two_perps();
        let (sa_short, sa_long) = (parkinson(60_600.0, 59_400.0), parkinson(60_900.0, 59_100.0));
        let cost = 2.0 * (0.0006 + 10.0 / 120_010.0 + 0.0005 + 10.0 / 120_070.0);
        let net = (0.00003 * 24.0 * 7.0 - cost) * 365.0 / 7.0;
        for (b_liq, y_liq, charged) in [("0.02", "0.01", 0.02), ("0.01", "0.03", 0.03)] {
            let params = Params {
                leverage: d("20"),
                costs: BTreeMap::from([
                    (b, costs("0.001", "0.0005", "0.005", b_liq)),
                    (y, costs("0.001", "0.0006", "0.008", y_liq)),
                ]),
                ..Params::default()
            };
            let out = analyze(&snaps, &params);
            assert_eq!(out.len(), 1);
            let x = &out[0];
            assert_eq!((x.long.venue, x.short.venue), (y, b));
            // q = 1 / 20. Short (Binance, m 0.005): D = ln(1.05 / 1.005).
            // Long (Bybit, m 0.008): D = ln(0.992 / 0.95).
            let p_s = passage((1.05f64 / 1.005).ln(), sa_short, T7);
            let p_l = passage((0.992f64 / 0.95).ln(), sa_long, T7);
            assert!(p_s > 0.05 && p_l > 0.05, "{p_s} {p_l}");
            let p = 1.0 - (1.0 - p_s) * (1.0 - p_l);
            assert!((x.liq_prob - p).abs() < 1e-6, "{} vs {p}", x.liq_prob);
            assert_pct(x.net_apr_pct, net);
            let risk_adj = net - x.liq_prob * (charged + cost) * 365.0 / 7.0;
            assert_pct(x.risk_adj_apr_pct, risk_adj);
        }

        // Safe leverage: the largest L with the combined probability within 1 %; the long leg
        // binds before the short one would.
        let out = analyze(&snaps, &Params::default());
        let safe = f(out[0].safe_leverage);
        let combined = |l: f64| {
            let q = 1.0 / l;
            let p_s = passage(((1.0 + q) / 1.004).ln(), sa_short, T7);
            let p_l = if q >= 1.0 {
                0.0
            } else {
                passage((0.996 / (1.0 - q)).ln(), sa_long, T7)
            };
            (1.0 - (1.0 - p_s) * (1.0 - p_l), p_s)
        };
        assert!(safe > 1.0, "{safe}");
        assert!(combined(safe).0 <= 0.01 + 1e-6);
        let (above, short_alone) = combined(safe + 0.01);
        assert!(above > 0.01 - 1e-6, "{above}");
        assert!(
            short_alone < 0.005,
            "the short leg alone would allow more: {short_alone}"
        );
    }

    #[test]
    fn kinds_filter() {
        let (b, y) = (Venue::Binance, Venue::Bybit);
        let snaps = [
            snap(
                b,
                vec![btc_perp(b, "BTCUSDT", "USDT", "0.0005", "8")],
                vec![btc_spot(b, "BTCUSDT", "USDT")],
            ),
            snap(
                y,
                vec![btc_perp(y, "BTCUSDT", "USDT", "0.0001", "8")],
                vec![btc_spot(y, "BTCUSDT", "USDT")],
            ),
        ];
        let run = |kinds: Vec<Kind>| {
            let out = analyze(
                &snaps,
                &Params {
                    kinds,
                    ..Params::default()
                },
            );
            keys(&out)
        };
        let carry = BTreeSet::from([
            key(Kind::Carry, (b, "BTCUSDT"), (b, "BTCUSDT")),
            key(Kind::Carry, (y, "BTCUSDT"), (y, "BTCUSDT")),
        ]);
        let cross = BTreeSet::from([
            key(Kind::CrossCarry, (b, "BTCUSDT"), (y, "BTCUSDT")),
            key(Kind::CrossCarry, (y, "BTCUSDT"), (b, "BTCUSDT")),
        ]);
        let spread = BTreeSet::from([key(Kind::PerpSpread, (y, "BTCUSDT"), (b, "BTCUSDT"))]);
        assert_eq!(run(vec![Kind::Carry]), carry);
        assert_eq!(run(vec![Kind::CrossCarry]), cross);
        assert_eq!(run(vec![Kind::PerpSpread]), spread);
        let both: BTreeSet<_> = cross.union(&spread).cloned().collect();
        assert_eq!(run(vec![Kind::PerpSpread, Kind::CrossCarry]), both);
        let all: BTreeSet<_> = both.union(&carry).cloned().collect();
        assert_eq!(all.len(), 5);
        assert_eq!(run(crate::analyze::ALL_KINDS.to_vec()), all);
        assert_eq!(run(Vec::new()), all, "empty = every kind");
        assert_eq!(keys(&analyze(&snaps, &Params::default())), all);
    }

    #[test]
    fn perp_spread_pairs_once_and_not_on_equal_hourly_rates() {
        let (b, y, o) = (Venue::Binance, Venue::Bybit, Venue::Okx);
        let only = Params {
            kinds: vec![Kind::PerpSpread],
            ..Params::default()
        };
        // 0.0008 per 8 h = 0.0001 per 1 h: nothing to earn.
        let equal = [
            usdt_perp_only(b, "BTCUSDT", "0.0008", "8"),
            usdt_perp_only(y, "BTCUSDT", "0.0001", "1"),
        ];
        assert!(analyze(&equal, &only).is_empty());
        // Two symbols of one venue and quote are not a spread.
        let same = [snap(
            b,
            vec![
                btc_perp(b, "BTCUSDT", "USDT", "0.0008", "8"),
                btc_perp(b, "BTCUSDT2", "USDT", "0.0001", "8"),
            ],
            vec![],
        )];
        assert!(analyze(&same, &only).is_empty());
        // Three venues: three rows, each pair once, whatever the input order.
        let three = vec![
            usdt_perp_only(b, "BTCUSDT", "0.0003", "8"),
            usdt_perp_only(y, "BTCUSDT", "-0.0001", "8"),
            usdt_perp_only(o, "BTC-USDT-SWAP", "0.0001", "4"),
        ];
        let out = analyze(&three, &only);
        assert_eq!(
            keys(&out),
            BTreeSet::from([
                key(Kind::PerpSpread, (y, "BTCUSDT"), (b, "BTCUSDT")),
                key(Kind::PerpSpread, (y, "BTCUSDT"), (o, "BTC-USDT-SWAP")),
                key(Kind::PerpSpread, (o, "BTC-USDT-SWAP"), (b, "BTCUSDT")),
            ])
        );
        // Bybit −0.0001 / 8 h against Binance 0.0003 / 8 h: d × 8 = 0.0004.
        let x = row(&out, |x| x.long.venue == y && x.short.venue == b);
        assert_eq!(x.funding_rate, d("0.0004"));
        let mut reversed = three.clone();
        reversed.reverse();
        assert_eq!(analyze(&reversed, &only), out);
    }

    #[test]
    fn min_apr_keeps_exactly_the_rows_at_or_above_it() {
        // The quick f64 bound must not drop a row the exact maths keeps, even at the boundary.
        let mut snaps = mixed_quotes();
        snaps.extend(two_perps());
        let params = Params {
            quote_equivalence: vec![("USDT".into(), "USDC".into())],
            ..Params::default()
        };
        let all = analyze(&snaps, &params);
        assert!(all.len() > 6, "{}", all.len());
        for o in &all {
            for min in [
                o.risk_adj_apr_pct,
                o.net_apr_pct,
                o.risk_adj_apr_pct + d("0.000001"),
            ] {
                let out = analyze(
                    &snaps,
                    &Params {
                        min_apr_pct: Some(min),
                        ..params.clone()
                    },
                );
                let id = |x: &Opportunity| {
                    (
                        x.kind,
                        x.long.symbol.clone(),
                        x.short.venue,
                        x.risk_adj_apr_pct,
                    )
                };
                let expected: Vec<_> = all
                    .iter()
                    .filter(|x| x.risk_adj_apr_pct >= min)
                    .map(id)
                    .collect();
                let got: Vec<_> = out.iter().map(id).collect();
                assert_eq!(got, expected, "min {min}");
            }
        }
    }
}
