//! The request table's rows: each venue's hosts, plans and paging requests (tests).
//!
//! The windows of the asks are those each venue's paging was first pinned with; a page is
//! written as the times of its rows ([`span`]), in any order (the suite also reverses it).

use super::{Ask, DAY, H, Row, candles, history, span};
use crate::model::{Market, Venue};
use crate::venue::Bar;
use crate::venue::dydx::iso;

/// The row of `venue`.
pub(crate) fn row(venue: Venue) -> &'static Row {
    by_venue!(venue)
}

/// 17 minutes past an hour: a running bar.
const PAST_HOUR: i64 = 1_760_000_000_000 + 17 * 60_000;

/// The window of the `bar`s opening in the last `days` days up to `now` (the start on the grid).
fn days_back(market: Market, symbol: &'static str, bar: Bar, days: i64, now: i64) -> super::Call {
    let step = bar.millis();
    candles(market, symbol, bar, (now - days * DAY) / step * step, now)
}

static BINANCE: Row = Row {
    hosts: &[
        "spot BASIS_BINANCE_SPOT_URL https://api.binance.com 6000/60s at 50%",
        "futures BASIS_BINANCE_FUTURES_URL https://fapi.binance.com 2400/60s at 50%",
    ],
    facts: "ban 120s, longest 259200s, history all, Retry-After in s",
    reference: &[
        "fapi/v1/exchangeInfo: GET futures /fapi/v1/exchangeInfo w1",
        "fapi/v1/fundingInfo: GET futures /fapi/v1/fundingInfo w0",
        "api/v3/exchangeInfo: GET spot /api/v3/exchangeInfo?permissions=SPOT&symbolStatus=TRADING&showPermissionSets=false w20",
        "fapi/v1/assetIndex: GET futures /fapi/v1/assetIndex w10 optional",
    ],
    scan: &[
        "fapi/v1/premiumIndex: GET futures /fapi/v1/premiumIndex w10",
        "fapi/v1/ticker/24hr: GET futures /fapi/v1/ticker/24hr w40",
        "fapi/v1/ticker/bookTicker: GET futures /fapi/v1/ticker/bookTicker w5",
        "api/v3/ticker/24hr: GET spot /api/v3/ticker/24hr?symbolStatus=TRADING w80",
    ],
    poll: &[],
    asks: binance,
};

fn binance() -> Vec<Ask> {
    let (start, end) = (1_000_000, 9_000_000_000);
    let rate = |from: i64| {
        format!(
            "fapi/v1/fundingRate: GET futures /fapi/v1/fundingRate?symbol=BTCUSDT&startTime={from}&endTime={end}&limit=1000 w24"
        )
    };
    let h = || history("BTCUSDT", start, end);
    let now = PAST_HOUR;
    let (hour, day) = (now / H * H, now / DAY * DAY);
    let klines = |market: &str, symbol: &str, bar: &str, from: i64, limit: i64, weight: u32| {
        let (name, host) = match market {
            "spot" => ("api/v3/klines", "spot"),
            _ => ("fapi/v1/klines", "futures"),
        };
        format!(
            "{name}: GET {host} /{name}?symbol={symbol}&interval={bar}&startTime={from}&endTime={now}&limit={limit} w{weight}"
        )
    };
    let long = hour - 2000 * H;
    let paged = || candles(Market::Perp, "BTCUSDT", Bar::Hour, long, now);
    let mut asks = vec![
        h().asks(rate(start)),
        h().after(span(start, 1000, H), 0)
            .asks(rate(start + 999 * H + 1)),
        h().after(span(start, 999, H), 0).done(),
        h().after(vec![], 0).done(),
        h().after(span(end - 999 * H, 1000, H), 0).done(),
        days_back(Market::Perp, "1000PEPEUSDT", Bar::Hour, 7, now).asks(klines(
            "perp",
            "1000PEPEUSDT",
            "1h",
            hour - 168 * H,
            169,
            2,
        )),
        days_back(Market::Spot, "BTCUSDT", Bar::Day, 45, now).asks(klines(
            "spot",
            "BTCUSDT",
            "1d",
            day - 45 * DAY,
            46,
            2,
        )),
        candles(Market::Spot, "BTCUSDT", Bar::Hour, now, now - 1).done(),
        candles(Market::Spot, "BTCUSDT", Bar::Hour, hour + 1, now).done(),
        paged().asks(klines("perp", "BTCUSDT", "1h", long, 1500, 10)),
        paged().after(span(long, 1500, H), 1).asks(klines(
            "perp",
            "BTCUSDT",
            "1h",
            long + 1500 * H,
            501,
            5,
        )),
        paged().after(span(long, 1499, H), 1).done(),
        paged().after(span(hour, 1500, -H), 1).done(),
        paged().after(span(long, 1000, H), 1).done(),
        candles(Market::Spot, "BTCUSDT", Bar::Hour, long, now)
            .after(span(long, 1000, H), 1)
            .asks(klines("spot", "BTCUSDT", "1h", long + 1000 * H, 1000, 2)),
    ];
    // The perp weight follows the limit: [1, 100) → 1, [100, 500) → 2, [500, 1000] → 5, more → 10.
    for (rows, weight) in [
        (1, 1),
        (99, 1),
        (100, 2),
        (499, 2),
        (500, 5),
        (1000, 5),
        (1001, 10),
        (1500, 10),
    ] {
        let from = hour - (rows - 1) * H;
        asks.push(
            candles(Market::Perp, "BTCUSDT", Bar::Hour, from, now)
                .asks(klines("perp", "BTCUSDT", "1h", from, rows, weight)),
        );
    }
    asks
}

static BYBIT: Row = Row {
    hosts: &["main BASIS_BYBIT_URL https://api.bybit.com 600/5s at 50%"],
    facts: "ban 600s, longest 259200s, history all, Retry-After in s",
    reference: &[
        "instruments-info-linear: GET main /v5/market/instruments-info?category=linear&limit=1000 w1",
        "instruments-info-spot: GET main /v5/market/instruments-info?category=spot&limit=1000 w1",
        "collateral: GET main /v5/spot-margin-trade/collateral w1 optional",
    ],
    scan: &[
        "tickers-linear: GET main /v5/market/tickers?category=linear w1",
        "tickers-spot: GET main /v5/market/tickers?category=spot w1",
    ],
    poll: &[],
    asks: bybit,
};

