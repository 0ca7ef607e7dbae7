//! The conformance table: each venue's fixtures and the values they must give (tests).

use super::{Case, Lists, Quotes, Setup, Signal};
use crate::model::{Market, Venue};
use crate::venue::Bar;

/// A fixture's text, by its path under `fixtures/`.
macro_rules! fx {
    ($p:literal) => {
        include_str!(concat!("../../../fixtures/", $p))
    };
}

/// The row of `venue`.
pub(crate) fn case(venue: Venue) -> &'static Case {
    by_venue!(venue)
}

const BINANCE_LISTS: &[Lists] = &[
    Lists {
        parts: &[
            (
                "fapi/v1/exchangeInfo",
                fx!("binance/fapi-v1-exchangeInfo.json"),
            ),
            (
                "fapi/v1/fundingInfo",
                fx!("binance/fapi-v1-fundingInfo.json"),
            ),
            (
                "api/v3/exchangeInfo",
                fx!("binance/api-v3-exchangeInfo.json"),
            ),
            ("fapi/v1/assetIndex", fx!("binance/fapi-v1-assetIndex.json")),
        ],
        lines: &[
            "perp BLZUSDT BLZ/USDT x1 cs1 4h",
            "spot ETHBTC ETH/BTC x1 cs1 -h",
            "haircut ADA 0.9",
        ],
    },
    Lists {
        parts: &[
            (
                "fapi/v1/exchangeInfo",
                fx!("binance/fapi-v1-exchangeInfo.quirks.json"),
            ),
            (
                "fapi/v1/fundingInfo",
                fx!("binance/fapi-v1-fundingInfo.quirks.json"),
            ),
            (
                "api/v3/exchangeInfo",
                fx!("binance/api-v3-exchangeInfo.quirks.json"),
            ),
            (
                "fapi/v1/assetIndex",
                fx!("binance/fapi-v1-assetIndex.quirks.json"),
            ),
        ],
        lines: &[
            "perp BTCUSDT BTC/USDT x1 cs1 8h",
            "perp BTCUSDC BTC/USDC x1 cs1 8h",
            "perp 1000PEPEUSDT PEPE/USDT x1000 cs1 4h",
            "perp 1000000MOGUSDT MOG/USDT x1000000 cs1 1h",
            "perp 1INCHUSDT 1INCH/USDT x1 cs1 8h",
            "perp AXSUSDT AXS/USDT x1 cs1 8h",
            "spot BTCUSDT BTC/USDT x1 cs1 -h",
            "spot BTCUSDC BTC/USDC x1 cs1 -h",
            "spot PEPEUSDT PEPE/USDT x1 cs1 -h",
            "spot 1000SATSUSDT 1000SATS/USDT x1 cs1 -h",
            "spot ETHBTC ETH/BTC x1 cs1 -h",
            "haircut BNB 0.9",
            "haircut BTC 0.95",
            "haircut ETH 0.95",
            "haircut LINK 0.85",
            "haircut USDC 1",
        ],
    },
];

const BINANCE: Case = Case {
    lists: BINANCE_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Lines(&[
                "perp BTCUSDT BTC/USDT x1 cs1 8h",
                "spot BNBBTC BNB/BTC x1 cs1 -h",
            ]),
            parts: &[
                (
                    "fapi/v1/premiumIndex",
                    fx!("binance/fapi-v1-premiumIndex.json"),
                ),
                (
                    "fapi/v1/ticker/24hr",
                    fx!("binance/fapi-v1-ticker-24hr.json"),
                ),
                (
                    "fapi/v1/ticker/bookTicker",
                    fx!("binance/fapi-v1-ticker-bookTicker.json"),
                ),
                ("api/v3/ticker/24hr", fx!("binance/api-v3-ticker-24hr.json")),
            ],
            received_ms: 1_760_000_001_000,
            lines: &[
                "BTCUSDT BTC/USDT x1 0.00038246/8h next 1597392000000 mark 11793.63104562 index 11781.8049597 book 4/4.000002 range 100/0.1 vol 15.3 oi - at 1597370495002",
                "spot BNBBTC BNB/BTC book 4/4.000002 range 100/0.1 vol 15.3 at 1499869899040",
            ],
        },
        Quotes {
            reference: Setup::Parts(BINANCE_LISTS[1].parts),
            parts: &[
                (
                    "fapi/v1/premiumIndex",
                    fx!("binance/fapi-v1-premiumIndex.quirks.json"),
                ),
                (
                    "fapi/v1/ticker/24hr",
                    fx!("binance/fapi-v1-ticker-24hr.quirks.json"),
                ),
                (
                    "fapi/v1/ticker/bookTicker",
                    fx!("binance/fapi-v1-ticker-bookTicker.quirks.json"),
                ),
                (
                    "api/v3/ticker/24hr",
                    fx!("binance/api-v3-ticker-24hr.quirks.json"),
                ),
            ],
            received_ms: 1_760_000_001_000,
            lines: &[
                "BTCUSDT BTC/USDT x1 0.0001/8h next 1760025600000 mark 97012.34 index 97050.12345652 book 97012.3/97012.4 range 97500/95100.1 vol 14551234567.89 oi - at 1760000000123",
                "BTCUSDC BTC/USDC x1 -0.0000231/8h next 1760025600000 mark 97001.5 index 97049.91234 book -/97010 range 97490/95095 vol - oi - at 1760000000124",
                "1000PEPEUSDT PEPE/USDT x1000 0.0005/4h next 1760011200000 mark 0.019011 index 0.01900012 book 0.019009/0.01901 range 0.0193/0.01845 vol 981234567.1234 oi - at 1760000000125",
                "1000000MOGUSDT MOG/USDT x1000000 -0.000052/1h next 1760000400000 mark 1.2345 index 1.234 book 1.2344/1.2346 range 1.26/1.2 vol 4920000 oi - at 1760000000126",
                "AXSUSDT AXS/USDT x1 0.00005/8h next - mark - index - book -/- range -/5.1 vol 5200000 oi - at 1760000040127",
                "spot BTCUSDT BTC/USDT book 97029.99/97030 range 97520/95120 vol 1942345678.12345678 at 1760000040300",
                "spot BTCUSDC BTC/USDC book 0/0 range 97510/95110 vol 289530000 at 1760000040301",
                "spot PEPEUSDT PEPE/USDT book 0.00001899/0.000019 range 0.0000193/0.00001845 vol 750000000.12 at 1760000040302",
                "spot 1000SATSUSDT 1000SATS/USDT book 0.0004/0.000401 range 0.00041/0.00039 vol 400000 at 1760000040303",
                "spot ETHBTC ETH/BTC book 0.03499/0.035 range -/- vol - at 1760000040304",
            ],
        },
    ],
    error: fx!("binance/error.json"),
    signals: &[
        (
            400,
            fx!("binance/error.json"),
            Signal::Api("-1121", "Invalid symbol."),
        ),
        (429, fx!("binance/error-rate-limit.json"), Signal::Limited),
        (200, fx!("binance/error-rate-limit.json"), Signal::Limited),
        (418, fx!("binance/error-ip-banned.json"), Signal::Limited),
        (
            200,
            r#"{"code":-1015,"msg":"Too many new orders."}"#,
            Signal::Limited,
        ),
        (200, fx!("binance/fapi-v1-premiumIndex.json"), Signal::Ok),
        (200, fx!("binance/fapi-v1-exchangeInfo.json"), Signal::Ok),
        (200, r#"{"code":200,"msg":"success"}"#, Signal::Ok),
        (200, "<html><body>403 Forbidden</body></html>", Signal::Ok),
        (200, "", Signal::Ok),
        (200, "{\"code\":-11", Signal::Ok),
    ],
    broken: &[
        (
            "fapi/v1/premiumIndex",
            fx!("binance/error.json"),
            "API error -1121: Invalid symbol.",
        ),
        (
            "fapi/v1/premiumIndex",
            "[{\"symbol\":\"BTC",
            "malformed JSON",
        ),
        ("fapi/v1/exchangeInfo", "{\"timezone\":\"UTC\"}", ""),
        ("fapi/v1/fundingInfo", "{}", ""),
        (
            "api/v3/exchangeInfo",
            fx!("binance/error-rate-limit.json"),
            "-1003",
        ),
        ("fapi/v1/fundingRate", fx!("binance/error.json"), "-1121"),
        ("fapi/v1/fundingRate", "[{", "malformed JSON"),
        (
            "api/v3/klines",
            fx!("binance/error.json"),
            "API error -1121: Invalid symbol.",
        ),
        ("api/v3/klines", "[{\"t\":1}]", "malformed JSON"),
        ("fapi/v1/klines", "[[1499040000000,\"1\"", "malformed JSON"),
        ("fapi/v1/klines", "{}", "malformed JSON"),
        ("fapi/v1/klines", "[[[1]]]", "malformed JSON"),
    ],
    history: &[
        (
            r#"[
        {"symbol":"X","fundingRate":1e-4,"fundingTime":"1700000000000"},
        {"symbol":"X","fundingRate":"","fundingTime":1699971200000},
        {"symbol":"X","fundingRate":"-0.0002","fundingTime":1699942400000,"markPrice":"1"},
        {"symbol":"X","fundingRate":"0.0003"}
    ]"#,
            &["1700000000000 0.0001", "1699942400000 -0.0002"],
        ),
        ("[]", &[]),
        (
            fx!("binance/fapi-v1-fundingRate.json"),
            &["1570608000000 -0.0375", "1570636800000 0.0001"],
        ),
    ],
    candles: &[
        (
            Market::Spot,
            Bar::Day,
            fx!("binance/api-v3-klines.json"),
            &["1499040000000 0.8 0.015758 0.015771"],
        ),
        (
            Market::Perp,
            Bar::Day,
            fx!("binance/fapi-v1-klines.json"),
            &["1499040000000 0.8 0.015758 0.015771"],
        ),
        (
            Market::Perp,
            Bar::Hour,
            fx!("binance/fapi-v1-klines.quirks.json"),
            &[
                "1759993200000 0.01901 0.0189 0.019",
                "1759996800000 0.019123 0.01891 0.019087",
                "1759986000000 0.01888 0.01872 0.01881",
                "1759989600000 0.019 0.0188 0.01895",
            ],
        ),
    ],
    tolerant: &["fapi/v1/assetIndex"],
    sane_books: false,
};

const BYBIT_LISTS: &[Lists] = &[
    Lists {
        parts: &[
            (
                "instruments-info-linear",
                fx!("bybit/instruments-info-linear.json"),
            ),
            (
                "instruments-info-spot",
                fx!("bybit/instruments-info-spot.json"),
            ),
            ("collateral", fx!("bybit/collateral.json")),
        ],
        lines: &[
            "perp BTCUSDT BTC/USDT x1 cs1 8h",
            "spot BTCUSDT BTC/USDT x1 cs1 -h",
            "haircut BTC 0.85",
        ],
    },
    Lists {
        parts: &[
            (
                "instruments-info-linear",
                fx!("bybit/instruments-info-linear-page1.json"),
            ),
            (
                "instruments-info-linear",
                fx!("bybit/instruments-info-linear-page2.json"),
            ),
            (
                "instruments-info-spot",
                fx!("bybit/instruments-info-spot-mixed.json"),
            ),
            ("collateral", fx!("bybit/collateral-quirks.json")),
        ],
        lines: &[
            "perp BTCUSDT BTC/USDT x1 cs1 8h",
            "perp 1000PEPEUSDT PEPE/USDT x1000 cs1 4h",
            "perp BTCPERP BTC/USDC x1 cs1 8h",
            "perp ETHUSDT ETH/USDT x1 cs1 1h",
            "perp SHIB1000USDT SHIB/USDT x1000 cs1 8h",
            "perp SOLUSDT SOL/USDT x1 cs1 -h",
            "perp ARBUSDT ARB/USDT x1 cs1 -h",
            "perp 10000000AIDOGEUSDT AIDOGE/USDT x10000000 cs1 4h",
            "spot BTCUSDT BTC/USDT x1 cs1 -h",
            "spot ETHUSDC ETH/USDC x1 cs1 -h",
            "spot PEPEUSDT PEPE/USDT x1 cs1 -h",
            "haircut AVAX 0.7",
            "haircut BTC 0.95",
            "haircut ETH 0.95",
            "haircut SOL 0.8",
            "haircut USDT 1",
        ],
    },
];

