//! [`Room`]: one room, joined or being joined (the seed's `aioxmpp.muc.Room`).
//!
//! The getters read a snapshot (see [`state`](crate::state) for how fresh
//! it is) and never wait; the actions live in `room_actions.rs`.

use std::fmt;
use std::sync::Arc;

use jid::BareJid;
use muc_core::muc_xso::forms::{RoomFeatures, RoomInfo};
use muc_core::{Capabilities, OccupantRef, Password, RoomState, Subject};

use crate::events::RoomEvents;
use crate::service::Service;
use crate::state::{RoomGuard, RoomShared};

/// A room, joined or being joined. Cheap to clone; every clone is the same
/// room.
///
/// A `Room` is dead once its streams ended with
/// [`RoomEvent::Exit`](crate::RoomEvent::Exit) or
/// [`RoomEvent::JoinFailed`](crate::RoomEvent::JoinFailed): [`joined`](Self::joined)
/// is `false`, actions in the room fail with
/// [`UsageError::NotJoined`](crate::UsageError::NotJoined), also after the
/// same room was joined again (that is a new `Room`). Requests that address
/// the room by JID and need no occupant (configuration, affiliations,
/// destruction, disco, registration) still work.
///
/// ```
/// # use muc_client::{ConnectOptions, JoinOptions, Service};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = muc_testserver::Server::builder().user("alice", "alicepw").start().await?;
/// # let service = Service::connect("alice@localhost", "alicepw", server.addr(), ConnectOptions::default()).await?;
/// let (room, joined) = service.join("coven@conference.localhost", "thirdwitch", JoinOptions::default())?;
/// assert!(!room.joined()); // not yet
/// if joined.await?.created {
///     room.create_instant().await?;
/// }
/// assert!(room.joined() && room.active());
/// assert_eq!(room.this_occupant().unwrap().nick(), "thirdwitch");
/// room.set_subject("Double, double toil and trouble").await?;
/// assert_eq!(room.subject_text().as_deref(), Some("Double, double toil and trouble"));
/// room.leave_and_wait().await?;
/// assert!(!room.joined());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Room {
    shared: Arc<RoomShared>,
    pub(crate) service: Service,
    _guard: Arc<RoomGuard>,
}

impl fmt::Debug for Room {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.shared.snapshot();
        f.debug_struct("Room")
            .field("mucjid", &self.shared.jid)
            .field("state", &s.state)
            .field("nick", &s.nick)
            .field("occupants", &s.occupant_count())
            .finish()
    }
}

impl Room {
    pub(crate) fn new(shared: Arc<RoomShared>, service: Service) -> Room {
        let guard = shared.guard();
        Room {
            shared,
            service,
            _guard: guard,
        }
    }

    /// The (bare) JID of the room.
    pub fn mucjid(&self) -> &BareJid {
        &self.shared.jid
    }

    /// The service this room belongs to.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// Where the room is in its life (joining, history, live, suspended,
    /// exited).
    pub fn state(&self) -> RoomState {
        self.shared.snapshot().state
    }

    /// Whether the connection to the room is live: true from the entry
    /// until the stream is lost (suspended) or we exit. A self-ping
    /// (XEP-0410) that finds us gone makes it false until the rejoin.
    pub fn active(&self) -> bool {
        self.shared.snapshot().active
    }

    /// True from the first entry until the exit (also while suspended).
    pub fn joined(&self) -> bool {
        self.shared.snapshot().joined
    }

    /// The nick we are in the room with (or join with).
    pub fn nick(&self) -> String {
        self.shared.snapshot().nick.clone()
    }

    /// The local user: `None` until the entry, then our occupant as last
    /// seen (also after the exit).
    pub fn this_occupant(&self) -> Option<OccupantRef> {
        self.shared.snapshot().this_occupant.clone()
    }

    /// A copy of the occupant list, the local user first (once entered),
    /// then the others in order of arrival.
    pub fn occupants(&self) -> Vec<OccupantRef> {
        self.shared.snapshot().occupants()
    }

    /// The number of occupants, the local user included.
    pub fn occupant_count(&self) -> usize {
        self.shared.snapshot().occupant_count()
    }

    /// The occupant with this nick (the local user included).
    pub fn occupant(&self, nick: &str) -> Option<OccupantRef> {
        let s = self.shared.snapshot();
        s.this_occupant
            .iter()
            .filter(|o| o.available())
            .chain(s.others.values())
            .find(|o| o.nick() == nick)
            .cloned()
    }

    /// The current subject, by language (`""` for no language tag); empty
    /// when the room has none.
    pub fn subject(&self) -> Subject {
        self.shared.snapshot().subject.clone()
    }

    /// The subject text without a language tag, or else the first one;
    /// `None` when the subject is empty.
    pub fn subject_text(&self) -> Option<String> {
        let s = self.shared.snapshot();
        s.subject
            .iter()
            .find(|(l, _)| l.is_empty())
            .or_else(|| s.subject.iter().next())
            .map(|(_, t)| t.clone())
            .filter(|t| !t.is_empty())
    }

    /// The nick of whoever set the subject (`None` when the room did).
    pub fn subject_setter(&self) -> Option<String> {
        self.shared.snapshot().subject_setter.clone()
    }

    /// Whether the room is rejoined after the stream is lost and comes back.
    pub fn autorejoin(&self) -> bool {
        self.shared.snapshot().autorejoin
    }

    /// The password used on (re)join.
    pub fn password(&self) -> Option<Password> {
        self.shared.snapshot().password.clone()
    }

    /// What disco#info said about the room (asked on join), once known.
    pub fn features(&self) -> Option<RoomFeatures> {
        self.shared.snapshot().features.clone()
    }

    /// The room's `muc#roominfo` (asked on join), once known.
    pub fn info(&self) -> Option<RoomInfo> {
        self.shared.snapshot().info.clone()
    }

    /// What the local user may do here, from our role and affiliation and
    /// what the room said about itself: `may_kick(&occupant)`,
    /// `may_set_subject()`, `may_configure()` ... The server decides in the
    /// end.
    pub fn capabilities(&self) -> Capabilities {
        self.shared.snapshot().capabilities
    }

    /// The room's events. The first call gets every event since the join;
    /// later calls get events from now on. See [`events`](crate::events)
    /// for the delivery guarantees and backpressure.
    pub fn events(&self) -> RoomEvents {
        let initial = self.shared.initial().take();
        initial.unwrap_or_else(|| self.shared.events.subscribe())
    }

    pub(crate) fn jid(&self) -> BareJid {
        self.shared.jid.clone()
    }

    pub(crate) fn shared(&self) -> &Arc<RoomShared> {
        &self.shared
    }

    /// This room as the target of a command (refused once it is dead).
    pub(crate) fn target(&self) -> crate::state::Target {
        crate::state::Target::Room(self.shared.clone())
    }
}
