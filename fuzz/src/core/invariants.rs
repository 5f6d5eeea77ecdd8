//! The room invariants, checked after every step of an input.

use super::Driver;

impl Driver {
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
