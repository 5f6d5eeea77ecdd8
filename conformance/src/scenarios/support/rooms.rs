//! Rooms: joining, creating (instant or configured, with guests already
//! in), reconfiguring, and the owner's and admins' affiliation and role
//! changes.

use std::time::Duration;

use muc_client::{
    AdminItem, Affiliation, Cause, Entered, JoinOptions, Role, Room, RoomEvent, RoomEvents, Service,
};

use super::{Error, WAIT, bare_jid, wait_affiliation, wait_for, wait_role, within};
use crate::runner::ScenarioCtx;

/// Joins `room` as `nick` with default options (no self-ping noise) and
/// waits for the self-presence.
pub async fn join(
    service: &Service,
    room: &jid::BareJid,
    nick: &str,
) -> Result<(Room, RoomEvents, Entered), Error> {
    join_with(service, room, nick, JoinOptions::default()).await
}

/// Joins with options and waits for the self-presence.
pub async fn join_with(
    service: &Service,
    room: &jid::BareJid,
    nick: &str,
    options: JoinOptions,
) -> Result<(Room, RoomEvents, Entered), Error> {
    let (room, joined) = service.join(room.to_string().as_str(), nick, options)?;
    let events = room.events();
    let entered = tokio::time::timeout(WAIT, joined)
        .await
        .map_err(|_| "no self-presence in time")??;
    Ok((room, events, entered))
}

/// Creates a fresh room owned by `owner`'s `nick` and unlocks it (instant
/// room), so other users can join. Returns the room, its events and
/// whether the server said it was created (201).
pub async fn create_room(
    ctx: &ScenarioCtx,
    owner: &Service,
    nick: &str,
) -> Result<(Room, RoomEvents), Error> {
    let jid = ctx.fresh_room();
    let (room, events, entered) = join(owner, &jid, nick).await?;
    if !entered.created {
        return Err(format!("{jid} was not reported as created (no 201)").into());
    }
    room.create_instant().await?;
    Ok((room, events))
}

/// Creates a fresh room like [`create_room`], then submits `configure`'s
/// changes as its configuration (only the fields it sets are sent), as an
/// owner would right after creating it.
pub async fn create_configured_room(
    ctx: &ScenarioCtx,
    owner: &Service,
    nick: &str,
    configure: impl FnOnce(&mut muc_client::RoomConfig),
) -> Result<(Room, RoomEvents), Error> {
    let (room, events) = create_room(ctx, owner, nick).await?;
    let mut config = muc_client::RoomConfig::new();
    configure(&mut config);
    room.set_config(&config)
        .await
        .map_err(|e| format!("configuring {}: {e}", room.mucjid()))?;
    Ok((room, events))
}

/// A room owned by `owner` (as `owner_nick`, instant room) that every guest
/// has entered; the owner's stream has seen each guest's `Join`, and so has
/// every guest's stream the later guests'. Returns the owner's room and
/// events, then each guest's, in order.
pub async fn room_with_guests<const N: usize>(
    ctx: &ScenarioCtx,
    owner: &Service,
    owner_nick: &str,
    guests: [(&Service, &str); N],
) -> Result<(Room, RoomEvents, [(Room, RoomEvents); N]), Error> {
    let (room, mut events) = create_room(ctx, owner, owner_nick).await?;
    let mut joined: Vec<(Room, RoomEvents)> = Vec::new();
    for (service, nick) in guests {
        let (r, e, _) = join(service, room.mucjid(), nick).await?;
        let seen = |e: &RoomEvent| match e {
            RoomEvent::Join { occupant } if occupant.nick() == nick => Some(()),
            _ => None,
        };
        wait_for(&mut events, &format!("{nick}'s join"), seen).await?;
        // The guests already in see the newcomer too.
        for (earlier, earlier_events) in joined.iter_mut() {
            if earlier.occupant(nick).is_none() {
                wait_for(earlier_events, &format!("{nick}'s join"), seen).await?;
            }
        }
        joined.push((r, e));
    }
    let joined = joined
        .try_into()
        .map_err(|_| format!("expected {N} guests"))?;
    Ok((room, events, joined))
}

/// Fetches the room's configuration form, lets `edit` change it and submits
/// the whole form back (what a configuration dialog does).
pub async fn reconfigure(
    room: &Room,
    edit: impl FnOnce(&mut muc_client::RoomConfig),
) -> Result<(), Error> {
    let mut config = within("the configuration form", room.get_config()).await??;
    edit(&mut config);
    within("the configuration submission", room.set_config(&config)).await??;
    Ok(())
}

/// Tries to join `room` and expects a refusal: returns the stanza error's
/// condition name (`not-authorized`, `conflict` ...). Joining is an error
/// (with `what` in the text), and so is any other failure.
pub async fn join_refused(
    service: &Service,
    room: &jid::BareJid,
    nick: &str,
    options: JoinOptions,
    what: &str,
) -> Result<String, Error> {
    let (handle, joined) = service.join(room.to_string().as_str(), nick, options)?;
    match tokio::time::timeout(WAIT, joined).await {
        Err(_) => Err(format!("{what}: no answer to the join in time").into()),
        Ok(Ok(entered)) => {
            handle.leave();
            Err(format!(
                "{what}: the room let {nick} in (status {:?}) instead of refusing",
                entered.status
            )
            .into())
        }
        Ok(Err(e)) => match e.server_error() {
            Some(err) => Ok(err.condition_name().to_owned()),
            None => Err(format!("{what}: the join failed without a stanza error: {e}").into()),
        },
    }
}

