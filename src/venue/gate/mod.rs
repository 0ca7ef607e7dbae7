//! Gate v4 adapter: endpoints, limits, the `main` host and the request plans of USDT futures + spot.
//!
//! Request plan (bulk calls only; nothing is per symbol):
//!
//! | plan | endpoint | docs |
//! |---|---|---|
//! | reference (hourly) | `futures/usdt/contracts?limit=1000&offset=N` (paged) | [`CONTRACTS_DOCS`] |
//! | | `spot/currency_pairs` | [`CURRENCY_PAIRS_DOCS`] |
//! | | `unified/currency_discount_tiers` (optional: collateral haircuts) | [`DISCOUNT_TIERS_DOCS`] |
//! | scan and poll (3 requests, +1 per extra contracts page) | `futures/usdt/contracts` again (paged) | [`CONTRACTS_DOCS`] |
//! | | `futures/usdt/tickers` | [`TICKERS_DOCS`] |
//! | | `spot/tickers` | [`SPOT_TICKERS_DOCS`] |
//! | funding history (per perp) | `futures/usdt/funding_rate?contract=…&limit=…&to=…` | [`FUNDING_RATE_DOCS`] |
//! | candles (per market) | `futures/usdt/candlesticks`, `spot/candlesticks` (`1d` / `1h`, `from`/`to` seconds) | [`CANDLESTICKS_DOCS`], [`SPOT_CANDLESTICKS_DOCS`] |
//!
//! Gate's funding interval (`funding_interval`, seconds) and next settlement
//! (`funding_next_apply`, seconds) are only in the contract list, and both change (the
//! interval is shortened at runtime when rates hit their cap; the next time moves every
//! settlement). So the contract list is fetched twice: hourly as reference data (which
//! contracts are trading linear perpetuals, their `quanto_multiplier`) and on every poll as the
//! funding source (rate, interval, next time, mark, index). The tickers add bid/ask, 24 h
//! high/low, volumes and open interest. A full poll needs nothing more, so `full` changes
//! nothing. With `limit=1000` today's ~600 USDT contracts fit one page: three requests a scan.
//!
//! The reference also carries the unified account's collateral discount tiers: each currency's
//! first-tier `discount` is its haircut `k`. The request is optional: if it fails, the
//! reference goes on with an empty table.
//!
//! Gate limits public endpoints to 200 requests / 10 s per endpoint and IP; the host limiter is
//! one bucket of 200 per 10 s (half of it used), each call weighing 1.

mod parse;
pub(crate) mod tiers;
mod wire;

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{
    Bar, Body, BodySignal, Candle, CandleWindow, Endpoint, HistoryPoint, HostSpec, ParseError,
    Request, VenueAdapter,
};
use crate::model::{Market, Reference, Snapshot, Venue};

/// Host key of Gate's only host.
pub const HOST: &str = "main";

/// The one Gate host: `BASIS_GATE_URL`, default `https://api.gateio.ws` (paths start with
/// `/api/v4`), 200 requests / 10 s per endpoint and IP on public endpoints (since 2024-01-22).
/// Docs: <https://www.gate.io/docs/developers/apiv4/en/#frequency-limit-rule>
pub const HOSTS: [HostSpec; 1] = [HostSpec {
    key: HOST,
    env: "BASIS_GATE_URL",
    default_url: "https://api.gateio.ws",
    limit_weight: 200,
    limit_period: Duration::from_secs(10),
    budget_pct: 50,
    per_endpoint: false,
}];

/// Weight of every call: Gate counts requests per endpoint.
pub const WEIGHT: u32 = 1;

/// The USDT-settled contract list fetched as reference data (`limit` default 100, max 1000;
/// `offset`).
pub const CONTRACTS: Endpoint = Endpoint {
    name: "contracts",
    host: HOST,
    path: "/api/v4/futures/usdt/contracts",
    weight: WEIGHT,
    docs: "https://www.gate.io/docs/developers/apiv4/en/#list-all-futures-contracts",
};

/// The contract list fetched on every poll (funding source).
pub const CONTRACTS_LIVE: Endpoint = Endpoint {
    name: "contracts-live",
    ..CONTRACTS
};

