//! [`Service`]: the entry point (the seed's `aioxmpp.muc.Service`).

use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use jid::{BareJid, FullJid};
use muc_core::{JoinOptions, RequestId, Response, Router, UsageError};
use tokio::sync::{Notify, mpsc, oneshot, watch};
use xmpp_parsers::stanza::Stanza;

use crate::driver::{Driver, Links};
use crate::error::{Error, Result};
use crate::events::{EventQueue, ServiceEvent, ServiceEvents, Subscribers};
use crate::jids::{IntoJid, room_jid};
use crate::join::JoinFuture;
use crate::room::Room;
use crate::state::{Command, Registry, RoomShared, Snapshot, Target, Waiters};
use crate::transport::Transport;

/// Settings of a [`Service`], whatever its transport.
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// How event queues behave with a slow subscriber (default: bounded at
    /// 1024 events, then the transport is not read until the subscriber
    /// catches up).
    pub events: EventQueue,
    /// How long a request (role, affiliation, configuration, nick,
    /// subject, leave ...) waits for its answer (default 30 s).
    pub request_timeout: Duration,
    /// Answer XEP-0199 pings and disco#info queries addressed to us
    /// (library-owned transports only; default `true`).
    pub answer_iqs: bool,
    /// Send an initial `<presence/>` on every new stream (default `true`;
    /// off for [`Service::application_owned`], where presence is the
    /// application's). Servers deliver messages sent to our bare JID, such
    /// as direct invitations, only to available sessions (RFC 6121 §8.5.2.1).
    pub initial_presence: bool,
    /// How long an event queue may hold up reading (full, and not yet
    /// down to half) before the driver logs a warning, and before an
    /// initial subscription nobody took (see [`events`](crate::events)) is
    /// dropped (default 10 s).
    pub stall_after: Duration,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        ServiceOptions {
            events: EventQueue::default(),
            request_timeout: Duration::from_secs(30),
            answer_iqs: true,
            initial_presence: true,
            stall_after: Duration::from_secs(10),
        }
    }
}

impl ServiceOptions {
    /// Sets the event queue policy.
    pub fn events(mut self, events: EventQueue) -> Self {
        self.events = events;
        self
    }

    /// Sets the request timeout.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

struct Inner {
    commands: mpsc::UnboundedSender<Command>,
    registry: Arc<Registry>,
    service_events: Arc<Subscribers<ServiceEvent>>,
    initial_events: Arc<Mutex<Option<ServiceEvents>>>,
    waiters: Arc<Waiters>,
    online: watch::Receiver<Option<FullJid>>,
    options: ServiceOptions,
    space: Arc<Notify>,
}

/// The MUC side of one XMPP session: joins rooms, and makes the requests
/// that need no joined room. Cheap to clone; every clone is the same
/// service. The service closes when [`close`](Self::close) is called or
/// when every `Service` and [`Room`] handle is gone.
///
/// Create one with [`Service::connect`] (the library owns the stream),
/// [`Service::from_client`] (hand over a `tokio_xmpp::Client`),
/// [`Service::application_owned`] (the application owns the stream and
/// passes stanzas) or [`Service::with_transport`].
///
/// ```no_run
/// use std::time::Duration;
/// use muc_client::{ConnectOptions, EventQueue, Service, ServiceOptions};
/// # async fn demo() -> Result<(), muc_client::Error> {
/// let options = ConnectOptions::default()
///     .connect_timeout(Duration::from_secs(5))
///     .service(ServiceOptions::default().events(EventQueue::Bounded(256)));
/// let service = Service::connect("alice@example.org", "secret", "192.0.2.1:5222".parse().unwrap(), options).await?;
/// # let _ = service;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("own_jid", &self.own_jid())
            .field("rooms", &self.inner.registry.all().len())
            .finish()
    }
}

/// Extra time a handle waits beyond the driver's own deadline before it
/// gives up on the driver.
const DRIVER_GRACE: Duration = Duration::from_secs(5);

