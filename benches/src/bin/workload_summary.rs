//! Runs depths 1–4 of the presence workload (with 2b, typed) and the memory measurement in
//! one process and prints one line per figure:
//!
//! ```text
//! applied: <presences/s>
//! element: <presences/s>
//! typed: <presences/s>
//! bytes: <presences/s>
//! baseline: <presences/s>
//! bytes/baseline: <ratio>
//! memory per occupant: <bytes>
//! ```
//!
//! Each throughput is `3N / (join + status + leave time)` for one run of
//! the whole workload on a fresh room, the median over `--rounds` runs
//! (default 7) after one warm-up run. Times are wall-clock; with `--cpu`
//! they are the thread's CPU time instead (steadier on a busy machine).
//! Details (per phase, spread, the other clock, RSS) go to stderr.
//! `cargo run -p benches --release --bin workload-summary`.

use std::time::{Duration, Instant};

use benches::depth::{self, PhaseRun};
use benches::memory;
use benches::workload::{N, Phase};
use muc_core::wire::PresenceDecoder;

// `allocation-counter` installs its counting global allocator: it counts
// per thread, in plain thread-local fields, for the memory figure, and is
// told not to count while the speed depths run (it then only reads a
// thread-local flag per allocation). `cap`, the counter used before,
// made an atomic read-modify-write per allocation and per free in every
// depth: the element depth, which frees a whole tree per presence, ran
// 16 % slower under it.
use allocation_counter as _;

/// The depths, in the order they are measured and printed.
const DEPTHS: [&str; 5] = ["applied", "element", "typed", "bytes", "baseline"];

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs `round` (one whole workload: three phases) `rounds` times after a
/// warm-up; returns the median throughput and the per-phase medians.
fn measure(
    name: &str,
    n: usize,
    rounds: usize,
    cpu_clock: bool,
    mut round: impl FnMut() -> [PhaseRun; 3],
) -> f64 {
    let check = |runs: &[PhaseRun; 3]| {
        let events: usize = runs.iter().map(|r| r.events).sum();
        assert_eq!(
            events,
            depth::expected_events(n),
            "{name}: every presence must raise its event"
        );
    };
    check(&round());
    let mut totals = Vec::with_capacity(rounds);
    let mut cpu_totals = Vec::with_capacity(rounds);
    let mut phases: [Vec<f64>; 3] = Default::default();
    for _ in 0..rounds {
        let runs = round();
        check(&runs);
        let wall: Duration = runs.iter().map(|r| r.time).sum();
        let cpu: Duration = runs.iter().map(|r| r.cpu).sum();
        let pick = |r: &PhaseRun| if cpu_clock { r.cpu } else { r.time };
        totals.push(3.0 * n as f64 / if cpu_clock { cpu } else { wall }.as_secs_f64());
        cpu_totals.push(3.0 * n as f64 / cpu.as_secs_f64());
        for (i, r) in runs.iter().enumerate() {
            phases[i].push(n as f64 / pick(r).as_secs_f64());
        }
    }
    let (min, max) = totals
        .iter()
        .fold((f64::MAX, 0f64), |(lo, hi), t| (lo.min(*t), hi.max(*t)));
    let med = median(&mut totals);
    eprintln!(
        "# {name}: join {:.0}/s, status {:.0}/s, leave {:.0}/s; total median {med:.0}/s over {rounds} rounds (spread {:.1}%, best {max:.0}/s); by thread CPU time {:.0}/s",
        median(&mut phases[0]),
        median(&mut phases[1]),
        median(&mut phases[2]),
        (max - min) / min * 100.0,
        median(&mut cpu_totals),
    );
    med
}

