//! Realised risk from the markets a trade uses, checked against an independent computation
//! after a backfill: each perp's own daily closes, the collateral's spot series, and the
//! maintenance rate a venue publishes with its contracts.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use basis::demo::server::{Dynamic, Server, history_responders, mounted};
use basis::demo::{SynthMarket, Universe, routes};
use basis::model::{Market, Venue};
use basis::venue::{Bar, implemented};
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;

use super::common::*;

const DAY: i64 = 86_400_000;
/// Venues given a USDC perp of SOL and of ETH beside their USDT ones.
const TWIN_VENUES: [Venue; 4] = [Venue::Binance, Venue::Bybit, Venue::Okx, Venue::Mexc];
const TWIN_ASSETS: [&str; 2] = ["SOL", "ETH"];
const LEVERAGE: f64 = 10.0;
const HOLD_DAYS: f64 = 7.0;
/// DESIGN's built-in maintenance rate and ETH's haircut (the demo venues' tables say 0.95 too).
const DEFAULT_M: f64 = 0.004;
const ETH_HAIRCUT: f64 = 0.95;

/// The name under which an aliased market's own price path is drawn (the synthetic path is a
/// function of the asset's name, so a USDC twin named like its USDT perp would trade the same
/// path; served under the twin's symbol, the alias's path makes the two perps differ).
fn alias(asset: &str) -> String {
    format!("{asset}Q")
}

/// The world: every implemented venue; on [`TWIN_VENUES`] a USDC perp of SOL and ETH beside the
/// USDT ones; Hyperliquid without an ETH spot pair. Returns the served universes and, per
/// venue, the universe whose markets serve the aliased history requests.
fn world() -> (Vec<Universe>, Vec<Universe>) {
    let mut served = universes(&implemented());
    let mut alt = served.clone();
    for (u, a) in served.iter_mut().zip(&mut alt) {
        if TWIN_VENUES.contains(&u.venue) {
            for asset in TWIN_ASSETS {
                let usdt = u
                    .markets
                    .iter()
                    .find(|m| m.asset == asset && m.has_perp)
                    .expect("a perp of the asset");
                assert_eq!(usdt.quote, "USDT");
                let twin = SynthMarket {
                    quote: "USDC".to_owned(),
                    has_spot: false,
                    ..usdt.clone()
                };
                a.markets.push(SynthMarket {
                    asset: alias(asset),
                    ..twin.clone()
                });
                u.markets.push(twin);
            }
        }
        if u.venue == Venue::Hyperliquid {
            for (m, am) in u.markets.iter_mut().zip(&mut a.markets) {
                if m.asset == "ETH" {
                    m.has_spot = false;
                    am.has_spot = false;
                    am.asset = alias("ETH");
                }
            }
        }
    }
    (served, alt)
}

/// A request: path, query pairs, body.
type Request = (String, Vec<(String, String)>, String);
/// Each perp's (asset, quote) by (venue, symbol).
type Perps = HashMap<(Venue, String), (String, String)>;

/// A history request for an aliased market, rewritten to the alias: a USDC twin's symbol (in
/// the path or a query value) on a twin venue, Hyperliquid's ETH perp by its `coin`.
fn to_alias(venue: Venue, path: &str, query: &[(String, String)], body: &str) -> Option<Request> {
    let twin = |s: &str| -> Option<String> {
        if !TWIN_VENUES.contains(&venue) || !(s.contains("USDC") || s.ends_with("PERP")) {
            return None;
        }
        let asset = TWIN_ASSETS.into_iter().find(|a| s.contains(a))?;
        (!s.contains(&alias(asset))).then(|| s.replacen(asset, &alias(asset), 1))
    };
    if let Some(p) = twin(path) {
        return Some((p, query.to_vec(), body.to_owned()));
    }
    if query.iter().any(|(_, v)| twin(v).is_some()) {
        let q = query
            .iter()
            .map(|(k, v)| (k.clone(), twin(v).unwrap_or_else(|| v.clone())))
            .collect();
        return Some((path.to_owned(), q, body.to_owned()));
    }
    if venue == Venue::Hyperliquid {
        let mut doc: Value = serde_json::from_str(body).ok()?;
        let coin = if doc["req"]["coin"] == "ETH" {
            &mut doc["req"]["coin"]
        } else if doc["coin"] == "ETH" {
            &mut doc["coin"]
        } else {
            return None;
        };
        *coin = Value::from(alias("ETH"));
        return Some((path.to_owned(), query.to_vec(), doc.to_string()));
    }
    None
}

