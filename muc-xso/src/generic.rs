//! `http://jabber.org/protocol/muc`: the `<x/>` a client puts in its join presence.

use minidom::Element;
use xmpp_parsers::date::DateTime;
use xmpp_parsers::presence::PresencePayload;
use xso::{AsXml, FromXml};

use crate::codec::Opt;
use crate::ns;

/// How much discussion history to replay on join (XEP-0045 §7.2.14).
///
/// All limits are optional; a server applies every one that is given.
/// `maxchars='0'` asks for no history at all.
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Default)]
#[xml(namespace = ns::MUC, name = "history", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct History {
    /// Total number of characters (of the stanzas' XML) to send.
    #[xml(attribute(default, codec = Opt { element: "history", attribute: "maxchars" }))]
    pub maxchars: Option<u32>,
    /// Number of messages to send.
    #[xml(attribute(default, codec = Opt { element: "history", attribute: "maxstanzas" }))]
    pub maxstanzas: Option<u32>,
    /// Only messages from the last this many seconds.
    #[xml(attribute(default, codec = Opt { element: "history", attribute: "seconds" }))]
    pub seconds: Option<u32>,
    /// Only messages since this moment (XEP-0082 DateTime).
    #[xml(attribute(default, codec = Opt { element: "history", attribute: "since" }))]
    pub since: Option<DateTime>,
}

impl History {
    /// No limit set: the server's default amount of history.
    pub fn new() -> History {
        History::default()
    }

    /// No history at all (`maxchars='0'`, as §7.2.14 requires).
    pub fn none() -> History {
        History::new().with_maxchars(0)
    }

    /// Limit the number of characters.
    pub fn with_maxchars(mut self, maxchars: u32) -> History {
        self.maxchars = Some(maxchars);
        self
    }

    /// Limit the number of messages.
    pub fn with_maxstanzas(mut self, maxstanzas: u32) -> History {
        self.maxstanzas = Some(maxstanzas);
        self
    }

    /// Only messages from the last `seconds` seconds.
    pub fn with_seconds(mut self, seconds: u32) -> History {
        self.seconds = Some(seconds);
        self
    }

    /// Only messages since `since`.
    pub fn with_since(mut self, since: DateTime) -> History {
        self.since = Some(since);
        self
    }
}

/// `<x xmlns='http://jabber.org/protocol/muc'/>`: "I speak MUC", sent in the
/// join presence with an optional password and history request, and echoed
/// by rooms in join errors.
///
/// ```
/// use muc_xso::{GenericExt, History};
/// let join = GenericExt::new().with_password("cauldronburn").with_history(History::none());
/// let el = minidom::Element::from(join);
/// assert_eq!(el.ns(), "http://jabber.org/protocol/muc");
/// ```
#[derive(FromXml, AsXml, Clone, PartialEq, Default)]
#[xml(namespace = ns::MUC, name = "x", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct GenericExt {
    /// The room password.
    #[xml(extract(default, name = "password", fields(text(type_ = String))))]
    pub password: Option<String>,
    /// The history request.
    #[xml(child(default))]
    pub history: Option<History>,
    /// Children this crate does not know, kept so nothing is lost.
    #[xml(element(n = ..))]
    pub extra: Vec<Element>,
}

impl GenericExt {
    /// An empty `<x/>`: join with the server's defaults.
    pub fn new() -> GenericExt {
        GenericExt::default()
    }

    /// Join with this password.
    pub fn with_password(mut self, password: impl Into<String>) -> GenericExt {
        self.password = Some(password.into());
        self
    }

    /// Join asking for this much history.
    pub fn with_history(mut self, history: History) -> GenericExt {
        self.history = Some(history);
        self
    }
}

impl PresencePayload for GenericExt {}

impl std::fmt::Debug for GenericExt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenericExt")
            .field("password", &crate::redact::secret(&self.password))
            .field("history", &self.history)
            .field("extra", &self.extra)
            .finish()
    }
}
