//! §10 across its subsections: affiliations set and listed without joining
//! the room, and [`Room::capabilities`](muc_client::Room::capabilities)
//! against what the server then allows.

use muc_client::{Affiliation, Destruction};

use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        scenario!(
            "owner.seed.set_affiliation",
            "10",
            "Service::set_affiliation and affiliation_list work without joining the room",
            seed_set_affiliation
        ),
        scenario!(
            "owner.capabilities.agree",
            "10",
            "Room::capabilities predict what the server allows: the owner configures and destroys, a participant may not kick",
            capabilities_agree
        ),
    ]
}

async fn seed_set_affiliation(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob], room_a, _ev_a, [(_room_b, mut ev_b)]) = room_of_two(ctx).await?;
    let jid = room_a.mucjid().clone();
    // A second session of the owner that never joins the room.
    let desk = connect(ctx, "alice").await?;
    if desk.room(&jid).is_some() {
        return Ok(Outcome::fail("the second session has the room already"));
    }
    if let Err(e) = within(
        "set_affiliation without joining",
        desk.set_affiliation(
            &jid,
            bare_jid(ctx, "bob"),
            Affiliation::Member,
            Some("Seed"),
        ),
    )
    .await?
    {
        return Ok(Outcome::fail(format!(
            "the owner's unjoined session could not set an affiliation: {e}"
        )));
    }
    let (old, _) = wait_affiliation(&mut ev_b, "Bob", Affiliation::Member).await?;
    if old != Affiliation::None {
        return Ok(Outcome::fail(format!(
            "bob's affiliation went from {old:?}"
        )));
    }
    let members = within(
        "affiliation_list without joining",
        desk.affiliation_list(&jid, Affiliation::Member),
    )
    .await??;
    if listed_jids(&members) != set_of(&["bob@localhost"]) {
        return Ok(Outcome::fail(format!(
            "the member list read without joining: {members:?}"
        )));
    }
    // An unjoined session of a user with no affiliation is refused.
    let carol = connect(ctx, "carol").await?;
    let refused = refusal(
        "a stranger's set_affiliation",
        within(
            "set_affiliation",
            carol.set_affiliation(&jid, bare_jid(ctx, "dave"), Affiliation::Member, None),
        )
        .await?,
    );
    close_all(&[&alice, &bob, &desk, &carol]).await;
    refused?;
    Ok(Outcome::Pass)
}

async fn capabilities_agree(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, mut ev_a, [(room_b, _ev_b), (_room_c, _ev_c)]) =
        room_of_three(ctx).await?;
    let mut problems = Vec::new();
    let mut check = |what: &str, predicted: bool, allowed: bool| {
        if predicted != allowed {
            problems.push(format!(
                "{what}: the capabilities say {predicted}, the server {}",
                if allowed { "allowed it" } else { "refused" }
            ));
        }
    };
    // The participant first (nothing changes when refused).
    let b = room_b.capabilities();
    let carol_seen = room_b.occupant("Carol").ok_or("bob does not list Carol")?;
    let kick = within("the participant's kick", room_b.kick("Carol", None)).await?;
    check(
        "participant kicks",
        b.may_kick(&carol_seen),
        refused_with(&kick)?.is_none(),
    );
    let form = within("the participant's form", room_b.get_config()).await?;
    check(
        "participant configures",
        b.may_configure(),
        refused_with(&form)?.is_none(),
    );
    let ban = within(
        "the participant's ban",
        room_b.ban(bare_jid(ctx, "carol"), None),
    )
    .await?;
    check(
        "participant bans",
        b.may_ban(Affiliation::None),
        refused_with(&ban)?.is_none(),
    );
    let destroy = within(
        "the participant's destruction",
        room_b.destroy(Destruction::default()),
    )
    .await?;
    check(
        "participant destroys",
        b.may_destroy(),
        refused_with(&destroy)?.is_none(),
    );
    // Then the owner.
    let a = room_a.capabilities();
    let form = within("the owner's form", room_a.get_config()).await?;
    check(
        "owner configures",
        a.may_configure(),
        refused_with(&form)?.is_none(),
    );
    let carol_seen = room_a
        .occupant("Carol")
        .ok_or("alice does not list Carol")?;
    let kick = within("the owner's kick", room_a.kick("Carol", None)).await?;
    check(
        "owner kicks",
        a.may_kick(&carol_seen),
        refused_with(&kick)?.is_none(),
    );
    wait_leave(&mut ev_a, "Carol").await?;
    let destroy = within(
        "the owner's destruction",
        room_a.destroy(Destruction::default()),
    )
    .await?;
    check(
        "owner destroys",
        a.may_destroy(),
        refused_with(&destroy)?.is_none(),
    );
    close_all(&[&alice, &bob, &carol]).await;
    Ok(verdict(problems))
}
