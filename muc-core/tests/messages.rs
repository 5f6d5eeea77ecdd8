//! Messages: history and live, subject rules (§8.1), configuration notices,
//! private messages, voice requests, declines, invitations and errors.

mod common;

use common::*;
use muc_core::muc_xso::StatusCode;
use muc_core::{Event, InviteMode, MessageSource, RoomEvent};

const ROOM: &str = "coven@chat.shakespeare.lit";

fn entered() -> Harness {
    let mut h = Harness::new();
    h.join(ROOM, "thirdwitch");
    h.feed_all(&[
        "<presence from='coven@chat.shakespeare.lit/firstwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>",
        "<presence from='coven@chat.shakespeare.lit/thirdwitch'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>",
    ]);
    h.take_events();
    h.take_sent();
    h
}

fn live() -> Harness {
    let mut h = entered();
    h.feed("<message from='coven@chat.shakespeare.lit/secondwitch' type='groupchat'><subject>Fire Burn and Cauldron Bubble!</subject></message>");
    h.take_events();
    h
}

#[test]
fn history_replay_is_told_apart_from_live() {
    // XEP Ex. 33 (three history messages), then the subject, then live.
    let mut h = entered();
    h.feed_all(&[
        "<message from='coven@chat.shakespeare.lit/firstwitch' id='162BEBB1-F6DB-4D9A-9BD8-CFDCC801A0B2' to='hecate@shakespeare.lit/broom' type='groupchat'><body>Thrice the brinded cat hath mew'd.</body><delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' stamp='2002-10-13T23:58:37Z'/></message>",
        "<message from='coven@chat.shakespeare.lit/secondwitch' id='90057840-30FD-4141-AB4A-EDF9C9BC8B3D' to='hecate@shakespeare.lit/broom' type='groupchat'><body>Thrice and once the hedge-pig whined.</body><delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' stamp='2002-10-13T23:58:43Z'/></message>",
        "<message from='coven@chat.shakespeare.lit/secondwitch' type='groupchat'><subject>Fire Burn and Cauldron Bubble!</subject></message>",
        "<message from='coven@chat.shakespeare.lit/firstwitch' type='groupchat' id='live1'><body>Harpier cries: 'tis time, 'tis time.</body></message>",
    ]);
    let sources: Vec<(String, Option<MessageSource>)> = h
        .room_events()
        .iter()
        .map(|e| {
            let s = match e {
                RoomEvent::Message { source, .. } => Some(*source),
                _ => None,
            };
            (name(e), s)
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("Message".into(), Some(MessageSource::History)),
            ("Message".into(), Some(MessageSource::History)),
            ("SubjectChange".into(), None),
            ("Message".into(), Some(MessageSource::Live)),
        ]
    );
}

