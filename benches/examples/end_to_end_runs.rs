//! The end-to-end depth run many times in one process, one line per run:
//! presences per second, and the CPU time the whole process used for the
//! run (server and client share it; connecting, joining and leaving
//! included). The criterion bench
//! (`benches/end_to_end.rs`) gives one estimate over many runs; this shows
//! the run-to-run spread behind it, which on a 2-core machine is large:
//! some runs take ~40 % more CPU for the same work (see benches/README.md).
//!
//! `cargo run -p benches --release --example end_to_end_runs -- [runs]`
//! (default 20 runs, after one warm-up run).

use std::time::{Duration, Instant};

use benches::workload::{self, N};
use futures::StreamExt;
use muc_client::{ConnectOptions, JoinOptions, RoomEvent, Service};
use muc_testserver::{Profile, RoomSpec, Server};

const PASSWORD: &str = "benchpw";

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

/// One run, as in the criterion bench: connect, join, inject the workload,
/// wait for the last event. Returns the time from the injection on.
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
    let start = Instant::now();
    assert_eq!(server.faults().inject_all(&own, batch), 1);
    let mut seen = 0;
    while seen < 3 * N {
        if let RoomEvent::Join { .. } | RoomEvent::StatusChange { .. } | RoomEvent::Leave { .. } =
            events.next().await.expect("event stream")
        {
            seen += 1;
        }
    }
    let elapsed = start.elapsed();
    drop(events);
    let _ = room.leave_and_wait().await;
    service.close().await;
    elapsed
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
        .max(1);
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
    let room_jid = server.room_jid("bench");
    let elements: Vec<minidom::Element> = workload::timed_stanzas(N)
        .iter()
        .map(|s| benches::depth::element(&s.replace(workload::ROOM, &room_jid)))
        .collect();
    rt.block_on(run(&server, &elements));
    let mut rates = Vec::with_capacity(runs);
    for i in 0..runs {
        let cpu = process_cpu();
        let time = rt.block_on(run(&server, &elements));
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
        "end-to-end: median {:.0}/s, worst {:.0}/s, best {:.0}/s over {runs} runs",
        rates[runs / 2],
        rates[0],
        rates[runs - 1]
    );
    rt.block_on(server.shutdown());
}
