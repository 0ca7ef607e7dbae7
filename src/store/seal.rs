//! The seal: what the store's files looked like when basis last closed it, and the crash copy.
//!
//! On a clean close basis writes `seal.json` beside the sled directory: the length of every file
//! and a CRC32 of a fixed sample of it (the whole file up to [`WHOLE_FILE_BYTES`], else its first
//! and last [`SAMPLE_BYTES`]), so the check at the next open costs the same whatever the store
//! holds. A changed length or sample means the files were damaged while basis was not running:
//! the store is refused before sled (whose recovery rewrites a damaged log tail) touches them.
//! What the sample does not cover, sled's own CRC32 of every message catches when it is read,
//! and `basis db check` reads everything. While basis runs the seal says `open`; finding it open
//! means the last run crashed, and the files are copied to `recovery/` before sled recovers them.
//! When that recovery fails the seal says so and every later run refuses the store unread.

use std::fs::{File, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

const SEAL_FILE: &str = "seal.json";
/// sled's log, in the database directory: the file sled locks while anything of it is alive.
const LOG_FILE: &str = "db";
/// How long [`close`] waits for sled to let go of its log before leaving the store unsealed.
const SETTLE_LIMIT: Duration = Duration::from_secs(30);
/// Where the files of a crashed store are copied before sled recovers them (the last copy).
pub const RECOVERY_DIR: &str = "recovery";
/// Files up to this size are checksummed whole.
pub const WHOLE_FILE_BYTES: u64 = 1024 * 1024;
/// Bytes checksummed at each end of a larger file.
pub const SAMPLE_BYTES: u64 = 256 * 1024;

/// The files as a run found them when it opened the store (lengths and sample sums).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline(Vec<FileSum>);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FileSum {
    name: String,
    len: u64,
    crc32: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Seal {
    clean: bool,
    files: Vec<FileSum>,
    /// Sums of samples (this version); seals written before hold whole-file sums.
    #[serde(default)]
    sampled: bool,
    /// Set while sled recovers a crashed store: a run killed then must keep the copy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    recovering: bool,
    /// Set when recovering after a crash failed: the reason, and the store is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failed: Option<String>,
}

/// What the seal says about the files, read before sled opens them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// No store yet, or no seal (a store from before seals existed).
    Unknown,
    /// Closed cleanly, and the files still match (their sums, for the open seal).
    Clean(Baseline),
    /// The last run did not close the store: it crashed or was killed. The sums of the files
    /// when that run opened it.
    Crashed {
        /// The files as the crashed run found them.
        baseline: Baseline,
        /// The crashed run was itself recovering an earlier crash: `recovery/` already holds
        /// the files as they were before any recovery, and must be kept.
        recovering: bool,
    },
    /// An earlier recovery failed (the reason); the store must not be opened.
    Failed(String),
}

fn sums(db_dir: &Path, sampled: bool) -> std::io::Result<Vec<FileSum>> {
    let mut out = Vec::new();
    for path in files(db_dir)? {
        let (len, crc32) = if sampled {
            sample_crc(&path)?
        } else {
            whole_crc(&path)?
        };
        let name = path
            .strip_prefix(db_dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        out.push(FileSum { name, len, crc32 });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    Ok(out)
}

fn crc_range(
    file: &mut std::fs::File,
    hasher: &mut crc32fast::Hasher,
    mut left: u64,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        left -= n as u64;
    }
    Ok(())
}

/// Length and CRC32 of a whole file, streamed (the format of seals from before samples).
fn whole_crc(path: &Path) -> std::io::Result<(u64, u32)> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut hasher = crc32fast::Hasher::new();
    crc_range(&mut file, &mut hasher, u64::MAX)?;
    Ok((len, hasher.finalize()))
}

