//! Hyperliquid `POST /info` payloads (meta, spotMeta, contexts, predicted fundings) for a synthetic universe.
//!
//! Same shapes and encodings as the live API: bare JSON, `[meta, contexts]` arrays aligned by
//! index, decimals as strings, integers and ms times as numbers. Every perp is USDC-quoted;
//! multiplied markets are `k`-prefixed (`kPEPE`: prices per 1000 coins, open interest in
//! `kPEPE` units); funding is the universe's rate per hour. Spot pairs are `@<index>` except the
//! first (`<TOKEN>/USDC`, canonical), BTC/ETH/SOL spot is listed as Unit's `UBTC`/`UETH`/`USOL`,
//! and one extra illiquid pair has `midPx: null`. The perp universe also holds delisted coins
//! ([`FILTERED_PERPS`], with contexts, as Hyperliquid keeps them) that the adapter must drop.
//! [`respond`] answers the history requests (`fundingHistory`, `candleSnapshot`).

use super::json::{Value, dec_text, json};
use rust_decimal::Decimal;

use super::{Ask, HISTORY_DAYS, HOUR_MS, Route, SynthMarket, Universe};
use crate::venue::hyperliquid::{
    CANDLE_HISTORY, CANDLE_SNAPSHOT, FUNDING_HISTORY, FUNDING_HISTORY_PAGE, META,
    META_AND_ASSET_CTXS, PREDICTED_FUNDINGS, SPOT_META, SPOT_META_AND_ASSET_CTXS, WRAPPED_TOKENS,
};
use crate::venue::{Bar, Endpoint};

/// Perp coins the demo lists but the adapter must drop, with why.
pub const FILTERED_PERPS: [(&str, &str); 2] =
    [("DEMODELIST", "isDelisted"), ("DEMOGONE", "isDelisted")];

/// Token of the extra spot pair without a book (`midPx: null`): listed, but no bid/ask.
pub const ILLIQUID_SPOT_TOKEN: &str = "DEMOILLIQ";

/// Path of every info request.
const INFO_PATH: &str = META.path;

/// Routes serving `universe` in Hyperliquid's formats: every request of the reference plan and
/// of the full snapshot plan, matched on the body's `"type"`.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    let (universe_rows, ctxs) = perps(universe);
    let meta = json!({ "universe": universe_rows, "marginTables": margin_tables() });
    let (spot_meta, spot_ctxs) = spots(universe);
    vec![
        route(META, meta.to_string()),
        route(SPOT_META, spot_meta.to_string()),
        route(META_AND_ASSET_CTXS, json!([meta, ctxs]).to_string()),
        route(
            SPOT_META_AND_ASSET_CTXS,
            json!([spot_meta, spot_ctxs]).to_string(),
        ),
        route(PREDICTED_FUNDINGS, predicted_fundings(universe).to_string()),
    ]
}

fn route(endpoint: Endpoint, body: String) -> Route {
    Route::at(&endpoint, body).with_request_body(&format!("\"type\":\"{}\"", endpoint.name))
}

/// The perp coin name and its multiplier: `kPEPE` (1000) for multiplied markets, else the asset.
#[must_use]
pub fn perp_name(m: &SynthMarket) -> (String, Decimal) {
    if m.multiplier == 1000 {
        (format!("k{}", m.asset), Decimal::ONE_THOUSAND)
    } else {
        (m.asset.clone(), Decimal::ONE)
    }
}

/// The universe's funding rate per hour (Hyperliquid's `funding`).
#[must_use]
pub fn hourly_rate(m: &SynthMarket) -> Decimal {
    (m.funding_rate / Decimal::from(m.interval_hours.max(1))).normalize()
}

/// The perp's `dayNtlVlm`: base volume × mark, USDC.
#[must_use]
pub fn perp_notional_volume(m: &SynthMarket) -> Decimal {
    (m.volume_base * m.mark).round_dp(6).normalize()
}

