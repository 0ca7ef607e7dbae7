//! The one HTTP client: per-host governor limiters with endpoint weights, timeouts, bounded retries
//! with backoff, `Retry-After`, rate-limit bodies treated as 429, bounded 418/403 bans and
//! remembered rate limits, and response bodies read streaming under a size cap.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use chrono::{DateTime, Utc};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use super::{Ban, BanKind, BodySignal, HostSpec, Method, Request, VenueAdapter, VenueError};
use crate::model::Venue;

/// Timeouts and retry policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Total time for one request, body included.
    pub request_timeout: Duration,
    /// Retries after the first attempt (timeouts, transport errors, 5xx, 429).
    pub retries: u32,
    /// Longest `Retry-After` basis waits within a run; a longer one on a rate limit fails the
    /// venue for this run and is remembered in the store (later runs skip the venue until then).
    pub max_retry_after: Duration,
    /// Cap on one response body, bytes, and on the bodies of one venue being read at the same
    /// time together (`[http] max_body_mb`): a few times the largest real answer (Binance's spot
    /// `exchangeInfo`, a few MB), so that whatever a server sends, a scan's memory stays bounded.
    pub max_body: u64,
}

/// Default of [`HttpConfig::max_body`], MiB.
pub const DEFAULT_MAX_BODY_MIB: u64 = 16;

/// Bytes per MiB.
pub const MIB: u64 = 1 << 20;

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            retries: 2,
            max_retry_after: Duration::from_secs(10),
            max_body: DEFAULT_MAX_BODY_MIB * MIB,
        }
    }
}

/// A venue's hosts resolved to base URLs (live default, config or env).
pub type BaseUrls = HashMap<&'static str, String>;

/// HTTP access to one venue: its base URLs, limiters and request counter.
#[derive(Debug)]
pub struct VenueClient {
    client: reqwest::Client,
    adapter: &'static dyn VenueAdapter,
    config: HttpConfig,
    bases: BaseUrls,
    hosts: &'static [HostSpec],
    limiters:
        std::sync::Mutex<HashMap<(&'static str, &'static str), Arc<DefaultDirectRateLimiter>>>,
    requests: AtomicU32,
    /// Bytes of the bodies being read right now, all requests of this venue together.
    reading: AtomicU64,
    /// The ban (or long rate limit) this client met and the endpoint it came from: every later
    /// request fails with it unsent, since a banned IP that keeps calling gets a longer ban.
    banned: std::sync::Mutex<Option<(&'static str, Ban)>>,
}

/// Builds the shared reqwest client.
///
/// # Errors
/// When the TLS backend cannot be initialised.
pub fn build_client(config: &HttpConfig) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .user_agent(concat!("basis/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// The quota of a host: `budget_pct` of its documented limit, spread evenly over the period, with
/// bursts up to that budget.
#[must_use]
pub fn host_quota(host: &HostSpec) -> Quota {
    let budget = (u64::from(host.limit_weight) * u64::from(host.budget_pct) / 100).max(1);
    let burst =
        NonZeroU32::new(u32::try_from(budget).unwrap_or(u32::MAX)).unwrap_or(NonZeroU32::MIN);
    let period = host.limit_period / u32::try_from(budget).unwrap_or(u32::MAX);
    Quota::with_period(period.max(Duration::from_nanos(1)))
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date.
#[must_use]
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    (when - now).to_std().ok().or(Some(Duration::ZERO))
}

/// The start of a venue's answer for an error message, made safe for a terminal (control and
/// bidi characters escaped, at most 160 characters shown).
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(1024)]);
    let t = crate::model::safe::display(text.trim(), 160);
    if t.is_empty() {
        String::new()
    } else {
        format!(": {t}")
    }
}

enum Attempt {
    Done(Vec<u8>),
    Retry(VenueError, Option<Duration>),
    Fail(VenueError),
}

/// Why a body could not be read.
enum BodyFailure {
    /// Over the cap: fail the request.
    Fail(VenueError),
    /// The transfer broke or timed out: retry.
    Transport(reqwest::Error),
}

/// This client's share of [`VenueClient::reading`], given back when the body is read (or
/// abandoned).
struct Reading<'a> {
    total: &'a AtomicU64,
    held: u64,
}

impl Reading<'_> {
    /// Counts `n` more bytes; returns the venue's total being read now.
    fn add(&mut self, n: u64) -> u64 {
        self.held += n;
        self.total.fetch_add(n, Ordering::Relaxed) + n
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.total.fetch_sub(self.held, Ordering::Relaxed);
    }
}

impl VenueClient {
    /// A client for `adapter`'s venue calling `bases`.
    #[must_use]
    pub fn new(
        client: reqwest::Client,
        adapter: &'static dyn VenueAdapter,
        config: HttpConfig,
        bases: BaseUrls,
    ) -> Self {
        VenueClient {
            client,
            adapter,
            config,
            bases,
            hosts: adapter.hosts(),
            limiters: std::sync::Mutex::new(HashMap::new()),
            requests: AtomicU32::new(0),
            reading: AtomicU64::new(0),
            banned: std::sync::Mutex::new(None),
        }
    }

