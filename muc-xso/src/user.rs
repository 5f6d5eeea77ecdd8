//! `http://jabber.org/protocol/muc#user`: what a room tells its occupants.

use jid::Jid;
use minidom::Element;
use xmpp_parsers::message::MessagePayload;
use xmpp_parsers::presence::PresencePayload;
use xso::{AsXml, FromXml};

use crate::affiliation::{Affiliation, Role};
use crate::codec::Opt;
use crate::ns;
use crate::status::{Status, StatusCode};

/// `<actor/>`: who caused a kick, ban or role/affiliation change.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Eq, Default)]
#[xml(namespace = ns::MUC_USER, name = "actor", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct UserActor {
    /// The actor's real JID (only shown where the room reveals it).
    #[xml(attribute(default, codec = Opt { element: "actor", attribute: "jid" }))]
    pub jid: Option<Jid>,
    /// The actor's nickname in the room.
    #[xml(attribute(default))]
    pub nick: Option<String>,
}

/// `<continue/>`: the thread a room continues (XEP-0045 §7.9).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Eq, Default)]
#[xml(namespace = ns::MUC_USER, name = "continue", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct Continue {
    /// The ThreadID of the one-to-one chat being continued.
    #[xml(attribute(default))]
    pub thread: Option<String>,
}

/// `<item/>` in `muc#user`: an occupant's affiliation, role, real JID and nick.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Default)]
#[xml(namespace = ns::MUC_USER, name = "item", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct UserItem {
    /// The occupant's affiliation.
    #[xml(attribute(default, codec = Opt { element: "item", attribute: "affiliation" }))]
    pub affiliation: Option<Affiliation>,
    /// The occupant's real JID, where the room reveals it.
    #[xml(attribute(default, codec = Opt { element: "item", attribute: "jid" }))]
    pub jid: Option<Jid>,
    /// A nickname: the new one in a 303 nick change.
    #[xml(attribute(default))]
    pub nick: Option<String>,
    /// The occupant's role.
    #[xml(attribute(default, codec = Opt { element: "item", attribute: "role" }))]
    pub role: Option<Role>,
    /// Who caused the change (boxed: rare, and an item is moved on every
    /// presence).
    #[xml(child(default))]
    pub actor: Option<Box<UserActor>>,
    /// Why.
    #[xml(extract(default, name = "reason", fields(text(type_ = String))))]
    pub reason: Option<String>,
    /// The thread being continued (boxed: rare).
    #[xml(child(default))]
    pub continue_: Option<Box<Continue>>,
}

impl UserItem {
    /// An item with an affiliation and a role.
    pub fn new(affiliation: Affiliation, role: Role) -> UserItem {
        UserItem {
            affiliation: Some(affiliation),
            role: Some(role),
            ..UserItem::default()
        }
    }

    /// Set the real JID.
    pub fn with_jid(mut self, jid: impl Into<Jid>) -> UserItem {
        self.jid = Some(jid.into());
        self
    }

    /// Set the nickname.
    pub fn with_nick(mut self, nick: impl Into<String>) -> UserItem {
        self.nick = Some(nick.into());
        self
    }

    /// Set the actor.
    pub fn with_actor(mut self, actor: UserActor) -> UserItem {
        self.actor = Some(Box::new(actor));
        self
    }

    /// Set the reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> UserItem {
        self.reason = Some(reason.into());
        self
    }

    /// The real JID without its resource.
    pub fn bare_jid(&self) -> Option<jid::BareJid> {
        self.jid.as_ref().map(|j| j.to_bare())
    }
}

/// `<invite/>`: a mediated invitation (XEP-0045 §7.8.2).
///
/// Sent to the room with `to`; delivered by the room with `from`.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Eq, Default)]
#[xml(namespace = ns::MUC_USER, name = "invite", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct Invite {
    /// The inviter, as the room reports it (easily spoofed: see §7.8.2).
    #[xml(attribute(default, codec = Opt { element: "invite", attribute: "from" }))]
    pub from: Option<Jid>,
    /// The invitee.
    #[xml(attribute(default, codec = Opt { element: "invite", attribute: "to" }))]
    pub to: Option<Jid>,
    /// Why.
    #[xml(extract(default, name = "reason", fields(text(type_ = String))))]
    pub reason: Option<String>,
    /// The thread being continued (XEP-0045 Ex. 63/64 put it here although
    /// the schema of §19.2 does not).
    #[xml(child(default))]
    pub continue_: Option<Continue>,
}

