//! Serialization snapshots: one per type and notable case (empty, full,
//! each enum value). Each snapshot is also decoded again and must give back
//! the same value, so the snapshots double as round-trip tests.

use minidom::Element;
use muc_xso::forms::{RegistrationForm, RoomConfig, RoomInfo, VoiceRequest, Whois};
use muc_xso::*;

/// Serializes `value`, checks that decoding the XML gives `value` back, and
/// returns the XML for the snapshot.
fn xml<T: Payload + Clone + PartialEq + std::fmt::Debug>(value: T) -> String {
    let el: Element = value.clone().into();
    let text = String::from(&el);
    let again = T::decode(text.parse().expect("serialized XML parses")).expect("decodes");
    assert_eq!(again, value, "round trip changed the value");
    text
}

fn jid(s: &str) -> jid::Jid {
    s.parse().expect("valid JID")
}

#[test]
fn generic_ext() {
    insta::assert_snapshot!("generic_empty", xml(GenericExt::new()));
    insta::assert_snapshot!(
        "generic_password",
        xml(GenericExt::new().with_password("cauldronburn"))
    );
    let since: DateTime = "1970-01-01T00:00:00Z".parse().expect("date");
    insta::assert_snapshot!(
        "generic_full",
        xml(GenericExt::new().with_password("pw").with_history(
            History::new()
                .with_maxchars(65000)
                .with_maxstanzas(20)
                .with_seconds(180)
                .with_since(since)
        ))
    );
    insta::assert_snapshot!("history_none", xml(History::none()));
    insta::assert_snapshot!("history_empty", xml(History::new()));
}

#[test]
fn user_ext_presence_cases() {
    insta::assert_snapshot!("user_empty", xml(UserExt::new()));
    insta::assert_snapshot!(
        "user_self_presence",
        xml(UserExt::new()
            .with_item(
                UserItem::new(Affiliation::Owner, Role::Moderator)
                    .with_jid(jid("crone1@shakespeare.lit/desktop"))
            )
            .with_status(StatusCode::SELF_PRESENCE)
            .with_status(StatusCode::ROOM_CREATED))
    );
    insta::assert_snapshot!(
        "user_kick",
        xml(UserExt::new()
            .with_item(
                UserItem::new(Affiliation::None, Role::None)
                    .with_actor(UserActor {
                        jid: Some(jid("fluellen@shakespeare.lit/pda")),
                        nick: Some("Fluellen".into())
                    })
                    .with_reason("Avaunt, you cullion!")
            )
            .with_status(StatusCode::KICKED)
            .with_status(StatusCode::SELF_PRESENCE))
    );
    insta::assert_snapshot!(
        "user_nick_change",
        xml(UserExt::new()
            .with_item(UserItem::new(Affiliation::Member, Role::Participant).with_nick("oldhag"))
            .with_status(StatusCode::NICK_CHANGED))
    );
    insta::assert_snapshot!(
        "user_unknown_status",
        xml(UserExt::new().with_status(174).with_status(999))
    );
    insta::assert_snapshot!(
        "user_destroy",
        xml(UserExt::new()
            .with_item(UserItem::new(Affiliation::None, Role::None))
            .with_destroy(DestroyNotification {
                jid: Some(jid("chapel@chat.shakespeare.lit")),
                reason: Some("Macbeth doth come.".into()),
                password: Some("cauldronburn".into()),
            }))
    );
    let mut item = UserItem::new(Affiliation::Member, Role::Participant);
    item.continue_ = Some(Box::new(Continue {
        thread: Some("e0ffe42b".into()),
    }));
    insta::assert_snapshot!("user_item_continue", xml(UserExt::new().with_item(item)));
}

#[test]
fn user_ext_every_affiliation_and_role() {
    let mut x = UserExt::new();
    for a in Affiliation::ALL {
        x = x.with_item(UserItem {
            affiliation: Some(a),
            ..UserItem::default()
        });
    }
    for r in Role::ALL {
        x = x.with_item(UserItem {
            role: Some(r),
            ..UserItem::default()
        });
    }
    insta::assert_snapshot!("user_all_affiliations_and_roles", xml(x));
}

#[test]
fn user_ext_message_cases() {
    insta::assert_snapshot!(
        "user_invites",
        xml(UserExt::new()
            .with_invite(
                Invite::to(jid("wiccarocks@shakespeare.lit/laptop")).with_reason("Hey Hecate")
            )
            .with_invite(Invite {
                from: Some(jid("crone1@shakespeare.lit")),
                to: None,
                reason: None,
                continue_: Some(Continue {
                    thread: Some("e0ffe42b".into())
                }),
            })
            .with_password("cauldronburn"))
    );
    insta::assert_snapshot!(
        "user_decline",
        xml(UserExt::new().with_decline(
            Decline::to(jid("crone1@shakespeare.lit"))
                .with_reason("Sorry, I'm too busy right now.")
        ))
    );
    insta::assert_snapshot!(
        "user_config_change",
        xml(UserExt::new()
            .with_status(StatusCode::NOW_NON_ANONYMOUS)
            .with_status(StatusCode::CONFIG_CHANGED))
    );
}

#[test]
fn parts_on_their_own() {
    insta::assert_snapshot!("status", xml(Status::new(110)));
    insta::assert_snapshot!("actor_empty", xml(UserActor::default()));
    insta::assert_snapshot!("continue_empty", xml(Continue::default()));
    insta::assert_snapshot!("item_empty", xml(UserItem::default()));
    insta::assert_snapshot!("invite_empty", xml(Invite::default()));
    insta::assert_snapshot!("decline_empty", xml(Decline::default()));
    insta::assert_snapshot!(
        "destroy_notification_empty",
        xml(DestroyNotification::default())
    );
}

