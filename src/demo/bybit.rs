//! Bybit v5-format payloads (instruments-info, tickers; linear and spot) for a synthetic universe.
//!
//! Same envelope, field names and string encoding as the live API (every decimal and the ms
//! `nextFundingTime` are strings, `fundingInterval` an integer of minutes, the envelope `time` a
//! number). The linear list also carries entries the adapter must drop: a USDT and a USDC dated
//! future, a pre-market contract and a delivering one; both ticker lists carry an unlisted symbol.
//! The instruments come as one page (`nextPageCursor` `""`), since a [`Route`] cannot tell a first
//! page from a cursor page. The collateral tiers list every coin of the universe, USDT, USDC and
//! one coin the universe does not list, the first tier at the demos' shared
//! [`collateral_haircut`](super::collateral_haircut).

use super::json::{Value, json, tick};
use rust_decimal::Decimal;

use super::{Ask, HISTORY_DAYS, Route, SynthMarket, Universe};
use super::{collateral_coins, quantity_tiers};
use crate::venue::Bar;
use crate::venue::bybit::{
    COLLATERAL as COLLATERAL_ENDPOINT, FUNDING_HISTORY as FUNDING_HISTORY_ENDPOINT,
    INSTRUMENTS_LINEAR, INSTRUMENTS_SPOT, KLINE_LINEAR, TICKERS_LINEAR, TICKERS_SPOT,
};

/// Path of the tickers (the tests' name for it).
#[cfg(test)]
const TICKERS: &str = TICKERS_LINEAR.path;
/// Delivery time of the synthetic dated futures (2026-06-26 08:00 UTC).
const DELIVERY_MS: i64 = 1_782_460_800_000;

/// Routes serving `universe` in Bybit's formats: instruments and tickers, linear and spot.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    let now = universe.now_ms;
    vec![
        Route::at(&INSTRUMENTS_LINEAR, instruments_linear(universe))
            .with_query("category", "linear"),
        Route::at(&INSTRUMENTS_SPOT, instruments_spot(universe)).with_query("category", "spot"),
        Route::at(&TICKERS_LINEAR, tickers_linear(universe)).with_query("category", "linear"),
        Route::at(
            &TICKERS_SPOT,
            envelope("spot", tickers_spot(universe), None, now),
        )
        .with_query("category", "spot"),
        Route::at(&COLLATERAL_ENDPOINT, collateral(universe)),
        Route::at(
            &crate::venue::bybit::tiers::RISK_LIMIT,
            risk_limit(universe),
        )
        .with_query("category", "linear"),
    ]
}

/// The demos' risk-limit tiers of every perp, `(cap USDT, maintenance rate, mmDeduction)`: the
/// first at the built-in 0.4 % (so a demo scan ranks as without tiers), the deduction keeping
/// the maintenance continuous at each floor.
pub const RISK_TIERS: [(i64, &str, &str); 3] = [
    (1_000_000, "0.004", ""),
    (5_000_000, "0.01", "6000"),
    (20_000_000, "0.02", "56000"),
];

/// `GET /v5/market/risk-limit?category=linear`: [`RISK_TIERS`] for every listed linear perp,
/// one page (no `nextPageCursor`), initial rate twice the maintenance rate.
fn risk_limit(u: &Universe) -> String {
    let mut list = Vec::new();
    for m in u.perps() {
        for (id, (cap, mm, deduction)) in RISK_TIERS.iter().enumerate() {
            let mm: Decimal = mm.parse().unwrap_or_default();
            list.push(json!({
                "id": id + 1,
                "symbol": perp_symbol(m),
                "riskLimitValue": cap.to_string(),
                "maintenanceMargin": s(mm),
                "initialMargin": s(mm * Decimal::TWO),
                "isLowestRisk": i32::from(id == 0),
                "maxLeverage": s(Decimal::ONE / (mm * Decimal::TWO)),
                "mmDeduction": deduction,
            }));
        }
    }
    envelope("linear", list, None, u.now_ms)
}

