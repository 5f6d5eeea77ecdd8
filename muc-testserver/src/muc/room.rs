//! One room: occupants, affiliations, subject, history, and the rendering of
//! occupant presences. The stanza handlers live beside it: `presence.rs`
//! (join, leave, nick change), `messages.rs`, `admin.rs`, `owner.rs`,
//! `disco.rs`.

use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::hash::{DefaultHasher, Hash, Hasher};

use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

use super::affiliations::{Affiliation, Denied, Role};
use super::config::RoomConfig;
use super::history::History;
use crate::profile::Profile;
use crate::stanza::{
    ElementExt, NS_CAPS, NS_CLIENT, NS_MUC_USER, NS_OCCUPANT_ID, el, error_element, error_reply,
    new_id, stanza,
};

/// One occupant (one nick), possibly with several sessions of the same
/// account.
#[derive(Debug, Clone)]
pub(crate) struct Occupant {
    pub nick: String,
    pub bare: BareJid,
    pub sessions: Vec<FullJid>,
    pub role: Role,
    /// Children of the last available presence, minus the MUC `<x/>`.
    pub payload: Vec<Element>,
    /// Id of the last presence (re-used in broadcasts, like ejabberd).
    pub presence_id: Option<String>,
    pub occupant_id: String,
}

/// The current subject.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub text: String,
    /// The nick of the occupant who set it (`None`: set by the service).
    pub nick: Option<String>,
    pub stamp: String,
}

/// The `<actor/>` of a moderation action.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub nick: Option<String>,
    pub jid: FullJid,
}

/// How an occupant leaves: status codes for everyone, actor, reason, the id
/// and payload of the unavailable presence.
#[derive(Debug, Clone, Default)]
pub(crate) struct Removal<'a> {
    pub codes: Vec<u16>,
    pub actor: Option<&'a Actor>,
    pub reason: Option<&'a str>,
    pub id: Option<&'a str>,
    pub payload: &'a [Element],
}

/// Everything that goes into one occupant presence broadcast.
#[derive(Debug, Clone)]
pub(crate) struct Pres<'a> {
    pub nick: &'a str,
    pub unavailable: bool,
    pub id: Option<&'a str>,
    pub payload: &'a [Element],
    pub affiliation: Affiliation,
    pub role: Role,
    pub real_jid: Option<&'a FullJid>,
    pub occupant_id: Option<&'a str>,
    /// Leave out occupant-id on the self copy (Prosody's 303 self copy).
    pub no_self_occupant_id: bool,
    /// Leave out the id on the self copy.
    pub no_self_id: bool,
    pub item_nick: Option<&'a str>,
    pub actor: Option<&'a Actor>,
    pub reason: Option<&'a str>,
    pub destroy: Option<&'a Element>,
    /// Codes on every copy.
    pub codes: Vec<u16>,
    /// Extra codes on the self copy (110 is added automatically).
    pub self_codes: Vec<u16>,
    /// Override of the item on the self copy (ejabberd's destroy: none/none).
    pub self_item: Option<(Affiliation, Role)>,
    /// Send no 110 on the self copy (ejabberd's destroy).
    pub no_110: bool,
}

impl Default for Pres<'_> {
    fn default() -> Self {
        Pres {
            nick: "",
            unavailable: false,
            id: None,
            payload: &[],
            affiliation: Affiliation::None,
            role: Role::None,
            real_jid: None,
            occupant_id: None,
            no_self_occupant_id: false,
            no_self_id: false,
            item_nick: None,
            actor: None,
            reason: None,
            destroy: None,
            codes: Vec::new(),
            self_codes: Vec::new(),
            self_item: None,
            no_110: false,
        }
    }
}

