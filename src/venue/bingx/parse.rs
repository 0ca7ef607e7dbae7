//! BingX payloads to domain types (pure): envelope check, listing filters, funding-history
//! intervals, snapshot assembly.
//!
//! Rules (see `exchange-apis/README.md`, BingX section):
//! - Perps: `status` 1, symbol `BASE-QUOTE`, settlement `currency` equal to the quote when given
//!   (BingX lists no inverse or dated contracts here; anything else is dropped), launched and not
//!   delisted by the server clock. `1000PEPE-USDT` is asset PEPE × 1000; BingX sizes orders in
//!   coins, so `contract_size` is 1. Tradfi contracts (`NCSKTSLA2USD-USDT`) are linear perps too
//!   and are kept under their own code.
//! - Spot: `status` 1, symbol `BASE-QUOTE`, `timeOnline`/`offTime` checked like the perps.
//! - Server clock: the latest envelope `timestamp` or premium-index `time` among the reference
//!   bodies; without one the launch/delisting checks are skipped (the status still applies).
//! - Funding interval: the premium-index row's `fundingIntervalHours` when positive (every poll),
//!   else the cached reference's (from the reference premium index or the funding history);
//!   a perp with neither is left out of the snapshot.
//! - Funding history: the interval is the gap between the two newest distinct settlement times,
//!   kept when it is a whole number of hours from 1 to 24. For `backfill`, every row with a time
//!   and a rate is a settlement ([`funding_history`]).
//! - Candles ([`candles`]): swap rows as objects or arrays, spot rows as arrays, in any order;
//!   code 0 with `data` `null` is an empty page.
//! - Volume: `quoteVolume` (quote currency), else `volume` × `lastPrice`. Open interest: `None`
//!   (BingX has no bulk source). Exchange time: premium-index `time`, else the ticker's
//!   `closeTime`.
//! - Duplicates: the first row of a symbol wins, in listings and snapshot payloads.
//! - Interval refresh (the plan of [`crate::venue::intervals`]): first the perps with no
//!   interval at all, then about 1/24 of the carried-over (history-derived) ones, oldest first.
//!   The age order is kept in the cached reference itself: [`apply_details`] puts carried perps first, oldest
//!   first, and everything refreshed this time after them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::wire::{
    BingxContract, BingxFundingRate, BingxKline, BingxPremiumIndex, BingxSpotSymbol,
    BingxSpotSymbols, BingxTicker,
};
use super::{
    CONTRACTS, FUNDING_HISTORY, PREMIUM_INDEX, RATE_LIMIT_CODE, SPOT_SYMBOLS, SPOT_TICKER, TICKER,
};
use crate::model::{Instrument, Reference, Snapshot, Venue};
use crate::parse::{ms_time, split_multiplier};
pub(super) use crate::venue::intervals::detail_symbols;
use crate::venue::intervals::positive;
use crate::venue::kit::{self, Book, Funding, Marks};
use crate::venue::rows::{self, Coded};
use crate::venue::{Body, BodySignal, Candle, HistoryPoint, ParseError};

const MS_PER_HOUR: i64 = 3_600_000;

/// BingX's `{code, msg, timestamp, data}` envelope: `code` 0 on success.
const BINGX: Coded = Coded {
    venue: "BingX",
    article: "a",
    ok: "0",
};

/// What the envelope of a response says. HTTP 429, or code `100410` with any status, is a rate
/// limit; another non-zero code is an API error; a body that is not a BingX envelope (or has no
/// `code`) says nothing, leaving the HTTP status and the parser to decide.
pub(super) fn body_signal(status: u16, body: &[u8]) -> BodySignal {
    BINGX.signal(status, body, |code| code == RATE_LIMIT_CODE)
}

/// The `data` of one response and its envelope `timestamp`, after checking the envelope.
fn payload<'a, D: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<(D, Option<i64>), ParseError> {
    let (data, timestamp) = checked(endpoint, bytes)?;
    let data = data.ok_or_else(|| ParseError::new(endpoint, "BingX envelope without `data`"))?;
    Ok((data, timestamp))
}

