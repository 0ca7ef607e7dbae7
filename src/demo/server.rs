//! Loopback HTTP server serving venue payloads, with injectable faults, latency and request counts.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Response, StatusCode, Uri};

use super::{Ask, Route, Universe, responder, routes};
use crate::model::Venue;
use crate::venue::adapter;

/// A misbehaviour injected for requests whose path starts with a prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status, optional `Retry-After` and body.
    Status {
        /// HTTP status.
        status: u16,
        /// `Retry-After` header value.
        retry_after: Option<String>,
        /// Body.
        body: String,
    },
    /// Never answer (until the client gives up).
    Hang,
    /// Answer 200 with a body that is not valid JSON.
    Malformed,
}

/// A fault and the requests it applies to.
#[derive(Clone, Debug)]
pub struct FaultRule {
    /// Path prefix (e.g. `/okx/`).
    pub prefix: String,
    /// What to do.
    pub fault: Fault,
    /// Apply to the first N matching requests only; `None` = always.
    pub times: Option<u32>,
}

/// A dynamic responder: given the path (prefix included), the decoded query pairs and the
/// request body, an answer or `None` (then the static routes are tried). Used for history
/// endpoints (funding, candles) that page by their query or body.
pub type Dynamic = Arc<dyn Fn(&str, &[(String, String)], &str) -> Option<String> + Send + Sync>;

#[derive(Default)]
struct Shared {
    dynamic: Vec<Dynamic>,
    routes: Vec<(String, Route)>,
    faults: Mutex<Vec<FaultRule>>,
    counts: Mutex<HashMap<String, u32>>,
    log: Mutex<Vec<String>>,
    latency: Duration,
}

/// A running server; it stops when dropped.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The path prefix under which a venue host's routes are served.
#[must_use]
pub fn prefix(venue: Venue, host: &str) -> String {
    format!("/{}/{}", venue.id(), host)
}

/// Dynamic responders serving each universe's history endpoints (settled funding, candles):
/// each venue module's `respond` answers its own paths.
#[must_use]
pub fn history_responders(universes: &[Universe]) -> Vec<Dynamic> {
    universes
        .iter()
        .map(|u| {
            let u = Arc::new(u.clone());
            let responder: Dynamic =
                Arc::new(move |path: &str, query: &[(String, String)], body: &str| {
                    let venue = u.venue;
                    adapter(venue).hosts().iter().find_map(|h| {
                        let rest = path.strip_prefix(&prefix(venue, h.key))?;
                        let ask = Ask {
                            path: rest,
                            query,
                            body,
                        };
                        responder(venue)(&u, &ask)
                    })
                });
            responder
        })
        .collect()
}

/// Routes of several universes, each under its venue-host prefix.
#[must_use]
pub fn mounted(universes: &[Universe]) -> Vec<(String, Route)> {
    universes
        .iter()
        .flat_map(|u| {
            routes(u)
                .into_iter()
                .map(move |r| (prefix(u.venue, r.host), r))
        })
        .collect()
}

