//! Binance-format payloads (spot + USDⓈ-M futures) for a synthetic universe: every endpoint the adapter calls.
//!
//! Same envelopes, field names and encodings as the live API: decimals as strings (spot padded to
//! 8 places, futures to the symbol's price precision), times as ms numbers. The futures lists also
//! carry contracts the adapter must filter out: a dated quarterly (`BTCUSDT_260626`, empty funding
//! rate and `nextFundingTime: 0` in `premiumIndex`), a pre-launch perpetual (`NEWUSDT`,
//! `PENDING_TRADING`) and a delisting one (`OLDUSDT`, `SETTLING`). The spot lists hold only
//! trading pairs, as the live API does for the `symbolStatus=TRADING` the adapter sends.
//! `assetIndex` lists every coin of the universe as `<COIN>USD` with its collateral haircut
//! ([`collateral_haircut`]), plus USDT, USDC and one coin the universe does not list
//! ([`super::UNLISTED_COLLATERAL`]).

use super::json::{Value, json};
use rust_decimal::Decimal;

use super::{
    Ask, DAY_MS, HISTORY_DAYS, Route, SynthCandle, SynthMarket, Universe, collateral_coins,
    collateral_haircut, joined_spot_symbol,
};
use crate::venue::Bar;
use crate::venue::binance::{
    FAPI_ASSET_INDEX, FAPI_BOOK_TICKER, FAPI_EXCHANGE_INFO, FAPI_FUNDING_INFO, FAPI_FUNDING_RATE,
    FAPI_KLINES, FAPI_PREMIUM_INDEX, FAPI_TICKER_24HR, SPOT_EXCHANGE_INFO, SPOT_KLINES,
    SPOT_TICKER_24HR,
};

/// `deliveryDate` of every perpetual (2100-12-25).
const PERPETUAL_DELIVERY: i64 = 4_133_404_800_000;

/// Routes serving `universe` in Binance's formats.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    vec![
        Route::at(&FAPI_EXCHANGE_INFO, futures_exchange_info(universe)),
        Route::at(&FAPI_FUNDING_INFO, funding_info(universe)),
        Route::at(&SPOT_EXCHANGE_INFO, spot_exchange_info(universe))
            .with_query("permissions", "SPOT")
            .with_query("symbolStatus", "TRADING")
            .with_query("showPermissionSets", "false"),
        Route::at(&FAPI_PREMIUM_INDEX, premium_index(universe)),
        Route::at(&FAPI_TICKER_24HR, futures_ticker(universe)),
        Route::at(&FAPI_BOOK_TICKER, book_ticker(universe)),
        Route::at(&SPOT_TICKER_24HR, spot_ticker(universe)).with_query("symbolStatus", "TRADING"),
        Route::at(&FAPI_ASSET_INDEX, asset_index(universe)),
    ]
}

/// `GET /fapi/v1/assetIndex` without `symbol`: one `<COIN>USD` entry per collateral coin, the
/// buffers `1 − k` and the rates derived from them as Binance does (`bidRate = index × (1 −
/// bidBuffer)`, `askRate = index × (1 + askBuffer)`, the auto-exchange buffers half as wide).
fn asset_index(u: &Universe) -> String {
    let rows: Vec<Value> = collateral_coins(u)
        .into_iter()
        .map(|(coin, price)| {
            let buffer = Decimal::ONE - collateral_haircut(&coin);
            let auto = buffer / Decimal::TWO;
            let rate = |b: Decimal| pad((price * b).round_dp(8), 8);
            json!({
                "symbol": format!("{coin}USD"),
                "time": u.now_ms,
                "index": pad(price, 8),
                "bidBuffer": pad(buffer, 8),
                "askBuffer": pad(buffer, 8),
                "bidRate": rate(Decimal::ONE - buffer),
                "askRate": rate(Decimal::ONE + buffer),
                "autoExchangeBidBuffer": pad(auto, 8),
                "autoExchangeAskBuffer": pad(auto, 8),
                "autoExchangeBidRate": rate(Decimal::ONE - auto),
                "autoExchangeAskRate": rate(Decimal::ONE + auto)
            })
        })
        .collect();
    Value::Array(rows).to_string()
}

/// `d` with at least `dp` decimal places (Binance pads with zeros), never fewer than it has.
fn pad(d: Decimal, dp: u32) -> String {
    let mut x = d.normalize();
    if x.scale() < dp {
        x.rescale(dp);
    }
    x.to_string()
}

/// A contract that is listed on futures but must not reach the reference.
struct Extra {
    symbol: &'static str,
    base: &'static str,
    contract_type: &'static str,
    status: &'static str,
    delivery: i64,
    price: Decimal,
}

