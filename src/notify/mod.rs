//! Notification core: sinks (Slack, Discord, Telegram, signed generic webhooks), secrets, errors.
//!
//! The flow of one run ([`flow::run`]), per sink: keep the opportunities the sink
//! [`Sink::wants`], ask [`dedup::plan`] which of its best [`Sink::top`] are new (or cooled down, or
//! moved beyond the band) and which no longer qualify, [`message::render`] one capped digest into
//! the service's messages, [`deliver::Sender::send_parts`] them, then record with
//! [`dedup::record`] only the lines of the parts the sink accepted (a failed part comes back next
//! run, an accepted one never does).
//!
//! Each sink has its own dedup state (keyed by [`Sink::name`]): its own filters, cap and delivery
//! outcome.
//!
//! Secrets (webhook URLs, bot tokens, HMAC keys) live in [`Secret`], whose `Debug` and `Display`
//! print `***` and which cannot be serialised; errors and logs name a sink by its `name` and kind.
//!
//! - [`message`]: pure rendering of a [`message::Digest`] to each service's JSON, split to its limits.
//! - [`sign`]: pure Standard Webhooks signing for the generic sink.
//! - [`dedup`]: pure fingerprints, the cross-run notify/resolve plan and its retention.
//! - [`flow`]: one run's notifications: plan, send, record, per sink.
//! - [`deliver`]: the HTTP side: pacing, 429/`Retry-After`, bounded retries, no redirects.

pub mod accounts;
pub mod dedup;
pub mod deliver;
pub mod flow;
pub mod message;
pub mod sign;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;

use crate::model::{Kind, Opportunity, Venue};

/// A secret value (webhook URL, bot token, HMAC key). `Debug` and `Display` print `***`; it has no
/// `Serialize`, so it cannot reach JSON output or the store by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    #[must_use]
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret itself: only for building the request that needs it, never for messages.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The service a sink posts to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SinkKind {
    /// Slack incoming webhook (Block Kit).
    Slack,
    /// Discord webhook.
    Discord,
    /// Telegram Bot API `sendMessage` (HTML parse mode).
    Telegram,
    /// Any HTTPS endpoint, JSON signed per Standard Webhooks.
    Generic,
}

impl SinkKind {
    /// Every kind, in config-documentation order.
    pub const ALL: [SinkKind; 4] = [
        SinkKind::Slack,
        SinkKind::Discord,
        SinkKind::Telegram,
        SinkKind::Generic,
    ];

    /// `slack`, `discord`, `telegram` or `generic` (the config's `kind`).
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            SinkKind::Slack => "slack",
            SinkKind::Discord => "discord",
            SinkKind::Telegram => "telegram",
            SinkKind::Generic => "generic",
        }
    }
}

impl fmt::Display for SinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A `kind` that is not a known sink kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown notify kind `{0}` (known: slack, discord, telegram, generic)")]
pub struct UnknownSinkKind(pub String);

impl FromStr for SinkKind {
    type Err = UnknownSinkKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        crate::model::by_id(&SinkKind::ALL, SinkKind::id, s).map_err(UnknownSinkKind)
    }
}

/// One `[[notify]]` table, validated by the settings layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sink {
    /// What messages, logs and `notify test --sink` call it.
    pub name: String,
    /// Service.
    pub kind: SinkKind,
    /// Slack, Discord, generic: the full webhook URL.
    pub url: Option<Secret>,
    /// Telegram bot token.
    pub token: Option<Secret>,
    /// Telegram chat id (`-100123`, `@channel`).
    pub chat: Option<String>,
    /// Generic: Standard Webhooks secret `whsec_<base64>`.
    pub secret: Option<Secret>,
    /// Minimum `risk_adj_apr_pct`, percent.
    pub min_apr_pct: Option<Decimal>,
    /// Kinds to notify (empty = all).
    pub kinds: Vec<Kind>,
    /// Venues (empty = all): both legs must be on a listed venue.
    pub venues: Vec<Venue>,
    /// Assets (empty = all), case-insensitive.
    pub assets: Vec<String>,
    /// Most opportunities (and "no longer qualifies" lines) in one digest; `scan --top` lowers it.
    pub top: usize,
}

/// A sink's `top` when its table sets none.
pub const DEFAULT_TOP: usize = 10;

