//! OKX v5 wire structs: the venue's own field names, decoded borrowed from the response bytes.
//!
//! Everything in OKX's `data` arrays is a string, `""` meaning absent. Text fields use [`WireText`]
//! (borrowed; `""`, `null`, missing and non-text values are absent, numbers kept as their text),
//! decimals [`WireDec`] and millisecond times [`WireInt`]. Unknown fields are ignored.

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, SeqAccess};

use crate::parse::{WireDec, WireInt, WireText};
use crate::venue::rows::{ArrayCandle, Positional, positional};

/// One row of `GET /api/v5/public/instruments?instType=SWAP|SPOT` (only the fields basis reads).
/// SWAP rows have empty `baseCcy`/`quoteCcy`; SPOT rows have empty `uly`/`ctVal`.
///
/// ```json
/// {"instId": "BTC-USDT-SWAP", "instType": "SWAP", "uly": "BTC-USDT", "instFamily": "BTC-USDT",
///  "baseCcy": "", "quoteCcy": "", "settleCcy": "USDT", "ctVal": "0.01", "ctValCcy": "BTC",
///  "ctMult": "1", "ctType": "linear", "state": "live", "ruleType": "normal", "expTime": ""}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct OkxInstrument<'a> {
    /// `SWAP`, `SPOT`, `FUTURES`, …
    pub inst_type: WireText<'a>,
    /// `BTC-USDT-SWAP`, `BTC-USDT`.
    pub inst_id: WireText<'a>,
    /// Underlying (`BTC-USDT`), derivatives only.
    pub uly: WireText<'a>,
    /// Instrument family (`BTC-USDT`), derivatives only.
    pub inst_family: WireText<'a>,
    /// Base coin, SPOT only.
    pub base_ccy: WireText<'a>,
    /// Quote coin, SPOT only.
    pub quote_ccy: WireText<'a>,
    /// Settlement coin (`USDT`; the coin itself for inverse swaps).
    pub settle_ccy: WireText<'a>,
    /// Contract value, in `ctValCcy` units per contract.
    pub ct_val: WireDec,
    /// Contract multiplier (`"1"` for swaps).
    pub ct_mult: WireDec,
    /// `linear` or `inverse`.
    pub ct_type: WireText<'a>,
    /// `live`, `suspend`, `preopen`, `test`.
    pub state: WireText<'a>,
    /// `normal`, `pre_market`, `xperp`.
    pub rule_type: WireText<'a>,
}

/// One row of `GET /api/v5/public/funding-rate?instId=ANY`. `fundingRate` settles at
/// `fundingTime`; the interval is `nextFundingTime - fundingTime`.
///
/// ```json
/// {"instId": "BTC-USDT-SWAP", "instType": "SWAP", "fundingRate": "0.0000182221218054",
///  "fundingTime": "1743609600000", "nextFundingTime": "1743638400000", "nextFundingRate": "",
///  "method": "current_period", "ts": "1743588686291"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct OkxFundingRate<'a> {
    /// `BTC-USDT-SWAP`.
    pub inst_id: WireText<'a>,
    /// Current period's rate, fraction.
    pub funding_rate: WireDec,
    /// When the current rate settles, ms.
    pub funding_time: WireInt,
    /// The settlement after that, ms.
    pub next_funding_time: WireInt,
    /// Data time, ms.
    pub ts: WireInt,
}

/// One row of `GET /api/v5/market/tickers?instType=SWAP|SPOT`. SWAP: `vol24h` in contracts,
/// `volCcy24h` in base coins; SPOT: `vol24h` in base, `volCcy24h` in quote.
///
/// ```json
/// {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "last": "84000.5", "lastSz": "1",
///  "askPx": "84000.5", "askSz": "11", "bidPx": "84000.4", "bidSz": "5", "open24h": "83000",
///  "high24h": "85000", "low24h": "82000", "volCcy24h": "12345.67", "vol24h": "1234567",
///  "sodUtc0": "83500", "sodUtc8": "83400", "ts": "1743588686291"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct OkxTicker<'a> {
    /// `BTC-USDT-SWAP`, `BTC-USDT`.
    pub inst_id: WireText<'a>,
    /// Last trade price.
    pub last: WireDec,
    /// Best bid.
    pub bid_px: WireDec,
    /// Best ask.
    pub ask_px: WireDec,
    /// 24 h high.
    #[serde(rename = "high24h")]
    pub high_24h: WireDec,
    /// 24 h low.
    #[serde(rename = "low24h")]
    pub low_24h: WireDec,
    /// 24 h volume: base coins (SWAP) or quote (SPOT).
    #[serde(rename = "volCcy24h")]
    pub vol_ccy_24h: WireDec,
    /// Data time, ms.
    pub ts: WireInt,
}

/// One row of `GET /api/v5/public/mark-price?instType=SWAP`.
///
/// ```json
/// {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "markPx": "200", "ts": "1597026383085"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct OkxMarkPrice<'a> {
    /// `BTC-USDT-SWAP`.
    pub inst_id: WireText<'a>,
    /// Mark price.
    pub mark_px: WireDec,
}

