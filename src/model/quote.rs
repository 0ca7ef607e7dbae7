//! Market data as basis sees it, venue-independent: instruments, quotes, snapshots, funding samples.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Venue;

/// Spot market or perpetual future.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Market {
    /// A spot pair.
    Spot,
    /// A linear perpetual future.
    Perp,
}

impl Market {
    /// `spot` or `perp`.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Market::Spot => "spot",
            Market::Perp => "perp",
        }
    }

    /// One byte ordering markets in store keys.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Market::Spot => 1,
            Market::Perp => 2,
        }
    }
}

/// A tradable market as listed by its venue. Adapters only emit instruments that are trading and,
/// for perps, linear perpetuals: everything else is filtered out while parsing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instrument {
    /// Venue listing it.
    pub venue: Venue,
    /// Spot or perp.
    pub market: Market,
    /// The venue's own symbol (`1000PEPEUSDT`, `BTC-USDT-SWAP`).
    pub symbol: String,
    /// The spot coin (`PEPE`, `BTC`), multiplier removed.
    pub asset: String,
    /// Quote currency (`USDT`, `USDC`, `USD`); USDT and USDC are different quotes.
    pub quote: String,
    /// Units of `asset` one quoted price refers to (1000 for `1000PEPEUSDT`, else 1).
    pub multiplier: Decimal,
    /// Units of the venue's base per contract, for venues quoting sizes in contracts (OKX `ctVal`);
    /// 1 where sizes are already in base units.
    pub contract_size: Decimal,
    /// Funding interval in hours where the instrument list states it (Bybit `fundingInterval`,
    /// Binance `fundingInfo`); `None` when the snapshot carries it instead.
    pub funding_interval_hours: Option<Decimal>,
}

/// Cached reference data of one venue (instrument lists and slow-moving settings).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// Trading spot markets and linear perpetuals.
    pub instruments: Vec<Instrument>,
    /// Collateral value ratio (haircut `k`, a fraction 0..1) of each coin the venue accepts as
    /// margin for linear perps, from its public tier table: the first tier (the smallest
    /// positions). Keyed by upper-case coin. Empty where the venue publishes none.
    #[serde(default)]
    pub haircuts: std::collections::BTreeMap<String, Decimal>,
    /// Maintenance margin rate `m` (a fraction) of each perp, by venue symbol, where the venue
    /// publishes one with its bulk instrument data (Gate `maintenance_rate`, MEXC
    /// `maintenanceMarginRate`, dYdX `maintenanceMarginFraction`: the first tier's rate). Empty
    /// where the venue publishes none.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub maintenance_rates: std::collections::BTreeMap<String, Decimal>,
    /// Margin tiers of each perp, by venue symbol, where the venue publishes a table (Bybit risk
    /// limits, OKX position tiers, Hyperliquid margin tables, …; see `crate::venue::margin`),
    /// ordered by floor, the first at 0. Floors are USD notionals, except on the venues whose
    /// tiers are by position size in coins (`crate::venue::margin::floors_in_coins`). Empty
    /// where the venue publishes none; a reference cached before this field decodes empty.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub margin_tiers: std::collections::BTreeMap<String, Vec<super::account::MarginTier>>,
}

impl Reference {
    /// Instruments of one market, by symbol, for fast lookup while parsing a snapshot.
    #[must_use]
    pub fn index(&self, market: Market) -> std::collections::HashMap<&str, &Instrument> {
        self.instruments
            .iter()
            .filter(|i| i.market == market)
            .map(|i| (i.symbol.as_str(), i))
            .collect()
    }
}

/// One perpetual's state at one poll. Prices are as the venue quotes them (per `multiplier` units
/// of the asset); use [`PerpQuote::unit_price`] to compare with spot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerpQuote {
    /// Venue.
    pub venue: Venue,
    /// Venue symbol.
    pub symbol: String,
    /// Spot coin.
    pub asset: String,
    /// Quote currency.
    pub quote: String,
    /// Units of `asset` per quoted price.
    pub multiplier: Decimal,
    /// Funding rate per interval, fraction; positive = longs pay shorts.
    pub funding_rate: Decimal,
    /// This symbol's own funding interval, hours.
    pub funding_interval_hours: Decimal,
    /// When the current rate settles.
    pub next_funding_time: Option<DateTime<Utc>>,
    /// Mark price.
    pub mark_price: Option<Decimal>,
    /// Index price.
    pub index_price: Option<Decimal>,
    /// Best bid.
    pub bid: Option<Decimal>,
    /// Best ask.
    pub ask: Option<Decimal>,
    /// 24 h high.
    pub high_24h: Option<Decimal>,
    /// 24 h low.
    pub low_24h: Option<Decimal>,
    /// 24 h volume in the quote currency.
    pub volume_24h_quote: Option<Decimal>,
    /// Open interest in units of `asset`.
    pub open_interest: Option<Decimal>,
    /// Exchange timestamp of the data, when the venue gives one.
    pub exchange_time: Option<DateTime<Utc>>,
    /// When basis received the payload.
    pub received_at: DateTime<Utc>,
}

