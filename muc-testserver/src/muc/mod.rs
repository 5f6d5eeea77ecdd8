//! The MUC service at `conference.<domain>`: XEP-0045 as Prosody 0.12 and
//! ejabberd 23.01 implement it, with the differences chosen by
//! [`Profile`](crate::Profile).
//!
//! The service works on raw [`Element`]s: it gets a stanza with a trusted
//! `from` and pushes the stanzas it produces (each with a `to`) into an
//! output vector that the hub delivers in order.

mod admin;
pub mod affiliations;
pub mod config;
mod disco;
mod history;
mod messages;
mod occupant_iq;
mod owner;
mod presence;
mod room;

use std::collections::HashMap;

use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

use self::affiliations::{Affiliation, Role};
use self::config::RoomConfig;
use self::owner::Fate;
use self::room::{Pres, Room, Subject};
use crate::profile::Profile;
use crate::stanza::{
    ElementExt, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC_ADMIN, NS_MUC_OWNER, NS_MUC_UNIQUE, NS_PING,
    NS_REGISTER, error_element, error_reply, iq_result, is_error_or_result, new_id, now_stamp,
};

/// A room created when the server starts: persistent, unlocked, configured.
#[derive(Debug, Clone)]
pub struct RoomSpec {
    /// The room's local part (`"lobby"` for `lobby@conference.localhost`).
    pub name: String,
    /// The configuration; `persistent` is forced on.
    pub config: RoomConfig,
    /// Affiliations by bare JID (`"alice@localhost"`).
    pub affiliations: Vec<(String, Affiliation)>,
    /// An initial subject (set by the service, from the bare room JID).
    pub subject: Option<String>,
    /// Reserved nicks by bare JID (as after registration, §7.10).
    pub registered_nicks: Vec<(String, String)>,
}

impl RoomSpec {
    /// A room with the profile's default configuration.
    pub fn new(name: &str, profile: Profile) -> RoomSpec {
        RoomSpec {
            name: name.to_owned(),
            config: RoomConfig::for_profile(profile),
            affiliations: Vec::new(),
            subject: None,
            registered_nicks: Vec::new(),
        }
    }

    /// Add an affiliation.
    pub fn with_affiliation(mut self, jid: &str, affiliation: Affiliation) -> RoomSpec {
        self.affiliations.push((jid.to_owned(), affiliation));
        self
    }

    /// Change the configuration.
    pub fn with_config(mut self, f: impl FnOnce(&mut RoomConfig)) -> RoomSpec {
        f(&mut self.config);
        self
    }

    /// Set an initial subject.
    pub fn with_subject(mut self, subject: &str) -> RoomSpec {
        self.subject = Some(subject.to_owned());
        self
    }

    /// Reserve a nick for an account.
    pub fn with_registered_nick(mut self, jid: &str, nick: &str) -> RoomSpec {
        self.registered_nicks
            .push((jid.to_owned(), nick.to_owned()));
        self
    }
}

/// A snapshot of a room, for assertions in tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomInfo {
    /// Bare room JID.
    pub jid: String,
    /// Whether the room is locked awaiting configuration.
    pub locked: bool,
    /// `(nick, real bare JID, role)` of each occupant, in join order.
    pub occupants: Vec<(String, String, Role)>,
    /// Affiliations by bare JID.
    pub affiliations: Vec<(String, Affiliation)>,
    /// The current configuration.
    pub config: RoomConfig,
    /// The current subject text.
    pub subject: Option<String>,
}

/// An error from the service itself (`by` = the service's JID, type
/// `cancel`, no payload echoed): no such room, creation refused, a locked
/// room, an unknown request to the service.
fn service_error(
    service: &str,
    request: &Element,
    condition: DefinedCondition,
    text: Option<&str>,
) -> Element {
    let by = BareJid::new(service).ok().map(Jid::from);
    error_reply(
        request,
        error_element(ErrorType::Cancel, condition, text, by),
        false,
    )
}

/// The MUC service.
pub(crate) struct MucService {
    domain: String,
    profile: Profile,
    rooms: HashMap<BareJid, Room>,
    /// Whether a join may create a room.
    pub allow_room_creation: bool,
}

