//! Stanzas the server answers itself: IQs to the account's bare JID
//! (roster) and to the server domain (disco, ping).

use jid::FullJid;
use minidom::Element;
use xmpp_parsers::ns;
use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

use crate::profile::Profile;
use crate::stanza::{
    ElementExt, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, el, iq_result, is_error_or_result,
    stanza_error,
};

/// IQs without `to` (addressed to the account itself): an empty roster,
/// `service-unavailable` for everything else.
pub(crate) fn handle_own_account(from: &FullJid, mut stanza: Element, out: &mut Vec<Element>) {
    // Broadcast presence: there are no rosters, so nobody to tell.
    // Messages to one's own bare JID are dropped.
    if stanza.name() != "iq" {
        return;
    }
    stanza.set_attr_str("to", from.to_bare().to_string());
    if is_error_or_result(&stanza) {
        return;
    }
    if let Some(q) = stanza.children().next() {
        if q.is("query", ns::ROSTER) && stanza.attr("type") == Some("get") {
            let reply = iq_result(&stanza, Some(el("query", ns::ROSTER)));
            out.push(reply.with_attr("to", from.to_string()));
            return;
        }
    }
    let reply = stanza_error(
        &stanza,
        ErrorType::Cancel,
        DefinedCondition::ServiceUnavailable,
        None,
    );
    out.push(reply.with_attr("to", from.to_string()));
}

/// IQs to the server's own domain: disco, ping.
pub(crate) fn handle_server(
    muc_domain: &str,
    profile: Profile,
    stanza: Element,
    out: &mut Vec<Element>,
) {
    if stanza.name() != "iq" || is_error_or_result(&stanza) {
        return;
    }
    let get = stanza.attr("type") == Some("get");
    let payload = stanza.children().next().cloned();
    let reply = match payload {
        Some(q) if get && q.is("query", NS_DISCO_INFO) && q.attr("node").is_none() => {
            let mut query = el("query", NS_DISCO_INFO).with_child(
                el("identity", NS_DISCO_INFO)
                    .with_attr("category", "server")
                    .with_attr("type", "im")
                    .with_attr("name", "muc-testserver"),
            );
            for f in [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING, ns::ROSTER] {
                query.append_child(el("feature", NS_DISCO_INFO).with_attr("var", f));
            }
            iq_result(&stanza, Some(query))
        }
        Some(q) if get && q.is("query", NS_DISCO_ITEMS) && q.attr("node").is_none() => {
            let query = el("query", NS_DISCO_ITEMS).with_child(
                el("item", NS_DISCO_ITEMS)
                    .with_attr("jid", muc_domain)
                    .with_attr("name", profile.service_name()),
            );
            iq_result(&stanza, Some(query))
        }
        Some(q) if get && q.is("ping", NS_PING) => iq_result(&stanza, None),
        _ => stanza_error(
            &stanza,
            ErrorType::Cancel,
            DefinedCondition::ServiceUnavailable,
            None,
        ),
    };
    out.push(reply);
}
