//! Deribit API v2 payloads (instruments, book summaries) for a synthetic universe.
//!
//! Same JSON-RPC envelope, field names and JSON-number encoding as the live API (exponent form
//! below 1e-6, as Deribit prints tiny numbers). Deribit's linear perpetuals are USDC-settled and
//! the adapter asks for `currency=USDC`, so every synthetic market is rendered USDC-quoted
//! whatever its quote in the universe: perps as `SOL_USDC-PERPETUAL` (`1000PEPE_USDC-PERPETUAL`
//! for multiplied ones, priced per 1000 coins), spot as `SOL_USDC`. Funding is rendered as
//! `funding_8h`, the synthetic rate scaled to 8 h. The instrument lists also hold rows the
//! adapter must filter out ([`FILTERED_FUTURES`], [`FILTERED_SPOTS`]), and the book summaries
//! carry rows for them too.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::{Route, SynthMarket, Universe};
use crate::venue::deribit::{
    BOOK_SUMMARY_PATH, FUNDING_INTERVAL_HOURS, FUTURE_CURRENCY, HOST, INSTRUMENTS_PATH,
    SPOT_CURRENCY,
};

/// Quote of every rendered market (see the module docs).
pub const QUOTE: &str = "USDC";

/// Future instruments the demo lists but the adapter must drop, with why.
pub const FILTERED_FUTURES: [(&str, &str); 3] = [
    ("BTC_USDC-27MAR26", "dated"),
    ("DEMOHALT_USDC-PERPETUAL", "inactive"),
    ("DEMOCLOSED_USDC-PERPETUAL", "closed"),
];

/// Spot pairs the demo lists but the adapter must drop (inactive).
pub const FILTERED_SPOTS: [(&str, &str); 1] = [("DEMOHALT_USDC", "inactive")];

/// `expiration_timestamp` Deribit gives perpetuals and spot pairs (year 3000).
const NEVER_MS: i64 = 32_503_708_800_000;

/// Routes serving `universe` in Deribit's formats: every request of the reference plan and of the
/// snapshot plan.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    vec![
        Route::new(HOST, INSTRUMENTS_PATH, future_instruments(universe))
            .with_query("currency", FUTURE_CURRENCY)
            .with_query("kind", "future"),
        Route::new(HOST, INSTRUMENTS_PATH, spot_instruments(universe))
            .with_query("currency", SPOT_CURRENCY)
            .with_query("kind", "spot"),
        Route::new(HOST, BOOK_SUMMARY_PATH, future_summaries(universe))
            .with_query("currency", FUTURE_CURRENCY)
            .with_query("kind", "future"),
        Route::new(HOST, BOOK_SUMMARY_PATH, spot_summaries(universe))
            .with_query("currency", SPOT_CURRENCY)
            .with_query("kind", "spot"),
    ]
}

/// The perpetual's name for a universe market (`1000PEPE_USDC-PERPETUAL`).
#[must_use]
pub fn perp_name(m: &SynthMarket) -> String {
    format!("{}_{QUOTE}-PERPETUAL", m.perp_base())
}

/// The spot pair's name for a universe market (`PEPE_USDC`).
#[must_use]
pub fn spot_name(m: &SynthMarket) -> String {
    format!("{}_{QUOTE}", m.asset)
}

/// The 8 h figure of a market's funding rate (what `funding_8h` reports).
#[must_use]
pub fn funding_8h(m: &SynthMarket) -> Decimal {
    let hours = Decimal::from(m.interval_hours.max(1));
    (m.funding_rate * Decimal::from(FUNDING_INTERVAL_HOURS) / hours).normalize()
}

/// A decimal as Deribit prints it: plain, or exponent form when `0 < |x| < 1e-6`.
fn number(x: Decimal) -> String {
    let n = x.normalize();
    if n.is_zero() || n.abs() >= Decimal::new(1, 6) {
        return n.to_string();
    }
    let digits = n.mantissa().unsigned_abs().to_string();
    let scale = i64::from(n.scale());
    let exponent = i64::try_from(digits.len()).unwrap_or(0) - 1 - scale;
    let (lead, rest) = digits.split_at(1);
    let sign = if n.is_sign_negative() { "-" } else { "" };
    if rest.is_empty() {
        format!("{sign}{lead}e{exponent}")
    } else {
        format!("{sign}{lead}.{rest}e{exponent}")
    }
}