#[test]
fn history_message_from_someone_gone_has_no_occupant() {
    let mut h = entered();
    h.feed("<message from='coven@chat.shakespeare.lit/longgone' type='groupchat'><body>old</body><delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' stamp='2002-10-13T23:58:37Z'/></message>");
    match &h.room_events()[..] {
        [
            RoomEvent::Message {
                occupant: None,
                nick: Some(n),
                source: MessageSource::History,
                ..
            },
        ] => assert_eq!(n, "longgone"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn subject_with_a_body_or_thread_is_a_message() {
    let mut h = live();
    h.feed("<message from='coven@chat.shakespeare.lit/firstwitch' type='groupchat'><subject>not a subject</subject><body>hi</body></message>");
    h.feed("<message from='coven@chat.shakespeare.lit/firstwitch' type='groupchat'><subject>not either</subject><thread>t1</thread></message>");
    assert_eq!(h.event_names(), ["Message", "Message"]);
    let room = h.router.room(&ROOM.parse().unwrap()).unwrap();
    assert_eq!(
        room.subject().values().next().map(String::as_str),
        Some("Fire Burn and Cauldron Bubble!")
    );
}

#[test]
fn subject_change_and_clearing() {
    let mut h = live();
    h.feed("<message from='coven@chat.shakespeare.lit/firstwitch' type='groupchat'><subject xml:lang='en'>Spells</subject><subject xml:lang='de'>Zauber</subject></message>");
    match &h.room_events()[..] {
        [
            RoomEvent::SubjectChange {
                subject,
                setter,
                occupant,
                on_join: false,
            },
        ] => {
            assert_eq!(subject.len(), 2);
            assert_eq!(subject.get("de").map(String::as_str), Some("Zauber"));
            assert_eq!(setter.as_deref(), Some("firstwitch"));
            assert!(occupant.is_some());
        }
        other => panic!("{other:?}"),
    }
    // XEP Ex. 88: an empty subject clears it.
    h.feed("<message from='coven@chat.shakespeare.lit/firstwitch' type='groupchat'><subject></subject></message>");
    assert_eq!(h.event_names(), ["SubjectChange"]);
}

#[test]
fn set_subject_completes_on_the_reflection_without_id() {
    let mut h = live();
    let mut subject = muc_core::Subject::new();
    subject.insert(Default::default(), "Spells".into());
    let req = h
        .router
        .set_subject(&ROOM.parse().unwrap(), subject, h.now)
        .unwrap();
    h.pump();
    let sent = h.take_sent_xml();
    assert!(
        sent[0].contains("<subject>Spells</subject>") && !sent[0].contains("<body"),
        "{sent:?}"
    );
    // Prosody reflects the subject without the request's id (pitfall P10).
    h.feed("<message from='coven@chat.shakespeare.lit/thirdwitch' type='groupchat'><subject>Spells</subject></message>");
    let events = h.take_events();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Request { id, result: Ok(_) } if *id == req)),
        "{events:?}"
    );
}

