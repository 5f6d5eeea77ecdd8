//! The driver's output side: what the router reports becomes completed
//! futures, tracker updates and published events, in an order that keeps
//! the getters honest (snapshots first, then events, then futures).

use std::sync::Arc;

use jid::BareJid;
use muc_core::{Event, Response, TrackerState};
use tokio::sync::oneshot;

use super::Driver;
use crate::error::Error;
use crate::events::ServiceEvent;
use crate::join::Entered;
use crate::state::{RoomShared, TrackerSender};
use crate::transport::{Receipt, Transport};

/// Something to publish once the snapshots are fresh.
pub(super) enum Outgoing {
    Room(Arc<BareJid>, muc_core::RoomEvent),
    Service(ServiceEvent),
}

/// A future to complete once the snapshots are fresh and the events are
/// published, so whoever awaits it sees the state it implies (a finished
/// `leave_and_wait` means `joined()` is false).
pub(super) enum Completion {
    Request(
        oneshot::Sender<Result<Response, Error>>,
        Result<Response, Error>,
    ),
    Join(
        oneshot::Sender<Result<Entered, Error>>,
        Result<Entered, Error>,
    ),
    Tracker(TrackerSender, TrackerState),
    Other(Box<dyn FnOnce() + Send>),
}

impl Completion {
    pub(super) fn complete(self) {
        match self {
            Completion::Request(tx, r) => {
                let _ = tx.send(r);
            }
            Completion::Join(tx, r) => {
                let _ = tx.send(r);
            }
            Completion::Tracker(tx, state) => {
                tx.send_replace(state);
            }
            Completion::Other(f) => f(),
        }
    }
}

impl<T: Transport> Driver<T> {
    /// Takes everything the router has to say.
    pub(super) fn collect(&mut self) {
        while let Some(t) = self.router.poll_transmit() {
            self.transport.send(t.stanza, t.tracker.map(Receipt));
        }
        while let Some(event) = self.router.poll_event() {
            self.event(event);
            // Reports may have produced more to send.
            while let Some(t) = self.router.poll_transmit() {
                self.transport.send(t.stanza, t.tracker.map(Receipt));
            }
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Room { room, event } => self.room_event(room, event),
            Event::Request { id, result } => {
                if self.internal.remove(&id) {
                    return;
                }
                if let Some(reply) = self.requests.remove(&id) {
                    self.completions
                        .push(Completion::Request(reply, result.map_err(Error::Request)));
                }
            }
            Event::Invitation(invitation) => {
                self.outbox
                    .push(Outgoing::Service(ServiceEvent::Invitation(invitation)));
            }
            other => tracing::debug!(?other, "event not handled"),
        }
    }

    fn room_event(&mut self, room: Arc<BareJid>, event: muc_core::RoomEvent) {
        use muc_core::RoomEvent as E;
        self.mark(Some(&room));
        let mut entry = self.rooms.get_mut(&*room);
        if let (Some(e), Some(delta)) = (entry.as_mut(), crate::state::Delta::of(&event)) {
            e.deltas.push(delta);
        }
        match &event {
            E::Enter {
                occupant,
                status,
                created,
                nick_assigned,
            } => {
                if let Some(reply) = entry.and_then(|e| e.join_reply.take()) {
                    let entered = Entered {
                        occupant: occupant.clone(),
                        created: *created,
                        nick_assigned: *nick_assigned,
                        status: status.clone(),
                    };
                    self.completions.push(Completion::Join(reply, Ok(entered)));
                }
            }
            E::JoinFailed { error } => {
                if let Some(reply) = entry.and_then(|e| e.join_reply.take()) {
                    self.completions
                        .push(Completion::Join(reply, Err(Error::Join(error.clone()))));
                }
                self.dead.push((*room).clone());
            }
            E::Exit { .. } => {
                if let Some(reply) = entry.and_then(|e| e.join_reply.take()) {
                    let error = Error::Join(muc_core::JoinError::Cancelled);
                    self.completions.push(Completion::Join(reply, Err(error)));
                }
                self.dead.push((*room).clone());
            }
            E::Tracker { id, state } => {
                if state.is_final() {
                    if let Some(tx) = self.trackers.remove(id) {
                        self.completions
                            .push(Completion::Tracker(tx, state.clone()));
                    }
                } else if let Some(tx) = self.trackers.get(id) {
                    self.completions
                        .push(Completion::Tracker(tx.clone(), state.clone()));
                }
            }
            _ => {}
        }
        self.outbox.push(Outgoing::Room(room, event));
    }

    /// Refreshes the snapshots, then publishes the events, then ends the
    /// streams of rooms that are gone.
    pub(super) fn flush(&mut self) {
        if self.all_dirty {
            self.all_dirty = false;
            self.dirty.extend(self.rooms.keys().cloned());
        }
        for jid in std::mem::take(&mut self.dirty) {
            let Some(entry) = self.rooms.get_mut(&jid) else {
                continue;
            };
            let deltas = std::mem::take(&mut entry.deltas);
            match self.router.room(&jid) {
                Some(room) => entry.shared.set_snapshot(|s| s.refresh(room, deltas)),
                None => entry.shared.set_snapshot(|s| s.exit()),
            }
        }
        let dead: Vec<Arc<RoomShared>> = std::mem::take(&mut self.dead)
            .into_iter()
            .filter_map(|jid| self.rooms.remove(&jid))
            .map(|e| e.shared)
            .collect();
        for shared in &dead {
            shared.set_snapshot(|s| s.exit());
            self.links.registry.remove(shared);
        }
        // Consecutive events of one room go out as one batch: one lock and
        // one wake-up per subscriber instead of one per event.
        let mut outbox = std::mem::take(&mut self.outbox).into_iter().peekable();
        while let Some(out) = outbox.next() {
            match out {
                Outgoing::Room(room, event) => {
                    let mut batch = vec![event];
                    while let Some(Outgoing::Room(next, _)) = outbox.peek() {
                        if *next != room {
                            break;
                        }
                        if let Some(Outgoing::Room(_, event)) = outbox.next() {
                            batch.push(event);
                        }
                    }
                    let shared = self
                        .rooms
                        .get(&*room)
                        .map(|e| &e.shared)
                        .or_else(|| dead.iter().find(|s| s.jid == *room));
                    match shared {
                        Some(s) => s.events.publish_all(batch),
                        None => tracing::debug!(%room, "events for a room without a handle"),
                    }
                }
                Outgoing::Service(event) => self.links.service_events.publish(event),
            }
        }
        for shared in dead {
            shared.events.close();
        }
        for c in std::mem::take(&mut self.completions) {
            c.complete();
        }
    }
}
