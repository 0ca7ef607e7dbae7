//! Loopback HTTP server for demo and tests (stub).
