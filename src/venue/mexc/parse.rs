//! Mexc payload parsing (stub).
