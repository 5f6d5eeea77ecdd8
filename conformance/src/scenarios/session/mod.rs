//! The session around the rooms: self-ping (XEP-0410, for the ghosts of
//! §18.1.2), reconnecting and rejoining (§7.2.1 again, with the history of
//! §7.2.14 covering the gap), and message tracking (§7.4) when the room
//! rewrites ids or the stream goes away.
//!
//! Every scenario here puts a [`TcpProxy`](super::support::TcpProxy)
//! between one client and the server, so it runs the same on every backend.
//!
//! | file | what |
//! |---|---|
//! | [`self_ping`] | XEP-0410 self-ping, answered and after a silent removal |
//! | [`reconnect`] | a cut connection: rejoin, history gap, presence, offline requests |
//! | [`tracking`] | message tracking with rewritten ids, a lost stream, a timeout |

use crate::runner::Scenario;

pub mod reconnect;
pub mod self_ping;
pub mod tracking;

/// The scenarios of this group, in report order: its files' in turn.
pub fn scenarios() -> Vec<Scenario> {
    [
        self_ping::scenarios(),
        reconnect::scenarios(),
        tracking::scenarios(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
