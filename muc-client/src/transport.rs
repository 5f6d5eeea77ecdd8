//! The transport seam: how the driver talks to an XMPP stream.
//!
//! The driver owns the [`Router`](muc_core::Router) and one [`Transport`]. It
//! waits for [`TransportEvent`]s, hands stanzas to [`Transport::send`], and
//! never blocks on the network: a transport queues what it is given and
//! reports writes later ([`TransportEvent::Written`]).
//!
//! Three transports come with the crate, all built on one channel-based
//! transport (a task or the application on the far side of a few channels):
//!
//! * [`Service::connect`](crate::Service::connect): tokio-xmpp's stanza
//!   stream, owned by the library, with its own connector (reports failed
//!   logins, reconnects with a bounded backoff, reports a lost stream at
//!   once);
//! * [`Service::from_client`](crate::Service::from_client): a
//!   `tokio_xmpp::Client` the application built (any TLS setup), handed over;
//! * [`Service::application_owned`](crate::Service::application_owned): the
//!   application keeps its stream and passes stanzas in and out.
//!
//! Implement [`Transport`] to plug in anything else.

use std::future::Future;
use std::time::Duration;

use muc_core::TrackerId;
use tokio::sync::{mpsc, oneshot};
use xmpp_parsers::jid::FullJid;
use xmpp_parsers::stanza::Stanza;

/// Identifies a stanza whose write the driver wants to hear about (a
/// tracked message). Hand it back in [`TransportEvent::Written`] or
/// [`TransportEvent::WriteFailed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Receipt(pub(crate) TrackerId);

/// Where a stanza handed in with [`TransportEvent::Returning`] goes back if
/// it is not MUC's business.
#[derive(Debug)]
pub struct ReturnSlot(pub(crate) oneshot::Sender<Option<Stanza>>);

/// What a transport reports to the driver.
#[derive(Debug)]
#[non_exhaustive]
pub enum TransportEvent {
    /// A stream is up, bound to this full JID. A second `Online` without
    /// an `Offline` in between is taken as a new stream (the old one was
    /// lost without notice).
    Online(FullJid),
    /// The stream is down; the transport may come back `Online`.
    Offline,
    /// A stanza arrived. What is not MUC's goes to the service events.
    Stanza(Stanza),
    /// A stanza arrived; what is not MUC's goes back through the slot
    /// (`None` when MUC took it).
    Returning(Stanza, ReturnSlot),
    /// A presence as the bytes this crate's own stream reader cut from the
    /// stream ([`StreamReader::Own`](crate::StreamReader::Own)); what is
    /// not MUC's goes to the service events, parsed.
    Presence(RawPresence),
    /// The stanza with this receipt was written to the stream.
    Written(Receipt),
    /// The stanza with this receipt could not be written.
    WriteFailed(Receipt),
    /// Something went wrong that the application may want to know about
    /// (a failed reconnect attempt ...).
    Error(String),
    /// The transport is gone for good.
    Closed,
}

/// One `<presence/>` element's bytes, as it sits in a `jabber:client`
/// stream; only this crate makes them (they are read with muc-core's
/// [`PresenceDecoder`](muc_core::wire::PresenceDecoder), which trusts the
/// framing and depth bounds of the reader that cut them).
pub struct RawPresence(pub(crate) Vec<u8>);

impl std::fmt::Debug for RawPresence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawPresence({} bytes)", self.0.len())
    }
}

/// A stanza stream the driver can run on.
///
/// `next_event` is polled inside `tokio::select!`, so it must be cancel
/// safe (dropping its future must not lose an event). `send` must not wait
/// for the network.
pub trait Transport: Send + 'static {
    /// The next event. After [`TransportEvent::Closed`] it is not polled
    /// again.
    fn next_event(&mut self) -> impl Future<Output = TransportEvent> + Send;
    /// Queues a stanza for writing. With a receipt, report the outcome as
    /// [`TransportEvent::Written`] or [`TransportEvent::WriteFailed`].
    fn send(&mut self, stanza: Stanza, receipt: Option<Receipt>);
    /// Ends the stream cleanly (bounded in time).
    fn close(&mut self) -> impl Future<Output = ()> + Send;
}

/// What the driver hands to a channel transport's far side.
#[derive(Debug)]
pub(crate) enum Outbound {
    Stanza(Box<Stanza>, Option<Receipt>),
    Close(oneshot::Sender<()>),
}

/// A [`Transport`] made of channels; the far side is a task (library-owned
/// streams) or the application.
pub(crate) struct ChannelTransport {
    events: mpsc::Receiver<TransportEvent>,
    side: mpsc::UnboundedReceiver<TransportEvent>,
    outbound: mpsc::UnboundedSender<Outbound>,
    close_wait: Option<Duration>,
}

/// The far side of a [`ChannelTransport`].
pub(crate) struct FarSide {
    /// Inbound events, bounded: a full channel is backpressure.
    pub(crate) events: mpsc::Sender<TransportEvent>,
    /// Receipts and errors: never blocked.
    pub(crate) side: mpsc::UnboundedSender<TransportEvent>,
    pub(crate) outbound: mpsc::UnboundedReceiver<Outbound>,
}

impl std::fmt::Debug for ChannelTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelTransport").finish_non_exhaustive()
    }
}

/// How many inbound events a channel transport buffers before its far side
/// waits.
const INBOUND_DEPTH: usize = 64;

impl ChannelTransport {
    /// A transport and its far side. `close_wait`: how long `close` waits
    /// for the far side to confirm (`None`: do not wait).
    pub(crate) fn new(close_wait: Option<Duration>) -> (ChannelTransport, FarSide) {
        let (events_tx, events_rx) = mpsc::channel(INBOUND_DEPTH);
        let (side_tx, side_rx) = mpsc::unbounded_channel();
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        (
            ChannelTransport {
                events: events_rx,
                side: side_rx,
                outbound: out_tx,
                close_wait,
            },
            FarSide {
                events: events_tx,
                side: side_tx,
                outbound: out_rx,
            },
        )
    }
}

impl Transport for ChannelTransport {
    async fn next_event(&mut self) -> TransportEvent {
        // Both receivers are cancel safe, so this is too.
        tokio::select! {
            biased;
            Some(ev) = self.side.recv() => ev,
            ev = self.events.recv() => ev.unwrap_or(TransportEvent::Closed),
        }
    }

    fn send(&mut self, stanza: Stanza, receipt: Option<Receipt>) {
        if self
            .outbound
            .send(Outbound::Stanza(Box::new(stanza), receipt))
            .is_err()
        {
            tracing::debug!("transport gone; stanza not sent");
        }
    }

    async fn close(&mut self) {
        let (tx, rx) = oneshot::channel();
        if self.outbound.send(Outbound::Close(tx)).is_ok() {
            if let Some(wait) = self.close_wait {
                let _ = tokio::time::timeout(wait, rx).await;
            }
        }
    }
}

/// Copies a stanza (`Stanza` itself is not `Clone`).
pub(crate) fn clone_stanza(s: &Stanza) -> Stanza {
    match s {
        Stanza::Iq(i) => Stanza::Iq(i.clone()),
        Stanza::Message(m) => Stanza::Message(m.clone()),
        Stanza::Presence(p) => Stanza::Presence(p.clone()),
    }
}
