//! Presence processing at five depths on the shared workload
//! (research/bench/WORKLOAD.md): one iteration is the whole workload on a
//! fresh, joined room (10,000 joins, 10,000 status changes, 10,000
//! leaves), so throughput is in presences. Rooms are built outside the
//! measurement; applied, element and typed get their inputs stanza by
//! stanza, built outside the clock (`depth::delivered`); bytes and
//! baseline read the stanzas' bytes.
//!
//! `cargo bench -p benches --bench presence`

// criterion_group! defines an undocumented function.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use benches::depth::{self, PhaseRun};
use benches::workload::{N, Phase};
use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main,
};
use muc_core::Room;
use muc_core::wire::PresenceDecoder;

fn presence(c: &mut Criterion) {
    let now = Instant::now();
    let stanzas = Phase::ALL.map(|p| p.stanzas(N));
    let mut g = c.benchmark_group("presence");
    g.throughput(Throughput::Elements(3 * N as u64));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));

    // 1. Presences decoded by muc-core, applied to the room, events drained.
    delivered(&mut g, "applied", now, &stanzas, depth::applied);

    // 2a. From minidom::Element: the library's own reading of the tree
    // (`IncomingPresence::from_element`, muc-xso for the payload), the room.
    delivered(&mut g, "element", now, &stanzas, depth::element_depth);

    // 2b. From xmpp-parsers' Presence, which is what tokio-xmpp 6 actually
    // hands out (it decodes stanzas with xso straight from the stream):
    // muc-xso and the room.
    delivered(&mut g, "typed", now, &stanzas, depth::typed);

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
/// its room snapshot when it rebuilds it).
fn snapshot(c: &mut Criterion) {
    let now = Instant::now();
    let mut room = depth::joined_room(now);
    depth::applied(&mut room, &Phase::Join.stanzas(N), now);
    assert_eq!(room.occupant_count(), N + 1);
    let mut g = c.benchmark_group("room");
    g.throughput(Throughput::Elements(N as u64 + 1));
    g.bench_function("occupants-10k", |b| b.iter(|| room.occupants()));
    g.finish();
}

/// Benchmarks a depth whose inputs are delivered stanza by stanza and
/// timed stanza by stanza (`depth::element_depth`, `depth::typed`): a
/// fresh joined room per iteration, outside the measurement, then the
/// three phases; the measurement is the sum of what `run` timed.
fn delivered(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    now: Instant,
    stanzas: &[Vec<String>; 3],
    run: impl Fn(&mut Room, &[String], Instant) -> PhaseRun,
) {
    g.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut room = depth::joined_room(now);
                for s in stanzas {
                    total += run(&mut room, s, now).time;
                }
            }
            total
        })
    });
}

criterion_group!(benches, presence, snapshot);
criterion_main!(benches);
