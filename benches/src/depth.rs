//! The measured paths, shared by the criterion benches and
//! `workload-summary`.
//!
//! Every depth runs the same sequence on a room that has just entered
//! (self-presence applied, events drained): `n` joins, `n` status changes,
//! `n` leaves, each presence applied and every event it raises polled and
//! dropped before the next one. Inputs (decoded presences, elements,
//! xmpp-parsers presences) are built one stanza at a time, outside the
//! clock, right before they are handed over, as a client's transport
//! delivers them ([`delivered`]); what each depth times is said on each
//! function.

use std::hint::black_box;
use std::time::{Duration, Instant};

use minidom::Element;
use muc_core::wire::PresenceDecoder;
use muc_core::{IncomingPresence, JoinOptions, Room, RoomEvent};
use quick_xml::NsReader;
use quick_xml::events::Event as XmlEvent;
use xmpp_parsers::presence::Presence;

use crate::workload;

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

/// One stanza of the stream as a `minidom::Element` (it inherits the
/// stream's `jabber:client` namespace).
pub fn element(stanza: &str) -> Element {
    Element::from_reader_with_prefixes(stanza.as_bytes(), CLIENT_NS.to_owned())
        .expect("workload stanza")
}

/// Stanza by stanza, as a transport delivers them: each input is built by
/// `deliver` right before it is handed over (outside the clock), then
/// `handle` runs on it with the clock running. What a transport builds is
/// freed by the library or the application right after; built one at a
/// time, a tree is allocated from what the last one freed and is still in
/// the caches, as in a client. (Built all at once before the phase, 10 000
/// trees freed in the order they were made cost glibc several times as
/// much to free: the element depth measured 0.38 M/s that way against
/// 0.95 M/s this way, on the same code.)
///
/// The clock is read around each stanza, so the time includes half of
/// that clock reading (≈ 22 ns here) per stanza. A thread CPU clock cannot
/// be read that often at that price; the CPU figure is the wall figure.
fn delivered<T>(
    stanzas: &[String],
    mut deliver: impl FnMut(&str) -> T,
    mut handle: impl FnMut(T) -> usize,
) -> PhaseRun {
    let mut time = Duration::ZERO;
    let mut events = 0;
    for s in stanzas {
        let input = black_box(deliver(s));
        let start = Instant::now();
        events += handle(input);
        time += start.elapsed();
    }
    PhaseRun {
        time,
        cpu: time,
        events,
    }
}

/// Depth 1, `applied`: presences decoded by muc-core's decoder, delivered
/// stanza by stanza (see [`delivered`]), applied to the room, events
/// drained. Timed: `handle_presence`, polling and dropping the events, and
/// dropping what the room did not keep of the presence.
pub fn applied(room: &mut Room, stanzas: &[String], now: Instant) -> PhaseRun {
    let mut decoder = PresenceDecoder::new();
    delivered(
        stanzas,
        |s| decoder.decode(s.as_bytes()).expect("workload stanza"),
        |p| apply(room, p, now),
    )
}

/// Depth 2, `element`: from a `minidom::Element`, as a transport that
/// hands out minidom trees delivers each stanza (see [`delivered`]),
/// through [`PresenceDecoder::decode_element`] (the library's own reading
/// of the tree, muc-xso for the `muc#user` payload; one decoder per
/// stream, as for bytes) and the room. Timed: the reading, freeing the
/// tree, applying, the events. (Going through xmpp-parsers'
/// `Presence::try_from` first costs more: that is `typed`'s input, made by
/// tokio-xmpp.)
pub fn element_depth(room: &mut Room, stanzas: &[String], now: Instant) -> PhaseRun {
    let mut decoder = PresenceDecoder::new();
    delivered(stanzas, element, |el| {
        let p = decoder.decode_element(&el).expect("MUC presence");
        drop(el);
        apply(room, p, now)
    })
}

/// Depth 2b, `typed`: from xmpp-parsers' [`Presence`] (what tokio-xmpp 6
/// hands out: it decodes stanzas with xso straight from the stream),
/// delivered stanza by stanza (see [`delivered`]), through
/// `IncomingPresence::from_presence` (muc-xso) and the room.
pub fn typed(room: &mut Room, stanzas: &[String], now: Instant) -> PhaseRun {
    delivered(
        stanzas,
        |s| Presence::try_from(element(s)).expect("workload presence"),
        |p| {
            let p = IncomingPresence::from_presence(p).expect("MUC presence");
            apply(room, p, now)
        },
    )
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
