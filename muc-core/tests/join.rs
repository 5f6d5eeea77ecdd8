//! Joining: the self-presence (with and without 110), service-assigned
//! nicks, join errors with their conditions, timeouts and deferred joins.
//! Stanzas are the ones Prosody 0.12 and ejabberd 23.01 sent (research/).

mod common;

use std::time::Duration;

use common::*;
use muc_core::muc_xso::{Affiliation, Role, StatusCode};
use muc_core::xmpp_parsers::stanza::Stanza;
use muc_core::{Event, JoinError, JoinOptions, RoomEvent, RoomState, UsageError};

const ROOM: &str = "probe2@conference.localhost";

fn alice() -> Harness {
    Harness::with_own("alice@localhost/FOjJgIHd8r9h")
}

#[test]
fn join_presence_carries_muc_x_password_and_history() {
    let mut h = Harness::new();
    let opts = JoinOptions::default()
        .discover(false)
        .password("cauldronburn")
        .history(
            muc_core::muc_xso::History::new()
                .with_maxstanzas(20)
                .with_seconds(60),
        );
    h.join_with("coven@chat.shakespeare.lit", "thirdwitch", opts);
    let sent = h.take_sent_xml();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let p = &sent[0];
    assert!(
        p.contains("to='coven@chat.shakespeare.lit/thirdwitch'"),
        "{p}"
    );
    assert!(p.contains("<x xmlns='http://jabber.org/protocol/muc'><password>cauldronburn</password><history maxstanzas='20' seconds='60'/></x>"), "{p}");
    assert!(!p.contains("type="), "join presence is available: {p}");
}

#[test]
fn prosody_room_creation_enters_with_201() {
    let mut h = alice();
    h.join(ROOM, "Alice");
    h.take_sent();
    h.feed("<presence id='5884369196618826504' to='alice@localhost/FOjJgIHd8r9h' from='probe2@conference.localhost/Alice' xml:lang='en'><priority>0</priority><occupant-id id='TBUMQJpHF2aM8g3Thk5RR4MgtAl2dwHBLX2LeZpCFfo=' xmlns='urn:xmpp:occupant-id:0'/><x xmlns='http://jabber.org/protocol/muc#user'><status code='201'/><item affiliation='owner' role='moderator' jid='alice@localhost/FOjJgIHd8r9h'/><status code='110'/></x></presence>");
    let events = h.room_events();
    match &events[..] {
        [
            RoomEvent::Enter {
                occupant,
                status,
                created,
                nick_assigned,
            },
        ] => {
            assert_eq!(occupant.nick(), "Alice");
            assert!(occupant.is_self());
            assert_eq!(occupant.affiliation(), Affiliation::Owner);
            assert_eq!(occupant.role(), Role::Moderator);
            assert!(*created);
            assert!(!nick_assigned);
            assert_eq!(
                status,
                &[StatusCode::ROOM_CREATED, StatusCode::SELF_PRESENCE]
            );
            assert_eq!(
                occupant.occupant_id(),
                None,
                "the room did not advertise XEP-0421 (no disco)"
            );
        }
        other => panic!("{other:?}"),
    }
    let room = h.router.room(&ROOM.parse().unwrap()).unwrap();
    assert_eq!(room.state(), RoomState::History);
    assert!(room.active() && room.joined());
    // Prosody always sends the subject next, ending the history.
    h.feed("<message type='groupchat' from='probe2@conference.localhost' to='alice@localhost/FOjJgIHd8r9h'><subject/></message>");
    let events = h.room_events();
    assert!(
        matches!(
            &events[..],
            [RoomEvent::SubjectChange {
                on_join: true,
                setter: None,
                ..
            }]
        ),
        "{events:?}"
    );
    assert_eq!(
        h.router.room(&ROOM.parse().unwrap()).unwrap().state(),
        RoomState::Live
    );
}

