//! [`StreamReader::Own`](crate::StreamReader::Own): after tokio-xmpp's
//! login, this crate reads and writes the socket itself.
//!
//! tokio-xmpp parses every inbound stanza into a tree and then into
//! xmpp-parsers types; in a busy room that is most of a client's CPU (see
//! benches/README.md). Here the stream is cut into stanzas by muc-core's
//! [`StanzaFramer`], presences go to the driver as bytes (muc-core decodes
//! them without a tree), and only other stanzas are parsed with minidom.
//!
//! One task per service: it logs in through the shared [`Login`], binds the
//! resource, then runs the reading and the writing of one stream side by
//! side (a write never waits for a read, so a server that is itself
//! blocked writing to us cannot deadlock the stream), until the stream is
//! lost (then it reports `Offline` and logs in again) or the service
//! closes.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::sync::Arc;
use std::time::Duration;

use minidom::Element;
use muc_core::wire::{Frame, FrameError, StanzaFramer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio_xmpp::connect::ServerConnector;
use tokio_xmpp::stanzastream::Connection;
use xmpp_parsers::bind::{BindQuery, BindResponse};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::jid::FullJid;
use xmpp_parsers::ns;
use xmpp_parsers::ping::Ping;
use xmpp_parsers::stanza::Stanza;
use xmpp_parsers::stream_error::StreamError;

use crate::transport::{FarSide, Outbound, RawPresence, Receipt, TransportEvent};
use crate::xmpp::Login;

/// How long a write (or the close) may take before the stream counts as
/// lost.
const WRITE_WAIT: Duration = Duration::from_secs(30);
/// The bytes asked of the socket per read.
const READ_SIZE: usize = 16 * 1024;
const BIND_ID: &str = "muc-client-bind";
const PING_ID: &str = "muc-client-keepalive";

/// How one stream ended.
enum Ended {
    /// The service closes: the footer is written, nothing more to do.
    Closed,
    /// The stream is gone (why): log in again.
    Lost(String),
    /// The driver is gone.
    DriverGone,
}

/// The task: streams, one after the other, until the service closes.
pub(crate) async fn run<C: ServerConnector + Sync>(
    login: Arc<Login<C>>,
    far: FarSide,
    closing: watch::Sender<bool>,
) {
    let FarSide {
        events,
        side,
        mut outbound,
    } = far;
    let mut delay = login.delay;
    // A pause before the next login (after a failed bind).
    let mut pause = Duration::ZERO;
    loop {
        // Log in; what the driver sends meanwhile is not sent, and a close
        // ends the wait at once.
        let wait = pause;
        let connecting = async {
            tokio::time::sleep(wait).await;
            login.connection().await
        };
        tokio::pin!(connecting);
        let conn = loop {
            tokio::select! {
                c = &mut connecting => break c,
                out = outbound.recv() => match out {
                    Some(Outbound::Stanza(_, receipt)) => unsent(&side, receipt),
                    Some(Outbound::Close(done)) => {
                        closing.send_replace(true);
                        let _ = done.send(());
                        return;
                    }
                    None => {
                        closing.send_replace(true);
                        return;
                    }
                },
            }
        };
        let Some(conn) = conn else {
            let _ = events.send(TransportEvent::Closed).await;
            return;
        };
        let (ended, online) = stream(&login, conn, &events, &side, &mut outbound).await;
        match ended {
            Ended::Closed | Ended::DriverGone => {
                closing.send_replace(true);
                return;
            }
            Ended::Lost(why) => {
                login.report(why);
                if online {
                    // The first attempt after a lost stream is immediate.
                    delay = login.delay;
                    pause = Duration::ZERO;
                    if events.send(TransportEvent::Offline).await.is_err() {
                        closing.send_replace(true);
                        return;
                    }
                } else {
                    // Logged in but never online (binding failed): back
                    // off as after a failed login.
                    pause = delay;
                    delay = (delay * 2).min(login.max_delay);
                }
            }
        }
    }
}

/// One stream: bind, then read and write until it ends. Also says
/// whether it got as far as `Online`.
async fn stream<C: ServerConnector + Sync>(
    login: &Login<C>,
    conn: Connection,
    events: &mpsc::Sender<TransportEvent>,
    side: &mpsc::UnboundedSender<TransportEvent>,
    outbound: &mut mpsc::UnboundedReceiver<Outbound>,
) -> (Ended, bool) {
    // Nothing is in flight after the features (the server waits for the
    // bind request), so tokio-xmpp's parser holds no unread bytes.
    let io = conn.stream.into_inner();
    let (mut rd, mut wr) = tokio::io::split(io);
    let mut framer = StanzaFramer::new();
    let resource = login.jid.resource().map(|r| r.to_string());
    let bound = tokio::time::timeout(
        login.timeouts.response_timeout,
        bind(&mut rd, &mut wr, &mut framer, resource),
    )
    .await;
    let jid = match bound {
        Ok(Ok(jid)) => jid,
        Ok(Err(e)) => {
            return (
                Ended::Lost(format!("binding a resource failed: {e}")),
                false,
            );
        }
        Err(_) => {
            let why = "the server did not answer the bind request".into();
            return (Ended::Lost(why), false);
        }
    };
    if events.send(TransportEvent::Online(jid)).await.is_err() {
        return (Ended::DriverGone, false);
    }
    let (ping_tx, ping_rx) = mpsc::unbounded_channel();
    let reading = read_stanzas(&mut rd, &mut framer, events, login, ping_tx);
    let writing = write_stanzas(&mut wr, outbound, side, ping_rx);
    let ended = tokio::select! {
        e = reading => e,
        e = writing => e,
    };
    (ended, true)
}

/// Sends the bind request and waits for its answer.
async fn bind<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    rd: &mut R,
    wr: &mut W,
    framer: &mut StanzaFramer,
    resource: Option<String>,
) -> Result<FullJid, String> {
    let iq = Iq::from_set(BIND_ID, BindQuery::new(resource));
    write_all(wr, &serialize(Stanza::Iq(iq)).map_err(text)?)
        .await
        .map_err(text)?;
    let mut buf = vec![0; READ_SIZE];
    loop {
        let n = rd.read(&mut buf).await.map_err(text)?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        framer.push(&buf[..n]);
        while let Some(frame) = next_frame(framer).map_err(text)? {
            let Frame::Stanza(bytes) = frame else {
                return Err("the server ended the stream".into());
            };
            let el = parse(&bytes).map_err(text)?;
            if el.is("error", ns::STREAM) {
                return Err(stream_error(el));
            }
            let Ok(iq) = Iq::try_from(el) else {
                continue;
            };
            if iq.id() != BIND_ID {
                continue;
            }
            return match iq {
                Iq::Result {
                    payload: Some(p), ..
                } => BindResponse::try_from(p)
                    .map(FullJid::from)
                    .map_err(|e| format!("invalid bind result: {e}")),
                Iq::Error { error, .. } => Err(format!("refused: {error:?}")),
                _ => Err("an empty bind result".into()),
            };
        }
    }
}

