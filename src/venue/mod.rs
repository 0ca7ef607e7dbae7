//! Venue adapters: the `VenueAdapter` contract, the request plan type and the shared error classes.
//!
//! An adapter is pure: it says which HTTP requests make up a snapshot ([`Request`]), recognises a
//! venue's error envelope in a response body ([`VenueAdapter::check_body`]), and turns response
//! bodies into domain types. All I/O (HTTP, limits, retries, bans) lives in [`http`].

pub mod binance;
pub mod bingx;
pub mod bitget;
pub mod bybit;
#[cfg(test)]
mod conformance;
pub mod deribit;
pub mod dydx;
pub mod gate;
pub mod http;
pub mod hyperliquid;
pub mod intervals;
pub mod kit;
pub mod kraken;
pub mod margin;
pub mod mexc;
pub mod okx;
pub mod rows;
#[cfg(test)]
pub(crate) mod testkit;
pub mod weex;

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::model::{Market, Reference, Snapshot, Venue};

pub use crate::model::ban::{Ban, BanKind, LONGEST_BAN, StoredBan};
pub use crate::model::series::{Bar, Candle, HistoryPoint};
pub use kit::Endpoint;

/// Whether a 403 body reads like a venue's own ban or rate-limit message rather than a CDN/WAF
/// page or a plain refusal: not HTML, and saying so (Bybit "access too frequent", Binance
/// "Way too many requests; IP banned", "Too Many Requests", "rate limit").
#[must_use]
pub fn reads_like_a_ban(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_ascii_lowercase();
    let text = text.trim_start();
    if text.starts_with('<') {
        return false;
    }
    [
        "access too frequent",
        "too many requests",
        "too many visits",
        "too frequent",
        "rate limit",
        "ip banned",
    ]
    .iter()
    .any(|p| text.contains(p))
}

/// A host of a venue: its config key, env var and live origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostSpec {
    /// Key in the venue's `urls` config table (`spot`, `futures`, `main`).
    pub key: &'static str,
    /// Environment variable overriding the origin.
    pub env: &'static str,
    /// Live origin (scheme + host).
    pub default_url: &'static str,
    /// Request weight the venue documents as allowed per `limit_period` from one IP on this host.
    pub limit_weight: u32,
    /// The period of `limit_weight`.
    pub limit_period: Duration,
    /// Share of that budget basis uses, in percent (stays below the documented limit).
    pub budget_pct: u32,
    /// The limit applies to each endpoint separately (BingX: 1 request/s per endpoint and IP)
    /// rather than to the host as a whole.
    pub per_endpoint: bool,
}

impl HostSpec {
    /// Host `key` overridden by `env`, live at `default_url`; its limit follows
    /// ([`HostSpec::limit`]). basis uses half of every documented limit
    /// ([`HostSpec::budget_pct`] 50), for the whole host.
    #[must_use]
    pub const fn new(key: &'static str, env: &'static str, default_url: &'static str) -> Self {
        HostSpec {
            key,
            env,
            default_url,
            limit_weight: 0,
            limit_period: Duration::ZERO,
            budget_pct: 50,
            per_endpoint: false,
        }
    }

    /// The same host with its documented limit: `weight` per `period` from one IP.
    #[must_use]
    pub const fn limit(self, weight: u32, period: Duration) -> Self {
        HostSpec {
            limit_weight: weight,
            limit_period: period,
            ..self
        }
    }

    /// The endpoint at `path` of this host, weighing `weight`, named after its path without the
    /// leading `/` (`fapi/v1/premiumIndex`); its documentation follows ([`Endpoint::docs`]).
    #[must_use]
    pub const fn endpoint(&self, path: &'static str, weight: u32) -> Endpoint {
        let name = match path.as_bytes() {
            [b'/', ..] => path.split_at(1).1,
            _ => path,
        };
        Endpoint::new(name, self.key, path, weight)
    }

    /// The same host with its limit applying to each endpoint separately.
    #[must_use]
    pub const fn per_endpoint(self) -> Self {
        HostSpec {
            per_endpoint: true,
            ..self
        }
    }
}

/// HTTP method of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET with query parameters.
    Get,
    /// POST with a JSON body (Hyperliquid).
    Post(String),
}

