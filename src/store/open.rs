//! Opening and closing the store: the lock, crash recovery, the open watchdog, `db check`.

use super::*;

/// Opens sled and its trees and reads from each: the first record, or after a crash every
/// record (sled checks each message's CRC32 as it reads), so that damage shows here, under the
/// watchdog, rather than in the middle of a command.
pub(super) fn open_trees(db_dir: &Path, read_all: bool) -> Result<Trees, String> {
    let db = sled::Config::new()
        .path(db_dir)
        .cache_capacity(8 * 1024 * 1024)
        .open()
        .map_err(|e| format!("sled: {e}"))?;
    let mut trees = Vec::with_capacity(TREE_NAMES.len());
    for name in TREE_NAMES {
        let tree = db
            .open_tree(name)
            .map_err(|e| format!("sled, tree {name}: {e}"))?;
        if read_all {
            for item in tree.iter() {
                item.map_err(|e| format!("sled, tree {name}: {e}"))?;
            }
        } else {
            tree.first()
                .map_err(|e| format!("sled, tree {name}: {e}"))?;
        }
        trees.push(tree);
    }
    let mut t = trees.into_iter();
    let mut next = || t.next().ok_or_else(|| "tree missing".to_owned());
    Ok(Trees {
        quotes: next()?,
        funding: next()?,
        closes: next()?,
        archive: next()?,
        hourly: next()?,
        latest: next()?,
        meta: next()?,
        summaries: next()?,
        db,
    })
}

/// How long opening may take: a few seconds, plus time to read the files once.
pub(super) fn watchdog_budget(db_dir: &Path) -> std::time::Duration {
    let bytes: u64 = std::fs::read_dir(db_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0);
    std::time::Duration::from_secs(5) + std::time::Duration::from_millis(bytes / 25_000)
}

/// Why a call under the [`watchdog`] gave no value.
#[derive(Debug)]
pub(super) enum Unanswered {
    /// It failed or panicked: what it said.
    Failed(String),
    /// It did not answer within the budget, in seconds.
    TimedOut(u64),
}

impl std::fmt::Display for Unanswered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unanswered::Failed(reason) => f.write_str(reason),
            Unanswered::TimedOut(secs) => write!(f, "sled did not answer within {secs} s"),
        }
    }
}

/// Runs `f` on a thread of its own and waits at most `budget`; a panic inside becomes an error
/// like any other. A thread that does not answer is left behind (the process exits soon after
/// with the error: sled has been seen to spin forever on a damaged blob).
pub(super) fn watchdog<T: Send + 'static>(
    budget: std::time::Duration,
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, Unanswered> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("store-open".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                .unwrap_or_else(|panic| Err(format!("sled panicked: {}", panic_message(&*panic))));
            let _ = tx.send(result);
        });
    let thread = match spawned {
        Ok(thread) => thread,
        Err(e) => return Err(Unanswered::Failed(format!("cannot start a thread: {e}"))),
    };
    match rx.recv_timeout(budget) {
        Ok(result) => result.map_err(Unanswered::Failed),
        Err(_) => {
            #[cfg(test)]
            if let Ok(mut abandoned) = ABANDONED.lock() {
                abandoned.push(thread);
            }
            #[cfg(not(test))]
            drop(thread);
            Err(Unanswered::TimedOut(budget.as_secs()))
        }
    }
}

/// Threads a watchdog gave up on, for a test to wait for (a real run exits instead).
#[cfg(test)]
pub(super) static ABANDONED: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>> =
    std::sync::Mutex::new(Vec::new());

