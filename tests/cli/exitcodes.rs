//! The exit-code rule: a bad command line is 64 naming the flag, a bad config file or
//! environment 78 naming the key and the file or variable, each refused before any work; help
//! and `config show` as the README describes them.

use std::path::Path;
use std::process::Output;

use basis::model::Venue;

use crate::cli::common::{basis_demo, closed_url, code, point_at, stderr};

/// The binary with an isolated environment and every venue pointed at a closed port, so that a
/// command that got past its checks would fail loudly rather than reach the network.
fn isolated(dir: &Path) -> std::process::Command {
    // One closed port for every run, so that two `config show`s list the same URLs.
    static CLOSED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let mut cmd = basis_demo(dir);
    point_at(&mut cmd, &Venue::ALL, CLOSED.get_or_init(closed_url));
    cmd
}

fn run(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = isolated(dir);
    cmd.envs(env.iter().copied()).args(args);
    cmd.output().expect("binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whitespace-insensitive text of a help page (clap wraps long lines).
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn every_bad_flag_exits_64_naming_the_flag_before_any_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let afile = dir.path().join("afile");
    std::fs::write(&afile, "not a directory").expect("write");
    let afile = afile.display().to_string();
    // (arguments, what the message must name)
    let cases: &[(&[&str], &str)] = &[
        (&["scan", "--leverage", "abc"], "--leverage"),
        (&["scan", "--leverage", "0"], "--leverage"),
        (&["scan", "--leverage", "-2"], "--leverage"),
        (&["scan", "--hold", "0"], "--hold"),
        (&["scan", "--hold", "-1d"], "--hold"),
        (&["scan", "--hold", "5m"], "--hold"),
        (&["scan", "--venues", "foo"], "--venues"),
        (&["scan", "--venues", "okx,foo"], "--venues"),
        (&["scan", "--kinds", "foo"], "--kinds"),
        (&["scan", "--top", "abc"], "--top"),
        (&["scan", "--top", "0"], "--top"),
        (&["scan", "--top", "-1"], "--top"),
        (&["scan", "--format", "xml"], "--format"),
        (&["scan", "--min-apr", "lots"], "--min-apr"),
        (&["scan", "--min-volume", "-5"], "--min-volume"),
        (&["scan", "--max-liq-prob", "2"], "--max-liq-prob"),
        (&["scan", "--collateral", "US-DT"], "--collateral"),
        (
            &["scan", "--quote-equivalence", "USDT"],
            "--quote-equivalence",
        ),
        (&["scan", "--min-pos-share", "1.5"], "--min-pos-share"),
        (&["scan", "--min-apr-7d", "x"], "--min-apr-7d"),
        (&["scan", "--cooldown", "0s"], "--cooldown"),
        (&["scan", "--timeout", "0"], "--timeout"),
        (&["scan", "--deadline", "never"], "--deadline"),
        (&["scan", "--assets", "BTC/USDT"], "--assets"),
        (&["scan", "--version"], "--version"),
        (&["poll", "--venues", "foo"], "--venues"),
        (&["poll", "--timeout", "abc"], "--timeout"),
        (&["venues", "--format", "csv"], "--format"),
        (&["venues", "--clear-ban", "nowhere"], "--clear-ban"),
        (&["watch", "--every", "0s"], "--every"),
        (&["watch", "--every", "-5m"], "--every"),
        (&["watch", "--leverage", "0"], "--leverage"),
        (&["db", "prune", "--older-than", "7"], "--older-than"),
        (&["db", "prune"], "--older-than"),
        (&["db", "vacuum"], "vacuum"),
        (&["history"], "<ASSET>"),
        (&["history", "BTC", "--venues", "foo"], "--venues"),
        (&["history", "BTC", "--days", "abc"], "--days"),
        (&["backfill", "--days", "0"], "--days"),
        (&["backfill", "--venues", "foo"], "--venues"),
        (&["backfill", "--assets", "BTC,ETH-PERP"], "--assets"),
        (&["config", "show", "--leverage", "3"], "--leverage"),
        (&["notify", "test", "--sink"], "--sink"),
        (&["--data-dir", &afile, "db", "stats"], "--data-dir"),
        (&["--data-dir", &afile, "scan", "--offline"], "--data-dir"),
    ];
    for (args, names) in cases {
        let out = run(dir.path(), &[], args);
        let err = stderr(&out);
        assert_eq!(code(&out), 64, "basis {}: {err}", args.join(" "));
        assert!(err.contains(names), "basis {}: {err}", args.join(" "));
        assert!(!err.contains("-- -1"), "basis {}: {err}", args.join(" "));
        assert!(stdout(&out).is_empty(), "basis {}", args.join(" "));
        // Refused before any work: no store was created.
        assert!(
            !dir.path().join("data").exists(),
            "basis {}",
            args.join(" ")
        );
    }
    // Values that may be negative are taken as values, not as flags: the scan runs (and finds
    // an empty store, 69).
    let out = run(
        dir.path(),
        &[],
        &[
            "scan",
            "--offline",
            "--min-apr",
            "-1000",
            "--min-apr-7d",
            "-5",
        ],
    );
    assert_eq!(code(&out), 69, "{}", stderr(&out));
    let out = run(
        dir.path(),
        &[],
        &["--data-dir", &afile, "scan", "--offline"],
    );
    assert!(
        stderr(&out).contains("a file, not a directory"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("os error"), "{}", stderr(&out));
}

/// Environment, config file text, arguments, what the message must name.
type ConfigCase<'a> = (
    &'a [(&'a str, &'a str)],
    &'a str,
    &'a [&'a str],
    &'a [&'a str],
);

