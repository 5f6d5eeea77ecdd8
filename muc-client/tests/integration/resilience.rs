//! Reconnects, autorejoin without loss or duplicates, timeouts, slow
//! consumers, several subscribers, self-ping.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use muc_client::xmpp_parsers::minidom::Element;
use muc_client::{
    Error, EventQueue, JoinError, JoinOptions, LeaveMode, MessageSource, RequestError, Role,
    RoomEvent, RoomState, SelfPingConfig, ServiceEvent, ServiceOptions,
};
use muc_testserver::{Action, Profile, Rule, predicates};

use crate::common::*;

/// Removes every id from the groupchat messages bob gets (message id,
/// origin-id, stanza-id, occupant-id), leaving only delay + sender + body
/// to recognize a message seen before.
fn strip_ids(e: &mut Element) {
    use muc_client::xmpp_parsers::minidom::rxml::Namespace;
    e.attrs_mut().remove(&Namespace::NONE, "id");
    while e.remove_child("origin-id", "urn:xmpp:sid:0").is_some() {}
    while e.remove_child("stanza-id", "urn:xmpp:sid:0").is_some() {}
    while e
        .remove_child("occupant-id", "urn:xmpp:occupant-id:0")
        .is_some()
    {}
}

/// Alice talks while bob's connection is down; bob comes back by himself,
/// rejoins asking for the history since his last message, and ends up with
/// every message exactly once.
async fn rejoin_without_loss_or_duplicates(profile: Profile, without_ids: bool) {
    let server = server_with(&["alice", "bob"], profile).await;
    if without_ids {
        server.faults().add(
            Rule::to_client()
                .for_user("bob@localhost")
                .when(predicates::is_groupchat_message)
                .then(Action::Modify(Arc::new(strip_ids))),
        );
    }
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let mut bob_service_events = bob.events();
    let (aroom, mut aev, _) = join(&alice, "rejoin", "Alice").await;
    let (broom, mut bev, _) = join(&bob, "rejoin", "Bob").await;
    let bob_key = broom.this_occupant().unwrap().key();
    let mut bodies = Vec::new();
    let say = |text: &'static str| {
        let room = aroom.clone();
        async move {
            let t = room.send_tracked_message(text, None).await.unwrap();
            within("reflection", t.wait_final()).await.unwrap();
        }
    };
    say("m1").await;
    say("m2").await;
    for text in ["m1", "m2"] {
        let ev = wait_for(&mut bev, text, is_message_with(text)).await;
        bodies.push((body(&ev).unwrap(), ev));
    }
    // Keep bob out for a while: his password changes, so reconnecting fails.
    server.add_user("bob", "locked-out");
    assert_eq!(server.faults().cut("bob@localhost"), 1);
    // Bob notices at once (the stream reports it), without waiting for a
    // reconnect.
    let suspend = wait_for(&mut bev, "suspend", |e| matches!(e, RoomEvent::Suspend)).await;
    assert!(matches!(suspend, RoomEvent::Suspend));
    assert!(!broom.active() && broom.joined());
    assert_eq!(broom.state(), RoomState::Suspended);
    wait_for(&mut bob_service_events, "offline", |e| {
        matches!(e, ServiceEvent::Offline)
    })
    .await;
    wait_for(&mut bob_service_events, "failed login", |e| {
        matches!(e, ServiceEvent::TransportError(_))
    })
    .await;
    wait_for(&mut aev, "bob leaves", |e| {
        matches!(e, RoomEvent::Leave { .. })
    })
    .await;
    // Requests fail at once while offline; nothing waits for a timeout.
    let err = within("offline request", broom.get_config())
        .await
        .unwrap_err();
    assert!(err.is_disconnected(), "{err:?}");
    say("m3").await;
    say("m4").await;
    // Let bob back in.
    server.add_user("bob", "bobpw");
    let rest = collect_until(&mut bev, "m4 after rejoin", is_message_with("m4")).await;
    let kinds: Vec<&RoomEvent> = rest
        .iter()
        .filter(|e| {
            matches!(
                e,
                RoomEvent::Resume | RoomEvent::Resumed { .. } | RoomEvent::Message { .. }
            )
        })
        .collect();
    assert!(matches!(kinds[0], RoomEvent::Resume), "{kinds:#?}");
    assert!(matches!(kinds[1], RoomEvent::Resumed { .. }), "{kinds:#?}");
    for ev in rest {
        if let Some(b) = body(&ev) {
            if let RoomEvent::Message { source, .. } = &ev {
                assert_eq!(*source, MessageSource::History, "{b} came as history");
            }
            bodies.push((b, ev));
        }
    }
    // Nothing after m4 either.
    expect_none(&mut bev, Duration::from_millis(200), |e| body(e).is_some()).await;
    let texts: Vec<&str> = bodies.iter().map(|(b, _)| b.as_str()).collect();
    assert_eq!(
        texts,
        ["m1", "m2", "m3", "m4"],
        "every message once, in order"
    );
    assert!(broom.active());
    assert_eq!(
        broom.this_occupant().unwrap().key(),
        bob_key,
        "the same occupant after the rejoin"
    );
    assert_eq!(broom.occupants().len(), 2);
    // The rejoined room works.
    within("after", broom.send_message("back")).await.unwrap();
    wait_for(&mut aev, "back", is_message_with("back")).await;
}

