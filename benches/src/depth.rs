//! The measured paths, shared by the criterion benches and
//! `workload-summary`.
//!
//! Every depth runs the same sequence on a room that has just entered
//! (self-presence applied, events drained): `n` joins, `n` status changes,
//! `n` leaves, each presence applied and every event it raises polled and
//! dropped before the next one. Inputs (decoded presences, elements) are
//! built before the clock starts; what each depth times is said on each
//! function.

use std::hint::black_box;
use std::time::{Duration, Instant};

use minidom::Element;
use muc_core::wire::PresenceDecoder;
use muc_core::{IncomingPresence, JoinOptions, Room, RoomEvent};
use quick_xml::NsReader;
use quick_xml::events::Event as XmlEvent;
use xmpp_parsers::presence::Presence;

use crate::workload::{self, Phase};

const CLIENT_NS: &str = "jabber:client";

/// The room of the workload, joined: `Room::new`, `start_join`, the
/// self-presence applied and every event drained.
pub fn joined_room(now: Instant) -> Room {
    let mut room = Room::new(
        workload::ROOM.parse().expect("room JID"),
        workload::OWN_NICK,
        JoinOptions::default().discover(false).self_ping(None),
        1,
    )
    .expect("nick");
    room.set_own_jid(workload::OWN_FULL_JID.parse().expect("own JID"));
    room.start_join(now);
    while room.poll_transmit().is_some() {}
    let me = PresenceDecoder::new()
        .decode(workload::SELF_PRESENCE.as_bytes())
        .expect("self-presence");
    room.handle_presence(me, now);
    match room.poll_event() {
        Some(RoomEvent::Enter { .. }) => {}
        other => panic!("expected Enter, got {other:?}"),
    }
    while room.poll_event().is_some() {}
    room
}

/// Applies `p` and drains the events; returns how many there were.
#[inline]
fn apply(room: &mut Room, p: IncomingPresence, now: Instant) -> usize {
    room.handle_presence(p, now);
    let mut n = 0;
    while let Some(e) = room.poll_event() {
        black_box(&e);
        n += 1;
    }
    n
}

/// Events of a whole run, to check that every depth did the same work:
/// `n` joins, `n` status changes, `n` leaves.
pub fn expected_events(n: usize) -> usize {
    3 * n
}

/// What one phase took, and the events it raised.
#[derive(Debug, Clone, Copy)]
pub struct PhaseRun {
    /// Wall time of the phase.
    pub time: Duration,
    /// CPU time of this thread during the phase (Linux; zero elsewhere):
    /// on a loaded machine it moves much less than the wall time.
    pub cpu: Duration,
    /// Events polled from the room.
    pub events: usize,
}

/// CPU time of the calling thread so far (`/proc/thread-self/schedstat`,
/// nanoseconds on the CPU); zero where that file does not exist.
pub fn thread_cpu() -> Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map(Duration::from_nanos)
        .unwrap_or_default()
}

/// A running clock: wall and thread CPU time.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    wall: Instant,
    cpu: Duration,
}

impl Clock {
    /// Starts both clocks.
    pub fn start() -> Clock {
        Clock {
            cpu: thread_cpu(),
            wall: Instant::now(),
        }
    }

    /// Stops both clocks.
    pub fn stop(self, events: usize) -> PhaseRun {
        let time = self.wall.elapsed();
        PhaseRun {
            time,
            cpu: thread_cpu().saturating_sub(self.cpu),
            events,
        }
    }
}

/// The stanzas of one phase, decoded by the fast path (for depth 1).
pub fn decoded(phase: Phase, n: usize) -> Vec<IncomingPresence> {
    let mut d = PresenceDecoder::new();
    (0..n)
        .map(|i| {
            d.decode(phase.stanza(i).as_bytes())
                .expect("workload stanza")
        })
        .collect()
}

/// The stanzas of one phase as `minidom::Element`s in `jabber:client`, as
/// tokio-xmpp hands them out (for depth 2).
pub fn elements(phase: Phase, n: usize) -> Vec<Element> {
    (0..n).map(|i| element(&phase.stanza(i))).collect()
}

/// The stanzas of one phase as xmpp-parsers [`Presence`]s, what tokio-xmpp
/// 6 hands out (for depth 2b).
pub fn presences(phase: Phase, n: usize) -> Vec<Presence> {
    (0..n)
        .map(|i| Presence::try_from(element(&phase.stanza(i))).expect("workload presence"))
        .collect()
}