fn extras() -> [Extra; 3] {
    [
        Extra {
            symbol: "BTCUSDT_260626",
            base: "BTC",
            contract_type: "CURRENT_QUARTER",
            status: "TRADING",
            delivery: 1_782_460_800_000,
            price: Decimal::new(987_501, 1),
        },
        Extra {
            symbol: "NEWUSDT",
            base: "NEW",
            contract_type: "PERPETUAL",
            status: "PENDING_TRADING",
            delivery: PERPETUAL_DELIVERY,
            price: Decimal::new(5, 1),
        },
        Extra {
            symbol: "OLDUSDT",
            base: "OLD",
            contract_type: "PERPETUAL",
            status: "SETTLING",
            delivery: 1_760_000_000_000,
            price: Decimal::new(1234, 4),
        },
    ]
}

/// Futures view of one perp: symbol and prices as quoted (× multiplier).
struct Perp<'m> {
    m: &'m SynthMarket,
    symbol: String,
    /// Price decimals of the contract (`pricePrecision`).
    dp: u32,
}

impl<'m> Perp<'m> {
    fn new(m: &'m SynthMarket) -> Self {
        let dp = [m.perp_bid, m.perp_ask, m.high, m.low, m.mark]
            .into_iter()
            .map(|p| m.contract_price(p).scale())
            .max()
            .unwrap_or(2)
            .max(1);
        Perp {
            m,
            symbol: format!("{}{}", m.perp_base(), m.quote),
            dp,
        }
    }

    /// A per-coin price as quoted, padded to the contract's precision.
    fn price(&self, per_coin: Decimal) -> String {
        pad(self.m.contract_price(per_coin).round_dp(self.dp), self.dp)
    }

    /// Base volume in contract units (`1000PEPE`), three places.
    fn volume(&self) -> Decimal {
        (self.m.volume_base / Decimal::from(self.m.multiplier)).round_dp(3)
    }
}

fn perps(u: &Universe) -> Vec<Perp<'_>> {
    u.perps().map(Perp::new).collect()
}

/// The fields of one futures exchangeInfo symbol that vary between symbols.
struct FuturesSymbol<'a> {
    symbol: &'a str,
    base: &'a str,
    quote: &'a str,
    contract_type: &'a str,
    status: &'a str,
    delivery: i64,
    dp: u32,
}

fn futures_symbol(s: &FuturesSymbol<'_>, onboard: i64) -> Value {
    let FuturesSymbol {
        symbol,
        base,
        quote,
        contract_type,
        status,
        delivery,
        dp,
    } = *s;
    let tick = pad(Decimal::new(1, dp), dp);
    json!({
        "symbol": symbol,
        "pair": symbol.split('_').next().unwrap_or(symbol),
        "contractType": contract_type,
        "deliveryDate": delivery,
        "onboardDate": onboard,
        "status": status,
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": base,
        "quoteAsset": quote,
        "marginAsset": quote,
        "pricePrecision": dp,
        "quantityPrecision": 0,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "settlePlan": 0,
        "triggerProtect": "0.0500",
        "filters": [
            {"filterType": "PRICE_FILTER", "maxPrice": "1000000", "minPrice": tick, "tickSize": tick},
            {"filterType": "LOT_SIZE", "maxQty": "10000000", "minQty": "1", "stepSize": "1"},
            {"filterType": "MARKET_LOT_SIZE", "maxQty": "1000000", "minQty": "1", "stepSize": "1"},
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": "5"},
            {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500", "multiplierDecimal": "4"}
        ],
        "OrderType": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05"
    })
}

fn futures_exchange_info(u: &Universe) -> String {
    let onboard = u.now_ms - 400 * DAY_MS;
    let mut symbols: Vec<Value> = perps(u)
        .iter()
        .map(|p| {
            let base = p.m.perp_base();
            let spec = FuturesSymbol {
                symbol: &p.symbol,
                base: &base,
                quote: &p.m.quote,
                contract_type: "PERPETUAL",
                status: "TRADING",
                delivery: PERPETUAL_DELIVERY,
                dp: p.dp,
            };
            futures_symbol(&spec, onboard)
        })
        .collect();
    for e in extras() {
        let spec = FuturesSymbol {
            symbol: e.symbol,
            base: e.base,
            quote: "USDT",
            contract_type: e.contract_type,
            status: e.status,
            delivery: e.delivery,
            dp: e.price.scale(),
        };
        symbols.push(futures_symbol(&spec, onboard));
    }
    json!({
        "timezone": "UTC",
        "serverTime": u.now_ms,
        "futuresType": "U_MARGINED",
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300}
        ],
        "exchangeFilters": [],
        "assets": [
            {"asset": "USDT", "marginAvailable": true, "autoAssetExchange": "-10000"},
            {"asset": "USDC", "marginAvailable": true, "autoAssetExchange": "-10000"},
            {"asset": "BTC", "marginAvailable": true, "autoAssetExchange": "-0.10000000"}
        ],
        "symbols": symbols
    })
    .to_string()
}

