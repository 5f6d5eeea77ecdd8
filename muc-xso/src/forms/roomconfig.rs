//! `muc#roomconfig`: the room configuration form (XEP-0045 §10.2, §15.5.3).

use xmpp_parsers::data_forms::{DataForm, DataFormType, FieldType};

use super::{form_fields, form_view};
use crate::affiliation::Role;
use crate::ns;

/// The room configuration form, with an accessor per standard field.
///
/// Fetch it from the room (an `OwnerQuery` get), change what you need and
/// send [`RoomConfig::to_submit`] back in an `OwnerQuery` set. Fields the
/// server added beyond the registry (Prosody's `muc#roomconfig_historylength`,
/// ejabberd's `allow_subscription`, ...) are kept and submitted unchanged.
///
/// ```
/// use muc_xso::forms::{RoomConfig, Whois};
/// let mut config = RoomConfig::new();
/// config.set_roomname("A Dark Cave").set_members_only(true).set_whois(Whois::Anyone);
/// assert_eq!(config.members_only(), Some(true));
/// assert_eq!(config.whois(), Some(Whois::Anyone));
/// let submit = config.to_submit();
/// assert_eq!(submit.form_type(), Some("http://jabber.org/protocol/muc#roomconfig"));
/// ```
#[derive(Clone, PartialEq)]
pub struct RoomConfig {
    form: DataForm,
}

form_view!(RoomConfig, ns::ROOMCONFIG);

/// Who may see occupants' real JIDs (`muc#roomconfig_whois`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Whois {
    /// Only moderators: a semi-anonymous room.
    Moderators,
    /// Everyone: a non-anonymous room.
    Anyone,
    /// A value the XEP does not define, kept as sent.
    Other(String),
}

impl Whois {
    fn as_str(&self) -> &str {
        match self {
            Whois::Moderators => "moderators",
            Whois::Anyone => "anyone",
            Whois::Other(s) => s,
        }
    }
}

impl RoomConfig {
    /// An empty submission (only FORM_TYPE): set the fields you want to
    /// change and send it without fetching the form first.
    pub fn new() -> RoomConfig {
        RoomConfig {
            form: super::new_form(DataFormType::Submit, ns::ROOMCONFIG),
        }
    }

    /// Who may discover real JIDs.
    pub fn whois(&self) -> Option<Whois> {
        super::text(&self.form, "muc#roomconfig_whois").map(|v| match v {
            "moderators" => Whois::Moderators,
            "anyone" => Whois::Anyone,
            other => Whois::Other(other.to_owned()),
        })
    }

    /// Sets who may discover real JIDs.
    pub fn set_whois(&mut self, whois: Whois) -> &mut Self {
        let value = whois.as_str().to_owned();
        super::set_values(
            &mut self.form,
            "muc#roomconfig_whois",
            FieldType::ListSingle,
            vec![value],
        );
        self
    }

    /// The roles whose presence is broadcast; values that are not roles are
    /// skipped.
    pub fn presence_broadcast(&self) -> Vec<Role> {
        self.presence_broadcast_raw()
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect()
    }

    /// Sets the roles whose presence is broadcast.
    pub fn set_presence_broadcast(&mut self, roles: impl IntoIterator<Item = Role>) -> &mut Self {
        self.set_presence_broadcast_raw(roles.into_iter().map(Role::as_str))
    }

    /// The maximum number of occupants; `None` when absent or not a number
    /// (some servers say `none` for "no limit").
    pub fn max_users(&self) -> Option<u32> {
        super::number(&self.form, "muc#roomconfig_maxusers")
    }

    /// Sets the maximum number of occupants.
    pub fn set_max_users(&mut self, max: u32) -> &mut Self {
        super::set_values(
            &mut self.form,
            "muc#roomconfig_maxusers",
            FieldType::ListSingle,
            vec![max.to_string()],
        );
        self
    }
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig::new()
    }
}

