//! Deribit API v2 payloads (instruments, book summaries) for a synthetic universe.
//!
//! Same JSON-RPC envelope, field names and JSON-number encoding as the live API (exponent form
//! below 1e-6, as Deribit prints tiny numbers). Deribit's linear perpetuals are USDC-settled and
//! the adapter asks for `currency=USDC`, so every synthetic market is rendered USDC-quoted
//! whatever its quote in the universe: perps as `SOL_USDC-PERPETUAL` (`1000PEPE_USDC-PERPETUAL`
//! for multiplied ones, priced per 1000 coins), spot as `SOL_USDC`. Funding is rendered as
//! `funding_8h`, the synthetic rate scaled to 8 h. The instrument lists also hold rows the
//! adapter must filter out ([`FILTERED_FUTURES`], [`FILTERED_SPOTS`]), and the book summaries
//! carry rows for them too. [`respond`] serves the history endpoints (hourly funding,
//! candles) from the universe's synthetic paths.

use rust_decimal::Decimal;

use super::json::{Map, Value, body, json, merge, raw, tick};
use super::{Ask, HISTORY_DAYS, Route, SynthCandle, SynthMarket, Universe, param};
use crate::venue::Bar;
use crate::venue::deribit::{
    CANDLE_LIMIT, CANDLES, FUNDING_HISTORY, FUNDING_HISTORY_LIMIT, FUNDING_INTERVAL_HOURS,
    FUTURE_CURRENCY, INSTRUMENTS_FUTURE, INSTRUMENTS_SPOT, SPOT_CURRENCY, SUMMARY_FUTURE,
    SUMMARY_SPOT,
};

/// Quote of every rendered market (see the module docs).
pub const QUOTE: &str = "USDC";

/// Future instruments the demo lists but the adapter must drop, with why.
pub const FILTERED_FUTURES: [(&str, &str); 3] = [
    ("BTC_USDC-27MAR26", "dated"),
    ("DEMOHALT_USDC-PERPETUAL", "inactive"),
    ("DEMOCLOSED_USDC-PERPETUAL", "closed"),
];

/// Spot pairs the demo lists but the adapter must drop (inactive).
pub const FILTERED_SPOTS: [(&str, &str); 1] = [("DEMOHALT_USDC", "inactive")];

/// `expiration_timestamp` Deribit gives perpetuals and spot pairs (year 3000).
const NEVER_MS: i64 = 32_503_708_800_000;

/// Path of the settled funding.
const FUNDING_HISTORY_PATH: &str = FUNDING_HISTORY.path;
/// Path of the candles.
const CANDLES_PATH: &str = CANDLES.path;
/// Path of the book summaries (the tests' name for it).
#[cfg(test)]
const BOOK_SUMMARY_PATH: &str = SUMMARY_FUTURE.path;

/// Routes serving `universe` in Deribit's formats: every request of the reference plan and of the
/// snapshot plan.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    // Deribit lists instruments and summaries by currency and kind.
    let kind = |route: Route, currency: &str, kind: &str| {
        route
            .with_query("currency", currency)
            .with_query("kind", kind)
    };
    let futures = |route: Route| kind(route, FUTURE_CURRENCY, "future");
    let spots = |route: Route| kind(route, SPOT_CURRENCY, "spot");
    vec![
        futures(Route::at(&INSTRUMENTS_FUTURE, future_instruments(universe))),
        spots(Route::at(&INSTRUMENTS_SPOT, spot_instruments(universe))),
        futures(Route::at(&SUMMARY_FUTURE, future_summaries(universe))),
        spots(Route::at(&SUMMARY_SPOT, spot_summaries(universe))),
    ]
}

/// The perpetual's name for a universe market (`1000PEPE_USDC-PERPETUAL`).
#[must_use]
pub fn perp_name(m: &SynthMarket) -> String {
    format!("{}_{QUOTE}-PERPETUAL", m.perp_base())
}

/// The spot pair's name for a universe market (`PEPE_USDC`).
#[must_use]
pub fn spot_name(m: &SynthMarket) -> String {
    format!("{}_{QUOTE}", m.asset)
}

