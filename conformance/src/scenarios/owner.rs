//! §10 Owner use cases: creating rooms, configuration and its
//! notifications, owners and admins and their lists, destruction; and the
//! checks that [`Room::capabilities`](muc_client::Room::capabilities) agree
//! with what the server then allows.

use std::collections::BTreeSet;
use std::time::Duration;

use muc_client::{
    AdminItem, Affiliation, Destruction, LeaveMode, Role, RoomConfig, RoomEvent, StatusCode, Whois,
};

use super::support::*;
use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "owner.create.instant",
            "10.1.2",
            "Creating an instant room: 201 and 110 as owner and moderator, then others may enter",
            create_instant
        ),
        scenario!(
            "owner.create.reserved",
            "10.1.3",
            "Creating a reserved room: typed form fields, locked until the submitted form, which then holds",
            create_reserved
        ),
        scenario!(
            "owner.create.cancel",
            "10.1.3",
            "Cancelling the initial configuration destroys the new room",
            create_cancel
        ),
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
        scenario!(
            "owner.seed.set_affiliation",
            "10",
            "Service::set_affiliation and affiliation_list work without joining the room",
            seed_set_affiliation
        ),
        scenario!(
            "owner.capabilities.agree",
            "10",
            "Room::capabilities predict what the server allows: the owner configures and destroys, a participant may not kick",
            capabilities_agree
        ),
    ]
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The condition of a failed join in a scenario's error, if the room refused.
fn join_condition(e: &Error) -> Option<&'static str> {
    e.downcast_ref::<muc_client::Error>()
        .and_then(|e| e.server_error())
        .map(|s| s.condition_name())
}

/// Waits for a configuration-change notice; returns its status codes.
async fn wait_config_change(events: &mut muc_client::RoomEvents) -> Result<Vec<StatusCode>, Error> {
    wait_for(events, "a configuration-change notice", |e| match e {
        RoomEvent::ConfigChanged { status } => Some(status.clone()),
        _ => None,
    })
    .await
}

async fn create_instant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let jid = ctx.fresh_room();
    let (room_a, mut ev_a, entered) = join(&alice, &jid, "Alice").await?;
    let me = &entered.occupant;
    if !entered.created
        || !entered.status.contains(&StatusCode::ROOM_CREATED)
        || !entered.status.contains(&StatusCode::SELF_PRESENCE)
    {
        return Ok(Outcome::fail(format!(
            "the creator's self-presence: created {} with {:?} (want 201 and 110)",
            entered.created, entered.status
        )));
    }
    if me.affiliation() != Affiliation::Owner || me.role() != Role::Moderator {
        return Ok(Outcome::fail(format!(
            "the creator is {:?}/{:?}, want owner/moderator",
            me.affiliation(),
            me.role()
        )));
    }
    if !room_a.capabilities().may_configure() {
        return Ok(Outcome::fail(
            "the creator's capabilities say she may not configure",
        ));
    }
    within("the instant room", room_a.create_instant()).await??;
    let (_room_b, _ev_b, b_entered) = match join(&bob, &jid, "Bob").await {
        Ok(x) => x,
        Err(e) => {
            return Ok(Outcome::fail(format!(
                "bob could not enter the instant room: {e}"
            )));
        }
    };
    if b_entered.created || b_entered.status.contains(&StatusCode::ROOM_CREATED) {
        return Ok(Outcome::fail(format!(
            "bob's entry into an existing room says it was created: {:?}",
            b_entered.status
        )));
    }
    wait_for(&mut ev_a, "Bob's join", |e| match e {
        RoomEvent::Join { occupant } if occupant.nick() == "Bob" => Some(()),
        _ => None,
    })
    .await?;
    close_all(&[&alice, &bob]).await;
    Ok(Outcome::Pass)
}

