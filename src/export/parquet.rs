//! Parquet writer for `basis export`: the parquet crate's low-level column writers, one row group per batch of rows, Snappy pages.

use std::io::Write;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::column::writer::ColumnWriter;
use parquet::data_type::{ByteArray, FixedLenByteArray};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;

use super::rows::{Column, PRECISION, Type, Value, unscaled};
use super::{ExportError, Sink};

/// Rows buffered per row group: about 25 MB for the widest table.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// The Parquet message type of a table's columns.
#[must_use]
pub fn schema(columns: &[Column]) -> String {
    let mut s = String::from("message basis {\n");
    for c in columns {
        let rep = if c.nullable { "optional" } else { "required" };
        let ty = match c.ty {
            Type::Str => "binary".to_owned(),
            Type::Time | Type::Int => "int64".to_owned(),
            Type::Date => "int32".to_owned(),
            Type::Dec { .. } => "fixed_len_byte_array(16)".to_owned(),
            Type::Float => "double".to_owned(),
        };
        let logical = match c.ty {
            Type::Str => " (STRING)".to_owned(),
            Type::Time => " (TIMESTAMP(MILLIS,true))".to_owned(),
            Type::Date => " (DATE)".to_owned(),
            Type::Dec { scale, .. } => format!(" (DECIMAL({PRECISION},{scale}))"),
            Type::Int | Type::Float => String::new(),
        };
        s.push_str(&format!("  {rep} {ty} {}{logical};\n", c.name));
    }
    s.push('}');
    s
}

/// Buffered values of one column.
enum Values {
    Bytes(Vec<ByteArray>),
    Long(Vec<i64>),
    Int(Vec<i32>),
    /// Unscaled decimals, turned into 16-byte big-endian values sharing one buffer at flush.
    Fixed(Vec<i128>),
    Double(Vec<f64>),
}

struct Buffer {
    column: Column,
    values: Values,
    /// Definition levels (1 = present) of a nullable column.
    defs: Vec<i16>,
    /// The last text written: repeated names share its bytes.
    last: Option<ByteArray>,
}

/// Writes rows into one Parquet file.
pub struct ParquetSink<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    buffers: Vec<Buffer>,
    rows: usize,
    row_group_rows: usize,
}

impl<W: Write + Send> std::fmt::Debug for ParquetSink<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetSink")
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

fn parquet_error(e: parquet::errors::ParquetError) -> ExportError {
    ExportError::Write(e.to_string())
}

