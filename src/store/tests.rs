//! Store tests: round trips, locking, crashes, compaction, retention, pieces, series.

use super::*;
use crate::model::{PerpQuote, Venue};
use rust_decimal::Decimal;

pub(super) fn snapshot(t: i64) -> Snapshot {
    let received_at = DateTime::from_timestamp_millis(t).expect("time");
    Snapshot {
        venue: Venue::Okx,
        received_at,
        perps: vec![PerpQuote {
            bid: Some(Decimal::from(100)),
            ask: Some(Decimal::from(101)),
            ..PerpQuote::listed(Venue::Okx, "BTC-USDT-SWAP", ("BTC", "USDT"), received_at)
        }],
        spots: vec![],
    }
}

/// A new store in a temporary data dir (the dir goes when the guard drops).
fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    (dir, store)
}

/// The stored daily closes of one market: (day start ms, close).
fn closes_of(store: &Store, market: Market, symbol: &str) -> Vec<(i64, Decimal)> {
    let closes = store
        .daily_closes(Venue::Okx, market, symbol)
        .expect("closes");
    closes.iter().map(|(t, c)| (*t, c.close)).collect()
}

#[test]
fn snapshots_round_trip_and_rewrites_are_idempotent() {
    let (_dir, store) = fresh();
    store.write_snapshot(&snapshot(1_000)).expect("write");
    store.write_snapshot(&snapshot(1_000)).expect("rewrite");
    store
        .write_snapshot(&snapshot(1_800_000))
        .expect("same hour");
    store
        .write_snapshot(&snapshot(3_601_000))
        .expect("next hour");
    assert_eq!(
        store.latest_snapshot(Venue::Okx).expect("read"),
        Some(snapshot(3_601_000))
    );
    let hist = store
        .perp_history(Venue::Okx, "BTC-USDT-SWAP")
        .expect("history");
    // One observation per hour, keyed by the hour's start.
    assert_eq!(
        hist.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        vec![0, 3_600_000]
    );
    assert_eq!(
        store
            .prune(DateTime::from_timestamp_millis(1_000_000).expect("t"))
            .expect("prune"),
        1
    );
    assert_eq!(
        store
            .perp_history(Venue::Okx, "BTC-USDT-SWAP")
            .expect("h")
            .len(),
        1
    );
    assert_eq!(store.latest_snapshot(Venue::Bybit).expect("read"), None);
}

#[test]
fn second_open_is_refused_while_locked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _first = Store::open(dir.path()).expect("open");
    let err = Store::open(dir.path()).expect_err("locked");
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(err.to_string().contains(&dir.path().display().to_string()));
}

#[test]
fn bans_and_references_persist_across_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let until = DateTime::from_timestamp_millis(5_000_000).expect("t");
    {
        let store = Store::open(dir.path()).expect("open");
        store.set_banned_until(Venue::Binance, until).expect("ban");
        store
            .put_reference(Venue::Bybit, until, &Reference::default())
            .expect("ref");
        store.flush().expect("flush");
    }
    let store = Store::open(dir.path()).expect("reopen");
    assert_eq!(
        store.banned_until(Venue::Binance).expect("get"),
        Some(until)
    );
    assert_eq!(
        store.reference(Venue::Bybit).expect("get").map(|r| r.0),
        Some(until)
    );
}

#[test]
fn damaged_files_of_a_cleanly_closed_store_are_refused_untouched() {
    let (dir, store) = fresh();
    for i in 0..50 {
        let t = DateTime::from_timestamp_millis(1_000 + i).expect("t");
        store.set_banned_until(Venue::Okx, t).expect("write");
    }
    store.close().expect("close");
    // A clean reopen works and keeps the data.
    let store = Store::open(dir.path()).expect("reopen");
    assert!(store.banned_until(Venue::Okx).expect("read").is_some());
    store.close().expect("close");

    let db = dir.path().join("db/db");
    let mut bytes = std::fs::read(&db).expect("read");
    for b in bytes.iter_mut().skip(100).take(200) {
        *b ^= 0x5a;
    }
    std::fs::write(&db, &bytes).expect("damage");
    let err = Store::open(dir.path()).expect_err("corrupt");
    assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
    assert!(err.to_string().contains("checksum"), "{err}");
    assert_eq!(
        std::fs::read(&db).expect("read"),
        bytes,
        "files were modified"
    );
}

