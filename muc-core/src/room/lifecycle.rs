//! A room's life: joining, suspension and resumption across streams,
//! exits, timers and self-ping.

use std::time::Instant;

use jid::FullJid;
use muc_xso::{GenericExt, History};
use xmpp_parsers::date::DateTime;
use xmpp_parsers::presence::Presence;
use xmpp_parsers::stanza::Stanza;

use crate::error::{JoinError, RequestError};
use crate::event::RoomEvent;
use crate::leave_mode::LeaveMode;
use crate::requests::Response;
use crate::selfping::PingStep;

use super::{Room, RoomState};

impl Room {
    // ----- join, suspend, resume, exit -----

    /// Sends the join presence (first join).
    pub fn start_join(&mut self, now: Instant) {
        let history = self.options.history.clone();
        self.send_join(history, now);
    }

    /// The first join waits for a stream: the join's timeout bounds that
    /// wait too (it fails with [`JoinError::TimedOut`]), and starts again
    /// when the join presence goes out.
    pub(crate) fn defer_join(&mut self, now: Instant) {
        self.join_deadline = Some(now + self.options.timeout);
        self.join_sent = false;
    }

    pub(super) fn send_join(&mut self, history: Option<History>, now: Instant) {
        self.state = RoomState::Joining;
        self.join_deadline = Some(now + self.options.timeout);
        self.join_sent = true;
        if self.options.discover {
            let id = self.ids.next();
            let (iq, _) =
                crate::requests::disco_info(self.jid.as_ref().clone().into(), id.clone(), None);
            self.disco_id = Some(id);
            self.push_transmit(Stanza::Iq(iq));
        }
        let mut x = GenericExt::new();
        x.password = self
            .options
            .password
            .as_ref()
            .map(|p| p.expose().to_owned());
        x.history = history;
        let mut p = Presence::available()
            .with_to(self.occupant_jid())
            .with_id(self.ids.next())
            .with_payload(x);
        p.show = self.options.show.clone();
        if let Some(status) = &self.options.status {
            p.set_status("", status.clone());
        }
        self.push_transmit(Stanza::Presence(p));
    }

    /// Our occupant JID (with the current or requested nick).
    pub fn occupant_jid(&self) -> FullJid {
        self.jid.with_resource(&self.nick)
    }

    /// The stream is gone: suspend (autorejoin) or exit as disconnected.
    ///
    /// Returns `true` when the room is dead and can be dropped.
    pub fn stream_lost(&mut self, _now: Instant) -> bool {
        // We asked to leave: with the session gone we are out, and the room
        // must not come back on the next stream.
        if self.pending_leave.is_some() && self.state != RoomState::Exited {
            self.exit_locally(LeaveMode::Normal);
            return true;
        }
        match self.state {
            RoomState::Exited => true,
            RoomState::Suspended => false,
            RoomState::Joining if !self.entered_once => {
                if self.options.autorejoin {
                    // The join presence goes out again on the next stream;
                    // the join's own deadline still bounds the wait.
                    self.forget_trackers();
                    false
                } else {
                    self.fail_join(JoinError::Disconnected);
                    true
                }
            }
            _ if self.options.autorejoin => {
                self.forget_trackers();
                self.fail_pending(RequestError::Disconnected);
                self.state = RoomState::Suspended;
                self.join_deadline = None;
                self.selfping = None;
                self.events.push_back(RoomEvent::Suspend);
                false
            }
            _ => {
                self.exit_locally(LeaveMode::Disconnected);
                true
            }
        }
    }

    /// The stream was lost while a request that may end the room (destroy)
    /// was in flight: whether it happened is unknown, and rejoining could
    /// create the room anew, so the room ends here.
    pub(crate) fn abandon(&mut self) {
        if self.state != RoomState::Exited {
            self.exit_locally(LeaveMode::Disconnected);
        }
    }

