//! What every scenario needs: connected clients, fresh rooms, and waits
//! with deadlines (a scenario never hangs; the runner also times it out).

use std::time::Duration;

use futures::StreamExt;
use muc_client::{ConnectOptions, Entered, JoinOptions, Room, RoomEvent, RoomEvents, Service};

use crate::backend::Backend;
use crate::runner::ScenarioCtx;

/// The error type of scenario bodies: any message.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// How long a scenario waits for one thing to happen.
pub const WAIT: Duration = Duration::from_secs(10);

/// How long a scenario waits to be sure something does NOT happen.
pub const QUIET: Duration = Duration::from_millis(700);

/// Connects `user` (one of the pre-registered accounts: alice, bob, carol,
/// dave, eve, frank, grace, heidi) to the scenario's server.
pub async fn connect(ctx: &ScenarioCtx, user: &str) -> Result<Service, Error> {
    let account = ctx.user(user);
    let service = Service::connect(
        &account.jid().to_string(),
        account.password(),
        ctx.addr(),
        ConnectOptions::default(),
    )
    .await?;
    Ok(service)
}

/// Joins `room` as `nick` with default options (no self-ping noise) and
/// waits for the self-presence.
pub async fn join(
    service: &Service,
    room: &jid::BareJid,
    nick: &str,
) -> Result<(Room, RoomEvents, Entered), Error> {
    join_with(service, room, nick, JoinOptions::default()).await
}

/// Joins with options and waits for the self-presence.
pub async fn join_with(
    service: &Service,
    room: &jid::BareJid,
    nick: &str,
    options: JoinOptions,
) -> Result<(Room, RoomEvents, Entered), Error> {
    let (room, joined) = service.join(room.to_string().as_str(), nick, options)?;
    let events = room.events();
    let entered = tokio::time::timeout(WAIT, joined)
        .await
        .map_err(|_| "no self-presence in time")??;
    Ok((room, events, entered))
}

/// Creates a fresh room owned by `owner`'s `nick` and unlocks it (instant
/// room), so other users can join. Returns the room, its events and
/// whether the server said it was created (201).
pub async fn create_room(
    ctx: &ScenarioCtx,
    owner: &Service,
    nick: &str,
) -> Result<(Room, RoomEvents), Error> {
    let jid = ctx.fresh_room();
    let (room, events, entered) = join(owner, &jid, nick).await?;
    if !entered.created {
        return Err(format!("{jid} was not reported as created (no 201)").into());
    }
    room.create_instant().await?;
    Ok((room, events))
}

/// Waits for the first event `pick` accepts, skipping the others.
pub async fn wait_for<T>(
    events: &mut RoomEvents,
    what: &str,
    mut pick: impl FnMut(&RoomEvent) -> Option<T>,
) -> Result<T, Error> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, events.next()).await {
            Err(_) => return Err(format!("timed out waiting for {what}").into()),
            Ok(None) => return Err(format!("event stream ended while waiting for {what}").into()),
            Ok(Some(e)) => {
                if let Some(t) = pick(&e) {
                    return Ok(t);
                }
            }
        }
    }
}

/// Collects the events that arrive within `QUIET`.
pub async fn drain(events: &mut RoomEvents) -> Vec<RoomEvent> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + QUIET;
    while let Ok(Some(e)) = tokio::time::timeout_at(deadline, events.next()).await {
        out.push(e);
    }
    out
}

/// True for the real servers (not the embedded one).
pub fn is_real(ctx: &ScenarioCtx) -> bool {
    !matches!(ctx.backend(), Backend::Embedded)
}

// ----- helpers of the §8–§10 scenarios (moderation, admin, owner) -----

/// The bare JID of the pre-registered account `user` (`bob@localhost`).
pub fn bare_jid(ctx: &ScenarioCtx, user: &str) -> jid::BareJid {
    ctx.user(user).jid().clone()
}

