//! §7.8.1 Direct invitations (XEP-0249).

use muc_client::{InviteMode, JoinOptions};

use super::mediated::{SECRET, invitation};
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![scenario!(
        "invites.direct",
        "7.8.1",
        "A direct invitation (XEP-0249) arrives with the password and gets the invitee in",
        direct
    )]
}

async fn direct(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let carol = connect(ctx, "carol").await?;
    let alice_proxy = TcpProxy::start(ctx).await?;
    let alice = connect_via(ctx, "alice", alice_proxy.addr()).await?;
    let bob_proxy = TcpProxy::start(ctx).await?;
    let (bob, _bob_jid) = connect_fresh_via(ctx, &bob_proxy).await?;
    let mut bob_events = bob.events();
    close_after(&[&alice, &bob, &carol], async {
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
    })
    .await
}
