//! A scripted-room harness: feeds server stanzas (as the captures in
//! research/ show them) to a Router on a virtual clock and collects what
//! comes out.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use muc_core::xmpp_parsers::stanza::Stanza;
use muc_core::{Event, JoinOptions, RoomEvent, Router, RouterConfig};

pub mod logs;

pub const ME: &str = "hag66@shakespeare.lit/pda";

/// alice (owner, moderator) live in room1@conference.localhost as Alice,
/// with Bob (member, participant) there before her and the subject
/// received; everything drained.
pub fn alice_live_with_bob() -> Harness {
    let mut h = Harness::with_own("alice@localhost/res-a");
    h.join("room1@conference.localhost", "Alice");
    h.feed_all(&[
        "<presence from='room1@conference.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='member'/></x></presence>",
        "<presence from='room1@conference.localhost/Alice'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>",
        "<message from='room1@conference.localhost' type='groupchat'><subject/></message>",
    ]);
    h.take_events();
    h.take_sent();
    h
}

pub struct Harness {
    pub router: Router,
    pub now: Instant,
    pub sent: Vec<Stanza>,
    pub events: Vec<Event>,
}

/// Parses one stanza written as in the captures (the `jabber:client`
/// namespace is added when missing).
pub fn stanza(xml: &str) -> Stanza {
    let xml = xml.trim();
    let xml = if xml.contains("xmlns='jabber:client'") || xml.contains("xmlns=\"jabber:client\"") {
        xml.to_owned()
    } else {
        let end = xml
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .expect("a tag");
        format!("{} xmlns='jabber:client'{}", &xml[..end], &xml[end..])
    };
    let el: minidom::Element = xml.parse().unwrap_or_else(|e| panic!("bad XML {xml}: {e}"));
    Stanza::try_from(el).unwrap_or_else(|e| panic!("not a stanza {xml}: {e:?}"))
}

pub fn xml(s: &Stanza) -> String {
    String::from(&minidom::Element::from(match s {
        Stanza::Presence(p) => Stanza::Presence(p.clone()),
        Stanza::Message(m) => Stanza::Message(m.clone()),
        Stanza::Iq(i) => Stanza::Iq(i.clone()),
    }))
}

impl Harness {
    pub fn new() -> Harness {
        Harness::with_own(ME)
    }

    pub fn with_own(own: &str) -> Harness {
        let now = Instant::now();
        let mut router = Router::new(RouterConfig {
            seed: 7,
            request_timeout: Duration::from_secs(30),
        });
        router.set_wall_clock(now, "2026-11-25T10:00:00Z".parse().expect("date"));
        router.stream_established(own.parse().expect("own jid"), now);
        let mut h = Harness {
            router,
            now,
            sent: Vec::new(),
            events: Vec::new(),
        };
        h.pump();
        h
    }

    /// Offline router (to test deferred joins).
    pub fn offline() -> Harness {
        let now = Instant::now();
        let router = Router::new(RouterConfig::default());
        Harness {
            router,
            now,
            sent: Vec::new(),
            events: Vec::new(),
        }
    }

    pub fn pump(&mut self) {
        while let Some(t) = self.router.poll_transmit() {
            if let Some(tracker) = t.tracker {
                self.sent.push(t.stanza);
                self.router.transmitted(tracker);
            } else {
                self.sent.push(t.stanza);
            }
        }
        while let Some(e) = self.router.poll_event() {
            self.events.push(e);
        }
        // Transmitted reports may have made more events.
        while let Some(e) = self.router.poll_event() {
            self.events.push(e);
        }
    }

    pub fn join(&mut self, room: &str, nick: &str) {
        self.join_with(room, nick, JoinOptions::default().discover(false));
    }

    pub fn join_with(&mut self, room: &str, nick: &str, options: JoinOptions) {
        self.router
            .join(room.parse().expect("room"), nick, options, self.now)
            .expect("join accepted");
        self.pump();
    }

    /// Feeds one stanza; returns whatever the router gave back.
    pub fn feed(&mut self, xml: &str) -> Option<Stanza> {
        let back = self.router.handle_stanza(stanza(xml), self.now);
        self.pump();
        back
    }

    pub fn feed_all(&mut self, xmls: &[&str]) {
        for x in xmls {
            let back = self.feed(x);
            assert!(back.is_none(), "stanza not consumed: {x}");
        }
    }

    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        self.router.handle_timeout(self.now);
        self.pump();
    }

    /// Runs the clock until nothing is due before `now + d`.
    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        while let Some(t) = self.router.poll_timeout() {
            if t > end {
                break;
            }
            self.now = t.max(self.now);
            self.router.handle_timeout(self.now);
            self.pump();
        }
        self.now = end;
        self.router.handle_timeout(self.now);
        self.pump();
    }

    pub fn take_sent(&mut self) -> Vec<Stanza> {
        std::mem::take(&mut self.sent)
    }

    pub fn take_sent_xml(&mut self) -> Vec<String> {
        self.take_sent().iter().map(xml).collect()
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Only the room events, in order.
    pub fn room_events(&mut self) -> Vec<RoomEvent> {
        self.take_events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Room { event, .. } => Some(event),
                _ => None,
            })
            .collect()
    }

    /// A short name per room event, for order checks.
    pub fn event_names(&mut self) -> Vec<String> {
        self.room_events().iter().map(name).collect()
    }
}

pub fn name(e: &RoomEvent) -> String {
    let s = format!("{e:?}");
    s.split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_owned()
}
