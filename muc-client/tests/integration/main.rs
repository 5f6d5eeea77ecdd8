//! muc-client against muc-testserver over real TCP with real tokio-xmpp
//! clients. One binary, one module per area.

mod common;
mod seed_join;
mod seed_room;
mod smoke;
mod transports;
