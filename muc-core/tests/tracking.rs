//! Message tracking: every sent groupchat message has an origin-id; a
//! reflection is matched by id, then origin-id, then sender + body; errors,
//! deadlines, exits and suspensions end trackers in defined states.

mod common;

use std::time::Duration;

use common::*;
use muc_core::xmpp_parsers::message::Message;
use muc_core::xmpp_parsers::stanza::Stanza;
use muc_core::{Event, JoinOptions, MatchedBy, RoomEvent, TrackerId, TrackerState};

const ROOM: &str = "room1@conference.localhost";

fn live() -> Harness {
    let mut h = Harness::with_own("alice@localhost/res-a");
    h.join(ROOM, "Alice");
    h.feed_all(&[
        "<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='alice@localhost/res-a' role='moderator' affiliation='owner'/><status code='110'/></x></presence>",
        "<message from='room1@conference.localhost' type='groupchat'><subject/></message>",
    ]);
    h.take_events();
    h.take_sent();
    h
}

fn send(h: &mut Harness, body: &str, timeout: Option<Duration>) -> (TrackerId, String, String) {
    let m = Message::new(None).with_body(Default::default(), body.into());
    let t = h
        .router
        .send_tracked(&ROOM.parse().unwrap(), m, timeout, h.now)
        .unwrap();
    h.pump();
    let sent = h.take_sent();
    let m = match sent.last() {
        Some(Stanza::Message(m)) => m.clone(),
        other => panic!("{other:?}"),
    };
    let origin = m
        .payloads
        .iter()
        .find(|p| p.is("origin-id", "urn:xmpp:sid:0"))
        .and_then(|p| p.attr("id"))
        .expect("every sent message has an origin-id")
        .to_owned();
    assert_eq!(m.to.as_ref().map(|j| j.as_str()), Some(ROOM));
    (t, m.id.expect("an id").0, origin)
}

fn states(h: &mut Harness) -> Vec<(TrackerId, TrackerState)> {
    h.take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Room {
                event: RoomEvent::Tracker { id, state },
                ..
            } => Some((id, state)),
            _ => None,
        })
        .collect()
}

#[test]
fn written_then_reflected_by_id() {
    let mut h = live();
    let (t, id, _) = send(&mut h, "hello bob", None);
    assert_eq!(
        states(&mut h),
        [(t, TrackerState::DeliveredToServer)],
        "the harness reports writes"
    );
    h.feed(&format!("<message from='room1@conference.localhost/Alice' type='groupchat' id='{id}'><body>hello bob</body><stanza-id xmlns='urn:xmpp:sid:0' by='room1@conference.localhost' id='S1'/></message>"));
    let events = h.room_events();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, RoomEvent::Message { .. })),
        "the reflection is still a message event"
    );
    let tracked: Vec<_> = events
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::Tracker { id, state } => Some((id, state)),
            _ => None,
        })
        .collect();
    assert_eq!(
        tracked,
        [(
            t,
            TrackerState::DeliveredToRecipient {
                matched_by: MatchedBy::Id,
                stanza_id: Some("S1".into())
            }
        )]
    );
}

#[test]
fn rewritten_id_matched_by_origin_id() {
    let mut h = live();
    let (t, _, origin) = send(&mut h, "hi", None);
    states(&mut h);
    h.feed(&format!("<message from='room1@conference.localhost/Alice' type='groupchat' id='rewritten-1'><body>hi</body><origin-id xmlns='urn:xmpp:sid:0' id='{origin}'/></message>"));
    assert_eq!(
        states(&mut h),
        [(
            t,
            TrackerState::DeliveredToRecipient {
                matched_by: MatchedBy::OriginId,
                stanza_id: None
            }
        )]
    );
}

#[test]
fn rewritten_everything_matched_by_sender_and_body_in_send_order() {
    let mut h = live();
    let (t1, _, _) = send(&mut h, "same", None);
    let (t2, _, _) = send(&mut h, "same", None);
    states(&mut h);
    // Someone else saying the same thing is not our reflection.
    h.feed("<message from='room1@conference.localhost/Bob' type='groupchat' id='x'><body>same</body></message>");
    assert!(states(&mut h).is_empty());
    for _ in 0..2 {
        h.feed("<message from='room1@conference.localhost/Alice' type='groupchat'><body>same</body></message>");
    }
    let got: Vec<TrackerId> = states(&mut h).into_iter().map(|(id, _)| id).collect();
    assert_eq!(got, [t1, t2]);
}

