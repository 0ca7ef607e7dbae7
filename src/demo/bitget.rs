//! Bitget v2 payloads (mix contracts, tickers, funding rates; spot symbols and tickers) for a synthetic universe.
//!
//! Same envelope, field names and all-strings encoding as the live API (`requestTime` is a
//! number, delivery fields of perpetuals are `null`). USDT perps are listed under
//! `productType=USDT-FUTURES` as `BTCUSDT`, USDC perps under `USDC-FUTURES` as `BTCPERP`;
//! multiplied markets use a `1000PEPE` base with prices per 1000 coins and sizes in those units.
//! The lists also hold rows the adapter must filter out ([`FILTERED_CONTRACTS`],
//! [`FILTERED_SPOTS`]), and the tickers and funding payloads carry rows for them too.
//! [`respond`] answers the history endpoints (settled funding, mix and spot candles).
//! The v3 collateral discount tiers list every coin of the universe (assets and quotes) and
//! [`super::UNLISTED_COLLATERAL`], three tiers each, the first at [`collateral_haircut`].

use super::json::{Value, json};
use rust_decimal::Decimal;

use super::{
    Ask, DAY_MS, Day, Funding, HISTORY_DAYS, HOUR_MS, Route, SynthCandle, SynthMarket, Universe,
    collateral_coins, collateral_haircut, list_rows, param, spot_days,
};
use crate::venue::Bar;
use crate::venue::bitget::{
    CANDLES, DISCOUNT_RATE, HISTORY_FUND_RATE, PRODUCTS, Product, SPOT_CANDLES, SPOT_SYMBOLS,
    SPOT_TICKERS,
};

/// Path of the settled funding.
const HISTORY_FUND_RATE_PATH: &str = HISTORY_FUND_RATE.path;
/// Path of the mix candles.
const CANDLES_PATH: &str = CANDLES.path;
/// Path of the spot candles.
const SPOT_CANDLES_PATH: &str = SPOT_CANDLES.path;
/// Paths the tests name.
#[cfg(test)]
const DISCOUNT_RATE_PATH: &str = DISCOUNT_RATE.path;
#[cfg(test)]
const TICKERS_PATH: &str = crate::venue::bitget::TICKERS_USDT.path;

/// Futures symbols the demo lists but the adapter must drop, with why (`symbolType` or
/// `symbolStatus`). The `PERP` one is in the USDC-FUTURES list, the others in USDT-FUTURES.
pub const FILTERED_CONTRACTS: [(&str, &str); 6] = [
    ("BTCUSDT_260327", "delivery"),
    ("DEMOPREUSDT", "listed"),
    ("DEMOHALTUSDT", "maintain"),
    ("DEMOLIMUSDT", "limit_open"),
    ("DEMOOFFUSDT", "off"),
    ("DEMOPREPERP", "listed"),
];

/// Spot pairs the demo lists but the adapter must drop (`status` not online).
pub const FILTERED_SPOTS: [(&str, &str); 3] = [
    ("DEMOHALTUSDT", "halt"),
    ("DEMOPREUSDT", "gray"),
    ("DEMOOFFUSDT", "offline"),
];

/// Routes serving `universe` in Bitget's formats: every request of the reference plan and of the
/// full snapshot plan.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    let mut routes = Vec::new();
    for product in &PRODUCTS {
        let pt = product.product_type;
        routes.push(
            Route::at(&product.contracts, contracts(universe, product))
                .with_query("productType", pt),
        );
        routes.push(
            Route::at(&product.tickers, mix_tickers(universe, product))
                .with_query("productType", pt),
        );
        routes.push(
            Route::at(&product.fund_rate, fund_rates(universe, product))
                .with_query("productType", pt),
        );
    }
    routes.push(Route::at(&SPOT_SYMBOLS, spot_symbols(universe)));
    routes.push(Route::at(&SPOT_TICKERS, spot_tickers(universe)));
    routes.push(Route::at(&DISCOUNT_RATE, discount_rates(universe)));
    routes
}

