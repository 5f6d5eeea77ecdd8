//! `muc#request`: voice requests and their approval (XEP-0045 §7.13, §8.6).

use xmpp_parsers::data_forms::{DataForm, DataFormType, FieldType};

use super::{form_fields, form_view};
use crate::affiliation::Role;
use crate::ns;

/// A voice request: what a visitor sends to the room, and what the room
/// forwards to moderators for approval.
///
/// ```
/// use muc_xso::forms::VoiceRequest;
/// use muc_xso::Role;
/// // A visitor asks for voice (§7.13, Ex. 79).
/// let ask = VoiceRequest::new();
/// assert_eq!(ask.role(), Some(Role::Participant));
/// // A moderator approves the form the room forwarded (§8.6, Ex. 81).
/// let mut forwarded = ask.clone();
/// forwarded.set_roomnick("thirdwitch");
/// let answer = forwarded.approve(true);
/// assert_eq!(VoiceRequest::from_form(answer).unwrap().request_allow(), Some(true));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceRequest {
    form: DataForm,
}

form_view!(VoiceRequest, ns::REQUEST);

impl VoiceRequest {
    /// The request a visitor submits: FORM_TYPE and `muc#role=participant`.
    pub fn new() -> VoiceRequest {
        let mut request = VoiceRequest {
            form: super::new_form(DataFormType::Submit, ns::REQUEST),
        };
        request.set_role(Role::Participant);
        request
    }

    /// The requested role.
    pub fn role(&self) -> Option<Role> {
        self.role_raw()?.parse().ok()
    }

    /// Sets the requested role.
    pub fn set_role(&mut self, role: Role) -> &mut Self {
        self.set_role_raw(role.as_str())
    }

    /// The moderator's answer: this form submitted with
    /// `muc#request_allow` set to `allow`.
    pub fn approve(mut self, allow: bool) -> DataForm {
        self.set_request_allow(allow);
        self.to_submit()
    }
}

impl Default for VoiceRequest {
    fn default() -> Self {
        VoiceRequest::new()
    }
}

form_fields!(VoiceRequest {
    /// The requested role, as sent.
    list role_raw / set_role_raw = "muc#role";
    /// The requester's real JID.
    jid jid / set_jid = "muc#jid";
    /// The requester's nickname.
    text roomnick / set_roomnick = "muc#roomnick";
    /// Whether the moderator grants the request.
    bool request_allow / set_request_allow = "muc#request_allow";
});
