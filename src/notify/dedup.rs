//! Cross-run dedup (pure: no clock, no I/O): fingerprints, what to notify, what to resolve.
//!
//! State is one `BTreeMap<fingerprint, Record>` per sink, kept in the store. A run:
//! 1. [`plan`] with the opportunities the sink wants: an opportunity is *new* when it has no active
//!    record, was never accepted by the sink, its last send is at least `cooldown` old, or its
//!    risk-adjusted APR moved by more than `band` (relative) from the value last sent; an active
//!    record that was sent and no longer qualifies is *resolved* (one "no longer qualifies" line).
//! 2. Send the digest; then [`apply_sent`] when the sink accepted it, or [`apply_seen`] when there
//!    was nothing to send or delivery failed (nothing is marked sent, so it comes back next run).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::NotifyOptions;
use crate::model::Opportunity;

/// Inactive records are forgotten this many days after their last send (or first sighting), so
/// the store stays bounded; a forgotten one that reappears is new, exactly as an inactive one.
pub const RETENTION_DAYS: i64 = 30;

/// What the store keeps per fingerprint and sink.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Record {
    /// When the current episode (qualifying without a gap) was first seen.
    pub first_seen: DateTime<Utc>,
    /// When the sink last accepted a message about it (`None`: never).
    pub last_sent: Option<DateTime<Utc>>,
    /// Risk-adjusted APR (percent) in the last message sent; the value seen when never sent.
    pub last_value_pct: Decimal,
    /// Human line for the "no longer qualifies" message (no secrets, no numbers).
    pub label: String,
    /// Qualifies as of the last run that recorded state.
    pub active: bool,
}

/// `kind|asset|quote|long venue:market:symbol|short venue:market:symbol`: stable across runs,
/// includes the direction (which leg is long), holds no secrets.
#[must_use]
pub fn fingerprint(o: &Opportunity) -> String {
    format!(
        "{}|{}|{}|{}:{}:{}|{}:{}:{}",
        o.kind.id(),
        o.asset,
        o.quote,
        o.long.venue.id(),
        o.long.market.id(),
        o.long.symbol,
        o.short.venue.id(),
        o.short.market.id(),
        o.short.symbol
    )
}

/// The human label of an opportunity: `carry SOL/USDT long binance spot SOLUSDT → short binance
/// perp SOLUSDT`.
#[must_use]
pub fn label(o: &Opportunity) -> String {
    format!(
        "{} {}/{} long {} {} {} → short {} {} {}",
        o.kind.id(),
        o.asset,
        o.quote,
        o.long.venue.id(),
        o.long.market.id(),
        o.long.symbol,
        o.short.venue.id(),
        o.short.market.id(),
        o.short.symbol
    )
}

/// What one run should tell one sink.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// New, cooled down, moved beyond the band, or never accepted yet; in the input's order.
    pub new: Vec<Opportunity>,
    /// Sent before and no longer qualifying: one "no longer qualifies" line each.
    pub resolved: Vec<(String, Record)>,
    /// Still qualifying, already told, nothing to say.
    pub unchanged: usize,
}

impl Plan {
    /// Nothing to send.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.resolved.is_empty()
    }
}

/// Whether `now` moved more than `band` (relative) away from `last`. From zero, any move counts.
fn moved(last: Decimal, now: Decimal, band: f64) -> bool {
    let band = Decimal::try_from(band).unwrap_or(Decimal::ZERO).abs();
    (now - last).abs() > last.abs() * band
}

/// Decides what to notify: see the module documentation. Duplicate fingerprints in `qualifying`
/// count once (the first).
#[must_use]
pub fn plan(
    state: &BTreeMap<String, Record>,
    qualifying: &[Opportunity],
    now: DateTime<Utc>,
    opts: &NotifyOptions,
) -> Plan {
    let cooldown = chrono::Duration::from_std(opts.cooldown).unwrap_or(chrono::Duration::MAX);
    let mut out = Plan::default();
    let mut seen = BTreeSet::new();
    for o in qualifying {
        let fp = fingerprint(o);
        if !seen.insert(fp.clone()) {
            continue;
        }
        let notify = match state.get(&fp) {
            None => true,
            Some(r) if !r.active => true,
            Some(r) => match r.last_sent {
                None => true,
                Some(sent) => {
                    now.signed_duration_since(sent) >= cooldown
                        || moved(r.last_value_pct, o.risk_adj_apr_pct, opts.band)
                }
            },
        };
        if notify {
            out.new.push(o.clone());
        } else {
            out.unchanged += 1;
        }
    }
    for (fp, r) in state {
        if r.active && r.last_sent.is_some() && !seen.contains(fp) {
            out.resolved.push((fp.clone(), r.clone()));
        }
    }
    out
}

/// Records that the sink accepted the digest of `plan`: new ones are marked sent at `now` with
/// their value; resolved ones become inactive (so they are announced once); still-qualifying ones
/// stay active; records that stopped qualifying without ever being sent become inactive silently.
pub fn apply_sent(
    state: &mut BTreeMap<String, Record>,
    plan: &Plan,
    qualifying: &[Opportunity],
    now: DateTime<Utc>,
) {
    for o in &plan.new {
        let fp = fingerprint(o);
        let first_seen = state
            .get(&fp)
            .filter(|r| r.active)
            .map_or(now, |r| r.first_seen);
        state.insert(
            fp,
            Record {
                first_seen,
                last_sent: Some(now),
                last_value_pct: o.risk_adj_apr_pct,
                label: label(o),
                active: true,
            },
        );
    }
    for (fp, _) in &plan.resolved {
        if let Some(r) = state.get_mut(fp) {
            r.active = false;
        }
    }
    refresh(state, qualifying, now);
}

