//! MEXC-format payloads (contract and spot listings, funding rates, tickers) of a synthetic market.
//!
//! Same shapes and encoding as the live APIs: contract answers in `{"success":true,"code":0,
//! "data":…}` with every decimal a JSON number and sizes in contracts of `contractSize` base
//! units; spot v3 answers as bare Binance-like objects/arrays with decimals as strings.
//! Multiplied markets are listed as `1000PEPE_USDT` with prices per 1000 coins. The contract list
//! also holds entries the adapter must drop (an inverse contract, delivery, paused, offline and
//! hidden ones) and the spot list paused, offline and close-only pairs; the funding rates and
//! tickers carry rows for them. Every perp's `funding_rate/{symbol}` is served as well, for the
//! per-symbol interval fallback; [`respond`] answers the history endpoints (settled funding,
//! contract and spot candles) for any window, paging like the live APIs.

use rust_decimal::Decimal;

use super::json::{Value, array, body, dec_num, dec_text, json, raw, text, tick};
use super::{
    Ask, Day, Funding, HISTORY_DAYS, HOUR_MS, Route, SynthCandle, SynthMarket, Universe, int_param,
    list_rows, param, spot_days, window_page,
};
use crate::venue::Bar;
use crate::venue::mexc::{
    CONTRACT_DETAIL, CONTRACT_KLINE, EXCHANGE_INFO, FUNDING_HISTORY, FUNDING_RATE, FUNDING_RATES,
    SPOT_KLINES, SPOT_TICKER, TICKER,
};

/// Contracts the demo lists but the adapter must drop, with why.
pub const FILTERED_CONTRACTS: [(&str, &str); 5] = [
    ("DEMOINV_USD", "inverse (settled in the base coin)"),
    ("DEMODLV_USDT", "delivery (state 1)"),
    ("DEMOPAUSE_USDT", "paused (state 4)"),
    ("DEMOOFF_USDT", "offline (state 3)"),
    ("DEMOHIDE_USDT", "hidden (isHidden)"),
];

/// Spot pairs the demo lists but the adapter must drop, with why.
pub const FILTERED_SPOTS: [(&str, &str); 3] = [
    ("DEMOHALTUSDT", "paused (status 2)"),
    ("DEMOOFFUSDT", "offline (status 3)"),
    ("DEMOCLOSEUSDT", "close-only (tradeSideType 4)"),
];

/// Routes serving `universe` in MEXC's formats: the reference and snapshot plans on both hosts,
/// plus one `funding_rate/{symbol}` route per perp.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    let mut routes = vec![
        Route::at(&CONTRACT_DETAIL, contract_detail(universe)),
        Route::at(&EXCHANGE_INFO, exchange_info(universe)),
        Route::at(&FUNDING_RATES, funding_rates(universe)),
        Route::at(&TICKER, tickers(universe)),
        Route::at(&SPOT_TICKER, spot_tickers(universe)),
    ];
    for m in universe.perps() {
        let symbol = perp_symbol(m);
        let row = funding_row(&symbol, &Funding::of(m), universe.now_ms);
        routes.push(Route::new(
            FUNDING_RATE.host,
            &format!("{}/{symbol}", FUNDING_RATE.path),
            contract_envelope(row),
        ));
    }
    routes
}

/// The perp's MEXC contract name: `BTC_USDT`, `1000PEPE_USDT`, `ETH_USDC`.
#[must_use]
pub fn perp_symbol(m: &SynthMarket) -> String {
    format!("{}_{}", m.perp_base(), m.quote)
}

/// The spot pair's MEXC symbol: `BTCUSDT`.
pub use super::joined_spot_symbol as spot_symbol;

/// The `contractSize` MEXC would pick: a power of ten of the contract's base units worth 1–1000
/// quote units (0.0001 BTC at 97 000 lists as 0.01 here; 10 × 1000PEPE).
#[must_use]
pub fn contract_size(m: &SynthMarket) -> Decimal {
    super::contract_unit(m.contract_price(m.price))
}

