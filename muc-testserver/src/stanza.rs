//! Small helpers over [`minidom::Element`] for building and reading stanzas.
//!
//! The server routes raw elements rather than typed stanzas: re-serialising
//! xmpp-parsers' typed `Presence` adds `<priority/>` and reorders children
//! (see pitfall T7 in the research notes), and the fault layer must be able to
//! touch any attribute of any stanza.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use jid::Jid;
use minidom::Element;
use xmpp_parsers::ns;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};
use xso::exports::rxml::{Namespace, NcName};

/// `jabber:client`, the namespace of stanzas on a c2s stream.
pub const NS_CLIENT: &str = ns::JABBER_CLIENT;
/// The XML namespace (`xml:lang`).
pub const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";
/// XEP-0045 join element namespace.
pub const NS_MUC: &str = muc_xso::ns::MUC;
/// XEP-0045 `muc#user` namespace.
pub const NS_MUC_USER: &str = muc_xso::ns::MUC_USER;
/// XEP-0045 `muc#admin` namespace.
pub const NS_MUC_ADMIN: &str = muc_xso::ns::MUC_ADMIN;
/// XEP-0045 `muc#owner` namespace.
pub const NS_MUC_OWNER: &str = muc_xso::ns::MUC_OWNER;
/// XEP-0045 voice request form type.
pub const NS_MUC_REQUEST: &str = muc_xso::ns::REQUEST;
/// XEP-0045 unique room name request (§10.1.4).
pub const NS_MUC_UNIQUE: &str = "http://jabber.org/protocol/muc#unique";
/// Data forms.
pub const NS_DATA: &str = ns::DATA_FORMS;
/// Service discovery, info.
pub const NS_DISCO_INFO: &str = ns::DISCO_INFO;
/// Service discovery, items.
pub const NS_DISCO_ITEMS: &str = ns::DISCO_ITEMS;
/// XEP-0077 in-band registration.
pub const NS_REGISTER: &str = ns::REGISTER;
/// XEP-0199 ping.
pub const NS_PING: &str = ns::PING;
/// XEP-0203 delayed delivery.
pub const NS_DELAY: &str = ns::DELAY;
/// XEP-0359 stanza-id.
pub const NS_SID: &str = ns::SID;
/// XEP-0421 occupant-id.
pub const NS_OCCUPANT_ID: &str = muc_xso::ns::OCCUPANT_ID;
/// XEP-0115 entity capabilities.
pub const NS_CAPS: &str = ns::CAPS;
/// XEP-0249 direct invitations.
pub const NS_CONFERENCE: &str = muc_xso::ns::CONFERENCE;

/// Convenience methods on [`Element`] used throughout the crate.
pub trait ElementExt {
    /// Set (or replace) an attribute without namespace.
    fn set_attr_str(&mut self, name: &str, value: impl Into<String>);
    /// Remove an attribute without namespace.
    fn remove_attr(&mut self, name: &str);
    /// Builder-style [`set_attr_str`](Self::set_attr_str).
    fn with_attr(self, name: &str, value: impl Into<String>) -> Self;
    /// Builder-style [`Element::append_child`].
    fn with_child(self, child: Element) -> Self;
    /// Builder-style text.
    fn with_text(self, text: impl Into<String>) -> Self;
    /// The `to` attribute parsed as a JID (`None` if missing or invalid).
    fn to_jid(&self) -> Option<Jid>;
}

fn ncname(name: &str) -> Option<NcName> {
    NcName::try_from(name).ok()
}

impl ElementExt for Element {
    fn set_attr_str(&mut self, name: &str, value: impl Into<String>) {
        if let Some(n) = ncname(name) {
            self.attrs_mut().insert(Namespace::NONE, n, value.into());
        }
    }

    fn remove_attr(&mut self, name: &str) {
        self.attrs_mut().remove(&Namespace::NONE, name);
    }

    fn with_attr(mut self, name: &str, value: impl Into<String>) -> Self {
        self.set_attr_str(name, value);
        self
    }

