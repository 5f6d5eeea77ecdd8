//! A `muc#admin` list delta (§9.2, §9.5), checked against the list it
//! should make, with Prosody's first-item-only deviation noted.

use std::collections::BTreeSet;

use muc_client::{AdminItem, Affiliation};

use crate::backend::Backend;
use crate::runner::ScenarioCtx;
use crate::scenarios::support::*;

/// Sends `items` (bare JIDs of pre-registered users, and affiliations) as one
/// `muc#admin` delta and checks that the list of `listed` affiliations went
/// from `before` to what the delta makes of it. Where Prosody applied only
/// the first item (it reads only the first `<item/>` of a set), the other
/// items are sent one by one, the result is checked again, and the
/// deviation is noted in `deviations`.
pub(super) async fn apply_delta(
    ctx: &ScenarioCtx,
    room: &muc_client::Room,
    listed: Affiliation,
    before: &BTreeSet<String>,
    items: &[(&str, Affiliation)],
    deviations: &mut Vec<String>,
) -> Result<Result<BTreeSet<String>, String>, Error> {
    let apply = |set: &mut BTreeSet<String>, (user, aff): &(&str, Affiliation)| {
        let jid = format!("{user}@{}", ctx.domain());
        if *aff == listed {
            set.insert(jid);
        } else {
            set.remove(&jid);
        }
    };
    let mut want = before.clone();
    items.iter().for_each(|i| apply(&mut want, i));
    let mut first_only = before.clone();
    if let Some(first) = items.first() {
        apply(&mut first_only, first);
    }
    let delta: Vec<AdminItem> = items
        .iter()
        .map(|(user, aff)| AdminItem::affiliation(bare_jid(ctx, user), *aff))
        .collect();
    within("the delta", room.modify_affiliations(delta)).await??;
    let list = affiliation_list("the list", room, listed).await?;
    if list.iter().any(|i| i.affiliation != Some(listed)) {
        return Ok(Err(format!(
            "the {listed:?} list holds other affiliations: {list:?}"
        )));
    }
    let got = listed_jids(&list);
    if got == want {
        return Ok(Ok(got));
    }
    if !(got == first_only && items.len() > 1 && ctx.backend() == Backend::Prosody) {
        return Ok(Err(format!(
            "after the delta {items:?} the {listed:?} list is {got:?}, want {want:?}"
        )));
    }
    deviations.push(format!(
        "Prosody 0.12 applies only the first <item/> of a muc#admin set and answers success: \
         of the {}-item delta {items:?} on the {listed:?} list only the first took effect; \
         sent one by one, the others work",
        items.len()
    ));
    for (user, aff) in &items[1..] {
        within(
            "one item",
            room.modify_affiliations(vec![AdminItem::affiliation(bare_jid(ctx, user), *aff)]),
        )
        .await??;
    }
    let got = listed_jids(&affiliation_list("the list", room, listed).await?);
    Ok(if got == want {
        Ok(got)
    } else {
        Err(format!(
            "after the delta {items:?} sent item by item the {listed:?} list is {got:?}, want {want:?}"
        ))
    })
}
