//! A small test client: one owner task per tokio-xmpp `StanzaStream`, a
//! command channel in, an element channel out, and timeouts on every wait.
//!
//! Not `tokio_xmpp::Client`: in tokio-xmpp 6.0.0 its background worker
//! reads the stream through a `StanzaReceiver`, whose `poll_next` returns
//! `Pending` without registering a waker when `send_stanza` holds the
//! shared lock. A reply that arrives in that window is never delivered (a
//! lost wakeup; seen as a missing self-presence on a loaded machine). An
//! unsplit `StanzaStream` owned by one task has no such lock.

#![allow(dead_code)]

use std::time::Duration;

use futures::StreamExt;
use minidom::Element;
use tokio::sync::{mpsc, watch};
use tokio_xmpp::Stanza;
use tokio_xmpp::connect::{DnsConfig, TcpServerConnector};
use tokio_xmpp::jid::{BareJid, FullJid};
use tokio_xmpp::parsers::{iq::Iq, message::Message, presence::Presence};
use tokio_xmpp::stanzastream::{Event, StanzaStream, StreamEvent};
use tokio_xmpp::xmlstream::Timeouts;

pub use muc_testserver::ns;
use muc_testserver::predicates::status_codes;

/// Default wait for one stanza.
pub const WAIT: Duration = Duration::from_secs(5);

enum Cmd {
    Send(Element),
    End,
}

/// A connected tokio-xmpp client driven by its own task.
pub struct TestClient {
    pub jid: FullJid,
    cmd: mpsc::UnboundedSender<Cmd>,
    rx: mpsc::UnboundedReceiver<Element>,
    online: watch::Receiver<(u32, Option<FullJid>)>,
    counter: u64,
}

/// Parse a stanza written as XML; `jabber:client` is the default namespace.
pub fn xml(s: &str) -> Element {
    let wrapped = format!("<w xmlns='jabber:client'>{s}</w>");
    let w: Element = wrapped.parse().expect("valid XML in test");
    w.children().next().expect("one element").clone()
}

fn to_stanza(el: Element) -> Option<Stanza> {
    match el.name() {
        "message" => Message::try_from(el).ok().map(Stanza::Message),
        "presence" => Presence::try_from(el).ok().map(Stanza::Presence),
        "iq" => Iq::try_from(el).ok().map(Stanza::Iq),
        _ => None,
    }
}

fn from_stanza(s: Stanza) -> Element {
    match s {
        Stanza::Message(m) => m.into(),
        Stanza::Presence(p) => p.into(),
        Stanza::Iq(i) => i.into(),
    }
}

impl TestClient {
    /// Connect and wait for `Online`; panics after 10 s.
    pub async fn connect(addr: std::net::SocketAddr, user: &str, password: &str) -> TestClient {
        Self::try_connect(addr, user, password, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("{user} did not get online"))
    }

    /// Connect; `None` if no `Online` within `timeout` (tokio-xmpp retries
    /// forever on a wrong password, so this is how a failed login shows).
    pub async fn try_connect(
        addr: std::net::SocketAddr,
        user: &str,
        password: &str,
        timeout: Duration,
    ) -> Option<TestClient> {
        let jid: BareJid = user.parse().expect("valid JID");
        let mut client = StanzaStream::new_c2s(
            TcpServerConnector::from(DnsConfig::addr(&addr.to_string())),
            jid.into(),
            password.to_owned(),
            Timeouts::tight(),
            16,
        );
        let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel::<Cmd>();
        let (el_tx, el_rx) = mpsc::unbounded_channel();
        let (online_tx, mut online_rx) = watch::channel((0u32, None));
        tokio::spawn(async move {
            let mut sent_without_id = 0u64;
            loop {
                tokio::select! {
                    ev = client.next() => match ev {
                        Some(Event::Stream(StreamEvent::Reset { bound_jid, .. })) => {
                            let full = bound_jid.try_into_full().ok();
                            online_tx.send_modify(|(n, j)| { *n += 1; *j = full; });
                        }
                        Some(Event::Stanza(s)) => { let _ = el_tx.send(from_stanza(s)); }
                        Some(_) => {}
                        None => break,
                    },
                    cmd = cmd_rx.recv() => match cmd {
                        Some(Cmd::Send(mut el)) => {
                            // As tokio_xmpp::Client does: every stanza gets an id.
                            if el.attr("id").is_none() {
                                sent_without_id += 1;
                                el.attrs_mut().insert(
                                    xso::exports::rxml::Namespace::NONE,
                                    "id".try_into().expect("ncname"),
                                    format!("auto-{sent_without_id}"),
                                );
                            }
                            if let Some(st) = to_stanza(el) {
                                let _ = client.send(Box::new(st)).await;
                            }
                        }
                        Some(Cmd::End) | None => {
                            let _ = tokio::time::timeout(Duration::from_secs(2), client.close()).await;
                            break;
                        }
                    },
                }
            }
        });
        let ok = tokio::time::timeout(timeout, online_rx.wait_for(|(n, _)| *n > 0))
            .await
            .is_ok_and(|r| r.is_ok());
        if !ok {
            let _ = cmd_tx.send(Cmd::End);
            return None;
        }
        let jid = online_rx.borrow().1.clone().expect("full JID");
        Some(TestClient {
            jid,
            cmd: cmd_tx,
            rx: el_rx,
            online: online_rx,
            counter: 0,
        })
    }