const BYBIT: Case = Case {
    lists: BYBIT_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Parts(BYBIT_LISTS[0].parts),
            parts: &[
                ("tickers-linear", fx!("bybit/tickers-linear.json")),
                ("tickers-spot", fx!("bybit/tickers-spot.json")),
            ],
            received_ms: 1_760_352_370_000,
            lines: &[
                "BTCUSDT BTC/USDT x1 0.0001/8h next 1760371200000 mark 114898.43 index 114890.92 book 103401/109152.8 range 131309.3/102007.6 vol 1585012458.273 oi 52871.904 at 1760352369814",
                "spot BTCUSDT BTC/USDT book 20517.96/20527.77 range 21128.12/20318.89 vol 243765620.65899866 at 1673859087947",
            ],
        },
        Quotes {
            reference: Setup::Parts(BYBIT_LISTS[1].parts),
            parts: &[
                ("tickers-linear", fx!("bybit/tickers-linear-mixed.json")),
                ("tickers-spot", fx!("bybit/tickers-spot-mixed.json")),
            ],
            received_ms: 1_760_352_370_000,
            lines: &[
                "BTCUSDT BTC/USDT x1 0.0001/8h next 1760371200000 mark 114898.43 index 114890.92 book 103401/109152.8 range 131309.3/102007.6 vol 1585012458.273 oi 52871.904 at 1760352369814",
                "1000PEPEUSDT PEPE/USDT x1000 -0.00012345/4h next 1760356800000 mark 0.0105012 index 0.0104991 book 0.0104998/0.0105031 range 0.010775/0.009987 vol 98765432.1234 oi 8123456789000 at 1760352369814",
                "BTCPERP BTC/USDC x1 0.00005/8h next 1760371200000 mark 114901.1 index 114890.92 book 114900.5/114901 range 131309.3/102007.6 vol 252012345.5 oi 1234.567 at 1760352369814",
                "ETHUSDT ETH/USDT x1 0.000125/1h next 1760356800000 mark 4125.12 index 4124.91 book 4125.37/4125.38 range 4290/3988.1 vol 3123456789.01 oi 612345.78 at 1760352369814",
                "SOLUSDT SOL/USDT x1 0.0002/2h next 1760356800000 mark 201.51 index 201.48 book 201.52/201.53 range 210.99/190.12 vol 912345678.9 oi 4012345.7 at 1760352369814",
                "SHIB1000USDT SHIB/USDT x1000 0.0001/8h next 1760371200000 mark 0.011518 index 0.011515 book -/- range 0.01199/0.01102 vol 12345678.9 oi 2500000000000 at 1760352369814",
                "10000000AIDOGEUSDT AIDOGE/USDT x10000000 0.0005/4h next 1760371200000 mark 0.0006785 index 0.0006781 book 0.0006784/0.0006791 range 0.000712/0.00065 vol 2345678.12 oi 15000000000000000 at 1760352369814",
                "spot BTCUSDT BTC/USDT book 20517.96/20527.77 range 21128.12/20318.89 vol 243765620.65899866 at 1673859087947",
                "spot ETHUSDC ETH/USDC book -/1540.12 range 1561/1520.55 vol 12345678.90123 at 1673859087947",
                "spot PEPEUSDT PEPE/USDT book 0.00001049/0.00001051 range 0.00001078/0.00000998 vol 4567890.1234 at 1673859087947",
            ],
        },
    ],
    error: fx!("bybit/error-params.json"),
    signals: &[
        (200, fx!("bybit/error-rate-limit.json"), Signal::Limited),
        (
            200,
            fx!("bybit/error-params.json"),
            Signal::Api("10001", "params error: Illegal category"),
        ),
        (
            200,
            r#"{"retCode":10018,"retMsg":"Exceeded the IP Rate Limit","result":{},"time":1}"#,
            Signal::Limited,
        ),
        (200, fx!("bybit/tickers-linear.json"), Signal::Ok),
        (403, "403, access too frequent", Signal::Ok),
        (200, "", Signal::Ok),
    ],
    broken: &[
        (
            "tickers-linear",
            fx!("bybit/tickers-inverse.json"),
            "inverse",
        ),
        (
            "tickers-linear",
            fx!("bybit/error-params.json"),
            "API error 10001",
        ),
        (
            "tickers-spot",
            fx!("bybit/error-rate-limit.json"),
            "API error 10006",
        ),
        ("tickers-linear", r#"{"foo":1}"#, "no retCode"),
        (
            "tickers-linear",
            r#"{"retCode":0,"retMsg":"OK","time":1}"#,
            "no `result`",
        ),
        (
            "tickers-linear",
            r#"{"retCode":0,"result":{"category":"linear"}}"#,
            "list",
        ),
        (
            "tickers-spot",
            fx!("bybit/tickers-linear.json"),
            "expected category `spot`",
        ),
        (
            "tickers-linear",
            r#"{"retCode":10001,"retMsg":"bad","result":{"list":"x"}}"#,
            "API error 10001: bad",
        ),
        ("funding-history", fx!("bybit/error-params.json"), "10001"),
        ("funding-history", fx!("bybit/error-rate-limit.json"), ""),
        ("funding-history", "[]", ""),
        (
            "funding-history",
            r#"{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[]},"time":1}"#,
            "",
        ),
        (
            "kline-linear",
            fx!("bybit/kline-inverse.json"),
            "expected category `linear`, got `inverse`",
        ),
        ("kline-spot", fx!("bybit/kline-linear.json"), ""),
        (
            "kline-spot",
            fx!("bybit/error-rate-limit.json"),
            "API error 10006",
        ),
        (
            "kline-linear",
            r#"{"retCode":0,"retMsg":"OK","result":{"list":[{"t":1}]},"time":1}"#,
            "",
        ),
        (
            "kline-spot",
            r#"{"retCode":0,"retMsg":"OK","result":{},"time":1}"#,
            "",
        ),
        ("kline-linear", "[]", ""),
    ],
    history: &[
        (
            r#"{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[
        {"symbol":"BTCUSDT","fundingRate":"-0.00005","fundingRateTimestamp":"1700000000000"},
        {"symbol":"BTCUSDT","fundingRate":1.5e-4,"fundingRateTimestamp":1699971200000},
        {"symbol":"BTCUSDT","fundingRate":"","fundingRateTimestamp":"1699942400000"},
        {"symbol":"BTCUSDT","fundingRate":"0.0001","fundingRateTimestamp":""},
        {"symbol":"BTCUSDT","fundingRate":"0.0002","fundingRateTimestamp":"1699913600000"}
    ]},"retExtInfo":{},"time":1700000000001}"#,
            &[
                "1700000000000 -0.00005",
                "1699971200000 0.00015",
                "1699913600000 0.0002",
            ],
        ),
        (fx!("bybit/funding-history.json"), &["1672041600000 0.0001"]),
    ],
    candles: &[
        (
            Market::Perp,
            Bar::Day,
            fx!("bybit/kline-linear.json"),
            &[
                "1670608800000 17073 17027 17055.5",
                "1670605200000 17071.5 17061 17071",
                "1670601600000 17088 16978 17071.5",
            ],
        ),
        (
            Market::Spot,
            Bar::Day,
            fx!("bybit/kline-spot-quirks.json"),
            &[
                "1760054400000 0.00001921 0.0000189 0.00001911",
                "1759968000000 0.00001912 0.00001871 0.00001903",
                "1759881600000 0.000019 0.0000186 0.0000188",
            ],
        ),
    ],
    tolerant: &["collateral"],
    sane_books: false,
};

const OKX_LISTS: &[Lists] = &[
    Lists {
        parts: &[
            ("instruments-swap", fx!("okx/instruments-swap.json")),
            ("instruments-spot", fx!("okx/instruments-spot.json")),
            (
                "discount-rate",
                fx!("okx/discount-rate-interest-free-quota.json"),
            ),
        ],
        lines: &[
            "perp ETH-USDT-SWAP ETH/USDT x1 cs0.1 -h",
            "perp BTC-USDT-SWAP BTC/USDT x1 cs0.01 -h",
            "spot BTC-USDT BTC/USDT x1 cs1 -h",
            "haircut BTC 0.98",
        ],
    },
    Lists {
        parts: &[
            ("instruments-swap", fx!("okx/instruments-swap-quirks.json")),
            ("instruments-spot", fx!("okx/instruments-spot-quirks.json")),
            ("discount-rate", fx!("okx/discount-rate-quirks.json")),
        ],
        lines: &[
            "perp PEPE-USDT-SWAP PEPE/USDT x1 cs10000000 -h",
            "perp BTC-USDC-SWAP BTC/USDC x1 cs0.0001 -h",
            "perp SOL-USDT-SWAP SOL/USDT x1 cs1 -h",
            "perp DOGE-USDT-SWAP DOGE/USDT x1 cs1000 -h",
            "perp XRP-USDT-SWAP XRP/USDT x1 cs1 -h",
            "spot BTC-USDC BTC/USDC x1 cs1 -h",
            "spot PEPE-USDT PEPE/USDT x1 cs1 -h",
            "spot ETH-BTC ETH/BTC x1 cs1 -h",
            "spot XYZ-USDT XYZ/USDT x1 cs1 -h",
            "haircut AVAX 0.7",
            "haircut BTC 0.98",
            "haircut ETH 0.95",
            "haircut SOL 0.9",
            "haircut USDT 1",
        ],
    },
    Lists {
        parts: &[
            ("instruments-swap", fx!("okx/instruments-swap.json")),
            ("instruments-swap", fx!("okx/instruments-swap-quirks.json")),
            ("instruments-spot", fx!("okx/instruments-spot.json")),
            ("instruments-spot", fx!("okx/instruments-spot-quirks.json")),
        ],
        lines: &[
            "perp ETH-USDT-SWAP ETH/USDT x1 cs0.1 -h",
            "perp BTC-USDT-SWAP BTC/USDT x1 cs0.01 -h",
            "perp PEPE-USDT-SWAP PEPE/USDT x1 cs10000000 -h",
            "perp BTC-USDC-SWAP BTC/USDC x1 cs0.0001 -h",
            "perp SOL-USDT-SWAP SOL/USDT x1 cs1 -h",
            "perp DOGE-USDT-SWAP DOGE/USDT x1 cs1000 -h",
            "perp XRP-USDT-SWAP XRP/USDT x1 cs1 -h",
            "spot BTC-USDT BTC/USDT x1 cs1 -h",
            "spot BTC-USDC BTC/USDC x1 cs1 -h",
            "spot PEPE-USDT PEPE/USDT x1 cs1 -h",
            "spot ETH-BTC ETH/BTC x1 cs1 -h",
            "spot XYZ-USDT XYZ/USDT x1 cs1 -h",
        ],
    },
];

const OKX: Case = Case {
    lists: OKX_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Parts(OKX_LISTS[2].parts),
            parts: &[
                ("funding-rate", fx!("okx/funding-rate.json")),
                ("tickers-swap", fx!("okx/tickers-swap.json")),
                ("tickers-spot", fx!("okx/tickers-spot.json")),
                ("open-interest", fx!("okx/open-interest.json")),
                ("mark-price", fx!("okx/mark-price.json")),
                ("index-tickers", fx!("okx/index-tickers.json")),
            ],
            received_ms: 1_743_588_687_000,
            lines: &[
                "BTC-USDT-SWAP BTC/USDT x1 0.0000182221218054/8h next 1743609600000 mark 200 index 43350 book -/- range -/- vol - oi 555.55 at 1743588686291",
                "spot BTC-USDT BTC/USDT book 115450/115450.1 range 116400/112900 vol 887468830.390342 at 1743588686100",
                "spot BTC-USDC BTC/USDC book 115439.9/115441 range 116390/112910 vol 23094400.04 at 1743588686101",
                "spot PEPE-USDT PEPE/USDT book 0.00000709/0.0000071 range 0.0000075/0.0000068 vol 35450000 at 1743588686102",
                "spot XYZ-USDT XYZ/USDT book 1.233/1.235 range -/- vol - at 1743588686103",
            ],
        },
        Quotes {
            reference: Setup::Parts(OKX_LISTS[2].parts),
            parts: &[
                ("funding-rate", fx!("okx/funding-rate-quirks.json")),
                ("tickers-swap", fx!("okx/tickers-swap-quirks.json")),
                ("tickers-spot", fx!("okx/tickers-spot.json")),
                ("open-interest", fx!("okx/open-interest-quirks.json")),
                ("index-tickers", fx!("okx/index-tickers.json")),
                ("index-tickers", fx!("okx/index-tickers-usdc.json")),
            ],
            received_ms: 1_743_588_687_000,
            lines: &[
                "PEPE-USDT-SWAP PEPE/USDT x1 -0.000125/4h next 1743609600000 mark - index - book 0.000007099/0.0000071 range 0.0000075/0.0000068 vol 35500000 oi 3000000000000 at 1743588686000",
                "BTC-USDC-SWAP BTC/USDC x1 0.0000125/1h next 1743591600000 mark - index 84005.2 book -/84010.1 range 85000/- vol - oi - at 1743588686001",
                "DOGE-USDT-SWAP DOGE/USDT x1 0.0003/2h next 1743602400000 mark - index - book 0.16999/0.17001 range 0.18/0.16 vol 20987654.215 oi 5000000 at 1743588686002",
                "XRP-USDT-SWAP XRP/USDT x1 0.000015/6h next 1743609600000 mark - index - book -/- range -/- vol - oi - at 1743588686291",
                "spot BTC-USDT BTC/USDT book 115450/115450.1 range 116400/112900 vol 887468830.390342 at 1743588686100",
                "spot BTC-USDC BTC/USDC book 115439.9/115441 range 116390/112910 vol 23094400.04 at 1743588686101",
                "spot PEPE-USDT PEPE/USDT book 0.00000709/0.0000071 range 0.0000075/0.0000068 vol 35450000 at 1743588686102",
                "spot XYZ-USDT XYZ/USDT book 1.233/1.235 range -/- vol - at 1743588686103",
            ],
        },
    ],
    error: fx!("okx/error-instrument-not-found.json"),
    signals: &[
        (429, fx!("okx/error-rate-limit.json"), Signal::Limited),
        (200, fx!("okx/error-rate-limit.json"), Signal::Limited),
        (429, "<html>busy</html>", Signal::Limited),
        (
            200,
            r#"{"code":50011,"msg":"Too Many Requests"}"#,
            Signal::Limited,
        ),
        (
            200,
            fx!("okx/error-instrument-not-found.json"),
            Signal::Api("51001", "Instrument ID does not exist"),
        ),
        (200, fx!("okx/funding-rate.json"), Signal::Ok),
        (502, "<html>bad gateway</html>", Signal::Ok),
        (200, "{}", Signal::Ok),
    ],
    broken: &[
        (
            "tickers-swap",
            r#"{"code":"0","msg":"","data":[{"instId":"#,
            "malformed JSON",
        ),
        (
            "funding-rate",
            fx!("okx/error-instrument-not-found.json"),
            "API error 51001: Instrument ID does not exist",
        ),
        ("open-interest", r#"{"msg":"","data":[]}"#, "no `code`"),
        (
            "tickers-spot",
            r#"{"code":"0","msg":""}"#,
            "without a `data` array",
        ),
        (
            "funding-rate",
            r#"[{"instId":"BTC-USDT-SWAP"}]"#,
            "malformed JSON",
        ),
        (
            "instruments-swap",
            fx!("okx/error-rate-limit.json"),
            "50011",
        ),
        ("funding-rate-history", fx!("okx/error-rate-limit.json"), ""),
        ("funding-rate-history", "{\"code\":\"0\",", ""),
        ("funding-rate-history", "[]", ""),
        ("funding-rate-history", "{}", ""),
        (
            "candles",
            fx!("okx/error-instrument-not-found.json"),
            "API error 51001",
        ),
        (
            "candles",
            fx!("okx/error-rate-limit.json"),
            "API error 50011",
        ),
        (
            "candles",
            r#"{"code":"0","msg":"","data":[{"ts":"1"}]}"#,
            "",
        ),
        ("candles", r#"{"code":"0","msg":""}"#, ""),
        ("candles", "[]", ""),
    ],
    history: &[
        (
            r#"{"code":"0","msg":"","data":[
        {"fundingRate":"0.0001","realizedRate":"","fundingTime":"1700000000000"},
        {"fundingRate":"0.0002","realizedRate":"0.00021","fundingTime":1699971200000},
        {"fundingRate":"","realizedRate":"","fundingTime":"1699942400000"},
        {"fundingRate":"0.0003","realizedRate":"0.0003","fundingTime":""},
        {"fundingRate":"1e-5","fundingTime":"1699913600000"}
    ]}"#,
            &[
                "1700000000000 0.0001",
                "1699971200000 0.00021",
                "1699913600000 0.00001",
            ],
        ),
        (r#"{"code":"0","msg":"","data":[]}"#, &[]),
        (
            fx!("okx/funding-rate-history.json"),
            &[
                "1703059200000 0.0000746572360545",
                "1703030400000 0.0002279755647389",
            ],
        ),
    ],
    candles: &[
        (
            Market::Perp,
            Bar::Hour,
            r#"{"code":"0","msg":"","data":[["1","2","3","1","2","0","0","0",0]]}"#,
            &[],
        ),
        (
            Market::Perp,
            Bar::Day,
            fx!("okx/candles.json"),
            &["1597026383085 3.799 3.494 3.72"],
        ),
        (
            Market::Perp,
            Bar::Hour,
            fx!("okx/candles-quirks.json"),
            &[
                "1759996800000 0.00001912 0.0000189 0.00001911",
                "1759993200000 0.00001908 0.00001871 0.00001903",
                "1759989600000 0.000019 0.0000186 0.0000188",
                "1759978800000 0.00001845 0.00001825 0.0000184",
            ],
        ),
        (
            Market::Spot,
            Bar::Day,
            fx!("okx/history-candles.json"),
            &[
                "1597026383085 3.743 3.677 3.708",
                "1597026383085 3.799 3.494 3.72",
            ],
        ),
    ],
    tolerant: &["discount-rate"],
    sane_books: false,
};

