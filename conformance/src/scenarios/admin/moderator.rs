//! §9.6–§9.8 Moderator status: granting and revoking it, whose an admin
//! may not revoke, and the moderator list.

use muc_client::{AdminItem, Affiliation, Role, RoomEvent};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "admin.moderator.grant",
            "9.6",
            "Granting moderator status: everyone sees the role become moderator, who may then kick",
            moderator_grant
        ),
        scenario!(
            "admin.moderator.revoke",
            "9.7",
            "Revoking moderator status: the role goes back to participant",
            moderator_revoke
        ),
        scenario!(
            "admin.moderator.revoke_protected",
            "9.7",
            "An admin cannot revoke moderator status from an owner or another admin (not-allowed)",
            moderator_revoke_protected
        ),
        scenario!(
            "admin.moderator.list",
            "9.8",
            "The moderator list, and a delta that grants and revokes moderator status",
            moderator_list
        ),
    ]
}

async fn moderator_grant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    let target = room_a.occupant("Bob").ok_or("alice does not list Bob")?;
    if !room_a.capabilities().may_change_moderator(&target) {
        return Ok(Outcome::fail(
            "the owner's capabilities say she may not make a participant moderator",
        ));
    }
    within(
        "granting moderator",
        room_a.set_role("Bob", Role::Moderator, Some("Trusted")),
    )
    .await??;
    let (old, cause) = wait_role(&mut ev_b, "Bob", Role::Moderator).await?;
    if old != Role::Participant || cause.reason.as_deref() != Some("Trusted") {
        return Ok(Outcome::fail(format!(
            "bob saw his role go from {old:?} with {cause:?}"
        )));
    }
    let (old, _) = wait_role(&mut ev_c, "Bob", Role::Moderator).await?;
    if old != Role::Participant {
        return Ok(Outcome::fail(format!(
            "carol saw Bob's role go from {old:?}"
        )));
    }
    let carol_seen = room_b.occupant("Carol").ok_or("bob does not list Carol")?;
    let may_kick = room_b.capabilities().may_kick(&carol_seen);
    let admin_list = within("the moderator list", room_a.role_list(Role::Moderator)).await??;
    close_all(&[&alice, &bob, &carol]).await;
    if !may_kick {
        return Ok(Outcome::fail(
            "the new moderator's capabilities say he may not kick a participant",
        ));
    }
    Ok(if listed_nicks(&admin_list) == set_of(&["Alice", "Bob"]) {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the moderator list: {admin_list:?}"))
    })
}

async fn moderator_revoke(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    set_role_and_wait(
        "granting moderator",
        &room_a,
        "Bob",
        Role::Moderator,
        &mut ev_b,
    )
    .await?;
    within(
        "revoking moderator",
        room_a.set_role("Bob", Role::Participant, Some("Demoted")),
    )
    .await??;
    let (old, cause) = wait_role(&mut ev_b, "Bob", Role::Participant).await?;
    if old != Role::Moderator || cause.reason.as_deref() != Some("Demoted") {
        return Ok(Outcome::fail(format!(
            "bob saw his role go from {old:?} with {cause:?}"
        )));
    }
    let (old, _) = wait_role(&mut ev_c, "Bob", Role::Participant).await?;
    let carol_seen = room_b.occupant("Carol").ok_or("bob does not list Carol")?;
    let may_kick = room_b.capabilities().may_kick(&carol_seen);
    close_all(&[&alice, &bob, &carol]).await;
    if old != Role::Moderator {
        return Ok(Outcome::fail(format!(
            "carol saw Bob's role go from {old:?}"
        )));
    }
    Ok(if may_kick {
        Outcome::fail("the demoted participant's capabilities still allow kicking")
    } else {
        Outcome::Pass
    })
}

