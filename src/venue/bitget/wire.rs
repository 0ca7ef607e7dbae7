//! Bitget v2 wire structs: mix contracts/tickers/funding rows, spot symbols/tickers, settled funding, candles and (v3) collateral discount tiers.
//!
//! Bitget sends nearly every value as a string (`""` or `null` meaning absent) inside `{"code":
//! "00000", "msg": "success", "requestTime": <ms number>, "data": [...]}`
//! ([`crate::venue::rows::CodedEnvelope`]). Text fields use [`WireText`] (borrowed; `""`, `null`,
//! missing and non-text values are absent, numbers kept as their text), decimals [`WireDec`] and
//! millisecond times [`WireInt`]. Unknown fields are ignored.

use serde::Deserialize;

use crate::parse::{WireDec, WireInt, WireText};
use crate::venue::rows::ArrayCandle;

/// One row of `GET /api/v2/mix/market/contracts?productType=USDT-FUTURES|USDC-FUTURES` or of `GET
/// /api/v2/spot/public/symbols` (only the fields basis reads; spot rows have a `status`, contract
/// rows a `symbolType` and `symbolStatus`). Contract sizes are in base coins (`sizeMultiplier` is
/// the order size step, not a contract size).
///
/// ```json
/// {"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "makerFeeRate": "0.0004",
///  "takerFeeRate": "0.0006", "supportMarginCoins": ["USDT"], "sizeMultiplier": "0.01",
///  "symbolType": "perpetual", "symbolStatus": "normal", "offTime": "-1", "deliveryTime": "",
///  "launchTime": "", "fundInterval": "8", "maxLever": "125"}
/// {"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT", "minTradeAmount": "0",
///  "takerFeeRate": "0.002", "makerFeeRate": "0.002", "pricePrecision": "2",
///  "quantityPrecision": "6", "quotePrecision": "8", "status": "online", "minTradeUSDT": "1",
///  "areaSymbol": "no", "orderQuantity": "200", "openTime": "1532454360000", "offTime": ""}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BitgetSymbol<'a> {
    /// `BTCUSDT`, `BTCPERP` (USDC), `BTCUSDT_250627` (delivery).
    pub symbol: WireText<'a>,
    /// Base coin (`BTC`, `1000PEPE`).
    pub base_coin: WireText<'a>,
    /// Quote coin (`USDT`, `USDC`; `USD` for coin-margined contracts).
    pub quote_coin: WireText<'a>,
    /// `perpetual` or `delivery`.
    pub symbol_type: WireText<'a>,
    /// `listed` (pre-launch), `normal`, `maintain`, `limit_open`, `restrictedAPI`, `off`.
    pub symbol_status: WireText<'a>,
    /// Spot: `online`, `gray` (not yet open), `halt`, `offline`.
    pub status: WireText<'a>,
    /// Funding interval, hours (a string).
    pub fund_interval: WireDec,
}

/// One row of `GET /api/v2/mix/market/current-fund-rate?productType=…` (no `symbol`: every
/// contract of the product type).
///
/// ```json
/// {"symbol": "BTCUSDT", "fundingRate": "0.000068", "fundingRateInterval": "8",
///  "nextUpdate": "1743062400000", "minFundingRate": "-0.003", "maxFundingRate": "0.003"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BitgetFundRate<'a> {
    /// `BTCUSDT`.
    pub symbol: WireText<'a>,
    /// Current period's rate, fraction.
    pub funding_rate: WireDec,
    /// This symbol's interval, hours (a string: `1`, `2`, `4`, `8`).
    pub funding_rate_interval: WireDec,
    /// When the current rate settles, ms (a string).
    pub next_update: WireInt,
}

