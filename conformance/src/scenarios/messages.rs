//! §7.4 messages to all occupants (reflection, tracking), §7.5 private
//! messages, §7.2.15 and §8.1 the room subject.

use muc_client::{MatchedBy, Role, RoomEvent, TrackerState};

use super::support::*;
use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "messages.groupchat.reflected",
            "7.4",
            "A groupchat message reaches every occupant, the sender included, from its nick",
            groupchat_reflected
        ),
        scenario!(
            "messages.groupchat.tracked",
            "7.4",
            "A tracked message reaches DeliveredToRecipient, matched by its reflected id",
            groupchat_tracked
        ),
        scenario!(
            "messages.groupchat.order",
            "7.4",
            "Twenty messages sent back to back arrive in order, each once",
            groupchat_order
        ),
        scenario!(
            "messages.groupchat.visitor_refused",
            "7.4",
            "A visitor's message in a moderated room is refused (forbidden), not reflected",
            visitor_refused
        ),
        scenario!(
            "messages.private.both_ways",
            "7.5",
            "Private messages through the room reach only their recipient, both ways",
            private_both_ways
        ),
        scenario!(
            "messages.private.unknown_nick",
            "7.5",
            "A private message to a nick nobody has is answered with item-not-found",
            private_unknown_nick
        ),
        scenario!(
            "messages.subject.on_join",
            "7.2.15",
            "A newcomer gets the current subject and who set it, after the history",
            subject_on_join
        ),
        scenario!(
            "messages.subject.empty_on_join",
            "7.2.15",
            "A room without a subject still sends an empty one on entry",
            subject_empty_on_join
        ),
        scenario!(
            "messages.subject.delay_on_join",
            "7.2.15",
            "The subject sent on entry carries a delay from the room JID",
            subject_delay_on_join
        ),
        scenario!(
            "messages.subject.changed",
            "8.1",
            "A moderator changes the subject; every occupant sees it with the setter",
            subject_changed
        ),
        scenario!(
            "messages.subject.cleared",
            "8.1",
            "An empty subject clears it for everyone",
            subject_cleared
        ),
        scenario!(
            "messages.subject.default_moderators_only",
            "8.1",
            "By default only moderators may change the subject: a participant gets forbidden",
            subject_default_moderators_only
        ),
        scenario!(
            "messages.subject.participant_refused",
            "8.1",
            "With changesubject off, a participant's subject change is forbidden",
            subject_participant_refused
        ),
        scenario!(
            "messages.subject.participant_allowed",
            "8.1",
            "With changesubject on, a participant changes the subject",
            subject_participant_allowed
        ),
    ]
}

async fn groupchat_reflected(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev, mut guests) =
            room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
        let (croom, mut cev) = guests.pop().ok_or("no carol")?;
        let (broom, mut bev) = guests.pop().ok_or("no bob")?;
        within("the message", broom.send_message("Fair is foul")).await??;
        for (who, room, events) in [
            ("alice", &aroom, &mut aev),
            ("bob", &broom, &mut bev),
            ("carol", &croom, &mut cev),
        ] {
            let (nick, occupant, source) =
                wait_for(events, &format!("{who} to get the message"), |e| match e {
                    RoomEvent::Message {
                        nick,
                        occupant,
                        source,
                        ..
                    } if is_message(e, "Fair is foul") => {
                        Some((nick.clone(), occupant.clone(), *source))
                    }
                    _ => None,
                })
                .await?;
            let bob_key = room.occupant("Bob").map(|o| o.key());
            ensure(nick.as_deref() == Some("Bob"), || {
                format!("{who} got it from {nick:?}")
            })?;
            ensure(source == muc_client::MessageSource::Live, || {
                format!("{who} got it as {source:?}")
            })?;
            ensure(
                occupant.as_ref().map(|o| o.key()) == bob_key && bob_key.is_some(),
                || format!("{who}'s message names occupant {occupant:?}"),
            )?;
            ensure(
                occupant.as_ref().is_some_and(|o| o.is_self()) == (who == "bob"),
                || format!("{who}: is_self of the sender is wrong"),
            )?;
            expect_quiet(events, &format!("{who}'s events"), |e| {
                is_message(e, "Fair is foul")
            })
            .await?;
        }
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob, &carol]).await;
    result
}

