//! Answers to the few IQs addressed to us that no application should have
//! to write by hand, for library-owned streams: XEP-0199 ping and
//! XEP-0030 disco#info (announcing MUC and direct-invitation support, which
//! aioxmpp never did).
//!
//! With an application-owned stream these go back to the application like
//! every stanza that is not MUC's.

use muc_core::Router;
use xmpp_parsers::disco::{DiscoInfoResult, Identity};
use xmpp_parsers::iq::Iq;
use xmpp_parsers::stanza::Stanza;

/// The features we announce.
pub(crate) const FEATURES: [&str; 4] = [
    "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/muc",
    "jabber:x:conference",
    "urn:xmpp:ping",
];

/// Answers `stanza` if it is a ping or a disco#info query to us; returns
/// whether it did.
pub(crate) fn answer(stanza: &Stanza, router: &mut Router) -> bool {
    let Stanza::Iq(Iq::Get {
        from, id, payload, ..
    }) = stanza
    else {
        return false;
    };
    let reply_payload = if payload.is("ping", "urn:xmpp:ping") {
        None
    } else if payload.is("query", "http://jabber.org/protocol/disco#info")
        && payload.attr("node").is_none()
    {
        let info = DiscoInfoResult {
            node: None,
            identities: vec![Identity::new("client", "pc", "en", "muc-client")],
            features: FEATURES.iter().map(|f| (*f).to_owned()).collect(),
            extensions: Vec::new(),
        };
        Some(info.into())
    } else {
        return false;
    };
    router.send_raw(Stanza::Iq(Iq::Result {
        from: None,
        to: from.clone(),
        id: id.clone(),
        payload: reply_payload,
    }));
    true
}
