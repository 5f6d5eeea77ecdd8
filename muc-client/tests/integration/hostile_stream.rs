//! What a server writes that no stanza reader should trust: a stanza
//! nested too deep for tree code, a stream error, broken markup, content
//! that is not XML. Both readers (this binary's and
//! `tests/own_reader.rs`'s) must survive them without inventing or losing
//! an event; where they differ (a stanza the own reader can cut out and
//! drop, tokio-xmpp's loses the stream for) the test says so.

use muc_client::xmpp_parsers::minidom::Element;
use muc_client::{RoomEvent, ServiceEvent};

use crate::common::*;

const CLIENT: &str = "jabber:client";

/// A groupchat message from `room`, by `nick`, to `to`.
fn groupchat(room: &str, nick: &str, to: &str, body: &str) -> Element {
    format!(
        "<message xmlns='{CLIENT}' from='{room}/{nick}' to='{to}' type='groupchat'><body>{body}</body></message>"
    )
    .parse()
    .expect("a message")
}

#[tokio::test]
async fn a_stanza_nested_too_deep_is_ignored_and_the_stream_goes_on() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let mut service_events = alice.events();
    let (room, mut events, _) = join(&alice, "deep", "Alice").await;
    let me = alice.own_jid().expect("online").to_string();
    let room_jid = room_jid("deep");

    // 300 levels: past both readers' bounds (the router's 64 for trees,
    // the framer's 256 before any tree).
    let mut payload = Element::builder("x", "urn:example:deep").build();
    for _ in 0..300 {
        payload = Element::builder("x", "urn:example:deep")
            .append(payload)
            .build();
    }
    let mut deep = groupchat(&room_jid, "Mallory", &me, "deep");
    deep.append_child(payload);
    let after = groupchat(&room_jid, "Mallory", &me, "after");
    assert_eq!(server.faults().inject_all(&me, [deep, after]), 1);

    let ev = wait_for(&mut events, "the next message", |e| {
        matches!(e, RoomEvent::Message { .. })
    })
    .await;
    assert_eq!(
        body(&ev).as_deref(),
        Some("after"),
        "the deep one is not delivered"
    );
    assert!(room.active());
    expect_none(
        &mut service_events,
        std::time::Duration::from_millis(100),
        |e| matches!(e, ServiceEvent::Offline),
    )
    .await;
}

