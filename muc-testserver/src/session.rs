//! One client connection: stream negotiation (header, SASL, stream reset,
//! resource binding) on tokio-xmpp's accepting `xmlstream`, then the session
//! loop that reads stanzas for the hub and writes the session's queue.
//!
//! Bad input ends this session only: malformed XML gives
//! `<not-well-formed/>`, an element that is not a stanza gives
//! `<unsupported-stanza-type/>`, a stanza past the size limit or a flood gives
//! `<policy-violation/>`. Invalid stanzas get a stanza error.

use std::borrow::Cow;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use jid::{BareJid, FullJid};
use minidom::Element;
use tokio::io::{AsyncRead, AsyncWrite, BufStream, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_xmpp::xmlstream::{
    self, PendingFeaturesSend, ReadError, StreamHeader, Timeouts, XmlStream,
};
use xmpp_parsers::bind::{BindQuery, BindResponse};
use xmpp_parsers::sasl::{Nonza, Success};
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};
use xmpp_parsers::stream_error::{DefinedCondition as StreamCondition, StreamError};
use xmpp_parsers::stream_features::StreamFeatures;

use crate::raw::{RawBytes, RawWriter};
use crate::router::{Hub, Outbound};
use crate::sasl::{AuthOutcome, authenticate, offered};
use crate::stanza::{ElementExt, NS_CLIENT, iq_result, new_id, stanza_error};