/// Length and CRC32 of a file's sample: whole when small, else both ends.
fn sample_crc(path: &Path) -> std::io::Result<(u64, u32)> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let mut hasher = crc32fast::Hasher::new();
    if len <= WHOLE_FILE_BYTES {
        crc_range(&mut file, &mut hasher, len)?;
    } else {
        crc_range(&mut file, &mut hasher, SAMPLE_BYTES)?;
        file.seek(SeekFrom::Start(len - SAMPLE_BYTES))?;
        crc_range(&mut file, &mut hasher, SAMPLE_BYTES)?;
    }
    Ok((len, hasher.finalize()))
}

fn write(dir: &Path, seal: &Seal) -> std::io::Result<()> {
    let tmp = dir.join("seal.json.tmp");
    std::fs::write(
        &tmp,
        serde_json::to_vec(seal).map_err(std::io::Error::other)?,
    )?;
    std::fs::rename(tmp, dir.join(SEAL_FILE))
}

/// Reads the seal and, for a clean one, compares the files with it.
///
/// # Errors
/// A message naming the file that is missing or changed, or the unreadable seal.
pub fn check(dir: &Path, db_dir: &Path) -> Result<State, String> {
    let Ok(bytes) = std::fs::read(dir.join(SEAL_FILE)) else {
        return Ok(State::Unknown);
    };
    let seal: Seal = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is unreadable: {e}", dir.join(SEAL_FILE).display()))?;
    if let Some(reason) = seal.failed {
        return Ok(State::Failed(reason));
    }
    if !seal.clean {
        return Ok(State::Crashed {
            baseline: Baseline(seal.files),
            recovering: seal.recovering,
        });
    }
    let now =
        sums(db_dir, seal.sampled).map_err(|e| format!("cannot read {}: {e}", db_dir.display()))?;
    let baseline = if seal.sampled {
        now.clone()
    } else {
        sums(db_dir, true).map_err(|e| format!("cannot read {}: {e}", db_dir.display()))?
    };
    for want in &seal.files {
        match now.iter().find(|f| f.name == want.name) {
            None => return Err(format!("{} is missing", db_dir.join(&want.name).display())),
            Some(got) if got.len != want.len => {
                return Err(format!(
                    "{} changed size since basis last closed the store ({} bytes, {} expected)",
                    db_dir.join(&want.name).display(),
                    got.len,
                    want.len
                ));
            }
            Some(got) if got != want => {
                return Err(format!(
                    "{} changed since basis last closed the store (checksum mismatch)",
                    db_dir.join(&want.name).display()
                ));
            }
            Some(_) => {}
        }
    }
    Ok(State::Clean(Baseline(baseline)))
}