/// The `data` (if any) of one response and its envelope `timestamp`, after checking that the
/// envelope is a BingX one with code 0 (an error envelope whose `data` has another shape, `{}`,
/// is reported as the API error).
fn checked<'a, D: Deserialize<'a>>(
    endpoint: &'static str,
    bytes: &'a [u8],
) -> Result<(Option<D>, Option<i64>), ParseError> {
    let env = BINGX.envelope(endpoint, bytes)?;
    Ok((env.data, env.timestamp.get()))
}

/// The `data` of every body of `endpoint`, in request order, and the latest envelope timestamp.
/// `required`: at least one body must have been fetched.
fn all_data<'a, D: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    required: bool,
) -> Result<(Vec<D>, Option<i64>), ParseError> {
    let pages = kit::each_body(bodies, endpoint, required, |b| payload::<D>(endpoint, b))?;
    let clock = pages.iter().filter_map(|(_, time)| *time).max();
    Ok((pages.into_iter().map(|(data, _)| data).collect(), clock))
}

/// The rows of every body of `endpoint`, in request order, and the latest envelope timestamp.
/// `required`: at least one body must have been fetched.
fn all_rows<'a, T: Deserialize<'a>>(
    bodies: &'a [Body<'a>],
    endpoint: &'static str,
    required: bool,
) -> Result<(Vec<T>, Option<i64>), ParseError> {
    let (pages, clock) = all_data::<Vec<T>>(bodies, endpoint, required)?;
    Ok((pages.into_iter().flatten().collect(), clock))
}

/// Listed by `clock`: launched (no launch time, or one not after it) and not delisted (no
/// delisting time, 0, or one after it). Without a clock nothing can be said: listed.
fn listed(launch: Option<i64>, off: Option<i64>, clock: Option<i64>) -> bool {
    let Some(now) = clock else {
        return true;
    };
    launch.is_none_or(|t| t <= now) && off.is_none_or(|t| t <= 0 || t > now)
}

/// A trading linear perpetual, or `None` for anything else.
fn perp_instrument(
    row: &BingxContract<'_>,
    clock: Option<i64>,
    intervals: &HashMap<&str, Decimal>,
) -> Option<Instrument> {
    if row.status.get() != Some(1) {
        return None;
    }
    let symbol = row.symbol.get()?;
    let (base, quote) = kit::split_pair(symbol, '-')?;
    if row.currency.get().is_some_and(|settle| settle != quote) {
        return None;
    }
    if !listed(row.launch_time.get(), row.off_time.get(), clock) {
        return None;
    }
    Some(Instrument {
        funding_interval_hours: intervals.get(symbol).copied(),
        ..rows::perp(Venue::Bingx, symbol, split_multiplier(base), quote)
    })
}

/// A trading spot pair, or `None`.
fn spot_instrument(row: &BingxSpotSymbol<'_>, clock: Option<i64>) -> Option<Instrument> {
    if row.status.get() != Some(1) {
        return None;
    }
    let symbol = row.symbol.get()?;
    let (base, quote) = kit::split_pair(symbol, '-')?;
    if !listed(row.time_online.get(), row.off_time.get(), clock) {
        return None;
    }
    Some(rows::spot(Venue::Bingx, symbol, base, quote))
}

