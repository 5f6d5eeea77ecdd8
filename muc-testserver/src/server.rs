//! Starting, inspecting and stopping the server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use jid::{BareJid, FullJid};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::faults::Faults;
use crate::muc::{MucService, RoomInfo, RoomSpec};
use crate::profile::Profile;
use crate::router::{Hub, Limits};
use crate::session::run_connection;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Binding the TCP listener failed.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The requested port.
        port: u16,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The domain, a user name or a room name is not valid in a JID.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Builder for a [`Server`]; see [`Server::builder`].
#[derive(Debug, Clone)]
pub struct ServerBuilder {
    port: u16,
    domain: String,
    profile: Profile,
    users: Vec<(String, String)>,
    rooms: Vec<RoomSpec>,
    scram: bool,
    limits: Limits,
    allow_room_creation: bool,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        ServerBuilder {
            port: 0,
            domain: "localhost".into(),
            profile: Profile::default(),
            users: Vec::new(),
            rooms: Vec::new(),
            scram: false,
            limits: Limits {
                max_stanza_size: 256 * 1024,
                max_queue: 20_000,
                max_stanzas_per_second: Some(2_000),
            },
            allow_room_creation: true,
        }
    }
}

impl ServerBuilder {
    /// Listen on this port of 127.0.0.1 (default 0: a free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The server's domain (default `localhost`); the MUC service is
    /// `conference.<domain>`.
    pub fn domain(mut self, domain: &str) -> Self {
        self.domain = domain.to_owned();
        self
    }

    /// Which server to imitate (default [`Profile::Prosody`]).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// Add an account (local part and password).
    pub fn user(mut self, name: &str, password: &str) -> Self {
        self.users.push((name.to_owned(), password.to_owned()));
        self
    }

    /// Add accounts.
    pub fn users<'a>(mut self, users: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        for (u, p) in users {
            self = self.user(u, p);
        }
        self
    }

    /// Create a room at start (persistent, unlocked).
    pub fn room(mut self, room: RoomSpec) -> Self {
        self.rooms.push(room);
        self
    }

    /// Also offer SCRAM-SHA-256 and SCRAM-SHA-1 (tokio-xmpp then picks
    /// SCRAM-SHA-256). Off by default: PLAIN is much faster in debug builds.
    pub fn scram(mut self, on: bool) -> Self {
        self.scram = on;
        self
    }

    /// Largest stanza a client may send, in bytes (default 256 KiB); a larger
    /// one ends the session with `<policy-violation/>`.
    pub fn max_stanza_size(mut self, bytes: usize) -> Self {
        self.limits.max_stanza_size = bytes;
        self
    }

    /// Stanzas per second a client may send on average (bursts of twice as
    /// many); beyond that the session ends with `<policy-violation/>`.
    /// Default 2000; `None` disables the limit.
    pub fn max_stanzas_per_second(mut self, rate: Option<u32>) -> Self {
        self.limits.max_stanzas_per_second = rate;
        self
    }

    /// How many stanzas may wait for a client that does not read before its
    /// session ends with `<resource-constraint/>` (default 20000).
    pub fn max_queue(mut self, stanzas: usize) -> Self {
        self.limits.max_queue = stanzas;
        self
    }

    /// Whether joins may create rooms (default true; false answers
    /// `<not-allowed/>` like Prosody's `restrict_room_creation`).
    pub fn allow_room_creation(mut self, allow: bool) -> Self {
        self.allow_room_creation = allow;
        self
    }

    /// Bind the listener and start accepting connections. Must be called
    /// inside a tokio runtime.
    pub async fn start(self) -> Result<Server, StartError> {
        BareJid::new(&self.domain).map_err(|e| StartError::Config(format!("domain: {e}")))?;
        let muc_domain = format!("conference.{}", self.domain);
        let mut muc = MucService::new(muc_domain.clone(), self.profile);
        muc.allow_room_creation = self.allow_room_creation;
        for spec in &self.rooms {
            muc.create_room(spec).map_err(StartError::Config)?;
        }
        let mut users = HashMap::new();
        for (u, p) in &self.users {
            BareJid::new(&format!("{u}@{}", self.domain))
                .map_err(|e| StartError::Config(format!("user {u:?}: {e}")))?;
            users.insert(u.clone(), p.clone());
        }
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .map_err(|source| StartError::Bind {
                port: self.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Bind {
            port: self.port,
            source,
        })?;
        let hub = Arc::new(Hub::new(
            self.domain.clone(),
            muc,
            self.profile,
            self.limits.clone(),
            self.scram,
            users,
        ));
        let accept_hub = hub.clone();
        let accept = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((tcp, peer)) => {
                        tracing::debug!(%peer, "connection accepted");
                        tokio::spawn(run_connection(accept_hub.clone(), tcp));
                    }
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
            }
        });
        tracing::info!(%addr, domain = %self.domain, profile = %self.profile, "muc-testserver listening");
        Ok(Server {
            hub,
            addr,
            accept: Some(accept),
        })
    }
}

