//! The occupant table: by nick in O(1), in order of arrival on demand.

use std::hash::BuildHasher;
use std::sync::Arc;

use compact_str::CompactString;
use hashbrown::HashTable;

use crate::occupant::{Occupant, OccupantRef};

/// The other occupants of a room (the local user is kept apart).
///
/// Each slot keeps a copy of the nick next to the occupant (inline up to
/// 24 bytes), so a lookup compares nicks without reading the occupant: in
/// a large room that is a cache miss less per presence.
#[derive(Debug, Default)]
pub(crate) struct OccupantTable {
    table: HashTable<(CompactString, OccupantRef)>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl OccupantTable {
    fn hash(&self, nick: &str) -> u64 {
        self.hasher.hash_one(nick)
    }

    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    pub(crate) fn get(&self, nick: &str) -> Option<&OccupantRef> {
        self.table
            .find(self.hash(nick), |(n, _)| n == nick)
            .map(|(_, o)| o)
    }

    pub(crate) fn get_mut(&mut self, nick: &str) -> Option<&mut OccupantRef> {
        let h = self.hash(nick);
        self.table.find_mut(h, |(n, _)| n == nick).map(|(_, o)| o)
    }

    /// Inserts `occupant`, replacing one with the same nick (returned).
    pub(crate) fn insert(&mut self, occupant: OccupantRef) -> Option<OccupantRef> {
        let old = self.remove(occupant.nick());
        let h = self.hash(occupant.nick());
        let hasher = &self.hasher;
        self.table.insert_unique(
            h,
            (CompactString::new(occupant.nick()), occupant),
            |(n, _)| hasher.hash_one(n.as_str()),
        );
        old
    }

    pub(crate) fn remove(&mut self, nick: &str) -> Option<OccupantRef> {
        let h = self.hash(nick);
        match self.table.find_entry(h, |(n, _)| n == nick) {
            Ok(entry) => Some(entry.remove().0.1),
            Err(_) => None,
        }
    }

    /// A snapshot in order of arrival.
    pub(crate) fn in_arrival_order(&self) -> Vec<OccupantRef> {
        let mut v: Vec<OccupantRef> = self.table.iter().map(|(_, o)| o.clone()).collect();
        v.sort_by_key(|o| o.key());
        v
    }

    pub(crate) fn drain(&mut self) -> Vec<OccupantRef> {
        let mut v: Vec<OccupantRef> = self.table.drain().map(|(_, o)| o).collect();
        v.sort_by_key(|o| o.key());
        v
    }

    pub(crate) fn find_by(&self, f: impl Fn(&Occupant) -> bool) -> Option<&OccupantRef> {
        self.table.iter().map(|(_, o)| o).find(|o| f(o))
    }
}

/// Changes an occupant in place when nobody else holds the snapshot.
pub(crate) fn edit(occupant: &mut OccupantRef) -> &mut Occupant {
    Arc::make_mut(occupant)
}

/// The occupants announced before a suspension, by nick, until they are
/// announced again or the rejoin ends. Finding one is O(1), so a rejoin
/// of a room with 100,000 occupants stays linear.
#[derive(Debug, Default)]
pub(crate) struct Departed {
    by_nick: hashbrown::HashMap<Box<str>, Vec<OccupantRef>>,
}

impl Departed {
    pub(crate) fn extend(&mut self, occupants: impl IntoIterator<Item = OccupantRef>) {
        for o in occupants {
            self.by_nick.entry(o.nick().into()).or_default().push(o);
        }
    }

    /// Takes out the first occupant under `nick` that `matches`.
    pub(crate) fn take(
        &mut self,
        nick: &str,
        matches: impl Fn(&Occupant) -> bool,
    ) -> Option<OccupantRef> {
        let list = self.by_nick.get_mut(nick)?;
        let pos = list.iter().position(|o| matches(o))?;
        let o = list.remove(pos);
        if list.is_empty() {
            self.by_nick.remove(nick);
        }
        Some(o)
    }

    /// Everyone not taken, in order of arrival.
    pub(crate) fn into_sorted(self) -> Vec<OccupantRef> {
        let mut v: Vec<OccupantRef> = self.by_nick.into_values().flatten().collect();
        v.sort_by_key(|o| o.key());
        v
    }
}
