//! Text inputs: one step per line, replaying a captured conversation (the
//! seeds in `corpus/core_sequence/` write the real server captures this
//! way); and the captured stanzas structured inputs draw from.

use std::time::Duration;

use jid::{BareJid, FullJid};
use muc_core::JoinOptions;

use super::grammar::NickChoice;
use super::stanzas::{esc, parse_stanza};
use super::{Driver, NICK, OWN, ROOM};

pub(super) fn run_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.lines().peekable();
    let (mut own, mut room, mut nick) = (OWN.to_owned(), ROOM.to_owned(), NICK.to_owned());
    if let Some(first) = lines.peek()
        && let Some(rest) = first.strip_prefix("!own ")
    {
        let parts: Vec<&str> = rest.split_whitespace().collect();
        if let [o, r, n] = parts[..] {
            (own, room, nick) = (o.to_owned(), r.to_owned(), n.to_owned());
        }
        lines.next();
    }
    let (Ok(own), Ok(room)) = (FullJid::new(&own), BareJid::new(&room)) else {
        return;
    };
    let options = JoinOptions::default().password("fuzz-secret");
    let Some(mut d) = Driver::new(own, room, &nick, options) else {
        return;
    };
    for line in lines.take(256) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line == "!lost" {
            d.lost();
        } else if line == "!up" {
            d.up(true);
        } else if let Some(n) = line.strip_prefix("!tick ") {
            let secs: u64 = n.trim().parse().unwrap_or(1);
            d.advance(Duration::from_secs(secs.min(100_000)));
        } else if let Some(s) = parse_stanza(line) {
            if std::env::var_os("MUC_FUZZ_TRACE").is_some() {
                eprintln!("step: {line}");
            }
            d.feed(s);
        }
    }
}

