//! The hub: the registry of bound sessions, routing between them, the
//! server's own IQs, and the place where fault rules are applied.
//!
//! All routing happens under one lock, so the order in which stanzas are
//! queued for the sessions is exactly the order in which the server produced
//! them (a kick's presences before its IQ result, as on the real servers).
//! Each session task then writes its own queue; a slow or dead client never
//! blocks the hub or the other sessions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use tokio::sync::{Notify, mpsc};
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};
use xmpp_parsers::stream_error::{DefinedCondition as StreamCondition, StreamError};

use crate::faults::{Action, Direction, RuleSet};
use crate::muc::MucService;
use crate::profile::Profile;
use crate::stanza::{ElementExt, is_error_or_result, new_id, stanza_error};

/// What a session task is asked to do with its connection.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// Write this stanza.
    Stanza(Element),
    /// Write this stream error, close the stream and the connection.
    StreamError(StreamError),
    /// Drop the TCP connection at once.
    Cut,
    /// Write these bytes as they are, after what was queued before.
    Raw(Vec<u8>),
}

/// Per-connection limits, from the server builder.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub max_stanza_size: usize,
    pub max_queue: usize,
    pub max_stanzas_per_second: Option<u32>,
}

pub(crate) struct SessionEntry {
    tx: mpsc::UnboundedSender<Outbound>,
    queued: Arc<AtomicUsize>,
    overflowed: bool,
}

pub(crate) struct State {
    sessions: HashMap<FullJid, SessionEntry>,
    pub(crate) muc: MucService,
}

/// Shared server state; owned by [`crate::Server`] and every session task.
pub(crate) struct Hub {
    pub domain: String,
    pub muc_domain: String,
    pub profile: Profile,
    pub limits: Limits,
    pub scram: bool,
    users: Mutex<HashMap<String, String>>,
    state: Mutex<State>,
    pub rules: Arc<RuleSet>,
    live_sessions: AtomicUsize,
    pub idle: Notify,
    pub shutting_down: AtomicBool,
}

impl Hub {
    pub fn new(
        domain: String,
        muc: MucService,
        profile: Profile,
        limits: Limits,
        scram: bool,
        users: HashMap<String, String>,
    ) -> Hub {
        Hub {
            muc_domain: muc.domain().to_owned(),
            domain,
            profile,
            limits,
            scram,
            users: Mutex::new(users),
            state: Mutex::new(State {
                sessions: HashMap::new(),
                muc,
            }),
            rules: Arc::new(RuleSet::default()),
            live_sessions: AtomicUsize::new(0),
            idle: Notify::new(),
            shutting_down: AtomicBool::new(false),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Check a password (SASL).
    pub fn check_password(&self, user: &str, password: &str) -> bool {
        self.password(user).is_some_and(|p| p == password)
    }

    /// The stored password of a user (SCRAM needs it to derive keys).
    pub fn password(&self, user: &str) -> Option<String> {
        self.users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(user)
            .cloned()
    }

    /// Add or replace an account.
    pub fn add_user(&self, user: &str, password: &str) {
        self.users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(user.to_owned(), password.to_owned());
    }

    pub fn connection_opened(&self) {
        self.live_sessions.fetch_add(1, Ordering::SeqCst);
    }

    pub fn connection_closed(&self) {
        if self.live_sessions.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }

    pub fn live_connections(&self) -> usize {
        self.live_sessions.load(Ordering::SeqCst)
    }

    /// Register a bound session. Fails if the full JID is taken.
    pub fn register(
        &self,
        jid: &FullJid,
        tx: mpsc::UnboundedSender<Outbound>,
        queued: Arc<AtomicUsize>,
    ) -> bool {
        let mut st = self.lock();
        if st.sessions.contains_key(jid) {
            return false;
        }
        st.sessions.insert(
            jid.clone(),
            SessionEntry {
                tx,
                queued,
                overflowed: false,
            },
        );
        true
    }

    /// Whether a full JID is bound.
    pub fn is_bound(&self, jid: &FullJid) -> bool {
        self.lock().sessions.contains_key(jid)
    }

    /// A session ended (cleanly or not): leave its rooms.
    pub fn unregister(&self, jid: &FullJid) {
        let mut st = self.lock();
        if st.sessions.remove(jid).is_none() {
            return;
        }
        let mut out = Vec::new();
        st.muc.session_gone(jid, &mut out);
        for e in out {
            self.deliver(&mut st, e);
        }
    }

    /// The bound sessions.
    pub fn sessions(&self) -> Vec<FullJid> {
        self.lock().sessions.keys().cloned().collect()
    }

    /// A stanza arrived from a bound session: apply client → server rules,
    /// then route it.
    pub fn from_client(self: &Arc<Self>, from: &FullJid, stanza: Element) {
        match self.rules.evaluate(Direction::FromClient, from, &stanza) {
            None => self.process(from, stanza),
            Some(action) => self.apply_incoming(from, stanza, action),
        }
    }

    fn apply_incoming(self: &Arc<Self>, from: &FullJid, mut stanza: Element, action: Action) {
        match action {
            Action::Drop => {}
            Action::Delay(d) => {
                let hub = self.clone();
                let from = from.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(d).await;
                    if hub.is_bound(&from) {
                        hub.process(&from, stanza);
                    }
                });
            }
            Action::Duplicate => {
                self.process(from, stanza.clone());
                self.process(from, stanza);
            }
            Action::RewriteId => {
                stanza.set_attr_str("id", new_id());
                self.process(from, stanza);
            }
            Action::Modify(f) => {
                f(&mut stanza);
                self.process(from, stanza);
            }
            Action::Inject(extra) => {
                self.process(from, stanza);
                self.process(from, extra);
            }
            Action::CutBefore => {
                self.cut(&Jid::from(from.clone()));
            }
            Action::CutAfter => {
                self.process(from, stanza);
                self.cut(&Jid::from(from.clone()));
            }
            Action::StreamError(c) => self.stream_error(from, c, "fault injected"),
        }
    }

