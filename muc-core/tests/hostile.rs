//! What a malicious or broken room or server can send, and what we do
//! about it. One test per row; rows already covered elsewhere name that
//! test (file and function). "Logged" means a `warn`/`debug` line (the
//! tests that check it capture the log); "bounded" means a limit in
//! [`RoomLimits`](muc_core::RoomLimits) or
//! [`QueueLimits`](muc_core::QueueLimits), on by default.
//!
//! | # | Input | Expected outcome | Test |
//! |---|---|---|---|
//! | 1 | presence or message whose `from` is outside the room (another room, another domain, no `from`) | given back by the Router (not MUC's business); a Room driven directly ignores and logs it | `from_outside_the_room` |
//! | 2 | presence flood: 10,000 updates of one occupant | one occupant; an event only when something changed | `presence_flood_of_one_occupant` |
//! | 3 | flood of presences with unique nicks past the occupant limit | ignored past `RoomLimits::max_occupants` (default 250,000): no occupant, no event, one warning | `unique_nick_flood_stops_at_the_occupant_limit` |
//! | 4 | 100,000 occupants, then a stream loss and rejoin | all kept (under the default limit); the rejoin matches them back in linear time | `a_hundred_thousand_occupants_survive_a_rejoin`; occupants.rs `a_hundred_thousand_occupants` |
//! | 5 | a 1 MB subject (and a subject in hundreds of languages) | kept and reported cut to `RoomLimits::max_subject_len` (64 KiB, all languages together) | `megabyte_subject_is_cut` |
//! | 6 | a 1 MB `<status/>` text on an occupant | kept cut to `RoomLimits::max_status_len` (1 KiB) | `megabyte_status_is_cut` |
//! | 7 | unknown status codes (0, 999, 65535) | kept as numbers in the event's status list; no effect on the logic | `unknown_status_codes_are_kept_and_harmless` |
//! | 8 | a status code that is not a number (`code='abc'`), an invalid affiliation or item JID | typed error (`muc_xso::Error::InvalidAttribute`); the presence is ignored and logged, later ones are handled | `invalid_attributes_drop_the_presence_with_a_typed_error` |
//! | 9 | 10,000 status codes in one presence | handled in linear time; all kept in the event | `ten_thousand_status_codes_in_one_presence` |
//! | 10 | 303 (nick change) without an `<item/>` or without `nick` | for another occupant: a leave; for us: ignored and logged | `our_303_without_a_nick_is_ignored`; occupants.rs `odd_inputs_leave_the_table_consistent`; inventory_bugs.rs `malformed_presences_do_not_stop_handling` |
//! | 11 | an error presence carrying muc#user | join: `JoinFailed`; joined: an `Error` event; never a panic | join.rs `error_presence_carrying_muc_user_fails_the_join_without_panicking`; inventory_bugs.rs `malformed_presences_do_not_stop_handling` |
//! | 12 | a mediated invitation from something that is not a room (a full JID, a domain) | ignored and logged, consumed | `invitations_from_non_rooms_are_ignored`; messages.rs `mediated_invitation_from_something_that_is_not_a_room_is_ignored` |
//! | 13 | invitations from thousands of rooms | one event each; the router keeps nothing; the event queue is bounded | `thousands_of_invitations_keep_no_state` |
//! | 14 | forged occupant-ids where the room does not advertise XEP-0421 | not kept, not used to recognize us | join.rs `forged_occupant_ids_are_ignored_where_the_room_does_not_advertise_them`; `forged_occupant_id_does_not_make_a_message_ours` |
//! | 15 | an overlong occupant-id (the room advertises XEP-0421) | not kept (longer than 256 bytes) | `overlong_occupant_id_is_not_kept` |
//! | 16 | a groupchat message with both subject and body | a message, not a subject change | messages.rs `subject_with_a_body_or_thread_is_a_message`; `subject_and_body_is_a_message` |
//! | 17 | reflections with rewritten ids (id, origin-id, or both rewritten) | matched by origin-id, else by our occupant and body; someone else's message with our body is not ours | tracking.rs `rewritten_id_matched_by_origin_id`, `rewritten_everything_matched_by_sender_and_body_in_send_order`; `someone_elses_copy_of_our_body_is_not_our_reflection` |
//! | 18 | a huge nick (1,023 bytes; 1,024 and more) | 1,023 bytes: an occupant like any other; longer: the JID does not parse, the stanza never reaches us | `huge_nicks` |
//! | 19 | deeply nested payloads (300 levels, in a presence or message from the room, in a message from anyone, in an IQ answer) | not read past `MAX_PAYLOAD_DEPTH` (64) levels: from the room ignored and logged, otherwise given back unread; so nothing of ours recurses on it (minidom's recursive `Clone`, in the invitation check of every message, overflowed a 2 MiB stack at 5,000 levels in release); 20 levels are handled as usual. minidom's and xmpp-parsers' own recursion (building, converting and dropping the stanza, before and after us) still bounds the depth a client survives: outside our crates | `deeply_nested_payload` |
//! | 20 | an IQ answer with one of our ids from another sender | not taken as the answer; given back; the right sender's answer still completes the request | `iq_answer_from_another_sender_is_not_ours`; requests.rs `instant_room_cancel_and_destroy` |
//! | 21 | a subject message claiming our nick | a subject change by us (the room is the only one who can send from our occupant JID) | `subject_claiming_our_nick` |
//! | 22 | another occupant renamed (303) onto our nick | that occupant leaves; we keep our nick; occupants stay unique | fuzz_regressions.rs `another_occupant_renamed_onto_our_nick` |
//! | 23 | an occupant renamed onto another occupant's nick | the displaced entry leaves (with a `Leave` event), then the rename | `nick_change_onto_an_occupied_nick` |
//! | 23b | a presence for our nick before our 110 (another session of ours), or the room moving us onto an occupied nick | the other entry leaves (with a `Leave` event) when the nick becomes ours | `ghost_under_our_nick_leaves_with_an_event`; join.rs `our_nick_seen_before_110_is_not_a_second_occupant` |
//! | 24 | a presence of type subscribe/probe, or from the bare room JID | ignored (logged); never an occupant | `odd_presence_types_and_the_bare_room_jid` |
//! | 25 | two muc#user payloads in one presence | the first one counts | `two_muc_user_payloads_use_the_first` |
//! | 26 | a ping flood from the room while the application does not poll | each answered; the transmit queue stops at `QueueLimits::max_transmits` and counts what it dropped | `ping_flood_with_nobody_polling_is_bounded` |
//! | 27 | any traffic while the application does not poll events | the event queue stops at `QueueLimits::max_events` and counts what it dropped | `unpolled_events_are_bounded` |
//! | 28 | messages with megabyte ids / endless new stanza-ids | the dedup window keeps 512 messages, ids as 64-bit hashes | dedup.rs `tests::bounded` |
//! | 29 | the inputs that break aioxmpp (../shared/research/aioxmpp-muc-inventory.md §19) | each handled as inventory_bugs.rs says | inventory_bugs.rs (all tests; §19.1 `malformed_presences_do_not_stop_handling`, §19.2 tracking.rs `closing_one_of_two_equal_bodies_breaks_nothing`, ...) |
//! | 30 | arbitrary sequences of all of the above | no panic; occupants unique by JID and key, the local user first, joined ⇒ `this_occupant` | fuzz/ `core_sequence` (and model.rs) |

