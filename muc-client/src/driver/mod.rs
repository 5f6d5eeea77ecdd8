//! The driver task: owns the [`Router`] and the [`Transport`], runs the
//! timers, executes the handles' commands and publishes events.
//!
//! One loop, one `tokio::select!` over: commands from the handles, the
//! transport (unless a subscriber is full: backpressure), a sleep until the
//! router's next deadline, and the "space available" signal of the event
//! queues. After each step it writes what the router wants sent, resolves
//! the futures the step completed, refreshes the snapshots of the rooms it
//! touched, and then publishes the step's events.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use jid::BareJid;
use muc_core::{PresenceBytes, RequestId, Response, Router, RouterConfig, TrackerId, TrackerState};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use xmpp_parsers::jid::FullJid;
use xmpp_parsers::stanza::Stanza;

use crate::error::Error;
use crate::events::{ServiceEvent, ServiceEvents, Subscribers};
use crate::join::Entered;
use crate::service::ServiceOptions;
use crate::state::{Command, Registry, RoomShared, Target, TrackerSender, Waiters};
use crate::transport::{RawPresence, Receipt, Transport, TransportEvent};

mod publish;

use publish::{Completion, Outgoing};

/// How many ready transport events one step takes at most.
const BATCH: usize = 128;
/// How long closing waits for the rooms to confirm that we left.
const LEAVE_ON_CLOSE: Duration = Duration::from_secs(2);

/// A room the driver knows.
struct Entry {
    shared: Arc<RoomShared>,
    /// What the room's events since the last refresh changed in its
    /// occupant list or subject.
    deltas: Vec<crate::state::Delta>,
    join_reply: Option<oneshot::Sender<Result<Entered, Error>>>,
}

/// The pieces the driver shares with the handles.
pub(crate) struct Links {
    pub(crate) commands: mpsc::UnboundedReceiver<Command>,
    pub(crate) registry: Arc<Registry>,
    pub(crate) service_events: Arc<Subscribers<ServiceEvent>>,
    /// The service's initial subscription, until `Service::events` takes it.
    pub(crate) service_initial: Arc<std::sync::Mutex<Option<ServiceEvents>>>,
    pub(crate) online: watch::Sender<Option<FullJid>>,
    pub(crate) space: Arc<Notify>,
    pub(crate) waiters: Arc<Waiters>,
}

pub(crate) struct Driver<T: Transport> {
    router: Router,
    transport: T,
    transport_closed: bool,
    links: Links,
    options: ServiceOptions,
    rooms: HashMap<BareJid, Entry>,
    requests: HashMap<RequestId, oneshot::Sender<Result<Response, Error>>>,
    /// Requests the driver made itself (leaving on close).
    internal: HashSet<RequestId>,
    trackers: HashMap<TrackerId, TrackerSender>,
    dirty: HashSet<BareJid>,
    all_dirty: bool,
    outbox: Vec<Outgoing>,
    completions: Vec<Completion>,
    /// Since when reading is paused (backpressure), and whether that was
    /// reported.
    paused_since: Option<Instant>,
    stall_warned: bool,
    /// Rooms whose last event is in the outbox.
    dead: Vec<BareJid>,
}

/// A random seed for stanza ids (no dependency on a RNG crate: the std
/// hasher's keys are random per process).
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.finish()
}

/// The wall-clock time now, for `<history since/>` on rejoins.
fn wall_now() -> Option<xmpp_parsers::date::DateTime> {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let secs = i64::try_from(since.as_secs()).ok()?;
    let utc = chrono::DateTime::from_timestamp(secs, since.subsec_nanos())?;
    Some(xmpp_parsers::date::DateTime(utc.fixed_offset()))
}

impl<T: Transport> Driver<T> {
    pub(crate) fn new(transport: T, links: Links, options: ServiceOptions) -> Driver<T> {
        let router = Router::new(RouterConfig {
            seed: random_seed(),
            request_timeout: options.request_timeout,
        });
        Driver {
            router,
            transport,
            transport_closed: false,
            links,
            options,
            rooms: HashMap::new(),
            requests: HashMap::new(),
            internal: HashSet::new(),
            trackers: HashMap::new(),
            dirty: HashSet::new(),
            all_dirty: false,
            outbox: Vec::new(),
            completions: Vec::new(),
            paused_since: None,
            stall_warned: false,
            dead: Vec::new(),
        }
    }