fn funding_info(u: &Universe) -> String {
    let mut rows: Vec<Value> = Vec::new();
    for (i, p) in perps(u).iter().enumerate() {
        // Listed: every symbol off the 8 h default, plus some 8 h ones whose cap was adjusted.
        if p.m.interval_hours != 8 || i % 9 == 0 {
            let cap = if p.m.interval_hours == 8 {
                "0.03000000"
            } else {
                "0.02000000"
            };
            rows.push(json!({
                "symbol": p.symbol,
                "adjustedFundingRateCap": cap,
                "adjustedFundingRateFloor": format!("-{cap}"),
                "fundingIntervalHours": p.m.interval_hours,
                "disclaimer": false
            }));
        }
    }
    rows.push(json!({
        "symbol": "NEWUSDT",
        "adjustedFundingRateCap": "0.02000000",
        "adjustedFundingRateFloor": "-0.02000000",
        "fundingIntervalHours": 4,
        "disclaimer": true
    }));
    Value::Array(rows).to_string()
}

fn premium_index(u: &Universe) -> String {
    let mut rows: Vec<Value> = perps(u)
        .iter()
        .map(|p| {
            let index = pad(p.m.contract_price(p.m.index), 8);
            json!({
                "symbol": p.symbol,
                "markPrice": pad(p.m.contract_price(p.m.mark), 8),
                "indexPrice": index,
                "estimatedSettlePrice": index,
                "lastFundingRate": pad(p.m.funding_rate, 8),
                "interestRate": "0.00010000",
                "nextFundingTime": p.m.next_funding_ms,
                "time": u.now_ms
            })
        })
        .collect();
    for e in extras() {
        let price = pad(e.price, 8);
        let dated = e.contract_type != "PERPETUAL";
        let next = super::next_on_grid(u.now_ms, 8);
        rows.push(json!({
            "symbol": e.symbol,
            "markPrice": price,
            "indexPrice": price,
            "estimatedSettlePrice": price,
            "lastFundingRate": if dated { "" } else { "0.00050000" },
            "interestRate": if dated { "" } else { "0.00010000" },
            "nextFundingTime": if dated { 0 } else { next },
            "time": u.now_ms
        }));
    }
    Value::Array(rows).to_string()
}

/// A 24 h ticker's common fields; `ask`/`bid` only for spot.
struct Day {
    last: Decimal,
    open: Decimal,
    high: String,
    low: String,
    volume: String,
    quote_volume: String,
    dp: u32,
    seq: i64,
}

impl Day {
    fn fields(&self, now_ms: i64) -> serde_json::Map<String, Value> {
        let change = self.last - self.open;
        let pct = if self.open.is_zero() {
            Decimal::ZERO
        } else {
            (change / self.open * Decimal::ONE_HUNDRED).round_dp(3)
        };
        let mut map = serde_json::Map::new();
        map.insert("priceChange".into(), pad(change, self.dp).into());
        map.insert("priceChangePercent".into(), pad(pct, 3).into());
        map.insert("weightedAvgPrice".into(), pad(self.open, self.dp).into());
        map.insert("lastPrice".into(), pad(self.last, self.dp).into());
        map.insert("lastQty".into(), "1.000".into());
        map.insert("openPrice".into(), pad(self.open, self.dp).into());
        map.insert("highPrice".into(), self.high.clone().into());
        map.insert("lowPrice".into(), self.low.clone().into());
        map.insert("volume".into(), self.volume.clone().into());
        map.insert("quoteVolume".into(), self.quote_volume.clone().into());
        map.insert("openTime".into(), (now_ms - DAY_MS).into());
        map.insert("closeTime".into(), now_ms.into());
        map.insert("firstId".into(), (self.seq * 1_000_000).into());
        map.insert("lastId".into(), (self.seq * 1_000_000 + 76_543).into());
        map.insert("count".into(), 76_544.into());
        map
    }
}

