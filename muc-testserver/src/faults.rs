//! Fault injection: rules that drop, delay, duplicate, rewrite or inject
//! stanzas and cut connections, plus direct controls (inject, cut, restart
//! the MUC service).
//!
//! A [`Rule`] watches one direction of traffic (server → client with
//! [`Rule::to_client`], client → server with [`Rule::from_client`]), optionally
//! narrowed to one user, one session or one room, and filtered by a predicate
//! over the raw [`Element`]. When it matches, its [`Action`] is applied.
//!
//! ```
//! use std::time::Duration;
//! use muc_testserver::{Action, Rule, predicates};
//!
//! // Cut bob's TCP connection right after his first self-presence (110).
//! let cut = Rule::to_client()
//!     .for_user("bob@localhost")
//!     .when(predicates::is_self_presence)
//!     .times(1)
//!     .then(Action::CutAfter);
//!
//! // Give every groupchat message in one room a server-chosen id, so that
//! // reflections no longer carry the id the client sent.
//! let rewrite = Rule::from_client()
//!     .in_room("room@conference.localhost")
//!     .when(predicates::is_groupchat_message)
//!     .then(Action::RewriteId);
//!
//! // Answer alice's IQs slowly.
//! let slow = Rule::to_client()
//!     .for_user("alice@localhost")
//!     .when(predicates::is_iq_response)
//!     .then(Action::Delay(Duration::from_millis(300)));
//! # let _ = (cut, rewrite, slow);
//! ```
//!
//! Rules are added on the running server with [`Faults::add`]; the returned
//! [`RuleId`] tells how often the rule fired ([`Faults::hits`]) and removes it
//! again ([`Faults::remove`]). The first matching rule wins; a rule whose
//! [`times`](RuleBuilder::times) budget is spent no longer matches.
//!
//! Injected and delayed stanzas bypass the rules, so a rule never acts twice
//! on its own output.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use jid::{BareJid, FullJid, Jid};
use minidom::Element;

use crate::router::Hub;
use crate::stanza::NS_MUC_USER;

/// Which way a stanza travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the server to a client session (delivery).
    ToClient,
    /// From a client session to the server (before routing).
    FromClient,
}

/// What to do with a matching stanza.
#[derive(Clone)]
pub enum Action {
    /// Do not deliver (or, from a client, do not process) the stanza.
    Drop,
    /// Deliver (or process) the stanza after this delay; later stanzas may
    /// overtake it.
    Delay(Duration),
    /// Deliver (or process) the stanza twice.
    Duplicate,
    /// Replace the stanza's `id` with a fresh server-chosen one. Applied to
    /// client → server groupchat messages, every reflection carries the new
    /// id, as with a server that rewrites ids.
    RewriteId,
    /// Change the stanza with a closure before it goes on.
    Modify(Arc<dyn Fn(&mut Element) + Send + Sync>),
    /// Let the stanza go on, then send this extra stanza in the same
    /// direction: to the same client, or processed as if the same client had
    /// sent it (its `from` is set to the session).
    Inject(Element),
    /// Close the session's TCP connection abruptly instead of passing the
    /// stanza on (no stream footer, no stream error).
    CutBefore,
    /// Pass the stanza on, then close the session's TCP connection abruptly
    /// (for example right after the self-presence).
    CutAfter,
    /// Send this stream error to the session and close the stream instead of
    /// passing the stanza on.
    StreamError(xmpp_parsers::stream_error::DefinedCondition),
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Drop => f.write_str("Drop"),
            Action::Delay(d) => write!(f, "Delay({d:?})"),
            Action::Duplicate => f.write_str("Duplicate"),
            Action::RewriteId => f.write_str("RewriteId"),
            Action::Modify(_) => f.write_str("Modify(..)"),
            Action::Inject(e) => write!(f, "Inject({})", String::from(e)),
            Action::CutBefore => f.write_str("CutBefore"),
            Action::CutAfter => f.write_str("CutAfter"),
            Action::StreamError(c) => write!(f, "StreamError({c:?})"),
        }
    }
}

type Predicate = Arc<dyn Fn(&Element) -> bool + Send + Sync>;

/// A rule under construction; finish it with [`then`](Self::then).
#[derive(Clone)]
pub struct RuleBuilder {
    direction: Direction,
    user: Option<String>,
    session: Option<FullJid>,
    room: Option<String>,
    predicate: Option<Predicate>,
    skip: u64,
    times: Option<u64>,
}

