//! Harness: a loopback exchange server, a temp data dir, and the binary with an isolated env.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

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
