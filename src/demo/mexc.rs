//! MEXC-format payloads (contract and spot listings, funding rates, tickers) of a synthetic market.
//!
//! Same shapes and encoding as the live APIs: contract answers in `{"success":true,"code":0,
//! "data":…}` with every decimal a JSON number and sizes in contracts of `contractSize` base
//! units; spot v3 answers as bare Binance-like objects/arrays with decimals as strings.
//! Multiplied markets are listed as `1000PEPE_USDT` with prices per 1000 coins. The contract list
//! also holds entries the adapter must drop (an inverse contract, delivery, paused, offline and
//! hidden ones) and the spot list paused, offline and close-only pairs; the funding rates and
//! tickers carry rows for them. Every perp's `funding_rate/{symbol}` is served as well, for the
//! per-symbol interval fallback.

use std::fmt::{Display, Write as _};

use rust_decimal::Decimal;

use super::{Route, SynthMarket, Universe};
use crate::venue::mexc::{
    CONTRACT_DETAIL_PATH, EXCHANGE_INFO_PATH, FUNDING_RATE_PATH, FUTURES, SPOT, SPOT_TICKER_PATH,
    TICKER_PATH,
};

/// Contracts the demo lists but the adapter must drop, with why.
pub const FILTERED_CONTRACTS: [(&str, &str); 5] = [
    ("DEMOINV_USD", "inverse (settled in the base coin)"),
    ("DEMODLV_USDT", "delivery (state 1)"),
    ("DEMOPAUSE_USDT", "paused (state 4)"),
    ("DEMOOFF_USDT", "offline (state 3)"),
    ("DEMOHIDE_USDT", "hidden (isHidden)"),
];

/// Spot pairs the demo lists but the adapter must drop, with why.
pub const FILTERED_SPOTS: [(&str, &str); 3] = [
    ("DEMOHALTUSDT", "paused (status 2)"),
    ("DEMOOFFUSDT", "offline (status 3)"),
    ("DEMOCLOSEUSDT", "close-only (tradeSideType 4)"),
];

const MS_PER_HOUR: i64 = 3_600_000;

/// Routes serving `universe` in MEXC's formats: the reference and snapshot plans on both hosts,
/// plus one `funding_rate/{symbol}` route per perp.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    let mut routes = vec![
        Route::new(FUTURES, CONTRACT_DETAIL_PATH, contract_detail(universe)),
        Route::new(SPOT, EXCHANGE_INFO_PATH, exchange_info(universe)),
        Route::new(FUTURES, FUNDING_RATE_PATH, funding_rates(universe)),
        Route::new(FUTURES, TICKER_PATH, tickers(universe)),
        Route::new(SPOT, SPOT_TICKER_PATH, spot_tickers(universe)),
    ];
    for m in universe.perps() {
        let symbol = perp_symbol(m);
        let row = funding_row(
            &symbol,
            m.funding_rate,
            m.interval_hours,
            m.next_funding_ms,
            universe.now_ms,
        );
        routes.push(Route::new(
            FUTURES,
            &format!("{FUNDING_RATE_PATH}/{symbol}"),
            contract_envelope(&row),
        ));
    }
    routes
}

/// The perp's MEXC contract name: `BTC_USDT`, `1000PEPE_USDT`, `ETH_USDC`.
#[must_use]
pub fn perp_symbol(m: &SynthMarket) -> String {
    format!("{}_{}", m.perp_base(), m.quote)
}

/// The spot pair's MEXC symbol: `BTCUSDT`.
#[must_use]
pub fn spot_symbol(m: &SynthMarket) -> String {
    format!("{}{}", m.asset, m.quote)
}

/// The `contractSize` MEXC would pick: a power of ten of the contract's base units worth 1–1000
/// quote units (0.0001 BTC at 97 000 lists as 0.01 here; 10 × 1000PEPE).
#[must_use]
pub fn contract_size(m: &SynthMarket) -> Decimal {
    let price = m.contract_price(m.price);
    let mut size = Decimal::ONE;
    if price <= Decimal::ZERO {
        return size;
    }
    for _ in 0..20 {
        let Some(notional) = price.checked_mul(size) else {
            break;
        };
        if notional > Decimal::ONE_THOUSAND {
            size /= Decimal::TEN;
        } else if notional < Decimal::ONE {
            size *= Decimal::TEN;
        } else {
            break;
        }
    }
    size.normalize()
}

