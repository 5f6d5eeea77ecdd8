//! The end-to-end depth's setup and one run, shared by the criterion bench
//! (`benches/end_to_end.rs`) and the run-by-run example
//! (`examples/end_to_end_runs.rs`), which include this file as a module.

use std::time::{Duration, Instant};

use benches::workload::{self, N};
use futures::StreamExt;
use muc_client::{ConnectOptions, JoinOptions, RoomEvent, Service, StreamReader};
use muc_testserver::{Profile, RoomSpec, Server};
use tokio::runtime::Runtime;

const PASSWORD: &str = "benchpw";

/// The runtime server and client share: 2 workers.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The embedded server with the bench's account and room, and the timed
/// stanzas as elements, addressed from that room.
pub fn setup(rt: &Runtime) -> (Server, Vec<minidom::Element>) {
    let server = rt
        .block_on(
            Server::builder()
                .domain("example.org")
                .user("me", PASSWORD)
                .max_queue(4 * N)
                .max_stanzas_per_second(None)
                .room(RoomSpec::new("bench", Profile::Prosody))
                .start(),
        )
        .expect("server");
    let room_jid = server.room_jid("bench");
    let elements = workload::timed_stanzas(N)
        .iter()
        .map(|s| benches::depth::element(&s.replace(workload::ROOM, &room_jid)))
        .collect();
    (server, elements)
}

/// One run: connect (the stream read by `reader`), join, inject, wait for
/// the last event. Returns the time from the injection to the last event.
pub async fn run(server: &Server, elements: &[minidom::Element], reader: StreamReader) -> Duration {
    let options = ConnectOptions {
        resource: Some("bench".into()),
        reader,
        ..ConnectOptions::default()
    };
    let service = Service::connect("me@example.org", PASSWORD, server.addr(), options)
        .await
        .expect("connect");
    let own = service.own_jid().expect("online").to_string();
    let (room, joined) = service
        .join(
            server.room_jid("bench").as_str(),
            workload::OWN_NICK,
            JoinOptions::default().discover(false).self_ping(None),
        )
        .expect("join");
    let mut events = room.events();
    joined.await.expect("entered");
    let batch = elements.to_vec();
    let faults = server.faults();
    let start = Instant::now();
    assert_eq!(faults.inject_all(&own, batch), 1);
    let mut seen = 0;
    while seen < 3 * N {
        if let RoomEvent::Join { .. } | RoomEvent::StatusChange { .. } | RoomEvent::Leave { .. } =
            events.next().await.expect("event stream")
        {
            seen += 1;
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(room.occupants().len(), 1);
    drop(events);
    let _ = room.leave_and_wait().await;
    service.close().await;
    elapsed
}
