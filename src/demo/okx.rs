//! OKX v5 payloads (instruments, funding, tickers, open interest, mark, index) for a synthetic universe.
//!
//! Same envelope, field names and all-strings encoding as the live API. OKX quotes every SWAP
//! per coin and sizes it in contracts of `ctVal` coins, so the universe's multiplied markets
//! (`1000PEPE` elsewhere) are rendered as `PEPE-USDT-SWAP` with per-coin prices and a large
//! `ctVal`. The instrument lists also hold rows the adapter must filter out (an inverse swap,
//! preopen, suspended, pre-market and `xperp` swaps, a dated future, suspended and preopen spot
//! pairs); the tickers, funding and open-interest payloads carry rows for them too. The
//! discount-rate tiers list every coin of the universe, USDT, USDC and one coin the universe does
//! not list, the first tier at the demos' shared [`collateral_haircut`](super::collateral_haircut).

use rust_decimal::Decimal;

use super::json::{Value, body, json, text};
use super::{
    Ask, Day, Funding, HOUR_MS, Route, SynthCandle, SynthMarket, Universe, list_rows, spot_days,
};
use super::{collateral_coins, collateral_haircut, quantity_tiers};
use crate::model::is_stablecoin;
use crate::venue::Bar;
use crate::venue::okx::{
    DISCOUNT_RATES, FUNDING_RATES, HOST, INDEX_QUOTES, OLDER_CANDLES, QUOTE_INDEX_TICKERS,
    RECENT_CANDLES, SWAP_FUNDING_HISTORY, SWAP_INSTRUMENTS, SWAP_MARK_PRICES, SWAP_OPEN_INTEREST,
    SWAP_TICKERS,
};

/// Symbols the demo lists but the adapter must drop, with why (SWAP list).
pub const FILTERED_SWAPS: [(&str, &str); 6] = [
    ("BTC-USD-SWAP", "inverse"),
    ("DEMOPRE-USDT-SWAP", "preopen"),
    ("DEMOHALT-USDT-SWAP", "suspend"),
    ("DEMOPM-USDT-SWAP", "pre_market"),
    ("DEMOXP-USDT-SWAP", "xperp"),
    ("BTC-USDT-270326", "futures"),
];

/// Spot pairs the demo lists but the adapter must drop (not live).
pub const FILTERED_SPOTS: [(&str, &str); 2] =
    [("DEMOHALT-USDT", "suspend"), ("DEMOPRE-USDT", "preopen")];

/// Routes serving `universe` in OKX's formats: every request of the reference plan and of the
/// full snapshot plan.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    let mut routes = vec![
        Route::new(HOST, SWAP_INSTRUMENTS.path, swap_instruments(universe))
            .with_query("instType", "SWAP"),
        Route::new(HOST, SWAP_INSTRUMENTS.path, spot_instruments(universe))
            .with_query("instType", "SPOT"),
        Route::new(HOST, DISCOUNT_RATES.path, discount_rates(universe)),
        Route::new(HOST, FUNDING_RATES.path, funding_rates(universe)).with_query("instId", "ANY"),
        Route::new(HOST, SWAP_TICKERS.path, swap_tickers(universe)).with_query("instType", "SWAP"),
        Route::new(HOST, SWAP_TICKERS.path, spot_tickers(universe)).with_query("instType", "SPOT"),
        Route::new(HOST, SWAP_OPEN_INTEREST.path, open_interest(universe))
            .with_query("instType", "SWAP"),
        Route::new(HOST, SWAP_MARK_PRICES.path, mark_prices(universe))
            .with_query("instType", "SWAP"),
    ];
    for quote in INDEX_QUOTES {
        routes.push(
            Route::new(
                HOST,
                QUOTE_INDEX_TICKERS.path,
                index_tickers(universe, quote),
            )
            .with_query("quoteCcy", quote),
        );
    }
    routes
}

