//! §8 Moderator use cases: kicking, voice, the voice list.
//!
//! Roles change by nick (`muc#admin` items with `nick` and `role`); every
//! change is broadcast as presence, which muc-client turns into
//! [`RoomEvent::RoleChange`](muc_client::RoomEvent::RoleChange),
//! [`RoomEvent::Leave`](muc_client::RoomEvent::Leave) and, for the local user,
//! [`RoomEvent::Exit`](muc_client::RoomEvent::Exit).
//!
//! | file | sections |
//! |---|---|
//! | [`kick`] | §8.2 kicking, and who may kick whom |
//! | [`voice`] | §8.3–§8.5 voice, whose may not be revoked, the voice list |

use crate::runner::Scenario;

pub mod kick;
pub mod voice;

/// The scenarios of this group, in report order: its files' in turn.
pub fn scenarios() -> Vec<Scenario> {
    [kick::scenarios(), voice::scenarios()]
        .into_iter()
        .flatten()
        .collect()
}
