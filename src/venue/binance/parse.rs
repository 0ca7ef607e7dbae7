//! Binance payload parsing (stub).
