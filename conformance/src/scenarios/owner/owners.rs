//! §10.3–§10.5 Owners: granting and revoking owner status, the sole owner
//! stepping down, the owner list and who may read or change it.

use muc_client::{AdminItem, Affiliation, Role};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "owner.owner.grant",
            "10.3",
            "Granting owner status to an occupant: everyone sees it; the new owner may configure",
            owner_grant
        ),
        scenario!(
            "owner.owner.revoke",
            "10.4",
            "Revoking owner status: everyone sees it; the former owner may no longer configure",
            owner_revoke
        ),
        scenario!(
            "owner.owner.sole_owner",
            "10.4",
            "The sole owner may not step down (conflict); with a second owner he may",
            owner_sole_owner
        ),
        scenario!(
            "owner.owner.list",
            "10.5",
            "The owner list, and deltas that add and remove an owner",
            owner_list
        ),
        scenario!(
            "owner.owner.list_refused",
            "10.5",
            "A participant or an admin may not read the owner list, nor an admin change it (forbidden)",
            owner_list_refused
        ),
    ]
}

async fn owner_grant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    affiliate(
        ctx,
        "granting ownership",
        &room_a,
        "bob",
        Affiliation::Owner,
        Some("Co-owner"),
    )
    .await?;
    let (old, _) = wait_affiliation(&mut ev_b, "Bob", Affiliation::Owner).await?;
    let (old_c, _) = wait_affiliation(&mut ev_c, "Bob", Affiliation::Owner).await?;
    if old != Affiliation::None || old_c != Affiliation::None {
        return Ok(Outcome::fail(format!(
            "the owner grant went from {old:?} (bob) / {old_c:?} (carol)"
        )));
    }
    let me = room_b.this_occupant().ok_or("bob has no occupant")?;
    if me.role() != Role::Moderator {
        return Ok(Outcome::fail(format!(
            "the new owner's role is {:?}, want moderator",
            me.role()
        )));
    }
    if !room_b.capabilities().may_configure() {
        return Ok(Outcome::fail(
            "the new owner's capabilities say he may not configure",
        ));
    }
    if let Err(e) = within("the new owner's form", room_b.get_config()).await? {
        return Ok(Outcome::fail(format!(
            "the new owner may not read the configuration: {e}"
        )));
    }
    let owners = affiliation_list("the owner list", &room_a, Affiliation::Owner).await?;
    close_all(&[&alice, &bob, &carol]).await;
    Ok(
        if listed_jids(&owners) == set_of(&["alice@localhost", "bob@localhost"]) {
            Outcome::Pass
        } else {
            Outcome::fail(format!("the owner list: {owners:?}"))
        },
    )
}

async fn owner_revoke(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    affiliate_and_wait(
        ctx,
        "granting ownership",
        &room_a,
        "bob",
        Affiliation::Owner,
        &mut ev_b,
        "Bob",
    )
    .await?;
    let (old, _) = affiliate_and_wait(
        ctx,
        "revoking ownership",
        &room_a,
        "bob",
        Affiliation::None,
        &mut ev_b,
        "Bob",
    )
    .await?;
    let (old_c, _) = wait_affiliation(&mut ev_c, "Bob", Affiliation::None).await?;
    if old != Affiliation::Owner || old_c != Affiliation::Owner {
        return Ok(Outcome::fail(format!(
            "the revocation went from {old:?} (bob) / {old_c:?} (carol)"
        )));
    }
    let me = room_b.this_occupant().ok_or("bob has no occupant")?;
    if me.role() == Role::Moderator {
        return Ok(Outcome::fail(
            "the former owner is still a moderator (want participant)",
        ));
    }
    if room_b.capabilities().may_configure() {
        return Ok(Outcome::fail(
            "the former owner's capabilities still allow configuring",
        ));
    }
    let cond = refusal(
        "the former owner reading the form",
        within("the form", room_b.get_config()).await?,
    )?;
    close_all(&[&alice, &bob, &carol]).await;
    Ok(if cond == "forbidden" {
        Outcome::Pass
    } else {
        Outcome::fail(format!(
            "the former owner's form request was refused with {cond}, want forbidden"
        ))
    })
}