/// `GET /v5/spot-margin-trade/collateral` without `currency` (no `category`): per coin the three
/// tiers by coin quantity of [`quantity_tiers`] (the last with `maxQty` `""`).
fn collateral(u: &Universe) -> String {
    let list: Vec<Value> = collateral_coins(u)
        .into_iter()
        .map(|(coin, price)| {
            let tiers = quantity_tiers(&coin, price).map(|t| {
                json!({
                    "minQty": s(t.min),
                    "maxQty": t.max.map_or_else(String::new, s),
                    "collateralRatio": s(t.ratio)
                })
            });
            json!({"currency": coin, "collateralRatioList": tiers})
        })
        .collect();
    json!({
        "retCode": 0,
        "retMsg": "OK",
        "result": { "list": list },
        "retExtInfo": {},
        "time": u.now_ms,
    })
    .to_string()
}

/// The perp's Bybit symbol (`1000PEPEUSDT`, `BTCPERP` for a USDC perpetual) and the spot
/// pair's (`BTCUSDT`, `ETHUSDC`).
pub use super::{joined_perp_symbol as perp_symbol, joined_spot_symbol as spot_symbol};

fn s(d: Decimal) -> String {
    d.normalize().to_string()
}

fn envelope(category: &str, list: Vec<Value>, cursor: Option<&str>, now: i64) -> String {
    let mut result = json!({ "category": category, "list": list });
    if let (Some(c), Some(obj)) = (cursor, result.as_object_mut()) {
        obj.insert("nextPageCursor".to_owned(), Value::String(c.to_owned()));
    }
    json!({
        "retCode": 0,
        "retMsg": "OK",
        "result": result,
        "retExtInfo": {},
        "time": now,
    })
    .to_string()
}

#[allow(clippy::too_many_arguments)]
fn linear_instrument(
    id: usize,
    symbol: &str,
    contract_type: &str,
    status: &str,
    base: &str,
    quote: &str,
    price: Decimal,
    funding_minutes: u32,
    delivery_ms: i64,
    pre_listing: bool,
) -> Value {
    let tick = tick(price);
    let pre_listing_info = if pre_listing {
        json!({
            "curAuctionPhase": "ContinuousTrading",
            "phases": [
                {"phase": "CallAuction", "startTime": "1760342400000", "endTime": "1760346000000"},
                {"phase": "ContinuousTrading", "startTime": "1760346000000", "endTime": ""}
            ],
            "auctionFeeInfo": {"auctionFeeRate": "0", "takerFeeRate": "0.001", "makerFeeRate": "0.0004"}
        })
    } else {
        Value::Null
    };
    json!({
        "symbol": symbol,
        "symbolId": id,
        "contractType": contract_type,
        "status": status,
        "baseCoin": base,
        "quoteCoin": quote,
        "launchTime": "1585526400000",
        "deliveryTime": delivery_ms.to_string(),
        "deliveryFeeRate": if delivery_ms > 0 { "0.0005" } else { "" },
        "priceScale": tick.scale().to_string(),
        "leverageFilter": {"minLeverage": "1", "maxLeverage": "50.00", "leverageStep": "0.01"},
        "priceFilter": {
            "minPrice": s(tick),
            "maxPrice": s(price * Decimal::from(20)),
            "tickSize": s(tick)
        },
        "lotSizeFilter": {
            "maxOrderQty": "1190000",
            "minOrderQty": "1",
            "qtyStep": "1",
            "postOnlyMaxOrderQty": "1190000",
            "maxMktOrderQty": "500000",
            "minNotionalValue": "5"
        },
        "unifiedMarginTrade": true,
        "fundingInterval": funding_minutes,
        "settleCoin": quote,
        "copyTrading": if contract_type == "LinearPerpetual" { "both" } else { "none" },
        "upperFundingRate": if funding_minutes > 0 { "0.02" } else { "" },
        "lowerFundingRate": if funding_minutes > 0 { "-0.02" } else { "" },
        "isPreListing": pre_listing,
        "preListingInfo": pre_listing_info,
        "riskParameters": {"priceLimitRatioX": "0.05", "priceLimitRatioY": "0.1"},
        "symbolType": ""
    })
}

