//! Kraken wire structs (stub).