/// One spot market's state at one poll.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotQuote {
    /// Venue.
    pub venue: Venue,
    /// Venue symbol.
    pub symbol: String,
    /// Base coin.
    pub asset: String,
    /// Quote currency.
    pub quote: String,
    /// Best bid.
    pub bid: Option<Decimal>,
    /// Best ask.
    pub ask: Option<Decimal>,
    /// 24 h high.
    pub high_24h: Option<Decimal>,
    /// 24 h low.
    pub low_24h: Option<Decimal>,
    /// 24 h volume in the quote currency.
    pub volume_24h_quote: Option<Decimal>,
    /// Exchange timestamp, when given.
    pub exchange_time: Option<DateTime<Utc>>,
    /// When basis received the payload.
    pub received_at: DateTime<Utc>,
}

/// Everything one poll of one venue produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Venue.
    pub venue: Venue,
    /// When the payloads were received.
    pub received_at: DateTime<Utc>,
    /// Linear perpetuals that are trading.
    pub perps: Vec<PerpQuote>,
    /// Spot markets that are trading.
    pub spots: Vec<SpotQuote>,
}

/// One funding observation of a perp: the rate of one interval, the interval it covers and when
/// it settles (DESIGN's "FundingSample"). The venue and symbol are the series' key, not part of
/// each sample. The store rebuilds these from its funding records for the statistics
/// ([`crate::analyze::stats`]); a venue's paged history rows ([`super::series::HistoryPoint`])
/// carry no interval of their own and become samples once the backfill stores them with the
/// perp's interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FundingSample {
    /// Settlement time.
    pub time: DateTime<Utc>,
    /// Rate paid for the interval, fraction; positive = longs pay shorts.
    pub rate: Decimal,
    /// Interval the rate covers, hours.
    pub interval_hours: Decimal,
}

fn mid(bid: Option<Decimal>, ask: Option<Decimal>) -> Option<Decimal> {
    match (bid, ask) {
        (Some(b), Some(a)) if b > Decimal::ZERO && a > Decimal::ZERO => {
            Some((b + a) / Decimal::TWO)
        }
        _ => None,
    }
}

impl PerpQuote {
    /// Price per one unit of the asset (multiplier divided out).
    #[must_use]
    pub fn unit_price(&self, price: Decimal) -> Decimal {
        if self.multiplier.is_zero() {
            price
        } else {
            price / self.multiplier
        }
    }

    /// Mid of bid and ask as quoted, when both are positive.
    #[must_use]
    pub fn mid(&self) -> Option<Decimal> {
        mid(self.bid, self.ask)
    }
}

impl Snapshot {
    /// Every market of the snapshot, perps first: (market, symbol, asset, quote).
    pub fn markets(&self) -> impl Iterator<Item = (Market, &str, &str, &str)> {
        let perps = self
            .perps
            .iter()
            .map(|p| (Market::Perp, &p.symbol, &p.asset, &p.quote));
        let spots = self
            .spots
            .iter()
            .map(|s| (Market::Spot, &s.symbol, &s.asset, &s.quote));
        perps
            .chain(spots)
            .map(|(m, symbol, asset, quote)| (m, symbol.as_str(), asset.as_str(), quote.as_str()))
    }
}

impl SpotQuote {
    /// Mid of bid and ask, when both are positive.
    #[must_use]
    pub fn mid(&self) -> Option<Decimal> {
        mid(self.bid, self.ask)
    }
}

#[cfg(test)]
impl PerpQuote {
    /// A test perp with nothing quoted: `symbol` of `asset`/`quote` on `venue`, one coin per
    /// contract, paying 0.01 % per 8 h, received at `at`; tests override what they pin with
    /// struct update syntax.
    pub(crate) fn listed(
        venue: Venue,
        symbol: &str,
        (asset, quote): (&str, &str),
        at: DateTime<Utc>,
    ) -> PerpQuote {
        PerpQuote {
            venue,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: quote.into(),
            multiplier: Decimal::ONE,
            funding_rate: Decimal::new(1, 4),
            funding_interval_hours: Decimal::from(8),
            next_funding_time: None,
            mark_price: None,
            index_price: None,
            bid: None,
            ask: None,
            high_24h: None,
            low_24h: None,
            volume_24h_quote: None,
            open_interest: None,
            exchange_time: None,
            received_at: at,
        }
    }

