//! IQ requests to rooms and services (joined or not), with deadlines.

use std::time::Instant;

use jid::{BareJid, Jid};
use muc_xso::{AdminItem, Affiliation, DestroyRequest, OwnerQuery, Role};
use xmpp_parsers::data_forms::DataForm;
use xmpp_parsers::iq::Iq;
use xmpp_parsers::stanza::Stanza;

use crate::error::RequestError;
use crate::event::Event;
use crate::requests::{self, Kind, RequestId};
use crate::room::Transmit;

use super::{After, PendingIq, Router, iq_payload};

impl Router {
    // ----- IQ requests (joined or not) -----

    pub(super) fn iq_request(
        &mut self,
        build: impl FnOnce(String) -> (Iq, Kind),
        now: Instant,
    ) -> RequestId {
        self.iq_request_then(build, After::Nothing, now)
    }

    pub(super) fn iq_request_then(
        &mut self,
        build: impl FnOnce(String) -> (Iq, Kind),
        after: After,
        now: Instant,
    ) -> RequestId {
        let request = self.new_request();
        if !self.online {
            self.events.push_back(Event::Request {
                id: request,
                result: Err(RequestError::Disconnected),
            });
            return request;
        }
        let id = self.ids.next();
        let (iq, kind) = build(id.clone());
        if let Some(bad) = iq_payload(&iq).and_then(crate::text::check_element) {
            // A reason, password or form value XML cannot carry.
            self.events.push_back(Event::Request {
                id: request,
                result: Err(RequestError::Invalid(bad.to_string())),
            });
            return request;
        }
        self.pending.insert(
            id,
            PendingIq {
                request,
                kind,
                to: iq.to().cloned(),
                deadline: now + self.config.request_timeout,
                after,
            },
        );
        self.send_raw(Stanza::Iq(iq));
        request
    }

    /// Changes the role of the occupant `nick` (kick = [`Role::None`](muc_xso::Role::None)).
    pub fn set_role(
        &mut self,
        room: &BareJid,
        nick: &str,
        role: Role,
        reason: Option<String>,
        now: Instant,
    ) -> RequestId {
        let mut item = AdminItem::role(nick, role);
        item.reason = reason;
        self.modify_roles(room, vec![item], now)
    }

    /// Changes the affiliation of `jid` (taken bare, §10); works without
    /// being joined (ban = [`Affiliation::Outcast`](muc_xso::Affiliation::Outcast)).
    pub fn set_affiliation(
        &mut self,
        room: &BareJid,
        jid: &Jid,
        affiliation: Affiliation,
        reason: Option<String>,
        now: Instant,
    ) -> RequestId {
        let mut item = AdminItem::affiliation(Jid::from(jid.to_bare()), affiliation);
        item.reason = reason;
        self.modify_affiliations(room, vec![item], now)
    }

    /// Sends role changes (the "delta" of §8.5/§9.8): items with `nick` and
    /// `role`.
    pub fn modify_roles(
        &mut self,
        room: &BareJid,
        items: Vec<AdminItem>,
        now: Instant,
    ) -> RequestId {
        self.iq_request(|id| requests::admin_set(room, id, items), now)
    }

    /// Sends affiliation changes (the "delta" of §9.2/§9.5/§10.5/§10.8):
    /// items with `jid` and `affiliation`.
    pub fn modify_affiliations(
        &mut self,
        room: &BareJid,
        items: Vec<AdminItem>,
        now: Instant,
    ) -> RequestId {
        self.iq_request(|id| requests::admin_set(room, id, items), now)
    }

    /// Lists everyone with `affiliation` (members, admins, owners, outcasts).
    pub fn affiliation_list(
        &mut self,
        room: &BareJid,
        affiliation: Affiliation,
        now: Instant,
    ) -> RequestId {
        self.iq_request(|id| requests::list_affiliation(room, id, affiliation), now)
    }

    /// Lists everyone with `role` (moderators, participants/voice list).
    pub fn role_list(&mut self, room: &BareJid, role: Role, now: Instant) -> RequestId {
        self.iq_request(|id| requests::list_role(room, id, role), now)
    }

    /// Fetches the configuration form ([`Response::Config`](crate::Response::Config)).
    pub fn get_config(&mut self, room: &BareJid, now: Instant) -> RequestId {
        self.iq_request(|id| requests::owner(room, id, OwnerQuery::new(), true), now)
    }

    /// Submits a configuration form (see `RoomConfig::to_submit`).
    pub fn set_config(&mut self, room: &BareJid, form: DataForm, now: Instant) -> RequestId {
        self.iq_request_then(
            |id| requests::owner(room, id, OwnerQuery::with_form(form), false),
            After::Rediscover,
            now,
        )
    }

    /// Accepts the default configuration of a new room (instant room, §10.1.2).
    pub fn create_instant(&mut self, room: &BareJid, now: Instant) -> RequestId {
        self.iq_request_then(
            |id| requests::owner(room, id, OwnerQuery::instant(), false),
            After::Rediscover,
            now,
        )
    }

    /// Cancels the initial configuration of a new room (§10.1.3).
    pub fn cancel_config(&mut self, room: &BareJid, now: Instant) -> RequestId {
        self.iq_request(
            |id| requests::owner(room, id, OwnerQuery::cancel(), false),
            now,
        )
    }

    /// Destroys the room (§10.9).
    pub fn destroy(
        &mut self,
        room: &BareJid,
        reason: Option<String>,
        alternate_venue: Option<Jid>,
        password: Option<String>,
        now: Instant,
    ) -> RequestId {
        let q = OwnerQuery::destroy(DestroyRequest {
            jid: alternate_venue,
            reason,
            password,
        });
        self.iq_request_then(|id| requests::owner(room, id, q, false), After::Gone, now)
    }

    /// Fetches the registration form (§7.10).
    pub fn registration_form(&mut self, room: &BareJid, now: Instant) -> RequestId {
        self.iq_request(|id| requests::registration_get(room, id), now)
    }

    /// Registers with the room (submits the filled form).
    pub fn register(&mut self, room: &BareJid, form: DataForm, now: Instant) -> RequestId {
        self.iq_request(|id| requests::registration_set(room, id, form), now)
    }

    /// Discovers our reserved nick in `room` (§7.12).
    pub fn reserved_nick(&mut self, room: &BareJid, now: Instant) -> RequestId {
        let to = Jid::from(room.clone());
        self.iq_request(
            |id| requests::disco_info(to, id, Some(muc_xso::ns::ROOMUSER_ITEM_NODE.to_owned())),
            now,
        )
    }

    /// Asks a room for its features and `muc#roominfo` (§6.4).
    pub fn room_info(&mut self, room: &BareJid, now: Instant) -> RequestId {
        let to = Jid::from(room.clone());
        self.iq_request(|id| requests::disco_info(to, id, None), now)
    }

    /// Lists the rooms of a MUC service (disco#items, §6.3).
    pub fn discover_rooms(&mut self, service: &Jid, now: Instant) -> RequestId {
        let to = service.clone();
        self.iq_request(|id| requests::disco_items(to, id, None), now)
    }

    /// Sends any stanza through the router's queue (keeps its order with
    /// the router's own stanzas).
    pub fn send_raw(&mut self, stanza: Stanza) {
        self.transmits.push_back(Transmit {
            stanza,
            tracker: None,
        });
    }
}