fn instruments_linear(u: &Universe) -> String {
    let mut list: Vec<Value> = u
        .perps()
        .enumerate()
        .map(|(i, m)| {
            linear_instrument(
                1000 + i,
                &perp_symbol(m),
                "LinearPerpetual",
                "Trading",
                &m.perp_base(),
                &m.quote,
                m.contract_price(m.perp_bid),
                m.interval_hours * 60,
                0,
                false,
            )
        })
        .collect();
    let btc = Decimal::from(97_000);
    list.extend([
        linear_instrument(
            901,
            "BTCUSDT-26JUN26",
            "LinearFutures",
            "Trading",
            "BTC",
            "USDT",
            btc,
            0,
            DELIVERY_MS,
            false,
        ),
        linear_instrument(
            902,
            "BTC-26JUN26",
            "LinearFutures",
            "Trading",
            "BTC",
            "USDC",
            btc,
            0,
            DELIVERY_MS,
            false,
        ),
        linear_instrument(
            903,
            "DEMONEWUSDT",
            "LinearPerpetual",
            "PreLaunch",
            "DEMONEW",
            "USDT",
            Decimal::ONE,
            240,
            0,
            true,
        ),
        linear_instrument(
            904,
            "DEMOOLDUSDT",
            "LinearPerpetual",
            "Delivering",
            "DEMOOLD",
            "USDT",
            Decimal::ONE,
            480,
            u.now_ms + 3_600_000,
            false,
        ),
    ]);
    envelope("linear", list, Some(""), u.now_ms)
}

fn instruments_spot(u: &Universe) -> String {
    let list = u
        .spots()
        .enumerate()
        .map(|(i, m)| {
            json!({
                "symbolId": 5000 + i,
                "symbol": spot_symbol(m),
                "baseCoin": m.asset,
                "quoteCoin": m.quote,
                "innovation": "0",
                "status": "Trading",
                "marginTrading": if i % 3 == 0 { "utaOnly" } else { "none" },
                "stTag": "0",
                "lotSizeFilter": {
                    "basePrecision": "0.000001",
                    "quotePrecision": "0.0000001",
                    "minOrderQty": "0.000011",
                    "maxOrderQty": "83",
                    "minOrderAmt": "5",
                    "maxOrderAmt": "8000000",
                    "maxLimitOrderQty": "83",
                    "maxMarketOrderQty": "41.5",
                    "postOnlyMaxLimitOrderSize": "60000"
                },
                "priceFilter": {"tickSize": s(tick(m.spot_bid))},
                "riskParameters": {"priceLimitRatioX": "0.005", "priceLimitRatioY": "0.01"},
                "symbolType": ""
            })
        })
        .collect();
    // Spot lists carry no nextPageCursor ("Spot does not support pagination").
    envelope("spot", list, None, u.now_ms)
}

/// 24 h change as a fraction, six decimals.
fn pcnt(last: Decimal, prev: Decimal) -> String {
    s((last - prev)
        .checked_div(prev)
        .unwrap_or_default()
        .round_dp(6))
}

