//! WEEX-format payloads (contract v2 listings, tickers, funding rates and history, candles; spot v2 pairs and candles, v3 tickers) of a synthetic market.
//!
//! Same shapes and encoding as the live APIs: contract v2 answers bare arrays with every decimal
//! a string (`collectCycle` in minutes and the funding times as numbers); spot v2 answers in
//! `{"code":"00000","msg":"success","requestTime":…,"data":…}`; spot v3 tickers as a bare array.
//! Perps are `cmt_btcusdt` with the interval as `delivery` times of day; multiplied ones
//! `cmt_1000pepeusdt` with prices per 1000 coins. The contract list also holds rows the adapter
//! must drop (the universe's USDC-quoted perps, listed as `cmt_…usdc`, and a coin-margined
//! contract), and the spot list a pair with trading disabled; the tickers and funding rates carry
//! rows for them. [`respond`] answers the history endpoints (settled funding, contract and spot
//! candles) for any window, like the live APIs: the newest 100 settlements, and the newest
//! `limit` bars within `startTime`..`endTime`.

use rust_decimal::Decimal;

use super::json::{Value, array, body, dec_text, json, raw, text};
use super::{
    Ask, HISTORY_DAYS, Route, SynthCandle, SynthMarket, Universe, int_param as int, param,
};
use crate::model::Market;
use crate::venue::Bar;
use crate::venue::weex::{
    CANDLE_LIMIT, CANDLES, CONTRACTS, CURRENT_FUND_RATE, HISTORY_FUND_RATE, HISTORY_LIMIT,
    SPOT_CANDLES, SPOT_EXCHANGE_INFO, SPOT_SUFFIX, SPOT_TICKER, TICKERS,
};

/// Contracts the demo lists but the adapter must drop, with why (the universe's USDC-quoted
/// perps, listed as `cmt_…usdc`, are dropped too).
pub const FILTERED_CONTRACTS: [(&str, &str); 1] = [(
    "cmt_demoinvusd",
    "coin-margined (forwardContractFlag false)",
)];
/// Spot pairs the demo lists but the adapter must drop, with why.
pub const FILTERED_SPOTS: [(&str, &str); 1] =
    [("DEMOHALTUSDT_SPBL", "trading disabled (enableTrade false)")];
/// The coin-margined contract of [`FILTERED_CONTRACTS`].
const INVERSE_CONTRACT: &str = FILTERED_CONTRACTS[0].0;
/// The disabled pair of [`FILTERED_SPOTS`].
const DISABLED_SPOT: &str = FILTERED_SPOTS[0].0;
/// The code of the demo's parameter errors (the demo's choice).
pub const PARAM_ERROR: &str = "40020";

/// Routes serving `universe` in WEEX's formats: the reference and snapshot plans on both hosts.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    vec![
        Route::at(&CONTRACTS, contracts(universe)),
        Route::at(&TICKERS, tickers(universe)),
        Route::at(&CURRENT_FUND_RATE, fund_rates(universe)),
        Route::at(&SPOT_EXCHANGE_INFO, exchange_info(universe)),
        Route::at(&SPOT_TICKER, spot_tickers(universe)),
    ]
}

/// The perp's WEEX contract name: `cmt_btcusdt`, `cmt_1000pepeusdt` (`cmt_ethusdc` for a
/// USDC-quoted one, which WEEX's USDT-margined list would not hold).
#[must_use]
pub fn perp_symbol(m: &SynthMarket) -> String {
    format!("cmt_{}{}", m.perp_base(), m.quote).to_ascii_lowercase()
}

/// The spot pair's v2 name (the instrument's symbol): `BTCUSDT_SPBL`.
#[must_use]
pub fn spot_symbol(m: &SynthMarket) -> String {
    format!("{}{}{SPOT_SUFFIX}", m.asset, m.quote)
}

/// The settlement times of day of an `hours` interval: `["00:00:00", "08:00:00", "16:00:00"]`.
fn delivery(hours: u32) -> Value {
    let times: Vec<String> = (0..24 / hours.clamp(1, 24))
        .map(|k| format!("{:02}:00:00", k * hours))
        .collect();
    json!(times)
}

