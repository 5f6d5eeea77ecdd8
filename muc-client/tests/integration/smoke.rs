use crate::common::*;
use muc_client::RoomEvent;

#[tokio::test]
async fn two_clients_talk() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let (ar, mut aev, entered) = join(&alice, "smoke", "Alice").await;
    assert!(entered.created);
    let (br, mut bev, _) = join(&bob, "smoke", "Bob").await;
    let t = ar.send_tracked_message("hello", None).await.unwrap();
    let st = within("tracker", t.wait_final()).await.unwrap();
    println!("tracker: {st:?}");
    let m = wait_for(&mut bev, "hello at bob", is_message_with("hello")).await;
    println!("bob got {m:?}");
    let all = collect_until(&mut aev, "alice sees hello", is_message_with("hello")).await;
    for e in &all {
        println!("alice: {e:?}");
    }
    assert!(matches!(all[0], RoomEvent::Enter { .. }));
    assert_eq!(ar.occupants().len(), 2);
    assert_eq!(br.occupants()[0].nick(), "Bob");
    br.leave_and_wait().await.unwrap();
    alice.close().await;
}

#[tokio::test]
async fn text_with_control_characters_is_refused_not_a_crash() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let (room, _ev, _) = join(&alice, "nul", "Alice").await;
    let err = within("send", room.send_message("a\u{0}b")).await;
    assert!(err.is_err(), "{err:?}");
    let err = within("subject", room.set_subject("bell\u{7}")).await;
    assert!(err.is_err(), "{err:?}");
    // The service still works.
    let t = within("send", room.send_tracked_message("fine", None))
        .await
        .expect("sent");
    assert!(matches!(
        within("final", t.wait_final()).await,
        Ok(muc_client::TrackerState::DeliveredToRecipient { .. })
    ));
}
