//! An in-process XMPP server with a full XEP-0045 (Multi-User Chat) service,
//! scripting and fault injection, for tests.
//!
//! Unmodified XMPP clients (tokio-xmpp 6 among them) connect to it over
//! loopback TCP: stream negotiation on tokio-xmpp's accepting `xmlstream`,
//! SASL PLAIN (and SCRAM when asked for), resource binding, routing between
//! local sessions, disco, and a MUC service at `conference.<domain>` that
//! behaves like Prosody 0.12 or ejabberd 23.01 ([`Profile`]).
//!
//! ```
//! use muc_testserver::{Affiliation, Profile, RoomSpec, Server};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Server::builder()
//!     .user("alice", "alicepw")
//!     .user("bob", "bobpw")
//!     .room(
//!         RoomSpec::new("lobby", Profile::Prosody)
//!             .with_affiliation("alice@localhost", Affiliation::Owner)
//!             .with_subject("Welcome"),
//!     )
//!     .start()
//!     .await?;
//! println!("connect to {}", server.addr()); // 127.0.0.1:PORT
//! assert_eq!(server.room_jid("lobby"), "lobby@conference.localhost");
//! assert!(server.room("lobby").is_some());
//! // A tokio-xmpp client connects with
//! // Client::new_plaintext(jid, pw, DnsConfig::addr(&server.addr().to_string()), Timeouts::tight())
//! // or, owned by one task (tokio-xmpp 6.0.0's Client can lose inbound
//! // stanzas under load; this crate's tests use the stream directly),
//! // StanzaStream::new_c2s(TcpServerConnector(DnsConfig::addr(..)), jid, pw, Timeouts::tight(), 16)
//! server.shutdown().await; // or just drop it
//! # Ok(())
//! # }
//! ```
//!
//! # Faults
//!
//! [`Server::faults`] gives a [`Faults`] handle: rules ([`Rule`]) that drop,
//! delay, duplicate, rewrite or inject stanzas per session or per room, cut a
//! session's TCP connection at a chosen moment, plus direct controls
//! ([`Faults::inject`], [`Faults::inject_raw`] for bytes no XML writer
//! would send, [`Faults::cut`], [`Faults::restart_muc`],
//! [`Faults::remove_with_error`], [`Faults::slow_answers`]). See the
//! [`faults`] module.
//!
//! # Bad input
//!
//! Malformed XML, elements that are not stanzas, oversized stanzas and
//! floods end the offending session with a stream error; invalid stanzas get
//! a stanza error. Other sessions are not affected.
//!
//! # Design
//!
//! One task per connection (`session`), one lock around the routing state
//! (`router`): stanzas are produced in a single, deterministic order and
//! queued per session, so a kick's presences reach everyone before the IQ
//! result, exactly as on the real servers. The MUC service works on raw
//! `minidom::Element`s so that what goes on the wire is what the service
//! built, attribute for attribute.

pub mod faults;
mod local;
mod muc;
mod profile;
mod raw;
mod router;
mod sasl;
mod server;
mod session;
mod stanza;
mod wire;

pub use faults::{Action, Direction, Faults, Rule, RuleBuilder, RuleId, predicates};
pub use muc::affiliations::{Affiliation, Role};
pub use muc::config::RoomConfig;
pub use muc::{RoomInfo, RoomSpec};
pub use profile::{Profile, UnknownProfile};
pub use server::{Server, ServerBuilder, StartError};

/// Namespaces used on the wire, for building stanzas in tests.
pub mod ns {
    pub use crate::stanza::{
        NS_CAPS as CAPS, NS_CLIENT as CLIENT, NS_CONFERENCE as CONFERENCE, NS_DATA as DATA,
        NS_DELAY as DELAY, NS_DISCO_INFO as DISCO_INFO, NS_DISCO_ITEMS as DISCO_ITEMS,
        NS_MUC as MUC, NS_MUC_ADMIN as MUC_ADMIN, NS_MUC_OWNER as MUC_OWNER,
        NS_MUC_REQUEST as MUC_REQUEST, NS_MUC_USER as MUC_USER, NS_OCCUPANT_ID as OCCUPANT_ID,
        NS_PING as PING, NS_REGISTER as REGISTER, NS_SID as SID,
    };
}