/// The spot token listing `asset` (`UBTC` for BTC).
#[must_use]
pub fn spot_token(asset: &str) -> String {
    WRAPPED_TOKENS
        .iter()
        .find(|(_, coin)| *coin == asset)
        .map_or_else(|| asset.to_owned(), |(wrapped, _)| (*wrapped).to_owned())
}

/// The spot `midPx` of a universe market.
#[must_use]
pub fn spot_mid(m: &SynthMarket) -> Decimal {
    ((m.spot_bid + m.spot_ask) / Decimal::TWO).normalize()
}

/// Size decimals Hyperliquid would pick: about one per integer digit of the price, at most 5.
fn sz_decimals(price: Decimal) -> usize {
    if price < Decimal::ONE {
        0
    } else {
        price.trunc().to_string().len().min(5)
    }
}

fn margin_tables() -> Value {
    json!([
        [50, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": 50}]}],
        [20, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": 20}]}],
        [10, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": 10}]}],
        [3, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": 3}]}]
    ])
}

/// Maximum leverage (and margin table id) of the `i`-th perp of a universe.
const fn leverage_of(i: usize) -> u32 {
    match i {
        0 | 1 => 50,
        2..=19 => 20,
        _ if i % 10 == 7 => 3,
        _ => 10,
    }
}

/// The maximum leverage `meta` serves for the perp of `asset` (its one-tier margin table).
#[must_use]
pub fn max_leverage(u: &Universe, asset: &str) -> Option<u32> {
    u.perps().position(|m| m.asset == asset).map(leverage_of)
}

/// `meta.universe` rows and the index-aligned contexts, delisted coins included.
fn perps(u: &Universe) -> (Vec<Value>, Vec<Value>) {
    let mut rows = Vec::with_capacity(u.markets.len() + FILTERED_PERPS.len());
    let mut ctxs = Vec::with_capacity(rows.capacity());
    for (i, m) in u.perps().enumerate() {
        let (name, mult) = perp_name(m);
        let px = |per_coin: Decimal| dec_text(per_coin * mult);
        let leverage = leverage_of(i);
        let mut row = json!({
            "szDecimals": sz_decimals(m.mark * mult),
            "name": name,
            "maxLeverage": leverage,
            "marginTableId": leverage,
        });
        if leverage == 3 {
            row["onlyIsolated"] = json!(true);
        }
        rows.push(row);
        let mid = (m.perp_bid + m.perp_ask) / Decimal::TWO;
        let premium = if m.index.is_zero() {
            Decimal::ZERO
        } else {
            ((m.mark - m.index) / m.index).round_dp(8)
        };
        ctxs.push(json!({
            "dayNtlVlm": dec_text(perp_notional_volume(m)),
            "funding": dec_text(hourly_rate(m)),
            "impactPxs": [px(m.perp_bid), px(m.perp_ask)],
            "markPx": px(m.mark),
            "midPx": px(mid),
            "openInterest": dec_text(m.open_interest / mult),
            "oraclePx": px(m.index),
            "premium": dec_text(premium),
            "prevDayPx": px(m.low),
            "dayBaseVlm": dec_text(m.volume_base / mult),
        }));
    }
    for (k, (name, _)) in FILTERED_PERPS.iter().enumerate() {
        // Delisted coins keep their slot (and a stale context) in the universe.
        let at = (3 + 5 * k).min(rows.len());
        rows.insert(
            at,
            json!({"szDecimals": 0, "name": name, "maxLeverage": 3, "marginTableId": 3,
                   "onlyIsolated": true, "isDelisted": true}),
        );
        ctxs.insert(
            at,
            json!({"dayNtlVlm": "0.0", "funding": "0.0000125", "impactPxs": null,
                   "markPx": "1.234", "midPx": null, "openInterest": "0.0",
                   "oraclePx": "1.234", "premium": null, "prevDayPx": "1.234",
                   "dayBaseVlm": "0.0"}),
        );
    }
    (rows, ctxs)
}

/// `spotMeta` (tokens + pairs) and the spot contexts.
fn spots(u: &Universe) -> (Value, Vec<Value>) {
    let mut tokens = vec![json!({
        "name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0,
        "tokenId": "0x6d1e7cde53ba9467b783cb7c530ce054", "isCanonical": true,
        "evmContract": null, "fullName": null, "deployerTradingFeeShare": "0.0"
    })];
    let mut pairs = Vec::new();
    let mut ctxs = Vec::new();
    let mut push = |token: String, full_name: Option<String>, ctx: Value| {
        let index = pairs.len();
        let token_index = index + 1;
        let name = if index == 0 {
            format!("{token}/USDC")
        } else {
            format!("@{index}")
        };
        tokens.push(json!({
            "name": token, "szDecimals": 2, "weiDecimals": 8, "index": token_index,
            "tokenId": format!("0x{:032x}", 0x5eed_0000_u64 + token_index as u64),
            "isCanonical": index == 0, "evmContract": null, "fullName": full_name,
            "deployerTradingFeeShare": "0.0"
        }));
        pairs.push(json!({
            "tokens": [token_index, 0], "name": name, "index": index, "isCanonical": index == 0
        }));
        let mut ctx = ctx;
        ctx["coin"] = json!(name);
        ctxs.push(ctx);
    };
    for m in u.spots() {
        let token = spot_token(&m.asset);
        let full_name = (token != m.asset).then(|| format!("Unit {}", m.asset));
        push(
            token,
            full_name,
            json!({
                "prevDayPx": dec_text(m.low),
                "dayNtlVlm": dec_text(m.volume_quote()),
                "markPx": dec_text(m.price),
                "midPx": dec_text(spot_mid(m)),
                "circulatingSupply": dec_text(m.volume_base * Decimal::TEN),
                "totalSupply": dec_text(m.volume_base * Decimal::ONE_HUNDRED),
                "dayBaseVlm": dec_text(m.volume_base),
            }),
        );
    }
    push(
        ILLIQUID_SPOT_TOKEN.to_owned(),
        None,
        json!({"prevDayPx": "0.5", "dayNtlVlm": "0.0", "markPx": "0.5", "midPx": null,
               "circulatingSupply": "1000.0", "totalSupply": "1000.0", "dayBaseVlm": "0.0"}),
    );
    (json!({ "universe": pairs, "tokens": tokens }), ctxs)
}

/// `predictedFundings`: Hyperliquid's hourly rate and next full hour for every perp, plus
/// Binance/Bybit predictions (the universe's own interval) for the well-known coins.
fn predicted_fundings(u: &Universe) -> Value {
    let next_hour = (u.now_ms.div_euclid(HOUR_MS) + 1) * HOUR_MS;
    let rows: Vec<Value> = u
        .perps()
        .map(|m| {
            let (name, _) = perp_name(m);
            let other = if m.asset.starts_with("SYN") {
                Value::Null
            } else {
                json!({
                    "fundingRate": dec_text(m.funding_rate),
                    "nextFundingTime": m.next_funding_ms,
                    "fundingIntervalHours": m.interval_hours,
                })
            };
            json!([name, [
                ["BinPerp", other],
                ["HlPerp", {
                    "fundingRate": dec_text(hourly_rate(m)),
                    "nextFundingTime": next_hour,
                    "fundingIntervalHours": 1,
                }],
                ["BybitPerp", other],
            ]])
        })
        .collect();
    Value::Array(rows)
}

/// Answers Hyperliquid's history requests for `universe` like the live API (see
/// [`super::server::Dynamic`]): `POST /info` with `{"type":"fundingHistory",…}` or
/// `{"type":"candleSnapshot",…}`; `None` for any other path or type (the static routes serve
/// those). A request missing a field or with a wrong type gets the HTTP 422 text Hyperliquid
/// sends ("Failed to deserialize the JSON body…"); an unknown coin gets `null`.
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    if ask.path != INFO_PATH {
        return None;
    }
    let request: Value = serde_json::from_str(ask.body).ok()?;
    let kind = request.get("type").and_then(Value::as_str)?;
    if kind == FUNDING_HISTORY.name {
        Some(funding_history(universe, &request))
    } else if kind == CANDLE_SNAPSHOT.name {
        Some(candle_snapshot(universe, request.get("req")))
    } else {
        None
    }
}

/// Hyperliquid's HTTP 422 text for a body its deserializer rejects.
fn unprocessable(detail: &str) -> String {
    format!("Failed to deserialize the JSON body into the target type: {detail}")
}

/// Integer field `key` of `obj`: required (`Err` = the 422 text) or optional.
fn int_field(obj: &Value, key: &str, required: bool) -> Result<Option<i64>, String> {
    match obj.get(key) {
        None | Some(Value::Null) if required => {
            Err(unprocessable(&format!("missing field `{key}`")))
        }
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| unprocessable(&format!("{key}: invalid type, expected u64"))),
    }
}

fn str_field<'v>(obj: &'v Value, key: &str) -> Result<&'v str, String> {
    obj.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| unprocessable(&format!("missing field `{key}`")))
}