/// One HTTP request of a venue's plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Stable endpoint name used in messages and to route bodies to parsers (`premiumIndex`).
    pub endpoint: &'static str,
    /// [`HostSpec::key`] of the host to call.
    pub host: &'static str,
    /// Path after the origin, starting with `/`.
    pub path: String,
    /// Query parameters.
    pub query: Vec<(&'static str, String)>,
    /// Method.
    pub method: Method,
    /// Rate-limit weight of the call (the venue's documented weight).
    pub weight: u32,
    /// Query parameter that carries the send time in ms, added at each attempt (BingX's
    /// `timestamp`), so that a request waiting for the limiter is never stale.
    pub timestamp_param: Option<&'static str>,
    /// Feeds only fields the analysis can do without (open interest, mark/index): if it fails
    /// (other than by a ban) the snapshot goes on without it and a warning is logged.
    pub optional: bool,
}

impl Request {
    /// A GET request with weight `weight`.
    #[must_use]
    pub fn get(endpoint: &'static str, host: &'static str, path: &str, weight: u32) -> Self {
        Request {
            endpoint,
            host,
            path: path.to_owned(),
            query: Vec::new(),
            method: Method::Get,
            weight,
            timestamp_param: None,
            optional: false,
        }
    }

    /// Adds the send time in ms as query parameter `name` at every attempt.
    #[must_use]
    pub fn with_timestamp(mut self, name: &'static str) -> Self {
        self.timestamp_param = Some(name);
        self
    }

    /// Marks the request optional (see [`Request::optional`]).
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Adds a query parameter.
    #[must_use]
    pub fn query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.query.push((key, value.into()));
        self
    }

    /// Adds the window most venues ask for by `startTime` and `endTime` (ms) and a `limit` of
    /// rows, in that order.
    #[must_use]
    pub fn time_window(self, from: i64, to: i64, limit: usize) -> Self {
        self.query("startTime", from.to_string())
            .query("endTime", to.to_string())
            .query("limit", limit.to_string())
    }
}

/// A response body paired with the request that produced it.
#[derive(Clone, Copy, Debug)]
pub struct Body<'a> {
    /// The request.
    pub request: &'a Request,
    /// Raw response bytes.
    pub bytes: &'a [u8],
}

impl<'a> Body<'a> {
    /// Bodies of one endpoint, in request order (several for paged endpoints).
    pub fn of(bodies: &'a [Body<'a>], endpoint: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        bodies
            .iter()
            .filter(move |b| b.request.endpoint == endpoint)
            .map(|b| b.bytes)
    }

    /// The first body of one endpoint, or a [`ParseError`] naming it when it is missing.
    ///
    /// # Errors
    /// When no body of that endpoint was fetched.
    pub fn one(bodies: &'a [Body<'a>], endpoint: &'static str) -> Result<&'a [u8], ParseError> {
        Body::of(bodies, endpoint)
            .next()
            .ok_or_else(|| ParseError::new(endpoint, "response missing"))
    }
}

/// A payload that could not be understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{endpoint}: {detail}")]
pub struct ParseError {
    /// Endpoint name.
    pub endpoint: &'static str,
    /// What was wrong.
    pub detail: String,
}

impl ParseError {
    /// A parse error for `endpoint`.
    #[must_use]
    pub fn new(endpoint: &'static str, detail: impl Into<String>) -> Self {
        ParseError {
            endpoint,
            detail: detail.into(),
        }
    }

    /// The venue's error envelope for `endpoint`: `API error {code}: {msg}`.
    #[must_use]
    pub fn api(endpoint: &'static str, code: impl std::fmt::Display, msg: &str) -> Self {
        ParseError::new(endpoint, format!("API error {code}: {msg}"))
    }

    /// Wraps a serde_json error (with its line/column) for `endpoint`.
    #[must_use]
    pub fn json(endpoint: &'static str, err: &serde_json::Error) -> Self {
        ParseError::new(endpoint, format!("malformed JSON: {err}"))
    }
}

/// What a venue's envelope says about a response whose HTTP status alone looked fine (or not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodySignal {
    /// Nothing wrong in the envelope.
    Ok,
    /// The body reports a rate limit (Bybit `retCode` 10006, OKX `code` 50011): treat as HTTP 429.
    RateLimited,
    /// The body reports an API error.
    Api {
        /// Venue error code as text.
        code: String,
        /// Venue message.
        msg: String,
    },
}

