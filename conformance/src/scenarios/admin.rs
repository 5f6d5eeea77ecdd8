//! §9 Admin use cases: bans, membership, moderator status and their lists.
//!
//! Affiliations change by bare JID (`muc#admin` items with `jid` and
//! `affiliation`), roles by nick; occupants see the changes as
//! [`RoomEvent::AffiliationChange`], [`RoomEvent::RoleChange`] and removals.

use std::collections::BTreeSet;

use muc_client::xmpp_parsers::stanza_error::ErrorType;
use muc_client::{AdminItem, Affiliation, LeaveMode, Role, RoomEvent, StatusCode};

use super::support::*;
use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;

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
        scenario!(
            "admin.participant_refused",
            "9",
            "A participant may not ban, grant membership or read the member list (forbidden)",
            participant_refused
        ),
    ]
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

async fn ban_occupant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
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
    let outcasts = within(
        "the ban list",
        room_a.affiliation_list(Affiliation::Outcast),
    )
    .await??;
    close_all(&[&alice, &bob, &carol]).await;
    Ok(if listed_jids(&outcasts) == set(&["bob@localhost"]) {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the ban list after the ban: {outcasts:?}"))
    })
}

async fn ban_rejoin_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (room_a, _ev_a, g) = room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
    let [(_room_b, mut ev_b)] = split_guests(g)?;
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

/// Makes `user` an admin of `room` and waits until `events` (anyone's) show it.
async fn make_admin(
    ctx: &ScenarioCtx,
    room: &muc_client::Room,
    events: &mut muc_client::RoomEvents,
    user: &str,
    nick: &str,
) -> Result<(), Error> {
    within(
        "granting admin",
        room.set_affiliation(bare_jid(ctx, user), Affiliation::Admin, None),
    )
    .await??;
    wait_affiliation(events, nick, Affiliation::Admin).await?;
    Ok(())
}

