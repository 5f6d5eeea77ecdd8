//! Behaviours where the conformance suite found the embedded server unlike
//! the real servers it imitates (Prosody 0.12, ejabberd 23.01): self-ping
//! from a non-occupant, default roles in moderated rooms, the reserved-nick
//! disco node, who reads the owner list, cancelling the initial
//! configuration, a full room, and IQs relayed between occupants.

mod common;

use std::time::Duration;

use common::*;
use minidom::Element;
use muc_testserver::{Action, Affiliation, Profile, RoomSpec, Rule, Server, predicates};

const ROOM: &str = "room@conference.localhost";
const STANZAS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";

/// The `<error/>` of an error stanza.
fn error_of(e: &Element) -> Element {
    e.get_child("error", ns::CLIENT)
        .cloned()
        .unwrap_or_else(|| panic!("no error in {}", String::from(e)))
}

/// The error's type attribute.
fn error_type(e: &Element) -> Option<String> {
    error_of(e).attr("type").map(str::to_owned)
}

/// The error's text, if any.
fn error_text(e: &Element) -> Option<String> {
    error_of(e).get_child("text", STANZAS).map(|t| t.text())
}

/// A server with `users` and one persistent room built by `spec`.
async fn server_with_room(
    users: &[&str],
    profile: Profile,
    spec: impl FnOnce(RoomSpec) -> RoomSpec,
) -> Server {
    let mut b = Server::builder().profile(profile);
    for u in users {
        b = b.user(u, &format!("{u}pw"));
    }
    b.room(spec(RoomSpec::new("room", profile)))
        .start()
        .await
        .expect("server starts")
}

fn admin_get(list: &str) -> String {
    format!(
        "<iq type='get' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='{list}'/></query></iq>"
    )
}

fn ping(to: &str) -> String {
    format!("<iq type='get' to='{to}'><ping xmlns='urn:xmpp:ping'/></iq>")
}

// ----- 1. XEP-0410 self-ping from someone the room no longer knows -----

#[tokio::test]
async fn self_ping_after_a_silent_removal_is_not_acceptable() {
    for (profile, type_, text) in [
        (
            Profile::Prosody,
            "cancel",
            "You are not currently connected to this chat",
        ),
        (
            Profile::Ejabberd,
            "modify",
            "Only occupants are allowed to send queries to the conference",
        ),
    ] {
        let server = server_with_room(&["alice", "bob"], profile, |r| r).await;
        let mut alice = login(&server, "alice").await;
        let mut bob = login(&server, "bob").await;
        alice.join(ROOM, "Alice").await;
        bob.join(ROOM, "Bob").await;
        // Joined: the room answers the self-ping itself.
        let r = bob.iq(&ping(&format!("{ROOM}/Bob"))).await;
        assert_eq!(r.attr("type"), Some("result"), "{profile}");
        // The room drops bob without telling him.
        server.faults().add(
            Rule::to_client()
                .for_user("bob@localhost")
                .when(predicates::has_status(333))
                .then(Action::Drop),
        );
        assert!(server.faults().remove_with_error(ROOM, "Bob"));
        alice
            .recv_until(|e| e.attr("type") == Some("unavailable"))
            .await;
        // Not "item-not-found" (XEP-0410: still joined, nick changed) but
        // "not-acceptable" (not joined).
        let r = bob.iq(&ping(&format!("{ROOM}/Bob"))).await;
        assert_eq!(error_condition(&r), "not-acceptable", "{profile}");
        assert_eq!(error_type(&r).as_deref(), Some(type_), "{profile}");
        assert_eq!(error_text(&r).as_deref(), Some(text), "{profile}");
        assert_eq!(r.attr("from"), Some(format!("{ROOM}/Bob").as_str()));
        // The same for any nick, taken or not: the sender is checked first.
        for nick in ["Alice", "Ghost"] {
            let r = bob.iq(&ping(&format!("{ROOM}/{nick}"))).await;
            assert_eq!(error_condition(&r), "not-acceptable", "{profile} {nick}");
        }
        // An occupant pinging a nick nobody has: item-not-found.
        let r = alice.iq(&ping(&format!("{ROOM}/Ghost"))).await;
        assert_eq!(error_condition(&r), "item-not-found", "{profile}");
        let want = match profile {
            Profile::Prosody => "Recipient not in room",
            Profile::Ejabberd => "Recipient is not in the conference room",
        };
        assert_eq!(error_text(&r).as_deref(), Some(want), "{profile}");
    }
}

