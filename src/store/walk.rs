//! Walking a directory tree without following links: the store's size on disk and the export's leftover temporary files.

use std::fs::DirEntry;
use std::path::Path;

/// Calls `visit` on every entry under `dir` that is not a directory, entering subdirectories
/// only when `descend`. Unreadable directories are passed over.
pub fn for_each_file(dir: &Path, descend: bool, mut visit: impl FnMut(&DirEntry)) {
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                if descend {
                    stack.push(entry.path());
                }
            } else {
                visit(&entry);
            }
        }
    }
}