impl MucService {
    pub fn new(domain: String, profile: Profile) -> MucService {
        MucService {
            domain,
            profile,
            rooms: HashMap::new(),
            allow_room_creation: true,
        }
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Create (or replace) a configured, unlocked room.
    pub fn create_room(&mut self, spec: &RoomSpec) -> Result<(), String> {
        let jid = BareJid::new(&format!("{}@{}", spec.name, self.domain))
            .map_err(|e| format!("invalid room name {:?}: {e}", spec.name))?;
        let mut config = spec.config.clone();
        config.persistent = true;
        let mut room = Room::new(jid.clone(), self.profile, self.domain.clone(), config);
        let bare = |who: &str| {
            who.parse::<Jid>()
                .map(|j| j.to_bare())
                .map_err(|e| format!("invalid JID {who:?}: {e}"))
        };
        for (who, aff) in &spec.affiliations {
            room.set_affiliation(bare(who)?, *aff);
        }
        for (who, nick) in &spec.registered_nicks {
            room.registered.insert(bare(who)?, nick.clone());
        }
        room.subject = spec.subject.as_ref().map(|s| Subject {
            text: s.clone(),
            nick: None,
            stamp: now_stamp(),
        });
        self.rooms.insert(jid, room);
        Ok(())
    }

    /// A snapshot of one room.
    pub fn info(&self, room: &BareJid) -> Option<RoomInfo> {
        let r = self.rooms.get(room)?;
        Some(RoomInfo {
            jid: r.jid.to_string(),
            locked: r.locked,
            occupants: r
                .occupants
                .iter()
                .map(|o| (o.nick.clone(), o.bare.to_string(), o.role))
                .collect(),
            affiliations: r
                .affiliations
                .iter()
                .map(|(j, a)| (j.to_string(), *a))
                .collect(),
            config: r.config.clone(),
            subject: r.subject.as_ref().map(|s| s.text.clone()),
        })
    }

    /// The bare JIDs of all rooms.
    pub fn room_jids(&self) -> Vec<String> {
        let mut v: Vec<String> = self.rooms.keys().map(|k| k.to_string()).collect();
        v.sort();
        v
    }

    /// Handle a stanza addressed to the service or one of its rooms.
    pub fn handle(&mut self, from: &FullJid, stanza: Element, out: &mut Vec<Element>) {
        let Some(to) = stanza.to_jid() else {
            return;
        };
        let Some(node) = to.node() else {
            self.handle_service(stanza, out);
            return;
        };
        let Ok(room_jid) =
            BareJid::new(&format!("{}@{}", node.as_str().to_lowercase(), self.domain))
        else {
            return;
        };
        let nick = to.resource().map(|r| r.as_str().to_owned());
        let mut created = false;
        if !self.rooms.contains_key(&room_jid) {
            let joining = stanza.name() == "presence"
                && stanza.attr("type").is_none()
                && nick.as_deref().is_some_and(|n| !n.is_empty());
            if !joining {
                if !is_error_or_result(&stanza) && stanza.attr("type") != Some("unavailable") {
                    let text =
                        (stanza.name() == "message").then_some("Conference room does not exist");
                    out.push(service_error(
                        &self.domain,
                        &stanza,
                        DefinedCondition::ItemNotFound,
                        text,
                    ));
                }
                return;
            }
            if !self.allow_room_creation {
                out.push(service_error(
                    &self.domain,
                    &stanza,
                    DefinedCondition::NotAllowed,
                    Some("Room creation is restricted"),
                ));
                return;
            }
            let room = Room::new(
                room_jid.clone(),
                self.profile,
                self.domain.clone(),
                RoomConfig::for_profile(self.profile),
            );
            self.rooms.insert(room_jid.clone(), room);
            created = true;
        }
        let Some(room) = self.rooms.get_mut(&room_jid) else {
            return;
        };
        let fate = match stanza.name() {
            "presence" => {
                match nick.as_deref() {
                    Some(n) if !n.is_empty() => {
                        room.handle_presence(from, n, &stanza, created, out)
                    }
                    _ => {
                        if stanza.attr("type").is_none() {
                            out.push(room.error(
                                &stanza,
                                ErrorType::Modify,
                                DefinedCondition::JidMalformed,
                                Some("No nickname given"),
                            ));
                        }
                    }
                }
                Fate::Keep
            }
            "message" => {
                room.handle_message(from, nick.as_deref(), &stanza, out);
                Fate::Keep
            }
            "iq" => Self::room_iq(room, from, nick.as_deref(), &stanza, out),
            _ => Fate::Keep,
        };
        let dispose = match fate {
            Fate::Destroy => true,
            Fate::Keep => room.is_disposable(),
        };
        if dispose {
            self.rooms.remove(&room_jid);
        }
    }

    fn room_iq(
        room: &mut Room,
        from: &FullJid,
        nick: Option<&str>,
        iq: &Element,
        out: &mut Vec<Element>,
    ) -> Fate {
        if is_error_or_result(iq) {
            if let Some(nick) = nick {
                room.occupant_iq_response(from, nick, iq, out);
            }
            return Fate::Keep;
        }
        let Some(query) = iq.children().next().cloned() else {
            out.push(room.error(iq, ErrorType::Modify, DefinedCondition::BadRequest, None));
            return Fate::Keep;
        };
        let get = iq.attr("type") == Some("get");
        if let Some(nick) = nick {
            // XEP-0410 self-ping, or a request relayed to the occupant.
            room.occupant_iq_request(from, nick, iq, &query, out);
            return Fate::Keep;
        }
        if room.locked && room.affiliation(&from.to_bare()) != Affiliation::Owner {
            out.push(room.locked_error(iq));
            return Fate::Keep;
        }
        if query.is("query", NS_MUC_OWNER) {
            return room.handle_owner(from, iq, &query, out);
        }
        if query.is("query", NS_MUC_ADMIN) {
            room.handle_admin(from, iq, &query, out);
        } else if get && query.is("query", NS_DISCO_INFO) {
            out.push(room.disco_info(from, iq, &query));
        } else if get && query.is("query", NS_DISCO_ITEMS) {
            out.push(room.disco_items(from, iq));
        } else if query.is("query", NS_REGISTER) {
            room.handle_register(from, iq, &query, out);
        } else if get && query.is("ping", NS_PING) {
            out.push(iq_result(iq, None));
        } else {
            out.push(room.error(
                iq,
                ErrorType::Cancel,
                DefinedCondition::ServiceUnavailable,
                None,
            ));
        }
        Fate::Keep
    }

    fn handle_service(&self, stanza: Element, out: &mut Vec<Element>) {
        if stanza.name() != "iq" || is_error_or_result(&stanza) {
            return;
        }
        let get = stanza.attr("type") == Some("get");
        let Some(query) = stanza.children().next() else {
            return;
        };
        let reply = if get && query.is("query", NS_DISCO_INFO) && query.attr("node").is_none() {
            disco::service_info(self.profile, &stanza)
        } else if get && query.is("query", NS_DISCO_ITEMS) && query.attr("node").is_none() {
            disco::service_items(&stanza, self.rooms.values())
        } else if get && query.is("ping", NS_PING) {
            iq_result(&stanza, None)
        } else if get && query.is("unique", NS_MUC_UNIQUE) {
            iq_result(
                &stanza,
                Some(crate::stanza::el("unique", NS_MUC_UNIQUE).with_text(new_id())),
            )
        } else {
            service_error(
                &self.domain,
                &stanza,
                DefinedCondition::ServiceUnavailable,
                None,
            )
        };
        out.push(reply);
    }

    /// A session ended: it leaves every room it was in.
    pub fn session_gone(&mut self, jid: &FullJid, out: &mut Vec<Element>) {
        for room in self.rooms.values_mut() {
            room.session_gone(jid, out);
        }
        self.rooms.retain(|_, r| !r.is_disposable());
    }

    /// Service shutdown or restart: 110 + 332 to every occupant; only
    /// persistent rooms survive, empty.
    pub fn shutdown(&mut self, out: &mut Vec<Element>) {
        for room in self.rooms.values_mut() {
            for o in std::mem::take(&mut room.occupants) {
                let p = Pres {
                    nick: &o.nick,
                    unavailable: true,
                    affiliation: room.affiliation(&o.bare),
                    role: Role::None,
                    real_jid: o.sessions.first(),
                    occupant_id: Some(&o.occupant_id),
                    self_codes: vec![332],
                    ..Default::default()
                };
                for s in &o.sessions {
                    out.push(room.render(&p, s, true, true));
                }
            }
            room.history.clear();
        }
        self.rooms.retain(|_, r| r.config.persistent);
    }

    /// Remove an occupant with 333.
    pub fn remove_with_error(
        &mut self,
        room: &BareJid,
        nick: &str,
        out: &mut Vec<Element>,
    ) -> bool {
        let Some(r) = self.rooms.get_mut(room) else {
            return false;
        };
        let Some(idx) = r.find_nick(nick) else {
            return false;
        };
        r.remove_with_error(idx, out);
        if r.is_disposable() {
            self.rooms.remove(room);
        }
        true
    }
}
