//! Okx payload parsing (stub).
