//! §10.6–§10.8 Admins: granting and revoking admin status, the admin list,
//! and what an admin may not do there.

use muc_client::{AdminItem, Affiliation, Role, RoomEvent};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "owner.admin.grant",
            "10.6",
            "Granting admin status to an occupant: affiliation admin and role moderator for everyone",
            admin_grant
        ),
        scenario!(
            "owner.admin.revoke",
            "10.7",
            "Revoking admin status: affiliation none and role participant for everyone",
            admin_revoke
        ),
        scenario!(
            "owner.admin.list",
            "10.8",
            "The admin list, and deltas; an absent user made admin enters as admin and moderator",
            admin_list
        ),
        scenario!(
            "owner.admin.grant_by_admin_refused",
            "10.6",
            "An admin may neither grant admin status nor read the admin list (forbidden)",
            admin_grant_by_admin_refused
        ),
    ]
}

async fn admin_grant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, mut ev_b), (room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    affiliate(
        ctx,
        "granting admin",
        &room_a,
        "bob",
        Affiliation::Admin,
        Some("Helper"),
    )
    .await?;
    let (old, _) = wait_affiliation(&mut ev_b, "Bob", Affiliation::Admin).await?;
    wait_affiliation(&mut ev_c, "Bob", Affiliation::Admin).await?;
    let seen_by_carol = room_c.occupant("Bob").ok_or("carol does not list Bob")?;
    let me = room_b.this_occupant().ok_or("bob has no occupant")?;
    let admins = affiliation_list("the admin list", &room_a, Affiliation::Admin).await?;
    let caps = room_b.capabilities();
    close_all(&[&alice, &bob, &carol]).await;
    if old != Affiliation::None {
        return Ok(Outcome::fail(format!(
            "bob's affiliation went from {old:?}"
        )));
    }
    if me.role() != Role::Moderator || seen_by_carol.role() != Role::Moderator {
        return Ok(Outcome::fail(format!(
            "the new admin's role: {:?} (self) / {:?} (carol), want moderator",
            me.role(),
            seen_by_carol.role()
        )));
    }
    if !caps.may_ban(Affiliation::None) || caps.may_configure() {
        return Ok(Outcome::fail(format!(
            "the new admin's capabilities: {caps:?} (want ban, no configuration)"
        )));
    }
    Ok(if listed_jids(&admins) == set_of(&["bob@localhost"]) {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the admin list: {admins:?}"))
    })
}

async fn admin_revoke(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, mut ev_b), (room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    // In an unmoderated room the role that fits affiliation none is
    // participant (§5.1.2).
    reconfigure(&room_a, |c| {
        c.set_moderated(false);
    })
    .await?;
    make_admin(ctx, "granting admin", &room_a, "bob", &mut ev_b, "Bob").await?;
    wait_affiliation(&mut ev_c, "Bob", Affiliation::Admin).await?;
    let (old, _) = affiliate_and_wait(
        ctx,
        "revoking admin",
        &room_a,
        "bob",
        Affiliation::None,
        &mut ev_b,
        "Bob",
    )
    .await?;
    wait_affiliation(&mut ev_c, "Bob", Affiliation::None).await?;
    let me = room_b.this_occupant().ok_or("bob has no occupant")?;
    let seen_by_carol = room_c.occupant("Bob").ok_or("carol does not list Bob")?;
    let admins = affiliation_list("the admin list", &room_a, Affiliation::Admin).await?;
    close_all(&[&alice, &bob, &carol]).await;
    if old != Affiliation::Admin {
        return Ok(Outcome::fail(format!(
            "bob's affiliation went from {old:?}"
        )));
    }
    if me.role() != Role::Participant || seen_by_carol.role() != Role::Participant {
        return Ok(Outcome::fail(format!(
            "the former admin's role: {:?} (self) / {:?} (carol), want participant",
            me.role(),
            seen_by_carol.role()
        )));
    }
    Ok(if admins.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the admin list after the revocation: {admins:?}"))
    })
}

