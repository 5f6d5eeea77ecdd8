//! §7.8 invitations (mediated, declines, direct XEP-0249), §7.10
//! registration, §7.12 the reserved nick, §7.13 voice requests.
//!
//! | file | sections |
//! |---|---|
//! | [`mediated`] | §7.8.2 mediated invitations and declines |
//! | [`direct`] | §7.8.1 direct invitations (XEP-0249) |
//! | [`voice`] | §7.13 voice requests |
//! | [`register`] | §7.10 registration, §7.12 the reserved nick |

use crate::runner::Scenario;

pub mod direct;
pub mod mediated;
pub mod register;
pub mod voice;

/// The scenarios of this group, in report order: its files' in turn.
pub fn scenarios() -> Vec<Scenario> {
    [
        mediated::scenarios(),
        direct::scenarios(),
        voice::scenarios(),
        register::scenarios(),
    ]
    .into_iter()
    .flatten()
    .collect()
}
