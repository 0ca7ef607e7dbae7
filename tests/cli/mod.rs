//! Themed integration test files and their shared harness.

mod backfill;
mod common;
mod digest;
mod exitcodes;
mod export;
mod failures;
mod firsthour;
mod formulas;
mod limits;
mod notify;
mod output;
mod plan;
mod positions;
mod realised;
mod recovery;
mod sanity;
mod scan;
mod store;
mod tiers;
mod weex;
mod wiring;