async fn create_reserved(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let jid = ctx.fresh_room();
    let (room_a, _ev_a, entered) = join(&alice, &jid, "Alice").await?;
    if !entered.created {
        return Ok(Outcome::fail(
            "the room was not reported as created (no 201)",
        ));
    }
    let mut config = within("the configuration form", room_a.get_config()).await??;
    let vars: BTreeSet<String> = config
        .form()
        .fields
        .iter()
        .filter_map(|f| f.var.clone())
        .collect();
    let wanted = [
        "muc#roomconfig_roomname",
        "muc#roomconfig_roomdesc",
        "muc#roomconfig_persistentroom",
        "muc#roomconfig_publicroom",
        "muc#roomconfig_membersonly",
        "muc#roomconfig_moderatedroom",
        "muc#roomconfig_roomsecret",
        "muc#roomconfig_whois",
        "muc#roomconfig_changesubject",
    ];
    let missing: Vec<_> = wanted.iter().filter(|v| !vars.contains(**v)).collect();
    if !missing.is_empty() {
        return Ok(Outcome::fail(format!(
            "the configuration form lacks {missing:?}; it has {vars:?}"
        )));
    }
    // Every server's default room is semi-anonymous, open and temporary.
    // (A boolean field without a <value/> is false: XEP-0004 §3.3.)
    let mut problems = Vec::new();
    if config.whois() != Some(Whois::Moderators)
        || config.members_only() != Some(false)
        || config.persistent() != Some(false)
    {
        let raw: Vec<_> = config
            .form()
            .fields
            .iter()
            .filter(|f| {
                matches!(
                    f.var.as_deref(),
                    Some("muc#roomconfig_membersonly" | "muc#roomconfig_persistentroom")
                )
            })
            .map(|f| (f.var.clone(), f.values.clone()))
            .collect();
        problems.push(format!(
            "the typed defaults read whois {:?}, members-only {:?}, persistent {:?} \
             (want moderators, false, false) from the fields {raw:?}",
            config.whois(),
            config.members_only(),
            config.persistent(),
        ));
    }
    // §10.1.1: nobody else enters before the configuration is submitted
    // (§7.2.10: item-not-found).
    let early = join(&bob, &jid, "Bob").await;
    let lock = match &early {
        Err(e) if join_condition(e) == Some("item-not-found") => None,
        Ok(_) if ctx.backend() == Backend::Ejabberd => Some(
            "ejabberd 23.01 never locks a new room: bob entered while the owner was still \
             configuring it (§10.1.1, §7.2.10 want item-not-found)",
        ),
        Ok(_) => {
            return Ok(Outcome::fail(
                "bob entered the new room before its configuration was submitted",
            ));
        }
        Err(e) => {
            return Ok(Outcome::fail(format!(
                "bob's early entry failed with {e}, want item-not-found"
            )));
        }
    };
    if let Ok((early_room, _, _)) = early {
        within("bob leaving", early_room.leave_and_wait()).await??;
    }
    config
        .set_roomname("Reserved Room")
        .set_room_desc("Configured before anyone came")
        .set_moderated(true)
        .set_whois(Whois::Anyone);
    within("the submission", room_a.set_config(&config)).await??;
    let (_room_b, _ev_b, b_entered) = match join(&bob, &jid, "Bob").await {
        Ok(x) => x,
        Err(e) => {
            return Ok(Outcome::fail(format!(
                "bob could not enter the configured room: {e}"
            )));
        }
    };
    // §7.2.3: a non-anonymous room says so with 100 in the self-presence.
    if !b_entered.status.contains(&StatusCode::NON_ANONYMOUS) {
        problems.push(format!(
            "bob's self-presence in the non-anonymous room lacks 100: {:?}",
            b_entered.status
        ));
    }
    let again = within("the configuration form", room_a.get_config()).await??;
    if again.roomname() != Some("Reserved Room")
        || again.room_desc() != Some("Configured before anyone came")
        || again.moderated() != Some(true)
        || again.whois() != Some(Whois::Anyone)
    {
        problems.push(format!(
            "the form after the submission: name {:?}, description {:?}, moderated {:?}, whois {:?}",
            again.roomname(),
            again.room_desc(),
            again.moderated(),
            again.whois()
        ));
    }
    let info = within("the room's disco#info", bob.room_info(&jid)).await??;
    close_all(&[&alice, &bob]).await;
    if info.features.non_anonymous != Some(true) || info.features.moderated != Some(true) {
        problems.push(format!(
            "disco#info after the configuration: {:?}",
            info.features
        ));
    }
    Ok(match (problems.is_empty(), lock) {
        (false, _) => Outcome::fail(problems.join("; ")),
        (true, None) => Outcome::Pass,
        (true, Some(why)) => Outcome::differs(why),
    })
}