/// The 8 h figure of a market's funding rate (what `funding_8h` reports).
#[must_use]
pub fn funding_8h(m: &SynthMarket) -> Decimal {
    let hours = Decimal::from(m.interval_hours.max(1));
    (m.funding_rate * Decimal::from(FUNDING_INTERVAL_HOURS) / hours).normalize()
}

/// A decimal as Deribit prints it: plain, or exponent form when `0 < |x| < 1e-6`.
pub(super) fn number(x: Decimal) -> String {
    super::json::exponent_text(x, Decimal::new(1, 6), 1)
}

/// A decimal as a JSON number the way Deribit prints it ([`number`]).
fn num(x: Decimal) -> Value {
    raw(number(x))
}

/// A JSON-RPC answer: `result` (or `error`) with the server's timing fields, `usDiff` µs
/// after `now_ms`.
fn rpc(now_ms: i64, outcome: &str, payload: Value, us_diff: i64) -> String {
    let us_in = now_ms.saturating_mul(1000);
    let mut out = Map::new();
    out.insert("jsonrpc".into(), "2.0".into());
    out.insert(outcome.into(), payload);
    out.insert("usIn".into(), us_in.into());
    out.insert("usOut".into(), (us_in + us_diff).into());
    out.insert("usDiff".into(), us_diff.into());
    out.insert("testnet".into(), false.into());
    body(&Value::Object(out))
}

/// The `result` answer of a list.
fn result(now_ms: i64, rows: Vec<Value>) -> String {
    rpc(now_ms, "result", Value::Array(rows), 412)
}

/// One future instrument row, as Deribit lists it.
struct FutureRow<'a> {
    name: &'a str,
    base: &'a str,
    period: &'a str,
    active: bool,
    state: &'a str,
    tick: Decimal,
    id: usize,
    expiry_ms: i64,
}

fn future_row(r: &FutureRow<'_>, now_ms: i64) -> Value {
    let index = format!("{}_{}", r.base, QUOTE).to_lowercase();
    json!({
        "tick_size_steps": [],
        "tick_size": num(r.tick),
        "taker_commission": num(Decimal::new(5, 4)),
        "settlement_period": r.period,
        "settlement_currency": QUOTE,
        "rfq": false,
        "quote_currency": QUOTE,
        "price_index": &index,
        "min_trade_amount": num(Decimal::new(1, 1)),
        "max_liquidation_commission": num(Decimal::new(75, 4)),
        "max_leverage": 25,
        "maker_commission": num(Decimal::ZERO),
        "kind": "future",
        "is_active": r.active,
        "state": r.state,
        "instrument_type": "linear",
        "instrument_name": r.name,
        "instrument_id": 400_000 + r.id,
        "future_type": "linear",
        "expiration_timestamp": r.expiry_ms,
        "creation_timestamp": now_ms - 400 * 86_400_000,
        "counter_currency": QUOTE,
        "contract_size": num(Decimal::ONE),
        "block_trade_tick_size": num(r.tick),
        "block_trade_min_trade_amount": 500,
        "block_trade_commission": num(Decimal::new(25, 5)),
        "base_currency": r.base,
    })
}

fn future_instruments(u: &Universe) -> String {
    let mut rows = Vec::with_capacity(u.markets.len() + FILTERED_FUTURES.len());
    for (i, m) in u.perps().enumerate() {
        let name = perp_name(m);
        rows.push(future_row(
            &FutureRow {
                name: &name,
                base: &m.perp_base(),
                period: "perpetual",
                active: true,
                state: "open",
                tick: tick(m.contract_price(m.perp_bid)),
                id: i,
                expiry_ms: NEVER_MS,
            },
            u.now_ms,
        ));
    }
    let dated_expiry = (u.now_ms / 86_400_000 + 120) * 86_400_000 + 8 * 3_600_000;
    for (i, (name, why)) in FILTERED_FUTURES.iter().enumerate() {
        let base = name.split('_').next().unwrap_or(name);
        let mut row = FutureRow {
            name,
            base,
            period: "perpetual",
            active: true,
            state: "open",
            tick: Decimal::new(1, 2),
            id: 90_000 + i,
            expiry_ms: NEVER_MS,
        };
        match *why {
            "dated" => {
                row.period = "month";
                row.expiry_ms = dated_expiry;
            }
            "inactive" => row.active = false,
            _ => row.state = "closed",
        }
        rows.push(future_row(&row, u.now_ms));
    }
    result(u.now_ms, rows)
}