/// `fundingHistory`: the hourly settlements with `time` in `[startTime, endTime]` (`endTime`
/// defaults to now), oldest first, at most 500; [`HISTORY_DAYS`] days kept. Rates are the
/// universe's hourly rate with the synthetic wobble.
fn funding_history(u: &Universe, request: &Value) -> String {
    let fields = || -> Result<(&str, i64, Option<i64>), String> {
        Ok((
            str_field(request, "coin")?,
            int_field(request, "startTime", true)?.unwrap_or_default(),
            int_field(request, "endTime", false)?,
        ))
    };
    let (coin, start, end) = match fields() {
        Ok(f) => f,
        Err(text) => return text,
    };
    let Some(m) = u.perps().find(|m| perp_name(m).0 == coin) else {
        return "null".to_owned();
    };
    let hourly = SynthMarket {
        interval_hours: 1,
        funding_rate: hourly_rate(m),
        ..m.clone()
    };
    let premium = if m.index.is_zero() {
        Decimal::ZERO
    } else {
        ((m.mark - m.index) / m.index).round_dp(8)
    };
    let rows: Vec<Value> = hourly
        .settlements(u.now_ms, HISTORY_DAYS, start, end.unwrap_or(i64::MAX))
        .iter()
        .take(FUNDING_HISTORY_PAGE)
        .map(|t| {
            json!({
                "coin": coin,
                "fundingRate": dec_text(hourly.historic_rate(*t)),
                "premium": dec_text(premium),
                "time": t,
            })
        })
        .collect();
    Value::Array(rows).to_string()
}