async fn create_cancel(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let jid = ctx.fresh_room();
    let (room_a, mut ev_a, entered) = join(&alice, &jid, "Alice").await?;
    if !entered.created {
        return Ok(Outcome::fail(
            "the room was not reported as created (no 201)",
        ));
    }
    // The embedded server is held to the server its profile imitates. Its
    // Prosody profile advertises occupant-id (XEP-0421) on rooms, its
    // ejabberd profile does not; the owner may ask a locked room.
    let (imitates, who) = match ctx.backend() {
        Backend::Embedded => {
            let info = within("disco#info", alice.room_info(jid.clone())).await??;
            if info
                .raw
                .features
                .iter()
                .any(|f| f == "urn:xmpp:occupant-id:0")
            {
                (
                    Backend::Prosody,
                    "muc-testserver (Prosody profile, as Prosody 0.12)",
                )
            } else {
                (
                    Backend::Ejabberd,
                    "muc-testserver (ejabberd profile, as ejabberd 23.01)",
                )
            }
        }
        Backend::Prosody => (Backend::Prosody, "Prosody 0.12"),
        Backend::Ejabberd => (Backend::Ejabberd, "ejabberd 23.01"),
        other => (other, ""),
    };
    within("the cancellation", room_a.cancel_config()).await??;
    // §10.1.3: the service MUST destroy the room, sending the owner an
    // unavailable presence. muc-client ends the room on its side once the
    // cancellation succeeds, presence or not, so whether the room is gone
    // is asked of the service: bob's join creates it anew or not.
    let exit = tokio::time::timeout(Duration::from_secs(3), wait_exit(&mut ev_a)).await;
    let exited = match exit {
        Ok(Ok(removed)) if removed.mode != LeaveMode::Destroyed => {
            close_all(&[&alice, &bob]).await;
            return Ok(Outcome::fail(format!(
                "the owner left the cancelled room as {:?}, want Destroyed",
                removed.mode
            )));
        }
        Ok(Ok(_)) => true,
        Ok(Err(e)) => return Err(e),
        Err(_) => false,
    };
    let bob_in = join(&bob, &jid, "Bob").await;
    let outcome = match (&bob_in, imitates) {
        (Ok((_, _, e)), _) if e.created => {
            if exited {
                Outcome::Pass
            } else {
                Outcome::fail(
                    "the room was destroyed (bob's join created it anew: 201) but the owner \
                     got no unavailable presence and still counts as joined (§10.1.3: \
                     \"making sure to send unavailable presence to the room owner\")",
                )
            }
        }
        (Err(e), Backend::Prosody) if join_condition(e) == Some("item-not-found") => {
            Outcome::differs(format!(
                "{who} answers the cancellation of the initial configuration with success \
                 but keeps the room, locked, with the owner in it (others get \
                 item-not-found); §10.1.3 says the service MUST destroy it"
            ))
        }
        (Ok((room_b, _, e)), Backend::Ejabberd)
            if !e.created && room_b.occupant("Alice").is_some() =>
        {
            Outcome::differs(format!(
                "{who} answers the cancellation of the initial configuration with success \
                 but keeps the room open with the owner in it; §10.1.3 says the service \
                 MUST destroy it"
            ))
        }
        _ => Outcome::fail(format!(
            "the cancelled room was not destroyed: bob's join {:?}",
            bob_in.as_ref().map(|(_, _, e)| e.status.clone())
        )),
    };
    close_all(&[&alice, &bob]).await;
    Ok(outcome)
}

async fn config_change_104(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (room_a, mut ev_a, g) = room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
    let [(_room_b, mut ev_b)] = split_guests(g)?;
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
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (room_a, mut ev_a, g) = room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
    let [(_room_b, mut ev_b)] = split_guests(g)?;
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
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (room_c, mut ev_c)] = split_guests(g)?;
    within(
        "granting membership",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Member, None),
    )
    .await??;
    wait_affiliation(&mut ev_b, "Bob", Affiliation::Member).await?;
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
    let kept: Vec<_> = drain(&mut ev_b)
        .await
        .into_iter()
        .filter(|e| matches!(e, RoomEvent::Exit { .. }))
        .collect();
    let bob_in = room_b.joined();
    close_all(&[&alice, &bob, &carol]).await;
    Ok(if kept.is_empty() && bob_in {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the member was removed too: {kept:?}"))
    })
}

