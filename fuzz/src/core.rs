//! The `core_sequence` target: a Router with one joined room, fed a
//! sequence of steps, with the room invariants checked after each.
//!
//! Two input forms:
//!
//! * **Text** (the input starts with `<` or `!`): one step per line, as
//!   the seeds in `corpus/core_sequence/` write the real server captures.
//!   A line is a stanza (the `jabber:client` namespace is added when
//!   missing) or a directive: `!own JID ROOM NICK` (first line only),
//!   `!lost`, `!up`, `!tick SECONDS`. libFuzzer mutates these into broken
//!   variants of real traffic.
//! * **Structured** (anything else): `arbitrary` reads a [`Script`] from the
//!   bytes: presences, messages and IQs built from a small grammar (random
//!   nicks, status codes, items, types, errors, subjects, bodies, delays,
//!   ids echoing ours), real captured stanzas, stream loss and return,
//!   clock steps and user actions.

use std::time::{Duration, Instant};

use arbitrary::{Arbitrary, Unstructured};
use jid::{BareJid, FullJid, Jid};
use muc_core::muc_xso::{Affiliation, Role};
use muc_core::xmpp_parsers::message::{Lang, Message};
use muc_core::xmpp_parsers::stanza::Stanza;
use muc_core::{Event, InviteMode, JoinOptions, Router, RouterConfig, SelfPingConfig};

/// The room, our JID and nick in structured inputs.
pub const ROOM: &str = "room1@conference.localhost";
/// Our JID.
pub const OWN: &str = "alice@localhost/res-a";
/// Our nick.
pub const NICK: &str = "Alice";

/// Runs one input.
pub fn run(data: &[u8]) {
    match data.first() {
        Some(b'<' | b'!') => run_text(data),
        _ => {
            if let Ok(script) = Script::arbitrary_take_rest(Unstructured::new(data)) {
                run_script(script);
            }
        }
    }
}

// ---------------------------------------------------------------------
// The driver and the invariants

/// A router with one room, a virtual clock, and what it sent.
pub struct Driver {
    /// The router under test.
    pub router: Router,
    /// The virtual clock.
    pub now: Instant,
    /// The room.
    pub room: BareJid,
    /// Our JID.
    pub own: FullJid,
    /// Ids we put on the wire (stanza ids and origin-ids), newest last.
    pub sent_ids: Vec<String>,
    /// Trackers handed out, to report written or failed.
    pub trackers: Vec<muc_core::TrackerId>,
}

impl Driver {
    /// Online, with the join for `room` out.
    pub fn new(own: FullJid, room: BareJid, nick: &str, options: JoinOptions) -> Option<Driver> {
        let now = Instant::now();
        let mut router = Router::new(RouterConfig {
            seed: 1,
            request_timeout: Duration::from_secs(30),
        });
        router.set_wall_clock(now, "2026-11-25T10:00:00Z".parse().ok()?);
        router.stream_established(own.clone(), now);
        router.join(room.clone(), nick, options, now).ok()?;
        let mut d = Driver {
            router,
            now,
            room,
            own,
            sent_ids: Vec::new(),
            trackers: Vec::new(),
        };
        d.pump();
        Some(d)
    }

    /// Drains both queues (formatting everything, as a logger would).
    pub fn pump(&mut self) {
        let mut guard = 0;
        loop {
            guard += 1;
            assert!(guard < 10_000, "the output queues never drain");
            let mut any = false;
            while let Some(t) = self.router.poll_transmit() {
                any = true;
                let _ = format!("{t:?}");
                let (id, origin) = match &t.stanza {
                    Stanza::Presence(p) => (p.id.clone(), None),
                    Stanza::Message(m) => (
                        m.id.as_ref().map(|i| i.0.clone()),
                        m.payloads
                            .iter()
                            .find(|p| p.is("origin-id", "urn:xmpp:sid:0"))
                            .and_then(|p| p.attr("id"))
                            .map(str::to_owned),
                    ),
                    Stanza::Iq(i) => (Some(iq_id(i).to_owned()), None),
                };
                for s in [id, origin].into_iter().flatten() {
                    if self.sent_ids.len() == 64 {
                        self.sent_ids.remove(0);
                    }
                    self.sent_ids.push(s);
                }
            }
            while let Some(e) = self.router.poll_event() {
                any = true;
                let _ = format!("{e:?}");
                if let Event::Room {
                    event:
                        muc_core::RoomEvent::Tracker {
                            id,
                            state: muc_core::TrackerState::InFlight,
                        },
                    ..
                } = e
                {
                    self.trackers.push(id);
                }
            }
            if !any {
                break;
            }
        }
    }

