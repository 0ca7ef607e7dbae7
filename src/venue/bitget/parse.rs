//! Bitget payload parsing (stub).
