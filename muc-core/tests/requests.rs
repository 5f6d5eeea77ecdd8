//! Requests: the IQs they send, and how answers, errors and silence end them.

mod common;

use std::time::Duration;

use common::*;
use muc_core::muc_xso::forms::RoomConfig;
use muc_core::muc_xso::{AdminItem, Affiliation, Role};
use muc_core::xmpp_parsers::stanza::Stanza;
use muc_core::{Event, InviteMode, RequestError, RequestId, Response};

const ROOM: &str = "coven@chat.shakespeare.lit";

fn online() -> Harness {
    Harness::with_own("crone1@shakespeare.lit/desktop")
}

fn room() -> jid::BareJid {
    ROOM.parse().unwrap()
}

/// The one IQ sent, as XML, and its id.
fn sent_iq(h: &mut Harness) -> (String, String) {
    let sent = h.take_sent();
    match &sent[..] {
        [Stanza::Iq(iq)] => (xml(&sent[0]), iq.id().to_owned()),
        other => panic!("{other:?}"),
    }
}

fn result_of(h: &mut Harness, req: RequestId) -> Result<Response, RequestError> {
    let events = h.take_events();
    events
        .into_iter()
        .find_map(|e| match e {
            Event::Request { id, result } if id == req => Some(result),
            _ => None,
        })
        .expect("the request completed")
}

#[test]
fn kick_builds_the_admin_iq_and_completes_on_result() {
    let mut h = online();
    let req = h.router.set_role(
        &room(),
        "pistol",
        Role::None,
        Some("Avaunt, you cullion!".into()),
        h.now,
    );
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(
        iq.contains("type='set'") && iq.contains("to='coven@chat.shakespeare.lit'"),
        "{iq}"
    );
    assert!(iq.contains("<query xmlns='http://jabber.org/protocol/muc#admin'><item nick='pistol' role='none'><reason>Avaunt, you cullion!</reason></item></query>"), "{iq}");
    h.feed(&format!("<iq from='coven@chat.shakespeare.lit' id='{id}' to='crone1@shakespeare.lit/desktop' type='result'/>"));
    assert_eq!(result_of(&mut h, req), Ok(Response::Done));
}

