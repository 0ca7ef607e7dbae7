//! Deribit API v2 wire structs: the venue's own field names, decoded borrowed from the response bytes.
//!
//! Deribit wraps every answer in a JSON-RPC envelope (`result` or `error`) and sends decimals as
//! JSON numbers (exponent form included, e.g. `4.5e-7`); they are read from the raw token with
//! [`WireDec`], which also accepts strings, `""` and `null`. Text fields use [`DeribitText`]
//! (borrowed; `""`, `null`, missing and non-text values read as absent), booleans
//! [`WireFlag`]. Unknown fields are ignored.

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::parse::{StringsOnly, WireDec, WireFlag, WireInt, WireText};

/// A text field: borrowed, `""`/`null`/missing absent ([`WireText`] with [`StringsOnly`]).
pub type DeribitText<'a> = WireText<'a, StringsOnly>;

/// The JSON-RPC envelope around every response: `result` (rows, or the chart object) on
/// success, `error` otherwise. `usIn`/`usOut` are the server's receive and send times in
/// microseconds.
///
/// ```json
/// {"jsonrpc": "2.0", "id": 1, "result": [{"instrument_name": "SOL_USDC-PERPETUAL"}],
///  "usIn": 1763340877524401, "usOut": 1763340877525309, "usDiff": 908, "testnet": false}
/// {"jsonrpc": "2.0", "result": {"status": "ok", "ticks": [1583916960000], "open": [7834]},
///  "usIn": 1583917166709801, "usOut": 1583917166710175, "usDiff": 374, "testnet": false}
/// ```
#[derive(Debug, Deserialize)]
pub struct DeribitEnvelope<'a, R> {
    /// The result (absent or `null` on errors).
    #[serde(default = "Option::default")]
    pub result: Option<R>,
    /// The error object, on failures.
    #[serde(default, borrow)]
    pub error: Option<DeribitError<'a>>,
    /// When the server sent the answer, microseconds since the epoch.
    #[serde(default, rename = "usOut")]
    pub us_out: WireInt,
}

/// The envelope's error part only (`result` skipped unread), for `check_body`.
///
/// ```json
/// {"jsonrpc": "2.0", "id": 1, "error": {"code": 10028, "message": "too_many_requests", "data": null}}
/// ```
pub type DeribitStatus<'a> = DeribitEnvelope<'a, IgnoredAny>;

/// A JSON-RPC error object: `code` is a number (`10028` = too many requests; JSON-RPC codes such
/// as `-32602` for bad parameters), `message` a short text.
///
/// ```json
/// {"code": 10028, "message": "too_many_requests", "data": null}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct DeribitError<'a> {
    /// Error code.
    pub code: WireInt,
    /// Error message.
    pub message: DeribitText<'a>,
}

/// One row of `GET /api/v2/public/get_instruments?currency=…&kind=future|spot&expired=false`
/// (only the fields basis reads). Spot rows carry no `settlement_period` or `instrument_type`.
/// `contract_size` is not read: linear sizes (`amount`, `open_interest`) are already in base
/// coins, and the contract size is only their order-size step.
///
/// ```json
/// {"tick_size": 0.01, "settlement_period": "perpetual", "settlement_currency": "USDC",
///  "quote_currency": "USDC", "price_index": "sol_usdc", "min_trade_amount": 0.1,
///  "kind": "future", "is_active": true, "instrument_type": "linear",
///  "instrument_name": "SOL_USDC-PERPETUAL", "instrument_id": 239473, "future_type": "linear",
///  "expiration_timestamp": 32503708800000, "creation_timestamp": 1664446541000,
///  "counter_currency": "USDC", "contract_size": 1.0, "base_currency": "SOL"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct DeribitInstrument<'a> {
    /// `SOL_USDC-PERPETUAL`, `BTC-PERPETUAL`, `BTC_USDC-27MAR26`, `BTC_USDC`.
    pub instrument_name: DeribitText<'a>,
    /// `future`, `spot`, `option`, `future_combo`, `option_combo`.
    pub kind: DeribitText<'a>,
    /// Whether the instrument can currently be traded.
    pub is_active: WireFlag,
    /// Book state in newer API versions (`open`; anything else is not trading).
    pub state: DeribitText<'a>,
    /// `perpetual`, `day`, `week`, `month` (futures only).
    pub settlement_period: DeribitText<'a>,
    /// `linear` or `reversed` (inverse).
    pub instrument_type: DeribitText<'a>,
    /// Older name of `instrument_type` for futures.
    pub future_type: DeribitText<'a>,
    /// The underlying coin (`SOL`).
    pub base_currency: DeribitText<'a>,
    /// The currency prices are quoted in (`USDC`; `USD` for inverse contracts).
    pub quote_currency: DeribitText<'a>,
}

