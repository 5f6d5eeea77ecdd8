//! §6 Service and room discovery: disco#items of the service, disco#info of
//! rooms (features, `muc#roominfo`), and what a joined room learns of itself.

use muc_client::{MatchedBy, TrackerState, Whois};

use super::support::*;
use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "discovery.items.public_rooms",
            "6.3",
            "disco#items of the service lists a public room (with its name), not a hidden one",
            items_public_rooms
        ),
        scenario!(
            "discovery.info.features",
            "6.4",
            "disco#info of a room: conference identity, name, features matching its configuration",
            info_features
        ),
        scenario!(
            "discovery.info.after_change",
            "6.4",
            "disco#info follows a configuration change (members-only, password, hidden, persistent)",
            info_after_change
        ),
        scenario!(
            "discovery.info.roominfo",
            "6.4",
            "muc#roominfo gives the description and the current number of occupants",
            info_roominfo
        ),
        scenario!(
            "discovery.info.not_found",
            "6.4",
            "disco#info of a room that does not exist: item-not-found",
            info_not_found
        ),
        scenario!(
            "discovery.info.on_join",
            "6.4",
            "A joined room knows its features and room info, as disco#info gives them",
            info_on_join
        ),
        scenario!(
            "discovery.info.stable_id",
            "7.4",
            "A room that keeps message ids in reflections advertises muc#stable_id",
            info_stable_id
        ),
    ]
}

