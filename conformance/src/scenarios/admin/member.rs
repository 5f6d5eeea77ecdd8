//! §9.3–§9.5 Membership: granting it (present or absent), revoking it in
//! an open and in a members-only room, the member list, and entry into a
//! members-only room.

use muc_client::{Affiliation, LeaveMode, Role, RoomEvent, StatusCode};

use super::delta::apply_delta;
use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "admin.member.grant",
            "9.3",
            "Granting membership to an occupant: everyone sees the affiliation become member",
            member_grant
        ),
        scenario!(
            "admin.member.absent",
            "9.3",
            "Membership granted while the user is away shows in the self-presence on entry",
            member_absent
        ),
        scenario!(
            "admin.member.revoke",
            "9.4",
            "Revoking membership in an open room: the affiliation becomes none, the user stays",
            member_revoke
        ),
        scenario!(
            "admin.member.revoke_members_only",
            "9.4",
            "Revoking membership in a members-only room removes the user with 321",
            member_revoke_members_only
        ),
        scenario!(
            "admin.member.list",
            "9.5",
            "The member list, and deltas that add and remove members",
            member_list
        ),
        scenario!(
            "admin.members_only.entry",
            "9.5",
            "A members-only room refuses a non-member (registration-required) and admits a member",
            members_only_entry
        ),
    ]
}

async fn member_grant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    affiliate(
        ctx,
        "granting membership",
        &room_a,
        "bob",
        Affiliation::Member,
        Some("Welcome"),
    )
    .await?;
    let (old, cause) = wait_affiliation(&mut ev_b, "Bob", Affiliation::Member).await?;
    if old != Affiliation::None {
        return Ok(Outcome::fail(format!(
            "bob saw his affiliation go from {old:?}"
        )));
    }
    let (old, _) = wait_affiliation(&mut ev_c, "Bob", Affiliation::Member).await?;
    if old != Affiliation::None {
        return Ok(Outcome::fail(format!(
            "carol saw Bob's affiliation go from {old:?}"
        )));
    }
    let me = room_b.this_occupant().ok_or("bob has no occupant")?;
    if me.affiliation() != Affiliation::Member || me.role() != Role::Participant || !room_b.joined()
    {
        return Ok(Outcome::fail(format!("bob after the grant: {me:?}")));
    }
    let members = affiliation_list("the member list", &room_a, Affiliation::Member).await?;
    close_all(&[&alice, &bob, &carol]).await;
    if listed_jids(&members) != set_of(&["bob@localhost"]) {
        return Ok(Outcome::fail(format!("the member list: {members:?}")));
    }
    // The reason is optional on the wire; where the room forwards it, it
    // must be the one given.
    Ok(match cause.reason.as_deref() {
        None | Some("Welcome") => Outcome::Pass,
        Some(other) => Outcome::fail(format!("the grant's reason arrived as {other:?}")),
    })
}

async fn member_absent(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let (room_a, _ev_a) = create_room(ctx, &alice, "Alice").await?;
    affiliate(
        ctx,
        "granting membership",
        &room_a,
        "dave",
        Affiliation::Member,
        None,
    )
    .await?;
    let dave = connect(ctx, "dave").await?;
    let (_room_d, _ev_d, entered) = join(&dave, room_a.mucjid(), "Dave").await?;
    close_all(&[&alice, &dave]).await;
    let me = &entered.occupant;
    Ok(
        if me.affiliation() == Affiliation::Member && me.role() == Role::Participant {
            Outcome::Pass
        } else {
            Outcome::fail(format!(
                "dave entered as {:?}/{:?}, want member/participant",
                me.affiliation(),
                me.role()
            ))
        },
    )
}

async fn member_revoke(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob], room_a, mut ev_a, [(room_b, mut ev_b)]) = room_of_two(ctx).await?;
    affiliate_and_wait(
        ctx,
        "granting membership",
        &room_a,
        "bob",
        Affiliation::Member,
        &mut ev_b,
        "Bob",
    )
    .await?;
    affiliate(
        ctx,
        "revoking membership",
        &room_a,
        "bob",
        Affiliation::None,
        Some("Lapsed"),
    )
    .await?;
    let (old, _) = wait_affiliation(&mut ev_b, "Bob", Affiliation::None).await?;
    if old != Affiliation::Member {
        return Ok(Outcome::fail(format!(
            "bob saw his affiliation go from {old:?}"
        )));
    }
    wait_affiliation(&mut ev_a, "Bob", Affiliation::None).await?;
    let left: Vec<_> = drain_where(&mut ev_b, |e| matches!(e, RoomEvent::Exit { .. })).await;
    let members = affiliation_list("the member list", &room_a, Affiliation::Member).await?;
    let still = room_b.joined();
    close_all(&[&alice, &bob]).await;
    if !left.is_empty() || !still {
        return Ok(Outcome::fail(format!(
            "bob was removed from an open room when his membership was revoked: {left:?}"
        )));
    }
    Ok(if members.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the member list after the revocation: {members:?}"))
    })
}

/// A members-only room owned by alice; `members` are members before anyone
/// enters.
async fn members_only_room(
    ctx: &ScenarioCtx,
    alice: &muc_client::Service,
    members: &[&str],
) -> Result<(muc_client::Room, muc_client::RoomEvents), Error> {
    let (room, events) = create_room(ctx, alice, "Alice").await?;
    grant_members(ctx, "granting membership", &room, members).await?;
    reconfigure(&room, |c| {
        c.set_members_only(true);
    })
    .await?;
    Ok((room, events))
}

