//! Price and funding series as venues give them: settled funding points, bar lengths, candles.

/// One settled funding event from a venue's history endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryPoint {
    /// Settlement time, ms.
    pub time_ms: i64,
    /// Rate paid for the period, fraction.
    pub rate: rust_decimal::Decimal,
}

/// Length of a candle (bar) for price history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bar {
    /// One hour.
    Hour,
    /// One UTC day (00:00 to 24:00 UTC; venues whose daily bar follows UTC+8 are asked for
    /// their UTC variant).
    Day,
}

impl Bar {
    /// Length in milliseconds.
    #[must_use]
    pub const fn millis(self) -> i64 {
        match self {
            Bar::Hour => 3_600_000,
            Bar::Day => 86_400_000,
        }
    }

    /// Short name for messages and store keys (`1h`, `1d`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Bar::Hour => "1h",
            Bar::Day => "1d",
        }
    }
}

/// One candle of a market as the venue quotes it: prices per contract unit for multiplied perps
/// (`1000PEPEUSDT`, `kPEPE`); the caller divides by the multiplier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candle {
    /// Open time, ms (UTC).
    pub open_ms: i64,
    /// Highest price.
    pub high: rust_decimal::Decimal,
    /// Lowest price.
    pub low: rust_decimal::Decimal,
    /// Last price of the bar (of a running bar: the latest price).
    pub close: rust_decimal::Decimal,
}
