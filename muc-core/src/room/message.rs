//! Messages from the room: groupchat (live or history), subject changes,
//! configuration notices, private messages, voice requests and errors.

use std::time::Instant;

use chrono::{DateTime as ChronoDateTime, FixedOffset};
use muc_xso::forms::VoiceRequest;
use muc_xso::{Payload, StatusCode, UserExt};
use xmpp_parsers::data_forms::DataForm;
use xmpp_parsers::delay::Delay;
use xmpp_parsers::message::{Message, MessageType};
use xmpp_parsers::ns;
use xmpp_parsers::stanza_error::StanzaError;

use super::{Room, RoomState};
use crate::dedup::Keys;
use crate::error::{RequestError, ServerError};
use crate::event::{MessageSource, RoomEvent};
use crate::requests::Response;

fn delay_of(m: &Message) -> Option<Delay> {
    m.payloads
        .iter()
        .find(|p| p.is("delay", ns::DELAY))
        .and_then(|p| Delay::try_from(p.clone()).ok())
}

fn error_of(m: &Message) -> ServerError {
    ServerError::or_undefined(
        m.payloads
            .iter()
            .find(|p| p.is("error", ns::JABBER_CLIENT))
            .and_then(|p| StanzaError::try_from(p.clone()).ok()),
    )
}

/// The nick of an occupant JID sender; `None` for the room itself.
fn sender_nick(m: &Message) -> Option<String> {
    m.from
        .as_ref()
        .and_then(|f| f.resource())
        .map(|r| r.as_str().to_owned())
}

impl Room {
    /// Handles a message from the room (groupchat, private, error, or a
    /// notice from the room itself).
    pub fn handle_message(&mut self, m: Message, now: Instant) {
        let Some(from) = m.from.as_ref() else {
            return;
        };
        if !self.is_room(from) {
            tracing::warn!(room = %self.jid, %from, "message from outside the room; ignored");
            return;
        }
        if matches!(self.state, RoomState::Exited | RoomState::Suspended) {
            tracing::debug!(room = %self.jid, "message for a room that is not joined; ignored");
            return;
        }
        match m.type_ {
            MessageType::Groupchat => self.groupchat(m, now),
            MessageType::Error => self.error_message(m),
            MessageType::Chat | MessageType::Normal => self.direct_message(m),
            MessageType::Headline => {
                tracing::debug!(room = %self.jid, "headline from the room; ignored");
            }
        }
    }

    fn groupchat(&mut self, m: Message, now: Instant) {
        if self.state == RoomState::Joining {
            tracing::debug!(room = %self.jid, "groupchat message before the self-presence; ignored");
            return;
        }
        self.activity(now);
        let nick = sender_nick(&m);
        let has_body = !m.bodies.is_empty();
        if !m.subjects.is_empty() && !has_body && m.thread.is_none() {
            return self.subject_message(m, nick);
        }
        if nick.is_none() && !has_body {
            if let Some(Ok(x)) = UserExt::find_in(&m.payloads) {
                let status: Vec<StatusCode> = x.status_codes().collect();
                if !status.is_empty() {
                    self.rediscover();
                    self.events.push_back(RoomEvent::ConfigChanged { status });
                    return;
                }
            }
        }
        let delay = delay_of(&m);
        if self.state == RoomState::History && delay.is_none() {
            // The subject should have ended the replay; a live message does too.
            self.state = RoomState::Live;
        }
        let source = if self.state == RoomState::History {
            MessageSource::History
        } else {
            MessageSource::Live
        };
        let from_us = self.is_from_us(&m, nick.as_deref());
        let at: ChronoDateTime<FixedOffset> = match (&delay, self.wall_at(now)) {
            (Some(d), _) => d.stamp.0,
            (None, Some(w)) => w,
            (None, None) => ChronoDateTime::UNIX_EPOCH.fixed_offset(),
        };
        let room = self.jid.to_string();
        let sender = nick.clone().unwrap_or_default();
        if self
            .dedup
            .check_and_insert(&Keys::of(&m, &room, &sender, at, delay.is_some()))
        {
            tracing::debug!(room = %self.jid, "message seen before; dropped");
            return;
        }
        if source == MessageSource::Live {
            for (id, state) in self.trackers.match_reflection(&m, from_us) {
                self.events.push_back(RoomEvent::Tracker { id, state });
            }
        }
        let occupant = nick.as_deref().and_then(|n| self.occupant(n)).cloned();
        self.events.push_back(RoomEvent::Message {
            message: Box::new(m),
            occupant,
            nick,
            source,
        });
    }

