//! What a room reports: one variant per seed signal, and more.

use std::collections::BTreeMap;

use jid::Jid;
use muc_xso::forms::VoiceRequest;
use muc_xso::{Affiliation, Role, StatusCode, UserActor};
use xmpp_parsers::message::{Lang, Message};

use crate::error::{JoinError, RequestError, ServerError};
use crate::leave_mode::LeaveMode;
use crate::occupant::OccupantRef;
use crate::tracking::{TrackerId, TrackerState};

/// Who caused a change, and why (from the `<item/>` of the presence).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cause {
    /// The actor (`<actor nick jid/>`), if the room named one (boxed:
    /// rare, and events are moved through queues).
    pub actor: Option<Box<UserActor>>,
    /// The reason text, if any.
    pub reason: Option<String>,
}

/// How a room was destroyed (XEP-0045 §10.9).
///
/// Its `Debug` output hides the password.
#[derive(Clone, PartialEq, Default)]
pub struct Destruction {
    /// The alternate venue the owner named.
    pub alternate_venue: Option<Jid>,
    /// Why.
    pub reason: Option<String>,
    /// The alternate venue's password.
    pub password: Option<String>,
}

impl std::fmt::Debug for Destruction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Destruction")
            .field("alternate_venue", &self.alternate_venue)
            .field("reason", &self.reason)
            .field("password", &crate::secret::redacted(&self.password))
            .finish()
    }
}

/// A subject, by language (`""` for no language tag).
pub type Subject = BTreeMap<Lang, String>;

/// Where a groupchat message came from in the room's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageSource {
    /// Replayed history, sent on join before the subject (carries a delay).
    History,
    /// Live traffic.
    Live,
}

