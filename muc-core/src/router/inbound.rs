//! Inbound stanzas: routing presences, messages and IQs to their rooms;
//! invitations; answers to pending requests.

use std::time::Instant;

use jid::{BareJid, Jid};
use minidom::Element;
use muc_xso::{DirectInvite, Payload, UserExt};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::message::{Message, MessageType};
use xmpp_parsers::ns;
use xmpp_parsers::presence::Presence;
use xmpp_parsers::stanza::Stanza;
use xmpp_parsers::stanza_error::StanzaError;

use crate::error::{RequestError, ServerError};
use crate::event::Event;
use crate::incoming::IncomingPresence;
use crate::invitation::{Invitation, InviteMode};
use crate::requests::{self};
use crate::wire::{DecodeError, parse_presence};

use super::{After, MAX_PAYLOAD_DEPTH, Router, bare_str, iq_payload, too_deep};

/// What [`Router::handle_presence_bytes`] did with a presence.
#[derive(Debug)]
pub enum PresenceBytes {
    /// A room's presence, handled (or ignored as invalid, and logged): the
    /// room's JID.
    Room(Option<BareJid>),
    /// Not from a known room: the presence, parsed, for the application.
    NotMine(Presence),
}

impl Router {
    // ----- inbound -----

    /// Handles any stanza; gives it back if it is not MUC's business.
    pub fn handle_stanza(&mut self, stanza: Stanza, now: Instant) -> Option<Stanza> {
        match stanza {
            Stanza::Presence(p) => self.handle_presence(p, now).map(Stanza::Presence),
            Stanza::Message(m) => self.handle_message(m, now).map(Stanza::Message),
            Stanza::Iq(iq) => self.handle_iq(iq, now).map(Stanza::Iq),
        }
    }

    /// Handles a presence; gives it back if it is not from a known room.
    pub fn handle_presence(&mut self, p: Presence, now: Instant) -> Option<Presence> {
        // The room's own shared JID is the key from here on: no copy of
        // the address per presence.
        let jid = match p.from.as_ref().and_then(|f| self.rooms.get(bare_str(f))) {
            Some(room) => room.shared_jid().clone(),
            None => return Some(p),
        };
        let key = jid.as_str();
        if too_deep(&p.payloads) {
            tracing::warn!(room = %key, "presence nested deeper than {MAX_PAYLOAD_DEPTH} levels; ignored");
            return None;
        }
        match IncomingPresence::from_presence(p) {
            Ok(incoming) => self.room_presence(key, incoming, now),
            Err(e) => {
                tracing::warn!(room = %key, error = %e, "invalid presence from the room; ignored");
                self.collect(key);
            }
        }
        None
    }

    /// Hands a decoded presence to the room under `key`, and collects what
    /// the room has to say.
    fn room_presence(&mut self, key: &str, incoming: IncomingPresence, now: Instant) {
        if let Some(room) = self.rooms.get_mut(key) {
            room.handle_presence(incoming, now);
        }
        self.collect(key);
    }

    /// Handles a presence read straight from the stream: one stanza's
    /// bytes, as it sits in a `jabber:client` stream after the header (a
    /// [`StanzaFramer`](crate::wire::StanzaFramer) frame). Decoded with the
    /// router's [`PresenceDecoder`](crate::wire::PresenceDecoder): the same
    /// outcome as [`handle_presence`](Self::handle_presence) on the parsed
    /// stanza, without the tree.
    ///
    /// A presence that is not from a known room comes back parsed, for the
    /// application. An error means the bytes are not a presence one can
    /// read (not well-formed, or invalid as RFC 6121 has it); nothing was
    /// changed.
    ///
    /// What a presence the fast path declines is parsed into is a minidom
    /// tree, and minidom drops and clones trees recursively: give this
    /// frames of a [`StanzaFramer`](crate::wire::StanzaFramer), whose
    /// nesting bound keeps that recursion shallow.
    pub fn handle_presence_bytes(
        &mut self,
        stanza: &[u8],
        now: Instant,
    ) -> Result<PresenceBytes, DecodeError> {
        let incoming = match self.decoder.decode(stanza) {
            Ok(incoming) => incoming,
            // No `from`, or invalid MUC parts: the general path decides
            // (ignored if from a room, the application's otherwise).
            Err(DecodeError::Input(_)) => {
                let p = parse_presence(stanza)?;
                let room = p.from.as_ref().map(Jid::to_bare);
                return Ok(match self.handle_presence(p, now) {
                    Some(p) => PresenceBytes::NotMine(p),
                    None => PresenceBytes::Room(room),
                });
            }
            Err(e) => return Err(e),
        };
        let jid = match self.rooms.get(bare_str(&incoming.from)) {
            Some(room) => room.shared_jid().clone(),
            None => return Ok(PresenceBytes::NotMine(parse_presence(stanza)?)),
        };
        self.room_presence(jid.as_str(), incoming, now);
        Ok(PresenceBytes::Room(Some(BareJid::clone(&jid))))
    }