/// Parses the contract and spot lists (and the optional premium index) into trading linear
/// perpetuals and spot pairs.
pub(super) fn reference(bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
    let (contracts, contracts_time) = all_rows::<BingxContract<'_>>(bodies, CONTRACTS.name, true)?;
    let (lists, spots_time) = all_data::<BingxSpotSymbols<'_>>(bodies, SPOT_SYMBOLS.name, true)?;
    let spots: Vec<BingxSpotSymbol<'_>> = lists.into_iter().flat_map(|l| l.symbols).collect();
    let mut clock = contracts_time.max(spots_time);
    let (premium, premium_time) =
        all_rows::<BingxPremiumIndex<'_>>(bodies, PREMIUM_INDEX.name, false)?;
    clock = clock
        .max(premium_time)
        .max(premium.iter().filter_map(|p| p.time.get()).max());
    let mut intervals: HashMap<&str, Decimal> = HashMap::new();
    for p in &premium {
        if let (Some(symbol), Some(hours)) =
            (p.symbol.get(), positive(p.funding_interval_hours.get()))
        {
            intervals.entry(symbol).or_insert(hours);
        }
    }

    let candidates = contracts
        .iter()
        .filter_map(|row| perp_instrument(row, clock, &intervals))
        .chain(spots.iter().filter_map(|row| spot_instrument(row, clock)));
    let instruments = kit::unique_listings("bingx", candidates);
    Ok(Reference {
        instruments,
        ..Reference::default()
    })
}

/// The funding interval of `symbol` from one funding-history body: the gap between the two
/// newest distinct settlement times, when it is a whole number of hours from 1 to 24. Rows of
/// another symbol are ignored. `Ok(None)` when the history is too short or irregular.
///
/// # Errors
/// When the body is not a successful BingX envelope with a list of rows.
pub(super) fn history_interval(symbol: &str, bytes: &[u8]) -> Result<Option<Decimal>, ParseError> {
    let (rows, _) = payload::<Vec<BingxFundingRate<'_>>>(FUNDING_HISTORY.name, bytes)?;
    let mut times: Vec<i64> = rows
        .iter()
        .filter(|r| r.symbol.get().is_none_or(|s| s == symbol))
        .filter_map(|r| r.funding_time.get())
        .filter(|t| *t > 0)
        .collect();
    times.sort_unstable_by(|a, b| b.cmp(a));
    times.dedup();
    let [newest, before, ..] = times[..] else {
        return Ok(None);
    };
    let gap = newest.saturating_sub(before);
    if gap % MS_PER_HOUR != 0 || !(1..=24).contains(&(gap / MS_PER_HOUR)) {
        return Ok(None);
    }
    Ok(Some(Decimal::from(gap / MS_PER_HOUR)))
}

/// The settled funding of one `quote/fundingRate` page, in the order sent (BingX's order is not
/// documented; callers sort). Rows without a time or a rate are skipped; `data` `null` with
/// code 0 is an empty page.
///
/// # Errors
/// A [`ParseError`] naming `fundingRate` when the body is not a BingX envelope holding a list of
/// rows, or carries a non-zero `code`.
pub(super) fn funding_history(bytes: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
    let (rows, _) = checked::<Vec<BingxFundingRate<'_>>>(FUNDING_HISTORY.name, bytes)?;
    Ok(rows
        .unwrap_or_default()
        .iter()
        .filter_map(BingxFundingRate::point)
        .collect())
}

/// The candles of one page of `endpoint` (swap `klines` or `spot-kline`), in the order sent.
/// Rows of either shape ([`BingxKline`]) are read; rows without an open time, high, low or
/// close are skipped (BingX flags no unfinished bar: the caller drops the running one); `data`
/// `null` with code 0 is an empty page.
///
/// # Errors
/// A [`ParseError`] naming `endpoint` when the body is not a BingX envelope holding a list of
/// rows, or carries a non-zero `code`.
pub(super) fn candles(endpoint: &'static str, bytes: &[u8]) -> Result<Vec<Candle>, ParseError> {
    let (rows, _) = checked::<Vec<BingxKline>>(endpoint, bytes)?;
    Ok(rows
        .unwrap_or_default()
        .iter()
        .filter_map(|BingxKline(r)| {
            let open = r.time.get().filter(|t| *t > 0);
            kit::candle(open, r.high.get(), r.low.get(), r.close.get())
        })
        .collect())
}

