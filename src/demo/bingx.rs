//! BingX-format payloads (listings, premium index, tickers, funding history) of a synthetic market.
//!
//! Same envelope (`{"code":0,"msg":"","data":…}`, spot answers with a `timestamp`), field names
//! and mixed encoding as the live API: premium-index prices and rates are strings with ms times
//! and `fundingIntervalHours` as numbers; perpetual tickers send strings except the best bid/ask
//! (numbers); spot tickers send strings with string times and numeric bid/ask. Multiplied
//! markets are listed as `1000PEPE-USDT` with prices per 1000 coins. The lists also hold entries
//! the adapter must drop (suspended, offline, pre-launch and delisted contracts; suspended,
//! pre-open and not-yet-online spot pairs), and the premium index and tickers carry rows for
//! them. Every perp's funding history is served too (`symbol=…`), for the interval fallback.

use std::fmt::{Display, Write as _};

use rust_decimal::Decimal;

use super::{Route, SynthMarket, Universe};
use crate::venue::bingx::{
    CONTRACTS_PATH, FUNDING_HISTORY_PATH, HISTORY_LIMIT, HOST, PREMIUM_INDEX_PATH,
    SPOT_SYMBOLS_PATH, SPOT_TICKER_PATH, TICKER_PATH,
};

/// Contracts the demo lists but the adapter must drop, with why.
pub const FILTERED_CONTRACTS: [(&str, &str); 4] = [
    ("DEMOHALT-USDT", "suspended (status 25)"),
    ("DEMOOFF-USDT", "offline (status 0)"),
    (
        "DEMOPRE-USDT",
        "pre-launch (launchTime ahead of the server clock)",
    ),
    (
        "DEMOGONE-USDT",
        "delisted (offTime behind the server clock)",
    ),
];

/// Spot pairs the demo lists but the adapter must drop, with why.
pub const FILTERED_SPOTS: [(&str, &str); 3] = [
    ("DEMOHALT-USDT", "suspended (status 25)"),
    ("DEMOPRE-USDT", "pre-open (status 5)"),
    ("DEMOLATE-USDT", "timeOnline ahead of the server clock"),
];

const MS_PER_HOUR: i64 = 3_600_000;
const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// Routes serving `universe` in BingX's formats: the reference and snapshot plans, plus one
/// funding-history route per perp.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    let mut routes = vec![
        Route::new(HOST, CONTRACTS_PATH, contracts(universe)),
        Route::new(HOST, SPOT_SYMBOLS_PATH, spot_symbols(universe)),
        Route::new(HOST, PREMIUM_INDEX_PATH, premium_index(universe)),
        Route::new(HOST, TICKER_PATH, tickers(universe)),
        Route::new(HOST, SPOT_TICKER_PATH, spot_tickers(universe)),
    ];
    for m in universe.perps() {
        let symbol = perp_symbol(m);
        routes.push(
            Route::new(HOST, FUNDING_HISTORY_PATH, funding_history(m, &symbol))
                .with_query("symbol", &symbol),
        );
    }
    routes
}

/// The perp's BingX symbol: `BTC-USDT`, `1000PEPE-USDT`, `ETH-USDC`.
#[must_use]
pub fn perp_symbol(m: &SynthMarket) -> String {
    format!("{}-{}", m.perp_base(), m.quote)
}

/// The spot pair's BingX symbol: `BTC-USDT`.
#[must_use]
pub fn spot_symbol(m: &SynthMarket) -> String {
    format!("{}-{}", m.asset, m.quote)
}

/// A flat JSON object writer: string fields and raw tokens (numbers, booleans).
struct Obj {
    out: String,
    first: bool,
}

