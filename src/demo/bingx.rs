//! BingX-format payloads (listings, premium index, tickers, funding history) of a synthetic market.
//!
//! Same envelope (`{"code":0,"msg":"","data":…}`, spot answers with a `timestamp`), field names
//! and mixed encoding as the live API: premium-index prices and rates are strings with ms times
//! and `fundingIntervalHours` as numbers; perpetual tickers send strings except the best bid/ask
//! (numbers); spot tickers send strings with string times and numeric bid/ask. Multiplied
//! markets are listed as `1000PEPE-USDT` with prices per 1000 coins. The lists also hold entries
//! the adapter must drop (suspended, offline, pre-launch and delisted contracts; suspended,
//! pre-open and not-yet-online spot pairs), and the premium index and tickers carry rows for
//! them. Every perp's newest settlements are served as a static route (`symbol=…`), for the
//! interval fallback; [`respond`] answers the history endpoints (settled funding, swap and spot
//! candles) for any window, paging like the live API.

use rust_decimal::Decimal;

use super::json::{Map, Value, body, dec_num, dec_text, json, merge, raw, text, tick};
use super::{
    Ask, DAY_MS, Day, Funding, HISTORY_DAYS, HOUR_MS, Route, SynthCandle, SynthMarket, Universe,
    int_param, list_rows, param, spot_days, window_page,
};
use crate::venue::Bar;
use crate::venue::bingx::{
    CONTRACTS, FUNDING_HISTORY, HISTORY_LIMIT, KLINE_LIMIT, KLINES, PREMIUM_INDEX, SPOT_KLINE,
    SPOT_SYMBOLS, SPOT_TICKER, TICKER,
};

/// Contracts the demo lists but the adapter must drop, with why.
pub const FILTERED_CONTRACTS: [(&str, &str); 4] = [
    ("DEMOHALT-USDT", "suspended (status 25)"),
    ("DEMOOFF-USDT", "offline (status 0)"),
    (
        "DEMOPRE-USDT",
        "pre-launch (launchTime ahead of the server clock)",
    ),
    (
        "DEMOGONE-USDT",
        "delisted (offTime behind the server clock)",
    ),
];

/// Spot pairs the demo lists but the adapter must drop, with why.
pub const FILTERED_SPOTS: [(&str, &str); 3] = [
    ("DEMOHALT-USDT", "suspended (status 25)"),
    ("DEMOPRE-USDT", "pre-open (status 5)"),
    ("DEMOLATE-USDT", "timeOnline ahead of the server clock"),
];

/// Routes serving `universe` in BingX's formats: the reference and snapshot plans, plus one
/// funding-history route per perp.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    let mut routes = vec![
        Route::at(&CONTRACTS, contracts(universe)),
        Route::at(&SPOT_SYMBOLS, spot_symbols(universe)),
        Route::at(&PREMIUM_INDEX, premium_index(universe)),
        Route::at(&TICKER, tickers(universe)),
        Route::at(&SPOT_TICKER, spot_tickers(universe)),
    ];
    for m in universe.perps() {
        let symbol = perp_symbol(m);
        routes.push(
            Route::at(&FUNDING_HISTORY, funding_history(universe, m, &symbol))
                .with_query("symbol", &symbol),
        );
    }
    routes
}

/// The perp's BingX symbol: `BTC-USDT`, `1000PEPE-USDT`, `ETH-USDC`.
#[must_use]
pub fn perp_symbol(m: &SynthMarket) -> String {
    format!("{}-{}", m.perp_base(), m.quote)
}

/// The spot pair's BingX symbol: `BTC-USDT`.
#[must_use]
pub fn spot_symbol(m: &SynthMarket) -> String {
    format!("{}-{}", m.asset, m.quote)
}

/// `{"code":0,"msg":"",…,"data":<data>}`; `debugMsg` and `timestamp` for spot answers.
fn envelope(data: impl Into<Value>, timestamp: Option<i64>) -> String {
    body(&answer(0, "", data.into(), timestamp))
}

