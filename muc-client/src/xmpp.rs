//! The library-owned stream: tokio-xmpp's connectors and login, then this
//! crate's own reader ([`StreamReader::Own`], the default; see
//! `own_stream.rs`) or tokio-xmpp's `StanzaStream`
//! ([`StreamReader::TokioXmpp`]), with a connector of our own.
//!
//! Why not `tokio_xmpp::Client`? Its worker swallows the stream's
//! `Suspended` event, so a dropped socket goes unnoticed until the next
//! `Online`, and its built-in connector retries a failed login forever,
//! logging at most (research notes T3, T4). One level down, the
//! `StanzaStream` reports `Suspended` at once, and the connector is ours:
//! it reports failed logins (so [`Service::connect`] fails fast on a wrong
//! password), backs off within bounds we choose, and stops when the service
//! closes, so no retry task outlives it.
//!
//! With `StanzaStream`, one task owns the stream and runs `tokio::select!`
//! over it and the driver's outbound channel (no `split()`: pitfall T5).

use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use jid::{Jid, ResourcePart};
use muc_core::Password;
use sasl::common::Credentials;
use tokio::sync::{oneshot, watch};
use tokio_xmpp::connect::{DnsConfig, ServerConnector, TcpServerConnector};
use tokio_xmpp::stanzastream::{
    Connection, Event as StreamEvent_, StanzaStage, StanzaState, StanzaStream, StreamEvent,
};
use tokio_xmpp::xmlstream::{StreamHeader, Timeouts};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::stanza::Stanza;

use crate::error::{Error, Result};
use crate::jids::IntoJid;
use crate::service::{Service, ServiceOptions};
use crate::transport::{ChannelTransport, FarSide, Outbound, TransportEvent};

/// How to connect a library-owned stream ([`Service::connect`]).
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// The service's settings.
    pub service: ServiceOptions,
    /// How long [`Service::connect`] waits for the first stream (default
    /// 10 s); also the limit of each login attempt.
    pub connect_timeout: Duration,
    /// tokio-xmpp's read and response timeouts (default
    /// `Timeouts::tight()`: 60 s / 15 s).
    pub timeouts: Timeouts,
    /// The pause after the first failed reconnect attempt; it doubles up
    /// to `max_reconnect_delay` (default 500 ms). The first attempt after a
    /// lost stream is immediate.
    pub reconnect_delay: Duration,
    /// The longest pause between reconnect attempts (default 30 s).
    pub max_reconnect_delay: Duration,
    /// The resource to ask for (default: the server picks one).
    pub resource: Option<String>,
    /// What reads the stream once logged in (default
    /// [`StreamReader::Own`]).
    pub reader: StreamReader,
}

/// What reads a library-owned stream once tokio-xmpp has connected and
/// logged in (TLS, SASL and the stream restart are tokio-xmpp's either way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamReader {
    /// tokio-xmpp's `StanzaStream`: it binds the resource, parses every
    /// stanza into xmpp-parsers types (about 8 µs per presence of the
    /// benchmark workload, on one core), and resumes a lost stream with
    /// XEP-0198 where the server offers it. Stanzas handed to the service
    /// while no stream is up wait for the next one.
    TokioXmpp,
    /// This crate reads the socket itself: it binds the resource, cuts
    /// the stream into stanzas ([`muc_core::wire::StanzaFramer`], which
    /// refuses stanzas larger than 16 MiB or nested deeper than 256
    /// levels before anything parses them), reads presences with muc-core's
    /// [`PresenceDecoder`](muc_core::wire::PresenceDecoder) (no tree) and
    /// parses the rest with minidom. Several times less CPU per presence
    /// than `TokioXmpp` (see benches/README.md); no XEP-0198, so a lost
    /// stream is always a reconnect (rooms with autorejoin are rejoined).
    /// Stanzas handed to the service while no stream is up are not sent
    /// (a tracked message is reported unsent).
    #[default]
    Own,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            service: ServiceOptions::default(),
            connect_timeout: Duration::from_secs(10),
            timeouts: Timeouts::tight(),
            reconnect_delay: Duration::from_millis(500),
            max_reconnect_delay: Duration::from_secs(30),
            resource: None,
            reader: StreamReader::default(),
        }
    }
}

