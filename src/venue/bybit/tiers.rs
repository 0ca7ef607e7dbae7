//! Bybit margin tiers (pure): the linear risk-limit table, every symbol, paged by cursor, into [`MarginTier`]s.
//!
//! `GET /v5/market/risk-limit?category=linear` (no key) answers 15 symbols a page and a
//! `nextPageCursor`; each row is one tier of one symbol: `riskLimitValue` (the tier's notional
//! cap, USDT), `maintenanceMargin` and `initialMargin` (fractions; strings, or numbers as the
//! docs' table types them) and `mmDeduction` (the maintenance amount, `""` on the first tier).
//! A tier's floor is the previous tier's cap. About 35 pages for every linear perp, asked hourly
//! with the instrument lists (weight 1 each).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::wire::{BybitEnvelope, BybitList, BybitRiskLimit};
use crate::model::account::MarginTier;
use crate::venue::kit::{self, Endpoint};
use crate::venue::margin::Tiers;
use crate::venue::rows;
use crate::venue::{Body, ParseError, Request};

/// The linear risk-limit table.
pub const RISK_LIMIT: Endpoint = Endpoint {
    name: "risk-limit-linear",
    host: "main",
    path: "/v5/market/risk-limit",
    weight: 1,
    docs: "https://bybit-exchange.github.io/docs/v5/market/risk-limit",
};

/// One risk-limit body.
type Envelope<'a> = BybitEnvelope<'a, BybitList<'a, BybitRiskLimit<'a>>>;

/// The first page of the table.
#[must_use]
pub fn requests() -> Vec<Request> {
    vec![RISK_LIMIT.request().query("category", "linear")]
}

fn page(body: &[u8]) -> Result<BybitList<'_, BybitRiskLimit<'_>>, ParseError> {
    let env: Envelope<'_> = kit::decode(RISK_LIMIT.name, body)?;
    if env.ret_code.get().is_some_and(|c| c != 0) {
        return Err(ParseError::new(
            RISK_LIMIT.name,
            format!(
                "Bybit answered retCode {} ({}); the tiers are skipped this refresh",
                env.ret_code.get().unwrap_or_default(),
                env.ret_msg.as_str()
            ),
        ));
    }
    env.result
        .ok_or_else(|| ParseError::new(RISK_LIMIT.name, "no `result` in the answer"))
}

/// The request of the page after `body`: the same with `cursor` set to its `nextPageCursor`;
/// none when the cursor is empty or the one just asked.
///
/// # Errors
/// A [`ParseError`] naming the endpoint when the body is not its JSON.
pub fn next_page(request: &Request, body: &[u8]) -> Result<Option<Request>, ParseError> {
    if request.endpoint != RISK_LIMIT.name {
        return Ok(None);
    }
    let page = page(body)?;
    let Some(cursor) = page.next_page_cursor.get() else {
        return Ok(None);
    };
    let mut next = request.clone();
    let current = next.query.iter_mut().find(|(k, _)| *k == "cursor");
    match current {
        Some((_, v)) if v == cursor => return Ok(None),
        Some((_, v)) => cursor.clone_into(v),
        None => next = next.query("cursor", cursor),
    }
    Ok(Some(next))
}

/// Every symbol's tiers in the risk-limit pages of `bodies` (none fetched: none).
///
/// # Errors
/// A [`ParseError`] naming the endpoint when a page is not its JSON or carries an error.
pub fn parse(bodies: &[Body<'_>]) -> Result<Tiers, ParseError> {
    let pages = kit::each_body(bodies, RISK_LIMIT.name, false, page)?;
    let mut caps: BTreeMap<String, Vec<(Decimal, MarginTier)>> = BTreeMap::new();
    for row in pages.iter().filter_map(|p| p.list.as_ref()).flatten() {
        let (Some(symbol), Some(cap), Some(m)) = (
            row.symbol.get(),
            row.risk_limit_value.get(),
            row.maintenance_margin.get(),
        ) else {
            continue;
        };
        let tier = MarginTier {
            floor: Decimal::ZERO,
            maintenance_rate: m,
            cum: row.mm_deduction.get().unwrap_or_default(),
            initial_rate: row.initial_margin.get(),
        };
        caps.entry(symbol.to_owned()).or_default().push((cap, tier));
    }
    Ok(caps
        .into_iter()
        .map(|(symbol, mut rows)| {
            rows.sort_by_key(|(cap, _)| *cap);
            rows.dedup_by_key(|(cap, _)| *cap);
            let tiers = rows::floors_from_caps(rows)
                .into_iter()
                .map(|(floor, tier)| MarginTier { floor, ..tier })
                .collect();
            (symbol, tiers)
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    //! Bybit's own paging; what its tiers parse to is pinned by `crate::venue::rows`'s tier
    //! suite.

    use super::*;
    use crate::venue::margin;
    use crate::venue::testkit::dec as d;

    const FIXTURE: &str = include_str!("../../../fixtures/bybit/risk-limit-linear.json");

    #[test]
    fn every_table_is_kept_and_the_scan_takes_its_first_rate() {
        let request = requests().remove(0);
        let bodies = [Body {
            request: &request,
            bytes: FIXTURE.as_bytes(),
        }];
        let kept = margin::parse(
            crate::model::Venue::Bybit,
            &bodies,
            &crate::model::Reference::default(),
        )
        .unwrap();
        assert_eq!(kept, parse(&bodies).unwrap());
        assert_eq!(margin::first_rates(&kept)["BTCUSDT"], d("0.005"));
    }

    #[test]
    fn pages_follow_the_cursor_and_stop() {
        let first = requests().remove(0);
        assert_eq!(
            (
                first.endpoint,
                first.host,
                first.path.as_str(),
                first.weight
            ),
            ("risk-limit-linear", "main", "/v5/market/risk-limit", 1)
        );
        let second = next_page(&first, FIXTURE.as_bytes()).unwrap().unwrap();
        assert_eq!(
            second.query,
            [
                ("category", "linear".to_owned()),
                ("cursor", "15".to_owned())
            ]
        );
        assert_eq!(next_page(&second, FIXTURE.as_bytes()).unwrap(), None);
        let last = FIXTURE.replace(r#""nextPageCursor": "15""#, r#""nextPageCursor": """#);
        assert_eq!(next_page(&first, last.as_bytes()).unwrap(), None);
    }
}