fn linear_ticker(m: &SynthMarket) -> Value {
    let mult = Decimal::from(m.multiplier);
    let last = m.contract_price(m.mark);
    let prev = m.contract_price(m.price);
    json!({
        "symbol": perp_symbol(m),
        "lastPrice": s(last),
        "indexPrice": s(m.contract_price(m.index)),
        "markPrice": s(m.contract_price(m.mark)),
        "prevPrice24h": s(prev),
        "price24hPcnt": pcnt(last, prev),
        "highPrice24h": s(m.contract_price(m.high)),
        "lowPrice24h": s(m.contract_price(m.low)),
        "prevPrice1h": s(last),
        "openInterest": s(m.open_interest / mult),
        "openInterestValue": s((m.open_interest * m.mark).round_dp(2)),
        "turnover24h": s(m.volume_quote()),
        "volume24h": s(m.volume_base / mult),
        "fundingRate": s(m.funding_rate),
        "nextFundingTime": m.next_funding_ms.to_string(),
        "predictedDeliveryPrice": "",
        "basisRate": "",
        "deliveryFeeRate": "",
        "deliveryTime": "0",
        "ask1Size": "12.5",
        "bid1Price": s(m.contract_price(m.perp_bid)),
        "ask1Price": s(m.contract_price(m.perp_ask)),
        "bid1Size": "8.1",
        "basis": "",
        "preOpenPrice": "",
        "preQty": "",
        "curPreListingPhase": "",
        "fundingIntervalHour": m.interval_hours.to_string(),
        "basisRateYear": "",
        "fundingCap": "0.02"
    })
}

/// A ticker row of a contract the adapter must drop (dated, pre-market, delivering, unlisted).
fn extra_ticker(
    symbol: &str,
    price: &str,
    funding: &str,
    interval: &str,
    delivery_ms: i64,
) -> Value {
    json!({
        "symbol": symbol,
        "lastPrice": price,
        "indexPrice": price,
        "markPrice": price,
        "prevPrice24h": price,
        "price24hPcnt": "0",
        "highPrice24h": price,
        "lowPrice24h": price,
        "prevPrice1h": price,
        "openInterest": "1000",
        "openInterestValue": "1000",
        "turnover24h": "100000",
        "volume24h": "1000",
        "fundingRate": funding,
        "nextFundingTime": if funding.is_empty() { "0".to_owned() } else { (delivery_ms.max(0) + 3_600_000).to_string() },
        "predictedDeliveryPrice": "",
        "basisRate": if delivery_ms > 0 { "0.0291" } else { "" },
        "deliveryFeeRate": if delivery_ms > 0 { "0.0005" } else { "" },
        "deliveryTime": delivery_ms.to_string(),
        "ask1Size": "1",
        "bid1Price": price,
        "ask1Price": price,
        "bid1Size": "1",
        "basis": "",
        "preOpenPrice": "",
        "preQty": "",
        "curPreListingPhase": "",
        "fundingIntervalHour": interval,
        "basisRateYear": "",
        "fundingCap": ""
    })
}

fn tickers_linear(u: &Universe) -> String {
    let mut list: Vec<Value> = u.perps().map(linear_ticker).collect();
    list.extend([
        extra_ticker("BTCUSDT-26JUN26", "99850.5", "", "", DELIVERY_MS),
        extra_ticker("BTC-26JUN26", "99790", "", "", DELIVERY_MS),
        extra_ticker("DEMONEWUSDT", "0.9", "0.0025", "4", 0),
        extra_ticker("DEMOOLDUSDT", "1.01", "0.003", "8", 0),
        extra_ticker("DEMOXYZUSDT", "3.3", "0.004", "1", 0),
    ]);
    envelope("linear", list, None, u.now_ms)
}

