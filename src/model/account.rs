//! Accounts and positions (pure): one venue's cross-margin wallet, its collateral coins, its perp positions, margin tiers.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Venue;

/// One row of a venue's margin table: from `floor` (position notional in USD, inclusive) up to
/// the next row's floor, maintenance `MM = N · maintenance_rate − cum` and initial
/// `IM = N · initial_rate`. The shape every venue's published tiers map to (Binance brackets,
/// Bybit risk limits, OKX position tiers: `(notional floor, m, cum amount a, im)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarginTier {
    /// Smallest notional (USD) of the tier.
    pub floor: Decimal,
    /// Maintenance margin rate `m`, a fraction.
    pub maintenance_rate: Decimal,
    /// Maintenance amount `a` ("cum" deduction), USD; 0 for a flat rate.
    pub cum: Decimal,
    /// Initial margin rate `im`, a fraction, when the venue (or the config) gives one.
    pub initial_rate: Option<Decimal>,
}

/// Why a margin table cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TierError {
    /// No row at all.
    #[error("a margin table needs at least one tier")]
    Empty,
    /// The first floor is not 0.
    #[error("the first tier must start at notional 0 (it starts at {0})")]
    FirstFloor(Decimal),
    /// Floors not strictly increasing.
    #[error("tier floors must increase strictly ({0} follows {1})")]
    Order(Decimal, Decimal),
    /// A rate outside `[0, 1)` or a negative amount.
    #[error("tier at {floor}: {what}")]
    Value {
        /// The tier's floor.
        floor: Decimal,
        /// What is wrong.
        what: &'static str,
    },
}

/// A venue's margin tiers for one contract, ordered by floor, the first at 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MarginTable {
    tiers: Vec<MarginTier>,
}

impl MarginTable {
    /// One tier: the flat maintenance rate `m` (and initial rate, when known) at every notional.
    #[must_use]
    pub fn flat(maintenance_rate: Decimal, initial_rate: Option<Decimal>) -> MarginTable {
        MarginTable {
            tiers: vec![MarginTier {
                floor: Decimal::ZERO,
                maintenance_rate,
                cum: Decimal::ZERO,
                initial_rate,
            }],
        }
    }

    /// A checked table: at least one tier, the first at 0, floors strictly increasing, rates
    /// in `[0, 1)` (the maintenance rate above 0) and amounts not negative.
    ///
    /// # Errors
    /// A [`TierError`] saying which tier is wrong.
    pub fn new(tiers: Vec<MarginTier>) -> Result<MarginTable, TierError> {
        let first = tiers.first().ok_or(TierError::Empty)?;
        if !first.floor.is_zero() {
            return Err(TierError::FirstFloor(first.floor));
        }
        for pair in tiers.windows(2) {
            if pair[1].floor <= pair[0].floor {
                return Err(TierError::Order(pair[1].floor, pair[0].floor));
            }
        }
        for t in &tiers {
            let bad = |what| {
                Err(TierError::Value {
                    floor: t.floor,
                    what,
                })
            };
            if t.maintenance_rate <= Decimal::ZERO || t.maintenance_rate >= Decimal::ONE {
                return bad("the maintenance rate must be a fraction in (0, 1)");
            }
            if t.cum < Decimal::ZERO {
                return bad("the maintenance amount (cum) must not be negative");
            }
            if t.initial_rate
                .is_some_and(|im| im <= Decimal::ZERO || im > Decimal::ONE)
            {
                return bad("the initial rate must be a fraction in (0, 1]");
            }
        }
        Ok(MarginTable { tiers })
    }

    /// The tiers, by floor.
    #[must_use]
    pub fn tiers(&self) -> &[MarginTier] {
        &self.tiers
    }

    /// The index of the tier holding `notional` (the last whose floor is at most it; the first
    /// for a negative notional).
    #[must_use]
    pub fn index_for(&self, notional: Decimal) -> usize {
        self.tiers
            .iter()
            .rposition(|t| t.floor <= notional)
            .unwrap_or(0)
    }

