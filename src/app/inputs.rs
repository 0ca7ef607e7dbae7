//! The stored record a scan hands the analyzer: funding summaries, daily closes, and the daily
//! ranges of last resort.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::AppError;
use super::shared::{blocking_store, poll_context};
use crate::model::{Snapshot, Venue};
use crate::settings::Settings;
use crate::store::{Store, StoreError};

/// How much stored history a scan reads: the 30-day statistics window plus a day.
pub(super) const HISTORY_WINDOW_MS: i64 = 31 * 86_400_000;

/// Quote preference for a venue's spot closes of the collateral coin (one pair per venue).
pub(super) fn quote_rank(quote: &str) -> u8 {
    match quote {
        "USDT" => 0,
        "USDC" => 1,
        "USD" => 2,
        _ => 3,
    }
}

/// The stored record the analyzer uses: the funding summary and daily closes of every scanned
/// perp (each keyed by its own (venue, symbol); see [`Store::funding_summaries`]), and per venue the daily
/// closes of the collateral coin's spot pair (USDT, then USDC, then USD).
pub(crate) async fn load_history(
    store: &Store,
    snapshots: &[Snapshot],
    collateral: &str,
) -> Result<crate::analyze::HistoryInputs, AppError> {
    use crate::model::Market;
    let perps: Vec<(Venue, String)> = snapshots
        .iter()
        .flat_map(|snap| snap.perps.iter().map(|p| (snap.venue, p.symbol.clone())))
        .collect();
    // The collateral's spot pair per venue: (quote rank, symbol), the smallest wins.
    let mut spot_pairs: std::collections::HashMap<Venue, (u8, String)> =
        std::collections::HashMap::new();
    for sp in snapshots
        .iter()
        .flat_map(|snap| &snap.spots)
        .filter(|sp| quote_rank(&sp.quote) < 3 && sp.asset.eq_ignore_ascii_case(collateral))
    {
        let offer = (quote_rank(&sp.quote), sp.symbol.clone());
        let slot = spot_pairs.entry(sp.venue).or_insert_with(|| offer.clone());
        if offer < *slot {
            *slot = offer;
        }
    }
    let collateral = collateral.to_ascii_uppercase();
    let s = store.clone();
    blocking_store(move || {
        let now = Utc::now();
        let now_ms = now.timestamp_millis();
        let mut inputs = crate::analyze::HistoryInputs {
            now,
            ..crate::analyze::HistoryInputs::default()
        };
        inputs.settlements = s.funding_summaries(&perps, now)?;
        let closes_of = |venue: Venue, market: Market, symbol: &str| {
            let closes: Vec<crate::analyze::stats::DailyClose> = s
                .daily_closes_since(
                    venue,
                    market,
                    symbol,
                    now_ms - HISTORY_WINDOW_MS - 86_400_000,
                )?
                .into_iter()
                .filter_map(|(day, c)| {
                    Some(crate::analyze::stats::DailyClose {
                        day: DateTime::<Utc>::from_timestamp_millis(day)?.date_naive(),
                        close: c.close,
                    })
                })
                .collect();
            Ok::<_, StoreError>((closes.len() > 1).then_some(closes))
        };
        for (venue, symbol) in perps {
            if let Some(closes) = closes_of(venue, Market::Perp, &symbol)? {
                inputs.perp_closes.insert((venue, symbol), closes);
            }
        }
        for (venue, (_, symbol)) in spot_pairs {
            if let Some(closes) = closes_of(venue, Market::Spot, &symbol)? {
                inputs
                    .spot_closes
                    .insert((venue, collateral.clone()), closes);
            }
        }
        Ok(inputs)
    })
    .await
}

/// DESIGN's `σ_A` of last resort: the last daily candle of each perp whose asset no venue of
/// the scan gives a 24 h high/low for, and that has no realised volatility either (see
/// [`crate::poll::daily_ranges`]; cached an hour, fetched only from venues polled this run).
pub(crate) async fn daily_ranges(
    settings: &Settings,
    store: &Store,
    snapshots: &[Snapshot],
    history: &crate::analyze::HistoryInputs,
    live: &[Venue],
) -> Result<
    std::collections::HashMap<(Venue, String), (rust_decimal::Decimal, rust_decimal::Decimal)>,
    AppError,
> {
    let lacks_range = |p: &crate::model::PerpQuote| p.high_24h.is_none() || p.low_24h.is_none();
    if !snapshots.iter().flat_map(|s| &s.perps).any(lacks_range) {
        // The common case (every perp has its 24 h range): no index to build.
        return Ok(std::collections::HashMap::new());
    }
    let volatility = crate::analyze::risk::Volatility::new(snapshots);
    let assets: Vec<String> = settings
        .params
        .assets
        .iter()
        .map(|a| a.trim().to_ascii_uppercase())
        .filter(|a| !a.is_empty())
        .collect();
    let wanted: Vec<(Venue, String)> = snapshots
        .iter()
        .flat_map(|s| &s.perps)
        .filter(|p| assets.is_empty() || assets.contains(&p.asset.to_ascii_uppercase()))
        .filter(|p| lacks_range(p))
        .filter(|p| volatility.perp_sigma(&p.asset, &p.quote).is_none())
        .filter(|p| {
            history
                .perp_closes
                .get(&(p.venue, p.symbol.clone()))
                .and_then(|c| crate::analyze::stats::realised_vol(c, history.now))
                .is_none()
        })
        .map(|p| (p.venue, p.symbol.clone()))
        .collect();
    if wanted.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let ctx = poll_context(settings, store.clone(), false)?;
    let ranges = crate::poll::daily_ranges(&ctx, &wanted, live, RANGE_DEADLINE)
        .await
        .map_err(|e| match e {
            crate::poll::PollError::Store(e) => AppError::from(e),
            crate::poll::PollError::Join(e) => AppError::Internal(e),
        })?;
    Ok(ranges.into_iter().collect())
}

/// How long a scan waits for daily candles of last resort.
pub(super) const RANGE_DEADLINE: Duration = Duration::from_secs(5);
