//! The `[[notify]]` sinks (secrets inline or from `*_file`) and the notification options.

use super::file::NotifyFileConfig;
use super::*;

/// Reads a secret given inline or as a `*_file` path (trimmed); never echoes its value.
fn secret_value(
    fo: &Origin<'_>,
    key: &str,
    inline: Option<&String>,
    file: Option<&PathBuf>,
) -> Result<Option<Secret>, SettingsError> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(invalid(
            fo,
            key,
            "(hidden)",
            "give the value or the _file, not both",
        )),
        (Some(v), None) => Ok(Some(Secret::new(v.trim().to_owned()))),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                invalid(
                    fo,
                    &format!("{key}_file"),
                    &path.display().to_string(),
                    &format!("cannot read it: {e}"),
                )
            })?;
            Ok(Some(Secret::new(text.trim().to_owned())))
        }
        (None, None) => Ok(None),
    }
}

/// The `[[notify]]` sinks, and per sink the `*_file` each secret came from.
type ParsedSinks = (Vec<Sink>, Vec<BTreeMap<&'static str, PathBuf>>);

pub(super) fn parse_sinks(
    tables: &[toml::Table],
    fo: &Origin<'_>,
    sources: &mut BTreeMap<String, Source>,
) -> Result<ParsedSinks, SettingsError> {
    let mut sinks: Vec<Sink> = Vec::new();
    let mut secret_files = Vec::new();
    for (i, table) in tables.iter().enumerate() {
        let (sink, files) = parse_sink(i, table, fo, &sinks, sources)?;
        sinks.push(sink);
        secret_files.push(files);
    }
    Ok((sinks, secret_files))
}

/// The `i`-th `[[notify]]` table (`taken`: the sinks before it, whose names it may not reuse),
/// and the `*_file` each of its secrets came from.
fn parse_sink(
    i: usize,
    table: &toml::Table,
    fo: &Origin<'_>,
    taken: &[Sink],
    sources: &mut BTreeMap<String, Source>,
) -> Result<(Sink, BTreeMap<&'static str, PathBuf>), SettingsError> {
    let at = format!("notify[{i}]");
    let raw = NotifyFileConfig::deserialize(toml::Value::Table(table.clone()))
        // toml's message names the key and type; the value itself is not echoed.
        .map_err(|e| invalid(fo, &at, "(table)", e.message()))?;
    let name = raw
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("sink{}", i + 1));
    let at = format!("notify \"{name}\"");
    let names = taken.iter().map(|s| s.name.as_str());
    unique_name(fo, &at, &name, "sink", names)?;
    let kind_text = raw.kind.clone().unwrap_or_default();
    let kind: SinkKind = kind_text.parse().map_err(|_| {
        invalid(
            fo,
            &format!("{at}.kind"),
            &kind_text,
            "slack, discord, telegram or generic",
        )
    })?;
    let (url, token, secret) = secrets(fo, &at, &raw)?;
    let chat = raw.chat.as_ref().map(|c| match c {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    destination(fo, &at, kind, url.as_ref(), token.as_ref(), chat.as_ref())?;
    signing_secret(fo, &at, kind, secret.as_ref())?;
    let (kinds, venues, top) = filters(fo, &at, &raw)?;
    note_sink(sources, &name, &raw);
    let files = [
        ("url", &raw.url_file),
        ("token", &raw.token_file),
        ("secret", &raw.secret_file),
    ]
    .into_iter()
    .filter_map(|(k, f)| f.clone().map(|f| (k, f)))
    .collect();
    Ok((
        Sink {
            name,
            kind,
            url,
            token,
            chat,
            secret,
            min_apr_pct: raw.min_apr.map(|d| d.0),
            kinds,
            venues,
            assets: value::coins(raw.assets.iter().flatten()),
            top,
        },
        files,
    ))
}

/// A sink's `url`, `token` and `secret`, each inline or from its `*_file`.
type Secrets = (Option<Secret>, Option<Secret>, Option<Secret>);

fn secrets(fo: &Origin<'_>, at: &str, raw: &NotifyFileConfig) -> Result<Secrets, SettingsError> {
    let value = |key: &str, inline, file| secret_value(fo, &format!("{at}.{key}"), inline, file);
    Ok((
        value("url", raw.url.as_ref(), raw.url_file.as_ref())?,
        value("token", raw.token.as_ref(), raw.token_file.as_ref())?,
        value("secret", raw.secret.as_ref(), raw.secret_file.as_ref())?,
    ))
}

/// Where a sink sends: a Telegram bot's `token` and `chat`, else an http(s) webhook `url`.
fn destination(
    fo: &Origin<'_>,
    at: &str,
    kind: SinkKind,
    url: Option<&Secret>,
    token: Option<&Secret>,
    chat: Option<&String>,
) -> Result<(), SettingsError> {
    match kind {
        SinkKind::Telegram => {
            if token.is_none() || chat.is_none() {
                return Err(invalid(
                    fo,
                    at,
                    "telegram",
                    "needs `token` (or `token_file`) and `chat`",
                ));
            }
        }
        _ => match url {
            None => {
                return Err(invalid(
                    fo,
                    &format!("{at}.url"),
                    "",
                    "needs `url` (or `url_file`): the webhook URL",
                ));
            }
            Some(u) => {
                let parsed = reqwest::Url::parse(u.expose()).ok();
                if !parsed.is_some_and(|p| {
                    matches!(p.scheme(), "http" | "https") && p.host_str().is_some()
                }) {
                    return Err(invalid(
                        fo,
                        &format!("{at}.url"),
                        "(hidden)",
                        "an http(s) webhook URL",
                    ));
                }
            }
        },
    }
    Ok(())
}

/// A generic sink's Standard Webhooks secret (required there; `whsec_` wherever given).
fn signing_secret(
    fo: &Origin<'_>,
    at: &str,
    kind: SinkKind,
    secret: Option<&Secret>,
) -> Result<(), SettingsError> {
    if kind == SinkKind::Generic && secret.is_none() {
        return Err(invalid(
            fo,
            &format!("{at}.secret"),
            "",
            "a generic sink signs every message: set `secret` (or `secret_file`) to a Standard Webhooks secret `whsec_<base64>`",
        ));
    }
    if let Some(sec) = secret
        && !sec.expose().starts_with("whsec_")
    {
        return Err(invalid(
            fo,
            &format!("{at}.secret"),
            "(hidden)",
            "a Standard Webhooks secret `whsec_<base64>`",
        ));
    }
    Ok(())
}

/// A sink's filters: kinds, venues, and how many opportunities per digest.
fn filters(
    fo: &Origin<'_>,
    at: &str,
    raw: &NotifyFileConfig,
) -> Result<(Vec<crate::model::Kind>, Vec<Venue>, usize), SettingsError> {
    let kinds = items(raw.kinds.as_deref().unwrap_or(&[]))
        .map(|k| check(fo, &format!("{at}.kinds"), k, value::kind))
        .collect::<Result<Vec<_>, _>>()?;
    let venues = venue_list(
        fo,
        &format!("{at}.venues"),
        raw.venues.as_deref().unwrap_or(&[]),
    )?;
    let top = match raw.top {
        None => crate::notify::DEFAULT_TOP,
        Some(n) => usize::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
            invalid(
                fo,
                &format!("{at}.top"),
                &n.to_string(),
                "a whole number of at least 1 (opportunities per digest)",
            )
        })?,
    };
    Ok((kinds, venues, top))
}

