//! Occupant tracking: joins, leaves, status, role and affiliation changes,
//! nick changes (303), and the odd inputs that must not corrupt the table.

mod common;

use common::*;
use muc_core::muc_xso::{Affiliation, Role};
use muc_core::{LeaveMode, RoomEvent};

const ROOM: &str = "room1@conference.localhost";

/// alice (owner) in room1 with bob present, everything drained.
fn with_bob() -> Harness {
    let mut h = Harness::with_own("alice@localhost/res-a");
    h.join(ROOM, "Alice");
    h.feed_all(&[
        "<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='alice@localhost/res-a' role='moderator' affiliation='owner'/><status code='201'/><status code='110'/></x></presence>",
        "<message from='room1@conference.localhost' type='groupchat'><subject/></message>",
        "<presence xml:lang='en' from='room1@conference.localhost/Bob' id='join-b'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='bob@localhost/res-b' role='participant' affiliation='none'/></x></presence>",
    ]);
    h.take_events();
    h.take_sent();
    h
}

fn room(h: &Harness) -> &muc_core::Room {
    h.router.room(&ROOM.parse().unwrap()).expect("joined")
}

#[test]
fn join_carries_real_jid_affiliation_and_role() {
    let h = with_bob();
    let bob = room(&h).occupant("Bob").expect("bob").clone();
    assert_eq!(
        bob.real_jid().map(|j| j.as_str()),
        Some("bob@localhost/res-b")
    );
    assert_eq!(bob.affiliation(), Affiliation::None);
    assert_eq!(bob.role(), Role::Participant);
    assert!(!bob.is_self());
    assert_eq!(
        bob.occupant_jid().as_str(),
        "room1@conference.localhost/Bob"
    );
}

#[test]
fn status_change() {
    let mut h = with_bob();
    h.feed("<presence from='room1@conference.localhost/Bob' id='upd'><show>away</show><status>brb</status><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>");
    match &h.room_events()[..] {
        [RoomEvent::StatusChange { occupant }] => {
            assert_eq!(
                occupant.show(),
                Some(&muc_core::xmpp_parsers::presence::Show::Away)
            );
            assert_eq!(occupant.status(), Some("brb"));
        }
        other => panic!("{other:?}"),
    }
    // The same presence again changes nothing and says nothing.
    h.feed("<presence from='room1@conference.localhost/Bob' id='upd'><show>away</show><status>brb</status><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>");
    assert!(h.room_events().is_empty());
}

