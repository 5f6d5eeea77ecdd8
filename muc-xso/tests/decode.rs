//! Decoding: tolerance (unknown attributes, foreign children, unknown status
//! codes), losslessness (order and foreign children survive), and typed
//! errors that name the element and attribute at fault.

use minidom::Element;
use muc_xso::*;

fn el(s: &str) -> Element {
    s.parse().expect("test XML is well-formed")
}

type Fault = (&'static str, &'static str, String);

fn invalid_attr<T: Payload + std::fmt::Debug>(xml: &str) -> Fault {
    match T::decode(el(xml)) {
        Err(Error::InvalidAttribute {
            element,
            attribute,
            value,
            ..
        }) => (element, attribute, value),
        other => panic!("expected InvalidAttribute for {xml}, got {other:?}"),
    }
}

const USER: &str = "http://jabber.org/protocol/muc#user";

#[test]
fn unknown_attributes_and_foreign_children_never_fail() {
    let xml = format!(
        "<x xmlns='{USER}' weird='1'><item affiliation='member' role='participant' color='red'>\
         <actor nick='a' extra='x'/><reason>r</reason><sparkle xmlns='urn:example'/></item>\
         <status code='110' flavour='vanilla'/><hats xmlns='urn:xmpp:hats:0'/></x>"
    );
    let x = UserExt::decode(el(&xml)).expect("tolerant");
    assert_eq!(
        x.item().and_then(|i| i.affiliation),
        Some(Affiliation::Member)
    );
    assert!(x.has_status(StatusCode::SELF_PRESENCE));
    assert_eq!(x.extra.len(), 1, "the foreign child of <x/> is kept");
    assert!(x.extra[0].is("hats", "urn:xmpp:hats:0"));
}

#[test]
fn children_keep_their_document_order() {
    // Prosody interleaves status codes around the item.
    let xml = format!(
        "<x xmlns='{USER}'><status code='201'/><item affiliation='owner' role='moderator'/><status code='110'/></x>"
    );
    let x = UserExt::decode(el(&xml)).expect("valid");
    assert_eq!(String::from(&Element::from(x)), xml);
}

#[test]
fn unknown_status_codes_are_kept_as_numbers() {
    let x = UserExt::decode(el(&format!(
        "<x xmlns='{USER}'><status code='174'/><status code='999'/></x>"
    )))
    .expect("valid");
    assert_eq!(
        x.status_codes().collect::<Vec<_>>(),
        [StatusCode::NOW_FULLY_ANONYMOUS, StatusCode(999)]
    );
    assert_eq!(StatusCode(999).description(), None);
    assert_eq!(format!("{:?}", StatusCode(307)), "StatusCode(307 kicked)");
}

#[test]
fn duplicate_status_codes_are_kept() {
    let x = UserExt::decode(el(&format!(
        "<x xmlns='{USER}'><status code='110'/><status code='110'/></x>"
    )))
    .expect("valid");
    assert_eq!(x.status_codes().count(), 2);
}

#[test]
fn invalid_values_name_element_and_attribute() {
    let cases: Vec<(Fault, (&str, &str, &str))> = vec![
        (
            invalid_attr::<UserExt>(&format!("<x xmlns='{USER}'><item affiliation='boss'/></x>")),
            ("item", "affiliation", "boss"),
        ),
        (
            invalid_attr::<UserExt>(&format!("<x xmlns='{USER}'><item role='king'/></x>")),
            ("item", "role", "king"),
        ),
        (
            invalid_attr::<UserExt>(&format!("<x xmlns='{USER}'><item jid='a@b@c'/></x>")),
            ("item", "jid", "a@b@c"),
        ),
        (
            invalid_attr::<UserExt>(&format!("<x xmlns='{USER}'><status code='abc'/></x>")),
            ("status", "code", "abc"),
        ),
        (
            invalid_attr::<UserExt>(&format!(
                "<x xmlns='{USER}'><item><actor jid='@'/></item></x>"
            )),
            ("actor", "jid", "@"),
        ),
        (
            invalid_attr::<UserExt>(&format!("<x xmlns='{USER}'><invite to='@@'/></x>")),
            ("invite", "to", "@@"),
        ),
        (
            invalid_attr::<UserExt>(&format!("<x xmlns='{USER}'><decline from='@@'/></x>")),
            ("decline", "from", "@@"),
        ),
        (
            invalid_attr::<UserExt>(&format!("<x xmlns='{USER}'><destroy jid='@@'/></x>")),
            ("destroy", "jid", "@@"),
        ),
        (
            invalid_attr::<GenericExt>(
                "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='-1'/></x>",
            ),
            ("history", "maxstanzas", "-1"),
        ),
        (
            invalid_attr::<GenericExt>(
                "<x xmlns='http://jabber.org/protocol/muc'><history since='yesterday'/></x>",
            ),
            ("history", "since", "yesterday"),
        ),
        (
            invalid_attr::<AdminQuery>(
                "<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='god'/></query>",
            ),
            ("item", "affiliation", "god"),
        ),
        (
            invalid_attr::<OwnerQuery>(
                "<query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='@'/></query>",
            ),
            ("destroy", "jid", "@"),
        ),
        (
            invalid_attr::<DirectInvite>(
                "<x xmlns='jabber:x:conference' jid='a@b' continue='maybe'/>",
            ),
            ("x", "continue", "maybe"),
        ),
        (
            invalid_attr::<DirectInvite>("<x xmlns='jabber:x:conference' jid='a@b/c/d@'/>"),
            ("x", "jid", "a@b/c/d@"),
        ),
    ];
    for (got, (element, attribute, value)) in cases {
        assert_eq!((got.0, got.1, got.2.as_str()), (element, attribute, value));
    }
}

