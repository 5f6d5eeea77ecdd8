//! Memory per occupant after the workload's joins (WORKLOAD.md, Memory).
//!
//! Retained heap comes from a counting global allocator: the binary that
//! calls [`per_occupant`] installs one and hands in its reading (net bytes
//! allocated by a closure on this thread). `workload-summary` uses
//! `allocation-counter`, which counts per thread, without atomic
//! read-modify-writes, and can be told not to count while the speed
//! depths run.
//! Peak RSS growth (`VmHWM`, the same figure as `ru_maxrss`) is reported
//! beside it, as the Python scripts do.

use std::time::Instant;

use muc_core::wire::PresenceDecoder;

use crate::depth;
use crate::workload::Phase;

/// The outcome of [`per_occupant`].
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// Heap bytes still allocated after the joins, over the number of
    /// occupants.
    pub per_occupant: f64,
    /// Heap bytes still allocated after the joins.
    pub retained_bytes: i64,
    /// Growth of the peak resident set (`VmHWM`), in KiB.
    pub rss_growth_kib: i64,
    /// That growth in bytes, over the number of occupants.
    pub rss_per_occupant: f64,
}

/// Peak RSS of this process in KiB (`VmHWM` in `/proc/self/status`), if
/// the system has it.
pub fn peak_rss_kib() -> Option<i64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A room that has entered, then `n` joins fed one at a time from bytes
/// (each stanza generated into a reused buffer, decoded, applied, its
/// events drained). `retained` runs the joins it is given and returns the
/// heap bytes they left allocated, by the global allocator's count.
pub fn per_occupant(n: usize, retained: impl FnOnce(&mut dyn FnMut()) -> i64) -> Memory {
    let now = Instant::now();
    let mut room = depth::joined_room(now);
    let mut decoder = PresenceDecoder::new();
    let mut buf = String::with_capacity(512);
    // One warm-up decode so the decoder's `to` cache is filled outside
    // the measurement (it is per stream, not per occupant).
    drop(decoder.decode(Phase::Join.stanza(0).as_bytes()));
    let rss_before = peak_rss_kib().unwrap_or(0);
    let retained_bytes = retained(&mut || {
        for i in 0..n {
            buf.clear();
            Phase::Join.write(i, &mut buf);
            let p = decoder.decode(buf.as_bytes()).expect("join presence");
            room.handle_presence(p, now);
            while room.poll_event().is_some() {}
        }
    });
    let rss_after = peak_rss_kib().unwrap_or(0);
    assert_eq!(room.occupant_count(), n + 1);
    let rss_growth_kib = rss_after - rss_before;
    let m = Memory {
        per_occupant: retained_bytes as f64 / n as f64,
        retained_bytes,
        rss_growth_kib,
        rss_per_occupant: rss_growth_kib as f64 * 1024.0 / n as f64,
    };
    drop(room);
    m
}