form_fields!(RoomConfig {
    /// Maximum number of history messages returned by the room.
    number max_history_fetch / set_max_history_fetch = "muc#maxhistoryfetch";
    /// Roles that may send private messages (`anyone`, `participants`,
    /// `moderators`, `none`).
    list allow_pm / set_allow_pm = "muc#roomconfig_allowpm";
    /// Whether members may invite others.
    bool allow_invites / set_allow_invites = "muc#roomconfig_allowinvites";
    /// Whether occupants may change the subject.
    bool change_subject / set_change_subject = "muc#roomconfig_changesubject";
    /// Whether the room is publicly logged.
    bool enable_logging / set_enable_logging = "muc#roomconfig_enablelogging";
    /// Roles and affiliations that may retrieve the member list.
    multi get_member_list / set_get_member_list = "muc#roomconfig_getmemberlist";
    /// Natural language of the discussion.
    text lang / set_lang = "muc#roomconfig_lang";
    /// XMPP URI of an associated publish-subscribe node.
    text pubsub / set_pubsub = "muc#roomconfig_pubsub";
    /// Whether the room is members-only.
    bool members_only / set_members_only = "muc#roomconfig_membersonly";
    /// Whether the room is moderated.
    bool moderated / set_moderated = "muc#roomconfig_moderatedroom";
    /// Whether a password is required to enter.
    bool password_protected / set_password_protected = "muc#roomconfig_passwordprotectedroom";
    /// Whether the room outlives its last occupant.
    bool persistent / set_persistent = "muc#roomconfig_persistentroom";
    /// The raw values of the presence-broadcast field.
    multi presence_broadcast_raw / set_presence_broadcast_raw = "muc#roomconfig_presencebroadcast";
    /// Whether the room is listed in public searches.
    bool public / set_public = "muc#roomconfig_publicroom";
    /// The full list of room admins.
    jids room_admins / set_room_admins = "muc#roomconfig_roomadmins";
    /// A short description.
    text room_desc / set_room_desc = "muc#roomconfig_roomdesc";
    /// The natural-language room name.
    text roomname / set_roomname = "muc#roomconfig_roomname";
    /// The full list of room owners.
    jids room_owners / set_room_owners = "muc#roomconfig_roomowners";
    /// The room password.
    private room_secret / set_room_secret = "muc#roomconfig_roomsecret";
});

impl std::fmt::Debug for RoomConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoomConfig")
            .field(
                "form",
                &crate::redact::form(&self.form, &["muc#roomconfig_roomsecret"]),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setters_add_missing_fields_and_getters_read_them() {
        let mut c = RoomConfig::new();
        assert_eq!(c.members_only(), None);
        c.set_members_only(true)
            .set_max_users(30)
            .set_room_owners(["crone1@shakespeare.lit".parse::<jid::BareJid>().unwrap()])
            .set_presence_broadcast([Role::Moderator, Role::Participant]);
        assert_eq!(c.members_only(), Some(true));
        assert_eq!(c.max_users(), Some(30));
        assert_eq!(c.room_owners().len(), 1);
        assert_eq!(c.presence_broadcast(), [Role::Moderator, Role::Participant]);
        c.set_members_only(false);
        assert_eq!(c.members_only(), Some(false));
        assert_eq!(
            c.form()
                .fields
                .iter()
                .filter(|f| f.var.as_deref() == Some("muc#roomconfig_membersonly"))
                .count(),
            1,
            "setting twice must not add a second field"
        );
    }

    #[test]
    fn a_boolean_without_value_is_false() {
        let form = DataForm::new(
            DataFormType::Form,
            ns::ROOMCONFIG,
            vec![xmpp_parsers::data_forms::Field::new(
                "muc#roomconfig_membersonly",
                FieldType::Boolean,
            )],
        );
        let c = RoomConfig::from_form(form).unwrap();
        assert_eq!(c.members_only(), Some(false));
        assert_eq!(c.moderated(), None, "an absent field stays unknown");
    }

    #[test]
    fn wrong_form_type_is_rejected() {
        let form = DataForm::new(DataFormType::Form, ns::ROOMINFO, vec![]);
        assert!(matches!(
            RoomConfig::from_form(form),
            Err(crate::Error::WrongFormType { .. })
        ));
    }

    #[test]
    fn lenient_getters() {
        let mut c = RoomConfig::new();
        c.set_whois(Whois::Other("nobody".into()));
        super::super::set_values(
            c.form_mut(),
            "muc#roomconfig_maxusers",
            FieldType::ListSingle,
            vec!["none".into()],
        );
        super::super::set_values(
            c.form_mut(),
            "muc#roomconfig_moderatedroom",
            FieldType::Boolean,
            vec!["maybe".into()],
        );
        assert_eq!(c.whois(), Some(Whois::Other("nobody".into())));
        assert_eq!(c.max_users(), None);
        assert_eq!(c.moderated(), None);
    }
}
