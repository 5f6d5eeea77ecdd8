//! What every scenario needs: connected clients, fresh rooms, and waits
//! with deadlines (a scenario never hangs; the runner also times it out).
//!
//! | module | what |
//! |---|---|
//! | [`connect`](mod@connect) | connecting the pre-registered (or fresh) users, closing them |
//! | [`rooms`] | joining, creating and configuring rooms; affiliation and role changes |
//! | [`waits`] | waiting for events (or for none) with deadlines |
//! | [`checks`] | reading refusals, lists and events; turning findings into an outcome |
//! | [`proxy`] | a TCP proxy a scenario can cut, hold and filter |
//!
//! Scenario files import everything at once (`use crate::scenarios::support::*`).

use std::time::Duration;

pub mod checks;
pub mod connect;
pub mod proxy;
pub mod rooms;
pub mod waits;

pub use checks::*;
pub use connect::*;
pub use proxy::*;
pub use rooms::*;
pub use waits::*;

/// The error type of scenario bodies: any message.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// How long a scenario waits for one thing to happen.
pub const WAIT: Duration = Duration::from_secs(10);

/// How long a scenario waits to be sure something does NOT happen.
pub const QUIET: Duration = Duration::from_millis(700);