fn futures_ticker(u: &Universe) -> String {
    let mut rows: Vec<Value> = Vec::new();
    for (i, p) in perps(u).iter().enumerate() {
        let day = Day {
            last: p.m.contract_price(p.m.mark).round_dp(p.dp),
            open: p.m.contract_price(p.m.index).round_dp(p.dp),
            high: p.price(p.m.high),
            low: p.price(p.m.low),
            volume: pad(p.volume(), 3),
            quote_volume: pad(p.m.volume_quote(), 2),
            dp: p.dp,
            seq: i64::try_from(i).unwrap_or(0) + 1,
        };
        let mut map = serde_json::Map::new();
        map.insert("symbol".into(), p.symbol.clone().into());
        map.extend(day.fields(u.now_ms));
        rows.push(Value::Object(map));
    }
    for e in extras() {
        let price = pad(e.price, e.price.scale());
        rows.push(json!({
            "symbol": e.symbol, "priceChange": "0", "priceChangePercent": "0.000",
            "weightedAvgPrice": price, "lastPrice": price, "lastQty": "1", "openPrice": price,
            "highPrice": price, "lowPrice": price, "volume": "10", "quoteVolume": "5.00",
            "openTime": u.now_ms - DAY_MS, "closeTime": u.now_ms,
            "firstId": 1, "lastId": 10, "count": 10
        }));
    }
    Value::Array(rows).to_string()
}

fn book_ticker(u: &Universe) -> String {
    let mut rows: Vec<Value> = perps(u)
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let qty = (p.volume() / Decimal::from(20_000))
                .round_dp(0)
                .max(Decimal::ONE);
            json!({
                "symbol": p.symbol,
                "bidPrice": p.price(p.m.perp_bid),
                "bidQty": pad(qty, 3),
                "askPrice": p.price(p.m.perp_ask),
                "askQty": pad(qty + Decimal::from(i % 7), 3),
                "time": u.now_ms,
                "lastUpdateId": 7_000_000_000_000_i64 + i64::try_from(i).unwrap_or(0)
            })
        })
        .collect();
    for e in extras() {
        let price = pad(e.price, e.price.scale());
        rows.push(json!({
            "symbol": e.symbol, "bidPrice": price, "bidQty": "1", "askPrice": price,
            "askQty": "1", "time": u.now_ms, "lastUpdateId": 1
        }));
    }
    Value::Array(rows).to_string()
}

fn spot_exchange_info(u: &Universe) -> String {
    let symbols: Vec<Value> = u
        .spots()
        .map(|m| {
            let tick = pad(Decimal::new(1, 8), 8);
            json!({
                "symbol": joined_spot_symbol(m),
                "status": "TRADING",
                "baseAsset": m.asset,
                "baseAssetPrecision": 8,
                "quoteAsset": m.quote,
                "quotePrecision": 8,
                "quoteAssetPrecision": 8,
                "baseCommissionPrecision": 8,
                "quoteCommissionPrecision": 8,
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"],
                "icebergAllowed": true,
                "ocoAllowed": true,
                "otoAllowed": true,
                "quoteOrderQtyMarketAllowed": true,
                "allowTrailingStop": true,
                "cancelReplaceAllowed": true,
                "amendAllowed": true,
                "isSpotTradingAllowed": true,
                "isMarginTradingAllowed": false,
                "filters": [
                    {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "1000000.00000000", "tickSize": tick},
                    {"filterType": "LOT_SIZE", "minQty": "0.00100000", "maxQty": "9000000.00000000", "stepSize": "0.00100000"},
                    {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": true, "maxNotional": "9000000.00000000", "applyMaxToMarket": false, "avgPriceMins": 5}
                ],
                "permissions": [],
                "permissionSets": [],
                "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
                "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"]
            })
        })
        .collect();
    json!({
        "timezone": "UTC",
        "serverTime": u.now_ms,
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
            {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200_000},
            {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61_000}
        ],
        "exchangeFilters": [],
        "symbols": symbols
    })
    .to_string()
}

fn spot_ticker(u: &Universe) -> String {
    let rows: Vec<Value> = u
        .spots()
        .enumerate()
        .map(|(i, m)| {
            let day = Day {
                last: m.price,
                open: m.index,
                high: pad(m.high, 8),
                low: pad(m.low, 8),
                volume: pad(m.volume_base, 8),
                quote_volume: pad(m.volume_quote(), 8),
                dp: 8,
                seq: i64::try_from(i).unwrap_or(0) + 1,
            };
            let mut map = serde_json::Map::new();
            map.insert("symbol".into(), joined_spot_symbol(m).into());
            map.extend(day.fields(u.now_ms));
            map.insert("prevClosePrice".into(), pad(m.index, 8).into());
            map.insert("bidPrice".into(), pad(m.spot_bid, 8).into());
            map.insert("bidQty".into(), "12.50000000".into());
            map.insert("askPrice".into(), pad(m.spot_ask, 8).into());
            map.insert("askQty".into(), "7.25000000".into());
            Value::Object(map)
        })
        .collect();
    Value::Array(rows).to_string()
}

