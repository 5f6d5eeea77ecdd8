//! Throwaway XMPP servers for the conformance suite.
//!
//! A [`Backend`] names a server the harness can start; [`Backend::start`] gives a
//! [`RunningServer`] with its own temporary directory, free loopback ports and a set of
//! pre-registered [`Account`]s. Dropping the `RunningServer` stops the server by PID
//! (SIGTERM, then SIGKILL after a grace period) and removes the temporary directory;
//! [`RunningServer::stop`] does the same without blocking the async runtime.
//!
//! Every instance is isolated (directory, ports, Erlang node name and cookie), so
//! several backends, or several instances of one backend, can run at once.
//!
//! Before starting, [`Backend::availability`] tells whether a backend can run here:
//! a missing server binary is an error with an install hint, unless the
//! [`SKIP_ENV`] environment variable names the backend, in which case it is skipped.

mod account;
mod availability;
mod config;
#[cfg(feature = "containers")]
mod containers;
mod docker;
mod ejabberd;
mod embedded;
mod error;
mod process;
mod prosody;
mod running;
mod stream_probe;

use std::fmt;
use std::str::FromStr;

pub use account::{Account, DEFAULT_USER_NAMES, default_accounts};
pub use availability::{Availability, INSTALL_HINT, Probe, SKIP_ENV, decide, skip_list_names};
pub use config::{EjabberdOptions, EmbeddedOptions, ProsodyOptions, ServerConfig};
pub use error::BackendError;
pub use muc_testserver::Profile as EmbeddedProfile;
pub use running::RunningServer;

/// The XMPP domain every backend serves.
pub const DOMAIN: &str = "localhost";
/// The MUC service every backend runs.
pub const MUC_DOMAIN: &str = "conference.localhost";

/// A server the harness can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Backend {
    /// `muc-testserver`, in-process.
    Embedded,
    /// Prosody from the system package, as a native child process.
    Prosody,
    /// ejabberd from the system package, as a native child process (`erl`, no epmd).
    Ejabberd,
    /// Prosody from its official container image (cargo feature `containers`).
    ProsodyContainer,
    /// ejabberd from its official container image (cargo feature `containers`).
    EjabberdContainer,
}

impl Backend {
    /// Every backend, in report column order.
    pub const ALL: [Backend; 5] = [
        Backend::Embedded,
        Backend::Prosody,
        Backend::Ejabberd,
        Backend::ProsodyContainer,
        Backend::EjabberdContainer,
    ];

    /// The backends the suite runs when none are named: embedded, prosody, ejabberd.
    pub const DEFAULT: [Backend; 3] = [Backend::Embedded, Backend::Prosody, Backend::Ejabberd];

    /// The backends the group name `containers` stands for.
    pub const CONTAINERS: [Backend; 2] = [Backend::ProsodyContainer, Backend::EjabberdContainer];

    /// The backend's name, as used in `--servers`, in `MUC_SKIP_SERVERS` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Embedded => "embedded",
            Backend::Prosody => "prosody",
            Backend::Ejabberd => "ejabberd",
            Backend::ProsodyContainer => "prosody-container",
            Backend::EjabberdContainer => "ejabberd-container",
        }
    }

    /// Whether this backend runs its server in a container.
    pub fn is_container(self) -> bool {
        matches!(self, Backend::ProsodyContainer | Backend::EjabberdContainer)
    }

    /// Parses a comma-separated list such as `embedded,prosody,ejabberd,containers`.
    ///
    /// `containers` expands to both container backends. Duplicates are dropped, the
    /// order of first mention is kept.
    ///
    /// ```
    /// use conformance::backend::Backend;
    /// let list = Backend::parse_list("prosody, containers").unwrap();
    /// assert_eq!(list, vec![Backend::Prosody, Backend::ProsodyContainer, Backend::EjabberdContainer]);
    /// ```
    pub fn parse_list(list: &str) -> Result<Vec<Backend>, BackendError> {
        let mut out = Vec::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let group: Vec<Backend> = if name.eq_ignore_ascii_case("containers") {
                Backend::CONTAINERS.to_vec()
            } else {
                vec![name.parse()?]
            };
            for backend in group {
                if !out.contains(&backend) {
                    out.push(backend);
                }
            }
        }
        Ok(out)
    }

    /// Checks whether this backend can run here, reading [`SKIP_ENV`] from the environment.
    ///
    /// See [`decide`] for the rules.
    pub fn availability(self) -> Availability {
        let skip = std::env::var(SKIP_ENV).ok();
        decide(self, skip.as_deref(), &self.probe())
    }

    /// Looks for what this backend needs (binaries, a Docker engine), without starting it.
    pub fn probe(self) -> Probe {
        match self {
            Backend::Embedded => embedded::probe(),
            Backend::Prosody => prosody::probe(),
            Backend::Ejabberd => ejabberd::probe(),
            Backend::ProsodyContainer | Backend::EjabberdContainer => docker::probe(),
        }
    }

    /// Starts a fresh, isolated instance of this backend.
    ///
    /// Every wait has a timeout (`config.startup_timeout`); a server that does not come up
    /// gives [`BackendError::Startup`] with the tail of its log.
    pub async fn start(self, config: &ServerConfig) -> Result<RunningServer, BackendError> {
        running::start(self, config).await
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = BackendError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Backend::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| BackendError::UnknownBackend {
                name: s.trim().to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for b in Backend::ALL {
            assert_eq!(b.name().parse::<Backend>().unwrap(), b);
        }
        assert!("openfire".parse::<Backend>().is_err());
    }

    #[test]
    fn parse_list_expands_containers_and_dedups() {
        let l = Backend::parse_list("embedded,prosody,,ejabberd,prosody").unwrap();
        assert_eq!(l, Backend::DEFAULT.to_vec());
        let l = Backend::parse_list("containers,prosody-container").unwrap();
        assert_eq!(l, Backend::CONTAINERS.to_vec());
        assert!(Backend::parse_list("prosody,nope").is_err());
    }
}