/// Which candles to fetch: `bar` candles of `market` `symbol` (the symbol as in the snapshot)
/// with open times in `[start_ms, end_ms]`; `start_ms` is a multiple of the bar length and
/// `end_ms` is the request time (so the last bar may be the unfinished one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CandleWindow<'a> {
    /// Spot pair or perp.
    pub market: Market,
    /// Venue symbol (`BTCUSDT`, `BTC-USDT-SWAP`, `@107`).
    pub symbol: &'a str,
    /// Bar length.
    pub bar: Bar,
    /// Earliest open time, ms.
    pub start_ms: i64,
    /// Latest open time, ms.
    pub end_ms: i64,
}

/// Everything an adapter must provide. Implementations are stateless and pure.
pub trait VenueAdapter: Send + Sync + fmt::Debug {
    /// Which venue.
    fn venue(&self) -> Venue;

    /// The venue's hosts, with env vars, live origins and documented limits.
    fn hosts(&self) -> &'static [HostSpec];

    /// Requests that fetch the cached reference data (instrument lists, funding intervals).
    fn reference_requests(&self) -> Vec<Request>;

    /// The follow-up request of a paged endpoint, or `None` when `body` was the last page.
    ///
    /// # Errors
    /// When the paging cursor cannot be read.
    fn next_page(&self, _request: &Request, _body: &[u8]) -> Result<Option<Request>, ParseError> {
        Ok(None)
    }

    /// Follow-up requests for per-market reference data that has no bulk endpoint (e.g. a
    /// funding interval only available per symbol), given the freshly parsed reference and the
    /// previously cached one. Keep it to a bounded batch per refresh (markets not covered keep
    /// their previous value, see [`VenueAdapter::apply_details`]). Their failures are logged and
    /// do not fail the venue. Default: none.
    fn detail_requests(&self, _fresh: &Reference, _previous: Option<&Reference>) -> Vec<Request> {
        Vec::new()
    }

