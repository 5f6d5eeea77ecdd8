//! The seed's `Room` properties and methods, and `Service.set_affiliation`.

use std::time::Duration;

use futures::StreamExt;
use muc_client::xmpp_parsers::message::{Lang, Message};
use muc_client::xmpp_parsers::stanza_error::DefinedCondition;
use muc_client::{
    Affiliation, DEFAULT_TRACKING_TIMEOUT, JoinOptions, LeaveMode, MatchedBy, Role, RoomEvent,
    RoomState, TrackerState,
};
use muc_testserver::{Action, Profile, RoomSpec, Rule, predicates};

use crate::common::*;

#[tokio::test]
async fn room_properties_follow_the_room() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, _aev, _) = join(&alice, "props", "Alice").await;
    within("subject", aroom.set_subject("Topic")).await.unwrap();
    let (room, mut ev, _) = join_with(
        &bob,
        "props",
        "Bob",
        JoinOptions::default().autorejoin(false),
    )
    .await;
    wait_for(&mut ev, "subject", |e| {
        matches!(e, RoomEvent::SubjectChange { .. })
    })
    .await;
    assert_eq!(room.mucjid().to_string(), room_jid("props"));
    assert!(room.active() && room.joined());
    assert_eq!(room.state(), RoomState::Live);
    let me = room.this_occupant().unwrap();
    assert_eq!(
        (me.nick(), me.role(), me.affiliation()),
        ("Bob", Role::Participant, Affiliation::None)
    );
    assert!(me.is_self());
    assert_eq!(room.subject_text().as_deref(), Some("Topic"));
    assert_eq!(
        room.subject().get(&Lang::new()).map(String::as_str),
        Some("Topic")
    );
    assert_eq!(room.subject_setter().as_deref(), Some("Alice"));
    assert!(!room.autorejoin());
    assert!(aroom.autorejoin(), "autorejoin is on by default");
    assert!(room.password().is_none());
    let nicks: Vec<String> = room
        .occupants()
        .iter()
        .map(|o| o.nick().to_owned())
        .collect();
    assert_eq!(nicks, ["Bob", "Alice"], "the local user comes first");
    assert_eq!(room.occupant_count(), 2);
    assert_eq!(room.occupant("Alice").unwrap().role(), Role::Moderator);
    assert_eq!(room.nick(), "Bob");
    within("leave", room.leave_and_wait()).await.unwrap();
    assert!(!room.joined() && !room.active());
    assert_eq!(room.state(), RoomState::Exited);
    assert_eq!(
        room.this_occupant().unwrap().nick(),
        "Bob",
        "kept after the exit"
    );
}

#[tokio::test]
async fn set_role_grants_revokes_and_kicks() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, _aev, _) = join(&alice, "roles", "Alice").await;
    let (broom, mut bev, _) = join(&bob, "roles", "Bob").await;
    within(
        "op",
        aroom.set_role("Bob", Role::Moderator, Some("trusted")),
    )
    .await
    .unwrap();
    let ev = wait_for(&mut bev, "role change", |e| {
        matches!(e, RoomEvent::RoleChange { .. })
    })
    .await;
    match ev {
        RoomEvent::RoleChange {
            occupant,
            old,
            new,
            cause,
        } => {
            assert!(occupant.is_self());
            assert_eq!((old, new), (Role::Participant, Role::Moderator));
            assert_eq!(cause.reason.as_deref(), Some("trusted"));
        }
        _ => unreachable!(),
    }
    assert_eq!(broom.this_occupant().unwrap().role(), Role::Moderator);
    within("devoice", aroom.set_role("Bob", Role::Visitor, None))
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
    // A visitor may not kick: the server's refusal keeps its condition.
    let err = within("refused kick", broom.kick("Alice", None))
        .await
        .unwrap_err();
    assert!(err.condition().is_some(), "{err:?}");
    // The seed's kick: role none, with a reason.
    within("kick", aroom.kick("Bob", Some("bye bob")))
        .await
        .unwrap();
    let exit = wait_for(&mut bev, "exit", |e| matches!(e, RoomEvent::Exit { .. })).await;
    match exit {
        RoomEvent::Exit { mode, cause, .. } => {
            assert_eq!(mode, LeaveMode::Kicked);
            assert_eq!(cause.reason.as_deref(), Some("bye bob"));
            assert_eq!(cause.actor.and_then(|a| a.nick).as_deref(), Some("Alice"));
        }
        _ => unreachable!(),
    }
    assert!(within("end", bev.next()).await.is_none());
    assert!(!broom.joined());
}