async fn ban_by_admin(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(_room_b, mut ev_b), (room_c, mut ev_c)] = split_guests(g)?;
    make_admin(ctx, &room_a, &mut ev_c, "carol", "Carol").await?;
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
    let alice = connect(ctx, "alice").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&carol, "Carol")]).await?;
    let [(room_c, mut ev_c)] = split_guests(g)?;
    make_admin(ctx, &room_a, &mut ev_c, "carol", "Carol").await?;
    if room_c.capabilities().may_ban(Affiliation::Owner) {
        return Ok(Outcome::fail(
            "the admin's capabilities say she may ban an owner",
        ));
    }
    let cond = refusal(
        "an admin banning the owner",
        within("the ban", room_c.ban(bare_jid(ctx, "alice"), None)).await?,
    )?;
    let exits: Vec<_> = drain(&mut ev_a)
        .await
        .into_iter()
        .filter(|e| matches!(e, RoomEvent::Exit { .. }))
        .collect();
    let owners = within(
        "the owner list",
        room_a.affiliation_list(Affiliation::Owner),
    )
    .await??;
    close_all(&[&alice, &carol]).await;
    if !exits.is_empty() || listed_jids(&owners) != set(&["alice@localhost"]) {
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
    let exits: Vec<_> = drain(&mut ev_a)
        .await
        .into_iter()
        .filter(|e| matches!(e, RoomEvent::Exit { .. }))
        .collect();
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

/// Sends `items` (bare JIDs of pre-registered users, and affiliations) as one
/// `muc#admin` delta and checks that the list of `listed` affiliations went
/// from `before` to what the delta makes of it. Where Prosody applied only
/// the first item (it reads only the first `<item/>` of a set), the other
/// items are sent one by one, the result is checked again, and the
/// deviation is noted in `deviations`.
async fn apply_delta(
    ctx: &ScenarioCtx,
    room: &muc_client::Room,
    listed: Affiliation,
    before: &BTreeSet<String>,
    items: &[(&str, Affiliation)],
    deviations: &mut Vec<String>,
) -> Result<Result<BTreeSet<String>, String>, Error> {
    let apply = |set: &mut BTreeSet<String>, (user, aff): &(&str, Affiliation)| {
        let jid = format!("{user}@{}", ctx.domain());
        if *aff == listed {
            set.insert(jid);
        } else {
            set.remove(&jid);
        }
    };
    let mut want = before.clone();
    items.iter().for_each(|i| apply(&mut want, i));
    let mut first_only = before.clone();
    if let Some(first) = items.first() {
        apply(&mut first_only, first);
    }
    let delta: Vec<AdminItem> = items
        .iter()
        .map(|(user, aff)| AdminItem::affiliation(bare_jid(ctx, user), *aff))
        .collect();
    within("the delta", room.modify_affiliations(delta)).await??;
    let list = within("the list", room.affiliation_list(listed)).await??;
    if list.iter().any(|i| i.affiliation != Some(listed)) {
        return Ok(Err(format!(
            "the {listed:?} list holds other affiliations: {list:?}"
        )));
    }
    let got = listed_jids(&list);
    if got == want {
        return Ok(Ok(got));
    }
    if !(got == first_only && items.len() > 1 && ctx.backend() == Backend::Prosody) {
        return Ok(Err(format!(
            "after the delta {items:?} the {listed:?} list is {got:?}, want {want:?}"
        )));
    }
    deviations.push(format!(
        "Prosody 0.12 applies only the first <item/> of a muc#admin set and answers success: \
         of the {}-item delta {items:?} on the {listed:?} list only the first took effect; \
         sent one by one, the others work",
        items.len()
    ));
    for (user, aff) in &items[1..] {
        within(
            "one item",
            room.modify_affiliations(vec![AdminItem::affiliation(bare_jid(ctx, user), *aff)]),
        )
        .await??;
    }
    let got = listed_jids(&within("the list", room.affiliation_list(listed)).await??);
    Ok(if got == want {
        Ok(got)
    } else {
        Err(format!(
            "after the delta {items:?} sent item by item the {listed:?} list is {got:?}, want {want:?}"
        ))
    })
}

/// The outcome of a scenario with no problem left: differs if a server
/// deviated on the way.
fn verdict(deviations: Vec<String>) -> Outcome {
    if deviations.is_empty() {
        Outcome::Pass
    } else {
        Outcome::differs(deviations.join("; "))
    }
}

async fn ban_list(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let (room_a, _ev_a) = create_room(ctx, &alice, "Alice").await?;
    let empty = within(
        "the ban list",
        room_a.affiliation_list(Affiliation::Outcast),
    )
    .await??;
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
    let dave = connect(ctx, "dave").await?;
    let eve = connect(ctx, "eve").await?;
    let dave_in = join(&dave, room_a.mucjid(), "Dave").await;
    let eve_in = join(&eve, room_a.mucjid(), "Eve").await;
    close_all(&[&alice, &dave, &eve]).await;
    if let Err(e) = dave_in {
        return Ok(Outcome::fail(format!("unbanned dave could not enter: {e}")));
    }
    Ok(match eve_in {
        Ok(_) => Outcome::fail("banned eve entered"),
        Err(e) => {
            let cond = e
                .downcast_ref::<muc_client::Error>()
                .and_then(|e| e.server_error())
                .map(|s| s.condition_name());
            if cond == Some("forbidden") {
                verdict(deviations)
            } else {
                Outcome::fail(format!(
                    "banned eve's entry failed with {e}, want forbidden"
                ))
            }
        }
    })
}

async fn member_grant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
    within(
        "granting membership",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Member, Some("Welcome")),
    )
    .await??;
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
    let members = within(
        "the member list",
        room_a.affiliation_list(Affiliation::Member),
    )
    .await??;
    close_all(&[&alice, &bob, &carol]).await;
    if listed_jids(&members) != set(&["bob@localhost"]) {
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
    within(
        "granting membership",
        room_a.set_affiliation(bare_jid(ctx, "dave"), Affiliation::Member, None),
    )
    .await??;
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
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (room_a, mut ev_a, g) = room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
    let [(room_b, mut ev_b)] = split_guests(g)?;
    within(
        "granting membership",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Member, None),
    )
    .await??;
    wait_affiliation(&mut ev_b, "Bob", Affiliation::Member).await?;
    within(
        "revoking membership",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::None, Some("Lapsed")),
    )
    .await??;
    let (old, _) = wait_affiliation(&mut ev_b, "Bob", Affiliation::None).await?;
    if old != Affiliation::Member {
        return Ok(Outcome::fail(format!(
            "bob saw his affiliation go from {old:?}"
        )));
    }
    wait_affiliation(&mut ev_a, "Bob", Affiliation::None).await?;
    let left: Vec<_> = drain(&mut ev_b)
        .await
        .into_iter()
        .filter(|e| matches!(e, RoomEvent::Exit { .. }))
        .collect();
    let members = within(
        "the member list",
        room_a.affiliation_list(Affiliation::Member),
    )
    .await??;
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
    for m in members {
        within(
            "granting membership",
            room.set_affiliation(bare_jid(ctx, m), Affiliation::Member, None),
        )
        .await??;
    }
    reconfigure(&room, |c| {
        c.set_members_only(true);
    })
    .await?;
    Ok((room, events))
}

async fn member_revoke_members_only(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a) = members_only_room(ctx, &alice, &["bob", "carol"]).await?;
    let (room_b, mut ev_b, _) = join(&bob, room_a.mucjid(), "Bob").await?;
    let (_room_c, mut ev_c, _) = join(&carol, room_a.mucjid(), "Carol").await?;
    wait_for(&mut ev_b, "Carol's join", |e| match e {
        RoomEvent::Join { occupant } if occupant.nick() == "Carol" => Some(()),
        _ => None,
    })
    .await?;
    within(
        "revoking membership",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::None, Some("Lapsed")),
    )
    .await??;
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
    let members = within(
        "the member list",
        room_a.affiliation_list(Affiliation::Member),
    )
    .await??;
    if listed_jids(&members) != set(&["carol@localhost"]) {
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
            let cond = e
                .downcast_ref::<muc_client::Error>()
                .and_then(|e| e.server_error())
                .map(|s| s.condition_name());
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
    within(
        "granting membership",
        room_a.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Member, None),
    )
    .await??;
    let member = Affiliation::Member;
    let mut deviations = Vec::new();
    let first = within("the member list", room_a.affiliation_list(member)).await??;
    if listed_jids(&first) != set(&["bob@localhost"]) {
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
        Ok(_) => verdict(deviations),
        Err(problem) => Outcome::fail(problem),
    })
}