/// `GET /api/v5/public/discount-rate-interest-free-quota` without `ccy`: per coin the three
/// tiers by coin amount of [`quantity_tiers`] (the last with `maxAmt` `""`), numbered from 1.
fn discount_rates(u: &Universe) -> String {
    let s = |d: Decimal| d.normalize().to_string();
    let data: Vec<Value> = collateral_coins(u)
        .into_iter()
        .map(|(coin, price)| {
            let k = collateral_haircut(&coin);
            let stable = is_stablecoin(&coin);
            let details: Vec<Value> = quantity_tiers(&coin, price)
                .iter()
                .zip(1_u32..)
                .map(|(t, tier)| {
                    let equity = t.max.map_or(Decimal::ZERO, |max| {
                        ((max - t.min) * price * t.ratio).round_dp(0)
                    });
                    let penalty = if stable {
                        Decimal::ZERO
                    } else {
                        Decimal::new(i64::from(tier) + 1, 2)
                    };
                    json!({
                        "discountRate": s(t.ratio),
                        "liqPenaltyRate": s(penalty),
                        "maxAmt": t.max.map_or_else(String::new, s),
                        "minAmt": s(t.min),
                        "tier": tier.to_string(),
                        "disCcyEq": s(equity)
                    })
                })
                .collect();
            let level = if k >= Decimal::new(95, 2) {
                "1"
            } else if k >= Decimal::new(8, 1) {
                "2"
            } else {
                "3"
            };
            json!({
                "amt": "0",
                "ccy": coin,
                "details": details,
                "discountLv": level,
                "minDiscountRate": "0"
            })
        })
        .collect();
    ok(data)
}

/// The contract value OKX would pick: a power of ten worth 1–1000 quote units per contract
/// (0.01 BTC, 0.1 ETH, 100 000 PEPE).
#[must_use]
pub fn contract_value(price: Decimal) -> Decimal {
    super::contract_unit(price)
}

/// The SWAP symbol of a universe market (`BTC-USDT-SWAP`).
#[must_use]
pub fn swap_id(m: &SynthMarket) -> String {
    format!("{}-{}-SWAP", m.asset, m.quote)
}

/// The SPOT symbol of a universe market (`BTC-USDT`).
#[must_use]
pub fn spot_id(m: &SynthMarket) -> String {
    format!("{}-{}", m.asset, m.quote)
}

/// `{"code":"0","msg":"","data":rows}`: an OKX answer.
fn ok(rows: Vec<Value>) -> String {
    body(&json!({"code": "0", "msg": "", "data": rows}))
}

/// A whole SWAP instrument row, as OKX lists it.
struct SwapRow<'a> {
    inst_type: &'a str,
    inst_id: &'a str,
    family: &'a str,
    settle: &'a str,
    ct_val: Decimal,
    ct_val_ccy: &'a str,
    ct_type: &'a str,
    state: &'a str,
    rule: &'a str,
    tick: Decimal,
    code: usize,
    exp_time: &'a str,
}

fn swap_row(rows: &mut Vec<Value>, r: &SwapRow<'_>, now_ms: i64) {
    rows.push(json!({
        "alias": if r.inst_type == "FUTURES" { "quarter" } else { "" },
        "auctionEndTime": "",
        "baseCcy": "",
        "category": "1",
        "contTdSwTime": "",
        "ctMult": "1",
        "ctType": text(r.ct_type),
        "ctVal": text(r.ct_val),
        "ctValCcy": text(r.ct_val_ccy),
        "expTime": text(r.exp_time),
        "futureSettlement": false,
        "instFamily": text(r.family),
        "instId": text(r.inst_id),
        "instIdCode": 10_000 + r.code,
        "instType": text(r.inst_type),
        "lever": "50",
        "listTime": text(now_ms - 400 * 24 * HOUR_MS),
        "lotSz": "0.01",
        "maxIcebergSz": "100000000.0000000000000000",
        "maxLmtAmt": "20000000",
        "maxLmtSz": "100000000",
        "maxMktAmt": "",
        "maxMktSz": "20000",
        "maxStopSz": "20000",
        "minSz": "0.01",
        "openType": "",
        "optType": "",
        "quoteCcy": "",
        "ruleType": text(r.rule),
        "settleCcy": text(r.settle),
        "state": text(r.state),
        "stk": "",
        "tickSz": text(r.tick),
        "tradeQuoteCcyList": [],
        "uly": text(r.family),
    }));
}

fn tick_size(price: Decimal) -> Decimal {
    Decimal::new(1, price.scale())
}