fn bybit() -> Vec<Ask> {
    let (start, end) = (1_000_000, 9_000_000_000);
    let rate = |to: i64| {
        format!(
            "funding-history: GET main /v5/market/funding/history?category=linear&symbol=BTCUSDT&startTime={start}&endTime={to}&limit=200 w1"
        )
    };
    let h = || history("BTCUSDT", start, end);
    let oldest = end - 199 * H;
    let now = PAST_HOUR;
    let (hour, day) = (now / H * H, now / DAY * DAY);
    let kline = |category: &str, symbol: &str, bar: &str, from: i64, to: i64, limit: i64| {
        format!(
            "kline-{category}: GET main /v5/market/kline?category={category}&symbol={symbol}&interval={bar}&start={from}&end={to}&limit={limit} w1"
        )
    };
    let long = hour - 2500 * H;
    let paged = || candles(Market::Perp, "BTCUSDT", Bar::Hour, long, now);
    let newest_page = hour - 999 * H;
    vec![
        h().asks(rate(end)),
        h().after(span(oldest, 200, H), 0).asks(rate(oldest - 1)),
        h().after(span(oldest, 199, H), 0).done(),
        h().after(vec![], 0).done(),
        h().after(span(start, 200, H), 0).done(),
        days_back(Market::Perp, "1000PEPEUSDT", Bar::Hour, 7, now).asks(kline(
            "linear",
            "1000PEPEUSDT",
            "60",
            hour - 168 * H,
            now,
            169,
        )),
        days_back(Market::Spot, "BTCUSDT", Bar::Day, 45, now).asks(kline(
            "spot",
            "BTCUSDT",
            "D",
            day - 45 * DAY,
            now,
            46,
        )),
        candles(Market::Spot, "BTCUSDT", Bar::Hour, now, now - 1).done(),
        candles(Market::Spot, "BTCUSDT", Bar::Hour, hour + 1, now).done(),
        paged().asks(kline("linear", "BTCUSDT", "60", long, now, 1000)),
        paged().after(span(newest_page, 1000, H), 1).asks(kline(
            "linear",
            "BTCUSDT",
            "60",
            long,
            newest_page - 1,
            1000,
        )),
        // The last page asks for what is left: 2501 − 2000 bars.
        paged()
            .after(span(newest_page - 1000 * H, 1000, H), 2)
            .asks(kline(
                "linear",
                "BTCUSDT",
                "60",
                long,
                newest_page - 1000 * H - 1,
                501,
            )),
        paged().after(span(newest_page, 999, H), 1).done(),
        paged().after(span(long, 1000, H), 1).done(),
    ]
}

static OKX: Row = Row {
    hosts: &["main BASIS_OKX_URL https://www.okx.com 20/2s at 50%"],
    facts: "ban 600s, longest 259200s, history 90 days, Retry-After in s",
    reference: &[
        "instruments-swap: GET main /api/v5/public/instruments?instType=SWAP w1",
        "instruments-spot: GET main /api/v5/public/instruments?instType=SPOT w1",
        "discount-rate: GET main /api/v5/public/discount-rate-interest-free-quota w10 optional",
    ],
    scan: &[
        "funding-rate: GET main /api/v5/public/funding-rate?instId=ANY w1",
        "tickers-swap: GET main /api/v5/market/tickers?instType=SWAP w1",
        "tickers-spot: GET main /api/v5/market/tickers?instType=SPOT w1",
        "open-interest: GET main /api/v5/public/open-interest?instType=SWAP w1 optional",
    ],
    poll: &[
        "mark-price: GET main /api/v5/public/mark-price?instType=SWAP w2 optional",
        "index-tickers: GET main /api/v5/market/index-tickers?quoteCcy=USDT w1 optional",
        "index-tickers: GET main /api/v5/market/index-tickers?quoteCcy=USDC w1 optional",
    ],
    asks: okx,
};

fn okx() -> Vec<Ask> {
    let (start, end) = (1_000_000, 9_000_000_000);
    let rate = |after: i64| {
        format!(
            "funding-rate-history: GET main /api/v5/public/funding-rate-history?instId=BTC-USDT-SWAP&limit=100&after={after} w2"
        )
    };
    let h = || history("BTC-USDT-SWAP", start, end);
    let oldest = end - 99 * H;
    let now = PAST_HOUR;
    let hour = now / H * H;
    let bars = |endpoint: &str, inst: &str, bar: &str, after: i64, limit: i64| {
        format!(
            "{endpoint}: GET main /api/v5/market/{endpoint}?instId={inst}&bar={bar}&after={after}&limit={limit} w1"
        )
    };
    let paged = || {
        candles(
            Market::Perp,
            "BTC-USDT-SWAP",
            Bar::Hour,
            hour - 2000 * H,
            now,
        )
    };
    // Pages as parsed, newest first: `k` bars from `n` bars back.
    let back = |n: i64, k: i64| span(hour - n * H, k, -H);
    vec![
        h().asks(rate(end + 1)),
        h().after(span(oldest, 100, H), 0).asks(rate(oldest)),
        h().after(span(oldest, 99, H), 0).done(),
        h().after(vec![], 0).done(),
        h().after(span(start, 100, H), 0).done(),
        days_back(Market::Perp, "BTC-USDT-SWAP", Bar::Hour, 7, now).asks(bars(
            "candles",
            "BTC-USDT-SWAP",
            "1H",
            now + 1,
            169,
        )),
        days_back(Market::Spot, "BTC-USDT", Bar::Day, 45, now).asks(bars(
            "candles",
            "BTC-USDT",
            "1Dutc",
            now + 1,
            46,
        )),
        candles(Market::Spot, "BTC-USDT", Bar::Hour, now, now - 1).done(),
        candles(Market::Spot, "BTC-USDT", Bar::Hour, hour + 1, now).done(),
        paged().asks(bars("candles", "BTC-USDT-SWAP", "1H", now + 1, 300)),
        // The first page as parsed: 299 finished bars (the running one dropped).
        paged().after(back(1, 299), 1).asks(bars(
            "candles",
            "BTC-USDT-SWAP",
            "1H",
            hour - 299 * H,
            300,
        )),
        // Bars 1200..=1438 back are the last `candles` reaches (one bar of margin), then
        // history-candles takes over.
        paged().after(back(900, 300), 4).asks(bars(
            "candles",
            "BTC-USDT-SWAP",
            "1H",
            hour - 1199 * H,
            239,
        )),
        paged().after(back(1200, 239), 5).asks(bars(
            "history-candles",
            "BTC-USDT-SWAP",
            "1H",
            hour - 1438 * H,
            100,
        )),
        paged().after(back(1801, 100), 10).asks(bars(
            "history-candles",
            "BTC-USDT-SWAP",
            "1H",
            hour - 1900 * H,
            100,
        )),
        paged().after(back(1901, 100), 11).done(),
        // Short pages stop (one row short still counts as full).
        paged().after(back(301, 298), 2).done(),
        paged().after(back(301, 299), 2).asks(bars(
            "candles",
            "BTC-USDT-SWAP",
            "1H",
            hour - 599 * H,
            300,
        )),
    ]
}

