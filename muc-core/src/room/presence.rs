//! Presences from the room: occupants come, change and go; we enter and exit.

use std::sync::Arc;
use std::time::Instant;

use jid::{Jid, ResourcePart, ResourceRef};
use muc_xso::{DestroyNotification, Role, StatusCode, UserChild, UserExt, UserItem};
use xmpp_parsers::message::Lang;
use xmpp_parsers::presence::{Show, Type as PresenceType};

use super::{Room, RoomState};
use crate::error::{JoinError, RequestError, ServerError};
use crate::event::{Cause, Destruction, RoomEvent};
use crate::incoming::IncomingPresence;
use crate::leave_mode::LeaveMode;
use crate::occupant::{Occupant, OccupantRef};
use crate::occupants::edit;
use crate::requests::Response;

/// The longest XEP-0421 occupant id kept (real ones are about 44 bytes).
const MAX_OCCUPANT_ID_LEN: usize = 256;

/// The parts of a presence the room logic uses, taken apart once.
struct Parts {
    unavailable: bool,
    show: Option<Show>,
    statuses: Vec<(Lang, String)>,
    item: Option<UserItem>,
    status: Vec<StatusCode>,
    destroy: Option<DestroyNotification>,
    occupant_id: Option<String>,
}

impl Parts {
    /// The parts, and the sender.
    fn of(p: IncomingPresence) -> (Parts, Jid) {
        let unavailable = p.is_unavailable();
        let mut item = None;
        let mut status = Vec::new();
        let mut destroy = None;
        for child in p.user.map(|u: UserExt| u.children).unwrap_or_default() {
            match child {
                UserChild::Item(i) if item.is_none() => item = Some(i),
                UserChild::Status(s) => status.push(s.code),
                UserChild::Destroy(d) => destroy = Some(d),
                _ => {}
            }
        }
        let parts = Parts {
            unavailable,
            show: p.show,
            statuses: p.statuses,
            item,
            status,
            destroy,
            // XEP-0421 ids are short hashes; a long one is not kept.
            occupant_id: p.occupant_id.filter(|id| id.len() <= MAX_OCCUPANT_ID_LEN),
        };
        (parts, p.from)
    }

    fn has(&self, code: StatusCode) -> bool {
        self.status.contains(&code)
    }

    fn cause(&mut self) -> Cause {
        match self.item.as_mut() {
            Some(i) => Cause {
                actor: i.actor.take(),
                reason: i.reason.take(),
            },
            None => Cause::default(),
        }
    }

    fn leave_mode(&self) -> LeaveMode {
        LeaveMode::from_status(self.destroy.is_some(), |c| self.has(c))
    }

    /// The new nick of a nick change (303), if the item names a valid one.
    fn new_nick(&self) -> Option<ResourcePart> {
        let nick = self.item.as_ref()?.nick.as_deref()?;
        ResourcePart::new(nick).ok().map(|n| n.into_owned())
    }
}

/// An occupant as last seen when it left: no longer available, no role.
fn mark_gone(o: &mut Occupant) {
    o.available = false;
    o.role = Role::None;
}

/// What changed when a presence was applied to an occupant.
#[derive(Default)]
struct Changes {
    affiliation: Option<(muc_xso::Affiliation, muc_xso::Affiliation)>,
    role: Option<(muc_xso::Role, muc_xso::Role)>,
    status: bool,
}

/// Applies the occupant-describing parts of a presence to `o`.
fn apply(o: &mut Occupant, parts: &mut Parts, trust_occupant_id: bool) -> Changes {
    let mut ch = Changes::default();
    if let Some(item) = parts.item.as_mut() {
        if let Some(a) = item.affiliation {
            if a != o.affiliation {
                ch.affiliation = Some((o.affiliation, a));
                o.affiliation = a;
            }
        }
        if let Some(r) = item.role {
            if r != o.role {
                ch.role = Some((o.role, r));
                o.role = r;
            }
        }
        if let Some(j) = item.jid.take() {
            if o.real_jid.as_ref() != Some(&j) {
                o.real_jid = Some(j);
            }
        }
    }
    if parts.unavailable {
        // The exit message (§7.14) goes with the leave; `show` means nothing
        // on an unavailable presence.
        if !parts.statuses.is_empty() {
            o.statuses = std::mem::take(&mut parts.statuses);
        }
    } else if o.show != parts.show || o.statuses != parts.statuses {
        o.show = parts.show.take();
        o.statuses = std::mem::take(&mut parts.statuses);
        ch.status = true;
    }
    if trust_occupant_id {
        if let Some(id) = parts.occupant_id.take() {
            if o.occupant_id.as_deref() != Some(id.as_str()) {
                o.occupant_id = Some(id.into_boxed_str());
            }
        }
    }
    ch
}