const BITGET_LISTS: &[Lists] = &[
    Lists {
        parts: &[
            ("contracts-usdt", fx!("bitget/mix-contracts.json")),
            ("contracts-usdc", fx!("bitget/mix-contracts-usdc.json")),
            ("spot-symbols", fx!("bitget/spot-symbols.json")),
            ("discount-rate", fx!("bitget/uta-discount-rate.json")),
        ],
        lines: &[
            "perp BTCUSDT BTC/USDT x1 cs1 8h",
            "perp BTCPERP BTC/USDC x1 cs1 8h",
            "spot BTCUSDT BTC/USDT x1 cs1 -h",
            "haircut ETH 0.99",
        ],
    },
    Lists {
        parts: &[
            ("contracts-usdt", fx!("bitget/mix-contracts-quirks.json")),
            ("contracts-usdc", fx!("bitget/mix-contracts-usdc.json")),
            ("spot-symbols", fx!("bitget/spot-symbols-quirks.json")),
            ("discount-rate", fx!("bitget/uta-discount-rate-quirks.json")),
        ],
        lines: &[
            "perp BTCUSDT BTC/USDT x1 cs1 8h",
            "perp 1000PEPEUSDT PEPE/USDT x1000 cs1 4h",
            "perp ETHUSDT ETH/USDT x1 cs1 -h",
            "perp XRPUSDT XRP/USDT x1 cs1 2h",
            "perp DOGEUSDT DOGE/USDT x1 cs1 8h",
            "perp BTCPERP BTC/USDC x1 cs1 8h",
            "spot BTCUSDT BTC/USDT x1 cs1 -h",
            "spot BTCUSDC BTC/USDC x1 cs1 -h",
            "spot PEPEUSDT PEPE/USDT x1 cs1 -h",
            "spot ETHBTC ETH/BTC x1 cs1 -h",
            "spot XYZUSDT XYZ/USDT x1 cs1 -h",
            "haircut ADA 0.6",
            "haircut BTC 0.95",
            "haircut ETH 0.99",
            "haircut PEPE 0.5",
            "haircut SOL 0.85",
            "haircut USDT 1",
        ],
    },
];

const BITGET: Case = Case {
    lists: BITGET_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Parts(BITGET_LISTS[0].parts),
            parts: &[
                ("tickers-usdt", fx!("bitget/mix-tickers.json")),
                ("tickers-usdc", fx!("bitget/mix-tickers-usdc.json")),
                (
                    "current-fund-rate-usdt",
                    fx!("bitget/mix-current-fund-rate.json"),
                ),
                ("spot-tickers", fx!("bitget/spot-tickers.json")),
            ],
            received_ms: 1_743_054_549_000,
            lines: &[
                "BTCUSDT BTC/USDT x1 0.000068/8h next 1743062400000 mark - index - book -/- range -/- vol - oi - at 1743054548546",
                "BTCPERP BTC/USDC x1 0.0000125/8h next - mark 84010 index 84005.2 book 84009.9/84010.1 range 85100/82100 vol 8443000 oi 250.25 at 1743054548200",
                "spot BTCUSDT BTC/USDT book 0/0 range 37775.65/34413.1 vol 0 at 1625125755277",
            ],
        },
        Quotes {
            reference: Setup::Parts(BITGET_LISTS[1].parts),
            parts: &[
                ("tickers-usdt", fx!("bitget/mix-tickers-quirks.json")),
                ("tickers-usdc", fx!("bitget/mix-tickers-usdc.json")),
                (
                    "current-fund-rate-usdt",
                    fx!("bitget/mix-current-fund-rate-quirks.json"),
                ),
                ("spot-tickers", fx!("bitget/spot-tickers-quirks.json")),
                (
                    "current-fund-rate-usdc",
                    fx!("bitget/mix-current-fund-rate-usdc.json"),
                ),
            ],
            received_ms: 1_743_054_549_000,
            lines: &[
                "BTCUSDT BTC/USDT x1 0.000068/8h next 1743062400000 mark 84005.1 index 84010.2 book 84000.5/84000.6 range 85000/82000 vol 1037000000.5 oi 45678.9 at 1743054548000",
                "1000PEPEUSDT PEPE/USDT x1000 -0.000125/1h next 1743058800000 mark 0.0071 index 0.0071 book 0.007099/0.0071 range 0.0075/0.0068 vol 35500000 oi 3000000000000 at 1743054548000",
                "ETHUSDT ETH/USDT x1 0.000015/2h next 1743062400000 mark 1900.2 index - book -/1900.1 range 1950/- vol 1900000 oi - at 1743054548000",
                "XRPUSDT XRP/USDT x1 0.0003/2h next 1743062400000 mark - index - book -/- range -/- vol - oi - at 1743054548546",
                "DOGEUSDT DOGE/USDT x1 0.0002/8h next 1743062400000 mark 0.2 index 0.2 book 0.2/0.20001 range 0.21/0.19 vol 20000000 oi 5000000 at 1743054548000",
                "BTCPERP BTC/USDC x1 0.0000125/8h next 1743062400000 mark 84010 index 84005.2 book 84009.9/84010.1 range 85100/82100 vol 8443000 oi 250.25 at 1743054548200",
                "spot BTCUSDT BTC/USDT book 83999.9/84000 range 85000/82000 vol 512345678.9 at 1743054548300",
                "spot BTCUSDC BTC/USDC book 84009/84011 range 85010/82010 vol 8401000 at 1743054548300",
                "spot PEPEUSDT PEPE/USDT book 0.00000709/0.0000071 range 0.0000075/0.0000068 vol 35450000 at 1743054548300",
                "spot XYZUSDT XYZ/USDT book 1.233/1.235 range -/- vol - at 1743054548400",
            ],
        },
    ],
    error: fx!("bitget/error-params.json"),
    signals: &[
        (429, fx!("bitget/error-rate-limit.json"), Signal::Limited),
        (200, fx!("bitget/error-rate-limit.json"), Signal::Limited),
        (429, "Too Many Requests", Signal::Limited),
        (
            200,
            r#"{"code":1001,"msg":"too frequent"}"#,
            Signal::Limited,
        ),
        (
            400,
            fx!("bitget/error-params.json"),
            Signal::Api("40034", "Parameter productType does not exist"),
        ),
        (200, fx!("bitget/mix-tickers.json"), Signal::Ok),
        (502, "<html>bad gateway</html>", Signal::Ok),
        (200, "{}", Signal::Ok),
    ],
    broken: &[
        (
            "history-fund-rate",
            fx!("bitget/error-params.json"),
            "40034",
        ),
        ("history-fund-rate", "{\"code\":\"00000\",\"data\":[{", ""),
        (
            "candles",
            fx!("bitget/error-params.json"),
            "API error 40034",
        ),
        (
            "spot-candles",
            fx!("bitget/error-params.json"),
            "API error 40034",
        ),
        ("candles", "[[\"1\"]]", ""),
        ("spot-candles", "[[\"1\"]]", ""),
        (
            "tickers-usdt",
            r#"{"code":"00000","data":[{"symbol":"#,
            "malformed JSON",
        ),
        (
            "current-fund-rate-usdt",
            fx!("bitget/error-params.json"),
            "API error 40034: Parameter productType does not exist",
        ),
        (
            "tickers-usdc",
            r#"{"msg":"success","data":[]}"#,
            "no `code`",
        ),
        (
            "spot-tickers",
            r#"{"code":"00000","data":null}"#,
            "without a `data` array",
        ),
        (
            "tickers-usdt",
            r#"[{"symbol":"BTCUSDT"}]"#,
            "malformed JSON",
        ),
        (
            "spot-tickers",
            r#"{"code":"40034","msg":"bad","data":{"x":1}}"#,
            "API error 40034: bad",
        ),
        ("contracts-usdt", fx!("bitget/error-rate-limit.json"), "429"),
    ],
    history: &[
        (
            r#"{"code":"00000","msg":"success","requestTime":1,"data":[
        {"symbol":"BTCUSDT","fundingRate":-2.5e-5,"fundingTime":1695744000000},
        {"symbol":"BTCUSDT","fundingRate":"","fundingTime":"1695715200000"},
        {"symbol":"BTCUSDT","fundingRate":"0.0001"}]}"#,
            &["1695744000000 -0.000025"],
        ),
        (
            fx!("bitget/mix-history-fund-rate.json"),
            &["1695776400000 0.0005", "1695715200000 0.000013"],
        ),
    ],
    candles: &[
        (
            Market::Perp,
            Bar::Day,
            r#"{"code":"00000","msg":"success","requestTime":1,"data":[
        [1695835800000, 0.0123, "1.2e-2", "0.0119", "0.012", "5", "6"],
        ["1695836100000", "1", "", "1", "1", "5", "6"],
        ["1695836400000.5", "1", "1", "1", "1", "5", "6"],
        ["1695836700000", "1", "1"],
        []]}"#,
            &["1695835800000 0.012 0.0119 0.012"],
        ),
        (
            Market::Perp,
            Bar::Day,
            r#"{"code":"00000","msg":"success","data":[]}"#,
            &[],
        ),
        (
            Market::Spot,
            Bar::Day,
            r#"{"code":"00000","msg":"success","data":[]}"#,
            &[],
        ),
        (
            Market::Perp,
            Bar::Day,
            fx!("bitget/mix-candles.json"),
            &[
                "1695835800000 26210.5 26194.5 26194.5",
                "1695836100000 26194.5 26171 26171",
            ],
        ),
        (
            Market::Spot,
            Bar::Day,
            fx!("bitget/spot-candles.json"),
            &[
                "1656604800000 37849.5 37773.5 37773.5",
                "1656604800000 37849.5 37773.5 37773.5",
            ],
        ),
    ],
    tolerant: &["discount-rate"],
    sane_books: false,
};

const GATE_LISTS: &[Lists] = &[
    Lists {
        parts: &[
            ("contracts", fx!("gate/futures-usdt-contracts.json")),
            ("currency-pairs", fx!("gate/spot-currency_pairs.json")),
            (
                "currency-discount-tiers",
                fx!("gate/unified-currency_discount_tiers.json"),
            ),
        ],
        lines: &[
            "perp BTC_USDT BTC/USDT x1 cs0.0001 8h",
            "spot ETH_USDT ETH/USDT x1 cs1 -h",
            "haircut BTC 0.95",
            "haircut ETH 0.93",
            "haircut USDT 1",
            "mmr BTC_USDT 0.005",
        ],
    },
    Lists {
        parts: &[
            ("contracts", fx!("gate/futures-usdt-contracts-quirks.json")),
            (
                "currency-pairs",
                fx!("gate/spot-currency_pairs-quirks.json"),
            ),
            (
                "currency-discount-tiers",
                fx!("gate/unified-currency_discount_tiers-quirks.json"),
            ),
        ],
        lines: &[
            "perp BTC_USDT BTC/USDT x1 cs0.0001 8h",
            "perp PEPE_USDT PEPE/USDT x1 cs10000000 4h",
            "perp ETH_USDT ETH/USDT x1 cs0.01 1h",
            "perp DOGE_USDT DOGE/USDT x1 cs10 2h",
            "perp 1INCH_USDT 1INCH/USDT x1 cs1 8h",
            "perp 1000PEPE_USDT PEPE/USDT x1000 cs10000 8h",
            "perp XRP_USDT XRP/USDT x1 cs1 -h",
            "spot BTC_USDT BTC/USDT x1 cs1 -h",
            "spot BTC_USDC BTC/USDC x1 cs1 -h",
            "spot PEPE_USDT PEPE/USDT x1 cs1 -h",
            "spot ETH_BTC ETH/BTC x1 cs1 -h",
            "spot XYZ_USDT XYZ/USDT x1 cs1 -h",
            "haircut BTC 0.95",
            "haircut DOGE 0.7",
            "haircut ETH 0.93",
            "haircut SOL 0.8",
            "haircut TON 0.95",
            "haircut USDT 1",
            "mmr 1000PEPE_USDT 0.004",
            "mmr 1INCH_USDT 0.004",
            "mmr BTC_USDT 0.004",
            "mmr DOGE_USDT 0.004",
            "mmr ETH_USDT 0.004",
            "mmr PEPE_USDT 0.004",
            "mmr XRP_USDT 0.004",
        ],
    },
];

