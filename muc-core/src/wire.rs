//! A fast path from a presence's bytes to [`IncomingPresence`].
//!
//! tokio-xmpp reads the stream with rxml and hands out `minidom::Element`s;
//! [`IncomingPresence::from_presence`] then goes through xmpp-parsers and
//! muc-xso. That is the general path, and it is correct for everything. For
//! a client in a large room, presences are most of the traffic, and they
//! come in a handful of shapes. [`PresenceDecoder`] reads those shapes
//! straight from the stanza's bytes with quick-xml (no tree, no copies of
//! what is not kept) and builds the same [`IncomingPresence`], with the
//! same muc-xso types.
//!
//! Whatever the fast path does not fully understand (an error presence, a
//! foreign child inside the `muc#user` `<x/>`, a CDATA section, a character
//! that XML forbids, an invalid value ...) it hands to the general path, so
//! the result, success or typed error, is always the general path's: the
//! fast path only ever decides *how fast*, never *what*. The unit tests
//! check that on the benchmark workload, captures from Prosody and
//! ejabberd, and hostile inputs.
//!
//! Stanzas come one per call, as they sit in a `jabber:client` stream after
//! the stream header (they inherit its default namespace).
//!
//! ```
//! use muc_core::wire::PresenceDecoder;
//! use muc_core::muc_xso::StatusCode;
//!
//! let mut decoder = PresenceDecoder::new();
//! let p = decoder.decode(b"<presence from='coven@chat.shakespeare.lit/thirdwitch' id='j1'>\
//!     <x xmlns='http://jabber.org/protocol/muc#user'>\
//!     <item affiliation='member' role='participant'/><status code='110'/></x></presence>")
//!     .unwrap();
//! assert_eq!(p.from.resource().map(|r| r.as_str()), Some("thirdwitch"));
//! assert!(p.user.unwrap().has_status(StatusCode::SELF_PRESENCE));
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;

use jid::Jid;
use minidom::Element;
use muc_xso::{
    Affiliation, Continue, DestroyNotification, Role, Status, StatusCode, UserActor, UserChild,
    UserExt, UserItem,
};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use xmpp_parsers::message::Lang;
use xmpp_parsers::presence::{Presence, Show, Type};

use crate::incoming::{IncomingPresence, InputError};

const CLIENT_NS: &str = "jabber:client";
const OCCUPANT_ID_NS: &str = "urn:xmpp:occupant-id:0";

/// Decodes presences from a `jabber:client` stream, one stanza's bytes at a
/// time.
///
/// Keep one per stream: it remembers the last `to` address it validated
/// (always our own JID on a client stream), so that it is checked once,
/// not on every stanza.
#[derive(Debug, Default, Clone)]
pub struct PresenceDecoder {
    /// The last `to` that parsed as a JID.
    to: String,
}

/// Why a stanza could not be decoded. These are the general path's errors:
/// the fast path never makes one of its own.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The bytes are not one well-formed element (as rxml, the parser under
    /// tokio-xmpp, judges them).
    #[error("not well-formed XML: {0}")]
    Xml(#[from] minidom::Error),
    /// The stanza is not a presence; here it is as an element.
    #[error("not a presence: <{}/>", .0.name())]
    NotPresence(Box<Element>),
    /// The presence breaks RFC 6120/6121 as xmpp-parsers reads it (an
    /// invalid `type`, `from` or `<show/>` ...).
    #[error("invalid presence: {0}")]
    Presence(xmpp_parsers::Error),
    /// The MUC parts are invalid (muc-xso's typed error), or there is no
    /// `from`.
    #[error(transparent)]
    Input(#[from] InputError),
}

/// The fast path declined a stanza; [`PresenceDecoder::decode`] then takes
/// the general path. The text says what it did not handle (for tests and
/// profiling; not a stable interface).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not on the fast path: {}", self.0)
    }
}

type Fast<T> = Result<T, Unsupported>;

fn bail<T>(why: &'static str) -> Fast<T> {
    Err(Unsupported(why))
}

impl PresenceDecoder {
    /// A decoder for stanzas of a `jabber:client` stream.
    pub fn new() -> PresenceDecoder {
        PresenceDecoder::default()
    }

    /// Decodes one presence: the fast path when it applies, else the general
    /// path. Either way the outcome is the general path's.
    pub fn decode(&mut self, stanza: &[u8]) -> Result<IncomingPresence, DecodeError> {
        match self.decode_fast(stanza) {
            Ok(p) => Ok(p),
            Err(_) => self.decode_general(stanza),
        }
    }

