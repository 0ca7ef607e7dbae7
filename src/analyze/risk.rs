//! Liquidation risk of leveraged perp legs: volatility, first-passage probability, safe leverage.
//!
//! Everything here is `f64` (DESIGN.md, "The analyzer's maths"): decimals cross into this module
//! once, in [`parkinson`] and in the callers' conversions of `k`, `m` and `L`.
//!
//! Every leg reduces to "a driftless Brownian motion with annual variance `v` reaches the buffer
//! `D`" ([`Buffer`]); its probability over `T` years is `min(1, 2 Φ(−D / sqrt(v T)))`
//! ([`first_passage`]), 1 when `D <= 0` and 0 when `v <= 0 < D`.

use std::collections::HashMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::model::{Snapshot, Venue};

/// Number of points on the safe-leverage grid: `L = i / 100` for `i` in `1..=SAFE_GRID_MAX`
/// (0.01 to 100).
pub const SAFE_GRID_MAX: u32 = 10_000;

/// `1 / sqrt(4 ln 2)`, the Parkinson range-to-deviation factor.
fn parkinson_factor() -> f64 {
    1.0 / (4.0 * std::f64::consts::LN_2).sqrt()
}

/// Annualised Parkinson volatility from a 24 h high and low:
/// `σ = ln(high / low) / sqrt(4 ln 2) * sqrt(365)`.
///
/// The ratio is taken in `Decimal` and only then converted to `f64` (multipliers cancel, so a
/// `1000PEPE` contract's high/low work as they are). `None` when `low <= 0`, `high < low` or the
/// ratio does not fit an `f64`: such a pair is treated as absent.
#[must_use]
pub fn parkinson(high: Decimal, low: Decimal) -> Option<f64> {
    if low <= Decimal::ZERO || high < low {
        return None;
    }
    let ratio = high.checked_div(low)?.to_f64()?;
    let sigma = ratio.ln() * parkinson_factor() * 365f64.sqrt();
    sigma.is_finite().then_some(sigma.max(0.0))
}

/// Standard normal CDF, `Φ(x) = erfc(−x / √2) / 2`.
#[must_use]
pub fn normal_cdf(x: f64) -> f64 {
    libm::erfc(-x / std::f64::consts::SQRT_2) / 2.0
}

/// The standard normal quantile `Φ⁻¹(p)` for `0 < p < 1` (Acklam's rational approximation,
/// relative error below 1.2e-9); NaN outside. Only used to aim the safe-leverage search, whose
/// result is settled by exact evaluations, so its accuracy affects speed, never the answer.
#[must_use]
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.024_25;
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - P_LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The standardised buffer `x*` at which one leg's first-passage probability equals `p`
/// (`2Φ(−x*) = p`): 0 when `p >= 1`, `+∞` when `p <= 0`.
fn buffer_quantile(p: f64) -> f64 {
    if p >= 1.0 {
        0.0
    } else if p <= 0.0 {
        f64::INFINITY
    } else {
        -normal_quantile(p / 2.0)
    }
}

/// `floor(100 L)` on the grid `GRID_MIN..=SAFE_GRID_MAX` (`+∞` → the top, NaN → the bottom).
fn grid_floor(leverage: f64) -> u32 {
    if leverage.is_nan() {
        GRID_MIN
    } else {
        // Clamped into the grid's range first, so the cast is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let i = (leverage * 100.0)
            .floor()
            .clamp(f64::from(GRID_MIN), f64::from(SAFE_GRID_MAX)) as u32;
        i
    }
}

/// "A Brownian motion with annual variance `v` reaches `D`": one leg's liquidation condition.
/// `d` is `+∞` when the leg can never be liquidated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Buffer {
    /// Log distance to liquidation, `D`.
    pub d: f64,
    /// Annual variance of the driving log return, `v`.
    pub v: f64,
}

/// First-passage probability of a [`Buffer`] over `t` years (reflection principle):
/// `min(1, 2 Φ(−D / sqrt(v t)))`, 1 when `D <= 0` (or not a number), 0 when `v <= 0 < D` or the
/// leg can never be liquidated.
#[must_use]
pub fn first_passage(buffer: Buffer, t: f64) -> f64 {
    let Buffer { d, v } = buffer;
    if d.is_nan() || d <= 0.0 {
        return 1.0;
    }
    if v <= 0.0 || d == f64::INFINITY {
        return 0.0;
    }
    let x = d / (v * t).sqrt();
    // 2 Φ(−x) = erfc(x / √2); a NaN (bad σ) falls to the conservative 1 through `min`.
    libm::erfc(x / std::f64::consts::SQRT_2).min(1.0)
}

/// Probability that at least one of two independent-by-assumption legs is liquidated:
/// `1 − (1 − p_short)(1 − p_long)`.
#[must_use]
pub fn combine(p_short: f64, p_long: f64) -> f64 {
    1.0 - (1.0 - p_short) * (1.0 - p_long)
}

/// What margins a perp leg.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Collateral {
    /// A stablecoin: `σ_C = 0` (its haircut may still be configured below 1).
    Stable,
    /// The leg's own asset (coin-margined): the exact same-coin formulas.
    SameCoin,
    /// Another volatile coin with annual volatility `sigma` and correlation `rho` to the asset.
    Volatile {
        /// `σ_C`.
        sigma: f64,
        /// `ρ` between the asset and the collateral.
        rho: f64,
    },
}

/// Direction of a perp leg.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Short perp: liquidated when the asset rises.
    Short,
    /// Long perp: liquidated when the asset falls.
    Long,
}

/// One leveraged perp leg, everything its liquidation probability depends on except `L` and `T`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PerpLeg {
    /// Short or long.
    pub side: Side,
    /// Annual volatility of the asset's log return, `σ_A`.
    pub sigma_a: f64,
    /// What margins it.
    pub collateral: Collateral,
    /// Collateral haircut `k` (collateral value ratio).
    pub haircut: f64,
    /// Maintenance margin rate `m`.
    pub maintenance_margin: f64,
}

impl PerpLeg {
    /// `v` of the linearised volatile-collateral forms as a function of the collateral weight `u`
    /// (`w` for the short leg, `b` for the long one). One formula, shared by the point evaluation
    /// and the interval bounds of [`Position::safe_leverage`], so both round alike.
    fn variance_at(&self, u: f64, sigma_c: f64, rho: f64) -> f64 {
        let sa = self.sigma_a;
        match self.side {
            // v = σ_A² + w² σ_C² − 2 w ρ σ_A σ_C
            Side::Short => sa * sa + u * u * sigma_c * sigma_c - 2.0 * u * rho * sa * sigma_c,
            // v = a² σ_A² + b² σ_C² + 2 a b ρ σ_A σ_C with a = 1 − b
            Side::Long => {
                let a = 1.0 - u;
                a * a * sa * sa + u * u * sigma_c * sigma_c + 2.0 * a * u * rho * sa * sigma_c
            }
        }
    }