impl ConnectOptions {
    /// Sets the service options.
    pub fn service(mut self, service: ServiceOptions) -> Self {
        self.service = service;
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the first reconnect delay.
    pub fn reconnect_delay(mut self, delay: Duration) -> Self {
        self.reconnect_delay = delay;
        self
    }

    /// Sets what reads the stream.
    pub fn reader(mut self, reader: StreamReader) -> Self {
        self.reader = reader;
        self
    }
}

/// How the last login attempt ended.
#[derive(Debug, Clone, PartialEq)]
enum Attempt {
    Pending,
    AuthFailed(String),
    Failed(String),
}

/// Everything a login needs; the password stays out of `Debug`.
pub(crate) struct Login<C> {
    /// How to reach the server (plain TCP for [`Service::connect`]).
    connector: C,
    pub(crate) jid: Jid,
    password: Password,
    /// The server, as error messages name it.
    target: String,
    pub(crate) timeouts: Timeouts,
    attempt_timeout: Duration,
    pub(crate) delay: Duration,
    pub(crate) max_delay: Duration,
    status: watch::Sender<Attempt>,
    errors: tokio::sync::mpsc::UnboundedSender<TransportEvent>,
    /// Becomes true (or its sender goes away) when the stream closes.
    closing: watch::Receiver<bool>,
}

impl<C> fmt::Debug for Login<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Login")
            .field("jid", &self.jid)
            .field("password", &self.password)
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

impl<C: ServerConnector + Sync> Login<C> {
    /// One login: the connector's connection and stream (TCP, maybe TLS),
    /// SASL, stream restart. (Binding is the stanza stream's job.)
    async fn login(&self) -> std::result::Result<Connection, tokio_xmpp::Error> {
        let (pending, binding) = self
            .connector
            .connect(&self.jid, "jabber:client", self.timeouts)
            .await?;
        let (features, stream) = pending.recv_features().await?;
        let user = self.jid.node().map(|n| n.as_str()).unwrap_or_default();
        let creds = Credentials::default()
            .with_username(user)
            .with_password(self.password.expose())
            .with_channel_binding(binding);
        let stream = tokio_xmpp::client_login(stream, features.sasl_mechanisms, creds).await?;
        let pending = stream
            .send_header(StreamHeader {
                to: Some(Cow::Borrowed(self.jid.domain().as_str())),
                from: None,
                id: None,
            })
            .await?;
        let (features, stream) = pending.recv_features().await?;
        Ok(Connection {
            stream: stream.box_stream(),
            features,
            identity: self.jid.clone(),
        })
    }

    /// Tries until a login succeeds or the stream no longer wants one.
    async fn attempts(self: Arc<Self>, mut slot: oneshot::Sender<Connection>) {
        let conn = tokio::select! {
            c = self.connection() => c,
            () = slot.closed() => return,
        };
        match conn {
            // If the stream is gone, the connection just closes.
            Some(conn) => {
                let _ = slot.send(conn);
            }
            None => park(slot).await,
        }
    }

