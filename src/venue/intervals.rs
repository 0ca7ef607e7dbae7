//! The per-market funding-interval refresh plan of venues without a bulk interval list (BingX, MEXC).
//!
//! Such a venue learns a perp's interval from one request per perp (a detail request, see
//! [`super::VenueAdapter::detail_requests`]). Each hourly reference refresh asks first for perps
//! with no interval at all, then for about 1/[`ROTATION`] of those whose interval was carried
//! over from the previous reference, oldest first, so every interval is checked again once a day
//! within a bounded number of requests.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::model::{Market, Reference};

/// Reference refreshes over which every carried-over interval is fetched again once (a day at
/// the hourly refresh).
pub const ROTATION: usize = 24;

/// A positive interval, normalised; `None` otherwise.
#[must_use]
pub fn positive(d: Option<Decimal>) -> Option<Decimal> {
    d.filter(|v| *v > Decimal::ZERO).map(|v| v.normalize())
}

/// Perp symbol → (age rank, interval) of the previous reference's perps that had an interval;
/// rank 0 is the one refreshed longest ago (the adapters' `apply_details` keeps that order by
/// moving refreshed perps to the end).
#[must_use]
pub fn carried_intervals(previous: Option<&Reference>) -> HashMap<&str, (usize, Decimal)> {
    previous
        .map(|r| {
            r.instruments
                .iter()
                .filter(|i| i.market == Market::Perp)
                .enumerate()
                .filter_map(|(rank, i)| {
                    let hours = positive(i.funding_interval_hours)?;
                    Some((i.symbol.as_str(), (rank, hours)))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Perps whose interval a detail request should supply this refresh, at most `max`: those with
/// no interval anywhere (in reference order), then about 1/[`ROTATION`] of those whose interval
/// only the previous reference has, oldest first.
#[must_use]
pub fn detail_symbols(fresh: &Reference, previous: Option<&Reference>, max: usize) -> Vec<String> {
    let carried = carried_intervals(previous);
    let mut unknown = Vec::new();
    let mut stale: Vec<(usize, &str)> = Vec::new();
    for inst in &fresh.instruments {
        if inst.market != Market::Perp || positive(inst.funding_interval_hours).is_some() {
            continue;
        }
        match carried.get(inst.symbol.as_str()) {
            Some((rank, _)) => stale.push((*rank, inst.symbol.as_str())),
            None => unknown.push(inst.symbol.as_str()),
        }
    }
    stale.sort_unstable();
    let rotation = stale.len().div_ceil(ROTATION);
    let mut out: Vec<String> = unknown.into_iter().take(max).map(str::to_owned).collect();
    let room = max.saturating_sub(out.len()).min(rotation);
    out.extend(stale.into_iter().take(room).map(|(_, s)| s.to_owned()));
    out
}
