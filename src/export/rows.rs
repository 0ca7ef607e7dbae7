//! Pure row building for `basis export`: each table's columns and its rows from store records, market names, time bounds and month partitions.

use std::collections::HashMap;

use chrono::{DateTime, Datelike as _, NaiveDate, SecondsFormat, TimeZone as _, Utc};
use rust_decimal::Decimal;

use crate::model::{Market, Venue};
use crate::store::export::Source;
use crate::store::{DailyCloseRecord, FundingEvent, PerpObservation, PriceBar};

/// The type of a column, as every format writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// UTF-8 text (Parquet `STRING`).
    Str,
    /// A UTC instant, ms (Parquet `TIMESTAMP(MILLIS, true)`; text: RFC 3339 with `Z`).
    Time,
    /// A UTC calendar day (Parquet `DATE`; text: `YYYY-MM-DD`).
    Date,
    /// An exact decimal (Parquet `DECIMAL(38, scale)`; text: the exact decimal).
    Dec {
        /// Digits after the point in Parquet.
        scale: u32,
        /// Whether a value with more digits is rounded (computed figures) rather than refused
        /// (records, which must be exported exactly).
        round: bool,
    },
    /// A 64-bit integer.
    Int,
    /// A 64-bit float (statistics only: probabilities and shares).
    Float,
}

/// Scale of rate columns: `Decimal`'s largest, so that every stored rate is exact (a rate
/// computed by a division, as Kraken's, carries up to 28 digits).
pub const RATE_SCALE: u32 = 28;
/// Scale of price, interval and percent columns.
pub const PRICE_SCALE: u32 = 18;
/// Precision of every decimal column (Parquet's largest in 16 bytes).
pub const PRECISION: u32 = 38;

/// A stored rate or price is exported exactly; a computed figure is rounded to its scale.
const fn dec(scale: u32, round: bool) -> Type {
    Type::Dec { scale, round }
}

const RATE: Type = dec(RATE_SCALE, false);
const PRICE: Type = dec(PRICE_SCALE, false);
const FIGURE: Type = dec(PRICE_SCALE, true);
const FIGURE_RATE: Type = dec(RATE_SCALE, true);

/// One column: name, type, whether it may be null.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Name, as every format spells it.
    pub name: &'static str,
    /// Type.
    pub ty: Type,
    /// May be null.
    pub nullable: bool,
}

const fn col(name: &'static str, ty: Type) -> Column {
    Column {
        name,
        ty,
        nullable: false,
    }
}

const fn opt(name: &'static str, ty: Type) -> Column {
    Column {
        name,
        ty,
        nullable: true,
    }
}

/// A value of one cell, borrowed from the record it was built from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// Null.
    Null,
    /// Text.
    Str(&'a str),
    /// UTC instant, ms.
    Time(i64),
    /// UTC day, days since 1970-01-01.
    Date(i32),
    /// Exact decimal.
    Dec(Decimal),
    /// Integer.
    Int(i64),
    /// Float.
    Float(f64),
}

impl Value<'_> {
    /// `Some` as a value, `None` as null.
    pub fn or_null<T>(v: Option<T>, f: impl FnOnce(T) -> Self) -> Self {
        v.map_or(Value::Null, f)
    }
}

/// A table `basis export` writes: the `--table` value itself, declared once with its help text.
pub use crate::cli::ExportTable as Table;

/// The name columns a series table begins with when its rows are all perps: venue, symbol,
/// asset, quote.
const PERP_NAMES: [Column; 4] = [
    col("venue", Type::Str),
    col("symbol", Type::Str),
    opt("asset", Type::Str),
    opt("quote", Type::Str),
];

/// The name columns of a series table that holds both markets: venue, market, symbol, asset,
/// quote.
const MARKET_NAMES: [Column; 5] = [
    col("venue", Type::Str),
    col("market", Type::Str),
    col("symbol", Type::Str),
    opt("asset", Type::Str),
    opt("quote", Type::Str),
];

