//! §8 Moderator use cases: kicking, voice, the voice list.
//!
//! Roles change by nick (`muc#admin` items with `nick` and `role`); every
//! change is broadcast as presence, which muc-client turns into
//! [`RoomEvent::RoleChange`], [`RoomEvent::Leave`] and, for the local user,
//! [`RoomEvent::Exit`].

use std::collections::BTreeSet;

use muc_client::{AdminItem, Affiliation, LeaveMode, Role, RoomEvent, StatusCode, TrackerState};

use super::support::*;
use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;

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
        scenario!(
            "moderation.voice.default_visitor",
            "8.3",
            "In a moderated room an unaffiliated newcomer is a visitor and may not speak",
            default_visitor
        ),
        scenario!(
            "moderation.voice.revoke",
            "8.4",
            "Revoking voice: everyone sees the participant become a visitor, whose messages are then refused",
            revoke_voice
        ),
        scenario!(
            "moderation.voice.grant",
            "8.3",
            "Granting voice: everyone sees the visitor become a participant, who may then speak",
            grant_voice
        ),
        scenario!(
            "moderation.voice.admin_protected",
            "8.4",
            "A moderator revoking an admin's voice is refused with not-allowed",
            voice_admin_protected
        ),
        scenario!(
            "moderation.voice.admin_protected_from_owner",
            "8.4",
            "Even the owner may not revoke an admin's voice (not-allowed)",
            voice_admin_protected_from_owner
        ),
        scenario!(
            "moderation.voice.list",
            "8.5",
            "The voice list names the participants; a delta of two items changes both roles",
            voice_list
        ),
        scenario!(
            "moderation.voice.list_forbidden",
            "8.5",
            "A participant asking for the voice list is refused (forbidden)",
            voice_list_forbidden
        ),
    ]
}

async fn kick_participant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
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
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (room_a, mut ev_a, g) = room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
    let [(_room_b, mut ev_b)] = split_guests(g)?;
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
    wait_for(&mut ev_a, "Bob's new join", |e| match e {
        RoomEvent::Join { occupant } if occupant.nick() == "Bob" => Some(()),
        _ => None,
    })
    .await?;
    drop(again);
    close_all(&[&alice, &bob]).await;
    Ok(Outcome::Pass)
}

async fn kick_by_moderator(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
    within(
        "granting moderator",
        room_a.set_role("Bob", Role::Moderator, None),
    )
    .await??;
    wait_role(&mut ev_b, "Bob", Role::Moderator).await?;
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
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (room_c, mut ev_c)] = split_guests(g)?;
    // Carol becomes an admin, Bob a moderator without affiliation.
    within(
        "making carol an admin",
        room_a.set_affiliation(bare_jid(ctx, "carol"), Affiliation::Admin, None),
    )
    .await??;
    wait_affiliation(&mut ev_c, "Carol", Affiliation::Admin).await?;
    within(
        "granting moderator",
        room_a.set_role("Bob", Role::Moderator, None),
    )
    .await??;
    wait_role(&mut ev_b, "Bob", Role::Moderator).await?;
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
    let left: Vec<_> = drain(&mut ev_a)
        .await
        .into_iter()
        .filter(|e| matches!(e, RoomEvent::Leave { .. }))
        .collect();
    if !left.is_empty() {
        problems.push(format!("someone left after the refused kicks: {left:?}"));
    }
    close_all(&[&alice, &bob, &carol]).await;
    Ok(if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(problems.join("; "))
    })
}

async fn kick_by_participant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (_room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, _ev_b), (room_c, mut ev_c)] = split_guests(g)?;
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
    let gone: Vec<_> = drain(&mut ev_c)
        .await
        .into_iter()
        .filter(|e| matches!(e, RoomEvent::Exit { .. }))
        .collect();
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

/// Waits until `room`'s occupant list shows every (nick, role), whatever the
/// order of the presences.
async fn wait_roles(
    events: &mut muc_client::RoomEvents,
    room: &muc_client::Room,
    want: &[(&str, Role)],
) -> Result<(), Error> {
    let done = || {
        want.iter()
            .all(|(nick, role)| room.occupant(nick).is_some_and(|o| o.role() == *role))
    };
    if done() {
        return Ok(());
    }
    wait_for(events, &format!("the roles {want:?}"), |_| {
        done().then_some(())
    })
    .await
}

/// Makes `room` moderated.
async fn moderate(room: &muc_client::Room) -> Result<(), Error> {
    reconfigure(room, |c| {
        c.set_moderated(true);
    })
    .await
}

