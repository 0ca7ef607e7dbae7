//! Deribit payload parsing (stub).
