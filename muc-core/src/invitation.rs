//! Invitations to rooms: mediated (through the room, XEP-0045 §7.8.2) and
//! direct (XEP-0249).

use jid::{BareJid, Jid};

/// How an invitation travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InviteMode {
    /// Sent through the room (`muc#user` `<invite/>`).
    Mediated,
    /// Sent straight to the invitee (XEP-0249 `jabber:x:conference`).
    Direct,
}

/// An invitation to a room, joined or not.
#[derive(Clone, PartialEq)]
pub struct Invitation {
    /// The room.
    pub room: BareJid,
    /// Who invites: for a mediated invitation the room's word for it (easy
    /// to spoof, §7.8.2); for a direct one the sender of the message.
    pub inviter: Option<Jid>,
    /// How it came.
    pub mode: InviteMode,
    /// Why.
    pub reason: Option<String>,
    /// The room password, if the inviter gave it.
    pub password: Option<String>,
    /// The thread of a one-to-one chat this continues, if any.
    pub thread: Option<String>,
    /// Whether it continues a one-to-one chat.
    pub continues: bool,
}

impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("room", &self.room)
            .field("inviter", &self.inviter)
            .field("mode", &self.mode)
            .field("reason", &self.reason)
            .field("password", &crate::secret::redacted(&self.password))
            .field("thread", &self.thread)
            .field("continues", &self.continues)
            .finish()
    }
}
