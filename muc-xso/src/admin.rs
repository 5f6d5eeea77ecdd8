//! `http://jabber.org/protocol/muc#admin`: roles and affiliations (XEP-0045 §8–§10).

use jid::Jid;
use minidom::Element;
use xmpp_parsers::iq::{IqGetPayload, IqResultPayload, IqSetPayload};
use xso::{AsXml, FromXml};

use crate::affiliation::{Affiliation, Role};
use crate::codec::Opt;
use crate::ns;
use crate::user::Continue;

/// `<actor/>` in `muc#admin`.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Eq, Default)]
#[xml(namespace = ns::MUC_ADMIN, name = "actor", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct AdminActor {
    /// The actor's real JID.
    #[xml(attribute(default, codec = Opt { element: "actor", attribute: "jid" }))]
    pub jid: Option<Jid>,
    /// The actor's nickname.
    #[xml(attribute(default))]
    pub nick: Option<String>,
}

/// `<item/>` in `muc#admin`: one change request or one list entry.
///
/// §8.5 and §9.2–§10.8 say which attributes each request carries: role
/// changes go by `nick`, affiliation changes by bare `jid`.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Default)]
#[xml(namespace = ns::MUC_ADMIN, name = "item", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct AdminItem {
    /// The affiliation to set, or to list.
    #[xml(attribute(default, codec = Opt { element: "item", attribute: "affiliation" }))]
    pub affiliation: Option<Affiliation>,
    /// The (bare) JID whose affiliation changes.
    #[xml(attribute(default, codec = Opt { element: "item", attribute: "jid" }))]
    pub jid: Option<Jid>,
    /// The nickname whose role changes.
    #[xml(attribute(default))]
    pub nick: Option<String>,
    /// The role to set, or to list.
    #[xml(attribute(default, codec = Opt { element: "item", attribute: "role" }))]
    pub role: Option<Role>,
    /// Who made the change (in list results).
    #[xml(child(default))]
    pub actor: Option<AdminActor>,
    /// Why.
    #[xml(extract(default, name = "reason", fields(text(type_ = String))))]
    pub reason: Option<String>,
    /// A thread being continued (allowed by aioxmpp; unused by XEP-0045).
    #[xml(child(default))]
    pub continue_: Option<Continue>,
}

impl AdminItem {
    /// Change the role of the occupant with this nickname (kick = `Role::None`).
    pub fn role(nick: impl Into<String>, role: Role) -> AdminItem {
        AdminItem {
            nick: Some(nick.into()),
            role: Some(role),
            ..AdminItem::default()
        }
    }

    /// Change the affiliation of this JID (ban = `Affiliation::Outcast`).
    pub fn affiliation(jid: impl Into<Jid>, affiliation: Affiliation) -> AdminItem {
        AdminItem {
            jid: Some(jid.into()),
            affiliation: Some(affiliation),
            ..AdminItem::default()
        }
    }

    /// The query item that lists everyone with this affiliation.
    pub fn list_affiliation(affiliation: Affiliation) -> AdminItem {
        AdminItem {
            affiliation: Some(affiliation),
            ..AdminItem::default()
        }
    }

    /// The query item that lists everyone with this role.
    pub fn list_role(role: Role) -> AdminItem {
        AdminItem {
            role: Some(role),
            ..AdminItem::default()
        }
    }

    /// Set the reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> AdminItem {
        self.reason = Some(reason.into());
        self
    }
}

/// `<query xmlns='http://jabber.org/protocol/muc#admin'/>`: an IQ payload
/// that changes roles and affiliations (set) or lists them (get, result).
///
/// ```
/// use muc_xso::{AdminQuery, AdminItem, Role};
/// let kick = AdminQuery::new(vec![AdminItem::role("pistol", Role::None).with_reason("Avaunt, you cullion!")]);
/// let el = minidom::Element::from(kick);
/// assert_eq!(el.ns(), "http://jabber.org/protocol/muc#admin");
/// ```
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Default)]
#[xml(namespace = ns::MUC_ADMIN, name = "query", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct AdminQuery {
    /// The items.
    #[xml(child(n = ..))]
    pub items: Vec<AdminItem>,
    /// Children this crate does not know, kept so nothing is lost.
    #[xml(element(n = ..))]
    pub extra: Vec<Element>,
}

impl AdminQuery {
    /// A query holding these items.
    pub fn new(items: Vec<AdminItem>) -> AdminQuery {
        AdminQuery {
            items,
            extra: Vec::new(),
        }
    }
}

impl IqGetPayload for AdminQuery {}
impl IqSetPayload for AdminQuery {}
impl IqResultPayload for AdminQuery {}
