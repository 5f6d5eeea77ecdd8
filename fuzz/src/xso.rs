//! The `xso_decode` target: bytes → XML → muc-xso payloads and stanzas.
//!
//! The first byte picks a wrapper (none, or one of the MUC payloads, or a
//! stanza), so short inputs reach deep decoders; the rest is the XML.
//! Every element of the parsed tree that matches a muc-xso payload (by
//! name and namespace) is decoded; whatever decodes must encode and decode
//! back to an equal value, through the element tree and through text.

use std::fmt::Debug;

use minidom::Element;
use muc_xso::forms::{RegistrationForm, RoomConfig, RoomFeatures, RoomInfo, VoiceRequest};
use muc_xso::{
    AdminActor, AdminItem, AdminQuery, Continue, Decline, DestroyNotification, DestroyRequest,
    DirectInvite, GenericExt, History, Invite, OwnerQuery, Payload, Status, UserActor, UserExt,
    UserItem,
};
use xmpp_parsers::data_forms::DataForm;
use xmpp_parsers::disco::DiscoInfoResult;
use xmpp_parsers::stanza::Stanza;

const WRAPPERS: &[(&str, &str)] = &[
    ("", ""),
    ("<x xmlns='http://jabber.org/protocol/muc#user'>", "</x>"),
    ("<x xmlns='http://jabber.org/protocol/muc'>", "</x>"),
    (
        "<query xmlns='http://jabber.org/protocol/muc#admin'>",
        "</query>",
    ),
    (
        "<query xmlns='http://jabber.org/protocol/muc#owner'>",
        "</query>",
    ),
    ("<x xmlns='jabber:x:conference' ", "/>"),
    (
        "<presence xmlns='jabber:client' from='room@muc.example/nick'>",
        "</presence>",
    ),
    (
        "<message xmlns='jabber:client' from='room@muc.example/nick' type='groupchat'>",
        "</message>",
    ),
    (
        "<iq xmlns='jabber:client' from='room@muc.example' id='q1' type='result'>",
        "</iq>",
    ),
    ("<x xmlns='jabber:x:data' type='form'>", "</x>"),
];

/// How many elements of one tree are tried (a deep or wide tree is not
/// more interesting after that).
const MAX_ELEMENTS: usize = 512;

/// The `xso_decode` check; panics on a violation.
pub fn check(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let (open, close) = WRAPPERS[usize::from(sel) % WRAPPERS.len()];
    let mut bytes = Vec::with_capacity(open.len() + rest.len() + close.len());
    bytes.extend_from_slice(open.as_bytes());
    bytes.extend_from_slice(rest);
    bytes.extend_from_slice(close.as_bytes());
    let Ok(root) = Element::from_reader(&bytes[..]) else {
        return;
    };
    check_element(&root);
}

/// Runs every decoder on every element of the tree under `root`.
pub fn check_element(root: &Element) {
    let mut stack = vec![root];
    let mut seen = 0;
    while let Some(el) = stack.pop() {
        seen += 1;
        if seen > MAX_ELEMENTS {
            break;
        }
        decode_all(el);
        stack.extend(el.children());
    }
}

fn decode_all(el: &Element) {
    // The MUC payloads and their parts.
    roundtrip::<UserExt>(el);
    roundtrip::<GenericExt>(el);
    roundtrip::<AdminQuery>(el);
    roundtrip::<OwnerQuery>(el);
    roundtrip::<DirectInvite>(el);
    roundtrip::<History>(el);
    roundtrip::<Status>(el);
    roundtrip::<UserItem>(el);
    roundtrip::<UserActor>(el);
    roundtrip::<Continue>(el);
    roundtrip::<Invite>(el);
    roundtrip::<Decline>(el);
    roundtrip::<DestroyNotification>(el);
    roundtrip::<AdminItem>(el);
    roundtrip::<AdminActor>(el);
    roundtrip::<DestroyRequest>(el);
    if let Some(Ok(x)) = UserExt::matches(el).then(|| UserExt::decode(el.clone())) {
        // The accessors the room logic uses.
        let _ = x.status_codes().count();
        let _ = (x.item(), x.invites().count(), x.decline(), x.destroy());
        let _ = x.password();
        let _ = muc_core::LeaveMode::from_user_ext(Some(&x));
    }
    // Data forms and the views over them.
    if el.is("x", "jabber:x:data")
        && let Ok(form) = DataForm::try_from(el.clone())
    {
        forms(form);
    }
    // disco#info answers (room features and muc#roominfo).
    if el.is("query", "http://jabber.org/protocol/disco#info")
        && let Ok(info) = DiscoInfoResult::try_from(el.clone())
    {
        let features = RoomFeatures::from_disco(&info);
        let _ = format!("{features:?}");
        if let Some(i) = RoomInfo::from_disco(&info) {
            let _ = format!("{i:?}");
        }
    }
    // Stanzas carrying them.
    if el.ns() == "jabber:client" && matches!(el.name(), "presence" | "message" | "iq") {
        stanza(el);
    }
}

