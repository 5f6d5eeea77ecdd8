//! §7.13 Voice requests: a visitor asks, a moderator approves.

use muc_client::{Role, RoomEvent};

use crate::runner::{Outcome, Scenario, ScenarioCtx};
use crate::scenario;
use crate::scenarios::support::*;

/// The scenarios of this file, in report order.
pub fn scenarios() -> Vec<Scenario> {
    vec![scenario!(
        "invites.voice.request_approved",
        "7.13",
        "A visitor asks for voice; the moderator gets the form, approves; voice granted",
        voice_request_approved
    )]
}

async fn voice_request_approved(ctx: &ScenarioCtx) -> Result<Outcome, Error> {
    let [alice, bob] = connect_all(ctx, ["alice", "bob"]).await?;
    close_after(&[&alice, &bob], async {
        let (aroom, mut aev) = create_configured_room(ctx, &alice, "Alice", |c| {
            c.set_moderated(true);
        })
        .await?;
        let (broom, mut bev, entered) = join(&bob, aroom.mucjid(), "Bob").await?;
        if entered.occupant.role() != Role::Visitor {
            set_role_and_wait("the devoicing", &aroom, "Bob", Role::Visitor, &mut bev).await?;
        }
        within("the voice request", broom.request_voice()).await??;
        let request = wait_for(&mut aev, "the voice request", |e| match e {
            RoomEvent::VoiceRequest { request } => Some(request.clone()),
            _ => None,
        })
        .await?;
        ensure(request.roomnick() == Some("Bob"), || {
            format!("the request names {:?}", request.roomnick())
        })?;
        ensure(request.role() == Some(Role::Participant), || {
            format!("the request asks for {:?}", request.role())
        })?;
        within("the approval", aroom.answer_voice_request(request, true)).await??;
        let (old, _) = wait_role(&mut bev, "Bob", Role::Participant).await?;
        ensure(old == Role::Visitor, || format!("bob was {old:?} before"))?;
        wait_role(&mut aev, "Bob", Role::Participant).await?;
        // With voice, bob is heard.
        say(&broom, "Thank you").await?;
        Ok(Outcome::Pass)
    })
    .await
}