    /// Send a reply produced by the session layer itself (stanza errors for
    /// invalid stanzas, the legacy session IQ) through the session's queue.
    pub fn reply_to_session(&self, to: &FullJid, mut reply: Element) {
        reply.set_attr_str("to", to.to_string());
        let mut st = self.lock();
        self.deliver_to_session(&mut st, to, reply);
    }

    /// Route a stanza from a session, without rules.
    pub fn process(&self, from: &FullJid, mut stanza: Element) {
        // The server stamps the sender (RFC 6120 §8.1.2.1).
        stanza.set_attr_str("from", from.to_string());
        let mut st = self.lock();
        let mut out = Vec::new();
        self.route(&mut st, from, stanza, &mut out);
        for e in out {
            self.deliver(&mut st, e);
        }
    }

    fn route(&self, st: &mut State, from: &FullJid, stanza: Element, out: &mut Vec<Element>) {
        let to = match stanza.attr("to") {
            None => None,
            Some(s) => match s.parse::<Jid>() {
                Ok(j) => Some(j),
                Err(_) => {
                    if !is_error_or_result(&stanza) {
                        out.push(stanza_error(
                            &stanza,
                            ErrorType::Modify,
                            DefinedCondition::JidMalformed,
                            None,
                        ));
                    }
                    return;
                }
            },
        };
        let Some(to) = to else {
            // Addressed to the account itself.
            crate::local::handle_own_account(from, stanza, out);
            return;
        };
        if to.domain().as_str() == self.muc_domain {
            st.muc.handle(from, stanza, out);
        } else if to.domain().as_str() == self.domain {
            if to.node().is_none() {
                if to.resource().is_none() {
                    crate::local::handle_server(&self.muc_domain, self.profile, stanza, out);
                }
                // Stanzas to a server resource are dropped.
            } else {
                self.route_to_user(st, &to, stanza, out);
            }
        } else if !is_error_or_result(&stanza) {
            out.push(stanza_error(
                &stanza,
                ErrorType::Cancel,
                DefinedCondition::RemoteServerNotFound,
                None,
            ));
        }
    }