fn swap_instruments(u: &Universe) -> String {
    let mut rows = Vec::new();
    for (i, m) in u.perps().enumerate() {
        let id = swap_id(m);
        let family = spot_id(m);
        swap_row(
            &mut rows,
            &SwapRow {
                inst_type: "SWAP",
                inst_id: &id,
                family: &family,
                settle: &m.quote,
                ct_val: contract_value(m.price),
                ct_val_ccy: &m.asset,
                ct_type: "linear",
                state: "live",
                rule: "normal",
                tick: tick_size(m.perp_bid),
                code: i,
                exp_time: "",
            },
            u.now_ms,
        );
    }
    let dated_exp = ((u.now_ms / (24 * HOUR_MS)) + 180) * 24 * HOUR_MS;
    let dated_exp = dated_exp.to_string();
    for (i, (id, why)) in FILTERED_SWAPS.iter().enumerate() {
        let (pair, _) = id.rsplit_once('-').unwrap_or((id, ""));
        let (base, quote) = pair.split_once('-').unwrap_or((pair, "USDT"));
        let mut row = SwapRow {
            inst_type: "SWAP",
            inst_id: id,
            family: pair,
            settle: quote,
            ct_val: Decimal::ONE,
            ct_val_ccy: base,
            ct_type: "linear",
            state: "live",
            rule: "normal",
            tick: Decimal::new(1, 4),
            code: 90_000 + i,
            exp_time: "",
        };
        match *why {
            "inverse" => {
                row.ct_type = "inverse";
                row.ct_val = Decimal::ONE_HUNDRED;
                row.ct_val_ccy = "USD";
                row.settle = base;
            }
            "preopen" | "suspend" => row.state = why,
            "pre_market" | "xperp" => row.rule = why,
            _ => {
                row.inst_type = "FUTURES";
                row.exp_time = &dated_exp;
            }
        }
        swap_row(&mut rows, &row, u.now_ms);
    }
    ok(rows)
}

fn spot_row(
    rows: &mut Vec<Value>,
    id: &str,
    base: &str,
    quote: &str,
    state: &str,
    tick: Decimal,
    now_ms: i64,
) {
    rows.push(json!({
        "alias": "",
        "auctionEndTime": "",
        "baseCcy": text(base),
        "category": "1",
        "ctMult": "",
        "ctType": "",
        "ctVal": "",
        "ctValCcy": "",
        "expTime": "",
        "futureSettlement": false,
        "instFamily": "",
        "instId": text(id),
        "instType": "SPOT",
        "lever": "10",
        "listTime": text(now_ms - 700 * 24 * HOUR_MS),
        "lotSz": "0.00000001",
        "maxLmtAmt": "1000000",
        "maxLmtSz": "9999999999",
        "maxMktAmt": "1000000",
        "maxMktSz": "",
        "minSz": "0.00001",
        "optType": "",
        "quoteCcy": text(quote),
        "settleCcy": "",
        "state": text(state),
        "ruleType": "normal",
        "stk": "",
        "tickSz": text(tick),
        "uly": "",
    }));
}

fn spot_instruments(u: &Universe) -> String {
    let mut rows = Vec::new();
    for m in u.spots() {
        spot_row(
            &mut rows,
            &spot_id(m),
            &m.asset,
            &m.quote,
            "live",
            tick_size(m.spot_bid),
            u.now_ms,
        );
    }
    for (id, state) in FILTERED_SPOTS {
        let (base, quote) = id.split_once('-').unwrap_or((id, "USDT"));
        spot_row(
            &mut rows,
            id,
            base,
            quote,
            state,
            Decimal::new(1, 4),
            u.now_ms,
        );
    }
    ok(rows)
}

/// The SWAP symbols the funding, ticker and open-interest payloads carry for filtered rows
/// (OKX's SWAP endpoints return every swap, inverse and pre-market ones included).
fn filtered_swap_ids() -> impl Iterator<Item = &'static str> {
    FILTERED_SWAPS
        .iter()
        .filter(|(_, why)| *why != "futures")
        .map(|(id, _)| *id)
}

