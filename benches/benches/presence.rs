//! Presence processing at four depths on the shared workload
//! (research/bench/WORKLOAD.md): one iteration is the whole workload on a
//! fresh, joined room (10,000 joins, 10,000 status changes, 10,000
//! leaves), so throughput is in presences. Room and inputs are built in
//! `iter_batched`'s setup, outside the measurement.
//!
//! `cargo bench -p benches --bench presence`

// criterion_group! defines an undocumented function.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use benches::depth;
use benches::workload::{N, Phase};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use muc_core::IncomingPresence;
use muc_core::wire::PresenceDecoder;
use xmpp_parsers::presence::Presence;

fn presence(c: &mut Criterion) {
    let now = Instant::now();
    let stanzas: Vec<Vec<String>> = Phase::ALL.iter().map(|p| p.stanzas(N)).collect();
    let mut g = c.benchmark_group("presence");
    g.throughput(Throughput::Elements(3 * N as u64));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));

    // 1. Decoded presences applied to the room, events drained.
    let decoded: Vec<Vec<IncomingPresence>> =
        Phase::ALL.iter().map(|p| depth::decoded(*p, N)).collect();
    g.bench_function("applied", |b| {
        b.iter_batched(
            || (depth::joined_room(now), decoded.clone()),
            |(mut room, inputs)| {
                for i in inputs {
                    depth::applied(&mut room, i, now);
                }
                room
            },
            BatchSize::PerIteration,
        )
    });

    // 2a. From minidom::Element: xmpp-parsers' Presence, muc-xso, the room.
    let elements: Vec<Vec<minidom::Element>> =
        Phase::ALL.iter().map(|p| depth::elements(*p, N)).collect();
    g.bench_function("element", |b| {
        b.iter_batched(
            || (depth::joined_room(now), elements.clone()),
            |(mut room, inputs)| {
                for i in inputs {
                    depth::element_depth(&mut room, i, now);
                }
                room
            },
            BatchSize::PerIteration,
        )
    });

    // 2b. From xmpp-parsers' Presence, which is what tokio-xmpp 6 actually
    // hands out (it decodes stanzas with xso straight from the stream):
    // muc-xso and the room.
    let typed: Vec<Vec<Presence>> = elements
        .iter()
        .map(|v| {
            v.iter()
                .map(|e| Presence::try_from(e.clone()).expect("presence"))
                .collect()
        })
        .collect();
    g.bench_function("typed", |b| {
        b.iter_batched(
            || (depth::joined_room(now), typed.clone()),
            |(mut room, inputs)| {
                for i in inputs {
                    depth::typed(&mut room, i, now);
                }
                room
            },
            BatchSize::PerIteration,
        )
    });

    // 3. From each stanza's bytes through muc-core's decoder.
    g.bench_function("bytes", |b| {
        b.iter_batched(
            || (depth::joined_room(now), PresenceDecoder::new()),
            |(mut room, mut decoder)| {
                for s in &stanzas {
                    depth::bytes(&mut room, &mut decoder, s, now);
                }
                room
            },
            BatchSize::PerIteration,
        )
    });

    // 4. quick-xml NsReader over the same bytes: the ceiling.
    let stream = depth::baseline_stream(&stanzas.concat());
    g.bench_function("baseline", |b| b.iter(|| depth::baseline(&stream)));
    g.finish();
}

/// `Room::occupants()` on a room of 10,000 (what muc-client copies into
/// its room snapshot after each step).
fn snapshot(c: &mut Criterion) {
    let now = Instant::now();
    let mut room = depth::joined_room(now);
    depth::applied(&mut room, depth::decoded(Phase::Join, N), now);
    assert_eq!(room.occupant_count(), N + 1);
    let mut g = c.benchmark_group("room");
    g.throughput(Throughput::Elements(N as u64 + 1));
    g.bench_function("occupants-10k", |b| b.iter(|| room.occupants()));
    g.finish();
}

criterion_group!(benches, presence, snapshot);
criterion_main!(benches);
