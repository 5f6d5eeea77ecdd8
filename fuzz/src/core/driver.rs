//! The driver: a [`Router`] with one joined room, a virtual clock, and
//! the ids it put on the wire; every step ends with the invariant check
//! ([`Driver::check`], in [`invariants`](super::invariants)).

use std::time::{Duration, Instant};

use jid::{BareJid, FullJid};
use muc_core::xmpp_parsers::stanza::Stanza;
use muc_core::{Event, JoinOptions, Router, RouterConfig};

/// A router with one room, a virtual clock, and what it sent.
pub struct Driver {
    /// The router under test.
    pub router: Router,
    /// The virtual clock.
    pub now: Instant,
    /// The room.
    pub room: BareJid,
    /// Our JID.
    pub own: FullJid,
    /// Ids we put on the wire (stanza ids and origin-ids), newest last.
    pub sent_ids: Vec<String>,
    /// Trackers handed out, to report written or failed.
    pub trackers: Vec<muc_core::TrackerId>,
}

impl Driver {
    /// Online, with the join for `room` out.
    pub fn new(own: FullJid, room: BareJid, nick: &str, options: JoinOptions) -> Option<Driver> {
        let now = Instant::now();
        let mut router = Router::new(RouterConfig {
            seed: 1,
            request_timeout: Duration::from_secs(30),
        });
        router.set_wall_clock(now, "2026-11-25T10:00:00Z".parse().ok()?);
        router.stream_established(own.clone(), now);
        router.join(room.clone(), nick, options, now).ok()?;
        let mut d = Driver {
            router,
            now,
            room,
            own,
            sent_ids: Vec::new(),
            trackers: Vec::new(),
        };
        d.pump();
        Some(d)
    }

    /// Drains both queues (formatting everything, as a logger would).
    pub fn pump(&mut self) {
        let mut guard = 0;
        loop {
            guard += 1;
            assert!(guard < 10_000, "the output queues never drain");
            let mut any = false;
            while let Some(t) = self.router.poll_transmit() {
                any = true;
                let _ = format!("{t:?}");
                let (id, origin) = match &t.stanza {
                    Stanza::Presence(p) => (p.id.clone(), None),
                    Stanza::Message(m) => (
                        m.id.as_ref().map(|i| i.0.clone()),
                        m.payloads
                            .iter()
                            .find(|p| p.is("origin-id", "urn:xmpp:sid:0"))
                            .and_then(|p| p.attr("id"))
                            .map(str::to_owned),
                    ),
                    Stanza::Iq(i) => (Some(i.id().to_owned()), None),
                };
                for s in [id, origin].into_iter().flatten() {
                    if self.sent_ids.len() == 64 {
                        self.sent_ids.remove(0);
                    }
                    self.sent_ids.push(s);
                }
            }
            while let Some(e) = self.router.poll_event() {
                any = true;
                let _ = format!("{e:?}");
                if let Event::Room {
                    event:
                        muc_core::RoomEvent::Tracker {
                            id,
                            state: muc_core::TrackerState::InFlight,
                        },
                    ..
                } = e
                {
                    self.trackers.push(id);
                }
            }
            if !any {
                break;
            }
        }
    }

    /// One stanza in.
    pub fn feed(&mut self, s: Stanza) {
        let _ = self.router.handle_stanza(s, self.now);
        self.pump();
        self.check();
    }

    /// The clock moves on by `d`.
    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        self.router.handle_timeout(self.now);
        self.pump();
        if let Some(t) = self.router.poll_timeout() {
            assert!(
                t > self.now,
                "handle_timeout left work due at or before now (a driver would spin)"
            );
        }
        self.check();
    }

    /// The clock moves to the next deadline.
    pub fn next_timer(&mut self) {
        if let Some(t) = self.router.poll_timeout() {
            self.now = self.now.max(t);
            self.router.handle_timeout(self.now);
            self.pump();
        }
        self.check();
    }

    /// The stream drops.
    pub fn lost(&mut self) {
        self.router.stream_lost(self.now);
        self.pump();
        self.check();
    }

    /// A stream comes up (with our JID, or a new resource).
    pub fn up(&mut self, same: bool) {
        let own = if same {
            self.own.clone()
        } else {
            match FullJid::new("alice@localhost/res-new") {
                Ok(j) => j,
                Err(_) => return,
            }
        };
        self.router.stream_established(own, self.now);
        self.pump();
        self.check();
    }
}