    /// One stanza in.
    pub fn feed(&mut self, s: Stanza) {
        let _ = self.router.handle_stanza(s, self.now);
        self.pump();
        self.check();
    }

    /// The clock moves on by `d`.
    pub fn advance(&mut self, d: Duration) {
        self.now += d;
        self.router.handle_timeout(self.now);
        self.pump();
        if let Some(t) = self.router.poll_timeout() {
            assert!(
                t > self.now,
                "handle_timeout left work due at or before now (a driver would spin)"
            );
        }
        self.check();
    }

    /// The clock moves to the next deadline.
    pub fn next_timer(&mut self) {
        if let Some(t) = self.router.poll_timeout() {
            self.now = self.now.max(t);
            self.router.handle_timeout(self.now);
            self.pump();
        }
        self.check();
    }

    /// The stream drops.
    pub fn lost(&mut self) {
        self.router.stream_lost(self.now);
        self.pump();
        self.check();
    }

    /// A stream comes up (with our JID, or a new resource).
    pub fn up(&mut self, same: bool) {
        let own = if same {
            self.own.clone()
        } else {
            match FullJid::new("alice@localhost/res-new") {
                Ok(j) => j,
                Err(_) => return,
            }
        };
        self.router.stream_established(own, self.now);
        self.pump();
        self.check();
    }

    /// The invariants, for every room the router holds.
    pub fn check(&self) {
        for room in self.router.rooms() {
            let occupants = room.occupants();
            assert_eq!(occupants.len(), room.occupant_count());
            let mut keys = std::collections::HashSet::new();
            let mut jids = std::collections::HashSet::new();
            for (i, o) in occupants.iter().enumerate() {
                assert!(keys.insert(o.key()), "two occupants with key {:?}", o.key());
                assert!(
                    jids.insert(o.occupant_jid()),
                    "two occupants with JID {}",
                    o.occupant_jid()
                );
                assert_eq!(o.room(), room.jid());
                assert_eq!(o.is_self(), i == 0 && room.this_occupant().is_some());
                let by_nick = room.occupant(o.nick()).map(|x| x.key());
                assert_eq!(by_nick, Some(o.key()), "lookup by nick disagrees");
                let by_key = room.occupant_by_key(o.key()).map(|x| x.nick().to_owned());
                assert_eq!(by_key.as_deref(), Some(o.nick()), "lookup by key disagrees");
            }
            if let Some(me) = room.this_occupant() {
                assert_eq!(occupants[0].key(), me.key(), "the local user first");
            }
            if room.joined() {
                assert!(
                    room.this_occupant().is_some(),
                    "joined without this_occupant"
                );
            }
            if room.active() {
                assert!(room.joined());
            }
        }
    }
}

fn iq_id(iq: &muc_core::xmpp_parsers::iq::Iq) -> &str {
    use muc_core::xmpp_parsers::iq::Iq;
    match iq {
        Iq::Get { id, .. } | Iq::Set { id, .. } | Iq::Result { id, .. } | Iq::Error { id, .. } => {
            id
        }
    }
}

/// Parses one stanza line (adds `jabber:client` when missing).
pub fn parse_stanza(xml: &str) -> Option<Stanza> {
    let xml = xml.trim();
    let el: minidom::Element = if xml.contains("jabber:client") {
        xml.parse().ok()?
    } else {
        let end = xml.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
        format!("{} xmlns='jabber:client'{}", &xml[..end], &xml[end..])
            .parse()
            .ok()?
    };
    Stanza::try_from(el).ok()
}

// ---------------------------------------------------------------------
// Text inputs

