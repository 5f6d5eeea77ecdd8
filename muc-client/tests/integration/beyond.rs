//! Everything beyond the seed, one test per feature.

use std::sync::Arc;

use muc_client::xmpp_parsers::stanza_error::DefinedCondition;
use muc_client::{
    AdminItem, Affiliation, Destruction, InviteMode, JoinError, JoinOptions, LeaveMode,
    RegistrationForm, Role, RoomConfig, RoomEvent, ServiceEvent, StatusCode,
};
use muc_testserver::{Action, Profile, RoomSpec, Rule};

use crate::common::*;

#[tokio::test]
async fn nick_change_is_confirmed_and_a_conflict_is_an_error() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (_aroom, _aev, _) = join(&alice, "nicks", "Alice").await;
    let (broom, _bev, _) = join(&bob, "nicks", "Bob").await;
    assert_eq!(
        within("nick", broom.set_nick("Robert")).await.unwrap(),
        "Robert"
    );
    assert_eq!(broom.nick(), "Robert");
    let err = within("conflict", broom.set_nick("Alice"))
        .await
        .unwrap_err();
    assert_eq!(
        err.condition(),
        Some(&DefinedCondition::Conflict),
        "{err:?}"
    );
    assert_eq!(broom.nick(), "Robert", "unchanged after a refusal");
    assert!(
        broom.set_nick("").await.is_err(),
        "an invalid nick is refused locally"
    );
}

#[tokio::test]
async fn own_show_and_status_in_the_room() {
    use muc_client::xmpp_parsers::presence::Show;
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, _aev, _) = join(&alice, "presence", "Alice").await;
    let (broom, mut bev, _) = join(&bob, "presence", "Bob").await;
    within("dnd", aroom.set_presence(Some(Show::Dnd), Some("busy")))
        .await
        .unwrap();
    let ev = wait_for(&mut bev, "alice's status", |e| {
        matches!(e, RoomEvent::StatusChange { .. })
    })
    .await;
    let RoomEvent::StatusChange { occupant } = ev else {
        unreachable!()
    };
    assert_eq!(
        (occupant.show(), occupant.status()),
        (Some(&Show::Dnd), Some("busy"))
    );
    assert_eq!(broom.occupant("Alice").unwrap().status(), Some("busy"));
    // Show and status can also come with the join (and every rejoin).
    let bob_options = JoinOptions {
        show: Some(Show::Xa),
        status: Some("lurking".into()),
        ..JoinOptions::default()
    };
    let (aroom2, _aev2, _) = join(&alice, "presence2", "Alice").await;
    let (_broom2, _bev2, _) = join_with(&bob, "presence2", "Bob", bob_options).await;
    let bob_there = within("bob seen", async {
        loop {
            if let Some(o) = aroom2.occupant("Bob") {
                return o;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await;
    assert_eq!(
        (bob_there.show(), bob_there.status()),
        (Some(&Show::Xa), Some("lurking"))
    );
}

#[tokio::test]
async fn private_messages_both_ways() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, mut aev, _) = join(&alice, "pm", "Alice").await;
    let (broom, mut bev, _) = join(&bob, "pm", "Bob").await;
    within("pm", aroom.send_private_message("Bob", "psst"))
        .await
        .unwrap();
    let ev = wait_for(&mut bev, "pm", |e| {
        matches!(e, RoomEvent::PrivateMessage { .. })
    })
    .await;
    let RoomEvent::PrivateMessage {
        message,
        nick,
        occupant,
    } = ev
    else {
        unreachable!()
    };
    assert_eq!(nick, "Alice");
    assert_eq!(occupant.unwrap().nick(), "Alice");
    assert_eq!(
        message.bodies.values().next().map(String::as_str),
        Some("psst")
    );
    within("reply", broom.send_private_message("Alice", "what?"))
        .await
        .unwrap();
    let ev = wait_for(&mut aev, "reply", |e| {
        matches!(e, RoomEvent::PrivateMessage { .. })
    })
    .await;
    assert!(matches!(ev, RoomEvent::PrivateMessage { nick, .. } if nick == "Bob"));
}

#[tokio::test]
async fn room_configuration_get_and_set() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, _aev, _) = join(&alice, "config", "Alice").await;
    let (broom, mut bev, _) = join(&bob, "config", "Bob").await;
    let mut config = within("get", aroom.get_config()).await.unwrap();
    assert_eq!(config.persistent(), Some(false));
    config
        .set_roomname("The Cave")
        .set_persistent(true)
        .set_max_users(30);
    within("set", aroom.set_config(&config)).await.unwrap();
    let ev = wait_for(&mut bev, "config changed", |e| {
        matches!(e, RoomEvent::ConfigChanged { .. })
    })
    .await;
    let RoomEvent::ConfigChanged { status } = ev else {
        unreachable!()
    };
    assert!(status.contains(&StatusCode(104)), "{status:?}");
    let again = within("get", aroom.get_config()).await.unwrap();
    assert_eq!(again.roomname(), Some("The Cave"));
    assert_eq!(again.persistent(), Some(true));
    let info = server.room("config").unwrap();
    assert_eq!(info.config.name, "The Cave");
    // Only owners may: bob's attempt keeps the server's condition.
    let err = within("refused", broom.get_config()).await.unwrap_err();
    assert_eq!(
        err.condition(),
        Some(&DefinedCondition::Forbidden),
        "{err:?}"
    );
}

