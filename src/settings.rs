//! Settings: built-in defaults < TOML config file < environment < flags, validated once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::analyze::{Params, VenueCosts};
use crate::cli::{ScanArgs, VenueArgs};
use crate::model::Venue;
use crate::notify::{NotifyOptions, Secret, Sink, SinkKind};
use crate::venue::http::{BaseUrls, HttpConfig};
use crate::venue::{HostSpec, adapter};

pub mod accounts;

/// What the origin of a [`SettingsError::Invalid`] says for a command-line flag: such an error is a
/// usage error (exit 64), like clap's own.
pub const COMMAND_LINE: &str = "command line";

/// A setting that cannot be used. Messages name the key, file, variable or flag, and the fix.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The config file cannot be read.
    #[error("cannot read config file {}: {reason}", path.display())]
    Read {
        /// File.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The config file is not valid TOML or has a value of the wrong type.
    #[error("config file {}: {reason}", path.display())]
    Parse {
        /// File.
        path: PathBuf,
        /// toml's message (with line, column and key).
        reason: String,
    },
    /// A value is out of range or malformed.
    #[error("{origin}: invalid value {} for `{key}`: {reason}", shown(value))]
    Invalid {
        /// Where it came from: a config file, an env var or [`COMMAND_LINE`].
        origin: String,
        /// Key, variable or flag name.
        key: String,
        /// The value.
        value: String,
        /// What is accepted.
        reason: String,
    },
}

impl SettingsError {
    /// Whether the command line is at fault (exit 64) rather than the config or environment
    /// (exit 78).
    #[must_use]
    pub fn is_usage(&self) -> bool {
        matches!(self, SettingsError::Invalid { origin, .. } if origin == COMMAND_LINE)
    }
}

/// A value as error messages show it: in backticks, or `(empty)`; a placeholder such as
/// `(hidden)` for a secret as it is.
fn shown(value: &str) -> String {
    if value.trim().is_empty() {
        "(empty)".to_owned()
    } else if value.starts_with('(') && value.ends_with(')') {
        value.to_owned()
    } else {
        format!("`{value}`")
    }
}

/// Where a value came from, for error messages.
#[derive(Debug, Clone)]
enum Origin<'a> {
    File(&'a Path),
    Env,
    Flag,
    Default,
}

impl Origin<'_> {
    fn describe(&self) -> String {
        match self {
            Origin::File(p) => format!("config file {}", p.display()),
            Origin::Env => "environment".to_owned(),
            Origin::Flag => COMMAND_LINE.to_owned(),
            Origin::Default => "built-in default".to_owned(),
        }
    }

    /// The [`Source`] `config show` prints for a value from here under `name` (the variable or
    /// flag).
    fn source(&self, name: &str) -> Source {
        match self {
            Origin::File(_) => Source::File,
            Origin::Env => Source::Env(name.to_owned()),
            Origin::Flag => Source::Flag(name.to_owned()),
            Origin::Default => Source::Default,
        }
    }
}

