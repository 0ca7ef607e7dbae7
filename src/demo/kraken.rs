//! Kraken Futures v3 payloads (instruments, tickers) for a synthetic universe.
//!
//! Same envelope (`result`, `serverTime` as ISO-8601), field names and JSON-number encoding as
//! the live API (exponent form below 1e-4, e.g. `2.5e-07`). Kraken Futures lists USD-quoted
//! multi-collateral perpetuals and no spot markets, so every synthetic perp is rendered as
//! `PF_<base>USD` whatever its quote in the universe (`PF_XBTUSD` for BTC, `PF_1000PEPEUSD`
//! priced per 1000 coins for multiplied ones), with contract size 1 and the hourly rate as an
//! absolute `fundingRate` (relative rate × mark price); the universe's spot pairs are not served.
//! The instrument list also holds rows the adapter must drop ([`FILTERED`]), the tickers carry
//! index entries, rows for the filtered contracts and a suspended market ([`SUSPENDED`]).
//! [`respond`] serves the history endpoints (hourly funding, charts candles per contract).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::json::{Value, body, json, merge, raw, tick};
use super::{Ask, HISTORY_DAYS, HOUR_MS, Route, SynthMarket, Universe, param};
use crate::venue::Bar;
use crate::venue::kraken::{CANDLE_LIMIT, CANDLES, HISTORICAL_FUNDING_RATES, INSTRUMENTS, TICKERS};

/// Quote of every rendered perp.
pub const QUOTE: &str = "USD";

/// Instruments the demo lists but the adapter must drop, with why.
pub const FILTERED: [(&str, &str); 4] = [
    ("PI_XBTUSD", "inverse"),
    ("FF_XBTUSD_260327", "dated"),
    ("PF_DEMOHALTUSD", "not tradeable"),
    ("PF_DEMOPOUSD", "post-only"),
];

/// A listed, tradeable perp whose ticker is `suspended`: in the reference, not in snapshots.
pub const SUSPENDED: &str = "PF_DEMOSUSPUSD";

/// Routes serving `universe` in Kraken Futures' formats: the instruments (reference plan) and
/// the tickers (snapshot plan).
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    vec![
        Route::at(&INSTRUMENTS, instruments(universe)),
        Route::at(&TICKERS, tickers(universe)),
    ]
}

/// Kraken's code for a universe base (`XBT` for BTC, else the base itself, `1000PEPE`).
fn code(m: &SynthMarket) -> String {
    let base = m.perp_base();
    if base == "BTC" {
        "XBT".to_owned()
    } else {
        base
    }
}

/// The perpetual's symbol for a universe market (`PF_XBTUSD`, `PF_1000PEPEUSD`).
#[must_use]
pub fn symbol(m: &SynthMarket) -> String {
    format!("PF_{}{QUOTE}", code(m))
}

/// The relative hourly funding rate of a market (its rate over its own interval, per hour).
#[must_use]
pub fn hourly_rate(m: &SynthMarket) -> Decimal {
    (m.funding_rate / Decimal::from(m.interval_hours.max(1))).normalize()
}

/// A decimal as Kraken prints it: plain, or exponent form (`2.5e-07`) when `0 < |x| < 1e-4`.
pub(super) fn number(x: Decimal) -> String {
    super::json::exponent_text(x, Decimal::new(1, 4), 2)
}

/// `2025-11-17T00:34:37.524Z`.
fn iso(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A decimal as a JSON number the way Kraken prints it ([`number`]).
fn num(x: Decimal) -> Value {
    raw(number(x))
}

/// `{"result":"success",…}` with `fields`.
fn success(fields: Value) -> String {
    body(&merge(json!({"result": "success"}), fields))
}

/// One instrument row, as Kraken lists it.
struct InstrumentRow<'a> {
    symbol: &'a str,
    kind: &'a str,
    base: &'a str,
    tick: Decimal,
    tradeable: bool,
    post_only: bool,
    last_trading: Option<&'a str>,
    id: usize,
}

const MARGIN_LEVELS: &str = r#"[{"numNonContractUnits":0.0,"initialMargin":0.02,"maintenanceMargin":0.01},{"numNonContractUnits":500000.0,"initialMargin":0.04,"maintenanceMargin":0.02}]"#;