/// A responder serving the aliased markets' history from `alt` under the served names.
fn aliased(alt: &[Universe]) -> Dynamic {
    let responders = history_responders(alt);
    Arc::new(move |path: &str, query: &[(String, String)], body: &str| {
        let venue = Venue::ALL
            .into_iter()
            .find(|v| path.starts_with(&format!("/{}/", v.id())))?;
        let (path, query, body) = to_alias(venue, path, query, body)?;
        let answer = responders.iter().find_map(|d| d(&path, &query, &body))?;
        Some(
            TWIN_ASSETS
                .iter()
                .fold(answer, |text, a| text.replace(&alias(a), a)),
        )
    })
}

/// Finished daily closes (open time, close) of a market, as its venue serves them.
fn daily_closes(m: &SynthMarket, now: i64) -> BTreeMap<i64, f64> {
    m.candles(Bar::Day, now - 45 * DAY, now, now)
        .into_iter()
        .filter(|c| c.open_ms + DAY <= now)
        .map(|c| (c.open_ms, c.close.to_f64().expect("close")))
        .collect()
}

/// Daily log returns whose close time lies in the last 30 days, by day (DESIGN's window).
fn returns(closes: &BTreeMap<i64, f64>, now: i64) -> BTreeMap<i64, f64> {
    closes
        .iter()
        .filter(|(day, _)| **day + DAY > now - 30 * DAY && **day + DAY <= now)
        .filter_map(|(day, c)| Some((*day, (c / closes.get(&(day - DAY))?).ln())))
        .collect()
}

fn mean_std(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Annualised sample standard deviation; `None` under 14 returns.
fn vol(r: &BTreeMap<i64, f64>) -> Option<f64> {
    let x: Vec<f64> = r.values().copied().collect();
    (x.len() >= 14).then(|| mean_std(&x).1 * 365f64.sqrt())
}

/// Pearson correlation on the common days; `None` under 14 of them.
fn pearson(a: &BTreeMap<i64, f64>, c: &BTreeMap<i64, f64>) -> Option<f64> {
    let (x, y): (Vec<f64>, Vec<f64>) = a.iter().filter_map(|(d, v)| Some((*v, *c.get(d)?))).unzip();
    if x.len() < 14 {
        return None;
    }
    let ((mx, sx), (my, sy)) = (mean_std(&x), mean_std(&y));
    let cov = x
        .iter()
        .zip(&y)
        .map(|(p, q)| (p - mx) * (q - my))
        .sum::<f64>()
        / (x.len() as f64 - 1.0);
    Some(cov / (sx * sy))
}

fn first_passage(d: f64, v: f64) -> f64 {
    if d <= 0.0 {
        return 1.0;
    }
    if v <= 0.0 {
        return 0.0;
    }
    (2.0 * phi(-d / (v * HOLD_DAYS / 365.0).sqrt())).min(1.0)
}

/// What a perp leg's liquidation depends on.
#[derive(Clone, Copy, Debug)]
struct LegRisk {
    sigma_a: f64,
    /// `(σ_C, ρ)` of the ETH collateral; `None` for an ETH perp (same-coin collateral).
    collateral: Option<(f64, f64)>,
    m: f64,
}

/// DESIGN's short leg (`short`) or long leg of a perp margined by ETH at [`LEVERAGE`].
fn leg_prob(leg: LegRisk, short: bool) -> f64 {
    let q = ETH_HAIRCUT / LEVERAGE;
    let (sa, m) = (leg.sigma_a, leg.m);
    match (leg.collateral, short) {
        (None, true) => {
            if q >= 1.0 + m {
                0.0
            } else {
                first_passage(-(1.0 + m - q).ln(), sa * sa)
            }
        }
        (None, false) => first_passage((1.0 - m + q).ln(), sa * sa),
        (Some((sc, rho)), true) => {
            let w = q / (1.0 + q);
            let v = sa * sa + w * w * sc * sc - 2.0 * w * rho * sa * sc;
            first_passage(((1.0 + q) / (1.0 + m)).ln(), v)
        }
        (Some((sc, rho)), false) => {
            let s = 1.0 - m + q;
            let (a, b) = ((1.0 - m) / s, q / s);
            let v = a * a * sa * sa + b * b * sc * sc + 2.0 * a * b * rho * sa * sc;
            first_passage(s.ln(), v)
        }
    }
}

/// Every maintenance rate the venues serve with their contracts, by (venue, symbol), read from
/// the served payloads: Gate `maintenance_rate`, MEXC `maintenanceMarginRate`, dYdX
/// `maintenanceMarginFraction`, Hyperliquid's margin tables (half of `1 / maxLeverage`), Kraken's
/// first `marginLevels`.
fn published_maintenance(served: &[Universe]) -> HashMap<(Venue, String), f64> {
    let mut out = HashMap::new();
    let num = |v: &Value| -> Option<f64> {
        v.as_f64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };
    for u in served {
        for r in routes(u) {
            let Ok(doc) = serde_json::from_str::<Value>(&r.body) else {
                continue;
            };
            let rows: Vec<(&Value, &Value)> = match u.venue {
                Venue::Gate if r.path.ends_with("/futures/usdt/contracts") => doc
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| (&c["name"], &c["maintenance_rate"]))
                    .collect(),
                Venue::Mexc if r.path.ends_with("/contract/detail") => doc["data"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| (&c["symbol"], &c["maintenanceMarginRate"]))
                    .collect(),
                Venue::Dydx if r.path.ends_with("/perpetualMarkets") => doc["markets"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(_, c)| (&c["ticker"], &c["maintenanceMarginFraction"]))
                    .collect(),
                // `meta`: one-tier margin tables at the perp's own maximum leverage, whose
                // maintenance rate is half the initial 1 / maxLeverage.
                Venue::Hyperliquid if doc["universe"].is_array() => doc["universe"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| (&c["name"], &c["maxLeverage"]))
                    .collect(),
                // Kraken `instruments`: the first of each perp's `marginLevels`.
                Venue::Kraken if r.path.ends_with("/instruments") => doc["instruments"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| (&c["symbol"], &c["marginLevels"][0]["maintenanceMargin"]))
                    .collect(),
                _ => continue,
            };
            for (symbol, m) in rows {
                if let (Some(s), Some(m)) = (symbol.as_str(), num(m)) {
                    let m = if u.venue == Venue::Hyperliquid {
                        0.5 / m
                    } else {
                        m
                    };
                    out.insert((u.venue, s.to_owned()), m);
                }
            }
        }
    }
    out
}