fn tickers_spot(u: &Universe) -> Vec<Value> {
    let mut list: Vec<Value> = u
        .spots()
        .map(|m| {
            let prev = m.low + (m.high - m.low) / Decimal::TWO;
            json!({
                "symbol": spot_symbol(m),
                "bid1Price": s(m.spot_bid),
                "bid1Size": "2",
                "ask1Price": s(m.spot_ask),
                "ask1Size": "1.862172",
                "lastPrice": s(m.price),
                "prevPrice24h": s(prev.round_dp(m.price.scale())),
                "price24hPcnt": pcnt(m.price, prev),
                "highPrice24h": s(m.high),
                "lowPrice24h": s(m.low),
                "turnover24h": s(m.volume_quote()),
                "volume24h": s(m.volume_base),
                "usdIndexPrice": if m.quote == "USDT" { s(m.price) } else { String::new() }
            })
        })
        .collect();
    list.push(json!({
        "symbol": "DEMOXYZUSDT",
        "bid1Price": "3.29",
        "bid1Size": "10",
        "ask1Price": "3.31",
        "ask1Size": "10",
        "lastPrice": "3.3",
        "prevPrice24h": "3.2",
        "price24hPcnt": "0.03125",
        "highPrice24h": "3.4",
        "lowPrice24h": "3.1",
        "turnover24h": "33000",
        "volume24h": "10000",
        "usdIndexPrice": ""
    }));
    list
}

/// Answers the history endpoints this venue's demo serves (see [`super::server::Dynamic`]):
/// settled funding ([`history`]) and linear and spot candles ([`kline`]); `None` for any other
/// path.
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    history(universe, ask.path, ask.query).or_else(|| kline(universe, ask.path, ask.query))
}

/// Path of the settled funding.
const FUNDING_HISTORY: &str = FUNDING_HISTORY_ENDPOINT.path;
/// A Bybit error envelope (HTTP 200, non-zero `retCode`, empty `result`).
fn error(code: i64, msg: &str, now: i64) -> String {
    json!({"retCode": code, "retMsg": msg, "result": {}, "retExtInfo": {}, "time": now}).to_string()
}

/// One page of `GET /v5/market/funding/history` for `path` (below the host prefix) and `query`,
/// as the live API answers it: newest first; the latest `limit` records (default 200, at most 200)
/// with time in `[startTime, endTime]` (inclusive; `endTime` alone means up to it, neither means
/// up to now); `startTime` alone, a missing or unknown `symbol` or a category other than `linear`
/// get a `retCode` 10001 envelope. `None` when `path` is not that endpoint.
#[must_use]
pub fn history(universe: &Universe, path: &str, query: &[(String, String)]) -> Option<String> {
    if path != FUNDING_HISTORY {
        return None;
    }
    let now = universe.now_ms;
    let param = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    if param("category") != Some("linear") {
        return Some(error(10001, "params error: Illegal category", now));
    }
    let Some(symbol) = param("symbol") else {
        return Some(error(10001, "params error: symbol is required", now));
    };
    let Some(m) = perp_by_symbol(universe, symbol) else {
        return Some(error(10001, "params error: Symbol Invalid", now));
    };
    let int = |key: &str| param(key).map(str::parse::<i64>);
    let (start, end, limit) = match (int("startTime"), int("endTime"), int("limit")) {
        (Some(Err(_)), _, _) | (_, Some(Err(_)), _) | (_, _, Some(Err(_))) => {
            return Some(error(10001, "params error: invalid number", now));
        }
        (Some(Ok(_)), None, _) => {
            return Some(error(
                10001,
                "params error: startTime and endTime must be passed together",
                now,
            ));
        }
        (s, e, l) => (
            s.and_then(Result::ok),
            e.and_then(Result::ok),
            l.and_then(Result::ok),
        ),
    };
    let limit = usize::try_from(limit.unwrap_or(200).clamp(1, 200)).unwrap_or(200);
    let times = m.settlements(
        now,
        HISTORY_DAYS,
        start.unwrap_or(i64::MIN),
        end.unwrap_or(i64::MAX),
    );
    let symbol = perp_symbol(m);
    let list: Vec<Value> = times
        .iter()
        .rev()
        .take(limit)
        .map(|t| {
            json!({
                "symbol": symbol,
                "fundingRate": s(m.historic_rate(*t)),
                "fundingRateTimestamp": t.to_string()
            })
        })
        .collect();
    Some(envelope("linear", list, None, now))
}

