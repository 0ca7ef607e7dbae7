//! The `[venues.<id>]` tables (fees, maintenance margin, base URLs, `enabled`) and which venues
//! a command polls.

use super::file::{ConfigDec, ConfigFile, VenueConfig};
use super::*;

/// Every venue's settings and costs (into `params.costs`), from its table where there is one.
pub(super) fn tables(
    file: &ConfigFile,
    layers: &mut Layers<'_>,
    params: &mut Params,
) -> Result<BTreeMap<Venue, VenueSettings>, SettingsError> {
    for name in file.venues.keys() {
        check(&layers.file, &format!("venues.{name}"), name, value::venue)?;
    }
    let mut venue_settings = BTreeMap::new();
    for venue in Venue::ALL {
        let vc = file.venues.get(venue.id());
        costs(venue, vc, layers, params)?;
        let urls = urls(venue, vc, layers)?;
        venue_settings.insert(
            venue,
            VenueSettings {
                enabled: vc.and_then(|c| c.enabled).unwrap_or(true),
                urls,
            },
        );
    }
    Ok(venue_settings)
}

/// A venue's fees and maintenance margin: built in, overridden by its table.
fn costs(
    venue: Venue,
    vc: Option<&VenueConfig>,
    layers: &mut Layers<'_>,
    params: &mut Params,
) -> Result<(), SettingsError> {
    let mut costs = params
        .costs
        .get(&venue)
        .cloned()
        .unwrap_or_else(|| VenueCosts::default_for(venue));
    if let Some(vc) = vc {
        let prefix = format!("venues.{}", venue.id());
        let mut fee = |key: &str, v: Option<ConfigDec>, target: &mut Decimal| {
            fraction(layers, format!("{prefix}.{key}"), v, target)
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
            layers.set_in_file(format!("{prefix}.enabled"));
        }
    }
    params.costs.insert(venue, costs);
    Ok(())
}

/// A fee or margin from the config file under `key`: a fraction in [0, 1).
fn fraction(
    layers: &mut Layers<'_>,
    key: String,
    v: Option<ConfigDec>,
    target: &mut Decimal,
) -> Result<(), SettingsError> {
    if let Some(ConfigDec(d)) = v {
        if d < Decimal::ZERO || d >= Decimal::ONE {
            return Err(invalid(
                &layers.file,
                &key,
                &d.to_string(),
                "a fraction in [0, 1), e.g. 0.0005 for 0.05 %",
            ));
        }
        *target = d;
        layers.set_in_file(key);
    }
    Ok(())
}

/// A venue's base URL per host: env > its table > built in; a host the venue lacks is refused.
fn urls(
    venue: Venue,
    vc: Option<&VenueConfig>,
    layers: &mut Layers<'_>,
) -> Result<BaseUrls, SettingsError> {
    let prefix = format!("venues.{}", venue.id());
    let mut urls = BaseUrls::new();
    for host in adapter(venue).hosts() {
        let key = format!("{prefix}.urls.{}", host.key);
        let (value, origin) = match (
            layers.env.var(host.env),
            vc.and_then(|c| c.urls.get(host.key)),
        ) {
            (Some(v), _) => (v, Origin::Env),
            (None, Some(v)) => (v.clone(), layers.file.clone()),
            (None, None) => (host.default_url.to_owned(), Origin::Default),
        };
        let name = if matches!(origin, Origin::Env) {
            host.env
        } else {
            &key
        };
        urls.insert(host.key, validate_url(&origin, name, &value)?);
        layers.sources.insert(key.clone(), origin.source(name));
    }
    for k in vc.iter().flat_map(|c| c.urls.keys()) {
        if !adapter(venue).hosts().iter().any(|h: &HostSpec| h.key == k) {
            let known: Vec<_> = adapter(venue).hosts().iter().map(|h| h.key).collect();
            return Err(invalid(
                &layers.file,
                &format!("{prefix}.urls.{k}"),
                k,
                &format!("unknown host; {} has: {}", venue.id(), known.join(", ")),
            ));
        }
    }
    Ok(urls)
}

/// The venues to poll: flag > env > config > all enabled.
pub(super) fn selection(
    file: &ConfigFile,
    poll: &VenueArgs,
    layers: &mut Layers<'_>,
    venue_settings: &BTreeMap<Venue, VenueSettings>,
) -> Result<Vec<Venue>, SettingsError> {
    let selection = layers.list(Some(&poll.venues), "venues", file.scan.venues.as_ref());
    Ok(match &selection {
        Some((list, o, k)) => {
            layers.sources.insert("scan.venues".to_owned(), o.source(k));
            venue_list(o, k, list)?
        }
        None => crate::venue::implemented()
            .into_iter()
            .filter(|v| venue_settings.get(v).is_some_and(|s| s.enabled))
            .collect(),
    })
}