/// A contract list row of the shape WEEX lists.
fn contract_row(symbol: &str, coin: &str, quote: &str, linear: bool, hours: u32) -> Value {
    json!({
        "symbol": symbol,
        "underlying_index": coin,
        "quote_currency": quote,
        "coin": if linear { quote } else { coin },
        "contract_val": "0",
        "listing": null,
        "delivery": delivery(hours),
        "size_increment": "5",
        "tick_size": "1",
        "forwardContractFlag": linear,
        "priceEndStep": 1,
        "minLeverage": 1,
        "maxLeverage": 125,
        "buyLimitPriceRatio": "0.015",
        "sellLimitPriceRatio": "0.015",
        "makerFeeRate": "0.0002",
        "takerFeeRate": "0.0006",
        "minOrderSize": "0.0001",
        "maxOrderSize": "100000",
        "maxPositionSize": "1000000",
    })
}

fn contracts(u: &Universe) -> String {
    let mut rows: Vec<Value> = u
        .perps()
        .map(|m| {
            contract_row(
                &perp_symbol(m),
                &m.perp_base(),
                &m.quote,
                true,
                m.interval_hours,
            )
        })
        .collect();
    rows.push(contract_row(INVERSE_CONTRACT, "DEMOINV", "USD", false, 8));
    array(rows)
}

/// The contract ticker of `m`, prices per contract coin.
fn ticker_row(symbol: &str, m: &SynthMarket, now: i64) -> Value {
    let last = text(m.contract_price(m.mark));
    json!({
        "symbol": symbol,
        "last": last,
        "best_ask": text(m.contract_price(m.perp_ask)),
        "best_bid": text(m.contract_price(m.perp_bid)),
        "high_24h": text(m.contract_price(m.high)),
        "low_24h": text(m.contract_price(m.low)),
        "volume_24h": dec_text(m.volume_quote()),
        "timestamp": text(now),
        "priceChangePercent": "0.000474",
        "base_volume": dec_text(m.volume_base / Decimal::from(m.multiplier)),
        "markPrice": last,
        "indexPrice": text(m.contract_price(m.index)),
    })
}

/// The universe's perps and the inverse contract, each with its symbol.
fn listed(u: &Universe) -> impl Iterator<Item = (String, &SynthMarket)> {
    let inverse = u.perps().next().map(|m| (INVERSE_CONTRACT.to_owned(), m));
    u.perps().map(|m| (perp_symbol(m), m)).chain(inverse)
}

fn tickers(u: &Universe) -> String {
    let rows = listed(u).map(|(symbol, m)| ticker_row(&symbol, m, u.now_ms));
    array(rows.collect())
}

fn fund_rates(u: &Universe) -> String {
    let rows = listed(u).map(|(symbol, m)| {
        json!({
            "baseCurrency": null,
            "symbol": symbol,
            "fundingRate": dec_text(m.funding_rate),
            "collectCycle": m.interval_hours * 60,
            "timestamp": u.now_ms,
        })
    });
    array(rows.collect())
}

/// A spot v2 envelope around `data`.
fn envelope(data: Vec<Value>, now: i64) -> String {
    body(&json!({"code": "00000", "msg": "success", "requestTime": now, "data": data}))
}

/// A spot v2 pair row.
fn pair_row(symbol: &str, base: &str, quote: &str, trading: bool) -> Value {
    json!({
        "symbol": symbol,
        "baseCoin": base,
        "quoteCoin": quote,
        "tickSize": "0.1",
        "stepSize": "0.00000001",
        "minTradeAmount": "0.00001",
        "maxTradeAmount": "999999999",
        "takerFeeRate": "0.001",
        "makerFeeRate": "0.001",
        "enableTrade": trading,
        "enableDisplay": true,
        "displayNew": false,
    })
}

fn exchange_info(u: &Universe) -> String {
    let mut rows: Vec<Value> = u
        .spots()
        .map(|m| pair_row(&spot_symbol(m), &m.asset, &m.quote, true))
        .collect();
    rows.push(pair_row(DISABLED_SPOT, "DEMOHALT", "USDT", false));
    envelope(rows, u.now_ms)
}

