//! §7.8 invitations (mediated, declines, direct XEP-0249), §7.10
//! registration, §7.12 the reserved nick, §7.13 voice requests.

use muc_client::{
    Affiliation, Invitation, InviteMode, JoinOptions, RegistrationForm, Role, RoomEvent,
    ServiceEvent, ServiceEvents,
};

use super::support::*;
use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;

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
        scenario!(
            "invites.direct",
            "7.8.1",
            "A direct invitation (XEP-0249) arrives with the password and gets the invitee in",
            direct
        ),
        scenario!(
            "invites.voice.request_approved",
            "7.13",
            "A visitor asks for voice; the moderator gets the form, approves; voice granted",
            voice_request_approved
        ),
        scenario!(
            "invites.register.unaffiliated",
            "7.10",
            "An unaffiliated user asks to register: a form, or not-allowed",
            register_unaffiliated
        ),
        scenario!(
            "invites.register.member",
            "7.10",
            "A member gets the registration form, registers a nick, and is then registered",
            register_member
        ),
        scenario!(
            "invites.register.nick_taken",
            "7.10",
            "Registering a nick someone else registered: conflict",
            register_nick_taken
        ),
        scenario!(
            "invites.reserved_nick.discovered",
            "7.12",
            "The reserved nick is discovered: none before registering, the nick after",
            reserved_nick_discovered
        ),
        scenario!(
            "invites.reserved_nick.protected",
            "7.12",
            "Another user cannot enter with a nick reserved by someone else: conflict",
            reserved_nick_protected
        ),
    ]
}

async fn invitation(events: &mut ServiceEvents, what: &str) -> Result<Invitation, Error> {
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
    let result: Result<Outcome, Error> = async {
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
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn mediated_bare_jid(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let (bob, bob_jid) = connect_fresh_via(ctx, &proxy).await?;
    let mut bob_events = bob.events();
    let result: Result<Outcome, Error> = async {
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
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

const SECRET: &str = "eye of newt";

async fn mediated_password(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let (bob, _bob_jid) = connect_fresh_via(ctx, &proxy).await?;
    let mut bob_events = bob.events();
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_password_protected(true).set_room_secret(SECRET);
        })
        .await?;
        within(
            "the invitation",
            aroom.invite(bob.own_jid().ok_or("bob is offline")?, None),
        )
        .await??;
        let inv = invitation(&mut bob_events, "the invitation").await?;
        ensure(inv.mode == InviteMode::Mediated, || {
            format!(
                "the room's invitation was read as {:?}; the stanza: {}",
                inv.mode,
                last_received_with(&proxy, "invite")
            )
        })?;
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
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn mediated_decline(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let (bob, bob_jid) = connect_fresh_via(ctx, &proxy).await?;
    let mut bob_events = bob.events();
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        within(
            "the invitation",
            aroom.invite(bob.own_jid().ok_or("bob is offline")?, None),
        )
        .await??;
        let inv = invitation(&mut bob_events, "the invitation").await?;
        ensure(inv.mode == InviteMode::Mediated, || {
            format!(
                "the room's invitation was read as {:?}; the stanza: {}",
                inv.mode,
                last_received_with(&proxy, "invite")
            )
        })?;
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
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn mediated_members_only(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let proxy = TcpProxy::start(ctx).await?;
    let (bob, _bob_jid) = connect_fresh_via(ctx, &proxy).await?;
    let mut bob_events = bob.events();
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_members_only(true);
        })
        .await?;
        within(
            "the invitation",
            aroom.invite(bob.own_jid().ok_or("bob is offline")?, None),
        )
        .await??;
        let inv = invitation(&mut bob_events, "the invitation").await?;
        ensure(inv.mode == InviteMode::Mediated, || {
            format!(
                "the room's invitation was read as {:?}; the stanza: {}",
                inv.mode,
                last_received_with(&proxy, "invite")
            )
        })?;
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
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn mediated_member_forbidden(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (carol, _carol_jid) = connect_fresh(ctx).await?;
    let mut carol_events = carol.events();
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_members_only(true).set_allow_invites(false);
        })
        .await?;
        within(
            "membership",
            aroom.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Member, None),
        )
        .await??;
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
    }
    .await;
    close_all(&[&alice, &bob, &carol]).await;
    result
}

