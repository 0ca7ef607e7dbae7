//! The `[http]` and `[store]` tables: timeouts, retries, body cap, deadline, retention.

use super::file::{HttpFileConfig, StoreConfig};
use super::*;

/// The HTTP policy and the polling deadline: flag > env > `[http]` > default.
pub(super) fn http(
    hf: &HttpFileConfig,
    poll: &VenueArgs,
    layers: &mut Layers<'_>,
) -> Result<(HttpConfig, Duration), SettingsError> {
    let mut http = HttpConfig::default();
    let found = layers.noted(poll.timeout.clone(), "http", "timeout", hf.timeout.clone());
    if let Some((v, o, k)) = found {
        http.request_timeout = duration(&o, &k, &v)?;
    }
    let found = layers.noted(None, "http", "connect_timeout", hf.connect_timeout.clone());
    if let Some((v, o, k)) = found {
        http.connect_timeout = duration(&o, &k, &v)?;
    }
    if let Some(r) = hf.retries {
        http.retries = r.min(10);
        layers.set_in_file("http.retries".to_owned());
    }
    let body_file = hf.max_body_mb.as_ref().map(|v| match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let max_body = layers.checked(None, ("http", "max_body_mb"), body_file, value::max_body)?;
    if let Some(max_body) = max_body {
        http.max_body = max_body;
    }
    let deadline = layers
        .checked(
            poll.deadline.clone(),
            ("http", "deadline"),
            hf.deadline.clone(),
            value::duration,
        )?
        .unwrap_or(Duration::from_secs(20));
    Ok((http, deadline))
}

/// The reference cache's age limit and the retention of each kind of record (`[store]`).
pub(super) fn store(
    sc: &StoreConfig,
    layers: &mut Layers<'_>,
) -> Result<(Duration, crate::store::Retention), SettingsError> {
    let mut reference_ttl = Duration::from_secs(3600);
    let mut retention = crate::store::Retention::default();
    for (key, text, target) in [
        ("reference_ttl", &sc.reference_ttl, &mut reference_ttl),
        ("retention", &sc.retention, &mut retention.quotes),
        (
            "history_retention",
            &sc.history_retention,
            &mut retention.history,
        ),
        ("bars_retention", &sc.bars_retention, &mut retention.bars),
    ] {
        if let Some(v) = text {
            *target = duration(&layers.file, &format!("store.{key}"), v)?;
            layers.set_in_file(format!("store.{key}"));
        }
    }
    Ok((reference_ttl, retention))
}
