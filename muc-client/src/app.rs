//! Application-owned streams: the application keeps its XMPP stream and
//! passes stanzas in and out ([`Service::application_owned`]).
//!
//! Here with tokio-xmpp's `StanzaStream` owned by one task (a
//! `tokio_xmpp::Client` works the same way, but see
//! [`Service::from_client`] for the tokio-xmpp 6.0.0 bug that can make it
//! stop delivering inbound stanzas).
//!
//! ```no_run
//! # async fn demo(mut stream: tokio_xmpp::stanzastream::StanzaStream) -> Result<(), muc_client::Error> {
//! use futures::StreamExt;
//! use muc_client::{Service, ServiceOptions};
//! use tokio_xmpp::stanzastream::{Event, StreamEvent};
//!
//! let (service, link) = Service::application_owned(ServiceOptions::default());
//! let (inbound, mut outbound) = link.split();
//! loop {
//!     tokio::select! {
//!         ev = stream.next() => match ev {
//!             Some(Event::Stream(StreamEvent::Reset { bound_jid, .. })) => {
//!                 inbound.online(bound_jid.try_into_full().expect("bound JIDs are full")).await?;
//!             }
//!             Some(Event::Stanza(stanza)) => {
//!                 if let Some(mine) = inbound.incoming(stanza).await? {
//!                     // Not MUC's business: the application handles it.
//!                     let _ = mine;
//!                 }
//!             }
//!             Some(Event::Stream(StreamEvent::Suspended)) => inbound.offline().await?,
//!             Some(Event::Stream(StreamEvent::Resumed)) => {}
//!             None => break,
//!         },
//!         out = outbound.next() => match out {
//!             Some(stanza) => { let _ = stream.send(Box::new(stanza)).await; }
//!             None => break, // the service closed
//!         },
//!     }
//! }
//! # let _ = service;
//! # Ok(())
//! # }
//! ```

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::{mpsc, oneshot};
use xmpp_parsers::jid::FullJid;
use xmpp_parsers::stanza::Stanza;

use crate::error::{Error, Result};
use crate::service::{Service, ServiceOptions};
use crate::transport::{ChannelTransport, FarSide, Outbound, ReturnSlot, TransportEvent};

/// The application's end of an application-owned service; split it into
/// its two halves with [`split`](Self::split).
#[derive(Debug)]
pub struct AppLink {
    inbound: AppInbound,
    outbound: AppOutbound,
}

impl AppLink {
    /// The half that hands stanzas and stream changes in, and the half
    /// that takes stanzas out.
    pub fn split(self) -> (AppInbound, AppOutbound) {
        (self.inbound, self.outbound)
    }
}

/// Hands what the application's stream receives to the service. Cheap to
/// clone. Each call waits while the service applies backpressure (a slow
/// event subscriber).
#[derive(Debug, Clone)]
pub struct AppInbound {
    events: mpsc::Sender<TransportEvent>,
}

impl AppInbound {
    async fn push(&self, ev: TransportEvent) -> Result<()> {
        self.events.send(ev).await.map_err(|_| Error::Closed)
    }

    /// The application's stream is up, bound to `jid`: deferred joins go
    /// out, suspended rooms are rejoined. A second `online` without an
    /// [`offline`](Self::offline) in between is taken as a new stream (the
    /// old one was lost): rooms are suspended and rejoined.
    pub async fn online(&self, jid: FullJid) -> Result<()> {
        self.push(TransportEvent::Online(jid)).await
    }

    /// The application's stream is down: rooms are suspended (or exited,
    /// without autorejoin), requests in flight fail.
    pub async fn offline(&self) -> Result<()> {
        self.push(TransportEvent::Offline).await
    }

    /// Hands in a received stanza; gives it back if it is not MUC's
    /// business (`None` when the service took it).
    pub async fn incoming(&self, stanza: Stanza) -> Result<Option<Stanza>> {
        let (tx, rx) = oneshot::channel();
        self.push(TransportEvent::Returning(stanza, ReturnSlot(tx)))
            .await?;
        rx.await.map_err(|_| Error::Closed)
    }
}

/// The stanzas the service wants sent, in order: a [`Stream`] that ends
/// when the service closes. Write each one to the application's stream.
///
/// The service never waits for this side (the queue is unbounded), so read
/// it promptly. A stanza counts as written (for message tracking) when it
/// is taken from here.
#[derive(Debug)]
pub struct AppOutbound {
    outbound: mpsc::UnboundedReceiver<Outbound>,
    side: mpsc::UnboundedSender<TransportEvent>,
    done: bool,
}

impl AppOutbound {
    /// The next stanza to send; `None` once the service closed.
    pub async fn next_stanza(&mut self) -> Option<Stanza> {
        std::future::poll_fn(|cx| self.poll_stanza(cx)).await
    }

    fn poll_stanza(&mut self, cx: &mut Context<'_>) -> Poll<Option<Stanza>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.outbound.poll_recv(cx) {
            Poll::Ready(Some(Outbound::Stanza(stanza, receipt))) => {
                // Handed over to the application: as written as we can know.
                if let Some(r) = receipt {
                    let _ = self.side.send(TransportEvent::Written(r));
                }
                Poll::Ready(Some(*stanza))
            }
            Poll::Ready(Some(Outbound::Close(ack))) => {
                self.done = true;
                let _ = ack.send(());
                Poll::Ready(None)
            }
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Stream for AppOutbound {
    type Item = Stanza;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Stanza>> {
        self.get_mut().poll_stanza(cx)
    }
}

impl Service {
    /// A service on a stream the application owns: it hands received
    /// stanzas and stream changes in through [`AppInbound`] (and gets back
    /// what is not MUC's), and writes what comes out of [`AppOutbound`].
    ///
    /// The service does not answer pings or disco queries, nor send an
    /// initial presence, in this mode: the session is the application's.
    pub fn application_owned(options: ServiceOptions) -> (Service, AppLink) {
        let options = ServiceOptions {
            initial_presence: false,
            ..options
        };
        let (transport, far) = ChannelTransport::new(None);
        let FarSide {
            events,
            side,
            outbound,
        } = far;
        let service = Service::with_transport(transport, options);
        let link = AppLink {
            inbound: AppInbound { events },
            outbound: AppOutbound {
                outbound,
                side,
                done: false,
            },
        };
        (service, link)
    }
}
