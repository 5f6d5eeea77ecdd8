//! §7.1, §7.2.1, §7.2.10, §10.1.1 Entering: an existing room, the order of
//! the join sequence, creating a room by entering it, and the locked new
//! room.

use muc_client::{Affiliation, JoinOptions, MessageSource, Role, RoomEvent, StatusCode};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "enter.basic",
            "7.2.1",
            "A second user enters an existing room; both see each other",
            basic
        ),
        scenario!(
            "enter.order",
            "7.1",
            "Entering: occupants, then self-presence, history, subject, live traffic",
            order
        ),
        scenario!(
            "enter.create.status_201",
            "10.1.1",
            "Entering a room that does not exist creates it: 201 and 110, owner and moderator",
            create_201
        ),
        scenario!(
            "enter.locked",
            "7.2.10",
            "A new room is locked (item-not-found for others) until its owner configures it",
            locked
        ),
    ]
}

async fn basic(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
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

/// Where an event sits in the join sequence of §7.1.
fn phase(e: &RoomEvent) -> Option<(u8, String)> {
    match e {
        RoomEvent::Join { occupant } => Some((0, format!("join {}", occupant.nick()))),
        RoomEvent::Enter { .. } => Some((1, "self-presence".into())),
        RoomEvent::Message {
            source: MessageSource::History,
            ..
        } => Some((2, format!("history {:?}", body(e)))),
        RoomEvent::SubjectChange { on_join: true, .. } => Some((3, "subject".into())),
        RoomEvent::Message {
            source: MessageSource::Live,
            ..
        } => Some((4, format!("live {:?}", body(e)))),
        _ => None,
    }
}

async fn order(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    close_after(&[&alice, &bob, &carol], async {
        let (aroom, mut aev, guests) =
            room_with_guests(ctx, &alice, "Alice", [(&carol, "Carol")]).await?;
        drop(guests);
        within("the subject", aroom.set_subject("The order of things")).await??;
        say(&aroom, "said before").await?;
        let (broom, joined) = bob.join(aroom.mucjid().to_string().as_str(), "Bob", JoinOptions::default())?;
        let mut bev = broom.events();
        within("bob's entry", joined).await??;
        let mut seen = collect_until(&mut bev, "the subject", |e| {
            matches!(e, RoomEvent::SubjectChange { on_join: true, .. })
        })
        .await?;
        wait_join(&mut aev, "bob's join", "Bob").await?;
        say(&aroom, "said after").await?;
        seen.extend(
            collect_until(&mut bev, "the live message", |e| {
                is_message(e, "said after")
            })
            .await?,
        );
        let phases: Vec<(u8, String)> = seen.iter().filter_map(phase).collect();
        let names: Vec<&str> = phases.iter().map(|(_, n)| n.as_str()).collect();
        ensure(phases.windows(2).all(|w| w[0].0 <= w[1].0), || {
            format!("out of the order of §7.1: {names:?}")
        })?;
        let count = |p: u8| phases.iter().filter(|(q, _)| *q == p).count();
        ensure(
            count(0) == 2 && count(1) == 1 && count(2) == 1 && count(3) == 1 && count(4) == 1,
            || format!("expected joins of Alice and Carol, self, one history message, the subject, one live message: {names:?}"),
        )?;
        let mut others: Vec<String> = nicks(&broom).into_iter().skip(1).collect();
        others.sort();
        ensure(others == ["Alice", "Carol"], || {
            format!("bob's occupants besides himself: {others:?}")
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn create_201(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    close_after(&[&alice], async {
        let jid = ctx.fresh_room();
        let (room, mut events, entered) = join(&alice, &jid, "Alice").await?;
        ensure(entered.created, || "the entry did not say created".into())?;
        ensure(
            entered.status.contains(&StatusCode::ROOM_CREATED)
                && entered.status.contains(&StatusCode::SELF_PRESENCE),
            || format!("expected 201 and 110, got {:?}", entered.status),
        )?;
        let me = &entered.occupant;
        ensure(
            me.affiliation() == Affiliation::Owner && me.role() == Role::Moderator,
            || {
                format!(
                    "the creator is {:?}/{:?}, not owner/moderator",
                    me.affiliation(),
                    me.role()
                )
            },
        )?;
        let enter = wait_for(&mut events, "the Enter event", |e| match e {
            RoomEvent::Enter { created, .. } => Some(*created),
            _ => None,
        })
        .await?;
        ensure(enter, || "the Enter event did not say created".into())?;
        within("the instant room", room.create_instant()).await??;
        ensure(room.joined() && room.active(), || {
            format!("after creation the room is {:?}", room.state())
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn locked(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let jid = ctx.fresh_room();
        let (aroom, _aev, entered) = join(&alice, &jid, "Alice").await?;
        ensure(entered.created, || {
            "the room was not created (no 201)".into()
        })?;
        // Bob knocks while the owner has not configured the room yet.
        let (early, joined) = bob.join(jid.to_string().as_str(), "Bob", JoinOptions::default())?;
        let outcome = match within("bob's early join", joined).await? {
            Err(e) => {
                let condition = e.server_error().map(|s| s.condition_name());
                ensure(condition == Some("item-not-found"), || {
                    format!("a locked room refused with {e}, not item-not-found")
                })?;
                Outcome::Pass
            }
            Ok(_) if ctx.backend() == Backend::Ejabberd => {
                within("bob's leave", early.leave_and_wait()).await??;
                Outcome::differs(
                    "ejabberd 23.01 never locks a new room: bob entered before the owner \
                     configured it, where §7.2.10/§10.1.1 require item-not-found \
                     (processone/ejabberd#1799)",
                )
            }
            Ok(entered) => {
                return Err(format!(
                    "bob entered a locked room (status {:?}) instead of item-not-found",
                    entered.status
                )
                .into());
            }
        };
        // Once configured, the room opens.
        within("the instant room", aroom.create_instant()).await??;
        let (_broom, _bev, entered) = join(&bob, &jid, "Bob").await?;
        ensure(!entered.created, || "bob's entry said 201".into())?;
        Ok(outcome)
    })
    .await
}