fn instrument_row(r: &InstrumentRow<'_>) -> Value {
    let mut row = json!({
        "symbol": r.symbol,
        "type": r.kind,
        "tickSize": num(r.tick),
        "contractSize": 1,
        "tradeable": r.tradeable,
        "impactMidSize": 1,
        "maxPositionSize": 1_000_000,
        "openingDate": "2022-03-22T13:18:45Z",
        "marginLevels": raw(MARGIN_LEVELS),
        "fundingRateCoefficient": 24,
        "maxRelativeFundingRate": num(Decimal::new(25, 4)),
        "isin": format!("GB00DEMO{:04}", r.id % 10_000),
        "contractValueTradePrecision": 3,
        "postOnly": r.post_only,
        "feeScheduleUid": "723888f7-0a8e-4183-8648-f920a22339e3",
        "mtf": true,
        "base": r.base,
        "quote": QUOTE,
        "pair": format!("{}:{QUOTE}", r.base),
    });
    if let Some(last) = r.last_trading {
        row = merge(row, json!({ "lastTradingTime": last }));
    }
    if r.kind == "futures_inverse" {
        row = merge(row, json!({ "underlying": "rr_xbtusd" }));
    }
    row
}

fn instruments(u: &Universe) -> String {
    let mut rows = Vec::with_capacity(u.markets.len() + FILTERED.len() + 1);
    for (i, m) in u.perps().enumerate() {
        rows.push(instrument_row(&InstrumentRow {
            symbol: &symbol(m),
            kind: "flexible_futures",
            base: &m.perp_base(),
            tick: tick(m.contract_price(m.perp_bid)),
            tradeable: true,
            post_only: false,
            last_trading: None,
            id: i,
        }));
    }
    let expiry = iso((u.now_ms / HOUR_MS / 24 + 120) * 24 * HOUR_MS + 16 * HOUR_MS);
    let extras = FILTERED.iter().chain([&(SUSPENDED, "suspended")]);
    for (i, (sym, why)) in extras.enumerate() {
        let base = if sym.contains("XBT") {
            "BTC"
        } else {
            sym.trim_start_matches("PF_").trim_end_matches(QUOTE)
        };
        rows.push(instrument_row(&InstrumentRow {
            symbol: sym,
            kind: if *why == "inverse" {
                "futures_inverse"
            } else {
                "flexible_futures"
            },
            base,
            tick: Decimal::new(5, 1),
            tradeable: *why != "not tradeable",
            post_only: *why == "post-only",
            last_trading: (*why == "dated").then_some(expiry.as_str()),
            id: 9_000 + i,
        }));
    }
    success(json!({"instruments": rows, "serverTime": iso(u.now_ms)}))
}

/// Ticker values of one row, as quoted (per contract).
struct TickerRow<'a> {
    symbol: &'a str,
    tag: &'a str,
    pair: &'a str,
    last: Decimal,
    mark: Decimal,
    index: Decimal,
    bid: Decimal,
    ask: Decimal,
    high: Decimal,
    low: Decimal,
    contracts_24h: Decimal,
    volume_quote: Decimal,
    open_interest: Decimal,
    funding: Option<Decimal>,
    suspended: bool,
}

fn ticker_row(r: &TickerRow<'_>, now_ms: i64) -> Value {
    let change = if r.low.is_zero() {
        Decimal::ZERO
    } else {
        ((r.last - r.low) / r.low * Decimal::ONE_HUNDRED).round_dp(2)
    };
    let row = json!({
        "symbol": r.symbol,
        "last": num(r.last),
        "lastTime": iso(now_ms - 2_345),
        "tag": r.tag,
        "pair": r.pair,
        "markPrice": num(r.mark),
        "bid": num(r.bid),
        "bidSize": 4609,
        "ask": num(r.ask),
        "askSize": 3120,
        "vol24h": num(r.contracts_24h),
        "volumeQuote": num(r.volume_quote),
        "openInterest": num(r.open_interest),
        "open24h": num(r.low),
        "high24h": num(r.high),
        "low24h": num(r.low),
        "lastSize": num(Decimal::new(12, 1)),
        "suspended": r.suspended,
        "indexPrice": num(r.index),
        "postOnly": false,
        "change24h": num(change),
    });
    match r.funding {
        Some(funding) => merge(
            row,
            json!({
                "fundingRate": num(funding),
                "fundingRatePrediction": num(funding * Decimal::new(9, 1)),
            }),
        ),
        None => row,
    }
}