impl Service {
    /// Runs a service on any [`Transport`]. Call it inside a tokio runtime:
    /// the driver task is spawned on the current one.
    pub fn with_transport<T: Transport>(transport: T, options: ServiceOptions) -> Service {
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let (online_tx, online_rx) = watch::channel(None);
        let space = Arc::new(Notify::new());
        let registry = Arc::new(Registry::default());
        let service_events = Arc::new(Subscribers::new(options.events.capacity(), space.clone()));
        let initial = Arc::new(Mutex::new(Some(service_events.subscribe())));
        let waiters = Waiters::new(space.clone());
        let links = Links {
            commands: commands_rx,
            registry: registry.clone(),
            service_events: service_events.clone(),
            service_initial: initial.clone(),
            online: online_tx,
            space: space.clone(),
            waiters: waiters.clone(),
        };
        tokio::spawn(Driver::new(transport, links, options.clone()).run());
        Service {
            inner: Arc::new(Inner {
                commands: commands_tx,
                registry,
                service_events,
                initial_events: initial,
                waiters,
                online: online_rx,
                options,
                space,
            }),
        }
    }

    /// Runs a service on a `tokio_xmpp::Client` the application built
    /// (with whatever connector and TLS setup it likes); the service owns
    /// it from now on and ends its stream when it closes.
    ///
    /// tokio-xmpp's client does not report a lost stream; the service
    /// notices when the client comes back `Online` (rooms are then
    /// rejoined). [`Service::connect`] notices at once.
    ///
    /// **Prefer [`Service::connect_with`]** (any tokio-xmpp connector, TLS
    /// included). tokio-xmpp 6.0.0's `Client` can stop delivering inbound
    /// stanzas for good: its background worker reads through a
    /// `StanzaReceiver` whose `poll_next` returns `Pending` without
    /// registering a waker when the lock it shares with `send_stanza` is
    /// taken, so a stanza that arrives while a send is being queued may
    /// leave the worker asleep. This crate's own tests lost a self-presence
    /// that way under load. Self-ping (on by default) then finds the rooms
    /// unresponsive, but nothing brings the inbound stream back.
    pub fn from_client(client: tokio_xmpp::Client, options: ServiceOptions) -> Service {
        Service::with_transport(crate::client::start(client), options)
    }

    // ----- state -----

    /// Our full JID on the current stream (`None` while offline).
    pub fn own_jid(&self) -> Option<FullJid> {
        self.inner.online.borrow().clone()
    }

    /// Whether a stream is up.
    pub fn is_online(&self) -> bool {
        self.inner.online.borrow().is_some()
    }