    /// [`PerpQuote::listed`] settling at `at`, quoted 60030/60040 with a 24 h range of
    /// 54000–66000 and 5 M volume.
    pub(crate) fn sample(
        venue: Venue,
        symbol: &str,
        names: (&str, &str),
        at: DateTime<Utc>,
    ) -> PerpQuote {
        PerpQuote {
            next_funding_time: Some(at),
            bid: Some(Decimal::from(60_030)),
            ask: Some(Decimal::from(60_040)),
            high_24h: Some(Decimal::from(66_000)),
            low_24h: Some(Decimal::from(54_000)),
            volume_24h_quote: Some(Decimal::from(5_000_000)),
            ..PerpQuote::listed(venue, symbol, names, at)
        }
    }
}

#[cfg(test)]
impl SpotQuote {
    /// A test spot pair with nothing quoted: `symbol` of `asset`/`quote` on `venue`, received
    /// at `at`.
    pub(crate) fn listed(
        venue: Venue,
        symbol: &str,
        (asset, quote): (&str, &str),
        at: DateTime<Utc>,
    ) -> SpotQuote {
        SpotQuote {
            venue,
            symbol: symbol.into(),
            asset: asset.into(),
            quote: quote.into(),
            bid: None,
            ask: None,
            high_24h: None,
            low_24h: None,
            volume_24h_quote: None,
            exchange_time: None,
            received_at: at,
        }
    }

    /// [`SpotQuote::listed`] quoted 60000/60010 with a 24 h range of 57000–63000 and 1 M volume.
    pub(crate) fn sample(
        venue: Venue,
        symbol: &str,
        names: (&str, &str),
        at: DateTime<Utc>,
    ) -> SpotQuote {
        SpotQuote {
            bid: Some(Decimal::from(60_000)),
            ask: Some(Decimal::from(60_010)),
            high_24h: Some(Decimal::from(63_000)),
            low_24h: Some(Decimal::from(57_000)),
            volume_24h_quote: Some(Decimal::from(1_000_000)),
            ..SpotQuote::listed(venue, symbol, names, at)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    #[test]
    fn a_reference_cached_before_maintenance_rates_still_decodes_and_the_rates_round_trip() {
        let old: Reference =
            serde_json::from_str(r#"{"instruments":[],"haircuts":{"BTC":"0.95"}}"#).unwrap();
        assert!(old.maintenance_rates.is_empty());
        assert_eq!(old.haircuts["BTC"], Decimal::new(95, 2));
        // Venues that publish none write what they wrote before.
        assert!(!serde_json::to_string(&old).unwrap().contains("maintenance"));
        let gate = Reference {
            maintenance_rates: [("BTC_USDT".to_owned(), Decimal::new(5, 3))].into(),
            ..old
        };
        let back: Reference = serde_json::from_str(&serde_json::to_string(&gate).unwrap()).unwrap();
        assert_eq!(back, gate);
    }

    #[test]
    fn a_reference_cached_before_margin_tiers_still_decodes_and_the_tiers_round_trip() {
        let old: Reference =
            serde_json::from_str(r#"{"instruments":[],"maintenance_rates":{"BTC_USDT":"0.005"}}"#)
                .unwrap();
        assert!(old.margin_tiers.is_empty());
        assert!(
            !serde_json::to_string(&old)
                .unwrap()
                .contains("margin_tiers")
        );
        let tier = |floor: i64, m: &str, cum: i64| super::super::account::MarginTier {
            floor: Decimal::from(floor),
            maintenance_rate: m.parse().unwrap(),
            cum: Decimal::from(cum),
            initial_rate: Some(Decimal::new(1, 2)),
        };
        let bybit = Reference {
            margin_tiers: [(
                "BTCUSDT".to_owned(),
                vec![tier(0, "0.005", 0), tier(2_000_000, "0.01", 10_000)],
            )]
            .into(),
            ..old
        };
        let back: Reference =
            serde_json::from_str(&serde_json::to_string(&bybit).unwrap()).unwrap();
        assert_eq!(back, bybit);
    }
}