    /// Tries until a login succeeds (backing off between attempts,
    /// reporting each failure); `None` once the stream closes.
    pub(crate) async fn connection(&self) -> Option<Connection> {
        let mut delay = self.delay;
        let mut closing = self.closing.clone();
        loop {
            let attempt = tokio::time::timeout(self.attempt_timeout, self.login());
            let outcome = tokio::select! {
                r = attempt => r,
                () = closed(&mut closing) => return None,
            };
            let failure = match outcome {
                Ok(Ok(conn)) => {
                    self.status.send_replace(Attempt::Pending);
                    return Some(conn);
                }
                Ok(Err(tokio_xmpp::Error::Auth(e))) => Attempt::AuthFailed(e.to_string()),
                Ok(Err(e)) => Attempt::Failed(e.to_string()),
                Err(_) => {
                    Attempt::Failed(format!("login took longer than {:?}", self.attempt_timeout))
                }
            };
            let text = match &failure {
                Attempt::AuthFailed(e) => format!("authentication failed: {e}"),
                Attempt::Failed(e) => format!("connecting to {} failed: {e}", self.target),
                Attempt::Pending => String::new(),
            };
            let _ = self.errors.send(TransportEvent::Error(text));
            self.status.send_replace(failure);
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = closed(&mut closing) => return None,
            }
            delay = (delay * 2).min(self.max_delay);
        }
    }

    /// Reports a failure after login (binding, a lost stream) the way a
    /// failed attempt is reported.
    pub(crate) fn report(&self, text: String) {
        let _ = self.errors.send(TransportEvent::Error(text.clone()));
        self.status.send_replace(Attempt::Failed(text));
    }
}

/// Waits until the stream closes.
async fn closed(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|c| *c).await;
}

/// Gives up on logging in without dropping the slot: tokio-xmpp's stream
/// worker panics when a reconnect slot is dropped ("Backend was unable to
/// handle reconnect request"), so the slot is held until the worker itself
/// is gone. The worker of a stream closed while reconnecting never wakes
/// up again, so this task stays parked (a few hundred bytes) until the
/// runtime ends; it does no work.
async fn park(mut slot: oneshot::Sender<Connection>) {
    slot.closed().await;
}

/// Queue depth of the stanza stream (both directions).
const STREAM_DEPTH: usize = 64;
/// How long a stanza may wait for a free place in the stream's queue, and
/// a tracked stanza for its write.
const WRITE_WAIT: Duration = Duration::from_secs(30);

/// Starts the stream task; returns the driver's side and the login status.
fn start<C: ServerConnector + Sync>(
    jid: Jid,
    password: Password,
    connector: C,
    target: String,
    options: &ConnectOptions,
) -> (ChannelTransport, watch::Receiver<Attempt>) {
    let (transport, far) = ChannelTransport::new(Some(Duration::from_secs(3)));
    let (status_tx, status_rx) = watch::channel(Attempt::Pending);
    let (closing_tx, closing_rx) = watch::channel(false);
    let login = Arc::new(Login {
        connector,
        jid,
        password,
        target,
        timeouts: options.timeouts,
        attempt_timeout: options.connect_timeout,
        delay: options.reconnect_delay,
        max_delay: options.max_reconnect_delay.max(options.reconnect_delay),
        status: status_tx,
        errors: far.side.clone(),
        closing: closing_rx,
    });
    if options.reader == StreamReader::Own {
        tokio::spawn(crate::own_stream::run(login, far, closing_tx));
        return (transport, status_rx);
    }
    let connector = Box::new(
        move |_location: Option<String>, slot: oneshot::Sender<Connection>| {
            tokio::spawn(login.clone().attempts(slot));
        },
    );
    let stream = StanzaStream::new(connector, STREAM_DEPTH);
    tokio::spawn(run(stream, far, closing_tx));
    (transport, status_rx)
}

