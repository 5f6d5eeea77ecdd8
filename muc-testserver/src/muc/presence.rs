//! Presence to a room: join (§7.2), presence update, nick change (§7.6),
//! leave (§7.14), and removal after an error bounce (§11.1, status 333).

use jid::FullJid;
use minidom::Element;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

use super::affiliations::{Affiliation, Role, default_role};
use super::history::HistoryRequest;
use super::room::{Occupant, Pres, Removal, Room};
use crate::stanza::{ElementExt, NS_MUC, new_id};

/// The client's presence children that are repeated to the room.
fn presence_payload(stanza: &Element) -> Vec<Element> {
    stanza
        .children()
        .filter(|c| {
            !(c.name() == "x" && (c.ns() == NS_MUC || c.ns() == crate::stanza::NS_MUC_USER))
        })
        .cloned()
        .collect()
}

/// The join request's `<x xmlns=muc/>`, parsed by muc-xso.
fn join_ext(stanza: &Element) -> Option<muc_xso::GenericExt> {
    stanza
        .get_child("x", NS_MUC)
        .and_then(|x| muc_xso::GenericExt::try_from(x.clone()).ok())
}

impl Room {
    /// A presence to `room/nick` from `from`. `created`: the room was just
    /// created by this presence.
    pub fn handle_presence(
        &mut self,
        from: &FullJid,
        nick: &str,
        stanza: &Element,
        created: bool,
        out: &mut Vec<Element>,
    ) {
        match stanza.attr("type") {
            None => {}
            Some("unavailable") => {
                if let Some(idx) = self.find_session(from) {
                    self.leave(idx, from, stanza, out);
                }
                return;
            }
            Some("error") => {
                if let Some(idx) = self.find_session(from) {
                    self.remove_with_error(idx, out);
                }
                return;
            }
            // Subscriptions and probes to a room are ignored.
            Some(_) => return,
        }
        match self.find_session(from) {
            Some(idx) if self.occupants[idx].nick == nick => self.update(idx, stanza, out),
            Some(idx) => self.change_nick(idx, nick, stanza, out),
            None => self.join(from, nick, stanza, created, out),
        }
    }

    fn join(
        &mut self,
        from: &FullJid,
        nick: &str,
        stanza: &Element,
        created: bool,
        out: &mut Vec<Element>,
    ) {
        let bare = from.to_bare();
        let muc_x = stanza.get_child("x", NS_MUC);
        let join_ext = join_ext(stanza);
        if created {
            self.set_affiliation(bare.clone(), Affiliation::Owner);
            self.locked = self.profile.locks_new_rooms() && muc_x.is_some();
        }
        let aff = self.affiliation(&bare);
        let err = |room: &Room, t, c, text: Option<&str>| room.error(stanza, t, c, text);
        if self.locked && aff != Affiliation::Owner {
            out.push(self.locked_error(stanza));
            return;
        }
        if aff == Affiliation::Outcast {
            out.push(err(
                self,
                ErrorType::Auth,
                DefinedCondition::Forbidden,
                Some("You have been banned from this room"),
            ));
            return;
        }
        let mut nick = nick.to_owned();
        let mut codes_210 = false;
        if let Some(reg) = self.registered.get(&bare) {
            if self.config.enforce_registered_nicks && *reg != nick {
                nick = reg.clone();
                codes_210 = true;
            }
        }
        // Same account, same nick: another session of the occupant.
        if let Some(idx) = self.find_nick(&nick) {
            if self.occupants[idx].bare == bare {
                self.occupants[idx].sessions.push(from.clone());
                self.send_join_sequence(idx, from, stanza, false, codes_210, out);
                return;
            }
            out.push(err(
                self,
                ErrorType::Cancel,
                DefinedCondition::Conflict,
                Some("That nickname is already in use by another occupant"),
            ));
            return;
        }
        if self
            .registered
            .iter()
            .any(|(who, n)| *n == nick && *who != bare)
        {
            out.push(err(
                self,
                ErrorType::Cancel,
                DefinedCondition::Conflict,
                Some("That nickname is registered by another person"),
            ));
            return;
        }
        if self.config.members_only && aff < Affiliation::Member {
            out.push(err(
                self,
                ErrorType::Auth,
                DefinedCondition::RegistrationRequired,
                Some("Membership is required to enter this room"),
            ));
            return;
        }
        if let Some(pw) = &self.config.password {
            let given = join_ext.as_ref().and_then(|g| g.password.clone());
            if given.as_deref() != Some(pw.as_str()) {
                let text = if given.is_none() {
                    "A password is required to enter this room"
                } else {
                    "Incorrect password"
                };
                out.push(err(
                    self,
                    ErrorType::Auth,
                    DefinedCondition::NotAuthorized,
                    Some(text),
                ));
                return;
            }
        }
        if let Some(max) = self.config.max_users {
            if self.occupants.len() >= max && aff < Affiliation::Admin {
                let (type_, text) = self.profile.room_full_error();
                let condition = self.profile.room_full_condition();
                out.push(err(self, type_, condition, Some(text)));
                return;
            }
        }
        let role = default_role(aff, self.config.moderated, self.config.members_by_default);
        let occupant = Occupant {
            nick: nick.clone(),
            bare: bare.clone(),
            sessions: vec![from.clone()],
            role,
            payload: presence_payload(stanza),
            presence_id: stanza.attr("id").map(str::to_owned),
            occupant_id: self.occupant_id_for(&bare),
        };
        self.occupants.push(occupant);
        let idx = self.occupants.len() - 1;
        // Tell the others first.
        {
            let o = &self.occupants[idx];
            let p = self.pres_of(o);
            if self.config.broadcasts(o.role) {
                for other in &self.occupants[..idx] {
                    let sees = self.sees_jids(other);
                    for s in &other.sessions {
                        out.push(self.render(&p, s, false, sees));
                    }
                }
            }
        }
        self.send_join_sequence(idx, from, stanza, created, codes_210, out);
    }

