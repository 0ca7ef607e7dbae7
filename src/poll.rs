//! Polling: one task per venue (JoinSet), reference cache, bans, one snapshot batch per venue.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::task::JoinSet;

use crate::model::{Reference, Snapshot, Venue, sanity};
use crate::store::{Store, StoreError};
use crate::venue::http::{HttpConfig, VenueClient};
use crate::venue::{Body, ParseError, Request, VenueAdapter, VenueError, adapter};

/// How one venue's poll ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VenueStatus {
    /// Polled and stored.
    Ok,
    /// Failed; the message names the endpoint and what to do.
    Error(String),
    /// Banned (or rate limited) until the time given: no request sent, or a ban met now.
    Banned(crate::venue::Ban),
    /// Not polled (offline scan with nothing stored, disabled).
    Skipped(String),
}

/// One venue's poll result.
#[derive(Debug, Clone)]
pub struct VenueOutcome {
    /// Venue.
    pub venue: Venue,
    /// How it ended.
    pub status: VenueStatus,
    /// The snapshot, when polled successfully (or loaded offline).
    pub snapshot: Option<Snapshot>,
    /// HTTP requests sent (retries included).
    pub requests: u32,
    /// The venue's collateral table (coin → haircut `k`) from its cached reference data.
    pub haircuts: BTreeMap<String, rust_decimal::Decimal>,
    /// The maintenance rates the venue publishes with its perps (symbol → `m`), from the same.
    pub maintenance_rates: BTreeMap<String, rust_decimal::Decimal>,
    /// The venue's margin tiers (symbol → tiers) from the same ([`Reference::margin_tiers`]).
    pub margin_tiers: crate::venue::margin::Tiers,
    /// Wall time.
    pub elapsed: Duration,
    /// Perps in `snapshot` ranked with an assumed funding interval (not learned yet; never
    /// stored): see [`crate::learn`].
    pub assumed_intervals: std::collections::BTreeSet<String>,
}

impl VenueOutcome {
    /// Whether the venue failed (error or ban).
    #[must_use]
    pub fn failed(&self) -> bool {
        matches!(self.status, VenueStatus::Error(_) | VenueStatus::Banned(_))
    }
}

/// What a poll needs.
#[derive(Debug, Clone)]
pub struct PollContext {
    /// The store.
    pub store: Store,
    /// Shared HTTP client.
    pub client: reqwest::Client,
    /// HTTP policy.
    pub http: HttpConfig,
    /// Base URLs per venue.
    pub urls: BTreeMap<Venue, crate::venue::http::BaseUrls>,
    /// Overall deadline.
    pub deadline: Duration,
    /// Reference cache age limit.
    pub reference_ttl: Duration,
    /// How long each kind of record is kept.
    pub retention: crate::store::Retention,
    /// Fetch the full snapshot (poll) or the scan's minimum.
    pub full: bool,
    /// Perp symbols the declared accounts hold, per venue: the venues whose tier table is per
    /// symbol are asked only for these ([`crate::venue::margin::requests`]).
    pub held: BTreeMap<Venue, std::collections::BTreeSet<String>>,
}

impl PollContext {
    /// `venue`'s HTTP client with this poll's limits and base URLs.
    fn venue_client(&self, venue: Venue) -> Arc<VenueClient> {
        Arc::new(VenueClient::new(
            self.client.clone(),
            adapter(venue),
            self.http.clone(),
            self.urls.get(&venue).cloned().unwrap_or_default(),
        ))
    }
}

/// An error that stops the whole run (the store failed), unlike a venue failure.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// Store failure.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A blocking task panicked or was cancelled.
    #[error("internal error: {0}")]
    Join(String),
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, PollError> {
    crate::store::blocking(f, PollError::Join).await
}