#[test]
fn bad_config_and_environment_exit_78_naming_the_key_and_where() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("basis.toml");
    let afile = dir.path().join("afile");
    std::fs::write(&afile, "x").expect("write");
    let afile = afile.display().to_string();
    let cases: &[ConfigCase<'_>] = &[
        (
            &[("BASIS_LEVERAGE", "abc")],
            "",
            &["scan"],
            &["BASIS_LEVERAGE"],
        ),
        (&[("BASIS_TOP", "0")], "", &["scan"], &["BASIS_TOP"]),
        (&[("BASIS_VENUES", "foo")], "", &["poll"], &["BASIS_VENUES"]),
        (&[("BASIS_HOLD", "-1d")], "", &["scan"], &["BASIS_HOLD"]),
        (
            &[("BASIS_TIMEOUT", "0s")],
            "",
            &["backfill"],
            &["BASIS_TIMEOUT"],
        ),
        (
            &[("BASIS_DATA_DIR", &afile)],
            "",
            &["db", "stats"],
            &["BASIS_DATA_DIR", "not a directory"],
        ),
        (
            &[("BASIS_OKX_URL", "ftp://x")],
            "",
            &["venues"],
            &["BASIS_OKX_URL"],
        ),
        (
            &[],
            "[scan]\nleverage = 0\n",
            &["scan"],
            &["scan.leverage", "basis.toml"],
        ),
        (
            &[],
            "[scan]\ntop = 0\n",
            &["scan"],
            &["scan.top", "basis.toml"],
        ),
        (
            &[],
            "[scan]\nvenues = [\"foo\"]\n",
            &["history", "BTC"],
            &["scan.venues", "basis.toml"],
        ),
        (
            &[],
            "[scan]\nlevrage = 2\n",
            &["config", "show"],
            &["levrage", "basis.toml"],
        ),
        (
            &[],
            "[store]\nretention = \"0s\"\n",
            &["db", "stats"],
            &["store.retention", "basis.toml"],
        ),
        (
            &[],
            "[collateral.ETH]\nhaircut = 2\n",
            &["scan"],
            &["collateral.ETH.haircut", "basis.toml"],
        ),
        (
            &[],
            "[[notify]]\nname = \"desk\"\nkind = \"slack\"\n",
            &["notify", "test"],
            &["notify \"desk\".url", "(empty)", "basis.toml"],
        ),
        (
            &[],
            "[[notify]]\nname = \"desk\"\nkind = \"\"\nurl = \"https://hooks.example/x\"\n",
            &["notify", "test"],
            &["notify \"desk\".kind", "(empty)"],
        ),
        (
            &[],
            "",
            &["notify", "test"],
            &["[[notify]]", "no sink is configured"],
        ),
    ];
    for (env, text, args, names) in cases {
        std::fs::write(&config, text).expect("write");
        let mut all = vec!["--config", config.to_str().expect("utf-8 path")];
        all.extend_from_slice(args);
        let out = run(dir.path(), env, &all);
        let err = stderr(&out);
        let what = format!("{env:?} {text:?} basis {}", args.join(" "));
        assert_eq!(code(&out), 78, "{what}: {err}");
        for name in *names {
            assert!(err.contains(name), "{what}: no {name} in {err}");
        }
        assert!(!err.contains("``"), "{what}: {err}");
        assert!(!dir.path().join("data").exists(), "{what}");
    }
    let out = run(
        dir.path(),
        &[],
        &["--config", "/nonexistent/basis.toml", "scan"],
    );
    assert_eq!(code(&out), 78, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/nonexistent/basis.toml"),
        "{}",
        stderr(&out)
    );

    // A sink name that is not configured is the command line's fault; the message lists them.
    std::fs::write(
        &config,
        "[[notify]]\nname = \"desk\"\nkind = \"slack\"\nurl = \"https://hooks.example/x\"\n",
    )
    .expect("write");
    let cfg = config.to_str().expect("utf-8 path");
    let out = run(
        dir.path(),
        &[],
        &["--config", cfg, "notify", "test", "--sink", "nope"],
    );
    assert_eq!(code(&out), 64, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--sink") && stderr(&out).contains("desk"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn config_show_reads_back_as_the_same_settings_and_names_sources() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("basis.toml");
    let hook = dir.path().join("hook.url");
    std::fs::write(&hook, "https://hooks.example/T000/B000/SECRETPART\n").expect("write");
    std::fs::write(
        &config,
        format!(
            "[scan]\nmin_apr = 12.5\ntop = 7\nassets = [\"btc\"]\nquote_equivalence = [\"USDT=USDC\"]\n\
             min_pos_share = 0.6\nmin_apr_7d = 4\n[store]\nretention = \"3d\"\n\
             [collateral.ETH]\nhaircut = 0.93\n[venues.okx]\nperp_taker_fee = 0.0002\n\
             [[notify]]\nname = \"desk\"\nkind = \"slack\"\nurl_file = {hook:?}\nmin_apr = 20\n\
             venues = [\"okx\"]\ntop = 3\n\
             [[notify]]\nname = \"inline\"\nkind = \"discord\"\nurl = \"https://discord.example/api/webhooks/1/INLINESECRET\"\n"
        ),
    )
    .expect("write");
    let cfg = config.to_str().expect("utf-8 path");
    let out = run(
        dir.path(),
        &[("BASIS_HOLD", "36h")],
        &["--config", cfg, "config", "show"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let first = stdout(&out);
    let line = |text: &str, key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key} in\n{text}"))
            .to_owned()
    };
    assert!(
        line(&first, "hold").starts_with("hold = \"36h\""),
        "{first}"
    );
    assert!(
        line(&first, "hold").ends_with("# env BASIS_HOLD"),
        "{first}"
    );
    assert!(line(&first, "top").ends_with("# config file"), "{first}");
    assert!(line(&first, "leverage").ends_with("# default"), "{first}");
    assert!(line(&first, "url_file").contains("hook.url"), "{first}");
    for key in [
        "assets = [\"BTC\"]",
        "quote_equivalence = [\"USDT=USDC\"]",
        "min_pos_share = 0.6",
        "min_apr_7d = 4",
        "[store]",
        "retention = \"3d\"",
        "[collateral.ETH]",
        "haircut = 0.93",
        "venues = [\"okx\"]",
        "url = \"***\"",
    ] {
        assert!(first.contains(key), "no {key} in\n{first}");
    }
    assert!(
        !first.contains("SECRETPART") && !first.contains("INLINESECRET"),
        "{first}"
    );

    // Read back (the inline secret masked, so that sink is given by file here) as the only
    // layer: the same settings.
    let again = dir.path().join("again.toml");
    let inline = dir.path().join("inline.url");
    std::fs::write(
        &inline,
        "https://discord.example/api/webhooks/1/INLINESECRET",
    )
    .expect("write");
    let text = first.replace(
        "url = \"***\"",
        &format!("url_file = {:?}", inline.display().to_string()),
    );
    std::fs::write(&again, text).expect("write");
    let out = run(
        dir.path(),
        &[],
        &["--config", again.to_str().expect("utf-8"), "config", "show"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let body = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split(" # ").next().unwrap_or("").trim_end().to_owned())
            .filter(|l| !l.starts_with("url"))
            .collect()
    };
    assert_eq!(body(&stdout(&out)), body(&first));
}