/// The world after `backfill --days 30` of `assets` with ETH collateral, on a loopback server
/// whose aliased markets serve their own history.
struct Backfilled {
    server: Server,
    dir: tempfile::TempDir,
    served: Vec<Universe>,
    alt: Vec<Universe>,
    assets: String,
}

async fn backfilled() -> Backfilled {
    let (served, alt) = world();
    let mut dynamic = vec![aliased(&alt)];
    dynamic.extend(history_responders(&served));
    let server = Server::start_dynamic(mounted(&served), dynamic, vec![], Duration::ZERO)
        .await
        .expect("server");
    // BTC, the twins' coins, ADA (a Hyperliquid perp among others) and a USDC-quoted coin.
    let usdc = served[0]
        .markets
        .iter()
        .find(|m| m.quote == "USDC" && m.has_perp && m.has_spot)
        .expect("a USDC-quoted coin");
    let assets = format!("BTC,ETH,SOL,ADA,{}", usdc.asset);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = basis(&server, dir.path());
    cmd.env("BASIS_COLLATERAL", "ETH")
        .args(["backfill", "--days", "30", "--assets", &assets]);
    let out = run(cmd).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    Backfilled {
        server,
        dir,
        served,
        alt,
        assets,
    }
}

impl Backfilled {
    /// `scan --format json` with ETH collateral at 10× over the backfilled coins.
    fn scan(&self, extra: &[&str]) -> std::process::Command {
        let mut cmd = scan_json(&self.server, self.dir.path(), &["--assets", &self.assets]);
        cmd.args(["--collateral", "ETH", "--leverage", "10", "--hold", "7d"])
            .args(extra);
        cmd
    }
}

