//! Fast paths from a presence's bytes (or its tree) to [`IncomingPresence`].
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
//! For transports that hand out `minidom` trees instead of bytes,
//! [`PresenceDecoder::decode_element`] does the same from the tree: a
//! direct reading where it is sure, xmpp-parsers' `Presence` otherwise.
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

use minidom::Element;
use quick_xml::Reader;
use xmpp_parsers::presence::Presence;

use crate::incoming::{IncomingPresence, InputError};

mod element;
mod frames;
mod lexer;
mod parser;

pub use element::decode_element_general;
pub use frames::{Frame, FrameError, MAX_STANZA_DEPTH, MAX_STANZA_SIZE, StanzaFramer};

use parser::*;

pub(super) const CLIENT_NS: &str = xmpp_parsers::ns::JABBER_CLIENT;
pub(super) const OCCUPANT_ID_NS: &str = xmpp_parsers::ns::OID;

/// Decodes presences from a `jabber:client` stream, one stanza's bytes at a
/// time.
///
/// Keep one per stream: it remembers the last `to` address it validated
/// (always our own JID on a client stream), so that it is checked once,
/// not on every stanza.
#[derive(Debug, Default, Clone)]
pub struct PresenceDecoder {
    /// The last `to` that parsed as a JID (none yet: an empty `to` is not
    /// one).
    to: Option<String>,
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

pub(super) fn bail<T>(why: &'static str) -> Fast<T> {
    Err(Unsupported(why))
}

/// A presence `type` the fast paths handle (`error` is left to the
/// general path, with the rest).
#[inline]
pub(super) fn presence_type(value: &str) -> Fast<xmpp_parsers::presence::Type> {
    use xmpp_parsers::presence::Type;
    Ok(match value {
        "unavailable" => Type::Unavailable,
        "probe" => Type::Probe,
        "subscribe" => Type::Subscribe,
        "subscribed" => Type::Subscribed,
        "unsubscribe" => Type::Unsubscribe,
        "unsubscribed" => Type::Unsubscribed,
        _ => return bail("presence type"),
    })
}

/// A `<show/>` value, exactly as written.
#[inline]
pub(super) fn show(text: &str) -> Fast<xmpp_parsers::presence::Show> {
    use xmpp_parsers::presence::Show;
    Ok(match text {
        "away" => Show::Away,
        "chat" => Show::Chat,
        "dnd" => Show::Dnd,
        "xa" => Show::Xa,
        _ => return bail("<show/> value"),
    })
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
    // Out of line and cold: the rare path. Inlined into `decode`, it
    // slowed the fast path measurably (the bytes depth).
    #[cold]
    #[inline(never)]
    pub fn decode_general(&self, stanza: &[u8]) -> Result<IncomingPresence, DecodeError> {
        Ok(IncomingPresence::from_presence(parse_presence(stanza)?)?)
    }
}

/// One presence's bytes (as it sits in a `jabber:client` stream) as
/// xmpp-parsers' [`Presence`], the general path's way (minidom, rxml).
pub fn parse_presence(stanza: &[u8]) -> Result<Presence, DecodeError> {
    presence_of(Element::from_reader_with_prefixes(
        stanza,
        CLIENT_NS.to_owned(),
    )?)
}

/// A tree as xmpp-parsers' [`Presence`], its errors as [`DecodeError`]s.
pub(super) fn presence_of(element: Element) -> Result<Presence, DecodeError> {
    match Presence::try_from(element) {
        Ok(p) => Ok(p),
        Err(xmpp_parsers::FromElementError::Mismatch(e)) => {
            Err(DecodeError::NotPresence(Box::new(e)))
        }
        Err(xmpp_parsers::FromElementError::Invalid(e)) => Err(DecodeError::Presence(e)),
    }
}
