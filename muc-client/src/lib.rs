//! XMPP Multi-User Chat (XEP-0045) for tokio: [`Service`] and [`Room`]
//! handles over tokio-xmpp, with every protocol decision made by
//! [`muc_core`].
//!
//! ```
//! use futures::StreamExt;
//! use muc_client::{ConnectOptions, JoinOptions, RoomEvent, Service};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = muc_testserver::Server::builder().user("alice", "alicepw").start().await?;
//! # let addr = server.addr();
//! // One call connects (plain TCP to an IP:PORT; here the embedded test server).
//! let service = Service::connect("alice@localhost", "alicepw", addr, ConnectOptions::default()).await?;
//!
//! // `join` is not async: the room and its event stream exist before any
//! // event can happen, so none is missed.
//! let (room, joined) = service.join("lobby@conference.localhost", "Alice", JoinOptions::default())?;
//! let mut events = room.events();
//! let entered = joined.await?;
//! if entered.created {
//!     room.create_instant().await?; // a new room is locked until configured
//! }
//!
//! let tracker = room.send_tracked_message("Hello, room!", None).await?;
//! tracker.wait_final().await?; // the room reflected it
//! while let Some(event) = events.next().await {
//!     if let RoomEvent::Message { message, nick, .. } = event {
//!         println!("<{}> {:?}", nick.unwrap_or_default(), message.bodies);
//!         break;
//!     }
//! }
//! assert_eq!(room.occupants()[0].nick(), "Alice"); // the local user first
//!
//! room.leave_and_wait().await?;
//! service.close().await;
//! # Ok(())
//! # }
//! ```
//!
//! # The pieces
//!
//! * [`Service`]: one XMPP session's MUC side. [`Service::join`] returns a
//!   [`Room`] and a [`JoinFuture`]; the requests that need no joined room
//!   ([`set_affiliation`](Service::set_affiliation),
//!   [`room_info`](Service::room_info),
//!   [`discover_rooms`](Service::discover_rooms), registration,
//!   configuration, destruction ...) live here too.
//! * [`Room`]: the seed's room: synchronous getters ([`active`](Room::active),
//!   [`joined`](Room::joined), [`occupants`](Room::occupants),
//!   [`subject`](Room::subject) ...), actions that return futures
//!   ([`set_role`](Room::set_role), [`set_nick`](Room::set_nick),
//!   [`leave_and_wait`](Room::leave_and_wait) ...) and
//!   [`events`](Room::events), a [`Stream`](futures::Stream) of
//!   [`RoomEvent`]s with every seed signal.
//! * [`MessageTracker`]: where a tracked message is.
//! * [`Error`]: one error type; stanza errors keep their condition and text.
//!
//! # How it runs
//!
//! A driver task owns muc-core's [`Router`](muc_core::Router) and the
//! transport; the handles send it commands. It runs `tokio::select!` over
//! the commands, the transport and a sleep until the router's next
//! deadline. After each step it writes what the router wants sent,
//! refreshes the snapshots of the rooms the step touched, publishes the
//! step's events and only then completes futures: when
//! [`leave_and_wait`](Room::leave_and_wait) returns, [`joined`](Room::joined)
//! is already false and the [`RoomEvent::Exit`] is in the stream. Handles
//! never block on the driver for a getter. Every wait has a deadline
//! (muc-core's: the request timeout, [`JoinOptions::timeout`] also while
//! the stream is down), so nothing hangs, not even on tokio-xmpp's silent
//! reconnects.
//!
//! With [`Service::connect`], the stream is read by a task of this crate
//! once tokio-xmpp has logged in ([`StreamReader::Own`], the default): it
//! cuts the stream into stanzas with muc-core's
//! [`StanzaFramer`](muc_core::wire::StanzaFramer) and hands presences to
//! the driver as bytes, which muc-core decodes without building a tree
//! (in a busy room, most of a client's CPU otherwise goes into
//! tokio-xmpp's XML parsing; see benches/README.md).
//!
//! Events are never dropped; a slow reader makes the driver stop reading
//! the transport until it catches up (see [`events`] for the details and
//! for several subscribers).
//!
//! # Transports
//!
//! * [`Service::connect`]: the library owns the stream (tokio-xmpp's
//!   login over plain TCP, then this crate's own stream reader, or
//!   tokio-xmpp's stanza stream: [`StreamReader`]), notices a lost stream
//!   at once, reconnects and rejoins by itself.
//! * [`Service::connect_with`]: the same through any tokio-xmpp connector
//!   (STARTTLS, DNS).
//! * [`Service::from_client`]: hand over a `tokio_xmpp::Client` you built
//!   (mind the tokio-xmpp 6.0.0 bug described there).
//! * [`Service::application_owned`]: keep your stream; pass stanzas in
//!   ([`AppInbound`]) and out ([`AppOutbound`]), and get back what is not
//!   MUC's.
//! * [`Service::with_transport`]: any [`Transport`].
//!
//! # Rejoining without loss
//!
//! With [`JoinOptions::autorejoin`] (the default), a room whose stream is
//! lost is suspended ([`RoomEvent::Suspend`]) and rejoined on the next
//! stream ([`RoomEvent::Resume`], then [`RoomEvent::Resumed`]), asking for
//! the history since the last message seen; messages seen before are
//! recognized (stanza-id, origin-id, then delay + sender + body) and not
//! shown twice.

#![cfg_attr(not(test), warn(clippy::unwrap_used))]

mod app;
mod client;
mod driver;
mod error;
pub mod events;
mod jids;
mod join;
mod local;
mod own_stream;
mod room;
mod room_actions;
mod service;
mod service_requests;
mod state;
mod tracker;
mod transport;
mod xmpp;

pub use app::{AppInbound, AppLink, AppOutbound};
pub use error::{Error, Result};
pub use events::{EventQueue, EventStream, RoomEvents, ServiceEvent, ServiceEvents};
pub use jids::IntoJid;
pub use join::{Entered, JoinFuture};
pub use room::Room;
pub use room_actions::MessageContent;
pub use service::{Service, ServiceOptions};
pub use service_requests::Registration;
pub use tracker::{DEFAULT_TRACKING_TIMEOUT, MessageTracker};
pub use transport::{RawPresence, Receipt, ReturnSlot, Transport, TransportEvent};
pub use xmpp::{ConnectOptions, StreamReader};

pub use muc_core::muc_xso::forms::{
    RegistrationForm, RoomConfig, RoomFeatures, RoomInfo, VoiceRequest, Whois,
};
pub use muc_core::muc_xso::{AdminItem, Affiliation, History, Role, StatusCode, UserActor};
pub use muc_core::{
    Capabilities, Cause, Destruction, Invitation, InviteMode, JoinError, JoinOptions, LeaveMode,
    MatchedBy, MessageSource, Occupant, OccupantKey, OccupantRef, Password, RequestError,
    RoomDescription, RoomEvent, RoomState, SelfPingConfig, ServerError, Subject, TrackerId,
    TrackerState, UsageError,
};

pub use jid;
pub use muc_core;
pub use tokio_xmpp;
pub use xmpp_parsers;