    /// Whether to stop reading the transport: some subscriber is full and
    /// no handle waits for something the reading could complete.
    fn paused(&self) -> bool {
        !self.links.waiters.any()
            && (self.links.service_events.any_full()
                || self.rooms.values().any(|e| e.shared.events.any_full()))
    }

    /// Since when the full initial subscriptions nobody took have been
    /// full, with the room they belong to (`None`: the service's).
    fn unclaimed_full(&self) -> Vec<(Option<BareJid>, Instant)> {
        let service = self
            .links
            .service_initial
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(|s| s.full_since())
            .map(|t| (None, t));
        let rooms = self.rooms.iter().filter_map(|(jid, e)| {
            let since = e.shared.initial().as_ref().and_then(|s| s.full_since())?;
            Some((Some(jid.clone()), since))
        });
        service.into_iter().chain(rooms).collect()
    }

    /// Drops initial subscriptions nobody took that have been full for
    /// `stall_after`: a program that never reads a room's (or the
    /// service's) events must not hold up the reading, or fill memory.
    fn drop_unclaimed(&mut self, now: Instant) {
        for (room, since) in self.unclaimed_full() {
            if now.saturating_duration_since(since) < self.options.stall_after {
                continue;
            }
            let pending = match &room {
                None => self
                    .links
                    .service_initial
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .map(|stream| stream.pending()),
                Some(jid) => self
                    .rooms
                    .get(jid)
                    .and_then(|e| e.shared.initial().take())
                    .map(|stream| stream.pending()),
            };
            if let Some(pending) = pending {
                tracing::warn!(
                    room = ?room.as_ref().map(ToString::to_string),
                    pending,
                    "nobody took this event stream (`events()`) and it has been full for {:?}; it is dropped",
                    self.options.stall_after
                );
            }
        }
    }