/// The USDT-settled futures tickers (no `contract`: every contract).
pub const TICKERS: Endpoint = Endpoint {
    name: "tickers",
    host: HOST,
    path: "/api/v4/futures/usdt/tickers",
    weight: WEIGHT,
    docs: "https://www.gate.io/docs/developers/apiv4/en/#list-futures-tickers",
};

/// The spot pair list.
pub const CURRENCY_PAIRS: Endpoint = Endpoint {
    name: "currency-pairs",
    host: HOST,
    path: "/api/v4/spot/currency_pairs",
    weight: WEIGHT,
    docs: "https://www.gate.io/docs/developers/apiv4/en/#list-all-currency-pairs-supported",
};

/// The spot tickers (no `currency_pair`: every pair).
pub const SPOT_TICKERS: Endpoint = Endpoint {
    name: "spot-tickers",
    host: HOST,
    path: "/api/v4/spot/tickers",
    weight: WEIGHT,
    docs: "https://www.gate.io/docs/developers/apiv4/en/#retrieve-ticker-information",
};

/// The unified account's collateral discount tiers (public, no parameters: every currency;
/// tiers of `discount` between `lower_limit` and `upper_limit`; 200 requests / 10 s, weight
/// [`WEIGHT`]).
pub const DISCOUNT_TIERS: Endpoint = Endpoint {
    name: "currency-discount-tiers",
    host: HOST,
    path: "/api/v4/unified/currency_discount_tiers",
    weight: WEIGHT,
    docs: "https://www.gate.io/docs/developers/apiv4/en/#list-currency-discount-tiers",
};

/// One contract's settled funding history: `contract`, `limit` (default 100, at most 1000),
/// `from`/`to` (seconds); with `to` and no `from`, the `limit` settlements up to `to`. Gate
/// documents no order (the demo answers newest first).
pub const FUNDING_RATE: Endpoint = Endpoint {
    name: "funding-rate",
    host: HOST,
    path: "/api/v4/futures/usdt/funding_rate",
    weight: WEIGHT,
    docs: "https://www.gate.io/docs/developers/apiv4/en/#funding-rate-history",
};

/// Most settlements per funding-history request.
pub const FUNDING_HISTORY_LIMIT: usize = 1000;
/// Gate's shortest funding interval (`funding_interval` 3600 s): a window of `h` whole hours
/// holds at most `h + 1` settlements.
const MIN_FUNDING_INTERVAL_MS: i64 = 3_600_000;

/// One contract's (last-trade) candlesticks: `contract` (`mark_…`/`index_…` for mark and index),
/// `interval`, `from`/`to` (seconds; `limit` conflicts with them), at most
/// [`FUTURES_CANDLE_POINTS`] points; object rows, oldest first, the running bar last.
pub const CANDLESTICKS: Endpoint = Endpoint {
    name: "candlesticks",
    host: HOST,
    path: "/api/v4/futures/usdt/candlesticks",
    weight: WEIGHT,
    docs: "https://www.gate.io/docs/developers/apiv4/en/#get-futures-candlesticks",
};

/// One spot pair's candlesticks: `currency_pair`, `interval`, `from`/`to` (seconds), at most
/// [`SPOT_CANDLE_POINTS`] points; string-array rows, oldest first, the running one flagged
/// `"false"`.
pub const SPOT_CANDLESTICKS: Endpoint = Endpoint {
    name: "spot-candlesticks",
    host: HOST,
    path: "/api/v4/spot/candlesticks",
    weight: WEIGHT,
    docs: "https://www.gate.io/docs/developers/apiv4/en/#market-candlesticks",
};
/// Most points per futures candlestick request.
pub const FUTURES_CANDLE_POINTS: i64 = 2000;
/// Most points per spot candlestick request.
pub const SPOT_CANDLE_POINTS: i64 = 1000;

/// The `interval` of `bar` (both markets; daily bars are UTC, futures' `timezone` defaults to
/// `utc0`).
#[must_use]
pub const fn interval(bar: Bar) -> &'static str {
    match bar {
        Bar::Hour => "1h",
        Bar::Day => "1d",
    }
}