/// The universe's perp whose Bybit symbol is `symbol`.
fn perp_by_symbol<'u>(u: &'u Universe, symbol: &str) -> Option<&'u SynthMarket> {
    u.perps().find(|m| perp_symbol(m) == symbol)
}

#[cfg(test)]
pub(super) mod history_tests {
    use super::*;
    use crate::demo::DAY_MS;
    use crate::demo::roundtrip::history::History;

    /// `GET /v5/market/funding/history` answers like the live endpoint (a row of the table test
    /// in `roundtrip::history`).
    pub(in crate::demo) fn check_funding_history(h: History<'_>) {
        let (now, u, m, step, last) = (h.now, h.u, h.m, h.step, h.last);
        let symbol = perp_symbol(m);
        assert_eq!(history(u, TICKERS, &[]), None);
        let answer = |pairs: &[(&str, &str)]| h.get(FUNDING_HISTORY, pairs);
        let ok = [
            ("/retCode", json!(0)),
            ("/result/category", json!("linear")),
        ];
        let rows = |query: &[(&str, &str)]| h.rows(FUNDING_HISTORY, query, &ok, "/result/list");
        // Neither bound: the newest 200, newest first, everything as strings.
        let latest = rows(&[("category", "linear"), ("symbol", &symbol)]);
        assert_eq!(latest.len(), 200);
        assert_eq!(latest[0]["fundingRateTimestamp"], json!(last.to_string()));
        assert_eq!(
            latest[199]["fundingRateTimestamp"],
            json!((last - 199 * step).to_string())
        );
        assert!(latest[0]["fundingRate"].is_string());
        // Both bounds inclusive, the newest `limit` of the window.
        let (s, e) = (last - 10 * step, last - 5 * step);
        let (s, e) = (s.to_string(), e.to_string());
        let window = rows(&[
            ("category", "linear"),
            ("symbol", &symbol),
            ("startTime", &s),
            ("endTime", &e),
        ]);
        assert_eq!(window.len(), 6);
        assert_eq!(window[0]["fundingRateTimestamp"], json!(e));
        assert_eq!(window[5]["fundingRateTimestamp"], json!(s));
        let two = rows(&[
            ("category", "linear"),
            ("symbol", &symbol),
            ("startTime", &s),
            ("endTime", &e),
            ("limit", "2"),
        ]);
        assert_eq!(two.len(), 2);
        assert_eq!(two[0]["fundingRateTimestamp"], json!(e));
        // Nothing older than 120 days.
        let old = rows(&[
            ("category", "linear"),
            ("symbol", &symbol),
            ("endTime", &(now - 121 * DAY_MS).to_string()),
        ]);
        assert!(old.is_empty());
        // Errors: startTime alone, unknown symbol, wrong category.
        for query in [
            vec![
                ("category", "linear"),
                ("symbol", symbol.as_str()),
                ("startTime", "1"),
            ],
            vec![("category", "linear"), ("symbol", "NOPEUSDT")],
            vec![("category", "spot"), ("symbol", symbol.as_str())],
            vec![("category", "linear")],
        ] {
            assert_eq!(answer(&query)["retCode"], json!(10001), "{query:?}");
        }
    }
}

/// Path of the candles (both categories).
const KLINE: &str = KLINE_LINEAR.path;

