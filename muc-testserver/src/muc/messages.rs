//! Messages to a room: groupchat (§7.4), subject (§8.1), private messages
//! (§7.5), mediated invitations and declines (§7.8), voice requests (§7.13,
//! §8.6), and error bounces (§11.1).

use jid::{FullJid, Jid};
use minidom::Element;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

use super::affiliations::{Affiliation, Role};
use super::config::form_value;
use super::room::{Room, Subject};
use crate::profile::Profile;
use crate::stanza::{
    ElementExt, NS_CLIENT, NS_DATA, NS_MUC_REQUEST, NS_MUC_USER, NS_OCCUPANT_ID, NS_SID, el,
    new_id, now_stamp, stanza as new_stanza,
};

impl Room {
    /// A message to the room (`nick` = `None`) or to an occupant.
    pub fn handle_message(
        &mut self,
        from: &FullJid,
        nick: Option<&str>,
        stanza: &Element,
        out: &mut Vec<Element>,
    ) {
        if stanza.attr("type") == Some("error") {
            if let Some(idx) = self.find_session(from) {
                self.remove_with_error(idx, out);
            }
            return;
        }
        if let Some(nick) = nick {
            self.private_message(from, nick, stanza, out);
            return;
        }
        if let Some(x) = stanza.get_child("x", NS_MUC_USER) {
            if x.has_child("invite", NS_MUC_USER) {
                self.invite(from, stanza, x, out);
                return;
            }
            if let Some(d) = x.get_child("decline", NS_MUC_USER) {
                self.decline(from, d, out);
                return;
            }
        }
        if let Some(form) = stanza.get_child("x", NS_DATA) {
            if form_value(form, "FORM_TYPE").as_deref() == Some(NS_MUC_REQUEST) {
                self.voice_request(from, stanza, form, out);
                return;
            }
        }
        if stanza.attr("type") == Some("groupchat") {
            self.groupchat(from, stanza, out);
        } else {
            out.push(self.error(
                stanza,
                ErrorType::Modify,
                DefinedCondition::BadRequest,
                Some("Messages to the room must be of type groupchat"),
            ));
        }
    }

    fn not_occupant(&self, stanza: &Element) -> Element {
        let (type_, text) = self.profile.not_occupant_error();
        let mut e = self.error(stanza, type_, DefinedCondition::NotAcceptable, Some(text));
        if self.profile == Profile::Prosody {
            // Prosody's not-acceptable comes without `by`.
            if let Some(err) = e.get_child_mut("error", NS_CLIENT) {
                err.remove_attr("by");
            }
        }
        e
    }

    fn groupchat(&mut self, from: &FullJid, stanza: &Element, out: &mut Vec<Element>) {
        let Some(idx) = self.find_session(from) else {
            out.push(self.not_occupant(stanza));
            return;
        };
        let sender = self.occupants[idx].clone();
        let has_body = stanza.children().any(|c| c.name() == "body");
        let subject = stanza.get_child("subject", NS_CLIENT);
        if let (Some(subject), false) = (subject, has_body) {
            let allowed = sender.role == Role::Moderator
                || (self.config.change_subject && sender.role >= Role::Participant);
            if !allowed {
                out.push(self.error(
                    stanza,
                    ErrorType::Auth,
                    DefinedCondition::Forbidden,
                    Some("You are not allowed to change the subject"),
                ));
                return;
            }
            self.subject = Some(Subject {
                text: subject.text(),
                nick: Some(sender.nick.clone()),
                stamp: now_stamp(),
            });
            let mut m = stanza.clone();
            m.set_attr_str("from", self.occupant_jid(&sender.nick));
            if !self.profile.subject_keeps_id() {
                m.remove_attr("id");
            }
            self.fan_out(&m, out);
            return;
        }
        if sender.role < Role::Participant {
            out.push(self.error(
                stanza,
                ErrorType::Auth,
                DefinedCondition::Forbidden,
                Some("Visitors are not allowed to send messages to all occupants"),
            ));
            return;
        }
        let mut m = stanza.clone();
        m.set_attr_str("from", self.occupant_jid(&sender.nick));
        m.remove_attr("to");
        // Never pass on a stanza-id claiming to be from this room (XEP-0359).
        let room = self.jid.to_string();
        let foreign: Vec<Element> = m
            .children()
            .filter(|c| !(c.is("stanza-id", NS_SID) && c.attr("by") == Some(room.as_str())))
            .filter(|c| !c.is("occupant-id", NS_OCCUPANT_ID))
            .cloned()
            .collect();
        let mut clean = stanza_shell(&m);
        for c in foreign {
            clean.append_child(c);
        }
        let mut m = clean;
        if self.profile.occupant_id() {
            m.append_child(el("occupant-id", NS_OCCUPANT_ID).with_attr("id", sender.occupant_id));
        }
        if self.profile.stanza_id() {
            m.append_child(
                el("stanza-id", NS_SID)
                    .with_attr("id", new_id())
                    .with_attr("by", room),
            );
        }
        if has_body {
            let limit = self.config.history_length;
            self.history.push(m.clone(), limit);
        }
        self.fan_out(&m, out);
    }

