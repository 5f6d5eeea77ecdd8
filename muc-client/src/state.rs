//! State shared between the handles and the driver: room snapshots, the
//! room registry and the commands.
//!
//! Getters on [`Room`](crate::Room) read a snapshot that the driver
//! refreshes after every step that touched the room, before it publishes
//! the step's events: a getter never waits for the driver, and it shows at
//! least the state of the newest event a stream has handed out (it may be
//! ahead of an event still being read).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};
use std::time::{Duration, Instant};

use jid::BareJid;
use muc_core::muc_xso::forms::{RoomFeatures, RoomInfo};
use muc_core::{
    Capabilities, JoinOptions, OccupantKey, OccupantRef, Password, RequestId, Response, RoomEvent,
    RoomState, Router, Subject, UsageError,
};
use tokio::sync::{Notify, oneshot, watch};
use xmpp_parsers::message::Message;
use xmpp_parsers::stanza::Stanza;

use crate::error::Error;
use crate::events::{RoomEvents, Subscribers};
use crate::join::Entered;
use crate::tracker::MessageTracker;

/// What the getters of a room show.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub(crate) state: RoomState,
    pub(crate) active: bool,
    pub(crate) joined: bool,
    pub(crate) nick: String,
    pub(crate) this_occupant: Option<OccupantRef>,
    /// The other occupants by key (keys grow in order of arrival). Kept up
    /// to date from the room's events, so a big room costs nothing per
    /// step; see [`Delta`].
    pub(crate) others: BTreeMap<OccupantKey, OccupantRef>,
    pub(crate) subject: Subject,
    pub(crate) subject_setter: Option<String>,
    pub(crate) autorejoin: bool,
    pub(crate) password: Option<Password>,
    pub(crate) features: Option<RoomFeatures>,
    pub(crate) info: Option<RoomInfo>,
    pub(crate) capabilities: Capabilities,
}

impl Snapshot {
    /// Before the driver has seen the room.
    pub(crate) fn joining(nick: &str, options: &JoinOptions) -> Snapshot {
        Snapshot {
            state: RoomState::Joining,
            active: false,
            joined: false,
            nick: nick.to_owned(),
            this_occupant: None,
            others: BTreeMap::new(),
            subject: Subject::new(),
            subject_setter: None,
            autorejoin: options.autorejoin,
            password: options.password.clone(),
            features: None,
            info: None,
            capabilities: Capabilities {
                role: muc_core::muc_xso::Role::None,
                affiliation: muc_core::muc_xso::Affiliation::None,
                moderated: None,
                participants_set_subject: None,
            },
        }
    }

    /// Copies the cheap fields from the router's room, and applies the
    /// occupant and subject changes the room's events announced.
    pub(crate) fn refresh(
        &mut self,
        room: &muc_core::Room,
        deltas: impl IntoIterator<Item = Delta>,
    ) {
        self.state = room.state();
        self.active = room.active();
        self.joined = room.joined();
        if self.nick != room.nick() {
            self.nick = room.nick().to_owned();
        }
        self.this_occupant = room.this_occupant().cloned();
        self.autorejoin = room.autorejoin();
        self.password = room.password().cloned();
        if self.features.as_ref() != room.features() {
            self.features = room.features().cloned();
        }
        if self.info.as_ref() != room.info() {
            self.info = room.info().cloned();
        }
        self.capabilities = room.capabilities();
        for delta in deltas {
            match delta {
                Delta::Rebuild => {
                    self.others = room
                        .occupants()
                        .into_iter()
                        .filter(|o| !o.is_self())
                        .map(|o| (o.key(), o))
                        .collect();
                }
                Delta::Upsert(o) => {
                    self.others.insert(o.key(), o);
                }
                Delta::Remove(key) => {
                    self.others.remove(&key);
                }
                Delta::Subject => {
                    self.subject = room.subject().clone();
                    self.subject_setter = room.subject_setter().map(str::to_owned);
                }
            }
        }
    }

    /// The occupants, the local user first, then in order of arrival.
    pub(crate) fn occupants(&self) -> Vec<OccupantRef> {
        let mut v = Vec::with_capacity(self.others.len() + 1);
        v.extend(self.this_occupant.iter().filter(|o| o.available()).cloned());
        v.extend(self.others.values().cloned());
        v
    }