#[tokio::test]
async fn instant_room_creation() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (room, fut) = alice
        .join(room_jid("instant"), "Alice", JoinOptions::default())
        .unwrap();
    let entered = within("join", fut).await.unwrap();
    assert!(entered.created);
    assert!(entered.status.contains(&StatusCode(201)));
    // Locked until configured: others cannot get in.
    let (_r, fut) = bob
        .join(room_jid("instant"), "Bob", JoinOptions::default())
        .unwrap();
    let err = within("locked", fut).await.unwrap_err();
    assert_eq!(
        err.condition(),
        Some(&DefinedCondition::ItemNotFound),
        "{err:?}"
    );
    within("instant", room.create_instant()).await.unwrap();
    assert!(!server.room("instant").unwrap().locked);
    let (_r, fut) = bob
        .join(room_jid("instant"), "Bob", JoinOptions::default())
        .unwrap();
    within("join", fut).await.unwrap();
}

#[tokio::test]
async fn reserved_room_creation_and_cancel() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let (room, fut) = alice
        .join(room_jid("reserved"), "Alice", JoinOptions::default())
        .unwrap();
    assert!(within("join", fut).await.unwrap().created);
    let mut config = within("form", room.get_config()).await.unwrap();
    config.set_roomname("Reserved").set_members_only(true);
    within("submit", room.set_config(&config)).await.unwrap();
    let info = server.room("reserved").unwrap();
    assert!(!info.locked && info.config.members_only && info.config.name == "Reserved");
    // Cancelling the initial configuration: §10.1.3 says the service
    // destroys the room; Prosody (and muc-testserver's Prosody profile) keep
    // it, still locked. The client follows what the room says, so the room
    // stays joined here.
    let (room, fut) = alice
        .join(room_jid("cancelled"), "Alice", JoinOptions::default())
        .unwrap();
    assert!(within("join", fut).await.unwrap().created);
    within("cancel", room.cancel_config()).await.unwrap();
    let info = server.room("cancelled").expect("Prosody keeps the room");
    assert!(info.locked, "still locked");
    assert!(room.joined() && room.active());
}

#[tokio::test]
async fn destroy_with_reason_alternate_venue_and_password() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, mut aev, _) = join(&alice, "doomed", "Alice").await;
    let (_broom, mut bev, _) = join(&bob, "doomed", "Bob").await;
    let how = Destruction {
        alternate_venue: Some(room_jid("elsewhere").parse().unwrap()),
        reason: Some("moving".into()),
        password: Some("newpw".into()),
    };
    within("destroy", aroom.destroy(how.clone())).await.unwrap();
    for events in [&mut aev, &mut bev] {
        let exit = wait_for(events, "exit", |e| matches!(e, RoomEvent::Exit { .. })).await;
        match exit {
            RoomEvent::Exit {
                mode, destroyed, ..
            } => {
                assert_eq!(mode, LeaveMode::Destroyed);
                assert_eq!(destroyed.as_deref(), Some(&how));
            }
            _ => unreachable!(),
        }
    }
    assert!(server.room("doomed").is_none());
}