/// Awaits `fut` for at most [`WAIT`].
pub async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> Result<T, Error> {
    tokio::time::timeout(WAIT, fut)
        .await
        .map_err(|_| format!("timed out waiting for {what}").into())
}

/// The condition (`forbidden`, `not-allowed` ...) of a request or join the
/// server refused with a stanza error; an error if it was allowed or failed
/// without a stanza error (timeout, disconnect ...).
pub fn refusal<T: std::fmt::Debug>(
    what: &str,
    result: Result<T, muc_client::Error>,
) -> Result<&'static str, Error> {
    match result {
        Ok(value) => Err(format!("{what}: the server allowed it ({value:?})").into()),
        Err(e) => match e.server_error() {
            Some(server) => Ok(server.condition_name()),
            None => Err(format!("{what}: failed without a stanza error: {e}").into()),
        },
    }
}

/// The events already published on `events`, without waiting: what a
/// program sees at once after a future completed.
pub fn queued(events: &mut RoomEvents) -> Vec<RoomEvent> {
    use futures::FutureExt;
    let mut out = Vec::new();
    while let Some(Some(e)) = events.next().now_or_never() {
        out.push(e);
    }
    out
}

/// A room owned by `owner` (as `owner_nick`, instant room) that every guest
/// has entered; the owner's stream has seen each guest's `Join`. Returns the
/// owner's room and events, then each guest's, in order.
pub async fn room_with_guests(
    ctx: &ScenarioCtx,
    owner: &Service,
    owner_nick: &str,
    guests: &[(&Service, &str)],
) -> Result<(Room, RoomEvents, Vec<(Room, RoomEvents)>), Error> {
    let (room, mut events) = create_room(ctx, owner, owner_nick).await?;
    let mut joined: Vec<(Room, RoomEvents)> = Vec::new();
    for (service, nick) in guests {
        let (r, e, _) = join(service, room.mucjid(), nick).await?;
        let seen = |e: &RoomEvent| match e {
            RoomEvent::Join { occupant } if occupant.nick() == *nick => Some(()),
            _ => None,
        };
        wait_for(&mut events, &format!("{nick}'s join"), seen).await?;
        // The guests already in see the newcomer too.
        for (earlier, earlier_events) in joined.iter_mut() {
            if earlier.occupant(nick).is_none() {
                wait_for(earlier_events, &format!("{nick}'s join"), seen).await?;
            }
        }
        joined.push((r, e));
    }
    Ok((room, events, joined))
}

/// Fetches the room's configuration form, lets `edit` change it and submits
/// the whole form back (what a configuration dialog does).
pub async fn reconfigure(
    room: &Room,
    edit: impl FnOnce(&mut muc_client::RoomConfig),
) -> Result<(), Error> {
    let mut config = within("the configuration form", room.get_config()).await??;
    edit(&mut config);
    within("the configuration submission", room.set_config(&config)).await??;
    Ok(())
}

/// Waits for the role of `nick` to become `role`; returns the old role and
/// the cause.
pub async fn wait_role(
    events: &mut RoomEvents,
    nick: &str,
    role: muc_client::Role,
) -> Result<(muc_client::Role, muc_client::Cause), Error> {
    wait_for(
        events,
        &format!("{nick}'s role to become {role:?}"),
        |e| match e {
            RoomEvent::RoleChange {
                occupant,
                old,
                new,
                cause,
            } if occupant.nick() == nick && *new == role => Some((*old, cause.clone())),
            _ => None,
        },
    )
    .await
}

/// Waits for the affiliation of `nick` to become `affiliation`; returns the
/// old affiliation and the cause.
pub async fn wait_affiliation(
    events: &mut RoomEvents,
    nick: &str,
    affiliation: muc_client::Affiliation,
) -> Result<(muc_client::Affiliation, muc_client::Cause), Error> {
    wait_for(
        events,
        &format!("{nick}'s affiliation to become {affiliation:?}"),
        |e| match e {
            RoomEvent::AffiliationChange {
                occupant,
                old,
                new,
                cause,
            } if occupant.nick() == nick && *new == affiliation => Some((*old, cause.clone())),
            _ => None,
        },
    )
    .await
}

