//! `history --plot`: the chart file, written beside its place and renamed in once drawn.

use super::exit;

/// Why `history --plot` wrote no chart.
#[derive(Debug, thiserror::Error)]
pub(super) enum PlotError {
    /// The chart file cannot be created or renamed into place.
    #[error(
        "cannot write the chart {}: {source} (check that the directory exists and is writable; no file was written)",
        path.display()
    )]
    Io {
        /// The `--plot` file.
        path: std::path::PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// No funding recorded for the asset on the venues and days asked.
    #[error(
        "nothing to plot: no funding of {asset} recorded over the last {days} days on the venues asked; run `basis backfill --assets {asset}` to fetch the venues' funding history, or `basis poll` regularly to record it (no chart written)"
    )]
    Nothing {
        /// The coin.
        asset: String,
        /// `--days`.
        days: u32,
    },
    /// Drawing failed.
    #[error("cannot draw the chart {}: {reason} (no file was written)", path.display())]
    Draw {
        /// The `--plot` file.
        path: std::path::PathBuf,
        /// The drawing backend's error.
        reason: String,
        /// Writing the image failed (74), or the drawing itself (70: a bug).
        io: bool,
    },
}

impl PlotError {
    /// Prints the error as `main` prints the others and returns its exit code: 74 for the
    /// file, 1 for nothing to plot, 70 for a drawing bug.
    pub(super) fn report(&self) -> u8 {
        eprintln!("basis: {self}");
        match self {
            PlotError::Io { .. } | PlotError::Draw { io: true, .. } => exit::IOERR,
            PlotError::Nothing { .. } => exit::PARTIAL,
            PlotError::Draw { io: false, .. } => exit::SOFTWARE,
        }
    }
}

/// A chart being written: a temporary file beside the `--plot` file (removed when dropped),
/// renamed over it once drawn.
pub(super) struct PendingChart {
    file: crate::report::chart::ChartFile,
    tmp: tempfile::NamedTempFile,
}

impl PendingChart {
    /// Creates the temporary file in the chart's directory, so that a directory that is missing
    /// or not writable is reported before any work.
    pub(super) fn create(file: &crate::report::chart::ChartFile) -> Result<Self, PlotError> {
        let io = |source| PlotError::Io {
            path: file.path.clone(),
            source,
        };
        // The directory first, for the OS's own words; tempfile's errors name the temporary
        // file, which means nothing to the user, so only their kind is kept.
        std::fs::metadata(file.dir()).map_err(io)?;
        let tmp = tempfile::Builder::new()
            .prefix(".basis-chart-")
            .suffix(&format!(".{}", file.format.extension()))
            .tempfile_in(file.dir())
            .map_err(|e| io(std::io::Error::from(e.kind())))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(io)?;
        }
        Ok(PendingChart {
            file: file.clone(),
            tmp,
        })
    }

    /// Draws `chart` (SVG or PNG by the file's extension) into the temporary file and renames
    /// it into place. Returns how many funding lines were drawn and the chart's path.
    pub(super) fn finish(
        self,
        chart: &crate::report::chart::Chart<'_>,
    ) -> Result<(usize, std::path::PathBuf), PlotError> {
        use crate::report::chart::{Format, SIZE, draw, register_font};
        use plotters::prelude::{BitMapBackend, IntoDrawingArea as _, SVGBackend};
        let path = self.file.path.clone();
        let fail = |reason: String, io: bool| PlotError::Draw {
            path: path.clone(),
            reason,
            io,
        };
        register_font().map_err(|e| fail(e, false))?;
        let drawn = match self.file.format {
            Format::Svg => draw(
                &SVGBackend::new(self.tmp.path(), SIZE).into_drawing_area(),
                chart,
            ),
            Format::Png => draw(
                &BitMapBackend::new(self.tmp.path(), SIZE).into_drawing_area(),
                chart,
            ),
        }
        .map_err(|e| fail(e, true))?;
        self.tmp.persist(&path).map_err(|e| PlotError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        Ok((drawn, path))
    }
}
