//! §7.14 Exiting a room: the self-presence, what the others see, a status
//! text, rejoining, the end of a temporary room, and leaving by going
//! offline.

use muc_client::{JoinOptions, LeaveMode, Role, RoomEvent, RoomState, StatusCode, UsageError};

use super::support::*;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "exit.leave.self",
            "7.14",
            "Leaving: the room confirms with 110, the room is dead afterwards",
            leave_self
        ),
        scenario!(
            "exit.leave.seen_by_others",
            "7.14",
            "The others see the leave, with role none, and drop the occupant",
            leave_seen_by_others
        ),
        scenario!(
            "exit.leave.status_text",
            "7.14",
            "A leave with a status text shows the text to the others",
            leave_status_text
        ),
        scenario!(
            "exit.leave.rejoin",
            "7.14",
            "After leaving, entering again works and the others see a new join",
            leave_rejoin
        ),
        scenario!(
            "exit.leave.last_occupant",
            "7.14",
            "A temporary room is destroyed when its last occupant leaves",
            last_occupant
        ),
        scenario!(
            "exit.offline.close",
            "7.14",
            "Closing the session (unavailable presence) takes the user out of every room",
            offline_close
        ),
        scenario!(
            "exit.offline.connection_lost",
            "7.14",
            "A lost connection without autorejoin: the user exits; the server removes the occupant",
            connection_lost
        ),
    ]
}