#[test]
fn error_messages_are_readable() {
    let e = UserExt::decode(el(&format!(
        "<x xmlns='{USER}'><item affiliation='boss'/></x>"
    )))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid affiliation='boss' on <item/>: 'boss' is not one of: owner, admin, member, outcast, none"
    );
}

#[test]
fn missing_required_attributes_are_errors() {
    assert!(matches!(
        DirectInvite::decode(el("<x xmlns='jabber:x:conference' reason='hi'/>")),
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        UserExt::decode(el(&format!("<x xmlns='{USER}'><status/></x>"))),
        Err(Error::Invalid { .. })
    ));
}

#[test]
fn wrong_element_is_reported_as_such() {
    match UserExt::decode(el("<x xmlns='http://jabber.org/protocol/muc'/>")) {
        Err(Error::UnexpectedElement {
            expected,
            namespace,
            ..
        }) => {
            assert_eq!(expected, "x");
            assert_eq!(namespace, "http://jabber.org/protocol/muc");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn find_in_tells_absent_from_invalid() {
    let ok = el(&format!("<x xmlns='{USER}'/>"));
    let bad = el(&format!("<x xmlns='{USER}'><item role='king'/></x>"));
    let other = el("<delay xmlns='urn:xmpp:delay' stamp='2002-10-13T23:58:37Z'/>");
    assert!(UserExt::find_in(std::slice::from_ref(&other)).is_none());
    assert!(matches!(
        UserExt::find_in(&[other.clone(), ok]),
        Some(Ok(_))
    ));
    assert!(matches!(UserExt::find_in(&[other, bad]), Some(Err(_))));
}

#[test]
fn direct_invite_keeps_numeric_booleans_and_ignores_text() {
    let xml = "<x xmlns='jabber:x:conference' continue='1' jid='darkcave@macbeth.shakespeare.lit' thread='t'>Join us</x>";
    let d = DirectInvite::decode(el(xml)).expect("valid");
    assert!(d.continues());
    assert_eq!(
        String::from(&Element::from(d)),
        "<x xmlns='jabber:x:conference' continue='1' jid='darkcave@macbeth.shakespeare.lit' thread='t'/>"
    );
}

#[test]
fn history_since_is_written_with_z_for_utc() {
    let g = GenericExt::decode(el(
        "<x xmlns='http://jabber.org/protocol/muc'><history since='1970-01-01T00:00:00Z'/></x>",
    ))
    .expect("valid");
    assert!(String::from(&Element::from(g)).contains("since='1970-01-01T00:00:00Z'"));
}

#[test]
fn decode_encode_decode_is_stable_for_the_server_captures() {
    // Stanzas as Prosody 0.12 and ejabberd 23.01 sent them (research notes).
    let captures = [
        "<x xmlns='http://jabber.org/protocol/muc#user'><status code='201'/><item affiliation='owner' role='moderator' jid='alice@localhost/FOjJgIHd8r9h'/><status code='110'/></x>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><status code='307'/><item affiliation='none' role='none' jid='bob@localhost/ryBzHMmk5ePR'><actor nick='Alice' jid='alice@localhost/FOjJgIHd8r9h'/><reason>bye bob</reason></item></x>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><destroy jid='other@conference.localhost'><reason>moving</reason></destroy><item affiliation='none' role='none' jid='bob@localhost/qWv_SseKna3F'/><status code='110'/></x>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><item nick='Robert' jid='bob@localhost/res-b' role='participant' affiliation='none'/><status code='303'/><status code='110'/></x>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><status code='172'/><status code='104'/></x>",
    ];
    for xml in captures {
        let once = UserExt::decode(el(xml)).expect("capture decodes");
        let twice = UserExt::decode(Element::from(once.clone())).expect("re-decodes");
        assert_eq!(once, twice, "{xml}");
    }
}

#[test]
fn types_ride_in_xmpp_parsers_stanzas() {
    use xmpp_parsers::iq::Iq;
    use xmpp_parsers::message::Message;
    use xmpp_parsers::presence::Presence;
    let room: jid::Jid = "coven@chat.shakespeare.lit".parse().expect("jid");
    let p = Presence::available()
        .with_payload(GenericExt::new())
        .with_payload(UserExt::new());
    assert!(GenericExt::find_in(&p.payloads).is_some());
    let m = Message::normal(Some(room.clone()))
        .with_payload(UserExt::new().with_invite(Invite::to(room.clone())))
        .with_payload(DirectInvite::new(room.to_bare()));
    assert_eq!(
        UserExt::find_in(&m.payloads)
            .expect("present")
            .expect("valid")
            .invites()
            .count(),
        1
    );
    let get = Iq::from_get(
        "q1",
        AdminQuery::new(vec![AdminItem::list_affiliation(Affiliation::Member)]),
    );
    let set = Iq::from_set("q2", OwnerQuery::instant());
    let result = Iq::from_result("q3", Some(AdminQuery::default()));
    for iq in [get, set, result] {
        let back = Iq::try_from(Element::from(iq.clone())).expect("iq round trip");
        assert_eq!(back, iq);
    }
}