async fn groupchat_tracked(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (_aroom, mut aev, mut guests) =
            room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
        let (broom, mut bev) = guests.remove(0);
        let tracker = broom.send_tracked_message("tracked one", Some(WAIT)).await?;
        let state = within("the final state", tracker.wait_final()).await??;
        match &state {
            TrackerState::DeliveredToRecipient { matched_by, .. } => {
                ensure(*matched_by == MatchedBy::Id, || {
                    format!("the reflection was recognized by {matched_by:?}, not by its id (§7.4: SHOULD keep the id)")
                })?;
            }
            other => return Err(format!("the tracker ended as {other:?}").into()),
        }
        ensure(tracker.is_final() && tracker.state() == state, || {
            format!("the tracker says {:?}", tracker.state())
        })?;
        // The tracker's events: delivered to the server, then to the room.
        let states: Vec<TrackerState> = collect_until(&mut bev, "the tracker's last event", |e| {
            matches!(e, RoomEvent::Tracker { state, .. } if state.is_final())
        })
        .await?
        .into_iter()
        .filter_map(|e| match e {
            RoomEvent::Tracker { id, state } if id == tracker.id() => Some(state),
            _ => None,
        })
        .collect();
        ensure(
            matches!(
                states.as_slice(),
                [TrackerState::DeliveredToServer, TrackerState::DeliveredToRecipient { .. }]
            ),
            || format!("tracker events: {states:?}"),
        )?;
        wait_for(&mut aev, "alice to get it", |e| {
            is_message(e, "tracked one").then_some(())
        })
        .await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn groupchat_order(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (_aroom, mut aev, mut guests) =
            room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
        let (broom, _bev) = guests.remove(0);
        let texts: Vec<String> = (1..=20).map(|i| format!("line {i:02}")).collect();
        for t in &texts {
            within("a message", broom.send_message(t.as_str())).await??;
        }
        let mut got = Vec::new();
        while got.len() < texts.len() {
            let text = wait_for(&mut aev, "the next line", |e| match e {
                RoomEvent::Message { .. } => body(e).map(str::to_owned),
                _ => None,
            })
            .await?;
            got.push(text);
        }
        ensure(got == texts, || format!("alice got {got:?}"))?;
        expect_quiet(&mut aev, "alice's events", |e| {
            matches!(e, RoomEvent::Message { .. })
        })
        .await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn visitor_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_moderated(true);
        })
        .await?;
        let (broom, mut bev, entered) = join(&bob, aroom.mucjid(), "Bob").await?;
        // Unaffiliated users enter a moderated room as visitors (§5.1.3);
        // where the server made bob a participant, take his voice.
        if entered.occupant.role() != Role::Visitor {
            within("the devoicing", aroom.set_role("Bob", Role::Visitor, None)).await??;
            wait_role(&mut bev, "Bob", Role::Visitor).await?;
        }
        let tracker = broom
            .send_tracked_message("may I speak?", Some(WAIT))
            .await?;
        let state = within("the final state", tracker.wait_final()).await??;
        match &state {
            TrackerState::Error(e) => ensure(e.condition_name() == "forbidden", || {
                format!("refused with {e}, not forbidden")
            })?,
            other => return Err(format!("a visitor's message ended as {other:?}").into()),
        }
        expect_quiet(&mut aev, "alice's events", |e| {
            is_message(e, "may I speak?")
        })
        .await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn private_both_ways(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev, mut guests) =
            room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob"), (&carol, "Carol")]).await?;
        let (_croom, mut cev) = guests.pop().ok_or("no carol")?;
        let (broom, mut bev) = guests.pop().ok_or("no bob")?;
        let private = |e: &RoomEvent| matches!(e, RoomEvent::PrivateMessage { .. });
        within(
            "the private message",
            aroom.send_private_message("Bob", "psst, Bob"),
        )
        .await??;
        let (nick, occupant, text) = wait_for(&mut bev, "bob's private message", |e| match e {
            RoomEvent::PrivateMessage { nick, occupant, .. } => {
                Some((nick.clone(), occupant.clone(), body(e).map(str::to_owned)))
            }
            _ => None,
        })
        .await?;
        ensure(
            nick == "Alice" && text.as_deref() == Some("psst, Bob"),
            || format!("bob got {text:?} from {nick}"),
        )?;
        ensure(
            occupant.map(|o| o.key()) == broom.occupant("Alice").map(|o| o.key()),
            || "the private message names another occupant than Alice".into(),
        )?;
        within(
            "the answer",
            broom.send_private_message("Alice", "what, Alice?"),
        )
        .await??;
        let (nick, text) = wait_for(&mut aev, "alice's private message", |e| match e {
            RoomEvent::PrivateMessage { nick, .. } => {
                Some((nick.clone(), body(e).map(str::to_owned)))
            }
            _ => None,
        })
        .await?;
        ensure(
            nick == "Bob" && text.as_deref() == Some("what, Alice?"),
            || format!("alice got {text:?} from {nick}"),
        )?;
        // Nobody else, and no groupchat copy.
        expect_quiet(&mut cev, "carol's events", |e| {
            private(e) || matches!(e, RoomEvent::Message { .. })
        })
        .await?;
        expect_quiet(&mut aev, "alice's events", |e| {
            private(e) || matches!(e, RoomEvent::Message { .. })
        })
        .await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob, &carol]).await;
    result
}