/// A spot v3 24 h ticker row (v3 name: no `_SPBL`).
fn spot_ticker_row(symbol: &str, m: &SynthMarket, now: i64) -> Value {
    json!({
        "symbol": symbol.strip_suffix(SPOT_SUFFIX).unwrap_or(symbol),
        "priceChange": dec_text(m.price - m.low),
        "priceChangePercent": "0.0051",
        "lastPrice": text(m.price),
        "bidPrice": text(m.spot_bid),
        "bidQty": "2.480",
        "askPrice": text(m.spot_ask),
        "askQty": "1.375",
        "openPrice": text(m.low),
        "highPrice": text(m.high),
        "lowPrice": text(m.low),
        "volume": dec_text(m.volume_base),
        "quoteVolume": dec_text(m.volume_quote()),
        "openTime": now - super::DAY_MS,
        "closeTime": now,
        "count": 98_642,
    })
}

fn spot_tickers(u: &Universe) -> String {
    let disabled = u.spots().next().map(|m| (DISABLED_SPOT.to_owned(), m));
    let rows = u
        .spots()
        .map(|m| (spot_symbol(m), m))
        .chain(disabled)
        .map(|(symbol, m)| spot_ticker_row(&symbol, m, u.now_ms));
    array(rows.collect())
}

/// An error body of WEEX's envelope.
fn error(code: &str, msg: &str, now: i64) -> String {
    body(&json!({"code": code, "msg": msg, "requestTime": now, "data": null}))
}

/// One answer of `GET /capi/v2/market/getHistoryFundRate`: the newest `limit` (at most 100)
/// settlements of the last [`HISTORY_DAYS`], newest first; rates as strings, times as numbers.
fn funding_history(u: &Universe, query: &[(String, String)]) -> String {
    let Some(m) = param(query, "symbol").and_then(|s| u.perps().find(|m| perp_symbol(m) == s))
    else {
        return error(PARAM_ERROR, "Parameter symbol error", u.now_ms);
    };
    let Ok(Some(limit)) = int(query, "limit") else {
        return error(PARAM_ERROR, "Parameter limit error", u.now_ms);
    };
    let limit = usize::try_from(limit.clamp(1, 100)).unwrap_or(HISTORY_LIMIT);
    let symbol = perp_symbol(m);
    let times = m.settlements(u.now_ms, HISTORY_DAYS, i64::MIN, i64::MAX);
    let rows = times.iter().rev().take(limit).map(|t| {
        json!({
            "symbol": symbol,
            "fundingRate": dec_text(m.historic_rate(*t)),
            "fundingTime": t,
        })
    });
    array(rows.collect())
}

/// The bars of a candle request: `interval_key` `1h` or `1d`, open times in
/// `[startTime, endTime]` (either may be absent), the newest `limit` of them (default 100, at
/// most `max`), newest first. `Err` is the parameter at fault.
fn candle_page<'q>(
    m: &SynthMarket,
    now: i64,
    query: &[(String, String)],
    interval_key: &'q str,
    max: i64,
) -> Result<Vec<SynthCandle>, &'q str> {
    let bar = match param(query, interval_key) {
        Some("1h") => Bar::Hour,
        Some("1d") => Bar::Day,
        _ => return Err(interval_key),
    };
    let (start, end, limit) = (
        int(query, "startTime")?,
        int(query, "endTime")?,
        int(query, "limit")?,
    );
    let limit = usize::try_from(limit.unwrap_or(100).clamp(1, max)).unwrap_or(100);
    let all = m.candles(bar, start.unwrap_or(i64::MIN), end.unwrap_or(i64::MAX), now);
    Ok(all.into_iter().rev().take(limit).collect())
}

