//! Gate wire structs (stub).
