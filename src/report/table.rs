//! Table report for terminals: ranked opportunities in at most 120 columns, then venue status.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Alignment, Padding, Style};

use super::safe::{ASSET_CAP, MESSAGE_CAP, display};
use super::{Report, VenueLine};
use crate::model::{Kind, Opportunity};

/// Compact money amount with one decimal in its unit: 1.2B, 350.0M, 12.0K (999 below a
/// thousand), so that a column of them reads alike.
#[must_use]
pub fn compact(v: Decimal) -> String {
    let units = [
        (Decimal::from(1_000_000_000_u64), "B"),
        (Decimal::from(1_000_000_u64), "M"),
        (Decimal::from(1_000_u64), "K"),
    ];
    for (size, suffix) in units {
        if v.abs() >= size {
            return format!("{}{suffix}", fixed(v / size, 1));
        }
    }
    fixed(v, 0)
}

/// A duration until `t` as `3h12m`, `45m`, `2d4h`; `now` when due.
#[must_use]
pub fn until(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let mins = (t - now).num_minutes();
    if mins <= 0 {
        return "now".into();
    }
    let (d, h, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    match (d, h) {
        (0, 0) => format!("{m}m"),
        (0, _) => format!("{h}h{m:02}m"),
        _ => format!("{d}d{h}h"),
    }
}

/// An age as `45m`, `3h05m`, `2d4h` (`0m` under a minute).
#[must_use]
pub fn age(d: chrono::TimeDelta) -> String {
    let mins = d.num_minutes().max(0);
    let (days, h, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    match (days, h) {
        (0, 0) => format!("{m}m"),
        (0, _) => format!("{h}h{m:02}m"),
        _ => format!("{days}d{h}h"),
    }
}

/// `v` rounded to `dp` places and always shown with them (`1.40`, not `1.4`): one format per
/// column.
fn fixed(v: Decimal, dp: u32) -> String {
    format!("{:.*}", dp as usize, v.round_dp(dp))
}

fn pct(v: Decimal, dp: u32) -> String {
    format!("{}%", fixed(v, dp))
}

/// Widest table line, in characters.
const WIDTH: usize = 120;

fn heading(kind: Kind) -> &'static str {
    match kind {
        Kind::Carry => "carry: long spot, short perp on the same venue",
        Kind::CrossCarry => "cross_carry: long spot on one venue, short the perp on another",
        Kind::PerpSpread => {
            "perp_spread: long the lower-funded perp, short the higher-funded one (rate per short leg's interval)"
        }
    }
}

/// One kind's rows as a table; cross-venue kinds show both venues. The funding-record columns
/// (`7D/30D` APR actually paid, `POS` share of positive settlements) appear when some row has
/// history. Names from the venue are shown through [`display`]; each numeric column has one
/// format (fixed decimal places). The table is kept within [`WIDTH`] columns with two spaces
/// between columns, leaving out the least important columns (`NEXT`, then `VOL 24H`) and saying
/// so; one space between columns only when that is not enough.
fn kind_table(kind: Kind, rows: &[&Opportunity], now: DateTime<Utc>) -> String {
    let history = rows
        .iter()
        .any(|o| o.apr_7d.is_some() || o.apr_30d.is_some());
    let mut header: Vec<&str> = vec!["#", "ASSET"];
    if kind == Kind::Carry {
        header.push("VENUE");
    } else {
        header.extend(["LONG", "SHORT"]);
    }
    header.extend([
        "FUNDING", "NEXT", "FUND APR", "NET APR", "RISK APR", "COST", "LIQ", "SAFE", "VOL 24H",
    ]);
    if history {
        header.extend(["7D/30D", "POS"]);
    }
    let opt_pct = |v: Option<Decimal>| v.map_or_else(|| "-".to_owned(), |d| fixed(d, 1));
    // Markers, padded only in a table that has some, so that the digits stay aligned.
    let marks = Marks::of(rows);
    let mut body: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    for o in rows {
        let mut row = vec![
            o.rank.to_string(),
            format!(
                "{}/{}",
                display(&o.asset, ASSET_CAP),
                display(&o.quote, ASSET_CAP)
            ),
        ];
        if kind == Kind::Carry {
            row.push(o.short.venue.id().to_owned());
        } else {
            row.push(o.long.venue.id().to_owned());
            row.push(o.short.venue.id().to_owned());
        }
        row.extend([
            format!(
                "{}/{}h{}",
                pct(o.funding_rate * Decimal::ONE_HUNDRED, 4),
                o.funding_interval_hours.normalize(),
                marks.interval(o)
            ),
            o.next_funding_time
                .map_or_else(|| "-".into(), |t| until(t, now)),
            pct(o.funding_apr_pct, 1),
            pct(o.net_apr_pct, 1),
            pct(o.risk_adj_apr_pct, 1),
            pct(o.cost_pct, 2),
            liq(o.liq_prob),
            format!("{}x{}", fixed(o.safe_leverage, 2), marks.leverage(o)),
            o.volume_24h_usd.map_or_else(|| "-".into(), compact),
        ]);
        if history {
            row.push(format!("{}/{}%", opt_pct(o.apr_7d), opt_pct(o.apr_30d)));
            row.push(
                o.pos_30d
                    .map_or_else(|| "-".into(), |p| format!("{:.0}%", p * 100.0)),
            );
        }
        body.push(row);
    }
    let render = |dropped: &[&str], gap: usize| -> String {
        let keep: Vec<usize> = (0..header.len())
            .filter(|i| !dropped.contains(&header[*i]))
            .collect();
        let mut b = Builder::default();
        b.push_record(keep.iter().map(|&i| header[i].to_owned()));
        for row in &body {
            b.push_record(keep.iter().map(|&i| row[i].clone()));
        }
        let first_numeric = if kind == Kind::Carry { 3 } else { 4 };
        let mut t = b.build();
        t.with(Style::empty())
            .with(Padding::new(gap, 0, 0, 0))
            .modify(Columns::new(first_numeric..), Alignment::right())
            .modify(Columns::new(0..1), Alignment::right());
        t.to_string()
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let fits = |t: &String| t.lines().all(|l| l.chars().count() <= WIDTH);
    // Two spaces between columns keep them readable: leave out the least important columns
    // first, and close up to one space only when that is not enough.
    let tries: [(&[&str], usize); 4] = [
        (&[], 2),
        (&["NEXT"], 2),
        (&["NEXT", "VOL 24H"], 2),
        (&["NEXT", "VOL 24H"], 1),
    ];
    let mut last = String::new();
    let notes = marks.notes();
    for (dropped, gap) in tries {
        last = render(dropped, gap);
        if fits(&last) || gap == 1 {
            if !dropped.is_empty() {
                let _ = write!(
                    last,
                    "\n  ({} left out to fit {WIDTH} columns; --format json or csv has every field)",
                    dropped.join(" and ")
                );
            }
            break;
        }
    }
    last.push_str(&notes);
    last
}

/// The row markers of one table: `!` after `SAFE` when `--leverage` is above the row's safe
/// leverage, `?` after the interval when it is assumed; each explained under the table.
struct Marks {
    leverage: bool,
    interval: bool,
}

impl Marks {
    fn of(rows: &[&Opportunity]) -> Marks {
        Marks {
            leverage: rows.iter().any(|o| !o.leverage_ok),
            interval: rows.iter().any(|o| o.funding_interval_assumed),
        }
    }

    fn leverage(&self, o: &Opportunity) -> &'static str {
        match (self.leverage, o.leverage_ok) {
            (false, _) => "",
            (true, true) => " ",
            (true, false) => "!",
        }
    }

    fn interval(&self, o: &Opportunity) -> &'static str {
        match (self.interval, o.funding_interval_assumed) {
            (false, _) => "",
            (true, false) => " ",
            (true, true) => "?",
        }
    }

    fn notes(&self) -> String {
        let mut out = String::new();
        if self.leverage {
            out.push_str(
                "\n  ! --leverage is above this row's SAFE leverage (liquidation risk over --max-liq-prob); --safe-only drops such rows",
            );
        }
        if self.interval {
            out.push_str(
                "\n  ? funding interval not learned yet: 8h assumed, so the APR is a lower bound; `basis venues --refresh VENUE` learns all",
            );
        }
        out
    }
}

