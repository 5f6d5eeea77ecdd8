//! The [`Service`] requests that need no joined room: affiliations,
//! configuration, destruction, disco, registration, invitations.

use muc_core::muc_xso::forms::{RegistrationForm, RoomConfig};
use muc_core::muc_xso::{AdminItem, Affiliation};
use muc_core::{Destruction, Invitation, InviteMode, Response, RoomDescription};
use xmpp_parsers::disco::Item as DiscoItem;

use crate::error::{Error, Result};
use crate::jids::{IntoJid, room_jid};
use crate::service::Service;
use crate::state::Target;

/// What a room's registration query returned (XEP-0045 §7.10).
#[derive(Debug, Clone, PartialEq)]
pub struct Registration {
    /// The form to fill in (or the current data, if already registered).
    pub form: Option<RegistrationForm>,
    /// Whether we are registered already.
    pub registered: bool,
}

impl Service {
    // ----- requests that need no joined room -----

    /// Changes the affiliation of `jid` (taken bare) in `mucjid`; works
    /// without being joined (the seed's `Service.set_affiliation`).
    pub async fn set_affiliation(
        &self,
        mucjid: impl IntoJid,
        jid: impl IntoJid,
        affiliation: Affiliation,
        reason: Option<&str>,
    ) -> Result<()> {
        let room = room_jid(mucjid)?;
        let jid = jid.into_jid()?;
        let reason = reason.map(str::to_owned);
        let r = room.clone();
        let resp = self
            .request(Target::Jid(room), move |router, now| {
                Ok(router.set_affiliation(&r, &jid, affiliation, reason, now))
            })
            .await?;
        done(resp)
    }

    /// Applies affiliation changes in one request (items with `jid` and
    /// `affiliation`, optionally a reason: the "delta" of XEP-0045 §9/§10).
    pub async fn modify_affiliations(
        &self,
        mucjid: impl IntoJid,
        items: Vec<AdminItem>,
    ) -> Result<()> {
        let room = room_jid(mucjid)?;
        let r = room.clone();
        done(
            self.request(Target::Jid(room), move |router, now| {
                Ok(router.modify_affiliations(&r, items, now))
            })
            .await?,
        )
    }

    /// Lists everyone with `affiliation` in `mucjid` (members, admins,
    /// owners, outcasts).
    pub async fn affiliation_list(
        &self,
        mucjid: impl IntoJid,
        affiliation: Affiliation,
    ) -> Result<Vec<AdminItem>> {
        let room = room_jid(mucjid)?;
        let r = room.clone();
        items(
            self.request(Target::Jid(room), move |router, now| {
                Ok(router.affiliation_list(&r, affiliation, now))
            })
            .await?,
        )
    }

    /// Fetches the configuration form of `mucjid` (owners only).
    pub async fn get_room_config(&self, mucjid: impl IntoJid) -> Result<RoomConfig> {
        let room = room_jid(mucjid)?;
        let r = room.clone();
        match self
            .request(Target::Jid(room), move |router, now| {
                Ok(router.get_config(&r, now))
            })
            .await?
        {
            Response::Config(c) => Ok(c),
            other => Err(unexpected(&other)),
        }
    }

    /// Submits a configuration form to `mucjid` (only the fields set in
    /// `config` are sent if it was built with `RoomConfig::new`).
    pub async fn set_room_config(&self, mucjid: impl IntoJid, config: &RoomConfig) -> Result<()> {
        let room = room_jid(mucjid)?;
        let r = room.clone();
        let form = config.to_submit();
        done(
            self.request(Target::Jid(room), move |router, now| {
                Ok(router.set_config(&r, form, now))
            })
            .await?,
        )
    }

    /// Destroys `mucjid` (owners only), optionally naming an alternate
    /// venue, its password and a reason (XEP-0045 §10.9).
    pub async fn destroy_room(&self, mucjid: impl IntoJid, how: Destruction) -> Result<()> {
        let room = room_jid(mucjid)?;
        let r = room.clone();
        done(
            self.request(Target::Jid(room), move |router, now| {
                Ok(router.destroy(&r, how.reason, how.alternate_venue, how.password, now))
            })
            .await?,
        )
    }