    /// The number of occupants, the local user included.
    pub(crate) fn occupant_count(&self) -> usize {
        self.others.len() + usize::from(self.this_occupant.as_ref().is_some_and(|o| o.available()))
    }

    /// The room is gone (exited, or the join failed).
    pub(crate) fn exit(&mut self) {
        self.state = RoomState::Exited;
        self.active = false;
        self.joined = false;
        self.others.clear();
    }
}

/// What a room event changes in the occupant list or the subject, applied
/// to the snapshot when the driver refreshes it (rather than copying the
/// whole list at every step).
#[derive(Debug, Clone)]
pub(crate) enum Delta {
    /// Copy the whole list (on entering and after a rejoin).
    Rebuild,
    /// This occupant is new or changed.
    Upsert(OccupantRef),
    /// This occupant left.
    Remove(OccupantKey),
    /// The subject changed.
    Subject,
}

impl Delta {
    /// The change an event makes, if any.
    pub(crate) fn of(event: &RoomEvent) -> Option<Delta> {
        use RoomEvent as E;
        let upsert = |o: &OccupantRef| (!o.is_self()).then(|| Delta::Upsert(o.clone()));
        match event {
            E::Enter { .. } | E::Resumed { .. } => Some(Delta::Rebuild),
            E::Join { occupant }
            | E::StatusChange { occupant }
            | E::NickChange { occupant, .. }
            | E::RoleChange { occupant, .. }
            | E::AffiliationChange { occupant, .. } => {
                // An affiliation change reported with a leave (a ban) is
                // followed by the Leave itself.
                if occupant.available() {
                    upsert(occupant)
                } else {
                    None
                }
            }
            E::Leave { occupant, .. } => Some(Delta::Remove(occupant.key())),
            E::SubjectChange { .. } => Some(Delta::Subject),
            _ => None,
        }
    }
}

/// One room as the handles and the driver share it.
pub(crate) struct RoomShared {
    pub(crate) jid: BareJid,
    pub(crate) snapshot: RwLock<Snapshot>,
    pub(crate) events: Subscribers<RoomEvent>,
    /// The subscription opened by `join`, until `events()` takes it.
    pub(crate) initial: Mutex<Option<RoomEvents>>,
    /// The guard of the live handles, to make new handles share it.
    pub(crate) guard: Mutex<Weak<RoomGuard>>,
}

impl RoomShared {
    pub(crate) fn snapshot(&self) -> std::sync::RwLockReadGuard<'_, Snapshot> {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_snapshot(&self, f: impl FnOnce(&mut Snapshot)) {
        let mut s = self.snapshot.write().unwrap_or_else(|e| e.into_inner());
        f(&mut s);
    }

    pub(crate) fn initial(&self) -> MutexGuard<'_, Option<RoomEvents>> {
        self.initial.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A guard for a new handle: the live one, or a fresh one.
    pub(crate) fn guard(self: &Arc<Self>) -> Arc<RoomGuard> {
        let mut g = self.guard.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(live) = g.upgrade() {
            return live;
        }
        let fresh = Arc::new(RoomGuard {
            shared: self.clone(),
        });
        *g = Arc::downgrade(&fresh);
        fresh
    }
}

/// Lives as long as some [`Room`](crate::Room) handle does; when the last
/// one goes, an initial subscription nobody took goes too (so it cannot
/// hold up the driver).
pub(crate) struct RoomGuard {
    shared: Arc<RoomShared>,
}

impl Drop for RoomGuard {
    fn drop(&mut self) {
        let unclaimed = self.shared.initial().take();
        drop(unclaimed);
    }
}

