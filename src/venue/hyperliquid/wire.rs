//! Hyperliquid `POST /info` wire structs (snapshot, funding history, candles): the venue's own field names, decoded borrowed from the bytes.
//!
//! Hyperliquid answers with bare JSON (no envelope). Decimals are strings (accepted as numbers
//! too, [`WireDec`]), times are ms numbers ([`WireInt`]), names are borrowed text ([`HlText`]).
//! The `…AndAssetCtxs` answers are two-element arrays `[meta, contexts]` whose contexts are
//! **index-aligned** with `meta.universe`. Unknown fields are ignored.

use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess};

use crate::parse::{Lenient, NumbersAsTextLenient, WireDec, WireFlag, WireInt, WireText, lenient};

/// A text field: borrowed, `""`/`null`/missing absent ([`WireText`] with [`NumbersAsTextLenient`]).
pub type HlText<'a> = WireText<'a, NumbersAsTextLenient>;

/// `impactPxs`: `[bidImpact, askImpact]`, the average prices of selling and buying the venue's
/// impact notional. `null`, a missing field and anything that is not an array read as empty.
///
/// ```json
/// ["14.3047", "14.3444"]
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HlImpactPxs(pub Vec<WireDec>);

impl HlImpactPxs {
    /// `(bid, ask)` when the array has exactly two parsable entries.
    #[must_use]
    pub fn pair(&self) -> Option<(rust_decimal::Decimal, rust_decimal::Decimal)> {
        match self.0.as_slice() {
            [bid, ask] => Some((bid.get()?, ask.get()?)),
            _ => None,
        }
    }
}

/// An array is read as prices; anything else is absent.
impl<'de> Lenient<'de> for HlImpactPxs {
    const EXPECTING: &'static str = "an array of two prices, or null";

    fn array<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut out = Vec::with_capacity(2);
        while let Some(px) = seq.next_element::<IgnoredOrDec>()? {
            out.push(px.0);
        }
        Ok(HlImpactPxs(out))
    }
}

impl<'de> Deserialize<'de> for HlImpactPxs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

/// One entry of `impactPxs`: a decimal, or absent for anything else (arrays, objects).
struct IgnoredOrDec(WireDec);

impl<'de> Deserialize<'de> for IgnoredOrDec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = HlText::deserialize(d)?;
        Ok(IgnoredOrDec(WireDec(
            text.get().and_then(crate::parse::decimal),
        )))
    }
}

/// `{"type": "meta"}`: the perpetuals universe (also the first element of `metaAndAssetCtxs`).
///
/// ```json
/// {"universe": [{"name": "BTC", "szDecimals": 5, "maxLeverage": 50},
///               {"name": "HPOS", "szDecimals": 0, "maxLeverage": 3, "onlyIsolated": true}],
///  "marginTables": [[56, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": 40}]}]]}
/// ```
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
pub struct HlMeta<'a> {
    /// Perpetuals, in asset-index order.
    pub universe: Vec<HlPerpAsset<'a>>,
    /// Margin tables by id (the margin tiers).
    #[serde(default)]
    pub margin_tables: Vec<(WireInt, HlMarginTable)>,
}

/// One margin table of `meta.marginTables`: leverage tiers by position notional (USDC), each
/// from its `lowerBound` up to the next one's.
///
/// ```json
/// {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": 40}]}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HlMarginTable {
    /// The tiers, lowest first.
    pub margin_tiers: Vec<HlMarginTier>,
}

/// One tier of an [`HlMarginTable`].
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HlMarginTier {
    /// Position notional the tier starts at, USDC (a string).
    pub lower_bound: WireDec,
    /// Maximum leverage within the tier.
    pub max_leverage: WireDec,
}

/// One perpetual of `meta.universe`.
///
/// ```json
/// {"name": "kPEPE", "szDecimals": 0, "maxLeverage": 10, "marginTableId": 10, "isDelisted": true}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct HlPerpAsset<'a> {
    /// Coin name (`BTC`, `kPEPE` = 1000 PEPE).
    pub name: HlText<'a>,
    /// Maximum leverage (the margin tier of an asset without a margin table).
    pub max_leverage: WireDec,
    /// Id of the asset's margin table in `marginTables` (the margin tiers).
    pub margin_table_id: WireInt,
    /// Delisted coins stay in the universe with `isDelisted: true`.
    pub is_delisted: WireFlag,
}