    pub(crate) async fn run(mut self) {
        loop {
            self.drop_unclaimed(Instant::now());
            let paused = self.paused();
            self.note_pause(paused);
            let stall = self
                .paused_since
                .filter(|_| !self.stall_warned)
                .map(|t| t + self.options.stall_after);
            let unclaimed = self
                .unclaimed_full()
                .into_iter()
                .map(|(_, t)| t + self.options.stall_after);
            let deadline = self
                .router
                .poll_timeout()
                .into_iter()
                .chain(stall)
                .chain(unclaimed)
                .min()
                .map(tokio::time::Instant::from_std);
            let sleep = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                cmd = self.links.commands.recv() => match cmd {
                    Some(Command::Close(done)) => {
                        self.shutdown().await;
                        let _ = done.send(());
                        return;
                    }
                    Some(cmd) => self.command(cmd),
                    None => {
                        // Every handle is gone.
                        self.shutdown().await;
                        return;
                    }
                },
                ev = self.transport.next_event(), if !paused && !self.transport_closed => {
                    self.transport_event(ev);
                    self.collect();
                    for _ in 0..BATCH {
                        if self.transport_closed || self.outbox.len() >= BATCH || self.paused() {
                            break;
                        }
                        match self.transport.next_event().now_or_never() {
                            Some(ev) => {
                                self.transport_event(ev);
                                self.collect();
                            }
                            None => break,
                        }
                    }
                }
                () = sleep => {
                    self.timeouts(Instant::now());
                }
                () = self.links.space.notified(), if paused => {}
            }
            self.collect();
            self.flush();
        }
    }

    /// Keeps track of backpressure, for the logs.
    fn note_pause(&mut self, paused: bool) {
        match (paused, self.paused_since) {
            (true, None) => {
                tracing::debug!("an event queue is full: reading paused");
                self.paused_since = Some(Instant::now());
                self.stall_warned = false;
            }
            (true, Some(since))
                if !self.stall_warned && since.elapsed() >= self.options.stall_after =>
            {
                tracing::warn!(
                    "an event queue has held up reading for {:?}: reading stays paused until half of its events are taken \
                     (drop event streams you do not read)",
                    since.elapsed()
                );
                self.stall_warned = true;
            }
            (false, Some(_)) => {
                tracing::debug!("event queues have room again: reading resumed");
                self.paused_since = None;
            }
            _ => {}
        }
    }

    // ----- inputs -----

    fn mark(&mut self, room: Option<&BareJid>) {
        if let Some(r) = room {
            if !self.dirty.contains(r) {
                self.dirty.insert(r.clone());
            }
        }
    }

    /// Marks the target's room as touched, and refuses a command for a
    /// room that is gone (a dead `Room` handle must not act on a room
    /// joined again since under the same JID).
    fn check(&mut self, target: &Target) -> Result<(), Error> {
        self.mark(target.jid());
        match target {
            Target::Room(shared) => match self.rooms.get(&shared.jid) {
                Some(e) if Arc::ptr_eq(&e.shared, shared) => Ok(()),
                _ => Err(muc_core::UsageError::NotJoined(shared.jid.to_string()).into()),
            },
            Target::Service | Target::Jid(_) => Ok(()),
        }
    }

    fn command(&mut self, cmd: Command) {
        let now = Instant::now();
        match cmd {
            Command::Join {
                room,
                nick,
                options,
                reply,
            } => {
                let jid = room.jid.clone();
                if let Some(wall) = wall_now() {
                    self.router.set_wall_clock(now, wall);
                }
                match self.router.join(jid.clone(), &nick, options, now) {
                    Ok(()) => {
                        self.rooms.insert(
                            jid.clone(),
                            Entry {
                                shared: room,
                                deltas: Vec::new(),
                                join_reply: Some(reply),
                            },
                        );
                        self.mark(Some(&jid));
                    }
                    Err(e) => {
                        self.links.registry.remove(&room);
                        room.set_snapshot(|s| s.exit());
                        room.events.close();
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Request {
                target,
                call,
                reply,
            } => {
                if let Err(e) = self.check(&target) {
                    let _ = reply.send(Err(e));
                    return;
                }
                match call(&mut self.router, now) {
                    Ok(id) => {
                        self.requests.insert(id, reply);
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Act {
                target,
                call,
                reply,
            } => {
                let result = self
                    .check(&target)
                    .and_then(|()| call(&mut self.router, now).map_err(Error::from));
                if let Some(reply) = reply {
                    self.completions.push(Completion::Other(Box::new(move || {
                        let _ = reply.send(result);
                    })));
                } else if let Err(e) = result {
                    tracing::debug!(error = %e, "action refused");
                }
            }
            Command::Track {
                room,
                message,
                timeout,
                reply,
            } => {
                if let Err(e) = self.check(&Target::Room(room.clone())) {
                    let _ = reply.send(Err(e));
                    return;
                }
                let room = room.jid.clone();
                match self.router.send_tracked(&room, *message, timeout, now) {
                    Ok(id) => {
                        let (tx, rx) = watch::channel(TrackerState::InFlight);
                        self.trackers.insert(id, tx);
                        let waiters = self.links.waiters.clone();
                        let tracker = crate::tracker::MessageTracker::new(id, room, rx, waiters);
                        self.completions.push(Completion::Other(Box::new(move || {
                            let _ = reply.send(Ok(tracker));
                        })));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Command::Raw(stanza) => self.router.send_raw(*stanza),
            Command::Close(_) => {}
        }
    }

    fn transport_event(&mut self, ev: TransportEvent) {
        let now = Instant::now();
        match ev {
            TransportEvent::Online(jid) => {
                if self.router.is_online() {
                    // A new stream without notice that the old one died
                    // (tokio-xmpp's Client says nothing on a lost socket).
                    self.stream_down(now);
                }
                if let Some(wall) = wall_now() {
                    self.router.set_wall_clock(now, wall);
                }
                if self.options.initial_presence {
                    // Before the rejoins: the session is available first.
                    let presence = xmpp_parsers::presence::Presence::available();
                    self.router.send_raw(Stanza::Presence(presence));
                }
                self.router.stream_established(jid.clone(), now);
                self.links.online.send_replace(Some(jid.clone()));
                self.outbox
                    .push(Outgoing::Service(ServiceEvent::Online(jid)));
                self.all_dirty = true;
            }
            TransportEvent::Offline => self.stream_down(now),
            TransportEvent::Closed => {
                self.transport_closed = true;
                self.stream_down(now);
            }
            TransportEvent::Stanza(stanza) => {
                self.mark(room_of(&stanza).as_ref());
                if let Some(back) = self.router.handle_stanza(stanza, now) {
                    if !(self.options.answer_iqs && crate::local::answer(&back, &mut self.router)) {
                        self.outbox
                            .push(Outgoing::Service(ServiceEvent::Stanza(Box::new(back))));
                    }
                }
            }
            TransportEvent::Returning(stanza, slot) => {
                self.mark(room_of(&stanza).as_ref());
                let back = self.router.handle_stanza(stanza, now);
                let _ = slot.0.send(back);
            }
            TransportEvent::Presence(RawPresence(bytes)) => {
                match self.router.handle_presence_bytes(&bytes, now) {
                    Ok(PresenceBytes::Room(room)) => self.mark(room.as_ref()),
                    Ok(PresenceBytes::NotMine(p)) => {
                        self.outbox
                            .push(Outgoing::Service(ServiceEvent::Stanza(Box::new(
                                Stanza::Presence(p),
                            ))))
                    }
                    Err(e) => tracing::warn!(error = %e, "unreadable presence; ignored"),
                }
            }
            TransportEvent::Written(Receipt(id)) => self.router.transmitted(id),
            TransportEvent::WriteFailed(Receipt(id)) => self.router.transmit_failed(id),
            TransportEvent::Error(text) => {
                tracing::warn!("transport: {text}");
                self.outbox
                    .push(Outgoing::Service(ServiceEvent::TransportError(text)));
            }
        }
    }

    fn stream_down(&mut self, now: Instant) {
        if !self.router.is_online() {
            return;
        }
        self.router.stream_lost(now);
        self.links.online.send_replace(None);
        self.outbox.push(Outgoing::Service(ServiceEvent::Offline));
        self.all_dirty = true;
    }

    fn timeouts(&mut self, now: Instant) {
        self.router.handle_timeout(now);
        self.all_dirty = true;
    }

    // ----- closing -----

    /// Leaves every room (waiting briefly for the confirmations), closes
    /// the transport and ends every stream and pending future.
    async fn shutdown(&mut self) {
        let now = Instant::now();
        let rooms: Vec<BareJid> = self.rooms.keys().cloned().collect();
        for jid in &rooms {
            if let Ok(id) = self.router.leave(jid, None, now) {
                self.internal.insert(id);
            }
        }
        self.collect();
        self.flush();
        let deadline = tokio::time::Instant::now() + LEAVE_ON_CLOSE;
        while !self.internal.is_empty() && self.router.is_online() && !self.transport_closed {
            tokio::select! {
                ev = self.transport.next_event() => {
                    self.transport_event(ev);
                    self.collect();
                    self.flush();
                }
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
        self.transport.close().await;
        self.stream_down(Instant::now());
        self.collect();
        self.flush();
        for (_, entry) in self.rooms.drain() {
            if let Some(reply) = entry.join_reply {
                let _ = reply.send(Err(Error::Closed));
            }
            entry.shared.set_snapshot(|s| s.exit());
            entry.shared.events.close();
        }
        for shared in self.links.registry.clear() {
            shared.set_snapshot(|s| s.exit());
            shared.events.close();
        }
        self.requests.clear();
        self.trackers.clear();
        self.links.online.send_replace(None);
        self.links.service_events.close();
        tracing::debug!("service closed");
    }
}

/// The bare JID a stanza came from (the room, for room traffic).
fn room_of(stanza: &Stanza) -> Option<BareJid> {
    let from = match stanza {
        Stanza::Message(m) => m.from.as_ref(),
        Stanza::Presence(p) => p.from.as_ref(),
        Stanza::Iq(iq) => iq.from(),
    };
    from.map(|j| j.to_bare())
}