    /// Waits until a stream is up (at most `timeout`) and returns our JID.
    pub async fn wait_online(&self, timeout: Duration) -> Result<FullJid> {
        let _waiting = self.inner.waiters.enter();
        let mut rx = self.inner.online.clone();
        let wait = async {
            rx.wait_for(Option::is_some)
                .await
                .map_err(|_| Error::Closed)
                .map(|j| j.clone())
        };
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(Some(jid))) => Ok(jid),
            Ok(Ok(None)) | Ok(Err(_)) => Err(Error::Closed),
            Err(_) => Err(Error::Timeout("waiting for the stream")),
        }
    }

    /// The service's events: stream up and down, invitations, and the
    /// stanzas that are not MUC's. The first call gets every event since
    /// the service was created; later calls get events from now on. See
    /// [`events`](crate::events) for the delivery guarantees: a
    /// subscription nobody reads eventually stops the transport, so drop
    /// it if you do not want these events.
    pub fn events(&self) -> ServiceEvents {
        let initial = self
            .inner
            .initial_events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        initial.unwrap_or_else(|| self.inner.service_events.subscribe())
    }

    // ----- rooms -----

    /// Joins the room `mucjid` as `nick`.
    ///
    /// Not `async`, as in the seed: the room and its event stream exist
    /// when this returns, so no event can be missed; the [`JoinFuture`]
    /// tells how the join ended. If the stream is down, the join waits for
    /// it. Fails at once if `mucjid` is not a bare room JID, the nick is
    /// not valid, or the room is already joined or being joined.
    ///
    /// ```
    /// # use muc_client::{ConnectOptions, Error, History, JoinOptions, Service, UsageError};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let server = muc_testserver::Server::builder().user("alice", "alicepw").start().await?;
    /// # let service = Service::connect("alice@localhost", "alicepw", server.addr(), ConnectOptions::default()).await?;
    /// let options = JoinOptions::default().history(History::new().with_maxstanzas(20));
    /// let (room, joined) = service.join("coven@conference.localhost", "thirdwitch", options)?;
    /// let events = room.events(); // before anything can happen
    /// // A second join of the same room is refused at once.
    /// let again = service.join("coven@conference.localhost", "other", JoinOptions::default());
    /// assert!(matches!(again, Err(Error::Usage(UsageError::AlreadyJoined(_)))));
    /// let entered = joined.await?;
    /// assert!(entered.created);
    /// # drop(events);
    /// # Ok(())
    /// # }
    /// ```
    pub fn join(
        &self,
        mucjid: impl IntoJid,
        nick: &str,
        options: JoinOptions,
    ) -> Result<(Room, JoinFuture)> {
        let jid = room_jid(mucjid)?;
        if jid::ResourcePart::new(nick).is_err() {
            return Err(UsageError::BadNick(nick.to_owned()).into());
        }
        let capacity = self.inner.options.events.capacity();
        let events = Subscribers::new(capacity, self.inner.space.clone());
        let initial = events.subscribe();
        let shared = Arc::new(RoomShared {
            jid: jid.clone(),
            snapshot: RwLock::new(Snapshot::joining(nick, &options)),
            events,
            initial: Mutex::new(Some(initial)),
            guard: Mutex::new(std::sync::Weak::new()),
        });
        self.inner.registry.insert(shared.clone())?;
        let (tx, rx) = oneshot::channel();
        let timeout = options.timeout;
        let cmd = Command::Join {
            room: shared.clone(),
            nick: nick.to_owned(),
            options,
            reply: tx,
        };
        if self.inner.commands.send(cmd).is_err() {
            self.inner.registry.remove(&shared);
            return Err(Error::Closed);
        }
        let fut = JoinFuture::new(rx, timeout, self.inner.waiters.clone());
        Ok((Room::new(shared, self.clone()), fut))
    }

    /// The room `mucjid`, if it is joined or being joined.
    pub fn room(&self, mucjid: &BareJid) -> Option<Room> {
        self.inner
            .registry
            .get(mucjid)
            .map(|shared| Room::new(shared, self.clone()))
    }

    /// Every room joined or being joined.
    pub fn rooms(&self) -> Vec<Room> {
        self.inner
            .registry
            .all()
            .into_iter()
            .map(|shared| Room::new(shared, self.clone()))
            .collect()
    }

    // ----- plumbing for the handles -----

    /// Hands a command to the driver.
    pub(crate) fn send(&self, cmd: Command) -> Result<()> {
        self.inner.commands.send(cmd).map_err(|_| Error::Closed)
    }

    /// Starts a request in the driver and waits for its outcome.
    pub(crate) async fn request(
        &self,
        target: Target,
        call: impl FnOnce(&mut Router, Instant) -> Result<RequestId, UsageError> + Send + 'static,
    ) -> Result<Response> {
        let _waiting = self.inner.waiters.enter();
        let (tx, rx) = oneshot::channel();
        self.send(Command::Request {
            target,
            call: Box::new(call),
            reply: tx,
        })?;
        let limit = self.inner.options.request_timeout + DRIVER_GRACE;
        match tokio::time::timeout(limit, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::Closed),
            Err(_) => Err(Error::Timeout("no outcome from the driver")),
        }
    }

    /// Does something in the driver and waits for the verdict.
    pub(crate) async fn act(
        &self,
        target: Target,
        call: impl FnOnce(&mut Router, Instant) -> Result<(), UsageError> + Send + 'static,
    ) -> Result<()> {
        let _waiting = self.inner.waiters.enter();
        let (tx, rx) = oneshot::channel();
        self.send(Command::Act {
            target,
            call: Box::new(call),
            reply: Some(tx),
        })?;
        match tokio::time::timeout(DRIVER_GRACE, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::Closed),
            Err(_) => Err(Error::Timeout("no outcome from the driver")),
        }
    }

    /// Does something in the driver without waiting.
    pub(crate) fn act_nowait(
        &self,
        target: Target,
        call: impl FnOnce(&mut Router, Instant) -> Result<(), UsageError> + Send + 'static,
    ) -> Result<()> {
        self.send(Command::Act {
            target,
            call: Box::new(call),
            reply: None,
        })
    }

    /// Sends any stanza on the service's stream (in order with the MUC
    /// traffic).
    pub fn send_raw(&self, stanza: Stanza) -> Result<()> {
        self.send(Command::Raw(Box::new(stanza)))
    }

    /// Closes the service: leaves every room (waiting up to two seconds
    /// for the rooms to confirm), ends the stream, ends every event stream
    /// and fails what is still pending with [`Error::Closed`].
    pub async fn close(&self) {
        let (tx, rx) = oneshot::channel();
        if self.send(Command::Close(tx)).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(10), rx).await;
        }
    }
}
