//! Pure key codec of the store: big-endian keys ordered by venue, market, symbol, time.

use crate::model::{Market, Venue};

/// Encodes a time (ms since the epoch) so that byte order equals numeric order, negatives included.
#[must_use]
pub fn time_bytes(ms: i64) -> [u8; 8] {
    // Flipping the sign bit maps i64 order onto u64 order.
    #[allow(clippy::cast_sign_loss)]
    let u = (ms as u64) ^ (1 << 63);
    u.to_be_bytes()
}

/// Inverse of [`time_bytes`].
#[must_use]
pub fn time_from_bytes(b: [u8; 8]) -> i64 {
    #[allow(clippy::cast_possible_wrap)]
    let ms = (u64::from_be_bytes(b) ^ (1 << 63)) as i64;
    ms
}

/// Prefix of every key of one venue and market.
#[must_use]
pub fn market_prefix(venue: Venue, market: Market) -> Vec<u8> {
    vec![venue.code(), market.code()]
}

/// Prefix of every key of one symbol: venue, market, symbol bytes, a 0 separator.
#[must_use]
pub fn symbol_prefix(venue: Venue, market: Market, symbol: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(3 + symbol.len() + 8);
    k.extend_from_slice(&market_prefix(venue, market));
    k.extend_from_slice(symbol.as_bytes());
    k.push(0);
    k
}

/// Key of one observation: venue, market, symbol, time (big-endian).
#[must_use]
pub fn quote_key(venue: Venue, market: Market, symbol: &str, time_ms: i64) -> Vec<u8> {
    let mut k = symbol_prefix(venue, market, symbol);
    k.extend_from_slice(&time_bytes(time_ms));
    k
}

/// A meta key naming one user-chosen thing: `prefix` then `name` with `%` and `/` escaped, so
/// that no name's key is a prefix of another's (`account-ref/a%2Fb`).
#[must_use]
pub fn named_key(prefix: &str, name: &str) -> String {
    let mut k = String::from(prefix);
    for c in name.chars() {
        match c {
            '%' => k.push_str("%25"),
            '/' => k.push_str("%2F"),
            c => k.push(c),
        }
    }
    k
}

/// A decoded observation key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteKey {
    /// Venue.
    pub venue: Venue,
    /// Market.
    pub market: Market,
    /// Symbol.
    pub symbol: String,
    /// Time, ms.
    pub time_ms: i64,
}

/// Decodes a key written by [`quote_key`]; `None` for anything else.
#[must_use]
pub fn decode_quote_key(key: &[u8]) -> Option<QuoteKey> {
    if key.len() < 2 + 1 + 8 {
        return None;
    }
    let venue = Venue::from_code(key[0])?;
    let market = match key[1] {
        1 => Market::Spot,
        2 => Market::Perp,
        _ => return None,
    };
    let (head, time) = key.split_at(key.len() - 8);
    let (sep, symbol) = head[2..].split_last()?;
    if *sep != 0 {
        return None;
    }
    let symbol = std::str::from_utf8(symbol).ok()?.to_owned();
    let time_ms = time_from_bytes(time.try_into().ok()?);
    Some(QuoteKey {
        venue,
        market,
        symbol,
        time_ms,
    })
}

/// Base key of a venue's latest snapshot in tree `latest` (stored in pieces): the venue byte.
#[must_use]
pub fn latest_header_key(venue: Venue) -> Vec<u8> {
    vec![venue.code()]
}

/// Key of piece `n` of a large value stored in pieces under `base` (`base`, `#`, `n` big-endian).
#[must_use]
pub fn piece_key(base: &[u8], n: u32) -> Vec<u8> {
    let mut k = piece_prefix(base);
    k.extend_from_slice(&n.to_be_bytes());
    k
}

/// Prefix of every piece of the value stored under `base`.
#[must_use]
pub fn piece_prefix(base: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(base.len() + 5);
    k.extend_from_slice(base);
    k.push(b'#');
    k
}

/// Key of a per-venue metadata record (`ban`, `reference`, `status`, `latest`).
#[must_use]
pub fn meta_key(kind: &str, venue: Venue) -> Vec<u8> {
    format!("{kind}/{}", venue.id()).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keys_round_trip() {
        let k = quote_key(
            Venue::Bybit,
            Market::Perp,
            "1000PEPEUSDT",
            1_760_000_000_000,
        );
        let d = decode_quote_key(&k).expect("decodes");
        assert_eq!(d.venue, Venue::Bybit);
        assert_eq!(d.market, Market::Perp);
        assert_eq!(d.symbol, "1000PEPEUSDT");
        assert_eq!(d.time_ms, 1_760_000_000_000);
        assert!(decode_quote_key(b"short").is_none());
    }

    #[test]
    fn symbols_do_not_interleave() {
        // "BTC" must sort entirely before "BTCUSDT" thanks to the 0 separator.
        let a_late = quote_key(Venue::Okx, Market::Perp, "BTC", i64::MAX);
        let b_early = quote_key(Venue::Okx, Market::Perp, "BTCUSDT", 0);
        assert!(a_late < b_early);
    }

    proptest! {
        #[test]
        fn byte_order_is_time_order(a in any::<i64>(), b in any::<i64>()) {
            let ka = quote_key(Venue::Binance, Market::Spot, "ETHUSDT", a);
            let kb = quote_key(Venue::Binance, Market::Spot, "ETHUSDT", b);
            prop_assert_eq!(a.cmp(&b), ka.cmp(&kb));
            prop_assert_eq!(decode_quote_key(&ka).map(|k| k.time_ms), Some(a));
        }
    }
}