/// Answers the history endpoints this venue's demo serves (see [`super::server::Dynamic`]):
/// settled funding ([`history`]) and spot and futures klines ([`klines`]); `None` for any other
/// path.
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    history(universe, ask.path, ask.query).or_else(|| klines(universe, ask.path, ask.query))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::roundtrip::row_where;
    use crate::model::Venue;

    #[test]
    fn pad_fills_to_the_places_and_keeps_longer_fractions() {
        assert_eq!(pad(Decimal::new(15, 1), 8), "1.50000000");
        assert_eq!(pad(Decimal::new(123_456_789_012, 11), 8), "1.23456789012");
    }

    #[test]
    fn asset_index_lists_every_coin_with_its_haircut_as_a_buffer() {
        let u = Universe::generate(Venue::Binance, 60, 50, 1_760_000_000_000);
        let body = asset_index(&u);
        let rows: Vec<Value> = serde_json::from_str(&body).expect("an array");
        // 60 coins, USDT, USDC and the unlisted one.
        assert_eq!(rows.len(), 63);
        let row = |symbol: &str| row_where(&rows, "symbol", symbol);
        let btc = row("BTCUSD");
        assert_eq!(btc["bidBuffer"], "0.05000000");
        assert!(btc["time"].is_number() && btc["index"].is_string());
        assert_eq!(row("USDTUSD")["bidBuffer"], "0.00000000");
        assert_eq!(row("USDCUSD")["bidRate"], "0.99990000");
        assert_eq!(row("WBETHUSD")["index"], "3612.50000000");
        assert_eq!(
            row("WBETHUSD")["bidBuffer"],
            pad(Decimal::ONE - collateral_haircut("WBETH"), 8)
        );
        assert!(
            u.markets
                .iter()
                .all(|m| m.asset != super::super::UNLISTED_COLLATERAL)
        );
    }
}

fn error(code: i64, msg: &str) -> String {
    json!({"code": code, "msg": msg}).to_string()
}

/// `startTime`, `endTime` and `limit` of a history request, each if present, or the `-1100`
/// answer naming the first that is not a number.
fn window(query: &[(String, String)]) -> Result<[Option<i64>; 3], String> {
    let int = |key: &str| {
        super::int_param(query, key).map_err(|key| {
            error(
                -1100,
                &format!(
                    "Illegal characters found in parameter '{key}'; legal range is '^[0-9]{{1,20}}$'."
                ),
            )
        })
    };
    Ok([int("startTime")?, int("endTime")?, int("limit")?])
}

/// One page of `GET /fapi/v1/fundingRate` for `path` (below the host prefix) and `query`, as the
/// live API answers it: ascending; `startTime` and `endTime` inclusive; with `startTime` the first
/// `limit` records from it, otherwise the last `limit` up to `endTime` (or now); `limit` default
/// 100, at most 1000. An unknown symbol gets `-1121 Invalid symbol.`; unlike the live API, which
/// then lists every symbol, a missing `symbol` gets `-1102`. `None` when `path` is not that
/// endpoint.
#[must_use]
pub fn history(universe: &Universe, path: &str, query: &[(String, String)]) -> Option<String> {
    if path != FAPI_FUNDING_RATE.path {
        return None;
    }
    let param = |key: &str| super::param(query, key);
    let Some(symbol) = param("symbol") else {
        return Some(error(
            -1102,
            "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
        ));
    };
    let all = perps(universe);
    let Some(perp) = all.iter().find(|p| p.symbol == symbol) else {
        return Some(error(-1121, "Invalid symbol."));
    };
    let [start, end, limit] = match window(query) {
        Ok(window) => window,
        Err(e) => return Some(e),
    };
    let limit = usize::try_from(limit.unwrap_or(100).clamp(1, 1000)).unwrap_or(100);
    let times = perp.m.settlements(
        universe.now_ms,
        HISTORY_DAYS,
        start.unwrap_or(i64::MIN),
        end.unwrap_or(i64::MAX),
    );
    let page = super::window_page(&times, limit, start.is_some());
    let mark = pad(perp.m.contract_price(perp.m.mark), 8);
    let rows: Vec<Value> = page
        .iter()
        .map(|t| {
            json!({
                "symbol": perp.symbol,
                "fundingRate": pad(perp.m.historic_rate(*t), 8),
                "fundingTime": t,
                "markPrice": mark
            })
        })
        .collect();
    Some(Value::Array(rows).to_string())
}

