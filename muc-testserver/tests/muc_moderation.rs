//! Roles and affiliations: kick, ban, voice, moderator, member lists,
//! permission rules, destroy, invites, declines, voice requests,
//! registration, configuration changes (104/170–173, 321/322).

mod common;

use std::time::Duration;

use common::*;
use muc_testserver::{Affiliation, Profile, RoomSpec, Server};

const ROOM: &str = "room@conference.localhost";

fn admin_iq(items: &str) -> String {
    format!(
        "<iq type='set' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#admin'>{items}</query></iq>"
    )
}

async fn two_in_room(profile: Profile) -> (Server, TestClient, TestClient) {
    let server = server_with(&["alice", "bob", "carol"], profile).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    create_room(&mut alice, ROOM, "Alice").await;
    bob.join(ROOM, "Bob").await;
    alice.recv_until(|e| e.name() == "presence").await;
    (server, alice, bob)
}

#[tokio::test]
async fn kick_broadcast_comes_before_result() {
    let (_server, mut alice, mut bob) = two_in_room(Profile::Prosody).await;
    // A participant may not kick.
    let r = bob.iq(&admin_iq("<item nick='Alice' role='none'/>")).await;
    assert_eq!(error_condition(&r), "forbidden");
    let id = alice.next_id();
    alice.send_xml(&format!(
        "<iq type='set' id='{id}' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Bob' role='none'><reason>bye bob</reason></item></query></iq>"
    ));
    let got = alice.collect_until(|e| e.name() == "iq").await;
    assert_eq!(got.len(), 2, "presence then IQ result");
    assert_eq!(codes(&got[0]), vec![307]);
    let actor = item(&got[0])
        .get_child("actor", ns::MUC_USER)
        .cloned()
        .unwrap();
    assert_eq!(actor.attr("nick"), Some("Alice"));
    assert!(
        actor.attr("jid").is_some(),
        "moderator copy carries the actor's jid"
    );
    assert_eq!(got[1].attr("type"), Some("result"));
    let p = bob.recv_until(|e| e.name() == "presence").await;
    assert_eq!(p.attr("type"), Some("unavailable"));
    assert_eq!(codes(&p), vec![307, 110]);
    let it = item(&p);
    assert_eq!(
        it.get_child("actor", ns::MUC_USER).unwrap().attr("jid"),
        None
    );
    assert_eq!(
        it.get_child("reason", ns::MUC_USER)
            .map(|r| r.text())
            .as_deref(),
        Some("bye bob")
    );
}