static BITGET: Row = Row {
    hosts: &["main BASIS_BITGET_URL https://api.bitget.com 20/1s at 50%"],
    facts: "ban 600s, longest 259200s, history all, Retry-After in s",
    reference: &[
        "contracts-usdt: GET main /api/v2/mix/market/contracts?productType=USDT-FUTURES w1",
        "contracts-usdc: GET main /api/v2/mix/market/contracts?productType=USDC-FUTURES w1",
        "spot-symbols: GET main /api/v2/spot/public/symbols w1",
        "discount-rate: GET main /api/v3/market/discount-rate w1 optional",
    ],
    scan: &[
        "tickers-usdt: GET main /api/v2/mix/market/tickers?productType=USDT-FUTURES w1",
        "tickers-usdc: GET main /api/v2/mix/market/tickers?productType=USDC-FUTURES w1",
        "current-fund-rate-usdt: GET main /api/v2/mix/market/current-fund-rate?productType=USDT-FUTURES w1",
        "spot-tickers: GET main /api/v2/spot/market/tickers w1",
    ],
    poll: &[
        "current-fund-rate-usdc: GET main /api/v2/mix/market/current-fund-rate?productType=USDC-FUTURES w1 optional",
    ],
    asks: bitget,
};

fn bitget() -> Vec<Ask> {
    const NOW: i64 = 1_760_000_000_000;
    let (start, end) = (NOW - 30 * DAY, NOW);
    let rate = |symbol: &str, product: &str, page: u32| {
        format!(
            "history-fund-rate: GET main /api/v2/mix/market/history-fund-rate?symbol={symbol}&productType={product}-FUTURES&pageSize=100&pageNo={page} w1"
        )
    };
    let h = |symbol| history(symbol, start, end);
    let mix = |symbol: &str, product: &str, bar: &str, from: i64, to: i64, limit: i64| {
        format!(
            "candles: GET main /api/v2/mix/market/candles?symbol={symbol}&productType={product}-FUTURES&granularity={bar}&kLineType=MARKET&startTime={from}&endTime={to}&limit={limit} w1"
        )
    };
    let spot = |symbol: &str, bar: &str, from: i64, limit: i64| {
        format!(
            "spot-candles: GET main /api/v2/spot/market/candles?symbol={symbol}&granularity={bar}&startTime={from}&endTime={NOW}&limit={limit} w1"
        )
    };
    let (last, today) = (NOW / H * H, NOW / DAY * DAY);
    let week = (NOW - 7 * DAY) / H * H;
    let long = || days_back(Market::Perp, "BTCUSDT", Bar::Hour, 60, NOW);
    let long_start = (NOW - 60 * DAY) / H * H;
    let oldest = last - 999 * H;
    vec![
        h("BTCUSDT").asks(rate("BTCUSDT", "USDT", 1)),
        h("BTCPERP")
            .after(span(end, 100, -H), 1)
            .asks(rate("BTCPERP", "USDC", 2)),
        h("BTCUSDT").after(span(end, 99, -H), 1).done(),
        h("BTCUSDT").after(vec![], 1).done(),
        h("BTCUSDT").after(span(start, 100, H), 1).done(),
        days_back(Market::Perp, "1000PEPEUSDT", Bar::Day, 45, NOW).asks(mix(
            "1000PEPEUSDT",
            "USDT",
            "1Dutc",
            (NOW - 45 * DAY) / DAY * DAY,
            NOW,
            46,
        )),
        days_back(Market::Spot, "BTCUSDC", Bar::Hour, 7, NOW)
            .asks(spot("BTCUSDC", "1h", week, 169)),
        days_back(Market::Perp, "ETHPERP", Bar::Hour, 7, NOW)
            .asks(mix("ETHPERP", "USDC", "1H", week, NOW, 169)),
        // Long windows: 1000 hourly bars a page; 90 daily bars (the 90-day range) a page.
        long().asks(mix("BTCUSDT", "USDT", "1H", oldest, NOW, 1000)),
        long().after(span(oldest, 1000, H), 1).asks(mix(
            "BTCUSDT",
            "USDT",
            "1H",
            long_start,
            oldest - 1,
            (oldest - long_start) / H,
        )),
        days_back(Market::Spot, "BTCUSDT", Bar::Day, 119, NOW).asks(spot(
            "BTCUSDT",
            "1Dutc",
            today - 89 * DAY,
            90,
        )),
        long().after(span(oldest + H, 999, H), 1).done(),
        long().after(vec![], 1).done(),
        long().after(span(long_start, 1000, H), 1).done(),
        long().from(NOW + DAY).done(),
    ]
}