impl Room {
    /// Handles a presence from the room.
    pub fn handle_presence(&mut self, p: IncomingPresence, now: Instant) {
        if matches!(self.state, RoomState::Exited | RoomState::Suspended) {
            tracing::debug!(room = %self.jid, "presence for a room that is not joined; ignored");
            return;
        }
        if !self.is_room(&p.from) {
            tracing::warn!(room = %self.jid, from = %p.from, "presence from outside the room; ignored");
            return;
        }
        self.activity(now);
        if p.from.resource().is_none() {
            // ejabberd speaks as the bare room JID (caps, leave notices):
            // that is the room itself, never an occupant.
            return;
        }
        match p.type_ {
            PresenceType::Error => {
                if let Some(nick) = p.from.resource().map(|r| r.to_owned()) {
                    self.error_presence(p, &nick);
                }
                return;
            }
            PresenceType::None | PresenceType::Unavailable => {}
            _ => {
                tracing::debug!(room = %self.jid, "presence of type {:?} from the room; ignored", p.type_);
                return;
            }
        }
        // The nick stays borrowed from `from`: only a new occupant needs a
        // copy of it.
        let (mut parts, from) = Parts::of(p);
        let Some(nick) = from.resource() else {
            return;
        };
        let mut left = self.options.limits.max_status_len;
        parts
            .statuses
            .retain_mut(|(_, text)| super::cap_text(text, &mut left));
        let self_code = parts.has(StatusCode::SELF_PRESENCE);
        match self.state {
            RoomState::Joining => {
                let ours_by_jid = match (
                    &self.own_jid,
                    parts.item.as_ref().and_then(|i| i.jid.as_ref()),
                ) {
                    (Some(own), Some(j)) => j.try_as_full().is_ok_and(|j| j == own),
                    _ => false,
                };
                if self_code || (ours_by_jid && nick.as_str() == self.nick.as_str()) {
                    self.enter(nick.to_owned(), &mut parts, now);
                } else if self
                    .me
                    .as_ref()
                    .is_some_and(|m| m.nick.as_str() == nick.as_str())
                {
                    // Rejoining: we are still listed under this nick, so
                    // this is another session of ours (or a self-presence
                    // without 110 that a later one will confirm). Listing
                    // it as someone else would show our nick twice.
                    tracing::debug!(room = %self.jid, %nick, "presence for our own nick during the rejoin, without 110; not listed");
                } else {
                    self.occupant_presence(nick, &mut parts);
                }
            }
            RoomState::History | RoomState::Live => {
                let is_me = self
                    .me
                    .as_ref()
                    .is_some_and(|m| m.nick.as_str() == nick.as_str());
                if is_me || self_code {
                    self.self_presence(nick.to_owned(), &mut parts);
                } else {
                    self.occupant_presence(nick, &mut parts);
                }
            }
            RoomState::Suspended | RoomState::Exited => {}
        }
    }

    fn error_presence(&mut self, p: IncomingPresence, nick: &ResourcePart) {
        let error = ServerError::or_undefined(p.error.map(|e| *e));
        match self.state {
            RoomState::Joining if !self.entered_once => {
                self.fail_join(JoinError::Refused(error));
            }
            RoomState::Joining => {
                // A rejoin refused: we are out.
                tracing::info!(room = %self.jid, %error, "rejoin refused");
                self.join_deadline = None;
                self.events.push_back(RoomEvent::Error { error, id: p.id });
                self.exit_locally(LeaveMode::Disconnected);
            }
            _ => {
                let nick_answer = self
                    .pending_nick
                    .take_if(|(_, wanted)| wanted == nick.as_str());
                match nick_answer {
                    Some((r, _)) => self
                        .completed
                        .push_back((r.id, Err(RequestError::Server(error)))),
                    None => self.events.push_back(RoomEvent::Error { error, id: p.id }),
                }
            }
        }
    }

