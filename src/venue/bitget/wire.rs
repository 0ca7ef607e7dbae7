//! Bitget wire structs (stub).
