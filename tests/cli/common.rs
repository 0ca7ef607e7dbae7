//! Harness: a loopback exchange server, a temp data dir, and the binary with an isolated env.

use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};

use basis::demo::Universe;
use basis::demo::server::{FaultRule, Server, mounted};
use basis::model::Venue;

/// "Now" of the synthetic payloads: fixed so runs are reproducible, recent enough to be sane.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub const PERPS: usize = 120;
pub const SPOTS: usize = 100;

pub fn universes(venues: &[Venue]) -> Vec<Universe> {
    let now = now_ms();
    venues
        .iter()
        .map(|&v| Universe::generate(v, PERPS, SPOTS, now))
        .collect()
}

pub async fn server(venues: &[Venue], faults: Vec<FaultRule>) -> (Server, Vec<Universe>) {
    let u = universes(venues);
    let s = Server::start(mounted(&u), faults, Duration::ZERO)
        .await
        .expect("server starts");
    (s, u)
}

/// The binary with every venue URL pointed at `server` (venues it does not serve answer 404),
/// HOME/XDG dirs inside `dir`, and no BASIS_* variables from the outer environment.
pub fn basis(server: &Server, dir: &Path) -> std::process::Command {
    let mut cmd = basis_demo(dir);
    for (var, url) in server.env_vars(&Venue::ALL) {
        cmd.env(var, url);
    }
    cmd
}

/// Runs a command off the async threads (the server keeps serving meanwhile).
pub async fn run(mut cmd: std::process::Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("binary runs"))
        .await
        .expect("join")
}

pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `venues` entry of one venue in a JSON report.
pub fn venue<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["venues"]
        .as_array()
        .expect("venues array")
        .iter()
        .find(|v| v["venue"] == id)
        .unwrap_or_else(|| panic!("venue {id} missing in {report}"))
}

pub fn scan_json(server: &Server, dir: &Path, extra: &[&str]) -> std::process::Command {
    let mut cmd = basis(server, dir);
    cmd.args(["scan", "--format", "json", "--min-apr", "-1000"])
        .args(extra);
    cmd
}

/// Standard normal CDF by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), independent of the
/// crate's own implementation: the integration tests' reference for `liq_prob`.
pub fn phi(x: f64) -> f64 {
    let y = -x / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * y.abs());
    let e = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))))
        * (-y * y).exp();
    0.5 * if y >= 0.0 { e } else { 2.0 - e }
}

/// The binary with an isolated env as [`basis`] does, and no venue URLs: for `--demo` runs.
pub fn basis_demo(dir: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_basis"));
    for (k, _) in std::env::vars() {
        if k.starts_with("BASIS_") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("xdg-data"))
        .env("NO_COLOR", "1")
        .env("BASIS_DATA_DIR", dir.join("data"));
    cmd
}

/// A loopback URL nothing listens on (a port bound then released): connections are refused.
pub fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// Points every host of `venues` at `url` in `cmd` (after [`basis`], which set the server's).
pub fn point_at(cmd: &mut std::process::Command, venues: &[Venue], url: &str) {
    for &v in venues {
        for h in basis::venue::adapter(v).hosts() {
            cmd.env(h.env, url);
        }
    }
}

