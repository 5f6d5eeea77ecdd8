//! §7.8.2 Mediated invitations: what reaches the invitee (to a full or
//! bare JID, with the password), declines, members-only rooms.

use muc_client::{
    Affiliation, Invitation, InviteMode, JoinOptions, RoomEvent, ServiceEvent, ServiceEvents,
};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "invites.mediated.received",
            "7.8.2",
            "A mediated invitation reaches the invitee from the room, naming the inviter",
            mediated_received
        ),
        scenario!(
            "invites.mediated.bare_jid",
            "7.8.2",
            "A mediated invitation to the invitee's bare JID reaches the connected invitee",
            mediated_bare_jid
        ),
        scenario!(
            "invites.mediated.password",
            "7.8.2",
            "A mediated invitation to a password-protected room carries the password",
            mediated_password
        ),
        scenario!(
            "invites.mediated.decline",
            "7.8.2",
            "A declined invitation reaches the inviter with the invitee and the reason",
            mediated_decline
        ),
        scenario!(
            "invites.mediated.members_only",
            "7.8.2",
            "An owner's invitation into a members-only room lets the invitee in",
            mediated_members_only
        ),
        scenario!(
            "invites.mediated.member_forbidden",
            "7.8.2",
            "In a members-only room a plain member may not invite: forbidden",
            mediated_member_forbidden
        ),
    ]
}

pub(super) async fn invitation(
    events: &mut ServiceEvents,
    what: &str,
) -> Result<Invitation, Error> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, futures::StreamExt::next(events)).await {
            Err(_) => return Err(format!("timed out waiting for {what}").into()),
            Ok(None) => return Err(format!("service events ended waiting for {what}").into()),
            Ok(Some(ServiceEvent::Invitation(i))) => return Ok(i),
            Ok(Some(_)) => {}
        }
    }
}

/// Whether `inviter` names alice: her JID, or her occupant JID `room/Alice`
/// (§7.8.2 allows the bare, full or occupant JID).
fn is_alice(ctx: &ScenarioCtx, room: &jid::BareJid, inviter: Option<&jid::Jid>) -> bool {
    inviter.is_some_and(|j| {
        j.to_bare() == bare_jid(ctx, "alice")
            || (j.to_bare() == *room && j.resource().map(|r| r.as_str()) == Some("Alice"))
    })
}

