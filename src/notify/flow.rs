//! One run's notifications (I/O): per sink, plan a capped digest, send it part by part, and record
//! only the parts the sink accepted.
//!
//! Per run: expire old dedup records of every sink (see [`dedup::retention`]); then per sink, skip
//! it while it is disabled (404/410 in an earlier run), keep what it [`Sink::wants`], ask
//! [`dedup::plan`] for its best [`Sink::cap`] new or changed opportunities and what no longer
//! qualifies, render one digest (split to the service's limits), send it with
//! [`Sender::send_parts`], and write with [`dedup::record`] what the accepted parts carried. A
//! sink with nothing to say writes nothing.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::dedup::{self, Item, Plan};
use super::deliver::Sender;
use super::message::{self, Digest, Rendered};
use super::{NotifyError, NotifyOptions, Sink};
use crate::model::Opportunity;
use crate::report::safe::display;
use crate::store::{DisabledSink, Store, StoreError};

/// A sink disabled for answering 404/410 is tried again after this long.
pub const SINK_RETRY_MS: i64 = 86_400_000;

/// What a run's notifications depend on besides the opportunities.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The configured sinks.
    pub sinks: &'a [Sink],
    /// Cooldown, band, deadline, retries.
    pub opts: &'a NotifyOptions,
    /// `scan --top`, which lowers every sink's `top`.
    pub scan_top: Option<usize>,
    /// The scan's `--min-apr` (the "+N more qualify" command shows the higher of it and the
    /// sink's).
    pub scan_min_apr: Option<Decimal>,
    /// Built from `--demo` data (the digests say so).
    pub demo: bool,
    /// The config file the sinks come from, named when it has none.
    pub config_path: Option<&'a Path>,
}

/// What notifying did in one run.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Some sink failed or is disabled (the exit code becomes partial).
    pub failed: bool,
    /// Plain-text lines of what the sinks accepted, for quiet cron runs; `None` when nothing.
    pub summary: Option<String>,
}

/// Why a notifying run could not go on (a sink failing is not one: it is in [`Outcome`]).
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(NotifyError),
    /// A blocking store task panicked or was cancelled.
    #[error("internal error in a notification store task: {0}")]
    Join(String),
}

async fn blocking<T: Send + 'static>(
    store: &Store,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, FlowError> {
    let s = store.clone();
    tokio::task::spawn_blocking(move || f(&s))
        .await
        .map_err(|e| FlowError::Join(e.to_string()))?
        .map_err(FlowError::from)
}

/// Sends each sink its digest of what is new since the last run and records what was accepted.
/// `disabled` holds the sinks that answered 404/410 in this process (a `watch` stops calling
/// them). With no sink configured it warns, naming the config file, and touches nothing.
///
/// # Errors
/// Store failures and an HTTP client that cannot be built; a failing sink is reported in the
/// outcome instead.
pub async fn run(
    store: &Store,
    ctx: &Context<'_>,
    opportunities: &[Opportunity],
    disabled: &mut HashSet<String>,
) -> Result<Outcome, FlowError> {
    if ctx.sinks.is_empty() {
        tracing::warn!(
            "--notify: no [[notify]] sinks in the config ({}); nothing sent",
            ctx.config_path
                .map_or_else(|| "no config file".to_owned(), |p| p.display().to_string())
        );
        return Ok(Outcome::default());
    }
    let sender = Sender::new(ctx.opts).map_err(FlowError::Client)?;
    let now = Utc::now();
    let opts = ctx.opts.clone();
    let expired = blocking(store, move |s| {
        s.expire_notify_state(|r| !dedup::expired(r, now, &opts))
    })
    .await?;
    if expired > 0 {
        tracing::debug!(records = expired, "notify: expired dedup records removed");
    }
    let mut outcome = Outcome::default();
    let mut summary = String::new();
    for sink in ctx.sinks {
        match notify_sink(store, ctx, &sender, sink, opportunities, now, disabled).await? {
            SinkResult::Skipped => outcome.failed = true,
            SinkResult::Done { failed, lines } => {
                outcome.failed |= failed;
                summary.push_str(&lines);
            }
        }
    }
    outcome.summary = (!summary.is_empty()).then_some(summary);
    Ok(outcome)
}

enum SinkResult {
    /// Disabled: not called.
    Skipped,
    /// Called (or nothing to say): whether it failed, and the summary lines of what it accepted.
    Done { failed: bool, lines: String },
}

