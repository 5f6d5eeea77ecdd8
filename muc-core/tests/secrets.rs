//! Passwords never show in logs or in `Debug` output.
//!
//! Every scenario that carries a password runs under a TRACE-level
//! `tracing-subscriber` writing into a buffer, and everything the router
//! hands out (events, transmits) and the router, room and options
//! themselves are formatted with `{:?}`; the password text must appear
//! nowhere (neither as written nor XML-escaped).

mod common;

use common::*;
use muc_core::muc_xso::forms::RoomConfig;
use muc_core::{Event, InviteMode, JoinOptions, Password, RoomEvent};

const ROOM: &str = "room1@conference.localhost";
const MUC_USER: &str = "http://jabber.org/protocol/muc#user";

/// Passwords as an application might set them; the second has characters
/// XML escapes. Each has a marker that must never be printed.
const PASSWORDS: [(&str, &str); 2] = [
    ("Sesame-7f3a91", "7f3a91"),
    ("Op3n'Se\"s<a>&me-c0ffee", "c0ffee"),
];

/// Everything a logger or a debugging user could print: the log text, and
/// the `Debug` of every event and transmit, the router and the room.
struct Seen {
    text: String,
}

impl Seen {
    fn new() -> Seen {
        Seen {
            text: String::new(),
        }
    }

    fn drain(&mut self, h: &mut Harness) {
        while let Some(t) = h.router.poll_transmit() {
            self.text += &format!("{t:?}\n");
            h.sent.push(t.stanza);
        }
        while let Some(e) = h.router.poll_event() {
            self.text += &format!("{e:?}\n{e:#?}\n");
            h.events.push(e);
        }
        self.text += &format!("{:?}\n{:#?}\n", h.router, h.router);
        for room in h.router.rooms() {
            self.text += &format!("{room:?}\n{:?}\n", room.options());
        }
    }

    fn assert_clean(&self, marker: &str, what: &str) {
        if let Some(i) = self.text.find(marker) {
            let from = i.saturating_sub(200);
            let to = (i + 200).min(self.text.len());
            let from = (0..=from)
                .rev()
                .find(|&j| self.text.is_char_boundary(j))
                .unwrap_or(0);
            let to = (to..=self.text.len())
                .find(|&j| self.text.is_char_boundary(j))
                .unwrap_or(self.text.len());
            panic!("{what}: the password shows: ...{}...", &self.text[from..to]);
        }
    }
}

/// Runs `scenario` for each password, under the log capture, and checks
/// that neither the logs nor the `Debug` output show it.
fn check(what: &str, scenario: impl Fn(&str, &mut Harness, &mut Seen)) {
    for (password, marker) in PASSWORDS {
        let (seen, logs) = logs::capture(|| {
            tracing::trace!(scenario = what, "capture on");
            let mut h = Harness::with_own("alice@localhost/res-a");
            let mut seen = Seen::new();
            scenario(password, &mut h, &mut seen);
            seen.drain(&mut h);
            seen
        });
        assert!(
            logs.contains("capture on"),
            "{what}: the capture works (TRACE)"
        );
        seen.assert_clean(marker, what);
        if let Some(i) = logs.find(marker) {
            panic!(
                "{what}: the password is in the log: {}",
                &logs[i.saturating_sub(300)..]
            );
        }
        // The wire does carry it (the test would prove nothing otherwise),
        // except where the scenario only receives it.
        let _ = password;
    }
}

fn wire(h: &Harness) -> String {
    h.sent.iter().map(xml).collect::<Vec<_>>().join("\n")
}

fn enter(h: &mut Harness, seen: &mut Seen) {
    h.router
        .handle_stanza(
            stanza(&format!(
                "<presence from='{ROOM}/Alice'><x xmlns='{MUC_USER}'><item role='moderator' affiliation='owner'/><status code='110'/></x></presence>"
            )),
            h.now,
        );
    h.router.handle_stanza(
        stanza(&format!(
            "<message from='{ROOM}' type='groupchat'><subject/></message>"
        )),
        h.now,
    );
    seen.drain(h);
}

#[test]
fn joining_a_password_protected_room() {
    check("join", |password, h, seen| {
        let options = JoinOptions::default().password(password);
        seen.text += &format!("{options:?}\n{:?}\n", Password::new(password));
        h.router
            .join(ROOM.parse().unwrap(), "Alice", options, h.now)
            .unwrap();
        seen.drain(h);
        assert!(
            wire(h).contains("<password>"),
            "the join presence carries the password"
        );
        // ejabberd's refusal echoes the password it was given.
        h.router.handle_stanza(
            stanza(&format!(
                "<presence from='{ROOM}/Alice' type='error' id='j1'><x xmlns='http://jabber.org/protocol/muc'><password>{}</password></x><error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Incorrect password</text></error></presence>",
                esc(password)
            )),
            h.now,
        );
        seen.drain(h);
        assert!(h.events.iter().any(|e| matches!(
            e,
            Event::Room {
                event: RoomEvent::JoinFailed { .. },
                ..
            }
        )));
        // Join again, get in, lose the stream and rejoin (the password goes
        // out again).
        h.router
            .join(
                ROOM.parse().unwrap(),
                "Alice",
                JoinOptions::default().password(password),
                h.now,
            )
            .unwrap();
        seen.drain(h);
        enter(h, seen);
        h.router.stream_lost(h.now);
        seen.drain(h);
        h.router
            .stream_established("alice@localhost/res-a".parse().unwrap(), h.now);
        seen.drain(h);
        let room = h.router.room(&ROOM.parse().unwrap()).unwrap();
        seen.text += &format!("{:?}\n", room.password());
    });
}

