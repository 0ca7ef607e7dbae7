//! Deribit wire structs (stub).
