//! Bybit v5 wire structs in Bybit's own field names: the envelope, instruments-info, tickers, collateral tiers, funding history and kline rows.
//!
//! Every struct borrows from the response body (text as [`WireText`]); unknown fields are
//! ignored and missing, `""` or `null` fields are absent. Numbers go through
//! [`WireDec`]/[`WireInt`] (string or number).

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::parse::{WireDec, WireFlag, WireInt, WireText};
use crate::venue::rows::ArrayCandle;

/// The v5 envelope around every response. Errors come with HTTP 200 and a non-zero `retCode`.
///
/// ```json
/// {"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": []},
///  "retExtInfo": {}, "time": 1760352369814}
/// ```
#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    bound(deserialize = "'de: 'a, T: Deserialize<'de>")
)]
pub struct BybitEnvelope<'a, T> {
    /// `0` on success.
    #[serde(default)]
    pub ret_code: WireInt,
    /// `"OK"` or the error text.
    #[serde(default)]
    pub ret_msg: WireText<'a>,
    /// The payload (`{}` on errors).
    pub result: Option<T>,
    /// Server time, ms (a number).
    #[serde(default)]
    pub time: WireInt,
}

/// The envelope's head only, `result` skipped unread: what `check_body` and error reporting
/// read.
///
/// ```json
/// {"retCode": 10006, "retMsg": "Too many visits!", "result": {}, "retExtInfo": {}, "time": 1672738134824}
/// ```
pub type BybitHead<'a> = BybitEnvelope<'a, IgnoredAny>;

/// `result` of a list endpoint (instruments-info, tickers, risk-limit).
///
/// ```json
/// {"category": "linear", "list": [{"symbol": "BTCUSDT"}], "nextPageCursor": ""}
/// ```
#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    bound(deserialize = "'de: 'a, T: Deserialize<'de>")
)]
pub struct BybitList<'a, T> {
    /// `linear`, `spot`, `inverse`…
    #[serde(default)]
    pub category: WireText<'a>,
    /// Rows.
    pub list: Option<Vec<T>>,
    /// Cursor of the next page; absent on the last page.
    #[serde(default)]
    pub next_page_cursor: WireText<'a>,
}

/// `result` of a list endpoint with the rows skipped: what paging reads.
///
/// ```json
/// {"category": "linear", "list": [], "nextPageCursor": "first%3D1000PEPEUSDT%26last%3DETHUSDT"}
/// ```
pub type BybitPage<'a> = BybitList<'a, IgnoredAny>;

/// One row of `GET /v5/market/risk-limit?category=linear` (`result.list`): one tier of one
/// symbol. `riskLimitValue` is the tier's notional cap (USDT), `maintenanceMargin` and
/// `initialMargin` fractions (strings, or numbers as the docs' table types them), `mmDeduction`
/// the maintenance amount (`""` on the first tier).
///
/// ```json
/// {"id": 1, "symbol": "BTCUSDT", "riskLimitValue": "2000000", "maintenanceMargin": "0.005",
///  "initialMargin": "0.01", "isLowestRisk": 1, "maxLeverage": "100.00", "mmDeduction": ""}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BybitRiskLimit<'a> {
    /// `BTCUSDT`.
    pub symbol: WireText<'a>,
    /// The tier's notional cap, USDT.
    pub risk_limit_value: WireDec,
    /// Maintenance margin rate, fraction.
    pub maintenance_margin: WireDec,
    /// Initial margin rate, fraction.
    pub initial_margin: WireDec,
    /// Maintenance amount of the tier (`""` on the first).
    pub mm_deduction: WireDec,
}

/// One row of `GET /v5/market/instruments-info` (linear and spot share the fields basis reads;
/// spot rows have no `contractType`/`fundingInterval`/`isPreListing`).
///
/// ```json
/// {"symbol": "BTCUSDT", "symbolId": 5, "contractType": "LinearPerpetual", "status": "Trading",
///  "baseCoin": "BTC", "quoteCoin": "USDT", "launchTime": "1585526400000", "deliveryTime": "0",
///  "fundingInterval": 480, "settleCoin": "USDT", "upperFundingRate": "0.00375",
///  "lowerFundingRate": "-0.00375", "isPreListing": false, "preListingInfo": null, "symbolType": ""}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BybitInstrument<'a> {
    /// `BTCUSDT`, `1000PEPEUSDT`, `BTCPERP` (USDC perp), `BTCUSDT-26JUN26` (dated).
    pub symbol: WireText<'a>,
    /// `LinearPerpetual`, `LinearFutures` (linear only).
    pub contract_type: WireText<'a>,
    /// `Trading`, `PreLaunch`, `Delivering`, `Closed`.
    pub status: WireText<'a>,
    /// Base coin as the contract counts it (`1000PEPE`, `SHIB1000`).
    pub base_coin: WireText<'a>,
    /// Quote coin (`USDT`, `USDC`).
    pub quote_coin: WireText<'a>,
    /// Funding interval in **minutes** (an integer, e.g. 480).
    pub funding_interval: WireInt,
    /// Whether this is a pre-market contract.
    pub is_pre_listing: WireFlag,
}

