//! Requests to rooms and services: the stanzas to send and how to read the
//! answers.

use jid::{BareJid, Jid};
use minidom::Element;
use muc_xso::forms::{RegistrationForm, RoomConfig, RoomFeatures, RoomInfo};
use muc_xso::{AdminItem, AdminQuery, Affiliation, OwnerQuery, Payload, Role, ns};
use xmpp_parsers::data_forms::DataForm;
use xmpp_parsers::disco::{
    DiscoInfoQuery, DiscoInfoResult, DiscoItemsQuery, DiscoItemsResult, Item as DiscoItem,
};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::ns as xmpp_ns;

use crate::error::RequestError;

/// Identifies a request; the answer comes as [`Event::Request`](crate::Event::Request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub(crate) u64);

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Response {
    /// The change was made (role, affiliation, configuration, destroy,
    /// registration, subject, presence ...).
    Done,
    /// The items of an affiliation or role list.
    Items(Vec<AdminItem>),
    /// The room configuration form.
    Config(RoomConfig),
    /// The registration form (or, if already registered, the current data).
    Registration {
        /// The form, when the room sent one.
        form: Option<RegistrationForm>,
        /// Whether the user is already registered (`<registered/>`).
        registered: bool,
    },
    /// What disco#info says about a room.
    RoomInfo(Box<RoomDescription>),
    /// The rooms (or items) of a service.
    DiscoItems(Vec<DiscoItem>),
    /// The reserved nickname, if any (XEP-0045 §7.12).
    ReservedNick(Option<String>),
    /// Our nick is now this (the room may have changed what we asked for).
    NickChanged(String),
    /// We left the room.
    Left,
}

/// A room as disco#info describes it.
#[derive(Debug, Clone)]
pub struct RoomDescription {
    /// The room's name (the `conference` identity's name).
    pub name: Option<String>,
    /// The room's features (members-only, moderated, ...).
    pub features: RoomFeatures,
    /// The `muc#roominfo` form, if the room sent one.
    pub info: Option<RoomInfo>,
    /// The whole answer.
    pub raw: DiscoInfoResult,
}

impl PartialEq for RoomDescription {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.features == other.features && self.info == other.info
    }
}

/// What was asked, so the answer can be read.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Ack,
    AdminList,
    GetConfig,
    GetRegistration,
    RoomInfo,
    DiscoItems,
    ReservedNick,
}

pub(crate) fn iq_get(to: Jid, id: String, payload: impl Into<Element>) -> Iq {
    Iq::Get {
        from: None,
        to: Some(to),
        id,
        payload: payload.into(),
    }
}

pub(crate) fn iq_set(to: Jid, id: String, payload: impl Into<Element>) -> Iq {
    Iq::Set {
        from: None,
        to: Some(to),
        id,
        payload: payload.into(),
    }
}

pub(crate) fn admin_set(room: &BareJid, id: String, items: Vec<AdminItem>) -> (Iq, Kind) {
    (
        iq_set(room.clone().into(), id, AdminQuery::new(items)),
        Kind::Ack,
    )
}

pub(crate) fn admin_list(room: &BareJid, id: String, item: AdminItem) -> (Iq, Kind) {
    (
        iq_get(room.clone().into(), id, AdminQuery::new(vec![item])),
        Kind::AdminList,
    )
}

pub(crate) fn list_affiliation(room: &BareJid, id: String, a: Affiliation) -> (Iq, Kind) {
    admin_list(room, id, AdminItem::list_affiliation(a))
}

pub(crate) fn list_role(room: &BareJid, id: String, r: Role) -> (Iq, Kind) {
    admin_list(room, id, AdminItem::list_role(r))
}

pub(crate) fn owner(room: &BareJid, id: String, q: OwnerQuery, get: bool) -> (Iq, Kind) {
    if get {
        (iq_get(room.clone().into(), id, q), Kind::GetConfig)
    } else {
        (iq_set(room.clone().into(), id, q), Kind::Ack)
    }
}

pub(crate) fn registration_get(room: &BareJid, id: String) -> (Iq, Kind) {
    let q = Element::builder("query", xmpp_ns::REGISTER).build();
    (iq_get(room.clone().into(), id, q), Kind::GetRegistration)
}

