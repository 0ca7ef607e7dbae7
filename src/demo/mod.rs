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
pub mod json;
pub mod kraken;
pub mod mexc;
pub mod okx;
#[cfg(test)]
mod rendering;
#[cfg(test)]
mod roundtrip;
pub mod server;
pub mod weex;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use crate::model::Venue;
use crate::venue::{Bar, Endpoint};

/// Milliseconds per hour.
pub const HOUR_MS: i64 = 3_600_000;
/// Milliseconds per day.
pub const DAY_MS: i64 = 86_400_000;
/// Days of history (settled funding and candles) the demo venues keep unless their API keeps
/// less (OKX: 90 days of funding).
pub const HISTORY_DAYS: i64 = 120;

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

    /// Milliseconds between two settlements of the perp's funding.
    #[must_use]
    pub fn funding_step(&self) -> i64 {
        i64::from(self.interval_hours.max(1)) * HOUR_MS
    }

    /// Settlement times of the perp's funding: every `interval_hours` on the UTC grid, from
    /// `keep_days` before `now_ms` up to `now_ms`, within `[from, to]`, ascending.
    #[must_use]
    pub fn settlements(&self, now_ms: i64, keep_days: i64, from: i64, to: i64) -> Vec<i64> {
        let step = self.funding_step();
        let lo = from.max(now_ms - keep_days * DAY_MS);
        let hi = to.min(now_ms);
        let first = lo.div_euclid(step) * step + if lo.rem_euclid(step) == 0 { 0 } else { step };
        (0..)
            .map(|k| first + k * step)
            .take_while(|t| *t <= hi)
            .collect()
    }

    /// The rate settled at `time_ms`: the current rate plus a deterministic wobble of up to
    /// ±0.002 % (a hash of the time and of the market, so two venues' records of one coin
    /// differ).
    #[must_use]
    pub fn historic_rate(&self, time_ms: i64) -> Decimal {
        let market = mix(self.volume_base.mantissa() as u64 ^ u64::from(self.interval_hours));
        let z = mix(time_ms as u64 ^ market);
        let wobble = i64::try_from(z % 41).unwrap_or(0) - 20;
        self.funding_rate + Decimal::new(wobble, 6)
    }

    /// Candles per one coin with open times in `[from, to]`, at most [`HISTORY_DAYS`] back,
    /// ascending; the bar containing `now_ms` is included, unfinished (its close is the
    /// current price). The price path is hourly, deterministic per asset and hour (a component
    /// common to all assets plus one per asset: about 30 % annual volatility, correlation 0.5
    /// between assets, the same path on every venue up to the venue's price level), and ends
    /// at [`SynthMarket::price`] now. A daily bar aggregates its 24 hourly bars.
    #[must_use]
    pub fn candles(&self, bar: Bar, from: i64, to: i64, now_ms: i64) -> Vec<SynthCandle> {
        let step = bar.millis();
        let lo = from.max(now_ms - HISTORY_DAYS * DAY_MS).div_euclid(step) * step;
        let lo = if lo < from { lo + step } else { lo };
        let hi = to.min(now_ms);
        if lo > hi {
            return Vec::new();
        }
        // Closes of hours [first_hour, now_hour]: walk back from the current price.
        let now_hour = now_ms.div_euclid(HOUR_MS);
        let first_hour = lo.div_euclid(HOUR_MS);
        let seed = self
            .asset
            .bytes()
            .fold(0xA5A5_5A5A_u64, |h, b| mix(h ^ u64::from(b)));
        let len = usize::try_from(now_hour - first_hour + 1).unwrap_or(0);
        let mut close = vec![Decimal::ZERO; len];
        let mut open = vec![Decimal::ZERO; len];
        let mut price = self.price;
        for k in (0..len).rev() {
            let hour = first_hour + k as i64;
            close[k] = price;
            let common = i64::try_from(mix(hour as u64 ^ 0xC0_11EC7) % 1201).unwrap_or(600) - 600;
            let own = i64::try_from(mix(hour as u64 ^ seed) % 1201).unwrap_or(600) - 600;
            let r = Decimal::new(common + own, 5) * Decimal::new(7, 1);
            price = (price / (Decimal::ONE + r)).round_sf(18).unwrap_or(price);
            open[k] = price;
        }
        let dp = self.price.scale() + 2;
        let wick = |hour: i64, salt: u64| {
            Decimal::new(
                i64::try_from(mix(hour as u64 ^ seed ^ salt) % 21).unwrap_or(0),
                4,
            )
        };
        let hours_per_bar = step / HOUR_MS;
        let mut out = Vec::new();
        let mut t = lo;
        while t <= hi {
            let h0 = usize::try_from(t / HOUR_MS - first_hour).unwrap_or(0);
            let h1 = (h0 + usize::try_from(hours_per_bar).unwrap_or(1)).min(len);
            let mut high = Decimal::MIN;
            let mut low = Decimal::MAX;
            for k in h0..h1 {
                let hour = first_hour + k as i64;
                let top = open[k].max(close[k]) * (Decimal::ONE + wick(hour, 1));
                let bottom = open[k].min(close[k]) * (Decimal::ONE - wick(hour, 2));
                high = high.max(top);
                low = low.min(bottom);
            }
            if h0 < h1 {
                out.push(SynthCandle {
                    open_ms: t,
                    open: open[h0].round_dp(dp),
                    high: high.round_dp(dp),
                    low: low.round_dp(dp),
                    close: close[h1 - 1].round_dp(dp),
                    volume: (self.volume_base * Decimal::from(h1 - h0) / Decimal::from(24))
                        .round_dp(2),
                });
            }
            t += step;
        }
        out
    }

    /// Daily bars of days opening `shift_ms` before UTC midnight (8 h: the UTC+8 day, opening at
    /// 16:00 UTC) with open times in `[from, to]`, ascending, aggregated from the hourly bars of
    /// [`SynthMarket::candles`] (so the oldest day kept may be partial); the running day
    /// included.
    #[must_use]
    pub fn shifted_days(&self, shift_ms: i64, from: i64, to: i64, now_ms: i64) -> Vec<SynthCandle> {
        let day = |t: i64| (t + shift_ms).div_euclid(DAY_MS) * DAY_MS - shift_ms;
        let first = day(from.max(now_ms - (HISTORY_DAYS + 1) * DAY_MS));
        let hours = self.candles(Bar::Hour, first, to.saturating_add(DAY_MS - 1), now_ms);
        let mut out: Vec<SynthCandle> = Vec::new();
        for h in hours {
            let open_ms = day(h.open_ms);
            if !(from..=to).contains(&open_ms) {
                continue;
            }
            match out.last_mut() {
                Some(d) if d.open_ms == open_ms => {
                    d.high = d.high.max(h.high);
                    d.low = d.low.min(h.low);
                    d.close = h.close;
                    d.volume += h.volume;
                }
                _ => out.push(SynthCandle { open_ms, ..h }),
            }
        }
        out
    }
}

