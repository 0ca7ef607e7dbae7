//! CSV and NDJSON writers for `basis export`: decimals as their exact text, times as RFC 3339 UTC, days as `YYYY-MM-DD`.

use std::io::Write;

use super::rows::{Column, Value, date_text, rfc3339};
use super::{ExportError, Sink};

fn write_error(e: std::io::Error) -> ExportError {
    ExportError::Write(e.to_string())
}

/// Text of a value in CSV (empty for null, quoted when it holds a comma, quote or line break).
fn csv_field(out: &mut impl Write, value: &Value<'_>) -> std::io::Result<()> {
    match *value {
        Value::Null => Ok(()),
        Value::Str(s) if s.contains([',', '"', '\n', '\r']) => {
            write!(out, "\"{}\"", s.replace('"', "\"\""))
        }
        Value::Str(s) => out.write_all(s.as_bytes()),
        Value::Time(t) => out.write_all(rfc3339(t).as_bytes()),
        Value::Date(d) => out.write_all(date_text(d).as_bytes()),
        Value::Dec(d) => write!(out, "{d}"),
        Value::Int(i) => write!(out, "{i}"),
        Value::Float(x) if x.is_finite() => write!(out, "{x}"),
        Value::Float(_) => Ok(()),
    }
}

/// Writes rows as CSV (RFC 4180: a header line, `\n` line ends).
#[derive(Debug)]
pub struct CsvSink<W: Write> {
    out: W,
}

impl<W: Write> CsvSink<W> {
    /// A writer of `columns` into `out`; writes the header.
    ///
    /// # Errors
    /// When writing fails.
    pub fn new(mut out: W, columns: &[Column]) -> Result<Self, ExportError> {
        let header: Vec<&str> = columns.iter().map(|c| c.name).collect();
        writeln!(out, "{}", header.join(",")).map_err(write_error)?;
        Ok(CsvSink { out })
    }

    /// Hands back the output.
    #[must_use]
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Sink for CsvSink<W> {
    fn write_row(&mut self, row: &[Value<'_>]) -> Result<(), ExportError> {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",").map_err(write_error)?;
            }
            csv_field(&mut self.out, v).map_err(write_error)?;
        }
        self.out.write_all(b"\n").map_err(write_error)
    }
}

/// Writes rows as NDJSON: one object per line, decimals as JSON numbers spelled exactly as
/// stored, times and days as strings.
#[derive(Debug)]
pub struct NdjsonSink<W: Write> {
    out: W,
    /// Each column's name as a JSON string followed by `:`.
    keys: Vec<String>,
}

impl<W: Write> NdjsonSink<W> {
    /// A writer of `columns` into `out`.
    #[must_use]
    pub fn new(out: W, columns: &[Column]) -> Self {
        let keys = columns
            .iter()
            .map(|c| format!("{}:", serde_json::Value::from(c.name)))
            .collect();
        NdjsonSink { out, keys }
    }

    /// Hands back the output.
    #[must_use]
    pub fn into_inner(self) -> W {
        self.out
    }
}

fn json_value(out: &mut impl Write, value: &Value<'_>) -> std::io::Result<()> {
    let text =
        |out: &mut dyn Write, s: &str| serde_json::to_writer(out, s).map_err(std::io::Error::from);
    match *value {
        Value::Null => out.write_all(b"null"),
        Value::Str(s) => text(out, s),
        Value::Time(t) => text(out, &rfc3339(t)),
        Value::Date(d) => text(out, &date_text(d)),
        Value::Dec(d) => write!(out, "{d}"),
        Value::Int(i) => write!(out, "{i}"),
        Value::Float(x) if x.is_finite() => write!(out, "{x:?}"),
        Value::Float(_) => out.write_all(b"null"),
    }
}

impl<W: Write> Sink for NdjsonSink<W> {
    fn write_row(&mut self, row: &[Value<'_>]) -> Result<(), ExportError> {
        self.out.write_all(b"{").map_err(write_error)?;
        for (i, (key, v)) in self.keys.iter().zip(row).enumerate() {
            if i > 0 {
                self.out.write_all(b",").map_err(write_error)?;
            }
            self.out.write_all(key.as_bytes()).map_err(write_error)?;
            json_value(&mut self.out, v).map_err(write_error)?;
        }
        self.out.write_all(b"}\n").map_err(write_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::rows::Table;
    use rust_decimal::Decimal;

    fn row() -> Vec<Value<'static>> {
        vec![
            Value::Str("okx"),
            Value::Str("odd,\"symbol\""),
            Value::Str("BTC"),
            Value::Null,
            Value::Time(1_735_718_400_000),
            Value::Dec("0.000100".parse::<Decimal>().expect("rate")),
            Value::Dec(Decimal::from(8)),
            Value::Str("backfill"),
            Value::Time(0),
        ]
    }

    #[test]
    fn csv_quotes_what_needs_it_and_keeps_decimal_text() {
        let mut sink = CsvSink::new(Vec::new(), Table::Funding.columns()).expect("sink");
        sink.write_row(&row()).expect("row");
        let text = String::from_utf8(sink.into_inner()).expect("utf-8");
        assert_eq!(
            text,
            "venue,symbol,asset,quote,time,rate,interval_hours,source,seen_at\n\
             okx,\"odd,\"\"symbol\"\"\",BTC,,2025-01-01T08:00:00.000Z,0.000100,8,backfill,1970-01-01T00:00:00.000Z\n"
        );
    }

    #[test]
    fn ndjson_lines_are_json_objects_with_exact_numbers() {
        let mut sink = NdjsonSink::new(Vec::new(), Table::Funding.columns());
        sink.write_row(&row()).expect("row");
        sink.write_row(&row()).expect("row");
        let text = String::from_utf8(sink.into_inner()).expect("utf-8");
        assert_eq!(text.lines().count(), 2);
        let first = text.lines().next().expect("line");
        assert!(first.contains("\"rate\":0.000100,"), "{first}");
        let v: serde_json::Value = serde_json::from_str(first).expect("json");
        assert_eq!(v["symbol"], "odd,\"symbol\"");
        assert_eq!(v["quote"], serde_json::Value::Null);
        assert_eq!(v["time"], "2025-01-01T08:00:00.000Z");
    }
}
