//! The analyzer: pure maths that turns venue snapshots into ranked opportunities (no I/O, no clock).
//!
//! - [`carry`]: the `Decimal` economics (funding APR, costs, net APR, basis).
//! - [`risk`]: volatility, liquidation probability of leveraged legs, safe leverage (`f64`).
//! - [`rank`]: `carry` candidates, filters and the deterministic order.
//! - [`cross`]: the cross-venue kinds and `--quote-equivalence`.
//!
//! Implements DESIGN.md "The analyzer's maths" for the three kinds: `carry` (long spot, short
//! perp on one venue, same asset and quote, `r > 0`), `cross_carry` (long spot on venue A, short
//! perp on venue B ≠ A, `r_B > 0`) and `perp_spread` (long the perp with the lower per-hour rate,
//! short the one with the higher, two different perps of one asset). All kinds are ranked
//! together.
//!
//! With history ([`analyze_with`] and a [`HistoryInputs`]; [`analyze`] is the same with none):
//! - Expected funding `E`: each perp leg's per-hour rate is
//!   [`stats::expected_rate_per_hour`] of its current `r / h` and its settlements (the current
//!   rate blended toward the trailing 30-day mean by an AR(1) weight; the current rate itself
//!   with too little history). `carry` and `cross_carry`: `E = x_short · 24 · H`;
//!   `perp_spread`: `E = (x_short − x_long) · 24 · H`. Only `E`, hence `net_apr` and
//!   `risk_adj_apr`, move: `funding_rate`, `funding_interval_hours` and `funding_apr_pct` keep
//!   describing the current print, and which perps pair (`r > 0`, the lower `r / h` is long)
//!   is still decided on the current rates. A perp whose estimator falls back to the current
//!   rate is computed exactly as without history.
//! - `σ_A`: [`stats::realised_vol`] of the asset's daily closes on the perp's venue when there
//!   are at least 14 daily returns, else the 24 h high/low path.
//! - `σ_C` of a volatile collateral: its realised volatility on the perp's venue, else on the
//!   first venue in [`Venue::ALL`] order that has enough closes, else the spot high/low path.
//! - `ρ`: [`stats::correlation`] of the asset's and the collateral's closes on the perp's venue
//!   (both series on that one venue, at least 14 common returns), else `--correlation`; a
//!   stablecoin asset keeps `ρ = 0`.
//!
//! Each perp's expected rate and each (venue, coin)'s realised figures are computed once per
//! run ([`Context`]), never per pair. Keys are matched exactly: (venue, perp symbol) for
//! settlements, (venue, upper-case coin) for closes.

pub mod carry;
pub mod cross;
pub mod history;
pub mod rank;
pub mod risk;
pub mod stats;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::model::{Kind, Opportunity, PerpQuote, Snapshot, Venue, is_stablecoin};
use cross::QuoteClasses;
use risk::{Collateral, Volatility};
use stats::{DailyClose, Estimator};

/// Fees and liquidation parameters of one venue (fractions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VenueCosts {
    /// Spot taker fee.
    pub spot_taker_fee: Decimal,
    /// Perp taker fee.
    pub perp_taker_fee: Decimal,
    /// Maintenance margin rate `m`.
    pub maintenance_margin: Decimal,
    /// Fee charged on liquidation.
    pub liquidation_fee: Decimal,
}

impl VenueCosts {
    /// Published retail (VIP 0, regular-user) taker fees: Binance spot 0.1 % / USDⓈ-M 0.05 %,
    /// Bybit spot 0.1 % / linear 0.055 %, OKX spot 0.1 % / swap 0.05 %. Maintenance margin 0.4 %
    /// on every venue (the lowest-tier rate of BTC/ETH-class contracts; smaller coins' first
    /// tiers run 0.5–1 %, so configure `maintenance_margin` when trading those) and liquidation
    /// fee 1 % (DESIGN.md's config default).
    #[must_use]
    pub fn default_for(venue: Venue) -> VenueCosts {
        let (spot, perp) = match venue {
            Venue::Binance => (Decimal::new(1, 3), Decimal::new(5, 4)),
            Venue::Bybit => (Decimal::new(1, 3), Decimal::new(55, 5)),
            Venue::Okx => (Decimal::new(1, 3), Decimal::new(5, 4)),
            Venue::Bitget => (Decimal::new(1, 3), Decimal::new(6, 4)),
            Venue::Gate => (Decimal::new(1, 3), Decimal::new(5, 4)),
            Venue::Hyperliquid => (Decimal::new(7, 4), Decimal::new(45, 5)),
            Venue::Bingx => (Decimal::new(1, 3), Decimal::new(5, 4)),
            Venue::Mexc => (Decimal::new(5, 4), Decimal::new(2, 4)),
            // No spot fee is published for these; Deribit spot is charged like its perps, and
            // dYdX and Kraken Futures have no spot markets.
            Venue::Deribit | Venue::Dydx | Venue::Kraken => {
                (Decimal::new(5, 4), Decimal::new(5, 4))
            }
        };
        VenueCosts {
            spot_taker_fee: spot,
            perp_taker_fee: perp,
            maintenance_margin: Decimal::new(4, 3),
            liquidation_fee: Decimal::new(1, 2),
        }
    }
}