#[test]
fn help_has_global_options_apart_env_names_and_one_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let commands: &[&[&str]] = &[
        &["scan"],
        &["poll"],
        &["venues"],
        &["watch"],
        &["notify", "test"],
        &["config", "show"],
        &["db", "stats"],
        &["db", "prune"],
        &["history"],
        &["backfill"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let out = run(dir.path(), &[], &args);
        assert_eq!(code(&out), 0, "{args:?}");
        let help = stdout(&out);
        let global = help
            .split("Global options:")
            .nth(1)
            .unwrap_or_else(|| panic!("{args:?}: no global heading\n{help}"));
        for flag in ["--data-dir", "--config", "--verbose", "--quiet"] {
            assert!(global.contains(flag), "{args:?}: {flag} not global\n{help}");
        }
        assert!(!help.contains("--version"), "{args:?}\n{help}");
        assert!(!help.contains("DESIGN.md"), "{args:?}\n{help}");
    }
    let scan = flat(&stdout(&run(dir.path(), &[], &["scan", "--help"])));
    for var in [
        "BASIS_MIN_APR",
        "BASIS_HOLD",
        "BASIS_ASSETS",
        "BASIS_MIN_VOLUME",
        "BASIS_TOP",
        "BASIS_COLLATERAL",
        "BASIS_LEVERAGE",
        "BASIS_MAX_LIQ_PROB",
        "BASIS_KINDS",
        "BASIS_QUOTE_EQUIVALENCE",
        "BASIS_MIN_POS_SHARE",
        "BASIS_MIN_APR_7D",
        "BASIS_COOLDOWN",
        "BASIS_VENUES",
        "BASIS_TIMEOUT",
        "BASIS_DEADLINE",
        "BASIS_DATA_DIR",
        "BASIS_CONFIG",
    ] {
        assert!(scan.contains(&format!("[env: {var}]")), "{var}: {scan}");
    }
    // Each variable named is one the settings read: setting it to nonsense is refused naming it.
    for var in [
        "BASIS_MIN_APR",
        "BASIS_KINDS",
        "BASIS_COOLDOWN",
        "BASIS_COLLATERAL",
    ] {
        let out = run(dir.path(), &[(var, "-")], &["scan", "--offline"]);
        assert_eq!(code(&out), 78, "{var}: {}", stderr(&out));
        assert!(stderr(&out).contains(var), "{}", stderr(&out));
    }
    let watch = stdout(&run(dir.path(), &[], &["watch", "--help"]));
    assert_eq!(watch.matches("[default: 5m]").count(), 1, "{watch}");
    let out = run(dir.path(), &[], &["--version"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).starts_with("basis "), "{}", stdout(&out));
}