/// A running server. Dropping it shuts it down (without waiting; use
/// [`Server::shutdown`] to wait for the sessions to close).
pub struct Server {
    hub: Arc<Hub>,
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .field("domain", &self.hub.domain)
            .field("profile", &self.hub.profile)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A builder with the defaults: free port, domain `localhost`, Prosody
    /// profile, no users, no rooms.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The listening address (`127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's domain.
    pub fn domain(&self) -> &str {
        &self.hub.domain
    }

    /// The MUC service's domain (`conference.<domain>`).
    pub fn muc_domain(&self) -> &str {
        &self.hub.muc_domain
    }

    /// The imitated server.
    pub fn profile(&self) -> Profile {
        self.hub.profile
    }

    /// The bare JID of a room by local part: `room_jid("lobby")` is
    /// `lobby@conference.localhost`.
    pub fn room_jid(&self, name: &str) -> String {
        format!("{name}@{}", self.hub.muc_domain)
    }

    /// The fault-injection handle.
    pub fn faults(&self) -> Faults {
        Faults {
            rules: self.hub.rules.clone(),
            hub: Arc::downgrade(&self.hub),
        }
    }

    /// Add or replace an account while running.
    pub fn add_user(&self, name: &str, password: &str) {
        self.hub.add_user(name, password);
    }

    /// Create a room while running (persistent, unlocked).
    pub fn create_room(&self, spec: RoomSpec) -> Result<(), String> {
        self.hub.with_muc(|m| m.create_room(&spec))
    }

    /// The bound sessions.
    pub fn sessions(&self) -> Vec<FullJid> {
        self.hub.sessions()
    }

    /// A snapshot of a room (`"lobby"` or `"lobby@conference.localhost"`).
    pub fn room(&self, room: &str) -> Option<RoomInfo> {
        let full = if room.contains('@') {
            room.to_owned()
        } else {
            self.room_jid(room)
        };
        let jid: BareJid = full.parse().ok()?;
        self.hub.with_muc(|m| m.info(&jid))
    }

    /// The bare JIDs of all rooms.
    pub fn rooms(&self) -> Vec<String> {
        self.hub.with_muc(|m| m.room_jids())
    }

    /// Shut down cleanly: every occupant gets status 332, every session
    /// `<system-shutdown/>`, then wait (at most 5 s) for the connections to
    /// close.
    pub async fn shutdown(mut self) {
        self.stop_accepting();
        self.hub.begin_shutdown();
        let wait = async {
            while self.hub.live_connections() > 0 {
                let notified = self.hub.idle.notified();
                if self.hub.live_connections() == 0 {
                    break;
                }
                let _ = tokio::time::timeout(Duration::from_millis(50), notified).await;
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(5), wait).await;
    }

    fn stop_accepting(&mut self) {
        if let Some(a) = self.accept.take() {
            a.abort();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_accepting();
        self.hub.begin_shutdown();
    }
}
