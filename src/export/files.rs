//! Output files of `basis export`: hidden temporary files renamed into place once complete, Hive partition paths, part numbers.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use super::ExportError;

/// Suffix of a file being written; no reader's `*.parquet`, `*.csv` or `*.ndjson` glob matches
/// it, and it starts with a dot, which Spark and Hive skip too.
const TEMP_SUFFIX: &str = ".tmp";

fn output_error(path: &Path, e: impl std::fmt::Display) -> ExportError {
    ExportError::Output {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

/// A finished file not yet in place: its temporary path and its destination.
#[derive(Debug)]
pub struct Pending {
    tmp: PathBuf,
    dest: PathBuf,
    /// Bytes.
    pub bytes: u64,
}

/// The temporary name of `dest`: `.<name>.<pid>.tmp` beside it.
#[must_use]
pub fn temp_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    dest.with_file_name(format!(".{name}.{}{TEMP_SUFFIX}", std::process::id()))
}

/// Creates the temporary file for `dest` (and its directories).
///
/// # Errors
/// [`ExportError::Output`] naming the path.
pub fn create(dest: &Path) -> Result<(BufWriter<File>, PathBuf), ExportError> {
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| output_error(parent, e))?;
    }
    let tmp = temp_path(dest);
    let file = File::create(&tmp).map_err(|e| output_error(&tmp, e))?;
    Ok((BufWriter::with_capacity(256 * 1024, file), tmp))
}

/// Flushes and syncs a finished temporary file.
///
/// # Errors
/// [`ExportError::Output`] naming the path.
pub fn finish(out: BufWriter<File>, tmp: PathBuf, dest: PathBuf) -> Result<Pending, ExportError> {
    let file = out
        .into_inner()
        .map_err(|e| output_error(&tmp, e.error()))?;
    file.sync_all().map_err(|e| output_error(&tmp, e))?;
    let bytes = file.metadata().map_or(0, |m| m.len());
    Ok(Pending { tmp, dest, bytes })
}

/// Moves every finished file into place (each rename is atomic: a reader sees the whole file
/// or none), then syncs their directories.
///
/// # Errors
/// [`ExportError::Output`] naming the path.
pub fn commit(pending: &[Pending]) -> Result<(), ExportError> {
    let mut dirs = std::collections::BTreeSet::new();
    for p in pending {
        std::fs::rename(&p.tmp, &p.dest).map_err(|e| output_error(&p.dest, e))?;
        if let Some(d) = p.dest.parent() {
            dirs.insert(d.to_owned());
        }
    }
    for d in dirs {
        // Best effort: not every platform syncs a directory.
        if let Ok(dir) = File::open(&d) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

/// Removes temporary files (of this process, after a failure).
pub fn discard(pending: &[Pending], open: &[PathBuf]) {
    for p in pending.iter().map(|p| &p.tmp).chain(open) {
        let _ = std::fs::remove_file(p);
    }
}

/// Removes temporary files left by an export that was killed (their process is gone): those of
/// the file `only` in `dir`, or with `None` every one in the tree under `dir`. Returns how many.
/// Only Linux can tell whether a process is alive; elsewhere none is removed.
#[must_use]
pub fn remove_stale(dir: &Path, only: Option<String>) -> usize {
    let mut removed = 0;
    crate::store::walk::for_each_file(dir, only.is_none(), |entry| {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((file, pid)) = temp_owner(&name) else {
            return;
        };
        if only.as_ref().is_some_and(|o| *o != file) {
            return;
        }
        let proc = Path::new("/proc");
        if proc.is_dir()
            && pid != std::process::id()
            && !proc.join(pid.to_string()).exists()
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    });
    removed
}

/// The destination's name and the process of a temporary file named by [`temp_path`].
fn temp_owner(name: &str) -> Option<(&str, u32)> {
    let inner = name.strip_prefix('.')?.strip_suffix(TEMP_SUFFIX)?;
    let (file, pid) = inner.rsplit_once('.')?;
    Some((file, pid.parse().ok()?))
}

/// The directory of one Hive partition: `<out>/venue=<venue>/month=<YYYY-MM>`.
#[must_use]
pub fn partition_dir(out: &Path, venue: &str, month: &str) -> PathBuf {
    out.join(format!("venue={venue}"))
        .join(format!("month={month}"))
}

/// The next free `part-N.<ext>` in `dir` (0 in a new directory): an incremental export adds
/// a file beside the earlier ones.
#[must_use]
pub fn next_part(dir: &Path, ext: &str) -> PathBuf {
    let next = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.strip_prefix("part-")?
                        .strip_suffix(&format!(".{ext}"))?
                        .parse::<u64>()
                        .ok()
                })
                .max()
                .map_or(0, |n| n + 1)
        })
        .unwrap_or(0);
    dir.join(format!("part-{next}.{ext}"))
}

/// Writes `bytes` to `dest` through a temporary file (for small outputs written whole).
///
/// # Errors
/// [`ExportError::Output`] naming the path.
pub fn write_whole(dest: &Path, bytes: &[u8]) -> Result<Pending, ExportError> {
    let (mut out, tmp) = create(dest)?;
    out.write_all(bytes).map_err(|e| output_error(&tmp, e))?;
    finish(out, tmp, dest.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_hide_from_readers_and_name_their_process() {
        let tmp = temp_path(Path::new("/x/venue=okx/month=2025-01/part-3.parquet"));
        let name = tmp
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with(".part-3.parquet."), "{name}");
        assert!(!name.ends_with(".parquet"));
        assert_eq!(
            temp_owner(&name),
            Some(("part-3.parquet", std::process::id()))
        );
        assert_eq!(temp_owner("part-3.parquet"), None);
    }

    #[test]
    fn parts_are_numbered_after_the_existing_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(next_part(dir.path(), "csv"), dir.path().join("part-0.csv"));
        for name in [
            "part-0.csv",
            "part-4.csv",
            "part-9.parquet",
            ".part-7.csv.1.tmp",
        ] {
            std::fs::write(dir.path().join(name), b"").expect("write");
        }
        assert_eq!(next_part(dir.path(), "csv"), dir.path().join("part-5.csv"));
    }

    #[test]
    fn a_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = partition_dir(dir.path(), "okx", "2025-01").join("part-0.csv");
        let pending = write_whole(&dest, b"a\n").expect("write");
        assert!(!dest.exists());
        commit(&[pending]).expect("commit");
        assert_eq!(std::fs::read(&dest).expect("read"), b"a\n");
        // A dead process's temporary file is removed; this process's is kept.
        let dead = dest.with_file_name(".part-1.csv.4000000000.tmp");
        std::fs::write(&dead, b"half").expect("write");
        let mine = temp_path(&dest.with_file_name("part-2.csv"));
        std::fs::write(&mine, b"half").expect("write");
        if Path::new("/proc").is_dir() {
            // Looking for another file's, or only at the top: kept.
            let month = dest.parent().expect("dir");
            assert_eq!(remove_stale(month, Some("other.csv".into())), 0);
            assert_eq!(remove_stale(dir.path(), Some("part-1.csv".into())), 0);
            assert!(dead.exists());
            assert_eq!(remove_stale(dir.path(), None), 1);
            assert!(!dead.exists());
        }
        assert!(mine.exists());
    }
}
