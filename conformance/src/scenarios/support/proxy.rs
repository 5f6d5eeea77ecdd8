//! A TCP proxy a scenario can put between one client and the server: to
//! cut the connection, hold it back, see and filter the stanzas; and the
//! few helpers that read a stanza's text.

use super::Error;
use crate::runner::ScenarioCtx;

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

/// The last stanza the proxy's client received whose text contains `needle`
/// (for failure messages), or `"(none)"`.
pub fn last_received_with(proxy: &TcpProxy, needle: &str) -> String {
    proxy
        .received()
        .into_iter()
        .rfind(|s| s.contains(needle))
        .unwrap_or_else(|| "(none)".to_owned())
}
