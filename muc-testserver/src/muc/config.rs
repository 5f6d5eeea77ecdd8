//! Room configuration: the `muc#roomconfig` form (XEP-0045 §10.2, §15.5.3),
//! the `muc#roominfo` form and the disco features derived from it.

use minidom::Element;

use super::affiliations::Role;
use crate::profile::Profile;
use crate::stanza::{ElementExt, NS_DATA, el};

/// The configuration of one room. Defaults differ per [`Profile`], as the
/// real servers' defaults do; see [`RoomConfig::for_profile`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomConfig {
    /// `muc#roomconfig_roomname`.
    pub name: String,
    /// `muc#roomconfig_roomdesc`.
    pub description: String,
    /// `muc#roomconfig_lang`.
    pub language: String,
    /// `muc#roomconfig_persistentroom`: the room survives its last occupant
    /// leaving (and a MUC restart).
    pub persistent: bool,
    /// `muc#roomconfig_publicroom`: listed in the service's disco#items.
    pub public: bool,
    /// `muc#roomconfig_membersonly`.
    pub members_only: bool,
    /// `muc#roomconfig_moderatedroom`.
    pub moderated: bool,
    /// `muc#roomconfig_roomsecret` when `muc#roomconfig_passwordprotectedroom`
    /// is set.
    pub password: Option<String>,
    /// `muc#roomconfig_whois` = `anyone`: everyone sees real JIDs (status 100).
    pub non_anonymous: bool,
    /// `muc#roomconfig_maxusers` (`None`: no limit).
    pub max_users: Option<usize>,
    /// `muc#roomconfig_presencebroadcast`: roles whose presence is broadcast.
    pub presence_broadcast: Vec<Role>,
    /// `muc#roomconfig_changesubject`: participants may change the subject.
    pub change_subject: bool,
    /// `muc#roomconfig_allowinvites`: participants may invite.
    pub allow_invites: bool,
    /// `muc#roomconfig_allowpm` (anyone / none): private messages allowed.
    pub allow_private_messages: bool,
    /// `muc#roomconfig_historylength`: messages kept for new occupants.
    pub history_length: usize,
    /// `muc#roomconfig_enablelogging` / `muc#roomconfig_enablearchiving`:
    /// the room is logged (status 170 on join, 170/171 on change).
    pub logging: bool,
    /// `members_by_default` (ejabberd, on by default there): new unaffiliated
    /// occupants of a moderated room are participants, not visitors. Prosody
    /// has no such option (off in its profile): its `muc-get-default-role`
    /// makes them visitors.
    pub members_by_default: bool,
    /// `allow_voice_requests` (ejabberd; Prosody always allows them).
    pub allow_voice_requests: bool,
    /// Not a form field: a registered nick is enforced on join, and the
    /// service rewrites the requested nick with status 210 (XEP-0045 §7.2.2
    /// nick lockdown).
    pub enforce_registered_nicks: bool,
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig::for_profile(Profile::default())
    }
}

impl RoomConfig {
    /// The defaults of a fresh room on the given server (from the owner form
    /// of a fresh room in the captures).
    pub fn for_profile(profile: Profile) -> RoomConfig {
        let all_roles = vec![Role::Moderator, Role::Participant, Role::Visitor];
        match profile {
            Profile::Prosody => RoomConfig {
                name: String::new(),
                description: String::new(),
                language: "en".into(),
                persistent: false,
                public: false,
                members_only: false,
                moderated: false,
                password: None,
                non_anonymous: false,
                max_users: None,
                presence_broadcast: all_roles,
                change_subject: false,
                allow_invites: false,
                allow_private_messages: true,
                history_length: 20,
                logging: false,
                members_by_default: false,
                allow_voice_requests: true,
                enforce_registered_nicks: false,
            },
            Profile::Ejabberd => RoomConfig {
                name: String::new(),
                description: String::new(),
                language: "en".into(),
                persistent: false,
                public: true,
                members_only: false,
                moderated: true,
                password: None,
                non_anonymous: false,
                max_users: Some(200),
                presence_broadcast: all_roles,
                change_subject: true,
                allow_invites: false,
                allow_private_messages: true,
                history_length: 20,
                logging: false,
                members_by_default: true,
                allow_voice_requests: true,
                enforce_registered_nicks: false,
            },
        }
    }

