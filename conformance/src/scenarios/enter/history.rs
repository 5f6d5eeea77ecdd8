//! §7.2.13–§7.2.14 The discussion history on entry: by default, and limited
//! by maxstanzas, maxchars, seconds and since.

use std::time::{Duration, SystemTime};

use muc_client::xmpp_parsers::date::DateTime;
use muc_client::{History, JoinOptions, MessageSource, RoomEvent};

use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "enter.history.default",
            "7.2.13",
            "History comes in order, delayed from the room JID, before the subject",
            history_default
        ),
        scenario!(
            "enter.history.maxstanzas",
            "7.2.14",
            "History with maxstanzas=2 gives the last two messages",
            history_maxstanzas
        ),
        scenario!(
            "enter.history.none",
            "7.2.14",
            "History with maxchars=0 gives no history, but the subject still comes",
            history_none
        ),
        scenario!(
            "enter.history.seconds",
            "7.2.14",
            "History with seconds=1 leaves out an older message",
            history_seconds
        ),
        scenario!(
            "enter.history.since",
            "7.2.14",
            "History with since=T gives only the messages sent from T on",
            history_since
        ),
    ]
}

/// A room of alice's where she said each of `texts`.
async fn room_with_history(
    ctx: &ScenarioCtx,
    alice: &muc_client::Service,
    texts: &[&str],
) -> Result<muc_client::Room, Error> {
    let (aroom, _aev) = create_room(ctx, alice, "Alice").await?;
    for text in texts {
        say(&aroom, text).await?;
    }
    Ok(aroom)
}

/// Joins as bob with `history` and returns the events up to the subject.
async fn entry_events(
    bob: &muc_client::Service,
    room: &jid::BareJid,
    history: Option<History>,
) -> Result<Vec<RoomEvent>, Error> {
    let mut options = JoinOptions::default();
    if let Some(h) = history {
        options = options.history(h);
    }
    let (_broom, mut bev, _) = join_with(bob, room, "Bob", options).await?;
    collect_until(&mut bev, "the subject", |e| {
        matches!(e, RoomEvent::SubjectChange { on_join: true, .. })
    })
    .await
}

/// The bodies of the history messages among `events`; fails on a live
/// message before the subject.
fn history_bodies(events: &[RoomEvent]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for e in events {
        if let RoomEvent::Message { source, .. } = e {
            ensure(*source == MessageSource::History, || {
                format!("a live message before the subject: {}", short(e))
            })?;
            out.push(body(e).unwrap_or_default().to_owned());
        }
    }
    Ok(out)
}

async fn history_default(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let aroom = room_with_history(ctx, &alice, &["h1", "h2", "h3"]).await?;
        let events = entry_events(&bob, aroom.mucjid(), None).await?;
        let bodies = history_bodies(&events)?;
        ensure(bodies == ["h1", "h2", "h3"], || {
            format!("history: {bodies:?}, expected h1 h2 h3")
        })?;
        let room = aroom.mucjid().to_string();
        for e in &events {
            if let RoomEvent::Message { message, nick, .. } = e {
                ensure(nick.as_deref() == Some("Alice"), || {
                    format!("history message from {nick:?}, not Alice")
                })?;
                let delay = message
                    .payloads
                    .iter()
                    .find(|p| p.is("delay", "urn:xmpp:delay"))
                    .ok_or_else(|| format!("history message without <delay/>: {}", short(e)))?;
                ensure(delay.attr("from") == Some(room.as_str()), || {
                    format!(
                        "the delay's from is {:?}, not the room JID {room}",
                        delay.attr("from")
                    )
                })?;
            }
        }
        Ok(Outcome::Pass)
    })
    .await
}

async fn history_maxstanzas(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let aroom = room_with_history(ctx, &alice, &["s1", "s2", "s3"]).await?;
        let events = entry_events(
            &bob,
            aroom.mucjid(),
            Some(History::new().with_maxstanzas(2)),
        )
        .await?;
        let bodies = history_bodies(&events)?;
        ensure(bodies == ["s2", "s3"], || {
            format!("history with maxstanzas=2: {bodies:?}, expected s2 s3")
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn history_none(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let aroom = room_with_history(ctx, &alice, &["n1", "n2"]).await?;
        within("the subject", aroom.set_subject("Quiet please")).await??;
        let events = entry_events(&bob, aroom.mucjid(), Some(History::none())).await?;
        let bodies = history_bodies(&events)?;
        ensure(bodies.is_empty(), || {
            format!("history with maxchars=0: {bodies:?}, expected none")
        })?;
        let subject = events.iter().find_map(|e| match e {
            RoomEvent::SubjectChange { subject, .. } => subject.values().next().cloned(),
            _ => None,
        });
        ensure(subject.as_deref() == Some("Quiet please"), || {
            format!("the subject on entry: {subject:?}")
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn history_seconds(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let aroom = room_with_history(ctx, &alice, &["older"]).await?;
        // Servers count in whole seconds: 2.2 s apart is surely more than 1.
        tokio::time::sleep(Duration::from_millis(2200)).await;
        say(&aroom, "newer").await?;
        let events =
            entry_events(&bob, aroom.mucjid(), Some(History::new().with_seconds(1))).await?;
        let bodies = history_bodies(&events)?;
        ensure(bodies == ["newer"], || {
            format!("history with seconds=1: {bodies:?}, expected only 'newer'")
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn history_since(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let aroom = room_with_history(ctx, &alice, &["before T"]).await?;
        // T: the next whole second, so that "before T" is stamped earlier
        // even by a server that keeps whole seconds.
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|e| e.to_string())?;
        let t = Duration::from_secs(now.as_secs() + 1);
        tokio::time::sleep(t - now + Duration::from_millis(50)).await;
        let since: DateTime = xmpp_datetime(SystemTime::UNIX_EPOCH + t)
            .parse()
            .map_err(|e| format!("{e:?}"))?;
        say(&aroom, "after T").await?;
        say(&aroom, "after T again").await?;
        let events =
            entry_events(&bob, aroom.mucjid(), Some(History::new().with_since(since))).await?;
        let bodies = history_bodies(&events)?;
        ensure(bodies == ["after T", "after T again"], || {
            format!("history since T: {bodies:?}, expected the two messages after T")
        })?;
        Ok(Outcome::Pass)
    })
    .await
}