    /// The collateral weight `u` at `q`: `w = q / (1 + q)` (short) or `b = q / (1 − m + q)`
    /// (long); both increase with `q`.
    fn weight(&self, q: f64) -> f64 {
        match self.side {
            Side::Short => q / (1.0 + q),
            Side::Long => q / (1.0 - self.maintenance_margin + q),
        }
    }

    /// `D` at `q`; increasing in `q` for every side and collateral (`+∞` = never liquidated).
    fn distance(&self, q: f64) -> f64 {
        let m = self.maintenance_margin;
        match (self.side, self.collateral) {
            // (1 + m) e^{x_A} − q e^{x_C} >= 1, linearised in x_C: D = ln((1 + q) / (1 + m)).
            (Side::Short, Collateral::Stable | Collateral::Volatile { .. }) => {
                q.ln_1p() - m.ln_1p()
            }
            // (1 + m − q) e^{x_A} >= 1: D = −ln(1 + m − q); never when q >= 1 + m.
            (Side::Short, Collateral::SameCoin) => {
                if q >= 1.0 + m {
                    f64::INFINITY
                } else {
                    -(m - q).ln_1p()
                }
            }
            // (1 − m) e^{x_A} + q <= 1: D = ln((1 − m) / (1 − q)); never when q >= 1.
            (Side::Long, Collateral::Stable) => {
                if q >= 1.0 {
                    f64::INFINITY
                } else {
                    (-m).ln_1p() - (-q).ln_1p()
                }
            }
            // s = 1 − m + q, D = ln s (same-coin: exact, a + b = 1 so v = σ_A²).
            (Side::Long, Collateral::SameCoin | Collateral::Volatile { .. }) => (q - m).ln_1p(),
        }
    }

    /// The leg's [`Buffer`] at collateral ratio `q = k / L`.
    #[must_use]
    pub fn buffer_at_q(&self, q: f64) -> Buffer {
        let d = self.distance(q);
        let v = match self.collateral {
            Collateral::Stable | Collateral::SameCoin => self.sigma_a * self.sigma_a,
            Collateral::Volatile { sigma, rho } => self.variance_at(self.weight(q), sigma, rho),
        };
        Buffer { d, v }
    }

    /// The [`Buffer`] of a leg already held (DESIGN.md, "Accounts and positions"): `e = E / M`
    /// (entry over mark) replaces the 1 on the right of the exact condition — short
    /// `(1 + m) e^{x_A} − q e^{x_C} >= e`, long `(1 − m) e^{x_A} + q e^{x_C} <= e` — linearised
    /// as the analyzer does: short `D = ln((e + q) / (1 + m))`, `w = q / (e + q)`; same-coin
    /// short `D = ln(e / (1 + m − q))`; stablecoin long `D = ln((1 − m) / (e − q))` (never
    /// when `q >= e`); other long `D = ln(s / e)` with `s = 1 − m + q` and the analyzer's `a`,
    /// `b`. Written as `ln e + ln_1p(…)` so that `e = 1` gives [`PerpLeg::buffer_at_q`] bit for
    /// bit.
    #[must_use]
    pub fn buffer_held(&self, q: f64, e: f64) -> Buffer {
        let m = self.maintenance_margin;
        let ln_e = e.ln();
        let d = match (self.side, self.collateral) {
            (Side::Short, Collateral::Stable | Collateral::Volatile { .. }) => {
                ln_e + (q / e).ln_1p() - m.ln_1p()
            }
            (Side::Short, Collateral::SameCoin) => {
                if q >= 1.0 + m {
                    f64::INFINITY
                } else {
                    ln_e - (m - q).ln_1p()
                }
            }
            (Side::Long, Collateral::Stable) => {
                if q >= e {
                    f64::INFINITY
                } else {
                    (-m).ln_1p() - (ln_e + (-q / e).ln_1p())
                }
            }
            (Side::Long, Collateral::SameCoin | Collateral::Volatile { .. }) => {
                (q - m).ln_1p() - ln_e
            }
        };
        let v = match self.collateral {
            Collateral::Stable | Collateral::SameCoin => self.sigma_a * self.sigma_a,
            Collateral::Volatile { sigma, rho } => {
                let u = match self.side {
                    Side::Short => q / (e + q),
                    Side::Long => self.weight(q),
                };
                self.variance_at(u, sigma, rho)
            }
        };
        Buffer { d, v }
    }

    /// The leg's [`Buffer`] at leverage `L` (`q = k / L`).
    #[must_use]
    pub fn buffer(&self, leverage: f64) -> Buffer {
        self.buffer_at_q(self.haircut / leverage)
    }

    /// Liquidation probability over `t` years at leverage `L`.
    #[must_use]
    pub fn liq_prob(&self, leverage: f64, t: f64) -> f64 {
        first_passage(self.buffer(leverage), t)
    }

    /// Whether `liq_prob` is non-decreasing in `L` (see [`Position::safe_leverage`]).
    #[must_use]
    pub fn is_monotone(&self) -> bool {
        !matches!(self.collateral, Collateral::Volatile { .. })
    }

    /// For a monotone leg (`v = σ_A²`): the largest continuous `L` at which its standardised
    /// buffer `D / sqrt(vT)` is still at least `x`, by inverting `D(q) >= c = x σ_A √T`:
    /// short stable `q >= (1 + m) e^c − 1`, short same-coin `q >= 1 + m − e^{−c}`, long stable
    /// `q >= 1 − (1 − m) e^{−c}`, long same-coin `q >= e^c − 1 + m`; then `L = k / q` (`+∞` when
    /// every `q > 0` will do). An aim for the exact search, not a result.
    fn leverage_at_buffer(&self, x: f64, t: f64) -> f64 {
        let m = self.maintenance_margin;
        let c = x * self.sigma_a.abs() * t.sqrt();
        let q = match (self.side, self.collateral) {
            (Side::Short, Collateral::SameCoin) => 1.0 + m - (-c).exp(),
            (Side::Long, Collateral::Stable) => 1.0 - (1.0 - m) * (-c).exp(),
            (Side::Long, Collateral::SameCoin) => c.exp_m1() + m,
            (Side::Short, Collateral::Stable) => (1.0 + m) * c.exp() - 1.0,
            // Not monotone: no closed form (never asked).
            (_, Collateral::Volatile { .. }) => return f64::NAN,
        };
        if q <= 0.0 {
            f64::INFINITY
        } else {
            self.haircut / q
        }
    }

