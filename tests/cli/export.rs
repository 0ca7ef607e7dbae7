//! `basis export`: files read back with the parquet crate, csv and serde_json equal the store's records exactly; `--since last`; a killed export.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use basis::demo::server::{Server, history_responders, mounted};
use basis::model::Venue;
use basis::store::Store;
use parquet::basic::{LogicalType, TimeUnit};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use rust_decimal::Decimal;

use super::common::*;

const VENUES: [Venue; 3] = [Venue::Binance, Venue::Bybit, Venue::Okx];
const ASSETS: &str = "BTC,ETH,SOL";

async fn history_server() -> Server {
    let u = universes(&VENUES);
    Server::start_dynamic(mounted(&u), history_responders(&u), vec![], Duration::ZERO)
        .await
        .expect("server")
}

async fn backfill(server: &Server, dir: &Path, days: u32) {
    let mut cmd = basis(server, dir);
    cmd.args(["backfill", "--no-prices", "--assets", ASSETS, "--days"])
        .arg(days.to_string())
        .args(["--venues", "binance,bybit,okx"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

async fn export(server: &Server, dir: &Path, args: &[&str], out: &Path) -> std::process::Output {
    let mut cmd = basis(server, dir);
    cmd.arg("export").args(args).arg("--out").arg(out);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    out
}

/// One settlement as compared: venue, symbol, time ms, rate, interval, source.
type Settlement = (String, String, i64, Decimal, Decimal, String);

/// Every settlement the store holds with time at most `until`, as `funding_events` reads them
/// (backfilled ones win), per the perps of the latest snapshots.
fn stored(dir: &Path, until: i64) -> Vec<Settlement> {
    let store = Store::open(&dir.join("data")).expect("open");
    let mut out = Vec::new();
    for v in VENUES {
        let snap = store.latest_snapshot(v).expect("read").expect("snapshot");
        for p in &snap.perps {
            for (t, e) in store.funding_events(v, &p.symbol).expect("events") {
                if t <= until {
                    // A backfill records the settlement time as when it was seen.
                    let source = if e.seen == t { "backfill" } else { "poll" };
                    out.push((
                        v.id().to_owned(),
                        p.symbol.clone(),
                        t,
                        e.r,
                        e.h,
                        source.to_owned(),
                    ));
                }
            }
        }
    }
    store.close().expect("close");
    out.sort();
    out
}

fn parquet_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn decimal(f: &Field) -> Decimal {
    let Field::Decimal(d) = f else {
        panic!("not a decimal: {f:?}");
    };
    let bytes: [u8; 16] = d.data().try_into().expect("16 bytes");
    Decimal::from_i128_with_scale(
        i128::from_be_bytes(bytes),
        d.scale().try_into().expect("scale"),
    )
    .normalize()
}

/// Every funding row of the Parquet files under `path`, checking the schema's types.
fn read_parquet(path: &Path) -> Vec<Settlement> {
    let mut out = Vec::new();
    for file in parquet_files(path) {
        let reader =
            SerializedFileReader::new(std::fs::File::open(&file).expect("open")).expect("parquet");
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        // A partition's files leave `venue` to their directory (Hive layout).
        let partition = file
            .to_string_lossy()
            .split('/')
            .find_map(|c| c.strip_prefix("venue=").map(str::to_owned));
        let skip = usize::from(partition.is_some());
        assert_eq!(schema.column(0).name() == "venue", skip == 0);
        for (i, name) in [(4 - skip, "time"), (8 - skip, "seen_at")] {
            let c = schema.column(i);
            assert_eq!(c.name(), name);
            assert_eq!(
                c.logical_type_ref(),
                Some(&LogicalType::timestamp(true, TimeUnit::MILLIS)),
                "{name} is a UTC timestamp"
            );
        }
        assert_eq!(
            schema.column(5 - skip).logical_type_ref(),
            Some(&LogicalType::decimal(28, 38))
        );
        for row in reader.get_row_iter(None).expect("rows") {
            let row = row.expect("row");
            let f: Vec<&Field> = row.get_column_iter().map(|(_, f)| f).collect();
            let text = |i: usize| match f[i - skip] {
                Field::Str(s) => s.clone(),
                other => panic!("column {i}: {other:?}"),
            };
            let Field::TimestampMillis(t) = f[4 - skip] else {
                panic!("time: {:?}", f[4 - skip]);
            };
            let venue = partition.clone().unwrap_or_else(|| text(0));
            out.push((
                venue,
                text(1),
                *t,
                decimal(f[5 - skip]),
                decimal(f[6 - skip]),
                text(7),
            ));
        }
    }
    out.sort();
    out
}

fn normalized(rows: Vec<Settlement>) -> Vec<Settlement> {
    rows.into_iter()
        .map(|(v, s, t, r, h, src)| (v, s, t, r.normalize(), h.normalize(), src))
        .collect()
}

/// `db stats` records of one tree per venue.
async fn db_stats(server: &Server, dir: &Path, tree: &str) -> BTreeMap<String, u64> {
    let mut cmd = basis(server, dir);
    cmd.args(["db", "stats"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut counts = BTreeMap::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            inside = line.starts_with(&format!("{tree}:"));
            continue;
        }
        let mut words = line.split_whitespace();
        if let (true, Some(venue), Some(n)) = (inside, words.next(), words.next()) {
            counts.insert(venue.to_owned(), n.parse().expect("count"));
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn funding_parquet_reads_back_as_the_store_holds_it() {
    let server = history_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    backfill(&server, dir.path(), 30).await;
    let file = dir.path().join("funding.parquet");
    let before = chrono::Utc::now().timestamp_millis();
    let out = export(
        &server,
        dir.path(),
        &["funding", "--venues", "binance,bybit,okx"],
        &file,
    )
    .await;
    let after = chrono::Utc::now().timestamp_millis();
    assert!(stderr(&out).contains("export: "), "{}", stderr(&out));
    let read = read_parquet(&file);
    // Settlements due at the edge of the run may or may not be in: compare up to its start.
    assert!(read.iter().all(|r| r.2 <= after));
    let read: Vec<Settlement> = read.into_iter().filter(|r| r.2 <= before).collect();
    let expected = normalized(stored(dir.path(), before));
    assert!(expected.len() > 500, "{} settlements", expected.len());
    assert_eq!(read, expected, "every settlement, every decimal exact");
    // Per venue, the backfilled rows are what `db stats` counts in the archive.
    let archive = db_stats(&server, dir.path(), "funding_archive").await;
    let mut backfilled: BTreeMap<String, u64> = BTreeMap::new();
    for r in read.iter().filter(|r| r.5 == "backfill") {
        *backfilled.entry(r.0.clone()).or_default() += 1;
    }
    assert_eq!(backfilled, archive);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_and_ndjson_hold_the_exact_decimal_text() {
    let server = history_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    backfill(&server, dir.path(), 10).await;
    let parquet = dir.path().join("f.parquet");
    let csv = dir.path().join("f.csv");
    let ndjson = dir.path().join("f.ndjson");
    // The same rows in each format: the same --until.
    let now = chrono::Utc::now();
    let until_at = (now - chrono::Duration::minutes(1)).to_rfc3339();
    for (format, path) in [("parquet", &parquet), ("csv", &csv), ("ndjson", &ndjson)] {
        export(
            &server,
            dir.path(),
            &["funding", "--format", format, "--until", &until_at],
            path,
        )
        .await;
    }
    let expected = read_parquet(&parquet);
    assert!(expected.len() > 100, "{} settlements", expected.len());
    // Exact text: the store's decimal, spelled as stored.
    let store_text: BTreeMap<(String, String, i64), (String, String)> = {
        let store = Store::open(&dir.path().join("data")).expect("open");
        let mut m = BTreeMap::new();
        for v in VENUES {
            let snap = store.latest_snapshot(v).expect("read").expect("snapshot");
            for p in &snap.perps {
                for (t, e) in store.funding_events(v, &p.symbol).expect("events") {
                    m.insert(
                        (v.id().to_owned(), p.symbol.clone(), t),
                        (e.r.to_string(), e.h.to_string()),
                    );
                }
            }
        }
        store.close().expect("close");
        m
    };
    let mut from_csv = Vec::new();
    let mut reader = csv::Reader::from_path(&csv).expect("csv");
    let headers = reader.headers().expect("header").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "venue",
            "symbol",
            "asset",
            "quote",
            "time",
            "rate",
            "interval_hours",
            "source",
            "seen_at"
        ]
    );
    for record in reader.records() {
        let r = record.expect("record");
        let time = chrono::DateTime::parse_from_rfc3339(&r[4]).expect("RFC 3339");
        assert_eq!(time.offset().local_minus_utc(), 0, "UTC");
        assert!(r[4].ends_with('Z'));
        let t = time.timestamp_millis();
        let (rate, hours) = &store_text[&(r[0].to_owned(), r[1].to_owned(), t)];
        assert_eq!(
            (&r[5], &r[6]),
            (rate.as_str(), hours.as_str()),
            "exact text"
        );
        assert!(!r[2].is_empty() && r[3].len() >= 3, "asset and quote named");
        from_csv.push((
            r[0].to_owned(),
            r[1].to_owned(),
            t,
            r[5].parse::<Decimal>().expect("rate").normalize(),
            r[6].parse::<Decimal>().expect("hours").normalize(),
            r[7].to_owned(),
        ));
    }
    from_csv.sort();
    assert_eq!(from_csv, expected);
    let mut from_json = Vec::new();
    for line in std::fs::read_to_string(&ndjson).expect("read").lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let time = chrono::DateTime::parse_from_rfc3339(v["time"].as_str().expect("time"))
            .expect("RFC 3339");
        let t = time.timestamp_millis();
        let venue = v["venue"].as_str().expect("venue").to_owned();
        let symbol = v["symbol"].as_str().expect("symbol").to_owned();
        let (rate, hours) = &store_text[&(venue.clone(), symbol.clone(), t)];
        // Numbers spelled exactly as stored (serde_json keeps the text with arbitrary_precision).
        assert_eq!(&v["rate"].to_string(), rate);
        assert_eq!(&v["interval_hours"].to_string(), hours);
        from_json.push((
            venue,
            symbol,
            t,
            rate.parse::<Decimal>().expect("rate").normalize(),
            hours.parse::<Decimal>().expect("hours").normalize(),
            v["source"].as_str().expect("source").to_owned(),
        ));
    }
    from_json.sort();
    assert_eq!(from_json, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_last_after_a_second_backfill_writes_only_the_new_settlements() {
    let server = history_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    backfill(&server, dir.path(), 10).await;
    let lake = dir.path().join("lake");
    let args = ["funding", "--partition", "--since", "last"];
    export(&server, dir.path(), &args, &lake).await;
    let first_files = parquet_files(&lake);
    let first = read_parquet(&lake);
    assert!(first.len() > 100, "{} settlements", first.len());
    assert!(
        first_files
            .iter()
            .all(|f| f.to_string_lossy().contains("/venue=")
                && f.to_string_lossy().contains("/month=")),
        "{first_files:?}"
    );
    // The second backfill reaches 20 days further back.
    backfill(&server, dir.path(), 30).await;
    let started = chrono::Utc::now().timestamp_millis();
    export(&server, dir.path(), &args, &lake).await;
    let all_files = parquet_files(&lake);
    let added: Vec<PathBuf> = all_files
        .iter()
        .filter(|f| !first_files.contains(f))
        .cloned()
        .collect();
    assert!(!added.is_empty());
    let mut new = Vec::new();
    for f in &added {
        new.extend(read_parquet(f));
    }
    new.sort();
    // Exactly what the store gained: the union is the store, with no settlement twice.
    let mut union: Vec<Settlement> = first.iter().chain(&new).cloned().collect();
    union.sort();
    let before_dedup = union.len();
    union.dedup();
    assert_eq!(union.len(), before_dedup, "no settlement exported twice");
    let stored = normalized(stored(dir.path(), started));
    let union: Vec<Settlement> = union.into_iter().filter(|r| r.2 <= started).collect();
    assert_eq!(union, stored);
    // Per market, the new rows lie outside the span the first export covered.
    let mut spans: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for r in &first {
        let s = spans
            .entry((r.0.clone(), r.1.clone()))
            .or_insert((r.2, r.2));
        *s = (s.0.min(r.2), s.1.max(r.2));
    }
    for r in &new {
        if let Some((a, b)) = spans.get(&(r.0.clone(), r.1.clone())) {
            assert!(r.2 < *a || r.2 > *b, "{r:?} inside {a}..{b}");
        }
    }
    assert!(new.len() > first.len(), "20 more days than 10");
    // Nothing new: no new file.
    export(&server, dir.path(), &args, &lake).await;
    let third: Vec<PathBuf> = parquet_files(&lake);
    let extra: usize = third
        .iter()
        .filter(|f| !all_files.contains(f))
        .map(|f| read_parquet(f).iter().filter(|r| r.2 <= started).count())
        .sum();
    assert_eq!(extra, 0);
}

/// A store of 3 venues × 100 perps × 2,000 hourly settlements written in-process (big enough
/// that an export is still writing a while after it starts), opened and closed once by the
/// binary. Returns the settlements.
async fn big_store(dir: &Path) -> usize {
    use basis::store::FundingEvent;
    let data = dir.join("data");
    let store = Store::open(&data).expect("open");
    let now = chrono::Utc::now().timestamp_millis() / 3_600_000 * 3_600_000;
    let mut records = 0;
    for v in VENUES {
        for p in 0..100 {
            let events: Vec<(i64, FundingEvent)> = (0..2_000)
                .map(|i| {
                    let t = now - (2_000 - i) * 3_600_000;
                    (
                        t,
                        FundingEvent {
                            r: Decimal::new(100 + (i * 7 + p) % 50, 6),
                            h: Decimal::ONE,
                            seen: t,
                        },
                    )
                })
                .collect();
            records += events.len();
            store
                .put_funding_events(v, &format!("SYN{p:03}USDT"), &events)
                .expect("write");
        }
    }
    store.close().expect("close");
    // Opened and closed once by the binary, as any store in use has been: the first open after
    // a large write trims sled's log by a segment, which a kill before the next close leaves
    // for the store's crash check to refuse (a store issue, not the export's).
    let mut stats = basis_demo(dir);
    stats.args(["db", "stats"]);
    assert_eq!(code(&run(stats).await), 0);
    records
}

/// Starts `basis export funding --out <dir>/out/funding.parquet` and returns once it is writing
/// (its temporary file exists), still running.
fn start_export(dir: &Path) -> std::process::Child {
    let file = dir.join("out").join("funding.parquet");
    let mut cmd = basis_demo(dir);
    cmd.args(["export", "funding", "--out"]).arg(&file);
    let mut child = cmd
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let waited = std::time::Instant::now();
    while !writing(dir) && waited.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(writing(dir), "the export never started writing");
    assert!(
        child.try_wait().expect("poll").is_none(),
        "the export finished before the signal: make the store bigger"
    );
    child
}

/// Whether a temporary export file exists under `<dir>/out`.
fn writing(dir: &Path) -> bool {
    std::fs::read_dir(dir.join("out"))
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        })
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_export_leaves_no_file_a_reader_would_pick_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let records = big_store(dir.path()).await;
    let mut child = start_export(dir.path());
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let file = dir.path().join("out").join("funding.parquet");
    // No file a reader's glob picks up: the destination does not exist, nothing ends .parquet.
    assert!(!file.exists());
    assert!(parquet_files(&dir.path().join("out")).is_empty());
    // Run again: complete, and the dead run's temporary file is gone.
    let mut cmd = basis_demo(dir.path());
    cmd.args(["export", "funding", "--out"]).arg(&file);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(read_parquet(&file).len(), records);
    assert!(
        !writing(dir.path()),
        "the killed run's temporary file was removed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_an_export_cleanly_exit_75_and_nothing_left() {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    let dir = tempfile::tempdir().expect("tempdir");
    let records = big_store(dir.path()).await;
    let child = start_export(dir.path());
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    kill(pid, Signal::SIGTERM).expect("SIGTERM");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(code(&out), 75, "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    // Not even a temporary file; the store was closed properly (no recovery at the next open).
    assert_eq!(
        std::fs::read_dir(dir.path().join("out"))
            .expect("dir")
            .count(),
        0
    );
    let file = dir.path().join("out").join("funding.parquet");
    let mut cmd = basis_demo(dir.path());
    cmd.args(["export", "funding", "--out"]).arg(&file);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("did not close"), "{}", stderr(&out));
    assert_eq!(read_parquet(&file).len(), records);
}

/// `db stats` records of `tree` summed over the venues.
async fn db_total(server: &Server, dir: &Path, tree: &str) -> u64 {
    db_stats(server, dir, tree).await.values().sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closes_bars_quotes_and_opportunities_export_what_the_store_holds() {
    let server = history_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = basis(&server, dir.path());
    cmd.args(["backfill", "--assets", ASSETS, "--days", "3"])
        .args(["--venues", "binance,bybit,okx"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // One poll two days ago: an hour of the time series that has ended, and a finished day.
    let now = chrono::Utc::now();
    let (perps, closes_final) = {
        let store = Store::open(&dir.path().join("data")).expect("open");
        let mut snap = store
            .latest_snapshot(Venue::Okx)
            .expect("read")
            .expect("snapshot");
        snap.received_at = now - chrono::Duration::days(2);
        store.write_snapshot(&snap).expect("write");
        let mut finished = 0;
        for v in VENUES {
            let s = store.latest_snapshot(v).expect("read").expect("snapshot");
            let markets = s
                .perps
                .iter()
                .map(|p| (basis::model::Market::Perp, &p.symbol))
                .chain(
                    s.spots
                        .iter()
                        .map(|p| (basis::model::Market::Spot, &p.symbol)),
                );
            for (m, symbol) in markets {
                finished += store
                    .daily_closes(v, m, symbol)
                    .expect("closes")
                    .iter()
                    .filter(|(day, _)| day + 86_400_000 <= now.timestamp_millis())
                    .count();
            }
        }
        store.close().expect("close");
        (snap.perps, finished)
    };
    let csv_rows = |path: &Path| {
        csv::Reader::from_path(path)
            .expect("csv")
            .records()
            .map(|r| r.expect("record"))
            .collect::<Vec<_>>()
    };
    // Closes: every finished day of every market, as CSV.
    let closes = dir.path().join("closes.csv");
    export(&server, dir.path(), &["closes", "--format", "csv"], &closes).await;
    let rows = csv_rows(&closes);
    assert!(closes_final > 0);
    assert_eq!(rows.len(), closes_final);
    assert!(rows.iter().all(|r| r[5].len() == 10 && r[7].ends_with('Z')));
    // Bars: every stored hourly candle (all finished), as Parquet.
    let bars = dir.path().join("bars.parquet");
    export(&server, dir.path(), &["bars"], &bars).await;
    let reader = SerializedFileReader::new(std::fs::File::open(&bars).expect("open")).expect("pq");
    let stored_bars = db_total(&server, dir.path(), "prices_1h").await;
    assert!(stored_bars > 0);
    assert_eq!(
        u64::try_from(reader.metadata().file_metadata().num_rows()).expect("rows"),
        stored_bars
    );
    // Quotes: the hour that ended (the backfill's own poll is this hour: not final yet).
    let quotes = dir.path().join("quotes.ndjson");
    export(
        &server,
        dir.path(),
        &["quotes", "--format", "ndjson", "--venues", "okx"],
        &quotes,
    )
    .await;
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&quotes)
        .expect("read")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), perps.len());
    for p in &perps {
        let line = lines
            .iter()
            .find(|l| l["symbol"] == p.symbol.as_str())
            .expect("perp exported");
        assert_eq!(line["rate"].to_string(), p.funding_rate.to_string());
        assert_eq!(
            line["bid"].to_string(),
            p.bid.map_or("null".into(), |b| b.to_string())
        );
        assert_eq!(line["asset"], p.asset.as_str());
    }
    // Opportunities: the ranking an offline scan makes of the same snapshots, with its params.
    let ranked = dir.path().join("ranked.csv");
    export(
        &server,
        dir.path(),
        &["opportunities", "--format", "csv"],
        &ranked,
    )
    .await;
    let rows = csv_rows(&ranked);
    let mut scan = basis(&server, dir.path());
    scan.args(["scan", "--format", "json", "--offline"]);
    let out = run(scan).await;
    let report = json(&out);
    let expected = report["opportunities"].as_array().expect("rows");
    assert!(!expected.is_empty());
    assert_eq!(rows.len(), expected.len());
    for (row, o) in rows.iter().zip(expected) {
        assert_eq!(&row[1], o["rank"].to_string().as_str());
        assert_eq!(&row[11], o["short"]["symbol"].as_str().expect("symbol"));
    }
    let params: serde_json::Value = serde_json::from_str(&rows[0][28]).expect("params JSON");
    assert_eq!(params["offline"], true);
    assert_eq!(params["hold_days"].to_string(), "7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_flag_values_exit_64_and_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    for (args, needle) in [
        (vec!["--since", "yesterday"], "--since"),
        (vec!["--until", "2025-13-45"], "--until"),
        (
            vec!["--since", "2025-02", "--until", "2025-01"],
            "before --until",
        ),
    ] {
        let mut cmd = basis_demo(dir.path());
        cmd.args(["export", "funding", "--out"])
            .arg(out_dir.join("f.parquet"))
            .args(&args);
        let out = run(cmd).await;
        assert_eq!(code(&out), 64, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{}", stderr(&out));
    }
    // A directory without --partition.
    let mut cmd = basis_demo(dir.path());
    cmd.args(["export", "funding", "--out"]).arg(&out_dir);
    let out = run(cmd).await;
    assert_eq!(code(&out), 64, "{}", stderr(&out));
    assert!(stderr(&out).contains("--partition"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&out_dir).expect("dir").count(), 0);
}
