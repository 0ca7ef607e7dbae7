//! Bybit payload parsing (stub).