mod common;

use std::time::{Duration, Instant};

use common::*;
use muc_core::muc_xso::{Affiliation, Role, UserExt, UserItem};
use muc_core::xmpp_parsers::presence::Type;
use muc_core::{
    Event, IncomingPresence, JoinOptions, QueueLimits, Room, RoomEvent, RoomLimits, TrackerState,
};

const ROOM: &str = "room1@conference.localhost";
const MUC_USER: &str = "http://jabber.org/protocol/muc#user";

fn room(h: &Harness) -> &Room {
    h.router.room(&ROOM.parse().unwrap()).expect("room")
}

fn occupant_presence(nick: &str) -> String {
    format!(
        "<presence from='{ROOM}/{nick}'><x xmlns='{MUC_USER}'><item role='participant' affiliation='none'/></x></presence>"
    )
}

/// A Room driven directly, entered as Alice.
fn bare_room(options: JoinOptions) -> (Room, Instant) {
    let now = Instant::now();
    let mut room = Room::new(ROOM.parse().unwrap(), "Alice", options.discover(false), 1).unwrap();
    room.start_join(now);
    room.handle_presence(
        incoming(
            "Alice",
            Type::None,
            UserExt::new()
                .with_item(UserItem::new(Affiliation::Owner, Role::Moderator))
                .with_status(110),
        ),
        now,
    );
    while room.poll_event().is_some() {}
    (room, now)
}

fn incoming(nick: &str, type_: Type, x: UserExt) -> IncomingPresence {
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
}

fn participant(nick: &str) -> IncomingPresence {
    incoming(
        nick,
        Type::None,
        UserExt::new().with_item(UserItem::new(Affiliation::None, Role::Participant)),
    )
}

