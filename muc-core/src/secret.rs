//! Keeping passwords out of `Debug` output and logs.

use std::fmt;

/// A password: its `Debug` shows `"***"`, never the text.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(text: impl Into<String>) -> Password {
        Password(text.into())
    }

    /// The password text, for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Password {
        Password(s.to_owned())
    }
}

impl From<String> for Password {
    fn from(s: String) -> Password {
        Password(s)
    }
}

/// `Debug` of an optional secret: `Some("***")` or `None`.
pub(crate) fn redacted(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| "***")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_text() {
        let p = Password::new("cauldronburn");
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert_eq!(p.expose(), "cauldronburn");
    }
}
