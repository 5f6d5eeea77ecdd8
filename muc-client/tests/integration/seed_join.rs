//! The seed's `Service.join`: the room and its events before the join
//! returns, password, history, the two usage errors, deferred joins.

use std::time::Duration;

use futures::StreamExt;
use muc_client::xmpp_parsers::stanza_error::DefinedCondition;
use muc_client::{
    Error, History, JoinError, JoinOptions, MessageSource, RoomEvent, RoomState, Service,
    ServiceOptions, UsageError,
};
use muc_testserver::{Profile, RoomSpec};

use crate::common::*;

#[tokio::test]
async fn join_returns_room_and_future_and_no_event_is_missed() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let (room, joined) = alice
        .join(room_jid("first"), "Alice", JoinOptions::default())
        .unwrap();
    // The room exists before the join completes.
    assert_eq!(room.mucjid().to_string(), room_jid("first"));
    assert_eq!(room.state(), RoomState::Joining);
    assert!(!room.joined() && !room.active());
    let entered = within("join", joined).await.unwrap();
    assert!(entered.created);
    assert_eq!(entered.occupant.nick(), "Alice");
    // Taking the stream only now still yields everything since the join.
    let mut events = room.events();
    let first = within("first event", events.next()).await.unwrap();
    assert!(
        matches!(first, RoomEvent::Enter { created: true, .. }),
        "{first:?}"
    );
    assert!(room.joined() && room.active());
}

#[tokio::test]
async fn second_join_and_non_bare_jid_are_errors() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let (_room, _events, _) = join(&alice, "twice", "Alice").await;
    assert_eq!(alice.rooms().len(), 1);
    let again = alice.join(room_jid("twice"), "Other", JoinOptions::default());
    assert!(
        matches!(again, Err(Error::Usage(UsageError::AlreadyJoined(_)))),
        "{again:?}"
    );
    let full = alice.join(
        format!("{}/nick", room_jid("x")),
        "Alice",
        JoinOptions::default(),
    );
    assert!(
        matches!(full, Err(Error::Usage(UsageError::NotBare(_)))),
        "{full:?}"
    );
    let domain = alice.join("conference.localhost", "Alice", JoinOptions::default());
    assert!(matches!(domain, Err(Error::Usage(UsageError::NotBare(_)))));
    let bad_nick = alice.join(room_jid("y"), "", JoinOptions::default());
    assert!(matches!(
        bad_nick,
        Err(Error::Usage(UsageError::BadNick(_)))
    ));
    // A room that is gone can be joined again.
    let room = alice
        .room(&room_jid("twice").parse().unwrap())
        .expect("registered");
    within("leave", room.leave_and_wait()).await.unwrap();
    assert!(alice.room(&room_jid("twice").parse().unwrap()).is_none());
    let (_r, _e, entered) = join(&alice, "twice", "Alice").await;
    assert_eq!(entered.occupant.nick(), "Alice");
}

#[tokio::test]
async fn join_with_password() {
    let server = server(&["alice", "bob"]).await;
    server
        .create_room(
            RoomSpec::new("secret", Profile::Prosody)
                .with_config(|c| c.password = Some("s3cret".into())),
        )
        .unwrap();
    let bob = login(&server, "bob").await;
    // Without the password: refused, with the condition and text kept.
    let (_r, fut) = bob
        .join(room_jid("secret"), "Bob", JoinOptions::default())
        .unwrap();
    let err = within("refused join", fut).await.unwrap_err();
    assert_eq!(
        err.condition(),
        Some(&DefinedCondition::NotAuthorized),
        "{err:?}"
    );
    assert!(matches!(err, Error::Join(JoinError::Refused(_))));
    // The failed room is gone from the registry: join again, with it.
    let (room, fut) = bob
        .join(
            room_jid("secret"),
            "Bob",
            JoinOptions::default().password("s3cret"),
        )
        .unwrap();
    within("join", fut).await.unwrap();
    assert_eq!(
        room.password().map(|p| p.expose().to_owned()).as_deref(),
        Some("s3cret")
    );
    // ... and it never shows in Debug output.
    assert!(!format!("{:?}", room.password()).contains("s3cret"));
    assert!(!format!("{:?}", JoinOptions::default().password("s3cret")).contains("s3cret"));
}