fn funding_row(id: &str, f: &Funding, now_ms: i64) -> Value {
    let (rate, funding_ms, hours) = (f.rate, f.next_ms, i64::from(f.interval_hours));
    json!({
        "formulaType": "noRate",
        "fundingRate": text(rate),
        "fundingTime": text(funding_ms),
        "impactValue": "",
        "instId": text(id),
        "instType": "SWAP",
        "interestRate": "",
        "maxFundingRate": "0.02",
        "method": "current_period",
        "minFundingRate": "-0.02",
        "nextFundingRate": "",
        "nextFundingTime": text(funding_ms + hours * HOUR_MS),
        "premium": text((rate / Decimal::TEN).round_dp(16).normalize()),
        "settFundingRate": text(Decimal::new(1, 4)),
        "settState": "settled",
        "ts": text(now_ms),
    })
}

fn funding_rates(u: &Universe) -> String {
    let listed = u
        .perps()
        .map(|m| funding_row(&swap_id(m), &Funding::of(m), u.now_ms));
    let filler = Funding::filler(u.now_ms);
    let filtered = filtered_swap_ids().map(|id| funding_row(id, &filler, u.now_ms));
    ok(listed.chain(filtered).collect())
}

/// One ticker row of `d`: `volume` is `vol24h`, `quote_volume` is `volCcy24h` in the
/// instType's own unit.
fn ticker_row(inst_type: &str, id: &str, d: &Day, now_ms: i64) -> Value {
    json!({
        "instType": text(inst_type),
        "instId": text(id),
        "last": text(d.last),
        "lastSz": "1",
        "askPx": text(d.ask),
        "askSz": "12",
        "bidPx": text(d.bid),
        "bidSz": "7",
        "open24h": text(d.low),
        "high24h": text(d.high),
        "low24h": text(d.low),
        "volCcy24h": text(d.quote_volume),
        "vol24h": text(d.volume),
        "sodUtc0": text(d.last),
        "sodUtc8": text(d.last),
        "ts": text(now_ms),
    })
}

fn swap_tickers(u: &Universe) -> String {
    let listed = u.perps().map(|m| {
        let contracts = (m.volume_base / contract_value(m.price))
            .round_dp(2)
            .normalize();
        // A swap's `volCcy24h` counts the base coin.
        let day = Day {
            quote_volume: m.volume_base,
            ..Day::perp_per_coin(m, contracts)
        };
        ticker_row("SWAP", &swap_id(m), &day, u.now_ms)
    });
    let filtered = filtered_swap_ids().map(|id| ticker_row("SWAP", id, &Day::FILLER, u.now_ms));
    ok(listed.chain(filtered).collect())
}

fn spot_tickers(u: &Universe) -> String {
    let row = |id: &str, day: &Day| ticker_row("SPOT", id, day, u.now_ms);
    ok(list_rows(
        spot_days(u, spot_id),
        &FILTERED_SPOTS,
        Day::FILLER,
        row,
    ))
}

fn open_interest(u: &Universe) -> String {
    let mut rows = Vec::new();
    let mut push = |id: &str, oi: Decimal, oi_ccy: Decimal, oi_usd: Decimal| {
        rows.push(json!({
        "instType": "SWAP",
        "instId": text(id),
        "oi": text(oi),
        "oiCcy": text(oi_ccy),
        "oiUsd": text(oi_usd),
        "ts": text(u.now_ms),
        }));
    };
    for m in u.perps() {
        let ct_val = contract_value(m.price);
        let contracts = (m.open_interest / ct_val).round_dp(2).normalize();
        let usd = (m.open_interest * m.mark).round_dp(2).normalize();
        push(&swap_id(m), contracts, m.open_interest, usd);
    }
    for id in filtered_swap_ids() {
        push(id, Decimal::TEN, Decimal::TEN, Decimal::TEN);
    }
    ok(rows)
}

fn mark_prices(u: &Universe) -> String {
    let mut rows = Vec::new();
    let ids = u
        .perps()
        .map(|m| (swap_id(m), m.mark))
        .chain(filtered_swap_ids().map(|id| (id.to_owned(), Decimal::ONE)));
    for (id, mark) in ids {
        rows.push(json!({
        "instType": "SWAP",
        "instId": text(id),
        "markPx": text(mark),
        "ts": text(u.now_ms),
        }));
    }
    ok(rows)
}

