//! The stanzas of structured inputs, built as XML text from the grammar's
//! choices (and the ids the driver sent); and parsing a stanza line.

use muc_core::xmpp_parsers::stanza::Stanza;

use super::grammar::{
    FromChoice, IqIn, IqPayload, IqType, Item, Msg, MsgType, Pres, PresType, UserX,
};
use super::{Driver, ROOM};

impl FromChoice {
    pub(super) fn attr(&self) -> String {
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
    pub(super) fn xml(&self) -> String {
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
    pub(super) fn xml(&self) -> String {
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
    pub(super) fn xml(&self, d: &Driver) -> String {
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

impl Msg {
    pub(super) fn xml(&self, d: &Driver) -> String {
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
    pub(super) fn xml(&self, d: &Driver) -> String {
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