// ----- 2. Default role in a moderated room -----

#[tokio::test]
async fn moderated_room_default_roles_follow_the_profile() {
    for (profile, newcomer) in [
        // Prosody's moderated.lib.lua: muc-get-default-role → visitor.
        (Profile::Prosody, "visitor"),
        // ejabberd: members_by_default (on by default) → participant.
        (Profile::Ejabberd, "participant"),
    ] {
        let server = server_with(&["alice", "bob", "carol"], profile).await;
        let mut alice = login(&server, "alice").await;
        let mut bob = login(&server, "bob").await;
        let mut carol = login(&server, "carol").await;
        create_room(&mut alice, ROOM, "Alice").await;
        let r = alice
            .iq(&format!(
                "<iq type='set' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var='muc#roomconfig_moderatedroom'><value>1</value></field></x></query></iq>"
            ))
            .await;
        assert_eq!(r.attr("type"), Some("result"), "{profile}");
        let r = alice
            .iq(&format!(
                "<iq type='set' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#admin'><item jid='carol@localhost' affiliation='member'/></query></iq>"
            ))
            .await;
        assert_eq!(r.attr("type"), Some("result"), "{profile}");
        let seq = bob.join(ROOM, "Bob").await;
        let me = seq.iter().find(|e| is_self_presence(e)).expect("joined");
        assert_eq!(item(me).attr("role"), Some(newcomer), "{profile}");
        let seq = carol.join(ROOM, "Carol").await;
        let me = seq.iter().find(|e| is_self_presence(e)).expect("joined");
        assert_eq!(item(me).attr("role"), Some("participant"), "{profile}");
    }
    // A configured Prosody room (RoomSpec) does the same.
    let server = server_with_room(&["bob"], Profile::Prosody, |r| {
        r.with_config(|c| c.moderated = true)
    })
    .await;
    let mut bob = login(&server, "bob").await;
    let seq = bob.join(ROOM, "Bob").await;
    let me = seq.iter().find(|e| is_self_presence(e)).expect("joined");
    assert_eq!(item(me).attr("role"), Some("visitor"));
    bob.send_xml(&format!(
        "<message to='{ROOM}' type='groupchat' id='v'><body>may I?</body></message>"
    ));
    let e = bob.recv_until(|e| e.attr("type") == Some("error")).await;
    assert_eq!(error_condition(&e), "forbidden");
}

// ----- 3. Reserved nick discovery (§7.12) -----

fn roomuser_item() -> String {
    format!(
        "<iq type='get' to='{ROOM}'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>"
    )
}

#[tokio::test]
async fn reserved_nick_is_discovered_on_prosody() {
    let server = server_with_room(&["alice", "bob"], Profile::Prosody, |r| {
        r.with_registered_nick("bob@localhost", "Robert")
    })
    .await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    // Registered: a conference identity named after the nick, nothing else.
    let r = bob.iq(&roomuser_item()).await;
    assert_eq!(r.attr("type"), Some("result"), "{}", String::from(&r));
    let q = r.get_child("query", ns::DISCO_INFO).expect("query");
    assert_eq!(q.attr("node"), Some("x-roomuser-item"));
    let children: Vec<&Element> = q.children().collect();
    assert_eq!(children.len(), 1, "{}", String::from(&r));
    let identity = children[0];
    assert!(identity.is("identity", ns::DISCO_INFO));
    assert_eq!(identity.attr("category"), Some("conference"));
    assert_eq!(identity.attr("type"), Some("text"));
    assert_eq!(identity.attr("name"), Some("Robert"));
    // Not registered: an empty query that names the node (not the room's
    // own disco#info).
    let r = alice.iq(&roomuser_item()).await;
    assert_eq!(r.attr("type"), Some("result"));
    let q = r.get_child("query", ns::DISCO_INFO).expect("query");
    assert_eq!(q.attr("node"), Some("x-roomuser-item"));
    assert_eq!(q.children().count(), 0, "{}", String::from(&r));
    // After registering, alice's nick is found.
    let r = alice
        .iq(&format!(
            "<iq type='set' to='{ROOM}'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#register_roomnick'><value>Ali</value></field></x></query></iq>"
        ))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let r = alice.iq(&roomuser_item()).await;
    let q = r.get_child("query", ns::DISCO_INFO).expect("query");
    assert_eq!(
        q.get_child("identity", ns::DISCO_INFO)
            .and_then(|i| i.attr("name")),
        Some("Ali")
    );
}

