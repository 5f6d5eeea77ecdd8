//! Benchmarks of MUC presence processing on the shared workload.
//!
//! The workload is `research/bench/WORKLOAD.md` (10,000 occupants join,
//! change status and leave), generated here byte for byte ([`workload`]).
//! The same measurement code ([`depth`]) backs the criterion benches
//! (`cargo bench -p benches`) and the `workload-summary` binary, so both
//! report the same thing:
//!
//! 1. `applied`: decoded presences applied to a `muc_core::Room`, events
//!    drained;
//! 2. `element`: from `minidom::Element` through the library's own reading
//!    of the tree (`PresenceDecoder::decode_element`, muc-xso for the
//!    `muc#user` payload) into the room; `typed` starts from xmpp-parsers'
//!    `Presence` instead, which is what tokio-xmpp 6 hands out;
//! 3. `bytes`: from each stanza's bytes through muc-core's own decoder
//!    ([`muc_core::wire`]) into the room;
//! 4. `baseline`: quick-xml's `NsReader` over the same bytes, every
//!    attribute decoded, nothing built: the ceiling for any decoder.

pub mod depth;
pub mod memory;
pub mod workload;
