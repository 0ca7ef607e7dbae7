//! MEXC wire structs: contract (futures) and spot v3 field names, decoded borrowed from the bytes.
//!
//! Contract answers are wrapped in `{"success": true, "code": 0, "data": ...}` and carry every
//! decimal as a JSON number; spot v3 answers are Binance-like (bare arrays/objects, decimals as
//! strings, `""`/`null` for absent values). Decimals are [`WireDec`], ms times [`WireInt`], text
//! [`WireText`] (borrowed; `""`, `null`, missing and non-text values are absent, numbers kept as
//! their text) and booleans [`WireFlag`]. Unknown fields are ignored. Contract candles are columnar
//! ([`MexcKlineColumns`]); spot candle rows are positional arrays ([`MexcSpotKline`]).

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::parse::{WireDec, WireFlag, WireInt, WireText};
use crate::venue::rows::ArrayCandle;

/// Contract `data` that is a list of rows, or one row (the docs show the single-symbol form of
/// the ticker; without `symbol` it is an array of the same objects).
#[derive(Debug)]
pub struct MexcRows<T>(pub Vec<T>);

struct MexcRowsVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for MexcRowsVisitor<T> {
    type Value = MexcRows<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects or one object")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(row) = seq.next_element()? {
            rows.push(row);
        }
        Ok(MexcRows(rows))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|row| MexcRows(vec![row]))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MexcRows<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MexcRowsVisitor(PhantomData))
    }
}

/// The contract envelope; `D` is the shape of `data`. Errors have `success` false, a non-zero
/// `code` and a `message` (no `data`).
///
/// ```json
/// {"success": true, "code": 0, "data": [{"symbol": "BTC_USDT"}]}
/// {"success": false, "code": 510, "message": "Excessive frequency of requests"}
/// ```
#[derive(Debug, Deserialize)]
pub struct MexcEnvelope<'a, D> {
    /// `true` on success.
    #[serde(default)]
    pub success: WireFlag,
    /// `0` on success; `510` when rate limited.
    #[serde(default, borrow)]
    pub code: WireText<'a>,
    /// Contract error message.
    #[serde(default, borrow)]
    pub message: WireText<'a>,
    /// Spot error message.
    #[serde(default, borrow)]
    pub msg: WireText<'a>,
    /// The payload.
    #[serde(default = "Option::default")]
    pub data: Option<D>,
}

/// The status of any MEXC body (contract envelope or spot error), `data` skipped unread, for
/// `check_body`.
///
/// ```json
/// {"success": false, "code": 510, "message": "Excessive frequency of requests"}
/// {"code": 10007, "msg": "bad symbol"}
/// ```
pub type MexcStatus<'a> = MexcEnvelope<'a, IgnoredAny>;

/// One row of `GET /api/v1/contract/detail` (only the fields basis reads). `contractSize` is the
/// base units one contract (`vol`) stands for; `state` 0 is enabled.
///
/// ```json
/// {"symbol": "BTC_USDT", "displayName": "BTC_USDT永续", "displayNameEn": "BTC_USDT SWAP",
///  "positionOpenType": 3, "baseCoin": "BTC", "quoteCoin": "USDT", "settleCoin": "USDT",
///  "contractSize": 0.0001, "minLeverage": 1, "maxLeverage": 125, "priceScale": 2,
///  "takerFeeRate": 0.0006, "makerFeeRate": 0.0002, "state": 0, "isNew": false, "isHot": true,
///  "isHidden": false, "apiAllowed": false, "maintenanceMarginRate": 0.004,
///  "initialMarginRate": 0.008, "riskBaseVol": 150000, "riskIncrVol": 150000,
///  "riskIncrMmr": 0.004, "riskIncrImr": 0.004, "riskLevelLimit": 5}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct MexcContractDetail<'a> {
    /// `BTC_USDT`, `1000PEPE_USDT`.
    pub symbol: WireText<'a>,
    /// Quote coin (`USDT`, `USDC`, `USD`).
    pub quote_coin: WireText<'a>,
    /// Settlement coin (the quote for linear contracts, the base for inverse ones).
    pub settle_coin: WireText<'a>,
    /// Base units per contract.
    pub contract_size: WireDec,
    /// 0 enabled, 1 delivery, 2 completed, 3 offline, 4 pause.
    pub state: WireInt,
    /// Hidden from the trading interface.
    pub is_hidden: WireFlag,
    /// Maintenance margin rate of the first risk tier, fraction.
    pub maintenance_margin_rate: WireDec,
    /// Initial margin rate of the first risk tier, fraction (the margin tiers).
    pub initial_margin_rate: WireDec,
    /// Size of the first risk level, contracts (the margin tiers).
    pub risk_base_vol: WireDec,
    /// Size of each further level, contracts (the margin tiers).
    pub risk_incr_vol: WireDec,
    /// What each further level adds to the maintenance rate (the margin tiers).
    pub risk_incr_mmr: WireDec,
    /// What each further level adds to the initial rate (the margin tiers).
    pub risk_incr_imr: WireDec,
    /// How many levels there are (the margin tiers).
    pub risk_level_limit: WireInt,
}

