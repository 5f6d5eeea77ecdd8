//! One error type for everything the crate does.

use std::time::Duration;

use muc_core::{JoinError, RequestError, ServerError, UsageError};
use xmpp_parsers::stanza_error::DefinedCondition;

/// What went wrong.
///
/// Stanza errors keep their condition and text: [`Error::condition`] and
/// [`Error::server_error`] reach them whether they came from a join, a
/// request or a message.
///
/// ```
/// use muc_client::{Error, RequestError};
/// let e = Error::Request(RequestError::TimedOut);
/// assert!(e.is_timeout());
/// assert!(e.condition().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A call that does not make sense: a room JID that is not bare, a
    /// second join of the same room, an invalid nick, an action in a room
    /// that is not joined.
    #[error(transparent)]
    Usage(#[from] UsageError),
    /// Joining a room failed (refused with a stanza error, no answer in
    /// time, the stream was lost, the join was cancelled ...).
    #[error(transparent)]
    Join(#[from] JoinError),
    /// A request failed (refused with a stanza error, no answer in time,
    /// the stream was lost, an answer that makes no sense ...).
    #[error(transparent)]
    Request(#[from] RequestError),
    /// The server rejected the credentials (SASL failure); the condition
    /// is the SASL one (`not-authorized`, `account-disabled` ...).
    #[error("authentication failed: {0}")]
    Auth(String),
    /// Connecting failed: no stream came up in time. `last_error` is what
    /// the last attempt reported, if anything.
    #[error("could not connect within {timeout:?}{}", last_error.as_ref().map(|e| format!(": {e}")).unwrap_or_default())]
    Connect {
        /// How long we tried.
        timeout: Duration,
        /// The last attempt's error.
        last_error: Option<String>,
    },
    /// A JID that does not parse.
    #[error("invalid JID: {0}")]
    InvalidJid(String),
    /// An argument that cannot be used (the text says why).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A wait of this crate's own (not one of muc-core's deadlines) ran
    /// out; the text says which.
    #[error("timed out: {0}")]
    Timeout(&'static str),
    /// The service is closed: its driver task ended (closed, or every
    /// handle was dropped).
    #[error("the service is closed")]
    Closed,
}

impl Error {
    /// The server's stanza error, if the server refused.
    pub fn server_error(&self) -> Option<&ServerError> {
        match self {
            Error::Join(JoinError::Refused(e)) => Some(e),
            Error::Request(RequestError::Server(e)) => Some(e),
            _ => None,
        }
    }

    /// The stanza error condition (`conflict`, `forbidden`,
    /// `not-authorized`, `registration-required`, `item-not-found`,
    /// `service-unavailable` ...), if the server refused.
    pub fn condition(&self) -> Option<&DefinedCondition> {
        self.server_error().map(|e| &e.condition)
    }

    /// The human-readable text of the server's stanza error, if any.
    pub fn text(&self) -> Option<&str> {
        self.server_error().and_then(|e| e.text.as_deref())
    }

    /// Whether this is a timeout (a join, a request, connecting, or one of
    /// this crate's own waits).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Error::Join(JoinError::TimedOut)
                | Error::Request(RequestError::TimedOut)
                | Error::Connect { .. }
                | Error::Timeout(_)
        )
    }

    /// Whether the stream was lost (or the service closed) before the
    /// answer came.
    pub fn is_disconnected(&self) -> bool {
        matches!(
            self,
            Error::Join(JoinError::Disconnected)
                | Error::Request(RequestError::Disconnected)
                | Error::Closed
        )
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use xmpp_parsers::stanza_error::{ErrorType, StanzaError};

    #[test]
    fn condition_and_text_survive() {
        let raw = StanzaError::new(
            ErrorType::Cancel,
            DefinedCondition::Conflict,
            "en",
            "nick taken",
        );
        let e = Error::Request(RequestError::Server(ServerError::new(raw)));
        assert_eq!(e.condition(), Some(&DefinedCondition::Conflict));
        assert_eq!(e.text(), Some("nick taken"));
        assert!(e.to_string().contains("conflict"), "{e}");
        assert!(!e.is_timeout());
    }

    #[test]
    fn connect_error_display() {
        let e = Error::Connect {
            timeout: Duration::from_secs(1),
            last_error: Some("refused".into()),
        };
        assert_eq!(e.to_string(), "could not connect within 1s: refused");
        assert!(e.is_timeout());
    }
}
