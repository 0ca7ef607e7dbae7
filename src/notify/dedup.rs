//! Cross-run dedup (pure: no clock, no I/O): fingerprints, what one digest holds, what to record.
//!
//! The state of a sink is one small [`Record`] per opportunity the sink *accepted* a message about,
//! keyed by [`fingerprint`] (the store keeps one key per record, so a run writes only what
//! changed). A run:
//! 1. [`plan`] with the opportunities the sink wants: of its best `cap` by risk-adjusted APR, those
//!    that are *due* (no record, last sent at least `cooldown` ago, or risk-adjusted APR moved by
//!    more than `band` from the value last sent) go in the digest; the rest of what qualifies is
//!    one count. A record whose opportunity no longer qualifies is *resolved*: the first `cap`
//!    get a "no longer qualifies" line, the others are folded into a count.
//! 2. Render and send the digest part by part; then [`record`] only the items of the parts the
//!    sink accepted: shown rows get a record (sent now, at this value), resolved ones (a line or
//!    the count line) lose theirs. An item of a part that failed leaves the state as it was, so it
//!    is due again next run; a part accepted is never sent again.
//!
//! Opportunities beyond the cap are never recorded: they appear in a later digest only when they
//! rank into the best `cap`, so no run, the first included, dumps a backlog.
//!
//! Retention: a record lives while its opportunity qualifies and is refreshed by each send (the
//! cooldown re-sends the best every few hours); one not sent for [`retention`] (7 days, or twice
//! the cooldown when that is longer) is dropped by [`expired`], so the state holds at most what
//! was sent within that window whatever the number of runs.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::NotifyOptions;
use crate::model::{Leg, Opportunity};

/// Shortest time a record is kept after its last send.
pub const RETENTION_DAYS: i64 = 7;

pub use crate::model::sent::{Changes, LegacyRecord, Record};

/// `kind|asset|quote|long venue:market:symbol|short venue:market:symbol`: stable across runs,
/// includes the direction (which leg is long), holds no secrets.
#[must_use]
pub fn fingerprint(o: &Opportunity) -> String {
    let (kind, asset, quote) = (o.kind.id(), &o.asset, &o.quote);
    let (long, short) = (leg(&o.long, ":"), leg(&o.short, ":"));
    format!("{kind}|{asset}|{quote}|{long}|{short}")
}

/// `venue<sep>market<sep>symbol` of one leg.
fn leg(l: &Leg, sep: &str) -> String {
    [l.venue.id(), l.market.id(), &l.symbol].join(sep)
}

/// The human label of an opportunity: `carry SOL/USDT long binance spot SOLUSDT → short binance
/// perp SOLUSDT`.
#[must_use]
pub fn label(o: &Opportunity) -> String {
    let (kind, asset, quote) = (o.kind.id(), &o.asset, &o.quote);
    let (long, short) = (leg(&o.long, " "), leg(&o.short, " "));
    format!("{kind} {asset}/{quote} long {long} → short {short}")
}

/// How long a record is kept after its last send: [`RETENTION_DAYS`], or twice the cooldown when
/// that is longer (the cooldown needs the record for that long).
#[must_use]
pub fn retention(opts: &NotifyOptions) -> chrono::Duration {
    let cooldown = chrono::Duration::from_std(opts.cooldown).unwrap_or(chrono::Duration::MAX);
    chrono::Duration::days(RETENTION_DAYS).max(cooldown.checked_mul(2).unwrap_or(cooldown))
}

/// Whether `r` is past [`retention`] at `now` (it is dropped, and forgotten: if its opportunity
/// ranks into a digest again, it is new).
#[must_use]
pub fn expired(r: &Record, now: DateTime<Utc>, opts: &NotifyOptions) -> bool {
    now.signed_duration_since(r.last_sent) > retention(opts)
}

/// What one run should tell one sink.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Due opportunities among the best `cap`, best first (at most `cap`).
    pub new: Vec<Opportunity>,
    /// How many distinct opportunities the sink wants this run.
    pub qualifying: usize,
    /// Told before and no longer qualifying, with a line each: highest last value first, at most
    /// `cap`.
    pub resolved: Vec<(String, Record)>,
    /// Told before and no longer qualifying beyond the cap: one count line for all of them.
    pub resolved_more: Vec<String>,
    /// Among the best `cap`, already told and nothing to say.
    pub unchanged: usize,
}

