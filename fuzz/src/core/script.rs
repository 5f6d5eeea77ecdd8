//! Running a structured input: the setup, then each step of the [`Script`]
//! (stanzas, captures, stream changes, clock steps, user actions).

use std::time::Duration;

use jid::{BareJid, FullJid, Jid};
use muc_core::muc_xso::{Affiliation, Role};
use muc_core::xmpp_parsers::message::{Lang, Message};
use muc_core::{InviteMode, JoinOptions, SelfPingConfig};

use super::grammar::{NickChoice, Op, Script, UserOp};
use super::replay::capture;
use super::stanzas::parse_stanza;
use super::{Driver, NICK, OWN, ROOM};

fn user(d: &mut Driver, op: &UserOp) {
    let room = d.room.clone();
    let now = d.now;
    let r = &mut d.router;
    match op {
        UserOp::SendTracked(t, timeout) => {
            let m = Message::groupchat(None).with_body(Lang::new(), t.get());
            let _ = r.send_tracked(&room, m, timeout.then(|| Duration::from_secs(10)), now);
        }
        UserOp::SendMessage(t) => {
            let m = Message::groupchat(None).with_body(Lang::new(), t.get());
            let _ = r.send_message(&room, m);
        }
        UserOp::SetNick(n) => {
            let _ = r.set_nick(&room, &n.get(), now);
        }
        UserOp::Leave => {
            let _ = r.leave(&room, Some("bye".into()), now);
        }
        UserOp::SetSubject(t) => {
            let mut s = muc_core::Subject::new();
            s.insert(Lang::new(), t.get());
            let _ = r.set_subject(&room, s, now);
        }
        UserOp::SetPresence => {
            let _ = r.set_presence(&room, None, Some("busy".into()));
        }
        UserOp::PrivateMessage(n) => {
            let m = Message::chat(None).with_body(Lang::new(), "psst".into());
            let _ = r.send_private_message(&room, &n.get(), m);
        }
        UserOp::Kick(n) => {
            let _ = r.set_role(&room, &n.get(), Role::None, Some("out".into()), now);
        }
        UserOp::Ban => {
            if let Ok(j) = Jid::new("bob@localhost") {
                let _ = r.set_affiliation(&room, &j, Affiliation::Outcast, None, now);
            }
        }
        UserOp::GetConfig => {
            let _ = r.get_config(&room, now);
        }
        UserOp::SetConfig => {
            let mut c = muc_core::muc_xso::forms::RoomConfig::new();
            c.set_room_secret("fuzz-secret");
            let _ = r.set_config(&room, c.to_submit(), now);
        }
        UserOp::Destroy => {
            let _ = r.destroy(&room, None, None, Some("fuzz-secret".into()), now);
        }
        UserOp::RoomInfo => {
            let _ = r.room_info(&room, now);
        }
        UserOp::Invite(direct) => {
            if let Ok(j) = Jid::new("carol@localhost") {
                let mode = if *direct {
                    InviteMode::Direct
                } else {
                    InviteMode::Mediated
                };
                let _ = r.invite(&room, vec![j], None, mode);
            }
        }
        UserOp::Decline => {
            if let Ok(j) = Jid::new("bob@localhost") {
                let _ = r.decline(&room, j, None);
            }
        }
        UserOp::RequestVoice => {
            let _ = r.request_voice(&room);
        }
        UserOp::JoinAgain => {
            let _ = r.join(room, NICK, JoinOptions::default().discover(false), now);
        }
        UserOp::Transmitted(i) => {
            if !d.trackers.is_empty() {
                let t = d.trackers[usize::from(*i) % d.trackers.len()];
                d.router.transmitted(t);
            }
        }
        UserOp::TransmitFailed(i) => {
            if !d.trackers.is_empty() {
                let t = d.trackers[usize::from(*i) % d.trackers.len()];
                d.router.transmit_failed(t);
            }
        }
    }
    d.pump();
    d.check();
}

pub(super) fn run_script(script: Script) {
    let s = &script.setup;
    let mut options = JoinOptions::default()
        .password("fuzz-secret")
        .autorejoin(s.autorejoin)
        .discover(s.discover)
        .self_ping(s.self_ping.then(SelfPingConfig::default));
    if let Some(h) = s.history {
        options = options.history(muc_core::muc_xso::History::new().with_maxstanzas(h.into()));
    }
    let (Ok(own), Ok(room)) = (FullJid::new(OWN), BareJid::new(ROOM)) else {
        return;
    };
    let Some(mut d) = Driver::new(own, room, NICK, options) else {
        return;
    };
    if s.enter
        && let Some(st) = parse_stanza(&capture(0, &NickChoice::Me))
    {
        d.feed(st);
    }
    let trace = std::env::var_os("MUC_FUZZ_TRACE").is_some();
    if trace {
        eprintln!("setup: {s:?}");
    }
    for op in script.ops.iter().take(512) {
        if trace {
            let xml = match op {
                Op::Presence(p) => p.xml(&d),
                Op::Message(m) => m.xml(&d),
                Op::Iq(i) => i.xml(&d),
                Op::Capture(i, n) => capture(*i, n),
                other => format!("{other:?}"),
            };
            eprintln!("step: {xml}");
        }
        match op {
            Op::Presence(p) => {
                let xml = p.xml(&d);
                if let Some(st) = parse_stanza(&xml) {
                    d.feed(st);
                }
            }
            Op::Message(m) => {
                let xml = m.xml(&d);
                if let Some(st) = parse_stanza(&xml) {
                    d.feed(st);
                }
            }
            Op::Iq(i) => {
                let xml = i.xml(&d);
                if let Some(st) = parse_stanza(&xml) {
                    d.feed(st);
                }
            }
            Op::Capture(i, n) => {
                if let Some(st) = parse_stanza(&capture(*i, n)) {
                    d.feed(st);
                }
            }
            Op::StreamLost => d.lost(),
            Op::StreamUp(same) => d.up(*same),
            Op::Advance(secs) => d.advance(Duration::from_secs(u64::from(*secs))),
            Op::NextTimer => d.next_timer(),
            Op::User(u) => user(&mut d, u),
        }
    }
}