/// Real server stanzas (Prosody 0.12 and ejabberd 23.01 captures, with
/// the room, our JID and nick put in as `{R}`, `{J}`, `{ME}`; `{N}` is
/// another nick).
pub const CAPTURES: &[&str] = &[
    "<presence id='5884369196618826504' to='{J}' from='{R}/{ME}' xml:lang='en'><priority>0</priority><occupant-id id='TBUMQJpHF2aM8g3Thk5RR4MgtAl2dwHBLX2LeZpCFfo=' xmlns='urn:xmpp:occupant-id:0'/><x xmlns='http://jabber.org/protocol/muc#user'><status code='201'/><item affiliation='owner' role='moderator' jid='{J}'/><status code='110'/></x></presence>",
    "<message to='{J}' from='{R}' type='groupchat'><subject/></message>",
    "<presence from='{R}/{N}' to='{J}' id='1470050784947157536' type='error'><error by='conference.localhost' type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
    "<message from='{R}/{N}' type='groupchat' id='14150063252132516286' to='{J}' xml:lang='en'><body>history one</body><occupant-id id='Rl5xdNBBtw4FZIWrJbyBtz/4RltLmzsTdhKaLjw07Cc=' xmlns='urn:xmpp:occupant-id:0'/><delay stamp='2026-11-25T00:01:24Z' from='{R}' xmlns='urn:xmpp:delay'/></message>",
    "<message to='{J}' from='{R}/{N}' type='groupchat'><subject>Probe topic</subject><delay stamp='2026-11-25T00:01:24Z' from='{R}' xmlns='urn:xmpp:delay'/></message>",
    "<presence id='17491381249555519279' to='{J}' from='{R}/{N}' xml:lang='en'><priority>0</priority><occupant-id id='Rl5xdNBBtw4FZIWrJbyBtz/4RltLmzsTdhKaLjw07Cc=' xmlns='urn:xmpp:occupant-id:0'/><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant' jid='bob@localhost/ryBzHMmk5ePR'/></x></presence>",
    "<presence to='{J}' from='{R}/{N}' type='unavailable'><occupant-id id='Rl5xdNBBtw4FZIWrJbyBtz/4RltLmzsTdhKaLjw07Cc=' xmlns='urn:xmpp:occupant-id:0'/><x xmlns='http://jabber.org/protocol/muc#user'><status code='303'/><item affiliation='none' nick='Bobby' role='participant' jid='bob@localhost/ryBzHMmk5ePR'/></x></presence>",
    "<presence to='{J}' from='{R}/{ME}' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='303'/><item affiliation='none' nick='{N}' role='participant' jid='{J}'/><status code='110'/></x></presence>",
    "<presence id='18153543713804121615' to='{J}' from='{R}/{N}' type='error'><error by='{R}' type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>",
    "<message from='{R}/{N}' type='chat' id='15941686972114082684' to='{J}' xml:lang='en'><body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/><occupant-id id='Rl5xdNBBtw4FZIWrJbyBtz/4RltLmzsTdhKaLjw07Cc=' xmlns='urn:xmpp:occupant-id:0'/></message>",
    "<presence to='{J}' from='{R}/{ME}' type='unavailable'><occupant-id id='Rl5xdNBBtw4FZIWrJbyBtz/4RltLmzsTdhKaLjw07Cc=' xmlns='urn:xmpp:occupant-id:0'/><x xmlns='http://jabber.org/protocol/muc#user'><status code='307'/><item affiliation='none' role='none' jid='{J}'><actor nick='{N}'/><reason>bye bob</reason></item><status code='110'/></x></presence>",
    "<presence to='{J}' from='{R}/{N}' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='301'/><item affiliation='outcast' role='none' jid='bob@localhost/qWv_SseKna3F'><actor nick='{ME}'/><reason>banned</reason></item></x></presence>",
    "<message to='{J}' from='{R}'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='bob@localhost' affiliation='none'/></x></message>",
    "<message type='groupchat' from='{R}' to='{J}'><x xmlns='http://jabber.org/protocol/muc#user'><status code='172'/><status code='104'/></x></message>",
    "<message type='error' from='{R}' to='{J}' id='7410096944675018753'><error type='cancel'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>You are not currently connected to this chat</text></error></message>",
    "<presence to='{J}' from='{R}/{ME}' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><destroy jid='other@conference.localhost'><reason>moving</reason></destroy><item affiliation='none' role='none' jid='{J}'/><status code='110'/></x></presence>",
    "<presence to='{J}' from='{R}' id='12492418892496899822'><c ver='yyBlbjrRG+7OE4iOc3ol9JiXzEM=' node='http://www.process-one.net/en/ejabberd/' hash='sha-1' xmlns='http://jabber.org/protocol/caps'/></presence>",
    "<presence xml:lang='en' to='{J}' from='{R}/{ME}' id='join-a'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='{J}' role='moderator' affiliation='owner'/><status code='201'/><status code='110'/></x></presence>",
    "<message xml:lang='en' to='{J}' from='{R}/{N}' type='groupchat' id='hist-1'><delay from='{R}' stamp='2026-11-24T23:54:37.717351Z' xmlns='urn:xmpp:delay'/><body>history one</body></message>",
    "<message xml:lang='en' to='{J}' from='{R}/{N}' type='groupchat' id='msg-1'><archived by='{R}' id='1795563880458876' xmlns='urn:xmpp:mam:tmp'/><stanza-id by='{R}' id='1795563880458876' xmlns='urn:xmpp:sid:0'/><body>hello bob</body></message>",
    "<presence to='{J}' from='{R}/{N}' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item nick='Robert' jid='bob@localhost/res-b' role='participant' affiliation='none'/><status code='303'/></x></presence>",
    "<presence to='{J}' from='{R}' type='unavailable' id='10495744997233174975'/>",
    "<presence to='{J}' from='{R}/{ME}' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item jid='{J}' role='none' affiliation='none'><reason>bye</reason><actor nick='{N}'/></item><status code='110'/><status code='307'/></x></presence>",
    "<presence xml:lang='en' to='{J}' from='{R}/{N}' type='error' id='nc'><x xmlns='http://jabber.org/protocol/muc'/><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>That nickname is already in use by another occupant</text></error></presence>",
    "<presence from='{R}/{ME}' type='error' id='j1'><x xmlns='http://jabber.org/protocol/muc'><password>fuzz-secret</password></x><error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Incorrect password</text></error></presence>",
    "<presence from='{R}/{ME}' id='join-c2'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant' affiliation='none'/></x></presence>",
    "<presence from='{R}/{ME}' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><destroy jid='other@conference.localhost'><reason>done</reason></destroy><item role='none' affiliation='none'/></x></presence>",
    "<message from='{R}' type='groupchat' id='17588239741989877924'><x xmlns='http://jabber.org/protocol/muc#user'><status code='172'/><status code='104'/></x></message>",
    "<iq type='get' id='ping1' from='{R}/{N}'><ping xmlns='urn:xmpp:ping'/></iq>",
];

pub(super) fn capture(i: u8, n: &NickChoice) -> String {
    CAPTURES[usize::from(i) % CAPTURES.len()]
        .replace("{R}", ROOM)
        .replace("{J}", OWN)
        .replace("{ME}", NICK)
        .replace("{N}", &esc(&n.get()))
}