/// Built-in collateral haircut `k` when the config gives none: 1 for stablecoins, 0.95 for BTC
/// and ETH, 0.9 for any other coin (conservative round figures below the venues' published
/// collateral value ratios for majors).
#[must_use]
pub fn default_haircut(coin: &str) -> Decimal {
    if is_stablecoin(coin) {
        Decimal::ONE
    } else if coin.eq_ignore_ascii_case("BTC") || coin.eq_ignore_ascii_case("ETH") {
        Decimal::new(95, 2)
    } else {
        Decimal::new(9, 1)
    }
}

/// Everything the analyzer needs besides the market data.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Holding horizon `H` in days (`--hold`, default 7).
    pub hold_days: Decimal,
    /// Leverage `L` of the perp leg (`--leverage`, default 2).
    pub leverage: Decimal,
    /// Coin margining the short perp, `C` (`--collateral`, default `USDT`).
    pub collateral: String,
    /// Largest acceptable liquidation probability over the horizon (`--max-liq-prob`, 0.01).
    pub max_liq_prob: f64,
    /// `ρ` between two non-stable coins (default 0.8).
    pub correlation: f64,
    /// `--min-apr`: keep `risk_adj_apr_pct >= min` (percent).
    pub min_apr_pct: Option<Decimal>,
    /// `--min-volume` in USD on `volume_24h_usd`; 0 disables, and an unknown volume is then
    /// filtered out whenever the minimum is positive.
    pub min_volume_usd: Decimal,
    /// `--assets`: only these coins (case-insensitive); empty = all.
    pub assets: Vec<String>,
    /// Per-venue costs; a missing venue uses [`VenueCosts::default_for`].
    pub costs: BTreeMap<Venue, VenueCosts>,
    /// Collateral coin → haircut `k` from the config; a missing coin uses [`default_haircut`]
    /// (stablecoins 1; BTC, ETH 0.95; any other coin 0.9).
    pub haircuts: BTreeMap<String, Decimal>,
    /// `--kinds`: the kinds to look for (default all three; an empty list also means all).
    pub kinds: Vec<Kind>,
    /// `--quote-equivalence USDT=USDC`: pairs of quotes the cross-venue kinds treat as one
    /// (case-insensitive, symmetric and transitive); default none, so USDT, USDC and USD stay
    /// apart. `carry` always needs one quote.
    pub quote_equivalence: Vec<(String, String)>,
}

/// Every kind, the default of [`Params::kinds`].
pub const ALL_KINDS: [Kind; 3] = [Kind::Carry, Kind::CrossCarry, Kind::PerpSpread];

impl Default for Params {
    fn default() -> Self {
        Params {
            hold_days: Decimal::from(7),
            leverage: Decimal::TWO,
            collateral: "USDT".to_owned(),
            max_liq_prob: 0.01,
            correlation: 0.8,
            min_apr_pct: None,
            min_volume_usd: Decimal::ZERO,
            assets: Vec::new(),
            costs: BTreeMap::new(),
            haircuts: BTreeMap::new(),
            kinds: ALL_KINDS.to_vec(),
            quote_equivalence: Vec::new(),
        }
    }
}

impl Params {
    /// The costs of `venue`: configured, else the built-in defaults.
    #[must_use]
    pub fn costs_for(&self, venue: Venue) -> VenueCosts {
        self.costs
            .get(&venue)
            .copied()
            .unwrap_or_else(|| VenueCosts::default_for(venue))
    }

