//! Paging through a history window (pure): where the next page starts or ends after the page before, one rule for every venue that pages by time or by number.
//!
//! A venue states its particulars — how many rows make a full page, how far its cursor moves
//! past the last row received, which way it pages and what its query looks like — and the
//! stopping rule is this module's: after an empty or short page, or one reaching the far end of
//! the window, there is no next page. Candles page the same way on the window's bar grid
//! ([`BarGrid`], [`Paging::bars`]): the venue states which way and how many bars a page holds,
//! the kit says which bars the next page holds ([`BarPage`]) and the venue writes the query of
//! that page.

use crate::venue::{Candle, CandleWindow, HistoryPoint};

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
}

/// Which way a venue's history pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Oldest rows first: each page starts just after the newest row of the page before.
    Forward,
    /// Newest rows first: each page ends just before the oldest row of the page before.
    Backward,
    /// Newest rows first, asked by page number.
    Numbered,
    /// One answer holds the whole window.
    Once,
}

/// How a venue pages a window of settled funding ([`Paging::next`]) or of candles
/// ([`Paging::bars`]): which way, how many rows a full page holds, and how far a forward cursor
/// moves past the newest row received (by default the row's own length: 1 ms for a settlement,
/// a bar for a candle; [`Paging::step`]); a backward cursor moves 1 ms before the oldest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    /// Which way.
    pub direction: Direction,
    /// Rows of a full page (for candles, the most bars a page holds).
    pub full: usize,
    /// How far the forward cursor moves past the newest row, ms (`None`: the row's length).
    pub step: Option<i64>,
    /// Once-paged settled funding whose one answer is capped at a full page (BingX): after a
    /// full answer, the window again in chunks of this many ms, newest first, by number.
    pub chunk_ms: Option<i64>,
}

/// The page to ask for: the rows from `from` to `to` (ms, both inclusive), page number `page`
/// (0 for the first; numbered venues), at most `full` of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// First time the page may hold (the window's start, or the forward cursor).
    pub from: i64,
    /// Last time the page may hold (the window's end, or the backward cursor).
    pub to: i64,
    /// 0-based page number (numbered venues; 0 elsewhere for the first page).
    pub page: u32,
    /// Rows of a full page (the `limit` to ask for).
    pub full: usize,
}

impl Paging {
    const fn new(direction: Direction, full: usize) -> Self {
        Paging {
            direction,
            full,
            step: None,
            chunk_ms: None,
        }
    }

    /// Oldest rows first, `full` a page: each page asks from just past the newest row received
    /// (1 ms past a settlement, a bar past a candle's open, unless [`Paging::step`] says).
    #[must_use]
    pub const fn forward(full: usize) -> Self {
        Self::new(Direction::Forward, full)
    }

    /// Newest rows first, `full` a page: each page asks up to 1 ms before the oldest row
    /// received.
    #[must_use]
    pub const fn backward(full: usize) -> Self {
        Self::new(Direction::Backward, full)
    }

    /// By page number, newest first, `full` rows a page; candles in chunks of `full` bars on
    /// the grid ([`BarGrid::chunk`]).
    #[must_use]
    pub const fn numbered(full: usize) -> Self {
        Self::new(Direction::Numbered, full)
    }

    /// The same paging with the forward cursor moving `step` ms past the newest row.
    #[must_use]
    pub const fn step(self, step: i64) -> Self {
        Paging {
            step: Some(step),
            ..self
        }
    }

    /// One request for the whole window.
    #[must_use]
    pub const fn once() -> Self {
        Self::new(Direction::Once, 0)
    }

    /// One request for the whole window asking `full` rows; a full answer means the window
    /// holds more, so it is asked again in chunks of `chunk_ms`, newest first (page 1 the
    /// newest chunk), until a chunk comes back empty or the chunks reach the start. Chunks must
    /// be short enough never to hold a full page, so that no chunk's answer repeats the full one.
    #[must_use]
    pub const fn once_then_chunks(full: usize, chunk_ms: i64) -> Self {
        Paging {
            chunk_ms: Some(chunk_ms),
            ..Self::new(Direction::Once, full)
        }
    }

