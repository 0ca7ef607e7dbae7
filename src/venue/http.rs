//! HTTP client (stub).
