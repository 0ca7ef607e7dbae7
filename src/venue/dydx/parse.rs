//! Dydx payload parsing (stub).