/// One row of `GET /v5/market/tickers?category=linear` or `?category=spot` (all strings; spot
/// rows have no index, mark, open interest or funding fields).
///
/// ```json
/// {"symbol": "BTCUSDT", "lastPrice": "120635.50", "indexPrice": "114890.92",
///  "markPrice": "114898.43", "highPrice24h": "131309.30", "lowPrice24h": "102007.60",
///  "openInterest": "52871.904", "openInterestValue": "6074898760.71",
///  "turnover24h": "1585012458.2730", "volume24h": "13713.8320", "fundingRate": "0.0001",
///  "nextFundingTime": "1760371200000", "predictedDeliveryPrice": "", "deliveryTime": "0",
///  "bid1Price": "103401.00", "bid1Size": "1.063", "ask1Price": "109152.80", "ask1Size": "9.854",
///  "fundingIntervalHour": "8", "fundingCap": "0.005"}
/// {"symbol": "BTCUSDT", "bid1Price": "20517.96", "bid1Size": "2", "ask1Price": "20527.77",
///  "ask1Size": "1.862172", "lastPrice": "20533.13", "prevPrice24h": "20393.48",
///  "price24hPcnt": "0.0068", "highPrice24h": "21128.12", "lowPrice24h": "20318.89",
///  "turnover24h": "243765620.65899866", "volume24h": "11801.27771",
///  "usdIndexPrice": "20784.12009279"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BybitTicker<'a> {
    /// Symbol.
    pub symbol: WireText<'a>,
    /// Index price.
    pub index_price: WireDec,
    /// Mark price.
    pub mark_price: WireDec,
    /// 24 h high.
    pub high_price_24h: WireDec,
    /// 24 h low.
    pub low_price_24h: WireDec,
    /// Open interest in units of the contract's `baseCoin` (`1000PEPE` lots for `1000PEPEUSDT`).
    pub open_interest: WireDec,
    /// 24 h turnover in the quote coin.
    pub turnover_24h: WireDec,
    /// Current (predicted) funding rate per interval, fraction.
    pub funding_rate: WireDec,
    /// Next settlement, ms (a string).
    pub next_funding_time: WireInt,
    /// Best bid.
    pub bid1_price: WireDec,
    /// Best ask.
    pub ask1_price: WireDec,
    /// This symbol's funding interval in hours (a string, e.g. `"8"`).
    pub funding_interval_hour: WireDec,
}

/// One row of `GET /v5/spot-margin-trade/collateral` (`result.list`, no `category`): a coin and
/// its collateral ratio tiers by coin quantity (`maxQty` `""` = no upper bound).
///
/// ```json
/// {"currency": "BTC", "collateralRatioList": [
///   {"minQty": "0", "maxQty": "1000000", "collateralRatio": "0.85"},
///   {"minQty": "1000000", "maxQty": "", "collateralRatio": "0"}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BybitCollateral<'a> {
    /// Coin (`BTC`).
    pub currency: WireText<'a>,
    /// The tiers (`null` or missing: none).
    pub collateral_ratio_list: Option<Vec<BybitCollateralTier>>,
}

/// One tier of [`BybitCollateral`] (`maxQty` is not read: the first tier is the one with the
/// smallest `minQty`).
///
/// ```json
/// {"minQty": "0", "maxQty": "1000000", "collateralRatio": "0.85"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BybitCollateralTier {
    /// Lower bound of the tier, coin quantity.
    pub min_qty: WireDec,
    /// Collateral value ratio within the tier, fraction (`0`: not counted as margin).
    pub collateral_ratio: WireDec,
}

/// One row of `GET /v5/market/funding/history` (`result.list`, newest first).
///
/// ```json
/// {"symbol": "ETHPERP", "fundingRate": "0.0001", "fundingRateTimestamp": "1672041600000"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BybitFundingHistory {
    /// Rate settled at `fundingRateTimestamp`, fraction.
    pub funding_rate: WireDec,
    /// Settlement time, ms (a string).
    pub funding_rate_timestamp: WireInt,
}

/// One row of `GET /v5/market/kline` (`result.list`, newest first): a positional array of
/// strings, `[startTime (ms), open, high, low, close, volume, turnover]`, read as an
/// [`ArrayCandle`] (numbers are accepted as well as strings).
///
/// ```json
/// ["1670608800000", "17071", "17073", "17027", "17055.5", "268611", "15.74462667"]
/// ```
pub type BybitKline = ArrayCandle;
