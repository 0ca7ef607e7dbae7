//! Gate v4 payloads (USDT futures contracts and tickers, spot pairs and tickers) for a synthetic universe.
//!
//! Same bare-array bodies, field names and encodings as the live API: decimals as strings,
//! sizes and counters as ints, times in seconds. Gate quotes every USDT-settled contract per
//! coin and sizes it in contracts of `quanto_multiplier` coins, so the universe's multiplied
//! markets (`1000PEPE` elsewhere) are rendered as `PEPE_USDT` with per-coin prices and a large
//! `quanto_multiplier`. Gate lists no USDC-settled perpetuals: the universe's USDC perps are
//! left out (their spot pairs are kept). The contract list is served in pages of
//! [`PAGE_LIMIT`] (`limit=1000&offset=N`) and also holds contracts the adapter must filter out
//! ([`FILTERED_CONTRACTS`]); the pair list holds [`FILTERED_PAIRS`]; the tickers carry rows for
//! them too. [`respond`] answers the history endpoints (settled funding, futures and spot
//! candlesticks). The unified-account discount tiers list every coin of the universe (assets
//! and quotes) and [`super::UNLISTED_COLLATERAL`], three tiers each, the first at [`collateral_haircut`].

use super::json::{Value, json};
use rust_decimal::Decimal;

use super::{
    Ask, Day, Funding, HISTORY_DAYS, Route, SynthCandle, SynthMarket, Universe, collateral_coins,
    collateral_haircut, list_rows, param, spot_days,
};
use crate::venue::Bar;
use crate::venue::gate::{
    CANDLESTICKS, CONTRACTS, CURRENCY_PAIRS, DISCOUNT_TIERS, FUNDING_RATE, PAGE_LIMIT,
    SPOT_CANDLESTICKS, SPOT_TICKERS, TICKERS,
};

/// Contracts the demo lists but the adapter must drop, with their `status`.
pub const FILTERED_CONTRACTS: [(&str, &str); 3] = [
    ("DEMOPRE_USDT", "prelaunch"),
    ("DEMODEL_USDT", "delisting"),
    ("DEMOOLD_USDT", "delisted"),
];

/// Spot pairs the demo lists but the adapter must drop, with why (`trade_status` or `type`).
pub const FILTERED_PAIRS: [(&str, &str); 3] = [
    ("DEMOHALT_USDT", "untradable"),
    ("DEMOBUY_USDT", "buyable"),
    ("DEMOPM_USDT", "premarket"),
];

const SECONDS_PER_HOUR: i64 = 3600;

/// Path of the settled funding.
const FUNDING_RATE_PATH: &str = FUNDING_RATE.path;
/// Path of the futures candlesticks.
const CANDLESTICKS_PATH: &str = CANDLESTICKS.path;
/// Path of the spot candlesticks.
const SPOT_CANDLESTICKS_PATH: &str = SPOT_CANDLESTICKS.path;
/// Paths the tests name.
#[cfg(test)]
const DISCOUNT_TIERS_PATH: &str = DISCOUNT_TIERS.path;
#[cfg(test)]
const TICKERS_PATH: &str = TICKERS.path;

/// Routes serving `universe` in Gate's formats: every request of the reference plan and of the
/// snapshot plan, each contract-list page under its own `offset`.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    let mut routes: Vec<Route> = contract_pages(universe)
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            Route::at(&CONTRACTS, body)
                .with_query("limit", &PAGE_LIMIT.to_string())
                .with_query("offset", &(i * PAGE_LIMIT).to_string())
        })
        .collect();
    routes.push(Route::at(&TICKERS, tickers(universe)));
    routes.push(Route::at(&CURRENCY_PAIRS, currency_pairs(universe)));
    routes.push(Route::at(&SPOT_TICKERS, spot_tickers(universe)));
    routes.push(Route::at(&DISCOUNT_TIERS, discount_tiers(universe)));
    routes
}

