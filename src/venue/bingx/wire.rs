//! BingX wire structs: the venue's own field names, decoded borrowed from the response bytes.
//!
//! BingX wraps every answer in `{"code": 0, "msg": "", "data": ...}` (`code` a JSON number;
//! [`crate::venue::rows::CodedEnvelope`]). Prices are mostly strings, but ticker
//! `bidPrice`/`askPrice` arrive as JSON numbers and the spot ticker has been seen with numbers
//! everywhere: every decimal is a [`WireDec`], every millisecond time a [`WireInt`] (both accept
//! strings and numbers). Text fields use [`WireText`] (borrowed; `""`, `null`, missing and non-text
//! values are absent, numbers kept as their text). Unknown fields are ignored. Candle rows
//! ([`BingxKline`]) come as objects or arrays and are read by a small visitor.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::parse::{WireDec, WireInt, WireText};
use crate::venue::rows::{ArrayCandle, Positional};

/// One row of `GET /openApi/swap/v2/quote/contracts` (only the fields basis reads). BingX sizes
/// orders in coins, so `size` is only the order step; `status` 1 is listed and trading.
///
/// ```json
/// {"contractId": "100", "symbol": "BTC-USDT", "size": "0.0001", "quantityPrecision": 4,
///  "pricePrecision": 1, "feeRate": 0.0005, "tradeMinLimit": 1, "maxLongLeverage": 150,
///  "maxShortLeverage": 150, "currency": "USDT", "asset": "BTC", "status": 1,
///  "apiStateOpen": "true", "apiStateClose": "true", "launchTime": 1672041600000, "offTime": 0}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BingxContract<'a> {
    /// `BTC-USDT`, `1000PEPE-USDT`.
    pub symbol: WireText<'a>,
    /// Settlement coin (`USDT`, `USDC`).
    pub currency: WireText<'a>,
    /// `1` active; `0` offline, `25` suspended, …
    pub status: WireInt,
    /// Listing time, ms.
    pub launch_time: WireInt,
    /// Delisting time, ms (`0` = none).
    pub off_time: WireInt,
}

/// `data` of `GET /openApi/spot/v1/common/symbols`.
///
/// ```json
/// {"symbols": [{"symbol": "GEAR-USDT", "status": 1}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct BingxSpotSymbols<'a> {
    /// The spot pairs.
    pub symbols: Vec<BingxSpotSymbol<'a>>,
}

/// One spot pair of `GET /openApi/spot/v1/common/symbols` (only the fields basis reads).
///
/// ```json
/// {"symbol": "GEAR-USDT", "minQty": 735, "maxQty": 2941177, "minNotional": 5,
///  "maxNotional": 20000, "status": 1, "tickSize": 0.000001, "stepSize": 1,
///  "apiStateSell": true, "apiStateBuy": true, "timeOnline": 1600000000000, "offTime": 0}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BingxSpotSymbol<'a> {
    /// `BTC-USDT`.
    pub symbol: WireText<'a>,
    /// `1` online; `0` offline, `5` pre-open, `25` suspended, …
    pub status: WireInt,
    /// Listing time, ms.
    pub time_online: WireInt,
    /// Delisting time, ms (`0` = none).
    pub off_time: WireInt,
}

/// One row of `GET /openApi/swap/v2/quote/premiumIndex` (every contract when `symbol` is
/// omitted). `lastFundingRate` is the rate that settles at `nextFundingTime`.
///
/// ```json
/// {"symbol": "BTC-USDT", "markPrice": "16884.5", "indexPrice": "16886.9",
///  "lastFundingRate": "0.0001", "nextFundingTime": 1672041600000, "fundingIntervalHours": 8,
///  "time": 1672026648425}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct BingxPremiumIndex<'a> {
    /// `BTC-USDT`.
    pub symbol: WireText<'a>,
    /// Mark price.
    pub mark_price: WireDec,
    /// Index price.
    pub index_price: WireDec,
    /// Current period's rate, fraction.
    pub last_funding_rate: WireDec,
    /// When it settles, ms.
    pub next_funding_time: WireInt,
    /// This symbol's funding interval, hours (live answers carry it; not in the field table).
    pub funding_interval_hours: WireDec,
    /// Data time, ms.
    pub time: WireInt,
}

