//! Digest rendering (pure): one run's news for one sink as Slack, Discord, Telegram or generic JSON,
//! split to each service's limits, every interpolated value escaped for its markup.
//!
//! Limits: Discord `content` ≤ 2,000 characters; Telegram `text` ≤ 4,096; Slack ≤ 50 blocks per
//! message and ≤ 3,000 characters per section text (header text ≤ 150). Lengths are counted in
//! UTF-16 code units, which is never less than what the services count. Free-text fields (asset,
//! quote, symbols) are shown through [`display`] (control and bidi characters escaped) and cut to
//! [`FIELD_CAP`] characters, labels to [`LABEL_CAP`], so that one line always fits in one message.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::SinkKind;
use super::dedup::{Item, Record};
use crate::model::{Leg, Opportunity};
use crate::report::safe::display;
use crate::report::table::compact;

/// Discord's `content` limit, characters.
pub const DISCORD_LIMIT: usize = 2_000;
/// Telegram's `sendMessage` text limit, characters.
pub const TELEGRAM_LIMIT: usize = 4_096;
/// Slack: blocks per message.
pub const SLACK_MAX_BLOCKS: usize = 50;
/// Slack: characters per section text.
pub const SLACK_TEXT_LIMIT: usize = 3_000;
/// Slack: characters of a header block.
pub const SLACK_HEADER_LIMIT: usize = 150;
/// Longest asset, quote or symbol shown (longer ones end with `…`).
pub const FIELD_CAP: usize = 32;
/// Longest "no longer qualifies" label shown.
pub const LABEL_CAP: usize = 200;

/// One digest: everything one sink is told in one run (at most its `top` rows of each list).
#[derive(Clone, Debug, PartialEq)]
pub struct Digest {
    /// New, cooled-down or moved opportunities, best first.
    pub new: Vec<Opportunity>,
    /// Qualifying opportunities not shown: the "+N more qualify: COMMAND" line when not zero.
    pub more_qualify: usize,
    /// The `basis scan` command that lists everything the sink's filters keep.
    pub command: String,
    /// Records that no longer qualify, one line each.
    pub resolved: Vec<Record>,
    /// Records that no longer qualify beyond the cap: the "+N more no longer qualify" line.
    pub more_resolved: usize,
    /// When the scan ran.
    pub generated_at: DateTime<Utc>,
    /// A `basis notify test` message, clearly labelled as such.
    pub test: bool,
    /// Built from `--demo` data (labelled: not live prices).
    pub demo: bool,
}

/// One message ready to POST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The JSON body. For Telegram it lacks `chat_id`, which [`telegram_with_chat`] adds.
    pub body: String,
    /// The digest lines it carries: what is recorded as told when the sink accepts it.
    pub items: Vec<Item>,
}

impl Digest {
    /// An empty digest at `generated_at` (a test message when `test`).
    #[must_use]
    pub fn empty(generated_at: DateTime<Utc>, test: bool, demo: bool) -> Self {
        Digest {
            new: Vec::new(),
            more_qualify: 0,
            command: String::new(),
            resolved: Vec::new(),
            more_resolved: 0,
            generated_at,
            test,
            demo,
        }
    }

    /// Nothing to say (and not a test).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        !self.test && self.new.is_empty() && self.resolved.is_empty() && self.more_resolved == 0
    }
}

/// `2029` as `2,029`.
#[must_use]
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The characters Telegram HTML and Slack mrkdwn escape, and their entities.
const HTML_ENTITIES: [(char, &str); 3] = [('&', "&amp;"), ('<', "&lt;"), ('>', "&gt;")];

/// Escapes `&`, `<` and `>` as `&amp;`, `&lt;`, `&gt;` (Telegram HTML, Slack mrkdwn).
#[must_use]
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match HTML_ENTITIES.iter().find(|(plain, _)| *plain == c) {
            Some((_, entity)) => out.push_str(entity),
            None => out.push(c),
        }
    }
    out
}