impl<W: Write + Send> ParquetSink<W> {
    /// A writer of `columns` into `out`, a row group every `row_group_rows` rows.
    ///
    /// # Errors
    /// When the schema is refused (a bug) or the header cannot be written.
    pub fn new(out: W, columns: &[Column], row_group_rows: usize) -> Result<Self, ExportError> {
        let schema = Arc::new(parse_message_type(&schema(columns)).map_err(parquet_error)?);
        let mut props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("basis {}", env!("CARGO_PKG_VERSION")))
            .set_max_row_group_row_count(Some(row_group_rows.max(1)));
        // Min/max statistics where readers prune with them (times, names); decimals' cost a
        // tenth of the writing time for little use.
        for c in columns.iter().filter(|c| matches!(c.ty, Type::Dec { .. })) {
            props = props
                .set_column_statistics_enabled(ColumnPath::from(c.name), EnabledStatistics::None);
        }
        let props = props.build();
        let writer =
            SerializedFileWriter::new(out, schema, Arc::new(props)).map_err(parquet_error)?;
        let buffers = columns
            .iter()
            .map(|&column| Buffer {
                column,
                values: match column.ty {
                    Type::Str => Values::Bytes(Vec::new()),
                    Type::Time | Type::Int => Values::Long(Vec::new()),
                    Type::Date => Values::Int(Vec::new()),
                    Type::Dec { .. } => Values::Fixed(Vec::new()),
                    Type::Float => Values::Double(Vec::new()),
                },
                defs: Vec::new(),
                last: None,
            })
            .collect();
        Ok(ParquetSink {
            writer,
            buffers,
            rows: 0,
            row_group_rows: row_group_rows.max(1),
        })
    }

    fn flush_group(&mut self) -> Result<(), ExportError> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut group = self.writer.next_row_group().map_err(parquet_error)?;
        let mut buffers = self.buffers.iter_mut();
        while let Some(mut writer) = group.next_column().map_err(parquet_error)? {
            let Some(b) = buffers.next() else {
                return Err(ExportError::Write(
                    "more Parquet columns than buffers".into(),
                ));
            };
            let defs = b.column.nullable.then_some(b.defs.as_slice());
            let written = match (writer.untyped(), &b.values) {
                (ColumnWriter::ByteArrayColumnWriter(w), Values::Bytes(v)) => {
                    w.write_batch(v, defs, None)
                }
                (ColumnWriter::Int64ColumnWriter(w), Values::Long(v)) => {
                    w.write_batch(v, defs, None)
                }
                (ColumnWriter::Int32ColumnWriter(w), Values::Int(v)) => {
                    w.write_batch(v, defs, None)
                }
                (ColumnWriter::FixedLenByteArrayColumnWriter(w), Values::Fixed(v)) => {
                    w.write_batch(&fixed(v), defs, None)
                }
                (ColumnWriter::DoubleColumnWriter(w), Values::Double(v)) => {
                    w.write_batch(v, defs, None)
                }
                _ => {
                    return Err(ExportError::Write(format!(
                        "column {}: Parquet type and buffer differ",
                        b.column.name
                    )));
                }
            };
            written.map_err(parquet_error)?;
            writer.close().map_err(parquet_error)?;
            match &mut b.values {
                Values::Bytes(v) => v.clear(),
                Values::Long(v) => v.clear(),
                Values::Int(v) => v.clear(),
                Values::Fixed(v) => v.clear(),
                Values::Double(v) => v.clear(),
            }
            b.defs.clear();
        }
        group.close().map_err(parquet_error)?;
        self.rows = 0;
        Ok(())
    }

    /// Finishes the file (the last row group and the footer) and hands back the output.
    ///
    /// # Errors
    /// When writing fails.
    pub fn into_inner(mut self) -> Result<W, ExportError> {
        self.flush_group()?;
        self.writer.into_inner().map_err(parquet_error)
    }
}

/// 16-byte big-endian two's complement values, slices of one allocation.
fn fixed(values: &[i128]) -> Vec<FixedLenByteArray> {
    let mut all = Vec::with_capacity(values.len() * 16);
    for v in values {
        all.extend_from_slice(&v.to_be_bytes());
    }
    let all = bytes::Bytes::from(all);
    (0..values.len())
        .map(|i| FixedLenByteArray::from(ByteArray::from(all.slice(i * 16..(i + 1) * 16))))
        .collect()
}

