//! §7.10 Registering with a room, and §7.12 the reserved nick it gives.

use muc_client::{JoinOptions, RegistrationForm};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
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
    grant_members(ctx, "membership", &aroom, members).await?;
    Ok(aroom)
}

async fn register_unaffiliated(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
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
    })
    .await
}

async fn register_member(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
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
    })
    .await
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
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    close_after(&[&alice, &bob, &carol], async {
        let aroom = room_with_member(ctx, &alice, &["bob", "carol"]).await?;
        if let Err(e) = register_nick(&bob, aroom.mucjid(), "Hecate").await {
            return unsupported(ctx, &e);
        }
        let condition = refusal(
            "carol registering bob's nick",
            register_nick(&carol, aroom.mucjid(), "Hecate").await,
        )?;
        ensure_condition(condition, "conflict")?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn reserved_nick_discovered(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
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
    })
    .await
}

async fn reserved_nick_protected(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    close_after(&[&alice, &bob, &carol], async {
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
        ensure_condition(&condition, "conflict")?;
        // Bob himself may use it.
        let (broom, _bev, _) = join(&bob, aroom.mucjid(), "Paddock").await?;
        ensure(broom.nick() == "Paddock", || {
            format!("bob is {:?}", broom.nick())
        })?;
        Ok(Outcome::Pass)
    })
    .await
}
