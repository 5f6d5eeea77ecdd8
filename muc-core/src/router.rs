//! The router: the sans-IO twin of aioxmpp's `MUCClient`.
//!
//! It owns the rooms of one session, routes inbound stanzas to them by room
//! JID, keeps the pending IQ requests and their deadlines, turns
//! invitations into events (also for rooms not joined), and collects every
//! room's events and stanzas into one ordered queue each.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use muc_xso::{
    AdminItem, Affiliation, DestroyRequest, DirectInvite, OwnerQuery, Payload, Role, UserExt,
};
use xmpp_parsers::data_forms::DataForm;
use xmpp_parsers::date::DateTime;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::message::{Message, MessageType};
use xmpp_parsers::presence::{Presence, Show};
use xmpp_parsers::stanza::Stanza;
use xmpp_parsers::stanza_error::StanzaError;

use crate::error::{RequestError, ServerError, UsageError};
use crate::event::{Event, RoomEvent, Subject};
use crate::id::IdGenerator;
use crate::incoming::IncomingPresence;
use crate::invitation::{Invitation, InviteMode};
use crate::requests::{self, Kind, RequestId};
use crate::room::{JoinOptions, Room, RoomState, Transmit};
use crate::tracking::TrackerId;

/// Router settings.
#[derive(Debug, Clone)]
pub struct RouterConfig {
    /// Seed for stanza ids (pick a random one; a fixed one makes runs
    /// reproducible).
    pub seed: u64,
    /// How long a request waits for its answer.
    pub request_timeout: Duration,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            seed: 0,
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Bounds on the router's output queues, which grow when the application
/// does not poll while a room keeps sending. Past a bound, new items are
/// dropped (counted in [`Router::dropped_events`] and
/// [`Router::dropped_transmits`], and logged); `None` turns a bound off.
///
/// A driver that polls after every input never comes near them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueLimits {
    /// Events waiting for [`Router::poll_event`] (default 65,536).
    pub max_events: Option<usize>,
    /// Stanzas waiting for [`Router::poll_transmit`] (default 65,536).
    pub max_transmits: Option<usize>,
}

impl QueueLimits {
    /// No bounds at all.
    pub fn unlimited() -> QueueLimits {
        QueueLimits {
            max_events: None,
            max_transmits: None,
        }
    }

    /// Set the event queue bound.
    pub fn with_max_events(mut self, max: Option<usize>) -> Self {
        self.max_events = max;
        self
    }

    /// Set the transmit queue bound.
    pub fn with_max_transmits(mut self, max: Option<usize>) -> Self {
        self.max_transmits = max;
        self
    }
}

impl Default for QueueLimits {
    fn default() -> Self {
        QueueLimits {
            max_events: Some(65_536),
            max_transmits: Some(65_536),
        }
    }
}

/// A queue that drops what comes past its bound.
#[derive(Debug)]
struct Bounded<T> {
    queue: VecDeque<T>,
    max: Option<usize>,
    dropped: u64,
    what: &'static str,
}

impl<T> Bounded<T> {
    fn new(max: Option<usize>, what: &'static str) -> Bounded<T> {
        Bounded {
            queue: VecDeque::new(),
            max,
            dropped: 0,
            what,
        }
    }

    fn push_back(&mut self, item: T) {
        if self.max.is_some_and(|max| self.queue.len() >= max) {
            if self.dropped == 0 || self.dropped.is_power_of_two() {
                tracing::warn!(
                    queue = self.what,
                    dropped = self.dropped + 1,
                    "output queue full (the application is not polling); dropping"
                );
            }
            self.dropped += 1;
            return;
        }
        self.queue.push_back(item);
    }

    fn pop_front(&mut self) -> Option<T> {
        self.queue.pop_front()
    }
}

#[derive(Debug)]
struct PendingIq {
    request: RequestId,
    kind: Kind,
    to: Option<Jid>,
    deadline: Instant,
    after: After,
}

/// What a successful answer means for a room we are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Nothing,
    /// The configuration changed (a new room was just configured, whose
    /// features could not be discovered while it was locked): ask again.
    Rediscover,
    /// The room is gone (destroyed, §10.9), even if the service sends us
    /// no unavailable presence. If the stream is lost first, whether it is gone is
    /// unknown, so the room is not rejoined (that could create it anew).
    Gone,
}

