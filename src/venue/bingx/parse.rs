//! Bingx payload parsing (stub).