/// Open interest in contracts (`holdVol`), whole contracts.
#[must_use]
pub fn hold_vol(m: &SynthMarket) -> Decimal {
    (m.open_interest / Decimal::from(m.multiplier) / contract_size(m))
        .round_dp(0)
        .normalize()
}

fn contract_envelope(data: Value) -> String {
    body(&json!({"success": true, "code": 0, "data": data}))
}

/// A contract detail row of the shape MEXC lists.
#[allow(clippy::too_many_arguments)]
fn detail_row(
    symbol: &str,
    base: &str,
    quote: &str,
    settle: &str,
    size: Decimal,
    price: Decimal,
    state: i64,
    hidden: bool,
) -> Value {
    json!({
        "symbol": text(symbol),
        "displayName": text(format!("{symbol}永续")),
        "displayNameEn": text(format!("{symbol} PERPETUAL")),
        "positionOpenType": 3,
        "baseCoin": text(base),
        "quoteCoin": text(quote),
        "settleCoin": text(settle),
        "contractSize": dec_num(size),
        "minLeverage": 1,
        "maxLeverage": 200,
        "priceScale": raw(price.normalize().scale()),
        "volScale": 0,
        "amountScale": 4,
        "priceUnit": raw(tick(price)),
        "volUnit": 1,
        "minVol": 1,
        "maxVol": 1_000_000,
        "bidLimitPriceRate": raw("0.1"),
        "askLimitPriceRate": raw("0.1"),
        "takerFeeRate": raw("0.0002"),
        "makerFeeRate": 0,
        "maintenanceMarginRate": raw("0.004"),
        "initialMarginRate": raw("0.005"),
        "riskBaseVol": 100_000,
        "riskIncrVol": 100_000,
        "riskIncrMmr": raw("0.004"),
        "riskIncrImr": raw("0.004"),
        "riskLevelLimit": 5,
        "priceCoefficientVariation": raw("0.1"),
        "indexOrigin": raw(r#"["BINANCE","OKX","BYBIT"]"#),
        "state": state,
        "isNew": false,
        "isHot": false,
        "isHidden": hidden,
        "conceptPlate": [],
        "riskLimitType": text("BY_VOLUME"),
        "maxNumOrders": raw("[200,50]"),
        "marketOrderMaxLevel": 20,
        "marketOrderPriceLimitRate1": raw("0.2"),
        "marketOrderPriceLimitRate2": raw("0.005"),
        "triggerProtect": raw("0.1"),
        "appraisal": 0,
        "showAppraisalCountdown": 0,
        "automaticDelivery": 0,
        "apiAllowed": false,
    })
}

fn contract_detail(u: &Universe) -> String {
    let mut rows: Vec<Value> = u
        .perps()
        .map(|m| {
            detail_row(
                &perp_symbol(m),
                &m.perp_base(),
                &m.quote,
                &m.quote,
                contract_size(m),
                m.contract_price(m.mark),
                0,
                false,
            )
        })
        .collect();
    for (symbol, why) in FILTERED_CONTRACTS {
        let (base, quote) = symbol.split_once('_').unwrap_or((symbol, "USDT"));
        let (settle, state, hidden) = match why.split_whitespace().next() {
            Some("inverse") => (base, 0, false),
            Some("delivery") => (quote, 1, false),
            Some("paused") => (quote, 4, false),
            Some("offline") => (quote, 3, false),
            _ => (quote, 0, true),
        };
        rows.push(detail_row(
            symbol,
            base,
            quote,
            settle,
            Decimal::ONE,
            Decimal::ONE,
            state,
            hidden,
        ));
    }
    contract_envelope(Value::Array(rows))
}

fn funding_row(symbol: &str, f: &Funding, now: i64) -> Value {
    json!({
        "symbol": text(symbol),
        "fundingRate": dec_num(f.rate),
        "maxFundingRate": raw("0.003"),
        "minFundingRate": raw("-0.003"),
        "collectCycle": f.interval_hours,
        "nextSettleTime": f.next_ms,
        "timestamp": now,
    })
}

fn funding_rates(u: &Universe) -> String {
    let listed = u.perps().map(|m| (perp_symbol(m), Funding::of(m)));
    let row = |symbol: &str, f: &Funding| funding_row(symbol, f, u.now_ms);
    let filler = Funding::filler(u.now_ms);
    contract_envelope(Value::Array(list_rows(
        listed,
        &FILTERED_CONTRACTS,
        filler,
        row,
    )))
}

/// One contract ticker row; sizes in contracts.
fn ticker_row(
    symbol: &str,
    d: &Day,
    index: Decimal,
    rate: Decimal,
    hold: Decimal,
    now: i64,
) -> Value {
    let change = (d.last - d.low).normalize();
    let rise = if d.low.is_zero() {
        Decimal::ZERO
    } else {
        (change / d.low).round_dp(4).normalize()
    };
    json!({
        "symbol": symbol,
        "lastPrice": dec_num(d.last),
        "bid1": dec_num(d.bid),
        "ask1": dec_num(d.ask),
        "volume24": dec_num(d.volume),
        "amount24": dec_num(d.quote_volume),
        "holdVol": dec_num(hold),
        "lower24Price": dec_num(d.low),
        "high24Price": dec_num(d.high),
        "riseFallRate": dec_num(rise),
        "riseFallValue": dec_num(change),
        "indexPrice": dec_num(index),
        "fairPrice": dec_num(d.last),
        "fundingRate": dec_num(rate),
        "maxBidPrice": dec_num(d.last * Decimal::new(11, 1)),
        "minAskPrice": dec_num(d.last * Decimal::new(9, 1)),
        "timestamp": now,
    })
}

fn tickers(u: &Universe) -> String {
    let now = u.now_ms;
    let listed = u.perps().map(|m| {
        let per_contract = Decimal::from(m.multiplier) * contract_size(m);
        let day = Day::perp(m, (m.volume_base / per_contract).round_dp(0));
        let (index, rate) = (m.contract_price(m.index), m.funding_rate);
        ticker_row(&perp_symbol(m), &day, index, rate, hold_vol(m), now)
    });
    let one = Decimal::ONE;
    let filtered = FILTERED_CONTRACTS
        .iter()
        .map(|(symbol, _)| ticker_row(symbol, &Day::FILLER, one, Decimal::new(5, 3), one, now));
    contract_envelope(Value::Array(listed.chain(filtered).collect()))
}

fn spot_symbol_row(symbol: &str, base: &str, quote: &str, status: &str, side: &str) -> Value {
    json!({
        "symbol": text(symbol),
        "status": text(status),
        "baseAsset": text(base),
        "baseAssetPrecision": 2,
        "quoteAsset": text(quote),
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "baseCommissionPrecision": 2,
        "quoteCommissionPrecision": 8,
        "orderTypes": raw(r#"["LIMIT","MARKET","LIMIT_MAKER"]"#),
        "isSpotTradingAllowed": true,
        "isMarginTradingAllowed": false,
        "quoteAmountPrecision": text("1"),
        "baseSizePrecision": text("0"),
        "permissions": raw(r#"["SPOT"]"#),
        "filters": [],
        "maxQuoteAmount": text("2000000"),
        "makerCommission": text("0"),
        "takerCommission": text("0.0005"),
        "quoteAmountPrecisionMarket": text("1"),
        "maxQuoteAmountMarket": text("100000"),
        "fullName": text(base),
        "tradeSideType": text(side),
    })
}

fn exchange_info(u: &Universe) -> String {
    let mut rows: Vec<Value> = u
        .spots()
        .map(|m| spot_symbol_row(&spot_symbol(m), &m.asset, &m.quote, "1", "1"))
        .collect();
    for (i, (symbol, _)) in FILTERED_SPOTS.iter().enumerate() {
        let base = symbol.strip_suffix("USDT").unwrap_or(symbol);
        let (status, side) = match i {
            0 => ("2", "1"),
            1 => ("3", "1"),
            _ => ("1", "4"),
        };
        rows.push(spot_symbol_row(symbol, base, "USDT", status, side));
    }
    body(&json!({
        "timezone": "CST",
        "serverTime": u.now_ms,
        "rateLimits": [],
        "exchangeFilters": [],
        "symbols": rows,
    }))
}

fn spot_ticker_row(symbol: &str, d: &Day, now: i64) -> Value {
    let (last, low) = (d.last, d.low);
    let change = (last - low).normalize();
    let pct = if low.is_zero() {
        Decimal::ZERO
    } else {
        (change / low).round_dp(8).normalize()
    };
    json!({
        "symbol": text(symbol),
        "priceChange": text(change),
        "priceChangePercent": text(pct),
        "prevClosePrice": dec_text(low),
        "lastPrice": dec_text(last),
        "bidPrice": dec_text(d.bid),
        "bidQty": text("12.5"),
        "askPrice": dec_text(d.ask),
        "askQty": text("7.25"),
        "openPrice": dec_text(low),
        "highPrice": dec_text(d.high),
        "lowPrice": dec_text(low),
        "volume": dec_text(d.volume),
        "quoteVolume": dec_text(d.quote_volume),
        "openTime": now - 24 * HOUR_MS,
        "closeTime": now,
        "count": raw("null"),
    })
}

fn spot_tickers(u: &Universe) -> String {
    let row = |symbol: &str, day: &Day| spot_ticker_row(symbol, day, u.now_ms);
    array(list_rows(
        spot_days(u, spot_symbol),
        &FILTERED_SPOTS,
        Day::FILLER,
        row,
    ))
}

/// A contract error envelope (`success` false). `message` holds no quotes.
fn contract_error(code: i64, message: &str) -> String {
    body(&json!({"success": false, "code": code, "message": message}))
}

/// A spot error object. `msg` holds no quotes.
fn spot_error(code: i64, msg: &str) -> String {
    body(&json!({"code": code, "msg": msg}))
}

/// Contract code for an unknown contract (documented error table).
pub const CONTRACT_NOT_EXIST: i64 = 1001;
/// Contract code of the demo's parameter errors (the demo's choice).
pub const CONTRACT_BAD_PARAM: i64 = 600;
/// Spot code for an unknown symbol (documented error table: "bad symbol").
pub const SPOT_BAD_SYMBOL: i64 = 10007;
/// Spot code of the demo's parameter errors (Binance's "illegal parameter"; the demo's choice).
pub const SPOT_BAD_PARAM: i64 = -1100;

/// The universe's perp whose contract name is `symbol`.
fn perp_by_symbol<'u>(u: &'u Universe, symbol: &str) -> Option<&'u SynthMarket> {
    u.perps().find(|m| perp_symbol(m) == symbol)
}

/// One page of `GET /api/v1/contract/funding_rate/history`: settlements of the last
/// [`HISTORY_DAYS`] newest first, `page_num` (1-based, default 1) of `page_size` (default 20,
/// at most 1000), rates as JSON numbers, with the page counters.
fn funding_page(u: &Universe, query: &[(String, String)]) -> String {
    let Some(m) = param(query, "symbol").map(|s| perp_by_symbol(u, s)) else {
        return contract_error(CONTRACT_BAD_PARAM, "Parameter error: symbol is required");
    };
    let Some(m) = m else {
        return contract_error(CONTRACT_NOT_EXIST, "Contract does not exist");
    };
    let (num, size) = match (int_param(query, "page_num"), int_param(query, "page_size")) {
        (Ok(n), Ok(s)) => (n.unwrap_or(1).max(1), s.unwrap_or(20).clamp(1, 1000)),
        (Err(k), _) | (_, Err(k)) => {
            return contract_error(CONTRACT_BAD_PARAM, &format!("Parameter error: {k}"));
        }
    };
    let times = m.settlements(u.now_ms, HISTORY_DAYS, i64::MIN, i64::MAX);
    let total = i64::try_from(times.len()).unwrap_or(0);
    let symbol = perp_symbol(m);
    let skip = usize::try_from((num - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let rows: Vec<Value> = times
        .iter()
        .rev()
        .skip(skip)
        .take(usize::try_from(size).unwrap_or(20))
        .map(|t| json!({"symbol": symbol, "fundingRate": dec_num(m.historic_rate(*t)), "settleTime": t}))
        .collect();
    let data = json!({
        "pageSize": size,
        "totalCount": total,
        "totalPage": (total + size - 1) / size,
        "currentPage": num,
        "resultList": rows,
    });
    contract_envelope(data)
}

/// One answer of `GET /api/v1/contract/kline/{symbol}`: `interval` `Min60` or `Day1` (others
/// are refused), `start`/`end` in seconds (open times, inclusive): only `start` → the first
/// 2000 bars from it; only `end` → the last 2000 up to it; neither → the latest 2000; both →
/// the bars in between, the first 2000 when there are more (undocumented; the demo's choice).
/// Columnar JSON numbers, oldest first, times in seconds, prices per contract unit, `vol` in
/// contracts; the running bar included and not flagged. Daily bars are UTC.
fn contract_kline(u: &Universe, symbol: &str, query: &[(String, String)]) -> String {
    let Some(m) = perp_by_symbol(u, symbol) else {
        return contract_error(CONTRACT_NOT_EXIST, "Contract does not exist");
    };
    let bar = match param(query, "interval") {
        Some("Min60") => Bar::Hour,
        Some("Day1") => Bar::Day,
        _ => return contract_error(CONTRACT_BAD_PARAM, "Parameter error: interval"),
    };
    let (start, end) = match (int_param(query, "start"), int_param(query, "end")) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(k), _) | (_, Err(k)) => {
            return contract_error(CONTRACT_BAD_PARAM, &format!("Parameter error: {k}"));
        }
    };
    let from = start.map_or(i64::MIN, |s| s.saturating_mul(1000));
    let to = end.map_or(i64::MAX, |e| e.saturating_mul(1000));
    let all = m.candles(bar, from, to, u.now_ms);
    let page = window_page(&all, 2000, start.is_some());
    let per = |x: Decimal| m.contract_price(x);
    let per_contract = Decimal::from(m.multiplier) * contract_size(m);
    let col = |f: &dyn Fn(&SynthCandle) -> Decimal| -> Vec<Value> {
        page.iter().map(|c| dec_num(f(c))).collect()
    };
    let open = col(&|c| per(c.open));
    let close = col(&|c| per(c.close));
    let high = col(&|c| per(c.high));
    let low = col(&|c| per(c.low));
    let time: Vec<i64> = page.iter().map(|c| c.open_ms / 1000).collect();
    let data = json!({
        "time": time,
        "open": open,
        "close": close,
        "high": high,
        "low": low,
        "vol": col(&|c| (c.volume / per_contract).round_dp(0)),
        "amount": col(&|c| (c.volume * c.close).round_dp(4)),
        "realOpen": open,
        "realClose": close,
        "realHigh": high,
        "realLow": low,
    });
    contract_envelope(data)
}

/// One answer of spot `GET /api/v3/klines`: `interval` `60m` or `1d` (`1h` and others are
/// refused), bars with open time in `[startTime, endTime)`, `limit` default 500, at most 1000:
/// the first `limit` from `startTime`, else the last before `endTime` (or now). A bare array,
/// oldest first, of `[openTime, open, high, low, close, volume, closeTime, quoteVolume]` with
/// string decimals and `closeTime` = open + interval (as the docs' example); daily bars open at
/// 00:00 UTC (MEXC documents no time zone); the running bar included.
fn spot_klines(u: &Universe, query: &[(String, String)]) -> String {
    let Some(symbol) = param(query, "symbol") else {
        return spot_error(SPOT_BAD_PARAM, "Mandatory parameter symbol was not sent");
    };
    let Some(m) = u.spots().find(|m| spot_symbol(m) == symbol) else {
        return spot_error(SPOT_BAD_SYMBOL, "bad symbol");
    };
    let bar = match param(query, "interval") {
        Some("60m") => Bar::Hour,
        Some("1d") => Bar::Day,
        _ => return spot_error(SPOT_BAD_PARAM, "Invalid interval."),
    };
    let (start, end, limit) = match (
        int_param(query, "startTime"),
        int_param(query, "endTime"),
        int_param(query, "limit"),
    ) {
        (Ok(s), Ok(e), Ok(l)) => (s, e, l),
        (Err(k), ..) | (_, Err(k), _) | (.., Err(k)) => {
            return spot_error(SPOT_BAD_PARAM, &format!("Illegal characters found in {k}"));
        }
    };
    let limit = usize::try_from(limit.unwrap_or(500).clamp(1, 1000)).unwrap_or(500);
    let all = m.candles(
        bar,
        start.unwrap_or(i64::MIN),
        end.map_or(i64::MAX, |e| e.saturating_sub(1)),
        u.now_ms,
    );
    let page = window_page(&all, limit, start.is_some());
    let step = bar.millis();
    let rows: Vec<Value> = page
        .iter()
        .map(|c| c.kline_array(c.open_ms + step, dec_text))
        .collect();
    array(rows)
}

/// Answers the history endpoints this venue's demo serves (see [`super::server::Dynamic`]):
/// settled funding (`contract/funding_rate/history`), contract candles
/// (`contract/kline/{symbol}`) and spot candles (`api/v3/klines`); `None` for any other path.
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    if ask.path == FUNDING_HISTORY.path {
        return Some(funding_page(universe, ask.query));
    }
    if ask.path == SPOT_KLINES.path {
        return Some(spot_klines(universe, ask.query));
    }
    let symbol = ask
        .path
        .strip_prefix(CONTRACT_KLINE.path)?
        .strip_prefix('/')
        .filter(|s| !s.is_empty() && !s.contains('/'))?;
    Some(contract_kline(universe, symbol, ask.query))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::demo::roundtrip::get_json;
    use crate::demo::roundtrip::history::History;
    use crate::model::Venue;

    #[test]
    fn contract_sizes_are_powers_of_ten_worth_one_to_a_thousand() {
        let u = Universe::generate(Venue::Mexc, 60, 10, 1_760_000_000_000);
        for m in u.perps() {
            let notional = m.contract_price(m.price) * contract_size(m);
            assert!(
                notional >= Decimal::ONE && notional <= Decimal::ONE_THOUSAND,
                "{} {notional}",
                perp_symbol(m)
            );
        }
        let btc = u.perps().next().expect("BTC first");
        assert_eq!(contract_size(btc), Decimal::new(1, 2));
    }

    fn answer(u: &Universe, path: &str, pairs: &[(&str, &str)]) -> serde_json::Value {
        get_json(respond, u, path, pairs)
    }

    const DAY: i64 = 24 * HOUR_MS;

    /// `GET /api/v1/contract/funding_rate/history` answers like the live endpoint (a row of the
    /// table test in `roundtrip::history`).
    pub(in crate::demo) fn check_funding_history(h: History<'_>) {
        let (now, u, m, step, last) = (h.now, h.u, h.m, h.step, h.last);
        let symbol = perp_symbol(m);
        assert_eq!(respond(u, &Ask::get(TICKER.path, &[])), None);
        assert_eq!(respond(u, &Ask::get("/api/v1/contract/kline", &[])), None);
        assert_eq!(respond(u, &Ask::get("/api/v1/contract/kline/", &[])), None);
        // Defaults: page 1 of 20, newest first, rates as numbers, with the page counters.
        let v = answer(u, FUNDING_HISTORY.path, &[("symbol", &symbol)]);
        assert_eq!(
            (v["success"].clone(), v["code"].clone()),
            (true.into(), 0.into())
        );
        let total = i64::try_from(m.settlements(now, HISTORY_DAYS, i64::MIN, i64::MAX).len())
            .expect("small");
        assert_eq!(total, 120 * 24 / i64::from(m.interval_hours));
        assert_eq!(v["data"]["pageSize"], 20);
        assert_eq!(v["data"]["currentPage"], 1);
        assert_eq!(v["data"]["totalCount"], total);
        assert_eq!(v["data"]["totalPage"], (total + 19) / 20);
        let rows = v["data"]["resultList"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(rows.len(), 20);
        assert_eq!(rows[0]["settleTime"], last);
        assert_eq!(rows[19]["settleTime"], last - 19 * step);
        assert!(rows[0]["fundingRate"].is_number());
        assert_eq!(
            rows[3]["fundingRate"].to_string(),
            m.historic_rate(last - 3 * step).normalize().to_string()
        );
        // page_num / page_size (capped at 1000); past the end, an empty list.
        let page = |num: &str, size: &str| {
            let v = answer(
                u,
                FUNDING_HISTORY.path,
                &[("symbol", &symbol), ("page_num", num), ("page_size", size)],
            );
            v["data"]["resultList"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        };
        let third = page("3", "7");
        assert_eq!(third.len(), 7);
        assert_eq!(third[0]["settleTime"], last - 14 * step);
        assert_eq!(
            page("1", "5000").len(),
            usize::try_from(total.min(1000)).expect("small")
        );
        assert!(page("999", "1000").is_empty());
        // Errors as contract envelopes.
        let v = answer(u, FUNDING_HISTORY.path, &[("symbol", "NOPE_USDT")]);
        assert_eq!(
            (v["success"].clone(), v["code"].clone()),
            (false.into(), CONTRACT_NOT_EXIST.into())
        );
        let v = answer(u, FUNDING_HISTORY.path, &[]);
        assert_eq!(v["code"], CONTRACT_BAD_PARAM);
        let v = answer(
            u,
            FUNDING_HISTORY.path,
            &[("symbol", &symbol), ("page_num", "x")],
        );
        assert_eq!(v["code"], CONTRACT_BAD_PARAM);
        assert!(v["data"].is_null());
    }

    #[test]
    fn klines_answer_like_the_live_endpoints() {
        let now = 1_760_000_000_000 / DAY * DAY + 5 * HOUR_MS + 17;
        let u = Universe::generate(Venue::Mexc, 40, 40, now);
        let day0 = now / DAY * DAY;
        let hour0 = now / HOUR_MS * HOUR_MS;
        let pepe = u.perps().find(|m| m.multiplier == 1000).expect("1000x");
        let path = format!("{}/{}", CONTRACT_KLINE.path, perp_symbol(pepe));
        // Contract: columnar numbers, seconds, oldest first, per 1000 coins, running bar included.
        let start = ((day0 - 2 * DAY) / 1000).to_string();
        let v = answer(&u, &path, &[("interval", "Day1"), ("start", &start)]);
        assert_eq!(v["success"], true);
        let data = &v["data"];
        let want = pepe.candles(Bar::Day, day0 - 2 * DAY, now, now);
        assert_eq!(data["time"].as_array().map(Vec::len), Some(3));
        assert_eq!(data["time"][0], (day0 - 2 * DAY) / 1000);
        assert_eq!(data["time"][2], day0 / 1000);
        assert_eq!(
            data["close"][2].to_string(),
            pepe.contract_price(want[2].close).to_string()
        );
        for col in ["open", "high", "low", "vol", "amount", "realClose"] {
            assert_eq!(data[col].as_array().map(Vec::len), Some(3), "{col}");
            assert!(data[col][0].is_number(), "{col}");
        }
        // No bounds: the latest 2000; only `end`: the 2000 up to it; both: the first 2000.
        let latest = answer(&u, &path, &[("interval", "Min60")]);
        let times = latest["data"]["time"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(times.len(), 2000);
        assert_eq!(times[1999], hour0 / 1000);
        let end = ((hour0 - 10 * HOUR_MS) / 1000).to_string();
        let before = answer(&u, &path, &[("interval", "Min60"), ("end", &end)]);
        assert_eq!(before["data"]["time"][1999], (hour0 - 10 * HOUR_MS) / 1000);
        let from = ((hour0 - 2500 * HOUR_MS) / 1000).to_string();
        let both = answer(
            &u,
            &path,
            &[
                ("interval", "Min60"),
                ("start", &from),
                ("end", &(now / 1000).to_string()),
            ],
        );
        assert_eq!(both["data"]["time"].as_array().map(Vec::len), Some(2000));
        assert_eq!(both["data"]["time"][0], (hour0 - 2500 * HOUR_MS) / 1000);

        // Spot: arrays with string decimals, 60m not 1h, endTime exclusive, limit ≤ 1000.
        let m = u.spots().find(|m| m.asset == "BTC").expect("BTC");
        let sym = spot_symbol(m);
        let spot = |extra: &[(&str, &str)]| {
            let mut query = vec![("symbol", sym.as_str())];
            query.extend_from_slice(extra);
            answer(&u, SPOT_KLINES.path, &query)
        };
        let from = (day0 - 3 * DAY).to_string();
        let rows = spot(&[("interval", "1d"), ("startTime", &from)]);
        let rows = rows.as_array().cloned().unwrap_or_default();
        let want = m.candles(Bar::Day, day0 - 3 * DAY, now, now);
        assert_eq!(rows.len(), 4);
        for (row, c) in rows.iter().zip(&want) {
            assert_eq!(row[0], c.open_ms);
            assert_eq!(row[4], c.close.normalize().to_string());
            assert_eq!(row[6], c.open_ms + DAY, "closeTime = open + interval");
            assert!(row[2].is_string() && row.as_array().map(Vec::len) == Some(8));
        }
        let exclusive = spot(&[
            ("interval", "1d"),
            ("startTime", &from),
            ("endTime", &day0.to_string()),
        ]);
        assert_eq!(
            exclusive.as_array().map(Vec::len),
            Some(3),
            "endTime exclusive"
        );
        let capped = spot(&[("interval", "60m"), ("startTime", "0"), ("limit", "5000")]);
        assert_eq!(capped.as_array().map(Vec::len), Some(1000));
        let latest = spot(&[("interval", "60m")]);
        let latest = latest.as_array().cloned().unwrap_or_default();
        assert_eq!(latest.len(), 500);
        assert_eq!(latest[499][0], hour0);
        // Errors: 1h is no MEXC interval, unknown symbols, bad numbers.
        assert_eq!(spot(&[("interval", "1h")])["code"], SPOT_BAD_PARAM);
        assert_eq!(
            spot(&[("interval", "1d"), ("limit", "x")])["code"],
            SPOT_BAD_PARAM
        );
        let v = answer(
            &u,
            SPOT_KLINES.path,
            &[("symbol", "NOPEUSDT"), ("interval", "1d")],
        );
        assert_eq!(v["code"], SPOT_BAD_SYMBOL);
        let v = answer(&u, &path, &[("interval", "Min1")]);
        assert_eq!(v["code"], CONTRACT_BAD_PARAM);
        let v = answer(
            &u,
            "/api/v1/contract/kline/NOPE_USDT",
            &[("interval", "Day1")],
        );
        assert_eq!(
            (v["success"].clone(), v["code"].clone()),
            (false.into(), CONTRACT_NOT_EXIST.into())
        );
    }
}
