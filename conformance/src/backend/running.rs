//! [`RunningServer`]: a started backend, its address, domains and accounts.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[cfg(feature = "containers")]
use super::containers::ContainerInstance;
use super::ejabberd::{self, EjabberdInstance};
use super::embedded::{self, EmbeddedInstance};
use super::prosody::{self, ProsodyInstance};
use super::{Account, Backend, BackendError, DOMAIN, MUC_DOMAIN, ServerConfig};

/// A started server. Dropping it stops the server (by PID: SIGTERM, then SIGKILL after the
/// grace period, blocking the current thread meanwhile) and removes its temporary directory;
/// prefer [`RunningServer::stop`] in async code.
///
/// ```no_run
/// # async fn demo() -> Result<(), conformance::backend::BackendError> {
/// use conformance::backend::{Backend, ServerConfig};
/// let server = Backend::Prosody.start(&ServerConfig::default()).await?;
/// let alice = server.user("alice").expect("a default user");
/// println!("{} / {} at {}", alice.jid(), alice.password(), server.addr());
/// assert_eq!(server.muc_domain(), "conference.localhost");
/// server.stop().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RunningServer {
    backend: Backend,
    addr: SocketAddr,
    users: Vec<Account>,
    startup: Duration,
    fresh_users: AtomicU64,
    tag: String,
    instance: Instance,
}

#[derive(Debug)]
enum Instance {
    Prosody(ProsodyInstance),
    Ejabberd(EjabberdInstance),
    Embedded(EmbeddedInstance),
    #[cfg(feature = "containers")]
    Container(Box<ContainerInstance>),
    Detached,
}

pub(crate) async fn start(
    backend: Backend,
    config: &ServerConfig,
) -> Result<RunningServer, BackendError> {
    let started = Instant::now();
    let (instance, addr) = match backend {
        Backend::Prosody => {
            let (i, addr) = prosody::start(config).await?;
            (Instance::Prosody(i), addr)
        }
        Backend::Ejabberd => {
            let (i, addr) = ejabberd::start(config).await?;
            (Instance::Ejabberd(i), addr)
        }
        Backend::Embedded => {
            let (i, addr) = embedded::start(config).await?;
            (Instance::Embedded(i), addr)
        }
        #[cfg(feature = "containers")]
        Backend::ProsodyContainer | Backend::EjabberdContainer => {
            let (i, addr) = super::containers::start(backend, config).await?;
            (Instance::Container(Box::new(i)), addr)
        }
        #[cfg(not(feature = "containers"))]
        Backend::ProsodyContainer | Backend::EjabberdContainer => {
            return Err(BackendError::Unavailable {
                backend,
                reason: "conformance was built without the cargo feature `containers`".to_owned(),
            });
        }
    };
    let startup = started.elapsed();
    tracing::info!(%backend, %addr, ?startup, "server ready");
    Ok(RunningServer {
        backend,
        addr,
        users: config.users.clone(),
        startup,
        fresh_users: AtomicU64::new(0),
        tag: super::process::random_hex(3),
        instance,
    })
}

impl RunningServer {
    /// Describes a server this harness does not own: nothing is started, stopped or
    /// registered (`register_user` fails). For pointing the runner at a server run by
    /// hand, and for testing the runner without a server.
    pub fn detached(backend: Backend, addr: SocketAddr, users: Vec<Account>) -> RunningServer {
        RunningServer {
            backend,
            addr,
            users,
            startup: Duration::ZERO,
            fresh_users: AtomicU64::new(0),
            tag: super::process::random_hex(3),
            instance: Instance::Detached,
        }
    }

    /// Which backend this is.
    pub fn kind(&self) -> Backend {
        self.backend
    }

    /// The client-to-server address (always on 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The XMPP domain: `localhost`.
    pub fn domain(&self) -> &str {
        DOMAIN
    }

    /// The MUC service: `conference.localhost`.
    pub fn muc_domain(&self) -> &str {
        MUC_DOMAIN
    }

    /// The accounts registered at start.
    pub fn users(&self) -> &[Account] {
        &self.users
    }

    /// The pre-registered account with this user name.
    pub fn user(&self, username: &str) -> Option<&Account> {
        self.users.iter().find(|a| a.username() == username)
    }

    /// How long [`Backend::start`] took, from the call to "ready with users registered".
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// The PID of the server process (native backends only).
    pub fn pid(&self) -> Option<u32> {
        match &self.instance {
            Instance::Prosody(i) => Some(i.pid()),
            Instance::Ejabberd(i) => Some(i.pid()),
            _ => None,
        }
    }

    /// The instance's temporary directory (native backends only).
    pub fn dir(&self) -> Option<&Path> {
        match &self.instance {
            Instance::Prosody(i) => Some(i.dir()),
            Instance::Ejabberd(i) => Some(i.dir()),
            _ => None,
        }
    }

    /// The server's main log file (native backends only).
    pub fn log_path(&self) -> Option<PathBuf> {
        match &self.instance {
            Instance::Prosody(i) => Some(i.log_path()),
            Instance::Ejabberd(i) => Some(i.log_path()),
            _ => None,
        }
    }

    /// The last `lines` lines of the server log, for failure messages.
    pub fn log_tail(&self, lines: usize) -> Option<String> {
        self.log_path().map(|p| super::process::log_tail(&p, lines))
    }

    /// Registers another account on the running server.
    pub async fn register_user(&self, account: &Account) -> Result<(), BackendError> {
        match &self.instance {
            Instance::Prosody(i) => i.register(account).await,
            Instance::Ejabberd(i) => i.register(account).await,
            Instance::Embedded(i) => i.register(account).await,
            #[cfg(feature = "containers")]
            Instance::Container(i) => i.register(account).await,
            Instance::Detached => Err(BackendError::Unavailable {
                backend: self.backend,
                reason: "a detached server cannot register users".to_owned(),
            }),
        }
    }

    /// Registers and returns a new account with a name no other call returns
    /// (`user<N>-<tag>`, password `<name>pw`), for scenarios that need more users than
    /// the pre-registered ones.
    pub async fn fresh_user(&self) -> Result<Account, BackendError> {
        let n = self.fresh_users.fetch_add(1, Ordering::Relaxed) + 1;
        let account = Account::named(&format!("user{n}-{}", self.tag))?;
        self.register_user(&account).await?;
        Ok(account)
    }

    /// Stops the server without blocking the async runtime and removes its directory.
    pub async fn stop(mut self) {
        match &mut self.instance {
            Instance::Prosody(i) => i.stop().await,
            Instance::Ejabberd(i) => i.stop().await,
            #[cfg(feature = "containers")]
            Instance::Container(i) => i.stop().await,
            Instance::Embedded(i) => i.stop().await,
            Instance::Detached => {}
        }
        // Dropping `self` now only removes the directory: the process has exited.
    }
}