#[test]
fn a_crash_before_close_lets_sled_recover() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = Store::open(dir.path()).expect("open");
        store.write_snapshot(&snapshot(1_000)).expect("write");
        store.flush().expect("flush");
        // Dropped without close(): the seal stays open, as after a kill.
    }
    let before = std::fs::read(dir.path().join("db/db")).expect("read");
    let store = Store::open(dir.path()).expect("reopen after crash");
    assert_eq!(
        store.latest_snapshot(Venue::Okx).expect("read"),
        Some(snapshot(1_000))
    );
    // The files as the crash left them were copied aside before sled recovered them.
    assert_eq!(recovery_copy(&dir), before);
}

/// A store holding OKX's snapshot at 1,000 ms, closed cleanly.
fn closed_store() -> tempfile::TempDir {
    let (dir, store) = fresh();
    store.write_snapshot(&snapshot(1_000)).expect("write");
    store.close().expect("close");
    dir
}

/// A store closed cleanly once (returns the log's length then), then written by a run
/// that crashed: dropped without close(), so the seal stays open.
fn crashed_store() -> (tempfile::TempDir, usize) {
    let dir = closed_store();
    let clean_len = std::fs::metadata(dir.path().join("db/db"))
        .expect("len")
        .len() as usize;
    {
        let store = Store::open(dir.path()).expect("open");
        store.write_snapshot(&snapshot(2_000)).expect("write");
        store.flush().expect("flush");
    }
    (dir, clean_len)
}

#[test]
fn a_run_killed_while_recovering_keeps_the_first_copy() {
    let (dir, _) = crashed_store();
    let crashed = std::fs::read(dir.path().join("db/db")).expect("read");
    let seal::State::Crashed { baseline, .. } =
        seal::check(dir.path(), &dir.path().join(DB_DIR)).expect("seal")
    else {
        panic!("not crashed");
    };
    // A recovering run copied the files, then was killed while sled rewrote them.
    seal::preserve(dir.path(), &dir.path().join(DB_DIR)).expect("copy");
    seal::open_recovering(dir.path(), baseline).expect("seal");
    let mut half = crashed.clone();
    half.extend_from_slice(&[0u8; 64]);
    std::fs::write(dir.path().join("db/db"), &half).expect("write");
    // The next run recovers, and the copy is still the files from before any recovery.
    let _ = Store::open(dir.path());
    assert_eq!(recovery_copy(&dir), crashed);
}

#[test]
fn a_crashed_store_that_sled_cannot_open_is_refused_from_then_on() {
    let (dir, clean_len) = crashed_store();
    // Truncated below what the crashed run found (sled alone would quietly drop the tail).
    let db = dir.path().join("db/db");
    let bytes = std::fs::read(&db).expect("read");
    std::fs::write(&db, &bytes[..clean_len / 2]).expect("truncate");
    let truncated = std::fs::read(&db).expect("read");
    let err = Store::open(dir.path()).expect_err("unrecoverable");
    assert!(
        matches!(&err, StoreError::Unrecoverable { copy: Some(_), .. }),
        "{err}"
    );
    assert!(err.to_string().contains("recovery"), "{err}");
    assert_eq!(recovery_copy(&dir), truncated);
    // The next open refuses at once and leaves the copy alone.
    let err = Store::open(dir.path()).expect_err("still refused");
    assert!(err.to_string().contains("earlier run"), "{err}");
    assert_eq!(recovery_copy(&dir), truncated);
}