async fn default_visitor(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (room_a, mut ev_a) = create_room(ctx, &alice, "Alice").await?;
    moderate(&room_a).await?;
    let (room_b, _ev_b, entered) = join(&bob, room_a.mucjid(), "Bob").await?;
    wait_for(&mut ev_a, "Bob's join", |e| match e {
        RoomEvent::Join { occupant } if occupant.nick() == "Bob" => Some(()),
        _ => None,
    })
    .await?;
    let role = entered.occupant.role();
    let tracker = within(
        "bob's message",
        room_b.send_tracked_message("May I speak?", None),
    )
    .await??;
    let state = within("the message's fate", tracker.wait_final()).await??;
    close_all(&[&alice, &bob]).await;
    match (role, ctx.backend()) {
        (Role::Visitor, _) => {}
        (Role::Participant, Backend::Ejabberd) => {
            // ejabberd's members_by_default (on by default) gives voice to
            // everyone; the message must then go through.
            return Ok(match state {
                TrackerState::DeliveredToRecipient { .. } => Outcome::differs(
                    "ejabberd 23.01 (default room option members_by_default: true) lets an \
                     unaffiliated user enter a moderated room as a participant with voice; \
                     §5.1 makes them a visitor",
                ),
                other => Outcome::fail(format!(
                    "bob entered as a participant but his message ended {other:?}"
                )),
            });
        }
        (other, _) => {
            return Ok(Outcome::fail(format!(
                "bob entered the moderated room as {other:?}, want visitor"
            )));
        }
    }
    Ok(match state {
        TrackerState::Error(e) if e.condition_name() == "forbidden" => Outcome::Pass,
        other => Outcome::fail(format!(
            "a visitor's message in a moderated room ended {other:?}, want a forbidden error"
        )),
    })
}

async fn revoke_voice(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
    moderate(&room_a).await?;
    // Bob and Carol entered before the room was moderated: both have voice.
    if room_a.occupant("Bob").map(|o| o.role()) != Some(Role::Participant) {
        return Ok(Outcome::fail(format!(
            "bob is not a participant before the change: {:?}",
            room_a.occupant("Bob")
        )));
    }
    within(
        "revoking voice",
        room_a.set_role("Bob", Role::Visitor, Some("Calm down")),
    )
    .await??;
    if room_a.occupant("Bob").map(|o| o.role()) != Some(Role::Visitor) {
        return Ok(Outcome::fail(
            "the moderator's list does not show Bob as a visitor when the change completed",
        ));
    }
    let (old, cause) = wait_role(&mut ev_b, "Bob", Role::Visitor).await?;
    if old != Role::Participant || cause.reason.as_deref() != Some("Calm down") {
        return Ok(Outcome::fail(format!(
            "bob saw his role change from {old:?} with {cause:?}"
        )));
    }
    let (old, _) = wait_role(&mut ev_c, "Bob", Role::Visitor).await?;
    if old != Role::Participant {
        return Ok(Outcome::fail(format!("carol saw Bob change from {old:?}")));
    }
    if room_b.this_occupant().map(|o| o.role()) != Some(Role::Visitor) {
        return Ok(Outcome::fail("bob's own occupant is not a visitor"));
    }
    let tracker = within("bob's message", room_b.send_tracked_message("Hey!", None)).await??;
    let state = within("the message's fate", tracker.wait_final()).await??;
    close_all(&[&alice, &bob, &carol]).await;
    Ok(match state {
        TrackerState::Error(e) if e.condition_name() == "forbidden" => Outcome::Pass,
        other => Outcome::fail(format!(
            "the visitor's message ended {other:?}, want a forbidden error"
        )),
    })
}