#[test]
fn from_outside_the_room() {
    let mut h = alice_live_with_bob();
    for xml in [
        "<presence from='room2@conference.localhost/Eve'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/></x></presence>",
        "<presence from='room1@evil.example/Eve'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/></x></presence>",
        "<presence><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/></x></presence>",
        "<message from='room1@evil.example/Eve' type='groupchat'><subject>pwned</subject></message>",
        "<message type='groupchat'><body>no sender</body></message>",
    ] {
        assert!(h.feed(xml).is_some(), "given back: {xml}");
    }
    assert!(h.take_events().is_empty());
    assert_eq!(room(&h).occupant_count(), 2);
    assert!(room(&h).subject().values().all(String::is_empty));

    // A Room fed directly checks the sender too.
    let (mut r, now) = bare_room(JoinOptions::default());
    let mut p = participant("Eve");
    p.from = "room1@evil.example/Eve".parse().unwrap();
    let ((), logs) = logs::capture(|| r.handle_presence(p, now));
    assert!(r.poll_event().is_none());
    assert_eq!(r.occupant_count(), 1);
    assert!(logs.contains("outside the room"), "{logs}");
}

#[test]
fn presence_flood_of_one_occupant() {
    let mut h = alice_live_with_bob();
    for i in 0..10_000 {
        let show = if i % 1000 == 0 { "away" } else { "chat" };
        let xml = format!(
            "<presence from='{ROOM}/Bob'><show>{show}</show><x xmlns='{MUC_USER}'><item role='participant' affiliation='member'/></x></presence>"
        );
        h.router.handle_stanza(stanza(&xml), h.now);
        while h.router.poll_event().is_some() {}
    }
    assert_eq!(room(&h).occupant_count(), 2);
    // Repeats say nothing.
    for _ in 0..100 {
        h.feed(&format!("<presence from='{ROOM}/Bob'><show>chat</show><x xmlns='{MUC_USER}'><item role='participant' affiliation='member'/></x></presence>"));
    }
    assert!(h.take_events().is_empty());
}

#[test]
fn unique_nick_flood_stops_at_the_occupant_limit() {
    let limits = RoomLimits::default().with_max_occupants(Some(1_000));
    let (mut r, now) = bare_room(JoinOptions::default().limits(limits));
    let ((), logs) = logs::capture(|| {
        for i in 0..5_000 {
            r.handle_presence(participant(&format!("flood{i}")), now);
        }
    });
    let mut joins = 0;
    while let Some(e) = r.poll_event() {
        assert!(matches!(e, RoomEvent::Join { .. }), "{e:?}");
        joins += 1;
    }
    assert_eq!(joins, 1_000);
    assert_eq!(r.occupant_count(), 1_001, "the limit counts the others");
    assert_eq!(
        logs.matches("occupant limit reached; presences of new nicks are ignored")
            .count(),
        1,
        "warned once, not once per presence"
    );
    // Known occupants still change and leave; a leave makes room again.
    r.handle_presence(
        incoming(
            "flood0",
            Type::Unavailable,
            UserExt::new().with_item(UserItem::new(Affiliation::None, Role::None)),
        ),
        now,
    );
    r.handle_presence(participant("newcomer"), now);
    let names: Vec<_> = std::iter::from_fn(|| r.poll_event())
        .map(|e| name(&e))
        .collect();
    assert_eq!(names, ["Leave", "Join"]);
    assert!(r.occupant("newcomer").is_some());
    // The default is far above 100,000.
    assert_eq!(
        RoomLimits::default().max_occupants,
        Some(RoomLimits::DEFAULT_MAX_OCCUPANTS)
    );
    const { assert!(RoomLimits::DEFAULT_MAX_OCCUPANTS > 100_000) };
}

#[test]
fn a_hundred_thousand_occupants_survive_a_rejoin() {
    let mut h = alice_live_with_bob();
    let n = 100_000;
    for i in 0..n {
        h.router
            .handle_stanza(stanza(&occupant_presence(&format!("u{i}"))), h.now);
        while h.router.poll_event().is_some() {}
    }
    assert_eq!(room(&h).occupant_count(), n + 2);
    h.router.stream_lost(h.now);
    h.router
        .stream_established("alice@localhost/res-a".parse().unwrap(), h.now);
    h.pump();
    h.take_events();
    let started = Instant::now();
    // The room sends everyone again, in its own (here: reversed) order.
    h.router
        .handle_stanza(stanza(&occupant_presence("Bob")), h.now);
    for i in (0..n).rev() {
        h.router
            .handle_stanza(stanza(&occupant_presence(&format!("u{i}"))), h.now);
        while h.router.poll_event().is_some() {}
    }
    h.feed("<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>");
    let elapsed = started.elapsed();
    let events = h.room_events();
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, RoomEvent::Join { .. } | RoomEvent::Leave { .. })),
        "everyone came back: no joins, no leaves"
    );
    assert_eq!(room(&h).occupant_count(), n + 2);
    // Quadratic matching would take minutes here (5·10⁹ comparisons).
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
}

