//! Suspend and resume: a lost stream suspends rooms with autorejoin; the
//! next stream rejoins them asking for history since the last message seen;
//! nothing shown before is shown again, returning occupants keep their keys,
//! and those who left meanwhile get a Leave.

mod common;

use common::*;
use muc_core::xmpp_parsers::stanza::Stanza;
use muc_core::{JoinError, LeaveMode, RoomEvent, RoomState};

const ROOM: &str = "room1@conference.localhost";
const OWN: &str = "alice@localhost/res-a";

fn live_with_bob_and_carol() -> Harness {
    let mut h = Harness::with_own(OWN);
    h.join(ROOM, "Alice");
    h.feed_all(&[
        "<presence from='room1@conference.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>",
        "<presence from='room1@conference.localhost/Carol'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>",
        "<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>",
        "<message from='room1@conference.localhost/Bob' type='groupchat'><subject>Topic</subject></message>",
        "<message from='room1@conference.localhost/Bob' type='groupchat' id='m1'><body>first</body></message>",
    ]);
    h.take_events();
    h.take_sent();
    h
}

#[test]
fn rejoin_without_loss_or_duplicates() {
    let mut h = live_with_bob_and_carol();
    let bob_key = h
        .router
        .room(&ROOM.parse().unwrap())
        .unwrap()
        .occupant("Bob")
        .unwrap()
        .key();
    h.router.stream_lost(h.now);
    h.pump();
    assert_eq!(h.event_names(), ["Suspend"]);
    let room = h.router.room(&ROOM.parse().unwrap()).unwrap();
    assert_eq!(room.state(), RoomState::Suspended);
    assert!(!room.active() && room.joined());

    h.now += std::time::Duration::from_secs(30);
    h.router
        .stream_established("alice@localhost/new-res".parse().unwrap(), h.now);
    h.pump();
    assert_eq!(h.event_names(), ["Resume"]);
    let sent = h.take_sent_xml();
    let join = sent
        .iter()
        .find(|s| s.starts_with("<presence"))
        .expect("rejoin presence");
    assert!(
        join.contains("to='room1@conference.localhost/Alice'"),
        "{join}"
    );
    assert!(
        join.contains("<history since='2026-11-25T09:59:00Z'/>"),
        "since the last message seen, minus a margin: {join}"
    );

    // The room replays: Bob is back, Carol is gone, Dave is new; history
    // repeats m1 and adds m2; the subject is unchanged.
    h.feed_all(&[
        "<presence from='room1@conference.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>",
        "<presence from='room1@conference.localhost/Dave'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>",
        "<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>",
        "<message from='room1@conference.localhost/Bob' type='groupchat' id='m1'><body>first</body><delay xmlns='urn:xmpp:delay' from='room1@conference.localhost' stamp='2026-11-25T10:00:00Z'/></message>",
        "<message from='room1@conference.localhost/Bob' type='groupchat' id='m2'><body>while you were away</body><delay xmlns='urn:xmpp:delay' from='room1@conference.localhost' stamp='2026-11-25T10:00:10Z'/></message>",
        "<message from='room1@conference.localhost/Bob' type='groupchat'><subject>Topic</subject></message>",
    ]);
    let events = h.room_events();
    let names: Vec<String> = events.iter().map(name).collect();
    assert_eq!(names, ["Join", "Leave", "Resumed", "Message"], "{events:?}");
    match &events[1] {
        RoomEvent::Leave { occupant, mode, .. } => {
            assert_eq!(occupant.nick(), "Carol");
            assert_eq!(*mode, LeaveMode::Normal);
        }
        other => panic!("{other:?}"),
    }
    match &events[3] {
        RoomEvent::Message { message, .. } => assert_eq!(
            message.bodies.values().next().map(String::as_str),
            Some("while you were away")
        ),
        other => panic!("{other:?}"),
    }
    let room = h.router.room(&ROOM.parse().unwrap()).unwrap();
    assert_eq!(
        room.occupant("Bob").unwrap().key(),
        bob_key,
        "Bob kept his key"
    );
    assert_eq!(room.occupant_count(), 3);
    assert_eq!(room.state(), RoomState::Live);
}

#[test]
fn lost_again_during_the_rejoin() {
    let mut h = live_with_bob_and_carol();
    h.router.stream_lost(h.now);
    h.router.stream_established(OWN.parse().unwrap(), h.now);
    h.feed("<presence from='room1@conference.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>");
    h.router.stream_lost(h.now);
    h.router.stream_established(OWN.parse().unwrap(), h.now);
    h.pump();
    h.take_events();
    h.feed_all(&[
        "<presence from='room1@conference.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>",
        "<presence from='room1@conference.localhost/Carol'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>",
        "<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>",
    ]);
    assert_eq!(
        h.event_names(),
        ["Resumed"],
        "everyone came back; nothing to announce"
    );
}

