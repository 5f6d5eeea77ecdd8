//! Occupants: who is in a room, with a key that survives nick changes.

use std::fmt;
use std::sync::Arc;

use jid::{BareJid, FullJid, Jid, ResourcePart};
use muc_xso::{Affiliation, Role};
use xmpp_parsers::message::Lang;
use xmpp_parsers::presence::Show;

/// A stable identity for an occupant within one visit to a room.
///
/// It survives nick changes (303), so a program can tell it is the same
/// person before and after. It is unique within a [`Room`](crate::Room) for
/// the room's lifetime (also across suspend and resume).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OccupantKey(pub(crate) u64);

impl OccupantKey {
    /// The number behind the key (increasing in order of arrival).
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for OccupantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One occupant of a room, as the room last described it.
///
/// Occupants are handed out as [`OccupantRef`]s (`Arc<Occupant>`): cheap to
/// clone, and a snapshot, so an event's occupant does not change under the
/// reader when a later presence arrives.
#[derive(Debug, Clone, PartialEq)]
pub struct Occupant {
    pub(crate) key: OccupantKey,
    pub(crate) room: Arc<BareJid>,
    pub(crate) nick: ResourcePart,
    pub(crate) real_jid: Option<Jid>,
    pub(crate) affiliation: Affiliation,
    pub(crate) role: Role,
    pub(crate) available: bool,
    pub(crate) show: Option<Show>,
    pub(crate) statuses: Vec<(Lang, String)>,
    pub(crate) occupant_id: Option<Box<str>>,
    pub(crate) is_self: bool,
}

/// A shared, immutable snapshot of an [`Occupant`].
pub type OccupantRef = Arc<Occupant>;

impl Occupant {
    /// The stable key of this occupant (survives nick changes).
    pub fn key(&self) -> OccupantKey {
        self.key
    }

    /// The nickname (the resource of the occupant JID).
    pub fn nick(&self) -> &str {
        self.nick.as_str()
    }

    /// The bare JID of the room.
    pub fn room(&self) -> &BareJid {
        &self.room
    }

    /// The occupant JID, `room@service/nick`.
    pub fn occupant_jid(&self) -> FullJid {
        self.room.with_resource(&self.nick)
    }

    /// The real JID, where the room reveals it (non-anonymous rooms, or to
    /// moderators).
    pub fn real_jid(&self) -> Option<&Jid> {
        self.real_jid.as_ref()
    }

    /// The affiliation.
    pub fn affiliation(&self) -> Affiliation {
        self.affiliation
    }

    /// The role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the occupant is present (false in the snapshot of a leave).
    pub fn available(&self) -> bool {
        self.available
    }

    /// The presence `<show/>` (away, chat, dnd, xa); `None` means online.
    pub fn show(&self) -> Option<&Show> {
        self.show.as_ref()
    }

    /// The presence status texts, by language (`""` for no language).
    pub fn statuses(&self) -> &[(Lang, String)] {
        &self.statuses
    }

    /// The status text without a language tag, or else the first one.
    pub fn status(&self) -> Option<&str> {
        self.statuses
            .iter()
            .find(|(l, _)| l.is_empty())
            .or_else(|| self.statuses.first())
            .map(|(_, s)| s.as_str())
    }

    /// The occupant id (XEP-0421), only when the room advertises the
    /// feature; otherwise anyone could forge one.
    pub fn occupant_id(&self) -> Option<&str> {
        self.occupant_id.as_deref()
    }

    /// Whether this is the local user.
    pub fn is_self(&self) -> bool {
        self.is_self
    }
}