/// `GET /api/v3/market/discount-rate`: per coin, tiers by USD value from 0, 200 000 and
/// 1 000 000, the ratio falling 0.05 and then 0.2 below the first tier's.
fn discount_rates(u: &Universe) -> String {
    let data: Vec<Value> = collateral_coins(u)
        .iter()
        .map(|(coin, _)| {
            let k = collateral_haircut(coin);
            let tiers: Vec<Value> = [(0, Decimal::ZERO), (200_000, Decimal::new(5, 2)), (1_000_000, Decimal::new(2, 1))]
                .iter()
                .map(|(start, cut)| {
                    json!({"tierStartValue": start.to_string(), "discountRate": s(k - cut)})
                })
                .collect();
            json!({"coin": coin, "list": tiers})
        })
        .collect();
    envelope(u.now_ms, data)
}

/// The futures symbol of a universe market (`1000PEPEUSDT`, `BTCPERP` for a USDC perp) and its
/// spot symbol (`BTCUSDT`).
pub use super::{joined_perp_symbol as perp_symbol, joined_spot_symbol as spot_symbol};

fn envelope(now_ms: i64, data: Vec<Value>) -> String {
    json!({"code": "00000", "msg": "success", "requestTime": now_ms, "data": data}).to_string()
}

fn s(d: Decimal) -> String {
    d.normalize().to_string()
}

fn perps_of<'u>(u: &'u Universe, product: &Product) -> impl Iterator<Item = &'u SynthMarket> {
    let quote = product.quote;
    u.perps().filter(move |m| m.quote == quote)
}

/// Filtered futures rows of `product`: (symbol, base, symbolType, symbolStatus).
fn filtered_of(
    product: &Product,
) -> impl Iterator<Item = (&'static str, &'static str, &str, &str)> {
    let quote = product.quote;
    FILTERED_CONTRACTS.iter().filter_map(move |(symbol, why)| {
        let usdc = symbol.ends_with("PERP");
        if usdc != (quote == "USDC") {
            return None;
        }
        let base = symbol
            .strip_suffix("PERP")
            .or_else(|| symbol.split(quote).next())
            .unwrap_or(symbol);
        let (kind, status) = match *why {
            "delivery" => ("delivery", "normal"),
            status => ("perpetual", status),
        };
        Some((*symbol, base, kind, status))
    })
}

#[allow(clippy::too_many_arguments)]
fn contract_row(
    symbol: &str,
    base: &str,
    quote: &str,
    kind: &str,
    status: &str,
    interval: u32,
    price_place: u32,
    delivery_ms: Option<i64>,
) -> Value {
    let delivery = delivery_ms.map_or_else(String::new, |ms| ms.to_string());
    let delivery_start =
        delivery_ms.map_or_else(String::new, |ms| (ms - 90 * 24 * HOUR_MS).to_string());
    json!({
        "symbol": symbol,
        "baseCoin": base,
        "quoteCoin": quote,
        "buyLimitPriceRatio": "0.05",
        "sellLimitPriceRatio": "0.05",
        "feeRateUpRatio": "0.005",
        "makerFeeRate": "0.0002",
        "takerFeeRate": "0.0006",
        "openCostUpRatio": "0.01",
        "supportMarginCoins": [quote],
        "minTradeNum": "0.01",
        "priceEndStep": "1",
        "volumePlace": "2",
        "pricePlace": price_place.to_string(),
        "sizeMultiplier": "0.01",
        "symbolType": kind,
        "minTradeUSDT": "5",
        "maxSymbolOrderNum": "200",
        "maxProductOrderNum": "400",
        "maxPositionNum": "150",
        "symbolStatus": status,
        "offTime": "-1",
        "limitOpenTime": "-1",
        "deliveryTime": delivery,
        "deliveryStartTime": delivery_start,
        "deliveryPeriod": "",
        "launchTime": "",
        "fundInterval": if kind == "delivery" { String::new() } else { interval.to_string() },
        "minLever": "1",
        "maxLever": "75",
        "posLimit": "0.1",
        "maintainTime": "",
        "openTime": "",
    })
}

