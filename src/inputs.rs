//! Store → analyzer: the one ready input a ranking needs. The latest snapshots, the scan's
//! parameters completed with what the venues publish (collateral haircuts, maintenance rates), and
//! the stored record: funding summaries, daily closes of every perp and of the collateral's spot
//! pair, and DESIGN's `σ_A` of last resort (a perp's last daily candle, cached an hour).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use tokio::task::JoinSet;

use crate::analyze::{HistoryInputs, Params};
use crate::backfill::{CandleError, CandlePages};
use crate::model::{Market, Opportunity, Snapshot, Venue};
use crate::poll::{VenueOutcome, VenueStatus};
use crate::settings::Settings;
use crate::store::{RangeRecord, Store, StoreError};
use crate::venue::http::build_client;
use crate::venue::{Bar, CandleWindow};

/// Why the analyzer's input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputsError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client for the daily candles of last resort could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// A blocking store task panicked or was cancelled.
    #[error("internal error in a store task reading the analyzer's inputs: {0}")]
    Task(String),
}

/// What the analyzer ranks: the snapshots, the parameters and the stored record, read together.
#[derive(Debug)]
pub struct AnalyzerInput {
    /// The venues' snapshots.
    pub snapshots: Vec<Snapshot>,
    /// The settings' parameters with the venues' collateral haircuts and maintenance rates.
    pub params: Params,
    /// The stored record ([`HistoryInputs`]).
    pub history: HistoryInputs,
}

impl AnalyzerInput {
    /// Ranks the input ([`crate::analyze::analyze_with`]) and adds what each row's funding
    /// actually paid ([`crate::analyze::history::enrich`], dropping rows `filters` refuse). The
    /// snapshots are dropped as soon as the rows are made.
    #[must_use]
    pub fn rank(self, filters: crate::analyze::history::HistoryFilters) -> Vec<Opportunity> {
        let mut opportunities = self.analyze();
        drop(self.snapshots);
        crate::analyze::history::enrich(&mut opportunities, &self.history.settlements, filters);
        opportunities
    }

    /// The rows of [`crate::analyze::analyze_with`] on this input.
    fn analyze(&self) -> Vec<Opportunity> {
        crate::analyze::analyze_with(&self.snapshots, &self.params, &self.history)
    }

    /// [`AnalyzerInput::rank`], screened ([`crate::analyze::screen`]: assumed funding intervals
    /// and `safe_only`), with what a user needs to hear when it comes back empty: the coins no
    /// venue lists, which filter dropped how many rows, and the age of the oldest snapshot.
    #[must_use]
    pub fn rank_explained(
        self,
        filters: crate::analyze::history::HistoryFilters,
        assumed: &std::collections::BTreeSet<(Venue, String)>,
        safe_only: bool,
    ) -> Ranked {
        let mut opportunities = self.analyze();
        let AnalyzerInput {
            snapshots,
            params,
            history,
        } = self;
        crate::analyze::history::enrich(&mut opportunities, &history.settlements, filters);
        crate::analyze::screen::screen(&mut opportunities, assumed, safe_only);
        let unknown = crate::analyze::explain::unknown_coins(&snapshots, &params);
        let dropped = if opportunities.is_empty() && unknown.is_empty() {
            crate::analyze::explain::why_empty(&snapshots, &params, &history, filters, safe_only)
        } else {
            Vec::new()
        };
        let data_as_of = snapshots.iter().map(|s| s.received_at).min();
        Ranked {
            opportunities,
            unknown,
            dropped,
            data_as_of,
        }
    }
}

/// A ranking and why it may be empty ([`AnalyzerInput::rank_explained`]).
#[derive(Debug)]
pub struct Ranked {
    /// The ranked, screened rows.
    pub opportunities: Vec<Opportunity>,
    /// One message per `--assets`/`--collateral` coin no venue lists.
    pub unknown: Vec<String>,
    /// When nothing is left: each filter and the rows it dropped.
    pub dropped: Vec<crate::analyze::explain::Dropped>,
    /// When the oldest snapshot was received.
    pub data_as_of: Option<DateTime<Utc>>,
}

/// Reads the analyzer's input for the venues' `outcomes` (their snapshots are moved out): the
/// parameters of `settings` completed with the collateral tables and maintenance rates the
/// venues publish (where the config sets none), the stored record of every scanned perp, and,
/// when `live`, daily candles of last resort fetched from the venues polled successfully (else
/// only the cached ones).
///
/// # Errors
/// Store failures, and an HTTP client that cannot be built.
pub async fn prepare(
    settings: &Settings,
    store: &Store,
    outcomes: &mut [VenueOutcome],
    live: bool,
) -> Result<AnalyzerInput, InputsError> {
    let params = venue_params(settings, outcomes);
    let snapshots: Vec<Snapshot> = outcomes
        .iter_mut()
        .filter_map(|o| o.snapshot.take())
        .collect();
    // The record: settled funding and daily closes of every scanned perp, and the collateral's.
    let mut history = load_history(store, &snapshots, &settings.params.collateral).await?;
    let live: Vec<Venue> = if live {
        outcomes
            .iter()
            .filter(|o| o.status == VenueStatus::Ok)
            .map(|o| o.venue)
            .collect()
    } else {
        Vec::new()
    };
    history.daily_ranges = daily_ranges(settings, store, &snapshots, &history, &live).await?;
    Ok(AnalyzerInput {
        snapshots,
        params,
        history,
    })
}

