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
//! - `σ_A`: [`stats::realised_vol`] of the perp's own daily closes (its market, so a USDC perp
//!   never borrows the USDT perp's path) when there are at least 14 daily returns, else the
//!   24 h high/low path (its own, else the same asset's perp on another venue), else Parkinson
//!   of the perp's own last daily candle ([`HistoryInputs::daily_ranges`], DESIGN's last resort
//!   when no venue lists a 24 h range).
//! - `σ_C` of a volatile collateral: the realised volatility of its **spot** pair's daily closes
//!   on the perp's venue, else on the first venue in [`Venue::ALL`] order that has at least 14
//!   returns ([`collateral_series`]; never a perp's closes), else the spot high/low path.
//! - `ρ`: [`stats::correlation`] of the perp's own closes and that same spot series (at least
//!   14 common returns), else `--correlation`; a stablecoin asset keeps `ρ = 0`.
//! - `m`: [`Params::maintenance_on`]: the configured `maintenance_margin`, else the rate the
//!   venue publishes for the contract, else the built-in default.
//!
//! Each perp's expected rate and realised figures are computed once per run ([`Context`]),
//! never per pair. Keys are matched exactly: (venue, perp symbol) for settlements and perp
//! closes, (venue, upper-case coin) for the collateral's spot closes.

pub mod carry;
pub mod cross;
pub mod explain;
pub mod history;
pub mod plan;
pub mod positions;
pub mod rank;
pub mod risk;
pub mod screen;
pub mod stats;
#[cfg(test)]
pub(crate) mod testkit;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::model::account::{MarginTable, MarginTier};
use crate::model::{Kind, Opportunity, PerpQuote, Snapshot, Venue, is_stablecoin};
use cross::QuoteClasses;
use risk::{Collateral, Volatility};
use stats::DailyClose;

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
            // The `takerFeeRate` WEEX lists with its spot pairs and contracts.
            Venue::Weex => (Decimal::new(1, 3), Decimal::new(6, 4)),
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
    /// Collateral coin → haircut `k` from the config; it wins over the venues' tables. A coin
    /// in neither uses [`default_haircut`] (stablecoins 1; BTC, ETH 0.95; any other 0.9).
    pub haircuts: BTreeMap<String, Decimal>,
    /// Per venue, coin (upper-case) → `k` from the venue's public collateral tier table (first
    /// tier), as cached with its reference data ([`crate::model::Reference::haircuts`]).
    pub venue_haircuts: BTreeMap<Venue, BTreeMap<String, Decimal>>,
    /// Venues whose `maintenance_margin` the config sets ([`Params::costs`]): it wins over the
    /// rates the venue publishes.
    pub maintenance_configured: BTreeSet<Venue>,
    /// Per venue, perp symbol → the maintenance rate `m` the venue publishes with its contracts
    /// ([`crate::model::Reference::maintenance_rates`]), used where the config sets none.
    pub venue_maintenance: BTreeMap<Venue, BTreeMap<String, Decimal>>,
    /// Per venue, the margin tiers it publishes ([`crate::model::Reference::margin_tiers`]):
    /// they win over its flat rates, and lose to the config's.
    pub venue_tiers: BTreeMap<Venue, VenueTiers>,
    /// `--kinds`: the kinds to look for (default all three; an empty list also means all).
    pub kinds: Vec<Kind>,
    /// `--quote-equivalence USDT=USDC`: pairs of quotes the cross-venue kinds treat as one
    /// (case-insensitive, symmetric and transitive); default none, so USDT, USDC and USD stay
    /// apart. `carry` always needs one quote.
    pub quote_equivalence: Vec<(String, String)>,
}

