//! Paging through the simulator, one table row per `Venue::ALL` member: every bar and every settlement of a window exactly once (tests).
//!
//! Each row names the venue's responder, its symbols for a synthetic market, how it quotes perp
//! candles, and windows with the requests the caller's paging loop must take for them (the
//! venue's documented page sizes). [`paging`] is an exhaustive `match`, so a venue added to the
//! enum without a simulator renderer does not compile.

use super::{by_time, candle_pages, funding_pages, synth_candles};
use crate::demo::{DAY_MS, HISTORY_DAYS, HOUR_MS, SynthMarket, Universe, responder};
use crate::model::{Market, Venue};
use crate::venue::{Bar, CandleWindow, adapter};

/// Which synthetic market a window is about.
#[derive(Clone, Copy, Debug)]
enum Pick {
    /// The first market (BTC: a perp and a spot pair).
    First,
    /// A multiplied perp (1000PEPE).
    Multiplied,
    /// A USDC-quoted perp.
    Usdc,
}

/// A candle window: `(market, bar, bars before the current one, requests)`.
type Window = (Pick, Market, Bar, i64, usize);

/// A day's bars over 45 days and an hour's over a week, one request each: of the first market's
/// perp and spot pair, and hours of the multiplied perp.
const SHORT: &[Window] = &[
    (Pick::First, Market::Perp, Bar::Day, 45, 1),
    (Pick::First, Market::Spot, Bar::Day, 45, 1),
    (Pick::First, Market::Perp, Bar::Hour, 168, 1),
    (Pick::First, Market::Spot, Bar::Hour, 168, 1),
    (Pick::Multiplied, Market::Perp, Bar::Hour, 168, 1),
];

/// [`SHORT`] with the multiplied perp's days and hours in place of the first market's perp.
const SHORT_MULTIPLIED: &[Window] = &[
    (Pick::Multiplied, Market::Perp, Bar::Day, 45, 1),
    (Pick::Multiplied, Market::Perp, Bar::Hour, 168, 1),
    (Pick::First, Market::Spot, Bar::Day, 45, 1),
    (Pick::First, Market::Spot, Bar::Hour, 168, 1),
];

/// [`SHORT`] without spot pairs (perp-only venues).
const SHORT_PERPS: &[Window] = &[
    (Pick::First, Market::Perp, Bar::Day, 45, 1),
    (Pick::First, Market::Perp, Bar::Hour, 168, 1),
    (Pick::Multiplied, Market::Perp, Bar::Hour, 168, 1),
];

/// One venue's row.
struct Paging {
    /// The venue's perp symbol of a synthetic market.
    perp: fn(&SynthMarket) -> String,
    /// How the venue names its spot pairs.
    spot: SpotNames,
    /// Perp candles are per coin (else per contract unit, × the multiplier).
    per_coin: bool,
    /// The bar still running at the request time is served (OKX and Gate spot serve finished
    /// bars only).
    running: fn(Market) -> bool,
    /// Every row returned lies in the window asked for (the venue cuts pages to the window).
    cut_to_window: bool,
    /// The short candle windows: [`SHORT`] or, where the venue's checks were written that way,
    /// [`SHORT_MULTIPLIED`] or [`SHORT_PERPS`].
    short: &'static [Window],
    /// The venue's long candle windows (its page sizes).
    candles: &'static [Window],
    /// Settlements every hour, whatever the market's interval, each a share of the simulator's
    /// rate (hourly venues); otherwise at the market's interval at the simulator's rates,
    /// unchanged.
    hourly: bool,
    /// `(interval hours of the perp, days back, requests, leading pages left out)`: the pages
    /// after the left-out ones hold every settlement kept exactly once.
    funding: &'static [(u32, i64, usize, usize)],
}

fn spot_of(u: &Universe, n: usize) -> &SynthMarket {
    u.spots().nth(n).expect("a spot market")
}

/// How a venue names its spot pairs.
#[derive(Clone, Copy)]
enum SpotNames {
    /// It lists no spot.
    Unlisted,
    /// From the synthetic spot market alone.
    Of(fn(&SynthMarket) -> String),
    /// The `n`-th of the universe's spot names (names that depend on the whole listing).
    Listed(fn(&Universe, usize) -> String),
}

impl SpotNames {
    /// The venue's name of the `n`-th synthetic spot market; `None` when it lists no spot.
    fn nth(self, u: &Universe, n: usize) -> Option<String> {
        match self {
            SpotNames::Unlisted => None,
            SpotNames::Of(name) => Some(name(spot_of(u, n))),
            SpotNames::Listed(name) => Some(name(u, n)),
        }
    }
}