/// Inverse of [`escape_html`].
#[must_use]
pub fn unescape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (c, len) = HTML_ENTITIES
            .iter()
            .find(|(_, entity)| tail.starts_with(entity))
            .map_or(('&', 1), |(plain, entity)| (*plain, entity.len()));
        out.push(c);
        rest = &tail[len..];
    }
    out.push_str(rest);
    out
}

/// Escapes Discord markdown (emphasis, code, spoilers, quotes, masked links) and mention syntax
/// with backslashes. Mentions are also disabled by `allowed_mentions`.
#[must_use]
pub fn escape_discord(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '<' | '[' | ']' | '@'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Length as the services count it, conservatively: UTF-16 code units.
#[must_use]
pub fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

fn cap(s: &str, max: usize) -> Cow<'_, str> {
    if s.chars().count() <= max {
        Cow::Borrowed(s)
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        Cow::Owned(t)
    }
}

/// How one service marks text up.
#[derive(Clone, Copy)]
struct Markup {
    esc: fn(&str) -> String,
    bold: (&'static str, &'static str),
    italic: (&'static str, &'static str),
}

const SLACK: Markup = Markup {
    esc: escape_html,
    bold: ("*", "*"),
    italic: ("_", "_"),
};
const DISCORD: Markup = Markup {
    esc: escape_discord,
    bold: ("**", "**"),
    italic: ("*", "*"),
};
const TELEGRAM: Markup = Markup {
    esc: escape_html,
    bold: ("<b>", "</b>"),
    italic: ("<i>", "</i>"),
};

impl Markup {
    fn b(&self, raw: &str) -> String {
        format!("{}{}{}", self.bold.0, (self.esc)(raw), self.bold.1)
    }
    fn i(&self, raw: &str) -> String {
        format!("{}{}{}", self.italic.0, (self.esc)(raw), self.italic.1)
    }
    fn e(&self, raw: &str) -> String {
        (self.esc)(raw)
    }
}

fn pct(v: Decimal, dp: u32) -> String {
    format!("{:.*}%", dp as usize, v.round_dp(dp))
}

fn liq(p: f64) -> String {
    if p >= 0.9995 {
        "100%".into()
    } else if p < 0.0001 {
        "<0.01%".into()
    } else {
        format!("{:.2}%", p * 100.0)
    }
}

fn leg(m: &Markup, l: &Leg) -> String {
    format!(
        "{} {} {}",
        m.e(l.venue.id()),
        m.e(l.market.id()),
        m.e(&display(&l.symbol, FIELD_CAP))
    )
}

/// One opportunity as one line: the numbers a trader acts on.
fn line(m: &Markup, o: &Opportunity) -> String {
    let pair = format!(
        "{}/{}",
        display(&o.asset, FIELD_CAP),
        display(&o.quote, FIELD_CAP)
    );
    let funding = format!(
        "{}/{}h",
        pct(o.funding_rate * Decimal::ONE_HUNDRED, 4),
        o.funding_interval_hours.normalize()
    );
    let vol = o
        .volume_24h_usd
        .map_or_else(|| "-".to_owned(), |v| format!("${}", compact(v)));
    format!(
        "{} {} · long {} → short {} · risk-adj APR {} · net APR {} · funding {} · liq {} · safe lev {} · 24h vol {}",
        m.b(&pair),
        m.e(o.kind.id()),
        leg(m, &o.long),
        leg(m, &o.short),
        m.b(&pct(o.risk_adj_apr_pct, 1)),
        m.e(&pct(o.net_apr_pct, 1)),
        m.e(&funding),
        m.e(&liq(o.liq_prob)),
        m.e(&format!("{}x", o.safe_leverage.round_dp(2).normalize())),
        m.e(&vol),
    )
}

