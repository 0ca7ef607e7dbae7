//! Themed integration test files and their shared harness.

mod backfill;
mod common;
mod failures;
mod formulas;
mod limits;
mod notify;
mod scan;
mod store;