#[cfg(test)]
pub(super) mod history_tests {
    use super::*;
    use crate::demo::roundtrip::demo_query as q;
    use crate::demo::roundtrip::history::History;

    /// `GET /fapi/v1/fundingRate` answers like the live endpoint (a row of the table test in
    /// `roundtrip::history`).
    pub(in crate::demo) fn check_funding_history(h: History<'_>) {
        let (now, u, m, step, last) = (h.now, h.u, h.m, h.step, h.last);
        let symbol = format!("{}{}", m.perp_base(), m.quote);
        assert_eq!(history(u, "/fapi/v1/premiumIndex", &[]), None);
        let rows = |query: &[(&str, &str)]| h.rows("/fapi/v1/fundingRate", query, &[], "");
        // Default: the latest 100, ascending, strings for decimals, numbers for times.
        let latest = rows(&[("symbol", &symbol)]);
        assert_eq!(latest.len(), 100);
        assert_eq!(latest[99]["fundingTime"], json!(last));
        assert_eq!(latest[0]["fundingTime"], json!(last - 99 * step));
        assert!(
            latest[0]["fundingRate"]
                .as_str()
                .is_some_and(|r| r.len() >= 10)
        );
        assert!(latest[0]["markPrice"].is_string());
        // startTime/endTime inclusive; startTime takes the first `limit` from it.
        let (s, e) = (last - 10 * step, last - 5 * step);
        let window = rows(&[
            ("symbol", &symbol),
            ("startTime", &s.to_string()),
            ("endTime", &e.to_string()),
        ]);
        assert_eq!(window.len(), 6);
        assert_eq!(window[0]["fundingTime"], json!(s));
        let two = rows(&[
            ("symbol", &symbol),
            ("startTime", &s.to_string()),
            ("limit", "2"),
        ]);
        assert_eq!(two.len(), 2);
        assert_eq!(two[1]["fundingTime"], json!(s + step));
        // Capped at 1000 and at 120 days back.
        let capped = rows(&[("symbol", &symbol), ("startTime", "0"), ("limit", "5000")]);
        let kept = usize::try_from(120 * 24 / i64::from(m.interval_hours)).expect("small");
        assert_eq!(capped.len(), kept.min(1000));
        assert!(capped[0]["fundingTime"].as_i64() >= Some(now - 120 * DAY_MS));
        // Deterministic, varied rates around the market's.
        assert_eq!(latest, rows(&[("symbol", &symbol)]));
        let distinct: std::collections::HashSet<&str> = latest
            .iter()
            .filter_map(|r| r["fundingRate"].as_str())
            .collect();
        assert!(distinct.len() > 5);
        // Errors as Binance sends them.
        let err =
            history(u, "/fapi/v1/fundingRate", &q(&[("symbol", "NOPEUSDT")])).expect("answered");
        assert_eq!(err, r#"{"code":-1121,"msg":"Invalid symbol."}"#);
        let err = history(
            u,
            "/fapi/v1/fundingRate",
            &q(&[("symbol", &symbol), ("startTime", "x")]),
        )
        .expect("answered");
        assert!(err.contains("-1100"), "{err}");
    }
}

/// Which klines endpoint a path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Klines {
    /// `/api/v3/klines`: spot pairs, `limit` ≤ 1000.
    Spot,
    /// `/fapi/v1/klines`: USDⓈ-M perpetuals, `limit` ≤ 1500.
    Futures,
}

/// One spot klines row: prices padded to 8 places like every spot decimal.
fn spot_kline(c: &SynthCandle, step: i64) -> Value {
    let quote = (c.volume * c.close).round_dp(8);
    json!([
        c.open_ms,
        pad(c.open, 8),
        pad(c.high, 8),
        pad(c.low, 8),
        pad(c.close, 8),
        pad(c.volume, 8),
        c.open_ms + step - 1,
        pad(quote, 8),
        trades(c),
        pad((c.volume / Decimal::TWO).round_dp(8), 8),
        pad((quote / Decimal::TWO).round_dp(8), 8),
        "0"
    ])
}