async fn admin_list(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, dave] = connect_all(ctx, ["alice", "dave"]).await?;
    let (room_a, mut ev_a) = create_room(ctx, &alice, "Alice").await?;
    let list = affiliation_list("the admin list", &room_a, Affiliation::Admin).await?;
    if !list.is_empty() {
        return Ok(Outcome::fail(format!("a new room's admin list: {list:?}")));
    }
    within(
        "adding an admin",
        room_a.modify_affiliations(vec![AdminItem::affiliation(
            bare_jid(ctx, "dave"),
            Affiliation::Admin,
        )]),
    )
    .await??;
    let list = affiliation_list("the admin list", &room_a, Affiliation::Admin).await?;
    if listed_jids(&list) != set_of(&["dave@localhost"])
        || list
            .iter()
            .any(|i| i.affiliation != Some(Affiliation::Admin))
    {
        return Ok(Outcome::fail(format!(
            "the admin list after adding dave: {list:?}"
        )));
    }
    let (_room_d, _ev_d, entered) = join(&dave, room_a.mucjid(), "Dave").await?;
    if entered.occupant.affiliation() != Affiliation::Admin
        || entered.occupant.role() != Role::Moderator
    {
        return Ok(Outcome::fail(format!(
            "dave entered as {:?}/{:?}, want admin/moderator",
            entered.occupant.affiliation(),
            entered.occupant.role()
        )));
    }
    within(
        "removing an admin",
        room_a.modify_affiliations(vec![AdminItem::affiliation(
            bare_jid(ctx, "dave"),
            Affiliation::None,
        )]),
    )
    .await??;
    let (old, _) = wait_affiliation(&mut ev_a, "Dave", Affiliation::None).await?;
    let list = affiliation_list("the admin list", &room_a, Affiliation::Admin).await?;
    close_all(&[&alice, &dave]).await;
    if old != Affiliation::Admin {
        return Ok(Outcome::fail(format!(
            "dave's affiliation went from {old:?}"
        )));
    }
    Ok(if list.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the admin list after removing dave: {list:?}"))
    })
}

async fn admin_grant_by_admin_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(_room_b, mut ev_b), (room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    make_carol_admin(ctx, &room_a, &mut ev_c).await?;
    if room_c
        .capabilities()
        .may_set_affiliation(Affiliation::None, Affiliation::Admin)
    {
        return Ok(Outcome::fail(
            "the admin's capabilities say she may grant admin status",
        ));
    }
    let cond = refusal(
        "an admin granting admin",
        within(
            "the grant",
            room_c.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Admin, None),
        )
        .await?,
    )?;
    let changed: Vec<_> = drain_where(
        &mut ev_b,
        |e| matches!(e, RoomEvent::AffiliationChange { occupant, .. } if occupant.nick() == "Bob"),
    )
    .await;
    let admin_read = refused_with(
        &within(
            "the admin list",
            room_c.affiliation_list(Affiliation::Admin),
        )
        .await?,
    )?;
    let admins = affiliation_list("the admin list", &room_a, Affiliation::Admin).await?;
    close_all(&[&alice, &bob, &carol]).await;
    if !changed.is_empty() || listed_jids(&admins) != set_of(&["carol@localhost"]) {
        return Ok(Outcome::fail(format!(
            "the refused grant changed something: {changed:?}, admins {admins:?}"
        )));
    }
    let mut problems = Vec::new();
    let mut deviations = Vec::new();
    // §10.6: "If the <user@host> of the 'from' address does not match the
    // bare JID of a room owner, the service MUST return a <forbidden/> error".
    match (cond, ctx.backend()) {
        ("forbidden", _) => {}
        ("not-allowed", Backend::Prosody) => deviations.push(
            "Prosody 0.12 refuses an admin's grant of admin status with <not-allowed/> \
             instead of §10.6's <forbidden/>",
        ),
        ("not-allowed", Backend::Ejabberd) => deviations.push(
            "ejabberd 23.01 refuses an admin's grant of admin status with <not-allowed/> \
             instead of §10.6's <forbidden/>",
        ),
        (other, _) => problems.push(format!(
            "an admin's grant of admin status was refused with {other}, want forbidden (§10.6)"
        )),
    }
    // §10.8: the admin list is the owners' to read in semi-anonymous rooms.
    match (admin_read, ctx.backend()) {
        (Some("forbidden"), _) => {}
        (None, Backend::Prosody) => deviations.push(
            "Prosody 0.12 gives an admin the admin list of a semi-anonymous room (§10.8: \
             forbidden)",
        ),
        (None, Backend::Ejabberd) => deviations.push(
            "ejabberd 23.01 gives an admin the admin list of a semi-anonymous room (§10.8: \
             forbidden)",
        ),
        (None, Backend::Embedded) => deviations.push(
            "muc-testserver (Prosody profile) gives an admin the admin list of a \
             semi-anonymous room, as Prosody 0.12 does (§10.8: forbidden)",
        ),
        (other, _) => problems.push(format!(
            "an admin's admin list request: {other:?}, want forbidden (§10.8)"
        )),
    }
    Ok(verdict_with(problems, deviations))
}