/// One venue's published margin tiers ([`Params::venue_tiers`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VenueTiers {
    /// Whether the floors are position sizes in coins (OKX) rather than USD notionals: they
    /// are multiplied by the mark price where used.
    pub floors_in_coins: bool,
    /// Tiers by perp symbol, floors increasing from 0.
    pub tiers: BTreeMap<String, Vec<MarginTier>>,
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
            venue_haircuts: BTreeMap::new(),
            maintenance_configured: BTreeSet::new(),
            venue_maintenance: BTreeMap::new(),
            venue_tiers: BTreeMap::new(),
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
        self.configured_haircut(coin)
            .unwrap_or_else(|| default_haircut(coin))
    }

    /// The haircut `k` of a collateral coin on `venue`: configured, else the venue's table,
    /// else [`default_haircut`]. Stablecoins keep `k = 1` unless configured (DESIGN: `k` is 1
    /// for stablecoins).
    #[must_use]
    pub fn haircut_on(&self, coin: &str, venue: Venue) -> Decimal {
        self.configured_haircut(coin)
            .or_else(|| {
                (!is_stablecoin(coin))
                    .then(|| {
                        self.venue_haircuts
                            .get(&venue)?
                            .get(&coin.to_ascii_uppercase())
                            .copied()
                    })
                    .flatten()
                    .filter(|k| *k > Decimal::ZERO && *k <= Decimal::ONE)
            })
            .unwrap_or_else(|| default_haircut(coin))
    }

    /// The maintenance rate `m` of the perp `symbol` on `venue` (DESIGN's precedence): the
    /// configured `maintenance_margin`, else the rate the venue publishes for that contract
    /// (when a fraction in (0, 1)), else the built-in default of [`VenueCosts::default_for`].
    #[must_use]
    pub fn maintenance_on(&self, venue: Venue, symbol: &str) -> Decimal {
        let costs = self.costs_for(venue);
        if self.maintenance_configured.contains(&venue) {
            return costs.maintenance_margin;
        }
        if let Some(table) = self.venue_table(venue, symbol, Decimal::ONE) {
            return table.tier(0).maintenance_rate;
        }
        self.venue_maintenance
            .get(&venue)
            .and_then(|rates| rates.get(symbol))
            .copied()
            .filter(|m| *m > Decimal::ZERO && *m < Decimal::ONE)
            .unwrap_or(costs.maintenance_margin)
    }

    /// The margin table of the perp `symbol` on `venue` at mark price `mark` (DESIGN's
    /// precedence below a position's own `tiers`): one flat tier of the configured
    /// `maintenance_margin`, else the venue's published tiers, else one flat tier of
    /// [`Params::maintenance_on`] (the venue's flat rate, else the default).
    #[must_use]
    pub fn margin_table_on(&self, venue: Venue, symbol: &str, mark: Decimal) -> MarginTable {
        if !self.maintenance_configured.contains(&venue)
            && let Some(table) = self.venue_table(venue, symbol, mark)
        {
            return table;
        }
        MarginTable::flat(self.maintenance_on(venue, symbol), None)
    }

    /// The venue's published tiers of `symbol`, floors in USD at `mark` (see
    /// [`VenueTiers::floors_in_coins`]), when they make a usable table.
    fn venue_table(&self, venue: Venue, symbol: &str, mark: Decimal) -> Option<MarginTable> {
        let published = self.venue_tiers.get(&venue)?;
        let rows = published.tiers.get(symbol)?;
        let rows = if published.floors_in_coins {
            rows.iter()
                .map(|t| MarginTier {
                    floor: t.floor * mark,
                    ..*t
                })
                .collect()
        } else {
            rows.clone()
        };
        MarginTable::new(rows).ok()
    }

    fn configured_haircut(&self, coin: &str) -> Option<Decimal> {
        self.haircuts
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(coin))
            .map(|(_, k)| *k)
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
    /// What each perp's settled funding says at `now` ([`stats::summarise`]), keyed by (venue,
    /// perp symbol).
    pub settlements: history::Histories,
    /// Daily closes of each perp (candles and polls), keyed by (venue, perp symbol) like
    /// [`HistoryInputs::settlements`]: `σ_A` and `ρ` of a perp come from its own market.
    pub perp_closes: HashMap<(Venue, String), Vec<DailyClose>>,
    /// Daily closes of the collateral coin's spot pair on a venue (USDT, else USDC, else USD),
    /// keyed by (venue, upper-case coin, e.g. `ETH`).
    pub spot_closes: HashMap<(Venue, String), Vec<DailyClose>>,
    /// High and low of a perp's last finished daily candle, keyed by (venue, perp symbol): the
    /// `σ_A` source of last resort for perps of an asset no venue gives a 24 h range for.
    pub daily_ranges: HashMap<(Venue, String), (Decimal, Decimal)>,
    /// The time the history is read at (irrelevant when both maps are empty).
    pub now: DateTime<Utc>,
}

/// The spot series that stands for the collateral `coin` (upper-case) on each venue: that
/// venue's own spot pair when it has at least 14 daily returns, else the first such series in
/// [`Venue::ALL`] order, with its realised `σ_C`. Never a perp's closes (the collateral's own
/// market is its spot pair). Venues are absent when no venue has such a series.
pub(crate) fn collateral_series<'h>(
    history: &'h HistoryInputs,
    coin: &str,
) -> HashMap<Venue, (&'h [DailyClose], f64)> {
    let usable: Vec<(Venue, &[DailyClose], f64)> = Venue::ALL
        .into_iter()
        .filter_map(|v| {
            let closes = history.spot_closes.get(&(v, coin.to_owned()))?;
            Some((
                v,
                closes.as_slice(),
                stats::realised_vol(closes, history.now)?,
            ))
        })
        .collect();
    let Some(&(_, first, first_sigma)) = usable.first() else {
        return HashMap::new();
    };
    let mut out: HashMap<Venue, (&[DailyClose], f64)> = Venue::ALL
        .into_iter()
        .map(|v| (v, (first, first_sigma)))
        .collect();
    out.extend(usable.into_iter().map(|(v, c, s)| (v, (c, s))));
    out
}

