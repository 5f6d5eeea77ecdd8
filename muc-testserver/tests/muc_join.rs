//! Room creation, locking, join sequence, history, subject, nick change,
//! presence updates, leaving, private messages. Prosody profile unless named.

mod common;

use std::time::Duration;

use common::*;
use muc_testserver::{Affiliation, Profile, RoomSpec, Server};

const ROOM: &str = "room@conference.localhost";

#[tokio::test]
async fn create_locked_room_then_instant_unlock() {
    let server = server_with(&["alice", "bob"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let seq = alice.join(ROOM, "Alice").await;
    // Self-presence with 201 and 110, echoing the id; then the empty subject.
    assert_eq!(seq.len(), 2, "{seq:?}");
    let me = &seq[0];
    assert!(is_self_presence(me));
    assert_eq!(codes(me), vec![201, 110]);
    assert!(me.attr("id").is_some_and(|i| i.starts_with('t')));
    let it = item(me);
    assert_eq!(it.attr("affiliation"), Some("owner"));
    assert_eq!(it.attr("role"), Some("moderator"));
    assert_eq!(it.attr("jid"), Some(alice.jid.to_string().as_str()));
    assert!(me.get_child("occupant-id", ns::OCCUPANT_ID).is_some());
    assert_eq!(seq[1].attr("from"), Some(ROOM));
    assert_eq!(child_text(&seq[1], "subject").as_deref(), Some(""));
    assert!(server.room("room").unwrap().locked);

    // Locked: bob gets item-not-found by the service.
    let seq = bob.join(ROOM, "Bob").await;
    let err = seq.last().unwrap();
    assert_eq!(err.attr("type"), Some("error"));
    assert_eq!(error_condition(err), "item-not-found");
    assert_eq!(
        err.get_child("error", ns::CLIENT).unwrap().attr("by"),
        Some("conference.localhost")
    );

    // Instant room.
    let r = alice
        .iq(&format!("<iq type='set' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>"))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    assert!(!server.room("room").unwrap().locked);
    // No 104 for the instant room.
    alice
        .expect_none(Duration::from_millis(100), |e| e.name() == "message")
        .await;
    let seq = bob.join(ROOM, "Bob").await;
    assert!(seq.iter().any(is_self_presence));
}

#[tokio::test]
async fn reserved_room_form_and_cancel() {
    let server = server_with(&["alice"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    alice.join(ROOM, "Alice").await;
    let form = alice
        .iq(&format!(
            "<iq type='get' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>"
        ))
        .await;
    let x = form
        .get_child("query", ns::MUC_OWNER)
        .and_then(|q| q.get_child("x", ns::DATA))
        .expect("form");
    assert_eq!(x.attr("type"), Some("form"));
    let vars: Vec<&str> = x.children().filter_map(|f| f.attr("var")).collect();
    for v in [
        "FORM_TYPE",
        "muc#roomconfig_roomname",
        "muc#roomconfig_membersonly",
        "muc#roomconfig_moderatedroom",
        "muc#roomconfig_passwordprotectedroom",
        "muc#roomconfig_whois",
        "muc#roomconfig_persistentroom",
        "muc#roomconfig_maxusers",
        "muc#roomconfig_presencebroadcast",
    ] {
        assert!(vars.contains(&v), "{v} missing");
    }
    // Cancelling the initial configuration: success, and the room stays,
    // locked, with its owner (as on Prosody; see tests/parity.rs).
    let r = alice
        .iq(&format!("<iq type='set' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='cancel'/></query></iq>"))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let room = server.room("room").expect("the room stays");
    assert!(room.locked);
    assert_eq!(room.occupants.len(), 1);
}

#[tokio::test]
async fn join_order_history_and_subject() {
    let server = server_with(&["alice", "bob", "carol"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    create_room(&mut alice, ROOM, "Alice").await;
    for (i, body) in ["one", "two", "three"].iter().enumerate() {
        alice.send_xml(&format!(
            "<message to='{ROOM}' type='groupchat' id='h{i}'><body>{body}</body></message>"
        ));
        let r = alice.recv_until(|e| e.name() == "message").await;
        // Reflection keeps the id; Prosody adds occupant-id and stanza-id.
        assert_eq!(r.attr("id"), Some(format!("h{i}").as_str()));
        assert_eq!(r.attr("from"), Some(format!("{ROOM}/Alice").as_str()));
        let sid = r.get_child("stanza-id", ns::SID).expect("stanza-id");
        assert_eq!(sid.attr("by"), Some(ROOM));
        assert!(r.get_child("occupant-id", ns::OCCUPANT_ID).is_some());
    }
    alice.send_xml(&format!(
        "<message to='{ROOM}' type='groupchat' id='s1'><subject>Topic</subject></message>"
    ));
    let s = alice.recv_until(|e| e.name() == "message").await;
    assert_eq!(child_text(&s, "subject").as_deref(), Some("Topic"));
    assert_eq!(
        s.attr("id"),
        None,
        "Prosody drops the id of a subject change"
    );

    let seq = bob.join(ROOM, "Bob").await;
    // occupants, self, 3 history, subject
    assert_eq!(
        seq.len(),
        6,
        "{:?}",
        seq.iter().map(String::from).collect::<Vec<_>>()
    );
    assert_eq!(seq[0].attr("from"), Some(format!("{ROOM}/Alice").as_str()));
    assert_eq!(item(&seq[0]).attr("jid"), None, "semi-anonymous");
    assert!(is_self_presence(&seq[1]));
    assert_eq!(codes(&seq[1]), vec![110]);
    for (i, h) in seq[2..5].iter().enumerate() {
        assert_eq!(h.attr("id"), Some(format!("h{i}").as_str()));
        let d = h.get_child("delay", ns::DELAY).expect("delay");
        assert_eq!(d.attr("from"), Some(ROOM));
    }
    let subj = &seq[5];
    assert_eq!(child_text(subj, "subject").as_deref(), Some("Topic"));
    assert_eq!(subj.attr("from"), Some(format!("{ROOM}/Alice").as_str()));
    assert!(subj.get_child("delay", ns::DELAY).is_some());
    // Alice (moderator) sees bob's real JID.
    let p = alice.recv_until(|e| e.name() == "presence").await;
    assert_eq!(item(&p).attr("jid"), Some(bob.jid.to_string().as_str()));

    // History limits.
    let mut carol = login(&server, "carol").await;
    let seq = carol
        .join_with(ROOM, "Carol", "<history maxstanzas='1'/>")
        .await;
    let hist: Vec<_> = seq
        .iter()
        .filter(|e| e.get_child("body", ns::CLIENT).is_some())
        .collect();
    assert_eq!(hist.len(), 1);
    assert_eq!(child_text(hist[0], "body").as_deref(), Some("three"));
    carol.send_xml(&format!("<presence to='{ROOM}/Carol' type='unavailable'/>"));
    carol
        .recv_until(|e| e.attr("type") == Some("unavailable"))
        .await;
    for inner in [
        "<history maxchars='0'/>",
        "<history seconds='0'/>",
        "<history since='2999-01-01T00:00:00Z'/>",
    ] {
        let seq = carol.join_with(ROOM, "Carol", inner).await;
        assert!(
            seq.iter()
                .all(|e| e.get_child("body", ns::CLIENT).is_none()),
            "{inner}"
        );
        carol.send_xml(&format!("<presence to='{ROOM}/Carol' type='unavailable'/>"));
        carol
            .recv_until(|e| e.attr("type") == Some("unavailable"))
            .await;
    }
    let seq = carol
        .join_with(ROOM, "Carol", "<history seconds='3600' maxchars='100000'/>")
        .await;
    assert_eq!(
        seq.iter()
            .filter(|e| e.get_child("body", ns::CLIENT).is_some())
            .count(),
        3
    );
}

#[tokio::test]
async fn password_members_only_banned_and_full() {
    let server = Server::builder()
        .users([("alice", "alicepw"), ("bob", "bobpw"), ("carol", "carolpw")])
        .room(
            RoomSpec::new("secret", Profile::Prosody)
                .with_affiliation("alice@localhost", Affiliation::Owner)
                .with_config(|c| c.password = Some("s3cret".into())),
        )
        .room(
            RoomSpec::new("club", Profile::Prosody)
                .with_affiliation("alice@localhost", Affiliation::Owner)
                .with_affiliation("carol@localhost", Affiliation::Outcast)
                .with_config(|c| c.members_only = true),
        )
        .room(RoomSpec::new("tiny", Profile::Prosody).with_config(|c| c.max_users = Some(1)))
        .start()
        .await
        .unwrap();
    let mut bob = login(&server, "bob").await;
    let mut carol = login(&server, "carol").await;
    let seq = bob.join("secret@conference.localhost", "Bob").await;
    assert_eq!(error_condition(seq.last().unwrap()), "not-authorized");
    let seq = bob
        .join_with(
            "secret@conference.localhost",
            "Bob",
            "<password>nope</password>",
        )
        .await;
    assert_eq!(error_condition(seq.last().unwrap()), "not-authorized");
    let seq = bob
        .join_with(
            "secret@conference.localhost",
            "Bob",
            "<password>s3cret</password>",
        )
        .await;
    assert!(seq.iter().any(is_self_presence));

    let seq = bob.join("club@conference.localhost", "Bob").await;
    assert_eq!(
        error_condition(seq.last().unwrap()),
        "registration-required"
    );
    let seq = carol.join("club@conference.localhost", "Carol").await;
    assert_eq!(error_condition(seq.last().unwrap()), "forbidden");

    let seq = bob.join("tiny@conference.localhost", "Bob").await;
    assert!(seq.iter().any(is_self_presence));
    let seq = carol.join("tiny@conference.localhost", "Carol").await;
    let e = seq.last().unwrap();
    assert_eq!(error_condition(e), "service-unavailable");
}

#[tokio::test]
async fn nick_change_update_leave_and_pm() {
    let server = server_with(&["alice", "bob"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    create_room(&mut alice, ROOM, "Alice").await;
    bob.join(ROOM, "Bob").await;
    alice.recv_until(|e| e.name() == "presence").await;

    // Conflict.
    bob.send_xml(&format!("<presence to='{ROOM}/Alice' id='nc'/>"));
    let e = bob.recv_until(|e| e.attr("type") == Some("error")).await;
    assert_eq!(error_condition(&e), "conflict");
    assert_eq!(e.attr("id"), Some("nc"));

    // Nick change: 303 (self copy without occupant-id, no id), then new nick.
    bob.send_xml(&format!("<presence to='{ROOM}/Bobby' id='nick1'/>"));
    let u = bob.recv().await;
    assert_eq!(u.attr("type"), Some("unavailable"));
    assert_eq!(codes(&u), vec![303, 110]);
    assert_eq!(item(&u).attr("nick"), Some("Bobby"));
    assert!(u.get_child("occupant-id", ns::OCCUPANT_ID).is_none());
    assert_eq!(u.attr("id"), None);
    let n = bob.recv().await;
    assert_eq!(n.attr("from"), Some(format!("{ROOM}/Bobby").as_str()));
    assert_eq!(n.attr("id"), Some("nick1"));
    assert_eq!(codes(&n), vec![110]);
    let u = alice.recv().await;
    assert_eq!(codes(&u), vec![303]);
    assert!(u.get_child("occupant-id", ns::OCCUPANT_ID).is_some());
    alice.recv().await;

    // Presence update is broadcast with the same id.
    bob.send_xml(&format!(
        "<presence to='{ROOM}/Bobby' id='upd'><show>away</show><status>brb</status></presence>"
    ));
    let p = alice.recv().await;
    assert_eq!(p.attr("id"), Some("upd"));
    assert_eq!(child_text(&p, "show").as_deref(), Some("away"));
    assert_eq!(codes(&bob.recv().await), vec![110]);

    // Private message through the room.
    alice.send_xml(&format!(
        "<message to='{ROOM}/Bobby' type='chat' id='pm1'><body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>"
    ));
    let pm = bob.recv_until(|e| e.name() == "message").await;
    assert_eq!(pm.attr("from"), Some(format!("{ROOM}/Alice").as_str()));
    assert_eq!(pm.attr("type"), Some("chat"));
    assert_eq!(pm.attr("id"), Some("pm1"));
    alice
        .expect_none(Duration::from_millis(100), |e| e.name() == "message")
        .await;
    // PM to an absent nick.
    alice.send_xml(&format!(
        "<message to='{ROOM}/Nobody' type='chat' id='pm2'><body>?</body></message>"
    ));
    let e = alice.recv_until(|e| e.attr("type") == Some("error")).await;
    assert_eq!(error_condition(&e), "item-not-found");

    // Leave with status text.
    bob.send_xml(&format!(
        "<presence to='{ROOM}/Bobby' id='bye' type='unavailable'><status>gone fishing</status></presence>"
    ));
    let u = bob.recv().await;
    assert_eq!(u.attr("id"), Some("bye"));
    assert_eq!(codes(&u), vec![110]);
    assert_eq!(item(&u).attr("role"), Some("none"));
    let u = alice.recv().await;
    assert_eq!(child_text(&u, "status").as_deref(), Some("gone fishing"));
    // Not an occupant any more.
    bob.send_xml(&format!(
        "<message to='{ROOM}' type='groupchat' id='late'><body>hi?</body></message>"
    ));
    let e = bob.recv_until(|e| e.attr("type") == Some("error")).await;
    assert_eq!(error_condition(&e), "not-acceptable");
    // The room vanishes with its last occupant (not persistent).
    alice.send_xml(&format!("<presence to='{ROOM}/Alice' type='unavailable'/>"));
    alice.recv().await;
    assert!(server.room("room").is_none());
}

#[tokio::test]
async fn subject_permissions_and_self_ping_and_disco() {
    let server = server_with(&["alice", "bob"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    create_room(&mut alice, ROOM, "Alice").await;
    bob.join(ROOM, "Bob").await;
    bob.send_xml(&format!(
        "<message to='{ROOM}' type='groupchat' id='s'><subject>mine</subject></message>"
    ));
    let e = bob.recv_until(|e| e.attr("type") == Some("error")).await;
    assert_eq!(error_condition(&e), "forbidden");
    let r = bob
        .iq(&format!(
            "<iq type='get' to='{ROOM}/Bob'><ping xmlns='urn:xmpp:ping'/></iq>"
        ))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let r = bob
        .iq(&format!(
            "<iq type='get' to='{ROOM}/Ghost'><ping xmlns='urn:xmpp:ping'/></iq>"
        ))
        .await;
    assert_eq!(error_condition(&r), "item-not-found");
    let info = bob
        .iq(&format!(
            "<iq type='get' to='{ROOM}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
        ))
        .await;
    let q = info.get_child("query", ns::DISCO_INFO).unwrap();
    let feats: Vec<&str> = q.children().filter_map(|f| f.attr("var")).collect();
    for f in [
        "http://jabber.org/protocol/muc",
        "muc_temporary",
        "muc_semianonymous",
        "muc_unsecured",
        "urn:xmpp:occupant-id:0",
    ] {
        assert!(feats.contains(&f), "{f}");
    }
    assert!(q.get_child("x", ns::DATA).is_some(), "muc#roominfo");
    let nf = bob
        .iq("<iq type='get' to='nope@conference.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        .await;
    assert_eq!(error_condition(&nf), "item-not-found");
    let items = bob
        .iq(&format!("<iq type='get' to='{ROOM}'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"))
        .await;
    assert_eq!(
        items
            .get_child("query", ns::DISCO_ITEMS)
            .unwrap()
            .children()
            .count(),
        2
    );
    // Groupchat message to a room that does not exist.
    bob.send_xml(
        "<message to='void@conference.localhost' type='groupchat' id='v'><body>x</body></message>",
    );
    let e = bob.recv_until(|e| e.attr("type") == Some("error")).await;
    assert_eq!(error_condition(&e), "item-not-found");
}

#[tokio::test]
async fn multi_session_same_nick_and_disconnect_leaves() {
    let server = server_with(&["alice", "bob"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    let mut bob1 = login(&server, "bob").await;
    let mut bob2 = login(&server, "bob").await;
    create_room(&mut alice, ROOM, "Alice").await;
    bob1.join(ROOM, "Bob").await;
    alice.recv_until(|e| e.name() == "presence").await;
    let seq = bob2.join(ROOM, "Bob").await;
    assert!(seq.iter().any(is_self_presence));
    assert_eq!(server.room("room").unwrap().occupants.len(), 2);
    alice.send_xml(&format!(
        "<message to='{ROOM}' type='groupchat'><body>both</body></message>"
    ));
    bob1.recv_until(|e| e.name() == "message").await;
    bob2.recv_until(|e| e.name() == "message").await;
    // A vanished session leaves the room (no clean unavailable).
    drop(bob1);
    drop(bob2);
    let u = alice
        .recv_until(|e| e.attr("type") == Some("unavailable"))
        .await;
    assert_eq!(u.attr("from"), Some(format!("{ROOM}/Bob").as_str()));
}
