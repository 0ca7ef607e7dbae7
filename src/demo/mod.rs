//! Synthetic exchange-format markets and a loopback HTTP server for `--demo`, tests and benchmarks.
//!
//! [`Universe::generate`] draws a deterministic market (seeded, no clock), each venue module
//! renders it in that venue's wire format ([`Route`]s), and [`server`] serves the routes on
//! 127.0.0.1 through real HTTP, with optional faults and latency.

pub mod binance;
pub mod bingx;
pub mod bitget;
pub mod bybit;
pub mod deribit;
pub mod dydx;
pub mod gate;
pub mod hyperliquid;
pub mod kraken;
pub mod mexc;
pub mod okx;
pub mod server;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use crate::model::Venue;

/// One synthetic asset on one venue: a perp, a spot pair, or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthMarket {
    /// Spot coin (`BTC`).
    pub asset: String,
    /// Quote (`USDT` or `USDC`).
    pub quote: String,
    /// Contract multiplier (1, or 1000 for cheap coins: `1000PEPEUSDT`).
    pub multiplier: u32,
    /// Whether the venue lists a linear perpetual.
    pub has_perp: bool,
    /// Whether the venue lists a spot pair.
    pub has_spot: bool,
    /// Spot mid price per one coin.
    pub price: Decimal,
    /// Perp best bid per one coin (divide by nothing: renderers multiply by `multiplier`).
    pub perp_bid: Decimal,
    /// Perp best ask per one coin.
    pub perp_ask: Decimal,
    /// Spot best bid.
    pub spot_bid: Decimal,
    /// Spot best ask.
    pub spot_ask: Decimal,
    /// Mark price per one coin.
    pub mark: Decimal,
    /// Index price per one coin.
    pub index: Decimal,
    /// 24 h high per one coin.
    pub high: Decimal,
    /// 24 h low per one coin.
    pub low: Decimal,
    /// Funding rate per interval (fraction).
    pub funding_rate: Decimal,
    /// Funding interval, hours (1, 2, 4 or 8).
    pub interval_hours: u32,
    /// Next funding time, ms.
    pub next_funding_ms: i64,
    /// 24 h base volume (coins).
    pub volume_base: Decimal,
    /// Open interest (coins).
    pub open_interest: Decimal,
}

impl SynthMarket {
    /// The venue-style base of the perp: `1000PEPE` when multiplied, else the asset.
    #[must_use]
    pub fn perp_base(&self) -> String {
        if self.multiplier == 1 {
            self.asset.clone()
        } else {
            format!("{}{}", self.multiplier, self.asset)
        }
    }

    /// A per-one-coin price scaled to the contract's quoting (× multiplier).
    #[must_use]
    pub fn contract_price(&self, per_coin: Decimal) -> Decimal {
        (per_coin * Decimal::from(self.multiplier)).normalize()
    }

    /// 24 h quote volume.
    #[must_use]
    pub fn volume_quote(&self) -> Decimal {
        (self.volume_base * self.price).round_dp(2)
    }
}

/// A deterministic synthetic market for one venue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Universe {
    /// Venue the universe is for (seeds its numbers).
    pub venue: Venue,
    /// "Now" of the payloads, ms.
    pub now_ms: i64,
    /// Markets.
    pub markets: Vec<SynthMarket>,
}

/// A payload served at one path (below the venue host's prefix) when the query contains `query`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// [`crate::venue::HostSpec::key`] of the host.
    pub host: &'static str,
    /// Path, starting with `/`.
    pub path: String,
    /// Query pairs that must all be present (others are ignored).
    pub query: Vec<(String, String)>,
    /// Text the request body must contain (POST APIs such as Hyperliquid's `{"type": …}`).
    pub request_contains: Option<String>,
    /// Response body.
    pub body: String,
}

impl Route {
    /// A route without query constraints.
    #[must_use]
    pub fn new(host: &'static str, path: &str, body: String) -> Self {
        Route {
            host,
            path: path.to_owned(),
            query: Vec::new(),
            request_contains: None,
            body,
        }
    }

    /// Requires the request body to contain `text` (e.g. `"type":"metaAndAssetCtxs"`).
    #[must_use]
    pub fn with_request_body(mut self, text: &str) -> Self {
        self.request_contains = Some(text.to_owned());
        self
    }

    /// Requires a query pair.
    #[must_use]
    pub fn with_query(mut self, key: &str, value: &str) -> Self {
        self.query.push((key.to_owned(), value.to_owned()));
        self
    }
}