    /// Handles a message; gives it back if it is not MUC's business.
    pub fn handle_message(&mut self, m: Message, now: Instant) -> Option<Message> {
        if too_deep(&m.payloads) {
            let ours = m
                .from
                .as_ref()
                .is_some_and(|f| self.rooms.contains_key(bare_str(f)));
            if ours {
                tracing::warn!(from = ?m.from, "message nested deeper than {MAX_PAYLOAD_DEPTH} levels; ignored");
                return None;
            }
            // Not from a room of ours: not read at all (not even for an
            // invitation), given back as it came.
            return Some(m);
        }
        if m.type_ != MessageType::Groupchat && m.type_ != MessageType::Error {
            match self.invitation(&m) {
                Some(Ok(invitation)) => {
                    self.events.push_back(Event::Invitation(invitation));
                    return None;
                }
                Some(Err(why)) => {
                    tracing::warn!(from = ?m.from, "{why}; ignored");
                    return None;
                }
                None => {}
            }
        }
        let key: Box<str> = match m.from.as_ref() {
            Some(from) if self.rooms.contains_key(bare_str(from)) => bare_str(from).into(),
            _ => return Some(m),
        };
        if m.type_ == MessageType::Headline {
            return Some(m);
        }
        if let Some(room) = self.rooms.get_mut(&key) {
            room.handle_message(m, now);
        }
        self.collect(&key);
        None
    }

    /// Reads an invitation: `None` when `m` is none, `Err` when it is one
    /// that cannot be trusted.
    fn invitation(&self, m: &Message) -> Option<Result<Invitation, String>> {
        // A mediated invitation first: Prosody and ejabberd add a
        // jabber:x:conference element beside the muc#user <invite/>, and
        // only the latter names the inviter and carries the password.
        if let Some(found) = self.mediated_invitation(m) {
            return Some(found);
        }
        match DirectInvite::find_in(&m.payloads)? {
            Ok(x) => Some(Ok(Invitation {
                continues: x.continues(),
                room: x.jid,
                inviter: m.from.clone(),
                mode: InviteMode::Direct,
                reason: x.reason,
                password: x.password,
                thread: x.thread,
            })),
            Err(e) => Some(Err(format!("invalid direct invitation: {e}"))),
        }
    }

    fn mediated_invitation(&self, m: &Message) -> Option<Result<Invitation, String>> {
        let x = match UserExt::find_in(&m.payloads)? {
            Ok(x) => x,
            Err(e) => return Some(Err(format!("invalid muc#user payload: {e}"))),
        };
        let invite = x.invites().next()?.clone();
        let from = match m.from.as_ref() {
            Some(f) if f.is_bare() && f.node().is_some() => f.to_bare(),
            other => {
                return Some(Err(format!(
                    "mediated invitation from {other:?}, which is not a room"
                )));
            }
        };
        Some(Ok(Invitation {
            room: from,
            inviter: invite.from,
            mode: InviteMode::Mediated,
            reason: invite.reason,
            password: x.password().map(str::to_owned),
            thread: invite.continue_.as_ref().and_then(|c| c.thread.clone()),
            continues: invite.continue_.is_some(),
        }))
    }