impl Invite {
    /// An invitation for `to`, as sent to the room.
    pub fn to(to: impl Into<Jid>) -> Invite {
        Invite {
            to: Some(to.into()),
            ..Invite::default()
        }
    }

    /// Set the reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Invite {
        self.reason = Some(reason.into());
        self
    }
}

/// `<decline/>`: an invitee turns an invitation down (XEP-0045 §7.8.2).
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Eq, Default)]
#[xml(namespace = ns::MUC_USER, name = "decline", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct Decline {
    /// The invitee, as the room reports it.
    #[xml(attribute(default, codec = Opt { element: "decline", attribute: "from" }))]
    pub from: Option<Jid>,
    /// The inviter the decline goes to.
    #[xml(attribute(default, codec = Opt { element: "decline", attribute: "to" }))]
    pub to: Option<Jid>,
    /// Why.
    #[xml(extract(default, name = "reason", fields(text(type_ = String))))]
    pub reason: Option<String>,
}

impl Decline {
    /// A decline addressed to the inviter `to`.
    pub fn to(to: impl Into<Jid>) -> Decline {
        Decline {
            to: Some(to.into()),
            ..Decline::default()
        }
    }

    /// Set the reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Decline {
        self.reason = Some(reason.into());
        self
    }
}

/// `<destroy/>` in `muc#user`: the room was destroyed (XEP-0045 §10.9).
#[derive(FromXml, AsXml, Clone, PartialEq, Eq, Default)]
#[xml(namespace = ns::MUC_USER, name = "destroy", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct DestroyNotification {
    /// The alternate venue, if the owner named one.
    #[xml(attribute(default, codec = Opt { element: "destroy", attribute: "jid" }))]
    pub jid: Option<Jid>,
    /// Why the room was destroyed.
    #[xml(extract(default, name = "reason", fields(text(type_ = String))))]
    pub reason: Option<String>,
    /// The password of the alternate venue.
    #[xml(extract(default, name = "password", fields(text(type_ = String))))]
    pub password: Option<String>,
}

/// One child of a `muc#user` `<x/>`, in document order.
#[derive(FromXml, AsXml, Clone, PartialEq)]
#[xml()]
pub enum UserChild {
    /// `<status/>`.
    #[xml(transparent)]
    Status(Status),
    /// `<item/>`.
    #[xml(transparent)]
    Item(UserItem),
    /// `<invite/>`.
    #[xml(transparent)]
    Invite(Invite),
    /// `<decline/>`.
    #[xml(transparent)]
    Decline(Decline),
    /// `<destroy/>`.
    #[xml(transparent)]
    Destroy(DestroyNotification),
    /// `<password/>`: the room password, sent along with an invitation.
    #[xml(namespace = ns::MUC_USER, name = "password", on_unknown_attribute = Discard, on_unknown_child = Discard)]
    Password(#[xml(text)] String),
}

/// `<x xmlns='http://jabber.org/protocol/muc#user'/>`: what a room says about
/// an occupant (presence), an invitation or decline, a destruction, or a
/// configuration change (message).
///
/// The children are kept in document order, so what was parsed serializes
/// back to the same tree; the accessors give the seed's view (`status_codes`,
/// `items`, `invites`, `destroy`, `decline`, `password`).
///
/// ```
/// use muc_xso::{UserExt, StatusCode, Affiliation, Role};
/// let x: UserExt = "<x xmlns='http://jabber.org/protocol/muc#user'>\
///     <item affiliation='owner' role='moderator'/><status code='110'/><status code='201'/></x>"
///     .parse::<minidom::Element>().unwrap().try_into().unwrap();
/// assert!(x.has_status(StatusCode::SELF_PRESENCE));
/// assert_eq!(x.item().and_then(|i| i.affiliation), Some(Affiliation::Owner));
/// assert_eq!(x.item().and_then(|i| i.role), Some(Role::Moderator));
/// ```
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Default)]
#[xml(namespace = ns::MUC_USER, name = "x", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct UserExt {
    /// The MUC children, in document order.
    #[xml(child(n = ..))]
    pub children: Vec<UserChild>,
    /// Children in other namespaces, kept so nothing is lost (they are
    /// written after the MUC children).
    #[xml(element(n = ..))]
    pub extra: Vec<Element>,
}