    /// Bounds `[min, max]` of `liq_prob` over `q` in `[q_lo, q_hi]`.
    fn prob_bounds(&self, q_lo: f64, q_hi: f64, t: f64) -> (f64, f64) {
        match self.collateral {
            Collateral::Stable | Collateral::SameCoin => {
                // Monotone: the worst case is the smallest q (largest L).
                let worst = first_passage(self.buffer_at_q(q_lo), t);
                let best = first_passage(self.buffer_at_q(q_hi), t);
                (best, worst)
            }
            Collateral::Volatile { sigma, rho } => {
                let d_min = self.distance(q_lo);
                let d_max = self.distance(q_hi);
                let (u_lo, u_hi) = (self.weight(q_lo), self.weight(q_hi));
                let mut v_min = self
                    .variance_at(u_lo, sigma, rho)
                    .min(self.variance_at(u_hi, sigma, rho));
                let mut v_max = self
                    .variance_at(u_lo, sigma, rho)
                    .max(self.variance_at(u_hi, sigma, rho));
                let inside = |u: &f64| *u > u_lo && *u < u_hi;
                if let Some(u) = self.vertex(sigma, rho).filter(inside) {
                    let vv = self.variance_at(u, sigma, rho);
                    v_min = v_min.min(vv);
                    v_max = v_max.max(vv);
                }
                let best = first_passage(Buffer { d: d_max, v: v_min }, t);
                let worst = first_passage(Buffer { d: d_min, v: v_max }, t);
                (best, worst)
            }
        }
    }

    /// The weight at which the quadratic `v(u)` turns, when it has one.
    fn vertex(&self, sigma_c: f64, rho: f64) -> Option<f64> {
        let sa = self.sigma_a;
        let (num, den) = match self.side {
            // dv/dw = 2 w σ_C² − 2 ρ σ_A σ_C
            Side::Short => (rho * sa * sigma_c, sigma_c * sigma_c),
            // v = (1−b)² σ_A² + b² σ_C² + 2 (1−b) b ρ σ_A σ_C
            // dv/db = −2(1−b) σ_A² + 2 b σ_C² + 2 (1 − 2b) ρ σ_A σ_C
            //       = 2b (σ_A² + σ_C² − 2ρσ_Aσ_C) − 2 (σ_A² − ρσ_Aσ_C)
            Side::Long => (
                sa * sa - rho * sa * sigma_c,
                sa * sa + sigma_c * sigma_c - 2.0 * rho * sa * sigma_c,
            ),
        };
        (den != 0.0).then(|| num / den).filter(|u| u.is_finite())
    }
}

/// The leveraged legs of one opportunity: a short perp (every kind) and, for `perp_spread`, a
/// long perp. Spot legs are unleveraged and carry no liquidation risk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Position {
    /// The short perp leg.
    pub short: Option<PerpLeg>,
    /// The long perp leg.
    pub long: Option<PerpLeg>,
}

/// The smallest positive leverage on the grid, for "nothing qualifies" (DESIGN.md).
const GRID_MIN: u32 = 1;

/// Relative guard band of the interval classification in [`Position::safe_leverage`]: bounds
/// within it of the limit are refined down to exact point evaluations.
const BAND: f64 = 1e-9;

impl Position {
    /// A position with only a short perp leg (`carry`, `cross_carry`).
    #[must_use]
    pub fn short_only(leg: PerpLeg) -> Position {
        Position {
            short: Some(leg),
            long: None,
        }
    }

    /// Liquidation probability over `t` years when every leg runs at leverage `L`:
    /// `1 − (1 − p_short)(1 − p_long)`.
    #[must_use]
    pub fn liq_prob(&self, leverage: f64, t: f64) -> f64 {
        let p = |leg: Option<PerpLeg>| leg.map_or(0.0, |l| l.liq_prob(leverage, t));
        combine(p(self.short), p(self.long))
    }

    fn liq_prob_at(&self, i: u32, t: f64) -> f64 {
        self.liq_prob(f64::from(i) / 100.0, t)
    }

    /// Whether every leg's `liq_prob` is non-decreasing in `L`.
    #[must_use]
    pub fn is_monotone(&self) -> bool {
        self.short.is_none_or(|l| l.is_monotone()) && self.long.is_none_or(|l| l.is_monotone())
    }

    /// The largest `L = i / 100`, `i` in `1..=SAFE_GRID_MAX`, with `liq_prob(L) <= max_prob` over
    /// `t` years, as the grid index `i` (hundredths); [`GRID_MIN`] (0.01) when none qualifies.
    ///
    /// Monotone case (every leg stable or same-coin collateral): `q = k / L` decreases as `L`
    /// grows, and each `D(q)` is increasing in `q` — short stable `ln(1 + q) − ln(1 + m)`, short
    /// same-coin `−ln(1 + m − q)` (+∞ once `q >= 1 + m`), long stable `ln(1 − m) − ln(1 − q)`
    /// (+∞ once `q >= 1`), long same-coin `ln(1 − m + q)` — while `v = σ_A²` does not depend on
    /// `L`. So `D / sqrt(vT)` is non-increasing in `L`, `2Φ(−x)` is decreasing in `x`, the edge
    /// rules (`D <= 0` → 1, `+∞` → 0) keep that order, and `combine` is increasing in each leg:
    /// `liq_prob` is non-decreasing in `L` and a search on the grid is exact. The search starts
    /// where the closed form (one leg) or an interpolation (two legs) puts the answer, so it
    /// usually settles with two or three evaluations (see `search_from`).
    ///
    /// Volatile collateral: `v` depends on `L` through the collateral weight (`w` or `b`), a
    /// quadratic that can fall faster than `D`, so `liq_prob` is not monotone (a low leverage can
    /// be riskier than a higher one). The grid is then searched from the top by branch and bound:
    /// on a range of `L`, `D` lies between its end values and `v` between the quadratic's values
    /// at the ends and its vertex, which bound `liq_prob` from both sides; ranges that surely
    /// pass or surely fail are settled at once, the rest are split down to exact points. The
    /// result equals a full-grid evaluation at a few dozen probability evaluations.
    #[must_use]
    pub fn safe_leverage(&self, t: f64, max_prob: f64) -> u32 {
        if max_prob.is_nan() {
            return GRID_MIN;
        }
        if self.is_monotone() {
            let aim = self.aim(t, max_prob);
            self.search_from(aim, t, max_prob)
        } else {
            self.branch_and_bound(GRID_MIN, SAFE_GRID_MAX, t, max_prob)
                .unwrap_or(GRID_MIN)
        }
    }

