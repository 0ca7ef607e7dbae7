//! Funding intervals learned per perp within each run's time budget (MEXC, BingX), and the flagged assumed interval for the rest.
//!
//! MEXC documents a perp's funding interval only per symbol and BingX does not always list it in
//! bulk: each needs one request per perp (the adapter's detail request), under a tight rate
//! limit (MEXC's contract host: 5 calls/s at basis's 50 % budget; BingX: one call every 2 s per
//! endpoint). Every run (scan, poll, watch) asks for the perps whose interval is still unknown,
//! at most [`IN_FLIGHT`] at a time under the venue's limiter, for at most [`budget`] (three fifths
//! of what is left of the poll deadline) (alongside the snapshot requests), and keeps what it learned in the cached
//! reference, so later runs never ask again (the hourly refresh carries intervals over).
//! At the default 20 s deadline that is about 70 MEXC perps and 7 BingX perps per run:
//! a `*/5` cron knows some 800 MEXC perps within the hour; `basis venues --refresh VENUE`
//! learns them all at once.
//!
//! A perp still unknown is not left out: it is ranked with an assumed interval of
//! [`ASSUMED_INTERVAL_HOURS`] (8 h, the longest either venue uses), so its funding APR is a lower
//! bound — a shorter real interval only pays more often. It is flagged
//! (`funding_interval_assumed` in JSON/CSV, `8h?` in the table, counted on the venue line), never
//! written to the store (the record holds known intervals only), and a `perp_spread` row is not
//! built on it (the spread of a long leg with an understated hourly rate could be overstated).

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use rust_decimal::Decimal;
use tokio::task::JoinSet;

use crate::model::{Instrument, Market, Reference};
use crate::venue::http::VenueClient;
use crate::venue::{Body, Request, VenueAdapter};

/// The interval a perp whose interval is still unknown is ranked with: 8 h, the longest MEXC
/// and BingX use, so the funding APR shown is never above the real one.
pub const ASSUMED_INTERVAL_HOURS: Decimal = Decimal::from_parts(8, 0, 0, false, 0);

/// Detail requests in flight at once per venue (the limiter paces them; this bounds the tasks).
pub const IN_FLIGHT: usize = 4;

/// The time a run spends learning intervals: three fifths of what is left of the poll deadline
/// after `spent` (12 s of the default 20 s), leaving the rest to the parse and the store.
#[must_use]
pub fn budget(deadline: Duration, spent: Duration) -> Duration {
    deadline.saturating_sub(spent).mul_f64(0.6)
}

/// Whether a perp's interval is unknown (absent or not positive).
fn unknown(inst: &Instrument) -> bool {
    inst.market == Market::Perp
        && inst
            .funding_interval_hours
            .is_none_or(|h| h <= Decimal::ZERO)
}

/// The venue's detail request for each perp of `reference` whose interval is unknown (one per
/// perp: the adapter is asked about each perp alone). Empty for venues that learn nothing per
/// perp.
#[must_use]
pub fn requests(adapter: &dyn VenueAdapter, reference: &Reference) -> Vec<Request> {
    reference
        .instruments
        .iter()
        .filter(|i| unknown(i))
        .flat_map(|inst| {
            let alone = Reference {
                instruments: vec![inst.clone()],
                ..Reference::default()
            };
            adapter.detail_requests(&alone, None)
        })
        .map(Request::optional)
        .collect()
}

/// Symbols of the perps of `reference` whose interval is unknown.
#[must_use]
pub fn unknown_symbols(reference: &Reference) -> BTreeSet<String> {
    reference
        .instruments
        .iter()
        .filter(|i| unknown(i))
        .map(|i| i.symbol.clone())
        .collect()
}

/// `reference` with [`ASSUMED_INTERVAL_HOURS`] for each perp in `symbols` (for parsing a
/// snapshot that keeps them; never stored).
#[must_use]
pub fn with_assumed(reference: &Reference, symbols: &BTreeSet<String>) -> Reference {
    let mut out = reference.clone();
    for inst in &mut out.instruments {
        if inst.market == Market::Perp && symbols.contains(&inst.symbol) && unknown(inst) {
            inst.funding_interval_hours = Some(ASSUMED_INTERVAL_HOURS);
        }
    }
    out
}

/// Every (venue, symbol) ranked with an assumed interval in these poll outcomes.
#[must_use]
pub fn assumed_of(
    outcomes: &[crate::poll::VenueOutcome],
) -> BTreeSet<(crate::model::Venue, String)> {
    outcomes
        .iter()
        .flat_map(|o| o.assumed_intervals.iter().map(|s| (o.venue, s.clone())))
        .collect()
}

/// What one learning pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Learned {
    /// Perps whose interval was unknown before (0 on venues that learn nothing per perp).
    pub unknown: usize,
    /// Detail answers received.
    pub answered: usize,
    /// Perps whose interval is known now and was not before.
    pub learned: usize,
}

