//! Event streams: per room and per service, never lossy.
//!
//! # How events flow
//!
//! The driver task pushes every event into one queue per subscriber; a
//! subscriber is a [`RoomEvents`] or [`ServiceEvents`] stream. Pushing never
//! waits and never drops. Instead, with [`EventQueue::Bounded`] (the
//! default), as long as any subscriber holds `capacity` or more unread
//! events, the driver **stops reading from the transport**: the socket is
//! not read, the server's queue (and TCP) hold the rest, memory stays
//! bounded, and nothing is lost. Reading resumes once the slow subscriber
//! has taken half of what it holds (down to `capacity / 2` unread), so a
//! reader that keeps up only just does not cost a wake-up of the driver
//! per event. Commands and timers keep running meanwhile.
//!
//! One exception keeps this from deadlocking: while a handle awaits
//! something only the transport can bring (a [`JoinFuture`](crate::JoinFuture),
//! a request such as [`Room::set_role`](crate::Room::set_role), a
//! [`MessageTracker`](crate::MessageTracker) wait,
//! [`Service::wait_online`](crate::Service::wait_online)), the driver keeps
//! reading even if a queue is full. So the natural
//! `let events = room.events(); joined.await?;` works for a room with more
//! occupants than `capacity`, and awaiting a request in the task that also
//! reads the events never ends in a spurious timeout. Queues can then grow
//! past `capacity` for as long as such waits last (they all have
//! deadlines).
//!
//! With [`EventQueue::Unbounded`] the driver never pauses and queues grow
//! as needed.
//!
//! A queue that holds up reading for
//! [`ServiceOptions::stall_after`](crate::ServiceOptions::stall_after)
//! (10 s) is logged (`warn`). The subscription opened by
//! [`Service::join`](crate::Service::join) (or by creating the service)
//! that nobody took with `events()` is dropped at that point, with the
//! warning: a program that never reads a room's events does not hold up
//! the reading, nor fill memory. Streams that were taken are never
//! dropped.
//!
//! # Several subscribers
//!
//! Every subscriber gets every event from the moment it subscribed. The
//! first call to [`Room::events`](crate::Room::events) takes the
//! subscription opened inside [`Service::join`](crate::Service::join), so it
//! sees everything from the join on, even if it is called after the join
//! completed. Later calls open new subscriptions that start at the time of
//! the call. Dropping a stream unsubscribes it (and releases any
//! backpressure it caused). When the last [`Room`](crate::Room) handle is
//! dropped, an initial subscription nobody took is dropped with it.
//!
//! A room's streams end after the room's last event
//! ([`RoomEvent::Exit`] or
//! [`RoomEvent::JoinFailed`]), and every stream
//! ends when the service closes.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use futures::Stream;
use muc_core::{Invitation, RoomEvent};
use tokio::sync::Notify;
use xmpp_parsers::jid::FullJid;
use xmpp_parsers::stanza::Stanza;

/// How event queues behave when a subscriber is slow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventQueue {
    /// At most this many unread events per subscriber before the driver
    /// stops reading the transport (default 1024). Bounded memory, no loss.
    Bounded(usize),
    /// Queues grow without limit; the transport is always read.
    Unbounded,
}

impl Default for EventQueue {
    fn default() -> Self {
        EventQueue::Bounded(1024)
    }
}

impl EventQueue {
    pub(crate) fn capacity(self) -> Option<usize> {
        match self {
            EventQueue::Bounded(n) => Some(n.max(1)),
            EventQueue::Unbounded => None,
        }
    }
}

/// Something that happened to the service rather than to one room.
#[derive(Debug, PartialEq)]
#[non_exhaustive]
pub enum ServiceEvent {
    /// A stream is up, bound to this JID (the first time, and after every
    /// reconnect; joined rooms with autorejoin are being rejoined).
    Online(FullJid),
    /// The stream is down (rooms with autorejoin are suspended, the others
    /// exited; requests in flight failed).
    Offline,
    /// An invitation to a room (mediated or direct), joined or not.
    Invitation(Invitation),
    /// A stanza that is not MUC's business (library-owned transports only;
    /// with [`Service::application_owned`](crate::Service::application_owned)
    /// these go back to the application instead). IQ requests among them
    /// are the application's to answer (with
    /// [`Service::send_raw`](crate::Service::send_raw)); pings and
    /// disco#info queries to us are answered by the service unless
    /// [`ServiceOptions::answer_iqs`](crate::ServiceOptions::answer_iqs) is off.
    Stanza(Box<Stanza>),
    /// The transport reported a problem (a failed reconnect attempt, a
    /// stanza that could not be written ...).
    TransportError(String),
}