fn tickers(u: &Universe) -> String {
    let mut rows = Vec::with_capacity(u.markets.len() + FILTERED.len() + 3);
    for m in u.perps() {
        let mult = Decimal::from(m.multiplier.max(1));
        let mark = m.contract_price(m.mark);
        let pair = format!("{}:{QUOTE}", m.perp_base());
        rows.push(ticker_row(
            &TickerRow {
                symbol: &symbol(m),
                tag: "perpetual",
                pair: &pair,
                last: mark,
                mark,
                index: m.contract_price(m.index),
                bid: m.contract_price(m.perp_bid),
                ask: m.contract_price(m.perp_ask),
                high: m.contract_price(m.high),
                low: m.contract_price(m.low),
                contracts_24h: m.volume_base / mult,
                volume_quote: m.volume_quote(),
                open_interest: m.open_interest / mult,
                funding: Some((hourly_rate(m) * mark).normalize()),
                suspended: false,
            },
            u.now_ms,
        ));
    }
    let price = Decimal::new(97_000, 0);
    let extras = FILTERED.iter().chain([&(SUSPENDED, "suspended")]);
    for (sym, why) in extras {
        rows.push(ticker_row(
            &TickerRow {
                symbol: sym,
                tag: if *why == "dated" {
                    "quarter"
                } else {
                    "perpetual"
                },
                pair: "BTC:USD",
                last: price,
                mark: price,
                index: price,
                bid: price - Decimal::ONE,
                ask: price + Decimal::ONE,
                high: price + Decimal::ONE_THOUSAND,
                low: price - Decimal::ONE_THOUSAND,
                contracts_24h: Decimal::ONE_HUNDRED,
                volume_quote: price * Decimal::ONE_HUNDRED,
                open_interest: Decimal::TEN,
                funding: (*why != "dated").then_some(Decimal::new(97, 2)),
                suspended: *why == "suspended",
            },
            u.now_ms,
        ));
    }
    for index in ["in_xbtusd", "rr_xbtusd"] {
        rows.push(json!({"symbol": index, "last": num(price), "lastTime": iso(u.now_ms - 1_000)}));
    }
    success(json!({"serverTime": iso(u.now_ms), "tickers": rows}))
}

/// Answers the history endpoints this venue's demo serves (see [`super::server::Dynamic`]):
/// `historicalfundingrates` and the `trade` candles of the charts API; `None` for any other
/// path (other tick types, unknown resolutions: the server's 404).
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    if ask.path == HISTORICAL_FUNDING_RATES.path {
        return Some(funding_rates(universe, ask.query));
    }
    let (symbol, resolution) = ask.path.strip_prefix(CANDLES.path)?.split_once('/')?;
    let bar = match resolution {
        "1h" => Some(Bar::Hour),
        "1d" => Some(Bar::Day),
        "1m" | "5m" | "15m" | "30m" | "4h" | "12h" | "1w" => None,
        _ => return None,
    };
    Some(chart(universe, symbol, bar, ask.query))
}

/// The derivatives error envelope.
fn error(now_ms: i64, error: &str) -> String {
    body(&json!({"result": "error", "serverTime": iso(now_ms), "error": error}))
}

/// `GET /derivatives/api/v4/historicalfundingrates?symbol=…`: every hourly settlement kept
/// ([`HISTORY_DAYS`]), oldest first (the live order is not documented), `relativeFundingRate` =
/// the market's rate per hour with the synthetic wobble and `fundingRate` = that × the mark price
/// (absolute, per contract). An unknown symbol answers an empty `rates` list (as the live API
/// does); a missing one the error envelope.
fn funding_rates(u: &Universe, query: &[(String, String)]) -> String {
    let Some(wanted) = param(query, "symbol").filter(|s| !s.is_empty()) else {
        return error(u.now_ms, "symbol is required");
    };
    let market = u.perps().find(|m| symbol(m) == wanted);
    let mut rows = Vec::new();
    if let Some(m) = market {
        let hourly = SynthMarket {
            interval_hours: 1,
            ..m.clone()
        };
        let hours = Decimal::from(m.interval_hours.max(1));
        let mark = m.contract_price(m.mark);
        for t in hourly.settlements(u.now_ms, HISTORY_DAYS, i64::MIN, u.now_ms) {
            let relative = (m.historic_rate(t) / hours).normalize();
            rows.push(json!({
                "timestamp": iso(t),
                "fundingRate": num(relative * mark),
                "relativeFundingRate": num(relative),
            }));
        }
    }
    success(json!({"rates": rows, "serverTime": iso(u.now_ms)}))
}

/// A charts price: Kraken pads to 11 decimals (`309.15000000000`).
fn chart_price(x: Decimal) -> String {
    let n = x.normalize();
    if n.scale() <= 11 {
        format!("{n:.11}")
    } else {
        n.to_string()
    }
}

