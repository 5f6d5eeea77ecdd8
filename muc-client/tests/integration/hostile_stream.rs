//! What a server writes that no stanza reader should trust: a stanza
//! nested too deep for tree code, a stream error. Both readers (this
//! binary's and `tests/own_reader.rs`'s) must survive them the same way.

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

    wait_for(&mut service_events, "offline", |e| {
        matches!(e, ServiceEvent::Offline)
    })
    .await;
    wait_for(&mut events, "suspend", |e| matches!(e, RoomEvent::Suspend)).await;
    wait_for(&mut events, "resumed", |e| {
        matches!(e, RoomEvent::Resumed { .. })
    })
    .await;
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
