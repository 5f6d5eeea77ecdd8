//! One room: the state machine behind every room event.
//!
//! A [`Room`] takes presences and messages from the room (and the clock) and
//! produces [`RoomEvent`]s and stanzas to send. It does no I/O and reads no
//! clock: time comes in as arguments. The [`Router`](crate::Router) owns the
//! rooms of a session; a `Room` can also be driven on its own (tests,
//! replays, benchmarks).

mod actions;
mod message;
mod presence;

pub use actions::{decline_invitation, direct_invitation};

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime as ChronoDateTime, FixedOffset};
use jid::{BareJid, FullJid, ResourcePart};
use muc_xso::forms::RoomFeatures;
use muc_xso::{Affiliation, GenericExt, History, Role};
use xmpp_parsers::date::DateTime;
use xmpp_parsers::presence::{Presence, Show};
use xmpp_parsers::stanza::Stanza;

use crate::dedup::Dedup;
use crate::error::{JoinError, RequestError, UsageError};
use crate::event::{RoomEvent, Subject};
use crate::id::IdGenerator;
use crate::leave_mode::LeaveMode;
use crate::occupant::{Occupant, OccupantKey, OccupantRef};
use crate::occupants::OccupantTable;
use crate::requests::{RequestId, Response};
use crate::secret::Password;
use crate::selfping::{PingStep, SelfPing, SelfPingConfig};
use crate::tracking::{TrackerId, Trackers};

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

/// Whether `c` may appear in XML 1.0 text or attribute values.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether minidom can serialize `el` (it panics on text or attribute
/// values with characters XML does not allow, such as NUL).
pub(crate) fn serializable(el: &minidom::Element) -> bool {
    el.attrs().iter().all(|(_, v)| v.chars().all(xml_char))
        && el.nodes().all(|n| match n {
            minidom::Node::Element(e) => serializable(e),
            minidom::Node::Text(t) => t.chars().all(xml_char),
        })
}

