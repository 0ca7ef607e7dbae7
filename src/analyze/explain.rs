//! Why a scan shows nothing: how many rows each filter dropped, and coins (`--assets`, `--collateral`) no venue lists.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::history::{HistoryFilters, enrich};
use super::{HistoryInputs, Params, analyze_with, rank};
use crate::model::{Opportunity, Snapshot, is_stablecoin};

/// One filter's share of an empty result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// The flag and its value, as given (`--min-apr 15`).
    pub filter: String,
    /// Rows it dropped, of those the filters before it kept.
    pub rows: usize,
    /// What to do about it, when there is more to say than "relax the filter".
    pub hint: Option<String>,
}

/// The filters of an empty scan in the order they apply, each with the rows it dropped of
/// those the ones before kept: `--min-volume`, `--min-apr`, `--min-pos-share`,
/// `--min-apr-7d`, `--safe-only`. Empty when there was no candidate to filter at all (no
/// positively funded perp with a second leg among the selected kinds and assets). Analyses the
/// snapshots once more without `--min-apr` and `--min-volume` (only called when nothing is
/// left, so a normal scan pays nothing).
#[must_use]
pub fn why_empty(
    snapshots: &[Snapshot],
    params: &Params,
    history: &HistoryInputs,
    filters: HistoryFilters,
    safe_only: bool,
) -> Vec<Dropped> {
    let open = Params {
        min_apr_pct: None,
        min_volume_usd: Decimal::ZERO,
        ..params.clone()
    };
    let mut rows = analyze_with(snapshots, &open, history);
    if rows.is_empty() {
        return Vec::new();
    }
    enrich(&mut rows, &history.settlements, HistoryFilters::default());
    let mut out = Vec::new();
    let min_volume = params.min_volume_usd;
    if min_volume > Decimal::ZERO {
        stage(
            &mut rows,
            &mut out,
            format!("--min-volume {}", min_volume.normalize()),
            None,
            &|o| rank::volume_ok(o.volume_24h_usd, min_volume),
        );
    }
    if let Some(min) = params.min_apr_pct {
        stage(
            &mut rows,
            &mut out,
            format!("--min-apr {}", min.normalize()),
            None,
            &|o| o.risk_adj_apr_pct >= min,
        );
    }
    let backfill = || {
        Some(
            "rows without 30 days of settled funding are dropped: `basis backfill` fetches it"
                .to_owned(),
        )
    };
    if let Some(share) = filters.min_pos_share {
        let no_history = rows.iter().filter(|o| o.pos_30d.is_none()).count();
        stage(
            &mut rows,
            &mut out,
            format!("--min-pos-share {share}"),
            (no_history > 0).then(backfill).flatten(),
            &|o| o.pos_30d.is_some_and(|p| p >= share),
        );
    }
    if let Some(min) = filters.min_apr_7d_pct {
        let no_history = rows.iter().filter(|o| o.apr_7d.is_none()).count();
        stage(
            &mut rows,
            &mut out,
            format!("--min-apr-7d {}", min.normalize()),
            (no_history > 0).then(|| {
                format!(
                    "{no_history} of them have no 7-day funding record: `basis backfill` fetches it"
                )
            }),
            &|o| o.apr_7d.is_some_and(|a| a >= min),
        );
    }
    if safe_only {
        stage(
            &mut rows,
            &mut out,
            "--safe-only".to_owned(),
            Some(format!(
                "--leverage {} is above their safe leverage; a lower --leverage keeps more",
                params.leverage.normalize()
            )),
            &|o| o.leverage_ok,
        );
    }
    out
}

/// Applies one filter to `rows` and records how many it dropped.
fn stage(
    rows: &mut Vec<Opportunity>,
    out: &mut Vec<Dropped>,
    filter: String,
    hint: Option<String>,
    keep: &dyn Fn(&Opportunity) -> bool,
) {
    let before = rows.len();
    rows.retain(|o| keep(o));
    out.push(Dropped {
        filter,
        rows: before - rows.len(),
        hint,
    });
}