/// `GET /api/v4/unified/currency_discount_tiers`: per coin, tiers 1–3 from 0, 100 000 and
/// 1 000 000 (the last unbounded, `"+"`), the discount falling 0.05 and then 0.2 below the
/// first tier's.
fn discount_tiers(u: &Universe) -> String {
    let bounds = [
        ("0", "100000", Decimal::ZERO, "10"),
        ("100000", "1000000", Decimal::new(5, 2), "5"),
        ("1000000", "+", Decimal::new(2, 1), "3"),
    ];
    let rows: Vec<Value> = collateral_coins(u)
        .iter()
        .map(|(coin, _)| {
            let k = collateral_haircut(coin);
            let tiers: Vec<Value> = bounds
                .iter()
                .enumerate()
                .map(|(i, (lower, upper, cut, leverage))| {
                    json!({
                        "tier": (i + 1).to_string(),
                        "discount": s(k - cut),
                        "lower_limit": lower,
                        "upper_limit": upper,
                        "leverage": leverage,
                    })
                })
                .collect();
            json!({"currency": coin, "discount_tiers": tiers})
        })
        .collect();
    Value::Array(rows).to_string()
}

/// The `quanto_multiplier` Gate would pick: a power of ten worth 1–1000 USDT per contract
/// (0.01 BTC, 1 XRP, 1 000 000 PEPE).
#[must_use]
pub fn quanto_multiplier(price: Decimal) -> Decimal {
    super::contract_unit(price)
}

/// A quantity of coins as whole contracts of `quanto` coins (Gate sizes are integers).
#[must_use]
pub fn contracts_for(coins: Decimal, quanto: Decimal) -> Decimal {
    if quanto <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    coins.checked_div(quanto).unwrap_or_default().round()
}

/// The contract (and spot pair) name of a universe market: `BTC_USDT`.
#[must_use]
pub fn pair_name(m: &SynthMarket) -> String {
    format!("{}_{}", m.asset, m.quote)
}

/// Perps Gate lists: the universe's USDT-quoted ones.
fn listed_perps(u: &Universe) -> impl Iterator<Item = &SynthMarket> {
    u.perps().filter(|m| m.quote == "USDT")
}

fn s(d: Decimal) -> String {
    d.normalize().to_string()
}

