//! Dydx wire structs (stub).