async fn config_cancel_later(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (room_a, _ev_a, g) = room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
    let [(room_b, mut ev_b)] = split_guests(g)?;
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
    let after: Vec<_> = drain(&mut ev_b)
        .await
        .into_iter()
        .filter(|e| matches!(e, RoomEvent::Exit { .. } | RoomEvent::ConfigChanged { .. }))
        .collect();
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
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, _ev_b), (room_c, mut ev_c)] = split_guests(g)?;
    within(
        "making carol an admin",
        room_a.set_affiliation(bare_jid(ctx, "carol"), Affiliation::Admin, None),
    )
    .await??;
    wait_affiliation(&mut ev_c, "Carol", Affiliation::Admin).await?;
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
    Ok(if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(problems.join("; "))
    })
}

async fn owner_grant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
    within(
        "granting ownership",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Owner, Some("Co-owner")),
    )
    .await??;
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
    let owners = within(
        "the owner list",
        room_a.affiliation_list(Affiliation::Owner),
    )
    .await??;
    close_all(&[&alice, &bob, &carol]).await;
    Ok(
        if listed_jids(&owners) == set(&["alice@localhost", "bob@localhost"]) {
            Outcome::Pass
        } else {
            Outcome::fail(format!("the owner list: {owners:?}"))
        },
    )
}

async fn owner_revoke(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
    within(
        "granting ownership",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Owner, None),
    )
    .await??;
    wait_affiliation(&mut ev_b, "Bob", Affiliation::Owner).await?;
    within(
        "revoking ownership",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::None, None),
    )
    .await??;
    let (old, _) = wait_affiliation(&mut ev_b, "Bob", Affiliation::None).await?;
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
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (room_a, mut ev_a, g) = room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
    let [(room_b, mut ev_b)] = split_guests(g)?;
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
    within(
        "granting ownership",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Owner, None),
    )
    .await??;
    wait_affiliation(&mut ev_b, "Bob", Affiliation::Owner).await?;
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
    let owners = within(
        "the owner list",
        room_b.affiliation_list(Affiliation::Owner),
    )
    .await??;
    let caps = room_a.capabilities();
    close_all(&[&alice, &bob]).await;
    if old != Affiliation::Owner || caps.may_configure() {
        return Ok(Outcome::fail(format!(
            "alice's affiliation went from {old:?}; her capabilities now: {caps:?}"
        )));
    }
    if listed_jids(&owners) != set(&["bob@localhost"]) {
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
    let list = within(
        "the owner list",
        room_a.affiliation_list(Affiliation::Owner),
    )
    .await??;
    if listed_jids(&list) != set(&["alice@localhost"])
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
    let list = within(
        "the owner list",
        room_a.affiliation_list(Affiliation::Owner),
    )
    .await??;
    if listed_jids(&list) != set(&["alice@localhost", "dave@localhost"]) {
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
    let list = within(
        "the owner list",
        room_a.affiliation_list(Affiliation::Owner),
    )
    .await??;
    alice.close().await;
    Ok(if listed_jids(&list) == set(&["alice@localhost"]) {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the owner list after removing dave: {list:?}"))
    })
}

async fn owner_list_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, _ev_b), (room_c, mut ev_c)] = split_guests(g)?;
    within(
        "making carol an admin",
        room_a.set_affiliation(bare_jid(ctx, "carol"), Affiliation::Admin, None),
    )
    .await??;
    wait_affiliation(&mut ev_c, "Carol", Affiliation::Admin).await?;
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
    let owners = within(
        "the owner list",
        room_a.affiliation_list(Affiliation::Owner),
    )
    .await??;
    close_all(&[&alice, &bob, &carol]).await;
    let mut problems = Vec::new();
    let mut deviations = Vec::new();
    if listed_jids(&owners) != set(&["alice@localhost"]) {
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
    Ok(if !problems.is_empty() {
        Outcome::fail(problems.join("; "))
    } else if !deviations.is_empty() {
        Outcome::differs(deviations.join("; "))
    } else {
        Outcome::Pass
    })
}

