//! End to end: muc-testserver sends the workload over loopback TCP to a
//! muc-client `Room`; presences per second until the last event is
//! received.
//!
//! The client is the library as an application uses it:
//! `Service::connect` (plain TCP, default options: the crate's own stream
//! reader after tokio-xmpp's login), `Service::join`, and the room's event
//! stream. `end-to-end (tokio-xmpp reader)` is the same with
//! [`StreamReader::TokioXmpp`] (tokio-xmpp's `StanzaStream` parses every
//! stanza). The client joins a real room of the embedded server (so the
//! self-presence is the server's own); then the server's fault-injection
//! hook ([`Faults::inject_all`](muc_testserver::Faults::inject_all))
//! queues the workload's 30,000 presences for the client's session, with
//! the room JID of the embedded server (`bench@conference.example.org`)
//! in place of `bench@muc.example.org` and otherwise byte for byte the
//! workload's stanzas. The clock starts before the first injection and
//! stops when the client's stream has delivered the last of the 30,000
//! events (join, status change, leave). So it covers the server writing
//! (one core of two), loopback TCP, the reading and decoding (muc-core's
//! framer and presence decoder, or tokio-xmpp's rxml and xso),
//! muc-client's driver, muc-core, and the event stream.
//!
//! `cargo bench -p benches --bench end_to_end`

// criterion_group! defines an undocumented function.
#![allow(missing_docs)]

use std::time::Duration;

use benches::workload::N;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use muc_client::StreamReader;

#[path = "../shared/end_to_end.rs"]
mod e2e;

fn end_to_end(c: &mut Criterion) {
    let rt = e2e::runtime();
    let (server, elements) = e2e::setup(&rt);
    let mut g = c.benchmark_group("presence");
    g.throughput(Throughput::Elements(3 * N as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    for (name, reader) in [
        ("end-to-end", StreamReader::Own),
        ("end-to-end (tokio-xmpp reader)", StreamReader::TokioXmpp),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| rt.block_on(e2e::run(&server, &elements, reader)))
                    .sum()
            })
        });
    }
    g.finish();
    rt.block_on(server.shutdown());
}

criterion_group!(benches, end_to_end);
criterion_main!(benches);
