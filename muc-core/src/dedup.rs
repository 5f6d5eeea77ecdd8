//! Recognizing a message seen before, so a rejoin's history replay (or a
//! server that sends a stanza twice) shows nothing twice.
//!
//! The keys, in order (as the rejoin contract promises): the room's
//! stanza-id (XEP-0359), the sender's origin-id, the sender's message id
//! with the same body, and for replayed history the sender and body with a
//! delay stamp close to when the message was first seen.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash};

use chrono::{DateTime as ChronoDateTime, FixedOffset};
use xmpp_parsers::message::Message;
use xmpp_parsers::ns;

/// How far a replayed message's delay stamp may be from the moment we saw
/// it live and still be the same message (clock skew between us and the
/// room, plus transit).
const STAMP_TOLERANCE_SECS: i64 = 120;

/// What is kept of one message. The ids are kept as hashes: the room
/// chooses their length, and a ring of 512 megabyte-long ids is not what a
/// dedup window should cost.
#[derive(Debug)]
struct Seen {
    stanza_id: Option<u64>,
    origin_id: Option<u64>,
    msg_id: Option<u64>,
    sender: Box<str>,
    body_hash: u64,
    at: ChronoDateTime<FixedOffset>,
}

/// The last messages of a room, bounded.
#[derive(Debug)]
pub(crate) struct Dedup {
    seen: VecDeque<Seen>,
    capacity: usize,
    hasher: hashbrown::DefaultHashBuilder,
}

/// The identifying parts of one message.
pub(crate) struct Keys<'a> {
    pub(crate) stanza_id: Option<&'a str>,
    pub(crate) origin_id: Option<&'a str>,
    pub(crate) msg_id: Option<&'a str>,
    pub(crate) sender: &'a str,
    pub(crate) body: Option<&'a str>,
    /// The delay stamp (history) or the moment we received it (live).
    pub(crate) at: ChronoDateTime<FixedOffset>,
    pub(crate) delayed: bool,
}

impl<'a> Keys<'a> {
    pub(crate) fn of(
        m: &'a Message,
        room: &str,
        sender: &'a str,
        at: ChronoDateTime<FixedOffset>,
        delayed: bool,
    ) -> Keys<'a> {
        let stanza_id = m
            .payloads
            .iter()
            .find(|p| p.is("stanza-id", ns::SID) && p.attr("by") == Some(room))
            .and_then(|p| p.attr("id"));
        let origin_id = m
            .payloads
            .iter()
            .find(|p| p.is("origin-id", ns::SID))
            .and_then(|p| p.attr("id"));
        Keys {
            stanza_id,
            origin_id,
            msg_id: m.id.as_ref().map(|i| i.0.as_str()),
            sender,
            body: m.get_best_body(Vec::new()).map(|(_, b)| b.as_str()),
            at,
            delayed,
        }
    }
}

impl Dedup {
    pub(crate) fn new(capacity: usize) -> Dedup {
        Dedup {
            seen: VecDeque::new(),
            capacity,
            hasher: hashbrown::DefaultHashBuilder::default(),
        }
    }

    fn hash_body(&self, body: Option<&str>) -> u64 {
        let mut h = self.hasher.build_hasher();
        body.hash(&mut h);
        std::hash::Hasher::finish(&h)
    }

    fn hash_id(&self, id: Option<&str>) -> Option<u64> {
        id.map(|id| self.hasher.hash_one(id))
    }

    /// Whether `k` was seen before; if not, remembers it.
    pub(crate) fn check_and_insert(&mut self, k: &Keys<'_>) -> bool {
        let body_hash = self.hash_body(k.body);
        let (stanza_id, origin_id, msg_id) = (
            self.hash_id(k.stanza_id),
            self.hash_id(k.origin_id),
            self.hash_id(k.msg_id),
        );
        let dup = self.seen.iter().any(|s| {
            if let (Some(a), Some(b)) = (s.stanza_id, stanza_id) {
                return a == b;
            }
            if *s.sender != *k.sender || s.body_hash != body_hash {
                return false;
            }
            if let (Some(a), Some(b)) = (s.origin_id, origin_id) {
                return a == b;
            }
            if let (Some(a), Some(b)) = (s.msg_id, msg_id) {
                if a == b {
                    return true;
                }
            }
            k.delayed && (s.at - k.at).num_seconds().abs() <= STAMP_TOLERANCE_SECS
        });
        if !dup {
            if self.seen.len() == self.capacity {
                self.seen.pop_front();
            }
            self.seen.push_back(Seen {
                stanza_id,
                origin_id,
                msg_id,
                sender: k.sender.into(),
                body_hash,
                at: k.at,
            });
        }
        dup
    }