/// How an occupant left, as another occupant saw it.
#[derive(Debug, Clone)]
pub struct Departure {
    /// The leave mode.
    pub mode: muc_client::LeaveMode,
    /// Actor and reason.
    pub cause: muc_client::Cause,
    /// The status codes of the unavailable presence.
    pub status: Vec<muc_client::StatusCode>,
}

/// Waits for `nick` to leave; returns how.
pub async fn wait_leave(events: &mut RoomEvents, nick: &str) -> Result<Departure, Error> {
    wait_for(events, &format!("{nick} to leave"), |e| match e {
        RoomEvent::Leave {
            occupant,
            mode,
            cause,
            status,
        } if occupant.nick() == nick => Some(Departure {
            mode: *mode,
            cause: cause.clone(),
            status: status.clone(),
        }),
        _ => None,
    })
    .await
}

/// How the local user was taken out of a room.
#[derive(Debug, Clone)]
pub struct Removed {
    /// The leave mode.
    pub mode: muc_client::LeaveMode,
    /// Actor and reason.
    pub cause: muc_client::Cause,
    /// The destruction, when the room was destroyed.
    pub destroyed: Option<muc_client::Destruction>,
    /// The status codes of the unavailable self-presence.
    pub status: Vec<muc_client::StatusCode>,
}

/// Waits for the local user's `Exit`; returns how.
pub async fn wait_exit(events: &mut RoomEvents) -> Result<Removed, Error> {
    wait_for(events, "our exit", |e| match e {
        RoomEvent::Exit {
            mode,
            cause,
            destroyed,
            status,
            ..
        } => Some(Removed {
            mode: *mode,
            cause: cause.clone(),
            destroyed: destroyed.clone(),
            status: status.clone(),
        }),
        _ => None,
    })
    .await
}

/// Closes every service (ends their streams), in order.
pub async fn close_all(services: &[&Service]) {
    for s in services {
        s.close().await;
    }
}

// ----- helpers of the occupant-side scenarios (discovery, enter, occupants,
// messages, exit, invites, session) -----

/// Connect options for scenarios that cut connections: the first reconnect
/// attempt is immediate, the next ones come quickly.
pub fn quick_reconnect() -> ConnectOptions {
    ConnectOptions::default()
        .connect_timeout(Duration::from_secs(5))
        .reconnect_delay(Duration::from_millis(100))
}

/// Connects `user` through `addr` (a [`TcpProxy`], for example) instead of the
/// server's own address, with [`quick_reconnect`] options.
pub async fn connect_via(
    ctx: &ScenarioCtx,
    user: &str,
    addr: std::net::SocketAddr,
) -> Result<Service, Error> {
    let account = ctx.user(user);
    let service = Service::connect(
        &account.jid().to_string(),
        account.password(),
        addr,
        quick_reconnect(),
    )
    .await?;
    Ok(service)
}

/// Creates a fresh room like [`create_room`], then submits `configure`'s
/// changes as its configuration (only the fields it sets are sent), as an
/// owner would right after creating it.
pub async fn create_configured_room(
    ctx: &ScenarioCtx,
    owner: &Service,
    nick: &str,
    configure: impl FnOnce(&mut muc_client::RoomConfig),
) -> Result<(Room, RoomEvents), Error> {
    let (room, events) = create_room(ctx, owner, nick).await?;
    let mut config = muc_client::RoomConfig::new();
    configure(&mut config);
    room.set_config(&config)
        .await
        .map_err(|e| format!("configuring {}: {e}", room.mucjid()))?;
    Ok((room, events))
}