async fn direct(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let carol = connect(ctx, "carol").await?;
    let alice_proxy = TcpProxy::start(ctx).await?;
    let alice = connect_via(ctx, "alice", alice_proxy.addr()).await?;
    let bob_proxy = TcpProxy::start(ctx).await?;
    let (bob, _bob_jid) = connect_fresh_via(ctx, &bob_proxy).await?;
    let mut bob_events = bob.events();
    let result: Result<Outcome, Error> = async {
        let (croom, _cev) = create_configured_room(ctx, &carol, "Carol", |c| {
            c.set_password_protected(true).set_room_secret(SECRET);
        })
        .await?;
        let (aroom, _aev, _) = join_with(
            &alice,
            croom.mucjid(),
            "Alice",
            JoinOptions::default().password(SECRET),
        )
        .await?;
        aroom.invite_direct(
            bob.own_jid().ok_or("bob is offline")?,
            Some("Bring the cauldron"),
        )?;
        let inv = invitation(&mut bob_events, "the direct invitation")
            .await
            .map_err(|e| {
                let broadcast = bob_proxy
                    .sent()
                    .iter()
                    .filter(|s| stanza_name(s) == "presence" && stanza_attr(s, "to").is_none())
                    .count();
                format!(
                    "{e}; alice sent {}; bob received {}; bob's session sent {broadcast} \
                     initial presences, and servers deliver messages to a bare JID only to \
                     available resources (RFC 6121 §8.5.2.1)",
                    alice_proxy
                        .sent()
                        .into_iter()
                        .rfind(|s| s.contains("jabber:x:conference"))
                        .unwrap_or_else(|| "(no direct invitation)".into()),
                    last_received_with(&bob_proxy, "jabber:x:conference")
                )
            })?;
        ensure(inv.mode == InviteMode::Direct, || {
            format!("the invitation came {:?}", inv.mode)
        })?;
        ensure(&inv.room == croom.mucjid(), || format!("to {}", inv.room))?;
        ensure(
            inv.inviter.as_ref().map(|j| j.to_bare()) == Some(bare_jid(ctx, "alice")),
            || format!("the inviter is {:?}", inv.inviter),
        )?;
        ensure(inv.reason.as_deref() == Some("Bring the cauldron"), || {
            format!("the reason is {:?}", inv.reason)
        })?;
        ensure(inv.password.as_deref() == Some(SECRET), || {
            "the direct invitation lacks the room's password".into()
        })?;
        ensure(bob.decline(&inv, None).is_err(), || {
            "a direct invitation was declined through the room".into()
        })?;
        let password = inv.password.clone().unwrap_or_default();
        join_with(
            &bob,
            &inv.room,
            "Bob",
            JoinOptions::default().password(password),
        )
        .await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob, &carol]).await;
    result
}

async fn voice_request_approved(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_moderated(true);
        })
        .await?;
        let (broom, mut bev, entered) = join(&bob, aroom.mucjid(), "Bob").await?;
        if entered.occupant.role() != Role::Visitor {
            within("the devoicing", aroom.set_role("Bob", Role::Visitor, None)).await??;
            wait_role(&mut bev, "Bob", Role::Visitor).await?;
        }
        within("the voice request", broom.request_voice()).await??;
        let request = wait_for(&mut aev, "the voice request", |e| match e {
            RoomEvent::VoiceRequest { request } => Some(request.clone()),
            _ => None,
        })
        .await?;
        ensure(request.roomnick() == Some("Bob"), || {
            format!("the request names {:?}", request.roomnick())
        })?;
        ensure(request.role() == Some(Role::Participant), || {
            format!("the request asks for {:?}", request.role())
        })?;
        within("the approval", aroom.answer_voice_request(request, true)).await??;
        let (old, _) = wait_role(&mut bev, "Bob", Role::Participant).await?;
        ensure(old == Role::Visitor, || format!("bob was {old:?} before"))?;
        wait_role(&mut aev, "Bob", Role::Participant).await?;
        // With voice, bob is heard.
        say(&broom, "Thank you").await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

/// For a server without registration with rooms: `Some(outcome)` when the
/// refusal is the §7.10 answer for "not supported" on ejabberd, an error
/// when it is anything else.
fn unsupported(ctx: &ScenarioCtx, e: &muc_client::Error) -> Result<Outcome, Error> {
    let condition = e.server_error().map(|s| s.condition_name());
    if ctx.backend() == Backend::Ejabberd && condition == Some("service-unavailable") {
        return Ok(Outcome::differs(
            "ejabberd 23.01 has no registration with a room: it answers jabber:iq:register \
             on the room with service-unavailable (§7.10's answer when a room does not \
             support it) and reserves nicks only by registering with the whole service",
        ));
    }
    Err(format!("the room refused registration: {e}").into())
}

/// A room of alice's in which bob is a member (Prosody lets only
/// affiliated users register).
async fn room_with_member(
    ctx: &ScenarioCtx,
    alice: &muc_client::Service,
    members: &[&str],
) -> Result<muc_client::Room, Error> {
    let (aroom, _aev) = create_room(ctx, alice, "Alice").await?;
    for m in members {
        within(
            "membership",
            aroom.set_affiliation(bare_jid(ctx, m), Affiliation::Member, None),
        )
        .await??;
    }
    Ok(aroom)
}

