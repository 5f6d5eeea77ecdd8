//! Where Prosody and ejabberd differ, the profile picks one (captures in
//! research/ejabberd.md §6).

mod common;

use common::*;
use muc_testserver::{Profile, RoomSpec, Server};

const ROOM: &str = "room@conference.localhost";

#[tokio::test]
async fn ejabberd_join_create_and_unlocked_room() {
    let server = server_with(&["alice", "bob"], Profile::Ejabberd).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let seq = alice.join(ROOM, "Alice").await;
    // Caps presence from the bare room JID first.
    assert_eq!(seq[0].attr("from"), Some(ROOM));
    assert!(seq[0].get_child("c", ns::CAPS).is_some());
    let me = &seq[1];
    assert!(is_self_presence(me));
    assert_eq!(codes(me), vec![201, 110]);
    // Item first, then the codes (ejabberd order), no occupant-id.
    let x = me.get_child("x", ns::MUC_USER).unwrap();
    assert_eq!(x.children().next().unwrap().name(), "item");
    assert!(me.get_child("occupant-id", ns::OCCUPANT_ID).is_none());
    // Not locked: bob joins at once.
    assert!(!server.room("room").unwrap().locked);
    let seq = bob.join(ROOM, "Bob").await;
    assert!(seq.iter().any(is_self_presence));
    // ejabberd default: moderated room, but members_by_default → participant.
    let me = seq.iter().find(|e| is_self_presence(e)).unwrap();
    assert_eq!(item(me).attr("role"), Some("participant"));
    // Reflection keeps the id, no stanza-id / occupant-id.
    alice.send_xml(&format!(
        "<message to='{ROOM}' type='groupchat' id='msg-1'><body>hello bob</body></message>"
    ));
    let m = bob.recv_until(|e| e.name() == "message").await;
    assert_eq!(m.attr("id"), Some("msg-1"));
    assert!(m.get_child("stanza-id", ns::SID).is_none());
    assert!(m.get_child("occupant-id", ns::OCCUPANT_ID).is_none());
    // Subject change keeps its id on ejabberd; participants may change it.
    bob.send_xml(&format!(
        "<message to='{ROOM}' type='groupchat' id='subj-1'><subject>Test subject</subject></message>"
    ));
    let s = alice
        .recv_until(|e| e.get_child("subject", ns::CLIENT).is_some())
        .await;
    assert_eq!(s.attr("id"), Some("subj-1"));
}

#[tokio::test]
async fn ejabberd_leave_kick_destroy_and_config_change() {
    let server = server_with(&["alice", "bob", "carol"], Profile::Ejabberd).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let mut carol = login(&server, "carol").await;
    alice.join(ROOM, "Alice").await;
    bob.join(ROOM, "Bob").await;
    carol.join(ROOM, "Carol").await;
    // Kick: a bare-JID unavailable first, then the self presence with
    // codes 110, 307 after the item.
    let r = alice
        .iq(&format!("<iq type='set' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Bob' role='none'><reason>bye</reason></item></query></iq>"))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let first = bob
        .recv_until(|e| e.name() == "presence" && e.attr("type") == Some("unavailable"))
        .await;
    assert_eq!(first.attr("from"), Some(ROOM));
    let second = bob.recv().await;
    assert_eq!(codes(&second), vec![110, 307]);
    let actor = item(&second)
        .get_child("actor", ns::MUC_USER)
        .cloned()
        .unwrap();
    assert_eq!(actor.attr("jid"), None);
    // Config change: caps presence then 172 + 104; back gives 173 only.
    let submit = |v: &str| {
        format!(
            "<iq type='set' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_whois'><value>{v}</value></field></x></query></iq>"
        )
    };
    let r = alice.iq(&submit("anyone")).await;
    assert_eq!(r.attr("type"), Some("result"));
    let caps = carol
        .recv_until(|e| e.name() == "presence" && e.attr("from") == Some(ROOM))
        .await;
    assert!(caps.get_child("c", ns::CAPS).is_some());
    let m = carol.recv().await;
    assert_eq!(codes(&m), vec![172, 104]);
    alice.iq(&submit("moderators")).await;
    let m = carol.recv_until(|e| e.name() == "message").await;
    assert_eq!(codes(&m), vec![173]);
    // Destroy: bare unavailable, then none/none without 110.
    alice.send_xml(&format!("<iq type='set' id='d1' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='other@conference.localhost'><reason>done</reason></destroy></query></iq>"));
    let got = alice.collect_until(|e| e.name() == "iq").await;
    assert_eq!(got.last().unwrap().attr("type"), Some("result"));
    let bare = carol
        .recv_until(|e| e.attr("type") == Some("unavailable"))
        .await;
    assert_eq!(bare.attr("from"), Some(ROOM));
    let p = carol.recv().await;
    assert_eq!(codes(&p), Vec::<u16>::new());
    assert_eq!(item(&p).attr("affiliation"), Some("none"));
    assert_eq!(item(&p).attr("role"), Some("none"));
    let p = got
        .iter()
        .find(|e| e.attr("type") == Some("unavailable") && e.attr("from") != Some(ROOM))
        .unwrap();
    assert_eq!(
        item(p).attr("affiliation"),
        Some("none"),
        "ejabberd hides the owner's affiliation too"
    );
}

#[tokio::test]
async fn full_room_error_differs() {
    // §7.2.9 says service-unavailable; ejabberd 23.01 says resource-constraint.
    for (profile, condition, type_) in [
        (Profile::Prosody, "service-unavailable", "cancel"),
        (Profile::Ejabberd, "resource-constraint", "wait"),
    ] {
        let server = Server::builder()
            .profile(profile)
            .users([("alice", "alicepw"), ("bob", "bobpw")])
            .room(RoomSpec::new("tiny", profile).with_config(|c| c.max_users = Some(1)))
            .start()
            .await
            .unwrap();
        let mut alice = login(&server, "alice").await;
        let mut bob = login(&server, "bob").await;
        alice.join("tiny@conference.localhost", "Alice").await;
        let seq = bob.join("tiny@conference.localhost", "Bob").await;
        let e = seq.last().unwrap();
        assert_eq!(error_condition(e), condition, "{profile}");
        assert_eq!(
            e.get_child("error", ns::CLIENT).unwrap().attr("type"),
            Some(type_),
            "{profile}"
        );
    }
}

#[tokio::test]
async fn not_occupant_error_differs() {
    for (profile, type_) in [(Profile::Prosody, "cancel"), (Profile::Ejabberd, "modify")] {
        let server = Server::builder()
            .profile(profile)
            .users([("alice", "alicepw")])
            .room(RoomSpec::new("r", profile))
            .start()
            .await
            .unwrap();
        let mut alice = login(&server, "alice").await;
        alice.send_xml("<message to='r@conference.localhost' type='groupchat' id='x'><body>hi</body></message>");
        let e = alice.recv_until(|e| e.attr("type") == Some("error")).await;
        assert_eq!(error_condition(&e), "not-acceptable");
        assert_eq!(
            e.get_child("error", ns::CLIENT).unwrap().attr("type"),
            Some(type_)
        );
    }
}