#[test]
fn ban_uses_the_bare_jid_and_reports_the_refusal() {
    let mut h = online();
    let req = h.router.set_affiliation(
        &room(),
        &"earlofcambridge@shakespeare.lit/stabber".parse().unwrap(),
        Affiliation::Outcast,
        Some("Treason".into()),
        h.now,
    );
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(iq.contains("<item affiliation='outcast' jid='earlofcambridge@shakespeare.lit'><reason>Treason</reason></item>"), "{iq}");
    // XEP Ex. 115 done right: not-allowed.
    h.feed(&format!("<iq from='coven@chat.shakespeare.lit' id='{id}' type='error'><error type='cancel'><not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
    match result_of(&mut h, req) {
        Err(RequestError::Server(e)) => assert_eq!(e.condition_name(), "not-allowed"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn affiliation_and_role_lists() {
    let mut h = online();
    let req = h
        .router
        .affiliation_list(&room(), Affiliation::Member, h.now);
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(
        iq.contains("type='get'") && iq.contains("<item affiliation='member'/>"),
        "{iq}"
    );
    h.feed(&format!("<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='hag66@shakespeare.lit' nick='thirdwitch' role='participant'/></query></iq>"));
    match result_of(&mut h, req) {
        Ok(Response::Items(items)) => {
            assert_eq!(items.len(), 1);
            assert_eq!(
                items[0].jid.as_ref().map(|j| j.as_str()),
                Some("hag66@shakespeare.lit")
            );
        }
        other => panic!("{other:?}"),
    }
    let req = h.router.role_list(&room(), Role::Moderator, h.now);
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(iq.contains("<item role='moderator'/>"), "{iq}");
    h.feed(&format!("<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'><query xmlns='http://jabber.org/protocol/muc#admin'/></iq>"));
    assert_eq!(result_of(&mut h, req), Ok(Response::Items(vec![])));
}

#[test]
fn delta_list_changes() {
    let mut h = online();
    let req = h.router.modify_affiliations(
        &room(),
        vec![
            AdminItem::affiliation(
                "hag66@shakespeare.lit".parse::<jid::Jid>().unwrap(),
                Affiliation::Member,
            ),
            AdminItem::affiliation(
                "hecate@shakespeare.lit".parse::<jid::Jid>().unwrap(),
                Affiliation::None,
            ),
        ],
        h.now,
    );
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(iq.contains("<item affiliation='member' jid='hag66@shakespeare.lit'/><item affiliation='none' jid='hecate@shakespeare.lit'/>"), "{iq}");
    h.feed(&format!(
        "<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'/>"
    ));
    assert_eq!(result_of(&mut h, req), Ok(Response::Done));
}

#[test]
fn configuration_get_change_submit() {
    let mut h = online();
    let req = h.router.get_config(&room(), h.now);
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(
        iq.contains("type='get'")
            && iq.contains("<query xmlns='http://jabber.org/protocol/muc#owner'/>"),
        "{iq}"
    );
    // Part of ejabberd's form (§6.4), with an unknown field.
    h.feed(&format!("<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'><query xmlns='http://jabber.org/protocol/muc#owner'><x type='form' xmlns='jabber:x:data'><title>Configuration</title><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var='muc#roomconfig_roomname' type='text-single' label='Room title'/><field var='muc#roomconfig_membersonly' type='boolean' label='Make room members-only'><value>0</value></field><field var='allow_subscription' type='boolean' label='Allow subscription'><value>0</value></field></x></query></iq>"));
    let mut config: RoomConfig = match result_of(&mut h, req) {
        Ok(Response::Config(c)) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(config.members_only(), Some(false));
    config.set_members_only(true).set_roomname("A Dark Cave");
    let req = h.router.set_config(&room(), config.to_submit(), h.now);
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(
        iq.contains("type='submit'")
            && iq.contains(
                "<field type='boolean' var='muc#roomconfig_membersonly'><value>1</value></field>"
            )
            && iq.contains("allow_subscription"),
        "unknown fields are submitted back: {iq}"
    );
    h.feed(&format!(
        "<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'/>"
    ));
    assert_eq!(result_of(&mut h, req), Ok(Response::Done));
}

#[test]
fn instant_room_cancel_and_destroy() {
    let mut h = online();
    h.router.create_instant(&room(), h.now);
    h.pump();
    let (iq, _) = sent_iq(&mut h);
    assert!(
        iq.contains("<x xmlns='jabber:x:data' type='submit'/>"),
        "{iq}"
    );
    h.router.cancel_config(&room(), h.now);
    h.pump();
    let (iq, _) = sent_iq(&mut h);
    assert!(
        iq.contains("<x xmlns='jabber:x:data' type='cancel'/>"),
        "{iq}"
    );
    let req = h.router.destroy(
        &room(),
        Some("Macbeth doth come.".into()),
        Some("chapel@chat.shakespeare.lit".parse().unwrap()),
        Some("cauldronburn".into()),
        h.now,
    );
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(iq.contains("<destroy jid='chapel@chat.shakespeare.lit'><reason>Macbeth doth come.</reason><password>cauldronburn</password></destroy>"), "{iq}");
    h.feed(&format!("<iq from='heath@chat.shakespeare.lit' id='{id}' type='error'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
    let events = h.take_events();
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Request { id, .. } if *id == req)),
        "an answer from another entity does not count"
    );
    h.feed(&format!(
        "<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'/>"
    ));
    assert_eq!(result_of(&mut h, req), Ok(Response::Done));
}

#[test]
fn registration_and_reserved_nick() {
    let mut h = online();
    let req = h.router.registration_form(&room(), h.now);
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(iq.contains("<query xmlns='jabber:iq:register'/>"), "{iq}");
    h.feed(&format!("<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'><query xmlns='jabber:iq:register'><instructions>Fill out this form.</instructions><x xmlns='jabber:x:data' type='form'><field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field label='Desired Nickname' type='text-single' var='muc#register_roomnick'><required/></field></x></query></iq>"));
    let mut form = match result_of(&mut h, req) {
        Ok(Response::Registration {
            form: Some(f),
            registered: false,
        }) => f,
        other => panic!("{other:?}"),
    };
    form.set_roomnick("thirdwitch");
    let req = h.router.register(&room(), form.to_submit(), h.now);
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(
        iq.contains("type='set'") && iq.contains("<value>thirdwitch</value>"),
        "{iq}"
    );
    h.feed(&format!(
        "<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'/>"
    ));
    assert_eq!(result_of(&mut h, req), Ok(Response::Done));

    let req = h.router.reserved_nick(&room(), h.now);
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(iq.contains("node='x-roomuser-item'"), "{iq}");
    // XEP Ex. 78.
    h.feed(&format!("<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'><identity category='conference' name='thirdwitch' type='text'/></query></iq>"));
    assert_eq!(
        result_of(&mut h, req),
        Ok(Response::ReservedNick(Some("thirdwitch".into())))
    );
}

#[test]
fn room_info_and_room_discovery() {
    let mut h = online();
    let req = h.router.room_info(&room(), h.now);
    h.pump();
    let (_, id) = sent_iq(&mut h);
    // XEP Ex. 10 (shortened).
    h.feed(&format!("<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' name='A Dark Cave' type='text'/><feature var='http://jabber.org/protocol/muc'/><feature var='muc_passwordprotected'/><feature var='muc_hidden'/><feature var='muc_temporary'/><feature var='muc_open'/><feature var='muc_unmoderated'/><feature var='muc_nonanonymous'/><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field><field var='muc#roominfo_description' label='Description'><value>The place for all good witches!</value></field><field var='muc#roominfo_occupants' label='Number of occupants'><value>3</value></field></x></query></iq>"));
    match result_of(&mut h, req) {
        Ok(Response::RoomInfo(d)) => {
            assert_eq!(d.name.as_deref(), Some("A Dark Cave"));
            assert_eq!(d.features.password_protected, Some(true));
            assert_eq!(d.features.non_anonymous, Some(true));
            assert_eq!(d.features.moderated, Some(false));
            assert_eq!(d.info.and_then(|i| i.occupants()), Some(3));
        }
        other => panic!("{other:?}"),
    }
    let req = h
        .router
        .discover_rooms(&"chat.shakespeare.lit".parse().unwrap(), h.now);
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(
        iq.contains("to='chat.shakespeare.lit'") && iq.contains("disco#items"),
        "{iq}"
    );
    h.feed(&format!("<iq from='chat.shakespeare.lit' id='{id}' type='result'><query xmlns='http://jabber.org/protocol/disco#items'><item jid='heath@chat.shakespeare.lit' name='A Lonely Heath'/><item jid='coven@chat.shakespeare.lit' name='A Dark Cave'/></query></iq>"));
    match result_of(&mut h, req) {
        Ok(Response::DiscoItems(items)) => assert_eq!(items.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn silence_times_out_and_offline_fails_at_once() {
    let mut h = online();
    let req = h.router.get_config(&room(), h.now);
    h.pump();
    h.take_sent();
    h.run_for(Duration::from_secs(29));
    assert!(h.take_events().is_empty());
    h.run_for(Duration::from_secs(2));
    assert_eq!(result_of(&mut h, req), Err(RequestError::TimedOut));
    // A late answer is not ours any more and is given back.
    let mut off = Harness::offline();
    let req = off.router.get_config(&room(), off.now);
    off.pump();
    assert!(off.take_sent().is_empty());
    assert_eq!(result_of(&mut off, req), Err(RequestError::Disconnected));
}

#[test]
fn invitations_out_and_decline() {
    let mut h = online();
    h.join(ROOM, "firstwitch");
    h.feed("<presence from='coven@chat.shakespeare.lit/firstwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>");
    h.take_sent();
    h.router
        .invite(
            &room(),
            vec!["hecate@shakespeare.lit".parse().unwrap()],
            Some("Hey Hecate".into()),
            InviteMode::Mediated,
        )
        .unwrap();
    h.pump();
    let sent = h.take_sent_xml();
    assert!(
        sent[0].contains("to='coven@chat.shakespeare.lit'")
            && sent[0].contains(
                "<invite to='hecate@shakespeare.lit'><reason>Hey Hecate</reason></invite>"
            ),
        "{sent:?}"
    );
    h.router
        .invite(
            &room(),
            vec!["hecate@shakespeare.lit/broom".parse().unwrap()],
            None,
            InviteMode::Direct,
        )
        .unwrap();
    h.pump();
    let sent = h.take_sent_xml();
    assert!(
        sent[0].contains("to='hecate@shakespeare.lit'")
            && sent[0]
                .contains("<x xmlns='jabber:x:conference' jid='coven@chat.shakespeare.lit'/>"),
        "to the bare JID: {sent:?}"
    );
    h.router
        .decline(
            &"darkcave@chat.shakespeare.lit".parse().unwrap(),
            "crone1@shakespeare.lit".parse().unwrap(),
            Some("Sorry".into()),
        )
        .unwrap();
    assert!(
        h.router
            .decline(
                &"darkcave@chat.shakespeare.lit".parse().unwrap(),
                "crone1@shakespeare.lit".parse().unwrap(),
                Some("nul\u{0}".into()),
            )
            .is_err(),
        "text XML cannot carry is refused"
    );
    h.pump();
    let sent = h.take_sent_xml();
    assert!(
        sent[0].contains("<decline to='crone1@shakespeare.lit'><reason>Sorry</reason></decline>"),
        "{sent:?}"
    );
}

#[test]
fn own_presence_in_the_room() {
    let mut h = online();
    h.join(ROOM, "firstwitch");
    h.feed("<presence from='coven@chat.shakespeare.lit/firstwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>");
    h.take_sent();
    h.router
        .set_presence(
            &room(),
            Some(muc_core::xmpp_parsers::presence::Show::Away),
            Some("brb".into()),
        )
        .unwrap();
    h.pump();
    let sent = h.take_sent_xml();
    assert!(
        sent[0].contains("to='coven@chat.shakespeare.lit/firstwitch'")
            && sent[0].contains("<show>away</show>")
            && sent[0].contains("<status>brb</status>"),
        "{sent:?}"
    );
}

#[test]
fn a_new_room_learns_its_features_once_configured() {
    let mut h = online();
    h.join_with(ROOM, "firstwitch", muc_core::JoinOptions::default());
    let sent = h.take_sent();
    let disco = sent
        .iter()
        .find_map(|s| match s {
            Stanza::Iq(iq) => Some(iq.id().to_owned()),
            _ => None,
        })
        .expect("a disco#info query with the join");
    // The room does not exist yet.
    h.feed(&format!("<iq from='coven@chat.shakespeare.lit' id='{disco}' type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"));
    h.feed("<presence from='coven@chat.shakespeare.lit/firstwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/><status code='201'/></x></presence>");
    assert!(h.router.room(&room()).unwrap().features().is_none());
    let req = h.router.create_instant(&room(), h.now);
    h.pump();
    let (_, id) = sent_iq(&mut h);
    h.feed(&format!(
        "<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'/>"
    ));
    assert_eq!(result_of(&mut h, req), Ok(Response::Done));
    let (iq, disco) = sent_iq(&mut h);
    assert!(iq.contains("disco#info"), "asked again once unlocked: {iq}");
    h.feed(&format!("<iq from='coven@chat.shakespeare.lit' id='{disco}' type='result'><query xmlns='http://jabber.org/protocol/disco#info'><feature var='http://jabber.org/protocol/muc'/><feature var='urn:xmpp:occupant-id:0'/><feature var='muc_moderated'/></query></iq>"));
    let features = h
        .router
        .room(&room())
        .unwrap()
        .features()
        .cloned()
        .expect("known now");
    assert!(features.occupant_id);
    assert_eq!(features.moderated, Some(true));
}

#[test]
fn cancelling_the_initial_configuration_leaves_the_room_to_the_service() {
    // §10.1.3 says the service destroys the room (and then sends us an
    // unavailable presence); Prosody and ejabberd keep it. Either way the
    // room's own presence decides, not the IQ result.
    let mut h = online();
    h.join(ROOM, "firstwitch");
    h.feed("<presence from='coven@chat.shakespeare.lit/firstwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/><status code='201'/></x></presence>");
    h.take_events();
    h.take_sent();
    let req = h.router.cancel_config(&room(), h.now);
    h.pump();
    let (iq, id) = sent_iq(&mut h);
    assert!(
        iq.contains("<x xmlns='jabber:x:data' type='cancel'/>"),
        "{iq}"
    );
    h.feed(&format!(
        "<iq from='coven@chat.shakespeare.lit' id='{id}' type='result'/>"
    ));
    assert_eq!(result_of(&mut h, req), Ok(Response::Done));
    assert!(
        h.router.room(&room()).is_some_and(|r| r.active()),
        "the room stays until the service says otherwise"
    );
    h.feed("<presence from='coven@chat.shakespeare.lit/firstwitch' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item role='none' affiliation='none'/><destroy/><status code='110'/></x></presence>");
    assert!(h.router.room(&room()).is_none());
}

#[test]
fn autorejoin_and_password_can_change_after_join() {
    let mut h = online();
    h.join(ROOM, "firstwitch");
    h.feed("<presence from='coven@chat.shakespeare.lit/firstwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>");
    h.router
        .set_password(&room(), Some("newsecret".into()))
        .unwrap();
    h.router.set_autorejoin(&room(), false).unwrap();
    let r = h.router.room(&room()).unwrap();
    assert!(!r.autorejoin());
    assert_eq!(r.password().map(|p| p.expose()), Some("newsecret"));
    assert!(
        h.router
            .set_autorejoin(&"nowhere@chat.shakespeare.lit".parse().unwrap(), true)
            .is_err()
    );
}

#[test]
fn a_request_with_text_xml_cannot_carry_fails_at_once() {
    let mut h = online();
    let req = h.router.set_role(
        &room(),
        "pistol",
        Role::None,
        Some("bell\u{7}".into()),
        h.now,
    );
    h.pump();
    assert!(h.take_sent().is_empty(), "nothing unwritable goes out");
    assert!(matches!(
        result_of(&mut h, req),
        Err(RequestError::Invalid(_))
    ));
}
