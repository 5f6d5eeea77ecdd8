//! The shared presence workload (`research/bench/WORKLOAD.md`), byte for byte.
//!
//! One self-presence puts the room in the joined state; then three timed
//! phases of `N` stanzas each: joins, status changes, leaves. Every stanza
//! is ASCII, single-quoted, with attributes in a fixed order and no
//! whitespace between elements, exactly as the Python generator writes it
//! (the SHA-256 sums in WORKLOAD.md are checked by `tests/workload.rs`).

use std::fmt::Write as _;

/// Number of occupants in the standard workload.
pub const N: usize = 10_000;
/// The bare JID of the room.
pub const ROOM: &str = "bench@muc.example.org";
/// The local user's nick.
pub const OWN_NICK: &str = "benchbot";
/// The local user's full JID.
pub const OWN_FULL_JID: &str = "me@example.org/bench";

/// The stream header, fed once before any stanza (170 bytes).
pub const STREAM_HEADER: &str = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='bench-stream' from='example.org' to='me@example.org' version='1.0' xml:lang='en'>";
/// The stream footer (only part of the whole-stream checksum).
pub const STREAM_FOOTER: &str = "</stream:stream>";
/// The self-presence (status 110) that puts the room in the joined state.
pub const SELF_PRESENCE: &str = "<presence from='bench@muc.example.org/benchbot' to='me@example.org/bench' id='self-1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='me@example.org/bench'/><status code='110'/></x></presence>";

/// One of the three timed phases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Occupant `i` joins.
    Join,
    /// Occupant `i` goes away with a status text.
    Status,
    /// Occupant `i` leaves.
    Leave,
}

impl Phase {
    /// The phases in workload order.
    pub const ALL: [Phase; 3] = [Phase::Join, Phase::Status, Phase::Leave];

    /// The phase's name as the Python scripts print it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Join => "join",
            Phase::Status => "status",
            Phase::Leave => "leave",
        }
    }

    /// Appends stanza `i` of this phase to `out`.
    pub fn write(self, i: usize, out: &mut String) {
        let r = match self {
            Phase::Join => write!(
                out,
                "<presence from='{ROOM}/user{i:05}' to='{OWN_FULL_JID}' id='join-{i:05}'>\
                 <x xmlns='http://jabber.org/protocol/muc#user'>\
                 <item affiliation='member' role='participant' jid='user{i:05}@example.org/res'/>\
                 </x></presence>"
            ),
            Phase::Status => write!(
                out,
                "<presence from='{ROOM}/user{i:05}' to='{OWN_FULL_JID}' id='status-{i:05}'>\
                 <show>away</show><status>be right back</status>\
                 <x xmlns='http://jabber.org/protocol/muc#user'>\
                 <item affiliation='member' role='participant' jid='user{i:05}@example.org/res'/>\
                 </x></presence>"
            ),
            Phase::Leave => write!(
                out,
                "<presence from='{ROOM}/user{i:05}' to='{OWN_FULL_JID}' id='leave-{i:05}' type='unavailable'>\
                 <x xmlns='http://jabber.org/protocol/muc#user'>\
                 <item affiliation='member' role='none' jid='user{i:05}@example.org/res'/>\
                 </x></presence>"
            ),
        };
        r.expect("writing to a String cannot fail");
    }

    /// Stanza `i` of this phase.
    pub fn stanza(self, i: usize) -> String {
        let mut s = String::with_capacity(288);
        self.write(i, &mut s);
        s
    }

    /// The `n` stanzas of this phase.
    pub fn stanzas(self, n: usize) -> Vec<String> {
        (0..n).map(|i| self.stanza(i)).collect()
    }
}

/// The stanzas of the three timed phases, in order: `n` joins, `n` status
/// changes, `n` leaves.
pub fn timed_stanzas(n: usize) -> Vec<String> {
    Phase::ALL.iter().flat_map(|p| p.stanzas(n)).collect()
}

/// The whole stream: header, self-presence, the three phases, footer.
pub fn whole_stream(n: usize) -> String {
    let mut s = String::with_capacity(STREAM_HEADER.len() + 260 * 3 * n + 300);
    s.push_str(STREAM_HEADER);
    s.push_str(SELF_PRESENCE);
    for p in Phase::ALL {
        for i in 0..n {
            p.write(i, &mut s);
        }
    }
    s.push_str(STREAM_FOOTER);
    s
}
