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

use super::mexc::{Obj, array, int};
use super::{HISTORY_DAYS, Route, SynthCandle, SynthMarket, Universe, param};
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

fn n(d: Decimal) -> Decimal {
    d.normalize()
}

/// The settlement times of day of an `hours` interval: `["00:00:00", "08:00:00", "16:00:00"]`.
fn delivery(hours: u32) -> String {
    let times: Vec<String> = (0..24 / hours.clamp(1, 24))
        .map(|k| format!("\"{:02}:00:00\"", k * hours))
        .collect();
    array(&times)
}

/// A contract list row of the shape WEEX lists.
fn contract_row(symbol: &str, coin: &str, quote: &str, linear: bool, hours: u32) -> String {
    Obj::new()
        .s("symbol", symbol)
        .s("underlying_index", coin)
        .s("quote_currency", quote)
        .s("coin", if linear { quote } else { coin })
        .s("contract_val", "0")
        .n("listing", "null")
        .n("delivery", delivery(hours))
        .s("size_increment", "5")
        .s("tick_size", "1")
        .n("forwardContractFlag", linear)
        .n("priceEndStep", 1)
        .n("minLeverage", 1)
        .n("maxLeverage", 125)
        .s("buyLimitPriceRatio", "0.015")
        .s("sellLimitPriceRatio", "0.015")
        .s("makerFeeRate", "0.0002")
        .s("takerFeeRate", "0.0006")
        .s("minOrderSize", "0.0001")
        .s("maxOrderSize", "100000")
        .s("maxPositionSize", "1000000")
        .end()
}

fn contracts(u: &Universe) -> String {
    let mut rows: Vec<String> = u
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
    array(&rows)
}

/// The contract ticker of `m`, prices per contract coin.
fn ticker_row(symbol: &str, m: &SynthMarket, now: i64) -> String {
    let last = m.contract_price(m.mark);
    Obj::new()
        .s("symbol", symbol)
        .s("last", last)
        .s("best_ask", m.contract_price(m.perp_ask))
        .s("best_bid", m.contract_price(m.perp_bid))
        .s("high_24h", m.contract_price(m.high))
        .s("low_24h", m.contract_price(m.low))
        .s("volume_24h", n(m.volume_quote()))
        .s("timestamp", now)
        .s("priceChangePercent", "0.000474")
        .s(
            "base_volume",
            n(m.volume_base / Decimal::from(m.multiplier)),
        )
        .s("markPrice", last)
        .s("indexPrice", m.contract_price(m.index))
        .end()
}

/// The universe's perps and the inverse contract, each with its symbol.
fn listed(u: &Universe) -> impl Iterator<Item = (String, &SynthMarket)> {
    let inverse = u.perps().next().map(|m| (INVERSE_CONTRACT.to_owned(), m));
    u.perps().map(|m| (perp_symbol(m), m)).chain(inverse)
}

fn tickers(u: &Universe) -> String {
    let rows: Vec<String> = listed(u)
        .map(|(symbol, m)| ticker_row(&symbol, m, u.now_ms))
        .collect();
    array(&rows)
}

fn fund_rates(u: &Universe) -> String {
    let rows: Vec<String> = listed(u)
        .map(|(symbol, m)| {
            Obj::new()
                .n("baseCurrency", "null")
                .s("symbol", symbol)
                .s("fundingRate", n(m.funding_rate))
                .n("collectCycle", m.interval_hours * 60)
                .n("timestamp", u.now_ms)
                .end()
        })
        .collect();
    array(&rows)
}