async fn members_only_entry(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
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

async fn moderator_grant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
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
    Ok(if listed_nicks(&admin_list) == set(&["Alice", "Bob"]) {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the moderator list: {admin_list:?}"))
    })
}

async fn moderator_revoke(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
    within(
        "granting moderator",
        room_a.set_role("Bob", Role::Moderator, None),
    )
    .await??;
    wait_role(&mut ev_b, "Bob", Role::Moderator).await?;
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
    let alice = connect(ctx, "alice").await?;
    let carol = connect(ctx, "carol").await?;
    let dave = connect(ctx, "dave").await?;
    let (room_a, mut ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&carol, "Carol"), (&dave, "Dave")]).await?;
    let [(room_c, mut ev_c), (_room_d, mut ev_d)] = split_guests(g)?;
    make_admin(ctx, &room_a, &mut ev_c, "carol", "Carol").await?;
    make_admin(ctx, &room_a, &mut ev_d, "dave", "Dave").await?;
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
    let changed: Vec<_> = drain(&mut ev_a)
        .await
        .into_iter()
        .filter(|e| matches!(e, RoomEvent::RoleChange { new, .. } if *new != Role::Moderator))
        .collect();
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
    Ok(if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(problems.join("; "))
    })
}

async fn moderator_list(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a, _g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let list = within("the moderator list", room_a.role_list(Role::Moderator)).await??;
    if listed_nicks(&list) != set(&["Alice"])
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
    if listed_nicks(&list) != set(&["Alice", "Bob", "Carol"]) {
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
    Ok(if listed_nicks(&list) == set(&["Alice", "Carol"]) {
        Outcome::Pass
    } else {
        Outcome::fail(format!("the moderator list after revoking Bob: {list:?}"))
    })
}

async fn participant_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, _ev_b), (room_c, mut ev_c)] = split_guests(g)?;
    let caps = room_b.capabilities();
    if caps.may_ban(Affiliation::None)
        || caps.may_edit_member_list()
        || caps.may_set_affiliation(Affiliation::None, Affiliation::Member)
    {
        return Ok(Outcome::fail(format!(
            "a participant's capabilities allow affiliation changes: {caps:?}"
        )));
    }
    let ban = refusal(
        "a participant's ban",
        within("the ban", room_b.ban(bare_jid(ctx, "carol"), None)).await?,
    )?;
    let member = refusal(
        "a participant's membership grant",
        within(
            "the grant",
            room_b.set_affiliation(bare_jid(ctx, "carol"), Affiliation::Member, None),
        )
        .await?,
    )?;
    let list = refusal(
        "a participant's member list request",
        within(
            "the member list",
            room_b.affiliation_list(Affiliation::Member),
        )
        .await?,
    )?;
    let touched: Vec<_> = drain(&mut ev_c)
        .await
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                RoomEvent::AffiliationChange { .. } | RoomEvent::Exit { .. }
            )
        })
        .collect();
    let members = within(
        "the member list",
        room_a.affiliation_list(Affiliation::Member),
    )
    .await??;
    let still = room_c.joined();
    close_all(&[&alice, &bob, &carol]).await;
    if !touched.is_empty() || !still || !members.is_empty() {
        return Ok(Outcome::fail(format!(
            "refused requests changed something: {touched:?}, members {members:?}"
        )));
    }
    if list != "forbidden" {
        return Ok(Outcome::fail(format!(
            "a participant's member list request was refused with {list}, want forbidden (§9)"
        )));
    }
    // §9: requests from non-admins "MUST be denied [...] the service MUST
    // return a <forbidden/> error".
    Ok(match (ban, member, ctx.backend()) {
        ("forbidden", "forbidden", _) => Outcome::Pass,
        ("not-allowed", "not-allowed", Backend::Prosody) => Outcome::differs(
            "Prosody 0.12 refuses a participant's affiliation changes (ban, membership) with \
             <not-allowed/> instead of §9's <forbidden/>; the member list is forbidden as required",
        ),
        ("not-allowed", "not-allowed", Backend::Ejabberd) => Outcome::differs(
            "ejabberd 23.01 refuses a participant's affiliation changes (ban, membership) with \
             <not-allowed/> instead of §9's <forbidden/>; the member list is forbidden as required",
        ),
        (b, m, _) => Outcome::fail(format!(
            "a participant's ban was refused with {b} and membership grant with {m}, want forbidden (§9)"
        )),
    })
}
