//! User accounts registered on a backend.

use jid::BareJid;

use super::{BackendError, DOMAIN};

/// The users every backend registers at start, each with the password `<name>pw`.
///
/// Add a name here to make it available on every backend.
pub const DEFAULT_USER_NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi",
];

/// An account on the test server: user name, password and bare JID (`name@localhost`).
///
/// User names are limited to `a-z`, `0-9`, `.`, `_` and `-`, and passwords to printable
/// ASCII without quotes or backslashes, so both can be handed to `prosodyctl` and to an
/// Erlang expression without any escaping question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    username: String,
    password: String,
    jid: BareJid,
}

impl Account {
    /// An account with an explicit password.
    ///
    /// ```
    /// use conformance::backend::Account;
    /// let a = Account::new("zoe", "s3cret").unwrap();
    /// assert_eq!(a.jid().to_string(), "zoe@localhost");
    /// assert!(Account::new("Zoë", "x").is_err());
    /// ```
    pub fn new(username: &str, password: &str) -> Result<Account, BackendError> {
        let invalid = |reason: &str| BackendError::InvalidAccount {
            username: username.to_owned(),
            reason: reason.to_owned(),
        };
        if username.is_empty() || username.len() > 64 {
            return Err(invalid("the user name must have 1 to 64 characters"));
        }
        if !username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        {
            return Err(invalid(
                "the user name may only contain a-z, 0-9, '.', '_' and '-'",
            ));
        }
        if password.is_empty()
            || !password
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\'' && b != b'\\')
        {
            return Err(invalid(
                "the password must be non-empty printable ASCII without quotes or backslashes",
            ));
        }
        let jid = BareJid::new(&format!("{username}@{DOMAIN}"))
            .map_err(|e| invalid(&format!("not a valid JID: {e}")))?;
        Ok(Account {
            username: username.to_owned(),
            password: password.to_owned(),
            jid,
        })
    }

    /// The account `name` with the password `<name>pw`, the convention of the default users.
    pub fn named(name: &str) -> Result<Account, BackendError> {
        Account::new(name, &format!("{name}pw"))
    }

    /// The user name (the JID's local part).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The bare JID, `username@localhost`.
    pub fn jid(&self) -> &BareJid {
        &self.jid
    }
}

/// The default accounts: every name in [`DEFAULT_USER_NAMES`] with the password `<name>pw`.
pub fn default_accounts() -> Vec<Account> {
    DEFAULT_USER_NAMES
        .iter()
        .map(|name| Account::named(name).expect("DEFAULT_USER_NAMES holds valid user names"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_have_the_conventional_passwords() {
        let users = default_accounts();
        assert!(users.len() >= 8);
        for name in [
            "alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi",
        ] {
            let a = users.iter().find(|a| a.username() == name).unwrap();
            assert_eq!(a.password(), format!("{name}pw"));
            assert_eq!(a.jid().to_string(), format!("{name}@localhost"));
        }
    }

    #[test]
    fn rejects_unsafe_names_and_passwords() {
        assert!(Account::new("", "pw").is_err());
        assert!(Account::new("a b", "pw").is_err());
        assert!(Account::new("Alice", "pw").is_err());
        assert!(Account::new("a", "").is_err());
        assert!(Account::new("a", "p\"w").is_err());
        assert!(Account::new("a", "p\\w").is_err());
        assert!(Account::new("a", "p w").is_err());
        assert!(Account::new("a.b_c-1", "P@ss!").is_ok());
    }
}