    fn enter(&mut self, nick: ResourcePart, parts: &mut Parts, now: Instant) {
        if parts.unavailable {
            let mode = parts.leave_mode();
            let reason = parts.cause().reason;
            if self.entered_once {
                self.exit_locally(mode);
            } else {
                self.fail_join(JoinError::Removed { mode, reason });
            }
            return;
        }
        let trust = self.trusts_occupant_id();
        let rejoin = self.before_resume.is_some();
        let mut me = match self.me.take() {
            Some(old) if rejoin => Arc::unwrap_or_clone(old),
            _ => self.new_occupant(nick.clone(), true),
        };
        me.nick = nick.clone();
        me.available = true;
        apply(&mut me, parts, trust);
        // A presence for our nick seen earlier was another session of ours:
        // it was announced, so it leaves.
        self.drop_ghost(nick.as_str());
        let requested = std::mem::replace(&mut self.nick, nick);
        let me = Arc::new(me);
        self.me = Some(me.clone());
        self.state = RoomState::History;
        self.join_deadline = None;
        self.entered_once = true;
        self.selfping = self
            .options
            .self_ping
            .map(|c| crate::selfping::SelfPing::new(c, now));
        if let Some(before) = self.before_resume.take() {
            for occupant in before.into_sorted() {
                self.announce_gone(occupant, Vec::new());
            }
            self.events.push_back(RoomEvent::Resumed {
                occupant: me,
                status: std::mem::take(&mut parts.status),
            });
        } else {
            let created = parts.has(StatusCode::ROOM_CREATED);
            let nick_assigned = parts.has(StatusCode::NICK_ASSIGNED) || requested != self.nick;
            self.events.push_back(RoomEvent::Enter {
                occupant: me,
                status: std::mem::take(&mut parts.status),
                created,
                nick_assigned,
            });
        }
    }

    fn self_presence(&mut self, nick: ResourcePart, parts: &mut Parts) {
        let Some(mut me) = self.me.take() else {
            return;
        };
        if parts.unavailable && parts.has(StatusCode::NICK_CHANGED) {
            match parts.new_nick() {
                Some(new) => self.rename_me(&mut me, new),
                None => {
                    tracing::warn!(room = %self.jid, "our nick change (303) names no new nick; ignored");
                }
            }
            self.me = Some(me);
            return;
        }
        if parts.unavailable {
            return self.exit(me, parts);
        }
        if me.nick != nick {
            // The room put us under another nick without a 303 first.
            self.rename_me(&mut me, nick);
        }
        let trust = self.trusts_occupant_id();
        let ch = apply(edit(&mut me), parts, trust);
        let cause = parts.cause();
        self.me = Some(me.clone());
        self.emit_changes(&me, ch, cause);
    }

    /// An occupant the room did not say goodbye for (a ghost, one who did
    /// not come back after a rejoin) leaves with a plain `Leave`.
    fn announce_gone(&mut self, mut o: OccupantRef, status: Vec<StatusCode>) {
        mark_gone(edit(&mut o));
        self.events.push_back(RoomEvent::Leave {
            occupant: o,
            mode: LeaveMode::Normal,
            cause: Cause::default(),
            status,
        });
    }

    /// Removes another occupant listed under our nick, with a `Leave`
    /// (it was announced with a `Join`; the room now says the nick is ours).
    fn drop_ghost(&mut self, nick: &str) {
        if let Some(ghost) = self.occupants.remove(nick) {
            tracing::debug!(room = %self.jid, %nick, "an occupant under our nick is us; it leaves the list");
            self.announce_gone(ghost, Vec::new());
        }
    }

    fn rename_me(&mut self, me: &mut OccupantRef, new: ResourcePart) {
        let old = std::mem::replace(&mut edit(me).nick, new.clone());
        self.nick = new.clone();
        // A ghost entry under our new nick (another session) goes away.
        self.drop_ghost(new.as_str());
        self.events.push_back(RoomEvent::NickChange {
            occupant: me.clone(),
            old: old.as_str().to_owned(),
            new: new.as_str().to_owned(),
        });
        if let Some((r, _)) = self.pending_nick.take() {
            self.completed
                .push_back((r.id, Ok(Response::NickChanged(new.as_str().to_owned()))));
        }
    }

    fn exit(&mut self, mut me: OccupantRef, parts: &mut Parts) {
        let mode = parts.leave_mode();
        let cause = parts.cause();
        {
            let m = edit(&mut me);
            if let Some(a) = parts.item.as_ref().and_then(|i| i.affiliation) {
                m.affiliation = a;
            }
            mark_gone(m);
            if !parts.statuses.is_empty() {
                m.statuses = std::mem::take(&mut parts.statuses);
            }
        }
        let destroyed = parts.destroy.take().map(|d| {
            Box::new(Destruction {
                alternate_venue: d.jid,
                reason: d.reason,
                password: d.password,
            })
        });
        self.me = Some(me.clone());
        self.forget_trackers();
        self.state = RoomState::Exited;
        self.selfping = None;
        self.events.push_back(RoomEvent::Exit {
            mode,
            occupant: Some(me),
            cause,
            destroyed,
            status: std::mem::take(&mut parts.status),
        });
        if let Some(r) = self.pending_leave.take() {
            self.completed.push_back((r.id, Ok(Response::Left)));
        }
        self.fail_pending(RequestError::Invalid("left the room".into()));
    }