/// A tiny JSON writer for the flat objects Deribit returns.
struct Doc {
    out: String,
    first_row: bool,
    first_field: bool,
}

impl Doc {
    fn new(capacity: usize) -> Self {
        let mut out = String::with_capacity(capacity);
        out.push_str(r#"{"jsonrpc":"2.0","result":["#);
        Doc {
            out,
            first_row: true,
            first_field: true,
        }
    }

    fn row(&mut self) -> &mut Self {
        if !self.first_row {
            self.out.push(',');
        }
        self.first_row = false;
        self.first_field = true;
        self.out.push('{');
        self
    }

    fn key(&mut self, key: &str) {
        if !self.first_field {
            self.out.push(',');
        }
        self.first_field = false;
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
    }

    /// A string field (names and currencies never need escaping).
    fn s(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        self.out.push('"');
        self.out.push_str(value);
        self.out.push('"');
        self
    }

    /// A decimal as a JSON number.
    fn n(&mut self, key: &str, value: Decimal) -> &mut Self {
        self.key(key);
        self.out.push_str(&number(value));
        self
    }

    /// A raw JSON token (integer, boolean, null, array).
    fn raw(&mut self, key: &str, token: impl std::fmt::Display) -> &mut Self {
        self.key(key);
        let _ = write!(self.out, "{token}");
        self
    }

    fn end_row(&mut self) {
        self.out.push('}');
    }

    fn finish(mut self, now_ms: i64) -> String {
        let us_in = now_ms.saturating_mul(1000);
        let _ = write!(
            self.out,
            r#"],"usIn":{us_in},"usOut":{},"usDiff":412,"testnet":false}}"#,
            us_in + 412
        );
        self.out
    }
}

fn tick_size(price: Decimal) -> Decimal {
    Decimal::new(1, price.normalize().scale())
}

/// One future instrument row, as Deribit lists it.
struct FutureRow<'a> {
    name: &'a str,
    base: &'a str,
    period: &'a str,
    active: bool,
    state: &'a str,
    tick: Decimal,
    id: usize,
    expiry_ms: i64,
}

fn future_row(doc: &mut Doc, r: &FutureRow<'_>, now_ms: i64) {
    let index = format!("{}_{}", r.base, QUOTE).to_lowercase();
    doc.row()
        .raw("tick_size_steps", "[]")
        .n("tick_size", r.tick)
        .n("taker_commission", Decimal::new(5, 4))
        .s("settlement_period", r.period)
        .s("settlement_currency", QUOTE)
        .raw("rfq", false)
        .s("quote_currency", QUOTE)
        .s("price_index", &index)
        .n("min_trade_amount", Decimal::new(1, 1))
        .n("max_liquidation_commission", Decimal::new(75, 4))
        .raw("max_leverage", 25)
        .n("maker_commission", Decimal::ZERO)
        .s("kind", "future")
        .raw("is_active", r.active)
        .s("state", r.state)
        .s("instrument_type", "linear")
        .s("instrument_name", r.name)
        .raw("instrument_id", 400_000 + r.id)
        .s("future_type", "linear")
        .raw("expiration_timestamp", r.expiry_ms)
        .raw("creation_timestamp", now_ms - 400 * 86_400_000)
        .s("counter_currency", QUOTE)
        .n("contract_size", Decimal::ONE)
        .n("block_trade_tick_size", r.tick)
        .raw("block_trade_min_trade_amount", 500)
        .n("block_trade_commission", Decimal::new(25, 5))
        .s("base_currency", r.base)
        .end_row();
}

fn future_instruments(u: &Universe) -> String {
    let mut doc = Doc::new(800 * (u.markets.len() + FILTERED_FUTURES.len()));
    for (i, m) in u.perps().enumerate() {
        let name = perp_name(m);
        future_row(
            &mut doc,
            &FutureRow {
                name: &name,
                base: &m.perp_base(),
                period: "perpetual",
                active: true,
                state: "open",
                tick: tick_size(m.contract_price(m.perp_bid)),
                id: i,
                expiry_ms: NEVER_MS,
            },
            u.now_ms,
        );
    }
    let dated_expiry = (u.now_ms / 86_400_000 + 120) * 86_400_000 + 8 * 3_600_000;
    for (i, (name, why)) in FILTERED_FUTURES.iter().enumerate() {
        let base = name.split('_').next().unwrap_or(name);
        let mut row = FutureRow {
            name,
            base,
            period: "perpetual",
            active: true,
            state: "open",
            tick: Decimal::new(1, 2),
            id: 90_000 + i,
            expiry_ms: NEVER_MS,
        };
        match *why {
            "dated" => {
                row.period = "month";
                row.expiry_ms = dated_expiry;
            }
            "inactive" => row.active = false,
            _ => row.state = "closed",
        }
        future_row(&mut doc, &row, u.now_ms);
    }
    doc.finish(u.now_ms)
}

