//! Gate v4 wire structs: USDT-settled futures contracts and tickers, spot currency pairs and tickers, the error body.
//!
//! Gate has no success envelope: bodies are bare JSON arrays. Errors are
//! `{"label": "...", "message": "..."}` objects. Decimals are strings, sizes and counters ints,
//! times **seconds** (int, float or string). Text fields use [`GateText`] (borrowed; `""`,
//! `null`, missing and non-text values are all absent), decimals and seconds [`WireDec`].
//! Unknown fields are ignored.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::parse::WireDec;

/// A text field ([`crate::parse::WireText`]: borrowed, `""`/`null`/non-text read as absent,
/// numbers kept as their raw text).
pub type GateText<'a> = crate::parse::WireText<'a>;

/// A boolean sent as `true`/`false` or `"true"`/`"false"`; anything else is absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GateFlag(pub Option<bool>);

struct FlagVisitor;

impl<'de> Visitor<'de> for FlagVisitor {
    type Value = GateFlag;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<GateFlag, E> {
        Ok(GateFlag(Some(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<GateFlag, E> {
        Ok(GateFlag(match v {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<GateFlag, E> {
        Ok(GateFlag(None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<GateFlag, E> {
        Ok(GateFlag(None))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<GateFlag, E> {
        Ok(GateFlag(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<GateFlag, E> {
        Ok(GateFlag(None))
    }

    fn visit_none<E: de::Error>(self) -> Result<GateFlag, E> {
        Ok(GateFlag(None))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<GateFlag, D::Error> {
        d.deserialize_any(FlagVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<GateFlag, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(GateFlag(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<GateFlag, A::Error> {
        // Also reached for numbers under serde_json's `arbitrary_precision`.
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(GateFlag(None))
    }
}

impl<'de> Deserialize<'de> for GateFlag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FlagVisitor)
    }
}

/// The error body Gate sends with 4xx statuses (`label` is the error class).
///
/// ```json
/// {"label": "TOO_MANY_REQUESTS", "message": "Request Rate limit Exceeded"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GateError<'a> {
    /// `TOO_MANY_REQUESTS`, `INVALID_PARAM_VALUE`, …
    #[serde(borrow)]
    pub label: GateText<'a>,
    /// Human-readable message.
    #[serde(borrow)]
    pub message: GateText<'a>,
}

/// One row of `GET /api/v4/futures/usdt/contracts?limit=1000&offset=N` (only the fields basis
/// reads). Prices per one base unit; sizes in contracts of `quanto_multiplier` base units.
///
/// ```json
/// {"name": "BTC_USDT", "type": "direct", "quanto_multiplier": "0.0001",
///  "mark_price": "120359.8", "index_price": "120384.2", "last_price": "120359.8",
///  "funding_rate": "0.0001", "funding_rate_indicative": "0.0001", "funding_interval": 28800,
///  "funding_next_apply": 1755100800, "funding_offset": 0, "in_delisting": false,
///  "position_size": 256491312, "order_size_min": 1, "create_time": 1737602786,
///  "status": "trading"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GateContract<'a> {
    /// `BTC_USDT`.
    #[serde(borrow)]
    pub name: GateText<'a>,
    /// `direct` (linear) or `inverse`.
    #[serde(borrow, rename = "type")]
    pub kind: GateText<'a>,
    /// Base units per contract.
    pub quanto_multiplier: WireDec,
    /// Mark price.
    pub mark_price: WireDec,
    /// Index price.
    pub index_price: WireDec,
    /// Last trade price.
    pub last_price: WireDec,
    /// Rate applied at `funding_next_apply`, fraction.
    pub funding_rate: WireDec,
    /// Funding interval, **seconds** (int).
    pub funding_interval: WireDec,
    /// Next funding time, **seconds** (int, float or string).
    pub funding_next_apply: WireDec,
    /// Open interest (long side), contracts (int).
    pub position_size: WireDec,
    /// Whether the contract is being delisted.
    pub in_delisting: GateFlag,
    /// `prelaunch`, `trading`, `delisting`, `delisted` (newer responses only).
    #[serde(borrow)]
    pub status: GateText<'a>,
}

/// One row of `GET /api/v4/futures/usdt/tickers`. `total_size` (open interest) and `volume_24h`
/// are in contracts, `volume_24h_base` in base units, `volume_24h_quote` and
/// `volume_24h_settle` in USDT.
///
/// ```json
/// {"contract": "BTC_USDT", "last": "6432", "low_24h": "6278", "high_24h": "6790",
///  "change_percentage": "4.43", "total_size": "32323904", "volume_24h": "184040233284",
///  "volume_24h_base": "28613220", "volume_24h_quote": "184040233284",
///  "volume_24h_settle": "28613220", "mark_price": "6534", "funding_rate": "0.0001",
///  "funding_rate_indicative": "0.0001", "index_price": "6531", "highest_bid": "6431.9",
///  "highest_size": "1200", "lowest_ask": "6432", "lowest_size": "800"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GateTicker<'a> {
    /// `BTC_USDT`.
    #[serde(borrow)]
    pub contract: GateText<'a>,
    /// Last trade price.
    pub last: WireDec,
    /// 24 h low.
    pub low_24h: WireDec,
    /// 24 h high.
    pub high_24h: WireDec,
    /// Open interest, contracts.
    pub total_size: WireDec,
    /// 24 h volume, base units.
    pub volume_24h_base: WireDec,
    /// 24 h volume, quote currency.
    pub volume_24h_quote: WireDec,
    /// 24 h volume, settle currency (USDT here).
    pub volume_24h_settle: WireDec,
    /// Mark price.
    pub mark_price: WireDec,
    /// Funding rate, fraction.
    pub funding_rate: WireDec,
    /// Index price.
    pub index_price: WireDec,
    /// Best bid (current responses only).
    pub highest_bid: WireDec,
    /// Best ask (current responses only).
    pub lowest_ask: WireDec,
}

/// One row of `GET /api/v4/spot/currency_pairs`.
///
/// ```json
/// {"id": "ETH_USDT", "base": "ETH", "base_name": "Ethereum", "quote": "USDT",
///  "quote_name": "Tether", "fee": "0.2", "min_base_amount": "0.001", "amount_precision": 3,
///  "precision": 6, "trade_status": "tradable", "sell_start": 1516378650,
///  "buy_start": 1516378650, "delisting_time": 0, "st_tag": false}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GateCurrencyPair<'a> {
    /// `ETH_USDT`.
    #[serde(borrow)]
    pub id: GateText<'a>,
    /// Base currency.
    #[serde(borrow)]
    pub base: GateText<'a>,
    /// Quote currency.
    #[serde(borrow)]
    pub quote: GateText<'a>,
    /// `tradable`, `buyable`, `sellable`, `untradable`.
    #[serde(borrow)]
    pub trade_status: GateText<'a>,
    /// `normal` or `premarket` (newer responses only).
    #[serde(borrow, rename = "type")]
    pub kind: GateText<'a>,
}

/// One row of `GET /api/v4/spot/tickers` (every pair). `base_volume` in base, `quote_volume` in
/// quote currency.
///
/// ```json
/// {"currency_pair": "KFC_USDT", "last": "7.255", "lowest_ask": "7.298",
///  "highest_bid": "7.218", "change_percentage": "-1.18", "base_volume": "1219.053687865",
///  "quote_volume": "8807.40299875455", "high_24h": "7.262", "low_24h": "7.095"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GateSpotTicker<'a> {
    /// `BTC_USDT`.
    #[serde(borrow)]
    pub currency_pair: GateText<'a>,
    /// Last trade price.
    pub last: WireDec,
    /// Best ask.
    pub lowest_ask: WireDec,
    /// Best bid.
    pub highest_bid: WireDec,
    /// 24 h volume, base currency.
    pub base_volume: WireDec,
    /// 24 h volume, quote currency.
    pub quote_volume: WireDec,
    /// 24 h high.
    pub high_24h: WireDec,
    /// 24 h low.
    pub low_24h: WireDec,
}
