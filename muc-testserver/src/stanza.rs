//! Small helpers over [`minidom::Element`] for building and reading stanzas.
//!
//! The server routes raw elements rather than typed stanzas: re-serialising
//! xmpp-parsers' typed `Presence` adds `<priority/>` and reorders children
//! (see pitfall T7 in the research notes), and the fault layer must be able to
//! touch any attribute of any stanza.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use jid::Jid;
use minidom::Element;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};
use xso::exports::rxml::{Namespace, NcName};

/// `jabber:client`, the namespace of stanzas on a c2s stream.
pub const NS_CLIENT: &str = "jabber:client";
/// The XML namespace (`xml:lang`).
pub const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";
/// XEP-0045 join element namespace.
pub const NS_MUC: &str = "http://jabber.org/protocol/muc";
/// XEP-0045 `muc#user` namespace.
pub const NS_MUC_USER: &str = "http://jabber.org/protocol/muc#user";
/// XEP-0045 `muc#admin` namespace.
pub const NS_MUC_ADMIN: &str = "http://jabber.org/protocol/muc#admin";
/// XEP-0045 `muc#owner` namespace.
pub const NS_MUC_OWNER: &str = "http://jabber.org/protocol/muc#owner";
/// XEP-0045 voice request form type.
pub const NS_MUC_REQUEST: &str = "http://jabber.org/protocol/muc#request";
/// Data forms.
pub const NS_DATA: &str = "jabber:x:data";
/// Service discovery, info.
pub const NS_DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
/// Service discovery, items.
pub const NS_DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
/// XEP-0077 in-band registration.
pub const NS_REGISTER: &str = "jabber:iq:register";
/// XEP-0199 ping.
pub const NS_PING: &str = "urn:xmpp:ping";
/// XEP-0203 delayed delivery.
pub const NS_DELAY: &str = "urn:xmpp:delay";
/// XEP-0359 stanza-id.
pub const NS_SID: &str = "urn:xmpp:sid:0";
/// XEP-0421 occupant-id.
pub const NS_OCCUPANT_ID: &str = "urn:xmpp:occupant-id:0";
/// XEP-0115 entity capabilities.
pub const NS_CAPS: &str = "http://jabber.org/protocol/caps";
/// XEP-0249 direct invitations.
pub const NS_CONFERENCE: &str = "jabber:x:conference";

/// Convenience methods on [`Element`] used throughout the crate.
pub trait ElementExt {
    /// The value of an attribute without namespace.
    fn get_attr<'a>(&'a self, name: &'a str) -> Option<&'a str>;
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
    fn get_attr<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.attr(name)
    }

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

/// Build the error reply to `request`: `from`/`to` swapped, same `id` and
/// name, `type='error'`. For presences and messages, `keep_payload` copies
/// the request's children (ejabberd echoes `<x/>` with the password, for
/// example).
pub fn error_reply(request: &Element, error: Element, keep_payload: bool) -> Element {
    let mut reply = stanza(request.name());
    if let Some(from) = request.attr("to") {
        reply.set_attr_str("from", from);
    }
    if let Some(to) = request.attr("from") {
        reply.set_attr_str("to", to);
    }
    if let Some(id) = request.attr("id") {
        reply.set_attr_str("id", id);
    }
    reply.set_attr_str("type", "error");
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

/// An IQ result answering `request`, with an optional payload.
pub fn iq_result(request: &Element, payload: Option<Element>) -> Element {
    let mut reply = stanza("iq").with_attr("type", "result");
    if let Some(from) = request.attr("to") {
        reply.set_attr_str("from", from);
    }
    if let Some(to) = request.attr("from") {
        reply.set_attr_str("to", to);
    }
    if let Some(id) = request.attr("id") {
        reply.set_attr_str("id", id);
    }
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

/// The current time as an XEP-0082 timestamp.
pub fn now_stamp() -> xmpp_parsers::date::DateTime {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let utc = chrono::DateTime::from_timestamp(now.as_secs() as i64, now.subsec_micros() * 1000)
        .unwrap_or_default();
    xmpp_parsers::date::DateTime(utc.fixed_offset())
}