static GATE: Row = Row {
    hosts: &["main BASIS_GATE_URL https://api.gateio.ws 200/10s at 50%"],
    facts: "ban 600s, longest 259200s, history all, Retry-After in s",
    reference: &[
        "contracts: GET main /api/v4/futures/usdt/contracts?limit=1000&offset=0 w1",
        "currency-pairs: GET main /api/v4/spot/currency_pairs w1",
        "currency-discount-tiers: GET main /api/v4/unified/currency_discount_tiers w1 optional",
    ],
    scan: &[
        "contracts-live: GET main /api/v4/futures/usdt/contracts?limit=1000&offset=0 w1",
        "tickers: GET main /api/v4/futures/usdt/tickers w1",
        "spot-tickers: GET main /api/v4/spot/tickers w1",
    ],
    poll: &[],
    asks: gate,
};

fn gate() -> Vec<Ask> {
    const NOW: i64 = 1_760_000_000_123;
    let rate = |limit: i64, to: i64| {
        format!(
            "funding-rate: GET main /api/v4/futures/usdt/funding_rate?contract=BTC_USDT&limit={limit}&to={to} w1"
        )
    };
    let (start, long_start) = (NOW - 30 * DAY, NOW - 120 * DAY);
    let long = || history("BTC_USDT", long_start, NOW);
    let oldest = NOW / H * H - 999 * H;
    let perp = |contract: &str, bar: &str, from: i64, to: i64| {
        format!(
            "candlesticks: GET main /api/v4/futures/usdt/candlesticks?contract={contract}&interval={bar}&from={}&to={} w1",
            from / 1000,
            to / 1000
        )
    };
    let spot = |from: i64, to: i64| {
        format!(
            "spot-candlesticks: GET main /api/v4/spot/candlesticks?currency_pair=ETH_USDT&interval=1h&from={}&to={} w1",
            from / 1000,
            to / 1000
        )
    };
    let daily = || days_back(Market::Perp, "BTC_USDT", Bar::Day, 45, NOW);
    let daily_start = (NOW - 45 * DAY) / DAY * DAY;
    let sixty = || days_back(Market::Spot, "ETH_USDT", Bar::Hour, 60, NOW);
    let sixty_start = (NOW - 60 * DAY) / H * H;
    let lo = NOW / H * H - 999 * H;
    vec![
        // 30 days hold at most 721 hourly settlements: one more.
        history("BTC_USDT", start, NOW).asks(rate(722, NOW / 1000)),
        long().asks(rate(1000, NOW / 1000)),
        long()
            .after(span(oldest, 1000, H), 1)
            .asks(rate(1000, oldest / 1000 - 1)),
        long().after(span(oldest + H, 999, H), 1).done(),
        long().after(vec![], 1).done(),
        long().after(span(long_start, 1000, H), 1).done(),
        daily().asks(perp("BTC_USDT", "1d", daily_start, NOW)),
        // A window that ends in the past (and thus fits) asks no more.
        daily().after(vec![daily_start], 1).done(),
        days_back(Market::Spot, "ETH_USDT", Bar::Hour, 7, NOW)
            .asks(spot((NOW - 7 * DAY) / H * H, NOW)),
        // 60 days of hourly spot bars: 1000-bar slices, newest first.
        sixty().asks(spot(lo, NOW)),
        sixty()
            .after(span(lo, 999, H), 1)
            .asks(spot(sixty_start, lo - H)),
        // The market's history starting inside the slice, the start reached.
        sixty().after(span(lo + H, 998, H), 1).done(),
        sixty().after(span(sixty_start, 441, H), 2).done(),
        // Futures slices hold 2000 bars: the same window is one request.
        days_back(Market::Perp, "ETH_USDT", Bar::Hour, 60, NOW).asks(perp(
            "ETH_USDT",
            "1h",
            sixty_start,
            NOW,
        )),
        days_back(Market::Perp, "ETH_USDT", Bar::Hour, 60, NOW)
            .from(NOW + DAY)
            .done(),
    ]
}

static HYPERLIQUID: Row = Row {
    hosts: &["main BASIS_HYPERLIQUID_URL https://api.hyperliquid.xyz 1200/60s at 50%"],
    facts: "ban 600s, longest 259200s, history all, Retry-After in s",
    reference: &[
        "meta: POST main /info w20 body {\"type\":\"meta\"}",
        "spotMeta: POST main /info w20 body {\"type\":\"spotMeta\"}",
    ],
    scan: &[
        "metaAndAssetCtxs: POST main /info w20 body {\"type\":\"metaAndAssetCtxs\"}",
        "spotMetaAndAssetCtxs: POST main /info w20 body {\"type\":\"spotMetaAndAssetCtxs\"}",
    ],
    poll: &[
        "predictedFundings: POST main /info w20 body {\"type\":\"predictedFundings\"} optional",
    ],
    asks: hyperliquid,
};

fn hyperliquid() -> Vec<Ask> {
    const NOW: i64 = 1_760_000_000_000;
    let (start, end) = (NOW - 30 * DAY, NOW);
    let rate = |coin: &str, from: i64, weight: u32| {
        format!(
            r#"fundingHistory: POST main /info w{weight} body {{"type":"fundingHistory","coin":"{coin}","startTime":{from},"endTime":{end}}}"#
        )
    };
    let snapshot = |coin: &str, bar: &str, from: i64, weight: u32| {
        format!(
            r#"candleSnapshot: POST main /info w{weight} body {{"type":"candleSnapshot","req":{{"coin":"{coin}","interval":"{bar}","startTime":{from},"endTime":{NOW}}}}}"#
        )
    };
    let h = |coin| history(coin, start, end);
    let week = (NOW - 7 * DAY) / H * H;
    let hourly = || days_back(Market::Spot, "@107", Bar::Hour, 7, NOW);
    let long = || days_back(Market::Perp, "BTC", Bar::Hour, 400, NOW);
    let long_start = (NOW - 400 * DAY) / H * H;
    vec![
        // A full page of 500: 1 per 20 settlements.
        h("kPEPE").asks(rate("kPEPE", start, 20 + 25)),
        // 220 hours left.
        h("kPEPE").after(span(start + H, 500, H), 1).asks(rate(
            "kPEPE",
            start + 500 * H + 1,
            20 + 11,
        )),
        h("BTC").after(span(start, 499, H), 1).done(),
        h("BTC").after(vec![], 1).done(),
        h("BTC").after(span(end, 500, -H), 1).done(),
        // 46 and 169 candles: 1 per 60.
        days_back(Market::Perp, "kPEPE", Bar::Day, 45, NOW).asks(snapshot(
            "kPEPE",
            "1d",
            (NOW - 45 * DAY) / DAY * DAY,
            21,
        )),
        hourly().asks(snapshot("@107", "1h", week, 23)),
        days_back(Market::Spot, "PURR/USDC", Bar::Hour, 7, NOW).asks(snapshot(
            "PURR/USDC",
            "1h",
            week,
            23,
        )),
        // Done after any answer short of 5000 candles, or reaching the window's end.
        hourly().after(span(week, 169, H), 1).done(),
        long().after(span(long_start, 5000, H), 1).asks(snapshot(
            "BTC",
            "1h",
            long_start + 5000 * H,
            97,
        )),
        long().from(NOW + DAY).done(),
    ]
}

