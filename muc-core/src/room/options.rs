//! How to join a room, and what a room may make us keep.

use std::time::Duration;

use muc_xso::History;
use xmpp_parsers::presence::Show;

use crate::secret::Password;
use crate::selfping::SelfPingConfig;

/// How to join a room.
#[derive(Clone)]
pub struct JoinOptions {
    /// The room password.
    pub password: Option<Password>,
    /// How much history to ask for on the first join (on a rejoin the room
    /// asks for what was missed instead).
    pub history: Option<History>,
    /// Rejoin after the stream is lost and comes back (default `true`).
    pub autorejoin: bool,
    /// How long to wait for the self-presence (default 30 s).
    pub timeout: Duration,
    /// Self-ping (XEP-0410) while joined; `None` turns it off.
    pub self_ping: Option<SelfPingConfig>,
    /// Ask the room for its features (disco#info) when joining, to learn
    /// whether occupant ids can be trusted (default `true`).
    pub discover: bool,
    /// Our presence in the room (show and status).
    pub show: Option<Show>,
    /// Our status text in the room.
    pub status: Option<String>,
    /// What the room can make us keep (see [`RoomLimits`]).
    pub limits: RoomLimits,
}

/// Bounds on the state a room can make us keep, so that a hostile or
/// broken room cannot grow memory without end. What goes past a bound is
/// ignored (and logged) or cut; `None` turns a bound off.
///
/// ```
/// use muc_core::{JoinOptions, RoomLimits};
/// let limits = RoomLimits::default().with_max_occupants(Some(10_000));
/// let options = JoinOptions::default().limits(limits);
/// assert_eq!(options.limits.max_occupants, Some(10_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RoomLimits {
    /// Occupants kept besides the local user (default
    /// [`DEFAULT_MAX_OCCUPANTS`](Self::DEFAULT_MAX_OCCUPANTS)). Presences
    /// of new nicks past it are ignored: no occupant, no event, a log line.
    pub max_occupants: Option<usize>,
    /// Bytes of subject kept, all languages together (default 64 KiB);
    /// a longer subject is cut at a character boundary.
    pub max_subject_len: Option<usize>,
    /// Bytes of `<status/>` text kept per occupant, all languages together
    /// (default 1 KiB); longer texts are cut at a character boundary.
    pub max_status_len: Option<usize>,
}

impl RoomLimits {
    /// The default occupant bound: well above the largest public rooms.
    pub const DEFAULT_MAX_OCCUPANTS: usize = 250_000;

    /// No bounds at all.
    pub fn unlimited() -> RoomLimits {
        RoomLimits {
            max_occupants: None,
            max_subject_len: None,
            max_status_len: None,
        }
    }

    /// Set the occupant bound.
    pub fn with_max_occupants(mut self, max: Option<usize>) -> Self {
        self.max_occupants = max;
        self
    }

    /// Set the subject bound (bytes).
    pub fn with_max_subject_len(mut self, max: Option<usize>) -> Self {
        self.max_subject_len = max;
        self
    }

    /// Set the per-occupant status bound (bytes).
    pub fn with_max_status_len(mut self, max: Option<usize>) -> Self {
        self.max_status_len = max;
        self
    }
}

impl Default for RoomLimits {
    fn default() -> Self {
        RoomLimits {
            max_occupants: Some(RoomLimits::DEFAULT_MAX_OCCUPANTS),
            max_subject_len: Some(64 * 1024),
            max_status_len: Some(1024),
        }
    }
}

/// Keeps what fits of `text` in the `left` bytes still allowed (cut at a
/// character boundary); `false` when nothing is left for it. Used with
/// `retain` over the languages of a subject or status.
pub(crate) fn cap_text(text: &mut String, left: &mut Option<usize>) -> bool {
    let Some(room) = left.as_mut() else {
        return true;
    };
    if text.len() > *room {
        if *room == 0 {
            return false;
        }
        let mut cut = *room;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    *room -= text.len();
    true
}

impl Default for JoinOptions {
    fn default() -> Self {
        JoinOptions {
            password: None,
            history: None,
            autorejoin: true,
            timeout: Duration::from_secs(30),
            self_ping: Some(SelfPingConfig::default()),
            discover: true,
            show: None,
            status: None,
            limits: RoomLimits::default(),
        }
    }
}

impl std::fmt::Debug for JoinOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinOptions")
            .field("password", &self.password)
            .field("history", &self.history)
            .field("autorejoin", &self.autorejoin)
            .field("timeout", &self.timeout)
            .field("self_ping", &self.self_ping)
            .field("discover", &self.discover)
            .field("show", &self.show)
            .field("status", &self.status)
            .field("limits", &self.limits)
            .finish()
    }
}

impl JoinOptions {
    /// Set the password.
    pub fn password(mut self, password: impl Into<Password>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Set the history request.
    pub fn history(mut self, history: History) -> Self {
        self.history = Some(history);
        self
    }

    /// Turn autorejoin on or off.
    pub fn autorejoin(mut self, on: bool) -> Self {
        self.autorejoin = on;
        self
    }

    /// Set the join timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Configure self-ping (`None`: off).
    pub fn self_ping(mut self, config: Option<SelfPingConfig>) -> Self {
        self.self_ping = config;
        self
    }

    /// Turn feature discovery on join on or off.
    pub fn discover(mut self, on: bool) -> Self {
        self.discover = on;
        self
    }

    /// Set the bounds on what the room can make us keep.
    pub fn limits(mut self, limits: RoomLimits) -> Self {
        self.limits = limits;
        self
    }
}
