//! Inputs the `core_sequence` fuzz target (fuzz/) found to break an
//! invariant, reduced by hand to the stanzas that matter. Each test names
//! the invariant and the fix.

mod common;

use common::*;
use muc_core::wire::PresenceDecoder;
use muc_core::{Room, RoomEvent};

const ROOM: &str = "room1@conference.localhost";

fn room(h: &Harness) -> &Room {
    h.router.room(&ROOM.parse().unwrap()).expect("room")
}

/// Occupants are unique by occupant JID, and the local user is not among
/// the others.
fn assert_unique(h: &Harness) {
    let occupants = room(h).occupants();
    let mut nicks: Vec<&str> = occupants.iter().map(|o| o.nick()).collect();
    nicks.sort_unstable();
    let before = nicks.len();
    nicks.dedup();
    assert_eq!(before, nicks.len(), "two occupants share a nick: {nicks:?}");
    let mut keys: Vec<_> = occupants.iter().map(|o| o.key()).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), occupants.len(), "two occupants share a key");
}

/// Found in the first seconds of fuzzing (a mutated Prosody capture): the
/// room renames another occupant (303) onto the nick we hold. The table
/// listed that occupant and us under one occupant JID. The rename cannot
/// be applied, so it is taken as that occupant leaving.
#[test]
fn another_occupant_renamed_onto_our_nick() {
    let mut h = alice_live_with_bob();
    h.feed("<presence from='room1@conference.localhost/Bob' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='303'/><item affiliation='member' role='participant' nick='Alice'/></x></presence>");
    assert_unique(&h);
    let names = h.event_names();
    assert_eq!(names, ["Leave"], "{names:?}");
    let r = room(&h);
    assert_eq!(r.occupant_count(), 1);
    assert!(r.occupant("Bob").is_none());
    assert!(r.this_occupant().is_some_and(|me| me.nick() == "Alice"));
    // The room still works.
    h.feed("<presence from='room1@conference.localhost/Carol'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>");
    assert_eq!(h.event_names(), ["Join"]);
    let _ = RoomEvent::Stale;
}

/// Found by the 10-minute run (a mutated ejabberd capture: the rejoin's
/// self-presence with its muc#user namespace broken): while rejoining we
/// are still `this_occupant`, and a presence for our nick without 110 was
/// listed as a second occupant under our JID. It is not listed now; the
/// real self-presence then resumes the room.
#[test]
fn presence_for_our_nick_without_110_while_rejoining() {
    let mut h = alice_live_with_bob();
    h.router.stream_lost(h.now);
    h.router
        .stream_established("alice@localhost/res-a".parse().unwrap(), h.now);
    h.pump();
    h.take_events();
    h.feed("<presence from='room1@conference.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='member'/></x></presence>");
    h.feed("<presence from='room1@conference.localhost/Alice' id='join-b'><x xmlns='htvp://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>");
    assert_unique(&h);
    assert_eq!(room(&h).occupant_count(), 2, "Bob and us");
    h.feed("<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>");
    assert_unique(&h);
    let names = h.event_names();
    assert_eq!(names, ["Resumed"], "{names:?}");
    assert!(room(&h).active());
}

/// Found by the 10-minute run: a message whose body holds characters XML
/// does not allow (NUL, other controls), as an application may pass them,
/// made `Debug` of its `Transmit` panic inside minidom's serializer. A
/// `Debug` impl must not panic (a logger calls it); it now says the stanza
/// is not serializable.
#[test]
fn debug_of_a_transmit_with_control_characters_does_not_panic() {
    let mut h = alice_live_with_bob();
    let body = "\u{1}\0\0\u{4}";
    let message = muc_core::xmpp_parsers::message::Message::groupchat(None)
        .with_body(Default::default(), body.into());
    // Sending it is refused up front with a typed error ...
    assert!(matches!(
        h.router
            .send_tracked(&ROOM.parse().unwrap(), message.clone(), None, h.now),
        Err(muc_core::UsageError::InvalidText(_))
    ));
    // ... and a raw stanza that carries it still prints without a panic.
    h.router
        .send_raw(muc_core::xmpp_parsers::stanza::Stanza::Message(message));
    let t = h.router.poll_transmit().expect("the message");
    let debug = format!("{t:?}");
    assert!(debug.contains("not serializable"), "{debug}");
    let _ = format!("{:?}", h.router);
}

/// The general path rejects `stanza`, and the fast path hands it over
/// instead of accepting it, so `decode` rejects it too.
fn assert_rejected_and_handed_over(decoder: &mut PresenceDecoder, stanza: &[u8]) {
    let text = String::from_utf8_lossy(stanza);
    assert!(
        decoder.decode_general(stanza).is_err(),
        "general path: {text}"
    );
    assert!(decoder.decode_fast(stanza).is_err(), "fast path: {text}");
    assert!(decoder.decode(stanza).is_err(), "decode: {text}");
}

/// Found by the `wire_presence` target (the fast presence decoder against
/// the general path): `]]>` in the text of an ignored foreign element was
/// let through by the fast path (the check sat behind the test for plain
/// ASCII, and `]]>` is plain ASCII), while rxml, the parser under
/// tokio-xmpp, rejects it as not well-formed. The fast path must never
/// accept what the general path rejects.
#[test]
fn fast_presence_path_rejects_cdata_end_in_ignored_text() {
    let stanza = b"<presence from='room1@conference.localhost/Bob' id='join-b'><x xmlns='urn:example:not-muc'><item/>]]]]>]]</x></presence>";
    assert_rejected_and_handed_over(&mut PresenceDecoder::new(), stanza);
}

/// Found by the second `wire_presence` run: a payload whose default
/// namespace is the one XML reserves for `xml:` (`http://www.w3.org/XML/1998/namespace`)
/// was skipped by the fast path as a foreign payload, while rxml rejects
/// the stanza.
#[test]
fn fast_presence_path_rejects_reserved_namespace_names() {
    let ns = "http://www.w3.org/XML/1998/namespace";
    let stanza = format!(
        "<presence from='room1@conference.localhost/Alice' id='join-a'><x xmlns='{ns}'><item jid='alice@localhost/res-a'/></x></presence>"
    );
    assert_rejected_and_handed_over(&mut PresenceDecoder::new(), stanza.as_bytes());
}

/// Found by the `wire_presence` smoke run in CI: `to=''` on a fresh
/// decoder matched the empty "last validated `to`" it started with, so the
/// fast path accepted an empty address that is not a JID, which the general
/// path rejects. The decoder now starts with no validated `to`.
#[test]
fn fast_presence_path_rejects_an_empty_to_on_a_fresh_decoder() {
    let mut decoder = PresenceDecoder::new();
    assert_rejected_and_handed_over(
        &mut decoder,
        b"<presence to='' from='roomaffi5@con65257930'/>",
    );
    // A valid `to` is still remembered and the stanza decoded.
    let ok = b"<presence to='alice@localhost/res' from='room1@conference.localhost/Bob'/>";
    assert!(decoder.decode_fast(ok).is_ok());
    assert!(decoder.decode_fast(ok).is_ok());
}
