//! The fast path from a presence's `minidom` tree: what
//! [`PresenceDecoder::decode_element`] and
//! [`IncomingPresence::from_element`] read.
//!
//! The general path for a tree is xmpp-parsers' `Presence::try_from` (its
//! derived reader checks every attribute and child the RFC defines), then
//! [`IncomingPresence::from_presence`]. This reads the same tree in place:
//! the attributes in one pass (minidom keeps them in a map of maps, where
//! a lookup per name cost more than the rest of the reading), the
//! children once, no copy of the stanza. As with the bytes, it answers
//! only what it fully understands and declines the rest, so the outcome,
//! value or error, is always the general path's.

use jid::Jid;
use minidom::{Element, Node};
use muc_xso::{Payload, UserExt};
use xmpp_parsers::message::Lang;
use xmpp_parsers::presence::Type;

use super::lexer::blank;
use super::{
    CLIENT_NS, DecodeError, Fast, OCCUPANT_ID_NS, PresenceDecoder, Unsupported, bail, presence_of,
    presence_type, show,
};
use crate::incoming::{IncomingPresence, XML_NS, set_status};

impl PresenceDecoder {
    /// Decodes one presence from its tree, as a transport that hands out
    /// `minidom` elements delivers it: the fast path when it applies, else
    /// the general path ([`decode_element_general`]). Either way the
    /// outcome is the general path's. Shares the decoder's memory of the
    /// last valid `to`.
    pub fn decode_element(&mut self, el: &Element) -> Result<IncomingPresence, DecodeError> {
        match read(el, &mut self.to) {
            Ok(p) => Ok(p),
            Err(_) => decode_element_general(el),
        }
    }

    /// The fast path alone for a tree: the presence, or why it was
    /// declined (then the general path has the answer).
    pub fn decode_element_fast(&mut self, el: &Element) -> Result<IncomingPresence, Unsupported> {
        read(el, &mut self.to)
    }
}

/// The general path for a tree: xmpp-parsers'
/// [`Presence`](xmpp_parsers::presence::Presence), then
/// [`IncomingPresence::from_presence`].
#[cold]
#[inline(never)]
pub fn decode_element_general(el: &Element) -> Result<IncomingPresence, DecodeError> {
    Ok(IncomingPresence::from_presence(presence_of(el.clone())?)?)
}

/// The text of an element that may hold only text; declined when it has
/// a child element.
fn text_only(el: &Element) -> Fast<String> {
    let mut text = String::new();
    for node in el.nodes() {
        match node {
            Node::Text(t) => text.push_str(t),
            Node::Element(_) => return bail("an element inside a text-only child"),
        }
    }
    Ok(text)
}

/// Whether `el` has no attribute at all.
fn no_attrs(el: &Element) -> bool {
    el.attrs().iter().next().is_none()
}

/// The fast reading of a presence tree; `to` is the last `to` validated on
/// this stream.
pub(super) fn read(el: &Element, to: &mut Option<String>) -> Fast<IncomingPresence> {
    if el.name() != "presence" || !el.has_ns(CLIENT_NS) {
        return bail("not a presence");
    }
    let (mut from, mut id, mut type_, mut lang) = (None, None, Type::None, "");
    for ((ns, name), value) in el.attrs().iter() {
        if !ns.is_none() {
            if name.as_str() == "lang" && ns.as_str() == XML_NS {
                lang = value.as_str();
                continue;
            }
            return bail("namespaced attribute of <presence/>");
        }
        match name.as_str() {
            "from" => from = Some(value.as_str()),
            "id" => id = Some(value.as_str()),
            "to" => {
                if to.as_deref() != Some(value.as_str()) {
                    if Jid::new(value).is_err() {
                        return bail("invalid 'to'");
                    }
                    *to = Some(value.clone());
                }
            }
            "type" => type_ = presence_type(value)?,
            _ => return bail("attribute of <presence/>"),
        }
    }
    let Some(from) = from else {
        return bail("no 'from'");
    };
    let Ok(from) = Jid::new(from) else {
        return bail("invalid 'from'");
    };
    let mut p = IncomingPresence {
        from,
        id: id.map(str::to_owned),
        type_,
        show: None,
        statuses: Vec::new(),
        user: None,
        occupant_id: None,
        error: None,
    };
    let (mut priority, mut occupant_id_seen) = (false, false);
    for node in el.nodes() {
        let child = match node {
            Node::Element(child) => child,
            Node::Text(t) if blank(t) => continue,
            Node::Text(_) => return bail("text inside <presence/>"),
        };
        if child.has_ns(CLIENT_NS) {
            match child.name() {
                "show" => {
                    if p.show.is_some() || !no_attrs(child) {
                        return bail("<show/> with attributes, or twice");
                    }
                    p.show = Some(show(&text_only(child)?)?);
                }
                "status" => {
                    let mut own = None;
                    for ((ns, name), value) in child.attrs().iter() {
                        if name.as_str() == "lang" && ns.as_str() == XML_NS {
                            own = Some(value.as_str());
                        } else {
                            return bail("attribute of <status/>");
                        }
                    }
                    let lang = Lang(own.unwrap_or(lang).to_owned());
                    if set_status(&mut p.statuses, lang, text_only(child)?) {
                        return bail("two <status/> in one language");
                    }
                }
                "priority" => {
                    if priority || !no_attrs(child) || text_only(child)?.parse::<i8>().is_err() {
                        return bail("<priority/> with attributes, twice, or invalid");
                    }
                    priority = true;
                }
                _ => return bail("a jabber:client child the fast path does not read"),
            }
        } else if UserExt::matches(child) {
            // The first one counts, as in `from_presence`.
            if p.user.is_none() {
                match UserExt::decode_ref(child) {
                    Ok(user) => p.user = Some(user),
                    Err(_) => return bail("invalid muc#user payload"),
                }
            }
        } else if child.is("occupant-id", OCCUPANT_ID_NS) {
            if occupant_id_seen || child.nodes().next().is_some() {
                return bail("occupant-id twice, or with content");
            }
            occupant_id_seen = true;
            let mut attrs = child.attrs().iter();
            match (attrs.next(), attrs.next()) {
                (Some(((ns, name), id)), None) if ns.is_none() && name.as_str() == "id" => {
                    p.occupant_id = Some(id.clone());
                }
                _ => return bail("occupant-id attributes"),
            }
        }
        // Any other payload is the application's: `from_presence` skips it.
    }
    Ok(p)
}
