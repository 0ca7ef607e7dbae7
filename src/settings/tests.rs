//! Settings tests: layering, validation, `config show` round trips.

use super::*;
use crate::model::Kind;
use std::collections::HashMap;

struct MapEnv(HashMap<&'static str, &'static str>);
impl Env for MapEnv {
    fn var(&self, key: &str) -> Option<String> {
        self.0.get(key).map(|v| (*v).to_owned())
    }
}

/// The message `build` refuses the scan flags `s` with.
fn refusal(g: &Globals, s: &ScanArgs, env: &dyn Env) -> String {
    build(g, &s.poll, Some(s), env)
        .expect_err("refused")
        .to_string()
}

fn scan_args() -> ScanArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        s: ScanArgs,
    }
    T::parse_from(["t"]).s
}

fn with_config(text: &str) -> (tempfile::TempDir, Globals) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).expect("write");
    let g = Globals {
        data_dir: Some(dir.path().join("data")),
        config: Some(path),
        quiet: false,
    };
    (dir, g)
}

#[test]
fn layers_defaults_file_env_flags() {
    let (_d, g) = with_config(
        "[scan]\nmin_apr = 12\nleverage = 3\nhold = \"3d\"\n[venues.okx]\nperp_taker_fee = 0.0002\nurls = { main = \"http://127.0.0.1:9/okx/\" }\n",
    );
    let mut s = scan_args();
    let env = MapEnv(HashMap::from([
        ("BASIS_LEVERAGE", "4"),
        ("BASIS_BYBIT_URL", "http://127.0.0.1:8/by"),
    ]));
    let st = build(&g, &s.poll, Some(&s), &env).expect("settings");
    assert_eq!(st.params.min_apr_pct, Some(Decimal::from(12)));
    assert_eq!(st.params.leverage, Decimal::from(4));
    assert_eq!(st.params.hold_days, Decimal::from(3));
    assert_eq!(
        st.params.costs[&Venue::Okx].perp_taker_fee,
        Decimal::new(2, 4)
    );
    assert_eq!(
        st.venue_settings[&Venue::Okx].urls["main"],
        "http://127.0.0.1:9/okx"
    );
    assert_eq!(
        st.venue_settings[&Venue::Bybit].urls["main"],
        "http://127.0.0.1:8/by"
    );
    s.leverage = Some("5".into());
    let st = build(&g, &s.poll, Some(&s), &env).expect("settings");
    assert_eq!(st.params.leverage, Decimal::from(5));
}

#[test]
fn kinds_and_quote_equivalence() {
    let (_d, g) = with_config("[scan]\nkinds = [\"carry\", \"perp_spread\"]\n");
    let mut s = scan_args();
    let none = MapEnv(HashMap::new());
    let st = build(&g, &s.poll, Some(&s), &none).expect("settings");
    assert_eq!(st.params.kinds, vec![Kind::Carry, Kind::PerpSpread]);
    s.kinds = vec!["cross_carry".into()];
    s.quote_equivalence = vec!["usdt=USDC".into()];
    let st = build(&g, &s.poll, Some(&s), &none).expect("settings");
    assert_eq!(st.params.kinds, vec![Kind::CrossCarry]);
    assert_eq!(
        st.params.quote_equivalence,
        vec![("USDT".to_owned(), "USDC".to_owned())]
    );
    s.kinds = vec!["arbitrage".into()];
    let msg = refusal(&g, &s, &none);
    assert!(
        msg.contains("--kinds") && msg.contains("arbitrage"),
        "{msg}"
    );
    s.kinds = vec![];
    s.quote_equivalence = vec!["USDT".into()];
    let msg = refusal(&g, &s, &none);
    assert!(msg.contains("--quote-equivalence"), "{msg}");
}