fn index_tickers(u: &Universe, quote: &str) -> String {
    let mut rows = Vec::new();
    for m in u.markets.iter().filter(|m| m.quote == quote) {
        rows.push(json!({
        "instId": text(spot_id(m)),
        "idxPx": text(m.index),
        "high24h": text(m.high),
        "sodUtc0": text(m.index),
        "open24h": text(m.low),
        "low24h": text(m.low),
        "sodUtc8": text(m.index),
        "ts": text(u.now_ms),
        }));
    }
    ok(rows)
}

/// Answers the history endpoints this venue's demo serves (see [`super::server::Dynamic`]):
/// settled funding ([`history`]) and recent and older candles ([`candles`]); `None` for any
/// other path.
#[must_use]
pub fn respond(universe: &Universe, ask: &Ask<'_>) -> Option<String> {
    history(universe, ask.path, ask.query).or_else(|| candles(universe, ask.path, ask.query))
}

/// Days of funding history OKX keeps (and the demo serves).
const HISTORY_DAYS: i64 = 90;

/// An OKX business error (HTTP 200, `code` not `"0"`, empty `data`).
fn error(code: &str, msg: &str) -> String {
    body(&json!({"code": code, "data": [], "msg": msg}))
}

/// `after`, `before` and `limit` of a paged request as `param` reads them, each if present, or
/// the `51000` answer naming the first that is not a number.
fn cursors<'q>(param: impl Fn(&str) -> Option<&'q str>) -> Result<[Option<i64>; 3], String> {
    let mut numbers = [None; 3];
    for (slot, key) in numbers.iter_mut().zip(["after", "before", "limit"]) {
        if let Some(v) = param(key) {
            let n = v
                .parse::<i64>()
                .map_err(|_| error("51000", &format!("Parameter {key} error")))?;
            *slot = Some(n);
        }
    }
    Ok(numbers)
}