impl Clone for ServiceEvent {
    fn clone(&self) -> Self {
        match self {
            ServiceEvent::Online(j) => ServiceEvent::Online(j.clone()),
            ServiceEvent::Offline => ServiceEvent::Offline,
            ServiceEvent::Invitation(i) => ServiceEvent::Invitation(i.clone()),
            ServiceEvent::Stanza(s) => {
                ServiceEvent::Stanza(Box::new(crate::transport::clone_stanza(s)))
            }
            ServiceEvent::TransportError(e) => ServiceEvent::TransportError(e.clone()),
        }
    }
}

struct Inner<T> {
    items: VecDeque<T>,
    waker: Option<Waker>,
    /// No more items will come (the room is gone or the service closed).
    closed: bool,
    /// The stream was dropped: stop queueing for it.
    detached: bool,
    /// Holding up the reading: set when the queue reaches `capacity`,
    /// cleared when it is down to `capacity / 2` (hysteresis).
    blocking: bool,
    /// Since when `blocking` has been set.
    full_since: Option<Instant>,
}

/// One subscriber's queue, shared by the driver (pushing) and the stream
/// (taking).
pub(crate) struct Queue<T> {
    inner: Mutex<Inner<T>>,
    capacity: Option<usize>,
    /// Wakes the driver when a full queue gets room (or is detached).
    space: Arc<Notify>,
}