/// One sink's part of [`run`].
async fn notify_sink(
    store: &Store,
    ctx: &Context<'_>,
    sender: &Sender,
    sink: &Sink,
    opportunities: &[Opportunity],
    now: DateTime<Utc>,
    disabled: &mut HashSet<String>,
) -> Result<SinkResult, FlowError> {
    if disabled.contains(&sink.name) {
        return Ok(SinkResult::Skipped);
    }
    // Disabled by an earlier run for answering 404/410: skipped until its destination changes
    // in the config, a day has passed (then tried once more), or `notify test` gets through.
    let fingerprint = sink.destination_fingerprint();
    let name = sink.name.clone();
    let record = blocking(store, move |s| s.disabled_sink(&name)).await?;
    if let Some(r) = record.as_ref().filter(|r| {
        r.fingerprint == fingerprint && now.timestamp_millis() - r.since_ms < SINK_RETRY_MS
    }) {
        let since = DateTime::<Utc>::from_timestamp_millis(r.since_ms)
            .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M UTC").to_string());
        tracing::error!(
            sink = %sink.name,
            "sink disabled since {since} ({}); fix its URL in the config, or run `basis notify test --sink {}` once it works again (it is also retried a day later)",
            r.reason,
            sink.name
        );
        disabled.insert(sink.name.clone());
        return Ok(SinkResult::Skipped);
    }
    let qualifying: Vec<Opportunity> = opportunities
        .iter()
        .filter(|o| sink.wants(o))
        .cloned()
        .collect();
    let name = sink.name.clone();
    let mut state = blocking(store, move |s| s.notify_state(&name)).await?;
    state.retain(|fp, _| !super::accounts::is_account_key(fp));
    let cap = sink.cap(ctx.scan_top);
    let plan = dedup::plan(&state, &qualifying, now, ctx.opts, cap);
    if plan.is_empty() {
        tracing::info!(sink = %sink.name, unchanged = plan.unchanged, qualifying = plan.qualifying, "nothing new to notify");
        return Ok(SinkResult::Done {
            failed: false,
            lines: String::new(),
        });
    }
    let digest = Digest {
        new: plan.new.clone(),
        more_qualify: plan.more_qualify(),
        command: sink.scan_command(ctx.scan_min_apr),
        resolved: plan.resolved.iter().map(|(_, r)| r.clone()).collect(),
        more_resolved: plan.resolved_more.len(),
        ..Digest::empty(now, false, ctx.demo)
    };
    let messages = message::render(sink.kind, &digest);
    let (sent, result) = sender.send_parts(sink, &messages, now).await;
    let accepted: BTreeSet<Item> = messages[..sent]
        .iter()
        .flat_map(|m: &Rendered| m.items.iter().copied())
        .collect();
    let changes = dedup::record(&state, &plan, &accepted, now);
    let name = sink.name.clone();
    let reenable = record.is_some() && sent > 0 && result.as_ref().is_ok();
    blocking(store, move |s| {
        if !changes.is_empty() {
            s.put_notify_state(&name, &changes)?;
        }
        if reenable {
            s.set_disabled_sink(&name, None)?;
        }
        s.flush()
    })
    .await?;
    let lines = summary_lines(&digest, &plan, &accepted);
    match result {
        Ok(()) => {
            tracing::info!(sink = %sink.name, new = digest.new.len(), more = digest.more_qualify, resolved = digest.resolved.len() + digest.more_resolved, parts = sent, "notified");
            Ok(SinkResult::Done {
                failed: false,
                lines,
            })
        }
        Err(e) => {
            tracing::error!(sink = %sink.name, parts_accepted = sent, parts = messages.len(), "{e}");
            if e.disables_sink() {
                disabled.insert(sink.name.clone());
                let record = DisabledSink {
                    fingerprint: sink.destination_fingerprint(),
                    since_ms: now.timestamp_millis(),
                    reason: e.to_string(),
                };
                let name = sink.name.clone();
                blocking(store, move |s| s.set_disabled_sink(&name, Some(&record))).await?;
            }
            Ok(SinkResult::Done {
                failed: true,
                lines,
            })
        }
    }
}