/// Opens the store giving sled no time (so the watchdog gives up, as on a stalled disk), then
/// waits until the abandoned open has finished (a real run exits instead) and sled has let go
/// of its files.
fn open_stalled(dir: &tempfile::TempDir) -> StoreError {
    let err = Store::open_within(dir.path(), Some(std::time::Duration::ZERO))
        .expect_err("an open given no time stalls");
    let abandoned = std::mem::take(&mut *open::ABANDONED.lock().expect("lock"));
    for thread in abandoned {
        thread.join().expect("the abandoned open ends");
    }
    let db_dir = dir.path().join(DB_DIR);
    assert!(
        seal::settle(&db_dir, std::time::Duration::from_secs(60)).expect("lock"),
        "the abandoned open never let go of sled's log"
    );
    err
}

#[test]
fn a_clean_store_that_opens_too_slowly_is_recovered_by_the_next_run() {
    let dir = closed_store();
    let err = open_stalled(&dir);
    assert!(matches!(err, StoreError::Stalled { .. }), "{err}");
    assert!(
        err.to_string().contains("nothing is lost: run again"),
        "{err}"
    );
    // Not refused for good: the next run recovers it as after a crash, copy first.
    let store = Store::open(dir.path()).expect("the next run opens it");
    assert_eq!(
        store.latest_snapshot(Venue::Okx).expect("read"),
        Some(snapshot(1_000))
    );
    store.close().expect("close");
    assert!(dir.path().join(seal::RECOVERY_DIR).join(DB_DIR).exists());
    assert!(matches!(
        seal::check(dir.path(), &dir.path().join(DB_DIR)),
        Ok(seal::State::Clean(_))
    ));
}

#[test]
fn a_crashed_store_whose_recovery_stalls_is_refused_from_then_on() {
    let (dir, _) = crashed_store();
    let err = open_stalled(&dir);
    assert!(
        matches!(&err, StoreError::Unrecoverable { copy: Some(_), .. }),
        "{err}"
    );
    assert!(err.to_string().contains("did not answer"), "{err}");
    let err = Store::open(dir.path()).expect_err("still refused");
    assert!(err.to_string().contains("earlier run"), "{err}");
}

#[test]
fn the_latest_view_is_small_pieces_and_follows_the_listing() {
    let (_dir, store) = fresh();
    let mut a = snapshot(1_000);
    let mut eth = a.perps[0].clone();
    eth.symbol = "ETH-USDT-SWAP".into();
    eth.asset = "ETH".into();
    a.perps.push(eth);
    store.write_snapshot(&a).expect("write");
    assert_eq!(store.latest_snapshot(Venue::Okx).expect("read"), Some(a));
    // ETH delisted: the next snapshot has BTC only, and so does the latest view.
    let b = snapshot(2_000);
    store.write_snapshot(&b).expect("write");
    assert_eq!(
        store.latest_snapshot(Venue::Okx).expect("read"),
        Some(b.clone())
    );
    for item in store.inner.trees.latest.iter() {
        let (_, v) = item.expect("record");
        assert!(v.len() <= PIECE_BYTES, "{} bytes", v.len());
    }
    assert_eq!(store.latest_snapshot(Venue::Bybit).expect("read"), None);
    // A store written before tree `latest` existed: the whole value in `meta` is read, and
    // removed by the next write.
    let mut legacy = snapshot(3_000);
    legacy.venue = Venue::Bybit;
    legacy.perps.clear();
    store
        .put_json(&keys::meta_key("latest", Venue::Bybit), &legacy)
        .expect("legacy");
    assert_eq!(
        store.latest_snapshot(Venue::Bybit).expect("read"),
        Some(legacy.clone())
    );
    store.write_snapshot(&legacy).expect("write");
    assert!(
        store
            .inner
            .trees
            .meta
            .get(keys::meta_key("latest", Venue::Bybit))
            .expect("get")
            .is_none()
    );
    assert_eq!(
        store.latest_snapshot(Venue::Bybit).expect("read"),
        Some(legacy)
    );
}