#[test]
fn closing_one_of_two_equal_bodies_breaks_nothing() {
    // aioxmpp bug 2: closing a tracker popped the shared body list, and the
    // other reflection then raised KeyError and killed message handling.
    let mut h = live();
    let (t1, _, _) = send(&mut h, "dup", Some(Duration::from_secs(1)));
    let (t2, id2, _) = send(&mut h, "dup", Some(Duration::from_secs(60)));
    states(&mut h);
    h.advance(Duration::from_secs(2));
    assert_eq!(states(&mut h), [(t1, TrackerState::TimedOut)]);
    h.feed(&format!("<message from='room1@conference.localhost/Alice' type='groupchat' id='{id2}'><body>dup</body></message>"));
    assert!(
        matches!(&states(&mut h)[..], [(t, TrackerState::DeliveredToRecipient { matched_by: MatchedBy::Id, .. })] if *t == t2)
    );
    h.feed("<message from='room1@conference.localhost/Bob' type='groupchat'><body>still alive</body></message>");
    assert_eq!(h.event_names(), ["Message"]);
}

#[test]
fn error_from_the_room() {
    let mut h = live();
    let (t, id, _) = send(&mut h, "x", None);
    states(&mut h);
    h.feed(&format!("<message from='room1@conference.localhost' type='error' id='{id}'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Visitors are not allowed to send messages to all occupants</text></error></message>"));
    match &states(&mut h)[..] {
        [(tid, TrackerState::Error(e))] => {
            assert_eq!(*tid, t);
            assert_eq!(e.condition_name(), "forbidden");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn deadline_and_exit_end_trackers() {
    let mut h = live();
    let (t1, _, _) = send(&mut h, "a", Some(Duration::from_secs(5)));
    let (t2, _, _) = send(&mut h, "b", None);
    states(&mut h);
    h.run_for(Duration::from_secs(6));
    assert_eq!(states(&mut h), [(t1, TrackerState::TimedOut)]);
    h.feed("<presence from='room1@conference.localhost/Alice' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='none'/><status code='110'/></x></presence>");
    assert_eq!(states(&mut h), [(t2, TrackerState::Unknown)]);
}

#[test]
fn suspension_makes_trackers_unknown_and_write_failures_abort() {
    let mut h = live();
    let m = Message::new(None).with_body(Default::default(), "lost?".into());
    let t = h
        .router
        .send_tracked(&ROOM.parse().unwrap(), m, None, h.now)
        .unwrap();
    // Do not report the write: the transport failed it.
    let transmit = h.router.poll_transmit().expect("queued");
    assert_eq!(transmit.tracker, Some(t));
    h.router.transmit_failed(t);
    h.pump();
    assert_eq!(states(&mut h), [(t, TrackerState::Aborted)]);
    let (t2, _, _) = send(&mut h, "then", None);
    states(&mut h);
    h.router.stream_lost(h.now);
    h.pump();
    assert_eq!(states(&mut h), [(t2, TrackerState::Unknown)]);
}

#[test]
fn sending_requires_an_active_room() {
    let mut h = Harness::new();
    h.join_with(ROOM, "Alice", JoinOptions::default().discover(false));
    let m = Message::new(None).with_body(Default::default(), "too early".into());
    assert!(
        h.router
            .send_tracked(&ROOM.parse().unwrap(), m.clone(), None, h.now)
            .is_err()
    );
    assert!(
        h.router
            .send_message(&"nowhere@conference.localhost".parse().unwrap(), m)
            .is_err()
    );
}

#[test]
fn a_reflection_before_the_write_report_still_passes_through_delivered_to_server() {
    let mut h = live();
    let m = Message::new(None).with_body(Default::default(), "fast".into());
    let t = h
        .router
        .send_tracked(&ROOM.parse().unwrap(), m, None, h.now)
        .unwrap();
    // The transport has not reported the write yet when the reflection comes.
    let transmit = h.router.poll_transmit().expect("queued");
    let id = match &transmit.stanza {
        Stanza::Message(m) => m.id.clone().expect("id").0,
        other => panic!("{other:?}"),
    };
    h.feed(&format!("<message from='room1@conference.localhost/Alice' type='groupchat' id='{id}'><body>fast</body></message>"));
    let got = states(&mut h);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0], (t, TrackerState::DeliveredToServer));
    assert!(matches!(got[1], (id, TrackerState::DeliveredToRecipient { .. }) if id == t));
    // The late write report changes nothing.
    h.router.transmitted(t);
    h.pump();
    assert!(states(&mut h).is_empty());
}
