//! Sans-IO logic for XMPP Multi-User Chat (XEP-0045) clients.
//!
//! This crate makes every MUC protocol decision and does no I/O: no sockets,
//! no tokio, no clock of its own. Stanzas, stream changes and the time come
//! in as arguments; events, stanzas to send and the next deadline come out.
//! That makes it deterministic, so it is tested, replayed and fuzzed
//! without a network (the pattern of `quinn-proto` under `quinn`).
//!
//! * [`Router`]: one XMPP session's rooms; routes stanzas, owns pending
//!   requests and invitations (the twin of aioxmpp's `MUCClient`).
//! * [`Room`]: one room's state machine (joining → history → live → exited,
//!   suspended across stream loss).
//! * [`RoomEvent`]: one variant per seed signal, and more.
//!
//! ```
//! use std::time::Instant;
//! use muc_core::{Event, JoinOptions, Router, RouterConfig, RoomEvent};
//! use xmpp_parsers::presence::Presence;
//!
//! let now = Instant::now();
//! let mut router = Router::new(RouterConfig::default());
//! router.stream_established("hag66@shakespeare.lit/pda".parse().unwrap(), now);
//! router.join("coven@chat.shakespeare.lit".parse().unwrap(), "thirdwitch", JoinOptions::default(), now).unwrap();
//!
//! // The router wants to send the join presence (and a disco#info query).
//! let mut sent = Vec::new();
//! while let Some(t) = router.poll_transmit() {
//!     sent.push(t.stanza);
//! }
//! assert_eq!(sent.len(), 2);
//!
//! // The room answers with our self-presence.
//! let answer: Presence = "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch'>\
//!     <x xmlns='http://jabber.org/protocol/muc#user'>\
//!     <item affiliation='member' role='participant'/><status code='110'/></x></presence>"
//!     .parse::<minidom::Element>().unwrap().try_into().unwrap();
//! assert!(router.handle_presence(answer, now).is_none(), "consumed");
//! match router.poll_event() {
//!     Some(Event::Room { event: RoomEvent::Enter { occupant, .. }, .. }) => {
//!         assert_eq!(occupant.nick(), "thirdwitch");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod capability;
mod dedup;
mod error;
mod event;
mod id;
mod incoming;
mod invitation;
mod leave_mode;
mod occupant;
mod occupants;
mod requests;
mod room;
mod router;
mod secret;
mod selfping;
mod text;
mod tracking;
pub mod wire;

pub use capability::Capabilities;
pub use error::{JoinError, RequestError, ServerError, UsageError, condition_name};
pub use event::{Cause, Destruction, Event, MessageSource, RoomEvent, Subject};
pub use incoming::{IncomingPresence, InputError};
pub use invitation::{Invitation, InviteMode};
pub use leave_mode::LeaveMode;
pub use occupant::{Occupant, OccupantKey, OccupantRef};
pub use requests::{RequestId, Response, RoomDescription};
pub use room::{JoinOptions, Room, RoomLimits, RoomState, Transmit};
pub use router::{MAX_PAYLOAD_DEPTH, PresenceBytes, QueueLimits, Router, RouterConfig};
pub use secret::{Password, scrub_xml};
pub use selfping::{SelfPingConfig, Verdict, verdict};
pub use tracking::{MatchedBy, TrackerId, TrackerState};

pub use muc_xso;
pub use xmpp_parsers;
