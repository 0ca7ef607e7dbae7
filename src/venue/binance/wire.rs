//! Binance wire structs in Binance's own field names: exchangeInfo, fundingInfo, premiumIndex, tickers, assetIndex, klines, errors.
//!
//! Every struct borrows from the response body; unknown fields are ignored and missing, `""` or
//! `null` fields are absent. Decimals go through [`WireDec`] and integers through [`WireInt`]
//! (Binance sends decimals as strings and times as numbers; both forms are accepted). The
//! futures and spot answers of the same kind (exchangeInfo, 24 h tickers) read through one
//! struct: the same fields mean the same there.

use serde::Deserialize;

use crate::parse::{StringsOnly, WireDec, WireInt, WireText};
use crate::venue::rows::ArrayCandle;

/// A text field: borrowed, `""`/`null`/missing absent ([`WireText`] with [`StringsOnly`]).
pub type BinanceText<'a> = WireText<'a, StringsOnly>;

/// `GET /fapi/v1/exchangeInfo` (every USDⓈ-M symbol, perpetual and dated, any status) or `GET
/// /api/v3/exchangeInfo` (spot symbols).
///
/// ```json
/// {"timezone":"UTC","serverTime":1565613908500,"rateLimits":[…],"exchangeFilters":[],
///  "assets":[{"asset":"USDT","marginAvailable":true,"autoAssetExchange":0}],
///  "symbols":[{"symbol":"BLZUSDT", …}]}
/// {"timezone":"UTC","serverTime":1565246363776,"rateLimits":[{}],"exchangeFilters":[],
///  "symbols":[{"symbol":"ETHBTC", …}],"sors":[{"baseAsset":"BTC","symbols":["BTCUSDT","BTCUSDC"]}]}
/// ```
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct BinanceExchangeInfo<'a> {
    /// The symbols (required: an exchangeInfo without them is not one).
    pub symbols: Vec<BinanceSymbol<'a>>,
}

/// One symbol of [`BinanceExchangeInfo`] (spot symbols have no contract type nor margin asset),
/// the Binance-shaped [`crate::venue::rows::ExchangeSymbol`].
///
/// ```json
/// {"symbol":"BLZUSDT","pair":"BLZUSDT","contractType":"PERPETUAL","deliveryDate":4133404800000,
///  "onboardDate":1598252400000,"status":"TRADING","maintMarginPercent":"2.5000",
///  "requiredMarginPercent":"5.0000","baseAsset":"BLZ","quoteAsset":"USDT","marginAsset":"USDT",
///  "pricePrecision":5,"quantityPrecision":0,"baseAssetPrecision":8,"quotePrecision":8,
///  "underlyingType":"COIN","underlyingSubType":["STORAGE"],"settlePlan":0,"triggerProtect":"0.15",
///  "filters":[…],"OrderType":["LIMIT","MARKET"],"timeInForce":["GTC"],
///  "liquidationFee":"0.010000","marketTakeBound":"0.30"}
/// {"symbol":"ETHBTC","status":"TRADING","baseAsset":"ETH","baseAssetPrecision":8,
///  "quoteAsset":"BTC","quotePrecision":8,"quoteAssetPrecision":8,"orderTypes":["LIMIT","MARKET"],
///  "icebergAllowed":true,"ocoAllowed":true,"isSpotTradingAllowed":true,
///  "isMarginTradingAllowed":true,"filters":[],"permissions":[],"permissionSets":[["SPOT","MARGIN"]]}
/// ```
pub type BinanceSymbol<'a> = crate::venue::rows::ExchangeSymbol<'a, StringsOnly>;

/// One entry of `GET /fapi/v1/fundingInfo` (only symbols whose cap, floor or interval was
/// adjusted are listed; every other symbol is 8 h).
///
/// ```json
/// {"symbol":"BLZUSDT","adjustedFundingRateCap":"0.03000000",
///  "adjustedFundingRateFloor":"-0.03000000","fundingIntervalHours":4,"disclaimer":false}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BinanceFundingInfo<'a> {
    /// Symbol.
    pub symbol: BinanceText<'a>,
    /// Funding interval, hours (a JSON integer).
    pub funding_interval_hours: WireInt,
}

/// One entry of `GET /fapi/v1/premiumIndex` (no symbol: every symbol, delivery ones included).
///
/// ```json
/// {"symbol":"BTCUSDT","markPrice":"11793.63104562","indexPrice":"11781.80495970",
///  "estimatedSettlePrice":"11781.16138815","lastFundingRate":"0.00038246",
///  "interestRate":"0.00010000","nextFundingTime":1597392000000,"time":1597370495002}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BinancePremiumIndex<'a> {
    /// Symbol.
    pub symbol: BinanceText<'a>,
    /// Mark price.
    pub mark_price: WireDec,
    /// Index price.
    pub index_price: WireDec,
    /// The current (still open, predicted) period's rate; `""` for delivery contracts.
    pub last_funding_rate: WireDec,
    /// When the current period settles, ms; `0` for delivery contracts.
    pub next_funding_time: WireInt,
    /// Data time, ms.
    pub time: WireInt,
}