    fn qualifies(&self, i: u32, t: f64, max_prob: f64) -> bool {
        self.liq_prob_at(i, t) <= max_prob
    }

    /// Where the monotone search starts: one leg's answer in closed form (its buffer must be at
    /// least `x*` with `2Φ(−x*) = max_prob`); for two legs, a log-linear interpolation of the
    /// exact probability between `W` (each leg within `max_prob / 2`, so the pair within
    /// `max_prob`) and `U` (each leg alone within `max_prob`, necessary for the pair).
    fn aim(&self, t: f64, max_prob: f64) -> u32 {
        let bound = |x: f64| {
            [self.short, self.long]
                .into_iter()
                .flatten()
                .map(|l| l.leverage_at_buffer(x, t))
                .fold(f64::INFINITY, f64::min)
        };
        let upper = grid_floor(bound(buffer_quantile(max_prob)));
        if self.short.is_none() || self.long.is_none() {
            return upper;
        }
        let lower = grid_floor(bound(buffer_quantile(max_prob / 2.0)));
        if lower >= upper {
            return upper;
        }
        let (p_lo, p_hi) = (self.liq_prob_at(lower, t), self.liq_prob_at(upper, t));
        if p_hi <= max_prob {
            return upper;
        }
        if !(p_lo > 0.0 && p_lo <= max_prob) {
            return lower;
        }
        let frac = (max_prob.ln() - p_lo.ln()) / (p_hi.ln() - p_lo.ln());
        let span = f64::from(upper - lower);
        grid_floor((f64::from(lower) + frac * span) / 100.0)
    }

    /// The largest qualifying grid index of a monotone position, exactly: gallops from `aim`
    /// (steps 1, 2, 4, …) up while the points qualify or down until one does, then bisects the
    /// bracket. Equal to a full-grid evaluation whatever `aim` is; a good aim costs two
    /// evaluations instead of a blind bisection's fourteen.
    fn search_from(&self, aim: u32, t: f64, max_prob: f64) -> u32 {
        let ok = |i: u32| self.qualifies(i, t, max_prob);
        let start = aim.clamp(GRID_MIN, SAFE_GRID_MAX);
        let mut step = 1u32;
        // Invariant after the gallop: lo qualifies, hi does not, lo < hi.
        let (mut lo, mut hi) = if ok(start) {
            let mut lo = start;
            loop {
                if lo == SAFE_GRID_MAX {
                    return SAFE_GRID_MAX;
                }
                let next = lo.saturating_add(step).min(SAFE_GRID_MAX);
                if !ok(next) {
                    break (lo, next);
                }
                lo = next;
                step = step.saturating_mul(2);
            }
        } else {
            let mut hi = start;
            loop {
                if hi == GRID_MIN {
                    return GRID_MIN;
                }
                let next = hi.saturating_sub(step).max(GRID_MIN);
                if ok(next) {
                    break (next, hi);
                }
                hi = next;
                step = step.saturating_mul(2);
            }
        };
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if ok(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// A blind bisection of the whole grid (what the non-monotone case must not rely on).
    #[cfg(test)]
    fn bisect(&self, t: f64, max_prob: f64) -> u32 {
        if self.qualifies(SAFE_GRID_MAX, t, max_prob) {
            return SAFE_GRID_MAX;
        }
        if !self.qualifies(GRID_MIN, t, max_prob) {
            return GRID_MIN;
        }
        // Invariant: lo qualifies, hi does not.
        let (mut lo, mut hi) = (GRID_MIN, SAFE_GRID_MAX);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.qualifies(mid, t, max_prob) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Bounds `[min, max]` of `liq_prob` over grid indices `lo..=hi`.
    fn prob_bounds(&self, lo: u32, hi: u32, t: f64) -> (f64, f64) {
        let bounds = |leg: Option<PerpLeg>| {
            leg.map_or((0.0, 0.0), |l| {
                // q is smallest at the largest leverage.
                let q_lo = l.haircut / (f64::from(hi) / 100.0);
                let q_hi = l.haircut / (f64::from(lo) / 100.0);
                l.prob_bounds(q_lo, q_hi, t)
            })
        };
        let (s_min, s_max) = bounds(self.short);
        let (l_min, l_max) = bounds(self.long);
        (combine(s_min, l_min), combine(s_max, l_max))
    }

    /// The largest qualifying index in `lo..=hi`, searching the upper half first.
    fn branch_and_bound(&self, lo: u32, hi: u32, t: f64, max_prob: f64) -> Option<u32> {
        if lo == hi {
            return self.qualifies(lo, t, max_prob).then_some(lo);
        }
        let (p_min, p_max) = self.prob_bounds(lo, hi, t);
        if p_max == 0.0 || p_max <= max_prob * (1.0 - BAND) {
            return Some(hi);
        }
        if p_min > max_prob * (1.0 + BAND) + f64::MIN_POSITIVE {
            return None;
        }
        let mid = lo + (hi - lo) / 2;
        self.branch_and_bound(mid + 1, hi, t, max_prob)
            .or_else(|| self.branch_and_bound(lo, mid, t, max_prob))
    }
}

/// Quote preference for volatility look-ups: the candidate's own quote, then USDT, USDC, USD
/// (one quote family for volatility); other quotes are not used.
fn quote_rank(quote: &str, own: &str) -> Option<u8> {
    if quote == own {
        return Some(0);
    }
    match quote {
        "USDT" => Some(1),
        "USDC" => Some(2),
        "USD" => Some(3),
        _ => None,
    }
}

/// One market's 24 h range, as indexed by [`Volatility`] (σ is computed on look-up: most
/// markets are never looked up).
#[derive(Clone, Copy, Debug, PartialEq)]
struct VolEntry<'a> {
    venue: Venue,
    quote: &'a str,
    symbol: &'a str,
    high: Decimal,
    low: Decimal,
}

impl<'a> VolEntry<'a> {
    /// An entry when the range is usable by [`parkinson`] (`low > 0`, `high >= low`).
    fn new(
        venue: Venue,
        quote: &'a str,
        symbol: &'a str,
        range: (Option<Decimal>, Option<Decimal>),
    ) -> Option<VolEntry<'a>> {
        match range {
            (Some(high), Some(low)) if low > Decimal::ZERO && high >= low => Some(VolEntry {
                venue,
                quote,
                symbol,
                high,
                low,
            }),
            _ => None,
        }
    }
}

/// Picks the preferred entry of one venue, deterministically whatever the input order.
fn best_on<'a>(entries: &[VolEntry<'a>], venue: Venue, own_quote: &str) -> Option<VolEntry<'a>> {
    entries
        .iter()
        .filter(|e| e.venue == venue)
        .filter_map(|e| quote_rank(e.quote, own_quote).map(|r| (r, e)))
        .min_by(|(ra, a), (rb, b)| {
            ra.cmp(rb)
                .then_with(|| a.symbol.cmp(b.symbol))
                .then_with(|| b.high.cmp(&a.high))
                .then_with(|| a.low.cmp(&b.low))
        })
        .map(|(_, e)| *e)
}