async fn owner_sole_owner(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob], room_a, mut ev_a, [(room_b, mut ev_b)]) = room_of_two(ctx).await?;
    let alone = refusal(
        "the sole owner stepping down",
        within(
            "the step down",
            room_a.set_affiliation(bare_jid(ctx, "alice"), Affiliation::Admin, None),
        )
        .await?,
    )?;
    let deviation = match (alone, ctx.backend()) {
        ("conflict", _) => None,
        ("not-allowed", Backend::Ejabberd) => Some(
            "ejabberd 23.01 refuses the sole owner's step down with <not-allowed/> instead of \
             §10.4's <conflict/> (with a second owner the step down works, as required)",
        ),
        (other, _) => {
            return Ok(Outcome::fail(format!(
                "the sole owner's step down was refused with {other}, want conflict (§10.4)"
            )));
        }
    };
    affiliate_and_wait(
        ctx,
        "granting ownership",
        &room_a,
        "bob",
        Affiliation::Owner,
        &mut ev_b,
        "Bob",
    )
    .await?;
    // §10.4: a service SHOULD allow it when there are other owners.
    if let Err(e) = within(
        "the step down",
        room_a.set_affiliation(bare_jid(ctx, "alice"), Affiliation::Admin, None),
    )
    .await?
    {
        return Ok(Outcome::fail(format!(
            "an owner could not step down although another owner exists: {e}"
        )));
    }
    let (old, _) = wait_affiliation(&mut ev_a, "Alice", Affiliation::Admin).await?;
    let owners = affiliation_list("the owner list", &room_b, Affiliation::Owner).await?;
    let caps = room_a.capabilities();
    close_all(&[&alice, &bob]).await;
    if old != Affiliation::Owner || caps.may_configure() {
        return Ok(Outcome::fail(format!(
            "alice's affiliation went from {old:?}; her capabilities now: {caps:?}"
        )));
    }
    if listed_jids(&owners) != set_of(&["bob@localhost"]) {
        return Ok(Outcome::fail(format!(
            "the owner list after alice stepped down: {owners:?}"
        )));
    }
    Ok(match deviation {
        None => Outcome::Pass,
        Some(why) => Outcome::differs(why),
    })
}

async fn owner_list(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let (room_a, _ev_a) = create_room(ctx, &alice, "Alice").await?;
    let list = affiliation_list("the owner list", &room_a, Affiliation::Owner).await?;
    if listed_jids(&list) != set_of(&["alice@localhost"])
        || list
            .iter()
            .any(|i| i.affiliation != Some(Affiliation::Owner))
    {
        return Ok(Outcome::fail(format!("a new room's owner list: {list:?}")));
    }
    within(
        "adding an owner",
        room_a.modify_affiliations(vec![AdminItem::affiliation(
            bare_jid(ctx, "dave"),
            Affiliation::Owner,
        )]),
    )
    .await??;
    let list = affiliation_list("the owner list", &room_a, Affiliation::Owner).await?;
    if listed_jids(&list) != set_of(&["alice@localhost", "dave@localhost"]) {
        return Ok(Outcome::fail(format!(
            "the owner list after adding dave: {list:?}"
        )));
    }
    within(
        "removing an owner",
        room_a.modify_affiliations(vec![AdminItem::affiliation(
            bare_jid(ctx, "dave"),
            Affiliation::None,
        )]),
    )
    .await??;
    let list = affiliation_list("the owner list", &room_a, Affiliation::Owner).await?;
    alice.close().await;
    Ok(if listed_jids(&list) == set_of(&["alice@localhost"]) {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the owner list after removing dave: {list:?}"))
    })
}

async fn owner_list_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, _ev_b), (room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    make_carol_admin(ctx, &room_a, &mut ev_c).await?;
    let participant_read = refused_with(
        &within(
            "the owner list",
            room_b.affiliation_list(Affiliation::Owner),
        )
        .await?,
    )?;
    let admin_read = refused_with(
        &within(
            "the owner list",
            room_c.affiliation_list(Affiliation::Owner),
        )
        .await?,
    )?;
    let admin_change = refused_with(
        &within(
            "the owner list delta",
            room_c.modify_affiliations(vec![AdminItem::affiliation(
                bare_jid(ctx, "dave"),
                Affiliation::Owner,
            )]),
        )
        .await?,
    )?;
    let owners = affiliation_list("the owner list", &room_a, Affiliation::Owner).await?;
    close_all(&[&alice, &bob, &carol]).await;
    let mut problems = Vec::new();
    let mut deviations = Vec::new();
    if listed_jids(&owners) != set_of(&["alice@localhost"]) {
        problems.push(format!(
            "a refused change altered the owner list: {owners:?}"
        ));
    }
    // §10.5: reading is forbidden to non-owners in semi-anonymous rooms.
    if participant_read != Some("forbidden") {
        problems.push(format!(
            "a participant's owner list request: {participant_read:?}, want forbidden (§10.5)"
        ));
    }
    match (admin_read, ctx.backend()) {
        (Some("forbidden"), _) => {}
        (None, Backend::Ejabberd) => deviations.push(
            "ejabberd 23.01 gives an admin the owner list of a semi-anonymous room (§10.5: \
             forbidden)",
        ),
        (other, _) => problems.push(format!(
            "an admin's owner list request: {other:?}, want forbidden (§10.5)"
        )),
    }
    // §10.5: "If a non-owner attempts to modify the owner list, the service
    // MUST deny the request and return a <forbidden/> error".
    match (admin_change, ctx.backend()) {
        (Some("forbidden"), _) => {}
        (Some("not-allowed"), Backend::Prosody) => deviations.push(
            "Prosody 0.12 refuses an admin's change of the owner list with <not-allowed/> \
             instead of §10.5's <forbidden/>",
        ),
        (Some("not-allowed"), Backend::Ejabberd) => deviations.push(
            "ejabberd 23.01 refuses an admin's change of the owner list with <not-allowed/> \
             instead of §10.5's <forbidden/>",
        ),
        (other, _) => problems.push(format!(
            "an admin's change of the owner list: {other:?}, want forbidden (§10.5)"
        )),
    }
    Ok(verdict_with(problems, deviations))
}
