//! muc-client against muc-testserver over real TCP with real tokio-xmpp
//! clients. One binary, one module per area.

mod beyond;
mod common;
mod fault_matrix;
mod resilience;
mod seed_join;
mod seed_room;
mod seed_signals;
mod smoke;
mod transports;