/// A room of the MUC service.
pub(crate) struct Room {
    pub jid: BareJid,
    pub profile: Profile,
    pub service: String,
    pub config: RoomConfig,
    pub locked: bool,
    pub occupants: Vec<Occupant>,
    pub affiliations: BTreeMap<BareJid, Affiliation>,
    pub registered: BTreeMap<BareJid, String>,
    pub subject: Option<Subject>,
    pub history: History,
    /// Key of the session hashes in the ids of relayed IQs.
    pub iq_salt: RandomState,
}

impl Room {
    pub fn new(jid: BareJid, profile: Profile, service: String, config: RoomConfig) -> Room {
        Room {
            jid,
            profile,
            service,
            config,
            locked: false,
            occupants: Vec::new(),
            affiliations: BTreeMap::new(),
            registered: BTreeMap::new(),
            subject: None,
            history: History::default(),
            iq_salt: RandomState::new(),
        }
    }

    /// The occupant JID string of a nick.
    pub fn occupant_jid(&self, nick: &str) -> String {
        format!("{}/{}", self.jid, nick)
    }

    pub fn affiliation(&self, bare: &BareJid) -> Affiliation {
        self.affiliations
            .get(bare)
            .copied()
            .unwrap_or(Affiliation::None)
    }

    pub fn set_affiliation(&mut self, bare: BareJid, aff: Affiliation) {
        if aff == Affiliation::None {
            self.affiliations.remove(&bare);
        } else {
            self.affiliations.insert(bare, aff);
        }
    }

    pub fn owners(&self) -> usize {
        self.affiliations
            .values()
            .filter(|a| **a == Affiliation::Owner)
            .count()
    }

    pub fn find_nick(&self, nick: &str) -> Option<usize> {
        self.occupants.iter().position(|o| o.nick == nick)
    }

    pub fn find_session(&self, jid: &FullJid) -> Option<usize> {
        self.occupants.iter().position(|o| o.sessions.contains(jid))
    }

    /// A stable, opaque occupant-id for an account in this room.
    pub fn occupant_id_for(&self, bare: &BareJid) -> String {
        let mut h = DefaultHasher::new();
        (
            "muc-testserver occupant-id",
            self.jid.as_str(),
            bare.as_str(),
        )
            .hash(&mut h);
        let a = h.finish();
        a.hash(&mut h);
        format!("{:016x}{:016x}", a, h.finish())
    }

    /// Whether `viewer` sees real JIDs of others.
    pub fn sees_jids(&self, viewer: &Occupant) -> bool {
        self.config.non_anonymous || viewer.role == Role::Moderator
    }

    /// A stanza error from the room, in the profile's style.
    pub fn error(
        &self,
        request: &Element,
        type_: ErrorType,
        condition: DefinedCondition,
        text: Option<&str>,
    ) -> Element {
        let by = self.profile.error_by().then(|| Jid::from(self.jid.clone()));
        let keep = request.name() != "iq" && self.profile.echo_payload_in_errors();
        error_reply(request, error_element(type_, condition, text, by), keep)
    }

    /// What a locked room answers everyone but its owner: `item-not-found`
    /// from the service (`by` = the service, not the room, as on Prosody).
    pub fn locked_error(&self, request: &Element) -> Element {
        super::service_error(&self.service, request, DefinedCondition::ItemNotFound, None)
    }

    /// The error for a refused privilege change.
    pub fn denied(&self, request: &Element, d: Denied) -> Element {
        match d {
            Denied::Forbidden => {
                self.error(request, ErrorType::Auth, DefinedCondition::Forbidden, None)
            }
            Denied::NotAllowed => self.error(
                request,
                ErrorType::Cancel,
                DefinedCondition::NotAllowed,
                None,
            ),
            Denied::Conflict => {
                self.error(request, ErrorType::Cancel, DefinedCondition::Conflict, None)
            }
            Denied::NotFound => self.error(
                request,
                ErrorType::Cancel,
                DefinedCondition::ItemNotFound,
                None,
            ),
        }
    }

