//! §10.9 Destroying a room: what every occupant gets, what is left, and who
//! may.

use muc_client::{Destruction, LeaveMode, RoomEvent};

use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "owner.destroy.occupied",
            "10.9",
            "Destroying a room: every occupant gets its own Exit with the venue and reason; the room is gone",
            destroy_occupied
        ),
        scenario!(
            "owner.destroy.non_owner_refused",
            "10.9",
            "A participant or an admin may not destroy the room (forbidden)",
            destroy_non_owner_refused
        ),
    ]
}

async fn destroy_occupied(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, mut ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    let venue: muc_client::jid::Jid = ctx.fresh_room().into();
    let how = Destruction {
        alternate_venue: Some(venue.clone()),
        reason: Some("Moving house".to_owned()),
        password: None,
    };
    within("the destruction", room_a.destroy(how)).await??;
    if room_a.joined() {
        return Ok(Outcome::fail(
            "the owner's room still says joined when the destruction completed",
        ));
    }
    let mut problems = Vec::new();
    for (who, events) in [
        ("alice", &mut ev_a),
        ("bob", &mut ev_b),
        ("carol", &mut ev_c),
    ] {
        // §10.9: one unavailable presence per occupant, not one per
        // occupant to everyone: no one sees the others leave.
        let mut leaves = Vec::new();
        let exit = wait_for(events, &format!("{who}'s exit"), |e| match e {
            RoomEvent::Leave { occupant, .. } => {
                leaves.push(occupant.nick().to_owned());
                None
            }
            RoomEvent::Exit {
                mode, destroyed, ..
            } => Some((*mode, destroyed.clone())),
            _ => None,
        })
        .await?;
        match exit {
            (LeaveMode::Destroyed, Some(d))
                if d.alternate_venue.as_ref() == Some(&venue)
                    && d.reason.as_deref() == Some("Moving house") => {}
            other => problems.push(format!("{who}'s exit: {other:?}")),
        }
        if !leaves.is_empty() {
            problems.push(format!(
                "{who} saw others leave before the exit: {leaves:?}"
            ));
        }
    }
    if room_b.joined() {
        problems.push("bob's room still says joined".to_owned());
    }
    // The room is gone: disco#info finds nothing, and entering creates it.
    let info = within("disco#info", bob.room_info(room_a.mucjid())).await?;
    match refused_with(&info)? {
        Some("item-not-found") => {}
        other => problems.push(format!(
            "disco#info of the destroyed room: {other:?}, want item-not-found"
        )),
    }
    match join(&carol, room_a.mucjid(), "Carol").await {
        Ok((_, _, e)) if e.created => {}
        Ok(_) => problems.push("carol entered the destroyed room as if it existed".to_owned()),
        Err(e) => problems.push(format!("carol could not create the room again: {e}")),
    }
    close_all(&[&alice, &bob, &carol]).await;
    Ok(verdict(problems))
}

async fn destroy_non_owner_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, mut ev_a, [(room_b, _ev_b), (room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    make_carol_admin(ctx, &room_a, &mut ev_c).await?;
    let mut problems = Vec::new();
    for (who, room) in [("the participant", &room_b), ("the admin", &room_c)] {
        if room.capabilities().may_destroy() {
            problems.push(format!(
                "{who}'s capabilities say they may destroy the room"
            ));
        }
        let how = Destruction {
            reason: Some("Mine now".to_owned()),
            ..Destruction::default()
        };
        let cond = refusal(
            &format!("{who} destroying the room"),
            within("the destruction", room.destroy(how)).await?,
        )?;
        if cond != "forbidden" {
            problems.push(format!(
                "{who}'s destruction was refused with {cond}, want forbidden (§10.9)"
            ));
        }
    }
    let exits: Vec<_> = drain_where(&mut ev_a, |e| matches!(e, RoomEvent::Exit { .. })).await;
    if !exits.is_empty() || !room_a.joined() || !room_b.joined() {
        problems.push(format!(
            "a refused destruction removed occupants: {exits:?}"
        ));
    }
    close_all(&[&alice, &bob, &carol]).await;
    Ok(verdict(problems))
}