#[test]
fn megabyte_subject_is_cut() {
    let mut h = alice_live_with_bob();
    let big = "x".repeat(1 << 20);
    h.feed(&format!(
        "<message from='{ROOM}/Bob' type='groupchat'><subject>{big}</subject></message>"
    ));
    let max = RoomLimits::default().max_subject_len.unwrap();
    let kept: usize = room(&h).subject().values().map(String::len).sum();
    assert_eq!(kept, max);
    match &h.room_events()[..] {
        [RoomEvent::SubjectChange { subject, .. }] => {
            assert_eq!(subject.values().map(String::len).sum::<usize>(), max)
        }
        other => panic!("{other:?}"),
    }
    // Hundreds of languages: the bound is on all of them together, and a
    // cut never splits a character.
    let mut xml = format!("<message from='{ROOM}/Bob' type='groupchat'>");
    for i in 0..400 {
        xml += &format!("<subject xml:lang='l{i}'>{}</subject>", "é".repeat(200));
    }
    xml += "</message>";
    h.feed(&xml);
    let kept: usize = room(&h).subject().values().map(String::len).sum();
    assert!(kept <= max && kept > max - 400, "{kept}");
    assert!(room(&h).subject().len() < 400);
}

#[test]
fn megabyte_status_is_cut() {
    let mut h = alice_live_with_bob();
    let big = "y".repeat(1 << 20);
    h.feed(&format!(
        "<presence from='{ROOM}/Carol'><status>{big}</status><status xml:lang='de'>{big}</status><x xmlns='{MUC_USER}'><item role='participant' affiliation='none'/></x></presence>"
    ));
    let carol = room(&h).occupant("Carol").expect("Carol").clone();
    let kept: usize = carol.statuses().iter().map(|(_, t)| t.len()).sum();
    assert_eq!(kept, RoomLimits::default().max_status_len.unwrap());
    // Unlimited when asked for.
    let (mut r, now) = bare_room(JoinOptions::default().limits(RoomLimits::unlimited()));
    let mut p = participant("Dave");
    p.statuses.push((Default::default(), big.clone()));
    r.handle_presence(p, now);
    assert_eq!(r.occupant("Dave").unwrap().statuses()[0].1.len(), 1 << 20);
}

#[test]
fn unknown_status_codes_are_kept_and_harmless() {
    let mut h = alice_live_with_bob();
    h.feed(&format!(
        "<presence from='{ROOM}/Carol'><x xmlns='{MUC_USER}'><item role='participant' affiliation='none'/><status code='0'/><status code='999'/><status code='65535'/></x></presence>"
    ));
    h.feed(&format!(
        "<presence from='{ROOM}/Carol' type='unavailable'><x xmlns='{MUC_USER}'><item role='none' affiliation='none'/><status code='999'/></x></presence>"
    ));
    match &h.room_events()[..] {
        [
            RoomEvent::Join { .. },
            RoomEvent::Leave { mode, status, .. },
        ] => {
            assert_eq!(*mode, muc_core::LeaveMode::Normal);
            assert_eq!(status.iter().map(|c| c.0).collect::<Vec<_>>(), [999]);
        }
        other => panic!("{other:?}"),
    }
    // In a message from the room: a configuration notice with the codes.
    h.feed(&format!(
        "<message from='{ROOM}' type='groupchat'><x xmlns='{MUC_USER}'><status code='4242'/></x></message>"
    ));
    match &h.room_events()[..] {
        [RoomEvent::ConfigChanged { status }] => assert_eq!(status[0].0, 4242),
        other => panic!("{other:?}"),
    }
}

#[test]
fn invalid_attributes_drop_the_presence_with_a_typed_error() {
    let mut h = alice_live_with_bob();
    let bad = [
        "<status code='abc'/><item role='participant' affiliation='none'/>",
        "<status code='70000'/><item role='participant' affiliation='none'/>",
        "<item role='participant' affiliation='boss'/>",
        "<item role='participant' affiliation='none' jid='@@@'/>",
    ];
    for inner in bad {
        let xml =
            format!("<presence from='{ROOM}/Mallory'><x xmlns='{MUC_USER}'>{inner}</x></presence>");
        // The typed error, as the router sees it.
        let p = match stanza(&xml) {
            muc_core::xmpp_parsers::stanza::Stanza::Presence(p) => p,
            _ => unreachable!(),
        };
        match IncomingPresence::from_presence(p) {
            Err(muc_core::InputError::Payload(muc_core::muc_xso::Error::InvalidAttribute {
                ..
            })) => {}
            other => panic!("{inner}: {other:?}"),
        }
        let (back, logs) = logs::capture(|| h.feed(&xml));
        assert!(back.is_none(), "consumed: it is from our room");
        assert!(
            logs.contains("invalid presence from the room; ignored"),
            "{logs}"
        );
    }
    assert!(h.take_events().is_empty());
    assert!(room(&h).occupant("Mallory").is_none());
    h.feed(&occupant_presence("Carol"));
    assert_eq!(h.event_names(), ["Join"]);
}