#[tokio::test]
async fn rejoin_without_loss_or_duplicates_by_stanza_id() {
    rejoin_without_loss_or_duplicates(Profile::Prosody, false).await;
}

#[tokio::test]
async fn rejoin_without_loss_or_duplicates_by_delay_sender_and_body() {
    // No ids at all on what bob receives.
    rejoin_without_loss_or_duplicates(Profile::Ejabberd, true).await;
}

#[tokio::test]
async fn rejoin_without_loss_or_duplicates_by_origin_id() {
    // ejabberd-like: no stanza-id, no occupant-id.
    rejoin_without_loss_or_duplicates(Profile::Ejabberd, false).await;
}

#[tokio::test]
async fn without_autorejoin_a_lost_stream_is_an_exit() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let (room, mut events, _) = join_with(
        &alice,
        "noauto",
        "Alice",
        JoinOptions::default().autorejoin(false),
    )
    .await;
    server.faults().cut("alice@localhost");
    let exit = wait_for(&mut events, "exit", |e| matches!(e, RoomEvent::Exit { .. })).await;
    assert!(
        matches!(
            exit,
            RoomEvent::Exit {
                mode: LeaveMode::Disconnected,
                ..
            }
        ),
        "{exit:?}"
    );
    assert!(within("end", events.next()).await.is_none());
    assert!(!room.joined());
    // The service itself reconnects.
    within("online again", alice.wait_online(WAIT))
        .await
        .expect("online again");
}

#[tokio::test]
async fn a_request_the_server_never_answers_times_out() {
    let server = server(&["alice", "bob"]).await;
    let options = fast_with(ServiceOptions::default().request_timeout(Duration::from_millis(400)));
    let alice = login_with(&server, "alice", options).await;
    let (room, _ev, _) = join(&alice, "silent", "Alice").await;
    server.faults().add(
        Rule::from_client()
            .for_user("alice@localhost")
            .when(|e: &Element| e.name() == "iq" && e.attr("type") == Some("set"))
            .then(Action::Drop),
    );
    let started = std::time::Instant::now();
    let err = within("timeout", room.set_role("Nobody", Role::Visitor, None))
        .await
        .unwrap_err();
    assert_eq!(err, Error::Request(RequestError::TimedOut));
    assert!(err.is_timeout());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // A nick change the room never answers times out too.
    server.faults().add(
        Rule::from_client()
            .for_user("alice@localhost")
            .when(predicates::is_presence)
            .then(Action::Drop),
    );
    let err = within("nick timeout", room.set_nick("Alicia"))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn a_join_the_room_never_answers_times_out() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    server.faults().add(
        Rule::from_client()
            .for_user("alice@localhost")
            .when(predicates::is_presence)
            .then(Action::Drop),
    );
    let (room, fut) = alice
        .join(
            room_jid("void"),
            "Alice",
            JoinOptions::default().timeout(Duration::from_millis(300)),
        )
        .unwrap();
    let err = within("join timeout", fut).await.unwrap_err();
    assert_eq!(err, Error::Join(JoinError::TimedOut));
    assert_eq!(room.state(), RoomState::Exited);
}

