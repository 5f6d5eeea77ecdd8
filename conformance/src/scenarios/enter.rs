//! §7.2 Entering a room: the join sequence, the refusals (§7.2.5–§7.2.10),
//! the status codes of the self-presence (100, 170, 201, 210) and the
//! discussion history (§7.2.13–§7.2.14).

use std::time::{Duration, SystemTime};

use muc_client::xmpp_parsers::date::DateTime;
use muc_client::{
    Affiliation, History, JoinOptions, MessageSource, RegistrationForm, Role, RoomEvent,
    StatusCode, Whois,
};

use super::support::*;
use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "enter.basic",
            "7.2.1",
            "A second user enters an existing room; both see each other",
            basic
        ),
        scenario!(
            "enter.order",
            "7.1",
            "Entering: occupants, then self-presence, history, subject, live traffic",
            order
        ),
        scenario!(
            "enter.create.status_201",
            "10.1.1",
            "Entering a room that does not exist creates it: 201 and 110, owner and moderator",
            create_201
        ),
        scenario!(
            "enter.locked",
            "7.2.10",
            "A new room is locked (item-not-found for others) until its owner configures it",
            locked
        ),
        scenario!(
            "enter.password.right",
            "7.2.5",
            "Entering a password-protected room with the right password",
            password_right
        ),
        scenario!(
            "enter.password.wrong",
            "7.2.5",
            "Entering a password-protected room with a wrong password: not-authorized",
            password_wrong
        ),
        scenario!(
            "enter.password.missing",
            "7.2.5",
            "Entering a password-protected room without a password: not-authorized",
            password_missing
        ),
        scenario!(
            "enter.members_only.refused",
            "7.2.6",
            "Entering a members-only room when not a member: registration-required",
            members_only_refused
        ),
        scenario!(
            "enter.members_only.member",
            "7.2.6",
            "A member enters a members-only room, with affiliation member",
            members_only_member
        ),
        scenario!(
            "enter.banned",
            "7.2.7",
            "A banned user cannot enter: forbidden",
            banned
        ),
        scenario!(
            "enter.nick_conflict",
            "7.2.8",
            "Entering with a nick already in use: conflict, and nobody sees a join",
            nick_conflict
        ),
        scenario!(
            "enter.max_users",
            "7.2.9",
            "Entering a room that reached its maximum number of occupants: service-unavailable",
            max_users
        ),
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
        scenario!(
            "enter.history.default",
            "7.2.13",
            "History comes in order, delayed from the room JID, before the subject",
            history_default
        ),
        scenario!(
            "enter.history.maxstanzas",
            "7.2.14",
            "History with maxstanzas=2 gives the last two messages",
            history_maxstanzas
        ),
        scenario!(
            "enter.history.none",
            "7.2.14",
            "History with maxchars=0 gives no history, but the subject still comes",
            history_none
        ),
        scenario!(
            "enter.history.seconds",
            "7.2.14",
            "History with seconds=1 leaves out an older message",
            history_seconds
        ),
        scenario!(
            "enter.history.since",
            "7.2.14",
            "History with since=T gives only the messages sent from T on",
            history_since
        ),
    ]
}

async fn basic(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let (room_a, mut ev_a) = create_room(ctx, &alice, "Alice").await?;
    let (room_b, _ev_b, entered) = join(&bob, room_a.mucjid(), "Bob").await?;
    if !entered.status.contains(&StatusCode::SELF_PRESENCE) {
        return Ok(Outcome::fail(format!(
            "no 110 in the self-presence: {:?}",
            entered.status
        )));
    }
    let joined = wait_for(&mut ev_a, "Bob's join", |e| match e {
        RoomEvent::Join { occupant } => Some(occupant.nick().to_owned()),
        _ => None,
    })
    .await?;
    if joined != "Bob" {
        return Ok(Outcome::fail(format!("alice saw {joined} join")));
    }
    let nicks: Vec<String> = room_b
        .occupants()
        .iter()
        .map(|o| o.nick().to_owned())
        .collect();
    if nicks != ["Bob", "Alice"] {
        return Ok(Outcome::fail(format!("bob's occupant list: {nicks:?}")));
    }
    alice.close().await;
    bob.close().await;
    Ok(Outcome::Pass)
}

