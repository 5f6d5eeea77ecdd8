//! `muc#admin`: role changes (kick, voice, moderator; §8), affiliation
//! changes (ban, member, admin, owner; §9, §10) and the lists.

use jid::{BareJid, FullJid, Jid};
use minidom::Element;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

use super::affiliations::{
    Affiliation, Denied, ListAccess, Role, check_affiliation_change, check_role_change,
    default_role, may_read_affiliation_list,
};
use super::room::{Actor, Removal, Room};
use crate::profile::Profile;
use crate::stanza::{ElementExt, NS_MUC_ADMIN, el, iq_result, stanza_error};

/// One requested change.
enum Change {
    Role {
        nick: String,
        role: Role,
        reason: Option<String>,
    },
    Affiliation {
        bare: BareJid,
        aff: Affiliation,
        reason: Option<String>,
    },
}

impl Room {
    /// An IQ with a `muc#admin` query.
    pub fn handle_admin(
        &mut self,
        from: &FullJid,
        iq: &Element,
        query: &Element,
        out: &mut Vec<Element>,
    ) {
        let actor_idx = self.find_session(from);
        let actor_aff = self.affiliation(&from.to_bare());
        let actor_role = actor_idx
            .map(|i| self.occupants[i].role)
            .unwrap_or(Role::None);
        let items: Vec<&Element> = query.children().filter(|c| c.name() == "item").collect();
        if items.is_empty() {
            out.push(self.error(iq, ErrorType::Modify, DefinedCondition::BadRequest, None));
            return;
        }
        if iq.attr("type") == Some("get") {
            self.admin_list(iq, items[0], actor_aff, actor_role, out);
            return;
        }
        // Validate every item first: the request is all or nothing.
        let mut changes = Vec::new();
        for item in &items {
            match self.parse_change(item, actor_aff, actor_role) {
                Ok(c) => changes.push(c),
                Err(Some(d)) => {
                    out.push(self.denied(iq, d));
                    return;
                }
                Err(None) => {
                    out.push(self.error(iq, ErrorType::Modify, DefinedCondition::BadRequest, None));
                    return;
                }
            }
        }
        let actor = Actor {
            nick: actor_idx.map(|i| self.occupants[i].nick.clone()),
            jid: from.clone(),
        };
        for change in changes {
            match change {
                Change::Role { nick, role, reason } => {
                    if let Some(idx) = self.find_nick(&nick) {
                        self.apply_role(idx, role, &actor, reason.as_deref(), out);
                    }
                }
                Change::Affiliation { bare, aff, reason } => {
                    self.apply_affiliation(bare, aff, &actor, reason.as_deref(), out);
                }
            }
        }
        out.push(iq_result(iq, None));
    }

    fn parse_change(
        &self,
        item: &Element,
        actor_aff: Affiliation,
        actor_role: Role,
    ) -> Result<Change, Option<Denied>> {
        let reason = item.get_child("reason", NS_MUC_ADMIN).map(|r| r.text());
        if let Some(role) = item.attr("role") {
            let role: Role = role.parse().map_err(|_| None)?;
            let nick = item.attr("nick").ok_or(None)?;
            let idx = self.find_nick(nick).ok_or(Some(Denied::NotFound))?;
            let target = &self.occupants[idx];
            check_role_change(
                actor_aff,
                actor_role,
                self.affiliation(&target.bare),
                target.role,
                role,
            )
            .map_err(Some)?;
            return Ok(Change::Role {
                nick: nick.to_owned(),
                role,
                reason,
            });
        }
        if let Some(aff) = item.attr("affiliation") {
            let aff: Affiliation = aff.parse().map_err(|_| None)?;
            let bare = match (item.attr("jid"), item.attr("nick")) {
                (Some(j), _) => j.parse::<Jid>().map_err(|_| None)?.to_bare(),
                (None, Some(n)) => self
                    .find_nick(n)
                    .map(|i| self.occupants[i].bare.clone())
                    .ok_or(Some(Denied::NotFound))?,
                (None, None) => return Err(None),
            };
            let current = self.affiliation(&bare);
            check_affiliation_change(actor_aff, current, aff).map_err(Some)?;
            if current == Affiliation::Owner && aff != Affiliation::Owner && self.owners() <= 1 {
                return Err(Some(Denied::Conflict));
            }
            return Ok(Change::Affiliation { bare, aff, reason });
        }
        Err(None)
    }