impl Plan {
    /// Nothing to send.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.resolved.is_empty() && self.resolved_more.is_empty()
    }

    /// Qualifying opportunities the digest does not show (its "+N more qualify" line).
    #[must_use]
    pub fn more_qualify(&self) -> usize {
        self.qualifying.saturating_sub(self.new.len())
    }
}

/// Whether `now` moved more than `band` (relative) away from `last`. From zero, any move counts.
fn moved(last: Decimal, now: Decimal, band: f64) -> bool {
    let band = Decimal::try_from(band).unwrap_or(Decimal::ZERO).abs();
    (now - last).abs() > last.abs() * band
}

/// Decides what to notify: see the module documentation. `cap` is the sink's `top` (at least 1);
/// duplicate fingerprints in `qualifying` count once (the best); expired records are ignored.
#[must_use]
pub fn plan(
    state: &BTreeMap<String, Record>,
    qualifying: &[Opportunity],
    now: DateTime<Utc>,
    opts: &NotifyOptions,
    cap: usize,
) -> Plan {
    let cap = cap.max(1);
    let cooldown = chrono::Duration::from_std(opts.cooldown).unwrap_or(chrono::Duration::MAX);
    let mut ranked: Vec<&Opportunity> = qualifying.iter().collect();
    // Stable: equal values keep the analyzer's order.
    ranked.sort_by_key(|o| std::cmp::Reverse(o.risk_adj_apr_pct));
    let mut out = Plan::default();
    let mut seen = BTreeSet::new();
    for o in ranked {
        let fp = fingerprint(o);
        if !seen.insert(fp.clone()) {
            continue;
        }
        out.qualifying += 1;
        if out.qualifying > cap {
            continue;
        }
        let due = match state.get(&fp).filter(|r| !expired(r, now, opts)) {
            None => true,
            Some(r) => {
                now.signed_duration_since(r.last_sent) >= cooldown
                    || moved(r.last_value_pct, o.risk_adj_apr_pct, opts.band)
            }
        };
        if due {
            out.new.push(o.clone());
        } else {
            out.unchanged += 1;
        }
    }
    let mut gone: Vec<(String, Record)> = state
        .iter()
        .filter(|(fp, r)| !seen.contains(*fp) && !expired(r, now, opts))
        .map(|(fp, r)| (fp.clone(), r.clone()))
        .collect();
    gone.sort_by(|a, b| {
        b.1.last_value_pct
            .cmp(&a.1.last_value_pct)
            .then_with(|| a.0.cmp(&b.0))
    });
    if gone.len() > cap {
        out.resolved_more = gone.split_off(cap).into_iter().map(|(fp, _)| fp).collect();
    }
    out.resolved = gone;
    out
}

/// One line of a digest, as the rendered parts report what they carry.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Item {
    /// `plan.new[i]`.
    New(usize),
    /// The "+N more qualify" line.
    MoreQualify,
    /// `plan.resolved[i]`.
    Resolved(usize),
    /// The "+N more no longer qualify" line (covers `plan.resolved_more`).
    MoreResolved,
}

/// The state changes for the `accepted` items of `plan` (those in parts the sink accepted):
/// see the module documentation. Items not accepted change nothing.
#[must_use]
pub fn record(
    state: &BTreeMap<String, Record>,
    plan: &Plan,
    accepted: &BTreeSet<Item>,
    now: DateTime<Utc>,
) -> Changes {
    let mut out = Changes::default();
    for item in accepted {
        match *item {
            Item::New(i) => {
                let Some(o) = plan.new.get(i) else { continue };
                let fp = fingerprint(o);
                let first_seen = state.get(&fp).map_or(now, |r| r.first_seen);
                out.put.push((
                    fp,
                    Record {
                        first_seen,
                        last_sent: now,
                        last_value_pct: o.risk_adj_apr_pct,
                        label: label(o),
                    },
                ));
            }
            Item::Resolved(i) => {
                if let Some((fp, _)) = plan.resolved.get(i) {
                    out.remove.push(fp.clone());
                }
            }
            Item::MoreResolved => out.remove.extend(plan.resolved_more.iter().cloned()),
            Item::MoreQualify => {}
        }
    }
    out
}

