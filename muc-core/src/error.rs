//! Errors: joins, requests and stanza errors as data.

use std::fmt;

use xmpp_parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};

/// A stanza error the server returned, with its condition and text.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerError {
    /// The error type (auth, cancel, continue, modify, wait).
    pub type_: ErrorType,
    /// The defined condition (`conflict`, `forbidden`, ...).
    pub condition: DefinedCondition,
    /// The human-readable text, if the server gave one.
    pub text: Option<String>,
    /// The whole error as received.
    pub raw: Box<StanzaError>,
}

impl ServerError {
    /// Wraps a received `<error/>`.
    pub fn new(error: StanzaError) -> ServerError {
        let text = error
            .texts
            .get("")
            .or_else(|| error.texts.values().next())
            .cloned();
        ServerError {
            type_: error.type_.clone(),
            condition: error.defined_condition.clone(),
            text,
            raw: Box::new(error),
        }
    }

    /// Wraps the `<error/>` of an error stanza; one without a (valid)
    /// `<error/>` reads as `undefined-condition`.
    pub(crate) fn or_undefined(error: Option<StanzaError>) -> ServerError {
        ServerError::new(error.unwrap_or_else(|| {
            StanzaError::new(
                ErrorType::Cancel,
                DefinedCondition::UndefinedCondition,
                "",
                "",
            )
        }))
    }

    /// The condition's element name (`conflict`, `not-authorized`, ...).
    pub fn condition_name(&self) -> &'static str {
        condition_name(&self.condition)
    }
}

/// The element name of a defined condition.
pub fn condition_name(c: &DefinedCondition) -> &'static str {
    use DefinedCondition::*;
    match c {
        BadRequest => "bad-request",
        Conflict => "conflict",
        FeatureNotImplemented => "feature-not-implemented",
        Forbidden => "forbidden",
        Gone { .. } => "gone",
        InternalServerError => "internal-server-error",
        ItemNotFound => "item-not-found",
        JidMalformed => "jid-malformed",
        NotAcceptable => "not-acceptable",
        NotAllowed => "not-allowed",
        NotAuthorized => "not-authorized",
        PolicyViolation => "policy-violation",
        RecipientUnavailable => "recipient-unavailable",
        Redirect { .. } => "redirect",
        RegistrationRequired => "registration-required",
        RemoteServerNotFound => "remote-server-not-found",
        RemoteServerTimeout => "remote-server-timeout",
        ResourceConstraint => "resource-constraint",
        ServiceUnavailable => "service-unavailable",
        SubscriptionRequired => "subscription-required",
        UndefinedCondition => "undefined-condition",
        UnexpectedRequest => "unexpected-request",
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.condition_name())?;
        if let Some(text) = &self.text {
            write!(f, " ({text})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServerError {}

/// Why a request to the room did not succeed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The server answered with a stanza error.
    #[error("the server refused: {0}")]
    Server(ServerError),
    /// No answer before the deadline.
    #[error("no answer in time")]
    TimedOut,
    /// The stream was lost before the answer came.
    #[error("the stream was lost before the answer came")]
    Disconnected,
    /// The answer came but could not be understood.
    #[error("unexpected answer: {0}")]
    BadResponse(String),
    /// The request does not apply (not joined, unknown room, ...).
    #[error("{0}")]
    Invalid(String),
}

impl RequestError {
    /// The stanza error condition, if the server refused.
    pub fn condition(&self) -> Option<&DefinedCondition> {
        match self {
            RequestError::Server(e) => Some(&e.condition),
            _ => None,
        }
    }
}

/// Why joining a room failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    /// The room refused the join (conflict, not-authorized,
    /// registration-required, forbidden, item-not-found,
    /// service-unavailable, ...).
    #[error("the room refused the join: {0}")]
    Refused(ServerError),
    /// No self-presence before the deadline.
    #[error("no self-presence in time")]
    TimedOut,
    /// The stream was lost before the join completed.
    #[error("the stream was lost before the join completed")]
    Disconnected,
    /// The user left (or the router shut down) before the join completed.
    #[error("the join was cancelled")]
    Cancelled,
    /// The room took us in and threw us out at once (kicked, banned, ...).
    #[error("removed from the room while joining ({mode:?})")]
    Removed {
        /// How.
        mode: crate::LeaveMode,
        /// The reason the room gave.
        reason: Option<String>,
    },
}

impl JoinError {
    /// The stanza error condition, if the room refused.
    pub fn condition(&self) -> Option<&DefinedCondition> {
        match self {
            JoinError::Refused(e) => Some(&e.condition),
            _ => None,
        }
    }
}

/// A call that does not make sense in the current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// A room JID with a resource was given where a bare one is needed.
    #[error("'{0}' is not a bare room JID")]
    NotBare(String),
    /// The room is already joined or being joined.
    #[error("room {0} is already joined or being joined")]
    AlreadyJoined(String),
    /// The room is not joined (or not known to the router).
    #[error("room {0} is not joined")]
    NotJoined(String),
    /// A nickname is not a valid resourcepart.
    #[error("'{0}' is not a valid nickname")]
    BadNick(String),
    /// Text to send holds characters XML cannot carry.
    #[error("{0}")]
    InvalidText(String),
}
