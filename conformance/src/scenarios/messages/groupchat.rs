//! §7.4 Messages to all occupants: reflection, tracking, order, and a
//! visitor's refused message.

use muc_client::{MatchedBy, Role, RoomEvent, TrackerState};

use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "messages.groupchat.reflected",
            "7.4",
            "A groupchat message reaches every occupant, the sender included, from its nick",
            groupchat_reflected
        ),
        scenario!(
            "messages.groupchat.tracked",
            "7.4",
            "A tracked message reaches DeliveredToRecipient, matched by its reflected id",
            groupchat_tracked
        ),
        scenario!(
            "messages.groupchat.order",
            "7.4",
            "Twenty messages sent back to back arrive in order, each once",
            groupchat_order
        ),
        scenario!(
            "messages.groupchat.visitor_refused",
            "7.4",
            "A visitor's message in a moderated room is refused (forbidden), not reflected",
            visitor_refused
        ),
    ]
}

async fn groupchat_reflected(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    close_after(&[&alice, &bob, &carol], async {
        let (aroom, mut aev, [(broom, mut bev), (croom, mut cev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob"), (&carol, "Carol")]).await?;
        within("the message", broom.send_message("Fair is foul")).await??;
        for (who, room, events) in [
            ("alice", &aroom, &mut aev),
            ("bob", &broom, &mut bev),
            ("carol", &croom, &mut cev),
        ] {
            let (nick, occupant, source) =
                wait_for(events, &format!("{who} to get the message"), |e| match e {
                    RoomEvent::Message {
                        nick,
                        occupant,
                        source,
                        ..
                    } if is_message(e, "Fair is foul") => {
                        Some((nick.clone(), occupant.clone(), *source))
                    }
                    _ => None,
                })
                .await?;
            let bob_key = room.occupant("Bob").map(|o| o.key());
            ensure(nick.as_deref() == Some("Bob"), || {
                format!("{who} got it from {nick:?}")
            })?;
            ensure(source == muc_client::MessageSource::Live, || {
                format!("{who} got it as {source:?}")
            })?;
            ensure(
                occupant.as_ref().map(|o| o.key()) == bob_key && bob_key.is_some(),
                || format!("{who}'s message names occupant {occupant:?}"),
            )?;
            ensure(
                occupant.as_ref().is_some_and(|o| o.is_self()) == (who == "bob"),
                || format!("{who}: is_self of the sender is wrong"),
            )?;
            expect_quiet(events, &format!("{who}'s events"), |e| {
                is_message(e, "Fair is foul")
            })
            .await?;
        }
        Ok(Outcome::Pass)
    })
    .await
}

async fn groupchat_tracked(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (_aroom, mut aev, [(broom, mut bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        let tracker = broom.send_tracked_message("tracked one", Some(WAIT)).await?;
        let state = within("the final state", tracker.wait_final()).await??;
        match &state {
            TrackerState::DeliveredToRecipient { matched_by, .. } => {
                ensure(*matched_by == MatchedBy::Id, || {
                    format!("the reflection was recognized by {matched_by:?}, not by its id (§7.4: SHOULD keep the id)")
                })?;
            }
            other => return Err(format!("the tracker ended as {other:?}").into()),
        }
        ensure(tracker.is_final() && tracker.state() == state, || {
            format!("the tracker says {:?}", tracker.state())
        })?;
        // The tracker's events: delivered to the server, then to the room.
        let states: Vec<TrackerState> = collect_until(&mut bev, "the tracker's last event", |e| {
            matches!(e, RoomEvent::Tracker { state, .. } if state.is_final())
        })
        .await?
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::Tracker { id, state } if id == tracker.id() => Some(state),
            _ => None,
        })
        .collect();
        ensure(
            matches!(
                states.as_slice(),
                [TrackerState::DeliveredToServer, TrackerState::DeliveredToRecipient { .. }]
            ),
            || format!("tracker events: {states:?}"),
        )?;
        wait_for(&mut aev, "alice to get it", |e| {
            is_message(e, "tracked one").then_some(())
        })
        .await?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn groupchat_order(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (_aroom, mut aev, [(broom, _bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        let texts: Vec<String> = (1..=20).map(|i| format!("line {i:02}")).collect();
        for t in &texts {
            within("a message", broom.send_message(t.as_str())).await??;
        }
        let mut got = Vec::new();
        while got.len() < texts.len() {
            let text = wait_for(&mut aev, "the next line", |e| match e {
                RoomEvent::Message { .. } => body(e).map(str::to_owned),
                _ => None,
            })
            .await?;
            got.push(text);
        }
        ensure(got == texts, || format!("alice got {got:?}"))?;
        expect_quiet(&mut aev, "alice's events", |e| {
            matches!(e, RoomEvent::Message { .. })
        })
        .await?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn visitor_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_moderated(true);
        })
        .await?;
        let (broom, mut bev, entered) = join(&bob, aroom.mucjid(), "Bob").await?;
        // Unaffiliated users enter a moderated room as visitors (§5.1.3);
        // where the server made bob a participant, take his voice.
        if entered.occupant.role() != Role::Visitor {
            set_role_and_wait("the devoicing", &aroom, "Bob", Role::Visitor, &mut bev).await?;
        }
        let tracker = broom
            .send_tracked_message("may I speak?", Some(WAIT))
            .await?;
        let state = within("the final state", tracker.wait_final()).await??;
        match &state {
            TrackerState::Error(e) => ensure(e.condition_name() == "forbidden", || {
                format!("refused with {e}, not forbidden")
            })?,
            other => return Err(format!("a visitor's message ended as {other:?}").into()),
        }
        expect_quiet(&mut aev, "alice's events", |e| {
            is_message(e, "may I speak?")
        })
        .await?;
        Ok(Outcome::Pass)
    })
    .await
}
