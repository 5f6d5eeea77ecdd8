//! The seed's signals as `RoomEvent`s, with their occupant, actor and
//! reason. (Exit, Leave, RoleChange and AffiliationChange with actor and
//! reason are also checked in `seed_room`; Suspend and Resume in
//! `resilience`.)

use muc_client::xmpp_parsers::presence::Show;
use muc_client::{MessageSource, RoomEvent};

use crate::common::*;

/// The kind of an event, for comparing sequences.
fn kind(e: &RoomEvent) -> String {
    match e {
        RoomEvent::Enter { .. } => "enter".into(),
        RoomEvent::Join { occupant } => format!("join {}", occupant.nick()),
        RoomEvent::Message { source, .. } => {
            format!("message {source:?} {}", body(e).unwrap_or_default())
        }
        RoomEvent::SubjectChange { on_join, .. } => format!("subject on_join={on_join}"),
        other => format!("{other:?}")
            .split([' ', '{'])
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

#[tokio::test]
async fn on_join_enter_message_history_and_subject() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (aroom, mut aev, _) = join(&alice, "signals", "Alice").await;
    for text in ["h1", "h2"] {
        let t = aroom.send_tracked_message(text, None).await.unwrap();
        within("reflection", t.wait_final()).await.unwrap();
    }
    let (broom, mut bev, _) = join(&bob, "signals", "Bob").await;
    let seen = collect_until(&mut bev, "subject", |e| {
        matches!(e, RoomEvent::SubjectChange { .. })
    })
    .await;
    let kinds: Vec<String> = seen.iter().map(kind).collect();
    assert_eq!(
        kinds,
        [
            "join Alice",
            "enter",
            "message History h1",
            "message History h2",
            "subject on_join=true"
        ]
    );
    // on_join at alice's: the occupant tracks bob.
    let ev = wait_for(&mut aev, "bob joins", |e| {
        matches!(e, RoomEvent::Join { .. })
    })
    .await;
    let RoomEvent::Join { occupant } = ev else {
        unreachable!()
    };
    assert_eq!(occupant.nick(), "Bob");
    assert!(!occupant.is_self());
    // on_message, live, with the sender's occupant; also for our own.
    broom.send_message("live").await.unwrap();
    for events in [&mut aev, &mut bev] {
        let ev = wait_for(events, "live message", is_message_with("live")).await;
        match ev {
            RoomEvent::Message {
                occupant,
                nick,
                source,
                ..
            } => {
                assert_eq!(source, MessageSource::Live);
                assert_eq!(nick.as_deref(), Some("Bob"));
                assert_eq!(occupant.unwrap().nick(), "Bob");
            }
            _ => unreachable!(),
        }
    }
}

#[tokio::test]
async fn on_status_change_and_on_nick_change() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (_aroom, mut aev, _) = join(&alice, "status", "Alice").await;
    let (broom, mut bev, _) = join(&bob, "status", "Bob").await;
    let joined = wait_for(&mut aev, "bob joins", |e| {
        matches!(e, RoomEvent::Join { .. })
    })
    .await;
    let RoomEvent::Join { occupant: bob_then } = joined else {
        unreachable!()
    };
    within(
        "presence",
        broom.set_presence(Some(Show::Away), Some("brb")),
    )
    .await
    .unwrap();
    let ev = wait_for(&mut aev, "status change", |e| {
        matches!(e, RoomEvent::StatusChange { .. })
    })
    .await;
    let RoomEvent::StatusChange { occupant } = ev else {
        unreachable!()
    };
    assert_eq!(occupant.nick(), "Bob");
    assert_eq!(occupant.show(), Some(&Show::Away));
    assert_eq!(occupant.status(), Some("brb"));
    // Our own status change is reported too.
    wait_for(&mut bev, "own status change", |e| {
        matches!(e, RoomEvent::StatusChange { .. })
    })
    .await;
    // on_nick_change: the same occupant (same key), renamed.
    let new = within("nick", broom.set_nick("Bobby")).await.unwrap();
    assert_eq!(new, "Bobby");
    let ev = wait_for(&mut aev, "nick change", |e| {
        matches!(e, RoomEvent::NickChange { .. })
    })
    .await;
    let RoomEvent::NickChange { occupant, old, new } = ev else {
        unreachable!()
    };
    assert_eq!((old.as_str(), new.as_str()), ("Bob", "Bobby"));
    assert_eq!(occupant.key(), bob_then.key());
    let ev = wait_for(&mut bev, "own nick change", |e| {
        matches!(e, RoomEvent::NickChange { .. })
    })
    .await;
    assert!(matches!(ev, RoomEvent::NickChange { occupant, .. } if occupant.is_self()));
    assert_eq!(broom.nick(), "Bobby");
    assert_eq!(broom.this_occupant().unwrap().nick(), "Bobby");
}
