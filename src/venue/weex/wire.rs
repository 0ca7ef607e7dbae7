//! WEEX wire structs: contract v2 listings, tickers and funding rows (bare JSON), spot v2 symbols (in an envelope) and spot v3 tickers.
//!
//! The contract v2 market endpoints answer bare arrays of rows with every value a string
//! (`collectCycle` and the funding times are numbers); their errors, like every spot v2 answer,
//! come in `{"code": …, "msg": …, "requestTime": <ms>, "data": …}` (`"00000"` on success), read
//! as [`crate::venue::rows::CodedEnvelope`]:
//!
//! ```json
//! {"code": "429", "msg": "Requesting too frequently", "requestTime": 1750383726052, "data": null}
//! ```
//!
//! Candle rows are [`crate::venue::rows::ArrayCandle`]s: contract `GET /capi/v2/market/candles`
//! sends 7 strings (open time ms, open, high, low, close, base volume, quote volume), spot
//! `GET /api/v2/market/candles` the open time as a number, then 6 strings:
//!
//! ```json
//! ["1716707460000", "69174.3", "69174.4", "69174.1", "69174.3", "0", "0.011"]
//! ```
//!
//! Spot v3 answers bare arrays too. Text fields use [`WireText`], decimals [`WireDec`] (strings
//! or numbers) and millisecond times [`WireInt`]. Unknown fields are ignored.

use serde::Deserialize;

use crate::parse::{WireDec, WireFlag, WireInt, WireText};

/// One row of `GET /capi/v2/market/contracts` (only the fields basis reads). Sizes are in base
/// coins (`contract_val` is `"0"` in the docs' example); `delivery` lists the settlement times of
/// day, UTC.
///
/// ```json
/// {"symbol": "cmt_btcusdt", "underlying_index": "BTC", "quote_currency": "USDT", "coin": "USDT",
///  "contract_val": "0", "listing": null, "delivery": ["00:00:00", "08:00:00", "16:00:00"],
///  "size_increment": "5", "tick_size": "1", "forwardContractFlag": true, "priceEndStep": 1,
///  "minLeverage": 1, "maxLeverage": 500, "makerFeeRate": "0.0002", "takerFeeRate": "0.0006",
///  "minOrderSize": "0.0001", "maxOrderSize": "100000", "maxPositionSize": "1000000"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct WeexContract<'a> {
    /// `cmt_btcusdt`.
    pub symbol: WireText<'a>,
    /// The contract's coin (`BTC`, `1000PEPE`).
    pub underlying_index: WireText<'a>,
    /// Quote currency (`USDT`).
    pub quote_currency: WireText<'a>,
    /// Margin coin (`USDT`; the base coin for a coin-margined contract).
    pub coin: WireText<'a>,
    /// Whether the contract is USDT-margined (linear).
    #[serde(rename = "forwardContractFlag")]
    pub forward_contract_flag: WireFlag,
    /// Settlement times of day (`HH:MM:SS`, UTC); `null` read as none.
    pub delivery: Option<Vec<WireText<'a>>>,
}

/// One row of `GET /capi/v2/market/tickers` (every contract; `ticker?symbol=` answers one such
/// object). `volume_24h` is in the quote coin, `base_volume` in base coins; prices are per
/// contract coin (per 1000 PEPE for `cmt_1000pepeusdt`).
///
/// ```json
/// {"symbol": "cmt_btcusdt", "last": "90755.3", "best_ask": "90755.4", "best_bid": "90755.3",
///  "high_24h": "91130.0", "low_24h": "90097.3", "volume_24h": "2321170547.37995",
///  "timestamp": "1764482511864", "priceChangePercent": "0.000474", "base_volume": "25615.0755",
///  "markPrice": "90755.2", "indexPrice": "90797.161"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct WeexTicker<'a> {
    /// `cmt_btcusdt`.
    pub symbol: WireText<'a>,
    /// Last trade price.
    pub last: WireDec,
    /// Best ask.
    pub best_ask: WireDec,
    /// Best bid.
    pub best_bid: WireDec,
    /// 24 h high.
    pub high_24h: WireDec,
    /// 24 h low.
    pub low_24h: WireDec,
    /// 24 h volume in the quote coin.
    pub volume_24h: WireDec,
    /// Data time, ms (a string).
    pub timestamp: WireInt,
    /// 24 h volume in base coins.
    pub base_volume: WireDec,
    /// Mark price.
    #[serde(rename = "markPrice")]
    pub mark_price: WireDec,
    /// Index price.
    #[serde(rename = "indexPrice")]
    pub index_price: WireDec,
}

/// One row of `GET /capi/v2/market/currentFundRate` (no `symbol`: every contract).
/// `collectCycle` is the funding interval in minutes; `timestamp` the data time, ms.
///
/// ```json
/// {"baseCurrency": null, "symbol": "cmt_btcusdt", "fundingRate": "-0.0001036",
///  "collectCycle": 480, "timestamp": 1750383726052}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct WeexFundRate<'a> {
    /// `cmt_btcusdt`.
    pub symbol: WireText<'a>,
    /// Current period's rate, fraction.
    pub funding_rate: WireDec,
    /// Funding interval, minutes (a number).
    pub collect_cycle: WireDec,
    /// Data time, ms (a number).
    pub timestamp: WireInt,
}

/// One row of `GET /capi/v2/market/getHistoryFundRate` (settled funding, newest first).
///
/// ```json
/// {"symbol": "cmt_btcusdt", "fundingRate": "0.0001028", "fundingTime": 1716595200000}
/// ```
pub type WeexFundingHistory<'a> = crate::venue::rows::SettledFunding<'a>;

/// One pair of spot `GET /api/v2/public/exchangeInfo` (v2 symbols end in `_SPBL`).
///
/// ```json
/// {"symbol": "BTCUSDT_SPBL", "baseCoin": "BTC", "quoteCoin": "USDT", "tickSize": "0.1",
///  "stepSize": "0.00000001", "takerFeeRate": "0.001", "enableTrade": true, "enableDisplay": true}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct WeexSpotSymbol<'a> {
    /// `BTCUSDT_SPBL`.
    pub symbol: WireText<'a>,
    /// Base coin.
    pub base_coin: WireText<'a>,
    /// Quote coin.
    pub quote_coin: WireText<'a>,
    /// Whether trading is enabled.
    pub enable_trade: WireFlag,
}

/// One row of spot `GET /api/v3/market/ticker/24hr` (no `symbol`: every pair; v3 symbols have
/// no `_SPBL`). `volume` is in base coins, `quoteVolume` in the quote coin.
///
/// ```json
/// {"symbol": "BTCUSDT", "priceChange": "-350.50", "lastPrice": "68920.40", "bidPrice": "68919.90",
///  "bidQty": "2.480", "askPrice": "68920.70", "askQty": "1.375", "openPrice": "69270.90",
///  "highPrice": "70110.00", "lowPrice": "68500.10", "volume": "1524.361",
///  "quoteVolume": "105060432.75", "openTime": 1764412800000, "closeTime": 1764499200000,
///  "count": 98642}
/// ```
pub type WeexSpotTicker<'a> = crate::venue::rows::SpotTicker24h<'a>;