async fn register_unaffiliated(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        match within("the form", bob.registration_form(aroom.mucjid().clone())).await? {
            Ok(reg) => {
                ensure(!reg.registered && reg.form.is_some(), || {
                    format!("an unaffiliated user got {reg:?}")
                })?;
                Ok(Outcome::Pass)
            }
            Err(e) => match e.server_error().map(|s| s.condition_name()) {
                Some("not-allowed") => Ok(Outcome::Pass),
                Some("registration-required") if ctx.backend() != Backend::Ejabberd => {
                    Ok(Outcome::differs(format!(
                        "{} refuses an unaffiliated user's registration request with \
                         registration-required, where §7.10 says not-allowed \
                         (Prosody 0.12: allow_unaffiliated_register is off by default)",
                        ctx.backend()
                    )))
                }
                _ => unsupported(ctx, &e),
            },
        }
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn register_member(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let aroom = room_with_member(ctx, &alice, &["bob"]).await?;
        let room = aroom.mucjid().clone();
        let reg = match within("the form", bob.registration_form(room.clone())).await? {
            Ok(reg) => reg,
            Err(e) => return unsupported(ctx, &e),
        };
        ensure(!reg.registered, || {
            "bob is registered before registering".into()
        })?;
        let form = reg.form.ok_or("no registration form")?;
        ensure(
            form.form()
                .fields
                .iter()
                .any(|f| f.var.as_deref() == Some("muc#register_roomnick")),
            || "the form has no muc#register_roomnick field".into(),
        )?;
        let mut answer = RegistrationForm::new();
        answer.set_roomnick("Bobby");
        within("the registration", bob.register(room.clone(), &answer)).await??;
        let again = within("the form again", bob.registration_form(room.clone())).await??;
        ensure(again.registered, || {
            format!("after registering, the room says {again:?}")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

/// Registers `user`'s nick `nick` with `room`.
async fn register_nick(
    service: &muc_client::Service,
    room: &jid::BareJid,
    nick: &str,
) -> Result<(), muc_client::Error> {
    let mut answer = RegistrationForm::new();
    answer.set_roomnick(nick);
    match tokio::time::timeout(WAIT, service.register(room.clone(), &answer)).await {
        Ok(r) => r,
        Err(_) => Err(muc_client::Error::Timeout("the registration")),
    }
}

async fn register_nick_taken(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let result: Result<Outcome, Error> = async {
        let aroom = room_with_member(ctx, &alice, &["bob", "carol"]).await?;
        if let Err(e) = register_nick(&bob, aroom.mucjid(), "Hecate").await {
            return unsupported(ctx, &e);
        }
        let condition = refusal(
            "carol registering bob's nick",
            register_nick(&carol, aroom.mucjid(), "Hecate").await,
        )?;
        ensure(condition == "conflict", || {
            format!("refused with {condition}, not conflict")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob, &carol]).await;
    result
}

async fn reserved_nick_discovered(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let aroom = room_with_member(ctx, &alice, &["bob"]).await?;
        let room = aroom.mucjid().clone();
        let before = match within("the reserved nick", bob.reserved_nick(room.clone())).await? {
            Ok(before) => before,
            Err(e)
                if ctx.backend() == Backend::Ejabberd
                    && e.server_error().map(|s| s.condition_name()) == Some("item-not-found") =>
            {
                return Ok(Outcome::differs(
                    "ejabberd 23.01 answers disco#info on a room's x-roomuser-item node with \
                     item-not-found (\"Invalid node name\"), where §7.12 says a room that does \
                     not support the node MUST answer feature-not-implemented",
                ));
            }
            Err(e) => return Err(format!("reserved nick discovery failed: {e}").into()),
        };
        ensure(before.is_none(), || {
            format!("a reserved nick before registering: {before:?}")
        })?;
        if let Err(e) = register_nick(&bob, &room, "Graymalkin").await {
            return unsupported(ctx, &e);
        }
        let after = within("the reserved nick", bob.reserved_nick(room.clone())).await??;
        ensure(after.as_deref() == Some("Graymalkin"), || {
            format!("the reserved nick after registering: {after:?}")
        })?;
        // Asking from inside the room works the same (§7.12).
        let (broom, _bev, _) = join(&bob, &room, "Graymalkin").await?;
        let inside = within("the reserved nick", broom.reserved_nick()).await??;
        ensure(inside.as_deref() == Some("Graymalkin"), || {
            format!("the reserved nick asked from inside: {inside:?}")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn reserved_nick_protected(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let result: Result<Outcome, Error> = async {
        let aroom = room_with_member(ctx, &alice, &["bob"]).await?;
        if let Err(e) = register_nick(&bob, aroom.mucjid(), "Paddock").await {
            return unsupported(ctx, &e);
        }
        let condition = join_refused(
            &carol,
            aroom.mucjid(),
            "Paddock",
            JoinOptions::default(),
            "carol's join with bob's reserved nick",
        )
        .await?;
        ensure(condition == "conflict", || {
            format!("refused with {condition}, not conflict")
        })?;
        // Bob himself may use it.
        let (broom, _bev, _) = join(&bob, aroom.mucjid(), "Paddock").await?;
        ensure(broom.nick() == "Paddock", || {
            format!("bob is {:?}", broom.nick())
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob, &carol]).await;
    result
}