static BINGX: Row = Row {
    hosts: &["main BASIS_BINGX_URL https://open-api.bingx.com 2/2s at 50% per endpoint"],
    facts: "ban 1800s, longest 259200s, history all, Retry-After in s",
    reference: &[
        "contracts: GET main /openApi/swap/v2/quote/contracts w1 stamped timestamp",
        "spot-symbols: GET main /openApi/spot/v1/common/symbols w1 stamped timestamp",
        "premiumIndex: GET main /openApi/swap/v2/quote/premiumIndex w1 optional stamped timestamp",
    ],
    scan: &[
        "premiumIndex: GET main /openApi/swap/v2/quote/premiumIndex w1 stamped timestamp",
        "ticker: GET main /openApi/swap/v2/quote/ticker w1 stamped timestamp",
        "spot-ticker-24hr: GET main /openApi/spot/v1/ticker/24hr w1 stamped timestamp",
    ],
    poll: &[],
    asks: bingx,
};

fn bingx() -> Vec<Ask> {
    let (start, end) = (1_700_000_000_000, 1_700_000_000_000 + 200 * DAY);
    let rate = |symbol: &str, from: i64, to: i64| {
        format!(
            "fundingRate: GET main /openApi/swap/v2/quote/fundingRate?symbol={symbol}&startTime={from}&endTime={to}&limit=1000 w1 stamped timestamp"
        )
    };
    let h = || history("BTC-USDT", start, end);
    let chunk = 999 * H;
    let some = || vec![end - 5 * H];
    let now = 1_760_000_000_000 / DAY * DAY + 5 * H + 17;
    let (day0, hour0) = (now / DAY * DAY, now / H * H);
    let swap = |symbol: &str, bar: &str, from: i64, to: i64, limit: i64| {
        format!(
            "klines: GET main /openApi/swap/v3/quote/klines?symbol={symbol}&interval={bar}&startTime={from}&endTime={to}&limit={limit} w1 stamped timestamp"
        )
    };
    let spot = |bar: &str, from: i64, limit: i64| {
        format!(
            "spot-kline: GET main /openApi/spot/v2/market/kline?symbol=BTC-USDT&interval={bar}&startTime={from}&endTime={now}&limit={limit}&timeZone=0 w1 stamped timestamp"
        )
    };
    let later = 1_760_000_000_000 / H * H + 42;
    let last = later / H * H;
    let chunked = || {
        candles(
            Market::Perp,
            "1000PEPE-USDT",
            Bar::Hour,
            last - 3000 * H,
            later,
        )
    };
    let (lo0, lo1) = (last - 1439 * H, last - 2879 * H);
    let pepe = |from: i64, to: i64, limit: i64| swap("1000PEPE-USDT", "1h", from, to, limit);
    vec![
        h().asks(rate("BTC-USDT", start, end)),
        // A short or empty first page is the whole window, whatever BingX's order.
        h().after(span(end, 999, -H), 1).done(),
        h().after(vec![], 1).done(),
        // A full page (oldest or newest 1000, unknown): 999-hour chunks from the end.
        h().after(span(start, 1000, H), 1)
            .asks(rate("BTC-USDT", end - chunk + 1, end)),
        h().after(some(), 2)
            .asks(rate("BTC-USDT", end - 2 * chunk + 1, end - chunk)),
        // A short chunk is normal (8 h settlements): paging goes on until the start.
        h().after(some(), 5)
            .asks(rate("BTC-USDT", start, end - 4 * chunk)),
        h().after(some(), 6).done(),
        // An empty chunk: nothing older (the contract was listed later).
        h().after(vec![], 3).done(),
        // A caller that does not count pages still terminates (as page 1).
        h().after(span(end, 999, -H), 0).done(),
        // A one-ms window asks.
        history("X", 0, 1).asks(rate("X", 0, 1)),
        days_back(Market::Perp, "BTC-USDT", Bar::Day, 45, now).asks(swap(
            "BTC-USDT",
            "1d",
            day0 - 45 * DAY,
            now,
            46,
        )),
        days_back(Market::Spot, "BTC-USDT", Bar::Hour, 7, now).asks(spot(
            "1h",
            hour0 - 168 * H,
            169,
        )),
        days_back(Market::Spot, "BTC-USDT", Bar::Day, 45, now).asks(spot(
            "1d",
            day0 - 45 * DAY,
            46,
        )),
        candles(Market::Perp, "BTC-USDT", Bar::Day, day0 + DAY, now).done(),
        candles(Market::Perp, "BTC-USDT", Bar::Hour, now, now - 2 * H).done(),
        candles(Market::Perp, "BTC-USDT", Bar::Hour, hour0, now)
            .asks(swap("BTC-USDT", "1h", hour0, now, 1)),
        chunked().asks(pepe(lo0, later, 1440)),
        // A page reaching its chunk's first bar: the next chunk ends before it.
        chunked()
            .after(span(lo0, 1440, H), 1)
            .asks(pepe(lo1, lo0 - 1, 1440)),
        // Clipped to the window.
        chunked()
            .after(vec![lo1, lo1 + H], 2)
            .asks(pepe(last - 3000 * H, lo1 - 1, 121)),
        chunked().after(vec![last - 3000 * H], 3).done(),
        // The market's history starts inside a chunk: done.
        chunked().after(vec![lo0 + H], 1).done(),
        // A running bar missing from chunk 0 changes nothing.
        chunked()
            .after(span(lo0, 1439, H), 1)
            .asks(pepe(lo1, lo0 - 1, 1440)),
        // A window of one chunk is done after it.
        candles(
            Market::Spot,
            "BTC-USDT",
            Bar::Day,
            last / DAY * DAY - 45 * DAY,
            later,
        )
        .after(span(last / DAY * DAY, 46, -DAY), 1)
        .done(),
    ]
}