/// A fault rule: direction, scope, predicate, counts and [`Action`].
#[derive(Clone)]
pub struct Rule {
    builder: RuleBuilder,
    action: Action,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("direction", &self.builder.direction)
            .field("user", &self.builder.user)
            .field("session", &self.builder.session)
            .field("room", &self.builder.room)
            .field("skip", &self.builder.skip)
            .field("times", &self.builder.times)
            .field("action", &self.action)
            .finish()
    }
}

/// Normalise a JID to its bare form as a string; an unparsable one is kept
/// as given (with a prefix no JID can have), so it matches nothing.
fn normalise_bare(s: &str) -> String {
    match s.parse::<Jid>() {
        Ok(j) => j.to_bare().to_string(),
        Err(_) => format!("\u{0}{s}"),
    }
}

impl Rule {
    /// A rule on stanzas the server delivers to clients.
    pub fn to_client() -> RuleBuilder {
        RuleBuilder::new(Direction::ToClient)
    }

    /// A rule on stanzas clients send to the server.
    pub fn from_client() -> RuleBuilder {
        RuleBuilder::new(Direction::FromClient)
    }

    /// The rule's action.
    pub fn action(&self) -> &Action {
        &self.action
    }
}

impl RuleBuilder {
    fn new(direction: Direction) -> Self {
        RuleBuilder {
            direction,
            user: None,
            session: None,
            room: None,
            predicate: None,
            skip: 0,
            times: None,
        }
    }

    /// Only the sessions of this account (`"bob@localhost"`; a full JID is
    /// reduced to its bare part). An unparsable JID matches nothing.
    pub fn for_user(mut self, user: &str) -> Self {
        self.user = Some(normalise_bare(user));
        self
    }

    /// Only this session (its bound full JID).
    pub fn for_session(mut self, session: FullJid) -> Self {
        self.session = Some(session);
        self
    }

    /// Only stanzas from this room (to clients) or to this room (from
    /// clients), by bare room JID: `"room@conference.localhost"`.
    pub fn in_room(mut self, room: &str) -> Self {
        self.room = Some(normalise_bare(room));
        self
    }

    /// Only stanzas for which `predicate` returns true. See [`predicates`]
    /// for ready-made ones.
    pub fn when(mut self, predicate: impl Fn(&Element) -> bool + Send + Sync + 'static) -> Self {
        self.predicate = Some(Arc::new(predicate));
        self
    }

    /// Let the first `n` matching stanzas pass untouched (so the action hits
    /// the `n+1`-th match: "cut after N stanzas" is `.skip(N).times(1)` with
    /// [`Action::CutBefore`], or `.skip(N - 1).times(1)` with
    /// [`Action::CutAfter`]).
    pub fn skip(mut self, n: u64) -> Self {
        self.skip = n;
        self
    }

    /// Apply the action at most `n` times, then the rule is spent.
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Finish the rule with its action.
    pub fn then(self, action: Action) -> Rule {
        Rule {
            builder: self,
            action,
        }
    }
}

/// Identifies an added rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuleId(u64);

struct Entry {
    id: RuleId,
    rule: Rule,
    seen: u64,
    applied: u64,
}

/// The rule set, shared by the hub and every [`Faults`] handle.
#[derive(Default)]
pub(crate) struct RuleSet {
    next: AtomicU64,
    entries: Mutex<Vec<Entry>>,
    removed_hits: Mutex<Vec<(RuleId, u64)>>,
}

