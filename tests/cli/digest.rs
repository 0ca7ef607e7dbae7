//! Digests that fit in a chat: the per-sink cap and its count line on a first run, a failed part
//! that is the only thing sent again, and a dedup state that stays small across runs.

use std::collections::BTreeSet;
use std::time::Duration;

use basis::demo::Universe;
use basis::demo::server::{Server, mounted};
use basis::model::Venue;
use rust_decimal::Decimal;

use super::common::*;

fn text(r: &Received) -> String {
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json body");
    v["content"]
        .as_str()
        .or_else(|| v["text"].as_str())
        .expect("text")
        .to_owned()
}

/// What one post carries: opportunity rows (up to " · risk-adj APR", which identifies the trade)
/// and count lines.
#[derive(Debug, Default)]
struct Post {
    rows: Vec<String>,
    counts: Vec<String>,
}

fn is_count(line: &str) -> bool {
    line.trim_matches(['*', '_'])
        .trim_start_matches("<i>")
        .starts_with('+')
}

fn row_id(line: &str) -> String {
    line.split(" · risk-adj APR")
        .next()
        .unwrap_or("")
        .to_owned()
}

fn parse_post(kind: &str, r: &Received) -> Post {
    let mut post = Post::default();
    let lines: Vec<String> = if kind == "slack" {
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("json body");
        v["blocks"]
            .as_array()
            .expect("blocks")
            .iter()
            .filter(|b| b["type"] == "section")
            .map(|b| b["text"]["text"].as_str().expect("text").to_owned())
            .collect()
    } else {
        text(r)
            .lines()
            .skip(2)
            .map(|l| l.trim_start_matches("• ").to_owned())
            .collect()
    };
    for l in lines {
        if is_count(&l) {
            post.counts.push(l);
        } else if l.contains(" · risk-adj APR") {
            post.rows.push(row_id(&l));
        }
    }
    post
}

/// The number in "+2,029 more qualify: …".
fn count_of(line: &str) -> usize {
    let digits: String = line
        .split('+')
        .nth(1)
        .expect("a + count")
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().expect("count")
}

fn four_sinks(receiver: &Receiver, dir: &std::path::Path) -> std::path::PathBuf {
    use base64::Engine as _;
    let whsec = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode("digest-test-key-0123456789")
    );
    write_config(
        dir,
        &format!(
            "[[notify]]\nname = \"s\"\nkind = \"slack\"\nurl = \"{}\"\nmin_apr = 10\n\n\
             [[notify]]\nname = \"d\"\nkind = \"discord\"\nurl = \"{}\"\n\n\
             [[notify]]\nname = \"t\"\nkind = \"telegram\"\ntoken = \"123:abc\"\nchat = \"-100\"\n\n\
             [[notify]]\nname = \"g\"\nkind = \"generic\"\nurl = \"{}\"\nsecret = \"{whsec}\"\n",
            receiver.url("/slack/hook"),
            receiver.url("/discord/hook"),
            receiver.url("/generic/hook"),
        ),
    )
}

/// Risk-adjusted APRs of a JSON report's opportunities, best first.
fn best_values(report: &serde_json::Value) -> Vec<Decimal> {
    let mut v: Vec<Decimal> = report["opportunities"]
        .as_array()
        .expect("opportunities")
        .iter()
        .map(|o| o["risk_adj_apr_pct"].to_string().parse().expect("decimal"))
        .collect();
    v.sort_by(|a, b| b.cmp(a));
    v
}

