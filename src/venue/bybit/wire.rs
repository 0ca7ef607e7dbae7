//! Bybit v5 wire structs in Bybit's own field names: the envelope, instruments-info, tickers, collateral tiers, funding history and kline rows.
//!
//! Every struct borrows from the response body; unknown fields are ignored and missing, `""` or
//! `null` fields are absent. Numbers go through [`WireDec`]/[`WireInt`] (string or number).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Visitor};

use crate::parse::{WireDec, WireInt};
use crate::venue::rows::ArrayCandle;

/// Deserializes an optional string, borrowing it from the body when it has no escapes.
/// `null` and `""` are absent; any other JSON type is an error.
fn opt_str<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Cow<'de, str>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or null")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then_some(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then(|| Cow::Owned(v.to_owned())))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(V)
        }
    }
    d.deserialize_any(V)
}

/// A boolean flag ([`crate::parse::WireFlag`]: `true`/`false` or `"true"`/`"false"`, anything
/// else absent).
pub type BybitFlag = crate::parse::WireFlag;

/// The v5 envelope around every response. Errors come with HTTP 200 and a non-zero `retCode`.
///
/// ```json
/// {"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": []},
///  "retExtInfo": {}, "time": 1760352369814}
/// ```
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a, T: Deserialize<'de>"))]
pub struct BybitEnvelope<'a, T> {
    /// `0` on success.
    #[serde(rename = "retCode", default)]
    pub ret_code: WireInt,
    /// `"OK"` or the error text.
    #[serde(rename = "retMsg", default, deserialize_with = "opt_str")]
    pub ret_msg: Option<Cow<'a, str>>,
    /// The payload (`{}` on errors).
    #[serde(default = "Option::default")]
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

/// `result` of a list endpoint (instruments-info, tickers).
///
/// ```json
/// {"category": "linear", "list": [{"symbol": "BTCUSDT"}], "nextPageCursor": ""}
/// ```
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a, T: Deserialize<'de>"))]
pub struct BybitList<'a, T> {
    /// `linear`, `spot`, `inverse`…
    #[serde(default, deserialize_with = "opt_str")]
    pub category: Option<Cow<'a, str>>,
    /// Rows (`nextPageCursor` is read separately, by [`BybitPage`]).
    #[serde(default = "Option::default")]
    pub list: Option<Vec<T>>,
}

/// `result` of a list endpoint with the rows skipped: the paging cursor only.
///
/// ```json
/// {"category": "linear", "list": [], "nextPageCursor": "first%3D1000PEPEUSDT%26last%3DETHUSDT"}
/// ```
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct BybitPage<'a> {
    /// Cursor of the next page; absent on the last page.
    #[serde(
        rename = "nextPageCursor",
        default,
        deserialize_with = "opt_str",
        borrow
    )]
    pub next_page_cursor: Option<Cow<'a, str>>,
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
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct BybitInstrument<'a> {
    /// `BTCUSDT`, `1000PEPEUSDT`, `BTCPERP` (USDC perp), `BTCUSDT-26JUN26` (dated).
    #[serde(default, deserialize_with = "opt_str")]
    pub symbol: Option<Cow<'a, str>>,
    /// `LinearPerpetual`, `LinearFutures` (linear only).
    #[serde(rename = "contractType", default, deserialize_with = "opt_str")]
    pub contract_type: Option<Cow<'a, str>>,
    /// `Trading`, `PreLaunch`, `Delivering`, `Closed`.
    #[serde(default, deserialize_with = "opt_str")]
    pub status: Option<Cow<'a, str>>,
    /// Base coin as the contract counts it (`1000PEPE`, `SHIB1000`).
    #[serde(rename = "baseCoin", default, deserialize_with = "opt_str")]
    pub base_coin: Option<Cow<'a, str>>,
    /// Quote coin (`USDT`, `USDC`).
    #[serde(rename = "quoteCoin", default, deserialize_with = "opt_str")]
    pub quote_coin: Option<Cow<'a, str>>,
    /// Funding interval in **minutes** (an integer, e.g. 480).
    #[serde(rename = "fundingInterval", default)]
    pub funding_interval: WireInt,
    /// Whether this is a pre-market contract.
    #[serde(rename = "isPreListing", default)]
    pub is_pre_listing: BybitFlag,
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
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct BybitTicker<'a> {
    /// Symbol.
    #[serde(default, deserialize_with = "opt_str")]
    pub symbol: Option<Cow<'a, str>>,
    /// Index price.
    #[serde(rename = "indexPrice", default)]
    pub index_price: WireDec,
    /// Mark price.
    #[serde(rename = "markPrice", default)]
    pub mark_price: WireDec,
    /// 24 h high.
    #[serde(rename = "highPrice24h", default)]
    pub high_price_24h: WireDec,
    /// 24 h low.
    #[serde(rename = "lowPrice24h", default)]
    pub low_price_24h: WireDec,
    /// Open interest in units of the contract's `baseCoin` (`1000PEPE` lots for `1000PEPEUSDT`).
    #[serde(rename = "openInterest", default)]
    pub open_interest: WireDec,
    /// 24 h turnover in the quote coin.
    #[serde(rename = "turnover24h", default)]
    pub turnover_24h: WireDec,
    /// Current (predicted) funding rate per interval, fraction.
    #[serde(rename = "fundingRate", default)]
    pub funding_rate: WireDec,
    /// Next settlement, ms (a string).
    #[serde(rename = "nextFundingTime", default)]
    pub next_funding_time: WireInt,
    /// Best bid.
    #[serde(rename = "bid1Price", default)]
    pub bid1_price: WireDec,
    /// Best ask.
    #[serde(rename = "ask1Price", default)]
    pub ask1_price: WireDec,
    /// This symbol's funding interval in hours (a string, e.g. `"8"`).
    #[serde(rename = "fundingIntervalHour", default)]
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
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct BybitCollateral<'a> {
    /// Coin (`BTC`).
    #[serde(default, deserialize_with = "opt_str")]
    pub currency: Option<Cow<'a, str>>,
    /// The tiers (`null` or missing: none).
    #[serde(rename = "collateralRatioList", default)]
    pub collateral_ratio_list: Option<Vec<BybitCollateralTier>>,
}

/// One tier of [`BybitCollateral`] (`maxQty` is not read: the first tier is the one with the
/// smallest `minQty`).
///
/// ```json
/// {"minQty": "0", "maxQty": "1000000", "collateralRatio": "0.85"}
/// ```
#[derive(Debug, Deserialize)]
pub struct BybitCollateralTier {
    /// Lower bound of the tier, coin quantity.
    #[serde(rename = "minQty", default)]
    pub min_qty: WireDec,
    /// Collateral value ratio within the tier, fraction (`0`: not counted as margin).
    #[serde(rename = "collateralRatio", default)]
    pub collateral_ratio: WireDec,
}

/// One row of `GET /v5/market/funding/history` (`result.list`, newest first).
///
/// ```json
/// {"symbol": "ETHPERP", "fundingRate": "0.0001", "fundingRateTimestamp": "1672041600000"}
/// ```
#[derive(Debug, Deserialize)]
pub struct BybitFundingHistory {
    /// Rate settled at `fundingRateTimestamp`, fraction.
    #[serde(rename = "fundingRate", default)]
    pub funding_rate: WireDec,
    /// Settlement time, ms (a string).
    #[serde(rename = "fundingRateTimestamp", default)]
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
