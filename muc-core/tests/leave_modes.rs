//! Every LeaveMode, triggered from real server stanzas, for others (Leave)
//! and for the local user (Exit).

mod common;

use std::time::Duration;

use common::*;
use muc_core::{JoinOptions, LeaveMode, RoomEvent};

fn joined(own: &str, room: &str, nick: &str, autorejoin: bool) -> Harness {
    let mut h = Harness::with_own(own);
    h.join_with(
        room,
        nick,
        JoinOptions::default()
            .discover(false)
            .autorejoin(autorejoin),
    );
    h.feed(&format!(
        "<presence from='{room}/{nick}'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='{own}' role='participant' affiliation='none'/><status code='110'/></x></presence>"
    ));
    h.feed(&format!(
        "<message from='{room}' type='groupchat'><subject/></message>"
    ));
    h.take_events();
    h.take_sent();
    h
}

fn exit_of(h: &mut Harness) -> (LeaveMode, RoomEvent) {
    let events = h.room_events();
    let exit = events
        .iter()
        .find(|e| matches!(e, RoomEvent::Exit { .. }))
        .unwrap_or_else(|| panic!("no exit in {events:?}"))
        .clone();
    match &exit {
        RoomEvent::Exit { mode, .. } => (*mode, exit.clone()),
        _ => unreachable!(),
    }
}

#[test]
fn kicked_prosody_capture() {
    let mut h = joined(
        "bob@localhost/ryBzHMmk5ePR",
        "probe2@conference.localhost",
        "Bobby",
        true,
    );
    h.feed("<presence to='bob@localhost/ryBzHMmk5ePR' from='probe2@conference.localhost/Bobby' type='unavailable'><occupant-id id='Rl5xdNBBtw4FZIWrJbyBtz/4RltLmzsTdhKaLjw07Cc=' xmlns='urn:xmpp:occupant-id:0'/><x xmlns='http://jabber.org/protocol/muc#user'><status code='307'/><item affiliation='none' role='none' jid='bob@localhost/ryBzHMmk5ePR'><actor nick='Alice'/><reason>bye bob</reason></item><status code='110'/></x></presence>");
    let (mode, exit) = exit_of(&mut h);
    assert_eq!(mode, LeaveMode::Kicked);
    if let RoomEvent::Exit {
        cause,
        occupant,
        status,
        destroyed,
        ..
    } = exit
    {
        assert_eq!(cause.reason.as_deref(), Some("bye bob"));
        assert_eq!(cause.actor.and_then(|a| a.nick).as_deref(), Some("Alice"));
        assert!(!occupant.expect("us").available());
        assert_eq!(status.len(), 2);
        assert!(destroyed.is_none());
    }
    assert!(
        h.router
            .room(&"probe2@conference.localhost".parse().unwrap())
            .is_none(),
        "exited rooms are dropped"
    );
}

#[test]
fn banned_without_110_xep_example_113() {
    let mut h = joined(
        "earlofcambridge@shakespeare.lit/stabber",
        "southampton@chat.shakespeare.lit",
        "cambridge",
        true,
    );
    h.feed("<presence from='southampton@chat.shakespeare.lit/cambridge' to='earlofcambridge@shakespeare.lit/stabber' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='outcast' role='none'><actor nick='The \u{265A}'/><reason>Treason</reason></item><status code='301'/></x></presence>");
    assert_eq!(exit_of(&mut h).0, LeaveMode::Banned);
}

#[test]
fn every_removal_code() {
    let cases = [
        ("<status code='321'/>", LeaveMode::AffiliationChange),
        ("<status code='322'/>", LeaveMode::MembersOnly),
        ("<status code='332'/>", LeaveMode::SystemShutdown),
        ("<status code='333'/>", LeaveMode::Error),
        ("<status code='307'/><status code='333'/>", LeaveMode::Error),
        ("", LeaveMode::Normal),
    ];
    for (codes, mode) in cases {
        // For the local user ...
        let mut h = joined(
            "hag66@shakespeare.lit/pda",
            "coven@chat.shakespeare.lit",
            "thirdwitch",
            true,
        );
        h.feed(&format!("<presence from='coven@chat.shakespeare.lit/thirdwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/>{codes}<status code='110'/></x></presence>"));
        assert_eq!(exit_of(&mut h).0, mode, "self {codes}");
        // ... and for someone else.
        let mut h = joined(
            "hag66@shakespeare.lit/pda",
            "coven@chat.shakespeare.lit",
            "thirdwitch",
            true,
        );
        h.feed("<presence from='coven@chat.shakespeare.lit/secondwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>");
        h.take_events();
        h.feed(&format!("<presence from='coven@chat.shakespeare.lit/secondwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/>{codes}</x></presence>"));
        match &h.room_events()[..] {
            [RoomEvent::Leave { mode: m, .. }] => assert_eq!(*m, mode, "other {codes}"),
            other => panic!("{codes}: {other:?}"),
        }
    }
}