async fn leave_self(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (_aroom, _aev, [(broom, mut bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        within("the leave", broom.leave_and_wait()).await??;
        ensure(
            !broom.joined() && broom.state() == RoomState::Exited,
            || format!("after the leave the room is {:?}", broom.state()),
        )?;
        let removed = wait_exit(&mut bev).await?;
        ensure(removed.mode == LeaveMode::Normal, || {
            format!("left with mode {:?}", removed.mode)
        })?;
        ensure(removed.status.contains(&StatusCode::SELF_PRESENCE), || {
            format!(
                "the unavailable self-presence has no 110: {:?}",
                removed.status
            )
        })?;
        // The stream ends after the exit.
        let rest = drain(&mut bev).await;
        ensure(rest.is_empty(), || {
            format!("events after the exit: {}", summarize(&rest))
        })?;
        let err = within("a message after leaving", broom.send_message("still here?"))
            .await?
            .err()
            .ok_or("sending in a room we left succeeded")?;
        ensure(
            matches!(err, muc_client::Error::Usage(UsageError::NotJoined(_))),
            || format!("sending after the exit failed with {err:?}, not NotJoined"),
        )?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn leave_seen_by_others(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    close_after(&[&alice, &bob, &carol], async {
        let (aroom, mut aev, [(broom, _bev), (croom, mut cev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob"), (&carol, "Carol")]).await?;
        let alice_key = aroom.occupant("Bob").ok_or("alice does not see bob")?.key();
        let carol_key = croom.occupant("Bob").ok_or("carol does not see bob")?.key();
        within("the leave", broom.leave_and_wait()).await??;
        for (who, room, events, key) in [
            ("alice", &aroom, &mut aev, alice_key),
            ("carol", &croom, &mut cev, carol_key),
        ] {
            let (occupant, mode) =
                wait_for(events, &format!("{who} to see bob leave"), |e| match e {
                    RoomEvent::Leave { occupant, mode, .. } if occupant.nick() == "Bob" => {
                        Some((occupant.clone(), *mode))
                    }
                    _ => None,
                })
                .await?;
            ensure(mode == LeaveMode::Normal, || {
                format!("{who} saw mode {mode:?}")
            })?;
            ensure(
                occupant.role() == Role::None && !occupant.available() && occupant.key() == key,
                || format!("{who} saw bob leave as {occupant:?}"),
            )?;
            ensure(
                room.occupant("Bob").is_none() && room.occupant_count() == 2,
                || format!("{who}'s occupants after the leave: {:?}", nicks(room)),
            )?;
            expect_quiet(events, &format!("{who}'s events"), |e| {
                matches!(e, RoomEvent::Leave { .. } | RoomEvent::Join { .. })
            })
            .await?;
        }
        Ok(Outcome::Pass)
    })
    .await
}

async fn leave_status_text(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice_proxy = TcpProxy::start(ctx).await?;
    let bob_proxy = TcpProxy::start(ctx).await?;
    let alice = connect_via(ctx, "alice", alice_proxy.addr()).await?;
    let bob = connect_via(ctx, "bob", bob_proxy.addr()).await?;
    close_after(&[&alice, &bob], async {
        let (_aroom, mut aev, [(broom, _bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        within("the leave", broom.leave_with_status(Some("gone fishing"))).await??;
        let occupant = wait_for(&mut aev, "bob to leave", |e| match e {
            RoomEvent::Leave { occupant, .. } if occupant.nick() == "Bob" => Some(occupant.clone()),
            _ => None,
        })
        .await?;
        // A leave presence from bob and its broadcast to alice, as on the wire.
        let sent = bob_proxy
            .sent()
            .into_iter()
            .rfind(|s| {
                stanza_name(s) == "presence" && stanza_attr(s, "type") == Some("unavailable")
            })
            .unwrap_or_default();
        let seen = alice_proxy
            .received()
            .into_iter()
            .rfind(|s| {
                stanza_name(s) == "presence"
                    && stanza_attr(s, "type") == Some("unavailable")
                    && stanza_attr(s, "from").is_some_and(|f| f.ends_with("/Bob"))
            })
            .unwrap_or_default();
        ensure(occupant.status() == Some("gone fishing"), || {
            format!(
                "alice saw bob leave with status {:?}; bob sent {sent} and alice received {seen}",
                occupant.status()
            )
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn leave_rejoin(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev, [(broom, _bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        let first_key = aroom.occupant("Bob").ok_or("alice does not see bob")?.key();
        within("the leave", broom.leave_and_wait()).await??;
        wait_leave(&mut aev, "Bob").await?;
        let (again, _ev, entered) = join(&bob, aroom.mucjid(), "Bob").await?;
        ensure(!entered.created, || "the room was created anew".into())?;
        ensure(
            again.occupant_count() == 2 && again.occupant("Alice").is_some(),
            || format!("bob's occupants after rejoining: {:?}", nicks(&again)),
        )?;
        let back = wait_for(&mut aev, "bob to come back", |e| match e {
            RoomEvent::Join { occupant } if occupant.nick() == "Bob" => Some(occupant.key()),
            _ => None,
        })
        .await?;
        ensure(back != first_key, || {
            "a new visit reused the key of the last one".into()
        })?;
        ensure(!broom.joined(), || {
            "the old handle came back to life".into()
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn last_occupant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    close_after(&[&alice], async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_persistent(false);
        })
        .await?;
        let jid = aroom.mucjid().clone();
        within("the leave", aroom.leave_and_wait()).await??;
        // The room is gone: entering creates it again.
        let (again, _ev, entered) = join(&alice, &jid, "Alice").await?;
        ensure(
            entered.created && entered.status.contains(&StatusCode::ROOM_CREATED),
            || {
                format!(
                    "entering the emptied temporary room did not create it: {:?}",
                    entered.status
                )
            },
        )?;
        within("the instant room", again.create_instant()).await??;
        Ok(Outcome::Pass)
    })
    .await
}

async fn offline_close(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom1, mut aev1, _) = room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        let (aroom2, mut aev2, _) = room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        bob.close().await;
        for (room, events) in [(&aroom1, &mut aev1), (&aroom2, &mut aev2)] {
            wait_leave(events, "Bob").await?;
            ensure(room.occupant_count() == 1, || {
                format!("{} still has {:?}", room.mucjid(), nicks(room))
            })?;
        }
        Ok(Outcome::Pass)
    })
    .await
}

async fn connection_lost(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, mut bev, _) = join_with(
            &bob,
            aroom.mucjid(),
            "Bob",
            JoinOptions::default().autorejoin(false),
        )
        .await?;
        wait_join(&mut aev, "bob's join", "Bob").await?;
        proxy.cut();
        let removed = wait_exit(&mut bev).await?;
        ensure(removed.mode == LeaveMode::Disconnected, || {
            format!(
                "bob's room exited with {:?}, not Disconnected",
                removed.mode
            )
        })?;
        ensure(!broom.joined(), || "bob's room is still joined".into())?;
        // The server notices the connection is gone and tells the others.
        wait_leave(&mut aev, "Bob").await?;
        ensure(aroom.occupant_count() == 1, || {
            format!("alice still sees {:?}", nicks(&aroom))
        })?;
        // Bob's session comes back without rejoining the room.
        bob.wait_online(WAIT).await?;
        expect_quiet(&mut aev, "alice's events", |e| {
            matches!(e, RoomEvent::Join { .. })
        })
        .await?;
        Ok(Outcome::Pass)
    })
    .await
}