fn contracts(u: &Universe, product: &Product) -> String {
    let mut data: Vec<Value> = perps_of(u, product)
        .map(|m| {
            let place = m.contract_price(m.perp_bid).scale();
            contract_row(
                &perp_symbol(m),
                &m.perp_base(),
                product.quote,
                "perpetual",
                "normal",
                m.interval_hours,
                place,
                None,
            )
        })
        .collect();
    let delivery_ms = (u.now_ms / (24 * HOUR_MS) + 170) * 24 * HOUR_MS;
    for (symbol, base, kind, status) in filtered_of(product) {
        let delivery = (kind == "delivery").then_some(delivery_ms);
        data.push(contract_row(
            symbol,
            base,
            product.quote,
            kind,
            status,
            8,
            4,
            delivery,
        ));
    }
    envelope(u.now_ms, data)
}

/// One mix ticker row: `d` as the contract quotes it (volumes in base units of the contract),
/// with the index and mark per contract unit, the funding rate and the open interest.
fn mix_ticker_row(
    symbol: &str,
    d: &Day,
    index: Decimal,
    mark: Decimal,
    rate: Decimal,
    holding: Decimal,
    now_ms: i64,
) -> Value {
    json!({
        "symbol": symbol,
        "lastPr": s(d.last),
        "askPr": s(d.ask),
        "bidPr": s(d.bid),
        "bidSz": "12.5",
        "askSz": "8.1",
        "high24h": s(d.high),
        "low24h": s(d.low),
        "ts": now_ms.to_string(),
        "change24h": "0.0012",
        "baseVolume": s(d.volume),
        "quoteVolume": s(d.quote_volume),
        "usdtVolume": s(d.quote_volume),
        "openUtc": s(d.last),
        "changeUtc24h": "0.0004",
        "indexPrice": s(index),
        "fundingRate": s(rate),
        "holdingAmount": s(holding),
        "deliveryStartTime": null,
        "deliveryTime": null,
        "deliveryStatus": "",
        "open24h": s(d.low),
        "markPrice": s(mark),
    })
}

fn mix_tickers(u: &Universe, product: &Product) -> String {
    let one = Decimal::ONE;
    let listed = perps_of(u, product).map(|m| {
        let mult = Decimal::from(m.multiplier);
        let day = Day::perp(m, m.volume_base / mult);
        let (index, mark) = (m.contract_price(m.index), m.contract_price(m.mark));
        let holding = m.open_interest / mult;
        mix_ticker_row(
            &perp_symbol(m),
            &day,
            index,
            mark,
            m.funding_rate,
            holding,
            u.now_ms,
        )
    });
    let filtered = filtered_of(product).map(|(symbol, _, kind, _)| {
        let rate = if kind == "delivery" {
            Decimal::ZERO
        } else {
            Decimal::new(5, 3)
        };
        mix_ticker_row(symbol, &Day::FILLER, one, one, rate, one, u.now_ms)
    });
    envelope(u.now_ms, listed.chain(filtered).collect())
}

fn fund_rate_row(symbol: &str, f: &Funding) -> Value {
    json!({
        "symbol": symbol,
        "fundingRate": s(f.rate),
        "fundingRateInterval": f.interval_hours.to_string(),
        "nextUpdate": f.next_ms.to_string(),
        "minFundingRate": "-0.003",
        "maxFundingRate": "0.003",
    })
}

fn fund_rates(u: &Universe, product: &Product) -> String {
    let mut data: Vec<Value> = perps_of(u, product)
        .map(|m| fund_rate_row(&perp_symbol(m), &Funding::of(m)))
        .collect();
    for (symbol, _, kind, _) in filtered_of(product) {
        if kind != "delivery" {
            data.push(fund_rate_row(symbol, &Funding::filler(u.now_ms)));
        }
    }
    envelope(u.now_ms, data)
}

