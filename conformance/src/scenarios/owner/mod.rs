//! §10 Owner use cases: creating rooms, configuration and its
//! notifications, owners and admins and their lists, destruction; and the
//! checks that [`Room::capabilities`](muc_client::Room::capabilities) agree
//! with what the server then allows.
//!
//! | file | sections |
//! |---|---|
//! | [`create`] | §10.1 creating a room (instant, reserved, cancelled) |
//! | [`config`] | §10.2 later configuration, its notices and who may |
//! | [`owners`] | §10.3–§10.5 owner status and the owner list |
//! | [`admins`] | §10.6–§10.8 admin status and the admin list |
//! | [`destroy`] | §10.9 destroying a room |
//! | [`capabilities`] | §10 affiliations without joining; capabilities against the server |

use crate::runner::Scenario;

pub mod admins;
pub mod capabilities;
pub mod config;
pub mod create;
pub mod destroy;
pub mod owners;

/// The scenarios of this group, in report order: its files' in turn.
pub fn scenarios() -> Vec<Scenario> {
    [
        create::scenarios(),
        config::scenarios(),
        owners::scenarios(),
        admins::scenarios(),
        destroy::scenarios(),
        capabilities::scenarios(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