    /// The fast path alone: the presence, or why it was declined (then
    /// [`decode_general`](Self::decode_general) has the answer).
    pub fn decode_fast(&mut self, stanza: &[u8]) -> Result<IncomingPresence, Unsupported> {
        if stanza.first() != Some(&b'<') {
            return bail("does not start with '<'");
        }
        let Ok(text) = std::str::from_utf8(stanza) else {
            return bail("not UTF-8");
        };
        let mut r = Reader::from_str(text);
        let mut parser = Parser {
            r: &mut r,
            input: text,
        };
        let p = parser.presence(&mut self.to)?;
        Ok(p)
    }

    /// The general path: minidom (rxml), xmpp-parsers'
    /// [`Presence`], then [`IncomingPresence::from_presence`].
    pub fn decode_general(&self, stanza: &[u8]) -> Result<IncomingPresence, DecodeError> {
        let element = Element::from_reader_with_prefixes(stanza, CLIENT_NS.to_owned())?;
        let presence = match Presence::try_from(element) {
            Ok(p) => p,
            Err(xmpp_parsers::FromElementError::Mismatch(e)) => {
                return Err(DecodeError::NotPresence(Box::new(e)));
            }
            Err(xmpp_parsers::FromElementError::Invalid(e)) => {
                return Err(DecodeError::Presence(e));
            }
        };
        Ok(IncomingPresence::from_presence(presence)?)
    }
}

/// Whether an attribute value or text needs a closer look: markup
/// characters, control characters, or bytes that may start U+FFFE/U+FFFF
/// or a supplementary character.
#[inline]
fn plain(s: &str) -> bool {
    s.bytes()
        .all(|b| (0x20..0xef).contains(&b) && b != b'&' && b != b'<')
}

/// XML 1.0 `Char`.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// An attribute value, unescaped, when the fast path is sure to read it as
/// rxml does (no normalization of whitespace needed, only valid characters).
fn attr_value(raw: Cow<'_, str>) -> Fast<Cow<'_, str>> {
    if plain(&raw) {
        return Ok(raw);
    }
    if raw
        .bytes()
        .any(|b| matches!(b, b'<' | b'\t' | b'\n' | b'\r'))
    {
        // '<' is not allowed; whitespace would be normalized.
        return bail("attribute value to normalize");
    }
    let Ok(v) = quick_xml::escape::unescape(&raw) else {
        return bail("attribute value with an unknown reference");
    };
    if !v.chars().all(xml_char) || v.contains('\r') {
        return bail("attribute value with a forbidden character");
    }
    Ok(Cow::Owned(v.into_owned()))
}

/// A name the fast path is sure rxml accepts as it stands (ASCII, no
/// prefix).
fn plain_name(name: &str) -> bool {
    let b = name.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {}
        _ => return false,
    }
    b.iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

/// Whitespace that rxml reports unchanged (no `\r` to normalize).
fn blank(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n'))
}

/// One element start: its name and raw attributes.
struct Tag<'a> {
    name: &'a str,
    buf: &'a str,
    empty: bool,
}

impl<'a> Tag<'a> {
    /// The tag, borrowed from `input` (the slice reader's events point
    /// into it).
    fn of(e: &BytesStart<'_>, empty: bool, input: &'a str) -> Fast<Tag<'a>> {
        let s: &str = e;
        let name_len = e.name().0.len();
        let offset = (s.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
        match input.get(offset..offset.wrapping_add(s.len())) {
            Some(buf) if std::ptr::eq(buf.as_ptr(), s.as_ptr()) && name_len <= buf.len() => {
                Ok(Tag {
                    name: &buf[..name_len],
                    buf,
                    empty,
                })
            }
            _ => bail("event not borrowed from the input"),
        }
    }

    /// The attributes, values unescaped; malformed ones are declined.
    fn attrs(&self) -> AttrIter<'a> {
        AttrIter {
            buf: self.buf,
            pos: self.name.len(),
            seen: [""; MAX_ATTRS],
            n: 0,
        }
    }

    /// The `xmlns` attribute, if any.
    fn xmlns(&self) -> Fast<Option<Cow<'a, str>>> {
        for a in self.attrs() {
            let (k, v) = a?;
            if k == "xmlns" {
                if reserved_ns(&v) {
                    return bail("reserved namespace name");
                }
                return Ok(Some(v));
            }
        }
        Ok(None)
    }
}