#[test]
fn admin_query() {
    insta::assert_snapshot!("admin_empty", xml(AdminQuery::default()));
    insta::assert_snapshot!(
        "admin_kick",
        xml(AdminQuery::new(vec![
            AdminItem::role("pistol", Role::None).with_reason("Avaunt, you cullion!")
        ]))
    );
    insta::assert_snapshot!(
        "admin_ban",
        xml(AdminQuery::new(vec![
            AdminItem::affiliation(jid("earlofcambridge@shakespeare.lit"), Affiliation::Outcast)
                .with_reason("Treason")
        ]))
    );
    insta::assert_snapshot!(
        "admin_list_request",
        xml(AdminQuery::new(vec![
            AdminItem::list_affiliation(Affiliation::Member),
            AdminItem::list_role(Role::Moderator)
        ]))
    );
    insta::assert_snapshot!(
        "admin_list_result",
        xml(AdminQuery::new(vec![AdminItem {
            affiliation: Some(Affiliation::Outcast),
            jid: Some(jid("earlofcambridge@shakespeare.lit")),
            actor: Some(AdminActor {
                jid: Some(jid("kinghenryv@shakespeare.lit")),
                nick: None
            }),
            reason: Some("Treason".into()),
            ..AdminItem::default()
        }]))
    );
    insta::assert_snapshot!("admin_actor_empty", xml(AdminActor::default()));
}

#[test]
fn owner_query() {
    insta::assert_snapshot!("owner_get", xml(OwnerQuery::new()));
    insta::assert_snapshot!("owner_instant", xml(OwnerQuery::instant()));
    insta::assert_snapshot!("owner_cancel", xml(OwnerQuery::cancel()));
    insta::assert_snapshot!(
        "owner_destroy",
        xml(OwnerQuery::destroy(DestroyRequest {
            jid: Some(jid("coven@chat.shakespeare.lit")),
            reason: Some("Macbeth doth come.".into()),
            password: Some("cauldronburn".into()),
        }))
    );
    insta::assert_snapshot!("destroy_request_empty", xml(DestroyRequest::default()));
    let mut config = RoomConfig::new();
    config
        .set_roomname("A Dark Cave")
        .set_room_desc("The place for all good witches!")
        .set_change_subject(true)
        .set_max_users(20)
        .set_presence_broadcast([Role::Moderator, Role::Participant, Role::Visitor])
        .set_public(true)
        .set_persistent(true)
        .set_moderated(true)
        .set_members_only(false)
        .set_allow_invites(false)
        .set_password_protected(true)
        .set_room_secret("cauldronburn")
        .set_whois(Whois::Moderators)
        .set_enable_logging(false)
        .set_room_owners([jid("crone1@shakespeare.lit")])
        .set_room_admins([
            jid("wiccarocks@shakespeare.lit"),
            jid("hecate@shakespeare.lit"),
        ])
        .set_allow_pm("anyone")
        .set_get_member_list(["moderator", "participant"])
        .set_lang("en")
        .set_pubsub("xmpp:pubsub.shakespeare.lit?;node=princely_musings")
        .set_max_history_fetch(50);
    insta::assert_snapshot!(
        "owner_config_submit",
        xml(OwnerQuery::with_form(config.to_submit()))
    );
}

#[test]
fn direct_invite() {
    let room: jid::BareJid = "darkcave@macbeth.shakespeare.lit".parse().expect("room");
    insta::assert_snapshot!(
        "direct_invite_minimal",
        xml(DirectInvite::new(room.clone()))
    );
    insta::assert_snapshot!(
        "direct_invite_full",
        xml(DirectInvite::new(room)
            .with_password("cauldronburn")
            .with_reason("Hey Hecate, this is the place for all good witches!")
            .with_continue("e0ffe42b28561960c6b12b944a092794b9683a38"))
    );
}

#[test]
fn forms() {
    fn form(f: xmpp_parsers::data_forms::DataForm) -> String {
        String::from(&Element::from(f))
    }
    let mut info = RoomInfo::from_form(xmpp_parsers::data_forms::DataForm::new(
        xmpp_parsers::data_forms::DataFormType::Result_,
        ns::ROOMINFO,
        vec![],
    ))
    .expect("roominfo");
    info.set_description("The place for all good witches!")
        .set_occupants(3)
        .set_subject("Spells")
        .set_subject_mod(true)
        .set_contact_jids([jid("crone1@shakespeare.lit")])
        .set_lang("en")
        .set_logs("http://www.shakespeare.lit/chatlogs/coven/")
        .set_ldap_group("cn=witches,dc=shakespeare,dc=lit")
        .set_max_history_fetch(50);
    insta::assert_snapshot!("roominfo", form(info.into_form()));
    insta::assert_snapshot!("voice_request", form(VoiceRequest::new().into_form()));
    let mut forwarded = VoiceRequest::new();
    forwarded
        .set_jid(jid("hag66@shakespeare.lit/pda"))
        .set_roomnick("thirdwitch");
    insta::assert_snapshot!("voice_request_approval", form(forwarded.approve(true)));
    let mut reg = RegistrationForm::new();
    reg.set_first("Brunhilde")
        .set_last("Entwhistle-Throckmorton")
        .set_roomnick("thirdwitch")
        .set_url("http://witchesonline/~hag66/")
        .set_email("hag66@witchesonline")
        .set_faq_entry(["Just another witch."]);
    insta::assert_snapshot!("registration", form(reg.into_form()));
}
