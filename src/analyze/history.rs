//! Funding-history columns of opportunities (`apr_1d`, `apr_7d`, `apr_30d`, `pos_30d`) and the
//! filters on them (pure: the perps' funding summaries come from the caller).

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::stats::{FundingSummary, Window};
use crate::model::{Kind, Market, Opportunity, Venue};

/// What each perp's settled funding says at the scan's `now` ([`super::stats::summarise`]),
/// keyed by (venue, perp symbol).
pub type Histories = HashMap<(Venue, String), FundingSummary>;

/// Filters on the history columns; a row without history fails a filter that is set.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HistoryFilters {
    /// `--min-pos-share`: keep `pos_30d >= share`.
    pub min_pos_share: Option<f64>,
    /// `--min-apr-7d`: keep `apr_7d >= pct`.
    pub min_apr_7d_pct: Option<Decimal>,
}

impl HistoryFilters {
    /// Whether any filter is set.
    #[must_use]
    pub fn any(&self) -> bool {
        self.min_pos_share.is_some() || self.min_apr_7d_pct.is_some()
    }

    fn keeps(&self, o: &Opportunity) -> bool {
        self.min_pos_share
            .is_none_or(|m| o.pos_30d.is_some_and(|p| p >= m))
            && self
                .min_apr_7d_pct
                .is_none_or(|m| o.apr_7d.is_some_and(|a| a >= m))
    }
}

/// The perps whose history an opportunity needs (the paying perp; both for `perp_spread`).
#[must_use]
pub fn perps_of(o: &Opportunity) -> Vec<(Venue, String)> {
    let mut out = vec![(o.short.venue, o.short.symbol.clone())];
    if o.kind == Kind::PerpSpread && o.long.market == Market::Perp {
        out.push((o.long.venue, o.long.symbol.clone()));
    }
    out
}

fn round6(d: Decimal) -> Decimal {
    d.round_dp(6).normalize()
}

/// Fills the history columns from `histories`, applies `filters`, and renumbers the ranks.
/// carry and cross_carry take the short (paying) perp's record; perp_spread the short leg's
/// APRs minus the long leg's, and no positive share (the legs settle at different times).
pub fn enrich(
    opportunities: &mut Vec<Opportunity>,
    histories: &Histories,
    filters: HistoryFilters,
) {
    let window = |key: &(Venue, String)| -> Option<Window> { Some(histories.get(key)?.window) };
    for o in opportunities.iter_mut() {
        let short = window(&(o.short.venue, o.short.symbol.clone()));
        if o.kind == Kind::PerpSpread {
            let long = window(&(o.long.venue, o.long.symbol.clone()));
            let diff = |a: Option<Decimal>, b: Option<Decimal>| Some(round6(a? - b?));
            let (s, l) = (short.unwrap_or_default(), long.unwrap_or_default());
            o.apr_1d = diff(s.apr_1d, l.apr_1d);
            o.apr_7d = diff(s.apr_7d, l.apr_7d);
            o.apr_30d = diff(s.d30.apr_pct, l.d30.apr_pct);
            o.pos_30d = None;
        } else if let Some(w) = short {
            o.apr_1d = w.apr_1d.map(round6);
            o.apr_7d = w.apr_7d.map(round6);
            o.apr_30d = w.d30.apr_pct.map(round6);
            o.pos_30d = w.d30.pos_share;
        }
    }
    if filters.any() {
        opportunities.retain(|o| filters.keeps(o));
        for (i, o) in opportunities.iter_mut().enumerate() {
            o.rank = i + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::stats::summarise;
    use crate::model::FundingSample;
    use crate::model::Leg;
    use chrono::{DateTime, Utc};

    use crate::model::testkit::d as dec;

    /// A BTC/USDT row of `kind` at `rank` from its two legs (the figures are the sample's: the
    /// history columns do not read them).
    fn opp(
        kind: Kind,
        rank: usize,
        short: (Venue, &str),
        long: (Venue, Market, &str),
    ) -> Opportunity {
        let leg = |venue, market, symbol: &str| Leg {
            venue,
            market,
            symbol: symbol.into(),
            price: Decimal::ONE,
        };
        Opportunity {
            rank,
            kind,
            asset: "BTC".into(),
            long: leg(long.0, long.1, long.2),
            short: leg(short.0, Market::Perp, short.1),
            funding_rate: dec("0.0001"),
            ..Opportunity::sample()
        }
    }

    /// Every 8 h for `days` days ending at `now`, with `rate`.
    fn history(now: DateTime<Utc>, days: i64, rate: &str) -> Vec<FundingSample> {
        (0..days * 3)
            .rev()
            .map(|i| FundingSample {
                time: now - chrono::Duration::hours(8 * i),
                rate: dec(rate),
                interval_hours: dec("8"),
            })
            .collect()
    }

    #[test]
    fn columns_filters_and_ranks() {
        let now = DateTime::from_timestamp(1_764_000_000, 0).expect("t");
        let mut h = Histories::new();
        h.insert(
            (Venue::Okx, "BTC-USDT-SWAP".into()),
            summarise(&history(now, 30, "0.0001"), now),
        );
        h.insert(
            (Venue::Bybit, "BTCUSDT".into()),
            summarise(&history(now, 30, "0.0003"), now),
        );
        let mut rows = vec![
            opp(
                Kind::Carry,
                1,
                (Venue::Okx, "BTC-USDT-SWAP"),
                (Venue::Okx, Market::Spot, "BTC-USDT"),
            ),
            opp(
                Kind::PerpSpread,
                2,
                (Venue::Bybit, "BTCUSDT"),
                (Venue::Okx, Market::Perp, "BTC-USDT-SWAP"),
            ),
            opp(
                Kind::Carry,
                3,
                (Venue::Binance, "BTCUSDT"),
                (Venue::Binance, Market::Spot, "BTCUSDT"),
            ),
        ];
        enrich(&mut rows, &h, HistoryFilters::default());
        // 0.0001 three times a day: 0.0003 * 365 = 10.95 % a year, whatever the window.
        assert_eq!(rows[0].apr_7d, Some(dec("10.95")));
        assert_eq!(rows[0].apr_30d, Some(dec("10.95")));
        assert_eq!(rows[0].pos_30d, Some(1.0));
        // Spread: 32.85 % − 10.95 %.
        assert_eq!(rows[1].apr_7d, Some(dec("21.9")));
        assert_eq!(rows[1].pos_30d, None);
        // No history: null.
        assert_eq!(rows[2].apr_7d, None);

        let filters = HistoryFilters {
            min_pos_share: None,
            min_apr_7d_pct: Some(dec("15")),
        };
        enrich(&mut rows, &h, filters);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].kind, rows[0].rank), (Kind::PerpSpread, 1));
    }
}