/// Records a run in which nothing was accepted (nothing to send, or delivery failed): qualifying
/// opportunities without an active record get one with `last_sent = None` (so they are still new
/// next run, and `first_seen` keeps the start of the episode); nothing is marked sent and
/// resolved records stay active (their line is sent next run). Records that stopped qualifying
/// without ever being sent become inactive silently.
pub fn apply_seen(
    state: &mut BTreeMap<String, Record>,
    qualifying: &[Opportunity],
    now: DateTime<Utc>,
) {
    refresh(state, qualifying, now);
}

/// Shared bookkeeping of both `apply_*`: start episodes of qualifying opportunities, end silent
/// ones that dropped out, forget old inactive records.
fn refresh(state: &mut BTreeMap<String, Record>, qualifying: &[Opportunity], now: DateTime<Utc>) {
    let mut current = BTreeSet::new();
    for o in qualifying {
        let fp = fingerprint(o);
        match state.get_mut(&fp) {
            Some(r) if r.active => {}
            _ => {
                state.insert(
                    fp.clone(),
                    Record {
                        first_seen: now,
                        last_sent: None,
                        last_value_pct: o.risk_adj_apr_pct,
                        label: label(o),
                        active: true,
                    },
                );
            }
        }
        current.insert(fp);
    }
    let horizon = now - chrono::Duration::days(RETENTION_DAYS);
    state.retain(|fp, r| {
        if r.active && r.last_sent.is_none() && !current.contains(fp) {
            r.active = false;
        }
        r.active || r.last_sent.unwrap_or(r.first_seen) >= horizon
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::sample::{carry, d, now, spread};

    fn opts() -> NotifyOptions {
        NotifyOptions::default()
    }

    /// One run: plan, "deliver" (always accepted), record; returns what was notified.
    fn run(
        state: &mut BTreeMap<String, Record>,
        qualifying: &[Opportunity],
        at: DateTime<Utc>,
    ) -> (Vec<String>, Vec<String>) {
        let p = plan(state, qualifying, at, &opts());
        if p.is_empty() {
            apply_seen(state, qualifying, at);
        } else {
            apply_sent(state, &p, qualifying, at);
        }
        (
            p.new.iter().map(|o| o.asset.clone()).collect(),
            p.resolved.iter().map(|(_, r)| r.label.clone()).collect(),
        )
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
        assert_eq!((r.first_seen, r.last_sent, r.active), (t0, Some(t0), true));

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
        assert_eq!(r.last_sent, Some(t0 + h(6)));

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

        // Drops out -> one resolved line.
        let (new, resolved) = run(&mut state, &[], t0 + h(9));
        assert!(new.is_empty());
        assert_eq!(
            resolved,
            vec!["carry SOL/USDT long binance spot SOLUSDT → short binance perp SOLUSDT"]
        );
        assert!(!state.values().next().unwrap().active);
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
    fn failed_delivery_is_retried_next_run() {
        let t0 = now();
        let mut state = BTreeMap::new();
        let sol = carry("SOL", "20");
        let p = plan(&state, std::slice::from_ref(&sol), t0, &opts());
        assert_eq!(p.new.len(), 1);
        // Delivery failed: only seen.
        apply_seen(&mut state, std::slice::from_ref(&sol), t0);
        let r = state.values().next().unwrap();
        assert_eq!((r.first_seen, r.last_sent, r.active), (t0, None, true));
        let later = t0 + chrono::Duration::minutes(5);
        let p = plan(&state, std::slice::from_ref(&sol), later, &opts());
        assert_eq!(p.new.len(), 1, "never accepted -> still new");
        apply_sent(&mut state, &p, std::slice::from_ref(&sol), later);
        let r = state.values().next().unwrap();
        assert_eq!(r.first_seen, t0, "first_seen kept across the failed run");
        assert_eq!(r.last_sent, Some(later));

        // A resolved line whose delivery failed is planned again.
        let p = plan(&state, &[], later, &opts());
        assert_eq!(p.resolved.len(), 1);
        apply_seen(&mut state, &[], later);
        assert_eq!(plan(&state, &[], later, &opts()).resolved.len(), 1);
    }

    #[test]
    fn never_sent_records_drop_out_silently_and_old_ones_are_forgotten() {
        let t0 = now();
        let mut state = BTreeMap::new();
        let sol = carry("SOL", "20");
        apply_seen(&mut state, std::slice::from_ref(&sol), t0);
        let p = plan(&state, &[], t0, &opts());
        assert!(p.resolved.is_empty(), "never told -> nothing to retract");
        apply_seen(&mut state, &[], t0);
        assert!(!state.values().next().unwrap().active);
        apply_seen(
            &mut state,
            &[],
            t0 + chrono::Duration::days(RETENTION_DAYS + 1),
        );
        assert!(state.is_empty());
    }

    #[test]
    fn duplicates_count_once_and_zero_values_move() {
        let sol = carry("SOL", "0");
        let p = plan(
            &BTreeMap::new(),
            &[sol.clone(), sol.clone()],
            now(),
            &opts(),
        );
        assert_eq!(p.new.len(), 1);
        assert!(moved(d("0"), d("0.1"), 0.25));
        assert!(!moved(d("0"), d("0"), 0.25));
        assert!(!moved(d("-20"), d("-24"), 0.25));
        assert!(moved(d("-20"), d("-26"), 0.25));
    }
}