#[test]
fn bad_values_name_key_and_file() {
    /// Environment variables: (name, value).
    type Vars = &'static [(&'static str, &'static str)];
    // (config file, environment, what the error names).
    let cases: [(&str, Vars, &[&str]); 4] = [
        (
            "[scan]\nleverage = 0\n",
            &[],
            &["scan.leverage", "config.toml"],
        ),
        (
            "[scan]\nmin_apr = \"lots\"\n",
            &[],
            &["min_apr", "config.toml"],
        ),
        (
            "[venues.kraken2]\nenabled = true\n",
            &[],
            &["venues.kraken2"],
        ),
        ("", &[("BASIS_OKX_URL", "ftp://x")], &["BASIS_OKX_URL"]),
    ];
    let s = scan_args();
    for (config, vars, named) in cases {
        let (_d, g) = with_config(config);
        let env = MapEnv(vars.iter().copied().collect());
        let msg = refusal(&g, &s, &env);
        for name in named {
            assert!(msg.contains(name), "{config:?} names {name}: {msg}");
        }
    }
}

#[test]
fn sink_top_defaults_to_ten_and_must_be_positive() {
    let sink = |extra: &str| {
        format!(
            "[[notify]]\nname = \"desk\"\nkind = \"slack\"\nurl = \"https://hooks.example/x\"\n{extra}"
        )
    };
    let s = scan_args();
    let none = MapEnv(HashMap::new());
    let (_d, g) = with_config(&sink(""));
    let st = build(&g, &s.poll, Some(&s), &none).expect("settings");
    assert_eq!(st.sinks[0].top, 10);
    assert!(show(&st).contains("top = 10"));
    let (_d, g) = with_config(&sink("top = 3\n"));
    let st = build(&g, &s.poll, Some(&s), &none).expect("settings");
    assert_eq!(st.sinks[0].top, 3);
    for bad in ["top = 0\n", "top = -2\n"] {
        let (_d, g) = with_config(&sink(bad));
        let msg = refusal(&g, &s, &none);
        assert!(
            msg.contains("notify \"desk\".top") && msg.contains("at least 1"),
            "{msg}"
        );
    }
}

/// Every config key set, secrets in files, under a `--hold` flag and two environment values:
/// the temp dirs (kept alive), the globals and the settings built from all three layers.
fn every_layer() -> ([tempfile::TempDir; 2], Globals, Settings) {
    let dir = tempfile::tempdir().expect("tempdir");
    let hook = dir.path().join("hook.url");
    std::fs::write(&hook, "https://hooks.example/T0/B0/x\n").expect("write");
    let whsec = dir.path().join("whsec");
    std::fs::write(&whsec, "whsec_c2VjcmV0LWtleS0wMTIzNDU2Nzg5\n").expect("write");
    let token = dir.path().join("token");
    std::fs::write(&token, "123:ABC\n").expect("write");
    let (config_dir, g) = with_config(&format!(
        r#"[scan]
min_apr = 12.5
hold = "36h"
leverage = 3
collateral = "eth"
max_liq_prob = 0.02
correlation = 0.7
min_volume = 1000000
top = 5
venues = ["okx", "bybit"]
assets = ["btc", "eth"]
kinds = ["carry", "perp_spread"]
quote_equivalence = ["usdt=USDC"]
min_pos_share = 0.6
min_apr_7d = -3
[http]
timeout = "7s"
connect_timeout = "3s"
retries = 4
deadline = "1m"
max_body_mb = 8
[store]
retention = "3d"
history_retention = "400d"
bars_retention = "30d"
reference_ttl = "2h"
[venues.okx]
enabled = false
perp_taker_fee = 0.0002
urls = {{ main = "http://127.0.0.1:9/okx" }}
[collateral.ETH]
haircut = 0.93
[[notify]]
name = "desk"
kind = "generic"
url_file = {hook:?}
secret_file = {whsec:?}
min_apr = 15
kinds = ["carry"]
venues = ["okx"]
assets = ["btc"]
top = 3
[[notify]]
name = "phone"
kind = "telegram"
token_file = {token:?}
chat = -100123
"#
    ));
    let mut flags = scan_args();
    flags.hold = Some("2d".into());
    let env = MapEnv(HashMap::from([
        ("BASIS_LEVERAGE", "4"),
        ("BASIS_BYBIT_URL", "http://127.0.0.1:8/by"),
    ]));
    let first = build(&g, &flags.poll, Some(&flags), &env).expect("settings");
    ([dir, config_dir], g, first)
}

