//! [`ScenarioCtx`]: what a scenario body gets.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use jid::BareJid;
use muc_client::StreamReader;

use crate::backend::{Account, Backend, BackendError, RunningServer};

/// The context of one scenario run on one server: where the server is, who can log in,
/// and fresh names that no other scenario uses.
#[derive(Debug)]
pub struct ScenarioCtx {
    server: Arc<RunningServer>,
    scenario_id: &'static str,
    rooms: AtomicU32,
    reader: StreamReader,
}

impl ScenarioCtx {
    /// The context of `scenario_id` on `server`.
    pub fn new(server: Arc<RunningServer>, scenario_id: &'static str) -> Self {
        ScenarioCtx {
            server,
            scenario_id,
            rooms: AtomicU32::new(0),
            reader: StreamReader::default(),
        }
    }

    /// The same, its clients' streams read by `reader`.
    pub fn with_reader(mut self, reader: StreamReader) -> Self {
        self.reader = reader;
        self
    }

    /// What reads the scenario's client streams (see
    /// [`connect`](crate::scenarios::support::connect)).
    pub fn reader(&self) -> StreamReader {
        self.reader
    }

    /// The running server.
    pub fn server(&self) -> &RunningServer {
        &self.server
    }

    /// Which backend this run is on (to state a known deviation, for example).
    pub fn backend(&self) -> Backend {
        self.server.kind()
    }

    /// The id of the running scenario.
    pub fn scenario_id(&self) -> &'static str {
        self.scenario_id
    }

    /// The server's client-to-server address (127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The XMPP domain, `localhost`.
    pub fn domain(&self) -> &str {
        self.server.domain()
    }

    /// The MUC service, `conference.localhost`.
    pub fn muc_domain(&self) -> &str {
        self.server.muc_domain()
    }

    /// Every pre-registered account.
    pub fn users(&self) -> &[Account] {
        self.server.users()
    }

    /// A pre-registered account, by user name (`alice`, `bob`, … `heidi`).
    ///
    /// # Panics
    ///
    /// If there is no such account: a bug in the scenario, which the runner reports as a
    /// failure of that scenario.
    pub fn user(&self, username: &str) -> &Account {
        match self.server.user(username) {
            Some(account) => account,
            None => panic!(
                "scenario {} asked for user {username:?}, which is not pre-registered \
                 (add it to DEFAULT_USER_NAMES or use fresh_user())",
                self.scenario_id
            ),
        }
    }

    /// Registers and returns an extra account that no one else uses.
    pub async fn fresh_user(&self) -> Result<Account, BackendError> {
        self.server.fresh_user().await
    }

    /// A room local part no other scenario, run or call uses: `<scenario-id-slug>-<tag>-<n>`.
    pub fn fresh_room_name(&self) -> String {
        let n = self.rooms.fetch_add(1, Ordering::Relaxed) + 1;
        let slug: String = self
            .scenario_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(40)
            .collect();
        format!("{slug}-{}-{n}", run_tag())
    }

    /// A fresh room JID on the MUC service: `<fresh_room_name()>@conference.localhost`.
    pub fn fresh_room(&self) -> BareJid {
        let text = format!("{}@{}", self.fresh_room_name(), self.muc_domain());
        BareJid::new(&text).expect("room names are made of a-z, 0-9 and '-', which is a valid JID")
    }
}

/// Random per process, so that rooms of two runs against one long-lived server differ.
fn run_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| format!("{:06x}", rand::random::<u32>() & 0xff_ffff))
}
