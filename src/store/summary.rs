//! Funding summaries kept per perp: what a scan reads from 30 days of settlements, kept exact.
//!
//! A scan needs, per perp, the 1-, 7- and 30-day statistics and the estimator's inputs
//! ([`FundingSummary`]). Computing them reads the perp's last 30 days of settlements (720 for an
//! hourly perp), which on a store with a deep record is most of a scan's cost. They depend on
//! the time only through the settlements each window holds, so a summary computed at `at` is
//! exact until the first settlement enters or leaves a window ([`unchanged_until`]). Tree
//! `funding_summaries` keeps one per perp (138 bytes), keyed like the perp's time series, and a
//! scan recomputes only those whose time is up: after a settlement of that perp, or when a
//! write made them stale. Every write of the settlements keeps the rule:
//! - a poll that records a settlement time `k` before a summary's `until` drops that summary
//!   (a new settlement it did not know of, or a rate it already counted);
//! - a backfill drops the summary of each perp it writes;
//! - the daily prune clears the tree (records may have left, and perps that were delisted must
//!   not keep a summary forever).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{Store, StoreError, corrupt, io, keys};
use crate::analyze::stats::{
    FundingStats, FundingSummary, Trend, Window, summarise, unchanged_until,
};
use crate::model::{FundingSample, Market, Venue};

/// Name of the tree.
pub(super) const TREE: &str = "funding_summaries";

/// Settlements a summary is computed from: those of the last 31 days (the 30-day window and a
/// day of margin, as the scan always read).
const WINDOW_MS: i64 = 31 * 86_400_000;

/// Encoded size: version, `at`, `until`, flags, three APRs, two shares, two counts, the trend.
const ENCODED: usize = 1 + 8 + 8 + 1 + 3 * 16 + 2 * 8 + 2 * 8 + 2 * 16 + 8;

const VERSION: u8 = 1;

/// A summary as kept: computed at `at` (ms), exact for every time in `[at, until)`; `until`
/// `None` when no settlement would ever change it (no write happened since).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Kept {
    at: i64,
    until: Option<i64>,
    summary: FundingSummary,
}

impl Kept {
    fn valid_at(&self, now_ms: i64) -> bool {
        self.at <= now_ms && self.until.is_none_or(|until| now_ms < until)
    }

    /// Fixed-size binary form: exact (decimals as their 16 bytes, floats as their bits, so a
    /// summary read back is the one computed, to the last bit).
    fn encode(&self) -> Vec<u8> {
        let w = &self.summary.window;
        let mut out = Vec::with_capacity(ENCODED);
        out.push(VERSION);
        out.extend_from_slice(&self.at.to_be_bytes());
        out.extend_from_slice(&self.until.unwrap_or(i64::MAX).to_be_bytes());
        let present = [
            w.apr_1d.is_some(),
            w.apr_7d.is_some(),
            w.d30.apr_pct.is_some(),
            w.d30.pos_share.is_some(),
            w.d30.std_pct.is_some(),
            self.summary.trend.is_some(),
        ];
        out.push(
            present
                .iter()
                .enumerate()
                .fold(0u8, |flags, (bit, &on)| flags | (u8::from(on) << bit)),
        );
        for apr in [w.apr_1d, w.apr_7d, w.d30.apr_pct] {
            out.extend_from_slice(&apr.unwrap_or_default().serialize());
        }
        for share in [w.d30.pos_share, w.d30.std_pct] {
            out.extend_from_slice(&share.unwrap_or_default().to_bits().to_be_bytes());
        }
        for count in [w.d30.longest_negative_streak, w.d30.settlements] {
            out.extend_from_slice(&(count as u64).to_be_bytes());
        }
        let trend = self.summary.trend.unwrap_or(Trend {
            mean_per_hour: Decimal::ZERO,
            step_hours: Decimal::ZERO,
            phi: 0.0,
        });
        out.extend_from_slice(&trend.mean_per_hour.serialize());
        out.extend_from_slice(&trend.step_hours.serialize());
        out.extend_from_slice(&trend.phi.to_bits().to_be_bytes());
        out
    }