#[tokio::test]
async fn set_affiliation_and_ban() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, mut aev, _) = join(&alice, "affs", "Alice").await;
    let (_broom, mut bev, _) = join(&bob, "affs", "Bob").await;
    within(
        "member",
        aroom.set_affiliation("bob@localhost", Affiliation::Member, Some("welcome")),
    )
    .await
    .unwrap();
    let ev = wait_for(&mut bev, "affiliation", |e| {
        matches!(e, RoomEvent::AffiliationChange { .. })
    })
    .await;
    assert!(matches!(
        ev,
        RoomEvent::AffiliationChange {
            old: Affiliation::None,
            new: Affiliation::Member,
            ..
        }
    ));
    within("ban", aroom.ban("bob@localhost", Some("spam")))
        .await
        .unwrap();
    let exit = wait_for(&mut bev, "banned", |e| matches!(e, RoomEvent::Exit { .. })).await;
    assert!(
        matches!(
            exit,
            RoomEvent::Exit {
                mode: LeaveMode::Banned,
                ..
            }
        ),
        "{exit:?}"
    );
    let leave = wait_for(&mut aev, "bob leaves", |e| {
        matches!(e, RoomEvent::Leave { .. })
    })
    .await;
    match leave {
        RoomEvent::Leave {
            occupant,
            mode,
            cause,
            ..
        } => {
            assert_eq!(occupant.nick(), "Bob");
            assert_eq!(mode, LeaveMode::Banned);
            assert_eq!(cause.reason.as_deref(), Some("spam"));
        }
        _ => unreachable!(),
    }
    // Banned: joining again is refused with `forbidden`.
    let (_r, fut) = bob
        .join(room_jid("affs"), "Bob", JoinOptions::default())
        .unwrap();
    let err = within("refused", fut).await.unwrap_err();
    assert_eq!(err.condition(), Some(&DefinedCondition::Forbidden));
}

#[tokio::test]
async fn service_set_affiliation_without_joining() {
    let server = server(&["alice"]).await;
    server
        .create_room(
            RoomSpec::new("owned", Profile::Prosody)
                .with_affiliation("alice@localhost", muc_testserver::Affiliation::Owner),
        )
        .unwrap();
    let alice = login(&server, "alice").await;
    within(
        "affiliation",
        alice.set_affiliation(
            room_jid("owned"),
            "carol@localhost/phone",
            Affiliation::Member,
            None,
        ),
    )
    .await
    .unwrap();
    let info = server.room("owned").unwrap();
    assert!(
        info.affiliations.contains(&(
            "carol@localhost".to_owned(),
            muc_testserver::Affiliation::Member
        )),
        "{:?}",
        info.affiliations
    );
    // Errors keep the server's condition; a full room JID is refused locally.
    let err = within(
        "not owner",
        alice.set_affiliation(room_jid("nope"), "x@localhost", Affiliation::Member, None),
    )
    .await
    .unwrap_err();
    assert!(err.condition().is_some(), "{err:?}");
    assert!(
        alice
            .set_affiliation(
                format!("{}/x", room_jid("owned")),
                "x@localhost",
                Affiliation::Member,
                None
            )
            .await
            .is_err()
    );
}

#[tokio::test]
async fn set_subject_and_its_refusal() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, _aev, _) = join(&alice, "subj", "Alice").await;
    let (broom, mut bev, _) = join(&bob, "subj", "Bob").await;
    within("subject", aroom.set_subject("Witches' brew"))
        .await
        .unwrap();
    let ev = wait_for(&mut bev, "subject change", |e| {
        matches!(e, RoomEvent::SubjectChange { on_join: false, .. })
    })
    .await;
    match ev {
        RoomEvent::SubjectChange {
            subject,
            setter,
            occupant,
            ..
        } => {
            assert_eq!(
                subject.values().next().map(String::as_str),
                Some("Witches' brew")
            );
            assert_eq!(setter.as_deref(), Some("Alice"));
            assert_eq!(occupant.unwrap().nick(), "Alice");
        }
        _ => unreachable!(),
    }
    assert_eq!(broom.subject_setter().as_deref(), Some("Alice"));
    // Participants may not change it in a Prosody-like room.
    let err = within("refused", broom.set_subject("mine"))
        .await
        .unwrap_err();
    assert_eq!(err.condition(), Some(&DefinedCondition::Forbidden));
    assert_eq!(
        err.text(),
        Some("You are not allowed to change the subject")
    );
}