#[test]
fn compaction_keeps_every_record_and_gives_back_dead_space() {
    let (dir, store) = fresh();
    // Many rewrites of the same records: dead space in sled's log.
    for i in 0..300 {
        let mut snap = snapshot(1_000 + i);
        for n in 0..40 {
            let mut p = snap.perps[0].clone();
            p.symbol = format!("SYN{n}-USDT-SWAP");
            p.funding_rate = Decimal::new(i, 6);
            snap.perps.push(p);
        }
        store.write_snapshot(&snap).expect("write");
    }
    store
        .put_funding_events(
            Venue::Okx,
            "BTC-USDT-SWAP",
            &[(
                28_800_000,
                FundingEvent {
                    r: Decimal::new(1, 4),
                    h: Decimal::from(8),
                    seen: 1,
                },
            )],
        )
        .expect("archive");
    store.flush().expect("flush");
    let before = store.stats().expect("stats");
    let latest = store.latest_snapshot(Venue::Okx).expect("read");
    let check = store.check().expect("check");
    assert_eq!(check.bad, 0, "{:?}", check.problems);
    let compaction = store.compact().expect("compact");
    for (tree, b, a) in &compaction.records {
        assert_eq!(b, a, "{tree}");
    }
    assert!(
        compaction.size_after < compaction.size_before,
        "{compaction:?}"
    );
    assert!(!dir.path().join(COMPACT_DIR).exists());
    assert!(!dir.path().join(OLD_DIR).exists());
    // Sealed: it opens cleanly, and holds the same records.
    let store = Store::open(dir.path()).expect("reopen");
    let after = store.stats().expect("stats");
    assert_eq!(before.trees, after.trees);
    // The same records, plus the key recording the compacted size.
    assert!(
        after.live_bytes - before.live_bytes < 40,
        "{before:?} {after:?}"
    );
    assert_eq!(store.latest_snapshot(Venue::Okx).expect("read"), latest);
    assert!(!store.compaction_due().expect("due"));
    store.close().expect("close");
}

#[test]
fn thirty_day_chunks_of_older_stores_are_read_and_rechunked_by_compaction() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A store from before 5-day chunks: no width key.
    let store = Store::open(dir.path()).expect("open");
    store
        .inner
        .trees
        .meta
        .remove(CHUNK_WIDTH_KEY)
        .expect("remove");
    store.close().expect("close");
    let store = Store::open(dir.path()).expect("open");
    assert!(store.inner.legacy_chunks);
    let day = 86_400_000;
    let event = |i: i64| FundingEvent {
        r: Decimal::new(i, 6),
        h: Decimal::ONE,
        seen: 1,
    };
    // One 30-day chunk of hourly settlements, as older versions wrote it.
    let start = 30 * day * 700;
    let old: std::collections::BTreeMap<i64, FundingEvent> = (0..720)
        .map(|i| (start + i * 3_600_000, event(i)))
        .collect();
    store
        .inner
        .trees
        .archive
        .insert(
            keys::quote_key(Venue::Okx, Market::Perp, "BTC-USDT-SWAP", start),
            encode_chunk(&old),
        )
        .expect("legacy chunk");
    // A newer backfill of the same days (5-day chunks) repeats some settlements.
    let newer: Vec<(i64, FundingEvent)> = (700..760)
        .map(|i| (start + i * 3_600_000, event(i)))
        .collect();
    store
        .put_funding_events(Venue::Okx, "BTC-USDT-SWAP", &newer)
        .expect("put");
    // A read from the middle of the old chunk sees it.
    let since = start + 20 * day;
    let read = store
        .funding_events_since(Venue::Okx, "BTC-USDT-SWAP", since)
        .expect("read");
    assert_eq!(read.len(), 760 - 480);
    assert_eq!(read.first().map(|(t, _)| *t), Some(since));
    let compaction = store.compact().expect("compact");
    let archive = compaction
        .records
        .iter()
        .find(|(t, _, _)| *t == "funding_archive")
        .expect("archive");
    assert_eq!((archive.1, archive.2), (760, 760));
    let store = Store::open(dir.path()).expect("reopen");
    assert!(
        !store.inner.legacy_chunks,
        "compaction rewrote every old chunk"
    );
    for item in store.inner.trees.archive.iter() {
        let (_, v) = item.expect("chunk");
        assert!(v.len() <= 120 * CHUNK_RECORD, "{} bytes", v.len());
    }
    assert_eq!(
        store
            .funding_events_since(Venue::Okx, "BTC-USDT-SWAP", since)
            .expect("read"),
        read
    );
}