/// `names` then `own`: a series table's columns. `N` must be the sum of the two lengths (checked
/// when the constant is evaluated, so a wrong length does not compile).
const fn series<const A: usize, const B: usize, const N: usize>(
    names: [Column; A],
    own: [Column; B],
) -> [Column; N] {
    assert!(
        A + B == N,
        "a series table's length is its names plus its own columns"
    );
    let mut out = [col("", Type::Str); N];
    let mut i = 0;
    while i < N {
        out[i] = if i < A { names[i] } else { own[i - A] };
        i += 1;
    }
    out
}

/// The columns a table of funding observations begins with: a perp's names, then the time, the
/// rate and the interval it covers (`funding` and `quotes`).
const OBSERVATION: [Column; 7] = series(
    PERP_NAMES,
    [
        col("time", Type::Time),
        col("rate", RATE),
        col("interval_hours", PRICE),
    ],
);

const FUNDING: [Column; 9] = series(
    OBSERVATION,
    [col("source", Type::Str), col("seen_at", Type::Time)],
);

const CLOSES: [Column; 8] = series(
    MARKET_NAMES,
    [
        col("day", Type::Date),
        col("close", PRICE),
        col("seen_at", Type::Time),
    ],
);

const BARS: [Column; 9] = series(
    MARKET_NAMES,
    [
        col("time", Type::Time),
        col("high", PRICE),
        col("low", PRICE),
        col("close", PRICE),
    ],
);

const QUOTES: [Column; 11] = series(
    OBSERVATION,
    [
        opt("next_funding_time", Type::Time),
        opt("bid", PRICE),
        opt("ask", PRICE),
        opt("mark", PRICE),
    ],
);

const OPPORTUNITIES: &[Column] = &[
    col("generated_at", Type::Time),
    col("rank", Type::Int),
    col("kind", Type::Str),
    col("asset", Type::Str),
    col("quote", Type::Str),
    col("long_venue", Type::Str),
    col("long_market", Type::Str),
    col("long_symbol", Type::Str),
    col("long_price", FIGURE),
    col("short_venue", Type::Str),
    col("short_market", Type::Str),
    col("short_symbol", Type::Str),
    col("short_price", FIGURE),
    col("funding_rate", FIGURE_RATE),
    col("funding_interval_hours", FIGURE),
    opt("next_funding_time", Type::Time),
    col("funding_apr_pct", FIGURE),
    col("basis_pct", FIGURE),
    col("cost_pct", FIGURE),
    col("net_apr_pct", FIGURE),
    col("liq_prob", Type::Float),
    col("risk_adj_apr_pct", FIGURE),
    col("safe_leverage", FIGURE),
    opt("volume_24h_usd", FIGURE),
    opt("apr_1d", FIGURE),
    opt("apr_7d", FIGURE),
    opt("apr_30d", FIGURE),
    opt("pos_30d", Type::Float),
    col("params", Type::Str),
];

impl Table {
    /// Every table, in the order `--help` lists them.
    pub const ALL: [Table; 5] = [
        Table::Funding,
        Table::Closes,
        Table::Bars,
        Table::Quotes,
        Table::Opportunities,
    ];

    /// Its name on the command line and in the target key.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Table::Funding => "funding",
            Table::Closes => "closes",
            Table::Bars => "bars",
            Table::Quotes => "quotes",
            Table::Opportunities => "opportunities",
        }
    }

    /// Its columns.
    #[must_use]
    pub const fn columns(self) -> &'static [Column] {
        match self {
            Table::Funding => &FUNDING,
            Table::Closes => &CLOSES,
            Table::Bars => &BARS,
            Table::Quotes => &QUOTES,
            Table::Opportunities => OPPORTUNITIES,
        }
    }

    /// How long after its key time a record is final, ms: a settlement at its time, a daily
    /// close when the day ends, an hour's bar or observation when the hour ends. Records not final
    /// by the export's `now` are left for a later export.
    #[must_use]
    pub const fn final_after_ms(self) -> i64 {
        match self {
            Table::Funding | Table::Opportunities => 0,
            Table::Closes => 86_400_000,
            Table::Bars | Table::Quotes => 3_600_000,
        }
    }
}

