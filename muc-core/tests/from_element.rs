//! `IncomingPresence::from_element` (straight from the tree) gives what
//! `from_presence` (through xmpp-parsers' `Presence`) gives, errors included.

use muc_core::IncomingPresence;
use muc_core::wire::PresenceDecoder;
use muc_core::xmpp_parsers::presence::Presence;

fn both(
    xml: &str,
) -> (
    Result<IncomingPresence, String>,
    Result<IncomingPresence, String>,
) {
    let el: minidom::Element = xml.parse().expect("well-formed");
    let fast = IncomingPresence::from_element(&el).map_err(|e| e.to_string());
    let slow = Presence::try_from(el)
        .map_err(|e| e.to_string())
        .and_then(|p| IncomingPresence::from_presence(p).map_err(|e| e.to_string()));
    (fast, slow)
}

const SAME: &[&str] = &[
    // The benchmark workload.
    "<presence xmlns='jabber:client' from='bench@muc.example.org/user00042' to='me@example.org/bench' id='join-00042'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='user00042@example.org/res'/></x></presence>",
    "<presence xmlns='jabber:client' from='bench@muc.example.org/user00042' to='me@example.org/bench' id='status-00042'><show>away</show><status>be right back</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='user00042@example.org/res'/></x></presence>",
    "<presence xmlns='jabber:client' from='bench@muc.example.org/user00042' to='me@example.org/bench' id='leave-00042' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none' jid='user00042@example.org/res'/></x></presence>",
    // Prosody: xml:lang on the stanza, occupant-id, interleaved status codes.
    "<presence xmlns='jabber:client' id='5884369196618826504' to='alice@localhost/FOjJgIHd8r9h' from='probe2@conference.localhost/Alice' xml:lang='en'><priority>0</priority><occupant-id id='TBUMQJpHF2aM8g3Thk5RR4MgtAl2dwHBLX2LeZpCFfo=' xmlns='urn:xmpp:occupant-id:0'/><x xmlns='http://jabber.org/protocol/muc#user'><status code='201'/><item affiliation='owner' role='moderator' jid='alice@localhost/FOjJgIHd8r9h'/><status code='110'/></x></presence>",
    "<presence xmlns='jabber:client' from='probe2@conference.localhost/Bob' type='unavailable' id='x' xml:lang='en'><status>gone fishing</status><status xml:lang='de'>angeln</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='110'/></x></presence>",
    // Kick with actor and reason; destroy; an error presence.
    "<presence xmlns='jabber:client' from='probe2@conference.localhost/Bobby' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='307'/><item affiliation='none' role='none' jid='bob@localhost/r'><actor nick='Alice'/><reason>bye bob</reason></item><status code='110'/></x></presence>",
    "<presence xmlns='jabber:client' from='room2@conference.localhost/Alice' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><destroy jid='other@conference.localhost'><reason>done</reason></destroy><item role='none' affiliation='none'/></x></presence>",
    "<presence xmlns='jabber:client' from='probe3@conference.localhost/Bob' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error by='probe3@conference.localhost' type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>A password is required to enter this room</text></error></presence>",
    // The bare room JID (ejabberd caps), a foreign child in muc#user, no muc#user at all.
    "<presence xmlns='jabber:client' from='room1@conference.localhost' id='1'><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>",
    "<presence xmlns='jabber:client' from='r@s/n'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><hats xmlns='urn:xmpp:hats:0'/></x></presence>",
    "<presence xmlns='jabber:client' from='r@s/n'><show>dnd</show></presence>",
];

#[test]
fn same_values_as_the_slow_path() {
    for xml in SAME {
        let (fast, slow) = both(xml);
        assert_eq!(
            fast.as_ref().ok(),
            slow.as_ref().ok(),
            "{xml}\nfast: {fast:?}\nslow: {slow:?}"
        );
        assert!(fast.is_ok(), "{xml}: {fast:?}");
    }
}

#[test]
fn both_refuse_the_same_inputs() {
    for xml in [
        "<presence xmlns='jabber:client' from='r@s/n'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='boss'/></x></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><x xmlns='http://jabber.org/protocol/muc#user'><status code='abc'/></x></presence>",
        "<presence xmlns='jabber:client'><x xmlns='http://jabber.org/protocol/muc#user'/></presence>",
        "<presence xmlns='jabber:client' from='@@'/>",
        "<presence xmlns='jabber:client' from='r@s/n' type='bogus'/>",
        "<presence xmlns='jabber:client' from='r@s/n'><show>sleepy</show></presence>",
    ] {
        let (fast, slow) = both(xml);
        assert!(
            fast.is_err() && slow.is_err(),
            "{xml}\nfast: {fast:?}\nslow: {slow:?}"
        );
    }
    let not_presence: minidom::Element = "<message xmlns='jabber:client' from='r@s/n'/>"
        .parse()
        .unwrap();
    assert!(IncomingPresence::from_element(&not_presence).is_err());
}