fn spot_row(name: &str, base: &str, active: bool, tick: Decimal, id: usize) -> Value {
    let index = name.to_lowercase();
    json!({
        "tick_size_steps": [],
        "tick_size": num(tick),
        "taker_commission": num(Decimal::ZERO),
        "rfq": false,
        "quote_currency": QUOTE,
        "price_index": &index,
        "min_trade_amount": num(Decimal::new(1, 4)),
        "maker_commission": num(Decimal::ZERO),
        "kind": "spot",
        "is_active": active,
        "state": "open",
        "instrument_name": name,
        "instrument_id": 600_000 + id,
        "expiration_timestamp": NEVER_MS,
        "creation_timestamp": 1_680_000_000_000_i64,
        "counter_currency": QUOTE,
        "contract_size": num(Decimal::new(1, 4)),
        "block_trade_tick_size": num(tick),
        "block_trade_min_trade_amount": 1,
        "block_trade_commission": num(Decimal::ZERO),
        "base_currency": base,
    })
}

fn spot_instruments(u: &Universe) -> String {
    let mut rows: Vec<Value> = u
        .spots()
        .enumerate()
        .map(|(i, m)| spot_row(&spot_name(m), &m.asset, true, tick(m.spot_bid), i))
        .collect();
    for (i, (name, _)) in FILTERED_SPOTS.iter().enumerate() {
        let base = name.split('_').next().unwrap_or(name);
        rows.push(spot_row(name, base, false, Decimal::new(1, 4), 90_000 + i));
    }
    result(u.now_ms, rows)
}

/// Book-summary prices of one row (as quoted: per contract base).
struct Book {
    bid: Option<Decimal>,
    ask: Option<Decimal>,
    mark: Decimal,
    last: Decimal,
    high: Decimal,
    low: Decimal,
}

/// A book-summary row: the fields every row has, then `extra` (the row's own).
fn summary_row(name: &str, base: &str, b: &Book, extra: Value) -> Value {
    let mid = match (b.bid, b.ask) {
        (Some(bid), Some(ask)) => num((bid + ask) / Decimal::TWO),
        _ => Value::Null,
    };
    let change = if b.low.is_zero() {
        Decimal::ZERO
    } else {
        ((b.last - b.low) / b.low * Decimal::ONE_HUNDRED).round_dp(4)
    };
    let quote_or_null = |d: Option<Decimal>| d.map_or(Value::Null, num);
    let row = json!({
        "quote_currency": QUOTE,
        "price_change": num(change),
        "mid_price": mid,
        "mark_price": num(b.mark),
        "low": num(b.low),
        "last": num(b.last),
        "instrument_name": name,
        "high": num(b.high),
        "bid_price": quote_or_null(b.bid),
        "base_currency": base,
        "ask_price": quote_or_null(b.ask),
    });
    merge(row, extra)
}

