//! Settings: built-in defaults < TOML config file < environment < flags, validated once.
//!
//! [`build`] is a short pipeline: the config `file`, the data dir, the `venues` tables and
//! selection, the `limits` of `[http]` and `[store]`, the `scan` parameters, and the `sinks`;
//! each step looks values up in the same [`Layers`] and notes where each came from. `show`
//! prints the result back as a config file; [`value`] holds the rules shared with the flags.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::analyze::{Params, VenueCosts};
use crate::cli::{ScanArgs, VenueArgs};
use crate::model::Venue;
use crate::notify::{NotifyOptions, Secret, Sink, SinkKind};
use crate::venue::http::{BaseUrls, HttpConfig, VenueClient};
use crate::venue::{HostSpec, adapter};

pub mod accounts;
mod file;
mod limits;
mod scan;
mod show;
mod sinks;
#[cfg(test)]
mod tests;
pub mod value;
mod venues;

pub use show::show;

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

/// Refuses the name of the `[[table]]` at `at` (`account "x"`, `notify "x"`) when one of the
/// tables before it took it already.
fn unique_name<'a>(
    origin: &Origin<'_>,
    at: &str,
    name: &str,
    table: &str,
    mut taken: impl Iterator<Item = &'a str>,
) -> Result<(), SettingsError> {
    if taken.any(|t| t == name) {
        let reason = format!("{table} names must be unique");
        return Err(invalid(origin, &format!("{at}.name"), name, &reason));
    }
    Ok(())
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

impl Settings {
    /// Applies a command's own `--hold DAYS` (`plan`, `positions`) over the horizon in effect.
    ///
    /// # Errors
    /// [`SettingsError::Invalid`] naming `--hold` when it is not a horizon.
    pub fn override_hold(&mut self, hold: Option<&str>) -> Result<(), SettingsError> {
        if let Some(h) = hold {
            self.params.hold_days = check(&Origin::Flag, "--hold", h, value::hold_days)?;
        }
        Ok(())
    }

    /// `venue`'s HTTP client over the shared `http` client, with this run's limits and the
    /// venue's base URLs.
    #[must_use]
    pub fn venue_client(&self, http: &reqwest::Client, venue: Venue) -> VenueClient {
        let urls = self.venue_settings.get(&venue).map(|s| s.urls.clone());
        VenueClient::new(
            http.clone(),
            adapter(venue),
            self.http.clone(),
            urls.unwrap_or_default(),
        )
    }
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

/// Where the layers of one value are looked up (environment, config file) and where each value in
/// effect came from ([`Settings::sources`]).
struct Layers<'a> {
    env: &'a dyn Env,
    /// The config file, as errors name it.
    file: Origin<'a>,
    sources: BTreeMap<String, Source>,
}

/// A value found in some layer: the text, where it came from, and its name there.
type Found<'a> = Option<(String, Origin<'a>, String)>;

impl<'a> Layers<'a> {
    /// One value of the [scan] or [http] table: flag > env (BASIS_<KEY>) > file > default, with
    /// where it came from (for errors) and the name there.
    fn layered(
        &self,
        flag: Option<String>,
        table: &str,
        key: &str,
        file_val: Option<String>,
    ) -> Found<'a> {
        if let Some(v) = flag {
            Some((v, Origin::Flag, format!("--{}", key.replace('_', "-"))))
        } else if let Some(v) = self.env.var(&env_var_of(key)) {
            Some((v, Origin::Env, env_var_of(key)))
        } else {
            file_val.map(|v| (v, self.file.clone(), format!("{table}.{key}")))
        }
    }

    /// [`Layers::layered`], noting the source for `config show`.
    fn noted(
        &mut self,
        flag: Option<String>,
        table: &str,
        key: &str,
        file_val: Option<String>,
    ) -> Found<'a> {
        let found = self.layered(flag, table, key, file_val);
        note(&mut self.sources, table, key, &found);
        found
    }

    /// [`Layers::noted`], checked by `rule`.
    fn checked<T>(
        &mut self,
        flag: Option<String>,
        (table, key): (&str, &str),
        file_val: Option<String>,
        rule: fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, SettingsError> {
        self.noted(flag, table, key, file_val)
            .map(|(v, o, k)| check(&o, &k, &v, rule))
            .transpose()
    }

    /// A comma-separated list: flag > env > file.
    fn list(
        &self,
        flag: Option<&Vec<String>>,
        key: &'static str,
        file_val: Option<&Vec<String>>,
    ) -> Option<(Vec<String>, Origin<'a>, String)> {
        match flag.filter(|f| !f.is_empty()) {
            Some(v) => Some((
                v.clone(),
                Origin::Flag,
                format!("--{}", key.replace('_', "-")),
            )),
            None => match self.env.var(&env_var_of(key)) {
                Some(v) => Some((vec![v], Origin::Env, env_var_of(key))),
                None => file_val.map(|v| (v.clone(), self.file.clone(), format!("scan.{key}"))),
            },
        }
    }

    /// Notes that `key` came from the config file.
    fn set_in_file(&mut self, key: String) {
        self.sources.insert(key, Source::File);
    }
}

/// Builds settings for a command: the config file, then the data dir, the venues' tables and
/// selection, HTTP and store limits, the scan's parameters and filters, and the sinks. `scan` is
/// `None` for commands without scan flags.
///
/// # Errors
/// A [`SettingsError`] naming the key and where it came from.
pub fn build(
    globals: &Globals,
    poll: &VenueArgs,
    scan: Option<&ScanArgs>,
    env: &dyn Env,
) -> Result<Settings, SettingsError> {
    let mut sources = BTreeMap::new();
    let (config_path, file) = file::read(globals, env, &mut sources)?;
    let fpath = config_path.clone().unwrap_or_default();
    let mut layers = Layers {
        env,
        file: Origin::File(&fpath),
        sources,
    };
    let data_dir = data_dir(globals, &mut layers)?;
    let mut params = Params::default();
    let venue_settings = venues::tables(&file, &mut layers, &mut params)?;
    let venues = venues::selection(&file, poll, &mut layers, &venue_settings)?;
    let (http, deadline) = limits::http(&file.http, poll, &mut layers)?;
    let (reference_ttl, retention) = limits::store(&file.store, &mut layers)?;
    scan::haircuts(&file, &mut layers, &mut params)?;
    scan::params(&file.scan, scan, &mut layers, &mut params)?;
    let history_filters = scan::history_filters(&file.scan, scan, &mut layers)?;
    let top = scan::top(&file.scan, scan, &mut layers)?;
    let (sinks, secret_files) =
        sinks::parse_sinks(&file.notify, &layers.file, &mut layers.sources)?;
    let accounts = accounts::parse(&file.account, &layers.file)?;
    let notify = sinks::options(scan, deadline, &mut layers)?;
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
        sources: layers.sources,
        secret_files,
        accounts,
    })
}

/// The store directory: flag > env > default; a file there is refused.
fn data_dir(globals: &Globals, layers: &mut Layers<'_>) -> Result<PathBuf, SettingsError> {
    let (data_dir, origin, name) = match (&globals.data_dir, layers.env.var("BASIS_DATA_DIR")) {
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
    layers
        .sources
        .insert("data_dir".to_owned(), origin.source(name));
    Ok(data_dir)
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
