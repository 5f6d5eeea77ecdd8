//! §9 Admin use cases: bans, membership, moderator status and their lists.
//!
//! Affiliations change by bare JID (`muc#admin` items with `jid` and
//! `affiliation`), roles by nick; occupants see the changes as
//! [`RoomEvent::AffiliationChange`](muc_client::RoomEvent::AffiliationChange),
//! [`RoomEvent::RoleChange`](muc_client::RoomEvent::RoleChange) and removals.
//!
//! | file | sections |
//! |---|---|
//! | [`ban`] | §9.1–§9.2 banning, the ban list |
//! | [`member`] | §9.3–§9.5 membership, the member list, members-only entry |
//! | [`moderator`] | §9.6–§9.8 moderator status, the moderator list |
//! | [`refused`] | §9 what a participant may not do |
//! | [`delta`] | the list deltas of §9.2 and §9.5 (no scenarios) |

use crate::runner::Scenario;

pub mod ban;
pub mod delta;
pub mod member;
pub mod moderator;
pub mod refused;

/// The scenarios of this group, in report order: its files' in turn.
pub fn scenarios() -> Vec<Scenario> {
    [
        ban::scenarios(),
        member::scenarios(),
        moderator::scenarios(),
        refused::scenarios(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
