//! Self-ping (XEP-0410) through the router: silence → ping to our occupant
//! JID; the answer keeps the room, marks it stale, or rejoins it.

mod common;

use std::time::Duration;

use common::*;
use muc_core::xmpp_parsers::stanza::Stanza;
use muc_core::{JoinOptions, LeaveMode, RoomEvent, RoomState, SelfPingConfig};

const ROOM: &str = "room1@conference.localhost";

fn live(autorejoin: bool) -> Harness {
    let mut h = Harness::with_own("alice@localhost/res-a");
    let ping = SelfPingConfig {
        idle: Duration::from_secs(60),
        timeout: Duration::from_secs(10),
    };
    h.join_with(
        ROOM,
        "Alice",
        JoinOptions::default()
            .discover(false)
            .autorejoin(autorejoin)
            .self_ping(Some(ping)),
    );
    h.feed_all(&[
        "<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>",
        "<message from='room1@conference.localhost' type='groupchat'><subject/></message>",
    ]);
    h.take_events();
    h.take_sent();
    h
}

fn ping_id(h: &mut Harness) -> String {
    let sent = h.take_sent();
    match &sent[..] {
        [Stanza::Iq(iq)] => {
            assert_eq!(
                iq.to().map(|j| j.as_str()),
                Some("room1@conference.localhost/Alice"),
                "a ping to our own occupant JID"
            );
            iq.id().to_owned()
        }
        other => panic!("expected one ping, got {other:?}"),
    }
}

#[test]
fn traffic_postpones_the_ping() {
    let mut h = live(true);
    h.run_for(Duration::from_secs(50));
    h.feed(
        "<message from='room1@conference.localhost/Bob' type='groupchat'><body>hi</body></message>",
    );
    h.run_for(Duration::from_secs(50));
    assert!(h.take_sent().is_empty(), "no ping within 60 s of traffic");
    h.run_for(Duration::from_secs(15));
    ping_id(&mut h);
}

#[test]
fn result_keeps_the_room() {
    let mut h = live(true);
    h.run_for(Duration::from_secs(61));
    let id = ping_id(&mut h);
    h.feed(&format!(
        "<iq type='result' id='{id}' from='room1@conference.localhost/Alice'/>"
    ));
    assert!(h.room_events().is_empty());
    assert_eq!(
        h.router.room(&ROOM.parse().unwrap()).unwrap().state(),
        RoomState::Live
    );
}

#[test]
fn no_answer_is_stale_then_fresh() {
    let mut h = live(true);
    h.run_for(Duration::from_secs(61));
    ping_id(&mut h);
    h.run_for(Duration::from_secs(11));
    assert_eq!(h.event_names(), ["Stale"]);
    h.run_for(Duration::from_secs(11));
    let id = ping_id(&mut h);
    h.feed(&format!("<iq type='error' id='{id}' from='room1@conference.localhost/Alice'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
    assert_eq!(
        h.event_names(),
        ["Fresh"],
        "service-unavailable means joined"
    );
}

#[test]
fn not_acceptable_rejoins_with_autorejoin() {
    let mut h = live(true);
    h.run_for(Duration::from_secs(61));
    let id = ping_id(&mut h);
    h.feed(&format!("<iq type='error' id='{id}' from='room1@conference.localhost/Alice'><error type='cancel'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
    assert_eq!(h.event_names(), ["Suspend", "Resume"]);
    let sent = h.take_sent_xml();
    assert!(
        sent.iter().any(|s| s.contains("type='unavailable'")),
        "{sent:?}"
    );
    assert!(
        sent.iter()
            .any(|s| s.contains("<x xmlns='http://jabber.org/protocol/muc'>")),
        "rejoin: {sent:?}"
    );
}

#[test]
fn not_acceptable_exits_without_autorejoin() {
    let mut h = live(false);
    h.run_for(Duration::from_secs(61));
    let id = ping_id(&mut h);
    h.feed(&format!("<iq type='error' id='{id}' from='room1@conference.localhost/Alice'><error type='cancel'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
    match &h.room_events()[..] {
        [
            RoomEvent::Exit {
                mode: LeaveMode::Disconnected,
                ..
            },
        ] => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn reflected_self_ping_is_answered() {
    let mut h = live(true);
    // XEP-0410: the room forwards our ping to one of our clients.
    h.feed("<iq from='room1@conference.localhost/Alice' id='c0ffee-s2c1' type='get' to='alice@localhost/res-a'><ping xmlns='urn:xmpp:ping'/></iq>");
    let sent = h.take_sent_xml();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("type='result'")
            && sent[0].contains("id='c0ffee-s2c1'")
            && sent[0].contains("to='room1@conference.localhost/Alice'"),
        "{sent:?}"
    );
}