fn spot_symbol_row(symbol: &str, base: &str, quote: &str, status: &str, price_dp: u32) -> Value {
    json!({
        "symbol": symbol,
        "baseCoin": base,
        "quoteCoin": quote,
        "minTradeAmount": "0",
        "maxTradeAmount": "900000000000000000000",
        "takerFeeRate": "0.001",
        "makerFeeRate": "0.001",
        "pricePrecision": price_dp.to_string(),
        "quantityPrecision": "4",
        "quotePrecision": "6",
        "status": status,
        "minTradeUSDT": "1",
        "buyLimitPriceRatio": "0.05",
        "sellLimitPriceRatio": "0.05",
        "areaSymbol": "no",
        "orderQuantity": "200",
        "openTime": "1532454360000",
        "offTime": "",
    })
}

fn spot_symbols(u: &Universe) -> String {
    let listed = u.spots().map(|m| {
        let price_dp = m.spot_bid.scale();
        spot_symbol_row(&spot_symbol(m), &m.asset, &m.quote, "online", price_dp)
    });
    let filtered = FILTERED_SPOTS.iter().map(|(symbol, status)| {
        let base = symbol.strip_suffix("USDT").unwrap_or(symbol);
        spot_symbol_row(symbol, base, "USDT", status, 4)
    });
    envelope(u.now_ms, listed.chain(filtered).collect())
}

/// One spot ticker row of `d`.
fn spot_ticker_row(symbol: &str, d: &Day, now_ms: i64) -> Value {
    json!({
        "symbol": symbol,
        "high24h": s(d.high),
        "open": s(d.low),
        "low24h": s(d.low),
        "lastPr": s(d.last),
        "quoteVolume": s(d.quote_volume),
        "baseVolume": s(d.volume),
        "usdtVolume": s(d.quote_volume),
        "bidPr": s(d.bid),
        "askPr": s(d.ask),
        "bidSz": "0.5",
        "askSz": "0.7",
        "openUtc": s(d.last),
        "ts": now_ms.to_string(),
        "changeUtc24h": "0.0003",
        "change24h": "0.0011",
    })
}

fn spot_tickers(u: &Universe) -> String {
    let row = |symbol: &str, day: &Day| spot_ticker_row(symbol, day, u.now_ms);
    envelope(
        u.now_ms,
        list_rows(spot_days(u, spot_symbol), &FILTERED_SPOTS, Day::FILLER, row),
    )
}

/// Answers Bitget's history endpoints for `universe` like the live API (see
/// [`super::server::Dynamic`]): settled funding ([`HISTORY_FUND_RATE_PATH`]), mix candles
/// ([`CANDLES_PATH`]) and spot candles ([`SPOT_CANDLES_PATH`]); `None` for any other path.
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    match ask.path {
        HISTORY_FUND_RATE_PATH => Some(funding_history(universe, ask.query)),
        CANDLES_PATH => Some(mix_candles(universe, ask.query)),
        SPOT_CANDLES_PATH => Some(spot_candles(universe, ask.query)),
        _ => None,
    }
}

/// A Bitget business error (HTTP 400 live; the envelope with `data` null).
fn error(now_ms: i64, code: &str, msg: &str) -> String {
    json!({"code": code, "msg": msg, "requestTime": now_ms, "data": null}).to_string()
}

/// Parameter `key` as a number: absent is `Ok(None)`; not a number is Bitget's `40020`.
fn number(u: &Universe, query: &[(String, String)], key: &str) -> Result<Option<i64>, String> {
    match param(query, key) {
        None => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| error(u.now_ms, "40020", &format!("Parameter {key} error"))),
    }
}

/// The perp of `product` named `symbol` (`productType` is case-insensitive, like the live API).
fn perp_of<'u>(
    u: &'u Universe,
    query: &[(String, String)],
) -> Result<(&'u SynthMarket, Product), String> {
    let Some(symbol) = param(query, "symbol") else {
        return Err(error(u.now_ms, "40019", "Parameter symbol cannot be empty"));
    };
    let Some(pt) = param(query, "productType") else {
        return Err(error(
            u.now_ms,
            "40019",
            "Parameter productType cannot be empty",
        ));
    };
    let Some(product) = PRODUCTS
        .iter()
        .find(|p| p.product_type.eq_ignore_ascii_case(pt))
    else {
        return Err(error(u.now_ms, "40020", "Parameter productType error"));
    };
    perps_of(u, product)
        .find(|m| perp_symbol(m) == symbol)
        .map(|m| (m, *product))
        .ok_or_else(|| {
            error(
                u.now_ms,
                "40034",
                &format!("Parameter {symbol} does not exist"),
            )
        })
}