/// Polls `venues` concurrently and writes each snapshot to the store, flushed before returning.
/// A venue failing is reported in its outcome; only store failures are errors.
///
/// # Errors
/// When the store fails.
pub async fn poll_venues(
    ctx: Arc<PollContext>,
    venues: &[Venue],
) -> Result<Vec<VenueOutcome>, PollError> {
    let mut set = JoinSet::new();
    for &venue in venues {
        let ctx = Arc::clone(&ctx);
        set.spawn(async move {
            let started = Instant::now();
            let client = ctx.venue_client(venue);
            let result = tokio::time::timeout(ctx.deadline, poll_one(&ctx, &client)).await;
            let result = match result {
                Ok(r) => r,
                Err(_) => Ok(Err(VenueError::Deadline {
                    venue,
                    after: ctx.deadline,
                })),
            };
            (venue, result, client.requests(), started.elapsed())
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = set.join_next().await {
        let (venue, result, requests, elapsed) =
            joined.map_err(|e| PollError::Join(e.to_string()))?;
        let now = Utc::now();
        let mut record = {
            let store = ctx.store.clone();
            blocking(move || store.venue_record(venue)).await?
        };
        record.last_requests = requests;
        let (mut haircuts, mut maintenance_rates) = (BTreeMap::new(), BTreeMap::new());
        let mut margin_tiers = BTreeMap::new();
        let mut assumed_intervals = std::collections::BTreeSet::new();
        let (status, snapshot) = match result? {
            Ok(PollResult::Polled(snap, table, rates, tiers, assumed)) => {
                record.last_ok = Some(now);
                (haircuts, maintenance_rates, margin_tiers) = (table, rates, tiers);
                assumed_intervals = assumed;
                (VenueStatus::Ok, Some(snap))
            }
            Ok(PollResult::Banned(ban)) => (VenueStatus::Banned(ban), None),
            Err(e) => {
                // The command reports each failed venue once (its venue line, or an error line for
                // JSON/CSV and poll); this detail is for -v.
                tracing::info!(venue = %venue, error = %shown(&e), "venue failed");
                record.last_error = Some((now, e.to_string()));
                if let Some(ban) = e.ban().cloned() {
                    let (store, record) = (ctx.store.clone(), ban.clone());
                    blocking(move || store.set_ban(venue, &record)).await?;
                    (VenueStatus::Banned(ban), None)
                } else {
                    (VenueStatus::Error(e.to_string()), None)
                }
            }
        };
        {
            let store = ctx.store.clone();
            blocking(move || store.put_venue_record(venue, &record)).await?;
        }
        outcomes.push(VenueOutcome {
            venue,
            status,
            snapshot,
            requests,
            haircuts,
            maintenance_rates,
            margin_tiers,
            elapsed,
            assumed_intervals,
        });
    }
    outcomes.sort_by_key(|o| o.venue);
    let store = ctx.store.clone();
    let retention = ctx.retention.clone();
    blocking(move || {
        store.prune_if_due(Utc::now(), &retention, Duration::from_secs(3600))?;
        store.flush()
    })
    .await?;
    Ok(outcomes)
}

enum PollResult {
    /// The snapshot, the venue's collateral table, its perps' published maintenance rates and
    /// margin tiers, and the perps of the snapshot ranked with an assumed interval.
    Polled(
        Snapshot,
        BTreeMap<String, rust_decimal::Decimal>,
        BTreeMap<String, rust_decimal::Decimal>,
        crate::venue::margin::Tiers,
        std::collections::BTreeSet<String>,
    ),
    Banned(crate::venue::Ban),
}

/// Fetches every request concurrently, following pages, in request order.
async fn fetch_all(
    client: &Arc<VenueClient>,
    adapter: &'static dyn VenueAdapter,
    requests: Vec<Request>,
) -> Result<Vec<(Request, Vec<u8>)>, VenueError> {
    let mut set = JoinSet::new();
    for (i, req) in requests.into_iter().enumerate() {
        let client = Arc::clone(client);
        set.spawn(async move {
            let mut pages = Vec::new();
            let optional = req.optional;
            let mut next = Some(req);
            while let Some(req) = next.take() {
                let body = match client.fetch(&req).await {
                    Ok(b) => b,
                    Err(e) if optional && e.banned_until().is_none() => {
                        // Unreachable, the venue fails as a whole and says so once; an endpoint that
                        // answers with an error on a venue that works is worth a warning.
                        if matches!(e, VenueError::Connect { .. }) {
                            tracing::info!(venue = %adapter.venue(), error = %shown(&e), "optional endpoint failed; going on without it");
                        } else {
                            tracing::warn!(venue = %adapter.venue(), error = %shown(&e), "optional endpoint failed; going on without it");
                        }
                        break;
                    }
                    Err(e) => return Err(e),
                };
                next = adapter
                    .next_page(&req, &body)
                    .map_err(|source| VenueError::Parse {
                        venue: adapter.venue(),
                        source,
                    })?;
                pages.push((req, body));
                if pages.len() > 50 {
                    break;
                }
            }
            Ok::<_, VenueError>((i, pages))
        });
    }
    let mut results = Vec::new();
    let mut first_error = None;
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(Ok(r)) => results.push(r),
            Ok(Err(e)) => {
                // A ban outranks other errors: it must be recorded.
                let is_ban = e.banned_until().is_some();
                if first_error.is_none() || is_ban {
                    first_error = Some(e);
                }
                if is_ban {
                    set.abort_all();
                }
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => {
                first_error.get_or_insert(VenueError::Connect {
                    venue: adapter.venue(),
                    endpoint: "task",
                    url: String::new(),
                    reason: e.to_string(),
                });
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().flat_map(|(_, pages)| pages).collect())
}

/// A venue error as a log line shows it: the venue's own text in it (an answer's excerpt, a
/// symbol) cannot move the cursor, split the line or reverse it.
fn shown(e: &VenueError) -> String {
    let text = e.to_string();
    crate::model::safe::display(&text, crate::model::safe::MESSAGE_CAP).into_owned()
}

fn bodies(fetched: &[(Request, Vec<u8>)]) -> Vec<Body<'_>> {
    fetched
        .iter()
        .map(|(request, bytes)| Body { request, bytes })
        .collect()
}

async fn poll_one(
    ctx: &PollContext,
    client: &Arc<VenueClient>,
) -> Result<Result<PollResult, VenueError>, PollError> {
    let venue = client.venue();
    let adapter = adapter(venue);
    let now = Utc::now();
    let started = Instant::now();
    if adapter.hosts().is_empty() {
        return Ok(Err(VenueError::NotImplemented { venue }));
    }
    let ban = {
        let store = ctx.store.clone();
        blocking(move || store.ban(venue)).await?
    };
    if let Some(ban) = ban.filter(|b| b.until > now) {
        tracing::info!(venue = %venue, until = %ban.until, "banned: skipping without a request");
        return Ok(Ok(PollResult::Banned(ban)));
    }
    let cached = {
        let store = ctx.store.clone();
        blocking(move || store.reference(venue)).await?
    };
    let fresh = cached.as_ref().is_some_and(|(at, _)| {
        (now - *at)
            .to_std()
            .is_ok_and(|age| age < ctx.reference_ttl)
    });
    let (reference_at, mut reference): (_, Reference) = if let (true, Some((at, r))) =
        (fresh, &cached)
    {
        (*at, r.clone())
    } else {
        let held = ctx.held.get(&venue).cloned().unwrap_or_default();
        let fetched = fetch_reference(client, adapter, cached.as_ref().map(|(_, r)| r), &held)
            .await
            .and_then(|r| lists_perps(adapter, r));
        match fetched {
            Ok(r) => {
                let store = ctx.store.clone();
                let copy = r.clone();
                let at = Utc::now();
                blocking(move || store.put_reference(venue, at, &copy)).await?;
                (at, r)
            }
            Err(e) if e.banned_until().is_some() => return Ok(Err(e)),
            Err(e) => match cached {
                Some((at, r)) => {
                    tracing::warn!(venue = %venue, error = %shown(&e), cached_at = %at, "instrument refresh failed; using the cached list");
                    (at, r)
                }
                None => return Ok(Err(e)),
            },
        }
    };
    // Intervals the venue gives only per perp are learned alongside the snapshot requests, and
    // kept in the cached reference (its refresh time unchanged) so no later run asks again.
    let (learned, fetched) = tokio::join!(
        crate::learn::learn(
            client,
            adapter,
            &mut reference,
            crate::learn::budget(ctx.deadline, started.elapsed())
        ),
        fetch_all(client, adapter, adapter.snapshot_requests(ctx.full))
    );
    if learned.learned > 0 {
        let (store, copy) = (ctx.store.clone(), reference.clone());
        blocking(move || store.put_reference(venue, reference_at, &copy)).await?;
    }
    let fetched = match fetched {
        Ok(f) => f,
        Err(e) => return Ok(Err(e)),
    };
    let received_at = Utc::now();
    let haircuts = reference.haircuts.clone();
    let maintenance_rates = reference.maintenance_rates.clone();
    let margin_tiers = reference.margin_tiers.clone();
    // Values no venue can mean are refused per symbol, one warning line per venue and run.
    let (reference, mut refused) = sanity::screen_reference(reference);
    let assumable = if learned.unknown > 0 {
        crate::learn::unknown_symbols(&reference)
    } else {
        std::collections::BTreeSet::new()
    };
    let parsed = parse_with_assumed(
        adapter,
        &bodies(&fetched),
        &reference,
        &assumable,
        received_at,
    );
    let (snapshot, assumed) = match parsed {
        Ok(s) => s,
        Err(source) => return Ok(Err(VenueError::Parse { venue, source })),
    };
    drop(fetched);
    let (snapshot, quotes) = sanity::screen_snapshot(snapshot, &reference);
    refused.extend(quotes);
    if let Some(line) = refused.summary(venue) {
        tracing::warn!("{line}");
    }
    if snapshot.perps.is_empty() {
        let listed = reference
            .instruments
            .iter()
            .filter(|i| i.market == crate::model::Market::Perp)
            .count();
        let what = format!("none of the {listed} perps of its instrument list has a usable quote");
        let first = adapter.snapshot_requests(ctx.full).into_iter().next();
        return Ok(Err(no_markets(adapter, first.as_ref(), &what)));
    }
    let store = ctx.store.clone();
    let snap = Arc::new(snapshot);
    let to_write = Arc::clone(&snap);
    let kept = assumed.clone();
    // The record holds known intervals only: perps with an assumed one are not written.
    blocking(move || {
        if kept.is_empty() {
            store.write_snapshot(&to_write)
        } else {
            let mut known = (*to_write).clone();
            known.perps.retain(|p| !kept.contains(&p.symbol));
            store.write_snapshot(&known)
        }
    })
    .await?;
    let snapshot = Arc::try_unwrap(snap).unwrap_or_else(|a| (*a).clone());
    Ok(Ok(PollResult::Polled(
        snapshot,
        haircuts,
        maintenance_rates,
        margin_tiers,
        assumed,
    )))
}

/// The snapshot of `bodies`, and the perps in it that are there only by an assumed interval:
/// with none `assumable`, the plain parse; else the parse of the reference with
/// [`crate::learn::ASSUMED_INTERVAL_HOURS`] for those perps, less the ones the plain parse
/// also quotes (the snapshot's own rows gave them a real interval).
fn parse_with_assumed(
    adapter: &dyn VenueAdapter,
    bodies: &[Body<'_>],
    reference: &Reference,
    assumable: &std::collections::BTreeSet<String>,
    received_at: chrono::DateTime<Utc>,
) -> Result<(Snapshot, std::collections::BTreeSet<String>), ParseError> {
    let plain = adapter.parse_snapshot(bodies, reference, received_at)?;
    if assumable.is_empty() {
        return Ok((plain, std::collections::BTreeSet::new()));
    }
    let filled = crate::learn::with_assumed(reference, assumable);
    let full = adapter.parse_snapshot(bodies, &filled, received_at)?;
    let quoted: std::collections::HashSet<&str> =
        plain.perps.iter().map(|p| p.symbol.as_str()).collect();
    let assumed = full
        .perps
        .iter()
        .filter(|p| assumable.contains(&p.symbol) && !quoted.contains(p.symbol.as_str()))
        .map(|p| p.symbol.clone())
        .collect();
    Ok((full, assumed))
}

/// The error of a venue that answered but lists no perpetual market: `what` says where none
/// was found, `request` names the endpoint and the base URL setting to check.
fn no_markets(adapter: &dyn VenueAdapter, request: Option<&Request>, what: &str) -> VenueError {
    let venue = adapter.venue();
    let endpoint = request.map_or("markets", |r| r.endpoint);
    let env = request
        .and_then(|r| adapter.hosts().iter().find(|h| h.key == r.host))
        .map_or("its base URL setting", |h| h.env);
    VenueError::Parse {
        venue,
        source: ParseError::new(
            endpoint,
            format!(
                "answered with no markets ({what}); check that {env} points at {venue}'s public API, or leave {venue} out of --venues"
            ),
        ),
    }
}

/// `reference` when it lists at least one perp, else the venue's "answered with no markets"
/// error naming its first reference endpoint (an empty list is never cached).
fn lists_perps(adapter: &dyn VenueAdapter, reference: Reference) -> Result<Reference, VenueError> {
    if reference
        .instruments
        .iter()
        .any(|i| i.market == crate::model::Market::Perp)
    {
        return Ok(reference);
    }
    let first = adapter.reference_requests().into_iter().next();
    Err(no_markets(
        adapter,
        first.as_ref(),
        "its instrument list holds no trading linear perpetual",
    ))
}

async fn fetch_reference(
    client: &Arc<VenueClient>,
    adapter: &'static dyn VenueAdapter,
    previous: Option<&Reference>,
    held: &std::collections::BTreeSet<String>,
) -> Result<Reference, VenueError> {
    let venue = adapter.venue();
    let parse_error = |source| VenueError::Parse { venue, source };
    let fetched = fetch_all(client, adapter, adapter.reference_requests()).await?;
    let mut reference = adapter
        .parse_reference(&bodies(&fetched))
        .map_err(parse_error)?;
    let details: Vec<Request> = adapter
        .detail_requests(&reference, previous)
        .into_iter()
        .map(Request::optional)
        .collect();
    if !details.is_empty() {
        tracing::info!(venue = %venue, requests = details.len(), "fetching per-market reference details");
        let fetched = fetch_all(client, adapter, details).await?;
        adapter
            .apply_details(&mut reference, previous, &bodies(&fetched))
            .map_err(parse_error)?;
    }
    reference.margin_tiers = fetch_tiers(client, &reference, &fetched, held).await;
    if reference.margin_tiers.is_empty() {
        reference.margin_tiers = previous.map(|p| p.margin_tiers.clone()).unwrap_or_default();
    }
    Ok(reference)
}

/// The venue's margin tiers: its tier requests (bulk, or per perp of `held`; each page
/// followed) parsed with the reference's own bodies `fetched`. A request or body failing is
/// warned about and never fails the reference: its tiers are left out (the flat rate applies).
async fn fetch_tiers(
    client: &Arc<VenueClient>,
    reference: &Reference,
    fetched: &[(Request, Vec<u8>)],
    held: &std::collections::BTreeSet<String>,
) -> crate::venue::margin::Tiers {
    use crate::venue::margin;
    let venue = client.venue();
    let mut pages: Vec<(Request, Vec<u8>)> = Vec::new();
    for request in margin::requests(venue, reference, held) {
        let mut next = Some(request);
        let mut count = 0;
        while let Some(req) = next.take() {
            let body = match client.fetch(&req).await {
                Ok(body) => body,
                Err(e) => {
                    tracing::warn!(venue = %venue, error = %shown(&e), "margin tiers unavailable; using the flat maintenance rate");
                    break;
                }
            };
            next = margin::next_page(venue, &req, &body).unwrap_or(None);
            pages.push((req, body));
            count += 1;
            if count >= 50 {
                break;
            }
        }
    }
    let mut all = bodies(fetched);
    all.extend(bodies(&pages));
    margin::parse(venue, &all, reference).unwrap_or_else(|source| {
        let e = VenueError::Parse { venue, source };
        tracing::warn!(venue = %venue, error = %shown(&e), "margin tiers unreadable; using the flat maintenance rate");
        crate::venue::margin::Tiers::new()
    })
}

/// Longest `basis venues --refresh` spends learning intervals (BingX asks one perp every 2 s:
/// about 900 perps in 30 minutes).
pub const REFRESH_LEARN_LIMIT: Duration = Duration::from_secs(30 * 60);

/// What `basis venues --refresh VENUE` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refreshed {
    /// Perps the venue lists.
    pub perps: usize,
    /// Of them, perps whose funding interval is still unknown.
    pub unknown: usize,
    /// Intervals learned now, beyond those of the instrument lists and the cache.
    pub learned: usize,
}

impl std::fmt::Display for Refreshed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "reference refreshed: {} perps; {} funding intervals learned now; {} still unknown",
            self.perps, self.learned, self.unknown
        )?;
        if self.unknown > 0 {
            write!(
                f,
                " (ranked with an assumed 8h interval meanwhile; each run learns more, or run this again)"
            )?;
        }
        Ok(())
    }
}

