//! What the local user does in a room: the stanzas to send, and the
//! bookkeeping for the answers that come back as room traffic.

use std::time::{Duration, Instant};

use jid::{FullJid, Jid, ResourcePart};
use muc_xso::forms::VoiceRequest;
use muc_xso::{Decline, Invite, UserExt};
use xmpp_parsers::message::{Id, Lang, Message, MessageType};
use xmpp_parsers::presence::{Presence, Show};
use xmpp_parsers::stanza::Stanza;
use xmpp_parsers::stanza_id::OriginId;

use super::{Room, RoomRequest, RoomState, Transmit};
use crate::error::{JoinError, UsageError};
use crate::event::Subject;
use crate::leave_mode::LeaveMode;
use crate::requests::{RequestId, Response};
use crate::tracking::TrackerId;

impl Room {
    /// Our available presence to `to`, with the show and status we keep.
    pub(super) fn available_presence(&self, to: FullJid) -> Presence {
        let mut p = Presence::available().with_to(to);
        p.show = self.options.show.clone();
        if let Some(status) = &self.options.status {
            p.set_status("", status.clone());
        }
        p
    }

    /// Our unavailable presence to the room, with an exit message if any.
    pub(super) fn unavailable_presence(&self, status: Option<String>) -> Presence {
        let mut p = Presence::unavailable().with_to(self.occupant_jid());
        if let Some(status) = status {
            p.set_status("", status);
        }
        p
    }

    fn require_active(&self) -> Result<(), UsageError> {
        if self.active() {
            Ok(())
        } else {
            Err(UsageError::NotJoined(self.jid.to_string()))
        }
    }

    /// Stamps a groupchat message for this room: type, `to`, an id and an
    /// origin-id (XEP-0359). Returns the origin-id.
    fn stamp(&mut self, m: &mut Message) -> String {
        m.type_ = MessageType::Groupchat;
        m.to = Some(Jid::from(self.jid.as_ref().clone()));
        if m.id.is_none() {
            m.id = Some(Id(self.ids.next()));
        }
        match m
            .payloads
            .iter()
            .find(|p| p.is("origin-id", "urn:xmpp:sid:0"))
            .and_then(|p| p.attr("id"))
        {
            Some(id) => id.to_owned(),
            None => {
                let id = self.ids.next();
                m.payloads.push(OriginId { id: id.clone() }.into());
                id
            }
        }
    }

    /// Sends a groupchat message (untracked).
    pub fn send_message(&mut self, mut m: Message) -> Result<(), UsageError> {
        self.require_active()?;
        crate::text::check_message(&m)?;
        self.stamp(&mut m);
        self.push_transmit(Stanza::Message(m));
        Ok(())
    }

    /// Sends a groupchat message and tracks its reflection under `tracker`.
    ///
    /// `timeout` ends the tracking (`TimedOut`) if no reflection comes;
    /// `None` tracks until exit.
    pub fn send_tracked(
        &mut self,
        mut m: Message,
        tracker: TrackerId,
        timeout: Option<Duration>,
        now: Instant,
    ) -> Result<(), UsageError> {
        self.require_active()?;
        crate::text::check_message(&m)?;
        let origin = self.stamp(&mut m);
        self.trackers
            .add(tracker, &m, origin, timeout.map(|t| now + t));
        self.transmits.push_back(Transmit {
            stanza: Stanza::Message(m),
            tracker: Some(tracker),
        });
        Ok(())
    }

    /// Asks to change the subject; `request` completes when the room
    /// reflects it (or refuses).
    pub fn set_subject(
        &mut self,
        subject: Subject,
        request: RequestId,
        deadline: Instant,
    ) -> Result<(), UsageError> {
        self.require_active()?;
        for s in subject.values() {
            crate::text::check("the subject", s)?;
        }
        let id = self.ids.next();
        let mut m = Message::groupchat(Some(Jid::from(self.jid.as_ref().clone())));
        m.id = Some(Id(id.clone()));
        m.subjects = subject;
        if m.subjects.is_empty() {
            // An empty subject clears it (XEP-0045 Ex. 88).
            m.subjects.insert(Lang::new(), String::new());
        }
        self.pending_subject = Some((
            RoomRequest {
                id: request,
                deadline,
            },
            id,
        ));
        self.push_transmit(Stanza::Message(m));
        Ok(())
    }

    /// Asks to change our nick; `request` completes with the nick the room
    /// gives us, or with its refusal (409 conflict, 406 not-acceptable ...).
    pub fn set_nick(
        &mut self,
        nick: &str,
        request: RequestId,
        deadline: Instant,
    ) -> Result<(), UsageError> {
        self.require_active()?;
        let new = ResourcePart::new(nick)
            .map_err(|_| UsageError::BadNick(nick.to_owned()))?
            .into_owned();
        let p = self.available_presence(self.jid.with_resource(&new));
        self.pending_nick = Some((
            RoomRequest {
                id: request,
                deadline,
            },
            new.as_str().to_owned(),
        ));
        self.push_transmit(Stanza::Presence(p));
        Ok(())
    }