/// What the stored snapshots list: each perp's (asset, quote) by (venue, symbol), and the
/// venues with an ETH spot pair (USDT, USDC or USD quoted).
fn listings(dir: &std::path::Path) -> (Perps, Vec<Venue>) {
    let store = basis::store::Store::open(&dir.join("data")).expect("open");
    let mut perps = HashMap::new();
    let mut eth_spot = Vec::new();
    for v in implemented() {
        let snap = store.latest_snapshot(v).expect("read").expect("snapshot");
        for p in &snap.perps {
            perps.insert((v, p.symbol.clone()), (p.asset.clone(), p.quote.clone()));
        }
        if snap
            .spots
            .iter()
            .any(|s| s.asset == "ETH" && matches!(s.quote.as_str(), "USDT" | "USDC" | "USD"))
        {
            eth_spot.push(v);
        }
    }
    store.close().expect("close");
    (perps, eth_spot)
}

/// The independent model of the world's realised risk.
struct Model<'a> {
    b: &'a Backfilled,
    now: i64,
    perps: Perps,
    /// ETH spot returns per venue listing one, in the venue table's order.
    eth_spot: Vec<(Venue, BTreeMap<i64, f64>)>,
    published: HashMap<(Venue, String), f64>,
}

impl<'a> Model<'a> {
    fn new(b: &'a Backfilled) -> Model<'a> {
        let now = b.served[0].now_ms;
        let (perps, spot_venues) = listings(b.dir.path());
        let eth_spot = Venue::ALL
            .into_iter()
            .filter(|v| spot_venues.contains(v))
            .map(|v| {
                (
                    v,
                    returns(&daily_closes(market(&b.served, v, "ETH", None), now), now),
                )
            })
            .collect();
        Model {
            b,
            now,
            perps,
            eth_spot,
            published: published_maintenance(&b.served),
        }
    }

    /// Whether the perp `(venue, asset, quote)` serves its history from the alias.
    fn aliased(venue: Venue, asset: &str, quote: &str) -> bool {
        (TWIN_VENUES.contains(&venue) && TWIN_ASSETS.contains(&asset) && quote == "USDC")
            || (venue == Venue::Hyperliquid && asset == "ETH")
    }

    /// The daily returns a perp's venue serves for it.
    fn perp_returns(&self, venue: Venue, symbol: &str) -> BTreeMap<i64, f64> {
        let (asset, quote) = &self.perps[&(venue, symbol.to_owned())];
        let m = if Self::aliased(venue, asset, quote) {
            market(&self.b.alt, venue, &alias(asset), None)
        } else {
            let twin_quote = (TWIN_VENUES.contains(&venue)
                && TWIN_ASSETS.contains(&asset.as_str()))
            .then_some("USDT");
            market(&self.b.served, venue, asset, twin_quote)
        };
        returns(&daily_closes(m, self.now), self.now)
    }

    /// `(σ_C, ρ)` for a perp on `venue` with returns `a`: the venue's own ETH spot series when
    /// it has 14 returns, else the first venue's in the table's order; ρ against that series.
    fn collateral(&self, venue: Venue, a: &BTreeMap<i64, f64>) -> (f64, f64, Venue) {
        let usable = |v: &&(Venue, BTreeMap<i64, f64>)| vol(&v.1).is_some();
        let (source, c) = self
            .eth_spot
            .iter()
            .filter(usable)
            .find(|(v, _)| *v == venue)
            .or_else(|| self.eth_spot.iter().find(usable))
            .expect("an ETH spot series");
        let sc = vol(c).expect("usable");
        (sc, pearson(a, c).unwrap_or(0.8), *source)
    }

    /// The risk of the perp leg `(venue, symbol)` at maintenance rate `m`, and the venue whose
    /// ETH spot series gave its `σ_C`.
    fn leg(&self, venue: Venue, symbol: &str, m: f64) -> (LegRisk, Venue) {
        let a = self.perp_returns(venue, symbol);
        let sigma_a = vol(&a).unwrap_or_else(|| panic!("{venue} {symbol}: under 14 returns"));
        let asset = &self.perps[&(venue, symbol.to_owned())].0;
        if asset == "ETH" {
            return (
                LegRisk {
                    sigma_a,
                    collateral: None,
                    m,
                },
                venue,
            );
        }
        let (sc, rho, source) = self.collateral(venue, &a);
        (
            LegRisk {
                sigma_a,
                collateral: Some((sc, rho)),
                m,
            },
            source,
        )
    }

    /// The venue's published rate for the contract, else the default.
    fn published_m(&self, venue: Venue, symbol: &str) -> f64 {
        self.published
            .get(&(venue, symbol.to_owned()))
            .copied()
            .unwrap_or(DEFAULT_M)
    }

    /// A row's liquidation probability with `m(venue, symbol)` for each perp leg.
    fn row_prob(&self, row: &Value, m: &dyn Fn(Venue, &str) -> f64) -> f64 {
        let leg = |side: &str| -> (Venue, String) {
            let venue: Venue = row[side]["venue"]
                .as_str()
                .expect("venue")
                .parse()
                .expect("a venue id");
            (
                venue,
                row[side]["symbol"].as_str().expect("symbol").to_owned(),
            )
        };
        let (sv, ss) = leg("short");
        let short = leg_prob(self.leg(sv, &ss, m(sv, &ss)).0, true);
        if row["kind"] == "perp_spread" {
            let (lv, ls) = leg("long");
            let long = leg_prob(self.leg(lv, &ls, m(lv, &ls)).0, false);
            1.0 - (1.0 - short) * (1.0 - long)
        } else {
            short
        }
    }
}

/// The market of `asset` (and `quote`, when given) in `venue`'s universe.
fn market<'u>(
    universes: &'u [Universe],
    venue: Venue,
    asset: &str,
    quote: Option<&str>,
) -> &'u SynthMarket {
    universes
        .iter()
        .find(|u| u.venue == venue)
        .and_then(|u| {
            u.markets
                .iter()
                .find(|m| m.asset == asset && quote.is_none_or(|q| m.quote == q))
        })
        .unwrap_or_else(|| panic!("{venue}: no {asset} {quote:?} market"))
}