fn push(b: &mut Buffer, value: &Value<'_>) -> Result<(), ExportError> {
    let mismatch = || {
        ExportError::Write(format!(
            "column {}: value {value:?} of the wrong type",
            b.column.name
        ))
    };
    if matches!(value, Value::Null) {
        if !b.column.nullable {
            return Err(mismatch());
        }
        b.defs.push(0);
        return Ok(());
    }
    if b.column.nullable {
        b.defs.push(1);
    }
    match (&mut b.values, *value, b.column.ty) {
        (Values::Bytes(v), Value::Str(s), _) => {
            let bytes = match &b.last {
                Some(last) if last.data() == s.as_bytes() => last.clone(),
                _ => {
                    let fresh = ByteArray::from(s.as_bytes().to_vec());
                    b.last = Some(fresh.clone());
                    fresh
                }
            };
            v.push(bytes);
        }
        (Values::Long(v), Value::Time(t) | Value::Int(t), _) => v.push(t),
        (Values::Int(v), Value::Date(d), _) => v.push(d),
        (Values::Double(v), Value::Float(x), _) => v.push(x),
        (Values::Fixed(v), Value::Dec(d), Type::Dec { scale, round }) => {
            let n = unscaled(d, scale, round).map_err(|e| ExportError::Value {
                column: b.column.name,
                value: d.to_string(),
                reason: e.to_string(),
            })?;
            v.push(n);
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}

impl<W: Write + Send> Sink for ParquetSink<W> {
    fn write_row(&mut self, row: &[Value<'_>]) -> Result<(), ExportError> {
        if row.len() != self.buffers.len() {
            return Err(ExportError::Write(format!(
                "a row of {} values for {} columns",
                row.len(),
                self.buffers.len()
            )));
        }
        for (b, v) in self.buffers.iter_mut().zip(row) {
            push(b, v)?;
        }
        self.rows += 1;
        if self.rows >= self.row_group_rows {
            self.flush_group()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::rows::Table;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    use rust_decimal::Decimal;

    #[test]
    fn every_table_has_a_valid_schema() {
        for table in Table::ALL {
            let s = schema(table.columns());
            assert!(parse_message_type(&s).is_ok(), "{}: {s}", table.id());
        }
    }

    #[test]
    fn rows_read_back_with_their_types_and_exact_values() {
        let columns = Table::Quotes.columns();
        let mut out = Vec::new();
        let mut sink = ParquetSink::new(&mut out, columns, 2).expect("sink");
        let rate: Decimal = "-0.0000123456789012345678901234".parse().expect("rate");
        let row = vec![
            Value::Str("okx"),
            Value::Str("BTC-USDT-SWAP"),
            Value::Str("BTC"),
            Value::Null,
            Value::Time(1_735_718_400_000),
            Value::Dec(rate),
            Value::Dec(Decimal::from(8)),
            Value::Null,
            Value::Dec("97000.1".parse().expect("bid")),
            Value::Null,
            Value::Null,
        ];
        for _ in 0..3 {
            sink.write_row(&row).expect("row");
        }
        sink.into_inner().expect("finish");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("quotes.parquet");
        std::fs::write(&path, &out).expect("write");
        let reader =
            SerializedFileReader::new(std::fs::File::open(&path).expect("open")).expect("reader");
        assert_eq!(reader.metadata().num_row_groups(), 2);
        let read: Vec<_> = reader
            .get_row_iter(None)
            .expect("rows")
            .map(|r| r.expect("row"))
            .collect();
        assert_eq!(read.len(), 3);
        let fields: Vec<(String, Field)> = read[0]
            .get_column_iter()
            .map(|(n, f)| (n.clone(), f.clone()))
            .collect();
        assert_eq!(fields[0].1, Field::Str("okx".into()));
        assert_eq!(fields[3].1, Field::Null);
        assert_eq!(fields[4].1, Field::TimestampMillis(1_735_718_400_000));
        let Field::Decimal(d) = &fields[5].1 else {
            panic!("rate is {:?}", fields[5].1);
        };
        assert_eq!((d.precision(), d.scale()), (38, 28));
        let bytes: [u8; 16] = d.data().try_into().expect("16 bytes");
        assert_eq!(
            Decimal::from_i128_with_scale(i128::from_be_bytes(bytes), 28),
            rate
        );
    }

    #[test]
    fn a_value_that_would_lose_digits_is_refused_naming_its_column() {
        let mut out = Vec::new();
        let mut sink = ParquetSink::new(&mut out, Table::Bars.columns(), 10).expect("sink");
        let long: Decimal = "1.0000000000000000001".parse().expect("long");
        let row = [
            Value::Str("okx"),
            Value::Str("spot"),
            Value::Str("BTC-USDT"),
            Value::Null,
            Value::Null,
            Value::Time(0),
            Value::Dec(long),
            Value::Dec(long),
            Value::Dec(long),
        ];
        let e = sink.write_row(&row).expect_err("refused");
        assert!(e.to_string().contains("high"), "{e}");
    }
}
