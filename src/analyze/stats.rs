//! Funding-history statistics, realised volatility and correlation, expected-funding estimator.
//!
//! Implements DESIGN.md "Funding statistics (with history)", the "Realised (with history)" part
//! of "Volatility", and the "blend toward the trailing mean" of "Expected funding over the
//! horizon". No I/O and no clock: every function takes `now`.
//!
//! Money stays `Decimal` (sums of rates, APRs, the trailing mean, the blended rate); `f64` is
//! used only for the statistics (standard deviations, shares, correlation, the persistence `φ`)
//! and crosses back into `Decimal` once, as the blending weight in [`expected_rate_per_hour`].
//!
//! Conventions where DESIGN.md is silent:
//! - A settlement with `interval_hours <= 0` is malformed data and is ignored everywhere.
//! - "Fewer settlements than half the window would hold" is tested as "the settlements in the
//!   window cover less than half of it": `Σ h_i < 12 · W` hours. At a constant interval `h` this
//!   is exactly `n < (24 W / h) / 2`; when the perp changed its interval inside the window it
//!   still recognises a fully covered window (counting at the median or the latest interval
//!   would call 20 days at 8 h followed by 10 days at 1 h "too little history").
//! - A [`DailyClose`]'s `day` is the UTC date of the daily bar (its open, 00:00 UTC); its close
//!   is taken at the next 00:00 UTC. The return of day `d`, `ln(c_d / c_{d−1})`, exists only
//!   when both days are present (a gap never makes a multi-day return count as daily) and is in
//!   the last 30 days when `d`'s close time lies in `(now − 30 d, now]`, so an unfinished bar of
//!   today never counts. A repeated day keeps its last close; closes `<= 0` are ignored.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use crate::model::FundingSample;

/// Days in a year (simple, not compounded, APR).
const DAYS_PER_YEAR: Decimal = Decimal::from_parts(365, 0, 0, false, 0);
/// Hours in a day.
const HOURS_PER_DAY: Decimal = Decimal::from_parts(24, 0, 0, false, 0);
/// Window of the realised volatility and correlation, days.
pub const REALISED_WINDOW_DAYS: u32 = 30;
/// Fewest daily log returns (or common returns, for the correlation) a realised figure needs.
pub const MIN_DAILY_RETURNS: usize = 14;
/// Window of the trailing mean and of the persistence estimate, days.
pub const TRAILING_WINDOW_DAYS: u32 = 30;
/// Hours of funding history the estimator needs before it blends (3 days).
pub const MIN_ESTIMATOR_HOURS: u32 = 72;
/// Fewest consecutive settlement pairs the persistence estimate needs.
pub const MIN_ESTIMATOR_PAIRS: usize = 8;
/// Upper clamp of the per-settlement persistence `φ`.
pub const MAX_PHI: f64 = 0.999;

/// Statistics of one perp's settlements over a window `(now − W, now]`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FundingStats {
    /// `apr_W = Σ r_i · 365 / W_days`, in percent; `None` with too little history.
    pub apr_pct: Option<Decimal>,
    /// Sample standard deviation (n − 1) of the per-settlement APRs `r_i · 24 / h_i · 365`, in
    /// percent; `None` with too little history (or fewer than two settlements).
    pub std_pct: Option<f64>,
    /// Share of settlements with `r_i > 0`, 0..1; `None` with too little history.
    pub pos_share: Option<f64>,
    /// Longest run of consecutive settlements with `r_i < 0`, in time order (reported whatever
    /// the amount of history).
    pub longest_negative_streak: usize,
    /// Settlements in the window.
    pub settlements: usize,
}

/// The three windows DESIGN.md reports (`apr_1d`, `apr_7d`, `apr_30d`, `pos_30d`) and the rest of
/// the 30-day statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Window {
    /// `apr_W` over 1 day, percent.
    pub apr_1d: Option<Decimal>,
    /// `apr_W` over 7 days, percent.
    pub apr_7d: Option<Decimal>,
    /// The 30-day statistics: `apr_30d` is its `apr_pct`, `pos_30d` its `pos_share`.
    pub d30: FundingStats,
}

/// A daily close at 00:00 UTC (see the module docs for what `day` means).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DailyClose {
    /// UTC date of the daily bar.
    pub day: NaiveDate,
    /// Its close.
    pub close: Decimal,
}

/// Which estimator produced an expected funding rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Estimator {
    /// The current (predicted) rate held constant: too little history to do better.
    Current,
    /// The current rate blended toward the trailing mean (see [`expected_rate_per_hour`]).
    MeanReverting {
        /// Trailing 30-day mean rate per hour, `μ = Σ r_i / Σ h_i`.
        mean_per_hour: Decimal,
        /// Persistence per settlement step, `φ ∈ [0, 0.999]`.
        phi: f64,
        /// Step (the latest settlement's interval), hours.
        step_hours: Decimal,
        /// Weight of the current rate in the blend, `w ∈ [0, 1]`.
        weight: f64,
    },
}

/// Valid settlements (`h > 0`) with time in `(now − days, now]`, sorted by time (stable).
fn settled_within(history: &[FundingSample], now: DateTime<Utc>, days: u32) -> Vec<&FundingSample> {
    let start = now.checked_sub_signed(TimeDelta::days(i64::from(days)));
    let mut window: Vec<&FundingSample> = history
        .iter()
        .filter(|s| {
            s.interval_hours > Decimal::ZERO
                && s.time <= now
                && start.is_none_or(|start| s.time > start)
        })
        .collect();
    window.sort_by_key(|s| s.time);
    window
}

/// Hours the settlements cover, `Σ h_i` (saturating: absurd intervals only make it larger).
fn covered_hours(window: &[&FundingSample]) -> Decimal {
    window
        .iter()
        .fold(Decimal::ZERO, |acc, s| acc.saturating_add(s.interval_hours))
}