    /// The inverse of [`Kept::encode`]; `None` for a value of another size or version.
    pub(super) fn decode(v: &[u8]) -> Option<Kept> {
        if v.len() != ENCODED || v[0] != VERSION {
            return None;
        }
        let mut at = 1;
        let mut take = |n: usize| {
            let slice = &v[at..at + n];
            at += n;
            slice
        };
        let i64_of = |b: &[u8]| Some(i64::from_be_bytes(b.try_into().ok()?));
        let dec = |b: &[u8]| Some(Decimal::deserialize(b.try_into().ok()?));
        let float = |b: &[u8]| Some(f64::from_bits(u64::from_be_bytes(b.try_into().ok()?)));
        let computed = i64_of(take(8))?;
        let until = i64_of(take(8))?;
        let flags = take(1)[0];
        let on = |bit: u8| flags & (1 << bit) != 0;
        let apr_1d = dec(take(16))?;
        let apr_7d = dec(take(16))?;
        let apr_30d = dec(take(16))?;
        let pos = float(take(8))?;
        let std = float(take(8))?;
        let streak = usize::try_from(u64::from_be_bytes(take(8).try_into().ok()?)).ok()?;
        let settlements = usize::try_from(u64::from_be_bytes(take(8).try_into().ok()?)).ok()?;
        let trend = Trend {
            mean_per_hour: dec(take(16))?,
            step_hours: dec(take(16))?,
            phi: float(take(8))?,
        };
        Some(Kept {
            at: computed,
            until: (until != i64::MAX).then_some(until),
            summary: FundingSummary {
                window: Window {
                    apr_1d: on(0).then_some(apr_1d),
                    apr_7d: on(1).then_some(apr_7d),
                    d30: FundingStats {
                        apr_pct: on(2).then_some(apr_30d),
                        std_pct: on(4).then_some(std),
                        pos_share: on(3).then_some(pos),
                        longest_negative_streak: streak,
                        settlements,
                    },
                },
                trend: on(5).then_some(trend),
            },
        })
    }
}

fn key(venue: Venue, symbol: &str) -> Vec<u8> {
    keys::symbol_prefix(venue, Market::Perp, symbol)
}

impl Store {
    /// The funding summary of each of `perps` at `now`: the one kept where it is still exact,
    /// otherwise computed from the perp's last 31 days of settlements and kept (one range read
    /// per venue for the kept ones, one batch for the new ones).
    ///
    /// # Errors
    /// On store I/O errors or an undecodable record.
    pub fn funding_summaries(
        &self,
        perps: &[(Venue, String)],
        now: DateTime<Utc>,
    ) -> Result<HashMap<(Venue, String), FundingSummary>, StoreError> {
        let dir = &self.inner.dir;
        let now_ms = now.timestamp_millis();
        let mut venues: Vec<Venue> = perps.iter().map(|(v, _)| *v).collect();
        venues.sort_unstable();
        venues.dedup();
        let mut kept: HashMap<Vec<u8>, Kept> = HashMap::new();
        for venue in venues {
            for item in self
                .inner
                .trees
                .summaries
                .scan_prefix(keys::market_prefix(venue, Market::Perp))
            {
                let (k, v) = item.map_err(|e| io(dir, e))?;
                let summary =
                    Kept::decode(&v).ok_or_else(|| corrupt(dir, "undecodable funding summary"))?;
                kept.insert(k.to_vec(), summary);
            }
        }
        let mut out = HashMap::with_capacity(perps.len());
        let mut fresh = sled::Batch::default();
        for (venue, symbol) in perps {
            let key = key(*venue, symbol);
            if let Some(k) = kept.get(&key).filter(|k| k.valid_at(now_ms)) {
                out.insert((*venue, symbol.clone()), k.summary);
                continue;
            }
            let settled: Vec<FundingSample> = self
                .funding_events_since(*venue, symbol, now_ms - WINDOW_MS)?
                .into_iter()
                .filter_map(|(t, e)| e.sample(t))
                .collect();
            let computed = Kept {
                at: now_ms,
                until: unchanged_until(&settled, now).map(|t| t.timestamp_millis()),
                summary: summarise(&settled, now),
            };
            fresh.insert(key, computed.encode());
            out.insert((*venue, symbol.clone()), computed.summary);
        }
        self.apply(&self.inner.trees.summaries, fresh)?;
        Ok(out)
    }

    /// Drops the summaries that the settlement times `written` (symbol, ms) of `venue` make
    /// stale: those whose `until` is later than the time written.
    pub(super) fn drop_stale_summaries(
        &self,
        venue: Venue,
        written: &[(&str, i64)],
    ) -> Result<(), StoreError> {
        let dir = &self.inner.dir;
        let mut batch = sled::Batch::default();
        let mut any = false;
        let untils: HashMap<Vec<u8>, Option<i64>> = self
            .inner
            .trees
            .summaries
            .scan_prefix(keys::market_prefix(venue, Market::Perp))
            .map(|item| {
                let (k, v) = item.map_err(|e| io(dir, e))?;
                Ok((k.to_vec(), Kept::decode(&v).and_then(|kept| kept.until)))
            })
            .collect::<Result<_, StoreError>>()?;
        if untils.is_empty() {
            return Ok(());
        }
        for (symbol, time) in written {
            let key = key(venue, symbol);
            // An undecodable summary (`None` until) is dropped too.
            if untils
                .get(&key)
                .is_some_and(|until| until.is_none_or(|u| *time < u))
            {
                batch.remove(key);
                any = true;
            }
        }
        if any {
            self.apply(&self.inner.trees.summaries, batch)?;
        }
        Ok(())
    }