static MEXC: Row = Row {
    hosts: &[
        "spot BASIS_MEXC_SPOT_URL https://api.mexc.com 500/10s at 50%",
        "futures BASIS_MEXC_FUTURES_URL https://contract.mexc.com 20/2s at 50%",
    ],
    facts: "ban 600s, longest 259200s, history all, Retry-After in s",
    reference: &[
        "contract-detail: GET futures /api/v1/contract/detail w10",
        "exchangeInfo: GET spot /api/v3/exchangeInfo w10",
        "funding-rates: GET futures /api/v1/contract/funding_rate w1 optional",
    ],
    scan: &[
        "contract-ticker: GET futures /api/v1/contract/ticker w1",
        "spot-ticker-24hr: GET spot /api/v3/ticker/24hr w40",
    ],
    poll: &[],
    asks: mexc,
};

fn mexc() -> Vec<Ask> {
    let (start, end) = (1_700_000_000_000, 1_700_000_000_000 + 200 * DAY);
    let rate = |symbol: &str, page: u32| {
        format!(
            "funding-history: GET futures /api/v1/contract/funding_rate/history?symbol={symbol}&page_num={page}&page_size=1000 w1"
        )
    };
    let h = || history("BTC_USDT", start, end);
    let full = || span(end, 1000, -H);
    let now = 1_760_000_000_000 / DAY * DAY + 5 * H + 17;
    let (day0, hour0) = (now / DAY * DAY, now / H * H);
    let contract = |symbol: &str, bar: &str, from: i64, to_s: i64| {
        format!(
            "contract-kline: GET futures /api/v1/contract/kline/{symbol}?interval={bar}&start={}&end={to_s} w1",
            from / 1000
        )
    };
    let spot = |bar: &str, from: i64, end: i64, limit: i64| {
        format!(
            "spot-klines: GET spot /api/v3/klines?symbol=BTCUSDT&interval={bar}&startTime={from}&endTime={}&limit={limit} w1",
            end + 1
        )
    };
    let later = 1_760_000_000_000 / H * H + 42;
    let last = later / H * H;
    let chunked = || candles(Market::Perp, "BTC_USDT", Bar::Hour, last - 4500 * H, later);
    let (lo0, lo1) = (last - 1999 * H, last - 3999 * H);
    let forward = || candles(Market::Spot, "BTCUSDT", Bar::Hour, last - 2500 * H, later);
    let first = last - 2500 * H;
    let mut asks = vec![
        h().asks(rate("BTC_USDT", 1)),
        // Full pages, newest first, still newer than the start: the next number.
        h().after(full(), 1).asks(rate("BTC_USDT", 2)),
        h().after(full(), 2).asks(rate("BTC_USDT", 3)),
        h().after(span(end, 999, -H), 1).done(),
        h().after(vec![], 1).done(),
        h().after(span(start + 10 * H, 1000, -H), 1).done(),
        // A caller that does not count pages still moves on (page 2).
        h().after(full(), 0).asks(rate("BTC_USDT", 2)),
        history("X", 0, 1).asks(rate("X", 1)),
        // Seconds.
        days_back(Market::Perp, "BTC_USDT", Bar::Day, 45, now).asks(contract(
            "BTC_USDT",
            "Day1",
            day0 - 45 * DAY,
            now / 1000,
        )),
        days_back(Market::Perp, "1000PEPE_USDT", Bar::Hour, 7, now).asks(contract(
            "1000PEPE_USDT",
            "Min60",
            hour0 - 168 * H,
            now / 1000,
        )),
        // 60m, not 1h; endTime exclusive.
        days_back(Market::Spot, "BTCUSDT", Bar::Hour, 7, now).asks(spot(
            "60m",
            hour0 - 168 * H,
            now,
            169,
        )),
        days_back(Market::Spot, "BTCUSDT", Bar::Day, 45, now).asks(spot(
            "1d",
            day0 - 45 * DAY,
            now,
            46,
        )),
        // Contract chunks of 2000 bars, newest first, each ending before the next one's first.
        chunked().asks(contract("BTC_USDT", "Min60", lo0, later / 1000)),
        chunked().after(span(lo0, 2000, H), 1).asks(contract(
            "BTC_USDT",
            "Min60",
            lo1,
            lo0 / 1000 - 1,
        )),
        chunked().after(vec![lo1], 2).asks(contract(
            "BTC_USDT",
            "Min60",
            last - 4500 * H,
            lo1 / 1000 - 1,
        )),
        chunked().after(vec![last - 4500 * H], 3).done(),
        chunked().after(vec![lo0 + H], 1).done(),
        // Spot pages forward, 1000 bars, until short or the end.
        forward().asks(spot("60m", first, later, 1000)),
        forward()
            .after(span(first, 1000, H), 1)
            .asks(spot("60m", first + 1000 * H, later, 1000)),
        forward()
            .after(span(first + 1000 * H, 1000, H), 2)
            .asks(spot("60m", first + 2000 * H, later, 501)),
        forward().after(span(first, 999, H), 1).done(),
        forward().after(span(last, 1000, -H), 1).done(),
    ];
    for market in [Market::Perp, Market::Spot] {
        asks.push(candles(market, "BTCUSDT", Bar::Day, day0 + DAY, now).done());
        asks.push(candles(market, "BTCUSDT", Bar::Hour, now, now - 3 * H).done());
    }
    asks
}

