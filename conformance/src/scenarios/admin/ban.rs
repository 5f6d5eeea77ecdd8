//! §9.1–§9.2 Banning: what the banned user and the others see, entry
//! refused afterwards, who may ban whom, and the ban list.

use std::collections::BTreeSet;

use muc_client::xmpp_parsers::stanza_error::ErrorType;
use muc_client::{Affiliation, LeaveMode, RoomEvent, StatusCode};

use super::delta::apply_delta;
use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "admin.ban.occupant",
            "9.1",
            "A banned occupant gets 301 with actor and reason; the others see it become outcast and leave",
            ban_occupant
        ),
        scenario!(
            "admin.ban.rejoin_refused",
            "9.1",
            "A banned user cannot enter again (forbidden, type auth)",
            ban_rejoin_refused
        ),
        scenario!(
            "admin.ban.by_admin",
            "9.1",
            "An admin (not an owner) bans a participant",
            ban_by_admin
        ),
        scenario!(
            "admin.ban.owner_refused",
            "9.1",
            "An admin cannot ban an owner (not-allowed); the capabilities said so",
            ban_owner_refused
        ),
        scenario!(
            "admin.ban.self_refused",
            "9.1",
            "An owner banning himself is refused (conflict)",
            ban_self_refused
        ),
        scenario!(
            "admin.ban.list",
            "9.2",
            "The ban list holds the outcasts; a delta unbans one and bans another, and entry follows",
            ban_list
        ),
    ]
}

async fn ban_occupant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, mut ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    if !room_a.capabilities().may_ban(Affiliation::None) {
        return Ok(Outcome::fail(
            "the owner's capabilities say she may not ban",
        ));
    }
    within(
        "the ban",
        room_a.ban(bare_jid(ctx, "bob"), Some("Trolling")),
    )
    .await??;
    if room_a.occupant("Bob").is_some() {
        return Ok(Outcome::fail(
            "Bob is still in the admin's list when the ban completed",
        ));
    }
    let exit = wait_exit(&mut ev_b).await?;
    let actor = exit.cause.actor.as_ref().and_then(|a| a.nick.as_deref());
    if exit.mode != LeaveMode::Banned
        || !exit.status.contains(&StatusCode::BANNED)
        || exit.cause.reason.as_deref() != Some("Trolling")
        || actor != Some("Alice")
    {
        return Ok(Outcome::fail(format!(
            "bob's exit: {exit:?} (want Banned, 301, reason Trolling, actor Alice)"
        )));
    }
    if room_b.joined() {
        return Ok(Outcome::fail("bob's room still says joined after the ban"));
    }
    // Carol: the affiliation change, then the leave, from one presence.
    let (old, _) = wait_affiliation(&mut ev_c, "Bob", Affiliation::Outcast).await?;
    if old != Affiliation::None {
        return Ok(Outcome::fail(format!(
            "carol saw Bob's affiliation go from {old:?}"
        )));
    }
    let seen = wait_leave(&mut ev_c, "Bob").await?;
    if seen.mode != LeaveMode::Banned
        || !seen.status.contains(&StatusCode::BANNED)
        || seen.cause.reason.as_deref() != Some("Trolling")
    {
        return Ok(Outcome::fail(format!("carol saw Bob leave as {seen:?}")));
    }
    let seen = wait_leave(&mut ev_a, "Bob").await?;
    if seen.mode != LeaveMode::Banned {
        return Ok(Outcome::fail(format!("alice saw Bob leave as {seen:?}")));
    }
    let outcasts = affiliation_list("the ban list", &room_a, Affiliation::Outcast).await?;
    close_all(&[&alice, &bob, &carol]).await;
    Ok(if listed_jids(&outcasts) == set_of(&["bob@localhost"]) {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the ban list after the ban: {outcasts:?}"))
    })
}

async fn ban_rejoin_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob], room_a, _ev_a, [(_room_b, mut ev_b)]) = room_of_two(ctx).await?;
    within("the ban", room_a.ban(bare_jid(ctx, "bob"), None)).await??;
    wait_exit(&mut ev_b).await?;
    let result = join(&bob, room_a.mucjid(), "Bob").await;
    let outcome = match result {
        Ok(_) => Outcome::fail("the banned user entered again"),
        Err(e) => match e.downcast_ref::<muc_client::Error>() {
            Some(err) => match err.server_error() {
                Some(se) if se.condition_name() == "forbidden" && se.type_ == ErrorType::Auth => {
                    Outcome::Pass
                }
                Some(se) => Outcome::fail(format!(
                    "the banned user's entry was refused with {} (type {:?}), want forbidden (auth)",
                    se.condition_name(),
                    se.type_
                )),
                None => Outcome::fail(format!("the banned user's join failed otherwise: {err}")),
            },
            None => Outcome::fail(format!("the banned user's join failed otherwise: {e}")),
        },
    };
    close_all(&[&alice, &bob]).await;
    Ok(outcome)
}