fn future_summaries(u: &Universe) -> String {
    let mut rows = Vec::with_capacity(u.markets.len() + FILTERED_FUTURES.len());
    let mult = |m: &SynthMarket| Decimal::from(m.multiplier.max(1));
    for m in u.perps() {
        let rate = funding_8h(m);
        let book = Book {
            bid: Some(m.contract_price(m.perp_bid)),
            ask: Some(m.contract_price(m.perp_ask)),
            mark: m.contract_price(m.mark),
            last: m.contract_price(m.mark),
            high: m.contract_price(m.high),
            low: m.contract_price(m.low),
        };
        let volume_usd = m.volume_quote();
        let own = json!({
            "volume_usd": num(volume_usd),
            "volume_notional": num(volume_usd),
            "volume": num(m.volume_base / mult(m)),
            "open_interest": num(m.open_interest / mult(m)),
            "interest_rate": num(Decimal::ZERO),
            "funding_8h": num(rate),
            "current_funding": num((rate / Decimal::from(8)).round_dp(12)),
            "estimated_delivery_price": num(m.contract_price(m.index)),
            "creation_timestamp": u.now_ms,
        });
        rows.push(summary_row(&perp_name(m), &m.perp_base(), &book, own));
    }
    for (name, why) in FILTERED_FUTURES {
        let base = name.split('_').next().unwrap_or(name);
        let price = Decimal::new(97_000, 0);
        let live = why == "dated";
        let book = Book {
            bid: live.then_some(price - Decimal::ONE),
            ask: live.then_some(price + Decimal::ONE),
            mark: price,
            last: price,
            high: price + Decimal::ONE_THOUSAND,
            low: price - Decimal::ONE_THOUSAND,
        };
        let mut own = json!({
            "volume_usd": 0,
            "volume": 0,
            "open_interest": 0,
            "estimated_delivery_price": num(price),
            "creation_timestamp": u.now_ms,
        });
        if !live {
            own = merge(
                own,
                json!({"funding_8h": num(Decimal::new(1, 4)), "current_funding": 0}),
            );
        }
        rows.push(summary_row(name, base, &book, own));
    }
    result(u.now_ms, rows)
}

fn spot_summaries(u: &Universe) -> String {
    let mut rows = Vec::with_capacity(u.markets.len() + FILTERED_SPOTS.len());
    for m in u.spots() {
        let book = Book {
            bid: Some(m.spot_bid),
            ask: Some(m.spot_ask),
            mark: m.price,
            last: m.price,
            high: m.high,
            low: m.low,
        };
        let volume_usd = m.volume_quote();
        let own = json!({
            "volume_usd": num(volume_usd),
            "volume_notional": num(volume_usd),
            "volume": num(m.volume_base),
            "estimated_delivery_price": num(m.index),
            "creation_timestamp": u.now_ms,
        });
        rows.push(summary_row(&spot_name(m), &m.asset, &book, own));
    }
    for (name, _) in FILTERED_SPOTS {
        let base = name.split('_').next().unwrap_or(name);
        let book = Book {
            bid: None,
            ask: None,
            mark: Decimal::ONE,
            last: Decimal::ONE,
            high: Decimal::ONE,
            low: Decimal::ONE,
        };
        let own = json!({"volume_usd": 0, "volume": 0, "creation_timestamp": u.now_ms});
        rows.push(summary_row(name, base, &book, own));
    }
    result(u.now_ms, rows)
}

/// Answers the history endpoints this venue's demo serves (see [`super::server::Dynamic`]):
/// `get_funding_rate_history` and `get_tradingview_chart_data`; `None` for any other path.
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    match ask.path {
        FUNDING_HISTORY_PATH => Some(funding_history(universe, ask.query)),
        CANDLES_PATH => Some(chart_data(universe, ask.query)),
        _ => None,
    }
}

/// A JSON-RPC error envelope as Deribit sends it; `data` is `(reason, param)` of an
/// `Invalid params` error.
fn rpc_error(now_ms: i64, code: i64, message: &str, data: Option<(&str, &str)>) -> String {
    let mut error = json!({"message": message, "code": code});
    if let Some((reason, param)) = data {
        error = merge(error, json!({"data": {"reason": reason, "param": param}}));
    }
    rpc(now_ms, "error", error, 104)
}

/// Error `-32602 Invalid params` for `param`.
fn invalid(now_ms: i64, reason: &str, param: &str) -> String {
    rpc_error(now_ms, -32602, "Invalid params", Some((reason, param)))
}

/// The required parameters every history call shares: `instrument_name`, `start_timestamp`,
/// `end_timestamp` (integers), or the error Deribit answers.
fn window(now_ms: i64, query: &[(String, String)]) -> Result<(&str, i64, i64), String> {
    let name = param(query, "instrument_name")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| invalid(now_ms, "missing", "instrument_name"))?;
    let int = |key: &str| -> Result<i64, String> {
        let value = param(query, key).ok_or_else(|| invalid(now_ms, "missing", key))?;
        value
            .parse::<i64>()
            .map_err(|_| invalid(now_ms, "must be integer", key))
    };
    Ok((name, int("start_timestamp")?, int("end_timestamp")?))
}

