//! The scenarios, written once against muc-client's public API (as a user
//! would write them) and run on every backend. Each is tagged with the
//! XEP-0045 section it exercises; where a server deviates from the XEP, the
//! scenario says so for that server ([`Outcome::Differs`](crate::runner::Outcome))
//! instead of weakening the check for all.
//!
//! A group is one file, or a folder whose `mod.rs` concatenates its
//! files' scenarios in report order (one file per subsection or two).
//!
//! | group | sections |
//! |---|---|
//! | [`discovery`] | §6 service and room discovery |
//! | [`enter`] | §7.2 entering a room (basic, access, status, history) |
//! | [`occupants`] | §7.2.3, §7.6, §7.7 presence broadcast, occupants, nick changes |
//! | [`messages`] | §7.4, §7.5, §8.1 groupchat, private messages, subject |
//! | [`exit`] | §7.14 exiting a room |
//! | [`invites`] | §7.8, §7.10, §7.12, §7.13 invitations, registration, voice requests |
//! | [`session`] | self-ping (XEP-0410), reconnect and autorejoin, tracking |
//! | [`moderation`] | §8 moderator use cases (kick, voice) |
//! | [`admin`] | §9 admin use cases (ban, member, moderator) |
//! | [`owner`] | §10 owner use cases (create, config, owners, admins, destroy) |
//!
//! [`support`] holds what they share (connecting, rooms, waits, checks, a
//! TCP proxy).

pub mod support;

pub mod admin;
pub mod discovery;
pub mod enter;
pub mod exit;
pub mod invites;
pub mod messages;
pub mod moderation;
pub mod occupants;
pub mod owner;
pub mod session;