#[tokio::test]
async fn join_with_history_limit() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let (room, _ev, _) = join(&alice, "hist", "Alice").await;
    for text in ["one", "two", "three"] {
        let t = room.send_tracked_message(text, None).await.unwrap();
        within("reflection", t.wait_final()).await.unwrap();
    }
    let bob = login(&server, "bob").await;
    let (_br, mut bev, _) = join_with(
        &bob,
        "hist",
        "Bob",
        JoinOptions::default().history(History::new().with_maxstanzas(2)),
    )
    .await;
    let seen = collect_until(&mut bev, "subject", |e| {
        matches!(e, RoomEvent::SubjectChange { .. })
    })
    .await;
    let history: Vec<String> = seen
        .iter()
        .filter(|e| {
            matches!(
                e,
                RoomEvent::Message {
                    source: MessageSource::History,
                    ..
                }
            )
        })
        .filter_map(body)
        .collect();
    assert_eq!(history, ["two", "three"]);
}

#[tokio::test]
async fn join_while_offline_waits_for_the_stream() {
    // An application-owned stream that is not up yet.
    let server = server(&["alice"]).await;
    let (service, link) = Service::application_owned(ServiceOptions::default());
    let (inbound, outbound) = link.split();
    let (room, fut) = service
        .join(room_jid("later"), "Alice", JoinOptions::default())
        .unwrap();
    let mut events = room.events();
    // Nothing is sent while offline.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(room.state(), RoomState::Joining);
    // Now bring a real stream up and pipe it through.
    let pump = crate::transports::pipe(&server, "alice", inbound, outbound).await;
    let entered = within("deferred join", fut).await.unwrap();
    assert!(entered.created);
    assert!(matches!(events.next().await, Some(RoomEvent::Enter { .. })));
    service.close().await;
    pump.abort();
}

#[tokio::test]
async fn join_while_offline_gives_up_after_its_timeout() {
    let (service, _link) = Service::application_owned(ServiceOptions::default());
    let (room, fut) = service
        .join(
            room_jid("never"),
            "Alice",
            JoinOptions::default().timeout(Duration::from_millis(200)),
        )
        .unwrap();
    let mut events = room.events();
    let err = within("offline join timeout", fut).await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(matches!(
        events.next().await,
        Some(RoomEvent::JoinFailed { .. })
    ));
    assert!(within("stream end", events.next()).await.is_none());
    assert_eq!(room.state(), RoomState::Exited);
    assert!(service.room(room.mucjid()).is_none());
}

#[tokio::test]
async fn leaving_while_joining_cancels_the_join() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    // The room never answers the join presence.
    server.faults().add(
        muc_testserver::Rule::from_client()
            .for_user("alice@localhost")
            .when(muc_testserver::predicates::is_presence)
            .times(1)
            .then(muc_testserver::Action::Drop),
    );
    let (room, fut) = alice
        .join(room_jid("cancel"), "Alice", JoinOptions::default())
        .unwrap();
    room.leave();
    let err = within("cancelled", fut).await.unwrap_err();
    assert_eq!(err, Error::Join(JoinError::Cancelled));
    assert!(alice.room(room.mucjid()).is_none());
}

#[tokio::test]
async fn a_dead_room_handle_leaves_the_new_room_alone() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let (old, _ev, _) = join(&alice, "again", "Alice").await;
    within("leave", old.leave_and_wait()).await.unwrap();
    let (new, mut events, _) = join(&alice, "again", "Alice").await;
    // The old handle is dead: its actions are refused, even though a room
    // with the same JID is joined again ...
    let err = within("refused", old.send_message("from the past"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Usage(UsageError::NotJoined(_))),
        "{err:?}"
    );
    old.leave();
    within("old leave_and_wait", old.leave_and_wait())
        .await
        .unwrap();
    // ... and the new room is untouched.
    expect_none(&mut events, Duration::from_millis(200), |e| {
        matches!(e, RoomEvent::Exit { .. })
    })
    .await;
    assert!(new.joined() && !old.joined());
    within("works", new.send_message("from now")).await.unwrap();
    wait_for(&mut events, "message", is_message_with("from now")).await;
}