/// Tries to join `room` and expects a refusal: returns the stanza error's
/// condition name (`not-authorized`, `conflict` ...). Joining is an error
/// (with `what` in the text), and so is any other failure.
pub async fn join_refused(
    service: &Service,
    room: &jid::BareJid,
    nick: &str,
    options: JoinOptions,
    what: &str,
) -> Result<String, Error> {
    let (handle, joined) = service.join(room.to_string().as_str(), nick, options)?;
    match tokio::time::timeout(WAIT, joined).await {
        Err(_) => Err(format!("{what}: no answer to the join in time").into()),
        Ok(Ok(entered)) => {
            handle.leave();
            Err(format!(
                "{what}: the room let {nick} in (status {:?}) instead of refusing",
                entered.status
            )
            .into())
        }
        Ok(Err(e)) => match e.server_error() {
            Some(err) => Ok(err.condition_name().to_owned()),
            None => Err(format!("{what}: the join failed without a stanza error: {e}").into()),
        },
    }
}

/// The first body of a groupchat or private message event.
pub fn body(event: &RoomEvent) -> Option<&str> {
    match event {
        RoomEvent::Message { message, .. } | RoomEvent::PrivateMessage { message, .. } => {
            message.bodies.values().next().map(String::as_str)
        }
        _ => None,
    }
}

/// Whether `event` is a groupchat message with this body.
pub fn is_message(event: &RoomEvent, text: &str) -> bool {
    matches!(event, RoomEvent::Message { .. }) && body(event) == Some(text)
}

/// Every event up to and including the first one `stop` accepts.
pub async fn collect_until(
    events: &mut RoomEvents,
    what: &str,
    mut stop: impl FnMut(&RoomEvent) -> bool,
) -> Result<Vec<RoomEvent>, Error> {
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, events.next()).await {
            Err(_) => {
                return Err(
                    format!("timed out waiting for {what}; saw {}", summarize(&seen)).into(),
                );
            }
            Ok(None) => {
                return Err(format!(
                    "event stream ended while waiting for {what}; saw {}",
                    summarize(&seen)
                )
                .into());
            }
            Ok(Some(e)) => {
                let done = stop(&e);
                seen.push(e);
                if done {
                    return Ok(seen);
                }
            }
        }
    }
}

/// Fails if an event `unwanted` accepts arrives within [`QUIET`]; returns
/// the events that did arrive.
pub async fn expect_quiet(
    events: &mut RoomEvents,
    what: &str,
    mut unwanted: impl FnMut(&RoomEvent) -> bool,
) -> Result<Vec<RoomEvent>, Error> {
    let seen = drain(events).await;
    if let Some(e) = seen.iter().find(|e| unwanted(e)) {
        return Err(format!("{what}: unexpected {}", short(e)).into());
    }
    Ok(seen)
}