impl UserExt {
    /// An empty `<x/>` (the hint clients put on private messages, §7.5).
    pub fn new() -> UserExt {
        UserExt::default()
    }

    /// The status codes, in document order (duplicates kept).
    pub fn status_codes(&self) -> impl Iterator<Item = StatusCode> + '_ {
        self.children.iter().filter_map(|c| match c {
            UserChild::Status(s) => Some(s.code),
            _ => None,
        })
    }

    /// Whether the given status code is present.
    pub fn has_status(&self, code: StatusCode) -> bool {
        self.status_codes().any(|c| c == code)
    }

    /// The items (one on presence; several are allowed in messages).
    pub fn items(&self) -> impl Iterator<Item = &UserItem> + '_ {
        self.children.iter().filter_map(|c| match c {
            UserChild::Item(i) => Some(i),
            _ => None,
        })
    }

    /// The first item, which is the one that describes a presence's occupant.
    pub fn item(&self) -> Option<&UserItem> {
        self.items().next()
    }

    /// The invitations (XEP-0045 §16.7.2 allows several in one message).
    pub fn invites(&self) -> impl Iterator<Item = &Invite> + '_ {
        self.children.iter().filter_map(|c| match c {
            UserChild::Invite(i) => Some(i),
            _ => None,
        })
    }

    /// The decline, if any.
    pub fn decline(&self) -> Option<&Decline> {
        self.children.iter().find_map(|c| match c {
            UserChild::Decline(d) => Some(d),
            _ => None,
        })
    }

    /// The destruction notice, if any.
    pub fn destroy(&self) -> Option<&DestroyNotification> {
        self.children.iter().find_map(|c| match c {
            UserChild::Destroy(d) => Some(d),
            _ => None,
        })
    }

    /// The room password (sent beside an invitation), if any.
    pub fn password(&self) -> Option<&str> {
        self.children.iter().find_map(|c| match c {
            UserChild::Password(p) => Some(p.as_str()),
            _ => None,
        })
    }

    /// Append a status code.
    pub fn with_status(mut self, code: impl Into<StatusCode>) -> UserExt {
        self.children.push(UserChild::Status(Status::new(code)));
        self
    }

    /// Append an item.
    pub fn with_item(mut self, item: UserItem) -> UserExt {
        self.children.push(UserChild::Item(item));
        self
    }

    /// Append an invitation.
    pub fn with_invite(mut self, invite: Invite) -> UserExt {
        self.children.push(UserChild::Invite(invite));
        self
    }

    /// Append a decline.
    pub fn with_decline(mut self, decline: Decline) -> UserExt {
        self.children.push(UserChild::Decline(decline));
        self
    }

    /// Append a destruction notice.
    pub fn with_destroy(mut self, destroy: DestroyNotification) -> UserExt {
        self.children.push(UserChild::Destroy(destroy));
        self
    }

    /// Append a password.
    pub fn with_password(mut self, password: impl Into<String>) -> UserExt {
        self.children.push(UserChild::Password(password.into()));
        self
    }
}

impl PresencePayload for UserExt {}
impl MessagePayload for UserExt {}

impl std::fmt::Debug for DestroyNotification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DestroyNotification")
            .field("jid", &self.jid)
            .field("reason", &self.reason)
            .field("password", &crate::redact::secret(&self.password))
            .finish()
    }
}

impl std::fmt::Debug for UserChild {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserChild::Status(s) => f.debug_tuple("Status").field(s).finish(),
            UserChild::Item(i) => f.debug_tuple("Item").field(i).finish(),
            UserChild::Invite(i) => f.debug_tuple("Invite").field(i).finish(),
            UserChild::Decline(d) => f.debug_tuple("Decline").field(d).finish(),
            UserChild::Destroy(d) => f.debug_tuple("Destroy").field(d).finish(),
            UserChild::Password(_) => f.write_str("Password(***)"),
        }
    }
}
