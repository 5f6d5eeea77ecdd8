//! The router: the sans-IO twin of aioxmpp's `MUCClient`.
//!
//! It owns the rooms of one session, routes inbound stanzas to them by room
//! JID, keeps the pending IQ requests and their deadlines, turns
//! invitations into events (also for rooms not joined), and collects every
//! room's events and stanzas into one ordered queue each.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use xmpp_parsers::date::DateTime;
use xmpp_parsers::iq::Iq;

use crate::error::RequestError;
use crate::event::Event;
use crate::id::IdGenerator;
use crate::requests::{Kind, RequestId};
use crate::room::{Room, RoomState, Transmit};
use crate::tracking::TrackerId;
use crate::wire::PresenceDecoder;

mod actions;
mod inbound;
mod iq_requests;

pub use inbound::PresenceBytes;

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
    /// Reads presences given as bytes (it remembers our checked JID).
    decoder: PresenceDecoder,
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
            decoder: PresenceDecoder::new(),
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
        let jid = room.shared_jid().clone();
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
        self.report_write(|room| room.transmitted(tracker));
    }

    /// The tracked message could not be written.
    pub fn transmit_failed(&mut self, tracker: TrackerId) {
        self.report_write(|room| room.transmit_failed(tracker));
    }

    /// Hands a write report to the room whose tracker it is (`report`
    /// says whether it was).
    fn report_write(&mut self, mut report: impl FnMut(&mut Room) -> bool) {
        let key = self
            .rooms
            .iter_mut()
            .find_map(|(k, r)| report(r).then(|| k.clone()));
        if let Some(k) = key {
            self.collect(&k);
        }
    }
}
