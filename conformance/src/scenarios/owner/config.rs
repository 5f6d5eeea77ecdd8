//! §10.2 Later configuration: the notices to the occupants (104, 172,
//! 173), the removal of non-members (322), a cancelled configuration, and
//! who may configure.

use std::time::Duration;

use muc_client::{Affiliation, LeaveMode, RoomConfig, RoomEvent, StatusCode, Whois};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "owner.config.change_104",
            "10.2.1",
            "A configuration change while occupied sends everyone a notice with 104",
            config_change_104
        ),
        scenario!(
            "owner.config.whois",
            "10.2.1",
            "Making the room non-anonymous sends 172; making it semi-anonymous again sends 173",
            config_whois
        ),
        scenario!(
            "owner.config.members_only",
            "10.2",
            "Making the room members-only removes the non-members present with 322",
            config_members_only
        ),
        scenario!(
            "owner.config.cancel_later",
            "10.2",
            "Cancelling a later configuration leaves the room as it was",
            config_cancel_later
        ),
        scenario!(
            "owner.config.non_owner_refused",
            "10.2",
            "A participant or an admin may not read or submit the configuration (forbidden)",
            config_non_owner_refused
        ),
    ]
}

/// Waits for a configuration-change notice; returns its status codes.
async fn wait_config_change(events: &mut muc_client::RoomEvents) -> Result<Vec<StatusCode>, Error> {
    wait_for(events, "a configuration-change notice", |e| match e {
        RoomEvent::ConfigChanged { status } => Some(status.clone()),
        _ => None,
    })
    .await
}

async fn config_change_104(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob], room_a, mut ev_a, [(_room_b, mut ev_b)]) = room_of_two(ctx).await?;
    reconfigure(&room_a, |c| {
        c.set_roomname("Renamed").set_room_desc("A new description");
    })
    .await?;
    let seen_b = wait_config_change(&mut ev_b).await?;
    let seen_a = wait_config_change(&mut ev_a).await?;
    close_all(&[&alice, &bob]).await;
    for (who, codes) in [("bob", &seen_b), ("alice", &seen_a)] {
        let privacy = [170, 171, 172, 173].map(StatusCode);
        if !codes.contains(&StatusCode::CONFIG_CHANGED) || codes.iter().any(|c| privacy.contains(c))
        {
            return Ok(Outcome::fail(format!(
                "{who}'s notice of a name change: {codes:?}, want 104 and no privacy code"
            )));
        }
    }
    Ok(Outcome::Pass)
}

async fn config_whois(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob], room_a, mut ev_a, [(_room_b, mut ev_b)]) = room_of_two(ctx).await?;
    reconfigure(&room_a, |c| {
        c.set_whois(Whois::Anyone);
    })
    .await?;
    let to_anyone = wait_config_change(&mut ev_b).await?;
    let to_anyone_a = wait_config_change(&mut ev_a).await?;
    reconfigure(&room_a, |c| {
        c.set_whois(Whois::Moderators);
    })
    .await?;
    let back = wait_config_change(&mut ev_b).await?;
    close_all(&[&alice, &bob]).await;
    if !to_anyone.contains(&StatusCode::NOW_NON_ANONYMOUS)
        || !to_anyone_a.contains(&StatusCode::NOW_NON_ANONYMOUS)
    {
        return Ok(Outcome::fail(format!(
            "the notice of whois=anyone: bob {to_anyone:?}, alice {to_anyone_a:?}; want 172"
        )));
    }
    Ok(if back.contains(&StatusCode::NOW_SEMI_ANONYMOUS) {
        Outcome::Pass
    } else {
        Outcome::fail(format!(
            "the notice of whois=moderators: {back:?}; want 173"
        ))
    })
}