/// Open interest in contracts (`holdVol`), whole contracts.
#[must_use]
pub fn hold_vol(m: &SynthMarket) -> Decimal {
    (m.open_interest / Decimal::from(m.multiplier) / contract_size(m))
        .round_dp(0)
        .normalize()
}

/// A flat JSON object writer: string fields and raw tokens (numbers, booleans, arrays).
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

fn array(rows: &[String]) -> String {
    let mut out = String::with_capacity(rows.iter().map(|r| r.len() + 1).sum::<usize>() + 2);
    out.push('[');
    out.push_str(&rows.join(","));
    out.push(']');
    out
}

fn contract_envelope(data: &str) -> String {
    format!(r#"{{"success":true,"code":0,"data":{data}}}"#)
}

fn n(d: Decimal) -> Decimal {
    d.normalize()
}

/// One unit of a price's last decimal.
fn tick(price: Decimal) -> Decimal {
    Decimal::new(1, price.normalize().scale())
}

/// A contract detail row of the shape MEXC lists.
#[allow(clippy::too_many_arguments)]
fn detail_row(
    symbol: &str,
    base: &str,
    quote: &str,
    settle: &str,
    size: Decimal,
    price: Decimal,
    state: i64,
    hidden: bool,
) -> String {
    Obj::new()
        .s("symbol", symbol)
        .s("displayName", format!("{symbol}永续"))
        .s("displayNameEn", format!("{symbol} PERPETUAL"))
        .n("positionOpenType", 3)
        .s("baseCoin", base)
        .s("quoteCoin", quote)
        .s("settleCoin", settle)
        .n("contractSize", n(size))
        .n("minLeverage", 1)
        .n("maxLeverage", 200)
        .n("priceScale", price.normalize().scale())
        .n("volScale", 0)
        .n("amountScale", 4)
        .n("priceUnit", tick(price))
        .n("volUnit", 1)
        .n("minVol", 1)
        .n("maxVol", 1_000_000)
        .n("bidLimitPriceRate", "0.1")
        .n("askLimitPriceRate", "0.1")
        .n("takerFeeRate", "0.0002")
        .n("makerFeeRate", 0)
        .n("maintenanceMarginRate", "0.004")
        .n("initialMarginRate", "0.005")
        .n("riskBaseVol", 100_000)
        .n("riskIncrVol", 100_000)
        .n("riskIncrMmr", "0.004")
        .n("riskIncrImr", "0.004")
        .n("riskLevelLimit", 5)
        .n("priceCoefficientVariation", "0.1")
        .n("indexOrigin", r#"["BINANCE","OKX","BYBIT"]"#)
        .n("state", state)
        .n("isNew", false)
        .n("isHot", false)
        .n("isHidden", hidden)
        .n("conceptPlate", "[]")
        .s("riskLimitType", "BY_VOLUME")
        .n("maxNumOrders", "[200,50]")
        .n("marketOrderMaxLevel", 20)
        .n("marketOrderPriceLimitRate1", "0.2")
        .n("marketOrderPriceLimitRate2", "0.005")
        .n("triggerProtect", "0.1")
        .n("appraisal", 0)
        .n("showAppraisalCountdown", 0)
        .n("automaticDelivery", 0)
        .n("apiAllowed", false)
        .end()
}

fn contract_detail(u: &Universe) -> String {
    let mut rows: Vec<String> = u
        .perps()
        .map(|m| {
            detail_row(
                &perp_symbol(m),
                &m.perp_base(),
                &m.quote,
                &m.quote,
                contract_size(m),
                m.contract_price(m.mark),
                0,
                false,
            )
        })
        .collect();
    for (symbol, why) in FILTERED_CONTRACTS {
        let (base, quote) = symbol.split_once('_').unwrap_or((symbol, "USDT"));
        let (settle, state, hidden) = match why.split_whitespace().next() {
            Some("inverse") => (base, 0, false),
            Some("delivery") => (quote, 1, false),
            Some("paused") => (quote, 4, false),
            Some("offline") => (quote, 3, false),
            _ => (quote, 0, true),
        };
        rows.push(detail_row(
            symbol,
            base,
            quote,
            settle,
            Decimal::ONE,
            Decimal::ONE,
            state,
            hidden,
        ));
    }
    contract_envelope(&array(&rows))
}

fn funding_row(symbol: &str, rate: Decimal, hours: u32, next_ms: i64, now: i64) -> String {
    Obj::new()
        .s("symbol", symbol)
        .n("fundingRate", n(rate))
        .n("maxFundingRate", "0.003")
        .n("minFundingRate", "-0.003")
        .n("collectCycle", hours)
        .n("nextSettleTime", next_ms)
        .n("timestamp", now)
        .end()
}

fn funding_rates(u: &Universe) -> String {
    let now = u.now_ms;
    let mut rows: Vec<String> = u
        .perps()
        .map(|m| {
            funding_row(
                &perp_symbol(m),
                m.funding_rate,
                m.interval_hours,
                m.next_funding_ms,
                now,
            )
        })
        .collect();
    let next8 = (now / (8 * MS_PER_HOUR) + 1) * 8 * MS_PER_HOUR;
    for (symbol, _) in FILTERED_CONTRACTS {
        rows.push(funding_row(symbol, Decimal::new(5, 3), 8, next8, now));
    }
    contract_envelope(&array(&rows))
}

/// One contract ticker row; sizes in contracts.
#[allow(clippy::too_many_arguments)]
fn ticker_row(
    symbol: &str,
    last: Decimal,
    bid: Decimal,
    ask: Decimal,
    high: Decimal,
    low: Decimal,
    index: Decimal,
    rate: Decimal,
    contracts: Decimal,
    quote_volume: Decimal,
    hold: Decimal,
    now: i64,
) -> String {
    let change = n(last - low);
    let rise = if low.is_zero() {
        Decimal::ZERO
    } else {
        n((change / low).round_dp(4))
    };
    Obj::new()
        .s("symbol", symbol)
        .n("lastPrice", n(last))
        .n("bid1", n(bid))
        .n("ask1", n(ask))
        .n("volume24", n(contracts))
        .n("amount24", n(quote_volume))
        .n("holdVol", n(hold))
        .n("lower24Price", n(low))
        .n("high24Price", n(high))
        .n("riseFallRate", rise)
        .n("riseFallValue", change)
        .n("indexPrice", n(index))
        .n("fairPrice", n(last))
        .n("fundingRate", n(rate))
        .n("maxBidPrice", n(last * Decimal::new(11, 1)))
        .n("minAskPrice", n(last * Decimal::new(9, 1)))
        .n("timestamp", now)
        .end()
}

fn tickers(u: &Universe) -> String {
    let now = u.now_ms;
    let mut rows: Vec<String> = u
        .perps()
        .map(|m| {
            let per_contract = Decimal::from(m.multiplier) * contract_size(m);
            ticker_row(
                &perp_symbol(m),
                m.contract_price(m.mark),
                m.contract_price(m.perp_bid),
                m.contract_price(m.perp_ask),
                m.contract_price(m.high),
                m.contract_price(m.low),
                m.contract_price(m.index),
                m.funding_rate,
                (m.volume_base / per_contract).round_dp(0),
                m.volume_quote(),
                hold_vol(m),
                now,
            )
        })
        .collect();
    let one = Decimal::ONE;
    for (symbol, _) in FILTERED_CONTRACTS {
        rows.push(ticker_row(
            symbol,
            one,
            one,
            one,
            one,
            one,
            one,
            Decimal::new(5, 3),
            one,
            one,
            one,
            now,
        ));
    }
    contract_envelope(&array(&rows))
}

fn spot_symbol_row(symbol: &str, base: &str, quote: &str, status: &str, side: &str) -> String {
    Obj::new()
        .s("symbol", symbol)
        .s("status", status)
        .s("baseAsset", base)
        .n("baseAssetPrecision", 2)
        .s("quoteAsset", quote)
        .n("quotePrecision", 8)
        .n("quoteAssetPrecision", 8)
        .n("baseCommissionPrecision", 2)
        .n("quoteCommissionPrecision", 8)
        .n("orderTypes", r#"["LIMIT","MARKET","LIMIT_MAKER"]"#)
        .n("isSpotTradingAllowed", true)
        .n("isMarginTradingAllowed", false)
        .s("quoteAmountPrecision", "1")
        .s("baseSizePrecision", "0")
        .n("permissions", r#"["SPOT"]"#)
        .n("filters", "[]")
        .s("maxQuoteAmount", "2000000")
        .s("makerCommission", "0")
        .s("takerCommission", "0.0005")
        .s("quoteAmountPrecisionMarket", "1")
        .s("maxQuoteAmountMarket", "100000")
        .s("fullName", base)
        .s("tradeSideType", side)
        .end()
}

fn exchange_info(u: &Universe) -> String {
    let mut rows: Vec<String> = u
        .spots()
        .map(|m| spot_symbol_row(&spot_symbol(m), &m.asset, &m.quote, "1", "1"))
        .collect();
    for (i, (symbol, _)) in FILTERED_SPOTS.iter().enumerate() {
        let base = symbol.strip_suffix("USDT").unwrap_or(symbol);
        let (status, side) = match i {
            0 => ("2", "1"),
            1 => ("3", "1"),
            _ => ("1", "4"),
        };
        rows.push(spot_symbol_row(symbol, base, "USDT", status, side));
    }
    format!(
        r#"{{"timezone":"CST","serverTime":{},"rateLimits":[],"exchangeFilters":[],"symbols":{}}}"#,
        u.now_ms,
        array(&rows)
    )
}

#[allow(clippy::too_many_arguments)]
fn spot_ticker_row(
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
    let change = n(last - low);
    let pct = if low.is_zero() {
        Decimal::ZERO
    } else {
        n((change / low).round_dp(8))
    };
    Obj::new()
        .s("symbol", symbol)
        .s("priceChange", change)
        .s("priceChangePercent", pct)
        .s("prevClosePrice", n(low))
        .s("lastPrice", n(last))
        .s("bidPrice", n(bid))
        .s("bidQty", "12.5")
        .s("askPrice", n(ask))
        .s("askQty", "7.25")
        .s("openPrice", n(low))
        .s("highPrice", n(high))
        .s("lowPrice", n(low))
        .s("volume", n(volume))
        .s("quoteVolume", n(quote_volume))
        .n("openTime", now - 24 * MS_PER_HOUR)
        .n("closeTime", now)
        .n("count", "null")
        .end()
}

fn spot_tickers(u: &Universe) -> String {
    let now = u.now_ms;
    let mut rows: Vec<String> = u
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
                now,
            )
        })
        .collect();
    let one = Decimal::ONE;
    for (symbol, _) in FILTERED_SPOTS {
        rows.push(spot_ticker_row(
            symbol, one, one, one, one, one, one, one, now,
        ));
    }
    array(&rows)
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
    fn contract_sizes_are_powers_of_ten_worth_one_to_a_thousand() {
        let u = Universe::generate(Venue::Mexc, 60, 10, 1_760_000_000_000);
        for m in u.perps() {
            let notional = m.contract_price(m.price) * contract_size(m);
            assert!(
                notional >= Decimal::ONE && notional <= Decimal::ONE_THOUSAND,
                "{} {notional}",
                perp_symbol(m)
            );
        }
        let btc = u.perps().next().expect("BTC first");
        assert_eq!(contract_size(btc), Decimal::new(1, 2));
    }

    #[test]
    fn renders_two_thousand_markets_as_valid_json_in_the_real_encoding() {
        let started = std::time::Instant::now();
        let u = Universe::generate(Venue::Mexc, 2000, 1500, 1_760_000_000_000);
        let routes = routes(&u);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(routes.len(), 5 + 2000);
        for r in &routes {
            let v: serde_json::Value = serde_json::from_str(&r.body).expect("valid JSON");
            if r.host == FUTURES {
                assert_eq!(v["success"], true, "{}", r.path);
                assert_eq!(v["code"], 0, "{}", r.path);
            }
        }
        let detail: serde_json::Value = serde_json::from_str(&routes[0].body).expect("json");
        assert_eq!(
            detail["data"].as_array().map(Vec::len),
            Some(2000 + FILTERED_CONTRACTS.len())
        );
        assert_eq!(detail["data"][0]["symbol"], "BTC_USDT");
        assert!(detail["data"][0]["contractSize"].is_number());
        let info: serde_json::Value = serde_json::from_str(&routes[1].body).expect("json");
        assert_eq!(
            info["symbols"].as_array().map(Vec::len),
            Some(1500 + FILTERED_SPOTS.len())
        );
        let ticker: serde_json::Value = serde_json::from_str(&routes[3].body).expect("json");
        assert!(ticker["data"][0]["fundingRate"].is_number());
        let spot: serde_json::Value = serde_json::from_str(&routes[4].body).expect("json");
        assert!(spot[0]["bidPrice"].is_string() && spot[0]["closeTime"].is_number());
        assert_eq!(routes[5].path, "/api/v1/contract/funding_rate/BTC_USDT");
    }
}