/// Plain-text lines of the accepted items, for quiet cron runs.
fn summary_lines(digest: &Digest, plan: &Plan, accepted: &BTreeSet<Item>) -> String {
    let mut out = String::new();
    for item in accepted {
        match *item {
            Item::New(i) => {
                if let Some(o) = digest.new.get(i) {
                    let _ = writeln!(
                        out,
                        "new  {:<11} {}/{}  {} -> {}  risk-adj APR {}%  net {}%  liq {}",
                        o.kind.id(),
                        display(&o.asset, message::FIELD_CAP),
                        display(&o.quote, message::FIELD_CAP),
                        o.long.venue,
                        o.short.venue,
                        o.risk_adj_apr_pct.round_dp(1),
                        o.net_apr_pct.round_dp(1),
                        crate::report::table::liq(o.liq_prob)
                    );
                }
            }
            Item::MoreQualify => {
                let _ = writeln!(
                    out,
                    "more +{} qualify: {}",
                    message::thousands(digest.more_qualify),
                    digest.command
                );
            }
            Item::Resolved(i) => {
                if let Some((_, r)) = plan.resolved.get(i) {
                    let _ = writeln!(out, "gone {}", display(&r.label, message::LABEL_CAP));
                }
            }
            Item::MoreResolved => {
                let _ = writeln!(
                    out,
                    "gone +{} more no longer qualify",
                    message::thousands(digest.more_resolved)
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::dedup::{Changes, Record};
    use crate::notify::sample::{d, now};

    fn rec(last_sent: DateTime<Utc>) -> Record {
        Record {
            first_seen: last_sent,
            last_sent,
            last_value_pct: d("20"),
            label: "l".into(),
        }
    }

    #[test]
    fn quiet_summary_lines_show_names_safely_and_liq_like_the_sinks() {
        let mut digest = crate::notify::sample::digest();
        digest.new[0].asset = "\u{1b}[2JEVIL\r\nFAKE\u{202e}".into();
        digest.new[0].liq_prob = 0.000_01;
        let mut resolved = rec(now());
        resolved.label = "gone\nFAKE".into();
        let plan = Plan {
            new: vec![],
            qualifying: 0,
            resolved: vec![("k".into(), resolved)],
            resolved_more: vec![],
            unchanged: 0,
        };
        let accepted: BTreeSet<Item> = [Item::New(0), Item::Resolved(0)].into();
        let text = summary_lines(&digest, &plan, &accepted);
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(
            text.contains("\\u{1b}[2JEVIL\\r\\n") && text.contains("liq <0.01%"),
            "{text}"
        );
        let safe = |l: &str| !l.chars().any(crate::report::safe::is_unsafe);
        assert!(text.lines().all(safe), "{text}");
    }

    #[test]
    fn legacy_maps_are_converted_once_and_expired_records_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let t = now();
        let at = |h: i64| (t - chrono::Duration::hours(h)).to_rfc3339();
        store
            .put_legacy_notify_state(
                "desk",
                &serde_json::json!({
                    "sent": {"first_seen": at(30), "last_sent": at(2), "last_value_pct": "20", "label": "a", "active": true},
                    "never": {"first_seen": at(1), "last_sent": null, "last_value_pct": "20", "label": "b", "active": true},
                    "resolved": {"first_seen": at(30), "last_sent": at(20), "last_value_pct": "20", "label": "c", "active": false},
                    "old": {"first_seen": at(900), "last_sent": at(800), "last_value_pct": "20", "label": "d", "active": true},
                }),
            )
            .unwrap();
        let opts = NotifyOptions::default();
        let removed = store
            .expire_notify_state(|r| !dedup::expired(r, t, &opts))
            .unwrap();
        assert_eq!(removed, 3, "never sent, resolved and expired ones go");
        let state = store.notify_state("desk").unwrap();
        assert_eq!(state.keys().collect::<Vec<_>>(), ["sent"]);
        assert_eq!(state["sent"].label, "a");
        // Converted once: the map is gone, a second pass changes nothing.
        assert_eq!(
            store
                .expire_notify_state(|r| !dedup::expired(r, t, &opts))
                .unwrap(),
            0
        );
        assert_eq!(store.notify_state("desk").unwrap().len(), 1);
        // Eight days later the record has expired.
        let later = t + chrono::Duration::days(8);
        assert_eq!(
            store
                .expire_notify_state(|r| !dedup::expired(r, later, &opts))
                .unwrap(),
            1
        );
        assert!(store.notify_state("desk").unwrap().is_empty());
        store.close().unwrap();
    }

    #[test]
    fn sinks_keep_separate_records_whatever_their_names() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let t = now();
        for (sink, fp) in [("a", "x"), ("a/b", "y"), ("a%2Fb", "z")] {
            store
                .put_notify_state(
                    sink,
                    &Changes {
                        put: vec![(fp.into(), rec(t))],
                        remove: vec![],
                    },
                )
                .unwrap();
        }
        let keys = |sink| {
            store
                .notify_state(sink)
                .unwrap()
                .into_keys()
                .collect::<Vec<_>>()
        };
        assert_eq!(keys("a"), ["x"]);
        assert_eq!(keys("a/b"), ["y"]);
        assert_eq!(keys("a%2Fb"), ["z"]);
        store
            .put_notify_state(
                "a",
                &Changes {
                    put: vec![],
                    remove: vec!["x".into()],
                },
            )
            .unwrap();
        assert!(keys("a").is_empty());
        let (n, bytes) = store.notify_state_size().unwrap();
        assert_eq!(n, 2);
        assert!(bytes < 2 * 300, "{bytes}");
        store.close().unwrap();
    }
}