/// The MUC side of one XMPP session.
///
/// Feed it stanzas, stream changes and the clock; take out events and
/// stanzas to send. See the crate docs for an example.
#[derive(Debug)]
pub struct Router {
    config: RouterConfig,
    rooms: HashMap<Box<str>, Room>,
    own_jid: Option<FullJid>,
    online: bool,
    ids: IdGenerator,
    next_request: u64,
    next_tracker: u64,
    next_room_seed: u64,
    pending: HashMap<String, PendingIq>,
    transmits: Bounded<Transmit>,
    events: Bounded<Event>,
    wall: Option<(Instant, DateTime)>,
}

/// Payloads nested deeper than this are not handled. minidom's `Clone`,
/// `Debug`, `PartialEq` and serializer recurse once per level, and one
/// stanza of a megabyte can nest 150,000 levels: enough to overflow any
/// thread's stack (an abort, not a panic). Real MUC payloads nest 4 or 5
/// levels, XHTML-IM a few more.
pub const MAX_PAYLOAD_DEPTH: usize = 64;

/// Whether an element among `payloads` nests deeper than
/// [`MAX_PAYLOAD_DEPTH`] (counted without recursion).
fn too_deep(payloads: &[Element]) -> bool {
    let mut stack: Vec<(&Element, usize)> = payloads.iter().map(|e| (e, 1)).collect();
    while let Some((e, depth)) = stack.pop() {
        if depth > MAX_PAYLOAD_DEPTH {
            return true;
        }
        stack.extend(e.children().map(|c| (c, depth + 1)));
    }
    false
}

fn iq_payload(iq: &Iq) -> Option<&Element> {
    match iq {
        Iq::Get { payload, .. } | Iq::Set { payload, .. } => Some(payload),
        Iq::Result { payload, .. } | Iq::Error { payload, .. } => payload.as_ref(),
    }
}

/// The bare part of a JID's text, without allocating.
fn bare_str(jid: &Jid) -> &str {
    let s = jid.as_str();
    match s.find('/') {
        Some(i) => &s[..i],
        None => s,
    }
}

impl Router {
    /// A router with no rooms, offline.
    pub fn new(config: RouterConfig) -> Router {
        Router {
            ids: IdGenerator::new(config.seed),
            next_room_seed: config.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            config,
            rooms: HashMap::new(),
            own_jid: None,
            online: false,
            next_request: 0,
            next_tracker: 0,
            pending: HashMap::new(),
            transmits: Bounded::new(QueueLimits::default().max_transmits, "transmits"),
            events: Bounded::new(QueueLimits::default().max_events, "events"),
            wall: None,
        }
    }

    // ----- inspection -----

    /// The room with this JID, joined or being joined.
    pub fn room(&self, jid: &BareJid) -> Option<&Room> {
        self.rooms.get(jid.as_str())
    }