fn int(d: Decimal) -> i64 {
    i64::try_from(d.trunc()).unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn contract_row(
    name: &str,
    quanto: Decimal,
    last: Decimal,
    mark: Decimal,
    index: Decimal,
    funding: &Funding,
    position: Decimal,
    status: &str,
    now_ms: i64,
) -> Value {
    let round = Decimal::new(1, mark.scale());
    let now_s = now_ms / 1000;
    let mut row = json!({
        "funding_rate_indicative": s(funding.rate),
        "mark_price_round": s(round),
        "funding_offset": 0,
        "in_delisting": matches!(status, "delisting" | "delisted"),
        "risk_limit_base": "1000000",
        "interest_rate": "0.0003",
        "index_price": s(index),
        "order_price_round": s(round),
        "order_size_min": 1,
        "ref_rebate_rate": "0.2",
        "name": name,
        "ref_discount_rate": "0",
        "order_price_deviate": "0.02",
        "maintenance_rate": "0.005",
        "mark_type": "index",
    });
    // Two halves: one `json!` of 43 keys exceeds the macro's recursion limit.
    let rest = json!({
        "funding_interval": i64::from(funding.interval_hours) * SECONDS_PER_HOUR,
        "type": "direct",
        "risk_limit_step": "1000000",
        "enable_bonus": true,
        "enable_credit": true,
        "leverage_min": "1",
        "funding_rate": s(funding.rate),
        "last_price": s(last),
        "mark_price": s(mark),
        "order_size_max": 1_000_000,
        "funding_next_apply": funding.next_ms / 1000,
        "short_users": 184,
        "config_change_time": now_s - 86_400,
        "create_time": now_s - 400 * 86_400,
        "trade_size": 4_497_341_032_i64,
        "position_size": int(position),
        "long_users": 377,
        "quanto_multiplier": s(quanto),
        "funding_impact_value": "30000",
        "leverage_max": "100",
        "cross_leverage_default": "10",
        "risk_limit_max": "8000000",
        "maker_fee_rate": "-0.0001",
        "taker_fee_rate": "0.00075",
        "orders_limit": 100,
        "trade_id": 516_324_899,
        "orderbook_id": 7_465_561,
        "funding_cap_ratio": "0.75",
        "status": status,
    });
    if let (Value::Object(head), Value::Object(tail)) = (&mut row, rest) {
        head.extend(tail);
    }
    row
}

/// The contract list, split into pages of [`PAGE_LIMIT`] rows. A list whose length is a
/// multiple of the page size gets a trailing empty page, as Gate would answer that offset.
fn contract_pages(u: &Universe) -> Vec<String> {
    let mut rows: Vec<Value> = listed_perps(u)
        .map(|m| {
            let quanto = quanto_multiplier(m.price);
            contract_row(
                &pair_name(m),
                quanto,
                m.mark,
                m.mark,
                m.index,
                &Funding::of(m),
                contracts_for(m.open_interest, quanto),
                "trading",
                u.now_ms,
            )
        })
        .collect();
    for (name, status) in FILTERED_CONTRACTS {
        let one = Decimal::ONE;
        let funding = Funding::filler(u.now_ms);
        let position = if status == "delisted" {
            Decimal::ZERO
        } else {
            Decimal::TEN
        };
        rows.push(contract_row(
            name, one, one, one, one, &funding, position, status, u.now_ms,
        ));
    }
    let mut pages: Vec<String> = rows
        .chunks(PAGE_LIMIT)
        .map(|chunk| Value::Array(chunk.to_vec()).to_string())
        .collect();
    if rows.len().is_multiple_of(PAGE_LIMIT) {
        pages.push("[]".to_owned());
    }
    pages
}

/// One futures ticker row: `d` per one coin (volume in coins, counted in contracts of `quanto`
/// coins as well), the open interest in coins, the mark, index and funding rate.
fn ticker_row(
    name: &str,
    d: &Day,
    quanto: Decimal,
    open_interest: Decimal,
    mark: Decimal,
    index: Decimal,
    rate: Decimal,
) -> Value {
    json!({
        "contract": name,
        "last": s(d.last),
        "low_24h": s(d.low),
        "high_24h": s(d.high),
        "change_percentage": "0.42",
        "total_size": s(contracts_for(open_interest, quanto)),
        "volume_24h": s(contracts_for(d.volume, quanto)),
        "volume_24h_base": s(d.volume),
        "volume_24h_quote": s(d.quote_volume),
        "volume_24h_settle": s(d.quote_volume),
        "mark_price": s(mark),
        "funding_rate": s(rate),
        "funding_rate_indicative": s(rate),
        "index_price": s(index),
        "quanto_base_rate": "",
        "basis_rate": "0.0001",
        "basis_value": "0.01",
        "highest_bid": s(d.bid),
        "highest_size": "1200",
        "lowest_ask": s(d.ask),
        "lowest_size": "800",
    })
}

fn tickers(u: &Universe) -> String {
    let one = Decimal::ONE;
    let listed = listed_perps(u).map(|m| {
        let day = Day::perp_per_coin(m, m.volume_base);
        let quanto = quanto_multiplier(m.price);
        let name = pair_name(m);
        ticker_row(
            &name,
            &day,
            quanto,
            m.open_interest,
            m.mark,
            m.index,
            m.funding_rate,
        )
    });
    let filtered = FILTERED_CONTRACTS
        .iter()
        .map(|(name, _)| ticker_row(name, &Day::FILLER, one, one, one, one, Decimal::new(5, 3)));
    Value::Array(listed.chain(filtered).collect()).to_string()
}

fn pair_row(id: &str, base: &str, quote: &str, status: &str, kind: &str, precision: u32) -> Value {
    json!({
        "id": id,
        "base": base,
        "base_name": base,
        "quote": quote,
        "quote_name": if quote == "USDC" { "USD Coin" } else { "Tether" },
        "fee": "0.2",
        "min_base_amount": "0.0001",
        "min_quote_amount": "1",
        "max_base_amount": null,
        "max_quote_amount": "5000000",
        "amount_precision": 4,
        "precision": precision,
        "trade_status": status,
        "sell_start": 1_607_313_600,
        "buy_start": 1_607_313_600,
        "delisting_time": 0,
        "type": kind,
        "trade_url": format!("https://www.gate.io/trade/{id}"),
        "st_tag": false,
        "up_rate": "0.05",
        "down_rate": "0.02",
        "slippage": "0.05",
        "max_market_order_stock": "100000",
        "max_market_order_money": "1000000",
    })
}

fn currency_pairs(u: &Universe) -> String {
    let listed = u.spots().map(|m| {
        let precision = m.spot_bid.scale();
        pair_row(
            &pair_name(m),
            &m.asset,
            &m.quote,
            "tradable",
            "normal",
            precision,
        )
    });
    let filtered = FILTERED_PAIRS.iter().map(|(id, why)| {
        let base = id.strip_suffix("_USDT").unwrap_or(id);
        let (status, kind) = match *why {
            "premarket" => ("tradable", "premarket"),
            status => (status, "normal"),
        };
        pair_row(id, base, "USDT", status, kind, 4)
    });
    Value::Array(listed.chain(filtered).collect()).to_string()
}

/// One spot ticker row of `d`.
fn spot_ticker_row(id: &str, d: &Day) -> Value {
    json!({
        "currency_pair": id,
        "last": s(d.last),
        "lowest_ask": s(d.ask),
        "lowest_size": "",
        "highest_bid": s(d.bid),
        "highest_size": "",
        "change_percentage": "0.35",
        "change_utc0": "0.21",
        "change_utc8": "0.18",
        "base_volume": s(d.volume),
        "quote_volume": s(d.quote_volume),
        "high_24h": s(d.high),
        "low_24h": s(d.low),
    })
}

fn spot_tickers(u: &Universe) -> String {
    let rows = list_rows(
        spot_days(u, pair_name),
        &FILTERED_PAIRS,
        Day::FILLER,
        spot_ticker_row,
    );
    Value::Array(rows).to_string()
}

/// Answers Gate's history endpoints for `universe` like the live API (see
/// [`super::server::Dynamic`]): settled funding ([`FUNDING_RATE_PATH`]), futures candlesticks
/// ([`CANDLESTICKS_PATH`]) and spot candlesticks ([`SPOT_CANDLESTICKS_PATH`]); `None` for any
/// other path. Errors are Gate's `{"label", "message"}` bodies (sent with HTTP 400 live).
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    let answer = match ask.path {
        FUNDING_RATE_PATH => funding_history(universe, ask.query),
        CANDLESTICKS_PATH => futures_candles(universe, ask.query),
        SPOT_CANDLESTICKS_PATH => spot_candles(universe, ask.query),
        _ => return None,
    };
    Some(answer.unwrap_or_else(|e| e))
}

