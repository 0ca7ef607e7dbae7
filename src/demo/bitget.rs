//! Bitget v2 payloads (mix contracts, tickers, funding rates; spot symbols and tickers) for a synthetic universe.
//!
//! Same envelope, field names and all-strings encoding as the live API (`requestTime` is a
//! number, delivery fields of perpetuals are `null`). USDT perps are listed under
//! `productType=USDT-FUTURES` as `BTCUSDT`, USDC perps under `USDC-FUTURES` as `BTCPERP`;
//! multiplied markets use a `1000PEPE` base with prices per 1000 coins and sizes in those units.
//! The lists also hold rows the adapter must filter out ([`FILTERED_CONTRACTS`],
//! [`FILTERED_SPOTS`]), and the tickers and funding payloads carry rows for them too.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Route, SynthMarket, Universe};
use crate::venue::bitget::{
    CONTRACTS_PATH, FUND_RATE_PATH, HOST, PRODUCTS, Product, SPOT_SYMBOLS_PATH, SPOT_TICKERS_PATH,
    TICKERS_PATH,
};

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

const MS_PER_HOUR: i64 = 3_600_000;

/// Routes serving `universe` in Bitget's formats: every request of the reference plan and of the
/// full snapshot plan.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    let mut routes = Vec::new();
    for product in &PRODUCTS {
        let pt = product.product_type;
        routes.push(
            Route::new(HOST, CONTRACTS_PATH, contracts(universe, product))
                .with_query("productType", pt),
        );
        routes.push(
            Route::new(HOST, TICKERS_PATH, mix_tickers(universe, product))
                .with_query("productType", pt),
        );
        routes.push(
            Route::new(HOST, FUND_RATE_PATH, fund_rates(universe, product))
                .with_query("productType", pt),
        );
    }
    routes.push(Route::new(HOST, SPOT_SYMBOLS_PATH, spot_symbols(universe)));
    routes.push(Route::new(HOST, SPOT_TICKERS_PATH, spot_tickers(universe)));
    routes
}

/// The futures symbol of a universe market: `1000PEPEUSDT`, or `BTCPERP` for a USDC perp.
#[must_use]
pub fn perp_symbol(m: &SynthMarket) -> String {
    if m.quote == "USDC" {
        format!("{}PERP", m.perp_base())
    } else {
        format!("{}{}", m.perp_base(), m.quote)
    }
}

/// The spot symbol of a universe market (`BTCUSDT`).
#[must_use]
pub fn spot_symbol(m: &SynthMarket) -> String {
    format!("{}{}", m.asset, m.quote)
}

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
        delivery_ms.map_or_else(String::new, |ms| (ms - 90 * 24 * MS_PER_HOUR).to_string());
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
    let delivery_ms = (u.now_ms / (24 * MS_PER_HOUR) + 170) * 24 * MS_PER_HOUR;
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

/// One mix ticker row; prices as the contract quotes them, volumes in base units of the contract.
#[allow(clippy::too_many_arguments)]
fn mix_ticker_row(
    symbol: &str,
    last: Decimal,
    bid: Decimal,
    ask: Decimal,
    high: Decimal,
    low: Decimal,
    base_volume: Decimal,
    quote_volume: Decimal,
    index: Decimal,
    mark: Decimal,
    rate: Decimal,
    holding: Decimal,
    now_ms: i64,
) -> Value {
    json!({
        "symbol": symbol,
        "lastPr": s(last),
        "askPr": s(ask),
        "bidPr": s(bid),
        "bidSz": "12.5",
        "askSz": "8.1",
        "high24h": s(high),
        "low24h": s(low),
        "ts": now_ms.to_string(),
        "change24h": "0.0012",
        "baseVolume": s(base_volume),
        "quoteVolume": s(quote_volume),
        "usdtVolume": s(quote_volume),
        "openUtc": s(last),
        "changeUtc24h": "0.0004",
        "indexPrice": s(index),
        "fundingRate": s(rate),
        "holdingAmount": s(holding),
        "deliveryStartTime": null,
        "deliveryTime": null,
        "deliveryStatus": "",
        "open24h": s(low),
        "markPrice": s(mark),
    })
}

fn mix_tickers(u: &Universe, product: &Product) -> String {
    let mut data: Vec<Value> = perps_of(u, product)
        .map(|m| {
            let mult = Decimal::from(m.multiplier);
            mix_ticker_row(
                &perp_symbol(m),
                m.contract_price(m.mark),
                m.contract_price(m.perp_bid),
                m.contract_price(m.perp_ask),
                m.contract_price(m.high),
                m.contract_price(m.low),
                m.volume_base / mult,
                m.volume_quote(),
                m.contract_price(m.index),
                m.contract_price(m.mark),
                m.funding_rate,
                m.open_interest / mult,
                u.now_ms,
            )
        })
        .collect();
    let one = Decimal::ONE;
    for (symbol, _, kind, _) in filtered_of(product) {
        let rate = if kind == "delivery" {
            Decimal::ZERO
        } else {
            Decimal::new(5, 3)
        };
        data.push(mix_ticker_row(
            symbol, one, one, one, one, one, one, one, one, one, rate, one, u.now_ms,
        ));
    }
    envelope(u.now_ms, data)
}