#[tokio::test]
async fn ban_voice_moderator_and_lists() {
    let (server, mut alice, mut bob) = two_in_room(Profile::Prosody).await;
    let mut carol = login(&server, "carol").await;
    carol.join(ROOM, "Carol").await;
    alice.recv_until(|e| e.name() == "presence").await;
    bob.recv_until(|e| e.name() == "presence").await;

    // Revoke voice, then the visitor cannot speak.
    let r = alice
        .iq(&admin_iq(
            "<item nick='Bob' role='visitor'><reason>quiet</reason></item>",
        ))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let p = bob.recv_until(|e| e.name() == "presence").await;
    assert_eq!(item(&p).attr("role"), Some("visitor"));
    assert_eq!(codes(&p), vec![110]);
    bob.send_xml(&format!(
        "<message to='{ROOM}' type='groupchat' id='v'><body>hi</body></message>"
    ));
    let e = bob.recv_until(|e| e.attr("type") == Some("error")).await;
    assert_eq!(error_condition(&e), "forbidden");

    // Voice request: goes to moderators as a muc#request form; approving
    // it grants voice.
    bob.send_xml(&format!(
        "<message to='{ROOM}' id='vr'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field><field var='muc#role' type='list-single'><value>participant</value></field></x></message>"
    ));
    let req = alice
        .recv_until(|e| e.name() == "message" && e.get_child("x", ns::DATA).is_some())
        .await;
    let form = req.get_child("x", ns::DATA).unwrap();
    assert!(
        form.children()
            .any(|f| f.attr("var") == Some("muc#roomnick")
                && f.children().any(|v| v.text() == "Bob"))
    );
    alice.send_xml(&format!(
        "<message to='{ROOM}'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field><field var='muc#role'><value>participant</value></field><field var='muc#roomnick'><value>Bob</value></field><field var='muc#request_allow'><value>true</value></field></x></message>"
    ));
    let p = bob.recv_until(|e| e.name() == "presence").await;
    assert_eq!(item(&p).attr("role"), Some("participant"));

    // Moderator grant needs admin/owner; alice (owner) may.
    let r = alice
        .iq(&admin_iq("<item nick='Bob' role='moderator'/>"))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let p = carol
        .recv_until(|e| e.name() == "presence" && item(e).attr("role") == Some("moderator"))
        .await;
    assert!(item(&p).attr("jid").is_none(), "carol is no moderator");
    // Bob (moderator, no affiliation) may not kick the owner or revoke
    // moderators.
    let r = bob.iq(&admin_iq("<item nick='Alice' role='none'/>")).await;
    assert_eq!(error_condition(&r), "not-allowed");
    // Revoke moderator again.
    let r = alice
        .iq(&admin_iq("<item nick='Bob' role='participant'/>"))
        .await;
    assert_eq!(r.attr("type"), Some("result"));

    // Member grant re-broadcasts presence without status code.
    let r = alice
        .iq(&admin_iq(
            "<item jid='bob@localhost' affiliation='member'/>",
        ))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let p = bob
        .recv_until(|e| e.name() == "presence" && item(e).attr("affiliation") == Some("member"))
        .await;
    assert_eq!(codes(&p), vec![110]);
    let list = alice
        .iq(&format!("<iq type='get' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>"))
        .await;
    let items: Vec<_> = list
        .get_child("query", ns::MUC_ADMIN)
        .unwrap()
        .children()
        .map(|i| i.attr("jid").unwrap_or("").to_owned())
        .collect();
    assert_eq!(items, vec!["bob@localhost".to_owned()]);
    // A non-admin may not read the owner list.
    let r = carol
        .iq(&format!("<iq type='get' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner'/></query></iq>"))
        .await;
    assert_eq!(error_condition(&r), "forbidden");
    // Role list (moderators only).
    let r = alice
        .iq(&format!("<iq type='get' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#admin'><item role='participant'/></query></iq>"))
        .await;
    assert_eq!(
        r.get_child("query", ns::MUC_ADMIN)
            .unwrap()
            .children()
            .count(),
        2
    );

    // Ban: 301 to the victim (with 110) and to the others.
    let r = alice
        .iq(&admin_iq(
            "<item jid='carol@localhost' affiliation='outcast'><reason>banned</reason></item>",
        ))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let p = carol
        .recv_until(|e| e.attr("type") == Some("unavailable"))
        .await;
    assert_eq!(codes(&p), vec![301, 110]);
    assert_eq!(item(&p).attr("affiliation"), Some("outcast"));
    let p = bob
        .recv_until(|e| e.attr("type") == Some("unavailable"))
        .await;
    assert_eq!(codes(&p), vec![301]);
    let seq = carol.join(ROOM, "Carol").await;
    assert_eq!(error_condition(seq.last().unwrap()), "forbidden");
    // Admins cannot touch owners; the last owner cannot step down.
    let r = alice
        .iq(&admin_iq(
            "<item jid='alice@localhost' affiliation='member'/>",
        ))
        .await;
    assert_eq!(error_condition(&r), "conflict");
    let r = bob
        .iq(&admin_iq(
            "<item jid='carol@localhost' affiliation='none'/>",
        ))
        .await;
    assert_eq!(error_condition(&r), "forbidden");
}