fn main() {
    let mut n = N;
    let mut rounds = 7;
    let mut only: Option<String> = None;
    let mut cpu_clock = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--n" => {
                n = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--n <count>")
            }
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--rounds <count>")
            }
            "--only" => only = args.next(),
            "--cpu" => cpu_clock = true,
            _ => {
                eprintln!(
                    "usage: workload-summary [--n <occupants>] [--rounds <runs>] [--only applied|element|typed|bytes|baseline] [--cpu]"
                );
                std::process::exit(2);
            }
        }
    }
    if let Some(only) = only {
        allocation_counter::opt_out(|| profile(&only, n, rounds, cpu_clock));
        return;
    }
    // Memory first, while the peak RSS is still that of a fresh process.
    let mem = memory::per_occupant(n, |joins| allocation_counter::measure(joins).bytes_current);
    let mut rates = [0.0; DEPTHS.len()];
    allocation_counter::opt_out(|| {
        let workload = Workload::new(n);
        rates = DEPTHS.map(|name| measure(name, n, rounds, cpu_clock, || workload.round(name)));
    });
    let [applied, element, typed, bytes, baseline] = rates;

    eprintln!(
        "# memory: {} B retained heap for {n} occupants; peak RSS grew {} KiB ({:.0} B per occupant)",
        mem.retained_bytes, mem.rss_growth_kib, mem.rss_per_occupant
    );

    println!("applied: {applied:.0}");
    println!("element: {element:.0}");
    println!("typed: {typed:.0}");
    println!("bytes: {bytes:.0}");
    println!("baseline: {baseline:.0}");
    println!("bytes/baseline: {:.2}", bytes / baseline);
    println!("memory per occupant: {:.0}", mem.per_occupant);
}

/// Runs one depth only, `rounds` times (for a profiler, or to compare
/// two builds), and prints its line.
fn profile(depth_name: &str, n: usize, rounds: usize, cpu_clock: bool) {
    let workload = Workload::new(n);
    let rate = measure(depth_name, n, rounds, cpu_clock, || {
        workload.round(depth_name)
    });
    println!("{depth_name}: {rate:.0}");
}

/// What every round starts from: the workload's stanzas, per phase and
/// as the baseline's stream.
struct Workload {
    n: usize,
    now: Instant,
    stanzas: [Vec<String>; 3],
    stream: String,
}

impl Workload {
    fn new(n: usize) -> Workload {
        let stanzas = Phase::ALL.map(|p| p.stanzas(n));
        let stream = depth::baseline_stream(&stanzas.concat());
        Workload {
            n,
            now: Instant::now(),
            stanzas,
            stream,
        }
    }

    /// One round of `depth_name` on a fresh room: the whole workload, the
    /// inputs of the three phases built before the first clock starts.
    fn round(&self, depth_name: &str) -> [PhaseRun; 3] {
        let (n, now) = (self.n, self.now);
        match depth_name {
            "applied" => {
                let mut room = depth::joined_room(now);
                self.stanzas
                    .each_ref()
                    .map(|s| depth::applied(&mut room, s, now))
            }
            "element" => {
                let mut room = depth::joined_room(now);
                self.stanzas
                    .each_ref()
                    .map(|s| depth::element_depth(&mut room, s, now))
            }
            "typed" => {
                let mut room = depth::joined_room(now);
                self.stanzas
                    .each_ref()
                    .map(|s| depth::typed(&mut room, s, now))
            }
            "bytes" => {
                let mut room = depth::joined_room(now);
                let mut decoder = PresenceDecoder::new();
                self.stanzas
                    .each_ref()
                    .map(|s| depth::bytes(&mut room, &mut decoder, s, now))
            }
            "baseline" => {
                // One pass over the whole stream, a third to each phase.
                let clock = depth::Clock::start();
                let seen = depth::baseline(&self.stream);
                assert_eq!(seen, 3 * n);
                let whole = clock.stop(n);
                let r = PhaseRun {
                    time: whole.time / 3,
                    cpu: whole.cpu / 3,
                    events: n,
                };
                [r, r, r]
            }
            other => panic!("unknown depth {other}"),
        }
    }
}