/// One row of `GET /api/v2/mix/market/tickers?productType=…` or of `GET
/// /api/v2/spot/market/tickers` (no `symbol`: every pair; no index, mark, funding or holding
/// fields). `baseVolume` is in base coins, `quoteVolume` in the quote coin, `holdingAmount`
/// (open interest) in base coins; prices are per one base coin (per 1000 PEPE for a `1000PEPE`
/// base).
///
/// ```json
/// {"symbol": "BTCUSDT", "lastPr": "84000.5", "askPr": "84000.6", "bidPr": "84000.5",
///  "bidSz": "3.2", "askSz": "1.1", "high24h": "85000", "low24h": "82000",
///  "ts": "1743054548000", "change24h": "0.012", "baseVolume": "12345.67",
///  "quoteVolume": "1037000000.5", "usdtVolume": "1037000000.5", "openUtc": "83500",
///  "changeUtc24h": "0.005", "indexPrice": "84010.2", "fundingRate": "0.000068",
///  "holdingAmount": "45678.9", "deliveryStartTime": null, "deliveryTime": null,
///  "deliveryStatus": "", "open24h": "83000", "markPrice": "84005.1"}
/// {"symbol": "BTCUSDT", "high24h": "37775.65", "open": "35134.2", "low24h": "34413.1",
///  "lastPr": "34413.1", "quoteVolume": "0", "baseVolume": "0", "usdtVolume": "0",
///  "bidPr": "0", "askPr": "0", "bidSz": "0.0663", "askSz": "0.0119", "openUtc": "23856.72",
///  "ts": "1625125755277", "changeUtc24h": "0.00301", "change24h": "0.00069"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BitgetTicker<'a> {
    /// `BTCUSDT`.
    pub symbol: WireText<'a>,
    /// Last trade price.
    pub last_pr: WireDec,
    /// Best ask.
    pub ask_pr: WireDec,
    /// Best bid.
    pub bid_pr: WireDec,
    /// 24 h high.
    #[serde(rename = "high24h")]
    pub high_24h: WireDec,
    /// 24 h low.
    #[serde(rename = "low24h")]
    pub low_24h: WireDec,
    /// Data time, ms (a string).
    pub ts: WireInt,
    /// 24 h volume in base coins.
    pub base_volume: WireDec,
    /// 24 h volume in the quote coin.
    pub quote_volume: WireDec,
    /// Index price.
    pub index_price: WireDec,
    /// Current funding rate (`"0"` for delivery contracts).
    pub funding_rate: WireDec,
    /// Open interest, base coins.
    pub holding_amount: WireDec,
    /// Mark price.
    pub mark_price: WireDec,
}

/// One row of `GET /api/v2/mix/market/history-fund-rate` (settled funding, newest first).
///
/// ```json
/// {"symbol": "BTCUSDT", "fundingRate": "0.0005", "fundingTime": "1695776400000"}
/// ```
pub type BitgetFundingHistory<'a> = crate::venue::rows::SettledFunding<'a>;

/// One candle row ([`ArrayCandle`]) of `GET /api/v2/mix/market/candles` (7 strings: open time ms, open, high, low,
/// close, base volume, quote volume) or `GET /api/v2/spot/market/candles` (8: … base volume,
/// USDT volume, quote volume), oldest first; only the first five positions are read.
///
/// ```json
/// ["1695835800000", "26210.5", "26210.5", "26194.5", "26194.5", "26.26", "687897.63"]
/// ```
pub type BitgetCandle = ArrayCandle;

/// One coin of `GET /api/v3/market/discount-rate` (unified trading account collateral): its
/// discount tiers by position value in USD, each from `tierStartValue` up to the next tier's.
/// Same envelope as v2.
///
/// ```json
/// {"coin": "ETH", "list": [{"tierStartValue": "0", "discountRate": "0.99"},
///                          {"tierStartValue": "40000", "discountRate": "0.98"}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct BitgetDiscountRate<'a> {
    /// Coin (`ETH`).
    pub coin: WireText<'a>,
    /// Tiers (`null` read as none).
    pub list: Option<Vec<BitgetDiscountTier>>,
}

/// One tier of a [`BitgetDiscountRate`].
///
/// ```json
/// {"tierStartValue": "0", "discountRate": "0.99"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BitgetDiscountTier {
    /// Lower bound of the tier, USD value of the coin held.
    pub tier_start_value: WireDec,
    /// Collateral value ratio within the tier, a fraction (`"0.99"`).
    pub discount_rate: WireDec,
}
