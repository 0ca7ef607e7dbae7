//! Gate payload parsing (stub).