/// `basis venues --refresh VENUE`: fetches the venue's reference now (instrument lists,
/// collateral tables, the intervals it carries), learns every funding interval still unknown
/// (for at most [`REFRESH_LEARN_LIMIT`]) and caches it, so the next runs use it whole.
///
/// # Errors
/// Store failures; the venue's own failure (ban included: no request is sent while banned) is
/// the inner error.
pub async fn refresh_reference(
    ctx: &PollContext,
    venue: Venue,
) -> Result<Result<Refreshed, VenueError>, PollError> {
    let adapter = adapter(venue);
    if adapter.hosts().is_empty() {
        return Ok(Err(VenueError::NotImplemented { venue }));
    }
    let client = ctx.venue_client(venue);
    let (ban, cached) = {
        let store = ctx.store.clone();
        blocking(move || Ok((store.ban(venue)?, store.reference(venue)?))).await?
    };
    if let Some(ban) = ban.filter(|b| b.until > Utc::now()) {
        return Ok(Err(VenueError::Banned {
            venue,
            endpoint: "reference",
            ban,
        }));
    }
    let held = ctx.held.get(&venue).cloned().unwrap_or_default();
    let fetched = fetch_reference(&client, adapter, cached.as_ref().map(|(_, r)| r), &held)
        .await
        .and_then(|r| lists_perps(adapter, r));
    let mut reference = match fetched {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let learned = crate::learn::learn(&client, adapter, &mut reference, REFRESH_LEARN_LIMIT).await;
    let store = ctx.store.clone();
    let copy = reference.clone();
    blocking(move || {
        store.put_reference(venue, Utc::now(), &copy)?;
        store.flush()
    })
    .await?;
    Ok(Ok(Refreshed {
        perps: reference
            .instruments
            .iter()
            .filter(|i| i.market == crate::model::Market::Perp)
            .count(),
        unknown: learned.unknown.saturating_sub(learned.learned),
        learned: learned.learned,
    }))
}

/// Loads the latest stored snapshot of each venue (offline scan).
///
/// # Errors
/// When the store fails.
pub async fn load_latest(store: &Store, venues: &[Venue]) -> Result<Vec<VenueOutcome>, PollError> {
    let mut out = Vec::new();
    for &venue in venues {
        let s = store.clone();
        let snap = blocking(move || s.latest_snapshot(venue)).await?;
        let (haircuts, maintenance_rates, margin_tiers) = match snap {
            Some(_) => {
                let s = store.clone();
                blocking(move || s.reference(venue))
                    .await?
                    .map(|(_, r)| (r.haircuts, r.maintenance_rates, r.margin_tiers))
                    .unwrap_or_default()
            }
            None => Default::default(),
        };
        let status = match &snap {
            Some(_) => VenueStatus::Ok,
            None => VenueStatus::Skipped(
                "nothing stored yet; run `basis poll` or a scan without --offline".into(),
            ),
        };
        out.push(VenueOutcome {
            venue,
            status,
            snapshot: snap,
            requests: 0,
            haircuts,
            maintenance_rates,
            margin_tiers,
            elapsed: Duration::ZERO,
            assumed_intervals: std::collections::BTreeSet::new(),
        });
    }
    Ok(out)
}