#[test]
fn an_interrupted_compaction_is_finished_or_undone_at_the_next_open() {
    let dir = closed_store();
    // A copy that never completed is deleted; the store is untouched.
    std::fs::create_dir_all(dir.path().join(COMPACT_DIR)).expect("mkdir");
    std::fs::write(dir.path().join(COMPACT_DIR).join("db"), b"partial").expect("write");
    let store = Store::open(dir.path()).expect("open");
    assert!(!dir.path().join(COMPACT_DIR).exists());
    assert_eq!(
        store.latest_snapshot(Venue::Okx).expect("read"),
        Some(snapshot(1_000))
    );
    store.close().expect("close");
    // Killed mid-swap: the old store renamed away, the complete copy not yet in place.
    let copy = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("open");
    store.write_snapshot(&snapshot(2_000)).expect("write");
    store.close().expect("close");
    let files = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to).expect("mkdir");
        for e in std::fs::read_dir(from).expect("read") {
            let e = e.expect("entry");
            if e.path().is_file() {
                std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
            }
        }
    };
    files(&dir.path().join(DB_DIR), &copy.path().join("db"));
    std::fs::rename(dir.path().join(DB_DIR), dir.path().join(OLD_DIR)).expect("rename");
    files(&copy.path().join("db"), &dir.path().join(COMPACT_DIR));
    std::fs::write(dir.path().join(COMPACT_DONE), b"").expect("done");
    let store = Store::open(dir.path()).expect("open");
    assert_eq!(
        store.latest_snapshot(Venue::Okx).expect("read"),
        Some(snapshot(2_000))
    );
    assert!(!dir.path().join(OLD_DIR).exists());
    assert!(!dir.path().join(COMPACT_DONE).exists());
}

#[test]
fn retention_prunes_each_kind_of_record_at_its_own_age_once_a_day() {
    let (_dir, store) = fresh();
    let day = 86_400_000;
    let now = DateTime::from_timestamp_millis(400 * day).expect("now");
    let bar = PriceBar {
        high: Decimal::ONE,
        low: Decimal::ONE,
        close: Decimal::ONE,
    };
    let event = FundingEvent {
        r: Decimal::new(1, 4),
        h: Decimal::from(8),
        seen: 1,
    };
    for age in [1, 5, 100, 300] {
        let t = 400 * day - age * day;
        store
            .put_price_bars(
                Venue::Okx,
                Market::Perp,
                "BTC-USDT-SWAP",
                crate::model::series::Bar::Hour,
                &[(t, bar)],
            )
            .expect("bars");
        store
            .put_funding_events(Venue::Okx, "BTC-USDT-SWAP", &[(t, event.clone())])
            .expect("funding");
    }
    let retention = Retention {
        quotes: std::time::Duration::from_secs(2 * 86_400),
        history: std::time::Duration::from_secs(200 * 86_400),
        bars: std::time::Duration::from_secs(30 * 86_400),
    };
    let hour = std::time::Duration::from_secs(3600);
    let removed = store.prune_if_due(now, &retention, hour).expect("prune");
    assert_eq!(removed, 3, "two bars and one settlement");
    let bars = store
        .hourly_bars(Venue::Okx, Market::Perp, "BTC-USDT-SWAP", 0)
        .expect("bars");
    assert_eq!(bars.len(), 2);
    let events = store
        .funding_events(Venue::Okx, "BTC-USDT-SWAP")
        .expect("events");
    assert_eq!(events.len(), 3);
    // Not due again the same day.
    store
        .put_funding_events(Venue::Okx, "BTC-USDT-SWAP", &[(day, event.clone())])
        .expect("funding");
    let later = now + chrono::Duration::hours(2);
    assert_eq!(
        store.prune_if_due(later, &retention, hour).expect("prune"),
        0
    );
    let next_day = now + chrono::Duration::days(1);
    assert_eq!(
        store
            .prune_if_due(next_day, &retention, hour)
            .expect("prune"),
        1
    );
}

