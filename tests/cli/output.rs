//! Output a user can trust: hostile venue names in tables, CSV and JSON, and `history --plot` charts and their failures.

use std::path::Path;
use std::time::Duration;

use basis::demo::server::{Fault, FaultRule, Server, history_responders, mounted};
use basis::model::Venue;
use basis::report::chart::{PRICE_COLOUR, venue_colour};

use super::common::*;

/// A venue-chosen name with everything that could hurt: a formula, an escape sequence that
/// clears the screen, CR/LF, a right-to-left override, and 5,000 characters.
fn hostile() -> String {
    format!(
        "=HYPERLINK(\"http://evil\",\"x\")\u{1b}[2J\u{1b}[31m\r\nFAKE|ROW\u{202e}{}",
        "A".repeat(5_000)
    )
}

/// One Binance universe whose market `index` has `asset` as its coin; served with history.
async fn binance_with_asset(asset: &str) -> (Server, basis::demo::Universe) {
    let mut u = universes(&[Venue::Binance]);
    let m = u[0]
        .markets
        .iter_mut()
        .find(|m| m.has_perp && m.has_spot && m.funding_rate > rust_decimal::Decimal::ZERO)
        .expect("a market with a carry row");
    m.asset = asset.to_owned();
    let server = Server::start_dynamic(mounted(&u), history_responders(&u), vec![], Duration::ZERO)
        .await
        .expect("server");
    (server, u.remove(0))
}