#[test]
fn role_change_with_actor_and_reason() {
    let mut h = with_bob();
    h.feed("<presence from='room1@conference.localhost/Bob' id='upd'><x xmlns='http://jabber.org/protocol/muc#user'><item role='visitor' affiliation='none'><actor nick='Alice'/><reason>quiet</reason></item></x></presence>");
    match &h.room_events()[..] {
        [
            RoomEvent::RoleChange {
                occupant,
                old,
                new,
                cause,
            },
        ] => {
            assert_eq!((*old, *new), (Role::Participant, Role::Visitor));
            assert_eq!(occupant.role(), Role::Visitor);
            assert_eq!(cause.reason.as_deref(), Some("quiet"));
            assert_eq!(
                cause.actor.as_ref().and_then(|a| a.nick.as_deref()),
                Some("Alice")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn affiliation_then_role_change_in_one_presence() {
    let mut h = with_bob();
    h.feed("<presence from='room1@conference.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='admin'/></x></presence>");
    assert_eq!(h.event_names(), ["AffiliationChange", "RoleChange"]);
    let bob = room(&h).occupant("Bob").unwrap();
    assert_eq!(
        (bob.affiliation(), bob.role()),
        (Affiliation::Admin, Role::Moderator)
    );
}

#[test]
fn an_item_without_affiliation_never_clears_it() {
    let mut h = with_bob();
    h.feed("<presence from='room1@conference.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>");
    h.take_events();
    h.feed("<presence from='room1@conference.localhost/Bob'><show>dnd</show><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant'/></x></presence>");
    assert_eq!(h.event_names(), ["StatusChange"]);
    assert_eq!(
        room(&h).occupant("Bob").unwrap().affiliation(),
        Affiliation::Member
    );
}

#[test]
fn nick_change_is_one_occupant_renamed() {
    // ejabberd §6.8 as alice sees it.
    let mut h = with_bob();
    let key = room(&h).occupant("Bob").unwrap().key();
    h.feed("<presence from='room1@conference.localhost/Bob' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item nick='Robert' jid='bob@localhost/res-b' role='participant' affiliation='none'/><status code='303'/></x></presence>");
    h.feed("<presence xml:lang='en' from='room1@conference.localhost/Robert' id='join-b'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='bob@localhost/res-b' role='participant' affiliation='none'/></x></presence>");
    let events = h.room_events();
    match &events[..] {
        [RoomEvent::NickChange { occupant, old, new }] => {
            assert_eq!((old.as_str(), new.as_str()), ("Bob", "Robert"));
            assert_eq!(occupant.key(), key, "same occupant, same key");
            assert_eq!(occupant.nick(), "Robert");
        }
        other => panic!("never a leave plus a join: {other:?}"),
    }
    assert!(room(&h).occupant("Bob").is_none());
    assert_eq!(room(&h).occupant("Robert").unwrap().key(), key);
    assert_eq!(room(&h).occupant_count(), 2);
}

#[test]
fn our_own_nick_change() {
    // Prosody §4.5 as bob sees it: 303 self copy, then the new nick with 110.
    let mut h = Harness::with_own("bob@localhost/ryBzHMmk5ePR");
    h.join("probe2@conference.localhost", "Bob");
    h.feed("<presence from='probe2@conference.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant' jid='bob@localhost/ryBzHMmk5ePR'/><status code='110'/></x></presence>");
    let key = h
        .router
        .room(&"probe2@conference.localhost".parse().unwrap())
        .unwrap()
        .this_occupant()
        .unwrap()
        .key();
    h.take_events();
    h.take_sent();
    let req = h
        .router
        .set_nick(
            &"probe2@conference.localhost".parse().unwrap(),
            "Bobby",
            h.now,
        )
        .unwrap();
    h.pump();
    let sent = h.take_sent_xml();
    assert!(
        sent[0].contains("to='probe2@conference.localhost/Bobby'"),
        "{sent:?}"
    );
    h.feed("<presence to='bob@localhost/ryBzHMmk5ePR' from='probe2@conference.localhost/Bob' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='303'/><item affiliation='none' nick='Bobby' role='participant' jid='bob@localhost/ryBzHMmk5ePR'/><status code='110'/></x></presence>");
    h.feed("<presence id='11815532029069505494' to='bob@localhost/ryBzHMmk5ePR' from='probe2@conference.localhost/Bobby' xml:lang='en'><priority>0</priority><occupant-id id='Rl5xdNBBtw4FZIWrJbyBtz/4RltLmzsTdhKaLjw07Cc=' xmlns='urn:xmpp:occupant-id:0'/><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant' jid='bob@localhost/ryBzHMmk5ePR'/><status code='110'/></x></presence>");
    let events = h.take_events();
    let mut saw_change = false;
    let mut saw_done = false;
    for e in &events {
        match e {
            muc_core::Event::Room {
                event: RoomEvent::NickChange { occupant, old, new },
                ..
            } => {
                assert!(occupant.is_self());
                assert_eq!(occupant.key(), key);
                assert_eq!((old.as_str(), new.as_str()), ("Bob", "Bobby"));
                saw_change = true;
            }
            muc_core::Event::Request { id, result } => {
                assert_eq!(*id, req);
                assert_eq!(result, &Ok(muc_core::Response::NickChanged("Bobby".into())));
                saw_done = true;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(saw_change && saw_done, "{events:?}");
    let r = h
        .router
        .room(&"probe2@conference.localhost".parse().unwrap())
        .unwrap();
    assert_eq!(r.nick(), "Bobby");
    assert_eq!(r.occupant_count(), 1);
}

#[test]
fn our_nick_change_refused_with_conflict() {
    let mut h = Harness::with_own("bob@localhost/r");
    h.join("probe2@conference.localhost", "Bob");
    h.feed("<presence from='probe2@conference.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>");
    h.take_events();
    let req = h
        .router
        .set_nick(
            &"probe2@conference.localhost".parse().unwrap(),
            "Alice",
            h.now,
        )
        .unwrap();
    h.pump();
    h.feed("<presence id='18153543713804121615' to='bob@localhost/r' from='probe2@conference.localhost/Alice' type='error'><error by='probe2@conference.localhost' type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
    match &h.take_events()[..] {
        [
            muc_core::Event::Request {
                id,
                result: Err(muc_core::RequestError::Server(e)),
            },
        ] => {
            assert_eq!(*id, req);
            assert_eq!(e.condition_name(), "conflict");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        h.router
            .room(&"probe2@conference.localhost".parse().unwrap())
            .unwrap()
            .nick(),
        "Bob"
    );
}

#[test]
fn leave_removes_the_occupant_after_the_event() {
    let mut h = with_bob();
    h.feed("<presence from='room1@conference.localhost/Bob' type='unavailable' id='leave'><status>gone fishing</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none' jid='bob@localhost/res-b'/></x></presence>");
    match &h.room_events()[..] {
        [
            RoomEvent::Leave {
                occupant,
                mode: LeaveMode::Normal,
                ..
            },
        ] => {
            assert!(!occupant.available());
            assert_eq!(occupant.role(), Role::None);
        }
        other => panic!("{other:?}"),
    }
    assert!(room(&h).occupant("Bob").is_none());
    assert_eq!(room(&h).occupant_count(), 1);
}

#[test]
fn ban_is_an_affiliation_change_then_a_leave() {
    let mut h = with_bob();
    h.feed("<presence from='room1@conference.localhost/Bob' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='301'/><item affiliation='outcast' role='none' jid='bob@localhost/res-b'><actor nick='Alice'/><reason>banned</reason></item></x></presence>");
    let events = h.room_events();
    match &events[..] {
        [
            RoomEvent::AffiliationChange {
                new: Affiliation::Outcast,
                ..
            },
            RoomEvent::Leave {
                mode: LeaveMode::Banned,
                cause,
                ..
            },
        ] => {
            assert_eq!(cause.reason.as_deref(), Some("banned"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn odd_inputs_leave_the_table_consistent() {
    let mut h = with_bob();
    // A leave for someone unknown.
    h.feed("<presence from='room1@conference.localhost/Nobody' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/></x></presence>");
    // 303 without an item (aioxmpp raises IndexError and stops handling presence).
    h.feed("<presence from='room1@conference.localhost/Bob' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='303'/></x></presence>");
    // A presence from another room's JID routed here by mistake is not ours.
    let back = h.feed("<presence from='other@conference.localhost/Eve'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>");
    assert!(back.is_some(), "not for a room we are in");
    // An invalid affiliation: the presence is dropped, not half-applied.
    h.feed("<presence from='room1@conference.localhost/Carol'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='boss' role='participant'/></x></presence>");
    // The bare room JID is never an occupant.
    h.feed("<presence from='room1@conference.localhost' type='unavailable'/>");
    let names = h.event_names();
    assert_eq!(names, ["Leave"], "only the itemless 303 counts, as a leave");
    assert_eq!(room(&h).occupant_count(), 1);
    // Later presences are still handled (aioxmpp's bug 1: they would not be).
    h.feed("<presence from='room1@conference.localhost/Dave'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>");
    assert_eq!(h.event_names(), ["Join"]);
}

#[test]
fn a_hundred_thousand_occupants() {
    use muc_core::muc_xso::{UserExt, UserItem};
    use muc_core::xmpp_parsers::presence::Type;
    use muc_core::{IncomingPresence, JoinOptions, Room};
    let now = std::time::Instant::now();
    let mut room = Room::new(
        ROOM.parse().unwrap(),
        "Alice",
        JoinOptions::default().discover(false),
        1,
    )
    .unwrap();
    room.start_join(now);
    let presence = |nick: &str, type_: Type, role: Role, me: bool| {
        let mut x = UserExt::new().with_item(UserItem::new(Affiliation::None, role));
        if me {
            x = x.with_status(110);
        }
        IncomingPresence {
            from: format!("{ROOM}/{nick}").parse().unwrap(),
            id: None,
            type_,
            show: None,
            statuses: Default::default(),
            user: Some(x),
            occupant_id: None,
            error: None,
        }
    };
    room.handle_presence(presence("Alice", Type::None, Role::Moderator, true), now);
    for i in 0..100_000 {
        room.handle_presence(
            presence(&format!("u{i}"), Type::None, Role::Participant, false),
            now,
        );
        while room.poll_event().is_some() {}
    }
    assert_eq!(room.occupant_count(), 100_001);
    let occupants = room.occupants();
    assert!(occupants[0].is_self());
    assert_eq!(occupants[1].nick(), "u0");
    assert_eq!(occupants[100_000].nick(), "u99999");
    for i in 0..100_000 {
        room.handle_presence(
            presence(&format!("u{i}"), Type::Unavailable, Role::None, false),
            now,
        );
        while room.poll_event().is_some() {}
    }
    assert_eq!(room.occupant_count(), 1);
}