#[test]
fn large_values_are_stored_in_small_pieces() {
    let (_dir, store) = fresh();
    let big: Vec<String> = (0..5_000).map(|i| format!("instrument-{i}")).collect();
    store.put_pieces_json(b"reference/okx", &big).expect("put");
    assert_eq!(
        store
            .get_pieces_json::<Vec<String>>(b"reference/okx")
            .expect("get"),
        Some(big)
    );
    let pieces = |store: &Store| {
        store
            .inner
            .trees
            .meta
            .scan_prefix(b"reference/okx#")
            .count()
    };
    assert!(pieces(&store) > 10);
    // A smaller value leaves no stale piece behind.
    let small = vec!["one".to_owned()];
    store
        .put_pieces_json(b"reference/okx", &small)
        .expect("put");
    assert_eq!(pieces(&store), 1);
    assert_eq!(
        store
            .get_pieces_json::<Vec<String>>(b"reference/okx")
            .expect("get"),
        Some(small)
    );
    // A whole value from an older store is still read, and replaced by pieces.
    store
        .put_json(b"reference/bybit", &vec![1, 2, 3])
        .expect("put");
    assert_eq!(
        store
            .get_pieces_json::<Vec<i32>>(b"reference/bybit")
            .expect("get"),
        Some(vec![1, 2, 3])
    );
    store
        .put_pieces_json(b"reference/bybit", &vec![4])
        .expect("put");
    assert!(
        store
            .inner
            .trees
            .meta
            .get(b"reference/bybit")
            .expect("get")
            .is_none()
    );
}

#[test]
fn funding_events_keep_the_last_rate_per_settlement_and_prune_consistently() {
    let (_dir, store) = fresh();
    let settle = |ms: i64| DateTime::from_timestamp_millis(ms).expect("t");
    let mut a = snapshot(1_000);
    a.perps[0].next_funding_time = Some(settle(28_800_000));
    store.write_snapshot(&a).expect("write");
    // A later poll of the same period overwrites its rate.
    let mut b = snapshot(2_000);
    b.perps[0].next_funding_time = Some(settle(28_800_000));
    b.perps[0].funding_rate = Decimal::new(3, 4);
    store.write_snapshot(&b).expect("write");
    // The next period.
    let mut c = snapshot(28_801_000);
    c.perps[0].next_funding_time = Some(settle(57_600_000));
    store.write_snapshot(&c).expect("write");
    let events = store
        .funding_events(Venue::Okx, "BTC-USDT-SWAP")
        .expect("events");
    assert_eq!(
        events.iter().map(|(t, e)| (*t, e.r)).collect::<Vec<_>>(),
        vec![
            (28_800_000, Decimal::new(3, 4)),
            (57_600_000, Decimal::new(1, 4))
        ]
    );
    let stats = store.stats().expect("stats");
    let funding = tree_stats(&stats, "funding");
    assert_eq!(funding[&Venue::Okx].records, 2);
    assert_eq!(funding[&Venue::Okx].oldest_ms, 28_800_000);
    // Pruning before the second settlement removes one event and the older quotes.
    let removed = store.prune_all(settle(30_000_000)).expect("prune");
    assert!(removed >= 2, "{removed}");
    assert_eq!(
        store
            .funding_events(Venue::Okx, "BTC-USDT-SWAP")
            .expect("events")
            .len(),
        1
    );
    assert!(store.latest_snapshot(Venue::Okx).expect("latest").is_some());
}

#[test]
fn daily_closes_keep_the_last_mid_of_each_utc_day() {
    let (_dir, store) = fresh();
    let day = 86_400_000;
    for (t, bid) in [(1_000, 100), (day - 1_000, 110), (day + 5_000, 120)] {
        let mut s = snapshot(t);
        s.perps[0].bid = Some(Decimal::from(bid));
        s.perps[0].ask = Some(Decimal::from(bid + 2));
        store.write_snapshot(&s).expect("write");
    }
    assert_eq!(
        closes_of(&store, Market::Perp, "BTC-USDT-SWAP"),
        vec![(0, Decimal::from(111)), (day, Decimal::from(121))]
    );
}