const GATE: Case = Case {
    lists: GATE_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Parts(GATE_LISTS[0].parts),
            parts: &[
                ("contracts-live", fx!("gate/futures-usdt-contracts.json")),
                ("tickers", fx!("gate/futures-usdt-tickers.json")),
                ("spot-tickers", fx!("gate/spot-tickers.json")),
            ],
            received_ms: 1_755_090_000_500,
            lines: &[
                "BTC_USDT BTC/USDT x1 0.002053/8h next 1610035200000 mark 37985.6 index 37954.92 book -/- range 6790/6278 vol 184040233284 oi 3232.3904 at -",
            ],
        },
        Quotes {
            reference: Setup::Parts(GATE_LISTS[1].parts),
            parts: &[
                (
                    "contracts-live",
                    fx!("gate/futures-usdt-contracts-quirks.json"),
                ),
                ("tickers", fx!("gate/futures-usdt-tickers-quirks.json")),
                ("spot-tickers", fx!("gate/spot-tickers-quirks.json")),
            ],
            received_ms: 1_755_090_000_500,
            lines: &[
                "BTC_USDT BTC/USDT x1 0.0001/8h next 1755100800000 mark 120359.8 index 120384.2 book 120359.7/120359.8 range 121000.5/118000 vol 5413000000 oi 25649.1312 at -",
                "PEPE_USDT PEPE/USDT x1 -0.000125/4h next 1755086400000 mark 0.0000071 index 0.00000709 book 0.000007099/0.0000071 range 0.0000075/0.0000068 vol 35500000 oi 3000000000000 at -",
                "ETH_USDT ETH/USDT x1 0.000015/1h next 1755090000000 mark 1900.2 index 1900.1 book -/1900.1 range 1950/- vol 1900000 oi 1234.56 at -",
                "DOGE_USDT DOGE/USDT x1 0.0002/2h next 1755093600000 mark 0.2 index 0.2 book 0.2/0.20001 range 0.21/0.19 vol 20000000 oi 5000000 at -",
                "1INCH_USDT 1INCH/USDT x1 0.0001/8h next 1755100800000 mark 0.43 index 0.43 book -/- range -/- vol - oi 1000 at -",
                "1000PEPE_USDT PEPE/USDT x1000 0.0002/8h next 1755100800000 mark 0.0071 index 0.0071 book -/- range -/- vol - oi 20000000000 at -",
                "spot BTC_USDT BTC/USDT book 120000/120000.1 range 121000/118000 vol 504060000 at -",
                "spot BTC_USDC BTC/USDC book 120009/120011 range 121010/118010 vol 1200100 at -",
                "spot PEPE_USDT PEPE/USDT book 0.00000709/0.0000071 range 0.0000075/0.0000068 vol 35450000 at -",
                "spot XYZ_USDT XYZ/USDT book 1.233/1.235 range -/- vol - at -",
            ],
        },
    ],
    error: fx!("gate/error-invalid-param.json"),
    signals: &[
        (429, fx!("gate/error-rate-limit.json"), Signal::Limited),
        (200, fx!("gate/error-rate-limit.json"), Signal::Limited),
        (429, "", Signal::Limited),
        (
            400,
            fx!("gate/error-invalid-param.json"),
            Signal::Api("INVALID_PARAM_VALUE", "Invalid parameter value: limit"),
        ),
        (200, fx!("gate/futures-usdt-tickers.json"), Signal::Ok),
        (
            200,
            fx!("gate/futures-usdt-contracts-quirks.json"),
            Signal::Ok,
        ),
        (502, "<html>bad gateway</html>", Signal::Ok),
        (200, "{}", Signal::Ok),
    ],
    broken: &[
        (
            "funding-rate",
            fx!("gate/error-invalid-param.json"),
            "INVALID_PARAM_VALUE",
        ),
        ("funding-rate", "[{\"t\":", "malformed JSON"),
        (
            "candlesticks",
            fx!("gate/error-invalid-param.json"),
            "API error INVALID_PARAM_VALUE",
        ),
        (
            "spot-candlesticks",
            fx!("gate/error-invalid-param.json"),
            "API error INVALID_PARAM_VALUE",
        ),
        (
            "spot-candlesticks",
            fx!("gate/futures-usdt-candlesticks.json"),
            "",
        ),
        ("tickers", r#"[{"contract":"#, "malformed JSON"),
        (
            "contracts-live",
            fx!("gate/error-invalid-param.json"),
            "API error INVALID_PARAM_VALUE: Invalid parameter value: limit",
        ),
        (
            "spot-tickers",
            fx!("gate/error-rate-limit.json"),
            "API error TOO_MANY_REQUESTS",
        ),
        ("tickers", "{}", "malformed JSON"),
        ("spot-tickers", r#"{"data":[]}"#, "malformed JSON"),
    ],
    history: &[
        (
            r#"[{"t":"1755014400","r":2.5e-5},{"t":1755000000.5,"r":"0.0001"},
        {"t":1754985600,"r":""},{"r":"0.0001"},{"t":1754971200}]"#,
            &["1755014400000 0.000025", "1755000000500 0.0001"],
        ),
        ("[]", &[]),
        (
            fx!("gate/futures-usdt-funding_rate.json"),
            &[
                "1755100800000 0.0001",
                "1755072000000 -0.000042",
                "1755043200000 0.00003125",
            ],
        ),
    ],
    candles: &[
        (
            Market::Spot,
            Bar::Day,
            r#"[["1539852600","1","0.5","0.7","0.4","0.6","2","true"],
        [1539852660,"1",0.5,"7e-1","0.4","0.6","2",true,"extra"],
        ["1539852720","1","","0.7","0.4","0.6","2","true"],
        ["1539852780"],[]]"#,
            &["1539852600000 0.7 0.4 0.5", "1539852660000 0.7 0.4 0.5"],
        ),
        (
            Market::Perp,
            Bar::Day,
            r#"[{"t":"1539852480","c":0.25,"h":"0.3","l":"2e-1","o":"0.22"},
        {"t":1539852540,"c":"","h":"1","l":"1","o":"1"},{"c":"1","h":"1","l":"1"},
        {"t":1539852600,"o":"1","h":"1","l":"1","c":"1","sum":"3"}]"#,
            &["1539852480000 0.3 0.2 0.25", "1539852600000 1 1 1"],
        ),
        (Market::Perp, Bar::Day, "[]", &[]),
        (Market::Spot, Bar::Day, "[]", &[]),
        (
            Market::Perp,
            Bar::Day,
            fx!("gate/futures-usdt-candlesticks.json"),
            &["1539852480000 1.032 1.032 1.032"],
        ),
        (
            Market::Spot,
            Bar::Day,
            fx!("gate/spot-candlesticks.json"),
            &["1539852480000 0.0021922 0.0021724 0.0021724"],
        ),
    ],
    tolerant: &["currency-discount-tiers"],
    sane_books: false,
};

const HYPERLIQUID_LISTS: &[Lists] = &[
    Lists {
        parts: &[
            ("meta", fx!("hyperliquid/meta.json")),
            ("spotMeta", fx!("hyperliquid/spotMeta.json")),
        ],
        lines: &[
            "perp BTC BTC/USDC x1 cs1 -h",
            "perp ETH ETH/USDC x1 cs1 -h",
            "perp HPOS HPOS/USDC x1 cs1 -h",
            "spot PURR/USDC PURR/USDC x1 cs1 -h",
        ],
    },
    Lists {
        parts: &[
            ("meta", fx!("hyperliquid/meta-quirks.json")),
            ("spotMeta", fx!("hyperliquid/spotMeta-quirks.json")),
        ],
        lines: &[
            "perp BTC BTC/USDC x1 cs1 -h",
            "perp kPEPE PEPE/USDC x1000 cs1 -h",
            "perp ETH ETH/USDC x1 cs1 -h",
            "perp HPOS HPOS/USDC x1 cs1 -h",
            "perp SOL SOL/USDC x1 cs1 -h",
            "perp DOGE DOGE/USDC x1 cs1 -h",
            "perp AVAX AVAX/USDC x1 cs1 -h",
            "spot PURR/USDC PURR/USDC x1 cs1 -h",
            "spot @107 HYPE/USDC x1 cs1 -h",
            "spot @142 BTC/USDC x1 cs1 -h",
            "spot @151 ETH/USDC x1 cs1 -h",
            "spot @156 SOL/USDC x1 cs1 -h",
            "spot @166 USDT0/USDC x1 cs1 -h",
        ],
    },
];

const HYPERLIQUID: Case = Case {
    lists: HYPERLIQUID_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Parts(HYPERLIQUID_LISTS[0].parts),
            parts: &[
                ("metaAndAssetCtxs", fx!("hyperliquid/metaAndAssetCtxs.json")),
                (
                    "spotMetaAndAssetCtxs",
                    fx!("hyperliquid/spotMetaAndAssetCtxs.json"),
                ),
                (
                    "predictedFundings",
                    fx!("hyperliquid/predictedFundings.json"),
                ),
            ],
            received_ms: 1_754_469_000_000,
            lines: &[
                "BTC BTC/USDC x1 0.0000125/1h next 1754470800000 mark 14.3161 index 14.32 book 14.3047/14.3444 range -/- vol 1169046.29406 oi 688.11 at -",
                "ETH ETH/USDC x1 0.0000125/1h next 1754470800000 mark 6.0436 index 6.0457 book 6.0386/6.0562 range -/- vol 1426126.295175 oi 1882.55 at -",
                "HPOS HPOS/USDC x1 0.0000125/1h next 1754470800000 mark 8.4542 index 8.4585 book 8.4505/8.4722 range -/- vol 809774.565507 oi 2912.05 at -",
                "spot PURR/USDC PURR/USDC book 0.2091603675/0.2093696325 range -/- vol 8906 at -",
            ],
        },
        Quotes {
            reference: Setup::Parts(HYPERLIQUID_LISTS[1].parts),
            parts: &[
                (
                    "metaAndAssetCtxs",
                    fx!("hyperliquid/metaAndAssetCtxs-quirks.json"),
                ),
                (
                    "spotMetaAndAssetCtxs",
                    fx!("hyperliquid/spotMetaAndAssetCtxs-quirks.json"),
                ),
                (
                    "predictedFundings",
                    fx!("hyperliquid/predictedFundings-quirks.json"),
                ),
            ],
            received_ms: 1_754_469_000_000,
            lines: &[
                "BTC BTC/USDC x1 0.0000125/1h next 1754470800000 mark 97005 index 97020 book 97000/97010 range -/- vol 1169046.29406 oi 688.11 at -",
                "kPEPE PEPE/USDC x1000 -0.00002/1h next 1754470800000 mark 0.011208 index 0.011215 book 0.011204/0.011212 range -/- vol 3500000.5 oi 2500000000000 at -",
                "ETH ETH/USDC x1 0.0000125/1h next 1754470800000 mark 3400.4 index 3401.1 book 3398.79975/3402.20025 range -/- vol 250000000.1 oi - at -",
                "HPOS HPOS/USDC x1 0.0000125/1h next 1754470800000 mark 8.4542 index 8.4585 book -/- range -/- vol - oi 2912.05 at -",
                "DOGE DOGE/USDC x1 -0.0000031/1h next 1754474400000 mark 0.3752 index 0.3753 book 0.37491245/0.37528755 range -/- vol 4500000.25 oi 90000000 at -",
                "spot PURR/USDC PURR/USDC book 0.2091603675/0.2093696325 range -/- vol 8906 at -",
                "spot @107 HYPE/USDC book -/- range -/- vol - at -",
                "spot @142 BTC/USDC book 96953.499/97050.501 range -/- vol 5000000.5 at -",
                "spot @151 ETH/USDC book 3399.2995/3402.7005 range -/- vol 1234.5 at -",
                "spot @156 SOL/USDC book -/- range -/- vol 50000 at -",
                "spot @166 USDT0/USDC book 0.999350075/1.000349925 range -/- vol 700000 at -",
            ],
        },
    ],
    error: fx!("hyperliquid/error-unprocessable.txt"),
    signals: &[
        (429, "", Signal::Limited),
        (429, "Too many requests", Signal::Limited),
        (
            422,
            fx!("hyperliquid/error-unprocessable.txt"),
            Signal::Api(
                "422",
                "Failed to deserialize the JSON body into the target type: missing field `type` at line 1 column 2",
            ),
        ),
        (200, fx!("hyperliquid/metaAndAssetCtxs.json"), Signal::Ok),
        (404, "  ", Signal::Ok),
        (502, "<html>bad gateway</html>", Signal::Ok),
    ],
    broken: &[
        ("fundingHistory", "null", "unknown coin"),
        (
            "fundingHistory",
            fx!("hyperliquid/error-unprocessable.txt"),
            "API error: Failed to deserialize",
        ),
        ("fundingHistory", "[{\"time\":", "malformed JSON"),
        ("fundingHistory", r#"{"coin":"BTC"}"#, ""),
        ("candleSnapshot", "null", ""),
        (
            "candleSnapshot",
            fx!("hyperliquid/error-unprocessable.txt"),
            "missing field",
        ),
        (
            "metaAndAssetCtxs",
            r#"[{"universe":[{"name":"BTC"}]},[{"#,
            "malformed JSON",
        ),
        ("metaAndAssetCtxs", "null", "malformed JSON"),
        ("metaAndAssetCtxs", r#"{"universe":[]}"#, "malformed JSON"),
        ("spotMetaAndAssetCtxs", r#"[{"tokens":[]},[]]"#, "universe"),
        ("predictedFundings", r#"[["BTC"]]"#, "malformed JSON"),
        (
            "metaAndAssetCtxs",
            fx!("hyperliquid/error-unprocessable.txt"),
            "malformed JSON",
        ),
        ("fundingHistory", "null", ""),
    ],
    history: &[
        (
            r#"[{"coin":"kPEPE","fundingRate":-1.25e-5,"time":"1769920000000"},
        {"coin":"kPEPE","fundingRate":"","time":1769923600000},{"coin":"kPEPE","fundingRate":"0.1"}]"#,
            &["1769920000000 -0.0000125"],
        ),
        ("[]", &[]),
        (
            fx!("hyperliquid/fundingHistory.json"),
            &[
                "1769908800000 0.0000125",
                "1769912400000 -0.0000081",
                "1769916000000 0.0000033",
            ],
        ),
    ],
    candles: &[
        (
            Market::Perp,
            Bar::Hour,
            r#"[{"t":1700000000000,"T":1700003599999,"s":"kPEPE","i":"1h","o":"0.0123",
          "h":0.0125,"l":"1.2e-2","c":"0.0124","v":"100","n":3},
        {"t":1700003600000,"h":"1","l":"1","c":""},{"h":"1","l":"1","c":"1"}]"#,
            &["1700000000000 0.0125 0.012 0.0124"],
        ),
        (Market::Perp, Bar::Hour, " [] ", &[]),
        (
            Market::Perp,
            Bar::Hour,
            fx!("hyperliquid/candleSnapshot.json"),
            &[
                "1681923600000 29309 29250 29258",
                "1704286800000 2247.9 2224.6 2226.4",
            ],
        ),
        (
            Market::Spot,
            Bar::Day,
            fx!("hyperliquid/candleSnapshot.json"),
            &[
                "1681923600000 29309 29250 29258",
                "1704286800000 2247.9 2224.6 2226.4",
            ],
        ),
    ],
    tolerant: &[],
    sane_books: true,
};

