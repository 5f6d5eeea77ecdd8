//! What the local user may do, from roles and affiliations (XEP-0045 §5).
//!
//! The server decides in the end; these answers let a program grey out a
//! button or skip a request that would be refused.

use muc_xso::{Affiliation, Role};

use crate::occupant::Occupant;

/// The local user's privileges in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Our role.
    pub role: Role,
    /// Our affiliation.
    pub affiliation: Affiliation,
    /// Whether the room is moderated, if known.
    pub moderated: Option<bool>,
    /// Whether participants may change the subject, if known.
    pub participants_set_subject: Option<bool>,
}

impl Capabilities {
    /// May we send groupchat messages? (Visitors may not in moderated rooms.)
    pub fn may_send_messages(&self) -> bool {
        match self.role {
            Role::Moderator | Role::Participant => true,
            Role::Visitor => self.moderated == Some(false),
            Role::None => false,
        }
    }

    /// May we change the subject? Moderators always; participants where
    /// the room allows it (§8.1).
    pub fn may_set_subject(&self) -> bool {
        match self.role {
            Role::Moderator => true,
            Role::Participant => self.participants_set_subject == Some(true),
            _ => false,
        }
    }

    /// May we kick `target`? A moderator may, but not someone with a higher
    /// affiliation than ours (§8.2: "A user cannot be kicked by a moderator
    /// with a lower affiliation"), and not ourselves.
    pub fn may_kick(&self, target: &Occupant) -> bool {
        self.role == Role::Moderator
            && !target.is_self()
            && target.affiliation() <= self.affiliation
    }

    /// May we grant or revoke voice for `target`? A moderator may, but
    /// never for an admin or owner, nor for someone with a higher
    /// affiliation than ours (§8.4).
    pub fn may_change_voice(&self, target: &Occupant) -> bool {
        self.role == Role::Moderator
            && !target.is_self()
            && target.affiliation() < Affiliation::Admin
            && target.affiliation() <= self.affiliation
    }

    /// May we grant or revoke moderator status for `target`? Admins and
    /// owners may, but not for an admin or owner (§9.6, §9.7).
    pub fn may_change_moderator(&self, target: &Occupant) -> bool {
        self.affiliation >= Affiliation::Admin && target.affiliation() < Affiliation::Admin
    }

    /// May we ban someone with `target` affiliation? Admins may ban those
    /// below them (§9.1).
    pub fn may_ban(&self, target: Affiliation) -> bool {
        self.affiliation >= Affiliation::Admin && target < self.affiliation
    }

    /// May we give `to` to someone who has `from`? Admins manage members
    /// and outcasts; owners everything (§9, §10).
    pub fn may_set_affiliation(&self, from: Affiliation, to: Affiliation) -> bool {
        match self.affiliation {
            Affiliation::Owner => true,
            Affiliation::Admin => from < Affiliation::Admin && to < Affiliation::Admin,
            _ => false,
        }
    }

    /// May we edit the member list (or see it)? Admins and owners.
    pub fn may_edit_member_list(&self) -> bool {
        self.affiliation >= Affiliation::Admin
    }

    /// May we configure the room? Owners (§10.2).
    pub fn may_configure(&self) -> bool {
        self.affiliation == Affiliation::Owner
    }

    /// May we destroy the room? Owners (§10.9).
    pub fn may_destroy(&self) -> bool {
        self.affiliation == Affiliation::Owner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(role: Role, affiliation: Affiliation) -> Capabilities {
        Capabilities {
            role,
            affiliation,
            moderated: Some(true),
            participants_set_subject: Some(false),
        }
    }

    #[test]
    fn owner_may_everything_a_visitor_nothing() {
        let owner = caps(Role::Moderator, Affiliation::Owner);
        assert!(owner.may_configure() && owner.may_destroy() && owner.may_set_subject());
        assert!(owner.may_ban(Affiliation::Admin));
        assert!(owner.may_set_affiliation(Affiliation::None, Affiliation::Owner));
        let visitor = caps(Role::Visitor, Affiliation::None);
        assert!(
            !visitor.may_send_messages() && !visitor.may_set_subject() && !visitor.may_configure()
        );
        assert!(!visitor.may_ban(Affiliation::None));
    }

    #[test]
    fn admins_manage_members_not_owners() {
        let admin = caps(Role::Moderator, Affiliation::Admin);
        assert!(admin.may_set_affiliation(Affiliation::None, Affiliation::Member));
        assert!(admin.may_set_affiliation(Affiliation::Member, Affiliation::Outcast));
        assert!(!admin.may_set_affiliation(Affiliation::None, Affiliation::Admin));
        assert!(!admin.may_set_affiliation(Affiliation::Owner, Affiliation::None));
        assert!(admin.may_ban(Affiliation::Member));
        assert!(!admin.may_ban(Affiliation::Admin));
        assert!(!admin.may_configure());
    }

    #[test]
    fn participants_and_subject() {
        let mut p = caps(Role::Participant, Affiliation::Member);
        assert!(p.may_send_messages());
        assert!(!p.may_set_subject());
        p.participants_set_subject = Some(true);
        assert!(p.may_set_subject());
    }

    fn occupant(affiliation: Affiliation, role: Role) -> Occupant {
        Occupant {
            key: crate::OccupantKey(1),
            room: std::sync::Arc::new("r@s".parse().expect("jid")),
            nick: "x".parse().expect("nick"),
            real_jid: None,
            affiliation,
            role,
            available: true,
            show: None,
            statuses: Vec::new(),
            occupant_id: None,
            is_self: false,
        }
    }

    #[test]
    fn kicking_and_voice_follow_affiliation_levels() {
        let member_mod = caps(Role::Moderator, Affiliation::Member);
        let admin = caps(Role::Moderator, Affiliation::Admin);
        let owner = caps(Role::Moderator, Affiliation::Owner);
        let participant = occupant(Affiliation::None, Role::Participant);
        let admin_target = occupant(Affiliation::Admin, Role::Moderator);
        let owner_target = occupant(Affiliation::Owner, Role::Moderator);
        assert!(member_mod.may_kick(&participant));
        assert!(
            !member_mod.may_kick(&admin_target),
            "§8.2: not a higher affiliation"
        );
        assert!(admin.may_kick(&admin_target));
        assert!(!admin.may_kick(&owner_target));
        assert!(owner.may_kick(&admin_target));
        assert!(member_mod.may_change_voice(&participant));
        assert!(
            !owner.may_change_voice(&admin_target),
            "§8.4: nobody revokes an admin's voice"
        );
        assert!(
            !caps(Role::Participant, Affiliation::Owner).may_kick(&participant),
            "only moderators kick"
        );
    }

    #[test]
    fn visitors_speak_in_unmoderated_rooms() {
        let mut v = caps(Role::Visitor, Affiliation::None);
        v.moderated = Some(false);
        assert!(v.may_send_messages());
    }
}
