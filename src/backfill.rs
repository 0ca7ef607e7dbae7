//! Backfill: settled funding and price candles per market into the store, incremental and resumable.
//!
//! [`plan`] (pure) decides, from a venue's latest snapshot, which perps get funding history and
//! which markets get candles: every perp (daily and hourly bars) and, per asset involved, the
//! spot pair against the first of USDT, USDC, USD (so the collateral coin and the spot legs of
//! carries have their own price series). [`run_venue`] fetches what the store lacks through the
//! venue's rate-limited client, one market after another, storing each page as it arrives
//! (idempotent keys), and records a marker per market only when its pages are all in: a run
//! killed midway resumes where it stopped, without gaps or duplicates.
//!
//! Incremental rules: funding of a perp is asked for only when a settlement may have happened
//! since the newest one stored (from its current interval), candles only when a bar may have
//! finished since the newest one stored. So a second run right after the first sends no request
//! for a perp whose record is complete, and at most one per series later on.
//!
//! A settlement whose rate is beyond what a venue can mean (±10 % per interval,
//! [`crate::model::sanity`]) is not stored; each venue with such rows logs one warning per run.
//! [`Report`] turns the venues' tallies into the summary line and the verdict behind the exit
//! code (0 complete, 1 partial, 69 no venue reached, 75 every venue banned).

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::inputs::quote_rank;
use crate::model::{Market, Snapshot, Venue, sanity};
use crate::store::{FundingEvent, PriceBar, Store, StoreError};
use crate::venue::http::VenueClient;
use crate::venue::{Bar, Candle, CandleWindow, HistoryPoint, adapter};

/// Most pages fetched for one series in one run: a server that ignores the paging parameters
/// must not keep a run busy forever (Binance: 1,000 settlements a page).
pub const MAX_PAGES: u32 = 500;

/// Daily candles cover at least this many days (the 30-day statistics window with margin).
pub const MIN_DAILY_DAYS: u32 = 45;

/// Hourly candles cover the last this many days.
pub const HOURLY_DAYS: u32 = 7;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// A perp whose settled funding is fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FundingJob {
    /// Venue symbol.
    pub symbol: String,
    /// Its current funding interval, hours (fallback interval of isolated settlements).
    pub interval_hours: Decimal,
}

/// A market whose candles are fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceJob {
    /// Spot pair or perp.
    pub market: Market,
    /// Venue symbol.
    pub symbol: String,
    /// Coins per quoted unit (`1000PEPEUSDT`: 1000); prices are stored per coin.
    pub multiplier: Decimal,
}

/// What to fetch on one venue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Venue.
    pub venue: Venue,
    /// Perps whose funding history is fetched.
    pub funding: Vec<FundingJob>,
    /// Markets whose candles are fetched.
    pub prices: Vec<PriceJob>,
    /// Start of the funding window, ms (the venue's history limit applied).
    pub funding_start_ms: i64,
    /// First daily bar wanted (00:00 UTC), ms.
    pub daily_start_ms: i64,
    /// First hourly bar wanted, ms.
    pub hourly_start_ms: i64,
}

impl Plan {
    /// Progress units: one per funding job and one per candle series.
    #[must_use]
    pub fn units(&self) -> usize {
        self.funding.len() + 2 * self.prices.len()
    }
}

/// What to include in a plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// Upper-case assets to keep (empty: all).
    pub assets: Vec<String>,
    /// Upper-case collateral coin, always included in the prices.
    pub collateral: String,
    /// Days of funding history.
    pub days: u32,
    /// Fetch funding history.
    pub funding: bool,
    /// Fetch candles.
    pub prices: bool,
}

