//! `muc#owner` (configuration form, instant room, destroy; §10) and room
//! registration with `jabber:iq:register` (§7.10).

use jid::FullJid;
use minidom::Element;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

use super::affiliations::{Affiliation, Role};
use super::config::{apply_form, change_codes, config_form, form_value};
use super::room::{Pres, Removal, Room};
use crate::stanza::{ElementExt, NS_DATA, NS_MUC_OWNER, NS_MUC_USER, NS_REGISTER, el, iq_result};

/// What the service must do with the room after an owner request.
pub(crate) enum Fate {
    Keep,
    Destroy,
}

impl Room {
    /// An IQ with a `muc#owner` query.
    pub fn handle_owner(
        &mut self,
        from: &FullJid,
        iq: &Element,
        query: &Element,
        out: &mut Vec<Element>,
    ) -> Fate {
        if self.affiliation(&from.to_bare()) != Affiliation::Owner {
            out.push(self.error(
                iq,
                ErrorType::Auth,
                DefinedCondition::Forbidden,
                Some("Owner privileges required"),
            ));
            return Fate::Keep;
        }
        if iq.attr("type") == Some("get") {
            let form = config_form(self.jid.as_str(), &self.config);
            out.push(iq_result(
                iq,
                Some(el("query", NS_MUC_OWNER).with_child(form)),
            ));
            return Fate::Keep;
        }
        if let Some(destroy) = query.get_child("destroy", NS_MUC_OWNER) {
            self.destroy(destroy, out);
            out.push(iq_result(iq, None));
            return Fate::Destroy;
        }
        let Some(form) = query.get_child("x", NS_DATA) else {
            out.push(self.error(iq, ErrorType::Modify, DefinedCondition::BadRequest, None));
            return Fate::Keep;
        };
        match form.attr("type") {
            Some("cancel") => {
                // §10.1.3 says cancelling the initial configuration destroys
                // the room; neither server does. Both answer success and
                // keep the room with the owner in it: Prosody keeps it
                // locked (others get item-not-found until a submitted form),
                // ejabberd never locked it.
                out.push(iq_result(iq, None));
                Fate::Keep
            }
            Some("submit") => {
                let new = match apply_form(&self.config, form) {
                    Ok(c) => c,
                    Err(e) => {
                        out.push(self.error(
                            iq,
                            ErrorType::Modify,
                            DefinedCondition::NotAcceptable,
                            Some(&e.0),
                        ));
                        return Fate::Keep;
                    }
                };
                let old = std::mem::replace(&mut self.config, new);
                let was_locked = std::mem::replace(&mut self.locked, false);
                self.history.trim(self.config.history_length);
                if !was_locked {
                    let codes = change_codes(self.profile, &old, &self.config);
                    if !codes.is_empty() {
                        self.status_message(&codes, out);
                    }
                }
                if self.config.members_only && !old.members_only {
                    while let Some(idx) = self
                        .occupants
                        .iter()
                        .position(|o| self.affiliation(&o.bare) < Affiliation::Member)
                    {
                        let removal = Removal {
                            codes: vec![322],
                            ..Default::default()
                        };
                        self.remove_occupant(idx, removal, out);
                    }
                }
                out.push(iq_result(iq, None));
                Fate::Keep
            }
            _ => {
                out.push(self.error(iq, ErrorType::Modify, DefinedCondition::BadRequest, None));
                Fate::Keep
            }
        }
    }