    /// A new stream is up: rejoin a suspended room asking for what was
    /// missed, or send a deferred first join.
    pub fn stream_established(&mut self, now: Instant) {
        match self.state {
            RoomState::Suspended => self.resume(now),
            RoomState::Joining if !self.entered_once => {
                let history = self.options.history.clone();
                self.send_join(history, now);
            }
            _ => {}
        }
    }

    pub(super) fn resume(&mut self, now: Instant) {
        self.forget_trackers();
        self.events.push_back(RoomEvent::Resume);
        // Everyone announced so far; an interrupted rejoin adds to the list.
        // The local user stays as `this_occupant` until the self-presence.
        let mut before = self.before_resume.take().unwrap_or_default();
        before.extend(self.occupants.drain());
        self.before_resume = Some(before);
        let history = self.history_since_last_seen();
        self.send_join(Some(history), now);
    }

    /// What to ask for on a rejoin: everything since the last message we
    /// saw (minus a margin for clock skew; duplicates are dropped), or
    /// nothing if we never saw one and cannot tell the time.
    pub(super) fn history_since_last_seen(&self) -> History {
        match self.dedup.last_seen() {
            Some(at) => History::new().with_since(DateTime(at - chrono::Duration::seconds(60))),
            None => match &self.options.history {
                Some(h) => h.clone(),
                None => History::new(),
            },
        }
    }

    /// Leave and join again right away (self-ping found us gone).
    pub(super) fn cycle(&mut self, now: Instant) {
        let leave = Presence::unavailable().with_to(self.occupant_jid());
        self.push_transmit(Stanza::Presence(leave));
        self.state = RoomState::Suspended;
        self.selfping = None;
        self.events.push_back(RoomEvent::Suspend);
        self.resume(now);
    }

    pub(crate) fn fail_join(&mut self, error: JoinError) {
        self.state = RoomState::Exited;
        self.join_deadline = None;
        self.forget_trackers();
        self.events.push_back(RoomEvent::JoinFailed { error });
    }

    /// Out of the room without a presence from it (local disconnect,
    /// self-ping verdict without autorejoin).
    pub(super) fn exit_locally(&mut self, mode: LeaveMode) {
        self.forget_trackers();
        let occupant = self.me.clone();
        self.state = RoomState::Exited;
        self.selfping = None;
        self.join_deadline = None;
        self.events.push_back(RoomEvent::Exit {
            mode,
            occupant,
            cause: Default::default(),
            destroyed: None,
            status: Vec::new(),
        });
        self.fail_pending(RequestError::Disconnected);
    }

    pub(super) fn fail_pending(&mut self, error: RequestError) {
        if let Some((r, _)) = self.pending_nick.take() {
            self.completed.push_back((r.id, Err(error.clone())));
        }
        if let Some((r, _)) = self.pending_subject.take() {
            self.completed.push_back((r.id, Err(error.clone())));
        }
        if let Some(r) = self.pending_leave.take() {
            // Whatever happened, we are out.
            let _ = error;
            self.completed.push_back((r.id, Ok(Response::Left)));
        }
    }

    pub(super) fn forget_trackers(&mut self) {
        for (id, state) in self.trackers.forget_all() {
            self.events.push_back(RoomEvent::Tracker { id, state });
        }
    }