#[test]
fn config_show_names_each_values_source_and_hides_secrets() {
    let (_dirs, _g, first) = every_layer();
    let text = show(&first);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no `{key}` in\n{text}"))
            .to_owned()
    };
    assert!(line("hold").ends_with("# flag --hold"), "{text}");
    assert!(line("leverage").ends_with("# env BASIS_LEVERAGE"), "{text}");
    assert!(line("min_apr").ends_with("# config file"), "{text}");
    assert!(line("top").starts_with("top = 5 "), "{text}");
    assert!(line("main").contains("http://127.0.0.1:8/by"), "{text}");
    assert!(line("url_file").contains("hook.url"), "{text}");
    for secret in ["hooks.example", "c2VjcmV0", "123:ABC"] {
        assert!(!text.contains(secret), "secret {secret} shown:\n{text}");
    }
    for key in [
        "[store]",
        "min_pos_share = 0.6",
        "min_apr_7d = -3",
        "quote_equivalence = [\"USDT=USDC\"]",
        "assets = [\"BTC\", \"ETH\"]",
        "[collateral.ETH]",
        "haircut = 0.93",
        "history_retention = \"400d\"",
        "hold = \"2d\"",
        "chat = \"-100123\"",
    ] {
        assert!(text.contains(key), "no {key} in\n{text}");
    }
    assert_eq!(first.params.hold_days, Decimal::from(2));
    assert_eq!(first.params.leverage, Decimal::from(4));
}

#[test]
fn config_show_reads_back_as_the_same_settings() {
    let (dirs, g, first) = every_layer();
    let text = show(&first);
    // Read back as the only layer, it gives the same settings.
    let again = dirs[0].path().join("again.toml");
    std::fs::write(&again, &text).expect("write");
    let g2 = Globals {
        config: Some(again),
        ..g.clone()
    };
    let none = MapEnv(HashMap::new());
    let args = scan_args();
    let second = build(&g2, &args.poll, Some(&args), &none).expect("settings read back");
    let body = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split(" # ").next().unwrap_or("").trim_end().to_owned())
            .collect()
    };
    assert_eq!(body(&show(&second)), body(&text));
    assert_eq!(
        format!("{:?}", second.params),
        format!("{:?}", first.params)
    );
    assert_eq!(format!("{:?}", second.http), format!("{:?}", first.http));
    assert_eq!(
        format!("{:?}", second.retention),
        format!("{:?}", first.retention)
    );
    assert_eq!(
        format!("{:?}", second.history_filters),
        format!("{:?}", first.history_filters)
    );
    assert_eq!(format!("{:?}", second.sinks), format!("{:?}", first.sinks));
    assert_eq!(second.secret_files, first.secret_files);
    assert_eq!(
        (second.top, second.deadline, second.reference_ttl),
        (first.top, first.deadline, first.reference_ttl)
    );
    assert_eq!(second.venues, first.venues);
    for (a, b) in second.sinks.iter().zip(&first.sinks) {
        assert_eq!(a.destination_fingerprint(), b.destination_fingerprint());
        assert_eq!(a.secret, b.secret);
    }
    for (venue, vs) in &first.venue_settings {
        let other = &second.venue_settings[venue];
        assert_eq!(other.enabled, vs.enabled, "{venue}");
        assert_eq!(other.urls, vs.urls, "{venue}");
    }
}

#[test]
fn a_data_dir_that_is_a_file_is_refused_naming_where_it_came_from() {
    let (d, mut g) = with_config("");
    let file = d.path().join("afile");
    std::fs::write(&file, "x").expect("write");
    g.data_dir = Some(file.clone());
    let s = scan_args();
    let err = build(&g, &s.poll, Some(&s), &MapEnv(HashMap::new())).expect_err("a file");
    assert!(err.is_usage(), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("--data-dir") && msg.contains("not a directory"),
        "{msg}"
    );
    g.data_dir = None;
    let path = file.display().to_string();
    let env = MapEnv(HashMap::from([("BASIS_DATA_DIR", path.leak() as &str)]));
    let err = build(&g, &s.poll, Some(&s), &env).expect_err("a file");
    assert!(!err.is_usage(), "{err}");
    assert!(err.to_string().contains("BASIS_DATA_DIR"), "{err}");
}