    /// The page of `[start, end]` to ask after `previous` (`None`: the first), `page` pages
    /// fetched; `None` for an empty or inverted window, or when paging is done: after an empty
    /// or short page, one reaching the far end of the window, or (once) any page but a full
    /// one ([`Paging::once_then_chunks`]).
    #[must_use]
    pub fn next<T: Stamped>(
        self,
        start: i64,
        end: i64,
        previous: Option<&[T]>,
        page: u32,
    ) -> Option<Span> {
        if end < start {
            return None;
        }
        let (pages, full) = (Pages::of(self.full), self.full);
        let span = |from, to, page| Span {
            from,
            to,
            page,
            full,
        };
        match self.direction {
            Direction::Forward => pages
                .step(self.step.unwrap_or(1))
                .forward(previous, start, end)
                .filter(|from| *from <= end)
                .map(|from| span(from, end, page)),
            Direction::Backward => pages
                .backward(previous, end, start)
                .filter(|to| *to >= start)
                .map(|to| span(start, to, page)),
            // Numbered newest first: 0 for the first page; after a full page whose oldest row is
            // after the start, `page` (a caller that does not count moves on to 1).
            Direction::Numbered => match previous {
                None => Some(span(start, end, 0)),
                Some(_) => pages
                    .backward(previous, end, start)
                    .map(|_| span(start, end, page.max(1))),
            },
            Direction::Once => match (previous, self.chunk_ms) {
                (None, _) => Some(span(start, end, 0)),
                (Some(_), None) => None,
                (Some(prev), Some(chunk)) => {
                    let page = page.max(1);
                    // The whole window's answer is done when short; a chunk's when empty.
                    let full = if page == 1 { full } else { 1 };
                    if prev.len() < full || prev.is_empty() {
                        return None;
                    }
                    // Chunk `page - 1` from the end, on a grid of milliseconds.
                    let ms = BarGrid {
                        bar: 1,
                        first: start,
                        last: end,
                    };
                    let (from, to) = ms.chunk(chunk, page - 1)?;
                    Some(span(from, to, page))
                }
            },
        }
    }
}

/// The bar grid of a candle window: bar length and its first and last open times (ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarGrid {
    /// Bar length, ms.
    pub bar: i64,
    /// First open time in the window.
    pub first: i64,
    /// Last open time in the window (the running bar's).
    pub last: i64,
}

impl BarGrid {
    /// `None` for an empty or inverted window.
    #[must_use]
    pub fn new(window: &CandleWindow<'_>) -> Option<Self> {
        let bar = window.bar.millis();
        let first = window.start_ms.checked_add(bar - 1)?.div_euclid(bar) * bar;
        let last = window.end_ms.div_euclid(bar) * bar;
        (first <= last).then_some(BarGrid { bar, first, last })
    }

    /// The open time of the bar `at_ms` falls in.
    #[must_use]
    pub fn floor(self, at_ms: i64) -> i64 {
        at_ms.div_euclid(self.bar) * self.bar
    }

    /// The first open time at or after `at_ms`.
    #[must_use]
    pub fn ceil(self, at_ms: i64) -> i64 {
        self.floor(at_ms.saturating_add(self.bar - 1))
    }

    /// How many bars open from `from` to `to` (both open times on the grid), as a page size.
    #[must_use]
    pub fn count(self, from: i64, to: i64) -> usize {
        usize::try_from((to - from) / self.bar + 1).unwrap_or(0)
    }

    /// First and last open time of chunk `k` (0 = newest) of `limit` bars, or `None` before the
    /// window.
    #[must_use]
    pub fn chunk(self, limit: i64, k: u32) -> Option<(i64, i64)> {
        let span = limit * self.bar;
        let hi = self.last.checked_sub(i64::from(k).checked_mul(span)?)?;
        (hi >= self.first).then(|| (self.first.max(hi - span + self.bar), hi))
    }
}

/// The bars of one candle page to ask for, on the window's bar grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarPage {
    /// The window's bar grid.
    pub grid: BarGrid,
    /// Start to ask from: the forward cursor (the window's start, then past the newest open
    /// received), else the page's first open.
    pub from: i64,
    /// End to ask up to: the window's end for the newest page, the backward cursor (1 ms
    /// before the oldest open received), or just before the next chunk's first bar.
    pub to: i64,
    /// First open time the page holds.
    pub first: i64,
    /// Last open time the page holds.
    pub last: i64,
    /// Bars from `first` to `last` (the `limit` to ask for).
    pub bars: usize,
    /// The window's first page (no page before it).
    pub opening: bool,
}

