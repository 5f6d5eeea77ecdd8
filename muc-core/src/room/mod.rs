//! One room: the state machine behind every room event.
//!
//! A [`Room`] takes presences and messages from the room (and the clock) and
//! produces [`RoomEvent`]s and stanzas to send. It does no I/O and reads no
//! clock: time comes in as arguments. The [`Router`](crate::Router) owns the
//! rooms of a session; a `Room` can also be driven on its own (tests,
//! replays, benchmarks).

mod actions;
mod lifecycle;
mod message;
mod options;
mod presence;

pub use actions::{decline_invitation, direct_invitation};
pub(crate) use options::cap_text;
pub use options::{JoinOptions, RoomLimits};

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime as ChronoDateTime, FixedOffset};
use jid::{BareJid, FullJid, ResourcePart};
use muc_xso::forms::RoomFeatures;
use muc_xso::{Affiliation, Role};
use xmpp_parsers::date::DateTime;
use xmpp_parsers::stanza::Stanza;

use crate::dedup::Dedup;
use crate::error::{RequestError, UsageError};
use crate::event::{RoomEvent, Subject};
use crate::id::IdGenerator;
use crate::occupant::{Occupant, OccupantKey, OccupantRef};
use crate::occupants::OccupantTable;
use crate::requests::{RequestId, Response};
use crate::secret::Password;
use crate::selfping::SelfPing;
use crate::tracking::{TrackerId, Trackers};

/// Where a room is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoomState {
    /// The join presence is out (or waits for the stream); no self-presence yet.
    Joining,
    /// Entered; the room is replaying history (until the subject).
    History,
    /// Entered and live.
    Live,
    /// The stream is down; the room will be rejoined.
    Suspended,
    /// Out of the room for good.
    Exited,
}

/// A stanza to send, with the tracker it belongs to (report
/// [`Router::transmitted`](crate::Router::transmitted) once it is written).
///
/// Its `Debug` output shows the stanza's XML with passwords blanked out.
#[derive(PartialEq)]
pub struct Transmit {
    /// The stanza.
    pub stanza: Stanza,
    /// The tracked message it carries, if any.
    pub tracker: Option<TrackerId>,
}

impl std::fmt::Debug for Transmit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let el = match &self.stanza {
            Stanza::Presence(p) => minidom::Element::from(p.clone()),
            Stanza::Message(m) => minidom::Element::from(m.clone()),
            Stanza::Iq(i) => minidom::Element::from(i.clone()),
        };
        // Debug must not panic, whatever text the application put in
        // (minidom panics on characters XML does not allow, such as NUL).
        let xml = if crate::text::check_element(&el).is_none() {
            String::from(&el)
        } else {
            format!(
                "<{} (not serializable: a character XML does not allow)/>",
                el.name()
            )
        };
        f.debug_struct("Transmit")
            .field("stanza", &crate::secret::scrub_xml(&xml))
            .field("tracker", &self.tracker)
            .finish()
    }
}

/// A request that completes on room traffic rather than an IQ answer.
#[derive(Debug)]
pub(crate) struct RoomRequest {
    pub(crate) id: RequestId,
    pub(crate) deadline: Instant,
}

/// One room, joined or being joined.
#[derive(Debug)]
pub struct Room {
    jid: Arc<BareJid>,
    /// The nick to (re)join with: the requested one, then our current one.
    nick: ResourcePart,
    options: JoinOptions,
    state: RoomState,
    me: Option<OccupantRef>,
    occupants: OccupantTable,
    subject: Subject,
    subject_setter: Option<String>,
    subject_seen: bool,
    features: Option<RoomFeatures>,
    info: Option<muc_xso::forms::RoomInfo>,
    next_key: u64,
    trackers: Trackers,
    dedup: Dedup,
    selfping: Option<SelfPing>,
    join_deadline: Option<Instant>,
    /// The join presence went out (a deferred first join has not).
    join_sent: bool,
    entered_once: bool,
    /// Occupants before a suspension, to tell who came back.
    before_resume: Option<crate::occupants::Departed>,
    ids: IdGenerator,
    own_jid: Option<FullJid>,
    wall: Option<(Instant, ChronoDateTime<FixedOffset>)>,
    events: VecDeque<RoomEvent>,
    transmits: VecDeque<Transmit>,
    completed: VecDeque<(RequestId, Result<Response, RequestError>)>,
    pending_nick: Option<(RoomRequest, String)>,
    pending_leave: Option<RoomRequest>,
    pending_subject: Option<(RoomRequest, String)>,
    disco_id: Option<String>,
    /// The occupant limit was hit (logged once until there is room again).
    occupants_full: bool,
}

