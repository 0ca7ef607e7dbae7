//! The margin-tier parsers' suite (tests): one row per venue with a public tier table, the same checks for each.
//!
//! Every row's bodies parse, through [`margin::parse`], to the tiers they pin (floor,
//! maintenance rate, deduction, initial rate), and each of its broken bodies fails naming the
//! endpoint. What only one venue does (Bybit's cursor, OKX's requests by family) stays in that
//! venue's `tiers.rs`.

use rust_decimal::Decimal;

use crate::model::account::MarginTier;
use crate::model::{Reference, Venue};
use crate::venue::{Body, Request, margin};

/// `(symbol, tier count, [(index, "floor m cum im")])`: a count of 0 says the symbol is left
/// out; a value may be a quotient (`1/3/2`, computed as the parser does) or `_` (not pinned).
type Table = (&'static str, usize, &'static [(usize, &'static str)]);

/// One venue's bodies and what they give.
struct Case {
    venue: Venue,
    /// The request the bodies answer.
    request: fn() -> Request,
    /// The reference they are parsed against.
    reference: fn() -> Reference,
    /// Each body and the tables it gives.
    fixtures: &'static [(&'static str, &'static [Table])],
    /// Bodies that fail naming `endpoint`.
    broken: &'static [&'static str],
    endpoint: &'static str,
}

fn get(endpoint: &'static str, host: &'static str) -> Request {
    Request::get(endpoint, host, "/", 1)
}

fn okx_reference() -> Reference {
    let parts = [
        (
            super::super::okx::SWAP_INSTRUMENTS.name,
            include_str!("../../../fixtures/okx/instruments-swap.json"),
        ),
        (
            super::super::okx::SPOT_INSTRUMENTS.name,
            include_str!("../../../fixtures/okx/instruments-spot.json"),
        ),
    ];
    crate::venue::conformance::reference_from(Venue::Okx, &parts)
}

const CASES: &[Case] = &[
    Case {
        venue: Venue::Bybit,
        request: || super::super::bybit::tiers::requests().remove(0),
        reference: Reference::default,
        fixtures: &[
            (
                include_str!("../../../fixtures/bybit/risk-limit-linear.json"),
                &[
                    (
                        "BTCUSDT",
                        3,
                        &[
                            (0, "0 0.005 0 0.01"),
                            (1, "2000000 0.01 10000 0.02"),
                            (2, "6000000 0.015 40000 0.025"),
                        ],
                    ),
                    ("ETHUSDT", 1, &[]),
                ],
            ),
            // Rows missing what a tier needs are skipped, not guessed.
            (
                r#"{"retCode":0,"result":{"list":[{"symbol":"X","riskLimitValue":"1"}]}}"#,
                &[("X", 0, &[])],
            ),
        ],
        broken: &[
            "<html>",
            r#"{"retCode":10001,"retMsg":"params error","result":{}}"#,
            r#"{"retCode":0,"retMsg":"OK"}"#,
            r#"{"retCode":0,"result":{"list":{"a":1}}}"#,
        ],
        endpoint: "risk-limit-linear",
    },
    Case {
        venue: Venue::Okx,
        request: || super::super::okx::tiers::POSITION_TIERS.request(),
        reference: okx_reference,
        // ctVal 0.01 BTC: 2,000 contracts are 20 BTC.
        fixtures: &[(
            include_str!("../../../fixtures/okx/position-tiers-swap.json"),
            &[(
                "BTC-USDT-SWAP",
                3,
                &[
                    (0, "0 0.004 0 0.01"),
                    (1, "20 0.006 0 0.013333"),
                    (2, "40 0.01 0 0.02"),
                ],
            )],
        )],
        broken: &[
            "<html>",
            r#"{"code":"51001","msg":"Instrument ID does not exist","data":[]}"#,
            r#"{"code":"0","data":{"x":1}}"#,
        ],
        endpoint: "position-tiers",
    },
    Case {
        venue: Venue::Bitget,
        request: || super::super::bitget::tiers::POSITION_LEVER.request(),
        reference: Reference::default,
        fixtures: &[(
            include_str!("../../../fixtures/bitget/query-position-lever.json"),
            &[(
                "BTCUSDT",
                3,
                &[
                    (0, "0 0.004 0 0.008"),
                    (1, "150000 0.005 0 0.01"),
                    (2, "750000 0.01 0 0.02"),
                ],
            )],
        )],
        broken: &[
            "<html>",
            r#"{"code":"40034","msg":"Parameter does not exist","data":[]}"#,
            r#"{"code":"00000","data":"x"}"#,
        ],
        endpoint: "query-position-lever",
    },
    Case {
        venue: Venue::Gate,
        request: || get(super::super::gate::CONTRACTS.name, "main"),
        reference: Reference::default,
        // Steps of 1 M up to 8 M: eight tiers, 0.5 % more maintenance and 1 % more initial each.
        fixtures: &[(
            include_str!("../../../fixtures/gate/futures-usdt-contracts.json"),
            &[(
                "BTC_USDT",
                8,
                &[
                    (0, "0 0.005 0 0.01"),
                    (1, "1000000 0.010 0 0.02"),
                    (7, "7000000 0.04 0 0.08"),
                ],
            )],
        )],
        broken: &[r#"{"label":"x"}"#],
        endpoint: "contracts",
    },
    Case {
        venue: Venue::Mexc,
        request: || get(super::super::mexc::CONTRACT_DETAIL.name, "futures"),
        reference: Reference::default,
        // 5 levels; 150,000 contracts of 0.0001 BTC are 15 BTC; +0.004 per level.
        fixtures: &[(
            include_str!("../../../fixtures/mexc/contract-detail.json"),
            &[(
                "BTC_USDT",
                5,
                &[
                    (0, "0 0.004 0 0.008"),
                    (1, "15 0.008 0 0.012"),
                    (2, "30 0.012 0 0.016"),
                    (4, "60 0.02 0 0.024"),
                ],
            )],
        )],
        broken: &["<html>"],
        endpoint: "contract-detail",
    },
    Case {
        venue: Venue::Hyperliquid,
        request: || super::super::hyperliquid::info_request(super::super::hyperliquid::META),
        reference: Reference::default,
        fixtures: &[
            // Table 56: 40x from 0, 20x from 150 M: deduction 150 M × (0.025 − 0.0125). Table 3
            // is not listed: HPOS is one tier at its own 3x.
            (
                include_str!("../../../fixtures/hyperliquid/meta-margin-tables.json"),
                &[
                    (
                        "BTC",
                        2,
                        &[(0, "0 0.0125 0 0.025"), (1, "150000000 0.025 1875000 0.05")],
                    ),
                    ("ETH", 2, &[(0, "0 0.02 0 0.04"), (1, "100000000 _ _ _")]),
                    ("HPOS", 1, &[(0, "0 1/3/2 0 1/3")]),
                ],
            ),
            // The plain meta (no tables, no ids) still gives each perp its one tier.
            (
                include_str!("../../../fixtures/hyperliquid/meta.json"),
                &[("BTC", 1, &[(0, "0 0.01 0 0.02")])],
            ),
        ],
        broken: &["<html>", r#"{"universe":[],"marginTables":{"a":1}}"#],
        endpoint: "meta",
    },
    Case {
        venue: Venue::Dydx,
        request: || get(super::super::dydx::PERPETUAL_MARKETS.name, "main"),
        reference: Reference::default,
        fixtures: &[(
            include_str!("../../../fixtures/dydx/perpetualMarkets.json"),
            &[("BTC-USD", 1, &[(0, "0 0.012 0 0.02")])],
        )],
        broken: &[r#"{"markets":[1]}"#],
        endpoint: "perpetualMarkets",
    },
    Case {
        venue: Venue::Kraken,
        request: || get(super::super::kraken::INSTRUMENTS.name, "main"),
        reference: Reference::default,
        // Flexible futures' levels meet at each floor; inverse ones are left out.
        fixtures: &[(
            include_str!("../../../fixtures/kraken/instruments.json"),
            &[
                (
                    "PF_ETHUSD",
                    2,
                    &[(0, "0 0.01 0 0.02"), (1, "2000000 0.02 20000 0.04")],
                ),
                ("PI_XBTUSD", 0, &[]),
            ],
        )],
        broken: &[r#"{"instruments":{}}"#],
        endpoint: "instruments",
    },
];

/// A tier as `floor m cum im` (`-` for no initial rate), with `_` where `pinned` has one.
fn line(t: &MarginTier, pinned: &str) -> String {
    let im = t
        .initial_rate
        .map_or_else(|| "-".to_owned(), |d| d.normalize().to_string());
    let values = [t.floor, t.maintenance_rate, t.cum].map(|d| d.normalize().to_string());
    values
        .into_iter()
        .chain([im])
        .zip(pinned.split(' '))
        .map(|(v, w)| if w == "_" { w.to_owned() } else { v })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `pinned` with its quotients computed (`1/3/2`) and its values normalised.
fn expected(pinned: &str) -> String {
    let value = |v: &str| {
        let mut parts = v
            .split('/')
            .map(|p| p.parse::<Decimal>().expect("test decimal"));
        let first = parts.next().expect("a value");
        parts.fold(first, |acc, d| acc / d).normalize().to_string()
    };
    pinned
        .split(' ')
        .map(|v| {
            if v == "_" || v == "-" {
                v.to_owned()
            } else {
                value(v)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn tier_tables_parse_to_their_rows_and_broken_bodies_name_the_endpoint() {
    for case in CASES {
        let (request, reference) = ((case.request)(), (case.reference)());
        for (body, tables) in case.fixtures {
            let tiers = margin::parse_one(case.venue, &request, body, &reference)
                .unwrap_or_else(|e| panic!("{:?}: {e}", case.venue));
            for (symbol, count, rows) in *tables {
                let table = tiers.get(*symbol).map_or(&[][..], Vec::as_slice);
                assert_eq!(table.len(), *count, "{:?} {symbol}", case.venue);
                for (i, pinned) in *rows {
                    let got = line(&table[*i], pinned);
                    assert_eq!(got, expected(pinned), "{:?} {symbol}[{i}]", case.venue);
                }
            }
        }
        for body in case.broken {
            let bodies = [Body {
                request: &request,
                bytes: body.as_bytes(),
            }];
            let err =
                margin::parse(case.venue, &bodies, &reference).expect_err("a broken body fails");
            assert!(
                err.to_string().contains(case.endpoint),
                "{:?}: {err}",
                case.venue
            );
        }
    }
}