    /// A fresh id for stanzas sent by tests.
    pub fn next_id(&mut self) -> String {
        self.counter += 1;
        format!("t{}-{}", self.jid.resource(), self.counter)
    }

    /// Send an element (converted to a typed stanza by tokio-xmpp).
    pub fn send(&self, el: Element) {
        let _ = self.cmd.send(Cmd::Send(el));
    }

    /// Send a stanza written as XML.
    pub fn send_xml(&self, s: &str) {
        self.send(xml(s));
    }

    /// The next stanza; panics after [`WAIT`].
    pub async fn recv(&mut self) -> Element {
        match tokio::time::timeout(WAIT, self.rx.recv()).await {
            Ok(Some(e)) => e,
            Ok(None) => panic!("{}: client task ended", self.jid),
            Err(_) => panic!("{}: no stanza within {WAIT:?}", self.jid),
        }
    }

    /// The next stanza, or `None` if nothing comes within `d`.
    pub async fn try_recv(&mut self, d: Duration) -> Option<Element> {
        tokio::time::timeout(d, self.rx.recv()).await.ok().flatten()
    }

    /// Skip stanzas until one matches; panics after [`WAIT`].
    pub async fn recv_until(&mut self, mut pred: impl FnMut(&Element) -> bool) -> Element {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(e)) if pred(&e) => return e,
                Ok(Some(_)) => continue,
                Ok(None) => panic!("{}: client task ended", self.jid),
                Err(_) => panic!("{}: expected stanza did not come within {WAIT:?}", self.jid),
            }
        }
    }

    /// All stanzas up to and including the first that matches.
    pub async fn collect_until(&mut self, mut pred: impl FnMut(&Element) -> bool) -> Vec<Element> {
        let mut v = Vec::new();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(e)) => {
                    let done = pred(&e);
                    v.push(e);
                    if done {
                        return v;
                    }
                }
                Ok(None) => panic!("{}: client task ended", self.jid),
                Err(_) => panic!(
                    "{}: condition not met within {WAIT:?}; got {:?}",
                    self.jid,
                    v.iter().map(String::from).collect::<Vec<_>>()
                ),
            }
        }
    }

    /// Assert that nothing matching arrives within `d`.
    pub async fn expect_none(&mut self, d: Duration, mut pred: impl FnMut(&Element) -> bool) {
        let deadline = tokio::time::Instant::now() + d;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.rx.recv()).await {
                Ok(Some(e)) if pred(&e) => panic!("{}: unexpected {}", self.jid, String::from(&e)),
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return,
            }
        }
    }

    /// Send an IQ (written as XML, without id) and wait for its response.
    pub async fn iq(&mut self, s: &str) -> Element {
        let id = self.next_id();
        let mut el = xml(s);
        el.attrs_mut().insert(
            xso::exports::rxml::Namespace::NONE,
            "id".try_into().expect("ncname"),
            id.clone(),
        );
        self.send(el);
        self.recv_until(|e| e.name() == "iq" && e.attr("id") == Some(id.as_str()))
            .await
    }

    /// Join a room; returns everything up to and including the subject
    /// message (or the error presence).
    pub async fn join(&mut self, room: &str, nick: &str) -> Vec<Element> {
        self.join_with(room, nick, "").await
    }

    /// Join with extra children inside `<x xmlns=muc>` (password, history).
    pub async fn join_with(&mut self, room: &str, nick: &str, inner: &str) -> Vec<Element> {
        let id = self.next_id();
        self.send_xml(&format!(
            "<presence id='{id}' to='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc'>{inner}</x></presence>"
        ));
        let room = room.to_owned();
        self.collect_until(|e| {
            (e.name() == "message"
                && e.attr("type") == Some("groupchat")
                && e.get_child("subject", ns::CLIENT).is_some()
                && e.attr("from").is_some_and(|f| f.starts_with(&room)))
                || (e.name() == "presence" && e.attr("type") == Some("error"))
        })
        .await
    }

    /// How many times `Online` was seen.
    pub fn online_count(&self) -> u32 {
        self.online.borrow().0
    }

    /// Wait for a new `Online` (a reconnect after a cut); returns the new
    /// full JID.
    pub async fn wait_reconnect(&mut self, timeout: Duration) -> Option<FullJid> {
        let before = self.online_count();
        let r = tokio::time::timeout(timeout, self.online.wait_for(|(n, _)| *n > before))
            .await
            .is_ok_and(|r| r.is_ok());
        if r {
            self.online.borrow().1.clone()
        } else {
            None
        }
    }

    /// Close the stream cleanly.
    pub fn end(&self) {
        let _ = self.cmd.send(Cmd::End);
    }
}