/// A listener whose accept queue is full: the kernel drops further SYNs, so a connection attempt
/// hangs until the client's connect timeout (the connections filling the queue are returned to
/// be kept open).
fn unanswering_listener() -> (tokio::net::TcpListener, Vec<std::net::TcpStream>, String) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let listener = socket.listen(1).expect("listen");
    let addr = listener.local_addr().expect("addr");
    let mut held = Vec::new();
    for _ in 0..16 {
        match std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(300)) {
            Ok(stream) => held.push(stream),
            Err(_) => break,
        }
    }
    (listener, held, format!("http://{addr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_timeout_is_reported_as_a_connect_failure_not_a_slow_response() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_listener, _held, url) = unanswering_listener();
    let config = dir.path().join("basis.toml");
    std::fs::write(
        &config,
        "[http]\nconnect_timeout = \"1s\"\ntimeout = \"30s\"\nretries = 0\n",
    )
    .expect("write");
    let mut cmd = isolated(dir.path());
    point_at(&mut cmd, &[Venue::Okx], &url);
    cmd.arg("--config")
        .arg(&config)
        .args(["scan", "--venues", "okx", "--format", "json"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("runs"))
        .await
        .expect("join");
    assert_eq!(code(&out), 69, "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let error = report["venues"][0]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("cannot connect") && error.contains("connect_timeout"),
        "{error}"
    );
    assert!(
        !error.contains("--timeout") && !error.contains("30s"),
        "{error}"
    );
}

#[test]
fn an_output_that_cannot_be_written_exits_74() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // no /dev/full on this system
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = isolated(dir.path());
    cmd.args(["config", "show"]).stdout(full);
    let out = cmd.output().expect("runs");
    assert_eq!(code(&out), 74, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot write to stdout"),
        "{}",
        stderr(&out)
    );
}