#[test]
fn pending_join_without_autorejoin_fails_on_stream_loss() {
    let mut h = Harness::new();
    h.join_with(
        "coven@chat.shakespeare.lit",
        "thirdwitch",
        muc_core::JoinOptions::default()
            .discover(false)
            .autorejoin(false),
    );
    h.router.stream_lost(h.now);
    h.pump();
    assert!(matches!(
        &h.room_events()[..],
        [RoomEvent::JoinFailed {
            error: JoinError::Disconnected
        }]
    ));
    assert!(
        h.router
            .room(&"coven@chat.shakespeare.lit".parse().unwrap())
            .is_none()
    );
}

#[test]
fn requests_in_flight_fail_on_stream_loss() {
    let mut h = live_with_bob_and_carol();
    let req = h.router.get_config(&ROOM.parse().unwrap(), h.now);
    h.pump();
    assert!(matches!(&h.take_sent()[..], [Stanza::Iq(_)]));
    h.router.stream_lost(h.now);
    h.pump();
    let events = h.take_events();
    assert!(events.iter().any(|e| matches!(e, muc_core::Event::Request { id, result: Err(muc_core::RequestError::Disconnected) } if *id == req)));
}

#[test]
fn the_room_gone_on_rejoin_is_an_exit() {
    let mut h = live_with_bob_and_carol();
    h.router.stream_lost(h.now);
    h.router.stream_established(OWN.parse().unwrap(), h.now);
    h.pump();
    h.take_events();
    h.feed("<presence from='room1@conference.localhost/Alice' type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
    let names = h.event_names();
    assert_eq!(names, ["Error", "Exit"]);
    assert!(h.router.room(&ROOM.parse().unwrap()).is_none());
}

#[test]
fn pending_join_with_autorejoin_is_sent_again_on_the_next_stream() {
    let mut h = Harness::new();
    h.join("coven@chat.shakespeare.lit", "thirdwitch");
    h.take_sent();
    h.router.stream_lost(h.now);
    h.pump();
    assert!(
        h.room_events().is_empty(),
        "no failure: the join waits for the next stream"
    );
    h.router.stream_established(ME.parse().unwrap(), h.now);
    h.pump();
    let sent = h.take_sent_xml();
    assert!(
        sent.iter()
            .any(|s| s.contains("to='coven@chat.shakespeare.lit/thirdwitch'")
                && s.contains("http://jabber.org/protocol/muc")),
        "{sent:?}"
    );
    h.feed("<presence from='coven@chat.shakespeare.lit/thirdwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>");
    assert_eq!(h.event_names(), ["Enter"]);
}

#[test]
fn a_leave_in_flight_ends_the_room_when_the_stream_is_lost() {
    let mut h = live_with_bob_and_carol();
    let req = h.router.leave(&ROOM.parse().unwrap(), None, h.now).unwrap();
    h.pump();
    h.router.stream_lost(h.now);
    h.pump();
    let events = h.take_events();
    assert!(
        events.iter().any(|e| matches!(
            e,
            muc_core::Event::Room {
                event: RoomEvent::Exit {
                    mode: LeaveMode::Normal,
                    ..
                },
                ..
            }
        )),
        "{events:?}"
    );
    assert!(events.iter().any(|e| matches!(e, muc_core::Event::Request { id, result: Ok(muc_core::Response::Left) } if *id == req)));
    h.take_sent();
    h.router.stream_established(OWN.parse().unwrap(), h.now);
    h.pump();
    assert!(h.take_sent().is_empty(), "the room we left is not rejoined");
}

#[test]
fn a_nick_change_in_flight_fails_when_the_stream_is_lost() {
    let mut h = live_with_bob_and_carol();
    let req = h
        .router
        .set_nick(&ROOM.parse().unwrap(), "Alicia", h.now)
        .unwrap();
    h.pump();
    h.router.stream_lost(h.now);
    h.pump();
    let events = h.take_events();
    assert!(events.iter().any(|e| matches!(e, muc_core::Event::Request { id, result: Err(muc_core::RequestError::Disconnected) } if *id == req)), "{events:?}");
}

#[test]
fn a_destroy_in_flight_is_not_followed_by_a_rejoin() {
    let mut h = live_with_bob_and_carol();
    let req = h
        .router
        .destroy(&ROOM.parse().unwrap(), None, None, None, h.now);
    h.pump();
    h.take_sent();
    h.router.stream_lost(h.now);
    h.pump();
    let events = h.take_events();
    assert!(
        events.iter().any(|e| matches!(
            e,
            muc_core::Event::Room {
                event: RoomEvent::Exit {
                    mode: LeaveMode::Disconnected,
                    ..
                },
                ..
            }
        )),
        "{events:?}"
    );
    assert!(events.iter().any(|e| matches!(e, muc_core::Event::Request { id, result: Err(muc_core::RequestError::Disconnected) } if *id == req)));
    h.router.stream_established(OWN.parse().unwrap(), h.now);
    h.pump();
    assert!(
        h.take_sent().is_empty(),
        "rejoining could create the destroyed room anew"
    );
}