/// One row of `GET /api/v1/contract/ticker` (every contract when `symbol` is omitted).
/// `volume24` and `holdVol` are in contracts, `amount24` in the quote currency, `fairPrice` is
/// the mark price.
///
/// ```json
/// {"symbol": "BTC_USDT", "lastPrice": 31199, "bid1": 31198.5, "ask1": 31199,
///  "volume24": 40146908, "amount24": 124905007.4428, "holdVol": 55102960,
///  "lower24Price": 27795, "high24Price": 33152.5, "riseFallRate": -0.0176,
///  "riseFallValue": -562, "indexPrice": 31016.3, "fairPrice": 31199.5, "fundingRate": 0.001,
///  "maxBidPrice": 31946.5, "minAskPrice": 30085.5, "timestamp": 1609831334016}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct MexcTicker<'a> {
    /// `BTC_USDT`.
    pub symbol: WireText<'a>,
    /// Last trade price.
    pub last_price: WireDec,
    /// Best bid.
    pub bid1: WireDec,
    /// Best ask.
    pub ask1: WireDec,
    /// 24 h volume, contracts.
    pub volume24: WireDec,
    /// 24 h volume, quote currency.
    pub amount24: WireDec,
    /// Open interest, contracts.
    pub hold_vol: WireDec,
    /// 24 h low.
    pub lower24_price: WireDec,
    /// 24 h high.
    pub high24_price: WireDec,
    /// Index price.
    pub index_price: WireDec,
    /// Fair (mark) price.
    pub fair_price: WireDec,
    /// Current funding rate, fraction per `collectCycle` hours.
    pub funding_rate: WireDec,
    /// Data time, ms.
    pub timestamp: WireInt,
}

/// `data` of `GET /api/v1/contract/funding_rate/{symbol}` (one object), or one row of the same
/// path without a symbol (an array of these, undocumented).
///
/// ```json
/// {"symbol": "BTC_USDT", "fundingRate": -0.000489, "maxFundingRate": 0.001,
///  "minFundingRate": -0.001, "collectCycle": 8, "nextSettleTime": 1609833600000,
///  "timestamp": 1609829807577}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct MexcFundingRate<'a> {
    /// `BTC_USDT`.
    pub symbol: WireText<'a>,
    /// Funding interval, hours.
    pub collect_cycle: WireDec,
    /// Next settlement, ms.
    pub next_settle_time: WireInt,
}

/// `GET /api/v3/exchangeInfo` (only the fields basis reads); an error body has `code`/`msg`
/// instead of `symbols`.
///
/// ```json
/// {"timezone": "CST", "serverTime": 1641349582808, "rateLimits": [], "exchangeFilters": [],
///  "symbols": [{"symbol": "TOMO3LUSDT", "status": "ENABLED", "baseAsset": "TOMO3L"}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct MexcExchangeInfo<'a> {
    /// The spot pairs.
    pub symbols: Option<Vec<MexcSpotSymbol<'a>>>,
    /// Error code, on errors.
    pub code: WireText<'a>,
    /// Error message, on errors.
    pub msg: WireText<'a>,
}