impl RuleSet {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Find the action for a stanza travelling in `direction` for `session`.
    pub(crate) fn evaluate(
        &self,
        direction: Direction,
        session: &FullJid,
        stanza: &Element,
    ) -> Option<Action> {
        let mut entries = self.lock();
        if entries.is_empty() {
            return None;
        }
        let room_attr = match direction {
            Direction::ToClient => "from",
            Direction::FromClient => "to",
        };
        let room = stanza
            .attr(room_attr)
            .and_then(|s| s.parse::<Jid>().ok())
            .map(|j| j.to_bare().to_string());
        let session_bare = session.to_bare().to_string();
        for entry in entries.iter_mut() {
            let b = &entry.rule.builder;
            if b.direction != direction {
                continue;
            }
            if let Some(times) = b.times {
                if entry.applied >= times {
                    continue;
                }
            }
            if let Some(user) = &b.user {
                if session_bare != *user {
                    continue;
                }
            }
            if let Some(s) = &b.session {
                if s != session {
                    continue;
                }
            }
            if let Some(r) = &b.room {
                if room.as_ref() != Some(r) {
                    continue;
                }
            }
            if let Some(p) = &b.predicate {
                if !p(stanza) {
                    continue;
                }
            }
            entry.seen += 1;
            if entry.seen <= b.skip {
                continue;
            }
            entry.applied += 1;
            tracing::debug!(rule = ?entry.id, action = ?entry.rule.action, "fault rule fired");
            return Some(entry.rule.action.clone());
        }
        None
    }
}

/// Handle on the fault-injection layer of a running server; cheap to clone.
///
/// Obtain it with [`Server::faults`](crate::Server::faults).
#[derive(Clone)]
pub struct Faults {
    pub(crate) rules: Arc<RuleSet>,
    pub(crate) hub: Weak<Hub>,
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faults").finish_non_exhaustive()
    }
}

impl Faults {
    /// Add a rule; it applies from the next stanza on.
    pub fn add(&self, rule: Rule) -> RuleId {
        let id = RuleId(self.rules.next.fetch_add(1, Ordering::Relaxed));
        self.rules.lock().push(Entry {
            id,
            rule,
            seen: 0,
            applied: 0,
        });
        id
    }

    /// Remove a rule. Its hit count stays readable.
    pub fn remove(&self, id: RuleId) {
        let mut entries = self.rules.lock();
        if let Some(pos) = entries.iter().position(|e| e.id == id) {
            let e = entries.remove(pos);
            self.rules
                .removed_hits
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((id, e.applied));
        }
    }

    /// Remove every rule.
    pub fn clear(&self) {
        let ids: Vec<RuleId> = self.rules.lock().iter().map(|e| e.id).collect();
        for id in ids {
            self.remove(id);
        }
    }

