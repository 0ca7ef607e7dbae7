//! Every renderer's route table, one table row per `Venue::ALL` member: each route's body is JSON in the venue's own shapes and encodings (tests).
//!
//! A row names the universe it renders (two thousand perps and fifteen hundred spot pairs for
//! most venues), how many routes the table holds where that count is fixed, and the checks only
//! that venue makes (a small function reading the routes and their parsed bodies). [`rendering`]
//! is an exhaustive `match`, so a venue added to the enum without a row does not compile.

use serde_json::{Value, json};

use super::{Route, Universe};
use crate::model::Venue;

/// The universe's time.
const NOW: i64 = 1_760_000_000_000;

/// A venue's own checks of its routes and their parsed bodies (in route order).
type Check = fn(&Universe, &[Route], &[Value]);

/// One venue's row.
struct Rendering {
    /// Perps and spot pairs of the universe rendered.
    size: (usize, usize),
    /// Routes of the table, where fixed.
    routes: Option<usize>,
    /// The venue's own checks.
    check: Check,
}

/// The row of `venue`.
fn rendering(venue: Venue) -> Rendering {
    let large = (2000, 1500);
    let (size, routes, check): (_, _, Check) = match venue {
        Venue::Binance => ((60, 50), Some(8), binance),
        Venue::Bybit => ((40, 30), Some(6), bybit),
        Venue::Okx => (large, None, okx),
        Venue::Bitget => (large, Some(9), bitget),
        Venue::Gate => (large, None, gate),
        Venue::Hyperliquid => (large, Some(5), hyperliquid),
        Venue::Bingx => (large, Some(5 + 2000), bingx),
        Venue::Mexc => (large, Some(5 + 2000), mexc),
        Venue::Deribit => (large, Some(4), deribit),
        Venue::Dydx => (large, Some(1), dydx),
        Venue::Kraken => (large, Some(2), kraken),
        Venue::Weex => (large, None, weex),
    };
    Rendering {
        size,
        routes,
        check,
    }
}

#[test]
fn every_renderer_serves_json_in_its_venues_shapes() {
    for venue in Venue::ALL {
        let row = rendering(venue);
        let u = Universe::generate(venue, row.size.0, row.size.1, NOW);
        let routes = super::routes(&u);
        if let Some(n) = row.routes {
            assert_eq!(routes.len(), n, "{venue}");
        }
        let bodies: Vec<Value> = routes
            .iter()
            .map(|r| {
                serde_json::from_str(&r.body)
                    .unwrap_or_else(|e| panic!("{venue} {}: not JSON: {e}", r.path))
            })
            .collect();
        (row.check)(&u, &routes, &bodies);
    }
}

/// The parsed body of the route at `path` (the first one).
fn body_at<'b>(routes: &[Route], bodies: &'b [Value], path: &str) -> &'b Value {
    let i = routes.iter().position(|r| r.path == path);
    &bodies[i.unwrap_or_else(|| panic!("no route {path}"))]
}

/// The rows of an array (panics, showing the value, when it is not one).
fn rows(v: &Value) -> &[Value] {
    v.as_array().unwrap_or_else(|| panic!("not rows: {v}"))
}

/// What a venue calls the fields of its collateral tier table: a row's coin and tier list, and
/// each tier's lower and upper bound and collateral ratio.
struct TierFields {
    /// The coin of a row.
    coin: &'static str,
    /// The row's tiers.
    tiers: &'static str,
    /// A tier's lower bound.
    min: &'static str,
    /// A tier's upper bound (empty for the last).
    max: &'static str,
    /// A tier's collateral ratio.
    ratio: &'static str,
}

/// A table of [`super::quantity_tiers`] as the venue renders it: one row per collateral coin of
/// `u` (its coins, USDT, USDC and the unlisted one), three tiers each from zero, each starting
/// where the one before ends, the last open-ended at 0 (BTC's first at the 0.95 haircut, its
/// second at 0.76; USDT's first at 1, USDC's third at 0.9). Returns BTC's row.
#[track_caller]
fn assert_tier_rows<'r>(u: &Universe, rows: &'r [Value], f: &TierFields) -> &'r Value {
    assert_eq!(rows.len(), super::collateral_coins(u).len());
    let row = |coin: &str| {
        rows.iter()
            .find(|r| r[f.coin] == coin)
            .unwrap_or_else(|| panic!("no row of {coin}"))
    };
    let btc = &row("BTC")[f.tiers];
    assert_eq!(btc[0][f.min], "0");
    assert_eq!(btc[0][f.ratio], "0.95");
    assert_eq!(btc[1][f.min], btc[0][f.max]);
    assert_eq!(btc[1][f.ratio], "0.76");
    assert_eq!(btc[2][f.max], "");
    assert_eq!(btc[2][f.ratio], "0");
    assert_eq!(row("USDT")[f.tiers][0][f.ratio], "1");
    assert_eq!(row("USDC")[f.tiers][2][f.ratio], "0.9");
    row(super::UNLISTED_COLLATERAL);
    row("BTC")
}

