//! dYdX v4 indexer `perpetualMarkets` payload for a synthetic universe.
//!
//! Same shape and encodings as the live indexer: one `markets` object keyed by ticker, decimals
//! as strings, counters and exponents as numbers. Every universe perp is rendered as
//! `<ASSET>-USD`, quoted per one coin (dYdX has no multiplied markets, whatever the universe's
//! multiplier), with `oraclePrice` = the universe's index price and `nextFundingRate` = its rate
//! per hour. dYdX lists no spot markets. The object also holds markets in every non-trading
//! status ([`FILTERED_MARKETS`]) that the adapter must drop. [`respond`] serves the history
//! endpoints (hourly funding, candles per coin) from the universe's synthetic paths.

use super::json::{Map, Value, dec_text, json};
use rust_decimal::Decimal;

use super::{Ask, HISTORY_DAYS, Route, SynthMarket, Universe, mix, param};
use crate::venue::Bar;
use crate::venue::dydx::{CANDLES, HISTORICAL_FUNDING, HISTORY_LIMIT, PERPETUAL_MARKETS, iso};

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
    vec![Route::at(&PERPETUAL_MARKETS, perpetual_markets(universe))]
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
        "oraclePrice": dec_text(oracle),
        "priceChange24H": dec_text(oracle - m.low),
        "volume24H": dec_text(m.volume_quote()),
        "trades24H": 100 + clob_pair_id * 37 % 9000,
        "nextFundingRate": dec_text(hourly_rate(m)),
        "initialMarginFraction": imf,
        "maintenanceMarginFraction": mmf,
        "openInterest": dec_text(m.open_interest),
        "atomicResolution": -9,
        "quantumConversionExponent": -9,
        "tickSize": dec_text(tick_size(m)),
        "stepSize": "0.001",
        "stepBaseQuantums": 1_000_000,
        "subticksPerTick": 100_000,
        "marketType": market_type,
        "openInterestLowerCap": if market_type == "ISOLATED" { "500000" } else { "0" },
        "openInterestUpperCap": if market_type == "ISOLATED" { "1000000" } else { "0" },
        "baseOpenInterest": dec_text(m.open_interest),
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
/// `historicalFunding/{market}` and `candles/perpetualMarkets/{market}`; `None` for any other
/// path.
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    if let Some(market) = ask.path.strip_prefix(HISTORICAL_FUNDING.path) {
        return Some(historical_funding(universe, market, ask.query));
    }
    let market = ask.path.strip_prefix(CANDLES.path)?;
    Some(candles(universe, market, ask.query))
}

/// The indexer's error list with one express-validator entry (HTTP 400).
fn invalid(value: &str, msg: &str, path: &str, location: &str) -> String {
    json!({"errors": [{
        "type": "field", "value": value, "msg": msg, "path": path, "location": location,
    }]})
    .to_string()
}

/// `limit` (default and maximum [`HISTORY_LIMIT`]) or the indexer's validation error.
fn limit(query: &[(String, String)]) -> Result<usize, String> {
    let Some(raw) = param(query, "limit") else {
        return Ok(HISTORY_LIMIT);
    };
    raw.parse::<usize>()
        .ok()
        .filter(|n| (1..=HISTORY_LIMIT).contains(n))
        .ok_or_else(|| {
            invalid(
                raw,
                &format!(
                    "limit must be a positive integer that is not greater than max: {HISTORY_LIMIT}"
                ),
                "limit",
                "query",
            )
        })
}

/// An optional ISO-8601 query time in ms, or the validation error (`Invalid value`).
fn iso_param(query: &[(String, String)], key: &str) -> Result<Option<i64>, String> {
    param(query, key).map_or(Ok(None), |raw| {
        chrono::DateTime::parse_from_rfc3339(raw)
            .map(|t| Some(t.timestamp_millis()))
            .map_err(|_| invalid(raw, "Invalid value", key, "query"))
    })
}

/// The block time of the funding settled at hour `t`: 5 to 999 ms after it.
#[must_use]
pub fn effective_at(t: i64) -> i64 {
    t + 5 + i64::try_from(mix(t as u64) % 995).unwrap_or(0)
}

