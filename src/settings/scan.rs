//! The `[scan]` and `[collateral]` tables with their flags and variables: the analyzer's
//! parameters, the history filters and `top`.

use super::file::{ConfigDec, ConfigFile, ScanConfig};
use super::*;

/// A scan flag's text, when the command has scan flags and it was given.
fn flag(scan: Option<&ScanArgs>, f: fn(&ScanArgs) -> Option<&String>) -> Option<String> {
    scan.and_then(f).cloned()
}

fn dec_text(d: Option<ConfigDec>) -> Option<String> {
    d.map(|d| d.0.to_string())
}

/// The collateral haircuts of `[collateral.<coin>]`: fractions in (0, 1].
pub(super) fn haircuts(
    file: &ConfigFile,
    layers: &mut Layers<'_>,
    params: &mut Params,
) -> Result<(), SettingsError> {
    for (coin, c) in &file.collateral {
        if let Some(ConfigDec(k)) = c.haircut {
            let key = format!("collateral.{coin}.haircut");
            if k <= Decimal::ZERO || k > Decimal::ONE {
                return Err(invalid(
                    &layers.file,
                    &key,
                    &k.to_string(),
                    "a fraction in (0, 1], e.g. 0.95",
                ));
            }
            let coin = check(
                &layers.file,
                &format!("collateral.{coin}"),
                coin,
                value::coin,
            )?;
            params.haircuts.insert(coin, k);
            layers.set_in_file(key);
        }
    }
    Ok(())
}

/// The scan's parameters: flag > env > file > default.
pub(super) fn params(
    sc: &ScanConfig,
    scan: Option<&ScanArgs>,
    layers: &mut Layers<'_>,
    params: &mut Params,
) -> Result<(), SettingsError> {
    let min_apr = flag(scan, |s| s.min_apr.as_ref());
    params.min_apr_pct = Some(
        layers
            .checked(
                min_apr,
                ("scan", "min_apr"),
                dec_text(sc.min_apr),
                value::number,
            )?
            .unwrap_or(Decimal::TEN),
    );
    let hold = flag(scan, |s| s.hold.as_ref());
    if let Some(v) = layers.checked(hold, ("scan", "hold"), sc.hold.clone(), value::hold_days)? {
        params.hold_days = v;
    }
    let leverage = flag(scan, |s| s.leverage.as_ref());
    let file_val = dec_text(sc.leverage);
    if let Some(v) = layers.checked(leverage, ("scan", "leverage"), file_val, value::leverage)? {
        params.leverage = v;
    }
    let collateral = flag(scan, |s| s.collateral.as_ref());
    let file_val = sc.collateral.clone();
    if let Some(v) = layers.checked(collateral, ("scan", "collateral"), file_val, value::coin)? {
        params.collateral = v;
    }
    let max_liq = flag(scan, |s| s.max_liq_prob.as_ref());
    let file_val = sc.max_liq_prob.map(|d| d.to_string());
    let key = ("scan", "max_liq_prob");
    if let Some(v) = layers.checked(max_liq, key, file_val, value::probability)? {
        params.max_liq_prob = v;
    }
    let file_val = sc.correlation.map(|d| d.to_string());
    let key = ("scan", "correlation");
    if let Some(v) = layers.checked(None, key, file_val, value::correlation)? {
        params.correlation = v;
    }
    let min_volume = flag(scan, |s| s.min_volume.as_ref());
    let file_val = dec_text(sc.min_volume);
    params.min_volume_usd = layers
        .checked(
            min_volume,
            ("scan", "min_volume"),
            file_val,
            value::min_volume,
        )?
        .unwrap_or(Decimal::ZERO);
    lists(sc, scan, layers, params)
}

/// Assets, kinds and quote equivalence: flag > env > file > default (every asset and kind, no
/// equivalence).
fn lists(
    sc: &ScanConfig,
    scan: Option<&ScanArgs>,
    layers: &mut Layers<'_>,
    params: &mut Params,
) -> Result<(), SettingsError> {
    if let Some((list, o, k)) = layers.list(scan.map(|s| &s.assets), "assets", sc.assets.as_ref()) {
        layers
            .sources
            .insert("scan.assets".to_owned(), o.source(&k));
        params.assets = items(&list).map(str::to_ascii_uppercase).collect();
    }
    if let Some((list, o, k)) = layers.list(scan.map(|s| &s.kinds), "kinds", sc.kinds.as_ref()) {
        layers.sources.insert("scan.kinds".to_owned(), o.source(&k));
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
    if let Some((list, o, k)) = layers.list(
        scan.map(|s| &s.quote_equivalence),
        "quote_equivalence",
        sc.quote_equivalence.as_ref(),
    ) {
        layers
            .sources
            .insert("scan.quote_equivalence".to_owned(), o.source(&k));
        params.quote_equivalence = items(&list)
            .map(|item| check(&o, &k, item, value::quote_pair))
            .collect::<Result<_, _>>()?;
    }
    Ok(())
}

/// `--min-pos-share` and `--min-apr-7d`.
pub(super) fn history_filters(
    sc: &ScanConfig,
    scan: Option<&ScanArgs>,
    layers: &mut Layers<'_>,
) -> Result<crate::analyze::history::HistoryFilters, SettingsError> {
    let min_pos_share = flag(scan, |s| s.min_pos_share.as_ref());
    let file_val = sc.min_pos_share.map(|d| d.to_string());
    let min_apr_7d = flag(scan, |s| s.min_apr_7d.as_ref());
    Ok(crate::analyze::history::HistoryFilters {
        min_pos_share: layers.checked(
            min_pos_share,
            ("scan", "min_pos_share"),
            file_val,
            value::share,
        )?,
        min_apr_7d_pct: layers.checked(
            min_apr_7d,
            ("scan", "min_apr_7d"),
            dec_text(sc.min_apr_7d),
            value::number,
        )?,
    })
}

/// `--top`: how many rows, when limited.
pub(super) fn top(
    sc: &ScanConfig,
    scan: Option<&ScanArgs>,
    layers: &mut Layers<'_>,
) -> Result<Option<usize>, SettingsError> {
    let flag = scan.and_then(|s| s.top).map(|t| t.to_string());
    layers.checked(
        flag,
        ("scan", "top"),
        sc.top.map(|t| t.to_string()),
        value::top,
    )
}