async fn private_unknown_nick(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        within(
            "the private message",
            aroom.send_private_message("Nobody", "hello?"),
        )
        .await??;
        let error = wait_for(&mut aev, "an error", |e| match e {
            RoomEvent::Error { error, .. } => Some(error.clone()),
            _ => None,
        })
        .await?;
        ensure(error.condition_name() == "item-not-found", || {
            format!("a private message to nobody was answered with {error}, not item-not-found")
        })?;
        ensure(aroom.active(), || "the error took the room down".into())?;
        Ok(Outcome::Pass)
    }
    .await;
    alice.close().await;
    result
}

/// The subject event sent on entry, from `events`.
async fn subject_on_entry(
    events: &mut muc_client::RoomEvents,
) -> Result<(muc_client::Subject, Option<String>), Error> {
    wait_for(events, "the subject on entry", |e| match e {
        RoomEvent::SubjectChange {
            subject,
            setter,
            on_join: true,
            ..
        } => Some((subject.clone(), setter.clone())),
        _ => None,
    })
    .await
}

fn text_of(subject: &muc_client::Subject) -> String {
    subject.values().next().cloned().unwrap_or_default()
}

async fn subject_on_join(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        within("the subject", aroom.set_subject("Toil and trouble")).await??;
        let (broom, mut bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        let (subject, setter) = subject_on_entry(&mut bev).await?;
        ensure(text_of(&subject) == "Toil and trouble", || {
            format!("the subject on entry: {subject:?}")
        })?;
        ensure(setter.as_deref() == Some("Alice"), || {
            format!("the subject on entry was set by {setter:?}, not Alice")
        })?;
        ensure(
            broom.subject_text().as_deref() == Some("Toil and trouble")
                && broom.subject_setter().as_deref() == Some("Alice"),
            || {
                format!(
                    "bob's room says {:?} by {:?}",
                    broom.subject_text(),
                    broom.subject_setter()
                )
            },
        )?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn subject_empty_on_join(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        let (broom, mut bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        let (subject, _setter) = subject_on_entry(&mut bev).await?;
        ensure(subject.values().all(String::is_empty), || {
            format!("a room without a subject sent {subject:?}")
        })?;
        ensure(broom.subject_text().is_none(), || {
            format!("bob's room says the subject is {:?}", broom.subject_text())
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn subject_delay_on_join(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        within("the subject", aroom.set_subject("Stamped")).await??;
        let proxy = TcpProxy::start(ctx).await?;
        let bob_via = connect_via(ctx, "bob", proxy.addr()).await?;
        let (_broom, mut bev, _) = join(&bob_via, aroom.mucjid(), "Bob").await?;
        subject_on_entry(&mut bev).await?;
        bob_via.close().await;
        // The library hands out no delay on subjects: read the stanza.
        let stanza = proxy
            .received()
            .into_iter()
            .find(|s| {
                stanza_name(s) == "message" && s.contains("<subject") && s.contains("Stamped")
            })
            .ok_or("no subject message went through the proxy")?;
        let room = aroom.mucjid().to_string();
        let delay_from = stanza
            .find("urn:xmpp:delay")
            .and_then(|at| {
                let start = stanza[..at].rfind('<')?;
                stanza_attr(&stanza[start..], "from")
            })
            .map(str::to_owned);
        match delay_from {
            Some(from) => ensure(from == room, || {
                format!("the subject's delay is from {from}, not the room JID {room}")
            })?,
            None if ctx.backend() == Backend::Ejabberd => {
                return Ok(Outcome::differs(
                    "ejabberd 23.01 sends the subject on entry without <delay/> \
                     (§7.2.15: SHOULD be stamped with the time it was set)",
                ));
            }
            None => return Err(format!("the subject on entry has no delay: {stanza}").into()),
        }
        Ok(Outcome::Pass)
    }
    .await;
    alice.close().await;
    result
}

async fn subject_changed(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev, mut guests) =
            room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
        let (broom, mut bev) = guests.remove(0);
        within(
            "the subject",
            aroom.set_subject("When shall we three meet again"),
        )
        .await??;
        for (who, room, events) in [("alice", &aroom, &mut aev), ("bob", &broom, &mut bev)] {
            let (subject, setter, occupant) =
                wait_for(events, &format!("{who} to see the subject"), |e| match e {
                    RoomEvent::SubjectChange {
                        subject,
                        setter,
                        occupant,
                        on_join: false,
                    } => Some((subject.clone(), setter.clone(), occupant.clone())),
                    _ => None,
                })
                .await?;
            ensure(
                text_of(&subject) == "When shall we three meet again",
                || format!("{who} saw {subject:?}"),
            )?;
            ensure(setter.as_deref() == Some("Alice"), || {
                format!("{who} saw it set by {setter:?}")
            })?;
            ensure(
                occupant.map(|o| o.key()) == room.occupant("Alice").map(|o| o.key()),
                || format!("{who}: the setter is not Alice's occupant"),
            )?;
            ensure(
                room.subject_text().as_deref() == Some("When shall we three meet again"),
                || format!("{who}'s room says {:?}", room.subject_text()),
            )?;
        }
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn subject_cleared(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev, mut guests) =
            room_with_guests(ctx, &alice, "Alice", &[(&bob, "Bob")]).await?;
        let (broom, mut bev) = guests.remove(0);
        within("the subject", aroom.set_subject("Soon gone")).await??;
        eventually("bob sees the subject", || {
            broom.subject_text().as_deref() == Some("Soon gone")
        })
        .await?;
        within("the clearing", aroom.set_subject("")).await??;
        let subject = wait_for(&mut bev, "the cleared subject", |e| match e {
            RoomEvent::SubjectChange {
                subject,
                on_join: false,
                ..
            } if subject.values().all(String::is_empty) => Some(subject.clone()),
            _ => None,
        })
        .await?;
        ensure(broom.subject_text().is_none(), || {
            format!(
                "after {subject:?} bob's room says {:?}",
                broom.subject_text()
            )
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

/// Bob (a participant) tries to change the subject of a room of alice's;
/// returns the refusal's condition, or `None` if the change went through
/// (and alice saw it).
async fn participant_sets_subject(
    ctx: &ScenarioCtx,
    change_subject: Option<bool>,
) -> Result<Option<String>, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Option<String>, Error> = async {
        let (aroom, mut aev) = match change_subject {
            Some(allow) => {
                create_configured_room(ctx, &alice, "Alice", |c| {
                    c.set_change_subject(allow);
                })
                .await?
            }
            None => create_room(ctx, &alice, "Alice").await?,
        };
        let (broom, _bev, entered) = join(&bob, aroom.mucjid(), "Bob").await?;
        ensure(entered.occupant.role() == Role::Participant, || {
            format!("bob entered as {:?}", entered.occupant.role())
        })?;
        match within("bob's subject", broom.set_subject("Bob was here")).await? {
            Ok(()) => {
                let setter = wait_for(&mut aev, "alice to see bob's subject", |e| match e {
                    RoomEvent::SubjectChange {
                        subject, setter, ..
                    } if text_of(subject) == "Bob was here" => Some(setter.clone()),
                    _ => None,
                })
                .await?;
                ensure(setter.as_deref() == Some("Bob"), || {
                    format!("alice saw the subject set by {setter:?}")
                })?;
                Ok(None)
            }
            Err(e) => {
                let condition = e
                    .server_error()
                    .map(|s| s.condition_name().to_owned())
                    .ok_or_else(|| format!("the change failed without a stanza error: {e}"))?;
                expect_quiet(&mut aev, "alice's events", |e| {
                    matches!(e, RoomEvent::SubjectChange { on_join: false, .. })
                })
                .await?;
                ensure(aroom.subject_text().is_none(), || {
                    format!("the subject changed anyway: {:?}", aroom.subject_text())
                })?;
                Ok(Some(condition))
            }
        }
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn subject_default_moderators_only(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    match participant_sets_subject(ctx, None).await? {
        Some(c) if c == "forbidden" => Ok(Outcome::Pass),
        Some(c) => Err(format!("refused with {c}, not forbidden").into()),
        None if ctx.backend() == Backend::Ejabberd => Ok(Outcome::differs(
            "ejabberd 23.01 lets participants change the subject by default \
             (default room option allow_change_subj: true), where §8.1 says that by \
             default only moderators SHOULD",
        )),
        None => {
            Err("a participant changed the subject of a room with the default configuration".into())
        }
    }
}

async fn subject_participant_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    match participant_sets_subject(ctx, Some(false)).await? {
        Some(c) if c == "forbidden" => Ok(Outcome::Pass),
        Some(c) => Err(format!("refused with {c}, not forbidden").into()),
        None => Err("a participant changed the subject with changesubject off".into()),
    }
}

async fn subject_participant_allowed(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    match participant_sets_subject(ctx, Some(true)).await? {
        None => Ok(Outcome::Pass),
        Some(c) => Err(format!("refused with {c} although changesubject is on").into()),
    }
}