/// Renders a venue's universe as its endpoints' payloads.
#[must_use]
pub fn routes(universe: &Universe) -> Vec<Route> {
    match universe.venue {
        Venue::Binance => binance::routes(universe),
        Venue::Bybit => bybit::routes(universe),
        Venue::Okx => okx::routes(universe),
        Venue::Bitget => bitget::routes(universe),
        Venue::Gate => gate::routes(universe),
        Venue::Hyperliquid => hyperliquid::routes(universe),
        Venue::Bingx => bingx::routes(universe),
        Venue::Mexc => mexc::routes(universe),
        Venue::Deribit => deribit::routes(universe),
        Venue::Dydx => dydx::routes(universe),
        Venue::Kraken => kraken::routes(universe),
    }
}

/// splitmix64: a tiny deterministic generator, enough for synthetic prices.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        // 53 random bits → exact f64 in [0,1).
        #[allow(clippy::cast_precision_loss)]
        let x = (self.next_u64() >> 11) as f64;
        x / (1u64 << 53) as f64
    }

    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    fn below(&mut self, n: usize) -> usize {
        #[allow(clippy::cast_possible_truncation)]
        let i = (self.next_u64() % n as u64) as usize;
        i
    }
}

/// Well-known coins with rough prices, so the demo reads like a real market.
const COINS: [(&str, f64); 40] = [
    ("BTC", 97_000.0),
    ("ETH", 3_400.0),
    ("SOL", 180.0),
    ("BNB", 640.0),
    ("XRP", 2.3),
    ("DOGE", 0.38),
    ("ADA", 0.95),
    ("AVAX", 38.0),
    ("LINK", 22.0),
    ("DOT", 7.5),
    ("TRX", 0.25),
    ("TON", 5.6),
    ("LTC", 105.0),
    ("BCH", 460.0),
    ("NEAR", 5.4),
    ("APT", 11.0),
    ("ARB", 0.78),
    ("OP", 2.1),
    ("SUI", 3.9),
    ("INJ", 27.0),
    ("TIA", 6.2),
    ("SEI", 0.48),
    ("WIF", 2.7),
    ("ORDI", 38.0),
    ("FIL", 5.9),
    ("ATOM", 7.8),
    ("AAVE", 320.0),
    ("UNI", 13.0),
    ("MKR", 1_900.0),
    ("LDO", 1.9),
    ("JUP", 1.05),
    ("PYTH", 0.41),
    ("ENA", 0.95),
    ("ONDO", 1.6),
    ("TAO", 470.0),
    ("RUNE", 4.8),
    ("1INCH", 0.43),
    ("PEPE", 0.000_019),
    ("SHIB", 0.000_024),
    ("BONK", 0.000_035),
];

fn dec(x: f64, dp: u32) -> Decimal {
    Decimal::from_f64(x)
        .unwrap_or_default()
        .round_dp(dp)
        .normalize()
}

/// Price decimals that keep about six significant digits.
fn price_dp(price: f64) -> u32 {
    let mag = price.abs().log10().floor();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let dp = (5.0 - mag).clamp(0.0, 12.0) as u32;
    dp
}