fn resolved_line(m: &Markup, r: &Record) -> String {
    format!(
        "no longer qualifies: {} {}",
        m.e(&display(&r.label, LABEL_CAP)),
        m.i(&format!("(was {} risk-adj APR)", pct(r.last_value_pct, 1)))
    )
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// The title of a digest (plain text).
fn title(d: &Digest) -> String {
    if d.test {
        return "basis notify test: this sink works".into();
    }
    let mut t = format!(
        "basis: {} new {}",
        d.new.len(),
        plural(d.new.len(), "opportunity", "opportunities")
    );
    let gone = d.resolved.len() + d.more_resolved;
    if gone > 0 {
        let _ = write!(
            t,
            ", {} no longer {}",
            thousands(gone),
            plural(gone, "qualifies", "qualify")
        );
    }
    t
}

/// The line under the title (plain text): time, demo marker, part.
fn subtitle(d: &Digest, part: usize, parts: usize) -> String {
    let mut s = d.generated_at.format("%Y-%m-%d %H:%M UTC").to_string();
    if d.demo {
        s.push_str(" · DEMO DATA: synthetic markets, not live prices");
    }
    if d.test {
        s.push_str(" · sent by `basis notify test`, no action needed");
    }
    if parts > 1 {
        let _ = write!(s, " · part {part}/{parts}");
    }
    s
}

/// The "+N more qualify: COMMAND" line (plain text).
fn more_qualify_text(d: &Digest) -> String {
    format!(
        "+{} more qualify: {}",
        thousands(d.more_qualify),
        cap(&d.command, LABEL_CAP)
    )
}

/// The "+N more no longer qualify" line (plain text).
fn more_resolved_text(d: &Digest) -> String {
    format!(
        "+{} more no longer {}",
        thousands(d.more_resolved),
        plural(d.more_resolved, "qualifies", "qualify")
    )
}

/// The body lines of a digest, each with the item it carries (none for the test's text).
fn lines(m: &Markup, d: &Digest, bullet: &str) -> Vec<(Option<Item>, String)> {
    let mut out: Vec<(Option<Item>, String)> = d
        .new
        .iter()
        .enumerate()
        .map(|(i, o)| (Some(Item::New(i)), format!("{bullet}{}", line(m, o))))
        .collect();
    if d.more_qualify > 0 {
        out.push((Some(Item::MoreQualify), m.i(&more_qualify_text(d))));
    }
    out.extend(d.resolved.iter().enumerate().map(|(i, r)| {
        (
            Some(Item::Resolved(i)),
            format!("{bullet}{}", resolved_line(m, r)),
        )
    }));
    if d.more_resolved > 0 {
        out.push((Some(Item::MoreResolved), m.i(&more_resolved_text(d))));
    }
    if d.test && out.is_empty() {
        out.push((
            None,
            m.e(
                "Real digests list each new opportunity: kind, pair, long → short legs, risk-adj APR, \
                 net APR, funding rate/interval, liquidation probability, safe leverage, 24h volume.",
            ),
        ));
    }
    out
}

/// One message's lines and the items they carry.
type Chunk = (Vec<Item>, Vec<String>);

/// Packs lines into chunks whose joined length (one `\n` per line) stays within `budget`; never
/// drops a line, keeps the order, and returns at least one (possibly empty) chunk.
fn pack(lines: Vec<(Option<Item>, String)>, budget: usize, max_lines: usize) -> Vec<Chunk> {
    let mut chunks: Vec<Chunk> = vec![(Vec::new(), Vec::new())];
    let mut used = 0;
    for (item, l) in lines {
        let need = units(&l) + 1;
        let full = chunks
            .last()
            .is_some_and(|(_, c)| !c.is_empty() && (used + need > budget || c.len() >= max_lines));
        if full {
            chunks.push((Vec::new(), Vec::new()));
            used = 0;
        }
        used += need;
        if let Some((items, c)) = chunks.last_mut() {
            items.extend(item);
            c.push(l);
        }
    }
    chunks
}

/// Renders a digest for one kind of sink: one or more messages within the service's limits, or
/// none when there is nothing to say (no news and not a test).
#[must_use]
pub fn render(kind: SinkKind, digest: &Digest) -> Vec<Rendered> {
    if digest.is_empty() {
        return Vec::new();
    }
    match kind {
        SinkKind::Slack => slack(digest),
        SinkKind::Discord => text_service(digest, &DISCORD, DISCORD_LIMIT, |text, items| {
            json(
                &DiscordBody {
                    content: text,
                    allowed_mentions: AllowedMentions { parse: [] },
                },
                items,
            )
        }),
        SinkKind::Telegram => text_service(digest, &TELEGRAM, TELEGRAM_LIMIT, |text, items| {
            json(
                &TelegramMessage {
                    chat_id: None,
                    text: Cow::Borrowed(text),
                    parse_mode: Cow::Borrowed("HTML"),
                    disable_web_page_preview: true,
                },
                items,
            )
        }),
        SinkKind::Generic => vec![generic(digest)],
    }
}

fn json<T: Serialize>(v: &T, items: Vec<Item>) -> Rendered {
    // Serialising these plain structs of strings, numbers and dates cannot fail.
    Rendered {
        body: serde_json::to_string(v).unwrap_or_default(),
        items,
    }
}

/// Discord and Telegram: one text per message, a bold title, an italic subtitle, bullet lines.
fn text_service(
    d: &Digest,
    m: &Markup,
    limit: usize,
    body: impl Fn(&str, Vec<Item>) -> Rendered,
) -> Vec<Rendered> {
    let head = |part, parts| format!("{}\n{}\n", m.b(&title(d)), m.i(&subtitle(d, part, parts)));
    let reserve = units(&head(999, 999));
    let chunks = pack(lines(m, d, "• "), limit.saturating_sub(reserve), usize::MAX);
    let parts = chunks.len();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, (items, c))| {
            let mut text = head(i + 1, parts);
            text.push_str(&c.join("\n"));
            body(text.trim_end(), items)
        })
        .collect()
}