#[tokio::test]
async fn leave_returns_at_once_and_leave_and_wait_waits() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, mut aev, _) = join(&alice, "bye", "Alice").await;
    let (broom, mut bev, _) = join(&bob, "bye", "Bob").await;
    broom.leave();
    let exit = wait_for(&mut bev, "exit", |e| matches!(e, RoomEvent::Exit { .. })).await;
    assert!(matches!(
        exit,
        RoomEvent::Exit {
            mode: LeaveMode::Normal,
            ..
        }
    ));
    assert!(within("end", bev.next()).await.is_none());
    let leave = wait_for(&mut aev, "leave", |e| matches!(e, RoomEvent::Leave { .. })).await;
    assert!(matches!(
        leave,
        RoomEvent::Leave {
            mode: LeaveMode::Normal,
            ..
        }
    ));
    assert_eq!(aroom.occupants().len(), 1);
    // leave_and_wait: done means out.
    within(
        "leave and wait",
        aroom.leave_with_status(Some("gone fishing")),
    )
    .await
    .unwrap();
    assert!(!aroom.joined());
    // Leaving twice is fine.
    within("again", aroom.leave_and_wait()).await.unwrap();
}

#[tokio::test]
async fn tracked_messages_reach_delivered_to_recipient() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let (room, _ev, _) = join(&alice, "track", "Alice").await;
    // A body ...
    let t = room
        .send_tracked_message("tracked", Some(DEFAULT_TRACKING_TIMEOUT))
        .await
        .unwrap();
    within(
        "server",
        t.wait_for(|s| !matches!(s, TrackerState::InFlight)),
    )
    .await
    .unwrap();
    let done = within("final", t.wait_final()).await.unwrap();
    assert!(
        matches!(
            done,
            TrackerState::DeliveredToRecipient {
                matched_by: MatchedBy::Id,
                stanza_id: Some(_)
            }
        ),
        "{done:?}"
    );
    assert_eq!(t.state(), done);
    // ... or a whole message.
    let m = Message::groupchat(None).with_body(Lang::from("en"), "whole".into());
    let t = room.send_tracked_message(m, None).await.unwrap();
    assert!(matches!(
        within("final", t.wait_final()).await.unwrap(),
        TrackerState::DeliveredToRecipient { .. }
    ));
    // A room that rewrites ids: matched by origin-id instead.
    server.faults().rewrite_reflection_ids(&room_jid("track"));
    let t = room.send_tracked_message("rewritten", None).await.unwrap();
    let done = within("final", t.wait_final()).await.unwrap();
    assert!(
        matches!(
            done,
            TrackerState::DeliveredToRecipient {
                matched_by: MatchedBy::OriginId,
                ..
            }
        ),
        "{done:?}"
    );
}

#[tokio::test]
async fn tracked_message_times_out_or_fails() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let (room, _ev, _) = join(&alice, "lost", "Alice").await;
    server.faults().add(
        Rule::to_client()
            .for_user("alice@localhost")
            .when(predicates::body_is("lost"))
            .then(Action::Drop),
    );
    let t = room
        .send_tracked_message("lost", Some(Duration::from_millis(300)))
        .await
        .unwrap();
    assert_eq!(
        within("final", t.wait_final()).await.unwrap(),
        TrackerState::TimedOut
    );
    // A visitor's message in a moderated room comes back as an error.
    let mut config = muc_client::RoomConfig::new();
    config.set_moderated(true);
    within("moderated", room.set_config(&config)).await.unwrap();
    let bob = login(&server, "bob").await;
    let (broom, _bev, _) = join(&bob, "lost", "Bob").await;
    // An unaffiliated newcomer in a moderated room is a visitor (Prosody).
    assert_eq!(broom.this_occupant().map(|o| o.role()), Some(Role::Visitor));
    let t = broom
        .send_tracked_message("let me speak", None)
        .await
        .unwrap();
    match within("error", t.wait_final()).await.unwrap() {
        TrackerState::Error(e) => assert_eq!(e.condition, DefinedCondition::Forbidden),
        other => panic!("{other:?}"),
    }
    // Leaving ends the open trackers with Unknown.
    let t = room.send_tracked_message("lost", None).await.unwrap();
    room.leave();
    assert_eq!(
        within("unknown", t.wait_final()).await.unwrap(),
        TrackerState::Unknown
    );
}

