//! Inbound stanzas as the room logic sees them: MUC payloads decoded.

use std::collections::BTreeMap;

use jid::Jid;
use muc_xso::{Payload, UserExt};
use xmpp_parsers::message::Lang;
use xmpp_parsers::occupant_id::OccupantId;
use xmpp_parsers::presence::{Presence, Show, Type as PresenceType};
use xmpp_parsers::stanza_error::StanzaError;

const CLIENT_NS: &str = "jabber:client";

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
    /// `<status/>` texts by language.
    pub statuses: BTreeMap<Lang, String>,
    /// The `muc#user` payload.
    pub user: Option<UserExt>,
    /// The XEP-0421 occupant id the room stamped, if any.
    pub occupant_id: Option<String>,
    /// The `<error/>` of a presence of type error.
    pub error: Option<StanzaError>,
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
}

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
            } else if payload.is("occupant-id", "urn:xmpp:occupant-id:0") {
                occupant_id = OccupantId::try_from(payload).ok().map(|o| o.id);
            } else if payload.is("error", CLIENT_NS) {
                error = StanzaError::try_from(payload).ok();
            }
        }
        Ok(IncomingPresence {
            from,
            id: presence.id,
            type_: presence.type_,
            show: presence.show,
            statuses: presence.statuses,
            user,
            occupant_id,
            error,
        })
    }

    /// Whether this presence says the sender is gone.
    pub fn is_unavailable(&self) -> bool {
        self.type_ == PresenceType::Unavailable
    }
}
