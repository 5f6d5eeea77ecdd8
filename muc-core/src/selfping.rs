//! Self-ping (XEP-0410): noticing that a room dropped us without telling.
//!
//! After `idle` without any stanza from the room, ping our own occupant
//! JID. The answer decides (XEP-0410 §3.2, and aioxmpp's reading of it):
//! * a result, `service-unavailable`, `feature-not-implemented` or
//!   `item-not-found` (our nick changed elsewhere): still joined;
//! * `remote-server-not-found`, `remote-server-timeout` or no answer:
//!   unknown: the room is reported stale and pinged again;
//! * any other error (`not-acceptable` is the recommended one): we are
//!   not an occupant any more, so the room is rejoined (or exited).

use std::time::{Duration, Instant};

use xmpp_parsers::stanza_error::DefinedCondition;

/// When and how long to self-ping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelfPingConfig {
    /// Silence from the room after which a ping is sent.
    pub idle: Duration,
    /// How long to wait for the answer (and between inconclusive pings).
    pub timeout: Duration,
}

impl Default for SelfPingConfig {
    /// 15 minutes of silence (XEP-0410's example), 60 seconds to answer.
    fn default() -> Self {
        SelfPingConfig {
            idle: Duration::from_secs(15 * 60),
            timeout: Duration::from_secs(60),
        }
    }
}

/// What a ping answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Still an occupant.
    Joined,
    /// No decision possible; try again later.
    Inconclusive,
    /// Not an occupant any more.
    Gone,
}

/// Reads a ping answer: `None` for a result, `Some(condition)` for an error.
pub fn verdict(error: Option<&DefinedCondition>) -> Verdict {
    match error {
        None => Verdict::Joined,
        Some(
            DefinedCondition::ServiceUnavailable
            | DefinedCondition::FeatureNotImplemented
            | DefinedCondition::ItemNotFound,
        ) => Verdict::Joined,
        Some(DefinedCondition::RemoteServerNotFound | DefinedCondition::RemoteServerTimeout) => {
            Verdict::Inconclusive
        }
        Some(_) => Verdict::Gone,
    }
}

/// The self-ping timer of one room.
#[derive(Debug)]
pub(crate) struct SelfPing {
    config: SelfPingConfig,
    last_activity: Instant,
    /// The id and deadline of the ping in flight.
    in_flight: Option<(String, Instant)>,
    /// Earliest moment for the next ping after an inconclusive one.
    retry_at: Option<Instant>,
    stale: bool,
}

/// What the room must do after a self-ping step.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PingStep {
    Nothing,
    /// Send a ping; the id to use is supplied by the caller.
    SendPing,
    BecameStale,
    BecameFresh,
    Gone,
}

impl SelfPing {
    pub(crate) fn new(config: SelfPingConfig, now: Instant) -> SelfPing {
        SelfPing {
            config,
            last_activity: now,
            in_flight: None,
            retry_at: None,
            stale: false,
        }
    }

    /// Any stanza from the room proves it still routes to us.
    pub(crate) fn activity(&mut self, now: Instant) -> PingStep {
        self.last_activity = now;
        self.retry_at = None;
        if std::mem::take(&mut self.stale) {
            PingStep::BecameFresh
        } else {
            PingStep::Nothing
        }
    }

    pub(crate) fn next_deadline(&self) -> Instant {
        match (&self.in_flight, self.retry_at) {
            (Some((_, deadline)), _) => *deadline,
            (None, Some(retry)) => retry,
            (None, None) => self.last_activity + self.config.idle,
        }
    }

    /// Called when the clock reaches [`next_deadline`](Self::next_deadline).
    pub(crate) fn on_timeout(&mut self, now: Instant) -> PingStep {
        if let Some((_, deadline)) = &self.in_flight {
            if now >= *deadline {
                self.in_flight = None;
                return self.inconclusive(now);
            }
            return PingStep::Nothing;
        }
        if now >= self.next_deadline() {
            return PingStep::SendPing;
        }
        PingStep::Nothing
    }

    pub(crate) fn ping_sent(&mut self, id: String, now: Instant) {
        self.in_flight = Some((id, now + self.config.timeout));
        self.retry_at = None;
    }

    /// Whether `id` is the ping in flight.
    pub(crate) fn is_ours(&self, id: &str) -> bool {
        self.in_flight.as_ref().is_some_and(|(i, _)| i == id)
    }

    pub(crate) fn on_answer(&mut self, error: Option<&DefinedCondition>, now: Instant) -> PingStep {
        self.in_flight = None;
        match verdict(error) {
            Verdict::Joined => self.activity(now),
            Verdict::Inconclusive => self.inconclusive(now),
            Verdict::Gone => PingStep::Gone,
        }
    }

    fn inconclusive(&mut self, now: Instant) -> PingStep {
        self.retry_at = Some(now + self.config.timeout);
        if self.stale {
            PingStep::Nothing
        } else {
            self.stale = true;
            PingStep::BecameStale
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> SelfPingConfig {
        SelfPingConfig {
            idle: Duration::from_secs(10),
            timeout: Duration::from_secs(3),
        }
    }

    #[test]
    fn verdicts_follow_xep_0410() {
        use DefinedCondition::*;
        assert_eq!(verdict(None), Verdict::Joined);
        for c in [ServiceUnavailable, FeatureNotImplemented, ItemNotFound] {
            assert_eq!(verdict(Some(&c)), Verdict::Joined, "{c:?}");
        }
        for c in [RemoteServerNotFound, RemoteServerTimeout] {
            assert_eq!(verdict(Some(&c)), Verdict::Inconclusive, "{c:?}");
        }
        for c in [NotAcceptable, NotAllowed, BadRequest, Forbidden] {
            assert_eq!(verdict(Some(&c)), Verdict::Gone, "{c:?}");
        }
    }

    #[test]
    fn silence_then_ping_then_timeout_is_stale_then_fresh() {
        let t0 = Instant::now();
        let mut p = SelfPing::new(cfg(), t0);
        assert_eq!(p.next_deadline(), t0 + Duration::from_secs(10));
        assert_eq!(p.on_timeout(t0 + Duration::from_secs(5)), PingStep::Nothing);
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(p.on_timeout(t1), PingStep::SendPing);
        p.ping_sent("p1".into(), t1);
        assert!(p.is_ours("p1"));
        assert_eq!(p.next_deadline(), t1 + Duration::from_secs(3));
        let t2 = t1 + Duration::from_secs(3);
        assert_eq!(p.on_timeout(t2), PingStep::BecameStale);
        assert_eq!(p.next_deadline(), t2 + Duration::from_secs(3));
        assert_eq!(
            p.on_timeout(t2 + Duration::from_secs(3)),
            PingStep::SendPing
        );
        p.ping_sent("p2".into(), t2 + Duration::from_secs(3));
        assert_eq!(
            p.on_answer(None, t2 + Duration::from_secs(4)),
            PingStep::BecameFresh
        );
    }

    #[test]
    fn gone_on_not_acceptable() {
        let t0 = Instant::now();
        let mut p = SelfPing::new(cfg(), t0);
        p.ping_sent("p".into(), t0);
        assert_eq!(
            p.on_answer(Some(&DefinedCondition::NotAcceptable), t0),
            PingStep::Gone
        );
    }
}
