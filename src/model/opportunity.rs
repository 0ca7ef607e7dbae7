//! A ranked trade: two legs, its funding, costs and risk, as reported in every output format.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Market, Venue};

/// The kind of trade (DESIGN.md).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Long spot, short perp on one venue.
    Carry,
    /// Long spot on one venue, short perp on another.
    CrossCarry,
    /// Long the lower-paying perp, short the higher-paying one.
    PerpSpread,
}

impl Kind {
    /// `carry`, `cross_carry` or `perp_spread`.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Kind::Carry => "carry",
            Kind::CrossCarry => "cross_carry",
            Kind::PerpSpread => "perp_spread",
        }
    }
}

/// One side of a trade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    /// Venue.
    pub venue: Venue,
    /// Spot or perp.
    pub market: Market,
    /// Venue symbol.
    pub symbol: String,
    /// What the trade crosses (long at the ask, short at the bid), per one unit of the asset.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub price: Decimal,
}

/// A ranked opportunity; field names are the JSON contract of DESIGN.md.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    /// 1-based rank after sorting.
    pub rank: usize,
    /// Trade kind.
    pub kind: Kind,
    /// Spot coin.
    pub asset: String,
    /// Quote currency.
    pub quote: String,
    /// The leg we buy.
    pub long: Leg,
    /// The leg we sell.
    pub short: Leg,
    /// Funding rate per interval (fraction) of the perp that pays us.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub funding_rate: Decimal,
    /// That perp's funding interval in hours.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub funding_interval_hours: Decimal,
    /// When the current rate settles.
    pub next_funding_time: Option<DateTime<Utc>>,
    /// Annualised funding, percent.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub funding_apr_pct: Decimal,
    /// (perp mid − spot mid) / spot mid, percent.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub basis_pct: Decimal,
    /// Round-trip cost, percent of notional.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub cost_pct: Decimal,
    /// Annualised expected funding net of costs over the horizon, percent.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub net_apr_pct: Decimal,
    /// Probability that a leveraged leg is liquidated within the horizon, 0..1.
    pub liq_prob: f64,
    /// `net_apr` less the expected liquidation loss, percent.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub risk_adj_apr_pct: Decimal,
    /// Largest leverage on the 0.01 grid keeping `liq_prob` within the limit.
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    pub safe_leverage: Decimal,
    /// The smaller of the two legs' 24 h quote volumes.
    #[serde(with = "rust_decimal::serde::arbitrary_precision_option")]
    pub volume_24h_usd: Option<Decimal>,
    /// Funding actually paid over the last day, annualised, percent (null: too little history).
    /// For `perp_spread`, the short leg's minus the long leg's.
    #[serde(default, with = "rust_decimal::serde::arbitrary_precision_option")]
    pub apr_1d: Option<Decimal>,
    /// The same over 7 days.
    #[serde(default, with = "rust_decimal::serde::arbitrary_precision_option")]
    pub apr_7d: Option<Decimal>,
    /// The same over 30 days.
    #[serde(default, with = "rust_decimal::serde::arbitrary_precision_option")]
    pub apr_30d: Option<Decimal>,
    /// Share of the last 30 days' settlements of the paying perp with a positive rate, 0..1
    /// (null for `perp_spread` and with too little history).
    #[serde(default)]
    pub pos_30d: Option<f64>,
    /// Whether `--leverage` is within this row's `safe_leverage` (false: the chosen leverage
    /// risks more than `--max-liq-prob` of liquidation over the horizon; `--safe-only` drops it).
    #[serde(default = "yes")]
    pub leverage_ok: bool,
    /// Whether a perp leg's funding interval is assumed (8 h) because the venue has not told
    /// basis yet (MEXC, BingX before the interval is learned): the funding APR is then a lower
    /// bound.
    #[serde(default)]
    pub funding_interval_assumed: bool,
}

fn yes() -> bool {
    true
}

#[cfg(test)]
impl Opportunity {
    /// A test row: the rank 1 carry of SOL/USDT on Binance (spot bought at 101.25, perp sold at
    /// 101.3) paying 0.03 % per 8 h, with the figures the reporters' samples show; tests override
    /// what they pin with struct update syntax.
    pub(crate) fn sample() -> Opportunity {
        let d = |s: &str| s.parse::<Decimal>().unwrap_or_default();
        let leg = |market, price| Leg {
            venue: Venue::Binance,
            market,
            symbol: "SOLUSDT".into(),
            price: d(price),
        };
        Opportunity {
            rank: 1,
            kind: Kind::Carry,
            asset: "SOL".into(),
            quote: "USDT".into(),
            long: leg(Market::Spot, "101.25"),
            short: leg(Market::Perp, "101.3"),
            funding_rate: d("0.0003"),
            funding_interval_hours: d("8"),
            next_funding_time: None,
            funding_apr_pct: d("43.8"),
            basis_pct: d("0.049383"),
            cost_pct: d("0.312"),
            net_apr_pct: d("27.531429"),
            liq_prob: 0.000_123,
            risk_adj_apr_pct: d("27.52"),
            safe_leverage: d("3.47"),
            volume_24h_usd: Some(d("1234567890.5")),
            apr_1d: None,
            apr_7d: None,
            apr_30d: None,
            pos_30d: None,
            leverage_ok: true,
            funding_interval_assumed: false,
        }
    }
}