/// `candleSnapshot`: the candles with `t` in `[startTime, endTime]` among the latest 5000 of
/// the coin and interval (`1h`, `1d`; other names are rejected as unknown variants here),
/// oldest first, the running one last (`T` in the future). Perps by coin (`kPEPE`: prices per
/// 1000 coins, volume in `kPEPE`), spot by pair name (`UBTC/USDC`) or `@index`.
fn candle_snapshot(u: &Universe, req: Option<&Value>) -> String {
    let Some(req) = req else {
        return unprocessable("missing field `req`");
    };
    let fields = || -> Result<(&str, &str, i64, i64), String> {
        Ok((
            str_field(req, "coin")?,
            str_field(req, "interval")?,
            int_field(req, "startTime", true)?.unwrap_or_default(),
            int_field(req, "endTime", true)?.unwrap_or_default(),
        ))
    };
    let (coin, interval, start, end) = match fields() {
        Ok(f) => f,
        Err(text) => return text,
    };
    let bar = match interval {
        "1h" => Bar::Hour,
        "1d" => Bar::Day,
        other => return unprocessable(&format!("req.interval: unknown variant `{other}`")),
    };
    let (m, mult) = if let Some(m) = u.perps().find(|m| perp_name(m).0 == coin) {
        (m, perp_name(m).1)
    } else if let Some(m) = spot_names(u).find_map(|(name, m)| (name == coin).then_some(m)) {
        (m, Decimal::ONE)
    } else {
        return "null".to_owned();
    };
    let step = bar.millis();
    let oldest_kept = (u.now_ms.div_euclid(step) - (CANDLE_HISTORY - 1)) * step;
    let rows: Vec<Value> = m
        .candles(bar, start.max(oldest_kept), end, u.now_ms)
        .iter()
        .map(|c| {
            json!({
                "T": c.open_ms + step - 1,
                "c": dec_text(c.close * mult),
                "h": dec_text(c.high * mult),
                "i": interval,
                "l": dec_text(c.low * mult),
                "n": 100,
                "o": dec_text(c.open * mult),
                "s": coin,
                "t": c.open_ms,
                "v": dec_text(c.volume / mult),
            })
        })
        .collect();
    Value::Array(rows).to_string()
}