/// The parameters of `settings` completed with what the venues in `outcomes` publish, where the
/// config sets none: their collateral tables (for `k`) and the maintenance rates carried with
/// their contracts, and their margin tiers (the scan takes the first tier's rate), moved out of
/// the outcomes.
pub(crate) fn venue_params(settings: &Settings, outcomes: &mut [VenueOutcome]) -> Params {
    let mut params = settings.params.clone();
    params.venue_haircuts = outcomes
        .iter()
        .filter(|o| !o.haircuts.is_empty())
        .map(|o| (o.venue, o.haircuts.clone()))
        .collect();
    params.venue_maintenance = outcomes
        .iter_mut()
        .filter(|o| !o.maintenance_rates.is_empty())
        .map(|o| (o.venue, std::mem::take(&mut o.maintenance_rates)))
        .collect();
    params.venue_tiers = venue_tiers(outcomes);
    params
}

/// The margin tiers the venues of `outcomes` publish (moved out), as [`Params::venue_tiers`]
/// holds them: USD floors (a venue's tiers by size in coins are marked
/// [`crate::analyze::VenueTiers::floors_in_coins`]).
pub(crate) fn venue_tiers(
    outcomes: &mut [VenueOutcome],
) -> BTreeMap<Venue, crate::analyze::VenueTiers> {
    outcomes
        .iter_mut()
        .filter(|o| !o.margin_tiers.is_empty())
        .map(|o| {
            let tiers = crate::analyze::VenueTiers {
                floors_in_coins: crate::venue::margin::floors_in_coins(o.venue),
                tiers: std::mem::take(&mut o.margin_tiers),
            };
            (o.venue, tiers)
        })
        .collect()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, InputsError> {
    crate::store::blocking(f, InputsError::Task).await
}

/// How much stored history a scan reads: the 30-day statistics window plus a day.
const HISTORY_WINDOW_MS: i64 = 31 * 86_400_000;

/// Quote preference of a coin's price series (the collateral's spot closes, backfill's spot
/// pair, the history chart's price line): USDT, then USDC, then USD.
pub(crate) fn quote_rank(quote: &str) -> u8 {
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
) -> Result<HistoryInputs, InputsError> {
    let perps: Vec<(Venue, String)> = snapshots
        .iter()
        .flat_map(|snap| snap.perps.iter().map(|p| (snap.venue, p.symbol.clone())))
        .collect();
    // The collateral's spot pair per venue: (quote rank, symbol), the smallest wins.
    let mut spot_pairs: HashMap<Venue, (u8, String)> = HashMap::new();
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
    blocking(move || {
        let now = Utc::now();
        let now_ms = now.timestamp_millis();
        let mut inputs = HistoryInputs {
            now,
            ..HistoryInputs::default()
        };
        inputs.settlements = s.funding_summaries(&perps, now)?;
        let closes_of = |venue: Venue, market: Market, symbol: &str| {
            let closes: Vec<crate::analyze::stats::DailyClose> = s
                .records::<crate::store::DailyCloseRecord>(
                    venue,
                    market,
                    symbol,
                    now_ms - HISTORY_WINDOW_MS - 86_400_000..,
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
/// [`cached_or_fetched_ranges`]; cached an hour, fetched only from venues polled this run).
async fn daily_ranges(
    settings: &Settings,
    store: &Store,
    snapshots: &[Snapshot],
    history: &HistoryInputs,
    live: &[Venue],
) -> Result<HashMap<(Venue, String), (Decimal, Decimal)>, InputsError> {
    let lacks_range = |p: &crate::model::PerpQuote| p.high_24h.is_none() || p.low_24h.is_none();
    if !snapshots.iter().flat_map(|s| &s.perps).any(lacks_range) {
        // The common case (every perp has its 24 h range): no index to build.
        return Ok(HashMap::new());
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
        return Ok(HashMap::new());
    }
    let ranges = cached_or_fetched_ranges(settings, store, &wanted, live, RANGE_DEADLINE).await?;
    Ok(ranges.into_iter().collect())
}

/// How long a scan waits for daily candles of last resort.
const RANGE_DEADLINE: Duration = Duration::from_secs(5);

/// A cached daily candle range is used for this long before it is fetched again.
const RANGE_TTL_MS: i64 = 3_600_000;

/// At most this many daily candles are fetched per venue in one run (the rest on later runs,
/// each cached for an hour), so a cold cache cannot stretch a scan.
const RANGE_FETCHES_PER_VENUE: usize = 10;

/// The high and low of each listed perp's last finished daily candle (DESIGN's `σ_A` of last
/// resort, for perps of an asset no venue gives a 24 h range for): from the store's cache when
/// fetched within the last hour, else one candle request per perp on `live` venues (at most
/// [`RANGE_FETCHES_PER_VENUE`] each; a failed fetch keeps the stale cache and is logged).
/// `deadline` bounds the fetching.
async fn cached_or_fetched_ranges(
    settings: &Settings,
    store: &Store,
    perps: &[(Venue, String)],
    live: &[Venue],
    deadline: Duration,
) -> Result<BTreeMap<(Venue, String), (Decimal, Decimal)>, InputsError> {
    let now_ms = Utc::now().timestamp_millis();
    let mut out = BTreeMap::new();
    let mut due: BTreeMap<Venue, Vec<(String, Option<RangeRecord>)>> = BTreeMap::new();
    for (venue, symbol) in perps {
        let cached = {
            let (s, v, sym) = (store.clone(), *venue, symbol.clone());
            blocking(move || s.daily_range(v, &sym)).await?
        };
        match cached {
            Some(r) if now_ms - r.fetched_ms < RANGE_TTL_MS => {
                out.insert((*venue, symbol.clone()), (r.high, r.low));
            }
            stale if live.contains(venue) => {
                let list = due.entry(*venue).or_default();
                if list.len() < RANGE_FETCHES_PER_VENUE {
                    list.push((symbol.clone(), stale));
                } else if let Some(r) = stale {
                    out.insert((*venue, symbol.clone()), (r.high, r.low));
                }
            }
            Some(r) => {
                out.insert((*venue, symbol.clone()), (r.high, r.low));
            }
            None => {}
        }
    }
    let day_start = now_ms.div_euclid(Bar::Day.millis()) * Bar::Day.millis();
    let http = build_client(&settings.http).map_err(|e| InputsError::Client(e.to_string()))?;
    let mut set = JoinSet::new();
    for (venue, list) in due {
        let client = settings.venue_client(&http, venue);
        let store = store.clone();
        set.spawn(async move {
            let mut got = Vec::new();
            for (symbol, stale) in list {
                let window = CandleWindow {
                    market: Market::Perp,
                    symbol: &symbol,
                    bar: Bar::Day,
                    start_ms: day_start - Bar::Day.millis(),
                    end_ms: now_ms,
                };
                // The first page holds the last days: one request per perp.
                let fresh = match CandlePages::new(&client, window).next().await {
                    Some(Ok(candles)) => {
                        // The last finished day; today's running bar only when alone.
                        let finished = candles
                            .iter()
                            .filter(|c| c.open_ms + Bar::Day.millis() <= now_ms)
                            .max_by_key(|c| c.open_ms);
                        Ok(finished
                            .or_else(|| candles.iter().max_by_key(|c| c.open_ms))
                            .filter(|c| c.low > Decimal::ZERO && c.high >= c.low)
                            .map(|c| RangeRecord {
                                high: c.high,
                                low: c.low,
                                open_ms: c.open_ms,
                                fetched_ms: now_ms,
                            }))
                    }
                    Some(Err(CandleError::Fetch(e))) => Err(e.to_string()),
                    Some(Err(CandleError::Parse(e))) => Err(format!("{venue} {e}")),
                    Some(Err(CandleError::TooManyPages)) | None => Ok(None),
                };
                let record = match fresh {
                    Ok(Some(r)) => {
                        let (s, sym, rec) = (store.clone(), symbol.clone(), r.clone());
                        if let Ok(Err(e)) =
                            tokio::task::spawn_blocking(move || s.put_daily_range(venue, &sym, &rec))
                                .await
                        {
                            tracing::warn!("cannot cache the daily range of {venue} {symbol}: {e}");
                        }
                        Some(r)
                    }
                    Ok(None) => stale,
                    Err(e) => {
                        tracing::warn!(
                            "{venue} {symbol}: no daily candle for its volatility ({e}); the last one cached is used if any"
                        );
                        stale
                    }
                };
                if let Some(r) = record {
                    got.push((symbol, r));
                }
            }
            (venue, got)
        });
    }
    let collect = async {
        while let Some(joined) = set.join_next().await {
            if let Ok((venue, got)) = joined {
                for (symbol, r) in got {
                    out.insert((venue, symbol), (r.high, r.low));
                }
            }
        }
    };
    if tokio::time::timeout(deadline, collect).await.is_err() {
        tracing::warn!(
            "daily candles for volatility took longer than {deadline:?}; the rest next run"
        );
    }
    Ok(out)
}