/// A BingX answer: `code`, `msg` and `data`, with `debugMsg` and `timestamp` on the spot API
/// (`spot_now`).
fn answer(code: i64, msg: &str, data: Value, spot_now: Option<i64>) -> Value {
    let mut out = Map::new();
    out.insert("code".into(), code.into());
    out.insert("msg".into(), msg.into());
    if let Some(now) = spot_now {
        out.insert("debugMsg".into(), "".into());
        out.insert("timestamp".into(), now.into());
    }
    out.insert("data".into(), data);
    Value::Object(out)
}

/// A contract row of the shape BingX lists.
#[allow(clippy::too_many_arguments)]
fn contract_row(
    id: usize,
    symbol: &str,
    base: &str,
    quote: &str,
    status: i64,
    launch_ms: i64,
    off_ms: i64,
    price: Decimal,
) -> Value {
    json!({
        "contractId": text(100 + id),
        "symbol": text(symbol),
        "size": text(tick(price)),
        "quantityPrecision": 0,
        "pricePrecision": raw(price.normalize().scale()),
        "feeRate": raw("0.0005"),
        "makerFeeRate": raw("0.0002"),
        "takerFeeRate": raw("0.0005"),
        "tradeMinLimit": 0,
        "tradeMinQuantity": 1,
        "tradeMinUSDT": 2,
        "maxLongLeverage": 50,
        "maxShortLeverage": 50,
        "currency": text(quote),
        "asset": text(base),
        "status": status,
        "apiStateOpen": text("true"),
        "apiStateClose": text("true"),
        "brokerState": text("true"),
        "launchTime": launch_ms,
        "maintainTime": 0,
        "offTime": off_ms,
        "displayName": text(symbol),
    })
}

fn contracts(u: &Universe) -> String {
    let now = u.now_ms;
    let mut rows = Vec::with_capacity(u.markets.len() + FILTERED_CONTRACTS.len());
    for (i, m) in u.perps().enumerate() {
        rows.push(contract_row(
            i,
            &perp_symbol(m),
            &m.perp_base(),
            &m.quote,
            1,
            now - 400 * DAY_MS,
            0,
            m.contract_price(m.mark),
        ));
    }
    for (i, (symbol, _)) in FILTERED_CONTRACTS.iter().enumerate() {
        let base = symbol.split('-').next().unwrap_or(symbol);
        let (status, launch, off) = match i {
            0 => (25, now - 90 * DAY_MS, 0),
            1 => (0, now - 90 * DAY_MS, 0),
            2 => (1, now + 3 * DAY_MS, 0),
            _ => (1, now - 90 * DAY_MS, now - DAY_MS),
        };
        rows.push(contract_row(
            90_000 + i,
            symbol,
            base,
            "USDT",
            status,
            launch,
            off,
            Decimal::ONE,
        ));
    }
    envelope(rows, None)
}

fn spot_symbol_row(symbol: &str, status: i64, online_ms: i64, price: Decimal) -> Value {
    json!({
        "symbol": text(symbol),
        "minQty": raw("0.0001"),
        "maxQty": 1_000_000,
        "minNotional": 5,
        "maxNotional": 20_000,
        "status": status,
        "tickSize": raw(tick(price)),
        "stepSize": raw("0.0001"),
        "apiStateSell": true,
        "apiStateBuy": true,
        "timeOnline": online_ms,
        "offTime": 0,
        "maintainTime": 0,
    })
}

fn spot_symbols(u: &Universe) -> String {
    let now = u.now_ms;
    let mut rows: Vec<Value> = u
        .spots()
        .map(|m| spot_symbol_row(&spot_symbol(m), 1, now - 700 * DAY_MS, m.spot_bid))
        .collect();
    for (i, (symbol, _)) in FILTERED_SPOTS.iter().enumerate() {
        let (status, online) = match i {
            0 => (25, now - 90 * DAY_MS),
            1 => (5, now + DAY_MS),
            _ => (1, now + 2 * DAY_MS),
        };
        rows.push(spot_symbol_row(symbol, status, online, Decimal::ONE));
    }
    envelope(json!({ "symbols": rows }), Some(now))
}