#[tokio::test]
async fn a_completed_future_implies_the_state() {
    // Whoever awaits a join, a leave, a nick change or a kick sees the
    // state it implies in the getters right away, and the events in the
    // stream already.
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    for round in 0..5 {
        let name = format!("state{round}");
        let (aroom, fut) = alice
            .join(room_jid(&name), "Alice", JoinOptions::default())
            .unwrap();
        let entered = within("join", fut).await.unwrap();
        assert!(
            aroom.joined() && aroom.active(),
            "joined right after the join future"
        );
        assert_eq!(aroom.this_occupant().unwrap().key(), entered.occupant.key());
        if entered.created {
            within("instant", aroom.create_instant()).await.unwrap();
        }
        let (broom, fut) = bob
            .join(room_jid(&name), "Bob", JoinOptions::default())
            .unwrap();
        within("join", fut).await.unwrap();
        assert_eq!(broom.occupants().len(), 2);
        assert_eq!(
            within("nick", broom.set_nick("Robert")).await.unwrap(),
            "Robert"
        );
        assert_eq!(broom.nick(), "Robert");
        let mut bev = broom.events();
        within("kick", aroom.kick("Robert", None)).await.unwrap();
        assert!(
            aroom.occupant("Robert").is_none(),
            "gone right after the kick"
        );
        wait_for(&mut bev, "exit", |e| matches!(e, RoomEvent::Exit { .. })).await;
        assert!(!broom.joined());
        within("leave", aroom.leave_and_wait()).await.unwrap();
        assert!(
            !aroom.joined() && !aroom.active(),
            "out right after leave_and_wait"
        );
        assert!(alice.room(aroom.mucjid()).is_none());
    }
}

#[tokio::test]
async fn occupant_getters_follow_a_busy_room() {
    // The snapshot behind the getters is kept up to date from events (not
    // copied at every step): after joins, nick changes, leaves and a kick
    // it must match the server's own list, in order of arrival.
    let names = ["alice", "bob", "carol", "dave", "eve"];
    let server = server(&names).await;
    let alice = login(&server, "alice").await;
    let (room, mut events, _) = join(&alice, "busy", "Alice").await;
    let mut others = Vec::new();
    for name in &names[1..] {
        let s = login(&server, name).await;
        let (r, _ev, _) = join(&s, "busy", name).await;
        wait_for(&mut events, "join", |e| matches!(e, RoomEvent::Join { .. })).await;
        others.push((s, r));
    }
    let bob_key = room.occupant("bob").expect("bob is listed").key();
    within("rename", others[0].1.set_nick("Robert"))
        .await
        .unwrap();
    wait_for(&mut events, "nick", |e| {
        matches!(e, RoomEvent::NickChange { .. })
    })
    .await;
    within("leave", others[1].1.leave_and_wait()).await.unwrap();
    wait_for(&mut events, "leave", |e| {
        matches!(e, RoomEvent::Leave { .. })
    })
    .await;
    within("kick", room.kick("dave", None)).await.unwrap();
    wait_for(&mut events, "kick", |e| {
        matches!(e, RoomEvent::Leave { .. })
    })
    .await;
    let ours: Vec<String> = room
        .occupants()
        .iter()
        .map(|o| o.nick().to_owned())
        .collect();
    let theirs: Vec<String> = server
        .room("busy")
        .unwrap()
        .occupants
        .iter()
        .map(|(n, _, _)| n.clone())
        .collect();
    assert_eq!(ours, ["Alice", "Robert", "eve"]);
    assert_eq!(ours, theirs);
    assert_eq!(room.occupant_count(), 3);
    assert_eq!(
        room.occupant("Robert").map(|o| o.key()),
        Some(bob_key),
        "renamed, same key"
    );
    assert!(room.occupant("bob").is_none() && room.occupant("carol").is_none());
}