/// The two paths give the same value, or both an error.
fn agree(xml: &str) {
    let (fast, slow) = both(xml);
    assert_eq!(
        fast.as_ref().ok(),
        slow.as_ref().ok(),
        "{xml}\nfast: {fast:?}\nslow: {slow:?}"
    );
    assert_eq!(fast.is_err(), slow.is_err(), "{xml}");
}

#[test]
fn what_the_fast_reading_declines_still_agrees() {
    // Each of these is a case the tree reading must not decide alone:
    // xmpp-parsers refuses some, accepts others.
    for xml in [
        "<presence xmlns='jabber:client' from='r@s/n' to='@@'/>",
        "<presence xmlns='jabber:client' from='r@s/n' to=''/>",
        "<presence xmlns='jabber:client' from='r@s/n' foo='bar'/>",
        "<presence xmlns='jabber:client' xmlns:f='urn:f' from='r@s/n' f:a='b'/>",
        "<presence xmlns='jabber:client' from='r@s/n' type='error'/>",
        "<presence xmlns='jabber:client' from='r@s/n' type='Unavailable'/>",
        "<presence xmlns='jabber:client' from='r@s/n'><show a='b'>away</show></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><show>away</show><show>dnd</show></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><show> away</show></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><show><b/>away</show></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><status a='b'>x</status></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><status>x</status><status>y</status></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><status>x</status><status xml:lang='en'>y</status></presence>",
        "<presence xmlns='jabber:client' from='r@s/n' xml:lang='en'><status>x</status><status xml:lang='en'>y</status></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><status>x<b/></status></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><priority>5</priority></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><priority>500</priority></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><priority> 5</priority></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><priority>1</priority><priority>2</priority></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'>text</presence>",
        "<presence xmlns='jabber:client' from='r@s/n'>\n  <show>xa</show>\n</presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><foo/></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='a' b='c'/></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><occupant-id xmlns='urn:xmpp:occupant-id:0'/></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='a'>t</occupant-id></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='a'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='b'/></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='a'/><occupant-id xmlns='urn:xmpp:occupant-id:0'/></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><x xmlns='http://jabber.org/protocol/muc#user'/><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='boss'/></x></presence>",
        "<presence xmlns='jabber:client' from='r@s/n'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='boss'/></x><show>sleepy</show></presence>",
        "<presence xmlns='urn:other' from='r@s/n'/>",
        "<presence xmlns='jabber:client' from='r@s/n' id=''/>",
    ] {
        agree(xml);
    }
}

#[test]
fn combinations_agree() {
    // Every presence built from one attribute set and up to two children
    // from lists of good and bad ones.
    let heads = [
        "from='r@s/n'",
        "from='r@s/n' to='me@s/r' id='i' type='unavailable'",
        "from='r@s/n' to='x@@' ",
        "from='r@s' xml:lang='de'",
        "from='r@s/n' type='probe' extra='1'",
        "to='me@s/r'",
    ];
    let children = [
        "",
        "<show>chat</show>",
        "<show>bored</show>",
        "<status>hi</status>",
        "<status xml:lang='de'>hallo</status>",
        "<priority>-3</priority>",
        "<priority>x</priority>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='u@s/r'/><status code='110'/></x>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><status code='x'/></x>",
        "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='o1'/>",
        "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/>",
        "<error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
        " ",
    ];
    for head in heads {
        for a in children {
            for b in children {
                agree(&format!(
                    "<presence xmlns='jabber:client' {head}>{a}{b}</presence>"
                ));
            }
        }
    }
}

#[test]
fn the_common_shapes_take_the_fast_path_and_the_decoder_checks_to_once() {
    let mut decoder = PresenceDecoder::new();
    for xml in SAME.iter().filter(|x| !x.contains("type='error'")) {
        let el: minidom::Element = xml.parse().expect("well-formed");
        let fast = decoder.decode_element_fast(&el);
        assert!(fast.is_ok(), "{xml}: {fast:?}");
        assert_eq!(fast.ok(), IncomingPresence::from_element(&el).ok());
    }
    // A `to` the decoder validated before is not parsed again; a new,
    // invalid one is still refused after it.
    let good: minidom::Element = SAME[0].parse().unwrap();
    assert!(decoder.decode_element(&good).is_ok());
    let bad: minidom::Element = SAME[0]
        .replace("to='me@example.org/bench'", "to='a@@b'")
        .parse()
        .unwrap();
    assert!(decoder.decode_element_fast(&bad).is_err());
    assert!(decoder.decode_element(&bad).is_err());
    assert!(decoder.decode_element(&good).is_ok());
}
