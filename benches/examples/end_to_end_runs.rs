//! The end-to-end depth run many times in one process, one line per run:
//! presences per second, and the CPU time the whole process used for the
//! run (server and client share it; connecting, joining and leaving
//! included). The criterion bench
//! (`benches/end_to_end.rs`) gives one estimate over many runs; this shows
//! the run-to-run spread behind it, which on a 2-core machine is large:
//! some runs take ~40 % more CPU for the same work (see benches/README.md).
//!
//! `cargo run -p benches --release --example end_to_end_runs -- [runs] [tokio-xmpp]`
//! (default 20 runs, after one warm-up run; `tokio-xmpp`: the stream read
//! by [`StreamReader::TokioXmpp`] instead of the crate's own reader).

use std::time::Duration;

use benches::workload::N;
use muc_client::StreamReader;

#[path = "../shared/end_to_end.rs"]
mod e2e;

/// CPU time of this process so far (user + system, from
/// `/proc/self/stat`, in clock ticks of 10 ms); zero where unavailable.
fn process_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
        .max(1);
    let (reader, name) = match std::env::args().nth(2).as_deref() {
        Some("tokio-xmpp") => (StreamReader::TokioXmpp, "end-to-end (tokio-xmpp reader)"),
        _ => (StreamReader::Own, "end-to-end"),
    };
    let rt = e2e::runtime();
    let (server, elements) = e2e::setup(&rt);
    rt.block_on(e2e::run(&server, &elements, reader));
    let mut rates = Vec::with_capacity(runs);
    for i in 0..runs {
        let cpu = process_cpu();
        let time = rt.block_on(e2e::run(&server, &elements, reader));
        let rate = 3.0 * N as f64 / time.as_secs_f64();
        let cpu = process_cpu().saturating_sub(cpu);
        println!(
            "run {i}: {rate:.0} presences/s, process CPU {} ms",
            cpu.as_millis()
        );
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "{name}: median {:.0}/s, worst {:.0}/s, best {:.0}/s over {runs} runs",
        rates[runs / 2],
        rates[0],
        rates[runs - 1]
    );
    rt.block_on(server.shutdown());
}