/// One futures klines row: prices per contract unit (× multiplier) padded to the contract's
/// precision, volume in contracts (`1000PEPE`) with three places.
fn futures_kline(p: &Perp<'_>, c: &SynthCandle, step: i64) -> Value {
    let price = |x: Decimal| pad(p.m.contract_price(x), p.dp);
    let volume = (c.volume / Decimal::from(p.m.multiplier)).round_dp(3);
    let quote = (c.volume * c.close).round_dp(4);
    json!([
        c.open_ms,
        price(c.open),
        price(c.high),
        price(c.low),
        price(c.close),
        pad(volume, 3),
        c.open_ms + step - 1,
        pad(quote, 4),
        trades(c),
        pad((volume / Decimal::TWO).round_dp(3), 3),
        pad((quote / Decimal::TWO).round_dp(4), 4),
        "0"
    ])
}

/// A deterministic trade count for a bar.
fn trades(c: &SynthCandle) -> u64 {
    super::mix(c.open_ms.unsigned_abs()) % 50_000 + 100
}

/// One page of `GET /api/v3/klines` (spot) or `GET /fapi/v1/klines` (perps) for `path` (below the
/// host prefix) and `query`, as the live API answers it: a bare array of 12-position rows, oldest
/// first, times as ms numbers, decimals as strings; bars whose open time is in `[startTime,
/// endTime]` (inclusive); with `startTime` the first `limit` of them, otherwise the last `limit`
/// up to `endTime` (or now); `limit` default 500, capped at 1000 (spot) / 1500 (futures); the
/// running bar is the last row (its close time is in the future); 120 days of bars at most.
/// Intervals `1h` and `1d` (UTC); the other intervals the live API knows get `-1120 Invalid
/// interval.` here, since the synthetic price path is hourly. A missing `symbol` or `interval`
/// gets `-1102`, an unknown symbol `-1121`, a non-numeric number `-1100`, `startTime` after
/// `endTime` `-1023`. `None` when `path` is neither endpoint.
#[must_use]
pub fn klines(universe: &Universe, path: &str, query: &[(String, String)]) -> Option<String> {
    let (kind, max) = if path == SPOT_KLINES.path {
        (Klines::Spot, 1000)
    } else if path == FAPI_KLINES.path {
        (Klines::Futures, 1500)
    } else {
        return None;
    };
    let param = |key: &str| super::param(query, key);
    let mandatory = |key: &str| {
        error(
            -1102,
            &format!("Mandatory parameter '{key}' was not sent, was empty/null, or malformed."),
        )
    };
    let Some(symbol) = param("symbol").filter(|s| !s.is_empty()) else {
        return Some(mandatory("symbol"));
    };
    let Some(interval) = param("interval").filter(|s| !s.is_empty()) else {
        return Some(mandatory("interval"));
    };
    let [start, end, limit] = match window(query) {
        Ok(window) => window,
        Err(e) => return Some(e),
    };
    let all = perps(universe);
    let (market, perp) = match kind {
        Klines::Spot => (
            universe.spots().find(|m| joined_spot_symbol(m) == symbol),
            None,
        ),
        Klines::Futures => {
            let p = all.iter().find(|p| p.symbol == symbol);
            (p.map(|p| p.m), p)
        }
    };
    let Some(m) = market else {
        return Some(error(-1121, "Invalid symbol."));
    };
    let bar = match interval {
        "1h" => Bar::Hour,
        "1d" => Bar::Day,
        _ => return Some(error(-1120, "Invalid interval.")),
    };
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Some(error(-1023, "Start time is greater than end time."));
    }
    let limit = usize::try_from(limit.unwrap_or(500).clamp(1, max)).unwrap_or(500);
    let now = universe.now_ms;
    let bars = m.candles(
        bar,
        start.unwrap_or(i64::MIN / 2),
        end.unwrap_or(i64::MAX / 2),
        now,
    );
    let page = if start.is_some() {
        &bars[..bars.len().min(limit)]
    } else {
        &bars[bars.len().saturating_sub(limit)..]
    };
    let step = bar.millis();
    let rows: Vec<Value> = page
        .iter()
        .map(|c| match perp {
            Some(p) => futures_kline(p, c, step),
            None => spot_kline(c, step),
        })
        .collect();
    Some(Value::Array(rows).to_string())
}

#[cfg(test)]
mod klines_tests {
    use super::*;
    use crate::demo::HOUR_MS;
    use crate::demo::roundtrip::{array, demo_query as q, get_json};
    use crate::model::Venue;

    fn rows(u: &Universe, path: &str, query: &[(&str, &str)]) -> Vec<Value> {
        array(&get_json(respond, u, path, query))
    }

