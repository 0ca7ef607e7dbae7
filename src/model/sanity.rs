//! Plausibility rules: instruments and quotes carrying values no venue can mean are refused per symbol and counted by reason.
//!
//! Pure: data in, kept data and [`Refused`] out. The rules (README, "Plausibility checks"):
//! - a funding interval outside 1..=24 h, stated by the instrument list or by the quote (every
//!   venue basis reads documents intervals of 1, 2, 4, 6 or 8 h; Deribit is reported as 8 h,
//!   Hyperliquid, dYdX and Kraken as 1 h);
//! - a funding rate beyond ±10 % per interval (no venue documents a larger cap);
//! - a price that is zero or negative: bid, ask, mark or index, where the venue sends it;
//! - a crossed book: best bid above best ask;
//! - a perp the instrument list names that the quotes left out (the venue parser dropped it
//!   because its rate or interval was missing or unreadable, or its ticker says suspended):
//!   counted, so that no symbol vanishes without a word.
//!
//! A refused market is left out of the snapshot; the caller logs [`Refused::summary`], one line
//! per venue per run.

use std::collections::HashSet;
use std::fmt;

use rust_decimal::Decimal;

use super::{Instrument, Market, PerpQuote, Reference, Snapshot, SpotQuote, Venue};

/// Shortest funding interval accepted, hours.
pub const MIN_INTERVAL_HOURS: Decimal = Decimal::ONE;

/// Longest funding interval accepted, hours.
pub const MAX_INTERVAL_HOURS: Decimal = Decimal::from_parts(24, 0, 0, false, 0);

/// Largest funding rate accepted per interval, as a fraction (10 %).
pub const MAX_ABS_RATE: Decimal = Decimal::from_parts(1, 0, 0, false, 1);

/// Which price of a quote.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PriceField {
    /// Best bid.
    Bid,
    /// Best ask.
    Ask,
    /// Mark price.
    Mark,
    /// Index price.
    Index,
}

impl PriceField {
    /// How messages name it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            PriceField::Bid => "bid",
            PriceField::Ask => "ask",
            PriceField::Mark => "mark price",
            PriceField::Index => "index price",
        }
    }
}

/// Why a market was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// A funding interval outside 1..=24 h (the hours as stated).
    Interval(Decimal),
    /// A funding rate beyond ±10 % per interval (the rate as a fraction).
    Rate(Decimal),
    /// A price that is zero or negative.
    Price(PriceField, Decimal),
    /// Best bid above best ask.
    Crossed {
        /// Best bid.
        bid: Decimal,
        /// Best ask.
        ask: Decimal,
    },
    /// Listed by the instrument list, absent from the quotes: its rate or interval was missing
    /// or unreadable (or the venue suspended it since the list was fetched).
    Unquoted,
}

/// The kinds of [`Flaw`], for counting by reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// [`Flaw::Interval`].
    Interval,
    /// [`Flaw::Rate`].
    Rate,
    /// [`Flaw::Price`] of this field.
    Price(PriceField),
    /// [`Flaw::Crossed`].
    Crossed,
    /// [`Flaw::Unquoted`].
    Unquoted,
}

impl Flaw {
    /// Its kind.
    #[must_use]
    pub fn reason(&self) -> Reason {
        match self {
            Flaw::Interval(_) => Reason::Interval,
            Flaw::Rate(_) => Reason::Rate,
            Flaw::Price(field, _) => Reason::Price(*field),
            Flaw::Crossed { .. } => Reason::Crossed,
            Flaw::Unquoted => Reason::Unquoted,
        }
    }
}

impl fmt::Display for Flaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flaw::Interval(h) => write!(f, "funding interval {} h", h.normalize()),
            Flaw::Rate(r) => write!(
                f,
                "funding rate {} % per interval",
                (r * Decimal::ONE_HUNDRED).normalize()
            ),
            Flaw::Price(field, v) => write!(f, "{} {}", field.name(), v.normalize()),
            Flaw::Crossed { bid, ask } => write!(
                f,
                "crossed book (bid {} > ask {})",
                bid.normalize(),
                ask.normalize()
            ),
            Flaw::Unquoted => f.write_str(
                "listed but not quoted (suspended, or its rate or interval missing or unreadable)",
            ),
        }
    }
}