    /// The tier at index `i` (clamped to the table).
    #[must_use]
    pub fn tier(&self, i: usize) -> MarginTier {
        self.tiers[i.min(self.tiers.len() - 1)]
    }

    /// The tier holding `notional`.
    #[must_use]
    pub fn tier_for(&self, notional: Decimal) -> MarginTier {
        self.tier(self.index_for(notional))
    }
}

/// Alert thresholds of one account (DESIGN.md defaults: 15 %, bands 0.5 and 0.8, 10 %).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlertThresholds {
    /// A collateral coin this many percent below its reference price alerts.
    pub collateral_drop_pct: Decimal,
    /// Margin-ratio bands, increasing: crossing any of them (either direction) alerts.
    pub margin_bands: Vec<Decimal>,
    /// A position closer than this many percent to its liquidation price alerts.
    pub liq_distance_pct: Decimal,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        AlertThresholds {
            collateral_drop_pct: Decimal::from(15),
            margin_bands: vec![Decimal::new(5, 1), Decimal::new(8, 1)],
            liq_distance_pct: Decimal::from(10),
        }
    }
}

/// One coin held as margin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CollateralHolding {
    /// Upper-case coin (`ETH`).
    pub coin: String,
    /// Amount held, coins.
    pub amount: Decimal,
}

/// One USDⓈ-margined linear perp position as declared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    /// The venue's perp symbol (`BTCUSDT`).
    pub symbol: String,
    /// Signed size in coins of the asset: `+` long, `−` short.
    pub size: Decimal,
    /// Entry price per coin.
    pub entry: Decimal,
    /// Leverage the position was opened at, when declared (its IM is then `N / L`).
    pub leverage: Option<Decimal>,
    /// Margin tiers declared for this contract (they win over the venue's and the defaults).
    pub tiers: Option<MarginTable>,
}

/// One venue's cross-margin wallet: collateral coins and perp positions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Unique name (`bybit-carry`).
    pub name: String,
    /// Venue.
    pub venue: Venue,
    /// Collateral coins, in declaration order (coin names unique).
    pub collateral: Vec<CollateralHolding>,
    /// Positions, in declaration order.
    pub positions: Vec<Position>,
    /// Leverage of every position that declares none.
    pub leverage: Option<Decimal>,
    /// Alert thresholds.
    pub thresholds: AlertThresholds,
}

/// Long or short, by the sign of the size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionSide {
    /// Positive size.
    Long,
    /// Negative size.
    Short,
}

impl PositionSide {
    /// The side of a signed size (0 counts as long: it has no exposure either way).
    #[must_use]
    pub fn of(size: Decimal) -> PositionSide {
        if size < Decimal::ZERO {
            PositionSide::Short
        } else {
            PositionSide::Long
        }
    }

    /// `long` or `short`.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            PositionSide::Long => "long",
            PositionSide::Short => "short",
        }
    }
}

/// What an account alert is about (DESIGN.md's four conditions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A collateral coin fell at least `collateral_drop_pct` below its reference price.
    CollateralDrop,
    /// The margin ratio is in a band above the first threshold (or crossed one).
    MarginRatio,
    /// A position is within `liq_distance_pct` of its liquidation price.
    LiqDistance,
    /// Funding is against a position.
    FundingAgainst,
}

impl AlertKind {
    /// The JSON and fingerprint id.
    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            AlertKind::CollateralDrop => "collateral_drop",
            AlertKind::MarginRatio => "margin_ratio",
            AlertKind::LiqDistance => "liq_distance",
            AlertKind::FundingAgainst => "funding_against",
        }
    }
}

/// One condition in force on an account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountAlert {
    /// What it is about.
    pub kind: AlertKind,
    /// What it is about within the account: the coin, the symbol, or empty (margin ratio).
    #[serde(skip)]
    pub subject: String,
    /// The state the condition is in, for dedup: the margin band index, else 1.
    #[serde(skip)]
    pub level: u32,
    /// One line a trader reads.
    pub message: String,
}
