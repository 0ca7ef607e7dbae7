//! Binance wire structs (stub).