/// Spot pair names as `spotMeta` lists them (`<TOKEN>/USDC` for the first, `@<index>` after),
/// with their markets.
pub fn spot_names(u: &Universe) -> impl Iterator<Item = (String, &SynthMarket)> {
    u.spots().enumerate().map(|(index, m)| {
        let name = if index == 0 {
            format!("{}/USDC", spot_token(&m.asset))
        } else {
            format!("@{index}")
        };
        (name, m)
    })
}

#[cfg(test)]
mod history_tests {
    use super::*;
    use crate::demo::DAY_MS;
    use crate::demo::roundtrip::array;
    use crate::model::Venue;

    const NOW: i64 = 1_760_000_000_000;

    fn post(u: &Universe, body: &Value) -> String {
        respond(u, &Ask::post(INFO_PATH, &body.to_string())).expect("a history request")
    }

    /// The first perp of `u` that `is` picks (panics with `what` when none does).
    fn perp_where<'u>(
        u: &'u Universe,
        is: fn(&SynthMarket) -> bool,
        what: &str,
    ) -> &'u SynthMarket {
        u.perps().find(|m| is(m)).expect(what)
    }

    fn rows(text: &str) -> Vec<Value> {
        array(&serde_json::from_str(text).unwrap_or_else(|_| panic!("not JSON: {text}")))
    }

    #[test]
    fn funding_history_pages_forward_hourly_at_most_500() {
        let u = Universe::generate(Venue::Hyperliquid, 40, 0, NOW);
        let m = perp_where(&u, |m| m.interval_hours == 8, "an 8 h market elsewhere");
        let (coin, _) = perp_name(m);
        let first_hour = NOW / HOUR_MS * HOUR_MS - 10 * HOUR_MS;
        let recent = rows(&post(
            &u,
            &json!({"type": "fundingHistory", "coin": coin, "startTime": first_hour - 1}),
        ));
        assert_eq!(
            recent.len(),
            11,
            "hourly up to now, whatever the other venues' interval"
        );
        assert_eq!(
            recent[0]["time"],
            json!(first_hour),
            "oldest first, ms number"
        );
        assert_eq!(recent[10]["time"], json!(first_hour + 10 * HOUR_MS));
        assert_eq!(recent[0]["coin"], json!(coin));
        assert!(recent[0]["fundingRate"].is_string() && recent[0]["premium"].is_string());
        let rate: Decimal = recent[0]["fundingRate"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .expect("rate");
        assert!(
            (rate - hourly_rate(m)).abs() <= Decimal::new(2, 5),
            "an hourly rate"
        );
        let month = rows(&post(
            &u,
            &json!({"type": "fundingHistory", "coin": coin, "startTime": NOW - 30 * DAY_MS}),
        ));
        assert_eq!(month.len(), 500, "capped page");
        assert_eq!(
            month[0]["time"],
            json!((NOW - 30 * DAY_MS) / HOUR_MS * HOUR_MS + HOUR_MS)
        );
        let bounded = rows(&post(
            &u,
            &json!({"type": "fundingHistory", "coin": coin, "startTime": first_hour,
                    "endTime": first_hour + 2 * HOUR_MS}),
        ));
        assert_eq!(bounded.len(), 3, "both ends inclusive");
        let kept = rows(&post(
            &u,
            &json!({"type": "fundingHistory", "coin": coin, "startTime": 0}),
        ));
        assert_eq!(
            kept[0]["time"],
            json!(NOW - HISTORY_DAYS * DAY_MS + (HOUR_MS - (NOW % HOUR_MS)))
        );
        assert_eq!(
            post(
                &u,
                &json!({"type": "fundingHistory", "coin": "NOPE", "startTime": 0})
            ),
            "null"
        );
        assert!(
            post(&u, &json!({"type": "fundingHistory", "coin": coin}))
                .starts_with("Failed to deserialize the JSON body")
        );
        assert_eq!(
            respond(&u, &Ask::post(INFO_PATH, r#"{"type":"meta"}"#)),
            None
        );
        assert_eq!(
            respond(&u, &Ask::post("/exchange", r#"{"type":"fundingHistory"}"#)),
            None
        );
    }

    #[test]
    fn candle_snapshot_serves_perps_per_contract_unit_and_spot_pairs() {
        let u = Universe::generate(Venue::Hyperliquid, 40, 40, NOW);
        let pepe = perp_where(&u, |m| m.multiplier == 1000, "a kPEPE market");
        let (coin, mult) = perp_name(pepe);
        assert!(coin.starts_with('k'));
        let hour = NOW / HOUR_MS * HOUR_MS;
        let req = |coin: &str, interval: &str, start: i64, end: i64| {
            json!({"type": "candleSnapshot",
                   "req": {"coin": coin, "interval": interval, "startTime": start, "endTime": end}})
        };
        let bars = rows(&post(&u, &req(&coin, "1h", hour - 4 * HOUR_MS, NOW)));
        assert_eq!(bars.len(), 5);
        assert_eq!(bars[0]["t"], json!(hour - 4 * HOUR_MS));
        let last = &bars[4];
        assert_eq!(last["t"], json!(hour));
        assert_eq!(
            last["T"],
            json!(hour + HOUR_MS - 1),
            "running candle, T in the future"
        );
        assert_eq!(last["c"], dec_text(pepe.price * mult), "per 1000 coins");
        assert_eq!(
            (last["s"].clone(), last["i"].clone()),
            (json!(coin), json!("1h"))
        );
        assert!(last["n"].is_u64() && last["v"].is_string() && last["o"].is_string());
        let days = rows(&post(&u, &req(&coin, "1d", NOW - 45 * DAY_MS, NOW)));
        assert_eq!(days.len(), 45);
        assert!(
            days.iter()
                .all(|d| d["t"].as_i64().is_some_and(|t| t % DAY_MS == 0))
        );
        // Only the latest 5000 candles exist.
        let all = rows(&post(&u, &req("BTC", "1h", 0, NOW)));
        assert_eq!(all.len(), 2881, "the demo keeps 120 days");
        let minutes = rows(&post(
            &u,
            &req("BTC", "1h", NOW - 300 * DAY_MS, NOW - 200 * DAY_MS),
        ));
        assert!(minutes.is_empty());
        // Spot: by pair name or @index, as spotMeta names them.
        let names: Vec<(String, &SynthMarket)> = spot_names(&u).collect();
        assert!(names[0].0.ends_with("/USDC") && names[1].0 == "@1");
        for (name, m) in &names[..2] {
            let spot = rows(&post(&u, &req(name, "1h", hour, NOW)));
            assert_eq!(spot.len(), 1);
            assert_eq!(spot[0]["c"], dec_text(m.price));
        }
        assert_eq!(post(&u, &req("NOPE", "1h", hour, NOW)), "null");
        assert!(post(&u, &req("BTC", "1H", hour, NOW)).contains("unknown variant `1H`"));
        assert!(
            post(
                &u,
                &json!({"type": "candleSnapshot", "req": {"coin": "BTC", "interval": "1h"}})
            )
            .contains("missing field `startTime`")
        );
        assert!(post(&u, &json!({"type": "candleSnapshot"})).contains("missing field `req`"));
    }
}
