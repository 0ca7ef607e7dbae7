//! Settings: built-in defaults < TOML config file < environment < flags, validated once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::analyze::{Params, VenueCosts};
use crate::cli::{ScanArgs, VenueArgs};
use crate::model::{Kind, Venue};
use crate::notify::{NotifyOptions, Secret, Sink, SinkKind};
use crate::venue::http::{BaseUrls, HttpConfig};
use crate::venue::{HostSpec, adapter};

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
    #[error("{origin}: invalid value `{value}` for `{key}`: {reason}")]
    Invalid {
        /// Where it came from: a config file, an env var or a flag.
        origin: String,
        /// Key, variable or flag name.
        key: String,
        /// The value.
        value: String,
        /// What is accepted.
        reason: String,
    },
}

/// Where a value came from, for error messages.
#[derive(Debug, Clone)]
enum Origin<'a> {
    File(&'a Path),
    Env,
    Flag,
}

impl Origin<'_> {
    fn describe(&self) -> String {
        match self {
            Origin::File(p) => format!("config file {}", p.display()),
            Origin::Env => "environment".to_owned(),
            Origin::Flag => "command line".to_owned(),
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

/// Parses a human duration (`7d`, `36h`, `1500ms`).
fn duration(origin: &Origin<'_>, key: &str, text: &str) -> Result<Duration, SettingsError> {
    let d = humantime::parse_duration(text.trim())
        .map_err(|e| invalid(origin, key, text, &format!("{e}; use e.g. 7d, 36h, 10s")))?;
    if d.is_zero() {
        return Err(invalid(origin, key, text, "must be longer than zero"));
    }
    Ok(d)
}

/// `[http] max_body_mb`: whole MiB, 1 to 4096.
fn max_body(origin: &Origin<'_>, key: &str, text: &str) -> Result<u64, SettingsError> {
    match text.trim().parse::<u64>() {
        Ok(mb @ 1..=4096) => Ok(mb * crate::venue::http::MIB),
        _ => Err(invalid(
            origin,
            key,
            text,
            "a whole number of MiB from 1 to 4096, e.g. 16",
        )),
    }
}

fn dec(origin: &Origin<'_>, key: &str, text: &str) -> Result<Decimal, SettingsError> {
    crate::parse::decimal(text).ok_or_else(|| invalid(origin, key, text, "not a number"))
}

fn venue_list(
    origin: &Origin<'_>,
    key: &str,
    items: &[String],
) -> Result<Vec<Venue>, SettingsError> {
    let mut out = Vec::new();
    for item in items
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let v = Venue::from_str(item).map_err(|e| invalid(origin, key, item, &e.to_string()))?;
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
    // Config file: explicit (flag, env) must exist; the default path is optional.
    let explicit = globals
        .config
        .clone()
        .or_else(|| env.var("BASIS_CONFIG").map(PathBuf::from));
    let (config_path, file) = match explicit {
        Some(p) => {
            let f = load_file(&p)?;
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
    let _ = &file.notify;

    let data_dir = globals
        .data_dir
        .clone()
        .or_else(|| env.var("BASIS_DATA_DIR").map(PathBuf::from))
        .unwrap_or_else(default_data_dir);

    // Venues: per-venue config tables.
    for name in file.venues.keys() {
        Venue::from_str(name)
            .map_err(|e| invalid(&fo, &format!("venues.{name}"), name, &e.to_string()))?;
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
        if let Some(vc) = vc {
            let prefix = format!("venues.{}", venue.id());
            let fee = |key: &str,
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
        }
        params.costs.insert(venue, costs);
        let mut urls = BaseUrls::new();
        for host in adapter(venue).hosts() {
            let key = format!("venues.{}.urls.{}", venue.id(), host.key);
            let (value, origin) = match (env.var(host.env), vc.and_then(|c| c.urls.get(host.key))) {
                (Some(v), _) => (v, Origin::Env),
                (None, Some(v)) => (v.clone(), fo.clone()),
                (None, None) => (host.default_url.to_owned(), Origin::Flag),
            };
            let name = if matches!(origin, Origin::Env) {
                host.env.to_owned()
            } else {
                key
            };
            urls.insert(host.key, validate_url(&origin, &name, &value)?);
        }
        if let Some(vc) = vc {
            for k in vc.urls.keys() {
                if !adapter(venue).hosts().iter().any(|h: &HostSpec| h.key == k) {
                    let known: Vec<_> = adapter(venue).hosts().iter().map(|h| h.key).collect();
                    return Err(invalid(
                        &fo,
                        &format!("venues.{}.urls.{k}", venue.id()),
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

    // Venue selection: flag > env > config > all enabled.
    let venues = if !poll.venues.is_empty() {
        venue_list(&Origin::Flag, "--venues", &poll.venues)?
    } else if let Some(v) = env.var("BASIS_VENUES") {
        venue_list(&Origin::Env, "BASIS_VENUES", &[v])?
    } else if let Some(v) = &file.scan.venues {
        venue_list(&fo, "scan.venues", v)?
    } else {
        crate::venue::implemented()
            .into_iter()
            .filter(|v| venue_settings.get(v).is_some_and(|s| s.enabled))
            .collect()
    };

    // HTTP.
    let mut http = HttpConfig::default();
    let pick = |flag: Option<&String>,
                var: &str,
                file_val: Option<&String>|
     -> Option<(String, Origin<'_>, String)> {
        if let Some(f) = flag {
            Some((
                f.clone(),
                Origin::Flag,
                format!("--{}", var.to_ascii_lowercase().replace('_', "-")),
            ))
        } else if let Some(e) = env.var(&env_var_of(var)) {
            Some((e, Origin::Env, env_var_of(var)))
        } else {
            file_val.map(|v| {
                (
                    v.clone(),
                    fo.clone(),
                    format!("http.{}", var.to_ascii_lowercase()),
                )
            })
        }
    };
    if let Some((v, o, k)) = pick(poll.timeout.as_ref(), "timeout", file.http.timeout.as_ref()) {
        http.request_timeout = duration(&o, &k, &v)?;
    }
    if let Some((v, o, k)) = pick(None, "connect_timeout", file.http.connect_timeout.as_ref()) {
        http.connect_timeout = duration(&o, &k, &v)?;
    }
    if let Some(r) = file.http.retries {
        http.retries = r.min(10);
    }
    let body_file = file.http.max_body_mb.as_ref().map(|v| match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    if let Some((v, o, k)) = pick(None, "max_body_mb", body_file.as_ref()) {
        http.max_body = max_body(&o, &k, &v)?;
    }
    let mut deadline = Duration::from_secs(20);
    if let Some((v, o, k)) = pick(
        poll.deadline.as_ref(),
        "deadline",
        file.http.deadline.as_ref(),
    ) {
        deadline = duration(&o, &k, &v)?;
    }
    let mut reference_ttl = Duration::from_secs(3600);
    if let Some(v) = &file.store.reference_ttl {
        reference_ttl = duration(&fo, "store.reference_ttl", v)?;
    }
    let mut retention = crate::store::Retention::default();
    if let Some(v) = &file.store.retention {
        retention.quotes = duration(&fo, "store.retention", v)?;
    }
    if let Some(v) = &file.store.history_retention {
        retention.history = duration(&fo, "store.history_retention", v)?;
    }
    if let Some(v) = &file.store.bars_retention {
        retention.bars = duration(&fo, "store.bars_retention", v)?;
    }

    // Collateral haircuts.
    for (coin, c) in &file.collateral {
        if let Some(ConfigDec(k)) = c.haircut {
            if k <= Decimal::ZERO || k > Decimal::ONE {
                return Err(invalid(
                    &fo,
                    &format!("collateral.{coin}.haircut"),
                    &k.to_string(),
                    "a fraction in (0, 1], e.g. 0.95",
                ));
            }
            params.haircuts.insert(coin.to_ascii_uppercase(), k);
        }
    }

    // Scan parameters: flag > env > file > default.
    let sc = &file.scan;
    let scan_flag = |f: fn(&ScanArgs) -> Option<&String>| scan.and_then(f).cloned();
    let layered = |flag: Option<String>,
                   key: &str,
                   file_val: Option<String>|
     -> Option<(String, Origin<'_>, String)> {
        if let Some(v) = flag {
            Some((v, Origin::Flag, format!("--{}", key.replace('_', "-"))))
        } else if let Some(v) = env.var(&env_var_of(key)) {
            Some((v, Origin::Env, env_var_of(key)))
        } else {
            file_val.map(|v| (v, fo.clone(), format!("scan.{key}")))
        }
    };
    if let Some((v, o, k)) = layered(
        scan_flag(|s| s.min_apr.as_ref()),
        "min_apr",
        sc.min_apr.map(|d| d.0.to_string()),
    ) {
        params.min_apr_pct = Some(dec(&o, &k, &v)?);
    } else {
        params.min_apr_pct = Some(Decimal::TEN);
    }
    if let Some((v, o, k)) = layered(scan_flag(|s| s.hold.as_ref()), "hold", sc.hold.clone()) {
        let d = duration(&o, &k, &v)?;
        let secs =
            Decimal::from(d.as_secs()) + Decimal::from(d.subsec_millis()) / Decimal::from(1000);
        params.hold_days = secs / Decimal::from(86_400);
        if params.hold_days < Decimal::new(1, 2) {
            return Err(invalid(&o, &k, &v, "at least 15m"));
        }
    }
    if let Some((v, o, k)) = layered(
        scan_flag(|s| s.leverage.as_ref()),
        "leverage",
        sc.leverage.map(|d| d.0.to_string()),
    ) {
        let l = dec(&o, &k, &v)?;
        if l < Decimal::ONE || l > Decimal::ONE_HUNDRED {
            return Err(invalid(&o, &k, &v, "between 1 and 100"));
        }
        params.leverage = l;
    }
    if let Some((v, o, k)) = layered(
        scan_flag(|s| s.collateral.as_ref()),
        "collateral",
        sc.collateral.clone(),
    ) {
        let c = v.trim().to_ascii_uppercase();
        if c.is_empty() || !c.chars().all(|ch| ch.is_ascii_alphanumeric()) {
            return Err(invalid(&o, &k, &v, "a coin symbol such as USDT, BTC, ETH"));
        }
        params.collateral = c;
    }
    if let Some((v, o, k)) = layered(
        scan_flag(|s| s.max_liq_prob.as_ref()),
        "max_liq_prob",
        sc.max_liq_prob.map(|d| d.to_string()),
    ) {
        let p: f64 = v
            .trim()
            .parse()
            .map_err(|_| invalid(&o, &k, &v, "a probability such as 0.01"))?;
        if !(p > 0.0 && p < 1.0) {
            return Err(invalid(
                &o,
                &k,
                &v,
                "a probability strictly between 0 and 1, e.g. 0.01",
            ));
        }
        params.max_liq_prob = p;
    }
    if let Some((v, o, k)) = layered(None, "correlation", sc.correlation.map(|d| d.to_string())) {
        let r: f64 = v
            .trim()
            .parse()
            .map_err(|_| invalid(&o, &k, &v, "a number in [-1, 1]"))?;
        if !(-1.0..=1.0).contains(&r) {
            return Err(invalid(&o, &k, &v, "a number in [-1, 1]"));
        }
        params.correlation = r;
    }
    if let Some((v, o, k)) = layered(
        scan_flag(|s| s.min_volume.as_ref()),
        "min_volume",
        sc.min_volume.map(|d| d.0.to_string()),
    ) {
        let m = dec(&o, &k, &v)?;
        if m < Decimal::ZERO {
            return Err(invalid(&o, &k, &v, "zero or more (0 disables the filter)"));
        }
        params.min_volume_usd = m;
    } else {
        params.min_volume_usd = Decimal::ZERO;
    }
    let assets: Vec<String> = match scan {
        Some(s) if !s.assets.is_empty() => s.assets.clone(),
        _ => env
            .var("BASIS_ASSETS")
            .map(|v| vec![v])
            .or_else(|| sc.assets.clone())
            .unwrap_or_default(),
    };
    params.assets = assets
        .iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .collect();
    // Kinds and quote equivalence: flag > env > file > default (all kinds, no equivalence).
    let list_source = |flag: Option<&Vec<String>>,
                       var: &'static str,
                       file_val: Option<&Vec<String>>,
                       key: &'static str| {
        match flag.filter(|f| !f.is_empty()) {
            Some(v) => Some((
                v.clone(),
                Origin::Flag,
                format!("--{}", key.replace('_', "-")),
            )),
            None => match env.var(var) {
                Some(v) => Some((vec![v], Origin::Env, var.to_owned())),
                None => file_val.map(|v| (v.clone(), fo.clone(), format!("scan.{key}"))),
            },
        }
    };
    if let Some((items, o, k)) = list_source(
        scan.map(|s| &s.kinds),
        "BASIS_KINDS",
        sc.kinds.as_ref(),
        "kinds",
    ) {
        let mut kinds = Vec::new();
        for item in items
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let kind = match item.to_ascii_lowercase().as_str() {
                "carry" => Kind::Carry,
                "cross_carry" | "cross-carry" => Kind::CrossCarry,
                "perp_spread" | "perp-spread" => Kind::PerpSpread,
                _ => {
                    return Err(invalid(
                        &o,
                        &k,
                        item,
                        "one of carry, cross_carry, perp_spread",
                    ));
                }
            };
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        if !kinds.is_empty() {
            params.kinds = kinds;
        }
    }
    if let Some((items, o, k)) = list_source(
        scan.map(|s| &s.quote_equivalence),
        "BASIS_QUOTE_EQUIVALENCE",
        sc.quote_equivalence.as_ref(),
        "quote_equivalence",
    ) {
        let mut pairs = Vec::new();
        for item in items
            .iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let Some((a, b)) = item.split_once('=') else {
                return Err(invalid(&o, &k, item, "pairs of quotes such as USDT=USDC"));
            };
            let (a, b) = (a.trim().to_ascii_uppercase(), b.trim().to_ascii_uppercase());
            let coin = |c: &str| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphanumeric());
            if !coin(&a) || !coin(&b) {
                return Err(invalid(&o, &k, item, "pairs of quotes such as USDT=USDC"));
            }
            pairs.push((a, b));
        }
        params.quote_equivalence = pairs;
    }
    let mut history_filters = crate::analyze::history::HistoryFilters::default();
    if let Some((v, o, k)) = layered(
        scan_flag(|s| s.min_pos_share.as_ref()),
        "min_pos_share",
        sc.min_pos_share.map(|d| d.to_string()),
    ) {
        let share: f64 = v
            .trim()
            .parse()
            .map_err(|_| invalid(&o, &k, &v, "a share between 0 and 1, e.g. 0.8"))?;
        if !(0.0..=1.0).contains(&share) {
            return Err(invalid(&o, &k, &v, "a share between 0 and 1, e.g. 0.8"));
        }
        history_filters.min_pos_share = Some(share);
    }
    if let Some((v, o, k)) = layered(
        scan_flag(|s| s.min_apr_7d.as_ref()),
        "min_apr_7d",
        sc.min_apr_7d.map(|d| d.0.to_string()),
    ) {
        history_filters.min_apr_7d_pct = Some(dec(&o, &k, &v)?);
    }
    let top = match scan.and_then(|s| s.top) {
        Some(t) => Some(t),
        None => match env.var("BASIS_TOP") {
            Some(v) => Some(
                v.trim()
                    .parse()
                    .map_err(|_| invalid(&Origin::Env, "BASIS_TOP", &v, "a whole number"))?,
            ),
            None => sc.top,
        },
    };

    let sinks = parse_sinks(&file.notify, &fo)?;
    let mut notify = NotifyOptions {
        deadline,
        ..NotifyOptions::default()
    };
    let cooldown = match scan.and_then(|s| s.cooldown.clone()) {
        Some(v) => Some((v, Origin::Flag, "--cooldown".to_owned())),
        None => env
            .var("BASIS_COOLDOWN")
            .map(|v| (v, Origin::Env, "BASIS_COOLDOWN".to_owned())),
    };
    if let Some((v, o, k)) = cooldown {
        notify.cooldown = duration(&o, &k, &v)?;
    }
    if let Some(v) = env.var("BASIS_TELEGRAM_URL") {
        notify.telegram_url = validate_url(&Origin::Env, "BASIS_TELEGRAM_URL", &v)?;
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

fn parse_sinks(tables: &[toml::Table], fo: &Origin<'_>) -> Result<Vec<Sink>, SettingsError> {
    let mut sinks: Vec<Sink> = Vec::new();
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
        let at = format!("notify `{name}`");
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
        let mut kinds = Vec::new();
        for k in raw.kinds.iter().flatten() {
            kinds.push(match k.trim().to_ascii_lowercase().as_str() {
                "carry" => Kind::Carry,
                "cross_carry" => Kind::CrossCarry,
                "perp_spread" => Kind::PerpSpread,
                _ => {
                    return Err(invalid(
                        fo,
                        &format!("{at}.kinds"),
                        k,
                        "carry, cross_carry or perp_spread",
                    ));
                }
            });
        }
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
    Ok(sinks)
}

/// The settings in effect as TOML, secrets masked (`basis config show`).
#[must_use]
pub fn show(s: &Settings) -> String {
    use std::fmt::Write as _;
    let p = &s.params;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# basis settings in effect (defaults < config file < environment)"
    );
    let _ = writeln!(
        out,
        "# config file: {}",
        s.config_path
            .as_ref()
            .map_or_else(|| "none".to_owned(), |c| c.display().to_string())
    );
    let _ = writeln!(out, "# data dir: {}\n", s.data_dir.display());
    let _ = writeln!(out, "[scan]");
    let _ = writeln!(
        out,
        "min_apr = {}",
        p.min_apr_pct
            .map_or_else(|| "none".into(), |m| m.to_string())
    );
    let _ = writeln!(out, "hold = \"{}d\"", p.hold_days.normalize());
    let _ = writeln!(out, "leverage = {}", p.leverage.normalize());
    let _ = writeln!(out, "collateral = \"{}\"", p.collateral);
    let _ = writeln!(out, "max_liq_prob = {}", p.max_liq_prob);
    let _ = writeln!(out, "correlation = {}", p.correlation);
    let _ = writeln!(out, "min_volume = {}", p.min_volume_usd.normalize());
    let _ = writeln!(
        out,
        "kinds = {:?}",
        p.kinds.iter().map(|k| k.id()).collect::<Vec<_>>()
    );
    let _ = writeln!(
        out,
        "venues = {:?}",
        s.venues.iter().map(|v| v.id()).collect::<Vec<_>>()
    );
    let _ = writeln!(
        out,
        "\n[http]\ntimeout = \"{}\"\nconnect_timeout = \"{}\"\nretries = {}\ndeadline = \"{}\"\nmax_body_mb = {}",
        humantime::format_duration(s.http.request_timeout),
        humantime::format_duration(s.http.connect_timeout),
        s.http.retries,
        humantime::format_duration(s.deadline),
        s.http.max_body / crate::venue::http::MIB
    );
    for (venue, vs) in &s.venue_settings {
        let c = p.costs_for(*venue);
        let _ = writeln!(out, "\n[venues.{}]", venue.id());
        let _ = writeln!(out, "enabled = {}", vs.enabled);
        let _ = writeln!(
            out,
            "spot_taker_fee = {}\nperp_taker_fee = {}\nmaintenance_margin = {}\nliquidation_fee = {}",
            c.spot_taker_fee, c.perp_taker_fee, c.maintenance_margin, c.liquidation_fee
        );
        let urls: Vec<String> = vs
            .urls
            .iter()
            .map(|(k, u)| format!("{k} = \"{u}\""))
            .collect();
        let _ = writeln!(out, "urls = {{ {} }}", urls.join(", "));
    }
    for sink in &s.sinks {
        let mask = |v: &Option<Secret>| v.as_ref().map(|_| "\"***\"");
        let _ = writeln!(
            out,
            "\n[[notify]]\nname = \"{}\"\nkind = \"{}\"",
            sink.name,
            sink.kind.id()
        );
        for (key, value) in [
            ("url", mask(&sink.url)),
            ("token", mask(&sink.token)),
            ("secret", mask(&sink.secret)),
        ] {
            if let Some(v) = value {
                let _ = writeln!(out, "{key} = {v}");
            }
        }
        if let Some(chat) = &sink.chat {
            let _ = writeln!(out, "chat = \"{chat}\"");
        }
        if let Some(m) = sink.min_apr_pct {
            let _ = writeln!(out, "min_apr = {m}");
        }
        let _ = writeln!(out, "top = {}", sink.top);
    }
    out
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
                msg.contains("notify `desk`.top") && msg.contains("at least 1"),
                "{msg}"
            );
        }
    }
}
