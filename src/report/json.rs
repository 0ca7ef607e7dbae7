//! JSON report: one object with `generated_at`, `params`, `venues`, `opportunities` (DESIGN.md).

use serde::Serialize;

use super::{ParamsEcho, Report, VenueLine};
use crate::model::Opportunity;

#[derive(Serialize)]
struct Out<'a> {
    generated_at: String,
    params: &'a ParamsEcho,
    venues: &'a [VenueLine],
    opportunities: &'a [Opportunity],
}

/// Renders `report` as pretty JSON followed by a newline.
///
/// # Errors
/// Only if serialization fails (it does not for these types).
pub fn render(report: &Report) -> Result<Vec<u8>, serde_json::Error> {
    let out = Out {
        generated_at: report
            .generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        params: &report.params,
        venues: &report.venues,
        opportunities: &report.opportunities,
    };
    let mut bytes = serde_json::to_vec_pretty(&out)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_report_snapshot() {
        let bytes = super::render(&super::super::sample::report()).expect("renders");
        let text = String::from_utf8(bytes).expect("utf8");
        insta::assert_snapshot!(text);
    }
}
