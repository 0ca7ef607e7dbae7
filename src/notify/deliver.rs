//! Delivery (I/O): POSTs rendered messages to a sink with pacing, 429 handling, bounded retries
//! within the run's deadline, no redirects, and errors that never carry a URL, token or secret.
//!
//! Per message: 2xx is accepted; 429 waits what the service asked (`Retry-After` header, Discord's
//! body `retry_after` in seconds, Telegram's `parameters.retry_after`) when that fits the deadline,
//! else fails; 5xx, timeouts and transport errors retry with exponential backoff; 404/410 fail at
//! once with an error that disables the sink; 3xx fails (redirects are not followed); any other
//! status fails at once. The first failing message stops the sink's delivery for the run;
//! [`Sender::send_parts`] says how many messages were accepted before it, so the caller records
//! only those parts as told and the next run sends the rest, never an accepted part again.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use tokio::time::Instant;

use super::message::{Rendered, telegram_with_chat};
use super::sign::{message_id, standard_webhook_headers};
use super::{NotifyError, NotifyOptions, Sink, SinkKind};
use crate::parse::WireDec;

/// Minimum interval between two messages to one destination: Slack allows 1 message/s per
/// webhook, Discord ~5 per 2 s per webhook, Telegram 1 message/s per chat.
pub const PACE: Duration = Duration::from_secs(1);
/// Connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest single request (capped by what is left of the deadline).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// First retry delay for 5xx, timeouts and transport errors; doubles per retry.
pub const BACKOFF_MIN: Duration = Duration::from_millis(500);
/// Longest retry delay without a `Retry-After`.
pub const BACKOFF_MAX: Duration = Duration::from_secs(8);

/// Posts digests to sinks. One per run; share it between sinks so pacing is per destination.
#[derive(Debug)]
pub struct Sender {
    client: reqwest::Client,
    opts: NotifyOptions,
    pace: Duration,
    /// Next free slot per destination; keys are hashes, never URLs or tokens.
    slots: std::sync::Mutex<HashMap<String, Instant>>,
}

/// Where and how one sink's messages go. Holds secrets: never log or format it.
struct Target {
    url: String,
    chat: Option<String>,
    pace_key: String,
    redact: Vec<String>,
}

enum Outcome {
    Accepted,
    Retry(NotifyError, Option<Duration>),
    Fail(NotifyError),
}

/// The parts of a 429 or error body basis reads (Discord, Telegram; Slack sends plain text).
#[derive(Deserialize, Default)]
struct ErrorBody<'a> {
    /// Discord: seconds, float.
    #[serde(default)]
    retry_after: WireDec,
    /// Telegram: `{"retry_after": 5}`.
    #[serde(default)]
    parameters: Option<TelegramParameters>,
    /// Telegram's error text.
    #[serde(default, borrow)]
    description: Option<Cow<'a, str>>,
    /// Discord's error text.
    #[serde(default, borrow)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct TelegramParameters {
    #[serde(default)]
    retry_after: WireDec,
}

fn seconds(d: Decimal) -> Option<Duration> {
    if d.is_sign_negative() {
        return None;
    }
    (d * Decimal::ONE_THOUSAND)
        .ceil()
        .to_u64()
        .map(Duration::from_millis)
}

fn hash_hex(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize()
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Replaces every secret fragment in `text` with `***`.
fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        if !s.is_empty() {
            out = out.replace(s.as_str(), "***");
        }
    }
    out
}

