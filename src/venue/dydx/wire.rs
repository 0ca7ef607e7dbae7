//! dYdX v4 indexer wire structs: the venue's own field names, decoded borrowed from the bytes.
//!
//! The indexer answers with bare JSON; decimals are strings (accepted as numbers too,
//! [`WireDec`]), small integers are numbers ([`WireInt`]), text is borrowed ([`DydxText`]).
//! Errors come as `{"errors": [{"msg": …, "code"?: …}]}`. Unknown fields are ignored.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::parse::{NumbersAsTextLenient, WireDec, WireText};

/// A text field: borrowed, `""`/`null`/missing absent ([`WireText`] with [`NumbersAsTextLenient`]).
pub type DydxText<'a> = WireText<'a, NumbersAsTextLenient>;

/// `GET /v4/perpetualMarkets`: every market by ticker (or an error list).
///
/// ```json
/// {"markets": {"BTC-USD": {"ticker": "BTC-USD", "status": "ACTIVE", "oraclePrice": "118976.5376",
///                          "nextFundingRate": "0", "volume24H": "1292729.3605",
///                          "openInterest": "52.0691", "tickSize": "1", "marketType": "CROSS"}}}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct DydxPerpetualMarkets<'a> {
    /// Markets in document order (absent on errors).
    pub markets: Option<DydxMarkets<'a>>,
    /// The indexer's error list, when the answer is an error.
    pub errors: Option<Vec<DydxError<'a>>>,
}

/// The `markets` object as (key, market) pairs in document order, duplicates kept (the parser
/// lets the first win).
#[derive(Debug, Default)]
pub struct DydxMarkets<'a>(pub Vec<(DydxText<'a>, DydxPerpetualMarket<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for DydxMarkets<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MarketsVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for MarketsVisitor<'a> {
            type Value = DydxMarkets<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of markets by ticker")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(256));
                while let Some(entry) = map.next_entry::<DydxText<'a>, DydxPerpetualMarket<'a>>()? {
                    out.push(entry);
                }
                Ok(DydxMarkets(out))
            }
        }
        d.deserialize_map(MarketsVisitor(PhantomData))
    }
}

/// One market of `perpetualMarkets` (the fields basis reads, plus the ones documented beside).
/// `oraclePrice` is both mark and index; `nextFundingRate` is the predicted **1 h** rate.
///
/// ```json
/// {"clobPairId": "0", "ticker": "BTC-USD", "status": "ACTIVE", "oraclePrice": "118976.5376",
///  "priceChange24H": "659.9736", "volume24H": "1292729.3605", "trades24H": 9387,
///  "nextFundingRate": "0", "initialMarginFraction": "0.02", "maintenanceMarginFraction": "0.012",
///  "openInterest": "52.0691", "atomicResolution": -10, "quantumConversionExponent": -9,
///  "tickSize": "1", "stepSize": "0.0001", "stepBaseQuantums": 1000000, "subticksPerTick": 100000,
///  "marketType": "CROSS", "openInterestLowerCap": "0", "openInterestUpperCap": "0",
///  "baseOpenInterest": "50.3776", "defaultFundingRate1H": "0"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct DydxPerpetualMarket<'a> {
    /// `BTC-USD`.
    pub ticker: DydxText<'a>,
    /// `ACTIVE`, `PAUSED`, `CANCEL_ONLY`, `POST_ONLY`, `INITIALIZING`, `FINAL_SETTLEMENT`.
    pub status: DydxText<'a>,
    /// Oracle price (mark = index).
    pub oracle_price: WireDec,
    /// 24 h volume, USD notional.
    #[serde(rename = "volume24H")]
    pub volume_24h: WireDec,
    /// Predicted funding rate of the current hour, fraction per 1 h.
    pub next_funding_rate: WireDec,
    /// Base initial margin fraction (the margin tier).
    pub initial_margin_fraction: WireDec,
    /// Maintenance margin fraction (the reference and the margin tier).
    pub maintenance_margin_fraction: WireDec,
    /// Open interest in base units.
    pub open_interest: WireDec,
    /// Price increment.
    pub tick_size: WireDec,
}

/// One entry of the indexer's error list (HTTP 4xx/5xx).
///
/// ```json
/// {"errors": [{"msg": "Too many requests"}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct DydxError<'a> {
    /// Message.
    pub msg: DydxText<'a>,
    /// Code, on some errors (`GEOBLOCKED`).
    pub code: DydxText<'a>,
}

/// The error list only, for `check_body` (anything else in the body is skipped unread).
///
/// ```json
/// {"errors": [{"msg": "BTC-USDX not found in markets of type PERPETUAL"}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct DydxErrors<'a> {
    /// Errors; empty when the body is not an error.
    pub errors: Option<Vec<DydxError<'a>>>,
}