/// Every file under `dir` (the lock file aside), by path relative to `dir`, byte for byte.
pub fn files(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "basis.lock") {
                let rel = p.strip_prefix(dir).expect("inside").to_owned();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

/// Writes `body` as `basis.toml` in `dir`; returns its path.
pub fn write_config(dir: &Path, body: &str) -> std::path::PathBuf {
    let path = dir.join("basis.toml");
    std::fs::write(&path, body).expect("config");
    path
}

/// One request a [`Receiver`] got, and the status it answered.
#[derive(Debug, Clone)]
pub struct Received {
    /// Path and query.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub status: u16,
}

/// A loopback chat service (Slack, Discord, Telegram, generic webhooks) recording every request.
/// It answers 200 with Telegram's success shape (Slack and Discord only look at the status),
/// except: 404 to paths under `/gone/` while `gone` is set (a deleted webhook; set at start), and
/// while a budget is set ([`Receiver::fail_after`]) 500 to every request after that many.
pub struct Receiver {
    addr: std::net::SocketAddr,
    log: Arc<Mutex<Vec<Received>>>,
    gone: Arc<AtomicBool>,
    budget: Arc<Mutex<Option<usize>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        let log: Arc<Mutex<Vec<Received>>> = Arc::default();
        let gone = Arc::new(AtomicBool::new(true));
        let budget: Arc<Mutex<Option<usize>>> = Arc::default();
        let (l, g, b) = (Arc::clone(&log), Arc::clone(&gone), Arc::clone(&budget));
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let (l, g, b) = (Arc::clone(&l), Arc::clone(&g), Arc::clone(&b));
            async move {
                let deleted = uri.path().starts_with("/gone/") && g.load(Ordering::SeqCst);
                let status = match &mut *b.lock().expect("lock") {
                    _ if deleted => StatusCode::NOT_FOUND,
                    None => StatusCode::OK,
                    Some(0) => StatusCode::INTERNAL_SERVER_ERROR,
                    Some(n) => {
                        *n -= 1;
                        StatusCode::OK
                    }
                };
                l.lock().expect("lock").push(Received {
                    path: uri.to_string(),
                    headers: headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                        .collect(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                    status: status.as_u16(),
                });
                if deleted {
                    return (status, "no_service");
                }
                (status, r#"{"ok":true,"result":{"message_id":1}}"#)
            }
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            addr,
            log,
            gone,
            budget,
            task,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.log.lock().expect("lock").clone()
    }

    /// Accepted posts whose path starts with `prefix`.
    pub fn accepted(&self, prefix: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path.starts_with(prefix) && r.status == 200)
            .collect()
    }

    /// Bodies received on exactly `path` (query left out).
    pub fn bodies_at(&self, path: &str) -> Vec<String> {
        self.received()
            .into_iter()
            .filter(|r| r.path.split('?').next() == Some(path))
            .map(|r| r.body)
            .collect()
    }

    /// Whether paths under `/gone/` answer 404 (a deleted webhook).
    pub fn set_gone(&self, gone: bool) {
        self.gone.store(gone, Ordering::SeqCst);
    }

    /// Accepts `n` more requests, then answers 500 to every one; `None`: accepts all again.
    pub fn fail_after(&self, n: Option<usize>) {
        *self.budget.lock().expect("lock") = n;
    }
}

/// Writes into `store` an OKX snapshot received at `at` holding only its BTC perp, as `edit`
/// makes it from a perp paying 0.01 % per 8 h with nothing quoted.
pub fn write_okx_btc(
    store: &basis::store::Store,
    at: chrono::DateTime<chrono::Utc>,
    edit: impl FnOnce(&mut basis::model::PerpQuote),
) {
    let mut perp = basis::model::PerpQuote {
        venue: Venue::Okx,
        symbol: "BTC-USDT-SWAP".into(),
        asset: "BTC".into(),
        quote: "USDT".into(),
        multiplier: rust_decimal::Decimal::ONE,
        funding_rate: rust_decimal::Decimal::new(1, 4),
        funding_interval_hours: rust_decimal::Decimal::from(8),
        next_funding_time: None,
        mark_price: None,
        index_price: None,
        bid: None,
        ask: None,
        high_24h: None,
        low_24h: None,
        volume_24h_quote: None,
        open_interest: None,
        exchange_time: None,
        received_at: at,
    };
    edit(&mut perp);
    let snapshot = basis::model::Snapshot {
        venue: Venue::Okx,
        received_at: at,
        perps: vec![perp],
        spots: vec![],
    };
    store.write_snapshot(&snapshot).expect("write");
}

/// `scan --notify --venues okx --format json` with the sinks of `config`.
pub fn notify_scan(server: &Server, dir: &Path, config: &Path) -> std::process::Command {
    let mut cmd = basis(server, dir);
    cmd.arg("--config")
        .arg(config)
        .args(["scan", "--notify", "--venues", "okx", "--format", "json"]);
    cmd
}
