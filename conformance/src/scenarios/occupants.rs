//! §7.2.2, §7.6, §7.7: presence broadcast and occupant tracking, nick
//! changes, availability changes.

use muc_client::xmpp_parsers::presence::Show;
use muc_client::{Affiliation, JoinOptions, OccupantKey, Role, RoomEvent};

use super::support::*;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "occupants.join_broadcast",
            "7.2.2",
            "Everyone already in the room sees a newcomer join exactly once",
            join_broadcast
        ),
        scenario!(
            "occupants.list_on_entry",
            "7.2.2",
            "A newcomer's occupant list has everyone, with their roles and affiliations",
            list_on_entry
        ),
        scenario!(
            "occupants.five_users",
            "7.2.2",
            "Five users enter one after the other; all agree on who is there, then on a leave",
            five_users
        ),
        scenario!(
            "occupants.presence.on_entry",
            "7.2.1",
            "Show and status sent with the join presence reach the others",
            presence_on_entry
        ),
        scenario!(
            "occupants.presence.change",
            "7.7",
            "An occupant's availability change reaches the others as a status change",
            presence_change
        ),
        scenario!(
            "occupants.presence.known_to_newcomer",
            "7.7",
            "A newcomer sees the availability an occupant set before",
            presence_known_to_newcomer
        ),
        scenario!(
            "occupants.nick.seen_by_others",
            "7.6",
            "A nick change is seen by others as one NickChange of the same occupant",
            nick_seen_by_others
        ),
        scenario!(
            "occupants.nick.own_change",
            "7.6",
            "Changing one's own nick is confirmed; the local occupant keeps its key",
            nick_own_change
        ),
        scenario!(
            "occupants.nick.conflict",
            "7.6",
            "Changing to a nick in use is refused with conflict; nothing changes",
            nick_conflict
        ),
        scenario!(
            "occupants.nick.messages_after",
            "7.6",
            "After a nick change, messages come from the new nick and the same occupant",
            nick_messages_after
        ),
    ]
}

fn join_of<'a>(nick: &'a str) -> impl FnMut(&RoomEvent) -> Option<muc_client::OccupantRef> + 'a {
    move |e| match e {
        RoomEvent::Join { occupant } if occupant.nick() == nick => Some(occupant.clone()),
        _ => None,
    }
}