#[test]
fn polls_record_the_daily_close_of_spot_pairs_too() {
    let (_dir, store) = fresh();
    let mut s = snapshot(5_000);
    s.spots.push(crate::model::SpotQuote {
        bid: Some(Decimal::from(3000)),
        ask: Some(Decimal::from(3002)),
        ..crate::model::SpotQuote::listed(Venue::Okx, "ETH-USDT", ("ETH", "USDT"), s.received_at)
    });
    store.write_snapshot(&s).expect("write");
    assert_eq!(
        closes_of(&store, Market::Spot, "ETH-USDT"),
        vec![(0, Decimal::from(3001))]
    );
}

#[test]
fn candles_store_daily_closes_over_poll_values_and_hourly_bars_whole() {
    use crate::model::series::Bar;
    let (_dir, store) = fresh();
    let day = 86_400_000;
    let hour = 3_600_000;
    // A poll saw 111 during day 0; the daily candle of day 0 closed at 115.
    let mut s = snapshot(day - 1_000);
    s.perps[0].bid = Some(Decimal::from(110));
    s.perps[0].ask = Some(Decimal::from(112));
    store.write_snapshot(&s).expect("write");
    let bar = |c: i64| PriceBar {
        high: Decimal::from(c + 1),
        low: Decimal::from(c - 1),
        close: Decimal::from(c),
    };
    let sym = "BTC-USDT-SWAP";
    store
        .put_price_bars(Venue::Okx, Market::Perp, sym, Bar::Day, &[(0, bar(115))])
        .expect("daily");
    store
        .put_price_bars(
            Venue::Okx,
            Market::Spot,
            "BTC-USDT",
            Bar::Day,
            &[(0, bar(114))],
        )
        .expect("daily spot");
    let hours: Vec<(i64, PriceBar)> = (0..5).map(|k| (k * hour, bar(100 + k))).collect();
    store
        .put_price_bars(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Hour, &hours)
        .expect("hourly");
    // Idempotent: the same page again changes nothing.
    store
        .put_price_bars(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Hour, &hours)
        .expect("hourly again");
    let perp = store
        .daily_closes(Venue::Okx, Market::Perp, sym)
        .expect("closes");
    assert_eq!(perp.len(), 1);
    assert_eq!(
        (perp[0].0, perp[0].1.close, perp[0].1.seen),
        (0, Decimal::from(115), day)
    );
    let spot = store
        .daily_closes(Venue::Okx, Market::Spot, "BTC-USDT")
        .expect("spot closes");
    assert_eq!(spot[0].1.close, Decimal::from(114));
    assert_eq!(
        store
            .hourly_bars(Venue::Okx, Market::Spot, "BTC-USDT", 2 * hour)
            .expect("bars"),
        hours[2..].to_vec()
    );
    assert!(
        store
            .hourly_bars(Venue::Okx, Market::Perp, "BTC-USDT", 0)
            .expect("bars")
            .is_empty()
    );
    // Markers per market and bar.
    assert_eq!(
        store
            .price_marker(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Hour)
            .expect("marker"),
        None
    );
    store
        .set_price_marker(
            Venue::Okx,
            Market::Spot,
            "BTC-USDT",
            Bar::Hour,
            (0, 4 * hour),
        )
        .expect("set");
    assert_eq!(
        store
            .price_marker(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Hour)
            .expect("marker"),
        Some((0, 4 * hour))
    );
    assert_eq!(
        store
            .price_marker(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Day)
            .expect("marker"),
        None
    );
    // Stats count both price trees; pruning removes old bars consistently.
    let stats = store.stats().expect("stats");
    let count = |tree: &str| {
        tree_stats(&stats, tree)
            .get(&Venue::Okx)
            .map_or(0, |t| t.records)
    };
    assert_eq!((count("closes"), count("prices_1h")), (2, 5));
    store
        .set_backfill_marker(Venue::Okx, sym, (0, 10 * hour))
        .expect("set");
    let cutoff = DateTime::<Utc>::from_timestamp_millis(3 * hour).expect("time");
    store.prune_all(cutoff).expect("prune");
    // The markers no longer claim the pruned part.
    assert_eq!(
        store
            .price_marker(Venue::Okx, Market::Spot, "BTC-USDT", Bar::Hour)
            .expect("marker"),
        Some((3 * hour, 4 * hour))
    );
    assert_eq!(
        store.backfill_marker(Venue::Okx, sym).expect("marker"),
        Some((3 * hour, 10 * hour))
    );
    assert_eq!(
        store
            .hourly_bars(Venue::Okx, Market::Spot, "BTC-USDT", 0)
            .expect("bars"),
        hours[3..].to_vec()
    );
}