/// Page size of the contract list: the documented maximum.
pub const PAGE_LIMIT: usize = 1000;

/// Error label of a rate-limited request (sent with HTTP 429).
pub const RATE_LIMIT_LABEL: &str = "TOO_MANY_REQUESTS";

/// The Gate adapter (v4 USDT-settled perpetuals + spot).
#[derive(Debug, Clone, Copy)]
pub struct Gate;

fn contracts(endpoint: Endpoint) -> Request {
    endpoint
        .request()
        .query("limit", PAGE_LIMIT.to_string())
        .query("offset", "0")
}

impl VenueAdapter for Gate {
    fn venue(&self) -> Venue {
        Venue::Gate
    }

    fn hosts(&self) -> &'static [HostSpec] {
        &HOSTS
    }

    /// The contract list (paged), the spot pair list and (optional) the collateral discount
    /// tiers.
    fn reference_requests(&self) -> Vec<Request> {
        vec![
            contracts(CONTRACTS),
            CURRENCY_PAIRS.request(),
            DISCOUNT_TIERS.request().optional(),
        ]
    }

    /// Follows the contract list with `offset += limit` while a page comes back full (Gate
    /// documents no cursor or total). Other endpoints are not paged.
    fn next_page(&self, request: &Request, body: &[u8]) -> Result<Option<Request>, ParseError> {
        if request.endpoint != CONTRACTS && request.endpoint != CONTRACTS_LIVE {
            return Ok(None);
        }
        let rows = parse::row_count(request.endpoint, body)?;
        let param = |key: &str| {
            request
                .query
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let limit = param("limit").unwrap_or(PAGE_LIMIT);
        if limit == 0 || rows < limit {
            return Ok(None);
        }
        let offset = param("offset").unwrap_or(0).saturating_add(limit);
        let mut next = request.clone();
        next.query.retain(|(k, _)| *k != "offset");
        next.query.push(("offset", offset.to_string()));
        Ok(Some(next))
    }

    fn parse_reference(&self, bodies: &[Body<'_>]) -> Result<Reference, ParseError> {
        parse::reference(bodies)
    }

    /// The live contract list (paged), the futures tickers and the spot tickers, whether `full`
    /// or not: the tickers already carry mark, index and open interest.
    fn snapshot_requests(&self, _full: bool) -> Vec<Request> {
        vec![
            contracts(CONTRACTS_LIVE),
            TICKERS.request(),
            SPOT_TICKERS.request(),
        ]
    }

    fn parse_snapshot(
        &self,
        bodies: &[Body<'_>],
        reference: &Reference,
        received_at: DateTime<Utc>,
    ) -> Result<Snapshot, ParseError> {
        parse::snapshot(bodies, reference, received_at)
    }

    /// HTTP 429, or the label `TOO_MANY_REQUESTS`, is a rate limit; another `label` is an API
    /// error. Success bodies (bare arrays) and non-JSON bodies say nothing.
    fn check_body(&self, status: u16, body: &[u8]) -> BodySignal {
        parse::body_signal(status, body)
    }

    /// Pages backwards with `to` (seconds) and no `from`, the documented "`limit` records up to
    /// `to`": the first page ends at `end_ms`, each next one a second before the oldest
    /// settlement received. `limit` is one more than the window can hold at Gate's shortest
    /// interval (1 h), at most [`FUNDING_HISTORY_LIMIT`], so a page covering the window is short
    /// or reaches past its start. Stops after an empty or short page or one reaching `start_ms`.
    fn funding_history_request(
        &self,
        symbol: &str,
        start_ms: i64,
        end_ms: i64,
        previous: Option<&[HistoryPoint]>,
        _page: u32,
    ) -> Option<Request> {
        if end_ms < start_ms {
            return None;
        }
        let limit = usize::try_from((end_ms - start_ms) / MIN_FUNDING_INTERVAL_MS + 2)
            .unwrap_or(FUNDING_HISTORY_LIMIT)
            .min(FUNDING_HISTORY_LIMIT);
        let end_s = end_ms.div_euclid(1000);
        let to = match previous {
            None => end_s,
            Some(rows) => {
                if rows.len() < limit {
                    return None;
                }
                let oldest = rows.iter().map(|p| p.time_ms).min()?;
                if oldest <= start_ms {
                    return None;
                }
                (oldest - 1).div_euclid(1000).min(end_s)
            }
        };
        Some(
            FUNDING_RATE
                .request()
                .query("contract", symbol)
                .query("limit", limit.to_string())
                .query("to", to.to_string()),
        )
    }

    fn parse_funding_history(&self, body: &[u8]) -> Result<Vec<HistoryPoint>, ParseError> {
        parse::funding_history(body)
    }

    /// Slices the window into ranges of at most [`FUTURES_CANDLE_POINTS`] (futures) or
    /// [`SPOT_CANDLE_POINTS`] (spot) bars, newest first: page `page` covers the bars from
    /// `page × points` to `(page + 1) × points − 1` bars before the latest one (a range, since
    /// `limit` conflicts with `from`/`to`). Stops after an empty page, one whose oldest bar is
    /// later than its range's start (the market's history begins there), or when the window's
    /// start is reached.
    fn candle_request(
        &self,
        window: &CandleWindow<'_>,
        previous: Option<&[Candle]>,
        page: u32,
    ) -> Option<Request> {
        if window.end_ms < window.start_ms {
            return None;
        }
        let bar = window.bar.millis();
        let points = match window.market {
            Market::Perp => FUTURES_CANDLE_POINTS,
            Market::Spot => SPOT_CANDLE_POINTS,
        };
        let first = window.start_ms.div_euclid(bar) * bar
            + if window.start_ms.rem_euclid(bar) == 0 {
                0
            } else {
                bar
            };
        let last = window.end_ms.div_euclid(bar) * bar;
        let k = i64::from(page);
        let k = if previous.is_some() { k.max(1) } else { k };
        if let Some(rows) = previous {
            let previous_start = first.max(last - (k * points - 1) * bar);
            let oldest = rows.iter().map(|c| c.open_ms).min()?;
            if oldest > previous_start {
                return None;
            }
        }
        let hi = last - k * points * bar;
        if hi < first {
            return None;
        }
        let lo = first.max(hi - (points - 1) * bar);
        let to = if k == 0 { window.end_ms } else { hi };
        let request = match window.market {
            Market::Perp => CANDLESTICKS.request().query("contract", window.symbol),
            Market::Spot => SPOT_CANDLESTICKS
                .request()
                .query("currency_pair", window.symbol),
        };
        Some(
            request
                .query("interval", interval(window.bar))
                .query("from", lo.div_euclid(1000).to_string())
                .query("to", to.div_euclid(1000).to_string()),
        )
    }

    fn parse_candles(
        &self,
        market: Market,
        _bar: Bar,
        body: &[u8],
    ) -> Result<Vec<Candle>, ParseError> {
        parse::candles(market, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::venue::testkit::{bars, days_back, points, query};

    #[test]
    fn plans_fit_the_budget_and_paths_follow_the_origin() {
        let scan = Gate.snapshot_requests(false);
        assert_eq!(scan, Gate.snapshot_requests(true));
        let names: Vec<&str> = scan.iter().map(|r| r.endpoint).collect();
        assert_eq!(
            names,
            [CONTRACTS_LIVE.name, TICKERS.name, SPOT_TICKERS.name]
        );
        assert_eq!(query(&scan[0]), [("limit", "1000"), ("offset", "0")]);
        assert!(scan[1].query.is_empty() && scan[2].query.is_empty());
        let refs = Gate.reference_requests();
        let names: Vec<&str> = refs.iter().map(|r| r.endpoint).collect();
        assert_eq!(
            names,
            [CONTRACTS.name, CURRENCY_PAIRS.name, DISCOUNT_TIERS.name]
        );
        for r in refs[..2].iter().chain(&scan) {
            assert!(r.path.starts_with("/api/v4/"), "{r:?}");
            assert_eq!((r.host, r.weight, r.optional), (HOST, 1, false));
        }
        // The haircut table: every currency, optional, never paged.
        let tiers = &refs[2];
        assert_eq!(
            (
                tiers.host,
                tiers.path.as_str(),
                tiers.weight,
                tiers.optional
            ),
            (HOST, "/api/v4/unified/currency_discount_tiers", 1, true)
        );
        assert!(query(tiers).is_empty(), "no currency: every currency");
        assert_eq!(Gate.next_page(tiers, &page(PAGE_LIMIT)), Ok(None));
        assert_eq!(Gate.hosts()[0].env, "BASIS_GATE_URL");
        assert_eq!(Gate.hosts()[0].default_url, "https://api.gateio.ws");
    }

    fn page(n: usize) -> Vec<u8> {
        let rows: Vec<String> = (0..n)
            .map(|i| format!("{{\"name\":\"C{i}_USDT\"}}"))
            .collect();
        format!("[{}]", rows.join(",")).into_bytes()
    }

    #[test]
    fn next_page_advances_the_offset_while_pages_are_full() {
        let first = Gate.snapshot_requests(false).remove(0);
        let second = Gate
            .next_page(&first, &page(PAGE_LIMIT))
            .expect("ok")
            .expect("a full page has a successor");
        assert_eq!(query(&second), [("limit", "1000"), ("offset", "1000")]);
        let third = Gate
            .next_page(&second, &page(PAGE_LIMIT))
            .expect("ok")
            .expect("next");
        assert_eq!(query(&third), [("limit", "1000"), ("offset", "2000")]);
        assert_eq!(third.endpoint, CONTRACTS_LIVE.name);
        assert_eq!(Gate.next_page(&third, &page(999)).expect("ok"), None);
        assert_eq!(Gate.next_page(&first, b"[]").expect("ok"), None);
        // The reference list pages the same way; other endpoints never page.
        let reference = Gate.reference_requests().remove(0);
        assert!(
            Gate.next_page(&reference, &page(PAGE_LIMIT))
                .expect("ok")
                .is_some()
        );
        let tickers = Gate.snapshot_requests(false).remove(1);
        assert_eq!(
            Gate.next_page(&tickers, &page(PAGE_LIMIT)).expect("ok"),
            None
        );
        // A body that is not an array is an error naming the endpoint.
        let err = Gate
            .next_page(&first, br#"{"label":"X","message":"y"}"#)
            .expect_err("not a page");
        assert_eq!(err.endpoint, CONTRACTS_LIVE.name);
        let err = Gate
            .next_page(&first, b"[{\"name\":")
            .expect_err("truncated");
        assert!(err.detail.contains("malformed JSON"), "{err}");
    }

    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 86_400_000;
    const NOW: i64 = 1_760_000_000_123;

    #[test]
    fn history_requests_page_backwards_with_to_and_stop() {
        let (start, end) = (NOW - 30 * DAY, NOW);
        let first = Gate
            .funding_history_request("BTC_USDT", start, end, None, 0)
            .expect("first page");
        assert_eq!(
            (
                first.endpoint,
                first.host,
                first.path.as_str(),
                first.weight
            ),
            (
                "funding-rate",
                "main",
                "/api/v4/futures/usdt/funding_rate",
                1
            )
        );
        let to_s = (NOW / 1000).to_string();
        assert_eq!(
            query(&first),
            [
                ("contract", "BTC_USDT"),
                ("limit", "722"),
                ("to", to_s.as_str())
            ],
            "30 days hold at most 721 hourly settlements: one more"
        );
        let long_start = NOW - 120 * DAY;
        let p1 = Gate
            .funding_history_request("BTC_USDT", long_start, end, None, 0)
            .expect("page 1");
        assert_eq!(query(&p1)[1], ("limit", "1000"));
        let oldest = NOW / HOUR * HOUR - 999 * HOUR;
        let mut full = points((0..1000).map(|k| oldest + k * HOUR));
        full.rotate_left(333);
        let p2 = Gate
            .funding_history_request("BTC_USDT", long_start, end, Some(&full), 1)
            .expect("page 2");
        let before = (oldest / 1000 - 1).to_string();
        assert_eq!(
            query(&p2),
            [
                ("contract", "BTC_USDT"),
                ("limit", "1000"),
                ("to", before.as_str())
            ]
        );
        let short = points((1..1000).map(|k| oldest + k * HOUR));
        let reaching = points((0..1000).map(|k| long_start + k * HOUR));
        for previous in [&short[..], &[], &reaching[..]] {
            assert_eq!(
                Gate.funding_history_request("BTC_USDT", long_start, end, Some(previous), 1),
                None
            );
        }
    }

    fn window(market: Market, symbol: &str, bar: Bar, days: i64) -> CandleWindow<'_> {
        days_back(market, symbol, bar, days, NOW)
    }

    #[test]
    fn candle_requests_send_second_ranges_sliced_by_page() {
        let daily = window(Market::Perp, "BTC_USDT", Bar::Day, 45);
        let first = Gate.candle_request(&daily, None, 0).expect("first page");
        assert_eq!(
            (first.endpoint, first.path.as_str(), first.weight),
            ("candlesticks", "/api/v4/futures/usdt/candlesticks", 1)
        );
        let (from, to) = (
            (daily.start_ms / 1000).to_string(),
            (NOW / 1000).to_string(),
        );
        assert_eq!(
            query(&first),
            [
                ("contract", "BTC_USDT"),
                ("interval", "1d"),
                ("from", from.as_str()),
                ("to", to.as_str()),
            ]
        );
        // A window that ends in the past (and thus fits) asks no more.
        assert_eq!(
            Gate.candle_request(&daily, Some(&bars([daily.start_ms])), 1),
            None
        );
        let hourly = window(Market::Spot, "ETH_USDT", Bar::Hour, 7);
        let spot = Gate.candle_request(&hourly, None, 0).expect("spot page");
        assert_eq!(
            (spot.endpoint, spot.path.as_str()),
            ("spot-candlesticks", "/api/v4/spot/candlesticks")
        );
        let from = (hourly.start_ms / 1000).to_string();
        assert_eq!(
            query(&spot),
            [
                ("currency_pair", "ETH_USDT"),
                ("interval", "1h"),
                ("from", from.as_str()),
                ("to", to.as_str()),
            ]
        );
        // 60 days of hourly spot bars: 1000-bar slices, newest first.
        let long = window(Market::Spot, "ETH_USDT", Bar::Hour, 60);
        let last = NOW / HOUR * HOUR;
        let p1 = Gate.candle_request(&long, None, 0).expect("page 1");
        let lo = last - 999 * HOUR;
        assert_eq!(query(&p1)[2], ("from", (lo / 1000).to_string().as_str()));
        let got = bars((0..999).map(|k| lo + k * HOUR)); // the running bar was dropped
        let p2 = Gate.candle_request(&long, Some(&got), 1).expect("page 2");
        assert_eq!(
            query(&p2)[2..],
            [
                ("from", (long.start_ms / 1000).to_string().as_str()),
                ("to", ((lo - HOUR) / 1000).to_string().as_str()),
            ]
        );
        // The market's history starting inside the slice, an empty page, the start reached.
        let late = bars((1..999).map(|k| lo + k * HOUR));
        assert_eq!(Gate.candle_request(&long, Some(&late), 1), None);
        let reached = bars((0..441).map(|k| long.start_ms + k * HOUR));
        assert_eq!(Gate.candle_request(&long, Some(&reached), 2), None);
        // Futures slices hold 2000 bars: the same window is one request.
        let perp = window(Market::Perp, "ETH_USDT", Bar::Hour, 60);
        let one = Gate.candle_request(&perp, None, 0).expect("one page");
        assert_eq!(
            query(&one)[2],
            ("from", (perp.start_ms / 1000).to_string().as_str())
        );
        let inverted = CandleWindow {
            start_ms: NOW + DAY,
            ..perp
        };
        assert_eq!(Gate.candle_request(&inverted, None, 0), None);
    }
}