    /// Advances the timers to `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.join_deadline.is_some_and(|d| d <= now) {
            self.join_deadline = None;
            if self.state == RoomState::Joining {
                // Do not leave a ghost behind if the room answers late
                // (a join that never went out has nothing to undo).
                if self.join_sent {
                    let leave = Presence::unavailable().with_to(self.occupant_jid());
                    self.push_transmit(Stanza::Presence(leave));
                }
                if self.entered_once && self.options.autorejoin {
                    // A rejoin that got no answer: try again later.
                    self.state = RoomState::Suspended;
                    self.join_deadline = Some(now + self.options.timeout);
                    self.resume(now);
                } else {
                    self.fail_join(JoinError::TimedOut);
                    if self.entered_once {
                        self.exit_locally(LeaveMode::Disconnected);
                    }
                }
            }
        }
        for (id, state) in self.trackers.expire(now) {
            self.events.push_back(RoomEvent::Tracker { id, state });
        }
        if self
            .pending_nick
            .as_ref()
            .is_some_and(|(r, _)| r.deadline <= now)
        {
            if let Some((r, _)) = self.pending_nick.take() {
                self.completed
                    .push_back((r.id, Err(RequestError::TimedOut)));
            }
        }
        if self
            .pending_subject
            .as_ref()
            .is_some_and(|(r, _)| r.deadline <= now)
        {
            if let Some((r, _)) = self.pending_subject.take() {
                self.completed
                    .push_back((r.id, Err(RequestError::TimedOut)));
            }
        }
        if self
            .pending_leave
            .as_ref()
            .is_some_and(|r| r.deadline <= now)
        {
            // The room did not confirm; consider ourselves out anyway.
            if let Some(r) = self.pending_leave.take() {
                self.completed
                    .push_back((r.id, Err(RequestError::TimedOut)));
                if self.state != RoomState::Exited {
                    self.exit_locally(LeaveMode::Normal);
                }
            }
        }
        if self.active() {
            let step = match self.selfping.as_mut() {
                Some(p) => p.on_timeout(now),
                None => PingStep::Nothing,
            };
            self.apply_ping_step(step, now);
        }
    }

    pub(super) fn apply_ping_step(&mut self, step: PingStep, now: Instant) {
        match step {
            PingStep::Nothing => {}
            PingStep::SendPing => {
                let id = self.ids.next();
                let iq = crate::requests::iq_get(
                    self.occupant_jid().into(),
                    id.clone(),
                    xmpp_parsers::ping::Ping,
                );
                if let Some(p) = self.selfping.as_mut() {
                    p.ping_sent(id, now);
                }
                self.push_transmit(Stanza::Iq(iq));
            }
            PingStep::BecameStale => self.events.push_back(RoomEvent::Stale),
            PingStep::BecameFresh => self.events.push_back(RoomEvent::Fresh),
            PingStep::Gone => {
                if self.options.autorejoin {
                    self.cycle(now);
                } else {
                    self.exit_locally(LeaveMode::Disconnected);
                }
            }
        }
    }

    /// Something arrived from the room: it still routes to us.
    pub(super) fn activity(&mut self, now: Instant) {
        let step = match self.selfping.as_mut() {
            Some(p) => p.activity(now),
            None => PingStep::Nothing,
        };
        self.apply_ping_step(step, now);
    }

    /// Handles an IQ answer from the room; `false` if it is not ours.
    pub fn handle_iq_answer(
        &mut self,
        id: &str,
        result: Result<Option<minidom::Element>, crate::ServerError>,
        now: Instant,
    ) -> bool {
        if self.disco_id.as_deref() == Some(id) {
            self.disco_id = None;
            if let Ok(Ok(Response::RoomInfo(desc))) =
                result.map(|p| crate::requests::read_answer(&crate::requests::Kind::RoomInfo, p))
            {
                self.features = Some(desc.features);
                self.info = desc.info;
            }
            return true;
        }
        if self.selfping.as_ref().is_some_and(|p| p.is_ours(id)) {
            let cond = result.as_ref().err().map(|e| e.condition.clone());
            let step = match self.selfping.as_mut() {
                Some(p) => p.on_answer(cond.as_ref(), now),
                None => PingStep::Nothing,
            };
            self.apply_ping_step(step, now);
            return true;
        }
        false
    }

    /// The room was destroyed by our own request and sent no unavailable
    /// presence (§10.9).
    pub(crate) fn gone(&mut self) {
        if self.state != RoomState::Exited {
            self.exit_locally(LeaveMode::Destroyed);
        }
    }

    /// Asks the room for its features again (after a configuration change).
    pub(crate) fn rediscover(&mut self) {
        if self.options.discover && self.disco_id.is_none() {
            let id = self.ids.next();
            let (iq, _) =
                crate::requests::disco_info(self.jid.as_ref().clone().into(), id.clone(), None);
            self.disco_id = Some(id);
            self.push_transmit(Stanza::Iq(iq));
        }
    }
}