    /// Whether presences of occupants with this role are broadcast.
    pub fn broadcasts(&self, role: Role) -> bool {
        self.presence_broadcast.contains(&role)
    }
}

fn field(var: &str, type_: &str, label: &str, values: &[&str]) -> Element {
    let mut f = el("field", NS_DATA)
        .with_attr("var", var)
        .with_attr("type", type_);
    if !label.is_empty() {
        f.set_attr_str("label", label);
    }
    for v in values {
        f.append_child(el("value", NS_DATA).with_text(*v));
    }
    f
}

fn boolean(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

fn options(mut f: Element, opts: &[(&str, &str)]) -> Element {
    for (label, value) in opts {
        f.append_child(
            el("option", NS_DATA)
                .with_attr("label", *label)
                .with_child(el("value", NS_DATA).with_text(*value)),
        );
    }
    f
}

/// The `muc#roomconfig` form of a room, type `form`.
pub(crate) fn config_form(room_jid: &str, c: &RoomConfig) -> Element {
    let maxusers = c.max_users.map(|n| n.to_string()).unwrap_or_default();
    let history = c.history_length.to_string();
    let broadcast: Vec<&str> = c.presence_broadcast.iter().map(|r| r.as_str()).collect();
    let fields = vec![
        field("FORM_TYPE", "hidden", "", &[muc_xso::ns::ROOMCONFIG]),
        field(
            "muc#roomconfig_roomname",
            "text-single",
            "Title",
            &[&c.name],
        ),
        field(
            "muc#roomconfig_roomdesc",
            "text-single",
            "Description",
            &[&c.description],
        ),
        field(
            "muc#roomconfig_lang",
            "text-single",
            "Language tag for room (e.g. 'en', 'de', 'fr' etc.)",
            &[&c.language],
        ),
        field(
            "muc#roomconfig_persistentroom",
            "boolean",
            "Persistent (room should remain even when it is not occupied)",
            &[boolean(c.persistent)],
        ),
        field(
            "muc#roomconfig_publicroom",
            "boolean",
            "Include room information in public lists",
            &[boolean(c.public)],
        ),
        field(
            "muc#roomconfig_passwordprotectedroom",
            "boolean",
            "Password protected",
            &[boolean(c.password.is_some())],
        ),
        field(
            "muc#roomconfig_roomsecret",
            "text-private",
            "Password",
            &[c.password.as_deref().unwrap_or("")],
        ),
        options(
            field(
                "muc#roomconfig_maxusers",
                "list-single",
                "Maximum number of occupants",
                &[&maxusers],
            ),
            &[
                ("5", "5"),
                ("10", "10"),
                ("20", "20"),
                ("30", "30"),
                ("50", "50"),
                ("100", "100"),
                ("200", "200"),
                ("No limit", ""),
            ],
        ),
        options(
            field(
                "muc#roomconfig_whois",
                "list-single",
                "Addresses (JIDs) of room occupants may be viewed by:",
                &[if c.non_anonymous {
                    "anyone"
                } else {
                    "moderators"
                }],
            ),
            &[("Moderators only", "moderators"), ("Anyone", "anyone")],
        ),
        options(
            field(
                "muc#roomconfig_presencebroadcast",
                "list-multi",
                "Roles for which Presence is Broadcasted",
                &broadcast,
            ),
            &[
                ("Moderator", "moderator"),
                ("Participant", "participant"),
                ("Visitor", "visitor"),
            ],
        ),
        field(
            "muc#roomconfig_membersonly",
            "boolean",
            "Only allow members to join",
            &[boolean(c.members_only)],
        ),
        field(
            "muc#roomconfig_moderatedroom",
            "boolean",
            "Moderated (require permission to speak)",
            &[boolean(c.moderated)],
        ),
        field(
            "muc#roomconfig_changesubject",
            "boolean",
            "Allow anyone to set the room's subject",
            &[boolean(c.change_subject)],
        ),
        field(
            "muc#roomconfig_allowinvites",
            "boolean",
            "Allow members to invite new members",
            &[boolean(c.allow_invites)],
        ),
        options(
            field(
                "muc#roomconfig_allowpm",
                "list-single",
                "Allow private messages",
                &[if c.allow_private_messages {
                    "anyone"
                } else {
                    "none"
                }],
            ),
            &[("Anyone", "anyone"), ("Nobody", "none")],
        ),
        field(
            "muc#roomconfig_historylength",
            "text-single",
            "Maximum number of history messages returned by room",
            &[&history],
        ),
        field(
            "muc#roomconfig_enablelogging",
            "boolean",
            "Log the room (public logs)",
            &[boolean(c.logging)],
        ),
        field(
            "members_by_default",
            "boolean",
            "Default users as participants",
            &[boolean(c.members_by_default)],
        ),
        field(
            "allow_voice_requests",
            "boolean",
            "Allow visitors to send voice requests",
            &[boolean(c.allow_voice_requests)],
        ),
    ];
    let mut x = el("x", NS_DATA)
        .with_attr("type", "form")
        .with_child(el("title", NS_DATA).with_text(format!("Configuration for {room_jid}")));
    for f in fields {
        x.append_child(f);
    }
    x
}

/// The fields of a submitted form, in order: each `var` with its values.
pub(crate) fn form_fields(form: &Element) -> impl Iterator<Item = (&str, Vec<String>)> {
    form.children()
        .filter(|f| f.name() == "field")
        .filter_map(|f| {
            let values = f
                .children()
                .filter(|v| v.name() == "value")
                .map(|v| v.text())
                .collect();
            Some((f.attr("var")?, values))
        })
}

/// The first value of the field `var` of a submitted form.
pub(crate) fn form_value(form: &Element, var: &str) -> Option<String> {
    form_fields(form)
        .find(|(v, _)| *v == var)
        .and_then(|(_, values)| values.into_iter().next())
}

/// Why a submitted form was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadForm(pub String);

fn parse_bool(v: &str) -> Result<bool, BadForm> {
    match v {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(BadForm(format!("invalid boolean {v:?}"))),
    }
}

/// Apply a submitted `muc#roomconfig` form to a copy of `current`. Unknown
/// fields are ignored, as the real servers do.
pub(crate) fn apply_form(current: &RoomConfig, form: &Element) -> Result<RoomConfig, BadForm> {
    let mut c = current.clone();
    let mut password_protected: Option<bool> = None;
    let mut secret: Option<String> = None;
    for (var, values) in form_fields(form) {
        let first = values.first().cloned().unwrap_or_default();
        match var {
            "FORM_TYPE" if first != muc_xso::ns::ROOMCONFIG && !first.is_empty() => {
                return Err(BadForm(format!("wrong FORM_TYPE {first:?}")));
            }
            "muc#roomconfig_roomname" => c.name = first,
            "muc#roomconfig_roomdesc" => c.description = first,
            "muc#roomconfig_lang" => c.language = first,
            "muc#roomconfig_persistentroom" => c.persistent = parse_bool(&first)?,
            "muc#roomconfig_publicroom" => c.public = parse_bool(&first)?,
            "muc#roomconfig_passwordprotectedroom" => {
                password_protected = Some(parse_bool(&first)?)
            }
            "muc#roomconfig_roomsecret" => secret = Some(first),
            "muc#roomconfig_maxusers" => {
                c.max_users = if first.is_empty() || first == "none" {
                    None
                } else {
                    Some(
                        first
                            .parse()
                            .map_err(|_| BadForm(format!("invalid maxusers {first:?}")))?,
                    )
                }
            }
            "muc#roomconfig_whois" => {
                c.non_anonymous = match first.as_str() {
                    "anyone" => true,
                    "moderators" => false,
                    _ => return Err(BadForm(format!("invalid whois {first:?}"))),
                }
            }
            "muc#roomconfig_presencebroadcast" => {
                c.presence_broadcast = values.iter().filter_map(|v| v.parse().ok()).collect()
            }
            "muc#roomconfig_membersonly" => c.members_only = parse_bool(&first)?,
            "muc#roomconfig_moderatedroom" => c.moderated = parse_bool(&first)?,
            "muc#roomconfig_changesubject" => c.change_subject = parse_bool(&first)?,
            "muc#roomconfig_allowinvites" => c.allow_invites = parse_bool(&first)?,
            "muc#roomconfig_allowpm" => c.allow_private_messages = first != "none",
            "muc#roomconfig_historylength" | "muc#maxhistoryfetch" => {
                c.history_length = first
                    .parse()
                    .map_err(|_| BadForm(format!("invalid history length {first:?}")))?
            }
            "muc#roomconfig_enablelogging" | "muc#roomconfig_enablearchiving" => {
                c.logging = parse_bool(&first)?
            }
            "members_by_default" => c.members_by_default = parse_bool(&first)?,
            "allow_voice_requests" => c.allow_voice_requests = parse_bool(&first)?,
            _ => {}
        }
    }
    match (password_protected, secret) {
        (Some(false), _) => c.password = None,
        (Some(true), Some(s)) if !s.is_empty() => c.password = Some(s),
        (Some(true), _) => {
            if c.password.is_none() {
                return Err(BadForm("password protection needs a password".into()));
            }
        }
        (None, Some(s)) if !s.is_empty() => c.password = Some(s),
        (None, Some(_)) => c.password = None,
        (None, None) => {}
    }
    Ok(c)
}

/// The status codes of the notification sent to occupants after a
/// configuration change (§10.2.1), empty if nothing changed.
pub(crate) fn change_codes(profile: Profile, old: &RoomConfig, new: &RoomConfig) -> Vec<u16> {
    if old == new {
        return Vec::new();
    }
    let mut codes = Vec::new();
    if old.logging != new.logging {
        codes.push(if new.logging { 170 } else { 171 });
    }
    if old.non_anonymous != new.non_anonymous {
        codes.push(if new.non_anonymous { 172 } else { 173 });
    }
    // Did anything besides logging and anonymity change?
    let mut rest = new.clone();
    rest.logging = old.logging;
    rest.non_anonymous = old.non_anonymous;
    let other_change = rest != *old;
    let only_became_semi = !other_change && codes == [173];
    if !only_became_semi || profile.status_173_also_104() {
        codes.push(104);
    }
    codes
}

/// The disco features that describe the room's configuration.
pub(crate) fn disco_features(c: &RoomConfig) -> Vec<&'static str> {
    vec![
        if c.public { "muc_public" } else { "muc_hidden" },
        if c.persistent {
            "muc_persistent"
        } else {
            "muc_temporary"
        },
        if c.members_only {
            "muc_membersonly"
        } else {
            "muc_open"
        },
        if c.moderated {
            "muc_moderated"
        } else {
            "muc_unmoderated"
        },
        if c.password.is_some() {
            "muc_passwordprotected"
        } else {
            "muc_unsecured"
        },
        if c.non_anonymous {
            "muc_nonanonymous"
        } else {
            "muc_semianonymous"
        },
    ]
}