fn run_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.lines().peekable();
    let (mut own, mut room, mut nick) = (OWN.to_owned(), ROOM.to_owned(), NICK.to_owned());
    if let Some(first) = lines.peek() {
        if let Some(rest) = first.strip_prefix("!own ") {
            let parts: Vec<&str> = rest.split_whitespace().collect();
            if let [o, r, n] = parts[..] {
                (own, room, nick) = (o.to_owned(), r.to_owned(), n.to_owned());
            }
            lines.next();
        }
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

// ---------------------------------------------------------------------
// Structured inputs

/// A whole structured input.
#[derive(Debug, Arbitrary)]
pub struct Script {
    setup: Setup,
    ops: Vec<Op>,
}

#[derive(Debug, Arbitrary)]
struct Setup {
    autorejoin: bool,
    discover: bool,
    self_ping: bool,
    history: Option<u8>,
    /// Feed our self-presence before the script (most inputs then start
    /// in the room).
    enter: bool,
}

#[derive(Debug, Arbitrary)]
enum Op {
    Presence(Pres),
    Message(Msg),
    Iq(IqIn),
    Capture(u8, NickChoice),
    StreamLost,
    StreamUp(bool),
    Advance(u16),
    NextTimer,
    User(UserOp),
}

#[derive(Debug, Arbitrary)]
enum NickChoice {
    Me,
    Pool(u8),
    Custom(String),
}

const NICKS: &[&str] = &[
    "Bob", "Carol", "dave", "Ève", "x", "ALICE", "alice", "Alice ", "Bob2", "🐈", "a b",
];

impl NickChoice {
    fn get(&self) -> String {
        match self {
            NickChoice::Me => NICK.to_owned(),
            NickChoice::Pool(i) => NICKS[usize::from(*i) % NICKS.len()].to_owned(),
            NickChoice::Custom(s) => s.chars().take(40).collect(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum FromChoice {
    Occupant(NickChoice),
    Room,
    OtherRoom(NickChoice),
    OtherDomain(NickChoice),
    Server,
    Nobody,
}

impl FromChoice {
    fn attr(&self) -> String {
        let jid = match self {
            FromChoice::Occupant(n) => format!("{ROOM}/{}", n.get()),
            FromChoice::Room => ROOM.to_owned(),
            FromChoice::OtherRoom(n) => format!("room2@conference.localhost/{}", n.get()),
            FromChoice::OtherDomain(n) => format!("room1@evil.example/{}", n.get()),
            FromChoice::Server => "localhost".to_owned(),
            FromChoice::Nobody => return String::new(),
        };
        format!(" from='{}'", esc(&jid))
    }
}

#[derive(Debug, Arbitrary)]
enum TextChoice {
    Pool(u8),
    Custom(String),
}

const TEXTS: &[&str] = &["hello", "", "history one", "Probe topic", "bye", "  ", "ok"];

impl TextChoice {
    fn get(&self) -> String {
        match self {
            TextChoice::Pool(i) => TEXTS[usize::from(*i) % TEXTS.len()].to_owned(),
            TextChoice::Custom(s) => s.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum IdChoice {
    /// One of the ids we sent (counted from the newest).
    Ours(u8),
    Lit(u8),
}

impl IdChoice {
    fn get(&self, d: &Driver) -> String {
        match self {
            IdChoice::Ours(i) if !d.sent_ids.is_empty() => {
                let i = usize::from(*i) % d.sent_ids.len();
                d.sent_ids[d.sent_ids.len() - 1 - i].clone()
            }
            IdChoice::Ours(i) | IdChoice::Lit(i) => format!("id{i}"),
        }
    }
}

#[derive(Debug, Arbitrary)]
enum PresType {
    Available,
    Unavailable,
    Error,
    Subscribe,
    Probe,
}

#[derive(Debug, Arbitrary)]
struct Pres {
    from: FromChoice,
    ty: PresType,
    id: Option<IdChoice>,
    x: Option<UserX>,
    /// A second muc#user payload.
    second_x: bool,
    show: Option<u8>,
    status: Option<TextChoice>,
    occupant_id: Option<u8>,
    error: Option<u8>,
}

const CODES: &[u16] = &[
    100, 101, 102, 103, 104, 110, 170, 171, 172, 173, 174, 201, 210, 301, 303, 307, 321, 322, 332,
    333,
];

#[derive(Debug, Arbitrary)]
enum Code {
    Known(u8),
    Any(u16),
    Text(String),
}

impl Code {
    fn get(&self) -> String {
        match self {
            Code::Known(i) => CODES[usize::from(*i) % CODES.len()].to_string(),
            Code::Any(n) => n.to_string(),
            Code::Text(s) => s.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct UserX {
    codes: Vec<Code>,
    item: Option<Item>,
    second_item: Option<Item>,
    destroy: Option<(bool, Option<TextChoice>, bool)>,
    password: bool,
    invite: Option<(NickChoice, Option<TextChoice>, bool)>,
    decline: bool,
}

#[derive(Debug, Arbitrary)]
struct Item {
    affiliation: Option<u8>,
    role: Option<u8>,
    jid: Option<JidChoice>,
    nick: Option<NickChoice>,
    actor: Option<NickChoice>,
    reason: Option<TextChoice>,
}

#[derive(Debug, Arbitrary)]
enum JidChoice {
    Own,
    OwnOtherResource,
    Other(NickChoice),
    Bare,
    Invalid,
}

impl JidChoice {
    fn get(&self) -> String {
        match self {
            JidChoice::Own => OWN.to_owned(),
            JidChoice::OwnOtherResource => "alice@localhost/other".to_owned(),
            JidChoice::Other(n) => format!("{}@localhost/r", n.get().to_lowercase()),
            JidChoice::Bare => "bob@localhost".to_owned(),
            JidChoice::Invalid => "@@/".to_owned(),
        }
    }
}

const AFFILIATIONS: &[&str] = &["owner", "admin", "member", "outcast", "none", "boss"];
const ROLES: &[&str] = &["moderator", "participant", "visitor", "none", "king"];
const SHOWS: &[&str] = &["away", "chat", "dnd", "xa", "bogus"];
const CONDITIONS: &[&str] = &[
    "conflict",
    "not-authorized",
    "forbidden",
    "item-not-found",
    "not-acceptable",
    "registration-required",
    "service-unavailable",
    "remote-server-not-found",
    "not-allowed",
    "jid-malformed",
];

impl Item {
    fn xml(&self) -> String {
        let mut s = String::from("<item");
        if let Some(a) = self.affiliation {
            s += &format!(
                " affiliation='{}'",
                AFFILIATIONS[usize::from(a) % AFFILIATIONS.len()]
            );
        }
        if let Some(r) = self.role {
            s += &format!(" role='{}'", ROLES[usize::from(r) % ROLES.len()]);
        }
        if let Some(j) = &self.jid {
            s += &format!(" jid='{}'", esc(&j.get()));
        }
        if let Some(n) = &self.nick {
            s += &format!(" nick='{}'", esc(&n.get()));
        }
        s.push('>');
        if let Some(a) = &self.actor {
            s += &format!("<actor nick='{}'/>", esc(&a.get()));
        }
        if let Some(r) = &self.reason {
            s += &format!("<reason>{}</reason>", esc(&r.get()));
        }
        s + "</item>"
    }
}

impl UserX {
    fn xml(&self) -> String {
        let mut s = String::from("<x xmlns='http://jabber.org/protocol/muc#user'>");
        for c in self.codes.iter().take(64) {
            s += &format!("<status code='{}'/>", esc(&c.get()));
        }
        for i in [&self.item, &self.second_item].into_iter().flatten() {
            s += &i.xml();
        }
        if let Some((jid, reason, pw)) = &self.destroy {
            s += "<destroy";
            if *jid {
                s += " jid='other@conference.localhost'";
            }
            s.push('>');
            if let Some(r) = reason {
                s += &format!("<reason>{}</reason>", esc(&r.get()));
            }
            if *pw {
                s += "<password>fuzz-secret</password>";
            }
            s += "</destroy>";
        }
        if let Some((n, reason, cont)) = &self.invite {
            s += &format!(
                "<invite from='{}@localhost/x'>",
                esc(&n.get().to_lowercase())
            );
            if let Some(r) = reason {
                s += &format!("<reason>{}</reason>", esc(&r.get()));
            }
            if *cont {
                s += "<continue thread='t1'/>";
            }
            s += "</invite>";
        }
        if self.decline {
            s += "<decline from='bob@localhost'><reason>no</reason></decline>";
        }
        if self.password {
            s += "<password>fuzz-secret</password>";
        }
        s + "</x>"
    }
}

fn error_xml(cond: u8) -> String {
    let c = CONDITIONS[usize::from(cond) % CONDITIONS.len()];
    format!(
        "<error type='cancel'><{c} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>why</text></error>"
    )
}

impl Pres {
    fn xml(&self, d: &Driver) -> String {
        let ty = match self.ty {
            PresType::Available => "",
            PresType::Unavailable => " type='unavailable'",
            PresType::Error => " type='error'",
            PresType::Subscribe => " type='subscribe'",
            PresType::Probe => " type='probe'",
        };
        let mut s = format!("<presence{}{ty}", self.from.attr());
        if let Some(id) = &self.id {
            s += &format!(" id='{}'", esc(&id.get(d)));
        }
        s.push('>');
        if let Some(sh) = self.show {
            s += &format!("<show>{}</show>", SHOWS[usize::from(sh) % SHOWS.len()]);
        }
        if let Some(t) = &self.status {
            s += &format!("<status>{}</status>", esc(&t.get()));
        }
        if let Some(o) = self.occupant_id {
            s += &format!("<occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ{o}'/>");
        }
        if let Some(x) = &self.x {
            s += &x.xml();
            if self.second_x {
                s += "<x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x>";
            }
        }
        if let Some(e) = self.error {
            s += &error_xml(e);
        }
        s + "</presence>"
    }
}

#[derive(Debug, Arbitrary)]
enum MsgType {
    Groupchat,
    Chat,
    Normal,
    Error,
    Headline,
}

#[derive(Debug, Arbitrary)]
struct Msg {
    from: FromChoice,
    ty: MsgType,
    id: Option<IdChoice>,
    body: Option<TextChoice>,
    subject: Option<Option<TextChoice>>,
    thread: bool,
    /// Seconds before the wall clock.
    delay: Option<u16>,
    origin_id: Option<IdChoice>,
    stanza_id: Option<(IdChoice, bool)>,
    occupant_id: Option<u8>,
    x: Option<UserX>,
    direct_invite: Option<(bool, bool, bool)>,
    voice_request: Option<bool>,
    error: Option<u8>,
}

impl Msg {
    fn xml(&self, d: &Driver) -> String {
        let ty = match self.ty {
            MsgType::Groupchat => " type='groupchat'",
            MsgType::Chat => " type='chat'",
            MsgType::Normal => "",
            MsgType::Error => " type='error'",
            MsgType::Headline => " type='headline'",
        };
        let mut s = format!("<message{}{ty}", self.from.attr());
        if let Some(id) = &self.id {
            s += &format!(" id='{}'", esc(&id.get(d)));
        }
        s.push('>');
        if let Some(sub) = &self.subject {
            match sub {
                Some(t) => s += &format!("<subject>{}</subject>", esc(&t.get())),
                None => s += "<subject/>",
            }
        }
        if let Some(b) = &self.body {
            s += &format!("<body>{}</body>", esc(&b.get()));
        }
        if self.thread {
            s += "<thread>t1</thread>";
        }
        if let Some(secs) = self.delay {
            // The driver's wall clock starts at 10:00:00.
            let stamp = 36_000 - i64::from(secs);
            s += &format!(
                "<delay xmlns='urn:xmpp:delay' from='{ROOM}' stamp='2026-11-25T{:02}:{:02}:{:02}Z'/>",
                stamp.div_euclid(3600),
                stamp.div_euclid(60).rem_euclid(60),
                stamp.rem_euclid(60)
            );
        }
        if let Some(o) = &self.origin_id {
            s += &format!(
                "<origin-id xmlns='urn:xmpp:sid:0' id='{}'/>",
                esc(&o.get(d))
            );
        }
        if let Some((sid, by_room)) = &self.stanza_id {
            let by = if *by_room { ROOM } else { "evil@localhost" };
            s += &format!(
                "<stanza-id xmlns='urn:xmpp:sid:0' by='{by}' id='{}'/>",
                esc(&sid.get(d))
            );
        }
        if let Some(o) = self.occupant_id {
            s += &format!("<occupant-id xmlns='urn:xmpp:occupant-id:0' id='occ{o}'/>");
        }
        if let Some(x) = &self.x {
            s += &x.xml();
        }
        if let Some((pw, bad_jid, cont)) = self.direct_invite {
            let jid = if bad_jid { "@@" } else { ROOM };
            s += &format!("<x xmlns='jabber:x:conference' jid='{jid}' reason='come'");
            if pw {
                s += " password='fuzz-secret'";
            }
            if cont {
                s += " continue='true' thread='t1'";
            }
            s += "/>";
        }
        if let Some(allow) = self.voice_request {
            s += "<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field><field var='muc#role'><value>participant</value></field><field var='muc#jid'><value>bob@localhost/r</value></field><field var='muc#roomnick'><value>Bob</value></field>";
            if allow {
                s += "<field var='muc#request_allow'><value>false</value></field>";
            }
            s += "</x>";
        }
        if let Some(e) = self.error {
            s += &error_xml(e);
        }
        s + "</message>"
    }
}

#[derive(Debug, Arbitrary)]
enum IqType {
    Result,
    Error,
    Get,
    Set,
}

#[derive(Debug, Arbitrary)]
enum IqPayload {
    None,
    DiscoInfo { occupant_id: bool, features: u8 },
    Ping,
    AdminItems(u8),
    OwnerForm(bool),
    DiscoItems(u8),
    Registered,
    Garbage,
}

#[derive(Debug, Arbitrary)]
struct IqIn {
    ty: IqType,
    id: IdChoice,
    from: FromChoice,
    payload: IqPayload,
    error: u8,
}

const ROOM_FEATURES: &[&str] = &[
    "muc_membersonly",
    "muc_moderated",
    "muc_passwordprotected",
    "muc_persistent",
    "muc_nonanonymous",
    "muc_semianonymous",
    "http://jabber.org/protocol/muc#stable_id",
    "http://jabber.org/protocol/muc#self-ping-optimization",
];

impl IqIn {
    fn xml(&self, d: &Driver) -> String {
        let ty = match self.ty {
            IqType::Result => "result",
            IqType::Error => "error",
            IqType::Get => "get",
            IqType::Set => "set",
        };
        let payload = match &self.payload {
            IqPayload::None => String::new(),
            IqPayload::DiscoInfo {
                occupant_id,
                features,
            } => {
                let mut s = String::from(
                    "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text' name='Room'/><feature var='http://jabber.org/protocol/muc'/>",
                );
                if *occupant_id {
                    s += "<feature var='urn:xmpp:occupant-id:0'/>";
                }
                for (i, f) in ROOM_FEATURES.iter().enumerate() {
                    if features & (1 << i) != 0 {
                        s += &format!("<feature var='{f}'/>");
                    }
                }
                s += "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field><field var='muc#roominfo_occupants'><value>3</value></field><field var='muc#roominfo_subjectmod'><value>1</value></field></x></query>";
                s
            }
            IqPayload::Ping => "<ping xmlns='urn:xmpp:ping'/>".to_owned(),
            IqPayload::AdminItems(n) => {
                let mut s = String::from("<query xmlns='http://jabber.org/protocol/muc#admin'>");
                for i in 0..(n % 8) {
                    s += &format!("<item jid='u{i}@localhost' affiliation='member'/>");
                }
                s + "</query>"
            }
            IqPayload::OwnerForm(secret) => {
                let mut s = String::from(
                    "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var='muc#roomconfig_roomname' type='text-single'><value>R</value></field>",
                );
                if *secret {
                    s += "<field var='muc#roomconfig_roomsecret' type='text-private'><value>fuzz-secret</value></field>";
                }
                s + "</x></query>"
            }
            IqPayload::DiscoItems(n) => {
                let mut s = String::from("<query xmlns='http://jabber.org/protocol/disco#items'>");
                for i in 0..(n % 8) {
                    s += &format!("<item jid='r{i}@conference.localhost' name='R{i}'/>");
                }
                s + "</query>"
            }
            IqPayload::Registered => {
                "<query xmlns='jabber:iq:register'><registered/></query>".to_owned()
            }
            IqPayload::Garbage => "<foo xmlns='urn:example:foo'><bar/></foo>".to_owned(),
        };
        let error = if matches!(self.ty, IqType::Error) {
            error_xml(self.error)
        } else {
            String::new()
        };
        format!(
            "<iq type='{ty}' id='{}'{}>{payload}{error}</iq>",
            esc(&self.id.get(d)),
            self.from.attr()
        )
    }
}

#[derive(Debug, Arbitrary)]
enum UserOp {
    SendTracked(TextChoice, bool),
    SendMessage(TextChoice),
    SetNick(NickChoice),
    Leave,
    SetSubject(TextChoice),
    SetPresence,
    PrivateMessage(NickChoice),
    Kick(NickChoice),
    Ban,
    GetConfig,
    SetConfig,
    Destroy,
    RoomInfo,
    Invite(bool),
    Decline,
    RequestVoice,
    JoinAgain,
    Transmitted(u8),
    TransmitFailed(u8),
}

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
                r.decline(&room, j, None);
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

fn capture(i: u8, n: &NickChoice) -> String {
    CAPTURES[usize::from(i) % CAPTURES.len()]
        .replace("{R}", ROOM)
        .replace("{J}", OWN)
        .replace("{ME}", NICK)
        .replace("{N}", &esc(&n.get()))
}

fn run_script(script: Script) {
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
    if s.enter {
        if let Some(st) = parse_stanza(&capture(0, &NickChoice::Me)) {
            d.feed(st);
        }
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

/// Escapes text for an attribute or element.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}
