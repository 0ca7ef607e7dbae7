//! Themed integration test files and their shared harness.

mod common;
mod failures;
mod formulas;
mod scan;
mod store;