/// Asset and quote of each market, from the venues' latest snapshots and cached instrument
/// lists; a market listed in neither (delisted) is named from its symbol where that is
/// unambiguous, else left null.
#[derive(Debug, Default)]
pub struct Names {
    known: HashMap<(Venue, Market, String), (String, String)>,
}

impl Names {
    /// Records the asset and quote of one market (the first record of a market wins).
    pub fn insert(&mut self, venue: Venue, market: Market, symbol: &str, asset: &str, quote: &str) {
        self.known
            .entry((venue, market, symbol.to_owned()))
            .or_insert_with(|| (asset.to_owned(), quote.to_owned()));
    }

    /// Asset and quote of one market.
    #[must_use]
    pub fn get(&self, venue: Venue, market: Market, symbol: &str) -> Option<(String, String)> {
        self.known
            .get(&(venue, market, symbol.to_owned()))
            .cloned()
            .or_else(|| guess_names(symbol))
    }
}

/// Quotes a separated symbol may end in.
const SEPARATED_QUOTES: [&str; 4] = ["USDT", "USDC", "USD", "FDUSD"];

/// Asset and quote of a symbol no venue lists any more: `BASE-QUOTE[-SWAP]`, `BASE_QUOTE`,
/// `BASE/QUOTE` with a stable quote, or a concatenated `BASEUSDT`; the multiplier prefix is
/// removed (`1000PEPE` is `PEPE`). `None` when the symbol says nothing certain.
#[must_use]
pub fn guess_names(symbol: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = symbol.split(['-', '_', '/', ':']).collect();
    let (base, quote) = match parts.as_slice() {
        [one] => crate::parse::split_concat(one)?,
        [base, quote] | [base, quote, "SWAP" | "PERP"] if SEPARATED_QUOTES.contains(quote) => {
            (*base, *quote)
        }
        _ => return None,
    };
    if base.is_empty() || !base.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((crate::parse::split_multiplier(base).0, quote.to_owned()))
}

/// The strings shared by every row of one series.
#[derive(Debug)]
pub struct SeriesNames<'a> {
    /// Venue id.
    pub venue: &'static str,
    /// `spot` or `perp`.
    pub market: &'static str,
    /// Symbol.
    pub symbol: &'a str,
    /// Asset, if known.
    pub asset: Option<&'a str>,
    /// Quote, if known.
    pub quote: Option<&'a str>,
}

impl<'a> SeriesNames<'a> {
    /// A row of a series table: the name cells its columns begin with (the market only in a
    /// table of both markets, as [`MARKET_NAMES`]), then `own`. `N` is the table's width.
    fn row<const N: usize>(&self, with_market: bool, own: &[Value<'a>]) -> [Value<'a>; N] {
        let market = with_market.then_some(Value::Str(self.market));
        let names = [
            Some(Value::Str(self.venue)),
            market,
            Some(Value::Str(self.symbol)),
            Some(Value::or_null(self.asset, Value::Str)),
            Some(Value::or_null(self.quote, Value::Str)),
        ];
        let mut row = [Value::Null; N];
        let cells = names.into_iter().flatten().chain(own.iter().copied());
        debug_assert_eq!(cells.clone().count(), N, "one value per column");
        for (slot, v) in row.iter_mut().zip(cells) {
            *slot = v;
        }
        row
    }
}

/// A row of `funding`.
#[must_use]
pub fn funding_row<'a>(
    n: &SeriesNames<'a>,
    time: i64,
    e: &FundingEvent,
    source: Source,
) -> [Value<'a>; 9] {
    n.row(
        false,
        &[
            Value::Time(time),
            Value::Dec(e.r),
            Value::Dec(e.h),
            Value::Str(source.id()),
            Value::Time(e.seen),
        ],
    )
}