/// One element of `metaAndAssetCtxs[1]` (belongs to `universe[i]` of the same answer). All
/// decimals are strings; `midPx` and `impactPxs` may be `null` for illiquid coins.
///
/// ```json
/// {"dayNtlVlm": "1169046.29406", "funding": "0.0000125", "impactPxs": ["14.3047", "14.3444"],
///  "markPx": "14.3161", "midPx": "14.314", "openInterest": "688.11", "oraclePx": "14.32",
///  "premium": "0.00031774", "prevDayPx": "15.322"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HlAssetCtx {
    /// Funding rate per **1 hour**, fraction.
    pub funding: WireDec,
    /// Open interest in coins of the perp (`kPEPE` units for `kPEPE`).
    pub open_interest: WireDec,
    /// 24 h volume, USD(C) notional.
    pub day_ntl_vlm: WireDec,
    /// Oracle (index) price.
    pub oracle_px: WireDec,
    /// Mark price.
    pub mark_px: WireDec,
    /// Mid of the book (`null` when one side is empty).
    pub mid_px: WireDec,
    /// `[bidImpact, askImpact]`.
    pub impact_pxs: HlImpactPxs,
}

/// `{"type": "metaAndAssetCtxs"}`: `[meta, assetCtxs]`, index-aligned.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct HlMetaAndAssetCtxs<'a>(pub HlMeta<'a>, pub Vec<HlAssetCtx>);

/// `{"type": "spotMeta"}`: spot tokens and pairs (also the first element of
/// `spotMetaAndAssetCtxs`).
///
/// ```json
/// {"tokens": [{"name": "USDC", "szDecimals": 8, "weiDecimals": 8, "index": 0,
///              "tokenId": "0x6d1e7cde53ba9467b783cb7c530ce054", "isCanonical": true,
///              "evmContract": null, "fullName": null}],
///  "universe": [{"name": "PURR/USDC", "tokens": [1, 0], "index": 0, "isCanonical": true}]}
/// ```
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct HlSpotMeta<'a> {
    /// Tokens; `index` is what pairs refer to.
    pub tokens: Vec<HlToken<'a>>,
    /// Spot pairs.
    pub universe: Vec<HlSpotPair<'a>>,
}

/// One spot token.
///
/// ```json
/// {"name": "UBTC", "szDecimals": 5, "weiDecimals": 10, "index": 197,
///  "tokenId": "0x8f254b963e8468305d409b33aa137c67", "isCanonical": false,
///  "evmContract": null, "fullName": "Unit Bitcoin"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct HlToken<'a> {
    /// Token name (`USDC`, `PURR`, wrapped `UBTC`).
    pub name: HlText<'a>,
    /// Token index, referred to by pairs.
    pub index: WireInt,
}

/// One spot pair: `name` is `PURR/USDC` for canonical pairs and `@<index>` for the others.
///
/// ```json
/// {"name": "@107", "tokens": [150, 0], "index": 107, "isCanonical": false}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct HlSpotPair<'a> {
    /// Pair name, the `coin` of market-data requests.
    pub name: HlText<'a>,
    /// `[baseTokenIndex, quoteTokenIndex]`.
    pub tokens: Option<Vec<WireInt>>,
}

/// One element of `spotMetaAndAssetCtxs[1]`. Live answers carry `coin` (the pair name); the
/// documented example does not, so contexts without it are aligned with `universe` by index.
///
/// ```json
/// {"dayNtlVlm": "8906.0", "markPx": "0.14", "midPx": "0.209265", "prevDayPx": "0.20432",
///  "coin": "PURR/USDC", "circulatingSupply": "596498.42", "dayBaseVlm": "43000.0"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, bound(deserialize = "'de: 'a"))]
pub struct HlSpotCtx<'a> {
    /// Pair name (`PURR/USDC`, `@107`), when present.
    pub coin: HlText<'a>,
    /// 24 h volume in the quote token (USDC).
    pub day_ntl_vlm: WireDec,
    /// Mid of the book (`null` when one side is empty).
    pub mid_px: WireDec,
}

/// `{"type": "spotMetaAndAssetCtxs"}`: `[spotMeta, spotAssetCtxs]`.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct HlSpotMetaAndAssetCtxs<'a>(pub HlSpotMeta<'a>, pub Vec<HlSpotCtx<'a>>);

