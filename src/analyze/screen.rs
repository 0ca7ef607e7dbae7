//! Row screens applied after ranking: rows built on an assumed funding interval, `--safe-only`.

use std::collections::BTreeSet;

use crate::model::{Kind, Market, Opportunity, Venue};

/// Flags each row whose paying perp (either perp leg of a `perp_spread`) has an assumed funding
/// interval ([`crate::learn`]), drops the `perp_spread` rows built on one (an understated
/// hourly rate on the long leg would overstate the spread; a carry row's APR is only ever
/// understated), drops rows whose `--leverage` is above their safe leverage when `safe_only`,
/// and numbers the rows left from 1. Returns how many rows `--safe-only` dropped.
pub fn screen(
    rows: &mut Vec<Opportunity>,
    assumed: &BTreeSet<(Venue, String)>,
    safe_only: bool,
) -> usize {
    let is_assumed = |venue: Venue, market: Market, symbol: &str| {
        market == Market::Perp && assumed.contains(&(venue, symbol.to_owned()))
    };
    if !assumed.is_empty() {
        rows.retain_mut(|o| {
            let short = is_assumed(o.short.venue, o.short.market, &o.short.symbol);
            let long = is_assumed(o.long.venue, o.long.market, &o.long.symbol);
            o.funding_interval_assumed = short || long;
            !(o.kind == Kind::PerpSpread && o.funding_interval_assumed)
        });
    }
    let before = rows.len();
    if safe_only {
        rows.retain(|o| o.leverage_ok);
    }
    for (i, o) in rows.iter_mut().enumerate() {
        o.rank = i + 1;
    }
    before - rows.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::sample;

    #[test]
    fn assumed_intervals_flag_carry_rows_and_drop_spreads_then_safe_only_renumbers() {
        let mut rows = sample::report().opportunities;
        let mut third = rows[0].clone();
        third.short.symbol = "ETHUSDT".into();
        rows.push(third);
        let first = rows[0].clone();
        let mut spread = rows[1].clone();
        spread.kind = Kind::PerpSpread;
        spread.long.market = Market::Perp;
        spread.long.symbol = "X_USDT".into();
        rows[1] = spread.clone();
        rows[2].leverage_ok = false;
        let n = rows.len();
        let assumed: BTreeSet<(Venue, String)> = [
            (first.short.venue, first.short.symbol.clone()),
            (spread.long.venue, "X_USDT".to_owned()),
        ]
        .into();
        let dropped = screen(&mut rows, &assumed, false);
        assert_eq!(dropped, 0);
        assert_eq!(rows.len(), n - 1, "the spread on an assumed leg is gone");
        assert!(rows[0].funding_interval_assumed);
        assert!(rows[1..].iter().all(|o| !o.funding_interval_assumed));
        assert_eq!(
            rows.iter().map(|o| o.rank).collect::<Vec<_>>(),
            (1..n).collect::<Vec<_>>()
        );
        let dropped = screen(&mut rows, &BTreeSet::new(), true);
        assert_eq!(dropped, 1);
        assert!(rows.iter().all(|o| o.leverage_ok));
        assert_eq!(rows.last().map(|o| o.rank), Some(n - 2));
    }
}
