//! Funding history by window, one table row per venue whose checks start from the same market: the first perp of a 20-market universe (tests).
//!
//! [`checks`] is an exhaustive `match` over `Venue`: a row names the venue's check (which stays
//! in the venue's simulator file, next to the private items it reads), `None` where the venue's
//! funding-history test picks another market and lives on in its own file.

use serde_json::Value;

use super::get_json;
use crate::demo::{SynthMarket, Universe, binance, bingx, bybit, mexc, okx, responder};
use crate::model::Venue;

/// What each venue's funding-history check starts from: the universe at `now`, its first perp,
/// that perp's funding step and its last settlement at or before `now`.
#[derive(Clone, Copy)]
pub(in crate::demo) struct History<'u> {
    pub now: i64,
    pub u: &'u Universe,
    pub m: &'u SynthMarket,
    pub step: i64,
    pub last: i64,
}

impl History<'_> {
    /// The JSON the venue's simulator answers to a GET of `path` with query `pairs`.
    pub fn get(&self, path: &str, pairs: &[(&str, &str)]) -> Value {
        get_json(responder(self.u.venue), self.u, path, pairs)
    }

    /// The rows of that answer: the array at JSON pointer `at` (`""` for a bare array), after
    /// checking that every pointer in `ok` holds its value (the venue's success envelope).
    pub fn rows(
        &self,
        path: &str,
        pairs: &[(&str, &str)],
        ok: &[(&str, Value)],
        at: &str,
    ) -> Vec<Value> {
        let v = self.get(path, pairs);
        for (pointer, want) in ok {
            assert_eq!(v.pointer(pointer), Some(want), "{pointer}: {v}");
        }
        v.pointer(at)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }
}

/// The venue's funding-history check over the first perp, if its test starts there.
fn checks(venue: Venue) -> Option<fn(History<'_>)> {
    match venue {
        Venue::Binance => Some(binance::history_tests::check_funding_history),
        Venue::Bybit => Some(bybit::history_tests::check_funding_history),
        Venue::Okx => Some(okx::history_tests::check_funding_history),
        Venue::Bingx => Some(bingx::tests::check_funding_history),
        Venue::Mexc => Some(mexc::tests::check_funding_history),
        Venue::Bitget
        | Venue::Gate
        | Venue::Hyperliquid
        | Venue::Deribit
        | Venue::Dydx
        | Venue::Kraken
        | Venue::Weex => None,
    }
}

#[test]
fn funding_history_answers_like_the_live_endpoints() {
    let now = 1_760_000_000_000;
    for venue in Venue::ALL {
        let Some(check) = checks(venue) else {
            continue;
        };
        let u = Universe::generate(venue, 20, 0, now);
        let m = u.perps().next().expect("a perp");
        let step = m.funding_step();
        let last = now / step * step;
        check(History {
            now,
            u: &u,
            m,
            step,
            last,
        });
    }
}