/// decode → encode → decode must be stable.
fn roundtrip<T: Payload + PartialEq + Debug + Clone>(el: &Element) {
    if !T::matches(el) {
        return;
    }
    let first = match T::decode(el.clone()) {
        Ok(v) => v,
        Err(e) => {
            // The typed error must describe itself without panicking.
            let _ = (format!("{e}"), format!("{e:?}"));
            return;
        }
    };
    let _ = format!("{first:?}");
    let encoded: Element = first.clone().into();
    let second = match T::decode(encoded.clone()) {
        Ok(v) => v,
        Err(e) => panic!(
            "{} decoded, encoded to {} and failed to decode again: {e}",
            std::any::type_name::<T>(),
            String::from(&encoded)
        ),
    };
    assert_eq!(first, second, "element round trip changed the value");
    let text = String::from(&encoded);
    let reparsed: Element = match text.parse() {
        Ok(e) => e,
        Err(e) => panic!("serialized payload does not parse: {e}: {text}"),
    };
    let third = match T::decode(reparsed) {
        Ok(v) => v,
        Err(e) => panic!("serialized payload does not decode: {e}: {text}"),
    };
    assert_eq!(first, third, "text round trip changed the value: {text}");
}

fn forms(form: DataForm) {
    if let Ok(c) = RoomConfig::from_form(form.clone()) {
        let _ = format!("{c:?}");
        let submit = c.to_submit();
        let _ = RoomConfig::from_form(submit);
    }
    if let Ok(i) = RoomInfo::from_form(form.clone()) {
        let _ = format!("{i:?}");
    }
    if let Ok(v) = VoiceRequest::from_form(form.clone()) {
        let _ = format!("{v:?}");
        let _ = v.to_submit();
    }
    if let Ok(r) = RegistrationForm::from_form(form) {
        let _ = format!("{r:?}");
    }
}

fn stanza(el: &Element) {
    let Ok(first) = Stanza::try_from(el.clone()) else {
        return;
    };
    let encoded = Element::from(clone_stanza(&first));
    let second = Stanza::try_from(encoded.clone())
        .unwrap_or_else(|e| panic!("stanza re-decode failed: {e:?}: {}", String::from(&encoded)));
    assert_eq!(first, second, "stanza round trip changed the value");
    // What muc-core does with it first.
    match first {
        Stanza::Presence(p) => {
            let _ = UserExt::find_in(&p.payloads);
            if let Ok(incoming) = muc_core::IncomingPresence::from_presence(p) {
                let _ = format!("{incoming:?}");
            }
        }
        Stanza::Message(m) => {
            let _ = UserExt::find_in(&m.payloads);
            let _ = DirectInvite::find_in(&m.payloads);
        }
        Stanza::Iq(_) => {}
    }
    let _ = muc_core::scrub_xml(&String::from(&encoded));
}

fn clone_stanza(s: &Stanza) -> Stanza {
    match s {
        Stanza::Presence(p) => Stanza::Presence(p.clone()),
        Stanza::Message(m) => Stanza::Message(m.clone()),
        Stanza::Iq(i) => Stanza::Iq(i.clone()),
    }
}
