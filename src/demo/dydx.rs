//! dYdX v4 indexer `perpetualMarkets` payload for a synthetic universe.
//!
//! Same shape and encodings as the live indexer: one `markets` object keyed by ticker, decimals
//! as strings, counters and exponents as numbers. Every universe perp is rendered as
//! `<ASSET>-USD`, quoted per one coin (dYdX has no multiplied markets, whatever the universe's
//! multiplier), with `oraclePrice` = the universe's index price and `nextFundingRate` = its rate
//! per hour. dYdX lists no spot markets. The object also holds markets in every non-trading
//! status ([`FILTERED_MARKETS`]) that the adapter must drop.

use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::{Route, SynthMarket, Universe};
use crate::venue::dydx::{HOST, PERPETUAL_MARKETS_PATH};

/// Markets the demo lists but the adapter must drop, with their status.
pub const FILTERED_MARKETS: [(&str, &str); 5] = [
    ("DEMOPAUSE-USD", "PAUSED"),
    ("DEMOCXL-USD", "CANCEL_ONLY"),
    ("DEMOPOST-USD", "POST_ONLY"),
    ("DEMOINIT-USD", "INITIALIZING"),
    ("LUNA-USD", "FINAL_SETTLEMENT"),
];

/// Routes serving `universe` in dYdX's format: `perpetualMarkets` serves both the reference and
/// the snapshot plan.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    vec![Route::new(
        HOST,
        PERPETUAL_MARKETS_PATH,
        perpetual_markets(universe),
    )]
}

/// The ticker of a universe perp (`BTC-USD`).
#[must_use]
pub fn ticker(m: &SynthMarket) -> String {
    format!("{}-USD", m.asset)
}

/// The universe's funding rate per hour (dYdX's `nextFundingRate`).
#[must_use]
pub fn hourly_rate(m: &SynthMarket) -> Decimal {
    (m.funding_rate / Decimal::from(m.interval_hours.max(1))).normalize()
}

/// The tick size dYdX would list: one unit of the oracle price's last decimal.
#[must_use]
pub fn tick_size(m: &SynthMarket) -> Decimal {
    Decimal::new(1, m.index.normalize().scale())
}

fn text(d: Decimal) -> Value {
    Value::String(d.normalize().to_string())
}

fn market(
    clob_pair_id: usize,
    ticker: &str,
    status: &str,
    m: &SynthMarket,
    market_type: &str,
) -> Value {
    let oracle = m.index;
    let imf = if clob_pair_id < 3 { "0.02" } else { "0.05" };
    let mmf = if clob_pair_id < 3 { "0.012" } else { "0.03" };
    json!({
        "clobPairId": clob_pair_id.to_string(),
        "ticker": ticker,
        "status": status,
        "oraclePrice": text(oracle),
        "priceChange24H": text(oracle - m.low),
        "volume24H": text(m.volume_quote()),
        "trades24H": 100 + clob_pair_id * 37 % 9000,
        "nextFundingRate": text(hourly_rate(m)),
        "initialMarginFraction": imf,
        "maintenanceMarginFraction": mmf,
        "openInterest": text(m.open_interest),
        "atomicResolution": -9,
        "quantumConversionExponent": -9,
        "tickSize": text(tick_size(m)),
        "stepSize": "0.001",
        "stepBaseQuantums": 1_000_000,
        "subticksPerTick": 100_000,
        "marketType": market_type,
        "openInterestLowerCap": if market_type == "ISOLATED" { "500000" } else { "0" },
        "openInterestUpperCap": if market_type == "ISOLATED" { "1000000" } else { "0" },
        "baseOpenInterest": text(m.open_interest),
        "defaultFundingRate1H": "0",
    })
}

fn perpetual_markets(u: &Universe) -> String {
    let mut markets = Map::new();
    let mut last = None;
    for (i, m) in u.perps().enumerate() {
        // A few permissionless (isolated-margin) markets, as on the live indexer.
        let market_type = if i >= 40 && i % 9 == 4 {
            "ISOLATED"
        } else {
            "CROSS"
        };
        let t = ticker(m);
        markets.insert(t.clone(), market(i, &t, "ACTIVE", m, market_type));
        last = Some(m);
    }
    if let Some(template) = last {
        for (k, (t, status)) in FILTERED_MARKETS.iter().enumerate() {
            let row = market(10_000 + k, t, status, template, "ISOLATED");
            markets.insert((*t).to_owned(), row);
        }
    }
    json!({ "markets": markets }).to_string()
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
    fn renders_two_thousand_markets_as_one_indexer_object() {
        let u = Universe::generate(Venue::Dydx, 2000, 1500, 1_760_000_000_000);
        let started = std::time::Instant::now();
        let routes = routes(&u);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(routes.len(), 1);
        assert_eq!(
            (routes[0].host, routes[0].path.as_str()),
            (HOST, "/v4/perpetualMarkets")
        );
        assert!(routes[0].query.is_empty() && routes[0].request_contains.is_none());
        let v: Value = serde_json::from_str(&routes[0].body).expect("valid JSON");
        let markets = v["markets"].as_object().expect("markets object");
        assert_eq!(markets.len(), 2000 + FILTERED_MARKETS.len());
        let btc = &markets["BTC-USD"];
        assert_eq!(btc["ticker"], "BTC-USD");
        assert_eq!(btc["status"], "ACTIVE");
        assert!(btc["oraclePrice"].is_string() && btc["nextFundingRate"].is_string());
        assert!(btc["trades24H"].is_u64() && btc["atomicResolution"].is_i64());
        assert_eq!(btc["clobPairId"], "0");
        assert_eq!(markets["LUNA-USD"]["status"], "FINAL_SETTLEMENT");
        assert!(markets.values().any(|m| m["marketType"] == "ISOLATED"));
    }
}