/// The figures of one 24 h ticker row as a venue quotes them: the last price, the book, the
/// range and the volumes (a perp's per contract unit, in the unit the venue counts volume in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Day {
    /// Last price.
    pub last: Decimal,
    /// Best bid.
    pub bid: Decimal,
    /// Best ask.
    pub ask: Decimal,
    /// 24 h high.
    pub high: Decimal,
    /// 24 h low.
    pub low: Decimal,
    /// 24 h volume, in the venue's unit.
    pub volume: Decimal,
    /// 24 h quote volume.
    pub quote_volume: Decimal,
}

impl Day {
    /// The row of an entry the adapter must drop: every figure 1.
    pub const FILLER: Day = Day {
        last: Decimal::ONE,
        bid: Decimal::ONE,
        ask: Decimal::ONE,
        high: Decimal::ONE,
        low: Decimal::ONE,
        volume: Decimal::ONE,
        quote_volume: Decimal::ONE,
    };

    /// A spot pair's: its price, book, range, base and quote volume.
    #[must_use]
    pub fn spot(m: &SynthMarket) -> Day {
        Day {
            last: m.price,
            bid: m.spot_bid,
            ask: m.spot_ask,
            high: m.high,
            low: m.low,
            volume: m.volume_base,
            quote_volume: m.volume_quote(),
        }
    }