/// Arrays and objects; decimals as strings, times as numbers; the dated future without funding.
fn binance(_: &Universe, routes: &[Route], bodies: &[Value]) {
    for (r, v) in routes.iter().zip(bodies) {
        assert!(v.is_array() || v.is_object(), "{}", r.path);
    }
    let premium = &bodies[3];
    let first = &premium[0];
    assert!(first["markPrice"].is_string());
    assert!(first["nextFundingTime"].is_number());
    assert_eq!(premium.as_array().map(Vec::len), Some(63));
    let dated = premium
        .as_array()
        .and_then(|a| a.iter().find(|e| e["symbol"] == "BTCUSDT_260626"))
        .expect("dated future listed");
    assert_eq!(dated["lastFundingRate"], "");
    assert_eq!(dated["nextFundingTime"], 0);
}

/// Every route but the collateral one is a Bybit envelope with its category; strings where
/// Bybit sends strings, integers where it sends integers; the collateral tiers of every coin in
/// an envelope without a category.
fn bybit(u: &Universe, routes: &[Route], bodies: &[Value]) {
    let collateral = crate::venue::bybit::COLLATERAL.path;
    for (r, v) in routes
        .iter()
        .zip(bodies)
        .filter(|(r, _)| r.path != collateral)
    {
        assert_eq!(v["retCode"], json!(0));
        assert_eq!(v["time"], json!(NOW));
        let category = &r.query[0].1;
        assert_eq!(v["result"]["category"].as_str(), Some(category.as_str()));
        assert!(
            v["result"]["list"]
                .as_array()
                .is_some_and(|l| !l.is_empty())
        );
    }
    let row = &bodies[2]["result"]["list"][0];
    assert!(row["fundingRate"].is_string() && row["nextFundingTime"].is_string());
    let inst = &bodies[0];
    assert!(inst["result"]["list"][0]["fundingInterval"].is_u64());
    assert_eq!(inst["result"]["nextPageCursor"], json!(""));
    let v = body_at(routes, bodies, collateral);
    assert_eq!(v["retCode"], json!(0));
    assert!(v["result"].get("category").is_none());
    let fields = TierFields {
        coin: "currency",
        tiers: "collateralRatioList",
        min: "minQty",
        max: "maxQty",
        ratio: "collateralRatio",
    };
    assert_tier_rows(u, rows(&v["result"]["list"]), &fields);
}

/// `code` `"0"` with data everywhere; every swap and the filtered ones listed; the discount
/// tiers of every collateral coin.
fn okx(u: &Universe, routes: &[Route], bodies: &[Value]) {
    for (r, v) in routes.iter().zip(bodies) {
        assert_eq!(v["code"], "0");
        assert!(
            v["data"].as_array().is_some_and(|d| !d.is_empty()),
            "{}",
            r.path
        );
    }
    let swaps = &bodies[0];
    assert_eq!(
        swaps["data"].as_array().map(Vec::len),
        Some(2000 + super::okx::FILTERED_SWAPS.len())
    );
    assert_eq!(swaps["data"][0]["instIdCode"], 10_000);
    assert_eq!(swaps["data"][0]["ctVal"], "0.01");
    let discounts = body_at(routes, bodies, crate::venue::okx::DISCOUNT_RATES.path);
    let fields = TierFields {
        coin: "ccy",
        tiers: "details",
        min: "minAmt",
        max: "maxAmt",
        ratio: "discountRate",
    };
    let btc = assert_tier_rows(u, rows(&discounts["data"]), &fields);
    assert_eq!(btc["discountLv"], "1");
    assert_eq!(btc["details"][0]["tier"], "1");
}