/// `GET /api/v2/mix/market/history-fund-rate`: the settlements of the last
/// [`HISTORY_DAYS`] days, newest first, page `pageNo` (from 1) of `pageSize` rows (default 20,
/// at most 100); every field a string.
fn funding_history(u: &Universe, query: &[(String, String)]) -> String {
    let (m, _) = match perp_of(u, query) {
        Ok(found) => found,
        Err(body) => return body,
    };
    let (size, page) = match (number(u, query, "pageSize"), number(u, query, "pageNo")) {
        (Ok(size), Ok(page)) => (size.unwrap_or(20).clamp(1, 100), page.unwrap_or(1).max(1)),
        (Err(body), _) | (_, Err(body)) => return body,
    };
    let times = m.settlements(u.now_ms, HISTORY_DAYS, i64::MIN, i64::MAX);
    let skip = usize::try_from((page - 1).saturating_mul(size)).unwrap_or(usize::MAX);
    let symbol = perp_symbol(m);
    let data: Vec<Value> = times
        .iter()
        .rev()
        .skip(skip)
        .take(usize::try_from(size).unwrap_or(100))
        .map(|t| {
            json!({
                "symbol": symbol,
                "fundingRate": s(m.historic_rate(*t)),
                "fundingTime": t.to_string(),
            })
        })
        .collect();
    envelope(u.now_ms, data)
}

/// How long before UTC midnight a UTC+8 day opens: plain `1D`/`1day` bars open at 16:00 UTC.
const UTC8_DAY_SHIFT: i64 = 8 * HOUR_MS;

/// The bars of a candle request: the `limit` (default 100, at most 1000) latest bars with open
/// time up to `endTime` (default now), oldest first, the running bar included. Like the live
/// API, `startTime` does not select rows; it only has to be within 90 days of `endTime`.
fn select_candles(
    u: &Universe,
    m: &SynthMarket,
    query: &[(String, String)],
    hour: &str,
    utc8_day: &str,
) -> Result<Vec<SynthCandle>, String> {
    let granularity = param(query, "granularity")
        .ok_or_else(|| error(u.now_ms, "40019", "Parameter granularity cannot be empty"))?;
    let bar = match granularity {
        g if g == hour => Some(Bar::Hour),
        "1Dutc" => Some(Bar::Day),
        g if g == utc8_day => None,
        _ => return Err(error(u.now_ms, "40020", "Parameter granularity error")),
    };
    let start = number(u, query, "startTime")?;
    let end = number(u, query, "endTime")?;
    let limit = number(u, query, "limit")?.unwrap_or(100).clamp(1, 1000);
    let end = end.unwrap_or(u.now_ms);
    if start.is_some_and(|s| end - s > 90 * DAY_MS || s > end) {
        return Err(error(
            u.now_ms,
            "40808",
            "Parameter verification exception: the query range must not exceed 90 days",
        ));
    }
    let span = bar.map_or(DAY_MS, Bar::millis);
    let from = end.saturating_sub(limit.saturating_mul(span));
    let mut rows = match bar {
        Some(bar) => m.candles(bar, from, end, u.now_ms),
        None => m.shifted_days(UTC8_DAY_SHIFT, from, end, u.now_ms),
    };
    let excess = rows
        .len()
        .saturating_sub(usize::try_from(limit).unwrap_or(1000));
    rows.drain(..excess);
    Ok(rows)
}