/// One refused market.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Spot pair or perp.
    pub market: Market,
    /// Venue symbol.
    pub symbol: String,
    /// Why.
    pub flaw: Flaw,
}

/// Everything one screening refused, in the order found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refused(pub Vec<Refusal>);

impl Refused {
    /// Nothing refused.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Markets of `market` refused.
    #[must_use]
    pub fn count(&self, market: Market) -> usize {
        self.0.iter().filter(|r| r.market == market).count()
    }

    /// How many were refused for `reason`.
    #[must_use]
    pub fn by_reason(&self, reason: Reason) -> usize {
        self.0.iter().filter(|r| r.flaw.reason() == reason).count()
    }

    /// Appends another screening's refusals.
    pub fn extend(&mut self, other: Refused) {
        self.0.extend(other.0);
    }

    /// The one warning line of a venue's run, `None` when nothing was refused: how many perps
    /// and spot pairs were left out, then per reason the first case (value and symbol) and how
    /// many more, e.g. `bybit: 2 perps skipped: funding interval 100000 h (BTCUSDT), mark price 0
    /// (ETHUSDT)`.
    #[must_use]
    pub fn summary(&self, venue: Venue) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let (perps, spots) = (self.count(Market::Perp), self.count(Market::Spot));
        let head = match (perps, spots) {
            (p, 0) => plural(p, "perp", "perps"),
            (0, s) => plural(s, "spot pair", "spot pairs"),
            (p, s) => format!(
                "{} and {}",
                plural(p, "perp", "perps"),
                plural(s, "spot pair", "spot pairs")
            ),
        };
        let mut order: Vec<Reason> = Vec::new();
        for r in &self.0 {
            if !order.contains(&r.flaw.reason()) {
                order.push(r.flaw.reason());
            }
        }
        let parts: Vec<String> = order
            .iter()
            .filter_map(|&reason| {
                let first = self.0.iter().find(|r| r.flaw.reason() == reason)?;
                let more = self.by_reason(reason) - 1;
                let mut part = format!("{} ({})", first.flaw, first.symbol);
                if more > 0 {
                    part.push_str(&format!(" and {more} more"));
                }
                Some(part)
            })
            .collect();
        Some(format!("{venue}: {head} skipped: {}", parts.join(", ")))
    }
}

/// Whether `hours` is a funding interval a venue can mean.
#[must_use]
pub fn interval_ok(hours: Decimal) -> bool {
    (MIN_INTERVAL_HOURS..=MAX_INTERVAL_HOURS).contains(&hours)
}

/// Whether `rate` (fraction per interval) is a funding rate a venue can mean.
#[must_use]
pub fn rate_ok(rate: Decimal) -> bool {
    rate.abs() <= MAX_ABS_RATE
}

/// The first non-positive price among `fields`, present ones only.
fn bad_price(fields: &[(PriceField, Option<Decimal>)]) -> Option<Flaw> {
    fields.iter().find_map(|(field, v)| {
        v.filter(|v| *v <= Decimal::ZERO)
            .map(|v| Flaw::Price(*field, v))
    })
}

fn crossed(bid: Option<Decimal>, ask: Option<Decimal>) -> Option<Flaw> {
    match (bid, ask) {
        (Some(bid), Some(ask)) if bid > ask => Some(Flaw::Crossed { bid, ask }),
        _ => None,
    }
}

/// Why an instrument must be refused, if it must: a stated funding interval outside 1..=24 h.
#[must_use]
pub fn instrument_flaw(i: &Instrument) -> Option<Flaw> {
    i.funding_interval_hours
        .filter(|h| !interval_ok(*h))
        .map(Flaw::Interval)
}

/// Why a perp quote must be refused, if it must (the first rule it breaks).
#[must_use]
pub fn perp_flaw(p: &PerpQuote) -> Option<Flaw> {
    if !interval_ok(p.funding_interval_hours) {
        return Some(Flaw::Interval(p.funding_interval_hours));
    }
    if !rate_ok(p.funding_rate) {
        return Some(Flaw::Rate(p.funding_rate));
    }
    bad_price(&[
        (PriceField::Mark, p.mark_price),
        (PriceField::Index, p.index_price),
        (PriceField::Bid, p.bid),
        (PriceField::Ask, p.ask),
    ])
    .or_else(|| crossed(p.bid, p.ask))
}

