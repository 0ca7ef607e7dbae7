//! Okx wire structs (stub).
