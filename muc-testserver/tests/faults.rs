//! Fault injection through `Server::faults()`, seen by tokio-xmpp clients.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use muc_testserver::{Action, Profile, Rule, predicates};

const ROOM: &str = "room@conference.localhost";

async fn setup() -> (muc_testserver::Server, TestClient, TestClient) {
    let server = server_with(&["alice", "bob"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    create_room(&mut alice, ROOM, "Alice").await;
    bob.join(ROOM, "Bob").await;
    alice.recv_until(|e| e.name() == "presence").await;
    (server, alice, bob)
}

fn say(c: &TestClient, id: &str, body: &str) {
    c.send_xml(&format!(
        "<message to='{ROOM}' type='groupchat' id='{id}'><body>{body}</body></message>"
    ));
}

#[tokio::test]
async fn drop_duplicate_delay_to_one_client() {
    let (server, alice, mut bob) = setup().await;
    let faults = server.faults();
    let drop = faults.add(
        Rule::to_client()
            .for_user("bob@localhost")
            .when(predicates::body_is("one"))
            .then(Action::Drop),
    );
    let dup = faults.add(
        Rule::to_client()
            .for_user("bob@localhost")
            .when(predicates::body_is("two"))
            .then(Action::Duplicate),
    );
    let delay = faults.add(
        Rule::to_client()
            .for_user("bob@localhost")
            .when(predicates::body_is("three"))
            .then(Action::Delay(Duration::from_millis(300))),
    );
    say(&alice, "1", "one");
    say(&alice, "2", "two");
    say(&alice, "3", "three");
    say(&alice, "4", "four");
    let mut bodies = Vec::new();
    let start = Instant::now();
    while bodies.len() < 4 {
        let m = bob.recv_until(|e| e.name() == "message").await;
        bodies.push((child_text(&m, "body").unwrap(), start.elapsed()));
    }
    let names: Vec<&str> = bodies.iter().map(|(b, _)| b.as_str()).collect();
    assert_eq!(names, vec!["two", "two", "four", "three"]);
    assert!(bodies[3].1 >= Duration::from_millis(250));
    assert_eq!(faults.hits(drop), 1);
    assert_eq!(faults.hits(dup), 1);
    assert_eq!(faults.hits(delay), 1);
    // Alice got all four normally.
    faults.clear();
    assert_eq!(faults.hits(drop), 1, "hit count survives removal");
}

#[tokio::test]
async fn rewrite_reflection_ids_per_room() {
    let (server, mut alice, mut bob) = setup().await;
    server.faults().rewrite_reflection_ids(ROOM);
    say(&alice, "client-id", "hello");
    let r = alice.recv_until(|e| e.name() == "message").await;
    let b = bob.recv_until(|e| e.name() == "message").await;
    let id = r.attr("id").unwrap();
    assert_ne!(id, "client-id");
    assert_eq!(b.attr("id"), Some(id), "same rewritten id for everyone");
}

#[tokio::test]
async fn inject_all_delivers_a_batch_in_order_to_every_session() {
    let (server, mut alice, mut bob) = setup().await;
    let faults = server.faults();
    let batch = |n: usize| {
        (0..n).map(|i| {
            xml(&format!(
                "<message from='{ROOM}' type='groupchat' id='flood-{i}'><body>{i}</body></message>"
            ))
        })
    };
    assert_eq!(faults.inject_all("bob@localhost", batch(50)), 1);
    for i in 0..50 {
        let m = bob.recv_until(|e| e.name() == "message").await;
        assert_eq!(m.attr("id"), Some(format!("flood-{i}").as_str()));
        assert_eq!(m.attr("to"), Some(bob.jid.to_string().as_str()));
    }
    // A bare JID matching two sessions of one account: each gets a copy.
    let mut alice2 = login(&server, "alice").await;
    assert_eq!(faults.inject_all("alice@localhost", batch(3)), 2);
    for client in [&mut alice, &mut alice2] {
        for i in 0..3 {
            let m = client.recv_until(|e| e.name() == "message").await;
            assert_eq!(m.attr("id"), Some(format!("flood-{i}").as_str()));
        }
    }
    assert_eq!(faults.inject_all("nobody@localhost", batch(1)), 0);
    assert_eq!(faults.inject_all("not a jid@@", batch(1)), 0);
}

#[tokio::test]
async fn inject_modify_and_stream_error() {
    let (server, _alice, mut bob) = setup().await;
    let faults = server.faults();
    let n = faults.inject(
        "bob@localhost",
        xml(&format!(
            "<message from='{ROOM}' type='groupchat' id='fake'><body>injected</body></message>"
        )),
    );
    assert_eq!(n, 1);
    let m = bob.recv_until(|e| e.name() == "message").await;
    assert_eq!(child_text(&m, "body").as_deref(), Some("injected"));
    // Modify incoming: bob's messages get a marker body.
    faults.add(
        Rule::from_client()
            .for_user("bob@localhost")
            .in_room(ROOM)
            .when(predicates::is_groupchat_message)
            .then(Action::Modify(Arc::new(|e| {
                for c in e.children_mut() {
                    if c.name() == "body" {
                        c.append_text(" (edited)");
                    }
                }
            }))),
    );
    say(&bob, "b1", "mine");
    let m = bob.recv_until(|e| e.name() == "message").await;
    assert_eq!(child_text(&m, "body").as_deref(), Some("mine (edited)"));
    // Inject after a matching stanza: an extra stanza to the same client.
    faults.add(
        Rule::to_client()
            .for_user("bob@localhost")
            .when(predicates::body_is("ping (edited)"))
            .times(1)
            .then(Action::Inject(xml(&format!(
                "<message from='{ROOM}' type='groupchat'><body>pong</body></message>"
            )))),
    );
    say(&bob, "b2", "ping");
    let a = bob.recv_until(|e| e.name() == "message").await;
    let b = bob.recv_until(|e| e.name() == "message").await;
    assert_eq!(child_text(&a, "body").as_deref(), Some("ping (edited)"));
    assert_eq!(child_text(&b, "body").as_deref(), Some("pong"));
}

#[tokio::test]
async fn cut_right_after_self_presence_then_reconnect() {
    let server = server_with(&["alice", "bob"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    create_room(&mut alice, ROOM, "Alice").await;
    let rule = server.faults().add(
        Rule::to_client()
            .for_user("bob@localhost")
            .in_room(ROOM)
            .when(predicates::is_self_presence)
            .times(1)
            .then(Action::CutAfter),
    );
    bob.send_xml(&format!(
        "<presence to='{ROOM}/Bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>"
    ));
    let me = bob.recv_until(is_self_presence).await;
    assert_eq!(codes(&me), vec![110]);
    // The subject never arrives: the connection was cut right after.
    assert!(
        server
            .faults()
            .wait_hits(rule, 1, Duration::from_secs(2))
            .await
    );
    // The server noticed: bob left the room.
    let gone = alice
        .recv_until(|e| e.attr("type") == Some("unavailable"))
        .await;
    assert_eq!(gone.attr("from"), Some(format!("{ROOM}/Bob").as_str()));
    // tokio-xmpp reconnects silently: a new Online with a new resource.
    let old = bob.jid.clone();
    let new = bob
        .wait_reconnect(Duration::from_secs(5))
        .await
        .expect("reconnected");
    assert_ne!(new, old);
    assert!(server.room("room").unwrap().occupants.len() == 1);
}

#[tokio::test]
async fn cut_after_n_matching_and_direct_cut() {
    let (server, alice, mut bob) = setup().await;
    // Cut after the 2nd groupchat message delivered to bob.
    server.faults().add(
        Rule::to_client()
            .for_user("bob@localhost")
            .when(predicates::is_groupchat_message)
            .skip(1)
            .times(1)
            .then(Action::CutAfter),
    );
    say(&alice, "1", "a");
    say(&alice, "2", "b");
    say(&alice, "3", "c");
    let m1 = bob.recv_until(|e| e.name() == "message").await;
    let m2 = bob.recv_until(|e| e.name() == "message").await;
    assert_eq!(child_text(&m1, "body").as_deref(), Some("a"));
    assert_eq!(child_text(&m2, "body").as_deref(), Some("b"));
    assert!(bob.wait_reconnect(Duration::from_secs(5)).await.is_some());
    // Direct cut of every session of an account.
    assert_eq!(server.faults().cut("bob@localhost"), 1);
    assert!(bob.wait_reconnect(Duration::from_secs(5)).await.is_some());
}

#[tokio::test]
async fn restart_muc_332_and_remove_with_error_333() {
    let (server, mut alice, mut bob) = setup().await;
    assert!(server.faults().remove_with_error(ROOM, "Bob"));
    let p = bob
        .recv_until(|e| e.attr("type") == Some("unavailable"))
        .await;
    assert_eq!(codes(&p), vec![333, 110]);
    let p = alice
        .recv_until(|e| e.attr("type") == Some("unavailable"))
        .await;
    assert_eq!(codes(&p), vec![333]);
    // An error bounce from an occupant also removes it with 333.
    bob.join(ROOM, "Bob").await;
    bob.send_xml(&format!(
        "<message to='{ROOM}' type='error' id='x'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
    ));
    let p = bob
        .recv_until(|e| e.attr("type") == Some("unavailable"))
        .await;
    assert_eq!(codes(&p), vec![333, 110]);
    // Restart: everybody out with 110+332, the room is lost.
    server.faults().restart_muc();
    let p = alice.recv_until(predicates::has_status(332)).await;
    assert_eq!(codes(&p), vec![332, 110]);
    assert!(server.room("room").is_none());
    // Joining again creates a fresh, locked room.
    let seq = alice.join(ROOM, "Alice").await;
    assert!(codes(seq.iter().find(|e| is_self_presence(e)).unwrap()).contains(&201));
}

#[tokio::test]
async fn slow_answers_and_incoming_delay_and_cut_before() {
    let (server, mut alice, mut bob) = setup().await;
    server
        .faults()
        .slow_answers("alice@localhost", Duration::from_millis(300));
    let t = Instant::now();
    let r = alice
        .iq("<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    assert!(t.elapsed() >= Duration::from_millis(250));
    server.faults().clear();
    // Incoming delay: alice's message reaches the room late.
    server.faults().add(
        Rule::from_client()
            .for_user("alice@localhost")
            .in_room(ROOM)
            .when(predicates::body_is("late"))
            .then(Action::Delay(Duration::from_millis(200))),
    );
    say(&alice, "l", "late");
    say(&alice, "e", "early");
    let a = bob.recv_until(|e| e.name() == "message").await;
    let b = bob.recv_until(|e| e.name() == "message").await;
    assert_eq!(child_text(&a, "body").as_deref(), Some("early"));
    assert_eq!(child_text(&b, "body").as_deref(), Some("late"));
    // Incoming CutBefore: the stanza is never processed.
    server.faults().add(
        Rule::from_client()
            .for_user("bob@localhost")
            .when(predicates::body_is("never"))
            .then(Action::CutBefore),
    );
    say(&bob, "n", "never");
    assert!(bob.wait_reconnect(Duration::from_secs(5)).await.is_some());
    alice
        .expect_none(Duration::from_millis(100), predicates::body_is("never"))
        .await;
}