#[derive(Serialize)]
struct DiscordBody<'a> {
    content: &'a str,
    allowed_mentions: AllowedMentions,
}

#[derive(Serialize)]
struct AllowedMentions {
    parse: [&'static str; 0],
}

/// A Telegram `sendMessage` body.
#[derive(Serialize, Deserialize, Debug)]
struct TelegramMessage<'a> {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    chat_id: Option<&'a str>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow)]
    parse_mode: Cow<'a, str>,
    disable_web_page_preview: bool,
}

/// Adds `chat_id` to a rendered Telegram body.
///
/// # Errors
/// When `body` is not a body rendered for Telegram.
pub fn telegram_with_chat(body: &str, chat: &str) -> Result<String, serde_json::Error> {
    let mut msg: TelegramMessage<'_> = serde_json::from_str(body)?;
    msg.chat_id = Some(chat);
    serde_json::to_string(&msg)
}

/// Slack Block Kit: header, context (time, part), one section per line; ≤ 50 blocks.
fn slack(d: &Digest) -> Vec<Rendered> {
    let m = &SLACK;
    let all = lines(m, d, "");
    let chunks = pack(all, usize::MAX, SLACK_MAX_BLOCKS - 2);
    let parts = chunks.len();
    let header = cap(&title(d), SLACK_HEADER_LIMIT).into_owned();
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, (items, c))| {
            let mut blocks = vec![
                SlackBlock::Header {
                    text: SlackText::Plain {
                        text: header.clone(),
                        emoji: false,
                    },
                },
                SlackBlock::Context {
                    elements: vec![SlackText::Mrkdwn {
                        text: m.e(&subtitle(d, i + 1, parts)),
                    }],
                },
            ];
            blocks.extend(c.into_iter().map(|text| SlackBlock::Section {
                text: SlackText::Mrkdwn {
                    text: cap(&text, SLACK_TEXT_LIMIT).into_owned(),
                },
            }));
            let text = if parts > 1 {
                format!("{header} (part {}/{parts})", i + 1)
            } else {
                header.clone()
            };
            json(&SlackBody { text, blocks }, items)
        })
        .collect()
}