/// Coins the scan's snapshots list (perp and spot assets, upper-case), with how many
/// venues list each.
fn listed(snapshots: &[Snapshot]) -> BTreeMap<String, BTreeSet<crate::model::Venue>> {
    let mut out: BTreeMap<String, BTreeSet<crate::model::Venue>> = BTreeMap::new();
    for s in snapshots {
        let coins = s
            .perps
            .iter()
            .map(|p| &p.asset)
            .chain(s.spots.iter().map(|q| &q.asset));
        for coin in coins {
            out.entry(coin.to_ascii_uppercase())
                .or_default()
                .insert(s.venue);
        }
    }
    out
}

/// Most coins named as "known" in a message: the most widely listed first.
const KNOWN_SHOWN: usize = 12;

/// The coins no venue of the scan lists, each as a message naming the flag and the coins that
/// are known: `--assets` coins, and a `--collateral` coin that is not a stablecoin (basis needs
/// its price to weigh the margin). Empty when every coin is known or no venue answered.
#[must_use]
pub fn unknown_coins(snapshots: &[Snapshot], params: &Params) -> Vec<String> {
    let listed = listed(snapshots);
    if listed.is_empty() {
        return Vec::new();
    }
    let known = || {
        let mut by_reach: Vec<(&String, usize)> =
            listed.iter().map(|(c, v)| (c, v.len())).collect();
        by_reach.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let shown: Vec<&str> = by_reach
            .iter()
            .take(KNOWN_SHOWN)
            .map(|(c, _)| c.as_str())
            .collect();
        let more = listed.len().saturating_sub(shown.len());
        if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    let mut out = Vec::new();
    let missing: Vec<String> = params
        .assets
        .iter()
        .map(|a| a.trim().to_ascii_uppercase())
        .filter(|a| !a.is_empty() && !listed.contains_key(a))
        .collect();
    if !missing.is_empty() {
        out.push(format!(
            "--assets {}: no venue of this scan lists {}; listed coins: {} (`--format json --min-apr -1000` shows every row)",
            missing.join(","),
            if missing.len() == 1 { "it" } else { "them" },
            known()
        ));
    }
    let collateral = params.collateral.trim().to_ascii_uppercase();
    if !is_stablecoin(&collateral) && !listed.contains_key(&collateral) {
        out.push(format!(
            "--collateral {collateral}: not a stablecoin and no venue of this scan lists it, so its price risk cannot be weighed; use a stablecoin ({}) or a listed coin: {}",
            crate::model::STABLECOINS.join(", "),
            known()
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::analyze::testkit::d;
    use crate::model::{PerpQuote, SpotQuote, Venue};
    use chrono::{DateTime, Utc};

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000, 0).unwrap()
    }

    /// One venue quoting `asset` spot and perp, the perp paying `rate` per 8 h.
    fn snapshot(venue: Venue, assets: &[(&str, &str)]) -> Snapshot {
        let mut s = Snapshot {
            venue,
            received_at: now(),
            perps: Vec::new(),
            spots: Vec::new(),
        };
        for (asset, rate) in assets {
            let symbol = format!("{asset}USDT");
            let (high, low) = (Some(d("103")), Some(d("97")));
            s.perps.push(PerpQuote {
                funding_rate: d(rate),
                next_funding_time: None,
                mark_price: Some(d("100")),
                index_price: Some(d("100")),
                bid: Some(d("100.0")),
                ask: Some(d("100.1")),
                high_24h: high,
                low_24h: low,
                ..PerpQuote::sample(venue, &symbol, (asset, "USDT"), now())
            });
            s.spots.push(SpotQuote {
                bid: Some(d("99.9")),
                ask: Some(d("100.0")),
                high_24h: high,
                low_24h: low,
                volume_24h_quote: Some(d("9000000")),
                ..SpotQuote::sample(venue, &symbol, (asset, "USDT"), now())
            });
        }
        s
    }

    fn why(snaps: &[Snapshot], params: &Params, apr_7d: Option<&str>, safe: bool) -> Vec<Dropped> {
        let filters = HistoryFilters {
            min_pos_share: None,
            min_apr_7d_pct: apr_7d.map(d),
        };
        why_empty(snaps, params, &HistoryInputs::default(), filters, safe)
    }

    fn world() -> Vec<Snapshot> {
        vec![
            snapshot(Venue::Binance, &[("BTC", "0.0001"), ("ETH", "0.0003")]),
            snapshot(Venue::Okx, &[("BTC", "0.0002"), ("SOL", "-0.0001")]),
        ]
    }

    #[test]
    fn each_filter_counts_the_rows_it_dropped_of_those_left() {
        let snaps = world();
        let mut params = Params::default();
        let all = super::super::analyze(&snaps, &params);
        assert!(all.len() >= 3, "{all:?}");
        params.min_volume_usd = d("6000000");
        params.min_apr_pct = Some(d("1000"));
        let got = why(&snaps, &params, Some("5"), true);
        let filters: Vec<&str> = got.iter().map(|d| d.filter.as_str()).collect();
        assert_eq!(
            filters,
            [
                "--min-volume 6000000",
                "--min-apr 1000",
                "--min-apr-7d 5",
                "--safe-only"
            ]
        );
        // The volume minimum is above every perp's 5 M: it drops every row; nothing is left
        // for the later filters.
        assert_eq!(got[0].rows, all.len());
        assert!(got[1..].iter().all(|d| d.rows == 0));

        params.min_volume_usd = Decimal::ZERO;
        let got = why(&snaps, &params, None, false);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].filter.as_str(), got[0].rows),
            ("--min-apr 1000", all.len())
        );

        // The history filter names backfill when rows have no record.
        params.min_apr_pct = None;
        let got = why(&snaps, &params, Some("5"), false);
        assert_eq!(got[0].rows, all.len());
        assert!(
            got[0].hint.as_deref().unwrap().contains("`basis backfill`"),
            "{got:?}"
        );
    }

    #[test]
    fn no_candidate_at_all_is_not_blamed_on_a_filter() {
        let snaps = vec![snapshot(Venue::Okx, &[("SOL", "-0.0001")])];
        let params = Params {
            min_apr_pct: Some(d("10")),
            kinds: vec![crate::model::Kind::Carry],
            ..Params::default()
        };
        assert!(why(&snaps, &params, None, false).is_empty());
    }

    #[test]
    fn unknown_assets_and_collateral_name_what_is_listed() {
        let snaps = world();
        let mut params = Params {
            assets: vec!["btc".into(), "NOPE".into()],
            ..Params::default()
        };
        // The one message for the given params.
        let only = |params: &Params| {
            let msgs = unknown_coins(&snaps, params);
            assert_eq!(msgs.len(), 1, "{msgs:?}");
            msgs[0].clone()
        };
        let msg = only(&params);
        assert!(msg.starts_with("--assets NOPE: no venue"), "{msg}");
        // Most widely listed first.
        assert!(msg.contains("listed coins: BTC, ETH, SOL"), "{msg}");

        params.assets.clear();
        params.collateral = "FOO".into();
        let msg = only(&params);
        assert!(
            msg.starts_with("--collateral FOO: not a stablecoin"),
            "{msg}"
        );
        for ok in ["USDC", "eth", "SOL"] {
            params.collateral = ok.into();
            assert!(unknown_coins(&snaps, &params).is_empty(), "{ok}");
        }
        // Nothing listed (no venue answered): nothing to judge by.
        params.collateral = "FOO".into();
        assert!(unknown_coins(&[], &params).is_empty());
    }
}
