//! JSON report: one object with `generated_at`, `params`, `venues`, `opportunities` (DESIGN.md).
//!
//! Names are written exactly as the venue sent them (JSON escapes what it must); `liq_prob`,
//! the one float, is rounded to 6 decimal places like the `*_pct` fields.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

use super::{ParamsEcho, Report, VenueLine};
use crate::model::Opportunity;

#[derive(Serialize)]
struct Out<'a> {
    generated_at: String,
    params: &'a ParamsEcho,
    venues: &'a [VenueLine],
    opportunities: Rows<'a>,
}

/// The ranked rows as written: each one's `liq_prob` rounded ([`liq_prob`]), one row copied at a
/// time.
struct Rows<'a>(&'a [Opportunity]);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for o in self.0 {
            let mut row = o.clone();
            row.liq_prob = liq_prob(o.liq_prob);
            seq.serialize_element(&row)?;
        }
        seq.end()
    }
}

/// A liquidation probability as reported in JSON and CSV: rounded to 6 decimal places (midpoint
/// away from zero), like the `*_pct` fields, so `8.513321492209514e-9` is written `0`.
#[must_use]
pub fn liq_prob(p: f64) -> f64 {
    Decimal::from_f64(p)
        .map(|d| d.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero))
        .and_then(|d| d.to_f64())
        .unwrap_or(p)
}

/// Writes `report` as pretty JSON followed by a newline into `out` (a `Vec`, or a buffered
/// stdout: a scan of every venue with `--min-apr -1000` is tens of MB, better not held twice).
///
/// # Errors
/// When `out` fails.
pub fn write(report: &Report, mut out: impl std::io::Write) -> std::io::Result<()> {
    let doc = Out {
        generated_at: report
            .generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        params: &report.params,
        venues: &report.venues,
        opportunities: Rows(&report.opportunities),
    };
    serde_json::to_writer_pretty(&mut out, &doc)?;
    out.write_all(b"\n")
}

/// Renders `report` as pretty JSON followed by a newline.
///
/// # Errors
/// Only if serialization fails (it does not for these types).
pub fn render(report: &Report) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = Vec::new();
    write(report, &mut bytes).map_err(serde_json::Error::io)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn liq_prob_is_rounded_to_six_places() {
        assert_eq!(super::liq_prob(8.513_321_492_209_514e-9), 0.0);
        assert_eq!(super::liq_prob(0.000_123_456_7).to_string(), "0.000123");
        assert_eq!(super::liq_prob(0.012_345_5).to_string(), "0.012346");
        assert_eq!(super::liq_prob(1.0), 1.0);
    }

    #[test]
    fn json_report_snapshot() {
        let bytes = super::render(&super::super::sample::report()).expect("renders");
        let text = String::from_utf8(bytes).expect("utf8");
        insta::assert_snapshot!(text);
    }
}
