//! The XEP-0045 permission rules (§5, §8, §9, §10) over muc-xso's
//! [`Affiliation`] and [`Role`].

pub use muc_xso::{Affiliation, Role};

/// The role an occupant with this affiliation gets on entering (§5.1.2).
pub(crate) fn default_role(aff: Affiliation, moderated: bool, members_by_default: bool) -> Role {
    match aff {
        Affiliation::Owner | Affiliation::Admin => Role::Moderator,
        Affiliation::Member => Role::Participant,
        Affiliation::None if moderated && !members_by_default => Role::Visitor,
        Affiliation::None => Role::Participant,
        Affiliation::Outcast => Role::None,
    }
}

/// Why a change is refused: the stanza error condition to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denied {
    /// `<forbidden/>` (type auth): the actor lacks the privilege.
    Forbidden,
    /// `<not-allowed/>` (type cancel): the target is protected.
    NotAllowed,
    /// `<conflict/>` (type cancel): the last owner cannot step down.
    Conflict,
    /// `<item-not-found/>` (type cancel): no such occupant.
    NotFound,
}

/// May an occupant with `actor_aff`/`actor_role` change the role of an
/// occupant with `target_aff`/`target_role` to `new_role`? (§8.2–§8.6)
pub(crate) fn check_role_change(
    actor_aff: Affiliation,
    actor_role: Role,
    target_aff: Affiliation,
    target_role: Role,
    new_role: Role,
) -> Result<(), Denied> {
    if actor_role != Role::Moderator {
        return Err(Denied::Forbidden);
    }
    // Granting or revoking moderator needs admin or owner (§8.5, §8.6).
    if (new_role == Role::Moderator || target_role == Role::Moderator)
        && actor_aff < Affiliation::Admin
    {
        return Err(Denied::NotAllowed);
    }
    // Nobody may lower the role of an admin or owner unless above them
    // (§8.2: a moderator MUST NOT kick an admin or owner; §8.4, §8.6).
    if new_role < target_role && target_aff >= Affiliation::Admin && actor_aff <= target_aff {
        return Err(Denied::NotAllowed);
    }
    Ok(())
}

/// May `actor_aff` change an affiliation from `target_aff` to `new_aff`?
/// (§9: admins manage members and outcasts; §10: owners manage admins and
/// owners.)
pub(crate) fn check_affiliation_change(
    actor_aff: Affiliation,
    target_aff: Affiliation,
    new_aff: Affiliation,
) -> Result<(), Denied> {
    if actor_aff < Affiliation::Admin {
        return Err(Denied::Forbidden);
    }
    let touches_admin_or_owner = target_aff >= Affiliation::Admin || new_aff >= Affiliation::Admin;
    if touches_admin_or_owner && actor_aff != Affiliation::Owner {
        // §9.1: an admin cannot ban/demote an admin or owner; §10.3–§10.6:
        // only owners manage admins and owners.
        return Err(if new_aff >= Affiliation::Admin {
            Denied::Forbidden
        } else {
            Denied::NotAllowed
        });
    }
    Ok(())
}

/// What decides who may read an affiliation list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListAccess {
    /// Prosody's rule instead of ejabberd's.
    pub prosody: bool,
    /// `muc#roomconfig_membersonly`.
    pub members_only: bool,
    /// `muc#roomconfig_whois` = `anyone`.
    pub non_anonymous: bool,
}

