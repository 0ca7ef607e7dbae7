//! A fixed report used by the reporters' snapshot tests.

use chrono::DateTime;
use rust_decimal::Decimal;

use super::{ParamsEcho, Report, VenueLine};
use crate::model::{Kind, Leg, Opportunity, Venue};

fn d(s: &str) -> Decimal {
    crate::parse::decimal(s).unwrap_or_default()
}

/// Two opportunities and three venue lines (ok, error, banned) at a fixed time.
pub(crate) fn report() -> Report {
    let now = DateTime::from_timestamp(1_764_072_000, 0).unwrap_or_default();
    let opp = |rank: usize, asset: &str, sym: &str, rate: &str, h: &str| {
        let sample = Opportunity::sample();
        let leg = |l: Leg| Leg {
            symbol: sym.into(),
            ..l
        };
        Opportunity {
            rank,
            asset: asset.into(),
            long: leg(sample.long.clone()),
            short: leg(sample.short.clone()),
            funding_rate: d(rate),
            funding_interval_hours: d(h),
            next_funding_time: Some(now + chrono::Duration::minutes(192)),
            ..sample
        }
    };
    Report {
        generated_at: now,
        params: ParamsEcho {
            min_apr_pct: Some(Decimal::TEN),
            hold_days: Decimal::from(7),
            leverage: Decimal::TWO,
            collateral: "USDT".into(),
            max_liq_prob: 0.01,
            min_volume_usd: Decimal::ZERO,
            assets: vec![],
            kinds: vec![Kind::Carry],
            quote_equivalence: vec![],
            venues: vec![Venue::Binance, Venue::Bybit, Venue::Okx],
            top: None,
            offline: false,
            demo: false,
        },
        venues: vec![
            VenueLine {
                venue: Venue::Binance,
                status: "ok",
                error: None,
                banned_until: None,
                perps: 512,
                spots: 1400,
                requests: 4,
                elapsed_ms: 230,
                interval_assumed: 0,
            },
            VenueLine {
                venue: Venue::Bybit,
                status: "banned",
                error: Some("banned until 2025-11-25T12:10:00Z".into()),
                banned_until: Some(now + chrono::Duration::minutes(10)),
                perps: 0,
                spots: 0,
                requests: 0,
                elapsed_ms: 0,
                interval_assumed: 0,
            },
            VenueLine {
                venue: Venue::Okx,
                status: "error",
                error: Some("okx tickers-swap: HTTP 500: oops".into()),
                banned_until: None,
                perps: 0,
                spots: 0,
                requests: 3,
                elapsed_ms: 1510,
                interval_assumed: 0,
            },
        ],
        opportunities: vec![
            opp(1, "SOL", "SOLUSDT", "0.0003", "8"),
            opp(2, "PEPE", "1000PEPEUSDT", "0.00005", "1"),
        ],
        dropped: Vec::new(),
        data_as_of: None,
    }
}
