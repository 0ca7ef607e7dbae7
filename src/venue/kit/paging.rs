//! Paging through a history window (pure): where the next page starts or ends after the page before, one rule for every venue that pages by time or by number.
//!
//! A venue states its particulars — how many rows make a full page, how far its cursor moves
//! past the last row received, which way it pages and what its query looks like — and the
//! stopping rule is this module's: after an empty or short page, or one reaching the far end of
//! the window, there is no next page.

use crate::venue::{Candle, HistoryPoint};

/// A row of a paged history: a settlement (its time) or a candle (its open).
pub trait Stamped {
    /// The row's time, ms.
    fn stamp(&self) -> i64;
}

impl Stamped for HistoryPoint {
    fn stamp(&self) -> i64 {
        self.time_ms
    }
}

impl Stamped for Candle {
    fn stamp(&self) -> i64 {
        self.open_ms
    }
}

/// How a venue's history pages: `full` rows make a full page (a shorter one is the last), and
/// the cursor of the next page moves `step` ms past the last row received (1 ms for settlements
/// and time cursors, a bar or a second where the venue asks by open time or in seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pages {
    /// Rows of a full page.
    pub full: usize,
    /// How far the next cursor moves past the last row received, ms.
    pub step: i64,
}

impl Pages {
    /// Pages of `full` rows whose cursor moves 1 ms past the last row received.
    #[must_use]
    pub const fn of(full: usize) -> Self {
        Pages { full, step: 1 }
    }

    /// The same pages with the cursor moving `step` ms.
    #[must_use]
    pub const fn step(self, step: i64) -> Self {
        Pages { step, ..self }
    }

    /// The oldest (`newest` false) or newest row time of `page` when it is full; `None` for a
    /// short or empty page.
    fn edge<T: Stamped>(self, page: &[T], newest: bool) -> Option<i64> {
        if page.len() < self.full {
            return None;
        }
        let times = page.iter().map(Stamped::stamp);
        if newest { times.max() } else { times.min() }
    }

    /// Paging forward (oldest rows first) from `start`: `start` for the first page (`previous`
    /// `None`); after a full page whose newest row is before `reach`, that row's time + `step`,
    /// never before `start`. `None` after an empty or short page or one reaching `reach`.
    #[must_use]
    pub fn forward<T: Stamped>(
        self,
        previous: Option<&[T]>,
        start: i64,
        reach: i64,
    ) -> Option<i64> {
        let Some(page) = previous else {
            return Some(start);
        };
        let newest = self.edge(page, true)?;
        (newest < reach).then(|| newest.saturating_add(self.step).max(start))
    }

    /// Paging backward (newest rows first) from `end`: `end` for the first page (`previous`
    /// `None`); after a full page whose oldest row is after `reach`, that row's time − `step`,
    /// never after `end`. `None` after an empty or short page or one reaching `reach`.
    #[must_use]
    pub fn backward<T: Stamped>(self, previous: Option<&[T]>, end: i64, reach: i64) -> Option<i64> {
        let Some(page) = previous else {
            return Some(end);
        };
        let oldest = self.edge(page, false)?;
        (oldest > reach).then(|| oldest.saturating_sub(self.step).min(end))
    }

    /// The 0-based number of the next page where pages are numbered newest first: 0 for the
    /// first; after a full page whose oldest row is after `reach`, `page` (the pages fetched so
    /// far; a caller that does not count moves on to 1). `None` when done, as
    /// [`Pages::backward`].
    #[must_use]
    pub fn numbered<T: Stamped>(
        self,
        previous: Option<&[T]>,
        reach: i64,
        page: u32,
    ) -> Option<u32> {
        match previous {
            None => Some(0),
            Some(_) => self
                .backward(previous, i64::MAX, reach)
                .map(|_| page.max(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::testkit::points;

    #[test]
    fn forward_pages_move_past_the_newest_row_until_short_or_reaching() {
        let pages = Pages::of(3);
        assert_eq!(pages.forward::<HistoryPoint>(None, 10, 100), Some(10));
        // In any order; never before the start.
        assert_eq!(
            pages.forward(Some(&points([30, 10, 20])), 10, 100),
            Some(31)
        );
        assert_eq!(
            pages.step(5).forward(Some(&points([1, 2, 3])), 10, 100),
            Some(10)
        );
        for done in [&points([10, 20])[..], &[], &points([10, 20, 100])] {
            assert_eq!(pages.forward(Some(done), 10, 100), None, "{done:?}");
        }
    }

    #[test]
    fn backward_pages_move_before_the_oldest_row_until_short_or_reaching() {
        let pages = Pages::of(3);
        assert_eq!(pages.backward::<HistoryPoint>(None, 100, 10), Some(100));
        assert_eq!(
            pages.backward(Some(&points([90, 50, 70])), 100, 10),
            Some(49)
        );
        assert_eq!(
            pages
                .step(10)
                .backward(Some(&points([200, 300, 400])), 100, 10),
            Some(100)
        );
        for done in [&points([50, 70])[..], &[], &points([10, 50, 70])] {
            assert_eq!(pages.backward(Some(done), 100, 10), None, "{done:?}");
        }
        // Numbered pages follow the same rule; a caller that does not count moves on to 1.
        assert_eq!(pages.numbered::<HistoryPoint>(None, 10, 7), Some(0));
        assert_eq!(pages.numbered(Some(&points([90, 50, 70])), 10, 0), Some(1));
        assert_eq!(pages.numbered(Some(&points([90, 50, 70])), 10, 4), Some(4));
        assert_eq!(pages.numbered(Some(&points([90, 5, 70])), 10, 4), None);
    }
}
