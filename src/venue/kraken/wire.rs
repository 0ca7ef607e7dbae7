//! Kraken Futures v3 wire structs: the venue's own field names, decoded borrowed from the response bytes.
//!
//! Kraken Futures wraps answers in `{"result": "success" | "error", …, "serverTime": ISO-8601}` and
//! sends decimals as JSON numbers (exponent form included, e.g. `-3.995839963e-09`); they are
//! read from the raw token with [`WireDec`], which also accepts strings, `""` and `null`. Text
//! fields use [`KrakenText`] (borrowed; `""`, `null`, missing and non-text values read as
//! absent), booleans [`WireFlag`]. Unknown fields are ignored; every answer carries its
//! [`KrakenStatus`] (flattened: only the status and other small fields are buffered, the
//! payload arrays are read in place). The charts API (candles) has
//! no envelope: `{"candles": […], "more_candles": bool}` with prices as strings.

use serde::Deserialize;

use crate::parse::{StringsOnly, WireDec, WireFlag, WireInt, WireText};

/// A text field: borrowed, `""`/`null`/missing absent ([`WireText`] with [`StringsOnly`]).
pub type KrakenText<'a> = WireText<'a, StringsOnly>;

/// The envelope's status: alone (the payload arrays skipped unread) for `check_body`, and
/// flattened into every answer.
///
/// ```json
/// {"result": "error", "serverTime": "2025-11-17T00:34:37.524Z", "error": "apiLimitExceeded"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct KrakenStatus<'a> {
    /// `success` or `error`.
    pub result: KrakenText<'a>,
    /// The error string (`apiLimitExceeded`, `marketUnavailable`, …) when `result` is `error`.
    pub error: KrakenText<'a>,
}

/// `GET /derivatives/api/v3/instruments`: the envelope and its `instruments` array.
///
/// ```json
/// {"result": "success", "instruments": [{"symbol": "PF_ETHUSD", "type": "flexible_futures"}],
///  "serverTime": "2025-11-17T00:34:37.524Z"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct KrakenInstruments<'a> {
    /// `result` and `error`.
    #[serde(flatten)]
    pub status: KrakenStatus<'a>,
    /// The instruments (absent on errors).
    pub instruments: Option<Vec<KrakenInstrument<'a>>>,
}

/// One instrument (only the fields basis reads). `flexible_futures` are the multi-collateral
/// linear contracts: `PF_` perpetuals and `FF_` fixed-maturity ones (with `lastTradingTime`);
/// `futures_inverse` are the coin-margined `PI_`/`FI_` contracts.
///
/// ```json
/// {"symbol": "PF_ETHUSD", "type": "flexible_futures", "tickSize": 0.1, "contractSize": 1,
///  "tradeable": true, "impactMidSize": 1.5, "maxPositionSize": 16000.0,
///  "openingDate": "2022-03-22T13:18:45Z", "fundingRateCoefficient": 24,
///  "maxRelativeFundingRate": 0.0025, "isin": "GB00BQ84K502", "contractValueTradePrecision": 3,
///  "postOnly": false, "mtf": true, "base": "ETH", "quote": "USD", "pair": "ETH:USD"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct KrakenInstrument<'a> {
    /// `PF_ETHUSD`, `PI_XBTUSD`, `FF_XBTUSD_260327`.
    pub symbol: KrakenText<'a>,
    /// `flexible_futures`, `futures_inverse`, `futures_vanilla`, …
    #[serde(rename = "type")]
    pub kind: KrakenText<'a>,
    /// Whether the contract can be traded.
    pub tradeable: WireFlag,
    /// Whether only post-only (maker) orders are accepted.
    pub post_only: WireFlag,
    /// Last trading time of a dated contract (absent on perpetuals).
    pub last_trading_time: KrakenText<'a>,
    /// Base currency (`ETH`, `BTC`).
    pub base: KrakenText<'a>,
    /// Quote currency (`USD`).
    pub quote: KrakenText<'a>,
    /// `ETH:USD`.
    pub pair: KrakenText<'a>,
    /// Units of the base per contract.
    pub contract_size: WireDec,
    /// The margin levels (the margin tiers; `null` read as none).
    pub margin_levels: Option<Vec<KrakenMarginLevel>>,
}

/// One margin level of a [`KrakenInstrument`] (JSON numbers): from `numNonContractUnits` (a
/// USD notional, flexible futures) or `contracts` (inverse ones, not read) upward, the initial
/// and maintenance margin rates.
///
/// ```json
/// {"numNonContractUnits": 0, "initialMargin": 0.02, "maintenanceMargin": 0.01}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KrakenMarginLevel {
    /// Floor of the level, USD notional (flexible futures).
    pub num_non_contract_units: WireDec,
    /// Initial margin rate, fraction.
    pub initial_margin: WireDec,
    /// Maintenance margin rate, fraction.
    pub maintenance_margin: WireDec,
}

