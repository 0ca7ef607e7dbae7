//! The closed set of venues basis knows, in the order of DESIGN.md's venue table.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An exchange basis can poll. The declaration order is the venue-table order of DESIGN.md and is
/// used wherever a deterministic fallback order is needed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Venue {
    /// Binance spot + USDⓈ-M futures.
    Binance,
    /// Bybit v5 spot + linear.
    Bybit,
    /// OKX v5 SPOT + SWAP.
    Okx,
    /// Bitget v2 mix + spot.
    Bitget,
    /// Gate v4 USDT futures + spot.
    Gate,
    /// Hyperliquid perps + spot (`POST /info`).
    Hyperliquid,
    /// BingX swap + spot.
    Bingx,
    /// MEXC contract + spot.
    Mexc,
    /// Deribit USDC linear perpetuals + spot.
    Deribit,
    /// dYdX v4 indexer.
    Dydx,
    /// Kraken Futures `PF_` linear perpetuals.
    Kraken,
    /// WEEX contract v2 USDT perpetuals + spot.
    Weex,
}

impl Venue {
    /// Every venue, in venue-table order.
    pub const ALL: [Venue; 12] = [
        Venue::Binance,
        Venue::Bybit,
        Venue::Okx,
        Venue::Bitget,
        Venue::Gate,
        Venue::Hyperliquid,
        Venue::Bingx,
        Venue::Mexc,
        Venue::Deribit,
        Venue::Dydx,
        Venue::Kraken,
        Venue::Weex,
    ];

    /// The venue id used on the command line, in config tables, JSON and env vars.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            Venue::Binance => "binance",
            Venue::Bybit => "bybit",
            Venue::Okx => "okx",
            Venue::Bitget => "bitget",
            Venue::Gate => "gate",
            Venue::Hyperliquid => "hyperliquid",
            Venue::Bingx => "bingx",
            Venue::Mexc => "mexc",
            Venue::Deribit => "deribit",
            Venue::Dydx => "dydx",
            Venue::Kraken => "kraken",
            Venue::Weex => "weex",
        }
    }

    /// One byte that orders venues in store keys (stable on disk: never renumber).
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Venue::Binance => 1,
            Venue::Bybit => 2,
            Venue::Okx => 3,
            Venue::Bitget => 4,
            Venue::Gate => 5,
            Venue::Hyperliquid => 6,
            Venue::Bingx => 7,
            Venue::Mexc => 8,
            Venue::Deribit => 9,
            Venue::Dydx => 10,
            Venue::Kraken => 11,
            Venue::Weex => 12,
        }
    }

    /// Inverse of [`Venue::code`].
    #[must_use]
    pub fn from_code(code: u8) -> Option<Venue> {
        Venue::ALL.into_iter().find(|v| v.code() == code)
    }
}

impl fmt::Display for Venue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A venue id that basis does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown venue `{0}` (known: binance, bybit, okx, bitget, gate, hyperliquid, bingx, mexc, deribit, dydx, kraken, weex)"
)]
pub struct UnknownVenue(pub String);

impl FromStr for Venue {
    type Err = UnknownVenue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        by_id(&Venue::ALL, Venue::id, s).map_err(UnknownVenue)
    }
}

/// The member of `all` whose `id` is `s`, trimmed and in any case; else the trimmed `s`, for the
/// caller's "unknown …" error. How every closed set of ids (venues, sink kinds) parses.
pub(crate) fn by_id<T: Copy>(all: &[T], id: fn(T) -> &'static str, s: &str) -> Result<T, String> {
    let wanted = s.trim();
    all.iter()
        .copied()
        .find(|v| id(*v).eq_ignore_ascii_case(wanted))
        .ok_or_else(|| wanted.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_codes_are_unique() {
        for v in Venue::ALL {
            assert_eq!(v.id().parse::<Venue>(), Ok(v));
            assert_eq!(Venue::from_code(v.code()), Some(v));
        }
        assert!("kraken2".parse::<Venue>().is_err());
        assert_eq!("OKX".parse::<Venue>(), Ok(Venue::Okx));
    }
}