/// 24 h ranges of every perp and spot market in a scan, by coin, for the `σ_A` fallback and the
/// collateral's `σ_C`.
#[derive(Clone, Debug, Default)]
pub struct Volatility<'a> {
    perps: HashMap<&'a str, Vec<VolEntry<'a>>>,
    spots: HashMap<&'a str, Vec<VolEntry<'a>>>,
}

impl<'a> Volatility<'a> {
    /// Indexes every market with a usable 24 h high/low.
    #[must_use]
    pub fn new(snapshots: &'a [Snapshot]) -> Volatility<'a> {
        let mut index = Volatility::default();
        for snap in snapshots {
            for p in &snap.perps {
                let range = (p.high_24h, p.low_24h);
                if let Some(e) = VolEntry::new(p.venue, &p.quote, &p.symbol, range) {
                    index.perps.entry(&p.asset).or_default().push(e);
                }
            }
            for s in &snap.spots {
                let range = (s.high_24h, s.low_24h);
                if let Some(e) = VolEntry::new(s.venue, &s.quote, &s.symbol, range) {
                    index.spots.entry(&s.asset).or_default().push(e);
                }
            }
        }
        index
    }

    /// `σ_A` fallback for a perp without its own high/low: the same asset's perp on the first
    /// venue in [`Venue::ALL`] order that has one, preferring the perp's own quote, then USDT,
    /// USDC, USD (then symbol order).
    #[must_use]
    pub fn perp_sigma(&self, asset: &str, quote: &str) -> Option<f64> {
        let entries = self.perps.get(asset)?;
        Venue::ALL
            .into_iter()
            .find_map(|v| best_on(entries, v, quote))
            .and_then(|e| parkinson(e.high, e.low))
    }

    /// `σ_C` of a collateral coin for a perp on `venue` quoted in `quote`: the coin's spot market
    /// on that venue against the perp's quote family (own quote first, then USDT, USDC, USD),
    /// falling back to the other venues in [`Venue::ALL`] order.
    #[must_use]
    pub fn spot_sigma(&self, coin: &str, venue: Venue, quote: &str) -> Option<f64> {
        let entries = self.spots.get(coin)?;
        std::iter::once(venue)
            .chain(Venue::ALL.into_iter().filter(|v| *v != venue))
            .find_map(|v| best_on(entries, v, quote))
            .and_then(|e| parkinson(e.high, e.low))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::analyze::testkit::{T7, d, phi};
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn short(collateral: Collateral, sigma_a: f64, k: f64, m: f64) -> PerpLeg {
        PerpLeg {
            side: Side::Short,
            sigma_a,
            collateral,
            haircut: k,
            maintenance_margin: m,
        }
    }

    fn long(collateral: Collateral, sigma_a: f64, k: f64, m: f64) -> PerpLeg {
        PerpLeg {
            side: Side::Long,
            ..short(collateral, sigma_a, k, m)
        }
    }

    fn brute_force(pos: &Position, t: f64, max_prob: f64) -> u32 {
        (1..=SAFE_GRID_MAX)
            .rev()
            .find(|&i| pos.liq_prob(f64::from(i) / 100.0, t) <= max_prob)
            .unwrap_or(1)
    }

    #[test]
    fn normal_cdf_matches_an_independent_approximation() {
        for x in [-3.0, -1.96, -0.5, 0.0, 0.7, 2.5758] {
            assert!((normal_cdf(x) - phi(x)).abs() < 1e-7, "x = {x}");
        }
        assert!((normal_cdf(1.959964) - 0.975).abs() < 1e-6);
    }

    #[test]
    fn parkinson_hand_computed() {
        // ln(1.1) = 0.0953102, / sqrt(4 ln 2) (1.6651092) = 0.0572397, × sqrt(365) = 1.093561
        let s = parkinson(d("110"), d("100")).unwrap();
        assert!((s - 1.093_561).abs() < 1e-6, "{s}");
        // Multiplied contracts: the ratio is all that counts.
        assert_eq!(parkinson(d("110000"), d("100000")), Some(s));
        assert_eq!(parkinson(d("5"), d("5")), Some(0.0));
        assert_eq!(parkinson(d("4"), d("5")), None);
        assert_eq!(parkinson(d("5"), d("0")), None);
    }

    #[test]
    fn first_passage_edges_and_value() {
        assert_eq!(first_passage(Buffer { d: 0.0, v: 0.5 }, T7), 1.0);
        assert_eq!(first_passage(Buffer { d: -0.1, v: 0.0 }, T7), 1.0);
        assert_eq!(
            first_passage(
                Buffer {
                    d: f64::NAN,
                    v: 0.1
                },
                T7
            ),
            1.0
        );
        assert_eq!(first_passage(Buffer { d: 0.1, v: 0.0 }, T7), 0.0);
        assert_eq!(first_passage(Buffer { d: 0.1, v: -1e-9 }, T7), 0.0);
        assert_eq!(
            first_passage(
                Buffer {
                    d: f64::INFINITY,
                    v: 1.0
                },
                T7
            ),
            0.0
        );
        // D = 0.2, v = 0.64, T = 1: x = 0.25, 2Φ(−0.25) = 0.802587
        let p = first_passage(Buffer { d: 0.2, v: 0.64 }, 1.0);
        assert!((p - 2.0 * phi(-0.25)).abs() < 1e-6, "{p}");
        assert!((p - 0.802_587).abs() < 1e-5);
        // Capped at 1 for a tiny buffer.
        assert!(first_passage(Buffer { d: 1e-12, v: 1.0 }, 1.0) <= 1.0);
    }

    #[test]
    fn a_held_leg_at_entry_equal_to_mark_is_the_scan_leg_bit_for_bit() {
        let vol = Collateral::Volatile {
            sigma: 0.9,
            rho: 0.8,
        };
        for collateral in [Collateral::Stable, Collateral::SameCoin, vol] {
            for m in [0.004, 0.01, 0.05] {
                for q in [0.01, 0.2, 0.475, 0.95, 1.0, 1.004, 1.2, 3.0] {
                    for leg in [
                        short(collateral, 0.7, 0.95, m),
                        long(collateral, 0.7, 0.95, m),
                    ] {
                        assert_eq!(leg.buffer_held(q, 1.0), leg.buffer_at_q(q), "{leg:?} q {q}");
                    }
                }
            }
        }
        // e != 1 moves the buffer the way the exact condition says: a short entered above the
        // mark (in profit, e > 1) has more room.
        let s = short(Collateral::Stable, 0.7, 1.0, 0.004);
        assert!(s.buffer_held(0.5, 1.1).d > s.buffer_at_q(0.5).d);
        let expect = ((1.1f64 + 0.5) / 1.004).ln();
        assert!((s.buffer_held(0.5, 1.1).d - expect).abs() < 1e-15);
        // A stable-margined long whose collateral covers the drop to zero is never liquidated.
        let l = long(Collateral::Stable, 0.7, 1.0, 0.004);
        assert_eq!(l.buffer_held(0.9, 0.8).d, f64::INFINITY);
    }

    #[test]
    fn combine_two_legs() {
        assert!((combine(0.1, 0.2) - 0.28).abs() < 1e-15);
        assert_eq!(combine(0.0, 0.0), 0.0);
        assert_eq!(combine(1.0, 0.3), 1.0);
        let pos = Position {
            short: Some(short(Collateral::Stable, 0.8, 1.0, 0.004)),
            long: Some(long(Collateral::Stable, 0.6, 1.0, 0.004)),
        };
        let ps = pos.short.unwrap().liq_prob(3.0, T7);
        let pl = pos.long.unwrap().liq_prob(3.0, T7);
        assert!(ps > 0.0 && pl > 0.0);
        assert!((pos.liq_prob(3.0, T7) - (1.0 - (1.0 - ps) * (1.0 - pl))).abs() < 1e-15);
    }

    #[test]
    fn short_stable_design_sanity_case() {
        // DESIGN: at 3× over 7 days, the linear buffer k/L − m gives 0.3 % where the exact
        // form gives 1 %. With m = 0.004 that pins σ_A ≈ 0.795; use σ_A = 0.8.
        let (k, l, m, sa) = (1.0, 3.0, 0.004, 0.8);
        let leg = short(Collateral::Stable, sa, k, m);
        let q = k / l;
        let d = ((1.0 + q) / (1.0 + m)).ln(); // 0.283690
        assert!((d - 0.283_690).abs() < 1e-6);
        let b = leg.buffer(l);
        assert!((b.d - d).abs() < 1e-12 && (b.v - 0.64).abs() < 1e-12);
        let p = leg.liq_prob(l, T7);
        let expected = 2.0 * phi(-d / (sa * sa * T7).sqrt());
        assert!((p - expected).abs() < 1e-6);
        assert!((p - 0.0105).abs() < 0.001, "exact form ≈ 1 %: {p}");
        let linear = first_passage(
            Buffer {
                d: q - m,
                v: sa * sa,
            },
            T7,
        );
        assert!(
            (linear - 0.003).abs() < 0.0005,
            "linear buffer ≈ 0.3 %: {linear}"
        );
        // And "overstates the safe leverage by about 15 %".
        let safe = f64::from(Position::short_only(leg).safe_leverage(T7, 0.01)) / 100.0;
        let linear_safe = (1..=SAFE_GRID_MAX)
            .rev()
            .map(|i| f64::from(i) / 100.0)
            .find(|&l| {
                first_passage(
                    Buffer {
                        d: k / l - m,
                        v: sa * sa,
                    },
                    T7,
                ) <= 0.01
            })
            .unwrap();
        let over = linear_safe / safe - 1.0;
        assert!((0.10..0.20).contains(&over), "{safe} vs {linear_safe}");
    }

    #[test]
    fn short_volatile_collateral_hand_computed() {
        // σ_A = 0.6, σ_C = 0.9, ρ = 0.8, k = 0.95, L = 2, m = 0.005
        let leg = short(
            Collateral::Volatile {
                sigma: 0.9,
                rho: 0.8,
            },
            0.6,
            0.95,
            0.005,
        );
        let q: f64 = 0.475;
        let w = q / 1.475;
        let v = 0.36 + w * w * 0.81 - 2.0 * w * 0.8 * 0.6 * 0.9;
        let d = (1.475f64 / 1.005).ln();
        let b = leg.buffer(2.0);
        assert!((b.d - d).abs() < 1e-12);
        assert!((b.v - v).abs() < 1e-12);
        // v = 0.36 + 0.0840 − 0.2782 = 0.16578 (hand): the collateral hedges part of the move.
        assert!((b.v - 0.165_78).abs() < 1e-4);
        let p = leg.liq_prob(2.0, 1.0);
        assert!((p - 2.0 * phi(-d / v.sqrt())).abs() < 1e-6);
    }

    #[test]
    fn short_same_coin_collateral() {
        let leg = short(Collateral::SameCoin, 0.7, 0.95, 0.004);
        // L = 2: q = 0.475, D = −ln(1.004 − 0.475) = −ln(0.529) = 0.636767
        let b = leg.buffer(2.0);
        assert!((b.d - 0.636_767).abs() < 1e-6, "{}", b.d);
        assert!((b.v - 0.49).abs() < 1e-12);
        // Never liquidated once q >= 1 + m: L <= 0.95 / 1.004 = 0.946.
        assert_eq!(leg.liq_prob(0.94, 1.0), 0.0);
        assert!(leg.liq_prob(0.95, 1.0) > 0.0);
        // D <= 0 once q <= m: L >= 237.5.
        assert_eq!(leg.liq_prob(240.0, 1.0), 1.0);
    }

    #[test]
    fn long_leg_formulas() {
        let m = 0.004;
        // Stable: L = 3, q = 1/3: D = ln(0.996 / 0.666667) = 0.401457
        let st = long(Collateral::Stable, 0.8, 1.0, m);
        let b = st.buffer(3.0);
        assert!((b.d - (0.996f64 / (2.0 / 3.0)).ln()).abs() < 1e-12);
        assert!((b.d - 0.401_457).abs() < 1e-6);
        assert!((b.v - 0.64).abs() < 1e-15);
        assert_eq!(st.liq_prob(1.0, 1.0), 0.0, "q >= 1: never");
        assert!(st.liq_prob(1.01, 1.0) > 0.0);
        // Volatile: k = 0.9, L = 2 → q = 0.45, s = 1.446, a = 0.688797, b = 0.311203
        let vol = long(
            Collateral::Volatile {
                sigma: 0.9,
                rho: 0.8,
            },
            0.6,
            0.9,
            m,
        );
        let (s, a, bb) = (1.446f64, 0.996 / 1.446, 0.45 / 1.446);
        let v = a * a * 0.36 + bb * bb * 0.81 + 2.0 * a * bb * 0.8 * 0.6 * 0.9;
        let b = vol.buffer(2.0);
        assert!((b.d - s.ln()).abs() < 1e-12);
        assert!((b.v - v).abs() < 1e-12);
        // Same-coin: ln(1 − m + q), v = σ_A²; matches the volatile form with σ_C = σ_A, ρ = 1.
        let same = long(Collateral::SameCoin, 0.6, 0.9, m);
        let as_volatile = long(
            Collateral::Volatile {
                sigma: 0.6,
                rho: 1.0,
            },
            0.6,
            0.9,
            m,
        );
        let (b1, b2) = (same.buffer(2.0), as_volatile.buffer(2.0));
        assert!((b1.d - 1.446f64.ln()).abs() < 1e-12);
        assert!((b1.d - b2.d).abs() < 1e-12 && (b1.v - b2.v).abs() < 1e-12);
    }

    #[test]
    fn stable_haircut_and_zero_volatility() {
        // σ_A = 0 → v = 0 → never liquidated while D > 0.
        let leg = short(Collateral::Stable, 0.0, 1.0, 0.004);
        assert_eq!(leg.liq_prob(50.0, 1.0), 0.0);
        assert_eq!(
            Position::short_only(leg).safe_leverage(1.0, 0.0),
            SAFE_GRID_MAX
        );
        // v <= 0 with D > 0 via the volatile form: σ_A = w σ_C, ρ = 1 → v = (σ_A − wσ_C)² = 0.
        // q = 1 (k = 1, L = 1): w = 0.5, σ_C = 2σ_A.
        let leg = short(
            Collateral::Volatile {
                sigma: 1.0,
                rho: 1.0,
            },
            0.5,
            1.0,
            0.004,
        );
        assert!(leg.buffer(1.0).v.abs() < 1e-15);
        assert!(leg.liq_prob(1.0, 1.0) < 1e-12);
    }

    #[test]
    fn safe_leverage_monotone_matches_brute_force() {
        for (c, sa, k, m, t, p) in [
            (Collateral::Stable, 0.8, 1.0, 0.004, T7, 0.01),
            (Collateral::Stable, 2.5, 1.0, 0.01, 30.0 / 365.0, 0.05),
            (Collateral::Stable, 0.05, 0.9, 0.004, T7, 0.001),
            (Collateral::SameCoin, 0.8, 0.95, 0.004, T7, 0.01),
            (Collateral::SameCoin, 3.0, 0.95, 0.004, 1.0, 0.01),
        ] {
            let pos = Position::short_only(short(c, sa, k, m));
            assert!(pos.is_monotone());
            assert_eq!(
                pos.safe_leverage(t, p),
                brute_force(&pos, t, p),
                "{c:?} {sa} {t} {p}"
            );
        }
        // Long legs and two legs, monotone too.
        let two = Position {
            short: Some(short(Collateral::Stable, 0.9, 1.0, 0.005)),
            long: Some(long(Collateral::Stable, 0.7, 1.0, 0.005)),
        };
        assert_eq!(two.safe_leverage(T7, 0.02), brute_force(&two, T7, 0.02));
        // Nothing qualifies → 0.01; everything → 100.
        let wild = Position::short_only(short(Collateral::Stable, 50.0, 1.0, 0.004));
        assert_eq!(wild.safe_leverage(1.0, 1e-6), 1);
        assert_eq!(wild.safe_leverage(1.0, 1.0), SAFE_GRID_MAX);
    }

    #[test]
    fn safe_leverage_non_monotone_beats_blind_bisection() {
        // σ_A = 0.5, σ_C = 2, ρ = 0.9, T = 1: x(q) rises to ~1.31 at q = 0.5 (L = 2), dips to
        // ~1.17 at q = 1 (L = 1), then rises again. With a limit of 2Φ(−1.25) ≈ 0.211 the
        // qualifying set is two islands; the answer lies in the upper one.
        let leg = short(
            Collateral::Volatile {
                sigma: 2.0,
                rho: 0.9,
            },
            0.5,
            1.0,
            0.004,
        );
        let pos = Position::short_only(leg);
        assert!(!pos.is_monotone());
        let max_p = 2.0 * normal_cdf(-1.25);
        assert!(pos.liq_prob(2.0, 1.0) <= max_p);
        assert!(pos.liq_prob(1.0, 1.0) > max_p, "the dip");
        assert!(pos.liq_prob(0.1, 1.0) <= max_p);
        let brute = brute_force(&pos, 1.0, max_p);
        assert!(brute > 200 && brute < 400, "{brute}");
        assert_eq!(pos.safe_leverage(1.0, max_p), brute);
        // A blind bisection lands in the lower island.
        assert!(pos.bisect(1.0, max_p) < 100);
    }

    #[test]
    fn normal_quantile_inverts_the_cdf() {
        // Tabulated: Φ⁻¹(0.975) = 1.959964, Φ⁻¹(0.005) = −2.575829, Φ⁻¹(1e-6) = −4.753424.
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-6);
        assert!((normal_quantile(0.005) + 2.575_829).abs() < 1e-6);
        assert!((normal_quantile(1e-6) + 4.753_424).abs() < 1e-6);
        assert!(normal_quantile(0.5).abs() < 1e-12);
        for p in [1e-12, 0.001, 0.02425, 0.1, 0.3, 0.7, 0.97575, 0.999] {
            let x = normal_quantile(p);
            // Acklam's relative error in x is below 1.2e-9; in p that is about x² times more.
            assert!(
                (normal_cdf(x) - p).abs() < 1e-7 * p.min(1.0 - p),
                "{p}: {x}"
            );
        }
        assert!(normal_quantile(0.0).is_nan() && normal_quantile(1.0).is_nan());
        assert!(normal_quantile(f64::NAN).is_nan());
        assert_eq!(buffer_quantile(1.0), 0.0);
        assert_eq!(buffer_quantile(0.0), f64::INFINITY);
        // 2Φ(−x*) = 1 %: x* = 2.575829.
        assert!((buffer_quantile(0.01) - 2.575_829).abs() < 1e-6);
    }

    #[test]
    fn single_leg_aim_is_the_answer_or_next_to_it() {
        for (c, side, sa, k, m) in [
            (Collateral::Stable, Side::Short, 0.8, 1.0, 0.004),
            (Collateral::SameCoin, Side::Short, 0.8, 0.95, 0.004),
            (Collateral::Stable, Side::Long, 0.6, 1.0, 0.01),
            (Collateral::SameCoin, Side::Long, 1.5, 0.9, 0.005),
        ] {
            let leg = PerpLeg {
                side,
                ..short(c, sa, k, m)
            };
            let pos = if side == Side::Short {
                Position::short_only(leg)
            } else {
                Position {
                    short: None,
                    long: Some(leg),
                }
            };
            let brute = brute_force(&pos, T7, 0.01);
            assert!(
                brute > 1 && brute < SAFE_GRID_MAX,
                "{c:?} {side:?}: {brute}"
            );
            assert!(pos.aim(T7, 0.01).abs_diff(brute) <= 1, "{c:?} {side:?}");
            assert_eq!(pos.safe_leverage(T7, 0.01), brute);
        }
    }

    fn monotone_collateral() -> impl Strategy<Value = Collateral> {
        prop_oneof![Just(Collateral::Stable), Just(Collateral::SameCoin)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn monotone_search_equals_full_grid_from_any_aim(
            sa in 0.0f64..4.0,
            k in 0.5f64..1.0,
            m in 0.0f64..0.05,
            days in 1.0f64..365.0,
            max_p in prop_oneof![Just(0.0), Just(1.0), 1e-9f64..0.5],
            short_c in monotone_collateral(),
            long_c in prop::option::of(monotone_collateral()),
            aim in 0u32..12_000,
        ) {
            let t = days / 365.0;
            let pos = Position {
                short: Some(short(short_c, sa, k, m)),
                long: long_c.map(|c| long(c, sa * 1.3, k, m)),
            };
            prop_assert!(pos.is_monotone());
            let brute = brute_force(&pos, t, max_p);
            prop_assert_eq!(pos.safe_leverage(t, max_p), brute);
            prop_assert_eq!(pos.search_from(aim, t, max_p), brute);
        }

        #[test]
        fn safe_leverage_equals_full_grid(
            sa in 0.01f64..3.0,
            sc in 0.0f64..4.0,
            rho in -1.0f64..1.0,
            k in 0.5f64..1.0,
            m in 0.0f64..0.05,
            days in 1.0f64..365.0,
            max_p in 0.0001f64..0.5,
            two_legs in any::<bool>(),
            long_stable in any::<bool>(),
        ) {
            let t = days / 365.0;
            let c = Collateral::Volatile { sigma: sc, rho };
            let pos = Position {
                short: Some(short(c, sa, k, m)),
                long: two_legs.then(|| {
                    long(if long_stable { Collateral::Stable } else { c }, sa * 0.8, k, m)
                }),
            };
            prop_assert_eq!(pos.safe_leverage(t, max_p), brute_force(&pos, t, max_p));
        }
    }

    fn perp(
        venue: Venue,
        symbol: &str,
        asset: &str,
        quote: &str,
        hl: Option<(Decimal, Decimal)>,
    ) -> crate::model::PerpQuote {
        crate::model::PerpQuote {
            venue,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: quote.into(),
            multiplier: Decimal::ONE,
            funding_rate: d("0.0001"),
            funding_interval_hours: d("8"),
            next_funding_time: None,
            mark_price: None,
            index_price: None,
            bid: Some(d("1")),
            ask: Some(d("1")),
            high_24h: hl.map(|x| x.0),
            low_24h: hl.map(|x| x.1),
            volume_24h_quote: None,
            open_interest: None,
            exchange_time: None,
            received_at: Utc.timestamp_opt(0, 0).unwrap(),
        }
    }

    fn spot(
        venue: Venue,
        asset: &str,
        quote: &str,
        hl: (Decimal, Decimal),
    ) -> crate::model::SpotQuote {
        crate::model::SpotQuote {
            venue,
            symbol: format!("{asset}{quote}"),
            asset: asset.into(),
            quote: quote.into(),
            bid: Some(d("1")),
            ask: Some(d("1")),
            high_24h: Some(hl.0),
            low_24h: Some(hl.1),
            volume_24h_quote: None,
            exchange_time: None,
            received_at: Utc.timestamp_opt(0, 0).unwrap(),
        }
    }

    fn snap(
        venue: Venue,
        perps: Vec<crate::model::PerpQuote>,
        spots: Vec<crate::model::SpotQuote>,
    ) -> Snapshot {
        Snapshot {
            venue,
            received_at: Utc.timestamp_opt(0, 0).unwrap(),
            perps,
            spots,
        }
    }

    #[test]
    fn volatility_fallbacks_follow_venue_then_quote_order() {
        let s = |h| parkinson(h, d("100")).unwrap();
        let snaps = vec![
            snap(
                Venue::Okx,
                vec![perp(
                    Venue::Okx,
                    "X-USDT-SWAP",
                    "X",
                    "USDT",
                    Some((d("101"), d("100"))),
                )],
                vec![spot(Venue::Okx, "ETH", "USDT", (d("105"), d("100")))],
            ),
            snap(
                Venue::Bybit,
                vec![
                    perp(Venue::Bybit, "XUSD", "X", "USD", Some((d("102"), d("100")))),
                    perp(
                        Venue::Bybit,
                        "XUSDC",
                        "X",
                        "USDC",
                        Some((d("103"), d("100"))),
                    ),
                    perp(Venue::Bybit, "XBTC", "X", "BTC", Some((d("109"), d("100")))),
                ],
                vec![
                    spot(Venue::Bybit, "ETH", "USDC", (d("106"), d("100"))),
                    spot(Venue::Bybit, "ETH", "BTC", (d("108"), d("100"))),
                ],
            ),
            snap(
                Venue::Binance,
                vec![perp(Venue::Binance, "XUSDT", "X", "USDT", None)],
                vec![spot(Venue::Binance, "ETH", "EUR", (d("107"), d("100")))],
            ),
        ];
        let vol = Volatility::new(&snaps);
        // Binance's perp has no high/low: Bybit comes next, USDC before USD.
        assert_eq!(vol.perp_sigma("X", "USDT"), Some(s(d("103"))));
        // Own quote first.
        assert_eq!(vol.perp_sigma("X", "USD"), Some(s(d("102"))));
        assert_eq!(vol.perp_sigma("Y", "USDT"), None);
        // Collateral: the perp's venue first, then Venue::ALL order; EUR and BTC quotes unused.
        assert_eq!(vol.spot_sigma("ETH", Venue::Okx, "USDT"), Some(s(d("105"))));
        assert_eq!(
            vol.spot_sigma("ETH", Venue::Binance, "USDT"),
            Some(s(d("106")))
        );
        assert_eq!(
            vol.spot_sigma("ETH", Venue::Bybit, "USD"),
            Some(s(d("106")))
        );
        assert_eq!(vol.spot_sigma("SOL", Venue::Bybit, "USDT"), None);
    }
}