/// Where an event sits in the join sequence of §7.1.
fn phase(e: &RoomEvent) -> Option<(u8, String)> {
    match e {
        RoomEvent::Join { occupant } => Some((0, format!("join {}", occupant.nick()))),
        RoomEvent::Enter { .. } => Some((1, "self-presence".into())),
        RoomEvent::Message {
            source: MessageSource::History,
            ..
        } => Some((2, format!("history {:?}", body(e)))),
        RoomEvent::SubjectChange { on_join: true, .. } => Some((3, "subject".into())),
        RoomEvent::Message {
            source: MessageSource::Live,
            ..
        } => Some((4, format!("live {:?}", body(e)))),
        _ => None,
    }
}

async fn order(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev, guests) =
            room_with_guests(ctx, &alice, "Alice", &[(&carol, "Carol")]).await?;
        drop(guests);
        within("the subject", aroom.set_subject("The order of things")).await??;
        say(&aroom, "said before").await?;
        let (broom, joined) = bob.join(aroom.mucjid().to_string().as_str(), "Bob", JoinOptions::default())?;
        let mut bev = broom.events();
        within("bob's entry", joined).await??;
        let mut seen = collect_until(&mut bev, "the subject", |e| {
            matches!(e, RoomEvent::SubjectChange { on_join: true, .. })
        })
        .await?;
        wait_for(&mut aev, "bob's join", |e| match e {
            RoomEvent::Join { occupant } if occupant.nick() == "Bob" => Some(()),
            _ => None,
        })
        .await?;
        say(&aroom, "said after").await?;
        seen.extend(
            collect_until(&mut bev, "the live message", |e| {
                is_message(e, "said after")
            })
            .await?,
        );
        let phases: Vec<(u8, String)> = seen.iter().filter_map(phase).collect();
        let names: Vec<&str> = phases.iter().map(|(_, n)| n.as_str()).collect();
        ensure(phases.windows(2).all(|w| w[0].0 <= w[1].0), || {
            format!("out of the order of §7.1: {names:?}")
        })?;
        let count = |p: u8| phases.iter().filter(|(q, _)| *q == p).count();
        ensure(
            count(0) == 2 && count(1) == 1 && count(2) == 1 && count(3) == 1 && count(4) == 1,
            || format!("expected joins of Alice and Carol, self, one history message, the subject, one live message: {names:?}"),
        )?;
        let mut others: Vec<String> = nicks(&broom).into_iter().skip(1).collect();
        others.sort();
        ensure(others == ["Alice", "Carol"], || {
            format!("bob's occupants besides himself: {others:?}")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob, &carol]).await;
    result
}