impl Paging {
    /// A row with what most venues do: perp candles per contract unit, the running bar served,
    /// pages not cut to the window, the [`SHORT`] windows, settlements at the market's interval;
    /// no long candle or funding windows.
    fn new(perp: fn(&SynthMarket) -> String, spot: SpotNames) -> Self {
        Self {
            perp,
            spot,
            per_coin: false,
            running: |_| true,
            cut_to_window: false,
            short: SHORT,
            candles: &[],
            hourly: false,
            funding: &[],
        }
    }
}

/// The row of `venue`.
fn paging(venue: Venue) -> Paging {
    use crate::demo::{
        bingx, bitget, bybit, deribit, dydx, gate, hyperliquid, joined_spot_symbol, kraken, mexc,
        okx, weex,
    };
    use Market::{Perp, Spot};
    use Pick::{First, Multiplied, Usdc};
    use SpotNames::{Listed, Of, Unlisted};
    match venue {
        Venue::Binance => Paging {
            // 120 days of hourly bars: 1500 + 1381 (perp), 3 × 1000 (spot).
            candles: &[
                (Multiplied, Perp, Bar::Day, 45, 1),
                (First, Perp, Bar::Hour, 2880, 2),
                (First, Spot, Bar::Hour, 2880, 3),
            ],
            // 120 days of a 1 h symbol: three pages of 1000.
            funding: &[(1, 30, 1, 0), (8, 30, 1, 0), (1, 200, 3, 0)],
            ..Paging::new(
                |m| format!("{}{}", m.perp_base(), m.quote),
                Of(joined_spot_symbol),
            )
        },
        Venue::Bybit => Paging {
            // 120 days of hourly bars: 1000 + 1000 + 881.
            candles: &[
                (Multiplied, Perp, Bar::Day, 45, 1),
                (First, Perp, Bar::Hour, 2880, 3),
                (First, Spot, Bar::Hour, 2880, 3),
            ],
            funding: &[(1, 30, 4, 0), (8, 30, 1, 0)],
            ..Paging::new(bybit::perp_symbol, Of(bybit::spot_symbol))
        },
        Venue::Okx => Paging {
            per_coin: true,
            running: |_| false,
            // 2880 finished hourly bars: 5 pages of `candles`, then 15 of `history-candles`.
            candles: &[
                (Multiplied, Perp, Bar::Day, 45, 1),
                (First, Perp, Bar::Hour, 2880, 20),
                (First, Spot, Bar::Hour, 2880, 20),
            ],
            // 720 hourly points: 7 full pages and a short one; 90 eight-hourly: one short page;
            // OKX keeps 90 days.
            funding: &[(1, 30, 8, 0), (8, 30, 1, 0), (8, 120, 3, 0)],
            ..Paging::new(okx::swap_id, Of(okx::spot_id))
        },
        Venue::Bitget => Paging {
            short: SHORT_MULTIPLIED,
            candles: &[
                (Usdc, Perp, Bar::Hour, 168, 1),
                (First, Spot, Bar::Hour, 1440, 2),
                (Multiplied, Perp, Bar::Day, 110, 2),
            ],
            // 720 hourly settlements: 7 full pages and one reaching the start; 90 8-hourly:
            // one page reaching the start.
            funding: &[(1, 30, 8, 0), (8, 30, 1, 0)],
            ..Paging::new(bitget::perp_symbol, Of(bitget::spot_symbol))
        },
        Venue::Gate => Paging {
            per_coin: true,
            running: |market| market == Market::Perp,
            cut_to_window: true,
            short: SHORT_MULTIPLIED,
            candles: &[
                (Multiplied, Perp, Bar::Hour, 2400, 2),
                (First, Spot, Bar::Hour, 1440, 2),
            ],
            // 30 days fit one page; 2400 hourly settlements take 1000 + 1000 + 400.
            funding: &[(1, 30, 1, 0), (8, 30, 1, 0), (1, 100, 3, 0)],
            ..Paging::new(gate::pair_name, Of(gate::pair_name))
        },
        Venue::Hyperliquid => Paging {
            cut_to_window: true,
            short: SHORT_MULTIPLIED,
            hourly: true,
            // A page of 500 and a short one of 220.
            funding: &[(8, 30, 2, 0)],
            ..Paging::new(
                |m| hyperliquid::perp_name(m).0,
                Listed(|u, n| {
                    let names = hyperliquid::spot_names(u);
                    names.map(|(name, _)| name).nth(n).expect("a spot pair")
                }),
            )
        },
        Venue::Bingx => Paging {
            // 100 days of hourly bars: two chunks of at most 1440.
            candles: &[(First, Spot, Bar::Hour, 2400, 2)],
            // 30 days of funding: one request. 200 days of an hourly contract (the simulator
            // keeps 120): the whole-window page is full, then 999-hour chunks until one comes
            // back empty, which hold each settlement once.
            funding: &[(1, 30, 1, 0), (8, 30, 1, 0), (1, 200, 5, 1), (8, 200, 1, 0)],
            ..Paging::new(bingx::perp_symbol, Of(bingx::spot_symbol))
        },
        Venue::Mexc => Paging {
            // 100 days of hourly bars: contract chunks of 2000, spot pages of 1000.
            candles: &[
                (First, Perp, Bar::Hour, 2400, 2),
                (First, Spot, Bar::Hour, 2400, 3),
            ],
            // 30 days: one page of 1000 holds even hourly settlements.
            funding: &[(1, 30, 1, 0), (8, 30, 1, 0), (1, 200, 3, 0)],
            ..Paging::new(mexc::perp_symbol, Of(mexc::spot_symbol))
        },
        Venue::Deribit => Paging {
            cut_to_window: true,
            // One page of 5000.
            candles: &[(First, Perp, Bar::Hour, 4800, 1)],
            hourly: true,
            // 720 hours in one request; the 120 days kept in pages of 744 (744 × 3 + 648).
            funding: &[(8, 30, 1, 0), (8, 200, 4, 0)],
            ..Paging::new(deribit::perp_name, Of(deribit::spot_name))
        },
        Venue::Dydx => Paging {
            per_coin: true,
            cut_to_window: true,
            short: SHORT_PERPS,
            // Pages of 1000.
            candles: &[(First, Perp, Bar::Hour, 2880, 3)],
            hourly: true,
            funding: &[(8, 30, 1, 0)],
            ..Paging::new(dydx::ticker, Unlisted)
        },
        Venue::Kraken => Paging {
            cut_to_window: true,
            short: SHORT_PERPS,
            // Pages of 2000.
            candles: &[(First, Perp, Bar::Hour, 2880, 2)],
            hourly: true,
            // The whole history in one request.
            funding: &[(8, 30, 1, 0), (8, 200, 1, 0)],
            ..Paging::new(kraken::symbol, Unlisted)
        },
        Venue::Weex => Paging {
            cut_to_window: true,
            // 100 days of hourly bars: contract chunks of 1000, spot chunks of 500.
            candles: &[
                (First, Perp, Bar::Hour, 2400, 3),
                (First, Spot, Bar::Hour, 2400, 5),
            ],
            // The newest 100 settlements in one request: 30 days of an 8 h contract.
            funding: &[(8, 30, 1, 0)],
            ..Paging::new(weex::perp_symbol, Of(weex::spot_symbol))
        },
    }
}