    /// Every room, joined or being joined.
    pub fn rooms(&self) -> impl Iterator<Item = &Room> + '_ {
        self.rooms.values()
    }

    /// Whether a stream is up.
    pub fn is_online(&self) -> bool {
        self.online
    }

    /// Our full JID on the current stream.
    pub fn own_jid(&self) -> Option<&FullJid> {
        self.own_jid.as_ref()
    }

    /// Bounds the output queues (see [`QueueLimits`]).
    pub fn set_queue_limits(&mut self, limits: QueueLimits) {
        self.events.max = limits.max_events;
        self.transmits.max = limits.max_transmits;
    }

    /// The bounds on the output queues.
    pub fn queue_limits(&self) -> QueueLimits {
        QueueLimits {
            max_events: self.events.max,
            max_transmits: self.transmits.max,
        }
    }

    /// Events dropped because the event queue was full.
    pub fn dropped_events(&self) -> u64 {
        self.events.dropped
    }

    /// Stanzas dropped because the transmit queue was full.
    pub fn dropped_transmits(&self) -> u64 {
        self.transmits.dropped
    }

    // ----- outputs -----

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next stanza to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next moment [`handle_timeout`](Self::handle_timeout) has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let iqs = self.pending.values().map(|p| p.deadline);
        let rooms = self.rooms.values().filter_map(Room::poll_timeout);
        iqs.chain(rooms).min()
    }

    /// Moves a room's output into the router's queues, and drops the room
    /// once it is dead.
    fn collect(&mut self, key: &str) {
        let Some(room) = self.rooms.get_mut(key) else {
            return;
        };
        let jid = Arc::new(room.jid().clone());
        while let Some(t) = room.poll_transmit() {
            self.transmits.push_back(t);
        }
        while let Some(event) = room.poll_event() {
            self.events.push_back(Event::Room {
                room: jid.clone(),
                event,
            });
        }
        while let Some((id, result)) = room.poll_completed() {
            self.events.push_back(Event::Request { id, result });
        }
        if room.state() == RoomState::Exited {
            self.rooms.remove(key);
        }
    }

    fn collect_all(&mut self) {
        let keys: Vec<Box<str>> = self.rooms.keys().cloned().collect();
        for k in keys {
            self.collect(&k);
        }
    }

    // ----- stream and clock -----

    /// A stream is up, bound to `own_jid`: deferred joins go out and
    /// suspended rooms are rejoined.
    pub fn stream_established(&mut self, own_jid: FullJid, now: Instant) {
        self.online = true;
        self.own_jid = Some(own_jid.clone());
        for room in self.rooms.values_mut() {
            room.set_own_jid(own_jid.clone());
            room.stream_established(now);
        }
        self.collect_all();
    }

    /// The stream is gone: requests fail, rooms suspend or exit.
    pub fn stream_lost(&mut self, now: Instant) {
        self.online = false;
        let mut abandon = Vec::new();
        for (_, p) in self.pending.drain() {
            if p.after == After::Gone {
                if let Some(to) = &p.to {
                    abandon.push(Box::<str>::from(bare_str(to)));
                }
            }
            self.events.push_back(Event::Request {
                id: p.request,
                result: Err(RequestError::Disconnected),
            });
        }
        for key in abandon {
            if let Some(room) = self.rooms.get_mut(&key) {
                room.abandon();
            }
        }
        for room in self.rooms.values_mut() {
            room.stream_lost(now);
        }
        self.collect_all();
    }

    /// The wall-clock time at `now`, for `<history since/>` on rejoin.
    pub fn set_wall_clock(&mut self, now: Instant, wall: DateTime) {
        self.wall = Some((now, wall.clone()));
        for room in self.rooms.values_mut() {
            room.set_wall_clock(now, wall.clone());
        }
    }

    /// Advances every timer to `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let expired: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            if let Some(p) = self.pending.remove(&id) {
                self.events.push_back(Event::Request {
                    id: p.request,
                    result: Err(RequestError::TimedOut),
                });
            }
        }
        for room in self.rooms.values_mut() {
            if room.poll_timeout().is_some_and(|t| t <= now) {
                room.handle_timeout(now);
            }
        }
        self.collect_all();
    }

    /// The tracked message was written to the stream.
    pub fn transmitted(&mut self, tracker: TrackerId) {
        let key = self
            .rooms
            .iter_mut()
            .find_map(|(k, r)| r.transmitted(tracker).then(|| k.clone()));
        if let Some(k) = key {
            self.collect(&k);
        }
    }

    /// The tracked message could not be written.
    pub fn transmit_failed(&mut self, tracker: TrackerId) {
        let key = self
            .rooms
            .iter_mut()
            .find_map(|(k, r)| r.transmit_failed(tracker).then(|| k.clone()));
        if let Some(k) = key {
            self.collect(&k);
        }
    }

    // ----- inbound -----

    /// Handles any stanza; gives it back if it is not MUC's business.
    pub fn handle_stanza(&mut self, stanza: Stanza, now: Instant) -> Option<Stanza> {
        match stanza {
            Stanza::Presence(p) => self.handle_presence(p, now).map(Stanza::Presence),
            Stanza::Message(m) => self.handle_message(m, now).map(Stanza::Message),
            Stanza::Iq(iq) => self.handle_iq(iq, now).map(Stanza::Iq),
        }
    }

    /// Handles a presence; gives it back if it is not from a known room.
    pub fn handle_presence(&mut self, p: Presence, now: Instant) -> Option<Presence> {
        let key: Box<str> = match p.from.as_ref() {
            Some(from) if self.rooms.contains_key(bare_str(from)) => bare_str(from).into(),
            _ => return Some(p),
        };
        if too_deep(&p.payloads) {
            tracing::warn!(room = %key, "presence nested deeper than {MAX_PAYLOAD_DEPTH} levels; ignored");
            return None;
        }
        match IncomingPresence::from_presence(p) {
            Ok(incoming) => {
                if let Some(room) = self.rooms.get_mut(&key) {
                    room.handle_presence(incoming, now);
                }
            }
            Err(e) => {
                tracing::warn!(room = %key, error = %e, "invalid presence from the room; ignored")
            }
        }
        self.collect(&key);
        None
    }

    /// Handles a message; gives it back if it is not MUC's business.
    pub fn handle_message(&mut self, m: Message, now: Instant) -> Option<Message> {
        if too_deep(&m.payloads) {
            let ours = m
                .from
                .as_ref()
                .is_some_and(|f| self.rooms.contains_key(bare_str(f)));
            if ours {
                tracing::warn!(from = ?m.from, "message nested deeper than {MAX_PAYLOAD_DEPTH} levels; ignored");
                return None;
            }
            // Not from a room of ours: not read at all (not even for an
            // invitation), given back as it came.
            return Some(m);
        }
        if m.type_ != MessageType::Groupchat && m.type_ != MessageType::Error {
            match self.invitation(&m) {
                Some(Ok(invitation)) => {
                    self.events.push_back(Event::Invitation(invitation));
                    return None;
                }
                Some(Err(why)) => {
                    tracing::warn!(from = ?m.from, "{why}; ignored");
                    return None;
                }
                None => {}
            }
        }
        let key: Box<str> = match m.from.as_ref() {
            Some(from) if self.rooms.contains_key(bare_str(from)) => bare_str(from).into(),
            _ => return Some(m),
        };
        if m.type_ == MessageType::Headline {
            return Some(m);
        }
        if let Some(room) = self.rooms.get_mut(&key) {
            room.handle_message(m, now);
        }
        self.collect(&key);
        None
    }

    /// Reads an invitation: `None` when `m` is none, `Err` when it is one
    /// that cannot be trusted.
    fn invitation(&self, m: &Message) -> Option<Result<Invitation, String>> {
        // A mediated invitation first: Prosody and ejabberd add a
        // jabber:x:conference element beside the muc#user <invite/>, and
        // only the latter names the inviter and carries the password.
        if let Some(found) = self.mediated_invitation(m) {
            return Some(found);
        }
        match DirectInvite::find_in(&m.payloads)? {
            Ok(x) => Some(Ok(Invitation {
                continues: x.continues(),
                room: x.jid,
                inviter: m.from.clone(),
                mode: InviteMode::Direct,
                reason: x.reason,
                password: x.password,
                thread: x.thread,
            })),
            Err(e) => Some(Err(format!("invalid direct invitation: {e}"))),
        }
    }

    fn mediated_invitation(&self, m: &Message) -> Option<Result<Invitation, String>> {
        let x = match UserExt::find_in(&m.payloads)? {
            Ok(x) => x,
            Err(e) => return Some(Err(format!("invalid muc#user payload: {e}"))),
        };
        let invite = x.invites().next()?.clone();
        let from = match m.from.as_ref() {
            Some(f) if f.is_bare() && f.node().is_some() => f.to_bare(),
            other => {
                return Some(Err(format!(
                    "mediated invitation from {other:?}, which is not a room"
                )));
            }
        };
        Some(Ok(Invitation {
            room: from,
            inviter: invite.from,
            mode: InviteMode::Mediated,
            reason: invite.reason,
            password: x.password().map(str::to_owned),
            thread: invite.continue_.as_ref().and_then(|c| c.thread.clone()),
            continues: invite.continue_.is_some(),
        }))
    }

    /// Handles an IQ; gives it back if it is not MUC's business.
    pub fn handle_iq(&mut self, iq: Iq, now: Instant) -> Option<Iq> {
        let deep = match &iq {
            Iq::Result {
                payload: Some(p), ..
            }
            | Iq::Get { payload: p, .. }
            | Iq::Set { payload: p, .. } => too_deep(std::slice::from_ref(p)),
            Iq::Error { payload, .. } => payload
                .as_ref()
                .is_some_and(|p| too_deep(std::slice::from_ref(p))),
            Iq::Result { payload: None, .. } => false,
        };
        if deep {
            // Given back unread; a request it answers times out.
            tracing::warn!("IQ nested deeper than {MAX_PAYLOAD_DEPTH} levels; not read");
            return Some(iq);
        }
        match iq {
            Iq::Result {
                from,
                to,
                id,
                payload,
            } => self
                .iq_answer(from, to, id, Ok(payload), now)
                .map(|(from, to, id, r)| match r {
                    Ok(payload) => Iq::Result {
                        from,
                        to,
                        id,
                        payload,
                    },
                    Err((error, payload)) => Iq::Error {
                        from,
                        to,
                        id,
                        error,
                        payload,
                    },
                }),
            Iq::Error {
                from,
                to,
                id,
                error,
                payload,
            } => self
                .iq_answer(from, to, id, Err((error, payload)), now)
                .map(|(from, to, id, r)| match r {
                    Ok(payload) => Iq::Result {
                        from,
                        to,
                        id,
                        payload,
                    },
                    Err((error, payload)) => Iq::Error {
                        from,
                        to,
                        id,
                        error,
                        payload,
                    },
                }),
            Iq::Get {
                from,
                to,
                id,
                payload,
            } => {
                // A self-ping reflected to us by a room we are in (XEP-0410).
                let from_room = from.as_ref().is_some_and(|f| {
                    f.resource().is_some() && self.rooms.contains_key(bare_str(f))
                });
                if from_room && payload.is("ping", "urn:xmpp:ping") {
                    let reply = Iq::Result {
                        from: None,
                        to: from,
                        id,
                        payload: None,
                    };
                    self.transmits.push_back(Transmit {
                        stanza: Stanza::Iq(reply),
                        tracker: None,
                    });
                    return None;
                }
                Some(Iq::Get {
                    from,
                    to,
                    id,
                    payload,
                })
            }
            other => Some(other),
        }
    }

    #[allow(clippy::type_complexity)]
    fn iq_answer(
        &mut self,
        from: Option<Jid>,
        to: Option<Jid>,
        id: String,
        result: Result<Option<Element>, (StanzaError, Option<Element>)>,
        now: Instant,
    ) -> Option<(
        Option<Jid>,
        Option<Jid>,
        String,
        Result<Option<Element>, (StanzaError, Option<Element>)>,
    )> {
        if let Some(p) = self.pending.get(&id) {
            // An answer must come from whom we asked (or our server for
            // requests to it).
            let sender_ok = match (&p.to, &from) {
                (Some(asked), Some(answered)) => asked == answered,
                _ => true,
            };
            if sender_ok {
                if let Some(p) = self.pending.remove(&id) {
                    let outcome = match result {
                        Ok(payload) => requests::read_answer(&p.kind, payload),
                        Err((error, _)) => Err(RequestError::Server(ServerError::new(error))),
                    };
                    let ok = outcome.is_ok();
                    // The room's own reaction (rediscovery, a local exit)
                    // comes before the request's answer.
                    if ok && p.after != After::Nothing {
                        if let Some(key) = from.as_ref().map(|f| Box::<str>::from(bare_str(f))) {
                            if let Some(room) = self.rooms.get_mut(&key) {
                                match p.after {
                                    After::Rediscover => room.rediscover(),
                                    After::Gone => room.gone(),
                                    After::Nothing => {}
                                }
                            }
                            self.collect(&key);
                        }
                    }
                    self.events.push_back(Event::Request {
                        id: p.request,
                        result: outcome,
                    });
                }
                return None;
            }
            tracing::warn!(%id, ?from, "IQ answer from another entity than the one asked; ignored");
            return Some((from, to, id, result));
        }
        let key: Box<str> = match from.as_ref() {
            Some(f) if self.rooms.contains_key(bare_str(f)) => bare_str(f).into(),
            _ => return Some((from, to, id, result)),
        };
        let mapped = match &result {
            Ok(p) => Ok(p.clone()),
            Err((e, _)) => Err(ServerError::new(e.clone())),
        };
        let ours = self
            .rooms
            .get_mut(&key)
            .is_some_and(|room| room.handle_iq_answer(&id, mapped, now));
        self.collect(&key);
        if ours {
            None
        } else {
            Some((from, to, id, result))
        }
    }

    // ----- joining and leaving -----

    /// Joins `room` as `nick`. If the stream is down the join waits for it.
    /// The outcome comes as [`RoomEvent::Enter`] or [`RoomEvent::JoinFailed`].
    pub fn join(
        &mut self,
        room: BareJid,
        nick: &str,
        options: JoinOptions,
        now: Instant,
    ) -> Result<(), UsageError> {
        if room.node().is_none() {
            return Err(UsageError::NotBare(room.to_string()));
        }
        if self.rooms.contains_key(room.as_str()) {
            return Err(UsageError::AlreadyJoined(room.to_string()));
        }
        self.next_room_seed = self.next_room_seed.wrapping_add(1);
        let mut r = Room::new(room.clone(), nick, options, self.next_room_seed)?;
        if let Some(own) = &self.own_jid {
            r.set_own_jid(own.clone());
        }
        if let Some((at, wall)) = &self.wall {
            r.set_wall_clock(*at, wall.clone());
        }
        if self.online {
            r.start_join(now);
        }
        let key: Box<str> = room.as_str().into();
        self.rooms.insert(key.clone(), r);
        self.collect(&key);
        Ok(())
    }

    fn room_mut(&mut self, room: &BareJid) -> Result<&mut Room, UsageError> {
        self.rooms
            .get_mut(room.as_str())
            .ok_or_else(|| UsageError::NotJoined(room.to_string()))
    }

    fn new_request(&mut self) -> RequestId {
        self.next_request += 1;
        RequestId(self.next_request)
    }

    /// Leaves `room`; the request completes with [`Response::Left`] when the
    /// room confirms (or the deadline passes).
    pub fn leave(
        &mut self,
        room: &BareJid,
        status: Option<String>,
        now: Instant,
    ) -> Result<RequestId, UsageError> {
        if let Some(status) = &status {
            crate::text::check("the status", status)?;
        }
        let id = self.new_request();
        let deadline = now + self.config.request_timeout;
        let online = self.online;
        let r = self.room_mut(room)?;
        if online {
            r.leave(status, id, deadline, now);
        } else {
            r.stream_lost(now);
            r.leave(status, id, deadline, now);
        }
        self.collect(room.as_str());
        Ok(id)
    }

    /// Turns autorejoin on or off for a joined room (the seed's writable
    /// `autorejoin`).
    pub fn set_autorejoin(&mut self, room: &BareJid, on: bool) -> Result<(), UsageError> {
        self.room_mut(room)?.set_autorejoin(on);
        Ok(())
    }

    /// Changes the password used when the room is rejoined (the seed's
    /// writable `password`).
    pub fn set_password(
        &mut self,
        room: &BareJid,
        password: Option<crate::Password>,
    ) -> Result<(), UsageError> {
        self.room_mut(room)?.set_password(password);
        Ok(())
    }

    // ----- in-room actions -----

    /// Sends a groupchat message.
    pub fn send_message(&mut self, room: &BareJid, m: Message) -> Result<(), UsageError> {
        self.room_mut(room)?.send_message(m)?;
        self.collect(room.as_str());
        Ok(())
    }

    /// Sends a groupchat message and tracks its reflection.
    pub fn send_tracked(
        &mut self,
        room: &BareJid,
        m: Message,
        timeout: Option<Duration>,
        now: Instant,
    ) -> Result<TrackerId, UsageError> {
        self.next_tracker += 1;
        let id = TrackerId(self.next_tracker);
        self.room_mut(room)?.send_tracked(m, id, timeout, now)?;
        self.collect(room.as_str());
        Ok(id)
    }

    /// Changes the subject; completes when the room reflects it.
    pub fn set_subject(
        &mut self,
        room: &BareJid,
        subject: Subject,
        now: Instant,
    ) -> Result<RequestId, UsageError> {
        let id = self.new_request();
        let deadline = now + self.config.request_timeout;
        self.room_mut(room)?.set_subject(subject, id, deadline)?;
        self.collect(room.as_str());
        Ok(id)
    }

    /// Changes our nick; completes with [`Response::NickChanged`].
    pub fn set_nick(
        &mut self,
        room: &BareJid,
        nick: &str,
        now: Instant,
    ) -> Result<RequestId, UsageError> {
        let id = self.new_request();
        let deadline = now + self.config.request_timeout;
        self.room_mut(room)?.set_nick(nick, id, deadline)?;
        self.collect(room.as_str());
        Ok(id)
    }

    /// Sets our show and status in the room.
    pub fn set_presence(
        &mut self,
        room: &BareJid,
        show: Option<Show>,
        status: Option<String>,
    ) -> Result<(), UsageError> {
        self.room_mut(room)?.set_presence(show, status)?;
        self.collect(room.as_str());
        Ok(())
    }

    /// Sends a private message to the occupant `nick`.
    pub fn send_private_message(
        &mut self,
        room: &BareJid,
        nick: &str,
        m: Message,
    ) -> Result<(), UsageError> {
        self.room_mut(room)?.send_private_message(nick, m)?;
        self.collect(room.as_str());
        Ok(())
    }

    /// Asks the moderators for voice.
    pub fn request_voice(&mut self, room: &BareJid) -> Result<(), UsageError> {
        self.room_mut(room)?.request_voice()?;
        self.collect(room.as_str());
        Ok(())
    }

    /// Answers a voice request.
    pub fn answer_voice_request(
        &mut self,
        room: &BareJid,
        request: muc_xso::forms::VoiceRequest,
        allow: bool,
    ) -> Result<(), UsageError> {
        self.room_mut(room)?.answer_voice_request(request, allow)?;
        self.collect(room.as_str());
        Ok(())
    }

    /// Invites `invitees` to `room`: mediated (through the room, which must
    /// be joined) or direct (XEP-0249, to each invitee; with the room's
    /// password if we have it).
    pub fn invite(
        &mut self,
        room: &BareJid,
        invitees: Vec<Jid>,
        reason: Option<String>,
        mode: InviteMode,
    ) -> Result<(), UsageError> {
        match mode {
            InviteMode::Mediated => {
                self.room_mut(room)?.invite(invitees, reason)?;
                self.collect(room.as_str());
            }
            InviteMode::Direct => {
                if let Some(r) = &reason {
                    crate::text::check("the reason", r)?;
                }
                let password = self
                    .rooms
                    .get(room.as_str())
                    .and_then(|r| r.password().map(|p| p.expose().to_owned()));
                for to in invitees {
                    let stanza =
                        crate::room::direct_invitation(room, &to, reason.clone(), password.clone());
                    self.transmits.push_back(Transmit {
                        stanza,
                        tracker: None,
                    });
                }
            }
        }
        Ok(())
    }

    /// Declines a mediated invitation (no need to be in the room).
    pub fn decline(
        &mut self,
        room: &BareJid,
        inviter: Jid,
        reason: Option<String>,
    ) -> Result<(), UsageError> {
        if let Some(r) = &reason {
            crate::text::check("the reason", r)?;
        }
        let stanza = crate::room::decline_invitation(room, inviter, reason);
        self.transmits.push_back(Transmit {
            stanza,
            tracker: None,
        });
        Ok(())
    }

    // ----- IQ requests (joined or not) -----

    fn iq_request(&mut self, build: impl FnOnce(String) -> (Iq, Kind), now: Instant) -> RequestId {
        self.iq_request_then(build, After::Nothing, now)
    }

    fn iq_request_then(
        &mut self,
        build: impl FnOnce(String) -> (Iq, Kind),
        after: After,
        now: Instant,
    ) -> RequestId {
        let request = self.new_request();
        if !self.online {
            self.events.push_back(Event::Request {
                id: request,
                result: Err(RequestError::Disconnected),
            });
            return request;
        }
        let id = self.ids.next();
        let (iq, kind) = build(id.clone());
        if let Some(bad) = iq_payload(&iq).and_then(crate::text::check_element) {
            // A reason, password or form value XML cannot carry.
            self.events.push_back(Event::Request {
                id: request,
                result: Err(RequestError::Invalid(bad.to_string())),
            });
            return request;
        }
        self.pending.insert(
            id,
            PendingIq {
                request,
                kind,
                to: iq.to().cloned(),
                deadline: now + self.config.request_timeout,
                after,
            },
        );
        self.transmits.push_back(Transmit {
            stanza: Stanza::Iq(iq),
            tracker: None,
        });
        request
    }

    /// Changes the role of the occupant `nick` (kick = [`Role::None`]).
    pub fn set_role(
        &mut self,
        room: &BareJid,
        nick: &str,
        role: Role,
        reason: Option<String>,
        now: Instant,
    ) -> RequestId {
        let mut item = AdminItem::role(nick, role);
        item.reason = reason;
        self.modify_roles(room, vec![item], now)
    }

    /// Changes the affiliation of `jid` (taken bare, §10); works without
    /// being joined (ban = [`Affiliation::Outcast`]).
    pub fn set_affiliation(
        &mut self,
        room: &BareJid,
        jid: &Jid,
        affiliation: Affiliation,
        reason: Option<String>,
        now: Instant,
    ) -> RequestId {
        let mut item = AdminItem::affiliation(Jid::from(jid.to_bare()), affiliation);
        item.reason = reason;
        self.modify_affiliations(room, vec![item], now)
    }

    /// Sends role changes (the "delta" of §8.5/§9.8): items with `nick` and
    /// `role`.
    pub fn modify_roles(
        &mut self,
        room: &BareJid,
        items: Vec<AdminItem>,
        now: Instant,
    ) -> RequestId {
        self.iq_request(|id| requests::admin_set(room, id, items), now)
    }

    /// Sends affiliation changes (the "delta" of §9.2/§9.5/§10.5/§10.8):
    /// items with `jid` and `affiliation`.
    pub fn modify_affiliations(
        &mut self,
        room: &BareJid,
        items: Vec<AdminItem>,
        now: Instant,
    ) -> RequestId {
        self.iq_request(|id| requests::admin_set(room, id, items), now)
    }

    /// Lists everyone with `affiliation` (members, admins, owners, outcasts).
    pub fn affiliation_list(
        &mut self,
        room: &BareJid,
        affiliation: Affiliation,
        now: Instant,
    ) -> RequestId {
        self.iq_request(|id| requests::list_affiliation(room, id, affiliation), now)
    }

    /// Lists everyone with `role` (moderators, participants/voice list).
    pub fn role_list(&mut self, room: &BareJid, role: Role, now: Instant) -> RequestId {
        self.iq_request(|id| requests::list_role(room, id, role), now)
    }

    /// Fetches the configuration form ([`Response::Config`]).
    pub fn get_config(&mut self, room: &BareJid, now: Instant) -> RequestId {
        self.iq_request(|id| requests::owner(room, id, OwnerQuery::new(), true), now)
    }

    /// Submits a configuration form (see `RoomConfig::to_submit`).
    pub fn set_config(&mut self, room: &BareJid, form: DataForm, now: Instant) -> RequestId {
        self.iq_request_then(
            |id| requests::owner(room, id, OwnerQuery::with_form(form), false),
            After::Rediscover,
            now,
        )
    }

    /// Accepts the default configuration of a new room (instant room, §10.1.2).
    pub fn create_instant(&mut self, room: &BareJid, now: Instant) -> RequestId {
        self.iq_request_then(
            |id| requests::owner(room, id, OwnerQuery::instant(), false),
            After::Rediscover,
            now,
        )
    }

    /// Cancels the initial configuration of a new room (§10.1.3).
    pub fn cancel_config(&mut self, room: &BareJid, now: Instant) -> RequestId {
        self.iq_request_then(
            |id| requests::owner(room, id, OwnerQuery::cancel(), false),
            After::Nothing,
            now,
        )
    }

    /// Destroys the room (§10.9).
    pub fn destroy(
        &mut self,
        room: &BareJid,
        reason: Option<String>,
        alternate_venue: Option<Jid>,
        password: Option<String>,
        now: Instant,
    ) -> RequestId {
        let q = OwnerQuery::destroy(DestroyRequest {
            jid: alternate_venue,
            reason,
            password,
        });
        self.iq_request_then(|id| requests::owner(room, id, q, false), After::Gone, now)
    }

    /// Fetches the registration form (§7.10).
    pub fn registration_form(&mut self, room: &BareJid, now: Instant) -> RequestId {
        self.iq_request(|id| requests::registration_get(room, id), now)
    }

    /// Registers with the room (submits the filled form).
    pub fn register(&mut self, room: &BareJid, form: DataForm, now: Instant) -> RequestId {
        self.iq_request(|id| requests::registration_set(room, id, form), now)
    }

    /// Discovers our reserved nick in `room` (§7.12).
    pub fn reserved_nick(&mut self, room: &BareJid, now: Instant) -> RequestId {
        let to = Jid::from(room.clone());
        self.iq_request(
            |id| requests::disco_info(to, id, Some(muc_xso::ns::ROOMUSER_ITEM_NODE.to_owned())),
            now,
        )
    }

    /// Asks a room for its features and `muc#roominfo` (§6.4).
    pub fn room_info(&mut self, room: &BareJid, now: Instant) -> RequestId {
        let to = Jid::from(room.clone());
        self.iq_request(|id| requests::disco_info(to, id, None), now)
    }

    /// Lists the rooms of a MUC service (disco#items, §6.3).
    pub fn discover_rooms(&mut self, service: &Jid, now: Instant) -> RequestId {
        let to = service.clone();
        self.iq_request(|id| requests::disco_items(to, id, None), now)
    }

    /// Sends any stanza through the router's queue (keeps its order with
    /// the router's own stanzas).
    pub fn send_raw(&mut self, stanza: Stanza) {
        self.transmits.push_back(Transmit {
            stanza,
            tracker: None,
        });
    }

    /// A room event was caused locally (used by wrappers to report errors
    /// that never reach the wire).
    pub fn push_room_event(&mut self, room: &BareJid, event: RoomEvent) {
        self.events.push_back(Event::Room {
            room: Arc::new(room.clone()),
            event,
        });
    }
}
