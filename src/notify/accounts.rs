//! Account alerts to the sinks: DESIGN's four conditions, deduplicated across runs in each sink's notify state, one "resolved" message when a condition clears.
//!
//! Per sink, each condition in force is one record in the sink's dedup state under the
//! fingerprint `account|<account>|<kind>|<subject>` (the opportunity flow ignores these keys:
//! [`is_account_key`]). A condition is sent when it has no record, when its level changed (the
//! margin band it is in), or when the cooldown has passed since it was last sent (a reminder,
//! as opportunities get). A record whose condition is no longer in force on an account that
//! was priced this run gets one "resolved" message and is removed. Each alert is its own
//! message, so one accepted is recorded even if a later one fails; the alerts go out before the
//! opportunity digest and are never capped by its `top`.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;

use super::dedup::{Changes, Record};
use super::deliver::Sender;
use super::flow::{FlowError, Outcome};
use super::message::{Rendered, escape_discord, escape_html};
use super::{NotifyOptions, Sink, SinkKind};
use crate::analyze::positions::AccountView;
use crate::model::account::AccountAlert;
use crate::report::safe::display;
use crate::store::Store;

/// Prefix of every account record's fingerprint.
pub const KEY_PREFIX: &str = "account|";

/// Whether a dedup fingerprint is an account alert's (not an opportunity's).
#[must_use]
pub fn is_account_key(fingerprint: &str) -> bool {
    fingerprint.starts_with(KEY_PREFIX)
}

/// The fingerprint of one condition of one account.
#[must_use]
pub fn fingerprint(account: &str, alert: &AccountAlert) -> String {
    format!(
        "{KEY_PREFIX}{account}|{}|{}",
        alert.kind.id(),
        alert.subject
    )
}

/// One message to send: an alert (new, changed or reminder) or a resolution.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A condition in force: fingerprint, level, label for its later resolution, the alert.
    Alert(String, u32, String, AccountAlert),
    /// A condition that cleared: fingerprint and its record.
    Resolved(String, Record),
}

/// The label a record keeps for its "resolved" line: account, kind and subject, no numbers.
fn label(account: &str, alert: &AccountAlert) -> String {
    let subject = if alert.subject.is_empty() {
        String::new()
    } else {
        format!(" {}", alert.subject)
    };
    format!("{account}: {}{subject}", alert.kind.id().replace('_', " "))
}

/// What to tell one sink (pure): see the module documentation. `state` is the sink's whole
/// dedup state.
#[must_use]
pub fn plan(
    state: &BTreeMap<String, Record>,
    views: &[AccountView],
    now: DateTime<Utc>,
    opts: &NotifyOptions,
) -> Vec<Event> {
    let cooldown = chrono::Duration::from_std(opts.cooldown).unwrap_or(chrono::Duration::MAX);
    let mut events = Vec::new();
    let mut active = HashSet::new();
    for v in views.iter().filter(|v| v.figures.is_some()) {
        let name = &v.account.name;
        for a in &v.alerts {
            let fp = fingerprint(name, a);
            active.insert(fp.clone());
            let due = match state.get(&fp) {
                None => true,
                Some(r) => {
                    r.last_value_pct != Decimal::from(a.level)
                        || now.signed_duration_since(r.last_sent) >= cooldown
                }
            };
            if due {
                events.push(Event::Alert(fp, a.level, label(name, a), a.clone()));
            }
        }
    }
    for v in views.iter().filter(|v| v.figures.is_some()) {
        let prefix = format!("{KEY_PREFIX}{}|", v.account.name);
        for (fp, r) in state.range(prefix.clone()..) {
            if !fp.starts_with(&prefix) {
                break;
            }
            if !active.contains(fp) {
                events.push(Event::Resolved(fp.clone(), r.clone()));
            }
        }
    }
    events
}

/// The state changes once the first `accepted` events were delivered.
#[must_use]
pub fn record(
    state: &BTreeMap<String, Record>,
    events: &[Event],
    accepted: usize,
    now: DateTime<Utc>,
) -> Changes {
    let mut out = Changes::default();
    for e in events.iter().take(accepted) {
        match e {
            Event::Alert(fp, level, label, _) => {
                let first_seen = state.get(fp).map_or(now, |r| r.first_seen);
                out.put.push((
                    fp.clone(),
                    Record {
                        first_seen,
                        last_sent: now,
                        last_value_pct: Decimal::from(*level),
                        label: label.clone(),
                    },
                ));
            }
            Event::Resolved(fp, _) => out.remove.push(fp.clone()),
        }
    }
    out
}