    /// Merges the bodies of [`VenueAdapter::detail_requests`] (possibly fewer than requested) and
    /// the previous reference's values into `fresh`.
    ///
    /// # Errors
    /// When a detail payload is malformed.
    fn apply_details(
        &self,
        _fresh: &mut Reference,
        _previous: Option<&Reference>,
        _bodies: &[Body<'_>],
    ) -> Result<(), ParseError> {
        Ok(())
    }

    /// Parse the reference bodies into trading spot markets and linear perpetuals.
    ///
    /// # Errors
    /// When a payload is malformed.
    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError>;

    /// Requests of one snapshot. `full` adds fields a scan does not need (kept to the requests
    /// budget): the poller sets it.
    fn snapshot_requests(&self, full: bool) -> Vec<Request>;

    /// Parse the snapshot bodies. Markets absent from `reference` are dropped silently.
    ///
    /// # Errors
    /// When a payload is malformed.
    fn parse_snapshot(
        &self,
        bodies: &[Body<'_>],
        reference: &Reference,
        received_at: DateTime<Utc>,
    ) -> Result<Snapshot, ParseError>;

    /// Inspect a body for the venue's error envelope and rate-limit codes.
    fn check_body(&self, status: u16, body: &[u8]) -> BodySignal;

    /// The request for one page of settled funding of perp `symbol` within `[start_ms, end_ms]`.
    /// `previous` is the page before (as parsed), `None` for the first; `page` counts the pages
    /// already fetched (0 for the first; for APIs paged by number). Return `None` when the
    /// window is covered (an empty or short page, or a page reaching the far end of the
    /// window). Adapters page in whichever direction their API allows. Default: the page
    /// [`VenueAdapter::history_paging`] says ([`kit::Paging::next`]), asked as
    /// [`VenueAdapter::history_page`] writes it; none without a paging.
    fn funding_history_request(
        &self,
        symbol: &str,
        start_ms: i64,
        end_ms: i64,
        previous: Option<&[HistoryPoint]>,
        page: u32,
    ) -> Option<Request> {
        let paging = self.history_paging(start_ms, end_ms)?;
        self.history_page(symbol, paging.next(start_ms, end_ms, previous, page)?)
    }

    /// How the venue pages the settled funding of `[start_ms, end_ms]` (which way, how many
    /// rows a page), for the default [`VenueAdapter::funding_history_request`]. Default: no
    /// history endpoint.
    fn history_paging(&self, _start_ms: i64, _end_ms: i64) -> Option<kit::Paging> {
        None
    }

    /// The request of one page of settled funding of perp `symbol`: the rows of `span`.
    fn history_page(&self, _symbol: &str, _span: kit::Span) -> Option<Request> {
        None
    }

    /// The request for one page of the candles `window` asks for. Paging as in
    /// [`VenueAdapter::funding_history_request`]. Daily bars must be UTC-aligned (ask for the
    /// UTC variant where the venue's default is UTC+8). Default: the page
    /// [`VenueAdapter::candle_paging`] says ([`kit::Paging::bars`]), asked as
    /// [`VenueAdapter::candle_page`] writes it; none without a paging.
    fn candle_request(
        &self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        page: u32,
    ) -> Option<Request> {
        let paging = self.candle_paging(window)?;
        self.candle_page(window, paging.bars(window, previous, page)?)
    }

    /// How the venue pages the candles of `window` (which way, how many bars a page), for the
    /// default [`VenueAdapter::candle_request`]. Default: no candle endpoint for the market
    /// (Kraken and dYdX have no spot).
    fn candle_paging(&self, _window: &CandleWindow<'_>) -> Option<kit::Paging> {
        None
    }

    /// The request of one page of the candles of `window`: the bars of `page`.
    fn candle_page(&self, _window: &CandleWindow<'_>, _page: kit::BarPage) -> Option<Request> {
        None
    }

    /// Parses one page of candles (any order). Rows the venue flags unfinished (OKX `confirm`
    /// "0", Gate spot's `false`) are dropped; the caller also drops every bar whose end is
    /// after the request time.
    ///
    /// # Errors
    /// When the payload is malformed or an error envelope.
    fn parse_candles(
        &self,
        _market: Market,
        _bar: Bar,
        _body: &[u8],
    ) -> Result<Vec<Candle>, ParseError> {
        Ok(Vec::new())
    }

    /// Parses one page of settled funding (any order).
    ///
    /// # Errors
    /// When the payload is malformed or an error envelope.
    fn parse_funding_history(&self, _body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        Ok(Vec::new())
    }

    /// Days of funding history the venue keeps (OKX: about 90), if limited.
    fn history_days_limit(&self) -> Option<u32> {
        None
    }

    /// Whether this venue's `Retry-After` counts milliseconds instead of HTTP's seconds (dYdX's
    /// indexer does).
    fn retry_after_in_millis(&self) -> bool {
        false
    }

    /// Default ban length when a 418/403 carries no `Retry-After`.
    fn default_ban(&self) -> Duration {
        Duration::from_secs(600)
    }

    /// The longest ban the venue documents; `Retry-After` values beyond it are cut to it.
    /// Default [`LONGEST_BAN`] (3 days: Binance's and MEXC's documented maximum, and the bound
    /// for venues that document none).
    fn longest_ban(&self) -> Duration {
        LONGEST_BAN
    }

    /// Whether a 403 with this body is the venue's own ban or rate-limit answer (a ban), rather
    /// than a CDN/WAF page or a plain refusal (an error for this run only). Default: the
    /// venue's envelope says rate limited, or the text [reads like a ban](reads_like_a_ban).
    fn is_ban_403(&self, body: &[u8]) -> bool {
        self.check_body(403, body) == BodySignal::RateLimited || reads_like_a_ban(body)
    }
}

/// Venues whose adapter is written (it has hosts); the others are skipped with a message.
#[must_use]
pub fn implemented() -> Vec<Venue> {
    Venue::ALL
        .into_iter()
        .filter(|v| !adapter(*v).hosts().is_empty())
        .collect()
}

/// The adapter of each venue: the unit struct named after its variant in the module named
/// after its id, for every line of the venue table; the struct's `VENUE` says which venue it is
/// (its [`VenueAdapter::venue`]).
macro_rules! adapters {
    ($($(#[doc = $doc:literal])* $variant:ident $id:ident $code:literal,)+) => {
        $(
            impl $id::$variant {
                /// Its venue, from the venue table.
                pub const VENUE: Venue = Venue::$variant;
            }
        )+

        /// The adapter of a venue.
        #[must_use]
        pub fn adapter(venue: Venue) -> &'static dyn VenueAdapter {
            match venue {
                $(Venue::$variant => &$id::$variant,)+
            }
        }
    };
}

crate::model::venue_table!(adapters);

/// Why a venue could not be polled. Messages name the venue and endpoint and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum VenueError {
    /// No answer within the timeout.
    #[error(
        "{venue} {endpoint}: no response within {timeout:?} (the venue is slow or unreachable; retry later or raise --timeout)"
    )]
    Timeout {
        /// Venue.
        venue: Venue,
        /// Endpoint.
        endpoint: &'static str,
        /// Timeout that elapsed.
        timeout: Duration,
    },
    /// Could not connect or the transfer broke.
    #[error(
        "{venue} {endpoint}: cannot connect to {url}: {reason} (check the network or the venue's base URL setting)"
    )]
    Connect {
        /// Venue.
        venue: Venue,
        /// Endpoint.
        endpoint: &'static str,
        /// URL called.
        url: String,
        /// Transport error.
        reason: String,
    },
    /// An HTTP status that is not success.
    #[error("{venue} {endpoint}: HTTP {status}{detail}")]
    Http {
        /// Venue.
        venue: Venue,
        /// Endpoint.
        endpoint: &'static str,
        /// Status code.
        status: u16,
        /// A short excerpt of the body, prefixed with ": ", or empty.
        detail: String,
    },
    /// Still rate limited after the allowed retries.
    #[error(
        "{venue} {endpoint}: rate limited by the venue (HTTP 429 or its rate-limit code); basis backs off, run less often"
    )]
    RateLimited {
        /// Venue.
        venue: Venue,
        /// Endpoint.
        endpoint: &'static str,
    },
    /// The venue banned this IP (HTTP 418, or 403 with its own ban message), or rate limited it
    /// for longer than a run waits.
    #[error(
        "{venue}: {ban}; basis will not call {venue} before then (`basis venues --clear-ban {venue}` lifts it)"
    )]
    Banned {
        /// Venue.
        venue: Venue,
        /// Endpoint.
        endpoint: &'static str,
        /// What the venue said and until when.
        ban: Ban,
    },
    /// A response body larger than the cap (or endless): the request fails, unretried.
    #[error(
        "{venue} {endpoint}: response body over the {cap_mib} MiB cap{detail}; no real answer of this endpoint is that large, so the venue (or something in between) sent garbage; if it really grew, raise [http] max_body_mb in the config"
    )]
    BodyTooLarge {
        /// Venue.
        venue: Venue,
        /// Endpoint.
        endpoint: &'static str,
        /// The cap, MiB.
        cap_mib: u64,
        /// What exceeded it, prefixed with " (" and closed, or empty.
        detail: String,
    },
    /// The venue's envelope reported an error.
    #[error("{venue} {endpoint}: API error {code}: {msg}")]
    Api {
        /// Venue.
        venue: Venue,
        /// Endpoint.
        endpoint: &'static str,
        /// Venue code.
        code: String,
        /// Venue message.
        msg: String,
    },
    /// The payload could not be parsed.
    #[error("{venue} {source} (the venue changed its format or sent a partial response)")]
    Parse {
        /// Venue.
        venue: Venue,
        /// What failed.
        source: ParseError,
    },
    /// A bad base URL.
    #[error(
        "{venue}: invalid base URL `{url}` for host `{host}`: {reason} (fix {env} or urls.{host} in [venues.{venue}])"
    )]
    BadUrl {
        /// Venue.
        venue: Venue,
        /// Host key.
        host: &'static str,
        /// Env var.
        env: &'static str,
        /// Value.
        url: String,
        /// Why.
        reason: String,
    },
    /// The venue's adapter is not written yet.
    #[error("{venue}: not supported yet by this version of basis")]
    NotImplemented {
        /// Venue.
        venue: Venue,
    },
    /// The scan deadline passed before the venue answered.
    #[error("{venue}: timed out after {after:?} (scan deadline)")]
    Deadline {
        /// Venue.
        venue: Venue,
        /// Elapsed deadline.
        after: Duration,
    },
}

