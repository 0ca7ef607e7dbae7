//! `[[account]]` tables (config file or `basis positions --positions FILE`) into validated [`Account`]s.
//!
//! Shape (DESIGN.md "Accounts and positions", plus the keys it leaves open, named in the
//! README): `name`, `venue`, `collateral = { COIN = amount }`, optional `leverage`,
//! `collateral_drop_pct`, `margin_bands`, `liq_distance_pct`; `[[account.position]]` with
//! `symbol`, `size` (negative = short), `entry`, optional `leverage` and `tiers`
//! (`[{ floor, maintenance_rate, cum, initial_rate }]`, the venue's margin table for that
//! contract). Every error names the file, the account and the key.

use std::collections::BTreeMap;
use std::path::Path;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::file::ConfigDec;
use super::{Origin, SettingsError, invalid, unique_name, value};
use crate::model::account::{
    Account, AlertThresholds, CollateralHolding, MarginTable, MarginTier, Position,
};

/// Largest size, price or amount accepted (keeps every product well inside `Decimal`).
const LIMIT: Decimal = Decimal::from_parts(0xA4C6_8000, 0x0003_8D7E, 0, false, 0);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountConfig {
    name: Option<String>,
    venue: Option<String>,
    #[serde(default)]
    collateral: BTreeMap<String, ConfigDec>,
    leverage: Option<ConfigDec>,
    collateral_drop_pct: Option<ConfigDec>,
    margin_bands: Option<Vec<ConfigDec>>,
    liq_distance_pct: Option<ConfigDec>,
    #[serde(default)]
    position: Vec<PositionConfig>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PositionConfig {
    symbol: Option<String>,
    size: Option<ConfigDec>,
    entry: Option<ConfigDec>,
    leverage: Option<ConfigDec>,
    tiers: Option<Vec<TierConfig>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TierConfig {
    floor: ConfigDec,
    maintenance_rate: ConfigDec,
    #[serde(default)]
    cum: Option<ConfigDec>,
    initial_rate: Option<ConfigDec>,
}

/// A `--positions FILE`: only `[[account]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PositionsFile {
    #[serde(default)]
    account: Vec<toml::Table>,
}

/// Reads the accounts of a `--positions FILE` (the config's `[[account]]` shape).
///
/// # Errors
/// The file cannot be read or parsed, or an account is invalid: the message names the file and
/// key (exit 78).
pub fn load(path: &Path) -> Result<Vec<Account>, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|e| SettingsError::Read {
        path: path.to_owned(),
        reason: format!("{e} (the --positions file)"),
    })?;
    let file: PositionsFile = toml::from_str(&text).map_err(|e| SettingsError::Parse {
        path: path.to_owned(),
        reason: e.to_string().trim_end().to_owned(),
    })?;
    parse(&file.account, &Origin::File(path))
}

/// Validates the `[[account]]` tables of `origin`.
///
/// # Errors
/// The first invalid value, naming the account and key.
pub(super) fn parse(
    tables: &[toml::Table],
    origin: &Origin<'_>,
) -> Result<Vec<Account>, SettingsError> {
    let mut out: Vec<Account> = Vec::with_capacity(tables.len());
    for (i, table) in tables.iter().enumerate() {
        let raw = AccountConfig::deserialize(toml::Value::Table(table.clone()))
            .map_err(|e| invalid(origin, &format!("account[{i}]"), "(table)", e.message()))?;
        let name = raw
            .name
            .clone()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                invalid(
                    origin,
                    &format!("account[{i}].name"),
                    "",
                    "every [[account]] needs a name, e.g. name = \"bybit-carry\"",
                )
            })?;
        let at = format!("account \"{name}\"");
        let taken = out.iter().map(|a| a.name.as_str());
        unique_name(origin, &at, &name, "account", taken)?;
        out.push(account(raw, &name, origin)?);
    }
    Ok(out)
}

/// A decimal within `(lo, LIMIT]` (or `[lo, LIMIT]` when `inclusive`).
fn bounded(
    origin: &Origin<'_>,
    key: &str,
    v: Decimal,
    lo: Decimal,
    inclusive: bool,
    what: &str,
) -> Result<Decimal, SettingsError> {
    let above = if inclusive { v >= lo } else { v > lo };
    if above && v.abs() <= LIMIT {
        Ok(v)
    } else {
        Err(invalid(origin, key, &v.to_string(), what))
    }
}