#[test]
fn existing_occupants_then_self_then_history_then_subject() {
    // ejabberd §6.6, as bob sees it.
    let mut h = Harness::with_own("bob@localhost/res-b");
    h.join("room1@conference.localhost", "Bob");
    h.feed_all(&[
        "<presence to='bob@localhost/res-b' from='room1@conference.localhost' id='12597486964833794136'><c ver='yyBlbjrRG+7OE4iOc3ol9JiXzEM=' node='http://www.process-one.net/en/ejabberd/' hash='sha-1' xmlns='http://jabber.org/protocol/caps'/></presence>",
        "<presence xml:lang='en' to='bob@localhost/res-b' from='room1@conference.localhost/Alice' id='join-a'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/></x></presence>",
        "<presence xml:lang='en' to='bob@localhost/res-b' from='room1@conference.localhost/Bob' id='join-b'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='bob@localhost/res-b' role='participant' affiliation='none'/><status code='110'/></x></presence>",
        "<message xml:lang='en' to='bob@localhost/res-b' from='room1@conference.localhost/Alice' type='groupchat' id='hist-1'><delay from='room1@conference.localhost' stamp='2026-11-24T23:54:37.717351Z' xmlns='urn:xmpp:delay'/><body>history one</body></message>",
        "<message to='bob@localhost/res-b' from='room1@conference.localhost/Alice' type='groupchat'><subject>Test subject</subject></message>",
        "<message xml:lang='en' to='bob@localhost/res-b' from='room1@conference.localhost/Alice' type='groupchat' id='msg-1'><body>hello bob</body></message>",
    ]);
    let events = h.room_events();
    let names: Vec<String> = events.iter().map(name).collect();
    assert_eq!(
        names,
        ["Join", "Enter", "Message", "SubjectChange", "Message"],
        "the bare-JID caps presence is not an occupant"
    );
    match (&events[2], &events[4]) {
        (
            RoomEvent::Message {
                source: s1,
                nick: n1,
                occupant: o1,
                ..
            },
            RoomEvent::Message { source: s2, .. },
        ) => {
            assert_eq!(*s1, muc_core::MessageSource::History);
            assert_eq!(n1.as_deref(), Some("Alice"));
            assert!(o1.is_some());
            assert_eq!(*s2, muc_core::MessageSource::Live);
        }
        other => panic!("{other:?}"),
    }
    match &events[3] {
        RoomEvent::SubjectChange {
            subject,
            setter,
            occupant,
            on_join,
        } => {
            assert_eq!(
                subject.values().next().map(String::as_str),
                Some("Test subject")
            );
            assert_eq!(setter.as_deref(), Some("Alice"));
            assert_eq!(occupant.as_ref().map(|o| o.nick()), Some("Alice"));
            assert!(*on_join);
        }
        other => panic!("{other:?}"),
    }
    let room = h
        .router
        .room(&"room1@conference.localhost".parse().unwrap())
        .unwrap();
    let occupants = room.occupants();
    assert_eq!(occupants.len(), 2);
    assert!(occupants[0].is_self(), "the local user comes first");
    assert_eq!(occupants[1].nick(), "Alice");
    assert_eq!(room.subject_setter(), Some("Alice"));
}