    /// A perp's per one coin, as venues quote it whatever the contract (OKX, Gate): the mark as
    /// last price, `volume` in the venue's unit.
    #[must_use]
    pub fn perp_per_coin(m: &SynthMarket, volume: Decimal) -> Day {
        Day {
            last: m.mark,
            bid: m.perp_bid,
            ask: m.perp_ask,
            high: m.high,
            low: m.low,
            volume,
            quote_volume: m.volume_quote(),
        }
    }

    /// A perp's per contract unit (× the multiplier): the mark as last price, `volume` in the
    /// venue's unit.
    #[must_use]
    pub fn perp(m: &SynthMarket, volume: Decimal) -> Day {
        let per = |x: Decimal| m.contract_price(x);
        let coin = Day::perp_per_coin(m, volume);
        Day {
            last: per(coin.last),
            bid: per(coin.bid),
            ask: per(coin.ask),
            high: per(coin.high),
            low: per(coin.low),
            ..coin
        }
    }
}

/// The spot pairs of `u` under the venue's `symbol`, each with its [`Day::spot`].
pub fn spot_days<'u>(
    u: &'u Universe,
    symbol: impl Fn(&SynthMarket) -> String + 'u,
) -> impl Iterator<Item = (String, Day)> + 'u {
    u.spots().map(move |m| (symbol(m), Day::spot(m)))
}

/// The rows of a list endpoint: one per `listed` market (its symbol and figures: a [`Day`], a
/// [`Funding`]), then one with the `filler` figures per `filtered` entry (symbol, why) the
/// adapter must drop; `row` writes one.
pub fn list_rows<T: Copy>(
    listed: impl Iterator<Item = (String, T)>,
    filtered: &[(&str, &str)],
    filler: T,
    row: impl Fn(&str, &T) -> json::Value,
) -> Vec<json::Value> {
    let filler = filtered
        .iter()
        .map(|(symbol, _)| ((*symbol).to_owned(), filler));
    listed
        .chain(filler)
        .map(|(symbol, figures)| row(&symbol, &figures))
        .collect()
}

/// The funding figures of one row of a funding list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Funding {
    /// Rate per interval (fraction).
    pub rate: Decimal,
    /// Interval, hours.
    pub interval_hours: u32,
    /// Next funding time, ms.
    pub next_ms: i64,
}

impl Funding {
    /// A perp's current funding.
    #[must_use]
    pub fn of(m: &SynthMarket) -> Funding {
        Funding {
            rate: m.funding_rate,
            interval_hours: m.interval_hours,
            next_ms: m.next_funding_ms,
        }
    }

    /// The row of an entry the adapter must drop: 0.5 % every 8 h, next on the 8 h grid after
    /// `now_ms`.
    #[must_use]
    pub fn filler(now_ms: i64) -> Funding {
        Funding {
            rate: Decimal::new(5, 3),
            interval_hours: 8,
            next_ms: next_on_grid(now_ms, 8),
        }
    }
}

/// One synthetic candle, prices per one coin (renderers scale perps by the multiplier with
/// [`SynthMarket::contract_price`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SynthCandle {
    /// Open time, ms.
    pub open_ms: i64,
    /// First price.
    pub open: Decimal,
    /// Highest price.
    pub high: Decimal,
    /// Lowest price.
    pub low: Decimal,
    /// Last price (of the running bar: the current price).
    pub close: Decimal,
    /// Base volume.
    pub volume: Decimal,
}

