//! §8.2 Kicking an occupant: what the kicked user and the others see,
//! entering again, and who may kick whom.

use muc_client::{Affiliation, LeaveMode, Role, RoomEvent, StatusCode};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "moderation.kick.participant",
            "8.2",
            "A kicked participant gets 307 with actor and reason; the others see it leave before the kick completes",
            kick_participant
        ),
        scenario!(
            "moderation.kick.rejoin",
            "8.2",
            "A kicked user may enter again (a kick is not a ban)",
            kick_then_rejoin
        ),
        scenario!(
            "moderation.kick.by_moderator",
            "8.2",
            "An unaffiliated occupant made moderator may kick a participant",
            kick_by_moderator
        ),
        scenario!(
            "moderation.kick.higher_affiliation",
            "8.2",
            "Kicking an admin (as a plain moderator) or an owner (as an admin) is refused with not-allowed",
            kick_higher_affiliation
        ),
        scenario!(
            "moderation.kick.by_participant",
            "8",
            "A participant's kick is refused (forbidden) and the capabilities said so",
            kick_by_participant
        ),
    ]
}

async fn kick_participant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, mut ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    let target = room_a.occupant("Bob").ok_or("alice does not list Bob")?;
    if !room_a.capabilities().may_kick(&target) {
        return Ok(Outcome::fail(
            "the owner's capabilities say she may not kick a participant",
        ));
    }
    within("the kick", room_a.kick("Bob", Some("Spamming"))).await??;
    // Both servers broadcast the 307 before the IQ result, and muc-client
    // completes the future after publishing the events it has: so when the
    // kick completes, the moderator already saw Bob go.
    if room_a.occupant("Bob").is_some() {
        return Ok(Outcome::fail(
            "Bob is still in alice's occupant list when the kick completed",
        ));
    }
    let seen = queued(&mut ev_a);
    let leave = seen.iter().find_map(|e| match e {
        RoomEvent::Leave {
            occupant,
            mode,
            status,
            ..
        } if occupant.nick() == "Bob" => Some((*mode, status.clone())),
        _ => None,
    });
    match leave {
        Some((LeaveMode::Kicked, status)) if status.contains(&StatusCode::KICKED) => {}
        other => {
            return Ok(Outcome::fail(format!(
                "when the kick completed, the moderator had not seen Bob leave with 307: {other:?}"
            )));
        }
    }
    let exit = wait_exit(&mut ev_b).await?;
    if exit.mode != LeaveMode::Kicked
        || !exit.status.contains(&StatusCode::KICKED)
        || !exit.status.contains(&StatusCode::SELF_PRESENCE)
    {
        return Ok(Outcome::fail(format!(
            "bob's exit: {:?} with {:?} (want Kicked, 307 and 110)",
            exit.mode, exit.status
        )));
    }
    if exit.cause.reason.as_deref() != Some("Spamming") {
        return Ok(Outcome::fail(format!(
            "bob's exit reason: {:?}",
            exit.cause.reason
        )));
    }
    let actor = exit.cause.actor.as_ref().and_then(|a| a.nick.as_deref());
    if actor != Some("Alice") {
        return Ok(Outcome::fail(format!("bob's exit actor: {:?}", exit.cause)));
    }
    if room_b.joined() {
        return Ok(Outcome::fail("bob's room still says joined after the kick"));
    }
    let seen_by_carol = wait_leave(&mut ev_c, "Bob").await?;
    if seen_by_carol.mode != LeaveMode::Kicked
        || !seen_by_carol.status.contains(&StatusCode::KICKED)
        || seen_by_carol.cause.reason.as_deref() != Some("Spamming")
    {
        return Ok(Outcome::fail(format!(
            "carol saw Bob leave as {seen_by_carol:?}"
        )));
    }
    close_all(&[&alice, &bob, &carol]).await;
    Ok(Outcome::Pass)
}

async fn kick_then_rejoin(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob], room_a, mut ev_a, [(_room_b, mut ev_b)]) = room_of_two(ctx).await?;
    within("the kick", room_a.kick("Bob", None)).await??;
    let exit = wait_exit(&mut ev_b).await?;
    if exit.mode != LeaveMode::Kicked {
        return Ok(Outcome::fail(format!("bob's exit: {exit:?}")));
    }
    wait_leave(&mut ev_a, "Bob").await?;
    let (again, _ev, entered) = match join(&bob, room_a.mucjid(), "Bob").await {
        Ok(x) => x,
        Err(e) => return Ok(Outcome::fail(format!("bob could not enter again: {e}"))),
    };
    if entered.occupant.role() != Role::Participant {
        return Ok(Outcome::fail(format!(
            "bob came back as {:?}",
            entered.occupant.role()
        )));
    }
    wait_join(&mut ev_a, "Bob's new join", "Bob").await?;
    drop(again);
    close_all(&[&alice, &bob]).await;
    Ok(Outcome::Pass)
}

