//! §7.2 Entering a room.

use muc_client::{RoomEvent, StatusCode};

use super::support::*;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![scenario!(
        "enter.basic",
        "7.2.1",
        "A second user enters an existing room; both see each other",
        basic
    )]
}

async fn basic(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (room_a, mut ev_a) = create_room(ctx, &alice, "Alice").await?;
    let (room_b, _ev_b, entered) = join(&bob, room_a.mucjid(), "Bob").await?;
    if !entered.status.contains(&StatusCode::SELF_PRESENCE) {
        return Ok(Outcome::fail(format!(
            "no 110 in the self-presence: {:?}",
            entered.status
        )));
    }
    let joined = wait_for(&mut ev_a, "Bob's join", |e| match e {
        RoomEvent::Join { occupant } => Some(occupant.nick().to_owned()),
        _ => None,
    })
    .await?;
    if joined != "Bob" {
        return Ok(Outcome::fail(format!("alice saw {joined} join")));
    }
    let nicks: Vec<String> = room_b
        .occupants()
        .iter()
        .map(|o| o.nick().to_owned())
        .collect();
    if nicks != ["Bob", "Alice"] {
        return Ok(Outcome::fail(format!("bob's occupant list: {nicks:?}")));
    }
    alice.close().await;
    bob.close().await;
    Ok(Outcome::Pass)
}