    fn apply_role(
        &mut self,
        idx: usize,
        role: Role,
        actor: &Actor,
        reason: Option<&str>,
        out: &mut Vec<Element>,
    ) {
        if role == Role::None {
            let removal = Removal {
                codes: vec![307],
                actor: Some(actor),
                reason,
                ..Default::default()
            };
            self.remove_occupant(idx, removal, out);
            return;
        }
        self.occupants[idx].role = role;
        let o = &self.occupants[idx];
        let mut p = self.pres_of(o);
        p.reason = reason;
        p.actor = Some(actor);
        self.broadcast(&p, o, None, out);
    }

    fn apply_affiliation(
        &mut self,
        bare: BareJid,
        aff: Affiliation,
        actor: &Actor,
        reason: Option<&str>,
        out: &mut Vec<Element>,
    ) {
        self.set_affiliation(bare.clone(), aff);
        if aff == Affiliation::None {
            self.registered.remove(&bare);
        }
        // Banned (301) or no longer a member of a members-only room (321).
        let removal_code = if aff == Affiliation::Outcast {
            Some(301)
        } else if self.config.members_only && aff < Affiliation::Member {
            Some(321)
        } else {
            None
        };
        while let Some(idx) = self.occupants.iter().position(|o| o.bare == bare) {
            if let Some(code) = removal_code {
                let removal = Removal {
                    codes: vec![code],
                    actor: Some(actor),
                    reason,
                    ..Default::default()
                };
                self.remove_occupant(idx, removal, out);
                continue;
            }
            let role = default_role(aff, self.config.moderated, self.config.members_by_default);
            let o = &mut self.occupants[idx];
            // Keep a voice granted earlier; follow the affiliation otherwise.
            if !(o.role == Role::Participant && role == Role::Visitor) {
                o.role = role;
            }
            let o = &self.occupants[idx];
            let mut p = self.pres_of(o);
            p.reason = reason;
            p.actor = Some(actor);
            self.broadcast(&p, o, None, out);
            break;
        }
    }

    fn admin_list(
        &self,
        iq: &Element,
        item: &Element,
        actor_aff: Affiliation,
        actor_role: Role,
        out: &mut Vec<Element>,
    ) {
        let mut query = el("query", NS_MUC_ADMIN);
        if let Some(aff) = item.attr("affiliation") {
            let Ok(aff) = aff.parse::<Affiliation>() else {
                out.push(self.error(iq, ErrorType::Modify, DefinedCondition::BadRequest, None));
                return;
            };
            let access = ListAccess {
                prosody: self.profile.list_needs_equal_rank(),
                members_only: self.config.members_only,
                non_anonymous: self.config.non_anonymous,
            };
            if !may_read_affiliation_list(actor_aff, aff, access) {
                let refusal = if self.profile == Profile::Prosody {
                    // Prosody: a bare <forbidden/>, no text, no `by`.
                    stanza_error(iq, ErrorType::Auth, DefinedCondition::Forbidden, None)
                } else {
                    self.error(
                        iq,
                        ErrorType::Auth,
                        DefinedCondition::Forbidden,
                        Some("Administrator privileges required"),
                    )
                };
                out.push(refusal);
                return;
            }
            for (who, a) in &self.affiliations {
                if *a == aff {
                    let mut i = el("item", NS_MUC_ADMIN)
                        .with_attr("affiliation", a.as_str())
                        .with_attr("jid", who.to_string());
                    if let Some(n) = self.registered.get(who) {
                        i.set_attr_str("nick", n.clone());
                    }
                    query.append_child(i);
                }
            }
        } else if let Some(role) = item.attr("role") {
            let Ok(role) = role.parse::<Role>() else {
                out.push(self.error(iq, ErrorType::Modify, DefinedCondition::BadRequest, None));
                return;
            };
            if actor_role != Role::Moderator {
                out.push(self.error(iq, ErrorType::Auth, DefinedCondition::Forbidden, None));
                return;
            }
            for o in self.occupants.iter().filter(|o| o.role == role) {
                let mut i = el("item", NS_MUC_ADMIN)
                    .with_attr("affiliation", self.affiliation(&o.bare).as_str())
                    .with_attr("role", o.role.as_str())
                    .with_attr("nick", o.nick.clone());
                if let Some(s) = o.sessions.first() {
                    i.set_attr_str("jid", s.to_string());
                }
                query.append_child(i);
            }
        } else {
            out.push(self.error(iq, ErrorType::Modify, DefinedCondition::BadRequest, None));
            return;
        }
        out.push(iq_result(iq, Some(query)));
    }
}