fn query_pairs(q: Option<&str>) -> Vec<(String, String)> {
    q.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Decodes `%XX` escapes and `+` (form encoding) of a query component; a malformed escape
/// stays as it is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    request: axum::body::Bytes,
) -> Response<Body> {
    let path = uri.path().to_owned();
    if let Some((venue, _)) = path.trim_start_matches('/').split_once('/') {
        let mut counts = shared
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *counts.entry(venue.to_owned()).or_default() += 1;
    }
    shared
        .log
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(uri.to_string());
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    let fault = {
        let mut faults = shared
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let hit = faults
            .iter_mut()
            .find(|f| path.starts_with(&f.prefix) && f.times != Some(0));
        hit.map(|f| {
            if let Some(n) = f.times.as_mut() {
                *n -= 1;
            }
            f.fault.clone()
        })
    };
    match fault {
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return plain(StatusCode::GATEWAY_TIMEOUT, String::new());
        }
        Some(Fault::Malformed) => return json(StatusCode::OK, "{\"data\": [ {\"oops\": ".into()),
        Some(Fault::Status {
            status,
            retry_after,
            body,
        }) => {
            let mut r = json(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                body,
            );
            if let Some(ra) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
                r.headers_mut().insert("retry-after", ra);
            }
            return r;
        }
        None => {}
    }
    let query = query_pairs(uri.query());
    let text = String::from_utf8_lossy(&request);
    if let Some(body) = shared.dynamic.iter().find_map(|d| d(&path, &query, &text)) {
        return json(StatusCode::OK, body);
    }
    let found = shared.routes.iter().find(|(pre, r)| {
        path.strip_prefix(pre.as_str()) == Some(r.path.as_str())
            && r.query.iter().all(|q| query.contains(q))
            && r.request_contains.as_ref().is_none_or(|text| {
                // Compare without whitespace so `{"type": "x"}` matches `"type":"x"`.
                let squeeze = |s: &str| s.split_whitespace().collect::<String>();
                squeeze(&String::from_utf8_lossy(&request)).contains(&squeeze(text))
            })
    });
    match found {
        Some((_, r)) => json(StatusCode::OK, r.body.clone()),
        None => plain(StatusCode::NOT_FOUND, format!("no fixture for {uri}")),
    }
}

fn json(status: StatusCode, body: String) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}

fn plain(status: StatusCode, body: String) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r
}

impl Server {
    /// Starts serving `routes` on 127.0.0.1 (port 0) with `faults` and `latency` per request.
    ///
    /// # Errors
    /// When the socket cannot be bound.
    pub async fn start(
        routes: Vec<(String, Route)>,
        faults: Vec<FaultRule>,
        latency: Duration,
    ) -> std::io::Result<Server> {
        Server::start_dynamic(routes, Vec::new(), faults, latency).await
    }

    /// Like [`Server::start`], with dynamic responders tried before the static routes.
    ///
    /// # Errors
    /// When the socket cannot be bound.
    pub async fn start_dynamic(
        routes: Vec<(String, Route)>,
        dynamic: Vec<Dynamic>,
        faults: Vec<FaultRule>,
        latency: Duration,
    ) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            dynamic,
            routes,
            faults: Mutex::new(faults),
            counts: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            latency,
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "demo server stopped");
            }
        });
        Ok(Server { addr, shared, task })
    }

    /// The server's address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL to configure for a venue host.
    #[must_use]
    pub fn base_url(&self, venue: Venue, host: &str) -> String {
        format!("http://{}{}", self.addr, prefix(venue, host))
    }

    /// `(env var, base URL)` for every host of `venues`.
    #[must_use]
    pub fn env_vars(&self, venues: &[Venue]) -> Vec<(&'static str, String)> {
        venues
            .iter()
            .flat_map(|&v| {
                adapter(v)
                    .hosts()
                    .iter()
                    .map(move |h| (h.env, self.base_url(v, h.key)))
            })
            .collect()
    }

    /// Requests received for `venue` so far (all its hosts).
    #[must_use]
    pub fn requests(&self, venue: Venue) -> u32 {
        self.shared
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(venue.id())
            .copied()
            .unwrap_or(0)
    }

    /// Requests received whose path and query start with `prefix` (e.g. `/okx/main/api/v5/market/tickers`).
    #[must_use]
    pub fn requests_to(&self, prefix: &str) -> usize {
        self.shared
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|u| u.starts_with(prefix))
            .count()
    }

    /// Replaces the fault rules.
    pub fn set_faults(&self, faults: Vec<FaultRule>) {
        *self
            .shared
            .faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = faults;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_components_are_percent_decoded() {
        let q = query_pairs(Some(
            "fromISO=2026-11-01T00%3A00%3A00.000Z&symbols=A%2CB&x=%zz&y=a+b&z=%4",
        ));
        assert_eq!(
            q,
            [
                ("fromISO".into(), "2026-11-01T00:00:00.000Z".into()),
                ("symbols".into(), "A,B".into()),
                ("x".into(), "%zz".into()),
                ("y".into(), "a b".into()),
                ("z".into(), "%4".into()),
            ]
        );
    }
}