#[derive(Serialize)]
struct SlackBody {
    /// Notification fallback.
    text: String,
    blocks: Vec<SlackBlock>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum SlackBlock {
    Header { text: SlackText },
    Context { elements: Vec<SlackText> },
    Section { text: SlackText },
}

#[derive(Serialize)]
#[serde(tag = "type")]
enum SlackText {
    #[serde(rename = "plain_text")]
    Plain { text: String, emoji: bool },
    #[serde(rename = "mrkdwn")]
    Mrkdwn { text: String },
}

/// The generic webhook body (Standard Webhooks payload shape: `type`, `timestamp`, `data`).
#[derive(Serialize)]
struct GenericBody<'a> {
    r#type: &'static str,
    timestamp: DateTime<Utc>,
    data: GenericData<'a>,
}

#[derive(Serialize)]
struct GenericData<'a> {
    generated_at: DateTime<Utc>,
    test: bool,
    demo: bool,
    new: &'a [Opportunity],
    /// Qualifying opportunities not listed in `new`.
    more_qualify: usize,
    /// The `basis scan` command listing all of them.
    #[serde(skip_serializing_if = "str::is_empty")]
    command: &'a str,
    resolved: Vec<GenericResolved<'a>>,
    /// Opportunities that no longer qualify beyond those listed in `resolved`.
    more_resolved: usize,
}

#[derive(Serialize)]
struct GenericResolved<'a> {
    label: &'a str,
    first_seen: DateTime<Utc>,
    last_sent: DateTime<Utc>,
    #[serde(with = "rust_decimal::serde::arbitrary_precision")]
    last_value_pct: Decimal,
}