#[tokio::test]
async fn affiliation_and_role_lists_with_deltas() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, _aev, _) = join(&alice, "lists", "Alice").await;
    let (_broom, mut bev, _) = join(&bob, "lists", "Bob").await;
    let delta = vec![
        AdminItem::affiliation(
            "bob@localhost".parse::<muc_client::jid::Jid>().unwrap(),
            Affiliation::Member,
        ),
        AdminItem::affiliation(
            "carol@localhost".parse::<muc_client::jid::Jid>().unwrap(),
            Affiliation::Admin,
        ),
        AdminItem::affiliation(
            "dave@localhost".parse::<muc_client::jid::Jid>().unwrap(),
            Affiliation::Outcast,
        )
        .with_reason("troll"),
    ];
    within("affiliation delta", aroom.modify_affiliations(delta))
        .await
        .unwrap();
    let jids = |items: Vec<AdminItem>| -> Vec<String> {
        items
            .into_iter()
            .filter_map(|i| i.jid.map(|j| j.to_string()))
            .collect()
    };
    let members = within("members", aroom.affiliation_list(Affiliation::Member))
        .await
        .unwrap();
    assert_eq!(jids(members), ["bob@localhost"]);
    let admins = within("admins", aroom.affiliation_list(Affiliation::Admin))
        .await
        .unwrap();
    assert_eq!(jids(admins), ["carol@localhost"]);
    let outcasts = within("outcasts", aroom.affiliation_list(Affiliation::Outcast))
        .await
        .unwrap();
    assert_eq!(jids(outcasts), ["dave@localhost"]);
    within(
        "role delta",
        aroom.modify_roles(vec![AdminItem::role("Bob", Role::Visitor)]),
    )
    .await
    .unwrap();
    wait_for(&mut bev, "visitor", |e| {
        matches!(
            e,
            RoomEvent::RoleChange {
                new: Role::Visitor,
                ..
            }
        )
    })
    .await;
    let moderators = within("moderators", aroom.role_list(Role::Moderator))
        .await
        .unwrap();
    let nicks: Vec<String> = moderators.into_iter().filter_map(|i| i.nick).collect();
    assert_eq!(nicks, ["Alice"]);
    let visitors = within("visitors", aroom.role_list(Role::Visitor))
        .await
        .unwrap();
    assert_eq!(visitors.len(), 1);
}

#[tokio::test]
async fn mediated_invitation_received_and_declined() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let mut bob_events = bob.events();
    let (aroom, mut aev, _) = join(&alice, "party", "Alice").await;
    within("invite", aroom.invite("bob@localhost", Some("come in")))
        .await
        .unwrap();
    let ev = wait_for(&mut bob_events, "invitation", |e| {
        matches!(e, ServiceEvent::Invitation(_))
    })
    .await;
    let ServiceEvent::Invitation(inv) = ev else {
        unreachable!()
    };
    assert_eq!(inv.mode, InviteMode::Mediated);
    assert_eq!(inv.room.to_string(), room_jid("party"));
    assert_eq!(inv.reason.as_deref(), Some("come in"));
    assert_eq!(
        inv.inviter
            .as_ref()
            .map(|j| j.to_bare().to_string())
            .as_deref(),
        Some("alice@localhost")
    );
    bob.decline(&inv, Some("busy")).unwrap();
    let ev = wait_for(&mut aev, "decline", |e| {
        matches!(e, RoomEvent::Decline { .. })
    })
    .await;
    let RoomEvent::Decline { from, reason } = ev else {
        unreachable!()
    };
    assert_eq!(
        from.map(|j| j.to_bare().to_string()).as_deref(),
        Some("bob@localhost")
    );
    assert_eq!(reason.as_deref(), Some("busy"));
}