/// Something that happened in one room.
///
/// The seed's signals map one to one: `on_enter` → [`Enter`](Self::Enter),
/// `on_exit` → [`Exit`](Self::Exit), `on_join`, `on_leave`, `on_message`,
/// `on_subject_change`, `on_affiliation_change`, `on_role_change`,
/// `on_status_change`, `on_nick_change`, `on_suspend`, `on_resume`. The other
/// variants go beyond the seed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RoomEvent {
    /// The local user entered the room (the self-presence arrived). History
    /// and the subject follow.
    Enter {
        /// The local user.
        occupant: OccupantRef,
        /// The status codes of the self-presence (100, 110, 170, 201, 210 ...).
        status: Vec<StatusCode>,
        /// The room was just created and is locked until configured (201).
        created: bool,
        /// The service assigned or changed our nick (210, or a 110 presence
        /// from another nick than the one we asked for).
        nick_assigned: bool,
    },
    /// The join failed; the room is dead after this.
    JoinFailed {
        /// Why.
        error: JoinError,
    },
    /// The local user is out of the room; the room is dead after this.
    Exit {
        /// How.
        mode: LeaveMode,
        /// The local user as last seen.
        occupant: Option<OccupantRef>,
        /// Who did it, and why.
        cause: Cause,
        /// Set when the room was destroyed.
        destroyed: Option<Box<Destruction>>,
        /// The status codes of the unavailable presence (empty for a local
        /// disconnect).
        status: Vec<StatusCode>,
    },
    /// Another occupant entered.
    Join {
        /// The new occupant.
        occupant: OccupantRef,
    },
    /// Another occupant left (kicked, banned, ... see `mode`).
    Leave {
        /// The occupant as last seen (no longer in the room).
        occupant: OccupantRef,
        /// How.
        mode: LeaveMode,
        /// Who did it, and why.
        cause: Cause,
        /// The status codes of the unavailable presence.
        status: Vec<StatusCode>,
    },
    /// A groupchat message, live or replayed.
    Message {
        /// The message.
        message: Box<Message>,
        /// The sender, when it is a current occupant (and not history from
        /// someone who is gone); `None` for the room itself.
        occupant: Option<OccupantRef>,
        /// The sender's nick, if the message came from an occupant JID.
        nick: Option<String>,
        /// History or live.
        source: MessageSource,
    },
    /// The subject changed, or was sent on join.
    SubjectChange {
        /// The new subject (empty map values mean "no subject").
        subject: Subject,
        /// The nick of whoever set it (`None` when the room sent it).
        setter: Option<String>,
        /// The setter, when a current occupant has that nick.
        occupant: Option<OccupantRef>,
        /// Whether this is the subject sent on join (it ends the history).
        on_join: bool,
    },
    /// An occupant's affiliation changed.
    AffiliationChange {
        /// The occupant after the change.
        occupant: OccupantRef,
        /// Before.
        old: Affiliation,
        /// After.
        new: Affiliation,
        /// Who did it, and why.
        cause: Cause,
    },
    /// An occupant's role changed.
    RoleChange {
        /// The occupant after the change.
        occupant: OccupantRef,
        /// Before.
        old: Role,
        /// After.
        new: Role,
        /// Who did it, and why.
        cause: Cause,
    },
    /// An occupant's presence (show, status) changed.
    StatusChange {
        /// The occupant after the change.
        occupant: OccupantRef,
    },
    /// An occupant changed nick (303): the same occupant, renamed.
    NickChange {
        /// The occupant after the change (same key as before).
        occupant: OccupantRef,
        /// The old nick.
        old: String,
        /// The new nick.
        new: String,
    },
    /// The stream was lost; the room will be rejoined on the next stream.
    Suspend,
    /// The room is about to be rejoined on a new stream. Occupants are
    /// forgotten (each returning one gets a [`Join`](Self::Join)); see
    /// [`Resumed`](Self::Resumed) for who did not come back.
    Resume,
    /// The rejoin after [`Resume`](Self::Resume) completed. Occupants who
    /// came back kept their keys and got no new [`Join`](Self::Join); those
    /// who did not come back got a [`Leave`](Self::Leave) just before this.
    Resumed {
        /// The local user.
        occupant: OccupantRef,
        /// The status codes of the self-presence.
        status: Vec<StatusCode>,
    },
    /// The room's configuration changed (104, 170–174 ...).
    ConfigChanged {
        /// The status codes of the notification.
        status: Vec<StatusCode>,
    },
    /// A visitor asks for voice; answer with `approve_voice`.
    VoiceRequest {
        /// The request, as the room forwarded it.
        request: VoiceRequest,
    },
    /// An invitee declined our invitation (§7.8.2).
    Decline {
        /// The invitee.
        from: Option<Jid>,
        /// Why.
        reason: Option<String>,
    },
    /// A private message from an occupant (§7.5).
    PrivateMessage {
        /// The message.
        message: Box<Message>,
        /// The sender's nick.
        nick: String,
        /// The sender, when a current occupant has that nick.
        occupant: Option<OccupantRef>,
    },
    /// An error the room sent for something we did (a message we sent was
    /// refused, a presence update bounced ...).
    Error {
        /// The error.
        error: ServerError,
        /// The id of the stanza it answers, if any.
        id: Option<String>,
    },
    /// No traffic from the room for a while and a self-ping got no clear
    /// answer: we may have been dropped silently (XEP-0410).
    Stale,
    /// Traffic or a self-ping answer came back after [`Stale`](Self::Stale).
    Fresh,
    /// A tracked message changed state.
    Tracker {
        /// The tracker.
        id: TrackerId,
        /// Its new state.
        state: TrackerState,
    },
}

/// Everything the router reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// Something happened in a room.
    Room {
        /// The room.
        room: std::sync::Arc<jid::BareJid>,
        /// What.
        event: RoomEvent,
    },
    /// A request finished.
    Request {
        /// The id returned when it was made.
        id: crate::RequestId,
        /// The outcome.
        result: Result<crate::Response, RequestError>,
    },
    /// An invitation to a room (joined or not).
    Invitation(crate::invitation::Invitation),
}