    fn is_from_us(&self, m: &Message, nick: Option<&str>) -> bool {
        let Some(me) = &self.me else {
            return false;
        };
        if self.trusts_occupant_id() {
            if let (Some(mine), Some(theirs)) = (
                me.occupant_id(),
                m.payloads
                    .iter()
                    .find(|p| p.is("occupant-id", ns::OID))
                    .and_then(|p| p.attr("id")),
            ) {
                return mine == theirs;
            }
        }
        nick == Some(me.nick())
    }

    fn subject_message(&mut self, mut m: Message, nick: Option<String>) {
        let mut left = self.options.limits.max_subject_len;
        m.subjects
            .retain(|_, text| super::cap_text(text, &mut left));
        let on_join = self.state == RoomState::History;
        self.state = RoomState::Live;
        let changed = self.subject != m.subjects || self.subject_setter != nick;
        let from_us = self.is_from_us(&m, nick.as_deref());
        if from_us {
            if let Some((r, _)) = self.pending_subject.take() {
                self.completed.push_back((r.id, Ok(Response::Done)));
            }
        }
        if on_join && self.subject_seen && !changed {
            // The same subject again after a rejoin: nothing new to tell.
            return;
        }
        self.subject_seen = true;
        self.subject = m.subjects;
        self.subject_setter = nick.clone();
        let occupant = nick.as_deref().and_then(|n| self.occupant(n)).cloned();
        if nick.is_some() && occupant.is_none() && !on_join {
            tracing::info!(room = %self.jid, "subject set by a nick that is not in the room");
        }
        self.events.push_back(RoomEvent::SubjectChange {
            subject: self.subject.clone(),
            setter: nick,
            occupant,
            on_join,
        });
    }

    fn error_message(&mut self, m: Message) {
        let error = error_of(&m);
        let id = m.id.as_ref().map(|i| i.0.clone());
        if let Some(id) = id.as_deref() {
            if let Some((tid, state)) = self.trackers.error(id, error.clone()) {
                self.events.push_back(RoomEvent::Tracker { id: tid, state });
                return;
            }
            if let Some((r, _)) = self.pending_subject.take_if(|(_, sid)| sid == id) {
                self.completed
                    .push_back((r.id, Err(RequestError::Server(error))));
                return;
            }
        }
        self.events.push_back(RoomEvent::Error { error, id });
    }

    fn direct_message(&mut self, m: Message) {
        if let Some(nick) = sender_nick(&m) {
            let occupant = self.occupant(&nick).cloned();
            self.events.push_back(RoomEvent::PrivateMessage {
                message: Box::new(m),
                nick,
                occupant,
            });
            return;
        }
        // From the room itself: a voice request to approve, or a decline.
        if let Some(form) = m
            .payloads
            .iter()
            .find(|p| p.is("x", ns::DATA_FORMS))
            .and_then(|p| DataForm::try_from(p.clone()).ok())
        {
            if let Ok(request) = VoiceRequest::from_form(form) {
                self.events.push_back(RoomEvent::VoiceRequest { request });
                return;
            }
        }
        match UserExt::find_in(&m.payloads) {
            Some(Ok(x)) => {
                if let Some(d) = x.decline() {
                    self.events.push_back(RoomEvent::Decline {
                        from: d.from.clone(),
                        reason: d.reason.clone(),
                    });
                } else {
                    let status: Vec<StatusCode> = x.status_codes().collect();
                    if !status.is_empty() {
                        self.events.push_back(RoomEvent::ConfigChanged { status });
                    } else {
                        tracing::debug!(room = %self.jid, "notice from the room without status codes; ignored");
                    }
                }
            }
            Some(Err(e)) => {
                tracing::warn!(room = %self.jid, error = %e, "invalid muc#user payload; ignored")
            }
            None => tracing::debug!(room = %self.jid, "message from the room itself; ignored"),
        }
    }
}
