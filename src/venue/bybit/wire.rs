//! Bybit wire structs (stub).