/// When the tests run: 17 minutes and 5 ms past an hour (a running bar, times off the grid).
const NOW: i64 = 1_760_000_000_000 + 17 * 60_000 + 5;

fn pick(u: &Universe, p: Pick) -> &SynthMarket {
    let found = match p {
        Pick::First => u.markets.first(),
        Pick::Multiplied => u
            .perps()
            .find(|m| m.multiplier == 1000 && m.quote != "USDC"),
        Pick::Usdc => u.perps().find(|m| m.quote == "USDC"),
    };
    found.unwrap_or_else(|| panic!("{}: no {p:?} market", u.venue))
}

/// Candle windows: every bar of the window exactly once, at the venue's quoting, in the
/// requests of the row; older than the simulator keeps, nothing in one request.
#[test]
fn every_venue_pages_every_bar_of_a_window_exactly_once() {
    let mut wrong = Vec::new();
    for venue in Venue::ALL {
        let (row, a) = (paging(venue), adapter(venue));
        let u = Universe::generate(venue, 60, 60, NOW);
        for &(p, market, bar, n, requests) in row.short.iter().chain(row.candles) {
            let m = pick(&u, p);
            let symbol = match market {
                Market::Perp => (row.perp)(m),
                Market::Spot => row
                    .spot
                    .nth(&u, 0)
                    .unwrap_or_else(|| panic!("{venue}: no spot")),
            };
            let m = if market == Market::Spot {
                spot_of(&u, 0)
            } else {
                m
            };
            let step = bar.millis();
            let w = CandleWindow {
                market,
                symbol: &symbol,
                bar,
                start_ms: NOW / step * step - n * step,
                end_ms: NOW,
            };
            let paged = candle_pages(a, responder(venue), &u, &w);
            let mut expected = synth_candles(m, &w, NOW);
            if market == Market::Perp && !row.per_coin {
                for c in &mut expected {
                    (c.high, c.low) = (m.contract_price(c.high), m.contract_price(c.low));
                    c.close = m.contract_price(c.close);
                }
            }
            if !(row.running)(market) {
                expected.retain(|c| c.open_ms + step <= NOW);
            }
            let got = by_time(paged.within(w.start_ms, w.end_ms));
            let what = format!("{venue} {symbol} {bar:?} × {n}");
            if got != expected {
                wrong.push(format!(
                    "{what}: {} bars, not {}",
                    got.len(),
                    expected.len()
                ));
            }
            if row.cut_to_window && paged.all().len() != got.len() {
                wrong.push(format!("{what}: rows outside the window"));
            }
            if paged.count() != requests {
                wrong.push(format!(
                    "{what}: {} requests, not {requests}",
                    paged.count()
                ));
            }
        }
        let m = &u.markets[0];
        let symbol = (row.perp)(m);
        let w = CandleWindow {
            market: Market::Perp,
            symbol: &symbol,
            bar: Bar::Day,
            start_ms: NOW / DAY_MS * DAY_MS - 400 * DAY_MS,
            end_ms: NOW - 200 * DAY_MS,
        };
        let paged = candle_pages(a, responder(venue), &u, &w);
        let stale = (paged.within(w.start_ms, w.end_ms).len(), paged.count());
        if stale != (0, 1) {
            wrong.push(format!("{venue}: stale window gave {stale:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The settlement times on the `step_ms` grid within `[from, to]`.
fn grid(from: i64, to: i64, step_ms: i64) -> Vec<i64> {
    let first = (from + step_ms - 1).div_euclid(step_ms) * step_ms;
    let step = usize::try_from(step_ms).expect("a positive step");
    (first..=to).step_by(step).collect()
}

/// Funding windows, ending now and starting on a settlement: every settlement the simulator
/// keeps (120 days, or the venue's limit) exactly once, on the grid of the market's interval
/// (of an hour for hourly venues), at the simulator's rates where the venue passes them on.
#[test]
fn every_venue_pages_every_settlement_of_a_window_exactly_once() {
    let mut wrong = Vec::new();
    for venue in Venue::ALL {
        let (row, a) = (paging(venue), adapter(venue));
        let u = Universe::generate(venue, 60, 0, NOW);
        let keep = a
            .history_days_limit()
            .map_or(HISTORY_DAYS, |d| HISTORY_DAYS.min(i64::from(d)));
        for &(hours, days, requests, skip) in row.funding {
            let m = u
                .perps()
                .find(|m| m.interval_hours == hours && m.quote != "USDC");
            let m = m.unwrap_or_else(|| panic!("{venue}: no {hours} h perp"));
            let symbol = (row.perp)(m);
            let step_ms = if row.hourly { 1 } else { i64::from(hours) } * HOUR_MS;
            let settled = grid(NOW - (days + 1) * DAY_MS, NOW, step_ms)[0];
            for (n, start) in [NOW - days * DAY_MS + 1, settled].into_iter().enumerate() {
                let end = (start + days * DAY_MS - 1).min(NOW);
                let paged = funding_pages(a, responder(venue), &u, &symbol, start, end);
                let points = paged.clipped(start, end)[skip..].concat();
                let got = by_time(points.iter().map(|p| p.time_ms).collect());
                let expected = grid(start.max(NOW - keep * DAY_MS), end, step_ms);
                let what = format!("{venue} {symbol} {hours} h × {days} d window #{n}");
                if got != expected {
                    let (g, e) = (got.len(), expected.len());
                    wrong.push(format!("{what}: {g} settlements, not {e}"));
                }
                if n == 0 && paged.count() != requests {
                    let got = paged.count();
                    wrong.push(format!("{what}: {got} requests, not {requests}"));
                }
                if !row.hourly && points.iter().any(|p| p.rate != m.historic_rate(p.time_ms)) {
                    wrong.push(format!("{what}: not the simulator's rates"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
