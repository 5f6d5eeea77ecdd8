//! The inputs that break aioxmpp 0.13 (research/aioxmpp-muc-inventory.md
//! §19), each with the behaviour we promise instead. Items covered
//! elsewhere name their test.
//!
//! * §19.2 tracking KeyError: tracking.rs `closing_one_of_two_equal_bodies_breaks_nothing`
//! * §19.3 autorejoin with a `None` future: resume.rs `the_room_gone_on_rejoin_is_an_exit`
//! * §19.10 our nick before 110: join.rs `our_nick_seen_before_110_is_not_a_second_occupant`
//! * §19.12 mediated-invite password: messages.rs `invitations_mediated_and_direct_also_for_rooms_not_joined`
//! * §19.13 leave to the bare room JID: leave_modes.rs `our_leave_completes_on_the_exit_and_uses_the_occupant_jid`
//! * §19.15 bodyless groupchat dropped: messages.rs `bodyless_groupchat_messages_are_not_dropped`
//! * §19.16 naive `since`: resume.rs `rejoin_without_loss_or_duplicates` (written with `Z`)

mod common;

use common::*;
use muc_core::{LeaveMode, RoomEvent, RoomState};

const ROOM: &str = "room1@conference.localhost";

/// §19.1: one malformed presence (303 without item, an error presence with
/// muc#user) must not stop the handling of later presences and messages.
#[test]
fn malformed_presences_do_not_stop_handling() {
    let mut h = alice_live_with_bob();
    h.feed("<presence from='room1@conference.localhost/Bob' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='303'/></x></presence>");
    h.feed("<presence from='room1@conference.localhost/Bob' type='error'><x xmlns='http://jabber.org/protocol/muc#user'><item role='none'/></x><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
    h.feed("<presence from='room1@conference.localhost/Carol'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>");
    h.feed("<message from='room1@conference.localhost/Carol' type='groupchat'><body>hi</body></message>");
    assert_eq!(h.event_names(), ["Leave", "Error", "Join", "Message"]);
}

/// §19.4 and §19.5: a suspended room is one room, and a normal exit ends in
/// the exited state (and the router lets go of it).
#[test]
fn one_room_per_jid_and_exit_is_final() {
    let mut h = alice_live_with_bob();
    h.router.stream_lost(h.now);
    h.pump();
    assert_eq!(h.router.rooms().count(), 1);
    h.router
        .stream_established("alice@localhost/res-b".parse().unwrap(), h.now);
    h.pump();
    assert_eq!(h.router.rooms().count(), 1);

    let mut room = muc_core::Room::new(
        ROOM.parse().unwrap(),
        "Alice",
        muc_core::JoinOptions::default().discover(false),
        1,
    )
    .unwrap();
    let now = std::time::Instant::now();
    room.start_join(now);
    let p = |xml: &str| match stanza(xml) {
        muc_core::xmpp_parsers::stanza::Stanza::Presence(p) => {
            muc_core::IncomingPresence::from_presence(p).unwrap()
        }
        _ => unreachable!(),
    };
    room.handle_presence(p("<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>"), now);
    room.handle_presence(p("<presence from='room1@conference.localhost/Alice' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item role='none' affiliation='owner'/><status code='110'/></x></presence>"), now);
    assert_eq!(room.state(), RoomState::Exited);
    assert!(!room.active() && !room.joined());
}

/// §19.6: when a Leave is reported, the occupant is no longer listed.
#[test]
fn leave_is_reported_after_removal() {
    let mut h = alice_live_with_bob();
    h.router.handle_stanza(stanza("<presence from='room1@conference.localhost/Bob' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item role='none' affiliation='member'/></x></presence>"), h.now);
    let room = h.router.room(&ROOM.parse().unwrap()).unwrap();
    assert!(
        room.occupant("Bob").is_none(),
        "already removed when the event is read"
    );
    h.pump();
    assert_eq!(h.event_names(), ["Leave"]);
}

/// §19.8: the room's own subject has no occupant (not a made-up one).
#[test]
fn subject_from_the_room_has_no_occupant() {
    let mut h = alice_live_with_bob();
    h.feed("<message from='room1@conference.localhost' type='groupchat'><subject>set by the service</subject></message>");
    match &h.room_events()[..] {
        [
            RoomEvent::SubjectChange {
                occupant: None,
                setter: None,
                ..
            },
        ] => {}
        other => panic!("{other:?}"),
    }
}

/// §19.9: an itemless leave keeps the affiliation and reports no change.
#[test]
fn itemless_leave_is_only_a_leave() {
    let mut h = alice_live_with_bob();
    h.feed("<presence from='room1@conference.localhost/Bob' type='unavailable'/>");
    match &h.room_events()[..] {
        [
            RoomEvent::Leave {
                occupant,
                mode: LeaveMode::Normal,
                ..
            },
        ] => {
            assert_eq!(
                occupant.affiliation(),
                muc_core::muc_xso::Affiliation::Member
            );
        }
        other => panic!("{other:?}"),
    }
}

/// §19.11: presence errors and muc#user presences that are not about our
/// rooms are given back to the application, not swallowed.
#[test]
fn foreign_presences_are_given_back() {
    let mut h = alice_live_with_bob();
    assert!(h.feed("<presence from='friend@example.org/x' type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>").is_some());
    assert!(h.feed("<presence from='other@conference.localhost/Eve'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>").is_some());
    assert!(
        h.feed("<presence from='friend@example.org/x'><show>away</show></presence>")
            .is_some()
    );
}
