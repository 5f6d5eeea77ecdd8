//! A `tokio_xmpp::Client` the application built and handed over
//! ([`Service::from_client`](crate::Service::from_client)).
//!
//! One task owns the client and runs `tokio::select!` over its events and
//! the driver's outbound channel (no `split()`: pitfall T5). The client
//! reports no lost stream (pitfall T4), only a new `Online` after it
//! reconnected; the driver takes a second `Online` as "the old stream is
//! gone" (see [`TransportEvent::Online`]).
//!
//! The client's own worker can lose the wakeup for an inbound stanza
//! (tokio-xmpp 6.0.0; see [`Service::from_client`](crate::Service::from_client));
//! nothing here can reach it, hence the advice to use `connect_with`.

use std::time::Duration;

use futures::StreamExt;
use tokio_xmpp::{Client, Event};

use crate::transport::{ChannelTransport, FarSide, Outbound, TransportEvent};

/// How long one write may take (the client's `send_stanza` waits while the
/// stream is down).
const WRITE_WAIT: Duration = Duration::from_secs(30);
/// How long the client gets to end its stream.
const END_WAIT: Duration = Duration::from_secs(2);

pub(crate) fn start(client: Client) -> ChannelTransport {
    let (transport, far) = ChannelTransport::new(Some(Duration::from_secs(3)));
    tokio::spawn(run(client, far));
    transport
}

async fn run(mut client: Client, far: FarSide) {
    let FarSide {
        events,
        side,
        mut outbound,
    } = far;
    let mut pending: Option<TransportEvent> = None;
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
            ev = client.next(), if pending.is_none() => {
                pending = match ev {
                    Some(Event::Online { resumed: true, .. }) => None,
                    Some(Event::Online { bound_jid, .. }) => Some(match bound_jid.try_into_full() {
                        Ok(full) => TransportEvent::Online(full),
                        Err(bare) => TransportEvent::Error(format!("the server bound a bare JID ({bare})")),
                    }),
                    Some(Event::Disconnected(e)) => {
                        let _ = side.send(TransportEvent::Error(format!("disconnected: {e}")));
                        Some(TransportEvent::Offline)
                    }
                    Some(Event::Stanza(st)) => Some(TransportEvent::Stanza(st)),
                    None => Some(TransportEvent::Closed),
                };
            }
            out = outbound.recv() => match out {
                Some(Outbound::Stanza(stanza, receipt)) => {
                    let written = matches!(
                        tokio::time::timeout(WRITE_WAIT, client.send_stanza(*stanza)).await,
                        Ok(Ok(_))
                    );
                    match (receipt, written) {
                        (Some(r), true) => {
                            let _ = side.send(TransportEvent::Written(r));
                        }
                        (Some(r), false) => {
                            let _ = side.send(TransportEvent::WriteFailed(r));
                        }
                        (None, true) => {}
                        (None, false) => {
                            let _ = side.send(TransportEvent::Error("a stanza could not be written".into()));
                        }
                    }
                }
                Some(Outbound::Close(done)) => {
                    let _ = tokio::time::timeout(END_WAIT, client.send_end()).await;
                    let _ = done.send(());
                    return;
                }
                None => break,
            }
        }
    }
    let _ = tokio::time::timeout(END_WAIT, client.send_end()).await;
}
