//! Why someone left a room: the status-code rules of XEP-0045 §9–§11.

use muc_xso::{StatusCode, UserExt};

/// How an occupant (or the local user) left the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeaveMode {
    /// Left of their own accord (or for a reason the room did not give).
    Normal,
    /// Kicked (307).
    Kicked,
    /// Banned (301).
    Banned,
    /// Removed because of an affiliation change (321).
    AffiliationChange,
    /// Removed because the room became members-only (322).
    MembersOnly,
    /// Removed because the service shut down (332).
    SystemShutdown,
    /// Removed because of an error, e.g. a bounced stanza (333; also with 307).
    Error,
    /// The room was destroyed (`<destroy/>`).
    Destroyed,
    /// The local stream was lost and the room is not rejoined (local only).
    Disconnected,
}

impl LeaveMode {
    /// The mode an unavailable presence carries.
    ///
    /// 333 outranks 307 (XEP-0045 §11.1: "ignore the 307 code if a 333
    /// status code is present"); a `<destroy/>` outranks everything else.
    pub fn from_user_ext(x: Option<&UserExt>) -> LeaveMode {
        match x {
            Some(x) => LeaveMode::from_status(x.destroy().is_some(), |c| x.has_status(c)),
            None => LeaveMode::Normal,
        }
    }

    /// The mode of an unavailable presence that carries a `<destroy/>` or
    /// not, and the status codes `has` says it carries.
    pub(crate) fn from_status(destroyed: bool, has: impl Fn(StatusCode) -> bool) -> LeaveMode {
        if destroyed {
            LeaveMode::Destroyed
        } else if has(StatusCode::REMOVED_ERROR) {
            LeaveMode::Error
        } else if has(StatusCode::KICKED) {
            LeaveMode::Kicked
        } else if has(StatusCode::BANNED) {
            LeaveMode::Banned
        } else if has(StatusCode::REMOVED_AFFILIATION_CHANGE) {
            LeaveMode::AffiliationChange
        } else if has(StatusCode::REMOVED_MEMBERS_ONLY) {
            LeaveMode::MembersOnly
        } else if has(StatusCode::REMOVED_SHUTDOWN) {
            LeaveMode::SystemShutdown
        } else {
            LeaveMode::Normal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use muc_xso::DestroyNotification;

    fn with(codes: &[u16]) -> UserExt {
        codes.iter().fold(UserExt::new(), |x, c| x.with_status(*c))
    }

    #[test]
    fn each_code_gives_its_mode() {
        let cases = [
            (&[][..], LeaveMode::Normal),
            (&[110][..], LeaveMode::Normal),
            (&[307, 110][..], LeaveMode::Kicked),
            (&[301][..], LeaveMode::Banned),
            (&[321][..], LeaveMode::AffiliationChange),
            (&[322][..], LeaveMode::MembersOnly),
            (&[332, 110][..], LeaveMode::SystemShutdown),
            (&[333][..], LeaveMode::Error),
            (&[110, 307, 333][..], LeaveMode::Error),
            (&[333, 307][..], LeaveMode::Error),
            (&[999][..], LeaveMode::Normal),
        ];
        for (codes, mode) in cases {
            assert_eq!(
                LeaveMode::from_user_ext(Some(&with(codes))),
                mode,
                "{codes:?}"
            );
        }
        assert_eq!(LeaveMode::from_user_ext(None), LeaveMode::Normal);
    }

    #[test]
    fn destroy_outranks_codes() {
        let x = with(&[110]).with_destroy(DestroyNotification::default());
        assert_eq!(LeaveMode::from_user_ext(Some(&x)), LeaveMode::Destroyed);
    }
}