    /// Sets our presence in the room (show and status); kept for rejoins.
    pub fn set_presence(
        &mut self,
        show: Option<Show>,
        status: Option<String>,
    ) -> Result<(), UsageError> {
        if let Some(status) = &status {
            crate::text::check("the status", status)?;
        }
        self.options.show = show;
        self.options.status = status;
        if self.active() {
            let p = self.available_presence(self.occupant_jid());
            self.push_transmit(Stanza::Presence(p));
        }
        Ok(())
    }

    /// Leaves the room (unavailable presence to our occupant JID, with an
    /// optional status text); `request` completes on the exit.
    pub fn leave(
        &mut self,
        status: Option<String>,
        request: RequestId,
        deadline: Instant,
        now: Instant,
    ) {
        let _ = now;
        match self.state {
            RoomState::Exited => {}
            RoomState::Suspended => self.exit_locally(LeaveMode::Normal),
            RoomState::Joining if !self.entered_once => {
                let p = self.unavailable_presence(status);
                self.push_transmit(Stanza::Presence(p));
                self.fail_join(JoinError::Cancelled);
            }
            _ => {
                // Completes when the room confirms (or at the deadline).
                let p = self.unavailable_presence(status);
                self.pending_leave = Some(RoomRequest {
                    id: request,
                    deadline,
                });
                self.push_transmit(Stanza::Presence(p));
                return;
            }
        }
        self.completed.push_back((request, Ok(Response::Left)));
    }

    /// Sends a private message to the occupant `nick` (§7.5): type chat,
    /// with the `muc#user` hint for carbons.
    pub fn send_private_message(&mut self, nick: &str, mut m: Message) -> Result<(), UsageError> {
        self.require_active()?;
        crate::text::check_message(&m)?;
        let to = self
            .jid
            .with_resource_str(nick)
            .map_err(|_| UsageError::BadNick(nick.to_owned()))?;
        m.to = Some(to.into());
        if m.type_ == MessageType::Groupchat || m.type_ == MessageType::Normal {
            m.type_ = MessageType::Chat;
        }
        if m.id.is_none() {
            m.id = Some(Id(self.ids.next()));
        }
        if !m.payloads.iter().any(|p| p.is("x", muc_xso::ns::MUC_USER)) {
            m.payloads.push(UserExt::new().into());
        }
        self.push_transmit(Stanza::Message(m));
        Ok(())
    }

    /// Asks for voice (§7.13).
    pub fn request_voice(&mut self) -> Result<(), UsageError> {
        self.require_active()?;
        let mut m = Message::normal(Some(Jid::from(self.jid.as_ref().clone())));
        m.payloads.push(VoiceRequest::new().into_form().into());
        self.push_transmit(Stanza::Message(m));
        Ok(())
    }

    /// Answers a voice request the room forwarded (§8.6).
    pub fn answer_voice_request(
        &mut self,
        request: VoiceRequest,
        allow: bool,
    ) -> Result<(), UsageError> {
        self.require_active()?;
        let mut m = Message::normal(Some(Jid::from(self.jid.as_ref().clone())));
        m.payloads.push(request.approve(allow).into());
        self.push_transmit(Stanza::Message(m));
        Ok(())
    }

    /// Invites `invitees` through the room (mediated, §7.8.2).
    pub fn invite(&mut self, invitees: Vec<Jid>, reason: Option<String>) -> Result<(), UsageError> {
        self.require_active()?;
        if let Some(r) = &reason {
            crate::text::check("the reason", r)?;
        }
        let mut x = UserExt::new();
        for to in invitees {
            let mut i = Invite::to(to);
            i.reason = reason.clone();
            x = x.with_invite(i);
        }
        let m = Message::normal(Some(Jid::from(self.jid.as_ref().clone()))).with_payload(x);
        self.push_transmit(Stanza::Message(m));
        Ok(())
    }
}

/// Declines a mediated invitation to `room` from `inviter` (§7.8.2); works
/// without joining.
pub fn decline_invitation(room: &jid::BareJid, inviter: Jid, reason: Option<String>) -> Stanza {
    let mut d = Decline::to(inviter);
    d.reason = reason;
    Stanza::Message(
        Message::normal(Some(Jid::from(room.clone()))).with_payload(UserExt::new().with_decline(d)),
    )
}

/// A direct invitation (XEP-0249) to `invitee`'s bare JID.
pub fn direct_invitation(
    room: &jid::BareJid,
    invitee: &Jid,
    reason: Option<String>,
    password: Option<String>,
) -> Stanza {
    let mut x = muc_xso::DirectInvite::new(room.clone());
    x.reason = reason;
    x.password = password;
    Stanza::Message(Message::normal(Some(Jid::from(invitee.to_bare()))).with_payload(x))
}
