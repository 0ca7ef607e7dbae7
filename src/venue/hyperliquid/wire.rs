//! Hyperliquid wire structs (stub).