/// One page of `GET /v5/market/kline` for `path` (below the host prefix) and `query`, as the live
/// API answers it: `result.list` of string arrays `[startTime, open, high, low, close, volume,
/// turnover]`, newest first, the running bar first (its close is the current price); the bars
/// from the one containing `start` up to `end` (default now), the newest `limit` of them
/// (default 200, at most 1000; which end Bybit keeps when the range holds more is not
/// documented); 120 days of bars at most. `category` `linear` (default; prices per contract
/// unit, volume in contracts) or `spot`. Intervals `60` and `D`; the other intervals the live
/// API knows get `retCode` 10001 here, since the synthetic price path is hourly, as do a missing
/// `symbol` or `interval`, an unknown symbol or category and a non-numeric number. `None` when
/// `path` is not that endpoint.
#[must_use]
pub fn kline(universe: &Universe, path: &str, query: &[(String, String)]) -> Option<String> {
    if path != KLINE {
        return None;
    }
    let now = universe.now_ms;
    let param = |key: &str| super::param(query, key).filter(|v| !v.is_empty());
    let category = param("category").unwrap_or("linear");
    if !["linear", "inverse", "spot", "option"].contains(&category) {
        return Some(error(10001, "params error: Illegal category", now));
    }
    let Some(symbol) = param("symbol") else {
        return Some(error(10001, "params error: symbol is required", now));
    };
    let Some(interval) = param("interval") else {
        return Some(error(10001, "params error: interval is required", now));
    };
    let mut numbers = [None; 3];
    for (slot, key) in numbers.iter_mut().zip(["start", "end", "limit"]) {
        if let Some(v) = param(key) {
            let Ok(n) = v.parse::<i64>() else {
                return Some(error(10001, "params error: invalid number", now));
            };
            *slot = Some(n);
        }
    }
    let [start, end, limit] = numbers;
    let (m, multiplier) = match category {
        "linear" => match perp_by_symbol(universe, symbol) {
            Some(m) => (m, Decimal::from(m.multiplier)),
            None => return Some(error(10001, "Not supported symbols", now)),
        },
        "spot" => match universe.spots().find(|m| spot_symbol(m) == symbol) {
            Some(m) => (m, Decimal::ONE),
            None => return Some(error(10001, "Not supported symbols", now)),
        },
        _ => return Some(error(10001, "Not supported symbols", now)),
    };
    let bar = match interval {
        "60" => Bar::Hour,
        "D" => Bar::Day,
        _ => return Some(error(10001, "Invalid period", now)),
    };
    let step = bar.millis();
    let limit = usize::try_from(limit.unwrap_or(200).clamp(1, 1000)).unwrap_or(200);
    let from = start.map_or(i64::MIN / 2, |s| s.div_euclid(step) * step);
    let bars = m.candles(bar, from, end.unwrap_or(i64::MAX / 2), now);
    let list: Vec<Value> = bars
        .iter()
        .rev()
        .take(limit)
        .map(|c| {
            let price = |x: Decimal| s(x * multiplier);
            json!([
                c.open_ms.to_string(),
                price(c.open),
                price(c.high),
                price(c.low),
                price(c.close),
                s(c.volume / multiplier),
                s((c.volume * c.close).round_dp(4)),
            ])
        })
        .collect();
    Some(
        json!({
            "retCode": 0,
            "retMsg": "OK",
            "result": {"symbol": symbol, "category": category, "list": list},
            "retExtInfo": {},
            "time": now,
        })
        .to_string(),
    )
}

#[cfg(test)]
mod kline_tests {
    use super::*;
    use crate::demo::roundtrip::get_json;
    use crate::demo::{DAY_MS, HOUR_MS};
    use crate::model::Venue;

    fn answer(u: &Universe, pairs: &[(&str, &str)]) -> Value {
        get_json(respond, u, KLINE, pairs)
    }

    fn rows(u: &Universe, query: &[(&str, &str)]) -> Vec<Value> {
        let v = answer(u, query);
        assert_eq!(v["retCode"], json!(0), "{v}");
        v["result"]["list"].as_array().cloned().unwrap_or_default()
    }