#[test]
fn price_bars_encode_round_trip() {
    let b = PriceBar {
        high: Decimal::new(123_456_789, 4),
        low: Decimal::new(-1, 28),
        close: Decimal::MAX,
    };
    assert_eq!(PriceBar::decode(&b.encode()), Some(b));
    assert_eq!(PriceBar::decode(&[0u8; 47]), None);
}

#[test]
fn funding_events_encode_round_trip() {
    let e = FundingEvent {
        r: Decimal::new(-123_456, 9),
        h: Decimal::new(15, 1),
        seen: -5,
    };
    assert_eq!(FundingEvent::decode(&e.encode()), Some(e));
    assert_eq!(FundingEvent::decode(&[0u8; 39]), None);
}

#[test]
fn backfilled_history_is_chunked_idempotent_and_wins_over_predictions() {
    let (_dir, store) = fresh();
    let h8 = 8 * 3_600_000;
    let ev = |r: i64| FundingEvent {
        r: Decimal::new(r, 6),
        h: Decimal::from(8),
        seen: 0,
    };
    // 200 settlements (about 67 days: three chunks), written twice.
    let events: Vec<(i64, FundingEvent)> = (0..200).map(|i| (i * h8, ev(100 + i))).collect();
    store
        .put_funding_events(Venue::Bybit, "BTCUSDT", &events)
        .expect("write");
    store
        .put_funding_events(Venue::Bybit, "BTCUSDT", &events[50..120])
        .expect("rewrite");
    // A poll's prediction for a time the backfill also has, and one beyond it.
    let mut s = snapshot(1);
    s.venue = Venue::Bybit;
    s.perps[0].venue = Venue::Bybit;
    s.perps[0].symbol = "BTCUSDT".into();
    s.perps[0].next_funding_time = DateTime::from_timestamp_millis(10 * h8);
    store.write_snapshot(&s).expect("poll");
    let all = store.funding_events(Venue::Bybit, "BTCUSDT").expect("read");
    assert_eq!(all.len(), 200, "no duplicates");
    assert!(
        all.windows(2).all(|w| w[1].0 - w[0].0 == h8),
        "no gaps, sorted"
    );
    assert_eq!(all[10].1.r, Decimal::new(110, 6), "settled history wins");
    let since = store
        .funding_events_since(Venue::Bybit, "BTCUSDT", 150 * h8)
        .expect("range");
    assert_eq!(since.len(), 50);
    assert_eq!(since[0].0, 150 * h8);
    let stats = store.stats().expect("stats");
    let archive = tree_stats(&stats, "funding_archive");
    assert_eq!(archive[&Venue::Bybit].records, 200);
    // Pruning cuts inside a chunk and keeps the rest.
    store
        .prune_all(DateTime::from_timestamp_millis(100 * h8).expect("t"))
        .expect("prune");
    let left = store.funding_events(Venue::Bybit, "BTCUSDT").expect("read");
    assert_eq!(left.len(), 100);
    assert_eq!(left[0].0, 100 * h8);
}

/// The data file of the copy a recovering run kept of a crashed store.
fn recovery_copy(dir: &tempfile::TempDir) -> Vec<u8> {
    std::fs::read(dir.path().join("recovery/db/db")).expect("copy")
}

/// The per-venue figures of one tree in `stats`.
fn tree_stats<'a>(
    stats: &'a StoreStats,
    name: &str,
) -> &'a std::collections::BTreeMap<Venue, TreeStats> {
    &stats
        .trees
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a tree db stats lists")
        .1
}