/// One stanza of the stream as a `minidom::Element` (it inherits the
/// stream's `jabber:client` namespace).
pub fn element(stanza: &str) -> Element {
    Element::from_reader_with_prefixes(stanza.as_bytes(), CLIENT_NS.to_owned())
        .expect("workload stanza")
}

/// Depth 1, `applied`: presences already decoded (built before the
/// clock) applied to the room, events drained. Timed: `handle_presence`,
/// polling and dropping the events, and dropping the consumed presence.
pub fn applied(room: &mut Room, mut presences: Vec<IncomingPresence>, now: Instant) -> PhaseRun {
    let clock = Clock::start();
    let mut events = 0;
    for p in presences.drain(..) {
        events += apply(room, p, now);
    }
    let run = clock.stop(events);
    // The input vector's own buffer is freed after the clock stops.
    drop(presences);
    run
}

/// Depth 2, `element`: from `minidom::Element` (built before the clock),
/// through `IncomingPresence::from_element` (the library's own reading of
/// the tree, muc-xso for the `muc#user` payload) and the room. Timed:
/// everything from the element on. (Going through xmpp-parsers'
/// `Presence::try_from` first costs about 9 µs more per presence: that is
/// `typed`'s input, made by tokio-xmpp.)
pub fn element_depth(room: &mut Room, mut elements: Vec<Element>, now: Instant) -> PhaseRun {
    let clock = Clock::start();
    let mut events = 0;
    for el in elements.drain(..) {
        let p = IncomingPresence::from_element(&el).expect("MUC presence");
        drop(el);
        events += apply(room, p, now);
    }
    let run = clock.stop(events);
    drop(elements);
    run
}

/// Depth 2b, `typed`: from xmpp-parsers' [`Presence`] (what tokio-xmpp 6
/// hands out: it decodes stanzas with xso straight from the stream),
/// through `IncomingPresence::from_presence` (muc-xso) and the room.
pub fn typed(room: &mut Room, mut presences: Vec<Presence>, now: Instant) -> PhaseRun {
    let clock = Clock::start();
    let mut events = 0;
    for p in presences.drain(..) {
        let p = IncomingPresence::from_presence(p).expect("MUC presence");
        events += apply(room, p, now);
    }
    let run = clock.stop(events);
    drop(presences);
    run
}

/// Depth 3, `bytes`: each stanza's bytes, one call per stanza, through
/// muc-core's own decoder ([`PresenceDecoder`], which falls back to the
/// general path on what it does not handle) and the room. Timed:
/// decoding, applying, events.
pub fn bytes(
    room: &mut Room,
    decoder: &mut PresenceDecoder,
    stanzas: &[String],
    now: Instant,
) -> PhaseRun {
    let clock = Clock::start();
    let mut events = 0;
    for s in stanzas {
        let p = decoder.decode(s.as_bytes()).expect("presence");
        events += apply(room, p, now);
    }
    clock.stop(events)
}

/// Depth 4, `baseline`: quick-xml's `NsReader` over `stream` (the header
/// and the stanzas, concatenated), every event's namespace resolved,
/// every attribute unescaped and its namespace resolved, every text
/// unescaped; nothing is built or kept. The ceiling for any decoder.
/// Returns the number of `<presence/>` elements seen.
pub fn baseline(stream: &str) -> usize {
    let mut r = NsReader::from_str(stream);
    let mut presences = 0usize;
    let mut sink = 0usize;
    let mut depth = 0usize;
    loop {
        let (ns, event) = r.read_resolved_event().expect("well-formed");
        sink += matches!(ns, quick_xml::name::ResolveResult::Bound(_)) as usize;
        match event {
            XmlEvent::Start(ref e) | XmlEvent::Empty(ref e) => {
                if depth == 1 && e.local_name().as_ref() == "presence" {
                    presences += 1;
                }
                for a in e.attributes() {
                    let a = a.expect("attribute");
                    let (ans, _) = r.resolver().resolve_attribute(a.key);
                    sink += matches!(ans, quick_xml::name::ResolveResult::Bound(_)) as usize;
                    sink += a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("value")
                        .len();
                }
                if matches!(event, XmlEvent::Start(_)) {
                    depth += 1;
                }
            }
            XmlEvent::End(_) => depth -= 1,
            XmlEvent::Text(t) => sink += t.xml10_content().len(),
            XmlEvent::Eof => break,
            _ => {}
        }
    }
    black_box(sink);
    presences
}

/// The stream the baseline reads: the header, then the timed stanzas.
pub fn baseline_stream(stanzas: &[String]) -> String {
    let mut s = String::from(workload::STREAM_HEADER);
    for st in stanzas {
        s.push_str(st);
    }
    s
}