/// One event as the sink's service takes it.
#[must_use]
pub fn render(kind: SinkKind, event: &Event, now: DateTime<Utc>, demo: bool) -> Rendered {
    let tag = if demo {
        " [demo data, not live prices]"
    } else {
        ""
    };
    let (title, text, resolved) = match event {
        Event::Alert(_, _, _, a) => ("basis account alert", a.message.clone(), false),
        Event::Resolved(_, r) => (
            "basis account alert resolved",
            format!("{}: no longer in force", r.label),
            true,
        ),
    };
    let body = match kind {
        SinkKind::Slack => {
            let esc = text
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            json!({
                "text": format!("{title}{tag}: {esc}"),
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": format!("*{title}*{tag}\n{esc}")}}],
            })
        }
        SinkKind::Discord => json!({
            "content": format!("**{title}**{tag}\n{}", escape_discord(&text)),
            "allowed_mentions": {"parse": []},
        }),
        SinkKind::Telegram => json!({
            "text": format!("<b>{title}</b>{tag}\n{}", escape_html(&text)),
            "parse_mode": "HTML",
            "disable_web_page_preview": true,
        }),
        SinkKind::Generic => {
            let (account_kind, message) = match event {
                Event::Alert(fp, level, _, a) => (
                    json!({"fingerprint": fp, "kind": a.kind.id(), "subject": a.subject, "level": level}),
                    a.message.clone(),
                ),
                Event::Resolved(fp, r) => {
                    (json!({"fingerprint": fp, "label": r.label}), text.clone())
                }
            };
            json!({
                "type": if resolved { "basis.account_resolved" } else { "basis.account_alert" },
                "timestamp": now,
                "data": {"alert": account_kind, "message": message, "demo": demo},
            })
        }
    };
    Rendered {
        body: body.to_string(),
        items: Vec::new(),
    }
}

