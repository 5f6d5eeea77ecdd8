//! The grammar of structured inputs: a [`Script`] that `arbitrary` reads
//! from the bytes (a setup, then steps), and the choices its stanzas are
//! made of (nicks, senders, texts, ids, codes, items...), with the pools
//! they draw from.

use arbitrary::Arbitrary;

use super::{Driver, NICK, OWN};

/// A whole structured input.
#[derive(Debug, Arbitrary)]
pub struct Script {
    pub(super) setup: Setup,
    pub(super) ops: Vec<Op>,
}

#[derive(Debug, Arbitrary)]
pub(super) struct Setup {
    pub(super) autorejoin: bool,
    pub(super) discover: bool,
    pub(super) self_ping: bool,
    pub(super) history: Option<u8>,
    /// Feed our self-presence before the script (most inputs then start
    /// in the room).
    pub(super) enter: bool,
}

#[derive(Debug, Arbitrary)]
pub(super) enum Op {
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
pub(super) enum NickChoice {
    Me,
    Pool(u8),
    Custom(String),
}

pub(super) const NICKS: &[&str] = &[
    "Bob", "Carol", "dave", "Ève", "x", "ALICE", "alice", "Alice ", "Bob2", "🐈", "a b",
];

impl NickChoice {
    pub(super) fn get(&self) -> String {
        match self {
            NickChoice::Me => NICK.to_owned(),
            NickChoice::Pool(i) => NICKS[usize::from(*i) % NICKS.len()].to_owned(),
            NickChoice::Custom(s) => s.chars().take(40).collect(),
        }
    }
}

#[derive(Debug, Arbitrary)]
pub(super) enum FromChoice {
    Occupant(NickChoice),
    Room,
    OtherRoom(NickChoice),
    OtherDomain(NickChoice),
    Server,
    Nobody,
}

#[derive(Debug, Arbitrary)]
pub(super) enum TextChoice {
    Pool(u8),
    Custom(String),
}

pub(super) const TEXTS: &[&str] = &["hello", "", "history one", "Probe topic", "bye", "  ", "ok"];

impl TextChoice {
    pub(super) fn get(&self) -> String {
        match self {
            TextChoice::Pool(i) => TEXTS[usize::from(*i) % TEXTS.len()].to_owned(),
            TextChoice::Custom(s) => s.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
pub(super) enum IdChoice {
    /// One of the ids we sent (counted from the newest).
    Ours(u8),
    Lit(u8),
}

impl IdChoice {
    pub(super) fn get(&self, d: &Driver) -> String {
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
pub(super) enum PresType {
    Available,
    Unavailable,
    Error,
    Subscribe,
    Probe,
}

#[derive(Debug, Arbitrary)]
pub(super) struct Pres {
    pub(super) from: FromChoice,
    pub(super) ty: PresType,
    pub(super) id: Option<IdChoice>,
    pub(super) x: Option<UserX>,
    /// A second muc#user payload.
    pub(super) second_x: bool,
    pub(super) show: Option<u8>,
    pub(super) status: Option<TextChoice>,
    pub(super) occupant_id: Option<u8>,
    pub(super) error: Option<u8>,
}

pub(super) const CODES: &[u16] = &[
    100, 101, 102, 103, 104, 110, 170, 171, 172, 173, 174, 201, 210, 301, 303, 307, 321, 322, 332,
    333,
];

#[derive(Debug, Arbitrary)]
pub(super) enum Code {
    Known(u8),
    Any(u16),
    Text(String),
}

impl Code {
    pub(super) fn get(&self) -> String {
        match self {
            Code::Known(i) => CODES[usize::from(*i) % CODES.len()].to_string(),
            Code::Any(n) => n.to_string(),
            Code::Text(s) => s.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
pub(super) struct UserX {
    pub(super) codes: Vec<Code>,
    pub(super) item: Option<Item>,
    pub(super) second_item: Option<Item>,
    pub(super) destroy: Option<(bool, Option<TextChoice>, bool)>,
    pub(super) password: bool,
    pub(super) invite: Option<(NickChoice, Option<TextChoice>, bool)>,
    pub(super) decline: bool,
}

#[derive(Debug, Arbitrary)]
pub(super) struct Item {
    pub(super) affiliation: Option<u8>,
    pub(super) role: Option<u8>,
    pub(super) jid: Option<JidChoice>,
    pub(super) nick: Option<NickChoice>,
    pub(super) actor: Option<NickChoice>,
    pub(super) reason: Option<TextChoice>,
}

#[derive(Debug, Arbitrary)]
pub(super) enum JidChoice {
    Own,
    OwnOtherResource,
    Other(NickChoice),
    Bare,
    Invalid,
}

impl JidChoice {
    pub(super) fn get(&self) -> String {
        match self {
            JidChoice::Own => OWN.to_owned(),
            JidChoice::OwnOtherResource => "alice@localhost/other".to_owned(),
            JidChoice::Other(n) => format!("{}@localhost/r", n.get().to_lowercase()),
            JidChoice::Bare => "bob@localhost".to_owned(),
            JidChoice::Invalid => "@@/".to_owned(),
        }
    }
}

#[derive(Debug, Arbitrary)]
pub(super) enum MsgType {
    Groupchat,
    Chat,
    Normal,
    Error,
    Headline,
}

#[derive(Debug, Arbitrary)]
pub(super) struct Msg {
    pub(super) from: FromChoice,
    pub(super) ty: MsgType,
    pub(super) id: Option<IdChoice>,
    pub(super) body: Option<TextChoice>,
    pub(super) subject: Option<Option<TextChoice>>,
    pub(super) thread: bool,
    /// Seconds before the wall clock.
    pub(super) delay: Option<u16>,
    pub(super) origin_id: Option<IdChoice>,
    pub(super) stanza_id: Option<(IdChoice, bool)>,
    pub(super) occupant_id: Option<u8>,
    pub(super) x: Option<UserX>,
    pub(super) direct_invite: Option<(bool, bool, bool)>,
    pub(super) voice_request: Option<bool>,
    pub(super) error: Option<u8>,
}

#[derive(Debug, Arbitrary)]
pub(super) enum IqType {
    Result,
    Error,
    Get,
    Set,
}

#[derive(Debug, Arbitrary)]
pub(super) enum IqPayload {
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
pub(super) struct IqIn {
    pub(super) ty: IqType,
    pub(super) id: IdChoice,
    pub(super) from: FromChoice,
    pub(super) payload: IqPayload,
    pub(super) error: u8,
}

#[derive(Debug, Arbitrary)]
pub(super) enum UserOp {
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
