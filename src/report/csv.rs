//! CSV report: a header and one row per opportunity, legs flattened (`long_venue`, …).
//!
//! Text cells from the venue (asset, quote, symbols) go through [`csv_text`]: a spreadsheet never
//! evaluates them as formulas. Numbers are written as numbers (`-0.0003` stays negative), with
//! `liq_prob` rounded like the JSON report ([`super::json::liq_prob`]).

use std::fmt::Write as _;

use super::Report;
use super::safe::csv_text;

/// Column names, in order.
pub const HEADER: [&str; 29] = [
    "rank",
    "kind",
    "asset",
    "quote",
    "long_venue",
    "long_market",
    "long_symbol",
    "long_price",
    "short_venue",
    "short_market",
    "short_symbol",
    "short_price",
    "funding_rate",
    "funding_interval_hours",
    "next_funding_time",
    "funding_apr_pct",
    "basis_pct",
    "cost_pct",
    "net_apr_pct",
    "liq_prob",
    "risk_adj_apr_pct",
    "safe_leverage",
    "volume_24h_usd",
    "apr_1d",
    "apr_7d",
    "apr_30d",
    "pos_30d",
    "leverage_ok",
    "funding_interval_assumed",
];

fn field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// Renders `report` as CSV (RFC 4180 quoting). Venue status is not part of the rows; it goes to
/// stderr from the caller.
#[must_use]
pub fn render(report: &Report) -> Vec<u8> {
    let mut out = HEADER.join(",");
    out.push('\n');
    for o in &report.opportunities {
        let cells: [String; 29] = [
            o.rank.to_string(),
            o.kind.id().to_owned(),
            csv_text(&o.asset).into_owned(),
            csv_text(&o.quote).into_owned(),
            o.long.venue.id().to_owned(),
            o.long.market.id().to_owned(),
            csv_text(&o.long.symbol).into_owned(),
            o.long.price.to_string(),
            o.short.venue.id().to_owned(),
            o.short.market.id().to_owned(),
            csv_text(&o.short.symbol).into_owned(),
            o.short.price.to_string(),
            o.funding_rate.to_string(),
            o.funding_interval_hours.to_string(),
            o.next_funding_time
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            o.funding_apr_pct.to_string(),
            o.basis_pct.to_string(),
            o.cost_pct.to_string(),
            o.net_apr_pct.to_string(),
            super::json::liq_prob(o.liq_prob).to_string(),
            o.risk_adj_apr_pct.to_string(),
            o.safe_leverage.to_string(),
            o.volume_24h_usd.map(|v| v.to_string()).unwrap_or_default(),
            o.apr_1d.map(|v| v.to_string()).unwrap_or_default(),
            o.apr_7d.map(|v| v.to_string()).unwrap_or_default(),
            o.apr_30d.map(|v| v.to_string()).unwrap_or_default(),
            o.pos_30d.map(|v| v.to_string()).unwrap_or_default(),
            o.leverage_ok.to_string(),
            o.funding_interval_assumed.to_string(),
        ];
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            field(&mut out, c);
        }
        let _ = writeln!(out);
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let mut s = String::new();
        field(&mut s, "a,b\"c");
        assert_eq!(s, "\"a,b\"\"c\"");
    }
}

#[cfg(test)]
mod snapshot_tests {
    #[test]
    fn csv_report_snapshot() {
        let text = String::from_utf8(super::render(&super::super::sample::report())).expect("utf8");
        insta::assert_snapshot!(text);
    }
}