async fn join_broadcast(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    close_after(&[&alice, &bob, &carol], async {
        let (aroom, mut aev, [(broom, mut bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        let (croom, _cev, _) = join(&carol, aroom.mucjid(), "Carol").await?;
        for (who, room, events) in [("alice", &aroom, &mut aev), ("bob", &broom, &mut bev)] {
            let carol_there =
                wait_for(events, &format!("{who} to see Carol"), join_of("Carol")).await?;
            ensure(
                carol_there.role() == Role::Participant
                    && carol_there.affiliation() == Affiliation::None
                    && !carol_there.is_self(),
                || format!("{who} sees Carol as {carol_there:?}"),
            )?;
            expect_quiet(events, &format!("{who}'s events"), |e| {
                matches!(e, RoomEvent::Join { .. } | RoomEvent::Leave { .. })
            })
            .await?;
            ensure(room.occupant_count() == 3, || {
                format!("{who} counts {:?}", nicks(room))
            })?;
        }
        ensure(croom.occupant_count() == 3, || {
            format!("carol counts {:?}", nicks(&croom))
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn list_on_entry(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob, carol] = connect_all(ctx, ["alice", "bob", "carol"]).await?;
    close_after(&[&alice, &bob, &carol], async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        affiliate(ctx, "membership", &aroom, "bob", Affiliation::Member, None).await?;
        let (_broom, _bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        let (croom, _cev, entered) = join(&carol, aroom.mucjid(), "Carol").await?;
        let list = croom.occupants();
        ensure(list.len() == 3, || {
            format!("carol's list: {:?}", nicks(&croom))
        })?;
        ensure(list[0].nick() == "Carol" && list[0].is_self(), || {
            format!("the local user is not first: {:?}", nicks(&croom))
        })?;
        ensure(
            entered.occupant.affiliation() == Affiliation::None
                && entered.occupant.role() == Role::Participant,
            || format!("carol entered as {:?}", entered.occupant),
        )?;
        let expect = [
            ("Alice", Affiliation::Owner, Role::Moderator),
            ("Bob", Affiliation::Member, Role::Participant),
        ];
        for (nick, affiliation, role) in expect {
            let o = croom
                .occupant(nick)
                .ok_or_else(|| format!("carol does not see {nick}: {:?}", nicks(&croom)))?;
            ensure(
                o.affiliation() == affiliation && o.role() == role && !o.is_self() && o.available(),
                || format!("carol sees {nick} as {o:?}"),
            )?;
        }
        let keys: std::collections::HashSet<OccupantKey> = list.iter().map(|o| o.key()).collect();
        ensure(keys.len() == 3, || "two occupants share a key".into())?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn five_users(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let services = connect_all(ctx, ["alice", "bob", "carol", "dave", "eve"]).await?;
    let refs: Vec<&muc_client::Service> = services.iter().collect();
    close_after(&refs, async {
        let (first, first_ev) = create_room(ctx, &services[0], "U0").await?;
        let mut rooms = vec![(first, first_ev)];
        for (i, service) in services.iter().enumerate().skip(1) {
            let (room, events, _) = join(service, rooms[0].0.mucjid(), &format!("U{i}")).await?;
            ensure(room.occupant_count() == i + 1, || {
                format!("U{i} entered and sees {:?}", nicks(&room))
            })?;
            rooms.push((room, events));
        }
        let expected: Vec<String> = (0..5).map(|i| format!("U{i}")).collect();
        for (i, (room, events)) in rooms.iter_mut().enumerate() {
            // Everyone who came later is announced to this one.
            for j in i + 1..5 {
                wait_for(
                    events,
                    &format!("U{i} to see U{j}"),
                    join_of(&format!("U{j}")),
                )
                .await?;
            }
            let mut seen = nicks(room);
            seen.sort();
            ensure(seen == expected, || format!("U{i} sees {seen:?}"))?;
        }
        // U3 leaves; everyone else agrees.
        within("U3's leave", rooms[3].0.leave_and_wait()).await??;
        for (i, (room, events)) in rooms.iter_mut().enumerate() {
            if i == 3 {
                continue;
            }
            wait_leave(events, "U3").await?;
            ensure(
                room.occupant_count() == 4 && room.occupant("U3").is_none(),
                || format!("after U3 left, U{i} sees {:?}", nicks(room)),
            )?;
        }
        Ok(Outcome::Pass)
    })
    .await
}

async fn presence_on_entry(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = create_room(ctx, &alice, "Alice").await?;
        let options = JoinOptions {
            show: Some(Show::Away),
            status: Some("out for lunch".to_owned()),
            ..JoinOptions::default()
        };
        let (_broom, _bev, _) = join_with(&bob, aroom.mucjid(), "Bob", options).await?;
        let bob_there = wait_for(&mut aev, "bob's join", join_of("Bob")).await?;
        ensure(
            bob_there.show() == Some(&Show::Away) && bob_there.status() == Some("out for lunch"),
            || {
                format!(
                    "alice sees bob join with show {:?}, status {:?}",
                    bob_there.show(),
                    bob_there.status()
                )
            },
        )?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn presence_change(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev, [(broom, _bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        let key = aroom.occupant("Bob").ok_or("alice does not see bob")?.key();
        within(
            "bob's presence",
            broom.set_presence(Some(Show::Dnd), Some("busy brewing")),
        )
        .await??;
        let changed = wait_for(&mut aev, "bob's status change", |e| match e {
            RoomEvent::StatusChange { occupant } if occupant.nick() == "Bob" => {
                Some(occupant.clone())
            }
            _ => None,
        })
        .await?;
        ensure(
            changed.show() == Some(&Show::Dnd) && changed.status() == Some("busy brewing"),
            || format!("alice sees {:?} / {:?}", changed.show(), changed.status()),
        )?;
        ensure(changed.key() == key, || {
            "the status change is of another occupant key".into()
        })?;
        let now = aroom.occupant("Bob").ok_or("bob vanished")?;
        ensure(now.status() == Some("busy brewing"), || {
            format!("alice's occupant list still says {:?}", now.status())
        })?;
        // Back to plain available.
        within("bob's presence", broom.set_presence(None, None)).await??;
        let back = wait_for(&mut aev, "bob's second change", |e| match e {
            RoomEvent::StatusChange { occupant } if occupant.nick() == "Bob" => {
                Some(occupant.clone())
            }
            _ => None,
        })
        .await?;
        ensure(back.show().is_none() && back.status().is_none(), || {
            format!(
                "after the reset alice sees {:?} / {:?}",
                back.show(),
                back.status()
            )
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn presence_known_to_newcomer(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, _aev) = create_room(ctx, &alice, "Alice").await?;
        within(
            "alice's presence",
            aroom.set_presence(Some(Show::Xa), Some("gone to Forres")),
        )
        .await??;
        // Give the room a moment: the update has no answer to wait for.
        tokio::time::sleep(QUIET).await;
        let (broom, _bev, _) = join(&bob, aroom.mucjid(), "Bob").await?;
        let a = broom.occupant("Alice").ok_or("bob does not see Alice")?;
        ensure(
            a.show() == Some(&Show::Xa) && a.status() == Some("gone to Forres"),
            || format!("bob sees Alice with {:?} / {:?}", a.show(), a.status()),
        )?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn nick_seen_by_others(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev, [(broom, _bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        let key = aroom.occupant("Bob").ok_or("alice does not see bob")?.key();
        within("the nick change", broom.set_nick("Robert")).await??;
        let mut seen = collect_until(&mut aev, "the nick change", |e| {
            matches!(e, RoomEvent::NickChange { .. })
        })
        .await?;
        seen.extend(drain(&mut aev).await);
        let relevant: Vec<&RoomEvent> = seen
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    RoomEvent::NickChange { .. } | RoomEvent::Join { .. } | RoomEvent::Leave { .. }
                )
            })
            .collect();
        ensure(relevant.len() == 1, || {
            format!("alice saw {}", summarize(&seen))
        })?;
        let RoomEvent::NickChange { occupant, old, new } = relevant[0] else {
            return Err("not a nick change".into());
        };
        ensure(
            old == "Bob" && new == "Robert" && occupant.nick() == "Robert",
            || format!("alice saw {old} -> {new} ({})", occupant.nick()),
        )?;
        ensure(occupant.key() == key, || {
            format!("the key changed: {} -> {}", key, occupant.key())
        })?;
        ensure(
            aroom.occupant("Bob").is_none()
                && aroom.occupant("Robert").map(|o| o.key()) == Some(key)
                && aroom.occupant_count() == 2,
            || format!("alice's occupants: {:?}", nicks(&aroom)),
        )?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn nick_own_change(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, _aev, [(broom, mut bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        let key = broom.this_occupant().ok_or("no local occupant")?.key();
        let given = within("the nick change", broom.set_nick("Robert")).await??;
        ensure(given == "Robert", || format!("the room gave {given:?}"))?;
        ensure(broom.nick() == "Robert", || {
            format!("room.nick() is {:?}", broom.nick())
        })?;
        let me = broom.this_occupant().ok_or("no local occupant")?;
        ensure(
            me.nick() == "Robert" && me.key() == key && me.is_self(),
            || format!("the local occupant is now {me:?}"),
        )?;
        let seen = collect_until(&mut bev, "our own nick change", |e| {
            matches!(e, RoomEvent::NickChange { .. })
        })
        .await?;
        let count = |f: fn(&RoomEvent) -> bool| seen.iter().filter(|e| f(e)).count();
        ensure(
            count(|e| matches!(e, RoomEvent::Exit { .. })) == 0
                && count(|e| matches!(e, RoomEvent::Enter { .. })) == 1,
            || format!("bob's events: {}", summarize(&seen)),
        )?;
        let nicks_now = nicks(&broom);
        ensure(nicks_now == ["Robert", "Alice"], || {
            format!("bob's occupants: {nicks_now:?}")
        })?;
        ensure(aroom.mucjid() == broom.mucjid(), || "rooms differ".into())?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn nick_conflict(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev, [(broom, _bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        let condition = refusal(
            "a nick change onto Alice",
            within("the nick change", broom.set_nick("Alice")).await?,
        )?;
        ensure_condition(condition, "conflict")?;
        ensure(broom.nick() == "Bob", || {
            format!("bob's nick is now {:?}", broom.nick())
        })?;
        expect_quiet(&mut aev, "alice's events", |e| {
            matches!(
                e,
                RoomEvent::NickChange { .. } | RoomEvent::Leave { .. } | RoomEvent::Join { .. }
            )
        })
        .await?;
        ensure(nicks(&aroom) == ["Alice", "Bob"], || {
            format!("alice's occupants: {:?}", nicks(&aroom))
        })?;
        Ok(Outcome::Pass)
    })
    .await
}

async fn nick_messages_after(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev, [(broom, _bev)]) =
            room_with_guests(ctx, &alice, "Alice", [(&bob, "Bob")]).await?;
        let key = aroom.occupant("Bob").ok_or("alice does not see bob")?.key();
        within("the nick change", broom.set_nick("Robert")).await??;
        say(&broom, "it is still me").await?;
        let (nick, occupant) = wait_for(&mut aev, "bob's message", |e| match e {
            RoomEvent::Message { nick, occupant, .. } if is_message(e, "it is still me") => {
                Some((nick.clone(), occupant.clone()))
            }
            _ => None,
        })
        .await?;
        ensure(nick.as_deref() == Some("Robert"), || {
            format!("the message came from {nick:?}")
        })?;
        ensure(occupant.as_ref().map(|o| o.key()) == Some(key), || {
            format!("the message's occupant is {occupant:?}, not key {key}")
        })?;
        Ok(Outcome::Pass)
    })
    .await
}