    fn with_child(mut self, child: Element) -> Self {
        self.append_child(child);
        self
    }

    fn with_text(mut self, text: impl Into<String>) -> Self {
        self.append_text(text);
        self
    }

    fn to_jid(&self) -> Option<Jid> {
        self.attr("to").and_then(|s| s.parse().ok())
    }
}

/// A new element in `ns`.
pub fn el(name: &str, ns: &str) -> Element {
    Element::bare(name, ns)
}

/// A new stanza-level element (`presence`, `message`, `iq`) in `jabber:client`.
pub fn stanza(name: &str) -> Element {
    Element::bare(name, NS_CLIENT)
}

/// Serialise a stanza error into an `<error/>` element in `jabber:client`.
pub fn error_element(
    type_: ErrorType,
    condition: DefinedCondition,
    text: Option<&str>,
    by: Option<Jid>,
) -> Element {
    let mut e = StanzaError::new(type_, condition, "en", text.unwrap_or_default());
    if text.is_none() {
        e.texts.clear();
    }
    e.by = by;
    let mut element: Element = e.into();
    // Error texts are sent without xml:lang, as Prosody does.
    for t in element.children_mut() {
        if t.name() == "text" {
            t.attrs_mut().remove(NS_XML, "lang");
        }
    }
    element
}

/// An empty stanza named `name` answering `request`: `from`/`to` swapped,
/// same `id`, the given `type`.
fn reply_to(request: &Element, name: &str, type_: &str) -> Element {
    let mut reply = stanza(name);
    if let Some(from) = request.attr("to") {
        reply.set_attr_str("from", from);
    }
    if let Some(to) = request.attr("from") {
        reply.set_attr_str("to", to);
    }
    if let Some(id) = request.attr("id") {
        reply.set_attr_str("id", id);
    }
    reply.set_attr_str("type", type_);
    reply
}

/// Build the error reply to `request`: `from`/`to` swapped, same `id` and
/// name, `type='error'`. For presences and messages, `keep_payload` copies
/// the request's children (ejabberd echoes `<x/>` with the password, for
/// example).
pub fn error_reply(request: &Element, error: Element, keep_payload: bool) -> Element {
    let mut reply = reply_to(request, request.name(), "error");
    if keep_payload {
        for c in request.children() {
            if c.name() != "error" {
                reply.append_child(c.clone());
            }
        }
    }
    reply.append_child(error);
    reply
}

/// The error reply to `request` with this condition, an optional text, no
/// `by` and no payload: the server's own errors.
pub fn stanza_error(
    request: &Element,
    type_: ErrorType,
    condition: DefinedCondition,
    text: Option<&str>,
) -> Element {
    error_reply(request, error_element(type_, condition, text, None), false)
}

/// An IQ result answering `request`, with an optional payload.
pub fn iq_result(request: &Element, payload: Option<Element>) -> Element {
    let mut reply = reply_to(request, "iq", "result");
    if let Some(p) = payload {
        reply.append_child(p);
    }
    reply
}

/// Whether this stanza must never be answered with an error (RFC 6120 §8.3.1:
/// never reply to an error, nor to an IQ result).
pub fn is_error_or_result(stanza: &Element) -> bool {
    matches!(stanza.attr("type"), Some("error") | Some("result"))
}

/// A fresh opaque identifier (16 hex digits, random per process).
pub fn new_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static SEED: std::sync::OnceLock<RandomState> = std::sync::OnceLock::new();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut h = SEED.get_or_init(RandomState::new).build_hasher();
    h.write_u64(n);
    format!("{:016x}", h.finish())
}

/// A time as an XEP-0082 timestamp in UTC, to the second
/// (`2024-01-31T12:00:00Z`), as the real servers write `<delay stamp/>`.
pub fn stamp(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// The current time as an XEP-0082 timestamp (see [`stamp`]).
pub fn now_stamp() -> String {
    stamp(SystemTime::now())
}