#[tokio::test]
async fn reserved_nick_node_is_unknown_on_ejabberd() {
    let server = server_with_room(&["bob"], Profile::Ejabberd, |r| {
        r.with_registered_nick("bob@localhost", "Robert")
    })
    .await;
    let mut bob = login(&server, "bob").await;
    let r = bob.iq(&roomuser_item()).await;
    assert_eq!(error_condition(&r), "item-not-found");
    assert_eq!(error_type(&r).as_deref(), Some("cancel"));
    assert_eq!(error_text(&r).as_deref(), Some("Invalid node name"));
}

// ----- 4. Who reads the affiliation lists -----

#[tokio::test]
async fn admin_may_not_read_the_owner_list_on_prosody() {
    let server = server_with_room(&["alice", "carol"], Profile::Prosody, |r| {
        r.with_affiliation("alice@localhost", Affiliation::Owner)
            .with_affiliation("carol@localhost", Affiliation::Admin)
            .with_affiliation("dave@localhost", Affiliation::Member)
            .with_affiliation("eve@localhost", Affiliation::Outcast)
    })
    .await;
    let mut alice = login(&server, "alice").await;
    let mut carol = login(&server, "carol").await;
    // Prosody: the requester's affiliation must be at or above the list's.
    let r = carol.iq(&admin_get("owner")).await;
    assert_eq!(error_condition(&r), "forbidden", "{}", String::from(&r));
    assert_eq!(error_type(&r).as_deref(), Some("auth"));
    assert_eq!(error_text(&r), None, "Prosody's refusal has no text");
    for (list, jid) in [
        ("admin", "carol@localhost"),
        ("member", "dave@localhost"),
        ("outcast", "eve@localhost"),
    ] {
        let r = carol.iq(&admin_get(list)).await;
        assert_eq!(
            r.attr("type"),
            Some("result"),
            "{list}: {}",
            String::from(&r)
        );
        let q = r.get_child("query", ns::MUC_ADMIN).expect("query");
        let jids: Vec<&str> = q.children().filter_map(|i| i.attr("jid")).collect();
        assert_eq!(jids, vec![jid], "{list}");
    }
    let r = alice.iq(&admin_get("owner")).await;
    assert_eq!(r.attr("type"), Some("result"));
}

#[tokio::test]
async fn members_of_an_open_members_only_room_read_the_lists_on_prosody() {
    // Prosody: in a members-only room whose JIDs anyone may see, a member
    // reads every list; in a semi-anonymous one, none.
    for (non_anonymous, allowed) in [(true, true), (false, false)] {
        let server = server_with_room(&["dave"], Profile::Prosody, |r| {
            r.with_affiliation("alice@localhost", Affiliation::Owner)
                .with_affiliation("dave@localhost", Affiliation::Member)
                .with_config(|c| {
                    c.members_only = true;
                    c.non_anonymous = non_anonymous;
                })
        })
        .await;
        let mut dave = login(&server, "dave").await;
        for list in ["owner", "member"] {
            let r = dave.iq(&admin_get(list)).await;
            let ok = r.attr("type") == Some("result");
            assert_eq!(ok, allowed, "whois anyone {non_anonymous}, {list} list");
        }
    }
}

#[tokio::test]
async fn admin_reads_the_owner_list_on_ejabberd() {
    let server = server_with_room(&["carol"], Profile::Ejabberd, |r| {
        r.with_affiliation("alice@localhost", Affiliation::Owner)
            .with_affiliation("carol@localhost", Affiliation::Admin)
    })
    .await;
    let mut carol = login(&server, "carol").await;
    let r = carol.iq(&admin_get("owner")).await;
    assert_eq!(r.attr("type"), Some("result"), "{}", String::from(&r));
}

