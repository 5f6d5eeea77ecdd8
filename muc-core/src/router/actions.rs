//! Joining, leaving, and what the local user does in a room.

use std::time::{Duration, Instant};

use jid::{BareJid, Jid};
use xmpp_parsers::message::Message;
use xmpp_parsers::presence::Show;

use crate::error::UsageError;
use crate::event::Subject;
use crate::invitation::InviteMode;
use crate::requests::RequestId;
use crate::room::{JoinOptions, Room, Transmit};
use crate::tracking::TrackerId;

use super::Router;

impl Router {
    // ----- joining and leaving -----

    /// Joins `room` as `nick`. If the stream is down the join waits for it,
    /// at most the join's timeout.
    /// The outcome comes as [`RoomEvent::Enter`](crate::RoomEvent::Enter) or [`RoomEvent::JoinFailed`](crate::RoomEvent::JoinFailed).
    pub fn join(
        &mut self,
        room: BareJid,
        nick: &str,
        options: JoinOptions,
        now: Instant,
    ) -> Result<(), UsageError> {
        if room.node().is_none() {
            return Err(UsageError::NotBare(room.to_string()));
        }
        if self.rooms.contains_key(room.as_str()) {
            return Err(UsageError::AlreadyJoined(room.to_string()));
        }
        self.next_room_seed = self.next_room_seed.wrapping_add(1);
        let mut r = Room::new(room.clone(), nick, options, self.next_room_seed)?;
        if let Some(own) = &self.own_jid {
            r.set_own_jid(own.clone());
        }
        if let Some((at, wall)) = &self.wall {
            r.set_wall_clock(*at, wall.clone());
        }
        if self.online {
            r.start_join(now);
        } else {
            r.defer_join(now);
        }
        let key: Box<str> = room.as_str().into();
        self.rooms.insert(key.clone(), r);
        self.collect(&key);
        Ok(())
    }

    pub(super) fn room_mut(&mut self, room: &BareJid) -> Result<&mut Room, UsageError> {
        self.rooms
            .get_mut(room.as_str())
            .ok_or_else(|| UsageError::NotJoined(room.to_string()))
    }

    pub(super) fn new_request(&mut self) -> RequestId {
        self.next_request += 1;
        RequestId(self.next_request)
    }

    /// Leaves `room`; the request completes with [`Response::Left`](crate::Response::Left) when the
    /// room confirms (or the deadline passes).
    pub fn leave(
        &mut self,
        room: &BareJid,
        status: Option<String>,
        now: Instant,
    ) -> Result<RequestId, UsageError> {
        if let Some(status) = &status {
            crate::text::check("the status", status)?;
        }
        let id = self.new_request();
        let deadline = now + self.config.request_timeout;
        let online = self.online;
        let r = self.room_mut(room)?;
        if online {
            r.leave(status, id, deadline, now);
        } else {
            r.stream_lost(now);
            r.leave(status, id, deadline, now);
        }
        self.collect(room.as_str());
        Ok(id)
    }

    /// Turns autorejoin on or off for a joined room (the seed's writable
    /// `autorejoin`).
    pub fn set_autorejoin(&mut self, room: &BareJid, on: bool) -> Result<(), UsageError> {
        self.room_mut(room)?.set_autorejoin(on);
        Ok(())
    }

    /// Changes the password used when the room is rejoined (the seed's
    /// writable `password`).
    pub fn set_password(
        &mut self,
        room: &BareJid,
        password: Option<crate::Password>,
    ) -> Result<(), UsageError> {
        self.room_mut(room)?.set_password(password);
        Ok(())
    }

    // ----- in-room actions -----

    /// Sends a groupchat message.
    pub fn send_message(&mut self, room: &BareJid, m: Message) -> Result<(), UsageError> {
        self.room_mut(room)?.send_message(m)?;
        self.collect(room.as_str());
        Ok(())
    }