/// One premium-index row: the mark and index per contract unit and the funding.
fn premium_row(symbol: &str, (mark, index): (Decimal, Decimal), f: &Funding, now: i64) -> Value {
    json!({
        "symbol": text(symbol),
        "markPrice": dec_text(mark),
        "indexPrice": dec_text(index),
        "lastFundingRate": dec_text(f.rate),
        "nextFundingTime": f.next_ms,
        "fundingIntervalHours": f.interval_hours,
        "time": now,
    })
}

fn premium_index(u: &Universe) -> String {
    let listed = u.perps().map(|m| {
        let prices = (m.contract_price(m.mark), m.contract_price(m.index));
        (perp_symbol(m), (prices, Funding::of(m)))
    });
    let filler = ((Decimal::ONE, Decimal::ONE), Funding::filler(u.now_ms));
    let row = |symbol: &str, (prices, f): &((Decimal, Decimal), Funding)| {
        premium_row(symbol, *prices, f, u.now_ms)
    };
    envelope(list_rows(listed, &FILTERED_CONTRACTS, filler, row), None)
}

/// One 24 h ticker row. `spot`: BingX's spot encoding (string times).
fn ticker_row(spot: bool, symbol: &str, d: &Day, now: i64) -> Value {
    let Day {
        last,
        bid,
        ask,
        high,
        low,
        volume,
        quote_volume,
    } = *d;
    let (last, bid, ask, high, low) = (
        last.normalize(),
        bid.normalize(),
        ask.normalize(),
        high.normalize(),
        low.normalize(),
    );
    let open = low;
    let change = (last - open).normalize();
    let change_pct = if open.is_zero() {
        Decimal::ZERO
    } else {
        (change / open * Decimal::ONE_HUNDRED)
            .round_dp(2)
            .normalize()
    };
    let common = json!({
        "symbol": symbol,
        "openPrice": text(open),
        "highPrice": text(high),
        "lowPrice": text(low),
        "lastPrice": text(last),
        "volume": dec_text(volume),
        "quoteVolume": dec_text(quote_volume),
        "bidPrice": dec_num(bid),
        "bidQty": 7,
        "askPrice": dec_num(ask),
        "askQty": 12,
    });
    let own = if spot {
        json!({"openTime": text(now - DAY_MS), "closeTime": text(now)})
    } else {
        json!({
            "priceChange": text(change),
            "priceChangePercent": format!("{change_pct}%"),
            "lastQty": "12",
            "openTime": now - DAY_MS,
            "closeTime": now,
        })
    };
    merge(common, own)
}

fn tickers(u: &Universe) -> String {
    let listed = u.perps().map(|m| {
        let day = Day::perp(m, (m.volume_base / Decimal::from(m.multiplier)).round_dp(2));
        (perp_symbol(m), day)
    });
    let row = |symbol: &str, day: &Day| ticker_row(false, symbol, day, u.now_ms);
    envelope(
        list_rows(listed, &FILTERED_CONTRACTS, Day::FILLER, row),
        None,
    )
}

fn spot_tickers(u: &Universe) -> String {
    let row = |symbol: &str, day: &Day| ticker_row(true, symbol, day, u.now_ms);
    let rows = list_rows(spot_days(u, spot_symbol), &FILTERED_SPOTS, Day::FILLER, row);
    envelope(rows, Some(u.now_ms))
}

/// The newest [`HISTORY_LIMIT`] settlements of a perp, newest first, one interval apart (what
/// [`respond`] answers to `symbol=…&limit=3`, for servers without the dynamic responders).
fn funding_history(u: &Universe, m: &SynthMarket, symbol: &str) -> String {
    let step = m.funding_step();
    let times = m.settlements(
        u.now_ms,
        HISTORY_DAYS,
        u.now_ms - i64::from(HISTORY_LIMIT) * step,
        u.now_ms,
    );
    funding_rows(
        m,
        symbol,
        &times,
        usize::try_from(HISTORY_LIMIT).unwrap_or(3),
    )
}

/// The newest `limit` of `times` (ascending) as a `fundingRate` answer, newest first.
fn funding_rows(m: &SynthMarket, symbol: &str, times: &[i64], limit: usize) -> String {
    let rows: Vec<Value> = times
        .iter()
        .rev()
        .take(limit)
        .map(|t| json!({"symbol": symbol, "fundingRate": dec_text(m.historic_rate(*t)), "fundingTime": t}))
        .collect();
    envelope(rows, None)
}