async fn kick_by_moderator(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, mut ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    set_role_and_wait(
        "granting moderator",
        &room_a,
        "Bob",
        Role::Moderator,
        &mut ev_b,
    )
    .await?;
    let target = room_b.occupant("Carol").ok_or("bob does not list Carol")?;
    if !room_b.capabilities().may_kick(&target) {
        return Ok(Outcome::fail(format!(
            "bob, now a moderator, may not kick Carol according to his capabilities: {:?}",
            room_b.capabilities()
        )));
    }
    if let Err(e) = within("bob's kick", room_b.kick("Carol", Some("Off topic"))).await? {
        return Ok(Outcome::fail(format!("bob's kick was refused: {e}")));
    }
    let exit = wait_exit(&mut ev_c).await?;
    let actor = exit.cause.actor.as_ref().and_then(|a| a.nick.as_deref());
    if exit.mode != LeaveMode::Kicked || actor != Some("Bob") {
        return Ok(Outcome::fail(format!("carol's exit: {exit:?}")));
    }
    let seen = wait_leave(&mut ev_a, "Carol").await?;
    if seen.mode != LeaveMode::Kicked || seen.cause.reason.as_deref() != Some("Off topic") {
        return Ok(Outcome::fail(format!("alice saw Carol leave as {seen:?}")));
    }
    close_all(&[&alice, &bob, &carol]).await;
    Ok(Outcome::Pass)
}

async fn kick_higher_affiliation(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, mut ev_a, [(room_b, mut ev_b), (room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    // Carol becomes an admin, Bob a moderator without affiliation.
    make_carol_admin(ctx, &room_a, &mut ev_c).await?;
    set_role_and_wait(
        "granting moderator",
        &room_a,
        "Bob",
        Role::Moderator,
        &mut ev_b,
    )
    .await?;
    let mut problems = Vec::new();
    // A moderator (affiliation none) kicks an admin. Carol's change came
    // before Bob's own, so Bob's list already shows her as admin.
    let carol_seen = room_b.occupant("Carol").ok_or("bob does not list Carol")?;
    if carol_seen.affiliation() != Affiliation::Admin {
        problems.push(format!("bob sees Carol as {:?}", carol_seen.affiliation()));
    }
    if room_b.capabilities().may_kick(&carol_seen) {
        problems.push("bob's capabilities say he may kick the admin Carol".to_owned());
    }
    let cond = refusal(
        "bob kicking the admin",
        within("bob's kick", room_b.kick("Carol", None)).await?,
    )?;
    if cond != "not-allowed" {
        problems.push(format!(
            "bob kicking the admin Carol: {cond}, want not-allowed"
        ));
    }
    // An admin kicks an owner.
    let alice_seen = room_c
        .occupant("Alice")
        .ok_or("carol does not list Alice")?;
    if room_c.capabilities().may_kick(&alice_seen) {
        problems.push("carol's capabilities say she may kick the owner Alice".to_owned());
    }
    let cond = refusal(
        "carol kicking the owner",
        within("carol's kick", room_c.kick("Alice", None)).await?,
    )?;
    if cond != "not-allowed" {
        problems.push(format!(
            "carol kicking the owner Alice: {cond}, want not-allowed"
        ));
    }
    let left: Vec<_> = drain_where(&mut ev_a, |e| matches!(e, RoomEvent::Leave { .. })).await;
    if !left.is_empty() {
        problems.push(format!("someone left after the refused kicks: {left:?}"));
    }
    close_all(&[&alice, &bob, &carol]).await;
    Ok(verdict(problems))
}

async fn kick_by_participant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], _room_a, _ev_a, [(room_b, _ev_b), (room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    let target = room_b.occupant("Carol").ok_or("bob does not list Carol")?;
    if room_b.capabilities().may_kick(&target) {
        return Ok(Outcome::fail(
            "a participant's capabilities say he may kick another participant",
        ));
    }
    let cond = refusal(
        "a participant's kick",
        within("bob's kick", room_b.kick("Carol", None)).await?,
    )?;
    let gone: Vec<_> = drain_where(&mut ev_c, |e| matches!(e, RoomEvent::Exit { .. })).await;
    if !gone.is_empty() || !room_c.joined() {
        return Ok(Outcome::fail(format!(
            "carol was removed by a refused kick: {gone:?}"
        )));
    }
    close_all(&[&alice, &bob, &carol]).await;
    // §8: "any of the following administrative requests MUST be denied if
    // [the sender is not] one of the moderators; [...] the service MUST
    // return a <forbidden/> error".
    Ok(match (cond, ctx.backend()) {
        ("forbidden", _) => Outcome::Pass,
        ("not-allowed", Backend::Prosody) => Outcome::differs(
            "Prosody 0.12 refuses a participant's kick with <not-allowed/> (type cancel) \
             instead of §8's <forbidden/>",
        ),
        ("not-allowed", Backend::Ejabberd) => Outcome::differs(
            "ejabberd 23.01 refuses a participant's kick with <not-allowed/> \
             instead of §8's <forbidden/>",
        ),
        (other, _) => Outcome::fail(format!(
            "a participant's kick was refused with {other}, want forbidden (§8)"
        )),
    })
}