/// The fetch plan of one venue from its latest snapshot (pure).
#[must_use]
pub fn plan(snapshot: &Snapshot, scope: &Scope, now_ms: i64) -> Plan {
    let venue = snapshot.venue;
    let handler = adapter(venue);
    let wanted = |asset: &str| {
        scope.assets.is_empty() || scope.assets.iter().any(|a| a.eq_ignore_ascii_case(asset))
    };
    let perps: Vec<_> = snapshot.perps.iter().filter(|p| wanted(&p.asset)).collect();
    let funding = if scope.funding
        && handler
            .funding_history_request("X", 0, 1, None, 0)
            .is_some()
    {
        perps
            .iter()
            .map(|p| FundingJob {
                symbol: p.symbol.clone(),
                interval_hours: p.funding_interval_hours,
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut prices = Vec::new();
    if scope.prices {
        prices.extend(perps.iter().map(|p| PriceJob {
            market: Market::Perp,
            symbol: p.symbol.clone(),
            multiplier: if p.multiplier > Decimal::ZERO {
                p.multiplier
            } else {
                Decimal::ONE
            },
        }));
        // One spot pair per asset involved (the perps' assets and the collateral coin).
        let mut coins: Vec<String> = perps.iter().map(|p| p.asset.to_ascii_uppercase()).collect();
        if !scope.collateral.is_empty() && !crate::model::is_stablecoin(&scope.collateral) {
            coins.push(scope.collateral.to_ascii_uppercase());
        }
        coins.sort();
        coins.dedup();
        for coin in coins {
            let best = snapshot
                .spots
                .iter()
                .filter(|s| s.asset.eq_ignore_ascii_case(&coin) && quote_rank(&s.quote) < 3)
                .min_by(|a, b| {
                    (quote_rank(&a.quote), &a.symbol).cmp(&(quote_rank(&b.quote), &b.symbol))
                });
            if let Some(s) = best {
                prices.push(PriceJob {
                    market: Market::Spot,
                    symbol: s.symbol.clone(),
                    multiplier: Decimal::ONE,
                });
            }
        }
    }
    let days = handler
        .history_days_limit()
        .map_or(scope.days, |limit| scope.days.min(limit))
        .max(1);
    let daily_days = scope.days.max(MIN_DAILY_DAYS);
    Plan {
        venue,
        funding,
        prices,
        funding_start_ms: now_ms - i64::from(days) * DAY_MS,
        daily_start_ms: (now_ms - i64::from(daily_days) * DAY_MS).div_euclid(DAY_MS) * DAY_MS,
        hourly_start_ms: (now_ms - i64::from(HOURLY_DAYS) * DAY_MS).div_euclid(HOUR_MS) * HOUR_MS,
    }
}

/// What a venue's backfill did.
#[derive(Debug, Default)]
pub struct Tally {
    /// Progress units planned ([`Plan::units`]): funding jobs and candle series.
    pub planned: usize,
    /// The venue banned this IP (before the run or during it).
    pub banned: bool,
    /// Units found complete already: no request was needed (counted in `perps`/`series` too).
    pub current: usize,
    /// Perps whose funding was brought up to date.
    pub perps: usize,
    /// Settlements stored (including ones stored before, re-sent by the venue).
    pub settlements: usize,
    /// Candle series brought up to date.
    pub series: usize,
    /// Finished candles stored.
    pub candles: usize,
    /// HTTP requests sent.
    pub requests: u32,
    /// One line per failed series, naming venue, symbol and endpoint.
    pub errors: Vec<String>,
    /// Settlements not stored because their rate is beyond what a venue can mean
    /// ([`sanity::rate_ok`]), with the first one seen (symbol, rate).
    pub refused: (usize, Option<(String, Decimal)>),
}

impl Tally {
    /// Adds another venue's tally.
    pub fn absorb(&mut self, other: Tally) {
        self.planned += other.planned;
        self.banned |= other.banned;
        self.current += other.current;
        self.perps += other.perps;
        self.settlements += other.settlements;
        self.series += other.series;
        self.candles += other.candles;
        self.requests += other.requests;
        self.errors.extend(other.errors);
        self.refused.0 += other.refused.0;
        if self.refused.1.is_none() {
            self.refused.1 = other.refused.1;
        }
    }

    /// Units brought up to date (fetched, or already complete).
    #[must_use]
    pub fn done(&self) -> usize {
        self.perps + self.series
    }

    /// Units planned but not brought up to date (failed, or not reached after a stop).
    #[must_use]
    pub fn failed(&self) -> usize {
        self.planned.saturating_sub(self.done())
    }
}

/// How a whole backfill run ended, for the summary line and the exit code.
#[derive(Debug, Default)]
pub struct Report {
    /// Venues whose markets are unknown (the poll listing them failed; `true`: it was a ban):
    /// nothing could be planned for them.
    pub unlisted: Vec<(Venue, bool)>,
    /// Venues backfilled, each with its tally.
    pub ran: Vec<(Venue, Tally)>,
    /// Requests sent by the polls that listed markets.
    pub poll_requests: u32,
}

/// The run's verdict, as the exit code carries it (0, 1, 69, 75).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every requested series was fetched or already complete, on every venue.
    Complete,
    /// Some series or some venue failed; the rest were stored.
    Partial,
    /// No venue could be backfilled at all.
    Unreachable,
    /// No venue could be backfilled, every one because it banned this IP.
    Banned,
}

impl Report {
    /// Venues that failed as a whole, with whether by a ban: markets unknown, or series to
    /// fetch and not one fetched (those complete already needed no answer).
    #[must_use]
    pub fn failed_venues(&self) -> Vec<(Venue, bool)> {
        let mut out = self.unlisted.clone();
        out.extend(
            self.ran
                .iter()
                .filter(|(_, t)| t.failed() > 0 && t.done() == t.current)
                .map(|(v, t)| (*v, t.banned)),
        );
        out.sort();
        out
    }

    /// Series planned on the venues that ran but not brought up to date.
    #[must_use]
    pub fn failed_series(&self) -> usize {
        self.ran.iter().map(|(_, t)| t.failed()).sum()
    }

    /// The verdict: [`Verdict::Complete`] only when no venue and no series failed.
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        let failed = self.failed_venues();
        let venues = self.unlisted.len() + self.ran.len();
        if venues > 0 && failed.len() == venues {
            if failed.iter().all(|(_, banned)| *banned) {
                Verdict::Banned
            } else {
                Verdict::Unreachable
            }
        } else if !failed.is_empty() || self.failed_series() > 0 {
            Verdict::Partial
        } else {
            Verdict::Complete
        }
    }

    /// Every venue's tally added up.
    #[must_use]
    pub fn total(&self) -> Tally {
        let mut total = Tally::default();
        for (_, t) in &self.ran {
            total.planned += t.planned;
            total.perps += t.perps;
            total.settlements += t.settlements;
            total.series += t.series;
            total.candles += t.candles;
            total.requests += t.requests;
        }
        total
    }

    /// The summary line: what was stored, on how many venues, and what failed (venues named).
    #[must_use]
    pub fn line(&self, interrupted: bool) -> String {
        let t = self.total();
        let failed = self.failed_venues();
        let venues = self.unlisted.len() + self.ran.len();
        let names: Vec<&str> = failed.iter().map(|(v, _)| v.id()).collect();
        let failed_venues = match failed.len() {
            0 => "0 venues failed".to_owned(),
            1 => format!("1 venue failed ({})", names.join(", ")),
            n => format!("{n} venues failed ({})", names.join(", ")),
        };
        format!(
            "backfill: {} perps, {} settlements, {} price series, {} candles stored on {} of {venues} venues; {} requests; {failed_venues}, {} of {} series failed{}",
            t.perps,
            t.settlements,
            t.series,
            t.candles,
            venues - failed.len(),
            t.requests + self.poll_requests,
            self.failed_series(),
            t.planned,
            if interrupted {
                "; interrupted: run it again to resume"
            } else {
                ""
            }
        )
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(move || crate::store::guarded(f))
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// Interval hours of each settlement from the gap to its neighbour (whole hours 1..=24), else
/// `fallback`. `points` must be sorted by time.
fn intervals(points: &[HistoryPoint], fallback: Decimal) -> Vec<Decimal> {
    let gap = |a: i64, b: i64| {
        let ms = b - a;
        (ms > 0 && ms % HOUR_MS == 0 && ms / HOUR_MS <= 24).then(|| Decimal::from(ms / HOUR_MS))
    };
    (0..points.len())
        .map(|i| {
            let before = i
                .checked_sub(1)
                .and_then(|j| gap(points[j].time_ms, points[i].time_ms));
            let after = points
                .get(i + 1)
                .and_then(|n| gap(points[i].time_ms, n.time_ms));
            before.or(after).unwrap_or(fallback)
        })
        .collect()
}

/// Where a series' fetch starts: after the newest stored item when the stored span already
/// reaches back to `window_start`, else at `window_start`.
fn resume_from(marker: Option<(i64, i64)>, window_start: i64, step: i64) -> i64 {
    match marker {
        Some((from, to)) if from <= window_start => (to + step).max(window_start),
        _ => window_start,
    }
}

/// Whether a venue's backfill goes on after a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flow {
    /// Next series.
    Go,
    /// The venue banned this IP or keeps rate-limiting: stop asking it.
    Stop,
}

/// Records a failed request and decides whether the venue's backfill stops: a ban is saved in
/// the store (later runs of any command skip the venue until it ends) and stops it, and so does
/// a rate limit that outlasted the retries.
async fn failed(
    store: &Store,
    venue: Venue,
    e: &crate::venue::VenueError,
    what: &str,
    tally: &mut Tally,
) -> Result<Flow, StoreError> {
    tally.errors.push(format!("{e} ({what})"));
    if let Some(ban) = e.ban().cloned() {
        tally.banned = true;
        let s = store.clone();
        blocking(move || s.set_ban(venue, &ban)).await?;
        return Ok(Flow::Stop);
    }
    Ok(if e.is_rate_limit() {
        Flow::Stop
    } else {
        Flow::Go
    })
}

/// Fetches one venue's missing history; `progress` advances one unit per funding job and per
/// candle series. A banned venue is skipped; a ban or a persistent rate limit met on the way
/// stops the venue (the series done so far are kept, the rest come next run).
///
/// # Errors
/// Store failures only; venue failures are counted in [`Tally::errors`] and the run goes on
/// with the next series.
pub async fn run_venue(
    client: Arc<VenueClient>,
    store: Store,
    plan: Plan,
    now_ms: i64,
    progress: indicatif::ProgressBar,
) -> Result<Tally, StoreError> {
    let mut tally = Tally {
        planned: plan.units(),
        ..Tally::default()
    };
    let venue = plan.venue;
    let banned = {
        let s = store.clone();
        blocking(move || s.ban(venue)).await?
    };
    if let Some(ban) = banned.filter(|b| b.until.timestamp_millis() > now_ms) {
        tally.banned = true;
        tally.errors.push(format!(
            "{venue}: {ban}; no history requested (run backfill again after that, or lift it with `basis venues --clear-ban {}`)",
            venue.id()
        ));
        progress.inc(plan.units() as u64);
        return Ok(tally);
    }
    // Three lanes run side by side: funding, perp candles, spot candles. They hit different
    // endpoints (and on Binance and MEXC different hosts), each under its own limiter where the
    // venue has one (BingX: one request/s per endpoint), so the slowest lane sets the pace
    // instead of the sum. A ban or persistent rate limit in one lane stops all three.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let stopped = || stop.load(std::sync::atomic::Ordering::Relaxed);
    let halt = |flow: Flow| {
        if flow == Flow::Stop {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    };
    let funding_lane = async {
        let mut t = Tally::default();
        for job in &plan.funding {
            if stopped() {
                break;
            }
            progress.set_message(format!("{venue} {} funding", job.symbol));
            let start = plan.funding_start_ms;
            halt(funding(&client, &store, job, start, now_ms, &mut t).await?);
            progress.inc(1);
        }
        Ok::<_, StoreError>(t)
    };
    let candle_lane = |market: Market| {
        let (client, store, progress) = (&client, &store, &progress);
        let (plan, stopped, halt) = (&plan, &stopped, &halt);
        async move {
            let mut t = Tally::default();
            for job in plan.prices.iter().filter(|j| j.market == market) {
                for (bar, start) in [
                    (Bar::Day, plan.daily_start_ms),
                    (Bar::Hour, plan.hourly_start_ms),
                ] {
                    if stopped() {
                        break;
                    }
                    let m = market.id();
                    progress.set_message(format!("{venue} {m} {} {}", job.symbol, bar.name()));
                    halt(candles(client, store, job, bar, start, now_ms, &mut t).await?);
                    progress.inc(1);
                }
            }
            Ok::<_, StoreError>(t)
        }
    };
    let (f, perp, spot) = tokio::join!(
        funding_lane,
        candle_lane(Market::Perp),
        candle_lane(Market::Spot)
    );
    for lane in [f?, perp?, spot?] {
        tally.absorb(lane);
    }
    if stopped() {
        tally.errors.push(format!(
            "{venue}: stopped after a ban or a persistent rate limit; run backfill again later to continue"
        ));
    }
    if let (n, Some((symbol, rate))) = &tally.refused {
        let more = if *n > 1 {
            format!(" and {} more", n - 1)
        } else {
            String::new()
        };
        tracing::warn!(
            "{venue}: {n} settlement{} skipped: {} ({symbol}){more}",
            if *n == 1 { "" } else { "s" },
            sanity::Flaw::Rate(*rate)
        );
    }
    tally.requests = client.requests();
    Ok(tally)
}

/// Settled funding of one perp.
async fn funding(
    client: &VenueClient,
    store: &Store,
    job: &FundingJob,
    start_ms: i64,
    end_ms: i64,
    tally: &mut Tally,
) -> Result<Flow, StoreError> {
    let venue = client.venue();
    let handler = adapter(venue);
    let marker = {
        let (s, sym) = (store.clone(), job.symbol.clone());
        blocking(move || s.backfill_marker(venue, &sym)).await?
    };
    let from = resume_from(marker, start_ms, 1);
    // Nothing can have settled since the newest stored settlement.
    let step = (job.interval_hours * Decimal::from(HOUR_MS))
        .trunc()
        .try_into()
        .unwrap_or(HOUR_MS)
        .max(HOUR_MS);
    if from > start_ms && from - 1 + step > end_ms {
        tally.perps += 1;
        tally.current += 1;
        return Ok(Flow::Go);
    }
    let mut previous: Option<Vec<HistoryPoint>> = None;
    let mut newest: Option<i64> = None;
    let mut pages = 0;
    while let Some(req) =
        handler.funding_history_request(&job.symbol, from, end_ms, previous.as_deref(), pages)
    {
        pages += 1;
        if pages > MAX_PAGES {
            tally.errors.push(format!(
                "{venue} {}: more than {MAX_PAGES} funding history pages; stopped, not marked complete (the venue seems to ignore the paging parameters; a smaller --days fetches what it can)",
                job.symbol
            ));
            return Ok(Flow::Go);
        }
        let body = match client.fetch(&req).await {
            Ok(b) => b,
            Err(e) => return failed(store, venue, &e, &job.symbol, tally).await,
        };
        let mut page = match handler.parse_funding_history(&body) {
            Ok(p) => p,
            Err(e) => {
                tally.errors.push(format!(
                    "{venue} {} {e} (the venue changed its format or sent a partial response); the series is not marked complete: run backfill again later, and report it if it persists",
                    job.symbol
                ));
                return Ok(Flow::Go);
            }
        };
        page.sort_by_key(|p| p.time_ms);
        let hours = intervals(&page, job.interval_hours);
        let in_window = |p: &HistoryPoint| p.time_ms >= from && p.time_ms <= end_ms;
        for p in page
            .iter()
            .filter(|p| in_window(p) && !sanity::rate_ok(p.rate))
        {
            tally.refused.0 += 1;
            tally
                .refused
                .1
                .get_or_insert_with(|| (job.symbol.clone(), p.rate));
        }
        let events: Vec<(i64, FundingEvent)> = page
            .iter()
            .zip(hours)
            .filter(|(p, _)| in_window(p) && sanity::rate_ok(p.rate))
            .map(|(p, h)| {
                (
                    p.time_ms,
                    FundingEvent {
                        r: p.rate,
                        h,
                        seen: p.time_ms,
                    },
                )
            })
            .collect();
        newest = newest.max(events.last().map(|(t, _)| *t));
        tally.settlements += events.len();
        let (s, sym) = (store.clone(), job.symbol.clone());
        blocking(move || s.put_funding_events(venue, &sym, &events)).await?;
        if page.is_empty() || previous.as_ref() == Some(&page) {
            break;
        }
        previous = Some(page);
    }
    // Complete: the span reaches back to the window start and forward to the newest settlement
    // stored (a settlement published late is asked for again next run).
    let covered_from = marker.map_or(start_ms, |(f, _)| f.min(start_ms));
    let covered_to = newest
        .unwrap_or(from - 1)
        .max(marker.map_or(i64::MIN, |(_, t)| t));
    let (s, sym) = (store.clone(), job.symbol.clone());
    blocking(move || s.set_backfill_marker(venue, &sym, (covered_from, covered_to))).await?;
    tally.perps += 1;
    Ok(Flow::Go)
}

/// Why a market's candles stopped coming.
#[derive(Debug)]
pub enum CandleError {
    /// The request failed (its error says whether the venue banned or rate-limited us).
    Fetch(crate::venue::VenueError),
    /// The body did not parse as the venue's candles.
    Parse(crate::venue::ParseError),
    /// More than [`MAX_PAGES`] pages: the venue seems to ignore the paging parameters.
    TooManyPages,
}

/// The one candle fetcher (backfill's series and a scan's daily candle of last resort): one
/// market's candles of a window, page by page as the venue pages them, until the venue has no
/// next request, a page comes back empty or the same as the one before.
#[derive(Debug)]
pub struct CandlePages<'a> {
    client: &'a VenueClient,
    window: CandleWindow<'a>,
    previous: Option<Vec<Candle>>,
    pages: u32,
    done: bool,
}

impl<'a> CandlePages<'a> {
    /// Pages of `window` from `client`'s venue; nothing is requested before [`Self::next`].
    #[must_use]
    pub fn new(client: &'a VenueClient, window: CandleWindow<'a>) -> Self {
        CandlePages {
            client,
            window,
            previous: None,
            pages: 0,
            done: false,
        }
    }

    /// Whether any request was sent (a venue that serves no such candles sends none).
    #[must_use]
    pub fn asked(&self) -> bool {
        self.pages > 0
    }

    /// The next page, or `None` when the window is covered. After an error it returns `None`.
    pub async fn next(&mut self) -> Option<Result<&[Candle], CandleError>> {
        if self.done {
            return None;
        }
        let handler = adapter(self.client.venue());
        let Some(req) = handler.candle_request(&self.window, self.previous.as_deref(), self.pages)
        else {
            self.done = true;
            return None;
        };
        self.pages += 1;
        let page = if self.pages > MAX_PAGES {
            Err(CandleError::TooManyPages)
        } else {
            match self.client.fetch(&req).await {
                Ok(body) => handler
                    .parse_candles(self.window.market, self.window.bar, &body)
                    .map_err(CandleError::Parse),
                Err(e) => Err(CandleError::Fetch(e)),
            }
        };
        match page {
            Ok(page) => {
                self.done = page.is_empty() || self.previous.as_ref() == Some(&page);
                Some(Ok(self.previous.insert(page).as_slice()))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Finished `bar` candles of one market.
async fn candles(
    client: &VenueClient,
    store: &Store,
    job: &PriceJob,
    bar: Bar,
    start_ms: i64,
    now_ms: i64,
    tally: &mut Tally,
) -> Result<Flow, StoreError> {
    let venue = client.venue();
    let step = bar.millis();
    let marker = {
        let (s, sym, market) = (store.clone(), job.symbol.clone(), job.market);
        blocking(move || s.price_marker(venue, market, &sym, bar)).await?
    };
    let from = resume_from(marker, start_ms, step);
    if from + step > now_ms {
        // No bar can have finished since the newest one stored.
        tally.series += 1;
        tally.current += 1;
        return Ok(Flow::Go);
    }
    let window = CandleWindow {
        market: job.market,
        symbol: &job.symbol,
        bar,
        start_ms: from,
        end_ms: now_ms,
    };
    let what = format!(
        "{venue} {} {} {} candles",
        job.market.id(),
        job.symbol,
        bar.name()
    );
    let mut newest: Option<i64> = None;
    let mut pages = CandlePages::new(client, window);
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(CandleError::Fetch(e)) => return failed(store, venue, &e, &what, tally).await,
            Err(CandleError::Parse(e)) => {
                tally.errors.push(format!(
                    "{what}: {e} (the venue changed its format or sent a partial response); the series is not marked complete: run backfill again later, and report it if it persists"
                ));
                return Ok(Flow::Go);
            }
            Err(CandleError::TooManyPages) => {
                tally.errors.push(format!(
                    "{what}: more than {MAX_PAGES} pages; stopped, not marked complete (the venue seems to ignore the paging parameters; a smaller --days fetches what it can)"
                ));
                return Ok(Flow::Go);
            }
        };
        if bar == Bar::Day
            && let Some(c) = page.iter().find(|c| c.open_ms.rem_euclid(DAY_MS) != 0)
        {
            tally.errors.push(format!(
                "{what}: a daily bar opens at {} ms, not at 00:00 UTC; not stored (the venue's daily bars follow another time zone; realised volatility falls back to the daily closes polls record, so nothing needs doing, but report it)",
                c.open_ms
            ));
            return Ok(Flow::Go);
        }
        let bars: Vec<(i64, PriceBar)> = page
            .iter()
            .filter(|c| c.open_ms >= from && c.open_ms + step <= now_ms)
            .filter(|c| c.close > Decimal::ZERO)
            .map(|c| {
                (
                    c.open_ms,
                    PriceBar {
                        high: c.high / job.multiplier,
                        low: c.low / job.multiplier,
                        close: c.close / job.multiplier,
                    },
                )
            })
            .collect();
        newest = newest.max(bars.iter().map(|(t, _)| *t).max());
        tally.candles += bars.len();
        let (s, sym, market) = (store.clone(), job.symbol.clone(), job.market);
        blocking(move || s.put_price_bars(venue, market, &sym, bar, &bars)).await?;
    }
    if pages.asked() {
        let covered_from = marker.map_or(start_ms, |(f, _)| f.min(start_ms));
        let covered_to = newest
            .unwrap_or(from - step)
            .max(marker.map_or(i64::MIN, |(_, t)| t));
        let (s, sym, market) = (store.clone(), job.symbol.clone(), job.market);
        blocking(move || s.set_price_marker(venue, market, &sym, bar, (covered_from, covered_to)))
            .await?;
    } else {
        // The venue serves no such candles: nothing to ask.
        tally.current += 1;
    }
    tally.series += 1;
    Ok(Flow::Go)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{d as dec, epoch};
    use crate::model::{PerpQuote, SpotQuote};

    fn perp(symbol: &str, asset: &str, quote: &str, multiplier: Decimal) -> PerpQuote {
        PerpQuote {
            multiplier,
            ..PerpQuote::listed(Venue::Binance, symbol, (asset, quote), epoch())
        }
    }

    fn spot(symbol: &str, asset: &str, quote: &str) -> SpotQuote {
        SpotQuote::listed(Venue::Binance, symbol, (asset, quote), epoch())
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            venue: Venue::Binance,
            received_at: epoch(),
            perps: vec![
                perp("BTCUSDT", "BTC", "USDT", Decimal::ONE),
                perp("1000PEPEUSDT", "PEPE", "USDT", dec("1000")),
            ],
            spots: vec![
                spot("BTCUSDC", "BTC", "USDC"),
                spot("BTCUSDT", "BTC", "USDT"),
                spot("BTCEUR", "BTC", "EUR"),
                spot("ETHUSDC", "ETH", "USDC"),
                spot("PEPEUSDT", "PEPE", "USDT"),
                spot("SOLUSDT", "SOL", "USDT"),
            ],
        }
    }

    #[test]
    fn plan_takes_every_perp_and_one_spot_per_coin_involved() {
        let now = 100 * DAY_MS + 5 * HOUR_MS + 7;
        let scope = Scope {
            collateral: "ETH".into(),
            days: 30,
            funding: true,
            prices: true,
            ..Scope::default()
        };
        let p = plan(&snapshot(), &scope, now);
        assert_eq!(p.funding.len(), 2);
        let series: Vec<(Market, &str, Decimal)> = p
            .prices
            .iter()
            .map(|j| (j.market, j.symbol.as_str(), j.multiplier))
            .collect();
        assert_eq!(
            series,
            [
                (Market::Perp, "BTCUSDT", Decimal::ONE),
                (Market::Perp, "1000PEPEUSDT", dec("1000")),
                (Market::Spot, "BTCUSDT", Decimal::ONE),
                (Market::Spot, "ETHUSDC", Decimal::ONE),
                (Market::Spot, "PEPEUSDT", Decimal::ONE),
            ]
        );
        assert_eq!(p.units(), 2 + 10);
        assert_eq!(p.funding_start_ms, now - 30 * DAY_MS);
        assert_eq!(p.daily_start_ms, (100 - 45) * DAY_MS);
        assert_eq!(p.hourly_start_ms, 93 * DAY_MS + 5 * HOUR_MS);
    }

    #[test]
    fn plan_honours_assets_switches_and_stable_collateral() {
        let now = 100 * DAY_MS;
        let scope = Scope {
            assets: vec!["PEPE".into()],
            collateral: "USDT".into(),
            days: 60,
            funding: false,
            prices: true,
        };
        let p = plan(&snapshot(), &scope, now);
        assert!(p.funding.is_empty());
        let symbols: Vec<&str> = p.prices.iter().map(|j| j.symbol.as_str()).collect();
        assert_eq!(symbols, ["1000PEPEUSDT", "PEPEUSDT"]);
        assert_eq!(p.daily_start_ms, 40 * DAY_MS, "60 days asked: more than 45");
        let none = plan(
            &snapshot(),
            &Scope {
                prices: false,
                ..scope
            },
            now,
        );
        assert_eq!(none.units(), 0);
    }

    #[test]
    fn resuming_starts_after_the_newest_item_only_when_the_window_is_covered() {
        assert_eq!(resume_from(None, 1_000, 10), 1_000);
        assert_eq!(resume_from(Some((900, 5_000)), 1_000, 10), 5_010);
        assert_eq!(
            resume_from(Some((1_100, 5_000)), 1_000, 10),
            1_000,
            "gap before"
        );
        assert_eq!(
            resume_from(Some((900, 500)), 1_000, 10),
            1_000,
            "stale span"
        );
    }

    fn tally(planned: usize, done: usize, current: usize, banned: bool) -> Tally {
        Tally {
            planned,
            banned,
            current,
            series: done,
            ..Tally::default()
        }
    }

    #[test]
    fn the_verdict_is_complete_only_when_every_series_and_venue_is() {
        use Verdict::*;
        let ran = |list: Vec<(Venue, Tally)>| Report {
            ran: list,
            ..Report::default()
        };
        type Case = (&'static str, Report, Verdict, Vec<(Venue, bool)>, usize);
        let cases: Vec<Case> = vec![
            (
                "all fetched or current",
                ran(vec![
                    (Venue::Binance, tally(4, 4, 1, false)),
                    (Venue::Okx, tally(2, 2, 2, false)),
                ]),
                Complete,
                vec![],
                0,
            ),
            (
                "nothing planned",
                ran(vec![(Venue::Okx, tally(0, 0, 0, false))]),
                Complete,
                vec![],
                0,
            ),
            (
                "one series failed",
                ran(vec![(Venue::Binance, tally(4, 3, 0, false))]),
                Partial,
                vec![],
                1,
            ),
            (
                "one venue unlisted",
                Report {
                    unlisted: vec![(Venue::Okx, false)],
                    ran: vec![(Venue::Binance, tally(4, 4, 0, false))],
                    poll_requests: 3,
                },
                Partial,
                vec![(Venue::Okx, false)],
                0,
            ),
            (
                "every venue unlisted",
                Report {
                    unlisted: vec![(Venue::Okx, false), (Venue::Bybit, true)],
                    ..Report::default()
                },
                Unreachable,
                vec![(Venue::Bybit, true), (Venue::Okx, false)],
                0,
            ),
            (
                "every venue banned",
                Report {
                    unlisted: vec![(Venue::Okx, true)],
                    ran: vec![(Venue::Binance, tally(4, 0, 0, true))],
                    poll_requests: 1,
                },
                Banned,
                vec![(Venue::Binance, true), (Venue::Okx, true)],
                4,
            ),
            (
                "complete series only, every one to fetch failed",
                ran(vec![
                    (Venue::Binance, tally(4, 2, 2, false)),
                    (Venue::Okx, tally(3, 0, 0, false)),
                ]),
                Unreachable,
                vec![(Venue::Binance, false), (Venue::Okx, false)],
                5,
            ),
            (
                "a venue fetched something",
                ran(vec![
                    (Venue::Binance, tally(4, 3, 2, false)),
                    (Venue::Okx, tally(3, 0, 0, false)),
                ]),
                Partial,
                vec![(Venue::Okx, false)],
                4,
            ),
        ];
        for (name, report, verdict, failed, series) in cases {
            assert_eq!(report.verdict(), verdict, "{name}");
            assert_eq!(report.failed_venues(), failed, "{name}");
            assert_eq!(report.failed_series(), series, "{name}");
        }
    }

    #[test]
    fn the_summary_line_names_failed_venues_and_counts_failed_series() {
        let mut ok = tally(6, 6, 0, false);
        ok.perps = 2;
        ok.series = 4;
        ok.settlements = 90;
        ok.candles = 500;
        ok.requests = 12;
        let report = Report {
            unlisted: vec![(Venue::Okx, false)],
            ran: vec![(Venue::Binance, ok), (Venue::Bybit, tally(5, 4, 0, false))],
            poll_requests: 9,
        };
        assert_eq!(
            report.line(false),
            "backfill: 2 perps, 90 settlements, 8 price series, 500 candles stored on 2 of 3 \
             venues; 21 requests; 1 venue failed (okx), 1 of 11 series failed"
        );
        assert!(
            report
                .line(true)
                .ends_with("; interrupted: run it again to resume")
        );
    }

    #[test]
    fn settlement_intervals_come_from_the_gaps() {
        let pts = |times: &[i64]| -> Vec<HistoryPoint> {
            times
                .iter()
                .map(|&time_ms| HistoryPoint {
                    time_ms,
                    rate: dec("0.0001"),
                })
                .collect()
        };
        let h = HOUR_MS;
        assert_eq!(
            intervals(&pts(&[0, 8 * h, 12 * h, 13 * h]), dec("8")),
            [dec("8"), dec("8"), dec("4"), dec("1")]
        );
        assert_eq!(intervals(&pts(&[5]), dec("4")), [dec("4")]);
        assert_eq!(
            intervals(&pts(&[0, 30 * h]), dec("2")),
            [dec("2"), dec("2")],
            "gaps over a day are outages"
        );
    }
}