pub(crate) fn registration_set(room: &BareJid, id: String, form: DataForm) -> (Iq, Kind) {
    let q = Element::builder("query", xmpp_ns::REGISTER)
        .append(Element::from(form))
        .build();
    (iq_set(room.clone().into(), id, q), Kind::Ack)
}

pub(crate) fn disco_info(to: Jid, id: String, node: Option<String>) -> (Iq, Kind) {
    let kind = if node.as_deref() == Some(ns::ROOMUSER_ITEM_NODE) {
        Kind::ReservedNick
    } else {
        Kind::RoomInfo
    };
    (iq_get(to, id, DiscoInfoQuery { node }), kind)
}

pub(crate) fn disco_items(to: Jid, id: String, node: Option<String>) -> (Iq, Kind) {
    (
        iq_get(to, id, DiscoItemsQuery { node, rsm: None }),
        Kind::DiscoItems,
    )
}

/// Reads the answer to a request of `kind`.
pub(crate) fn read_answer(kind: &Kind, payload: Option<Element>) -> Result<Response, RequestError> {
    let bad =
        |what: &str, e: &dyn std::fmt::Display| RequestError::BadResponse(format!("{what}: {e}"));
    match kind {
        Kind::Ack => Ok(Response::Done),
        Kind::AdminList => {
            let el =
                payload.ok_or_else(|| RequestError::BadResponse("empty list result".into()))?;
            let q = AdminQuery::decode(el).map_err(|e| bad("admin list", &e))?;
            Ok(Response::Items(q.items))
        }
        Kind::GetConfig => {
            let el = payload
                .ok_or_else(|| RequestError::BadResponse("empty configuration result".into()))?;
            let q = OwnerQuery::decode(el).map_err(|e| bad("owner query", &e))?;
            let form = q.form.ok_or_else(|| {
                RequestError::BadResponse("no form in the configuration result".into())
            })?;
            Ok(Response::Config(
                RoomConfig::from_form(form).map_err(|e| bad("configuration form", &e))?,
            ))
        }
        Kind::GetRegistration => {
            let el = payload
                .ok_or_else(|| RequestError::BadResponse("empty registration result".into()))?;
            let registered = el.get_child("registered", xmpp_ns::REGISTER).is_some();
            let form = el
                .get_child("x", xmpp_ns::DATA_FORMS)
                .and_then(|x| DataForm::try_from(x.clone()).ok())
                .and_then(|f| RegistrationForm::from_form(f).ok());
            Ok(Response::Registration { form, registered })
        }
        Kind::RoomInfo => {
            let el = payload
                .ok_or_else(|| RequestError::BadResponse("empty disco#info result".into()))?;
            let raw = DiscoInfoResult::try_from(el).map_err(|e| bad("disco#info", &e))?;
            let name = raw
                .identities
                .iter()
                .find(|i| i.category == "conference")
                .and_then(|i| i.name.clone());
            Ok(Response::RoomInfo(Box::new(RoomDescription {
                name,
                features: RoomFeatures::from_disco(&raw),
                info: RoomInfo::from_disco(&raw),
                raw,
            })))
        }
        Kind::ReservedNick => {
            // §7.12: the nick is the name of the identity; none means none.
            // An answer for another node (a server that ignores the node
            // describes the room itself) names no reserved nick.
            let nick = payload
                .and_then(|el| DiscoInfoResult::try_from(el).ok())
                .filter(|r| r.node.as_deref() == Some(ns::ROOMUSER_ITEM_NODE))
                .and_then(|r| r.identities.into_iter().find_map(|i| i.name))
                .filter(|n| !n.is_empty());
            Ok(Response::ReservedNick(nick))
        }
        Kind::DiscoItems => {
            let el = payload
                .ok_or_else(|| RequestError::BadResponse("empty disco#items result".into()))?;
            let r = DiscoItemsResult::try_from(el).map_err(|e| bad("disco#items", &e))?;
            Ok(Response::DiscoItems(r.items))
        }
    }
}