impl Paging {
    /// The page of `window` to ask after `previous` (`None`: the first), `page` pages fetched;
    /// `None` for a window without a bar, or when paging is done (see [`Pages`] and
    /// [`BarGrid::chunk`]).
    #[must_use]
    pub fn bars(
        self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        page: u32,
    ) -> Option<BarPage> {
        let grid = BarGrid::new(window)?;
        let pages = Pages::of(self.full);
        let span = i64::try_from(self.full).ok()?.saturating_sub(1) * grid.bar;
        let (from, to, first, last) = match self.direction {
            Direction::Forward => {
                let step = self.step.unwrap_or(grid.bar);
                let from = pages
                    .step(step)
                    .forward(previous, window.start_ms, grid.last)?;
                let first = grid.ceil(from);
                (from, window.end_ms, first, grid.last.min(first + span))
            }
            Direction::Backward => {
                let to = pages.backward(previous, window.end_ms, grid.first)?;
                let last = grid.floor(to);
                let first = grid.first.max(last - span);
                (first, to, first, last)
            }
            // Chunks of `full` bars, newest first, by number (a caller that does not count
            // moves on to 1): done once a chunk reached the window's first bar or came back
            // without its first bar (empty, or younger). The newest asks up to the window's
            // end, the others up to just before the next chunk's first bar.
            Direction::Numbered => {
                let limit = i64::try_from(self.full).ok()?;
                let page = match previous {
                    None => 0,
                    Some(prev) => {
                        let (lo, _) = grid.chunk(limit, page.max(1) - 1)?;
                        let oldest = prev.iter().map(Stamped::stamp).min()?;
                        if lo <= grid.first || oldest > lo {
                            return None;
                        }
                        page.max(1)
                    }
                };
                let (first, last) = grid.chunk(limit, page)?;
                let to = match page {
                    0 => window.end_ms,
                    _ => last + grid.bar - 1,
                };
                (first, to, first, last)
            }
            Direction::Once => {
                let whole = (grid.first, window.end_ms, grid.first, grid.last);
                previous.is_none().then_some(whole)?
            }
        };
        (first <= last).then(|| BarPage {
            grid,
            from,
            to,
            first,
            last,
            bars: grid.count(first, last),
            opening: previous.is_none(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Market;
    use crate::venue::Bar;
    use crate::venue::testkit::{bars, points};

    #[test]
    fn pages_move_past_the_last_row_until_short_or_reaching() {
        // Forward from 10 reaching 100, past the newest row; backward from 100 reaching 10,
        // before the oldest row. Rows in any order; never before the start or after the end;
        // done after a short or empty page or one reaching the far end.
        let cases = [
            (true, 1, None, Some(10)),
            (true, 1, Some(points([30, 10, 20])), Some(31)),
            (true, 5, Some(points([1, 2, 3])), Some(10)),
            (true, 1, Some(points([10, 20])), None),
            (true, 1, Some(Vec::new()), None),
            (true, 1, Some(points([10, 20, 100])), None),
            (false, 1, None, Some(100)),
            (false, 1, Some(points([90, 50, 70])), Some(49)),
            (false, 10, Some(points([200, 300, 400])), Some(100)),
            (false, 1, Some(points([50, 70])), None),
            (false, 1, Some(Vec::new()), None),
            (false, 1, Some(points([10, 50, 70])), None),
        ];
        for (forward, step, previous, want) in cases {
            let pages = Pages::of(3).step(step);
            let got = if forward {
                pages.forward(previous.as_deref(), 10, 100)
            } else {
                pages.backward(previous.as_deref(), 100, 10)
            };
            assert_eq!(
                got, want,
                "forward {forward}, step {step}, after {previous:?}"
            );
        }
        // Numbered pages follow the same rule; a caller that does not count moves on to 1.
        let numbered = |previous: Option<Vec<HistoryPoint>>, page| {
            Paging::numbered(3)
                .next(10, 100, previous.as_deref(), page)
                .map(|span| span.page)
        };
        assert_eq!(numbered(None, 7), Some(0));
        assert_eq!(numbered(Some(points([90, 50, 70])), 0), Some(1));
        assert_eq!(numbered(Some(points([90, 50, 70])), 4), Some(4));
        assert_eq!(numbered(Some(points([90, 5, 70])), 4), None);
    }

    #[test]
    fn a_paging_spans_the_window_it_has_left_and_never_an_empty_one() {
        let (start, end) = (100, 1000);
        let full = points([500, 700, 600]);
        let span = |from, to, page| Span {
            from,
            to,
            page,
            full: 3,
        };
        let forward = Paging::forward(3);
        assert_eq!(
            forward.next::<HistoryPoint>(start, end, None, 0),
            Some(span(100, 1000, 0))
        );
        assert_eq!(
            forward.next(start, end, Some(&full), 1),
            Some(span(701, 1000, 1))
        );
        let backward = Paging::backward(3);
        assert_eq!(
            backward.next(start, end, Some(&full), 1),
            Some(span(100, 499, 1))
        );
        let numbered = Paging::numbered(3);
        assert_eq!(
            numbered.next(start, end, Some(&full), 2),
            Some(span(100, 1000, 2))
        );
        let once = Paging::once();
        assert_eq!(
            once.next::<HistoryPoint>(start, end, None, 0).map(|s| s.to),
            Some(1000)
        );
        assert_eq!(once.next(start, end, Some(&full), 1), None);
        // Once, then chunks of 400 ms newest first after a full answer, until one is empty or
        // the chunks reach the start.
        let chunked = Paging::once_then_chunks(3, 400);
        assert_eq!(
            chunked.next::<HistoryPoint>(start, end, None, 0),
            Some(span(100, 1000, 0))
        );
        assert_eq!(chunked.next(start, end, Some(&points([500, 700])), 1), None);
        assert_eq!(
            chunked.next(start, end, Some(&full), 1),
            Some(span(601, 1000, 1))
        );
        assert_eq!(
            chunked.next(start, end, Some(&points([900])), 3),
            Some(span(100, 200, 3))
        );
        assert_eq!(chunked.next(start, end, Some(&points([150])), 4), None);
        for paging in [forward, backward, numbered, once, chunked] {
            assert_eq!(
                paging.next::<HistoryPoint>(end, start, None, 0),
                None,
                "{paging:?}"
            );
            assert_eq!(
                paging.next::<HistoryPoint>(start, end, Some(&[]), 1),
                None,
                "{paging:?}"
            );
        }
        // A page reaching the far end stops forward and backward paging alike.
        assert_eq!(
            forward.next(start, end, Some(&points([900, 1000, 950])), 1),
            None
        );
        assert_eq!(
            backward.next(start, end, Some(&points([100, 300, 200])), 1),
            None
        );
    }

    #[test]
    fn a_candle_paging_asks_the_bars_left_on_the_grid() {
        const H: i64 = 3_600_000;
        // Ten hourly bars open in the window, the last one running.
        let window = CandleWindow {
            market: Market::Perp,
            symbol: "BTC",
            bar: Bar::Hour,
            start_ms: 100 * H,
            end_ms: 109 * H + 17,
        };
        let page = |paging: Paging, previous: Option<&[i64]>, n| {
            let previous = previous.map(|times| bars(times.to_vec()));
            paging
                .bars(&window, previous.as_deref(), n)
                .map(|p| (p.from, p.to, p.first, p.last, p.bars, p.opening))
        };
        let (forward, backward, numbered) =
            (Paging::forward(4), Paging::backward(4), Paging::numbered(4));
        let oldest = [100 * H, 101 * H, 102 * H, 103 * H];
        let newest = [106 * H, 107 * H, 108 * H, 109 * H];
        let end = 109 * H + 17;
        for (paging, previous, want) in [
            (forward, None, (100 * H, end, 100 * H, 103 * H, 4, true)),
            (
                forward,
                Some(&oldest),
                (104 * H, end, 104 * H, 107 * H, 4, false),
            ),
            (
                forward.step(1000),
                Some(&oldest),
                (103 * H + 1000, end, 104 * H, 107 * H, 4, false),
            ),
            (backward, None, (106 * H, end, 106 * H, 109 * H, 4, true)),
            (
                backward,
                Some(&newest),
                (102 * H, 106 * H - 1, 102 * H, 105 * H, 4, false),
            ),
            (
                numbered,
                Some(&newest),
                (102 * H, 106 * H - 1, 102 * H, 105 * H, 4, false),
            ),
        ] {
            let previous = previous.map(|times| &times[..]);
            assert_eq!(page(paging, previous, 1), Some(want), "{paging:?}");
        }
        // Done after a short page (numbered: one younger than its chunk), and never for a
        // window without a bar.
        for (paging, done) in [
            (forward, &oldest[..3]),
            (backward, &newest[1..]),
            (numbered, &newest[1..]),
        ] {
            assert_eq!(page(paging, Some(done), 1), None, "{paging:?}");
            let empty = CandleWindow {
                start_ms: 109 * H + 1,
                ..window
            };
            assert_eq!(paging.bars(&empty, None, 0), None, "{paging:?}");
        }
    }
}