impl Sink {
    /// A fingerprint of where this sink delivers (service, URL, token, chat): SHA-256, hex, so
    /// that a sink disabled for answering 404/410 is enabled again as soon as its destination
    /// changes in the config, without the store ever holding the secret itself.
    #[must_use]
    pub fn destination_fingerprint(&self) -> String {
        use sha2::{Digest as _, Sha256};
        let mut h = Sha256::new();
        h.update(format!("{:?}", self.kind).as_bytes());
        for part in [
            self.url.as_ref().map(Secret::expose),
            self.token.as_ref().map(Secret::expose),
            self.chat.as_deref(),
        ] {
            h.update([0]);
            h.update(part.unwrap_or("").as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether this sink's filters keep `o`: risk-adjusted APR at least `min_apr_pct`, its kind
    /// listed, both legs' venues listed (a trader needs an account on each), its asset listed.
    #[must_use]
    pub fn wants(&self, o: &Opportunity) -> bool {
        self.min_apr_pct.is_none_or(|min| o.risk_adj_apr_pct >= min)
            && (self.kinds.is_empty() || self.kinds.contains(&o.kind))
            && (self.venues.is_empty()
                || (self.venues.contains(&o.long.venue) && self.venues.contains(&o.short.venue)))
            && (self.assets.is_empty()
                || self.assets.iter().any(|a| a.eq_ignore_ascii_case(&o.asset)))
    }

    /// The digest's cap: `top`, lowered by `scan --top` when given; at least 1.
    #[must_use]
    pub fn cap(&self, scan_top: Option<usize>) -> usize {
        scan_top.map_or(self.top, |t| t.min(self.top)).max(1)
    }

    /// The `basis scan` command that lists everything this sink's filters keep (the digest's
    /// "+N more qualify" line): the higher of its `min_apr` and the scan's, then its kinds,
    /// venues and assets.
    #[must_use]
    pub fn scan_command(&self, scan_min_apr: Option<Decimal>) -> String {
        let mut out = String::from("basis scan");
        let min = match (self.min_apr_pct, scan_min_apr) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let Some(m) = min {
            out.push_str(&format!(" --min-apr {}", m.normalize()));
        }
        let mut list = |flag: &str, items: Vec<&str>| {
            if !items.is_empty() {
                out.push_str(&format!(" --{flag} {}", items.join(",")));
            }
        };
        list("kinds", self.kinds.iter().map(|k| k.id()).collect());
        list("venues", self.venues.iter().map(|v| v.id()).collect());
        list("assets", self.assets.iter().map(String::as_str).collect());
        out
    }
}

/// How notifications are deduplicated and delivered.
#[derive(Clone, Debug, PartialEq)]
pub struct NotifyOptions {
    /// Re-notify a still-qualifying opportunity after this long (default 6 h).
    pub cooldown: Duration,
    /// Re-notify when the risk-adjusted APR moved by more than this fraction of the value last
    /// sent (default 0.25).
    pub band: f64,
    /// Telegram Bot API origin (`BASIS_TELEGRAM_URL`, default `https://api.telegram.org`).
    pub telegram_url: String,
    /// Longest time one sink's delivery may take in a run, waits and retries included.
    pub deadline: Duration,
    /// Retries after the first attempt of one message (429, 5xx, timeouts, transport errors).
    pub max_retries: u32,
}

impl Default for NotifyOptions {
    fn default() -> Self {
        NotifyOptions {
            cooldown: Duration::from_secs(6 * 3600),
            band: 0.25,
            telegram_url: "https://api.telegram.org".into(),
            deadline: Duration::from_secs(60),
            max_retries: 3,
        }
    }
}

/// A notification failure. Messages name the sink by its `name` and kind, never by its URL,
/// token or secret, and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A field the kind needs is absent (settings should have caught it).
    #[error(
        "sink `{sink}` ({kind}): `{field}` is missing; set it (or `{field}_file`) in its [[notify]] table"
    )]
    MissingField {
        /// Sink name.
        sink: String,
        /// Sink kind.
        kind: SinkKind,
        /// Config key.
        field: &'static str,
    },
    /// The Standard Webhooks secret cannot be decoded.
    #[error("{}the webhook secret is not a Standard Webhooks secret ({reason}); expected `whsec_` followed by the base64 key, as the receiver shows it", sink_prefix(.sink))]
    InvalidSecret {
        /// Sink name (empty when not known yet).
        sink: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The HTTP client could not be built.
    #[error("cannot initialise the HTTP client for notifications: {reason}")]
    Client {
        /// Cause.
        reason: String,
    },
    /// 404/410: the webhook or bot is gone; the sink is disabled for this run.
    #[error(
        "sink `{sink}` ({kind}) answered {status}: the webhook was deleted or the URL is wrong; fix or remove it in the config"
    )]
    Gone {
        /// Sink name.
        sink: String,
        /// Sink kind.
        kind: SinkKind,
        /// 404 or 410.
        status: u16,
    },
    /// 3xx: redirects are not followed (they could leak the payload elsewhere).
    #[error(
        "sink `{sink}` ({kind}) answered {status} (a redirect); redirects are not followed: put the final webhook URL in the config"
    )]
    Redirect {
        /// Sink name.
        sink: String,
        /// Sink kind.
        kind: SinkKind,
        /// 3xx status.
        status: u16,
    },
    /// 429 beyond the retries or the deadline.
    #[error("sink `{sink}` ({kind}) is rate limiting basis{}; the digest will be sent again next run", retry_hint(.retry_after))]
    RateLimited {
        /// Sink name.
        sink: String,
        /// Sink kind.
        kind: SinkKind,
        /// What the service asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// Any other non-2xx answer (after retries for 5xx).
    #[error("sink `{sink}` ({kind}) answered HTTP {status}{detail}{}", status_hint(*.kind, *.status))]
    Http {
        /// Sink name.
        sink: String,
        /// Sink kind.
        kind: SinkKind,
        /// Status code.
        status: u16,
        /// `: <start of the body>`, secrets removed, or empty.
        detail: String,
    },
    /// A request timed out (after retries).
    #[error(
        "sink `{sink}` ({kind}) did not answer within {timeout:?}; check the receiver, the message will be sent again next run"
    )]
    Timeout {
        /// Sink name.
        sink: String,
        /// Sink kind.
        kind: SinkKind,
        /// Per-request timeout.
        timeout: Duration,
    },
    /// Connection-level failure (after retries).
    #[error(
        "sink `{sink}` ({kind}) could not be reached: {reason}; check the network and the host in its URL"
    )]
    Transport {
        /// Sink name.
        sink: String,
        /// Sink kind.
        kind: SinkKind,
        /// Root cause, URL and secrets removed.
        reason: String,
    },
    /// The run's notify deadline passed before the digest was delivered.
    #[error(
        "sink `{sink}` ({kind}): delivery did not finish within the {deadline:?} deadline; it will be retried next run"
    )]
    Deadline {
        /// Sink name.
        sink: String,
        /// Sink kind.
        kind: SinkKind,
        /// The deadline.
        deadline: Duration,
    },
    /// A rendered message could not be turned into the request body.
    #[error("sink `{sink}` ({kind}): internal error while encoding the message: {reason}")]
    Encode {
        /// Sink name.
        sink: String,
        /// Sink kind.
        kind: SinkKind,
        /// Cause.
        reason: String,
    },
}

