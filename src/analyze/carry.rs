//! Trade economics in `Decimal`: funding APR, expected funding, round-trip cost, net APR, basis.
//!
//! Every function is checked: `None` on a zero or negative divisor or on overflow, so malformed
//! market data skips a candidate instead of panicking.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::model::PerpQuote;

/// Hours in a day.
const HOURS_PER_DAY: Decimal = Decimal::from_parts(24, 0, 0, false, 0);
/// Days in a year (simple, not compounded, APR).
const DAYS_PER_YEAR: Decimal = Decimal::from_parts(365, 0, 0, false, 0);
/// Percent per unit.
const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// Simple annualised funding: `r * (24 / h) * 365`, with the perp's own interval `h` (hours).
/// `None` when `h <= 0`.
#[must_use]
pub fn funding_apr(rate: Decimal, interval_hours: Decimal) -> Option<Decimal> {
    if interval_hours <= Decimal::ZERO {
        return None;
    }
    rate.checked_mul(HOURS_PER_DAY * DAYS_PER_YEAR)?
        .checked_div(interval_hours)
}

/// Expected funding over the horizon, a fraction of notional: `E = (r / h) * 24 * H`.
/// `None` when `h <= 0`.
#[must_use]
pub fn expected_funding(
    rate: Decimal,
    interval_hours: Decimal,
    hold_days: Decimal,
) -> Option<Decimal> {
    if interval_hours <= Decimal::ZERO {
        return None;
    }
    rate.checked_mul(HOURS_PER_DAY)?
        .checked_mul(hold_days)?
        .checked_div(interval_hours)
}

/// Expected funding over the horizon from a per-hour rate `x` (e.g. one blended toward the
/// trailing mean), a fraction of notional: `E = x * 24 * H`. `None` on overflow.
#[must_use]
pub fn expected_funding_per_hour(per_hour: Decimal, hold_days: Decimal) -> Option<Decimal> {
    per_hour.checked_mul(HOURS_PER_DAY)?.checked_mul(hold_days)
}

/// Half-spread of a book, `s = (ask − bid) / (ask + bid)`. `None` unless `bid > 0`, `ask > 0`
/// and `ask >= bid` (a crossed book is treated as bad data, like a missing side).
#[must_use]
pub fn half_spread(bid: Decimal, ask: Decimal) -> Option<Decimal> {
    if bid <= Decimal::ZERO || ask <= Decimal::ZERO || ask < bid {
        return None;
    }
    (ask - bid).checked_div(ask.checked_add(bid)?)
}

/// Round trip (enter and exit, taker, crossing half the spread on each leg), a fraction of
/// notional: `cost = 2 * (f_long + s_long + f_short + s_short)`.
#[must_use]
pub fn round_trip_cost(
    fee_long: Decimal,
    spread_long: Decimal,
    fee_short: Decimal,
    spread_short: Decimal,
) -> Option<Decimal> {
    fee_long
        .checked_add(spread_long)?
        .checked_add(fee_short)?
        .checked_add(spread_short)?
        .checked_mul(Decimal::TWO)
}

/// `amount * 365 / H`: an amount earned over the hold, per year. `None` when `H <= 0`.
fn per_year(amount: Decimal, hold_days: Decimal) -> Option<Decimal> {
    if hold_days <= Decimal::ZERO {
        return None;
    }
    amount.checked_mul(DAYS_PER_YEAR)?.checked_div(hold_days)
}

/// Annualised return net of costs: `net_apr = (E − cost) * 365 / H`. `None` when `H <= 0`.
#[must_use]
pub fn net_apr(expected: Decimal, cost: Decimal, hold_days: Decimal) -> Option<Decimal> {
    per_year(expected.checked_sub(cost)?, hold_days)
}

/// `net_apr − liq_prob * (liquidation_fee + cost) * 365 / H`. `None` when `H <= 0`.
#[must_use]
pub fn risk_adjusted_apr(
    net_apr: Decimal,
    liq_prob: Decimal,
    liquidation_fee: Decimal,
    cost: Decimal,
    hold_days: Decimal,
) -> Option<Decimal> {
    let expected_loss = liq_prob.checked_mul(liquidation_fee.checked_add(cost)?)?;
    net_apr.checked_sub(per_year(expected_loss, hold_days)?)
}