/// Where a setting in effect came from (`basis config show`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Built in.
    Default,
    /// The config file.
    File,
    /// This environment variable.
    Env(String),
    /// This flag.
    Flag(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File => f.write_str("config file"),
            Source::Env(v) => write!(f, "env {v}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

fn invalid(origin: &Origin<'_>, key: &str, value: &str, reason: &str) -> SettingsError {
    SettingsError::Invalid {
        origin: origin.describe(),
        key: key.to_owned(),
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

/// One rule per kind of value, shared by the command line (clap value parsers, so a bad flag
/// exits 64 before any work) and by the config file and environment (exit 78 naming the key or
/// variable): each parses a value or says what is accepted.
pub mod value {
    use std::str::FromStr as _;
    use std::time::Duration;

    use rust_decimal::Decimal;

    use crate::model::{Kind, Venue};

    /// A duration longer than zero: `7d`, `36h`, `1500ms`.
    ///
    /// # Errors
    /// What is accepted.
    pub fn duration(text: &str) -> Result<Duration, String> {
        let t = text.trim();
        if t.starts_with('-') {
            return Err("a duration cannot be negative; use e.g. 7d, 36h, 10s".into());
        }
        let d = humantime::parse_duration(t).map_err(|e| format!("{e}; use e.g. 7d, 36h, 10s"))?;
        if d.is_zero() {
            return Err("must be longer than zero; use e.g. 7d, 36h, 10s".into());
        }
        Ok(d)
    }

    /// The holding horizon in days: a duration of at least 15 minutes.
    ///
    /// # Errors
    /// What is accepted.
    pub fn hold_days(text: &str) -> Result<Decimal, String> {
        let d = duration(text)?;
        let secs =
            Decimal::from(d.as_secs()) + Decimal::from(d.subsec_millis()) / Decimal::from(1000);
        let days = secs / Decimal::from(86_400);
        if days < Decimal::new(1, 2) {
            return Err("a holding horizon of at least 15m, e.g. 7d or 36h".into());
        }
        Ok(days)
    }

    /// Any number (percent figures may be negative).
    ///
    /// # Errors
    /// What is accepted.
    pub fn number(text: &str) -> Result<Decimal, String> {
        crate::parse::decimal(text.trim()).ok_or_else(|| "not a number; use e.g. 15 or -2.5".into())
    }

    /// A leverage from 1 to 100.
    ///
    /// # Errors
    /// What is accepted.
    pub fn leverage(text: &str) -> Result<Decimal, String> {
        match crate::parse::decimal(text.trim()) {
            Some(l) if l >= Decimal::ONE && l <= Decimal::ONE_HUNDRED => Ok(l),
            _ => Err("a leverage from 1 to 100, e.g. 2 or 3.5".into()),
        }
    }

    /// A minimum volume in USD, zero or more.
    ///
    /// # Errors
    /// What is accepted.
    pub fn min_volume(text: &str) -> Result<Decimal, String> {
        match crate::parse::decimal(text.trim()) {
            Some(m) if m >= Decimal::ZERO => Ok(m),
            _ => Err("USD, zero or more (0 disables the filter), e.g. 5000000".into()),
        }
    }

    /// A probability strictly between 0 and 1.
    ///
    /// # Errors
    /// What is accepted.
    pub fn probability(text: &str) -> Result<f64, String> {
        match text.trim().parse::<f64>() {
            Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
            _ => Err("a probability strictly between 0 and 1, e.g. 0.01".into()),
        }
    }

    /// A correlation from -1 to 1.
    ///
    /// # Errors
    /// What is accepted.
    pub fn correlation(text: &str) -> Result<f64, String> {
        match text.trim().parse::<f64>() {
            Ok(r) if (-1.0..=1.0).contains(&r) => Ok(r),
            _ => Err("a number from -1 to 1, e.g. 0.8".into()),
        }
    }

    /// A share from 0 to 1.
    ///
    /// # Errors
    /// What is accepted.
    pub fn share(text: &str) -> Result<f64, String> {
        match text.trim().parse::<f64>() {
            Ok(s) if (0.0..=1.0).contains(&s) => Ok(s),
            _ => Err("a share from 0 to 1, e.g. 0.8".into()),
        }
    }

    /// A coin symbol, upper-cased.
    ///
    /// # Errors
    /// What is accepted.
    pub fn coin(text: &str) -> Result<String, String> {
        let c = text.trim().to_ascii_uppercase();
        if c.is_empty() || !c.chars().all(|ch| ch.is_ascii_alphanumeric()) {
            return Err("a coin symbol such as USDT, BTC, ETH".into());
        }
        Ok(c)
    }

    /// A venue id.
    ///
    /// # Errors
    /// The known ids.
    pub fn venue(text: &str) -> Result<Venue, String> {
        Venue::from_str(text).map_err(|e| e.to_string())
    }

    /// A kind of trade.
    ///
    /// # Errors
    /// The known kinds.
    pub fn kind(text: &str) -> Result<Kind, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "carry" => Ok(Kind::Carry),
            "cross_carry" | "cross-carry" => Ok(Kind::CrossCarry),
            "perp_spread" | "perp-spread" => Ok(Kind::PerpSpread),
            _ => Err("one of carry, cross_carry, perp_spread".into()),
        }
    }

    /// A pair of quotes treated as one, `USDT=USDC`, upper-cased.
    ///
    /// # Errors
    /// What is accepted.
    pub fn quote_pair(text: &str) -> Result<(String, String), String> {
        let wrong = || "pairs of quotes such as USDT=USDC".to_owned();
        let (a, b) = text.split_once('=').ok_or_else(wrong)?;
        Ok((coin(a).map_err(|_| wrong())?, coin(b).map_err(|_| wrong())?))
    }

    /// A row count of at least 1.
    ///
    /// # Errors
    /// What is accepted.
    pub fn top(text: &str) -> Result<usize, String> {
        match text.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err("a whole number of rows, at least 1, e.g. 20".into()),
        }
    }

    /// `[http] max_body_mb`: whole MiB, 1 to 4096; the cap in bytes.
    ///
    /// # Errors
    /// What is accepted.
    pub fn max_body(text: &str) -> Result<u64, String> {
        match text.trim().parse::<u64>() {
            Ok(mb @ 1..=4096) => Ok(mb * crate::venue::http::MIB),
            _ => Err("a whole number of MiB from 1 to 4096, e.g. 16".into()),
        }
    }
}

/// Applies a [`value`] rule to a value from `origin` under `key`.
fn check<T>(
    origin: &Origin<'_>,
    key: &str,
    text: &str,
    rule: fn(&str) -> Result<T, String>,
) -> Result<T, SettingsError> {
    rule(text).map_err(|reason| invalid(origin, key, text, &reason))
}

/// A decimal in the config file: a TOML number or a string, never through binary noise.
#[derive(Debug, Clone, Copy)]
struct ConfigDec(Decimal);

impl<'de> Deserialize<'de> for ConfigDec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ConfigDec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ConfigDec, E> {
                Ok(ConfigDec(Decimal::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ConfigDec, E> {
                Ok(ConfigDec(Decimal::from(v)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ConfigDec, E> {
                crate::parse::decimal(&v.to_string())
                    .map(ConfigDec)
                    .ok_or_else(|| E::custom(format!("{v} is out of range")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ConfigDec, E> {
                crate::parse::decimal(v)
                    .map(ConfigDec)
                    .ok_or_else(|| E::custom(format!("`{v}` is not a number")))
            }
        }
        d.deserialize_any(V)
    }
}

/// The config file, exactly the keys of DESIGN.md (unknown keys are errors, so typos surface).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    scan: ScanConfig,
    #[serde(default)]
    venues: BTreeMap<String, VenueConfig>,
    #[serde(default)]
    collateral: BTreeMap<String, CollateralConfig>,
    #[serde(default)]
    http: HttpFileConfig,
    #[serde(default)]
    store: StoreConfig,
    /// Webhook sinks, one table each.
    #[serde(default)]
    notify: Vec<toml::Table>,
    /// Declared accounts ([`accounts`]).
    #[serde(default)]
    account: Vec<toml::Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanConfig {
    min_apr: Option<ConfigDec>,
    hold: Option<String>,
    leverage: Option<ConfigDec>,
    collateral: Option<String>,
    max_liq_prob: Option<f64>,
    correlation: Option<f64>,
    min_volume: Option<ConfigDec>,
    top: Option<usize>,
    venues: Option<Vec<String>>,
    assets: Option<Vec<String>>,
    kinds: Option<Vec<String>>,
    quote_equivalence: Option<Vec<String>>,
    min_pos_share: Option<f64>,
    min_apr_7d: Option<ConfigDec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VenueConfig {
    enabled: Option<bool>,
    spot_taker_fee: Option<ConfigDec>,
    perp_taker_fee: Option<ConfigDec>,
    maintenance_margin: Option<ConfigDec>,
    liquidation_fee: Option<ConfigDec>,
    #[serde(default)]
    urls: BTreeMap<String, String>,
}

/// One `[[notify]]` table as written (secrets still plain here; wrapped in `Secret` at once).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyFileConfig {
    name: Option<String>,
    kind: Option<String>,
    url: Option<String>,
    url_file: Option<PathBuf>,
    token: Option<String>,
    token_file: Option<PathBuf>,
    chat: Option<toml::Value>,
    secret: Option<String>,
    secret_file: Option<PathBuf>,
    min_apr: Option<ConfigDec>,
    kinds: Option<Vec<String>>,
    venues: Option<Vec<String>>,
    assets: Option<Vec<String>>,
    top: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CollateralConfig {
    haircut: Option<ConfigDec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct HttpFileConfig {
    timeout: Option<String>,
    connect_timeout: Option<String>,
    retries: Option<u32>,
    deadline: Option<String>,
    max_body_mb: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoreConfig {
    retention: Option<String>,
    history_retention: Option<String>,
    bars_retention: Option<String>,
    reference_ttl: Option<String>,
}

/// Per-venue settings.
#[derive(Debug, Clone)]
pub struct VenueSettings {
    /// Polled unless disabled in the config.
    pub enabled: bool,
    /// Base URL per host key.
    pub urls: BaseUrls,
}

/// Everything a command needs, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Store directory.
    pub data_dir: PathBuf,
    /// Config file read, if any.
    pub config_path: Option<PathBuf>,
    /// Venues to poll, in venue-table order.
    pub venues: Vec<Venue>,
    /// Per-venue settings (all venues).
    pub venue_settings: BTreeMap<Venue, VenueSettings>,
    /// HTTP policy.
    pub http: HttpConfig,
    /// Overall polling deadline.
    pub deadline: Duration,
    /// Age after which cached instrument lists are refreshed.
    pub reference_ttl: Duration,
    /// How long each kind of record is kept.
    pub retention: crate::store::Retention,
    /// Analyzer parameters.
    pub params: Params,
    /// `--top`.
    pub top: Option<usize>,
    /// `--min-pos-share` and `--min-apr-7d`.
    pub history_filters: crate::analyze::history::HistoryFilters,
    /// Chat sinks (`[[notify]]`).
    pub sinks: Vec<Sink>,
    /// Notification policy.
    pub notify: NotifyOptions,
    /// Where each setting in effect came from, by config key (`scan.hold`, `venues.okx.urls.main`,
    /// `notify.desk.url`, …) or, for settings with no config key, `data_dir`, `config`,
    /// `cooldown`, `telegram_url`; a key not listed has its built-in default.
    pub sources: BTreeMap<String, Source>,
    /// Per sink (in [`Settings::sinks`] order), the `*_file` each secret was read from, by the
    /// secret's key (`url`, `token`, `secret`).
    pub secret_files: Vec<BTreeMap<&'static str, PathBuf>>,
    /// Declared accounts (`[[account]]`), checked by [`accounts`].
    pub accounts: Vec<crate::model::account::Account>,
}

/// Environment lookup, injectable for tests.
pub trait Env {
    /// The value of `key`, if set and not empty.
    fn var(&self, key: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.trim().is_empty())
    }
}

fn duration(origin: &Origin<'_>, key: &str, text: &str) -> Result<Duration, SettingsError> {
    check(origin, key, text, value::duration)
}

/// The items of a comma-separated list (repeated or not), trimmed, empty ones dropped.
fn items(list: &[String]) -> impl Iterator<Item = &str> {
    list.iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn venue_list(
    origin: &Origin<'_>,
    key: &str,
    list: &[String],
) -> Result<Vec<Venue>, SettingsError> {
    let mut out = Vec::new();
    for item in items(list) {
        let v = check(origin, key, item, value::venue)?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out.sort();
    Ok(out)
}

fn env_var_of(key: &str) -> String {
    format!(
        "BASIS_{}",
        key.to_ascii_uppercase().replace(['.', '-'], "_")
    )
}

/// The default data dir (XDG data dir), or `./basis-data` when no home is known.
#[must_use]
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "basis")
        .map_or_else(|| PathBuf::from("basis-data"), |d| d.data_dir().to_owned())
}

/// The default config file path (XDG config dir).
#[must_use]
pub fn default_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "basis").map(|d| d.config_dir().join("config.toml"))
}

fn load_file(path: &Path) -> Result<ConfigFile, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|e| SettingsError::Read {
        path: path.to_owned(),
        reason: format!("{e}"),
    })?;
    toml::from_str(&text).map_err(|e| SettingsError::Parse {
        path: path.to_owned(),
        reason: e.to_string().trim_end().to_owned(),
    })
}

/// Global options (before the subcommand).
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `-q`: print nothing on success when there is nothing new.
    pub quiet: bool,
}

/// Notes in `sources` where the value of `table.key` came from, when it was set.
fn note(
    sources: &mut BTreeMap<String, Source>,
    table: &str,
    key: &str,
    found: &Option<(String, Origin<'_>, String)>,
) {
    if let Some((_, origin, name)) = found {
        sources.insert(format!("{table}.{key}"), origin.source(name));
    }
}

/// Builds settings for a command. `scan` is `None` for commands without scan flags.
///
/// # Errors
/// A [`SettingsError`] naming the key and where it came from.
#[allow(clippy::too_many_lines)]
pub fn build(
    globals: &Globals,
    poll: &VenueArgs,
    scan: Option<&ScanArgs>,
    env: &dyn Env,
) -> Result<Settings, SettingsError> {
    let mut sources = BTreeMap::new();
    // Config file: explicit (flag, env) must exist; the default path is optional.
    let explicit = match (&globals.config, env.var("BASIS_CONFIG")) {
        (Some(p), _) => Some((p.clone(), Source::Flag("--config".into()))),
        (None, Some(p)) => Some((PathBuf::from(p), Source::Env("BASIS_CONFIG".into()))),
        (None, None) => None,
    };
    let (config_path, file) = match explicit {
        Some((p, source)) => {
            let f = load_file(&p)?;
            sources.insert("config".to_owned(), source);
            (Some(p), f)
        }
        None => match default_config_path().filter(|p| p.exists()) {
            Some(p) => {
                let f = load_file(&p)?;
                (Some(p), f)
            }
            None => (None, ConfigFile::default()),
        },
    };
    let fpath = config_path.clone().unwrap_or_default();
    let fo = Origin::File(&fpath);

    let (data_dir, origin, name) = match (&globals.data_dir, env.var("BASIS_DATA_DIR")) {
        (Some(d), _) => (d.clone(), Origin::Flag, "--data-dir"),
        (None, Some(d)) => (PathBuf::from(d), Origin::Env, "BASIS_DATA_DIR"),
        (None, None) => (default_data_dir(), Origin::Default, "data dir"),
    };
    if data_dir.exists() && !data_dir.is_dir() {
        return Err(invalid(
            &origin,
            name,
            &data_dir.display().to_string(),
            "it is a file, not a directory: give the directory for the store (created when missing)",
        ));
    }
    sources.insert("data_dir".to_owned(), origin.source(name));

    // Venues: per-venue config tables.
    for name in file.venues.keys() {
        check(&fo, &format!("venues.{name}"), name, value::venue)?;
    }
    let mut venue_settings = BTreeMap::new();
    let mut params = Params::default();
    for venue in Venue::ALL {
        let vc = file.venues.get(venue.id());
        let mut costs = params
            .costs
            .get(&venue)
            .cloned()
            .unwrap_or_else(|| VenueCosts::default_for(venue));
        let prefix = format!("venues.{}", venue.id());
        if let Some(vc) = vc {
            let mut fee = |key: &str,
                           v: Option<ConfigDec>,
                           target: &mut Decimal|
             -> Result<(), SettingsError> {
                if let Some(ConfigDec(d)) = v {
                    if d < Decimal::ZERO || d >= Decimal::ONE {
                        return Err(invalid(
                            &fo,
                            &format!("{prefix}.{key}"),
                            &d.to_string(),
                            "a fraction in [0, 1), e.g. 0.0005 for 0.05 %",
                        ));
                    }
                    *target = d;
                    sources.insert(format!("{prefix}.{key}"), Source::File);
                }
                Ok(())
            };
            fee(
                "spot_taker_fee",
                vc.spot_taker_fee,
                &mut costs.spot_taker_fee,
            )?;
            fee(
                "perp_taker_fee",
                vc.perp_taker_fee,
                &mut costs.perp_taker_fee,
            )?;
            fee(
                "maintenance_margin",
                vc.maintenance_margin,
                &mut costs.maintenance_margin,
            )?;
            if vc.maintenance_margin.is_some() {
                // Configured: it wins over the rates the venue publishes.
                params.maintenance_configured.insert(venue);
            }
            fee(
                "liquidation_fee",
                vc.liquidation_fee,
                &mut costs.liquidation_fee,
            )?;
            if vc.enabled.is_some() {
                sources.insert(format!("{prefix}.enabled"), Source::File);
            }
        }
        params.costs.insert(venue, costs);
        let mut urls = BaseUrls::new();
        for host in adapter(venue).hosts() {
            let key = format!("{prefix}.urls.{}", host.key);
            let (value, origin) = match (env.var(host.env), vc.and_then(|c| c.urls.get(host.key))) {
                (Some(v), _) => (v, Origin::Env),
                (None, Some(v)) => (v.clone(), fo.clone()),
                (None, None) => (host.default_url.to_owned(), Origin::Default),
            };
            let name = if matches!(origin, Origin::Env) {
                host.env
            } else {
                &key
            };
            urls.insert(host.key, validate_url(&origin, name, &value)?);
            sources.insert(key.clone(), origin.source(name));
        }
        if let Some(vc) = vc {
            for k in vc.urls.keys() {
                if !adapter(venue).hosts().iter().any(|h: &HostSpec| h.key == k) {
                    let known: Vec<_> = adapter(venue).hosts().iter().map(|h| h.key).collect();
                    return Err(invalid(
                        &fo,
                        &format!("{prefix}.urls.{k}"),
                        k,
                        &format!("unknown host; {} has: {}", venue.id(), known.join(", ")),
                    ));
                }
            }
        }
        venue_settings.insert(
            venue,
            VenueSettings {
                enabled: vc.and_then(|c| c.enabled).unwrap_or(true),
                urls,
            },
        );
    }

    // One value of the [scan] or [http] table: flag > env (BASIS_<KEY>) > file > default, with
    // where it came from (for errors) and the name there; the source is noted for `config show`.
    let layered = |flag: Option<String>,
                   table: &str,
                   key: &str,
                   file_val: Option<String>|
     -> Option<(String, Origin<'_>, String)> {
        if let Some(v) = flag {
            Some((v, Origin::Flag, format!("--{}", key.replace('_', "-"))))
        } else if let Some(v) = env.var(&env_var_of(key)) {
            Some((v, Origin::Env, env_var_of(key)))
        } else {
            file_val.map(|v| (v, fo.clone(), format!("{table}.{key}")))
        }
    };
    // A comma-separated list: flag > env > file.
    let list_source = |flag: Option<&Vec<String>>,
                       key: &'static str,
                       file_val: Option<&Vec<String>>|
     -> Option<(Vec<String>, Origin<'_>, String)> {
        match flag.filter(|f| !f.is_empty()) {
            Some(v) => Some((
                v.clone(),
                Origin::Flag,
                format!("--{}", key.replace('_', "-")),
            )),
            None => match env.var(&env_var_of(key)) {
                Some(v) => Some((vec![v], Origin::Env, env_var_of(key))),
                None => file_val.map(|v| (v.clone(), fo.clone(), format!("scan.{key}"))),
            },
        }
    };

    // Venue selection: flag > env > config > all enabled.
    let selection = list_source(Some(&poll.venues), "venues", file.scan.venues.as_ref());
    let venues = match &selection {
        Some((list, o, k)) => {
            sources.insert("scan.venues".to_owned(), o.source(k));
            venue_list(o, k, list)?
        }
        None => crate::venue::implemented()
            .into_iter()
            .filter(|v| venue_settings.get(v).is_some_and(|s| s.enabled))
            .collect(),
    };

    // HTTP.
    let hf = &file.http;
    let mut http = HttpConfig::default();
    let found = layered(poll.timeout.clone(), "http", "timeout", hf.timeout.clone());
    note(&mut sources, "http", "timeout", &found);
    if let Some((v, o, k)) = found {
        http.request_timeout = duration(&o, &k, &v)?;
    }
    let found = layered(None, "http", "connect_timeout", hf.connect_timeout.clone());
    note(&mut sources, "http", "connect_timeout", &found);
    if let Some((v, o, k)) = found {
        http.connect_timeout = duration(&o, &k, &v)?;
    }
    if let Some(r) = hf.retries {
        http.retries = r.min(10);
        sources.insert("http.retries".to_owned(), Source::File);
    }
    let body_file = hf.max_body_mb.as_ref().map(|v| match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let found = layered(None, "http", "max_body_mb", body_file);
    note(&mut sources, "http", "max_body_mb", &found);
    if let Some((v, o, k)) = found {
        http.max_body = check(&o, &k, &v, value::max_body)?;
    }
    let mut deadline = Duration::from_secs(20);
    let found = layered(
        poll.deadline.clone(),
        "http",
        "deadline",
        hf.deadline.clone(),
    );
    note(&mut sources, "http", "deadline", &found);
    if let Some((v, o, k)) = found {
        deadline = duration(&o, &k, &v)?;
    }

    // Store.
    let mut reference_ttl = Duration::from_secs(3600);
    let mut retention = crate::store::Retention::default();
    for (key, text, target) in [
        (
            "reference_ttl",
            &file.store.reference_ttl,
            &mut reference_ttl,
        ),
        ("retention", &file.store.retention, &mut retention.quotes),
        (
            "history_retention",
            &file.store.history_retention,
            &mut retention.history,
        ),
        (
            "bars_retention",
            &file.store.bars_retention,
            &mut retention.bars,
        ),
    ] {
        if let Some(v) = text {
            *target = duration(&fo, &format!("store.{key}"), v)?;
            sources.insert(format!("store.{key}"), Source::File);
        }
    }

    // Collateral haircuts.
    for (coin, c) in &file.collateral {
        if let Some(ConfigDec(k)) = c.haircut {
            let key = format!("collateral.{coin}.haircut");
            if k <= Decimal::ZERO || k > Decimal::ONE {
                return Err(invalid(
                    &fo,
                    &key,
                    &k.to_string(),
                    "a fraction in (0, 1], e.g. 0.95",
                ));
            }
            let coin = check(&fo, &format!("collateral.{coin}"), coin, value::coin)?;
            params.haircuts.insert(coin, k);
            sources.insert(key, Source::File);
        }
    }

    // Scan parameters: flag > env > file > default.
    let sc = &file.scan;
    let scan_flag = |f: fn(&ScanArgs) -> Option<&String>| scan.and_then(f).cloned();
    let dec_text = |d: Option<ConfigDec>| d.map(|d| d.0.to_string());
    let found = layered(
        scan_flag(|s| s.min_apr.as_ref()),
        "scan",
        "min_apr",
        dec_text(sc.min_apr),
    );
    note(&mut sources, "scan", "min_apr", &found);
    params.min_apr_pct = Some(match found {
        Some((v, o, k)) => check(&o, &k, &v, value::number)?,
        None => Decimal::TEN,
    });
    let found = layered(
        scan_flag(|s| s.hold.as_ref()),
        "scan",
        "hold",
        sc.hold.clone(),
    );
    note(&mut sources, "scan", "hold", &found);
    if let Some((v, o, k)) = found {
        params.hold_days = check(&o, &k, &v, value::hold_days)?;
    }
    let found = layered(
        scan_flag(|s| s.leverage.as_ref()),
        "scan",
        "leverage",
        dec_text(sc.leverage),
    );
    note(&mut sources, "scan", "leverage", &found);
    if let Some((v, o, k)) = found {
        params.leverage = check(&o, &k, &v, value::leverage)?;
    }
    let found = layered(
        scan_flag(|s| s.collateral.as_ref()),
        "scan",
        "collateral",
        sc.collateral.clone(),
    );
    note(&mut sources, "scan", "collateral", &found);
    if let Some((v, o, k)) = found {
        params.collateral = check(&o, &k, &v, value::coin)?;
    }
    let found = layered(
        scan_flag(|s| s.max_liq_prob.as_ref()),
        "scan",
        "max_liq_prob",
        sc.max_liq_prob.map(|d| d.to_string()),
    );
    note(&mut sources, "scan", "max_liq_prob", &found);
    if let Some((v, o, k)) = found {
        params.max_liq_prob = check(&o, &k, &v, value::probability)?;
    }
    let found = layered(
        None,
        "scan",
        "correlation",
        sc.correlation.map(|d| d.to_string()),
    );
    note(&mut sources, "scan", "correlation", &found);
    if let Some((v, o, k)) = found {
        params.correlation = check(&o, &k, &v, value::correlation)?;
    }
    let found = layered(
        scan_flag(|s| s.min_volume.as_ref()),
        "scan",
        "min_volume",
        dec_text(sc.min_volume),
    );
    note(&mut sources, "scan", "min_volume", &found);
    params.min_volume_usd = match found {
        Some((v, o, k)) => check(&o, &k, &v, value::min_volume)?,
        None => Decimal::ZERO,
    };
    let found = list_source(scan.map(|s| &s.assets), "assets", sc.assets.as_ref());
    if let Some((list, o, k)) = &found {
        sources.insert("scan.assets".to_owned(), o.source(k));
        params.assets = items(list).map(str::to_ascii_uppercase).collect();
    }
    // Kinds and quote equivalence: flag > env > file > default (all kinds, no equivalence).
    if let Some((list, o, k)) = list_source(scan.map(|s| &s.kinds), "kinds", sc.kinds.as_ref()) {
        sources.insert("scan.kinds".to_owned(), o.source(&k));
        let mut kinds = Vec::new();
        for item in items(&list) {
            let kind = check(&o, &k, item, value::kind)?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        if !kinds.is_empty() {
            params.kinds = kinds;
        }
    }
    if let Some((list, o, k)) = list_source(
        scan.map(|s| &s.quote_equivalence),
        "quote_equivalence",
        sc.quote_equivalence.as_ref(),
    ) {
        sources.insert("scan.quote_equivalence".to_owned(), o.source(&k));
        params.quote_equivalence = items(&list)
            .map(|item| check(&o, &k, item, value::quote_pair))
            .collect::<Result<_, _>>()?;
    }
    let mut history_filters = crate::analyze::history::HistoryFilters::default();
    let found = layered(
        scan_flag(|s| s.min_pos_share.as_ref()),
        "scan",
        "min_pos_share",
        sc.min_pos_share.map(|d| d.to_string()),
    );
    note(&mut sources, "scan", "min_pos_share", &found);
    if let Some((v, o, k)) = found {
        history_filters.min_pos_share = Some(check(&o, &k, &v, value::share)?);
    }
    let found = layered(
        scan_flag(|s| s.min_apr_7d.as_ref()),
        "scan",
        "min_apr_7d",
        dec_text(sc.min_apr_7d),
    );
    note(&mut sources, "scan", "min_apr_7d", &found);
    if let Some((v, o, k)) = found {
        history_filters.min_apr_7d_pct = Some(check(&o, &k, &v, value::number)?);
    }
    let found = layered(
        scan.and_then(|s| s.top).map(|t| t.to_string()),
        "scan",
        "top",
        sc.top.map(|t| t.to_string()),
    );
    note(&mut sources, "scan", "top", &found);
    let top = match found {
        Some((v, o, k)) => Some(check(&o, &k, &v, value::top)?),
        None => None,
    };

    let (sinks, secret_files) = parse_sinks(&file.notify, &fo, &mut sources)?;
    let accounts = accounts::parse(&file.account, &fo)?;
    let mut notify = NotifyOptions {
        deadline,
        ..NotifyOptions::default()
    };
    let found = layered(scan_flag(|s| s.cooldown.as_ref()), "", "cooldown", None);
    if let Some((v, o, k)) = found {
        notify.cooldown = duration(&o, &k, &v)?;
        sources.insert("cooldown".to_owned(), o.source(&k));
    }
    if let Some(v) = env.var("BASIS_TELEGRAM_URL") {
        notify.telegram_url = validate_url(&Origin::Env, "BASIS_TELEGRAM_URL", &v)?;
        sources.insert(
            "telegram_url".to_owned(),
            Source::Env("BASIS_TELEGRAM_URL".into()),
        );
    }

    Ok(Settings {
        history_filters,
        sinks,
        notify,
        data_dir,
        config_path,
        venues,
        venue_settings,
        http,
        deadline,
        reference_ttl,
        retention,
        params,
        top,
        sources,
        secret_files,
        accounts,
    })
}

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

fn parse_sinks(
    tables: &[toml::Table],
    fo: &Origin<'_>,
    sources: &mut BTreeMap<String, Source>,
) -> Result<ParsedSinks, SettingsError> {
    let mut sinks: Vec<Sink> = Vec::new();
    let mut secret_files = Vec::new();
    for (i, table) in tables.iter().enumerate() {
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
        if sinks.iter().any(|s| s.name == name) {
            return Err(invalid(
                fo,
                &format!("{at}.name"),
                &name,
                "sink names must be unique",
            ));
        }
        let kind_text = raw.kind.clone().unwrap_or_default();
        let kind: SinkKind = kind_text.parse().map_err(|_| {
            invalid(
                fo,
                &format!("{at}.kind"),
                &kind_text,
                "slack, discord, telegram or generic",
            )
        })?;
        let url = secret_value(
            fo,
            &format!("{at}.url"),
            raw.url.as_ref(),
            raw.url_file.as_ref(),
        )?;
        let token = secret_value(
            fo,
            &format!("{at}.token"),
            raw.token.as_ref(),
            raw.token_file.as_ref(),
        )?;
        let secret = secret_value(
            fo,
            &format!("{at}.secret"),
            raw.secret.as_ref(),
            raw.secret_file.as_ref(),
        )?;
        let chat = raw.chat.as_ref().map(|c| match c {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        match kind {
            SinkKind::Telegram => {
                if token.is_none() || chat.is_none() {
                    return Err(invalid(
                        fo,
                        &at,
                        "telegram",
                        "needs `token` (or `token_file`) and `chat`",
                    ));
                }
            }
            _ => match &url {
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
        if kind == SinkKind::Generic && secret.is_none() {
            return Err(invalid(
                fo,
                &format!("{at}.secret"),
                "",
                "a generic sink signs every message: set `secret` (or `secret_file`) to a Standard Webhooks secret `whsec_<base64>`",
            ));
        }
        if let Some(sec) = &secret
            && !sec.expose().starts_with("whsec_")
        {
            return Err(invalid(
                fo,
                &format!("{at}.secret"),
                "(hidden)",
                "a Standard Webhooks secret `whsec_<base64>`",
            ));
        }
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
        secret_files.push(
            [
                ("url", &raw.url_file),
                ("token", &raw.token_file),
                ("secret", &raw.secret_file),
            ]
            .into_iter()
            .filter_map(|(k, f)| f.clone().map(|f| (k, f)))
            .collect(),
        );
        sinks.push(Sink {
            name,
            kind,
            url,
            token,
            chat,
            secret,
            min_apr_pct: raw.min_apr.map(|d| d.0),
            kinds,
            venues,
            assets: raw
                .assets
                .iter()
                .flatten()
                .map(|a| a.trim().to_ascii_uppercase())
                .filter(|a| !a.is_empty())
                .collect(),
            top,
        });
    }
    Ok((sinks, secret_files))
}

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
#[allow(clippy::too_many_lines)]
pub fn show(s: &Settings) -> String {
    let p = &s.params;
    let mut l = Lines {
        out: String::new(),
        sources: &s.sources,
    };
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
    l.out
}

fn validate_url(origin: &Origin<'_>, key: &str, value: &str) -> Result<String, SettingsError> {
    let v = value.trim();
    let url = reqwest::Url::parse(v).map_err(|e| {
        invalid(
            origin,
            key,
            v,
            &format!("{e}; use e.g. https://api.example.com or http://127.0.0.1:8080/prefix"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(origin, key, v, "an http(s) URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            origin,
            key,
            v,
            "no query string or fragment; a path prefix is fine",
        ));
    }
    Ok(v.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;
    use std::collections::HashMap;

    struct MapEnv(HashMap<&'static str, &'static str>);
    impl Env for MapEnv {
        fn var(&self, key: &str) -> Option<String> {
            self.0.get(key).map(|v| (*v).to_owned())
        }
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
        let msg = build(&g, &s.poll, Some(&s), &none)
            .expect_err("bad kind")
            .to_string();
        assert!(
            msg.contains("--kinds") && msg.contains("arbitrage"),
            "{msg}"
        );
        s.kinds = vec![];
        s.quote_equivalence = vec!["USDT".into()];
        let msg = build(&g, &s.poll, Some(&s), &none)
            .expect_err("bad pair")
            .to_string();
        assert!(msg.contains("--quote-equivalence"), "{msg}");
    }

    #[test]
    fn bad_values_name_key_and_file() {
        let (_d, g) = with_config("[scan]\nleverage = 0\n");
        let s = scan_args();
        let err = build(&g, &s.poll, Some(&s), &MapEnv(HashMap::new())).expect_err("invalid");
        let msg = err.to_string();
        assert!(
            msg.contains("scan.leverage") && msg.contains("config.toml"),
            "{msg}"
        );

        let (_d, g) = with_config("[scan]\nmin_apr = \"lots\"\n");
        let msg = build(&g, &s.poll, Some(&s), &MapEnv(HashMap::new()))
            .expect_err("invalid")
            .to_string();
        assert!(
            msg.contains("min_apr") && msg.contains("config.toml"),
            "{msg}"
        );

        let (_d, g) = with_config("[venues.kraken2]\nenabled = true\n");
        let msg = build(&g, &s.poll, Some(&s), &MapEnv(HashMap::new()))
            .expect_err("invalid")
            .to_string();
        assert!(msg.contains("venues.kraken2"), "{msg}");

        let (_d, g) = with_config("");
        let env = MapEnv(HashMap::from([("BASIS_OKX_URL", "ftp://x")]));
        let msg = build(&g, &s.poll, Some(&s), &env)
            .expect_err("invalid")
            .to_string();
        assert!(msg.contains("BASIS_OKX_URL"), "{msg}");
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
            let msg = build(&g, &s.poll, Some(&s), &none)
                .expect_err("invalid top")
                .to_string();
            assert!(
                msg.contains("notify \"desk\".top") && msg.contains("at least 1"),
                "{msg}"
            );
        }
    }

    #[test]
    fn config_show_names_sources_and_reads_back_as_the_same_settings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hook = dir.path().join("hook.url");
        std::fs::write(&hook, "https://hooks.example/T0/B0/x\n").expect("write");
        let whsec = dir.path().join("whsec");
        std::fs::write(&whsec, "whsec_c2VjcmV0LWtleS0wMTIzNDU2Nzg5\n").expect("write");
        let token = dir.path().join("token");
        std::fs::write(&token, "123:ABC\n").expect("write");
        let (_d, g) = with_config(&format!(
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

        // Read back as the only layer, it gives the same settings.
        let again = dir.path().join("again.toml");
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
        assert_eq!(first.params.hold_days, Decimal::from(2));
        assert_eq!(first.params.leverage, Decimal::from(4));
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
}