/// A spot v2 envelope around `data`.
fn envelope(data: &str, now: i64) -> String {
    format!(r#"{{"code":"00000","msg":"success","requestTime":{now},"data":{data}}}"#)
}

/// A spot v2 pair row.
fn pair_row(symbol: &str, base: &str, quote: &str, trading: bool) -> String {
    Obj::new()
        .s("symbol", symbol)
        .s("baseCoin", base)
        .s("quoteCoin", quote)
        .s("tickSize", "0.1")
        .s("stepSize", "0.00000001")
        .s("minTradeAmount", "0.00001")
        .s("maxTradeAmount", "999999999")
        .s("takerFeeRate", "0.001")
        .s("makerFeeRate", "0.001")
        .n("enableTrade", trading)
        .n("enableDisplay", true)
        .n("displayNew", false)
        .end()
}

fn exchange_info(u: &Universe) -> String {
    let mut rows: Vec<String> = u
        .spots()
        .map(|m| pair_row(&spot_symbol(m), &m.asset, &m.quote, true))
        .collect();
    rows.push(pair_row(DISABLED_SPOT, "DEMOHALT", "USDT", false));
    envelope(&array(&rows), u.now_ms)
}

/// A spot v3 24 h ticker row (v3 name: no `_SPBL`).
fn spot_ticker_row(symbol: &str, m: &SynthMarket, now: i64) -> String {
    Obj::new()
        .s("symbol", symbol.strip_suffix(SPOT_SUFFIX).unwrap_or(symbol))
        .s("priceChange", n(m.price - m.low))
        .s("priceChangePercent", "0.0051")
        .s("lastPrice", m.price)
        .s("bidPrice", m.spot_bid)
        .s("bidQty", "2.480")
        .s("askPrice", m.spot_ask)
        .s("askQty", "1.375")
        .s("openPrice", m.low)
        .s("highPrice", m.high)
        .s("lowPrice", m.low)
        .s("volume", n(m.volume_base))
        .s("quoteVolume", n(m.volume_quote()))
        .n("openTime", now - super::DAY_MS)
        .n("closeTime", now)
        .n("count", 98_642)
        .end()
}

fn spot_tickers(u: &Universe) -> String {
    let disabled = u.spots().next().map(|m| (DISABLED_SPOT.to_owned(), m));
    let rows: Vec<String> = u
        .spots()
        .map(|m| (spot_symbol(m), m))
        .chain(disabled)
        .map(|(symbol, m)| spot_ticker_row(&symbol, m, u.now_ms))
        .collect();
    array(&rows)
}

/// An error body of WEEX's envelope. `msg` holds no quotes.
fn error(code: &str, msg: &str, now: i64) -> String {
    Obj::new()
        .s("code", code)
        .s("msg", msg)
        .n("requestTime", now)
        .n("data", "null")
        .end()
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
    let rows: Vec<String> = times
        .iter()
        .rev()
        .take(limit)
        .map(|t| {
            Obj::new()
                .s("symbol", &symbol)
                .s("fundingRate", n(m.historic_rate(*t)))
                .n("fundingTime", t)
                .end()
        })
        .collect();
    array(&rows)
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
    let rows: Vec<String> = bars
        .iter()
        .map(|c| {
            let time = match market {
                Market::Perp => format!("\"{}\"", c.open_ms),
                Market::Spot => c.open_ms.to_string(),
            };
            let prices = [c.open, c.high, c.low, c.close].map(|p| format!("\"{}\"", n(p * per)));
            let volumes = [c.volume / base, (c.volume * c.close).round_dp(4)];
            let volumes = volumes.map(|v| format!("\"{}\"", n(v)));
            format!("[{time},{},{}]", prices.join(","), volumes.join(","))
        })
        .collect();
    match market {
        Market::Perp => array(&rows),
        Market::Spot => envelope(&array(&rows), u.now_ms),
    }
}

/// Answers the history endpoints this venue's demo serves (see [`super::server::Dynamic`]):
/// settled funding and contract and spot candles; `None` for any other path.
#[must_use]
pub fn respond(
    universe: &Universe,
    path: &str,
    query: &[(String, String)],
    _body: &str,
) -> Option<String> {
    match path {
        p if p == HISTORY_FUND_RATE.path => Some(funding_history(universe, query)),
        p if p == CANDLES.path => Some(candles(universe, query, Market::Perp)),
        p if p == SPOT_CANDLES.path => Some(candles(universe, query, Market::Spot)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::roundtrip::demo_query as q;
    use crate::demo::{DAY_MS, HOUR_MS};
    use crate::model::Venue;

    fn answer(u: &Universe, path: &str, query: &[(&str, &str)]) -> serde_json::Value {
        let body = respond(u, path, &q(query), "").expect("a history path");
        serde_json::from_str(&body).expect("json")
    }

    #[test]
    fn renders_two_thousand_markets_as_valid_json_in_the_real_encoding() {
        let u = Universe::generate(Venue::Weex, 2000, 1500, 1_760_000_000_000);
        let routes = routes(&u);
        let v: Vec<serde_json::Value> = routes
            .iter()
            .map(|r| serde_json::from_str(&r.body).expect("valid JSON"))
            .collect();
        assert_eq!(v[0].as_array().map(Vec::len), Some(2000 + 1));
        assert_eq!(v[0][0]["symbol"], "cmt_btcusdt");
        assert_eq!(
            v[0][0]["delivery"],
            serde_json::json!(["00:00:00", "08:00:00", "16:00:00"])
        );
        assert!(v[1][0]["best_bid"].is_string() && v[1][0]["timestamp"].is_string());
        assert!(v[2][0]["collectCycle"].is_number() && v[2][0]["fundingRate"].is_string());
        assert_eq!(v[3]["code"], "00000");
        assert_eq!(v[3]["data"].as_array().map(Vec::len), Some(1500 + 1));
        assert_eq!(v[4][0]["symbol"], "BTCUSDT");
        assert!(v[4][0]["closeTime"].is_number());
        let pepe = u.perps().find(|m| m.multiplier == 1000).expect("1000x");
        assert!(
            v[0].to_string()
                .contains(&format!("\"{}\"", perp_symbol(pepe)))
        );
        assert!(perp_symbol(pepe).starts_with("cmt_1000"));
    }

    #[test]
    fn history_answers_like_the_live_endpoints() {
        let now = 1_760_000_000_000 / DAY_MS * DAY_MS + 5 * HOUR_MS + 17;
        let u = Universe::generate(Venue::Weex, 20, 20, now);
        let m = u.perps().next().expect("a perp");
        let symbol = perp_symbol(m);
        let step = i64::from(m.interval_hours) * HOUR_MS;
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
        assert_eq!(respond(&u, TICKERS.path, &[], ""), None);
    }
}
