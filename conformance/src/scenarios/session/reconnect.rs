//! Reconnecting and rejoining (§7.2.1 again, with the history of §7.2.14
//! covering the gap) after the connection is cut.

use std::time::Duration;

use futures::StreamExt;
use muc_client::xmpp_parsers::presence::Show;
use muc_client::{MessageSource, RoomEvent, RoomState, ServiceEvent};

use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
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
    ]
}

async fn reconnect_rejoin(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, mut bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        wait_join(&mut aev, "bob's join", "Bob").await?;
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
        wait_join(&mut aev, "bob back", "Bob").await?;
        say(&broom, "back again").await?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn reconnect_history_gap(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let (_broom, mut bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        wait_join(&mut aev, "bob's join", "Bob").await?;
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
    })
    .await
}

async fn reconnect_presence_kept(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, mut bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        wait_join(&mut aev, "bob's join", "Bob").await?;
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
        let back = wait_join(&mut aev, "bob back", "Bob").await?;
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
    })
    .await
}

async fn reconnect_offline_requests(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    let mut bob_service = bob.events();
    close_after(&[&alice, &bob], async {
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
    })
    .await
}