#[tokio::test]
async fn direct_invitation_carries_the_password() {
    let server = server(&["alice", "bob"]).await;
    server
        .create_room(
            RoomSpec::new("locked", Profile::Prosody)
                .with_config(|c| c.password = Some("pw1".into())),
        )
        .unwrap();
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let mut bob_events = bob.events();
    let (aroom, _aev, _) = join_with(
        &alice,
        "locked",
        "Alice",
        JoinOptions::default().password("pw1"),
    )
    .await;
    aroom
        .invite_direct("bob@localhost", Some("join us"))
        .unwrap();
    let ev = wait_for(&mut bob_events, "invitation", |e| {
        matches!(e, ServiceEvent::Invitation(_))
    })
    .await;
    let ServiceEvent::Invitation(inv) = ev else {
        unreachable!()
    };
    assert_eq!(inv.mode, InviteMode::Direct);
    assert_eq!(inv.password.as_deref(), Some("pw1"));
    assert!(!format!("{inv:?}").contains("pw1"), "no password in Debug");
    // A direct invitation cannot be declined through the room.
    assert!(bob.decline(&inv, None).is_err());
    // The invitation is enough to get in.
    let options = JoinOptions::default().password(inv.password.clone().unwrap());
    let (_r, fut) = bob.join(inv.room.clone(), "Bob", options).unwrap();
    within("join", fut).await.unwrap();
}

#[tokio::test]
async fn voice_request_and_approval() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, mut aev, _) = join(&alice, "voice", "Alice").await;
    let mut config = RoomConfig::new();
    config.set_moderated(true);
    within("moderated", aroom.set_config(&config))
        .await
        .unwrap();
    let (broom, mut bev, _) = join(&bob, "voice", "Bob").await;
    // In a moderated room an unaffiliated newcomer is a visitor (Prosody).
    assert_eq!(broom.this_occupant().map(|o| o.role()), Some(Role::Visitor));
    within("request", broom.request_voice()).await.unwrap();
    let ev = wait_for(&mut aev, "voice request", |e| {
        matches!(e, RoomEvent::VoiceRequest { .. })
    })
    .await;
    let RoomEvent::VoiceRequest { request } = ev else {
        unreachable!()
    };
    assert_eq!(request.roomnick(), Some("Bob"));
    within("approve", aroom.answer_voice_request(request, true))
        .await
        .unwrap();
    let ev = wait_for(&mut bev, "voice", |e| {
        matches!(
            e,
            RoomEvent::RoleChange {
                new: Role::Participant,
                ..
            }
        )
    })
    .await;
    assert!(matches!(
        ev,
        RoomEvent::RoleChange {
            old: Role::Visitor,
            ..
        }
    ));
}

#[tokio::test]
async fn registration_and_reserved_nick() {
    let server = server(&["alice", "bob"]).await;
    server
        .create_room(
            RoomSpec::new("club", Profile::Prosody)
                .with_config(|c| c.enforce_registered_nicks = true),
        )
        .unwrap();
    let bob = login(&server, "bob").await;
    let reg = within("form", bob.registration_form(room_jid("club")))
        .await
        .unwrap();
    assert!(!reg.registered);
    let form = reg.form.expect("a registration form");
    assert!(
        form.form()
            .fields
            .iter()
            .any(|f| f.var.as_deref() == Some("muc#register_roomnick"))
    );
    let mut answer = RegistrationForm::new();
    answer.set_roomnick("Bobby");
    within("register", bob.register(room_jid("club"), &answer))
        .await
        .unwrap();
    let reg = within("again", bob.registration_form(room_jid("club")))
        .await
        .unwrap();
    assert!(reg.registered);
    // The room enforces the reserved nick: asking for another one gets it
    // changed (210), and the join says so.
    let (room, fut) = bob
        .join(room_jid("club"), "Bob", JoinOptions::default())
        .unwrap();
    let entered = within("join", fut).await.unwrap();
    assert!(entered.nick_assigned);
    assert_eq!(room.nick(), "Bobby");
    // Reserved-nick discovery (§7.12). muc-testserver answers the
    // `x-roomuser-item` node with the room's own disco#info; Prosody answers
    // with an identity named after the reserved nick. This rule makes the
    // test server answer as Prosody does, once.
    server.faults().add(
        Rule::to_client()
            .for_user("bob@localhost")
            .in_room(&room_jid("club"))
            .when(|e| {
                e.name() == "iq"
                    && e.attr("type") == Some("result")
                    && e.get_child("query", "http://jabber.org/protocol/disco#info")
                        .is_some()
            })
            .times(1)
            .then(Action::Modify(Arc::new(|e| {
                let answer: muc_client::xmpp_parsers::minidom::Element =
                    "<query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'>\
                     <identity category='conference' type='text' name='Bobby'/></query>"
                        .parse()
                        .expect("valid XML");
                let q = e
                    .children_mut()
                    .find(|c| c.is("query", "http://jabber.org/protocol/disco#info"))
                    .expect("query");
                *q = answer;
            }))),
    );
    let nick = within("reserved nick", room.reserved_nick()).await.unwrap();
    assert_eq!(nick.as_deref(), Some("Bobby"));
}