    /// Drops the summary of each of `symbols` of `venue` (their settlements were rewritten).
    pub(super) fn drop_summaries(&self, venue: Venue, symbols: &[&str]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for symbol in symbols {
            batch.remove(key(venue, symbol));
        }
        self.apply(&self.inner.trees.summaries, batch)
    }

    /// Drops every summary (after a prune).
    pub(super) fn clear_summaries(&self) -> Result<(), StoreError> {
        self.inner
            .trees
            .summaries
            .clear()
            .map_err(|e| io(&self.inner.dir, e))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::store::FundingEvent;

    const HOUR: i64 = 3_600_000;
    /// 2026-03-01 00:00 UTC.
    const T0: i64 = 1_772_323_200_000;
    const SYMBOLS: [&str; 3] = ["BTC-USDT-SWAP", "ETH-USDT-SWAP", "SOL-USDT-SWAP"];

    fn time(ms: i64) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(ms).unwrap()
    }

    fn perps() -> Vec<(Venue, String)> {
        SYMBOLS
            .iter()
            .map(|s| (Venue::Okx, (*s).to_owned()))
            .collect()
    }

    /// The summary computed from the settlements as stored, with no help from the tree.
    fn direct(store: &Store, symbol: &str, now: i64) -> FundingSummary {
        let settled: Vec<FundingSample> = store
            .funding_events_since(Venue::Okx, symbol, now - WINDOW_MS)
            .unwrap()
            .into_iter()
            .map(|(t, e)| e.sample(t).unwrap())
            .collect();
        summarise(&settled, time(now))
    }

    /// A poll at `at` of the three perps, each settling next at `next` hours from `T0`.
    fn poll(store: &Store, at: i64, next: &[(i64, i64)]) {
        let mut snapshot = crate::store::tests::snapshot(at);
        let template = snapshot.perps[0].clone();
        snapshot.perps = SYMBOLS
            .iter()
            .zip(next)
            .map(|(symbol, (hours, rate))| {
                let mut p = template.clone();
                p.symbol = (*symbol).to_owned();
                p.funding_rate = Decimal::new(*rate, 5);
                p.funding_interval_hours = Decimal::ONE;
                p.next_funding_time = Some(time(T0 + hours * HOUR));
                p
            })
            .collect();
        store.write_snapshot(&snapshot).unwrap();
    }