async fn config_members_only(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, mut ev_a, [(room_b, mut ev_b), (room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
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
    reconfigure(&room_a, |c| {
        c.set_members_only(true);
    })
    .await?;
    let exit = wait_exit(&mut ev_c).await?;
    if exit.mode != LeaveMode::MembersOnly
        || !exit.status.contains(&StatusCode::REMOVED_MEMBERS_ONLY)
    {
        return Ok(Outcome::fail(format!(
            "the non-member's exit: {exit:?}, want MembersOnly with 322"
        )));
    }
    if room_c.joined() {
        return Ok(Outcome::fail("carol's room still says joined"));
    }
    let seen = tokio::time::timeout(Duration::from_secs(3), wait_leave(&mut ev_b, "Carol")).await;
    let seen = match (seen, ctx.backend()) {
        (Ok(seen), _) => seen?,
        (Err(_), Backend::Prosody) => {
            let ghost = room_b.occupant("Carol").is_some();
            close_all(&[&alice, &bob, &carol]).await;
            return Ok(if ghost {
                Outcome::differs(
                    "Prosody 0.12 sends the 322 unavailable presence only to the removed \
                     non-member: the remaining occupants get none and keep listing her \
                     (§10.2: 322 goes to the removed users \"as well as any remaining occupants\")",
                )
            } else {
                Outcome::fail("bob got no Leave for Carol yet no longer lists her")
            });
        }
        (Err(_), _) => {
            return Ok(Outcome::fail("bob never saw the non-member Carol leave"));
        }
    };
    if seen.mode != LeaveMode::MembersOnly
        || !seen.status.contains(&StatusCode::REMOVED_MEMBERS_ONLY)
    {
        return Ok(Outcome::fail(format!("bob saw Carol leave as {seen:?}")));
    }
    wait_leave(&mut ev_a, "Carol").await?;
    let kept: Vec<_> = drain_where(&mut ev_b, |e| matches!(e, RoomEvent::Exit { .. })).await;
    let bob_in = room_b.joined();
    close_all(&[&alice, &bob, &carol]).await;
    Ok(if kept.is_empty() && bob_in {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the member was removed too: {kept:?}"))
    })
}

async fn config_cancel_later(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob], room_a, _ev_a, [(room_b, mut ev_b)]) = room_of_two(ctx).await?;
    reconfigure(&room_a, |c| {
        c.set_roomname("Before");
    })
    .await?;
    wait_config_change(&mut ev_b).await?;
    // The owner opens the form, then cancels.
    let _form = within("the configuration form", room_a.get_config()).await??;
    if let Err(e) = within("the cancellation", room_a.cancel_config()).await? {
        return Ok(Outcome::fail(format!(
            "cancelling a later configuration was refused: {e}"
        )));
    }
    let after: Vec<_> = drain_where(&mut ev_b, |e| {
        matches!(e, RoomEvent::Exit { .. } | RoomEvent::ConfigChanged { .. })
    })
    .await;
    if !after.is_empty() || !room_b.joined() || !room_a.joined() {
        return Ok(Outcome::fail(format!(
            "the cancellation of a later configuration changed the room: {after:?}"
        )));
    }
    let form = within("the configuration form", room_a.get_config()).await??;
    close_all(&[&alice, &bob]).await;
    Ok(if form.roomname() == Some("Before") {
        Outcome::Pass
    } else {
        Outcome::fail(format!(
            "the room name after the cancellation: {:?}",
            form.roomname()
        ))
    })
}

async fn config_non_owner_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, _ev_b), (room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    make_carol_admin(ctx, &room_a, &mut ev_c).await?;
    let mut problems = Vec::new();
    let mut change = RoomConfig::new();
    change.set_roomname("Hijacked");
    for (who, room) in [("the participant", &room_b), ("the admin", &room_c)] {
        if room.capabilities().may_configure() {
            problems.push(format!("{who}'s capabilities say they may configure"));
        }
        let get = refusal(
            &format!("{who} reading the form"),
            within("the configuration form", room.get_config()).await?,
        )?;
        let put = refusal(
            &format!("{who} submitting a form"),
            within("the submission", room.set_config(&change)).await?,
        )?;
        if get != "forbidden" || put != "forbidden" {
            problems.push(format!(
                "{who}: reading refused with {get}, submitting with {put}; want forbidden (§10.2)"
            ));
        }
    }
    let form = within("the configuration form", room_a.get_config()).await??;
    close_all(&[&alice, &bob, &carol]).await;
    if form.roomname() == Some("Hijacked") {
        problems.push("a refused submission renamed the room".to_owned());
    }
    Ok(verdict(problems))
}