impl SynthCandle {
    /// The bar as a Binance-shaped kline array, as BingX and MEXC spot serve it: `[openTime,
    /// open, high, low, close, volume, closeTime, quoteVolume]`, the figures through `encode`
    /// (a venue's strings or numbers), the quote volume the volume at the close.
    #[must_use]
    pub fn kline_array(&self, close_ms: i64, encode: fn(Decimal) -> json::Value) -> json::Value {
        let quote_volume = (self.volume * self.close).round_dp(2);
        let [open, high, low, close, volume, quote_volume] = [
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
            quote_volume,
        ]
        .map(encode);
        json::json!([
            self.open_ms,
            open,
            high,
            low,
            close,
            volume,
            close_ms,
            quote_volume
        ])
    }
}

/// A collateral coin the universe does not list; every demo collateral table carries it all the
/// same (the adapters must keep coins they do not trade).
pub const UNLISTED_COLLATERAL: &str = "WBETH";

/// The (first-tier) collateral value ratio `k` the demo venues publish for `coin`: 1 for
/// stablecoins, 0.95 for BTC and ETH, and for every other coin one of 0.5 to 0.9, fixed by its
/// name.
#[must_use]
pub fn collateral_haircut(coin: &str) -> Decimal {
    const OTHERS: [i64; 6] = [90, 85, 80, 75, 70, 50];
    if crate::model::is_stablecoin(coin) {
        return Decimal::ONE;
    }
    if matches!(coin, "BTC" | "ETH") {
        return Decimal::new(95, 2);
    }
    let h = coin.bytes().fold(7usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    });
    Decimal::new(OTHERS[h % OTHERS.len()], 2)
}

/// One tier of a collateral table by coin quantity: from `min` coins to `max` (none for the
/// last tier) at the collateral value ratio `ratio`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuantityTier {
    /// Lower bound, coins.
    pub min: Decimal,
    /// Upper bound, coins; `None` for the last tier.
    pub max: Option<Decimal>,
    /// Collateral value ratio.
    pub ratio: Decimal,
}

/// The three quantity tiers Bybit's and OKX's demos publish for `coin` at `price`: from 0 to
/// about 5 M USD at [`collateral_haircut`], to about 25 M USD at 0.8 of it, then at 0;
/// stablecoins 1, 0.95 and 0.9. Bounds are whole coins (the USD amounts for a coin without a
/// price).
#[must_use]
pub fn quantity_tiers(coin: &str, price: Decimal) -> [QuantityTier; 3] {
    let k = collateral_haircut(coin);
    let qty = |usd: i64| {
        let usd = Decimal::from(usd);
        usd.checked_div(price).map_or(usd, |q| q.round())
    };
    let (q1, q2) = (qty(5_000_000), qty(25_000_000));
    let ratios = if crate::model::is_stablecoin(coin) {
        [Decimal::ONE, Decimal::new(95, 2), Decimal::new(9, 1)]
    } else {
        [k, (k * Decimal::new(8, 1)).round_dp(2), Decimal::ZERO]
    };
    let bounds = [(Decimal::ZERO, Some(q1)), (q1, Some(q2)), (q2, None)];
    let tier = |i: usize| QuantityTier {
        min: bounds[i].0,
        max: bounds[i].1,
        ratio: ratios[i],
    };
    [tier(0), tier(1), tier(2)]
}

