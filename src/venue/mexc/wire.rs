//! Mexc wire structs (stub).