#[tokio::test]
async fn a_request_in_flight_fails_when_the_stream_is_lost() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let (room, _ev, _) = join(&alice, "inflight", "Alice").await;
    server.faults().add(
        Rule::from_client()
            .for_user("alice@localhost")
            .when(|e: &Element| e.name() == "iq" && e.attr("type") == Some("get"))
            .then(Action::Drop),
    );
    let pending = tokio::spawn({
        let room = room.clone();
        async move { room.get_config().await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    server.faults().cut("alice@localhost");
    let err = within("disconnected", pending).await.unwrap().unwrap_err();
    assert_eq!(err, Error::Request(RequestError::Disconnected));
}

#[tokio::test]
async fn a_slow_consumer_loses_nothing() {
    const N: usize = 200;
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let options = fast_with(ServiceOptions::default().events(EventQueue::Bounded(4)));
    let bob = login_with(&server, "bob", options).await;
    drop_service_events(&bob);
    let (aroom, _aev, _) = join(&alice, "flood", "Alice").await;
    let (broom, mut bev, _) = join(&bob, "flood", "Bob").await;
    // Drain what the join produced, then stop reading.
    wait_for(&mut bev, "subject", |e| {
        matches!(e, RoomEvent::SubjectChange { .. })
    })
    .await;
    for i in 0..N {
        aroom.send_message(format!("n{i}")).await.unwrap();
    }
    let last = aroom.send_tracked_message("last", None).await.unwrap();
    within("reflection", last.wait_final()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Bob's driver stopped reading: not everything is queued ...
    assert!(bev.pending() < N, "pending {}", bev.pending());
    // ... yet bob's service still answers: getters and commands work.
    assert!(broom.active());
    within(
        "command while paused",
        broom.set_presence(None, Some("reading")),
    )
    .await
    .unwrap();
    // Now read everything: all of it, in order.
    let mut got = Vec::new();
    within("all messages", async {
        while got.len() < N {
            match bev.next().await {
                Some(ev) => {
                    if let Some(b) = body(&ev) {
                        got.push(b);
                    }
                }
                None => panic!("ended"),
            }
        }
    })
    .await;
    let expected: Vec<String> = (0..N).map(|i| format!("n{i}")).collect();
    assert_eq!(got, expected);
    wait_for(&mut bev, "last", is_message_with("last")).await;
}

#[tokio::test]
async fn unbounded_queues_never_pause() {
    const N: usize = 100;
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let options = fast_with(ServiceOptions::default().events(EventQueue::Unbounded));
    let bob = login_with(&server, "bob", options).await;
    let (aroom, _aev, _) = join(&alice, "unbounded", "Alice").await;
    let (_broom, bev, _) = join(&bob, "unbounded", "Bob").await;
    for i in 0..N {
        aroom.send_message(format!("u{i}")).await.unwrap();
    }
    within("all queued", async {
        while bev.pending() < N {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

#[tokio::test]
async fn several_subscribers_each_get_every_event() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, mut first, _) = join(&alice, "subs", "Alice").await;
    let mut second = aroom.events();
    let dropped = aroom.events();
    drop(dropped);
    let (broom, _bev, _) = join(&bob, "subs", "Bob").await;
    broom.send_message("to everyone").await.unwrap();
    for events in [&mut first, &mut second] {
        wait_for(events, "bob joins", |e| matches!(e, RoomEvent::Join { .. })).await;
        wait_for(events, "message", is_message_with("to everyone")).await;
    }
    // The first subscription saw the join itself; later ones start later.
    let mut third = aroom.events();
    broom.send_message("again").await.unwrap();
    let ev = wait_for(&mut third, "again", |e| body(e).is_some()).await;
    assert_eq!(body(&ev).as_deref(), Some("again"));
}

#[tokio::test]
async fn self_ping_notices_a_silent_removal_and_rejoins() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (_aroom, mut aev, _) = join(&alice, "ping", "Alice").await;
    let ping = SelfPingConfig {
        idle: Duration::from_millis(300),
        timeout: Duration::from_millis(500),
    };
    let (broom, mut bev, _) = join_with(
        &bob,
        "ping",
        "Bob",
        JoinOptions::default().self_ping(Some(ping)),
    )
    .await;
    // The room drops bob without telling him (his copy of the 333 is lost).
    server.faults().add(
        Rule::to_client()
            .for_user("bob@localhost")
            .when(predicates::has_status(333))
            .then(Action::Drop),
    );
    // XEP-0410 says a room answers a non-occupant's self-ping with
    // not-acceptable (Prosody does); muc-testserver says item-not-found,
    // which means "joined, nick changed". Answer as Prosody would.
    server.faults().add(
        Rule::to_client()
            .for_user("bob@localhost")
            .when(|e: &Element| e.name() == "iq" && e.attr("type") == Some("error"))
            .then(Action::Modify(Arc::new(|e| {
                if let Some(err) = e.children_mut().find(|c| c.name() == "error") {
                    *err = "<error xmlns='jabber:client' type='cancel'>\
                            <not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
                        .parse()
                        .expect("valid XML");
                }
            }))),
    );
    assert!(server.faults().remove_with_error(&room_jid("ping"), "Bob"));
    wait_for(&mut aev, "bob removed", |e| {
        matches!(
            e,
            RoomEvent::Leave {
                mode: LeaveMode::Error,
                ..
            }
        )
    })
    .await;
    // Silence, a self-ping, "not joined": bob's room cycles and comes back.
    let seen = collect_until(&mut bev, "resumed", |e| {
        matches!(e, RoomEvent::Resumed { .. })
    })
    .await;
    assert!(
        seen.iter().any(|e| matches!(e, RoomEvent::Suspend)),
        "{seen:#?}"
    );
    assert!(broom.active());
    wait_for(&mut aev, "bob back", |e| {
        matches!(e, RoomEvent::Join { .. })
    })
    .await;
}

#[tokio::test]
async fn self_ping_reports_stale_and_fresh() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let ping = SelfPingConfig {
        idle: Duration::from_millis(200),
        timeout: Duration::from_millis(300),
    };
    let (room, mut events, _) = join_with(
        &alice,
        "stale",
        "Alice",
        JoinOptions::default().self_ping(Some(ping)),
    )
    .await;
    // Pings get no answer: the room is stale, but still active.
    let rule = server.faults().add(
        Rule::to_client()
            .for_user("alice@localhost")
            .when(predicates::is_iq_response)
            .then(Action::Drop),
    );
    wait_for(&mut events, "stale", |e| matches!(e, RoomEvent::Stale)).await;
    assert!(room.active());
    // Answers come back: fresh again.
    server.faults().remove(rule);
    wait_for(&mut events, "fresh", |e| matches!(e, RoomEvent::Fresh)).await;
    assert!(room.active());
}

#[tokio::test]
async fn joining_a_room_bigger_than_the_queue_does_not_deadlock() {
    // Bob's queues hold 4 events; the room has 12 occupants. Bob takes the
    // stream, then awaits the join before reading anything (the seed's
    // pattern): the join must still complete.
    let names = [
        "alice", "bob", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10", "u11",
    ];
    let server = server(&names).await;
    let mut others = Vec::new();
    for (i, name) in names.iter().enumerate().filter(|(_, n)| **n != "bob") {
        let s = login(&server, name).await;
        let (room, _ev, _) = join(&s, "crowd", &format!("N{i}")).await;
        others.push((s, room));
    }
    let options = fast_with(ServiceOptions::default().events(EventQueue::Bounded(4)));
    let bob = login_with(&server, "bob", options).await;
    let (room, joined) = bob
        .join(room_jid("crowd"), "Bob", JoinOptions::default())
        .unwrap();
    let mut events = room.events();
    let entered = within("join despite a full queue", joined).await.unwrap();
    assert_eq!(entered.occupant.nick(), "Bob");
    assert_eq!(room.occupants().len(), 13);
    // Every join is there, in order, nothing lost.
    let seen = collect_until(&mut events, "enter", |e| {
        matches!(e, RoomEvent::Enter { .. })
    })
    .await;
    let joins = seen
        .iter()
        .filter(|e| matches!(e, RoomEvent::Join { .. }))
        .count();
    assert_eq!(joins, 12);
    // A request awaited while events pile up does not time out either.
    for (_, r) in &others {
        r.send_message("noise").await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    within("request while full", room.room_info())
        .await
        .unwrap();
    let _ = others;
}

#[tokio::test]
async fn an_unclaimed_initial_subscription_is_dropped_after_a_while() {
    const N: usize = 50;
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let options = fast_with(ServiceOptions {
        events: EventQueue::Bounded(4),
        stall_after: Duration::from_millis(300),
        ..ServiceOptions::default()
    });
    let bob = login_with(&server, "bob", options).await;
    let (aroom, _aev, _) = join(&alice, "ignored", "Alice").await;
    // Bob joins and keeps the room, but never takes its events.
    let (broom, joined) = bob
        .join(room_jid("ignored"), "Bob", JoinOptions::default())
        .unwrap();
    within("join", joined).await.unwrap();
    for i in 0..N {
        aroom.send_message(format!("x{i}")).await.unwrap();
    }
    let last = aroom.send_tracked_message("last", None).await.unwrap();
    within("reflection", last.wait_final()).await.unwrap();
    // After the grace period the unread subscription is dropped and bob's
    // service reads on: his room sees every message.
    within("bob keeps up", async {
        loop {
            let seen = broom.occupant("Alice").is_some();
            let mut probe = broom.events();
            aroom.send_message("probe").await.unwrap();
            if seen
                && tokio::time::timeout(Duration::from_millis(200), probe.next())
                    .await
                    .is_ok()
            {
                return;
            }
        }
    })
    .await;
    // A stream taken later starts now (the dropped one is gone).
    let mut later = broom.events();
    aroom.send_message("after").await.unwrap();
    let ev = wait_for(&mut later, "after", |e| {
        body(e).is_some_and(|b| b == "after")
    })
    .await;
    assert!(matches!(ev, RoomEvent::Message { .. }));
}

#[tokio::test]
async fn connect_sends_an_initial_presence() {
    let server = server(&["alice"]).await;
    let rule = server.faults().add(
        Rule::from_client()
            .for_user("alice@localhost")
            .when(|e: &Element| {
                e.name() == "presence" && e.attr("to").is_none() && e.attr("type").is_none()
            })
            .then(Action::Delay(Duration::ZERO)),
    );
    let alice = login(&server, "alice").await;
    assert!(
        server.faults().wait_hits(rule, 1, WAIT).await,
        "an initial presence was sent"
    );
    // Not in application-owned mode: presence is the application's there.
    let _ = alice;
}
