//! OKX round trips: the adapter reads what the simulator renders (reference and snapshot, paged history and candles).

use rust_decimal::Decimal;

use super::*;
use crate::demo::okx::*;
use crate::demo::{DAY_MS, HOUR_MS};
use crate::model::{Market, Venue};
use crate::venue::okx::*;
use crate::venue::testkit::*;
use crate::venue::{Bar, Candle, CandleWindow};

/// The caller's loop through the demo: the bars in the window as returned (no
/// de-duplication) and the requests, by endpoint.
fn backfill(u: &Universe, w: &CandleWindow<'_>) -> (Vec<Candle>, Vec<&'static str>) {
    let paged = candle_pages(&Okx, respond, u, w);
    (paged.within(w.start_ms, w.end_ms), paged.endpoints())
}

/// Every bar once is pinned by the paging suite; here, which endpoint serves which page.
#[test]
fn recent_candles_come_from_candles_and_older_ones_from_history_candles() {
    let now = 1_760_000_000_000 + 17 * 60_000;
    let u = Universe::generate(Venue::Okx, 40, 40, now);
    let hour = now / HOUR_MS * HOUR_MS;
    let btc = &u.markets[0];
    // 2880 finished hourly bars: 299 + 3 × 300 + 239 from `candles` (the running bar dropped
    // from the first page), then 1442 from `history-candles` (14 × 100 + 42).
    let mut long = vec!["candles"; 5];
    long.extend(vec!["history-candles"; 15]);
    for (market, symbol) in [(Market::Perp, swap_id(btc)), (Market::Spot, spot_id(btc))] {
        for (start, endpoints) in [
            (hour - 168 * HOUR_MS, vec!["candles"]),
            (hour - 2880 * HOUR_MS, long.clone()),
        ] {
            let w = window(market, &symbol, Bar::Hour, start, now);
            let (got, asked) = backfill(&u, &w);
            assert_eq!(asked, endpoints, "{symbol}");
            assert_eq!(
                got.len(),
                usize::try_from((hour - start) / HOUR_MS).expect("n")
            );
        }
    }
    // A cheap coin: OKX quotes per coin (no multiplier): under a thousandth of a USDT.
    let pepe = u
        .perps()
        .find(|m| m.multiplier == 1000)
        .expect("a cheap coin");
    let day = now / DAY_MS * DAY_MS;
    let pepe_swap = swap_id(pepe);
    let w = window(Market::Perp, &pepe_swap, Bar::Day, day - 2 * DAY_MS, now);
    let (got, _) = backfill(&u, &w);
    assert!(!got.is_empty() && got.iter().all(|c| c.close < Decimal::new(1, 3)));
}
