//! `basis config show`: the settings in effect as a config file, each key with its source.

use super::*;

/// A decimal as a TOML value: a number when a float reads it back exactly, else a string (the
/// config file takes both).
fn toml_dec(d: Decimal) -> String {
    let text = d.normalize().to_string();
    let exact = text
        .parse::<f64>()
        .ok()
        .and_then(|f| crate::parse::decimal(&f.to_string()))
        == Some(d);
    if exact { text } else { toml_str(&text) }
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// A TOML array of strings.
fn toml_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<String> = items.into_iter().map(|s| toml_str(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// A duration in the largest unit that holds it whole: `7d`, `36h`, `90s`, `1500ms`.
fn duration_text(d: Duration) -> String {
    let ms = d.as_millis();
    if Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX)) != d {
        return humantime::format_duration(d).to_string();
    }
    [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
    ]
    .into_iter()
    .find(|(unit, _)| ms > 0 && ms.is_multiple_of(*unit))
    .map_or_else(
        || format!("{ms}ms"),
        |(unit, name)| format!("{}{name}", ms / unit),
    )
}

/// A duration as a TOML string humantime reads back.
fn toml_duration(d: Duration) -> String {
    toml_str(&duration_text(d))
}

/// `basis config show`'s lines: `key = value` with its source in a comment, aligned.
struct Lines<'a> {
    out: String,
    sources: &'a BTreeMap<String, Source>,
}

impl Lines<'_> {
    fn raw(&mut self, line: &str) {
        self.out.push_str(line);
        self.out.push('\n');
    }

    /// `key = value  # source`, the source looked up under `full` (`scan.hold`).
    fn set(&mut self, key: &str, value: &str, full: &str) {
        let source = self.sources.get(full).cloned().unwrap_or(Source::Default);
        self.comment_after(&format!("{key} = {value}"), &source.to_string());
    }

    fn comment_after(&mut self, line: &str, comment: &str) {
        let line = format!("{line:<44} # {comment}");
        self.raw(&line);
    }
}

/// The settings in effect as a config file (`basis config show`): every key with its value and,
/// in a comment, where it came from (flag, env, config file, default); settings without a config
/// key and those taken from the venues' own data as comments; secrets masked, `*_file` as
/// given. Read back as a config file it gives the same settings (inline secrets aside, masked).
#[must_use]
pub fn show(s: &Settings) -> String {
    let mut l = Lines {
        out: String::new(),
        sources: &s.sources,
    };
    header(&mut l, s);
    scan(&mut l, s);
    http_and_store(&mut l, s);
    collateral(&mut l, s);
    venues(&mut l, s);
    sinks(&mut l, s);
    l.out
}

/// The comments on top: what the file is, and the settings that have no config key.
fn header(l: &mut Lines<'_>, s: &Settings) {
    let src = |key: &str| {
        s.sources
            .get(key)
            .cloned()
            .unwrap_or(Source::Default)
            .to_string()
    };
    l.raw("# basis settings in effect: flag > environment > config file > venue data > default.");
    l.raw("# After each value, where it came from. This is a config file: read back with");
    l.raw("# --config, it gives these settings (masked secrets \"***\" aside).");
    l.raw(&format!(
        "# config file: {} ({})",
        s.config_path
            .as_ref()
            .map_or_else(|| "none".to_owned(), |c| c.display().to_string()),
        src("config")
    ));
    l.raw(&format!(
        "# data dir: {} ({}; set by --data-dir or BASIS_DATA_DIR)",
        s.data_dir.display(),
        src("data_dir")
    ));
    l.raw(&format!(
        "# notification cooldown: {} ({}; set by --cooldown or BASIS_COOLDOWN)",
        duration_text(s.notify.cooldown),
        src("cooldown")
    ));
    l.raw(&format!(
        "# Telegram API: {} ({}; set by BASIS_TELEGRAM_URL)",
        s.notify.telegram_url,
        src("telegram_url")
    ));
}

/// `[scan]`.
fn scan(l: &mut Lines<'_>, s: &Settings) {
    let p = &s.params;
    l.raw("\n[scan]");
    let min_apr = p.min_apr_pct.unwrap_or(Decimal::TEN);
    l.set("min_apr", &toml_dec(min_apr), "scan.min_apr");
    let hold_ms = (p.hold_days * Decimal::from(86_400_000))
        .round()
        .to_string()
        .parse::<u64>()
        .unwrap_or(7 * 86_400_000);
    l.set(
        "hold",
        &toml_duration(Duration::from_millis(hold_ms)),
        "scan.hold",
    );
    l.set("leverage", &toml_dec(p.leverage), "scan.leverage");
    l.set("collateral", &toml_str(&p.collateral), "scan.collateral");
    l.set(
        "max_liq_prob",
        &p.max_liq_prob.to_string(),
        "scan.max_liq_prob",
    );
    l.set(
        "correlation",
        &p.correlation.to_string(),
        "scan.correlation",
    );
    l.set("min_volume", &toml_dec(p.min_volume_usd), "scan.min_volume");
    match s.top {
        Some(top) => l.set("top", &top.to_string(), "scan.top"),
        None => l.raw("# top: not set: 30 rows in the table, every row in JSON and CSV (default)"),
    }
    l.set(
        "venues",
        &toml_list(s.venues.iter().map(|v| v.id())),
        "scan.venues",
    );
    l.set("assets", &toml_list(&p.assets), "scan.assets");
    l.set(
        "kinds",
        &toml_list(p.kinds.iter().map(|k| k.id())),
        "scan.kinds",
    );
    l.set(
        "quote_equivalence",
        &toml_list(p.quote_equivalence.iter().map(|(a, b)| format!("{a}={b}"))),
        "scan.quote_equivalence",
    );
    let hf = &s.history_filters;
    match hf.min_pos_share {
        Some(v) => l.set("min_pos_share", &v.to_string(), "scan.min_pos_share"),
        None => l.raw("# min_pos_share: not set (default)"),
    }
    match hf.min_apr_7d_pct {
        Some(v) => l.set("min_apr_7d", &toml_dec(v), "scan.min_apr_7d"),
        None => l.raw("# min_apr_7d: not set (default)"),
    }
}

