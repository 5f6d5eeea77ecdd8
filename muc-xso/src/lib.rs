//! Typed wire types for XMPP Multi-User Chat (XEP-0045) and direct
//! invitations (XEP-0249), built on the `xso` derives that `xmpp-parsers`
//! uses, so every type converts to and from [`minidom::Element`] and rides in
//! `xmpp-parsers`' `Presence`, `Message` and `Iq`.
//!
//! ```
//! use muc_xso::{GenericExt, History, Payload, UserExt, StatusCode};
//! use xmpp_parsers::presence::Presence;
//!
//! // The join presence a client sends ...
//! let join = Presence::available()
//!     .with_to("coven@chat.shakespeare.lit/thirdwitch".parse::<jid::FullJid>().unwrap())
//!     .with_payload(GenericExt::new().with_history(History::new().with_maxstanzas(20)));
//! assert!(GenericExt::find_in(&join.payloads).is_some());
//!
//! // ... and the self-presence the room answers with.
//! let answer: minidom::Element = "<presence xmlns='jabber:client' \
//!     from='coven@chat.shakespeare.lit/thirdwitch' to='hag66@shakespeare.lit/pda'>\
//!     <x xmlns='http://jabber.org/protocol/muc#user'>\
//!       <item affiliation='member' role='participant'/>\
//!       <status code='110'/><status code='999'/>\
//!     </x></presence>".parse().unwrap();
//! let answer = Presence::try_from(answer).unwrap();
//! let x = UserExt::find_in(&answer.payloads).unwrap().unwrap();
//! assert!(x.has_status(StatusCode::SELF_PRESENCE));
//! // Unknown codes are kept, not rejected.
//! assert_eq!(x.status_codes().collect::<Vec<_>>(), [StatusCode(110), StatusCode(999)]);
//! ```
//!
//! # Tolerant and lossless
//!
//! * Unknown attributes are ignored and unknown children in foreign
//!   namespaces are kept (`extra`), so they never make a stanza fail.
//! * Status codes are numbers ([`StatusCode`]), so a code this crate does not
//!   know is kept rather than rejected.
//! * Children of `muc#user` `<x/>` keep their document order, so what was
//!   parsed serializes back to the same XML tree.
//! * Invalid values (`affiliation='boss'`, `code='abc'`, a malformed JID)
//!   give an [`Error::InvalidAttribute`] naming the element and attribute.
//!
//! Outside these namespaces everything comes from `xmpp-parsers`: data
//! forms, stanza errors, delay, stanza-id, occupant-id and disco.

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod admin;
mod affiliation;
mod codec;
mod direct_invite;
mod error;
mod fast;
pub mod forms;
mod generic;
pub mod ns;
mod owner;
mod payload;
mod redact;
mod status;
mod user;

pub use admin::{AdminActor, AdminItem, AdminQuery};
pub use affiliation::{Affiliation, Role, UnknownValue};
pub use direct_invite::DirectInvite;
pub use error::Error;
pub use forms::{RegistrationForm, RoomConfig, RoomFeatures, RoomInfo, VoiceRequest, Whois};
pub use generic::{GenericExt, History};
pub use owner::{DestroyRequest, OwnerQuery};
pub use payload::Payload;
pub use status::{Status, StatusCode};
pub use user::{
    Continue, Decline, DestroyNotification, Invite, UserActor, UserChild, UserExt, UserItem,
};

pub use xmpp_parsers::date::DateTime;
