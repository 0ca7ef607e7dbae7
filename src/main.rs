//! basis binary entry point.
fn main() {}