/// The reading half: frames, classifies and hands on stanzas; asks for a
/// keepalive ping after `read_timeout` of silence and gives up after
/// `response_timeout` more.
async fn read_stanzas<R: AsyncRead + Unpin, C>(
    rd: &mut R,
    framer: &mut StanzaFramer,
    events: &mpsc::Sender<TransportEvent>,
    login: &Login<C>,
    ping: mpsc::UnboundedSender<()>,
) -> Ended {
    let mut buf = vec![0; READ_SIZE];
    let mut pinged = false;
    loop {
        let wait = if pinged {
            login.timeouts.response_timeout
        } else {
            login.timeouts.read_timeout
        };
        let n = match tokio::time::timeout(wait, rd.read(&mut buf)).await {
            Ok(Ok(0)) => return Ended::Lost("the server closed the connection".into()),
            Ok(Ok(n)) => n,
            Ok(Err(e)) => return Ended::Lost(format!("reading failed: {e}")),
            Err(_) if pinged => {
                return Ended::Lost(format!("the server was silent for {:?}", wait));
            }
            Err(_) => {
                pinged = true;
                let _ = ping.send(());
                continue;
            }
        };
        pinged = false;
        framer.push(&buf[..n]);
        loop {
            let bytes = match next_frame(framer) {
                Ok(Some(Frame::Stanza(bytes))) => bytes,
                Ok(Some(Frame::End)) => return Ended::Lost("the server ended the stream".into()),
                Ok(None) => break,
                Err(e) => return Ended::Lost(format!("the stream cannot be read: {e}")),
            };
            let event = match classify(bytes) {
                Ok(Some(event)) => event,
                Ok(None) => continue,
                Err(lost) => return lost,
            };
            if events.send(event).await.is_err() {
                return Ended::DriverGone;
            }
        }
    }
}

/// The framer's next frame; a stanza it skips (over its bounds) is logged
/// and passed over, an error is fatal.
fn next_frame(framer: &mut StanzaFramer) -> Result<Option<Frame>, FrameError> {
    loop {
        match framer.next_frame() {
            Err(e) if !e.is_fatal() => tracing::warn!("{e}"),
            other => return other,
        }
    }
}

/// What a top-level element of the stream is for the driver: `Ok(None)`
/// for what is ignored, `Err` when the stream is lost.
fn classify(bytes: Vec<u8>) -> Result<Option<TransportEvent>, Ended> {
    if is_presence(&bytes) {
        return Ok(Some(TransportEvent::Presence(RawPresence(bytes))));
    }
    let el = match parse(&bytes) {
        Ok(el) => el,
        Err(e) => return Err(Ended::Lost(format!("not well-formed XML: {e}"))),
    };
    if el.is("error", ns::STREAM) {
        return Err(Ended::Lost(stream_error(el)));
    }
    match Stanza::try_from(el) {
        // The answer to our keepalive: it did its job by arriving.
        Ok(Stanza::Iq(Iq::Result { id, .. } | Iq::Error { id, .. })) if id == PING_ID => Ok(None),
        Ok(stanza) => Ok(Some(TransportEvent::Stanza(stanza))),
        Err(xmpp_parsers::FromElementError::Mismatch(el)) => {
            tracing::debug!(element = el.name(), ns = %el.ns(), "not a stanza; ignored");
            Ok(None)
        }
        Err(xmpp_parsers::FromElementError::Invalid(e)) => {
            tracing::warn!(error = %e, "invalid stanza; ignored");
            Ok(None)
        }
    }
}

