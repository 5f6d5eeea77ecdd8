//! Affiliations (long-lived, per bare JID) and roles (per visit).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::codec::AttrValue;

/// A user's long-lived relationship with a room (XEP-0045 §5.2).
///
/// Ordered by privilege: `Outcast < None < Member < Admin < Owner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Affiliation {
    /// Banned from the room.
    Outcast,
    /// No affiliation.
    None,
    /// A member of the room.
    Member,
    /// A room administrator.
    Admin,
    /// A room owner.
    Owner,
}

/// A user's role during one visit to a room (XEP-0045 §5.1).
///
/// Ordered by privilege: `None < Visitor < Participant < Moderator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Not in the room (used on exit and in kick requests).
    None,
    /// In the room, may not speak in moderated rooms.
    Visitor,
    /// In the room, may speak.
    Participant,
    /// May kick, grant voice and moderate.
    Moderator,
}

impl Affiliation {
    /// Every affiliation, from the least to the most privileged.
    pub const ALL: [Affiliation; 5] = [
        Affiliation::Outcast,
        Affiliation::None,
        Affiliation::Member,
        Affiliation::Admin,
        Affiliation::Owner,
    ];

    /// The attribute value (`owner`, `admin`, `member`, `outcast`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Affiliation::Owner => "owner",
            Affiliation::Admin => "admin",
            Affiliation::Member => "member",
            Affiliation::Outcast => "outcast",
            Affiliation::None => "none",
        }
    }
}

impl Role {
    /// Every role, from the least to the most privileged.
    pub const ALL: [Role; 4] = [
        Role::None,
        Role::Visitor,
        Role::Participant,
        Role::Moderator,
    ];

    /// The attribute value (`moderator`, `participant`, `visitor`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Participant => "participant",
            Role::Visitor => "visitor",
            Role::None => "none",
        }
    }
}

/// Returned when a string is not an affiliation or role name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not one of: {allowed}")]
pub struct UnknownValue {
    /// The rejected text.
    pub value: String,
    /// The accepted values, comma-separated.
    pub allowed: &'static str,
}

impl FromStr for Affiliation {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "owner" => Affiliation::Owner,
            "admin" => Affiliation::Admin,
            "member" => Affiliation::Member,
            "outcast" => Affiliation::Outcast,
            "none" => Affiliation::None,
            _ => {
                return Err(UnknownValue {
                    value: s.to_owned(),
                    allowed: "owner, admin, member, outcast, none",
                });
            }
        })
    }
}

impl FromStr for Role {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "moderator" => Role::Moderator,
            "participant" => Role::Participant,
            "visitor" => Role::Visitor,
            "none" => Role::None,
            _ => {
                return Err(UnknownValue {
                    value: s.to_owned(),
                    allowed: "moderator, participant, visitor, none",
                });
            }
        })
    }
}

impl fmt::Display for Affiliation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AttrValue for Affiliation {
    fn parse_attr(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e: UnknownValue| e.to_string())
    }
    fn render_attr(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

impl AttrValue for Role {
    fn parse_attr(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e: UnknownValue| e.to_string())
    }
    fn render_attr(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Affiliation::ALL {
            assert_eq!(a.as_str().parse::<Affiliation>(), Ok(a));
        }
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
    }

    #[test]
    fn unknown_names_are_rejected() {
        let e = "boss".parse::<Affiliation>().unwrap_err();
        assert_eq!(e.value, "boss");
        assert!(
            "Owner".parse::<Affiliation>().is_err(),
            "names are case-sensitive"
        );
        assert!("king".parse::<Role>().is_err());
    }

    #[test]
    fn ordering_follows_privilege() {
        assert!(Affiliation::Owner > Affiliation::Admin);
        assert!(Affiliation::Member > Affiliation::None);
        assert!(Affiliation::None > Affiliation::Outcast);
        assert!(Role::Moderator > Role::Participant);
        assert!(Role::Visitor > Role::None);
    }
}