/// One answer of contract `GET /capi/v2/market/candles` (a bare array of string rows, prices
/// per contract coin) or spot `GET /api/v2/market/candles` (the v2 name; rows with the open time
/// a number, in the envelope): `[open time, open, high, low, close, base volume, quote volume]`.
fn candles(u: &Universe, query: &[(String, String)], market: Market) -> String {
    let symbol = param(query, "symbol");
    let (found, key, max) = match market {
        Market::Perp => {
            let m = u.perps().find(|m| Some(perp_symbol(m).as_str()) == symbol);
            (m, "granularity", CANDLE_LIMIT)
        }
        Market::Spot => {
            let m = u.spots().find(|m| Some(spot_symbol(m).as_str()) == symbol);
            (m, "period", 1000)
        }
    };
    let Some(m) = found else {
        return error(PARAM_ERROR, "Parameter symbol error", u.now_ms);
    };
    let bars = match candle_page(m, u.now_ms, query, key, max) {
        Ok(bars) => bars,
        Err(key) => return error(PARAM_ERROR, &format!("Parameter {key} error"), u.now_ms),
    };
    let (per, base) = match market {
        Market::Perp => (Decimal::from(m.multiplier), Decimal::from(m.multiplier)),
        Market::Spot => (Decimal::ONE, Decimal::ONE),
    };
    let rows: Vec<Value> = bars
        .iter()
        .map(|c| {
            let time = match market {
                Market::Perp => text(c.open_ms),
                Market::Spot => raw(c.open_ms),
            };
            let prices = [c.open, c.high, c.low, c.close].map(|p| dec_text(p * per));
            let volumes = [c.volume / base, (c.volume * c.close).round_dp(4)].map(dec_text);
            let mut row = vec![time];
            row.extend(prices.into_iter().chain(volumes));
            Value::Array(row)
        })
        .collect();
    match market {
        Market::Perp => array(rows),
        Market::Spot => envelope(rows, u.now_ms),
    }
}

/// Answers the history endpoints this venue's demo serves (see [`super::server::Dynamic`]):
/// settled funding and contract and spot candles; `None` for any other path.
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    match ask.path {
        p if p == HISTORY_FUND_RATE.path => Some(funding_history(universe, ask.query)),
        p if p == CANDLES.path => Some(candles(universe, ask.query, Market::Perp)),
        p if p == SPOT_CANDLES.path => Some(candles(universe, ask.query, Market::Spot)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::roundtrip::get_json;
    use crate::demo::{DAY_MS, HOUR_MS};
    use crate::model::Venue;

    fn answer(u: &Universe, path: &str, pairs: &[(&str, &str)]) -> serde_json::Value {
        get_json(respond, u, path, pairs)
    }

    #[test]
    fn history_answers_like_the_live_endpoints() {
        let now = 1_760_000_000_000 / DAY_MS * DAY_MS + 5 * HOUR_MS + 17;
        let u = Universe::generate(Venue::Weex, 20, 20, now);
        let m = u.perps().next().expect("a perp");
        let symbol = perp_symbol(m);
        let step = m.funding_step();
        // Settled funding: the newest `limit`, capped at 100, newest first.
        let rows = answer(
            &u,
            HISTORY_FUND_RATE.path,
            &[("symbol", &symbol), ("limit", "500")],
        );
        let rows = rows.as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), 100);
        assert_eq!(rows[0]["fundingTime"], now / step * step);
        assert_eq!(rows[1]["fundingTime"], now / step * step - step);
        assert!(rows[0]["fundingRate"].is_string());
        let bad = answer(
            &u,
            HISTORY_FUND_RATE.path,
            &[("symbol", "cmt_nopeusdt"), ("limit", "5")],
        );
        assert_eq!(bad["code"], PARAM_ERROR);
        // Contract candles: strings, newest first, the newest `limit` within the window.
        let day0 = now / DAY_MS * DAY_MS;
        let from = (day0 - 3 * DAY_MS).to_string();
        let rows = answer(
            &u,
            CANDLES.path,
            &[
                ("symbol", &symbol),
                ("granularity", "1d"),
                ("startTime", &from),
                ("limit", "2"),
            ],
        );
        let rows = rows.as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][0], day0.to_string(), "the running bar first");
        assert_eq!(rows[1][0], (day0 - DAY_MS).to_string());
        // Spot candles: in the envelope, the open time a number; unknown intervals refused.
        let spot = spot_symbol(u.spots().next().expect("a pair"));
        let page = answer(
            &u,
            SPOT_CANDLES.path,
            &[("symbol", &spot), ("period", "1h")],
        );
        assert_eq!(page["code"], "00000");
        assert_eq!(page["data"].as_array().map(Vec::len), Some(100));
        assert_eq!(page["data"][0][0], now / HOUR_MS * HOUR_MS);
        let bad = answer(
            &u,
            SPOT_CANDLES.path,
            &[("symbol", &spot), ("period", "60m")],
        );
        assert_eq!(bad["code"], PARAM_ERROR);
        assert_eq!(respond(&u, &Ask::get(TICKERS.path, &[])), None);
    }
}