    #[test]
    fn kline_answers_like_the_live_endpoint() {
        let now = 1_760_000_000_000 + 17 * 60_000;
        let u = Universe::generate(Venue::Bybit, 40, 40, now);
        let hour = now / HOUR_MS * HOUR_MS;
        assert_eq!(kline(&u, FUNDING_HISTORY, &[]), None);
        let btc = &u.markets[0];
        let spot = spot_symbol(btc);
        // Default: linear, the newest 200, newest first, the running bar first, all strings.
        let perp = perp_symbol(btc);
        let v = answer(&u, &[("symbol", &perp), ("interval", "60")]);
        assert_eq!(v["result"]["category"], json!("linear"));
        assert_eq!(v["result"]["symbol"], json!(perp));
        assert_eq!(v["time"], json!(now));
        let latest = v["result"]["list"].as_array().cloned().unwrap_or_default();
        assert_eq!(latest.len(), 200);
        assert_eq!(latest[0][0], json!(hour.to_string()));
        assert_eq!(latest[0][4], json!(s(btc.price)));
        assert_eq!(latest[199][0], json!((hour - 199 * HOUR_MS).to_string()));
        assert!(
            latest[0]
                .as_array()
                .is_some_and(|r| r.len() == 7 && r.iter().all(Value::is_string))
        );
        // `start` inside a bar includes that bar; `end` inclusive; the newest `limit` kept.
        let (s_mid, e) = (
            (hour - 10 * HOUR_MS + 60_000).to_string(),
            (hour - 5 * HOUR_MS).to_string(),
        );
        let spot_rows = |interval: &str, extra: &[(&str, &str)]| {
            let mut query = vec![
                ("category", "spot"),
                ("symbol", spot.as_str()),
                ("interval", interval),
            ];
            query.extend_from_slice(extra);
            rows(&u, &query)
        };
        let window = spot_rows("60", &[("start", &s_mid), ("end", &e)]);
        assert_eq!(window.len(), 6);
        assert_eq!(window[0][0], json!(e));
        assert_eq!(window[5][0], json!((hour - 10 * HOUR_MS).to_string()));
        let two = spot_rows("60", &[("start", &s_mid), ("end", &e), ("limit", "2")]);
        assert_eq!((two.len(), &two[0][0]), (2, &json!(e)));
        // At most 1000 a call; daily bars open at 00:00 UTC; 120 days kept.
        let many = spot_rows("60", &[("limit", "5000")]);
        assert_eq!(many.len(), 1000);
        let days = spot_rows("D", &[("limit", "1000")]);
        assert_eq!(days.len(), 121);
        assert!(days.iter().all(|d| {
            d[0].as_str()
                .and_then(|t| t.parse::<i64>().ok())
                .is_some_and(|t| t % DAY_MS == 0)
        }));
        // A 1000x contract is quoted per contract unit.
        let pepe = u
            .perps()
            .find(|m| m.multiplier == 1000)
            .expect("1000x perp");
        let last = rows(
            &u,
            &[
                ("symbol", &perp_symbol(pepe)),
                ("interval", "D"),
                ("limit", "1"),
            ],
        );
        assert_eq!(last[0][4], json!(s(pepe.contract_price(pepe.price))));
        // Errors as Bybit sends them (HTTP 200, retCode 10001); a 1000x symbol is no spot pair.
        let pepe_perp = perp_symbol(pepe);
        for query in [
            vec![("symbol", "NOPEUSDT"), ("interval", "60")],
            vec![
                ("category", "spot"),
                ("symbol", pepe_perp.as_str()),
                ("interval", "60"),
            ],
            vec![
                ("category", "inverse"),
                ("symbol", "BTCUSD"),
                ("interval", "60"),
            ],
            vec![
                ("category", "futures"),
                ("symbol", perp.as_str()),
                ("interval", "60"),
            ],
            vec![("interval", "60")],
            vec![("symbol", perp.as_str())],
            vec![("symbol", perp.as_str()), ("interval", "1h")],
            vec![
                ("symbol", perp.as_str()),
                ("interval", "60"),
                ("start", "x"),
            ],
        ] {
            assert_eq!(answer(&u, &query)["retCode"], json!(10001), "{query:?}");
        }
    }
}
