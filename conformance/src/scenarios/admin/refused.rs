//! §9 What a participant may not do: ban, grant membership, read the member
//! list.

use muc_client::{Affiliation, RoomEvent};

use crate::backend::Backend;
use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![scenario!(
        "admin.participant_refused",
        "9",
        "A participant may not ban, grant membership or read the member list (forbidden)",
        participant_refused
    )]
}

async fn participant_refused(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let ([alice, bob, carol], room_a, _ev_a, [(room_b, _ev_b), (room_c, mut ev_c)]) =
        room_of_three(ctx).await?;
    let caps = room_b.capabilities();
    if caps.may_ban(Affiliation::None)
        || caps.may_edit_member_list()
        || caps.may_set_affiliation(Affiliation::None, Affiliation::Member)
    {
        return Ok(Outcome::fail(format!(
            "a participant's capabilities allow affiliation changes: {caps:?}"
        )));
    }
    let ban = refusal(
        "a participant's ban",
        within("the ban", room_b.ban(bare_jid(ctx, "carol"), None)).await?,
    )?;
    let member = refusal(
        "a participant's membership grant",
        within(
            "the grant",
            room_b.set_affiliation(bare_jid(ctx, "carol"), Affiliation::Member, None),
        )
        .await?,
    )?;
    let list = refusal(
        "a participant's member list request",
        within(
            "the member list",
            room_b.affiliation_list(Affiliation::Member),
        )
        .await?,
    )?;
    let touched: Vec<_> = drain_where(&mut ev_c, |e| {
        matches!(
            e,
            RoomEvent::AffiliationChange { .. } | RoomEvent::Exit { .. }
        )
    })
    .await;
    let members = affiliation_list("the member list", &room_a, Affiliation::Member).await?;
    let still = room_c.joined();
    close_all(&[&alice, &bob, &carol]).await;
    if !touched.is_empty() || !still || !members.is_empty() {
        return Ok(Outcome::fail(format!(
            "refused requests changed something: {touched:?}, members {members:?}"
        )));
    }
    if list != "forbidden" {
        return Ok(Outcome::fail(format!(
            "a participant's member list request was refused with {list}, want forbidden (§9)"
        )));
    }
    // §9: requests from non-admins "MUST be denied [...] the service MUST
    // return a <forbidden/> error".
    Ok(match (ban, member, ctx.backend()) {
        ("forbidden", "forbidden", _) => Outcome::Pass,
        ("not-allowed", "not-allowed", Backend::Prosody) => Outcome::differs(
            "Prosody 0.12 refuses a participant's affiliation changes (ban, membership) with \
             <not-allowed/> instead of §9's <forbidden/>; the member list is forbidden as required",
        ),
        ("not-allowed", "not-allowed", Backend::Ejabberd) => Outcome::differs(
            "ejabberd 23.01 refuses a participant's affiliation changes (ban, membership) with \
             <not-allowed/> instead of §9's <forbidden/>; the member list is forbidden as required",
        ),
        (b, m, _) => Outcome::fail(format!(
            "a participant's ban was refused with {b} and membership grant with {m}, want forbidden (§9)"
        )),
    })
}