/// `GET /api/charts/v1/trade/{symbol}/{resolution}?from=…&to=…` (seconds, inclusive; default the
/// last [`CANDLE_LIMIT`] bars up to now): last-trade candles per contract unit (`PF_1000PEPEUSD`
/// per 1000 coins) opening in the window, oldest first, the running one included, at most
/// [`CANDLE_LIMIT`] with `more_candles` when the window holds more; volume in contracts. The demo
/// has `1h` and `1d` bars: other resolutions answer no candles, like an unknown symbol.
fn chart(u: &Universe, wanted: &str, bar: Option<Bar>, query: &[(String, String)]) -> String {
    let seconds = |key: &str| -> Result<Option<i64>, String> {
        param(query, key).map_or(Ok(None), |v| {
            v.parse::<i64>()
                .map(Some)
                .map_err(|_| error(u.now_ms, &format!("invalid {key}")))
        })
    };
    let (from, to) = match (seconds("from"), seconds("to")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let market = u.perps().find(|m| symbol(m) == wanted);
    let (bars, scale) = match (market, bar) {
        (Some(m), Some(bar)) => {
            let to_ms = to.map_or(u.now_ms, |t| t.saturating_mul(1000));
            let span = i64::try_from(CANDLE_LIMIT).unwrap_or(0) * bar.millis();
            let from_ms = from.map_or(to_ms - span, |f| f.saturating_mul(1000));
            (
                m.candles(bar, from_ms, to_ms, u.now_ms),
                Decimal::from(m.multiplier.max(1)),
            )
        }
        _ => (Vec::new(), Decimal::ONE),
    };
    let page = &bars[..bars.len().min(CANDLE_LIMIT)];
    let candles: Vec<Value> = page
        .iter()
        .map(|c| {
            json!({
                "time": c.open_ms,
                "open": chart_price(c.open * scale),
                "high": chart_price(c.high * scale),
                "low": chart_price(c.low * scale),
                "close": chart_price(c.close * scale),
                "volume": num((c.volume / scale).round_dp(3)),
            })
        })
        .collect();
    body(&json!({"candles": candles, "more_candles": bars.len() > CANDLE_LIMIT}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::roundtrip::get_json;
    use crate::model::Venue;

    #[test]
    fn times_look_like_kraken() {
        assert_eq!(iso(1_763_339_677_524), "2025-11-17T00:34:37.524Z");
    }

    #[test]
    fn history_endpoints_answer_like_the_live_api() {
        let h = 3_600_000_i64;
        let now = 1_763_340_877_524;
        let u = Universe::generate(Venue::Kraken, 40, 0, now);
        let m = u.perps().next().expect("a perp");
        let sym = symbol(m);
        let call = |path: &str, pairs: &[(&str, &str)]| get_json(respond, &u, path, pairs);
        assert_eq!(respond(&u, &Ask::get(TICKERS.path, &[])), None);
        assert_eq!(
            respond(&u, &Ask::get("/api/charts/v1/mark/PF_XBTUSD/1h", &[])),
            None
        );
        assert_eq!(
            respond(&u, &Ask::get("/api/charts/v1/trade/PF_XBTUSD/2h", &[])),
            None
        );
        // Funding: the whole history kept, oldest first, JSON numbers, absolute = relative × mark.
        let v = call(HISTORICAL_FUNDING_RATES.path, &[("symbol", &sym)]);
        assert_eq!(v["result"], "success");
        let rates = v["rates"].as_array().expect("rates");
        assert_eq!(rates.len(), 120 * 24);
        assert_eq!(rates[rates.len() - 1]["timestamp"], iso(now / h * h));
        assert!(rates[0]["relativeFundingRate"].is_number() && rates[0]["fundingRate"].is_number());
        let unknown = call(HISTORICAL_FUNDING_RATES.path, &[("symbol", "PF_NOPEUSD")]);
        assert_eq!(unknown["rates"], serde_json::json!([]));
        assert_eq!(call(HISTORICAL_FUNDING_RATES.path, &[])["result"], "error");
        // Candles: from/to in seconds, inclusive, oldest first, more_candles past 2000.
        let hour = now / h * h;
        let from = ((hour - 2 * h) / 1000).to_string();
        let to = (hour / 1000).to_string();
        let path = format!("/api/charts/v1/trade/{sym}/1h");
        let v = call(&path, &[("from", &from), ("to", &to)]);
        let candles = v["candles"].as_array().expect("candles");
        assert_eq!(candles.len(), 3);
        assert_eq!(candles[0]["time"], serde_json::json!(hour - 2 * h));
        assert!(
            candles[0]["close"]
                .as_str()
                .is_some_and(|c| c.split('.').nth(1).map(str::len) == Some(11))
        );
        assert!(candles[0]["volume"].is_number());
        assert_eq!(v["more_candles"], false);
        let v = call(&path, &[("from", "0"), ("to", &to)]);
        assert_eq!(v["candles"].as_array().map(Vec::len), Some(2000));
        assert_eq!(v["more_candles"], true);
        let v = call(&path, &[]);
        let candles = v["candles"].as_array().expect("default window");
        assert_eq!(
            candles.last().map(|c| c["time"].clone()),
            Some(serde_json::json!(hour))
        );
        let v = call("/api/charts/v1/trade/PF_NOPEUSD/1d", &[]);
        assert_eq!(v["candles"], serde_json::json!([]));
        assert_eq!(call(&path, &[("from", "yesterday")])["result"], "error");
        assert_eq!(chart_price(Decimal::new(30915, 2)), "309.15000000000");
    }
}