    /// The haircut `k` of a collateral coin: configured (key matched case-insensitively), else
    /// [`default_haircut`].
    #[must_use]
    pub fn haircut_for(&self, coin: &str) -> Decimal {
        self.haircuts
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(coin))
            .map_or_else(|| default_haircut(coin), |(_, k)| *k)
    }

    /// Whether `kind` is selected by [`Params::kinds`] (an empty list selects every kind).
    #[must_use]
    pub fn wants(&self, kind: Kind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// Stored history the analyzer may use (see the module docs); empty maps change nothing.
#[derive(Debug, Default, Clone)]
pub struct HistoryInputs {
    /// Settled funding per perp, keyed by (venue, perp symbol).
    pub settlements: history::Histories,
    /// Daily closes of a coin on a venue (from its perp's stored observations), keyed by
    /// (venue, upper-case coin, e.g. `BTC`).
    pub closes: HashMap<(Venue, String), Vec<DailyClose>>,
    /// The time the history is read at (irrelevant when both maps are empty).
    pub now: DateTime<Utc>,
}

/// What the history says about the markets of one scan, computed once per run.
#[derive(Debug, Default)]
pub(crate) struct HistoryIndex<'a> {
    /// Blended per-hour rate by (venue, symbol, current per-hour rate); `None` when the
    /// estimator keeps the current rate.
    expected: HashMap<(Venue, &'a str, Decimal), Option<Decimal>>,
    /// Realised volatility of a perp asset on a venue (`None`: too little history).
    sigma: HashMap<(Venue, &'a str), Option<f64>>,
    /// Realised correlation of a perp asset with the collateral on a venue.
    rho: HashMap<(Venue, &'a str), Option<f64>>,
    /// Realised `σ_C` of a volatile collateral for a perp on each venue, after the fallback
    /// to the other venues.
    collateral_sigma: HashMap<Venue, f64>,
}

impl<'a> HistoryIndex<'a> {
    /// Indexes what the scan's perps and the collateral `collateral` (upper-case) need.
    fn new(
        snapshots: &'a [Snapshot],
        history: &HistoryInputs,
        collateral: &str,
        hold_days: Decimal,
    ) -> HistoryIndex<'a> {
        let mut index = HistoryIndex::default();
        let now = history.now;
        let closes = |venue: Venue, coin: &str| history.closes.get(&(venue, coin.to_owned()));
        let volatile_collateral = !is_stablecoin(collateral);
        if !history.settlements.is_empty() {
            for perp in snapshots.iter().flat_map(|s| &s.perps) {
                let Some(current) = perp
                    .funding_rate
                    .checked_div(perp.funding_interval_hours)
                    .filter(|_| perp.funding_interval_hours > Decimal::ZERO)
                else {
                    continue;
                };
                let key = (perp.venue, perp.symbol.as_str(), current);
                if index.expected.contains_key(&key) {
                    continue;
                }
                let Some(settled) = history
                    .settlements
                    .get(&(perp.venue, perp.symbol.clone()))
                else {
                    continue;
                };
                let blended = match stats::expected_rate_per_hour(current, settled, now, hold_days)
                {
                    (x, Estimator::MeanReverting { .. }) => Some(x),
                    (_, Estimator::Current) => None,
                };
                index.expected.insert(key, blended);
            }
        }
        if history.closes.is_empty() {
            return index;
        }
        for perp in snapshots.iter().flat_map(|s| &s.perps) {
            let key = (perp.venue, perp.asset.as_str());
            if index.sigma.contains_key(&key) {
                continue;
            }
            let own = closes(perp.venue, &perp.asset);
            index
                .sigma
                .insert(key, own.and_then(|c| stats::realised_vol(c, now)));
            if volatile_collateral
                && !perp.asset.eq_ignore_ascii_case(collateral)
                && !is_stablecoin(&perp.asset)
            {
                let rho = own
                    .zip(closes(perp.venue, collateral))
                    .and_then(|(a, c)| stats::correlation(a, c, now));
                index.rho.insert(key, rho);
            }
        }
        if volatile_collateral {
            let by_venue: Vec<(Venue, f64)> = Venue::ALL
                .into_iter()
                .filter_map(|v| Some((v, stats::realised_vol(closes(v, collateral)?, now)?)))
                .collect();
            if let Some(&(_, first)) = by_venue.first() {
                index.collateral_sigma = Venue::ALL.into_iter().map(|v| (v, first)).collect();
                index.collateral_sigma.extend(by_venue);
            }
        }
        index
    }

    /// The blended per-hour rate of `perp`, `None` when `E` uses its current rate.
    fn expected_per_hour(&self, perp: &PerpQuote) -> Option<Decimal> {
        if self.expected.is_empty() || perp.funding_interval_hours <= Decimal::ZERO {
            return None;
        }
        let current = perp
            .funding_rate
            .checked_div(perp.funding_interval_hours)?;
        self.expected
            .get(&(perp.venue, perp.symbol.as_str(), current))
            .copied()
            .flatten()
    }

    /// Realised `σ` of `asset` on `venue`.
    fn sigma(&self, venue: Venue, asset: &str) -> Option<f64> {
        self.sigma.get(&(venue, asset)).copied().flatten()
    }

    /// Realised `ρ` of `asset` with the collateral on `venue`.
    fn rho(&self, venue: Venue, asset: &str) -> Option<f64> {
        self.rho.get(&(venue, asset)).copied().flatten()
    }
}

/// Validated, pre-converted parameters plus the scan's volatility and history indexes.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    pub(crate) params: &'a Params,
    /// `T = H / 365`, years.
    pub(crate) years: f64,
    /// `L` as `f64`.
    pub(crate) leverage: f64,
    /// `C`, upper-case.
    pub(crate) collateral: String,
    /// `k` of `C` as `f64`.
    pub(crate) haircut: f64,
    pub(crate) volatility: Volatility<'a>,
    /// `--quote-equivalence` classes.
    pub(crate) quotes: QuoteClasses,
    /// Expected rates and realised volatilities from the history.
    history: HistoryIndex<'a>,
}

impl<'a> Context<'a> {
    /// `None` when the parameters cannot be analysed (`H <= 0`, `L <= 0`, `k` not a number).
    fn new(
        snapshots: &'a [Snapshot],
        params: &'a Params,
        history: &HistoryInputs,
    ) -> Option<Context<'a>> {
        if params.hold_days <= Decimal::ZERO || params.leverage <= Decimal::ZERO {
            return None;
        }
        let collateral = params.collateral.trim().to_ascii_uppercase();
        let haircut = params.haircut_for(&collateral).to_f64()?;
        Some(Context {
            params,
            years: params.hold_days.to_f64()? / 365.0,
            leverage: params.leverage.to_f64()?,
            haircut,
            volatility: Volatility::new(snapshots),
            quotes: QuoteClasses::new(&params.quote_equivalence),
            history: HistoryIndex::new(snapshots, history, &collateral, params.hold_days),
            collateral,
        })
    }

    /// `σ_A` of a perp leg: realised on its venue, else its own 24 h high/low, else the same
    /// asset's perp elsewhere.
    pub(crate) fn sigma_a(&self, perp: &PerpQuote) -> Option<f64> {
        self.history
            .sigma(perp.venue, &perp.asset)
            .or_else(|| match (perp.high_24h, perp.low_24h) {
                (Some(h), Some(l)) => risk::parkinson(h, l),
                _ => None,
            })
            .or_else(|| self.volatility.perp_sigma(&perp.asset, &perp.quote))
    }

    /// The per-hour rate `E` uses for `perp` when the history blends it; `None` means its
    /// current `r / h` (computed as `r · 24 · H / h`, exactly as without history).
    pub(crate) fn expected_per_hour(&self, perp: &PerpQuote) -> Option<Decimal> {
        self.history.expected_per_hour(perp)
    }

    /// How `C` margins a perp of `asset` on `venue` quoted in `quote`; `None` when `C` is a
    /// volatile coin without a spot market (with 24 h high/low) anywhere in the scan.
    pub(crate) fn collateral_for(
        &self,
        asset: &str,
        venue: Venue,
        quote: &str,
    ) -> Option<Collateral> {
        if self.collateral.eq_ignore_ascii_case(asset) {
            Some(Collateral::SameCoin)
        } else if is_stablecoin(&self.collateral) {
            Some(Collateral::Stable)
        } else {
            let sigma = match self.history.collateral_sigma.get(&venue) {
                Some(sigma) => *sigma,
                None => self.volatility.spot_sigma(&self.collateral, venue, quote)?,
            };
            // ρ between two non-stable coins: realised on the perp's venue, else configured; a
            // stablecoin asset is uncorrelated.
            let rho = if is_stablecoin(asset) {
                0.0
            } else {
                self.history
                    .rho(venue, asset)
                    .unwrap_or(self.params.correlation)
            };
            Some(Collateral::Volatile { sigma, rho })
        }
    }
}

