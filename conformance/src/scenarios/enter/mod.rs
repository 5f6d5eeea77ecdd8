//! §7.2 Entering a room: the join sequence, the refusals (§7.2.5–§7.2.10),
//! the status codes of the self-presence (100, 170, 201, 210) and the
//! discussion history (§7.2.13–§7.2.14).
//!
//! | file | sections |
//! |---|---|
//! | [`basic`] | §7.1, §7.2.1, §7.2.10, §10.1.1 entering, its order, creating, the locked room |
//! | [`access`] | §7.2.5–§7.2.9 passwords, members-only, bans, nick conflicts, full rooms |
//! | [`status`] | §5.1.3, §7.2.3, §7.2.4, §7.2.12, §7.10 roles on entry and the self-presence's status codes |
//! | [`history`] | §7.2.13–§7.2.14 the discussion history |

use crate::runner::Scenario;

pub mod access;
pub mod basic;
pub mod history;
pub mod status;

/// The scenarios of this group, in report order: its files' in turn.
pub fn scenarios() -> Vec<Scenario> {
    [
        basic::scenarios(),
        access::scenarios(),
        status::scenarios(),
        history::scenarios(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