    /// Render one copy of an occupant presence.
    pub fn render(&self, p: &Pres<'_>, to: &FullJid, is_self: bool, sees_jid: bool) -> Element {
        let mut e = stanza("presence")
            .with_attr("from", self.occupant_jid(p.nick))
            .with_attr("to", to.to_string());
        if let Some(id) = p.id {
            if !(is_self && p.no_self_id) {
                e.set_attr_str("id", id);
            }
        }
        if p.unavailable {
            e.set_attr_str("type", "unavailable");
        }
        for c in p.payload {
            e.append_child(c.clone());
        }
        if self.profile.occupant_id() {
            if let Some(oid) = p.occupant_id {
                if !(is_self && p.no_self_occupant_id) {
                    e.append_child(el("occupant-id", NS_OCCUPANT_ID).with_attr("id", oid));
                }
            }
        }
        let (aff, role) = match (is_self, p.self_item) {
            (true, Some(over)) => over,
            _ => (p.affiliation, p.role),
        };
        let mut item = el("item", NS_MUC_USER)
            .with_attr("affiliation", aff.as_str())
            .with_attr("role", role.as_str());
        if let Some(n) = p.item_nick {
            item.set_attr_str("nick", n);
        }
        if let Some(j) = p.real_jid {
            if is_self || sees_jid {
                item.set_attr_str("jid", j.to_string());
            }
        }
        if let Some(a) = p.actor {
            let mut actor = el("actor", NS_MUC_USER);
            if let Some(n) = &a.nick {
                actor.set_attr_str("nick", n.clone());
            }
            if self.profile == Profile::Prosody && !is_self && sees_jid {
                actor.set_attr_str("jid", a.jid.to_string());
            }
            item.append_child(actor);
        }
        if let Some(r) = p.reason {
            item.append_child(el("reason", NS_MUC_USER).with_text(r));
        }
        let mut codes: Vec<u16> = p.codes.clone();
        if is_self {
            codes.extend(p.self_codes.iter().copied());
        }
        let with_110 = is_self && !p.no_110;
        let mut x = el("x", NS_MUC_USER);
        if let Some(d) = p.destroy {
            x.append_child(d.clone());
        }
        let status = |c: u16| el("status", NS_MUC_USER).with_attr("code", c.to_string());
        if self.profile.status_before_item() {
            for c in &codes {
                x.append_child(status(*c));
            }
            x.append_child(item);
            if with_110 {
                x.append_child(status(110));
            }
        } else {
            x.append_child(item);
            let removal = |c: &u16| (300..400).contains(c) && *c != 303;
            for c in codes.iter().filter(|c| !removal(c)) {
                x.append_child(status(*c));
            }
            if with_110 {
                x.append_child(status(110));
            }
            for c in codes.iter().filter(|c| removal(c)) {
                x.append_child(status(*c));
            }
        }
        e.append_child(x);
        e
    }

    /// Send a presence about `subject` to its own sessions (self copies,
    /// optionally only `only_session`) and to every other occupant that
    /// should see it.
    pub fn broadcast(
        &self,
        p: &Pres<'_>,
        subject: &Occupant,
        only_session: Option<&FullJid>,
        out: &mut Vec<Element>,
    ) {
        for s in &subject.sessions {
            if only_session.is_none_or(|o| o == s) {
                out.push(self.render(p, s, true, true));
            }
        }
        if !p.unavailable && !self.config.broadcasts(p.role) {
            return;
        }
        for o in &self.occupants {
            if o.nick == subject.nick {
                continue;
            }
            let sees = self.sees_jids(o);
            for s in &o.sessions {
                out.push(self.render(p, s, false, sees));
            }
        }
    }

