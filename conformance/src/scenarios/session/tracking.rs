//! Message tracking (§7.4) when the room rewrites ids, the stream goes
//! away, or no reflection comes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use muc_client::{MatchedBy, TrackerState};

use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
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
    close_after(&[&alice, &bob], async {
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
    })
    .await
}

async fn tracking_lost_stream(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    close_after(&[&alice, &bob], async {
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
    })
    .await
}

async fn tracking_timeout(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let bob = connect_via(ctx, "bob", proxy.addr()).await?;
    close_after(&[&alice, &bob], async {
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
    })
    .await
}