/// More attributes than this on one element go to the general path.
const MAX_ATTRS: usize = 12;

/// The attributes of a tag, read strictly by XML's rules: whitespace
/// before each, `=` between name and quoted value, no name twice.
struct AttrIter<'a> {
    buf: &'a str,
    pos: usize,
    seen: [&'a str; MAX_ATTRS],
    n: usize,
}

fn xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> AttrIter<'a> {
    fn skip_space(&mut self) -> usize {
        let start = self.pos;
        let b = self.buf.as_bytes();
        while self.pos < b.len() && xml_space(b[self.pos]) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn attr(&mut self) -> Fast<Option<(&'a str, Cow<'a, str>)>> {
        let b = self.buf.as_bytes();
        let space = self.skip_space();
        if self.pos >= b.len() {
            return Ok(None);
        }
        if space == 0 {
            return bail("no space before an attribute");
        }
        let start = self.pos;
        while self.pos < b.len() && !xml_space(b[self.pos]) && b[self.pos] != b'=' {
            self.pos += 1;
        }
        let name = &self.buf[start..self.pos];
        self.skip_space();
        if b.get(self.pos) != Some(&b'=') {
            return bail("attribute without '='");
        }
        self.pos += 1;
        self.skip_space();
        let quote = match b.get(self.pos) {
            Some(q @ (b'\'' | b'"')) => *q,
            _ => return bail("unquoted attribute value"),
        };
        self.pos += 1;
        let Some(len) = b[self.pos..].iter().position(|c| *c == quote) else {
            return bail("unterminated attribute value");
        };
        let raw = &self.buf[self.pos..self.pos + len];
        self.pos += len + 1;
        if name.is_empty() || self.seen[..self.n].contains(&name) {
            return bail("empty or repeated attribute name");
        }
        if self.n == MAX_ATTRS {
            return bail("too many attributes");
        }
        self.seen[self.n] = name;
        self.n += 1;
        Ok(Some((name, attr_value(Cow::Borrowed(raw))?)))
    }
}

impl<'a> Iterator for AttrIter<'a> {
    type Item = Fast<(&'a str, Cow<'a, str>)>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.attr() {
            Ok(Some(a)) => Some(Ok(a)),
            Ok(None) => None,
            Err(e) => {
                // Stop after an error.
                self.pos = self.buf.len();
                Some(Err(e))
            }
        }
    }
}

/// An attribute the fast path does not use, on an element that ignores
/// unknown attributes: only its well-formedness matters.
fn ignorable(key: &str) -> Fast<()> {
    if plain_name(key) || key == "xml:lang" {
        Ok(())
    } else {
        bail("attribute name")
    }
}

fn check_ref(r: &quick_xml::events::BytesRef<'_>) -> Fast<()> {
    match r.resolve_char_ref() {
        Ok(Some(c)) if xml_char(c) => Ok(()),
        Ok(Some(_)) | Err(_) => bail("bad character reference"),
        Ok(None) if matches!(&**r, "lt" | "gt" | "amp" | "apos" | "quot") => Ok(()),
        Ok(None) => bail("unknown entity"),
    }
}

/// What the children of `<presence/>` add up to.
#[derive(Default)]
struct Body<'a> {
    /// The `xml:lang` of the presence, which its `<status/>`es inherit.
    lang: Option<Cow<'a, str>>,
    show: Option<Show>,
    statuses: BTreeMap<Lang, String>,
    priority: bool,
    user: Option<UserExt>,
    occupant_id: Option<String>,
}

struct Parser<'r, 'a> {
    r: &'r mut Reader<&'a [u8]>,
    input: &'a str,
}

