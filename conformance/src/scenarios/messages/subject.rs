//! §7.2.15 The subject on entry, and §8.1 changing it: by moderators, and by
//! participants where the room allows it.

use muc_client::{Role, RoomEvent};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
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
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
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
    })
    .await
}

async fn subject_empty_on_join(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
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
    })
    .await
}

async fn subject_delay_on_join(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    close_after(&[&alice], async {
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
    })
    .await
}

async fn subject_changed(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev, [(broom, mut bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
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
    })
    .await
}

async fn subject_cleared(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, _aev, [(broom, mut bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
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
    })
    .await
}

/// Bob (a participant) tries to change the subject of a room of alice's;
/// returns the refusal's condition, or `None` if the change went through
/// (and alice saw it).
async fn participant_sets_subject(
    ctx: &ScenarioCtx,
    change_subject: Option<bool>,
) -> Result<Option<String>, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
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
    })
    .await
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
