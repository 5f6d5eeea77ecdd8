//! §8.3–§8.5 Voice in a moderated room: visitors, granting and revoking
//! voice, the admins' voice no one may revoke, and the voice list.

use std::collections::BTreeSet;

use muc_client::{AdminItem, Affiliation, Role, RoomEvent, TrackerState};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
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
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    let (room_a, mut ev_a) = create_room(ctx, &alice, "Alice").await?;
    moderate(&room_a).await?;
    let (room_b, _ev_b, entered) = join(&bob, room_a.mucjid(), "Bob").await?;
    wait_join(&mut ev_a, "Bob's join", "Bob").await?;
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
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
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
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    moderate(&room_a).await?;
    set_role_and_wait("revoking voice", &room_a, "Bob", Role::Visitor, &mut ev_b).await?;
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
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, mut ev_b), (_room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    moderate(&room_a).await?;
    make_carol_admin(ctx, &room_a, &mut ev_c).await?;
    set_role_and_wait(
        "granting moderator",
        &room_a,
        "Bob",
        Role::Moderator,
        &mut ev_b,
    )
    .await?;
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
    let changed: Vec<_> = drain_where(&mut ev_c, |e| {
        matches!(e, RoomEvent::RoleChange { occupant, new, .. }
                if occupant.nick() == "Carol" && *new != Role::Moderator)
    })
    .await;
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
    let [alice, carol] = connect_all(ctx, ["alice", "carol"]).await?;
    let (room_a, _ev_a, [(_room_c, mut ev_c)]) =
        room_with_guests(ctx, &alice, "Alice", [(&carol, "Carol")]).await?;
    moderate(&room_a).await?;
    make_carol_admin(ctx, &room_a, &mut ev_c).await?;
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
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    let (room_a, mut ev_a, _g) =
        room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob"), (&carol, "Carol")]).await?;
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
    let ([alice, bob], _room_a, _ev_a, [(room_b, _ev_b)]) = room_of_two(ctx).await?;
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
