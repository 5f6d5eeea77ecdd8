//! XML namespaces and well-known names used by Multi-User Chat.
//!
//! The names `xmpp-parsers` already defines are its constants under the
//! names this crate uses; the rest are defined here.

/// `http://jabber.org/protocol/muc`: the join request (`<x/>` in presence).
pub const MUC: &str = xmpp_parsers::ns::MUC;
/// `http://jabber.org/protocol/muc#user`: room-to-occupant information.
pub const MUC_USER: &str = xmpp_parsers::ns::MUC_USER;
/// `http://jabber.org/protocol/muc#admin`: roles and affiliations.
pub const MUC_ADMIN: &str = "http://jabber.org/protocol/muc#admin";
/// `http://jabber.org/protocol/muc#owner`: configuration and destruction.
pub const MUC_OWNER: &str = "http://jabber.org/protocol/muc#owner";
/// `jabber:x:conference`: direct invitations (XEP-0249).
pub const CONFERENCE: &str = "jabber:x:conference";

/// FORM_TYPE of the room configuration form (XEP-0045 §15.5.3).
pub const ROOMCONFIG: &str = "http://jabber.org/protocol/muc#roomconfig";
/// FORM_TYPE of the room information form in disco#info (XEP-0045 §15.5.4).
pub const ROOMINFO: &str = "http://jabber.org/protocol/muc#roominfo";
/// FORM_TYPE of voice requests and their approval (XEP-0045 §15.5.2).
pub const REQUEST: &str = "http://jabber.org/protocol/muc#request";
/// FORM_TYPE of room registration (XEP-0045 §15.5.1).
pub const REGISTER: &str = "http://jabber.org/protocol/muc#register";

/// Disco feature: the room reflects the original message `id` (stable ids).
pub const STABLE_ID: &str = "http://jabber.org/protocol/muc#stable_id";
/// Disco feature: the room answers self-pings itself (XEP-0410).
pub const SELF_PING_OPTIMIZATION: &str = "http://jabber.org/protocol/muc#self-ping-optimization";
/// Disco feature: the room stamps occupant ids (XEP-0421).
pub const OCCUPANT_ID: &str = xmpp_parsers::ns::OID;
/// Disco node that lists the rooms an entity is in (XEP-0045 §6.7).
pub const ROOMS_NODE: &str = "http://jabber.org/protocol/muc#rooms";
/// Disco node that reveals a user's reserved nickname (XEP-0045 §7.12).
pub const ROOMUSER_ITEM_NODE: &str = "x-roomuser-item";
/// Disco node that lists the namespaces a room lets through (XEP-0045 §18.1.1).
pub const TRAFFIC_NODE: &str = "http://jabber.org/protocol/muc#traffic";