/// The secret fragments of a URL: itself, what follows the host, and long path segments (webhook
/// tokens), longest first so that replacements do not leave pieces behind.
fn url_secrets(url: &str) -> Vec<String> {
    let mut out = vec![url.to_owned()];
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    if let Some(i) = after_scheme.find('/') {
        let tail = &after_scheme[i..];
        if tail.len() > 1 {
            out.push(tail.to_owned());
        }
        out.extend(
            tail.split(['/', '?', '&', '=', '#'])
                .filter(|seg| seg.len() >= 12)
                .map(str::to_owned),
        );
    }
    out
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

impl Sender {
    /// A sender with its own HTTP client (no redirects, timeouts, `basis/<version>` agent).
    ///
    /// # Errors
    /// When the TLS backend cannot be initialised.
    pub fn new(opts: &NotifyOptions) -> Result<Self, NotifyError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("basis/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NotifyError::Client {
                reason: root_cause(&e.without_url()),
            })?;
        Ok(Sender {
            client,
            opts: opts.clone(),
            pace: PACE,
            slots: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// The same sender with another minimum interval between messages to one destination.
    #[must_use]
    pub fn with_pace(mut self, pace: Duration) -> Self {
        self.pace = pace;
        self
    }

    fn target(&self, sink: &Sink) -> Result<Target, NotifyError> {
        let missing = |field| NotifyError::MissingField {
            sink: sink.name.clone(),
            kind: sink.kind,
            field,
        };
        match sink.kind {
            SinkKind::Slack | SinkKind::Discord | SinkKind::Generic => {
                let url = sink.url.as_ref().ok_or_else(|| missing("url"))?.expose();
                let mut redact = url_secrets(url);
                if let Some(secret) = &sink.secret {
                    redact.push(secret.expose().to_owned());
                    if let Some(key) = secret.expose().strip_prefix(super::sign::SECRET_PREFIX) {
                        redact.push(key.to_owned());
                    }
                }
                if sink.kind == SinkKind::Generic && sink.secret.is_none() {
                    return Err(missing("secret"));
                }
                Ok(Target {
                    url: url.to_owned(),
                    chat: None,
                    pace_key: hash_hex(&[sink.kind.id(), url]),
                    redact,
                })
            }
            SinkKind::Telegram => {
                let token = sink
                    .token
                    .as_ref()
                    .ok_or_else(|| missing("token"))?
                    .expose();
                let chat = sink.chat.as_ref().ok_or_else(|| missing("chat"))?;
                let url = format!(
                    "{}/bot{token}/sendMessage",
                    self.opts.telegram_url.trim_end_matches('/')
                );
                let mut redact = vec![url.clone(), token.to_owned()];
                if let Some((_, key)) = token.split_once(':') {
                    redact.push(key.to_owned());
                }
                Ok(Target {
                    url,
                    chat: Some(chat.clone()),
                    // Telegram limits per chat, whichever bot posts.
                    pace_key: hash_hex(&["telegram", chat]),
                    redact,
                })
            }
        }
    }

    /// Delivers `messages` (one digest, already rendered for `sink.kind`) in order. `now` is the
    /// run's time (generic webhooks' `webhook-timestamp` and message ids derive from it).
    ///
    /// # Errors
    /// The first message that could not be delivered: see the module documentation. Errors name
    /// the sink by name and kind only.
    pub async fn send(
        &self,
        sink: &Sink,
        messages: &[Rendered],
        now: DateTime<Utc>,
    ) -> Result<(), NotifyError> {
        self.send_parts(sink, messages, now).await.1
    }

    /// As [`Sender::send`], and how many messages (a prefix of `messages`) the sink accepted:
    /// all of them with `Ok`, those before the failing one with `Err`.
    pub async fn send_parts(
        &self,
        sink: &Sink,
        messages: &[Rendered],
        now: DateTime<Utc>,
    ) -> (usize, Result<(), NotifyError>) {
        let target = match self.target(sink) {
            Ok(t) => t,
            Err(e) => return (0, Err(e)),
        };
        let start = Instant::now();
        let deadline = start + self.opts.deadline;
        for (i, msg) in messages.iter().enumerate() {
            if let Err(e) = self
                .send_one(sink, &target, msg, now, start, deadline)
                .await
            {
                return (i, Err(e));
            }
            tracing::debug!(sink = %sink.name, kind = %sink.kind, part = i + 1, of = messages.len(), "notify: accepted");
        }
        (messages.len(), Ok(()))
    }

    /// Waits for the destination's next free slot; fails when it lies beyond the deadline.
    async fn pace(&self, sink: &Sink, key: &str, deadline: Instant) -> Result<(), NotifyError> {
        let slot = {
            let mut slots = self
                .slots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let slot = slots.get(key).copied().filter(|t| *t > now).unwrap_or(now);
            slots.insert(key.to_owned(), slot + self.pace);
            slot
        };
        if slot > deadline {
            return Err(self.deadline_error(sink));
        }
        tokio::time::sleep_until(slot).await;
        Ok(())
    }

    fn deadline_error(&self, sink: &Sink) -> NotifyError {
        NotifyError::Deadline {
            sink: sink.name.clone(),
            kind: sink.kind,
            deadline: self.opts.deadline,
        }
    }

    async fn send_one(
        &self,
        sink: &Sink,
        target: &Target,
        msg: &Rendered,
        now: DateTime<Utc>,
        start: Instant,
        deadline: Instant,
    ) -> Result<(), NotifyError> {
        let encode = |reason: String| NotifyError::Encode {
            sink: sink.name.clone(),
            kind: sink.kind,
            reason,
        };
        let body = match &target.chat {
            Some(chat) => telegram_with_chat(&msg.body, chat).map_err(|e| encode(e.to_string()))?,
            None => msg.body.clone(),
        };
        // Stable across retries (Standard Webhooks idempotency); timestamps are per attempt.
        let msg_id = message_id(now.timestamp(), &body);
        let mut retries = 0;
        loop {
            self.pace(sink, &target.pace_key, deadline).await?;
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.deadline_error(sink));
            }
            let elapsed = chrono::Duration::from_std(start.elapsed()).unwrap_or_default();
            let at = now + elapsed;
            let mut req = self
                .client
                .post(&target.url)
                .timeout(REQUEST_TIMEOUT.min(left))
                .header(reqwest::header::CONTENT_TYPE, "application/json");
            if let Some(secret) = &sink.secret
                && sink.kind == SinkKind::Generic
            {
                let headers = standard_webhook_headers(secret, &msg_id, at.timestamp(), &body)
                    .map_err(|e| e.for_sink(&sink.name))?;
                for (name, value) in headers {
                    req = req.header(name, value);
                }
            }
            tracing::debug!(sink = %sink.name, kind = %sink.kind, retries, "notify: posting");
            let outcome = self.attempt(sink, target, req.body(body.clone()), at).await;
            let (err, hint) = match outcome {
                Outcome::Accepted => return Ok(()),
                Outcome::Fail(e) => return Err(e),
                Outcome::Retry(e, hint) => (e, hint),
            };
            if retries >= self.opts.max_retries {
                return Err(err);
            }
            let backoff = BACKOFF_MIN
                .saturating_mul(2_u32.saturating_pow(retries))
                .min(BACKOFF_MAX);
            let delay = hint.unwrap_or(backoff);
            if Instant::now() + delay > deadline {
                return Err(err);
            }
            tracing::warn!(sink = %sink.name, kind = %sink.kind, ?delay, error = %err, "notify: retrying");
            tokio::time::sleep(delay).await;
            retries += 1;
        }
    }

    async fn attempt(
        &self,
        sink: &Sink,
        target: &Target,
        req: reqwest::RequestBuilder,
        at: DateTime<Utc>,
    ) -> Outcome {
        let (name, kind) = (sink.name.clone(), sink.kind);
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                NotifyError::Timeout {
                    sink: name.clone(),
                    kind,
                    timeout: REQUEST_TIMEOUT,
                }
            } else {
                NotifyError::Transport {
                    sink: name.clone(),
                    kind,
                    reason: redact(&root_cause(&e.without_url()), &target.redact),
                }
            }
        };
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Outcome::Retry(transport(e), None),
        };
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Outcome::Accepted;
        }
        let header_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                crate::venue::http::parse_retry_after(v, at)
                    .or_else(|| crate::parse::decimal(v).and_then(seconds))
            });
        let bytes = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => return Outcome::Retry(transport(e), None),
        };
        let parsed: ErrorBody<'_> = serde_json::from_slice(&bytes).unwrap_or_default();
        let body_after = parsed
            .parameters
            .as_ref()
            .and_then(|p| p.retry_after.get())
            .or(parsed.retry_after.get())
            .and_then(seconds);
        let detail = {
            let text = parsed
                .description
                .as_deref()
                .or(parsed.message.as_deref())
                .map_or_else(
                    || String::from_utf8_lossy(&bytes).into_owned(),
                    str::to_owned,
                );
            let short: String = redact(text.trim(), &target.redact)
                .chars()
                .take(160)
                .collect();
            if short.is_empty() {
                short
            } else {
                format!(": {short}")
            }
        };
        match status {
            429 => {
                let after = body_after.or(header_after);
                Outcome::Retry(
                    NotifyError::RateLimited {
                        sink: name,
                        kind,
                        retry_after: after,
                    },
                    after,
                )
            }
            404 | 410 => Outcome::Fail(NotifyError::Gone {
                sink: name,
                kind,
                status,
            }),
            300..=399 => Outcome::Fail(NotifyError::Redirect {
                sink: name,
                kind,
                status,
            }),
            s if s >= 500 => Outcome::Retry(
                NotifyError::Http {
                    sink: name,
                    kind,
                    status,
                    detail,
                },
                header_after,
            ),
            _ => Outcome::Fail(NotifyError::Http {
                sink: name,
                kind,
                status,
                detail,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::message::render;
    use crate::notify::sample::{digest, now, sink};
    use crate::notify::{Secret, SinkKind};
    use axum::Router;
    use axum::extract::State;
    use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
    use axum::response::{IntoResponse, Response};
    use std::collections::VecDeque;
    use std::sync::{Arc, Mutex};
    use std::time::Instant as StdInstant;

    const CANARY: &str = "CANARYs3cr3tT0k3nXYZ";

    #[derive(Debug)]
    struct Seen {
        path: String,
        headers: HeaderMap,
        body: String,
        at: StdInstant,
    }

    /// Status, headers, body of one scripted reply.
    type Headers = Vec<(&'static str, &'static str)>;
    type Reply = (u16, Headers, String);

    #[derive(Default)]
    struct Script {
        replies: Mutex<VecDeque<Reply>>,
        seen: Mutex<Vec<Seen>>,
    }

    async fn handler(
        State(s): State<Arc<Script>>,
        uri: Uri,
        headers: HeaderMap,
        body: String,
    ) -> Response {
        s.seen.lock().unwrap().push(Seen {
            path: uri.path().to_owned(),
            headers,
            body,
            at: StdInstant::now(),
        });
        let (status, hdrs, text) =
            s.replies
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or((200, vec![], "ok".into()));
        let mut resp = (StatusCode::from_u16(status).unwrap(), text).into_response();
        for (k, v) in hdrs {
            resp.headers_mut()
                .insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        resp
    }

    /// A loopback receiver answering with `replies` in order (then 200).
    async fn receiver(replies: Vec<(u16, Headers, &str)>) -> (String, Arc<Script>) {
        let script = Arc::new(Script::default());
        script
            .replies
            .lock()
            .unwrap()
            .extend(replies.into_iter().map(|(s, h, b)| (s, h, b.to_owned())));
        let app = Router::new()
            .fallback(handler)
            .with_state(Arc::clone(&script));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{addr}"), script)
    }

    /// The Discord sink whose webhook token is the canary.
    fn discord(base: &str) -> Sink {
        sink(
            SinkKind::Discord,
            Some(format!("{base}/api/webhooks/{CANARY}")),
        )
    }

    /// What sending one Discord message to a receiver that answers `reply` fails with, and the
    /// receiver's record.
    async fn discord_error(reply: (u16, Headers, &'static str)) -> (NotifyError, Arc<Script>) {
        let (base, script) = receiver(vec![reply]).await;
        let err = sender(&base)
            .send(&discord(&base), &one(SinkKind::Discord), now())
            .await
            .unwrap_err();
        (err, script)
    }

    fn opts(base: &str) -> NotifyOptions {
        NotifyOptions {
            telegram_url: base.to_owned(),
            deadline: Duration::from_secs(20),
            max_retries: 3,
            ..NotifyOptions::default()
        }
    }

    fn sender(base: &str) -> Sender {
        Sender::new(&opts(base)).unwrap().with_pace(Duration::ZERO)
    }

    fn no_canary(err: &NotifyError) {
        let text = format!("{err} | {err:?}");
        assert!(!text.contains(CANARY), "secret leaked: {text}");
        assert!(text.contains("desk"), "names the sink: {text}");
    }

    fn one(kind: SinkKind) -> Vec<Rendered> {
        render(kind, &digest())
    }

    /// Sends the test digest to `s` through a sender for `base`, rendered for its kind.
    async fn deliver_digest(base: &str, s: &Sink) -> Result<(), NotifyError> {
        sender(base).send(s, &one(s.kind), now()).await
    }

    #[tokio::test]
    async fn slack_429_retry_after_header_then_ok() {
        let (base, script) =
            receiver(vec![(429, vec![("retry-after", "1")], "rate_limited")]).await;
        let s = sink(
            SinkKind::Slack,
            Some(format!("{base}/services/T0/B0/{CANARY}")),
        );
        let msgs = one(SinkKind::Slack);
        sender(&base).send(&s, &msgs, now()).await.unwrap();
        let seen = script.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert!(seen[1].at - seen[0].at >= Duration::from_millis(950));
        assert_eq!(seen[0].body, msgs[0].body);
        assert_eq!(seen[1].body, msgs[0].body);
        assert_eq!(seen[0].path, format!("/services/T0/B0/{CANARY}"));
        assert_eq!(seen[0].headers["content-type"], "application/json");
    }

    #[tokio::test]
    async fn discord_429_body_retry_after_in_float_seconds() {
        let (base, script) = receiver(vec![(
            429,
            vec![],
            r#"{"message": "You are being rate limited.", "retry_after": 0.4, "global": false}"#,
        ), (204, vec![], "")])
        .await;
        let s = sink(
            SinkKind::Discord,
            Some(format!("{base}/api/webhooks/1/{CANARY}")),
        );
        deliver_digest(&base, &s).await.unwrap();
        let seen = script.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        let gap = seen[1].at - seen[0].at;
        assert!(gap >= Duration::from_millis(390), "{gap:?}");
        assert!(
            gap < BACKOFF_MIN + Duration::from_millis(400),
            "used the body, {gap:?}"
        );
    }

    #[tokio::test]
    async fn telegram_429_parameters_retry_after_then_ok() {
        let (base, script) = receiver(vec![(
            429,
            vec![],
            r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}"#,
        )])
        .await;
        let mut s = sink(SinkKind::Telegram, None);
        s.token = Some(Secret::new(format!("123456:{CANARY}")));
        s.chat = Some("-100123".into());
        deliver_digest(&base, &s).await.unwrap();
        let seen = script.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert!(seen[1].at - seen[0].at >= Duration::from_millis(950));
        assert_eq!(seen[0].path, format!("/bot123456:{CANARY}/sendMessage"));
        let v: serde_json::Value = serde_json::from_str(&seen[1].body).unwrap();
        assert_eq!(v["chat_id"], "-100123");
        assert_eq!(v["parse_mode"], "HTML");
    }

    #[tokio::test]
    async fn rate_limit_beyond_the_deadline_fails_at_once() {
        let (base, script) =
            receiver(vec![(429, vec![("retry-after", "3600")], "slow down")]).await;
        let s = sink(SinkKind::Slack, Some(format!("{base}/services/{CANARY}")));
        let started = StdInstant::now();
        let err = deliver_digest(&base, &s).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(matches!(
            err,
            NotifyError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(3600)
        ));
        assert!(err.is_retryable() && !err.disables_sink());
        assert_eq!(script.seen.lock().unwrap().len(), 1);
        no_canary(&err);
    }

    #[tokio::test]
    async fn not_found_disables_after_one_request_without_leaking_the_url() {
        let (base, script) = receiver(vec![(404, vec![], "no_service")]).await;
        let s = sink(
            SinkKind::Slack,
            Some(format!("{base}/services/T0/B0/{CANARY}")),
        );
        let snd = sender(&base);
        let err = snd
            .send(&s, &one(SinkKind::Slack), now())
            .await
            .unwrap_err();
        assert!(err.disables_sink());
        assert_eq!(
            err.to_string(),
            "sink `desk` (slack) answered 404: the webhook was deleted or the URL is wrong; fix or remove it in the config"
        );
        assert_eq!(script.seen.lock().unwrap().len(), 1);
        no_canary(&err);
        let debug = format!("{snd:?} {s:?}");
        assert!(!debug.contains(CANARY), "{debug}");
    }

    #[tokio::test]
    async fn gone_410_disables_too() {
        let (err, script) = discord_error((410, vec![], "")).await;
        assert!(err.disables_sink());
        assert_eq!(script.seen.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn redirects_are_not_followed() {
        let (err, script) = discord_error((302, vec![("location", "/elsewhere")], "")).await;
        assert!(
            matches!(err, NotifyError::Redirect { status: 302, .. }),
            "{err}"
        );
        let seen = script.seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert!(seen.iter().all(|s| s.path != "/elsewhere"));
        no_canary(&err);
    }

    #[tokio::test]
    async fn server_errors_retry_a_bounded_number_of_times_and_redact_echoes() {
        let echo: &'static str =
            Box::leak(format!("upstream failed for /api/webhooks/{CANARY}").into_boxed_str());
        let (base, script) = receiver(vec![
            (500, vec![], echo),
            (502, vec![], echo),
            (503, vec![], echo),
        ])
        .await;
        let s = discord(&base);
        let mut o = opts(&base);
        o.max_retries = 2;
        let err = Sender::new(&o)
            .unwrap()
            .with_pace(Duration::ZERO)
            .send(&s, &one(SinkKind::Discord), now())
            .await
            .unwrap_err();
        assert_eq!(script.seen.lock().unwrap().len(), 3);
        assert!(
            matches!(err, NotifyError::Http { status: 503, .. }),
            "{err}"
        );
        assert!(err.is_retryable());
        assert!(err.to_string().contains("upstream failed"), "{err}");
        no_canary(&err);
    }

    #[tokio::test]
    async fn client_errors_are_not_retried_and_show_the_service_reason() {
        let (base, script) = receiver(vec![(
            400,
            vec![],
            r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
        )])
        .await;
        let mut s = sink(SinkKind::Telegram, None);
        s.token = Some(Secret::new(format!("1:{CANARY}")));
        s.chat = Some("42".into());
        let err = deliver_digest(&base, &s).await.unwrap_err();
        assert_eq!(script.seen.lock().unwrap().len(), 1);
        assert!(!err.is_retryable() && !err.disables_sink());
        assert!(err.to_string().contains("chat not found"), "{err}");
        no_canary(&err);
    }

    #[tokio::test]
    async fn transport_errors_never_show_the_url() {
        // Port 9 (discard) on loopback: nothing listens there in the test environment.
        let s = sink(
            SinkKind::Slack,
            Some(format!("http://127.0.0.1:9/services/{CANARY}")),
        );
        let mut o = opts("http://127.0.0.1:9");
        o.max_retries = 0;
        let err = Sender::new(&o)
            .unwrap()
            .send(&s, &one(SinkKind::Slack), now())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                NotifyError::Transport { .. } | NotifyError::Timeout { .. }
            ),
            "{err}"
        );
        assert!(err.is_retryable());
        no_canary(&err);
    }

    #[tokio::test]
    async fn generic_webhooks_are_signed_per_standard_webhooks() {
        use base64::Engine as _;
        use hmac::{Hmac, KeyInit, Mac};
        let (base, script) = receiver(vec![]).await;
        let key = b"an independent test key, 32 b!!";
        let secret = format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(key)
        );
        let mut s = sink(SinkKind::Generic, Some(format!("{base}/hook")));
        s.secret = Some(Secret::new(secret));
        let msgs = one(SinkKind::Generic);
        sender(&base).send(&s, &msgs, now()).await.unwrap();
        let seen = script.seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let h = &seen[0].headers;
        let id = h["webhook-id"].to_str().unwrap();
        let ts = h["webhook-timestamp"].to_str().unwrap();
        let sig = h["webhook-signature"].to_str().unwrap();
        assert!(id.starts_with("msg_"));
        let ts_num: i64 = ts.parse().unwrap();
        assert!((ts_num - now().timestamp()).abs() <= 2);
        assert_eq!(seen[0].body, msgs[0].body);
        // Verify as a receiver would, with the hmac crate directly.
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(format!("{id}.{ts}.{}", seen[0].body).as_bytes());
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(sig, format!("v1,{expected}"));
    }

    #[tokio::test]
    async fn generic_without_secret_is_refused_before_any_request() {
        let (base, script) = receiver(vec![]).await;
        let s = sink(SinkKind::Generic, Some(format!("{base}/hook")));
        let err = deliver_digest(&base, &s).await.unwrap_err();
        assert!(matches!(
            err,
            NotifyError::MissingField {
                field: "secret",
                ..
            }
        ));
        assert!(script.seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn send_parts_counts_the_parts_accepted_before_a_failure() {
        let (base, script) = receiver(vec![(200, vec![], "ok"), (400, vec![], "bad")]).await;
        let s = sink(SinkKind::Slack, Some(format!("{base}/services/x")));
        let msgs = vec![one(SinkKind::Slack)[0].clone(); 3];
        let (accepted, result) = sender(&base).send_parts(&s, &msgs, now()).await;
        assert_eq!(accepted, 1);
        assert!(matches!(result, Err(NotifyError::Http { status: 400, .. })));
        assert_eq!(script.seen.lock().unwrap().len(), 2, "part 3 is not tried");
        let (accepted, result) = sender(&base).send_parts(&s, &msgs, now()).await;
        assert_eq!(accepted, 3);
        assert!(result.is_ok());
    }

    #[tokio::test]
    async fn messages_to_one_destination_are_paced() {
        let (base, script) = receiver(vec![]).await;
        let s = sink(SinkKind::Slack, Some(format!("{base}/services/x")));
        let msgs = vec![one(SinkKind::Slack)[0].clone(); 3];
        // The third message's slot is two paces after the first: the send cannot end sooner,
        // however loaded the machine (arrival gaps at the receiver jitter, so they are not used).
        let started = Instant::now();
        Sender::new(&opts(&base))
            .unwrap()
            .with_pace(Duration::from_millis(300))
            .send(&s, &msgs, now())
            .await
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(600));
        assert_eq!(script.seen.lock().unwrap().len(), 3);
    }

    #[test]
    fn url_fragments_are_redacted() {
        let secrets =
            url_secrets("https://hooks.slack.com/services/T0/B0/abcdefghijklmnopqrstuvwx");
        let text = "bad: https://hooks.slack.com/services/T0/B0/abcdefghijklmnopqrstuvwx \
                    and /services/T0/B0/abcdefghijklmnopqrstuvwx and abcdefghijklmnopqrstuvwx";
        let out = redact(text, &secrets);
        assert!(!out.contains("abcdefghijklmnopqrstuvwx"), "{out}");
        assert!(out.contains("bad: ***"));
        assert_eq!(
            seconds(Decimal::new(4, 1)),
            Some(Duration::from_millis(400))
        );
        assert_eq!(seconds(Decimal::new(-1, 0)), None);
    }
}