#[tokio::test]
async fn a_stream_error_is_a_lost_stream_and_the_room_comes_back() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let mut service_events = alice.events();
    let (room, mut events, _) = join(&alice, "streamerror", "Alice").await;
    let me = alice.own_jid().expect("online").to_string();

    let error = Element::builder("error", "http://etherx.jabber.org/streams")
        .append(Element::builder(
            "conflict",
            "urn:ietf:params:xml:ns:xmpp-streams",
        ))
        .build();
    assert_eq!(server.faults().inject(&me, error), 1);

    lost_and_rejoined(&mut service_events, &mut events).await;
    assert!(room.active());
    within("a message after", room.send_message("back"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_quiet_stream_is_kept_alive_without_stray_stanzas() {
    let server = server(&["alice"]).await;
    let mut options = fast();
    options.timeouts.read_timeout = std::time::Duration::from_millis(150);
    // Short enough that an unanswered keepalive loses the stream within
    // the window below.
    options.timeouts.response_timeout = std::time::Duration::from_millis(300);
    let alice = login_with(&server, "alice", options).await;
    let mut service_events = alice.events();
    // Several silent periods: each ends in a keepalive that is answered.
    expect_none(
        &mut service_events,
        std::time::Duration::from_millis(1500),
        |e| matches!(e, ServiceEvent::Offline | ServiceEvent::Stanza(_)),
    )
    .await;
    let (room, _events, _) = join(&alice, "quiet", "Alice").await;
    assert!(room.active());
}

/// Waits for the service to go offline and the room to be suspended and
/// then resumed; returns the room's events up to the resume.
async fn lost_and_rejoined(
    service_events: &mut muc_client::ServiceEvents,
    events: &mut muc_client::RoomEvents,
) -> Vec<RoomEvent> {
    wait_for(service_events, "offline", |e| {
        matches!(e, ServiceEvent::Offline)
    })
    .await;
    let seen = collect_until(events, "resumed", |e| {
        matches!(e, RoomEvent::Resumed { .. })
    })
    .await;
    assert!(
        seen.iter().any(|e| matches!(e, RoomEvent::Suspend)),
        "{seen:#?}"
    );
    seen
}

/// The nick of a join event.
fn joined(ev: &RoomEvent) -> Option<String> {
    match ev {
        RoomEvent::Join { occupant } => Some(occupant.nick().to_string()),
        _ => None,
    }
}

#[tokio::test]
async fn broken_markup_loses_the_stream_and_the_room_comes_back() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let mut service_events = alice.events();
    let (room, mut events, _) = join(&alice, "broken", "Alice").await;
    let me = alice.own_jid().expect("online").to_string();
    let room_jid = room_jid("broken");

    // An end tag that does not match: no reader can know where this
    // stanza ends, so the stream cannot go on.
    let broken = format!(
        "<message from='{room_jid}/Mallory' to='{me}' type='groupchat'><body>broken</bdy></message>"
    );
    assert_eq!(server.faults().inject_raw(&me, broken), 1);

    let seen = lost_and_rejoined(&mut service_events, &mut events).await;
    assert!(
        !seen.iter().any(|e| body(e).is_some()),
        "nothing of the broken stanza is delivered: {seen:#?}"
    );
    assert!(room.active());
    within("a message after", room.send_message("back"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_stanza_that_is_not_xml_inside_never_becomes_an_event() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let mut service_events = alice.events();
    let (room, mut events, _) = join(&alice, "entity", "Alice").await;
    let me = alice.own_jid().expect("online").to_string();
    let room_jid = room_jid("entity");

    // Its tags are whole, so it can be cut out of the stream; an
    // undefined entity makes its content unreadable. Mallory must not
    // join.
    let bad = format!(
        "<presence from='{room_jid}/Mallory' to='{me}'><status>&bogus;</status>\
         <x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>"
    );
    assert_eq!(server.faults().inject_raw(&me, bad), 1);
    let own_reader = matches!(crate::READER, muc_client::StreamReader::Own);
    let mut seen = Vec::new();
    if !own_reader {
        // rxml refuses the undefined entity: tokio-xmpp's reader loses the
        // stream, and the room is rejoined.
        seen = lost_and_rejoined(&mut service_events, &mut events).await;
        // Alone in a temporary room, Alice's rejoin made it anew: locked
        // until configured, as after any creation.
        if let Some(RoomEvent::Resumed { status, .. }) = seen.last() {
            if status.contains(&muc_client::StatusCode::ROOM_CREATED) {
                within("instant room", room.create_instant())
                    .await
                    .expect("instant room");
            }
        }
    }

    // A real occupant after it: seen exactly once.
    let bob = login(&server, "bob").await;
    let (_broom, _bevents, _) = join(&bob, "entity", "Bob").await;
    seen.extend(
        collect_until(&mut events, "bob joins", |e| {
            joined(e).as_deref() == Some("Bob")
        })
        .await,
    );
    assert!(
        !seen.iter().any(|e| joined(e).as_deref() == Some("Mallory")),
        "{seen:#?}"
    );
    expect_none(&mut events, std::time::Duration::from_millis(300), |e| {
        joined(e).is_some()
    })
    .await;
    assert!(room.active());
    assert_eq!(
        room.occupants()
            .iter()
            .map(|o| o.nick().to_string())
            .collect::<std::collections::BTreeSet<_>>(),
        ["Alice", "Bob"].map(String::from).into()
    );
    if own_reader {
        // The own reader drops the one stanza and keeps the stream.
        expect_none(
            &mut service_events,
            std::time::Duration::from_millis(100),
            |e| matches!(e, ServiceEvent::Offline),
        )
        .await;
    }
}