    /// The presence data of an occupant, as broadcast by default.
    pub fn pres_of<'a>(&self, o: &'a Occupant) -> Pres<'a> {
        Pres {
            nick: &o.nick,
            id: o.presence_id.as_deref(),
            payload: &o.payload,
            affiliation: self.affiliation(&o.bare),
            role: o.role,
            real_jid: o.sessions.first(),
            occupant_id: Some(&o.occupant_id),
            ..Default::default()
        }
    }

    /// ejabberd's presence from the bare room JID (entity caps).
    pub fn caps_presence(&self, to: &FullJid) -> Element {
        stanza("presence")
            .with_attr("from", self.jid.to_string())
            .with_attr("to", to.to_string())
            .with_attr("id", new_id())
            .with_child(
                el("c", NS_CAPS)
                    .with_attr("hash", "sha-1")
                    .with_attr("node", "https://example.invalid/muc-testserver")
                    .with_attr("ver", "muc-testserver-room"),
            )
    }

    /// ejabberd's unavailable presence from the bare room JID.
    pub fn bare_unavailable(&self, to: &FullJid) -> Element {
        stanza("presence")
            .with_attr("from", self.jid.to_string())
            .with_attr("to", to.to_string())
            .with_attr("type", "unavailable")
            .with_attr("id", new_id())
    }

    /// Remove the occupant at `idx` and tell everybody: the self copy gets
    /// 110, everyone gets `removal.codes`.
    pub fn remove_occupant(
        &mut self,
        idx: usize,
        removal: Removal<'_>,
        out: &mut Vec<Element>,
    ) -> Occupant {
        let o = self.occupants.remove(idx);
        if self.profile.bare_room_presences() {
            for s in &o.sessions {
                out.push(self.bare_unavailable(s));
            }
        }
        let p = Pres {
            nick: &o.nick,
            unavailable: true,
            id: removal.id,
            payload: removal.payload,
            affiliation: self.affiliation(&o.bare),
            role: Role::None,
            real_jid: o.sessions.first(),
            occupant_id: Some(&o.occupant_id),
            actor: removal.actor,
            reason: removal.reason,
            codes: removal.codes,
            ..Default::default()
        };
        self.broadcast(&p, &o, None, out);
        o
    }

    /// A groupchat message from the bare room JID with status codes (config
    /// change notifications).
    pub fn status_message(&self, codes: &[u16], out: &mut Vec<Element>) {
        for o in &self.occupants {
            for s in &o.sessions {
                if self.profile.bare_room_presences() {
                    out.push(self.caps_presence(s));
                }
                let mut x = el("x", NS_MUC_USER);
                for c in codes {
                    x.append_child(el("status", NS_MUC_USER).with_attr("code", c.to_string()));
                }
                let mut m = stanza("message")
                    .with_attr("from", self.jid.to_string())
                    .with_attr("to", s.to_string())
                    .with_attr("type", "groupchat")
                    .with_child(x);
                if self.profile == Profile::Ejabberd {
                    m.set_attr_str("id", new_id());
                }
                out.push(m);
            }
        }
    }

    /// The subject message sent at the end of a join.
    pub fn subject_message(&self, to: &FullJid) -> Element {
        let mut m = stanza("message")
            .with_attr("to", to.to_string())
            .with_attr("type", "groupchat");
        match &self.subject {
            None => {
                m.set_attr_str("from", self.jid.to_string());
                m.append_child(el("subject", NS_CLIENT));
            }
            Some(s) => {
                let from = match &s.nick {
                    Some(n) => self.occupant_jid(n),
                    None => self.jid.to_string(),
                };
                m.set_attr_str("from", from);
                m.append_child(el("subject", NS_CLIENT).with_text(s.text.clone()));
                if self.profile.subject_has_delay() {
                    m.append_child(
                        el("delay", crate::stanza::NS_DELAY)
                            .with_attr("from", self.jid.to_string())
                            .with_attr("stamp", s.stamp.clone()),
                    );
                }
            }
        }
        m
    }

    /// Whether the room should disappear now.
    pub fn is_disposable(&self) -> bool {
        self.occupants.is_empty() && !self.config.persistent
    }
}