impl VenueError {
    /// Worth retrying within this poll (timeouts, transport errors, 5xx).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            VenueError::Timeout { .. } | VenueError::Connect { .. } => true,
            VenueError::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// A rate-limit signal (429 or a body code meaning the same).
    #[must_use]
    pub fn is_rate_limit(&self) -> bool {
        matches!(self, VenueError::RateLimited { .. })
    }

    /// The ban end, if this is a ban (or a remembered rate-limit back-off).
    #[must_use]
    pub fn banned_until(&self) -> Option<DateTime<Utc>> {
        self.ban().map(|b| b.until)
    }

    /// The ban, if this is a ban (or a remembered rate-limit back-off).
    #[must_use]
    pub fn ban(&self) -> Option<&Ban> {
        match self {
            VenueError::Banned { ban, .. } => Some(ban),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    /// A ban of `kind` answered with HTTP `status` and `why` at `now`, asking `secs` seconds.
    fn ban(kind: BanKind, status: u16, why: &str, now: DateTime<Utc>, secs: u64) -> Ban {
        let asked = Duration::from_secs(secs);
        Ban::new(kind, status, why.into(), now, asked, LONGEST_BAN)
    }

    #[test]
    fn a_ban_lasts_what_the_venue_asks_up_to_the_longest() {
        let now = at("2026-01-01T00:00:00Z");
        let huge = ban(BanKind::Ban, 418, "x", now, 999_999_999);
        assert_eq!(huge.until, at("2026-01-04T00:00:00Z"));
        assert_eq!(huge.since, Some(now));
        let short = ban(BanKind::RateLimit, 429, "x", now, 120);
        assert_eq!(short.until, at("2026-01-01T00:02:00Z"));
    }

    #[test]
    fn stored_bans_read_in_both_formats_and_old_ones_are_bounded() {
        let old: StoredBan = serde_json::from_str("\"2058-01-01T00:00:00Z\"").expect("legacy");
        assert_eq!(old, StoredBan::Legacy(at("2058-01-01T00:00:00Z")));
        let now = at("2026-01-01T00:00:00Z");
        let cut = old.into_ban().bounded(now, LONGEST_BAN);
        assert_eq!(cut.until, at("2026-01-04T00:00:00Z"));
        assert_eq!((cut.since, cut.status), (None, None));
        let within = Ban::legacy(at("2026-01-01T00:10:00Z"));
        assert_eq!(within.clone().bounded(now, LONGEST_BAN), within);

        let ban = ban(BanKind::RateLimit, 429, "tickers: slow down", now, 3600);
        let json = serde_json::to_string(&ban).expect("json");
        assert!(json.contains("\"kind\":\"rate_limit\""), "{json}");
        let back: StoredBan = serde_json::from_str(&json).expect("record");
        assert_eq!(back.into_ban(), ban);
    }

    #[test]
    fn a_ban_says_why_since_and_until() {
        let now = at("2026-01-01T00:00:00Z");
        let ban = ban(
            BanKind::Ban,
            418,
            "fapi/v1/premiumIndex: IP banned",
            now,
            120,
        );
        assert_eq!(
            ban.to_string(),
            "banned until 2026-01-01T00:02:00Z (HTTP 418 since 2026-01-01T00:00:00Z: fapi/v1/premiumIndex: IP banned)"
        );
        assert_eq!(
            Ban::legacy(now).to_string(),
            "banned until 2026-01-01T00:00:00Z (recorded by an earlier version of basis)"
        );
    }

    #[test]
    fn only_a_venues_own_words_make_a_403_a_ban() {
        for (body, ban) in [
            (&b"403, access too frequent"[..], true),
            (
                b"{\"code\":-1003,\"msg\":\"Way too many requests; IP banned until 1.\"}",
                true,
            ),
            (b"Too Many Requests", true),
            (b"<html><body>403 Forbidden</body></html>", false),
            (b"  <!DOCTYPE html><title>Too many requests</title>", false),
            (b"Forbidden", false),
            (b"", false),
        ] {
            assert_eq!(
                reads_like_a_ban(body),
                ban,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