impl Obj {
    fn new() -> Self {
        Obj {
            out: String::from("{"),
            first: true,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
    }

    /// A string field (the demo's texts hold no quotes or backslashes).
    fn s(mut self, key: &str, value: impl Display) -> Self {
        self.key(key);
        let _ = write!(self.out, "\"{value}\"");
        self
    }

    /// A raw JSON token.
    fn n(mut self, key: &str, value: impl Display) -> Self {
        self.key(key);
        let _ = write!(self.out, "{value}");
        self
    }

    fn end(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// `{"code":0,"msg":"",…,"data":<data>}`; `timestamp` for spot answers.
fn envelope(data: &str, timestamp: Option<i64>) -> String {
    let mut out = String::with_capacity(data.len() + 64);
    out.push_str(r#"{"code":0,"msg":"","#);
    if let Some(t) = timestamp {
        let _ = write!(out, r#""debugMsg":"","timestamp":{t},"#);
    }
    out.push_str(r#""data":"#);
    out.push_str(data);
    out.push('}');
    out
}

fn array(rows: Vec<String>) -> String {
    let mut out = String::with_capacity(rows.iter().map(|r| r.len() + 1).sum::<usize>() + 2);
    out.push('[');
    out.push_str(&rows.join(","));
    out.push(']');
    out
}

fn n(d: Decimal) -> Decimal {
    d.normalize()
}

/// One unit of a price's last decimal.
fn tick(price: Decimal) -> Decimal {
    Decimal::new(1, price.normalize().scale())
}

/// A contract row of the shape BingX lists.
#[allow(clippy::too_many_arguments)]
fn contract_row(
    id: usize,
    symbol: &str,
    base: &str,
    quote: &str,
    status: i64,
    launch_ms: i64,
    off_ms: i64,
    price: Decimal,
) -> String {
    Obj::new()
        .s("contractId", 100 + id)
        .s("symbol", symbol)
        .s("size", tick(price))
        .n("quantityPrecision", 0)
        .n("pricePrecision", price.normalize().scale())
        .n("feeRate", "0.0005")
        .n("makerFeeRate", "0.0002")
        .n("takerFeeRate", "0.0005")
        .n("tradeMinLimit", 0)
        .n("tradeMinQuantity", 1)
        .n("tradeMinUSDT", 2)
        .n("maxLongLeverage", 50)
        .n("maxShortLeverage", 50)
        .s("currency", quote)
        .s("asset", base)
        .n("status", status)
        .s("apiStateOpen", "true")
        .s("apiStateClose", "true")
        .s("brokerState", "true")
        .n("launchTime", launch_ms)
        .n("maintainTime", 0)
        .n("offTime", off_ms)
        .s("displayName", symbol)
        .end()
}

fn contracts(u: &Universe) -> String {
    let now = u.now_ms;
    let mut rows = Vec::with_capacity(u.markets.len() + FILTERED_CONTRACTS.len());
    for (i, m) in u.perps().enumerate() {
        rows.push(contract_row(
            i,
            &perp_symbol(m),
            &m.perp_base(),
            &m.quote,
            1,
            now - 400 * MS_PER_DAY,
            0,
            m.contract_price(m.mark),
        ));
    }
    for (i, (symbol, _)) in FILTERED_CONTRACTS.iter().enumerate() {
        let base = symbol.split('-').next().unwrap_or(symbol);
        let (status, launch, off) = match i {
            0 => (25, now - 90 * MS_PER_DAY, 0),
            1 => (0, now - 90 * MS_PER_DAY, 0),
            2 => (1, now + 3 * MS_PER_DAY, 0),
            _ => (1, now - 90 * MS_PER_DAY, now - MS_PER_DAY),
        };
        rows.push(contract_row(
            90_000 + i,
            symbol,
            base,
            "USDT",
            status,
            launch,
            off,
            Decimal::ONE,
        ));
    }
    envelope(&array(rows), None)
}

fn spot_symbol_row(symbol: &str, status: i64, online_ms: i64, price: Decimal) -> String {
    Obj::new()
        .s("symbol", symbol)
        .n("minQty", 0.0001)
        .n("maxQty", 1_000_000)
        .n("minNotional", 5)
        .n("maxNotional", 20_000)
        .n("status", status)
        .n("tickSize", tick(price))
        .n("stepSize", "0.0001")
        .n("apiStateSell", true)
        .n("apiStateBuy", true)
        .n("timeOnline", online_ms)
        .n("offTime", 0)
        .n("maintainTime", 0)
        .end()
}

fn spot_symbols(u: &Universe) -> String {
    let now = u.now_ms;
    let mut rows: Vec<String> = u
        .spots()
        .map(|m| spot_symbol_row(&spot_symbol(m), 1, now - 700 * MS_PER_DAY, m.spot_bid))
        .collect();
    for (i, (symbol, _)) in FILTERED_SPOTS.iter().enumerate() {
        let (status, online) = match i {
            0 => (25, now - 90 * MS_PER_DAY),
            1 => (5, now + MS_PER_DAY),
            _ => (1, now + 2 * MS_PER_DAY),
        };
        rows.push(spot_symbol_row(symbol, status, online, Decimal::ONE));
    }
    let data = format!(r#"{{"symbols":{}}}"#, array(rows));
    envelope(&data, Some(now))
}

fn premium_row(
    symbol: &str,
    mark: Decimal,
    index: Decimal,
    rate: Decimal,
    next_ms: i64,
    hours: u32,
    now: i64,
) -> String {
    Obj::new()
        .s("symbol", symbol)
        .s("markPrice", n(mark))
        .s("indexPrice", n(index))
        .s("lastFundingRate", n(rate))
        .n("nextFundingTime", next_ms)
        .n("fundingIntervalHours", hours)
        .n("time", now)
        .end()
}

fn premium_index(u: &Universe) -> String {
    let now = u.now_ms;
    let mut rows: Vec<String> = u
        .perps()
        .map(|m| {
            premium_row(
                &perp_symbol(m),
                m.contract_price(m.mark),
                m.contract_price(m.index),
                m.funding_rate,
                m.next_funding_ms,
                m.interval_hours,
                now,
            )
        })
        .collect();
    let next8 = (now / (8 * MS_PER_HOUR) + 1) * 8 * MS_PER_HOUR;
    for (symbol, _) in FILTERED_CONTRACTS {
        rows.push(premium_row(
            symbol,
            Decimal::ONE,
            Decimal::ONE,
            Decimal::new(5, 3),
            next8,
            8,
            now,
        ));
    }
    envelope(&array(rows), None)
}

/// One 24 h ticker row. `spot`: BingX's spot encoding (string times).
#[allow(clippy::too_many_arguments)]
fn ticker_row(
    spot: bool,
    symbol: &str,
    last: Decimal,
    bid: Decimal,
    ask: Decimal,
    high: Decimal,
    low: Decimal,
    volume: Decimal,
    quote_volume: Decimal,
    now: i64,
) -> String {
    let (last, bid, ask, high, low) = (n(last), n(bid), n(ask), n(high), n(low));
    let open = low;
    let change = n(last - open);
    let change_pct = if open.is_zero() {
        Decimal::ZERO
    } else {
        n((change / open * Decimal::ONE_HUNDRED).round_dp(2))
    };
    let row = Obj::new().s("symbol", symbol);
    let row = if spot {
        row.s("openPrice", open)
            .s("highPrice", high)
            .s("lowPrice", low)
            .s("lastPrice", last)
            .s("volume", n(volume))
            .s("quoteVolume", n(quote_volume))
            .s("openTime", now - MS_PER_DAY)
            .s("closeTime", now)
    } else {
        row.s("priceChange", change)
            .s("priceChangePercent", format!("{change_pct}%"))
            .s("lastPrice", last)
            .s("lastQty", "12")
            .s("highPrice", high)
            .s("lowPrice", low)
            .s("volume", n(volume))
            .s("quoteVolume", n(quote_volume))
            .s("openPrice", open)
            .n("openTime", now - MS_PER_DAY)
            .n("closeTime", now)
    };
    row.n("bidPrice", bid)
        .n("bidQty", 7)
        .n("askPrice", ask)
        .n("askQty", 12)
        .end()
}

fn tickers(u: &Universe) -> String {
    let now = u.now_ms;
    let mut rows: Vec<String> = u
        .perps()
        .map(|m| {
            let mult = Decimal::from(m.multiplier);
            ticker_row(
                false,
                &perp_symbol(m),
                m.contract_price(m.mark),
                m.contract_price(m.perp_bid),
                m.contract_price(m.perp_ask),
                m.contract_price(m.high),
                m.contract_price(m.low),
                (m.volume_base / mult).round_dp(2),
                m.volume_quote(),
                now,
            )
        })
        .collect();
    let one = Decimal::ONE;
    for (symbol, _) in FILTERED_CONTRACTS {
        rows.push(ticker_row(
            false, symbol, one, one, one, one, one, one, one, now,
        ));
    }
    envelope(&array(rows), None)
}

fn spot_tickers(u: &Universe) -> String {
    let now = u.now_ms;
    let mut rows: Vec<String> = u
        .spots()
        .map(|m| {
            ticker_row(
                true,
                &spot_symbol(m),
                m.price,
                m.spot_bid,
                m.spot_ask,
                m.high,
                m.low,
                m.volume_base,
                m.volume_quote(),
                now,
            )
        })
        .collect();
    let one = Decimal::ONE;
    for (symbol, _) in FILTERED_SPOTS {
        rows.push(ticker_row(
            true, symbol, one, one, one, one, one, one, one, now,
        ));
    }
    envelope(&array(rows), Some(now))
}

/// The newest [`HISTORY_LIMIT`] settlements of a perp, newest first, one interval apart.
fn funding_history(m: &SynthMarket, symbol: &str) -> String {
    let step = i64::from(m.interval_hours) * MS_PER_HOUR;
    let rows = (1..=i64::from(HISTORY_LIMIT))
        .map(|k| {
            Obj::new()
                .s("symbol", symbol)
                .s("fundingRate", n(m.funding_rate))
                .n("fundingTime", m.next_funding_ms - k * step)
                .end()
        })
        .collect();
    envelope(&array(rows), None)
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
    fn renders_two_thousand_markets_as_valid_json_in_the_real_encoding() {
        let started = std::time::Instant::now();
        let u = Universe::generate(Venue::Bingx, 2000, 1500, 1_760_000_000_000);
        let routes = routes(&u);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(routes.len(), 5 + 2000);
        for r in &routes {
            let v: serde_json::Value = serde_json::from_str(&r.body).expect("valid JSON");
            assert_eq!(v["code"], 0, "{}", r.path);
        }
        let contracts: serde_json::Value = serde_json::from_str(&routes[0].body).expect("json");
        assert_eq!(
            contracts["data"].as_array().map(Vec::len),
            Some(2000 + FILTERED_CONTRACTS.len())
        );
        assert_eq!(contracts["data"][0]["symbol"], "BTC-USDT");
        assert_eq!(contracts["data"][0]["status"], 1);
        let premium: serde_json::Value = serde_json::from_str(&routes[2].body).expect("json");
        assert!(premium["data"][0]["lastFundingRate"].is_string());
        assert!(premium["data"][0]["nextFundingTime"].is_number());
        let ticker: serde_json::Value = serde_json::from_str(&routes[3].body).expect("json");
        assert!(ticker["data"][0]["bidPrice"].is_number());
        assert!(ticker["data"][0]["quoteVolume"].is_string());
        let spot: serde_json::Value = serde_json::from_str(&routes[4].body).expect("json");
        assert!(spot["timestamp"].is_number() && spot["data"][0]["closeTime"].is_string());
        let pepe = u
            .perps()
            .find(|m| m.multiplier == 1000)
            .map(perp_symbol)
            .expect("a multiplied perp");
        assert!(pepe.starts_with("1000") && routes[0].body.contains(&pepe));
    }
}