/// A BingX error envelope (HTTP 200, non-zero `code`); spot answers add `debugMsg` and
/// `timestamp`. `msg` holds no quotes.
fn error(code: i64, msg: &str, spot_now: Option<i64>) -> String {
    body(&answer(code, msg, json!({}), spot_now))
}

/// Code of the demo's "invalid parameter" answers on the swap API (the code ccxt records for
/// BingX's parameter validation errors).
pub const SWAP_BAD_PARAM: i64 = 80014;
/// Code of the demo's "invalid parameter" answers on the spot API (BingX documents none for an
/// unknown symbol; the demo's choice).
pub const SPOT_BAD_PARAM: i64 = 100_400;

/// Query parameter `key` as an integer: `Ok(None)` when absent, `Err` (BingX's message) when
/// not a number.
fn int(query: &[(String, String)], key: &str) -> Result<Option<i64>, String> {
    int_param(query, key)
        .map_err(|key| format!("Invalid parameters, err: {key} must be an integer"))
}

/// One page of `GET /openApi/swap/v2/quote/fundingRate`: settlements with time in
/// `[startTime, endTime]` (inclusive; open-ended without them, at most [`HISTORY_DAYS`] back),
/// the newest `limit` (default 100, at most 1000), newest first. BingX documents neither the
/// order nor which rows a window holding more than `limit` returns; the demo answers the newest,
/// newest first.
fn funding_page(u: &Universe, query: &[(String, String)]) -> String {
    let Some(symbol) = param(query, "symbol") else {
        return error(
            SWAP_BAD_PARAM,
            "Invalid parameters, err: symbol is required",
            None,
        );
    };
    let Some(m) = u.perps().find(|m| perp_symbol(m) == symbol) else {
        return error(
            SWAP_BAD_PARAM,
            &format!("Invalid parameters, err: symbol {symbol} does not exist"),
            None,
        );
    };
    let (start, end, limit) = match (
        int(query, "startTime"),
        int(query, "endTime"),
        int(query, "limit"),
    ) {
        (Ok(s), Ok(e), Ok(l)) => (s, e, l),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return error(SWAP_BAD_PARAM, &e, None);
        }
    };
    let limit = usize::try_from(limit.unwrap_or(100).clamp(1, 1000)).unwrap_or(100);
    let times = m.settlements(
        u.now_ms,
        HISTORY_DAYS,
        start.unwrap_or(i64::MIN),
        end.unwrap_or(i64::MAX),
    );
    funding_rows(m, symbol, &times, limit)
}

/// Bars of `m` (per coin) with open times in `[from, to]`, daily bars starting at 00:00 of
/// UTC+`tz_hours`, ascending; the running bar included.
fn bars(
    m: &SynthMarket,
    bar: Bar,
    from: i64,
    to: i64,
    now: i64,
    tz_hours: i64,
) -> Vec<SynthCandle> {
    let offset = tz_hours * HOUR_MS;
    if bar == Bar::Hour || offset.rem_euclid(DAY_MS) == 0 {
        return m.candles(bar, from, to, now);
    }
    m.shifted_days(offset, from, to, now)
}