/// What can be told about a crashed store's files without sled, from the sums taken when the
/// crashed run opened it: sled only appends to and rewrites its log in place, so a log shorter
/// than it was is a truncated file, and it never rewrites a blob file, so a blob that changed is
/// damaged (a blob that is gone was released by sled). Snapshot files (`snap.*`) are left to
/// sled: it writes a new one at every open and removes the old, and checks their CRC32 itself.
///
/// # Errors
/// A message naming the damaged file.
pub fn check_crashed(db_dir: &Path, baseline: &Baseline) -> Result<(), String> {
    for want in &baseline.0 {
        if want.name.starts_with("snap.") {
            continue;
        }
        let path = db_dir.join(&want.name);
        let blob = want.name.starts_with("blobs");
        match std::fs::metadata(&path) {
            Err(_) if blob => {}
            Err(_) => return Err(format!("{} is missing", path.display())),
            Ok(m) if m.len() < want.len => {
                return Err(format!(
                    "{} is truncated ({} bytes, at least {} expected)",
                    path.display(),
                    m.len(),
                    want.len
                ));
            }
            Ok(_) if blob => {
                let (len, crc32) = sample_crc(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                if len != want.len || crc32 != want.crc32 {
                    return Err(format!(
                        "{} changed (checksum mismatch; sled never rewrites a blob)",
                        path.display()
                    ));
                }
            }
            Ok(_) => {}
        }
    }
    Ok(())
}

/// The sums of the files now (after a recovery, to check the next crash against).
///
/// # Errors
/// When a file cannot be read.
pub fn baseline(db_dir: &Path) -> std::io::Result<Baseline> {
    if db_dir.exists() {
        sums(db_dir, true).map(Baseline)
    } else {
        Ok(Baseline::default())
    }
}

/// Marks the store open, keeping the sums of the files as this run found them: a crash from
/// here on leaves it so.
///
/// # Errors
/// When the seal cannot be written.
pub fn open(dir: &Path, baseline: Baseline) -> std::io::Result<()> {
    write(
        dir,
        &Seal {
            files: baseline.0,
            sampled: true,
            ..Seal::default()
        },
    )
}

/// Marks the store open while sled recovers it after a crash, keeping the crashed run's sums:
/// a run killed during the recovery leaves this, and the next one checks the same sums and
/// keeps the copy already made.
///
/// # Errors
/// When the seal cannot be written.
pub fn open_recovering(dir: &Path, baseline: Baseline) -> std::io::Result<()> {
    write(
        dir,
        &Seal {
            files: baseline.0,
            sampled: true,
            recovering: true,
            ..Seal::default()
        },
    )
}

/// Waits until nothing in this process can still change sled's files, at most `limit`; false
/// when sled still holds them then.
///
/// Dropping the last handle of a sled 0.34 database does not wait for its thread pool: the
/// truncation that gives a freed segment at the log's tail back to the file system runs there
/// (`SegmentAccountant::truncate`, `set_len` then `sync_all`), as do log writes, and one that
/// lands after the files were summed makes the next open refuse a healthy store as changed.
/// Every handle and task of sled reaches the log through one shared descriptor, on which sled
/// holds an exclusive lock (`try_lock_exclusive`, the same `flock`/`LockFileEx` lock as
/// [`File::try_lock`]) until the last of them is gone: so the lock being free means every such
/// task has finished. Where file locks are unsupported sled takes none either: nothing to wait.
pub(super) fn settle(db_dir: &Path, limit: Duration) -> std::io::Result<bool> {
    let log = match File::open(db_dir.join(LOG_FILE)) {
        Ok(log) => log,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(e),
    };
    let start = Instant::now();
    loop {
        match log.try_lock() {
            // Released when `log` drops, before the files are read (Windows locks are mandatory).
            Ok(()) | Err(TryLockError::Error(_)) => return Ok(true),
            Err(TryLockError::WouldBlock) if start.elapsed() < limit => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(TryLockError::WouldBlock) => return Ok(false),
        }
    }
}

/// Seals the files after a clean close, once sled has let go of them (see [`settle`]). When it
/// has not within [`SETTLE_LIMIT`] (a handle of it still alive somewhere), the store is left
/// unsealed rather than sealed as it may not stay: the next run checks it as after a crash.
///
/// # Errors
/// When a file cannot be read or the seal written.
pub fn close(dir: &Path, db_dir: &Path) -> std::io::Result<()> {
    close_within(dir, db_dir, SETTLE_LIMIT)
}

fn close_within(dir: &Path, db_dir: &Path, limit: Duration) -> std::io::Result<()> {
    if !settle(db_dir, limit)? {
        tracing::warn!(
            log = %db_dir.join(LOG_FILE).display(),
            "sled still holds the store's log after closing; it is left unsealed and the next run checks it as after a crash"
        );
        return Ok(());
    }
    let files = sums(db_dir, true)?;
    write(
        dir,
        &Seal {
            clean: true,
            files,
            sampled: true,
            recovering: false,
            failed: None,
        },
    )
}

/// Records that recovering after a crash failed: later runs refuse the store without opening it,
/// so the copy in `recovery/` stays the last state sled did not touch.
///
/// # Errors
/// When the seal cannot be written.
pub fn fail(dir: &Path, reason: &str) -> std::io::Result<()> {
    write(
        dir,
        &Seal {
            failed: Some(reason.to_owned()),
            ..Seal::default()
        },
    )
}

/// Copies the store's files (`db/` and the seal) to `recovery/`, replacing the previous copy
/// only once the new one is complete. Returns the copy's directory.
///
/// # Errors
/// When a file cannot be copied (nothing of the previous copy is lost then).
pub fn preserve(dir: &Path, db_dir: &Path) -> std::io::Result<PathBuf> {
    let target = dir.join(RECOVERY_DIR);
    let tmp = dir.join(format!("{RECOVERY_DIR}.tmp"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    let name = db_dir.file_name().unwrap_or(db_dir.as_os_str());
    for path in files(db_dir)? {
        let rel = path.strip_prefix(db_dir).unwrap_or(&path);
        let to = tmp.join(name).join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&path, &to)?;
    }
    std::fs::create_dir_all(&tmp)?;
    if dir.join(SEAL_FILE).exists() {
        std::fs::copy(dir.join(SEAL_FILE), tmp.join(SEAL_FILE))?;
    }
    if target.exists() {
        std::fs::remove_dir_all(&target)?;
    }
    std::fs::rename(&tmp, &target)?;
    Ok(target.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A data dir whose `db` directory holds `files` (path in it, contents); returns both.
    fn data_dir(files: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("db");
        for (name, bytes) in files {
            let path = db.join(name);
            std::fs::create_dir_all(path.parent().expect("in db")).expect("mkdir");
            std::fs::write(path, bytes).expect("write");
        }
        (dir, db)
    }

    #[test]
    fn samples_cover_both_ends_of_large_files_and_all_of_small_ones() {
        let big = vec![7u8; 3 * 1024 * 1024];
        let conf = b"segment_size: 524288\nversion: 0.34\n";
        let (dir, db) = data_dir(&[("db", &big), ("conf", conf)]);
        close(dir.path(), &db).expect("seal");
        assert!(matches!(check(dir.path(), &db), Ok(State::Clean(_))));
        // A flipped byte near the end of the big file is caught.
        let mut damaged = big.clone();
        let last = damaged.len() - 10;
        damaged[last] ^= 1;
        std::fs::write(db.join("db"), &damaged).expect("write");
        assert!(check(dir.path(), &db).is_err_and(|e| e.contains("checksum")));
        // A truncated file is caught by its length.
        std::fs::write(db.join("db"), &big[..big.len() - 1]).expect("write");
        assert!(check(dir.path(), &db).is_err_and(|e| e.contains("size")));
        std::fs::write(db.join("db"), &big).expect("write");
        // Any byte of a small file is covered.
        std::fs::write(db.join("conf"), b"segment_size: 524288\nversion: 0.35\n").expect("write");
        assert!(check(dir.path(), &db).is_err());
    }

    #[test]
    fn open_crash_and_failed_recovery_states() {
        let (dir, db) = data_dir(&[
            ("db", &[1u8; 4096]),
            ("blobs/9", &[2u8; 4096]),
            ("snap.00000000000000A0", &[4u8; 300]),
        ]);
        assert_eq!(check(dir.path(), &db), Ok(State::Unknown));
        open(dir.path(), baseline(&db).expect("sums")).expect("open");
        let Ok(State::Crashed {
            baseline: base,
            recovering: false,
        }) = check(dir.path(), &db)
        else {
            panic!("not crashed");
        };
        // The crashed run grew the log, released the blob and replaced sled's snapshot by a
        // newer one (as sled does at every open): fine.
        std::fs::write(db.join("db"), vec![1u8; 8192]).expect("write");
        std::fs::remove_file(db.join("blobs/9")).expect("rm");
        std::fs::remove_file(db.join("snap.00000000000000A0")).expect("rm");
        std::fs::write(db.join("snap.0000000000002000"), vec![4u8; 200]).expect("write");
        assert_eq!(check_crashed(&db, &base), Ok(()));
        // A shorter log, or a blob that changed, is damage.
        std::fs::write(db.join("db"), vec![1u8; 100]).expect("write");
        assert!(check_crashed(&db, &base).is_err_and(|e| e.contains("truncated")));
        std::fs::write(db.join("db"), vec![1u8; 8192]).expect("write");
        std::fs::write(db.join("blobs/9"), vec![3u8; 4096]).expect("write");
        assert!(check_crashed(&db, &base).is_err_and(|e| e.contains("blob")));
        fail(dir.path(), "sled panicked").expect("fail");
        assert_eq!(
            check(dir.path(), &db),
            Ok(State::Failed("sled panicked".into()))
        );
    }

    #[test]
    fn the_seal_waits_until_sled_has_let_go_of_the_log() {
        // No background flusher: what is inserted reaches the log only when sled is dropped, as
        // a truncation pending on sled's thread pool reaches it only when that task runs.
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("db");
        let sled = sled::Config::new()
            .path(&db)
            .flush_every_ms(None)
            .open()
            .expect("sled");
        sled.insert(b"k", vec![5u8; 64 * 1024]).expect("insert");
        let (started, start) = std::sync::mpsc::channel();
        let sealer = std::thread::spawn({
            let (dir, db) = (dir.path().to_owned(), db.clone());
            move || {
                started.send(()).expect("send");
                close(&dir, &db)
            }
        });
        start.recv().expect("started");
        // Gives a close that did not wait the time to sum the files too early; one that waits
        // cannot, however long this takes.
        std::thread::sleep(Duration::from_millis(200));
        drop(sled);
        sealer.join().expect("sealer").expect("seal");
        assert!(matches!(check(dir.path(), &db), Ok(State::Clean(_))));
        // While something still holds the log, the store is left open, not sealed as it is.
        let held = File::open(db.join(LOG_FILE)).expect("log");
        held.lock().expect("lock");
        open(dir.path(), baseline(&db).expect("sums")).expect("open");
        close_within(dir.path(), &db, Duration::ZERO).expect("close");
        assert!(matches!(check(dir.path(), &db), Ok(State::Crashed { .. })));
        drop(held);
        close_within(dir.path(), &db, Duration::ZERO).expect("close");
        assert!(matches!(check(dir.path(), &db), Ok(State::Clean(_))));
    }

    #[test]
    fn seals_from_before_samples_are_still_checked_whole() {
        let big = vec![3u8; 2 * 1024 * 1024];
        let (dir, db) = data_dir(&[("db", &big)]);
        let files = sums(&db, false).expect("sums");
        write(
            dir.path(),
            &Seal {
                clean: true,
                files,
                sampled: false,
                recovering: false,
                failed: None,
            },
        )
        .expect("seal");
        assert!(matches!(check(dir.path(), &db), Ok(State::Clean(_))));
        let mut damaged = big;
        damaged[1024 * 1024] ^= 1; // the middle: outside any sample
        std::fs::write(db.join("db"), &damaged).expect("write");
        assert!(check(dir.path(), &db).is_err());
    }

    #[test]
    fn the_copy_is_byte_identical_and_replaces_the_previous_one_only_when_complete() {
        let (dir, db) = data_dir(&[("db", b"first"), ("blobs/7", b"blob")]);
        open(dir.path(), Baseline::default()).expect("open");
        let copy = preserve(dir.path(), &db).expect("copy");
        assert_eq!(std::fs::read(copy.join("db")).expect("read"), b"first");
        assert_eq!(std::fs::read(copy.join("blobs/7")).expect("read"), b"blob");
        std::fs::write(db.join("db"), b"second").expect("write");
        std::fs::remove_file(db.join("blobs").join("7")).expect("rm");
        let copy = preserve(dir.path(), &db).expect("copy");
        assert_eq!(std::fs::read(copy.join("db")).expect("read"), b"second");
        assert!(!copy.join("blobs/7").exists());
        assert!(!dir.path().join("recovery.tmp").exists());
    }
}
