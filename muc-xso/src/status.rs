//! Status codes (`<status code='NNN'/>`), kept as numbers so none is lost.

use std::borrow::Cow;
use std::fmt;
use std::num::ParseIntError;
use std::str::FromStr;

use xso::{AsXml, FromXml};

use crate::codec::{AttrValue, Req};
use crate::ns;

/// A MUC status code.
///
/// The registry is open (servers send 174 and codes from other XEPs), so a
/// code is a number with named constants for the ones XEP-0045 registers;
/// an unknown code is kept as is and never makes a stanza fail.
///
/// ```
/// use muc_xso::StatusCode;
/// let code = StatusCode(110);
/// assert_eq!(code, StatusCode::SELF_PRESENCE);
/// assert!(matches!(code, StatusCode::SELF_PRESENCE));
/// assert_eq!(StatusCode(999).description(), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusCode(pub u16);

impl StatusCode {
    /// 100: any occupant may see the user's real JID (non-anonymous room).
    pub const NON_ANONYMOUS: StatusCode = StatusCode(100);
    /// 101: the user's affiliation changed while not in the room.
    pub const AFFILIATION_CHANGED_WHILE_ABSENT: StatusCode = StatusCode(101);
    /// 102: the room now shows unavailable members.
    pub const SHOWS_UNAVAILABLE: StatusCode = StatusCode(102);
    /// 103: the room no longer shows unavailable members.
    pub const HIDES_UNAVAILABLE: StatusCode = StatusCode(103);
    /// 104: a non-privacy-related configuration change happened.
    pub const CONFIG_CHANGED: StatusCode = StatusCode(104);
    /// 110: this presence refers to the user itself.
    pub const SELF_PRESENCE: StatusCode = StatusCode(110);
    /// 170: room logging is enabled.
    pub const LOGGING_ENABLED: StatusCode = StatusCode(170);
    /// 171: room logging is disabled.
    pub const LOGGING_DISABLED: StatusCode = StatusCode(171);
    /// 172: the room is now non-anonymous.
    pub const NOW_NON_ANONYMOUS: StatusCode = StatusCode(172);
    /// 173: the room is now semi-anonymous.
    pub const NOW_SEMI_ANONYMOUS: StatusCode = StatusCode(173);
    /// 174: the room is now fully anonymous (withdrawn from the registry,
    /// still sent by some services).
    pub const NOW_FULLY_ANONYMOUS: StatusCode = StatusCode(174);
    /// 201: a new room was created (and is locked until configured).
    pub const ROOM_CREATED: StatusCode = StatusCode(201);
    /// 210: the service assigned or modified the user's nickname.
    pub const NICK_ASSIGNED: StatusCode = StatusCode(210);
    /// 301: the user was banned.
    pub const BANNED: StatusCode = StatusCode(301);
    /// 303: the occupant changed nickname (the new one is in the item).
    pub const NICK_CHANGED: StatusCode = StatusCode(303);
    /// 307: the user was kicked.
    pub const KICKED: StatusCode = StatusCode(307);
    /// 321: the user was removed because of an affiliation change.
    pub const REMOVED_AFFILIATION_CHANGE: StatusCode = StatusCode(321);
    /// 322: the user was removed because the room became members-only.
    pub const REMOVED_MEMBERS_ONLY: StatusCode = StatusCode(322);
    /// 332: the user was removed because the service is shutting down.
    pub const REMOVED_SHUTDOWN: StatusCode = StatusCode(332);
    /// 333: the user was removed because of an error (technical reasons).
    pub const REMOVED_ERROR: StatusCode = StatusCode(333);

    /// What the code means, for the codes XEP-0045 registers.
    pub fn description(self) -> Option<&'static str> {
        Some(match self.0 {
            100 => "room is non-anonymous",
            101 => "affiliation changed while absent",
            102 => "room shows unavailable members",
            103 => "room hides unavailable members",
            104 => "configuration changed",
            110 => "self-presence",
            170 => "logging enabled",
            171 => "logging disabled",
            172 => "room now non-anonymous",
            173 => "room now semi-anonymous",
            174 => "room now fully anonymous",
            201 => "room created",
            210 => "nickname assigned by the service",
            301 => "banned",
            303 => "nickname changed",
            307 => "kicked",
            321 => "removed: affiliation change",
            322 => "removed: room is members-only",
            332 => "removed: service shutdown",
            333 => "removed: error",
            _ => return None,
        })
    }
}

impl fmt::Debug for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.description() {
            Some(d) => write!(f, "StatusCode({} {})", self.0, d),
            None => write!(f, "StatusCode({})", self.0),
        }
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<u16> for StatusCode {
    fn from(code: u16) -> Self {
        StatusCode(code)
    }
}

/// Reads the text of a `code` attribute: a number, surrounding whitespace
/// allowed; any number is a code.
///
/// ```
/// use muc_xso::StatusCode;
/// assert_eq!(" 110 ".parse(), Ok(StatusCode::SELF_PRESENCE));
/// assert!("abc".parse::<StatusCode>().is_err());
/// ```
impl FromStr for StatusCode {
    type Err = ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(StatusCode)
    }
}

impl AttrValue for StatusCode {
    fn parse_attr(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|_| "expected a numeric status code".to_owned())
    }
    fn render_attr(&self) -> Cow<'_, str> {
        Cow::Owned(self.0.to_string())
    }
}

/// `<status code='NNN'/>` in `muc#user`.
#[derive(FromXml, AsXml, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[xml(namespace = ns::MUC_USER, name = "status", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct Status {
    /// The code.
    #[xml(attribute(codec = Req { element: "status", attribute: "code" }))]
    pub code: StatusCode,
}

impl Status {
    /// A `<status/>` with this code.
    pub fn new(code: impl Into<StatusCode>) -> Status {
        Status { code: code.into() }
    }
}