/// Notes which keys of the sink `name`'s table the config file set.
fn note_sink(sources: &mut BTreeMap<String, Source>, name: &str, raw: &NotifyFileConfig) {
    for (key, set) in [
        ("name", raw.name.is_some()),
        ("kind", true),
        ("chat", raw.chat.is_some()),
        ("min_apr", raw.min_apr.is_some()),
        ("kinds", raw.kinds.is_some()),
        ("venues", raw.venues.is_some()),
        ("assets", raw.assets.is_some()),
        ("top", raw.top.is_some()),
    ] {
        if set {
            sources.insert(format!("notify.{name}.{key}"), Source::File);
        }
    }
}

/// Notification policy: `--cooldown`, `BASIS_TELEGRAM_URL`, and the polling deadline.
pub(super) fn options(
    scan: Option<&ScanArgs>,
    deadline: Duration,
    layers: &mut Layers<'_>,
) -> Result<NotifyOptions, SettingsError> {
    let mut notify = NotifyOptions {
        deadline,
        ..NotifyOptions::default()
    };
    let cooldown = scan.and_then(|s| s.cooldown.as_ref()).cloned();
    if let Some((v, o, k)) = layers.layered(cooldown, "", "cooldown", None) {
        notify.cooldown = duration(&o, &k, &v)?;
        layers.sources.insert("cooldown".to_owned(), o.source(&k));
    }
    if let Some(v) = layers.env.var("BASIS_TELEGRAM_URL") {
        notify.telegram_url = validate_url(&Origin::Env, "BASIS_TELEGRAM_URL", &v)?;
        layers.sources.insert(
            "telegram_url".to_owned(),
            Source::Env("BASIS_TELEGRAM_URL".into()),
        );
    }
    Ok(notify)
}