/// Envelopes with code `"00000"` and rows everywhere; every contract and the filtered ones.
fn bitget(_: &Universe, routes: &[Route], bodies: &[Value]) {
    let mut perp_rows = 0;
    for (r, v) in routes.iter().zip(bodies) {
        assert_eq!(v["code"], "00000");
        assert!(v["requestTime"].is_number());
        let rows = v["data"].as_array().expect("data array");
        assert!(!rows.is_empty(), "{}", r.path);
        if r.path == crate::venue::bitget::CONTRACTS_USDT.path {
            perp_rows += rows.len();
        }
    }
    assert_eq!(perp_rows, 2000 + super::bitget::FILTERED_CONTRACTS.len());
    let usdt = &bodies[0];
    assert_eq!(usdt["data"][0]["symbol"], "BTCUSDT");
    assert_eq!(
        usdt["data"][0]["fundInterval"].as_str().map(str::len),
        Some(1)
    );
}

/// Bare arrays; the contract list in pages of at most the page limit, holding every USDT perp
/// and the filtered ones.
fn gate(u: &Universe, routes: &[Route], bodies: &[Value]) {
    use crate::venue::gate::{CONTRACTS, DISCOUNT_TIERS, PAGE_LIMIT};
    let mut contracts = 0;
    for (r, v) in routes.iter().zip(bodies) {
        let rows = v.as_array().expect("a bare array");
        if r.path == CONTRACTS.path {
            assert!(rows.len() <= PAGE_LIMIT);
            contracts += rows.len();
        } else {
            assert!(!rows.is_empty(), "{}", r.path);
        }
    }
    let usdt = u.perps().filter(|m| m.quote == "USDT").count();
    assert_eq!(contracts, usdt + super::gate::FILTERED_CONTRACTS.len());
    assert!(routes.iter().any(|r| r.path == DISCOUNT_TIERS.path));
    let first = &bodies[0];
    assert_eq!(first[0]["name"], "BTC_USDT");
    assert!(first[0]["funding_interval"].is_u64(), "seconds as an int");
    assert!(first[0]["funding_next_apply"].is_u64());
    assert!(first[0]["quanto_multiplier"].is_string());
}

/// The five info requests, each matched on its `"type"`, in Hyperliquid's shapes.
fn hyperliquid(_: &Universe, routes: &[Route], bodies: &[Value]) {
    use crate::venue::hyperliquid::{
        META, META_AND_ASSET_CTXS, PREDICTED_FUNDINGS, SPOT_META, SPOT_META_AND_ASSET_CTXS,
    };
    let [meta, spot_meta, ctxs, spot_ctxs, predicted] = bodies else {
        panic!("five routes");
    };
    let universe = meta["universe"].as_array().expect("universe");
    assert_eq!(
        universe.len(),
        2000 + super::hyperliquid::FILTERED_PERPS.len()
    );
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
        assert_eq!((r.host, r.path.as_str()), (META.host, META.path));
        assert_eq!(
            r.request_contains.as_deref(),
            Some(format!("\"type\":\"{kind}\"").as_str())
        );
    }
}

/// Code 0 everywhere, one funding-history route per perp; numbers and strings where BingX
/// sends them.
fn bingx(u: &Universe, routes: &[Route], bodies: &[Value]) {
    for (r, v) in routes.iter().zip(bodies) {
        assert_eq!(v["code"], 0, "{}", r.path);
    }
    let contracts = &bodies[0];
    assert_eq!(
        contracts["data"].as_array().map(Vec::len),
        Some(2000 + super::bingx::FILTERED_CONTRACTS.len())
    );
    assert_eq!(contracts["data"][0]["symbol"], "BTC-USDT");
    assert_eq!(contracts["data"][0]["status"], 1);
    let premium = &bodies[2];
    assert!(premium["data"][0]["lastFundingRate"].is_string());
    assert!(premium["data"][0]["nextFundingTime"].is_number());
    let ticker = &bodies[3];
    assert!(ticker["data"][0]["bidPrice"].is_number());
    assert!(ticker["data"][0]["quoteVolume"].is_string());
    let spot = &bodies[4];
    assert!(spot["timestamp"].is_number() && spot["data"][0]["closeTime"].is_string());
    let pepe = u
        .perps()
        .find(|m| m.multiplier == 1000)
        .map(super::bingx::perp_symbol)
        .expect("a multiplied perp");
    assert!(pepe.starts_with("1000") && routes[0].body.contains(&pepe));
}