fn error(label: &str, message: &str) -> String {
    json!({"label": label, "message": message}).to_string()
}

/// Query parameter `key` as an integer (`None` when absent); garbage is `INVALID_PARAM_VALUE`.
fn number(query: &[(String, String)], key: &str) -> Result<Option<i64>, String> {
    param(query, key)
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                error(
                    "INVALID_PARAM_VALUE",
                    &format!("Invalid parameter value: {key}"),
                )
            })
        })
        .transpose()
}

/// The listed perp named by `contract`.
fn contract_of<'u>(u: &'u Universe, query: &[(String, String)]) -> Result<&'u SynthMarket, String> {
    let name = param(query, "contract").ok_or_else(|| {
        error(
            "MISSING_REQUIRED_PARAM",
            "Missing required parameter: contract",
        )
    })?;
    listed_perps(u)
        .find(|m| pair_name(m) == name)
        .ok_or_else(|| error("CONTRACT_NOT_FOUND", "Contract not found"))
}

/// `GET /api/v4/futures/usdt/funding_rate`: settlements with `t` in `[from, to]` (seconds;
/// `to` defaults to now), the `limit` newest of them (default 100, 1..=1000), newest first,
/// `{"t": <int seconds>, "r": "<rate>"}`; [`HISTORY_DAYS`] days kept.
fn funding_history(u: &Universe, query: &[(String, String)]) -> Result<String, String> {
    let m = contract_of(u, query)?;
    let limit = number(query, "limit")?.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(error(
            "INVALID_PARAM_VALUE",
            "Invalid parameter value: limit",
        ));
    }
    let from = number(query, "from")?.map_or(i64::MIN, |s| s.saturating_mul(1000));
    let to = number(query, "to")?.map_or(u.now_ms, |s| s.saturating_mul(1000));
    let rows: Vec<Value> = m
        .settlements(u.now_ms, HISTORY_DAYS, from, to)
        .iter()
        .rev()
        .take(usize::try_from(limit).unwrap_or(100))
        .map(|t| json!({"t": t / 1000, "r": s(m.historic_rate(*t))}))
        .collect();
    Ok(Value::Array(rows).to_string())
}

