//! §7.2.5–§7.2.9 Who may enter: password-protected and members-only rooms,
//! banned users, nick conflicts, full rooms.

use muc_client::{Affiliation, JoinOptions, RoomEvent, StatusCode};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
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
    ]
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
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
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
        wait_join(&mut aev, "bob's join", "Bob").await?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn password_wrong(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    password_refused(ctx, Some("not the password")).await
}

async fn password_missing(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    password_refused(ctx, None).await
}

async fn password_refused(ctx: &ScenarioCtx, password: Option<&str>) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = password_room(ctx, &alice).await?;
        let mut options = JoinOptions::default();
        if let Some(p) = password {
            options = options.password(p);
        }
        let condition = join_refused(&bob, aroom.mucjid(), "Bob", options, "bob's join").await?;
        ensure_condition(&condition, "not-authorized")?;
        expect_quiet(&mut aev, "alice's events", |e| {
            matches!(e, RoomEvent::Join { .. })
        })
        .await?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn members_only_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
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
        ensure_condition(&condition, "registration-required")?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn members_only_member(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, _aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_members_only(true);
        })
        .await?;
        affiliate(ctx, "membership", &aroom, "bob", Affiliation::Member, None).await?;
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
    })
    .await
}

async fn banned(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
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
        ensure_condition(&condition, "forbidden")?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn nick_conflict(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Witch").await?;
        let condition = join_refused(
            &bob,
            aroom.mucjid(),
            "Witch",
            JoinOptions::default(),
            "bob's join",
        )
        .await?;
        ensure_condition(&condition, "conflict")?;
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
    })
    .await
}

async fn max_users(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    close_after(&[&alice, &bob, &carol], async {
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
    })
    .await
}