/// A row of `closes`; `None` for a day before year −262143 or after 262142.
#[must_use]
pub fn close_row<'a>(
    n: &SeriesNames<'a>,
    day_ms: i64,
    c: &DailyCloseRecord,
) -> Option<[Value<'a>; 8]> {
    let day = i32::try_from(day_ms.div_euclid(86_400_000)).ok()?;
    let own = [Value::Date(day), Value::Dec(c.close), Value::Time(c.seen)];
    Some(n.row(true, &own))
}

/// A row of `bars`.
#[must_use]
pub fn bar_row<'a>(n: &SeriesNames<'a>, time: i64, b: &PriceBar) -> [Value<'a>; 9] {
    let own = [
        Value::Time(time),
        Value::Dec(b.high),
        Value::Dec(b.low),
        Value::Dec(b.close),
    ];
    n.row(true, &own)
}

/// A row of `quotes`.
#[must_use]
pub fn quote_row<'a>(n: &SeriesNames<'a>, time: i64, o: &PerpObservation) -> [Value<'a>; 11] {
    n.row(
        false,
        &[
            Value::Time(time),
            Value::Dec(o.r),
            Value::Dec(o.h),
            Value::or_null(o.next, Value::Time),
            Value::or_null(o.bid, Value::Dec),
            Value::or_null(o.ask, Value::Dec),
            Value::or_null(o.mark, Value::Dec),
        ],
    )
}

/// A row of `opportunities`; `params` is the JSON of the ranking's parameters.
#[must_use]
pub fn opportunity_row<'a>(
    o: &'a crate::model::Opportunity,
    generated_at: i64,
    params: &'a str,
) -> Vec<Value<'a>> {
    let time = |t: Option<DateTime<Utc>>| Value::or_null(t, |t| Value::Time(t.timestamp_millis()));
    let dec = |d: Option<Decimal>| Value::or_null(d, Value::Dec);
    vec![
        Value::Time(generated_at),
        Value::Int(i64::try_from(o.rank).unwrap_or(i64::MAX)),
        Value::Str(o.kind.id()),
        Value::Str(&o.asset),
        Value::Str(&o.quote),
        Value::Str(o.long.venue.id()),
        Value::Str(o.long.market.id()),
        Value::Str(&o.long.symbol),
        Value::Dec(o.long.price),
        Value::Str(o.short.venue.id()),
        Value::Str(o.short.market.id()),
        Value::Str(&o.short.symbol),
        Value::Dec(o.short.price),
        Value::Dec(o.funding_rate),
        Value::Dec(o.funding_interval_hours),
        time(o.next_funding_time),
        Value::Dec(o.funding_apr_pct),
        Value::Dec(o.basis_pct),
        Value::Dec(o.cost_pct),
        Value::Dec(o.net_apr_pct),
        Value::Float(o.liq_prob),
        Value::Dec(o.risk_adj_apr_pct),
        Value::Dec(o.safe_leverage),
        dec(o.volume_24h_usd),
        dec(o.apr_1d),
        dec(o.apr_7d),
        dec(o.apr_30d),
        Value::or_null(o.pos_30d, Value::Float),
        Value::Str(params),
    ]
}

/// Why a decimal cannot be written to a Parquet `DECIMAL(38, scale)` column.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// More digits after the point than the column keeps (a record would lose precision).
    #[error("has more than {0} digits after the point")]
    Scale(u32),
    /// Too large for 38 digits at the column's scale.
    #[error("is too large for DECIMAL(38, {0})")]
    Overflow(u32),
}

/// The unscaled 128-bit integer of `d` at `scale`: exact, or rounded half-even when `round`.
///
/// # Errors
/// [`DecimalError`] when it does not fit.
pub fn unscaled(d: Decimal, scale: u32, round: bool) -> Result<i128, DecimalError> {
    let mut d = d;
    if d.scale() > scale {
        d = d.normalize();
        if d.scale() > scale {
            if !round {
                return Err(DecimalError::Scale(scale));
            }
            d = d
                .round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::MidpointNearestEven);
        }
    }
    let limit = 10i128.pow(PRECISION);
    10i128
        .checked_pow(scale - d.scale())
        .and_then(|f| d.mantissa().checked_mul(f))
        .filter(|v| v.abs() < limit)
        .ok_or(DecimalError::Overflow(scale))
}

