//! The closed set of venues basis knows, in the order of DESIGN.md's venue table.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The venue table: one line a venue, in the venue-table order of DESIGN.md — its variant
/// (with its doc), its id (on the command line, in config tables, JSON and env vars, and the name
/// of its adapter module under `venue/`) and the byte that orders it in store keys (stable on
/// disk: never renumber). Calls `$then!` with the table: the [`Venue`] enum, [`Venue::ALL`],
/// [`Venue::id`], [`Venue::code`] and the adapter of each venue (`venue::adapter`) are all
/// written from it, so a venue is added here once.
macro_rules! venue_table {
    ($then:ident) => {
        $then! {
            /// Binance spot + USDⓈ-M futures.
            Binance binance 1,
            /// Bybit v5 spot + linear.
            Bybit bybit 2,
            /// OKX v5 SPOT + SWAP.
            Okx okx 3,
            /// Bitget v2 mix + spot.
            Bitget bitget 4,
            /// Gate v4 USDT futures + spot.
            Gate gate 5,
            /// Hyperliquid perps + spot (`POST /info`).
            Hyperliquid hyperliquid 6,
            /// BingX swap + spot.
            Bingx bingx 7,
            /// MEXC contract + spot.
            Mexc mexc 8,
            /// Deribit USDC linear perpetuals + spot.
            Deribit deribit 9,
            /// dYdX v4 indexer.
            Dydx dydx 10,
            /// Kraken Futures `PF_` linear perpetuals.
            Kraken kraken 11,
            /// WEEX contract v2 USDT perpetuals + spot.
            Weex weex 12,
        }
    };
}
pub(crate) use venue_table;

/// The [`Venue`] enum and its id and code, from the [`venue_table`].
macro_rules! declare_venues {
    ($($(#[doc = $doc:literal])* $variant:ident $id:ident $code:literal,)+) => {
        /// An exchange basis can poll. The declaration order is the venue-table order of DESIGN.md
        /// and is used wherever a deterministic fallback order is needed.
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum Venue {
            $($(#[doc = $doc])* $variant,)+
        }

        impl Venue {
            /// Every venue, in venue-table order.
            pub const ALL: [Venue; [$($code),+].len()] = [$(Venue::$variant),+];

            /// The venue id used on the command line, in config tables, JSON and env vars.
            #[must_use]
            pub const fn id(self) -> &'static str {
                match self {
                    $(Venue::$variant => stringify!($id),)+
                }
            }

            /// One byte that orders venues in store keys (stable on disk: never renumber).
            #[must_use]
            pub const fn code(self) -> u8 {
                match self {
                    $(Venue::$variant => $code,)+
                }
            }
        }
    };
}

venue_table!(declare_venues);

impl Venue {
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
