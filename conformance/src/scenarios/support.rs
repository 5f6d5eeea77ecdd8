//! What every scenario needs: connected clients, fresh rooms, and waits
//! with deadlines (a scenario never hangs; the runner also times it out).

use std::time::Duration;

use futures::StreamExt;
use muc_client::{ConnectOptions, Entered, JoinOptions, Room, RoomEvent, RoomEvents, Service};

use crate::backend::Backend;
use crate::runner::ScenarioCtx;

/// The error type of scenario bodies: any message.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// How long a scenario waits for one thing to happen.
pub const WAIT: Duration = Duration::from_secs(10);

/// How long a scenario waits to be sure something does NOT happen.
pub const QUIET: Duration = Duration::from_millis(700);

/// Connects `user` (one of the pre-registered accounts: alice, bob, carol,
/// dave, eve, frank, grace, heidi) to the scenario's server.
pub async fn connect(ctx: &ScenarioCtx, user: &str) -> Result<Service, Error> {
    let account = ctx.user(user);
    let service = Service::connect(
        &account.jid().to_string(),
        account.password(),
        ctx.addr(),
        ConnectOptions::default(),
    )
    .await?;
    Ok(service)
}

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

/// Waits for the first event `pick` accepts, skipping the others.
pub async fn wait_for<T>(
    events: &mut RoomEvents,
    what: &str,
    mut pick: impl FnMut(&RoomEvent) -> Option<T>,
) -> Result<T, Error> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, events.next()).await {
            Err(_) => return Err(format!("timed out waiting for {what}").into()),
            Ok(None) => return Err(format!("event stream ended while waiting for {what}").into()),
            Ok(Some(e)) => {
                if let Some(t) = pick(&e) {
                    return Ok(t);
                }
            }
        }
    }
}

/// Collects the events that arrive within `QUIET`.
pub async fn drain(events: &mut RoomEvents) -> Vec<RoomEvent> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + QUIET;
    while let Ok(Some(e)) = tokio::time::timeout_at(deadline, events.next()).await {
        out.push(e);
    }
    out
}

/// True for the real servers (not the embedded one).
pub fn is_real(ctx: &ScenarioCtx) -> bool {
    !matches!(ctx.backend(), Backend::Embedded)
}
