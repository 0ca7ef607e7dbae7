//! The universe round trip, one table row per `Venue::ALL` member: the adapter reads back every synthetic market the simulator renders, quote by quote (tests).
//!
//! A universe of 300 perps and 250 spot pairs goes through [`trip`]; each row says how the venue
//! lists a synthetic perp (its symbol and the quote the adapter must read, derived from the quote
//! per contract of [`standard`]), how it names spot pairs, which rendered entries the adapter
//! must drop, and the checks only that venue makes (small functions called from the row).
//! [`row`] is an exhaustive `match`, so a venue added to the enum without a row does not compile.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::{Trip, assert_collateral, assert_spots, d, paged, serve_plan, served, t, trip};
use crate::demo::{HOUR_MS, SynthMarket, Universe, hyperliquid as hl_demo};
use crate::model::{Market, PerpQuote, Reference, Venue};
use crate::venue::{BodySignal, adapter};

/// Perps of the round trip's universe.
const PERPS: usize = 300;
/// Spot pairs of the round trip's universe.
const SPOTS: usize = 250;
/// The universe's time.
const NOW: i64 = 1_760_000_000_000;

/// Entries the simulator renders that an adapter must drop, with why.
type Filtered = &'static [(&'static str, &'static str)];

/// How a venue lists the synthetic spot pairs.
enum Spots {
    /// No spot market.
    None,
    /// Every pair under this symbol, with this quote (`None`: the pair's own), checked by
    /// [`assert_spots`].
    Named(fn(&SynthMarket) -> String, Option<&'static str>),
    /// Listed, checked by the row's own function (Hyperliquid's spot books are its own).
    Own,
}

/// One venue's row.
struct Row {
    /// The quote the adapter must read for a synthetic perp, given the quote per contract
    /// ([`standard`]); `None` when the venue does not list the market.
    perp: fn(&SynthMarket, PerpQuote) -> Option<PerpQuote>,
    /// The venue's spot pairs.
    spots: Spots,
    /// Instruments of the reference beyond the synthetic ones (quirky markets of the
    /// renderer): `(perps, spot pairs)`; the spot pairs are quoted in the snapshot too.
    extra: (usize, usize),
    /// The reference carries the simulator's collateral table.
    collateral: bool,
    /// The reference's contract size of a synthetic perp, where the venue publishes one.
    contract_size: Option<fn(&SynthMarket) -> Decimal>,
    /// Rendered in the payloads of the reference and snapshot plans, dropped by the adapter.
    filtered: &'static [Filtered],
    /// Per-perp checks only this venue makes.
    each: fn(&SynthMarket, &PerpQuote),
    /// Everything else only this venue makes.
    particular: fn(&Trip),
}

/// The quote of synthetic perp `m` per contract unit (× the multiplier), with the universe's
/// funding, quote volume and open interest, stamped at the universe's time; the symbol is the
/// row's.
fn standard(
    venue: Venue,
    m: &SynthMarket,
    received_at: chrono::DateTime<chrono::Utc>,
) -> PerpQuote {
    let price = |per_coin: Decimal| Some(m.contract_price(per_coin));
    PerpQuote {
        venue,
        symbol: String::new(),
        asset: m.asset.clone(),
        quote: m.quote.clone(),
        multiplier: Decimal::from(m.multiplier),
        funding_rate: m.funding_rate,
        funding_interval_hours: Decimal::from(m.interval_hours),
        next_funding_time: t(m.next_funding_ms),
        mark_price: price(m.mark),
        index_price: price(m.index),
        bid: price(m.perp_bid),
        ask: price(m.perp_ask),
        high_24h: price(m.high),
        low_24h: price(m.low),
        volume_24h_quote: Some(m.volume_quote()),
        open_interest: Some(m.open_interest),
        exchange_time: t(NOW),
        received_at,
    }
}

/// `q` named `symbol`.
fn named(symbol: String, q: PerpQuote) -> Option<PerpQuote> {
    Some(PerpQuote { symbol, ..q })
}

/// `q` with the open interest the venue's scan reads (`None`: its plan does not read it).
fn open_interest(oi: Option<Decimal>, q: PerpQuote) -> PerpQuote {
    PerpQuote {
        open_interest: oi,
        ..q
    }
}

/// `q` quoted per coin (OKX, Gate: multiplier 1, a large contract size instead).
fn per_coin(m: &SynthMarket, q: PerpQuote) -> PerpQuote {
    PerpQuote {
        multiplier: Decimal::ONE,
        mark_price: Some(m.mark),
        index_price: Some(m.index),
        bid: Some(m.perp_bid),
        ask: Some(m.perp_ask),
        high_24h: Some(m.high),
        low_24h: Some(m.low),
        ..q
    }
}

/// `q` settling `rate` every hour, the next settlement on the next hour.
fn hourly(rate: Decimal, q: PerpQuote) -> PerpQuote {
    PerpQuote {
        funding_rate: rate,
        funding_interval_hours: Decimal::ONE,
        next_funding_time: t((NOW / HOUR_MS + 1) * HOUR_MS),
        ..q
    }
}

fn nothing_more<T: ?Sized>(_: &T) {}

fn no_perp_checks(_: &SynthMarket, _: &PerpQuote) {}

/// The row of `venue`.
fn row(venue: Venue) -> Row {
    use crate::demo::{bingx, bitget, bybit, deribit, dydx, gate, kraken, mexc, okx, weex};
    let base = Row {
        perp: |_, _| None,
        spots: Spots::None,
        extra: (0, 0),
        collateral: false,
        contract_size: None,
        filtered: &[],
        each: no_perp_checks,
        particular: nothing_more,
    };
    match venue {
        Venue::Binance => Row {
            perp: |m, q| {
                named(
                    format!("{}{}", m.perp_base(), m.quote),
                    open_interest(None, q),
                )
            },
            spots: Spots::Named(|m| format!("{}{}", m.asset, m.quote), None),
            collateral: true,
            filtered: &[&[
                ("BTCUSDT_260626", "dated"),
                ("NEWUSDT", "pending"),
                ("OLDUSDT", "settling"),
            ]],
            ..base
        },
        Venue::Bybit => Row {
            perp: |m, q| named(bybit::perp_symbol(m), q),
            spots: Spots::Named(bybit::spot_symbol, None),
            collateral: true,
            filtered: &[&[
                ("BTCUSDT-26JUN26", "dated"),
                ("BTC-26JUN26", "dated"),
                ("DEMONEWUSDT", "pre-launch"),
                ("DEMOOLDUSDT", "closed"),
                ("DEMOXYZUSDT", "not trading"),
            ]],
            particular: bybit_pages_end_at_once,
            ..base
        },
        Venue::Okx => Row {
            perp: |m, q| {
                let q = PerpQuote {
                    volume_24h_quote: Some((m.volume_base * m.mark).normalize()),
                    ..per_coin(m, q)
                };
                named(okx::swap_id(m), q)
            },
            spots: Spots::Named(okx::spot_id, None),
            collateral: true,
            contract_size: Some(|m| okx::contract_value(m.price)),
            filtered: &[&okx::FILTERED_SWAPS, &okx::FILTERED_SPOTS],
            ..base
        },
        Venue::Bitget => Row {
            perp: |m, q| named(bitget::perp_symbol(m), q),
            spots: Spots::Named(bitget::spot_symbol, None),
            collateral: true,
            filtered: &[&bitget::FILTERED_CONTRACTS, &bitget::FILTERED_SPOTS],
            particular: bitget_scan_quotes_usdc_perps_without_next_funding,
            ..base
        },
        Venue::Gate => Row {
            perp: |m, q| {
                let quanto = gate::quanto_multiplier(m.price);
                let oi = gate::contracts_for(m.open_interest, quanto) * quanto;
                let q = PerpQuote {
                    exchange_time: None,
                    ..open_interest(Some(oi), per_coin(m, q))
                };
                (m.quote == "USDT").then(|| PerpQuote {
                    symbol: format!("{}_USDT", m.asset),
                    ..q
                })
            },
            spots: Spots::Named(gate::pair_name, None),
            collateral: true,
            contract_size: Some(|m| gate::quanto_multiplier(m.price)),
            filtered: &[&gate::FILTERED_CONTRACTS, &gate::FILTERED_PAIRS],
            each: |m, p| {
                let quanto = gate::quanto_multiplier(m.price);
                let oi = p.open_interest.unwrap_or_default();
                let symbol = &p.symbol;
                assert!(
                    (oi - m.open_interest).abs() <= quanto,
                    "{symbol}: whole contracts"
                );
            },
            particular: gate_lists_no_usdc_perps,
            ..base
        },
        Venue::Hyperliquid => Row {
            perp: |m, q| {
                let (name, multiplier) = hl_demo::perp_name(m);
                let q = PerpQuote {
                    quote: "USDC".to_owned(),
                    multiplier,
                    high_24h: None,
                    low_24h: None,
                    volume_24h_quote: Some(hl_demo::perp_notional_volume(m)),
                    exchange_time: None,
                    ..hourly(hl_demo::hourly_rate(m), q)
                };
                named(name, q)
            },
            spots: Spots::Own,
            extra: (0, 1),
            filtered: &[&hl_demo::FILTERED_PERPS],
            particular: hyperliquid_spots_quote_the_mid,
            ..base
        },
        Venue::Bingx => Row {
            perp: |m, q| named(bingx::perp_symbol(m), open_interest(None, q)),
            spots: Spots::Named(bingx::spot_symbol, None),
            filtered: &[&bingx::FILTERED_CONTRACTS, &bingx::FILTERED_SPOTS],
            particular: bingx_intervals_come_from_history_without_the_premium_index,
            ..base
        },
        Venue::Mexc => Row {
            perp: |m, q| {
                let mult = Decimal::from(m.multiplier);
                let oi = (mexc::hold_vol(m) * mexc::contract_size(m) * mult).normalize();
                named(mexc::perp_symbol(m), open_interest(Some(oi), q))
            },
            spots: Spots::Named(mexc::spot_symbol, None),
            contract_size: Some(mexc::contract_size),
            filtered: &[&mexc::FILTERED_CONTRACTS, &mexc::FILTERED_SPOTS],
            particular: mexc_intervals_come_per_symbol_without_the_bulk_rates,
            ..base
        },
        Venue::Deribit => Row {
            perp: |m, q| {
                let q = PerpQuote {
                    quote: deribit::QUOTE.to_owned(),
                    funding_rate: deribit::funding_8h(m),
                    funding_interval_hours: d("8"),
                    next_funding_time: None,
                    ..q
                };
                named(deribit::perp_name(m), q)
            },
            spots: Spots::Named(deribit::spot_name, Some(deribit::QUOTE)),
            filtered: &[&deribit::FILTERED_FUTURES, &deribit::FILTERED_SPOTS],
            ..base
        },
        Venue::Dydx => Row {
            perp: |m, q| {
                // Per coin (no multiplier on dYdX): the oracle ∓ max(5 bp, half a tick).
                let half = (m.index * d("0.0005")).max(dydx::tick_size(m) / Decimal::TWO);
                let q = PerpQuote {
                    quote: "USD".to_owned(),
                    multiplier: Decimal::ONE,
                    bid: Some(m.index - half),
                    ask: Some(m.index + half),
                    mark_price: Some(m.index),
                    index_price: Some(m.index),
                    high_24h: None,
                    low_24h: None,
                    exchange_time: None,
                    ..hourly(dydx::hourly_rate(m), q)
                };
                named(dydx::ticker(m), q)
            },
            filtered: &[&dydx::FILTERED_MARKETS],
            particular: |trip| assert!(quoted(trip, "PEPE-USD"), "cheap coins are listed"),
            ..base
        },
        Venue::Kraken => Row {
            perp: |m, q| {
                let q = PerpQuote {
                    quote: kraken::QUOTE.to_owned(),
                    ..hourly(kraken::hourly_rate(m), q)
                };
                named(kraken::symbol(m), q)
            },
            extra: (1, 0),
            filtered: &[&kraken::FILTERED],
            particular: kraken_lists_the_suspended_perp_without_quoting_it,
            ..base
        },
        Venue::Weex => Row {
            perp: |m, q| {
                (m.quote == "USDT").then(|| PerpQuote {
                    symbol: weex::perp_symbol(m),
                    ..open_interest(None, q)
                })
            },
            spots: Spots::Named(weex::spot_symbol, None),
            filtered: &[&weex::FILTERED_CONTRACTS, &weex::FILTERED_SPOTS],
            particular: weex_intervals_come_from_the_settlement_times_without_collect_cycle,
            ..base
        },
    }
}

/// Whether the snapshot quotes perp `symbol`.
fn quoted(trip: &Trip, symbol: &str) -> bool {
    trip.snapshot.perps.iter().any(|p| p.symbol == symbol)
}

/// The reference's perps or spot pairs.
fn count(r: &Reference, market: Market) -> usize {
    r.instruments.iter().filter(|i| i.market == market).count()
}

#[test]
fn every_venue_reads_back_every_synthetic_market() {
    for venue in Venue::ALL {
        let row = row(venue);
        let trip = trip(venue, PERPS, SPOTS, NOW);
        let Trip {
            u,
            routes,
            reference,
            snapshot: s,
            received_at,
        } = &trip;
        let a = adapter(venue);
        assert!(u.perps().any(|m| m.multiplier == 1000) && u.perps().any(|m| m.quote == "USDC"));
        assert!(u.perps().any(|m| m.interval_hours != 8));
        if row.collateral {
            assert_collateral(reference, u);
        }

        let wanted: Vec<(&SynthMarket, PerpQuote)> = u
            .perps()
            .filter_map(|m| Some((m, (row.perp)(m, standard(venue, m, *received_at))?)))
            .collect();
        let listed_spots = match row.spots {
            Spots::None => 0,
            Spots::Named(..) | Spots::Own => SPOTS,
        };
        let (extra_perps, extra_spots) = row.extra;
        assert_eq!(
            (
                count(reference, Market::Perp),
                count(reference, Market::Spot)
            ),
            (wanted.len() + extra_perps, listed_spots + extra_spots),
            "{venue}: reference"
        );
        assert_eq!(
            (s.perps.len(), s.spots.len()),
            (wanted.len(), listed_spots + extra_spots),
            "{venue}: snapshot"
        );

        let perps: HashMap<&str, &PerpQuote> =
            s.perps.iter().map(|p| (p.symbol.as_str(), p)).collect();
        let contracts = reference.index(Market::Perp);
        for (m, want) in &wanted {
            let symbol = want.symbol.as_str();
            let p = perps
                .get(symbol)
                .unwrap_or_else(|| panic!("{venue}: {symbol} missing"));
            assert_eq!(*p, want, "{venue}: {symbol}");
            // Every venue's rate is the universe's, per hour.
            assert_eq!(
                p.funding_rate / p.funding_interval_hours,
                m.funding_rate / Decimal::from(m.interval_hours),
                "{venue}: {symbol}"
            );
            if venue != Venue::Dydx {
                assert_eq!(p.bid.map(|b| p.unit_price(b)), Some(m.perp_bid), "{symbol}");
            }
            if let Some(size) = row.contract_size {
                assert_eq!(contracts[symbol].contract_size, size(m), "{symbol}");
            }
            (row.each)(m, p);
        }
        if let Spots::Named(symbol, quote) = row.spots {
            assert_spots(s, u, symbol, quote);
        }

        let mut plan = paged(a, routes, a.reference_requests());
        plan.extend(paged(a, routes, a.snapshot_requests(true)));
        let rendered: String = plan.iter().map(|r| served(routes, r)).collect();
        for (symbol, why) in row.filtered.iter().flat_map(|f| f.iter()) {
            assert!(
                rendered.contains(&format!("\"{symbol}\"")),
                "{venue}: {symbol} not rendered"
            );
            assert!(
                reference.instruments.iter().all(|i| i.symbol != *symbol)
                    && s.perps.iter().all(|p| p.symbol != *symbol)
                    && s.spots.iter().all(|q| q.symbol != *symbol),
                "{venue}: {symbol} ({why}) must be filtered out"
            );
        }
        (row.particular)(&trip);
    }
}

/// Bybit: every reference list fits one page (no cursor) and answers `retCode` 0.
fn bybit_pages_end_at_once(trip: &Trip) {
    let a = adapter(Venue::Bybit);
    for request in a.reference_requests() {
        let body = served(&trip.routes, &request).as_bytes();
        assert_eq!(a.next_page(&request, body).expect("cursor"), None);
        assert_eq!(a.check_body(200, body), BodySignal::Ok);
    }
}

/// Bitget: the scan plan (no USDC funding rows) still quotes every perp, the USDC ones without
/// a next funding time.
fn bitget_scan_quotes_usdc_perps_without_next_funding(trip: &Trip) {
    let a = adapter(Venue::Bitget);
    let plan = a.snapshot_requests(false);
    let bodies = serve_plan(&trip.routes, &plan);
    let scan = a
        .parse_snapshot(&bodies, &trip.reference, trip.received_at)
        .expect("scan parses");
    assert_eq!(scan.perps.len(), PERPS);
    assert!(
        scan.perps
            .iter()
            .all(|p| (p.quote == "USDC") == p.next_funding_time.is_none())
    );
}

/// Gate lists no USDC-settled perpetuals: the universe's USDC perps are not rendered.
fn gate_lists_no_usdc_perps(trip: &Trip) {
    let listed: Vec<_> = trip.u.perps().filter(|m| m.quote == "USDT").collect();
    assert!(listed.len() < PERPS && listed.iter().any(|m| m.multiplier == 1000));
}

/// Hyperliquid: spot books quote the mid ± 5 bp under the `U`-prefixed token names, the
/// illiquid pair without a book; `kPEPE` is the multiplied perp.
fn hyperliquid_spots_quote_the_mid(trip: &Trip) {
    let Trip {
        u,
        routes,
        snapshot,
        ..
    } = trip;
    assert!(quoted(trip, "kPEPE"));
    let spots: HashMap<&str, _> = snapshot
        .spots
        .iter()
        .map(|q| (q.asset.as_str(), q))
        .collect();
    for m in u.spots() {
        let q = spots
            .get(m.asset.as_str())
            .unwrap_or_else(|| panic!("{} spot missing", m.asset));
        assert_eq!(q.quote, "USDC");
        let mid = hl_demo::spot_mid(m);
        let half = mid * d("0.0005");
        let book = (q.bid, q.ask);
        assert_eq!(book, (Some(mid - half), Some(mid + half)), "{}", m.asset);
        assert!(q.bid < q.ask);
        assert_eq!(q.volume_24h_quote, Some(m.volume_quote()), "{}", m.asset);
    }
    assert_eq!(hl_demo::spot_token("BTC"), "UBTC");
    let spot_meta = &adapter(Venue::Hyperliquid).reference_requests()[1];
    assert!(served(routes, spot_meta).contains("\"UBTC\""));
    assert!(spots["BTC"].symbol.starts_with("UBTC/") || spots["BTC"].symbol.starts_with('@'));
    let illiquid = spots[hl_demo::ILLIQUID_SPOT_TOKEN];
    assert_eq!((illiquid.bid, illiquid.ask), (None, None));
}

/// Kraken: the suspended perp is listed (tradeable in the list) and dropped from snapshots;
/// Bitcoin is `XBT`.
fn kraken_lists_the_suspended_perp_without_quoting_it(trip: &Trip) {
    use crate::demo::kraken::SUSPENDED;
    assert!(quoted(trip, "PF_XBTUSD"));
    assert!(
        trip.reference
            .instruments
            .iter()
            .any(|i| i.symbol == SUSPENDED)
    );
    assert!(!quoted(trip, SUSPENDED), "suspended ticker");
}

/// WEEX: the universe's USDC perps are rendered (`cmt_…usdc`) and dropped; the contract list's
/// settlement times alone give every interval, so a scan whose funding rows have no
/// `collectCycle` reads the same snapshot.
fn weex_intervals_come_from_the_settlement_times_without_collect_cycle(trip: &Trip) {
    use crate::demo::weex::perp_symbol;
    let a = adapter(Venue::Weex);
    let contracts = served(&trip.routes, &a.reference_requests()[0]);
    for m in trip.u.perps().filter(|m| m.quote == "USDC") {
        assert!(contracts.contains(&format!("\"{}\"", perp_symbol(m))));
    }
    let index = trip.reference.index(Market::Perp);
    for m in trip.u.perps().filter(|m| m.quote == "USDT") {
        let inst = &index[perp_symbol(m).as_str()];
        let hours = Some(Decimal::from(m.interval_hours));
        assert_eq!(inst.funding_interval_hours, hours, "{}", inst.symbol);
    }
    let plan = a.snapshot_requests(false);
    let mut routes = trip.routes.clone();
    let rates = routes
        .iter_mut()
        .find(|r| r.path == crate::venue::weex::CURRENT_FUND_RATE.path)
        .expect("the funding rates route");
    rates.body = rates.body.replace("\"collectCycle\":", "\"cycle\":");
    let again = a
        .parse_snapshot(
            &serve_plan(&routes, &plan),
            &trip.reference,
            trip.received_at,
        )
        .expect("parses");
    assert_eq!(again, trip.snapshot);
}

/// The reference plan without its optional bulk interval call (`plan[..2]`), then the detail
/// batch the adapter asks for, served and applied: the intervals of the first `batch` perps.
fn bare_reference_with_details(venue: Venue, trip: &Trip, batch: usize) -> Reference {
    let a = adapter(venue);
    let plan = a.reference_requests();
    let mut bare = a
        .parse_reference(&serve_plan(&trip.routes, &plan[..2]))
        .expect("parses");
    assert!(
        a.detail_requests(&trip.reference, None).is_empty(),
        "{venue}: the full plan carries every interval"
    );
    let details = a.detail_requests(&bare, None);
    assert_eq!(details.len(), batch, "{venue}");
    a.apply_details(&mut bare, None, &serve_plan(&trip.routes, &details))
        .expect("details apply");
    for (i, m) in trip.u.perps().enumerate() {
        let symbol = perp_symbol(venue, m);
        let interval = bare
            .instruments
            .iter()
            .find(|i| i.symbol == symbol && i.market == Market::Perp)
            .and_then(|i| i.funding_interval_hours);
        let expected = (i < batch).then(|| Decimal::from(m.interval_hours));
        assert_eq!(interval, expected, "{venue}: {symbol}");
    }
    bare
}

/// The perp symbol of `m` on `venue`, as its row names it.
fn perp_symbol(venue: Venue, m: &SynthMarket) -> String {
    let q = standard(venue, m, chrono::Utc::now());
    (row(venue).perp)(m, q)
        .map(|q| q.symbol)
        .unwrap_or_default()
}

/// BingX: without the optional premium index the intervals come from the funding history, a
/// bounded batch served by the demo; before the details none is known.
fn bingx_intervals_come_from_history_without_the_premium_index(trip: &Trip) {
    let a = adapter(Venue::Bingx);
    let bare = a
        .parse_reference(&serve_plan(&trip.routes, &a.reference_requests()[..2]))
        .expect("parses");
    assert!(
        bare.instruments
            .iter()
            .all(|i| i.funding_interval_hours.is_none())
    );
    bare_reference_with_details(Venue::Bingx, trip, crate::venue::bingx::DETAIL_BATCH);
    assert!(
        trip.snapshot
            .spots
            .iter()
            .all(|q| q.exchange_time == t(NOW))
    );
}

/// MEXC: without the optional bulk funding rates the per-symbol rates fill the intervals, a
/// bounded batch at a time.
fn mexc_intervals_come_per_symbol_without_the_bulk_rates(trip: &Trip) {
    bare_reference_with_details(Venue::Mexc, trip, crate::venue::mexc::DETAIL_BATCH);
}

#[test]
fn a_large_universe_is_paged() {
    use crate::demo::gate::FILTERED_CONTRACTS;
    use crate::venue::gate::{CONTRACTS, PAGE_LIMIT};
    let a = adapter(Venue::Gate);
    let u = Universe::generate(Venue::Gate, 2400, 10, NOW);
    let usdt = u.perps().filter(|m| m.quote == "USDT").count();
    let rows = usdt + FILTERED_CONTRACTS.len();
    assert!(rows > 2 * PAGE_LIMIT, "{rows} rows: three pages");
    let routes = crate::demo::routes(&u);
    let plan = paged(a, &routes, a.reference_requests());
    let pages: Vec<&str> = plan
        .iter()
        .filter(|r| r.endpoint == CONTRACTS)
        .map(|r| {
            r.query
                .iter()
                .find(|(k, _)| *k == "offset")
                .map_or("", |(_, v)| v.as_str())
        })
        .collect();
    assert_eq!(pages, ["0", "1000", "2000"]);
    let reference = a
        .parse_reference(&serve_plan(&routes, &plan))
        .expect("parses");
    assert_eq!(reference.index(Market::Perp).len(), usdt);
}
