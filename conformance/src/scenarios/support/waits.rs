//! Waiting, always with a deadline: for an event, for a list of events, for
//! quiet, for a condition, and for the presences of role and affiliation
//! changes, departures and exits.

use std::time::Duration;

use futures::StreamExt;
use muc_client::{RoomEvent, RoomEvents};

use super::{Error, QUIET, WAIT, short, summarize};

/// Awaits `fut` for at most [`WAIT`].
pub async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> Result<T, Error> {
    tokio::time::timeout(WAIT, fut)
        .await
        .map_err(|_| format!("timed out waiting for {what}").into())
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

/// Every event up to and including the first one `stop` accepts.
pub async fn collect_until(
    events: &mut RoomEvents,
    what: &str,
    mut stop: impl FnMut(&RoomEvent) -> bool,
) -> Result<Vec<RoomEvent>, Error> {
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, events.next()).await {
            Err(_) => {
                return Err(
                    format!("timed out waiting for {what}; saw {}", summarize(&seen)).into(),
                );
            }
            Ok(None) => {
                return Err(format!(
                    "event stream ended while waiting for {what}; saw {}",
                    summarize(&seen)
                )
                .into());
            }
            Ok(Some(e)) => {
                let done = stop(&e);
                seen.push(e);
                if done {
                    return Ok(seen);
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

/// The events already published on `events`, without waiting: what a
/// program sees at once after a future completed.
pub fn queued(events: &mut RoomEvents) -> Vec<RoomEvent> {
    use futures::FutureExt;
    let mut out = Vec::new();
    while let Some(Some(e)) = events.next().now_or_never() {
        out.push(e);
    }
    out
}

/// Fails if an event `unwanted` accepts arrives within [`QUIET`]; returns
/// the events that did arrive.
pub async fn expect_quiet(
    events: &mut RoomEvents,
    what: &str,
    mut unwanted: impl FnMut(&RoomEvent) -> bool,
) -> Result<Vec<RoomEvent>, Error> {
    let seen = drain(events).await;
    if let Some(e) = seen.iter().find(|e| unwanted(e)) {
        return Err(format!("{what}: unexpected {}", short(e)).into());
    }
    Ok(seen)
}

/// Polls `check` every 20 ms until it is true or [`WAIT`] passes.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) -> Result<(), Error> {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check() {
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("timed out waiting until {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Waits for the role of `nick` to become `role`; returns the old role and
/// the cause.
pub async fn wait_role(
    events: &mut RoomEvents,
    nick: &str,
    role: muc_client::Role,
) -> Result<(muc_client::Role, muc_client::Cause), Error> {
    wait_for(
        events,
        &format!("{nick}'s role to become {role:?}"),
        |e| match e {
            RoomEvent::RoleChange {
                occupant,
                old,
                new,
                cause,
            } if occupant.nick() == nick && *new == role => Some((*old, cause.clone())),
            _ => None,
        },
    )
    .await
}

/// Waits for the affiliation of `nick` to become `affiliation`; returns the
/// old affiliation and the cause.
pub async fn wait_affiliation(
    events: &mut RoomEvents,
    nick: &str,
    affiliation: muc_client::Affiliation,
) -> Result<(muc_client::Affiliation, muc_client::Cause), Error> {
    wait_for(
        events,
        &format!("{nick}'s affiliation to become {affiliation:?}"),
        |e| match e {
            RoomEvent::AffiliationChange {
                occupant,
                old,
                new,
                cause,
            } if occupant.nick() == nick && *new == affiliation => Some((*old, cause.clone())),
            _ => None,
        },
    )
    .await
}

/// How an occupant left, as another occupant saw it.
#[derive(Debug, Clone)]
pub struct Departure {
    /// The leave mode.
    pub mode: muc_client::LeaveMode,
    /// Actor and reason.
    pub cause: muc_client::Cause,
    /// The status codes of the unavailable presence.
    pub status: Vec<muc_client::StatusCode>,
}

/// Waits for `nick` to leave; returns how.
pub async fn wait_leave(events: &mut RoomEvents, nick: &str) -> Result<Departure, Error> {
    wait_for(events, &format!("{nick} to leave"), |e| match e {
        RoomEvent::Leave {
            occupant,
            mode,
            cause,
            status,
        } if occupant.nick() == nick => Some(Departure {
            mode: *mode,
            cause: cause.clone(),
            status: status.clone(),
        }),
        _ => None,
    })
    .await
}

/// How the local user was taken out of a room.
#[derive(Debug, Clone)]
pub struct Removed {
    /// The leave mode.
    pub mode: muc_client::LeaveMode,
    /// Actor and reason.
    pub cause: muc_client::Cause,
    /// The destruction, when the room was destroyed.
    pub destroyed: Option<muc_client::Destruction>,
    /// The status codes of the unavailable self-presence.
    pub status: Vec<muc_client::StatusCode>,
}

/// Waits for the local user's `Exit`; returns how.
pub async fn wait_exit(events: &mut RoomEvents) -> Result<Removed, Error> {
    wait_for(events, "our exit", |e| match e {
        RoomEvent::Exit {
            mode,
            cause,
            destroyed,
            status,
            ..
        } => Some(Removed {
            mode: *mode,
            cause: cause.clone(),
            destroyed: destroyed.as_deref().cloned(),
            status: status.clone(),
        }),
        _ => None,
    })
    .await
}

/// Waits for the `Join` of the occupant `nick`; returns the occupant.
/// `what` names it in a timeout.
pub async fn wait_join(
    events: &mut RoomEvents,
    what: &str,
    nick: &str,
) -> Result<muc_client::OccupantRef, Error> {
    wait_for(events, what, |e| match e {
        RoomEvent::Join { occupant } if occupant.nick() == nick => Some(occupant.clone()),
        _ => None,
    })
    .await
}

/// The events [`drain`] collects that `keep` accepts.
pub async fn drain_where(
    events: &mut RoomEvents,
    keep: impl FnMut(&RoomEvent) -> bool,
) -> Vec<RoomEvent> {
    let mut keep = keep;
    drain(events)
        .await
        .into_iter()
        .filter(|e| keep(e))
        .collect()
}
