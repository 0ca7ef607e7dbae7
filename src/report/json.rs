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
        opportunities: &report.opportunities,
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
    fn json_report_snapshot() {
        let bytes = super::render(&super::super::sample::report()).expect("renders");
        let text = String::from_utf8(bytes).expect("utf8");
        insta::assert_snapshot!(text);
    }
}
