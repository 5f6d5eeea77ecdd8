//! `jabber:x:conference`: direct invitations (XEP-0249).

use jid::BareJid;
use xmpp_parsers::message::MessagePayload;
use xso::{AsXml, FromXml};

use crate::codec::{Opt, Req, XsdBool};
use crate::ns;

/// `<x xmlns='jabber:x:conference' jid='room@service'/>`: an invitation sent
/// straight to the invitee instead of through the room.
///
/// Text content (where XEP-0045 1.19 put the reason) is accepted and ignored.
///
/// ```
/// use muc_xso::DirectInvite;
/// let invite = DirectInvite::new("darkcave@macbeth.shakespeare.lit".parse().unwrap())
///     .with_reason("Hey Hecate, this is the place for all good witches!")
///     .with_password("cauldronburn");
/// let el = minidom::Element::from(invite.clone());
/// assert_eq!(DirectInvite::try_from(el).unwrap(), invite);
/// ```
#[derive(FromXml, AsXml, Clone, PartialEq, Eq)]
#[xml(namespace = ns::CONFERENCE, name = "x", on_unknown_attribute = Discard, on_unknown_child = Discard, discard(text))]
pub struct DirectInvite {
    /// Whether this continues a one-to-one chat.
    #[xml(attribute(default, name = "continue", codec = Opt { element: "x", attribute: "continue" }))]
    continue_: Option<XsdBool>,
    /// The room.
    #[xml(attribute(codec = Req { element: "x", attribute: "jid" }))]
    pub jid: BareJid,
    /// The room password.
    #[xml(attribute(default))]
    pub password: Option<String>,
    /// Why.
    #[xml(attribute(default))]
    pub reason: Option<String>,
    /// The ThreadID of the one-to-one chat being continued.
    #[xml(attribute(default))]
    pub thread: Option<String>,
}

impl DirectInvite {
    /// An invitation to `room`.
    pub fn new(room: BareJid) -> DirectInvite {
        DirectInvite {
            continue_: None,
            jid: room,
            password: None,
            reason: None,
            thread: None,
        }
    }

    /// Whether the invitation continues a one-to-one chat (`continue`).
    pub fn continues(&self) -> bool {
        self.continue_.is_some_and(|c| c.value)
    }

    /// Mark the invitation as continuing the one-to-one chat `thread`.
    pub fn with_continue(mut self, thread: impl Into<String>) -> DirectInvite {
        self.continue_ = Some(XsdBool {
            value: true,
            numeric: false,
        });
        self.thread = Some(thread.into());
        self
    }

    /// Set the room password.
    pub fn with_password(mut self, password: impl Into<String>) -> DirectInvite {
        self.password = Some(password.into());
        self
    }

    /// Set the reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> DirectInvite {
        self.reason = Some(reason.into());
        self
    }
}

impl MessagePayload for DirectInvite {}

impl std::fmt::Debug for DirectInvite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectInvite")
            .field("jid", &self.jid)
            .field("continue", &self.continues())
            .field("password", &crate::redact::secret(&self.password))
            .field("reason", &self.reason)
            .field("thread", &self.thread)
            .finish()
    }
}