async fn items_public_rooms(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (public, _pev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_public(true).set_roomname("The Public Heath");
        })
        .await?;
        let (hidden, _hev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_public(false).set_roomname("The Hidden Cave");
        })
        .await?;
        // Bob is in neither room: he sees what the public sees.
        let items = within("disco#items", bob.discover_rooms(ctx.muc_domain())).await??;
        let listed = |room: &jid::BareJid| {
            items
                .iter()
                .find(|i| i.jid.to_bare() == *room && i.jid.resource().is_none())
        };
        let item = listed(public.mucjid())
            .ok_or_else(|| format!("the public room is not listed among {} items", items.len()))?;
        let name = item.name.clone().unwrap_or_default();
        ensure(name.contains("The Public Heath"), || {
            format!("the public room is listed as {name:?}")
        })?;
        ensure(listed(hidden.mucjid()).is_none(), || {
            "the hidden room is listed to a user who is not in it".into()
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn info_features(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    close_after(&[&alice], async {
        let (room, _ev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_roomname("Cave of Features")
                .set_whois(Whois::Anyone)
                .set_moderated(true)
                .set_members_only(false)
                .set_persistent(false)
                .set_public(true)
                .set_password_protected(false);
        })
        .await?;
        let info = within("disco#info", alice.room_info(room.mucjid().clone())).await??;
        ensure(
            info.raw
                .identities
                .iter()
                .any(|i| i.category == "conference" && i.type_ == "text"),
            || format!("identities: {:?}", info.raw.identities),
        )?;
        ensure(info.name.as_deref() == Some("Cave of Features"), || {
            format!("the room's name is {:?}", info.name)
        })?;
        let f = &info.features;
        let expected = [
            ("muc", Some(f.muc), Some(true)),
            ("non-anonymous", f.non_anonymous, Some(true)),
            ("moderated", f.moderated, Some(true)),
            ("members-only", f.members_only, Some(false)),
            ("persistent", f.persistent, Some(false)),
            ("public", f.public, Some(true)),
            ("password-protected", f.password_protected, Some(false)),
        ];
        let wrong: Vec<String> = expected
            .iter()
            .filter(|(_, got, want)| got != want)
            .map(|(what, got, want)| format!("{what}: {got:?}, expected {want:?}"))
            .collect();
        ensure(wrong.is_empty(), || {
            format!("disco#info features {:?}: {}", f.all, wrong.join("; "))
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn info_after_change(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    close_after(&[&alice], async {
        let (room, _ev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_members_only(false)
                .set_public(true)
                .set_persistent(false);
        })
        .await?;
        let before = within("disco#info", room.room_info()).await??.features;
        ensure(
            before.members_only == Some(false)
                && before.password_protected == Some(false)
                && before.public == Some(true)
                && before.persistent == Some(false),
            || format!("features before the change: {:?}", before.all),
        )?;
        let mut change = muc_client::RoomConfig::new();
        change
            .set_members_only(true)
            .set_password_protected(true)
            .set_room_secret("hover through the fog")
            .set_public(false)
            .set_persistent(true)
            .set_whois(Whois::Moderators);
        within("the change", room.set_config(&change)).await??;
        let after = within("disco#info", room.room_info()).await??.features;
        // A persistent room outlives this scenario unless destroyed.
        let destroyed = within("the destruction", room.destroy(Default::default())).await?;
        ensure(
            after.members_only == Some(true)
                && after.password_protected == Some(true)
                && after.public == Some(false)
                && after.persistent == Some(true)
                && after.non_anonymous == Some(false),
            || format!("features after the change: {:?}", after.all),
        )?;
        destroyed?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn info_roominfo(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (room, mut aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_room_desc("Where the witches meet");
        })
        .await?;
        let occupants = |info: &muc_client::RoomDescription| {
            info.info.as_ref().and_then(muc_client::RoomInfo::occupants)
        };
        let one = within("disco#info", alice.room_info(room.mucjid().clone())).await??;
        let roominfo = one
            .info
            .clone()
            .ok_or("no muc#roominfo form in disco#info")?;
        ensure(
            roominfo.description() == Some("Where the witches meet"),
            || format!("muc#roominfo_description: {:?}", roominfo.description()),
        )?;
        ensure(occupants(&one) == Some(1), || {
            format!(
                "muc#roominfo_occupants with one occupant: {:?}",
                occupants(&one)
            )
        })?;
        let (broom, _bev, _) = join(&bob, room.mucjid(), "Bob").await?;
        let two = within("disco#info", bob.room_info(room.mucjid().clone())).await??;
        ensure(occupants(&two) == Some(2), || {
            format!(
                "muc#roominfo_occupants with two occupants: {:?}",
                occupants(&two)
            )
        })?;
        within("bob's leave", broom.leave_and_wait()).await??;
        wait_leave(&mut aev, "Bob").await?;
        let back = within("disco#info", alice.room_info(room.mucjid().clone())).await??;
        ensure(occupants(&back) == Some(1), || {
            format!(
                "muc#roominfo_occupants after bob left: {:?}",
                occupants(&back)
            )
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn info_not_found(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    close_after(&[&alice], async {
        let nowhere = ctx.fresh_room();
        let condition = refusal(
            "disco#info of a room that does not exist",
            within("disco#info", alice.room_info(nowhere)).await?,
        )?;
        ensure(condition == "item-not-found", || {
            format!("answered with {condition}, not item-not-found")
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn info_on_join(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (room, _ev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_roomname("Known to itself")
                .set_room_desc("Thinks of itself")
                .set_members_only(false);
        })
        .await?;
        let (broom, _bev, _) = join(&bob, room.mucjid(), "Bob").await?;
        eventually("bob's room knows its features and info", || {
            broom.features().is_some() && broom.info().is_some()
        })
        .await?;
        let asked = within("disco#info", bob.room_info(room.mucjid().clone())).await??;
        let known = broom.features().ok_or("features vanished")?;
        ensure(known.muc && known.members_only == Some(false), || {
            format!("the room's features on join: {:?}", known.all)
        })?;
        ensure(known == asked.features, || {
            format!(
                "features on join {:?} differ from disco#info {:?}",
                known.all, asked.features.all
            )
        })?;
        let description = broom
            .info()
            .and_then(|i| i.description().map(str::to_owned));
        ensure(description.as_deref() == Some("Thinks of itself"), || {
            format!("the room info on join has the description {description:?}")
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn info_stable_id(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let alice = connect(ctx, "alice").await?;
    close_after(&[&alice], async {
        let (room, _ev) = create_room(ctx, &alice, "Alice").await?;
        let tracker = room
            .send_tracked_message("same id back?", Some(WAIT))
            .await?;
        let kept_id = matches!(
            within("the reflection", tracker.wait_final()).await??,
            TrackerState::DeliveredToRecipient {
                matched_by: MatchedBy::Id,
                ..
            }
        );
        let features = within("disco#info", room.room_info()).await??.features;
        match (kept_id, features.stable_id) {
            (true, true) => Ok(Outcome::Pass),
            (true, false) if ctx.backend() == Backend::Ejabberd => Ok(Outcome::differs(
                "ejabberd 23.01 reflects messages with the sender's id but does not advertise \
                 http://jabber.org/protocol/muc#stable_id on the room (§7.4: SHOULD)",
            )),
            (kept, advertised) => Err(format!(
                "reflection kept the id: {kept}; muc#stable_id advertised: {advertised}"
            )
            .into()),
        }
    })
    .await
}