impl<T> Queue<T> {
    pub(crate) fn new(capacity: Option<usize>, space: Arc<Notify>) -> Arc<Queue<T>> {
        Arc::new(Queue {
            inner: Mutex::new(Inner {
                items: VecDeque::new(),
                waker: None,
                closed: false,
                detached: false,
                blocking: false,
                full_since: None,
            }),
            capacity,
            space,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        // A panic while holding this lock cannot leave the queue
        // inconsistent (every update is a single push or pop).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds an item (never waits). Returns false if the subscriber is gone.
    pub(crate) fn push(&self, item: T) -> bool {
        self.push_all(std::iter::once(item))
    }

    /// Adds items (never waits), waking the reader once. Returns false if
    /// the subscriber is gone.
    pub(crate) fn push_all(&self, items: impl IntoIterator<Item = T>) -> bool {
        let waker = {
            let mut q = self.lock();
            if q.detached || q.closed {
                return !q.detached;
            }
            q.items.extend(items);
            self.note_full(&mut q);
            q.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        true
    }

    /// No more items: the stream ends once it has taken what is queued.
    pub(crate) fn close(&self) {
        let waker = {
            let mut q = self.lock();
            q.closed = true;
            q.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Starts holding up the reading when the queue reaches `capacity`.
    fn note_full(&self, q: &mut Inner<T>) {
        if !q.blocking && self.capacity.is_some_and(|c| q.items.len() >= c) {
            q.blocking = true;
            q.full_since = Some(Instant::now());
        }
    }

    /// Whether the subscriber holds up the reading: it reached `capacity`
    /// unread items and has not yet taken half of them.
    pub(crate) fn is_full(&self) -> bool {
        if self.capacity.is_none() {
            return false;
        }
        let q = self.lock();
        !q.detached && q.blocking
    }

    pub(crate) fn is_detached(&self) -> bool {
        self.lock().detached
    }

    fn detach(&self) {
        let was_full = {
            let mut q = self.lock();
            q.detached = true;
            let full = q.blocking;
            q.items.clear();
            q.waker = None;
            q.blocking = false;
            q.full_since = None;
            full
        };
        if was_full {
            self.space.notify_one();
        }
    }

    fn poll_take(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut q = self.lock();
        if let Some(item) = q.items.pop_front() {
            let drained = q.blocking && self.capacity.is_some_and(|c| q.items.len() <= c / 2);
            if drained {
                q.blocking = false;
                q.full_since = None;
            }
            drop(q);
            if drained {
                self.space.notify_one();
            }
            return Poll::Ready(Some(item));
        }
        if q.closed {
            return Poll::Ready(None);
        }
        match &q.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => q.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    fn len(&self) -> usize {
        self.lock().items.len()
    }

    fn full_since(&self) -> Option<Instant> {
        self.lock().full_since
    }
}

/// The subscribers of one room (or of the service).
pub(crate) struct Subscribers<T> {
    list: Mutex<Vec<Arc<Queue<T>>>>,
    capacity: Option<usize>,
    space: Arc<Notify>,
    closed: Mutex<bool>,
}

impl<T: Clone> Subscribers<T> {
    pub(crate) fn new(capacity: Option<usize>, space: Arc<Notify>) -> Subscribers<T> {
        Subscribers {
            list: Mutex::new(Vec::new()),
            capacity,
            space,
            closed: Mutex::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Arc<Queue<T>>>> {
        self.list.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new subscription, starting now (an ended one if already closed).
    pub(crate) fn subscribe(&self) -> EventStream<T> {
        let queue = Queue::new(self.capacity, self.space.clone());
        if *self.closed.lock().unwrap_or_else(|e| e.into_inner()) {
            queue.close();
        } else {
            self.lock().push(queue.clone());
        }
        EventStream { queue }
    }

    /// Gives `item` to every subscriber.
    pub(crate) fn publish(&self, item: T) {
        let mut list = self.lock();
        list.retain(|q| !q.is_detached());
        if let Some((last, rest)) = list.split_last() {
            for q in rest {
                q.push(item.clone());
            }
            last.push(item);
        }
    }

    /// Gives `items`, in order, to every subscriber: one lock and at
    /// most one wake-up per subscriber for the whole batch.
    pub(crate) fn publish_all(&self, items: Vec<T>) {
        let mut list = self.lock();
        list.retain(|q| !q.is_detached());
        if let Some((last, rest)) = list.split_last() {
            for q in rest {
                q.push_all(items.iter().cloned());
            }
            last.push_all(items);
        }
    }

    /// Whether any subscriber is full (the driver then stops reading).
    pub(crate) fn any_full(&self) -> bool {
        self.lock().iter().any(|q| q.is_full())
    }

    /// Ends every stream (after what is queued) and refuses new ones.
    pub(crate) fn close(&self) {
        *self.closed.lock().unwrap_or_else(|e| e.into_inner()) = true;
        for q in self.lock().drain(..) {
            q.close();
        }
    }
}

/// A stream of events; see the [module docs](self) for the guarantees.
pub struct EventStream<T> {
    queue: Arc<Queue<T>>,
}

impl<T> EventStream<T> {
    /// How many events wait to be taken.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Since when this stream holds its capacity or more.
    pub(crate) fn full_since(&self) -> Option<Instant> {
        self.queue.full_since()
    }
}

impl<T> Stream for EventStream<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.queue.poll_take(cx)
    }
}

impl<T> Drop for EventStream<T> {
    fn drop(&mut self) {
        self.queue.detach();
    }
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("pending", &self.pending())
            .finish()
    }
}

/// The events of one room: a [`Stream`] of [`RoomEvent`]s.
pub type RoomEvents = EventStream<RoomEvent>;

/// The events of a service: a [`Stream`] of [`ServiceEvent`]s.
pub type ServiceEvents = EventStream<ServiceEvent>;

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use futures::task::noop_waker_ref;

    #[test]
    fn bounded_queue_reports_full_and_notifies_at_half() {
        let space = Arc::new(Notify::new());
        let subs: Subscribers<u32> = Subscribers::new(Some(4), space.clone());
        let mut a = subs.subscribe();
        subs.publish_all(vec![1, 2, 3]);
        assert!(!subs.any_full());
        subs.publish(4);
        subs.publish(5); // never dropped, even past capacity
        assert!(subs.any_full());
        let mut cx = Context::from_waker(noop_waker_ref());
        let mut take = |expected| {
            assert_eq!(
                Pin::new(&mut a).poll_next(&mut cx),
                Poll::Ready(Some(expected))
            );
        };
        let permit = |space: &Notify| futures::FutureExt::now_or_never(space.notified()).is_some();
        // Still holding up the reading until half of the capacity is free.
        take(1);
        take(2);
        assert!(subs.any_full());
        assert!(!permit(&space));
        take(3);
        assert!(!subs.any_full());
        // Draining to half leaves a permit for the driver.
        assert!(permit(&space));
        // Below capacity again, a new event does not hold it up.
        subs.publish(6);
        assert!(!subs.any_full());
        take(4);
        take(5);
        take(6);
        assert_eq!(Pin::new(&mut a).poll_next(&mut cx), Poll::Pending);
    }

    #[test]
    fn dropped_subscriber_releases_backpressure() {
        let space = Arc::new(Notify::new());
        let subs: Subscribers<u32> = Subscribers::new(Some(1), space);
        let a = subs.subscribe();
        let _b = subs.subscribe();
        subs.publish(1);
        assert!(subs.any_full());
        drop(a);
        let b_full = subs.any_full();
        assert!(b_full, "b still has its unread event");
    }

    #[tokio::test]
    async fn close_ends_streams_after_the_queued_items() {
        let subs: Subscribers<u32> = Subscribers::new(None, Arc::new(Notify::new()));
        let mut a = subs.subscribe();
        subs.publish(7);
        subs.close();
        assert_eq!(a.next().await, Some(7));
        assert_eq!(a.next().await, None);
        let mut late = subs.subscribe();
        assert_eq!(late.next().await, None);
    }
}