impl<'a> Parser<'_, 'a> {
    fn next(&mut self) -> Fast<Event<'a>> {
        match self.r.read_event() {
            Ok(e) => Ok(e),
            Err(_) => bail("not well-formed"),
        }
    }

    /// The next child element of the current one, or `None` at its end.
    /// Whitespace between children is skipped; other text is declined.
    fn child(&mut self) -> Fast<Option<Tag<'a>>> {
        loop {
            match self.next()? {
                Event::Start(e) => return Tag::of(&e, false, self.input).map(Some),
                Event::Empty(e) => return Tag::of(&e, true, self.input).map(Some),
                Event::End(_) => return Ok(None),
                Event::Text(t) if blank(&t) => {}
                _ => return bail("text, CDATA, comment or PI between elements"),
            }
        }
    }

    /// Text content up to the end of the current element, references
    /// resolved. A child element, CDATA or a comment is declined.
    fn text(&mut self, tag: &Tag<'a>) -> Fast<Cow<'a, str>> {
        if tag.empty {
            return Ok(Cow::Borrowed(""));
        }
        let mut out: Option<Cow<'a, str>> = None;
        loop {
            match self.next()? {
                Event::Text(t) => {
                    let t = t.into_inner();
                    if !plain(&t) && (!t.chars().all(xml_char) || t.contains('\r')) {
                        return bail("text with a forbidden character");
                    }
                    out = Some(match out {
                        None => t,
                        Some(prev) => Cow::Owned(prev.into_owned() + &t),
                    });
                }
                Event::GeneralRef(r) => {
                    check_ref(&r)?;
                    let c = match r.resolve_char_ref() {
                        Ok(Some('\r')) => return bail("carriage return"),
                        Ok(Some(c)) => c,
                        _ => match &*r {
                            "lt" => '<',
                            "gt" => '>',
                            "amp" => '&',
                            "apos" => '\'',
                            _ => '"',
                        },
                    };
                    let mut s = out.map(Cow::into_owned).unwrap_or_default();
                    s.push(c);
                    out = Some(Cow::Owned(s));
                }
                Event::End(_) => {
                    let out = out.unwrap_or(Cow::Borrowed(""));
                    if out.contains("]]>") {
                        return bail("']]>' in text");
                    }
                    return Ok(out);
                }
                _ => return bail("markup inside text"),
            }
        }
    }

    /// Checks an element that is ignored (a foreign payload, an unknown
    /// child where unknown children are discarded) and skips it.
    fn ignore(&mut self, tag: &Tag<'a>) -> Fast<()> {
        check_foreign(tag)?;
        if tag.empty {
            return Ok(());
        }
        let mut depth = 1usize;
        loop {
            match self.next()? {
                Event::Start(e) => {
                    check_foreign(&Tag::of(&e, false, self.input)?)?;
                    depth += 1;
                }
                Event::Empty(e) => check_foreign(&Tag::of(&e, true, self.input)?)?,
                Event::End(_) => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Event::Text(t) => {
                    // `]]>` is plain ASCII, so it is checked on its own.
                    if t.contains("]]>") || (!plain(&t) && !t.chars().all(xml_char)) {
                        return bail("text with a forbidden character");
                    }
                }
                Event::GeneralRef(r) => check_ref(&r)?,
                _ => return bail("CDATA, comment or PI"),
            }
        }
    }

    fn presence(&mut self, to_cache: &mut String) -> Fast<IncomingPresence> {
        let tag = match self.next()? {
            Event::Start(e) => Tag::of(&e, false, self.input)?,
            Event::Empty(e) => Tag::of(&e, true, self.input)?,
            _ => return bail("does not start with an element"),
        };
        if tag.name != "presence" {
            return bail("not a presence");
        }
        let mut from = None;
        let mut id = None;
        let mut type_ = Type::None;
        let mut lang = None;
        for a in tag.attrs() {
            let (k, v) = a?;
            match k {
                "from" => from = Some(v),
                "to" => {
                    if *v != **to_cache {
                        if Jid::new(&v).is_err() {
                            return bail("invalid 'to'");
                        }
                        *to_cache = v.into_owned();
                    }
                }
                "id" => id = Some(v.into_owned()),
                "type" => {
                    type_ = match &*v {
                        "unavailable" => Type::Unavailable,
                        "probe" => Type::Probe,
                        "subscribe" => Type::Subscribe,
                        "subscribed" => Type::Subscribed,
                        "unsubscribe" => Type::Unsubscribe,
                        "unsubscribed" => Type::Unsubscribed,
                        _ => return bail("presence type"),
                    }
                }
                "xml:lang" => lang = Some(v),
                "xmlns" if v == CLIENT_NS => {}
                _ => return bail("attribute of <presence/>"),
            }
        }
        let Some(from) = from else {
            return bail("no 'from'");
        };
        let Ok(from) = Jid::new(&from) else {
            return bail("invalid 'from'");
        };
        let mut body = Body {
            lang,
            ..Body::default()
        };
        if !tag.empty {
            while let Some(child) = self.child()? {
                self.presence_child(child, &mut body)?;
            }
        }
        loop {
            match self.next()? {
                Event::Eof => break,
                Event::Text(t) if blank(&t) => {}
                _ => return bail("content after the presence"),
            }
        }
        Ok(IncomingPresence {
            from,
            id,
            type_,
            show: body.show,
            statuses: body.statuses,
            user: body.user,
            occupant_id: body.occupant_id,
            error: None,
        })
    }

    fn presence_child(&mut self, tag: Tag<'a>, body: &mut Body<'a>) -> Fast<()> {
        let xmlns = tag.xmlns()?;
        match (tag.name, xmlns.as_deref()) {
            ("show", None) => {
                if tag.attrs().next().is_some() || body.show.is_some() {
                    return bail("<show/> with attributes, or twice");
                }
                body.show = Some(match &*self.text(&tag)? {
                    "away" => Show::Away,
                    "chat" => Show::Chat,
                    "dnd" => Show::Dnd,
                    "xa" => Show::Xa,
                    _ => return bail("<show/> value"),
                });
            }
            ("status", None) => {
                let mut lang = None;
                for a in tag.attrs() {
                    match a? {
                        ("xml:lang", v) => lang = Some(v),
                        _ => return bail("attribute of <status/>"),
                    }
                }
                let lang = Lang(
                    lang.or_else(|| body.lang.clone())
                        .unwrap_or_default()
                        .into_owned(),
                );
                let text = self.text(&tag)?;
                if body.statuses.insert(lang, text.into_owned()).is_some() {
                    return bail("two <status/> in one language");
                }
            }
            ("priority", None) => {
                if tag.attrs().next().is_some() || body.priority {
                    return bail("<priority/> with attributes, or twice");
                }
                if self.text(&tag)?.parse::<i8>().is_err() {
                    return bail("<priority/> value");
                }
                body.priority = true;
            }
            ("x", Some(muc_xso::ns::MUC_USER)) => {
                if body.user.is_some() {
                    return bail("two muc#user payloads");
                }
                body.user = Some(self.user_ext(&tag)?);
            }
            ("occupant-id", Some(OCCUPANT_ID_NS)) => {
                if body.occupant_id.is_some() {
                    return bail("two occupant ids");
                }
                let mut id = None;
                for a in tag.attrs() {
                    match a? {
                        ("xmlns", _) => {}
                        ("id", v) => id = Some(v.into_owned()),
                        _ => return bail("attribute of <occupant-id/>"),
                    }
                }
                if !tag.empty && self.child()?.is_some() {
                    return bail("child of <occupant-id/>");
                }
                let Some(id) = id else {
                    return bail("occupant-id without an id");
                };
                body.occupant_id = Some(id);
            }
            (_, Some(ns)) if ns != CLIENT_NS => self.ignore(&tag)?,
            _ => return bail("a jabber:client child the fast path does not read"),
        }
        Ok(())
    }

    fn user_ext(&mut self, tag: &Tag<'a>) -> Fast<UserExt> {
        for a in tag.attrs() {
            ignorable(a?.0)?;
        }
        let mut children = Vec::new();
        if !tag.empty {
            while let Some(child) = self.child()? {
                match child.xmlns()?.as_deref() {
                    None | Some(muc_xso::ns::MUC_USER) => {}
                    Some(_) => return bail("foreign child in muc#user"),
                }
                children.push(match child.name {
                    "item" => UserChild::Item(self.item(&child)?),
                    "status" => UserChild::Status(self.status(&child)?),
                    "destroy" => UserChild::Destroy(self.destroy(&child)?),
                    _ => return bail("muc#user child the fast path does not read"),
                });
            }
        }
        Ok(UserExt {
            children,
            extra: Vec::new(),
        })
    }

    /// The next child of an element that discards unknown children: known
    /// ones (unprefixed, in `muc#user`, no `xmlns` of their own) come back,
    /// the others are checked and skipped.
    fn known_child(&mut self) -> Fast<Option<Tag<'a>>> {
        while let Some(child) = self.child()? {
            match child.xmlns()?.as_deref() {
                None => return Ok(Some(child)),
                Some(muc_xso::ns::MUC_USER) => return bail("redundant xmlns"),
                Some(_) => self.ignore(&child)?,
            }
        }
        Ok(None)
    }

    /// The text of a `<reason/>` or `<password/>` (no attributes).
    fn simple_text(&mut self, tag: &Tag<'a>, slot: &mut Option<String>) -> Fast<()> {
        if tag.attrs().next().is_some() || slot.is_some() {
            return bail("text child with attributes, or twice");
        }
        *slot = Some(self.text(tag)?.into_owned());
        Ok(())
    }

    fn item(&mut self, tag: &Tag<'a>) -> Fast<UserItem> {
        let mut item = UserItem::default();
        for a in tag.attrs() {
            match a? {
                ("affiliation", v) => match v.parse::<Affiliation>() {
                    Ok(a) => item.affiliation = Some(a),
                    Err(_) => return bail("affiliation"),
                },
                ("role", v) => match v.parse::<Role>() {
                    Ok(r) => item.role = Some(r),
                    Err(_) => return bail("role"),
                },
                ("jid", v) => match Jid::new(&v) {
                    Ok(j) => item.jid = Some(j),
                    Err(_) => return bail("item jid"),
                },
                ("nick", v) => item.nick = Some(v.into_owned()),
                (k, _) => ignorable(k)?,
            }
        }
        if tag.empty {
            return Ok(item);
        }
        while let Some(child) = self.known_child()? {
            match child.name {
                "actor" => {
                    if item.actor.is_some() {
                        return bail("two actors");
                    }
                    item.actor = Some(self.actor(&child)?);
                }
                "reason" => self.simple_text(&child, &mut item.reason)?,
                "continue" => {
                    if item.continue_.is_some() {
                        return bail("two continues");
                    }
                    let mut c = Continue::default();
                    for a in child.attrs() {
                        match a? {
                            ("thread", v) => c.thread = Some(v.into_owned()),
                            (k, _) => ignorable(k)?,
                        }
                    }
                    self.discard_children(&child)?;
                    item.continue_ = Some(c);
                }
                _ => self.ignore(&child)?,
            }
        }
        Ok(item)
    }

    /// Skips every child of an element that discards them all.
    fn discard_children(&mut self, tag: &Tag<'a>) -> Fast<()> {
        if !tag.empty {
            while let Some(child) = self.child()? {
                self.ignore(&child)?;
            }
        }
        Ok(())
    }

    fn actor(&mut self, tag: &Tag<'a>) -> Fast<UserActor> {
        let mut actor = UserActor::default();
        for a in tag.attrs() {
            match a? {
                ("jid", v) => match Jid::new(&v) {
                    Ok(j) => actor.jid = Some(j),
                    Err(_) => return bail("actor jid"),
                },
                ("nick", v) => actor.nick = Some(v.into_owned()),
                (k, _) => ignorable(k)?,
            }
        }
        self.discard_children(tag)?;
        Ok(actor)
    }

    fn status(&mut self, tag: &Tag<'a>) -> Fast<Status> {
        let mut code = None;
        for a in tag.attrs() {
            match a? {
                ("code", v) => match v.trim().parse::<u16>() {
                    Ok(c) => code = Some(StatusCode(c)),
                    Err(_) => return bail("status code"),
                },
                (k, _) => ignorable(k)?,
            }
        }
        self.discard_children(tag)?;
        match code {
            Some(code) => Ok(Status { code }),
            None => bail("status without a code"),
        }
    }

    fn destroy(&mut self, tag: &Tag<'a>) -> Fast<DestroyNotification> {
        let mut d = DestroyNotification::default();
        for a in tag.attrs() {
            match a? {
                ("jid", v) => match Jid::new(&v) {
                    Ok(j) => d.jid = Some(j),
                    Err(_) => return bail("destroy jid"),
                },
                (k, _) => ignorable(k)?,
            }
        }
        if !tag.empty {
            while let Some(child) = self.known_child()? {
                match child.name {
                    "reason" => self.simple_text(&child, &mut d.reason)?,
                    "password" => self.simple_text(&child, &mut d.password)?,
                    _ => self.ignore(&child)?,
                }
            }
        }
        Ok(d)
    }
}

/// The checks rxml makes on an element the fast path skips.
fn check_foreign(tag: &Tag<'_>) -> Fast<()> {
    if !plain_name(tag.name) {
        return bail("element name");
    }
    for a in tag.attrs() {
        let (k, v) = a?;
        ignorable(k)?;
        if k == "xmlns" && reserved_ns(&v) {
            return bail("reserved namespace name");
        }
    }
    Ok(())
}

/// The namespace name bound to the `xml` prefix, which rxml refuses as a
/// default namespace (found by the `wire_presence` fuzz target).
fn reserved_ns(ns: &str) -> bool {
    ns == "http://www.w3.org/XML/1998/namespace"
}