/// Generic: one JSON document per digest, opportunities in the `--format json` field names.
fn generic(d: &Digest) -> Rendered {
    let mut items: Vec<Item> = (0..d.new.len()).map(Item::New).collect();
    items.extend((0..d.resolved.len()).map(Item::Resolved));
    if d.more_qualify > 0 {
        items.push(Item::MoreQualify);
    }
    if d.more_resolved > 0 {
        items.push(Item::MoreResolved);
    }
    json(
        &GenericBody {
            r#type: if d.test { "basis.test" } else { "basis.digest" },
            timestamp: d.generated_at,
            data: GenericData {
                generated_at: d.generated_at,
                test: d.test,
                demo: d.demo,
                new: &d.new,
                more_qualify: d.more_qualify,
                command: &d.command,
                resolved: d
                    .resolved
                    .iter()
                    .map(|r| GenericResolved {
                        label: &r.label,
                        first_seen: r.first_seen,
                        last_sent: r.last_sent,
                        last_value_pct: r.last_value_pct,
                    })
                    .collect(),
                more_resolved: d.more_resolved,
            },
        },
        items,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::sample::{carry, digest, now};
    use proptest::prelude::*;

    /// The text a Telegram or Discord body carries.
    fn text_of(kind: SinkKind, r: &Rendered) -> String {
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let key = if kind == SinkKind::Telegram {
            "text"
        } else {
            "content"
        };
        v[key].as_str().unwrap().to_owned()
    }

    #[test]
    fn snapshots_of_each_sink() {
        for kind in SinkKind::ALL {
            let out = render(kind, &digest());
            assert_eq!(out.len(), 1, "{kind}");
            insta::assert_snapshot!(format!("digest_{kind}"), &out[0].body);
        }
    }

    #[test]
    fn snapshots_of_the_test_message() {
        let test = Digest::empty(now(), true, false);
        for kind in SinkKind::ALL {
            let out = render(kind, &test);
            assert_eq!(out.len(), 1, "{kind}");
            assert!(out[0].body.contains("test"), "{kind}: {}", out[0].body);
            insta::assert_snapshot!(format!("test_{kind}"), &out[0].body);
        }
    }

    #[test]
    fn nothing_to_say_renders_nothing() {
        let mut d = digest();
        d.new.clear();
        d.resolved.clear();
        for kind in SinkKind::ALL {
            assert!(render(kind, &d).is_empty());
        }
    }

    #[test]
    fn demo_digests_are_labelled() {
        let mut d = digest();
        d.demo = true;
        for kind in [SinkKind::Slack, SinkKind::Discord, SinkKind::Telegram] {
            assert!(
                render(kind, &d)[0].body.contains("DEMO DATA"),
                "{kind} must say demo"
            );
        }
        assert!(
            render(SinkKind::Generic, &d)[0]
                .body
                .contains(r#""demo":true"#)
        );
    }

    fn big_digest(n: usize, asset: impl Fn(usize) -> String) -> Digest {
        Digest {
            new: (0..n).map(|i| carry(&asset(i), "20")).collect(),
            resolved: vec![crate::notify::sample::resolved()],
            ..Digest::empty(now(), false, true)
        }
    }

    #[test]
    fn two_hundred_opportunities_split_within_limits_none_lost() {
        let d = big_digest(200, |i| format!("C{i:03}X"));
        for (kind, limit) in [
            (SinkKind::Discord, DISCORD_LIMIT),
            (SinkKind::Telegram, TELEGRAM_LIMIT),
        ] {
            let out = render(kind, &d);
            assert!(out.len() > 1, "{kind}: {} message(s)", out.len());
            let texts: Vec<String> = out.iter().map(|r| text_of(kind, r)).collect();
            for (i, t) in texts.iter().enumerate() {
                assert!(units(t) <= limit, "{kind} message {i}: {}", units(t));
                assert!(t.contains(&format!("part {}/{}", i + 1, out.len())));
            }
            let all = texts.join("\n");
            for i in 0..200 {
                assert_eq!(
                    all.matches(&format!("C{i:03}X/USDT")).count(),
                    1,
                    "{kind}: C{i:03}X"
                );
            }
            assert_eq!(all.matches("no longer qualifies:").count(), 1);
        }
        let slack = render(SinkKind::Slack, &d);
        let mut sections = 0;
        for r in &slack {
            let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            let blocks = v["blocks"].as_array().unwrap();
            assert!(blocks.len() <= SLACK_MAX_BLOCKS);
            for b in blocks {
                if let Some(t) = b["text"]["text"].as_str() {
                    assert!(t.chars().count() <= SLACK_TEXT_LIMIT);
                }
            }
            sections += blocks.iter().filter(|b| b["type"] == "section").count();
        }
        assert_eq!(sections, 201, "every line in one section");
        assert_eq!(slack.len(), 5);
    }

    #[test]
    fn every_part_reports_the_lines_it_carries_once() {
        let mut d = big_digest(40, |i| format!("C{i:03}X"));
        d.more_qualify = 1_999;
        d.command = "basis scan --min-apr 10".into();
        d.more_resolved = 3;
        let mut want: Vec<Item> = (0..40).map(Item::New).collect();
        want.extend([Item::MoreQualify, Item::Resolved(0), Item::MoreResolved]);
        for kind in SinkKind::ALL {
            let out = render(kind, &d);
            let got: Vec<Item> = out.iter().flat_map(|r| r.items.clone()).collect();
            let mut sorted = got.clone();
            sorted.sort();
            assert_eq!(sorted, want, "{kind}");
            if kind == SinkKind::Discord {
                assert!(out.len() > 1);
                // Part 1 starts with the first rows, the count lines ride in the last parts.
                assert_eq!(out[0].items[0], Item::New(0));
                let last = &out[out.len() - 1];
                assert!(last.items.contains(&Item::MoreResolved));
                assert!(text_of(kind, last).contains("+3 more no longer qualify"));
            }
        }
        let t: String = render(SinkKind::Telegram, &d)
            .iter()
            .map(|r| text_of(SinkKind::Telegram, r))
            .collect();
        assert!(
            t.contains("<i>+1,999 more qualify: basis scan --min-apr 10</i>"),
            "{t}"
        );
        assert!(t.contains("4 no longer qualify"), "{t}");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2_029), "2,029");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn worst_case_names_still_fit() {
        // Every character escapes to the longest form; names far beyond the cap.
        let d = big_digest(30, |i| format!("{i}{}", "&<>*".repeat(40)));
        for (kind, limit) in [
            (SinkKind::Discord, DISCORD_LIMIT),
            (SinkKind::Telegram, TELEGRAM_LIMIT),
        ] {
            for r in render(kind, &d) {
                assert!(units(&text_of(kind, &r)) <= limit, "{kind}");
            }
        }
    }

    #[test]
    fn telegram_chat_is_added() {
        let r = &render(SinkKind::Telegram, &digest())[0];
        let body = telegram_with_chat(&r.body, "-100123").unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["chat_id"], "-100123");
        assert_eq!(v["parse_mode"], "HTML");
        assert_eq!(v["disable_web_page_preview"], true);
        assert_eq!(v["text"], text_of(SinkKind::Telegram, r));
        assert!(telegram_with_chat("{}", "1").is_err());
    }

    #[test]
    fn discord_escapes_markdown_and_mentions() {
        let mut d = digest();
        d.new[0].asset = "@everyone*_`".into();
        let t = text_of(SinkKind::Discord, &render(SinkKind::Discord, &d)[0]);
        assert!(t.contains(r"\@everyone\*\_\`/USDT"), "{t}");
        assert!(
            render(SinkKind::Discord, &d)[0]
                .body
                .contains(r#""allowed_mentions":{"parse":[]}"#)
        );
    }

    /// The Telegram HTML tags basis itself writes.
    const TAGS: [&str; 4] = ["<b>", "</b>", "<i>", "</i>"];

    /// Whether every `&` starts an entity and no `<`/`>` is outside our own tags.
    fn well_escaped(html: &str) -> bool {
        let mut s = html.to_owned();
        for t in TAGS {
            s = s.replace(t, "");
        }
        if s.contains('<') || s.contains('>') {
            return false;
        }
        s.match_indices('&').all(|(i, _)| {
            let t = &s[i..];
            t.starts_with("&amp;") || t.starts_with("&lt;") || t.starts_with("&gt;")
        })
    }

    proptest! {
        #[test]
        fn escape_html_round_trips_and_leaves_no_raw_markup(s in ".*") {
            let e = escape_html(&s);
            prop_assert!(well_escaped(&e));
            prop_assert_eq!(unescape_html(&e), s);
        }

        #[test]
        fn every_telegram_value_is_escaped(
            asset in "[A-Z<>&/;a-z]{1,12}",
            quote in "[A-Z<>&]{1,6}",
            symbol in "[A-Za-z0-9<>&_\\-]{1,20}",
            label in "[ -~]{0,60}",
        ) {
            let mut d = digest();
            d.new[0].asset = asset.clone();
            d.new[0].quote = quote.clone();
            d.new[1].short.symbol = symbol.clone();
            d.resolved[0].label = label.clone();
            let out = render(SinkKind::Telegram, &d);
            prop_assert_eq!(out.len(), 1);
            let html = text_of(SinkKind::Telegram, &out[0]);
            prop_assert!(well_escaped(&html), "{}", html);
            let mut plain = html.clone();
            for t in TAGS {
                plain = plain.replace(t, "");
            }
            let plain = unescape_html(&plain);
            let pair = format!("{asset}/{quote}");
            prop_assert!(plain.contains(&pair));
            prop_assert!(plain.contains(&symbol));
            prop_assert!(plain.contains(&label));
        }
    }
}