    fn route_to_user(&self, st: &State, to: &Jid, stanza: Element, out: &mut Vec<Element>) {
        match to.try_as_full() {
            Ok(full) => {
                if st.sessions.contains_key(full) {
                    out.push(stanza);
                    return;
                }
                match stanza.name() {
                    // RFC 6121 §8.5.3.2.1: a message to an unavailable
                    // resource goes to the bare JID.
                    "message" => self.route_to_user(st, &Jid::from(full.to_bare()), stanza, out),
                    "iq" if !is_error_or_result(&stanza) => out.push(stanza_error(
                        &stanza,
                        ErrorType::Cancel,
                        DefinedCondition::ServiceUnavailable,
                        None,
                    )),
                    _ => {}
                }
            }
            Err(_) => {
                let online = st.sessions.keys().any(|k| k.to_bare() == *to.to_bare());
                match stanza.name() {
                    "message" | "presence" => {
                        if online {
                            out.push(stanza);
                        }
                    }
                    _ if is_error_or_result(&stanza) => {}
                    _ => out.push(stanza_error(
                        &stanza,
                        ErrorType::Cancel,
                        DefinedCondition::ServiceUnavailable,
                        None,
                    )),
                }
            }
        }
    }

    /// Queue a stanza produced by the server for the sessions named by its
    /// `to` (full JID: that session; bare JID: every session of the account).
    pub(crate) fn deliver(&self, st: &mut State, stanza: Element) {
        let Some(to) = stanza.to_jid() else {
            tracing::warn!(
                "dropping stanza without a valid 'to': {}",
                String::from(&stanza)
            );
            return;
        };
        match to.try_into_full() {
            Ok(full) => self.deliver_to_session(st, &full, stanza),
            Err(bare) => {
                let targets: Vec<FullJid> = st
                    .sessions
                    .keys()
                    .filter(|k| k.to_bare() == bare)
                    .cloned()
                    .collect();
                for t in targets {
                    self.deliver_to_session(st, &t, stanza.clone());
                }
            }
        }
    }

    fn deliver_to_session(&self, st: &mut State, to: &FullJid, stanza: Element) {
        match self.rules.evaluate(Direction::ToClient, to, &stanza) {
            None => self.enqueue(st, to, Outbound::Stanza(stanza)),
            Some(action) => self.apply_outgoing(st, to, stanza, action),
        }
    }

    fn apply_outgoing(&self, st: &mut State, to: &FullJid, mut stanza: Element, action: Action) {
        match action {
            Action::Drop => {}
            Action::Delay(d) => {
                if let Some(entry) = st.sessions.get(to) {
                    let tx = entry.tx.clone();
                    entry.queued.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(async move {
                        tokio::time::sleep(d).await;
                        let _ = tx.send(Outbound::Stanza(stanza));
                    });
                }
            }
            Action::Duplicate => {
                self.enqueue(st, to, Outbound::Stanza(stanza.clone()));
                self.enqueue(st, to, Outbound::Stanza(stanza));
            }
            Action::RewriteId => {
                stanza.set_attr_str("id", new_id());
                self.enqueue(st, to, Outbound::Stanza(stanza));
            }
            Action::Modify(f) => {
                f(&mut stanza);
                self.enqueue(st, to, Outbound::Stanza(stanza));
            }
            Action::Inject(extra) => {
                self.enqueue(st, to, Outbound::Stanza(stanza));
                self.enqueue(
                    st,
                    to,
                    Outbound::Stanza(extra.with_attr("to", to.to_string())),
                );
            }
            Action::CutBefore => self.enqueue(st, to, Outbound::Cut),
            Action::CutAfter => {
                self.enqueue(st, to, Outbound::Stanza(stanza));
                self.enqueue(st, to, Outbound::Cut);
            }
            Action::StreamError(c) => self.enqueue(
                st,
                to,
                Outbound::StreamError(StreamError::new(c, "en", "fault injected")),
            ),
        }
    }

