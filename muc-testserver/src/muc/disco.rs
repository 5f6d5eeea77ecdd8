//! Service discovery on the MUC service and its rooms (XEP-0045 §6).

use jid::FullJid;
use minidom::Element;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

use super::config::{disco_features, roominfo_form};
use super::room::Room;
use crate::profile::Profile;
use crate::stanza::{
    ElementExt, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_MUC, NS_MUC_REQUEST, NS_MUC_UNIQUE,
    NS_OCCUPANT_ID, NS_REGISTER, el, iq_result,
};

fn feature(var: &str) -> Element {
    el("feature", NS_DISCO_INFO).with_attr("var", var)
}

/// disco#info of the service itself.
pub(crate) fn service_info(profile: Profile, iq: &Element) -> Element {
    let mut q = el("query", NS_DISCO_INFO).with_child(
        el("identity", NS_DISCO_INFO)
            .with_attr("category", "conference")
            .with_attr("type", "text")
            .with_attr("name", profile.service_name()),
    );
    let mut features = vec![
        NS_DISCO_INFO,
        NS_DISCO_ITEMS,
        NS_MUC,
        NS_MUC_UNIQUE,
        NS_REGISTER,
    ];
    if profile.occupant_id() {
        features.push(NS_OCCUPANT_ID);
    }
    for f in features {
        q.append_child(feature(f));
    }
    iq_result(iq, Some(q))
}

/// disco#items of the service: the public rooms.
pub(crate) fn service_items<'a>(iq: &Element, rooms: impl Iterator<Item = &'a Room>) -> Element {
    let mut q = el("query", NS_DISCO_ITEMS);
    for r in rooms.filter(|r| r.config.public && !r.locked) {
        let mut item = el("item", NS_DISCO_ITEMS).with_attr("jid", r.jid.to_string());
        if !r.config.name.is_empty() {
            item.set_attr_str("name", r.config.name.clone());
        } else if let Some(n) = r.jid.node() {
            item.set_attr_str("name", n.as_str());
        }
        q.append_child(item);
    }
    iq_result(iq, Some(q))
}

impl Room {
    /// disco#info of the room, or of one of its nodes.
    pub fn disco_info(&self, from: &FullJid, iq: &Element, query: &Element) -> Element {
        if let Some(node) = query.attr("node").filter(|n| !n.is_empty()) {
            return self.disco_node_info(from, iq, node);
        }
        let mut identity = el("identity", NS_DISCO_INFO)
            .with_attr("category", "conference")
            .with_attr("type", "text");
        if !self.config.name.is_empty() {
            identity.set_attr_str("name", self.config.name.clone());
        }
        let mut q = el("query", NS_DISCO_INFO).with_child(identity);
        let mut features = vec![
            NS_MUC,
            NS_DISCO_INFO,
            NS_DISCO_ITEMS,
            NS_MUC_REQUEST,
            NS_REGISTER,
        ];
        if self.profile == Profile::Prosody {
            features.push(muc_xso::ns::STABLE_ID);
            features.push(muc_xso::ns::SELF_PING_OPTIMIZATION);
        }
        if self.profile.occupant_id() {
            features.push(NS_OCCUPANT_ID);
        }
        features.extend(disco_features(&self.config));
        for f in features {
            q.append_child(feature(f));
        }
        let subject = self.subject.as_ref().map(|s| s.text.as_str()).unwrap_or("");
        q.append_child(roominfo_form(&self.config, self.occupants.len(), subject));
        iq_result(iq, Some(q))
    }

    /// disco#info with a node. Prosody (`get_disco_info`) answers every
    /// node with a query carrying it, empty unless a module fills it in:
    /// `x-roomuser-item` gets the requester's reserved nick as a
    /// `conference` identity (`register.lib.lua`). ejabberd knows no node
    /// but ad-hoc commands: `item-not-found`, "Invalid node name".
    fn disco_node_info(&self, from: &FullJid, iq: &Element, node: &str) -> Element {
        if !self.profile.answers_disco_nodes() {
            return self.error(
                iq,
                ErrorType::Cancel,
                DefinedCondition::ItemNotFound,
                Some("Invalid node name"),
            );
        }
        let mut q = el("query", NS_DISCO_INFO).with_attr("node", node);
        if node == muc_xso::ns::ROOMUSER_ITEM_NODE {
            if let Some(nick) = self.registered.get(&from.to_bare()) {
                q.append_child(
                    el("identity", NS_DISCO_INFO)
                        .with_attr("category", "conference")
                        .with_attr("type", "text")
                        .with_attr("name", nick.clone()),
                );
            }
        }
        iq_result(iq, Some(q))
    }

    /// disco#items of the room: the occupants, for occupants only (empty
    /// list otherwise, as Prosody does for non-public occupant lists).
    pub fn disco_items(&self, from: &FullJid, iq: &Element) -> Element {
        let mut q = el("query", NS_DISCO_ITEMS);
        if self.find_session(from).is_some() {
            for o in &self.occupants {
                q.append_child(
                    el("item", NS_DISCO_ITEMS).with_attr("jid", self.occupant_jid(&o.nick)),
                );
            }
        }
        iq_result(iq, Some(q))
    }
}