/// Merges funding-history bodies and the previous reference into `fresh`: an interval fresh
/// from the listing wins, then one just fetched, then the previous reference's. Perps keep an
/// age order for [`crate::venue::intervals::detail_symbols`]: carried-over ones first (oldest first), then the others.
/// A body that cannot be read is logged and skipped (its perp keeps its previous value).
pub(super) fn apply_details(
    fresh: &mut Reference,
    previous: Option<&Reference>,
    bodies: &[Body<'_>],
) {
    let fetched = kit::detail_intervals(
        "bingx",
        "funding history",
        bodies,
        FUNDING_HISTORY.name,
        |r| {
            r.query
                .iter()
                .find(|(k, _)| *k == "symbol")
                .map(|(_, v)| v.as_str())
        },
        history_interval,
    );
    kit::merge_intervals(fresh, previous, &fetched);
}

/// Parses one poll's bodies. Perps need a premium-index row with a rate and an interval (its own
/// or the reference's); spots need a ticker. Instruments absent from `reference` are dropped.
pub(super) fn snapshot(
    bodies: &[Body<'_>],
    reference: &Reference,
    received_at: DateTime<Utc>,
) -> Result<Snapshot, ParseError> {
    let (premium, _) = all_rows::<BingxPremiumIndex<'_>>(bodies, PREMIUM_INDEX.name, true)?;
    let (tickers, _) = all_rows::<BingxTicker<'_>>(bodies, TICKER.name, true)?;
    let (spot_tickers, _) = all_rows::<BingxTicker<'_>>(bodies, SPOT_TICKER.name, true)?;
    let premium = kit::by_symbol(&premium, |r| r.symbol.get());
    let tickers = kit::by_symbol(&tickers, |r| r.symbol.get());
    let spot_tickers = kit::by_symbol(&spot_tickers, |r| r.symbol.get());

    let perp = |inst: &Instrument| {
        let p = premium.get(inst.symbol.as_str())?;
        let funding = Funding {
            rate: p.last_funding_rate.get()?,
            interval_hours: positive(p.funding_interval_hours.get())
                .or_else(|| positive(inst.funding_interval_hours))?,
            next: p.next_funding_time.get().and_then(ms_time),
        };
        let t = tickers.get(inst.symbol.as_str());
        let exchange_ms = p.time.get().or_else(|| t.and_then(|t| t.close_time.get()));
        let book = Book {
            exchange_time: exchange_ms.and_then(ms_time),
            ..t.map(|t| t.book()).unwrap_or_default()
        };
        let marks = Marks {
            mark: p.mark_price.get(),
            index: p.index_price.get(),
            ..Marks::default()
        };
        Some((funding, book, marks))
    };
    let spot = |inst: &Instrument| Some(spot_tickers.get(inst.symbol.as_str())?.book());
    Ok(rows::snapshot(
        Venue::Bingx,
        reference,
        received_at,
        perp,
        spot,
    ))
}

#[cfg(test)]
mod tests {
    //! BingX's own quirks (funding intervals from the funding history, fetched as details);
    //! what every venue does is pinned by `crate::venue::conformance`.

    use super::*;
    use crate::model::Market;
    use crate::venue::bingx::funding_history_request;
    use crate::venue::conformance::{Details, case, interval, reads_intervals, reference_from};
    use crate::venue::testkit::dec as d;

    const HISTORY: &str = include_str!("../../../fixtures/bingx/fundingRate.json");
    const HISTORY_ETH: &str = include_str!("../../../fixtures/bingx/fundingRate-ETH-USDT.json");
    const HISTORY_1INCH: &str = include_str!("../../../fixtures/bingx/fundingRate-1INCH-USDT.json");
    const RATE_LIMIT: &str = include_str!("../../../fixtures/bingx/error-rate-limit.json");

    #[test]
    fn funding_history_gives_the_interval_from_the_two_newest_settlements() {
        let irregular = r#"{"code":0,"msg":"","data":[
            {"symbol":"X-USDT","fundingRate":"0","fundingTime":1743588000000},
            {"symbol":"X-USDT","fundingRate":"0","fundingTime":1743586200000}]}"#;
        let cases = [
            // Oldest first with a duplicated row: 00:00 and 08:00.
            ("ETH-USDT", HISTORY_ETH, Some("8")),
            // Newest first, a time as a string, an older 3 h gap ignored.
            ("1INCH-USDT", HISTORY_1INCH, Some("1")),
            // One settlement only; rows of another symbol do not count.
            ("BTC-USDT", HISTORY, None),
            ("ETH-USDT", HISTORY_1INCH, None),
            // 30 min apart.
            ("X-USDT", irregular, None),
        ];
        reads_intervals(Venue::Bingx, history_interval, &cases);
        let err = history_interval("ETH-USDT", RATE_LIMIT.as_bytes()).expect_err("error body");
        assert_eq!(err.endpoint, FUNDING_HISTORY);
        assert!(err.detail.contains("100410"), "{err}");
    }

    #[test]
    fn details_fill_unknown_intervals_then_rotate_the_oldest() {
        // Only perps without an interval are asked. The snapshot quotes them at the history's
        // interval (ETH 8 h; 1INCH's listed 0 is no interval: 1 h).
        let details = Details {
            venue: Venue::Bingx,
            request_of: funding_history_request,
            batch: (3, &["ETH-USDT", "1INCH-USDT"]),
            bounded: 1,
            bodies: &[("ETH-USDT", HISTORY_ETH), ("1INCH-USDT", HISTORY_1INCH)],
            learnt: &[("ETH-USDT", Some("8")), ("1INCH-USDT", Some("1"))],
            quoted: &[("ETH-USDT", "0.0001", "8"), ("1INCH-USDT", "-0.0002", "1")],
        };
        let (fresh, first, _) = details.run();

        // Next refresh: both are known only from the cache. One of the two (1/24, rounded up)
        // is fetched again, the one refreshed longest ago first; the other is carried over.
        assert_eq!(detail_symbols(&fresh, Some(&first), 3), ["ETH-USDT"]);
        let mut second = fresh.clone();
        details.apply(&mut second, Some(&first), &[("ETH-USDT", HISTORY_ETH)]);
        assert_eq!(
            interval(&second, "1INCH-USDT"),
            Some(d("1")),
            "carried over"
        );
        assert_eq!(second.instruments[0].symbol, "1INCH-USDT", "oldest first");
        assert_eq!(detail_symbols(&fresh, Some(&second), 3), ["1INCH-USDT"]);

        // An unreadable body changes nothing: the previous interval is kept.
        let mut third = fresh.clone();
        let broken = [("1INCH-USDT", RATE_LIMIT), ("ETH-USDT", "{")];
        details.apply(&mut third, Some(&second), &broken);
        assert_eq!(interval(&third, "1INCH-USDT"), Some(d("1")));
        assert_eq!(interval(&third, "ETH-USDT"), Some(d("8")));
        // A fresh listing interval always wins over the cache.
        let mut cached = second.clone();
        for i in &mut cached.instruments {
            i.funding_interval_hours = Some(d("8"));
        }
        let mut fourth = fresh.clone();
        details.apply(&mut fourth, Some(&cached), &[]);
        assert_eq!(interval(&fourth, "1000PEPE-USDT"), Some(d("4")));
    }

    #[test]
    fn without_a_server_clock_launch_and_delisting_times_are_not_judged() {
        // Without the optional premium index and with no envelope timestamp there is no server
        // clock: launch and delisting times cannot be judged, statuses still apply.
        let row = case(Venue::Bingx);
        let parts = [row.lists[1].parts[0], row.lists[0].parts[1]];
        let r = reference_from(Venue::Bingx, &parts);
        let perps: Vec<&str> = r
            .instruments
            .iter()
            .filter(|i| i.market == Market::Perp)
            .map(|i| i.symbol.as_str())
            .collect();
        assert!(perps.contains(&"NEW-USDT") && perps.contains(&"GONE-USDT"));
        assert!(!perps.contains(&"HALT-USDT") && !perps.contains(&"OFF-USDT"));
        assert!(
            r.instruments
                .iter()
                .all(|i| i.funding_interval_hours.is_none())
        );
    }
}
