//! §7.4 messages to all occupants (reflection, tracking), §7.5 private
//! messages, §7.2.15 and §8.1 the room subject.
//!
//! | file | sections |
//! |---|---|
//! | [`groupchat`] | §7.4 messages to all occupants |
//! | [`private`] | §7.5 private messages |
//! | [`subject`] | §7.2.15, §8.1 the room subject |

use crate::runner::Scenario;

pub mod groupchat;
pub mod private;
pub mod subject;

/// The scenarios of this group, in report order: its files' in turn.
pub fn scenarios() -> Vec<Scenario> {
    [
        groupchat::scenarios(),
        private::scenarios(),
        subject::scenarios(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
