//! Bingx wire structs (stub).
