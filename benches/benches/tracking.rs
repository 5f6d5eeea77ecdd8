//! Tracked groupchat messages (muc-core's `Router`): `send_tracked`, the
//! transport's `transmitted`, then the room's reflection matched back to
//! its tracker (by id, as Prosody and ejabberd keep it; and by origin-id,
//! for rooms that rewrite the id), every event drained. One iteration is
//! `K` messages sent, then their `K` reflections.
//!
//! `cargo bench -p benches --bench tracking`

// criterion_group! defines an undocumented function.
#![allow(missing_docs)]

use std::time::{Duration, Instant};

use benches::workload::{OWN_FULL_JID, OWN_NICK, ROOM};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use muc_core::xmpp_parsers::message::{Id, Message, MessageType};
use muc_core::xmpp_parsers::stanza::Stanza;
use muc_core::{Event, JoinOptions, Router, RouterConfig};

const K: usize = 1000;

/// A router in the room (self-presence and subject seen), outputs drained.
fn live(now: Instant) -> Router {
    let mut r = Router::new(RouterConfig {
        seed: 42,
        request_timeout: Duration::from_secs(30),
    });
    r.stream_established(OWN_FULL_JID.parse().unwrap(), now);
    r.join(
        ROOM.parse().unwrap(),
        OWN_NICK,
        JoinOptions::default().discover(false).self_ping(None),
        now,
    )
    .unwrap();
    for s in [
        "<presence xmlns='jabber:client' from='bench@muc.example.org/benchbot' to='me@example.org/bench'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>",
        "<message xmlns='jabber:client' from='bench@muc.example.org' type='groupchat'><subject/></message>",
    ] {
        let el: minidom::Element = s.parse().unwrap();
        r.handle_stanza(Stanza::try_from(el).unwrap(), now);
    }
    while r.poll_event().is_some() {}
    while r.poll_transmit().is_some() {}
    r
}

fn body(i: usize) -> Message {
    Message::new(None).with_body(Default::default(), format!("message number {i}"))
}

/// Sends `K` tracked messages on a router like `live`'s and returns the
/// reflections the room would send back (same seed, so the same ids).
fn reflections(now: Instant, rewrite_id: bool) -> Vec<Message> {
    let mut r = live(now);
    let room = ROOM.parse().unwrap();
    let mut out = Vec::with_capacity(K);
    for i in 0..K {
        r.send_tracked(&room, body(i), None, now).unwrap();
        let t = r.poll_transmit().unwrap();
        let Stanza::Message(mut m) = t.stanza else {
            panic!("a message")
        };
        m.to = Some(OWN_FULL_JID.parse().unwrap());
        m.from = Some(format!("{ROOM}/{OWN_NICK}").parse().unwrap());
        m.type_ = MessageType::Groupchat;
        if rewrite_id {
            m.id = Some(Id(format!("rewritten-{i}")));
        }
        out.push(m);
    }
    out
}

fn run(mut r: Router, reflections: Vec<Message>, now: Instant) -> usize {
    let room = ROOM.parse().unwrap();
    for i in 0..K {
        r.send_tracked(&room, body(i), None, now).unwrap();
        let t = r.poll_transmit().unwrap();
        r.transmitted(t.tracker.unwrap());
    }
    let mut delivered = 0;
    for m in reflections {
        r.handle_message(m, now);
        while let Some(e) = r.poll_event() {
            if matches!(e, Event::Room { .. }) {
                delivered += 1;
            }
        }
    }
    delivered
}

fn tracking(c: &mut Criterion) {
    let now = Instant::now();
    let mut g = c.benchmark_group("tracking");
    g.throughput(Throughput::Elements(K as u64));
    for (name, rewrite) in [("by-id", false), ("by-origin-id", true)] {
        let refl = reflections(now, rewrite);
        // Every reflection is matched: a Tracker event and the Message.
        let n = run(live(now), refl.clone(), now);
        assert!(n >= 2 * K, "{name}: {n} events");
        g.bench_function(name, |b| {
            b.iter_batched(
                || (live(now), refl.clone()),
                |(r, refl)| run(r, refl, now),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, tracking);
criterion_main!(benches);
