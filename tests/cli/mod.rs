//! Themed integration test files and their shared harness.

mod common;
mod failures;
mod formulas;
mod notify;
mod scan;
mod store;