static DERIBIT: Row = Row {
    hosts: &["main BASIS_DERIBIT_URL https://www.deribit.com 10000/1s at 50%"],
    facts: "ban 600s, longest 259200s, history all, Retry-After in s",
    reference: &[
        "get_instruments-future: GET main /api/v2/public/get_instruments?currency=USDC&kind=future&expired=false w500",
        "get_instruments-spot: GET main /api/v2/public/get_instruments?currency=any&kind=spot&expired=false w500",
    ],
    scan: &[
        "get_book_summary_by_currency-future: GET main /api/v2/public/get_book_summary_by_currency?currency=USDC&kind=future w500",
        "get_book_summary_by_currency-spot: GET main /api/v2/public/get_book_summary_by_currency?currency=any&kind=spot w500",
    ],
    poll: &[],
    asks: deribit,
};

fn deribit() -> Vec<Ask> {
    let symbol = "BTC_USDC-PERPETUAL";
    let (start, end) = (1_700_000_000_000, 1_700_000_000_000 + 90 * DAY + 1234);
    let rate = |from: i64| {
        format!(
            "get_funding_rate_history: GET main /api/v2/public/get_funding_rate_history?instrument_name={symbol}&start_timestamp={from}&end_timestamp={end} w500"
        )
    };
    let h = || history(symbol, start, end);
    let oldest = end / H * H - 743 * H;
    let now = 1_760_000_000_000;
    let chart = |inst: &str, from: i64, to: i64, resolution: &str| {
        format!(
            "get_tradingview_chart_data: GET main /api/v2/public/get_tradingview_chart_data?instrument_name={inst}&start_timestamp={from}&end_timestamp={to}&resolution={resolution} w500"
        )
    };
    let daily_start = now / DAY * DAY - 45 * DAY;
    let week = now / H * H - 168 * H;
    let long = || {
        candles(
            Market::Spot,
            "BTC_USDC",
            Bar::Hour,
            now / H * H - 7000 * H,
            now,
        )
    };
    let long_start = now / H * H - 7000 * H;
    let from = now / H * H - 4999 * H;
    vec![
        // The 744 hours up to the end: exactly 744 hourly stamps fit [from, to].
        h().asks(rate(end - 744 * H + 1)),
        h().after(span(oldest, 744, H), 1).asks(format!(
            "get_funding_rate_history: GET main /api/v2/public/get_funding_rate_history?instrument_name={symbol}&start_timestamp={}&end_timestamp={} w500",
            oldest - 744 * H,
            oldest - 1
        )),
        // A short window asks from its start.
        h().from(end - 30 * DAY).asks(rate(end - 30 * DAY)),
        h().after(span(oldest, 743, H), 1).done(),
        h().after(vec![], 1).done(),
        h().after(span(start, 744, H), 1).done(),
        candles(Market::Perp, symbol, Bar::Day, daily_start, now)
            .asks(chart(symbol, daily_start, now, "1D")),
        candles(Market::Perp, symbol, Bar::Day, daily_start, now)
            .after(span(daily_start, 46, DAY), 1)
            .done(),
        candles(Market::Spot, "BTC_USDC", Bar::Hour, week, now)
            .asks(chart("BTC_USDC", week, now, "60")),
        // A window longer than a page: the 5000 bars opening up to the end, then further back.
        long().asks(chart("BTC_USDC", from, now, "60")),
        long()
            .after(span(from, 5000, H), 1)
            .asks(chart("BTC_USDC", long_start, from - 1, "60")),
        long().after(span(long_start, 5000, H), 2).done(),
        long().after(vec![], 2).done(),
        long().from(now + H).done(),
    ]
}

static DYDX: Row = Row {
    hosts: &["main BASIS_DYDX_URL https://indexer.dydx.trade 100/10s at 50%"],
    facts: "ban 600s, longest 259200s, history all, Retry-After in ms",
    reference: &["perpetualMarkets: GET main /v4/perpetualMarkets w1"],
    scan: &["perpetualMarkets: GET main /v4/perpetualMarkets w1"],
    poll: &[],
    asks: dydx,
};

fn dydx() -> Vec<Ask> {
    /// 2025-07-25T11:20:00.000Z.
    const T: i64 = 1_753_442_400_000;
    let at = |ms: i64| iso(ms).unwrap_or_default();
    let rate = |before: &str| {
        format!(
            "historicalFunding: GET main /v4/historicalFunding/BTC-USD?effectiveBeforeOrAt={before}&limit=1000 w1"
        )
    };
    let h = || history("BTC-USD", T - 90 * DAY, T);
    let oldest = T / H * H - 999 * H;
    let bars = |resolution: &str, from: &str, to: &str| {
        format!(
            "candles: GET main /v4/candles/perpetualMarkets/ETH-USD?resolution={resolution}&fromISO={from}&toISO={to}&limit=1000 w1"
        )
    };
    let daily = || days_back(Market::Perp, "ETH-USD", Bar::Day, 45, T);
    let hourly = || days_back(Market::Perp, "ETH-USD", Bar::Hour, 7, T);
    let long_start = T / H * H - 2000 * H;
    let long = || hourly().from(long_start);
    vec![
        h().asks(rate("2025-07-25T11:20:00.000Z")),
        // A full page: the next one ends 1 ms before its oldest hour.
        h().after(span(oldest, 1000, H), 1)
            .asks(rate(&at(oldest - 1))),
        h().after(span(oldest, 999, H), 1).done(),
        h().after(vec![], 1).done(),
        h().after(span(T - 90 * DAY, 1000, H), 1).done(),
        daily().asks(bars(
            "1DAY",
            "2025-06-10T00:00:00.000Z",
            "2025-07-25T11:20:00.001Z",
        )),
        hourly().asks(bars(
            "1HOUR",
            "2025-07-18T11:00:00.000Z",
            "2025-07-25T11:20:00.001Z",
        )),
        // 169 bars: a short page.
        hourly().after(span(T / H * H - 168 * H, 169, H), 1).done(),
        // A full page: toISO = its oldest open − 1 ms.
        long().after(span(oldest, 1000, H), 1).asks(bars(
            "1HOUR",
            &at(long_start),
            &at(oldest - 1),
        )),
        long().after(span(long_start, 1000, H), 1).done(),
        // No spot on dYdX; an inverted window asks nothing.
        days_back(Market::Spot, "ETH-USD", Bar::Day, 45, T).done(),
        daily().from(T + DAY).done(),
    ]
}