/// The stream task: forwards events (waiting for room in the driver's
/// channel without blocking writes) and writes what the driver sends.
async fn run(mut stream: StanzaStream, far: FarSide, closing: watch::Sender<bool>) {
    let FarSide {
        events,
        side,
        mut outbound,
    } = far;
    let mut pending: Option<TransportEvent> = None;
    // Whether a stream is up (closing one that is not would wait for a
    // login that is not coming).
    let mut connected = false;
    loop {
        tokio::select! {
            permit = events.reserve(), if pending.is_some() => match permit {
                Ok(permit) => {
                    if let Some(ev) = pending.take() {
                        permit.send(ev);
                    }
                }
                Err(_) => break,
            },
            ev = stream.next(), if pending.is_none() => {
                pending = match ev {
                    Some(StreamEvent_::Stanza(st)) if is_liveness_answer(&st) => None,
                    Some(StreamEvent_::Stanza(st)) => Some(TransportEvent::Stanza(st)),
                    Some(StreamEvent_::Stream(StreamEvent::Reset { bound_jid, .. })) => {
                        connected = true;
                        Some(match bound_jid.try_into_full() {
                            Ok(full) => TransportEvent::Online(full),
                            Err(bare) => TransportEvent::Error(format!("the server bound a bare JID ({bare})")),
                        })
                    }
                    Some(StreamEvent_::Stream(StreamEvent::Suspended)) => {
                        connected = false;
                        Some(TransportEvent::Offline)
                    }
                    // Resumed without loss of state: nothing changes.
                    Some(StreamEvent_::Stream(StreamEvent::Resumed)) => None,
                    None => Some(TransportEvent::Closed),
                };
            }
            out = outbound.recv() => match out {
                Some(Outbound::Stanza(stanza, receipt)) => {
                    match tokio::time::timeout(WRITE_WAIT, stream.send(stanza)).await {
                        Ok(mut token) => {
                            if let Some(receipt) = receipt {
                                let side = side.clone();
                                tokio::spawn(async move {
                                    let state = tokio::time::timeout(WRITE_WAIT, token.wait_for(StanzaStage::Sent)).await;
                                    let ev = match state {
                                        Ok(Some(StanzaState::Sent { .. } | StanzaState::Acked { .. })) => {
                                            TransportEvent::Written(receipt)
                                        }
                                        _ => TransportEvent::WriteFailed(receipt),
                                    };
                                    let _ = side.send(ev);
                                });
                            }
                        }
                        Err(_) => {
                            let _ = side.send(TransportEvent::Error("the stream's queue stayed full; a stanza was dropped".into()));
                            if let Some(receipt) = receipt {
                                let _ = side.send(TransportEvent::WriteFailed(receipt));
                            }
                        }
                    }
                }
                Some(Outbound::Close(done)) => {
                    close(stream, connected, &closing).await;
                    let _ = done.send(());
                    return;
                }
                None => break,
            }
        }
    }
    close(stream, connected, &closing).await;
}

/// The answer to the stream's own keepalive: tokio-xmpp 6.0.0's stanza
/// stream sends an IQ ping after a silence and hands the answer on like any
/// other stanza; it is nobody's business past this point.
fn is_liveness_answer(stanza: &Stanza) -> bool {
    const PROBE: &str = "xmpp-rs-stanzastream-liveness-probe-";
    matches!(stanza, Stanza::Iq(Iq::Result { id, .. } | Iq::Error { id, .. }) if id.starts_with(PROBE))
}

/// Ends the stream: cleanly (stream footer) if one is up, and stops the
/// login attempts.
async fn close(stream: StanzaStream, connected: bool, closing: &watch::Sender<bool>) {
    closing.send_replace(true);
    if connected {
        let _ = tokio::time::timeout(Duration::from_secs(2), stream.close()).await;
    }
}

impl Service {
    /// Connects to `server` (an `IP:PORT`; no DNS, no TLS: this crate builds
    /// tokio-xmpp with plain TCP only) as `jid` and returns once the stream
    /// is up.
    ///
    /// Fails with [`Error::Auth`] as soon as the server rejects the
    /// credentials, and with [`Error::Connect`] if no stream came up within
    /// `options.connect_timeout`. Once connected, a lost stream is noticed
    /// at once (rooms are suspended) and the service reconnects by itself
    /// (rooms with autorejoin are rejoined).
    ///
    /// This logs in with tokio-xmpp's connector and SASL, then reads the
    /// stream with this crate's own reader (default; presences are decoded
    /// without a tree, several times cheaper) or with tokio-xmpp's
    /// `StanzaStream`, as `options.reader` says ([`StreamReader`]). Unlike
    /// `tokio_xmpp::Client`, a lost stream is reported instead of staying
    /// silent until the next `Online`, a rejected password ends `connect`
    /// instead of being retried forever, reconnect attempts back off from
    /// `options.reconnect_delay` to `options.max_reconnect_delay`, and no
    /// attempt outlives the service. For TLS or DNS, see
    /// [`Service::connect_with`].
    pub async fn connect(
        jid: impl IntoJid,
        password: impl Into<Password>,
        server: SocketAddr,
        options: ConnectOptions,
    ) -> Result<Service> {
        let connector = TcpServerConnector(DnsConfig::addr(&server.to_string()));
        Self::connect_via(jid, password, connector, server.to_string(), options).await
    }

