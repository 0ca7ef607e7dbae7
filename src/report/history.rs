//! `basis history` report: recorded funding of one asset per venue, with terminal sparklines.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::safe::{SYMBOL_CAP, display};
use crate::model::Venue;

/// One perp's recorded settlements.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Venue.
    pub venue: Venue,
    /// Venue symbol.
    pub symbol: String,
    /// Quote.
    pub quote: String,
    /// (settlement time, rate per interval, interval hours), oldest first.
    pub points: Vec<(DateTime<Utc>, Decimal, Decimal)>,
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// APR in percent of one settlement, normalised per hour (`r / h × 24 × 365 × 100`), so 1 h and
/// 8 h venues compare.
#[must_use]
pub fn apr_pct(rate: Decimal, interval_hours: Decimal) -> Option<f64> {
    if interval_hours <= Decimal::ZERO {
        return None;
    }
    (rate / interval_hours * Decimal::from(24 * 365 * 100)).to_f64()
}

/// A sparkline of `values` squeezed into at most `width` cells (bucket means), scaled between
/// the smallest and largest bucket.
#[must_use]
pub fn sparkline(values: &[f64], width: usize) -> String {
    if values.is_empty() || width == 0 {
        return String::new();
    }
    let buckets = values.len().min(width);
    let means: Vec<f64> = (0..buckets)
        .map(|b| {
            let lo = b * values.len() / buckets;
            let hi = ((b + 1) * values.len() / buckets).max(lo + 1);
            let slice = &values[lo..hi];
            #[allow(clippy::cast_precision_loss)]
            let mean = slice.iter().sum::<f64>() / slice.len() as f64;
            mean
        })
        .collect();
    let (min, max) = means
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    means
        .iter()
        .map(|&v| {
            if max - min < 1e-12 {
                BARS[3]
            } else {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let i = (((v - min) / (max - min)) * 7.0).round() as usize;
                BARS[i.min(7)]
            }
        })
        .collect()
}

/// Renders the funding record of `asset` over `days` days ending at `now`: one aligned line per
/// perp, its symbol shown through [`display`].
#[must_use]
pub fn render(asset: &str, days: u32, series: &[Series], now: DateTime<Utc>) -> Vec<u8> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{asset}: funding recorded over the last {days} days (APR per settlement, normalised per hour), {}",
        now.format("%Y-%m-%d %H:%M UTC")
    );
    if series.iter().all(|s| s.points.is_empty()) {
        out.push_str("\nNo recorded settlements: run `basis poll` or `basis scan` regularly (cron) to build the record.\n");
        return out.into_bytes();
    }
    let h = [
        "VENUE", "SYMBOL", "INT", "N", "MEAN", "LAST", "MIN", "MAX", "TREND",
    ];
    let symbols: Vec<_> = series
        .iter()
        .map(|s| display(&s.symbol, SYMBOL_CAP))
        .collect();
    let sw = symbols
        .iter()
        .zip(series)
        .filter(|(_, s)| !s.points.is_empty())
        .map(|(x, _)| x.chars().count())
        .fold(h[1].len(), usize::max);
    let _ = writeln!(
        out,
        "\n  {:<11} {:<sw$} {:>4} {:>6} {:>8} {:>8} {:>8} {:>8}  {}",
        h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
    );
    for (s, symbol) in series
        .iter()
        .zip(&symbols)
        .filter(|(s, _)| !s.points.is_empty())
    {
        let aprs: Vec<f64> = s
            .points
            .iter()
            .filter_map(|(_, r, h)| apr_pct(*r, *h))
            .collect();
        if aprs.is_empty() {
            continue;
        }
        #[allow(clippy::cast_precision_loss)]
        let mean = aprs.iter().sum::<f64>() / aprs.len() as f64;
        let min = aprs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = aprs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let interval = s.points.last().map_or(Decimal::ZERO, |p| p.2);
        let _ = writeln!(
            out,
            "  {:<11} {:<sw$} {:>3}h {:>6} {:>7.1}% {:>7.1}% {:>7.1}% {:>7.1}%  {}",
            s.venue.id(),
            symbol,
            interval.normalize(),
            aprs.len(),
            mean,
            aprs.last().copied().unwrap_or_default(),
            min,
            max,
            sparkline(&aprs, 40)
        );
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_hour_normalisation_makes_venues_compare() {
        // 0.01 % per 8 h and 0.00125 % per hour are the same 10.95 % a year.
        let a = apr_pct(Decimal::new(1, 4), Decimal::from(8)).expect("apr");
        let b = apr_pct(Decimal::new(125, 7), Decimal::ONE).expect("apr");
        assert!((a - 10.95).abs() < 1e-9 && (b - 10.95).abs() < 1e-9);
        assert_eq!(apr_pct(Decimal::ONE, Decimal::ZERO), None);
    }

    #[test]
    fn sparklines_scale_and_squeeze() {
        assert_eq!(
            sparkline(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], 8),
            "▁▂▃▄▅▆▇█"
        );
        assert_eq!(sparkline(&[5.0; 100], 10), "▄▄▄▄▄▄▄▄▄▄");
        assert_eq!(
            sparkline(&(0..100).map(f64::from).collect::<Vec<_>>(), 4)
                .chars()
                .count(),
            4
        );
        assert_eq!(sparkline(&[], 10), "");
    }

    #[test]
    fn report_lists_each_venue() {
        let now = DateTime::from_timestamp(1_764_000_000, 0).expect("t");
        let s = Series {
            venue: Venue::Okx,
            symbol: "BTC-USDT-SWAP".into(),
            quote: "USDT".into(),
            points: (0..9)
                .map(|i| {
                    (
                        now - chrono::Duration::hours(8 * i),
                        Decimal::new(1 + i, 4),
                        Decimal::from(8),
                    )
                })
                .collect(),
        };
        let text = String::from_utf8(render("BTC", 3, &[s], now)).expect("utf8");
        assert!(
            text.contains("okx") && text.contains("BTC-USDT-SWAP") && text.contains("8h"),
            "{text}"
        );
        assert!(text.contains('█'), "{text}");
        let empty = String::from_utf8(render("BTC", 3, &[], now)).expect("utf8");
        assert!(empty.contains("No recorded settlements"));
    }
}