/// One row of `GET /api/v2/public/get_book_summary_by_currency?currency=…&kind=future|spot`.
/// `volume` is in base units, `volume_usd` in USD; `open_interest` is in base units for linear
/// contracts (USD for inverse ones); `funding_8h` and `current_funding` appear on perpetuals only.
///
/// ```json
/// {"volume_usd": 1859236.52, "volume_notional": 1859236.52, "volume": 12403.8,
///  "quote_currency": "USDC", "price_change": -1.2345, "open_interest": 48291.3,
///  "mid_price": 149.885, "mark_price": 149.8812, "low": 146.2, "last": 149.87,
///  "interest_rate": 0.0, "instrument_name": "SOL_USDC-PERPETUAL", "high": 153.4,
///  "funding_8h": 2.11e-05, "estimated_delivery_price": 149.8443, "current_funding": 0.0,
///  "creation_timestamp": 1763340877520, "bid_price": 149.87, "base_currency": "SOL",
///  "ask_price": 149.9}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct DeribitBookSummary<'a> {
    /// `SOL_USDC-PERPETUAL`, `BTC_USDC`.
    pub instrument_name: DeribitText<'a>,
    /// Best bid (`null` when the side is empty).
    pub bid_price: WireDec,
    /// Best ask (`null` when the side is empty).
    pub ask_price: WireDec,
    /// Mark price.
    pub mark_price: WireDec,
    /// Last trade price.
    pub last: WireDec,
    /// 24 h high.
    pub high: WireDec,
    /// 24 h low.
    pub low: WireDec,
    /// 24 h volume in base units.
    pub volume: WireDec,
    /// 24 h volume in USD.
    pub volume_usd: WireDec,
    /// Open interest: base units (linear), USD (inverse).
    pub open_interest: WireDec,
    /// For perpetuals, the index price.
    pub estimated_delivery_price: WireDec,
    /// Funding over 8 h at the current rate (perpetuals).
    pub funding_8h: WireDec,
    /// When the summary was computed, ms.
    pub creation_timestamp: WireInt,
}

/// One row of `GET /api/v2/public/get_funding_rate_history?instrument_name=…&start_timestamp=…&end_timestamp=…`:
/// one hour of a perpetual's funding. `interest_1h` is the rate paid over the hour that ends at
/// `timestamp`; `interest_8h` is the 8 h figure at that time (what `funding_8h` reports live),
/// not the sum of the last eight hours.
///
/// ```json
/// {"timestamp": 1569891600000, "index_price": 8222.87, "prev_index_price": 8305.72,
///  "interest_8h": -0.00009234260068476106, "interest_1h": -4.739622041017375e-7}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeribitFundingRow {
    /// End of the hour, ms.
    pub timestamp: WireInt,
    /// Rate paid over the hour, fraction.
    pub interest_1h: WireDec,
}

/// The `result` of `GET /api/v2/public/get_tradingview_chart_data?instrument_name=…&start_timestamp=…&end_timestamp=…&resolution=…`:
/// columns of JSON numbers, one entry per bar, oldest first; `ticks` are open times in ms,
/// `volume` is in base units and `cost` in the quote currency. `status` is `ok`, or `no_data`
/// when the window holds no bar.
///
/// ```json
/// {"volume": [3.6680847969999992], "ticks": [1583916960000], "status": "ok", "open": [7834],
///  "low": [7834], "high": [7839.5], "cost": [28740], "close": [7839.5]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
pub struct DeribitChart<'a> {
    /// `ok` or `no_data`.
    pub status: DeribitText<'a>,
    /// Open times, ms (`null` reads as no column).
    pub ticks: Option<Vec<WireInt>>,
    /// Highest prices.
    pub high: Option<Vec<WireDec>>,
    /// Lowest prices.
    pub low: Option<Vec<WireDec>>,
    /// Closing prices (of the running bar: the latest price).
    pub close: Option<Vec<WireDec>>,
}
