//! The request table: every venue's hosts, request plans and history paging as one row each, checked by one test (tests).
//!
//! A row pins, as digest lines ([`host_line`], [`request_line`]), every host and every request
//! of the reference, scan and poll plans, and a list of [`Ask`]s: a funding-history or candle
//! window (and the page before, if any) with the request the adapter must answer, or none when
//! paging is done. Each ask is also put with its page in reverse order, so no adapter may depend
//! on the order a venue returns rows in. [`row`] is an exhaustive `match`, so a venue added to
//! the enum without its row does not compile.

mod rows;

use std::time::Duration;

use crate::model::{Market, Venue};
use crate::venue::testkit::{bars, points};
use crate::venue::{
    Bar, CandleWindow, HostSpec, Method, Request, VenueAdapter, adapter, http::host_quota,
};

pub(crate) use rows::row;

/// Milliseconds per hour.
pub(crate) const H: i64 = 3_600_000;
/// Milliseconds per day.
pub(crate) const DAY: i64 = 86_400_000;

/// One venue's row.
pub(crate) struct Row {
    /// The hosts as [`host_line`]s.
    pub(crate) hosts: &'static [&'static str],
    /// What the adapter says of bans and history, as [`facts`].
    pub(crate) facts: &'static str,
    /// The reference plan as [`request_line`]s.
    pub(crate) reference: &'static [&'static str],
    /// The scan plan (`full` false).
    pub(crate) scan: &'static [&'static str],
    /// What `basis poll` (`full` true) asks beyond the scan, after it.
    pub(crate) poll: &'static [&'static str],
    /// History and candle requests.
    pub(crate) asks: fn() -> Vec<Ask>,
}

/// What the adapter is asked for: a window of settled funding or of candles, after a page.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    /// `None`: funding history; else the market and bar of candles.
    candles: Option<(Market, Bar)>,
    /// Perp symbol or market.
    symbol: &'static str,
    /// Window start, ms.
    start: i64,
    /// Window end, ms.
    end: i64,
    /// The times of the rows of the page before (`None`: the first page) and the pages fetched.
    after: Option<(Vec<i64>, u32)>,
}

/// One check: a call and the request line it must give (`None`: no request).
#[derive(Debug)]
pub(crate) struct Ask {
    /// The call.
    call: Call,
    /// The request as a [`request_line`], or `None`.
    want: Option<String>,
}

/// A funding-history window of perp `symbol`.
pub(crate) fn history(symbol: &'static str, start: i64, end: i64) -> Call {
    Call {
        candles: None,
        symbol,
        start,
        end,
        after: None,
    }
}

/// A candle window.
pub(crate) fn candles(
    market: Market,
    symbol: &'static str,
    bar: Bar,
    start: i64,
    end: i64,
) -> Call {
    Call {
        candles: Some((market, bar)),
        ..history(symbol, start, end)
    }
}

/// `count` times from `first`, `step` apart (`step` negative: backwards).
pub(crate) fn span(first: i64, count: i64, step: i64) -> Vec<i64> {
    (0..count).map(|k| first + k * step).collect()
}

impl Call {
    /// The same window after a page of rows at `times`, `page` pages fetched.
    pub(crate) fn after(self, times: Vec<i64>, page: u32) -> Call {
        Call {
            after: Some((times, page)),
            ..self
        }
    }

    /// The same window with another start.
    pub(crate) fn from(self, start: i64) -> Call {
        Call { start, ..self }
    }

    /// The request it must give, as a [`request_line`].
    pub(crate) fn asks(self, line: impl Into<String>) -> Ask {
        Ask {
            call: self,
            want: Some(line.into()),
        }
    }

    /// It must give no request.
    pub(crate) fn done(self) -> Ask {
        Ask {
            call: self,
            want: None,
        }
    }

    /// What `a` answers, with the page's rows in the given order or reversed.
    fn run(&self, a: &dyn VenueAdapter, reversed: bool) -> Option<Request> {
        let (times, page) = match &self.after {
            None => (None, 0),
            Some((times, page)) => {
                let mut times = times.clone();
                if reversed {
                    times.reverse();
                }
                (Some(times), *page)
            }
        };
        match self.candles {
            None => {
                let previous = times.map(points);
                let (symbol, start, end) = (self.symbol, self.start, self.end);
                a.funding_history_request(symbol, start, end, previous.as_deref(), page)
            }
            Some((market, bar)) => {
                let w = CandleWindow {
                    market,
                    symbol: self.symbol,
                    bar,
                    start_ms: self.start,
                    end_ms: self.end,
                };
                a.candle_request(&w, times.map(bars).as_deref(), page)
            }
        }
    }
}

/// `endpoint: METHOD host /path?k=v&… wWEIGHT`, then ` body …` for a POST, ` optional` and
/// ` stamped PARAM` where they apply.
pub(crate) fn request_line(r: &Request) -> String {
    let query: Vec<String> = r.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    let (method, body) = match &r.method {
        Method::Get => ("GET", String::new()),
        Method::Post(body) => ("POST", format!(" body {body}")),
    };
    let mut line = format!(
        "{}: {method} {} {}{query} w{}{body}",
        r.endpoint, r.host, r.path, r.weight
    );
    if r.optional {
        line.push_str(" optional");
    }
    if let Some(param) = r.timestamp_param {
        line.push_str(&format!(" stamped {param}"));
    }
    line
}