/// Whether a frame is a `jabber:client` presence (unprefixed, as every
/// server writes them; a prefixed one takes the general path).
fn is_presence(bytes: &[u8]) -> bool {
    bytes
        .strip_prefix(b"<presence")
        .and_then(|rest| rest.first())
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
}

/// A frame as an element, in the stream's namespaces.
fn parse(bytes: &[u8]) -> Result<Element, minidom::Error> {
    let prefixes = BTreeMap::from([
        (None, ns::JABBER_CLIENT.to_owned()),
        (Some("stream".to_owned()), ns::STREAM.to_owned()),
    ]);
    Element::from_reader_with_prefixes(bytes, prefixes)
}

/// Why the server ended the stream, as its `<stream:error/>` says.
fn stream_error(el: Element) -> String {
    match StreamError::try_from(el) {
        Ok(e) => format!("stream error: {e}"),
        Err(_) => "an invalid stream error".into(),
    }
}

/// The writing half: what the driver sends (in batches: one write and one
/// flush for all that waits), keepalive pings, the footer on close.
async fn write_stanzas<W: AsyncWrite + Unpin>(
    wr: &mut W,
    outbound: &mut mpsc::UnboundedReceiver<Outbound>,
    side: &mpsc::UnboundedSender<TransportEvent>,
    mut ping: mpsc::UnboundedReceiver<()>,
) -> Ended {
    let mut buf = Vec::new();
    let mut receipts = Vec::new();
    loop {
        let first = tokio::select! {
            out = outbound.recv() => out,
            Some(()) = ping.recv() => {
                // No `to`: the server answers for the account (a result or
                // an error: any answer shows the stream is alive).
                let iq = Iq::from_get(PING_ID, Ping);
                match serialize(Stanza::Iq(iq)) {
                    Ok(bytes) => buf.extend_from_slice(&bytes),
                    Err(e) => tracing::warn!("keepalive not written: {e}"),
                }
                if let Err(e) = write_all(wr, &buf).await {
                    return Ended::Lost(format!("writing failed: {e}"));
                }
                buf.clear();
                continue;
            }
        };
        let mut next = first;
        let mut close = None;
        loop {
            match next {
                Some(Outbound::Stanza(stanza, receipt)) => match serialize(*stanza) {
                    Ok(bytes) => {
                        buf.extend_from_slice(&bytes);
                        receipts.extend(receipt);
                    }
                    Err(e) => {
                        tracing::warn!("stanza not written: {e}");
                        let _ = side.send(TransportEvent::Error(format!(
                            "a stanza could not be written: {e}"
                        )));
                        unsent(side, receipt);
                    }
                },
                Some(Outbound::Close(done)) => {
                    close = Some(done);
                    break;
                }
                None => return Ended::DriverGone,
            }
            match outbound.try_recv() {
                Ok(out) => next = Some(out),
                Err(_) => break,
            }
        }
        if close.is_some() {
            buf.extend_from_slice(b"</stream:stream>");
        }
        let written = tokio::time::timeout(WRITE_WAIT, async {
            write_all(wr, &buf).await?;
            if close.is_some() {
                wr.shutdown().await?;
            }
            Ok::<(), std::io::Error>(())
        })
        .await;
        buf.clear();
        let failure = match written {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("writing failed: {e}")),
            Err(_) => Some(format!("a write took longer than {WRITE_WAIT:?}")),
        };
        for receipt in receipts.drain(..) {
            let _ = side.send(match failure {
                None => TransportEvent::Written(receipt),
                Some(_) => TransportEvent::WriteFailed(receipt),
            });
        }
        if let Some(done) = close {
            let _ = done.send(());
            return Ended::Closed;
        }
        if let Some(why) = failure {
            return Ended::Lost(why);
        }
    }
}

/// Reports a stanza that was not written.
fn unsent(side: &mpsc::UnboundedSender<TransportEvent>, receipt: Option<Receipt>) {
    tracing::debug!("stanza not sent");
    if let Some(r) = receipt {
        let _ = side.send(TransportEvent::WriteFailed(r));
    }
}

async fn write_all<W: AsyncWrite + Unpin>(wr: &mut W, bytes: &[u8]) -> std::io::Result<()> {
    wr.write_all(bytes).await?;
    wr.flush().await
}

/// A stanza's bytes (minidom's writer: the stanza declares
/// `jabber:client`, as its default namespace already is).
fn serialize(stanza: Stanza) -> Result<Vec<u8>, minidom::Error> {
    let el = Element::from(stanza);
    let mut out = Vec::with_capacity(256);
    el.write_to(&mut out)?;
    Ok(out)
}

fn text(e: impl Display) -> String {
    e.to_string()
}