async fn moderator_revoke_protected(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, carol, dave] = connect_all(ctx, ["alice", "carol", "dave"]).await?;
    let (room_a, mut ev_a, [(room_c, mut ev_c), (_room_d, mut ev_d)]) =
        room_with_guests(ctx, &alice, "Alice", [(&carol, "Carol"), (&dave, "Dave")]).await?;
    make_admin(ctx, "granting admin", &room_a, "carol", &mut ev_c, "Carol").await?;
    make_admin(ctx, "granting admin", &room_a, "dave", &mut ev_d, "Dave").await?;
    wait_affiliation(&mut ev_c, "Dave", Affiliation::Admin).await?;
    let mut problems = Vec::new();
    for (nick, what) in [("Alice", "the owner"), ("Dave", "another admin")] {
        let target = room_c
            .occupant(nick)
            .ok_or("carol does not list everyone")?;
        if room_c.capabilities().may_change_moderator(&target) {
            problems.push(format!(
                "the admin's capabilities say she may revoke moderator from {what}"
            ));
        }
    }
    let owner = refusal(
        "an admin demoting the owner",
        within(
            "the demotion",
            room_c.set_role("Alice", Role::Participant, None),
        )
        .await?,
    )?;
    if owner != "not-allowed" {
        problems.push(format!(
            "an admin demoting the owner was refused with {owner}, want not-allowed"
        ));
    }
    let peer = within(
        "the demotion",
        room_c.set_role("Dave", Role::Participant, None),
    )
    .await?;
    let changed: Vec<_> = drain_where(
        &mut ev_a,
        |e| matches!(e, RoomEvent::RoleChange { new, .. } if *new != Role::Moderator),
    )
    .await;
    close_all(&[&alice, &carol, &dave]).await;
    match (&peer, ctx.backend()) {
        (Err(e), _) if e.server_error().map(|s| s.condition_name()) == Some("not-allowed") => {}
        (Ok(()), Backend::Prosody) if problems.is_empty() => {
            // Prosody checks only that the actor's affiliation is not below
            // the target's, and that admins may touch moderators.
            let dave_demoted = changed.iter().any(|e| {
                matches!(e, RoomEvent::RoleChange { occupant, new: Role::Participant, .. }
                    if occupant.nick() == "Dave")
            });
            return Ok(if dave_demoted && changed.len() == 1 {
                Outcome::differs(
                    "Prosody 0.12 lets an admin revoke another admin's moderator status \
                     (Dave became a participant); §9.7 requires not-allowed",
                )
            } else {
                Outcome::fail(format!(
                    "Prosody accepted an admin's demotion of an admin; role changes seen: {changed:?}"
                ))
            });
        }
        (other, _) => problems.push(format!(
            "an admin demoting another admin: {other:?}, want not-allowed"
        )),
    }
    if !changed.is_empty() {
        problems.push(format!("roles changed after refused requests: {changed:?}"));
    }
    Ok(verdict(problems))
}

async fn moderator_list(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    let (room_a, mut ev_a, _g) =
        room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob"), (&carol, "Carol")]).await?;
    let list = within("the moderator list", room_a.role_list(Role::Moderator)).await??;
    if listed_nicks(&list) != set_of(&["Alice"])
        || list.iter().any(|i| i.role != Some(Role::Moderator))
    {
        return Ok(Outcome::fail(format!("the first moderator list: {list:?}")));
    }
    // One item per request: Prosody applies only the first item of a set
    // (moderation.voice.list reports that), and this scenario is about the
    // moderator list.
    within(
        "granting Bob",
        room_a.modify_roles(vec![AdminItem::role("Bob", Role::Moderator)]),
    )
    .await??;
    within(
        "granting Carol",
        room_a.modify_roles(vec![AdminItem::role("Carol", Role::Moderator)]),
    )
    .await??;
    wait_role(&mut ev_a, "Carol", Role::Moderator).await?;
    let list = within("the moderator list", room_a.role_list(Role::Moderator)).await??;
    if listed_nicks(&list) != set_of(&["Alice", "Bob", "Carol"]) {
        return Ok(Outcome::fail(format!(
            "the moderator list after granting Bob and Carol: {list:?}"
        )));
    }
    within(
        "revoking Bob",
        room_a.modify_roles(vec![AdminItem::role("Bob", Role::Participant)]),
    )
    .await??;
    wait_role(&mut ev_a, "Bob", Role::Participant).await?;
    let list = within("the moderator list", room_a.role_list(Role::Moderator)).await??;
    close_all(&[&alice, &bob, &carol]).await;
    Ok(if listed_nicks(&list) == set_of(&["Alice", "Carol"]) {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the moderator list after revoking Bob: {list:?}"))
    })
}