    #[test]
    fn klines_answer_like_the_live_endpoints() {
        let now = 1_760_000_000_000 + 17 * 60_000;
        let u = Universe::generate(Venue::Binance, 40, 40, now);
        let m = u.markets.iter().find(|m| m.has_spot).expect("spot");
        let spot = joined_spot_symbol(m);
        let hour = now / HOUR_MS * HOUR_MS;
        assert_eq!(klines(&u, "/fapi/v1/fundingRate", &[]), None);
        // Default: the latest 500 bars, oldest first, the running bar last.
        let latest = rows(
            &u,
            "/api/v3/klines",
            &[("symbol", &spot), ("interval", "1h")],
        );
        assert_eq!(latest.len(), 500);
        assert_eq!(latest[499][0], json!(hour));
        assert_eq!(latest[499][6], json!(hour + HOUR_MS - 1));
        assert!(latest[499][6].as_i64() > Some(now), "running bar");
        assert_eq!(latest[0][0], json!(hour - 499 * HOUR_MS));
        assert_eq!(latest[499][4], json!(pad(m.price, 8)));
        assert!(latest[0][1].is_string() && latest[0][8].is_u64() && latest[0][11] == "0");
        assert_eq!(latest[0].as_array().map(Vec::len), Some(12));
        // Inclusive bounds; startTime takes the first `limit` from it.
        let (s, e) = (hour - 10 * HOUR_MS, hour - 5 * HOUR_MS);
        let (s_txt, e_txt) = (s.to_string(), e.to_string());
        let window = rows(
            &u,
            "/api/v3/klines",
            &[
                ("symbol", &spot),
                ("interval", "1h"),
                ("startTime", &s_txt),
                ("endTime", &e_txt),
            ],
        );
        assert_eq!(window.len(), 6);
        assert_eq!(
            (window[0][0].as_i64(), window[5][0].as_i64()),
            (Some(s), Some(e))
        );
        let two = rows(
            &u,
            "/api/v3/klines",
            &[
                ("symbol", &spot),
                ("interval", "1h"),
                ("startTime", &s_txt),
                ("limit", "2"),
            ],
        );
        assert_eq!(two.len(), 2);
        assert_eq!(two[1][0], json!(s + HOUR_MS));
        // Caps: spot 1000, futures 1500; 120 days of history.
        let capped = |path: &str, symbol: &str| {
            rows(
                &u,
                path,
                &[
                    ("symbol", symbol),
                    ("interval", "1h"),
                    ("startTime", "0"),
                    ("limit", "5000"),
                ],
            )
        };
        let spot_all = capped("/api/v3/klines", &spot);
        assert_eq!(spot_all.len(), 1000);
        assert_eq!(
            spot_all[0][0],
            json!((now - 120 * DAY_MS) / HOUR_MS * HOUR_MS)
        );
        let p = u
            .perps()
            .find(|p| p.multiplier == 1000)
            .expect("a 1000x perp");
        let perp = format!("{}{}", p.perp_base(), p.quote);
        assert_eq!(capped("/fapi/v1/klines", &perp).len(), 1500);
        // Daily bars open at 00:00 UTC; futures prices are per contract (× 1000).
        let days = rows(
            &u,
            "/fapi/v1/klines",
            &[("symbol", &perp), ("interval", "1d"), ("limit", "3")],
        );
        assert_eq!(days.len(), 3);
        assert!(
            days.iter()
                .all(|d| d[0].as_i64().is_some_and(|t| t % DAY_MS == 0))
        );
        let close: Decimal = days[2][4]
            .as_str()
            .and_then(|c| c.parse().ok())
            .expect("close");
        assert_eq!(close, p.contract_price(p.price));
        // Errors as Binance sends them.
        for (query, code) in [
            (vec![("symbol", "NOPEUSDT"), ("interval", "1h")], -1121),
            (vec![("symbol", perp.as_str()), ("interval", "1h")], -1121),
            (vec![("interval", "1h")], -1102),
            (vec![("symbol", spot.as_str())], -1102),
            (vec![("symbol", spot.as_str()), ("interval", "1H")], -1120),
            (
                vec![
                    ("symbol", spot.as_str()),
                    ("interval", "1h"),
                    ("limit", "x"),
                ],
                -1100,
            ),
            (
                vec![
                    ("symbol", spot.as_str()),
                    ("interval", "1h"),
                    ("startTime", "5"),
                    ("endTime", "4"),
                ],
                -1023,
            ),
        ] {
            let body = klines(&u, "/api/v3/klines", &q(&query)).expect("answered");
            let v: Value = serde_json::from_str(&body).expect("json");
            assert_eq!(v["code"], json!(code), "{query:?}: {body}");
        }
    }
}
