//! The `embedded` backend: `muc-testserver` in-process, on a free loopback port.
//!
//! It imitates Prosody by default; [`EmbeddedOptions::profile`](super::EmbeddedOptions)
//! selects ejabberd's behaviour instead.

use std::net::SocketAddr;

use super::{Account, Backend, BackendError, Probe, ServerConfig};

/// A running in-process server. Dropping it begins its shutdown (without waiting).
#[derive(Debug)]
pub(crate) struct EmbeddedInstance {
    server: Option<muc_testserver::Server>,
}

impl EmbeddedInstance {
    /// Adds (or replaces) an account on the running server.
    pub(crate) async fn register(&self, account: &Account) -> Result<(), BackendError> {
        match &self.server {
            Some(server) => {
                server.add_user(account.username(), account.password());
                Ok(())
            }
            None => Err(BackendError::Unavailable {
                backend: Backend::Embedded,
                reason: "the server was stopped".to_owned(),
            }),
        }
    }

    /// Shuts down: occupants get status 332, sessions `<system-shutdown/>`; waits ≤ 5 s.
    pub(crate) async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }
}

/// Nothing to install: it is part of the workspace.
pub(crate) fn probe() -> Probe {
    Probe::Installed
}

/// Starts the in-process server with the configured accounts.
pub(crate) async fn start(
    config: &ServerConfig,
) -> Result<(EmbeddedInstance, SocketAddr), BackendError> {
    let server = muc_testserver::Server::builder()
        .profile(config.embedded.profile)
        .users(config.users.iter().map(|a| (a.username(), a.password())))
        .start()
        .await
        .map_err(|e| BackendError::Startup {
            backend: Backend::Embedded,
            message: e.to_string(),
            log: None,
            tail: String::new(),
        })?;
    let addr = server.addr();
    Ok((
        EmbeddedInstance {
            server: Some(server),
        },
        addr,
    ))
}