/// Who may read which list (§9.5, §8.5, §10.5, §10.8).
///
/// Prosody (`handle_admin_query_get_command`): an admin or owner may read
/// the lists at or below its own affiliation (so an admin may read the
/// admin list but not the owner list), and anyone from member up may read
/// every list of a members-only, non-anonymous room. ejabberd: admins and
/// owners read every list, members the member list of a members-only room.
pub(crate) fn may_read_affiliation_list(
    actor_aff: Affiliation,
    list: Affiliation,
    access: ListAccess,
) -> bool {
    if access.prosody {
        return (actor_aff >= Affiliation::Admin && actor_aff >= list)
            || (access.members_only && access.non_anonymous && actor_aff >= Affiliation::Member);
    }
    match list {
        Affiliation::Member => {
            actor_aff >= Affiliation::Admin
                || (access.members_only && actor_aff >= Affiliation::Member)
        }
        Affiliation::Outcast => actor_aff >= Affiliation::Admin,
        Affiliation::Admin | Affiliation::Owner => actor_aff >= Affiliation::Admin,
        Affiliation::None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kick_rules() {
        use Affiliation as A;
        use Role as R;
        // A moderator kicks a participant.
        assert!(check_role_change(A::None, R::Moderator, A::None, R::Participant, R::None).is_ok());
        // A participant cannot kick.
        assert_eq!(
            check_role_change(A::None, R::Participant, A::None, R::Participant, R::None),
            Err(Denied::Forbidden)
        );
        // Nobody but an owner kicks an admin; nobody kicks an owner.
        assert_eq!(
            check_role_change(A::Admin, R::Moderator, A::Admin, R::Moderator, R::None),
            Err(Denied::NotAllowed)
        );
        assert!(check_role_change(A::Owner, R::Moderator, A::Admin, R::Moderator, R::None).is_ok());
        assert_eq!(
            check_role_change(A::Owner, R::Moderator, A::Owner, R::Moderator, R::None),
            Err(Denied::NotAllowed)
        );
        // Granting moderator needs admin.
        assert_eq!(
            check_role_change(
                A::Member,
                R::Moderator,
                A::None,
                R::Participant,
                R::Moderator
            ),
            Err(Denied::NotAllowed)
        );
    }

    #[test]
    fn list_rules() {
        use Affiliation as A;
        let prosody = ListAccess {
            prosody: true,
            members_only: false,
            non_anonymous: false,
        };
        let ejabberd = ListAccess {
            prosody: false,
            ..prosody
        };
        // Prosody: at or below one's own affiliation, admin at least.
        assert!(!may_read_affiliation_list(A::Admin, A::Owner, prosody));
        assert!(may_read_affiliation_list(A::Admin, A::Admin, prosody));
        assert!(may_read_affiliation_list(A::Admin, A::Member, prosody));
        assert!(may_read_affiliation_list(A::Admin, A::Outcast, prosody));
        assert!(may_read_affiliation_list(A::Owner, A::Owner, prosody));
        assert!(!may_read_affiliation_list(A::Member, A::Member, prosody));
        // ... and members of a members-only, non-anonymous room read all.
        let open_members = ListAccess {
            members_only: true,
            non_anonymous: true,
            ..prosody
        };
        assert!(may_read_affiliation_list(A::Member, A::Owner, open_members));
        let hidden_members = ListAccess {
            non_anonymous: false,
            ..open_members
        };
        assert!(!may_read_affiliation_list(
            A::Member,
            A::Member,
            hidden_members
        ));
        // ejabberd: an admin reads the owner list.
        assert!(may_read_affiliation_list(A::Admin, A::Owner, ejabberd));
        assert!(!may_read_affiliation_list(A::Member, A::Member, ejabberd));
    }

    #[test]
    fn affiliation_rules() {
        use Affiliation as A;
        assert!(check_affiliation_change(A::Admin, A::None, A::Member).is_ok());
        assert!(check_affiliation_change(A::Admin, A::None, A::Outcast).is_ok());
        assert_eq!(
            check_affiliation_change(A::Member, A::None, A::Member),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            check_affiliation_change(A::Admin, A::Admin, A::Outcast),
            Err(Denied::NotAllowed)
        );
        assert_eq!(
            check_affiliation_change(A::Admin, A::None, A::Admin),
            Err(Denied::Forbidden)
        );
        assert!(check_affiliation_change(A::Owner, A::None, A::Owner).is_ok());
    }
}
