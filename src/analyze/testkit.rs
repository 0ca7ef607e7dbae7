//! Test-only helpers the analyzer's test modules share: decimal literals, the fixed instant, an independent Φ and the quote and snapshot builders.

#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::model::{Market, Opportunity, PerpQuote, Snapshot, SpotQuote, Venue};

pub(crate) use crate::model::testkit::d;

/// A decimal as `f64`, for comparing with the statistics.
pub(crate) fn f(x: Decimal) -> f64 {
    x.to_f64().unwrap()
}

/// Asserts that the percentage `pct` is `fraction` × 100, to within 1e-6.
#[track_caller]
pub(crate) fn assert_pct(pct: Decimal, fraction: f64) {
    let want = fraction * 100.0;
    assert!((f(pct) - want).abs() < 1e-6, "{pct} vs {want}");
}

/// The instant every quote of these tests is received at (2023-11-14 22:13:20 UTC).
pub(crate) fn t0() -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000, 0).unwrap()
}

/// The default 7-day horizon, years.
pub(crate) const T7: f64 = 7.0 / 365.0;

/// Φ by Abramowitz–Stegun 26.2.17 (|error| < 7.5e-8), independent of libm's erfc.
pub(crate) fn phi(x: f64) -> f64 {
    let (b1, b2, b3, b4, b5) = (
        0.319_381_530,
        -0.356_563_782,
        1.781_477_937,
        -1.821_255_978,
        1.330_274_429,
    );
    let z = x.abs();
    let k = 1.0 / (1.0 + 0.231_641_9 * z);
    let pdf = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let tail = pdf * k * (b1 + k * (b2 + k * (b3 + k * (b4 + k * b5))));
    if x >= 0.0 { 1.0 - tail } else { tail }
}

/// Parkinson's annualised σ of one daily range.
pub(crate) fn parkinson(high: f64, low: f64) -> f64 {
    (high / low).ln() / (4.0 * 2f64.ln()).sqrt() * 365f64.sqrt()
}

/// `2Φ(−D / (σ √T))`, 1 when `D <= 0`.
pub(crate) fn passage(dist: f64, sigma: f64, t: f64) -> f64 {
    if dist <= 0.0 {
        1.0
    } else {
        (2.0 * phi(-dist / (sigma * t.sqrt()))).min(1.0)
    }
}

/// `n` return signs alternating +1, −1, … (a series of alternating ±`ln step` daily moves).
pub(crate) fn alternating_signs(n: usize) -> Vec<i8> {
    (0..n).map(|i| if i % 2 == 0 { 1 } else { -1 }).collect()
}

/// `signs` kept for the first `kept` returns and flipped after: against `signs` (zero mean,
/// `n` returns) its correlation is `(kept − (n − kept)) / n`.
pub(crate) fn flipped_after(signs: &[i8], kept: usize) -> Vec<i8> {
    signs
        .iter()
        .enumerate()
        .map(|(i, s)| if i < kept { *s } else { -*s })
        .collect()
}

/// [`PerpQuote::sample`] received at [`t0`].
pub(crate) fn perp_at_t0(venue: Venue, symbol: &str, asset: &str, quote: &str) -> PerpQuote {
    PerpQuote::sample(venue, symbol, (asset, quote), t0())
}

/// [`SpotQuote::sample`] received at [`t0`].
pub(crate) fn spot_at_t0(venue: Venue, symbol: &str, asset: &str, quote: &str) -> SpotQuote {
    SpotQuote::sample(venue, symbol, (asset, quote), t0())
}

/// A perp of `asset`/`quote` (`mult` coins per contract) quoting `bid`/`ask`, paying `rate` per
/// `hours`, with the 24 h range `high`–`low` and 5 M volume, received at [`t0`].
pub(crate) fn quoted_perp(
    venue: Venue,
    symbol: &str,
    (asset, quote, mult): (&str, &str, &str),
    (bid, ask): (&str, &str),
    (rate, hours): (&str, &str),
    (high, low): (Decimal, Decimal),
) -> PerpQuote {
    PerpQuote {
        multiplier: d(mult),
        funding_rate: d(rate),
        funding_interval_hours: d(hours),
        bid: Some(d(bid)),
        ask: Some(d(ask)),
        high_24h: Some(high),
        low_24h: Some(low),
        ..perp_at_t0(venue, symbol, asset, quote)
    }
}

/// A spot market of `asset`/`quote` quoting `bid`/`ask`, its 24 h range 5 % around them, with
/// 1 M volume, received at [`t0`].
pub(crate) fn quoted_spot(
    venue: Venue,
    symbol: &str,
    (asset, quote): (&str, &str),
    bid: &str,
    ask: &str,
) -> SpotQuote {
    SpotQuote {
        bid: Some(d(bid)),
        ask: Some(d(ask)),
        high_24h: Some(d(ask) * d("1.05")),
        low_24h: Some(d(bid) * d("0.95")),
        ..spot_at_t0(venue, symbol, asset, quote)
    }
}

/// One venue's snapshot received at [`t0`].
pub(crate) fn snap(venue: Venue, perps: Vec<PerpQuote>, spots: Vec<SpotQuote>) -> Snapshot {
    Snapshot {
        venue,
        received_at: t0(),
        perps,
        spots,
    }
}

/// The tests' BTC perp: `symbol`, BTC/`quote`, one coin a contract, quoting 60,030/60,040 with
/// the 24 h range 66,000–54,000, paying `rate` per `hours`.
pub(crate) fn btc_perp(
    venue: Venue,
    symbol: &str,
    quote: &str,
    rate: &str,
    hours: &str,
) -> PerpQuote {
    let range = (d("66000"), d("54000"));
    quoted_perp(
        venue,
        symbol,
        ("BTC", quote, "1"),
        ("60030", "60040"),
        (rate, hours),
        range,
    )
}

/// The tests' BTC spot pair: `symbol`, BTC/`quote`, quoting 60,000/60,010.
pub(crate) fn btc_spot(venue: Venue, symbol: &str, quote: &str) -> SpotQuote {
    quoted_spot(venue, symbol, ("BTC", quote), "60000", "60010")
}

/// Asserts the market figures of a BTC/USDT row that buys [`btc_spot`] and sells a [`btc_perp`]
/// paying 0.05 % per 8 h: the legs' markets and prices, the funding settling at [`t0`], 1 M of
/// volume (the smaller leg's: the spot's), 0.0005 × 3 × 365 = 54.75 % funding APR and a basis of
/// (60,035 − 60,005) / 60,005 = 0.049996 % between the mids.
#[track_caller]
pub(crate) fn assert_btc_row(o: &Opportunity) {
    assert_eq!((o.asset.as_str(), o.quote.as_str()), ("BTC", "USDT"));
    assert_eq!((o.long.market, o.long.price), (Market::Spot, d("60010")));
    assert_eq!((o.short.market, o.short.price), (Market::Perp, d("60030")));
    let funding = (o.funding_rate, o.funding_interval_hours);
    assert_eq!(funding, (d("0.0005"), d("8")));
    assert_eq!(o.next_funding_time, Some(t0()));
    assert_eq!(o.volume_24h_usd, Some(d("1000000")));
    assert_eq!(o.funding_apr_pct, d("54.75"));
    assert_eq!(o.basis_pct, d("0.049996"));
}