async fn create_201(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let result: Result<Outcome, Error> = async {
        let jid = ctx.fresh_room();
        let (room, mut events, entered) = join(&alice, &jid, "Alice").await?;
        ensure(entered.created, || "the entry did not say created".into())?;
        ensure(
            entered.status.contains(&StatusCode::ROOM_CREATED)
                && entered.status.contains(&StatusCode::SELF_PRESENCE),
            || format!("expected 201 and 110, got {:?}", entered.status),
        )?;
        let me = &entered.occupant;
        ensure(
            me.affiliation() == Affiliation::Owner && me.role() == Role::Moderator,
            || {
                format!(
                    "the creator is {:?}/{:?}, not owner/moderator",
                    me.affiliation(),
                    me.role()
                )
            },
        )?;
        let enter = wait_for(&mut events, "the Enter event", |e| match e {
            RoomEvent::Enter { created, .. } => Some(*created),
            _ => None,
        })
        .await?;
        ensure(enter, || "the Enter event did not say created".into())?;
        within("the instant room", room.create_instant()).await??;
        ensure(room.joined() && room.active(), || {
            format!("after creation the room is {:?}", room.state())
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    alice.close().await;
    result
}

async fn locked(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let jid = ctx.fresh_room();
        let (aroom, _aev, entered) = join(&alice, &jid, "Alice").await?;
        ensure(entered.created, || {
            "the room was not created (no 201)".into()
        })?;
        // Bob knocks while the owner has not configured the room yet.
        let (early, joined) = bob.join(jid.to_string().as_str(), "Bob", JoinOptions::default())?;
        let outcome = match within("bob's early join", joined).await? {
            Err(e) => {
                let condition = e.server_error().map(|s| s.condition_name());
                ensure(condition == Some("item-not-found"), || {
                    format!("a locked room refused with {e}, not item-not-found")
                })?;
                Outcome::Pass
            }
            Ok(_) if ctx.backend() == Backend::Ejabberd => {
                within("bob's leave", early.leave_and_wait()).await??;
                Outcome::differs(
                    "ejabberd 23.01 never locks a new room: bob entered before the owner \
                     configured it, where §7.2.10/§10.1.1 require item-not-found \
                     (processone/ejabberd#1799)",
                )
            }
            Ok(entered) => {
                return Err(format!(
                    "bob entered a locked room (status {:?}) instead of item-not-found",
                    entered.status
                )
                .into());
            }
        };
        // Once configured, the room opens.
        within("the instant room", aroom.create_instant()).await??;
        let (_broom, _bev, entered) = join(&bob, &jid, "Bob").await?;
        ensure(!entered.created, || "bob's entry said 201".into())?;
        Ok(outcome)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

const SECRET: &str = "cauldronburn";

async fn password_room(
    ctx: &ScenarioCtx,
    alice: &muc_client::Service,
) -> Result<(muc_client::Room, muc_client::RoomEvents), Error> {
    create_configured_room(ctx, alice, "Alice", |c| {
        c.set_password_protected(true).set_room_secret(SECRET);
    })
    .await
}

async fn password_right(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = password_room(ctx, &alice).await?;
        let (broom, _bev, entered) = join_with(
            &bob,
            aroom.mucjid(),
            "Bob",
            JoinOptions::default().password(SECRET),
        )
        .await?;
        ensure(entered.status.contains(&StatusCode::SELF_PRESENCE), || {
            format!("no 110: {:?}", entered.status)
        })?;
        ensure(
            broom.password().map(|p| p.expose().to_owned()).as_deref() == Some(SECRET),
            || "the room does not keep the password for rejoins".into(),
        )?;
        wait_for(&mut aev, "bob's join", |e| match e {
            RoomEvent::Join { occupant } if occupant.nick() == "Bob" => Some(()),
            _ => None,
        })
        .await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn password_wrong(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    password_refused(ctx, Some("not the password")).await
}

async fn password_missing(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    password_refused(ctx, None).await
}

async fn password_refused(ctx: &ScenarioCtx, password: Option<&str>) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = password_room(ctx, &alice).await?;
        let mut options = JoinOptions::default();
        if let Some(p) = password {
            options = options.password(p);
        }
        let condition = join_refused(&bob, aroom.mucjid(), "Bob", options, "bob's join").await?;
        ensure(condition == "not-authorized", || {
            format!("refused with {condition}, not not-authorized")
        })?;
        expect_quiet(&mut aev, "alice's events", |e| {
            matches!(e, RoomEvent::Join { .. })
        })
        .await?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn members_only_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_members_only(true);
        })
        .await?;
        let condition = join_refused(
            &bob,
            aroom.mucjid(),
            "Bob",
            JoinOptions::default(),
            "bob's join",
        )
        .await?;
        ensure(condition == "registration-required", || {
            format!("refused with {condition}, not registration-required")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn members_only_member(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_members_only(true);
        })
        .await?;
        within(
            "membership",
            aroom.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Member, None),
        )
        .await??;
        let (broom, _bev, entered) = join(&bob, aroom.mucjid(), "Bob").await?;
        ensure(
            entered.occupant.affiliation() == Affiliation::Member,
            || format!("bob entered as {:?}", entered.occupant.affiliation()),
        )?;
        let alice_there = broom.occupant("Alice");
        ensure(
            alice_there.as_ref().map(|o| o.affiliation()) == Some(Affiliation::Owner),
            || format!("bob sees Alice as {alice_there:?}"),
        )?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn banned(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        within(
            "the ban",
            aroom.ban(bare_jid(ctx, "bob"), Some("no trolls")),
        )
        .await??;
        let condition = join_refused(
            &bob,
            aroom.mucjid(),
            "Bob",
            JoinOptions::default(),
            "bob's join",
        )
        .await?;
        ensure(condition == "forbidden", || {
            format!("refused with {condition}, not forbidden")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn nick_conflict(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Witch").await?;
        let condition = join_refused(
            &bob,
            aroom.mucjid(),
            "Witch",
            JoinOptions::default(),
            "bob's join",
        )
        .await?;
        ensure(condition == "conflict", || {
            format!("refused with {condition}, not conflict")
        })?;
        expect_quiet(&mut aev, "alice's events", |e| {
            matches!(
                e,
                RoomEvent::Join { .. } | RoomEvent::StatusChange { .. } | RoomEvent::Leave { .. }
            )
        })
        .await?;
        ensure(nicks(&aroom) == ["Witch"], || {
            format!("alice's occupants: {:?}", nicks(&aroom))
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn max_users(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        let mut config = within("the configuration form", aroom.get_config()).await??;
        let offered = config
            .form()
            .fields
            .iter()
            .any(|f| f.var.as_deref() == Some("muc#roomconfig_maxusers"));
        if !offered {
            return Ok(Outcome::skipped(format!(
                "{} has no occupant limit to configure (no muc#roomconfig_maxusers in the \
                 configuration form), so a room is never full",
                ctx.backend()
            )));
        }
        config.set_max_users(2);
        within("the limit", aroom.set_config(&config)).await??;
        let (_broom, _bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        let condition = join_refused(
            &carol,
            aroom.mucjid(),
            "Carol",
            JoinOptions::default(),
            "carol's join into a full room",
        )
        .await?;
        if ctx.backend() == Backend::Ejabberd && condition == "resource-constraint" {
            return Ok(Outcome::differs(
                "ejabberd 23.01 refuses entry to a full room with resource-constraint \
                 (\"Too many users in this conference\"), where §7.2.9 says \
                 service-unavailable",
            ));
        }
        ensure(condition == "service-unavailable", || {
            format!("a full room refused with {condition}, not service-unavailable")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob, &carol]).await;
    result
}

async fn non_anonymous(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
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
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn semi_anonymous(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
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
        let bob_there = wait_for(&mut aev, "bob's join", |e| match e {
            RoomEvent::Join { occupant } if occupant.nick() == "Bob" => Some(occupant.clone()),
            _ => None,
        })
        .await?;
        let real = bob_there
            .real_jid()
            .ok_or("the moderator does not see bob's real JID")?;
        ensure(
            real.to_bare() == bare_jid(ctx, "bob") && real.resource().is_some(),
            || format!("bob's real JID as the moderator sees it: {real}"),
        )?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn logging_170(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
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
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn assigned_nick_210(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        // Prosody lets only affiliated users register; make bob a member first.
        within(
            "membership",
            aroom.set_affiliation(bare_jid(ctx, "bob"), Affiliation::Member, None),
        )
        .await??;
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
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

/// A room of alice's where she said each of `texts`.
async fn room_with_history(
    ctx: &ScenarioCtx,
    alice: &muc_client::Service,
    texts: &[&str],
) -> Result<muc_client::Room, Error> {
    let (aroom, _aev) = create_room(ctx, alice, "Alice").await?;
    for text in texts {
        say(&aroom, text).await?;
    }
    Ok(aroom)
}

/// Joins as bob with `history` and returns the events up to the subject.
async fn entry_events(
    bob: &muc_client::Service,
    room: &jid::BareJid,
    history: Option<History>,
) -> Result<Vec<RoomEvent>, Error> {
    let mut options = JoinOptions::default();
    if let Some(h) = history {
        options = options.history(h);
    }
    let (_broom, mut bev, _) = join_with(bob, room, "Bob", options).await?;
    collect_until(&mut bev, "the subject", |e| {
        matches!(e, RoomEvent::SubjectChange { on_join: true, .. })
    })
    .await
}

/// The bodies of the history messages among `events`; fails on a live
/// message before the subject.
fn history_bodies(events: &[RoomEvent]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for e in events {
        if let RoomEvent::Message { source, .. } = e {
            ensure(*source == MessageSource::History, || {
                format!("a live message before the subject: {}", short(e))
            })?;
            out.push(body(e).unwrap_or_default().to_owned());
        }
    }
    Ok(out)
}

async fn history_default(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let aroom = room_with_history(ctx, &alice, &["h1", "h2", "h3"]).await?;
        let events = entry_events(&bob, aroom.mucjid(), None).await?;
        let bodies = history_bodies(&events)?;
        ensure(bodies == ["h1", "h2", "h3"], || {
            format!("history: {bodies:?}, expected h1 h2 h3")
        })?;
        let room = aroom.mucjid().to_string();
        for e in &events {
            if let RoomEvent::Message { message, nick, .. } = e {
                ensure(nick.as_deref() == Some("Alice"), || {
                    format!("history message from {nick:?}, not Alice")
                })?;
                let delay = message
                    .payloads
                    .iter()
                    .find(|p| p.is("delay", "urn:xmpp:delay"))
                    .ok_or_else(|| format!("history message without <delay/>: {}", short(e)))?;
                ensure(delay.attr("from") == Some(room.as_str()), || {
                    format!(
                        "the delay's from is {:?}, not the room JID {room}",
                        delay.attr("from")
                    )
                })?;
            }
        }
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn history_maxstanzas(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let aroom = room_with_history(ctx, &alice, &["s1", "s2", "s3"]).await?;
        let events = entry_events(
            &bob,
            aroom.mucjid(),
            Some(History::new().with_maxstanzas(2)),
        )
        .await?;
        let bodies = history_bodies(&events)?;
        ensure(bodies == ["s2", "s3"], || {
            format!("history with maxstanzas=2: {bodies:?}, expected s2 s3")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn history_none(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let aroom = room_with_history(ctx, &alice, &["n1", "n2"]).await?;
        within("the subject", aroom.set_subject("Quiet please")).await??;
        let events = entry_events(&bob, aroom.mucjid(), Some(History::none())).await?;
        let bodies = history_bodies(&events)?;
        ensure(bodies.is_empty(), || {
            format!("history with maxchars=0: {bodies:?}, expected none")
        })?;
        let subject = events.iter().find_map(|e| match e {
            RoomEvent::SubjectChange { subject, .. } => subject.values().next().cloned(),
            _ => None,
        });
        ensure(subject.as_deref() == Some("Quiet please"), || {
            format!("the subject on entry: {subject:?}")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn history_seconds(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let aroom = room_with_history(ctx, &alice, &["older"]).await?;
        // Servers count in whole seconds: 2.2 s apart is surely more than 1.
        tokio::time::sleep(Duration::from_millis(2200)).await;
        say(&aroom, "newer").await?;
        let events =
            entry_events(&bob, aroom.mucjid(), Some(History::new().with_seconds(1))).await?;
        let bodies = history_bodies(&events)?;
        ensure(bodies == ["newer"], || {
            format!("history with seconds=1: {bodies:?}, expected only 'newer'")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn history_since(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let result: Result<Outcome, Error> = async {
        let aroom = room_with_history(ctx, &alice, &["before T"]).await?;
        // T: the next whole second, so that "before T" is stamped earlier
        // even by a server that keeps whole seconds.
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|e| e.to_string())?;
        let t = Duration::from_secs(now.as_secs() + 1);
        tokio::time::sleep(t - now + Duration::from_millis(50)).await;
        let since: DateTime = xmpp_datetime(SystemTime::UNIX_EPOCH + t)
            .parse()
            .map_err(|e| format!("{e:?}"))?;
        say(&aroom, "after T").await?;
        say(&aroom, "after T again").await?;
        let events =
            entry_events(&bob, aroom.mucjid(), Some(History::new().with_since(since))).await?;
        let bodies = history_bodies(&events)?;
        ensure(bodies == ["after T", "after T again"], || {
            format!("history since T: {bodies:?}, expected the two messages after T")
        })?;
        Ok(Outcome::Pass)
    }
    .await;
    close_all(&[&alice, &bob]).await;
    result
}

async fn moderated_default_roles(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    let bob = connect(ctx, "bob").await?;
    let carol = connect(ctx, "carol").await?;
    let result: Result<Outcome, Error> = async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_moderated(true);
        })
        .await?;
        within(
            "membership",
            aroom.set_affiliation(bare_jid(ctx, "carol"), Affiliation::Member, None),
        )
        .await??;
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
    }
    .await;
    close_all(&[&alice, &bob, &carol]).await;
    result
}