#[test]
fn ten_thousand_status_codes_in_one_presence() {
    let mut h = alice_live_with_bob();
    // Everything but 110 (which would make the presence ours) and 303.
    let pool = [170, 301, 307, 321, 322, 332, 333, 999, 100, 201];
    let codes: String = (0..10_000)
        .map(|i| format!("<status code='{}'/>", pool[i % pool.len()]))
        .collect();
    let started = Instant::now();
    h.feed(&format!(
        "<presence from='{ROOM}/Carol' type='unavailable'><x xmlns='{MUC_USER}'>{codes}<item role='none' affiliation='none'/></x></presence>"
    ));
    h.feed(&format!(
        "<presence from='{ROOM}/Bob' type='unavailable'><x xmlns='{MUC_USER}'>{codes}<item role='none' affiliation='member'/></x></presence>"
    ));
    assert!(started.elapsed() < Duration::from_secs(10));
    match &h.room_events()[..] {
        [RoomEvent::Leave { status, mode, .. }] => {
            assert_eq!(status.len(), 10_000);
            // 301, 307, 333 ... are all in there: 333 outranks them.
            assert_eq!(*mode, muc_core::LeaveMode::Error);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn our_303_without_a_nick_is_ignored() {
    let mut h = alice_live_with_bob();
    let (_, logs) = logs::capture(|| {
        h.feed(&format!(
            "<presence from='{ROOM}/Alice' type='unavailable'><x xmlns='{MUC_USER}'><status code='303'/><status code='110'/></x></presence>"
        ))
    });
    assert!(logs.contains("names no new nick"), "{logs}");
    assert!(h.take_events().is_empty());
    let r = room(&h);
    assert!(r.active());
    assert_eq!(r.this_occupant().unwrap().nick(), "Alice");
}

#[test]
fn invitations_from_non_rooms_are_ignored() {
    let mut h = alice_live_with_bob();
    for from in [
        "mallory@evil.example/laptop",
        "evil.example",
        "evil.example/x",
    ] {
        let (back, logs) = logs::capture(|| {
            h.feed(&format!(
                "<message from='{from}'><x xmlns='{MUC_USER}'><invite from='crone1@shakespeare.lit'/></x><x xmlns='{MUC_USER}'><password>x</password></x></message>"
            ))
        });
        assert!(back.is_none(), "consumed");
        assert!(logs.contains("which is not a room"), "{logs}");
    }
    assert!(h.take_events().is_empty());
}

#[test]
fn thousands_of_invitations_keep_no_state() {
    let mut h = alice_live_with_bob();
    h.router
        .set_queue_limits(QueueLimits::default().with_max_events(Some(1_000)));
    for i in 0..5_000 {
        h.router.handle_stanza(
            stanza(&format!(
                "<message from='room{i}@conference.evil.example'><x xmlns='{MUC_USER}'><invite from='mallory@evil.example/x'><reason>come</reason></invite></x></message>"
            )),
            h.now,
        );
    }
    // Nobody polled: the queue stopped at its bound.
    assert_eq!(h.router.dropped_events(), 4_000);
    let mut n = 0;
    while let Some(e) = h.router.poll_event() {
        assert!(matches!(e, Event::Invitation(_)));
        n += 1;
    }
    assert_eq!(n, 1_000);
    // Only our room is held.
    assert_eq!(h.router.rooms().count(), 1);
}

/// Trusts occupant ids: the disco#info answer of the join says XEP-0421.
fn live_with_occupant_ids() -> Harness {
    let mut h = Harness::with_own("alice@localhost/res-a");
    h.join_with(ROOM, "Alice", JoinOptions::default());
    let disco = h
        .take_sent()
        .iter()
        .find_map(|s| match s {
            muc_core::xmpp_parsers::stanza::Stanza::Iq(iq) => Some(iq.id().to_owned()),
            _ => None,
        })
        .expect("disco");
    h.feed(&format!("<iq type='result' id='{disco}' from='{ROOM}'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text'/><feature var='http://jabber.org/protocol/muc'/><feature var='urn:xmpp:occupant-id:0'/></query></iq>"));
    h.feed(&format!("<presence from='{ROOM}/Alice'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='me-id'/><x xmlns='{MUC_USER}'><item role='participant' affiliation='none'/><status code='110'/></x></presence>"));
    h.feed(&format!(
        "<message from='{ROOM}' type='groupchat'><subject/></message>"
    ));
    h.take_events();
    h
}

#[test]
fn overlong_occupant_id_is_not_kept() {
    let mut h = live_with_occupant_ids();
    assert_eq!(
        room(&h).this_occupant().unwrap().occupant_id(),
        Some("me-id")
    );
    let long = "z".repeat(1_000);
    h.feed(&format!("<presence from='{ROOM}/Carol'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='{long}'/><x xmlns='{MUC_USER}'><item role='participant' affiliation='none'/></x></presence>"));
    assert_eq!(room(&h).occupant("Carol").unwrap().occupant_id(), None);
    h.feed(&format!("<presence from='{ROOM}/Dave'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='dave-id'/><x xmlns='{MUC_USER}'><item role='participant' affiliation='none'/></x></presence>"));
    assert_eq!(
        room(&h).occupant("Dave").unwrap().occupant_id(),
        Some("dave-id")
    );
}

#[test]
fn forged_occupant_id_does_not_make_a_message_ours() {
    // The room does not advertise XEP-0421: an occupant-id on a message
    // from Bob, equal to nothing we know, must not make it ours; and one
    // on our own nick's message does not make it someone else's.
    let mut h = alice_live_with_bob();
    let room_jid = ROOM.parse().unwrap();
    let t = h
        .router
        .send_tracked(
            &room_jid,
            muc_core::xmpp_parsers::message::Message::groupchat(None)
                .with_body(Default::default(), "mine".into()),
            None,
            h.now,
        )
        .unwrap();
    h.pump();
    h.take_events();
    h.feed(&format!("<message from='{ROOM}/Bob' type='groupchat' id='rewritten'><body>mine</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>"));
    let states: Vec<_> = h
        .room_events()
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::Tracker { id, state } if id == t => Some(state),
            _ => None,
        })
        .collect();
    assert!(states.is_empty(), "{states:?}");
    h.feed(&format!("<message from='{ROOM}/Alice' type='groupchat' id='rewritten2'><body>mine</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>"));
    assert!(h.room_events().iter().any(|e| matches!(
        e,
        RoomEvent::Tracker {
            state: TrackerState::DeliveredToRecipient { .. },
            ..
        }
    )));
}

#[test]
fn subject_and_body_is_a_message() {
    let mut h = alice_live_with_bob();
    h.feed(&format!(
        "<message from='{ROOM}/Bob' type='groupchat'><subject>not a topic</subject><body>hi</body></message>"
    ));
    assert_eq!(h.event_names(), ["Message"]);
    assert!(room(&h).subject().values().all(String::is_empty));
}

#[test]
fn someone_elses_copy_of_our_body_is_not_our_reflection() {
    let mut h = alice_live_with_bob();
    let room_jid = ROOM.parse().unwrap();
    let t = h
        .router
        .send_tracked(
            &room_jid,
            muc_core::xmpp_parsers::message::Message::groupchat(None)
                .with_body(Default::default(), "same words".into()),
            None,
            h.now,
        )
        .unwrap();
    h.pump();
    h.take_events();
    // Bob says the same thing, with ids the room rewrote.
    h.feed(&format!(
        "<message from='{ROOM}/Bob' type='groupchat' id='room-1'><body>same words</body></message>"
    ));
    assert!(
        !h.room_events()
            .iter()
            .any(|e| matches!(e, RoomEvent::Tracker { id, .. } if *id == t))
    );
    // Our reflection, both ids rewritten and no origin-id: ours by nick and body.
    h.feed(&format!(
        "<message from='{ROOM}/Alice' type='groupchat' id='room-2'><body>same words</body></message>"
    ));
    assert!(h.room_events().iter().any(|e| matches!(e,
        RoomEvent::Tracker { id, state: TrackerState::DeliveredToRecipient { matched_by: muc_core::MatchedBy::SenderAndBody, .. } } if *id == t)));
}

#[test]
fn huge_nicks() {
    let mut h = alice_live_with_bob();
    let nick = "n".repeat(1023);
    h.feed(&occupant_presence(&nick));
    assert_eq!(h.event_names(), ["Join"]);
    assert!(room(&h).occupant(&nick).is_some());
    // One byte more: not a JID, so not a stanza (the parser's typed error).
    let too_long = "n".repeat(1024);
    let el: minidom::Element =
        format!("<presence xmlns='jabber:client' from='{ROOM}/{too_long}'/>")
            .parse()
            .unwrap();
    assert!(muc_core::xmpp_parsers::presence::Presence::try_from(el).is_err());
    // A huge nick in a 303 is not a nick: treated as a leave.
    h.feed(&format!(
        "<presence from='{ROOM}/Bob' type='unavailable'><x xmlns='{MUC_USER}'><status code='303'/><item nick='{too_long}' role='participant' affiliation='member'/></x></presence>"
    ));
    assert_eq!(h.event_names(), ["Leave"]);
}

#[test]
fn deeply_nested_payload() {
    let nest = |depth: usize| {
        format!(
            "{}{}",
            "<a xmlns='urn:example:deep'>".repeat(depth),
            "</a>".repeat(depth)
        )
    };
    // Deep enough to be refused, shallow enough for minidom and
    // xmpp-parsers to build and drop in a debug build (their recursion is
    // the limit outside our crates).
    let deep = nest(300);
    let mut h = alice_live_with_bob();
    let ((), logs) = logs::capture(|| {
        assert!(h.feed(&format!(
            "<presence from='{ROOM}/Carol'><x xmlns='{MUC_USER}'><item role='participant' affiliation='none'/>{deep}</x></presence>"
        )).is_none());
        assert!(h.feed(&format!(
            "<message from='{ROOM}/Carol' type='groupchat'><body>deep</body><x xmlns='{MUC_USER}'>{deep}</x></message>"
        )).is_none());
    });
    assert!(
        logs.contains("nested deeper than 64 levels; ignored"),
        "{logs}"
    );
    assert!(h.take_events().is_empty());
    assert!(room(&h).occupant("Carol").is_none());
    // From anyone: given back unread (not even the invitation check,
    // which cloned the muc#user element).
    let back = h.feed(&format!(
        "<message from='mallory@evil.example/x'><x xmlns='{MUC_USER}'><invite from='a@b'/>{deep}</x></message>"
    ));
    assert!(back.is_some());
    let back = h.feed(&format!(
        "<iq type='result' id='x1' from='{ROOM}'><query xmlns='urn:example:q'>{deep}</query></iq>"
    ));
    assert!(back.is_some());
    assert!(h.take_events().is_empty());
    // Twenty levels are nothing special.
    let twenty = nest(20);
    h.feed(&format!(
        "<presence from='{ROOM}/Carol'><x xmlns='{MUC_USER}'><item role='participant' affiliation='none'/>{twenty}</x></presence>"
    ));
    h.feed(&format!(
        "<message from='{ROOM}/Carol' type='groupchat'><body>deep</body><x xmlns='{MUC_USER}'>{twenty}</x>{twenty}</message>"
    ));
    assert_eq!(h.event_names(), ["Join", "Message"]);
    assert_eq!(muc_core::MAX_PAYLOAD_DEPTH, 64);
}

#[test]
fn iq_answer_from_another_sender_is_not_ours() {
    let mut h = alice_live_with_bob();
    let room_jid = ROOM.parse().unwrap();
    let req = h.router.get_config(&room_jid, h.now);
    h.pump();
    let id = h
        .take_sent()
        .iter()
        .find_map(|s| match s {
            muc_core::xmpp_parsers::stanza::Stanza::Iq(iq) => Some(iq.id().to_owned()),
            _ => None,
        })
        .unwrap();
    for from in [
        "mallory@evil.example/x",
        "room1@conference.localhost/Bob",
        "room2@conference.localhost",
    ] {
        let (back, logs) = logs::capture(|| {
            h.feed(&format!(
                "<iq type='result' id='{id}' from='{from}'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>"
            ))
        });
        assert!(back.is_some(), "given back: {from}");
        assert!(logs.contains("another entity than the one asked"), "{logs}");
    }
    assert!(h.take_events().is_empty());
    h.feed(&format!(
        "<iq type='error' id='{id}' from='{ROOM}'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
    ));
    assert!(
        h.take_events()
            .iter()
            .any(|e| matches!(e, Event::Request { id, result: Err(_) } if *id == req))
    );
}

#[test]
fn subject_claiming_our_nick() {
    let mut h = alice_live_with_bob();
    h.feed(&format!(
        "<message from='{ROOM}/Alice' type='groupchat'><subject>I never said this</subject></message>"
    ));
    match &h.room_events()[..] {
        [
            RoomEvent::SubjectChange {
                setter, occupant, ..
            },
        ] => {
            assert_eq!(setter.as_deref(), Some("Alice"));
            assert!(occupant.as_ref().is_some_and(|o| o.is_self()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(room(&h).occupant_count(), 2);
}

#[test]
fn nick_change_onto_an_occupied_nick() {
    let mut h = alice_live_with_bob();
    h.feed(&occupant_presence("Carol"));
    h.take_events();
    h.feed(&format!(
        "<presence from='{ROOM}/Bob' type='unavailable'><x xmlns='{MUC_USER}'><status code='303'/><item nick='Carol' role='participant' affiliation='member'/></x></presence>"
    ));
    match &h.room_events()[..] {
        [
            RoomEvent::Leave { occupant: gone, .. },
            RoomEvent::NickChange { old, new, .. },
        ] => {
            assert_eq!(gone.nick(), "Carol");
            assert_eq!((old.as_str(), new.as_str()), ("Bob", "Carol"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(room(&h).occupant_count(), 2);
}

#[test]
fn odd_presence_types_and_the_bare_room_jid() {
    let mut h = alice_live_with_bob();
    for xml in [
        format!("<presence from='{ROOM}/Carol' type='subscribe'/>"),
        format!("<presence from='{ROOM}/Carol' type='probe'/>"),
        format!(
            "<presence from='{ROOM}'><x xmlns='{MUC_USER}'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>"
        ),
    ] {
        assert!(h.feed(&xml).is_none());
    }
    assert!(h.take_events().is_empty());
    assert_eq!(room(&h).occupant_count(), 2);
}

#[test]
fn two_muc_user_payloads_use_the_first() {
    let mut h = alice_live_with_bob();
    h.feed(&format!(
        "<presence from='{ROOM}/Carol'><x xmlns='{MUC_USER}'><item role='visitor' affiliation='none'/></x><x xmlns='{MUC_USER}'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>"
    ));
    assert_eq!(h.event_names(), ["Join"]);
    let carol = room(&h).occupant("Carol").unwrap().clone();
    assert_eq!(carol.role(), Role::Visitor);
    assert!(!carol.is_self());
}

#[test]
fn ping_flood_with_nobody_polling_is_bounded() {
    let mut h = alice_live_with_bob();
    h.router
        .set_queue_limits(QueueLimits::default().with_max_transmits(Some(100)));
    let ((), logs) = logs::capture(|| {
        for i in 0..1_000 {
            h.router.handle_stanza(
                stanza(&format!(
                    "<iq type='get' id='p{i}' from='{ROOM}/Bob'><ping xmlns='urn:xmpp:ping'/></iq>"
                )),
                h.now,
            );
        }
    });
    assert_eq!(h.router.dropped_transmits(), 900);
    assert!(logs.contains("output queue full"), "{logs}");
    assert!(
        logs.matches("output queue full").count() < 20,
        "logged sparingly"
    );
    let mut answered = 0;
    while h.router.poll_transmit().is_some() {
        answered += 1;
    }
    assert_eq!(answered, 100);
    // Polling again makes room: the next ping is answered.
    h.feed(&format!(
        "<iq type='get' id='late' from='{ROOM}/Bob'><ping xmlns='urn:xmpp:ping'/></iq>"
    ));
    assert_eq!(h.take_sent().len(), 1);
}

#[test]
fn unpolled_events_are_bounded() {
    let mut h = alice_live_with_bob();
    assert_eq!(h.router.queue_limits(), QueueLimits::default());
    let max = QueueLimits::default().max_events.unwrap();
    for i in 0..(max + 10) {
        let show = if i % 2 == 0 { "away" } else { "dnd" };
        h.router.handle_stanza(
            stanza(&format!(
                "<presence from='{ROOM}/Bob'><show>{show}</show><x xmlns='{MUC_USER}'><item role='participant' affiliation='member'/></x></presence>"
            )),
            h.now,
        );
    }
    assert_eq!(h.router.dropped_events(), 10);
    // Unlimited when asked for.
    h.router.set_queue_limits(QueueLimits::unlimited());
    h.feed(&format!(
        "<presence from='{ROOM}/Bob'><x xmlns='{MUC_USER}'><item role='participant' affiliation='member'/></x></presence>"
    ));
    assert_eq!(h.router.dropped_events(), 10);
    assert_eq!(h.take_events().len(), max + 1);
}

#[test]
fn ghost_under_our_nick_leaves_with_an_event() {
    // Before our 110: a presence for our nick (ejabberd's other session).
    let mut h = Harness::with_own("alice@localhost/res-a");
    h.join(ROOM, "Alice");
    h.feed_all(&[
        "<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>",
        "<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/><status code='110'/></x></presence>",
    ]);
    assert_eq!(h.event_names(), ["Join", "Leave", "Enter"]);
    assert_eq!(room(&h).occupant_count(), 1);
    // Live: the room moves us (110, no 303) onto Bob's nick.
    let mut h = alice_live_with_bob();
    h.feed(&format!(
        "<presence from='{ROOM}/Bob'><x xmlns='{MUC_USER}'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>"
    ));
    assert_eq!(h.event_names(), ["Leave", "NickChange"]);
    let r = room(&h);
    assert_eq!(r.occupant_count(), 1);
    assert_eq!(r.this_occupant().unwrap().nick(), "Bob");
}