#[tokio::test]
async fn room_discovery_and_room_info() {
    let server = server(&["alice"]).await;
    server
        .create_room(RoomSpec::new("lobby", Profile::Prosody).with_config(|c| {
            c.public = true;
            c.name = "The Lobby".into();
            c.description = "Say hello".into();
        }))
        .unwrap();
    server
        .create_room(RoomSpec::new("hidden", Profile::Prosody).with_config(|c| c.public = false))
        .unwrap();
    let alice = login(&server, "alice").await;
    let items = within("disco#items", alice.discover_rooms("conference.localhost"))
        .await
        .unwrap();
    let rooms: Vec<(String, Option<String>)> = items
        .into_iter()
        .map(|i| (i.jid.to_string(), i.name))
        .collect();
    assert_eq!(rooms, [(room_jid("lobby"), Some("The Lobby".into()))]);
    let info = within("disco#info", alice.room_info(room_jid("lobby")))
        .await
        .unwrap();
    assert_eq!(info.name.as_deref(), Some("The Lobby"));
    assert!(info.features.muc);
    assert_eq!(info.features.public, Some(true));
    assert!(info.features.occupant_id);
    let roominfo = info.info.expect("muc#roominfo");
    assert_eq!(roominfo.description(), Some("Say hello"));
    let err = within("no such room", alice.room_info(room_jid("nope")))
        .await
        .unwrap_err();
    assert_eq!(err.condition(), Some(&DefinedCondition::ItemNotFound));
}

#[tokio::test]
async fn capabilities_from_role_and_affiliation() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, _aev, _) = join(&alice, "caps", "Alice").await;
    let (broom, mut bev, _) = join(&bob, "caps", "Bob").await;
    // Wait until bob's room has read the room's disco#info.
    within("features", async {
        while broom.features().is_none() || broom.info().is_none() {
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await;
    let owner = aroom.capabilities();
    let bob_there = aroom.occupant("Bob").unwrap();
    assert!(
        owner.may_kick(&bob_there)
            && owner.may_configure()
            && owner.may_destroy()
            && owner.may_set_subject()
    );
    let participant = broom.capabilities();
    let alice_there = broom.occupant("Alice").unwrap();
    assert!(participant.may_send_messages());
    assert!(!participant.may_kick(&alice_there));
    assert!(
        !participant.may_set_subject(),
        "Prosody rooms keep the subject to moderators"
    );
    assert!(!participant.may_configure());
    // Capabilities follow our role.
    within("op", aroom.set_role("Bob", Role::Moderator, None))
        .await
        .unwrap();
    wait_for(&mut bev, "moderator", |e| {
        matches!(
            e,
            RoomEvent::RoleChange {
                new: Role::Moderator,
                ..
            }
        )
    })
    .await;
    assert!(broom.capabilities().may_set_subject());
    assert!(!broom.capabilities().may_kick(&alice_there), "not an owner");
}

#[tokio::test]
async fn join_refusal_conditions_are_kept() {
    let server = server(&["alice", "bob"]).await;
    server
        .create_room(
            RoomSpec::new("members", Profile::Prosody).with_config(|c| c.members_only = true),
        )
        .unwrap();
    let bob = login(&server, "bob").await;
    let (_r, fut) = bob
        .join(room_jid("members"), "Bob", JoinOptions::default())
        .unwrap();
    let err = within("refused", fut).await.unwrap_err();
    assert!(matches!(
        err,
        muc_client::Error::Join(JoinError::Refused(_))
    ));
    assert_eq!(
        err.condition(),
        Some(&DefinedCondition::RegistrationRequired)
    );
    let alice = login(&server, "alice").await;
    let (_a, _aev, _) = join(&alice, "nicktaken", "Same").await;
    let (_r, fut) = bob
        .join(room_jid("nicktaken"), "Same", JoinOptions::default())
        .unwrap();
    let err = within("conflict", fut).await.unwrap_err();
    assert_eq!(err.condition(), Some(&DefinedCondition::Conflict));
}