/// One page of swap `GET /openApi/swap/v3/quote/klines` (`spot` false) or spot
/// `GET /openApi/spot/v2/market/kline` (`spot` true): bars with open time in
/// `[startTime, endTime]`, `interval` `1h` or `1d` (others are refused), `limit` default 500, at
/// most 1440; the running bar included and not flagged. Swap: rows as objects with string
/// decimals (`open`, `close`, `high`, `low`, `volume`, `time`), prices per contract unit
/// (`1000PEPE-USDT`: per 1000 coins), daily bars UTC, the newest `limit` of the window, newest
/// first. Spot: rows as arrays of numbers (`[openTime, open, high, low, close, volume,
/// closeTime, quoteVolume]`), daily bars at 00:00 UTC+8 unless `timeZone=0`, ascending, the
/// first `limit` from `startTime` (the newest without it). Which rows BingX returns when the
/// window holds more than `limit`, and its order, are undocumented: the demo's two endpoints
/// answer differently on purpose.
fn kline_page(u: &Universe, query: &[(String, String)], spot: bool) -> String {
    let now = u.now_ms;
    let (code, envelope_now) = if spot {
        (SPOT_BAD_PARAM, Some(now))
    } else {
        (SWAP_BAD_PARAM, None)
    };
    let fail = |msg: &str| error(code, msg, envelope_now);
    let Some(symbol) = param(query, "symbol") else {
        return fail("Invalid parameters, err: symbol is required");
    };
    let market = if spot {
        u.spots().find(|m| spot_symbol(m) == symbol)
    } else {
        u.perps().find(|m| perp_symbol(m) == symbol)
    };
    let Some(m) = market else {
        return fail(&format!(
            "Invalid parameters, err: symbol {symbol} does not exist"
        ));
    };
    let bar = match param(query, "interval") {
        Some("1h") => Bar::Hour,
        Some("1d") => Bar::Day,
        _ => return fail("Invalid parameters, err: interval is not supported"),
    };
    let (start, end, limit, tz) = match (
        int(query, "startTime"),
        int(query, "endTime"),
        int(query, "limit"),
        int(query, "timeZone"),
    ) {
        (Ok(s), Ok(e), Ok(l), Ok(z)) => (s, e, l, z),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => return fail(&e),
    };
    let limit = usize::try_from(limit.unwrap_or(500).clamp(1, KLINE_LIMIT)).unwrap_or(500);
    let tz = if spot { tz.unwrap_or(8) } else { 0 };
    let all = bars(
        m,
        bar,
        start.unwrap_or(i64::MIN),
        end.unwrap_or(i64::MAX),
        now,
        tz,
    );
    let page = window_page(&all, limit, spot && start.is_some());
    let step = bar.millis();
    let rows: Vec<Value> = if spot {
        page.iter()
            .map(|c| c.kline_array(c.open_ms + step - 1, dec_num))
            .collect()
    } else {
        let per = |x: Decimal| m.contract_price(x);
        let mult = Decimal::from(m.multiplier);
        page.iter()
            .rev()
            .map(|c| {
                json!({
                "open": text(per(c.open)),
                "close": text(per(c.close)),
                "high": text(per(c.high)),
                "low": text(per(c.low)),
                "volume": dec_text((c.volume / mult).round_dp(2)),
                "time": c.open_ms,
                })
            })
            .collect()
    };
    envelope(rows, envelope_now)
}