/// Error `13020 not_found` (an unknown instrument name).
fn not_found(now_ms: i64) -> String {
    rpc_error(now_ms, 13_020, "not_found", None)
}

/// `GET /api/v2/public/get_funding_rate_history`: one row per hour with `timestamp` in
/// `[start_timestamp, end_timestamp]` (both required), at most [`HISTORY_DAYS`] back, oldest
/// first; at most [`FUNDING_HISTORY_LIMIT`] rows, the newest ones when the window holds more.
/// `interest_1h` is the market's rate per hour (its rate per interval / interval, with the
/// synthetic wobble), `interest_8h` eight times that (what `funding_8h` reports).
fn funding_history(u: &Universe, query: &[(String, String)]) -> String {
    let (name, start, end) = match window(u.now_ms, query) {
        Ok(w) => w,
        Err(e) => return e,
    };
    let Some(m) = u.perps().find(|m| perp_name(m) == name) else {
        return not_found(u.now_ms);
    };
    let hourly = SynthMarket {
        interval_hours: 1,
        ..m.clone()
    };
    let times = hourly.settlements(u.now_ms, HISTORY_DAYS, start, end);
    let page = &times[times.len().saturating_sub(FUNDING_HISTORY_LIMIT)..];
    let hours = Decimal::from(m.interval_hours.max(1));
    let index = m.contract_price(m.index);
    let rows = page
        .iter()
        .map(|t| {
            let per_hour = (m.historic_rate(*t) / hours).normalize();
            json!({
                "timestamp": t,
                "index_price": num(index),
                "prev_index_price": num(index),
                "interest_8h": num(per_hour * Decimal::from(FUNDING_INTERVAL_HOURS)),
                "interest_1h": num(per_hour),
            })
        })
        .collect();
    result(u.now_ms, rows)
}