async fn mediated_received(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let (bob, _bob_jid) = connect_fresh_via(ctx, &proxy).await?;
    let mut bob_events = bob.events();
    close_after(&[&alice, &bob], async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        let to = bob.own_jid().ok_or("bob is offline")?;
        within(
            "the invitation",
            aroom.invite(to, Some("Come to the heath")),
        )
        .await??;
        let inv = invitation(&mut bob_events, "the invitation").await?;
        ensure(inv.mode == InviteMode::Mediated, || {
            format!(
                "the room's invitation was read as {:?} ({inv:?}); the stanza: {}",
                inv.mode,
                last_received_with(&proxy, "invite")
            )
        })?;
        ensure(&inv.room == aroom.mucjid(), || {
            format!("the invitation is to {}", inv.room)
        })?;
        ensure(inv.reason.as_deref() == Some("Come to the heath"), || {
            format!("the reason is {:?}", inv.reason)
        })?;
        ensure(is_alice(ctx, aroom.mucjid(), inv.inviter.as_ref()), || {
            format!("the inviter is {:?}, not alice", inv.inviter)
        })?;
        ensure(inv.password.is_none(), || {
            "an invitation to a room without password carries one".into()
        })?;
        let (_broom, _bev, entered) = join(&bob, &inv.room, "Bob").await?;
        ensure(!entered.created, || "the invitee created the room".into())?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn mediated_bare_jid(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let (bob, bob_jid) = connect_fresh_via(ctx, &proxy).await?;
    let mut bob_events = bob.events();
    close_after(&[&alice, &bob], async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        within("the invitation", aroom.invite(bob_jid.clone(), None)).await??;
        match invitation(&mut bob_events, "the invitation").await {
            Ok(inv) => {
                ensure(&inv.room == aroom.mucjid(), || format!("bob got {inv:?}"))?;
                Ok(Outcome::Pass)
            }
            Err(e) => {
                let sent = proxy.sent();
                let presences = sent
                    .iter()
                    .filter(|s| stanza_name(s) == "presence" && stanza_attr(s, "to").is_none())
                    .count();
                Err(format!(
                    "{e}: the invitation to {bob_jid} never reached bob's session; that \
                     session sent {} stanzas, {presences} of them an initial (broadcast) \
                     presence, and servers deliver messages to a bare JID only to \
                     available resources (RFC 6121 §8.5.2.1)",
                    sent.len()
                )
                .into())
            }
        }
    })
    .await
}

pub(super) const SECRET: &str = "eye of newt";

/// Invites bob (connected through `proxy`) from `room`, waits for the
/// invitation and checks that it reads as a mediated one.
async fn receive_mediated(
    room: &muc_client::Room,
    bob: &muc_client::Service,
    bob_events: &mut ServiceEvents,
    proxy: &TcpProxy,
) -> Result<Invitation, Error> {
    within(
        "the invitation",
        room.invite(bob.own_jid().ok_or("bob is offline")?, None),
    )
    .await??;
    let inv = invitation(bob_events, "the invitation").await?;
    ensure(inv.mode == InviteMode::Mediated, || {
        format!(
            "the room's invitation was read as {:?}; the stanza: {}",
            inv.mode,
            last_received_with(proxy, "invite")
        )
    })?;
    Ok(inv)
}

async fn mediated_password(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let (bob, _bob_jid) = connect_fresh_via(ctx, &proxy).await?;
    let mut bob_events = bob.events();
    close_after(&[&alice, &bob], async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_password_protected(true).set_room_secret(SECRET);
        })
        .await?;
        let inv = receive_mediated(&aroom, &bob, &mut bob_events, &proxy).await?;
        let Some(password) = inv.password.clone() else {
            return Err(format!(
                "the mediated invitation carries no password (§7.8.2: the room SHOULD add \
                 it); the stanza: {}",
                last_received_with(&proxy, "invite")
            )
            .into());
        };
        ensure(password == SECRET, || {
            "the invitation carries a wrong password".into()
        })?;
        // The invitation is all bob needs.
        join_with(
            &bob,
            &inv.room,
            "Bob",
            JoinOptions::default().password(password),
        )
        .await?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn mediated_decline(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let (bob, bob_jid) = connect_fresh_via(ctx, &proxy).await?;
    let mut bob_events = bob.events();
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let inv = receive_mediated(&aroom, &bob, &mut bob_events, &proxy).await?;
        bob.decline(&inv, Some("Sorry, busy tonight"))?;
        let (from, reason) = wait_for(&mut aev, "the decline", |e| match e {
            RoomEvent::Decline { from, reason } => Some((from.clone(), reason.clone())),
            _ => None,
        })
        .await?;
        ensure(
            from.as_ref().map(|j| j.to_bare()) == Some(bob_jid.clone()),
            || format!("the decline came from {from:?}, not bob"),
        )?;
        ensure(reason.as_deref() == Some("Sorry, busy tonight"), || {
            format!("the decline's reason is {reason:?}")
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn mediated_members_only(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let (bob, _bob_jid) = connect_fresh_via(ctx, &proxy).await?;
    let mut bob_events = bob.events();
    close_after(&[&alice, &bob], async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_members_only(true);
        })
        .await?;
        let inv = receive_mediated(&aroom, &bob, &mut bob_events, &proxy).await?;
        ensure(&inv.room == aroom.mucjid(), || format!("bob got {inv:?}"))?;
        let (handle, joined) =
            bob.join(inv.room.to_string().as_str(), "Bob", JoinOptions::default())?;
        match within("bob's join", joined).await? {
            Ok(entered) => {
                ensure(
                    entered.occupant.affiliation() == Affiliation::Member,
                    || {
                        format!(
                            "the invitee entered as {:?}",
                            entered.occupant.affiliation()
                        )
                    },
                )?;
                Ok(Outcome::Pass)
            }
            Err(e)
                if e.server_error()
                    .is_some_and(|s| s.condition_name() == "registration-required") =>
            {
                drop(handle);
                Ok(Outcome::skipped(format!(
                    "{} does not add the invitee of a members-only room to the member list \
                     (a MAY of §7.8.2), so the invitation alone does not let bob in",
                    ctx.backend()
                )))
            }
            Err(e) => Err(format!("the invitee could not enter: {e}").into()),
        }
    })
    .await
}

async fn mediated_member_forbidden(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    let (carol, _carol_jid) = connect_fresh(ctx).await?;
    let mut carol_events = carol.events();
    close_after(&[&alice, &bob, &carol], async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_members_only(true).set_allow_invites(false);
        })
        .await?;
        affiliate(ctx, "membership", &aroom, "bob", Affiliation::Member, None).await?;
        let (broom, mut bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        within(
            "bob's invitation",
            broom.invite(carol.own_jid().ok_or("carol is offline")?, None),
        )
        .await??;
        let error = wait_for(&mut bev, "the refusal", |e| match e {
            RoomEvent::Error { error, .. } => Some(error.clone()),
            _ => None,
        })
        .await;
        let got_invite = tokio::time::timeout(QUIET, invitation(&mut carol_events, "x")).await;
        ensure(
            got_invite.is_err() || got_invite.as_ref().is_ok_and(|r| r.is_err()),
            || "carol got an invitation a plain member may not send".into(),
        )?;
        let error = error?;
        match error.condition_name() {
            "forbidden" => Ok(Outcome::Pass),
            "not-allowed" if ctx.backend() == Backend::Ejabberd => Ok(Outcome::differs(
                "ejabberd 23.01 refuses a member's invitation into a members-only room with \
                 not-allowed, where §7.8.2 says forbidden",
            )),
            other => Err(format!("refused with {other} ({error}), not forbidden").into()),
        }
    })
    .await
}
