//! What the local user does in a room: the seed's methods and everything
//! beyond. Each action is one call into muc-core's router, run by the
//! driver; requests complete when the room answers, or fail at muc-core's
//! deadline.

use std::time::Duration;

use jid::Jid;
use muc_core::muc_xso::forms::{RegistrationForm, RoomConfig, VoiceRequest};
use muc_core::muc_xso::{AdminItem, Affiliation, Role};
use muc_core::{Destruction, InviteMode, Response, RoomDescription, Subject};
use tokio::sync::oneshot;
use xmpp_parsers::message::{Lang, Message};
use xmpp_parsers::presence::Show;

use crate::error::{Error, Result};
use crate::jids::IntoJid;
use crate::room::Room;
use crate::service_requests::{Registration, done, items, unexpected};
use crate::state::Command;
use crate::tracker::MessageTracker;

/// A message to send: a body, or a whole [`Message`] (its `type` and `to`
/// are set for you).
#[derive(Debug, Clone, PartialEq)]
pub enum MessageContent {
    /// Just a body (no language tag).
    Body(String),
    /// A whole message (bodies in several languages, payloads ...).
    Message(Box<Message>),
}

impl From<&str> for MessageContent {
    fn from(s: &str) -> Self {
        MessageContent::Body(s.to_owned())
    }
}

impl From<String> for MessageContent {
    fn from(s: String) -> Self {
        MessageContent::Body(s)
    }
}

impl From<Message> for MessageContent {
    fn from(m: Message) -> Self {
        MessageContent::Message(Box::new(m))
    }
}

impl MessageContent {
    fn into_message(self) -> Message {
        match self {
            MessageContent::Body(b) => Message::groupchat(None).with_body(Lang::new(), b),
            MessageContent::Message(m) => *m,
        }
    }
}

impl Room {
    // ----- the seed -----

    /// Changes the role of the occupant `nick` (`Role::None` kicks,
    /// `Participant` gives voice, `Visitor` takes it, `Moderator` ...);
    /// completes when the room acknowledges.
    pub async fn set_role(&self, nick: &str, role: Role, reason: Option<&str>) -> Result<()> {
        let (r, nick, reason) = (self.jid(), nick.to_owned(), reason.map(str::to_owned));
        done(
            self.service
                .request(self.target(), move |router, now| {
                    Ok(router.set_role(&r, &nick, role, reason, now))
                })
                .await?,
        )
    }

    /// Kicks the occupant `nick` (its role becomes `none`).
    pub async fn kick(&self, nick: &str, reason: Option<&str>) -> Result<()> {
        self.set_role(nick, Role::None, reason).await
    }

    /// Changes the affiliation of `jid` (taken bare) in this room.
    pub async fn set_affiliation(
        &self,
        jid: impl IntoJid,
        affiliation: Affiliation,
        reason: Option<&str>,
    ) -> Result<()> {
        self.service
            .set_affiliation(self.jid(), jid, affiliation, reason)
            .await
    }

    /// Bans `jid` (affiliation `outcast`; the room kicks them too).
    pub async fn ban(&self, jid: impl IntoJid, reason: Option<&str>) -> Result<()> {
        self.set_affiliation(jid, Affiliation::Outcast, reason)
            .await
    }

    /// Sets the subject (an empty text clears it); completes when the room
    /// reflects it, fails with the room's error (`forbidden` ...).
    pub async fn set_subject(&self, subject: &str) -> Result<()> {
        let mut map = Subject::new();
        map.insert(Lang::new(), subject.to_owned());
        self.set_subject_map(map).await
    }

    /// Sets the subject in several languages.
    pub async fn set_subject_map(&self, subject: Subject) -> Result<()> {
        let r = self.jid();
        done(
            self.service
                .request(self.target(), move |router, now| {
                    router.set_subject(&r, subject, now)
                })
                .await?,
        )
    }

    /// Asks to leave the room and returns at once; the streams end with
    /// [`RoomEvent::Exit`](crate::RoomEvent::Exit). Leaving a room still
    /// being joined cancels the join.
    pub fn leave(&self) {
        let r = self.jid();
        let _ = self.service.act_nowait(self.target(), move |router, now| {
            router.leave(&r, None, now).map(|_| ())
        });
    }