impl Drop for TestClient {
    fn drop(&mut self) {
        let _ = self.cmd.send(Cmd::End);
    }
}

/// Status codes of a stanza's muc#user payload.
pub fn codes(e: &Element) -> Vec<u16> {
    status_codes(e)
}

/// Whether the stanza is an available self-presence.
pub fn is_self_presence(e: &Element) -> bool {
    e.name() == "presence" && e.attr("type").is_none() && codes(e).contains(&110)
}

/// The `muc#user` item of a presence.
pub fn item(e: &Element) -> Element {
    e.get_child("x", ns::MUC_USER)
        .and_then(|x| x.get_child("item", ns::MUC_USER))
        .cloned()
        .unwrap_or_else(|| panic!("no muc#user item in {}", String::from(e)))
}

/// The defined condition of an error stanza.
pub fn error_condition(e: &Element) -> String {
    e.get_child("error", ns::CLIENT)
        .and_then(|err| {
            err.children()
                .find(|c| c.ns() == "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name() != "text")
        })
        .map(|c| c.name().to_owned())
        .unwrap_or_else(|| panic!("no error condition in {}", String::from(e)))
}

/// The text of a child in jabber:client (body, subject).
pub fn child_text(e: &Element, name: &str) -> Option<String> {
    e.get_child(name, ns::CLIENT).map(|c| c.text())
}

/// Start a server with users named `users` (password = name + "pw").
pub async fn server_with(
    users: &[&str],
    profile: muc_testserver::Profile,
) -> muc_testserver::Server {
    let mut b = muc_testserver::Server::builder().profile(profile);
    for u in users {
        b = b.user(u, &format!("{u}pw"));
    }
    b.start().await.expect("server starts")
}

/// Connect `name@localhost` with password `namepw`.
pub async fn login(server: &muc_testserver::Server, name: &str) -> TestClient {
    TestClient::connect(
        server.addr(),
        &format!("{name}@{}", server.domain()),
        &format!("{name}pw"),
    )
    .await
}

/// Create and unlock (instant room) a room as `owner`.
pub async fn create_room(owner: &mut TestClient, room: &str, nick: &str) -> Vec<Element> {
    let seq = owner.join(room, nick).await;
    let r = owner
        .iq(&format!(
            "<iq type='set' to='{room}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>"
        ))
        .await;
    assert_eq!(r.attr("type"), Some("result"), "{}", String::from(&r));
    seq
}
