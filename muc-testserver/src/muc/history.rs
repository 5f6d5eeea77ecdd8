//! Discussion history sent to new occupants (XEP-0045 §7.2.15) with
//! `maxchars`, `maxstanzas`, `seconds` and `since`.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use minidom::Element;

use crate::stanza::{ElementExt, NS_DELAY, el, stamp};

/// The `<history/>` element of a join request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HistoryRequest {
    pub max_chars: Option<usize>,
    pub max_stanzas: Option<usize>,
    pub seconds: Option<u64>,
    pub since: Option<SystemTime>,
}

impl HistoryRequest {
    /// From the `<history/>` of muc-xso's parsed join element.
    pub fn from_xso(history: Option<&muc_xso::History>) -> HistoryRequest {
        let Some(h) = history else {
            return HistoryRequest::default();
        };
        HistoryRequest {
            max_chars: h.maxchars.map(|n| n as usize),
            max_stanzas: h.maxstanzas.map(|n| n as usize),
            seconds: h.seconds.map(u64::from),
            since: h.since.as_ref().and_then(|d| {
                u64::try_from(d.0.timestamp())
                    .ok()
                    .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
            }),
        }
    }
}

struct Entry {
    /// The message as broadcast (from = occupant JID, no `to`).
    message: Element,
    stamp: SystemTime,
}

/// The room's history buffer.
#[derive(Default)]
pub(crate) struct History {
    entries: VecDeque<Entry>,
}

impl History {
    /// Remember a broadcast message, keeping at most `limit` entries.
    pub fn push(&mut self, message: Element, limit: usize) {
        self.entries.push_back(Entry {
            message,
            stamp: SystemTime::now(),
        });
        self.trim(limit);
    }

    /// Drop the oldest entries beyond `limit`.
    pub fn trim(&mut self, limit: usize) {
        while self.entries.len() > limit {
            self.entries.pop_front();
        }
    }

    /// Forget everything.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The messages to send to a new occupant, oldest first, each with
    /// `<delay from=room/>`, without `to`.
    pub fn select(&self, req: &HistoryRequest, room: &str) -> Vec<Element> {
        let now = SystemTime::now();
        let mut picked: Vec<Element> = Vec::new();
        let mut chars = 0usize;
        for e in self.entries.iter().rev() {
            if let Some(max) = req.max_stanzas {
                if picked.len() >= max {
                    break;
                }
            }
            if let Some(secs) = req.seconds {
                if now.duration_since(e.stamp).unwrap_or_default() > Duration::from_secs(secs) {
                    break;
                }
            }
            if let Some(since) = req.since {
                if e.stamp < since {
                    break;
                }
            }
            let mut m = e.message.clone();
            m.append_child(
                el("delay", NS_DELAY)
                    .with_attr("from", room)
                    .with_attr("stamp", stamp(e.stamp)),
            );
            if let Some(max) = req.max_chars {
                // XEP-0045 §7.2.15: the complete XML of each stanza counts.
                chars += String::from(&m).len();
                if chars > max {
                    break;
                }
            }
            picked.push(m);
        }
        picked.reverse();
        picked
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stanza::stanza;

    fn msg(body: &str) -> Element {
        stanza("message")
            .with_attr("type", "groupchat")
            .with_child(el("body", crate::stanza::NS_CLIENT).with_text(body))
    }

    #[test]
    fn limits() {
        let mut h = History::default();
        for i in 0..5 {
            h.push(msg(&format!("m{i}")), 3);
        }
        let all = h.select(&HistoryRequest::default(), "r@c");
        assert_eq!(all.len(), 3);
        let two = h.select(
            &HistoryRequest {
                max_stanzas: Some(2),
                ..Default::default()
            },
            "r@c",
        );
        assert_eq!(two.len(), 2);
        assert_eq!(
            two[1]
                .get_child("body", crate::stanza::NS_CLIENT)
                .map(|b| b.text()),
            Some("m4".into())
        );
        let none = h.select(
            &HistoryRequest {
                max_chars: Some(0),
                ..Default::default()
            },
            "r@c",
        );
        assert!(none.is_empty());
        let recent = h.select(
            &HistoryRequest {
                seconds: Some(60),
                ..Default::default()
            },
            "r@c",
        );
        assert_eq!(recent.len(), 3);
    }
}