async fn grant_voice(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
    moderate(&room_a).await?;
    within(
        "revoking voice",
        room_a.set_role("Bob", Role::Visitor, None),
    )
    .await??;
    wait_role(&mut ev_b, "Bob", Role::Visitor).await?;
    wait_role(&mut ev_c, "Bob", Role::Visitor).await?;
    let target = room_a.occupant("Bob").ok_or("alice does not list Bob")?;
    if !room_a.capabilities().may_change_voice(&target) {
        return Ok(Outcome::fail(
            "the owner's capabilities say she may not give voice to a visitor",
        ));
    }
    within(
        "granting voice",
        room_a.set_role("Bob", Role::Participant, Some("Go ahead")),
    )
    .await??;
    let (old, cause) = wait_role(&mut ev_b, "Bob", Role::Participant).await?;
    if old != Role::Visitor || cause.reason.as_deref() != Some("Go ahead") {
        return Ok(Outcome::fail(format!(
            "bob saw his role change from {old:?} with {cause:?}"
        )));
    }
    let (old, _) = wait_role(&mut ev_c, "Bob", Role::Participant).await?;
    if old != Role::Visitor {
        return Ok(Outcome::fail(format!("carol saw Bob change from {old:?}")));
    }
    let tracker = within(
        "bob's message",
        room_b.send_tracked_message("Thank you", None),
    )
    .await??;
    let state = within("the message's fate", tracker.wait_final()).await??;
    close_all(&[&alice, &bob, &carol]).await;
    Ok(match state {
        TrackerState::DeliveredToRecipient { .. } => Outcome::Pass,
        other => Outcome::fail(format!(
            "the message of a participant given voice ended {other:?}"
        )),
    })
}

async fn voice_admin_protected(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    let [(room_b, mut ev_b), (_room_c, mut ev_c)] = split_guests(g)?;
    moderate(&room_a).await?;
    within(
        "making carol an admin",
        room_a.set_affiliation(bare_jid(ctx, "carol"), Affiliation::Admin, None),
    )
    .await??;
    wait_affiliation(&mut ev_c, "Carol", Affiliation::Admin).await?;
    within(
        "granting moderator",
        room_a.set_role("Bob", Role::Moderator, None),
    )
    .await??;
    wait_role(&mut ev_b, "Bob", Role::Moderator).await?;
    let carol_seen = room_b.occupant("Carol").ok_or("bob does not list Carol")?;
    if carol_seen.affiliation() != Affiliation::Admin {
        return Ok(Outcome::fail(format!(
            "bob sees Carol as {:?}",
            carol_seen.affiliation()
        )));
    }
    if room_b.capabilities().may_change_voice(&carol_seen) {
        return Ok(Outcome::fail(
            "bob's capabilities say he may revoke the voice of an admin",
        ));
    }
    let cond = refusal(
        "a moderator revoking an admin's voice",
        within(
            "bob's devoice",
            room_b.set_role("Carol", Role::Visitor, None),
        )
        .await?,
    )?;
    let changed: Vec<_> = drain(&mut ev_c)
        .await
        .into_iter()
        .filter(|e| {
            matches!(e, RoomEvent::RoleChange { occupant, new, .. }
                if occupant.nick() == "Carol" && *new != Role::Moderator)
        })
        .collect();
    if !changed.is_empty() {
        return Ok(Outcome::fail(format!(
            "carol's role changed after a refused request: {changed:?}"
        )));
    }
    close_all(&[&alice, &bob, &carol]).await;
    Ok(if cond == "not-allowed" {
        Outcome::Pass
    } else {
        Outcome::fail(format!(
            "revoking an admin's voice was refused with {cond}, want not-allowed (§8.4)"
        ))
    })
}

async fn voice_admin_protected_from_owner(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, _ev_a, g) = room_with_guests(ctx, &alice, "Alice", &[(&carol, "Carol")]).await?;
    let [(_room_c, mut ev_c)] = split_guests(g)?;
    moderate(&room_a).await?;
    within(
        "making carol an admin",
        room_a.set_affiliation(bare_jid(ctx, "carol"), Affiliation::Admin, None),
    )
    .await??;
    wait_affiliation(&mut ev_c, "Carol", Affiliation::Admin).await?;
    wait_role(&mut ev_c, "Carol", Role::Moderator).await?;
    // §8.4: "a service MUST NOT allow the voice privileges of an admin or
    // owner to be removed by anyone", the owner included.
    let by_owner = within(
        "alice's devoice",
        room_a.set_role("Carol", Role::Visitor, None),
    )
    .await?;
    let outcome = match refused_with(&by_owner)? {
        Some("not-allowed") => Outcome::Pass,
        None => {
            let (old, _) = wait_role(&mut ev_c, "Carol", Role::Visitor).await?;
            let who = match ctx.backend() {
                Backend::Prosody => "Prosody 0.12",
                Backend::Ejabberd => "ejabberd 23.01",
                _ => "muc-testserver (Prosody profile, as Prosody 0.12)",
            };
            if old == Role::Moderator {
                Outcome::differs(format!(
                    "{who} lets an owner revoke an admin's voice (the admin became a visitor); \
                     §8.4: no one may, the service MUST answer not-allowed"
                ))
            } else {
                Outcome::fail(format!("the owner's devoice changed carol from {old:?}"))
            }
        }
        Some(other) => Outcome::fail(format!(
            "the owner revoking an admin's voice was refused with {other}, want not-allowed (§8.4)"
        )),
    };
    close_all(&[&alice, &carol]).await;
    Ok(outcome)
}