#[test]
fn service_assigned_nick_by_210_and_by_resource() {
    // XEP Ex. 22: the room renames thirdwitch to oldhag with 210.
    let mut h = Harness::new();
    h.join("coven@chat.shakespeare.lit", "thirdwitch");
    h.feed("<presence from='coven@chat.shakespeare.lit/oldhag' to='hag66@shakespeare.lit/pda'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/><status code='210'/></x></presence>");
    match &h.room_events()[..] {
        [
            RoomEvent::Enter {
                occupant,
                nick_assigned: true,
                ..
            },
        ] => assert_eq!(occupant.nick(), "oldhag"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        h.router
            .room(&"coven@chat.shakespeare.lit".parse().unwrap())
            .unwrap()
            .nick(),
        "oldhag"
    );

    // Prosody normalizes without 210: the 110 presence's resource wins.
    let mut h = Harness::new();
    h.join("coven@chat.shakespeare.lit", "ThirdWitch");
    h.feed("<presence from='coven@chat.shakespeare.lit/thirdwitch' to='hag66@shakespeare.lit/pda'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>");
    match &h.room_events()[..] {
        [
            RoomEvent::Enter {
                occupant,
                nick_assigned: true,
                ..
            },
        ] => assert_eq!(occupant.nick(), "thirdwitch"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn self_presence_without_110_is_recognized_by_our_jid() {
    let mut h = Harness::with_own("bob@localhost/res-b");
    h.join("room1@conference.localhost", "Bob");
    h.feed("<presence from='room1@conference.localhost/Bob' to='bob@localhost/res-b'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='bob@localhost/res-b' role='participant' affiliation='none'/></x></presence>");
    assert_eq!(h.event_names(), ["Enter"]);
}

#[test]
fn our_nick_seen_before_110_is_not_a_second_occupant() {
    // ejabberd, second session of the same user with the same nick: first a
    // presence for our nick without 110 and without jid, then ours.
    let mut h = Harness::with_own("bob@localhost/res-c");
    h.join("room2@conference.localhost", "Bob");
    h.feed("<presence from='room2@conference.localhost/Bob' id='join-c2'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>");
    h.feed("<presence from='room2@conference.localhost/Bob' id='join-c2'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='bob@localhost/res-c' role='participant' affiliation='none'/><status code='110'/></x></presence>");
    let room = h
        .router
        .room(&"room2@conference.localhost".parse().unwrap())
        .unwrap();
    assert_eq!(
        room.occupant_count(),
        1,
        "we appear once: {:?}",
        room.occupants()
    );
}

#[test]
fn join_errors_end_with_the_server_condition_and_text() {
    let cases = [
        ("conflict", "cancel", None),
        (
            "not-authorized",
            "auth",
            Some("A password is required to enter this room"),
        ),
        ("registration-required", "auth", None),
        (
            "forbidden",
            "auth",
            Some("You have been banned from this room"),
        ),
        ("item-not-found", "cancel", None),
        ("service-unavailable", "wait", Some("Room is full")),
        ("resource-constraint", "wait", None),
        ("not-allowed", "cancel", Some("Room creation is restricted")),
        ("jid-malformed", "modify", None),
        ("policy-violation", "modify", None),
    ];
    for (condition, type_, text) in cases {
        let mut h = Harness::with_own("bob@localhost/ryBzHMmk5ePR");
        h.join(ROOM, "Bob");
        let text_el = text
            .map(|t| format!("<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>{t}</text>"))
            .unwrap_or_default();
        // Prosody answers from the (normalized) nick, with the muc <x/> echoed.
        h.feed(&format!(
            "<presence id='1' to='bob@localhost/ryBzHMmk5ePR' from='probe2@conference.localhost/bob' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error by='probe2@conference.localhost' type='{type_}'><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>{text_el}</error></presence>"
        ));
        match &h.room_events()[..] {
            [
                RoomEvent::JoinFailed {
                    error: JoinError::Refused(e),
                },
            ] => {
                assert_eq!(e.condition_name(), condition);
                assert_eq!(e.text.as_deref(), text);
            }
            other => panic!("{condition}: {other:?}"),
        }
        assert!(
            h.router.room(&ROOM.parse().unwrap()).is_none(),
            "a failed room is dropped"
        );
    }
}

#[test]
fn error_presence_carrying_muc_user_fails_the_join_without_panicking() {
    let mut h = Harness::new();
    h.join("coven@chat.shakespeare.lit", "thirdwitch");
    h.feed("<presence from='coven@chat.shakespeare.lit/thirdwitch' type='error'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='110'/></x><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
    assert!(matches!(
        &h.room_events()[..],
        [RoomEvent::JoinFailed {
            error: JoinError::Refused(_)
        }]
    ));
}

#[test]
fn join_times_out_and_sends_a_leave() {
    let mut h = Harness::new();
    h.join_with(
        "coven@chat.shakespeare.lit",
        "thirdwitch",
        JoinOptions::default()
            .discover(false)
            .timeout(Duration::from_secs(5)),
    );
    h.take_sent();
    h.run_for(Duration::from_secs(4));
    assert!(h.room_events().is_empty());
    h.run_for(Duration::from_secs(2));
    assert!(matches!(
        &h.room_events()[..],
        [RoomEvent::JoinFailed {
            error: JoinError::TimedOut
        }]
    ));
    let sent = h.take_sent_xml();
    assert!(
        sent.iter().any(|s| s.contains("type='unavailable'")),
        "no ghost left behind: {sent:?}"
    );
    // A late self-presence for the dropped room is not ours any more.
    let back = h.feed("<presence from='coven@chat.shakespeare.lit/thirdwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>");
    assert!(back.is_some());
}

#[test]
fn join_while_offline_waits_for_the_stream() {
    let mut h = Harness::offline();
    h.router
        .join(
            "coven@chat.shakespeare.lit".parse().unwrap(),
            "thirdwitch",
            JoinOptions::default().discover(false),
            h.now,
        )
        .unwrap();
    h.pump();
    assert!(h.take_sent().is_empty(), "nothing goes out while offline");
    h.router.stream_established(ME.parse().unwrap(), h.now);
    h.pump();
    let sent = h.take_sent();
    assert!(matches!(&sent[..], [Stanza::Presence(_)]), "{sent:?}");
}

/// An offline harness with a join to coven@chat.shakespeare.lit waiting
/// for the stream, its timeout 5 s.
fn offline_join_with_5s_timeout() -> (Harness, jid::BareJid) {
    let mut h = Harness::offline();
    let room: jid::BareJid = "coven@chat.shakespeare.lit".parse().unwrap();
    h.router
        .join(
            room.clone(),
            "thirdwitch",
            JoinOptions::default()
                .discover(false)
                .timeout(Duration::from_secs(5)),
            h.now,
        )
        .unwrap();
    (h, room)
}

/// The only event so far is a join that timed out.
fn assert_join_timed_out(h: &mut Harness) {
    let events = h.room_events();
    assert!(
        matches!(
            &events[..],
            [RoomEvent::JoinFailed {
                error: JoinError::TimedOut
            }]
        ),
        "{events:?}"
    );
}

#[test]
fn join_while_offline_gives_up_at_its_timeout() {
    let (mut h, room) = offline_join_with_5s_timeout();
    h.pump();
    assert_eq!(
        h.router.poll_timeout(),
        Some(h.now + Duration::from_secs(5))
    );
    h.run_for(Duration::from_secs(4));
    assert!(h.room_events().is_empty());
    h.run_for(Duration::from_secs(2));
    assert_join_timed_out(&mut h);
    assert!(h.router.room(&room).is_none());
    h.router.stream_established(ME.parse().unwrap(), h.now);
    h.pump();
    let sent = h.take_sent();
    assert!(
        sent.is_empty(),
        "no join and no leave for a join given up: {sent:?}"
    );
}

#[test]
fn a_deferred_join_gets_its_whole_timeout_once_the_stream_is_up() {
    let (mut h, _) = offline_join_with_5s_timeout();
    h.run_for(Duration::from_secs(4));
    h.router.stream_established(ME.parse().unwrap(), h.now);
    h.pump();
    h.run_for(Duration::from_secs(4));
    assert!(h.room_events().is_empty(), "the deadline starts again");
    h.run_for(Duration::from_secs(2));
    assert_join_timed_out(&mut h);
}

#[test]
fn second_join_and_non_room_jid_are_errors() {
    let mut h = Harness::new();
    h.join("coven@chat.shakespeare.lit", "thirdwitch");
    let again = h.router.join(
        "coven@chat.shakespeare.lit".parse().unwrap(),
        "other",
        JoinOptions::default(),
        h.now,
    );
    assert!(matches!(again, Err(UsageError::AlreadyJoined(_))));
    let domain_only = h.router.join(
        "chat.shakespeare.lit".parse().unwrap(),
        "x",
        JoinOptions::default(),
        h.now,
    );
    assert!(matches!(domain_only, Err(UsageError::NotBare(_))));
    let bad_nick = h.router.join(
        "other@chat.shakespeare.lit".parse().unwrap(),
        "",
        JoinOptions::default(),
        h.now,
    );
    assert!(matches!(bad_nick, Err(UsageError::BadNick(_))));
}

#[test]
fn discovery_on_join_lets_occupant_ids_through() {
    let mut h = alice();
    h.join_with(ROOM, "Alice", JoinOptions::default());
    let sent = h.take_sent();
    let disco_id = sent
        .iter()
        .find_map(|s| match s {
            Stanza::Iq(iq) => Some(iq.id().to_owned()),
            _ => None,
        })
        .expect("a disco#info query goes out with the join");
    h.feed(&format!("<iq type='result' id='{disco_id}' from='probe2@conference.localhost' to='alice@localhost/FOjJgIHd8r9h'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text' name='probe2'/><feature var='http://jabber.org/protocol/muc'/><feature var='urn:xmpp:occupant-id:0'/><feature var='muc_semianonymous'/></query></iq>"));
    h.feed("<presence from='probe2@conference.localhost/Bob'><occupant-id id='Rl5x' xmlns='urn:xmpp:occupant-id:0'/><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>");
    match &h.room_events()[..] {
        [RoomEvent::Join { occupant }] => assert_eq!(occupant.occupant_id(), Some("Rl5x")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn forged_occupant_ids_are_ignored_where_the_room_does_not_advertise_them() {
    let mut h = Harness::new();
    h.join("coven@chat.shakespeare.lit", "thirdwitch");
    h.feed("<presence from='coven@chat.shakespeare.lit/firstwitch'><occupant-id id='forged' xmlns='urn:xmpp:occupant-id:0'/><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>");
    match &h.room_events()[..] {
        [RoomEvent::Join { occupant }] => assert_eq!(occupant.occupant_id(), None),
        other => panic!("{other:?}"),
    }
    let _ = h.take_events();
    assert!(
        h.take_events()
            .iter()
            .all(|e| !matches!(e, Event::Request { .. }))
    );
}