    /// Leaves the room and waits until the room confirms (or muc-core's
    /// deadline passes, after which we consider ourselves out anyway).
    pub async fn leave_and_wait(&self) -> Result<()> {
        self.leave_with_status(None).await
    }

    /// Leaves with a status text ("gone fishing") and waits.
    pub async fn leave_with_status(&self, status: Option<&str>) -> Result<()> {
        let r = self.jid();
        let status = status.map(str::to_owned);
        let resp = self
            .service
            .request(self.target(), move |router, now| {
                router.leave(&r, status, now)
            })
            .await;
        match resp {
            Ok(resp) => done(resp),
            // The room was already gone: that is what we wanted.
            Err(Error::Usage(muc_core::UsageError::NotJoined(_))) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Sends a groupchat message (untracked).
    pub async fn send_message(&self, content: impl Into<MessageContent>) -> Result<()> {
        let r = self.jid();
        let m = content.into().into_message();
        self.service
            .act(self.target(), move |router, _| router.send_message(&r, m))
            .await
    }

    /// Sends a groupchat message and tracks it until the room reflects it
    /// (seed: `send_tracked_message`). `timeout` ends the tracking
    /// ([`TrackerState::TimedOut`](crate::TrackerState::TimedOut)) if no
    /// reflection comes; `None` tracks until the room is left. The seed's
    /// default is [`DEFAULT_TRACKING_TIMEOUT`](crate::DEFAULT_TRACKING_TIMEOUT).
    pub async fn send_tracked_message(
        &self,
        content: impl Into<MessageContent>,
        timeout: Option<Duration>,
    ) -> Result<MessageTracker> {
        let (tx, rx) = oneshot::channel();
        self.service.send(Command::Track {
            room: self.shared().clone(),
            message: Box::new(content.into().into_message()),
            timeout,
            reply: tx,
        })?;
        rx.await.map_err(|_| Error::Closed)?
    }

    // ----- beyond the seed -----

    /// Changes our nick; completes with the nick the room gave us, or
    /// fails with its refusal (`conflict` when taken, `not-acceptable` ...).
    pub async fn set_nick(&self, nick: &str) -> Result<String> {
        let r = self.jid();
        let nick = nick.to_owned();
        match self
            .service
            .request(self.target(), move |router, now| {
                router.set_nick(&r, &nick, now)
            })
            .await?
        {
            Response::NickChanged(n) => Ok(n),
            other => Err(unexpected(&other)),
        }
    }

    /// Sets our show and status text in the room (kept for rejoins).
    pub async fn set_presence(&self, show: Option<Show>, status: Option<&str>) -> Result<()> {
        let r = self.jid();
        let status = status.map(str::to_owned);
        self.service
            .act(self.target(), move |router, _| {
                router.set_presence(&r, show, status)
            })
            .await
    }

    /// Sends a private message to the occupant `nick` through the room.
    pub async fn send_private_message(
        &self,
        nick: &str,
        content: impl Into<MessageContent>,
    ) -> Result<()> {
        let r = self.jid();
        let nick = nick.to_owned();
        let m = content.into().into_message();
        self.service
            .act(self.target(), move |router, _| {
                router.send_private_message(&r, &nick, m)
            })
            .await
    }

    /// Invites `invitee` through the room (mediated, XEP-0045 §7.8.2).
    pub async fn invite(&self, invitee: impl IntoJid, reason: Option<&str>) -> Result<()> {
        let r = self.jid();
        let invitee: Jid = invitee.into_jid()?;
        let reason = reason.map(str::to_owned);
        self.service
            .act(self.target(), move |router, _| {
                router.invite(&r, vec![invitee], reason, InviteMode::Mediated)
            })
            .await
    }

    /// Invites `invitee` directly (XEP-0249), with the room password if
    /// we have one.
    pub fn invite_direct(&self, invitee: impl IntoJid, reason: Option<&str>) -> Result<()> {
        self.service.invite_direct(self.jid(), invitee, reason)
    }

    /// Asks the moderators for voice (XEP-0045 §7.13).
    pub async fn request_voice(&self) -> Result<()> {
        let r = self.jid();
        self.service
            .act(self.target(), move |router, _| router.request_voice(&r))
            .await
    }

    /// Answers a voice request from
    /// [`RoomEvent::VoiceRequest`](crate::RoomEvent::VoiceRequest).
    pub async fn answer_voice_request(&self, request: VoiceRequest, allow: bool) -> Result<()> {
        let r = self.jid();
        self.service
            .act(self.target(), move |router, _| {
                router.answer_voice_request(&r, request, allow)
            })
            .await
    }

    /// Accepts the default configuration of a room we just created
    /// (instant room, XEP-0045 §10.1.2).
    pub async fn create_instant(&self) -> Result<()> {
        let r = self.jid();
        done(
            self.service
                .request(self.target(), move |router, now| {
                    Ok(router.create_instant(&r, now))
                })
                .await?,
        )
    }

    /// Cancels the initial configuration of a room we just created (the
    /// room is destroyed, XEP-0045 §10.1.3).
    pub async fn cancel_config(&self) -> Result<()> {
        let r = self.jid();
        done(
            self.service
                .request(self.target(), move |router, now| {
                    Ok(router.cancel_config(&r, now))
                })
                .await?,
        )
    }

    /// Fetches the configuration form (owners; also to create a reserved
    /// room, XEP-0045 §10.1.3).
    pub async fn get_config(&self) -> Result<RoomConfig> {
        self.service.get_room_config(self.jid()).await
    }

    /// Submits a configuration.
    pub async fn set_config(&self, config: &RoomConfig) -> Result<()> {
        self.service.set_room_config(self.jid(), config).await
    }

    /// Destroys the room (owners); everyone, us included, gets
    /// [`RoomEvent::Exit`](crate::RoomEvent::Exit) with the destruction.
    pub async fn destroy(&self, how: Destruction) -> Result<()> {
        self.service.destroy_room(self.jid(), how).await
    }

    /// Lists everyone with `affiliation` (members, admins, owners, outcasts).
    pub async fn affiliation_list(&self, affiliation: Affiliation) -> Result<Vec<AdminItem>> {
        self.service.affiliation_list(self.jid(), affiliation).await
    }

    /// Lists everyone with `role` (moderators, participants = the voice list).
    pub async fn role_list(&self, role: Role) -> Result<Vec<AdminItem>> {
        let r = self.jid();
        items(
            self.service
                .request(self.target(), move |router, now| {
                    Ok(router.role_list(&r, role, now))
                })
                .await?,
        )
    }

    /// Applies affiliation changes in one request (items with `jid` and
    /// `affiliation`).
    pub async fn modify_affiliations(&self, items: Vec<AdminItem>) -> Result<()> {
        self.service.modify_affiliations(self.jid(), items).await
    }

    /// Applies role changes in one request (items with `nick` and `role`).
    pub async fn modify_roles(&self, items: Vec<AdminItem>) -> Result<()> {
        let r = self.jid();
        done(
            self.service
                .request(self.target(), move |router, now| {
                    Ok(router.modify_roles(&r, items, now))
                })
                .await?,
        )
    }

    /// Fetches the registration form (XEP-0045 §7.10).
    pub async fn registration_form(&self) -> Result<Registration> {
        self.service.registration_form(self.jid()).await
    }

    /// Registers with the room.
    pub async fn register(&self, form: &RegistrationForm) -> Result<()> {
        self.service.register(self.jid(), form).await
    }

    /// Our reserved nick here, if any (XEP-0045 §7.12).
    pub async fn reserved_nick(&self) -> Result<Option<String>> {
        self.service.reserved_nick(self.jid()).await
    }

    /// Asks the room for its disco#info (name, features, `muc#roominfo`).
    pub async fn room_info(&self) -> Result<RoomDescription> {
        self.service.room_info(self.jid()).await
    }
}