/// A liquidation probability in percent with two places, `<0.01%` below that.
#[must_use]
pub fn liq(p: f64) -> String {
    if p < 0.0001 {
        "<0.01%".into()
    } else {
        format!("{:.2}%", p.min(1.0) * 100.0)
    }
}

/// Under an empty table: each filter with the rows it dropped (`--min-apr 15 dropped 412 rows`)
/// and its hint; nothing when no candidate existed to filter.
fn dropped_lines(dropped: &[crate::analyze::explain::Dropped]) -> String {
    let mut out = String::new();
    if dropped.is_empty() {
        return out;
    }
    out.push_str("Rows each filter dropped, in the order they apply:\n");
    for d in dropped {
        let _ = write!(out, "  {:<24} {} rows", d.filter, d.rows);
        if let Some(h) = d.hint.as_ref().filter(|_| d.rows > 0) {
            let _ = write!(out, " ({h})");
        }
        out.push('\n');
    }
    out
}

/// The venue status block, one line per venue (also printed to stderr for JSON/CSV by callers
/// that want it).
#[must_use]
pub fn venue_lines(venues: &[VenueLine]) -> String {
    let mut out = String::new();
    for v in venues {
        let _ = match v.status {
            "ok" => writeln!(
                out,
                "  {:<11} ok       {} perps, {} spot, {} requests, {} ms{}",
                v.venue.id(),
                v.perps,
                v.spots,
                v.requests,
                v.elapsed_ms,
                if v.interval_assumed > 0 {
                    format!(
                        "\n                       {} perps ranked with an assumed 8h funding interval; `basis venues --refresh {}` learns all",
                        v.interval_assumed,
                        v.venue.id()
                    )
                } else {
                    String::new()
                }
            ),
            status => writeln!(
                out,
                "  {:<11} {:<8} {}",
                v.venue.id(),
                status,
                display(v.error.as_deref().unwrap_or(""), MESSAGE_CAP)
            ),
        };
    }
    out
}