/// One row of `GET /api/v5/market/index-tickers?quoteCcy=USDT|USDC`; `instId` is the index
/// (`BTC-USDT`), i.e. the swap's `uly`.
///
/// ```json
/// {"instId": "BTC-USDT", "idxPx": "43350", "high24h": "43649.7", "low24h": "43261.9",
///  "open24h": "43640.8", "sodUtc0": "43444.1", "sodUtc8": "43328.7", "ts": "1649419644492"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct OkxIndexTicker<'a> {
    /// `BTC-USDT`.
    pub inst_id: WireText<'a>,
    /// Index price.
    pub idx_px: WireDec,
}

/// One row of `GET /api/v5/public/open-interest?instType=SWAP`: `oi` in contracts, `oiCcy` in
/// base coins.
///
/// ```json
/// {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "oi": "5000", "oiCcy": "555.55",
///  "oiUsd": "50000", "ts": "1597026383085"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct OkxOpenInterest<'a> {
    /// `BTC-USDT-SWAP`.
    pub inst_id: WireText<'a>,
    /// Open interest in contracts.
    pub oi: WireDec,
    /// Open interest in base coins.
    pub oi_ccy: WireDec,
}

/// One row of `GET /api/v5/public/discount-rate-interest-free-quota` (no `ccy`: every
/// currency): the collateral discount-rate tiers of one coin, by coin amount (`maxAmt` `""` = no
/// upper bound).
///
/// ```json
/// {"amt": "0", "ccy": "BTC", "details": [
///   {"discountRate": "0.98", "liqPenaltyRate": "0.02", "maxAmt": "20", "minAmt": "0",
///    "tier": "1", "disCcyEq": "1000"},
///   {"discountRate": "0.9775", "liqPenaltyRate": "0.0225", "maxAmt": "25", "minAmt": "20",
///    "tier": "2", "disCcyEq": "2000"}],
///  "discountLv": "1", "minDiscountRate": "0"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct OkxDiscountRate<'a> {
    /// Coin (`BTC`).
    pub ccy: WireText<'a>,
    /// The tiers (`null` or missing: none).
    pub details: Option<Vec<OkxDiscountTier>>,
}

/// One tier of [`OkxDiscountRate`] (`maxAmt`, `tier`, `liqPenaltyRate` and `disCcyEq` are not
/// read: the first tier is the one with the smallest `minAmt`).
///
/// ```json
/// {"discountRate": "0.98", "liqPenaltyRate": "0.02", "maxAmt": "20", "minAmt": "0", "tier": "1",
///  "disCcyEq": "1000"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OkxDiscountTier {
    /// Share of the coin's value counted as margin within the tier, fraction.
    pub discount_rate: WireDec,
    /// Lower bound of the tier, coin amount.
    pub min_amt: WireDec,
}

/// One row of `GET /api/v5/public/funding-rate-history?instId=…` (newest first). `fundingRate`
/// is the period's rate, `realizedRate` what was actually charged.
///
/// ```json
/// {"formulaType": "noRate", "fundingRate": "0.0000746604960499", "fundingTime": "1703059200000",
///  "instId": "BTC-USD-SWAP", "instType": "SWAP", "method": "next_period",
///  "realizedRate": "0.0000746572360545"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OkxFundingHistory {
    /// The period's rate, fraction.
    pub funding_rate: WireDec,
    /// The rate actually charged at settlement, fraction.
    pub realized_rate: WireDec,
    /// Settlement time, ms.
    pub funding_time: WireInt,
}

/// One row of `GET /api/v5/market/candles` or `history-candles` (`data`, newest first): a
/// positional array of strings, `[ts (open, ms), o, h, l, c, vol, volCcy, volCcyQuote, confirm]`.
/// Positions 0–4 and 8 are read, the volumes skipped; missing positions are absent (a row of
/// an older six-field format has no `confirm`); numbers are accepted as well as strings.
///
/// ```json
/// ["1597026383085", "3.721", "3.743", "3.677", "3.708", "8422410", "22698348.04828491",
///  "12698348.04828491", "0"]
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OkxCandle<'a> {
    /// Positions 0–4: open time (ms), open, high, low, close (of the running bar, the latest
    /// price).
    pub head: ArrayCandle,
    /// `"1"` for a finished bar, `"0"` for the running one (position 8).
    pub confirm: WireText<'a>,
}

impl<'de: 'a, 'a> Positional<'de> for OkxCandle<'a> {
    const EXPECTING: &'static str = "a candle array";

    fn from_seq<A: SeqAccess<'de>>(seq: &mut A) -> Result<Self, A::Error> {
        let mut row = OkxCandle {
            head: ArrayCandle::read_head(seq)?,
            confirm: WireText::default(),
        };
        for _volume in 0..3 {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(row);
            }
        }
        if let Some(confirm) = seq.next_element::<WireText<'a>>()? {
            row.confirm = confirm;
            while seq.next_element::<IgnoredAny>()?.is_some() {}
        }
        Ok(row)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for OkxCandle<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        positional(d)
    }
}
