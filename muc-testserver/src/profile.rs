//! Which real server to imitate where Prosody 0.12 and ejabberd 23.01 differ.
//!
//! Every difference the MUC service knows about is a method here, so the
//! room code reads as `if profile.locks_new_rooms() { .. }` and the list of
//! differences stays in one place. The behaviour of each is taken from wire
//! captures of the real servers (`research/prosody-and-tokio-xmpp.md` §2/§4,
//! `research/ejabberd.md` §6).

use std::fmt;
use std::str::FromStr;

use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType};

/// The server whose MUC behaviour is imitated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// Prosody 0.12 (`mod_muc`, with `muc_room_locking = true` and
    /// `mod_muc_mam`-style stanza-ids). The default.
    #[default]
    Prosody,
    /// ejabberd 23.01 (`mod_muc` with the default room options).
    Ejabberd,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Profile::Prosody => "prosody",
            Profile::Ejabberd => "ejabberd",
        })
    }
}

/// Error of [`Profile::from_str`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown profile {0:?} (expected \"prosody\" or \"ejabberd\")")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "prosody" => Ok(Profile::Prosody),
            "ejabberd" => Ok(Profile::Ejabberd),
            _ => Err(UnknownProfile(s.to_owned())),
        }
    }
}

impl Profile {
    /// A new room is locked (others get `item-not-found`) until the owner
    /// submits the configuration form. ejabberd never locks (#1799).
    pub fn locks_new_rooms(self) -> bool {
        self == Profile::Prosody
    }

    /// XEP-0421 `<occupant-id/>` on occupant presences and messages.
    pub fn occupant_id(self) -> bool {
        self == Profile::Prosody
    }

    /// XEP-0359 `<stanza-id by=room/>` on groupchat messages.
    pub fn stanza_id(self) -> bool {
        self == Profile::Prosody
    }

    /// The room sends presences from its bare JID: entity caps before the
    /// self-presence on join and after configuration changes, and an
    /// unavailable before the self-presence on leave, kick, ban and destroy.
    pub fn bare_room_presences(self) -> bool {
        self == Profile::Ejabberd
    }

    /// The unavailable presence on destroy carries status 110 and the real
    /// affiliation (Prosody) instead of none/none and no 110 (ejabberd).
    pub fn destroy_has_self_status(self) -> bool {
        self == Profile::Prosody
    }

    /// Status codes go before the `<item/>`, 110 last (Prosody: 201, item,
    /// 110); ejabberd puts the item first and the codes after it.
    pub fn status_before_item(self) -> bool {
        self == Profile::Prosody
    }

    /// The new-nick presence of a nick change echoes the id of the request
    /// (Prosody); ejabberd reuses the id of the original join presence.
    pub fn nick_change_echoes_request_id(self) -> bool {
        self == Profile::Prosody
    }

    /// The subject-change reflection keeps the request's id (ejabberd only).
    pub fn subject_keeps_id(self) -> bool {
        self == Profile::Ejabberd
    }

    /// The subject on join carries `<delay/>` once set (Prosody only).
    pub fn subject_has_delay(self) -> bool {
        self == Profile::Prosody
    }

    /// Disco identity name of the MUC service.
    pub fn service_name(self) -> &'static str {
        match self {
            Profile::Prosody => "Prosody Chatrooms",
            Profile::Ejabberd => "Chatrooms",
        }
    }

    /// Error type and text for a join to a full room; the condition is
    /// [`room_full_condition`](Self::room_full_condition).
    pub fn room_full_error(self) -> (ErrorType, &'static str) {
        match self {
            Profile::Prosody => (
                ErrorType::Cancel,
                "The room has reached its maximum number of occupants",
            ),
            Profile::Ejabberd => (ErrorType::Wait, "Too many users in this conference"),
        }
    }

    /// Error condition for a join to a full room: `service-unavailable`
    /// (§7.2.9) or ejabberd's `resource-constraint`.
    pub fn room_full_condition(self) -> DefinedCondition {
        match self {
            Profile::Prosody => DefinedCondition::ServiceUnavailable,
            Profile::Ejabberd => DefinedCondition::ResourceConstraint,
        }
    }

    /// Error type and text for a groupchat message from a non-occupant.
    pub fn not_occupant_error(self) -> (ErrorType, &'static str) {
        match self {
            Profile::Prosody => (
                ErrorType::Cancel,
                "You are not currently connected to this chat",
            ),
            Profile::Ejabberd => (
                ErrorType::Modify,
                "Only occupants are allowed to send messages to the conference",
            ),
        }
    }

    /// Error type and text (condition `not-acceptable`) for an IQ to an
    /// occupant JID, a self-ping included, from someone who is not an
    /// occupant (XEP-0410 reads it as "not joined").
    pub fn not_occupant_query_error(self) -> (ErrorType, &'static str) {
        match self {
            Profile::Prosody => (
                ErrorType::Cancel,
                "You are not currently connected to this chat",
            ),
            Profile::Ejabberd => (
                ErrorType::Modify,
                "Only occupants are allowed to send queries to the conference",
            ),
        }
    }

    /// Error text (condition `item-not-found`) for an IQ or a private
    /// message to a nick nobody has.
    pub fn recipient_not_in_room_text(self) -> &'static str {
        match self {
            Profile::Prosody => "Recipient not in room",
            Profile::Ejabberd => "Recipient is not in the conference room",
        }
    }

    /// disco#info on a room with a node: Prosody answers (an identity with
    /// the reserved nick for `x-roomuser-item`, §7.12, an empty query
    /// otherwise); ejabberd answers `item-not-found` ("Invalid node name").
    pub fn answers_disco_nodes(self) -> bool {
        self == Profile::Prosody
    }

    /// Who may read an affiliation list: Prosody's rule (the requester's
    /// affiliation at or above the list's, and at least admin; or a member
    /// of a members-only, non-anonymous room) instead of ejabberd's (admins
    /// and owners read every list).
    pub fn list_needs_equal_rank(self) -> bool {
        self == Profile::Prosody
    }

    /// Becoming semi-anonymous again sends 173 with 104 (Prosody) or 173
    /// alone (ejabberd).
    pub fn status_173_also_104(self) -> bool {
        self == Profile::Prosody
    }

    /// Errors carry a `by` attribute with the room JID (Prosody).
    pub fn error_by(self) -> bool {
        self == Profile::Prosody
    }

    /// Error texts for presence errors carry `<x xmlns=muc/>` echo
    /// (ejabberd echoes the request's payload in presence errors).
    pub fn echo_payload_in_errors(self) -> bool {
        self == Profile::Ejabberd
    }
}