static KRAKEN: Row = Row {
    hosts: &["main BASIS_KRAKEN_URL https://futures.kraken.com 500/10s at 50%"],
    facts: "ban 600s, longest 259200s, history all, Retry-After in s",
    reference: &["instruments: GET main /derivatives/api/v3/instruments w1"],
    scan: &["tickers: GET main /derivatives/api/v3/tickers w1"],
    poll: &[],
    asks: kraken,
};

fn kraken() -> Vec<Ask> {
    const NOW: i64 = 1_763_340_877_524;
    let h = || history("PF_XBTUSD", NOW - 30 * DAY, NOW);
    let chart = |bar: &str, from: i64| {
        format!(
            "candles: GET main /api/charts/v1/trade/PF_XBTUSD/{bar}?from={from}&to=1763340877 w1"
        )
    };
    let daily_start = NOW / DAY * DAY - 45 * DAY;
    let hourly = || days_back(Market::Perp, "PF_XBTUSD", Bar::Hour, 7, NOW);
    let long_start = NOW / H * H - 3000 * H;
    let long = || hourly().from(long_start);
    vec![
        h().asks(
            "historicalfundingrates: GET main /derivatives/api/v4/historicalfundingrates?symbol=PF_XBTUSD w1",
        ),
        // One answer holds everything.
        h().after(vec![NOW / H * H], 1).done(),
        h().after(vec![], 1).done(),
        history("PF_XBTUSD", NOW, NOW - 1).done(),
        candles(Market::Perp, "PF_XBTUSD", Bar::Day, daily_start, NOW)
            .asks(chart("1d", daily_start / 1000)),
        hourly().asks(chart("1h", (NOW / H * H - 168 * H) / 1000)),
        // 169 bars: short page, done.
        hourly().after(span(NOW / H * H - 168 * H, 169, H), 1).done(),
        // A full page of 2000: the next starts one second after its newest bar.
        long()
            .after(span(long_start, 2000, H), 1)
            .asks(chart("1h", (long_start + 1999 * H) / 1000 + 1)),
        // A full page ending with the bar that contains the window's end: done.
        long().after(span(NOW / H * H, 2000, -H), 1).done(),
        // No spot on Kraken Futures; an inverted window asks nothing.
        candles(Market::Spot, "PF_XBTUSD", Bar::Day, daily_start, NOW).done(),
        candles(Market::Perp, "PF_XBTUSD", Bar::Day, NOW + DAY, NOW).done(),
    ]
}

static WEEX: Row = Row {
    hosts: &[
        "spot BASIS_WEEX_SPOT_URL https://api-spot.weex.com 500/10s at 50%",
        "contract BASIS_WEEX_CONTRACT_URL https://api-contract.weex.com 500/10s at 50%",
    ],
    facts: "ban 600s, longest 259200s, history all, Retry-After in s",
    reference: &[
        "contracts: GET contract /capi/v2/market/contracts w10",
        "exchangeInfo: GET spot /api/v2/public/exchangeInfo w10",
    ],
    scan: &[
        "tickers: GET contract /capi/v2/market/tickers w10",
        "currentFundRate: GET contract /capi/v2/market/currentFundRate w1",
        "ticker-24hr: GET spot /api/v3/market/ticker/24hr w2",
    ],
    poll: &[],
    asks: weex,
};

fn weex() -> Vec<Ask> {
    const NOW: i64 = 1_760_000_000_000;
    let h = || history("cmt_btcusdt", NOW - 30 * DAY, NOW);
    let candle = |market: Market, symbol: &str, bar: &str, from: i64, to: i64, limit: i64| {
        let (endpoint, host, path, key) = match market {
            Market::Perp => (
                "candles",
                "contract",
                "/capi/v2/market/candles",
                "granularity",
            ),
            Market::Spot => ("spot-candles", "spot", "/api/v2/market/candles", "period"),
        };
        format!(
            "{endpoint}: GET {host} {path}?symbol={symbol}&{key}={bar}&startTime={from}&endTime={to}&limit={limit} w1"
        )
    };
    let (today, last) = (NOW / DAY * DAY, NOW / H * H);
    let long = || days_back(Market::Perp, "cmt_btcusdt", Bar::Hour, 60, NOW);
    let (oldest, long_start) = (last - 999 * H, (NOW - 60 * DAY) / H * H);
    let mut asks = vec![
        // The newest 100 settlements in one request, none after it.
        h().asks(
            "getHistoryFundRate: GET contract /capi/v2/market/getHistoryFundRate?symbol=cmt_btcusdt&limit=100 w5",
        ),
        h().after(span(NOW, 100, -8 * H), 1).done(),
        history("cmt_btcusdt", NOW, NOW - 1).done(),
        // Newest first, each chunk asking exactly its bars: contract 1000, spot 500 a chunk.
        long().asks(candle(Market::Perp, "cmt_btcusdt", "1h", oldest, NOW, 1000)),
        days_back(Market::Spot, "BTCUSDT_SPBL", Bar::Hour, 60, NOW).asks(candle(
            Market::Spot,
            "BTCUSDT_SPBL",
            "1h",
            last - 499 * H,
            NOW,
            500,
        )),
        // The next chunk ends just before the oldest bar of the one before, from the window's
        // start (441 bars); a short chunk ends it.
        long().after(span(oldest, 1000, H), 1).asks(candle(
            Market::Perp,
            "cmt_btcusdt",
            "1h",
            long_start,
            oldest - 1,
            (oldest - long_start) / H,
        )),
        long().after(span(oldest + H, 999, H), 1).done(),
    ];
    for (market, symbol) in [
        (Market::Perp, "cmt_btcusdt"),
        (Market::Spot, "BTCUSDT_SPBL"),
    ] {
        asks.push(days_back(market, symbol, Bar::Day, 45, NOW).asks(candle(
            market,
            symbol,
            "1d",
            today - 45 * DAY,
            NOW,
            46,
        )));
    }
    asks
}
