//! Self-ping (XEP-0410, for the ghosts of §18.1.2): answered in a quiet
//! room, and noticing a removal the user was not told of.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use muc_client::{JoinOptions, RoomEvent, RoomState, SelfPingConfig};

use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "session.self_ping.answered",
            "18.1.2",
            "Self-ping (XEP-0410) in a quiet room: the room answers, the room stays active",
            self_ping_answered
        ),
        scenario!(
            "session.self_ping.silent_removal",
            "18.1.2",
            "Removed without being told: self-ping (XEP-0410) notices and the room is rejoined",
            self_ping_silent_removal
        ),
    ]
}

fn is_ping_answer(stanza: &str) -> bool {
    stanza_name(stanza) == "iq"
        && matches!(stanza_attr(stanza, "type"), Some("result" | "error"))
        && stanza_attr(stanza, "from").is_some_and(|f| f.ends_with("/Bob"))
}

fn is_ping(stanza: &str) -> bool {
    stanza_name(stanza) == "iq" && stanza.contains("urn:xmpp:ping")
}

/// Bob joins `room` with self-ping after `idle_ms` of quiet (and 3 s for
/// the answer).
async fn join_self_pinging(
    bob: &muc_client::Service,
    room: &jid::BareJid,
    idle_ms: u64,
) -> Result<(muc_client::Room, muc_client::RoomEvents), Error> {
    let ping = SelfPingConfig {
        idle: Duration::from_millis(idle_ms),
        timeout: Duration::from_secs(3),
    };
    let (broom, bev, _) = join_with(
        bob,
        room,
        "Bob",
        JoinOptions::default().self_ping(Some(ping)),
    )
    .await?;
    Ok((broom, bev))
}

async fn self_ping_answered(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, mut bev) = join_self_pinging(&bob, aroom.mucjid(), 400).await?;
        let own = format!("{}/Bob", aroom.mucjid());
        eventually("bob self-pinged twice", || {
            proxy
                .sent()
                .iter()
                .filter(|s| is_ping(s) && stanza_attr(s, "to") == Some(own.as_str()))
                .count()
                >= 2
        })
        .await?;
        let seen = expect_quiet(&mut bev, "bob's events", |e| {
            matches!(
                e,
                RoomEvent::Stale
                    | RoomEvent::Suspend
                    | RoomEvent::Resume
                    | RoomEvent::Exit { .. }
                    | RoomEvent::Leave { .. }
            )
        })
        .await?;
        ensure(broom.active() && broom.state() == RoomState::Live, || {
            format!(
                "after the pings the room is {:?} ({})",
                broom.state(),
                summarize(&seen)
            )
        })?;
        // The answers were results (or a "still joined" error), from our
        // occupant JID.
        let answers: Vec<String> = proxy
            .received()
            .into_iter()
            .filter(|s| stanza_name(s) == "iq" && stanza_attr(s, "from") == Some(own.as_str()))
            .collect();
        ensure(!answers.is_empty(), || {
            "no answer to the self-pings came back".into()
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn self_ping_silent_removal(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, mut bev) = join_self_pinging(&bob, aroom.mucjid(), 1500).await?;
        wait_join(&mut aev, "bob's join", "Bob").await?;
        // Bob misses every unavailable presence the room sends him from now
        // on: the kick reaches everyone but him. (The filter stays: the
        // rejoin has none, and bob's copy may come after alice's.)
        let room = aroom.mucjid().to_string();
        let dropped = Arc::new(AtomicU32::new(0));
        let d = dropped.clone();
        proxy.set_filter(Some(Arc::new(move |s: &str| {
            let from_room = stanza_attr(s, "from")
                .is_some_and(|f| f == room || f.starts_with(&format!("{room}/")));
            if stanza_name(s) == "presence"
                && stanza_attr(s, "type") == Some("unavailable")
                && from_room
            {
                d.fetch_add(1, Ordering::Relaxed);
                Edit::Drop
            } else {
                Edit::Keep
            }
        })));
        within("the kick", aroom.kick("Bob", Some("you will not notice"))).await??;
        wait_leave(&mut aev, "Bob").await?;
        eventually("bob's copy of the kick is dropped", || {
            dropped.load(Ordering::Relaxed) > 0
        })
        .await?;
        ensure(broom.active(), || {
            "bob noticed the kick he was not told of".into()
        })?;
        // Quiet, a self-ping, "not an occupant": rejoined.
        let seen = collect_until(&mut bev, "the rejoin", |e| {
            matches!(e, RoomEvent::Resumed { .. } | RoomEvent::Exit { .. })
        })
        .await
        .map_err(|e| {
            let answers: Vec<String> = proxy
                .received()
                .into_iter()
                .filter(|s| is_ping_answer(s) && stanza_attr(s, "type") == Some("error"))
                .collect();
            format!(
                "{e}; bob's self-pings got {} error answers, the first: {}",
                answers.len(),
                answers.first().map_or("(none)", String::as_str)
            )
        })?;
        ensure(
            matches!(seen.last(), Some(RoomEvent::Resumed { .. })),
            || format!("bob's room: {}", summarize(&seen)),
        )?;
        ensure(broom.active() && broom.joined(), || {
            format!("after the rejoin the room is {:?}", broom.state())
        })?;
        wait_join(&mut aev, "bob back", "Bob").await?;
        Ok(Outcome::Pass)
    })
    .await
}
