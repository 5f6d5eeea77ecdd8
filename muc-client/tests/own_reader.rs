//! The integration tests (`tests/integration/`) again, every service
//! reading its stream with [`StreamReader::Own`] instead of tokio-xmpp's
//! `StanzaStream`: the same behaviour is expected of both.

use muc_client::StreamReader;

/// What reads the streams of this binary's services.
const READER: StreamReader = StreamReader::Own;

#[path = "integration/beyond.rs"]
mod beyond;
#[path = "integration/common.rs"]
mod common;
#[path = "integration/fault_matrix.rs"]
mod fault_matrix;
#[path = "integration/hostile_stream.rs"]
mod hostile_stream;
#[path = "integration/resilience.rs"]
mod resilience;
#[path = "integration/seed_join.rs"]
mod seed_join;
#[path = "integration/seed_room.rs"]
mod seed_room;
#[path = "integration/seed_signals.rs"]
mod seed_signals;
#[path = "integration/smoke.rs"]
mod smoke;
#[path = "integration/transports.rs"]
mod transports;