/// Polls `check` every 20 ms until it is true or [`WAIT`] passes.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) -> Result<(), Error> {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check() {
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("timed out waiting until {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// A one-line description of an event, for failure messages.
pub fn short(event: &RoomEvent) -> String {
    match event {
        RoomEvent::Enter { status, .. } => format!("Enter{status:?}"),
        RoomEvent::JoinFailed { error } => format!("JoinFailed({error})"),
        RoomEvent::Exit { mode, status, .. } => format!("Exit({mode:?}, {status:?})"),
        RoomEvent::Join { occupant } => format!("Join({})", occupant.nick()),
        RoomEvent::Leave { occupant, mode, .. } => {
            format!("Leave({}, {mode:?})", occupant.nick())
        }
        RoomEvent::Message {
            nick,
            source,
            message,
            ..
        } => format!(
            "Message({:?} from {:?}, {source:?})",
            message.bodies.values().next(),
            nick
        ),
        RoomEvent::PrivateMessage { nick, message, .. } => format!(
            "PrivateMessage({:?} from {nick})",
            message.bodies.values().next()
        ),
        RoomEvent::SubjectChange {
            subject, on_join, ..
        } => format!(
            "SubjectChange({:?}, on_join={on_join})",
            subject.values().next()
        ),
        RoomEvent::NickChange { old, new, .. } => format!("NickChange({old} -> {new})"),
        RoomEvent::StatusChange { occupant } => format!(
            "StatusChange({}, {:?}, {:?})",
            occupant.nick(),
            occupant.show(),
            occupant.status()
        ),
        RoomEvent::RoleChange {
            occupant, old, new, ..
        } => format!("RoleChange({}, {old:?} -> {new:?})", occupant.nick()),
        RoomEvent::AffiliationChange {
            occupant, old, new, ..
        } => format!("AffiliationChange({}, {old:?} -> {new:?})", occupant.nick()),
        RoomEvent::Error { error, .. } => format!("Error({error})"),
        RoomEvent::Tracker { state, .. } => format!("Tracker({state:?})"),
        other => format!("{other:?}").chars().take(80).collect(),
    }
}

/// [`short`] for a list.
pub fn summarize(events: &[RoomEvent]) -> String {
    let list: Vec<String> = events.iter().map(short).collect();
    format!("[{}]", list.join(", "))
}

/// The nicks of a room's occupants, in the room's order (self first).
pub fn nicks(room: &Room) -> Vec<String> {
    room.occupants()
        .iter()
        .map(|o| o.nick().to_owned())
        .collect()
}

/// Sends a tracked groupchat message and waits until the room reflected it.
pub async fn say(room: &Room, text: &str) -> Result<(), Error> {
    let tracker = room.send_tracked_message(text, Some(WAIT)).await?;
    match tokio::time::timeout(WAIT + Duration::from_secs(1), tracker.wait_final()).await {
        Err(_) => Err(format!("no final state for {text:?} in time").into()),
        Ok(Err(e)) => Err(format!("tracking {text:?}: {e}").into()),
        Ok(Ok(muc_client::TrackerState::DeliveredToRecipient { .. })) => Ok(()),
        Ok(Ok(other)) => Err(format!("{text:?} ended as {other:?}, not delivered").into()),
    }
}

// ----- a TCP proxy a scenario can cut -----

/// What a [`TcpProxy`] filter does with one stanza from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Forward it unchanged.
    Keep,
    /// Do not forward it.
    Drop,
    /// Forward this text instead.
    Replace(String),
}

/// A filter over the stanzas the server sends to the client (their XML text).
pub type StanzaFilter = std::sync::Arc<dyn Fn(&str) -> Edit + Send + Sync>;

#[derive(Default)]
struct ProxyState {
    /// Tasks of the live connections (aborting one closes both sockets).
    conns: Vec<tokio::task::AbortHandle>,
    /// While true, new connections wait before they reach the server.
    held: bool,
    filter: Option<StanzaFilter>,
    /// Every stanza the client sent, in order (all connections).
    sent: Vec<String>,
    /// Every stanza the server sent that reached the client.
    received: Vec<String>,
    /// Connections accepted so far.
    accepted: usize,
}

struct ProxyShared {
    upstream: std::net::SocketAddr,
    state: std::sync::Mutex<ProxyState>,
    released: tokio::sync::Notify,
}

impl ProxyShared {
    fn lock(&self) -> std::sync::MutexGuard<'_, ProxyState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A loopback TCP proxy between one client and the server under test, so a
/// scenario can cut the client's connection ([`cut`](Self::cut)), keep it
/// from coming back for a while ([`hold`](Self::hold)), see the stanzas
/// that went through ([`sent`](Self::sent), [`received`](Self::received))
/// and drop or rewrite what the server sends ([`set_filter`](Self::set_filter)).
/// It works the same on every backend. Dropping it closes everything.
pub struct TcpProxy {
    addr: std::net::SocketAddr,
    shared: std::sync::Arc<ProxyShared>,
    accept: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for TcpProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpProxy")
            .field("addr", &self.addr)
            .field("upstream", &self.shared.upstream)
            .finish_non_exhaustive()
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept.abort();
        for conn in self.shared.lock().conns.drain(..) {
            conn.abort();
        }
    }
}

