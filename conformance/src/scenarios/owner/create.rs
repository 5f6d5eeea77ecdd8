//! §10.1 Creating a room: an instant room (§10.1.2), a reserved room
//! configured before anyone enters (§10.1.3), and the cancelled initial
//! configuration.

use std::collections::BTreeSet;
use std::time::Duration;

use muc_client::{Affiliation, LeaveMode, Role, StatusCode, Whois};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "owner.create.instant",
            "10.1.2",
            "Creating an instant room: 201 and 110 as owner and moderator, then others may enter",
            create_instant
        ),
        scenario!(
            "owner.create.reserved",
            "10.1.3",
            "Creating a reserved room: typed form fields, locked until the submitted form, which then holds",
            create_reserved
        ),
        scenario!(
            "owner.create.cancel",
            "10.1.3",
            "Cancelling the initial configuration destroys the new room",
            create_cancel
        ),
    ]
}

async fn create_instant(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    let jid = ctx.fresh_room();
    let (room_a, mut ev_a, entered) = join(&alice, &jid, "Alice").await?;
    let me = &entered.occupant;
    if !entered.created
        || !entered.status.contains(&StatusCode::ROOM_CREATED)
        || !entered.status.contains(&StatusCode::SELF_PRESENCE)
    {
        return Ok(Outcome::fail(format!(
            "the creator's self-presence: created {} with {:?} (want 201 and 110)",
            entered.created, entered.status
        )));
    }
    if me.affiliation() != Affiliation::Owner || me.role() != Role::Moderator {
        return Ok(Outcome::fail(format!(
            "the creator is {:?}/{:?}, want owner/moderator",
            me.affiliation(),
            me.role()
        )));
    }
    if !room_a.capabilities().may_configure() {
        return Ok(Outcome::fail(
            "the creator's capabilities say she may not configure",
        ));
    }
    within("the instant room", room_a.create_instant()).await??;
    let (_room_b, _ev_b, b_entered) = match join(&bob, &jid, "Bob").await {
        Ok(x) => x,
        Err(e) => {
            return Ok(Outcome::fail(format!(
                "bob could not enter the instant room: {e}"
            )));
        }
    };
    if b_entered.created || b_entered.status.contains(&StatusCode::ROOM_CREATED) {
        return Ok(Outcome::fail(format!(
            "bob's entry into an existing room says it was created: {:?}",
            b_entered.status
        )));
    }
    wait_join(&mut ev_a, "Bob's join", "Bob").await?;
    close_all(&[&alice, &bob]).await;
    Ok(Outcome::Pass)
}

async fn create_reserved(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    let jid = ctx.fresh_room();
    let (room_a, _ev_a, entered) = join(&alice, &jid, "Alice").await?;
    if !entered.created {
        return Ok(Outcome::fail(
            "the room was not reported as created (no 201)",
        ));
    }
    let mut config = within("the configuration form", room_a.get_config()).await??;
    let vars: BTreeSet<String> = config
        .form()
        .fields
        .iter()
        .filter_map(|f| f.var.clone())
        .collect();
    let wanted = [
        "muc#roomconfig_roomname",
        "muc#roomconfig_roomdesc",
        "muc#roomconfig_persistentroom",
        "muc#roomconfig_publicroom",
        "muc#roomconfig_membersonly",
        "muc#roomconfig_moderatedroom",
        "muc#roomconfig_roomsecret",
        "muc#roomconfig_whois",
        "muc#roomconfig_changesubject",
    ];
    let missing: Vec<_> = wanted.iter().filter(|v| !vars.contains(**v)).collect();
    if !missing.is_empty() {
        return Ok(Outcome::fail(format!(
            "the configuration form lacks {missing:?}; it has {vars:?}"
        )));
    }
    // Every server's default room is semi-anonymous, open and temporary.
    // (A boolean field without a <value/> is false: XEP-0004 §3.3.)
    let mut problems = Vec::new();
    if config.whois() != Some(Whois::Moderators)
        || config.members_only() != Some(false)
        || config.persistent() != Some(false)
    {
        let raw: Vec<_> = config
            .form()
            .fields
            .iter()
            .filter(|f| {
                matches!(
                    f.var.as_deref(),
                    Some("muc#roomconfig_membersonly" | "muc#roomconfig_persistentroom")
                )
            })
            .map(|f| (f.var.clone(), f.values.clone()))
            .collect();
        problems.push(format!(
            "the typed defaults read whois {:?}, members-only {:?}, persistent {:?} \
             (want moderators, false, false) from the fields {raw:?}",
            config.whois(),
            config.members_only(),
            config.persistent(),
        ));
    }
    // §10.1.1: nobody else enters before the configuration is submitted
    // (§7.2.10: item-not-found).
    let early = join(&bob, &jid, "Bob").await;
    let lock = match &early {
        Err(e) if join_condition(e) == Some("item-not-found") => None,
        Ok(_) if ctx.backend() == Backend::Ejabberd => Some(
            "ejabberd 23.01 never locks a new room: bob entered while the owner was still \
             configuring it (§10.1.1, §7.2.10 want item-not-found)",
        ),
        Ok(_) => {
            return Ok(Outcome::fail(
                "bob entered the new room before its configuration was submitted",
            ));
        }
        Err(e) => {
            return Ok(Outcome::fail(format!(
                "bob's early entry failed with {e}, want item-not-found"
            )));
        }
    };
    if let Ok((early_room, _, _)) = early {
        within("bob leaving", early_room.leave_and_wait()).await??;
    }
    config
        .set_roomname("Reserved Room")
        .set_room_desc("Configured before anyone came")
        .set_moderated(true)
        .set_whois(Whois::Anyone);
    within("the submission", room_a.set_config(&config)).await??;
    let (_room_b, _ev_b, b_entered) = match join(&bob, &jid, "Bob").await {
        Ok(x) => x,
        Err(e) => {
            return Ok(Outcome::fail(format!(
                "bob could not enter the configured room: {e}"
            )));
        }
    };
    // §7.2.3: a non-anonymous room says so with 100 in the self-presence.
    if !b_entered.status.contains(&StatusCode::NON_ANONYMOUS) {
        problems.push(format!(
            "bob's self-presence in the non-anonymous room lacks 100: {:?}",
            b_entered.status
        ));
    }
    let again = within("the configuration form", room_a.get_config()).await??;
    if again.roomname() != Some("Reserved Room")
        || again.room_desc() != Some("Configured before anyone came")
        || again.moderated() != Some(true)
        || again.whois() != Some(Whois::Anyone)
    {
        problems.push(format!(
            "the form after the submission: name {:?}, description {:?}, moderated {:?}, whois {:?}",
            again.roomname(),
            again.room_desc(),
            again.moderated(),
            again.whois()
        ));
    }
    let info = within("the room's disco#info", bob.room_info(&jid)).await??;
    close_all(&[&alice, &bob]).await;
    if info.features.non_anonymous != Some(true) || info.features.moderated != Some(true) {
        problems.push(format!(
            "disco#info after the configuration: {:?}",
            info.features
        ));
    }
    Ok(match (problems.is_empty(), lock) {
        (false, _) => Outcome::fail(problems.join("; ")),
        (true, None) => Outcome::Pass,
        (true, Some(why)) => Outcome::differs(why),
    })
}