/// One page of `GET /api/v5/public/funding-rate-history` for `path` (below the host prefix) and
/// `query`, as the live API answers it: newest first; records with `fundingTime` older than
/// `after` and newer than `before` (both exclusive), the newest `limit` of them (default 100, at
/// most 100); 90 days back at most. A missing `instId` gets `50014`, an unknown one `51001`,
/// a non-numeric cursor or limit `51000`. `None` when `path` is not that endpoint.
#[must_use]
pub fn history(universe: &Universe, path: &str, query: &[(String, String)]) -> Option<String> {
    if path != SWAP_FUNDING_HISTORY.path {
        return None;
    }
    let param = |key: &str| {
        query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let Some(inst_id) = param("instId") else {
        return Some(error("50014", "Parameter instId can not be empty."));
    };
    let Some(m) = universe.perps().find(|m| swap_id(m) == inst_id) else {
        return Some(error("51001", "Instrument ID does not exist"));
    };
    let [after, before, limit] = match cursors(param) {
        Ok(numbers) => numbers,
        Err(e) => return Some(e),
    };
    let limit = usize::try_from(limit.unwrap_or(100).clamp(1, 100)).unwrap_or(100);
    let times = m.settlements(
        universe.now_ms,
        HISTORY_DAYS,
        before.map_or(i64::MIN, |b| b.saturating_add(1)),
        after.map_or(i64::MAX, |a| a.saturating_sub(1)),
    );
    let mut rows = Vec::new();
    for t in times.iter().rev().take(limit) {
        let rate = m.historic_rate(*t);
        rows.push(json!({
        "formulaType": "noRate",
        "fundingRate": text(rate),
        "fundingTime": text(t),
        "instId": text(inst_id),
        "instType": "SWAP",
        "method": "current_period",
        "realizedRate": text(rate),
        }));
    }
    Some(ok(rows))
}

#[cfg(test)]
pub(super) mod history_tests {
    use serde_json::json;

    use super::*;
    use crate::demo::DAY_MS;
    use crate::demo::roundtrip::history::History;

    /// `GET /api/v5/public/funding-rate-history` answers like the live endpoint (a row of the
    /// table test in `roundtrip::history`).
    pub(in crate::demo) fn check_funding_history(h: History<'_>) {
        let (now, u, m, step, last) = (h.now, h.u, h.m, h.step, h.last);
        let id = swap_id(m);
        assert_eq!(history(u, FUNDING_RATES.path, &[]), None);
        let answer = |pairs: &[(&str, &str)]| h.get(SWAP_FUNDING_HISTORY.path, pairs);
        let ok = [("/code", json!("0"))];
        let rows = |query: &[(&str, &str)]| h.rows(SWAP_FUNDING_HISTORY.path, query, &ok, "/data");
        // Default: the newest 100, newest first, every field a string.
        let latest = rows(&[("instId", &id)]);
        assert_eq!(latest.len(), 100);
        assert_eq!(latest[0]["fundingTime"], json!(last.to_string()));
        assert_eq!(
            latest[99]["fundingTime"],
            json!((last - 99 * step).to_string())
        );
        assert_eq!(latest[0]["instId"], json!(id));
        assert!(latest[0]["realizedRate"].is_string() && latest[0]["fundingRate"].is_string());
        // `after` and `before` are exclusive.
        let (a, b) = (
            (last - 5 * step).to_string(),
            (last - 10 * step).to_string(),
        );
        let between = rows(&[("instId", &id), ("after", &a), ("before", &b)]);
        assert_eq!(between.len(), 4);
        assert_eq!(
            between[0]["fundingTime"],
            json!((last - 6 * step).to_string())
        );
        assert_eq!(
            between[3]["fundingTime"],
            json!((last - 9 * step).to_string())
        );
        let two = rows(&[("instId", &id), ("after", &a), ("limit", "2")]);
        assert_eq!(two.len(), 2);
        // At most 100 a page and 90 days back.
        let all = rows(&[
            ("instId", &id),
            ("limit", "500"),
            ("after", "99999999999999"),
        ]);
        assert_eq!(all.len(), 100);
        let old = rows(&[("instId", &id), ("after", &(now - 90 * DAY_MS).to_string())]);
        assert!(old.is_empty());
        // Errors as OKX sends them.
        assert_eq!(
            answer(&[("instId", "NOPE-USDT-SWAP")])["code"],
            json!("51001")
        );
        assert_eq!(answer(&[])["code"], json!("50014"));
        assert_eq!(
            answer(&[("instId", &id), ("after", "x")])["code"],
            json!("51000")
        );
    }
}

/// The bar lengths the demo serves: OKX's `bar` name, the length, and the offset of its day
/// boundary from 00:00 UTC (`1D` bars open at 00:00 Hong Kong time = 16:00 UTC).
fn demo_bar(name: &str) -> Option<(Bar, i64)> {
    match name {
        "1H" => Some((Bar::Hour, 0)),
        "1Dutc" => Some((Bar::Day, 0)),
        "1D" => Some((Bar::Day, 8 * HOUR_MS)),
        _ => None,
    }
}

/// Bars of `m` opening in `[from, to]`: the synthetic UTC bars, or for UTC+8 days the hourly
/// bars aggregated into days opening at 16:00 UTC.
fn bars_of(
    m: &SynthMarket,
    bar: Bar,
    shift: i64,
    from: i64,
    to: i64,
    now: i64,
) -> Vec<SynthCandle> {
    if shift == 0 {
        return m.candles(bar, from, to, now);
    }
    m.shifted_days(shift, from, to, now)
}

/// One page of `GET /api/v5/market/candles` or `GET /api/v5/market/history-candles` for `path`
/// (below the host prefix) and `query`, as the live API answers it: `data` of string arrays
/// `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`, newest first; bars with `ts` older
/// than `after` and newer than `before` (both exclusive), the newest `limit` of them (default
/// 100; at most 300 on `candles`, 100 on `history-candles`, larger values silently capped);
/// `candles` reaches only the latest 1,440 bars, `history-candles` the 120 days the demo keeps;
/// the running bar (`confirm` "0") comes first on both. SWAP prices per coin, `vol` in
/// contracts of `ctVal` coins, `volCcy` in coins; SPOT `vol` in coins, `volCcy` in the quote.
/// Bars `1H`, `1Dutc` (00:00 UTC) and `1D` (00:00 UTC+8); the other bars the live API knows get
/// `51000` here, since the synthetic price path is hourly, as does a non-numeric cursor or limit;
/// a missing `instId` gets `50014`, an unknown one `51001`. `None` when `path` is neither
/// endpoint.
#[must_use]
pub fn candles(universe: &Universe, path: &str, query: &[(String, String)]) -> Option<String> {
    let (recent_only, max) = match path {
        p if p == RECENT_CANDLES.path => (true, 300),
        p if p == OLDER_CANDLES.path => (false, 100),
        _ => return None,
    };
    let param = |key: &str| super::param(query, key).filter(|v| !v.is_empty());
    let Some(inst_id) = param("instId") else {
        return Some(error("50014", "Parameter instId can not be empty."));
    };
    let swap = universe.perps().find(|m| swap_id(m) == inst_id);
    let Some(m) = swap.or_else(|| universe.spots().find(|m| spot_id(m) == inst_id)) else {
        return Some(error("51001", "Instrument ID does not exist"));
    };
    let Some((bar, shift)) = demo_bar(param("bar").unwrap_or("1m")) else {
        return Some(error("51000", "Parameter bar error"));
    };
    let [after, before, limit] = match cursors(param) {
        Ok(numbers) => numbers,
        Err(e) => return Some(e),
    };
    let limit = usize::try_from(limit.unwrap_or(100).clamp(1, max)).unwrap_or(100);
    let now = universe.now_ms;
    let step = bar.millis();
    let running = (now + shift).div_euclid(step) * step - shift;
    let oldest = if recent_only {
        running - 1439 * step
    } else {
        i64::MIN / 2
    };
    let from = before.map_or(oldest, |b| b.saturating_add(1).max(oldest));
    let to = after.map_or(i64::MAX / 2, |a| a.saturating_sub(1));
    let bars = bars_of(m, bar, shift, from, to, now);
    let ct_val = contract_value(m.price);
    let data: Vec<serde_json::Value> = bars
        .iter()
        .rev()
        .take(limit)
        .map(|c| {
            let quote = (c.volume * c.close).round_dp(4).normalize();
            let (vol, vol_ccy) = if swap.is_some() {
                (
                    (c.volume / ct_val).round_dp(2).normalize(),
                    c.volume.normalize(),
                )
            } else {
                (c.volume.normalize(), quote)
            };
            let confirm = if c.open_ms + step > now { "0" } else { "1" };
            serde_json::json!([
                c.open_ms.to_string(),
                c.open.normalize().to_string(),
                c.high.normalize().to_string(),
                c.low.normalize().to_string(),
                c.close.normalize().to_string(),
                vol.to_string(),
                vol_ccy.to_string(),
                quote.to_string(),
                confirm,
            ])
        })
        .collect();
    Some(ok(data))
}

#[cfg(test)]
mod candle_tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::demo::DAY_MS;
    use crate::demo::roundtrip::get_json;
    use crate::model::Venue;

    fn answer(u: &Universe, path: &str, pairs: &[(&str, &str)]) -> Value {
        get_json(respond, u, path, pairs)
    }

    fn rows(u: &Universe, path: &str, query: &[(&str, &str)]) -> Vec<Value> {
        let v = answer(u, path, query);
        assert_eq!(v["code"], json!("0"), "{v}");
        v["data"].as_array().cloned().unwrap_or_default()
    }

    fn ts(row: &Value) -> i64 {
        row[0].as_str().and_then(|t| t.parse().ok()).expect("ts")
    }

    #[test]
    fn candles_answer_like_the_live_endpoints() {
        let now = 1_760_000_000_000 + 17 * 60_000;
        let u = Universe::generate(Venue::Okx, 40, 40, now);
        let hour = now / HOUR_MS * HOUR_MS;
        assert_eq!(candles(&u, SWAP_FUNDING_HISTORY.path, &[]), None);
        let btc = &u.markets[0];
        let (swap, spot) = (swap_id(btc), spot_id(btc));
        // Default limit 100, newest first, the running bar first with confirm "0", all strings.
        let latest = rows(&u, RECENT_CANDLES.path, &[("instId", &swap), ("bar", "1H")]);
        assert_eq!(latest.len(), 100);
        assert_eq!((ts(&latest[0]), &latest[0][8]), (hour, &json!("0")));
        assert_eq!(latest[0][4], json!(btc.price.normalize().to_string()));
        assert_eq!(
            (ts(&latest[1]), &latest[1][8]),
            (hour - HOUR_MS, &json!("1"))
        );
        assert_eq!(ts(&latest[99]), hour - 99 * HOUR_MS);
        assert!(
            latest[0]
                .as_array()
                .is_some_and(|r| r.len() == 9 && r.iter().all(Value::is_string))
        );
        // `after` and `before` exclusive; limits 300 and 100, silently capped.
        let (a, b) = (
            (hour - 5 * HOUR_MS).to_string(),
            (hour - 10 * HOUR_MS).to_string(),
        );
        let between = rows(
            &u,
            OLDER_CANDLES.path,
            &[
                ("instId", &spot),
                ("bar", "1H"),
                ("after", &a),
                ("before", &b),
            ],
        );
        assert_eq!(between.len(), 4);
        assert_eq!(
            (ts(&between[0]), ts(&between[3])),
            (hour - 6 * HOUR_MS, hour - 9 * HOUR_MS)
        );
        assert_eq!(
            rows(
                &u,
                RECENT_CANDLES.path,
                &[("instId", &spot), ("bar", "1H"), ("limit", "1000")]
            )
            .len(),
            300
        );
        assert_eq!(
            rows(
                &u,
                OLDER_CANDLES.path,
                &[("instId", &spot), ("bar", "1H"), ("limit", "300")]
            )
            .len(),
            100
        );
        // `candles` reaches the latest 1,440 bars only; `history-candles` goes back 120 days.
        let edge = (hour - 1439 * HOUR_MS).to_string();
        let older = (edge.parse::<i64>().expect("ts") + 1).to_string();
        let recent = rows(
            &u,
            RECENT_CANDLES.path,
            &[("instId", &spot), ("bar", "1H"), ("after", &older)],
        );
        assert_eq!(
            recent.iter().map(ts).collect::<Vec<_>>(),
            [hour - 1439 * HOUR_MS]
        );
        assert!(
            rows(
                &u,
                RECENT_CANDLES.path,
                &[("instId", &spot), ("bar", "1H"), ("after", &edge)]
            )
            .is_empty()
        );
        let history = rows(
            &u,
            OLDER_CANDLES.path,
            &[("instId", &spot), ("bar", "1H"), ("after", &edge)],
        );
        assert_eq!(history.len(), 100);
        assert!(history.iter().all(|r| r[8] == "1"));
        // `1Dutc` days open at 00:00 UTC, `1D` days at 16:00 UTC (00:00 UTC+8).
        let utc = rows(
            &u,
            RECENT_CANDLES.path,
            &[("instId", &swap), ("bar", "1Dutc"), ("limit", "3")],
        );
        assert!(utc.iter().all(|r| ts(r) % DAY_MS == 0));
        let hk = rows(
            &u,
            RECENT_CANDLES.path,
            &[("instId", &swap), ("bar", "1D"), ("limit", "3")],
        );
        assert!(hk.iter().all(|r| (ts(r) + 8 * HOUR_MS) % DAY_MS == 0));
        assert_eq!(hk[0][4], json!(btc.price.normalize().to_string()));
        assert_eq!((&hk[0][8], &hk[1][8]), (&json!("0"), &json!("1")));
        // SWAP volume in contracts and coins, SPOT in coins and quote.
        let vol = |r: &Value, i: usize| {
            r[i].as_str()
                .and_then(|v| v.parse::<Decimal>().ok())
                .expect("vol")
        };
        let swap_row = &rows(
            &u,
            RECENT_CANDLES.path,
            &[("instId", &swap), ("bar", "1H"), ("limit", "2")],
        )[1];
        assert_eq!(
            vol(swap_row, 5),
            (vol(swap_row, 6) / contract_value(btc.price)).round_dp(2)
        );
        // Errors as OKX sends them.
        for (query, code) in [
            (vec![("instId", "NOPE-USDT-SWAP"), ("bar", "1H")], "51001"),
            (vec![("bar", "1H")], "50014"),
            (vec![("instId", swap.as_str())], "51000"),
            (vec![("instId", swap.as_str()), ("bar", "1h")], "51000"),
            (
                vec![("instId", swap.as_str()), ("bar", "1H"), ("after", "x")],
                "51000",
            ),
        ] {
            assert_eq!(
                answer(&u, RECENT_CANDLES.path, &query)["code"],
                json!(code),
                "{query:?}"
            );
        }
    }
}