/// Whether the settlements cover at least half of a window of `days` days.
fn covers_half(window: &[&FundingSample], days: u32) -> bool {
    covered_hours(window).saturating_mul(Decimal::TWO) >= Decimal::from(days) * HOURS_PER_DAY
}

/// Longest run of consecutive `r < 0`.
fn longest_negative_run(window: &[&FundingSample]) -> usize {
    let (mut longest, mut run) = (0, 0);
    for s in window {
        if s.rate < Decimal::ZERO {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// Sample mean and sample standard deviation (n − 1); `None` for fewer than two values or a
/// non-finite result.
fn mean_and_std(xs: &[f64]) -> Option<(f64, f64)> {
    if xs.len() < 2 {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let std = var.sqrt();
    (mean.is_finite() && std.is_finite()).then_some((mean, std))
}

/// Per-settlement APR in percent, `r · 24 / h · 365 · 100`, as `f64`.
fn settlement_apr_pct(s: &FundingSample) -> Option<f64> {
    let apr = s.rate.to_f64()? * 24.0 / s.interval_hours.to_f64()? * 365.0 * 100.0;
    apr.is_finite().then_some(apr)
}

/// Funding statistics over the settlements with time in `(now − W, now]`, `W = window_days`.
///
/// `apr_pct`, `std_pct` and `pos_share` are `None` ("too little history") when the settlements
/// cover less than half the window (`Σ h_i < 12 · W` hours; at a constant interval that is
/// "fewer settlements than half the window would hold"), when `W = 0`, or, each on its own,
/// when its arithmetic overflows. `apr_pct` counts what was actually paid, whatever the
/// intervals: `Σ r_i · 365 / W · 100`.
#[must_use]
pub fn funding_stats(
    history: &[FundingSample],
    now: DateTime<Utc>,
    window_days: u32,
) -> FundingStats {
    let window = settled_within(history, now, window_days);
    let mut stats = FundingStats {
        apr_pct: None,
        std_pct: None,
        pos_share: None,
        longest_negative_streak: longest_negative_run(&window),
        settlements: window.len(),
    };
    if window_days == 0 || window.is_empty() || !covers_half(&window, window_days) {
        return stats;
    }
    stats.apr_pct = window
        .iter()
        .try_fold(Decimal::ZERO, |acc, s| acc.checked_add(s.rate))
        .and_then(|sum| sum.checked_mul(DAYS_PER_YEAR * Decimal::ONE_HUNDRED))
        .and_then(|x| x.checked_div(Decimal::from(window_days)));
    let positive = window.iter().filter(|s| s.rate > Decimal::ZERO).count();
    stats.pos_share = Some(positive as f64 / window.len() as f64);
    stats.std_pct = window
        .iter()
        .map(|s| settlement_apr_pct(s))
        .collect::<Option<Vec<f64>>>()
        .and_then(|aprs| mean_and_std(&aprs))
        .map(|(_, std)| std);
    stats
}

/// The 1-, 7- and 30-day statistics DESIGN.md reports.
#[must_use]
pub fn windows(history: &[FundingSample], now: DateTime<Utc>) -> Window {
    Window {
        apr_1d: funding_stats(history, now, 1).apr_pct,
        apr_7d: funding_stats(history, now, 7).apr_pct,
        d30: funding_stats(history, now, 30),
    }
}

/// Daily log returns by day, for the days whose close time lies in the last 30 days and whose
/// previous day is present.
fn daily_returns(closes: &[DailyClose], now: DateTime<Utc>) -> BTreeMap<NaiveDate, f64> {
    let by_day: BTreeMap<NaiveDate, Decimal> = closes
        .iter()
        .filter(|c| c.close > Decimal::ZERO)
        .map(|c| (c.day, c.close))
        .collect();
    let start = now.checked_sub_signed(TimeDelta::days(i64::from(REALISED_WINDOW_DAYS)));
    let mut returns = BTreeMap::new();
    for (&day, &close) in &by_day {
        let Some(close_time) = day
            .succ_opt()
            .and_then(|next| next.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
        else {
            continue;
        };
        if close_time > now || start.is_some_and(|start| close_time <= start) {
            continue;
        }
        let Some(prev) = day.pred_opt().and_then(|p| by_day.get(&p)) else {
            continue;
        };
        let Some(ratio) = close.checked_div(*prev).and_then(|r| r.to_f64()) else {
            continue;
        };
        let ret = ratio.ln();
        if ret.is_finite() {
            returns.insert(day, ret);
        }
    }
    returns
}

/// Realised annualised volatility: the sample standard deviation (n − 1) of the daily log
/// returns of the last 30 days × `sqrt(365)`; `None` with fewer than 14 returns.
#[must_use]
pub fn realised_vol(closes: &[DailyClose], now: DateTime<Utc>) -> Option<f64> {
    let returns: Vec<f64> = daily_returns(closes, now).into_values().collect();
    if returns.len() < MIN_DAILY_RETURNS {
        return None;
    }
    mean_and_std(&returns).map(|(_, std)| std * 365f64.sqrt())
}

/// Pearson correlation of the daily log returns of `a` and `c` on the days both have, over the
/// last 30 days; `None` with fewer than 14 common returns or when either series is constant.
#[must_use]
pub fn correlation(a: &[DailyClose], c: &[DailyClose], now: DateTime<Utc>) -> Option<f64> {
    let ra = daily_returns(a, now);
    let rc = daily_returns(c, now);
    let (xs, ys): (Vec<f64>, Vec<f64>) = ra
        .iter()
        .filter_map(|(day, x)| rc.get(day).map(|y| (*x, *y)))
        .unzip();
    if xs.len() < MIN_DAILY_RETURNS {
        return None;
    }
    let (mx, sx) = mean_and_std(&xs)?;
    let (my, sy) = mean_and_std(&ys)?;
    if sx <= 0.0 || sy <= 0.0 {
        return None;
    }
    let cov = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| (x - mx) * (y - my))
        .sum::<f64>()
        / (xs.len() as f64 - 1.0);
    let rho = cov / (sx * sy);
    rho.is_finite().then_some(rho.clamp(-1.0, 1.0))
}

/// Persistence per step of `step_hours` from consecutive settlement pairs: the least-squares
/// lag-1 slope of the per-hour rates, corrected for its small-sample bias, converted from the
/// pairs' mean spacing to the step. `None` when there are too few pairs or no variation.
fn persistence(window: &[&FundingSample], step_hours: f64) -> Option<f64> {
    let mut pairs = Vec::new();
    let mut gap_sum = 0.0;
    for w in window.windows(2) {
        let (a, b) = (w[0], w[1]);
        let gap = (b.time - a.time).num_seconds() as f64 / 3600.0;
        let interval = b.interval_hours.to_f64()?;
        // Consecutive settlements only: a missing one in between would double the lag.
        if gap > 0.0 && gap < 2.0 * interval {
            let xa = a.rate.checked_div(a.interval_hours)?.to_f64()?;
            let xb = b.rate.checked_div(b.interval_hours)?.to_f64()?;
            pairs.push((xa, xb));
            gap_sum += gap;
        }
    }
    let m = pairs.len();
    if m < MIN_ESTIMATOR_PAIRS {
        return None;
    }
    let mf = m as f64;
    let ma = pairs.iter().map(|p| p.0).sum::<f64>() / mf;
    let mb = pairs.iter().map(|p| p.1).sum::<f64>() / mf;
    let sxx = pairs.iter().map(|p| (p.0 - ma).powi(2)).sum::<f64>();
    let sxy = pairs.iter().map(|p| (p.0 - ma) * (p.1 - mb)).sum::<f64>();
    // No variation (up to the rounding of the means): φ cannot be estimated.
    let scale = pairs.iter().fold(0.0f64, |acc, p| acc.max(p.0.abs()));
    if !sxx.is_finite() || !sxy.is_finite() || sxx <= mf * (1e-12 * scale).powi(2) {
        return None;
    }
    let slope = sxy / sxx;
    // Kendall's bias of the AR(1) least-squares estimate: E[φ̂] ≈ φ − (1 + 3φ) / m.
    let corrected = (slope + (1.0 + 3.0 * slope) / mf).min(1.0);
    let phi = if corrected <= 0.0 {
        0.0
    } else {
        corrected.powf(step_hours / (gap_sum / mf))
    };
    phi.is_finite().then_some(phi.clamp(0.0, MAX_PHI))
}

/// Expected funding per hour over the horizon `H = hold_days`, blending the current predicted
/// rate toward the trailing mean.
///
/// Model: the per-hour rate `x = r / h` is mean-reverting (a discretely sampled
/// Ornstein–Uhlenbeck process, i.e. AR(1) per settlement): `E[x_{t+k}] = μ + φ^k (x_t − μ)`.
/// `μ` is the trailing 30-day mean `Σ r_i / Σ h_i` (what was paid per hour covered, so mixed
/// intervals weigh by time). `φ` is the persistence per settlement step (the latest
/// settlement's interval `h₀`): the least-squares lag-1 slope of the per-hour rates over
/// consecutive settlement pairs, plus Kendall's small-sample bias `(1 + 3φ̂) / m` (the raw
/// estimate is biased toward 0, which would over-shrink a persistent rate), converted from the
/// pairs' mean spacing to `h₀` and clamped to `[0, 0.999]`. The current rate is the one that
/// settles next (`k = 0`), so the expected average over the `n = 24 H / h₀` settlements of the
/// horizon (at least 1) is `μ + (x₀ − μ) · w` with `w = (1 − φⁿ) / (n (1 − φ))`.
///
/// Why: funding is anchored by the premium/interest formula and arbitraged back toward a venue's
/// baseline, so deviations decay; an AR(1) with an estimated `φ` shrinks exactly as much as the
/// history supports (`φ → 1` keeps the current rate, `φ = 0` trusts only the next settlement)
/// and the result always lies between `x₀` and `μ`. Predicting the next 7 days' average on
/// simulated histories, its mean absolute error is 36 % below the constant rate's for an AR(1)
/// with φ = 0.8 per 8 h, 17 % below at φ = 0.9, 43 % below for φ = 0.97 per hour, and 3–5 %
/// above on a random walk (tests `estimator_*`). The bias correction is what keeps the random
/// walk cheap (about +13 % without it in a prototype of the same simulation).
///
/// Returns `(x₀, Estimator::Current)` with less than 3 days of settlements in the trailing 30
/// days, fewer than 8 consecutive pairs, history without variation, `hold_days <= 0`, or on
/// overflow.
#[must_use]
pub fn expected_rate_per_hour(
    current_per_hour: Decimal,
    history: &[FundingSample],
    now: DateTime<Utc>,
    hold_days: Decimal,
) -> (Decimal, Estimator) {
    blend(current_per_hour, history, now, hold_days)
        .unwrap_or((current_per_hour, Estimator::Current))
}

/// [`expected_rate_per_hour`], `None` meaning "keep the current rate".
fn blend(
    current: Decimal,
    history: &[FundingSample],
    now: DateTime<Utc>,
    hold_days: Decimal,
) -> Option<(Decimal, Estimator)> {
    expected_from_trend(current, trend(history, now).as_ref()?, hold_days)
}

/// The estimator's inputs over the trailing 30 days at `now`: the mean, the step and the
/// persistence (see [`expected_rate_per_hour`]); `None` when it keeps the current rate whatever
/// the horizon (less than 3 days of settlements, fewer than 8 consecutive pairs, history without
/// variation, overflow).
#[must_use]
pub fn trend(history: &[FundingSample], now: DateTime<Utc>) -> Option<Trend> {
    let window = settled_within(history, now, TRAILING_WINDOW_DAYS);
    let covered = covered_hours(&window);
    if covered < Decimal::from(MIN_ESTIMATOR_HOURS) {
        return None;
    }
    let mean_per_hour = window
        .iter()
        .try_fold(Decimal::ZERO, |acc, s| acc.checked_add(s.rate))?
        .checked_div(covered)?;
    let step_hours = window.last()?.interval_hours;
    let phi = persistence(&window, step_hours.to_f64()?)?;
    Some(Trend {
        mean_per_hour,
        step_hours,
        phi,
    })
}

/// [`expected_rate_per_hour`] from the estimator's inputs computed beforehand (a
/// [`FundingSummary`]'s `trend`): the same blend, `None` meaning "keep the current rate".
#[must_use]
pub fn expected_from_trend(
    current: Decimal,
    trend: &Trend,
    hold_days: Decimal,
) -> Option<(Decimal, Estimator)> {
    if hold_days <= Decimal::ZERO {
        return None;
    }
    let Trend {
        mean_per_hour: mean,
        step_hours,
        phi,
    } = *trend;
    let step = step_hours.to_f64()?;
    let n = (hold_days.to_f64()? * 24.0 / step).max(1.0);
    let weight = if phi >= 1.0 {
        1.0
    } else {
        (1.0 - phi.powf(n)) / (n * (1.0 - phi))
    };
    if !weight.is_finite() {
        return None;
    }
    let weight = weight.clamp(0.0, 1.0);
    let blended = current
        .checked_sub(mean)?
        .checked_mul(Decimal::from_f64(weight)?)?
        .checked_add(mean)?;
    // Rounding must not carry the result outside [min(x₀, μ), max(x₀, μ)].
    let blended = blended.clamp(current.min(mean), current.max(mean));
    Some((
        blended,
        Estimator::MeanReverting {
            mean_per_hour: mean,
            phi,
            step_hours,
            weight,
        },
    ))
}

/// The estimator's inputs that do not depend on the current rate or the horizon.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trend {
    /// Trailing 30-day mean rate per hour, `μ = Σ r_i / Σ h_i`.
    pub mean_per_hour: Decimal,
    /// Step (the latest settlement's interval), hours.
    pub step_hours: Decimal,
    /// Persistence per step, `φ ∈ [0, 0.999]`.
    pub phi: f64,
}

/// Everything the analyzer reads from one perp's settled funding at one `now`: the reported
/// windows and the estimator's inputs. Both depend on `now` only through the settlements each
/// window holds, so a summary stays exact until [`unchanged_until`]: a store keeps it and a scan
/// reads one small record per perp instead of its 30 days of settlements.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FundingSummary {
    /// `apr_1d`, `apr_7d`, `apr_30d`, `pos_30d` and the rest of the 30-day statistics.
    pub window: Window,
    /// The estimator's inputs; `None` keeps the current rate.
    pub trend: Option<Trend>,
}

/// [`windows`] and [`trend`] of `history` at `now`.
#[must_use]
pub fn summarise(history: &[FundingSample], now: DateTime<Utc>) -> FundingSummary {
    FundingSummary {
        window: windows(history, now),
        trend: trend(history, now),
    }
}

/// Windows (days) whose settlement sets a summary depends on: 1, 7 and 30 (the estimator's
/// trailing window is the 30-day one).
const SUMMARY_WINDOWS_DAYS: [u32; 3] = [1, 7, TRAILING_WINDOW_DAYS];

/// The first instant after `now` at which some window of [`summarise`] holds other settlements
/// than at `now` (a settlement of `history` reaches `now'`, or one leaves a window's start):
/// [`summarise`]`(history, now')` equals [`summarise`]`(history, now)` for every `now'` in
/// `[now, unchanged_until)`. `None` when no settlement will ever enter or leave.
#[must_use]
pub fn unchanged_until(history: &[FundingSample], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let enters = history.iter().map(|s| s.time).filter(|t| *t > now).min();
    let leaves = SUMMARY_WINDOWS_DAYS.iter().filter_map(|&days| {
        let width = TimeDelta::days(i64::from(days));
        let start = now.checked_sub_signed(width)?;
        history
            .iter()
            .map(|s| s.time)
            .filter(|t| *t > start && *t <= now)
            .min()?
            .checked_add_signed(width)
    });
    enters.into_iter().chain(leaves).min()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::analyze::testkit::{alternating_signs, d, flipped_after};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(y: i32, mo: u32, day: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, day, h, 0, 0).unwrap()
    }

    fn s(time: DateTime<Utc>, rate: &str, interval: u32) -> FundingSample {
        FundingSample {
            time,
            rate: d(rate),
            interval_hours: Decimal::from(interval),
        }
    }

    fn close(y: i32, mo: u32, day: u32, c: &str) -> DailyClose {
        DailyClose {
            day: NaiveDate::from_ymd_opt(y, mo, day).unwrap(),
            close: d(c),
        }
    }

    fn approx(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    /// Mixed 8 h then 1 h settlements around `now` = 2024-03-01 00:00 UTC.
    fn mixed_history() -> Vec<FundingSample> {
        vec![
            // After `now`: excluded.
            s(at(2024, 3, 1, 1), "0.5", 1),
            // Exactly now − 1 d: excluded from the 1-day window.
            s(at(2024, 2, 29, 0), "0.01", 8),
            s(at(2024, 2, 29, 16), "-0.0002", 8),
            s(at(2024, 2, 29, 8), "0.0001", 8),
            s(at(2024, 2, 29, 17), "-0.00001", 1),
            s(at(2024, 2, 29, 18), "-0.00002", 1),
            s(at(2024, 2, 29, 19), "0.00003", 1),
            // Exactly now: included.
            s(at(2024, 3, 1, 0), "0.00002", 1),
            // Malformed interval: ignored.
            s(at(2024, 2, 29, 20), "-0.9", 0),
        ]
    }

    #[test]
    fn funding_stats_on_mixed_intervals() {
        let now = at(2024, 3, 1, 0);
        let st = funding_stats(&mixed_history(), now, 1);
        // In (now − 1 d, now]: 08:00 +0.0001/8h, 16:00 −0.0002/8h, 17:00 −0.00001/1h,
        // 18:00 −0.00002/1h, 19:00 +0.00003/1h, 00:00 +0.00002/1h. Covered 20 h >= 12 h.
        assert_eq!(st.settlements, 6);
        // Σr = −0.00008 → −0.00008 · 365 / 1 · 100 = −2.92 %.
        assert_eq!(st.apr_pct, Some(d("-2.92")));
        // Positive: 0.0001, 0.00003, 0.00002 → 3 / 6.
        assert_eq!(st.pos_share, Some(0.5));
        // In time order the run 16:00, 17:00, 18:00 is negative.
        assert_eq!(st.longest_negative_streak, 3);
        // Per-settlement APRs r · 24 / h · 365 · 100: 10.95, −21.9, −8.76, −17.52, 26.28, 17.52;
        // mean 6.57 / 6 = 1.095; deviations 9.855, −22.995, −9.855, −18.615, 25.185, 16.425;
        // Σ squares = 1973.59515; sample variance / 5 = 394.71903.
        let expected_std = 394.719_03_f64.sqrt();
        let std = st.std_pct.unwrap();
        assert!(approx(std, expected_std, 1e-9), "{std} vs {expected_std}");
    }

    #[test]
    fn funding_stats_window_boundary_excludes_start_includes_now() {
        let now = at(2024, 3, 1, 0);
        // Only the two boundary settlements, 8 h each: (now − 1 d) excluded, now included.
        let history = [s(at(2024, 2, 29, 0), "0.001", 8), s(now, "0.0001", 8)];
        let st = funding_stats(&history, now, 1);
        assert_eq!(st.settlements, 1);
        // 8 h of 24 covered < half: too little history.
        assert_eq!((st.apr_pct, st.pos_share, st.std_pct), (None, None, None));
        // One minute later the start one is still excluded, now − 1 d + 1 min one is not.
        let history = [
            s(at(2024, 2, 29, 0) + TimeDelta::minutes(1), "0.001", 8),
            s(now, "0.0001", 8),
        ];
        let st = funding_stats(&history, now, 1);
        assert_eq!(st.settlements, 2);
        // Σr = 0.0011 · 365 · 100 = 40.15 %.
        assert_eq!(st.apr_pct, Some(d("40.15")));
        assert_eq!(st.pos_share, Some(1.0));
        // APRs 0.001 · 3 · 365 · 100 = 109.5 and 10.95: sample std = |a − b| / √2 = 98.55 / √2.
        assert!(approx(st.std_pct.unwrap(), 98.55 / 2f64.sqrt(), 1e-9));
        assert_eq!(st.longest_negative_streak, 0);
    }

    #[test]
    fn funding_stats_too_little_history_is_none() {
        let now = at(2024, 3, 1, 0);
        // Over 7 days the mixed history covers 28 h < 84 h.
        let st = funding_stats(&mixed_history(), now, 7);
        assert_eq!(st.settlements, 7);
        assert_eq!((st.apr_pct, st.pos_share, st.std_pct), (None, None, None));
        assert_eq!(
            st.longest_negative_streak, 3,
            "the streak is still reported"
        );
        // An 8 h perp over 1 day holds 3 settlements: 2 are enough (16 h >= 12 h), 1 is not.
        let two = [s(at(2024, 2, 29, 16), "0.0001", 8), s(now, "0.0001", 8)];
        assert_eq!(funding_stats(&two, now, 1).apr_pct, Some(d("7.3")));
        assert_eq!(funding_stats(&two[1..], now, 1).apr_pct, None);
        // An empty history and a zero window.
        assert_eq!(funding_stats(&[], now, 30).apr_pct, None);
        let st = funding_stats(&two, now, 0);
        assert_eq!((st.settlements, st.apr_pct), (0, None));
    }

    #[test]
    fn windows_reports_each_window() {
        let now = at(2024, 3, 1, 0);
        // 30 days of 8 h settlements: 0.0001 except the last day, −0.0001 each.
        let history: Vec<FundingSample> = (0..90)
            .map(|i| {
                let time = now - TimeDelta::hours(8 * i);
                let rate = if i < 3 { "-0.0001" } else { "0.0001" };
                s(time, rate, 8)
            })
            .collect();
        let w = windows(&history, now);
        // 1 d: 3 · −0.0001 · 365 · 100 = −10.95; 7 d: (18 − 3) · 0.0001 · 365 / 7 · 100;
        // 30 d: (87 − 3) · 0.0001 · 365 / 30 · 100 = 10.22.
        assert_eq!(w.apr_1d, Some(d("-10.95")));
        assert_eq!(w.apr_7d, Some(d("54.75") / d("7")));
        assert_eq!(w.d30.apr_pct, Some(d("10.22")));
        assert_eq!(w.d30.pos_share, Some(87.0 / 90.0));
        assert_eq!(w.d30.longest_negative_streak, 3);
        assert_eq!(w.d30.settlements, 90);
        assert!(w.d30.std_pct.is_some_and(|x| x > 0.0));
    }

    /// Closes alternating 100, 110 from 2024-01-01 for `days` days.
    fn alternating(days: u32) -> Vec<DailyClose> {
        (0..days)
            .map(|i| DailyClose {
                day: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + TimeDelta::days(i64::from(i)),
                close: if i % 2 == 0 { d("100") } else { d("110") },
            })
            .collect()
    }

    #[test]
    fn realised_vol_of_alternating_returns() {
        // 15 closes (Jan 1..15) → 14 returns ±ln 1.1, mean 0: sample std = ln 1.1 · √(14/13).
        let closes = alternating(15);
        // Jan 15's bar closes Jan 16 00:00.
        let now = at(2024, 1, 16, 0);
        let l = 1.1f64.ln();
        let expected = l * (14.0f64 / 13.0).sqrt() * 365f64.sqrt();
        let vol = realised_vol(&closes, now).unwrap();
        assert!(approx(vol, expected, 1e-12), "{vol} vs {expected}");
        // An hour earlier Jan 15 is unfinished: 13 returns, too few.
        assert_eq!(realised_vol(&closes, now - TimeDelta::hours(1)), None);
        // 14 closes give 13 returns: too few.
        assert_eq!(realised_vol(&alternating(14), now), None);
    }

    #[test]
    fn realised_vol_skips_gaps_and_old_days() {
        let l = 1.1f64.ln();
        let now = at(2024, 1, 17, 0);
        // Jan 1..16: 15 returns, 8 × +l (Jan 2, 4, …) and 7 × −l.
        let closes = alternating(16);
        let mean = l / 15.0;
        let ss = 8.0 * (l - mean).powi(2) + 7.0 * (-l - mean).powi(2);
        let expected = (ss / 14.0).sqrt() * 365f64.sqrt();
        assert!(approx(realised_vol(&closes, now).unwrap(), expected, 1e-12));
        // Without Jan 8: returns Jan 2..7 and Jan 10..16 = 13; the two-day Jan 7 → Jan 9 move
        // is not a daily return (counting it would make 14).
        let mut gappy = alternating(16);
        gappy.remove(7);
        assert_eq!(realised_vol(&gappy, now), None);

        // Jan 1..Feb 10 with now = Feb 10 00:00: the returns closing in (Jan 11, Feb 10] are
        // those of Jan 11..Feb 9 (30); Feb 10's bar is unfinished. A jump on Jan 9 only
        // touches the returns of Jan 9 and Jan 10 (closing Jan 11 00:00 = now − 30 d: out).
        let now = at(2024, 2, 10, 0);
        let mut long = alternating(41);
        long[8].close = d("1000000");
        // Jan 11 (100) after Jan 10 (110) is −l, then alternating: 15 × −l, 15 × +l.
        let expected = l * (30.0f64 / 29.0).sqrt() * 365f64.sqrt();
        let vol = realised_vol(&long, now).unwrap();
        assert!(approx(vol, expected, 1e-12), "{vol} vs {expected}");
        // The same jump on Jan 10 changes Jan 11's return, which is inside.
        let mut long = alternating(41);
        long[9].close = d("1000000");
        assert!(realised_vol(&long, now).unwrap() > 2.0 * expected);
    }

    /// Closes from a start price and the signs of ±ln 1.1 daily returns.
    fn from_signs(signs: &[i8]) -> Vec<DailyClose> {
        // Start high enough that every price is 100 · 1.1^k with k >= 0 (exact decimals).
        let mut price = d("259.37424601"); // 100 · 1.1^10
        let day0 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let mut out = vec![DailyClose {
            day: day0,
            close: price,
        }];
        for (i, sign) in signs.iter().enumerate() {
            price = if *sign > 0 {
                price * d("1.1")
            } else {
                price / d("1.1")
            };
            out.push(DailyClose {
                day: day0 + TimeDelta::days(i as i64 + 1),
                close: price,
            });
        }
        out
    }

    #[test]
    fn correlation_on_common_days() {
        let now = at(2024, 1, 20, 0);
        let a_signs = alternating_signs(14);
        // c = a for the first 8 returns, −a for the last 6: Σ a·c = (8 − 6) l², both means 0,
        // both Σ squares 14 l² → ρ = 2 / 14.
        let c_signs = flipped_after(&a_signs, 8);
        let (a, c) = (from_signs(&a_signs), from_signs(&c_signs));
        let rho = correlation(&a, &c, now).unwrap();
        assert!(approx(rho, 1.0 / 7.0, 1e-9), "{rho}");
        // Opposite signs → −1; identical → 1.
        let neg: Vec<i8> = a_signs.iter().map(|s| -s).collect();
        assert!(approx(
            correlation(&a, &from_signs(&neg), now).unwrap(),
            -1.0,
            1e-9
        ));
        assert!(approx(correlation(&a, &a, now).unwrap(), 1.0, 1e-9));
        // Drop one of c's days in the middle: two returns vanish → 12 common, too few.
        let mut gappy = c.clone();
        gappy.remove(5);
        assert_eq!(correlation(&a, &gappy, now), None);
        // A constant series has no correlation.
        let flat: Vec<DailyClose> = (0..15).map(|i| close(2024, 1, 1 + i, "100")).collect();
        assert_eq!(correlation(&a, &flat, now), None);
    }

    /// splitmix64, a small seeded generator for the simulations.
    struct SplitMix(u64);

    impl SplitMix {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in (0, 1).
        fn uniform(&mut self) -> f64 {
            ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }

        /// Standard normal (Box–Muller).
        fn normal(&mut self) -> f64 {
            let (u, v) = (self.uniform(), self.uniform());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        }
    }

    /// Per-hour rates at `steps` settlements: `x' = μ + φ (x − μ) + σ ε` (φ = 1: random walk).
    fn simulate(phi: f64, mu: f64, sigma: f64, steps: usize, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix(seed);
        let mut x = mu;
        (0..steps)
            .map(|_| {
                x = mu + phi * (x - mu) + sigma * rng.normal();
                x
            })
            .collect()
    }

    /// Mean absolute errors (estimator, constant) predicting the average per-hour rate of the
    /// next `hold` days from every `stride`-th start after 30 days of history.
    fn forecast_errors(rates: &[f64], interval: i64, hold: i64, stride: usize) -> (f64, f64) {
        let t0 = at(2024, 1, 1, 0);
        let history: Vec<FundingSample> = rates
            .iter()
            .enumerate()
            .map(|(i, x)| FundingSample {
                time: t0 + TimeDelta::hours(interval * i as i64),
                rate: Decimal::from_f64(x * interval as f64).unwrap().round_dp(12),
                interval_hours: Decimal::from(interval),
            })
            .collect();
        let n = (hold * 24 / interval) as usize;
        let first = (30 * 24 / interval) as usize;
        let (mut est_err, mut const_err, mut count) = (0.0, 0.0, 0.0);
        let mut start = first;
        while start + n <= rates.len() {
            // `start − 1` has just settled; `start` is the current (predicted) rate.
            let now = history[start - 1].time;
            let current = history[start].rate / history[start].interval_hours;
            let target = rates[start..start + n].iter().sum::<f64>() / n as f64;
            let (est, _) = expected_rate_per_hour(current, &history, now, Decimal::from(hold));
            est_err += (est.to_f64().unwrap() - target).abs();
            const_err += (current.to_f64().unwrap() - target).abs();
            count += 1.0;
            start += stride;
        }
        (est_err / count, const_err / count)
    }

    /// [`forecast_errors`] pooled over three seeded AR(1) histories of `steps` settlements of
    /// `interval` hours, around `μ` = 0.01 % per 8 h, stationary sd 2 μ (random walk, φ = 1:
    /// innovations of `0.3 μ · √(interval / 8)`), 7-day horizon.
    fn pooled_errors(phi: f64, interval: i64, steps: usize, stride: usize) -> (f64, f64) {
        let mu = 0.0001 / 8.0;
        let sigma = if phi < 1.0 {
            2.0 * mu * (1.0 - phi * phi).sqrt()
        } else {
            0.3 * mu * (interval as f64 / 8.0).sqrt()
        };
        let (mut est, mut constant) = (0.0, 0.0);
        for seed in [7, 11, 13] {
            let rates = simulate(phi, mu, sigma, steps, seed);
            let (e, c) = forecast_errors(&rates, interval, 7, stride);
            est += e / 3.0;
            constant += c / 3.0;
        }
        eprintln!(
            "φ = {phi}, {interval} h: estimator MAE {est:.3e}, constant MAE {constant:.3e}, \
             ratio {:.3}",
            est / constant
        );
        (est, constant)
    }

    /// Asserts that the estimator's pooled error ([`pooled_errors`]) on a history of `phi` per
    /// settlement every `interval` hours is below `factor` × the constant forecast's.
    #[track_caller]
    fn assert_error_below(factor: f64, phi: f64, interval: i64, steps: usize, stride: usize) {
        let (est, constant) = pooled_errors(phi, interval, steps, stride);
        assert!(
            est < factor * constant,
            "{est:e} vs {factor} × {constant:e}"
        );
    }

    #[test]
    fn estimator_beats_constant_on_mean_reverting_history() {
        // 8 h settlements, φ = 0.8 per settlement (half-life about a day).
        assert_error_below(0.8, 0.8, 8, 3000, 3);
        // More persistent, φ = 0.9 per 8 h (half-life 2.2 days): a smaller but clear gain.
        assert_error_below(0.95, 0.9, 8, 3000, 3);
        // Hourly settlements, φ = 0.97 per hour (half-life 23 h).
        assert_error_below(0.75, 0.97, 1, 6000, 24);
    }

    #[test]
    fn estimator_costs_little_on_a_random_walk() {
        // No reversion at all: the estimator's φ stays close to 1, so it shrinks little.
        assert_error_below(1.1, 1.0, 8, 3000, 3);
        assert_error_below(1.1, 1.0, 1, 6000, 24);
    }

    #[test]
    fn estimator_falls_back_to_current_with_little_history() {
        let now = at(2024, 3, 1, 0);
        let current = d("0.0005");
        // 2 days of 8 h settlements (48 h < 72 h).
        let short: Vec<FundingSample> = (0..6)
            .map(|i| s(now - TimeDelta::hours(8 * i), "0.0001", 8))
            .collect();
        let got = expected_rate_per_hour(current, &short, now, d("7"));
        assert_eq!(got, (current, Estimator::Current));
        // Plenty of constant history: no variation to estimate φ from.
        let flat: Vec<FundingSample> = (0..90)
            .map(|i| s(now - TimeDelta::hours(8 * i), "0.0001", 8))
            .collect();
        assert_eq!(
            expected_rate_per_hour(current, &flat, now, d("7")),
            (current, Estimator::Current)
        );
        // A non-positive horizon.
        assert_eq!(
            expected_rate_per_hour(current, &flat, now, Decimal::ZERO).1,
            Estimator::Current
        );
    }

    #[test]
    fn estimator_shrinks_an_uncorrelated_history_to_the_mean() {
        let now = at(2024, 3, 1, 0);
        // 90 settlements of 8 h alternating 0.0003 / −0.0001: μ = Σr / Σh = 0.009 / 720 =
        // 0.0000125 per hour; lag-1 slope −1 → φ = 0, so w = 1 / n with n = 21.
        let history: Vec<FundingSample> = (0..90)
            .map(|i| {
                let rate = if i % 2 == 0 { "0.0003" } else { "-0.0001" };
                s(now - TimeDelta::hours(8 * i), rate, 8)
            })
            .collect();
        let current = d("0.0001");
        let (est, how) = expected_rate_per_hour(current, &history, now, d("7"));
        let Estimator::MeanReverting {
            mean_per_hour,
            phi,
            step_hours,
            weight,
        } = how
        else {
            panic!("expected a blend, got {how:?}");
        };
        assert_eq!(mean_per_hour, d("0.0000125"));
        assert_eq!((phi, step_hours), (0.0, d("8")));
        assert!(approx(weight, 1.0 / 21.0, 1e-12));
        // μ + (x₀ − μ) / 21 = 0.0000125 + 0.0000875 / 21.
        let expected = 0.0000125 + 0.0000875 / 21.0;
        assert!(approx(est.to_f64().unwrap(), expected, 1e-15), "{est}");
    }

    fn arb_settlement(now: DateTime<Utc>) -> impl Strategy<Value = FundingSample> {
        (
            -60i64 * 24..=24,
            any::<i64>(),
            0u32..=28,
            prop::sample::select(vec![-1i64, 0, 1, 2, 4, 8]),
        )
            .prop_map(move |(hours, mantissa, scale, interval)| FundingSample {
                time: now + TimeDelta::hours(hours),
                rate: Decimal::new(mantissa, scale),
                interval_hours: Decimal::from(interval),
            })
    }

    proptest! {
        #[test]
        fn funding_stats_never_panics(
            history in prop::collection::vec(arb_settlement(at(2024, 3, 1, 0)), 0..200),
            window in 0u32..40,
        ) {
            let st = funding_stats(&history, at(2024, 3, 1, 0), window);
            prop_assert!(st.settlements <= history.len());
            prop_assert!(st.longest_negative_streak <= st.settlements);
            if let Some(p) = st.pos_share {
                prop_assert!((0.0..=1.0).contains(&p));
            }
            if let Some(sd) = st.std_pct {
                prop_assert!(sd >= 0.0);
            }
        }

        #[test]
        fn estimator_lies_between_current_and_mean(
            rates in prop::collection::vec(-1000i64..1000, 0..120),
            interval in prop::sample::select(vec![1i64, 4, 8]),
            current in -100_000i64..100_000,
            hold in 1i64..60,
        ) {
            let now = at(2024, 3, 1, 0);
            let history: Vec<FundingSample> = rates
                .iter()
                .enumerate()
                .map(|(i, r)| FundingSample {
                    time: now - TimeDelta::hours(interval * i as i64),
                    rate: Decimal::new(*r, 6),
                    interval_hours: Decimal::from(interval),
                })
                .collect();
            let current = Decimal::new(current, 8);
            let (est, how) =
                expected_rate_per_hour(current, &history, now, Decimal::new(hold, 0));
            match how {
                Estimator::Current => prop_assert_eq!(est, current),
                Estimator::MeanReverting { mean_per_hour, phi, weight, .. } => {
                    // The trailing mean, computed independently: Σ r / Σ h over 30 days.
                    let kept: Vec<&FundingSample> = history
                        .iter()
                        .filter(|s| s.time > now - TimeDelta::days(30))
                        .collect();
                    let sum: Decimal = kept.iter().map(|s| s.rate).sum();
                    let hours = Decimal::from(interval) * Decimal::from(kept.len());
                    prop_assert_eq!(mean_per_hour, sum / hours);
                    prop_assert!(est >= current.min(mean_per_hour));
                    prop_assert!(est <= current.max(mean_per_hour));
                    prop_assert!((0.0..=MAX_PHI).contains(&phi));
                    prop_assert!((0.0..=1.0).contains(&weight));
                }
            }
        }

        /// A summary holds, bit for bit, at every time before `unchanged_until`, and a
        /// settlement in `history` is what ends it (something changes at `until` or the
        /// window was reached exactly then).
        #[test]
        fn summaries_hold_until_a_settlement_enters_or_leaves(
            offsets in prop::collection::vec((-800i64..200, -50i64..50, prop::sample::select(vec![1i64, 4, 8])), 0..60),
            later in prop::collection::vec(0i64..50_000, 1..6),
        ) {
            let now = at(2026, 3, 1, 0) + TimeDelta::minutes(17);
            let history: Vec<FundingSample> = offsets
                .iter()
                .map(|(hours, rate, interval)| FundingSample {
                    time: now + TimeDelta::hours(*hours),
                    rate: Decimal::new(*rate, 5),
                    interval_hours: Decimal::from(*interval),
                })
                .collect();
            let here = summarise(&history, now);
            let until = unchanged_until(&history, now);
            if let Some(until) = until {
                prop_assert!(until > now);
                prop_assert!(
                    history.iter().any(|s| s.time == until
                        || [1, 7, 30].iter().any(|d| s.time + TimeDelta::days(*d) == until)),
                    "until {until} is no settlement's entry or exit"
                );
            }
            for minutes in later {
                let then = now + TimeDelta::minutes(minutes);
                if until.is_none_or(|u| then < u) {
                    prop_assert_eq!(summarise(&history, then), here);
                }
            }
        }

        /// The estimator from a kept trend is the estimator from the history.
        #[test]
        fn the_trend_gives_the_estimator(
            rates in prop::collection::vec(-300i64..600, 0..120),
            current in -5_000i64..10_000,
            hold in -1i64..60,
        ) {
            let now = at(2026, 3, 1, 0);
            let history: Vec<FundingSample> = rates
                .iter()
                .enumerate()
                .map(|(i, r)| FundingSample {
                    time: now - TimeDelta::hours(8 * i as i64),
                    rate: Decimal::new(*r, 6),
                    interval_hours: Decimal::from(8),
                })
                .collect();
            let current = Decimal::new(current, 8);
            let hold = Decimal::new(hold, 0);
            let kept = summarise(&history, now).trend;
            prop_assert_eq!(
                expected_rate_per_hour(current, &history, now, hold),
                kept.and_then(|t| expected_from_trend(current, &t, hold))
                    .unwrap_or((current, Estimator::Current))
            );
        }
    }
}