/// The rooms joined or being joined, by bare JID: the synchronous registry
/// behind "a second join of the same room is an error".
#[derive(Default)]
pub(crate) struct Registry {
    rooms: Mutex<HashMap<BareJid, Arc<RoomShared>>>,
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, HashMap<BareJid, Arc<RoomShared>>> {
        self.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a new room; refuses one that is already there.
    pub(crate) fn insert(&self, room: Arc<RoomShared>) -> Result<(), UsageError> {
        let mut rooms = self.lock();
        if rooms.contains_key(&room.jid) {
            return Err(UsageError::AlreadyJoined(room.jid.to_string()));
        }
        rooms.insert(room.jid.clone(), room);
        Ok(())
    }

    pub(crate) fn get(&self, jid: &BareJid) -> Option<Arc<RoomShared>> {
        self.lock().get(jid).cloned()
    }

    /// Removes `room` if it is still the registered one for its JID.
    pub(crate) fn remove(&self, room: &Arc<RoomShared>) {
        let mut rooms = self.lock();
        if rooms.get(&room.jid).is_some_and(|r| Arc::ptr_eq(r, room)) {
            rooms.remove(&room.jid);
        }
    }

    pub(crate) fn all(&self) -> Vec<Arc<RoomShared>> {
        self.lock().values().cloned().collect()
    }

    pub(crate) fn clear(&self) -> Vec<Arc<RoomShared>> {
        self.lock().drain().map(|(_, r)| r).collect()
    }
}

/// How many handles are waiting for something only the driver can
/// complete (a join, a request, a tracked message, the stream).
///
/// While any is, the driver keeps reading the transport even if an event
/// queue is full: the answer it waits for may be behind the events nobody
/// has read yet, and a task that awaits a join before it reads the join's
/// events must not deadlock.
pub(crate) struct Waiters {
    count: AtomicUsize,
    space: Arc<Notify>,
}

impl Waiters {
    pub(crate) fn new(space: Arc<Notify>) -> Arc<Waiters> {
        Arc::new(Waiters {
            count: AtomicUsize::new(0),
            space,
        })
    }

    /// Someone starts waiting (until the guard is dropped).
    pub(crate) fn enter(self: &Arc<Self>) -> WaitGuard {
        self.count.fetch_add(1, Ordering::SeqCst);
        // A driver paused by backpressure must look again.
        self.space.notify_one();
        WaitGuard(self.clone())
    }

    pub(crate) fn any(&self) -> bool {
        self.count.load(Ordering::SeqCst) > 0
    }
}

/// One waiting handle; see [`Waiters`].
pub(crate) struct WaitGuard(Arc<Waiters>);

impl Drop for WaitGuard {
    fn drop(&mut self) {
        self.0.count.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A router call that starts a request.
pub(crate) type RequestCall =
    Box<dyn FnOnce(&mut Router, Instant) -> Result<RequestId, UsageError> + Send>;
/// A router call that does something at once.
pub(crate) type ActCall = Box<dyn FnOnce(&mut Router, Instant) -> Result<(), UsageError> + Send>;

/// Whom a command is about.
pub(crate) enum Target {
    /// No room (a service-wide request).
    Service,
    /// A room by JID, joined or not (IQ requests that need no joined room).
    Jid(BareJid),
    /// This very room: refused with `NotJoined` if the room was left (even
    /// if it was joined again since; that is another `Room`).
    Room(Arc<RoomShared>),
}

impl Target {
    pub(crate) fn jid(&self) -> Option<&BareJid> {
        match self {
            Target::Service => None,
            Target::Jid(j) => Some(j),
            Target::Room(r) => Some(&r.jid),
        }
    }
}

/// What the handles ask of the driver.
pub(crate) enum Command {
    Join {
        room: Arc<RoomShared>,
        nick: String,
        options: JoinOptions,
        reply: oneshot::Sender<Result<Entered, Error>>,
    },
    Request {
        target: Target,
        call: RequestCall,
        reply: oneshot::Sender<Result<Response, Error>>,
    },
    Act {
        target: Target,
        call: ActCall,
        reply: Option<oneshot::Sender<Result<(), Error>>>,
    },
    Track {
        room: Arc<RoomShared>,
        message: Box<Message>,
        timeout: Option<Duration>,
        reply: oneshot::Sender<Result<MessageTracker, Error>>,
    },
    Raw(Box<Stanza>),
    Close(oneshot::Sender<()>),
}

/// The sending side of a tracker, kept by the driver.
pub(crate) type TrackerSender = watch::Sender<muc_core::TrackerState>;
