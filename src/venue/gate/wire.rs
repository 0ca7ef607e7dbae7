//! Gate v4 wire structs: USDT-settled futures contracts, tickers, funding history and candles, spot pairs, tickers and candles, unified-account discount tiers, the error body.
//!
//! Gate has no success envelope: bodies are bare JSON arrays. Errors are `{"label": "...",
//! "message": "..."}` objects. Decimals are strings, sizes and counters ints, times **seconds**
//! (int, float or string). Text fields use [`WireText`] (borrowed; `""`, `null`, missing and
//! non-text values are absent, numbers kept as their text), decimals and seconds [`WireDec`].
//! Unknown fields are ignored.

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, SeqAccess};

use crate::parse::{WireDec, WireFlag, WireText};
use crate::venue::rows::{Positional, positional};

/// The error body Gate sends with 4xx statuses (`label` is the error class).
///
/// ```json
/// {"label": "TOO_MANY_REQUESTS", "message": "Request Rate limit Exceeded"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct GateError<'a> {
    /// `TOO_MANY_REQUESTS`, `INVALID_PARAM_VALUE`, …
    pub label: WireText<'a>,
    /// Human-readable message.
    pub message: WireText<'a>,
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
///  "status": "trading", "maintenance_rate": "0.005", "leverage_max": "125",
///  "risk_limit_step": "1499000000", "risk_limit_max": "1500000000"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct GateContract<'a> {
    /// `BTC_USDT`.
    pub name: WireText<'a>,
    /// `direct` (linear) or `inverse`.
    #[serde(rename = "type")]
    pub kind: WireText<'a>,
    /// Base units per contract.
    pub quanto_multiplier: WireDec,
    /// Mark price.
    pub mark_price: WireDec,
    /// Index price.
    pub index_price: WireDec,
    /// Rate applied at `funding_next_apply`, fraction.
    pub funding_rate: WireDec,
    /// Funding interval, **seconds** (int).
    pub funding_interval: WireDec,
    /// Next funding time, **seconds** (int, float or string).
    pub funding_next_apply: WireDec,
    /// Open interest (long side), contracts (int).
    pub position_size: WireDec,
    /// Whether the contract is being delisted.
    pub in_delisting: WireFlag,
    /// `prelaunch`, `trading`, `delisting`, `delisted` (newer responses only).
    pub status: WireText<'a>,
    /// Maintenance margin rate of the first risk-limit tier, fraction.
    pub maintenance_rate: WireDec,
    /// Highest leverage of the first tier (the margin tiers).
    pub leverage_max: WireDec,
    /// Risk-limit step, USDT notional (the margin tiers).
    pub risk_limit_step: WireDec,
    /// Highest risk limit, USDT notional (the margin tiers).
    pub risk_limit_max: WireDec,
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
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct GateTicker<'a> {
    /// `BTC_USDT`.
    pub contract: WireText<'a>,
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
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct GateCurrencyPair<'a> {
    /// `ETH_USDT`.
    pub id: WireText<'a>,
    /// Base currency.
    pub base: WireText<'a>,
    /// Quote currency.
    pub quote: WireText<'a>,
    /// `tradable`, `buyable`, `sellable`, `untradable`.
    pub trade_status: WireText<'a>,
    /// `normal` or `premarket` (newer responses only).
    #[serde(rename = "type")]
    pub kind: WireText<'a>,
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
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct GateSpotTicker<'a> {
    /// `BTC_USDT`.
    pub currency_pair: WireText<'a>,
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

/// One row of `GET /api/v4/futures/usdt/funding_rate?contract=…` (settled funding).
///
/// ```json
/// {"t": 1755100800, "r": "0.0001"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GateFundingRecord {
    /// Settlement time, **seconds** (int; float or string accepted).
    pub t: WireDec,
    /// Rate settled, fraction (a string).
    pub r: WireDec,
}

/// One currency of `GET /api/v4/unified/currency_discount_tiers` (unified-account collateral):
/// its discount tiers by amount held (Gate does not document the unit), each from
/// `lower_limit` to `upper_limit` (`"+"`, or `"＋"` in older docs: unbounded). Every value is a
/// string.
///
/// ```json
/// {"currency": "BTC", "discount_tiers": [
///   {"tier": "1", "discount": "0.95", "lower_limit": "0", "upper_limit": "50",
///    "leverage": "10"},
///   {"tier": "2", "discount": "0.9", "lower_limit": "50", "upper_limit": "+",
///    "leverage": "5"}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct GateDiscount<'a> {
    /// Currency (`BTC`).
    pub currency: WireText<'a>,
    /// Tiers (`null` read as none).
    pub discount_tiers: Option<Vec<GateDiscountTier>>,
}

/// One tier of a [`GateDiscount`] (`upper_limit` and `leverage` are not read).
///
/// ```json
/// {"tier": "1", "discount": "0.95", "lower_limit": "0", "upper_limit": "50", "leverage": "10"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GateDiscountTier {
    /// Tier number, from 1 (a string).
    pub tier: WireDec,
    /// Collateral value ratio within the tier, a fraction (`"0.95"`).
    pub discount: WireDec,
    /// Lower bound of the tier (`"0"` for the first).
    pub lower_limit: WireDec,
}

/// One row of `GET /api/v4/futures/usdt/candlesticks` (an object; oldest first). `v` (contracts)
/// is absent on `mark_`/`index_` contracts; `sum` is the quote volume.
///
/// ```json
/// {"t": 1539852480, "v": 97151, "c": "1.032", "h": "1.032", "l": "1.032", "o": "1.032",
///  "sum": "3580"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GateFuturesCandle {
    /// Open time, **seconds** (a number).
    pub t: WireDec,
    /// Highest price.
    pub h: WireDec,
    /// Lowest price.
    pub l: WireDec,
    /// Close (the latest price of the running bar).
    pub c: WireDec,
}

/// One row of `GET /api/v4/spot/candlesticks`: an array of strings `[t (seconds), quote volume,
/// close, high, low, open, base volume, window closed]` — close before high and low, open
/// sixth. Older responses have only the first seven; the eighth is `"true"`/`"false"`.
///
/// ```json
/// ["1539852540", "971519.677", "0.0021724", "0.0021922", "0.0021724", "0.0021737",
///  "447000000.5", "false"]
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GateSpotCandle {
    /// Open time, **seconds**.
    pub t: WireDec,
    /// Close (position 2).
    pub close: WireDec,
    /// Highest price (position 3).
    pub high: WireDec,
    /// Lowest price (position 4).
    pub low: WireDec,
    /// Whether the bar is finished (position 7; absent in 7-field rows).
    pub closed: WireFlag,
}

impl<'de> Positional<'de> for GateSpotCandle {
    const EXPECTING: &'static str = "a spot candlestick array";

    fn from_seq<A: SeqAccess<'de>>(seq: &mut A) -> Result<Self, A::Error> {
        let mut row = GateSpotCandle::default();
        let mut i = 0usize;
        loop {
            let more = match i {
                0 => seq.next_element::<WireDec>()?.map(|v| row.t = v),
                2 => seq.next_element::<WireDec>()?.map(|v| row.close = v),
                3 => seq.next_element::<WireDec>()?.map(|v| row.high = v),
                4 => seq.next_element::<WireDec>()?.map(|v| row.low = v),
                7 => seq.next_element::<WireFlag>()?.map(|v| row.closed = v),
                _ => seq.next_element::<IgnoredAny>()?.map(|_| ()),
            };
            if more.is_none() {
                return Ok(row);
            }
            i += 1;
        }
    }
}

impl<'de> Deserialize<'de> for GateSpotCandle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        positional(d)
    }
}