    /// Venue.
    #[must_use]
    pub fn venue(&self) -> Venue {
        self.adapter.venue()
    }

    /// Requests sent so far (retries included).
    #[must_use]
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The full URL of a request.
    #[must_use]
    pub fn url(&self, req: &Request) -> String {
        let base = self.bases.get(req.host).map_or("", String::as_str);
        format!("{}{}", base.trim_end_matches('/'), req.path)
    }

    /// Sends `req` under the host's limiter, retrying timeouts, transport errors, 5xx and rate
    /// limits (honouring `Retry-After`) a bounded number of times.
    ///
    /// # Errors
    /// The last error when retries are exhausted; at once for bans (418, or 403 with the venue's
    /// own ban message), rate limits with a `Retry-After` beyond [`HttpConfig::max_retry_after`]
    /// (as a [`BanKind::RateLimit`] ban), bodies over [`HttpConfig::max_body`], API errors and
    /// other 4xx.
    pub async fn fetch(&self, req: &Request) -> Result<Vec<u8>, VenueError> {
        let mut backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(200))
            .with_max_delay(Duration::from_secs(2))
            .with_jitter()
            .with_max_times(self.config.retries as usize)
            .build();
        loop {
            match self.attempt(req).await {
                Attempt::Done(body) => return Ok(body),
                Attempt::Fail(e) => {
                    if let VenueError::Banned { endpoint, ban, .. } = &e {
                        self.banned
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .get_or_insert_with(|| (endpoint, ban.clone()));
                    }
                    return Err(e);
                }
                Attempt::Retry(e, retry_after) => {
                    let Some(delay) = backoff.next() else {
                        return Err(e);
                    };
                    let delay = match retry_after {
                        Some(after) if after > self.config.max_retry_after => return Err(e),
                        Some(after) => after,
                        None => delay,
                    };
                    tracing::info!(venue = %self.venue(), endpoint = req.endpoint, ?delay, error = %e, "retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// The limiter a request waits on: its host's, or its endpoint's on per-endpoint hosts.
    fn limiter(&self, req: &Request) -> Option<Arc<DefaultDirectRateLimiter>> {
        let host = self.hosts.iter().find(|h| h.key == req.host)?;
        let key = (host.key, if host.per_endpoint { req.endpoint } else { "" });
        let mut map = self
            .limiters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Some(Arc::clone(map.entry(key).or_insert_with(|| {
            Arc::new(RateLimiter::direct(host_quota(host)))
        })))
    }

    async fn attempt(&self, req: &Request) -> Attempt {
        let venue = self.venue();
        let endpoint = req.endpoint;
        if let Some(limiter) = self.limiter(req) {
            let n = NonZeroU32::new(req.weight.max(1)).unwrap_or(NonZeroU32::MIN);
            if limiter.until_n_ready(n).await.is_err() {
                // Heavier than the whole burst: wait for a full bucket instead.
                limiter.until_ready().await;
            }
        }
        let ban = self
            .banned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some((endpoint, ban)) = ban {
            return Attempt::Fail(VenueError::Banned {
                venue,
                endpoint,
                ban,
            });
        }
        let url = self.url(req);
        let mut query: Vec<(&str, String)> = req.query.clone();
        if let Some(name) = req.timestamp_param {
            query.push((name, Utc::now().timestamp_millis().to_string()));
        }
        let builder = match &req.method {
            Method::Get => self.client.get(&url).query(&query),
            Method::Post(body) => self
                .client
                .post(&url)
                .query(&query)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone()),
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(venue = %venue, endpoint, url = %url, "request");
        // A connect timeout is a connect failure (reqwest flags it as both): it names the
        // connect timeout, not the response timeout `--timeout` would raise.
        let transport = |e: reqwest::Error| {
            if e.is_timeout() && !e.is_connect() {
                VenueError::Timeout {
                    venue,
                    endpoint,
                    timeout: self.config.request_timeout,
                }
            } else {
                VenueError::Connect {
                    venue,
                    endpoint,
                    url: url.clone(),
                    reason: if e.is_timeout() {
                        format!(
                            "no connection within {:?} ([http] connect_timeout)",
                            self.config.connect_timeout
                        )
                    } else {
                        root_cause(&e)
                    },
                }
            }
        };
        let resp = match builder.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Retry(transport(e), None),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                if self.adapter.retry_after_in_millis() {
                    v.trim().parse::<u64>().ok().map(Duration::from_millis)
                } else {
                    parse_retry_after(v, Utc::now())
                }
            });
        let body = match self.read_body(endpoint, resp).await {
            Ok(b) => b,
            Err(BodyFailure::Transport(e)) => return Attempt::Retry(transport(e), None),
            Err(BodyFailure::Fail(e)) => return Attempt::Fail(e),
        };
        let signal = self.adapter.check_body(status, &body);
        let ban = |kind, wanted: Duration| VenueError::Banned {
            venue,
            endpoint,
            ban: Ban::new(
                kind,
                status,
                format!("{endpoint}{}", excerpt(&body)),
                Utc::now(),
                wanted,
                self.adapter.longest_ban(),
            ),
        };
        let rate_limited = status == 429 || signal == BodySignal::RateLimited;
        match status {
            418 => Attempt::Fail(ban(
                BanKind::Ban,
                retry_after.unwrap_or_else(|| self.adapter.default_ban()),
            )),
            403 if self.adapter.is_ban_403(&body) => Attempt::Fail(ban(
                BanKind::Ban,
                retry_after.unwrap_or_else(|| self.adapter.default_ban()),
            )),
            _ if rate_limited => match retry_after {
                // Longer than a run waits: fail the venue now and remember it, so that the
                // next runs do not call it again before the venue said to.
                Some(after) if after > self.config.max_retry_after => {
                    Attempt::Fail(ban(BanKind::RateLimit, after))
                }
                _ => Attempt::Retry(VenueError::RateLimited { venue, endpoint }, retry_after),
            },
            s if s >= 500 => Attempt::Retry(
                VenueError::Http {
                    venue,
                    endpoint,
                    status,
                    detail: excerpt(&body),
                },
                retry_after,
            ),
            s if (200..300).contains(&s) => match signal {
                BodySignal::Api { code, msg } => Attempt::Fail(VenueError::Api {
                    venue,
                    endpoint,
                    code,
                    msg,
                }),
                _ => Attempt::Done(body),
            },
            _ => Attempt::Fail(match signal {
                BodySignal::Api { code, msg } => VenueError::Api {
                    venue,
                    endpoint,
                    code,
                    msg,
                },
                _ => VenueError::Http {
                    venue,
                    endpoint,
                    status,
                    detail: excerpt(&body),
                },
            }),
        }
    }
}

impl VenueClient {
    /// Reads a body chunk by chunk under [`HttpConfig::max_body`]: a `Content-Length` over the
    /// cap fails before anything is read, and so does a body that grows past it, alone or with
    /// the other bodies of this venue being read at the same time.
    ///
    /// Errors: [`VenueError::BodyTooLarge`] (not retried: the same server would send the same),
    /// or the transport error (retried by the caller).
    async fn read_body(
        &self,
        endpoint: &'static str,
        mut resp: reqwest::Response,
    ) -> Result<Vec<u8>, BodyFailure> {
        let venue = self.venue();
        let cap = self.config.max_body;
        let too_large = |detail: String| {
            BodyFailure::Fail(VenueError::BodyTooLarge {
                venue,
                endpoint,
                cap_mib: cap.div_ceil(MIB),
                detail,
            })
        };
        let declared = resp.content_length();
        if let Some(len) = declared.filter(|l| *l > cap) {
            return Err(too_large(format!(" (Content-Length: {len} bytes)")));
        }
        // Chunks are kept as they come and joined once at the end: a growing buffer would hold
        // its old and new copies at each doubling, half as much again as the body.
        let mut chunks = Vec::new();
        let mut len = 0u64;
        let mut reading = Reading {
            total: &self.reading,
            held: 0,
        };
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => return Err(BodyFailure::Transport(e)),
            };
            let n = chunk.len() as u64;
            len += n;
            // Whichever cap trips first, say whether the venue declared the body's length.
            let undeclared = if declared.is_none() {
                ", no Content-Length"
            } else {
                ""
            };
            if len > cap {
                return Err(too_large(format!(" (more than {len} bytes{undeclared})")));
            }
            if reading.add(n) > cap {
                return Err(too_large(format!(
                    " ({len} bytes{undeclared}, together with the other {venue} bodies being read at the same time)"
                )));
            }
            chunks.push(chunk);
        }
        if chunks.len() == 1 {
            return Ok(chunks.swap_remove(0).into());
        }
        let mut body = Vec::with_capacity(usize::try_from(len).unwrap_or_default());
        for c in chunks {
            body.extend_from_slice(&c);
        }
        Ok(body)
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .expect("t")
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn quotas_stay_below_the_documented_limit() {
        let host = HostSpec {
            key: "main",
            env: "X",
            default_url: "https://example.invalid",
            limit_weight: 600,
            limit_period: Duration::from_secs(5),
            budget_pct: 50,
            per_endpoint: false,
        };
        let q = host_quota(&host);
        assert_eq!(q.burst_size().get(), 300);
        assert_eq!(q.replenish_interval(), Duration::from_secs(5) / 300);
    }
}
