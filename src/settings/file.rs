//! The config file: its TOML tables exactly as DESIGN.md lists them (unknown keys are errors),
//! and reading it.

use super::*;

/// A decimal in the config file: a TOML number or a string, never through binary noise.
#[derive(Debug, Clone, Copy)]
pub(super) struct ConfigDec(pub(super) Decimal);

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
pub(super) struct ConfigFile {
    #[serde(default)]
    pub(super) scan: ScanConfig,
    #[serde(default)]
    pub(super) venues: BTreeMap<String, VenueConfig>,
    #[serde(default)]
    pub(super) collateral: BTreeMap<String, CollateralConfig>,
    #[serde(default)]
    pub(super) http: HttpFileConfig,
    #[serde(default)]
    pub(super) store: StoreConfig,
    /// Webhook sinks, one table each.
    #[serde(default)]
    pub(super) notify: Vec<toml::Table>,
    /// Declared accounts ([`super::accounts`]).
    #[serde(default)]
    pub(super) account: Vec<toml::Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScanConfig {
    pub(super) min_apr: Option<ConfigDec>,
    pub(super) hold: Option<String>,
    pub(super) leverage: Option<ConfigDec>,
    pub(super) collateral: Option<String>,
    pub(super) max_liq_prob: Option<f64>,
    pub(super) correlation: Option<f64>,
    pub(super) min_volume: Option<ConfigDec>,
    pub(super) top: Option<usize>,
    pub(super) venues: Option<Vec<String>>,
    pub(super) assets: Option<Vec<String>>,
    pub(super) kinds: Option<Vec<String>>,
    pub(super) quote_equivalence: Option<Vec<String>>,
    pub(super) min_pos_share: Option<f64>,
    pub(super) min_apr_7d: Option<ConfigDec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VenueConfig {
    pub(super) enabled: Option<bool>,
    pub(super) spot_taker_fee: Option<ConfigDec>,
    pub(super) perp_taker_fee: Option<ConfigDec>,
    pub(super) maintenance_margin: Option<ConfigDec>,
    pub(super) liquidation_fee: Option<ConfigDec>,
    #[serde(default)]
    pub(super) urls: BTreeMap<String, String>,
}

/// One `[[notify]]` table as written (secrets still plain here; wrapped in `Secret` at once).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NotifyFileConfig {
    pub(super) name: Option<String>,
    pub(super) kind: Option<String>,
    pub(super) url: Option<String>,
    pub(super) url_file: Option<PathBuf>,
    pub(super) token: Option<String>,
    pub(super) token_file: Option<PathBuf>,
    pub(super) chat: Option<toml::Value>,
    pub(super) secret: Option<String>,
    pub(super) secret_file: Option<PathBuf>,
    pub(super) min_apr: Option<ConfigDec>,
    pub(super) kinds: Option<Vec<String>>,
    pub(super) venues: Option<Vec<String>>,
    pub(super) assets: Option<Vec<String>>,
    pub(super) top: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CollateralConfig {
    pub(super) haircut: Option<ConfigDec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HttpFileConfig {
    pub(super) timeout: Option<String>,
    pub(super) connect_timeout: Option<String>,
    pub(super) retries: Option<u32>,
    pub(super) deadline: Option<String>,
    pub(super) max_body_mb: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StoreConfig {
    pub(super) retention: Option<String>,
    pub(super) history_retention: Option<String>,
    pub(super) bars_retention: Option<String>,
    pub(super) reference_ttl: Option<String>,
}

/// The config file: explicit (flag, env) must exist; the default path is optional. Returns its
/// path (when one was read) and contents.
pub(super) fn read(
    globals: &Globals,
    env: &dyn Env,
    sources: &mut BTreeMap<String, Source>,
) -> Result<(Option<PathBuf>, ConfigFile), SettingsError> {
    let explicit = match (&globals.config, env.var("BASIS_CONFIG")) {
        (Some(p), _) => Some((p.clone(), Source::Flag("--config".into()))),
        (None, Some(p)) => Some((PathBuf::from(p), Source::Env("BASIS_CONFIG".into()))),
        (None, None) => None,
    };
    Ok(match explicit {
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
    })
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