/// Refuses to hand sled a store whose files look damaged: sled may rewrite a damaged tail on
/// open, and the promise is to leave a corrupt store untouched. Checks what can be checked
/// without sled: the `conf` file is sled's small header.
pub(super) fn check_intact(db_dir: &Path) -> Result<(), String> {
    let conf = db_dir.join("conf");
    if conf.exists() {
        let bytes =
            std::fs::read(&conf).map_err(|e| format!("cannot read {}: {e}", conf.display()))?;
        // sled's `conf` is `key: value` lines followed by a CRC32.
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        if !has(b"segment_size: ") || !has(b"version: ") {
            return Err(format!("{} is not sled's config file", conf.display()));
        }
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, taking its lock first.
    ///
    /// # Errors
    /// [`StoreError::Locked`] when another process holds it, [`StoreError::Corrupt`] when sled
    /// cannot read its files (they are not modified), [`StoreError::Io`] otherwise.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_within(dir, None)
    }

    /// [`Store::open`] with sled's open given `budget` instead of [`watchdog_budget`].
    pub(super) fn open_within(
        dir: &Path,
        budget: Option<std::time::Duration>,
    ) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(|e| io(dir, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    dir: dir.to_owned(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(dir, e)),
        }
        finish_compaction(dir).map_err(|e| {
            io(
                dir,
                format!("finishing an interrupted `basis db compact` failed: {e}"),
            )
        })?;
        let db_dir = dir.join(DB_DIR);
        let created = !db_dir.exists();
        let mut crashed = None;
        let mut baseline = seal::Baseline::default();
        if db_dir.exists() {
            check_intact(&db_dir).map_err(|reason| damaged(dir, reason))?;
            match seal::check(dir, &db_dir).map_err(|reason| damaged(dir, reason))? {
                seal::State::Failed(reason) => {
                    return Err(StoreError::Unrecoverable {
                        dir: dir.to_owned(),
                        reason: format!("an earlier run could not open it: {reason}"),
                        copy: Some(dir.join(seal::RECOVERY_DIR).join(DB_DIR))
                            .filter(|c| c.exists()),
                    });
                }
                seal::State::Crashed {
                    baseline,
                    recovering,
                } => crashed = Some((baseline, recovering)),
                seal::State::Clean(base) => baseline = base,
                seal::State::Unknown => {
                    baseline = seal::baseline(&db_dir).map_err(|e| io(dir, e))?;
                }
            }
        }
        // After a crash sled recovers by rewriting the log's tail: keep the files as they are
        // first, so that a failed recovery loses nothing.
        let copy = if let Some((base, recovering)) = &crashed {
            let kept = dir.join(seal::RECOVERY_DIR).join(DB_DIR);
            let copy = if *recovering && kept.exists() {
                // Killed while recovering: the copy holds the files from before any recovery.
                kept
            } else {
                seal::preserve(dir, &db_dir).map_err(|e| {
                    io(
                        dir,
                        format!(
                            "the last run did not close the store, and copying it to {} before recovery failed: {e}",
                            dir.join(seal::RECOVERY_DIR).display()
                        ),
                    )
                })?
            };
            tracing::warn!(
                copy = %copy.display(),
                "the last run did not close the store (crash or kill); recovering it, with a copy of the files as they were"
            );
            if let Err(reason) = seal::check_crashed(&db_dir, base) {
                let _ = seal::fail(dir, &reason);
                return Err(StoreError::Unrecoverable {
                    dir: dir.to_owned(),
                    reason,
                    copy: Some(copy),
                });
            }
            Some(copy)
        } else {
            None
        };
        // From here until `close`, the files may legitimately change: a crash in between leaves
        // the seal open and lets sled recover on the next open.
        match &crashed {
            Some((base, _)) => seal::open_recovering(dir, base.clone()),
            None => seal::open(dir, baseline),
        }
        .map_err(|e| io(dir, e))?;
        let read_all = crashed.is_some();
        let trees = match watchdog(budget.unwrap_or_else(|| watchdog_budget(&db_dir)), {
            let db_dir = db_dir.clone();
            move || open_trees(&db_dir, read_all)
        }) {
            Ok(trees) => trees,
            // A store that closed cleanly and still matched its seal, opening slowly (a stalled
            // disk, a starved machine): the seal stays open, so the next run takes it as after a
            // crash, copies the files first and lets sled recover them under the watchdog again,
            // and only a second stall there refuses it for good. One slow open must not turn a
            // healthy store into one that needs a person.
            Err(Unanswered::TimedOut(secs)) if crashed.is_none() => {
                return Err(StoreError::Stalled {
                    dir: dir.to_owned(),
                    secs,
                });
            }
            Err(unanswered) => {
                // Whatever sled did to the files, later runs must not retry on them blindly.
                let reason = unanswered.to_string();
                let _ = seal::fail(dir, &reason);
                return Err(StoreError::Unrecoverable {
                    dir: dir.to_owned(),
                    reason,
                    copy,
                });
            }
        };
        // The next crash is checked against the files as sled left them once open: recovery
        // rewrites the log's tail, and even a clean open may shrink the log by its unused last
        // segment, which a crash check against the files at the last close would call a
        // truncation and refuse the store for ever.
        let base = seal::baseline(&db_dir).map_err(|e| io(dir, e))?;
        seal::open(dir, base).map_err(|e| io(dir, e))?;
        if let Ok(mut opened) = OPENED.lock() {
            *opened = Some(dir.to_owned());
        }
        // A store created now, or compacted by this version, holds 5-day chunks only.
        if created {
            trees
                .meta
                .insert(CHUNK_WIDTH_KEY, b"5")
                .map_err(|e| io(dir, e))?;
        }
        let legacy_chunks = trees
            .meta
            .get(CHUNK_WIDTH_KEY)
            .map_err(|e| io(dir, e))?
            .is_none_or(|w| w.as_ref() != b"5");
        Ok(Store {
            inner: Arc::new(Inner {
                dir: dir.to_owned(),
                trees,
                legacy_chunks,
                _lock: lock,
            }),
        })
    }

    /// Flushes, closes sled and seals the files (size + CRC32 of each) so that a later open can
    /// tell corruption from a crash. Other clones of this store must be gone; if they are not,
    /// the store is only flushed and stays unsealed, which is always safe.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn close(self) -> Result<(), StoreError> {
        self.flush()?;
        match Arc::try_unwrap(self.inner) {
            Ok(inner) => {
                let (dir, lock) = inner.shut();
                seal::close(&dir, &dir.join(DB_DIR)).map_err(|e| io(&dir, e))?;
                drop(lock);
                Ok(())
            }
            Err(_) => Ok(()),
        }
    }

    /// The data dir.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Every tree, in the order of [`TREE_NAMES`].
    pub(super) fn trees(&self) -> [&sled::Tree; 8] {
        let i = &self.inner.trees;
        [
            &i.quotes,
            &i.funding,
            &i.closes,
            &i.archive,
            &i.hourly,
            &i.latest,
            &i.meta,
            &i.summaries,
        ]
    }

    /// Reads every record of every tree (sled checks each message's CRC32 as it reads) and
    /// decodes each value with the decoder its tree uses.
    ///
    /// # Errors
    /// When sled cannot read a record (damage it detected).
    pub fn check(&self) -> Result<Check, StoreError> {
        let dir = &self.inner.dir;
        let mut check = Check::default();
        for (name, tree) in TREE_NAMES.iter().zip(self.trees()) {
            let mut n = 0;
            for item in tree.iter() {
                let (k, v) = item.map_err(|e| corrupt(dir, format!("tree {name}: {e}")))?;
                n += 1;
                let time_series = || {
                    keys::decode_quote_key(&k)
                        .map(|_| ())
                        .ok_or("undecodable key")
                };
                let ok: Result<(), &str> = match *name {
                    "quotes" => time_series().and_then(|()| {
                        serde_json::from_slice::<PerpObservation>(&v)
                            .map(|_| ())
                            .map_err(|_| "undecodable observation")
                    }),
                    "funding" => time_series().and_then(|()| {
                        FundingEvent::decode(&v)
                            .map(|_| ())
                            .ok_or("funding record of the wrong size")
                    }),
                    "closes" => time_series().and_then(|()| {
                        serde_json::from_slice::<DailyCloseRecord>(&v)
                            .map(|_| ())
                            .map_err(|_| "undecodable daily close")
                    }),
                    "funding_archive" => time_series().and_then(|()| {
                        decode_chunk(&v)
                            .map(|_| ())
                            .ok_or("archive chunk of the wrong size")
                    }),
                    "prices_1h" => time_series().and_then(|()| {
                        PriceBar::decode(&v)
                            .map(|_| ())
                            .ok_or("price bar of the wrong size")
                    }),
                    summary::TREE => summary::Kept::decode(&v)
                        .map(|_| ())
                        .ok_or("undecodable funding summary"),
                    // Pieces of a snapshot, decoded whole below.
                    _ => Ok(()),
                };
                if let Err(what) = ok {
                    check.bad += 1;
                    if check.problems.len() < 20 {
                        check.problems.push(format!(
                            "{name} {}: {what}",
                            String::from_utf8_lossy(&k).escape_debug()
                        ));
                    }
                }
            }
            check.records.push((name, n));
        }
        for venue in Venue::ALL {
            if let Err(e) = self.latest_snapshot(venue) {
                check.bad += 1;
                check
                    .problems
                    .push(format!("latest snapshot of {venue}: {e}"));
            }
        }
        Ok(check)
    }

    /// Flushes everything written so far to disk.
    ///
    /// # Errors
    /// On store I/O errors.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.inner
            .trees
            .db
            .flush()
            .map(|_| ())
            .map_err(|e| io(&self.inner.dir, e))
    }
}