const BINGX_LISTS: &[Lists] = &[
    Lists {
        parts: &[
            ("contracts", fx!("bingx/contracts.json")),
            ("spot-symbols", fx!("bingx/spot-symbols.json")),
        ],
        lines: &[
            "perp BTC-USDT BTC/USDT x1 cs1 -h",
            "spot GEAR-USDT GEAR/USDT x1 cs1 -h",
        ],
    },
    Lists {
        parts: &[
            ("contracts", fx!("bingx/contracts-quirks.json")),
            ("spot-symbols", fx!("bingx/spot-symbols-quirks.json")),
            ("premiumIndex", fx!("bingx/premiumIndex-quirks.json")),
        ],
        lines: &[
            "perp 1000PEPE-USDT PEPE/USDT x1000 cs1 4h",
            "perp BTC-USDC BTC/USDC x1 cs1 1h",
            "perp ETH-USDT ETH/USDT x1 cs1 -h",
            "perp SOON-USDT SOON/USDT x1 cs1 2h",
            "perp SOL-USDT SOL/USDT x1 cs1 8h",
            "perp NCSKTSLA2USD-USDT NCSKTSLA2USD/USDT x1 cs1 8h",
            "perp 1INCH-USDT 1INCH/USDT x1 cs1 -h",
            "spot BTC-USDT BTC/USDT x1 cs1 -h",
            "spot BTC-USDC BTC/USDC x1 cs1 -h",
            "spot PEPE-USDT PEPE/USDT x1 cs1 -h",
            "spot ETH-BTC ETH/BTC x1 cs1 -h",
        ],
    },
];

const BINGX: Case = Case {
    lists: BINGX_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Lines(&[
                "perp BTC-USDT BTC/USDT x1 cs1 8h",
                "spot BTC-USDT BTC/USDT x1 cs1 -h",
            ]),
            parts: &[
                ("premiumIndex", fx!("bingx/premiumIndex.json")),
                ("ticker", fx!("bingx/ticker.json")),
                ("spot-ticker-24hr", fx!("bingx/spot-ticker-24hr.json")),
            ],
            received_ms: 1_743_588_687_000,
            lines: &[
                "BTC-USDT BTC/USDT x1 0.0001/8h next 1672041600000 mark 16884.5 index 16886.9 book 16726/16726 range 16897.5/16726 vol 4151395117.73 oi - at 1672026648425",
                "spot BTC-USDT BTC/USDT book 16726/16726 range 26178.86/25968.18 vol 30288466.44 at 1693167420762",
            ],
        },
        Quotes {
            reference: Setup::Parts(BINGX_LISTS[1].parts),
            parts: &[
                ("premiumIndex", fx!("bingx/premiumIndex-quirks.json")),
                ("ticker", fx!("bingx/ticker-quirks.json")),
                (
                    "spot-ticker-24hr",
                    fx!("bingx/spot-ticker-24hr-quirks.json"),
                ),
            ],
            received_ms: 1_743_588_687_000,
            lines: &[
                "1000PEPE-USDT PEPE/USDT x1000 -0.000125/4h next 1743602400000 mark 0.0071005 index 0.0071 book 0.007099/0.0071 range 0.0075/0.0068 vol 35500000 oi - at 1743588686291",
                "BTC-USDC BTC/USDC x1 0.0000125/1h next 1743591600000 mark 84005.2 index 84001.9 book -/84010.1 range 85000/- vol 17684105 oi - at 1743588686290",
                "SOON-USDT SOON/USDT x1 0.0003/2h next 1743595200000 mark - index - book -/- range -/- vol - oi - at 1743588686290",
                "NCSKTSLA2USD-USDT NCSKTSLA2USD/USDT x1 0.000015/8h next 1743609600000 mark 262.41 index 262.35 book -/- range -/- vol - oi - at 1743588686290",
                "spot BTC-USDT BTC/USDT book 84001.96/84001.98 range 84890/82977.35 vol 136259711.43 at 1743588686753",
                "spot BTC-USDC BTC/USDC book -/84006.1 range -/- vol 1050062.5 at 1743588686753",
                "spot PEPE-USDT PEPE/USDT book 0.00000709/0.0000071 range 0.00000751/0.00000688 vol 43310000.12 at 1743588686753",
            ],
        },
        Quotes {
            reference: Setup::Lines(&[
                "perp BTC-USDT BTC/USDT x1 cs1 -h",
                "spot BTC-USDT BTC/USDT x1 cs1 -h",
            ]),
            parts: &[
                ("premiumIndex", fx!("bingx/premiumIndex.json")),
                ("ticker", fx!("bingx/ticker.json")),
                ("spot-ticker-24hr", fx!("bingx/spot-ticker-24hr.json")),
            ],
            received_ms: 1_743_588_687_000,
            // No interval in the row nor in the cache: the perp is left out, never assumed 8 h.
            lines: &[
                "spot BTC-USDT BTC/USDT book 16726/16726 range 26178.86/25968.18 vol 30288466.44 at 1693167420762",
            ],
        },
    ],
    error: fx!("bingx/error-invalid-params.json"),
    signals: &[
        (200, fx!("bingx/error-rate-limit.json"), Signal::Limited),
        (429, "<html>slow down</html>", Signal::Limited),
        (200, r#"{"code":"100410","msg":"busy"}"#, Signal::Limited),
        (
            200,
            fx!("bingx/error-invalid-params.json"),
            Signal::Api(
                "80014",
                "Invalid parameters, err:Key: 'GetTickerRequest.Symbol' Error:Field validation for \"Symbol\" failed on the \"len=0|endswith=-USDT\" tag",
            ),
        ),
        (
            200,
            r#"{"code":100421,"msg":"timestamp mismatch","data":null}"#,
            Signal::Api("100421", "timestamp mismatch"),
        ),
        (200, fx!("bingx/premiumIndex.json"), Signal::Ok),
        (502, "<html>bad gateway</html>", Signal::Ok),
        (200, "{}", Signal::Ok),
    ],
    broken: &[
        (
            "ticker",
            r#"{"code":0,"msg":"","data":[{"symbol":"#,
            "malformed JSON",
        ),
        (
            "premiumIndex",
            fx!("bingx/error-invalid-params.json"),
            "API error 80014: Invalid parameters",
        ),
        (
            "premiumIndex",
            fx!("bingx/error-rate-limit.json"),
            "API error 100410",
        ),
        ("spot-ticker-24hr", r#"{"msg":"","data":[]}"#, "no `code`"),
        ("premiumIndex", r#"{"code":0,"msg":""}"#, "without `data`"),
        (
            "ticker",
            r#"{"code":0,"data":{"symbol":"BTC-USDT"}}"#,
            "malformed JSON",
        ),
        ("contracts", fx!("bingx/error-rate-limit.json"), "100410"),
        ("spot-symbols", fx!("bingx/ticker.json"), ""),
        (
            "fundingRate",
            fx!("bingx/error-rate-limit.json"),
            "API error 100410",
        ),
        (
            "klines",
            fx!("bingx/error-invalid-params.json"),
            "API error 80014",
        ),
        (
            "spot-kline",
            r#"{"code":0,"msg":"","data":[[1,"#,
            "malformed JSON",
        ),
        (
            "klines",
            r#"{"code":0,"msg":"","data":{"open":"1"}}"#,
            "malformed JSON",
        ),
        (
            "spot-kline",
            r#"[[1691402580000,1,2,0.5,1.5]]"#,
            "no `code`",
        ),
    ],
    history: &[
        (
            fx!("bingx/fundingRate-1INCH-USDT.json"),
            &[
                "1743588000000 -0.0002",
                "1743584400000 -0.00018",
                "1743573600000 -0.0003",
            ],
        ),
        (
            fx!("bingx/fundingRate-ETH-USDT.json"),
            // Oldest first with a duplicated row: kept as sent (the caller de-duplicates).
            &[
                "1743552000000 0.0001",
                "1743580800000 0.00008",
                "1743580800000 0.00008",
            ],
        ),
        (
            r#"{"code":0,"msg":"","data":[
        {"symbol":"BTC-USDT","fundingRate":"","fundingTime":1585684800000},
        {"symbol":"BTC-USDT","fundingRate":"0.0001","fundingTime":0},
        {"symbol":"BTC-USDT","fundingRate":-1.5e-5,"fundingTime":1585713600000}
    ]}"#,
            &["1585713600000 -0.000015"],
        ),
        (r#"{"code":0,"msg":"","data":null}"#, &[]),
        (fx!("bingx/fundingRate.json"), &["1585684800000 0.0001"]),
    ],
    candles: &[
        (
            Market::Perp,
            Bar::Day,
            r#"{"code":0,"msg":"","data":[
        {"open":"1","close":"2","high":"3","low":"0.5","volume":"9","openTime":1706508840000,
         "closeTime":1706508899999,"extra":{"a":[1]}},
        {"open":"1","close":"2","high":"3","low":"0.5"}
    ]}"#,
            &["1706508840000 3 0.5 2"],
        ),
        (
            Market::Perp,
            Bar::Day,
            r#"{"code":0,"msg":"","data":null}"#,
            &[],
        ),
        (
            Market::Spot,
            Bar::Day,
            r#"{"code":0,"msg":"","data":[]}"#,
            &[],
        ),
        (
            Market::Perp,
            Bar::Day,
            fx!("bingx/klines.json"),
            &[
                "1666583700000 19397.5 19385.7 19394.4",
                "1666584000000 19394.4 19368.3 19379",
            ],
        ),
        (
            Market::Perp,
            Bar::Hour,
            fx!("bingx/klines-arrays.json"),
            &[
                "1743588000000 0.00715 0.0071 0.00714",
                "1743584400000 0.00713 0.00705 0.00712",
                "1743580800000 0.0071 0.00705 0.00709",
            ],
        ),
        (
            Market::Spot,
            Bar::Day,
            fx!("bingx/spot-kline.json"),
            &["1691402580000 29093.93 29087.73 29093.24"],
        ),
        (
            Market::Spot,
            Bar::Hour,
            fx!("bingx/spot-kline-quirks.json"),
            &[
                "1743552000000 85200 83900.1 84950.25",
                "1743465600000 84300.7 82100 84100.5",
                "1743379200000 83000 81800.4 82500",
            ],
        ),
    ],
    tolerant: &[],
    sane_books: false,
};

const MEXC_LISTS: &[Lists] = &[
    Lists {
        parts: &[
            ("contract-detail", fx!("mexc/contract-detail.json")),
            ("exchangeInfo", fx!("mexc/spot-exchangeInfo.json")),
            ("funding-rates", fx!("mexc/contract-funding-rates.json")),
        ],
        lines: &[
            "perp BTC_USDT BTC/USDT x1 cs0.0001 -h",
            "spot TOMO3LUSDT TOMO3L/USDT x1 cs1 -h",
            "mmr BTC_USDT 0.004",
        ],
    },
    Lists {
        parts: &[
            ("contract-detail", fx!("mexc/contract-detail-quirks.json")),
            ("exchangeInfo", fx!("mexc/spot-exchangeInfo-quirks.json")),
            ("funding-rates", fx!("mexc/contract-funding-rates.json")),
        ],
        lines: &[
            "perp BTC_USDT BTC/USDT x1 cs0.0001 -h",
            "perp 1000PEPE_USDT PEPE/USDT x1000 cs10 4h",
            "perp BTC_USDC BTC/USDC x1 cs0.0001 1h",
            "perp ETH_USDT ETH/USDT x1 cs0.01 8h",
            "perp SOL_USDT SOL/USDT x1 cs1 8h",
            "perp DOGE_USDT DOGE/USDT x1 cs100 -h",
            "perp 1INCH_USDT 1INCH/USDT x1 cs1 -h",
            "spot BTCUSDT BTC/USDT x1 cs1 -h",
            "spot ETHUSDT ETH/USDT x1 cs1 -h",
            "spot PEPEUSDT PEPE/USDT x1 cs1 -h",
            "spot BTCUSDC BTC/USDC x1 cs1 -h",
            "spot TOMO3LUSDT TOMO3L/USDT x1 cs1 -h",
            "spot XYZUSDT XYZ/USDT x1 cs1 -h",
            "mmr 1000PEPE_USDT 0.004",
            "mmr 1INCH_USDT 0.004",
            "mmr BTC_USD 0.004",
            "mmr BTC_USDC 0.004",
            "mmr BTC_USDT 0.004",
            "mmr BTC_USDT_250328 0.004",
            "mmr DELIV_USDT 0.004",
            "mmr DOGE_USDT 0.004",
            "mmr DONE_USDT 0.004",
            "mmr ETH_USDT 0.004",
            "mmr HIDE_USDT 0.004",
            "mmr OFFL_USDT 0.004",
            "mmr PAUSE_USDT 0.004",
            "mmr SOL_USDT 0.004",
        ],
    },
];