async fn scan(server: &Server, dir: &Path, format: &str) -> String {
    let mut cmd = basis(server, dir);
    cmd.args([
        "scan",
        "--venues",
        "binance",
        "--min-apr",
        "-1000",
        "--top",
        "1000",
        "--format",
        format,
    ]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    String::from_utf8(out.stdout).expect("utf8")
}

fn lines(text: &str) -> Vec<&str> {
    text.split('\n').collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_venue_name_changes_no_other_table_line_and_no_csv_cell_is_a_formula() {
    let bad = hostile();
    // The same universe with a benign name as long: what any long name does to the table.
    let benign = "B".repeat(5_000);
    let (bad_server, _) = binance_with_asset(&bad).await;
    let (good_server, _) = binance_with_asset(&benign).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (bad_dir, good_dir) = (dir.path().join("bad"), dir.path().join("good"));

    let bad_table = scan(&bad_server, &bad_dir, "table").await;
    let good_table = scan(&good_server, &good_dir, "table").await;
    let (b, g) = (lines(&bad_table), lines(&good_table));
    assert_eq!(b.len(), g.len(), "a line was added or split:\n{bad_table}");
    let differ: Vec<usize> = (0..b.len())
        .filter(|&i| b[i] != g[i] && !b[i].contains(" ms") && !b[i].starts_with("basis scan"))
        .collect();
    assert!(
        !differ.is_empty(),
        "the hostile rows are not shown:\n{bad_table}"
    );
    for &i in &differ {
        assert_eq!(b[i].chars().count(), g[i].chars().count(), "{}", b[i]);
        assert!(
            b[i].contains("=HYPERLINK") && b[i].contains('…'),
            "{}",
            b[i]
        );
    }
    for l in &b {
        assert!(
            !l.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "raw control or bidi character in {l:?}"
        );
        assert!(l.chars().count() <= 120, "{l}");
    }

    let csv = scan(&bad_server, &bad_dir, "csv").await;
    let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(
        csv.lines().count(),
        scan(&good_server, &good_dir, "csv").await.lines().count()
    );
    let col = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let mut hostile_rows = 0;
    for row in &rows {
        let cells = split_csv(row);
        assert_eq!(cells.len(), header.len(), "{row}");
        for name in [
            "asset",
            "quote",
            "long_symbol",
            "short_symbol",
            "kind",
            "long_venue",
        ] {
            let cell = &cells[col(name)];
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{name} cell {cell:?} would be evaluated"
            );
        }
        // Numbers stay numbers: a negative rate is written as it is.
        for name in [
            "funding_rate",
            "net_apr_pct",
            "liq_prob",
            "long_price",
            "basis_pct",
        ] {
            let cell = &cells[col(name)];
            assert!(
                cell.parse::<f64>().is_ok(),
                "{name} cell {cell:?} is not a number"
            );
        }
        if cells[col("asset")].starts_with("'=HYPERLINK") {
            hostile_rows += 1;
            assert!(!cells[col("asset")].chars().any(char::is_control));
        }
    }
    assert!(hostile_rows > 0, "no hostile row in\n{csv}");
    assert!(
        rows.iter()
            .any(|r| split_csv(r)[col("basis_pct")].starts_with('-')
                || split_csv(r)[col("funding_rate")].starts_with('-')),
        "no negative number to check"
    );

    // JSON stays exact.
    let json_text = scan(&bad_server, &bad_dir, "json").await;
    let report: serde_json::Value = serde_json::from_str(&json_text).expect("json");
    let assets: Vec<&str> = report["opportunities"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|o| o["asset"].as_str())
        .collect();
    assert!(assets.contains(&bad.as_str()), "JSON lost the exact name");
}

/// Splits one CSV record (RFC 4180 quoting, no embedded newlines expected).
fn split_csv(row: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, row.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_venue_message_with_control_characters_is_shown_escaped_on_one_line() {
    let body = format!(
        "\u{1b}[2Jboom\r\nFAKE STATUS LINE\u{202e}{}",
        "z".repeat(5_000)
    );
    let (server, _) = server(
        &[Venue::Binance, Venue::Okx],
        vec![FaultRule {
            prefix: "/okx/".into(),
            fault: Fault::Status {
                status: 400,
                retry_after: None,
                body,
            },
            times: None,
        }],
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = basis(&server, dir.path());
    cmd.args(["scan", "--venues", "binance,okx", "--min-apr", "-1000"]);
    let out = run(cmd).await;
    let text = String::from_utf8(out.stdout).expect("utf8");
    let okx: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("okx "))
        .collect();
    assert_eq!(okx.len(), 1, "{text}");
    assert!(okx[0].contains("\\u{1b}[2Jboom"), "{}", okx[0]);
    assert!(
        !text.contains("FAKE STATUS LINE\n") && !text.contains('\u{1b}'),
        "{text}"
    );
    assert!(!text.chars().any(|c| c == '\r' || c == '\u{202e}'));
    assert!(okx[0].chars().count() < 500, "message not capped");
}

/// A store with 30 days of BTC funding on every venue, backfilled from a loopback server.
async fn eleven_venue_store(dir: &Path) -> Server {
    let u = universes(&Venue::ALL);
    let server = Server::start_dynamic(mounted(&u), history_responders(&u), vec![], Duration::ZERO)
        .await
        .expect("server");
    let mut cmd = basis(&server, dir);
    cmd.args(["backfill", "--days", "30", "--assets", "BTC"]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    server
}

/// RGB pixels of a PNG file.
fn png_pixels(path: &Path) -> Vec<[u8; 3]> {
    let decoder = png::Decoder::new(std::fs::File::open(path).expect("png file"));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png frame");
    assert_eq!(info.color_type, png::ColorType::Rgb, "RGB expected");
    buf[..info.buffer_size()]
        .chunks(3)
        .map(|p| [p[0], p[1], p[2]])
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_eleven_venue_chart_draws_each_venue_in_its_own_colour_and_the_price() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = eleven_venue_store(dir.path()).await;
    let path = dir.path().join("btc.png");
    let mut cmd = basis(&server, dir.path());
    cmd.args(["history", "BTC", "--plot"]).arg(&path);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let charted = format!("chart with {} funding series", Venue::ALL.len());
    assert!(text.contains(&charted), "{text}");
    std::fs::copy(&path, std::env::temp_dir().join("basis-test-eleven.png")).ok();
    let pixels = png_pixels(&path);
    let count =
        |c: plotters::style::RGBColor| pixels.iter().filter(|p| **p == [c.0, c.1, c.2]).count();
    let mut colours = Vec::new();
    for v in Venue::ALL {
        let c = venue_colour(v);
        assert!(count(c) > 300, "{v}'s colour {c:?}: {} pixels", count(c));
        assert!(!colours.contains(&c), "{v} shares a colour");
        colours.push(c);
    }
    assert!(count(PRICE_COLOUR) > 1_000, "no price line");
    let white = count(plotters::style::RGBColor(255, 255, 255));
    assert!(white < pixels.len() * 95 / 100, "almost blank");
    // No temporary file left beside it.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".basis-chart"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // --venues selects; --raw draws each settlement.
    let svg = dir.path().join("two.svg");
    let mut cmd = basis(&server, dir.path());
    cmd.args([
        "history",
        "BTC",
        "--venues",
        "hyperliquid,binance",
        "--raw",
        "--plot",
    ])
    .arg(&svg);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let svg = std::fs::read_to_string(&svg).expect("svg");
    assert!(svg.contains("each settlement as paid") && svg.contains("hyperliquid"));
    assert!(!svg.contains("okx"), "a venue not asked for is drawn");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plot_failures_exit_by_the_rule_and_leave_no_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = eleven_venue_store(dir.path()).await;
    let history = |plot: &Path, asset: &str| {
        let mut cmd = basis(&server, dir.path());
        cmd.args(["history", asset, "--venues", "binance,okx", "--plot"])
            .arg(plot);
        cmd
    };
    let charts = |d: &Path| {
        std::fs::read_dir(d)
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".png") || n.ends_with(".jpg") || n.contains("basis-chart"))
            .collect::<Vec<_>>()
    };

    // A format it cannot write: refused before any output, as a usage error.
    let out = run(history(&dir.path().join("btc.jpg"), "BTC")).await;
    assert_eq!(code(&out), 64, "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "output before the refusal");
    assert!(stderr(&out).contains("--plot") && stderr(&out).contains(".png"));

    // A directory that does not exist: 74 naming the file, before the table, no debug dump.
    let out = run(history(Path::new("/nonexistent/x.png"), "BTC")).await;
    assert_eq!(code(&out), 74, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("/nonexistent/x.png") && !err.contains("Os {"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    // Nothing recorded for the coin: 1 with the commands that give it data, no file, and an
    // older chart of that name is left as it was.
    let old = dir.path().join("nope.png");
    std::fs::write(&old, b"old chart").expect("write");
    let out = run(history(&old, "NOPE")).await;
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("basis backfill") && err.contains("basis poll"),
        "{err}"
    );
    assert_eq!(std::fs::read(&old).expect("old chart"), b"old chart");
    std::fs::remove_file(&old).expect("remove");
    let out = run(history(&dir.path().join("nope.png"), "NOPE")).await;
    assert_eq!(code(&out), 1);
    assert!(charts(dir.path()).is_empty(), "{:?}", charts(dir.path()));
}