/// The `muc#roominfo` extension form of the room's disco#info.
pub(crate) fn roominfo_form(c: &RoomConfig, occupants: usize, subject: &str) -> Element {
    let mut x = el("x", NS_DATA).with_attr("type", "result");
    for f in [
        field("FORM_TYPE", "hidden", "", &[muc_xso::ns::ROOMINFO]),
        field(
            "muc#roomconfig_roomname",
            "text-single",
            "Title",
            &[&c.name],
        ),
        field(
            "muc#roominfo_description",
            "text-single",
            "Description",
            &[&c.description],
        ),
        field("muc#roominfo_subject", "text-single", "Subject", &[subject]),
        field(
            "muc#roominfo_occupants",
            "text-single",
            "Number of occupants",
            &[&occupants.to_string()],
        ),
        field(
            "muc#roominfo_lang",
            "text-single",
            "Language",
            &[&c.language],
        ),
        field(
            "muc#roominfo_changesubject",
            "boolean",
            "Occupants may change the subject",
            &[boolean(c.change_subject)],
        ),
    ] {
        x.append_child(f);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_round_trip() {
        let c = RoomConfig::for_profile(Profile::Prosody);
        let form = config_form("r@conference.localhost", &c);
        let mut submit = form.clone();
        submit.set_attr_str("type", "submit");
        assert_eq!(apply_form(&c, &submit), Ok(c.clone()));
    }

    #[test]
    fn change_codes_match_captures() {
        let old = RoomConfig::for_profile(Profile::Prosody);
        let mut new = old.clone();
        new.non_anonymous = true;
        new.name = "x".into();
        assert_eq!(change_codes(Profile::Prosody, &old, &new), vec![172, 104]);
        let mut pw = old.clone();
        pw.password = Some("s".into());
        assert_eq!(change_codes(Profile::Prosody, &old, &pw), vec![104]);
        let mut anon = new.clone();
        anon.non_anonymous = false;
        assert_eq!(change_codes(Profile::Ejabberd, &new, &anon), vec![173]);
        assert_eq!(
            change_codes(Profile::Prosody, &old, &old),
            Vec::<u16>::new()
        );
    }
}
