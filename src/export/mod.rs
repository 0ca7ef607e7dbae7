//! `basis export`: the stored record (settlements, closes, bars, quotes) and a ranking as Parquet, CSV or NDJSON files that DuckDB, ClickHouse and pandas read as they are.
//!
//! The store is read one market at a time ([`crate::store::export`]), so memory stays bounded by
//! the longest market's records in one month (partitioned) or in the range asked (one file).
//! [`rows`] builds the rows (pure); [`parquet`] and [`text`] write them; [`files`] puts each
//! file in place only once it is complete. Each export records, per market, the span of time it
//! gave its target (table, format, path), so that `--since last` writes only what is new.

pub mod files;
mod opportunities;
pub mod parquet;
pub mod rows;
pub mod text;

use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::app::{AppError, exit};
use crate::cli::{ExportArgs, VenueArgs};
use crate::model::{Market, Venue};
use crate::settings::{self, Globals, ProcessEnv};
use crate::store::export::{ExportTree, Series};
use crate::store::{DailyCloseRecord, PerpObservation, PriceBar, Store, StoreError};
use rows::{Names, SeriesNames, Since, Table, Value};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A flag value that cannot be used.
    #[error("{flag} {value:?}: {reason}")]
    Usage {
        /// The flag.
        flag: &'static str,
        /// What was given.
        value: String,
        /// What is accepted.
        reason: String,
    },
    /// An output file or directory cannot be written.
    #[error("cannot write {}: {reason} (check the path, permissions and free space)", path.display())]
    Output {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        reason: String,
    },
    /// Writing a file failed part-way.
    #[error("writing the export failed: {0} (check the path, permissions and free space)")]
    Write(String),
    /// A stored value the format cannot hold exactly.
    #[error("column {column}: the value {value} {reason}; nothing was written, please report it")]
    Value {
        /// The column.
        column: &'static str,
        /// The value.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// SIGINT or SIGTERM arrived: the files begun were removed.
    #[error("interrupted: nothing was written and nothing recorded; run it again")]
    Interrupted,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Something rows are written into.
pub trait Sink {
    /// Writes one row (one value per column, in the table's order).
    ///
    /// # Errors
    /// When writing fails or a value does not fit its column.
    fn write_row(&mut self, row: &[Value<'_>]) -> Result<(), ExportError>;
}

/// The file format: the `--format` value itself, declared once with its help text.
pub use crate::cli::ExportFormat as Format;

impl Format {
    /// The file extension, also its name in the target key.
    #[must_use]
    pub const fn ext(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }
}

/// A file being written.
enum Writer {
    Parquet(Box<parquet::ParquetSink<BufWriter<std::fs::File>>>),
    Csv(text::CsvSink<BufWriter<std::fs::File>>),
    Ndjson(text::NdjsonSink<BufWriter<std::fs::File>>),
}

impl Sink for Writer {
    fn write_row(&mut self, row: &[Value<'_>]) -> Result<(), ExportError> {
        match self {
            Writer::Parquet(w) => w.write_row(row),
            Writer::Csv(w) => w.write_row(row),
            Writer::Ndjson(w) => w.write_row(row),
        }
    }
}

/// One output file: where it goes, its temporary file and writer, its rows.
struct OpenFile {
    dest: PathBuf,
    tmp: PathBuf,
    writer: Writer,
    rows: u64,
    /// Leading columns left out (the partition's `venue`).
    skip: usize,
}

impl OpenFile {
    /// A file of `table`; in a partition, without the `venue` column (its directory says it:
    /// Hive layout, which Spark and pyarrow refuse when a file repeats a partition column).
    fn create(
        dest: PathBuf,
        table: Table,
        format: Format,
        partition: bool,
    ) -> Result<Self, ExportError> {
        let (out, tmp) = files::create(&dest)?;
        let columns = table.columns();
        let skip = usize::from(partition && columns.first().is_some_and(|c| c.name == "venue"));
        let columns = &columns[skip..];
        let writer = match format {
            Format::Parquet => Writer::Parquet(Box::new(parquet::ParquetSink::new(
                out,
                columns,
                parquet::ROW_GROUP_ROWS,
            )?)),
            Format::Csv => Writer::Csv(text::CsvSink::new(out, columns)?),
            Format::Ndjson => Writer::Ndjson(text::NdjsonSink::new(out, columns)),
        };
        Ok(OpenFile {
            dest,
            tmp,
            writer,
            rows: 0,
            skip,
        })
    }

    fn write(&mut self, row: &[Value<'_>]) -> Result<(), ExportError> {
        self.rows += 1;
        self.writer
            .write_row(row.get(self.skip..).unwrap_or_default())
    }

    fn finish(self) -> Result<files::Pending, ExportError> {
        let out = match self.writer {
            Writer::Parquet(w) => w.into_inner()?,
            Writer::Csv(w) => w.into_inner(),
            Writer::Ndjson(w) => w.into_inner(),
        };
        files::finish(out, self.tmp, self.dest)
    }
}

/// The files of one export: one file, or one per partition (created on its first row), all
/// renamed into place together at the end.
struct Outputs {
    table: Table,
    format: Format,
    out: PathBuf,
    partition: bool,
    open: Option<OpenFile>,
    done: Vec<files::Pending>,
    rows: u64,
}

impl Outputs {
    fn new(opts: &Options) -> Self {
        Outputs {
            table: opts.table,
            format: opts.format,
            out: opts.out.clone(),
            partition: opts.partition,
            open: None,
            done: Vec::new(),
            rows: 0,
        }
    }

    fn file(&mut self, venue: &str, month: &str) -> Result<&mut OpenFile, ExportError> {
        if self.open.is_none() {
            let dest = if self.partition {
                files::next_part(
                    &files::partition_dir(&self.out, venue, month),
                    self.format.ext(),
                )
            } else {
                self.out.clone()
            };
            self.open = Some(OpenFile::create(
                dest,
                self.table,
                self.format,
                self.partition,
            )?);
        }
        self.open
            .as_mut()
            .ok_or_else(|| ExportError::Write("no open file".into()))
    }

    fn close(&mut self) -> Result<(), ExportError> {
        if let Some(f) = self.open.take() {
            self.rows += f.rows;
            self.done.push(f.finish()?);
        }
        Ok(())
    }

    /// Puts every file in place; on error, removes the temporary files.
    fn commit(mut self, result: Result<(), ExportError>) -> Result<(u64, usize, u64), ExportError> {
        let result = result.and_then(|()| self.close());
        let open: Vec<PathBuf> = self.open.iter().map(|f| f.tmp.clone()).collect();
        if let Err(e) = result.and_then(|()| files::commit(&self.done)) {
            files::discard(&self.done, &open);
            return Err(e);
        }
        let bytes = self.done.iter().map(|p| p.bytes).sum();
        Ok((self.rows, self.done.len(), bytes))
    }
}

/// A validated `basis export`.
#[derive(Clone, Debug)]
pub struct Options {
    /// Table.
    pub table: Table,
    /// Format.
    pub format: Format,
    /// Output file, or directory with `partition`.
    pub out: PathBuf,
    /// Hive layout `venue=…/month=…/part-N.<ext>`.
    pub partition: bool,
    /// Start.
    pub since: Since,
    /// End (exclusive), ms.
    pub until_ms: i64,
    /// Venues.
    pub venues: Vec<Venue>,
    /// Assets (upper case); empty for all.
    pub assets: Vec<String>,
    /// The export's clock, ms.
    pub now_ms: i64,
}

impl Options {
    /// Validates the flags.
    ///
    /// # Errors
    /// [`ExportError::Usage`] naming the flag.
    pub fn new(
        args: &ExportArgs,
        venues: Vec<Venue>,
        now: DateTime<Utc>,
    ) -> Result<Self, ExportError> {
        let (table, format) = (args.table, args.format);
        let usage = |flag, value: &str, reason: String| ExportError::Usage {
            flag,
            value: value.to_owned(),
            reason,
        };
        let since = match args.since.as_deref().map(str::trim) {
            None => Since::All,
            Some("last") => Since::Last,
            Some(t) => Since::At(rows::parse_time(t, now).map_err(|r| usage("--since", t, r))?),
        };
        let until_ms = match args.until.as_deref() {
            None => i64::MAX,
            Some(t) => rows::parse_time(t, now).map_err(|r| usage("--until", t, r))?,
        };
        if let Since::At(s) = since
            && s >= until_ms
        {
            return Err(usage(
                "--since",
                args.since.as_deref().unwrap_or_default(),
                "must be before --until".into(),
            ));
        }
        let out = std::path::absolute(&args.out)
            .map_err(|e| usage("--out", &args.out.display().to_string(), e.to_string()))?;
        if !args.partition && out.is_dir() {
            return Err(usage(
                "--out",
                &out.display().to_string(),
                "is a directory: give a file name, or add --partition to write venue=…/month=… files under it".into(),
            ));
        }
        if args.partition && out.is_file() {
            return Err(usage(
                "--out",
                &out.display().to_string(),
                "is a file: --partition writes a directory tree".into(),
            ));
        }
        Ok(Options {
            table,
            format,
            out,
            partition: args.partition,
            since,
            until_ms,
            venues,
            assets: crate::settings::value::coins(&args.assets),
            now_ms: now.timestamp_millis(),
        })
    }

    /// The key under which the store remembers what this target was given.
    #[must_use]
    pub fn target(&self) -> String {
        format!(
            "{}/{}/{}",
            self.table.id(),
            self.format.ext(),
            self.out.display()
        )
    }

    fn wants_asset(&self, asset: Option<&str>) -> bool {
        self.assets.is_empty() || asset.is_some_and(|a| self.assets.iter().any(|w| w == a))
    }
}

/// What an export wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Rows written.
    pub rows: u64,
    /// Rows per venue.
    pub per_venue: BTreeMap<Venue, u64>,
    /// Files put in place.
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
}

/// `basis export TABLE`: runs the export and prints its summary line. Returns the exit code.
///
/// # Errors
/// Settings and store failures; a bad flag value is reported here and exits 64, an output that
/// cannot be written 74.
pub async fn run(globals: &Globals, args: &ExportArgs) -> Result<u8, AppError> {
    let poll = VenueArgs {
        venues: args.venues.clone(),
        ..VenueArgs::default()
    };
    let settings = settings::build(globals, &poll, None, &ProcessEnv)?;
    let now = Utc::now();
    let opts = match Options::new(args, settings.venues.clone(), now) {
        Ok(o) => o,
        Err(e) => return Ok(report_error(&e)),
    };
    let started = Instant::now();
    let store = {
        let dir = settings.data_dir.clone();
        blocking(move || Store::open(&dir).map_err(ExportError::from)).await
    };
    let store = match store {
        Ok(s) => s,
        Err(e) => return finish_error(e),
    };
    let ranked = if opts.table == Table::Opportunities {
        let mut settings = settings.clone();
        if !opts.assets.is_empty() {
            settings.params.assets.clone_from(&opts.assets);
        }
        Some(opportunities::rank(&settings, &store, now).await?)
    } else {
        None
    };
    let progress = crate::app::series_progress(0, globals.quiet);
    let (s, o, bar) = (store.clone(), opts.clone(), progress.clone());
    // SIGINT or SIGTERM stops the export between two markets: its files are removed and the
    // store is closed properly.
    let signalled = stop_signals();
    let cancel = Arc::new(AtomicBool::new(false));
    let stop = Arc::clone(&cancel);
    let task = blocking(move || match ranked {
        Some(ranked) => opportunities::write(&o, &ranked),
        None => export_store(&s, &o, &bar, &stop),
    });
    tokio::pin!(task);
    let result = tokio::select! {
        r = &mut task => r,
        () = signalled => {
            cancel.store(true, Ordering::Relaxed);
            task.await
        }
    };
    progress.finish_and_clear();
    let closed = blocking(move || store.close().map_err(ExportError::from)).await;
    let summary = match result.and_then(|s| closed.map(|()| s)) {
        Ok(s) => s,
        Err(e) => return finish_error(e),
    };
    if !globals.quiet {
        eprintln!("{}", summary_line(&opts, &summary, started.elapsed()));
    }
    Ok(exit::OK)
}

/// Resolves on SIGINT or SIGTERM; the handlers are in place when this returns (before the
/// export starts), so a signal is never left to its default action.
fn stop_signals() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let handlers =
            signal(SignalKind::interrupt()).and_then(|i| Ok((i, signal(SignalKind::terminate())?)));
        async move {
            match handlers {
                Ok((mut int, mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => std::future::pending().await,
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ExportError> + Send + 'static,
) -> Result<T, ExportError> {
    let joined = tokio::task::spawn_blocking(move || {
        crate::store::guarded(move || Ok(f())).unwrap_or_else(|e| Err(ExportError::Store(e)))
    })
    .await;
    joined.unwrap_or_else(|e| Err(ExportError::Write(format!("the export task failed: {e}"))))
}

/// Prints an error that ends the run here (the binary's format) and returns its exit code.
fn report_error(e: &ExportError) -> u8 {
    eprintln!("basis: {e}");
    match e {
        ExportError::Usage { .. } => exit::USAGE,
        ExportError::Output { .. } | ExportError::Write(_) => exit::IOERR,
        ExportError::Value { .. } => exit::SOFTWARE,
        ExportError::Store(_) => exit::IOERR,
        ExportError::Interrupted => exit::TEMPFAIL,
    }
}

fn finish_error(e: ExportError) -> Result<u8, AppError> {
    match e {
        // The store's own codes (74, 75 when locked).
        ExportError::Store(s) => Err(AppError::Store(s)),
        e => Ok(report_error(&e)),
    }
}

/// The line printed when an export ends.
#[must_use]
pub fn summary_line(opts: &Options, s: &Summary, elapsed: std::time::Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-3);
    #[allow(clippy::cast_precision_loss)]
    let (rate, mb) = (s.rows as f64 / secs, s.bytes as f64 / 1_048_576.0);
    format!(
        "export: {} {} rows from {} venues into {} {} file{} ({mb:.1} MB) under {} in {secs:.1} s ({rate:.0} rows/s)",
        s.rows,
        opts.table.id(),
        s.per_venue.len(),
        s.files,
        opts.format.ext(),
        if s.files == 1 { "" } else { "s" },
        opts.out.display(),
    )
}

/// Asset and quote of every market the venues list (latest snapshots, cached references).
fn names(store: &Store, venues: &[Venue]) -> Result<Names, StoreError> {
    let mut names = Names::default();
    for &venue in venues {
        if let Some(s) = store.latest_snapshot(venue)? {
            for (market, symbol, asset, quote) in s.markets() {
                names.insert(venue, market, symbol, asset, quote);
            }
        }
        if let Some((_, r)) = store.reference(venue)? {
            for i in &r.instruments {
                names.insert(venue, i.market, &i.symbol, &i.asset, &i.quote);
            }
        }
    }
    Ok(names)
}

/// Emits the rows of one series in `ranges`; returns how many and the first and last time.
fn write_series(
    store: &Store,
    table: Table,
    s: &Series,
    n: &SeriesNames<'_>,
    ranges: &[(i64, i64)],
    emit: &mut dyn FnMut(&[Value<'_>]) -> Result<(), ExportError>,
) -> Result<(u64, Option<(i64, i64)>), ExportError> {
    let mut span: Option<(i64, i64)> = None;
    let mut count = 0;
    let mut emit = |t: i64, row: &[Value<'_>]| {
        span = Some(span.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
        count += 1;
        emit(row)
    };
    match table {
        Table::Funding => {
            for (t, e, source) in store.export_funding(s.venue, &s.symbol, ranges)? {
                emit(t, &rows::funding_row(n, t, &e, source))?;
            }
        }
        Table::Closes => {
            for (t, c) in
                store.export_records::<DailyCloseRecord>(s.venue, s.market, &s.symbol, ranges)?
            {
                if let Some(row) = rows::close_row(n, t, &c) {
                    emit(t, &row)?;
                }
            }
        }
        Table::Bars => {
            for (t, b) in store.export_records::<PriceBar>(s.venue, s.market, &s.symbol, ranges)? {
                emit(t, &rows::bar_row(n, t, &b))?;
            }
        }
        Table::Quotes => {
            for (t, o) in
                store.export_records::<PerpObservation>(s.venue, Market::Perp, &s.symbol, ranges)?
            {
                emit(t, &rows::quote_row(n, t, &o))?;
            }
        }
        Table::Opportunities => {}
    }
    Ok((count, span))
}

/// A series and its market's asset and quote.
type Named = (Series, Option<(String, String)>);

/// Exports a stored table: per venue, per month (partitioned) or once, per series.
///
/// # Errors
/// Store, output and value failures; nothing is left in place then.
pub fn export_store(
    store: &Store,
    opts: &Options,
    progress: &indicatif::ProgressBar,
    cancel: &AtomicBool,
) -> Result<Summary, ExportError> {
    let tree = match opts.table {
        Table::Funding => ExportTree::Funding,
        Table::Closes => ExportTree::Closes,
        Table::Bars => ExportTree::Bars,
        Table::Quotes => ExportTree::Quotes,
        Table::Opportunities => return Err(ExportError::Write("not a stored table".into())),
    };
    // Temporary files of a killed export to the same place: the partition tree, or the
    // destination's own (never the rest of the directory around a single file).
    let _ = if opts.partition {
        files::remove_stale(&opts.out, None)
    } else {
        files::remove_stale(
            opts.out.parent().unwrap_or(&opts.out),
            opts.out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned()),
        )
    };
    let names = names(store, &opts.venues)?;
    let target = opts.target();
    let old = store.export_spans(&target)?;
    let mut spans = old.clone();
    // Final records only: a settlement once due, a day or hour once ended.
    let upper = opts.until_ms.min(
        opts.now_ms
            .saturating_sub(opts.table.final_after_ms())
            .saturating_add(1),
    );
    let lower = match opts.since {
        Since::At(t) => t,
        Since::All | Since::Last => i64::MIN,
    };
    let mut plan: Vec<(Venue, Vec<Named>)> = Vec::new();
    for &venue in &opts.venues {
        let series: Vec<_> = store
            .export_series(tree, venue)?
            .into_iter()
            .map(|s| {
                let n = names.get(venue, s.market, &s.symbol);
                (s, n)
            })
            .filter(|(s, n)| {
                opts.wants_asset(n.as_ref().map(|(a, _)| a.as_str()))
                    && s.first_ms < upper
                    && s.last_ms >= lower
            })
            .collect();
        if !series.is_empty() {
            plan.push((venue, series));
        }
    }
    let mut outputs = Outputs::new(opts);
    let mut per_venue = BTreeMap::new();
    let result = (|| {
        for (venue, series) in &plan {
            let first = series
                .iter()
                .map(|(s, _)| s.first_ms)
                .min()
                .unwrap_or(lower);
            let last = series.iter().map(|(s, _)| s.last_ms).max().unwrap_or(upper);
            let buckets = if opts.partition {
                rows::months(lower.max(first), upper.min(last.saturating_add(1)))
            } else {
                vec![(String::new(), lower, upper)]
            };
            progress.inc_length((buckets.len() * series.len()) as u64);
            for (month, from, to) in &buckets {
                for (s, n) in series {
                    progress.inc(1);
                    if cancel.load(Ordering::Relaxed) {
                        return Err(ExportError::Interrupted);
                    }
                    if s.first_ms >= *to || s.last_ms < *from {
                        continue;
                    }
                    let id = format!("{}/{}/{}", venue.id(), s.market.id(), s.symbol);
                    let done = match opts.since {
                        Since::Last => old.get(&id).copied(),
                        _ => None,
                    };
                    let ranges = rows::outside(*from, *to, done);
                    if ranges.is_empty() {
                        continue;
                    }
                    let sn = SeriesNames {
                        venue: venue.id(),
                        market: s.market.id(),
                        symbol: &s.symbol,
                        asset: n.as_ref().map(|(a, _)| a.as_str()),
                        quote: n.as_ref().map(|(_, q)| q.as_str()),
                    };
                    let mut emit = |row: &[Value<'_>]| outputs.file(venue.id(), month)?.write(row);
                    let (count, span) =
                        write_series(store, opts.table, s, &sn, &ranges, &mut emit)?;
                    let Some((a, b)) = span else {
                        continue;
                    };
                    *per_venue.entry(*venue).or_insert(0) += count;
                    let span = spans.entry(id).or_insert((a, b));
                    *span = (span.0.min(a), span.1.max(b));
                }
                if opts.partition {
                    outputs.close()?;
                }
                progress.set_message(format!("{venue} {month}"));
            }
        }
        if !opts.partition {
            // One file, even when nothing is new: it then says so with no rows.
            outputs.file("", "")?;
        }
        Ok(())
    })();
    let (rows, files, bytes) = outputs.commit(result)?;
    store.put_export_spans(&target, &spans)?;
    Ok(Summary {
        rows,
        per_venue,
        files,
        bytes,
    })
}
