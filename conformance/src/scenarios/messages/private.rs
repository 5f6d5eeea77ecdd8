//! §7.5 Private messages through the room.

use muc_client::RoomEvent;

use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "messages.private.both_ways",
            "7.5",
            "Private messages through the room reach only their recipient, both ways",
            private_both_ways
        ),
        scenario!(
            "messages.private.unknown_nick",
            "7.5",
            "A private message to a nick nobody has is answered with item-not-found",
            private_unknown_nick
        ),
    ]
}

async fn private_both_ways(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    close_after(&[&alice, &bob, &carol], async {
        let (aroom, mut aev, [(broom, mut bev), (_croom, mut cev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob"), (&carol, "Carol")]).await?;
        let private = |e: &RoomEvent| matches!(e, RoomEvent::PrivateMessage { .. });
        within(
            "the private message",
            aroom.send_private_message("Bob", "psst, Bob"),
        )
        .await??;
        let (nick, occupant, text) = wait_for(&mut bev, "bob's private message", |e| match e {
            RoomEvent::PrivateMessage { nick, occupant, .. } => {
                Some((nick.clone(), occupant.clone(), body(e).map(str::to_owned)))
            }
            _ => None,
        })
        .await?;
        ensure(
            nick == "Alice" && text.as_deref() == Some("psst, Bob"),
            || format!("bob got {text:?} from {nick}"),
        )?;
        ensure(
            occupant.map(|o| o.key()) == broom.occupant("Alice").map(|o| o.key()),
            || "the private message names another occupant than Alice".into(),
        )?;
        within(
            "the answer",
            broom.send_private_message("Alice", "what, Alice?"),
        )
        .await??;
        let (nick, text) = wait_for(&mut aev, "alice's private message", |e| match e {
            RoomEvent::PrivateMessage { nick, .. } => {
                Some((nick.clone(), body(e).map(str::to_owned)))
            }
            _ => None,
        })
        .await?;
        ensure(
            nick == "Bob" && text.as_deref() == Some("what, Alice?"),
            || format!("alice got {text:?} from {nick}"),
        )?;
        // Nobody else, and no groupchat copy.
        expect_quiet(&mut cev, "carol's events", |e| {
            private(e) || matches!(e, RoomEvent::Message { .. })
        })
        .await?;
        expect_quiet(&mut aev, "alice's events", |e| {
            private(e) || matches!(e, RoomEvent::Message { .. })
        })
        .await?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn private_unknown_nick(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    close_after(&[&alice], async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        within(
            "the private message",
            aroom.send_private_message("Nobody", "hello?"),
        )
        .await??;
        let error = wait_for(&mut aev, "an error", |e| match e {
            RoomEvent::Error { error, .. } => Some(error.clone()),
            _ => None,
        })
        .await?;
        ensure(error.condition_name() == "item-not-found", || {
            format!("a private message to nobody was answered with {error}, not item-not-found")
        })?;
        ensure(aroom.active(), || "the error took the room down".into())?;
        Ok(Outcome::Pass)
    })
    .await
}