/// What the history says about the markets of one scan, computed once per run.
#[derive(Debug, Default)]
pub(crate) struct HistoryIndex<'a> {
    /// Blended per-hour rate by (venue, symbol, current per-hour rate); `None` when the
    /// estimator keeps the current rate.
    expected: HashMap<(Venue, &'a str, Decimal), Option<Decimal>>,
    /// Realised volatility of a perp's own closes, by (venue, perp symbol) (`None`: too little
    /// history).
    sigma: HashMap<(Venue, &'a str), Option<f64>>,
    /// Realised correlation of a perp's own closes with the collateral's spot series for its
    /// venue ([`collateral_series`]), by (venue, perp symbol).
    rho: HashMap<(Venue, &'a str), Option<f64>>,
    /// Realised `σ_C` of a volatile collateral for a perp on each venue, after the fallback
    /// to the other venues.
    collateral_sigma: HashMap<Venue, f64>,
    /// Parkinson `σ` of a perp's last daily candle, by (venue, symbol).
    candle_sigma: HashMap<(Venue, String), f64>,
}

impl<'a> HistoryIndex<'a> {
    /// Indexes what the scan's perps and the collateral `collateral` (upper-case) need.
    fn new(
        snapshots: &'a [Snapshot],
        history: &HistoryInputs,
        collateral: &str,
        hold_days: Decimal,
    ) -> HistoryIndex<'a> {
        let mut index = HistoryIndex {
            candle_sigma: history
                .daily_ranges
                .iter()
                .filter_map(|(k, (h, l))| Some((k.clone(), risk::parkinson(*h, *l)?)))
                .collect(),
            ..HistoryIndex::default()
        };
        let now = history.now;
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
                let Some(summary) = history.settlements.get(&(perp.venue, perp.symbol.clone()))
                else {
                    continue;
                };
                let blended = summary
                    .trend
                    .and_then(|trend| stats::expected_from_trend(current, &trend, hold_days))
                    .map(|(x, _)| x);
                index.expected.insert(key, blended);
            }
        }
        if history.perp_closes.is_empty() && history.spot_closes.is_empty() {
            return index;
        }
        let series = if volatile_collateral {
            collateral_series(history, collateral)
        } else {
            HashMap::new()
        };
        for perp in snapshots.iter().flat_map(|s| &s.perps) {
            let key = (perp.venue, perp.symbol.as_str());
            if index.sigma.contains_key(&key) {
                continue;
            }
            let own = history.perp_closes.get(&(perp.venue, perp.symbol.clone()));
            index
                .sigma
                .insert(key, own.and_then(|c| stats::realised_vol(c, now)));
            if volatile_collateral
                && !perp.asset.eq_ignore_ascii_case(collateral)
                && !is_stablecoin(&perp.asset)
            {
                let rho = own
                    .zip(series.get(&perp.venue))
                    .and_then(|(a, (c, _))| stats::correlation(a, c, now));
                index.rho.insert(key, rho);
            }
        }
        index.collateral_sigma = series.into_iter().map(|(v, (_, s))| (v, s)).collect();
        index
    }

    /// The blended per-hour rate of `perp`, `None` when `E` uses its current rate.
    fn expected_per_hour(&self, perp: &PerpQuote) -> Option<Decimal> {
        if self.expected.is_empty() || perp.funding_interval_hours <= Decimal::ZERO {
            return None;
        }
        let current = perp.funding_rate.checked_div(perp.funding_interval_hours)?;
        self.expected
            .get(&(perp.venue, perp.symbol.as_str(), current))
            .copied()
            .flatten()
    }

    /// Realised `σ` of `perp`'s own closes.
    fn sigma(&self, perp: &PerpQuote) -> Option<f64> {
        self.sigma
            .get(&(perp.venue, perp.symbol.as_str()))
            .copied()
            .flatten()
    }

    /// Realised `ρ` of `perp`'s own closes with the collateral's spot series.
    fn rho(&self, perp: &PerpQuote) -> Option<f64> {
        self.rho
            .get(&(perp.venue, perp.symbol.as_str()))
            .copied()
            .flatten()
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
    /// `k` of `C` as `f64` on each venue with its own table entry or a configured value.
    haircuts: HashMap<Venue, f64>,
    /// `k` of `C` elsewhere.
    haircut: f64,
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
        let haircuts = Venue::ALL
            .into_iter()
            .filter_map(|v| Some((v, params.haircut_on(&collateral, v).to_f64()?)))
            .collect();
        Some(Context {
            params,
            haircuts,
            years: params.hold_days.to_f64()? / 365.0,
            leverage: params.leverage.to_f64()?,
            haircut,
            volatility: Volatility::new(snapshots),
            quotes: QuoteClasses::new(&params.quote_equivalence),
            history: HistoryIndex::new(snapshots, history, &collateral, params.hold_days),
            collateral,
        })
    }

    /// `σ_A` of a perp leg: realised from its own market's closes, else its own 24 h
    /// high/low, else the same asset's perp elsewhere, else its last daily candle.
    pub(crate) fn sigma_a(&self, perp: &PerpQuote) -> Option<f64> {
        self.history
            .sigma(perp)
            .or_else(|| match (perp.high_24h, perp.low_24h) {
                (Some(h), Some(l)) => risk::parkinson(h, l),
                _ => None,
            })
            .or_else(|| self.volatility.perp_sigma(&perp.asset, &perp.quote))
            .or_else(|| {
                self.history
                    .candle_sigma
                    .get(&(perp.venue, perp.symbol.clone()))
                    .copied()
            })
    }

    /// `k` of the scan's collateral on `venue` (see [`Params::haircut_on`]).
    pub(crate) fn haircut_on(&self, venue: Venue) -> f64 {
        self.haircuts.get(&venue).copied().unwrap_or(self.haircut)
    }

    /// The per-hour rate `E` uses for `perp` when the history blends it; `None` means its
    /// current `r / h` (computed as `r · 24 · H / h`, exactly as without history).
    pub(crate) fn expected_per_hour(&self, perp: &PerpQuote) -> Option<Decimal> {
        self.history.expected_per_hour(perp)
    }

    /// How `C` margins `perp`; `None` when `C` is a volatile coin with neither enough stored
    /// spot closes nor a spot market (with 24 h high/low) anywhere in the scan.
    pub(crate) fn collateral_for(&self, perp: &PerpQuote) -> Option<Collateral> {
        let (asset, venue) = (perp.asset.as_str(), perp.venue);
        if self.collateral.eq_ignore_ascii_case(asset) {
            Some(Collateral::SameCoin)
        } else if is_stablecoin(&self.collateral) {
            Some(Collateral::Stable)
        } else {
            let sigma = match self.history.collateral_sigma.get(&venue) {
                Some(sigma) => *sigma,
                None => self
                    .volatility
                    .spot_sigma(&self.collateral, venue, &perp.quote)?,
            };
            // ρ between two non-stable coins: realised from the perp's closes and the spot
            // series σ_C came from, else configured; a stablecoin asset is uncorrelated.
            let rho = if is_stablecoin(asset) {
                0.0
            } else {
                self.history.rho(perp).unwrap_or(self.params.correlation)
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
    use testkit::d;

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
        // Venue tables: used where the config says nothing, per venue; never for stablecoins;
        // out-of-range values ignored.
        let tables = Params {
            haircuts: BTreeMap::from([("eth".to_owned(), d("0.8"))]),
            venue_haircuts: BTreeMap::from([
                (
                    Venue::Okx,
                    BTreeMap::from([
                        ("BTC".to_owned(), d("0.97")),
                        ("ETH".to_owned(), d("0.5")),
                        ("USDT".to_owned(), d("0.9")),
                        ("SOL".to_owned(), d("1.5")),
                    ]),
                ),
                (
                    Venue::Bybit,
                    BTreeMap::from([("BTC".to_owned(), d("0.85"))]),
                ),
            ]),
            ..Params::default()
        };
        assert_eq!(tables.haircut_on("btc", Venue::Okx), d("0.97"));
        assert_eq!(tables.haircut_on("BTC", Venue::Bybit), d("0.85"));
        assert_eq!(
            tables.haircut_on("BTC", Venue::Binance),
            d("0.95"),
            "no table"
        );
        assert_eq!(
            tables.haircut_on("ETH", Venue::Okx),
            d("0.8"),
            "config wins"
        );
        assert_eq!(tables.haircut_on("USDT", Venue::Okx), Decimal::ONE);
        assert_eq!(
            tables.haircut_on("SOL", Venue::Okx),
            d("0.9"),
            "not a ratio"
        );
        assert_eq!(p.costs_for(Venue::Okx).perp_taker_fee, d("0.0002"));
        assert_eq!(
            p.costs_for(Venue::Bybit),
            VenueCosts::default_for(Venue::Bybit)
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod history_tests {
    use chrono::{NaiveDate, TimeDelta};
    use proptest::prelude::*;

    use super::*;
    use crate::model::FundingSample;
    use crate::model::SpotQuote;
    use stats::Estimator;
    use testkit::{
        T7, alternating_signs, assert_pct, d, f, flipped_after, perp_at_t0, phi, snap, spot_at_t0,
        t0,
    };

    /// DESIGN's short leg: `2Φ(−D / sqrt(v T))` with `D = ln((1 + q) / (1 + m))`,
    /// `w = q / (1 + q)`, `v = σ_A² + w² σ_C² − 2 w ρ σ_A σ_C`.
    fn short_liq(q: f64, m: f64, sa: f64, sc: f64, rho: f64) -> f64 {
        let dist = ((1.0 + q) / (1.0 + m)).ln();
        let w = q / (1.0 + q);
        let v = sa * sa + w * w * sc * sc - 2.0 * w * rho * sa * sc;
        2.0 * phi(-dist / (v * T7).sqrt())
    }

    /// A `{asset}USDT` perp paying `rate` per `hours`, at the sample's BTC book.
    fn perp(venue: Venue, asset: &str, rate: &str, hours: &str) -> PerpQuote {
        PerpQuote {
            funding_rate: d(rate),
            funding_interval_hours: d(hours),
            ..perp_at_t0(venue, &format!("{asset}USDT"), asset, "USDT")
        }
    }

    /// A `{asset}USDT` spot pair at the sample's BTC book.
    fn spot(venue: Venue, asset: &str) -> SpotQuote {
        spot_at_t0(venue, &format!("{asset}USDT"), asset, "USDT")
    }

    /// A Binance BTC carry paying `rate` per 8 h.
    fn binance_btc(rate: &str) -> Vec<Snapshot> {
        let b = Venue::Binance;
        vec![snap(
            b,
            vec![perp(b, "BTC", rate, "8")],
            vec![spot(b, "BTC")],
        )]
    }

    /// 90 settlements of 8 h ending at `now`, alternating 0.0003 / −0.0001 (newest first):
    /// trailing mean 0.0000125 per hour, no persistence (φ = 0).
    fn alternating_funding(now: DateTime<Utc>) -> Vec<FundingSample> {
        alternating_between(now, "0.0003", "-0.0001")
    }

    /// 90 settlements of 8 h ending at `now`, alternating `even` / `odd` (newest first).
    fn alternating_between(now: DateTime<Utc>, even: &str, odd: &str) -> Vec<FundingSample> {
        (0..90)
            .map(|i| FundingSample {
                time: now - TimeDelta::hours(8 * i),
                rate: d(if i % 2 == 0 { even } else { odd }),
                interval_hours: d("8"),
            })
            .collect()
    }

    /// Daily closes ending with yesterday's bar (closed at today's 00:00 UTC, before `t0`),
    /// from a start price and the returns' signs: `+` multiplies by `step`, `−` divides.
    fn closes(start: &str, step: &str, signs: &[i8]) -> Vec<DailyClose> {
        let last: NaiveDate = t0().date_naive().pred_opt().unwrap();
        let first = last - TimeDelta::days(signs.len() as i64);
        let mut price = d(start);
        let mut out = vec![DailyClose {
            day: first,
            close: price,
        }];
        for (i, s) in signs.iter().enumerate() {
            price = if *s > 0 {
                price * d(step)
            } else {
                price / d(step)
            };
            out.push(DailyClose {
                day: first + TimeDelta::days(i as i64 + 1),
                close: price,
            });
        }
        out
    }

    /// `n` returns alternating `+`, `−`.
    /// Sample std (n − 1) of `n` (even) alternating ±`ln step` returns, annualised.
    fn alternating_sigma(step: f64, n: usize) -> f64 {
        let nf = n as f64;
        step.ln() * (nf / (nf - 1.0)).sqrt() * 365f64.sqrt()
    }

    fn with_settlements(key: (Venue, &str), history: Vec<FundingSample>) -> HistoryInputs {
        HistoryInputs {
            settlements: HashMap::from([(
                (key.0, key.1.to_owned()),
                stats::summarise(&history, t0()),
            )]),
            perp_closes: HashMap::new(),
            spot_closes: HashMap::new(),
            daily_ranges: HashMap::new(),
            now: t0(),
        }
    }

    /// Perp closes keyed by (venue, perp symbol).
    fn with_closes(series: Vec<((Venue, &str), Vec<DailyClose>)>) -> HistoryInputs {
        HistoryInputs {
            settlements: history::Histories::new(),
            perp_closes: series
                .into_iter()
                .map(|((v, symbol), c)| ((v, symbol.to_owned()), c))
                .collect(),
            spot_closes: HashMap::new(),
            daily_ranges: HashMap::new(),
            now: t0(),
        }
    }

    #[test]
    fn history_moves_carry_net_apr_toward_the_trailing_mean() {
        let snaps = binance_btc("0.0005");
        let params = Params::default();
        let settled = alternating_funding(t0());
        let history = with_settlements((Venue::Binance, "BTCUSDT"), settled.clone());
        let base = analyze(&snaps, &params);
        let out = analyze_with(&snaps, &params, &history);
        assert_eq!((base.len(), out.len()), (1, 1));
        let (b, o) = (&base[0], &out[0]);

        // x₀ = 0.0005 / 8 = 0.0000625 per hour, μ = 0.0000125, φ = 0 → w = 1 / n, n = 21.
        let (x, how) =
            stats::expected_rate_per_hour(d("0.0000625"), &settled, t0(), params.hold_days);
        assert!(matches!(how, Estimator::MeanReverting { .. }), "{how:?}");
        let by_hand = 0.000_012_5 + 0.000_05 / 21.0;
        assert!((f(x) - by_hand).abs() < 1e-15, "{x}");
        // net_apr = (x · 24 · H − cost) · 365 / H.
        let cost = 2.0 * (0.001 + 10.0 / 120_010.0 + 0.0005 + 10.0 / 120_070.0);
        let net = (by_hand * 24.0 * 7.0 - cost) * 365.0 / 7.0;
        assert_pct(o.net_apr_pct, net);
        // Toward the mean (below the current rate), far from the current rate's figure.
        let current_net = (0.0000625 * 24.0 * 7.0 - cost) * 365.0 / 7.0;
        assert_pct(b.net_apr_pct, current_net);
        assert!(o.net_apr_pct < b.net_apr_pct - d("10"));
        // The current print is still reported; risk moves with net_apr only.
        assert_eq!(
            (o.funding_rate, o.funding_interval_hours, o.funding_apr_pct),
            (d("0.0005"), d("8"), d("54.75"))
        );
        assert_eq!((o.cost_pct, o.basis_pct), (b.cost_pct, b.basis_pct));
        assert_eq!(o.liq_prob, b.liq_prob);
        let moved = (b.net_apr_pct - o.net_apr_pct) - (b.risk_adj_apr_pct - o.risk_adj_apr_pct);
        assert!(moved.abs() <= d("0.000002"), "{moved}");
    }

    #[test]
    fn history_sets_perp_spread_expected_funding_per_leg() {
        let (b, y) = (Venue::Binance, Venue::Bybit);
        // Short Binance 0.0005 / 8 h (with history), long Bybit 0.0001 / 8 h (without).
        let snaps = vec![
            snap(b, vec![perp(b, "BTC", "0.0005", "8")], vec![]),
            snap(y, vec![perp(y, "BTC", "0.0001", "8")], vec![]),
        ];
        let params = Params {
            kinds: vec![Kind::PerpSpread],
            ..Params::default()
        };
        let history = with_settlements((b, "BTCUSDT"), alternating_funding(t0()));
        let base = analyze(&snaps, &params);
        let out = analyze_with(&snaps, &params, &history);
        assert_eq!((base.len(), out.len()), (1, 1));
        let o = &out[0];
        assert_eq!((o.short.venue, o.long.venue), (b, y));
        // Reported on the current rates: d · h_s = 0.0004 per 8 h.
        assert_eq!(
            (o.funding_rate, o.funding_apr_pct),
            (d("0.0004"), d("43.8"))
        );
        // E = (x_s − x_l) · 24 · H with x_s blended, x_l = 0.0001 / 8 (no history).
        let x_s = 0.000_012_5 + 0.000_05 / 21.0;
        let e = (x_s - 0.000_012_5) * 24.0 * 7.0;
        let cost = 2.0 * (0.0005 + 10.0 / 120_070.0 + 0.00055 + 10.0 / 120_070.0);
        let net = (e - cost) * 365.0 / 7.0;
        assert_pct(o.net_apr_pct, net);
        assert!(o.net_apr_pct < base[0].net_apr_pct);
    }

    #[test]
    fn history_above_the_current_rate_survives_min_apr() {
        // cross_carry: long Bybit spot, short Binance perp paying 0.00001 per 8 h now, whose
        // history averages 0.000125 per hour (φ = 0, w = 1 / 21). The quick f64 bound must
        // use the expected rate, or it would drop the row before the exact maths.
        let (b, y) = (Venue::Binance, Venue::Bybit);
        let snaps = vec![
            snap(b, vec![perp(b, "BTC", "0.00001", "8")], vec![]),
            snap(y, vec![], vec![spot(y, "BTC")]),
        ];
        let params = Params {
            kinds: vec![Kind::CrossCarry],
            min_apr_pct: Some(d("50")),
            ..Params::default()
        };
        let history =
            with_settlements((b, "BTCUSDT"), alternating_between(t0(), "0.003", "-0.001"));
        assert!(analyze(&snaps, &params).is_empty());
        let out = analyze_with(&snaps, &params, &history);
        assert_eq!(out.len(), 1);
        let x = 0.000_125 + (0.000_001_25 - 0.000_125) / 21.0;
        let cost = 2.0 * (0.001 + 10.0 / 120_010.0 + 0.0005 + 10.0 / 120_070.0);
        let net = (x * 24.0 * 7.0 - cost) * 365.0 / 7.0;
        assert_pct(out[0].net_apr_pct, net);
        assert!(out[0].risk_adj_apr_pct >= d("50"));
        assert_eq!(out[0].funding_apr_pct, d("1.095"), "the current print");
    }

    #[test]
    fn realised_sigma_a_sets_liq_prob_with_14_daily_returns() {
        let snaps = binance_btc("0.0005");
        let params = Params {
            leverage: d("10"),
            ..Params::default()
        };
        let base = analyze(&snaps, &params);
        // 15 closes alternating 100 / 102: 14 returns ±ln 1.02.
        let history = with_closes(vec![(
            (Venue::Binance, "BTCUSDT"),
            closes("100", "1.02", &alternating_signs(14)),
        )]);
        let out = analyze_with(&snaps, &params, &history);
        assert_eq!(out.len(), 1);
        let sigma = alternating_sigma(1.02, 14);
        // USDT collateral: q = 1 / 10, m = 0.004, σ_C = 0.
        let p = short_liq(0.1, 0.004, sigma, 0.0, 0.0);
        assert!(p > 0.01 && p < 0.5, "{p}");
        assert!(
            (out[0].liq_prob - p).abs() < 1e-6,
            "{} vs {p}",
            out[0].liq_prob
        );
        // The 24 h range (66000 / 54000) would say far more.
        assert!(base[0].liq_prob > 0.5, "{}", base[0].liq_prob);
        assert_eq!(out[0].net_apr_pct, base[0].net_apr_pct);

        // Not this perp's closes: 13 returns (too few), another venue's, another symbol's of
        // the same asset on the same venue, and closes keyed by the coin instead of the
        // symbol. Each leaves the Parkinson path, the output of `analyze`.
        for (key, returns) in [
            ((Venue::Binance, "BTCUSDT"), 13),
            ((Venue::Bybit, "BTCUSDT"), 14),
            ((Venue::Binance, "BTCUSDC"), 14),
            ((Venue::Binance, "BTC"), 14),
        ] {
            let history = with_closes(vec![(
                key,
                closes("100", "1.02", &alternating_signs(returns)),
            )]);
            assert_eq!(analyze_with(&snaps, &params, &history), base, "{key:?}");
        }
    }

    /// `perp(venue, asset, …)` quoted in USDC (`{asset}USDC`), and its USDC spot pair.
    fn usdc(mut p: PerpQuote, mut s: SpotQuote) -> (PerpQuote, SpotQuote) {
        p.symbol = format!("{}USDC", p.asset);
        p.quote = "USDC".into();
        s.symbol = p.symbol.clone();
        s.quote = "USDC".into();
        (p, s)
    }

    #[test]
    fn each_perp_of_one_asset_on_one_venue_uses_its_own_closes() {
        // Binance lists BTCUSDT and BTCUSDC, both with a carry; their daily closes differ
        // (±ln 1.02 against ±ln 1.05). With ETH collateral, each row's σ_A and ρ are its own.
        let b = Venue::Binance;
        let (usdc_perp, usdc_spot) = usdc(perp(b, "BTC", "0.0005", "8"), spot(b, "BTC"));
        let snaps = vec![snap(
            b,
            vec![perp(b, "BTC", "0.0005", "8"), usdc_perp],
            vec![spot(b, "BTC"), usdc_spot, spot(b, "ETH")],
        )];
        let params = Params {
            leverage: d("10"),
            collateral: "ETH".into(),
            kinds: vec![Kind::Carry],
            ..Params::default()
        };
        let signs = alternating_signs(14);
        // ETH: the same signs as the USDT perp for 8 returns, then the opposite (ρ = 2 / 14);
        // the USDC perp's are flipped throughout (ρ = −2 / 14).
        let eth_signs = flipped_after(&signs, 8);
        let flipped: Vec<i8> = signs.iter().map(|s| -s).collect();
        let mut history = with_closes(vec![
            ((b, "BTCUSDT"), closes("100", "1.02", &signs)),
            ((b, "BTCUSDC"), closes("100", "1.05", &flipped)),
        ]);
        history
            .spot_closes
            .insert((b, "ETH".to_owned()), closes("2000", "1.03", &eth_signs));
        let out = analyze_with(&snaps, &params, &history);
        assert_eq!(out.len(), 2, "{out:?}");
        let sc = alternating_sigma(1.03, 14);
        let q = 0.95 / 10.0;
        for (quote, step, rho) in [("USDT", 1.02, 1.0 / 7.0), ("USDC", 1.05, -1.0 / 7.0)] {
            let row = out.iter().find(|o| o.quote == quote).expect("row");
            let want = short_liq(q, 0.004, alternating_sigma(step, 14), sc, rho);
            assert!(
                (row.liq_prob - want).abs() < 1e-6,
                "{quote}: {} vs {want}",
                row.liq_prob
            );
        }
        let (p_usdt, p_usdc) = (out[0].liq_prob, out[1].liq_prob);
        assert!((p_usdt - p_usdc).abs() > 0.01, "{p_usdt} vs {p_usdc}");
    }

    #[test]
    fn realised_sigma_c_and_rho_with_a_volatile_collateral() {
        let (b, y, o) = (Venue::Binance, Venue::Bybit, Venue::Okx);
        let snaps = binance_btc("0.0005");
        let params = Params {
            leverage: d("10"),
            collateral: "ETH".into(),
            ..Params::default()
        };
        // No ETH market in the scan: without history the collateral has no σ_C.
        assert!(analyze(&snaps, &params).is_empty());

        // A alternates ±ln 1.02; C = +ln 1.03 with A's signs for 8 returns, the opposite
        // for the last 6: Σ a c ∝ 8 − 6, both means 0 → ρ = 2 / 14.
        let a_signs = alternating_signs(14);
        let c_signs = flipped_after(&a_signs, 8);
        let btc = closes("100", "1.02", &a_signs);
        let eth = closes("2000", "1.03", &c_signs);
        // Another ETH series: flipped (ρ = −2 / 14) and wider.
        let flipped: Vec<i8> = c_signs.iter().map(|s| -s).collect();
        let eth_other = closes("2000", "1.04", &flipped);
        let (sa, sc) = (alternating_sigma(1.02, 14), alternating_sigma(1.03, 14));
        let sc_other = alternating_sigma(1.04, 14);
        // ETH k = 0.95: q = 0.095.
        let q = 0.95 / 10.0;
        let p = short_liq(q, 0.004, sa, sc, 1.0 / 7.0);
        let p_config = short_liq(q, 0.004, sa, sc, 0.8);
        let p_other = short_liq(q, 0.004, sa, sc_other, -1.0 / 7.0);
        assert!((p - p_config).abs() > 0.01, "{p} vs {p_config}");
        assert!((p - p_other).abs() > 0.01, "{p} vs {p_other}");

        let spot = |series: Vec<(Venue, Vec<DailyClose>)>| {
            let mut h = with_closes(vec![((b, "BTCUSDT"), btc.clone())]);
            h.spot_closes = series
                .into_iter()
                .map(|(v, c)| ((v, "ETH".to_owned()), c))
                .collect();
            h
        };
        let cases: [(&str, HistoryInputs, f64); 5] = [
            ("spot on the perp's venue", spot(vec![(b, eth.clone())]), p),
            (
                "the perp's venue first, though another comes first in the table",
                spot(vec![(b, eth.clone()), (y, eth_other.clone())]),
                p,
            ),
            // ρ pairs the perp's returns with that other venue's series (not the configured
            // 0.8, as before the series were of the same market).
            (
                "no spot on the perp's venue: the first venue in the table's order",
                spot(vec![(o, eth_other.clone()), (y, eth.clone())]),
                p,
            ),
            (
                "13 returns on the perp's venue are too few: the next venue",
                spot(vec![
                    (b, closes("2000", "1.04", &flipped[..13])),
                    (o, eth_other.clone()),
                ]),
                p_other,
            ),
            (
                "14 returns for σ_C, but one day earlier: 13 in common, ρ configured",
                spot(vec![(
                    b,
                    eth.iter()
                        .map(|c| DailyClose {
                            day: c.day - TimeDelta::days(1),
                            close: c.close,
                        })
                        .collect(),
                )]),
                p_config,
            ),
        ];
        for (what, history, want) in cases {
            let out = analyze_with(&snaps, &params, &history);
            assert_eq!(out.len(), 1, "{what}");
            assert!(
                (out[0].liq_prob - want).abs() < 1e-6,
                "{what}: {} vs {want}",
                out[0].liq_prob
            );
        }

        // A perp's closes never stand for the collateral: ETH closes of perps only (keyed as
        // its perp on every venue) leave it without σ_C, as without history.
        let mut perps_only = with_closes(vec![((b, "BTCUSDT"), btc.clone())]);
        for v in [b, y, o] {
            perps_only
                .perp_closes
                .insert((v, "ETHUSDT".to_owned()), eth.clone());
        }
        assert!(analyze_with(&snaps, &params, &perps_only).is_empty());
    }

    #[test]
    fn the_collateral_series_is_a_spot_pair_own_venue_first_then_the_table_order() {
        let (b, y, o, h) = (Venue::Binance, Venue::Bybit, Venue::Okx, Venue::Hyperliquid);
        let long = closes("2000", "1.03", &alternating_signs(14));
        let other = closes("2000", "1.05", &alternating_signs(14));
        let short = closes("2000", "1.03", &alternating_signs(13));
        let mut history = with_closes(vec![((h, "ETH"), long.clone()), ((b, "ETHUSDT"), long)]);
        // Okx: too few returns; Bybit and Gate: usable.
        for (v, c) in [(o, short), (y, other.clone()), (Venue::Gate, other)] {
            history.spot_closes.insert((v, "ETH".to_owned()), c);
        }
        let series = collateral_series(&history, "ETH");
        let source = |v: Venue| {
            let (closes, _) = series[&v];
            [y, Venue::Gate].into_iter().find(|s| {
                std::ptr::eq(
                    closes,
                    history.spot_closes[&(*s, "ETH".to_owned())].as_slice(),
                )
            })
        };
        // Own venue first; Binance, Okx and Hyperliquid (no usable spot; perps never count)
        // take the first usable venue in Venue::ALL order, Bybit.
        assert_eq!(source(Venue::Gate), Some(Venue::Gate));
        for v in [b, y, o, h, Venue::Dydx] {
            assert_eq!(source(v), Some(y), "{v}");
        }
        assert_eq!(series.len(), Venue::ALL.len());
        let sigma = alternating_sigma(1.05, 14);
        assert!(series.values().all(|(_, s)| (s - sigma).abs() < 1e-12));
        // No usable spot anywhere: nothing, whatever the perps have.
        history.spot_closes.clear();
        assert!(collateral_series(&history, "ETH").is_empty());
    }

    #[test]
    fn a_published_maintenance_rate_sets_m_unless_configured() {
        // A Gate carry at 10×, σ_A from its own 24 h range, USDT collateral (q = 0.1).
        let g = Venue::Gate;
        let snaps = vec![snap(
            g,
            vec![perp(g, "BTC", "0.0005", "8")],
            vec![spot(g, "BTC")],
        )];
        let sigma = (66_000f64 / 54_000.0).ln() / (4.0 * 2f64.ln()).sqrt() * 365f64.sqrt();
        let published =
            |rate: &str| BTreeMap::from([(g, BTreeMap::from([("BTCUSDT".to_owned(), d(rate))]))]);
        let liq = |params: &Params| {
            let out = analyze(&snaps, params);
            assert_eq!(out.len(), 1);
            out[0].liq_prob
        };
        let base = Params {
            leverage: d("10"),
            ..Params::default()
        };
        let cases = [
            ("built-in default", base.clone(), 0.004),
            (
                "the venue's rate for this contract",
                Params {
                    venue_maintenance: published("0.05"),
                    ..base.clone()
                },
                0.05,
            ),
            (
                "another contract's rate is not this one's",
                Params {
                    venue_maintenance: BTreeMap::from([(
                        g,
                        BTreeMap::from([("ETHUSDT".to_owned(), d("0.05"))]),
                    )]),
                    ..base.clone()
                },
                0.004,
            ),
            (
                "a published rate that is not a fraction in (0, 1) is ignored",
                Params {
                    venue_maintenance: published("1.5"),
                    ..base.clone()
                },
                0.004,
            ),
            (
                "configured wins, even when it equals the default",
                Params {
                    venue_maintenance: published("0.05"),
                    maintenance_configured: BTreeSet::from([g]),
                    ..base.clone()
                },
                0.004,
            ),
            (
                "configured on another venue: this one's published rate",
                Params {
                    venue_maintenance: published("0.05"),
                    maintenance_configured: BTreeSet::from([Venue::Binance]),
                    ..base.clone()
                },
                0.05,
            ),
        ];
        for (what, params, m) in cases {
            let want = short_liq(0.1, m, sigma, 0.0, 0.0);
            let got = liq(&params);
            assert!((got - want).abs() < 1e-6, "{what}: {got} vs {want}");
        }
        assert!(
            short_liq(0.1, 0.05, sigma, 0.0, 0.0) > short_liq(0.1, 0.004, sigma, 0.0, 0.0) + 0.01
        );
        let configured = Params {
            costs: BTreeMap::from([(
                g,
                VenueCosts {
                    maintenance_margin: d("0.02"),
                    ..VenueCosts::default_for(g)
                },
            )]),
            venue_maintenance: published("0.05"),
            maintenance_configured: BTreeSet::from([g]),
            ..base
        };
        assert_eq!(configured.maintenance_on(g, "BTCUSDT"), d("0.02"));
    }

    #[test]
    fn a_daily_candle_range_is_sigma_a_of_last_resort() {
        let h = Venue::Hyperliquid;
        let mut own = perp(h, "BTC", "0.0005", "8");
        own.high_24h = None;
        own.low_24h = None;
        let snaps = vec![snap(h, vec![own.clone()], vec![spot(h, "BTC")])];
        let params = Params {
            leverage: d("10"),
            ..Params::default()
        };
        // No 24 h range anywhere: the candidate is left out.
        assert!(analyze(&snaps, &params).is_empty());
        let mut inputs = HistoryInputs {
            now: t0(),
            ..HistoryInputs::default()
        };
        inputs
            .daily_ranges
            .insert((h, "BTCUSDT".to_owned()), (d("62000"), d("58000")));
        let out = analyze_with(&snaps, &params, &inputs);
        assert_eq!(out.len(), 1);
        let sigma = (62_000f64 / 58_000.0).ln() / (4.0 * 2f64.ln()).sqrt() * 365f64.sqrt();
        let p = short_liq(0.1, 0.004, sigma, 0.0, 0.0);
        assert!(p > 1e-3, "{p}");
        assert!(
            (out[0].liq_prob - p).abs() < 1e-6,
            "{} vs {p}",
            out[0].liq_prob
        );
        // Another venue's 24 h range of the asset comes first.
        let b = Venue::Binance;
        let mut with_other = snaps.clone();
        with_other.push(snap(b, vec![perp(b, "BTC", "0.0001", "8")], vec![]));
        let other = analyze_with(&with_other, &params, &inputs);
        let hl = other
            .iter()
            .find(|o| o.kind == Kind::Carry && o.long.venue == h)
            .expect("the Hyperliquid carry");
        let sigma = (66_000f64 / 54_000.0).ln() / (4.0 * 2f64.ln()).sqrt() * 365f64.sqrt();
        let p = short_liq(0.1, 0.004, sigma, 0.0, 0.0);
        assert!((hl.liq_prob - p).abs() < 1e-6, "{} vs {p}", hl.liq_prob);
        // A range of another symbol is not this perp's.
        let mut wrong = inputs.clone();
        wrong.daily_ranges.clear();
        wrong
            .daily_ranges
            .insert((h, "BTC".to_owned()), (d("62000"), d("58000")));
        assert!(analyze_with(&snaps, &params, &wrong).is_empty());
    }

    // ---- empty or unusable history changes nothing -------------------------------------

    const ASSETS: [&str; 3] = ["BTC", "ETH", "SOL"];
    const VENUES: [Venue; 3] = [Venue::Binance, Venue::Bybit, Venue::Okx];

    /// One market per (venue, asset): perp rate in 1e-6 per `hours`, a spot when `spot`.
    fn market() -> impl Strategy<Value = (i64, u32, bool, i64)> {
        (
            -300i64..1500,
            prop::sample::select(vec![1u32, 4, 8]),
            any::<bool>(),
            0i64..30,
        )
    }

    fn build(markets: &[(i64, u32, bool, i64)]) -> Vec<Snapshot> {
        VENUES
            .iter()
            .enumerate()
            .map(|(vi, &v)| {
                let mut s = snap(v, vec![], vec![]);
                for (ai, asset) in ASSETS.iter().enumerate() {
                    let (rate, hours, has_spot, range) = markets[vi * ASSETS.len() + ai];
                    let mut p = perp(v, asset, "0", "8");
                    p.funding_rate = Decimal::new(rate, 6);
                    p.funding_interval_hours = Decimal::from(hours);
                    p.high_24h = Some(d("60040") * (Decimal::ONE + Decimal::new(range, 2)));
                    s.perps.push(p);
                    if has_spot {
                        s.spots.push(spot(v, asset));
                    }
                }
                s
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn empty_or_unusable_history_gives_analyzes_output(
            markets in prop::collection::vec(market(), 9),
            collateral in prop::sample::select(vec!["USDT", "ETH", "BTC"]),
            hours_ago in 0i64..100_000,
            leverage in 1i64..20,
        ) {
            let snaps = build(&markets);
            let params = Params {
                collateral: collateral.to_owned(),
                leverage: Decimal::from(leverage),
                ..Params::default()
            };
            let base = analyze(&snaps, &params);
            let empty = HistoryInputs {
                now: t0() - TimeDelta::hours(hours_ago),
                ..HistoryInputs::default()
            };
            prop_assert_eq!(&analyze_with(&snaps, &params, &empty), &base);

            // Too little to use: 2 days of funding (< 3), 13 daily returns, and history of
            // markets that are not in the scan.
            let mut unusable = HistoryInputs { now: t0(), ..HistoryInputs::default() };
            for v in VENUES {
                for asset in ASSETS {
                    let short: Vec<FundingSample> = alternating_funding(t0())
                        .into_iter()
                        .take(6)
                        .collect();
                    unusable
                        .settlements
                        .insert((v, format!("{asset}USDT")), stats::summarise(&short, t0()));
                    unusable.perp_closes.insert(
                        (v, format!("{asset}USDT")),
                        closes("100", "1.02", &alternating_signs(13)),
                    );
                }
                unusable
                    .settlements
                    .insert(
                        (v, "DOGEUSDT".to_owned()),
                        stats::summarise(&alternating_funding(t0()), t0()),
                    );
                unusable
                    .perp_closes
                    .insert((v, "DOGEUSDT".to_owned()), closes("1", "1.1", &alternating_signs(20)));
            }
            prop_assert_eq!(&analyze_with(&snaps, &params, &unusable), &base);
        }
    }
}