/// One spot pair of `GET /api/v3/exchangeInfo`, the Binance-shaped
/// [`crate::venue::rows::ExchangeSymbol`]. `status` is `"1"` online, `"2"` pause, `"3"` offline
/// (older answers: `"ENABLED"`); `tradeSideType` 4 is close-only.
///
/// ```json
/// {"symbol": "TOMO3LUSDT", "status": "ENABLED", "baseAsset": "TOMO3L", "baseAssetPrecision": 2,
///  "quoteAsset": "USDT", "quotePrecision": 3, "isSpotTradingAllowed": false,
///  "permissions": ["SPOT", "LIMIT"], "filters": [], "tradeSideType": "1"}
/// ```
pub type MexcSpotSymbol<'a> = crate::venue::rows::ExchangeSymbol<'a>;

/// One row of `GET /api/v3/ticker/24hr` (every pair when `symbol` is omitted): `volume` in base,
/// `quoteVolume` in quote (documented as possibly `null`).
///
/// ```json
/// {"symbol": "BTCUSDT", "priceChange": "184.34", "priceChangePercent": "0.00400048",
///  "prevClosePrice": "46079.37", "lastPrice": "46263.71", "bidPrice": "46260.38", "bidQty": "",
///  "askPrice": "46260.41", "askQty": "", "openPrice": "46079.37", "highPrice": "47550.01",
///  "lowPrice": "45555.5", "volume": "1732.461487", "quoteVolume": null,
///  "openTime": 1641349500000, "closeTime": 1641349582808, "count": null}
/// ```
pub type MexcSpotTicker<'a> = crate::venue::rows::SpotTicker24h<'a>;

/// `data` of `GET /api/v1/contract/funding_rate/history?symbol=…&page_num=…&page_size=…`:
/// one page of settled rates, newest first (doc example).
///
/// ```json
/// {"pageSize": 2, "totalCount": 21, "totalPage": 11, "currentPage": 1,
///  "resultList": [{"symbol": "BTC_USDT", "fundingRate": 0.000266, "settleTime": 1609804800000}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MexcFundingHistoryPage {
    /// The settlements.
    pub result_list: Vec<MexcFundingHistoryRow>,
}

/// One settlement of [`MexcFundingHistoryPage`].
///
/// ```json
/// {"symbol": "BTC_USDT", "fundingRate": 0.000266, "settleTime": 1609804800000}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MexcFundingHistoryRow {
    /// Settled rate, fraction.
    pub funding_rate: WireDec,
    /// Settlement time, ms.
    pub settle_time: WireInt,
}

/// `data` of `GET /api/v1/contract/kline/{symbol}`: columns of equal length, oldest first, open
/// times in **seconds**, last-trade prices as JSON numbers per contract unit (`vol` in
/// contracts, `amount` in quote; ccxt also sees `realOpen`/`realClose`/… columns, ignored).
///
/// ```json
/// {"time": [1609740600], "open": [33016.5], "close": [33040.5], "high": [33094.0],
///  "low": [32995.0], "vol": [67332.0], "amount": [222515.85925]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MexcKlineColumns {
    /// Open times, seconds.
    pub time: Vec<WireInt>,
    /// Last prices.
    pub close: Vec<WireDec>,
    /// Highest prices.
    pub high: Vec<WireDec>,
    /// Lowest prices.
    pub low: Vec<WireDec>,
}

/// One row of `GET /api/v3/klines` (a bare array of these): `[openTime (ms), open, high, low,
/// close, volume, closeTime (ms), quoteVolume]`, decimals as strings (numbers accepted), read
/// as an [`ArrayCandle`].
///
/// ```json
/// [1640804880000, "47482.36", "47482.36", "47416.57", "47436.1", "3.550717", 1640804940000,
///  "168387.3"]
/// ```
pub type MexcSpotKline = ArrayCandle;