async fn admin_grant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (room_c, mut ev_c)] = split_guests(g)?;
    within(
        "granting admin",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Admin, Some("Helper")),
    )
    .await??;
    let (old, _) = wait_affiliation(&mut ev_b, "Bob", Affiliation::Admin).await?;
    wait_affiliation(&mut ev_c, "Bob", Affiliation::Admin).await?;
    let seen_by_carol = room_c.occupant("Bob").ok_or("carol does not list Bob")?;
    let me = room_b.this_occupant().ok_or("bob has no occupant")?;
    let admins = within(
        "the admin list",
        room_a.affiliation_list(Affiliation::Admin),
    )
    .await??;
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
    Ok(if listed_jids(&admins) == set(&["bob@localhost"]) {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the admin list: {admins:?}"))
    })
}

async fn admin_revoke(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (room_c, mut ev_c)] = split_guests(g)?;
    // In an unmoderated room the role that fits affiliation none is
    // participant (§5.1.2).
    reconfigure(&room_a, |c| {
        c.set_moderated(false);
    })
    .await?;
    within(
        "granting admin",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Admin, None),
    )
    .await??;
    wait_affiliation(&mut ev_b, "Bob", Affiliation::Admin).await?;
    wait_affiliation(&mut ev_c, "Bob", Affiliation::Admin).await?;
    within(
        "revoking admin",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::None, None),
    )
    .await??;
    let (old, _) = wait_affiliation(&mut ev_b, "Bob", Affiliation::None).await?;
    wait_affiliation(&mut ev_c, "Bob", Affiliation::None).await?;
    let me = room_b.this_occupant().ok_or("bob has no occupant")?;
    let seen_by_carol = room_c.occupant("Bob").ok_or("carol does not list Bob")?;
    let admins = within(
        "the admin list",
        room_a.affiliation_list(Affiliation::Admin),
    )
    .await??;
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
    let alice = connect(ctx, "alice").await?;
    let dave = connect(ctx, "dave").await?;
    let (room_a, mut ev_a) = create_room(ctx, &alice, "Alice").await?;
    let list = within(
        "the admin list",
        room_a.affiliation_list(Affiliation::Admin),
    )
    .await??;
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
    let list = within(
        "the admin list",
        room_a.affiliation_list(Affiliation::Admin),
    )
    .await??;
    if listed_jids(&list) != set(&["dave@localhost"])
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
    let list = within(
        "the admin list",
        room_a.affiliation_list(Affiliation::Admin),
    )
    .await??;
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
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(_room_b, mut ev_b), (room_c, mut ev_c)] = split_guests(g)?;
    within(
        "making carol an admin",
        room_a.set_affiliation(bare_jid(ctx, "carol"), Affiliation::Admin, None),
    )
    .await??;
    wait_affiliation(&mut ev_c, "Carol", Affiliation::Admin).await?;
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
    let changed: Vec<_> = drain(&mut ev_b)
        .await
        .into_iter()
        .filter(|e| matches!(e, RoomEvent::AffiliationChange { occupant, .. } if occupant.nick() == "Bob"))
        .collect();
    let admin_read = refused_with(
        &within(
            "the admin list",
            room_c.affiliation_list(Affiliation::Admin),
        )
        .await?,
    )?;
    let admins = within(
        "the admin list",
        room_a.affiliation_list(Affiliation::Admin),
    )
    .await??;
    close_all(&[&alice, &bob, &carol]).await;
    if !changed.is_empty() || listed_jids(&admins) != set(&["carol@localhost"]) {
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
    Ok(if !problems.is_empty() {
        Outcome::fail(problems.join("; "))
    } else if !deviations.is_empty() {
        Outcome::differs(deviations.join("; "))
    } else {
        Outcome::Pass
    })
}

async fn destroy_occupied(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
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
    Ok(if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(problems.join("; "))
    })
}

async fn destroy_non_owner_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, _ev_b), (room_c, mut ev_c)] = split_guests(g)?;
    within(
        "making carol an admin",
        room_a.set_affiliation(bare_jid(ctx, "carol"), Affiliation::Admin, None),
    )
    .await??;
    wait_affiliation(&mut ev_c, "Carol", Affiliation::Admin).await?;
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
    let exits: Vec<_> = drain(&mut ev_a)
        .await
        .into_iter()
        .filter(|e| matches!(e, RoomEvent::Exit { .. }))
        .collect();
    if !exits.is_empty() || !room_a.joined() || !room_b.joined() {
        problems.push(format!(
            "a refused destruction removed occupants: {exits:?}"
        ));
    }
    close_all(&[&alice, &bob, &carol]).await;
    Ok(if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(problems.join("; "))
    })
}