/// The candles a candlestick request selects (seconds in, per-coin candles out): `from`/`to`
/// (`to` defaults to now, `from` to 100 bars before `to`), or the latest `limit` (default 100)
/// bars when neither is given; `limit` together with `from` or `to` is rejected, as are
/// ranges of more than `max_points` bars and starts more than 10 000 bars ago. The demo
/// serves `1h` and `1d` only.
fn select_candles(
    u: &Universe,
    m: &SynthMarket,
    query: &[(String, String)],
    max_points: i64,
) -> Result<Vec<SynthCandle>, String> {
    let bar = match param(query, "interval") {
        Some("1h") => Bar::Hour,
        Some("1d") => Bar::Day,
        _ => {
            return Err(error(
                "INVALID_PARAM_VALUE",
                "Invalid parameter value: interval",
            ));
        }
    };
    let step_s = bar.millis() / 1000;
    let (from, to, limit) = (
        number(query, "from")?,
        number(query, "to")?,
        number(query, "limit")?,
    );
    if limit.is_some() && (from.is_some() || to.is_some()) {
        return Err(error(
            "INVALID_PARAM_VALUE",
            "limit is conflicted with from and to",
        ));
    }
    let now_s = u.now_ms / 1000;
    let to = to.unwrap_or(now_s);
    let latest = to.div_euclid(step_s) * step_s;
    let from = match (from, limit) {
        (Some(from), _) => from,
        (None, Some(limit)) => latest - (limit.clamp(1, max_points) - 1) * step_s,
        (None, None) => latest - 99 * step_s,
    };
    if to < from || (to - from) / step_s + 1 > max_points {
        return Err(error(
            "INVALID_PARAM_VALUE",
            &format!("Too many points requested: at most {max_points} in one query"),
        ));
    }
    if from < now_s - 10_000 * step_s {
        return Err(error("INVALID_PARAM_VALUE", "Maximum 10000 points ago"));
    }
    Ok(m.candles(bar, from * 1000, to * 1000, u.now_ms))
}

/// `GET /api/v4/futures/usdt/candlesticks`: object rows, oldest first, prices per coin (Gate
/// quotes per coin), `v` in contracts of the `quanto_multiplier`, `sum` the quote volume; at
/// most 2000 points.
fn futures_candles(u: &Universe, query: &[(String, String)]) -> Result<String, String> {
    let m = contract_of(u, query)?;
    let quanto = quanto_multiplier(m.price);
    let rows: Vec<Value> = select_candles(u, m, query, 2000)?
        .iter()
        .map(|c| {
            json!({
                "t": c.open_ms / 1000,
                "v": int(contracts_for(c.volume, quanto)),
                "c": s(c.close),
                "h": s(c.high),
                "l": s(c.low),
                "o": s(c.open),
                "sum": s((c.volume * c.close).round_dp(2)),
            })
        })
        .collect();
    Ok(Value::Array(rows).to_string())
}

