//! Hyperliquid `POST /info` payloads (meta, spotMeta, contexts, predicted fundings) for a synthetic universe.
//!
//! Same shapes and encodings as the live API: bare JSON, `[meta, contexts]` arrays aligned by
//! index, decimals as strings, integers and ms times as numbers. Every perp is USDC-quoted;
//! multiplied markets are `k`-prefixed (`kPEPE`: prices per 1000 coins, open interest in
//! `kPEPE` units); funding is the universe's rate per hour. Spot pairs are `@<index>` except the
//! first (`<TOKEN>/USDC`, canonical), BTC/ETH/SOL spot is listed as Unit's `UBTC`/`UETH`/`USOL`,
//! and one extra illiquid pair has `midPx: null`. The perp universe also holds delisted coins
//! ([`FILTERED_PERPS`], with contexts, as Hyperliquid keeps them) that the adapter must drop.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Route, SynthMarket, Universe};
use crate::venue::hyperliquid::{
    HOST, INFO_PATH, META, META_AND_ASSET_CTXS, PREDICTED_FUNDINGS, SPOT_META,
    SPOT_META_AND_ASSET_CTXS, WRAPPED_TOKENS,
};

/// Perp coins the demo lists but the adapter must drop, with why.
pub const FILTERED_PERPS: [(&str, &str); 2] =
    [("DEMODELIST", "isDelisted"), ("DEMOGONE", "isDelisted")];

/// Token of the extra spot pair without a book (`midPx: null`): listed, but no bid/ask.
pub const ILLIQUID_SPOT_TOKEN: &str = "DEMOILLIQ";

const MS_PER_HOUR: i64 = 3_600_000;

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

fn route(kind: &str, body: String) -> Route {
    Route::new(HOST, INFO_PATH, body).with_request_body(&format!("\"type\":\"{kind}\""))
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

fn text(d: Decimal) -> Value {
    Value::String(d.normalize().to_string())
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

/// `meta.universe` rows and the index-aligned contexts, delisted coins included.
fn perps(u: &Universe) -> (Vec<Value>, Vec<Value>) {
    let mut rows = Vec::with_capacity(u.markets.len() + FILTERED_PERPS.len());
    let mut ctxs = Vec::with_capacity(rows.capacity());
    for (i, m) in u.perps().enumerate() {
        let (name, mult) = perp_name(m);
        let px = |per_coin: Decimal| text(per_coin * mult);
        let leverage = match i {
            0 | 1 => 50,
            2..=19 => 20,
            _ if i % 10 == 7 => 3,
            _ => 10,
        };
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
            "dayNtlVlm": text(perp_notional_volume(m)),
            "funding": text(hourly_rate(m)),
            "impactPxs": [px(m.perp_bid), px(m.perp_ask)],
            "markPx": px(m.mark),
            "midPx": px(mid),
            "openInterest": text(m.open_interest / mult),
            "oraclePx": px(m.index),
            "premium": text(premium),
            "prevDayPx": px(m.low),
            "dayBaseVlm": text(m.volume_base / mult),
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
                "prevDayPx": text(m.low),
                "dayNtlVlm": text(m.volume_quote()),
                "markPx": text(m.price),
                "midPx": text(spot_mid(m)),
                "circulatingSupply": text(m.volume_base * Decimal::TEN),
                "totalSupply": text(m.volume_base * Decimal::ONE_HUNDRED),
                "dayBaseVlm": text(m.volume_base),
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
    let next_hour = (u.now_ms.div_euclid(MS_PER_HOUR) + 1) * MS_PER_HOUR;
    let rows: Vec<Value> = u
        .perps()
        .map(|m| {
            let (name, _) = perp_name(m);
            let other = if m.asset.starts_with("SYN") {
                Value::Null
            } else {
                json!({
                    "fundingRate": text(m.funding_rate),
                    "nextFundingTime": m.next_funding_ms,
                    "fundingIntervalHours": m.interval_hours,
                })
            };
            json!([name, [
                ["BinPerp", other],
                ["HlPerp", {
                    "fundingRate": text(hourly_rate(m)),
                    "nextFundingTime": next_hour,
                    "fundingIntervalHours": 1,
                }],
                ["BybitPerp", other],
            ]])
        })
        .collect();
    Value::Array(rows)
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
    fn renders_two_thousand_markets_in_hyperliquid_shapes() {
        let u = Universe::generate(Venue::Hyperliquid, 2000, 1500, 1_760_000_000_000);
        let started = std::time::Instant::now();
        let routes = routes(&u);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(routes.len(), 5);
        let bodies: Vec<Value> = routes
            .iter()
            .map(|r| serde_json::from_str(&r.body).expect("valid JSON"))
            .collect();
        let [meta, spot_meta, ctxs, spot_ctxs, predicted] = &bodies[..] else {
            panic!("five routes");
        };
        let universe = meta["universe"].as_array().expect("universe");
        assert_eq!(universe.len(), 2000 + FILTERED_PERPS.len());
        assert_eq!(ctxs[0], *meta, "metaAndAssetCtxs starts with meta");
        assert_eq!(ctxs[1].as_array().map(Vec::len), Some(universe.len()));
        assert_eq!(universe[0]["name"], "BTC");
        assert!(universe[0]["szDecimals"].is_u64());
        assert!(ctxs[1][0]["funding"].is_string() && ctxs[1][0]["impactPxs"][1].is_string());
        assert_eq!(universe[3]["isDelisted"], true);
        assert!(universe.iter().any(|r| r["name"] == "kPEPE"));
        assert_eq!(spot_ctxs[0], *spot_meta);
        assert_eq!(spot_meta["universe"][0]["name"], "UBTC/USDC");
        assert_eq!(spot_meta["universe"][1]["name"], "@1");
        assert_eq!(spot_meta["universe"][1]["tokens"], json!([2, 0]));
        assert_eq!(spot_ctxs[1][1]["coin"], "@1");
        assert_eq!(spot_ctxs[1].as_array().map(Vec::len), Some(1501));
        assert_eq!(predicted[0][0], "BTC");
        assert_eq!(predicted[0][1][1][0], "HlPerp");
        assert_eq!(
            predicted[0][1][1][1]["nextFundingTime"],
            1_760_000_400_000_i64
        );
        for (r, kind) in routes.iter().zip([
            META,
            SPOT_META,
            META_AND_ASSET_CTXS,
            SPOT_META_AND_ASSET_CTXS,
            PREDICTED_FUNDINGS,
        ]) {
            assert_eq!((r.host, r.path.as_str()), (HOST, INFO_PATH));
            assert_eq!(
                r.request_contains.as_deref(),
                Some(format!("\"type\":\"{kind}\"").as_str())
            );
        }
    }
}