fn spot_row(doc: &mut Doc, name: &str, base: &str, active: bool, tick: Decimal, id: usize) {
    let index = name.to_lowercase();
    doc.row()
        .raw("tick_size_steps", "[]")
        .n("tick_size", tick)
        .n("taker_commission", Decimal::ZERO)
        .raw("rfq", false)
        .s("quote_currency", QUOTE)
        .s("price_index", &index)
        .n("min_trade_amount", Decimal::new(1, 4))
        .n("maker_commission", Decimal::ZERO)
        .s("kind", "spot")
        .raw("is_active", active)
        .s("state", "open")
        .s("instrument_name", name)
        .raw("instrument_id", 600_000 + id)
        .raw("expiration_timestamp", NEVER_MS)
        .raw("creation_timestamp", 1_680_000_000_000_i64)
        .s("counter_currency", QUOTE)
        .n("contract_size", Decimal::new(1, 4))
        .n("block_trade_tick_size", tick)
        .raw("block_trade_min_trade_amount", 1)
        .n("block_trade_commission", Decimal::ZERO)
        .s("base_currency", base)
        .end_row();
}

fn spot_instruments(u: &Universe) -> String {
    let mut doc = Doc::new(600 * (u.markets.len() + FILTERED_SPOTS.len()));
    for (i, m) in u.spots().enumerate() {
        spot_row(
            &mut doc,
            &spot_name(m),
            &m.asset,
            true,
            tick_size(m.spot_bid),
            i,
        );
    }
    for (i, (name, _)) in FILTERED_SPOTS.iter().enumerate() {
        let base = name.split('_').next().unwrap_or(name);
        spot_row(&mut doc, name, base, false, Decimal::new(1, 4), 90_000 + i);
    }
    doc.finish(u.now_ms)
}

/// Book-summary prices of one row (as quoted: per contract base).
struct Book {
    bid: Option<Decimal>,
    ask: Option<Decimal>,
    mark: Decimal,
    last: Decimal,
    high: Decimal,
    low: Decimal,
}

fn summary_row<'d>(doc: &'d mut Doc, name: &str, base: &str, b: &Book) -> &'d mut Doc {
    let mid = match (b.bid, b.ask) {
        (Some(bid), Some(ask)) => number((bid + ask) / Decimal::TWO),
        _ => "null".to_owned(),
    };
    let change = if b.low.is_zero() {
        Decimal::ZERO
    } else {
        ((b.last - b.low) / b.low * Decimal::ONE_HUNDRED).round_dp(4)
    };
    let quote_or_null = |d: Option<Decimal>| d.map_or_else(|| "null".to_owned(), number);
    doc.row()
        .s("quote_currency", QUOTE)
        .n("price_change", change)
        .raw("mid_price", mid)
        .n("mark_price", b.mark)
        .n("low", b.low)
        .n("last", b.last)
        .s("instrument_name", name)
        .n("high", b.high)
        .raw("bid_price", quote_or_null(b.bid))
        .s("base_currency", base)
        .raw("ask_price", quote_or_null(b.ask))
}