async fn member_revoke_members_only(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    let (room_a, mut ev_a) = members_only_room(ctx, &alice, &["bob", "carol"]).await?;
    let (room_b, mut ev_b, _) = join(&bob, room_a.mucjid(), "Bob").await?;
    let (_room_c, mut ev_c, _) = join(&carol, room_a.mucjid(), "Carol").await?;
    wait_join(&mut ev_b, "Carol's join", "Carol").await?;
    affiliate(
        ctx,
        "revoking membership",
        &room_a,
        "bob",
        Affiliation::None,
        Some("Lapsed"),
    )
    .await?;
    let exit = wait_exit(&mut ev_b).await?;
    if exit.mode != LeaveMode::AffiliationChange
        || !exit
            .status
            .contains(&StatusCode::REMOVED_AFFILIATION_CHANGE)
    {
        return Ok(Outcome::fail(format!(
            "bob's exit: {exit:?} (want AffiliationChange with 321)"
        )));
    }
    if room_b.joined() {
        return Ok(Outcome::fail("bob's room still says joined"));
    }
    let seen = wait_leave(&mut ev_c, "Bob").await?;
    if seen.mode != LeaveMode::AffiliationChange
        || !seen
            .status
            .contains(&StatusCode::REMOVED_AFFILIATION_CHANGE)
    {
        return Ok(Outcome::fail(format!("carol saw Bob leave as {seen:?}")));
    }
    wait_leave(&mut ev_a, "Bob").await?;
    let members = affiliation_list("the member list", &room_a, Affiliation::Member).await?;
    if listed_jids(&members) != set_of(&["carol@localhost"]) {
        return Ok(Outcome::fail(format!(
            "the member list after revoking bob: {members:?}"
        )));
    }
    // He is no longer a member: the room refuses him now.
    let again = join(&bob, room_a.mucjid(), "Bob").await;
    close_all(&[&alice, &bob, &carol]).await;
    Ok(match again {
        Ok((_, _, entered)) if ctx.backend() == Backend::Ejabberd => {
            if entered.occupant.affiliation() == Affiliation::None {
                Outcome::differs(
                    "ejabberd 23.01 removes the former member with 321 and drops him from the \
                     member list, but lets him enter the members-only room again (as \
                     none/participant); §9.4/§9.5: the service MUST subsequently refuse entry",
                )
            } else {
                Outcome::fail(format!(
                    "ejabberd let the former member enter again as {:?}",
                    entered.occupant.affiliation()
                ))
            }
        }
        Ok(_) => Outcome::fail("bob entered the members-only room after losing membership"),
        Err(e) => {
            let cond = join_condition(&e);
            if cond == Some("registration-required") {
                Outcome::Pass
            } else {
                Outcome::fail(format!(
                    "bob's entry after losing membership failed with {e}, want registration-required"
                ))
            }
        }
    })
}

async fn member_list(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let (room_a, _ev_a) = create_room(ctx, &alice, "Alice").await?;
    affiliate(
        ctx,
        "granting membership",
        &room_a,
        "bob",
        Affiliation::Member,
        None,
    )
    .await?;
    let member = Affiliation::Member;
    let mut deviations = Vec::new();
    let first = affiliation_list("the member list", &room_a, member).await?;
    if listed_jids(&first) != set_of(&["bob@localhost"]) {
        return Ok(Outcome::fail(format!(
            "the member list with bob: {first:?}"
        )));
    }
    let members = match apply_delta(
        ctx,
        &room_a,
        member,
        &listed_jids(&first),
        &[("carol", member), ("dave", member)],
        &mut deviations,
    )
    .await?
    {
        Ok(list) => list,
        Err(problem) => return Ok(Outcome::fail(problem)),
    };
    let result = apply_delta(
        ctx,
        &room_a,
        member,
        &members,
        &[("carol", Affiliation::None), ("eve", member)],
        &mut deviations,
    )
    .await?;
    alice.close().await;
    Ok(match result {
        Ok(_) => pass_or_differs(deviations),
        Err(problem) => Outcome::fail(problem),
    })
}

async fn members_only_entry(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    let (room_a, _ev_a) = members_only_room(ctx, &alice, &["bob"]).await?;
    let refused = join(&carol, room_a.mucjid(), "Carol").await;
    let admitted = join(&bob, room_a.mucjid(), "Bob").await;
    close_all(&[&alice, &bob, &carol]).await;
    match admitted {
        Ok((_, _, entered)) if entered.occupant.affiliation() == Affiliation::Member => {}
        Ok((_, _, entered)) => {
            return Ok(Outcome::fail(format!(
                "the member entered as {:?}",
                entered.occupant.affiliation()
            )));
        }
        Err(e) => return Ok(Outcome::fail(format!("the member was refused: {e}"))),
    }
    Ok(match refused {
        Ok(_) => Outcome::fail("a non-member entered the members-only room"),
        Err(e) => {
            let se = e
                .downcast_ref::<muc_client::Error>()
                .and_then(|e| e.server_error());
            match se {
                Some(se) if se.condition_name() == "registration-required" => Outcome::Pass,
                _ => Outcome::fail(format!(
                    "the non-member's entry failed with {e}, want registration-required (§7.2.7)"
                )),
            }
        }
    })
}