impl Universe {
    /// A deterministic universe of `perps` perpetuals and `spots` spot pairs for `venue`.
    /// The first 40 assets are well-known coins; the rest are synthetic (`SYN123`). About 1 in 12
    /// perps is USDC-quoted, cheap coins are 1000× contracts, intervals mix 8 h, 4 h, 2 h and 1 h.
    #[must_use]
    pub fn generate(venue: Venue, perps: usize, spots: usize, now_ms: i64) -> Universe {
        let n = perps.max(spots);
        let mut markets = Vec::with_capacity(n);
        for i in 0..n {
            // What the whole market agrees on (price level, quote, volatility, funding regime)
            // comes from a per-asset generator shared by every venue; what differs between
            // venues (spreads, basis, funding noise, interval, volume) from a per-venue one.
            let mut common = Rng(0xC0FF_EE00 ^ (i as u64).wrapping_mul(0x9E37_79B9));
            let mut rng = Rng((0xBA51_5000
                ^ u64::from(venue.code()).wrapping_mul(0x1234_5678_9ABC))
            .wrapping_add((i as u64).wrapping_mul(0x2545_F491)));
            let synthetic_price = 10f64.powf(common.range(-4.0, 3.0));
            let (asset, base_price) = if let Some((coin, price)) = COINS.get(i) {
                ((*coin).to_owned(), *price)
            } else {
                (format!("SYN{i:04}"), synthetic_price)
            };
            let quote = if i >= 5 && common.below(12) == 0 {
                "USDC"
            } else {
                "USDT"
            };
            let daily_vol = common.range(0.015, 0.12);
            // Funding per 8 h: mostly the 0.01 % baseline, a fat right tail, some negatives.
            let u = common.unit();
            let market_rate_8h = if u < 0.55 {
                0.0001
            } else if u < 0.8 {
                common.range(-0.0003, 0.0001)
            } else {
                common.range(0.0001, 0.0025)
            };
            let price_f = base_price * (1.0 + common.range(-0.02, 0.02)) * rng.range(0.999, 1.001);
            let multiplier = if price_f < 0.001 { 1000 } else { 1 };
            let has_perp = i < perps;
            let has_spot = i < spots;
            let dp = price_dp(price_f);
            let spread_bps = rng.range(0.5, 12.0);
            let half = price_f * spread_bps / 20_000.0;
            let basis = rng.range(-0.001, 0.002);
            let perp_mid = price_f * (1.0 + basis);
            let perp_half = perp_mid * rng.range(0.3, 8.0) / 20_000.0;
            let hi = price_f * (1.0 + daily_vol * rng.range(0.3, 0.7));
            let lo = price_f * (1.0 - daily_vol * rng.range(0.3, 0.7));
            let interval_hours = match rng.below(10) {
                0 => 1,
                1 => 2,
                2 | 3 => 4,
                _ => 8,
            };
            // Each venue's rate: the market's, often exactly the baseline, otherwise with noise;
            // scaled to the symbol's own interval.
            let rate_8h = if (market_rate_8h - 0.0001).abs() < 1e-12 && rng.unit() < 0.8 {
                0.0001
            } else {
                market_rate_8h * rng.range(0.6, 1.4) + rng.range(-0.00005, 0.00005)
            };
            let rate = rate_8h * f64::from(interval_hours) / 8.0;
            let step = i64::from(interval_hours) * 3_600_000;
            let next_funding_ms = (now_ms / step + 1) * step;
            let volume_base = 10f64.powf(rng.range(4.5, 9.0)) / price_f;
            markets.push(SynthMarket {
                asset,
                quote: quote.to_owned(),
                multiplier,
                has_perp,
                has_spot,
                price: dec(price_f, dp),
                perp_bid: dec(perp_mid - perp_half, dp + 1),
                perp_ask: dec(perp_mid + perp_half, dp + 1),
                spot_bid: dec(price_f - half, dp + 1),
                spot_ask: dec(price_f + half, dp + 1),
                mark: dec(perp_mid, dp + 1),
                index: dec(price_f, dp + 1),
                high: dec(hi, dp),
                low: dec(lo, dp),
                funding_rate: dec(rate, 8),
                interval_hours,
                next_funding_ms,
                volume_base: dec(volume_base, 2),
                open_interest: dec(volume_base * rng.range(0.05, 0.6), 2),
            });
        }
        Universe {
            venue,
            now_ms,
            markets,
        }
    }

    /// Perps of the universe.
    pub fn perps(&self) -> impl Iterator<Item = &SynthMarket> {
        self.markets.iter().filter(|m| m.has_perp)
    }

    /// Spot pairs of the universe.
    pub fn spots(&self) -> impl Iterator<Item = &SynthMarket> {
        self.markets.iter().filter(|m| m.has_spot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_sane() {
        let a = Universe::generate(Venue::Okx, 300, 250, 1_760_000_000_000);
        let b = Universe::generate(Venue::Okx, 300, 250, 1_760_000_000_000);
        assert_eq!(a, b);
        assert_eq!(a.perps().count(), 300);
        assert_eq!(a.spots().count(), 250);
        for m in &a.markets {
            assert!(m.spot_bid < m.spot_ask, "{m:?}");
            assert!(m.perp_bid < m.perp_ask, "{m:?}");
            assert!(m.low < m.high, "{m:?}");
            assert!(m.next_funding_ms > a.now_ms);
        }
        assert!(a.markets.iter().any(|m| m.multiplier == 1000));
        assert!(a.markets.iter().any(|m| m.quote == "USDC"));
        assert_ne!(
            a.markets,
            Universe::generate(Venue::Bybit, 300, 250, 1_760_000_000_000).markets
        );
    }
}