    #[derive(Clone, Debug)]
    enum Op {
        /// A backfill of perp `i`: settlements at hour offsets from `T0`, with rates.
        Backfill(usize, Vec<(i64, i64)>),
        /// A poll now, recording each perp's next settlement (hour offset from `T0`, rate).
        Poll(Vec<(i64, i64)>),
        /// A scan after moving the clock by some minutes (back too).
        Scan(i64),
        /// The clock jumps to an hour offset from `T0`.
        Jump(i64),
        /// The daily prune, everything before an hour offset.
        Prune(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (
                0usize..3,
                prop::collection::vec((-900i64..400, -40i64..60), 1..40)
            )
                .prop_map(|(i, s)| Op::Backfill(i, s)),
            prop::collection::vec((-100i64..420, -40i64..60), 3).prop_map(Op::Poll),
            (-30i64..90).prop_map(Op::Scan),
            (-100i64..500).prop_map(Op::Jump),
            (-1_000i64..100).prop_map(Op::Prune),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Whatever the order of backfills, polls, prunes and scans (time going back
        /// included), every scan gets exactly the summaries computed from the stored
        /// settlements at its time.
        #[test]
        fn kept_summaries_equal_the_ones_computed_from_the_settlements(
            ops in prop::collection::vec(op(), 1..60)
        ) {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path()).unwrap();
            let mut now = T0;
            for op in ops {
                match op {
                    Op::Backfill(i, settlements) => {
                        let events: Vec<(i64, FundingEvent)> = settlements
                            .iter()
                            .map(|(h, r)| {
                                (T0 + h * HOUR, FundingEvent {
                                    r: Decimal::new(*r, 5),
                                    h: Decimal::ONE,
                                    seen: T0,
                                })
                            })
                            .collect();
                        store.put_funding_events(Venue::Okx, SYMBOLS[i], &events).unwrap();
                    }
                    Op::Poll(next) => poll(&store, now, &next),
                    Op::Jump(h) => now = T0 + h * HOUR + 60_000,
                    Op::Scan(minutes) => {
                        now += minutes * 60_000;
                        let got = store.funding_summaries(&perps(), time(now)).unwrap();
                        for symbol in SYMBOLS {
                            prop_assert_eq!(
                                got[&(Venue::Okx, symbol.to_owned())],
                                direct(&store, symbol, now),
                                "{} at {}", symbol, now
                            );
                        }
                    }
                    Op::Prune(h) => {
                        store.prune_all(time(T0 + h * HOUR)).unwrap();
                    }
                }
            }
        }

        #[test]
        fn summaries_round_trip_bit_for_bit(
            at in any::<i64>(),
            until in prop::option::of(any::<i64>().prop_filter("MAX means none", |u| *u != i64::MAX)),
            aprs in prop::collection::vec(prop::option::of(any::<i64>()), 3),
            shares in prop::collection::vec(prop::option::of(any::<f64>()), 2),
            counts in (any::<u32>(), any::<u32>()),
            trend in prop::option::of((any::<i64>(), 0u32..28, any::<f64>())),
        ) {
            let dec = |x: Option<i64>| x.map(|x| Decimal::new(x, 7));
            let kept = Kept {
                at,
                until,
                summary: FundingSummary {
                    window: Window {
                        apr_1d: dec(aprs[0]),
                        apr_7d: dec(aprs[1]),
                        d30: FundingStats {
                            apr_pct: dec(aprs[2]),
                            std_pct: shares[1],
                            pos_share: shares[0],
                            longest_negative_streak: counts.0 as usize,
                            settlements: counts.1 as usize,
                        },
                    },
                    trend: trend.map(|(m, scale, phi)| Trend {
                        mean_per_hour: Decimal::new(m, scale),
                        step_hours: Decimal::new(8, 0),
                        phi,
                    }),
                },
            };
            let back = Kept::decode(&kept.encode()).unwrap();
            // Compare bits: NaN floats must come back as the same NaN.
            prop_assert_eq!(format!("{back:?}"), format!("{kept:?}"));
            prop_assert_eq!(back.encode(), kept.encode());
        }
    }

    #[test]
    fn a_scan_reads_the_kept_summary_until_a_settlement_changes_a_window() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // 40 hourly settlements up to T0, the next at T0 + 1 h (recorded by a poll).
        let events: Vec<(i64, FundingEvent)> = (0..40)
            .map(|i| {
                (
                    T0 - i * HOUR,
                    FundingEvent {
                        r: Decimal::new(10 + i, 6),
                        h: Decimal::ONE,
                        seen: T0,
                    },
                )
            })
            .collect();
        store
            .put_funding_events(Venue::Okx, SYMBOLS[0], &events)
            .unwrap();
        poll(&store, T0 + 60_000, &[(1, 5), (1, 5), (1, 5)]);
        let kept_at = |store: &Store| {
            let v = store
                .inner
                .trees
                .summaries
                .get(key(Venue::Okx, SYMBOLS[0]))
                .unwrap()
                .unwrap();
            Kept::decode(&v).unwrap()
        };
        store
            .funding_summaries(&perps(), time(T0 + 120_000))
            .unwrap();
        let first = kept_at(&store);
        assert_eq!((first.at, first.until), (T0 + 120_000, Some(T0 + HOUR)));
        // Later in the same hour: read, not recomputed.
        store
            .funding_summaries(&perps(), time(T0 + 30 * 60_000))
            .unwrap();
        assert_eq!(kept_at(&store).at, T0 + 120_000);
        // A poll that learns of an earlier settlement (the venue moved it) drops it.
        poll(&store, T0 + 31 * 60_000, &[(0, 7), (1, 5), (1, 5)]);
        assert!(
            store
                .inner
                .trees
                .summaries
                .get(key(Venue::Okx, SYMBOLS[0]))
                .unwrap()
                .is_none()
        );
        // Past the settlement: recomputed, and it counts the settlement the poll recorded.
        let now = T0 + HOUR + 60_000;
        let got = store.funding_summaries(&perps(), time(now)).unwrap();
        assert_eq!(kept_at(&store).at, now);
        assert_eq!(
            got[&(Venue::Okx, SYMBOLS[0].to_owned())],
            direct(&store, SYMBOLS[0], now)
        );
    }
}