impl Room {
    /// A room to join as `nick`; nothing is sent until
    /// [`start_join`](Self::start_join).
    pub fn new(
        jid: BareJid,
        nick: &str,
        options: JoinOptions,
        seed: u64,
    ) -> Result<Room, UsageError> {
        let nick = ResourcePart::new(nick)
            .map_err(|_| UsageError::BadNick(nick.to_owned()))?
            .into_owned();
        Ok(Room {
            jid: Arc::new(jid),
            nick,
            options,
            state: RoomState::Joining,
            me: None,
            occupants: OccupantTable::default(),
            subject: Subject::new(),
            subject_setter: None,
            subject_seen: false,
            features: None,
            info: None,
            next_key: 0,
            trackers: Trackers::default(),
            dedup: Dedup::new(512),
            selfping: None,
            join_deadline: None,
            join_sent: false,
            entered_once: false,
            before_resume: None,
            ids: IdGenerator::new(seed),
            own_jid: None,
            wall: None,
            events: VecDeque::new(),
            transmits: VecDeque::new(),
            completed: VecDeque::new(),
            pending_nick: None,
            pending_leave: None,
            pending_subject: None,
            disco_id: None,
            occupants_full: false,
        })
    }

    // ----- what the seed calls properties -----

    /// The bare JID of the room.
    pub fn jid(&self) -> &BareJid {
        &self.jid
    }

    /// The bare JID of the room, shared (what its events are tagged with).
    pub(crate) fn shared_jid(&self) -> &Arc<BareJid> {
        &self.jid
    }

    /// Where the room is in its life.
    pub fn state(&self) -> RoomState {
        self.state
    }

    /// Whether the connection to the room is live (entered, not suspended).
    pub fn active(&self) -> bool {
        matches!(self.state, RoomState::History | RoomState::Live)
    }

    /// Whether the room was entered and not exited (true while suspended).
    pub fn joined(&self) -> bool {
        self.entered_once && self.state != RoomState::Exited
    }

    /// The local user, once entered.
    pub fn this_occupant(&self) -> Option<&OccupantRef> {
        self.me.as_ref()
    }

    /// The nick we are in the room with (or will join with).
    pub fn nick(&self) -> &str {
        self.nick.as_str()
    }

    /// The current subject.
    pub fn subject(&self) -> &Subject {
        &self.subject
    }

    /// The nick of who set the subject (`None` when the room did).
    pub fn subject_setter(&self) -> Option<&str> {
        self.subject_setter.as_deref()
    }

    /// Whether the room is rejoined after a stream loss.
    pub fn autorejoin(&self) -> bool {
        self.options.autorejoin
    }

    /// Turn autorejoin on or off.
    pub fn set_autorejoin(&mut self, on: bool) {
        self.options.autorejoin = on;
    }

    /// The password used on (re)join.
    pub fn password(&self) -> Option<&Password> {
        self.options.password.as_ref()
    }

    /// Change the password used on (re)join.
    pub fn set_password(&mut self, password: Option<Password>) {
        self.options.password = password;
    }

    /// The options the room was joined with.
    pub fn options(&self) -> &JoinOptions {
        &self.options
    }

    /// What disco#info said about the room, once known.
    pub fn features(&self) -> Option<&RoomFeatures> {
        self.features.as_ref()
    }

    /// The `muc#roominfo` of the room, once known.
    pub fn info(&self) -> Option<&muc_xso::forms::RoomInfo> {
        self.info.as_ref()
    }

    /// What the local user may do here (from our role and affiliation and
    /// what the room said about itself).
    pub fn capabilities(&self) -> crate::Capabilities {
        crate::Capabilities {
            role: self.me.as_ref().map_or(Role::None, |m| m.role()),
            affiliation: self
                .me
                .as_ref()
                .map_or(Affiliation::None, |m| m.affiliation()),
            moderated: self.features.as_ref().and_then(|f| f.moderated),
            participants_set_subject: self.info.as_ref().and_then(|i| i.subject_mod()),
        }
    }