/// RFC 3339 text of an instant in ms, UTC, with milliseconds (`2025-01-02T08:00:00.000Z`).
#[must_use]
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |t| t.to_rfc3339_opts(SecondsFormat::Millis, true),
    )
}

/// `YYYY-MM-DD` of a day number.
#[must_use]
pub fn date_text(days: i32) -> String {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|e| e.checked_add_signed(chrono::Duration::days(i64::from(days))))
        .map_or_else(|| days.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// Where an export starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Since {
    /// From the first record.
    All,
    /// From this instant, ms.
    At(i64),
    /// Only records this target has not been given yet.
    Last,
}

/// Parses a `--since` / `--until` value: RFC 3339 (`2025-01-01T00:00:00Z`), a UTC day
/// (`2025-01-01`) or month (`2025-01`), or an age before `now` (`30d`, `12h`).
///
/// # Errors
/// A sentence saying what is accepted.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Ok(at.timestamp_millis());
    }
    let day = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d"));
    if let Ok(day) = day {
        return Ok(Utc
            .from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
            .timestamp_millis());
    }
    if let Ok(age) = humantime::parse_duration(t) {
        let age = chrono::Duration::from_std(age).map_err(|e| e.to_string())?;
        return Ok((now - age).timestamp_millis());
    }
    Err("an RFC 3339 time (2025-01-01T00:00:00Z), a UTC day (2025-01-01) or month (2025-01), or an age such as 30d".to_owned())
}

/// The UTC month of an instant, `YYYY-MM`, and its bounds `[start, end)` in ms.
#[must_use]
pub fn month_of(ms: i64) -> (String, i64, i64) {
    let t = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    let start = Utc
        .with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    let end = Utc
        .with_ymd_and_hms(y, m, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    (
        format!("{:04}-{:02}", t.year(), t.month()),
        start.timestamp_millis(),
        end.timestamp_millis(),
    )
}

/// The UTC months that meet `[from, to)`, each with its bounds clipped to that range.
#[must_use]
pub fn months(from: i64, to: i64) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    let mut at = from;
    while at < to {
        let (name, _, end) = month_of(at);
        out.push((name, at, end.min(to)));
        if end <= at {
            break;
        }
        at = end;
    }
    out
}