    /// Tell every occupant the room is gone (§10.9).
    pub fn destroy(&mut self, request: &Element, out: &mut Vec<Element>) {
        let mut d = el("destroy", NS_MUC_USER);
        if let Some(j) = request.attr("jid") {
            d.set_attr_str("jid", j);
        }
        if let Some(r) = request.children().find(|c| c.name() == "reason") {
            d.append_child(el("reason", NS_MUC_USER).with_text(r.text()));
        }
        if let Some(p) = request.children().find(|c| c.name() == "password") {
            d.append_child(el("password", NS_MUC_USER).with_text(p.text()));
        }
        let with_self = self.profile.destroy_has_self_status();
        for o in std::mem::take(&mut self.occupants) {
            let mut p = Pres {
                nick: &o.nick,
                unavailable: true,
                affiliation: self.affiliation(&o.bare),
                role: Role::None,
                real_jid: o.sessions.first(),
                occupant_id: Some(&o.occupant_id),
                destroy: Some(&d),
                ..Default::default()
            };
            if !with_self {
                p.self_item = Some((Affiliation::None, Role::None));
                p.no_110 = true;
                p.real_jid = None;
            }
            for s in &o.sessions {
                if self.profile.bare_room_presences() {
                    out.push(self.bare_unavailable(s));
                }
                out.push(self.render(&p, s, true, true));
            }
        }
    }

    /// An IQ with a `jabber:iq:register` query (§7.10).
    pub fn handle_register(
        &mut self,
        from: &FullJid,
        iq: &Element,
        query: &Element,
        out: &mut Vec<Element>,
    ) {
        let bare = from.to_bare();
        if self.affiliation(&bare) == Affiliation::Outcast {
            out.push(self.error(iq, ErrorType::Auth, DefinedCondition::Forbidden, None));
            return;
        }
        if iq.attr("type") == Some("get") {
            let mut q = el("query", NS_REGISTER);
            if let Some(nick) = self.registered.get(&bare) {
                q.append_child(el("registered", NS_REGISTER));
                q.append_child(el("username", NS_REGISTER).with_text(nick.clone()));
            } else {
                q.append_child(
                    el("instructions", NS_REGISTER)
                        .with_text("Choose a nickname to reserve in this room"),
                );
                let form = el("x", NS_DATA)
                    .with_attr("type", "form")
                    .with_child(el("title", NS_DATA).with_text("Room registration"))
                    .with_child(
                        el("field", NS_DATA)
                            .with_attr("var", "FORM_TYPE")
                            .with_attr("type", "hidden")
                            .with_child(el("value", NS_DATA).with_text(muc_xso::ns::REGISTER)),
                    )
                    .with_child(
                        el("field", NS_DATA)
                            .with_attr("var", "muc#register_roomnick")
                            .with_attr("type", "text-single")
                            .with_attr("label", "Nickname")
                            .with_child(el("required", NS_DATA)),
                    );
                q.append_child(form);
            }
            out.push(iq_result(iq, Some(q)));
            return;
        }
        if query.has_child("remove", NS_REGISTER) {
            self.registered.remove(&bare);
            if self.affiliation(&bare) == Affiliation::Member {
                self.set_affiliation(bare, Affiliation::None);
            }
            out.push(iq_result(iq, None));
            return;
        }
        let nick = query
            .get_child("x", NS_DATA)
            .and_then(|x| form_value(x, "muc#register_roomnick"))
            .or_else(|| query.get_child("username", NS_REGISTER).map(|u| u.text()))
            .filter(|n| !n.is_empty() && self.jid.with_resource_str(n).is_ok());
        let Some(nick) = nick else {
            out.push(self.error(iq, ErrorType::Modify, DefinedCondition::NotAcceptable, None));
            return;
        };
        let taken_by_other = self
            .registered
            .iter()
            .any(|(who, n)| *n == nick && *who != bare)
            || self
                .occupants
                .iter()
                .any(|o| o.nick == nick && o.bare != bare);
        if taken_by_other {
            out.push(self.error(iq, ErrorType::Cancel, DefinedCondition::Conflict, None));
            return;
        }
        self.registered.insert(bare.clone(), nick);
        if self.affiliation(&bare) < Affiliation::Member {
            self.set_affiliation(bare, Affiliation::Member);
        }
        out.push(iq_result(iq, None));
    }
}