/// One coin of `{"type": "predictedFundings"}`: `[coin, [[venue, funding | null], …]]`.
///
/// ```json
/// ["BTC", [["BinPerp", {"fundingRate": "0.00008786", "nextFundingTime": 1754496000000,
///                       "fundingIntervalHours": 8}],
///          ["HlPerp", {"fundingRate": "0.0000125", "nextFundingTime": 1754470800000,
///                      "fundingIntervalHours": 1}]]]
/// ```
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct HlPredictedCoin<'a>(pub HlText<'a>, pub Vec<HlPredictedVenue<'a>>);

/// `[venue, funding | null]`, venue `HlPerp`, `BinPerp` or `BybitPerp`.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct HlPredictedVenue<'a>(pub HlText<'a>, pub Option<HlPredictedFunding>);

/// A venue's predicted funding.
///
/// ```json
/// {"fundingRate": "0.0000125", "nextFundingTime": 1754470800000, "fundingIntervalHours": 1}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HlPredictedFunding {
    /// Next settlement, ms.
    pub next_funding_time: WireInt,
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[derive(Deserialize)]
    struct Row<'a> {
        #[serde(borrow)]
        t: HlText<'a>,
        #[serde(default)]
        f: WireFlag,
        #[serde(default)]
        p: HlImpactPxs,
    }

    fn row(json: &str) -> Row<'_> {
        serde_json::from_str(json).expect("row parses")
    }

    #[test]
    fn text_is_borrowed_lenient_and_keeps_raw_numbers() {
        assert!(matches!(
            row(r#"{"t": "kPEPE"}"#).t.0,
            Cow::Borrowed("kPEPE")
        ));
        assert_eq!(row(r#"{"t": "a\\b"}"#).t.get(), Some("a\\b"));
        assert_eq!(row(r#"{"t": 1.50e-5}"#).t.get(), Some("1.50e-5"));
        for absent in ["\"\"", "null", "false", "[1]", r#"{"a": 1}"#] {
            assert_eq!(
                row(&format!(r#"{{"t": {absent}}}"#)).t.get(),
                None,
                "{absent}"
            );
        }
    }

    #[test]
    fn flags_and_impact_prices_are_lenient() {
        let cases = [
            ("true", Some(true)),
            ("false", Some(false)),
            (r#""true""#, Some(true)),
            ("null", None),
            ("1", None),
            (r#""""#, None),
        ];
        for (token, want) in cases {
            assert_eq!(
                row(&format!(r#"{{"t": "", "f": {token}}}"#)).f.0,
                want,
                "{token}"
            );
        }
        let pair = |token: &str| row(&format!(r#"{{"t": "", "p": {token}}}"#)).p.pair();
        let dec = |s: &str| crate::parse::decimal(s).expect("decimal");
        assert_eq!(pair(r#"["1.5", "1.6"]"#), Some((dec("1.5"), dec("1.6"))));
        assert_eq!(pair("[1.5, 2e-1]"), Some((dec("1.5"), dec("0.2"))));
        assert_eq!(pair(r#"["1.5"]"#), None);
        assert_eq!(pair(r#"["1.5", null]"#), None);
        assert_eq!(pair(r#"["1.5", [2], "3"]"#), None);
        assert_eq!(pair("null"), None);
        assert_eq!(pair(r#""1.5""#), None);
        assert_eq!(pair(r#"{"bid": "1"}"#), None);
    }
}

/// One settlement of `{"type": "fundingHistory", "coin": …, "startTime": …}` (oldest first, at
/// most 500 a page). `fundingRate` is the rate paid for that hour; `premium` may be absent.
///
/// ```json
/// {"coin": "BTC", "fundingRate": "0.0000125", "premium": "0.00029005", "time": 1769908800000}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HlFundingHistory {
    /// Rate settled for the hour, fraction.
    pub funding_rate: WireDec,
    /// Settlement time, ms (a number).
    pub time: WireInt,
}

/// One candle of `{"type": "candleSnapshot", "req": {…}}` (oldest first; the last row is the
/// running candle, its `T` in the future). Prices are strings, per `kPEPE` unit for `kPEPE`.
///
/// ```json
/// {"T": 1681924499999, "c": "29258.0", "h": "29309.0", "i": "15m", "l": "29250.0", "n": 189,
///  "o": "29295.0", "s": "BTC", "t": 1681923600000, "v": "0.98639"}
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HlCandle {
    /// Open time, ms.
    pub t: WireInt,
    /// Highest price.
    pub h: WireDec,
    /// Lowest price.
    pub l: WireDec,
    /// Close (of the running candle: the latest price).
    pub c: WireDec,
}