fn account(raw: AccountConfig, name: &str, origin: &Origin<'_>) -> Result<Account, SettingsError> {
    let at = |key: &str| format!("account \"{name}\".{key}");
    let venue_text = raw.venue.unwrap_or_default();
    let venue =
        value::venue(&venue_text).map_err(|e| invalid(origin, &at("venue"), &venue_text, &e))?;
    if raw.collateral.is_empty() {
        return Err(invalid(
            origin,
            &at("collateral"),
            "",
            "list the coins held as margin, e.g. collateral = { ETH = 20, USDT = 5000 }",
        ));
    }
    let collateral = holdings(raw.collateral, name, origin)?;
    let leverage = raw
        .leverage
        .map(|ConfigDec(l)| checked_leverage(origin, &at("leverage"), l))
        .transpose()?;
    let mut thresholds = AlertThresholds::default();
    if let Some(ConfigDec(p)) = raw.collateral_drop_pct {
        if p <= Decimal::ZERO || p >= Decimal::ONE_HUNDRED {
            return Err(invalid(
                origin,
                &at("collateral_drop_pct"),
                &p.to_string(),
                "a percentage between 0 and 100, e.g. 15",
            ));
        }
        thresholds.collateral_drop_pct = p;
    }
    if let Some(ConfigDec(p)) = raw.liq_distance_pct {
        thresholds.liq_distance_pct = bounded(
            origin,
            &at("liq_distance_pct"),
            p,
            Decimal::ZERO,
            false,
            "a percentage above 0, e.g. 10",
        )?;
    }
    if let Some(bands) = raw.margin_bands {
        let bands: Vec<Decimal> = bands.into_iter().map(|ConfigDec(b)| b).collect();
        let ok = !bands.is_empty()
            && bands
                .iter()
                .all(|b| *b > Decimal::ZERO && *b <= Decimal::ONE)
            && bands.windows(2).all(|w| w[0] < w[1]);
        if !ok {
            let text: Vec<String> = bands.iter().map(ToString::to_string).collect();
            return Err(invalid(
                origin,
                &at("margin_bands"),
                &text.join(", "),
                "increasing margin ratios in (0, 1], e.g. [0.5, 0.8]",
            ));
        }
        thresholds.margin_bands = bands;
    }
    let mut positions = Vec::with_capacity(raw.position.len());
    for (j, p) in raw.position.into_iter().enumerate() {
        positions.push(position(p, &at(&format!("position[{j}]")), origin)?);
    }
    Ok(Account {
        name: name.to_owned(),
        venue,
        collateral,
        positions,
        leverage,
        thresholds,
    })
}

/// The coins an account holds as margin, each once, amounts zero or more.
fn holdings(
    raw: BTreeMap<String, ConfigDec>,
    name: &str,
    origin: &Origin<'_>,
) -> Result<Vec<CollateralHolding>, SettingsError> {
    let at = |key: &str| format!("account \"{name}\".{key}");
    let mut collateral: Vec<CollateralHolding> = Vec::new();
    for (coin, ConfigDec(amount)) in raw {
        let key = at(&format!("collateral.{coin}"));
        let coin = value::coin(&coin).map_err(|e| invalid(origin, &key, &coin, &e))?;
        if collateral.iter().any(|c| c.coin == coin) {
            return Err(invalid(origin, &key, &coin, "each coin once"));
        }
        let amount = bounded(
            origin,
            &key,
            amount,
            Decimal::ZERO,
            true,
            "an amount of coins, zero or more",
        )?;
        collateral.push(CollateralHolding { coin, amount });
    }
    Ok(collateral)
}

fn checked_leverage(origin: &Origin<'_>, key: &str, l: Decimal) -> Result<Decimal, SettingsError> {
    value::leverage(&l.to_string()).map_err(|e| invalid(origin, key, &l.to_string(), &e))
}