/// The coins of the demo collateral tables with a price each: every coin of the universe once
/// (in order), then USDT, USDC and [`UNLISTED_COLLATERAL`].
#[must_use]
pub fn collateral_coins(u: &Universe) -> Vec<(String, Decimal)> {
    let mut seen = std::collections::HashSet::new();
    let mut coins: Vec<(String, Decimal)> = Vec::with_capacity(u.markets.len() + 3);
    for m in &u.markets {
        if seen.insert(m.asset.as_str()) {
            coins.push((m.asset.clone(), m.price));
        }
    }
    coins.push(("USDT".to_owned(), Decimal::ONE));
    coins.push(("USDC".to_owned(), Decimal::new(9999, 4)));
    coins.push((UNLISTED_COLLATERAL.to_owned(), Decimal::new(36_125, 1)));
    coins
}

/// Test check of a venue's collateral table served without a query at `path`: the rows of its
/// JSON under `rows` (a pointer, `""` for a bare array), one per coin named under `key`, BTC,
/// ETH, USDT, USDC, PEPE and [`UNLISTED_COLLATERAL`] among them (the unlisted coin no market of
/// `u`); returns the payload.
#[cfg(test)]
pub(crate) fn assert_collateral_table(
    u: &Universe,
    path: &str,
    rows: &str,
    key: &str,
) -> json::Value {
    let route = routes(u)
        .into_iter()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("{}: no route {path}", u.venue));
    assert!(route.query.is_empty());
    let v: json::Value = serde_json::from_str(&route.body).expect("json");
    let list = v
        .pointer(rows)
        .and_then(json::Value::as_array)
        .expect("rows");
    let coins: Vec<&str> = list.iter().filter_map(|r| r[key].as_str()).collect();
    assert_eq!(coins.len(), list.len());
    for coin in ["BTC", "ETH", "USDT", "USDC", "PEPE", UNLISTED_COLLATERAL] {
        assert!(coins.contains(&coin), "{coin}");
    }
    assert!(u.markets.iter().all(|m| m.asset != UNLISTED_COLLATERAL));
    v
}

/// The contract unit a venue would pick for a market at `price`: the power of ten of base units
/// worth 1 to 1000 quote units (0.01 BTC at 97 000, 1 XRP, 100 000 PEPE); 1 for a price that
/// is not positive.
#[must_use]
pub fn contract_unit(price: Decimal) -> Decimal {
    let mut unit = Decimal::ONE;
    if price <= Decimal::ZERO {
        return unit;
    }
    for _ in 0..24 {
        let Some(notional) = price.checked_mul(unit) else {
            break;
        };
        if notional > Decimal::ONE_THOUSAND {
            unit /= Decimal::TEN;
        } else if notional < Decimal::ONE {
            unit *= Decimal::TEN;
        } else {
            break;
        }
    }
    unit.normalize()
}

/// The spot symbol of venues that write base and quote together (Binance, Bybit, Bitget, MEXC):
/// `BTCUSDT`.
#[must_use]
pub fn joined_spot_symbol(m: &SynthMarket) -> String {
    format!("{}{}", m.asset, m.quote)
}

/// The perp symbol of venues that write base and quote together and a USDC perpetual with a
/// `PERP` suffix (Bybit, Bitget): `1000PEPEUSDT`, `BTCPERP`.
#[must_use]
pub fn joined_perp_symbol(m: &SynthMarket) -> String {
    if m.quote == "USDC" {
        format!("{}PERP", m.perp_base())
    } else {
        format!("{}{}", m.perp_base(), m.quote)
    }
}

/// The first settlement after `now_ms` on the UTC grid of `hours`-hour intervals.
#[must_use]
pub fn next_on_grid(now_ms: i64, hours: i64) -> i64 {
    let step = hours * HOUR_MS;
    (now_ms / step + 1) * step
}

/// A 64-bit mixing function (splitmix64's finaliser): a deterministic hash of `x`.
#[must_use]
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The value of query parameter `key`, if present.
#[must_use]
pub fn param<'q>(query: &'q [(String, String)], key: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Query parameter `key` as an integer: `Ok(None)` when absent, `Err(key)` when not a number
/// (each venue words the error its own way).
pub fn int_param<'k>(query: &[(String, String)], key: &'k str) -> Result<Option<i64>, &'k str> {
    param(query, key).map_or(Ok(None), |v| v.parse::<i64>().map(Some).map_err(|_| key))
}