/// `(short_mid − long_mid) / long_mid * 100`, both per one unit of the asset (for `carry`:
/// `(perp_mid / multiplier − spot_mid) / spot_mid * 100`). `None` unless `long_mid > 0`.
#[must_use]
pub fn basis_pct(short_mid: Decimal, long_mid: Decimal) -> Option<Decimal> {
    if long_mid <= Decimal::ZERO {
        return None;
    }
    short_mid
        .checked_sub(long_mid)?
        .checked_div(long_mid)?
        .checked_mul(HUNDRED)
}

/// A fraction as the reported percent: `× 100`, rounded to 6 decimal places (midpoint away from
/// zero), trailing zeros removed.
#[must_use]
pub fn to_pct(fraction: Decimal) -> Option<Decimal> {
    Some(round6(fraction.checked_mul(HUNDRED)?))
}

/// Rounds a reported percent to 6 decimal places (midpoint away from zero), trailing zeros
/// removed.
#[must_use]
pub fn round6(value: Decimal) -> Decimal {
    value
        .round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// One leg's book, per one unit of the asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Book {
    /// Best bid per unit.
    pub bid: Decimal,
    /// Best ask per unit.
    pub ask: Decimal,
    /// Mid per unit.
    pub mid: Decimal,
    /// Half-spread `s` (a ratio, so the multiplier does not matter).
    pub half_spread: Decimal,
}

impl Book {
    /// A book from raw quotes of a market quoting `multiplier` units of the asset per price.
    /// `None` unless both sides are present and positive and the book is not crossed.
    #[must_use]
    pub fn new(bid: Option<Decimal>, ask: Option<Decimal>, multiplier: Decimal) -> Option<Book> {
        let (bid, ask) = (bid?, ask?);
        let half_spread = half_spread(bid, ask)?;
        let per_unit = |x: Decimal| {
            if multiplier.is_zero() || multiplier == Decimal::ONE {
                Some(x)
            } else {
                x.checked_div(multiplier)
            }
        };
        let mid = bid.checked_add(ask)?.checked_div(Decimal::TWO)?;
        Some(Book {
            bid: per_unit(bid)?,
            ask: per_unit(ask)?,
            mid: per_unit(mid)?,
            half_spread,
        })
    }

    /// The book of a perp, its multiplier divided out.
    #[must_use]
    pub fn of_perp(perp: &PerpQuote) -> Option<Book> {
        Book::new(perp.bid, perp.ask, perp.multiplier)
    }
}

/// The Decimal side of one opportunity, as fractions (not percent), unrounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Economics {
    /// `r * (24 / h) * 365`.
    pub funding_apr: Decimal,
    /// `E = (r / h) * 24 * H`.
    pub expected: Decimal,
    /// Round-trip cost.
    pub cost: Decimal,
    /// `(E − cost) * 365 / H`.
    pub net_apr: Decimal,
    /// Basis in percent, unrounded.
    pub basis_pct: Decimal,
}

impl Economics {
    /// Economics of a trade that is paid `rate` per `interval_hours` on its short leg, crossing
    /// `long` (taker fee `fee_long`) and `short` (taker fee `fee_short`), held `hold_days`.
    #[must_use]
    pub fn new(
        rate: Decimal,
        interval_hours: Decimal,
        hold_days: Decimal,
        (long, fee_long): (Book, Decimal),
        (short, fee_short): (Book, Decimal),
    ) -> Option<Economics> {
        let funding_apr = funding_apr(rate, interval_hours)?;
        let expected = expected_funding(rate, interval_hours, hold_days)?;
        let cost = round_trip_cost(fee_long, long.half_spread, fee_short, short.half_spread)?;
        let net_apr = net_apr(expected, cost, hold_days)?;
        let basis_pct = basis_pct(short.mid, long.mid)?;
        Some(Economics {
            funding_apr,
            expected,
            cost,
            net_apr,
            basis_pct,
        })
    }