fn rows(report: &Value) -> Vec<Value> {
    report["opportunities"].as_array().expect("rows").clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rows_liq_prob_comes_from_its_legs_own_markets_and_the_collaterals_spot() {
    let b = backfilled().await;
    let out = run(b.scan(&[])).await;
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    let model = Model::new(&b);
    let published = |v: Venue, s: &str| model.published_m(v, s);

    let mut seen: HashMap<&str, usize> = HashMap::new();
    let all = rows(&report);
    for row in &all {
        let got = row["liq_prob"].as_f64().expect("liq_prob");
        let want = model.row_prob(row, &published);
        assert!(
            (got - want).abs() < 1e-4,
            "liq_prob {got}, independently {want}: {row}"
        );
        for side in ["short", "long"] {
            let leg = &row[side];
            if leg["market"] != "perp" {
                continue;
            }
            let venue: Venue = leg["venue"].as_str().expect("venue").parse().expect("id");
            let symbol = leg["symbol"].as_str().expect("symbol");
            let (asset, quote) = &model.perps[&(venue, symbol.to_owned())];
            if quote == "USDC" {
                *seen.entry("USDC perp").or_default() += 1;
            }
            if Model::aliased(venue, asset, quote) && venue != Venue::Hyperliquid {
                *seen.entry("USDC twin").or_default() += 1;
            }
            if venue == Venue::Hyperliquid && asset != "ETH" {
                *seen
                    .entry("Hyperliquid perp, ETH from another venue's spot")
                    .or_default() += 1;
            }
            if model.published.contains_key(&(venue, symbol.to_owned())) {
                *seen.entry(venue.id()).or_default() += 1;
            }
        }
    }
    for kind in [
        "USDC perp",
        "USDC twin",
        "Hyperliquid perp, ETH from another venue's spot",
        "gate",
        "mexc",
        "dydx",
    ] {
        assert!(
            seen.get(kind).copied().unwrap_or(0) >= 2,
            "{kind}: {seen:?}"
        );
    }
    assert!(
        all.iter().any(|r| r["kind"] == "perp_spread")
            && all.iter().any(|r| r["kind"] == "carry")
            && all.iter().any(|r| r["kind"] == "cross_carry"),
        "every kind"
    );

    // The world tells the selections apart: each twin's path is not its USDT sibling's, and
    // Hyperliquid's σ_C is another venue's ETH spot, not its own ETH perp.
    for v in TWIN_VENUES {
        let symbols: Vec<&String> = model
            .perps
            .iter()
            .filter(|((pv, _), (asset, _))| *pv == v && asset == "SOL")
            .map(|((_, s), _)| s)
            .collect();
        assert_eq!(symbols.len(), 2, "{v}: {symbols:?}");
        let (x, y) = (
            vol(&model.perp_returns(v, symbols[0])).expect("σ"),
            vol(&model.perp_returns(v, symbols[1])).expect("σ"),
        );
        assert!((x - y).abs() > 0.02, "{v} SOL twins: σ {x} vs {y}");
    }
    let hl_ada = model
        .perps
        .iter()
        .find(|((v, _), (asset, _))| *v == Venue::Hyperliquid && asset == "ADA")
        .map(|((_, s), _)| s.clone())
        .expect("Hyperliquid ADA");
    let (risk, source) = model.leg(Venue::Hyperliquid, &hl_ada, DEFAULT_M);
    assert_eq!(source, Venue::Binance, "the first venue with an ETH spot");
    let hl_eth = model
        .perps
        .iter()
        .find(|((v, _), (asset, _))| *v == Venue::Hyperliquid && asset == "ETH")
        .map(|((_, s), _)| s.clone())
        .expect("Hyperliquid ETH");
    let own_perp = vol(&model.perp_returns(Venue::Hyperliquid, &hl_eth)).expect("σ");
    let (sc, _) = risk.collateral.expect("volatile");
    assert!(
        (own_perp - sc).abs() > 0.02,
        "σ_C {sc} vs the ETH perp's {own_perp}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gate_row_uses_the_contracts_published_maintenance_rate_unless_configured() {
    let b = backfilled().await;
    let model_rows = |out: &std::process::Output| -> Vec<Value> {
        assert_eq!(code(out), 0, "{}", stderr(out));
        // carry and cross_carry: the perp is the short leg.
        rows(&json(out))
            .into_iter()
            .filter(|r| r["short"]["venue"] == "gate")
            .collect()
    };
    let out = run(b.scan(&["--kinds", "carry,cross_carry"])).await;
    let gate = model_rows(&out);
    let model = Model::new(&b);
    // What Gate serves: every contract's `maintenance_rate`, and what the store kept of it.
    let store = basis::store::Store::open(&b.dir.path().join("data")).expect("open");
    for v in [Venue::Gate, Venue::Mexc, Venue::Dydx] {
        let (_, reference) = store.reference(v).expect("read").expect("cached");
        let perps: Vec<&basis::model::Instrument> = reference
            .instruments
            .iter()
            .filter(|i| i.market == Market::Perp)
            .collect();
        assert!(!perps.is_empty());
        for i in perps {
            let served = model.published[&(v, i.symbol.clone())];
            let kept = reference.maintenance_rates[&i.symbol]
                .to_f64()
                .expect("f64");
            assert!(
                (kept - served).abs() < 1e-12,
                "{v} {}: {kept} vs {served}",
                i.symbol
            );
        }
    }
    store.close().expect("close");
    assert!(gate.len() >= 3, "{} Gate rows", gate.len());
    let gate_m = |v: Venue, s: &str| {
        if v == Venue::Gate {
            model.published[&(v, s.to_owned())]
        } else {
            DEFAULT_M
        }
    };
    assert!(
        gate_m(Venue::Gate, "BTC_USDT") > DEFAULT_M,
        "the demo's Gate rate is not the default"
    );
    for row in &gate {
        let got = row["liq_prob"].as_f64().expect("liq_prob");
        let want = model.row_prob(row, &gate_m);
        let default = model.row_prob(row, &|_, _| DEFAULT_M);
        assert!((got - want).abs() < 1e-4, "{got} vs {want}: {row}");
        assert!(
            (want - default).abs() > 1e-4,
            "published vs default: {want} {default}"
        );
    }

    // Offline, from the stored snapshots and the cached contract list: the same.
    let offline = model_rows(&run(b.scan(&["--kinds", "carry,cross_carry", "--offline"])).await);
    let probs = |rows: &[Value]| -> Vec<f64> {
        rows.iter()
            .map(|r| r["liq_prob"].as_f64().expect("liq_prob"))
            .collect()
    };
    assert_eq!(probs(&offline), probs(&gate));

    // A configured maintenance margin wins over the published rate (here the default's value).
    let config = b.dir.path().join("config.toml");
    std::fs::write(&config, "[venues.gate]\nmaintenance_margin = 0.004\n").expect("config");
    let mut cmd = b.scan(&["--kinds", "carry,cross_carry", "--offline"]);
    cmd.arg("--config").arg(&config);
    let configured = model_rows(&run(cmd).await);
    assert_eq!(configured.len(), gate.len());
    for row in &configured {
        let got = row["liq_prob"].as_f64().expect("liq_prob");
        let want = model.row_prob(row, &|_, _| DEFAULT_M);
        assert!((got - want).abs() < 1e-4, "{got} vs {want}: {row}");
    }
}