/// `GET /v4/historicalFunding/{market}?effectiveBeforeOrAt=…&limit=…`: settled funding, newest
/// first (or an error list).
///
/// ```json
/// {"historicalFunding": [{"ticker": "BTC-USD", "rate": "0", "price": "116302.62419",
///                         "effectiveAtHeight": "44865196",
///                         "effectiveAt": "2025-07-25T11:00:00.013Z"}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct DydxHistoricalFunding<'a> {
    /// The settlements (absent on errors).
    #[serde(rename = "historicalFunding")]
    pub historical_funding: Option<Vec<DydxFundingRow<'a>>>,
    /// The indexer's error list, when the answer is an error.
    pub errors: Option<Vec<DydxError<'a>>>,
}

/// One settlement of `historicalFunding`: `rate` is the **1 h** rate paid at `effectiveAt`, the
/// time of the block that applied it (a few ms after the hour); `price` is the oracle price.
///
/// ```json
/// {"ticker": "BTC-USD", "rate": "0", "price": "116302.62419", "effectiveAtHeight": "44865196",
///  "effectiveAt": "2025-07-25T11:00:00.013Z"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct DydxFundingRow<'a> {
    /// Funding rate per 1 h, fraction.
    pub rate: WireDec,
    /// Block time of the settlement, ISO-8601.
    #[serde(rename = "effectiveAt")]
    pub effective_at: DydxText<'a>,
}

/// `GET /v4/candles/perpetualMarkets/{market}?resolution=…&fromISO=…&toISO=…&limit=…`: candles,
/// newest first (or an error list).
///
/// ```json
/// {"candles": [{"startedAt": "2025-07-25T09:47:00.000Z", "ticker": "BTC-USD",
///               "resolution": "1MIN", "low": "116099", "high": "116099", "open": "116099",
///               "close": "116099", "baseTokenVolume": "0", "usdVolume": "0", "trades": 0,
///               "startingOpenInterest": "54.0594", "orderbookMidPriceOpen": "115845.5",
///               "orderbookMidPriceClose": "115845.5"}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct DydxCandles<'a> {
    /// The candles (absent on errors).
    pub candles: Option<Vec<DydxCandle<'a>>>,
    /// The indexer's error list, when the answer is an error.
    pub errors: Option<Vec<DydxError<'a>>>,
}

/// One candle (the fields basis reads): last-trade prices in USD per one coin; the running
/// candle is not flagged.
///
/// ```json
/// {"startedAt": "2025-07-25T09:47:00.000Z", "ticker": "BTC-USD", "resolution": "1MIN",
///  "low": "116099", "high": "116099", "open": "116099", "close": "116099"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct DydxCandle<'a> {
    /// Open time, ISO-8601.
    #[serde(rename = "startedAt")]
    pub started_at: DydxText<'a>,
    /// Highest trade price.
    pub high: WireDec,
    /// Lowest trade price.
    pub low: WireDec,
    /// Last trade price.
    pub close: WireDec,
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[derive(Deserialize)]
    struct Row<'a> {
        #[serde(borrow)]
        t: DydxText<'a>,
    }

    fn text(json: &str) -> Option<String> {
        let row: Row<'_> = serde_json::from_str(json).expect("row parses");
        row.t.get().map(str::to_owned)
    }

    #[test]
    fn text_is_borrowed_lenient_and_keeps_raw_numbers() {
        let json = r#"{"t": "BTC-USD"}"#;
        let row: Row<'_> = serde_json::from_str(json).expect("row parses");
        assert!(matches!(row.t.0, Cow::Borrowed("BTC-USD")));
        assert_eq!(text(r#"{"t": "a\"b"}"#).as_deref(), Some("a\"b"));
        assert_eq!(text(r#"{"t": 1.50e-5}"#).as_deref(), Some("1.50e-5"));
        assert_eq!(text(r#"{"t": -9}"#).as_deref(), Some("-9"));
        for absent in ["\"\"", "null", "true", "[1, 2]", r#"{"a": {"b": 1}}"#] {
            assert_eq!(text(&format!(r#"{{"t": {absent}}}"#)), None, "{absent}");
        }
    }

    #[test]
    fn markets_keep_document_order_and_duplicates() {
        let doc: DydxPerpetualMarkets<'_> = serde_json::from_str(
            r#"{"markets": {"B-USD": {"status": "ACTIVE"}, "A-USD": {}, "B-USD": {}}}"#,
        )
        .expect("parses");
        let markets = doc.markets.expect("markets");
        let keys: Vec<&str> = markets
            .0
            .iter()
            .map(|(k, _)| k.get().unwrap_or_default())
            .collect();
        assert_eq!(keys, ["B-USD", "A-USD", "B-USD"]);
    }
}