#[test]
fn destroyed_prosody_with_alternate_venue() {
    let mut h = joined(
        "bob@localhost/qWv_SseKna3F",
        "probe3@conference.localhost",
        "Bob",
        true,
    );
    h.feed("<presence to='bob@localhost/qWv_SseKna3F' from='probe3@conference.localhost/Bob' type='unavailable'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='P7lQ'/><x xmlns='http://jabber.org/protocol/muc#user'><destroy jid='other@conference.localhost'><reason>moving</reason></destroy><item affiliation='none' role='none' jid='bob@localhost/qWv_SseKna3F'/><status code='110'/></x></presence>");
    let (mode, exit) = exit_of(&mut h);
    assert_eq!(mode, LeaveMode::Destroyed);
    if let RoomEvent::Exit { destroyed, .. } = exit {
        let d = destroyed.expect("destruction details");
        assert_eq!(
            d.alternate_venue.map(|j| j.to_string()).as_deref(),
            Some("other@conference.localhost")
        );
        assert_eq!(d.reason.as_deref(), Some("moving"));
    }
}

#[test]
fn destroyed_ejabberd_without_110_after_a_bare_unavailable() {
    let mut h = joined(
        "alice@localhost/res-a",
        "room2@conference.localhost",
        "Alice",
        true,
    );
    h.feed("<presence from='room2@conference.localhost' type='unavailable'/>");
    assert!(
        h.room_events().is_empty(),
        "the bare unavailable is not the exit"
    );
    h.feed("<presence from='room2@conference.localhost/Alice' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><destroy jid='other@conference.localhost'><reason>done</reason></destroy><item role='none' affiliation='none'/></x></presence>");
    assert_eq!(exit_of(&mut h).0, LeaveMode::Destroyed);
}

#[test]
fn disconnected_without_autorejoin() {
    let mut h = joined(
        "hag66@shakespeare.lit/pda",
        "coven@chat.shakespeare.lit",
        "thirdwitch",
        false,
    );
    h.router.stream_lost(h.now);
    h.pump();
    let (mode, exit) = exit_of(&mut h);
    assert_eq!(mode, LeaveMode::Disconnected);
    if let RoomEvent::Exit { status, .. } = exit {
        assert!(status.is_empty(), "a local disconnect has no presence");
    }
}

#[test]
fn our_leave_completes_on_the_exit_and_uses_the_occupant_jid() {
    let mut h = joined(
        "bob@localhost/r",
        "probe2@conference.localhost",
        "Bob",
        true,
    );
    let req = h
        .router
        .leave(
            &"probe2@conference.localhost".parse().unwrap(),
            Some("gone fishing".into()),
            h.now,
        )
        .unwrap();
    h.pump();
    let sent = h.take_sent_xml();
    assert!(
        sent[0].contains("to='probe2@conference.localhost/Bob'")
            && sent[0].contains("type='unavailable'")
            && sent[0].contains("gone fishing"),
        "{sent:?}"
    );
    h.feed("<presence from='probe2@conference.localhost/Bob' type='unavailable' id='16659886042903226018' xml:lang='en'><status>gone fishing</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none' jid='bob@localhost/r'/><status code='110'/></x></presence>");
    let events = h.take_events();
    assert!(events.iter().any(|e| matches!(
        e,
        muc_core::Event::Room {
            event: RoomEvent::Exit {
                mode: LeaveMode::Normal,
                ..
            },
            ..
        }
    )));
    assert!(events.iter().any(|e| matches!(e, muc_core::Event::Request { id, result: Ok(muc_core::Response::Left) } if *id == req)));
}

#[test]
fn a_leave_the_room_never_confirms_still_ends() {
    let mut h = joined(
        "bob@localhost/r",
        "probe2@conference.localhost",
        "Bob",
        true,
    );
    let req = h
        .router
        .leave(&"probe2@conference.localhost".parse().unwrap(), None, h.now)
        .unwrap();
    h.pump();
    h.run_for(Duration::from_secs(31));
    let events = h.take_events();
    assert!(events.iter().any(|e| matches!(e, muc_core::Event::Request { id, result: Err(muc_core::RequestError::TimedOut) } if *id == req)), "{events:?}");
    assert!(
        h.router
            .room(&"probe2@conference.localhost".parse().unwrap())
            .is_none()
    );
}