    /// [`Service::connect`] through any tokio-xmpp `ServerConnector`: the
    /// way to TLS and DNS. This crate builds tokio-xmpp with plain TCP only;
    /// enable tokio-xmpp's `starttls` feature (with a TLS backend such as
    /// `aws_lc_rs`) in your own `Cargo.toml` and pass a
    /// `StartTlsServerConnector`, or `dns` for SRV lookups. Everything else is as with
    /// [`Service::connect`]: failed logins are reported, lost streams are
    /// noticed at once, reconnects back off.
    ///
    /// Prefer this to [`Service::from_client`]: tokio-xmpp 6.0.0's
    /// `Client` can stop delivering inbound stanzas (see there).
    ///
    /// ```no_run
    /// # async fn demo() -> muc_client::Result<()> {
    /// use muc_client::{ConnectOptions, Service};
    /// use tokio_xmpp::connect::{DnsConfig, TcpServerConnector};
    ///
    /// let connector = TcpServerConnector(DnsConfig::addr("127.0.0.1:5222"));
    /// let service =
    ///     Service::connect_with("bot@localhost", "secret", connector, ConnectOptions::default())
    ///         .await?;
    /// # let _ = service; Ok(()) }
    /// ```
    pub async fn connect_with<C: ServerConnector + Sync>(
        jid: impl IntoJid,
        password: impl Into<Password>,
        connector: C,
        options: ConnectOptions,
    ) -> Result<Service> {
        let target = format!("{connector:?}");
        Self::connect_via(jid, password, connector, target, options).await
    }

    /// [`Service::connect_with`], naming the server `target` in errors.
    async fn connect_via<C: ServerConnector + Sync>(
        jid: impl IntoJid,
        password: impl Into<Password>,
        connector: C,
        target: String,
        options: ConnectOptions,
    ) -> Result<Service> {
        let mut jid = jid.into_jid()?;
        if jid.node().is_none() {
            return Err(Error::InvalidJid(format!("{jid} has no local part")));
        }
        if let Some(resource) = &options.resource {
            let res = ResourcePart::new(resource)
                .map_err(|e| Error::InvalidJid(format!("resource {resource:?}: {e}")))?;
            jid = jid.to_bare().with_resource(&res).into();
        }
        let (transport, mut status) = start(jid, password.into(), connector, target, &options);
        let service = Service::with_transport(transport, options.service.clone());
        let online = service.wait_online(options.connect_timeout);
        let auth_failed = async {
            loop {
                if let Attempt::AuthFailed(e) = &*status.borrow_and_update() {
                    return e.clone();
                }
                if status.changed().await.is_err() {
                    return std::future::pending().await;
                }
            }
        };
        let outcome = tokio::select! {
            r = online => r.map(|_| ()),
            e = auth_failed => Err(Error::Auth(e)),
        };
        match outcome {
            Ok(()) => Ok(service),
            Err(e) => {
                let last_error = match &*status.borrow() {
                    Attempt::Failed(e) => Some(e.clone()),
                    _ => None,
                };
                service.close().await;
                Err(match e {
                    Error::Timeout(_) => Error::Connect {
                        timeout: options.connect_timeout,
                        last_error,
                    },
                    other => other,
                })
            }
        }
    }
}