fn fund_rate_row(symbol: &str, rate: Decimal, hours: u32, next_ms: i64) -> Value {
    json!({
        "symbol": symbol,
        "fundingRate": s(rate),
        "fundingRateInterval": hours.to_string(),
        "nextUpdate": next_ms.to_string(),
        "minFundingRate": "-0.003",
        "maxFundingRate": "0.003",
    })
}

fn fund_rates(u: &Universe, product: &Product) -> String {
    let mut data: Vec<Value> = perps_of(u, product)
        .map(|m| {
            fund_rate_row(
                &perp_symbol(m),
                m.funding_rate,
                m.interval_hours,
                m.next_funding_ms,
            )
        })
        .collect();
    let next8 = (u.now_ms / (8 * MS_PER_HOUR) + 1) * 8 * MS_PER_HOUR;
    for (symbol, _, kind, _) in filtered_of(product) {
        if kind != "delivery" {
            data.push(fund_rate_row(symbol, Decimal::new(5, 3), 8, next8));
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
    let mut data: Vec<Value> = u
        .spots()
        .map(|m| {
            spot_symbol_row(
                &spot_symbol(m),
                &m.asset,
                &m.quote,
                "online",
                m.spot_bid.scale(),
            )
        })
        .collect();
    for (symbol, status) in FILTERED_SPOTS {
        let base = symbol.strip_suffix("USDT").unwrap_or(symbol);
        data.push(spot_symbol_row(symbol, base, "USDT", status, 4));
    }
    envelope(u.now_ms, data)
}

#[allow(clippy::too_many_arguments)]
fn spot_ticker_row(
    symbol: &str,
    last: Decimal,
    bid: Decimal,
    ask: Decimal,
    high: Decimal,
    low: Decimal,
    base_volume: Decimal,
    quote_volume: Decimal,
    now_ms: i64,
) -> Value {
    json!({
        "symbol": symbol,
        "high24h": s(high),
        "open": s(low),
        "low24h": s(low),
        "lastPr": s(last),
        "quoteVolume": s(quote_volume),
        "baseVolume": s(base_volume),
        "usdtVolume": s(quote_volume),
        "bidPr": s(bid),
        "askPr": s(ask),
        "bidSz": "0.5",
        "askSz": "0.7",
        "openUtc": s(last),
        "ts": now_ms.to_string(),
        "changeUtc24h": "0.0003",
        "change24h": "0.0011",
    })
}

fn spot_tickers(u: &Universe) -> String {
    let mut data: Vec<Value> = u
        .spots()
        .map(|m| {
            spot_ticker_row(
                &spot_symbol(m),
                m.price,
                m.spot_bid,
                m.spot_ask,
                m.high,
                m.low,
                m.volume_base,
                m.volume_quote(),
                u.now_ms,
            )
        })
        .collect();
    let one = Decimal::ONE;
    for (symbol, _) in FILTERED_SPOTS {
        data.push(spot_ticker_row(
            symbol, one, one, one, one, one, one, one, u.now_ms,
        ));
    }
    envelope(u.now_ms, data)
}

/// Answers the history endpoints this venue's demo serves (see [`super::server::Dynamic`]):
/// none yet.
#[must_use]
pub fn respond(
    _universe: &Universe,
    _path: &str,
    _query: &[(String, String)],
    _body: &str,
) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Venue;

    #[test]
    fn renders_two_thousand_markets_as_valid_envelopes() {
        let started = std::time::Instant::now();
        let u = Universe::generate(Venue::Bitget, 2000, 1500, 1_760_000_000_000);
        let routes = routes(&u);
        let elapsed = started.elapsed();
        assert_eq!(routes.len(), 8);
        let mut perp_rows = 0;
        for r in &routes {
            let v: Value = serde_json::from_str(&r.body).expect("valid JSON");
            assert_eq!(v["code"], "00000");
            assert!(v["requestTime"].is_number());
            let rows = v["data"].as_array().expect("data array");
            assert!(!rows.is_empty(), "{}", r.path);
            if r.path == CONTRACTS_PATH {
                perp_rows += rows.len();
            }
        }
        assert_eq!(perp_rows, 2000 + FILTERED_CONTRACTS.len());
        let usdt: Value = serde_json::from_str(&routes[0].body).expect("json");
        assert_eq!(usdt["data"][0]["symbol"], "BTCUSDT");
        assert_eq!(
            usdt["data"][0]["fundInterval"].as_str().map(str::len),
            Some(1)
        );
        assert!(
            elapsed < std::time::Duration::from_secs(2),
            "rendering took {elapsed:?}"
        );
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