/// `scan --demo --notify` on a first run: ~2,700 opportunities qualify (the demo's default
/// `--min-apr 10`); every sink gets one digest of its best `top` and the count of the rest.
async fn first_demo_run(top: Option<usize>) -> (usize, Vec<(String, usize, usize, String)>) {
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = four_sinks(&receiver, dir.path());
    let mut cmd = basis_demo(dir.path());
    cmd.env("BASIS_TELEGRAM_URL", receiver.url("/telegram"))
        .arg("--config")
        .arg(&config)
        .args(["scan", "--demo", "--notify", "--format", "json"]);
    if let Some(n) = top {
        cmd.args(["--top", &n.to_string()]);
    }
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let cap = top.unwrap_or(10);
    let mut seen = Vec::new();
    for (kind, prefix) in [
        ("slack", "/slack/"),
        ("discord", "/discord/"),
        ("telegram", "/telegram/"),
        ("generic", "/generic/"),
    ] {
        let posts = receiver.accepted(prefix);
        assert!(!posts.is_empty(), "{kind}: nothing received");
        let (rows, count_line) = if kind == "generic" {
            assert_eq!(posts.len(), 1, "generic: one document");
            let v: serde_json::Value = serde_json::from_str(&posts[0].body).expect("json");
            let data = &v["data"];
            let new = data["new"].as_array().expect("new");
            let shown: Vec<Decimal> = new
                .iter()
                .map(|o| o["risk_adj_apr_pct"].to_string().parse().expect("decimal"))
                .collect();
            if top.is_none() {
                // The JSON report lists everything: the digest holds its best ten.
                assert_eq!(shown, best_values(&report)[..cap].to_vec());
            }
            let more = usize::try_from(data["more_qualify"].as_u64().expect("more")).expect("n");
            (
                new.len(),
                format!(
                    "+{more} more qualify: {}",
                    data["command"].as_str().expect("cmd")
                ),
            )
        } else {
            let parsed: Vec<Post> = posts.iter().map(|p| parse_post(kind, p)).collect();
            let parts = posts.len();
            if parts > 1 {
                // One digest in parts, never two digests.
                for (i, p) in posts.iter().enumerate() {
                    assert!(
                        p.body.contains(&format!("part {}/{parts}", i + 1)),
                        "{kind}: {}",
                        p.body
                    );
                }
            }
            let counts: Vec<String> = parsed.iter().flat_map(|p| p.counts.clone()).collect();
            assert_eq!(counts.len(), 1, "{kind}: one count line: {counts:?}");
            let rows: usize = parsed.iter().map(|p| p.rows.len()).sum();
            (rows, counts[0].clone())
        };
        assert_eq!(rows, cap, "{kind}: rows");
        assert!(
            count_line.contains("basis scan --min-apr 10"),
            "{kind}: {count_line}"
        );
        seen.push((kind.to_owned(), posts.len(), rows, count_line));
    }
    let qualifying = report["opportunities"].as_array().expect("list").len();
    (qualifying, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_run_sends_each_sink_one_digest_of_its_top_and_counts_the_rest() {
    let (qualifying, seen) = first_demo_run(None).await;
    assert!(qualifying >= 2_000, "{qualifying} qualifying");
    for (kind, posts, rows, count_line) in &seen {
        eprintln!("{kind}: {posts} post(s), {rows} rows, {count_line:?}");
        assert_eq!(
            count_of(count_line),
            qualifying - 10,
            "{kind}: {count_line}"
        );
        let parts_allowed = if kind == "discord" { 2 } else { 1 };
        assert!(*posts <= parts_allowed, "{kind}: {posts} posts");
    }
    // `--top 5` lowers every sink's cap; the JSON output is cut to 5 too, so the count is
    // checked against the run above (the demo data is the same).
    let (_, seen) = first_demo_run(Some(5)).await;
    for (kind, posts, rows, count_line) in &seen {
        eprintln!("--top 5 {kind}: {posts} post(s), {rows} rows, {count_line:?}");
        assert_eq!(count_of(count_line), qualifying - 5, "{kind}: {count_line}");
        assert_eq!(*posts, 1, "{kind}");
    }
}

/// OKX carry on the first `n` assets that have a spot market.
fn carry_assets(u: &[Universe], n: usize) -> Vec<String> {
    u[0].markets
        .iter()
        .filter(|m| m.has_spot)
        .take(n)
        .map(|m| m.asset.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_part_is_the_only_thing_sent_again() {
    let (server, u) = server(&[Venue::Okx], vec![]).await;
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let assets = carry_assets(&u, 16);
    let config = write_config(
        dir.path(),
        &format!(
            "[[notify]]\nname = \"ops\"\nkind = \"discord\"\nurl = \"{}\"\nmin_apr = -1000\nkinds = [\"carry\"]\nvenues = [\"okx\"]\nassets = {:?}\ntop = 100\n",
            receiver.url("/api/webhooks/1/x"),
            assets
        ),
    );
    let scan = || {
        let mut cmd = notify_scan(&server, dir.path(), &config);
        cmd.args(["--min-apr", "-1000"]);
        cmd
    };
    // Run 1: the chat accepts part 1 and fails everything after it (5xx past the retries).
    receiver.fail_after(Some(1));
    let out = run(scan()).await;
    assert_eq!(code(&out), 1, "the sink failed: {}", stderr(&out));
    let report = json(&out);
    // Opportunities are distinct per kind, asset and legs.
    let row_key = |o: &serde_json::Value| {
        format!(
            "{}/{} {} {}",
            o["asset"], o["quote"], o["long"]["symbol"], o["short"]["symbol"]
        )
    };
    let expected: BTreeSet<String> = report["opportunities"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|o| o["kind"] == "carry" && assets.iter().any(|a| o["asset"] == a.as_str()))
        .map(row_key)
        .collect();
    let run1 = receiver.received();
    assert!(run1.len() >= 2, "{run1:#?}");
    let part1 = parse_post("discord", &run1[0]);
    let part2 = parse_post("discord", &run1[1]);
    assert_eq!(run1[0].status, 200);
    assert!(run1[1..].iter().all(|r| r.status == 500));
    assert!(
        text(&run1[0]).contains("part 1/2") && text(&run1[1]).contains("part 2/2"),
        "the digest needs exactly two parts here: {}",
        text(&run1[0])
    );
    assert!(!part1.rows.is_empty() && !part2.rows.is_empty());
    let n = part1.rows.len() + part2.rows.len();
    assert_eq!(n, expected.len(), "every qualifying row is in the digest");

    // Run 2: the chat works again: only part 2's rows are sent.
    receiver.fail_after(None);
    let before = receiver.received().len();
    let out = run(scan()).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let run2: Vec<Received> = receiver.received()[before..].to_vec();
    assert_eq!(run2.len(), 1, "{run2:#?}");
    let resent = parse_post("discord", &run2[0]);
    assert_eq!(resent.rows, part2.rows, "exactly part 2's rows, in order");

    // Nothing was accepted twice, and everything was accepted once.
    let accepted: Vec<String> = receiver
        .accepted("/api/")
        .iter()
        .flat_map(|p| parse_post("discord", p).rows)
        .collect();
    let unique: BTreeSet<&String> = accepted.iter().collect();
    assert_eq!(unique.len(), accepted.len(), "a row was accepted twice");
    assert_eq!(accepted.len(), expected.len());

    // Run 3: nothing new.
    let before = receiver.received().len();
    let out = run(scan()).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(receiver.received().len(), before);
}

/// OKX world in which only the perps in `paying` pay funding (0.05 % per 8 h); the others pay a
/// negative rate, so their carry does not qualify.
fn okx_paying(base: &[Universe], paying: &[String]) -> Vec<Universe> {
    let mut u = base.to_vec();
    for m in &mut u[0].markets {
        m.interval_hours = 8;
        m.funding_rate = if paying.contains(&m.asset) {
            "0.0005".parse().expect("rate")
        } else {
            "-0.0005".parse().expect("rate")
        };
    }
    u
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dedup_state_stays_small_across_runs_with_changing_rows() {
    let base = universes(&[Venue::Okx]);
    let assets = carry_assets(&base, 60);
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        &format!(
            "[[notify]]\nname = \"desk\"\nkind = \"slack\"\nurl = \"{}\"\nmin_apr = 1\nkinds = [\"carry\"]\nvenues = [\"okx\"]\ntop = 5\n",
            receiver.url("/services/T/B/desk")
        ),
    );
    let mut sizes = Vec::new();
    for run_no in 0..10 {
        // A different 12 paying assets each run: the best five change, the old ones drop out.
        let paying: Vec<String> = assets
            .iter()
            .cycle()
            .skip(run_no * 6)
            .take(12)
            .cloned()
            .collect();
        let server = Server::start(mounted(&okx_paying(&base, &paying)), vec![], Duration::ZERO)
            .await
            .expect("server");
        let mut cmd = notify_scan(&server, dir.path(), &config);
        cmd.args(["--min-apr", "-1000"]);
        let out = run(cmd).await;
        assert_eq!(code(&out), 0, "run {run_no}: {}", stderr(&out));
        drop(server);
        let store = basis::store::Store::open(&dir.path().join("data")).expect("store");
        let (records, bytes) = store.notify_state_size().expect("size");
        store.close().expect("close");
        sizes.push((records, bytes));
    }
    eprintln!("notify records (count, bytes) after each run: {sizes:?}");
    let posts = receiver.received();
    assert_eq!(posts.len(), 10, "one digest per run");
    for (i, (records, bytes)) in sizes.iter().enumerate() {
        // Only what the sink was told and still qualifies (12 pay each run): nothing of the
        // earlier runs' rows piles up, and each record is a few hundred bytes.
        assert!(
            (5..=12).contains(records),
            "run {i}: {records} records ({sizes:?})"
        );
        assert!(*bytes <= records * 512, "run {i}: {bytes} bytes");
    }
    // Every run after the first announces what dropped out: the state follows the market.
    assert!(
        posts[1..]
            .iter()
            .all(|p| p.body.contains("no longer qualifies"))
    );
}