    /// Handles an IQ; gives it back if it is not MUC's business.
    pub fn handle_iq(&mut self, iq: Iq, now: Instant) -> Option<Iq> {
        if iq_payload(&iq).is_some_and(|p| too_deep(std::slice::from_ref(p))) {
            // Given back unread; a request it answers times out.
            tracing::warn!("IQ nested deeper than {MAX_PAYLOAD_DEPTH} levels; not read");
            return Some(iq);
        }
        let (from, to, id, outcome) = match iq {
            Iq::Result {
                from,
                to,
                id,
                payload,
            } => (from, to, id, Ok(payload)),
            Iq::Error {
                from,
                to,
                id,
                error,
                payload,
            } => (from, to, id, Err((error, payload))),
            Iq::Get {
                from,
                to,
                id,
                payload,
            } => {
                // A self-ping reflected to us by a room we are in (XEP-0410).
                let from_room = from.as_ref().is_some_and(|f| {
                    f.resource().is_some() && self.rooms.contains_key(bare_str(f))
                });
                if from_room && payload.is("ping", ns::PING) {
                    self.send_raw(Stanza::Iq(Iq::Result {
                        from: None,
                        to: from,
                        id,
                        payload: None,
                    }));
                    return None;
                }
                return Some(Iq::Get {
                    from,
                    to,
                    id,
                    payload,
                });
            }
            other => return Some(other),
        };
        let outcome = self.iq_answer(from.as_ref(), &id, outcome, now)?;
        Some(match outcome {
            Ok(payload) => Iq::Result {
                from,
                to,
                id,
                payload,
            },
            Err((error, payload)) => Iq::Error {
                from,
                to,
                id,
                error,
                payload,
            },
        })
    }

    /// Reads an answer to a pending request, or one a room is waiting for;
    /// gives the outcome back if it is not ours.
    fn iq_answer(
        &mut self,
        from: Option<&Jid>,
        id: &str,
        outcome: IqOutcome,
        now: Instant,
    ) -> Option<IqOutcome> {
        if let Some(p) = self.pending.get(id) {
            // An answer must come from whom we asked (or our server for
            // requests to it).
            let sender_ok = match (&p.to, from) {
                (Some(asked), Some(answered)) => asked == answered,
                _ => true,
            };
            if sender_ok {
                if let Some(p) = self.pending.remove(id) {
                    let outcome = match outcome {
                        Ok(payload) => requests::read_answer(&p.kind, payload),
                        Err((error, _)) => Err(RequestError::Server(ServerError::new(error))),
                    };
                    let ok = outcome.is_ok();
                    // The room's own reaction (rediscovery, a local exit)
                    // comes before the request's answer.
                    if ok && p.after != After::Nothing {
                        if let Some(key) = from.map(|f| Box::<str>::from(bare_str(f))) {
                            if let Some(room) = self.rooms.get_mut(&key) {
                                match p.after {
                                    After::Rediscover => room.rediscover(),
                                    After::Gone => room.gone(),
                                    After::Nothing => {}
                                }
                            }
                            self.collect(&key);
                        }
                    }
                    self.events.push_back(Event::Request {
                        id: p.request,
                        result: outcome,
                    });
                }
                return None;
            }
            tracing::warn!(%id, ?from, "IQ answer from another entity than the one asked; ignored");
            return Some(outcome);
        }
        let key: Box<str> = match from {
            Some(f) if self.rooms.contains_key(bare_str(f)) => bare_str(f).into(),
            _ => return Some(outcome),
        };
        let mapped = match &outcome {
            Ok(p) => Ok(p.clone()),
            Err((e, _)) => Err(ServerError::new(e.clone())),
        };
        let ours = self
            .rooms
            .get_mut(&key)
            .is_some_and(|room| room.handle_iq_answer(id, mapped, now));
        self.collect(&key);
        if ours { None } else { Some(outcome) }
    }
}

/// An IQ answer: a result's payload, or an error with its payload.
type IqOutcome = Result<Option<Element>, (StanzaError, Option<Element>)>;