/// `GET /api/v2/public/get_tradingview_chart_data`: the bars opening in `[start_timestamp,
/// end_timestamp]` (both required), at most [`HISTORY_DAYS`] back, oldest first, the running bar
/// included; at most [`CANDLE_LIMIT`] bars, the newest ones when the window holds more. Columns
/// of JSON numbers; perps priced per contract unit (`1000PEPE`), volume in the instrument's base
/// units and `cost` in USDC; `status` `no_data` with empty columns when no bar is in the window.
/// The demo serves `resolution` `60` and `1D` only (Deribit also has minute bars).
fn chart_data(u: &Universe, query: &[(String, String)]) -> String {
    let (name, start, end) = match window(u.now_ms, query) {
        Ok(w) => w,
        Err(e) => return e,
    };
    let bar = match param(query, "resolution") {
        Some("60") => Bar::Hour,
        Some("1D") => Bar::Day,
        Some(_) => return invalid(u.now_ms, "must be one of 60, 1D", "resolution"),
        None => return invalid(u.now_ms, "missing", "resolution"),
    };
    let perp = u.perps().find(|m| perp_name(m) == name);
    let spot = u.spots().find(|m| spot_name(m) == name);
    let (m, scale) = match (perp, spot) {
        (Some(m), _) => (m, Decimal::from(m.multiplier.max(1))),
        (None, Some(m)) => (m, Decimal::ONE),
        (None, None) => return not_found(u.now_ms),
    };
    let all = m.candles(bar, start, end, u.now_ms);
    let bars = &all[all.len().saturating_sub(CANDLE_LIMIT)..];
    let column = |f: &dyn Fn(&SynthCandle) -> Decimal| -> Vec<Value> {
        bars.iter().map(|c| num(f(c))).collect()
    };
    let price = |f: fn(&SynthCandle) -> Decimal| column(&|c| f(c) * scale);
    let chart = json!({
        "volume": column(&|c| (c.volume / scale).round_dp(8)),
        "ticks": bars.iter().map(|c| c.open_ms).collect::<Vec<_>>(),
        "status": if bars.is_empty() { "no_data" } else { "ok" },
        "open": price(|c| c.open),
        "low": price(|c| c.low),
        "high": price(|c| c.high),
        "cost": column(&|c| (c.volume * c.close).round_dp(2)),
        "close": price(|c| c.close),
    });
    rpc(u.now_ms, "result", chart, 375)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::roundtrip::get_json;
    use crate::model::Venue;

    #[test]
    fn history_endpoints_answer_like_the_live_api() {
        let now = 1_760_000_000_000 + 1_234;
        let u = Universe::generate(Venue::Deribit, 20, 20, now);
        let m = u.perps().next().expect("a perp");
        let name = perp_name(m);
        let h = 3_600_000_i64;
        assert_eq!(respond(&u, &Ask::get(BOOK_SUMMARY_PATH, &[])), None);
        let call = |path: &str, pairs: &[(&str, &str)]| get_json(respond, &u, path, pairs);
        // The funding rows or candles of `symbol` between two times.
        let funding = |symbol: &str, start: &str, end: &str| {
            let pairs = [
                ("instrument_name", symbol),
                ("start_timestamp", start),
                ("end_timestamp", end),
            ];
            call(FUNDING_HISTORY_PATH, &pairs)
        };
        let candles = |symbol: &str, start: &str, end: &str, resolution: &str| {
            let pairs = [
                ("instrument_name", symbol),
                ("start_timestamp", start),
                ("end_timestamp", end),
                ("resolution", resolution),
            ];
            call(CANDLES_PATH, &pairs)
        };
        // Funding: hourly rows in the window, oldest first, JSON numbers, capped at the newest 744.
        let (s, e) = ((now - 10 * h).to_string(), now.to_string());
        let v = funding(&name, &s, &e);
        let rows = v["result"].as_array().expect("rows");
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[9]["timestamp"], serde_json::json!(now / h * h));
        assert!(rows[0]["interest_1h"].is_number() && rows[0]["interest_8h"].is_number());
        assert!(
            rows.windows(2)
                .all(|w| w[0]["timestamp"].as_i64() < w[1]["timestamp"].as_i64())
        );
        let v = funding(&name, "0", &e);
        let rows = v["result"].as_array().expect("rows");
        assert_eq!(rows.len(), 744);
        assert_eq!(rows[743]["timestamp"], serde_json::json!(now / h * h));
        // Candles: columns of equal length, the running bar last, no_data outside the history.
        let day = 86_400_000_i64;
        let start = (now / day * day - 3 * day).to_string();
        for symbol in [name.clone(), spot_name(m)] {
            let v = candles(&symbol, &start, &e, "1D");
            let r = &v["result"];
            assert_eq!(r["status"], "ok");
            for column in ["ticks", "open", "high", "low", "close", "volume", "cost"] {
                assert_eq!(r[column].as_array().map(Vec::len), Some(4), "{column}");
            }
            assert_eq!(r["ticks"][3], serde_json::json!(now / day * day));
        }
        let v = candles(&name, "0", "1000", "60");
        assert_eq!(v["result"]["status"], "no_data");
        assert_eq!(v["result"]["ticks"], serde_json::json!([]));
        // Errors as Deribit sends them.
        let v = candles("NOPE_USDC", "0", "1", "60");
        assert_eq!(v["error"]["code"], 13_020);
        assert_eq!(v["error"]["message"], "not_found");
        let v = funding(&spot_name(m), "0", "1");
        assert_eq!(v["error"]["code"], 13_020, "no funding for a spot pair");
        let v = call(
            FUNDING_HISTORY_PATH,
            &[("instrument_name", &name), ("end_timestamp", "1")],
        );
        assert_eq!(v["error"]["code"], -32_602);
        assert_eq!(v["error"]["data"]["param"], "start_timestamp");
        let v = candles(&name, "0", "x", "60");
        assert_eq!(v["error"]["data"]["param"], "end_timestamp");
        let v = candles(&name, "0", "1", "1H");
        assert_eq!(v["error"]["data"]["param"], "resolution");
    }
}