/// `[from, to)` less the span `[a, b]` already exported: what is left of it, as ranges.
#[must_use]
pub fn outside(from: i64, to: i64, span: Option<(i64, i64)>) -> Vec<(i64, i64)> {
    let Some((a, b)) = span else {
        return vec![(from, to)];
    };
    [(from, to.min(a)), (from.max(b.saturating_add(1)), to)]
        .into_iter()
        .filter(|(f, t)| f < t)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::testkit::d as dec;

    #[test]
    fn decimals_scale_exactly_or_are_refused() {
        assert_eq!(unscaled(dec("0.0001"), 28, false), Ok(10i128.pow(24)));
        assert_eq!(unscaled(dec("-1.5"), 18, false), Ok(-15 * 10i128.pow(17)));
        // Trailing zeros beyond the scale are not digits.
        assert_eq!(
            unscaled(dec("2.50000000000000000000"), 18, false),
            Ok(25 * 10i128.pow(17))
        );
        let long = dec("0.1234567890123456789");
        assert_eq!(unscaled(long, 18, false), Err(DecimalError::Scale(18)));
        assert_eq!(unscaled(long, 18, true), Ok(123_456_789_012_345_679));
        // Any rate rust_decimal holds (28 digits) is exact at scale 28 below 10^10.
        let tiny = Decimal::new(-1, 28);
        assert_eq!(unscaled(tiny, 28, false), Ok(-1));
        assert_eq!(
            unscaled(dec("12345678901"), 28, false),
            Err(DecimalError::Overflow(28))
        );
        assert!(unscaled(Decimal::MAX, 18, false).is_err());
    }

    #[test]
    fn times_and_days_are_utc_text() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_735_718_400_123), "2025-01-01T08:00:00.123Z");
        assert_eq!(date_text(20_089), "2025-01-01");
    }

    #[test]
    fn since_and_until_accept_times_days_months_and_ages() {
        let now = Utc
            .with_ymd_and_hms(2025, 3, 10, 12, 0, 0)
            .single()
            .expect("now");
        let jan = Utc
            .with_ymd_and_hms(2025, 1, 1, 0, 0, 0)
            .single()
            .expect("t");
        for text in [
            "2025-01-01T00:00:00Z",
            "2025-01-01T01:00:00+01:00",
            "2025-01-01",
            "2025-01",
        ] {
            assert_eq!(parse_time(text, now), Ok(jan.timestamp_millis()), "{text}");
        }
        assert_eq!(
            parse_time("2d", now),
            Ok((now - chrono::Duration::days(2)).timestamp_millis())
        );
        assert!(parse_time("yesterday", now).is_err());
    }

    #[test]
    fn months_split_a_range_at_utc_month_starts() {
        let t = |y, m, d| {
            Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
                .single()
                .expect("t")
                .timestamp_millis()
        };
        let got = months(t(2024, 11, 15), t(2025, 1, 2));
        assert_eq!(
            got,
            vec![
                ("2024-11".to_owned(), t(2024, 11, 15), t(2024, 12, 1)),
                ("2024-12".to_owned(), t(2024, 12, 1), t(2025, 1, 1)),
                ("2025-01".to_owned(), t(2025, 1, 1), t(2025, 1, 2)),
            ]
        );
        assert!(months(5, 5).is_empty());
    }

    #[test]
    fn ranges_outside_an_exported_span() {
        assert_eq!(outside(0, 100, None), vec![(0, 100)]);
        assert_eq!(outside(0, 100, Some((20, 50))), vec![(0, 20), (51, 100)]);
        assert_eq!(outside(30, 40, Some((20, 50))), vec![]);
        assert_eq!(outside(0, 100, Some((0, 99))), vec![]);
    }

    #[test]
    fn delisted_symbols_are_named_only_when_unambiguous() {
        let g = |s: &str| guess_names(s);
        let pair = |a: &str, q: &str| Some((a.to_owned(), q.to_owned()));
        assert_eq!(g("BTCUSDT"), pair("BTC", "USDT"));
        assert_eq!(g("1000PEPEUSDT"), pair("PEPE", "USDT"));
        assert_eq!(g("ETH-USDT-SWAP"), pair("ETH", "USDT"));
        assert_eq!(g("SOL_USDC"), pair("SOL", "USDC"));
        assert_eq!(g("PF_XBTUSD"), None);
        assert_eq!(g("@107"), None);
        assert_eq!(g("BTC-PERPETUAL"), None);
    }

    #[test]
    fn every_row_has_one_value_per_column() {
        let n = SeriesNames {
            venue: "okx",
            market: "perp",
            symbol: "BTC-USDT-SWAP",
            asset: Some("BTC"),
            quote: None,
        };
        let e = FundingEvent {
            r: dec("0.0001"),
            h: dec("8"),
            seen: 5,
        };
        let row = funding_row(&n, 1, &e, Source::Poll);
        assert_eq!(row.len(), Table::Funding.columns().len());
        assert_eq!(row[3], Value::Null);
        assert_eq!(row[7], Value::Str("poll"));
        let c = DailyCloseRecord {
            close: dec("1.5"),
            seen: 2,
        };
        assert_eq!(
            close_row(&n, 86_400_000, &c).map(|r| r.len()),
            Some(Table::Closes.columns().len())
        );
        let b = PriceBar {
            high: dec("2"),
            low: dec("1"),
            close: dec("1.5"),
        };
        assert_eq!(bar_row(&n, 0, &b).len(), Table::Bars.columns().len());
        let o = PerpObservation {
            r: dec("0.0001"),
            h: dec("8"),
            next: None,
            bid: None,
            ask: Some(dec("3")),
            mark: None,
        };
        assert_eq!(quote_row(&n, 0, &o).len(), Table::Quotes.columns().len());
    }
}