    /// Send a message (without `to`) to every occupant session.
    fn fan_out(&self, m: &Element, out: &mut Vec<Element>) {
        for o in &self.occupants {
            for s in &o.sessions {
                let mut copy = m.clone();
                copy.set_attr_str("to", s.to_string());
                out.push(copy);
            }
        }
    }

    fn private_message(
        &self,
        from: &FullJid,
        nick: &str,
        stanza: &Element,
        out: &mut Vec<Element>,
    ) {
        if stanza.attr("type") == Some("groupchat") {
            out.push(self.error(
                stanza,
                ErrorType::Modify,
                DefinedCondition::BadRequest,
                Some("Private messages of type groupchat are not allowed"),
            ));
            return;
        }
        let Some(sender) = self.find_session(from).map(|i| &self.occupants[i]) else {
            out.push(self.not_occupant(stanza));
            return;
        };
        if !self.config.allow_private_messages && sender.role != Role::Moderator {
            out.push(self.error(
                stanza,
                ErrorType::Cancel,
                DefinedCondition::NotAllowed,
                Some("Private messages are not allowed in this room"),
            ));
            return;
        }
        let Some(target) = self.find_nick(nick).map(|i| &self.occupants[i]) else {
            out.push(self.error(
                stanza,
                ErrorType::Cancel,
                DefinedCondition::ItemNotFound,
                Some(self.profile.recipient_not_in_room_text()),
            ));
            return;
        };
        let mut m = stanza.clone();
        m.set_attr_str("from", self.occupant_jid(&sender.nick));
        if self.profile.occupant_id() {
            m.append_child(
                el("occupant-id", NS_OCCUPANT_ID).with_attr("id", sender.occupant_id.clone()),
            );
        }
        for s in &target.sessions {
            let mut copy = m.clone();
            copy.set_attr_str("to", s.to_string());
            out.push(copy);
        }
    }

    fn invite(&mut self, from: &FullJid, stanza: &Element, x: &Element, out: &mut Vec<Element>) {
        let Some(inviter) = self.find_session(from).map(|i| self.occupants[i].clone()) else {
            out.push(self.not_occupant(stanza));
            return;
        };
        let aff = self.affiliation(&inviter.bare);
        let allowed = if self.config.members_only {
            aff >= Affiliation::Admin
                || (self.config.allow_invites && inviter.role >= Role::Participant)
        } else {
            inviter.role >= Role::Participant || aff >= Affiliation::Member
        };
        if !allowed {
            out.push(self.error(
                stanza,
                ErrorType::Auth,
                DefinedCondition::Forbidden,
                Some("You are not allowed to invite others to this room"),
            ));
            return;
        }
        for invite in x.children().filter(|c| c.is("invite", NS_MUC_USER)) {
            let Some(to) = invite.attr("to").and_then(|t| t.parse::<Jid>().ok()) else {
                out.push(self.error(
                    stanza,
                    ErrorType::Modify,
                    DefinedCondition::JidMalformed,
                    None,
                ));
                return;
            };
            if self.config.members_only && self.affiliation(&to.to_bare()) == Affiliation::None {
                self.set_affiliation(to.to_bare(), Affiliation::Member);
            }
            let mut inv = el("invite", NS_MUC_USER).with_attr("from", from.to_string());
            if let Some(r) = invite.get_child("reason", NS_MUC_USER) {
                inv.append_child(r.clone());
            }
            let mut ux = el("x", NS_MUC_USER).with_child(inv);
            if let Some(pw) = &self.config.password {
                ux.append_child(el("password", NS_MUC_USER).with_text(pw.clone()));
            }
            let mut m = new_stanza("message")
                .with_attr("from", self.jid.to_string())
                .with_attr("to", to.to_string())
                .with_child(ux);
            if let Some(id) = stanza.attr("id") {
                m.set_attr_str("id", id);
            }
            m.append_child(el("body", NS_CLIENT).with_text(format!(
                "{} invited you to the room {}",
                from.to_bare(),
                self.jid
            )));
            out.push(m);
        }
    }