impl TcpProxy {
    /// Starts a proxy on a free loopback port in front of the scenario's server.
    pub async fn start(ctx: &ScenarioCtx) -> Result<TcpProxy, Error> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = std::sync::Arc::new(ProxyShared {
            upstream: ctx.addr(),
            state: std::sync::Mutex::new(ProxyState::default()),
            released: tokio::sync::Notify::new(),
        });
        let s = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let conn = tokio::spawn(proxy_connection(s.clone(), client));
                let mut state = s.lock();
                state.accepted += 1;
                state.conns.retain(|c| !c.is_finished());
                state.conns.push(conn.abort_handle());
            }
        });
        Ok(TcpProxy {
            addr,
            shared,
            accept,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// Closes every connection now (both sides: the server sees the client
    /// go, the client sees its stream end).
    pub fn cut(&self) {
        for conn in self.shared.lock().conns.drain(..) {
            conn.abort();
        }
    }

    /// From now on, new connections are accepted but wait before they
    /// reach the server, until [`release`](Self::release).
    pub fn hold(&self) {
        self.shared.lock().held = true;
    }

    /// Lets waiting and new connections through.
    pub fn release(&self) {
        self.shared.lock().held = false;
        self.shared.released.notify_waiters();
    }

    /// Sets (or with `None` removes) the filter over what the server sends.
    pub fn set_filter(&self, filter: Option<StanzaFilter>) {
        self.shared.lock().filter = filter;
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.lock().accepted
    }

    /// Every stanza the client sent so far.
    pub fn sent(&self) -> Vec<String> {
        self.shared.lock().sent.clone()
    }

    /// Every stanza the client received so far (after the filter).
    pub fn received(&self) -> Vec<String> {
        self.shared.lock().received.clone()
    }
}

async fn proxy_connection(shared: std::sync::Arc<ProxyShared>, client: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let released = shared.released.notified();
        if !shared.lock().held {
            break;
        }
        released.await;
    }
    let Ok(server) = tokio::net::TcpStream::connect(shared.upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_rd, mut client_wr) = client.into_split();
    let (mut server_rd, mut server_wr) = server.into_split();
    let up = {
        let shared = shared.clone();
        async move {
            let mut splitter = XmlSplitter::default();
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = match client_rd.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                for piece in splitter.feed(&buf[..n]) {
                    if let Piece::Stanza(text) = piece {
                        shared.lock().sent.push(text);
                    }
                }
                if server_wr.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    };
    let down = async move {
        let mut splitter = XmlSplitter::default();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match server_rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let mut out = Vec::with_capacity(n);
            for piece in splitter.feed(&buf[..n]) {
                match piece {
                    Piece::Raw(bytes) => out.extend_from_slice(&bytes),
                    Piece::Stanza(text) => {
                        let filter = shared.lock().filter.clone();
                        let edit = filter.map_or(Edit::Keep, |f| f(&text));
                        let text = match edit {
                            Edit::Keep => text,
                            Edit::Drop => continue,
                            Edit::Replace(t) => t,
                        };
                        out.extend_from_slice(text.as_bytes());
                        shared.lock().received.push(text);
                    }
                }
            }
            if client_wr.write_all(&out).await.is_err() {
                break;
            }
        }
    };
    // Whichever side ends first ends the connection (both sockets drop).
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

/// A piece of an XML stream: bytes outside stanzas (stream headers,
/// whitespace) or one whole top-level stanza.
enum Piece {
    Raw(Vec<u8>),
    Stanza(String),
}

/// Splits an XMPP stream into top-level stanzas (depth-1 elements), enough
/// for what servers send: tags, quoted attribute values, text without `<`.
#[derive(Default)]
struct XmlSplitter {
    buf: Vec<u8>,
    /// Element depth at `scan` (1 inside the stream, between stanzas).
    depth: usize,
    /// Where to look for the next tag.
    scan: usize,
    /// The first byte of the stanza being read, if one is open.
    stanza_start: Option<usize>,
    /// The first byte not handed out yet.
    raw_start: usize,
}

impl XmlSplitter {
    fn feed(&mut self, bytes: &[u8]) -> Vec<Piece> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            let between = self.stanza_start.is_none() && self.depth <= 1;
            let Some(i) = self.buf[self.scan..]
                .iter()
                .position(|&b| b == b'<')
                .map(|p| self.scan + p)
            else {
                if between && self.raw_start < self.buf.len() {
                    out.push(Piece::Raw(self.buf[self.raw_start..].to_vec()));
                    self.raw_start = self.buf.len();
                }
                self.scan = self.buf.len();
                break;
            };
            if between && i > self.raw_start {
                out.push(Piece::Raw(self.buf[self.raw_start..i].to_vec()));
                self.raw_start = i;
            }
            let Some(end) = tag_end(&self.buf, i) else {
                self.scan = i;
                break;
            };
            let tag = &self.buf[i..=end];
            let closing = tag.get(1) == Some(&b'/');
            let special = matches!(tag.get(1), Some(b'?' | b'!'));
            let empty = tag.len() >= 2 && tag[tag.len() - 2] == b'/';
            let stream = tag.starts_with(b"<stream:stream") || tag.starts_with(b"</stream:stream");
            if stream || (special && between) {
                if stream {
                    self.depth = usize::from(!closing);
                }
                out.push(Piece::Raw(tag.to_vec()));
                self.raw_start = end + 1;
            } else if special {
                // A comment or processing instruction inside a stanza.
            } else if closing {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 1 {
                    if let Some(s) = self.stanza_start.take() {
                        out.push(Piece::Stanza(
                            String::from_utf8_lossy(&self.buf[s..=end]).into_owned(),
                        ));
                        self.raw_start = end + 1;
                    }
                }
            } else if empty {
                if self.depth == 1 {
                    out.push(Piece::Stanza(String::from_utf8_lossy(tag).into_owned()));
                    self.raw_start = end + 1;
                }
            } else {
                if self.depth == 1 {
                    self.stanza_start = Some(i);
                }
                self.depth += 1;
            }
            self.scan = end + 1;
        }
        // Forget what was handed out.
        let cut = self.raw_start;
        self.buf.drain(..cut);
        self.scan -= cut;
        self.raw_start = 0;
        if let Some(s) = self.stanza_start.as_mut() {
            *s -= cut;
        }
        out
    }
}

