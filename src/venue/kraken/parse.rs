//! Kraken payload parsing (stub).