    fn enqueue(&self, st: &mut State, to: &FullJid, item: Outbound) {
        let Some(entry) = st.sessions.get_mut(to) else {
            return;
        };
        if entry.overflowed {
            return;
        }
        let n = entry.queued.fetch_add(1, Ordering::SeqCst) + 1;
        if n > self.limits.max_queue {
            tracing::warn!(session = %to, "outbound queue overflow; closing the session");
            entry.overflowed = true;
            let _ = entry.tx.send(Outbound::StreamError(StreamError::new(
                StreamCondition::ResourceConstraint,
                "en",
                "Too many stanzas queued for this session",
            )));
            return;
        }
        if entry.tx.send(item).is_err() {
            entry.queued.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Send a stream error to one session and close it.
    pub fn stream_error(&self, to: &FullJid, condition: StreamCondition, text: &str) {
        let mut st = self.lock();
        self.enqueue(
            &mut st,
            to,
            Outbound::StreamError(StreamError::new(condition, "en", text)),
        );
    }

    fn matching(st: &State, who: &Jid) -> Vec<FullJid> {
        st.sessions
            .keys()
            .filter(|k| match who.try_as_full() {
                Ok(f) => *k == f,
                Err(_) => k.to_bare() == *who.to_bare(),
            })
            .cloned()
            .collect()
    }

    /// Queue a stanza as is (no rules) for matching sessions.
    pub fn inject(&self, to: &Jid, stanza: Element) -> usize {
        self.inject_all(to, std::iter::once(stanza))
    }

    /// Queue stanzas as they are (no rules), in order, for matching
    /// sessions: one lookup for the whole batch, and the last session
    /// gets the stanzas themselves rather than copies.
    pub fn inject_all(&self, to: &Jid, stanzas: impl IntoIterator<Item = Element>) -> usize {
        let mut st = self.lock();
        let targets = Self::matching(&st, to);
        let Some((last, others)) = targets.split_last() else {
            return 0;
        };
        let addressed = |mut s: Element, t: &FullJid| {
            if s.attr("to").is_none() {
                s.set_attr_str("to", t.to_string());
            }
            Outbound::Stanza(s)
        };
        for stanza in stanzas {
            for t in others {
                self.enqueue(&mut st, t, addressed(stanza.clone(), t));
            }
            self.enqueue(&mut st, last, addressed(stanza, last));
        }
        targets.len()
    }

    /// Queue bytes to be written as they are, after what is queued, for
    /// matching sessions.
    pub fn inject_raw(&self, to: &Jid, bytes: &[u8]) -> usize {
        let mut st = self.lock();
        let targets = Self::matching(&st, to);
        for t in &targets {
            self.enqueue(&mut st, t, Outbound::Raw(bytes.to_vec()));
        }
        targets.len()
    }

    /// Cut the TCP connection of matching sessions now.
    pub fn cut(&self, who: &Jid) -> usize {
        let st = self.lock();
        let targets = Self::matching(&st, who);
        for t in &targets {
            if let Some(entry) = st.sessions.get(t) {
                // Bypass the queue: a cut is immediate.
                let _ = entry.tx.send(Outbound::Cut);
            }
        }
        targets.len()
    }

    /// Kick everybody out of every room with 332 and forget the rooms that
    /// are not persistent.
    pub fn restart_muc(&self) {
        let mut st = self.lock();
        let mut out = Vec::new();
        st.muc.shutdown(&mut out);
        for e in out {
            self.deliver(&mut st, e);
        }
    }

    /// Remove an occupant with status 333.
    pub fn remove_with_error(&self, room: &BareJid, nick: &str) -> bool {
        let mut st = self.lock();
        let mut out = Vec::new();
        let found = st.muc.remove_with_error(room, nick, &mut out);
        for e in out {
            self.deliver(&mut st, e);
        }
        found
    }

    /// Begin a clean shutdown: 332 to every occupant, then
    /// `<system-shutdown/>` to every session.
    pub fn begin_shutdown(&self) {
        if self.shutting_down.swap(true, Ordering::SeqCst) {
            return;
        }
        self.restart_muc();
        let mut st = self.lock();
        let all: Vec<FullJid> = st.sessions.keys().cloned().collect();
        for s in all {
            self.enqueue(
                &mut st,
                &s,
                Outbound::StreamError(StreamError::new(
                    StreamCondition::SystemShutdown,
                    "en",
                    "The server is shutting down",
                )),
            );
        }
    }

    /// Room inspection for [`crate::Server::room`].
    pub fn with_muc<R>(&self, f: impl FnOnce(&mut MucService) -> R) -> R {
        f(&mut self.lock().muc)
    }
}