async fn ban_by_admin(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(_room_b, mut ev_b), (room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    make_admin(ctx, "granting admin", &room_a, "carol", &mut ev_c, "Carol").await?;
    if !room_c.capabilities().may_ban(Affiliation::None) {
        return Ok(Outcome::fail(format!(
            "the admin's capabilities say she may not ban: {:?}",
            room_c.capabilities()
        )));
    }
    if let Err(e) = within(
        "the admin's ban",
        room_c.ban(bare_jid(ctx, "bob"), Some("Enough")),
    )
    .await?
    {
        return Ok(Outcome::fail(format!("the admin's ban was refused: {e}")));
    }
    let exit = wait_exit(&mut ev_b).await?;
    let actor = exit.cause.actor.as_ref().and_then(|a| a.nick.as_deref());
    close_all(&[&alice, &bob, &carol]).await;
    Ok(
        if exit.mode == LeaveMode::Banned && actor == Some("Carol") {
            Outcome::Pass
        } else {
            Outcome::fail(format!("bob's exit: {exit:?} (want Banned by Carol)"))
        },
    )
}

async fn ban_owner_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, carol] = connect_all(ctx, ["alice", "carol"]).await?;
    let (room_a, mut ev_a, [(room_c, mut ev_c)]) =
        room_with_guests(ctx, &alice, "Alice", [(&carol, "Carol")]).await?;
    make_admin(ctx, "granting admin", &room_a, "carol", &mut ev_c, "Carol").await?;
    if room_c.capabilities().may_ban(Affiliation::Owner) {
        return Ok(Outcome::fail(
            "the admin's capabilities say she may ban an owner",
        ));
    }
    let cond = refusal(
        "an admin banning the owner",
        within("the ban", room_c.ban(bare_jid(ctx, "alice"), None)).await?,
    )?;
    let exits: Vec<_> = drain_where(&mut ev_a, |e| matches!(e, RoomEvent::Exit { .. })).await;
    let owners = affiliation_list("the owner list", &room_a, Affiliation::Owner).await?;
    close_all(&[&alice, &carol]).await;
    if !exits.is_empty() || listed_jids(&owners) != set_of(&["alice@localhost"]) {
        return Ok(Outcome::fail(format!(
            "the refused ban changed something: exits {exits:?}, owners {owners:?}"
        )));
    }
    Ok(if cond == "not-allowed" {
        Outcome::Pass
    } else {
        Outcome::fail(format!(
            "an admin banning an owner was refused with {cond}, want not-allowed (§9.1)"
        ))
    })
}

async fn ban_self_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let (room_a, mut ev_a) = create_room(ctx, &alice, "Alice").await?;
    let cond = refusal(
        "an owner banning himself",
        within("the ban", room_a.ban(bare_jid(ctx, "alice"), None)).await?,
    )?;
    let exits: Vec<_> = drain_where(&mut ev_a, |e| matches!(e, RoomEvent::Exit { .. })).await;
    let still = room_a.joined();
    alice.close().await;
    if !exits.is_empty() || !still {
        return Ok(Outcome::fail(format!(
            "the refused self-ban removed the owner: {exits:?}"
        )));
    }
    Ok(match (cond, ctx.backend()) {
        ("conflict", _) => Outcome::Pass,
        ("not-allowed", Backend::Ejabberd) => Outcome::differs(
            "ejabberd 23.01 refuses an owner's self-ban with <not-allowed/>; §9.1 says \
             <conflict/> (the owner stays, as required)",
        ),
        (other, _) => Outcome::fail(format!(
            "banning oneself was refused with {other}, want conflict (§9.1)"
        )),
    })
}

async fn ban_list(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let (room_a, _ev_a) = create_room(ctx, &alice, "Alice").await?;
    let empty = affiliation_list("the ban list", &room_a, Affiliation::Outcast).await?;
    if !empty.is_empty() {
        return Ok(Outcome::fail(format!("a new room's ban list: {empty:?}")));
    }
    let mut deviations = Vec::new();
    let outcast = Affiliation::Outcast;
    let banned = match apply_delta(
        ctx,
        &room_a,
        outcast,
        &BTreeSet::new(),
        &[("dave", outcast), ("eve", outcast)],
        &mut deviations,
    )
    .await?
    {
        Ok(list) => list,
        Err(problem) => return Ok(Outcome::fail(problem)),
    };
    // The delta: unban dave, ban frank.
    if let Err(problem) = apply_delta(
        ctx,
        &room_a,
        outcast,
        &banned,
        &[("dave", Affiliation::None), ("frank", outcast)],
        &mut deviations,
    )
    .await?
    {
        return Ok(Outcome::fail(problem));
    }
    let [dave, eve] = connect_all(ctx, ["dave", "eve"]).await?;
    let dave_in = join(&dave, room_a.mucjid(), "Dave").await;
    let eve_in = join(&eve, room_a.mucjid(), "Eve").await;
    close_all(&[&alice, &dave, &eve]).await;
    if let Err(e) = dave_in {
        return Ok(Outcome::fail(format!("unbanned dave could not enter: {e}")));
    }
    Ok(match eve_in {
        Ok(_) => Outcome::fail("banned eve entered"),
        Err(e) => {
            let cond = join_condition(&e);
            if cond == Some("forbidden") {
                pass_or_differs(deviations)
            } else {
                Outcome::fail(format!(
                    "banned eve's entry failed with {e}, want forbidden"
                ))
            }
        }
    })
}