#[test]
fn receiving_invitations_with_a_password() {
    check("invitations", |password, h, seen| {
        let p = esc(password);
        // Mediated (XEP-0045 §7.8.2): the password next to <invite/>.
        h.router.handle_stanza(
            stanza(&format!(
                "<message from='coven@chat.shakespeare.lit' to='alice@localhost/res-a'><x xmlns='{MUC_USER}'><invite from='crone1@shakespeare.lit/desktop'><reason>Hey</reason></invite><password>{p}</password></x></message>"
            )),
            h.now,
        );
        // Direct (XEP-0249): a password attribute.
        h.router.handle_stanza(
            stanza(&format!(
                "<message from='crone1@shakespeare.lit/desktop' to='alice@localhost/res-a'><x xmlns='jabber:x:conference' jid='darkcave@macbeth.shakespeare.lit' password='{p}' reason='Hey'/></message>"
            )),
            h.now,
        );
        // A broken direct invitation (bad JID) with a password: logged.
        h.router.handle_stanza(
            stanza(&format!(
                "<message from='crone1@shakespeare.lit/desktop'><x xmlns='jabber:x:conference' jid='@@' password='{p}'/></message>"
            )),
            h.now,
        );
        // A mediated one from something that is not a room: logged.
        h.router.handle_stanza(
            stanza(&format!(
                "<message from='mallory@evil.example/x'><x xmlns='{MUC_USER}'><invite from='crone1@shakespeare.lit'/><password>{p}</password></x></message>"
            )),
            h.now,
        );
        seen.drain(h);
        let invitations: Vec<_> = h
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Invitation(i) => Some(i),
                _ => None,
            })
            .collect();
        assert_eq!(invitations.len(), 2);
        for i in invitations {
            assert_eq!(
                i.password.as_deref(),
                Some(password),
                "the application gets it"
            );
        }
    });
}

#[test]
fn sending_invitations_and_the_room_password() {
    check("invite out", |password, h, seen| {
        h.router
            .join(
                ROOM.parse().unwrap(),
                "Alice",
                JoinOptions::default().discover(false).password(password),
                h.now,
            )
            .unwrap();
        seen.drain(h);
        enter(h, seen);
        let room = ROOM.parse().unwrap();
        h.router
            .invite(
                &room,
                vec!["bob@localhost".parse().unwrap()],
                Some("come".into()),
                InviteMode::Direct,
            )
            .unwrap();
        h.router
            .invite(
                &room,
                vec!["carol@localhost".parse().unwrap()],
                None,
                InviteMode::Mediated,
            )
            .unwrap();
        seen.drain(h);
        assert!(
            wire(h).contains("password="),
            "the direct invitation carries the room password"
        );
    });
}

#[test]
fn destroying_with_a_password() {
    check("destroy", |password, h, seen| {
        h.router
            .join(
                ROOM.parse().unwrap(),
                "Alice",
                JoinOptions::default().discover(false),
                h.now,
            )
            .unwrap();
        seen.drain(h);
        enter(h, seen);
        let room = ROOM.parse().unwrap();
        let _req = h.router.destroy(
            &room,
            Some("moving".into()),
            Some("other@conference.localhost".parse().unwrap()),
            Some(password.to_owned()),
            h.now,
        );
        seen.drain(h);
        assert!(wire(h).contains("<password>"));
        // The room's notice names the alternate venue and its password.
        h.router.handle_stanza(
            stanza(&format!(
                "<presence from='{ROOM}/Alice' type='unavailable'><x xmlns='{MUC_USER}'><destroy jid='other@conference.localhost'><reason>moving</reason><password>{}</password></destroy><item affiliation='none' role='none'/><status code='110'/></x></presence>",
                esc(password)
            )),
            h.now,
        );
        seen.drain(h);
        let destroyed = h.events.iter().find_map(|e| match e {
            Event::Room {
                event: RoomEvent::Exit { destroyed, .. },
                ..
            } => destroyed.clone(),
            _ => None,
        });
        assert_eq!(
            destroyed.and_then(|d| d.password).as_deref(),
            Some(password),
            "the application gets it"
        );
    });
}

#[test]
fn configuring_a_room_secret() {
    check("room secret", |password, h, seen| {
        let room = ROOM.parse().unwrap();
        let mut config = RoomConfig::new();
        config.set_room_secret(password);
        seen.text += &format!("{config:?}\n");
        let _req = h.router.set_config(&room, config.to_submit(), h.now);
        seen.drain(h);
        assert!(wire(h).contains("roomsecret"));
        // The form the room sends back carries the current secret.
        let _get = h.router.get_config(&room, h.now);
        seen.drain(h);
        let id = h
            .sent
            .iter()
            .rev()
            .find_map(|s| match s {
                muc_core::xmpp_parsers::stanza::Stanza::Iq(iq) => Some(iq.id().to_owned()),
                _ => None,
            })
            .unwrap();
        h.router.handle_stanza(
            stanza(&format!(
                "<iq from='{ROOM}' id='{id}' type='result'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var='muc#roomconfig_passwordprotectedroom' type='boolean'><value>1</value></field><field var='muc#roomconfig_roomsecret' type='text-private'><value>{}</value></field></x></query></iq>",
                esc(password)
            )),
            h.now,
        );
        seen.drain(h);
        assert!(h.events.iter().any(|e| matches!(
            e,
            Event::Request {
                result: Ok(muc_core::Response::Config(_)),
                ..
            }
        )));
    });
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}