// ----- 5. Cancelling the initial configuration (§10.1.3) -----

fn cancel_config() -> String {
    format!(
        "<iq type='set' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='cancel'/></query></iq>"
    )
}

#[tokio::test]
async fn cancelled_initial_configuration_keeps_a_locked_room_on_prosody() {
    let server = server_with(&["alice", "bob"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    let seq = alice.join(ROOM, "Alice").await;
    assert_eq!(codes(&seq[0]), vec![201, 110]);
    let r = alice.iq(&cancel_config()).await;
    assert_eq!(r.attr("type"), Some("result"));
    // Not destroyed: no unavailable presence, the owner is still in.
    alice
        .expect_none(Duration::from_millis(200), |e| e.name() == "presence")
        .await;
    let room = server.room("room").expect("the room still exists");
    assert!(room.locked, "still locked");
    assert_eq!(room.occupants.len(), 1);
    // Others still get item-not-found, from the service.
    let seq = bob.join(ROOM, "Bob").await;
    let err = seq.last().unwrap();
    assert_eq!(error_condition(err), "item-not-found");
    // The owner may still configure it; then bob gets in.
    let r = alice
        .iq(&format!(
            "<iq type='set' to='{ROOM}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>"
        ))
        .await;
    assert_eq!(r.attr("type"), Some("result"));
    let seq = bob.join(ROOM, "Bob").await;
    assert!(seq.iter().any(is_self_presence));
}

#[tokio::test]
async fn cancelled_initial_configuration_keeps_an_open_room_on_ejabberd() {
    let server = server_with(&["alice", "bob"], Profile::Ejabberd).await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    alice.join(ROOM, "Alice").await;
    let r = alice.iq(&cancel_config()).await;
    assert_eq!(r.attr("type"), Some("result"));
    alice
        .expect_none(Duration::from_millis(200), |e| {
            e.name() == "presence" && e.attr("type") == Some("unavailable")
        })
        .await;
    let room = server.room("room").expect("the room still exists");
    assert!(!room.locked);
    // Bob enters the existing room (no 201) and sees the owner.
    let seq = bob.join(ROOM, "Bob").await;
    let me = seq.iter().find(|e| is_self_presence(e)).expect("joined");
    assert!(!codes(me).contains(&201));
    assert!(
        seq.iter()
            .any(|e| e.attr("from") == Some(format!("{ROOM}/Alice").as_str()))
    );
}

// ----- 6. A full room (see also profiles.rs) -----

#[tokio::test]
async fn full_room_is_resource_constraint_on_ejabberd() {
    let server = server_with_room(&["alice", "bob"], Profile::Ejabberd, |r| {
        r.with_config(|c| c.max_users = Some(1))
    })
    .await;
    let mut alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    alice.join(ROOM, "Alice").await;
    let seq = bob.join(ROOM, "Bob").await;
    let e = seq.last().unwrap();
    assert_eq!(error_condition(e), "resource-constraint");
    assert_eq!(error_type(e).as_deref(), Some("wait"));
    assert_eq!(
        error_text(e).as_deref(),
        Some("Too many users in this conference")
    );
}

// ----- 7. IQs between occupants -----

#[tokio::test]
async fn iq_to_an_occupant_is_relayed_and_answered() {
    for profile in [Profile::Prosody, Profile::Ejabberd] {
        let server = server_with(&["alice", "bob", "carol"], profile).await;
        let mut alice = login(&server, "alice").await;
        let mut bob = login(&server, "bob").await;
        let mut carol = login(&server, "carol").await;
        create_room(&mut alice, ROOM, "Alice").await;
        bob.join(ROOM, "Bob").await;
        carol.join(ROOM, "Carol").await;

        // Bob asks alice, through the room, what she runs.
        bob.send_xml(&format!(
            "<iq type='get' id='v1' to='{ROOM}/Alice'><query xmlns='jabber:iq:version'/></iq>"
        ));
        let relayed = alice.recv_until(|e| e.name() == "iq").await;
        assert_eq!(relayed.attr("type"), Some("get"), "{profile}");
        assert_eq!(
            relayed.attr("from"),
            Some(format!("{ROOM}/Bob").as_str()),
            "from bob's occupant JID, never his real JID"
        );
        assert_eq!(relayed.attr("to"), Some(alice.jid.to_string().as_str()));
        let relayed_id = relayed.attr("id").expect("an id").to_owned();
        assert_ne!(relayed_id, "v1", "the room chose its own id");
        assert!(relayed.get_child("query", "jabber:iq:version").is_some());

        // A stranger's answer under that id goes nowhere.
        carol.send_xml(&format!(
            "<iq type='result' id='{relayed_id}' to='{ROOM}/Bob'><query xmlns='jabber:iq:version'><name>forged</name></query></iq>"
        ));
        // Alice's answer comes back to bob, from her occupant JID, with his id.
        alice.send_xml(&format!(
            "<iq type='result' id='{relayed_id}' to='{ROOM}/Bob'><query xmlns='jabber:iq:version'><name>alice-client</name><version>1</version></query></iq>"
        ));
        let answer = bob.recv_until(|e| e.name() == "iq").await;
        assert_eq!(answer.attr("type"), Some("result"), "{profile}");
        assert_eq!(answer.attr("id"), Some("v1"));
        assert_eq!(answer.attr("from"), Some(format!("{ROOM}/Alice").as_str()));
        assert_eq!(answer.attr("to"), Some(bob.jid.to_string().as_str()));
        let name = answer
            .get_child("query", "jabber:iq:version")
            .and_then(|q| q.get_child("name", "jabber:iq:version"))
            .map(|n| n.text());
        assert_eq!(name.as_deref(), Some("alice-client"), "not the forgery");
        bob.expect_none(Duration::from_millis(150), |e| e.name() == "iq")
            .await;

        // An error answer is relayed too; a ping to another occupant is
        // relayed, not answered by the room.
        bob.send_xml(&format!(
            "<iq type='get' id='p1' to='{ROOM}/Carol'><ping xmlns='urn:xmpp:ping'/></iq>"
        ));
        let relayed = carol.recv_until(|e| e.name() == "iq").await;
        assert!(relayed.get_child("ping", ns::PING).is_some());
        let relayed_id = relayed.attr("id").expect("an id").to_owned();
        carol.send_xml(&format!(
            "<iq type='error' id='{relayed_id}' to='{ROOM}/Bob'><error type='cancel'><service-unavailable xmlns='{STANZAS}'/></error></iq>"
        ));
        let answer = bob.recv_until(|e| e.name() == "iq").await;
        assert_eq!(answer.attr("id"), Some("p1"));
        assert_eq!(answer.attr("from"), Some(format!("{ROOM}/Carol").as_str()));
        assert_eq!(error_condition(&answer), "service-unavailable");

        // An answer under an id the room never made is dropped.
        alice.send_xml(&format!("<iq type='result' id='made-up' to='{ROOM}/Bob'/>"));
        bob.expect_none(Duration::from_millis(150), |e| e.name() == "iq")
            .await;
    }
}

#[tokio::test]
async fn relayed_answer_goes_to_the_asking_session_only() {
    let server = server_with(&["alice", "bob"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    let mut bob1 = login(&server, "bob").await;
    let mut bob2 = login(&server, "bob").await;
    create_room(&mut alice, ROOM, "Alice").await;
    bob1.join(ROOM, "Bob").await;
    bob2.join(ROOM, "Bob").await;
    bob2.send_xml(&format!(
        "<iq type='get' id='t2' to='{ROOM}/Alice'><time xmlns='urn:xmpp:time'/></iq>"
    ));
    let relayed = alice.recv_until(|e| e.name() == "iq").await;
    let relayed_id = relayed.attr("id").expect("an id").to_owned();
    alice.send_xml(&format!(
        "<iq type='result' id='{relayed_id}' to='{ROOM}/Bob'/>"
    ));
    let answer = bob2.recv_until(|e| e.name() == "iq").await;
    assert_eq!(answer.attr("id"), Some("t2"));
    assert_eq!(answer.attr("to"), Some(bob2.jid.to_string().as_str()));
    bob1.expect_none(Duration::from_millis(150), |e| e.name() == "iq")
        .await;
}
