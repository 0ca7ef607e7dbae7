//! Dydx-format payloads for a synthetic universe (stub).

use super::{Route, Universe};

/// Routes serving `universe` in Dydx's formats.
#[must_use]
pub fn routes(_universe: &Universe) -> Vec<Route> {
    Vec::new()
}