/// Why a spot quote must be refused, if it must.
#[must_use]
pub fn spot_flaw(s: &SpotQuote) -> Option<Flaw> {
    bad_price(&[(PriceField::Bid, s.bid), (PriceField::Ask, s.ask)])
        .or_else(|| crossed(s.bid, s.ask))
}

/// The reference without the instruments that state an impossible funding interval.
#[must_use]
pub fn screen_reference(mut reference: Reference) -> (Reference, Refused) {
    let mut refused = Refused::default();
    reference.instruments.retain(|i| match instrument_flaw(i) {
        Some(flaw) => {
            refused.0.push(Refusal {
                market: i.market,
                symbol: i.symbol.clone(),
                flaw,
            });
            false
        }
        None => true,
    });
    (reference, refused)
}

/// The snapshot without the quotes that break a rule, and what was refused: those quotes, then
/// the perps `reference` lists that the snapshot lacks ([`Flaw::Unquoted`]).
#[must_use]
pub fn screen_snapshot(mut snapshot: Snapshot, reference: &Reference) -> (Snapshot, Refused) {
    let mut refused = Refused::default();
    let quoted: HashSet<&str> = snapshot.perps.iter().map(|p| p.symbol.as_str()).collect();
    let unquoted: Vec<Refusal> = reference
        .instruments
        .iter()
        .filter(|i| i.market == Market::Perp && !quoted.contains(i.symbol.as_str()))
        .map(|i| Refusal {
            market: Market::Perp,
            symbol: i.symbol.clone(),
            flaw: Flaw::Unquoted,
        })
        .collect();
    snapshot.perps.retain(|p| match perp_flaw(p) {
        Some(flaw) => {
            refused.0.push(Refusal {
                market: Market::Perp,
                symbol: p.symbol.clone(),
                flaw,
            });
            false
        }
        None => true,
    });
    snapshot.spots.retain(|s| match spot_flaw(s) {
        Some(flaw) => {
            refused.0.push(Refusal {
                market: Market::Spot,
                symbol: s.symbol.clone(),
                flaw,
            });
            false
        }
        None => true,
    });
    refused.0.extend(unquoted);
    (snapshot, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{d, epoch};
    use proptest::prelude::*;

    fn perp(symbol: &str) -> PerpQuote {
        PerpQuote {
            mark_price: Some(d("100")),
            index_price: Some(d("100")),
            bid: Some(d("99.9")),
            ask: Some(d("100.1")),
            ..PerpQuote::listed(Venue::Bybit, symbol, ("BTC", "USDT"), epoch())
        }
    }

    fn spot(symbol: &str) -> SpotQuote {
        SpotQuote {
            bid: Some(d("99.9")),
            ask: Some(d("100.1")),
            ..SpotQuote::listed(Venue::Bybit, symbol, ("BTC", "USDT"), epoch())
        }
    }

    fn instrument(symbol: &str, market: Market, hours: Option<&str>) -> Instrument {
        Instrument {
            venue: Venue::Bybit,
            market,
            symbol: symbol.into(),
            asset: "BTC".into(),
            quote: "USDT".into(),
            multiplier: Decimal::ONE,
            contract_size: Decimal::ONE,
            funding_interval_hours: hours.map(d),
        }
    }

    #[test]
    fn funding_intervals_are_kept_from_one_to_twenty_four_hours() {
        for h in ["1", "2", "4", "6", "8", "24", "1.0", "12.5"] {
            assert!(interval_ok(d(h)), "{h}");
            let mut p = perp("X");
            p.funding_interval_hours = d(h);
            assert_eq!(perp_flaw(&p), None, "{h}");
        }
        for h in ["0", "-8", "0.5", "24.01", "48", "100000"] {
            assert!(!interval_ok(d(h)), "{h}");
            let mut p = perp("X");
            p.funding_interval_hours = d(h);
            assert_eq!(perp_flaw(&p), Some(Flaw::Interval(d(h))), "{h}");
        }
    }

    #[test]
    fn rates_beyond_ten_percent_per_interval_are_refused() {
        for (r, ok) in [
            ("0", true),
            ("0.1", true),
            ("-0.1", true),
            ("0.04", true),
            ("0.1000001", false),
            ("-0.25", false),
            ("3", false),
        ] {
            let mut p = perp("X");
            p.funding_rate = d(r);
            assert_eq!(perp_flaw(&p).is_none(), ok, "{r}");
            if !ok {
                assert_eq!(perp_flaw(&p), Some(Flaw::Rate(d(r))));
            }
        }
    }

    #[test]
    fn non_positive_prices_are_refused_and_absent_ones_are_not() {
        type Set = fn(&mut PerpQuote, Option<Decimal>);
        let cases: [(PriceField, Set); 4] = [
            (PriceField::Mark, |p, v| p.mark_price = v),
            (PriceField::Index, |p, v| p.index_price = v),
            (PriceField::Bid, |p, v| p.bid = v),
            (PriceField::Ask, |p, v| p.ask = v),
        ];
        for (field, set) in cases {
            for v in ["0", "-1", "-0.0000001"] {
                let mut p = perp("X");
                set(&mut p, Some(d(v)));
                assert_eq!(
                    perp_flaw(&p),
                    Some(Flaw::Price(field, d(v))),
                    "{field:?} {v}"
                );
            }
            let mut p = perp("X");
            set(&mut p, None);
            assert_eq!(perp_flaw(&p), None, "{field:?} absent");
        }
        let mut s = spot("BTCUSDT");
        s.bid = Some(Decimal::ZERO);
        assert_eq!(
            spot_flaw(&s),
            Some(Flaw::Price(PriceField::Bid, Decimal::ZERO))
        );
        s.bid = None;
        s.ask = None;
        assert_eq!(spot_flaw(&s), None);
    }

    /// The flaw of a book whose bid is above its ask.
    fn crossed(bid: &str, ask: &str) -> Option<Flaw> {
        Some(Flaw::Crossed {
            bid: d(bid),
            ask: d(ask),
        })
    }

    #[test]
    fn a_crossed_book_is_refused_and_a_locked_one_is_not() {
        let mut p = perp("X");
        p.bid = Some(d("101"));
        assert_eq!(perp_flaw(&p), crossed("101", "100.1"));
        p.bid = Some(d("100.1"));
        assert_eq!(perp_flaw(&p), None, "bid = ask");
        let mut s = spot("X");
        s.ask = Some(d("50"));
        assert_eq!(spot_flaw(&s), crossed("99.9", "50"));
        s.bid = None;
        assert_eq!(spot_flaw(&s), None, "one side only");
    }

    #[test]
    fn reference_instruments_with_impossible_intervals_are_left_out() {
        let reference = Reference {
            instruments: vec![
                instrument("BTCUSDT", Market::Perp, Some("8")),
                instrument("ETHUSDT", Market::Perp, Some("100000")),
                instrument("SOLUSDT", Market::Perp, None),
                instrument("BTCUSDT", Market::Spot, None),
            ],
            haircuts: [("BTC".to_owned(), d("0.95"))].into(),
            maintenance_rates: [("BTCUSDT".to_owned(), d("0.005"))].into(),
            ..Reference::default()
        };
        let (kept, refused) = screen_reference(reference.clone());
        let symbols: Vec<&str> = kept.instruments.iter().map(|i| i.symbol.as_str()).collect();
        assert_eq!(symbols, ["BTCUSDT", "SOLUSDT", "BTCUSDT"]);
        assert_eq!(kept.haircuts, reference.haircuts);
        assert_eq!(kept.maintenance_rates, reference.maintenance_rates);
        assert_eq!(
            refused.0,
            [Refusal {
                market: Market::Perp,
                symbol: "ETHUSDT".into(),
                flaw: Flaw::Interval(d("100000")),
            }]
        );
    }

    #[test]
    fn screening_a_snapshot_keeps_the_sane_quotes_and_counts_the_rest_by_reason() {
        let mut bad_interval = perp("AUSDT");
        bad_interval.funding_interval_hours = d("100000");
        let mut zero_mark = perp("BUSDT");
        zero_mark.mark_price = Some(Decimal::ZERO);
        let mut crossed_spot = spot("CUSDT");
        crossed_spot.bid = Some(d("200"));
        let snapshot = Snapshot {
            venue: Venue::Bybit,
            received_at: epoch(),
            perps: vec![perp("BTCUSDT"), bad_interval, zero_mark, perp("ETHUSDT")],
            spots: vec![spot("BTCUSDT"), crossed_spot],
        };
        let reference = Reference {
            instruments: ["BTCUSDT", "AUSDT", "BUSDT", "ETHUSDT", "GONEUSDT"]
                .iter()
                .map(|s| instrument(s, Market::Perp, None))
                .collect(),
            ..Reference::default()
        };
        let (kept, refused) = screen_snapshot(snapshot, &reference);
        let perps: Vec<&str> = kept.perps.iter().map(|p| p.symbol.as_str()).collect();
        assert_eq!(perps, ["BTCUSDT", "ETHUSDT"]);
        let spots: Vec<&str> = kept.spots.iter().map(|p| p.symbol.as_str()).collect();
        assert_eq!(spots, ["BTCUSDT"]);
        assert_eq!(refused.count(Market::Perp), 3);
        assert_eq!(refused.count(Market::Spot), 1);
        for (reason, n) in [
            (Reason::Interval, 1),
            (Reason::Price(PriceField::Mark), 1),
            (Reason::Crossed, 1),
            (Reason::Unquoted, 1),
            (Reason::Rate, 0),
        ] {
            assert_eq!(refused.by_reason(reason), n, "{reason:?}");
        }
        assert_eq!(
            refused.summary(Venue::Bybit).expect("line"),
            "bybit: 3 perps and 1 spot pair skipped: funding interval 100000 h (AUSDT), \
             mark price 0 (BUSDT), crossed book (bid 200 > ask 100.1) (CUSDT), \
             listed but not quoted (suspended, or its rate or interval missing or unreadable) \
             (GONEUSDT)"
        );
    }

    #[test]
    fn the_summary_names_the_first_case_of_each_reason_and_counts_the_others() {
        let refused = Refused(
            ["A", "B", "C"]
                .iter()
                .map(|s| Refusal {
                    market: Market::Perp,
                    symbol: (*s).into(),
                    flaw: Flaw::Rate(d("0.5")),
                })
                .collect(),
        );
        let line = refused.summary(Venue::Okx).expect("line");
        assert_eq!(
            line,
            "okx: 3 perps skipped: funding rate 50 % per interval (A) and 2 more"
        );
        assert_eq!(Refused::default().summary(Venue::Okx), None);
    }

    fn arb_decimal() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), 0u32..12).prop_map(|(m, scale)| Decimal::new(m, scale))
    }

    fn arb_perp() -> impl Strategy<Value = PerpQuote> {
        (
            arb_decimal(),
            arb_decimal(),
            proptest::option::of(arb_decimal()),
            proptest::option::of(arb_decimal()),
            proptest::option::of(arb_decimal()),
            proptest::option::of(arb_decimal()),
            0u8..50,
        )
            .prop_map(|(rate, hours, mark, index, bid, ask, n)| {
                let mut p = perp(&format!("P{n}"));
                p.funding_rate = rate;
                p.funding_interval_hours = hours;
                p.mark_price = mark;
                p.index_price = index;
                p.bid = bid;
                p.ask = ask;
                p
            })
    }

    proptest! {
        /// Whatever goes in: every kept perp obeys every rule, kept plus refused is what came
        /// in (order kept), and screening what was kept refuses nothing more.
        #[test]
        fn kept_quotes_obey_every_rule_and_nothing_is_lost(perps in proptest::collection::vec(arb_perp(), 0..30)) {
            let snapshot = Snapshot { venue: Venue::Bybit, received_at: epoch(), perps: perps.clone(), spots: vec![] };
            let (kept, refused) = screen_snapshot(snapshot, &Reference::default());
            for p in &kept.perps {
                prop_assert!(interval_ok(p.funding_interval_hours));
                prop_assert!(rate_ok(p.funding_rate));
                for v in [p.mark_price, p.index_price, p.bid, p.ask].into_iter().flatten() {
                    prop_assert!(v > Decimal::ZERO);
                }
                if let (Some(b), Some(a)) = (p.bid, p.ask) {
                    prop_assert!(b <= a);
                }
            }
            prop_assert_eq!(kept.perps.len() + refused.count(Market::Perp), perps.len());
            let expected: Vec<&PerpQuote> = perps.iter().filter(|p| perp_flaw(p).is_none()).collect();
            prop_assert_eq!(kept.perps.iter().collect::<Vec<_>>(), expected);
            let (again, none) = screen_snapshot(kept.clone(), &Reference::default());
            prop_assert_eq!(again, kept);
            prop_assert!(none.is_empty());
        }
    }
}