    /// Occupant list, self-presence, history, subject: to one new session.
    fn send_join_sequence(
        &self,
        idx: usize,
        to: &FullJid,
        stanza: &Element,
        created: bool,
        codes_210: bool,
        out: &mut Vec<Element>,
    ) {
        if self.profile.bare_room_presences() {
            out.push(self.caps_presence(to));
        }
        let me = &self.occupants[idx];
        let sees = self.sees_jids(me);
        for (i, o) in self.occupants.iter().enumerate() {
            if i == idx || !self.config.broadcasts(o.role) {
                continue;
            }
            out.push(self.render(&self.pres_of(o), to, false, sees));
        }
        let mut self_codes = Vec::new();
        if self.config.logging {
            self_codes.push(170);
        }
        if created {
            self_codes.push(201);
        }
        if self.config.non_anonymous {
            self_codes.push(100);
        }
        if codes_210 {
            self_codes.push(210);
        }
        let mut p = self.pres_of(me);
        p.id = stanza.attr("id");
        p.real_jid = Some(to);
        p.self_codes = self_codes;
        out.push(self.render(&p, to, true, true));
        let join = join_ext(stanza);
        let req = HistoryRequest::from_xso(join.as_ref().and_then(|g| g.history.as_ref()));
        for mut m in self.history.select(&req, self.jid.as_str()) {
            m.set_attr_str("to", to.to_string());
            out.push(m);
        }
        out.push(self.subject_message(to));
    }

    fn update(&mut self, idx: usize, stanza: &Element, out: &mut Vec<Element>) {
        let o = &mut self.occupants[idx];
        o.payload = presence_payload(stanza);
        o.presence_id = stanza.attr("id").map(str::to_owned);
        let o = &self.occupants[idx];
        let p = self.pres_of(o);
        self.broadcast(&p, o, None, out);
    }

    fn change_nick(&mut self, idx: usize, new: &str, stanza: &Element, out: &mut Vec<Element>) {
        let bare = self.occupants[idx].bare.clone();
        let taken = self.find_nick(new).is_some()
            || self
                .registered
                .iter()
                .any(|(who, n)| n == new && *who != bare);
        if taken {
            out.push(self.error(
                stanza,
                ErrorType::Cancel,
                DefinedCondition::Conflict,
                Some("That nickname is already in use by another occupant"),
            ));
            return;
        }
        if self.config.enforce_registered_nicks && self.registered.contains_key(&bare) {
            out.push(self.error(
                stanza,
                ErrorType::Cancel,
                DefinedCondition::NotAcceptable,
                Some("You must use your registered nickname"),
            ));
            return;
        }
        let old = self.occupants[idx].clone();
        // 303 from the old nick, no id.
        let mut p = self.pres_of(&old);
        p.unavailable = true;
        p.id = None;
        p.payload = &[];
        p.item_nick = Some(new);
        p.codes = vec![303];
        p.no_self_occupant_id = true;
        self.broadcast(&p, &old, None, out);
        {
            let o = &mut self.occupants[idx];
            o.nick = new.to_owned();
            o.payload = presence_payload(stanza);
            if self.profile.nick_change_echoes_request_id() {
                o.presence_id = stanza.attr("id").map(str::to_owned);
            }
        }
        let o = &self.occupants[idx];
        let p = self.pres_of(o);
        self.broadcast(&p, o, None, out);
    }

    fn leave(&mut self, idx: usize, from: &FullJid, stanza: &Element, out: &mut Vec<Element>) {
        let payload: Vec<Element> = presence_payload(stanza);
        if self.occupants[idx].sessions.len() > 1 {
            // Only this session leaves: its own unavailable, nobody else.
            self.occupants[idx].sessions.retain(|s| s != from);
            let o = &self.occupants[idx];
            let mut p = self.pres_of(o);
            p.unavailable = true;
            p.role = Role::None;
            p.id = stanza.attr("id");
            p.payload = &payload;
            p.real_jid = Some(from);
            out.push(self.render(&p, from, true, true));
            return;
        }
        let removal = Removal {
            id: stanza.attr("id"),
            payload: &payload,
            ..Default::default()
        };
        self.remove_occupant(idx, removal, out);
    }

    /// Remove an occupant because of an error bounce: 333 (§11.1).
    pub fn remove_with_error(&mut self, idx: usize, out: &mut Vec<Element>) {
        let id = new_id();
        let removal = Removal {
            codes: vec![333],
            id: Some(&id),
            ..Default::default()
        };
        self.remove_occupant(idx, removal, out);
    }

    /// A session of the service's user went away without leaving.
    pub fn session_gone(&mut self, jid: &FullJid, out: &mut Vec<Element>) {
        let Some(idx) = self.find_session(jid) else {
            return;
        };
        self.occupants[idx].sessions.retain(|s| s != jid);
        if self.occupants[idx].sessions.is_empty() {
            let o = self.occupants.remove(idx);
            let p = Pres {
                nick: &o.nick,
                unavailable: true,
                affiliation: self.affiliation(&o.bare),
                role: Role::None,
                real_jid: Some(jid),
                occupant_id: Some(&o.occupant_id),
                ..Default::default()
            };
            self.broadcast(&p, &o, None, out);
        }
    }
}