async fn create_cancel(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    let jid = ctx.fresh_room();
    let (room_a, mut ev_a, entered) = join(&alice, &jid, "Alice").await?;
    if !entered.created {
        return Ok(Outcome::fail(
            "the room was not reported as created (no 201)",
        ));
    }
    // The embedded server is held to the server its profile imitates. Its
    // Prosody profile advertises occupant-id (XEP-0421) on rooms, its
    // ejabberd profile does not; the owner may ask a locked room.
    let (imitates, who) = match ctx.backend() {
        Backend::Embedded => {
            let info = within("disco#info", alice.room_info(jid.clone())).await??;
            if info
                .raw
                .features
                .iter()
                .any(|f| f == "urn:xmpp:occupant-id:0")
            {
                (
                    Backend::Prosody,
                    "muc-testserver (Prosody profile, as Prosody 0.12)",
                )
            } else {
                (
                    Backend::Ejabberd,
                    "muc-testserver (ejabberd profile, as ejabberd 23.01)",
                )
            }
        }
        Backend::Prosody => (Backend::Prosody, "Prosody 0.12"),
        Backend::Ejabberd => (Backend::Ejabberd, "ejabberd 23.01"),
        other => (other, ""),
    };
    within("the cancellation", room_a.cancel_config()).await??;
    // §10.1.3: the service MUST destroy the room, sending the owner an
    // unavailable presence. muc-client ends the room on its side once the
    // cancellation succeeds, presence or not, so whether the room is gone
    // is asked of the service: bob's join creates it anew or not.
    let exit = tokio::time::timeout(Duration::from_secs(3), wait_exit(&mut ev_a)).await;
    let exited = match exit {
        Ok(Ok(removed)) if removed.mode != LeaveMode::Destroyed => {
            close_all(&[&alice, &bob]).await;
            return Ok(Outcome::fail(format!(
                "the owner left the cancelled room as {:?}, want Destroyed",
                removed.mode
            )));
        }
        Ok(Ok(_)) => true,
        Ok(Err(e)) => return Err(e),
        Err(_) => false,
    };
    let bob_in = join(&bob, &jid, "Bob").await;
    let outcome = match (&bob_in, imitates) {
        (Ok((_, _, e)), _) if e.created => {
            if exited {
                Outcome::Pass
            } else {
                Outcome::fail(
                    "the room was destroyed (bob's join created it anew: 201) but the owner \
                     got no unavailable presence and still counts as joined (§10.1.3: \
                     \"making sure to send unavailable presence to the room owner\")",
                )
            }
        }
        (Err(e), Backend::Prosody) if join_condition(e) == Some("item-not-found") => {
            Outcome::differs(format!(
                "{who} answers the cancellation of the initial configuration with success \
                 but keeps the room, locked, with the owner in it (others get \
                 item-not-found); §10.1.3 says the service MUST destroy it"
            ))
        }
        (Ok((room_b, _, e)), Backend::Ejabberd)
            if !e.created && room_b.occupant("Alice").is_some() =>
        {
            Outcome::differs(format!(
                "{who} answers the cancellation of the initial configuration with success \
                 but keeps the room open with the owner in it; §10.1.3 says the service \
                 MUST destroy it"
            ))
        }
        _ => Outcome::fail(format!(
            "the cancelled room was not destroyed: bob's join {:?}",
            bob_in.as_ref().map(|(_, _, e)| e.status.clone())
        )),
    };
    close_all(&[&alice, &bob]).await;
    Ok(outcome)
}
