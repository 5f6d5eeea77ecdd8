//! IQs to an occupant JID (`room/nick`): XEP-0410 self-ping, and the
//! relay of every other request to the occupant's real JID with the answer
//! relayed back (XEP-0045 business rules on IQ, `#bizrules-iq`).
//!
//! As Prosody's `handle_iq_to_occupant` does: the requester must be an
//! occupant (`not-acceptable` otherwise, which XEP-0410 reads as "not
//! joined"), the recipient must exist (`item-not-found`), a get with
//! `<ping/>` to one's own nick is answered by the room, and anything else
//! goes to the recipient from the requester's occupant JID, under an id that
//! carries the recipient's real JID, the original id and a keyed hash of the
//! requester's session. The answer is matched back through that id alone, so
//! the room keeps no state for relayed requests.

use std::hash::{BuildHasher, Hasher};

use jid::FullJid;
use minidom::Element;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

use super::room::Room;
use crate::stanza::{ElementExt, NS_PING, iq_result};

/// The parts of a relayed request's id.
struct RelayId {
    /// The real JID the request was relayed to.
    recipient: String,
    /// The requester's own id.
    original: String,
    /// Keyed hash of the requester's session (which session gets the answer).
    session: String,
}

impl RelayId {
    fn encode(&self) -> String {
        let raw = format!("{}\0{}\0{}", self.recipient, self.original, self.session);
        let mut s = String::with_capacity(raw.len() * 2);
        for b in raw.bytes() {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    /// `None` for an id this room did not make (never panics on input).
    fn decode(id: &str) -> Option<RelayId> {
        if id.len() % 2 != 0 || !id.is_ascii() {
            return None;
        }
        let bytes = (0..id.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(id.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.splitn(3, '\0');
        let recipient = parts.next().filter(|r| !r.is_empty())?.to_owned();
        let original = parts.next()?.to_owned();
        let session = parts.next().filter(|s| !s.is_empty())?.to_owned();
        Some(RelayId {
            recipient,
            original,
            session,
        })
    }
}

impl Room {
    /// Keyed hash of a session's JID (Prosody: an HMAC with the room salt).
    fn session_tag(&self, session: &FullJid) -> String {
        let mut h = self.iq_salt.build_hasher();
        h.write(session.as_str().as_bytes());
        format!("{:016x}", h.finish())
    }

    /// An IQ get or set to `room/nick` from `from`.
    pub fn occupant_iq_request(
        &self,
        from: &FullJid,
        nick: &str,
        iq: &Element,
        query: &Element,
        out: &mut Vec<Element>,
    ) {
        let Some(sender) = self.find_session(from).map(|i| &self.occupants[i]) else {
            let (type_, text) = self.profile.not_occupant_query_error();
            out.push(self.error(iq, type_, DefinedCondition::NotAcceptable, Some(text)));
            return;
        };
        let Some(recipient) = self.find_nick(nick).map(|i| &self.occupants[i]) else {
            out.push(self.error(
                iq,
                ErrorType::Cancel,
                DefinedCondition::ItemNotFound,
                Some(self.profile.recipient_not_in_room_text()),
            ));
            return;
        };
        // XEP-0410 self-ping: the room answers for its occupant.
        if sender.nick == nick && iq.attr("type") == Some("get") && query.is("ping", NS_PING) {
            out.push(iq_result(iq, None));
            return;
        }
        let Some(to) = recipient.sessions.first() else {
            return;
        };
        let id = RelayId {
            recipient: to.to_string(),
            original: iq.attr("id").unwrap_or_default().to_owned(),
            session: self.session_tag(from),
        };
        let mut relayed = iq.clone();
        relayed.set_attr_str("from", self.occupant_jid(&sender.nick));
        relayed.set_attr_str("to", to.to_string());
        relayed.set_attr_str("id", id.encode());
        out.push(relayed);
    }

    /// An IQ result or error to `room/nick` from `from`: the answer to a
    /// relayed request goes back to the requester's session, from the
    /// answering occupant's JID, with the requester's id. Anything that does
    /// not match a relayed request is dropped.
    pub fn occupant_iq_response(
        &self,
        from: &FullJid,
        nick: &str,
        iq: &Element,
        out: &mut Vec<Element>,
    ) {
        let Some(requester) = self.find_nick(nick).map(|i| &self.occupants[i]) else {
            return;
        };
        let Some(id) = iq.attr("id").and_then(RelayId::decode) else {
            return;
        };
        // Only the recipient answers.
        if from.as_str() != id.recipient {
            return;
        }
        let Some(responder) = self
            .occupants
            .iter()
            .find(|o| o.sessions.iter().any(|s| s.as_str() == id.recipient))
        else {
            return;
        };
        let Some(session) = requester
            .sessions
            .iter()
            .find(|s| self.session_tag(s) == id.session)
        else {
            return;
        };
        let mut answer = iq.clone();
        answer.set_attr_str("from", self.occupant_jid(&responder.nick));
        answer.set_attr_str("to", session.to_string());
        answer.set_attr_str("id", id.original);
        out.push(answer);
    }
}

#[cfg(test)]
mod tests {
    use super::RelayId;

    #[test]
    fn relay_ids_round_trip_and_reject_garbage() {
        let id = RelayId {
            recipient: "bob@localhost/res".into(),
            original: "q-1".into(),
            session: "0123456789abcdef".into(),
        };
        let back = RelayId::decode(&id.encode()).expect("decodes");
        assert_eq!(back.recipient, "bob@localhost/res");
        assert_eq!(back.original, "q-1");
        assert_eq!(back.session, "0123456789abcdef");
        // An empty original id survives.
        let empty = RelayId {
            original: String::new(),
            ..id
        };
        assert_eq!(RelayId::decode(&empty.encode()).unwrap().original, "");
        for bad in ["", "abc", "zz", "é1", "00", "626f62"] {
            assert!(RelayId::decode(bad).is_none(), "{bad:?}");
        }
    }
}