/// `GET /api/v4/spot/candlesticks`: string rows `[t, quoteVolume, close, high, low, open,
/// baseVolume, windowClosed]`, oldest first, the running bar `"false"`; at most 1000 points.
fn spot_candles(u: &Universe, query: &[(String, String)]) -> Result<String, String> {
    let name = param(query, "currency_pair").ok_or_else(|| {
        error(
            "MISSING_REQUIRED_PARAM",
            "Missing required parameter: currency_pair",
        )
    })?;
    let m = u.spots().find(|m| pair_name(m) == name).ok_or_else(|| {
        error(
            "INVALID_CURRENCY_PAIR",
            &format!("Invalid currency pair {name}"),
        )
    })?;
    let step = match param(query, "interval") {
        Some("1d") => Bar::Day.millis(),
        _ => Bar::Hour.millis(),
    };
    let rows: Vec<Value> = select_candles(u, m, query, 1000)?
        .iter()
        .map(|c| {
            json!([
                (c.open_ms / 1000).to_string(),
                s((c.volume * c.close).round_dp(2)),
                s(c.close),
                s(c.high),
                s(c.low),
                s(c.open),
                s(c.volume),
                (c.open_ms + step <= u.now_ms).to_string(),
            ])
        })
        .collect();
    Ok(Value::Array(rows).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Venue;

    #[test]
    fn contracts_are_whole_multiples_of_the_quanto_multiplier() {
        assert_eq!(
            contracts_for(Decimal::new(12_346, 2), Decimal::new(1, 1)),
            Decimal::from(1235)
        );
        assert_eq!(contracts_for(Decimal::ONE, Decimal::ZERO), Decimal::ZERO);
    }

    #[test]
    fn discount_tiers_list_every_coin_from_tier_one_with_falling_discounts() {
        let u = Universe::generate(Venue::Gate, 60, 50, 1_760_000_000_000);
        let v = super::super::assert_collateral_table(&u, DISCOUNT_TIERS_PATH, "", "currency");
        for row in v.as_array().expect("a bare array") {
            let coin = row["currency"].as_str().expect("currency");
            let tiers = row["discount_tiers"].as_array().expect("tiers");
            assert_eq!(tiers.len(), 3);
            assert_eq!(
                (&tiers[0]["tier"], &tiers[0]["lower_limit"]),
                (&json!("1"), &json!("0"))
            );
            assert_eq!(tiers[0]["discount"], json!(s(collateral_haircut(coin))));
            assert_eq!(tiers[2]["upper_limit"], "+");
            assert!(tiers.iter().all(|t| t["discount"].is_string()));
        }
    }
}

#[cfg(test)]
mod history_tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::demo::DAY_MS;
    use crate::demo::roundtrip::{array, get_json};
    use crate::model::Venue;

    const NOW: i64 = 1_760_000_000_000;
    const HOUR_MS: i64 = 3_600_000;

    fn answer(u: &Universe, path: &str, pairs: &[(&str, &str)]) -> serde_json::Value {
        get_json(respond, u, path, pairs)
    }

    #[test]
    fn funding_history_answers_the_newest_up_to_to() {
        let u = Universe::generate(Venue::Gate, 40, 0, NOW);
        let m = listed_perps(&u).next().expect("a USDT perp");
        let name = pair_name(m);
        let step = m.funding_step();
        let last = NOW / step * step;
        let q = |extra: &[(&str, &str)]| {
            let mut q = vec![("contract", name.as_str())];
            q.extend_from_slice(extra);
            answer(&u, FUNDING_RATE_PATH, &q)
        };
        let latest = array(&q(&[]));
        assert_eq!(latest.len(), 100, "default limit");
        assert_eq!(
            latest[0]["t"],
            json!(last / 1000),
            "newest first, int seconds"
        );
        assert_eq!(latest[1]["t"], json!((last - step) / 1000));
        assert_eq!(latest[0]["r"], json!(s(m.historic_rate(last))));
        let to = ((last - 10 * step) / 1000).to_string();
        let older = array(&q(&[("to", &to), ("limit", "3")]));
        assert_eq!(older.len(), 3);
        assert_eq!(
            older[0]["t"],
            json!((last - 10 * step) / 1000),
            "to is inclusive"
        );
        let from = ((last - 12 * step) / 1000).to_string();
        assert_eq!(array(&q(&[("to", &to), ("from", &from)])).len(), 3);
        let kept = usize::try_from(HISTORY_DAYS * DAY_MS / step).expect("small");
        assert_eq!(array(&q(&[("limit", "1000")])).len(), kept.min(1000));
        assert_eq!(
            q(&[("limit", "1001")])["label"],
            json!("INVALID_PARAM_VALUE")
        );
        assert_eq!(q(&[("to", "x")])["label"], json!("INVALID_PARAM_VALUE"));
        assert_eq!(
            answer(&u, FUNDING_RATE_PATH, &[("contract", "NOPE_USDT")])["label"],
            json!("CONTRACT_NOT_FOUND")
        );
        assert_eq!(
            answer(&u, FUNDING_RATE_PATH, &[])["label"],
            json!("MISSING_REQUIRED_PARAM")
        );
        let usdc = u.perps().find(|m| m.quote == "USDC").expect("a USDC perp");
        assert_eq!(
            answer(&u, FUNDING_RATE_PATH, &[("contract", &pair_name(usdc))])["label"],
            json!("CONTRACT_NOT_FOUND"),
            "Gate lists no USDC perpetuals"
        );
        assert_eq!(respond(&u, &Ask::get(TICKERS_PATH, &[])), None);
    }

    #[test]
    fn candlesticks_answer_ranges_like_the_live_api() {
        let u = Universe::generate(Venue::Gate, 40, 40, NOW);
        let pepe = listed_perps(&u)
            .find(|m| m.multiplier == 1000)
            .expect("a cheap coin");
        let name = pair_name(pepe);
        let fut = |extra: &[(&str, &str)]| {
            let mut q = vec![("contract", name.as_str())];
            q.extend_from_slice(extra);
            answer(&u, CANDLESTICKS_PATH, &q)
        };
        let hour = NOW / HOUR_MS * HOUR_MS;
        let from = ((hour - 4 * HOUR_MS) / 1000).to_string();
        let five = array(&fut(&[("interval", "1h"), ("from", &from)]));
        assert_eq!(five.len(), 5, "from..now, the running hour included");
        assert_eq!(five[0]["t"], json!((hour - 4 * HOUR_MS) / 1000));
        assert_eq!(five[4]["t"], json!(hour / 1000));
        assert_eq!(five[4]["c"], json!(s(pepe.price)), "per coin, close = now");
        assert!(five[4]["v"].is_i64() && five[4]["o"].is_string() && five[4]["sum"].is_string());
        assert_eq!(
            array(&fut(&[("interval", "1h")])).len(),
            100,
            "default: 100 up to now"
        );
        assert_eq!(array(&fut(&[("interval", "1d"), ("limit", "7")])).len(), 7);
        let day = NOW / DAY_MS * DAY_MS;
        let days = array(&fut(&[("interval", "1d"), ("limit", "3")]));
        assert_eq!(days[2]["t"], json!(day / 1000), "UTC days");
        let label = |v: Value| v["label"].clone();
        assert_eq!(
            label(fut(&[("interval", "1h"), ("from", &from), ("limit", "5")])),
            json!("INVALID_PARAM_VALUE"),
            "limit conflicts with from/to"
        );
        let far = ((hour - 2000 * HOUR_MS) / 1000).to_string();
        assert_eq!(
            label(fut(&[("interval", "1h"), ("from", &far)])),
            json!("INVALID_PARAM_VALUE"),
            "2001 points"
        );
        let near = ((hour - 1999 * HOUR_MS) / 1000).to_string();
        assert_eq!(
            array(&fut(&[("interval", "1h"), ("from", &near)])).len(),
            2000
        );
        assert_eq!(
            label(fut(&[("interval", "1H")])),
            json!("INVALID_PARAM_VALUE")
        );
        assert_eq!(
            label(answer(
                &u,
                CANDLESTICKS_PATH,
                &[("contract", "NOPE_USDT"), ("interval", "1h")]
            )),
            json!("CONTRACT_NOT_FOUND")
        );
        // Spot: string arrays in Gate's order, the running bar flagged "false", 1000 points.
        let m = u.spots().next().expect("a spot pair");
        let pair = pair_name(m);
        let spot = |extra: &[(&str, &str)]| {
            let mut q = vec![("currency_pair", pair.as_str())];
            q.extend_from_slice(extra);
            answer(&u, SPOT_CANDLESTICKS_PATH, &q)
        };
        let bars = array(&spot(&[("interval", "1h"), ("from", &from)]));
        assert_eq!(bars.len(), 5);
        let synth = m.candles(Bar::Hour, hour, hour, NOW)[0];
        assert_eq!(
            bars[4],
            json!([
                (hour / 1000).to_string(),
                s((synth.volume * synth.close).round_dp(2)),
                s(m.price),
                s(synth.high),
                s(synth.low),
                s(synth.open),
                s(synth.volume),
                "false"
            ])
        );
        assert_eq!(bars[3][7], json!("true"));
        let near = ((hour - 999 * HOUR_MS) / 1000).to_string();
        assert_eq!(
            array(&spot(&[("interval", "1h"), ("from", &near)])).len(),
            1000
        );
        let far = ((hour - 1000 * HOUR_MS) / 1000).to_string();
        assert_eq!(
            label(spot(&[("interval", "1h"), ("from", &far)])),
            json!("INVALID_PARAM_VALUE")
        );
        assert_eq!(
            label(answer(
                &u,
                SPOT_CANDLESTICKS_PATH,
                &[("currency_pair", "NOPE_USDT")]
            )),
            json!("INVALID_CURRENCY_PAIR")
        );
    }
}