/// Ranks every candidate found in the snapshots (fresh data of the venues polled OK). Returns
/// opportunities already filtered (`--min-apr`, `--min-volume`, `--assets`) and sorted, with
/// `rank` = 1-based position. `--top` is applied by the caller.
///
/// Returns nothing when the parameters cannot be analysed (`hold_days <= 0` or
/// `leverage <= 0`); the settings layer rejects those before. Uses no history: the same as
/// [`analyze_with`] and an empty [`HistoryInputs`].
#[must_use]
pub fn analyze(snapshots: &[Snapshot], params: &Params) -> Vec<Opportunity> {
    analyze_with(snapshots, params, &HistoryInputs::default())
}

/// [`analyze`] with stored history: expected funding blended toward each perp's trailing mean,
/// realised `σ_A`, `σ_C` and `ρ` where there are enough daily closes (see the module docs).
#[must_use]
pub fn analyze_with(
    snapshots: &[Snapshot],
    params: &Params,
    history: &HistoryInputs,
) -> Vec<Opportunity> {
    let Some(ctx) = Context::new(snapshots, params, history) else {
        return Vec::new();
    };
    let mut candidates = Vec::new();
    if params.wants(Kind::Carry) {
        candidates = rank::carry_candidates(snapshots, &ctx);
    }
    let (cross_carry, perp_spread) = (
        params.wants(Kind::CrossCarry),
        params.wants(Kind::PerpSpread),
    );
    if cross_carry || perp_spread {
        let groups = cross::Groups::new(snapshots, &ctx);
        if cross_carry {
            groups.cross_carry(&ctx, &mut candidates);
        }
        if perp_spread {
            groups.perp_spread(&ctx, &mut candidates);
        }
    }
    rank::finish(candidates, &ctx)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn default_costs_are_the_published_retail_tiers() {
        let b = VenueCosts::default_for(Venue::Binance);
        assert_eq!(
            (b.spot_taker_fee, b.perp_taker_fee),
            (d("0.001"), d("0.0005"))
        );
        let y = VenueCosts::default_for(Venue::Bybit);
        assert_eq!(
            (y.spot_taker_fee, y.perp_taker_fee),
            (d("0.001"), d("0.00055"))
        );
        let o = VenueCosts::default_for(Venue::Okx);
        assert_eq!(
            (o.spot_taker_fee, o.perp_taker_fee),
            (d("0.001"), d("0.0005"))
        );
        for v in Venue::ALL {
            let c = VenueCosts::default_for(v);
            assert_eq!(
                (c.maintenance_margin, c.liquidation_fee),
                (d("0.004"), d("0.01"))
            );
        }
    }

    #[test]
    fn params_defaults_and_lookups() {
        let p = Params::default();
        assert_eq!((p.hold_days, p.leverage), (d("7"), d("2")));
        assert_eq!(p.collateral, "USDT");
        assert_eq!((p.max_liq_prob, p.correlation), (0.01, 0.8));
        assert_eq!((p.min_apr_pct, p.min_volume_usd), (None, Decimal::ZERO));
        assert!(p.assets.is_empty());
        assert_eq!(
            p.kinds,
            [Kind::Carry, Kind::CrossCarry, Kind::PerpSpread],
            "every kind by default"
        );
        assert!(p.quote_equivalence.is_empty());
        assert!(p.wants(Kind::PerpSpread));
        let only = Params {
            kinds: vec![Kind::CrossCarry],
            ..Params::default()
        };
        assert!(only.wants(Kind::CrossCarry) && !only.wants(Kind::Carry));
        let empty = Params {
            kinds: Vec::new(),
            ..Params::default()
        };
        assert!(ALL_KINDS.iter().all(|k| empty.wants(*k)));

        assert_eq!(p.haircut_for("USDC"), Decimal::ONE);
        assert_eq!(p.haircut_for("btc"), d("0.95"));
        assert_eq!(p.haircut_for("ETH"), d("0.95"));
        assert_eq!(p.haircut_for("DOGE"), d("0.9"));
        let p = Params {
            haircuts: BTreeMap::from([
                ("eth".to_owned(), d("0.8")),
                ("USDT".to_owned(), d("0.98")),
            ]),
            costs: BTreeMap::from([(
                Venue::Okx,
                VenueCosts {
                    perp_taker_fee: d("0.0002"),
                    ..VenueCosts::default_for(Venue::Okx)
                },
            )]),
            ..Params::default()
        };
        assert_eq!(p.haircut_for("ETH"), d("0.8"));
        assert_eq!(
            p.haircut_for("USDT"),
            d("0.98"),
            "a configured stablecoin haircut wins"
        );
        assert_eq!(p.costs_for(Venue::Okx).perp_taker_fee, d("0.0002"));
        assert_eq!(
            p.costs_for(Venue::Bybit),
            VenueCosts::default_for(Venue::Bybit)
        );
    }
}