/// Asks the venue for the interval of each perp of `reference` that has none, [`IN_FLIGHT`] at
/// a time under the venue's limiter, until all are asked or `budget` has passed (requests not
/// sent by then are dropped unsent), and merges the answers into `reference` through the
/// adapter. A failed request only leaves its perp unknown (logged at `-v`).
pub async fn learn(
    client: &Arc<VenueClient>,
    adapter: &'static dyn VenueAdapter,
    reference: &mut Reference,
    budget: Duration,
) -> Learned {
    let mut queue: VecDeque<Request> = requests(adapter, reference).into();
    if queue.is_empty() {
        return Learned::default();
    }
    let before = unknown_symbols(reference).len();
    let venue = adapter.venue();
    let mut fetched: Vec<(Request, Vec<u8>)> = Vec::new();
    let mut set = JoinSet::new();
    let spawn = |set: &mut JoinSet<_>, req: Request| {
        let client = Arc::clone(client);
        set.spawn(async move {
            let got = client.fetch(&req).await;
            (req, got)
        });
    };
    let collect = async {
        for _ in 0..IN_FLIGHT {
            if let Some(req) = queue.pop_front() {
                spawn(&mut set, req);
            }
        }
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok((req, Ok(body))) => fetched.push((req, body)),
                Ok((req, Err(e))) => {
                    tracing::info!(venue = %venue, endpoint = req.endpoint, error = %crate::model::safe::display(&e.to_string(), crate::model::safe::MESSAGE_CAP), "funding interval not learned this run");
                    if e.banned_until().is_some() {
                        // A ban stops the learning; the snapshot meets it too and records it.
                        queue.clear();
                    }
                }
                Err(_) => {}
            }
            if let Some(req) = queue.pop_front() {
                spawn(&mut set, req);
            }
        }
    };
    if tokio::time::timeout(budget, collect).await.is_err() {
        set.abort_all();
    }
    let answered = fetched.len();
    if answered > 0 {
        let bodies: Vec<Body<'_>> = fetched
            .iter()
            .map(|(request, bytes)| Body { request, bytes })
            .collect();
        if let Err(e) = adapter.apply_details(reference, None, &bodies) {
            tracing::warn!(venue = %venue, error = %e, "funding intervals unreadable; asked again next run");
        }
    }
    let after = unknown_symbols(reference).len();
    let learned = Learned {
        unknown: before,
        answered,
        learned: before.saturating_sub(after),
    };
    tracing::info!(venue = %venue, unknown = before, asked = answered, learned = learned.learned, "funding intervals learned");
    learned
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::model::Venue;

    fn perp(symbol: &str, hours: Option<&str>) -> Instrument {
        Instrument {
            venue: Venue::Mexc,
            market: Market::Perp,
            symbol: symbol.into(),
            asset: symbol.split('_').next().unwrap().into(),
            quote: "USDT".into(),
            multiplier: Decimal::ONE,
            contract_size: Decimal::ONE,
            funding_interval_hours: hours.map(|h| h.parse().unwrap()),
        }
    }

    fn reference() -> Reference {
        let mut spot = perp("BTCUSDT", None);
        spot.market = Market::Spot;
        Reference {
            instruments: vec![
                perp("BTC_USDT", Some("4")),
                perp("ETH_USDT", None),
                perp("DOGE_USDT", Some("0")),
                spot,
            ],
            ..Reference::default()
        }
    }

    #[test]
    fn unknown_means_a_perp_without_a_positive_interval() {
        let set = unknown_symbols(&reference());
        assert_eq!(
            set.into_iter().collect::<Vec<_>>(),
            ["DOGE_USDT", "ETH_USDT"]
        );
    }

    #[test]
    fn one_detail_request_per_unknown_perp_on_venues_that_learn() {
        let r = reference();
        let mexc = requests(crate::venue::adapter(Venue::Mexc), &r);
        let paths: Vec<&str> = mexc.iter().map(|q| q.path.as_str()).collect();
        assert_eq!(paths.len(), 2, "{paths:?}");
        assert!(paths.iter().any(|p| p.ends_with("/ETH_USDT")), "{paths:?}");
        assert!(paths.iter().any(|p| p.ends_with("/DOGE_USDT")), "{paths:?}");
        assert!(mexc.iter().all(|q| q.optional));
        // A venue with bulk intervals asks nothing per perp.
        assert!(requests(crate::venue::adapter(Venue::Okx), &r).is_empty());
    }

    #[test]
    fn the_assumed_interval_fills_only_the_named_unknown_perps() {
        let r = reference();
        let only_eth: BTreeSet<String> = ["ETH_USDT".to_owned(), "BTC_USDT".to_owned()].into();
        let filled = with_assumed(&r, &only_eth);
        let hours = |s: &str| {
            filled
                .instruments
                .iter()
                .find(|i| i.symbol == s && i.market == Market::Perp)
                .and_then(|i| i.funding_interval_hours)
        };
        assert_eq!(hours("ETH_USDT"), Some(Decimal::from(8)));
        assert_eq!(
            hours("BTC_USDT"),
            Some(Decimal::from(4)),
            "known: unchanged"
        );
        assert_eq!(hours("DOGE_USDT"), Some(Decimal::ZERO), "not named");
        assert_eq!(
            budget(Duration::from_secs(20), Duration::ZERO),
            Duration::from_secs(12)
        );
        assert_eq!(
            budget(Duration::from_secs(20), Duration::from_secs(10)),
            Duration::from_secs(6)
        );
        assert_eq!(
            budget(Duration::from_secs(20), Duration::from_secs(30)),
            Duration::ZERO
        );
    }
}
