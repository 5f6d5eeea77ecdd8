//! Scenarios: see the table in [`super`].

use crate::runner::Scenario;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![]
}
