//! The session around the rooms: self-ping (XEP-0410, for the ghosts of
//! §18.1.2), reconnecting and rejoining (§7.2.1 again, with the history of
//! §7.2.14 covering the gap), and message tracking (§7.4) when the room
//! rewrites ids or the stream goes away.
//!
//! Every scenario here puts a [`TcpProxy`] between one client and the
//! server, so it runs the same on every backend.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures::StreamExt;
use muc_client::xmpp_parsers::presence::Show;
use muc_client::{
    JoinOptions, MatchedBy, MessageSource, RoomEvent, RoomState, SelfPingConfig, ServiceEvent,
    TrackerState,
};

use super::support::*;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;

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
        scenario!(
            "session.reconnect.rejoin",
            "7.2.1",
            "The connection is cut: the room is suspended, rejoined, the same occupants come back",
            reconnect_rejoin
        ),
        scenario!(
            "session.reconnect.history_gap",
            "7.2.14",
            "Messages sent while disconnected arrive once after the rejoin; none twice",
            reconnect_history_gap
        ),
        scenario!(
            "session.reconnect.presence_kept",
            "7.7",
            "After a rejoin the others see the same show and status as before",
            reconnect_presence_kept
        ),
        scenario!(
            "session.reconnect.offline_requests",
            "7.2.1",
            "While the stream is down, requests fail at once; the service says offline, then online",
            reconnect_offline_requests
        ),
        scenario!(
            "session.tracking.rewritten_ids",
            "7.4",
            "A tracked message is recognized when the reflection comes with another id",
            tracking_rewritten_ids
        ),
        scenario!(
            "session.tracking.lost_stream",
            "7.4",
            "A tracked message whose reflection never came ends Unknown when the stream is lost",
            tracking_lost_stream
        ),
        scenario!(
            "session.tracking.timeout",
            "7.4",
            "A tracked message without reflection times out at its deadline",
            tracking_timeout
        ),
    ]
}

fn joined_event<'a>(
    nick: &'a str,
) -> impl FnMut(&RoomEvent) -> Option<muc_client::OccupantRef> + 'a {
    move |e| match e {
        RoomEvent::Join { occupant } if occupant.nick() == nick => Some(occupant.clone()),
        _ => None,
    }
}

fn is_ping_answer(stanza: &str) -> bool {
    stanza_name(stanza) == "iq"
        && matches!(stanza_attr(stanza, "type"), Some("result" | "error"))
        && stanza_attr(stanza, "from").is_some_and(|f| f.ends_with("/Bob"))
}

fn is_ping(stanza: &str) -> bool {
    stanza_name(stanza) == "iq" && stanza.contains("urn:xmpp:ping")
}

