//! `Router::handle_presence_bytes` (presences as a stream reader cuts them,
//! decoded without a tree) against `Router::handle_stanza` on the parsed
//! stanza: the same events, the same room state, the same stanzas given
//! back, and typed errors for bytes that are not a readable presence.

mod common;

use common::{Harness, stanza};
use muc_core::wire::DecodeError;
use muc_core::xmpp_parsers::stanza::Stanza;
use muc_core::{Event, PresenceBytes};

const ROOM: &str = "coven@chat.shakespeare.lit";

/// Two routers in the same joined room: one fed parsed stanzas, one bytes.
fn pair() -> (Harness, Harness) {
    let make = || {
        let mut h = Harness::new();
        h.join(ROOM, "thirdwitch");
        h.take_events();
        h.take_sent();
        h
    };
    (make(), make())
}

/// Feeds `xml` to both; they must agree. Returns what the bytes path said.
fn both(parsed: &mut Harness, bytes: &mut Harness, xml: &str) -> PresenceBytes {
    let back = parsed.feed(xml);
    let outcome = bytes
        .router
        .handle_presence_bytes(xml.as_bytes(), bytes.now)
        .unwrap_or_else(|e| panic!("{xml}: {e}"));
    bytes.pump();
    match (&outcome, back) {
        (PresenceBytes::Room(_), None) => {}
        (PresenceBytes::NotMine(p), Some(Stanza::Presence(q))) => assert_eq!(p, &q, "{xml}"),
        (o, b) => panic!("{xml}: bytes path {o:?}, parsed path gave back {b:?}"),
    }
    let (a, b) = (parsed.take_events(), bytes.take_events());
    assert_eq!(format!("{a:?}"), format!("{b:?}"), "{xml}");
    assert_eq!(
        format!("{:?}", parsed.take_sent_xml()),
        format!("{:?}", bytes.take_sent_xml()),
        "{xml}"
    );
    outcome
}

fn occupants(h: &Harness) -> String {
    let room = h.router.room(&ROOM.parse().expect("jid")).expect("room");
    format!("{:?}", room.occupants())
}

#[test]
fn a_room_lives_the_same_from_bytes() {
    let (mut parsed, mut bytes) = pair();
    let script = [
        // Others, then our own presence: the join completes.
        "<presence from='coven@chat.shakespeare.lit/firstwitch' to='hag66@shakespeare.lit/pda' id='a1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator' jid='crone1@shakespeare.lit/desktop'/></x></presence>",
        "<presence from='coven@chat.shakespeare.lit/secondwitch'><show>away</show><status xml:lang='en'>brewing</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/></x><occupant-id xmlns='urn:xmpp:occupant-id:0' id='oid-2'/></presence>",
        "<presence from='coven@chat.shakespeare.lit/thirdwitch' to='hag66@shakespeare.lit/pda'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/><status code='210'/></x></presence>",
        // Status change, nick change, kick, a foreign child (general path).
        "<presence from='coven@chat.shakespeare.lit/secondwitch'><show>dnd</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/></x><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>",
        "<presence from='coven@chat.shakespeare.lit/firstwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator' nick='oldhag'/><status code='303'/></x></presence>",
        "<presence from='coven@chat.shakespeare.lit/oldhag'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>",
        "<presence from='coven@chat.shakespeare.lit/secondwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='none'><actor nick='oldhag'/><reason>out</reason></item><status code='307'/></x></presence>",
    ];
    for xml in script {
        assert!(matches!(
            both(&mut parsed, &mut bytes, xml),
            PresenceBytes::Room(Some(_))
        ));
    }
    assert_eq!(occupants(&parsed), occupants(&bytes));
    assert!(occupants(&bytes).contains("oldhag"));
}

#[test]
fn what_is_not_the_rooms_comes_back_parsed() {
    let (mut parsed, mut bytes) = pair();
    // A contact's presence, and one from a room we are not in.
    for xml in [
        "<presence from='juliet@capulet.lit/balcony'><show>chat</show></presence>",
        "<presence from='other@chat.shakespeare.lit/x'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>",
        "<presence from='juliet@capulet.lit/balcony'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='bogus'/></x></presence>",
    ] {
        let outcome = both(&mut parsed, &mut bytes, xml);
        let PresenceBytes::NotMine(p) = outcome else {
            panic!("{xml}: not given back");
        };
        assert!(
            matches!(stanza(xml), Stanza::Presence(q) if q == p),
            "{xml}"
        );
    }
}

#[test]
fn invalid_presences_from_the_room_are_ignored_the_same_way() {
    let (mut parsed, mut bytes) = pair();
    for xml in [
        // Invalid MUC parts, and no MUC parts at all.
        "<presence from='coven@chat.shakespeare.lit/x'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='bogus' role='participant'/></x></presence>",
        "<presence from='coven@chat.shakespeare.lit/y'/>",
    ] {
        both(&mut parsed, &mut bytes, xml);
    }
    assert_eq!(occupants(&parsed), occupants(&bytes));
}

#[test]
fn unreadable_bytes_are_typed_errors_and_change_nothing() {
    let (_, mut bytes) = pair();
    let before = occupants(&bytes);
    for (xml, xml_error) in [
        ("<presence from='coven@chat.shakespeare.lit/x'><x>", true),
        (
            "<presence from='coven@chat.shakespeare.lit/x' type='bogus'/>",
            false,
        ),
        ("<message from='coven@chat.shakespeare.lit/x'/>", false),
    ] {
        match bytes
            .router
            .handle_presence_bytes(xml.as_bytes(), bytes.now)
        {
            Err(DecodeError::Xml(_)) => assert!(xml_error, "{xml}"),
            Err(DecodeError::Presence(_) | DecodeError::NotPresence(_)) => {
                assert!(!xml_error, "{xml}")
            }
            other => panic!("{xml}: {other:?}"),
        }
        bytes.pump();
        assert!(
            bytes
                .take_events()
                .iter()
                .all(|e| !matches!(e, Event::Room { .. }))
        );
    }
    assert_eq!(occupants(&bytes), before);
}