/// Sends a tracked groupchat message and waits until the room reflected it.
pub async fn say(room: &Room, text: &str) -> Result<(), Error> {
    let tracker = room.send_tracked_message(text, Some(WAIT)).await?;
    match tokio::time::timeout(WAIT + Duration::from_secs(1), tracker.wait_final()).await {
        Err(_) => Err(format!("no final state for {text:?} in time").into()),
        Ok(Err(e)) => Err(format!("tracking {text:?}: {e}").into()),
        Ok(Ok(muc_client::TrackerState::DeliveredToRecipient { .. })) => Ok(()),
        Ok(Ok(other)) => Err(format!("{text:?} ended as {other:?}, not delivered").into()),
    }
}

/// The nicks of a room's occupants, in the room's order (self first).
pub fn nicks(room: &Room) -> Vec<String> {
    room.occupants()
        .iter()
        .map(|o| o.nick().to_owned())
        .collect()
}

/// Sets the affiliation of the pre-registered `user` in `room` (as its
/// owner or an admin, with an optional reason); `what` names the request
/// in a timeout.
pub async fn affiliate(
    ctx: &ScenarioCtx,
    what: &str,
    room: &Room,
    user: &str,
    affiliation: Affiliation,
    reason: Option<&str>,
) -> Result<(), Error> {
    within(
        what,
        room.set_affiliation(bare_jid(ctx, user), affiliation, reason),
    )
    .await??;
    Ok(())
}

/// [`affiliate`] without a reason, then waits until `events` (anyone's)
/// show the occupant `nick` with the new affiliation; returns the old one
/// and the cause.
pub async fn affiliate_and_wait(
    ctx: &ScenarioCtx,
    what: &str,
    room: &Room,
    user: &str,
    affiliation: Affiliation,
    events: &mut RoomEvents,
    nick: &str,
) -> Result<(Affiliation, Cause), Error> {
    affiliate(ctx, what, room, user, affiliation, None).await?;
    wait_affiliation(events, nick, affiliation).await
}

/// Makes each of `users` (pre-registered) a member of `room`, one request
/// each; `what` names the requests in a timeout.
pub async fn grant_members(
    ctx: &ScenarioCtx,
    what: &str,
    room: &Room,
    users: &[&str],
) -> Result<(), Error> {
    for user in users {
        affiliate(ctx, what, room, user, Affiliation::Member, None).await?;
    }
    Ok(())
}

/// Sets the role of the occupant `nick` (no reason), then waits until
/// `events` (anyone's) show it; returns the old role and the cause.
pub async fn set_role_and_wait(
    what: &str,
    room: &Room,
    nick: &str,
    role: Role,
    events: &mut RoomEvents,
) -> Result<(Role, Cause), Error> {
    within(what, room.set_role(nick, role, None)).await??;
    wait_role(events, nick, role).await
}

/// The list of the users with `affiliation` (`muc#admin`), asked by `room`'s
/// user; `what` names it in a timeout.
pub async fn affiliation_list(
    what: &str,
    room: &Room,
    affiliation: Affiliation,
) -> Result<Vec<AdminItem>, Error> {
    Ok(within(what, room.affiliation_list(affiliation)).await??)
}

/// [`affiliate_and_wait`] for the most common grant: makes `user` an admin.
pub async fn make_admin(
    ctx: &ScenarioCtx,
    what: &str,
    room: &Room,
    user: &str,
    events: &mut RoomEvents,
    nick: &str,
) -> Result<(), Error> {
    affiliate_and_wait(ctx, what, room, user, Affiliation::Admin, events, nick).await?;
    Ok(())
}

/// The usual cast of two: alice and bob connected, and alice's instant
/// room (as "Alice") with Bob in it ([`room_with_guests`]).
pub async fn room_of_two(
    ctx: &ScenarioCtx,
) -> Result<([Service; 2], Room, RoomEvents, [(Room, RoomEvents); 1]), Error> {
    let [alice, bob] = super::connect_all(ctx, ["alice", "bob"]).await?;
    let (room, events, guests) = room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
    Ok(([alice, bob], room, events, guests))
}

/// The usual cast of three: alice, bob and carol connected, and alice's
/// instant room (as "Alice") with Bob and Carol in it ([`room_with_guests`]).
pub async fn room_of_three(
    ctx: &ScenarioCtx,
) -> Result<([Service; 3], Room, RoomEvents, [(Room, RoomEvents); 2]), Error> {
    let [alice, bob, carol] = super::connect_all(ctx, ["alice", "bob", "carol"]).await?;
    let (room, events, guests) =
        room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob"), (&carol, "Carol")]).await?;
    Ok(([alice, bob, carol], room, events, guests))
}

/// In the cast of [`room_of_three`]: alice makes carol an admin, and carol's
/// own `events` show it.
pub async fn make_carol_admin(
    ctx: &ScenarioCtx,
    room: &Room,
    events: &mut RoomEvents,
) -> Result<(), Error> {
    make_admin(ctx, "making carol an admin", room, "carol", events, "Carol").await
}