/// `[http]` and `[store]`.
fn http_and_store(l: &mut Lines<'_>, s: &Settings) {
    l.raw("\n[http]");
    l.set(
        "timeout",
        &toml_duration(s.http.request_timeout),
        "http.timeout",
    );
    l.set(
        "connect_timeout",
        &toml_duration(s.http.connect_timeout),
        "http.connect_timeout",
    );
    l.set("retries", &s.http.retries.to_string(), "http.retries");
    l.set("deadline", &toml_duration(s.deadline), "http.deadline");
    l.set(
        "max_body_mb",
        &(s.http.max_body / crate::venue::http::MIB).to_string(),
        "http.max_body_mb",
    );

    l.raw("\n[store]");
    for (key, d) in [
        ("retention", s.retention.quotes),
        ("history_retention", s.retention.history),
        ("bars_retention", s.retention.bars),
        ("reference_ttl", s.reference_ttl),
    ] {
        l.set(key, &toml_duration(d), &format!("store.{key}"));
    }
}

/// `[collateral.COIN]` tables, after a comment on the haircuts not configured.
fn collateral(l: &mut Lines<'_>, s: &Settings) {
    let p = &s.params;
    l.raw("\n# [collateral.COIN] haircut: the value ratio k of a collateral coin. A coin not");
    l.raw("# listed takes each venue's published collateral table (venue data), else 1 for");
    l.raw("# stablecoins, 0.95 for BTC and ETH, 0.9 for any other coin (default).");
    for (coin, k) in &p.haircuts {
        l.raw(&format!("[collateral.{coin}]"));
        l.set(
            "haircut",
            &toml_dec(*k),
            &format!("collateral.{coin}.haircut"),
        );
    }
}

/// One `[venues.<id>]` table with its `urls` per venue.
fn venues(l: &mut Lines<'_>, s: &Settings) {
    let p = &s.params;
    for (venue, vs) in &s.venue_settings {
        let c = p.costs_for(*venue);
        let prefix = format!("venues.{}", venue.id());
        l.raw(&format!("\n[{prefix}]"));
        l.set(
            "enabled",
            &vs.enabled.to_string(),
            &format!("{prefix}.enabled"),
        );
        for (key, v) in [
            ("spot_taker_fee", c.spot_taker_fee),
            ("perp_taker_fee", c.perp_taker_fee),
            ("maintenance_margin", c.maintenance_margin),
            ("liquidation_fee", c.liquidation_fee),
        ] {
            // Unset, the maintenance rate a venue publishes with its contracts wins over the
            // default: writing the default as a key would change that when read back.
            if key == "maintenance_margin" && !p.maintenance_configured.contains(venue) {
                l.raw(&format!(
                    "# maintenance_margin = {}  # default; the venue's published rate where it has one",
                    toml_dec(v)
                ));
                continue;
            }
            l.set(key, &toml_dec(v), &format!("{prefix}.{key}"));
        }
        l.raw(&format!("[{prefix}.urls]"));
        let mut urls: Vec<_> = vs.urls.iter().collect();
        urls.sort();
        for (host, url) in urls {
            l.set(host, &toml_str(url), &format!("{prefix}.urls.{host}"));
        }
    }
}

/// One `[[notify]]` table per sink, secrets masked or as their `*_file`.
fn sinks(l: &mut Lines<'_>, s: &Settings) {
    for (i, sink) in s.sinks.iter().enumerate() {
        let at = |key: &str| format!("notify.{}.{key}", sink.name);
        l.raw("\n[[notify]]");
        l.set("name", &toml_str(&sink.name), &at("name"));
        l.set("kind", &toml_str(sink.kind.id()), &at("kind"));
        let files = s.secret_files.get(i);
        for (key, value) in [
            ("url", &sink.url),
            ("token", &sink.token),
            ("secret", &sink.secret),
        ] {
            match (files.and_then(|f| f.get(key)), value) {
                (Some(path), _) => l.comment_after(
                    &format!("{key}_file = {}", toml_str(&path.display().to_string())),
                    "config file (the secret is read from this file)",
                ),
                (None, Some(_)) => {
                    l.comment_after(&format!("{key} = \"***\""), "config file (secret, masked)");
                }
                (None, None) => {}
            }
        }
        if let Some(chat) = &sink.chat {
            l.set("chat", &toml_str(chat), &at("chat"));
        }
        match sink.min_apr_pct {
            Some(m) => l.set("min_apr", &toml_dec(m), &at("min_apr")),
            None => l.raw("# min_apr: not set: every row the scan keeps (default)"),
        }
        l.set(
            "kinds",
            &toml_list(sink.kinds.iter().map(|k| k.id())),
            &at("kinds"),
        );
        l.set(
            "venues",
            &toml_list(sink.venues.iter().map(|v| v.id())),
            &at("venues"),
        );
        l.set("assets", &toml_list(&sink.assets), &at("assets"));
        l.set("top", &sink.top.to_string(), &at("top"));
    }
}