fn position(p: PositionConfig, at: &str, origin: &Origin<'_>) -> Result<Position, SettingsError> {
    let key = |k: &str| format!("{at}.{k}");
    let symbol = p
        .symbol
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            invalid(
                origin,
                &key("symbol"),
                "",
                "the venue's perp symbol, e.g. symbol = \"BTCUSDT\"",
            )
        })?;
    let size = match p.size {
        Some(ConfigDec(z)) if !z.is_zero() && z.abs() <= LIMIT => z,
        other => {
            return Err(invalid(
                origin,
                &key("size"),
                &other.map(|ConfigDec(z)| z.to_string()).unwrap_or_default(),
                "the size in coins, negative for a short, e.g. size = -1.5",
            ));
        }
    };
    let entry = match p.entry {
        Some(ConfigDec(e)) => bounded(
            origin,
            &key("entry"),
            e,
            Decimal::ZERO,
            false,
            "the entry price, above 0",
        )?,
        None => {
            return Err(invalid(
                origin,
                &key("entry"),
                "",
                "the entry price, e.g. entry = 65000",
            ));
        }
    };
    let leverage = p
        .leverage
        .map(|ConfigDec(l)| checked_leverage(origin, &key("leverage"), l))
        .transpose()?;
    let tiers = match p.tiers {
        None => None,
        Some(rows) => {
            let tiers = rows
                .into_iter()
                .map(|t| MarginTier {
                    floor: t.floor.0,
                    maintenance_rate: t.maintenance_rate.0,
                    cum: t.cum.map_or(Decimal::ZERO, |c| c.0),
                    initial_rate: t.initial_rate.map(|i| i.0),
                })
                .collect();
            Some(
                MarginTable::new(tiers)
                    .map_err(|e| invalid(origin, &key("tiers"), "(table)", &e.to_string()))?,
            )
        }
    };
    Ok(Position {
        symbol,
        size,
        entry,
        leverage,
        tiers,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Vec<Account>, SettingsError> {
        let file: PositionsFile = toml::from_str(text).unwrap();
        parse(&file.account, &Origin::File(Path::new("/etc/basis.toml")))
    }

    #[test]
    fn the_limit_is_1e15() {
        assert_eq!(LIMIT, Decimal::from(1_000_000_000_000_000i64));
    }

    #[test]
    fn designs_example_reads() {
        let a = parse_text(
            r#"
[[account]]
name = "bybit-carry"
venue = "bybit"
collateral = { ETH = 20, USDT = 5000 }
collateral_drop_pct = 15
[[account.position]]
symbol = "BTCUSDT"
size = -1.5
entry = 65000
tiers = [{ floor = 0, maintenance_rate = 0.004, initial_rate = 0.01 }, { floor = 2000000, maintenance_rate = 0.005, cum = 2000 }]
"#,
        )
        .unwrap();
        assert_eq!(a.len(), 1);
        let a = &a[0];
        assert_eq!(a.venue, crate::model::Venue::Bybit);
        assert_eq!(a.collateral.len(), 2);
        assert_eq!(a.collateral[0].coin, "ETH");
        assert_eq!(a.positions[0].size, Decimal::new(-15, 1));
        assert_eq!(a.positions[0].tiers.as_ref().unwrap().tiers().len(), 2);
        assert_eq!(a.thresholds, AlertThresholds::default());
    }

    #[test]
    fn bad_values_name_the_file_account_and_key() {
        for (text, key) in [
            (
                "[[account]]\nvenue = \"bybit\"\ncollateral = { USDT = 1 }",
                "account[0].name",
            ),
            (
                "[[account]]\nname = \"a\"\nvenue = \"nope\"\ncollateral = { USDT = 1 }",
                "account \"a\".venue",
            ),
            (
                "[[account]]\nname = \"a\"\nvenue = \"okx\"",
                "account \"a\".collateral",
            ),
            (
                "[[account]]\nname = \"a\"\nvenue = \"okx\"\ncollateral = { USDT = -1 }",
                "account \"a\".collateral.USDT",
            ),
            (
                "[[account]]\nname = \"a\"\nvenue = \"okx\"\ncollateral = { USDT = 1 }\n[[account.position]]\nsymbol = \"X\"\nsize = 0\nentry = 1",
                "account \"a\".position[0].size",
            ),
            (
                "[[account]]\nname = \"a\"\nvenue = \"okx\"\ncollateral = { USDT = 1 }\n[[account.position]]\nsymbol = \"X\"\nsize = 1",
                "account \"a\".position[0].entry",
            ),
            (
                "[[account]]\nname = \"a\"\nvenue = \"okx\"\ncollateral = { USDT = 1 }\nmargin_bands = [0.8, 0.5]",
                "account \"a\".margin_bands",
            ),
            (
                "[[account]]\nname = \"a\"\nvenue = \"okx\"\ncollateral = { USDT = 1 }\n[[account.position]]\nsymbol = \"X\"\nsize = 1\nentry = 1\ntiers = [{ floor = 5, maintenance_rate = 0.01 }]",
                "account \"a\".position[0].tiers",
            ),
            (
                "[[account]]\nname = \"a\"\nvenue = \"okx\"\ncollateral = { USDT = 1 }\nfoo = 1",
                "account[0]",
            ),
            (
                "[[account]]\nname = \"a\"\nvenue = \"okx\"\ncollateral = { USDT = 1 }\n[[account]]\nname = \"a\"\nvenue = \"okx\"\ncollateral = { USDT = 1 }",
                "account \"a\".name",
            ),
        ] {
            let e = parse_text(text).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains("/etc/basis.toml"), "{msg}");
            assert!(msg.contains(&format!("`{key}`")), "{key}: {msg}");
            assert!(!e.is_usage(), "a config error (78): {msg}");
        }
    }
}