    /// What disco#info says about `mucjid`: name, features, `muc#roominfo`.
    pub async fn room_info(&self, mucjid: impl IntoJid) -> Result<RoomDescription> {
        let room = room_jid(mucjid)?;
        let r = room.clone();
        match self
            .request(Target::Jid(room), move |router, now| {
                Ok(router.room_info(&r, now))
            })
            .await?
        {
            Response::RoomInfo(d) => Ok(*d),
            other => Err(unexpected(&other)),
        }
    }

    /// Lists the rooms of a MUC service (disco#items on `service`, for
    /// example `conference.example.org`).
    pub async fn discover_rooms(&self, service: impl IntoJid) -> Result<Vec<DiscoItem>> {
        let service = service.into_jid()?;
        match self
            .request(Target::Service, move |router, now| {
                Ok(router.discover_rooms(&service, now))
            })
            .await?
        {
            Response::DiscoItems(items) => Ok(items),
            other => Err(unexpected(&other)),
        }
    }

    /// Our reserved nick in `mucjid`, if any (XEP-0045 §7.12).
    pub async fn reserved_nick(&self, mucjid: impl IntoJid) -> Result<Option<String>> {
        let room = room_jid(mucjid)?;
        let r = room.clone();
        match self
            .request(Target::Jid(room), move |router, now| {
                Ok(router.reserved_nick(&r, now))
            })
            .await?
        {
            Response::ReservedNick(n) => Ok(n),
            other => Err(unexpected(&other)),
        }
    }

    /// Fetches the registration form of `mucjid` (XEP-0045 §7.10).
    pub async fn registration_form(&self, mucjid: impl IntoJid) -> Result<Registration> {
        let room = room_jid(mucjid)?;
        let r = room.clone();
        match self
            .request(Target::Jid(room), move |router, now| {
                Ok(router.registration_form(&r, now))
            })
            .await?
        {
            Response::Registration { form, registered } => Ok(Registration { form, registered }),
            other => Err(unexpected(&other)),
        }
    }

    /// Registers with `mucjid` (submits the filled form).
    pub async fn register(&self, mucjid: impl IntoJid, form: &RegistrationForm) -> Result<()> {
        let room = room_jid(mucjid)?;
        let r = room.clone();
        let form = form.to_submit();
        done(
            self.request(Target::Jid(room), move |router, now| {
                Ok(router.register(&r, form, now))
            })
            .await?,
        )
    }

    // ----- invitations -----

    /// Invites `invitee` to `mucjid` directly (XEP-0249), joined or not;
    /// the room's password goes along if we are in it with one.
    pub fn invite_direct(
        &self,
        mucjid: impl IntoJid,
        invitee: impl IntoJid,
        reason: Option<&str>,
    ) -> Result<()> {
        let room = room_jid(mucjid)?;
        let invitee = invitee.into_jid()?;
        let reason = reason.map(str::to_owned);
        let r = room.clone();
        self.act_nowait(Target::Jid(room), move |router, _| {
            router.invite(&r, vec![invitee], reason, InviteMode::Direct)
        })
    }

    /// Declines a mediated invitation (XEP-0045 §7.8.2): the room tells the
    /// inviter. Direct invitations (XEP-0249) have no decline.
    pub fn decline(&self, invitation: &Invitation, reason: Option<&str>) -> Result<()> {
        let inviter = match (&invitation.mode, &invitation.inviter) {
            (InviteMode::Mediated, Some(inviter)) => inviter.clone(),
            (InviteMode::Mediated, None) => {
                return Err(Error::InvalidArgument(
                    "the invitation does not name the inviter".into(),
                ));
            }
            (InviteMode::Direct, _) => {
                return Err(Error::InvalidArgument(
                    "a direct invitation cannot be declined through the room".into(),
                ));
            }
        };
        let room = invitation.room.clone();
        let reason = reason.map(str::to_owned);
        self.act_nowait(Target::Service, move |router, _| {
            router.decline(&room, inviter, reason)
        })
    }
}

/// The reply to a change: `Done` (or `Left`).
pub(crate) fn done(resp: Response) -> Result<()> {
    match resp {
        Response::Done | Response::Left => Ok(()),
        other => Err(unexpected(&other)),
    }
}

pub(crate) fn items(resp: Response) -> Result<Vec<AdminItem>> {
    match resp {
        Response::Items(items) => Ok(items),
        other => Err(unexpected(&other)),
    }
}

pub(crate) fn unexpected(resp: &Response) -> Error {
    Error::Request(muc_core::RequestError::BadResponse(format!(
        "unexpected answer {resp:?}"
    )))
}