/// Sends each sink what is due about `views` and records what it accepted. Returns whether a
/// sink failed (or is disabled) and the plain-text lines of what the sinks accepted (once each,
/// for quiet cron runs, like the digest's). `disabled` holds the sinks that answered 404/410 in
/// this process: they are not called.
///
/// # Errors
/// Store failures and an HTTP client that cannot be built.
pub async fn run(
    store: &Store,
    sinks: &[Sink],
    opts: &NotifyOptions,
    views: &[AccountView],
    demo: bool,
    disabled: &mut HashSet<String>,
) -> Result<Outcome, FlowError> {
    if sinks.is_empty() || views.is_empty() {
        if sinks.is_empty() {
            tracing::warn!("--notify: no [[notify]] sinks in the config; no account alert sent");
        }
        return Ok(Outcome::default());
    }
    let sender = Sender::new(opts).map_err(FlowError::Client)?;
    let now = Utc::now();
    let mut failed = false;
    let mut lines: Vec<String> = Vec::new();
    for sink in sinks {
        if disabled.contains(&sink.name) {
            failed = true;
            continue;
        }
        let (s, name) = (store.clone(), sink.name.clone());
        let state: BTreeMap<String, Record> =
            tokio::task::spawn_blocking(move || s.notify_state(&name))
                .await
                .map_err(|e| FlowError::Join(e.to_string()))??
                .into_iter()
                .filter(|(fp, _)| is_account_key(fp))
                .collect();
        let events = plan(&state, views, now, opts);
        if events.is_empty() {
            continue;
        }
        let messages: Vec<Rendered> = events
            .iter()
            .map(|e| render(sink.kind, e, now, demo))
            .collect();
        let (sent, result) = sender.send_parts(sink, &messages, now).await;
        for line in events.iter().take(sent).map(summary_line) {
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
        let changes = record(&state, &events, sent, now);
        if !changes.is_empty() {
            let (s, name) = (store.clone(), sink.name.clone());
            tokio::task::spawn_blocking(move || {
                s.put_notify_state(&name, &changes)?;
                s.flush()
            })
            .await
            .map_err(|e| FlowError::Join(e.to_string()))??;
        }
        match result {
            Ok(()) => tracing::info!(sink = %sink.name, alerts = sent, "account alerts sent"),
            Err(e) => {
                tracing::error!(sink = %sink.name, accepted = sent, of = messages.len(), "{e}");
                if e.disables_sink() {
                    disabled.insert(sink.name.clone());
                }
                failed = true;
            }
        }
    }
    Ok(Outcome {
        failed,
        summary: (!lines.is_empty()).then(|| lines.concat()),
    })
}

/// One plain-text line of an accepted event, for quiet cron runs.
fn summary_line(event: &Event) -> String {
    match event {
        Event::Alert(_, _, _, a) => format!("account alert  {}\n", display(&a.message, 400)),
        Event::Resolved(_, r) => format!(
            "account alert resolved  {}: no longer in force\n",
            display(&r.label, 200)
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::analyze::positions::AccountFigures;
    use crate::model::Venue;
    use crate::model::account::{Account, AlertKind, AlertThresholds};

    fn view(name: &str, alerts: Vec<AccountAlert>, priced: bool) -> AccountView {
        AccountView {
            account: Account {
                name: name.into(),
                venue: Venue::Bybit,
                collateral: vec![],
                positions: vec![],
                leverage: None,
                thresholds: AlertThresholds::default(),
            },
            positions: vec![],
            collateral: vec![],
            figures: priced.then(|| AccountFigures {
                collateral_usd: Decimal::ZERO,
                unrealised_pnl_usd: Decimal::ZERO,
                equity_usd: Decimal::ZERO,
                maintenance_usd: Decimal::ZERO,
                initial_usd: Decimal::ZERO,
                margin_ratio: None,
                free_margin_usd: Decimal::ZERO,
                positions: vec![],
                collateral: vec![],
            }),
            liq_prob: None,
            alerts,
            missing: vec![],
        }
    }

    fn alert(kind: AlertKind, subject: &str, level: u32) -> AccountAlert {
        AccountAlert {
            kind,
            subject: subject.into(),
            level,
            message: format!("{} {subject}", kind.id()),
        }
    }

    #[test]
    fn once_per_condition_then_on_band_change_then_resolved() {
        let opts = NotifyOptions::default();
        let t0 = crate::notify::sample::now();
        let mut state = BTreeMap::new();
        let drop = alert(AlertKind::CollateralDrop, "ETH", 1);
        let band1 = alert(AlertKind::MarginRatio, "", 1);
        // Run 1: both new.
        let views = [view("desk", vec![drop.clone(), band1.clone()], true)];
        let events = plan(&state, &views, t0, &opts);
        assert_eq!(events.len(), 2);
        let changes = record(&state, &events, 2, t0);
        super::super::dedup::apply(&mut state, &changes);
        // Run 2, unchanged: nothing.
        let t1 = t0 + chrono::Duration::minutes(5);
        assert!(plan(&state, &views, t1, &opts).is_empty());
        // The band moves up: only it is sent again.
        let band2 = alert(AlertKind::MarginRatio, "", 2);
        let views = [view("desk", vec![drop.clone(), band2], true)];
        let events = plan(&state, &views, t1, &opts);
        assert!(
            matches!(&events[..], [Event::Alert(fp, 2, _, _)] if fp.ends_with("margin_ratio|"))
        );
        let changes = record(&state, &events, 1, t1);
        super::super::dedup::apply(&mut state, &changes);
        // An unpriced account resolves nothing.
        assert!(plan(&state, &[view("desk", vec![], false)], t1, &opts).is_empty());
        // Everything clears: two resolutions, then nothing.
        let events = plan(&state, &[view("desk", vec![], true)], t1, &opts);
        assert_eq!(events.len(), 2);
        assert!(events.iter().all(|e| matches!(e, Event::Resolved(..))));
        // Only the first was accepted: the second comes again next run.
        let changes = record(&state, &events, 1, t1);
        super::super::dedup::apply(&mut state, &changes);
        assert_eq!(
            plan(&state, &[view("desk", vec![], true)], t1, &opts).len(),
            1
        );
        // Another account's records are not touched.
        assert!(plan(&state, &[view("other", vec![], true)], t1, &opts).is_empty());
        // After the cooldown a condition still in force is sent again.
        let views = [view("desk", vec![drop], true)];
        let mut fresh = BTreeMap::new();
        let events = plan(&fresh, &views, t0, &opts);
        let changes = record(&fresh, &events, 1, t0);
        super::super::dedup::apply(&mut fresh, &changes);
        assert!(plan(&fresh, &views, t0 + chrono::Duration::hours(5), &opts).is_empty());
        assert_eq!(
            plan(&fresh, &views, t0 + chrono::Duration::hours(6), &opts).len(),
            1
        );
    }

    #[test]
    fn bodies_are_valid_json_for_each_service_with_text_escaped() {
        let mut a = alert(AlertKind::LiqDistance, "BTCUSDT", 1);
        a.message = "desk <b>&</b> @everyone".into();
        let e = Event::Alert("fp".into(), 1, "l".into(), a);
        let now = crate::notify::sample::now();
        for kind in SinkKind::ALL {
            let r = render(kind, &e, now, true);
            let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            let text = v.to_string();
            assert!(text.contains("demo"), "{kind:?}: {text}");
            if kind != SinkKind::Generic {
                assert!(!text.contains("<b>&</b>"), "{kind:?}: {text}");
            }
        }
        assert!(is_account_key(&fingerprint(
            "desk",
            &alert(AlertKind::FundingAgainst, "X", 1)
        )));
        assert!(!is_account_key(
            "carry|BTC|USDT|okx:spot:BTC-USDT|okx:perp:BTC-USDT-SWAP"
        ));
    }
}