async fn voice_list(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let (room_a, mut ev_a, _g) =
        room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
    moderate(&room_a).await?;
    let list = within("the voice list", room_a.role_list(Role::Participant)).await??;
    let want: BTreeSet<String> = ["Bob", "Carol"].map(String::from).into();
    if listed_nicks(&list) != want || list.iter().any(|i| i.role != Some(Role::Participant)) {
        return Ok(Outcome::fail(format!(
            "the voice list is {list:?}, want Bob and Carol as participants"
        )));
    }
    // The delta: both lose voice in one request.
    within(
        "the voice list delta",
        room_a.modify_roles(vec![
            AdminItem::role("Bob", Role::Visitor),
            AdminItem::role("Carol", Role::Visitor).with_reason("Quiet"),
        ]),
    )
    .await??;
    wait_roles(&mut ev_a, &room_a, &[("Bob", Role::Visitor)]).await?;
    let carol_role = || room_a.occupant("Carol").map(|o| o.role());
    if carol_role() != Some(Role::Visitor) {
        let late = wait_roles(&mut ev_a, &room_a, &[("Carol", Role::Visitor)]);
        let _ = tokio::time::timeout(QUIET, late).await;
    }
    let mut deviation = None;
    match (carol_role(), ctx.backend()) {
        (Some(Role::Visitor), _) => {}
        (Some(Role::Participant), Backend::Prosody) => {
            let list = within("the voice list", room_a.role_list(Role::Participant)).await??;
            if listed_nicks(&list) != BTreeSet::from(["Carol".to_owned()]) {
                return Ok(Outcome::fail(format!(
                    "after a delta Prosody applied only in part, the voice list is {list:?}"
                )));
            }
            deviation = Some(
                "Prosody 0.12 applies only the first <item/> of a muc#admin set and answers \
                 success: of the two-item voice-list delta (§8.5) Bob lost voice, Carol kept \
                 it; sent alone, Carol's item works",
            );
            within(
                "Carol's item alone",
                room_a.modify_roles(vec![AdminItem::role("Carol", Role::Visitor)]),
            )
            .await??;
            wait_roles(&mut ev_a, &room_a, &[("Carol", Role::Visitor)]).await?;
        }
        (other, _) => {
            return Ok(Outcome::fail(format!(
                "the two-item delta succeeded but Carol is {other:?}, want Visitor"
            )));
        }
    }
    let list = within("the voice list", room_a.role_list(Role::Participant)).await??;
    if !list.is_empty() {
        return Ok(Outcome::fail(format!(
            "the voice list after revoking both: {list:?}"
        )));
    }
    let visitors = within("the visitor list", room_a.role_list(Role::Visitor)).await??;
    if listed_nicks(&visitors) != want {
        return Ok(Outcome::fail(format!("the visitor list: {visitors:?}")));
    }
    within(
        "the second delta",
        room_a.modify_roles(vec![AdminItem::role("Carol", Role::Participant)]),
    )
    .await??;
    wait_role(&mut ev_a, "Carol", Role::Participant).await?;
    let list = within("the voice list", room_a.role_list(Role::Participant)).await??;
    close_all(&[&alice, &bob, &carol]).await;
    Ok(
        match (
            listed_nicks(&list) == BTreeSet::from(["Carol".to_owned()]),
            deviation,
        ) {
            (true, None) => Outcome::Pass,
            (true, Some(why)) => Outcome::differs(why),
            (false, _) => {
                Outcome::fail(format!("the voice list after giving Carol voice: {list:?}"))
            }
        },
    )
}

async fn voice_list_forbidden(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (_room_a, _ev_a, g) = room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
    let [(room_b, _ev_b)] = split_guests(g)?;
    let cond = refusal(
        "a participant's voice list request",
        within("the voice list", room_b.role_list(Role::Participant)).await?,
    )?;
    close_all(&[&alice, &bob]).await;
    Ok(if cond == "forbidden" {
        Outcome::Pass
    } else {
        Outcome::fail(format!(
            "a participant's voice list request was refused with {cond}, want forbidden (§8)"
        ))
    })
}
