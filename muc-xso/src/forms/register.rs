//! `muc#register`: registration with a room (XEP-0045 §7.10).

use xmpp_parsers::data_forms::{DataForm, DataFormType, FieldType};

use super::{form_fields, form_view};
use crate::ns;

/// The room registration form, carried in a `jabber:iq:register` query.
///
/// ```
/// use muc_xso::forms::RegistrationForm;
/// let mut form = RegistrationForm::new();
/// form.set_first("Brunhilde").set_last("Entwhistle-Throckmorton").set_roomnick("thirdwitch");
/// assert_eq!(form.roomnick(), Some("thirdwitch"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrationForm {
    form: DataForm,
}

form_view!(RegistrationForm, ns::REGISTER);

impl RegistrationForm {
    /// An empty submission with only the FORM_TYPE.
    pub fn new() -> RegistrationForm {
        RegistrationForm {
            form: super::new_form(DataFormType::Submit, ns::REGISTER),
        }
    }
}

impl Default for RegistrationForm {
    fn default() -> Self {
        RegistrationForm::new()
    }
}

form_fields!(RegistrationForm {
    /// Whether an admin allows this registration (approval forms).
    bool allow / set_allow = "muc#register_allow";
    /// Email address.
    text email / set_email = "muc#register_email";
    /// FAQ entry.
    lines faq_entry / set_faq_entry = "muc#register_faqentry";
    /// Given name.
    text first / set_first = "muc#register_first";
    /// Family name.
    text last / set_last = "muc#register_last";
    /// Desired nickname.
    text roomnick / set_roomnick = "muc#register_roomnick";
    /// A web page.
    text url / set_url = "muc#register_url";
});