impl std::fmt::Debug for Transmit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let el = match &self.stanza {
            Stanza::Presence(p) => minidom::Element::from(p.clone()),
            Stanza::Message(m) => minidom::Element::from(m.clone()),
            Stanza::Iq(i) => minidom::Element::from(i.clone()),
        };
        // Debug must not panic, whatever text the application put in.
        let xml = if serializable(&el) {
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

    // ----- join, suspend, resume, exit -----

    /// Sends the join presence (first join).
    pub fn start_join(&mut self, now: Instant) {
        let history = self.options.history.clone();
        self.send_join(history, now);
    }

    fn send_join(&mut self, history: Option<History>, now: Instant) {
        self.state = RoomState::Joining;
        self.join_deadline = Some(now + self.options.timeout);
        if self.options.discover {
            let id = self.ids.next();
            let (iq, _) =
                crate::requests::disco_info(self.jid.as_ref().clone().into(), id.clone(), None);
            self.disco_id = Some(id);
            self.push_transmit(Stanza::Iq(iq));
        }
        let mut x = GenericExt::new();
        x.password = self
            .options
            .password
            .as_ref()
            .map(|p| p.expose().to_owned());
        x.history = history;
        let mut p = Presence::available()
            .with_to(self.occupant_jid())
            .with_id(self.ids.next())
            .with_payload(x);
        p.show = self.options.show.clone();
        if let Some(status) = &self.options.status {
            p.set_status("", status.clone());
        }
        self.push_transmit(Stanza::Presence(p));
    }

    /// Our occupant JID (with the current or requested nick).
    pub fn occupant_jid(&self) -> FullJid {
        self.jid.with_resource(&self.nick)
    }

    /// The stream is gone: suspend (autorejoin) or exit as disconnected.
    ///
    /// Returns `true` when the room is dead and can be dropped.
    pub fn stream_lost(&mut self, _now: Instant) -> bool {
        // We asked to leave: with the session gone we are out, and the room
        // must not come back on the next stream.
        if self.pending_leave.is_some() && self.state != RoomState::Exited {
            self.exit_locally(LeaveMode::Normal);
            return true;
        }
        match self.state {
            RoomState::Exited => true,
            RoomState::Suspended => false,
            RoomState::Joining if !self.entered_once => {
                if self.options.autorejoin {
                    // The join presence goes out again on the next stream;
                    // the join's own deadline still bounds the wait.
                    self.forget_trackers();
                    false
                } else {
                    self.fail_join(JoinError::Disconnected);
                    true
                }
            }
            _ if self.options.autorejoin => {
                self.forget_trackers();
                self.fail_pending(RequestError::Disconnected);
                self.state = RoomState::Suspended;
                self.join_deadline = None;
                self.selfping = None;
                self.events.push_back(RoomEvent::Suspend);
                false
            }
            _ => {
                self.exit_locally(LeaveMode::Disconnected);
                true
            }
        }
    }

    /// The stream was lost while a request that may end the room (destroy)
    /// was in flight: whether it happened is unknown, and rejoining could
    /// create the room anew, so the room ends here.
    pub(crate) fn abandon(&mut self) {
        if self.state != RoomState::Exited {
            self.exit_locally(LeaveMode::Disconnected);
        }
    }

    /// A new stream is up: rejoin a suspended room asking for what was
    /// missed, or send a deferred first join.
    pub fn stream_established(&mut self, now: Instant) {
        match self.state {
            RoomState::Suspended => self.resume(now),
            RoomState::Joining if !self.entered_once => {
                let history = self.options.history.clone();
                self.send_join(history, now);
            }
            _ => {}
        }
    }

    fn resume(&mut self, now: Instant) {
        self.forget_trackers();
        self.events.push_back(RoomEvent::Resume);
        // Everyone announced so far; an interrupted rejoin adds to the list.
        // The local user stays as `this_occupant` until the self-presence.
        let mut before = self.before_resume.take().unwrap_or_default();
        before.extend(self.occupants.drain());
        self.before_resume = Some(before);
        let history = self.history_since_last_seen();
        self.send_join(Some(history), now);
    }

    /// What to ask for on a rejoin: everything since the last message we
    /// saw (minus a margin for clock skew; duplicates are dropped), or
    /// nothing if we never saw one and cannot tell the time.
    fn history_since_last_seen(&self) -> History {
        match self.dedup.last_seen() {
            Some(at) => History::new().with_since(DateTime(at - chrono::Duration::seconds(60))),
            None => match &self.options.history {
                Some(h) => h.clone(),
                None => History::new(),
            },
        }
    }

    /// Leave and join again right away (self-ping found us gone).
    fn cycle(&mut self, now: Instant) {
        let leave = Presence::unavailable().with_to(self.occupant_jid());
        self.push_transmit(Stanza::Presence(leave));
        self.state = RoomState::Suspended;
        self.selfping = None;
        self.events.push_back(RoomEvent::Suspend);
        self.resume(now);
    }

    pub(crate) fn fail_join(&mut self, error: JoinError) {
        self.state = RoomState::Exited;
        self.join_deadline = None;
        self.forget_trackers();
        self.events.push_back(RoomEvent::JoinFailed { error });
    }

    /// Out of the room without a presence from it (local disconnect,
    /// self-ping verdict without autorejoin).
    fn exit_locally(&mut self, mode: LeaveMode) {
        self.forget_trackers();
        let occupant = self.me.clone();
        self.state = RoomState::Exited;
        self.selfping = None;
        self.join_deadline = None;
        self.events.push_back(RoomEvent::Exit {
            mode,
            occupant,
            cause: Default::default(),
            destroyed: None,
            status: Vec::new(),
        });
        self.fail_pending(RequestError::Disconnected);
    }

    fn fail_pending(&mut self, error: RequestError) {
        if let Some((r, _)) = self.pending_nick.take() {
            self.completed.push_back((r.id, Err(error.clone())));
        }
        if let Some((r, _)) = self.pending_subject.take() {
            self.completed.push_back((r.id, Err(error.clone())));
        }
        if let Some(r) = self.pending_leave.take() {
            // Whatever happened, we are out.
            let _ = error;
            self.completed.push_back((r.id, Ok(Response::Left)));
        }
    }

    fn forget_trackers(&mut self) {
        for (id, state) in self.trackers.forget_all() {
            self.events.push_back(RoomEvent::Tracker { id, state });
        }
    }

    /// Advances the timers to `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.join_deadline.is_some_and(|d| d <= now) {
            self.join_deadline = None;
            if self.state == RoomState::Joining {
                // Do not leave a ghost behind if the room answers late.
                let leave = Presence::unavailable().with_to(self.occupant_jid());
                self.push_transmit(Stanza::Presence(leave));
                if self.entered_once && self.options.autorejoin {
                    // A rejoin that got no answer: try again later.
                    self.state = RoomState::Suspended;
                    self.join_deadline = Some(now + self.options.timeout);
                    self.resume(now);
                } else {
                    self.fail_join(JoinError::TimedOut);
                    if self.entered_once {
                        self.exit_locally(LeaveMode::Disconnected);
                    }
                }
            }
        }
        for (id, state) in self.trackers.expire(now) {
            self.events.push_back(RoomEvent::Tracker { id, state });
        }
        if self
            .pending_nick
            .as_ref()
            .is_some_and(|(r, _)| r.deadline <= now)
        {
            if let Some((r, _)) = self.pending_nick.take() {
                self.completed
                    .push_back((r.id, Err(RequestError::TimedOut)));
            }
        }
        if self
            .pending_subject
            .as_ref()
            .is_some_and(|(r, _)| r.deadline <= now)
        {
            if let Some((r, _)) = self.pending_subject.take() {
                self.completed
                    .push_back((r.id, Err(RequestError::TimedOut)));
            }
        }
        if self
            .pending_leave
            .as_ref()
            .is_some_and(|r| r.deadline <= now)
        {
            // The room did not confirm; consider ourselves out anyway.
            if let Some(r) = self.pending_leave.take() {
                self.completed
                    .push_back((r.id, Err(RequestError::TimedOut)));
                if self.state != RoomState::Exited {
                    self.exit_locally(LeaveMode::Normal);
                }
            }
        }
        if self.active() {
            let step = match self.selfping.as_mut() {
                Some(p) => p.on_timeout(now),
                None => PingStep::Nothing,
            };
            self.apply_ping_step(step, now);
        }
    }

    fn apply_ping_step(&mut self, step: PingStep, now: Instant) {
        match step {
            PingStep::Nothing => {}
            PingStep::SendPing => {
                let id = self.ids.next();
                let iq = crate::requests::iq_get(
                    self.occupant_jid().into(),
                    id.clone(),
                    xmpp_parsers::ping::Ping,
                );
                if let Some(p) = self.selfping.as_mut() {
                    p.ping_sent(id, now);
                }
                self.push_transmit(Stanza::Iq(iq));
            }
            PingStep::BecameStale => self.events.push_back(RoomEvent::Stale),
            PingStep::BecameFresh => self.events.push_back(RoomEvent::Fresh),
            PingStep::Gone => {
                if self.options.autorejoin {
                    self.cycle(now);
                } else {
                    self.exit_locally(LeaveMode::Disconnected);
                }
            }
        }
    }

    /// Something arrived from the room: it still routes to us.
    fn activity(&mut self, now: Instant) {
        let step = match self.selfping.as_mut() {
            Some(p) => p.activity(now),
            None => PingStep::Nothing,
        };
        self.apply_ping_step(step, now);
    }

    /// Handles an IQ answer from the room; `false` if it is not ours.
    pub fn handle_iq_answer(
        &mut self,
        id: &str,
        result: Result<Option<minidom::Element>, crate::ServerError>,
        now: Instant,
    ) -> bool {
        if self.disco_id.as_deref() == Some(id) {
            self.disco_id = None;
            if let Ok(Ok(Response::RoomInfo(desc))) =
                result.map(|p| crate::requests::read_answer(&crate::requests::Kind::RoomInfo, p))
            {
                self.features = Some(desc.features);
                self.info = desc.info;
            }
            return true;
        }
        if self.selfping.as_ref().is_some_and(|p| p.is_ours(id)) {
            let cond = result.as_ref().err().map(|e| e.condition.clone());
            let step = match self.selfping.as_mut() {
                Some(p) => p.on_answer(cond.as_ref(), now),
                None => PingStep::Nothing,
            };
            self.apply_ping_step(step, now);
            return true;
        }
        false
    }

    /// The room was destroyed by our own request and sent no unavailable
    /// presence (§10.9).
    pub(crate) fn gone(&mut self) {
        if self.state != RoomState::Exited {
            self.exit_locally(LeaveMode::Destroyed);
        }
    }

    /// Asks the room for its features again (after a configuration change).
    pub(crate) fn rediscover(&mut self) {
        if self.options.discover && self.disco_id.is_none() {
            let id = self.ids.next();
            let (iq, _) =
                crate::requests::disco_info(self.jid.as_ref().clone().into(), id.clone(), None);
            self.disco_id = Some(id);
            self.push_transmit(Stanza::Iq(iq));
        }
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

    /// Whether this room has no open trackers (for tests and invariants).
    pub fn tracking_idle(&self) -> bool {
        self.trackers.is_empty()
    }
}