/// One entry of `GET /fapi/v1/ticker/24hr` (no bid/ask on futures) or `GET /api/v3/ticker/24hr`
/// (type `FULL`, the default: it has bid/ask).
///
/// ```json
/// {"symbol":"BTCUSDT","priceChange":"-94.99999800","priceChangePercent":"-95.960",
///  "weightedAvgPrice":"0.29628482","lastPrice":"4.00000200","lastQty":"200.00000000",
///  "openPrice":"99.00000000","highPrice":"100.00000000","lowPrice":"0.10000000",
///  "volume":"8913.30000000","quoteVolume":"15.30000000","openTime":1499783499040,
///  "closeTime":1499869899040,"firstId":28385,"lastId":28460,"count":76}
/// {"symbol":"BNBBTC","priceChange":"-94.99999800","priceChangePercent":"-95.960",
///  "weightedAvgPrice":"0.29628482","prevClosePrice":"0.10002000","lastPrice":"4.00000200",
///  "lastQty":"200.00000000","bidPrice":"4.00000000","bidQty":"100.00000000",
///  "askPrice":"4.00000200","askQty":"100.00000000","openPrice":"99.00000000",
///  "highPrice":"100.00000000","lowPrice":"0.10000000","volume":"8913.30000000",
///  "quoteVolume":"15.30000000","openTime":1499783499040,"closeTime":1499869899040,
///  "firstId":28385,"lastId":28460,"count":76}
/// ```
pub type BinanceTicker24h<'a> = crate::venue::rows::SpotTicker24h<'a, StringsOnly>;

/// One entry of `GET /fapi/v1/ticker/bookTicker` (no symbol: every symbol).
///
/// ```json
/// {"symbol":"BTCUSDT","bidPrice":"4.00000000","bidQty":"431.00000000",
///  "askPrice":"4.00000200","askQty":"9.00000000","time":1589437530011}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BinanceBookTicker<'a> {
    /// Symbol.
    pub symbol: BinanceText<'a>,
    /// Best bid.
    pub bid_price: WireDec,
    /// Best ask.
    pub ask_price: WireDec,
    /// Data time, ms.
    pub time: WireInt,
}

/// One entry of `GET /fapi/v1/assetIndex` (no symbol: every Multi-Assets mode collateral coin,
/// priced against USD). `bidBuffer` is the haircut of the coin as margin:
/// `bidRate = index × (1 − bidBuffer)`.
///
/// ```json
/// {"symbol":"ADAUSD","time":1635740268004,"index":"1.92957370","bidBuffer":"0.10000000",
///  "askBuffer":"0.10000000","bidRate":"1.73661633","askRate":"2.12253107",
///  "autoExchangeBidBuffer":"0.05000000","autoExchangeAskBuffer":"0.05000000",
///  "autoExchangeBidRate":"1.83309501","autoExchangeAskRate":"2.02605238"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BinanceAssetIndex<'a> {
    /// `<COIN>USD` (`ADAUSD`, `BTCUSD`).
    pub symbol: BinanceText<'a>,
    /// Haircut of the coin's USD value as collateral, fraction.
    pub bid_buffer: WireDec,
}

/// The error envelope of every Binance endpoint (sent with HTTP 4xx; the code is negative).
///
/// ```json
/// {"code": -1121, "msg": "Invalid symbol."}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct BinanceError<'a> {
    /// Error code (negative for errors).
    pub code: WireInt,
    /// Message.
    pub msg: BinanceText<'a>,
}

/// One entry of `GET /fapi/v1/fundingRate?symbol=…`: one settled funding of one symbol (the list
/// is ascending by `fundingTime`).
///
/// ```json
/// {"symbol":"BTCUSDT","fundingRate":"-0.03750000","fundingTime":1570608000000,
///  "markPrice":"34287.54619963"}
/// ```
pub type BinanceFundingRate<'a> = crate::venue::rows::SettledFunding<'a>;

/// One row of `GET /api/v3/klines` (spot) or `GET /fapi/v1/klines` (USDⓈ-M): a positional array,
/// oldest row first, times as ms numbers and decimals as strings, read as an [`ArrayCandle`]:
/// the positions after the close (volumes, close time, trades) are skipped, missing ones absent.
///
/// ```json
/// [1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",
///  1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","0"]
/// ```
pub type BinanceKline = ArrayCandle;