/// The page of `limit` rows a history endpoint serves from the rows of its window (ascending):
/// the first `limit` when the request names its start (`from_start`), else the last `limit`.
#[must_use]
pub fn window_page<T>(rows: &[T], limit: usize, from_start: bool) -> &[T] {
    if from_start {
        &rows[..rows.len().min(limit)]
    } else {
        &rows[rows.len().saturating_sub(limit)..]
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

    /// A route serving `body` at `endpoint`'s host and path.
    #[must_use]
    pub fn at(endpoint: &Endpoint, body: String) -> Self {
        Route::new(endpoint.host, endpoint.path, body)
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

/// A request to a venue's history endpoints as the demo server hands it to the venue's
/// renderer: the path below the host's prefix, the query pairs and the body (Hyperliquid POSTs
/// its requests).
#[derive(Clone, Copy, Debug)]
pub struct Ask<'a> {
    /// Path below the venue host's prefix, starting with `/`.
    pub path: &'a str,
    /// Query pairs, percent-decoded.
    pub query: &'a [(String, String)],
    /// Request body (empty for a GET).
    pub body: &'a str,
}

impl<'a> Ask<'a> {
    /// A GET of `path` with `query`.
    #[must_use]
    pub fn get(path: &'a str, query: &'a [(String, String)]) -> Self {
        Ask {
            path,
            query,
            body: "",
        }
    }

    /// A POST of `body` to `path`.
    #[must_use]
    pub fn post(path: &'a str, body: &'a str) -> Self {
        Ask {
            path,
            query: &[],
            body,
        }
    }
}

/// A venue renderer's history responder (settled funding, candles): the answer to an [`Ask`],
/// `None` for a path or request the venue's static routes serve or nobody does.
pub type Respond = fn(&Universe, &Ask<'_>) -> Option<String>;

/// The history responder of `venue`'s renderer.
#[must_use]
pub fn responder(venue: Venue) -> Respond {
    match venue {
        Venue::Binance => binance::respond,
        Venue::Bybit => bybit::respond,
        Venue::Okx => okx::respond,
        Venue::Bitget => bitget::respond,
        Venue::Gate => gate::respond,
        Venue::Hyperliquid => hyperliquid::respond,
        Venue::Bingx => bingx::respond,
        Venue::Mexc => mexc::respond,
        Venue::Deribit => deribit::respond,
        Venue::Dydx => dydx::respond,
        Venue::Kraken => kraken::respond,
        Venue::Weex => weex::respond,
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
        Venue::Weex => weex::routes(universe),
    }
}

/// splitmix64: a tiny deterministic generator, enough for synthetic prices.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    /// The next number: [`mix`] of the state before it steps on.
    fn next_u64(&mut self) -> u64 {
        let z = mix(self.0);
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z
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
            let next_funding_ms = next_on_grid(now_ms, i64::from(interval_hours));
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

    /// OKX `ctVal`, Gate `quanto_multiplier` and MEXC `contractSize` all come from here.
    #[test]
    fn contract_units_are_powers_of_ten_worth_one_to_a_thousand() {
        let cases = [
            ("97000", "0.01"),
            ("3400", "0.1"),
            ("2.3", "1"),
            ("0.000019", "100000"),
            ("0", "1"),
        ];
        for (price, unit) in cases {
            let price: Decimal = price.parse().expect("price");
            assert_eq!(
                contract_unit(price),
                unit.parse::<Decimal>().expect("unit"),
                "{price}"
            );
        }
        assert_eq!(
            okx::contract_value(Decimal::from(97_000)),
            Decimal::new(1, 2)
        );
        assert_eq!(
            gate::quanto_multiplier(Decimal::from(97_000)),
            Decimal::new(1, 2)
        );
    }

    /// Every coin's `k` is a fraction in (0, 1]: BTC and ETH at 0.95, stablecoins at 1, the rest
    /// lower, one of 0.5 to 0.9.
    #[test]
    fn collateral_haircuts_fall_from_stablecoins_to_majors_to_the_rest() {
        for coin in ["BTC", "ETH"] {
            assert_eq!(collateral_haircut(coin), Decimal::new(95, 2));
        }
        for coin in ["USDT", "USDC"] {
            assert_eq!(collateral_haircut(coin), Decimal::ONE);
        }
        let sol = collateral_haircut("SOL");
        assert!(
            sol >= Decimal::new(5, 1) && sol <= Decimal::new(9, 1),
            "{sol}"
        );
        let u = Universe::generate(Venue::Binance, 60, 50, 1_760_000_000_000);
        for m in &u.markets {
            let k = collateral_haircut(&m.asset);
            assert!(k > Decimal::ZERO && k <= Decimal::ONE, "{}", m.asset);
            if !matches!(m.asset.as_str(), "BTC" | "ETH") {
                assert!(k < Decimal::new(95, 2), "{}", m.asset);
            }
        }
    }

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

    #[test]
    fn candles_walk_back_from_the_current_price_and_daily_bars_aggregate_hourly_ones() {
        let now = 1_760_000_000_000 / DAY_MS * DAY_MS + 5 * HOUR_MS + 17;
        let u = Universe::generate(Venue::Binance, 5, 5, now);
        let m = &u.markets[0];
        let day0 = now / DAY_MS * DAY_MS;
        let hourly = m.candles(Bar::Hour, day0 - 3 * DAY_MS, now, now);
        let daily = m.candles(Bar::Day, day0 - 3 * DAY_MS, now, now);
        assert_eq!(
            daily.len(),
            4,
            "three finished days and today's running bar"
        );
        assert_eq!(hourly.len(), 3 * 24 + 6);
        assert_eq!(hourly.last().map(|c| c.close), Some(m.price));
        assert_eq!(daily.last().map(|c| c.close), Some(m.price));
        for (d, day) in daily.iter().take(3).enumerate() {
            let hours = &hourly[d * 24..(d + 1) * 24];
            assert_eq!(day.open_ms, hours[0].open_ms);
            assert_eq!(day.close, hours[23].close, "close of the 23:00 hourly bar");
            assert_eq!(day.open, hours[0].open);
            assert_eq!(Some(day.high), hours.iter().map(|h| h.high).max());
            assert_eq!(Some(day.low), hours.iter().map(|h| h.low).min());
            assert!(day.low <= day.open.min(day.close) && day.high >= day.open.max(day.close));
        }
        // Consecutive hours join: each open is the previous close.
        for w in hourly.windows(2) {
            assert_eq!(w[1].open, w[0].close);
            assert_eq!(w[1].open_ms - w[0].open_ms, HOUR_MS);
        }
        // Same asset on another venue: the same returns (the level differs slightly).
        let other = Universe::generate(Venue::Okx, 5, 5, now);
        let o = other.markets[0].candles(Bar::Day, day0 - 3 * DAY_MS, now, now);
        let ratio = |c: &[SynthCandle], i: usize| c[i + 1].close / c[i].close;
        assert_eq!(ratio(&daily, 0).round_dp(5), ratio(&o, 0).round_dp(5));
        // Window bounds: inclusive, aligned, never before the history kept.
        assert!(m.candles(Bar::Day, now + 1, now + DAY_MS, now).is_empty());
        let one = m.candles(Bar::Hour, day0, day0, now);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].open_ms, day0);
        let all = m.candles(Bar::Day, 0, now, now);
        assert_eq!(all.len(), usize::try_from(HISTORY_DAYS).expect("small") + 1);
    }
}
