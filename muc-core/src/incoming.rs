//! Inbound stanzas as the room logic sees them: MUC payloads decoded.

use jid::Jid;
use muc_xso::{Payload, UserExt};
use xmpp_parsers::message::Lang;
use xmpp_parsers::ns::{JABBER_CLIENT as CLIENT_NS, OID};
use xmpp_parsers::occupant_id::OccupantId;
use xmpp_parsers::presence::{Presence, Show, Type as PresenceType};
use xmpp_parsers::stanza_error::StanzaError;

/// A presence with its MUC parts decoded: what [`Room`](crate::Room)
/// consumes.
///
/// Build it from an `xmpp-parsers` presence with
/// [`IncomingPresence::from_presence`], or directly (benchmarks, replays).
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingPresence {
    /// The sender (an occupant JID, or the bare room JID).
    pub from: Jid,
    /// The stanza id.
    pub id: Option<String>,
    /// Available, unavailable, error, ...
    pub type_: PresenceType,
    /// `<show/>`.
    pub show: Option<Show>,
    /// `<status/>` texts by language, sorted by language, one per
    /// language (as xmpp-parsers' map, but a vector: nothing to allocate
    /// when there is none, one small allocation when there is one).
    pub statuses: Vec<(Lang, String)>,
    /// The `muc#user` payload.
    pub user: Option<UserExt>,
    /// The XEP-0421 occupant id the room stamped, if any.
    pub occupant_id: Option<String>,
    /// The `<error/>` of a presence of type error (boxed: it is rare and
    /// large, and a presence is moved on every step of the way).
    pub error: Option<Box<StanzaError>>,
}

/// Why a stanza could not be turned into the room logic's input.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The stanza has no `from`.
    #[error("stanza without a 'from' address")]
    NoFrom,
    /// A MUC payload is invalid.
    #[error("invalid MUC payload: {0}")]
    Payload(#[from] muc_xso::Error),
    /// The element is not a presence, or its addressing is invalid.
    #[error("not a valid presence: {0}")]
    Stanza(String),
}

/// Sets the status text of `lang` in a list sorted by language; says
/// whether it replaced one (a second `<status/>` in the same language).
pub(crate) fn set_status(statuses: &mut Vec<(Lang, String)>, lang: Lang, text: String) -> bool {
    match statuses.binary_search_by(|(l, _)| l.cmp(&lang)) {
        Ok(i) => {
            statuses[i].1 = text;
            true
        }
        Err(i) => {
            // Nearly always one text: room for exactly one, not the four a
            // first push would reserve (a presence's statuses end up in
            // its occupant).
            statuses.reserve_exact(1);
            statuses.insert(i, (lang, text));
            false
        }
    }
}

/// The namespace of the `xml:` prefix (`xml:lang`).
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

impl IncomingPresence {
    /// Decodes the MUC parts of `presence`.
    ///
    /// An invalid `muc#user` payload is an error (the presence cannot be
    /// trusted); an invalid occupant-id or `<error/>` is dropped.
    pub fn from_presence(presence: Presence) -> Result<IncomingPresence, InputError> {
        let from = presence.from.ok_or(InputError::NoFrom)?;
        let mut user = None;
        let mut occupant_id = None;
        let mut error = None;
        for payload in presence.payloads {
            if UserExt::matches(&payload) {
                if user.is_none() {
                    user = Some(UserExt::decode(payload)?);
                }
            } else if payload.is("occupant-id", OID) {
                occupant_id = OccupantId::try_from(payload).ok().map(|o| o.id);
            } else if payload.is("error", CLIENT_NS) {
                error = StanzaError::try_from(payload).ok().map(Box::new);
            }
        }
        Ok(IncomingPresence {
            from,
            id: presence.id,
            type_: presence.type_,
            show: presence.show,
            statuses: presence.statuses.into_iter().collect(),
            user,
            occupant_id,
            error,
        })
    }

    /// Decodes a presence straight from its element, without building an
    /// `xmpp-parsers` [`Presence`] first when it does not have to (the fast
    /// path for transports that hand out `minidom` elements). Gives the
    /// same result as [`from_presence`](Self::from_presence) on the same
    /// stanza, errors included. On a stream, keep one
    /// [`PresenceDecoder`](crate::wire::PresenceDecoder) and call its
    /// [`decode_element`](crate::wire::PresenceDecoder::decode_element):
    /// it checks the `to` address once, not on every stanza.
    pub fn from_element(el: &minidom::Element) -> Result<IncomingPresence, InputError> {
        use crate::wire::{DecodeError, PresenceDecoder};
        PresenceDecoder::new()
            .decode_element(el)
            .map_err(|e| match e {
                DecodeError::Input(e) => e,
                DecodeError::NotPresence(el) => {
                    InputError::Stanza(format!("<{}/> in {}", el.name(), el.ns()))
                }
                other => InputError::Stanza(other.to_string()),
            })
    }

    /// Whether this presence says the sender is gone.
    pub fn is_unavailable(&self) -> bool {
        self.type_ == PresenceType::Unavailable
    }
}
