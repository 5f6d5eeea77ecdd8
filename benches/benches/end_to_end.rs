//! End to end: muc-testserver sends the workload over loopback TCP to a
//! muc-client `Room`; presences per second until the last event is
//! received.
//!
//! The client is the library as an application uses it:
//! `Service::connect` (tokio-xmpp's stream, plain TCP), `Service::join`,
//! and the room's event stream. It joins a real room of the embedded
//! server (so the self-presence is the server's own); then the server's
//! fault-injection hook ([`Faults::inject_all`](muc_testserver::Faults::inject_all))
//! queues the workload's 30,000 presences for the client's session, with
//! the room JID of the embedded server (`bench@conference.example.org`)
//! in place of `bench@muc.example.org` and otherwise byte for byte the
//! workload's stanzas. The clock starts before the first injection and
//! stops when the client's stream has delivered the last of the 30,000
//! events (join, status change, leave). So it covers the server writing
//! (one core of two), loopback TCP, tokio-xmpp reading and decoding
//! (rxml, xso), muc-client's driver, muc-core, and the event stream.
//!
//! `cargo bench -p benches --bench end_to_end`

// criterion_group! defines an undocumented function.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use benches::workload::{self, N};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::StreamExt;
use muc_client::{ConnectOptions, JoinOptions, RoomEvent, Service};
use muc_testserver::{Profile, RoomSpec, Server};

const PASSWORD: &str = "benchpw";

/// The timed stanzas as elements, addressed from the embedded server's room.
fn stanzas(room_jid: &str) -> Vec<minidom::Element> {
    workload::timed_stanzas(N)
        .iter()
        .map(|s| benches::depth::element(&s.replace(workload::ROOM, room_jid)))
        .collect()
}

/// One run: connect, join, inject, wait for the last event. Returns the
/// time from the first injection to the last event.
async fn run(server: &Server, elements: &[minidom::Element]) -> Duration {
    let options = ConnectOptions {
        resource: Some("bench".into()),
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
        match events.next().await.expect("event stream") {
            RoomEvent::Join { .. } | RoomEvent::StatusChange { .. } | RoomEvent::Leave { .. } => {
                seen += 1
            }
            _ => {}
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(room.occupants().len(), 1);
    drop(events);
    let _ = room.leave_and_wait().await;
    service.close().await;
    elapsed
}

fn end_to_end(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
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
    let elements = stanzas(&server.room_jid("bench"));
    let mut g = c.benchmark_group("presence");
    g.throughput(Throughput::Elements(3 * N as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("end-to-end", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| rt.block_on(run(&server, &elements)))
                .sum()
        })
    });
    g.finish();
    rt.block_on(server.shutdown());
}

criterion_group!(benches, end_to_end);
criterion_main!(benches);
