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

/// The XML of a stanza with every password blanked out: `<password>`
/// texts, `password='...'` attributes (XEP-0249) and the values of the
/// room-secret configuration field.
pub fn scrub_xml(xml: &str) -> String {
    let mut out = xml.to_owned();
    // Element text: <password>secret</password> (muc, muc#user, muc#owner).
    out = blank_between(&out, "<password>", "</password>");
    // Attribute values: password='secret' / password="secret".
    out = blank_between(&out, "password='", "'");
    out = blank_between(&out, "password=\"", "\"");
    // The room secret in configuration forms.
    if let Some(i) = out.find("muc#roomconfig_roomsecret") {
        let (head, tail) = out.split_at(i);
        let end = tail.find("</field>").unwrap_or(tail.len());
        let (field, rest) = tail.split_at(end);
        out = format!(
            "{head}{}{rest}",
            blank_between(field, "<value>", "</value>")
        );
    }
    out
}

fn blank_between(s: &str, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(open) {
        let after = i + open.len();
        out.push_str(&rest[..after]);
        match rest[after..].find(close) {
            Some(j) => {
                out.push_str("***");
                rest = &rest[after + j..];
            }
            None => {
                rest = &rest[after..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `Debug` of an optional secret: `Some("***")` or `None`.
pub(crate) fn redacted(secret: &Option<String>) -> Option<&'static str> {
    secret.as_ref().map(|_| "***")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_blanks_every_kind_of_password() {
        let xml = "<presence><x xmlns='http://jabber.org/protocol/muc'><password>s1</password></x></presence>\
                   <x xmlns='jabber:x:conference' jid='a@b' password='s2'/>\
                   <field var='muc#roomconfig_roomsecret'><value>s3</value></field><field var='x'><value>keep</value></field>";
        let out = scrub_xml(xml);
        for s in ["s1", "s2", "s3"] {
            assert!(
                !out.contains(&format!(">{s}<")) && !out.contains(&format!("'{s}'")),
                "{out}"
            );
        }
        assert!(out.contains("keep"));
    }

    #[test]
    fn debug_hides_the_text() {
        let p = Password::new("cauldronburn");
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert_eq!(p.expose(), "cauldronburn");
    }
}
