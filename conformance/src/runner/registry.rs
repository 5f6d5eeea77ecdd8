//! The list of every scenario of the suite.
//!
//! A group is a scenario file `src/scenarios/<group>.rs`, or a folder
//! `src/scenarios/<group>/` whose `mod.rs` concatenates the `scenarios()` of its
//! files in report order; either exposes `pub fn scenarios() -> Vec<Scenario>`.
//! To add a group: declare the module in `src/scenarios/mod.rs` and add one line
//! `crate::scenarios::<group>::scenarios,` to [`GROUPS`]. To add a file to a folder
//! group: declare it in the folder's `mod.rs` and add its `scenarios()` there, in
//! report order. Ids must be unique (checked by [`check_ids`], which the runner calls).

use std::collections::HashSet;

use super::Scenario;

/// One function per scenario group (a file, or a folder of files), in report order.
pub const GROUPS: &[fn() -> Vec<Scenario>] = &[
    crate::scenarios::discovery::scenarios,
    crate::scenarios::enter::scenarios,
    crate::scenarios::occupants::scenarios,
    crate::scenarios::messages::scenarios,
    crate::scenarios::exit::scenarios,
    crate::scenarios::invites::scenarios,
    crate::scenarios::session::scenarios,
    crate::scenarios::moderation::scenarios,
    crate::scenarios::admin::scenarios,
    crate::scenarios::owner::scenarios,
];

/// Every registered scenario, in report order.
pub fn registry() -> Vec<Scenario> {
    GROUPS.iter().flat_map(|group| group()).collect()
}

/// Checks that every id is unique, non-empty and made of `a-z`, `0-9`, `.`, `_`, `-`.
pub fn check_ids(scenarios: &[Scenario]) -> Result<(), String> {
    let mut seen = HashSet::new();
    for s in scenarios {
        let ok_chars =
            s.id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if s.id.is_empty() || !ok_chars {
            return Err(format!(
                "scenario id {:?} must be non-empty and use only a-z, 0-9, '.', '_', '-'",
                s.id
            ));
        }
        if !seen.insert(s.id) {
            return Err(format!("scenario id {:?} is registered twice", s.id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_ids_are_valid_and_hold_no_demo_scenarios() {
        let all = registry();
        check_ids(&all).unwrap();
        assert!(
            all.iter().all(|s| !s.id.starts_with("demo.")),
            "demo scenarios leaked into the registry"
        );
    }
}