/// The index of the `>` that ends the tag starting at `start`, skipping
/// quoted attribute values; `None` if the tag is incomplete.
fn tag_end(buf: &[u8], start: usize) -> Option<usize> {
    let mut quote = None;
    for (offset, &b) in buf[start..].iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b'>' => return Some(start + offset),
            None => {}
        }
    }
    None
}

/// The value of attribute `name` on the first tag of `stanza` (the stanza
/// element itself), without unescaping.
pub fn stanza_attr<'a>(stanza: &'a str, name: &str) -> Option<&'a str> {
    let end = tag_end(stanza.as_bytes(), 0)?;
    let tag = &stanza[..end];
    let mut rest = tag;
    loop {
        let pos = rest.find(name)?;
        let before = rest[..pos].chars().last();
        let after = &rest[pos + name.len()..];
        let after_trim = after.trim_start();
        if matches!(before, Some(c) if c.is_whitespace()) && after_trim.starts_with('=') {
            let value = after_trim[1..].trim_start();
            let quote = value.chars().next()?;
            if quote == '\'' || quote == '"' {
                let value = &value[1..];
                let close = value.find(quote)?;
                return Some(&value[..close]);
            }
        }
        rest = &rest[pos + name.len()..];
    }
}

/// The element name of a stanza's text (`message`, `presence`, `iq`).
pub fn stanza_name(stanza: &str) -> &str {
    let s = stanza.trim_start().trim_start_matches('<');
    let end = s
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(s.len());
    &s[..end]
}