/// How long stream negotiation (connect to bound session) may take.
const NEGOTIATION_TIMEOUT: Duration = Duration::from_secs(30);
/// How long writing one batch to a client may take before it is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Counts the bytes read since the last complete element and fails the read
/// side once a single element grows past the limit.
struct Limited<T> {
    inner: T,
    count: Arc<AtomicUsize>,
    limit: usize,
    exceeded: Arc<AtomicBool>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Limited<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.exceeded.load(Ordering::Relaxed) {
            return Poll::Ready(Err(io::Error::other("stanza size limit exceeded")));
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &r {
            let n = buf.filled().len() - before;
            let total = self.count.fetch_add(n, Ordering::Relaxed) + n;
            if total > self.limit {
                self.exceeded.store(true, Ordering::Relaxed);
                return Poll::Ready(Err(io::Error::other("stanza size limit exceeded")));
            }
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Limited<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

type Io = BufStream<Limited<RawWriter<TcpStream>>>;

fn server_timeouts() -> Timeouts {
    // The server never pings; a silent client is fine.
    Timeouts {
        read_timeout: Duration::from_secs(24 * 3600),
        response_timeout: Duration::from_secs(24 * 3600),
    }
}

/// Handle one accepted TCP connection until it ends.
pub(crate) async fn run_connection(hub: Arc<Hub>, tcp: TcpStream) {
    let _ = tcp.set_nodelay(true);
    let count = Arc::new(AtomicUsize::new(0));
    let exceeded = Arc::new(AtomicBool::new(false));
    let raw = RawBytes::default();
    let io = BufStream::new(Limited {
        inner: RawWriter {
            inner: tcp,
            pending: raw.clone(),
        },
        count: count.clone(),
        limit: hub.limits.max_stanza_size,
        exceeded: exceeded.clone(),
    });
    hub.connection_opened();
    let negotiated = tokio::time::timeout(NEGOTIATION_TIMEOUT, negotiate(&hub, io)).await;
    match negotiated {
        Ok(Ok(Some((stream, jid, rx, queued)))) => {
            let mut session = Session {
                hub: hub.clone(),
                stream,
                jid,
                rx,
                queued,
                count,
                exceeded,
                raw,
                tokens: 0.0,
                last_refill: Instant::now(),
            };
            session.run().await;
            hub.unregister(&session.jid);
        }
        Ok(Ok(None)) => {}
        Ok(Err(e)) => tracing::debug!("stream negotiation failed: {e}"),
        Err(_) => tracing::debug!("stream negotiation timed out"),
    }
    hub.connection_closed();
}

type Negotiated = (
    XmlStream<Io, Element>,
    FullJid,
    mpsc::UnboundedReceiver<Outbound>,
    Arc<AtomicUsize>,
);

async fn open_stream(
    hub: &Hub,
    accepted: xmlstream::AcceptedStream<Io>,
) -> io::Result<Option<PendingFeaturesSend<Io>>> {
    let to_ok = accepted.header().to.as_deref() == Some(hub.domain.as_str());
    let pending = accepted
        .send_header(StreamHeader {
            from: Some(Cow::Borrowed(hub.domain.as_str())),
            to: None,
            id: Some(Cow::Owned(new_id())),
        })
        .await?;
    if !to_ok {
        pending
            .send_error(&StreamError::new(
                StreamCondition::HostUnknown,
                "en",
                "This server does not serve this domain",
            ))
            .await?;
        return Ok(None);
    }
    if hub.shutting_down.load(Ordering::SeqCst) {
        pending
            .send_error(&StreamError::new(
                StreamCondition::SystemShutdown,
                "en",
                "The server is shutting down",
            ))
            .await?;
        return Ok(None);
    }
    Ok(Some(pending))
}

async fn negotiate(hub: &Arc<Hub>, io: Io) -> io::Result<Option<Negotiated>> {
    let accepted = xmlstream::accept_stream(io, NS_CLIENT, server_timeouts()).await?;
    let Some(pending) = open_stream(hub, accepted).await? else {
        return Ok(None);
    };
    let features = StreamFeatures {
        sasl_mechanisms: offered(hub).into_iter().map(String::from).collect(),
        ..Default::default()
    };
    let mut stream: XmlStream<Io, Element> = pending.send_features(&features).await?;
    let (user, data) = match authenticate(&mut stream, hub).await? {
        AuthOutcome::Success { user, data } => (user, data),
        AuthOutcome::Closed => return Ok(None),
    };
    let accepted = stream
        .accept_reset(&Nonza::Success(Success { data }))
        .await?;
    let Some(pending) = open_stream(hub, accepted).await? else {
        return Ok(None);
    };
    let features = StreamFeatures {
        bind: Some(xmpp_parsers::bind::BindFeature { required: false }),
        ..Default::default()
    };
    let mut stream: XmlStream<Io, Element> = pending.send_features(&features).await?;
    let bare = match BareJid::new(&format!("{user}@{}", hub.domain)) {
        Ok(b) => b,
        Err(_) => {
            send_stream_error(&mut stream, StreamCondition::InvalidFrom, "bad user name").await;
            return Ok(None);
        }
    };
    // Resource binding.
    loop {
        let element = match stream.next().await {
            Some(Ok(e)) => e,
            Some(Err(ReadError::SoftTimeout)) | Some(Err(ReadError::ParseError(_))) => continue,
            Some(Err(ReadError::HardError(e))) => return Err(e),
            Some(Err(ReadError::StreamFooterReceived)) | None => return Ok(None),
        };
        if !element.is("iq", NS_CLIENT) {
            send_stream_error(
                &mut stream,
                StreamCondition::NotAuthorized,
                "Bind a resource first",
            )
            .await;
            return Ok(None);
        }
        let query = element
            .children()
            .next()
            .cloned()
            .and_then(|c| BindQuery::try_from(c).ok());
        let Some(query) = query.filter(|_| element.attr("type") == Some("set")) else {
            let reply = stanza_error(
                &element,
                ErrorType::Modify,
                DefinedCondition::BadRequest,
                None,
            );
            stream.send(&reply).await?;
            continue;
        };
        let wanted = query.resource.filter(|r| !r.is_empty());
        let mut jid = None;
        for attempt in 0..4 {
            let resource = match (&wanted, attempt) {
                (Some(r), 0) => r.clone(),
                _ => new_id(),
            };
            let Ok(full) = bare.with_resource_str(&resource) else {
                continue;
            };
            let (tx, rx) = mpsc::unbounded_channel();
            let queued = Arc::new(AtomicUsize::new(0));
            if hub.register(&full, tx, queued.clone()) {
                jid = Some((full, rx, queued));
                break;
            }
        }
        let Some((full, rx, queued)) = jid else {
            send_stream_error(&mut stream, StreamCondition::Conflict, "Resource conflict").await;
            return Ok(None);
        };
        let reply = iq_result(&element, Some(BindResponse { jid: full.clone() }.into()));
        if let Err(e) = stream.send(&reply.with_attr("to", full.to_string())).await {
            hub.unregister(&full);
            return Err(e);
        }
        tracing::debug!(jid = %full, "session bound");
        return Ok(Some((stream, full, rx, queued)));
    }
}

/// Send a stream error and close the stream (best effort, bounded by
/// [`WRITE_TIMEOUT`]).
pub(crate) async fn send_stream_error<S: AsyncWrite + tokio::io::AsyncBufRead + Unpin>(
    stream: &mut XmlStream<S, Element>,
    condition: StreamCondition,
    text: &str,
) {
    let error = StreamError::new(condition, "en", text);
    let _ = tokio::time::timeout(WRITE_TIMEOUT, async {
        if stream.send(&error).await.is_ok() {
            let _ = stream.shutdown().await;
        }
    })
    .await;
}

struct Session {
    hub: Arc<Hub>,
    stream: XmlStream<Io, Element>,
    jid: FullJid,
    rx: mpsc::UnboundedReceiver<Outbound>,
    queued: Arc<AtomicUsize>,
    count: Arc<AtomicUsize>,
    exceeded: Arc<AtomicBool>,
    /// Bytes to write as they are (`Faults::inject_raw`).
    raw: RawBytes,
    tokens: f64,
    last_refill: Instant,
}

enum Flow {
    Continue,
    Stop,
}

impl Session {
    async fn run(&mut self) {
        if let Some(rate) = self.hub.limits.max_stanzas_per_second {
            self.tokens = f64::from(rate) * 2.0;
        }
        loop {
            let flow = tokio::select! {
                biased;
                out = self.rx.recv() => match out {
                    Some(first) => self.write_batch(first).await,
                    None => Flow::Stop,
                },
                input = self.stream.next() => self.read(input).await,
            };
            if let Flow::Stop = flow {
                break;
            }
        }
    }

    async fn write_batch(&mut self, first: Outbound) -> Flow {
        let mut batch = vec![first];
        while batch.len() < 128 {
            match self.rx.try_recv() {
                Ok(o) => batch.push(o),
                Err(_) => break,
            }
        }
        let stream = &mut self.stream;
        let queued = &self.queued;
        let raw = &self.raw;
        let result = tokio::time::timeout(WRITE_TIMEOUT, async {
            for item in batch {
                match item {
                    Outbound::Stanza(e) => {
                        let _ = queued.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| {
                            Some(v.saturating_sub(1))
                        });
                        stream.feed(&crate::wire::Wire(&e)).await?;
                    }
                    Outbound::StreamError(e) => {
                        stream.feed(&e).await?;
                        let _ = stream.shutdown().await;
                        return Ok::<_, io::Error>(Flow::Stop);
                    }
                    Outbound::Raw(bytes) => {
                        let _ = queued.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| {
                            Some(v.saturating_sub(1))
                        });
                        // Out with what came before, then the bytes, ahead
                        // of anything after.
                        SinkExt::<&Element>::flush(stream).await?;
                        raw.push(&bytes);
                        SinkExt::<&Element>::flush(stream).await?;
                    }
                    Outbound::Cut => {
                        // What was queued before the cut still goes out.
                        SinkExt::<&Element>::flush(stream).await?;
                        tracing::debug!("cutting the connection");
                        return Ok(Flow::Stop);
                    }
                }
            }
            SinkExt::<&Element>::flush(stream).await?;
            Ok(Flow::Continue)
        })
        .await;
        match result {
            Ok(Ok(flow)) => flow,
            Ok(Err(e)) => {
                tracing::debug!(jid = %self.jid, "write failed: {e}");
                Flow::Stop
            }
            Err(_) => {
                tracing::debug!(jid = %self.jid, "write timed out");
                Flow::Stop
            }
        }
    }

    async fn fail(&mut self, condition: StreamCondition, text: &str) -> Flow {
        tracing::debug!(jid = %self.jid, ?condition, "{text}");
        send_stream_error(&mut self.stream, condition, text).await;
        Flow::Stop
    }

    fn rate_ok(&mut self) -> bool {
        let Some(rate) = self.hub.limits.max_stanzas_per_second else {
            return true;
        };
        let now = Instant::now();
        let rate = f64::from(rate);
        let elapsed = now.duration_since(self.last_refill).as_secs_f64();
        self.last_refill = now;
        self.tokens = (self.tokens + elapsed * rate).min(rate * 2.0);
        self.tokens -= 1.0;
        self.tokens >= 0.0
    }

    async fn read(&mut self, input: Option<Result<Element, ReadError>>) -> Flow {
        let element = match input {
            Some(Ok(e)) => e,
            Some(Err(ReadError::SoftTimeout)) => return Flow::Continue,
            Some(Err(ReadError::ParseError(e))) => {
                return self
                    .fail(StreamCondition::InvalidXml, &format!("Invalid XML: {e}"))
                    .await;
            }
            Some(Err(ReadError::StreamFooterReceived)) | None => {
                let _ = tokio::time::timeout(WRITE_TIMEOUT, self.stream.shutdown()).await;
                return Flow::Stop;
            }
            Some(Err(ReadError::HardError(e))) => {
                if self.exceeded.load(Ordering::Relaxed) {
                    return self
                        .fail(StreamCondition::PolicyViolation, "Stanza too large")
                        .await;
                }
                if e.kind() == io::ErrorKind::InvalidData {
                    return self
                        .fail(
                            StreamCondition::NotWellFormed,
                            &format!("Malformed XML: {e}"),
                        )
                        .await;
                }
                tracing::debug!(jid = %self.jid, "connection lost: {e}");
                return Flow::Stop;
            }
        };
        self.count.store(0, Ordering::Relaxed);
        if !self.rate_ok() {
            return self
                .fail(StreamCondition::PolicyViolation, "Too many stanzas")
                .await;
        }
        if element.ns() != NS_CLIENT || !matches!(element.name(), "iq" | "message" | "presence") {
            return self
                .fail(
                    StreamCondition::UnsupportedStanzaType,
                    &format!("Unsupported stream element <{}/>", element.name()),
                )
                .await;
        }
        if let Some(reply) = self.check_stanza(&element) {
            self.hub.reply_to_session(&self.jid, reply);
            return Flow::Continue;
        }
        if element.name() == "iq"
            && element.attr("to").is_none()
            && element.attr("type") == Some("set")
            && element.has_child("session", "urn:ietf:params:xml:ns:xmpp-session")
        {
            self.hub
                .reply_to_session(&self.jid, iq_result(&element, None));
            return Flow::Continue;
        }
        self.hub.from_client(&self.jid, element);
        Flow::Continue
    }

    /// Basic stanza validity (RFC 6120 §8): returns the error reply if the
    /// stanza is invalid.
    fn check_stanza(&self, element: &Element) -> Option<Element> {
        let bad = |text: &str| {
            Some(stanza_error(
                element,
                ErrorType::Modify,
                DefinedCondition::BadRequest,
                Some(text),
            ))
        };
        if element.name() == "iq" {
            let type_ = element.attr("type");
            if element.attr("id").is_none() {
                return bad("IQ without id");
            }
            match type_ {
                Some("get") | Some("set") => {
                    if element.children().count() != 1 {
                        return bad("IQ get/set must have exactly one child");
                    }
                }
                Some("result") | Some("error") => {}
                _ => return bad("Invalid IQ type"),
            }
        }
        if let Some(to) = element.attr("to") {
            if to.parse::<jid::Jid>().is_err() && element.attr("type") != Some("error") {
                return Some(stanza_error(
                    element,
                    ErrorType::Modify,
                    DefinedCondition::JidMalformed,
                    None,
                ));
            }
        }
        None
    }
}