#[tokio::test]
async fn destroy_with_alternate_venue() {
    let (server, mut alice, mut bob) = two_in_room(Profile::Prosody).await;
    let r = bob
        .iq(&format!("<iq type='set' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>"))
        .await;
    assert_eq!(error_condition(&r), "forbidden");
    let id = alice.next_id();
    alice.send_xml(&format!(
        "<iq type='set' id='{id}' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='other@conference.localhost'><reason>moving</reason></destroy></query></iq>"
    ));
    let got = alice.collect_until(|e| e.name() == "iq").await;
    assert_eq!(got.len(), 2);
    let d = got[0]
        .get_child("x", ns::MUC_USER)
        .and_then(|x| x.get_child("destroy", ns::MUC_USER))
        .unwrap();
    assert_eq!(d.attr("jid"), Some("other@conference.localhost"));
    assert_eq!(codes(&got[0]), vec![110]);
    let p = bob.recv_until(|e| e.name() == "presence").await;
    assert_eq!(p.attr("type"), Some("unavailable"));
    assert!(
        p.get_child("x", ns::MUC_USER)
            .unwrap()
            .get_child("destroy", ns::MUC_USER)
            .is_some()
    );
    // Each occupant gets only its own presence.
    bob.expect_none(Duration::from_millis(100), |e| e.name() == "presence")
        .await;
    assert!(server.room("room").is_none());
}

#[tokio::test]
async fn mediated_invite_and_decline() {
    let server = Server::builder()
        .users([("alice", "alicepw"), ("bob", "bobpw")])
        .room(
            RoomSpec::new("club", Profile::Prosody)
                .with_affiliation("alice@localhost", Affiliation::Owner)
                .with_config(|c| {
                    c.members_only = true;
                    c.password = Some("pw".into());
                }),
        )
        .start()
        .await
        .unwrap();
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    alice
        .join_with(
            "club@conference.localhost",
            "Alice",
            "<password>pw</password>",
        )
        .await;
    alice.send_xml("<message to='club@conference.localhost' id='inv'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='bob@localhost'><reason>come</reason></invite></x></message>");
    let m = bob.recv_until(|e| e.name() == "message").await;
    assert_eq!(m.attr("from"), Some("club@conference.localhost"));
    let x = m.get_child("x", ns::MUC_USER).unwrap();
    let inv = x.get_child("invite", ns::MUC_USER).unwrap();
    assert_eq!(inv.attr("from"), Some(alice.jid.to_string().as_str()));
    assert_eq!(
        x.get_child("password", ns::MUC_USER)
            .map(|p| p.text())
            .as_deref(),
        Some("pw")
    );
    // Invited into a members-only room → bob became a member.
    let info = server.room("club").unwrap();
    assert!(
        info.affiliations
            .contains(&("bob@localhost".into(), Affiliation::Member))
    );
    bob.send_xml("<message to='club@conference.localhost'><x xmlns='http://jabber.org/protocol/muc#user'><decline to='alice@localhost'><reason>busy</reason></decline></x></message>");
    let d = alice
        .recv_until(|e| {
            e.get_child("x", ns::MUC_USER)
                .is_some_and(|x| x.get_child("decline", ns::MUC_USER).is_some())
        })
        .await;
    let dec = d
        .get_child("x", ns::MUC_USER)
        .unwrap()
        .get_child("decline", ns::MUC_USER)
        .unwrap();
    assert_eq!(dec.attr("from"), Some("bob@localhost"));
}

#[tokio::test]
async fn registration_reserves_nick_and_rewrites_with_210() {
    let server = Server::builder()
        .users([("alice", "alicepw"), ("bob", "bobpw")])
        .room(
            RoomSpec::new("reg", Profile::Prosody)
                .with_affiliation("alice@localhost", Affiliation::Owner)
                .with_config(|c| c.enforce_registered_nicks = true),
        )
        .start()
        .await
        .unwrap();
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let r = bob
        .iq("<iq type='get' to='reg@conference.localhost'><query xmlns='jabber:iq:register'/></iq>")
        .await;
    assert!(
        r.get_child("query", ns::REGISTER)
            .unwrap()
            .get_child("x", ns::DATA)
            .is_some()
    );
    let r = bob
        .iq("<iq type='set' to='reg@conference.localhost'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#register_roomnick'><value>Robert</value></field></x></query></iq>")
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let r = bob
        .iq("<iq type='get' to='reg@conference.localhost'><query xmlns='jabber:iq:register'/></iq>")
        .await;
    assert!(
        r.get_child("query", ns::REGISTER)
            .unwrap()
            .get_child("registered", ns::REGISTER)
            .is_some()
    );
    // Alice cannot take the reserved nick.
    let seq = alice.join("reg@conference.localhost", "Robert").await;
    assert_eq!(error_condition(seq.last().unwrap()), "conflict");
    // Bob joining as "Bob" is renamed to Robert with 210.
    let seq = bob.join("reg@conference.localhost", "Bob").await;
    let me = seq.iter().find(|e| is_self_presence(e)).unwrap();
    assert_eq!(me.attr("from"), Some("reg@conference.localhost/Robert"));
    assert_eq!(codes(me), vec![210, 110]);
    assert_eq!(item(me).attr("affiliation"), Some("member"));
}