/// `GET /v4/historicalFunding/{market}`: hourly settlements with `effectiveAt` (the block time,
/// [`effective_at`]) at or before `effectiveBeforeOrAt` (default now), at most [`HISTORY_DAYS`]
/// back, newest first, `limit` rows (default and maximum 1000). `rate` is the market's rate per
/// hour with the synthetic wobble; `price` the oracle. An unknown market is a 404 error list.
fn historical_funding(u: &Universe, market: &str, query: &[(String, String)]) -> String {
    let Some(m) = u.perps().find(|m| ticker(m) == market) else {
        return json!({"errors": [{
            "msg": format!("{market} not found in markets of type PERPETUAL"),
        }]})
        .to_string();
    };
    let (limit, before) = match (limit(query), iso_param(query, "effectiveBeforeOrAt")) {
        (Ok(l), Ok(b)) => (l, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let cutoff = before.unwrap_or(u.now_ms).min(u.now_ms);
    let hourly = SynthMarket {
        interval_hours: 1,
        ..m.clone()
    };
    let hours = Decimal::from(m.interval_hours.max(1));
    let rows: Vec<Value> = hourly
        .settlements(u.now_ms, HISTORY_DAYS, i64::MIN, cutoff)
        .into_iter()
        .rev()
        .filter(|t| effective_at(*t) <= cutoff)
        .take(limit)
        .map(|t| {
            let at = effective_at(t);
            json!({
                "ticker": market,
                "rate": dec_text(m.historic_rate(t) / hours),
                "price": dec_text(m.index),
                "effectiveAtHeight": (at / 1000 - 1_710_000_000).to_string(),
                "effectiveAt": iso(at).unwrap_or_default(),
            })
        })
        .collect();
    json!({ "historicalFunding": rows }).to_string()
}

/// Every candle resolution the indexer knows.
const RESOLUTIONS: [&str; 7] = [
    "1MIN", "5MINS", "15MINS", "30MINS", "1HOUR", "4HOURS", "1DAY",
];

/// `GET /v4/candles/perpetualMarkets/{market}`: last-trade candles per coin opening in
/// `[fromISO, toISO)`, at most [`HISTORY_DAYS`] back, newest first (the running candle first),
/// `limit` rows (default and maximum 1000). An unknown market, a missing or unknown `resolution`
/// and a bad `limit` or time are the indexer's validation errors. The demo has `1HOUR` and
/// `1DAY` candles only: the other resolutions answer an empty list.
fn candles(u: &Universe, market: &str, query: &[(String, String)]) -> String {
    let limit = match limit(query) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let Some(m) = u.perps().find(|m| ticker(m) == market) else {
        return invalid(
            market,
            "ticker must be a valid ticker (BTC-USD, etc)",
            "ticker",
            "params",
        );
    };
    let resolution = param(query, "resolution").unwrap_or_default();
    let bar = match resolution {
        "1HOUR" => Some(Bar::Hour),
        "1DAY" => Some(Bar::Day),
        r if RESOLUTIONS.contains(&r) => None,
        r => {
            return invalid(
                r,
                &format!(
                    "resolution must be a valid Candle Resolution, one of {}",
                    RESOLUTIONS.join(",")
                ),
                "resolution",
                "query",
            );
        }
    };
    let (from, to) = match (iso_param(query, "fromISO"), iso_param(query, "toISO")) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let bars = bar.map_or_else(Vec::new, |bar| {
        m.candles(
            bar,
            from.unwrap_or(i64::MIN),
            to.map_or(i64::MAX, |t| t - 1),
            u.now_ms,
        )
    });
    let rows: Vec<Value> = bars
        .iter()
        .rev()
        .take(limit)
        .map(|c| {
            json!({
                "startedAt": iso(c.open_ms).unwrap_or_default(),
                "ticker": market,
                "resolution": resolution,
                "low": dec_text(c.low),
                "high": dec_text(c.high),
                "open": dec_text(c.open),
                "close": dec_text(c.close),
                "baseTokenVolume": dec_text(c.volume),
                "usdVolume": dec_text((c.volume * c.close).round_dp(2)),
                "trades": 10 + mix(c.open_ms as u64) % 5000,
                "startingOpenInterest": dec_text(m.open_interest),
                "orderbookMidPriceOpen": dec_text(c.open),
                "orderbookMidPriceClose": dec_text(c.close),
            })
        })
        .collect();
    json!({ "candles": rows }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::roundtrip::get_json;
    use crate::model::Venue;

    #[test]
    fn history_endpoints_answer_like_the_indexer() {
        let h = 3_600_000_i64;
        let now = 1_760_000_000_000 / h * h + 600_000;
        let u = Universe::generate(Venue::Dydx, 20, 0, now);
        let m = u.perps().next().expect("a perp");
        let t = ticker(m);
        let call = |path: String, pairs: &[(&str, &str)]| get_json(respond, &u, &path, pairs);
        assert_eq!(respond(&u, &Ask::get(PERPETUAL_MARKETS.path, &[])), None);
        // Funding: newest first, strings, block times just after the hour, limit honoured.
        let v = call(format!("/v4/historicalFunding/{t}"), &[("limit", "3")]);
        let rows = v["historicalFunding"].as_array().expect("rows");
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0]["effectiveAt"],
            iso(effective_at(now / h * h)).expect("iso")
        );
        assert!(
            rows[0]["effectiveAt"]
                .as_str()
                .is_some_and(|s| !s.ends_with(":00.000Z"))
        );
        assert!(rows[0]["rate"].is_string() && rows[0]["effectiveAtHeight"].is_string());
        assert_eq!(
            rows[1]["effectiveAt"],
            iso(effective_at(now / h * h - h)).expect("iso")
        );
        let all = call(format!("/v4/historicalFunding/{t}"), &[]);
        assert_eq!(
            all["historicalFunding"].as_array().map(Vec::len),
            Some(1000)
        );
        // effectiveBeforeOrAt is inclusive of the block time.
        let at = iso(effective_at(now / h * h - h)).expect("iso");
        let v = call(
            format!("/v4/historicalFunding/{t}"),
            &[("effectiveBeforeOrAt", &at), ("limit", "1")],
        );
        assert_eq!(v["historicalFunding"][0]["effectiveAt"], at.as_str());
        // Candles: newest first (the running bar first), [fromISO, toISO), limit honoured.
        let day = 86_400_000_i64;
        let from = iso(now / day * day - 2 * day).expect("iso");
        let to = iso(now / day * day).expect("iso");
        let v = call(
            format!("/v4/candles/perpetualMarkets/{t}"),
            &[("resolution", "1DAY"), ("fromISO", &from), ("toISO", &to)],
        );
        let rows = v["candles"].as_array().expect("candles");
        assert_eq!(rows.len(), 2, "toISO is exclusive");
        assert_eq!(
            rows[0]["startedAt"],
            iso(now / day * day - day).expect("iso")
        );
        assert_eq!(rows[1]["startedAt"], from.as_str());
        assert!(rows[0]["close"].is_string() && rows[0]["trades"].is_u64());
        let v = call(
            format!("/v4/candles/perpetualMarkets/{t}"),
            &[("resolution", "1HOUR"), ("limit", "2")],
        );
        let rows = v["candles"].as_array().expect("candles");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["startedAt"], iso(now / h * h).expect("iso"));
        assert_eq!(rows[0]["close"], dec_text(m.price));
        let v = call(
            format!("/v4/candles/perpetualMarkets/{t}"),
            &[("resolution", "5MINS")],
        );
        assert_eq!(v["candles"], json!([]));
        // Errors as the indexer sends them.
        let v = call("/v4/historicalFunding/NOPE-USD".to_owned(), &[]);
        assert_eq!(
            v["errors"][0]["msg"],
            "NOPE-USD not found in markets of type PERPETUAL"
        );
        let v = call(
            "/v4/candles/perpetualMarkets/NOPE-USD".to_owned(),
            &[("resolution", "1DAY")],
        );
        assert_eq!(v["errors"][0]["path"], "ticker");
        let v = call(
            format!("/v4/candles/perpetualMarkets/{t}"),
            &[("resolution", "1D")],
        );
        assert_eq!(v["errors"][0]["path"], "resolution");
        let v = call(format!("/v4/candles/perpetualMarkets/{t}"), &[]);
        assert_eq!(
            v["errors"][0]["path"], "resolution",
            "resolution is required"
        );
        let v = call(format!("/v4/historicalFunding/{t}"), &[("limit", "1001")]);
        assert_eq!(
            v["errors"][0]["msg"],
            "limit must be a positive integer that is not greater than max: 1000"
        );
        let v = call(
            format!("/v4/candles/perpetualMarkets/{t}"),
            &[("resolution", "1DAY"), ("toISO", "soon")],
        );
        assert_eq!(
            (
                v["errors"][0]["path"].as_str(),
                v["errors"][0]["msg"].as_str()
            ),
            (Some("toISO"), Some("Invalid value"))
        );
    }
}