/// Applies `changes` to an in-memory state (what the store does with its keys).
pub fn apply(state: &mut BTreeMap<String, Record>, changes: &Changes) {
    for fp in &changes.remove {
        state.remove(fp);
    }
    for (fp, r) in &changes.put {
        state.insert(fp.clone(), r.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::sample::{carry, d, now, spread};

    fn opts() -> NotifyOptions {
        NotifyOptions::default()
    }

    /// Every item of a plan (the digest was accepted whole).
    fn all_items(p: &Plan) -> BTreeSet<Item> {
        let mut s: BTreeSet<Item> = (0..p.new.len()).map(Item::New).collect();
        s.extend((0..p.resolved.len()).map(Item::Resolved));
        s.insert(Item::MoreQualify);
        s.insert(Item::MoreResolved);
        s
    }

    /// Records `items` of `p` as accepted at `at`.
    fn step(
        state: &mut BTreeMap<String, Record>,
        p: &Plan,
        items: &BTreeSet<Item>,
        at: DateTime<Utc>,
    ) {
        let changes = record(state, p, items, at);
        apply(state, &changes);
    }

    /// One run with a cap of 10: plan, "deliver" (always accepted), record; returns what was
    /// notified.
    fn run(
        state: &mut BTreeMap<String, Record>,
        qualifying: &[Opportunity],
        at: DateTime<Utc>,
    ) -> (Vec<String>, Vec<String>) {
        let p = plan(state, qualifying, at, &opts(), 10);
        let changes = record(state, &p, &all_items(&p), at);
        apply(state, &changes);
        (
            p.new.iter().map(|o| o.asset.clone()).collect(),
            p.resolved.iter().map(|(_, r)| r.label.clone()).collect(),
        )
    }

    fn coins(n: usize) -> Vec<Opportunity> {
        // C000 best; APRs 10000, 9999, ... so the ranking is the index.
        (0..n)
            .map(|i| carry(&format!("C{i:03}"), &(10_000 - i).to_string()))
            .collect()
    }

    /// A first run at [`now`] over `n` [`coins`] with room for all of them: the empty state, the
    /// coins and the plan.
    fn first_run(n: usize) -> (BTreeMap<String, Record>, Vec<Opportunity>, Plan) {
        let (state, all) = (BTreeMap::new(), coins(n));
        let p = plan(&state, &all, now(), &opts(), n);
        (state, all, p)
    }

    #[test]
    fn fingerprint_includes_direction_and_legs() {
        let o = spread();
        assert_eq!(
            fingerprint(&o),
            "perp_spread|PEPE|USDT|hyperliquid:perp:kPEPE|bybit:perp:1000PEPEUSDT"
        );
        let mut flipped = o.clone();
        std::mem::swap(&mut flipped.long, &mut flipped.short);
        assert_ne!(fingerprint(&o), fingerprint(&flipped));
        let mut other = o.clone();
        other.risk_adj_apr_pct = d("1");
        other.rank = 9;
        assert_eq!(
            fingerprint(&o),
            fingerprint(&other),
            "numbers are not identity"
        );
    }

    #[test]
    fn lifecycle_new_silent_cooldown_band_resolved_reappears() {
        let t0 = now();
        let h = chrono::Duration::hours;
        let mut state = BTreeMap::new();
        let sol = carry("SOL", "20");

        // New -> sent.
        assert_eq!(
            run(&mut state, std::slice::from_ref(&sol), t0),
            (vec!["SOL".into()], vec![])
        );
        let r = state.values().next().unwrap().clone();
        assert_eq!((r.first_seen, r.last_sent), (t0, t0));

        // Same data again -> nothing.
        assert_eq!(
            run(&mut state, std::slice::from_ref(&sol), t0 + h(1)),
            (vec![], vec![])
        );
        // Within the band (+20 % relative) -> nothing.
        let mut drift = sol.clone();
        drift.risk_adj_apr_pct = d("24");
        assert_eq!(
            run(&mut state, std::slice::from_ref(&drift), t0 + h(2)),
            (vec![], vec![])
        );
        // After the cooldown -> sent again.
        assert_eq!(
            run(&mut state, std::slice::from_ref(&sol), t0 + h(6)),
            (vec!["SOL".into()], vec![])
        );
        let r = state.values().next().unwrap().clone();
        assert_eq!(r.first_seen, t0, "the episode keeps its start");
        assert_eq!(r.last_sent, t0 + h(6));

        // APR moved > 25 % relative -> sent, and the new value becomes the reference.
        let mut jump = sol.clone();
        jump.risk_adj_apr_pct = d("25.01");
        assert_eq!(
            run(&mut state, std::slice::from_ref(&jump), t0 + h(7)),
            (vec!["SOL".into()], vec![])
        );
        assert_eq!(state.values().next().unwrap().last_value_pct, d("25.01"));
        // Downward moves count too.
        let mut drop = sol.clone();
        drop.risk_adj_apr_pct = d("18");
        assert_eq!(
            run(&mut state, std::slice::from_ref(&drop), t0 + h(8)),
            (vec!["SOL".into()], vec![])
        );

        // Drops out -> one resolved line, and the record is gone.
        let (new, resolved) = run(&mut state, &[], t0 + h(9));
        assert!(new.is_empty());
        assert_eq!(
            resolved,
            vec!["carry SOL/USDT long binance spot SOLUSDT → short binance perp SOLUSDT"]
        );
        assert!(state.is_empty());
        // Stays out -> nothing more.
        assert_eq!(run(&mut state, &[], t0 + h(10)), (vec![], vec![]));
        // Reappears -> new, with a new episode.
        assert_eq!(
            run(&mut state, std::slice::from_ref(&sol), t0 + h(11)),
            (vec!["SOL".into()], vec![])
        );
        assert_eq!(state.values().next().unwrap().first_seen, t0 + h(11));
    }

    #[test]
    fn the_first_run_sends_the_best_cap_and_counts_the_rest() {
        let all = coins(2_039);
        let mut shuffled = all.clone();
        shuffled.reverse();
        let p = plan(&BTreeMap::new(), &shuffled, now(), &opts(), 10);
        let names: Vec<&str> = p.new.iter().map(|o| o.asset.as_str()).collect();
        assert_eq!(
            names,
            [
                "C000", "C001", "C002", "C003", "C004", "C005", "C006", "C007", "C008", "C009"
            ]
        );
        assert_eq!((p.qualifying, p.more_qualify()), (2_039, 2_029));
        let mut state = BTreeMap::new();
        step(&mut state, &p, &all_items(&p), now());
        assert_eq!(state.len(), 10, "only what was sent is recorded");

        // Next run, same data: the best ten were told, nothing ranks into them: silence (no drip
        // of the backlog).
        let later = now() + chrono::Duration::minutes(5);
        let p = plan(&state, &all, later, &opts(), 10);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(p.unchanged, 10);

        // One row outside the top jumps into it: only that one.
        let mut moved = all.clone();
        moved[500].risk_adj_apr_pct = d("20000");
        let p = plan(&state, &moved, later, &opts(), 10);
        let names: Vec<&str> = p.new.iter().map(|o| o.asset.as_str()).collect();
        assert_eq!(names, ["C500"]);
        assert_eq!(p.more_qualify(), 2_038);
    }

    #[test]
    fn resolved_lines_are_capped_and_the_rest_counted() {
        let t0 = now();
        // Told about all 30 (cap 30), then none qualifies.
        let (mut state, _, p) = first_run(30);
        step(&mut state, &p, &all_items(&p), t0);
        let later = t0 + chrono::Duration::hours(1);
        let p = plan(&state, &[], later, &opts(), 10);
        assert_eq!(p.resolved.len(), 10);
        assert_eq!(p.resolved_more.len(), 20);
        assert!(
            p.resolved[0].1.label.contains("C000"),
            "best last value first"
        );
        // Only the lines were accepted, not the count: the 20 come back, 10 at a time.
        let lines: BTreeSet<Item> = (0..10).map(Item::Resolved).collect();
        step(&mut state, &p, &lines, later);
        assert_eq!(state.len(), 20);
        let p = plan(&state, &[], later, &opts(), 10);
        assert_eq!((p.resolved.len(), p.resolved_more.len()), (10, 10));
        step(&mut state, &p, &all_items(&p), later);
        assert!(state.is_empty(), "the count line retires the rest");
    }

    #[test]
    fn only_accepted_parts_are_recorded() {
        let t0 = now();
        let (mut state, all, p) = first_run(20);
        assert_eq!(p.new.len(), 20);
        // Part 1 (rows 0..12) accepted, part 2 (rows 12..20) failed.
        let part1: BTreeSet<Item> = (0..12).map(Item::New).collect();
        step(&mut state, &p, &part1, t0);
        let later = t0 + chrono::Duration::minutes(5);
        let p = plan(&state, &all, later, &opts(), 20);
        let names: Vec<String> = p.new.iter().map(|o| o.asset.clone()).collect();
        let want: Vec<String> = (12..20).map(|i| format!("C{i:03}")).collect();
        assert_eq!(names, want, "only the failed part is due again");
        // Nothing accepted at all: nothing changes.
        assert!(record(&state, &p, &BTreeSet::new(), later).is_empty());
    }

    #[test]
    fn records_expire_after_the_retention_and_the_state_stays_bounded() {
        let t0 = now();
        let o = opts();
        assert_eq!(retention(&o), chrono::Duration::days(7));
        let long = NotifyOptions {
            cooldown: std::time::Duration::from_secs(5 * 86_400),
            ..NotifyOptions::default()
        };
        assert_eq!(retention(&long), chrono::Duration::days(10));
        let r = Record {
            first_seen: t0,
            last_sent: t0,
            last_value_pct: d("20"),
            label: "x".into(),
        };
        assert!(!expired(&r, t0 + chrono::Duration::days(7), &o));
        assert!(expired(&r, t0 + chrono::Duration::days(8), &o));

        // A month of */5 cron in which the best ten change every run: what is kept never exceeds
        // what was sent within the retention window, and expired records are dropped.
        let mut state: BTreeMap<String, Record> = BTreeMap::new();
        let runs = 30 * 288;
        let mut peak = 0;
        for run_no in 0..runs {
            let at = t0 + chrono::Duration::minutes(5 * i64::from(run_no));
            let qualifying: Vec<Opportunity> = (0..10)
                .map(|i| carry(&format!("R{}", (run_no * 10 + i) % 30_000), "20"))
                .collect();
            state.retain(|_, r| !expired(r, at, &o));
            let p = plan(&state, &qualifying, at, &o, 10);
            step(&mut state, &p, &all_items(&p), at);
            peak = peak.max(state.len());
        }
        // Each run resolves the previous ten (no longer qualifying) and records ten new.
        assert_eq!(peak, 10);

        // Rows that stay qualifying but drop out of the top are kept only for the retention.
        let mut state: BTreeMap<String, Record> = BTreeMap::new();
        let mut peak = 0;
        let keep: Vec<Opportunity> = coins(2_000);
        for day in 0..30 {
            let at = t0 + chrono::Duration::days(day);
            let mut qualifying = keep.clone();
            // A new best ten every day; yesterday's stay qualifying below them.
            for (i, q) in (0_i64..).zip(qualifying.iter_mut()) {
                q.risk_adj_apr_pct = Decimal::from((i + 10 * day) % 2_000);
            }
            state.retain(|_, r| !expired(r, at, &o));
            let p = plan(&state, &qualifying, at, &o, 10);
            assert_eq!(p.new.len(), 10, "day {day}");
            step(&mut state, &p, &all_items(&p), at);
            peak = peak.max(state.len());
        }
        // Today's ten and the seven days before: the eighth day back expires.
        assert_eq!(peak, 10 * 8);
    }

    #[test]
    fn legacy_records_carry_over_only_when_sent_and_active() {
        let t0 = now();
        let legacy = |sent: Option<DateTime<Utc>>, active| LegacyRecord {
            first_seen: t0,
            last_sent: sent,
            last_value_pct: d("20"),
            label: "l".into(),
            active,
        };
        assert_eq!(
            legacy(Some(t0), true).upgrade(),
            Some(Record {
                first_seen: t0,
                last_sent: t0,
                last_value_pct: d("20"),
                label: "l".into()
            })
        );
        assert_eq!(legacy(None, true).upgrade(), None);
        assert_eq!(legacy(Some(t0), false).upgrade(), None);
        let old: BTreeMap<String, LegacyRecord> = serde_json::from_str(
            r#"{"a":{"first_seen":"2025-11-25T12:00:00Z","last_sent":null,"last_value_pct":"1.5","label":"x","active":true}}"#,
        )
        .unwrap();
        assert_eq!(old.len(), 1);
    }

    #[test]
    fn duplicates_count_once_and_zero_values_move() {
        let sol = carry("SOL", "0");
        let p = plan(
            &BTreeMap::new(),
            &[sol.clone(), sol.clone()],
            now(),
            &opts(),
            10,
        );
        assert_eq!((p.new.len(), p.qualifying), (1, 1));
        assert!(moved(d("0"), d("0.1"), 0.25));
        assert!(!moved(d("0"), d("0"), 0.25));
        assert!(!moved(d("-20"), d("-24"), 0.25));
        assert!(moved(d("-20"), d("-26"), 0.25));
    }
}
