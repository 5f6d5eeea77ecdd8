//! `http://jabber.org/protocol/muc#owner`: configuration and destruction (XEP-0045 §10).

use jid::Jid;
use minidom::Element;
use xmpp_parsers::data_forms::{DataForm, DataFormType};
use xmpp_parsers::iq::{IqGetPayload, IqResultPayload, IqSetPayload};
use xso::{AsXml, FromXml};

use crate::codec::Opt;
use crate::ns;

/// `<destroy/>` in `muc#owner`: the owner asks the room to be destroyed.
#[derive(FromXml, AsXml, Clone, PartialEq, Eq, Default)]
#[xml(namespace = ns::MUC_OWNER, name = "destroy", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct DestroyRequest {
    /// An alternate venue for the occupants.
    #[xml(attribute(default, codec = Opt { element: "destroy", attribute: "jid" }))]
    pub jid: Option<Jid>,
    /// Why.
    #[xml(extract(default, name = "reason", fields(text(type_ = String))))]
    pub reason: Option<String>,
    /// The alternate venue's password.
    #[xml(extract(default, name = "password", fields(text(type_ = String))))]
    pub password: Option<String>,
}

/// `<query xmlns='http://jabber.org/protocol/muc#owner'/>`: an IQ payload
/// carrying a configuration form (get, result, set) or a destroy request.
///
/// ```
/// use muc_xso::OwnerQuery;
/// // §10.1.2: accept the default configuration ("instant room").
/// let el = minidom::Element::from(OwnerQuery::instant());
/// assert_eq!(el.get_child("x", "jabber:x:data").and_then(|x| x.attr("type")), Some("submit"));
/// ```
#[derive(FromXml, AsXml, Debug, Clone, PartialEq, Default)]
#[xml(namespace = ns::MUC_OWNER, name = "query", on_unknown_attribute = Discard, on_unknown_child = Discard)]
pub struct OwnerQuery {
    /// The configuration form.
    #[xml(child(default))]
    pub form: Option<DataForm>,
    /// The destroy request.
    #[xml(child(default))]
    pub destroy: Option<DestroyRequest>,
    /// Children this crate does not know, kept so nothing is lost.
    #[xml(element(n = ..))]
    pub extra: Vec<Element>,
}

impl OwnerQuery {
    /// An empty query: "send me the configuration form" (IQ get).
    pub fn new() -> OwnerQuery {
        OwnerQuery::default()
    }

    /// A query holding a form (a submitted configuration, or a cancel).
    pub fn with_form(form: DataForm) -> OwnerQuery {
        OwnerQuery {
            form: Some(form),
            ..OwnerQuery::default()
        }
    }

    /// Accept the default configuration: an empty submitted form (§10.1.2).
    pub fn instant() -> OwnerQuery {
        OwnerQuery::with_form(empty_form(DataFormType::Submit))
    }

    /// Cancel the initial configuration of a new room (§10.1.3), which
    /// destroys it.
    pub fn cancel() -> OwnerQuery {
        OwnerQuery::with_form(empty_form(DataFormType::Cancel))
    }

    /// A destroy request.
    pub fn destroy(request: DestroyRequest) -> OwnerQuery {
        OwnerQuery {
            destroy: Some(request),
            ..OwnerQuery::default()
        }
    }
}

fn empty_form(type_: DataFormType) -> DataForm {
    DataForm {
        type_,
        title: None,
        instructions: None,
        fields: Vec::new(),
    }
}

impl IqGetPayload for OwnerQuery {}
impl IqSetPayload for OwnerQuery {}
impl IqResultPayload for OwnerQuery {}

impl std::fmt::Debug for DestroyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DestroyRequest")
            .field("jid", &self.jid)
            .field("reason", &self.reason)
            .field("password", &crate::redact::secret(&self.password))
            .finish()
    }
}