/// Answers the history endpoints this venue's demo serves (see [`super::server::Dynamic`]):
/// settled funding (`quote/fundingRate`, which also serves the interval fallback's
/// `limit=3` calls) and swap and spot candles; `None` for any other path.
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    if ask.path == FUNDING_HISTORY.path {
        Some(funding_page(universe, ask.query))
    } else if ask.path == KLINES.path {
        Some(kline_page(universe, ask.query, false))
    } else if ask.path == SPOT_KLINE.path {
        Some(kline_page(universe, ask.query, true))
    } else {
        None
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::demo::roundtrip::history::History;
    use crate::demo::roundtrip::{demo_query as q, get_json};
    use crate::model::Venue;

    fn answer(u: &Universe, path: &str, pairs: &[(&str, &str)]) -> serde_json::Value {
        get_json(respond, u, path, pairs)
    }

    fn data(v: &serde_json::Value) -> Vec<serde_json::Value> {
        assert_eq!(v["code"], 0, "{v}");
        v["data"].as_array().cloned().unwrap_or_default()
    }

    /// `GET /openApi/swap/v2/quote/fundingRate` answers like the live endpoint (a row of the
    /// table test in `roundtrip::history`).
    pub(in crate::demo) fn check_funding_history(h: History<'_>) {
        let (now, u, m, step, last) = (h.now, h.u, h.m, h.step, h.last);
        let symbol = perp_symbol(m);
        assert_eq!(respond(u, &Ask::get(TICKER.path, &[])), None);
        assert_eq!(
            respond(u, &Ask::get("/openApi/swap/v2/quote/other", &[])),
            None
        );
        // Neither bound: the newest 100, newest first, rates as strings, times as numbers.
        let latest = data(&answer(u, FUNDING_HISTORY.path, &[("symbol", &symbol)]));
        assert_eq!(latest.len(), 100);
        assert_eq!(latest[0]["fundingTime"], serde_json::json!(last));
        assert_eq!(
            latest[99]["fundingTime"],
            serde_json::json!(last - 99 * step)
        );
        assert!(latest[0]["fundingRate"].is_string());
        assert_eq!(latest[0]["symbol"], serde_json::json!(symbol));
        let rate: Decimal = latest[5]["fundingRate"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .expect("decimal");
        assert_eq!(rate, m.historic_rate(last - 5 * step));
        // Both bounds inclusive; a window holding more than `limit`: its newest `limit`.
        let (s, e) = (
            (last - 10 * step).to_string(),
            (last - 5 * step).to_string(),
        );
        let window = data(&answer(
            u,
            FUNDING_HISTORY.path,
            &[("symbol", &symbol), ("startTime", &s), ("endTime", &e)],
        ));
        assert_eq!(window.len(), 6);
        assert_eq!(window[0]["fundingTime"], serde_json::json!(last - 5 * step));
        let two = data(&answer(
            u,
            FUNDING_HISTORY.path,
            &[
                ("symbol", &symbol),
                ("startTime", &s),
                ("endTime", &e),
                ("limit", "2"),
            ],
        ));
        assert_eq!(two.len(), 2);
        assert_eq!(two[1]["fundingTime"], serde_json::json!(last - 6 * step));
        // At most 1000 rows, at most 120 days back.
        let all = data(&answer(
            u,
            FUNDING_HISTORY.path,
            &[("symbol", &symbol), ("startTime", "0"), ("limit", "5000")],
        ));
        let kept = usize::try_from(120 * 24 / i64::from(m.interval_hours)).expect("small");
        assert_eq!(all.len(), kept.min(1000));
        assert!(
            all.iter()
                .all(|r| r["fundingTime"].as_i64() >= Some(now - 120 * DAY_MS))
        );
        // The interval fallback's `limit=3` call matches the static route.
        let query = q(&[("symbol", &symbol), ("limit", "3")]);
        let three = respond(u, &Ask::get(FUNDING_HISTORY.path, &query));
        assert_eq!(three, Some(funding_history(u, m, &symbol)));
        // Errors as BingX envelopes.
        for query in [
            vec![("symbol", "NOPE-USDT")],
            vec![],
            vec![("symbol", symbol.as_str()), ("startTime", "x")],
        ] {
            let v = answer(u, FUNDING_HISTORY.path, &query);
            assert_eq!(v["code"], SWAP_BAD_PARAM, "{query:?}");
        }
    }

    #[test]
    fn klines_answer_like_the_live_endpoints() {
        let now = 1_760_000_000_000 / DAY_MS * DAY_MS + 5 * HOUR_MS + 17;
        let u = Universe::generate(Venue::Bingx, 40, 40, now);
        let day0 = now / DAY_MS * DAY_MS;
        let pepe = u.perps().find(|m| m.multiplier == 1000).expect("1000x");
        let perp = perp_symbol(pepe);
        // Swap: objects with string decimals, newest first, per 1000 coins, running bar included.
        let rows = data(&answer(
            &u,
            KLINES.path,
            &[
                ("symbol", &perp),
                ("interval", "1d"),
                ("startTime", &(day0 - 2 * DAY_MS).to_string()),
                ("endTime", &now.to_string()),
            ],
        ));
        let want = pepe.candles(Bar::Day, day0 - 2 * DAY_MS, now, now);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0]["time"], serde_json::json!(day0), "newest first");
        assert_eq!(
            rows[0]["close"],
            serde_json::json!(pepe.contract_price(want[2].close).to_string())
        );
        assert!(rows[0]["high"].is_string() && rows[0]["volume"].is_string());
        // Default 500, capped at 1440: the newest of the window.
        let hourly = |extra: &[(&str, &str)]| {
            let mut query = vec![("symbol", perp.as_str()), ("interval", "1h")];
            query.extend_from_slice(extra);
            data(&answer(&u, KLINES.path, &query))
        };
        assert_eq!(hourly(&[]).len(), 500);
        let capped = hourly(&[("limit", "5000"), ("startTime", "0")]);
        assert_eq!(capped.len(), 1440);
        assert_eq!(
            capped[0]["time"],
            serde_json::json!(now / HOUR_MS * HOUR_MS)
        );

        // Spot: arrays of numbers, ascending, first `limit` from startTime; daily bars at
        // 00:00 UTC+8 (16:00 UTC) unless timeZone=0.
        let m = u.spots().find(|m| m.asset == "BTC").expect("BTC");
        let spot = spot_symbol(m);
        let from = (day0 - 3 * DAY_MS).to_string();
        let spot_rows = |extra: &[(&str, &str)]| {
            let mut query = vec![
                ("symbol", spot.as_str()),
                ("interval", "1d"),
                ("startTime", from.as_str()),
            ];
            query.extend_from_slice(extra);
            let v = answer(&u, SPOT_KLINE.path, &query);
            assert!(v["timestamp"].is_number(), "spot envelope");
            data(&v)
        };
        let utc = spot_rows(&[("timeZone", "0")]);
        let want = m.candles(Bar::Day, day0 - 3 * DAY_MS, now, now);
        assert_eq!(utc.len(), 4);
        for (row, c) in utc.iter().zip(&want) {
            assert_eq!(row[0], serde_json::json!(c.open_ms));
            assert_eq!(row[4].to_string(), c.close.normalize().to_string());
            assert_eq!(row[6], serde_json::json!(c.open_ms + DAY_MS - 1));
            assert!(row[2].is_number() && row.as_array().map(Vec::len) == Some(8));
        }
        let hk = spot_rows(&[]);
        assert_eq!(
            hk[0][0],
            serde_json::json!(day0 - 3 * DAY_MS + 16 * HOUR_MS)
        );
        assert!(
            hk.iter()
                .all(|r| { r[0].as_i64().is_some_and(|t| t % DAY_MS == 16 * HOUR_MS) })
        );
        // A UTC+8 day aggregates its 24 hours: 16:00 UTC to 15:59 UTC the next day.
        let h = m.candles(
            Bar::Hour,
            day0 - 3 * DAY_MS + 16 * HOUR_MS,
            day0 - 2 * DAY_MS + 15 * HOUR_MS,
            now,
        );
        assert_eq!(h.len(), 24);
        assert_eq!(hk[0][4].to_string(), h[23].close.normalize().to_string());
        assert_eq!(hk[0][1].to_string(), h[0].open.normalize().to_string());
        let two = spot_rows(&[("timeZone", "0"), ("limit", "2")]);
        assert_eq!(two.len(), 2);
        assert_eq!(
            two[0][0],
            serde_json::json!(day0 - 3 * DAY_MS),
            "first from startTime"
        );

        // Errors: unknown symbols, unsupported intervals, bad numbers.
        for (path, query, code) in [
            (
                KLINES.path,
                vec![("symbol", "NOPE-USDT"), ("interval", "1h")],
                SWAP_BAD_PARAM,
            ),
            (
                KLINES.path,
                vec![("symbol", perp.as_str()), ("interval", "60m")],
                SWAP_BAD_PARAM,
            ),
            (
                SPOT_KLINE.path,
                vec![("symbol", "NOPE-USDT"), ("interval", "1d")],
                SPOT_BAD_PARAM,
            ),
            (
                SPOT_KLINE.path,
                vec![
                    ("symbol", spot.as_str()),
                    ("interval", "1d"),
                    ("endTime", "soon"),
                ],
                SPOT_BAD_PARAM,
            ),
            (SPOT_KLINE.path, vec![("interval", "1d")], SPOT_BAD_PARAM),
        ] {
            let v = answer(&u, path, &query);
            assert_eq!(v["code"], code, "{query:?}");
        }
        // A spot pair is not a swap symbol and vice versa.
        let v = answer(&u, KLINES.path, &[("symbol", "NOPE"), ("interval", "1d")]);
        assert_ne!(v["code"], 0);
    }
}
