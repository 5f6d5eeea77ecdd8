//! Tracking of sent groupchat messages: did the room reflect them?

use std::time::Instant;

use xmpp_parsers::message::Message;
use xmpp_parsers::ns;
use xmpp_parsers::stanza_id::OriginId;

use crate::error::ServerError;

/// Identifies a tracked message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackerId(pub(crate) u64);

/// How a reflection was recognized as ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchedBy {
    /// The room kept our message `id`.
    Id,
    /// The room rewrote the id but kept our XEP-0359 origin-id.
    OriginId,
    /// Same body, from our occupant id (XEP-0421) when the room stamps one,
    /// else from our current nick.
    SenderAndBody,
}

/// Where a tracked message is (the seed's `MessageState`).
#[derive(Debug, Clone, PartialEq)]
pub enum TrackerState {
    /// Handed to the transport, not yet written.
    InFlight,
    /// Written to the stream.
    DeliveredToServer,
    /// The room reflected it to everyone (final).
    DeliveredToRecipient {
        /// How the reflection was recognized.
        matched_by: MatchedBy,
        /// The stanza-id the room gave it (XEP-0359), if any.
        stanza_id: Option<String>,
    },
    /// The room refused it (final).
    Error(ServerError),
    /// No reflection before the deadline (final).
    TimedOut,
    /// The room was left, suspended or resumed before a reflection came;
    /// the message may or may not have been delivered (final).
    Unknown,
    /// It could not be written to the stream (final).
    Aborted,
}

impl TrackerState {
    /// Whether no further change can happen.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            TrackerState::InFlight | TrackerState::DeliveredToServer
        )
    }
}

#[derive(Debug)]
struct Tracker {
    id: TrackerId,
    msg_id: String,
    origin_id: String,
    body: Option<String>,
    deadline: Option<Instant>,
    state: TrackerState,
}

/// The trackers of one room, in send order.
#[derive(Debug, Default)]
pub(crate) struct Trackers {
    list: Vec<Tracker>,
}

/// The body without a language tag, or else the first one.
fn best_body(m: &Message) -> Option<&String> {
    m.get_best_body(Vec::new()).map(|(_, body)| body)
}

impl Trackers {
    pub(crate) fn add(
        &mut self,
        id: TrackerId,
        message: &Message,
        origin_id: String,
        deadline: Option<Instant>,
    ) {
        self.list.push(Tracker {
            id,
            msg_id: message.id.as_ref().map(|i| i.0.clone()).unwrap_or_default(),
            origin_id,
            body: best_body(message).cloned(),
            deadline,
            state: TrackerState::InFlight,
        });
    }

    /// The written-to-stream report; returns the update to emit.
    pub(crate) fn transmitted(&mut self, id: TrackerId) -> Option<(TrackerId, TrackerState)> {
        let t = self.list.iter_mut().find(|t| t.id == id)?;
        if t.state == TrackerState::InFlight {
            t.state = TrackerState::DeliveredToServer;
            return Some((id, t.state.clone()));
        }
        None
    }

    /// The could-not-write report.
    pub(crate) fn aborted(&mut self, id: TrackerId) -> Option<(TrackerId, TrackerState)> {
        self.finish(|t| t.id == id, |_| TrackerState::Aborted)
            .into_iter()
            .next()
    }

    /// Tries to match a received groupchat message as the reflection of one
    /// of ours. The updates come in order: a tracker whose write was not
    /// reported yet first reaches `DeliveredToServer` (a reflected message
    /// was evidently written), so observers always see the same sequence.
    pub(crate) fn match_reflection(
        &mut self,
        m: &Message,
        from_us: bool,
    ) -> Vec<(TrackerId, TrackerState)> {
        let id = m.id.as_ref().map(|i| i.0.as_str());
        let origin = m
            .payloads
            .iter()
            .find(|p| p.is("origin-id", ns::SID))
            .and_then(|p| OriginId::try_from(p.clone()).ok())
            .map(|o| o.id);
        let stanza_id = m
            .payloads
            .iter()
            .find(|p| p.is("stanza-id", ns::SID))
            .and_then(|p| p.attr("id"))
            .map(str::to_owned);
        let body = best_body(m);
        let pos = self
            .list
            .iter()
            .position(|t| id.is_some_and(|i| !t.msg_id.is_empty() && i == t.msg_id))
            .map(|p| (p, MatchedBy::Id))
            .or_else(|| {
                let o = origin.as_deref()?;
                self.list
                    .iter()
                    .position(|t| t.origin_id == o)
                    .map(|p| (p, MatchedBy::OriginId))
            })
            .or_else(|| {
                if !from_us {
                    return None;
                }
                let b = body?;
                self.list
                    .iter()
                    .position(|t| t.body.as_ref() == Some(b))
                    .map(|p| (p, MatchedBy::SenderAndBody))
            });
        let Some((pos, matched_by)) = pos else {
            return Vec::new();
        };
        let t = self.list.remove(pos);
        let state = TrackerState::DeliveredToRecipient {
            matched_by,
            stanza_id,
        };
        if t.state == TrackerState::InFlight {
            vec![(t.id, TrackerState::DeliveredToServer), (t.id, state)]
        } else {
            vec![(t.id, state)]
        }
    }

    /// An error message from the room answering one of ours.
    pub(crate) fn error(
        &mut self,
        id: &str,
        error: ServerError,
    ) -> Option<(TrackerId, TrackerState)> {
        let pos = self.list.iter().position(|t| t.msg_id == id)?;
        let t = self.list.remove(pos);
        Some((t.id, TrackerState::Error(error)))
    }

    /// Every tracker whose deadline passed.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<(TrackerId, TrackerState)> {
        self.finish(
            |t| t.deadline.is_some_and(|d| d <= now),
            |_| TrackerState::TimedOut,
        )
    }

    /// Every open tracker ends in `Unknown` (exit, suspend, resume).
    pub(crate) fn forget_all(&mut self) -> Vec<(TrackerId, TrackerState)> {
        self.finish(|_| true, |_| TrackerState::Unknown)
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.list.iter().filter_map(|t| t.deadline).min()
    }

    fn finish(
        &mut self,
        mut which: impl FnMut(&Tracker) -> bool,
        mut state: impl FnMut(&Tracker) -> TrackerState,
    ) -> Vec<(TrackerId, TrackerState)> {
        let mut out = Vec::new();
        self.list.retain(|t| {
            if which(t) {
                out.push((t.id, state(t)));
                false
            } else {
                true
            }
        });
        out
    }
}