fn sink_prefix(sink: &str) -> String {
    if sink.is_empty() {
        String::new()
    } else {
        format!("sink `{sink}` (generic): ")
    }
}

fn retry_hint(after: &Option<Duration>) -> String {
    after.map_or_else(String::new, |d| {
        format!(" (it asked to wait {}s)", d.as_secs_f64().ceil())
    })
}

fn status_hint(kind: SinkKind, status: u16) -> &'static str {
    match (kind, status) {
        (_, 500..=599) => "; the service is failing, the digest will be sent again next run",
        (SinkKind::Telegram, 401) => {
            "; the bot token is wrong or revoked: fix `token` in the config"
        }
        (SinkKind::Telegram, 403) => {
            "; the bot cannot post to this chat (blocked or removed): add it back or fix `chat`"
        }
        (SinkKind::Telegram, 400) => "; check `chat` (the chat id) in the config",
        (_, 401 | 403) => {
            "; the receiver refused the request: check the URL (and secret) in the config"
        }
        _ => "; check the sink's settings in the config",
    }
}

impl NotifyError {
    /// Whether trying again later (next run) can succeed: rate limits, 5xx, timeouts, transport
    /// errors and the deadline.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            NotifyError::RateLimited { .. }
            | NotifyError::Timeout { .. }
            | NotifyError::Transport { .. }
            | NotifyError::Deadline { .. } => true,
            NotifyError::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// Whether the sink should be disabled: it answered 404 or 410 (the webhook is gone).
    #[must_use]
    pub fn disables_sink(&self) -> bool {
        matches!(self, NotifyError::Gone { .. })
    }