/// `GET /api/v2/mix/market/candles` (`kLineType` `MARKET`; the demo has no mark or index
/// bars): string rows `[ts, open, high, low, close, baseVolume, quoteVolume]`, prices per
/// contract unit (per 1000 PEPE), base volume in those units.
fn mix_candles(u: &Universe, query: &[(String, String)]) -> String {
    let (m, _) = match perp_of(u, query) {
        Ok(found) => found,
        Err(body) => return body,
    };
    if param(query, "kLineType").is_some_and(|k| !k.eq_ignore_ascii_case("MARKET")) {
        return error(u.now_ms, "40020", "Parameter kLineType error");
    }
    let rows = match select_candles(u, m, query, "1H", "1D") {
        Ok(rows) => rows,
        Err(body) => return body,
    };
    let mult = Decimal::from(m.multiplier);
    let data: Vec<Value> = rows
        .iter()
        .map(|c| {
            json!([
                c.open_ms.to_string(),
                s(m.contract_price(c.open)),
                s(m.contract_price(c.high)),
                s(m.contract_price(c.low)),
                s(m.contract_price(c.close)),
                s(c.volume / mult),
                s((c.volume * c.close).round_dp(2)),
            ])
        })
        .collect();
    envelope(u.now_ms, data)
}

/// `GET /api/v2/spot/market/candles`: string rows `[ts, open, high, low, close, baseVolume,
/// usdtVolume, quoteVolume]`; an unknown symbol is `40034`.
fn spot_candles(u: &Universe, query: &[(String, String)]) -> String {
    let Some(symbol) = param(query, "symbol") else {
        return error(u.now_ms, "40019", "Parameter symbol cannot be empty");
    };
    let Some(m) = u.spots().find(|m| spot_symbol(m) == symbol) else {
        return error(
            u.now_ms,
            "40034",
            &format!("Parameter {symbol} does not exist"),
        );
    };
    let rows = match select_candles(u, m, query, "1h", "1day") {
        Ok(rows) => rows,
        Err(body) => return body,
    };
    let data: Vec<Value> = rows
        .iter()
        .map(|c| {
            let quote = s((c.volume * c.close).round_dp(2));
            json!([
                c.open_ms.to_string(),
                s(c.open),
                s(c.high),
                s(c.low),
                s(c.close),
                s(c.volume),
                quote,
                quote,
            ])
        })
        .collect();
    envelope(u.now_ms, data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Venue;

    #[test]
    fn discount_tiers_list_every_coin_from_zero_with_falling_ratios() {
        let u = Universe::generate(Venue::Bitget, 60, 50, 1_760_000_000_000);
        let v = super::super::assert_collateral_table(&u, DISCOUNT_RATE_PATH, "/data", "coin");
        assert_eq!(v["code"], "00000");
        for row in v["data"].as_array().expect("data") {
            let coin = row["coin"].as_str().expect("coin");
            let tiers = row["list"].as_array().expect("tiers");
            assert_eq!(tiers.len(), 3);
            assert_eq!(tiers[0]["tierStartValue"], "0");
            assert_eq!(tiers[0]["discountRate"], json!(s(collateral_haircut(coin))));
        }
    }

    #[test]
    fn multiplied_markets_use_a_thousand_base_and_usdc_markets_a_perp_suffix() {
        let u = Universe::generate(Venue::Bitget, 300, 250, 1_760_000_000_000);
        let pepe = u
            .perps()
            .find(|m| m.multiplier == 1000 && m.quote == "USDT")
            .expect("a multiplied USDT perp");
        assert_eq!(perp_symbol(pepe), format!("1000{}USDT", pepe.asset));
        let usdc = u.perps().find(|m| m.quote == "USDC").expect("a USDC perp");
        assert_eq!(perp_symbol(usdc), format!("{}PERP", usdc.perp_base()));
    }
}

#[cfg(test)]
mod history_tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::demo::roundtrip::get_json;
    use crate::model::Venue;

    const NOW: i64 = 1_760_000_000_000;

    fn answer(u: &Universe, path: &str, pairs: &[(&str, &str)]) -> serde_json::Value {
        get_json(respond, u, path, pairs)
    }

    fn rows(v: &Value) -> Vec<Value> {
        assert_eq!(v["code"], json!("00000"), "{v}");
        v["data"].as_array().cloned().expect("data array")
    }

    fn time(row: &Value, key: &str) -> i64 {
        row[key].as_str().expect("string").parse().expect("ms")
    }

    #[test]
    fn funding_history_pages_by_number_newest_first() {
        let u = Universe::generate(Venue::Bitget, 40, 0, NOW);
        let m = u.perps().find(|m| m.quote == "USDT").expect("a USDT perp");
        let symbol = perp_symbol(m);
        let step = m.funding_step();
        let last = NOW / step * step;
        let page = |extra: &[(&str, &str)]| {
            let mut q = vec![("symbol", symbol.as_str()), ("productType", "USDT-FUTURES")];
            q.extend_from_slice(extra);
            rows(&answer(&u, HISTORY_FUND_RATE_PATH, &q))
        };
        let first = page(&[]);
        assert_eq!(first.len(), 20, "default page size");
        assert_eq!(time(&first[0], "fundingTime"), last);
        assert_eq!(time(&first[19], "fundingTime"), last - 19 * step);
        assert_eq!(first[0]["symbol"], json!(symbol));
        assert!(first[0]["fundingRate"].is_string());
        let second = page(&[("pageSize", "10"), ("pageNo", "2")]);
        assert_eq!(time(&second[0], "fundingTime"), last - 10 * step);
        assert_eq!(page(&[("pageSize", "500")]).len(), 100, "at most 100");
        let kept = usize::try_from(HISTORY_DAYS * 24 / (step / HOUR_MS)).expect("small");
        let pages = kept.div_ceil(100);
        assert_eq!(
            page(&[("pageSize", "100"), ("pageNo", &pages.to_string())]).len(),
            kept - (pages - 1) * 100
        );
        assert!(page(&[("pageSize", "100"), ("pageNo", &(pages + 1).to_string())]).is_empty());
        // Product type is case-insensitive; a USDC perp lives under USDC-FUTURES only.
        let lower = answer(
            &u,
            HISTORY_FUND_RATE_PATH,
            &[("symbol", &symbol), ("productType", "usdt-futures")],
        );
        assert_eq!(rows(&lower).len(), 20);
        let usdc = u.perps().find(|m| m.quote == "USDC").expect("a USDC perp");
        let perp = perp_symbol(usdc);
        assert!(perp.ends_with("PERP"));
        let q = [("symbol", perp.as_str()), ("productType", "USDC-FUTURES")];
        assert_eq!(rows(&answer(&u, HISTORY_FUND_RATE_PATH, &q)).len(), 20);
        let wrong = [("symbol", perp.as_str()), ("productType", "USDT-FUTURES")];
        assert_eq!(
            answer(&u, HISTORY_FUND_RATE_PATH, &wrong)["code"],
            json!("40034")
        );
        assert_eq!(
            answer(&u, HISTORY_FUND_RATE_PATH, &[("symbol", &symbol)])["code"],
            json!("40019")
        );
        let bad = [
            ("symbol", symbol.as_str()),
            ("productType", "USDT-FUTURES"),
            ("pageNo", "x"),
        ];
        assert_eq!(
            answer(&u, HISTORY_FUND_RATE_PATH, &bad)["code"],
            json!("40020")
        );
        assert_eq!(respond(&u, &Ask::get(TICKERS_PATH, &[])), None);
    }

    #[test]
    fn candles_are_anchored_at_end_time_oldest_first_with_the_running_bar() {
        let u = Universe::generate(Venue::Bitget, 40, 40, NOW);
        let pepe = u
            .perps()
            .find(|m| m.multiplier == 1000 && m.quote == "USDT")
            .expect("a 1000x perp");
        let symbol = perp_symbol(pepe);
        let mix = |extra: &[(&str, &str)]| {
            let mut q = vec![("symbol", symbol.as_str()), ("productType", "USDT-FUTURES")];
            q.extend_from_slice(extra);
            answer(&u, CANDLES_PATH, &q)
        };
        let hour = NOW / HOUR_MS * HOUR_MS;
        let latest = rows(&mix(&[("granularity", "1H"), ("limit", "5")]));
        assert_eq!(latest.len(), 5);
        let opens: Vec<i64> = latest
            .iter()
            .map(|r| r[0].as_str().expect("ts").parse().expect("ms"))
            .collect();
        assert_eq!(
            opens,
            (0..5).rev().map(|k| hour - k * HOUR_MS).collect::<Vec<_>>(),
            "oldest first, the running hour last"
        );
        let running = &pepe.candles(Bar::Hour, hour, hour, NOW)[0];
        assert_eq!(
            latest[4],
            json!([
                hour.to_string(),
                s(pepe.contract_price(running.open)),
                s(pepe.contract_price(running.high)),
                s(pepe.contract_price(running.low)),
                s(pepe.contract_price(pepe.price)),
                s(running.volume / Decimal::from(1000)),
                s((running.volume * running.close).round_dp(2)),
            ]),
            "per 1000 coins, close = the current price"
        );
        // startTime does not select rows; endTime and limit do.
        let end = (hour - 10 * HOUR_MS).to_string();
        let start = (hour - 60 * HOUR_MS).to_string();
        let page = rows(&mix(&[
            ("granularity", "1H"),
            ("startTime", &start),
            ("endTime", &end),
            ("limit", "3"),
        ]));
        assert_eq!(page.len(), 3);
        assert_eq!(page[2][0], json!(end));
        assert_eq!(rows(&mix(&[("granularity", "1H")])).len(), 100, "default");
        assert_eq!(
            rows(&mix(&[("granularity", "1H"), ("limit", "5000")])).len(),
            1000,
            "at most 1000"
        );
        // 1Dutc opens at 00:00 UTC, plain 1D at 16:00 UTC (00:00 UTC+8).
        let utc = rows(&mix(&[("granularity", "1Dutc"), ("limit", "3")]));
        let hk = rows(&mix(&[("granularity", "1D"), ("limit", "3")]));
        for (rows, offset) in [(&utc, 0), (&hk, 16 * HOUR_MS)] {
            assert_eq!(rows.len(), 3);
            for r in rows {
                let t: i64 = r[0].as_str().expect("ts").parse().expect("ms");
                assert_eq!(t.rem_euclid(DAY_MS), offset, "{r}");
            }
        }
        let too_long = (NOW - 91 * DAY_MS).to_string();
        let code = |v: Value| v["code"].clone();
        assert_eq!(
            code(mix(&[("granularity", "1Dutc"), ("startTime", &too_long)])),
            json!("40808")
        );
        assert_eq!(code(mix(&[("granularity", "1h")])), json!("40020"));
        assert_eq!(code(mix(&[])), json!("40019"));
        assert_eq!(
            code(mix(&[("granularity", "1H"), ("kLineType", "MARK")])),
            json!("40020")
        );
        assert_eq!(
            code(answer(
                &u,
                CANDLES_PATH,
                &[
                    ("symbol", "NOPEUSDT"),
                    ("productType", "USDT-FUTURES"),
                    ("granularity", "1H")
                ]
            )),
            json!("40034")
        );
        // Spot: 8 fields, `1h` (not `1H`), unknown pair 40034.
        let m = u.spots().next().expect("a spot pair");
        let pair = spot_symbol(m);
        let spot = |g: &str| {
            answer(
                &u,
                SPOT_CANDLES_PATH,
                &[("symbol", &pair), ("granularity", g)],
            )
        };
        let hourly = rows(&spot("1h"));
        assert_eq!(hourly.len(), 100);
        assert_eq!(hourly[99].as_array().map(Vec::len), Some(8));
        assert_eq!(hourly[99][4], json!(s(m.price)));
        assert_eq!(code(spot("1H")), json!("40020"));
        let day = rows(&spot("1day"));
        assert!(
            day.iter().all(
                |r| r[0].as_str().expect("ts").parse::<i64>().expect("ms") % DAY_MS == 16 * HOUR_MS
            )
        );
        assert_eq!(
            code(answer(
                &u,
                SPOT_CANDLES_PATH,
                &[("symbol", "NOPEUSDT"), ("granularity", "1h")]
            )),
            json!("40034")
        );
    }
}