#[test]
fn set_subject_refused() {
    let mut h = live();
    let req = h
        .router
        .set_subject(&ROOM.parse().unwrap(), muc_core::Subject::new(), h.now)
        .unwrap();
    h.pump();
    let sent = h.take_sent();
    let id = match &sent[0] {
        muc_core::xmpp_parsers::stanza::Stanza::Message(m) => m.id.clone().unwrap().0,
        other => panic!("{other:?}"),
    };
    h.feed(&format!("<message from='coven@chat.shakespeare.lit' type='error' id='{id}'><subject/><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>You are not allowed to change the subject</text></error></message>"));
    match &h.take_events()[..] {
        [
            Event::Request {
                id,
                result: Err(muc_core::RequestError::Server(e)),
            },
        ] => {
            assert_eq!(*id, req);
            assert_eq!(e.condition_name(), "forbidden");
            assert_eq!(
                e.text.as_deref(),
                Some("You are not allowed to change the subject")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn configuration_change_notices() {
    let mut h = live();
    // Prosody §4.8: 172 + 104 from the bare room JID.
    h.feed("<message type='groupchat' from='coven@chat.shakespeare.lit' to='hag66@shakespeare.lit/pda'><x xmlns='http://jabber.org/protocol/muc#user'><status code='172'/><status code='104'/></x></message>");
    match &h.room_events()[..] {
        [RoomEvent::ConfigChanged { status }] => assert_eq!(
            status,
            &[StatusCode::NOW_NON_ANONYMOUS, StatusCode::CONFIG_CHANGED]
        ),
        other => panic!("{other:?}"),
    }
    // XEP Ex. 171: logging enabled.
    h.feed("<message from='coven@chat.shakespeare.lit' id='80349046-F26A-44F3-A7A6-54825064DD9E' to='crone1@shakespeare.lit/desktop' type='groupchat'><x xmlns='http://jabber.org/protocol/muc#user'><status code='170'/></x></message>");
    assert_eq!(h.event_names(), ["ConfigChanged"]);
}

#[test]
fn private_messages() {
    let mut h = live();
    h.feed("<message from='coven@chat.shakespeare.lit/firstwitch' id='hgn27af1' to='hag66@shakespeare.lit/pda' type='chat'><body>I'll give thee a wind.</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>");
    match &h.room_events()[..] {
        [
            RoomEvent::PrivateMessage {
                nick,
                occupant,
                message,
            },
        ] => {
            assert_eq!(nick, "firstwitch");
            assert!(occupant.is_some());
            assert_eq!(
                message.bodies.values().next().map(String::as_str),
                Some("I'll give thee a wind.")
            );
        }
        other => panic!("{other:?}"),
    }
    h.router
        .send_private_message(
            &ROOM.parse().unwrap(),
            "firstwitch",
            muc_core::xmpp_parsers::message::Message::new(None)
                .with_body(Default::default(), "psst".into()),
        )
        .unwrap();
    h.pump();
    let sent = h.take_sent_xml();
    assert!(
        sent[0].contains("to='coven@chat.shakespeare.lit/firstwitch'")
            && sent[0].contains("type='chat'")
            && sent[0].contains("<x xmlns='http://jabber.org/protocol/muc#user'/>"),
        "{sent:?}"
    );
}

#[test]
fn voice_request_is_surfaced_and_answered() {
    let mut h = live();
    // XEP Ex. 108.
    h.feed("<message from='coven@chat.shakespeare.lit' id='approve' to='crone1@shakespeare.lit/pda'><x xmlns='jabber:x:data' type='form'><title>Voice request</title><instructions>To approve this request for voice, select the &quot;Grant voice to this person?&quot; checkbox and click OK. To skip this request, click the cancel button.</instructions><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#request</value></field><field var='muc#role' type='list-single' label='Requested role'><value>participant</value></field><field var='muc#jid' type='jid-single' label='User ID'><value>hag66@shakespeare.lit/pda</value></field><field var='muc#roomnick' type='text-single' label='Room Nickname'><value>thirdwitch</value></field><field var='muc#request_allow' type='boolean' label='Grant voice to this person?'><value>false</value></field></x></message>");
    let request = match h.room_events().pop() {
        Some(RoomEvent::VoiceRequest { request }) => request,
        other => panic!("{other:?}"),
    };
    assert_eq!(request.roomnick(), Some("thirdwitch"));
    h.router
        .answer_voice_request(&ROOM.parse().unwrap(), request, true)
        .unwrap();
    h.pump();
    let sent = h.take_sent_xml();
    assert!(
        sent[0].contains("muc#request_allow") && sent[0].contains("<value>1</value>"),
        "{sent:?}"
    );
    h.router.request_voice(&ROOM.parse().unwrap()).unwrap();
    h.pump();
    let sent = h.take_sent_xml();
    assert!(
        sent[0].contains(
            "<field type='list-single' var='muc#role'><value>participant</value></field>"
        ),
        "{sent:?}"
    );
}

#[test]
fn decline_reaches_the_inviter() {
    let mut h = live();
    // XEP Ex. 59.
    h.feed("<message from='coven@chat.shakespeare.lit' id='B9FA6D3A-7A0C-4F91-9DC5-AE7FEE8B9A1C' to='crone1@shakespeare.lit/desktop'><x xmlns='http://jabber.org/protocol/muc#user'><decline from='hecate@shakespeare.lit'><reason>Sorry, I'm too busy right now.</reason></decline></x></message>");
    match &h.room_events()[..] {
        [RoomEvent::Decline { from, reason }] => {
            assert_eq!(
                from.as_ref().map(|j| j.as_str()),
                Some("hecate@shakespeare.lit")
            );
            assert_eq!(reason.as_deref(), Some("Sorry, I'm too busy right now."));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn invitations_mediated_and_direct_also_for_rooms_not_joined() {
    let mut h = Harness::new();
    // XEP Ex. 57, password beside the invite (aioxmpp read it from inside).
    h.feed("<message from='darkcave@chat.shakespeare.lit' id='nzd143v8' to='hecate@shakespeare.lit'><x xmlns='http://jabber.org/protocol/muc#user'><invite from='crone1@shakespeare.lit/desktop'><reason>Hey Hecate, this is the place for all good witches!</reason></invite><password>cauldronburn</password></x></message>");
    // XEP-0249 Ex. 2.
    h.feed("<message from='crone1@shakespeare.lit/desktop' to='hecate@shakespeare.lit'><x xmlns='jabber:x:conference' continue='true' jid='darkcave@macbeth.shakespeare.lit' password='cauldronburn' reason='Hey Hecate, this is the place for all good witches!' thread='e0ffe42b28561960c6b12b944a092794b9683a38'/></message>");
    let invitations: Vec<_> = h
        .take_events()
        .into_iter()
        .map(|e| match e {
            Event::Invitation(i) => i,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(invitations.len(), 2);
    assert_eq!(invitations[0].mode, InviteMode::Mediated);
    assert_eq!(
        invitations[0].room.as_str(),
        "darkcave@chat.shakespeare.lit"
    );
    assert_eq!(invitations[0].password.as_deref(), Some("cauldronburn"));
    assert_eq!(
        invitations[0].inviter.as_ref().map(|j| j.as_str()),
        Some("crone1@shakespeare.lit/desktop")
    );
    assert_eq!(invitations[1].mode, InviteMode::Direct);
    assert_eq!(
        invitations[1].room.as_str(),
        "darkcave@macbeth.shakespeare.lit"
    );
    assert!(invitations[1].continues);
    assert_eq!(
        invitations[1].thread.as_deref(),
        Some("e0ffe42b28561960c6b12b944a092794b9683a38")
    );
    assert!(
        !format!("{:?}", invitations[0]).contains("cauldronburn"),
        "no password in Debug"
    );
}

#[test]
fn mediated_invitation_from_something_that_is_not_a_room_is_ignored() {
    let mut h = Harness::new();
    let back = h.feed("<message from='mallory@evil.example/laptop' to='hecate@shakespeare.lit'><x xmlns='http://jabber.org/protocol/muc#user'><invite from='crone1@shakespeare.lit'/></x></message>");
    assert!(back.is_none(), "consumed");
    assert!(h.take_events().is_empty());
}

#[test]
fn message_errors_become_error_events() {
    let mut h = live();
    // XEP Ex. 48: a groupchat message to an occupant JID bounces.
    h.feed("<message from='coven@chat.shakespeare.lit/secondwitch' to='crone1@shakespeare.lit/desktop' type='error'><body>I'll give thee a wind.</body><error by='coven@chat.shakespeare.lit' type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
    match &h.room_events()[..] {
        [RoomEvent::Error { error, .. }] => assert_eq!(error.condition_name(), "bad-request"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bodyless_groupchat_messages_are_not_dropped() {
    let mut h = live();
    h.feed("<message from='coven@chat.shakespeare.lit/firstwitch' type='groupchat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
    assert_eq!(h.event_names(), ["Message"]);
}

#[test]
fn messages_for_other_entities_are_given_back() {
    let mut h = live();
    assert!(
        h.feed("<message from='friend@example.org/x' type='chat'><body>hi</body></message>")
            .is_some()
    );
    assert!(
        h.feed(
            "<message from='coven@chat.shakespeare.lit' type='headline'><body>news</body></message>"
        )
        .is_some()
    );
}

#[test]
fn mediated_invitation_with_a_conference_element_beside_it_stays_mediated() {
    // Prosody and ejabberd add jabber:x:conference next to the muc#user invite.
    let mut h = Harness::new();
    h.feed("<message from='room@conference.localhost' to='hag66@shakespeare.lit/pda'><x xmlns='http://jabber.org/protocol/muc#user'><invite from='alice@localhost/x'><reason>join us</reason></invite><password>pw</password></x><x xmlns='jabber:x:conference' jid='room@conference.localhost'/></message>");
    match &h.take_events()[..] {
        [Event::Invitation(i)] => {
            assert_eq!(i.mode, InviteMode::Mediated);
            assert_eq!(
                i.inviter.as_ref().map(|j| j.as_str()),
                Some("alice@localhost/x")
            );
            assert_eq!(i.password.as_deref(), Some("pw"));
            assert_eq!(i.reason.as_deref(), Some("join us"));
        }
        other => panic!("{other:?}"),
    }
}
