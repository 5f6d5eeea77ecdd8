//! `muc#roominfo` and the room features of disco#info (XEP-0045 §6.4, §15.5.4).

use std::collections::BTreeSet;

use xmpp_parsers::data_forms::{DataForm, FieldType};
use xmpp_parsers::disco::DiscoInfoResult;

use super::{form_fields, form_view};
use crate::ns;

/// The extended room information a room puts in its disco#info result.
///
/// ```
/// use muc_xso::forms::RoomInfo;
/// let info: xmpp_parsers::disco::DiscoInfoResult = "<query xmlns='http://jabber.org/protocol/disco#info'>\
///     <identity category='conference' type='text' name='A Dark Cave'/>\
///     <feature var='http://jabber.org/protocol/muc'/>\
///     <x xmlns='jabber:x:data' type='result'>\
///       <field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field>\
///       <field var='muc#roominfo_occupants'><value>3</value></field>\
///     </x></query>".parse::<minidom::Element>().unwrap().try_into().unwrap();
/// let room = RoomInfo::from_disco(&info).unwrap();
/// assert_eq!(room.occupants(), Some(3));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RoomInfo {
    form: DataForm,
}

form_view!(RoomInfo, ns::ROOMINFO);

impl RoomInfo {
    /// The `muc#roominfo` form of a disco#info result, if it has one.
    pub fn from_disco(info: &DiscoInfoResult) -> Option<RoomInfo> {
        info.extensions
            .iter()
            .find(|f| f.form_type() == Some(ns::ROOMINFO))
            .map(|form| RoomInfo { form: form.clone() })
    }
}

form_fields!(RoomInfo {
    /// Maximum number of history messages returned by the room.
    number max_history_fetch / set_max_history_fetch = "muc#maxhistoryfetch";
    /// Contact addresses (normally the room owners).
    jids contact_jids / set_contact_jids = "muc#roominfo_contactjid";
    /// A short description.
    text description / set_description = "muc#roominfo_description";
    /// Natural language of the discussion.
    text lang / set_lang = "muc#roominfo_lang";
    /// An associated LDAP group.
    text ldap_group / set_ldap_group = "muc#roominfo_ldapgroup";
    /// URL of archived discussion logs.
    text logs / set_logs = "muc#roominfo_logs";
    /// Current number of occupants.
    number occupants / set_occupants = "muc#roominfo_occupants";
    /// Current discussion topic.
    text subject / set_subject = "muc#roominfo_subject";
    /// Whether participants may change the subject.
    bool subject_mod / set_subject_mod = "muc#roominfo_subjectmod";
});

/// What a room's disco#info features say about it (XEP-0045 §6.4, §16.2).
///
/// Each pair (`muc_membersonly` / `muc_open`, ...) is read as one flag: the
/// flag is `Some(true)`/`Some(false)` when either feature is advertised,
/// `None` when neither is.
///
/// ```
/// use muc_xso::RoomFeatures;
/// let f = RoomFeatures::from_features(["http://jabber.org/protocol/muc", "muc_membersonly",
///     "muc_semianonymous", "urn:xmpp:occupant-id:0"]);
/// assert_eq!(f.members_only, Some(true));
/// assert_eq!(f.non_anonymous, Some(false));
/// assert!(f.occupant_id);
/// assert!(!f.stable_id);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoomFeatures {
    /// `muc_membersonly` / `muc_open`.
    pub members_only: Option<bool>,
    /// `muc_moderated` / `muc_unmoderated`.
    pub moderated: Option<bool>,
    /// `muc_nonanonymous` / `muc_semianonymous`.
    pub non_anonymous: Option<bool>,
    /// `muc_passwordprotected` / `muc_unsecured`.
    pub password_protected: Option<bool>,
    /// `muc_persistent` / `muc_temporary`.
    pub persistent: Option<bool>,
    /// `muc_public` / `muc_hidden`.
    pub public: Option<bool>,
    /// `http://jabber.org/protocol/muc`: it is a MUC room at all.
    pub muc: bool,
    /// `muc#stable_id`: reflections keep the sender's message id.
    pub stable_id: bool,
    /// `muc#self-ping-optimization`: the room answers self-pings (XEP-0410).
    pub self_ping_optimization: bool,
    /// `urn:xmpp:occupant-id:0`: occupant ids can be trusted (XEP-0421).
    pub occupant_id: bool,
    /// `jabber:iq:register`: the room accepts registration.
    pub register: bool,
    /// `muc#request`: the room accepts voice requests.
    pub voice_requests: bool,
    /// `urn:xmpp:mam:2`: the room archives messages (XEP-0313).
    pub mam: bool,
    /// Every feature, verbatim.
    pub all: BTreeSet<String>,
}

impl RoomFeatures {
    /// Reads a list of disco feature vars.
    pub fn from_features<'a>(features: impl IntoIterator<Item = &'a str>) -> RoomFeatures {
        let all: BTreeSet<String> = features.into_iter().map(str::to_owned).collect();
        let has = |v: &str| all.contains(v);
        let pair = |yes: &str, no: &str| match (has(yes), has(no)) {
            (true, _) => Some(true),
            (false, true) => Some(false),
            (false, false) => None,
        };
        RoomFeatures {
            members_only: pair("muc_membersonly", "muc_open"),
            moderated: pair("muc_moderated", "muc_unmoderated"),
            non_anonymous: pair("muc_nonanonymous", "muc_semianonymous"),
            password_protected: pair("muc_passwordprotected", "muc_unsecured"),
            persistent: pair("muc_persistent", "muc_temporary"),
            public: pair("muc_public", "muc_hidden"),
            muc: has(ns::MUC),
            stable_id: has(ns::STABLE_ID),
            self_ping_optimization: has(ns::SELF_PING_OPTIMIZATION),
            occupant_id: has(ns::OCCUPANT_ID),
            register: has(xmpp_parsers::ns::REGISTER),
            voice_requests: has(ns::REQUEST),
            mam: has(xmpp_parsers::ns::MAM),
            all,
        }
    }

    /// Reads the features of a disco#info result.
    pub fn from_disco(info: &DiscoInfoResult) -> RoomFeatures {
        RoomFeatures::from_features(info.features.iter().map(String::as_str))
    }
}