    fn decline(&self, from: &FullJid, decline: &Element, out: &mut Vec<Element>) {
        let Some(to) = decline.attr("to").and_then(|t| t.parse::<Jid>().ok()) else {
            return;
        };
        let mut d = el("decline", NS_MUC_USER).with_attr("from", from.to_bare().to_string());
        if let Some(r) = decline.get_child("reason", NS_MUC_USER) {
            d.append_child(r.clone());
        }
        out.push(
            new_stanza("message")
                .with_attr("from", self.jid.to_string())
                .with_attr("to", to.to_string())
                .with_child(el("x", NS_MUC_USER).with_child(d)),
        );
    }

    fn voice_request(
        &mut self,
        from: &FullJid,
        stanza: &Element,
        form: &Element,
        out: &mut Vec<Element>,
    ) {
        let Some(idx) = self.find_session(from) else {
            out.push(self.not_occupant(stanza));
            return;
        };
        let me = self.occupants[idx].clone();
        if form.attr("type") == Some("submit") && me.role == Role::Moderator {
            // A moderator answering a voice request.
            if form_value(form, "muc#request_allow").is_some_and(|v| v == "1" || v == "true") {
                let target = form_value(form, "muc#roomnick").and_then(|n| self.find_nick(&n));
                if let Some(t) = target {
                    if self.occupants[t].role == Role::Visitor {
                        self.occupants[t].role = Role::Participant;
                        let o = &self.occupants[t];
                        let p = self.pres_of(o);
                        self.broadcast(&p, o, None, out);
                    }
                }
            }
            return;
        }
        if !self.config.allow_voice_requests {
            out.push(self.error(
                stanza,
                ErrorType::Auth,
                DefinedCondition::Forbidden,
                Some("Voice requests are disabled in this room"),
            ));
            return;
        }
        if me.role != Role::Visitor {
            return;
        }
        let field = |var: &str, type_: &str, label: &str, value: &str| {
            el("field", NS_DATA)
                .with_attr("var", var)
                .with_attr("type", type_)
                .with_attr("label", label)
                .with_child(el("value", NS_DATA).with_text(value))
        };
        let approval = el("x", NS_DATA)
            .with_attr("type", "form")
            .with_child(el("title", NS_DATA).with_text("Voice request"))
            .with_child(el("instructions", NS_DATA).with_text(
                "To approve this request for voice, select the \"Grant voice to this person?\" checkbox and click OK.",
            ))
            .with_child(field("FORM_TYPE", "hidden", "", NS_MUC_REQUEST))
            .with_child(field("muc#role", "list-single", "Requested role", "participant"))
            .with_child(field("muc#jid", "jid-single", "User ID", &from.to_string()))
            .with_child(field("muc#roomnick", "text-single", "Room Nickname", &me.nick))
            .with_child(field(
                "muc#request_allow",
                "boolean",
                "Grant voice to this person?",
                "false",
            ));
        for m in self.occupants.iter().filter(|o| o.role == Role::Moderator) {
            for s in &m.sessions {
                out.push(
                    new_stanza("message")
                        .with_attr("from", self.jid.to_string())
                        .with_attr("to", s.to_string())
                        .with_attr("id", new_id())
                        .with_child(approval.clone()),
                );
            }
        }
    }
}

/// A copy of a stanza's element with its attributes and no children.
fn stanza_shell(m: &Element) -> Element {
    let mut shell = new_stanza(m.name());
    for ((ns, name), value) in m.attrs().iter() {
        shell
            .attrs_mut()
            .insert(ns.clone(), name.clone(), value.clone());
    }
    shell
}
