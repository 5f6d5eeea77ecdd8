//! muc-client against muc-testserver over real TCP with real tokio-xmpp
//! clients. One binary, one module per area. `tests/own_reader.rs` runs
//! the same tests with the crate's own stream reader.

/// What reads the streams of this binary's services.
const READER: muc_client::StreamReader = muc_client::StreamReader::TokioXmpp;

mod beyond;
mod common;
mod fault_matrix;
mod hostile_stream;
mod resilience;
mod seed_join;
mod seed_room;
mod seed_signals;
mod smoke;
mod transports;