/// Renders the table (≤ 120 columns for typical values) followed by the venue status.
#[must_use]
pub fn render(report: &Report) -> Vec<u8> {
    let now = report.generated_at;
    let p = &report.params;
    let mut out = String::new();
    if p.demo {
        out.push_str("DEMO DATA: synthetic markets served on 127.0.0.1 in each venue's real format; not live prices.\n");
    }
    let min = p
        .min_apr_pct
        .map_or_else(|| "none".to_owned(), |m| format!("{}%", m.normalize()));
    let _ = writeln!(
        out,
        "basis scan {}  hold {}d  leverage {}x  collateral {}  min risk-adj APR {}{}",
        now.format("%Y-%m-%d %H:%M UTC"),
        p.hold_days.round_dp(2).normalize(),
        p.leverage.normalize(),
        p.collateral,
        min,
        match (p.offline, report.data_as_of) {
            (true, Some(at)) => format!("  (offline, {} old)", age(now - at)),
            (true, None) => "  (offline: stored data)".to_owned(),
            (false, Some(at)) if (now - at).num_minutes() >= 1 => {
                format!("  (data {} old)", age(now - at))
            }
            (false, _) => String::new(),
        },
    );
    if let Some(warning) = super::stale_warning(report) {
        let _ = writeln!(out, "WARNING: {warning}");
    }
    if !report.venues.iter().any(|v| v.status == "ok") {
        // Nothing was analysed: the venue lines below say why; no filter is to blame.
        out.push_str("\nNo market data: no venue answered (see the venue lines below).\n");
    } else if report.opportunities.is_empty() {
        out.push_str("\nNo opportunity passes the filters.\n");
        out.push_str(&dropped_lines(&report.dropped));
    } else {
        let kinds: Vec<Kind> = [Kind::Carry, Kind::CrossCarry, Kind::PerpSpread]
            .into_iter()
            .filter(|k| report.opportunities.iter().any(|o| o.kind == *k))
            .collect();
        for kind in kinds {
            let rows: Vec<&Opportunity> = report
                .opportunities
                .iter()
                .filter(|o| o.kind == kind)
                .collect();
            out.push('\n');
            if kind != Kind::Carry || report.opportunities.iter().any(|o| o.kind != Kind::Carry) {
                let _ = writeln!(out, "{}", heading(kind));
            }
            out.push_str(&kind_table(kind, &rows, now));
            out.push('\n');
        }
    }
    out.push_str("\nvenues:\n");
    out.push_str(&venue_lines(&report.venues));
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_until() {
        assert_eq!(compact(Decimal::from(1_234_000_000_u64)), "1.2B");
        assert_eq!(compact(Decimal::from(350_000_000_u64)), "350.0M");
        assert_eq!(compact(Decimal::from(10_040_000_u64)), "10.0M");
        assert_eq!(compact(Decimal::from(999)), "999");
        let now = DateTime::from_timestamp(0, 0).expect("t");
        assert_eq!(until(now + chrono::Duration::minutes(192), now), "3h12m");
        assert_eq!(until(now + chrono::Duration::minutes(5), now), "5m");
        assert_eq!(until(now - chrono::Duration::minutes(5), now), "now");
    }
}

#[cfg(test)]
mod layout_tests {
    use super::*;
    use crate::model::Venue;