fn future_summaries(u: &Universe) -> String {
    let mut doc = Doc::new(520 * (u.markets.len() + FILTERED_FUTURES.len()));
    let mult = |m: &SynthMarket| Decimal::from(m.multiplier.max(1));
    for m in u.perps() {
        let rate = funding_8h(m);
        let book = Book {
            bid: Some(m.contract_price(m.perp_bid)),
            ask: Some(m.contract_price(m.perp_ask)),
            mark: m.contract_price(m.mark),
            last: m.contract_price(m.mark),
            high: m.contract_price(m.high),
            low: m.contract_price(m.low),
        };
        let volume_usd = m.volume_quote();
        summary_row(&mut doc, &perp_name(m), &m.perp_base(), &book)
            .n("volume_usd", volume_usd)
            .n("volume_notional", volume_usd)
            .n("volume", m.volume_base / mult(m))
            .n("open_interest", m.open_interest / mult(m))
            .n("interest_rate", Decimal::ZERO)
            .n("funding_8h", rate)
            .n("current_funding", (rate / Decimal::from(8)).round_dp(12))
            .n("estimated_delivery_price", m.contract_price(m.index))
            .raw("creation_timestamp", u.now_ms)
            .end_row();
    }
    for (name, why) in FILTERED_FUTURES {
        let base = name.split('_').next().unwrap_or(name);
        let price = Decimal::new(97_000, 0);
        let live = why == "dated";
        let book = Book {
            bid: live.then_some(price - Decimal::ONE),
            ask: live.then_some(price + Decimal::ONE),
            mark: price,
            last: price,
            high: price + Decimal::ONE_THOUSAND,
            low: price - Decimal::ONE_THOUSAND,
        };
        let row = summary_row(&mut doc, name, base, &book)
            .n("volume_usd", Decimal::ZERO)
            .n("volume", Decimal::ZERO)
            .n("open_interest", Decimal::ZERO);
        if !live {
            row.n("funding_8h", Decimal::new(1, 4))
                .n("current_funding", Decimal::ZERO);
        }
        row.n("estimated_delivery_price", price)
            .raw("creation_timestamp", u.now_ms)
            .end_row();
    }
    doc.finish(u.now_ms)
}

fn spot_summaries(u: &Universe) -> String {
    let mut doc = Doc::new(420 * (u.markets.len() + FILTERED_SPOTS.len()));
    for m in u.spots() {
        let book = Book {
            bid: Some(m.spot_bid),
            ask: Some(m.spot_ask),
            mark: m.price,
            last: m.price,
            high: m.high,
            low: m.low,
        };
        let volume_usd = m.volume_quote();
        summary_row(&mut doc, &spot_name(m), &m.asset, &book)
            .n("volume_usd", volume_usd)
            .n("volume_notional", volume_usd)
            .n("volume", m.volume_base)
            .n("estimated_delivery_price", m.index)
            .raw("creation_timestamp", u.now_ms)
            .end_row();
    }
    for (name, _) in FILTERED_SPOTS {
        let base = name.split('_').next().unwrap_or(name);
        let book = Book {
            bid: None,
            ask: None,
            mark: Decimal::ONE,
            last: Decimal::ONE,
            high: Decimal::ONE,
            low: Decimal::ONE,
        };
        summary_row(&mut doc, name, base, &book)
            .n("volume_usd", Decimal::ZERO)
            .n("volume", Decimal::ZERO)
            .raw("creation_timestamp", u.now_ms)
            .end_row();
    }
    doc.finish(u.now_ms)
}

/// Answers the history endpoints this venue's demo serves (see [`super::server::Dynamic`]):
/// none yet.
#[must_use]
pub fn respond(
    _universe: &Universe,
    _path: &str,
    _query: &[(String, String)],
    _body: &str,
) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Venue;

    #[test]
    fn tiny_numbers_use_exponent_form_like_deribit() {
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        assert_eq!(number(d("0.00000045")), "4.5e-7");
        assert_eq!(number(d("-0.0000001")), "-1e-7");
        assert_eq!(number(d("0.0000125")), "0.0000125");
        assert_eq!(number(d("97000.50")), "97000.5");
        assert_eq!(number(Decimal::ZERO), "0");
    }

    #[test]
    fn payloads_are_valid_json_and_list_the_filtered_rows() {
        let u = Universe::generate(Venue::Deribit, 2000, 1500, 1_760_000_000_000);
        let routes = routes(&u);
        assert_eq!(routes.len(), 4);
        for r in &routes {
            let v: serde_json::Value = serde_json::from_str(&r.body).expect("valid JSON");
            let rows = v["result"].as_array().expect("result array");
            assert!(rows.len() > 1500, "{}", r.path);
        }
        for (name, _) in FILTERED_FUTURES {
            assert!(routes[0].body.contains(name) && routes[2].body.contains(name));
        }
        assert!(routes[1].body.contains(FILTERED_SPOTS[0].0));
        assert!(routes[0].body.contains("\"1000PEPE_USDC-PERPETUAL\""));
    }
}