    /// How many times the rule's action was applied.
    pub fn hits(&self, id: RuleId) -> u64 {
        if let Some(e) = self.rules.lock().iter().find(|e| e.id == id) {
            return e.applied;
        }
        self.rules
            .removed_hits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    /// Wait until the rule fired at least `n` times, or `timeout` passed.
    /// Returns whether it did.
    pub async fn wait_hits(&self, id: RuleId, n: u64, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.hits(id) >= n {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Make every answer to this user's IQs (results and errors, from any
    /// entity) arrive `delay` late. Shorthand for a [`Rule`].
    pub fn slow_answers(&self, user: &str, delay: Duration) -> RuleId {
        self.add(
            Rule::to_client()
                .for_user(user)
                .when(predicates::is_iq_response)
                .then(Action::Delay(delay)),
        )
    }

    /// Rewrite the id of every groupchat message sent to `room`, so that the
    /// reflections carry a server-chosen id. Shorthand for a [`Rule`].
    pub fn rewrite_reflection_ids(&self, room: &str) -> RuleId {
        self.add(
            Rule::from_client()
                .in_room(room)
                .when(predicates::is_groupchat_message)
                .then(Action::RewriteId),
        )
    }

    /// Send `stanza` to every session matching `to` (a full JID: that
    /// session; a bare JID: all of the account's sessions), as is, without
    /// rules. Returns the number of sessions it was queued for.
    pub fn inject(&self, to: &str, stanza: Element) -> usize {
        match (self.hub.upgrade(), to.parse::<Jid>()) {
            (Some(hub), Ok(jid)) => hub.inject(&jid, stanza),
            _ => 0,
        }
    }

    /// Send `stanzas`, in order, to every session matching `to`, as
    /// [`inject`](Self::inject) does for one; cheaper for a flood (one
    /// lookup, no copies for a single session). Returns the number of
    /// sessions they were queued for (0 if `to` is not a JID).
    pub fn inject_all(&self, to: &str, stanzas: impl IntoIterator<Item = Element>) -> usize {
        match (self.hub.upgrade(), to.parse::<Jid>()) {
            (Some(hub), Ok(jid)) => hub.inject_all(&jid, stanzas),
            _ => 0,
        }
    }

    /// Write `bytes` as they are (no XML encoder, no checks) to every
    /// session matching `to`, after what is already queued for it: for
    /// testing how a client reads what no XML writer would send (broken
    /// markup, undefined entities, text between stanzas). Returns the
    /// number of sessions it was queued for.
    pub fn inject_raw(&self, to: &str, bytes: impl AsRef<[u8]>) -> usize {
        match (self.hub.upgrade(), to.parse::<Jid>()) {
            (Some(hub), Ok(jid)) => hub.inject_raw(&jid, bytes.as_ref()),
            _ => 0,
        }
    }

    /// Close the TCP connection of every session matching `who` (full or
    /// bare JID) abruptly, now. Returns the number of sessions cut.
    pub fn cut(&self, who: &str) -> usize {
        match (self.hub.upgrade(), who.parse::<Jid>()) {
            (Some(hub), Ok(jid)) => hub.cut(&jid),
            _ => 0,
        }
    }

    /// Restart the MUC service: every occupant gets its unavailable
    /// self-presence with status 110 and 332, and every room that is not
    /// persistent is lost. Persistent rooms keep configuration,
    /// affiliations and subject but lose occupants and history.
    pub fn restart_muc(&self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.restart_muc();
        }
    }

    /// Remove an occupant as if its server had bounced a stanza (XEP-0045
    /// §11.1): status 333 to everyone, with 110 on the self copy. Returns
    /// whether the occupant existed.
    pub fn remove_with_error(&self, room: &str, nick: &str) -> bool {
        match (self.hub.upgrade(), room.parse::<BareJid>()) {
            (Some(hub), Ok(room)) => hub.remove_with_error(&room, nick),
            _ => false,
        }
    }
}

/// Ready-made predicates for [`RuleBuilder::when`].
pub mod predicates {
    use super::*;

    /// Any stanza.
    pub fn any(_: &Element) -> bool {
        true
    }

    /// A `<presence/>`.
    pub fn is_presence(s: &Element) -> bool {
        s.name() == "presence"
    }

    /// A `<message/>`.
    pub fn is_message(s: &Element) -> bool {
        s.name() == "message"
    }

    /// An `<iq/>`.
    pub fn is_iq(s: &Element) -> bool {
        s.name() == "iq"
    }

    /// An `<iq type='result'/>` or `<iq type='error'/>`.
    pub fn is_iq_response(s: &Element) -> bool {
        s.name() == "iq" && matches!(s.attr("type"), Some("result") | Some("error"))
    }

    /// A `<message type='groupchat'/>` with a body.
    pub fn is_groupchat_message(s: &Element) -> bool {
        s.name() == "message"
            && s.attr("type") == Some("groupchat")
            && s.children().any(|c| c.name() == "body")
    }

    /// A groupchat message carrying `<subject/>`.
    pub fn is_subject(s: &Element) -> bool {
        s.name() == "message"
            && s.attr("type") == Some("groupchat")
            && s.children().any(|c| c.name() == "subject")
    }

    /// The status codes in the stanza's `muc#user` `<x/>`.
    pub fn status_codes(s: &Element) -> Vec<u16> {
        s.get_child("x", NS_MUC_USER)
            .map(|x| {
                x.children()
                    .filter(|c| c.name() == "status")
                    .filter_map(|c| c.attr("code").and_then(|v| v.parse().ok()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A stanza whose `muc#user` payload has this status code.
    pub fn has_status(code: u16) -> impl Fn(&Element) -> bool + Send + Sync + 'static {
        move |s| status_codes(s).contains(&code)
    }

    /// An available MUC self-presence (status 110).
    pub fn is_self_presence(s: &Element) -> bool {
        is_presence(s) && s.attr("type").is_none() && status_codes(s).contains(&110)
    }

    /// A stanza with this `id`.
    pub fn has_id(id: &str) -> impl Fn(&Element) -> bool + Send + Sync + 'static {
        let id = id.to_owned();
        move |s| s.attr("id") == Some(id.as_str())
    }

    /// A stanza with a `<body/>` whose text equals `text`.
    pub fn body_is(text: &str) -> impl Fn(&Element) -> bool + Send + Sync + 'static {
        let text = text.to_owned();
        move |s| s.children().any(|c| c.name() == "body" && c.text() == text)
    }
}