/// `GET /derivatives/api/v3/tickers`: the envelope, its `tickers` array and the server time.
///
/// ```json
/// {"result": "success", "serverTime": "2025-11-17T00:34:37.524Z",
///  "tickers": [{"symbol": "PF_ENJUSD", "markPrice": 0.0434}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct KrakenTickers<'a> {
    /// `result` and `error`.
    #[serde(flatten)]
    pub status: KrakenStatus<'a>,
    /// When the data was served (ISO-8601).
    pub server_time: KrakenText<'a>,
    /// The tickers (absent on errors).
    pub tickers: Option<Vec<KrakenTicker<'a>>>,
}

/// One ticker. `fundingRate` is absolute (quote currency per contract per hour): the relative
/// rate is `fundingRate / markPrice`. `vol24h` and `openInterest` count contracts,
/// `volumeQuote` is in the quote currency. Index entries (`in_xbtusd`, `rr_xbtusd`) carry only
/// `symbol`, `last` and `lastTime`.
///
/// ```json
/// {"symbol": "PF_ENJUSD", "last": 0.0433, "lastTime": "2025-10-22T11:02:25.599Z",
///  "tag": "perpetual", "pair": "ENJ:USD", "markPrice": 0.0434, "bid": 0.0433, "bidSize": 4609,
///  "ask": 0.0435, "askSize": 4609, "vol24h": 1696, "volumeQuote": 73.5216,
///  "openInterest": 72513.00000000000, "open24h": 0.0435, "high24h": 0.0435, "low24h": 0.0433,
///  "lastSize": 1272, "fundingRate": -0.000000756414717067,
///  "fundingRatePrediction": 0.000000195218676, "suspended": false, "indexPrice": 0.043391,
///  "postOnly": false, "change24h": -0.46}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct KrakenTicker<'a> {
    /// `PF_ENJUSD`, `in_xbtusd`.
    pub symbol: KrakenText<'a>,
    /// `perpetual`, `month`, `quarter`, `semiannual`.
    pub tag: KrakenText<'a>,
    /// Last trade price.
    pub last: WireDec,
    /// Mark price.
    pub mark_price: WireDec,
    /// Index price.
    pub index_price: WireDec,
    /// Best bid.
    pub bid: WireDec,
    /// Best ask.
    pub ask: WireDec,
    /// 24 h high.
    pub high_24h: WireDec,
    /// 24 h low.
    pub low_24h: WireDec,
    /// 24 h volume in contracts.
    pub vol_24h: WireDec,
    /// 24 h volume in the quote currency.
    pub volume_quote: WireDec,
    /// Open interest in contracts.
    pub open_interest: WireDec,
    /// Absolute funding rate of the current hour.
    pub funding_rate: WireDec,
    /// Whether the market is suspended.
    pub suspended: WireFlag,
    /// Whether only post-only orders are accepted.
    pub post_only: WireFlag,
}

/// `GET /derivatives/api/v4/historicalfundingrates?symbol=…`: the envelope and the whole funding
/// history of one contract.
///
/// ```json
/// {"result": "success", "rates": [{"timestamp": "2025-07-11T08:00:00.000Z",
///  "relativeFundingRate": 0.0001, "fundingRate": 0.00005}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct KrakenFundingRates<'a> {
    /// `result` and `error`.
    #[serde(flatten)]
    pub status: KrakenStatus<'a>,
    /// The settlements (absent on errors).
    pub rates: Option<Vec<KrakenFundingRate<'a>>>,
}

/// One hourly settlement: `fundingRate` is absolute (quote currency per contract, like the
/// ticker's), `relativeFundingRate` the fraction of the price paid for the hour.
///
/// ```json
/// {"timestamp": "2025-07-11T08:00:00.000Z", "relativeFundingRate": 0.0001, "fundingRate": 0.00005}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct KrakenFundingRate<'a> {
    /// Settlement time, ISO-8601.
    pub timestamp: KrakenText<'a>,
    /// Relative rate, fraction per hour.
    pub relative_funding_rate: WireDec,
}

/// `GET /api/charts/v1/trade/{symbol}/{resolution}?from=…&to=…`: candles oldest first, and
/// whether the window holds more than this page.
///
/// ```json
/// {"candles": [{"time": 1645198500000, "open": "309.15000000000", "high": "309.15000000000",
///  "low": "308.70000000000", "close": "308.85000000000", "volume": 0}], "more_candles": true}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct KrakenCandles<'a> {
    /// The candles (absent on errors).
    pub candles: Option<Vec<KrakenCandle>>,
    /// `result` `error` and `error` on failures (the derivatives envelope), else absent.
    #[serde(flatten)]
    pub status: KrakenStatus<'a>,
}

/// One candle: open time in ms (a number), prices as strings in the contract's quoting (per
/// `1000PEPE` for a multiplied perp), volume in contracts (a number).
///
/// ```json
/// {"time": 1645198500000, "open": "309.15000000000", "high": "309.15000000000",
///  "low": "308.70000000000", "close": "308.85000000000", "volume": 0}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KrakenCandle {
    /// Open time, ms.
    pub time: WireInt,
    /// Highest trade price.
    pub high: WireDec,
    /// Lowest trade price.
    pub low: WireDec,
    /// Last trade price.
    pub close: WireDec,
}