async fn seed_set_affiliation(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (room_a, _ev_a, g) = room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
    let [(_room_b, mut ev_b)] = split_guests(g)?;
    let jid = room_a.mucjid().clone();
    // A second session of the owner that never joins the room.
    let desk = connect(ctx, "alice").await?;
    if desk.room(&jid).is_some() {
        return Ok(Outcome::fail("the second session has the room already"));
    }
    if let Err(e) = within(
        "set_affiliation without joining",
        desk.set_affiliation(
            &jid,
            bare_jid(ctx, "bob"),
            Affiliation::Member,
            Some("Seed"),
        ),
    )
    .await?
    {
        return Ok(Outcome::fail(format!(
            "the owner's unjoined session could not set an affiliation: {e}"
        )));
    }
    let (old, _) = wait_affiliation(&mut ev_b, "Bob", Affiliation::Member).await?;
    if old != Affiliation::None {
        return Ok(Outcome::fail(format!(
            "bob's affiliation went from {old:?}"
        )));
    }
    let members = within(
        "affiliation_list without joining",
        desk.affiliation_list(&jid, Affiliation::Member),
    )
    .await??;
    if listed_jids(&members) != set(&["bob@localhost"]) {
        return Ok(Outcome::fail(format!(
            "the member list read without joining: {members:?}"
        )));
    }
    // An unjoined session of a user with no affiliation is refused.
    let carol = connect(ctx, "carol").await?;
    let refused = refusal(
        "a stranger's set_affiliation",
        within(
            "set_affiliation",
            carol.set_affiliation(&jid, bare_jid(ctx, "dave"), Affiliation::Member, None),
        )
        .await?,
    );
    close_all(&[&alice, &bob, &desk, &carol]).await;
    refused?;
    Ok(Outcome::Pass)
}

async fn capabilities_agree(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, _ev_b), (_room_c, _ev_c)] = split_guests(g)?;
    let mut problems = Vec::new();
    let mut check = |what: &str, predicted: bool, allowed: bool| {
        if predicted != allowed {
            problems.push(format!(
                "{what}: the capabilities say {predicted}, the server {}",
                if allowed { "allowed it" } else { "refused" }
            ));
        }
    };
    // The participant first (nothing changes when refused).
    let b = room_b.capabilities();
    let carol_seen = room_b.occupant("Carol").ok_or("bob does not list Carol")?;
    let kick = within("the participant's kick", room_b.kick("Carol", None)).await?;
    check(
        "participant kicks",
        b.may_kick(&carol_seen),
        refused_with(&kick)?.is_none(),
    );
    let form = within("the participant's form", room_b.get_config()).await?;
    check(
        "participant configures",
        b.may_configure(),
        refused_with(&form)?.is_none(),
    );
    let ban = within(
        "the participant's ban",
        room_b.ban(bare_jid(ctx, "carol"), None),
    )
    .await?;
    check(
        "participant bans",
        b.may_ban(Affiliation::None),
        refused_with(&ban)?.is_none(),
    );
    let destroy = within(
        "the participant's destruction",
        room_b.destroy(Destruction::default()),
    )
    .await?;
    check(
        "participant destroys",
        b.may_destroy(),
        refused_with(&destroy)?.is_none(),
    );
    // Then the owner.
    let a = room_a.capabilities();
    let form = within("the owner's form", room_a.get_config()).await?;
    check(
        "owner configures",
        a.may_configure(),
        refused_with(&form)?.is_none(),
    );
    let carol_seen = room_a
        .occupant("Carol")
        .ok_or("alice does not list Carol")?;
    let kick = within("the owner's kick", room_a.kick("Carol", None)).await?;
    check(
        "owner kicks",
        a.may_kick(&carol_seen),
        refused_with(&kick)?.is_none(),
    );
    wait_leave(&mut ev_a, "Carol").await?;
    let destroy = within(
        "the owner's destruction",
        room_a.destroy(Destruction::default()),
    )
    .await?;
    check(
        "owner destroys",
        a.may_destroy(),
        refused_with(&destroy)?.is_none(),
    );
    close_all(&[&alice, &bob, &carol]).await;
    Ok(if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(problems.join("; "))
    })
}