    fn lines(report: &Report) -> Vec<String> {
        String::from_utf8(render(report))
            .expect("utf8")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn each_numeric_column_has_one_format() {
        let mut r = super::super::sample::report();
        r.opportunities[0].safe_leverage = Decimal::new(14, 1);
        r.opportunities[1].safe_leverage = Decimal::new(256, 2);
        r.opportunities[0].net_apr_pct = Decimal::from(27);
        r.opportunities[0].funding_rate = Decimal::new(3, 4);
        r.opportunities[0].liq_prob = 1.0;
        let text = lines(&r).join("\n");
        for cell in ["1.40x", "2.56x", "27.0%", "0.0300%/8h", "100.00%"] {
            assert!(text.contains(cell), "{cell} missing in\n{text}");
        }
    }

    #[test]
    fn a_hostile_name_changes_no_other_line() {
        let with = |asset: &str, error: &str| {
            let mut r = super::super::sample::report();
            r.opportunities[1].asset = asset.into();
            r.venues[2].error = Some(error.into());
            lines(&r)
        };
        let hostile = format!(
            "=HYPERLINK(\"http://x\")\u{1b}[2J\r\nFAKE ROW\u{202e}{}",
            "A".repeat(5_000)
        );
        let benign = "B".repeat(5_000);
        let (bad, good) = (
            with(&hostile, &format!("HTTP 500: {hostile}")),
            with(&benign, &format!("HTTP 500: {benign}")),
        );
        assert_eq!(bad.len(), good.len(), "{bad:#?}");
        let differ: Vec<usize> = (0..bad.len()).filter(|&i| bad[i] != good[i]).collect();
        assert_eq!(
            differ.len(),
            2,
            "only the hostile row and status line: {differ:?}"
        );
        for &i in &differ {
            assert_eq!(
                bad[i].chars().count(),
                good[i].chars().count(),
                "{}",
                bad[i]
            );
            assert!(
                !bad[i].chars().any(super::super::safe::is_unsafe),
                "{}",
                bad[i]
            );
        }
        let table = bad.iter().take_while(|l| !l.starts_with("venues:"));
        assert!(table.clone().count() > 4);
        assert!(table.into_iter().all(|l| l.chars().count() <= WIDTH));
    }

    #[test]
    fn wide_sections_keep_two_spaces_and_say_what_they_left_out() {
        let mut r = super::super::sample::report();
        for o in &mut r.opportunities {
            o.kind = Kind::PerpSpread;
            o.long.venue = Venue::Hyperliquid;
            o.short.venue = Venue::Hyperliquid;
            o.apr_7d = Some(Decimal::new(-1234, 1));
            o.apr_30d = Some(Decimal::new(5678, 1));
            o.pos_30d = Some(0.5);
        }
        let text = lines(&r).join("\n");
        let header = text
            .lines()
            .find(|l| l.contains("FUNDING"))
            .expect("header");
        assert!(
            header.contains("ASSET  ") && header.contains("  LIQ  "),
            "{text}"
        );
        assert!(text.contains("left out to fit 120 columns"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= WIDTH), "{text}");
        assert!(text.contains("-123.4/567.8%"), "{text}");
    }
}

#[cfg(test)]
mod snapshot_tests {
    #[test]
    fn table_report_snapshot() {
        let text = String::from_utf8(super::render(&super::super::sample::report())).expect("utf8");
        assert!(text.lines().all(|l| l.chars().count() <= 120));
        insta::assert_snapshot!(text);
    }
}

#[cfg(test)]
mod why_tests {
    use super::*;
    use crate::analyze::explain::Dropped;

    fn text(report: &Report) -> String {
        String::from_utf8(render(report)).expect("utf8")
    }

    #[test]
    fn an_empty_table_names_the_filters_and_stale_data_is_flagged() {
        let mut r = super::super::sample::report();
        r.opportunities.clear();
        r.dropped = vec![
            Dropped {
                filter: "--min-apr 50".into(),
                rows: 412,
                hint: None,
            },
            Dropped {
                filter: "--min-apr-7d 20".into(),
                rows: 0,
                hint: Some("`basis backfill` fetches it".into()),
            },
        ];
        r.params.offline = true;
        r.data_as_of = Some(r.generated_at - chrono::Duration::minutes(125));
        let t = text(&r);
        assert!(t.contains("No opportunity passes the filters."), "{t}");
        assert!(t.contains("  --min-apr 50             412 rows\n"), "{t}");
        assert!(
            t.contains("  --min-apr-7d 20          0 rows\n"),
            "no hint for 0: {t}"
        );
        assert!(t.contains("(offline, 2h05m old)"), "{t}");
        assert!(t.contains("WARNING: the data analysed is 2h05m old"), "{t}");
        r.data_as_of = Some(r.generated_at - chrono::Duration::minutes(14));
        assert!(!text(&r).contains("WARNING"), "fresh under 15 min");
        assert!(super::super::stale_warning(&r).is_none());
    }

    #[test]
    fn no_venue_answering_is_not_blamed_on_the_filters() {
        let mut r = super::super::sample::report();
        r.opportunities.clear();
        for v in &mut r.venues {
            v.status = "error";
        }
        let t = text(&r);
        assert!(!t.contains("No opportunity"), "{t}");
        assert!(t.contains("No market data: no venue answered"), "{t}");
    }
}