/// Futures-host envelopes succeed; every contract and spot pair and the filtered ones; one
/// funding-rate route per perp.
fn mexc(_: &Universe, routes: &[Route], bodies: &[Value]) {
    use super::mexc::{FILTERED_CONTRACTS, FILTERED_SPOTS};
    for (r, v) in routes.iter().zip(bodies) {
        if r.host == crate::venue::mexc::FUTURES {
            assert_eq!(v["success"], true, "{}", r.path);
            assert_eq!(v["code"], 0, "{}", r.path);
        }
    }
    let detail = &bodies[0];
    assert_eq!(
        detail["data"].as_array().map(Vec::len),
        Some(2000 + FILTERED_CONTRACTS.len())
    );
    assert_eq!(detail["data"][0]["symbol"], "BTC_USDT");
    assert!(detail["data"][0]["contractSize"].is_number());
    assert_eq!(
        bodies[1]["symbols"].as_array().map(Vec::len),
        Some(1500 + FILTERED_SPOTS.len())
    );
    assert!(bodies[3]["data"][0]["fundingRate"].is_number());
    let spot = &bodies[4];
    assert!(spot[0]["bidPrice"].is_string() && spot[0]["closeTime"].is_number());
    assert_eq!(routes[5].path, "/api/v1/contract/funding_rate/BTC_USDT");
}

/// JSON-RPC results listing every market, the filtered rows among them.
fn deribit(_: &Universe, routes: &[Route], bodies: &[Value]) {
    use super::deribit::{FILTERED_FUTURES, FILTERED_SPOTS};
    for (r, v) in routes.iter().zip(bodies) {
        let rows = v["result"].as_array().expect("result array");
        assert!(rows.len() > 1500, "{}", r.path);
    }
    for (name, _) in FILTERED_FUTURES {
        assert!(routes[0].body.contains(name) && routes[2].body.contains(name));
    }
    assert!(routes[1].body.contains(FILTERED_SPOTS[0].0));
    assert!(routes[0].body.contains("\"1000PEPE_USDC-PERPETUAL\""));
}

/// One indexer object of every market keyed by ticker, the filtered ones among them.
fn dydx(_: &Universe, routes: &[Route], bodies: &[Value]) {
    assert_eq!(
        (routes[0].host, routes[0].path.as_str()),
        (crate::venue::dydx::HOST, "/v4/perpetualMarkets")
    );
    assert!(routes[0].query.is_empty() && routes[0].request_contains.is_none());
    let markets = bodies[0]["markets"].as_object().expect("markets object");
    assert_eq!(markets.len(), 2000 + super::dydx::FILTERED_MARKETS.len());
    let btc = &markets["BTC-USD"];
    assert_eq!(btc["ticker"], "BTC-USD");
    assert_eq!(btc["status"], "ACTIVE");
    assert!(btc["oraclePrice"].is_string() && btc["nextFundingRate"].is_string());
    assert!(btc["trades24H"].is_u64() && btc["atomicResolution"].is_i64());
    assert_eq!(btc["clobPairId"], "0");
    assert_eq!(markets["LUNA-USD"]["status"], "FINAL_SETTLEMENT");
    assert!(markets.values().any(|m| m["marketType"] == "ISOLATED"));
}

/// `result: success` with every market and the extra rows.
fn kraken(_: &Universe, routes: &[Route], bodies: &[Value]) {
    let counts: Vec<usize> = bodies
        .iter()
        .map(|v| {
            assert_eq!(v["result"], "success");
            v.as_object()
                .and_then(|o| o.values().find_map(Value::as_array))
                .map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(counts, [2000 + 5, 2000 + 5 + 2]);
    assert!(routes[0].body.contains("\"PF_XBTUSD\""));
    assert!(routes[1].body.contains("\"in_xbtusd\""));
}

/// Bare contract lists and the spot envelope, in WEEX's encodings; `cmt_` symbols, multiplied
/// ones with a `1000` base.
fn weex(u: &Universe, _: &[Route], v: &[Value]) {
    assert_eq!(v[0].as_array().map(Vec::len), Some(2000 + 1));
    assert_eq!(v[0][0]["symbol"], "cmt_btcusdt");
    assert_eq!(
        v[0][0]["delivery"],
        json!(["00:00:00", "08:00:00", "16:00:00"])
    );
    assert!(v[1][0]["best_bid"].is_string() && v[1][0]["timestamp"].is_string());
    assert!(v[2][0]["collectCycle"].is_number() && v[2][0]["fundingRate"].is_string());
    assert_eq!(v[3]["code"], "00000");
    assert_eq!(v[3]["data"].as_array().map(Vec::len), Some(1500 + 1));
    assert_eq!(v[4][0]["symbol"], "BTCUSDT");
    assert!(v[4][0]["closeTime"].is_number());
    let pepe = u.perps().find(|m| m.multiplier == 1000).expect("1000x");
    let symbol = super::weex::perp_symbol(pepe);
    assert!(v[0].to_string().contains(&format!("\"{symbol}\"")));
    assert!(symbol.starts_with("cmt_1000"));
}