    /// The newest moment a message was seen (for `<history since/>`).
    pub(crate) fn last_seen(&self) -> Option<ChronoDateTime<FixedOffset>> {
        self.seen.iter().map(|s| s.at).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xmpp_parsers::message::Lang;

    fn msg(id: Option<&str>, body: &str, extra: &str) -> Message {
        let xml = format!(
            "<message xmlns='jabber:client' type='groupchat' from='r@s/a' {}><body>{body}</body>{extra}</message>",
            id.map(|i| format!("id='{i}'")).unwrap_or_default()
        );
        Message::try_from(xml.parse::<minidom::Element>().unwrap()).unwrap()
    }

    fn t(s: &str) -> ChronoDateTime<FixedOffset> {
        ChronoDateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn stanza_id_decides_alone() {
        let mut d = Dedup::new(8);
        let sid = "<stanza-id xmlns='urn:xmpp:sid:0' by='r@s' id='S1'/>";
        let a = msg(Some("1"), "hi", sid);
        let b = msg(Some("2"), "different", sid);
        assert!(!d.check_and_insert(&Keys::of(&a, "r@s", "a", t("2020-01-01T00:00:00Z"), false)));
        assert!(d.check_and_insert(&Keys::of(&b, "r@s", "a", t("2020-01-01T01:00:00Z"), true)));
        let other = msg(
            Some("1"),
            "hi",
            "<stanza-id xmlns='urn:xmpp:sid:0' by='r@s' id='S2'/>",
        );
        assert!(
            !d.check_and_insert(&Keys::of(
                &other,
                "r@s",
                "a",
                t("2020-01-01T00:00:00Z"),
                false
            )),
            "another stanza-id is another message"
        );
        // A stanza-id stamped by someone else is not the room's.
        let forged = msg(
            None,
            "x",
            "<stanza-id xmlns='urn:xmpp:sid:0' by='evil@s' id='S1'/>",
        );
        assert!(!d.check_and_insert(&Keys::of(
            &forged,
            "r@s",
            "b",
            t("2020-01-01T00:00:00Z"),
            false
        )));
    }

    #[test]
    fn live_repeats_without_ids_are_kept() {
        let mut d = Dedup::new(8);
        let m = msg(None, "ok", "");
        assert!(!d.check_and_insert(&Keys::of(&m, "r@s", "a", t("2020-01-01T00:00:00Z"), false)));
        assert!(
            !d.check_and_insert(&Keys::of(&m, "r@s", "a", t("2020-01-01T00:00:01Z"), false)),
            "saying 'ok' twice is two messages"
        );
    }

    #[test]
    fn replayed_history_matches_on_sender_body_and_time() {
        let mut d = Dedup::new(8);
        let m = msg(None, "hello", "");
        assert!(!d.check_and_insert(&Keys::of(&m, "r@s", "a", t("2020-01-01T00:00:10Z"), false)));
        assert!(d.check_and_insert(&Keys::of(&m, "r@s", "a", t("2020-01-01T00:00:09Z"), true)));
        assert!(
            !d.check_and_insert(&Keys::of(&m, "r@s", "b", t("2020-01-01T00:00:09Z"), true)),
            "other sender"
        );
        assert!(
            !d.check_and_insert(&Keys::of(&m, "r@s", "a", t("2020-01-01T05:00:00Z"), true)),
            "hours apart"
        );
        let _ = Lang::new();
    }

    #[test]
    fn same_id_and_body_from_same_sender_is_a_duplicate() {
        let mut d = Dedup::new(8);
        let m = msg(Some("abc"), "hello", "");
        assert!(!d.check_and_insert(&Keys::of(&m, "r@s", "a", t("2020-01-01T00:00:00Z"), false)));
        assert!(d.check_and_insert(&Keys::of(&m, "r@s", "a", t("2020-01-01T00:00:00Z"), false)));
    }

    #[test]
    fn bounded() {
        let mut d = Dedup::new(2);
        for i in 0..5 {
            let m = msg(Some(&i.to_string()), "x", "");
            d.check_and_insert(&Keys::of(&m, "r@s", "a", t("2020-01-01T00:00:00Z"), false));
        }
        assert_eq!(d.seen.len(), 2);
    }
}