#[tokio::test]
async fn config_changes_notify_and_members_only_removes_322() {
    let (_server, mut alice, mut bob) = two_in_room(Profile::Prosody).await;
    let submit = |fields: &str| {
        format!(
            "<iq type='set' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>{fields}</x></query></iq>"
        )
    };
    let r = alice
        .iq(&submit("<field var='muc#roomconfig_roomname'><value>Probe</value></field><field var='muc#roomconfig_whois'><value>anyone</value></field><field var='muc#roomconfig_persistentroom'><value>1</value></field>"))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let m = bob.recv_until(|e| e.name() == "message").await;
    assert_eq!(m.attr("from"), Some(ROOM));
    assert_eq!(codes(&m), vec![172, 104]);
    let r = alice
        .iq(&submit(
            "<field var='muc#roomconfig_whois'><value>moderators</value></field>",
        ))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    assert_eq!(
        codes(&bob.recv_until(|e| e.name() == "message").await),
        vec![173, 104]
    );
    let r = alice
        .iq(&submit(
            "<field var='muc#roomconfig_enablelogging'><value>1</value></field>",
        ))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    assert_eq!(
        codes(&bob.recv_until(|e| e.name() == "message").await),
        vec![170, 104]
    );
    // Members-only: bob (no affiliation) is removed with 322.
    let r = alice
        .iq(&submit(
            "<field var='muc#roomconfig_membersonly'><value>1</value></field>",
        ))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let p = bob
        .recv_until(|e| e.name() == "presence" && e.attr("type") == Some("unavailable"))
        .await;
    assert_eq!(codes(&p), vec![322, 110]);
    // Non-owner cannot configure.
    let r = bob.iq(&submit("")).await;
    assert_eq!(error_condition(&r), "forbidden");
}

#[tokio::test]
async fn affiliation_removal_in_members_only_room_gives_321() {
    let server = Server::builder()
        .users([("alice", "alicepw"), ("bob", "bobpw")])
        .room(
            RoomSpec::new("club", Profile::Prosody)
                .with_affiliation("alice@localhost", Affiliation::Owner)
                .with_affiliation("bob@localhost", Affiliation::Member)
                .with_config(|c| c.members_only = true),
        )
        .start()
        .await
        .unwrap();
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    alice.join("club@conference.localhost", "Alice").await;
    bob.join("club@conference.localhost", "Bob").await;
    let r = alice
        .iq("<iq type='set' to='club@conference.localhost'><query xmlns='http://jabber.org/protocol/muc#admin'><item jid='bob@localhost' affiliation='none'/></query></iq>")
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let p = bob
        .recv_until(|e| e.attr("type") == Some("unavailable"))
        .await;
    assert_eq!(codes(&p), vec![321, 110]);
}

#[tokio::test]
async fn non_anonymous_join_has_100() {
    let server = Server::builder()
        .users([("alice", "alicepw"), ("bob", "bobpw")])
        .room(RoomSpec::new("open", Profile::Prosody).with_config(|c| c.non_anonymous = true))
        .start()
        .await
        .unwrap();
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    alice.join("open@conference.localhost", "Alice").await;
    let seq = bob.join("open@conference.localhost", "Bob").await;
    assert_eq!(
        item(&seq[0]).attr("jid"),
        Some(alice.jid.to_string().as_str())
    );
    let me = seq.iter().find(|e| is_self_presence(e)).unwrap();
    assert_eq!(codes(me), vec![100, 110]);
}