async fn self_ping_answered(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        let ping = SelfPingConfig {
            idle: Duration::from_millis(400),
            timeout: Duration::from_secs(3),
        };
        let (broom, mut bev, _) = join_with(
            &bob,
            aroom.mucjid(),
            "Bob",
            JoinOptions::default().self_ping(Some(ping)),
        )
        .await?;
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
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn self_ping_silent_removal(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let ping = SelfPingConfig {
            idle: Duration::from_millis(1500),
            timeout: Duration::from_secs(3),
        };
        let (broom, mut bev, _) = join_with(
            &bob,
            aroom.mucjid(),
            "Bob",
            JoinOptions::default().self_ping(Some(ping)),
        )
        .await?;
        wait_for(&mut aev, "bob's join", joined_event("Bob")).await?;
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
        wait_for(&mut aev, "bob back", joined_event("Bob")).await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn reconnect_rejoin(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, mut bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        wait_for(&mut aev, "bob's join", joined_event("Bob")).await?;
        let my_key = broom.this_occupant().ok_or("no local occupant")?.key();
        let alice_key = broom
            .occupant("Alice")
            .ok_or("bob does not see alice")?
            .key();
        proxy.cut();
        let seen = collect_until(&mut bev, "the rejoin", |e| {
            matches!(e, RoomEvent::Resumed { .. } | RoomEvent::Exit { .. })
        })
        .await?;
        let kinds: Vec<&RoomEvent> = seen
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    RoomEvent::Suspend
                        | RoomEvent::Resume
                        | RoomEvent::Resumed { .. }
                        | RoomEvent::Exit { .. }
                        | RoomEvent::Enter { .. }
                )
            })
            .collect();
        ensure(
            matches!(
                kinds.as_slice(),
                [
                    RoomEvent::Enter { .. },
                    RoomEvent::Suspend,
                    RoomEvent::Resume,
                    RoomEvent::Resumed { .. }
                ]
            ),
            || format!("bob's room: {}", summarize(&seen)),
        )?;
        ensure(proxy.connections() == 2, || {
            format!("{} connections through the proxy", proxy.connections())
        })?;
        ensure(broom.active() && broom.state() == RoomState::Live, || {
            format!("after the rejoin the room is {:?}", broom.state())
        })?;
        ensure(
            broom.this_occupant().map(|o| o.key()) == Some(my_key)
                && broom.occupant("Alice").map(|o| o.key()) == Some(alice_key),
            || "occupant keys changed across the rejoin".into(),
        )?;
        // Alice came back without a new Join at bob's side.
        ensure(
            !seen
                .iter()
                .skip_while(|e| !matches!(e, RoomEvent::Resume))
                .any(|e| matches!(e, RoomEvent::Join { .. } | RoomEvent::Leave { .. })),
            || format!("bob's room: {}", summarize(&seen)),
        )?;
        ensure(nicks(&broom) == ["Bob", "Alice"], || {
            format!("bob's occupants: {:?}", nicks(&broom))
        })?;
        // The server saw bob go and come back.
        wait_leave(&mut aev, "Bob").await?;
        wait_for(&mut aev, "bob back", joined_event("Bob")).await?;
        say(&broom, "back again").await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn reconnect_history_gap(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let (_broom, mut bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        wait_for(&mut aev, "bob's join", joined_event("Bob")).await?;
        say(&aroom, "m1").await?;
        say(&aroom, "m2").await?;
        for m in ["m1", "m2"] {
            wait_for(&mut bev, m, |e| is_message(e, m).then_some(())).await?;
        }
        // Bob goes away and stays away while alice talks.
        proxy.hold();
        proxy.cut();
        wait_for(&mut bev, "the suspension", |e| {
            matches!(e, RoomEvent::Suspend).then_some(())
        })
        .await?;
        wait_leave(&mut aev, "Bob").await?;
        say(&aroom, "m3").await?;
        say(&aroom, "m4").await?;
        proxy.release();
        let seen = collect_until(&mut bev, "m4 after the rejoin", |e| is_message(e, "m4")).await?;
        say(&aroom, "m5").await?;
        let mut rest = collect_until(&mut bev, "m5", |e| is_message(e, "m5")).await?;
        rest.extend(drain(&mut bev).await);
        let bodies: Vec<(String, MessageSource)> = seen
            .iter()
            .chain(rest.iter())
            .filter_map(|e| match e {
                RoomEvent::Message { source, .. } => {
                    Some((body(e).unwrap_or_default().to_owned(), *source))
                }
                _ => None,
            })
            .collect();
        let texts: Vec<&str> = bodies.iter().map(|(b, _)| b.as_str()).collect();
        ensure(texts == ["m3", "m4", "m5"], || {
            format!("after the cut bob got {texts:?}, expected m3 m4 (history) and m5 (live)")
        })?;
        ensure(
            bodies[0].1 == MessageSource::History
                && bodies[1].1 == MessageSource::History
                && bodies[2].1 == MessageSource::Live,
            || format!("sources: {bodies:?}"),
        )?;
        ensure(
            seen.iter().any(|e| matches!(e, RoomEvent::Resumed { .. })),
            || format!("no Resumed before m4: {}", summarize(&seen)),
        )?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn reconnect_presence_kept(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, mut bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        wait_for(&mut aev, "bob's join", joined_event("Bob")).await?;
        within(
            "bob's presence",
            broom.set_presence(Some(Show::Away), Some("brb")),
        )
        .await??;
        wait_for(&mut aev, "bob's status", |e| match e {
            RoomEvent::StatusChange { occupant } if occupant.nick() == "Bob" => Some(()),
            _ => None,
        })
        .await?;
        proxy.cut();
        wait_leave(&mut aev, "Bob").await?;
        let back = wait_for(&mut aev, "bob back", joined_event("Bob")).await?;
        ensure(
            back.show() == Some(&Show::Away) && back.status() == Some("brb"),
            || {
                format!(
                    "bob came back with {:?} / {:?}, not away / brb",
                    back.show(),
                    back.status()
                )
            },
        )?;
        wait_for(&mut bev, "the rejoin", |e| {
            matches!(e, RoomEvent::Resumed { .. }).then_some(())
        })
        .await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn reconnect_offline_requests(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    let mut bob_service = bob.events();
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, mut bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        let first = bob.own_jid().ok_or("bob is offline")?;
        proxy.hold();
        proxy.cut();
        wait_for(&mut bev, "the suspension", |e| {
            matches!(e, RoomEvent::Suspend).then_some(())
        })
        .await?;
        ensure(!broom.active() && broom.joined(), || {
            format!("while suspended the room is {:?}", broom.state())
        })?;
        ensure(!bob.is_online(), || {
            "the service says online while cut off".into()
        })?;
        let started = tokio::time::Instant::now();
        let err = within("a request while offline", broom.room_info())
            .await?
            .err()
            .ok_or("a request succeeded while offline")?;
        ensure(err.is_disconnected(), || {
            format!("the request failed with {err}, not as disconnected")
        })?;
        ensure(started.elapsed() < Duration::from_secs(2), || {
            format!("the request took {:?} to fail", started.elapsed())
        })?;
        proxy.release();
        let again = bob.wait_online(WAIT).await?;
        ensure(again != first, || {
            "the new stream has the old resource".into()
        })?;
        wait_for(&mut bev, "the rejoin", |e| {
            matches!(e, RoomEvent::Resumed { .. }).then_some(())
        })
        .await?;
        // The service told the story too: online, offline, online.
        let mut story = Vec::new();
        while story.len() < 3 {
            match tokio::time::timeout(WAIT, bob_service.next()).await {
                Ok(Some(ServiceEvent::Online(_))) => story.push("online"),
                Ok(Some(ServiceEvent::Offline)) => story.push("offline"),
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        ensure(story == ["online", "offline", "online"], || {
            format!("bob's service events: {story:?}")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

/// A filter dropping (or rewriting) the reflections of bob's groupchat
/// messages in `room`.
fn bob_reflections(room: String, rewrite: bool) -> StanzaFilter {
    let counter = AtomicU32::new(0);
    Arc::new(move |s: &str| {
        let from_bob = stanza_attr(s, "from") == Some(format!("{room}/Bob").as_str());
        let groupchat = stanza_name(s) == "message"
            && stanza_attr(s, "type") == Some("groupchat")
            && s.contains("<body");
        if !(from_bob && groupchat) {
            return Edit::Keep;
        }
        if !rewrite {
            return Edit::Drop;
        }
        let n = counter.fetch_add(1, Ordering::Relaxed);
        match with_stanza_attr(s, "id", &format!("room-chosen-{n}")) {
            Some(t) => Edit::Replace(t),
            None => Edit::Keep,
        }
    })
}

async fn tracking_rewritten_ids(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, mut bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        proxy.set_filter(Some(bob_reflections(aroom.mucjid().to_string(), true)));
        let tracker = broom.send_tracked_message("rewritten", Some(WAIT)).await?;
        let state = within("the reflection", tracker.wait_final()).await??;
        let reflection = proxy
            .received()
            .into_iter()
            .rfind(|s| s.contains("rewritten"))
            .unwrap_or_default();
        ensure(
            stanza_attr(&reflection, "id").is_some_and(|i| i.starts_with("room-chosen-")),
            || format!("the reflection was not rewritten: {reflection}"),
        )?;
        match state {
            TrackerState::DeliveredToRecipient { matched_by, .. } => {
                ensure(matched_by == MatchedBy::OriginId, || {
                    format!(
                        "recognized by {matched_by:?}, expected the origin-id the room kept: \
                         {reflection}"
                    )
                })?;
            }
            other => return Err(format!("the tracker ended {other:?}: {reflection}").into()),
        }
        // Bob's own reflection shows once, as a message.
        wait_for(&mut bev, "bob's reflection", |e| {
            is_message(e, "rewritten").then_some(())
        })
        .await?;
        expect_quiet(&mut bev, "bob's events", |e| is_message(e, "rewritten")).await?;
        wait_for(&mut aev, "alice's copy", |e| {
            is_message(e, "rewritten").then_some(())
        })
        .await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn tracking_lost_stream(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, _bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        proxy.set_filter(Some(bob_reflections(aroom.mucjid().to_string(), false)));
        let tracker = broom.send_tracked_message("into the void", None).await?;
        // The room got it (alice sees it); bob never sees the reflection.
        wait_for(&mut aev, "alice's copy", |e| {
            is_message(e, "into the void").then_some(())
        })
        .await?;
        within(
            "delivery to the server",
            tracker.wait_for(|s| !matches!(s, TrackerState::InFlight)),
        )
        .await??;
        ensure(!tracker.is_final(), || {
            format!("final before the cut: {:?}", tracker.state())
        })?;
        proxy.cut();
        let state = within("the final state", tracker.wait_final()).await??;
        ensure(state == TrackerState::Unknown, || {
            format!("after the stream was lost the tracker is {state:?}, not Unknown")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn tracking_timeout(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, _bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        proxy.set_filter(Some(bob_reflections(aroom.mucjid().to_string(), false)));
        let started = tokio::time::Instant::now();
        let tracker = broom
            .send_tracked_message("nobody hears", Some(Duration::from_secs(1)))
            .await?;
        let state = within("the final state", tracker.wait_final()).await??;
        let took = started.elapsed();
        ensure(state == TrackerState::TimedOut, || {
            format!("the tracker ended {state:?}, not TimedOut")
        })?;
        ensure(
            took >= Duration::from_millis(900) && took < Duration::from_secs(4),
            || format!("timed out after {took:?}, not about 1 s"),
        )?;
        ensure(broom.active(), || "the timeout took the room down".into())?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}