/// One row of `GET /openApi/swap/v2/quote/ticker` or `GET /openApi/spot/v1/ticker/24hr`:
/// `volume` in base units, `quoteVolume` in the quote currency, best bid/ask as JSON numbers
/// (`closeTime` a string on spot): the Binance-shaped row of [`crate::venue::rows::SpotTicker24h`].
///
/// ```json
/// {"symbol": "BTC-USDT", "priceChange": "52.5", "priceChangePercent": "0.31%",
///  "lastPrice": "16880.5", "lastQty": "2.2238", "highPrice": "16897.5", "lowPrice": "16726.0",
///  "volume": "245870.1692", "quoteVolume": "4151395117.73", "openPrice": "16832.0",
///  "openTime": 1672026667803, "closeTime": 1672026648425, "bidPrice": 16726.0,
///  "bidQty": 0.05, "askPrice": 16726.0, "askQty": 0.05}
/// ```
pub type BingxTicker<'a> = crate::venue::rows::SpotTicker24h<'a>;

/// One row of `GET /openApi/swap/v2/quote/fundingRate?symbol=…&limit=…` (settled rates; the
/// same rows for the interval fallback and for `backfill`'s windows).
///
/// ```json
/// {"symbol": "BTC-USDT", "fundingRate": "0.0001", "fundingTime": 1585684800000}
/// ```
pub type BingxFundingRate<'a> = crate::venue::rows::SettledFunding<'a>;

/// One candle of `GET /openApi/swap/v3/quote/klines` or `GET /openApi/spot/v2/market/kline`.
/// The sources disagree on the swap row's shape, so both are read: an object (the older
/// official page and ccxt's recorded answer)
///
/// ```json
/// {"open": "19396.8", "close": "19394.4", "high": "19397.5", "low": "19385.7",
///  "volume": "110.05", "time": 1666583700000}
/// ```
///
/// or a Binance-style array (the current official reference; spot rows always are arrays)
///
/// ```json
/// [1691402580000, 29093.61, 29093.93, 29087.73, 29093.24, 0.59, 1691402639999, 17221.07]
/// ```
///
/// (`[openTime, open, high, low, close, volume, closeTime, quoteVolume, …]`; the swap array
/// adds trades and taker volumes). Decimals as strings or numbers; an array element or a field
/// that is missing reads as absent ([`ArrayCandle`]). The object form's `openTime` is accepted
/// for `time`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BingxKline(pub ArrayCandle);

/// Field names of the object form of [`BingxKline`].
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum BingxKlineField {
    Open,
    High,
    Low,
    Close,
    Time,
    OpenTime,
    #[serde(other)]
    Other,
}

struct BingxKlineVisitor;

impl<'de> Visitor<'de> for BingxKlineVisitor {
    type Value = BingxKline;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a kline as an object or an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<BingxKline, A::Error> {
        ArrayCandle::from_seq(&mut seq).map(BingxKline)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BingxKline, A::Error> {
        let mut row = ArrayCandle::default();
        while let Some(key) = map.next_key::<BingxKlineField>()? {
            match key {
                BingxKlineField::Open => row.open = map.next_value()?,
                BingxKlineField::High => row.high = map.next_value()?,
                BingxKlineField::Low => row.low = map.next_value()?,
                BingxKlineField::Close => row.close = map.next_value()?,
                BingxKlineField::Time => row.time = map.next_value()?,
                BingxKlineField::OpenTime => {
                    let t: WireInt = map.next_value()?;
                    if row.time.get().is_none() {
                        row.time = t;
                    }
                }
                BingxKlineField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(BingxKline(row))
    }
}

impl<'de> Deserialize<'de> for BingxKline {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BingxKlineVisitor)
    }
}