/// Replaces the value of attribute `name` on the stanza's own tag.
pub fn with_stanza_attr(stanza: &str, name: &str, value: &str) -> Option<String> {
    let old = stanza_attr(stanza, name)?;
    // `old` borrows from `stanza`: its offset is where the value sits.
    let at = old.as_ptr() as usize - stanza.as_ptr() as usize;
    Some(format!(
        "{}{}{}",
        &stanza[..at],
        value,
        &stanza[at + old.len()..]
    ))
}

/// Splits the guests of [`room_with_guests`] into an array of `N`.
pub fn split_guests<const N: usize, T>(guests: Vec<T>) -> Result<[T; N], Error> {
    guests
        .try_into()
        .map_err(|_| format!("expected {N} guests").into())
}

/// The bare JIDs of a `muc#admin` list, as text.
pub fn listed_jids(items: &[muc_client::AdminItem]) -> std::collections::BTreeSet<String> {
    items
        .iter()
        .filter_map(|i| i.jid.as_ref().map(|j| j.to_bare().to_string()))
        .collect()
}

/// The nicks of a `muc#admin` list.
pub fn listed_nicks(items: &[muc_client::AdminItem]) -> std::collections::BTreeSet<String> {
    items.iter().filter_map(|i| i.nick.clone()).collect()
}

/// Fails with `message()` unless `condition` holds.
pub fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), Error> {
    if condition {
        Ok(())
    } else {
        Err(message().into())
    }
}

/// The XEP-0082 DateTime (`YYYY-MM-DDThh:mm:ssZ`) of a moment, in UTC.
pub fn xmpp_datetime(at: std::time::SystemTime) -> String {
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Registers a fresh account (no other scenario uses it, so nothing sent
/// to its bare JID can reach another scenario) and connects it.
pub async fn connect_fresh(ctx: &ScenarioCtx) -> Result<(Service, jid::BareJid), Error> {
    let account = ctx.fresh_user().await?;
    let service = Service::connect(
        &account.jid().to_string(),
        account.password(),
        ctx.addr(),
        ConnectOptions::default(),
    )
    .await?;
    Ok((service, account.jid().clone()))
}

/// [`connect_fresh`] through a [`TcpProxy`], so the scenario can show the
/// stanzas the new user exchanged.
pub async fn connect_fresh_via(
    ctx: &ScenarioCtx,
    proxy: &TcpProxy,
) -> Result<(Service, jid::BareJid), Error> {
    let account = ctx.fresh_user().await?;
    let service = Service::connect(
        &account.jid().to_string(),
        account.password(),
        proxy.addr(),
        quick_reconnect(),
    )
    .await?;
    Ok((service, account.jid().clone()))
}

/// The last stanza the proxy's client received whose text contains `needle`
/// (for failure messages), or `"(none)"`.
pub fn last_received_with(proxy: &TcpProxy, needle: &str) -> String {
    proxy
        .received()
        .into_iter()
        .rfind(|s| s.contains(needle))
        .unwrap_or_else(|| "(none)".to_owned())
}

/// `None` if a request succeeded, the condition (`forbidden` ...) if the
/// server refused it; an error if it failed without a stanza error.
pub fn refused_with<T>(
    result: &Result<T, muc_client::Error>,
) -> Result<Option<&'static str>, Error> {
    match result {
        Ok(_) => Ok(None),
        Err(e) => match e.server_error() {
            Some(s) => Ok(Some(s.condition_name())),
            None => Err(format!("a request failed without a stanza error: {e}").into()),
        },
    }
}