/// `key ENV https://origin WEIGHT/PERIOD at PCT%`, then ` per endpoint` where it applies.
pub(crate) fn host_line(h: &HostSpec) -> String {
    let per = if h.per_endpoint { " per endpoint" } else { "" };
    format!(
        "{} {} {} {}/{:?} at {}%{per}",
        h.key, h.env, h.default_url, h.limit_weight, h.limit_period, h.budget_pct
    )
}

/// `ban 600s, longest 259200s, history 90 days|all, Retry-After in s|ms`.
fn facts(a: &dyn VenueAdapter) -> String {
    let days = a
        .history_days_limit()
        .map_or_else(|| "all".to_owned(), |d| format!("{d} days"));
    let unit = if a.retry_after_in_millis() { "ms" } else { "s" };
    format!(
        "ban {:?}, longest {:?}, history {days}, Retry-After in {unit}",
        a.default_ban(),
        a.longest_ban()
    )
}

fn lines(plan: &[Request]) -> Vec<String> {
    plan.iter().map(request_line).collect()
}

fn compare(wrong: &mut Vec<String>, what: String, got: &[String], want: &[&str]) {
    if got != want {
        wrong.push(format!("{what}:\n  got  {got:#?}\n  want {want:#?}"));
    }
}

/// Every venue's hosts, plans and paging requests are those of its row.
#[test]
fn every_venue_asks_the_requests_of_its_row() {
    let mut wrong = Vec::new();
    for venue in Venue::ALL {
        let (a, row) = (adapter(venue), row(venue));
        let hosts: Vec<String> = a.hosts().iter().map(host_line).collect();
        compare(&mut wrong, format!("{venue} hosts"), &hosts, row.hosts);
        compare(
            &mut wrong,
            format!("{venue} facts"),
            &[facts(a)],
            &[row.facts],
        );
        let reference = lines(&a.reference_requests());
        compare(
            &mut wrong,
            format!("{venue} reference"),
            &reference,
            row.reference,
        );
        let scan = lines(&a.snapshot_requests(false));
        compare(&mut wrong, format!("{venue} scan"), &scan, row.scan);
        let poll = lines(&a.snapshot_requests(true));
        let want: Vec<&str> = row.scan.iter().chain(row.poll).copied().collect();
        compare(&mut wrong, format!("{venue} poll"), &poll, &want);
        for ask in (row.asks)() {
            for reversed in [false, true] {
                let got = ask.call.run(a, reversed).map(|r| request_line(&r));
                if got != ask.want {
                    wrong.push(format!(
                        "{venue} {:?} (reversed: {reversed}):\n  got  {got:?}\n  want {:?}",
                        ask.call, ask.want
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Budgets that hold by construction of a row's numbers: one OKX discount-rate call is the
/// whole of basis's share of the host bucket, BingX sends one request every 2 s per endpoint,
/// MEXC's contract list takes the futures burst and the spot burst holds a scan, Deribit's
/// budget is 10 requests a second.
#[test]
fn heavy_calls_fit_their_host_budgets() {
    let okx = adapter(Venue::Okx).hosts()[0];
    assert_eq!(okx.limit_weight * okx.budget_pct / 100, 10);
    let bingx = host_quota(&adapter(Venue::Bingx).hosts()[0]);
    assert_eq!(bingx.replenish_interval(), Duration::from_secs(2));
    let mexc = adapter(Venue::Mexc).hosts();
    assert_eq!(host_quota(&mexc[1]).burst_size().get(), 10);
    assert!(host_quota(&mexc[0]).burst_size().get() >= 40 + 10);
    let deribit = adapter(Venue::Deribit).hosts()[0];
    assert_eq!(deribit.limit_weight * deribit.budget_pct / 100 / 500, 10);
}

/// The per-symbol detail requests of the venues that have them (funding intervals).
#[test]
fn detail_requests_ask_for_one_symbol() {
    assert_eq!(
        request_line(&crate::venue::bingx::funding_history_request("BTC-USDT")),
        "fundingRate: GET main /openApi/swap/v2/quote/fundingRate?symbol=BTC-USDT&limit=3 w1 stamped timestamp"
    );
    assert_eq!(
        request_line(&crate::venue::mexc::funding_rate_request("1000PEPE_USDT")),
        "funding-rate: GET futures /api/v1/contract/funding_rate/1000PEPE_USDT w1"
    );
}

/// The half-spread Hyperliquid and dYdX assume where they have no book is 5 bp.
#[test]
fn assumed_half_spreads_are_5_bp() {
    for spread in [
        crate::venue::hyperliquid::ASSUMED_HALF_SPREAD,
        crate::venue::dydx::ASSUMED_HALF_SPREAD,
    ] {
        assert_eq!(spread.to_string(), "0.0005");
    }
}