    fn occupant_presence(&mut self, nick: &ResourceRef, parts: &mut Parts) {
        let trust = self.trusts_occupant_id();
        if parts.unavailable {
            if parts.has(StatusCode::NICK_CHANGED) {
                if let Some(new) = parts.new_nick() {
                    return self.rename_occupant(nick, new, parts);
                }
                tracing::warn!(room = %self.jid, %nick, "303 without a new nick; treated as a leave");
            }
            let Some(mut o) = self.occupants.remove(nick.as_str()) else {
                tracing::debug!(room = %self.jid, %nick, "unavailable presence for an unknown occupant; ignored");
                return;
            };
            let mode = parts.leave_mode();
            let ch = apply(edit(&mut o), parts, trust);
            mark_gone(edit(&mut o));
            let cause = parts.cause();
            // The role goes with the leave; an affiliation change (a ban,
            // §9.1) is told before it.
            let ch = Changes { role: None, ..ch };
            self.emit_changes(&o, ch, cause.clone());
            self.events.push_back(RoomEvent::Leave {
                occupant: o,
                mode,
                cause,
                status: std::mem::take(&mut parts.status),
            });
            return;
        }
        if let Some(existing) = self.occupants.get_mut(nick.as_str()) {
            let ch = apply(edit(existing), parts, trust);
            let o = existing.clone();
            let cause = parts.cause();
            self.emit_changes(&o, ch, cause);
            return;
        }
        if self
            .options
            .limits
            .max_occupants
            .is_some_and(|max| self.occupants.len() >= max)
        {
            if !self.occupants_full {
                self.occupants_full = true;
                tracing::warn!(room = %self.jid, count = self.occupants.len(), "occupant limit reached; presences of new nicks are ignored");
            } else {
                tracing::trace!(room = %self.jid, %nick, "occupant limit reached; presence ignored");
            }
            return;
        }
        self.occupants_full = false;
        // A returning occupant after a rejoin keeps its key and makes no Join.
        let returning = self.before_resume.as_mut().and_then(|before| {
            before.take(nick.as_str(), |o| {
                match (&o.occupant_id, &parts.occupant_id) {
                    (Some(a), Some(b)) => **a == **b,
                    _ => true,
                }
            })
        });
        match returning {
            Some(mut o) => {
                edit(&mut o).available = true;
                let ch = apply(edit(&mut o), parts, trust);
                self.occupants.insert(o.clone());
                let cause = parts.cause();
                self.emit_changes(&o, ch, cause);
            }
            None => {
                let mut o = self.new_occupant(nick.to_owned(), false);
                apply(&mut o, parts, trust);
                let o = Arc::new(o);
                self.occupants.insert(o.clone());
                self.events.push_back(RoomEvent::Join { occupant: o });
            }
        }
    }

    fn rename_occupant(&mut self, old: &ResourceRef, new: ResourcePart, parts: &mut Parts) {
        let Some(mut o) = self.occupants.remove(old.as_str()) else {
            tracing::debug!(room = %self.jid, nick = %old, "nick change of an unknown occupant; ignored");
            return;
        };
        let trust = self.trusts_occupant_id();
        // The 303 presence is unavailable: it renames, nothing else.
        let _ = apply(edit(&mut o), parts, trust);
        if self.me.as_ref().is_some_and(|me| me.nick == new) {
            // Our nick cannot be another occupant's: the room is broken or
            // lying. The old nick is gone, so that occupant left.
            tracing::warn!(room = %self.jid, nick = %old, %new, "nick change onto our own nick; taken as a leave");
            self.announce_gone(o, std::mem::take(&mut parts.status));
            return;
        }
        edit(&mut o).nick = new.clone();
        if let Some(ghost) = self.occupants.insert(o.clone()) {
            tracing::warn!(room = %self.jid, nick = %new, key = %ghost.key(), "nick change onto an occupied nick; the old entry leaves");
            self.announce_gone(ghost, Vec::new());
        }
        self.events.push_back(RoomEvent::NickChange {
            occupant: o,
            old: old.as_str().to_owned(),
            new: new.as_str().to_owned(),
        });
    }

    fn emit_changes(&mut self, o: &OccupantRef, ch: Changes, cause: Cause) {
        if let Some((old, new)) = ch.affiliation {
            self.events.push_back(RoomEvent::AffiliationChange {
                occupant: o.clone(),
                old,
                new,
                cause: cause.clone(),
            });
        }
        if let Some((old, new)) = ch.role {
            self.events.push_back(RoomEvent::RoleChange {
                occupant: o.clone(),
                old,
                new,
                cause,
            });
        }
        if ch.status {
            self.events.push_back(RoomEvent::StatusChange {
                occupant: o.clone(),
            });
        }
    }
}