    /// The same trade with `E` from an expected per-hour rate instead of the current print
    /// ([`expected_funding_per_hour`]), `net_apr` recomputed; `funding_apr` stays the current
    /// rate's. `None` when `H <= 0` or on overflow.
    #[must_use]
    pub fn with_expected_per_hour(
        self,
        per_hour: Decimal,
        hold_days: Decimal,
    ) -> Option<Economics> {
        let expected = expected_funding_per_hour(per_hour, hold_days)?;
        Some(Economics {
            expected,
            net_apr: net_apr(expected, self.cost, hold_days)?,
            ..self
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::analyze::testkit::d;

    #[test]
    fn funding_apr_uses_the_perps_own_interval() {
        // 0.01 % per 8 h = 0.0001 * 3 * 365 = 0.1095; per 1 h = 0.0001 * 24 * 365 = 0.876
        assert_eq!(funding_apr(d("0.0001"), d("8")), Some(d("0.1095")));
        assert_eq!(funding_apr(d("0.0001"), d("1")), Some(d("0.876")));
        assert_eq!(funding_apr(d("0.0001"), d("4")), Some(d("0.219")));
        assert_eq!(funding_apr(d("-0.0002"), d("8")), Some(d("-0.219")));
        assert_eq!(funding_apr(d("0.0001"), Decimal::ZERO), None);
        assert_eq!(funding_apr(d("0.0001"), d("-8")), None);
    }

    #[test]
    fn expected_funding_over_the_horizon() {
        // 7 days of 0.01 % per 8 h = 21 payments = 0.0021; hourly: 168 payments = 0.0168
        assert_eq!(
            expected_funding(d("0.0001"), d("8"), d("7")),
            Some(d("0.0021"))
        );
        assert_eq!(
            expected_funding(d("0.0001"), d("1"), d("7")),
            Some(d("0.0168"))
        );
        assert_eq!(
            expected_funding(d("0.0003"), d("8"), d("1.5")),
            Some(d("0.00135"))
        );
        assert_eq!(expected_funding(d("0.0001"), d("0"), d("7")), None);
    }

    #[test]
    fn half_spread_and_cost() {
        // (100.1 − 99.9) / 200 = 0.001
        assert_eq!(half_spread(d("99.9"), d("100.1")), Some(d("0.001")));
        assert_eq!(half_spread(d("5"), d("5")), Some(Decimal::ZERO));
        assert_eq!(half_spread(d("0"), d("5")), None);
        assert_eq!(half_spread(d("5"), d("0")), None);
        assert_eq!(half_spread(d("5.1"), d("5")), None, "crossed");
        // 2 * (0.001 + 0.0002 + 0.0005 + 0.0001) = 0.0036
        assert_eq!(
            round_trip_cost(d("0.001"), d("0.0002"), d("0.0005"), d("0.0001")),
            Some(d("0.0036"))
        );
    }

    #[test]
    fn net_and_risk_adjusted_apr() {
        // (0.0021 − 0.0036) * 365 / 7 = −0.078214285…
        let n = net_apr(d("0.0021"), d("0.0036"), d("7")).unwrap();
        assert_eq!(n.round_dp(9), d("-0.078214286"));
        // (0.0168 − 0.0036) * 365 / 7 = 0.688285714…
        let n = net_apr(d("0.0168"), d("0.0036"), d("7")).unwrap();
        assert_eq!(n.round_dp(9), d("0.688285714"));
        // − 0.02 * (0.01 + 0.0036) * 365 / 7 = − 0.014182857…
        let r = risk_adjusted_apr(n, d("0.02"), d("0.01"), d("0.0036"), d("7")).unwrap();
        assert_eq!(r.round_dp(9), d("0.674102857"));
        assert_eq!(
            risk_adjusted_apr(n, Decimal::ZERO, d("0.01"), d("0.0036"), d("7")),
            Some(n)
        );
        assert_eq!(net_apr(d("0.01"), d("0"), d("0")), None);
    }

    #[test]
    fn thousand_x_contract_against_spot() {
        // 1000PEPEUSDT quotes 1000 coins: bid 0.0101, ask 0.0102 → per coin 0.0000101 / 0.0000102
        let perp = Book::new(Some(d("0.0101")), Some(d("0.0102")), d("1000")).unwrap();
        assert_eq!(perp.bid, d("0.0000101"));
        assert_eq!(perp.ask, d("0.0000102"));
        assert_eq!(perp.mid, d("0.00001015"));
        // Half-spread is a ratio: 0.0001 / 0.0203
        assert_eq!(perp.half_spread, d("0.0001") / d("0.0203"));
        let spot = Book::new(Some(d("0.00001")), Some(d("0.00001002")), Decimal::ONE).unwrap();
        // (0.00001015 − 0.00001001) / 0.00001001 * 100 = 1.398601…
        let b = basis_pct(perp.mid, spot.mid).unwrap();
        assert_eq!(round6(b), d("1.398601"));
        assert!(Book::new(None, Some(d("1")), Decimal::ONE).is_none());
        assert!(Book::new(Some(d("-1")), Some(d("1")), Decimal::ONE).is_none());
    }

    /// A carry over 7 days: spot 99.9/100.1 (fee 0.1 %), perp 100.15/100.25 (fee 0.05 %) paying
    /// 0.05 % per 8 h.
    fn economics() -> Economics {
        let spot = Book::new(Some(d("99.9")), Some(d("100.1")), Decimal::ONE).unwrap();
        let perp = Book::new(Some(d("100.15")), Some(d("100.25")), Decimal::ONE).unwrap();
        Economics::new(
            d("0.0005"),
            d("8"),
            d("7"),
            (spot, d("0.001")),
            (perp, d("0.0005")),
        )
        .unwrap()
    }

    #[test]
    fn economics_of_a_carry() {
        let e = economics();
        assert_eq!(e.funding_apr, d("0.5475"));
        assert_eq!(e.expected, d("0.0105"));
        // perp half-spread 0.1 / 200.4 = 0.000499002; cost = 2 * (0.001 + 0.001 + 0.0005 + 0.000499002)
        let cost = 2.0 * (0.001 + 0.001 + 0.0005 + 0.1 / 200.4);
        assert!((e.cost.to_string().parse::<f64>().unwrap() - cost).abs() < 1e-15);
        let net = (0.0105 - cost) * 365.0 / 7.0;
        assert!((e.net_apr.to_string().parse::<f64>().unwrap() - net).abs() < 1e-12);
        // (100.2 − 100) / 100 * 100 = 0.2
        assert_eq!(e.basis_pct, d("0.2"));
    }

    #[test]
    fn economics_with_an_expected_rate() {
        let e = economics();
        // 0.00002 per hour over 7 days: 0.00002 × 24 × 7 = 0.00336.
        assert_eq!(
            expected_funding_per_hour(d("0.00002"), d("7")),
            Some(d("0.00336"))
        );
        let b = e.with_expected_per_hour(d("0.00002"), d("7")).unwrap();
        assert_eq!(b.expected, d("0.00336"));
        assert_eq!(b.net_apr, (d("0.00336") - e.cost) * d("365") / d("7"));
        assert_eq!(
            (b.funding_apr, b.cost, b.basis_pct),
            (e.funding_apr, e.cost, e.basis_pct),
            "only E and net_apr move"
        );
        // The current rate per hour gives back the current economics.
        let same = e.with_expected_per_hour(d("0.0000625"), d("7")).unwrap();
        assert_eq!((same.expected, same.net_apr), (e.expected, e.net_apr));
        assert_eq!(e.with_expected_per_hour(d("0.00002"), Decimal::ZERO), None);
    }

    #[test]
    fn percent_rounding() {
        assert_eq!(to_pct(d("0.1095")), Some(d("10.95")));
        assert_eq!(to_pct(d("0.123456785")), Some(d("12.345679")));
        assert_eq!(to_pct(d("-0.123456785")), Some(d("-12.345679")));
        assert_eq!(to_pct(d("0.5")).unwrap().to_string(), "50");
        assert_eq!(round6(d("0.0000004")), Decimal::ZERO);
    }
}