    /// The same error naming `sink` (fills the name into errors raised by pure helpers).
    #[must_use]
    pub fn for_sink(self, name: &str) -> Self {
        match self {
            NotifyError::InvalidSecret { sink, reason } if sink.is_empty() => {
                NotifyError::InvalidSecret {
                    sink: name.to_owned(),
                    reason,
                }
            }
            other => other,
        }
    }
}

#[cfg(test)]
pub(crate) mod sample {
    //! A fixed digest for the snapshot tests: two new opportunities (a carry and a perp_spread)
    //! and one resolved record.

    use chrono::{DateTime, Utc};
    use rust_decimal::Decimal;

    use super::dedup::Record;
    use super::message::Digest;
    use super::{Secret, Sink, SinkKind};
    use crate::model::{Kind, Leg, Market, Opportunity, Venue};

    pub fn d(s: &str) -> Decimal {
        crate::parse::decimal(s).expect("test decimal")
    }

    pub fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_072_000, 0).expect("time")
    }

    /// A sink named `desk` of `kind` posting to `url`, with no filter.
    pub fn sink(kind: SinkKind, url: Option<String>) -> Sink {
        Sink {
            name: "desk".into(),
            kind,
            url: url.map(Secret::new),
            token: None,
            chat: None,
            secret: None,
            min_apr_pct: None,
            kinds: vec![],
            venues: vec![],
            assets: vec![],
            top: super::DEFAULT_TOP,
        }
    }

    pub fn carry(asset: &str, risk: &str) -> Opportunity {
        let leg = |market| Leg {
            market,
            symbol: format!("{asset}USDT"),
            ..Opportunity::sample().long
        };
        Opportunity {
            asset: asset.into(),
            long: leg(Market::Spot),
            short: Leg {
                price: d("101.3"),
                ..leg(Market::Perp)
            },
            next_funding_time: Some(now() + chrono::Duration::minutes(192)),
            funding_apr_pct: d("32.85"),
            risk_adj_apr_pct: d(risk),
            ..Opportunity::sample()
        }
    }

    pub fn spread() -> Opportunity {
        let leg = |venue, symbol: &str, price| Leg {
            venue,
            market: Market::Perp,
            symbol: symbol.into(),
            price: d(price),
        };
        Opportunity {
            rank: 2,
            kind: Kind::PerpSpread,
            asset: "PEPE".into(),
            long: leg(Venue::Hyperliquid, "kPEPE", "0.00001012"),
            short: leg(Venue::Bybit, "1000PEPEUSDT", "0.00001011"),
            funding_rate: d("0.00042"),
            funding_interval_hours: d("4"),
            next_funding_time: Some(now() + chrono::Duration::minutes(45)),
            funding_apr_pct: d("91.98"),
            basis_pct: d("-0.0988"),
            cost_pct: d("0.44"),
            net_apr_pct: d("69.04"),
            liq_prob: 0.0123,
            risk_adj_apr_pct: d("61.2"),
            safe_leverage: d("1.85"),
            volume_24h_usd: Some(d("48200000")),
            ..Opportunity::sample()
        }
    }

    pub fn resolved() -> Record {
        Record {
            first_seen: now() - chrono::Duration::hours(30),
            last_sent: now() - chrono::Duration::hours(7),
            last_value_pct: d("18.4"),
            label: "cross_carry ETH/USDT long okx spot ETH-USDT → short gate perp ETH_USDT".into(),
        }
    }

    pub fn digest() -> Digest {
        Digest {
            new: vec![carry("SOL", "27.52"), spread()],
            more_qualify: 2_029,
            command: "basis scan --min-apr 10".into(),
            resolved: vec![resolved()],
            ..Digest::empty(now(), false, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sink() -> Sink {
        let url = "https://hooks.slack.com/services/T0/B0/CANARY";
        sample::sink(SinkKind::Slack, Some(url.into()))
    }

    #[test]
    fn caps_and_the_scan_command() {
        let mut s = sink();
        assert_eq!(s.cap(None), 10);
        assert_eq!(s.cap(Some(5)), 5);
        assert_eq!(s.cap(Some(50)), 10, "--top lowers, never raises");
        assert_eq!(s.cap(Some(0)), 1);
        assert_eq!(s.scan_command(None), "basis scan");
        assert_eq!(
            s.scan_command(Some(Decimal::TEN)),
            "basis scan --min-apr 10"
        );
        s.min_apr_pct = Some(Decimal::from(15));
        s.kinds = vec![Kind::Carry, Kind::CrossCarry];
        s.venues = vec![Venue::Binance, Venue::Okx];
        s.assets = vec!["BTC".into()];
        assert_eq!(
            s.scan_command(Some(Decimal::TEN)),
            "basis scan --min-apr 15 --kinds carry,cross_carry --venues binance,okx --assets BTC"
        );
    }

    #[test]
    fn destination_fingerprints_follow_the_destination_and_hide_it() {
        let a = sink();
        let same = sink();
        assert_eq!(a.destination_fingerprint(), same.destination_fingerprint());
        assert_eq!(a.destination_fingerprint().len(), 64);
        assert!(!a.destination_fingerprint().contains("CANARY"));
        let mut moved = sink();
        moved.url = Some(Secret::new(
            "https://hooks.slack.com/services/T0/B0/OTHER".into(),
        ));
        assert_ne!(a.destination_fingerprint(), moved.destination_fingerprint());
        let mut renamed = sink();
        renamed.name = "ops".into();
        renamed.min_apr_pct = Some(Decimal::TEN);
        assert_eq!(
            a.destination_fingerprint(),
            renamed.destination_fingerprint(),
            "filters and names are not the destination"
        );
        let mut discord = sink();
        discord.kind = SinkKind::Discord;
        assert_ne!(
            a.destination_fingerprint(),
            discord.destination_fingerprint()
        );
    }

    #[test]
    fn secrets_print_as_stars() {
        let s = sink();
        assert_eq!(format!("{}", Secret::new("abc".into())), "***");
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("CANARY"), "{dbg}");
        assert!(dbg.contains("***"));
        assert_eq!(
            s.url.as_ref().map(Secret::expose),
            Some("https://hooks.slack.com/services/T0/B0/CANARY")
        );
    }

    #[test]
    fn sink_kinds_parse() {
        for k in SinkKind::ALL {
            assert_eq!(k.id().parse::<SinkKind>(), Ok(k));
        }
        assert_eq!(" Telegram ".parse::<SinkKind>(), Ok(SinkKind::Telegram));
        assert!("email".parse::<SinkKind>().is_err());
    }

    #[test]
    fn filters_apply() {
        let o = sample::spread(); // PEPE, hyperliquid -> bybit, perp_spread, 61.2 %
        let mut s = sink();
        assert!(s.wants(&o));
        s.min_apr_pct = Some(Decimal::from(70));
        assert!(!s.wants(&o));
        s.min_apr_pct = Some(Decimal::from(61));
        assert!(s.wants(&o));
        s.kinds = vec![Kind::Carry];
        assert!(!s.wants(&o));
        s.kinds = vec![Kind::PerpSpread];
        assert!(s.wants(&o));
        s.venues = vec![Venue::Bybit];
        assert!(!s.wants(&o), "both legs must be on listed venues");
        s.venues = vec![Venue::Bybit, Venue::Hyperliquid];
        assert!(s.wants(&o));
        s.assets = vec!["btc".into()];
        assert!(!s.wants(&o));
        s.assets = vec!["pepe".into()];
        assert!(s.wants(&o));
    }

    #[test]
    fn error_classes() {
        let gone = NotifyError::Gone {
            sink: "desk".into(),
            kind: SinkKind::Slack,
            status: 404,
        };
        assert!(gone.disables_sink() && !gone.is_retryable());
        assert_eq!(
            gone.to_string(),
            "sink `desk` (slack) answered 404: the webhook was deleted or the URL is wrong; fix or remove it in the config"
        );
        let http = |status| NotifyError::Http {
            sink: "desk".into(),
            kind: SinkKind::Telegram,
            status,
            detail: String::new(),
        };
        assert!(http(502).is_retryable());
        assert!(!http(400).is_retryable() && !http(400).disables_sink());
        assert!(http(401).to_string().contains("bot token"));
        let secret = NotifyError::InvalidSecret {
            sink: String::new(),
            reason: "x",
        }
        .for_sink("hooks");
        assert!(secret.to_string().starts_with("sink `hooks` (generic): "));
    }
}
