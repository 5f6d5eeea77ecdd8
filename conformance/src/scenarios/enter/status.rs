//! §5.1.3, §7.2.3, §7.2.4, §7.2.12, §7.10 What the self-presence says: the
//! role in a moderated room, the real JIDs and 100 of (semi-)anonymous
//! rooms, 170 for logging, 210 for an assigned nick.

use muc_client::{Affiliation, RegistrationForm, Role, StatusCode, Whois};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "enter.moderated.default_roles",
            "5.1.3",
            "In a moderated room an unaffiliated user enters as visitor, a member as participant",
            moderated_default_roles
        ),
        scenario!(
            "enter.status.100_non_anonymous",
            "7.2.3",
            "A non-anonymous room says 100 on entry and shows everyone's full JID",
            non_anonymous
        ),
        scenario!(
            "enter.status.semi_anonymous",
            "7.2.4",
            "A semi-anonymous room: no 100, real JIDs only to moderators",
            semi_anonymous
        ),
        scenario!(
            "enter.status.170_logging",
            "7.2.12",
            "A logged room warns the entering user with status 170",
            logging_170
        ),
        scenario!(
            "enter.status.210_assigned_nick",
            "7.10",
            "A room that locks registered nicks changes the entering nick and says 210",
            assigned_nick_210
        ),
    ]
}

async fn moderated_default_roles(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    close_after(&[&alice, &bob, &carol], async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_moderated(true);
        })
        .await?;
        affiliate(
            ctx,
            "membership",
            &aroom,
            "carol",
            Affiliation::Member,
            None,
        )
        .await?;
        let (_croom, _cev, carol_in) = join(&carol, aroom.mucjid(), "Carol").await?;
        ensure(carol_in.occupant.role() == Role::Participant, || {
            format!(
                "a member entered a moderated room as {:?}",
                carol_in.occupant.role()
            )
        })?;
        let (_broom, _bev, bob_in) = join(&bob, aroom.mucjid(), "Bob").await?;
        match bob_in.occupant.role() {
            Role::Visitor => Ok(Outcome::Pass),
            Role::Participant if ctx.backend() == Backend::Ejabberd => Ok(Outcome::differs(
                "ejabberd 23.01 lets unaffiliated users enter a moderated room as \
                 participants (room option members_by_default, on by default), where the \
                 table of §5.1.3 says they SHOULD be visitors",
            )),
            other => Err(format!(
                "an unaffiliated user entered a moderated room as {other:?}, not visitor"
            )
            .into()),
        }
    })
    .await
}

async fn non_anonymous(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_whois(Whois::Anyone);
        })
        .await?;
        let (broom, _bev, entered) = join(&bob, aroom.mucjid(), "Bob").await?;
        ensure(entered.status.contains(&StatusCode::NON_ANONYMOUS), || {
            format!(
                "no 100 on entering a non-anonymous room: {:?}",
                entered.status
            )
        })?;
        let alice_there = broom.occupant("Alice").ok_or("bob does not see Alice")?;
        let real = alice_there
            .real_jid()
            .ok_or("a participant sees no real JID in a non-anonymous room")?;
        ensure(
            real.to_bare() == bare_jid(ctx, "alice") && real.resource().is_some(),
            || format!("Alice's real JID as bob sees it: {real} (expected her full JID)"),
        )?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn semi_anonymous(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_whois(Whois::Moderators);
        })
        .await?;
        let (broom, _bev, entered) = join(&bob, aroom.mucjid(), "Bob").await?;
        ensure(!entered.status.contains(&StatusCode::NON_ANONYMOUS), || {
            format!(
                "100 on entering a semi-anonymous room: {:?}",
                entered.status
            )
        })?;
        let alice_there = broom.occupant("Alice").ok_or("bob does not see Alice")?;
        ensure(alice_there.real_jid().is_none(), || {
            format!(
                "a participant sees Alice's real JID {:?} in a semi-anonymous room",
                alice_there.real_jid()
            )
        })?;
        let bob_there = wait_join(&mut aev, "bob's join", "Bob").await?;
        let real = bob_there
            .real_jid()
            .ok_or("the moderator does not see bob's real JID")?;
        ensure(
            real.to_bare() == bare_jid(ctx, "bob") && real.resource().is_some(),
            || format!("bob's real JID as the moderator sees it: {real}"),
        )?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn logging_170(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        let mut config = within("the configuration form", aroom.get_config()).await??;
        let offered = config
            .form()
            .fields
            .iter()
            .any(|f| f.var.as_deref() == Some("muc#roomconfig_enablelogging"));
        if !offered {
            return Ok(Outcome::skipped(match ctx.backend() {
                Backend::Ejabberd => {
                    "ejabberd 23.01 logs rooms only with mod_muc_log, which the harness keeps \
                     off (with it, owner IQs right after creation stall ~5 s: \
                     research/ejabberd.md P1); without it no room is logged, so 170 never \
                     applies"
                        .to_owned()
                }
                Backend::Prosody => {
                    "Prosody 0.12 has no public room logging (no muc#roomconfig_enablelogging \
                     in its configuration form; mod_muc_mam is not a public log), so 170 \
                     never applies"
                        .to_owned()
                }
                other => format!("{other} offers no muc#roomconfig_enablelogging"),
            }));
        }
        config.set_enable_logging(true);
        within("logging on", aroom.set_config(&config)).await??;
        let (_broom, _bev, entered) = join(&bob, aroom.mucjid(), "Bob").await?;
        ensure(
            entered.status.contains(&StatusCode::LOGGING_ENABLED),
            || format!("no 170 on entering a logged room: {:?}", entered.status),
        )?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn assigned_nick_210(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        // Prosody lets only affiliated users register; make bob a member first.
        affiliate(ctx, "membership", &aroom, "bob", Affiliation::Member, None).await?;
        let mut form = RegistrationForm::new();
        form.set_roomnick("Bobby");
        if let Err(e) = within(
            "the registration",
            bob.register(aroom.mucjid().clone(), &form),
        )
        .await?
        {
            return Ok(Outcome::skipped(format!(
                "{} refuses a member's registration with the room ({e}), so no nick is \
                 reserved to be assigned",
                ctx.backend()
            )));
        }
        let (broom, _bev, entered) = join(&bob, aroom.mucjid(), "Bob").await?;
        let nick = broom.nick();
        if nick == "Bob" && !entered.nick_assigned {
            return Ok(Outcome::skipped(format!(
                "{} lets a registered user enter under another nick (allowed by §7.12) and \
                 has no nick lockdown in the harness's configuration (Prosody: \
                 enforce_registered_nickname = false), so it never assigns a nick (210)",
                ctx.backend()
            )));
        }
        ensure(nick == "Bobby", || {
            format!("the room assigned {nick:?}, not the registered nick Bobby")
        })?;
        ensure(
            entered.status.contains(&StatusCode::NICK_ASSIGNED) && entered.nick_assigned,
            || format!("the nick was changed without 210: {:?}", entered.status),
        )?;
        Ok(Outcome::Pass)
    })
    .await
}
