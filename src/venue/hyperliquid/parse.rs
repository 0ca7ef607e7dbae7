//! Hyperliquid payload parsing (stub).