const MEXC: Case = Case {
    lists: MEXC_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Lines(&[
                "perp BTC_USDT BTC/USDT x1 cs0.0001 8h",
                "spot BTCUSDT BTC/USDT x1 cs1 -h",
                "spot ETHUSDT ETH/USDT x1 cs1 -h",
            ]),
            parts: &[
                ("contract-ticker", fx!("mexc/contract-ticker.json")),
                ("spot-ticker-24hr", fx!("mexc/spot-ticker-24hr.json")),
            ],
            received_ms: 1_743_588_687_000,
            lines: &[
                "BTC_USDT BTC/USDT x1 0.001/8h next 1609833600000 mark 31199.5 index 31016.3 book 31198.5/31199 range 33152.5/27795 vol 124905007.4428 oi 5510.296 at 1609831334016",
                "spot BTCUSDT BTC/USDT book 46260.38/46260.41 range 47550.01/45555.5 vol 80150095.82073677 at 1641349582808",
                "spot ETHUSDT ETH/USDT book 46260.38/46260.41 range 47550.01/45555.5 vol 80150095.82073677 at 1641349582808",
            ],
        },
        Quotes {
            reference: Setup::Parts(MEXC_LISTS[1].parts),
            parts: &[
                ("contract-ticker", fx!("mexc/contract-ticker-quirks.json")),
                ("spot-ticker-24hr", fx!("mexc/spot-ticker-24hr-quirks.json")),
            ],
            received_ms: 1_743_588_687_000,
            lines: &[
                "1000PEPE_USDT PEPE/USDT x1000 -0.000125/4h next 1743595200000 mark 0.0071005 index 0.0071 book 0.007099/0.0071 range 0.0075/0.0068 vol 35500000 oi 300000000000 at 1743588686291",
                "BTC_USDC BTC/USDC x1 0.0000125/1h next 1743591600000 mark 84005.2 index 84001.9 book -/84010.1 range 85000/82977.5 vol 17684105 oi 150 at 1743588686290",
                "ETH_USDT ETH/USDT x1 0.0001/8h next 1743609600000 mark 1905.31 index 1905.12 book 1905.29/1905.31 range 1921.7/1862.4 vol 344987123.55 oi 90000 at 1743588686100",
                "spot BTCUSDT BTC/USDT book 84001.96/84001.98 range 84890/82977.35 vol 136259711.43 at 1743588686753",
                "spot PEPEUSDT PEPE/USDT book 0.00000709/0.0000071 range 0.00000751/0.00000688 vol 43310000.12 at 1743588686753",
                "spot BTCUSDC BTC/USDC book -/84006.1 range -/- vol 1050062.5 at 1743588686753",
            ],
        },
        Quotes {
            reference: Setup::Lines(&[
                "perp BTC_USDT BTC/USDT x1 cs0.0001 -h",
                "spot BTCUSDT BTC/USDT x1 cs1 -h",
                "spot ETHUSDT ETH/USDT x1 cs1 -h",
            ]),
            parts: &[
                ("contract-ticker", fx!("mexc/contract-ticker.json")),
                ("spot-ticker-24hr", fx!("mexc/spot-ticker-24hr.json")),
            ],
            received_ms: 1_743_588_687_000,
            // No interval in the row nor in the cache: the perp is left out, never assumed 8 h.
            lines: &[
                "spot BTCUSDT BTC/USDT book 46260.38/46260.41 range 47550.01/45555.5 vol 80150095.82073677 at 1641349582808",
                "spot ETHUSDT ETH/USDT book 46260.38/46260.41 range 47550.01/45555.5 vol 80150095.82073677 at 1641349582808",
            ],
        },
    ],
    error: fx!("mexc/error-contract-not-exist.json"),
    signals: &[
        (200, fx!("mexc/error-rate-limit.json"), Signal::Limited),
        (429, "", Signal::Limited),
        (
            200,
            fx!("mexc/error-contract-not-exist.json"),
            Signal::Api("1001", "Contract does not exist"),
        ),
        (
            400,
            fx!("mexc/error-spot-bad-symbol.json"),
            Signal::Api("10007", "bad symbol"),
        ),
        (
            200,
            r#"{"success":false,"message":"oops"}"#,
            Signal::Api("", "oops"),
        ),
        (200, fx!("mexc/contract-ticker.json"), Signal::Ok),
        (200, fx!("mexc/contract-detail.json"), Signal::Ok),
        (200, fx!("mexc/contract-funding-rate.json"), Signal::Ok),
        (200, fx!("mexc/spot-ticker-24hr.json"), Signal::Ok),
        (200, fx!("mexc/spot-exchangeInfo.json"), Signal::Ok),
        (403, "<html>WAF</html>", Signal::Ok),
    ],
    broken: &[
        (
            "contract-kline",
            fx!("mexc/error-rate-limit.json"),
            "API error 510",
        ),
        (
            "contract-kline",
            fx!("mexc/error-contract-not-exist.json"),
            "API error 1001: Contract does not exist",
        ),
        (
            "contract-kline",
            r#"{"data":{}}"#,
            "no `success` nor `code`",
        ),
        (
            "contract-kline",
            r#"{"success":true,"code":0,"data":{"time":[60,120],"high":[2],"low":[1,1],"close":[1,2]}}"#,
            "different lengths",
        ),
        (
            "spot-klines",
            fx!("mexc/error-spot-bad-symbol.json"),
            "API error 10007: bad symbol",
        ),
        ("spot-klines", r#"[[1640804880000,"1","#, "malformed JSON"),
        ("spot-klines", r#"{"symbol":"BTCUSDT"}"#, "malformed JSON"),
        ("spot-klines", r#"[{"t":1}]"#, "malformed JSON"),
        ("spot-klines", fx!("mexc/contract-kline.json"), ""),
        (
            "contract-ticker",
            r#"{"success":true,"code":0,"data":[{"symbol":"#,
            "malformed JSON",
        ),
        (
            "contract-ticker",
            fx!("mexc/error-rate-limit.json"),
            "API error 510: Excessive frequency of requests",
        ),
        (
            "contract-ticker",
            r#"{"data":[]}"#,
            "no `success` nor `code`",
        ),
        (
            "contract-ticker",
            r#"{"success":true,"code":0}"#,
            "without `data`",
        ),
        (
            "spot-ticker-24hr",
            fx!("mexc/error-spot-bad-symbol.json"),
            "API error 10007: bad symbol",
        ),
        (
            "spot-ticker-24hr",
            r#"{"symbol":"BTCUSDT"}"#,
            "malformed JSON",
        ),
        (
            "spot-ticker-24hr",
            r#"[{"symbol":"BTCUSDT","bidPrice":{}}]"#,
            "malformed JSON",
        ),
        (
            "exchangeInfo",
            fx!("mexc/error-spot-bad-symbol.json"),
            "API error 10007: bad symbol",
        ),
        ("exchangeInfo", r#"{"timezone":"CST"}"#, "without `symbols`"),
        ("funding-rates", "[1,", ""),
        (
            "funding-history",
            fx!("mexc/error-rate-limit.json"),
            "API error 510",
        ),
        (
            "funding-history",
            fx!("mexc/error-contract-not-exist.json"),
            "API error 1001: Contract does not exist",
        ),
        (
            "funding-history",
            r#"{"success":true,"code":0,"data":{"time":[1"#,
            "malformed JSON",
        ),
        (
            "funding-history",
            r#"{"data":{}}"#,
            "no `success` nor `code`",
        ),
    ],
    history: &[
        (r#"{"success":true,"code":0}"#, &[]),
        (
            r#"{"success":true,"code":0,"data":{"pageSize":1000,"totalCount":0,
        "totalPage":0,"currentPage":3,"resultList":[]}}"#,
            &[],
        ),
        (
            fx!("mexc/funding-rate-history.json"),
            &["1609804800000 0.000266", "1609776000000 0.00029"],
        ),
        (
            fx!("mexc/funding-rate-history-quirks.json"),
            &[
                "1743580800000 -0.000125",
                "1743566400000 0.0001",
                "1743595200000 0.00005",
            ],
        ),
    ],
    candles: &[
        (Market::Spot, Bar::Day, "[]", &[]),
        (
            Market::Perp,
            Bar::Day,
            r#"{"success":true,"code":0,"data":{}}"#,
            &[],
        ),
        (
            Market::Perp,
            Bar::Day,
            r#"{"success":true,"code":0,"data":{"time":[60,120],"high":[2,3],
        "low":[1,1],"close":[null,2]}}"#,
            &["120000 3 1 2"],
        ),
        (
            Market::Perp,
            Bar::Day,
            fx!("mexc/contract-kline.json"),
            &["1609740600000 33094 32995 33040.5"],
        ),
        (
            Market::Perp,
            Bar::Hour,
            fx!("mexc/contract-kline-quirks.json"),
            &[
                "1743580800000 0.0071 0.00705 0.00709",
                "1743584400000 0.00713 0.00705 0.00712",
                "1743588000000 0.00715 0.0071 0.00714",
            ],
        ),
        (
            Market::Spot,
            Bar::Day,
            fx!("mexc/spot-klines.json"),
            &["1640804880000 47482.36 47416.57 47436.1"],
        ),
        (
            Market::Spot,
            Bar::Hour,
            fx!("mexc/spot-klines-quirks.json"),
            &[
                "1743465600000 84300.7 82100 84100.5",
                "1743552000000 85200 83900.1 84950.25",
                "1743379200000 83000 81800.4 82500",
            ],
        ),
    ],
    tolerant: &[],
    sane_books: false,
};

const DERIBIT_LISTS: &[Lists] = &[
    Lists {
        parts: &[
            (
                "get_instruments-future",
                fx!("deribit/get_instruments-future.json"),
            ),
            (
                "get_instruments-spot",
                fx!("deribit/get_instruments-spot.json"),
            ),
        ],
        lines: &[
            "perp SOL_USDC-PERPETUAL SOL/USDC x1 cs1 -h",
            "perp BTC_USDC-PERPETUAL BTC/USDC x1 cs1 -h",
            "perp ETH_USDC-PERPETUAL ETH/USDC x1 cs1 -h",
            "spot BTC_USDC BTC/USDC x1 cs1 -h",
            "spot ETH_USDC ETH/USDC x1 cs1 -h",
            "spot BTC_USDT BTC/USDT x1 cs1 -h",
            "spot STETH_ETH STETH/ETH x1 cs1 -h",
            "spot PAXG_USDC PAXG/USDC x1 cs1 -h",
        ],
    },
    Lists {
        parts: &[
            (
                "get_instruments-future",
                fx!("deribit/get_instruments-future-quirks.json"),
            ),
            (
                "get_instruments-spot",
                fx!("deribit/get_instruments-spot.json"),
            ),
        ],
        lines: &[
            "perp 1000SHIB_USDC-PERPETUAL SHIB/USDC x1000 cs1 -h",
            "perp PAXG_USDC-PERPETUAL PAXG/USDC x1 cs1 -h",
            "perp DOGE_USDC-PERPETUAL DOGE/USDC x1 cs1 -h",
            "perp ADA_USDC-PERPETUAL ADA/USDC x1 cs1 -h",
            "perp ETH_USDT-PERPETUAL ETH/USDT x1 cs1 -h",
            "perp BTC_USDC-PERPETUAL BTC/USDC x1 cs1 -h",
            "spot BTC_USDC BTC/USDC x1 cs1 -h",
            "spot ETH_USDC ETH/USDC x1 cs1 -h",
            "spot BTC_USDT BTC/USDT x1 cs1 -h",
            "spot STETH_ETH STETH/ETH x1 cs1 -h",
            "spot PAXG_USDC PAXG/USDC x1 cs1 -h",
        ],
    },
    Lists {
        parts: &[
            (
                "get_instruments-future",
                fx!("deribit/get_instruments-future.json"),
            ),
            (
                "get_instruments-future",
                fx!("deribit/get_instruments-future-quirks.json"),
            ),
            (
                "get_instruments-spot",
                fx!("deribit/get_instruments-spot.json"),
            ),
        ],
        lines: &[
            "perp SOL_USDC-PERPETUAL SOL/USDC x1 cs1 -h",
            "perp BTC_USDC-PERPETUAL BTC/USDC x1 cs1 -h",
            "perp ETH_USDC-PERPETUAL ETH/USDC x1 cs1 -h",
            "perp 1000SHIB_USDC-PERPETUAL SHIB/USDC x1000 cs1 -h",
            "perp PAXG_USDC-PERPETUAL PAXG/USDC x1 cs1 -h",
            "perp DOGE_USDC-PERPETUAL DOGE/USDC x1 cs1 -h",
            "perp ADA_USDC-PERPETUAL ADA/USDC x1 cs1 -h",
            "perp ETH_USDT-PERPETUAL ETH/USDT x1 cs1 -h",
            "spot BTC_USDC BTC/USDC x1 cs1 -h",
            "spot ETH_USDC ETH/USDC x1 cs1 -h",
            "spot BTC_USDT BTC/USDT x1 cs1 -h",
            "spot STETH_ETH STETH/ETH x1 cs1 -h",
            "spot PAXG_USDC PAXG/USDC x1 cs1 -h",
        ],
    },
];