    /// The occupants, the local user first, then in order of arrival.
    pub fn occupants(&self) -> Vec<OccupantRef> {
        let mut v = Vec::with_capacity(self.occupants.len() + 1);
        v.extend(self.me.iter().cloned());
        v.extend(self.occupants.in_arrival_order());
        v
    }

    /// Number of occupants, the local user included.
    pub fn occupant_count(&self) -> usize {
        self.occupants.len() + usize::from(self.me.is_some())
    }

    /// The occupant with this nick (the local user included).
    pub fn occupant(&self, nick: &str) -> Option<&OccupantRef> {
        match &self.me {
            Some(me) if me.nick() == nick => Some(me),
            _ => self.occupants.get(nick),
        }
    }

    /// The occupant with this key (the local user included).
    pub fn occupant_by_key(&self, key: OccupantKey) -> Option<&OccupantRef> {
        match &self.me {
            Some(me) if me.key() == key => Some(me),
            _ => self.occupants.find_by(|o| o.key() == key),
        }
    }

    // ----- outputs -----

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<RoomEvent> {
        self.events.pop_front()
    }

    /// The next stanza to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    pub(crate) fn poll_completed(&mut self) -> Option<(RequestId, Result<Response, RequestError>)> {
        self.completed.pop_front()
    }

    /// The next moment [`handle_timeout`](Self::handle_timeout) has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let mut next = [
            self.join_deadline,
            self.trackers.next_deadline(),
            self.pending_nick.as_ref().map(|(r, _)| r.deadline),
            self.pending_leave.as_ref().map(|r| r.deadline),
            self.pending_subject.as_ref().map(|(r, _)| r.deadline),
        ]
        .into_iter()
        .flatten()
        .min();
        if self.active() {
            if let Some(p) = &self.selfping {
                let d = p.next_deadline();
                next = Some(next.map_or(d, |n| n.min(d)));
            }
        }
        next
    }

    /// Lets the room know our own full JID (to recognize our presence where
    /// a server leaves out status 110).
    pub fn set_own_jid(&mut self, jid: FullJid) {
        self.own_jid = Some(jid);
    }

    /// Lets the room know the wall-clock time at `now` (used for
    /// `<history since/>` on rejoin and to match replayed history).
    pub fn set_wall_clock(&mut self, now: Instant, wall: DateTime) {
        self.wall = Some((now, wall.0));
    }

    fn wall_at(&self, at: Instant) -> Option<ChronoDateTime<FixedOffset>> {
        let (anchor, wall) = self.wall?;
        let delta = chrono::Duration::from_std(at.saturating_duration_since(anchor)).ok()?;
        Some(wall + delta)
    }

    pub(crate) fn push_transmit(&mut self, stanza: Stanza) {
        self.transmits.push_back(Transmit {
            stanza,
            tracker: None,
        });
    }

    /// The tracked message `id` was written to the stream.
    pub fn transmitted(&mut self, id: TrackerId) -> bool {
        match self.trackers.transmitted(id) {
            Some((id, state)) => {
                self.events.push_back(RoomEvent::Tracker { id, state });
                true
            }
            None => false,
        }
    }

    /// The tracked message `id` could not be written.
    pub fn transmit_failed(&mut self, id: TrackerId) -> bool {
        match self.trackers.aborted(id) {
            Some((id, state)) => {
                self.events.push_back(RoomEvent::Tracker { id, state });
                true
            }
            None => false,
        }
    }

    fn new_key(&mut self) -> OccupantKey {
        self.next_key += 1;
        OccupantKey(self.next_key)
    }

    /// Whether `from` is this room or one of its occupants.
    fn is_room(&self, from: &jid::Jid) -> bool {
        from.node() == self.jid.node() && from.domain() == self.jid.domain()
    }

    fn trusts_occupant_id(&self) -> bool {
        self.features.as_ref().is_some_and(|f| f.occupant_id)
    }

    fn new_occupant(&mut self, nick: ResourcePart, is_self: bool) -> Occupant {
        Occupant {
            key: self.new_key(),
            room: self.jid.clone(),
            nick,
            real_jid: None,
            affiliation: Affiliation::None,
            role: Role::None,
            available: true,
            show: None,
            statuses: Vec::new(),
            occupant_id: None,
            is_self,
        }
    }
}
