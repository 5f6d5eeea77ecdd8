//! Property test: over random presence sequences, the room's occupant table
//! matches a simple model, keys are unique and survive nick changes, and the
//! local user is always first.

use std::collections::HashMap;
use std::time::Instant;

use muc_core::muc_xso::{Affiliation, Role, UserExt, UserItem};
use muc_core::xmpp_parsers::presence::{Show, Type};
use muc_core::{IncomingPresence, JoinOptions, OccupantKey, Room, RoomEvent};
use proptest::prelude::*;

const ROOM: &str = "model@conference.example.org";
const NICKS: [&str; 6] = ["ann", "ben", "cat", "dan", "eve", "fay"];

#[derive(Debug, Clone)]
enum Op {
    Available {
        nick: usize,
        role: Role,
        affiliation: Affiliation,
        away: bool,
    },
    Unavailable {
        nick: usize,
        code: Option<u16>,
    },
    NickChange {
        from: usize,
        to: usize,
    },
    Duplicate,
}

fn op() -> impl Strategy<Value = Op> {
    let role = prop_oneof![
        Just(Role::Visitor),
        Just(Role::Participant),
        Just(Role::Moderator)
    ];
    let aff = prop_oneof![
        Just(Affiliation::None),
        Just(Affiliation::Member),
        Just(Affiliation::Admin)
    ];
    prop_oneof![
        4 => (0..NICKS.len(), role, aff, any::<bool>()).prop_map(|(nick, role, affiliation, away)| Op::Available { nick, role, affiliation, away }),
        2 => (0..NICKS.len(), prop_oneof![Just(None), Just(Some(307)), Just(Some(301)), Just(Some(333))]).prop_map(|(nick, code)| Op::Unavailable { nick, code }),
        2 => (0..NICKS.len(), 0..NICKS.len()).prop_map(|(from, to)| Op::NickChange { from, to }),
        1 => Just(Op::Duplicate),
    ]
}

fn presence(
    nick: &str,
    type_: Type,
    item: UserItem,
    codes: &[u16],
    away: bool,
) -> IncomingPresence {
    let mut x = UserExt::new().with_item(item);
    for c in codes {
        x = x.with_status(*c);
    }
    IncomingPresence {
        from: format!("{ROOM}/{nick}").parse().unwrap(),
        id: None,
        type_,
        show: away.then_some(Show::Away),
        statuses: Default::default(),
        user: Some(x),
        occupant_id: None,
        error: None,
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Model {
    role: Role,
    affiliation: Affiliation,
    away: bool,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn occupant_table_matches_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        let now = Instant::now();
        let mut room = Room::new(ROOM.parse().unwrap(), "me", JoinOptions::default().discover(false), 3).unwrap();
        room.start_join(now);
        room.handle_presence(presence("me", Type::None, UserItem::new(Affiliation::Owner, Role::Moderator), &[110], false), now);
        while room.poll_event().is_some() {}
        let mut model: HashMap<&str, Model> = HashMap::new();
        let mut keys: HashMap<&str, OccupantKey> = HashMap::new();
        let mut last: Option<IncomingPresence> = None;
        for op in ops {
            let p = match op.clone() {
                Op::Available { nick, role, affiliation, away } => {
                    let n = NICKS[nick];
                    model.insert(n, Model { role, affiliation, away });
                    presence(n, Type::None, UserItem::new(affiliation, role), &[], away)
                }
                Op::Unavailable { nick, code } => {
                    let n = NICKS[nick];
                    let aff = model.get(n).map_or(Affiliation::None, |m| m.affiliation);
                    model.remove(n);
                    keys.remove(n);
                    presence(n, Type::Unavailable, UserItem::new(aff, Role::None), code.as_slice(), false)
                }
                Op::NickChange { from, to } => {
                    let (f, t) = (NICKS[from], NICKS[to]);
                    let item = match model.get(f) {
                        Some(m) => UserItem::new(m.affiliation, m.role),
                        None => UserItem::new(Affiliation::None, Role::Participant),
                    }.with_nick(t);
                    if f != t {
                        if let Some(m) = model.remove(f) {
                            model.insert(t, m);
                            if let Some(k) = keys.remove(f) {
                                keys.insert(t, k);
                            }
                        }
                    }
                    presence(f, Type::Unavailable, item, &[303], false)
                }
                Op::Duplicate => match last.clone() {
                    Some(p) => p,
                    None => continue,
                },
            };
            if !matches!(op, Op::Duplicate) {
                last = Some(p.clone());
            }
            let is_dup = matches!(op, Op::Duplicate);
            room.handle_presence(p, now);
            let mut events = Vec::new();
            while let Some(e) = room.poll_event() {
                events.push(e);
            }
            if is_dup {
                // A repeated presence may re-announce a leave/join cycle only
                // if it changes state; a repeated available presence says nothing.
                for e in &events {
                    prop_assert!(!matches!(e, RoomEvent::StatusChange { .. } | RoomEvent::RoleChange { .. } | RoomEvent::AffiliationChange { .. }), "{e:?}");
                }
            }
            for e in &events {
                if let RoomEvent::Join { occupant } = e {
                    keys.insert(NICKS.iter().find(|n| **n == occupant.nick()).copied().unwrap(), occupant.key());
                }
            }
            // Invariants.
            let occupants = room.occupants();
            prop_assert!(occupants[0].is_self(), "the local user first");
            prop_assert!(room.this_occupant().is_some());
            let mut seen_keys = std::collections::HashSet::new();
            let mut seen_nicks = std::collections::HashSet::new();
            for o in &occupants {
                prop_assert!(seen_keys.insert(o.key()), "keys unique");
                prop_assert!(seen_nicks.insert(o.nick().to_owned()), "nicks unique");
            }
            prop_assert_eq!(occupants.len() - 1, model.len(), "{:?} vs {:?}", occupants.iter().map(|o| o.nick()).collect::<Vec<_>>(), model);
            for o in occupants.iter().skip(1) {
                let m = model.get(o.nick()).expect("in the model");
                prop_assert_eq!(o.role(), m.role);
                prop_assert_eq!(o.affiliation(), m.affiliation);
                prop_assert_eq!(o.show().is_some(), m.away);
                if let Some(k) = keys.get(o.nick()) {
                    prop_assert_eq!(o.key(), *k, "the key survives nick changes");
                }
            }
        }
    }
}