    /// Sends a groupchat message and tracks its reflection.
    pub fn send_tracked(
        &mut self,
        room: &BareJid,
        m: Message,
        timeout: Option<Duration>,
        now: Instant,
    ) -> Result<TrackerId, UsageError> {
        self.next_tracker += 1;
        let id = TrackerId(self.next_tracker);
        self.room_mut(room)?.send_tracked(m, id, timeout, now)?;
        self.collect(room.as_str());
        Ok(id)
    }

    /// Changes the subject; completes when the room reflects it.
    pub fn set_subject(
        &mut self,
        room: &BareJid,
        subject: Subject,
        now: Instant,
    ) -> Result<RequestId, UsageError> {
        let id = self.new_request();
        let deadline = now + self.config.request_timeout;
        self.room_mut(room)?.set_subject(subject, id, deadline)?;
        self.collect(room.as_str());
        Ok(id)
    }

    /// Changes our nick; completes with [`Response::NickChanged`](crate::Response::NickChanged).
    pub fn set_nick(
        &mut self,
        room: &BareJid,
        nick: &str,
        now: Instant,
    ) -> Result<RequestId, UsageError> {
        let id = self.new_request();
        let deadline = now + self.config.request_timeout;
        self.room_mut(room)?.set_nick(nick, id, deadline)?;
        self.collect(room.as_str());
        Ok(id)
    }

    /// Sets our show and status in the room.
    pub fn set_presence(
        &mut self,
        room: &BareJid,
        show: Option<Show>,
        status: Option<String>,
    ) -> Result<(), UsageError> {
        self.room_mut(room)?.set_presence(show, status)?;
        self.collect(room.as_str());
        Ok(())
    }

    /// Sends a private message to the occupant `nick`.
    pub fn send_private_message(
        &mut self,
        room: &BareJid,
        nick: &str,
        m: Message,
    ) -> Result<(), UsageError> {
        self.room_mut(room)?.send_private_message(nick, m)?;
        self.collect(room.as_str());
        Ok(())
    }

    /// Asks the moderators for voice.
    pub fn request_voice(&mut self, room: &BareJid) -> Result<(), UsageError> {
        self.room_mut(room)?.request_voice()?;
        self.collect(room.as_str());
        Ok(())
    }

    /// Answers a voice request.
    pub fn answer_voice_request(
        &mut self,
        room: &BareJid,
        request: muc_xso::forms::VoiceRequest,
        allow: bool,
    ) -> Result<(), UsageError> {
        self.room_mut(room)?.answer_voice_request(request, allow)?;
        self.collect(room.as_str());
        Ok(())
    }

    /// Invites `invitees` to `room`: mediated (through the room, which must
    /// be joined) or direct (XEP-0249, to each invitee; with the room's
    /// password if we have it).
    pub fn invite(
        &mut self,
        room: &BareJid,
        invitees: Vec<Jid>,
        reason: Option<String>,
        mode: InviteMode,
    ) -> Result<(), UsageError> {
        match mode {
            InviteMode::Mediated => {
                self.room_mut(room)?.invite(invitees, reason)?;
                self.collect(room.as_str());
            }
            InviteMode::Direct => {
                if let Some(r) = &reason {
                    crate::text::check("the reason", r)?;
                }
                let password = self
                    .rooms
                    .get(room.as_str())
                    .and_then(|r| r.password().map(|p| p.expose().to_owned()));
                for to in invitees {
                    let stanza =
                        crate::room::direct_invitation(room, &to, reason.clone(), password.clone());
                    self.transmits.push_back(Transmit {
                        stanza,
                        tracker: None,
                    });
                }
            }
        }
        Ok(())
    }

    /// Declines a mediated invitation (no need to be in the room).
    pub fn decline(
        &mut self,
        room: &BareJid,
        inviter: Jid,
        reason: Option<String>,
    ) -> Result<(), UsageError> {
        if let Some(r) = &reason {
            crate::text::check("the reason", r)?;
        }
        let stanza = crate::room::decline_invitation(room, inviter, reason);
        self.transmits.push_back(Transmit {
            stanza,
            tracker: None,
        });
        Ok(())
    }
}