const DERIBIT: Case = Case {
    lists: DERIBIT_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Parts(DERIBIT_LISTS[2].parts),
            parts: &[
                (
                    "get_book_summary_by_currency-future",
                    fx!("deribit/get_book_summary_by_currency-future.json"),
                ),
                (
                    "get_book_summary_by_currency-spot",
                    fx!("deribit/get_book_summary_by_currency-spot.json"),
                ),
            ],
            received_ms: 1_763_340_878_000,
            lines: &[
                "SOL_USDC-PERPETUAL SOL/USDC x1 0.0000211/8h next - mark 149.8812 index 149.8443 book 149.87/149.9 range 153.4/146.2 vol 1859236.52 oi 48291.3 at 1763340877520",
                "BTC_USDC-PERPETUAL BTC/USDC x1 -0.00001234/8h next - mark 91412.37 index 91408.52 book 91410/91415 range 92150/89811 vol 13928641.2 oi 312.5891 at 1763340877521",
                "ETH_USDC-PERPETUAL ETH/USDC x1 0.0001/8h next - mark 3051.05 index 3050.77 book -/3051.2 range -/- vol 0 oi 0 at 1763340877522",
                "spot BTC_USDC BTC/USDC book 91400/91420 range 92000/89700 vol 4117000.15 at 1763340877530",
                "spot ETH_USDC ETH/USDC book 3050.1/3051 range 3105.5/2990 vol 3050500 at 1763340877531",
                "spot BTC_USDT BTC/USDT book 91395/91415 range 92010/89650 vol 250000.5 at 1763340877532",
                "spot STETH_ETH STETH/ETH book 0.999/0.9993 range 1.0002/0.998 vol 5.49505 at 1763340877533",
                "spot PAXG_USDC PAXG/USDC book -/- range -/- vol 0 at 1763340877535",
            ],
        },
        Quotes {
            reference: Setup::Parts(DERIBIT_LISTS[2].parts),
            parts: &[
                (
                    "get_book_summary_by_currency-future",
                    fx!("deribit/get_book_summary_by_currency-future.json"),
                ),
                (
                    "get_book_summary_by_currency-future",
                    fx!("deribit/get_book_summary_by_currency-future-quirks.json"),
                ),
                (
                    "get_book_summary_by_currency-spot",
                    fx!("deribit/get_book_summary_by_currency-spot.json"),
                ),
            ],
            received_ms: 1_763_340_878_000,
            lines: &[
                "SOL_USDC-PERPETUAL SOL/USDC x1 0.0000211/8h next - mark 149.8812 index 149.8443 book 149.87/149.9 range 153.4/146.2 vol 1859236.52 oi 48291.3 at 1763340877520",
                "BTC_USDC-PERPETUAL BTC/USDC x1 -0.00001234/8h next - mark 91412.37 index 91408.52 book 91410/91415 range 92150/89811 vol 13928641.2 oi 312.5891 at 1763340877521",
                "ETH_USDC-PERPETUAL ETH/USDC x1 0.0001/8h next - mark 3051.05 index 3050.77 book -/3051.2 range -/- vol 0 oi 0 at 1763340877522",
                "1000SHIB_USDC-PERPETUAL SHIB/USDC x1000 0.00000045/8h next - mark 0.012105 index 0.0121 book 0.0121/0.01211 range 0.0125/0.0118 vol 992500.5 oi 15000000000 at 1763340877600",
                "PAXG_USDC-PERPETUAL PAXG/USDC x1 -0.00002/8h next - mark 4071.1 index 4070.55 book 4071.3/4071.9 range -/- vol 50886.25 oi 3.25 at 1763340877602",
                "ADA_USDC-PERPETUAL ADA/USDC x1 0/8h next - mark 0.95 index - book 0.9498/0.9502 range -/- vol - oi - at 1763340877609",
                "ETH_USDT-PERPETUAL ETH/USDT x1 0.00005/8h next - mark 3051.4 index 3050.9 book 3051.1/3051.6 range 3102.2/2990.1 vol 2000000 oi 120.75 at 1763340877604",
                "spot BTC_USDC BTC/USDC book 91400/91420 range 92000/89700 vol 4117000.15 at 1763340877530",
                "spot ETH_USDC ETH/USDC book 3050.1/3051 range 3105.5/2990 vol 3050500 at 1763340877531",
                "spot BTC_USDT BTC/USDT book 91395/91415 range 92010/89650 vol 250000.5 at 1763340877532",
                "spot STETH_ETH STETH/ETH book 0.999/0.9993 range 1.0002/0.998 vol 5.49505 at 1763340877533",
                "spot PAXG_USDC PAXG/USDC book -/- range -/- vol 0 at 1763340877535",
            ],
        },
    ],
    error: fx!("deribit/error-invalid-params.json"),
    signals: &[
        (
            400,
            fx!("deribit/error-too-many-requests.json"),
            Signal::Limited,
        ),
        (
            200,
            fx!("deribit/error-too-many-requests.json"),
            Signal::Limited,
        ),
        (429, "<html>slow down</html>", Signal::Limited),
        (
            400,
            r#"{"error":{"code":"10028","message":"rate limited"}}"#,
            Signal::Limited,
        ),
        (
            400,
            r#"{"error":{"code":10040,"message":"too_many_requests"}}"#,
            Signal::Limited,
        ),
        (
            400,
            fx!("deribit/error-invalid-params.json"),
            Signal::Api("-32602", "Invalid params"),
        ),
        (
            200,
            fx!("deribit/get_book_summary_by_currency-future.json"),
            Signal::Ok,
        ),
        (502, "<html>bad gateway</html>", Signal::Ok),
        (200, r#"{"result":[],"error":null}"#, Signal::Ok),
    ],
    broken: &[
        (
            "get_funding_rate_history",
            fx!("deribit/error-not-found.json"),
            "API error 13020: not_found",
        ),
        (
            "get_funding_rate_history",
            fx!("deribit/error-too-many-requests.json"),
            "API error 10028: too_many_requests",
        ),
        (
            "get_funding_rate_history",
            fx!("deribit/error-invalid-params.json"),
            "API error -32602: Invalid params",
        ),
        (
            "get_funding_rate_history",
            r#"{"jsonrpc":"2.0","result":[{"timestamp":1"#,
            "malformed JSON",
        ),
        (
            "get_funding_rate_history",
            r#"{"jsonrpc":"2.0","result":{"ticks":[]}}"#,
            "malformed JSON",
        ),
        (
            "get_funding_rate_history",
            r#"{"jsonrpc":"2.0","usOut":1}"#,
            "no `result` array",
        ),
        (
            "get_tradingview_chart_data",
            fx!("deribit/error-not-found.json"),
            "API error 13020: not_found",
        ),
        (
            "get_tradingview_chart_data",
            fx!("deribit/error-too-many-requests.json"),
            "API error 10028: too_many_requests",
        ),
        (
            "get_tradingview_chart_data",
            r#"{"result":{"status":"ok","ticks":[1,2],"high":[1,2],"low":[1,2],"close":[1]}}"#,
            "columns of different lengths: ticks 2, high 2, low 2, close 1",
        ),
        (
            "get_tradingview_chart_data",
            r#"{"result":{"status":"ok","ticks":[1],"high":[1],"low":[1]}}"#,
            "columns of different lengths",
        ),
        (
            "get_tradingview_chart_data",
            r#"{"result":[1,2]}"#,
            "malformed JSON",
        ),
        (
            "get_tradingview_chart_data",
            r#"{"result":{"ticks":"#,
            "malformed JSON",
        ),
        (
            "get_tradingview_chart_data",
            r#"{"jsonrpc":"2.0"}"#,
            "no `result` object",
        ),
        (
            "get_book_summary_by_currency-future",
            r#"{"jsonrpc":"2.0","result":[{"instrument_name":"#,
            "malformed JSON",
        ),
        (
            "get_book_summary_by_currency-future",
            fx!("deribit/error-too-many-requests.json"),
            "API error 10028: too_many_requests",
        ),
        (
            "get_book_summary_by_currency-spot",
            fx!("deribit/error-invalid-params.json"),
            "API error -32602: Invalid params",
        ),
        (
            "get_book_summary_by_currency-spot",
            r#"{"jsonrpc":"2.0","id":1,"usOut":1}"#,
            "no `result` array",
        ),
        (
            "get_book_summary_by_currency-future",
            r#"{"jsonrpc":"2.0","result":{"instrument_name":"BTC_USDC"}}"#,
            "malformed JSON",
        ),
        (
            "get_instruments-future",
            fx!("deribit/error-too-many-requests.json"),
            "10028",
        ),
    ],
    history: &[
        (r#"{"jsonrpc":"2.0","result":[]}"#, &[]),
        (
            fx!("deribit/get_funding_rate_history.json"),
            &["1569891600000 -0.0000004739622041017375"],
        ),
        (
            fx!("deribit/get_funding_rate_history-quirks.json"),
            &[
                "1763337600000 0.0000116375",
                "1763341200000 -0.000003",
                "1763348400000 0",
            ],
        ),
    ],
    candles: &[
        (
            Market::Perp,
            Bar::Hour,
            r#"{"result":{"status":"no_data","ticks":null,"close":null}}"#,
            &[],
        ),
        (
            Market::Perp,
            Bar::Day,
            fx!("deribit/get_tradingview_chart_data.json"),
            &[
                "1583916960000 7839.5 7834 7839.5",
                "1583917020000 7839 7833.5 7833.5",
                "1583917080000 7833.5 7832.5 7833",
                "1583917140000 7833 7833 7833",
            ],
        ),
        (
            Market::Perp,
            Bar::Hour,
            fx!("deribit/get_tradingview_chart_data-quirks.json"),
            &[
                "1763251200000 0.01231 0.01195 0.01225",
                "1763164800000 0.01215 0.0119 0.0121",
                "1763337600000 0.01229 0.0122 0.012255",
            ],
        ),
        (
            Market::Spot,
            Bar::Day,
            fx!("deribit/get_tradingview_chart_data-no-data.json"),
            &[],
        ),
    ],
    tolerant: &[],
    sane_books: false,
};

const DYDX_LISTS: &[Lists] = &[
    Lists {
        parts: &[("perpetualMarkets", fx!("dydx/perpetualMarkets.json"))],
        lines: &["perp BTC-USD BTC/USD x1 cs1 -h", "mmr BTC-USD 0.012"],
    },
    Lists {
        parts: &[("perpetualMarkets", fx!("dydx/perpetualMarkets-quirks.json"))],
        lines: &[
            "perp ETH-USD ETH/USD x1 cs1 -h",
            "perp PEPE-USD PEPE/USD x1 cs1 -h",
            "perp SOL-USD SOL/USD x1 cs1 -h",
            "perp DOGE-USD DOGE/USD x1 cs1 -h",
            "perp ISO-USD ISO/USD x1 cs1 -h",
            "perp XYZ-USD XYZ/USD x1 cs1 -h",
            "mmr ETH-USD 0.012",
            "mmr ISO-USD 0.03",
            "mmr PEPE-USD 0.05",
        ],
    },
];

const DYDX: Case = Case {
    lists: DYDX_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Parts(DYDX_LISTS[0].parts),
            parts: &[("perpetualMarkets", fx!("dydx/perpetualMarkets.json"))],
            received_ms: 1_753_442_400_000,
            lines: &[
                "BTC-USD BTC/USD x1 0/1h next 1753444800000 mark 118976.5376 index 118976.5376 book 118917.0493312/119036.0258688 range -/- vol 1292729.3605 oi 52.0691 at -",
            ],
        },
        Quotes {
            reference: Setup::Parts(DYDX_LISTS[1].parts),
            parts: &[("perpetualMarkets", fx!("dydx/perpetualMarkets-quirks.json"))],
            received_ms: 1_753_442_400_000,
            lines: &[
                "ETH-USD ETH/USD x1 0.0000125/1h next 1753444800000 mark 3400.12 index 3400.12 book 3398.41994/3401.82006 range -/- vol 52000000.5 oi 15000.25 at -",
                "PEPE-USD PEPE/USD x1 -0.00000625/1h next 1753444800000 mark 0.0000112 index 0.0000112 book 0.0000111944/0.0000112056 range -/- vol 2500000 oi 1234567890 at -",
                "DOGE-USD DOGE/USD x1 0.000015/1h next 1753444800000 mark 0.3751 index 0.3751 book 0.37491245/0.37528755 range -/- vol - oi - at -",
                "ISO-USD ISO/USD x1 0.0001/1h next 1753444800000 mark 0.8123 index 0.8123 book 0.8073/0.8173 range -/- vol 150000.75 oi 250000 at -",
                "XYZ-USD XYZ/USD x1 0.00002/1h next 1753444800000 mark 10 index 10 book 9.995/10.005 range -/- vol 5000 oi 700 at -",
            ],
        },
    ],
    error: fx!("dydx/error-not-found.json"),
    signals: &[
        (429, fx!("dydx/error-rate-limit.json"), Signal::Limited),
        (429, "", Signal::Limited),
        (200, fx!("dydx/error-rate-limit.json"), Signal::Limited),
        (
            404,
            fx!("dydx/error-not-found.json"),
            Signal::Api("404", "BTC-USDX not found in markets of type PERPETUAL"),
        ),
        (
            403,
            fx!("dydx/error-geoblocked.json"),
            Signal::ApiStarting("GEOBLOCKED", "Because you appear to be a resident"),
        ),
        (200, fx!("dydx/perpetualMarkets.json"), Signal::Ok),
        (200, r#"{"errors": []}"#, Signal::Ok),
        (502, "<html>bad gateway</html>", Signal::Ok),
    ],
    broken: &[
        (
            "perpetualMarkets",
            r#"{"markets": {"BTC-USD": {"ticker": "#,
            "malformed JSON",
        ),
        ("perpetualMarkets", "[]", "no `markets` object"),
        ("perpetualMarkets", r#"{"markets": []}"#, "malformed JSON"),
        (
            "perpetualMarkets",
            r#"{"markets": null}"#,
            "no `markets` object",
        ),
        (
            "perpetualMarkets",
            fx!("dydx/error-rate-limit.json"),
            "API error: Too many requests",
        ),
        (
            "perpetualMarkets",
            fx!("dydx/error-not-found.json"),
            "API error: BTC-USDX not found in markets of type PERPETUAL",
        ),
        (
            "historicalFunding",
            fx!("dydx/error-not-found.json"),
            "API error: BTC-USDX not found in markets of type PERPETUAL",
        ),
        (
            "historicalFunding",
            fx!("dydx/error-rate-limit.json"),
            "API error: Too many requests",
        ),
        (
            "historicalFunding",
            r#"{"historicalFunding":[{"rate":"#,
            "malformed JSON",
        ),
        (
            "historicalFunding",
            r#"{"historicalFunding":{"rate":"1"}}"#,
            "malformed JSON",
        ),
        (
            "historicalFunding",
            r#"{"candles":[]}"#,
            "no `historicalFunding` array",
        ),
        (
            "candles",
            fx!("dydx/error-invalid-ticker.json"),
            "API error: ticker must be a valid ticker (BTC-USD, etc)",
        ),
        ("candles", fx!("dydx/error-geoblocked.json"), "API error"),
        ("candles", r#"{"candles":[{"high":"1""#, "malformed JSON"),
        ("candles", r#"{"candles":"none"}"#, "malformed JSON"),
        ("candles", "{}", "no `candles` array"),
    ],
    history: &[
        (r#"{"historicalFunding":[]}"#, &[]),
        (fx!("dydx/historicalFunding.json"), &["1753441200000 0"]),
        (
            fx!("dydx/historicalFunding-quirks.json"),
            &[
                "1753444800000 0.0000125",
                "1753441200000 -0.000003",
                "1753437600000 0.000015",
                "1753426800000 0.00001",
            ],
        ),
    ],
    candles: &[
        (Market::Perp, Bar::Day, r#"{"candles":[]}"#, &[]),
        (
            Market::Perp,
            Bar::Day,
            fx!("dydx/candles.json"),
            &["1753436820000 116099 116099 116099"],
        ),
        (
            Market::Perp,
            Bar::Day,
            fx!("dydx/candles-quirks.json"),
            &[
                "1753401600000 0.00001388 0.00001301 0.00001377",
                "1753315200000 0.0000136 0.0000128 0.00001342",
            ],
        ),
    ],
    tolerant: &[],
    sane_books: true,
};

const KRAKEN_LISTS: &[Lists] = &[
    Lists {
        parts: &[("instruments", fx!("kraken/instruments.json"))],
        lines: &["perp PF_ETHUSD ETH/USD x1 cs1 -h"],
    },
    Lists {
        parts: &[("instruments", fx!("kraken/instruments-quirks.json"))],
        lines: &[
            "perp PF_XBTUSD BTC/USD x1 cs1 -h",
            "perp PF_1000PEPEUSD PEPE/USD x1000 cs1 -h",
            "perp PF_SOLUSD SOL/USD x1 cs1 -h",
            "perp PF_XDGUSD DOGE/USD x1 cs1 -h",
            "perp PF_LINKUSD LINK/USD x1 cs10 -h",
            "perp PF_ADAUSD ADA/USD x1 cs1 -h",
            "perp PF_ETHUSD ETH/USD x1 cs10 -h",
        ],
    },
    Lists {
        parts: &[
            ("instruments", fx!("kraken/instruments.json")),
            ("instruments", fx!("kraken/instruments-quirks.json")),
        ],
        lines: &[
            "perp PF_ETHUSD ETH/USD x1 cs1 -h",
            "perp PF_XBTUSD BTC/USD x1 cs1 -h",
            "perp PF_1000PEPEUSD PEPE/USD x1000 cs1 -h",
            "perp PF_SOLUSD SOL/USD x1 cs1 -h",
            "perp PF_XDGUSD DOGE/USD x1 cs1 -h",
            "perp PF_LINKUSD LINK/USD x1 cs10 -h",
            "perp PF_ADAUSD ADA/USD x1 cs1 -h",
        ],
    },
];

const KRAKEN: Case = Case {
    lists: KRAKEN_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Lines(&["perp PF_ENJUSD ENJ/USD x1 cs1 -h"]),
            parts: &[("tickers", fx!("kraken/tickers.json"))],
            received_ms: 1_763_339_678_100,
            lines: &[
                "PF_ENJUSD ENJ/USD x1 -0.0000174289105314976958525346/1h next 1763341200000 mark 0.0434 index 0.043391 book 0.0433/0.0435 range 0.0435/0.0433 vol 73.5216 oi 72513 at 1763339677524",
            ],
        },
        Quotes {
            reference: Setup::Parts(KRAKEN_LISTS[2].parts),
            parts: &[("tickers", fx!("kraken/tickers-quirks.json"))],
            received_ms: 1_763_339_678_100,
            lines: &[
                "PF_XBTUSD BTC/USD x1 0.00001/1h next 1763341200000 mark 50000 index 49995.2 book 50005/50015.5 range 50500/48800 vol 76000000.5 oi 812.3456 at 1763339677524",
                "PF_1000PEPEUSD PEPE/USD x1000 0.00001/1h next 1763341200000 mark 0.0125 index 0.01249 book 0.0124/0.0126 range 0.0131/0.0119 vol 6200 oi 2000000000 at 1763339677524",
                "PF_SOLUSD SOL/USD x1 -0.0000099667774086378737541528/1h next 1763341200000 mark 150.5 index 150.45 book -/150.6 range -/- vol 150450.25 oi 4321.5 at 1763339677524",
                "PF_LINKUSD LINK/USD x1 0.00001/1h next 1763341200000 mark 22 index 21.99 book 22.04/22.06 range 22.9/21.5 vol 110250 oi 3000 at 1763339677524",
            ],
        },
    ],
    error: fx!("kraken/error-market-unavailable.json"),
    signals: &[
        (200, fx!("kraken/error-api-limit.json"), Signal::Limited),
        (400, fx!("kraken/error-api-limit.json"), Signal::Limited),
        (429, "Too Many Requests", Signal::Limited),
        (
            200,
            fx!("kraken/error-market-unavailable.json"),
            Signal::Api("marketUnavailable", "marketUnavailable"),
        ),
        (
            400,
            r#"{"result":"error","error":"invalidArgument: symbol"}"#,
            Signal::Api("invalidArgument", "invalidArgument: symbol"),
        ),
        (200, fx!("kraken/tickers.json"), Signal::Ok),
        (502, "<html>bad gateway</html>", Signal::Ok),
    ],
    broken: &[
        (
            "historicalfundingrates",
            fx!("kraken/error-api-limit.json"),
            "API error: apiLimitExceeded",
        ),
        (
            "historicalfundingrates",
            fx!("kraken/error-market-unavailable.json"),
            "API error: marketUnavailable",
        ),
        (
            "historicalfundingrates",
            r#"{"result":"success","rates":[{"timestamp":"#,
            "malformed JSON",
        ),
        (
            "historicalfundingrates",
            r#"{"result":"success","rates":{}}"#,
            "malformed JSON",
        ),
        (
            "historicalfundingrates",
            r#"{"result":"success"}"#,
            "no `rates` array",
        ),
        (
            "candles",
            fx!("kraken/error-api-limit.json"),
            "API error: apiLimitExceeded",
        ),
        (
            "candles",
            r#"{"error":"invalid from"}"#,
            "API error: invalid from",
        ),
        ("candles", r#"{"candles":[{"time":1,"#, "malformed JSON"),
        ("candles", r#"{"candles":{"time":1}}"#, "malformed JSON"),
        ("candles", r#"{"more_candles":false}"#, "no `candles` array"),
        (
            "tickers",
            r#"{"result":"success","tickers":[{"symbol":"#,
            "malformed JSON",
        ),
        (
            "tickers",
            fx!("kraken/error-api-limit.json"),
            "API error: apiLimitExceeded",
        ),
        (
            "tickers",
            r#"{"result":"success","serverTime":"2025-11-17T00:34:37.524Z"}"#,
            "no `tickers` array",
        ),
        (
            "tickers",
            r#"{"result":"success","tickers":{"symbol":"PF_XBTUSD"}}"#,
            "malformed JSON",
        ),
        (
            "instruments",
            fx!("kraken/error-market-unavailable.json"),
            "API error: marketUnavailable",
        ),
        (
            "instruments",
            r#"{"result":"error"}"#,
            "API error: result: error",
        ),
    ],
    history: &[
        (
            fx!("kraken/historicalfundingrates.json"),
            &[
                "1752220800000 0.0001",
                "1752192000000 -0.00005",
                "1752163200000 0.00015",
            ],
        ),
        (
            fx!("kraken/historicalfundingrates-quirks.json"),
            &[
                "1763330400000 0.000005",
                "1763334000000 -0.000002",
                "1763337600000 0.00001",
                "1763344800000 0",
            ],
        ),
    ],
    candles: &[
        (
            Market::Perp,
            Bar::Hour,
            r#"{"candles":[],"more_candles":false}"#,
            &[],
        ),
        (
            Market::Perp,
            Bar::Day,
            fx!("kraken/charts-candles.json"),
            &["1645198500000 309.15 308.7 308.85"],
        ),
        (
            Market::Perp,
            Bar::Hour,
            fx!("kraken/charts-candles-quirks.json"),
            &[
                "1763251200000 0.01231 0.01195 0.01225",
                "1763337600000 0.01229 0.0122 0.012255",
                "1763164800000 0.01215 0.0119 0.0121",
            ],
        ),
    ],
    tolerant: &[],
    sane_books: false,
};

const WEEX_LISTS: &[Lists] = &[
    Lists {
        parts: &[
            ("contracts", fx!("weex/contract-contracts.json")),
            ("exchangeInfo", fx!("weex/spot-exchangeInfo.json")),
        ],
        lines: &[
            "perp cmt_btcusdt BTC/USDT x1 cs1 8h",
            "spot BTCUSDT_SPBL BTC/USDT x1 cs1 -h",
        ],
    },
    Lists {
        parts: &[
            ("contracts", fx!("weex/contract-contracts-quirks.json")),
            ("exchangeInfo", fx!("weex/spot-exchangeInfo-quirks.json")),
        ],
        lines: &[
            "perp cmt_btcusdt BTC/USDT x1 cs1 8h",
            "perp cmt_1000pepeusdt PEPE/USDT x1000 cs1 4h",
            "perp cmt_ethusdt ETH/USDT x1 cs1 -h",
            "perp cmt_solusdt SOL/USDT x1 cs1 -h",
            "perp cmt_dogeusdt DOGE/USDT x1 cs1 -h",
            "spot BTCUSDT_SPBL BTC/USDT x1 cs1 -h",
            "spot PEPEUSDT_SPBL PEPE/USDT x1 cs1 -h",
            "spot ETHUSDC_SPBL ETH/USDC x1 cs1 -h",
        ],
    },
];

const WEEX: Case = Case {
    lists: WEEX_LISTS,
    quotes: &[
        Quotes {
            reference: Setup::Parts(WEEX_LISTS[0].parts),
            parts: &[
                ("tickers", fx!("weex/contract-tickers.json")),
                (
                    "currentFundRate",
                    fx!("weex/contract-current-fund-rate.json"),
                ),
                ("ticker-24hr", fx!("weex/spot-ticker-24hr.json")),
            ],
            received_ms: 1_764_482_512_000,
            lines: &[
                "cmt_btcusdt BTC/USDT x1 -0.0001036/8h next 1764489600000 mark 90755.2 index 90797.161 book 90755.3/90755.4 range 91130/90097.3 vol 2321170547.37995 oi - at 1764482511864",
                "spot BTCUSDT_SPBL BTC/USDT book 68919.9/68920.7 range 70110/68500.1 vol 105060432.75 at 1764499200000",
            ],
        },
        Quotes {
            reference: Setup::Parts(WEEX_LISTS[1].parts),
            parts: &[
                ("tickers", fx!("weex/contract-tickers-quirks.json")),
                (
                    "currentFundRate",
                    fx!("weex/contract-current-fund-rate-quirks.json"),
                ),
                ("ticker-24hr", fx!("weex/spot-ticker-24hr-quirks.json")),
            ],
            received_ms: 1_743_588_687_000,
            lines: &[
                "cmt_btcusdt BTC/USDT x1 0.0001/8h next 1743609600000 mark 84005.1 index 84010.2 book 84000.5/84000.6 range 85000/82000 vol 1037000000.5 oi - at 1743588686000",
                "cmt_1000pepeusdt PEPE/USDT x1000 -0.000125/4h next 1743595200000 mark 0.0071005 index 0.0071 book 0.007099/0.0071 range 0.0075/0.0068 vol 35500000 oi - at 1743588686291",
                "cmt_ethusdt ETH/USDT x1 0.0001/1h next 1743591600000 mark 1905.31 index 1905.12 book 1905.29/1905.31 range 1921.7/1862.4 vol 344987123.55 oi - at 1743588686100",
                "cmt_solusdt SOL/USDT x1 0.00005/2h next 1743595200000 mark - index - book -/- range -/- vol - oi - at 1743588680000",
                "spot BTCUSDT_SPBL BTC/USDT book 84001.96/84001.98 range 84890/82977.35 vol 136259711.43 at 1743588686753",
                "spot PEPEUSDT_SPBL PEPE/USDT book 0.00000709/0.0000071 range 0.00000751/0.00000688 vol 43310000 at 1743588686753",
                "spot ETHUSDC_SPBL ETH/USDC book -/1905.3 range 1921/1862 vol 19052 at 1743588686753",
            ],
        },
    ],
    error: fx!("weex/error-system.json"),
    signals: &[
        (200, fx!("weex/error-rate-limit.json"), Signal::Limited),
        (429, "", Signal::Limited),
        (
            200,
            fx!("weex/error-system.json"),
            Signal::Api("40015", "System error"),
        ),
        (
            400,
            r#"{"code":-1121,"msg":"Invalid symbol."}"#,
            Signal::Api("-1121", "Invalid symbol."),
        ),
        (200, fx!("weex/contract-contracts.json"), Signal::Ok),
        (200, fx!("weex/spot-exchangeInfo.json"), Signal::Ok),
        (200, fx!("weex/spot-ticker-24hr.json"), Signal::Ok),
        (403, "<html>WAF</html>", Signal::Ok),
    ],
    broken: &[
        (
            "candles",
            fx!("weex/error-rate-limit.json"),
            "API error 429: Requesting too frequently",
        ),
        ("candles", r#"{"data":[]}"#, "malformed JSON"),
        ("spot-candles", r#"{"data":[]}"#, "no `code`"),
        (
            "spot-candles",
            r#"{"code":"00000","msg":"success"}"#,
            "without a `data` array",
        ),
        (
            "spot-candles",
            fx!("weex/error-system.json"),
            "API error 40015: System error",
        ),
        ("exchangeInfo", "[]", "no `code`"),
        ("tickers", r#"[{"symbol":"#, "malformed JSON"),
        (
            "currentFundRate",
            fx!("weex/error-rate-limit.json"),
            "API error 429",
        ),
        (
            "ticker-24hr",
            r#"{"code":-1121,"msg":"Invalid symbol."}"#,
            "API error -1121: Invalid symbol.",
        ),
        (
            "getHistoryFundRate",
            fx!("weex/error-system.json"),
            "API error 40015",
        ),
        (
            "getHistoryFundRate",
            r#"{"symbol":"cmt_btcusdt"}"#,
            "malformed JSON",
        ),
    ],
    history: &[
        ("[]", &[]),
        (
            fx!("weex/contract-history-fund-rate.json"),
            &["1716595200000 0.0001028"],
        ),
        (
            r#"[{"fundingRate":"0.0001","fundingTime":1743580800000},
        {"fundingRate":"","fundingTime":1743552000000},
        {"fundingRate":"-2E-5","fundingTime":"1743523200000"},{"fundingRate":"0.0001"}]"#,
            &["1743580800000 0.0001", "1743523200000 -0.00002"],
        ),
    ],
    candles: &[
        (Market::Perp, Bar::Day, "[]", &[]),
        (
            Market::Perp,
            Bar::Hour,
            fx!("weex/contract-candles.json"),
            &["1716707460000 69174.4 69174.1 69174.3"],
        ),
        (
            Market::Perp,
            Bar::Day,
            r#"[["1743465600000","1","2","0.5","1.5"],["1743465600000.5","1","2","0.5","1.5"],
        ["1743552000000","1","2",null,"1.5"],[1743379200000,"1","3","0.5","2"]]"#,
            &["1743465600000 2 0.5 1.5", "1743379200000 3 0.5 2"],
        ),
        (
            Market::Spot,
            Bar::Hour,
            fx!("weex/spot-candles.json"),
            &[
                "1743669000000 83778 83531.5 83688.7",
                "1743667200000 83719 83457.9 83654",
            ],
        ),
        (
            Market::Spot,
            Bar::Day,
            r#"{"code":"00000","msg":"success","requestTime":1743669821003,"data":[]}"#,
            &[],
        ),
    ],
    tolerant: &[],
    sane_books: false,
};
